# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Start and stop services and set their start mode, with the Service Control Manager's refusals
(StartService / ControlService, https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-startservicew).

WinRM is special: starting it reads the WinRM policy (winsim.rules.start_winrm), and any start or stop of it is a
WinRM restart for the transport (effect restart_winrm), which drops open connections.
"""

from __future__ import annotations

from winsim import rules
from winsim.ops.errors import (
    InvalidValue,
    ServiceAlreadyRunning,
    ServiceDisabled,
    ServiceDoesNotExist,
    ServiceNotActive,
)
from winsim.ops.listeners import RESTART_WINRM
from winsim.state import START_VALUES, HostState


def _service(state: HostState, name: str) -> str:
    found = state.find_service(name)
    if found is None:
        raise ServiceDoesNotExist(name)
    return found


def start_service(state: HostState, name: str) -> set[str]:
    """Start a stopped service that is not disabled; the effects for the transport."""
    service = _service(state, name)
    if state.service_status[service] == "Running":
        raise ServiceAlreadyRunning(service)
    if state.service_start_mode(service)[0] == "Disabled":
        raise ServiceDisabled(service)
    if service.lower() == "winrm":
        rules.start_winrm(state)  # reads the WinRM policy now
        return {RESTART_WINRM}
    state.service_status[service] = "Running"
    return set()


def stop_service(state: HostState, name: str) -> set[str]:
    """Stop a running service; stopping WinRM over WinRM answers first, then the service is gone."""
    service = _service(state, name)
    if state.service_status[service] != "Running":
        raise ServiceNotActive(service)
    if service.lower() == "winrm":
        rules.stop_winrm(state)
        return {RESTART_WINRM}
    state.service_status[service] = "Stopped"
    return set()


def restart_winrm(state: HostState) -> set[str]:
    """Stop WinRM if it runs, then start it (it reads the policy again), as `net stop winrm & net start winrm`."""
    service = _service(state, "WinRM")
    if state.service_status[service] == "Running":
        stop_service(state, service)
    return start_service(state, service)


def set_start_mode(state: HostState, name: str, mode: str, delayed: bool | None = None) -> None:
    """Auto | Manual | Disabled in the service's registry key; `delayed` (None leaves it) is DelayedAutostart."""
    service = _service(state, name)
    if mode not in START_VALUES:
        raise InvalidValue(f"The start mode {mode} is not valid.")
    state.set_service_start_mode(service, mode, delayed)
