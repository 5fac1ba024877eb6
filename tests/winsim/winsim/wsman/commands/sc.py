# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""`sc query <svc>`, `sc qc <svc>`, `sc stop|start <svc>` in sc.exe's layouts, in the host's display language.

sc translates the labels and keeps the values' codes and English constants (winsim.locales cites a pt-BR
capture). A stopped service's status has no controls-accepted line: sc prints ``(STOPPABLE, ...)`` only for a
service that accepts controls, and a stopped one accepts none (SERVICE_STATUS.dwControlsAccepted,
https://learn.microsoft.com/windows/win32/api/winsvc/ns-winsvc-service_status; the pt-BR fixtures published with
services read by code, e.g. ``ESTADO : 1  STOPPED`` followed directly by the exit code, show the same).
``sc qc`` prints the binary path with %SystemRoot% expanded, as QueryServiceConfig hands it over
(lpBinaryPathName, https://learn.microsoft.com/windows/win32/api/winsvc/ns-winsvc-query_service_configw).
ASSUMPTION (UNVERIFIED): expanded as cmd.exe expands the variable (published WinRM service paths read
``C:\\Windows\\System32\\svchost.exe -k NetworkService -p``, never ``%SystemRoot%``).
"""

from __future__ import annotations

from winsim import locales, ops
from winsim.console import SHELL_TERMINATED
from winsim.state import SERVICES
from winsim.wsman.commands import CommandResult, Invocation, expand

START_TYPES = {"Auto": "2   AUTO_START", "Manual": "3   DEMAND_START", "Disabled": "4   DISABLED"}


def _labels(inv: Invocation) -> locales.Locale:
    return locales.get(inv.state.locale)


def _field(loc: locales.Locale, key: str, value: str) -> str:
    return f"        {loc.sc_labels[key]:<{loc.sc_width}} : {value}"


def _failed(loc: locales.Locale, operation: str, code: int) -> CommandResult:
    text = loc.sc_labels[str(code)]
    return CommandResult(stdout=f"[SC] {operation} {loc.sc_labels['failed']} {code}:\r\n\r\n{text}\r\n\r\n", rc=code)


def query(inv: Invocation, name: str) -> CommandResult:
    state, loc = inv.state, _labels(inv)
    service = state.find_service(name)
    if service is None:
        return _failed(loc, "EnumQueryServicesStatus:OpenService", 1060)
    running = state.service_status[service] == "Running"
    lines = [
        "",
        f"{loc.sc_labels['service_name']}: {service}",
        _field(loc, "type", "20  WIN32_SHARE_PROCESS  "),
        _field(loc, "state", "4  RUNNING " if running else "1  STOPPED "),
    ]
    if running:
        lines.append("                                (STOPPABLE, NOT_PAUSABLE, ACCEPTS_SHUTDOWN)")
    lines += [
        _field(loc, "win32_exit_code", "0  (0x0)" if running else "1077  (0x435)"),
        _field(loc, "service_exit_code", "0  (0x0)"),
        _field(loc, "checkpoint", "0x0"),
        _field(loc, "wait_hint", "0x0"),
        "",
    ]
    return CommandResult(stdout="\r\n".join(lines))


def qc(inv: Invocation, name: str) -> CommandResult:
    state, loc = inv.state, _labels(inv)
    service = state.find_service(name)
    if service is None:
        return _failed(loc, "OpenService", 1060)
    mode, delayed = state.service_start_mode(service)
    start = START_TYPES[mode] + ("  (DELAYED)" if delayed else "")
    image = state.registry.get_data(rf"{SERVICES}\{service}", "ImagePath", r"%SystemRoot%\system32\svchost.exe")
    account = "NT AUTHORITY\\NetworkService" if service.lower() == "winrm" else "LocalSystem"
    lines = [
        f"[SC] QueryServiceConfig {loc.sc_labels['success']}",
        "",
        f"{loc.sc_labels['service_name']}: {service}",
        _field(loc, "type", "20  WIN32_SHARE_PROCESS "),
        _field(loc, "start_type", start),
        _field(loc, "error_control", "1   NORMAL"),
        _field(loc, "binary_path_name", expand(str(image), state=state)),
        _field(loc, "load_order_group", ""),
        _field(loc, "tag", "0"),
        _field(loc, "display_name", state.service_display_name(service)),
        _field(loc, "dependencies", "RPCSS"),
        _field(loc, "service_start_name", account),
        "",
    ]
    return CommandResult(stdout="\r\n".join(lines))


def control(inv: Invocation, verb: str, name: str) -> CommandResult:
    """`sc stop|start <svc>`: the service's status block in its pending state (the model settles at once)."""
    state, loc = inv.state, _labels(inv)
    service = state.find_service(name)
    if service is None:
        return _failed(loc, "OpenService", 1060)
    try:
        effects = ops.stop_service(state, service) if verb == "stop" else ops.start_service(state, service)
    except ops.ServiceError as err:
        operation = "ControlService" if verb == "stop" else "StartService"
        return _failed(loc, operation, err.code)  # 1062 not started; 1056 already running, 1058 disabled
    if verb == "stop":
        if ops.RESTART_WINRM in effects and inv.ctx is not None:  # the WinRS shell running this dies with WinRM
            effects.add(SHELL_TERMINATED)
        status = [
            _field(loc, "state", "3  STOP_PENDING "),
            "                                (STOPPABLE, NOT_PAUSABLE, ACCEPTS_SHUTDOWN)",
        ]
    else:
        status = [
            _field(loc, "state", "2  START_PENDING "),
            "                                (NOT_STOPPABLE, NOT_PAUSABLE, IGNORES_SHUTDOWN)",
        ]
    lines = [
        "",
        f"{loc.sc_labels['service_name']}: {service} ",
        _field(loc, "type", "20  WIN32_SHARE_PROCESS  "),
        *status,
        _field(loc, "win32_exit_code", "0  (0x0)"),
        _field(loc, "service_exit_code", "0  (0x0)"),
        _field(loc, "checkpoint", "0x0"),
        _field(loc, "wait_hint", "0x7d0"),
    ]
    if verb == "start":
        lines += [_field(loc, "pid", str(1000 + sum(map(ord, service)))), _field(loc, "flags", "")]
    return CommandResult(stdout="\r\n".join(lines) + "\r\n", effects=effects)


def run(inv: Invocation) -> CommandResult:
    if len(inv.args) >= 2 and inv.args[0].lower() in ("stop", "start"):
        return control(inv, inv.args[0].lower(), inv.args[1])
    if len(inv.args) >= 2 and inv.args[0].lower() == "query":
        return query(inv, inv.args[1])
    if len(inv.args) >= 2 and inv.args[0].lower() == "qc":
        return qc(inv, inv.args[1])
    return CommandResult(
        stdout="DESCRIPTION:\r\n        SC is a command line program used for communicating with "
        "the\r\n"
        "        Service Control Manager and services.\r\n",
        rc=1639,
    )
