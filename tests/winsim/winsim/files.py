"""A small Windows file system: case-insensitive paths that keep their case, directories and file bytes.

Only what the simulated tools need (type, echo redirection, del, mkdir, certutil). JSON-serialisable: file data
is stored as base64 text.
"""

from __future__ import annotations

import base64
import ntpath
from typing import Any

ROOT = "C:\\"
SYSTEM_ROOT = r"C:\Windows"
TEMP = r"C:\Windows\Temp"
# The working directory of a WinRS cmd shell and of a SYSTEM task (ASSUMPTION: %SystemRoot%\System32 for both;
# WinRS with WINRS_NOPROFILE starts in the profile directory on real hosts, and no procedure uses relative paths).
DEFAULT_CWD = r"C:\Windows\System32"


class FileSystemError(OSError):
    """``kind``: ``file_not_found``, ``path_not_found``, ``exists`` or ``is_directory`` (Win32 errors 2, 3, 183, 5)."""

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

    def files(self) -> list[str]:
        return [display for display, _data in self._files.values()]

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

    def write(self, path: str, data: bytes, append: bool = False) -> None:
        full = normalize(path)
        if full.lower() in self._dirs:
            raise FileSystemError("is_directory", full)
        if ntpath.dirname(full).lower() not in self._dirs:
            raise FileSystemError("path_not_found", full)
        existing = self._files.get(full.lower())
        if existing is not None and append:
            self._files[full.lower()] = (existing[0], existing[1] + data)
        elif existing is not None:
            self._files[full.lower()] = (existing[0], bytes(data))
        else:  # the directories keep the case they were created with; the new name keeps its own
            display = self._dirs[ntpath.dirname(full).lower()].rstrip("\\") + "\\" + ntpath.basename(full)
            self._files[full.lower()] = (display, bytes(data))

    def delete(self, path: str) -> None:
        full = normalize(path)
        if full.lower() not in self._files:
            raise FileSystemError("file_not_found", full)
        del self._files[full.lower()]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FileSystem) and self.to_json() == other.to_json()

    __hash__ = None  # type: ignore[assignment]

    # serialisation
    def to_json(self) -> dict[str, Any]:
        return {
            "directories": sorted(self._dirs.values(), key=str.lower),
            "files": {display: base64.b64encode(data).decode("ascii") for display, data in self._files.values()},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FileSystem:
        fs = cls()
        for directory in data.get("directories", []):
            fs._dirs[normalize(directory).lower()] = normalize(directory)
        for path, encoded in data.get("files", {}).items():
            fs._files[normalize(path).lower()] = (normalize(path), base64.b64decode(encoded))
        return fs
