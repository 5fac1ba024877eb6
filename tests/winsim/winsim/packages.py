# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Servicing of a simulated host: the update packages it recognises (by file name), their prerequisites and effects.

Windows Management Framework packages (.msu) are staged by DISM or wusa and take effect at the next restart (the CBS
RebootPending key marks that: Microsoft Learn "Determine whether a computer needs a restart", and the WMF release
notes' "a restart is required"); .NET Framework setup takes effect at once (Microsoft Learn ".NET Framework deployment
guide for developers", return codes 0 / 1602 / 1603 / 1641 / 3010 / 5100). File content is not inspected.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from winsim.state import (
    CBS_PACKAGES,
    CBS_REBOOT_PENDING,
    NDP_V4_FULL,
    PS3_ENGINE,
    REBOOT_REQUIRED,
    SESSION_MANAGER,
    HostState,
)

NOT_APPLICABLE_DISM = -2146498530  # 0x800F081E CBS_E_NOT_APPLICABLE
NOT_APPLICABLE_WUSA = -2145124329  # 0x80240017 WU_E_NOT_APPLICABLE
ALREADY_INSTALLED_WUSA = 2359302  # 0x00240006 WU_S_ALREADY_INSTALLED
NOT_INSTALLED_WUSA = 2359303  # 0x00240007 WU_S_ALREADY_UNINSTALLED: the update to remove is not installed
FATAL_INSTALL = -2147023293  # 0x80070643 ERROR_INSTALL_FAILURE
REBOOT_REQUIRED_RC = 3010  # ERROR_SUCCESS_REBOOT_REQUIRED
REBOOT_INITIATED_RC = 1641
SYSTEM_REQUIREMENTS = 5100  # .NET setup: the computer does not meet system requirements


@dataclass(frozen=True)
class Package:
    name: str  # catalogue name (wmf-5.1, dotnet-4.5.2, kb2682011)
    os: tuple[str, ...]  # major.minor versions it applies to
    kb: str
    file: str
    kind: str  # "msu" | "exe"
    cabs: tuple[str, ...] = ()


def _msu(name: str, os: str, kb: str, file: str, *cabs: str) -> Package:
    return Package(name, (os,), kb, file, "msu", cabs or (file.rsplit(".", 1)[0] + ".cab",))


CATALOGUE: tuple[Package, ...] = (
    Package("dotnet-4.0", ("6.0", "6.1"), "", "dotNetFx40_Full_x86_x64.exe", "exe"),
    Package("dotnet-4.5", ("6.0", "6.1"), "", "dotNetFx45_Full_x86_x64.exe", "exe"),
    Package("dotnet-4.5.2", ("6.0", "6.1", "6.2", "6.3"), "KB2901907", "NDP452-KB2901907-x86-x64-AllOS-ENU.exe", "exe"),
    Package("dotnet-4.6", ("6.0", "6.1", "6.2", "6.3"), "KB3045557", "NDP46-KB3045557-x86-x64-AllOS-ENU.exe", "exe"),
    Package("dotnet-4.8", ("6.1", "6.2", "6.3"), "", "ndp48-x86-x64-allos-enu.exe", "exe"),
    _msu("wmf-3.0", "6.0", "KB2506146", "Windows6.0-KB2506146-x64.msu"),
    _msu("wmf-3.0", "6.1", "KB2506143", "Windows6.1-KB2506143-x64.msu"),
    _msu(
        "wmf-4.0",
        "6.1",
        "KB2819745",
        "Windows6.1-KB2819745-x64-MultiPkg.msu",
        "Windows6.1-KB2809215-x64.cab",
        "Windows6.1-KB2872035-x64.cab",
        "Windows6.1-KB2819745-x64.cab",
    ),
    _msu("wmf-4.0", "6.2", "KB2799888", "Windows8-RT-KB2799888-x64.msu"),
    _msu("wmf-5.0", "6.1", "KB3134760", "Win7AndW2K8R2-KB3134760-x64.msu"),
    _msu("wmf-5.0", "6.2", "KB3134759", "W2K12-KB3134759-x64.msu"),
    _msu("wmf-5.0", "6.3", "KB3134758", "Win8.1AndW2K12R2-KB3134758-x64.msu"),
    _msu("wmf-5.1", "6.1", "KB3191566", "Win7AndW2K8R2-KB3191566-x64.msu"),
    _msu("wmf-5.1", "6.2", "KB3191565", "W2K12-KB3191565-x64.msu"),
    _msu("wmf-5.1", "6.3", "KB3191564", "Win8.1AndW2K12R2-KB3191564-x64.msu"),
    _msu("kb2682011", "6.0", "KB2682011", "Windows6.0-KB2682011-x64.msu"),
    _msu("kb2682011", "6.1", "KB2682011", "Windows6.1-KB2682011-x64.msu"),
)

WMF_VERSIONS = {"wmf-3.0": "3.0", "wmf-4.0": "4.0", "wmf-5.0": "5.0.10586.117", "wmf-5.1": "5.1.14409.1005"}
# NDP\v4\Full Release per version (Microsoft Learn "How to: Determine which .NET Framework versions are installed");
# 4.0 writes Install=1 without Release.
DOTNET_RELEASES = {
    "dotnet-4.0": None,
    "dotnet-4.5": 378389,
    "dotnet-4.5.2": 379893,
    "dotnet-4.6": 393297,
    "dotnet-4.8": 528040,
}
REMOVAL_PREFIX = "uninstall:"


def os_key(state: HostState) -> str:
    return ".".join(state.os_version.split(".")[:2])


def by_file(file: str) -> Package | None:
    base = file.replace("/", "\\").rsplit("\\", 1)[-1].lower()
    return next((p for p in CATALOGUE if p.file.lower() == base), None)


def by_cab(cab: str) -> Package | None:
    base = cab.replace("/", "\\").rsplit("\\", 1)[-1].lower()
    return next((p for p in CATALOGUE if base in (c.lower() for c in p.cabs)), None)


def cab_kb(cab: str) -> str:
    """The KB a cab carries (`Windows6.1-KB2809215-x64.cab` -> KB2809215)."""
    for part in cab.replace(".", "-").split("-"):
        if part.upper().startswith("KB") and part[2:].isdigit():
            return part.upper()
    return ""


def identity(state: HostState, kb: str) -> str:
    """The CBS package identity DISM lists."""
    return f"Package_for_{kb.upper()}~31bf3856ad364e35~amd64~~{os_key(state)}.1.0"


def is_present(state: HostState, package: Package) -> bool:
    """Installed, or staged for the next restart."""
    return package.file.lower() in (f.lower() for f in state.packages_installed + state.packages_pending)


def _dotnet_release(state: HostState) -> int:
    """0 without .NET 4; 1 for 4.0 (Install=1, no Release)."""
    if state.dotnet_release is not None:
        return state.dotnet_release
    return 1 if state.registry.get_data(NDP_V4_FULL, "Install") == 1 else 0


def _wmf_installed(state: HostState, name: str) -> bool:
    return any(p.name == name and p.file in state.packages_installed for p in CATALOGUE) or (
        state.powershell_version or ""
    ).startswith(WMF_VERSIONS[name][:3])


def prerequisites_missing(state: HostState, package: Package) -> bool:
    """The WMF release notes' prerequisites (WMF 3.0: .NET 4.0; 4.0: .NET 4.5; 5.0 on 2008 R2: WMF 4.0 and .NET 4.5;
    5.1 on 2008 R2: .NET 4.5.2). ASSUMPTION (UNVERIFIED): a missing one fails the install with 0x80070643."""
    release = _dotnet_release(state)
    wmf51 = 379893 if os_key(state) == "6.1" else 378389
    needs = {"wmf-3.0": 1, "wmf-4.0": 378389, "wmf-5.0": 378389, "wmf-5.1": wmf51}
    if package.name in needs and release < needs[package.name]:
        return True
    return package.name == "wmf-5.0" and os_key(state) == "6.1" and not _wmf_installed(state, "wmf-4.0")


def stage(state: HostState, package: Package) -> None:
    """An msu is staged: its effects wait for the restart."""
    state.packages_pending.append(package.file)
    state.set_pending_reboot(True)


def install_msu(state: HostState, package: Package, not_applicable: int, already: int) -> int:
    """Shared by DISM and wusa: the exit code of adding one msu package."""
    forced = forced_code(state, package.file)
    if forced is not None:
        return forced
    if os_key(state) not in package.os:
        return not_applicable
    if is_present(state, package):
        return already
    if prerequisites_missing(state, package):
        return FATAL_INSTALL
    stage(state, package)
    return REBOOT_REQUIRED_RC


def forced_code(state: HostState, file: str) -> int | None:
    base = file.replace("/", "\\").rsplit("\\", 1)[-1].lower()
    return next((code for name, code in state.install_exit_codes.items() if name.lower() == base), None)


def uninstall_kb(state: HostState, kb: str) -> int:
    """`wusa /uninstall /kb:N`: staged like an install (the component is removed at the restart)."""
    kb = kb.upper() if kb.upper().startswith("KB") else "KB" + kb
    package = next((p for p in CATALOGUE if p.kind == "msu" and p.kb == kb and os_key(state) in p.os), None)
    installed = kb in state.hotfixes or (package is not None and package.file in state.packages_installed)
    if not installed or REMOVAL_PREFIX + kb in state.packages_pending:
        return NOT_INSTALLED_WUSA
    state.packages_pending.append(REMOVAL_PREFIX + kb)
    state.set_pending_reboot(True)
    return REBOOT_REQUIRED_RC


def install_exe(state: HostState, package: Package) -> int:
    """.NET Framework setup `/q /norestart`: effects at once. 3010 / 1641 (forced by a test) install too and leave a
    pending file rename. ASSUMPTION (UNVERIFIED): the same or a higher version already present is a success (0)
    with nothing changed; a release not supported on this OS exits 5100."""
    forced = forced_code(state, package.file)
    if forced is not None and forced not in (REBOOT_REQUIRED_RC, REBOOT_INITIATED_RC):
        return forced
    if os_key(state) not in package.os:
        return SYSTEM_REQUIREMENTS
    release = DOTNET_RELEASES[package.name]
    if _dotnet_release(state) >= (release or 1):
        return forced or 0
    state.registry.set_value(NDP_V4_FULL, "Install", "REG_DWORD", 1)
    if release is not None:
        state.registry.set_value(NDP_V4_FULL, "Release", "REG_DWORD", release)
    if package.kb:
        state.add_hotfix(package.kb, dt.date.today())
    state.packages_installed.append(package.file)
    if forced:
        # ASSUMPTION (UNVERIFIED): setup that needs a restart leaves files to replace at boot.
        target = rf"\??\C:\Windows\Microsoft.NET\Framework64\v4.0.30319\{package.name}.tmp"
        state.registry.set_value(SESSION_MANAGER, "PendingFileRenameOperations", "REG_MULTI_SZ", [target, ""])
    return forced or 0


def _set_wmf(state: HostState, version: str | None) -> None:
    engine_root = PS3_ENGINE.rsplit("\\", 1)[0]
    if version is None:
        if state.registry.key_exists(engine_root):
            state.registry.delete_key(engine_root)
        state.wsman_stack = "2.0"
    else:
        state.registry.set_value(PS3_ENGINE, "PowerShellVersion", "REG_SZ", version)
        state.registry.set_value(engine_root, "Install", "REG_DWORD", 1)
        state.wsman_stack = "3.0"
    for configuration in state.session_configurations.values():
        configuration.ps_version = "2.0" if version is None else "3.0"


def _apply(state: HostState, item: str) -> None:
    if item.startswith(REMOVAL_PREFIX):
        kb = item[len(REMOVAL_PREFIX) :]
        for name in list(state.registry.subkeys(CBS_PACKAGES)):
            if name.upper().startswith(f"PACKAGE_FOR_{kb}~"):
                state.registry.delete_key(rf"{CBS_PACKAGES}\{name}")
        removed = next((p for p in CATALOGUE if p.kb == kb and p.file in state.packages_installed), None)
        if removed is not None:
            state.packages_installed.remove(removed.file)
            if removed.name == "wmf-3.0":
                _set_wmf(state, None)
        return
    package = by_file(item)
    if package is None:
        return
    if package.name == "wmf-5.1" and os_key(state) == "6.1" and (state.powershell_version or "").startswith("3."):
        state.psmodulepath_lost = True  # the WMF 5.1 release notes: install over WMF 3.0 loses PSModulePath
    if package.name in WMF_VERSIONS:
        _set_wmf(state, WMF_VERSIONS[package.name])
    for cab in package.cabs:
        if cab_kb(cab):
            state.add_hotfix(cab_kb(cab), dt.date.today())
    state.add_hotfix(package.kb, dt.date.today())
    state.packages_installed.append(package.file)


def restart(state: HostState, now: dt.datetime | None = None) -> None:
    """What a restart does to servicing and the boot record: staged packages applied, the pending-restart markers
    (CBS RebootPending, WindowsUpdate RebootRequired, PendingFileRenameOperations) cleared, a new boot time."""
    for item in list(state.packages_pending):
        _apply(state, item)
    state.packages_pending.clear()
    if state.registry.key_exists(CBS_REBOOT_PENDING):
        state.registry.delete_key(CBS_REBOOT_PENDING)
    if state.registry.key_exists(REBOOT_REQUIRED):
        state.registry.delete_key(REBOOT_REQUIRED)
    if state.registry.get_value(SESSION_MANAGER, "PendingFileRenameOperations") is not None:
        state.registry.delete_value(SESSION_MANAGER, "PendingFileRenameOperations")
    moment = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    text = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    if text <= state.boot_time:
        previous = dt.datetime.strptime(state.boot_time, "%Y-%m-%dT%H:%M:%SZ")
        text = (previous + dt.timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    state.boot_time = text
    state.boot_count += 1
    for name in state.service_status:  # automatic services start at boot, the others stay stopped
        state.service_status[name] = "Running" if state.service_start_mode(name)[0] == "Auto" else "Stopped"
    state.runtime.shells.clear()
    state.runtime.enumerations.clear()
    state.runtime.powershell_shells.clear()
