# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""remoting_info's observation against simulated hosts of every OS profile: what it reads must be what the host has."""

from __future__ import annotations

from pathlib import Path

import pytest
from simhosts import JSON_RESULTS, PROFILES, HostFactory, config_for, run_playbook, task_results, write_inventory

from ansible_collections.winremote.remoting.plugins.plugin_utils import manageability
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures import remoting_info
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.client import WSManClient
from winsim import HostState, firewall

LATFP_KEY = r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System"
POLICY_KEY = r"HKLM\SOFTWARE\Policies\Microsoft\Windows\WinRM\Service"


def observe(host: object, **overrides: object) -> remoting_info.RemotingState:
    with WSManClient(config_for(host, **overrides)) as client:  # type: ignore[arg-type]
        return remoting_info.observe(client)


@pytest.mark.parametrize("profile", PROFILES)
def test_observation_matches_the_host(start_host: HostFactory, profile: str) -> None:
    host = start_host(profile)
    state: HostState = host.state
    facts = observe(host).to_dict()

    assert facts["os"]["version"] == state.os_version
    assert facts["os"]["build"] == int(state.build)
    assert state.os_caption.endswith(facts["os"]["caption"])
    assert facts["os"]["product_type"] == {1: "workstation", 2: "domain_controller", 3: "server"}[state.product_type]
    assert facts["dotnet_release"] == state.dotnet_release
    assert facts["powershell_version"] == state.powershell_version
    assert facts["wsman_stack_version"] == state.wsman_stack
    assert facts["kb2682011_installed"] == ("KB2682011" in state.hotfixes)
    mode, delayed = state.service_start_mode("WinRM")
    assert facts["winrm_service"]["start_mode"] == mode.lower().replace("demand", "manual")
    assert facts["winrm_service"]["delayed_start"] == delayed
    assert facts["winrm_service"]["state"] == state.service_status["WinRM"].lower()
    expected_listeners = {(x.address, x.transport, x.port, x.source) for x in state.listeners}
    assert {(x["address"], x["transport"], x["port"], x["source"]) for x in facts["listeners"]} == expected_listeners
    for rule_id in remoting_info.OBSERVED_RULES:
        rule = firewall.get_rule(state.registry, rule_id)
        observed = facts["firewall_rules"][rule_id]
        assert observed["present"] == (rule is not None), rule_id
        if rule is not None:
            assert observed["enabled"] == rule.enabled, rule_id
    assert facts["sm_remoting_enabled"] is True  # every profile here listens (2008/2008 R2 after quickconfig)
    assert facts["service_auth"]["negotiate"] is True
    assert facts["allow_unencrypted"] is False


@pytest.mark.parametrize(
    ("profile", "status"),
    [
        ("2019", manageability.ONLINE),
        ("2025", manageability.ONLINE),
        ("2012r2", manageability.NOT_ACCESSIBLE),
        ("2008r2", manageability.NOT_ACCESSIBLE),
        ("2008", manageability.NOT_ACCESSIBLE_WMF3),
    ],
)
def test_default_profiles_get_server_managers_verdict(start_host: HostFactory, profile: str, status: str) -> None:
    assert observe(start_host(profile)).verdict().status == status


def test_installing_the_prerequisites_makes_2012r2_online(start_host: HostFactory) -> None:
    def upgrade(state: HostState) -> None:
        state.registry.set_value(
            r"HKLM\SOFTWARE\Microsoft\NET Framework Setup\NDP\v4\Full", "Release", "REG_DWORD", 394802
        )
        state.registry.set_value(
            r"HKLM\SOFTWARE\Microsoft\PowerShell\3\PowerShellEngine", "PowerShellVersion", "REG_SZ", "5.1.14409.1005"
        )

    verdict = observe(start_host("2012r2", configure=upgrade)).verdict()
    assert verdict.status == manageability.ONLINE, verdict.reasons


# A Get of winrm/config/service, an Enumerate of winrm/config/listener (one reply holds every listener), and one WinRS
# command (Create, Command, Receive, Delete): docs/architecture.md, "Observation cost".
OBSERVE_REQUESTS = 6


@pytest.mark.parametrize("profile", ["2019", "2008r2", "2008"])
def test_observation_costs_six_round_trips(start_host: HostFactory, profile: str) -> None:
    host = start_host(profile)
    with WSManClient(config_for(host)) as client:
        host.reset_request_count()
        state = remoting_info.observe(client)
        assert host.request_count == OBSERVE_REQUESTS
        assert client.request_count == OBSERVE_REQUESTS
    assert state.unread == ()


@pytest.mark.parametrize("profile", ["2008r2", "2008"])
def test_winrm_cmd_in_winrs_fails_on_the_2008_family_and_is_not_used(start_host: HostFactory, profile: str) -> None:
    """winrm.cmd through WinRS answers Access denied on 2008 R2 and prints nothing under code page 65001 on 2008;
    the observation still reads the listeners and the service configuration (through WS-Transfer)."""
    host = start_host(profile)
    with WSManClient(config_for(host)) as client:
        direct = client.run_command("cmd.exe", ["/c", "winrm enumerate winrm/config/listener -format:xml"])
        if profile == "2008r2":
            assert direct.rc != 0 and "0x80070005" in direct.stderr
        else:
            assert (direct.stdout, direct.stderr, direct.rc) == ("", "", 0)
        state = remoting_info.observe(client)
    assert state.unread == ()
    assert {(x.address, x.transport, x.port) for x in state.listeners} == {
        (x.address, x.transport, x.port) for x in host.state.listeners
    }
    assert state.service_config is not None and state.service_config.auth["negotiate"] is True
    assert state.sm_remoting_enabled is True


@pytest.mark.parametrize(("profile", "codepage"), [("2008", 437), ("2008r2", 437), ("2019", 65001)])
def test_the_shell_code_page_follows_the_host(start_host: HostFactory, profile: str, codepage: int) -> None:
    """After the observation the client's shells use 437 on WinRM 2.0 hosts, where a batch file works again."""
    host = start_host(profile)
    with WSManClient(config_for(host)) as client:
        remoting_info.observe(client)
        assert client.codepage == codepage
        if profile == "2008":
            after = client.run_command("cmd.exe", ["/c", "winrm enumerate winrm/config/listener -format:xml"])
            assert after.rc == 0 and "<cfg:Listener" in after.stdout


def test_a_faulted_listener_enumeration_is_unread_not_absent(start_host: HostFactory) -> None:
    host = start_host("2019")
    host.inject_fault("http500", code=5, message="Access is denied.", action="enumeration/Enumerate")
    state = observe(host)
    assert state.listeners == () and "winrm/config/listener (WS-Enumeration)" in state.unread
    assert state.sm_remoting_enabled is False
    verdict = state.verdict()
    assert verdict.status == manageability.DATA_RETRIEVAL_FAILURES
    assert any("winrm/config/listener" in reason for reason in verdict.reasons)
    assert any("could not be read" in reason and "denied" in reason.lower() for reason in state.unread_reasons)


def test_a_faulted_service_get_is_unread(start_host: HostFactory) -> None:
    host = start_host("2019")
    host.inject_fault("http500", code=5, message="Access is denied.", action="transfer/Get")
    state = observe(host)
    assert state.service_config is None and state.unread == ("winrm/config/service (WS-Transfer Get)",)
    assert state.verdict().status == manageability.DATA_RETRIEVAL_FAILURES


def test_policy_token_filter_and_gpo_rule_are_reported(start_host: HostFactory) -> None:
    def configure(state: HostState) -> None:
        state.registry.set_value(LATFP_KEY, "LocalAccountTokenFilterPolicy", "REG_DWORD", 1)
        state.registry.set_value(POLICY_KEY, "AllowAutoConfig", "REG_DWORD", 1)
        state.registry.set_value(POLICY_KEY, "IPv4Filter", "REG_SZ", "*")
        state.registry.set_value(POLICY_KEY, "IPv6Filter", "REG_SZ", "")
        rule = firewall.get_rule(state.registry, "RemoteEventLogSvc-In-TCP")
        assert rule is not None
        rule.store = "gpo"
        rule.enabled = True
        firewall.save_rule(state.registry, rule)

    facts = observe(start_host("2016", configure=configure)).to_dict()
    assert facts["local_account_token_filter_policy"] is True
    assert facts["winrm_policy"]["state"] == "enabled"
    assert facts["winrm_policy"]["ipv4_filter"] == "*"
    gpo_rule = facts["firewall_rules"]["RemoteEventLogSvc-In-TCP"]
    assert gpo_rule["gpo_owned"] is True and gpo_rule["enabled"] is True
    assert facts["firewall_rules"]["WINRM-HTTP-In-TCP"]["gpo_owned"] is False


def test_unknown_profile_words_in_the_rule_store_are_reported(start_host: HostFactory) -> None:
    """A rule the host stores with ``Profile=Work`` (a word no Windows writes today) does not stop the observation."""

    def configure(state: HostState) -> None:
        stored = state.registry.get_data(firewall.LOCAL_STORE, "WINRM-HTTP-In-TCP", "")
        state.registry.set_value(
            firewall.LOCAL_STORE, "WINRM-HTTP-In-TCP", "REG_SZ", str(stored).replace("Profile=Private", "Profile=Work")
        )

    for profile in ("2008r2", "2019"):
        facts = observe(start_host(profile, configure=configure)).to_dict()
        rule = facts["firewall_rules"]["WINRM-HTTP-In-TCP"]
        assert rule["unknown_profiles"] == ["Work"] and rule["profiles"] == ["Domain"], rule
        assert facts["manageability"]


PLAYBOOK = """
- name: Observe, then plan
  hosts: windows
  gather_facts: false
  tasks:
    - name: Observe the host
      winremote.remoting.remoting_info:
    - name: Enable Server Manager remoting
      winremote.remoting.sm_remoting:
        state: enabled
"""


def test_playbook_reports_unread_listeners_and_plans_nothing(start_host: HostFactory, tmp_path: Path) -> None:
    """remoting_info warns what it could not read and why; sm_remoting fails in one line instead of planning a
    listener that may exist."""
    host = start_host("2008r2")
    before = [(x.address, x.transport, x.port) for x in host.state.listeners]
    host.inject_fault("http500", count=2, code=5, message="Access is denied.", action="enumeration/Enumerate")
    inventory = write_inventory(tmp_path / "inventory.yml", {"sim-2008r2": host.inventory_vars()})
    playbook = tmp_path / "observe.yml"
    playbook.write_text(PLAYBOOK, encoding="utf-8")
    result = run_playbook(playbook, inventory, "-v", **JSON_RESULTS)
    assert result.returncode != 0
    observed, planned = (results["sim-2008r2"] for results in task_results(result.stdout))
    assert not observed.get("failed") and observed["listeners"] == []
    output = " ".join((result.stdout + result.stderr).split())  # Ansible shows warnings itself, wrapped
    assert "[WARNING]: winrm/config/listener (WS-Enumeration) could not be read:" in output
    assert observed["manageability"] != "Online"
    assert "fatal: [sim-2008r2]: FAILED!" in result.stdout and "\n" not in planned["msg"]
    assert planned["msg"].startswith(
        "cannot plan Server Manager remoting: winrm/config/listener (WS-Enumeration) could not be read:"
    )
    assert [(x.address, x.transport, x.port) for x in host.state.listeners] == before
