# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Which Windows a host runs, from the values Windows keeps under ``CurrentVersion`` and ``ProductOptions``."""

from __future__ import annotations

import dataclasses
import typing as t

from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import registry
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows.registry import RegKey
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import batch

CURRENT_VERSION_KEY = r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion"
PRODUCT_OPTIONS_KEY = r"HKLM\SYSTEM\CurrentControlSet\Control\ProductOptions"
CODE_PAGE_KEY = r"HKLM\SYSTEM\CurrentControlSet\Control\Nls\CodePage"

_PRODUCT_TYPES = {"winnt": "workstation", "lanmannt": "domain_controller", "servernt": "server"}
# Server releases by build: the name Server Manager and the prerequisites table use.
_RELEASES = (
    (26100, "2025"),
    (20348, "2022"),
    (17763, "2019"),
    (14393, "2016"),
    (9600, "2012 R2"),
    (9200, "2012"),
    (7600, "2008 R2"),
    (6001, "2008"),
)


@dataclasses.dataclass(frozen=True)
class OsInfo:
    caption: str
    version: str  # major.minor.build, e.g. 6.3.9600
    build: int
    product_type: str  # workstation | domain_controller | server | unknown
    installation_type: str
    release: str | None  # "2012 R2" ... for servers

    @property
    def major_minor(self) -> tuple[int, int]:
        parts = self.version.split(".")
        try:
            return int(parts[0]), int(parts[1])
        except (IndexError, ValueError):
            return 0, 0

    def to_dict(self) -> dict[str, t.Any]:
        return {
            "caption": self.caption,
            "version": self.version,
            "build": self.build,
            "product_type": self.product_type,
            "installation_type": self.installation_type,
            "release": self.release,
        }


def release_for(build: int, product_type: str) -> str | None:
    if product_type == "workstation":
        return None
    for min_build, name in _RELEASES:
        if build >= min_build:
            return name
    return None


def from_registry(current_version: RegKey | None, product_options: RegKey | None) -> OsInfo:
    """Windows 10 / Server 2016 and later keep ``CurrentVersion`` at 6.3 for compatibility; their real version is in
    ``CurrentMajorVersionNumber`` / ``CurrentMinorVersionNumber``."""
    values = current_version or RegKey("")
    major = values.get("CurrentMajorVersionNumber")
    minor = values.get("CurrentMinorVersionNumber")
    build_text = str(values.get("CurrentBuildNumber") or values.get("CurrentBuild") or "0")
    build = int(build_text) if build_text.isascii() and build_text.isdigit() else 0  # "²".isdigit() is True
    if isinstance(major, int) and isinstance(minor, int):
        version = f"{major}.{minor}.{build}"
    else:
        version = f"{values.get('CurrentVersion')!s}.{build}" if values.get("CurrentVersion") else f"0.0.{build}"
    raw_type = str((product_options or RegKey("")).get("ProductType") or "")
    product_type = _PRODUCT_TYPES.get(raw_type.lower(), "unknown")
    return OsInfo(
        caption=str(values.get("ProductName") or ""),
        version=version,
        build=build,
        product_type=product_type,
        installation_type=str(values.get("InstallationType") or ""),
        release=release_for(build, product_type),
    )


VERSION_UNREAD = "could not read the Windows version (reg query of CurrentVersion gave no output)"


def version_read(name: str = "os") -> batch.Read[OsInfo | None]:
    """The Windows version from ``CurrentVersion`` (None: ``reg query`` printed no such key), as a read."""

    def parse(result: batch.BatchResult) -> OsInfo | None:
        key = registry.find_key(registry.parse_query(result.section(name)), CURRENT_VERSION_KEY)
        return None if key is None else from_registry(key, None)

    return batch.Read((batch.Probe(name, registry.query_command(CURRENT_VERSION_KEY)),), parse)
