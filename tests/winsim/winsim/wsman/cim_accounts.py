# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Win32_UserAccount and Win32_Group: the host's accounts and local groups with their SIDs (winsim.security).

Keys Domain and Name, as Microsoft Learn documents both classes ("Win32_UserAccount class", "Win32_Group class");
the properties served are the ones those pages list that the simulator knows. Domain is the host name for local
accounts and groups, "BUILTIN" for the built-in groups (as Win32_Group reports them), the NetBIOS domain name for
domain accounts. SIDType: 1 user, 4 alias (a local group), from SID_NAME_USE.
"""

from __future__ import annotations

from winsim import security
from winsim.state import HostState
from winsim.wsman.cim import CimClass, Instance


def users(state: HostState) -> list[Instance]:
    found: list[Instance] = []
    for account in state.accounts:
        domain = account.domain or state.hostname.upper()
        found.append(
            {
                "AccountType": 512,
                "Caption": f"{domain}\\{account.name}",
                "Description": "Built-in account for administering the computer/domain"
                if account.is_builtin_admin
                else "",
                "Disabled": False,
                "Domain": domain,
                "FullName": "",
                "LocalAccount": not account.domain,
                "Lockout": False,
                "Name": account.name,
                "PasswordRequired": True,
                "SID": security.account_sid(state, account),
                "SIDType": 1,
                "Status": "OK",
            }
        )
    return found


def groups(state: HostState) -> list[Instance]:
    names = [g for g in security.BUILTIN_GROUPS if security.has_group(state, g)] + sorted(state.local_groups)
    found: list[Instance] = []
    for name in dict.fromkeys(names):
        builtin = name in security.BUILTIN_GROUPS
        domain = "BUILTIN" if builtin else state.hostname.upper()
        found.append(
            {
                "Caption": f"{domain}\\{name}",
                "Description": "",
                "Domain": domain,
                "LocalAccount": True,
                "Name": name,
                "SID": security.group_sid(state, name),
                "SIDType": 4,
                "Status": "OK",
            }
        )
    return found


WIN32_USER_ACCOUNT = CimClass("Win32_UserAccount", ("root/cimv2",), ("Domain", "Name"), users)
WIN32_GROUP = CimClass("Win32_Group", ("root/cimv2",), ("Domain", "Name"), groups)
