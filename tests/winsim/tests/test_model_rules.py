# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Reachability, authorization and auth policy rules."""

from __future__ import annotations

import pytest

from winsim import firewall, rules
from winsim.contract import Identity
from winsim.state import POLICIES_SYSTEM, WINRM_POLICY, HostState, Listener

HOST = "127.0.0.10"


def _set_rule(state: HostState, rule_id: str, **changes: object) -> None:
    rule = firewall.get_rule(state.registry, rule_id)
    assert rule is not None
    for key, value in changes.items():
        setattr(rule, key, value)
    firewall.save_rule(state.registry, rule)


@pytest.mark.parametrize(
    "profile,expected",
    [
        ("2008", set()),
        ("2008r2", set()),
        ("2012", {("HTTP", 5985)}),
        ("2012r2", {("HTTP", 5985)}),
        ("2016", {("HTTP", 5985)}),
        ("2019", {("HTTP", 5985)}),
        ("2022", {("HTTP", 5985)}),
        ("2025", {("HTTP", 5985)}),
    ],
)
def test_default_reachability(profile: str, expected: set[tuple[str, int]]) -> None:
    assert rules.accepting_endpoints(HostState.from_profile(profile), HOST) == expected


def test_service_stopped_closes_everything() -> None:
    state = HostState.from_profile("2019")
    state.service_status["WinRM"] = "Stopped"
    assert rules.accepting_endpoints(state, HOST) == set()


def test_firewall_rule_disabled_or_wrong_profile() -> None:
    state = HostState.from_profile("2019")
    _set_rule(state, "WINRM-HTTP-In-TCP", enabled=False)
    assert rules.accepting_endpoints(state, HOST) == set()
    state.network_profile = "Public"  # the PUBLIC rule admits LocalSubnet = 127.0.0.0/8
    assert rules.accepting_endpoints(state, HOST) == {("HTTP", 5985)}
    assert rules.accepting_endpoints(state, HOST, client_ip="10.1.2.3") == set()


@pytest.mark.parametrize(
    "addresses,admitted",
    [
        (["127.0.0.1"], True),
        (["10.0.0.1"], False),
        (["127.0.0.0/24"], True),
        (["127.0.0.0/255.0.0.0"], True),
        (["127.0.0.0-127.0.0.5"], True),
        (["127.0.0.2-127.0.0.9"], False),
        (["LocalSubnet"], True),
        (["LocalSubnet4"], True),
        (["LocalSubnet6"], False),
        (["LocalSubnet4", "10.0.0.1"], True),
        ([], True),
    ],
)
def test_remote_address_forms(addresses: list[str], admitted: bool) -> None:
    state = HostState.from_profile("2019")
    _set_rule(state, "WINRM-HTTP-In-TCP", remote_addresses=addresses)
    assert (rules.accepting_endpoints(state, HOST) == {("HTTP", 5985)}) is admitted


def test_https_needs_a_custom_rule() -> None:
    state = HostState.from_profile("2019")
    state.listeners.append(Listener(transport="HTTPS", port=5986, hostname="SIM", certificate_thumbprint="AB"))
    assert rules.accepting_endpoints(state, HOST) == {("HTTP", 5985)}
    firewall.save_rule(state.registry, firewall.FirewallRule("WinRM-HTTPS", "WinRM HTTPS", local_ports=["5986"]))
    assert rules.accepting_endpoints(state, HOST) == {("HTTP", 5985), ("HTTPS", 5986)}


def test_gpo_rule_counts_and_block_rule_wins() -> None:
    state = HostState.from_profile("2008r2")
    state.listeners.append(Listener())
    assert rules.accepting_endpoints(state, HOST) == set()
    firewall.save_rule(state.registry, firewall.FirewallRule("GPO-WinRM", "WinRM", local_ports=["5985"], store="gpo"))
    assert rules.accepting_endpoints(state, HOST) == {("HTTP", 5985)}
    firewall.save_rule(state.registry, firewall.FirewallRule("Block", "Block", local_ports=["5985"], action="Block"))
    assert rules.accepting_endpoints(state, HOST) == set()


@pytest.mark.parametrize(
    "allow,ipv4,expected",
    [
        (1, "*", {("HTTP", 5985)}),
        (1, "127.0.0.10", {("HTTP", 5985)}),
        (1, "127.0.0.1-127.0.0.20", {("HTTP", 5985)}),
        (1, "10.0.0.1,127.0.0.11", set()),
        (1, "", set()),
        (0, "*", set()),
    ],
)
def test_gpo_allow_auto_config(allow: int, ipv4: str, expected: set[tuple[str, int]]) -> None:
    state = HostState.from_profile("2008r2")  # no local listener: the GPO one is the only one
    _set_rule(state, "WINRM-HTTP-In-TCP", enabled=True)
    state.registry.set_value(WINRM_POLICY, "AllowAutoConfig", "REG_DWORD", allow)
    state.registry.set_value(WINRM_POLICY, "IPv4Filter", "REG_SZ", ipv4)
    assert rules.accepting_endpoints(state, HOST) == expected
    if allow:
        assert rules.effective_listeners(state)[0].source == "GPO"
        assert rules.service_element(state, "IPv4Filter") == (ipv4, True)


def _identity(user: str, domain: str = "", auth: str = "ntlm") -> Identity:
    return Identity(user=user, domain=domain, auth=auth, encrypted=True, tls=auth == "basic")


def test_authorize_token_filter() -> None:
    state = HostState.from_profile("2019", hostname="SIMHOST")
    assert rules.authorize(state, _identity("Administrator")) is None
    assert rules.authorize(state, _identity("ansible", "WINREMOTE", "kerberos")) is None
    assert rules.authorize(state, _identity("localadmin", "SIMHOST")) == "access_denied_token_filter"
    assert rules.authorize(state, _identity("localadmin", "", "basic")) is None
    assert rules.authorize(state, _identity("localuser")) == "access_denied"
    assert rules.authorize(state, _identity("nobody")) == "access_denied"
    assert rules.authorize(state, _identity("ansible", "WINREMOTE", "basic")) == "access_denied"
    state.registry.set_value(POLICIES_SYSTEM, "LocalAccountTokenFilterPolicy", "REG_DWORD", 1)
    assert rules.authorize(state, _identity("localadmin", "SIMHOST")) is None
    state.registry.set_value(POLICIES_SYSTEM, "LocalAccountTokenFilterPolicy", "REG_SZ", "1")
    assert rules.authorize(state, _identity("localadmin")) == "access_denied_token_filter"  # must be a DWORD


def test_auth_policy_follows_config_and_gpo() -> None:
    state = HostState.from_profile("2019")
    assert rules.auth_policy(state) == rules.AuthPolicy(False, True, True, False, False, False)
    state.winrm["Service"]["Auth"]["Basic"] = "true"
    state.winrm["Service"]["AllowUnencrypted"] = "true"
    policy = rules.auth_policy(state)
    assert policy.basic and policy.allow_unencrypted
    state.registry.set_value(WINRM_POLICY, "AllowBasic", "REG_DWORD", 0)
    assert not rules.auth_policy(state).basic


@pytest.mark.parametrize(
    ("fields", "admitted"),
    [
        ("RA4=LocalSubnet|RA6=LocalSubnet|", True),  # the loopback client is on the simulated local subnet
        ("RA4=localsubnet|RA6=LOCALSUBNET|", True),  # keyword tokens match in any case
        ("RA42=IntErnet|RA62=IntErnet|", False),  # limited to Internet: not Any ([MS-GPFAS] 2.2.2.19 RA42/RA62)
        ("RA42=IntErnet|RA62=IntErnet|RA4=127.0.0.0/8|", True),
        ("RA4=LocalSubnet|", True),  # LocalSubnet4: the IPv4 client is on it
        ("RA6=LocalSubnet|", False),  # LocalSubnet6 admits no IPv4 client
    ],
)
def test_reachability_reads_every_remote_address_field(fields: str, admitted: bool) -> None:
    state = HostState.from_profile("2022")
    stored = "v2.31|Action=Allow|Active=TRUE|Dir=In|Protocol=6|Profile=Domain|Profile=Private|LPort=5985|"
    state.registry.set_value(firewall.LOCAL_STORE, "WINRM-HTTP-In-TCP", "REG_SZ", stored + fields + "App=System|")
    assert (rules.accepting_endpoints(state, HOST) == {("HTTP", 5985)}) is admitted
