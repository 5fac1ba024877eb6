# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""token_filter_policy end to end: a non-built-in local administrator is denied before and admitted after."""

from __future__ import annotations

from pathlib import Path

import pytest
from simhosts import JSON_RESULTS, HostFactory, config_for, run_playbook, task_results, write_inventory

from ansible_collections.winremote.remoting.plugins.plugin_utils.engine import execute as engine
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures import remoting_info
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures.token_filter_policy import (
    KEY,
    VALUE,
    TokenFilterPolicy,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import errors
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.client import WSManClient

OBSERVE = """
- name: Observe as the local administrator
  hosts: windows
  gather_facts: false
  tasks:
    - name: Observe
      winremote.remoting.remoting_info:
"""

PLAYBOOK = """
- name: Token filter policy
  hosts: windows
  gather_facts: false
  tasks:
    - name: Set LocalAccountTokenFilterPolicy
      winremote.remoting.token_filter_policy:
        enabled: {enabled}
"""


def local_admin_can_observe(host: object) -> bool:
    try:
        with WSManClient(config_for(host, username="localadmin")) as client:  # type: ignore[arg-type]
            remoting_info.observe(client)
    except errors.AuthenticationFailedError as err:  # WinRM refuses the filtered token with HTTP 401
        assert "UAC remote restrictions" in str(err), str(err)
        return False
    return True


@pytest.mark.parametrize("profile", ["2008r2", "2012r2", "2022"])
def test_procedure_enables_then_is_idempotent(start_host: HostFactory, profile: str) -> None:
    host = start_host(profile)
    assert not local_admin_can_observe(host)
    with WSManClient(config_for(host)) as client:
        checked = engine.execute(TokenFilterPolicy(), client, True, check_mode=True)
        assert checked.changed and host.state.registry.get_data(KEY, VALUE) is None
        outcome = engine.execute(TokenFilterPolicy(), client, True, check_mode=False)
        assert outcome.changed and outcome.diff() == {
            "before": {"local_account_token_filter_policy": False},
            "after": {"local_account_token_filter_policy": True},
        }
        assert host.state.registry.get_data(KEY, VALUE) == 1
        assert not engine.execute(TokenFilterPolicy(), client, True, check_mode=False).changed
    assert local_admin_can_observe(host)


def test_playbook_twice_then_disable(start_host: HostFactory, tmp_path: Path) -> None:
    hosts = {f"sim-{profile}": start_host(profile) for profile in ("2008r2", "2016", "2022")}
    inventory = write_inventory(tmp_path / "inventory.yml", {name: h.inventory_vars() for name, h in hosts.items()})
    enable = tmp_path / "enable.yml"
    enable.write_text(PLAYBOOK.format(enabled="true"), encoding="utf-8")
    disable = tmp_path / "disable.yml"
    disable.write_text(PLAYBOOK.format(enabled="false"), encoding="utf-8")

    check = run_playbook(enable, inventory, "--check", "--diff", "-v", **JSON_RESULTS)
    assert check.returncode == 0, check.stdout
    assert all(result["changed"] is True for result in task_results(check.stdout)[0].values())
    assert "local_account_token_filter_policy" in check.stdout  # the diff
    for host in hosts.values():
        assert host.state.registry.get_data(KEY, VALUE) is None  # check mode touched nothing

    first = run_playbook(enable, inventory, "-v", **JSON_RESULTS)
    results = task_results(first.stdout)[0]
    assert set(results) == set(hosts)
    for result in results.values():
        assert (result["changed"], result["previous"], result["enabled"]) == (True, False, True)
    second = run_playbook(enable, inventory)
    assert second.returncode == 0 and second.stdout.count("changed=0") == len(hosts)
    assert all(local_admin_can_observe(host) for host in hosts.values())

    off = run_playbook(disable, inventory)
    assert off.stdout.count("changed=1") == len(hosts)
    for host in hosts.values():
        assert host.state.registry.get_data(KEY, VALUE) == 0
        assert not local_admin_can_observe(host)


def test_fault_mid_apply_fails_cleanly_and_rerun_converges(start_host: HostFactory, tmp_path: Path) -> None:
    host = start_host("2019")
    inventory = write_inventory(tmp_path / "inventory.yml", {"sim-2019": host.inventory_vars()})
    playbook = tmp_path / "enable.yml"
    playbook.write_text(PLAYBOOK.format(enabled="true"), encoding="utf-8")
    host.inject_fault(
        "http500", count=1, code=2150858843, message="The WS-Management service cannot process the request."
    )
    failed = run_playbook(playbook, inventory, "-v", **JSON_RESULTS)
    outcome = task_results(failed.stdout)[0]["sim-2019"]
    assert outcome["_status"] == "fatal" and "2150858843" in outcome["msg"] and "\n" not in outcome["msg"]
    rerun = run_playbook(playbook, inventory)
    assert rerun.returncode == 0 and "changed=1" in rerun.stdout
    assert host.state.registry.get_data(KEY, VALUE) == 1


def test_remoting_info_as_filtered_local_admin_then_admitted(start_host: HostFactory, tmp_path: Path) -> None:
    """Before the policy: "Credentials not valid" and a message naming both causes; after it: observed."""
    hosts = {f"sim-{profile}": start_host(profile) for profile in ("2008r2", "2022")}
    as_local = write_inventory(
        tmp_path / "local.yml", {name: h.inventory_vars(user="localadmin") for name, h in hosts.items()}
    )
    as_admin = write_inventory(tmp_path / "admin.yml", {name: h.inventory_vars() for name, h in hosts.items()})
    observe = tmp_path / "observe.yml"
    observe.write_text(OBSERVE, encoding="utf-8")
    enable = tmp_path / "enable.yml"
    enable.write_text(PLAYBOOK.format(enabled="true"), encoding="utf-8")

    before = task_results(run_playbook(observe, as_local, "-v", **JSON_RESULTS).stdout)[0]
    for name in hosts:
        outcome = before[name]
        assert outcome["_status"] == "fatal" and outcome["manageability"] == "Credentials not valid", outcome
        message = outcome["msg"]
        assert "\n" not in message and "HTTP 401" in message, message
        assert "password is wrong" in message and "UAC remote restrictions" in message, message
        assert "winremote.remoting.token_filter_policy" in message and "built-in Administrator" in message, message

    assert run_playbook(enable, as_admin).returncode == 0
    after = task_results(run_playbook(observe, as_local, "-v", **JSON_RESULTS).stdout)[0]
    assert after["sim-2022"]["_status"] == "ok" and after["sim-2022"]["manageability"] == "Online", after
    assert after["sim-2008r2"]["_status"] == "ok", after
