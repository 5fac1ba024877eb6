# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Win32_Service: start mode in the registry, run state in HostState.service_status."""

from __future__ import annotations

from winsim import rules
from winsim.state import SERVICES, HostState
from winsim.wsman.cim import CimClass, Instance, MethodResult, Params, register

# Win32_Service method return values (Win32 docs)
SUCCESS, ACCESS_DENIED_CONTROL, ALREADY_RUNNING, SERVICE_DISABLED, INVALID_PARAMETER = 0, 5, 10, 14, 21
WMI_START_MODES = {"Auto": "Auto", "Manual": "Manual", "Disabled": "Disabled"}
CHANGE_MODES = {"automatic": "Auto", "auto": "Auto", "manual": "Manual", "disabled": "Disabled"}


def service_instance(state: HostState, name: str) -> Instance:
    mode, delayed = state.service_start_mode(name)
    running = state.service_status[name] == "Running"
    instance: Instance = {
        "AcceptPause": False,
        "AcceptStop": running,
        "Caption": state.service_display_name(name),
        "CheckPoint": 0,
        "CreationClassName": "Win32_Service",
        "Description": None,
        "DesktopInteract": False,
        "DisplayName": state.service_display_name(name),
        "ErrorControl": "Normal",
        "ExitCode": 0 if running else 1077,
        "InstallDate": None,
        "Name": name,
        "PathName": str(
            state.registry.get_data(rf"{SERVICES}\{name}", "ImagePath", r"C:\Windows\System32\svchost.exe -k netsvcs")
        ),
        "ProcessId": 1000 + sum(map(ord, name)) if running else 0,
        "ServiceSpecificExitCode": 0,
        "ServiceType": "Share Process",
        "Started": running,
        "StartMode": WMI_START_MODES[mode],
        "StartName": "NT AUTHORITY\\NetworkService" if name.lower() == "winrm" else "LocalSystem",
        "State": state.service_status[name],
        "Status": "OK",
        "SystemCreationClassName": "Win32_ComputerSystem",
        "SystemName": state.hostname.upper(),
        "TagId": 0,
        "WaitHint": 0,
    }
    if tuple(int(x) for x in state.os_version.split(".")[:2]) >= (6, 2):
        instance["DelayedAutoStart"] = delayed  # the property exists since Windows 8 / Server 2012
    return instance


def services(state: HostState) -> list[Instance]:
    return [service_instance(state, name) for name in state.services()]


def change_start_mode(state: HostState, target: Instance | None, params: Params) -> MethodResult:
    mode = CHANGE_MODES.get(next(iter(params.get("StartMode") or [""]), "").lower())
    if target is None or mode is None:
        return {"ReturnValue": INVALID_PARAMETER}, set()
    state.set_service_start_mode(str(target["Name"]), mode)
    return {"ReturnValue": SUCCESS}, set()


def start_service(state: HostState, target: Instance | None, params: Params) -> MethodResult:
    if target is None:
        return {"ReturnValue": INVALID_PARAMETER}, set()
    name = str(target["Name"])
    if state.service_status[name] == "Running":
        return {"ReturnValue": ALREADY_RUNNING}, set()
    if state.service_start_mode(name)[0] == "Disabled":
        return {"ReturnValue": SERVICE_DISABLED}, set()
    if name.lower() == "winrm":
        rules.start_winrm(state)  # reads the WinRM policy now
        return {"ReturnValue": SUCCESS}, {"restart_winrm"}
    state.service_status[name] = "Running"
    return {"ReturnValue": SUCCESS}, set()


def stop_service(state: HostState, target: Instance | None, params: Params) -> MethodResult:
    """Stopping WinRM over WinRM answers first, then the service is gone (effect restart_winrm)."""
    if target is None:
        return {"ReturnValue": INVALID_PARAMETER}, set()
    name = str(target["Name"])
    if state.service_status[name] != "Running":
        return {"ReturnValue": ACCESS_DENIED_CONTROL}, set()  # "service cannot accept control messages"
    if name.lower() == "winrm":
        rules.stop_winrm(state)
        return {"ReturnValue": SUCCESS}, {"restart_winrm"}
    state.service_status[name] = "Stopped"
    return {"ReturnValue": SUCCESS}, set()


register(
    CimClass(
        "Win32_Service",
        ("root/cimv2",),
        ("Name",),
        services,
        methods={
            "ChangeStartMode": change_start_mode,
            "StartService": start_service,
            "StopService": stop_service,
        },
    )
)
