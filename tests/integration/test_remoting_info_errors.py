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
    "local-admin": ("Online - Access denied", "LocalAccountTokenFilterPolicy"),
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
