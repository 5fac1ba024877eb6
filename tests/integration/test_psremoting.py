# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""psremoting end to end against simulated hosts (2008 R2, 2012 R2, 2019): enabling from a fresh host converges and
a rerun changes nothing, check mode and --diff leave the host as it was, the Public network behaviour of server and
client editions (the simulator's firewall decides who gets in), disabling and enabling again, a fault in the middle
and a converging rerun, and playbooks/enable_psremoting.yml on an eight-host fleet (no password in -vvv)."""

from __future__ import annotations

import json
import typing as t
from collections.abc import Iterator
from pathlib import Path

import pytest
from simhosts import (
    JSON_RESULTS,
    PASSWORD,
    PROFILES,
    REPO,
    HostFactory,
    config_for,
    https_overrides,
    recap,
    run_playbook,
    task_results,
    write_inventory,
)

from ansible_collections.winremote.remoting.plugins.plugin_utils.engine import execute as engine
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.execute import SelfDisconnectRefused
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures.psremoting import (
    PsRemoting,
    PsRemotingDesired,
    PublicNetworkError,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import errors
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.client import WSManClient
from winsim import Fleet, HostState, SimulatedHost, addresses, rules
from winsim import firewall as winsim_firewall
from winsim.state import PRODUCT_OPTIONS

PLAYBOOK = REPO / "playbooks" / "enable_psremoting.yml"
PUBLIC = "WINRM-HTTP-In-TCP-PUBLIC"
PRIVATE = "WINRM-HTTP-In-TCP"
SIM_PROFILES = ("2008r2", "2012r2", "2019")
OUTSIDER = "10.20.30.40"  # not in the simulated network's local subnet (127.0.0.0/8)


def snapshot(host: SimulatedHost) -> str:
    with host.lock:
        return json.dumps(host.state.to_json(), sort_keys=True)


def run(
    host: SimulatedHost, args: dict[str, t.Any] | None = None, check: bool = False, **overrides: t.Any
) -> engine.Outcome:  # type: ignore[type-arg]
    config = config_for(host, **overrides)
    request = PsRemotingDesired.from_args(args or {}, config)
    with WSManClient(config) as client:
        return engine.execute(PsRemoting(wait_seconds=20), client, request, check_mode=check)


def rule(host: SimulatedHost, rule_id: str) -> winsim_firewall.FirewallRule:
    with host.lock:
        found = winsim_firewall.get_rule(host.state.registry, rule_id)
    assert found is not None, rule_id
    return found


def latfp(host: SimulatedHost) -> int | None:
    with host.lock:
        return host.state.local_account_token_filter_policy


def admitted(host: SimulatedHost, client_ip: str, port: int = 5985) -> bool:
    with host.lock:
        return rules.firewall_admits(host.state, port, client_ip)


def public_network(state: HostState) -> None:
    state.network_profile = "Public"


def client_edition(state: HostState) -> None:
    """A client edition (ProductType WinNT, as Windows 10 / 11 have) on a Public network."""
    state.registry.set_value(PRODUCT_OPTIONS, "ProductType", "REG_SZ", "WinNT")
    state.network_profile = "Public"


def public_rule_off(state: HostState) -> None:
    found = winsim_firewall.get_rule(state.registry, PUBLIC)
    assert found is not None
    found.enabled = False
    winsim_firewall.save_rule(state.registry, found)


@pytest.mark.parametrize("profile", SIM_PROFILES)
def test_enable_from_a_fresh_host_converges_and_a_rerun_changes_nothing(start_host: HostFactory, profile: str) -> None:
    host = start_host(profile)
    assert latfp(host) is None  # absent on a fresh host
    first = run(host)
    assert first.changed and first.verified, first.summaries()
    assert "local_account_token_filter_policy" in [c.target for c in first.changes]
    assert latfp(host) == 1
    assert first.facts["psremoting_enabled"] is True
    assert rule(host, PRIVATE).enabled and rule(host, PUBLIC).enabled
    assert rule(host, PUBLIC).remote_addresses == ["LocalSubnet"]
    assert host.session_access("Administrator") and host.session_access("localadmin")
    for configuration in first.facts["session_configurations"]:
        assert configuration["enabled"] and configuration["remote_access"], configuration

    host.reset_request_count()
    again = run(host)
    assert not again.changed and again.verified and again.facts["psremoting_enabled"] is True
    # remoting_info's observation (6) and one Enumerate of winrm/config/plugin; nothing else on a server edition
    assert host.request_count == 7, host.request_count


@pytest.mark.parametrize(
    ("profile", "version", "disconnected"), [("2008r2", "2.0", False), ("2012r2", "3.0", True), ("2019", "3.0", True)]
)
def test_the_features_follow_the_host(start_host: HostFactory, profile: str, version: str, disconnected: bool) -> None:
    features = run(start_host(profile), check=True).facts["features"]
    assert features["remoting_version"] == version and features["disconnected_sessions"] is disconnected
    assert bool(features["powershell3_remoting_missing"]) is (version == "2.0")


@pytest.mark.parametrize("profile", SIM_PROFILES)
def test_check_mode_and_diff_leave_the_host_unchanged(start_host: HostFactory, profile: str) -> None:
    host = start_host(profile, configure=public_rule_off)
    before = snapshot(host)
    outcome = run(host, check=True)
    assert snapshot(host) == before
    assert outcome.changed and not outcome.verified
    diff = outcome.diff()
    assert diff["before"]["local_account_token_filter_policy"] is False
    assert diff["after"]["local_account_token_filter_policy"] is True
    assert diff["before"][f"firewall_rules.{PUBLIC}.enabled"] is False
    assert diff["after"][f"firewall_rules.{PUBLIC}.enabled"] is True
    # the result predicts what the run would leave
    assert outcome.facts["firewall_rules"][PUBLIC]["enabled"] is True
    assert outcome.facts["local_account_token_filter_policy"] is True and outcome.facts["psremoting_enabled"]

    assert run(host).changed and rule(host, PUBLIC).enabled
    assert not run(host, check=True).changed


def test_a_server_on_a_public_network_admits_the_local_subnet_only(start_host: HostFactory) -> None:
    """Over HTTPS (its own rule admits every profile), so the HTTP rules can change under the task."""

    def configure(state: HostState) -> None:
        public_network(state)
        public_rule_off(state)

    host = start_host("2019", configure=configure, https=True)
    assert not admitted(host, "127.0.0.1")  # the Public rule is off, WINRM-HTTP-In-TCP is Domain / Private
    outcome = run(host, **https_overrides(host))
    assert outcome.changed and outcome.verified
    assert admitted(host, "127.0.0.1") and not admitted(host, OUTSIDER)
    host.apply_state()  # a firewall change applies at once on Windows; the simulator re-reads it here
    with WSManClient(config_for(host)) as client:  # and now over HTTP, through the Public rule
        assert client.identify(authenticated=True).product_version

    widened = run(host, {"public_remote_address": ["Any"]})
    assert widened.changed and any("public_remote_address=Any" in w for w in widened.warnings)
    assert admitted(host, OUTSIDER)


def test_narrowing_the_public_rule_this_connection_needs_is_refused(start_host: HostFactory) -> None:
    def configure(state: HostState) -> None:
        public_network(state)
        found = winsim_firewall.get_rule(state.registry, PUBLIC)
        assert found is not None
        found.remote_addresses = []  # Any
        winsim_firewall.save_rule(state.registry, found)

    host = start_host("2012r2", configure=configure)
    before = snapshot(host)
    with pytest.raises(SelfDisconnectRefused, match="allow_self_disconnect"):
        run(host, {"local_account_token_filter_policy": False})
    assert snapshot(host) == before
    assert not run(host, {"public_remote_address": ["Any"], "local_account_token_filter_policy": False}).changed


def test_a_client_edition_on_a_public_network_needs_the_skip(start_host: HostFactory) -> None:
    host = start_host("2019", configure=lambda state: (client_edition(state), public_rule_off(state)), https=True)
    https = https_overrides(host)
    before = snapshot(host)
    with pytest.raises(PublicNetworkError, match="skip_network_profile_check=true") as caught:
        run(host, **https)
    # MSFT_NetConnectionProfile says Public (test_psremoting_client_edition.py covers Private and older Windows)
    assert "is Public" in str(caught.value)
    assert snapshot(host) == before

    skipped = run(host, {"skip_network_profile_check": True}, **https)
    assert skipped.changed and skipped.verified and skipped.facts["edition"] == "client"
    assert rule(host, PUBLIC).enabled and rule(host, PUBLIC).remote_addresses == ["LocalSubnet"]
    assert admitted(host, "127.0.0.1") and not admitted(host, OUTSIDER)
    assert not run(host, {"skip_network_profile_check": True}, **https).changed


@pytest.mark.parametrize("profile", SIM_PROFILES)
def test_disable_is_refused_then_denies_network_and_enable_restores_it(start_host: HostFactory, profile: str) -> None:
    host = start_host(profile)
    run(host)
    before = snapshot(host)
    with pytest.raises(SelfDisconnectRefused, match=r"Microsoft\.PowerShell"):
        run(host, {"state": "disabled"})
    assert snapshot(host) == before

    disabled = run(host, {"state": "disabled", "allow_self_disconnect": True})
    assert disabled.changed and disabled.facts["reachable"] is False and not disabled.verified
    assert any("Disable-PSRemoting" in w for w in disabled.warnings)
    with host.lock:
        configurations = dict(host.state.session_configurations)
    assert configurations and all("(D;;GA;;;NU)" in c.sddl for c in configurations.values())
    assert not host.session_access("Administrator")
    # what Disable-PSRemoting leaves: the listener, the service, the rules, the token filter policy
    assert rule(host, PRIVATE).enabled and latfp(host) == 1
    with WSManClient(config_for(host)) as client:  # WS-Management and WinRS still answer
        assert client.run_command("reg", ("query", r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion")).rc == 0

    assert not run(host, {"state": "disabled", "allow_self_disconnect": True}).changed
    enabled = run(host)
    assert enabled.changed and enabled.verified and host.session_access("Administrator")
    with host.lock:
        assert all("NU)" not in c.sddl for c in host.state.session_configurations.values())


def test_a_fault_in_the_middle_then_a_rerun_converges(start_host: HostFactory) -> None:
    host = start_host("2012r2")
    run(host, {"state": "disabled", "allow_self_disconnect": True})
    host.inject_fault("http500", count=1, code=2150858843, message="cannot process it.", action="transfer/Put")
    with pytest.raises(errors.WinRemoteError):
        run(host)
    assert not host.session_access("Administrator")  # the Put of Microsoft.PowerShell did not happen
    rerun = run(host)
    assert rerun.changed and rerun.verified and host.session_access("Administrator")


def test_an_https_connection_sees_the_http_listener_created_under_the_guard(start_host: HostFactory) -> None:
    def no_http_listener(state: HostState) -> None:
        state.listeners[:] = [x for x in state.listeners if x.transport.upper() != "HTTP"]

    host = start_host("2019", configure=no_http_listener, https=True)
    outcome = run(host, **https_overrides(host))
    assert outcome.changed and outcome.verified and "listeners.HTTP/*" in [c.target for c in outcome.changes]
    assert outcome.rollback and "cancelled" in outcome.rollback
    with WSManClient(config_for(host)) as client:
        assert client.identify(authenticated=True).product_version


# --- the playbook on a fleet ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fleet_octet() -> int:
    """A second octet of 127.0.0.0/8 of this process's own (claimed like simhosts' own, so no other session uses it)."""
    return addresses.claim_octet(range(1, 64))


@pytest.fixture
def fleet(tmp_path: Path, fleet_octet: int) -> Iterator[Fleet]:
    """Eight hosts, one per profile, WinRM-ready (2008 / 2008 R2 quickconfigured)."""
    with Fleet.create(
        len(PROFILES),
        list(PROFILES),
        tmp_path / "fleet",
        base_address=addresses.free_block(len(PROFILES), second_octets=range(fleet_octet, fleet_octet + 1)),
        winrm_ready=True,
    ) as started:
        yield started


def test_the_playbook_converges_on_a_fleet_and_is_idempotent(fleet: Fleet, tmp_path: Path) -> None:
    inventory = write_inventory(
        tmp_path / "inventory.yml", {name: host.inventory_vars() for name, host in fleet.hosts.items()}
    )
    with_fleet = {"ANSIBLE_FORKS": "8", **JSON_RESULTS}
    before = {name: snapshot(host) for name, host in fleet.hosts.items()}
    checked = run_playbook(PLAYBOOK, inventory, "--check", "-v", **with_fleet)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert {name: snapshot(host) for name, host in fleet.hosts.items()} == before

    applied = run_playbook(PLAYBOOK, inventory, "-vvv", **with_fleet)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert PASSWORD not in applied.stdout and PASSWORD not in applied.stderr
    results = task_results(applied.stdout)[0]
    assert set(results) == set(fleet.hosts)
    for name, result in results.items():
        assert result["changed"] and result["verified"] and result["psremoting_enabled"], (name, result)
        assert result["features"]["remoting_version"] == (
            "2.0" if fleet.profiles[name] in ("2008", "2008r2") else "3.0"
        )
    for name, host in fleet.hosts.items():
        assert latfp(host) == 1, name
        assert rule(host, PRIVATE).enabled and rule(host, PUBLIC).enabled, name
        assert rule(host, PUBLIC).remote_addresses == ["LocalSubnet"], name
        assert host.session_access("Administrator") and host.session_access("localadmin"), name

    after = {name: snapshot(host) for name, host in fleet.hosts.items()}
    again = run_playbook(PLAYBOOK, inventory, **with_fleet)
    assert again.returncode == 0, again.stdout + again.stderr
    counters = recap(again.stdout)
    assert set(counters) == set(fleet.hosts)
    assert all(c["changed"] == 0 and c["failed"] == 0 for c in counters.values()), counters
    assert {name: snapshot(host) for name, host in fleet.hosts.items()} == after


def test_the_playbook_refuses_a_hostile_address_before_connecting(start_host: HostFactory, tmp_path: Path) -> None:
    host = start_host("2019")
    inventory = write_inventory(tmp_path / "inventory.yml", {"sim-2019": host.inventory_vars()})
    play = tmp_path / "hostile.yml"
    play.write_text(
        "- name: Hostile\n  hosts: windows\n  gather_facts: false\n  tasks:\n"
        "    - name: Enable\n      winremote.remoting.psremoting:\n"
        '        public_remote_address: ["10.0.0.1 & calc.exe"]\n',
        encoding="utf-8",
    )
    host.reset_request_count()
    result = run_playbook(play, inventory, "-v", **JSON_RESULTS)
    outcome = task_results(result.stdout)[0]["sim-2019"]
    assert outcome["_status"] == "fatal" and outcome["msg"].startswith("public_remote_address:"), outcome
    assert host.request_count == 0
