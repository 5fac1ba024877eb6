# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Change settings of the winrm/config tree (Put of a config section, `winrm set winrm/config/...`)."""

from __future__ import annotations

from winsim import rules
from winsim.ops.errors import GpoControlled, InvalidValue, ReadOnlySetting, UnknownSetting
from winsim.state import ConfigTree, HostState

# ASSUMPTION: these 3.0 settings are read-only (WinRM 3.0 shows them as fixed); Put of them faults.
READ_ONLY = {("MaxProviderRequests",), ("Service", "MaxConcurrentOperations"), ("Winrs", "MaxShellRunTime")}
BOOLEAN_NAMES = {
    "AllowUnencrypted",
    "Basic",
    "Digest",
    "Kerberos",
    "Negotiate",
    "Certificate",
    "CredSSP",
    "EnableCompatibilityHttpListener",
    "EnableCompatibilityHttpsListener",
    "AllowRemoteAccess",
    "AllowRemoteShellAccess",
}


def service_value(state: HostState, path: str) -> tuple[str, bool]:
    """(effective text, set by Group Policy) of a winrm/config/service element. With "Allow remote server
    management through WinRM" (AllowAutoConfig) in force, AllowRemoteAccess is set by that policy like the filters:
    a published `winrm get winrm/config` of such a host shows `AllowRemoteAccess = true [Source="GPO"]` next to
    `IPv4Filter = * [Source="GPO"]` (the post "Windows Remote Management", PowerShell category). The service
    reads the policy when it starts (rules.service_policy), so this follows the same snapshot as the filters."""
    if path == "AllowRemoteAccess" and rules.service_policy(state).get("AllowAutoConfig") == 1:
        return "true", True
    return rules.service_element(state, path)


def set_winrm_config(state: HostState, changes: list[tuple[tuple[str, ...], str]]) -> None:
    """Set each (path from the config root, text) leaf; every change is checked first, so a bad one changes
    nothing. Booleans are stored in lower case."""
    for full, value in changes:
        node: ConfigTree | str = state.winrm
        for part in full:
            if not isinstance(node, dict) or part not in node:
                raise UnknownSetting(f"The setting {'/'.join(full)} is not valid for this resource.")
            node = node[part]
        if isinstance(node, dict):
            raise UnknownSetting(f"The setting {'/'.join(full)} is not valid for this resource.")
        if full in READ_ONLY and state.wsman_stack == "3.0":
            raise ReadOnlySetting(f"The setting {full[-1]} is read-only.")
        if full[-1] in BOOLEAN_NAMES and value.lower() not in ("true", "false"):
            raise InvalidValue(f"The value {value} is not valid for {full[-1]}.")
        if full[0] == "Service" and service_value(state, "/".join(full[1:]))[1]:
            raise GpoControlled(full[-1])
    for full, value in changes:
        state.winrm_section(*full[:-1])[full[-1]] = value.lower() if full[-1] in BOOLEAN_NAMES else value
