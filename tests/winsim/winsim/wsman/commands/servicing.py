# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Servicing tools: `expand -F:* <msu> <dir>`, `dism /online /add-package|/get-packages`, `wusa`, and package setup
programs started by file name (.NET Framework), over the package model of winsim.packages.

Sources: Microsoft Learn "expand" (https://learn.microsoft.com/windows-server/administration/windows-commands/expand),
"DISM Operating System Package (.cab or .msu) Servicing Command-Line Options"
(https://learn.microsoft.com/windows-hardware/manufacture/desktop/dism-operating-system-package-servicing-command-line-options),
"Description of the Windows Update Standalone Installer" (https://support.microsoft.com/help/934307): wusa over WinRM
fails with 0x5 (https://support.microsoft.com/help/2773898), and ".NET Framework deployment guide for developers"
(https://learn.microsoft.com/dotnet/framework/deployment/deployment-guide-for-developers) for setup's return codes.
"""

from __future__ import annotations

import ntpath

from winsim import packages
from winsim.files import FileSystemError
from winsim.wsman.commands import DISK_FULL, CommandResult, Invocation, not_recognized

DISM_BANNER = (
    "\r\nDeployment Image Servicing and Management tool\r\nVersion: {version}\r\n\r\nImage Version: {image}\r\n\r\n"
)
DISM_LOG = "The DISM log file can be found at C:\\Windows\\Logs\\DISM\\dism.log\r\n"
EXPAND_BANNER = (
    "Microsoft (R) File Expansion Utility  Version {version}\r\n"
    "Copyright (c) Microsoft Corporation. All rights reserved.\r\n\r\n"
)
NOT_APPLICABLE = "Error: 0x800f081e\r\n\r\nThe specified package is not applicable to this image.\r\n\r\n" + DISM_LOG


def _error(code: int | str, text: str) -> str:
    return f"Error: {code}\r\n\r\n{text}\r\n\r\n{DISM_LOG}"


def _version(inv: Invocation) -> str:
    return inv.state.os_version + ".16385"


def expand(inv: Invocation) -> CommandResult:
    """`expand -F:* <msu> <dir>`: the msu's cab(s) (as the catalogue lists them) plus WSUSSCAN.cab. ASSUMPTION
    (UNVERIFIED): a missing source prints "Can't open input file: <file>." and an unknown (non-msu) file is refused
    as not a cabinet, both with exit code 1; a missing destination directory is "Can't open output file"."""
    state = inv.state
    args = [a for a in inv.args if not a.lower().startswith(("-f:", "/f:", "-r", "/r", "-d", "/d"))]
    out = EXPAND_BANNER.format(version=_version(inv))
    if len(args) != 2:
        return CommandResult(stdout=out, stderr="The syntax of the command is incorrect.\r\n", rc=1)
    source, target = args
    if not state.files.is_file(source):
        return CommandResult(stdout=out + f"Can't open input file: {source}.\r\n", rc=1)
    package = packages.by_file(source)
    if package is None or package.kind != "msu":
        return CommandResult(stdout=out + f"{source}: The file is not a cabinet.\r\n", rc=1)
    if not state.files.is_dir(target):
        return CommandResult(stdout=out + f"Can't open output file: {target}.\r\n", rc=1)
    names = [*package.cabs, "WSUSSCAN.cab"]
    for name in names:
        path = ntpath.join(target, name)
        out += f"Adding {path} to Extraction Queue\r\n"
    out += "\r\nExpanding Files ....\r\n"
    for name in names:
        try:
            state.files.write(ntpath.join(target, name), b"MSCF\0\0\0\0" + name.encode("ascii"))
        except FileSystemError as exc:
            text = DISK_FULL if exc.kind == "disk_full" else f"Can't open output file: {ntpath.join(target, name)}.\r\n"
            return CommandResult(stdout=out + text, rc=1)
    return CommandResult(stdout=out + f"\r\nExpanding Files Complete ...\r\n{len(names)} files total.\r\n")


def _option(arg: str) -> tuple[str, str]:
    """`/PackagePath:"C:\\x.cab"` -> ("packagepath", "C:\\x.cab"); options are case-insensitive."""
    name, _sep, value = arg.lstrip("/").partition(":")
    return name.lower(), value.strip('"')


def dism(inv: Invocation) -> CommandResult:
    state = inv.state
    if packages.os_key(state) == "6.0":  # DISM appeared with Windows 7 / Server 2008 R2
        return not_recognized("dism")
    options = [_option(a) for a in inv.args]
    names = {name for name, _value in options}
    banner = DISM_BANNER.format(version=_version(inv), image=state.os_version + ".17514")
    if "online" not in names:
        return CommandResult(stdout=banner + _error(87, "The /online option is required here."), rc=87)
    if "get-packages" in names:
        return CommandResult(stdout=banner + _package_listing(inv))
    if "add-package" not in names:
        return CommandResult(stdout=banner + _error(87, "The option is unknown."), rc=87)
    cabs = [value for name, value in options if name == "packagepath"]
    if not cabs:
        return CommandResult(stdout=banner + _error(87, "The /PackagePath option is missing."), rc=87)
    return _add(inv, banner, cabs)


def _add(inv: Invocation, banner: str, cabs: list[str]) -> CommandResult:
    state = inv.state
    out = banner
    rc = 0
    for index, cab in enumerate(cabs, 1):
        if not state.files.is_file(cab):
            return CommandResult(
                stdout=out + f"An error occurred trying to open - {cab} Error: 0x80070002\r\nError: 2\r\n\r\n"
                "The system cannot find the file specified.\r\n\r\n" + DISM_LOG,
                rc=2,
            )
        package = packages.by_cab(cab)
        kb = packages.cab_kb(cab)
        out += f"Processing {index} of {len(cabs)} - Adding package {packages.identity(state, kb or 'KB0')}\r\n"
        if package is None or packages.os_key(state) not in package.os:
            return CommandResult(
                stdout=out + NOT_APPLICABLE,
                rc=packages.NOT_APPLICABLE_DISM,
            )
        main = packages.cab_kb(package.cabs[-1]) == kb
        if not main:  # a part of a multi-package update: it applies with the cab of the update's own KB
            out += "[==========================100.0%==========================]\r\n"
            continue
        code = packages.install_msu(state, package, packages.NOT_APPLICABLE_DISM, 0)
        if code == packages.NOT_APPLICABLE_DISM:
            return CommandResult(
                stdout=out + NOT_APPLICABLE,
                rc=code,
            )
        if code not in (0, packages.REBOOT_REQUIRED_RC):
            return CommandResult(
                stdout=out + _error(f"0x{code & 0xFFFFFFFF:08x}", "An error occurred while processing the package."),
                rc=code,
            )
        out += "[==========================100.0%==========================]\r\n"
        rc = max(rc, code)
    out += "The operation completed successfully.\r\n"
    if rc == packages.REBOOT_REQUIRED_RC:
        out += "Restart Windows to complete this operation.\r\nDo you want to restart the computer now? (Y/N) \r\n"
    return CommandResult(stdout=out, rc=rc)


def _package_listing(inv: Invocation) -> str:
    state = inv.state
    lines = "Packages listing:\r\n\r\n"
    pending = {packages.cab_kb(c) for f in state.packages_pending if (p := packages.by_file(f)) for c in p.cabs}
    rows = [(kb, "Installed") for kb in state.hotfixes if kb not in pending]
    for kb, status in rows + [(kb, "Install Pending") for kb in sorted(pending)]:
        lines += f"Package Identity : {packages.identity(state, kb)}\r\nState : {status}\r\n"
        lines += "Release Type : Update\r\n\r\n"
    return lines + "The operation completed successfully.\r\n"


def wusa(inv: Invocation) -> CommandResult:
    """`wusa <msu> /quiet /norestart`, `wusa /uninstall /kb:N /quiet /norestart`. Quiet wusa prints nothing.
    From a WinRS shell (a network logon) it exits 5 and installs nothing (KB2773898); in a SYSTEM task it works."""
    state = inv.state
    if inv.ctx is not None:
        return CommandResult(rc=5)
    flags = [a.lower() for a in inv.args if a.startswith("/")]
    kb = next((f.split(":", 1)[1] for f in flags if f.startswith("/kb:")), None)
    if "/uninstall" in flags:
        return CommandResult(rc=packages.uninstall_kb(state, kb) if kb else 87)
    files = [a for a in inv.args if not a.startswith("/")]
    if len(files) != 1:
        return CommandResult(rc=87)
    if not state.files.is_file(files[0]):
        return CommandResult(rc=2)  # ASSUMPTION (UNVERIFIED): ERROR_FILE_NOT_FOUND
    package = packages.by_file(files[0])
    if package is None or package.kind != "msu":
        return CommandResult(rc=packages.forced_code(state, files[0]) or packages.NOT_APPLICABLE_WUSA)
    code = packages.install_msu(state, package, packages.NOT_APPLICABLE_WUSA, packages.ALREADY_INSTALLED_WUSA)
    return CommandResult(rc=code)


def setup(inv: Invocation, path: str) -> CommandResult:
    """A package's own setup program (`"<dir>\\NDP46-...exe" /q /norestart`); quiet setup prints nothing.
    ASSUMPTION (UNVERIFIED): an executable the catalogue does not know runs and exits 0 without effect."""
    package = packages.by_file(path)
    if package is None or package.kind != "exe":
        return CommandResult(rc=packages.forced_code(inv.state, path) or 0)
    return CommandResult(rc=packages.install_exe(inv.state, package))
