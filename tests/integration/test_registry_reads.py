# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A registry key that reg.exe could not read is unread, never absent, on simulated hosts whose keys an access control
list refuses; and a non-English WinRM 2.0 host's shells use its own OEM code page."""

from __future__ import annotations

from pathlib import Path

import pytest
from simhosts import JSON_RESULTS, HostFactory, config_for, run_playbook, task_results, write_inventory

from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures import firewall_rules, remoting_info
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures.winrm_policy import WinrmPolicy
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import firewall
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.client import WSManClient
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.errors import WinRemoteError
from winsim import HostState, locales

POLICY_KEY = r"HKLM\SOFTWARE\Policies\Microsoft\Windows\WinRM\Service"
OBSERVE_REQUESTS = 6


def deny_policy(state: HostState) -> None:
    """A GPO enabled the policy, then someone denied everyone read access to its key."""
    state.registry.set_value(POLICY_KEY, "AllowAutoConfig", "REG_DWORD", 1)
    state.registry.set_value(POLICY_KEY, "IPv4Filter", "REG_SZ", "*")
    state.registry.deny_read(POLICY_KEY)


def deny_gpo_firewall_store(state: HostState) -> None:
    """The local store lacks the DCOM rule; whether a GPO defines it cannot be read."""
    state.registry.delete_value(firewall.LOCAL_STORE, "ComPlusNetworkAccess-DCOM-In")
    state.registry.create_key(firewall.GPO_STORE)
    state.registry.deny_read(firewall.GPO_STORE)


@pytest.mark.parametrize("profile", ["2008", "2019"])
def test_a_denied_policy_key_is_unread_not_not_configured(start_host: HostFactory, profile: str) -> None:
    host = start_host(profile, deny_policy)
    with WSManClient(config_for(host)) as client:
        host.reset_request_count()
        state = remoting_info.observe(client)
        assert host.request_count == OBSERVE_REQUESTS  # the proof rides in the same command
    facts = state.to_dict()
    assert facts["winrm_policy"]["state"] == "unknown"
    assert POLICY_KEY in state.unread
    assert f"{POLICY_KEY} could not be read: {POLICY_KEY} exists but reg.exe could not read it" in " ".join(
        state.unread_reasons
    )
    if profile == "2019":
        assert facts["manageability"] == "Online - Data retrieval failures occurred"
    with pytest.raises(WinRemoteError, match="cannot plan"):
        state.require_read("plan")


def test_missing_policy_keys_are_proved_absent(start_host: HostFactory) -> None:
    """The default: no WinRM policy key and no Group Policy firewall store; both proved absent, nothing unread."""
    host = start_host("2019")
    with host.lock:
        assert not host.state.registry.key_exists(r"HKLM\SOFTWARE\Policies\Microsoft\Windows")
    with WSManClient(config_for(host)) as client:
        state = remoting_info.observe(client)
    assert state.unread == () and state.to_dict()["winrm_policy"]["state"] == "not_configured"


def test_winrm_policy_refuses_to_plan_on_a_denied_key(start_host: HostFactory, tmp_path: Path) -> None:
    host = start_host("2019", deny_policy)
    with host.lock:
        before = host.state.to_json()
    with WSManClient(config_for(host)) as client, pytest.raises(WinRemoteError, match="cannot plan the WinRM policy"):
        WinrmPolicy().observe(client)
    inventory = write_inventory(tmp_path / "inventory.yml", {"sim-2019": host.inventory_vars()})
    playbook = tmp_path / "policy.yml"
    playbook.write_text(
        "- hosts: windows\n  gather_facts: false\n  tasks:\n"
        "    - winremote.remoting.winrm_policy:\n        state: not_configured\n",
        encoding="utf-8",
    )
    run = run_playbook(playbook, inventory, "-v", **JSON_RESULTS)
    result = task_results(run.stdout)[0]["sim-2019"]
    assert run.returncode != 0 and result["_status"] == "fatal", run.stdout
    assert "exists but reg.exe could not read it" in result["msg"] and "nothing was changed" in result["msg"]
    with host.lock:
        assert host.state.to_json() == before


def test_an_unreadable_firewall_store_is_not_an_absent_rule(start_host: HostFactory) -> None:
    host = start_host("2019", deny_gpo_firewall_store)
    with WSManClient(config_for(host)) as client:
        state = remoting_info.observe(client)
        with pytest.raises(WinRemoteError, match="cannot plan firewall changes"):
            firewall_rules.FirewallRules(["ComPlusNetworkAccess-DCOM-In"]).observe(client)
    facts = state.to_dict()
    assert facts["firewall_rules"]["ComPlusNetworkAccess-DCOM-In"] == {"present": None}
    assert firewall.GPO_STORE in state.unread


def pt_br(state: HostState) -> None:
    locales.apply(state, "pt-BR")


def test_a_portuguese_2008_host_gets_its_oem_code_page(start_host: HostFactory) -> None:
    """Under 437 the accents of sc's Portuguese labels are lost; under the host's 850 they arrive, and batch files
    (winrm.cmd) still print."""
    host = start_host("2008", pt_br)
    with WSManClient(config_for(host)) as client:
        state = remoting_info.observe(client)
        assert (state.oem_code_page, client.codepage) == (850, 850)
        assert state.winrm_service.state == "running" and state.unread == ()
        labels = client.run_command("cmd.exe", ["/c", "sc query WinRM"]).stdout
        assert "CÓDIGO_DE_SAÍDA_DO_WIN32" in labels
        batch_file = client.run_command("cmd.exe", ["/c", "winrm enumerate winrm/config/listener -format:xml"])
        assert batch_file.rc == 0 and "<cfg:Listener" in batch_file.stdout


def scheduler_down(state: HostState) -> None:
    state.service_status["Schedule"] = "Stopped"


def test_a_silent_task_scheduler_leaves_the_rollback_state_unread(start_host: HostFactory) -> None:
    """schtasks /query exits 1 for a missing task and for a scheduler that did not answer: only a listing that
    worked proves no rollback task waits."""
    host = start_host("2019", scheduler_down)
    with WSManClient(config_for(host)) as client:
        state = remoting_info.observe(client)
        with pytest.raises(WinRemoteError, match=r"cannot plan the WinRM policy: rollback task .* could not be read"):
            WinrmPolicy().observe(client)
    assert [name for name in state.unread if name.startswith("rollback task")] == [
        f"rollback task {name}" for name in remoting_info.GUARD_TASKS
    ]
    assert "the Task Scheduler did not answer schtasks /query" in " ".join(state.unread_reasons)
    healthy = start_host("2019")
    with WSManClient(config_for(healthy)) as client:
        assert remoting_info.observe(client).unread == ()
