# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""cmd's file built-ins: `type`, `del` / `erase`, `mkdir` / `md`, `move`, with their console messages."""

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


def move(inv: Invocation) -> CommandResult:
    """`move [/y] source target` for one file: replaces an existing target only with /y (the prompt cmd would
    show otherwise cannot be answered in WinRS, which reads as No); prints "1 file(s) moved."."""
    paths = _paths(inv)
    flags = {a.lower() for a in inv.args if a.startswith("/")}
    if len(paths) != 2:
        return CommandResult(stderr="The syntax of the command is incorrect.\r\n", rc=1)
    files = inv.state.files
    source, target = paths
    if files.is_dir(target):
        target = target.rstrip("\\") + "\\" + source.replace("/", "\\").rsplit("\\", 1)[-1]
    if not files.is_file(source):
        return CommandResult(stderr=FILE_NOT_FOUND, rc=1)
    if files.is_file(target) and "/y" not in flags:
        return CommandResult(stdout="        0 file(s) moved.\r\n", rc=1)
    if not files.can_write(target):
        return CommandResult(stderr=PATH_NOT_FOUND, rc=1)
    data = files.read(source)
    if normalize(source).lower() != normalize(target).lower():
        if files.is_file(target):
            files.delete(target)  # a rename moves no bytes: the target's space is freed, never doubled
        files.delete(source)
        files.write(target, data)
    return CommandResult(stdout="        1 file(s) moved.\r\n")
