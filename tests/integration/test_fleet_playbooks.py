# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The enable / disable / audit playbooks on an 8-host simulated fleet, one host per OS profile.

Real ``ansible-playbook`` runs; every claim about the hosts is checked in the simulator's state, not only in what
Ansible reports.
"""

from __future__ import annotations

import re
import socket
import time
import typing as t
from collections.abc import Iterator
from pathlib import Path

import pytest
from simhosts import JSON_RESULTS, PROFILES, REPO, recap, run_playbook, task_results, write_inventory

from winsim import Fleet, SimulatedHost, addresses
from winsim import firewall as winsim_firewall
from winsim.ops import WINRM_RULES

ENABLE = REPO / "playbooks" / "enable_remote_management.yml"
DISABLE = REPO / "playbooks" / "disable_remote_management.yml"
AUDIT = REPO / "playbooks" / "audit.yml"
MMC_RULES = (
    "ComPlusNetworkAccess-DCOM-In",
    "RemoteEventLogSvc-In-TCP",
    "RemoteEventLogSvc-NP-In-TCP",
    "RemoteEventLogSvc-RPCSS-In-TCP",
)
FIREWALL_TASK = "Apply remote management"  # the role's one module task, which applies the firewall rules too
FLEET_OCTETS = range(3, 4)  # 127.3.x.y: other suites use 127.0, 127.1 and 127.100+
# One member runs in Brazilian Portuguese: sc prints translated labels (winsim.locales)
LOCALES = {"sim-2019-06": "pt-BR"}


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[Fleet]:
    """Eight hosts, one per profile, WinRM-ready (2008 / 2008 R2 quickconfigured) as an administrator leaves them;
    the 2019 host's display language is pt-BR."""
    with Fleet.create(
        len(PROFILES),
        list(PROFILES),
        tmp_path / "fleet",
        base_address=addresses.free_block(len(PROFILES), second_octets=FLEET_OCTETS),
        winrm_ready=True,
        locales=LOCALES,
    ) as started:
        yield started


def inventory(fleet: Fleet, path: Path, users: dict[str, str] | None = None) -> Path:
    """The hosts' own connection vars; ``users`` overrides the account for some hosts."""
    users = users or {}
    hostvars = {name: host.inventory_vars(users.get(name, "Administrator")) for name, host in fleet.hosts.items()}
    return write_inventory(path, hostvars)


def snapshot(fleet: Fleet) -> dict[str, dict[str, t.Any]]:
    """Every host's persistent state (``to_json`` leaves out runtime-only shells and enumeration contexts)."""
    result = {}
    for name, host in fleet.hosts.items():
        with host.lock:
            result[name] = host.state.to_json()
    return result


def rule_enabled(host: SimulatedHost, rule_id: str) -> bool:
    with host.lock:
        rule = winsim_firewall.get_rule(host.state.registry, rule_id)
    return rule is not None and rule.enabled


def accepts_connections(host: SimulatedHost, port: int = 5985) -> bool:
    try:
        with socket.create_connection((host.address, port), timeout=2):
            return True
    except OSError:
        return False


def failures(stdout: str) -> dict[str, tuple[str, dict[str, t.Any]]]:
    """Host -> (task name, result) of every failed task, from a ``-v`` run with :data:`JSON_RESULTS`."""
    names = [line.split("] ", 1)[0].removeprefix("TASK [") for line in stdout.splitlines() if line.startswith("TASK [")]
    found = {}
    for name, results in zip(names, task_results(stdout), strict=True):
        for host, result in results.items():
            if result["_status"] in ("fatal", "failed"):
                found[host] = (name.split(" : ", 1)[-1], result)
    return found


def test_check_mode_then_enable_twice_then_audit(fleet: Fleet, tmp_path: Path) -> None:
    hosts = inventory(fleet, tmp_path / "inventory.yml")
    assert {name: host.state.locale for name, host in fleet.hosts.items() if host.state.locale != "en-US"} == LOCALES
    before = snapshot(fleet)
    # the profiles' defaults: the MMC rules are off everywhere, so every host has something to do
    assert not any(rule_enabled(host, rule) for host in fleet.hosts.values() for rule in MMC_RULES)

    checked = run_playbook(ENABLE, hosts, "--check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert snapshot(fleet) == before  # --check changed nothing on any host ...
    check_recap = recap(checked.stdout)
    assert set(check_recap) == set(fleet.hosts)
    assert all(c["changed"] >= 1 and c["failed"] == 0 for c in check_recap.values()), checked.stdout  # ... but saw work

    first = run_playbook(ENABLE, hosts)
    assert first.returncode == 0, first.stdout + first.stderr
    first_recap = recap(first.stdout)
    assert set(first_recap) == set(fleet.hosts)
    assert all(c["failed"] == 0 and c["unreachable"] == 0 for c in first_recap.values()), first.stdout
    assert all(c["changed"] >= 1 for c in first_recap.values()), first.stdout
    assert snapshot(fleet) != before
    for name, host in fleet.hosts.items():
        assert all(rule_enabled(host, rule) for rule in MMC_RULES), name

    after_first = snapshot(fleet)
    second = run_playbook(ENABLE, hosts)
    assert second.returncode == 0, second.stdout + second.stderr
    second_recap = recap(second.stdout)
    assert set(second_recap) == set(fleet.hosts)
    assert all(c["changed"] == 0 and c["failed"] == 0 for c in second_recap.values()), second.stdout
    assert snapshot(fleet) == after_first

    audited = run_playbook(AUDIT, hosts)
    assert audited.returncode == 0, audited.stdout + audited.stderr
    rows = {line.split(" ", 1)[0]: line for line in re.findall(r'^\s*"(sim-.*)",?$', audited.stdout, re.MULTILINE)}
    assert set(rows) == set(fleet.hosts), audited.stdout
    verdicts = {name: re.search(r" (yes|no|-) +(\d/\d|-) +(\S.*)$", row) for name, row in rows.items()}
    assert all(verdicts.values()), rows
    for name, verdict in verdicts.items():
        assert verdict is not None
        assert verdict.group(1) == "yes", rows[name]  # Server Manager remote management is on everywhere
        assert verdict.group(2) == "4/4", rows[name]  # and the four MMC firewall rules
        if fleet.profiles[name] in ("2016", "2019", "2022", "2025"):
            assert verdict.group(3) == "Online", rows[name]
        else:  # the older releases lack the WMF / .NET prerequisites Server Manager needs, and the audit says so
            assert verdict.group(3).startswith("Not accessible"), rows[name]
    assert rows["sim-2008-01"].endswith("Not accessible - Verify earlier versions run Windows Management Framework 3.0")


def test_faults_fail_cleanly_and_a_rerun_converges(fleet: Fleet, tmp_path: Path) -> None:
    reset, http500, denied = fleet.hosts["sim-2012-03"], fleet.hosts["sim-2019-06"], fleet.hosts["sim-2016-05"]
    # remote_management observes with 6 requests and then applies; let those and one change through, reset the next
    for _unused in range(7):
        reset.inject_fault("delay", seconds=0)
    reset.inject_fault("reset")
    http500.inject_fault("http500", code=500, message="The WS-Management service cannot process the request.")
    reset.reset_request_count()
    faulty = inventory(fleet, tmp_path / "faulty.yml", users={"sim-2016-05": "localadmin"})

    result = run_playbook(ENABLE, faulty, "-v", **JSON_RESULTS)
    assert result.returncode == 2, result.stdout + result.stderr
    failed = failures(result.stdout)
    assert set(failed) == {"sim-2012-03", "sim-2019-06", "sim-2016-05"}, result.stdout
    messages = {name: outcome["msg"] for name, (_task, outcome) in failed.items()}
    for name, (task, _outcome) in failed.items():
        assert task == FIREWALL_TASK, (name, task)
        assert "\n" not in messages[name] and "Traceback" not in messages[name], messages[name]
    assert "connection reset" in messages["sim-2012-03"]
    assert reset.request_count >= 6  # the observation went through and the reset hit the changes
    assert "500" in messages["sim-2019-06"] and "cannot process the request" in messages["sim-2019-06"]
    assert "HTTP 401" in messages["sim-2016-05"] and "LocalAccountTokenFilterPolicy" in messages["sim-2016-05"]
    assert "Traceback" not in result.stderr
    # the untouched hosts converged in the same run
    counters = recap(result.stdout)
    for name in set(fleet.hosts) - set(failed):
        assert counters[name]["failed"] == 0, name
    # access was denied before anything was read, so that host is exactly as it was
    assert not any(rule_enabled(denied, rule) for rule in MMC_RULES)

    for faulted in (reset, http500):
        faulted.clear_faults()
    rerun = run_playbook(ENABLE, inventory(fleet, tmp_path / "fixed.yml"))
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert all(c["failed"] == 0 and c["unreachable"] == 0 for c in recap(rerun.stdout).values()), rerun.stdout
    for name in failed:
        assert all(rule_enabled(fleet.hosts[name], rule) for rule in MMC_RULES), name


def test_disable_with_self_disconnect_on_two_hosts(fleet: Fleet, tmp_path: Path) -> None:
    hosts = inventory(fleet, tmp_path / "inventory.yml")
    targets = ["sim-2022-07", "sim-2025-08"]
    started = time.monotonic()
    result = run_playbook(
        DISABLE,
        hosts,
        "-e",
        "remote_management_allow_self_disconnect=true",
        "-e",
        f"target_hosts={':'.join(targets)}",
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stdout + result.stderr
    assert elapsed < 60, f"the play took {elapsed:.0f}s: it waited on a host it had cut off"
    assert set(recap(result.stdout)) == set(targets)
    for name in targets:
        host = fleet.hosts[name]
        with host.lock:
            listeners = [(x.transport, x.port) for x in host.state.listeners]
        assert ("HTTP", 5985) not in listeners, (name, listeners)
        assert not any(rule_enabled(host, rule) for rule in WINRM_RULES), name
        assert not accepts_connections(host), name
    for name in set(fleet.hosts) - set(targets):
        assert accepts_connections(fleet.hosts[name]), name
