# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""cmd's file built-ins: `type`, `del` / `erase`, `mkdir` / `md`, with their console messages."""

from __future__ import annotations

from winsim.files import FileSystemError, normalize
from winsim.wsman.commands import CommandResult, Invocation

FILE_NOT_FOUND = "The system cannot find the file specified.\r\n"
PATH_NOT_FOUND = "The system cannot find the path specified.\r\n"


def _paths(inv: Invocation) -> list[str]:
    return [a for a in inv.args if not a.startswith("/")]


def type_(inv: Invocation) -> CommandResult:
    paths = _paths(inv)
    if not paths:
        return CommandResult(stderr="The syntax of the command is incorrect.\r\n", rc=1)
    out, err, rc = "", "", 0
    for path in paths:
        try:
            data = inv.state.files.read(path)
        except FileSystemError as exc:
            if exc.kind == "is_directory":
                err += "Access is denied.\r\n"
            else:
                err += FILE_NOT_FOUND if inv.state.files.can_write(path) else PATH_NOT_FOUND
            rc = 1
            continue
        if len(paths) > 1:  # type names each file when given several
            err += f"\r\n{path}\r\n\r\n\r\n"
        out += data.decode("utf-8", errors="replace")
    return CommandResult(stdout=out, stderr=err, rc=rc)


def delete(inv: Invocation) -> CommandResult:
    """`del [/f] [/q] file...`: a missing file prints "Could Not Find <path>" and, as on Windows, leaves the exit
    code 0 (del's errorlevel does not report missing files)."""
    paths = _paths(inv)
    if not paths:
        return CommandResult(stderr="The syntax of the command is incorrect.\r\n", rc=1)
    err = ""
    for path in paths:
        try:
            inv.state.files.delete(path)
        except FileSystemError:
            err += f"Could Not Find {normalize(path)}\r\n"
    return CommandResult(stderr=err)


def mkdir(inv: Invocation) -> CommandResult:
    paths = _paths(inv)
    if not paths:
        return CommandResult(stderr="The syntax of the command is incorrect.\r\n", rc=1)
    err, rc = "", 0
    for path in paths:
        try:
            inv.state.files.mkdir(path)
        except FileSystemError as exc:
            rc = 1
            err += f"A subdirectory or file {path} already exists.\r\n" if exc.kind == "exists" else PATH_NOT_FOUND
    return CommandResult(stderr=err, rc=rc)
