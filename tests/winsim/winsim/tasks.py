"""Scheduled tasks (model side): one-shot tasks created by schtasks, run as SYSTEM through cmd's interpreter.

A task runs when `schtasks /run` asks (after that WinRS command has delivered its output, so a task that restarts
WinRM does not cut its own reply), or when a test calls :func:`run_due` (`force=True` runs every one-shot task
that has not run yet, so tests never wait for the clock). Tests call it under ``host.lock`` and then
``host.apply_state()``; the effects it returns are what the transport would act on.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from winsim.state import HostState

NOT_YET_RUN = 0x41303  # SCHED_S_TASK_HAS_NOT_RUN, "Last Result" of a task that never ran
SYSTEM_ACCOUNTS = ("system", "nt authority\\system")


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
    }


def delete(state: HostState, name: str) -> bool:
    return state.scheduled_tasks.pop(key(name), None) is not None


def due_at(task: dict[str, Any]) -> dt.datetime:
    hour, minute = (int(part) for part in str(task["start_time"]).split(":")[:2])
    return dt.datetime.combine(dt.date.fromisoformat(str(task["start_date"])), dt.time(hour, minute))


def execute(state: HostState, task: dict[str, Any]) -> set[str]:
    """Run one task now (a copy taken at /run time is fine: a started instance outlives its definition).

    ASSUMPTION: a task registered for another account without a stored password runs only while that user is
    logged on interactively, which never happens on a simulated host, so it does not run.
    """
    from winsim.wsman.commands import CommandResult, run_command, run_program

    if str(task["run_as"]).lower() not in SYSTEM_ACCOUNTS:
        return set()
    command = str(task["command"]).strip()
    program = command.split(None, 1)[0].strip('"').replace("/", "\\").rsplit("\\", 1)[-1].lower()
    # Task Scheduler starts the program with its arguments; only cmd.exe knows `&`, `&&` and redirections.
    result: CommandResult = (
        run_command(state, None, command, []) if program in ("cmd", "cmd.exe") else run_program(state, None, command)
    )
    effects = set(result.effects)
    for follow in result.deferred:
        effects |= execute(state, follow)
    stored = find(state, str(task["name"]))
    if stored is not None:
        stored["runs"] = int(stored["runs"]) + 1
        stored["last_result"] = result.rc
    return effects


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
        if int(task["runs"]) == 0 and (force or due_at(task) <= moment):
            effects |= execute(state, copy.deepcopy(task))
    return effects
