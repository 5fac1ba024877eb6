# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""`schtasks /create | /run | /end | /delete | /query` for one-shot tasks, with schtasks.exe's messages.

- /create with a start time already past warns "Task may not run because /ST is earlier than current time." on
  standard error and still succeeds (exit code 0): public scripts running schtasks under PowerShell's
  ``$ErrorActionPreference = 'Stop'`` fail on exactly that stderr line, and move /st into the future to avoid it.
- /tr is limited to 261 characters (Microsoft's schtasks create page: "The path name must not exceed 262
  characters", https://learn.microsoft.com/windows-server/administration/windows-commands/schtasks-create, i.e. 261
  and the terminating null). ASSUMPTION (UNVERIFIED): the wording of the refusal.
- /query's table has a 40-character TaskName column and cuts longer names; /v /fo list shows them whole.
"""

from __future__ import annotations

import datetime as dt

from winsim import tasks
from winsim.wsman.commands import CommandResult, Invocation

NOT_FOUND = "ERROR: The system cannot find the file specified.\r\n"
MAX_TASK_RUN = 261
NAME_COLUMN = 40


def _error(text: str) -> CommandResult:
    return CommandResult(stderr=f"ERROR: {text}\r\n", rc=1)


def _options(args: list[str]) -> dict[str, str]:
    """`/name value` pairs (flags without a value map to "")."""
    found: dict[str, str] = {}
    i = 0
    while i < len(args):
        name = args[i].lower()
        if name.startswith("/"):
            has_value = i + 1 < len(args) and not args[i + 1].startswith("/")
            found[name] = args[i + 1] if has_value else ""
            i += 2 if has_value else 1
        else:
            i += 1
    return found


def create(inv: Invocation, opts: dict[str, str]) -> CommandResult:
    name, command = opts.get("/tn", ""), opts.get("/tr", "")
    if not name or not command or opts.get("/sc", "").lower() != "once":
        return _error(
            'Invalid syntax. Only /SC ONCE with /TN and /TR is simulated.\r\nType "SCHTASKS /CREATE /?" for usage.'
        )
    if len(command) > MAX_TASK_RUN:
        return _error(f"Invalid syntax. Value for '/TR' option cannot be more than {MAX_TASK_RUN} character(s).")
    start = opts.get("/st", "")
    try:
        start_time = dt.datetime.strptime(start, "%H:%M").time()
    except ValueError:
        return _error('Invalid Start Time. The /ST option requires a time in "HH:mm" (24 hour) format.')
    try:  # /sd follows the system date format; the simulated hosts use en-US (MM/DD/YYYY)
        start_date = dt.datetime.strptime(opts["/sd"], "%m/%d/%Y").date() if "/sd" in opts else dt.date.today()
    except ValueError:
        return _error('Invalid Start Date (Date should be in "mm/dd/yyyy" format).')
    if tasks.find(inv.state, name) is not None and "/f" not in opts:
        return _error("Cannot create a file when that file already exists.")
    run_as = opts.get("/ru", inv.ctx.identity.user if inv.ctx else "SYSTEM")
    tasks.create(inv.state, name, command, start_time.strftime("%H:%M"), start_date.isoformat(), run_as)
    warning = ""
    if dt.datetime.combine(start_date, start_time) < dt.datetime.now():
        warning = "WARNING: Task may not run because /ST is earlier than current time.\r\n"
    return CommandResult(
        stdout=f'SUCCESS: The scheduled task "{name}" has successfully been created.\r\n', stderr=warning
    )


def run_now(inv: Invocation, opts: dict[str, str]) -> CommandResult:
    task = tasks.snapshot(inv.state, opts.get("/tn", ""))
    if task is None:
        return CommandResult(stderr=NOT_FOUND, rc=1)
    return CommandResult(stdout=f'SUCCESS: Attempted to run the scheduled task "{task.name}".\r\n', deferred=[task])


def end(inv: Invocation, opts: dict[str, str]) -> CommandResult:
    """Stop a running instance. UNVERIFIED: schtasks.exe's texts for a task that is not running (taken as an
    error with exit code 1, like other schtasks failures)."""
    task = tasks.find(inv.state, opts.get("/tn", ""))
    if task is None:
        return CommandResult(stderr=NOT_FOUND, rc=1)
    if not tasks.end(inv.state, task.name):
        return _error(f'The scheduled task "{task.name}" is not running.')
    return CommandResult(stdout=f'SUCCESS: The scheduled task "{task.name}" has been terminated successfully.\r\n')


def delete(inv: Invocation, opts: dict[str, str]) -> CommandResult:
    task = tasks.find(inv.state, opts.get("/tn", ""))
    if task is None:
        return CommandResult(stderr=NOT_FOUND, rc=1)
    if "/f" not in opts:  # the Y/N prompt reads an empty stdin over WinRS: nothing is deleted
        return CommandResult(stdout=f'WARNING: Are you sure you want to remove the task "{task.name}" (Y/N)? ', rc=1)
    tasks.delete(inv.state, task.name)
    return CommandResult(stdout=f'SUCCESS: The scheduled task "{task.name}" was successfully deleted.\r\n')


def query(inv: Invocation, opts: dict[str, str]) -> CommandResult:
    wanted = opts.get("/tn")
    found = [tasks.find(inv.state, wanted)] if wanted else list(inv.state.scheduled_tasks.values())
    rows = [t for t in found if t is not None]
    if wanted and not rows:
        return CommandResult(stderr=NOT_FOUND, rc=1)
    if "/v" in opts and opts.get("/fo", "").lower() == "list":
        return CommandResult(stdout="".join(_verbose(inv, task) for task in rows))
    lines = [
        "",
        "Folder: \\",
        f"{'TaskName':<{NAME_COLUMN}} {'Next Run Time':<22} {'Status':<15}",
        f"{'=' * NAME_COLUMN} {'=' * 22} {'=' * 15}",
    ]
    for task in rows:
        due = tasks.due_at(task)
        upcoming = task.runs == 0 and due > dt.datetime.now()
        when = f"{due.month}/{due.day}/{due.year} {due.strftime('%I:%M:%S %p').lstrip('0')}" if upcoming else "N/A"
        lines.append(f"{task.name[:NAME_COLUMN]:<{NAME_COLUMN}} {when:<22} {task.status:<15}")
    return CommandResult(stdout="\r\n".join(lines) + "\r\n")


def _verbose(inv: Invocation, task: tasks.ScheduledTask) -> str:
    """``/v /fo list``: one ``Label: value`` line per property (labels are localised; the collection reads only the
    value of "Task To Run"). UNVERIFIED beyond the labels used here (en-US layout, values aligned at column 39)."""
    rows = [
        ("HostName", inv.state.hostname),
        ("TaskName", f"\\{task.name}"),
        ("Next Run Time", "N/A"),
        ("Status", task.status),
        ("Last Result", task.last_result),
        ("Task To Run", task.command),
        ("Run As User", task.run_as),
    ]
    return "\r\nFolder: \\\r\n" + "".join(f"{label + ':':<38}{value}\r\n" for label, value in rows)


# The Task Scheduler service "cannot be stopped or disabled by administrators" through the Services snap-in
# (Microsoft Learn, "Event ID 401 — Task Scheduler Service Status"), but it can fail to start (its COM, Event Log or
# RPC dependencies). ASSUMPTION (UNVERIFIED): schtasks then fails every verb with exit code 1 and this message.
SCHEDULER_DOWN = "ERROR: The Task Scheduler service is not available.\r\n"


def run(inv: Invocation) -> CommandResult:
    if inv.state.service_status.get("Schedule", "Running") != "Running":
        return CommandResult(stderr=SCHEDULER_DOWN, rc=1)
    opts = _options(inv.args)
    for verb, handler in (
        ("/create", create),
        ("/run", run_now),
        ("/end", end),
        ("/delete", delete),
        ("/query", query),
    ):
        if verb in opts:
            return handler(inv, opts)
    return _error('Invalid argument/option.\r\nType "SCHTASKS /?" for usage.')
