# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""playbooks/audit.yml with the real ansible-playbook against simulated hosts of several OS profiles."""

from __future__ import annotations

import re
from pathlib import Path

from simhosts import JSON_RESULTS, REPO, HostFactory, run_playbook, task_results, write_inventory

from winsim import HostState

AUDIT = REPO / "playbooks" / "audit.yml"


def no_listener(state: HostState) -> None:
    state.listeners.clear()


def table_rows(stdout: str) -> dict[str, str]:
    """Host -> its table line, from the debug task's list output."""
    rows: dict[str, str] = {}
    for line in re.findall(r'^\s*"(.*)",?$', stdout, flags=re.MULTILINE):
        name = line.split(" ", 1)[0]
        if name.startswith("sim-"):
            rows[name] = line
    return rows


def wmf51_and_net48(state: HostState) -> None:
    """2008 R2 with the management prerequisites Microsoft documents (WMF 4.0+ and .NET 4.5+) but no KB2682011."""
    state.registry.set_value(r"HKLM\SOFTWARE\Microsoft\NET Framework Setup\NDP\v4\Full", "Install", "REG_DWORD", 1)
    state.registry.set_value(r"HKLM\SOFTWARE\Microsoft\NET Framework Setup\NDP\v4\Full", "Release", "REG_DWORD", 528049)
    state.registry.set_value(r"HKLM\SOFTWARE\Microsoft\PowerShell\3", "Install", "REG_DWORD", 1)
    state.registry.set_value(
        r"HKLM\SOFTWARE\Microsoft\PowerShell\3\PowerShellEngine", "PowerShellVersion", "REG_SZ", "5.1.14409.1005"
    )


def fully_updated(state: HostState) -> None:
    wmf51_and_net48(state)
    state.add_hotfix("KB2682011")


def test_audit_table_across_profiles(start_host: HostFactory, tmp_path: Path) -> None:
    hosts = {
        "sim-2008r2": start_host("2008r2"),
        "sim-2008r2-noperf": start_host("2008r2", configure=wmf51_and_net48),
        "sim-2008r2-updated": start_host("2008r2", configure=fully_updated),
        "sim-2012r2": start_host("2012r2"),
        "sim-2019": start_host("2019"),
        "sim-2022": start_host("2022"),
        "sim-2016-broken": start_host("2016", configure=no_listener),
    }
    inventory = write_inventory(tmp_path / "inventory.yml", {name: h.inventory_vars() for name, h in hosts.items()})
    for host in hosts.values():
        host.reset_request_count()

    result = run_playbook(AUDIT, inventory)
    assert result.returncode == 0, result.stdout + result.stderr
    rows = table_rows(result.stdout)
    assert set(rows) == set(hosts), result.stdout
    assert rows["sim-2019"].split()[-1] == "Online"
    assert "Windows Server 2022" in rows["sim-2022"] and rows["sim-2022"].endswith("Online")
    assert rows["sim-2012r2"].endswith("Not accessible")
    assert rows["sim-2008r2"].endswith("Not accessible")
    # KB2682011 only lets Server Manager collect performance data: without it the host is managed, without counters
    assert rows["sim-2008r2-noperf"].endswith("Online - Performance counters not started")
    assert "performance data" in result.stdout
    assert rows["sim-2008r2-updated"].endswith(" Online")
    assert rows["sim-2016-broken"].endswith("Not accessible")
    assert "KB2682011" in result.stdout and "WMF 5.0" in result.stdout
    assert "connection refused" in result.stdout
    # the action plugin observed each reachable host in at most six WS-Man requests (Get of winrm/config/service,
    # Enumerate of the listeners, one WinRS command of four: docs/architecture.md, "Observation cost")
    for name, host in hosts.items():
        assert host.request_count <= 6, name


def test_audit_json_results_and_check_mode(start_host: HostFactory, tmp_path: Path) -> None:
    host = start_host("2025")
    inventory = write_inventory(tmp_path / "inventory.yml", {"sim-2025": host.inventory_vars()})
    result = run_playbook(AUDIT, inventory, "--check", "-v", **JSON_RESULTS)
    assert result.returncode == 0, result.stderr
    observed = task_results(result.stdout)[0]["sim-2025"]
    assert observed["manageability"] == "Online"
    assert observed["os"]["release"] == "2025"
    assert observed["changed"] is False
    assert observed["endpoint"] == f"http://{host.address}:5985/wsman"
