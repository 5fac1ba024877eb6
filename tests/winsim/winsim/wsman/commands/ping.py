# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""`ping -n N <address>`: only the loopback answers, and no time passes (waits happen in scheduled tasks, where
:func:`winsim.tasks.run_due` decides when they are over)."""

from __future__ import annotations

from winsim.wsman.commands import CommandResult, Invocation

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def run(inv: Invocation) -> CommandResult:
    args = list(inv.args)
    lowered = [a.lower() for a in args]
    count = 4
    if "-n" in lowered:
        index = lowered.index("-n")
        if index + 1 >= len(args) or not args[index + 1].isdigit() or int(args[index + 1]) < 1:
            return CommandResult(stdout="Bad value for option -n, valid range is from 1 to 4294967295.\r\n", rc=1)
        count = int(args[index + 1])
        del args[index : index + 2]
    target = next((a for a in args if not a.startswith("-")), "")
    if not target:
        return CommandResult(stdout="IP address must be specified.\r\n", rc=1)
    if target.lower() not in LOOPBACK:
        return CommandResult(stdout=f"Ping request could not find host {target}.\r\n", rc=1)
    lines = ["", "Pinging 127.0.0.1 with 32 bytes of data:"]
    lines += ["Reply from 127.0.0.1: bytes=32 time<1ms TTL=128"] * count
    lines += [
        "",
        "Ping statistics for 127.0.0.1:",
        f"    Packets: Sent = {count}, Received = {count}, Lost = 0 (0% loss),",
        "",
    ]
    return CommandResult(stdout="\r\n".join(lines) + "\r\n")
