# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""playbooks/fleet_report.yml through the real ansible-playbook: from the server_pool host vars of a static
inventory (idempotent, check mode with --diff, a host pattern) and from remoting_info results of hosts nothing
answers for."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import typing as t
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
ANSIBLE_PLAYBOOK = Path(sys.executable).parent / "ansible-playbook"
PLAYBOOK = REPO / "playbooks" / "fleet_report.yml"
REPORT_FILES = ["fleet_report.csv", "fleet_report.html", "fleet_report.json"]


def pool_host(address: str, status: str, **extra: t.Any) -> dict[str, t.Any]:
    """The host vars the server_pool inventory sets (plugins/plugin_utils/inventory/groups.py)."""
    return {
        "ansible_host": address,
        "ansible_connection": "psrp",
        "winremote_os_version": "10.0.20348",
        "winremote_os_release": "2022",
        "winremote_wsman_stack": "3.0",
        "winremote_reachable": True,
        "winremote_manageability": status,
        "winremote_manageability_reasons": [],
        "winremote_last_update": "2026-01-31T11:58:02+00:00",
        **extra,
    }


INVENTORY: dict[str, t.Any] = {
    "web": {
        "hosts": {
            "web01.contoso.com": pool_host("10.0.0.11", "Online"),
            "web02.contoso.com": pool_host(
                "10.0.0.12", "Online - Access denied", winremote_manageability_reasons=["WinRM denied access"]
            ),
        }
    },
    "legacy": {
        "hosts": {
            "old01.contoso.com": pool_host(
                "10.0.0.21",
                "Not accessible",
                winremote_os_version="6.1.7601",
                winremote_os_release="2008 R2",
                winremote_wsman_stack="2.0",
                winremote_manageability_reasons=[
                    "Windows Server 2008 R2 needs WMF 4.0 or later (found PowerShell 2.0)"
                ],
            ),
            "gone01.contoso.com": pool_host(
                "10.0.0.31",
                "Not accessible",
                winremote_os_version="",
                winremote_os_release="",
                winremote_wsman_stack="",
                winremote_reachable=False,
                winremote_manageability_reasons=["nothing answered on 10.0.0.31:5985"],
            ),
            # not probed by the inventory: no winremote_manageability, so not in the report
            "printer01": {"ansible_host": "10.0.0.99"},
        }
    },
}


def ansible_env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "ANSIBLE_COLLECTIONS_PATH": str(REPO / ".work" / "collections"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_LOCAL_TEMP": str(tmp_path / ".ansible-tmp"),
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_DEPRECATION_WARNINGS": "0",
    }


def playbook(tmp_path: Path, inventory: dict[str, t.Any], *extra: str) -> subprocess.CompletedProcess[str]:
    inventory_file = tmp_path / "inventory.yml"
    inventory_file.write_text(yaml.safe_dump(inventory), encoding="utf-8")
    command = [
        str(ANSIBLE_PLAYBOOK),
        "-i",
        str(inventory_file),
        "-e",
        f"ansible_python_interpreter={sys.executable}",
        *extra,
        str(PLAYBOOK),
    ]
    return subprocess.run(
        command, env=ansible_env(tmp_path), cwd=tmp_path, capture_output=True, text=True, timeout=240, check=False
    )


def recap(result: subprocess.CompletedProcess[str], host: str = "localhost") -> dict[str, int]:
    match = re.search(rf"^{re.escape(host)}\s*:\s*(.*)$", result.stdout, re.MULTILINE)
    assert match, result.stdout + result.stderr
    return {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", match.group(1))}


def report(dest: Path) -> dict[str, t.Any]:
    data: dict[str, t.Any] = json.loads((dest / "fleet_report.json").read_text(encoding="utf-8"))
    return data


def snapshot(dest: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(dest.iterdir())}


def test_inventory_report_is_written_once_then_left_alone(tmp_path: Path) -> None:
    dest = tmp_path / "fleet-report"
    first = playbook(tmp_path, INVENTORY)
    assert first.returncode == 0, first.stdout + first.stderr
    assert recap(first)["changed"] == 1
    assert sorted(p.name for p in dest.iterdir()) == REPORT_FILES  # the default dest, relative to the cwd
    data = report(dest)
    assert data["total"] == 4 and data["title"] == "All Servers"
    assert data["counts"] == {"Not accessible": 2, "Online - Access denied": 1, "Online": 1}
    servers = {s["name"]: s for s in data["servers"]}
    assert sorted(servers) == ["gone01.contoso.com", "old01.contoso.com", "web01.contoso.com", "web02.contoso.com"]
    assert servers["old01.contoso.com"]["severity"] == "warning"  # answered, lacks prerequisites
    assert servers["gone01.contoso.com"]["severity"] == "error"
    assert servers["web01.contoso.com"]["addresses"] == ["10.0.0.11"]
    assert servers["web01.contoso.com"]["os"] == "Windows Server 2022 (10.0.20348)"
    assert servers["web02.contoso.com"]["reasons"] == ["WinRM denied access"]
    assert '"dest": "./fleet-report",' in first.stdout and '"total": 4' in first.stdout, first.stdout
    before = snapshot(dest)

    second = playbook(tmp_path, INVENTORY)
    assert second.returncode == 0, second.stdout + second.stderr
    assert recap(second)["changed"] == 0
    assert snapshot(dest) == before  # not even rewritten


def test_check_mode_shows_the_json_diff_and_writes_nothing(tmp_path: Path) -> None:
    dest = tmp_path / "fleet-report"
    fresh = playbook(tmp_path, INVENTORY, "--check")
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    assert recap(fresh)["changed"] == 1
    assert not dest.exists()

    assert playbook(tmp_path, INVENTORY).returncode == 0
    before = snapshot(dest)
    changed = json.loads(json.dumps(INVENTORY))
    changed["web"]["hosts"]["web02.contoso.com"]["winremote_manageability"] = "Online"
    changed["web"]["hosts"]["web02.contoso.com"]["winremote_manageability_reasons"] = []
    result = playbook(tmp_path, changed, "--check", "--diff")
    assert result.returncode == 0, result.stdout + result.stderr
    assert recap(result)["changed"] == 1
    assert '-      "manageability": "Online - Access denied",' in result.stdout, result.stdout
    assert "+web02.contoso.com,10.0.0.12,Online,," in result.stdout
    assert "<!DOCTYPE html>" not in result.stdout  # the page is left out of the diff
    assert snapshot(dest) == before


def test_a_host_pattern_and_a_title(tmp_path: Path) -> None:
    dest = tmp_path / "web"
    result = playbook(
        tmp_path,
        INVENTORY,
        "-e",
        "fleet_report_hosts=web",
        "-e",
        f"fleet_report_dest={dest}",
        "-e",
        "fleet_report_title=Web",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    data = report(dest)
    assert [s["name"] for s in data["servers"]] == ["web01.contoso.com", "web02.contoso.com"]
    assert data["title"] == "Web"
    assert "<title>Web</title>" in (dest / "fleet_report.html").read_text(encoding="utf-8")


def test_a_dest_that_is_a_file_fails_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("not a directory")
    result = playbook(tmp_path, INVENTORY, "-e", f"fleet_report_dest={tmp_path / 'taken'}")
    assert result.returncode != 0
    fatal = [line for line in result.stdout.splitlines() if line.startswith("fatal: [localhost]")]
    assert len(fatal) == 1 and "exists and is not a directory; no report file was written" in fatal[0], result.stdout
    assert (tmp_path / "taken").read_text() == "not a directory"


def test_an_unknown_source_fails_with_its_name(tmp_path: Path) -> None:
    result = playbook(tmp_path, INVENTORY, "-e", "fleet_report_source=ldap")
    assert result.returncode != 0
    assert "fleet_report_source must be inventory or remoting_info, not ldap" in result.stdout, result.stdout
    assert not (tmp_path / "fleet-report").exists()


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on (bound once to find it, then closed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_remoting_info_results_report_hosts_that_do_not_answer(tmp_path: Path, closed_port: int) -> None:
    host = {
        "ansible_host": "127.0.0.1",
        "ansible_port": closed_port,
        "ansible_connection": "psrp",
        "ansible_psrp_protocol": "http",
        "ansible_user": "Administrator",
        "ansible_password": "not-a-secret-of-anyone",
    }
    inventory = {"windows": {"hosts": {"down01": host, "down02": dict(host)}}}
    args = ("-e", "fleet_report_source=remoting_info", "-e", "fleet_report_hosts=windows")
    args += ("-e", "fleet_report_observed_at=2026-01-31T12:00:00+00:00")
    first = playbook(tmp_path, inventory, *args)
    assert first.returncode == 0, first.stdout + first.stderr
    assert recap(first)["changed"] == 1
    assert recap(first, "down01")["failed"] == 0  # failed_when: false, a finding of the report
    data = report(tmp_path / "fleet-report")
    assert data["counts"] == {"Not accessible": 2}
    for server in data["servers"]:
        assert server["severity"] == "error" and server["addresses"] == ["127.0.0.1"]
        assert server["last_update"] == "2026-01-31T12:00:00+00:00"
        assert server["reasons"] and str(closed_port) in " ".join(server["reasons"]), server
    assert "not-a-secret-of-anyone" not in (tmp_path / "fleet-report" / "fleet_report.json").read_text()

    second = playbook(tmp_path, inventory, *args)
    assert second.returncode == 0, second.stdout + second.stderr
    assert recap(second)["changed"] == 0
