# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""`shutdown /r /t N [/c "comment"]` (Microsoft Learn "shutdown":
https://learn.microsoft.com/windows-server/administration/windows-commands/shutdown): exit 0, and the host restarts
after N seconds (the transport acts on the effect ``reboot:N``: winsim.host). `/a` aborts a pending restart."""

from __future__ import annotations

from winsim.wsman.commands import CommandResult, Invocation

REBOOT_EFFECT = "reboot:"


def run(inv: Invocation) -> CommandResult:
    args = [a.lower().replace("-", "/", 1) if a[:1] in "-/" else a for a in inv.args]
    if "/a" in args:
        return CommandResult(effects={"reboot_abort"})
    if "/r" not in args:
        return CommandResult(stderr="The parameter is incorrect.(87)\r\n", rc=87)
    delay = 30  # shutdown's default /t
    if "/t" in args:
        index = args.index("/t")
        value = args[index + 1] if index + 1 < len(args) else ""
        if not value.isdigit() or int(value) > 315360000:
            return CommandResult(stderr="The parameter is incorrect.(87)\r\n", rc=87)
        delay = int(value)
    return CommandResult(effects={f"{REBOOT_EFFECT}{delay}"})
