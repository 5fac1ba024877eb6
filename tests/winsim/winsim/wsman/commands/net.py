# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""`net start <service>` and `net stop <service> [/y]` in net.exe's texts and exit codes (2 on failure).

Stopping WinRM from inside a WinRS shell ends that shell (the rest of its command line never runs); run from a
SYSTEM scheduled task, `net stop winrm & net start winrm` restarts the service, which then reads the policy.
"""

from __future__ import annotations

from winsim import ops
from winsim.console import SHELL_TERMINATED
from winsim.state import HostState
from winsim.wsman.commands import CommandResult, Invocation


def _help(number: int, text: str) -> CommandResult:
    return CommandResult(stderr=f"{text}\r\n\r\nMore help is available by typing NET HELPMSG {number}.\r\n\r\n", rc=2)


def find(state: HostState, name: str) -> str | None:
    """A service by key name or display name, case-insensitively, as net.exe accepts both."""
    found = state.find_service(name)
    if found is not None:
        return found
    return next((s for s in state.services() if state.service_display_name(s).lower() == name.lower()), None)


def start(inv: Invocation, service: str) -> CommandResult:
    display = inv.state.service_display_name(service)
    try:
        effects = ops.start_service(inv.state, service)
    except ops.ServiceAlreadyRunning:
        return _help(2182, "The requested service has already been started.")
    except ops.ServiceDisabled:
        return CommandResult(
            stderr="System error 1058 has occurred.\r\n\r\nThe service cannot be started, either "
            "because it is disabled or because it has no enabled devices associated with "
            "it.\r\n\r\n",
            rc=2,
        )
    return CommandResult(
        stdout=f"The {display} service is starting.\r\nThe {display} service was started successfully.\r\n\r\n",
        effects=effects,
    )


def stop(inv: Invocation, service: str) -> CommandResult:
    display = inv.state.service_display_name(service)
    try:
        effects = ops.stop_service(inv.state, service)
    except ops.ServiceNotActive:
        return _help(3521, f"The {display} service is not started.")
    if ops.RESTART_WINRM in effects and inv.ctx is not None:  # the WinRS shell running this dies with the service
        effects.add(SHELL_TERMINATED)
    return CommandResult(
        stdout=f"The {display} service is stopping.\r\nThe {display} service was stopped successfully.\r\n\r\n",
        effects=effects,
    )


def run(inv: Invocation) -> CommandResult:
    args = [a for a in inv.args if a.lower() not in ("/y", "/yes")]
    if len(args) < 2 or args[0].lower() not in ("start", "stop"):
        return CommandResult(
            stderr="The syntax of this command is:\r\n\r\nNET\r\n    [ ACCOUNTS | COMPUTER | "
            "CONFIG | CONTINUE | FILE | GROUP | HELP |\r\n      HELPMSG | LOCALGROUP | PAUSE |"
            " SESSION | SHARE | START |\r\n      STATISTICS | STOP | TIME | USE | USER | VIEW "
            "]\r\n\r\n",
            rc=1,
        )
    service = find(inv.state, " ".join(args[1:]))
    if service is None:
        return _help(2185, "The service name is invalid.")
    return start(inv, service) if args[0].lower() == "start" else stop(inv, service)
