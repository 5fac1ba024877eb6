# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""remote_management's options -> the parts' requests (the role's mapping), and bad options named before any
connection: the action plugin builds the request before the client sends anything."""

from __future__ import annotations

import typing as t

import pytest

from ansible_collections.winremote.remoting.plugins.action import remote_management as action
from ansible_collections.winremote.remoting.plugins.module_utils._specs import REMOTE_MANAGEMENT
from ansible_collections.winremote.remoting.plugins.plugin_utils.connection import ConnectionConfig
from ansible_collections.winremote.remoting.plugins.plugin_utils.errors import InvalidArgumentError, WinRemoteError
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures import firewall_rules

HTTP = ConnectionConfig(host="192.0.2.10", port=5985, scheme="http")
HTTPS = ConnectionConfig(host="192.0.2.10", port=5986, scheme="https")
MMC = firewall_rules.resolve_rule_ids(None, "dcom_remote_management")


def args(**overrides: t.Any) -> dict[str, t.Any]:
    values = {name: spec.get("default") for name, spec in REMOTE_MANAGEMENT.items()}
    values.update(overrides)
    return values


def test_the_defaults_are_the_roles_secure_defaults() -> None:
    desired = action.desired_from_args(args(), HTTP)
    assert desired.sm_remoting is not None and desired.sm_remoting.state == "enabled"
    assert (desired.sm_remoting.scheme, desired.sm_remoting.port) == ("http", 5985)
    assert desired.mmc_rules == firewall_rules.RulesDesired(MMC, True, connection_port=5985)
    assert desired.winrm_policy is None and desired.token_filter_policy is None
    assert not desired.allow_self_disconnect and desired.endpoint.serves(5985, "http")


def test_enabled_maps_every_part() -> None:
    desired = action.desired_from_args(
        args(
            winrm_policy=True,
            winrm_policy_ipv4_filter="192.0.2.1 - 192.0.2.20",
            winrm_policy_ipv6_filter="",
            token_filter_policy=True,
            mmc_remote_address=["localsubnet", "10.0.0.0/8"],
        ),
        HTTPS,
    )
    assert desired.winrm_policy is not None
    assert (desired.winrm_policy.state, desired.winrm_policy.ipv4_filter, desired.winrm_policy.ipv6_filter) == (
        "enabled",
        "192.0.2.1-192.0.2.20",
        "",
    )
    assert desired.winrm_policy.addresses == ("192.0.2.10",) and desired.winrm_policy.port == 5986
    assert desired.mmc_rules is not None and desired.mmc_rules.remote_addresses == ("LocalSubnet", "10.0.0.0/8")
    assert desired.token_filter_policy is True
    assert desired.endpoint.serves(5986, "https")


def test_disabled_hands_the_policy_back_and_turns_the_rest_off() -> None:
    desired = action.desired_from_args(
        args(state="disabled", winrm_policy=True, token_filter_policy=True, allow_self_disconnect=True), HTTP
    )
    assert desired.winrm_policy is not None and desired.winrm_policy.state == "not_configured"
    assert (desired.winrm_policy.ipv4_filter, desired.winrm_policy.ipv6_filter) == (None, None)  # filters unused
    assert desired.sm_remoting is not None and desired.sm_remoting.state == "disabled"
    assert desired.mmc_rules is not None and desired.mmc_rules.enabled is False
    assert desired.token_filter_policy is False
    assert desired.allow_self_disconnect and desired.sm_remoting.allow_self_disconnect
    assert desired.winrm_policy.allow_self_disconnect and desired.mmc_rules.allow_self_disconnect


def test_parts_switched_off_are_left_alone() -> None:
    desired = action.desired_from_args(args(sm_remoting=False, mmc_firewall_rules=False), HTTP)
    assert (desired.sm_remoting, desired.mmc_rules, desired.winrm_policy, desired.token_filter_policy) == (
        None,
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"mmc_remote_address": ["10.0.0.1%eth0"]}, "mmc_remote_address: "),
        ({"mmc_remote_address": ["LocalSubnet & calc"]}, "mmc_remote_address: "),
        ({"mmc_remote_address": []}, "mmc_remote_address: "),
        # checked even while the rules part is off, so the value cannot wait for the day it is switched on
        ({"mmc_remote_address": ["not an address"], "mmc_firewall_rules": False}, "mmc_remote_address: "),
        ({"state": "disabled", "mmc_remote_address": ["LocalSubnet"]}, "mmc_remote_address: only used with"),
        ({"winrm_policy": True, "winrm_policy_ipv4_filter": "10.0.0.1-10.0.0.x"}, "winrm_policy_ipv4_filter: "),
        ({"winrm_policy": True, "winrm_policy_ipv6_filter": "fe80::1%11"}, "winrm_policy_ipv6_filter: "),
        ({"state": "query"}, "state: "),
    ],
)
def test_a_bad_option_is_named(overrides: dict[str, t.Any], named: str) -> None:
    with pytest.raises(WinRemoteError) as caught:
        action.desired_from_args(args(**overrides), HTTP)
    assert str(caught.value).startswith(named) and "\n" not in str(caught.value)


def test_filters_are_ignored_unless_the_policy_part_is_on() -> None:
    desired = action.desired_from_args(args(winrm_policy_ipv4_filter="10.0.0.1-10.0.0.x"), HTTP)
    assert desired.winrm_policy is None


def test_the_rename_keeps_other_errors() -> None:
    error = InvalidArgumentError("rules", "x")
    assert action.renamed(error, "remote_address", "mmc_remote_address") is error
    renamed = action.renamed(InvalidArgumentError("remote_address", "bad"), "remote_address", "mmc_remote_address")
    assert isinstance(renamed, InvalidArgumentError) and str(renamed) == "mmc_remote_address: bad"


class Refusing:
    """A client that fails the test if anything is sent."""

    def __init__(self) -> None:
        self.config = HTTP

    def __getattr__(self, name: str) -> t.Any:
        raise AssertionError(f"the client was used ({name}) before the options were checked")


def test_the_action_checks_the_options_before_using_the_client() -> None:
    plugin = action.ActionModule.__new__(action.ActionModule)  # run_procedure needs no Ansible task context
    with pytest.raises(WinRemoteError, match=r"^winrm_policy_ipv4_filter: "):
        plugin.run_procedure(
            Refusing(),  # type: ignore[arg-type]
            args(winrm_policy=True, winrm_policy_ipv4_filter="300.1.1.1"),
        )
