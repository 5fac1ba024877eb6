"""Server Manager's verdict on a host, in Server Manager's own words, with the reasons behind it.

The prerequisites are those Microsoft documents for managing older servers from Server Manager
(WINDOWS-FACTS §6 and §9): until they are installed Server Manager shows "Not accessible", and on 2008
"Not accessible - Verify earlier versions run Windows Management Framework 3.0".
"""

from __future__ import annotations

import dataclasses

from ansible_collections.winremote.remoting.plugins.plugin_utils.windows.os_info import OsInfo
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows.software import Software

ONLINE = "Online"
NOT_ACCESSIBLE = "Not accessible"
NOT_ACCESSIBLE_WMF3 = "Not accessible - Verify earlier versions run Windows Management Framework 3.0"
ACCESS_DENIED = "Online - Access denied"
CREDENTIALS_NOT_VALID = "Credentials not valid"
DATA_RETRIEVAL_FAILURES = "Online - Data retrieval failures occurred"

PERFORMANCE_UPDATE = "KB2682011"


@dataclasses.dataclass(frozen=True)
class Requirement:
    """What one Windows version needs before Server Manager can manage it."""

    dotnet_release: int | None  # minimum .NET 4 Release value; 0 = .NET 4.0
    dotnet_name: str
    powershell_major: int
    wmf_name: str
    hotfix: str | None


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
        return self.status == ONLINE


def missing_prerequisites(os_info: OsInfo, software: Software) -> list[str]:
    """Human sentences, one per missing prerequisite; empty when nothing is missing."""
    requirement = REQUIREMENTS.get(os_info.major_minor)
    if requirement is None:
        return []
    missing: list[str] = []
    name = (os_info.release and f"Windows Server {os_info.release}") or f"Windows {os_info.version}"
    if requirement.dotnet_release is not None and (
        software.dotnet_release is None or software.dotnet_release < requirement.dotnet_release
    ):
        have = software.dotnet_version or "no .NET Framework 4"
        missing.append(f"{name} needs {requirement.dotnet_name} or later (found {have})")
    if software.powershell_major < requirement.powershell_major:
        have = software.powershell_version or "none"
        missing.append(f"{name} needs {requirement.wmf_name} or later (found PowerShell {have})")
    if requirement.hotfix and requirement.hotfix not in software.hotfixes:
        missing.append(f"{name} needs the performance update {requirement.hotfix}")
    return missing


def assess(os_info: OsInfo, software: Software) -> Verdict:
    """The verdict for a host that answered and was observed."""
    missing = missing_prerequisites(os_info, software)
    if not missing:
        return Verdict(ONLINE, ())
    if os_info.major_minor == (6, 0) and software.powershell_major < 3:
        return Verdict(NOT_ACCESSIBLE_WMF3, tuple(missing))
    return Verdict(NOT_ACCESSIBLE, tuple(missing))


def for_error(kind: str, message: str) -> Verdict:
    """The verdict for a host that could not be observed, from the wire error's kind."""
    status = {
        "host_unreachable": NOT_ACCESSIBLE,
        "connection_lost": NOT_ACCESSIBLE,
        "timeout": NOT_ACCESSIBLE,
        "tls": NOT_ACCESSIBLE,
        "authentication_failed": CREDENTIALS_NOT_VALID,
        "access_denied": ACCESS_DENIED,
        "basic_over_http_refused": ACCESS_DENIED,
    }.get(kind, DATA_RETRIEVAL_FAILURES)
    return Verdict(status, (message,))
