# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Run a command line as SYSTEM, detached from WinRM, through a one-shot scheduled task (schtasks.exe).

Restarting WinRM from a WinRS shell kills that shell before ``net start`` runs; a SYSTEM task survives the
restart. The task is registered for 00:00 today (already past, so it never fires on its own), started at once
with ``schtasks /run``, and deletes itself as its last step, so nothing is left behind even when the
controller cannot reconnect.

A rollback task (``procedures/rollback.py``) is the same kind of task whose command line starts with a wait
(:func:`wait_command`) and that the controller cancels (:func:`cancel_command`) once it has reconnected.

Because 00:00 is in the past, ``schtasks /create`` always warns "Task may not run because /ST is earlier than
current time" — on standard error, with exit code 0 (public scripts that run it under PowerShell's
``$ErrorActionPreference = 'Stop'`` trip over exactly that stderr line). Only exit codes decide success, and a
failure's message leaves that warning out. ``schtasks /query``'s table cuts task names at 40 characters and
``/tr`` is refused above 261 characters, so the collection's task names and lines stay within both.
"""

from __future__ import annotations

import re
import typing as t

from ansible_collections.winremote.remoting.plugins.plugin_utils.errors import WinRemoteError
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import quote
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import errors, winrs
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.protocol import Client

RESTART_WINRM = "net stop winrm /y & net start winrm"
MAX_TASK_RUN = 261  # schtasks refuses a /tr longer than this
MAX_TASK_NAME = 40  # schtasks /query's table shows no more of a name (its TaskName column)
TASK_NAME = re.compile(r"^[A-Za-z0-9-]+$")
SYSTEM_ROOT = quote.SYSTEM_ROOT


class TaskError(WinRemoteError):
    """The task could not be registered or started."""

    kind = "task"


def start_command(name: str, command_line: str) -> str:
    """`schtasks /create ... && schtasks /run ...` for a self-deleting SYSTEM task running ``command_line``.

    Task Scheduler hands the /tr text to cmd.exe again when the task runs, so callers put only text the collection
    made there (fixed commands, generated paths): no value from an option or the host. The name is one too (letters,
    digits, '-'), which is why it can appear unquoted inside /tr."""
    if not TASK_NAME.match(name) or len(name) > MAX_TASK_NAME:
        raise ValueError(f"task name {name!r}: letters, digits and '-' only, at most {MAX_TASK_NAME} characters")
    action = f"cmd.exe /c {command_line} & schtasks /delete /tn {name} /f"
    try:
        tr = quote.cmd(action)  # a %SystemRoot% in the line reaches the task as written; its cmd.exe expands it
    except quote.QuoteError as exc:
        raise ValueError(f"the task command line {exc}") from None
    if len(action) > MAX_TASK_RUN:
        raise ValueError(f"the task command is {len(action)} characters, more than schtasks accepts")
    tn = quote.cmd(name)
    return f"schtasks /create /tn {tn} /sc once /st 00:00 /ru SYSTEM /tr {tr} /f && schtasks /run /tn {tn}"


def query_command(name: str, verbose: bool = False) -> str:
    """``schtasks /query``: a row naming the task on stdout when it exists, an error on stderr when it does not;
    ``verbose`` (``/v /fo list``) adds the task's command line."""
    return f"schtasks /query /tn {quote.cmd(name)}" + (" /v /fo list" if verbose else "")


def wait_command(seconds: int) -> str:
    """A wait that does not depend on the host's clock, time zone or locale: ping sends one echo request per second,
    so ``-n seconds+1`` takes about ``seconds`` (UNVERIFIED to the second; about is all a rollback needs)."""
    if seconds < 1:
        raise ValueError("a wait must last at least one second")
    return f"ping -n {seconds + 1} 127.0.0.1 >nul"


def arm_command(name: str, command_line: str) -> str:
    """End an earlier instance of the task (a rerun replaces its guard), then register and start it.

    UNVERIFIED: whether ``schtasks /create /f`` replaces a task whose instance is running; ending it first makes
    the answer irrelevant. ``/end`` fails harmlessly when nothing runs (its output is discarded)."""
    return f"schtasks /end /tn {quote.cmd(name)} >nul 2>&1 & {start_command(name, command_line)}"


def cancel_command(name: str, folders: t.Sequence[str] = ()) -> str:
    """Stop the task (``/end`` ends the waiting cmd.exe, so the rest of its line never runs; UNVERIFIED whether its
    child ping.exe lingers, which is harmless), remove its directories, then delete it: the exit code is /delete's,
    so 0 means the task existed and is gone, and non-zero that it was already gone (it ran, or never existed).
    A folder starting with %SystemRoot% keeps the variable outside the quotes so cmd.exe expands it."""
    removal = "".join(f"rd /s /q {host_path_arg(path)} 2>nul & " for path in folders)
    return f"schtasks /end /tn {quote.cmd(name)} >nul 2>&1 & {removal}schtasks /delete /tn {quote.cmd(name)} /f"


def host_path_arg(path: str, batch_file: bool = False) -> str:
    """A host path as one argument: :func:`quote.cmd` with a leading ``%SystemRoot%`` left for cmd.exe to expand."""
    return quote.cmd(path, batch=batch_file, system_root=True)


def run_as_system(client: Client, name: str, command_line: str) -> winrs.CommandResult:
    """Register and start the task; raises TaskError unless both schtasks steps exited 0 (their texts are
    localised, their exit codes are not). The task may restart WinRM before the shell's final Delete, which then
    fails; the client's run_command keeps a result whose output arrived completely, and applies the connection's
    command deadline and output limit."""
    result = client.run_command("cmd.exe", ["/c", start_command(name, command_line)])
    if result.rc != 0:
        shown = failure_text(result.stderr) or result.stdout or result.stderr
        detail = errors.truncate(shown) or f"exit code {result.rc}"
        raise TaskError(f"could not start the SYSTEM scheduled task {name}: {detail}")
    return result


def failure_text(stderr: str) -> str:
    """schtasks' standard error without the /create warning about a start time earlier than now, which comes with
    every task this module registers and says nothing about a failure. ASSUMPTION (UNVERIFIED): a translated
    warning keeps the option name ``/ST`` (option names are not translated); no error message names it."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    return "\n".join(line for line in lines if "/ST" not in line)
