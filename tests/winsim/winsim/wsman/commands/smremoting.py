# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""`Configure-SMRemoting.exe -get | -enable | -disable` (Server 2012 and later; 2008 R2 only has the .ps1)."""

from __future__ import annotations

from winsim import ops
from winsim.wsman.commands import CommandResult, Invocation, not_recognized

# What -get reports and what -disable does, as the operations layer defines them (tests arrange hosts with these).
is_enabled = ops.is_sm_remoting_enabled
disable = ops.disable_sm_remoting


def run(inv: Invocation) -> CommandResult:
    if tuple(int(x) for x in inv.state.os_version.split(".")[:2]) < (6, 2):
        return not_recognized("Configure-SMRemoting.exe")
    flags = [a.lower().lstrip("-/") for a in inv.args]
    # The -get texts: "enabled" is seen in scripts, "disabled" is UNVERIFIED; -enable/-disable texts are ours.
    if "get" in flags:
        word = "enabled" if ops.is_sm_remoting_enabled(inv.state) else "disabled"
        return CommandResult(stdout=f"Server Manager Remoting is {word}\r\n")
    if "enable" in flags:
        ops.quickconfig(inv.state)
        return CommandResult(stdout="Server Manager Remoting is enabled\r\n", effects={ops.RESTART_WINRM})
    if "disable" in flags:
        ops.disable_sm_remoting(inv.state)
        return CommandResult(stdout="Server Manager Remoting is disabled\r\n", effects={ops.RESTART_WINRM})
    return CommandResult(stderr="Usage: Configure-SMRemoting.exe -get | -enable | -disable\r\n", rc=87)
