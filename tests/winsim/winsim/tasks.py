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

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from winsim import console

if TYPE_CHECKING:
    from winsim.state import HostState

NOT_YET_RUN = 0x41303  # SCHED_S_TASK_HAS_NOT_RUN, "Last Result" of a task that never ran
SYSTEM_ACCOUNTS = ("system", "nt authority\\system")
# `[cmd[.exe] /c] ping -n N 127.0.0.1 >nul &`: ping sends N echo requests one second apart, so it waits N-1 seconds.
_WAIT = re.compile(
    r"^\s*(?:cmd(?:\.exe)?\s+/c\s+)?ping(?:\.exe)?\s+-n\s+(?P<count>\d+)\s+127\.0\.0\.1\s*>\s*nul\s*&(?!&)(?P<rest>.*)$",
    re.IGNORECASE | re.DOTALL,
)


@dataclass
class ScheduledTask:
    """One task as schtasks created it, and how far it has run."""

    name: str
    command: str
    start_time: str  # HH:MM
    start_date: str  # ISO date
    run_as: str
    schedule: str = "ONCE"
    runs: int = 0
    last_result: int = NOT_YET_RUN
    status: str = "Ready"  # Ready | Running
    pending: str | None = None  # the rest of a waiting task's line while it is Running
    wait_until: str | None = None  # ISO time the wait ends

    def __getitem__(self, name: str) -> object:
        """Read a field by name, as callers that treat a task as a record (``task["status"]``) do."""
        if name not in {f.name for f in dataclasses.fields(self)}:
            raise KeyError(name)
        return getattr(self, name)

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ScheduledTask:
        return cls(**data)


def key(name: str) -> str:
    """Task names compare case-insensitively; `\\name` is the same task in the root folder."""
    return name.strip().lstrip("\\").lower()


def find(state: HostState, name: str) -> ScheduledTask | None:
    return state.scheduled_tasks.get(key(name))


def create(state: HostState, name: str, command: str, start_time: str, start_date: str, run_as: str) -> None:
    state.scheduled_tasks[key(name)] = ScheduledTask(name.strip().lstrip("\\"), command, start_time, start_date, run_as)


def delete(state: HostState, name: str) -> bool:
    return state.scheduled_tasks.pop(key(name), None) is not None


def due_at(task: ScheduledTask) -> dt.datetime:
    hour, minute = (int(part) for part in task.start_time.split(":")[:2])
    return dt.datetime.combine(dt.date.fromisoformat(task.start_date), dt.time(hour, minute))


def execute(state: HostState, task: ScheduledTask, now: dt.datetime | None = None) -> set[str]:
    """Start one task now (a copy taken at /run time is fine: a started instance outlives its definition).

    A task that begins with a ping wait only becomes Running here; :func:`finish` runs the rest later.

    ASSUMPTION: a task registered for another account without a stored password runs only while that user is
    logged on interactively, which never happens on a simulated host, so it does not run.
    """
    if task.run_as.lower() not in SYSTEM_ACCOUNTS:
        return set()
    command = task.command.strip()
    program = command.split(None, 1)[0].strip('"').replace("/", "\\").rsplit("\\", 1)[-1].lower()
    wait = _WAIT.match(command) if program in ("cmd", "cmd.exe") else None
    stored = find(state, task.name)
    if wait is not None and stored is not None:
        moment = now or dt.datetime.now()
        stored.status = "Running"
        stored.pending = wait.group("rest")
        stored.wait_until = (moment + dt.timedelta(seconds=max(0, int(wait.group("count")) - 1))).isoformat()
        return set()
    return _run(state, task.name, command, program in ("cmd", "cmd.exe"))


def _run(state: HostState, name: str, command: str, through_cmd: bool) -> set[str]:
    cmd = console.get()
    # Task Scheduler starts the program with its arguments; only cmd.exe knows `&`, `&&` and redirections.
    result = cmd.run_command(state, None, command, []) if through_cmd else cmd.run_program(state, None, command)
    effects = set(result.effects)
    for follow in result.deferred:
        effects |= execute(state, follow)
    stored = find(state, name)
    if stored is not None:
        stored.runs += 1
        stored.last_result = result.rc
        stored.status, stored.pending, stored.wait_until = "Ready", None, None
    return effects


def finish(state: HostState, name: str) -> set[str]:
    """The wait of a Running task is over: run the rest of its line (which may delete the task)."""
    task = find(state, name)
    if task is None or task.status != "Running" or task.pending is None:
        return set()
    rest = task.pending
    task.pending = None  # taken: a second finish does nothing
    result = console.get().run_line(state, None, rest)
    effects = set(result.effects)
    for follow in result.deferred:
        effects |= execute(state, follow)
    stored = find(state, name)
    if stored is not None:
        stored.runs += 1
        stored.last_result = result.rc
        stored.status, stored.wait_until = "Ready", None
    return effects


def end(state: HostState, name: str) -> bool:
    """`schtasks /end`: stop a Running task (its remaining commands never run); False when it was not running."""
    task = find(state, name)
    if task is None or task.status != "Running":
        return False
    task.status, task.pending, task.wait_until = "Ready", None, None
    task.last_result = 0x41306  # SCHED_S_TASK_TERMINATED
    task.runs += 1  # it did run (a one-shot task that ran does not run again when due)
    return True


def run_deferred(state: HostState, deferred: list[ScheduledTask]) -> set[str]:
    """Tasks started by `schtasks /run`, once the starting command has answered."""
    effects: set[str] = set()
    for task in deferred:
        effects |= execute(state, task)
    return effects


def snapshot(state: HostState, name: str) -> ScheduledTask | None:
    task = find(state, name)
    return dataclasses.replace(task) if task is not None else None


def run_due(state: HostState, now: dt.datetime | None = None, force: bool = False) -> set[str]:
    """Run every one-shot task whose start time has come (all not yet run, with force); returns the effects."""
    moment = now or dt.datetime.now()
    effects: set[str] = set()
    for task in list(state.scheduled_tasks.values()):
        if task.status == "Running":
            if force or dt.datetime.fromisoformat(str(task.wait_until)) <= moment:
                effects |= finish(state, task.name)
        elif task.runs == 0 and (force or due_at(task) <= moment):
            effects |= execute(state, dataclasses.replace(task), moment)
            if force:  # forced: the wait of a task that just started is over too
                effects |= finish(state, task.name)
    return effects
