# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""`icacls` (show, /inheritance, /grant[:r], /save), `rd` / `rmdir` and `dir /b`, over the model's owners and DACLs.

Output as en-US icacls prints it: the path, then one ``NAME:(flags)(rights)`` per entry aligned under the first,
a blank line and ``Successfully processed 1 files; Failed processing 0 files`` (e.g. the ``icacls
C:\\WINDOWS\\system32\\mmc.exe`` transcript at http://support.moonpoint.com/os/windows/commands/icacls.php, and
``icacls c:\\windows\\temp`` in https://github.com/advisories/GHSA-rf39-3f98-xr7r); a change prints
``processed file: <path>`` first (Microsoft Learn "icacls" examples). Names are the en-US ones: real output is
localised, which is why the collection reads ACLs back with ``/save`` (SDDL, by SID) instead.

ASSUMPTION (UNVERIFIED): the ``/save`` file is UTF-16LE without a byte-order mark, a line with the entry's name and
a line with its DACL in SDDL (``D:PAI(A;OICI;FA;;;SY)...``; Microsoft Learn "icacls": "/save stores the DACLs ...
SACLs, owner, or integrity labels are not saved"); exit code 2 for a missing file, 5 for access denied.
"""

from __future__ import annotations

import ntpath
import re

from winsim import files
from winsim.files import FileSystemError, normalize
from winsim.wsman.commands import CommandResult, Invocation

NAMES = {
    files.SYSTEM_SID: "NT AUTHORITY\\SYSTEM",
    files.ADMINISTRATORS_SID: "BUILTIN\\Administrators",
    files.USERS_SID: "BUILTIN\\Users",
    files.CREATOR_OWNER_SID: "CREATOR OWNER",
    "S-1-1-0": "Everyone",
    "S-1-5-11": "NT AUTHORITY\\Authenticated Users",
}
ALIASES = {
    files.SYSTEM_SID: "SY",
    files.ADMINISTRATORS_SID: "BA",
    files.USERS_SID: "BU",
    files.CREATOR_OWNER_SID: "CO",
    "S-1-1-0": "WD",
    "S-1-5-11": "AU",
}
SIMPLE = {"F": files.FULL, "M": 0x1301BF, "RX": files.READ_EXECUTE, "R": 0x120089, "W": 0x100116}
SPECIFIC = {"S": 0x100000, "RD": 0x1, "WD": 0x2, "AD": 0x4, "X": 0x20, "DC": 0x40, "RA": 0x80, "WA": 0x100}
DISPLAY_FLAGS = {"ID": "(I)", "OI": "(OI)", "CI": "(CI)", "IO": "(IO)", "NP": "(NP)"}
SUMMARY = "Successfully processed {ok} files; Failed processing {failed} files\r\n"


def _rights(mask: int) -> str:
    for name, value in SIMPLE.items():
        if mask == value:
            return f"({name})"
    parts = [name for name, value in SPECIFIC.items() if mask & value]
    return "(" + ",".join(parts) + ")"


def show(path: str, acl: files.Acl) -> str:
    lines = []
    for index, entry in enumerate(acl["aces"]):
        name = NAMES.get(entry["sid"], entry["sid"])
        flags = "".join(DISPLAY_FLAGS[f] for f in files.INHERIT_FLAGS if f in entry["flags"])
        lead = path if index == 0 else " " * len(path)
        lines.append(f"{lead} {name}:{flags}{_rights(int(entry['mask']))}")
    return "\r\n".join(lines) + "\r\n"


def sddl(acl: files.Acl) -> str:
    """The DACL in SDDL, as /save writes it (``P`` protected, ``AI`` auto-inherited)."""
    aces = []
    for entry in acl["aces"]:
        mask = int(entry["mask"])
        rights = "FA" if mask == files.FULL else f"0x{mask:x}"
        flags = "".join(f for f in ("OI", "CI", "IO", "NP", "ID") if f in entry["flags"])
        aces.append(f"(A;{flags};{rights};;;{ALIASES.get(entry['sid'], entry['sid'])})")
    return "D:" + ("P" if acl["protected"] else "") + "AI" + "".join(aces)


def _sid(text: str) -> str | None:
    """``*S-1-5-18`` or an en-US account name."""
    if text.startswith("*"):
        return text[1:].upper() if re.fullmatch(r"\*S-1(-\d+)+", text, re.IGNORECASE) else None
    by_name = {name.lower(): sid for sid, name in NAMES.items()}
    by_name.update({name.rsplit("\\", maxsplit=1)[-1].lower(): sid for sid, name in NAMES.items()})
    return by_name.get(text.lower())


def _grant(text: str) -> files.Ace | None:
    """``SID:(OI)(CI)F`` -> an explicit entry; None when it does not parse."""
    who, sep, perm = text.rpartition(":")
    sid = _sid(who) if sep else None
    flags = re.findall(r"\((OI|CI|IO|NP)\)", perm.upper())
    right = re.sub(r"\((OI|CI|IO|NP)\)", "", perm.upper())
    if sid is None or right not in SIMPLE:
        return None
    return files.ace(sid, SIMPLE[right], *flags)


def _may_change_dacl(acl: files.Acl) -> bool:
    """The caller (an administrator or SYSTEM) owns the entry or is granted full control on it."""
    caller = (files.ADMINISTRATORS_SID, files.SYSTEM_SID)
    if acl["owner"] in caller:
        return True
    return any(e["sid"] in caller and int(e["mask"]) == files.FULL and "IO" not in e["flags"] for e in acl["aces"])


def _failed(path: str, text: str, rc: int) -> CommandResult:
    return CommandResult(stdout=SUMMARY.format(ok=0, failed=1), stderr=f"{path}: {text}\r\n", rc=rc)


def run(inv: Invocation) -> CommandResult:
    args = list(inv.args)
    if not args or args[0].startswith("/"):
        return CommandResult(stderr="Invalid parameter\r\n", rc=87)
    path, options = args[0], args[1:]
    fs = inv.state.files
    if not fs.exists(path):
        return _failed(path, "The system cannot find the file specified.", 2)
    acl = fs.acl(path)
    if not options:
        return CommandResult(stdout=show(path, acl) + "\r\n" + SUMMARY.format(ok=1, failed=0))
    lowered = [o.lower() for o in options]
    if lowered[0] == "/save" and len(options) == 2:
        text = f"{ntpath.basename(normalize(path))}\r\n{sddl(acl)}\r\n"
        try:
            fs.write(options[1], text.encode("utf-16-le"))
        except FileSystemError:
            return _failed(options[1], "The system cannot find the path specified.", 3)
        return CommandResult(stdout=f"processed file: {path}\r\n" + SUMMARY.format(ok=1, failed=0))
    if not _may_change_dacl(acl):
        return _failed(path, "Access is denied.", 5)
    i = 0
    while i < len(options):
        option = lowered[i]
        if option.startswith("/inheritance:") and option[-1] in "edr":
            mode = option[-1]
            if mode == "r":
                acl["aces"] = [e for e in acl["aces"] if "ID" not in e["flags"]]
            elif mode == "d":
                acl["aces"] = [files.ace(e["sid"], e["mask"], *set(e["flags"]) - {"ID"}) for e in acl["aces"]]
            acl["protected"] = mode != "e"
            i += 1
        elif option in ("/grant", "/grant:r"):
            grants = []
            i += 1
            while i < len(options) and not options[i].startswith("/"):
                grant = _grant(options[i])
                if grant is None:
                    return CommandResult(stderr=f'Invalid parameter "{options[i]}"\r\n', rc=87)
                grants.append(grant)
                i += 1
            if option == "/grant:r":
                replaced = {g["sid"] for g in grants}
                acl["aces"] = [e for e in acl["aces"] if "ID" in e["flags"] or e["sid"] not in replaced]
            explicit = [e for e in acl["aces"] if "ID" not in e["flags"]] + grants
            acl["aces"] = explicit + [e for e in acl["aces"] if "ID" in e["flags"]]
        else:
            return CommandResult(stderr=f'Invalid parameter "{options[i]}"\r\n', rc=87)
    fs.set_acl(path, acl)
    return CommandResult(stdout=f"processed file: {path}\r\n" + SUMMARY.format(ok=1, failed=0))


def rmdir(inv: Invocation) -> CommandResult:
    """``rd [/s] [/q] dir``: without /s only an empty directory goes."""
    flags = {a.lower() for a in inv.args if a.startswith("/")}
    paths = [a for a in inv.args if not a.startswith("/")]
    if not paths:
        return CommandResult(stderr="The syntax of the command is incorrect.\r\n", rc=1)
    err, rc = "", 0
    for path in paths:
        fs = inv.state.files
        if not fs.is_dir(path):
            missing = not fs.is_file(path)
            err += "The system cannot find the file specified.\r\n" if missing else "The directory name is invalid.\r\n"
            rc = 2
        elif fs.listdir(path) and "/s" not in flags:
            err += "The directory is not empty.\r\n"
            rc = 145
        else:
            fs.rmtree(path)
    return CommandResult(stderr=err, rc=rc)


def dir_bare(inv: Invocation) -> CommandResult:
    """``dir /a /b <dir>``: the names in it, one a line; "File Not Found" when it is empty."""
    paths = [a for a in inv.args if not a.startswith("/")]
    if "/b" not in {a.lower() for a in inv.args} or len(paths) != 1:
        return CommandResult(stderr="Only dir /a /b <folder> is simulated.\r\n", rc=1)
    fs = inv.state.files
    if not fs.is_dir(paths[0]):
        return CommandResult(stderr="File Not Found\r\n", rc=1)
    names = fs.listdir(paths[0])
    if not names:
        return CommandResult(stderr="File Not Found\r\n", rc=1)
    return CommandResult(stdout="".join(f"{name}\r\n" for name in names))


TOOLS = {"icacls": run, "rd": rmdir, "rmdir": rmdir, "dir": dir_bare}
