"""`sc query <svc>` and `sc qc <svc>` in sc.exe's layouts."""

from __future__ import annotations

from winsim import rules
from winsim.state import SERVICES
from winsim.wsman.commands import SHELL_TERMINATED, CommandResult, Invocation

START_TYPES = {"Auto": "2   AUTO_START", "Manual": "3   DEMAND_START", "Disabled": "4   DISABLED"}


def _not_found(operation: str) -> CommandResult:
    return CommandResult(
        stdout=f"[SC] {operation} FAILED 1060:\r\n\r\n"
        "The specified service does not exist as an installed service.\r\n\r\n",
        rc=1060,
    )


def query(inv: Invocation, name: str) -> CommandResult:
    state = inv.state
    service = state.find_service(name)
    if service is None:
        return _not_found("EnumQueryServicesStatus:OpenService")
    running = state.service_status[service] == "Running"
    state_text = "4  RUNNING " if running else "1  STOPPED "
    flags = (
        "(STOPPABLE, NOT_PAUSABLE, ACCEPTS_SHUTDOWN)" if running else "(NOT_STOPPABLE, NOT_PAUSABLE, IGNORES_SHUTDOWN)"
    )
    exit_code = "0  (0x0)" if running else "1077  (0x435)"
    lines = [
        "",
        f"SERVICE_NAME: {service}",
        "        TYPE               : 20  WIN32_SHARE_PROCESS  ",
        f"        STATE              : {state_text}",
        f"                                {flags}",
        f"        WIN32_EXIT_CODE    : {exit_code}",
        "        SERVICE_EXIT_CODE  : 0  (0x0)",
        "        CHECKPOINT         : 0x0",
        "        WAIT_HINT          : 0x0",
        "",
    ]
    return CommandResult(stdout="\r\n".join(lines))


def qc(inv: Invocation, name: str) -> CommandResult:
    state = inv.state
    service = state.find_service(name)
    if service is None:
        return _not_found("OpenService")
    mode, delayed = state.service_start_mode(service)
    start = START_TYPES[mode] + ("  (DELAYED)" if delayed else "")
    image = state.registry.get_data(rf"{SERVICES}\{service}", "ImagePath", r"%SystemRoot%\system32\svchost.exe")
    account = "NT AUTHORITY\\NetworkService" if service.lower() == "winrm" else "LocalSystem"
    lines = [
        "[SC] QueryServiceConfig SUCCESS",
        "",
        f"SERVICE_NAME: {service}",
        "        TYPE               : 20  WIN32_SHARE_PROCESS ",
        f"        START_TYPE         : {start}",
        "        ERROR_CONTROL      : 1   NORMAL",
        f"        BINARY_PATH_NAME   : {image}",
        "        LOAD_ORDER_GROUP   : ",
        "        TAG                : 0",
        f"        DISPLAY_NAME       : {state.service_display_name(service)}",
        "        DEPENDENCIES       : RPCSS",
        f"        SERVICE_START_NAME : {account}",
        "",
    ]
    return CommandResult(stdout="\r\n".join(lines))


def _failed(operation: str, code: int, text: str) -> CommandResult:
    return CommandResult(stdout=f"[SC] {operation} FAILED {code}:\r\n\r\n{text}\r\n\r\n", rc=code)


def control(inv: Invocation, verb: str, name: str) -> CommandResult:
    """`sc stop|start <svc>`: the service's status block in its pending state (the model settles at once)."""
    state = inv.state
    service = state.find_service(name)
    if service is None:
        return _not_found("OpenService")
    running = state.service_status[service] == "Running"
    effects: set[str] = set()
    if verb == "stop":
        if not running:
            return _failed("ControlService", 1062, "The service has not been started.")
        if service.lower() == "winrm":
            rules.stop_winrm(state)
            effects = {"restart_winrm", SHELL_TERMINATED} if inv.ctx is not None else {"restart_winrm"}
        else:
            state.service_status[service] = "Stopped"
        status = [
            "        STATE              : 3  STOP_PENDING ",
            "                                (STOPPABLE, NOT_PAUSABLE, ACCEPTS_SHUTDOWN)",
        ]
    else:
        if running:
            return _failed("StartService", 1056, "An instance of the service is already running.")
        if state.service_start_mode(service)[0] == "Disabled":
            return _failed(
                "StartService",
                1058,
                "The service cannot be started, either because it is disabled or "
                "because it has no enabled devices associated with it.",
            )
        if service.lower() == "winrm":
            rules.start_winrm(state)
            effects = {"restart_winrm"}
        else:
            state.service_status[service] = "Running"
        status = [
            "        STATE              : 2  START_PENDING ",
            "                                (NOT_STOPPABLE, NOT_PAUSABLE, IGNORES_SHUTDOWN)",
        ]
    lines = [
        "",
        f"SERVICE_NAME: {service} ",
        "        TYPE               : 20  WIN32_SHARE_PROCESS  ",
        *status,
        "        WIN32_EXIT_CODE    : 0  (0x0)",
        "        SERVICE_EXIT_CODE  : 0  (0x0)",
        "        CHECKPOINT         : 0x0",
        "        WAIT_HINT          : 0x7d0",
    ]
    if verb == "start":
        lines += [f"        PID                : {1000 + sum(map(ord, service))}", "        FLAGS              : "]
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
