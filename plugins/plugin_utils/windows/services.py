"""Windows services, read through ``sc.exe qc`` / ``sc.exe query``.

sc prints the numeric codes beside the words (``STATE : 4  RUNNING``); only the numbers are parsed, so the
result does not depend on the Windows display language.
"""

from __future__ import annotations

import dataclasses
import re
import typing as t

from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import quote
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.cim import CimInvoker

_START_TYPES = {0: "boot", 1: "system", 2: "auto", 3: "manual", 4: "disabled"}
_STATES = {
    1: "stopped",
    2: "start_pending",
    3: "stop_pending",
    4: "running",
    5: "continue_pending",
    6: "pause_pending",
    7: "paused",
}
_FIELD = re.compile(r"^\s*(?P<name>[A-Z_]+)\s*:\s*(?P<code>\d+)\s*(?P<rest>.*)$")


@dataclasses.dataclass(frozen=True)
class ServiceStatus:
    name: str
    exists: bool
    start_mode: str | None = None  # auto | manual | disabled | boot | system
    delayed_start: bool = False
    state: str | None = None  # running | stopped | ...

    def to_dict(self) -> dict[str, t.Any]:
        return {
            "name": self.name,
            "exists": self.exists,
            "start_mode": self.start_mode,
            "delayed_start": self.delayed_start,
            "state": self.state,
        }


def query_commands(name: str) -> tuple[str, str]:
    """The two command lines whose outputs :func:`parse` reads."""
    return f"sc qc {quote.cmd(name)}", f"sc query {quote.cmd(name)}"


def parse(name: str, qc_output: str, query_output: str) -> ServiceStatus:
    """Combine ``sc qc`` (start type) and ``sc query`` (state) output."""
    start_mode: str | None = None
    delayed = False
    state: str | None = None
    for line in qc_output.splitlines():
        match = _FIELD.match(line)
        if match and match.group("name") == "START_TYPE":
            start_mode = _START_TYPES.get(int(match.group("code")))
            delayed = "DELAYED" in match.group("rest").upper()
    for line in query_output.splitlines():
        match = _FIELD.match(line)
        if match and match.group("name") == "STATE":
            state = _STATES.get(int(match.group("code")))
    return ServiceStatus(
        name,
        exists=start_mode is not None or state is not None,
        start_mode=start_mode,
        delayed_start=delayed,
        state=state,
    )


# --- changes through Win32_Service ------------------------------------------------------------------------------------
WIN32_SERVICE_URI = "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_Service"
_CIM_START_MODES = {"auto": "Automatic", "manual": "Manual", "disabled": "Disabled"}


def change_start_mode(client: CimInvoker, name: str, mode: str) -> None:
    """``mode`` is auto | manual | disabled (Win32_Service.ChangeStartMode takes Automatic/Manual/Disabled)."""
    client.invoke(WIN32_SERVICE_URI, "ChangeStartMode", {"StartMode": _CIM_START_MODES[mode]}, {"Name": name})


def start(client: CimInvoker, name: str) -> None:
    """Start a service; one that already runs is already in the wanted state."""
    try:
        client.invoke(WIN32_SERVICE_URI, "StartService", None, {"Name": name})
    except Exception as exc:
        if getattr(exc, "reason", None) != "already_running":
            raise
