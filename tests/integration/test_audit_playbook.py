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


def test_audit_table_across_profiles(start_host: HostFactory, tmp_path: Path) -> None:
    hosts = {
        "sim-2008r2": start_host("2008r2"),
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
    assert rows["sim-2016-broken"].endswith("Not accessible")
    assert "KB2682011" in result.stdout and "WMF 5.0" in result.stdout
    assert "connection refused" in result.stdout
    # the action plugin observed each reachable host in at most four WS-Man requests
    for name, host in hosts.items():
        assert host.request_count <= 4, name


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
