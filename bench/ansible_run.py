# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Run the real ansible-playbook of this virtualenv, timed, and read its PLAY RECAP."""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COLLECTIONS = REPO / ".work" / "collections"
BIN = Path(sys.executable).parent

_RECAP = re.compile(r"^(?P<host>\S+)\s+:\s+(?P<counts>(?:\w+=\d+\s*)+)$")


@dataclass
class PlaybookRun:
    playbook: str
    seconds: float
    returncode: int
    recap: dict[str, dict[str, int]] = field(default_factory=dict)
    output: str = ""
    cpu_ansible: float = 0.0
    cpu_simulator: float = 0.0

    def totals(self, key: str) -> int:
        return sum(counts.get(key, 0) for counts in self.recap.values())

    def problems(self, hosts: int, expect_no_change: bool) -> list[str]:
        """Why this run does not count as a clean (no-change) run over every host; empty when it does."""
        found = []
        if self.returncode != 0:
            found.append(f"rc={self.returncode}")
        if len(self.recap) != hosts:
            found.append(f"{len(self.recap)} hosts in the recap, expected {hosts}")
        for key in ("failed", "unreachable"):
            if self.totals(key):
                found.append(f"{key}={self.totals(key)}")
        if expect_no_change and self.totals("changed"):
            found.append(f"changed={self.totals('changed')}")
        return found


def ansible_env(pycache: Path | None = None) -> dict[str, str]:
    """The Makefile's RUN_ENV plus quiet, deterministic defaults; nothing goes through a proxy.

    With ``pycache``, Python keeps compiled bytecode there, as it does next to the sources on a normal controller;
    without it the inherited environment decides (PYTHONDONTWRITEBYTECODE=1 makes every Ansible worker compile the
    collection's modules again for every task).
    """
    env = dict(os.environ)
    if pycache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    env.update(
        ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS),
        PYTHONPATH=str(COLLECTIONS),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        ANSIBLE_HOST_KEY_CHECKING="False",
        ANSIBLE_RETRY_FILES_ENABLED="False",
        ANSIBLE_DEPRECATION_WARNINGS="False",
        NO_PROXY="127.0.0.0/8,localhost",
        no_proxy="127.0.0.0/8,localhost",
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
    )
    return env


def parse_recap(output: str) -> dict[str, dict[str, int]]:
    recap: dict[str, dict[str, int]] = {}
    lines = output.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("PLAY RECAP")), len(lines))
    for line in lines[start + 1 :]:
        match = _RECAP.match(line.strip())
        if match:
            pairs = (item.split("=") for item in match.group("counts").split())
            recap[match.group("host")] = {k: int(v) for k, v in pairs}
    return recap


def cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def run_playbook(playbook: Path, inventory: Path, forks: int, pycache: Path | None = None) -> PlaybookRun:
    """Timed run; also the CPU time it cost: ansible-playbook and its workers (children, reaped recursively) and
    this process (the simulated fleet serving the requests)."""
    command = [str(BIN / "ansible-playbook"), "-i", str(inventory), "-f", str(forks), str(playbook)]
    children, me = cpu_seconds(resource.RUSAGE_CHILDREN), cpu_seconds(resource.RUSAGE_SELF)
    started = time.perf_counter()
    proc = subprocess.run(
        command, env=ansible_env(pycache), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False
    )
    seconds = time.perf_counter() - started
    run = PlaybookRun(str(playbook), seconds, proc.returncode, parse_recap(proc.stdout), proc.stdout)
    run.cpu_ansible = cpu_seconds(resource.RUSAGE_CHILDREN) - children
    run.cpu_simulator = cpu_seconds(resource.RUSAGE_SELF) - me
    return run
