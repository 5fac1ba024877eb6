# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The seam between the model and the command-line tools: what running a command line gives back, and the
interpreter the model calls to run one (WinRS commands, scheduled tasks).

The model (winrs, tasks) depends only on the `Console` protocol; the interpreter (`winsim.wsman.commands`, cmd.exe
and its tools) is installed once, by the package root (winsim/__init__.py), so no model module imports a tool.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from winsim.contract import RequestContext
    from winsim.state import HostState
    from winsim.tasks import ScheduledTask

# A command that ends the process running the chain (stopping WinRM from inside a WinRS shell): the rest of the
# command line never runs.  An extra effect name the transport ignores.
SHELL_TERMINATED = "shell_terminated"
OEM_CODEPAGE = "437"  # the console code page of an en-US host
# The code page of the WinRS shell a command runs in; None outside WinRS (a scheduled task, the local console).
SHELL_CODEPAGE: ContextVar[str | None] = ContextVar("SHELL_CODEPAGE", default=None)
# The standard input a WinRS command was sent (rsp:Send), as one mutable holder: the first program that reads its
# console input takes it all, as the first reader of an inherited pipe does. None outside WinRS.
CONSOLE_STDIN: ContextVar[list[str] | None] = ContextVar("CONSOLE_STDIN", default=None)


@dataclass
class CommandResult:
    stdout: str = ""
    stderr: str = ""
    rc: int = 0
    effects: set[str] = field(default_factory=set)
    # scheduled tasks (copies taken by `schtasks /run`) to start once this command's output has been delivered
    deferred: list[ScheduledTask] = field(default_factory=list)

    def absorb(self, result: CommandResult) -> bool:
        """Append one command's outcome, as cmd.exe does for a chain; False when the shell was terminated."""
        self.stdout += result.stdout
        self.stderr += result.stderr
        self.rc = result.rc
        self.effects |= result.effects
        self.deferred += result.deferred
        return SHELL_TERMINATED not in result.effects


class Console(Protocol):
    """cmd.exe as the model needs it (implemented by the module winsim.wsman.commands)."""

    def run_line(self, state: HostState, ctx: RequestContext | None, line: str) -> CommandResult:
        """A command line as cmd.exe reads it (`&`, redirections, groups ...)."""

    def run_command(
        self, state: HostState, ctx: RequestContext | None, command: str, arguments: list[str]
    ) -> CommandResult:
        """A WinRS command: a program and its arguments; `cmd /c <line>` runs a line."""

    def run_program(self, state: HostState, ctx: RequestContext | None, text: str, stdin: str = "") -> CommandResult:
        """One program started directly (no cmd.exe), as Task Scheduler starts an action."""


_INSTALLED: list[Console] = []


def install(console: Console) -> None:
    """Make `console` the interpreter the model runs command lines with (the package root does this once)."""
    _INSTALLED[:] = [console]


def get() -> Console:
    if not _INSTALLED:
        raise RuntimeError("no command interpreter installed (winsim/__init__.py installs winsim.wsman.commands)")
    return _INSTALLED[0]
