# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A host that cannot be reached is UNREACHABLE in Ansible's sense (PLAY RECAP, ignore_unreachable, ansible-runner's
``dark`` hosts as AWX reads them), not a failed task; remoting_info, an audit, keeps reporting it as "Not accessible".

Unreachable here: connection refused (a stopped simulated host), a connection reset before any reply, and a listener
that accepts and never answers (a timeout). Name resolution failures take the same path (tests/unit).
"""

from __future__ import annotations

import os
import re
import socket
import struct
import threading
import typing as t
from collections.abc import Iterator
from pathlib import Path

import pytest
from simhosts import (
    BIN,
    COLLECTIONS,
    JSON_RESULTS,
    PASSWORD,
    REPO,
    HostFactory,
    next_address,
    recap,
    run_playbook,
    task_results,
    write_inventory,
)

AUDIT = REPO / "playbooks" / "audit.yml"

QUERY_THEN_DEBUG = """
- name: Query, then go on
  hosts: windows
  gather_facts: false
  tasks:
    - name: Query Server Manager remoting
      winremote.remoting.sm_remoting:
        state: query
      ignore_unreachable: "{{ ignore_dark | default(false) }}"
    - name: Still here
      ansible.builtin.debug:
        msg: still here
"""


def bound_socket() -> tuple[socket.socket, str]:
    """A socket bound to port 5985 of the next free simulated-host address (another test may hold one)."""
    for _attempt in range(5):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        address = next_address()
        try:
            sock.bind((address, 5985))
        except OSError:
            sock.close()
            continue
        return sock, address
    raise OSError("no free address for a listener")


class BadListener:
    """A TCP listener on a loopback address that never speaks HTTP: ``reset`` accepts and resets the connection,
    ``silent`` accepts, reads and never answers."""

    def __init__(self, behaviour: str) -> None:
        self.behaviour = behaviour
        self.sock, self.address = bound_socket()
        self.sock.listen(16)
        self.accepted: list[socket.socket] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _peer = self.sock.accept()
            except OSError:
                return
            if self.behaviour == "reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.close()  # linger 0: an RST instead of a FIN
            else:
                self.accepted.append(conn)  # keep it open, say nothing

    def close(self) -> None:
        self.sock.close()
        for conn in self.accepted:
            conn.close()


@pytest.fixture
def listeners() -> Iterator[t.Callable[[str], BadListener]]:
    made: list[BadListener] = []

    def _make(behaviour: str) -> BadListener:
        listener = BadListener(behaviour)
        made.append(listener)
        return listener

    yield _make
    for listener in made:
        listener.close()


def psrp_vars(address: str, **extra: t.Any) -> dict[str, t.Any]:
    return {
        "ansible_host": address,
        "ansible_connection": "psrp",
        "ansible_port": 5985,
        "ansible_psrp_protocol": "http",
        "ansible_psrp_auth": "ntlm",
        "ansible_user": "Administrator",
        "ansible_password": PASSWORD,
        "ansible_psrp_connection_timeout": 3,
        "ansible_psrp_read_timeout": 4,
        "ansible_psrp_operation_timeout": 2,
        **extra,
    }


@pytest.fixture
def fleet(start_host: HostFactory, listeners: t.Callable[[str], BadListener], tmp_path: Path) -> Path:
    """One good host and three that cannot be reached."""
    good = start_host("2019")
    stopped = start_host("2019")
    stopped.stop()
    hosts = {
        "good": psrp_vars(good.address),
        "refused": psrp_vars(stopped.address),
        "reset": psrp_vars(listeners("reset").address),
        "silent": psrp_vars(listeners("silent").address),
    }
    return write_inventory(tmp_path / "inventory.yml", hosts)


DARK = ("refused", "reset", "silent")


def test_unreachable_hosts_in_play_recap(fleet: Path, tmp_path: Path) -> None:
    playbook = tmp_path / "query.yml"
    playbook.write_text(QUERY_THEN_DEBUG, encoding="utf-8")
    result = run_playbook(playbook, fleet, "-v", **JSON_RESULTS)
    assert result.returncode == 4, result.stdout + result.stderr  # ansible-playbook: some hosts were unreachable
    counts = recap(result.stdout)
    assert counts["good"]["ok"] == 2 and counts["good"]["unreachable"] == 0, result.stdout
    for name in DARK:
        assert counts[name]["unreachable"] == 1 and counts[name]["failed"] == 0, (name, result.stdout)
        assert counts[name]["ok"] == 0, (name, result.stdout)  # the play stopped for the dark host
    dark_line = re.compile(r"^fatal: \[(\w+)\]: UNREACHABLE! => .*$", re.MULTILINE)
    lines = {m.group(1): m.group(0) for m in dark_line.finditer(result.stdout)}
    assert set(lines) == set(DARK), result.stdout
    assert "connection refused" in lines["refused"]
    assert "dropped the connection" in lines["reset"]
    assert "did not answer within 4s" in lines["silent"]
    for line in lines.values():
        # sm_remoting needs WinRM answering: the hint says how to turn remote management on without it
        assert "sm_remoting" not in line.split("=>", maxsplit=1)[1]
    assert "Allow remote server management through WinRM" in lines["refused"]
    assert PASSWORD not in result.stdout


def test_ignore_unreachable_goes_on(fleet: Path, tmp_path: Path) -> None:
    playbook = tmp_path / "query.yml"
    playbook.write_text(QUERY_THEN_DEBUG, encoding="utf-8")
    result = run_playbook(playbook, fleet, "-e", "ignore_dark=true")
    assert result.returncode == 0, result.stdout + result.stderr
    counts = recap(result.stdout)
    for name in DARK:
        assert counts[name]["unreachable"] == 0 and counts[name]["ignored"] == 1, (name, result.stdout)
        # ansible-core counts the ignored unreachable task as ok and ignored; the debug task ran for the host too
        assert counts[name]["ok"] == 2, (name, result.stdout)
    assert result.stdout.count('"msg": "still here"') == 4, result.stdout


def test_remoting_info_keeps_auditing_unreachable_hosts(fleet: Path) -> None:
    """The audit is not stopped by a dark host: it is a finding with its verdict and reason."""
    result = run_playbook(AUDIT, fleet, "-v", **JSON_RESULTS)
    assert result.returncode == 0, result.stdout + result.stderr
    observed = task_results(result.stdout)[0]
    assert observed["good"]["manageability"] == "Online"
    for name in DARK:
        assert observed[name]["manageability"] == "Not accessible", (name, observed[name])
        assert observed[name]["manageability_reasons"], name
        assert "unreachable" not in observed[name], name
    counts = recap(result.stdout)
    assert all(c["unreachable"] == 0 for c in counts.values()), result.stdout


def test_ansible_runner_reports_dark_hosts(fleet: Path, tmp_path: Path) -> None:
    """ansible-runner (what AWX / Automation Controller run playbooks with) lists the host in stats['dark'] and
    ends the run "failed" with ansible-playbook's rc 4, which AWX shows as a failed job with the host unreachable."""
    ansible_runner = pytest.importorskip("ansible_runner")
    data = tmp_path / "runner"
    (data / "project").mkdir(parents=True)
    (data / "project" / "query.yml").write_text(QUERY_THEN_DEBUG, encoding="utf-8")
    run = ansible_runner.run(
        private_data_dir=str(data),
        playbook="query.yml",
        inventory=str(fleet),
        # the virtualenv's ansible-playbook first on PATH (runner's "binary" would replace the whole command line)
        envvars={
            "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS),
            "NO_PROXY": "127.0.0.0/8,localhost",
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        },
        quiet=True,
        timeout=300,
    )
    assert run.rc == 4 and run.status == "failed", (run.rc, run.status)
    stats = run.stats
    assert set(stats["dark"]) == set(DARK), stats
    assert "good" in stats["ok"] and not stats["failures"], stats
    unreachable_events = [e for e in run.events if e.get("event") == "runner_on_unreachable"]
    assert {e["event_data"]["host"] for e in unreachable_events} == set(DARK)
    refused = next(e for e in unreachable_events if e["event_data"]["host"] == "refused")
    assert "connection refused" in refused["event_data"]["res"]["msg"]
