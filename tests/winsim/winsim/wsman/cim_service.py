# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Win32_Service: start mode in the registry, run state in HostState.service_status; changes through winsim.ops,
whose Service Control Manager refusals become the method's ReturnValue."""

from __future__ import annotations

from winsim import ops
from winsim.state import SERVICES, HostState
from winsim.wsman.cim import CimClass, Instance, MethodResult, Params

# Win32_Service method return values (Win32 docs)
SUCCESS, ACCESS_DENIED_CONTROL, ALREADY_RUNNING, SERVICE_DISABLED, INVALID_PARAMETER = 0, 5, 10, 14, 21
WMI_START_MODES = {"Auto": "Auto", "Manual": "Manual", "Disabled": "Disabled"}
CHANGE_MODES = {"automatic": "Auto", "auto": "Auto", "manual": "Manual", "disabled": "Disabled"}
# ServiceNotActive: "the service cannot accept control messages"
RETURN_VALUES = {ops.ServiceAlreadyRunning: ALREADY_RUNNING, ops.ServiceDisabled: SERVICE_DISABLED}


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
    ops.set_start_mode(state, str(target["Name"]), mode)
    return {"ReturnValue": SUCCESS}, set()


def _control(state: HostState, target: Instance | None, start: bool) -> MethodResult:
    if target is None:
        return {"ReturnValue": INVALID_PARAMETER}, set()
    name = str(target["Name"])
    try:
        effects = ops.start_service(state, name) if start else ops.stop_service(state, name)
    except ops.ServiceError as err:
        return {"ReturnValue": RETURN_VALUES.get(type(err), ACCESS_DENIED_CONTROL)}, set()
    return {"ReturnValue": SUCCESS}, effects


def start_service(state: HostState, target: Instance | None, params: Params) -> MethodResult:
    return _control(state, target, start=True)


def stop_service(state: HostState, target: Instance | None, params: Params) -> MethodResult:
    """Stopping WinRM over WinRM answers first, then the service is gone (effect restart_winrm)."""
    return _control(state, target, start=False)


WIN32_SERVICE = CimClass(
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
