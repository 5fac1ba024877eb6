# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""playbooks/install_prerequisites.yml with the real ansible-playbook on simulated 2008, 2008 R2, 2012 and 2012 R2
hosts, from an HTTP mirror: --check on the fresh fleet changes nothing on the hosts; the run installs, reboots in
batches of two and leaves every host "Online"; a second run changes nothing; the verbose output never holds the
password."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from package_source import mirror, write_packages
from simhosts import JSON_RESULTS, PASSWORD, REPO, HostFactory, recap, run_playbook, task_results, write_inventory

PLAYBOOK = REPO / "playbooks" / "install_prerequisites.yml"
PROFILES = ("2008", "2008r2", "2012", "2012r2")

pytestmark = pytest.mark.timeout(600)


def test_install_prerequisites_playbook(start_host: HostFactory, tmp_path: Path) -> None:
    checksums = write_packages(tmp_path / "mirror" / "packages")
    hosts = {f"sim{profile}": start_host(profile) for profile in PROFILES}
    inventory = write_inventory(
        tmp_path / "inventory.yml", {name: host.inventory_vars() for name, host in hosts.items()}
    )
    variables = tmp_path / "vars.yml"
    with mirror(tmp_path / "mirror") as base:
        variables.write_text(
            yaml.safe_dump(
                {"prerequisites_source": base, "prerequisites_checksums": checksums, "prerequisites_serial": 2}
            ),
            encoding="utf-8",
        )
        before = {name: host.state.to_json() for name, host in hosts.items()}
        checked = run_playbook(PLAYBOOK, inventory, "--check", "-e", f"@{variables}", **JSON_RESULTS)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert all(counts["changed"] >= 1 for counts in recap(checked.stdout).values())
        for name, host in hosts.items():
            with host.lock:
                assert host.state.to_json() == before[name], f"--check changed {name}"

        first = run_playbook(PLAYBOOK, inventory, "-vvv", "-e", f"@{variables}", **JSON_RESULTS)
        assert first.returncode == 0, first.stdout + first.stderr
        assert PASSWORD not in first.stdout + first.stderr
        results = task_results(first.stdout)
        installed = {name: r for task in results for name, r in task.items() if "packages" in r}  # batches of two
        assert set(installed) == set(hosts)
        assert all(result["rebooted"] and result["changed"] for result in installed.values())
        assert all(host.boot_count == 1 for host in hosts.values())
        final = {name: r for task in results for name, r in task.items() if "manageability" in r}
        assert set(final) == set(hosts) and {result["manageability"] for result in final.values()} == {"Online"}

        second = run_playbook(PLAYBOOK, inventory, "-e", f"@{variables}", **JSON_RESULTS)
        assert second.returncode == 0, second.stdout + second.stderr
        assert {counts["changed"] for counts in recap(second.stdout).values()} == {0}
        assert all(host.boot_count == 1 for host in hosts.values())
