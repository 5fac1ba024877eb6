# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Every way a host can refuse us ends in a one-line actionable failure, and the password never shows, even at -vvvv."""

from __future__ import annotations

import json
import typing as t
from pathlib import Path

import pytest
from simhosts import JSON_RESULTS, PASSWORD, HostFactory, run_playbook, task_results, write_inventory

WRONG_PASSWORD = "Wr0ng-Secret-Pa55!"

PLAYBOOK = """
- name: Observe
  hosts: windows
  gather_facts: false
  tasks:
    - name: Observe the host
      winremote.remoting.remoting_info:
"""


@pytest.fixture
def failing_fleet(start_host: HostFactory, tmp_path: Path) -> tuple[Path, Path]:
    good = start_host("2019")
    stopped = start_host("2019")
    stopped.stop()
    hosts: dict[str, dict[str, t.Any]] = {
        "bad-password": {**good.inventory_vars(), "ansible_password": WRONG_PASSWORD},
        "unreachable": {**stopped.inventory_vars(), "ansible_psrp_connection_timeout": 5},
        "local-admin": good.inventory_vars(user="localadmin"),
        "basic-over-http": {
            **good.inventory_vars(),
            "ansible_psrp_auth": "basic",
            "ansible_psrp_message_encryption": "never",
        },
        "basic-refused-early": {**good.inventory_vars(), "ansible_psrp_auth": "basic"},
    }
    playbook = tmp_path / "observe.yml"
    playbook.write_text(PLAYBOOK, encoding="utf-8")
    return playbook, write_inventory(tmp_path / "inventory.yml", hosts)


EXPECTED = {
    "bad-password": ("Credentials not valid", "Administrator"),
    "unreachable": ("Not accessible", "connection refused"),
    # WinRM answers a UAC-filtered local administrator with HTTP 401, as it answers a wrong password
    "local-admin": ("Credentials not valid", "winremote.remoting.token_filter_policy"),
    "basic-over-http": ("Online - Access denied", "AllowUnencrypted"),
    "basic-refused-early": (None, "connection.scheme=https"),
}


def test_each_failure_is_one_actionable_line(failing_fleet: tuple[Path, Path]) -> None:
    playbook, inventory = failing_fleet
    result = run_playbook(playbook, inventory, "-v", **JSON_RESULTS)
    assert result.returncode != 0
    outcomes = task_results(result.stdout)[0]
    assert set(outcomes) == set(EXPECTED)
    for name, (status, needle) in EXPECTED.items():
        outcome = outcomes[name]
        assert outcome["_status"] == "fatal", name
        assert "\n" not in outcome["msg"], (name, outcome["msg"])
        assert needle in outcome["msg"], (name, outcome["msg"])
        assert "Traceback" not in json.dumps(outcome), name
        assert "exception" not in outcome, name
        if status is not None:
            assert outcome["manageability"] == status, (name, outcome)


def test_password_never_in_verbose_output(
    failing_fleet: tuple[Path, Path], start_host: HostFactory, tmp_path: Path
) -> None:
    playbook, inventory = failing_fleet
    result = run_playbook(playbook, inventory, "-vvvv")
    output = result.stdout + result.stderr
    assert "Observe the host" in output and "fatal:" in output
    assert PASSWORD not in output
    assert WRONG_PASSWORD not in output
    assert "Traceback" not in output

    # and a successful run, with the password given as a module option
    good = start_host("2022")
    vars_ = good.inventory_vars()
    ok_playbook = tmp_path / "ok.yml"
    ok_playbook.write_text(
        PLAYBOOK.replace(
            "remoting_info:",
            "remoting_info:\n        connection:\n"
            '          password: "{{ secret }}"\n          username: Administrator',
        ),
        encoding="utf-8",
    )
    del vars_["ansible_password"]
    ok_inventory = write_inventory(tmp_path / "ok.yml.inv", {"good": {**vars_, "secret": PASSWORD}})
    ok = run_playbook(ok_playbook, ok_inventory, "-vvvv")
    assert ok.returncode == 0, ok.stdout
    assert PASSWORD not in ok.stdout + ok.stderr


TWO_TASKS = """
- name: Observe twice
  hosts: windows
  gather_facts: false
  tasks:
    - name: First look
      winremote.remoting.remoting_info:
      register: first
    - name: Second look
      winremote.remoting.remoting_info:
      register: second
    - name: Count the warnings of each task
      ansible.builtin.debug:
        msg: "counts={{ [first.warnings | default([]) | length, second.warnings | default([]) | length] | to_json }}"
"""

NO_VALIDATION = "connection: certificate validation is off (cert_validation=ignore)"
UNENCRYPTED = "connection: ntlm over HTTP with message_encryption=never sends every message"


def test_weak_settings_warn_once_per_task(start_host: HostFactory, tmp_path: Path) -> None:
    secure = start_host("2019", https=True)
    plain = start_host("2019")
    with plain.lock:
        plain.state.winrm["Service"]["AllowUnencrypted"] = "true"  # so the unencrypted NTLM session works
    plain.apply_state()
    hosts = {
        "no-validation": {
            **secure.inventory_vars(),
            "ansible_port": 5986,
            "ansible_psrp_protocol": "https",
            "ansible_psrp_cert_validation": "ignore",
        },
        "unencrypted": {**plain.inventory_vars(), "ansible_psrp_message_encryption": "never"},
        "validated": {
            **secure.inventory_vars(),
            "ansible_port": 5986,
            "ansible_psrp_protocol": "https",
            "ansible_psrp_ca_cert": secure.ca_path,
        },
    }
    playbook = tmp_path / "twice.yml"
    playbook.write_text(TWO_TASKS, encoding="utf-8")
    result = run_playbook(playbook, write_inventory(tmp_path / "inventory.yml", hosts), "-v", **JSON_RESULTS)
    assert result.returncode == 0, result.stdout + result.stderr
    counts = {host: r["msg"] for host, r in task_results(result.stdout)[2].items()}
    assert counts == {"no-validation": "counts=[1, 1]", "unencrypted": "counts=[1, 1]", "validated": "counts=[0, 0]"}
    output = " ".join((result.stdout + result.stderr).split())  # the callback wraps long warnings
    # ansible-playbook shows a repeated warning text once per run
    assert output.count("[WARNING]: " + NO_VALIDATION) == 1
    assert output.count("[WARNING]: " + UNENCRYPTED) == 1
    assert output.count("[WARNING]") == 2, "nothing for the validated HTTPS host"


BASIC_PASSWORD = "Pa55-\u20ac-\u5bc6\u7801-\U0001f511"


def test_basic_password_beyond_latin1_never_shows_at_vvvv(start_host: HostFactory, tmp_path: Path) -> None:
    host = start_host("2019", https=True)
    hosts = {
        "basic": {
            **host.inventory_vars(),
            "ansible_port": 5986,
            "ansible_psrp_protocol": "https",
            "ansible_psrp_ca_cert": host.ca_path,
            "ansible_psrp_auth": "basic",
            "ansible_password": BASIC_PASSWORD,
        }
    }
    playbook = tmp_path / "observe.yml"
    playbook.write_text(PLAYBOOK, encoding="utf-8")
    log = tmp_path / "ansible.log"
    result = run_playbook(
        playbook, write_inventory(tmp_path / "inventory.yml", hosts), "-vvvv", ANSIBLE_LOG_PATH=str(log)
    )
    output = result.stdout + result.stderr + log.read_text(encoding="utf-8")
    assert result.returncode != 0
    assert "the password contains characters that Basic authentication cannot send (use NTLM/Kerberos or ASCII)" in (
        " ".join(output.split())
    )
    assert BASIC_PASSWORD not in output and "position" not in output
    assert not any(ch in output for ch in BASIC_PASSWORD if ord(ch) > 127)
    assert "\\u20ac" not in output and "\\u5bc6" not in output
    assert host.request_count == 0
