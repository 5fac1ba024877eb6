# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Server Manager's verdict on a host, in Server Manager's own words, with the reasons behind it.

The prerequisites are those Microsoft documents for managing older servers from Server Manager ("Configure remote
Management in Server Manager",
https://learn.microsoft.com/windows-server/administration/server-manager/configure-remote-management-in-server-manager):
until the WMF and .NET Framework named there are installed, 2008 R2, 2012 and 2012 R2 show "Not accessible" and 2008
shows "Not accessible - Verify earlier versions run Windows Management Framework 3.0". The performance update
KB2682011 only "lets Server Manager collect performance data" from 2008 and 2008 R2: without it the server is still
managed, and its performance counters cannot be started ("Online - Performance counters not started").

The statuses for hosts that could not be observed come from "Add Servers to Server Manager"
(https://learn.microsoft.com/windows-server/administration/server-manager/add-servers-to-server-manager): "Kerberos
target resolution error", "Kerberos authentication error" and "Online - Access denied" before the right credentials
are given with Manage As, and "Credentials not valid" for workgroup servers, whose documented fix includes
LocalAccountTokenFilterPolicy. WinRM answers a wrong password and a UAC-filtered local administrator with the same
HTTP 401, so both are "Credentials not valid" here.
"""

from __future__ import annotations

import dataclasses

from ansible_collections.winremote.remoting.plugins.plugin_utils.windows.os_info import OsInfo
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows.software import Software

ONLINE = "Online"
PERFORMANCE_COUNTERS_NOT_STARTED = "Online - Performance counters not started"
ACCESS_DENIED = "Online - Access denied"
DATA_RETRIEVAL_FAILURES = "Online - Data retrieval failures occurred"
NOT_ACCESSIBLE = "Not accessible"
NOT_ACCESSIBLE_WMF3 = "Not accessible - Verify earlier versions run Windows Management Framework 3.0"
CREDENTIALS_NOT_VALID = "Credentials not valid"
KERBEROS_TARGET_RESOLUTION = "Kerberos target resolution error"
KERBEROS_AUTHENTICATION = "Kerberos authentication error"

# The statuses of a server that Server Manager manages (the first one is what it shows for a healthy server
# until its performance counters are started: "View and Configure Performance, Event, and Service Data",
# https://learn.microsoft.com/windows-server/administration/server-manager/view-and-configure-performance-event-and-service-data).
MANAGED = (ONLINE, PERFORMANCE_COUNTERS_NOT_STARTED)

PERFORMANCE_UPDATE = "KB2682011"


@dataclasses.dataclass(frozen=True)
class Requirement:
    """What one Windows version needs before Server Manager can manage it, and collect its performance data."""

    dotnet_release: int | None  # minimum .NET 4 Release value; 0 = .NET 4.0
    dotnet_name: str
    powershell_major: int
    wmf_name: str
    performance_update: str | None  # needed for performance data only, not for management


# keyed by (major, minor) of the Windows version
REQUIREMENTS: dict[tuple[int, int], Requirement] = {
    (6, 0): Requirement(0, ".NET Framework 4", 3, "WMF 3.0", PERFORMANCE_UPDATE),
    (6, 1): Requirement(378389, ".NET Framework 4.5", 4, "WMF 4.0", PERFORMANCE_UPDATE),
    (6, 2): Requirement(393295, ".NET Framework 4.6", 5, "WMF 5.0 (or 5.1)", None),
    (6, 3): Requirement(393295, ".NET Framework 4.6", 5, "WMF 5.0 (or 5.1)", None),
}


@dataclasses.dataclass(frozen=True)
class Verdict:
    status: str
    reasons: tuple[str, ...]

    @property
    def manageable(self) -> bool:
        """Server Manager manages the host (performance data may still be missing)."""
        return self.status in MANAGED


def _name(os_info: OsInfo) -> str:
    return (os_info.release and f"Windows Server {os_info.release}") or f"Windows {os_info.version}"


def missing_prerequisites(os_info: OsInfo, software: Software) -> list[str]:
    """Human sentences, one per missing management prerequisite (WMF, .NET); empty when nothing is missing."""
    requirement = REQUIREMENTS.get(os_info.major_minor)
    if requirement is None:
        return []
    missing: list[str] = []
    name = _name(os_info)
    if requirement.dotnet_release is not None and (
        software.dotnet_release is None or software.dotnet_release < requirement.dotnet_release
    ):
        have = software.dotnet_version or "no .NET Framework 4"
        missing.append(f"{name} needs {requirement.dotnet_name} or later (found {have})")
    if software.powershell_major < requirement.powershell_major:
        have = software.powershell_version or "none"
        missing.append(f"{name} needs {requirement.wmf_name} or later (found PowerShell {have})")
    return missing


def missing_performance_data(os_info: OsInfo, software: Software) -> list[str]:
    """Why Server Manager cannot collect performance data from the host (2008 / 2008 R2 without KB2682011)."""
    requirement = REQUIREMENTS.get(os_info.major_minor)
    update = requirement.performance_update if requirement else None
    if not update or update in software.hotfixes:
        return []
    return [
        f"{_name(os_info)} needs the performance update {update} before Server Manager can collect its performance "
        "data (it is managed without it)"
    ]


def assess(os_info: OsInfo, software: Software) -> Verdict:
    """The verdict for a host that answered and was observed."""
    missing = missing_prerequisites(os_info, software)
    performance = missing_performance_data(os_info, software)
    if missing:
        status = NOT_ACCESSIBLE_WMF3 if os_info.major_minor == (6, 0) and software.powershell_major < 3 else None
        return Verdict(status or NOT_ACCESSIBLE, tuple(missing + performance))
    if performance:
        # ASSUMPTION (UNVERIFIED): without the update Server Manager keeps the status it shows before counters are
        # started; Microsoft documents what the update enables, not the status shown without it.
        return Verdict(PERFORMANCE_COUNTERS_NOT_STARTED, tuple(performance))
    return Verdict(ONLINE, ())


# wire error kind (errors.WinRemoteError.kind) -> Server Manager's status
ERROR_STATUS = {
    "host_unreachable": NOT_ACCESSIBLE,
    "connection_lost": NOT_ACCESSIBLE,
    "timeout": NOT_ACCESSIBLE,
    "tls": NOT_ACCESSIBLE,
    "authentication_failed": CREDENTIALS_NOT_VALID,
    "kerberos_target": KERBEROS_TARGET_RESOLUTION,
    "kerberos_authentication": KERBEROS_AUTHENTICATION,
    "access_denied": ACCESS_DENIED,
    "basic_over_http_refused": ACCESS_DENIED,
}


def for_error(kind: str, message: str) -> Verdict:
    """The verdict for a host that could not be observed, from the wire error's kind; any other error after the
    host answered (a fault, an unexpected reply) is a data retrieval failure."""
    return Verdict(ERROR_STATUS.get(kind, DATA_RETRIEVAL_FAILURES), (message,))
