# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One normalised row per server, as Server Manager's "All Servers" page lists them, and the counts per status.

A server comes either as the host vars the server_pool inventory sets (``winremote_manageability``, ...) or as
a remoting_info result (``manageability``, ``os``, ``wsman_stack_version``, ...); both read the same. Rows are
sorted and every value is a plain string, so the same servers always give the same report, byte for byte.
"""

from __future__ import annotations

import dataclasses
import typing as t
from collections.abc import Mapping

from ansible_collections.winremote.remoting.plugins.plugin_utils import manageability as sm

UNKNOWN = "Unknown"

# Colour class of each of Server Manager's statuses: ok (green), warning (amber), error (red), unknown (grey), in the
# order of the summary: problems first, the worst first. "Online - Performance counters not started" is what Server
# Manager shows for a managed server until its counters start, so it counts as ok, like manageability.MANAGED.
SEVERITY = {
    sm.NOT_ACCESSIBLE: "error",
    sm.KERBEROS_TARGET_RESOLUTION: "error",
    sm.KERBEROS_AUTHENTICATION: "error",
    sm.NOT_ACCESSIBLE_WMF3: "warning",
    sm.CREDENTIALS_NOT_VALID: "warning",
    sm.ACCESS_DENIED: "warning",
    sm.DATA_RETRIEVAL_FAILURES: "warning",
    sm.ONLINE: "ok",
    sm.PERFORMANCE_COUNTERS_NOT_STARTED: "ok",
    UNKNOWN: "unknown",
}
SEVERITY_ORDER = ("error", "warning", "ok", "unknown")
STATUS_ORDER = tuple(SEVERITY)

# Accepted spellings of each field, first match wins: report keys, then remoting_info's, then the inventory's.
ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("name", "inventory_hostname", "server"),
    "addresses": ("addresses", "address", "ansible_host"),
    "manageability": ("manageability", "winremote_manageability"),
    "reasons": ("reasons", "manageability_reasons", "winremote_manageability_reasons"),
    "os_version": ("os_version", "winremote_os_version"),
    "os_release": ("os_release", "winremote_os_release"),
    "wsman_stack": ("wsman_stack", "wsman_stack_version", "winremote_wsman_stack"),
    "last_update": ("last_update", "winremote_last_update"),
    "reachable": ("reachable", "winremote_reachable"),
}


class ReportError(Exception):
    """A server entry that cannot be reported; the message names it."""


@dataclasses.dataclass(frozen=True, order=True)
class Row:
    sort_key: str
    name: str
    addresses: tuple[str, ...]
    manageability: str
    reasons: tuple[str, ...]
    os: str
    os_version: str
    os_release: str
    wsman_stack: str
    last_update: str
    severity: str

    def to_dict(self) -> dict[str, t.Any]:
        data = dataclasses.asdict(self)
        del data["sort_key"]
        data["addresses"] = list(self.addresses)
        data["reasons"] = list(self.reasons)
        return data


@dataclasses.dataclass(frozen=True)
class Report:
    title: str
    rows: tuple[Row, ...]
    generated_at: str | None = None

    @property
    def counts(self) -> dict[str, int]:
        """Servers per status, in summary order (problems first)."""
        counts: dict[str, int] = {}
        for row in self.rows:
            counts[row.manageability] = counts.get(row.manageability, 0) + 1
        return {status: counts[status] for status in sorted(counts, key=status_rank)}


def status_rank(status: str) -> tuple[int, int, str]:
    """Where a status goes in the summary and when sorting the manageability column."""
    known = STATUS_ORDER.index(status) if status in STATUS_ORDER else len(STATUS_ORDER)
    return SEVERITY_ORDER.index(severity(status, None)), known, status


def severity(status: str, reachable: bool | None) -> str:
    """The colour class; "Not accessible" from a host that answered means missing prerequisites (amber)."""
    if status == sm.NOT_ACCESSIBLE and reachable:
        return "warning"
    if status in SEVERITY:
        return SEVERITY[status]
    # A status word this collection does not know yet: Server Manager's managed ones all start with "Online".
    return "warning" if status.startswith("Online") else "error"


def _pick(server: Mapping[str, t.Any], field: str) -> t.Any:
    for key in ALIASES[field]:
        value = server.get(key)
        if value is not None and value != "" and value != []:
            return value
    return None


def _text(value: t.Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return " ".join(str(value).split()) if isinstance(value, str) else str(value)


def _texts(value: t.Any) -> tuple[str, ...]:
    if value is None:
        return ()
    items = [value] if isinstance(value, str | int | float) else list(value)
    return tuple(text for text in (_text(item) for item in items) if text)


def _flag(value: t.Any, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "on", "1")
    return bool(value)


def _os(server: Mapping[str, t.Any]) -> tuple[str, str, str]:
    """(shown text, version, release) from remoting_info's ``os`` dict, or the inventory's os_version/os_release."""
    info = server.get("os")
    caption = ""
    version = _text(_pick(server, "os_version"))
    release = _text(_pick(server, "os_release"))
    if isinstance(info, Mapping):
        caption = _text(info.get("caption"))
        version = version or _text(info.get("version"))
        release = release or _text(info.get("release"))
    elif info is not None:
        caption = _text(info)
    shown = caption or (f"Windows Server {release}" if release else "")
    if version and version not in shown:
        shown = f"{shown} ({version})" if shown else version
    return shown, version, release


def row(server: t.Any, index: int = 0) -> Row:
    """The row of one server entry; ``index`` only names the entry in errors."""
    if not isinstance(server, Mapping):
        raise ReportError(f"servers[{index}] is a {type(server).__name__}, not a dict")
    name = _text(_pick(server, "name"))
    if not name:
        raise ReportError(f"servers[{index}] has no name (name or inventory_hostname)")
    addresses = tuple(dict.fromkeys(_texts(_pick(server, "addresses"))))
    status = _text(_pick(server, "manageability")) or UNKNOWN
    shown, version, release = _os(server)
    # remoting_info returns the OS only for a host it observed; the inventory knows it only from a probe.
    reachable = _flag(_pick(server, "reachable"), default=bool(version or release))
    return Row(
        sort_key=name.casefold(),
        name=name,
        addresses=addresses,
        manageability=status,
        reasons=_texts(_pick(server, "reasons")),
        os=shown,
        os_version=version,
        os_release=release,
        wsman_stack=_text(_pick(server, "wsman_stack")),
        last_update=_text(_pick(server, "last_update")),
        severity=severity(status, reachable),
    )


def build(servers: t.Sequence[t.Any], title: str, generated_at: str | None = None) -> Report:
    """The report of ``servers``, rows sorted by name (case-insensitively, like DNS names)."""
    return Report(
        title=_text(title),
        rows=tuple(sorted(row(s, i) for i, s in enumerate(servers))),
        generated_at=_text(generated_at) or None,
    )
