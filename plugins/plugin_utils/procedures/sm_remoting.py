# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Server Manager remote management: what ``Configure-SMRemoting.exe -enable | -disable | -get`` does.

Enabled means what Server Manager relies on: the WinRM service automatic and running, an enabled HTTP listener on
all addresses on port 5985, the WinRM HTTP firewall rules enabled, and Kerberos and Negotiate authentication on.
Settings that Group Policy controls are reported as overridden, never fought.
"""

from __future__ import annotations

import dataclasses
import typing as t

from ansible_collections.winremote.remoting.plugins.plugin_utils.engine import guard
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.change import Change, Endpoint, Outcome
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.execute import Procedure
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures.remoting_info import (
    SM_REMOTING_PORT,
    RemotingState,
    observe,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import firewall, services, winrm_config
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.errors import WinRemoteError
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.protocol import Client

WINRM_RULES = firewall.RULE_SETS["winrm_http"]
REQUIRED_AUTH = ("kerberos", "negotiate")
ROLLBACK_TASK = guard.LISTENER_TASK


@dataclasses.dataclass(frozen=True)
class SmRemotingDesired:
    state: str  # enabled | disabled
    allow_self_disconnect: bool = False
    scheme: str = "http"  # how the controller is connected, to know which changes would cut it off
    port: int = 5985

    @property
    def endpoint(self) -> Endpoint:
        return Endpoint(self.scheme, self.port)


@dataclasses.dataclass
class SmRemotingPlan:
    changes: list[Change]
    gpo_overrides: list[str]
    warnings: list[str]


def _sm_listener(state: RemotingState) -> winrm_config.Listener | None:
    """The HTTP listener on all addresses, GPO-created first (it is the one WinRM uses)."""
    listeners = [x for x in state.listeners if x.transport == "HTTP" and x.address == "*"]
    return next((x for x in listeners if x.source == "GPO"), None) or next(iter(listeners), None)


def _rule_changes(state: RemotingState, rules: t.Sequence[firewall.FirewallRule], enabled: bool) -> list[Change]:
    """Enable or disable the WinRM rules (on 2008 / 2008 R2 one netsh command for all)."""
    verb = "enable" if enabled else "disable"
    netsh = firewall.uses_netsh(state.os.major_minor)
    operations = firewall.rule_operations(netsh, [(rule, firewall.RuleEdit(enabled=enabled)) for rule in rules])
    return [
        Change(
            f"firewall_rules.{rule.rule_id}.enabled",
            not enabled,
            enabled,
            f"{verb} the firewall rule {rule.rule_id}",
            ops["enabled"],
            label="set_enabled",
        )
        for rule, ops in zip(rules, operations, strict=True)
    ]


def plan_enabled(state: RemotingState) -> SmRemotingPlan:
    """Service, firewall rules and authentication first, the listener (whose change restarts WinRM) last."""
    changes: list[Change] = []
    overrides: list[str] = []
    warnings: list[str] = []
    service = state.winrm_service
    if service.start_mode != "auto":
        changes.append(
            Change(
                "winrm_service.start_mode",
                service.start_mode,
                "auto",
                "set the WinRM service to start automatically",
                services.SetStartMode("WinRM", "auto"),
            )
        )
    if service.state != "running":
        changes.append(
            Change("winrm_service.state", service.state, "running", "start WinRM", services.StartService("WinRM"))
        )
    off: list[firewall.FirewallRule] = []
    for rule_id in WINRM_RULES:
        rule = state.firewall_rules.get(rule_id)
        if rule is None:
            warnings.append(
                f"the built-in firewall rule {rule_id} is missing; it is not created ({firewall.MISSING_RULE_ADVICE})"
            )
        elif not rule.enabled and rule.gpo_owned:
            overrides.append(f"the firewall rule {rule_id} is disabled by Group Policy")
        elif not rule.enabled:
            off.append(rule)
    changes += _rule_changes(state, off, True)
    auth = state.service_config.auth if state.service_config else {}
    gpo_settings = {name.lower() for name in (state.service_config.gpo_settings if state.service_config else ())}
    for method in REQUIRED_AUTH:
        if auth.get(method) is False:
            if method in gpo_settings:
                overrides.append(f"{method.capitalize()} authentication is turned off by Group Policy")
            else:
                changes.append(
                    Change(
                        f"service_auth.{method}",
                        False,
                        True,
                        f"turn on {method.capitalize()} authentication",
                        winrm_config.SetAuth(((method, True),)),
                    )
                )
    listener = _sm_listener(state)
    wanted = {"port": SM_REMOTING_PORT, "enabled": True}
    if listener is not None and listener.source == "GPO":
        overrides.append("the HTTP listener is created by Group Policy (Allow remote server management through WinRM)")
    elif listener is None:
        changes.append(
            Change(
                "listeners.HTTP/*",
                None,
                wanted,
                f"create an HTTP listener on all addresses, port {SM_REMOTING_PORT}",
                winrm_config.CreateListener("*", "HTTP", SM_REMOTING_PORT),
            )
        )
    elif listener.port != SM_REMOTING_PORT or not listener.enabled:
        changes.append(
            Change(
                "listeners.HTTP/*",
                {"port": listener.port, "enabled": listener.enabled},
                wanted,
                f"enable the HTTP listener on all addresses on port {SM_REMOTING_PORT}",
                winrm_config.UpdateListener(listener, SM_REMOTING_PORT),
            )
        )
    return SmRemotingPlan(changes, overrides, warnings)


def plan_disabled(state: RemotingState) -> SmRemotingPlan:
    overrides: list[str] = []
    on: list[firewall.FirewallRule] = []
    for rule_id in WINRM_RULES:
        rule = state.firewall_rules.get(rule_id)
        if rule is None or not rule.enabled:
            continue
        if rule.gpo_owned:
            overrides.append(f"the firewall rule {rule_id} is enabled by Group Policy")
            continue
        on.append(rule)
    changes = _rule_changes(state, on, False)
    listener = _sm_listener(state)
    if listener is not None and listener.source == "GPO":
        overrides.append(
            "the HTTP listener is created by Group Policy (Allow remote server management through WinRM); "
            "disable it with winremote.remoting.winrm_policy"
        )
    elif listener is not None:
        changes.append(
            Change(
                "listeners.HTTP/*",
                {"port": listener.port, "enabled": listener.enabled},
                None,
                "delete the HTTP listener on all addresses",
                winrm_config.DeleteListener(listener),
            )
        )
    return SmRemotingPlan(changes, overrides, [])


def plan_for(state: RemotingState, desired: SmRemotingDesired) -> SmRemotingPlan:
    """The changes, Group Policy overrides and warnings of a request (pure)."""
    state.require_read("plan Server Manager remoting")  # unread is not absent: no listener is created blind
    return plan_enabled(state) if desired.state == "enabled" else plan_disabled(state)


def found(state: RemotingState) -> dict[str, t.Any]:
    """The settings Server Manager remote management is made of, as observed (the module's ``found``)."""
    facts = state.to_dict()
    return {
        "sm_remoting_enabled": state.sm_remoting_enabled,
        "winrm_service": facts["winrm_service"],
        "listeners": facts["listeners"],
        "firewall_rules": {
            rule_id: facts["firewall_rules"].get(rule_id, {"present": False}) for rule_id in WINRM_RULES
        },
        "service_auth": facts["service_auth"],
        "winrm_policy": facts["winrm_policy"],
    }


def describe_listener(client: Client) -> str:
    """What the HTTP listener on all addresses is now (a fresh WS-Transfer Get), for a result that says what is
    true after a cancel whose outcome was unclear."""
    try:
        element = client.get(winrm_config.LISTENER_URI, selectors=winrm_config.listener_selectors("*", "HTTP"))
    except WinRemoteError as exc:
        if "not found" in str(exc).lower() or "does not exist" in str(exc).lower():
            return "no HTTP listener on all addresses"
        raise
    listener = winrm_config.parse_listener(element)
    state = "enabled" if listener.enabled else "disabled"
    return f"the HTTP listener on all addresses is on port {listener.port}, {state}"


class SmRemoting(Procedure[RemotingState, SmRemotingDesired]):
    """observe (one batched WinRS command) -> plan; the engine applies, guards the listener change, verifies."""

    guard_task = ROLLBACK_TASK

    def __init__(self, wait_seconds: float = 60.0) -> None:
        self.wait_seconds = wait_seconds  # how long to reconnect after a listener change

    def observe(self, client: Client) -> RemotingState:
        return observe(client)

    def plan(self, state: RemotingState, request: SmRemotingDesired) -> list[Change]:
        return plan_for(state, request).changes

    def stale_rollbacks(self, state: RemotingState) -> tuple[str, ...]:
        return (ROLLBACK_TASK,) if ROLLBACK_TASK in state.pending_rollbacks else ()

    def describe(self, client: Client) -> str | None:
        return describe_listener(client)

    def facts(self, outcome: Outcome[RemotingState], request: SmRemotingDesired) -> tuple[dict[str, t.Any], list[str]]:
        plan = plan_for(outcome.before, request)
        warnings = list(plan.warnings)
        warnings += [f"Group Policy overrides the local setting: {text}" for text in plan.gpo_overrides]
        if outcome.applied and not outcome.verified:
            warnings.append(
                "the change cut this controller's connection, as allowed by allow_self_disconnect; "
                "it was applied but could not be verified"
            )
        after = outcome.after
        facts = {
            "gpo_overrides": plan.gpo_overrides,
            "verified": outcome.verified,
            "found": found(outcome.before),
            "sm_remoting_enabled": after.sm_remoting_enabled if after else request.state == "enabled",
        }
        return facts, warnings
