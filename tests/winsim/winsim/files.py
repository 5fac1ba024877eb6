# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

r"""A small Windows file system: case-insensitive paths that keep their case, directories and file bytes, and each
entry's owner and DACL.

Only what the simulated tools need (type, echo redirection, del, mkdir, rd, dir, certutil, icacls). JSON-serialisable:
file data is stored as base64 text.

ACLs: a new entry inherits its parent's inheritable entries (marked inherited, ``ID``), CREATOR OWNER becoming the
owner, as NTFS does; %SystemRoot%\Temp has Windows' own DACL, as ``icacls c:\windows\temp`` prints it in
https://github.com/advisories/GHSA-rf39-3f98-xr7r: ordinary users may create files and folders there and in every
subfolder (``BUILTIN\Users:(CI)(S,WD,AD,X)``), and what they create is theirs (CREATOR OWNER full control), so
such an entry keeps its creator's ACL whoever uses it later.
ASSUMPTION: every simulated WinRS command runs as an administrator, whose new objects are owned by BUILTIN\
Administrators (the default owner of objects created by members of Administrators on servers).
"""

from __future__ import annotations

import base64
import copy
import ntpath
from typing import Any, TypedDict

ROOT = "C:\\"
SYSTEM_ROOT = r"C:\Windows"
TEMP = r"C:\Windows\Temp"
# The working directory of a WinRS cmd shell and of a SYSTEM task (ASSUMPTION: %SystemRoot%\System32 for both;
# WinRS with WINRS_NOPROFILE starts in the profile directory on real hosts, and no procedure uses relative paths).
DEFAULT_CWD = r"C:\Windows\System32"


SYSTEM_SID, ADMINISTRATORS_SID, USERS_SID, CREATOR_OWNER_SID = "S-1-5-18", "S-1-5-32-544", "S-1-5-32-545", "S-1-3-0"
FULL = 0x1F01FF  # FILE_ALL_ACCESS
READ_EXECUTE = 0x1200A9
CREATE_IN = 0x100026  # SYNCHRONIZE | FILE_WRITE_DATA (add file) | FILE_APPEND_DATA (add subdirectory) | FILE_EXECUTE
INHERIT_FLAGS = ("ID", "OI", "CI", "IO", "NP")


class Ace(TypedDict):
    """One access-allowed entry (a record, as icacls and the JSON state read it)."""

    sid: str
    mask: int
    flags: list[str]  # in INHERIT_FLAGS order


class Acl(TypedDict):
    """An entry's owner and DACL; `protected` = inheritance from the parent is off."""

    owner: str
    protected: bool
    aces: list[Ace]


def ace(sid: str, mask: int, *flags: str) -> Ace:
    """One access-allowed entry: SID, access mask, flags (ID inherited, OI/CI inheritance, IO inherit only)."""
    return {"sid": sid, "mask": mask, "flags": sorted(set(flags), key=INHERIT_FLAGS.index)}


def default_acl(owner: str = "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464") -> Acl:
    """Entries not modelled otherwise (the drive, %SystemRoot%): administrators and SYSTEM full, users read."""
    return {
        "owner": owner,  # NT SERVICE\TrustedInstaller
        "protected": True,
        "aces": [
            ace(SYSTEM_SID, FULL, "OI", "CI"),
            ace(ADMINISTRATORS_SID, FULL, "OI", "CI"),
            ace(USERS_SID, READ_EXECUTE, "OI", "CI"),
        ],
    }


def temp_acl() -> Acl:
    r"""%SystemRoot%\Temp as Windows ships it (see the module docstring for the source)."""
    return {
        "owner": SYSTEM_SID,
        "protected": True,
        "aces": [
            ace(USERS_SID, CREATE_IN, "CI"),
            ace(ADMINISTRATORS_SID, FULL),
            ace(ADMINISTRATORS_SID, FULL, "OI", "CI", "IO"),
            ace(SYSTEM_SID, FULL),
            ace(SYSTEM_SID, FULL, "OI", "CI", "IO"),
            ace(CREATOR_OWNER_SID, FULL, "OI", "CI", "IO"),
        ],
    }


def inherited(parent: Acl, owner: str, directory: bool) -> Acl:
    """The DACL a new child gets: the parent's entries inheritable by it (CI for folders, OI for files)."""
    aces: list[Ace] = []
    for entry in parent["aces"]:
        flags = set(entry["flags"])
        if ("CI" if directory else "OI") not in flags:
            if not (directory and "OI" in flags and "NP" not in flags):
                continue
            aces.append(ace(entry["sid"], entry["mask"], "ID", "OI", "IO"))  # passes OI on to files below
            continue
        sid = owner if entry["sid"] == CREATOR_OWNER_SID else entry["sid"]
        kept = [] if not directory or "NP" in flags else [f for f in ("OI", "CI") if f in flags]
        aces.append(ace(sid, entry["mask"], "ID", *kept))
    return {"owner": owner, "protected": False, "aces": aces}


class FileSystemError(OSError):
    """``kind``: ``file_not_found``, ``path_not_found``, ``exists``, ``is_directory`` or ``disk_full`` (Win32 errors
    2, 3, 183, 5, 112)."""

    def __init__(self, kind: str, path: str) -> None:
        super().__init__(f"{kind}: {path}")
        self.kind = kind
        self.path = path


def normalize(path: str, cwd: str = DEFAULT_CWD) -> str:
    """An absolute path with backslashes, no '.'/'..' parts and no trailing backslash (except the root)."""
    text = path.strip().strip('"').replace("/", "\\")
    if not ntpath.isabs(text) or not ntpath.splitdrive(text)[0]:
        text = ntpath.join(cwd, text)
    drive, rest = ntpath.splitdrive(ntpath.normpath(text))
    rest = rest.rstrip("\\")
    return drive.upper() + (rest if rest else "\\")


class FileSystem:
    """Drive C: only; every path a method takes is normalised first."""

    def __init__(self) -> None:
        self._dirs: dict[str, str] = {ROOT.lower(): ROOT}
        self._files: dict[str, tuple[str, bytes]] = {}
        self._acls: dict[str, Acl] = {}  # by lower-case path; absent: derived (see acl())
        # A fault knob, not state (never serialised): bytes all files may hold; a write beyond it raises
        # FileSystemError("disk_full") (Win32 112 ERROR_DISK_FULL) and writes nothing. None: unlimited.
        self.capacity: int | None = None

    # queries
    def is_dir(self, path: str) -> bool:
        return normalize(path).lower() in self._dirs

    def is_file(self, path: str) -> bool:
        return normalize(path).lower() in self._files

    def can_write(self, path: str) -> bool:
        """The parent directory exists and the path is not a directory."""
        full = normalize(path)
        return ntpath.dirname(full).lower() in self._dirs and full.lower() not in self._dirs

    def read(self, path: str) -> bytes:
        full = normalize(path)
        found = self._files.get(full.lower())
        if found is None:
            raise FileSystemError("is_directory" if self.is_dir(full) else "file_not_found", full)
        return found[1]

    def used(self) -> int:
        """Bytes all files hold (what the capacity knob limits)."""
        return sum(len(data) for _name, data in self._files.values())

    def files(self) -> list[str]:
        return [display for display, _data in self._files.values()]

    def exists(self, path: str) -> bool:
        return self.is_dir(path) or self.is_file(path)

    def listdir(self, path: str) -> list[str]:
        """Names directly inside a directory (folders and files)."""
        full = normalize(path).lower()
        prefix = full.rstrip("\\") + "\\"
        entries = [*self._dirs.values(), *(display for display, _data in self._files.values())]
        return sorted(
            ntpath.basename(e) for e in entries if e.lower().startswith(prefix) and "\\" not in e[len(prefix) :]
        )

    def acl(self, path: str) -> Acl:
        """The entry's owner and DACL (a copy): stored, else the modelled default of the path."""
        full = normalize(path)
        stored = self._acls.get(full.lower())
        if stored is not None:
            return copy.deepcopy(stored)
        if full.lower() == TEMP.lower():
            return temp_acl()
        parent = ntpath.dirname(full)
        if full.lower() in (ROOT.lower(), SYSTEM_ROOT.lower()) or parent.lower() == full.lower():
            return default_acl()
        return inherited(self.acl(parent), ADMINISTRATORS_SID, self.is_dir(full))

    def set_acl(self, path: str, acl: Acl) -> None:
        full = normalize(path)
        if not self.exists(full):
            raise FileSystemError("file_not_found", full)
        self._acls[full.lower()] = copy.deepcopy(acl)

    def create_as(self, path: str, owner: str, directory: bool = True) -> None:
        """Another account creates an entry (a test's ordinary user): owned by it, its ACL inherited from the
        parent plus full control for the creator, as Explorer or ``mkdir`` by that user leaves it."""
        full = normalize(path)
        if directory:
            self.mkdir(full)
        else:
            self.write(full, b"")
        acl = inherited(self.acl(ntpath.dirname(full)), owner, directory)
        acl["aces"].insert(0, ace(owner, FULL, *(("OI", "CI") if directory else ())))
        self._acls[full.lower()] = acl

    # changes
    def mkdir(self, path: str) -> None:
        """Create the directory and its missing parents (cmd's mkdir with command extensions)."""
        full = normalize(path)
        if full.lower() in self._dirs or full.lower() in self._files:
            raise FileSystemError("exists", full)
        chain = []
        current = full
        while current.lower() not in self._dirs:
            if current.lower() in self._files:
                raise FileSystemError("path_not_found", full)
            chain.append(current)
            current = ntpath.dirname(current)
        for item in reversed(chain):
            self._dirs[item.lower()] = item
            if item.lower() == TEMP.lower():
                self._acls[item.lower()] = temp_acl()
            elif item.lower() != SYSTEM_ROOT.lower():
                self._acls[item.lower()] = inherited(self.acl(ntpath.dirname(item)), ADMINISTRATORS_SID, True)

    def write(self, path: str, data: bytes, append: bool = False) -> None:
        full = normalize(path)
        if full.lower() in self._dirs:
            raise FileSystemError("is_directory", full)
        if ntpath.dirname(full).lower() not in self._dirs:
            raise FileSystemError("path_not_found", full)
        existing = self._files.get(full.lower())
        if self.capacity is not None:
            used = sum(len(stored) for _name, stored in self._files.values())
            freed = len(existing[1]) if existing is not None and not append else 0
            if data and used - freed + len(data) > self.capacity:
                raise FileSystemError("disk_full", full)
        if existing is not None and append:
            self._files[full.lower()] = (existing[0], existing[1] + data)
        elif existing is not None:
            self._files[full.lower()] = (existing[0], bytes(data))
        else:  # the directories keep the case they were created with; the new name keeps its own
            display = self._dirs[ntpath.dirname(full).lower()].rstrip("\\") + "\\" + ntpath.basename(full)
            self._files[full.lower()] = (display, bytes(data))
            self._acls[full.lower()] = inherited(self.acl(ntpath.dirname(full)), ADMINISTRATORS_SID, False)

    def delete(self, path: str) -> None:
        full = normalize(path)
        if full.lower() not in self._files:
            raise FileSystemError("file_not_found", full)
        del self._files[full.lower()]
        self._acls.pop(full.lower(), None)

    def rmtree(self, path: str) -> None:
        """``rd /s``: the directory and everything in it."""
        full = normalize(path)
        if full.lower() not in self._dirs or full.lower() == ROOT.lower():
            raise FileSystemError("file_not_found" if full.lower() not in self._files else "not_a_directory", full)
        prefix = full.lower() + "\\"
        for table in (self._dirs, self._files, self._acls):
            for name in [n for n in table if n == full.lower() or n.startswith(prefix)]:
                del table[name]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FileSystem) and self.to_json() == other.to_json()

    __hash__ = None  # type: ignore[assignment]

    # serialisation
    def to_json(self) -> dict[str, Any]:
        return {
            "directories": sorted(self._dirs.values(), key=str.lower),
            "files": {display: base64.b64encode(data).decode("ascii") for display, data in self._files.values()},
            "acls": {name: self._acls[name] for name in sorted(self._acls)},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FileSystem:
        fs = cls()
        for directory in data.get("directories", []):
            fs._dirs[normalize(directory).lower()] = normalize(directory)
        for path, encoded in data.get("files", {}).items():
            fs._files[normalize(path).lower()] = (normalize(path), base64.b64decode(encoded))
        fs._acls = copy.deepcopy(dict(data.get("acls", {})))
        return fs
