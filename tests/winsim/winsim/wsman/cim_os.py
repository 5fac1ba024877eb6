# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Win32_OperatingSystem and Win32_QuickFixEngineering, read from the registry-backed state."""

from __future__ import annotations

from winsim.state import HostState
from winsim.wsman.cim import CimClass, Datetime, Instance

GIB = 1024**3
# ASSUMPTION: a host whose file system has no capacity knob has a 127 GiB system disk with 100 GiB free.
DEFAULT_SIZE = 127 * GIB
DEFAULT_FREE = 100 * GIB


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
            "LastBootUpTime": Datetime(state.boot_time),
        }
    ]


def logical_disks(state: HostState) -> list[Instance]:
    """Drive C: (the only one): Size and FreeSpace from the file system's capacity knob (uint64 as text)."""
    used = state.files.used()
    size = state.files.capacity if state.files.capacity is not None else DEFAULT_SIZE
    free = max(0, size - used) if state.files.capacity is not None else max(0, DEFAULT_FREE - used)
    return [
        {
            "Caption": "C:",
            "CreationClassName": "Win32_LogicalDisk",
            "Description": "Local Fixed Disk",
            "DeviceID": "C:",
            "DriveType": 3,
            "FileSystem": "NTFS",
            "FreeSpace": str(free),
            "MediaType": 12,
            "Name": "C:",
            "Size": str(size),
            "SystemName": state.hostname.upper(),
            "VolumeName": "",
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


LOGICAL_DISK = CimClass("Win32_LogicalDisk", ("root/cimv2",), ("DeviceID",), logical_disks)
OPERATING_SYSTEM = CimClass("Win32_OperatingSystem", ("root/cimv2",), ("Name",), operating_system)
QUICK_FIX_ENGINEERING = CimClass(
    "Win32_QuickFixEngineering", ("root/cimv2",), ("HotFixID", "ServicePackInEffect"), quick_fixes
)
