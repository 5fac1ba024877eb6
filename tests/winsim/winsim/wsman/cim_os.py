# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Win32_OperatingSystem and Win32_QuickFixEngineering, read from the registry-backed state."""

from __future__ import annotations

from winsim.state import HostState
from winsim.wsman.cim import CimClass, Instance


def operating_system(state: HostState) -> list[Instance]:
    return [
        {
            "BuildNumber": state.build,
            "Caption": state.os_caption,
            "CreationClassName": "Win32_OperatingSystem",
            "CSCreationClassName": "Win32_ComputerSystem",
            "CSDVersion": f"Service Pack {state.service_pack}" if state.service_pack else None,
            "CSName": state.hostname.upper(),
            "Name": f"{state.os_caption}|C:\\Windows|\\Device\\Harddisk0\\Partition2",
            "OSArchitecture": state.architecture,
            "OSType": 18,
            "ProductType": state.product_type,
            "ServicePackMajorVersion": state.service_pack,
            "ServicePackMinorVersion": 0,
            "SystemDirectory": "C:\\Windows\\system32",
            "Version": state.os_version,
            "WindowsDirectory": "C:\\Windows",
            "OSLanguage": 1033,
        }
    ]


def quick_fixes(state: HostState) -> list[Instance]:
    result = []
    for kb in state.hotfixes:
        installed = state.hotfix_installed_on(kb)
        result.append(
            {
                "Caption": f"http://support.microsoft.com/?kbid={kb[2:]}",
                "CSName": state.hostname.upper(),
                "Description": "Update",
                "FixComments": "",
                "HotFixID": kb,
                "InstallDate": None,
                "InstalledBy": "NT AUTHORITY\\SYSTEM",
                "InstalledOn": f"{installed.month}/{installed.day}/{installed.year}" if installed else None,
                "Name": None,
                "ServicePackInEffect": "",
                "Status": None,
            }
        )
    return result


OPERATING_SYSTEM = CimClass("Win32_OperatingSystem", ("root/cimv2",), ("Name",), operating_system)
QUICK_FIX_ENGINEERING = CimClass(
    "Win32_QuickFixEngineering", ("root/cimv2",), ("HotFixID", "ServicePackInEffect"), quick_fixes
)
