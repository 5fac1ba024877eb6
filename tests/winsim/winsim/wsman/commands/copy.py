# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""cmd's `copy [/y] [/b] source target` for one file, local or from a UNC path (Microsoft Learn "copy").

A UNC source resolves through ``state.unc_shares`` (UNC prefix -> a directory on the simulator's machine). From a
WinRS shell the request is a network logon without delegable credentials, so a second hop to a file server is
refused: "Access is denied." (Microsoft Learn "Making the second hop in PowerShell Remoting"). A SYSTEM task reads
the share as the computer account.
"""

from __future__ import annotations

import ntpath
from pathlib import Path

from winsim.files import FileSystemError
from winsim.state import HostState
from winsim.wsman.commands import DISK_FULL, FILE_NOT_FOUND, PATH_NOT_FOUND, CommandResult, Invocation

NONE_COPIED = "        0 file(s) copied.\r\n"
NETWORK_PATH = "The network path was not found.\r\n"


def resolve_unc(state: HostState, unc: str) -> Path | None:
    """The local file behind a UNC path, by the longest configured share prefix; None when no share matches."""
    text = unc.replace("/", "\\")
    for prefix in sorted(state.unc_shares, key=len, reverse=True):
        clean = prefix.rstrip("\\")
        if text.lower() == clean.lower() or text.lower().startswith(clean.lower() + "\\"):
            rest = [p for p in text[len(clean) :].split("\\") if p]
            if any(p == ".." for p in rest):
                return None
            return Path(state.unc_shares[prefix]).joinpath(*rest)
    return None


def read_source(inv: Invocation, source: str) -> bytes | CommandResult:
    if source.startswith("\\\\"):
        if inv.ctx is not None:
            return CommandResult(stdout=NONE_COPIED, stderr="Access is denied.\r\n", rc=1)
        local = resolve_unc(inv.state, source)
        if local is None:
            return CommandResult(stdout=NONE_COPIED, stderr=NETWORK_PATH, rc=1)
        if not local.is_file():
            return CommandResult(stdout=NONE_COPIED, stderr=FILE_NOT_FOUND, rc=1)
        return local.read_bytes()
    try:
        return inv.state.files.read(source)
    except FileSystemError:
        text = FILE_NOT_FOUND if inv.state.files.can_write(source) else PATH_NOT_FOUND
        return CommandResult(stdout=NONE_COPIED, stderr=text, rc=1)


def run(inv: Invocation) -> CommandResult:
    paths = [a for a in inv.args if not a.startswith("/")]
    flags = {a.lower() for a in inv.args if a.startswith("/")}
    if len(paths) != 2:
        return CommandResult(stderr="The syntax of the command is incorrect.\r\n", rc=1)
    source, target = paths
    data = read_source(inv, source)
    if isinstance(data, CommandResult):
        return data
    files = inv.state.files
    if files.is_dir(target):
        target = ntpath.join(target, source.replace("/", "\\").rsplit("\\", 1)[-1])
    if files.is_file(target) and "/y" not in flags:
        return CommandResult(stdout=NONE_COPIED, rc=1)  # the overwrite prompt cannot be answered: No
    try:
        files.write(target, data)
    except FileSystemError as exc:
        return CommandResult(stdout=NONE_COPIED, stderr=DISK_FULL if exc.kind == "disk_full" else PATH_NOT_FOUND, rc=1)
    return CommandResult(stdout="        1 file(s) copied.\r\n")
