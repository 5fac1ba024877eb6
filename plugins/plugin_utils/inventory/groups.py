# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Host vars and group names for one probed host: Server Manager's status, the OS release and the WinRM stack."""

from __future__ import annotations

import re
import typing as t

from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import os_info

if t.TYPE_CHECKING:
    from ansible_collections.winremote.remoting.plugins.plugin_utils.inventory.probe import HostReport


def snake(text: str) -> str:
    """``Online - Access denied`` -> ``online_access_denied``; ``2012 R2`` -> ``2012_r2``; ``3.0`` -> ``3_0``."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


# operatingSystemVersion of a computer object, as Windows writes it: "10.0 (17763)", "6.3 (9600)"
# (https://learn.microsoft.com/windows/win32/adschema/a-operatingsystemversion).
_DIRECTORY_VERSION = re.compile(r"^\s*(\d+)\.(\d+)\s*\((\d+)\)\s*$")


def os_of(report: HostReport) -> tuple[str, str]:
    """The host's OS version and release: what the host said when it was observed, else what its computer object
    in Active Directory says (the anonymous Identify hides the OS), else blanks."""
    if report.os_version:
        return report.os_version, report.os_release
    details = dict(report.details)
    match = _DIRECTORY_VERSION.match(details.get("ad_operating_system_version", ""))
    if match is None:
        return "", ""
    major, minor, build = match.groups()
    server = "server" in details.get("ad_operating_system", "").lower()
    release = os_info.release_for(int(build), "server" if server else "workstation") or ""
    return f"{major}.{minor}.{build}", release


def host_vars(report: HostReport) -> dict[str, t.Any]:
    """What the inventory sets on the host; never a credential."""
    os_version, os_release = os_of(report)
    variables: dict[str, t.Any] = {
        "ansible_host": report.address,
        "ansible_connection": "psrp",
        "winremote_os_version": os_version,
        "winremote_os_release": os_release,
        "winremote_wsman_stack": report.stack,
        "winremote_wsman_vendor": report.vendor,
        "winremote_wsman_product_version": report.product_version,
        "winremote_reachable": report.reachable,
        "winremote_manageability": report.status,
        "winremote_manageability_reasons": list(report.reasons),
        "winremote_last_update": report.last_update,
    }
    if report.scheme:
        variables["ansible_port"] = report.port
        variables["ansible_psrp_protocol"] = report.scheme
    if report.server_groups:
        variables["winremote_server_groups"] = list(report.server_groups)
    for key, value in report.details:
        variables[f"winremote_{key}"] = value
    return variables


def group_names(report: HostReport) -> list[str]:
    """``manageability_<status>``, ``os_<release>`` and ``wsman_<stack>`` (the last two only when known), and
    ``server_group_<name>`` for each of the sources' server groups."""
    names = [f"manageability_{snake(report.status)}"]
    os_release = os_of(report)[1]
    if os_release:
        names.append(f"os_{snake(os_release)}")
    if report.stack:
        names.append(f"wsman_{snake(report.stack)}")
    names.extend(f"server_group_{snake(group)}" for group in report.server_groups if snake(group))
    return names
