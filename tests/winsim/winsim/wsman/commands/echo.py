# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""cmd's `echo` built-in."""

from __future__ import annotations

from winsim.wsman.commands import CommandResult, Invocation


def run(inv: Invocation) -> CommandResult:
    if not inv.raw_args.strip():
        return CommandResult(stdout="ECHO is on.\r\n")
    return CommandResult(stdout=inv.raw_args + "\r\n")


def run_blank(inv: Invocation) -> CommandResult:
    """`echo.` prints its text, or an empty line."""
    return CommandResult(stdout=inv.raw_args + "\r\n")
