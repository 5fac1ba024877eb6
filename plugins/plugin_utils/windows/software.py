# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Installed management software: PowerShell / WMF, .NET Framework 4.x and hotfixes, from the registry."""

from __future__ import annotations

import dataclasses
import typing as t

from ansible_collections.winremote.remoting.plugins.plugin_utils.windows.registry import RegKey

POWERSHELL_1_KEY = r"HKLM\SOFTWARE\Microsoft\PowerShell\1\PowerShellEngine"
POWERSHELL_3_KEY = r"HKLM\SOFTWARE\Microsoft\PowerShell\3\PowerShellEngine"
DOTNET_4_KEY = r"HKLM\SOFTWARE\Microsoft\NET Framework Setup\NDP\v4\Full"
CBS_PACKAGES_KEY = r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\Packages"

# Minimum Release value of each .NET Framework 4.5+ version (Microsoft Learn, "How to: Determine which .NET Framework
# versions are installed").
DOTNET_RELEASES = (
    (533320, "4.8.1"),
    (528040, "4.8"),
    (461808, "4.7.2"),
    (461308, "4.7.1"),
    (460798, "4.7"),
    (394802, "4.6.2"),
    (394254, "4.6.1"),
    (393295, "4.6"),
    (379893, "4.5.2"),
    (378675, "4.5.1"),
    (378389, "4.5"),
)


@dataclasses.dataclass(frozen=True)
class Software:
    powershell_version: str | None
    dotnet_release: int | None  # None when .NET 4 is absent; 0 for 4.0 (installed, no Release value)
    dotnet_version: str | None
    hotfixes: tuple[str, ...]

    @property
    def powershell_major(self) -> int:
        try:
            return int((self.powershell_version or "0").split(".")[0])
        except ValueError:
            return 0


def dotnet_version(release: int | None) -> str | None:
    if release is None:
        return None
    for minimum, name in DOTNET_RELEASES:
        if release >= minimum:
            return name
    return "4.0"


def hotfixes_from_packages(package_keys: t.Iterable[str]) -> tuple[str, ...]:
    """KB numbers from CBS package key names such as ``Package_for_KB2682011~31bf3856ad364e35~amd64~~6.1.1.0``."""
    found: set[str] = set()
    for path in package_keys:
        name = path.rsplit("\\", 1)[-1]
        for part in name.replace("~", "_").split("_"):
            if part.upper().startswith("KB") and part[2:].isascii() and part[2:].isdigit():
                found.add(part.upper())
    return tuple(sorted(found))


def from_registry(
    ps1: RegKey | None, ps3: RegKey | None, dotnet: RegKey | None, package_keys: t.Iterable[str]
) -> Software:
    ps_version = None
    for key in (ps3, ps1):  # the 3 key, when present, is the newer engine (WMF 3.0 and later)
        if key is not None and key.get("PowerShellVersion"):
            ps_version = str(key.get("PowerShellVersion"))
            break
    release: int | None = None
    if dotnet is not None:
        value = dotnet.get("Release")
        release = value if isinstance(value, int) else (0 if dotnet.get("Install") == 1 else None)
    return Software(ps_version, release, dotnet_version(release), hotfixes_from_packages(package_keys))
