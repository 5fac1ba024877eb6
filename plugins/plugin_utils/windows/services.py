# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Windows services, read through ``sc.exe qc`` / ``sc.exe query``.

sc translates its labels on a non-English Windows (pt-BR prints ``NOME_DO_SERVIÇO`` and ``ESTADO : 4  RUNNING``,
as captured in https://github.com/mym0us3r/Unified-Sysmon-Configs, README, "sc query sysmon"), and the accented
labels arrive in the shell's code page. What stays the same in every language is the value: the numeric code
followed by its English constant (``4  RUNNING``, ``2   AUTO_START  (DELAYED)``), the names of the
SERVICE_STATUS / QUERY_SERVICE_CONFIG values (https://learn.microsoft.com/windows/win32/api/winsvc/ns-winsvc-service_status,
https://learn.microsoft.com/windows/win32/api/winsvc/ns-winsvc-query_service_configw). So no label is read: a line
counts as the state when it carries a state code with its constant, and as the start type when it carries a
start-type code with its constant. sc's failure line keeps the Win32 error number (``FAILED 1060:``,
ERROR_SERVICE_DOES_NOT_EXIST), which is how a missing service is told apart from output that could not be read.
"""

from __future__ import annotations

import dataclasses
import re
import typing as t

from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.change import Endpoint, Operation, Restore
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import quote, tasks
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import errors
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.protocol import Client

# code -> (constant sc prints, the collection's word)
START_TYPES = {
    0: ("BOOT_START", "boot"),
    1: ("SYSTEM_START", "system"),
    2: ("AUTO_START", "auto"),
    3: ("DEMAND_START", "manual"),
    4: ("DISABLED", "disabled"),
}
STATES = {
    1: ("STOPPED", "stopped"),
    2: ("START_PENDING", "start_pending"),
    3: ("STOP_PENDING", "stop_pending"),
    4: ("RUNNING", "running"),
    5: ("CONTINUE_PENDING", "continue_pending"),
    6: ("PAUSE_PENDING", "pause_pending"),
    7: ("PAUSED", "paused"),
}
VALUE = re.compile(r":\s*(?P<code>[0-9]+)\s+(?P<constant>[A-Z][A-Z0-9_]*)(?P<rest>.*)$")
SERVICE_DOES_NOT_EXIST = re.compile(r"^\s*\[SC\].*\b1060:", re.MULTILINE)


class ServiceReadError(errors.WinRemoteError):
    """sc answered, but with neither a service status nor "the service does not exist"."""

    kind = "service"


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


def find_value(output: str, table: dict[int, tuple[str, str]]) -> tuple[str, str] | None:
    """(word, rest of the line) of the first ``<code>  <CONSTANT>`` pair that ``table`` names, whatever the label."""
    for line in output.splitlines():
        match = VALUE.search(line)
        if match is None:
            continue
        known = table.get(int(match.group("code")))
        if known is not None and known[0] == match.group("constant"):
            return known[1], match.group("rest")
    return None


def parse(name: str, qc_output: str, query_output: str) -> ServiceStatus:
    """Combine ``sc qc`` (start type) and ``sc query`` (state) output, in any display language.

    Raises :class:`ServiceReadError` when neither output holds a status nor sc's "does not exist" error: such a
    service is unread, not absent, and nothing may be planned on it."""
    start = find_value(qc_output, START_TYPES)
    state = find_value(query_output, STATES)
    if start is None and state is None:
        if SERVICE_DOES_NOT_EXIST.search(qc_output) or SERVICE_DOES_NOT_EXIST.search(query_output):
            return ServiceStatus(name, exists=False)
        shown = errors.truncate(qc_output + " " + query_output) or "no output"
        raise ServiceReadError(
            f"the {name} service could not be read: '{' & '.join(query_commands(name))}' printed neither a "
            f"service status nor 'service does not exist' ({shown}); run them on the host to see why"
        )
    return ServiceStatus(
        name,
        exists=True,
        start_mode=start[0] if start else None,
        delayed_start=bool(start and "(DELAYED)" in start[1].upper()),
        state=state[0] if state else None,
    )


# --- changes through Win32_Service ------------------------------------------------------------------------------------
WIN32_SERVICE_URI = "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_Service"
_CIM_START_MODES = {"auto": "Automatic", "manual": "Manual", "disabled": "Disabled"}


def change_start_mode(client: Client, name: str, mode: str) -> None:
    """``mode`` is auto | manual | disabled (Win32_Service.ChangeStartMode takes Automatic/Manual/Disabled)."""
    client.invoke(WIN32_SERVICE_URI, "ChangeStartMode", {"StartMode": _CIM_START_MODES[mode]}, {"Name": name})


def start(client: Client, name: str) -> None:
    """Start a service; one that already runs is already in the wanted state."""
    try:
        client.invoke(WIN32_SERVICE_URI, "StartService", None, {"Name": name})
    except errors.CimMethodError as exc:
        if exc.reason != "already_running":
            raise


# --- operations ------------------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class SetStartMode(Operation):
    """Win32_Service.ChangeStartMode: ``mode`` is auto | manual | disabled."""

    kind: t.ClassVar[str] = "service_start_mode"
    name: str
    mode: str

    def apply(self, client: Client) -> None:
        change_start_mode(client, self.name, self.mode)


@dataclasses.dataclass(frozen=True)
class StartService(Operation):
    """Win32_Service.StartService; a service that already runs is fine."""

    kind: t.ClassVar[str] = "service_start"
    name: str

    def apply(self, client: Client) -> None:
        start(client, self.name)


RESTART_TASK = "winremote-restart-winrm"


@dataclasses.dataclass(frozen=True)
class RestartWinrm(Operation):
    """Restart WinRM through a one-shot SYSTEM scheduled task (a restart from inside a WinRM shell would end the
    shell before ``net start`` runs). ``restore`` is what the rollback guard puts back if the host does not answer
    afterwards; ``cuts`` says why, once restarted, WinRM would no longer answer this controller (None: it will)."""

    kind: t.ClassVar[str] = "restart_winrm"
    restarts_winrm: t.ClassVar[bool] = True
    restore: Restore | None = None
    cuts: str | None = None

    def apply(self, client: Client) -> None:
        tasks.run_as_system(client, RESTART_TASK, tasks.RESTART_WINRM)

    @property
    def undo(self) -> Restore | None:
        return self.restore

    def affects_endpoint(self, endpoint: Endpoint) -> str | None:
        return self.cuts
