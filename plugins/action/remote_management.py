# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action plugin of winremote.remoting.remote_management: the role's options as one task, one observation."""

from __future__ import annotations

import typing as t

from ansible_collections.winremote.remoting.plugins.module_utils._specs import REMOTE_MANAGEMENT
from ansible_collections.winremote.remoting.plugins.plugin_utils.action import WinRemoteAction
from ansible_collections.winremote.remoting.plugins.plugin_utils.connection import ConnectionConfig
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine import execute as engine
from ansible_collections.winremote.remoting.plugins.plugin_utils.errors import InvalidArgumentError, WinRemoteError
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures import firewall_rules, winrm_policy
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures.remote_management import (
    ManagementDesired,
    RemoteManagement,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures.sm_remoting import SmRemotingDesired
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.client import WSManClient


def renamed(error: WinRemoteError, option: str, own: str) -> WinRemoteError:
    """A part's error names the part's option (``remote_address: ...``); say this module's name for it."""
    if isinstance(error, InvalidArgumentError) and error.option == option:
        return InvalidArgumentError(own, error.problem)
    text = str(error)
    prefix = f"{option}:"
    if text.startswith(prefix):
        return InvalidArgumentError(own, text[len(prefix) :].strip())
    return error


def desired_from_args(args: t.Mapping[str, t.Any], config: ConnectionConfig) -> ManagementDesired:
    """The request of every part, validated by the part's own rules before any connection; an error names this
    module's option. The mapping is the role's: each part follows ``state``, the WinRM policy is ``not_configured``
    (not ``disabled``, which would stop WinRM answering anyone) when ``state=disabled``."""
    state = args["state"]
    if state not in ("enabled", "disabled"):
        raise InvalidArgumentError("state", f"must be enabled or disabled, got {state!r}")
    enabled = state == "enabled"
    allow = bool(args.get("allow_self_disconnect"))
    addresses = args.get("mmc_remote_address")
    if addresses is not None and not enabled:
        raise InvalidArgumentError("mmc_remote_address", "only used with state=enabled (disabled rules admit no one)")
    try:
        # validated even when mmc_firewall_rules=false, so a bad value never waits for the day the part is on
        rules = firewall_rules.desired_from_args(
            {
                "rule_set": "dcom_remote_management",
                "state": state,
                "remote_address": addresses,
                "allow_self_disconnect": allow,
            },
            connection_port=config.port,
        )
    except WinRemoteError as exc:
        raise renamed(exc, "remote_address", "mmc_remote_address") from None
    policy = None
    if args.get("winrm_policy"):
        policy_args = {"state": "enabled" if enabled else "not_configured", "allow_self_disconnect": allow}
        if enabled:
            policy_args["ipv4_filter"] = args.get("winrm_policy_ipv4_filter", "*")
            policy_args["ipv6_filter"] = args.get("winrm_policy_ipv6_filter", "*")
        try:
            # resolves a host name on the controller when the filters restrict the addresses (lock-out check)
            policy = winrm_policy.PolicyDesired.from_args(
                policy_args, config.host, scheme=config.scheme, port=config.port
            )
        except WinRemoteError as exc:
            for part in ("ipv4_filter", "ipv6_filter"):
                exc = renamed(exc, part, f"winrm_policy_{part}")
            raise exc from None
    return ManagementDesired(
        sm_remoting=(
            SmRemotingDesired(state=state, allow_self_disconnect=allow, scheme=config.scheme, port=config.port)
            if args.get("sm_remoting", True)
            else None
        ),
        mmc_rules=rules if args.get("mmc_firewall_rules", True) else None,
        winrm_policy=policy,
        token_filter_policy=enabled if args.get("token_filter_policy") else None,
        allow_self_disconnect=allow,
        scheme=config.scheme,
        port=config.port,
    )


class ActionModule(WinRemoteAction):
    ARGUMENT_SPEC = REMOTE_MANAGEMENT

    def run_procedure(self, client: WSManClient, args: dict[str, t.Any]) -> dict[str, t.Any]:
        config = client.config
        desired = desired_from_args(args, config)  # before any I/O: bad options fail naming the option
        procedure = RemoteManagement(wait_seconds=max(config.connection_timeout, config.read_timeout, 10))
        return self.outcome_result(engine.execute(procedure, client, desired, self.check_mode))
