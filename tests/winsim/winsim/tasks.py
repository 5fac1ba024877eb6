# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Scheduled tasks (model side): one-shot tasks created by schtasks, run as SYSTEM through cmd's interpreter.

A task runs when `schtasks /run` asks (after that WinRS command has delivered its output, so a task that restarts
WinRM does not cut its own reply), or when a test calls :func:`run_due` (`force=True` runs every one-shot task
that has not run yet, so tests never wait for the clock). Tests call it under ``host.lock`` and then
``host.apply_state()``; the effects it returns are what the transport would act on.

A cmd.exe task whose line starts with a wait, ``ping -n N 127.0.0.1 >nul &``, stays "Running" after it starts:
the rest of its line runs only when :func:`run_due` says the time has come (``force=True`` or N-1 seconds later),
and ``schtasks /end`` cancels it. So :func:`run_due` stays the only way time passes in tests.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from typing import Any

from winsim.state import HostState

NOT_YET_RUN = 0x41303  # SCHED_S_TASK_HAS_NOT_RUN, "Last Result" of a task that never ran
SYSTEM_ACCOUNTS = ("system", "nt authority\\system")
# `[cmd[.exe] /c] ping -n N 127.0.0.1 >nul &`: ping sends N echo requests one second apart, so it waits N-1 seconds.
_WAIT = re.compile(
    r"^\s*(?:cmd(?:\.exe)?\s+/c\s+)?ping(?:\.exe)?\s+-n\s+(?P<count>\d+)\s+127\.0\.0\.1\s*>\s*nul\s*&(?!&)(?P<rest>.*)$",
    re.IGNORECASE | re.DOTALL,
)


def key(name: str) -> str:
    """Task names compare case-insensitively; `\\name` is the same task in the root folder."""
    return name.strip().lstrip("\\").lower()


def find(state: HostState, name: str) -> dict[str, Any] | None:
    return state.scheduled_tasks.get(key(name))


def create(state: HostState, name: str, command: str, start_time: str, start_date: str, run_as: str) -> None:
    state.scheduled_tasks[key(name)] = {
        "name": name.strip().lstrip("\\"),
        "command": command,
        "schedule": "ONCE",
        "start_time": start_time,  # HH:MM
        "start_date": start_date,  # ISO date
        "run_as": run_as,
        "runs": 0,
        "last_result": NOT_YET_RUN,
        "status": "Ready",
        "pending": None,  # the rest of a waiting task's line while it is Running
        "wait_until": None,  # ISO time the wait ends
    }


def delete(state: HostState, name: str) -> bool:
    return state.scheduled_tasks.pop(key(name), None) is not None


def due_at(task: dict[str, Any]) -> dt.datetime:
    hour, minute = (int(part) for part in str(task["start_time"]).split(":")[:2])
    return dt.datetime.combine(dt.date.fromisoformat(str(task["start_date"])), dt.time(hour, minute))


def execute(state: HostState, task: dict[str, Any], now: dt.datetime | None = None) -> set[str]:
    """Start one task now (a copy taken at /run time is fine: a started instance outlives its definition).

    A task that begins with a ping wait only becomes Running here; :func:`finish` runs the rest later.

    ASSUMPTION: a task registered for another account without a stored password runs only while that user is
    logged on interactively, which never happens on a simulated host, so it does not run.
    """
    if str(task["run_as"]).lower() not in SYSTEM_ACCOUNTS:
        return set()
    command = str(task["command"]).strip()
    program = command.split(None, 1)[0].strip('"').replace("/", "\\").rsplit("\\", 1)[-1].lower()
    wait = _WAIT.match(command) if program in ("cmd", "cmd.exe") else None
    stored = find(state, str(task["name"]))
    if wait is not None and stored is not None:
        moment = now or dt.datetime.now()
        stored["status"] = "Running"
        stored["pending"] = wait.group("rest")
        stored["wait_until"] = (moment + dt.timedelta(seconds=max(0, int(wait.group("count")) - 1))).isoformat()
        return set()
    return _run(state, str(task["name"]), command, program in ("cmd", "cmd.exe"))


def _run(state: HostState, name: str, command: str, through_cmd: bool) -> set[str]:
    from winsim.wsman.commands import CommandResult, run_command, run_program

    # Task Scheduler starts the program with its arguments; only cmd.exe knows `&`, `&&` and redirections.
    result: CommandResult = run_command(state, None, command, []) if through_cmd else run_program(state, None, command)
    effects = set(result.effects)
    for follow in result.deferred:
        effects |= execute(state, follow)
    stored = find(state, name)
    if stored is not None:
        stored["runs"] = int(stored["runs"]) + 1
        stored["last_result"] = result.rc
        stored["status"], stored["pending"], stored["wait_until"] = "Ready", None, None
    return effects


def finish(state: HostState, name: str) -> set[str]:
    """The wait of a Running task is over: run the rest of its line (which may delete the task)."""
    task = find(state, name)
    if task is None or task.get("status") != "Running" or task.get("pending") is None:
        return set()
    from winsim.wsman.commands import run_line

    rest = str(task["pending"])
    task["pending"] = None  # taken: a second finish does nothing
    result = run_line(state, None, rest)
    effects = set(result.effects)
    for follow in result.deferred:
        effects |= execute(state, follow)
    stored = find(state, name)
    if stored is not None:
        stored["runs"] = int(stored["runs"]) + 1
        stored["last_result"] = result.rc
        stored["status"], stored["wait_until"] = "Ready", None
    return effects


def end(state: HostState, name: str) -> bool:
    """`schtasks /end`: stop a Running task (its remaining commands never run); False when it was not running."""
    task = find(state, name)
    if task is None or task.get("status") != "Running":
        return False
    task["status"], task["pending"], task["wait_until"] = "Ready", None, None
    task["last_result"] = 0x41306  # SCHED_S_TASK_TERMINATED
    task["runs"] = int(task["runs"]) + 1  # it did run (a one-shot task that ran does not run again when due)
    return True


def run_deferred(state: HostState, deferred: list[dict[str, Any]]) -> set[str]:
    """Tasks started by `schtasks /run`, once the starting command has answered."""
    effects: set[str] = set()
    for task in deferred:
        effects |= execute(state, task)
    return effects


def snapshot(state: HostState, name: str) -> dict[str, Any] | None:
    task = find(state, name)
    return copy.deepcopy(task) if task is not None else None


def run_due(state: HostState, now: dt.datetime | None = None, force: bool = False) -> set[str]:
    """Run every one-shot task whose start time has come (all not yet run, with force); returns the effects."""
    moment = now or dt.datetime.now()
    effects: set[str] = set()
    for task in list(state.scheduled_tasks.values()):
        if task.get("status") == "Running":
            if force or dt.datetime.fromisoformat(str(task["wait_until"])) <= moment:
                effects |= finish(state, str(task["name"]))
        elif int(task["runs"]) == 0 and (force or due_at(task) <= moment):
            effects |= execute(state, copy.deepcopy(task), moment)
            if force:  # forced: the wait of a task that just started is over too
                effects |= finish(state, str(task["name"]))
    return effects
