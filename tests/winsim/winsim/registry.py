# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A registry tree: the single source of truth for everything Windows itself keeps in the registry.

Only the HKEY_LOCAL_MACHINE hive is modelled; the procedures never touch other hives.  Key and value names are
case-insensitive but keep the case they were created with, as on Windows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

HKLM = "HKEY_LOCAL_MACHINE"
HIVE_ALIASES = {"HKLM": HKLM, HKLM: HKLM}
HDEFKEY_HKLM = 2147483650  # StdRegProv hDefKey for HKLM

REG_TYPES = ("REG_SZ", "REG_EXPAND_SZ", "REG_DWORD", "REG_QWORD", "REG_MULTI_SZ", "REG_BINARY")
RegData = str | int | list[str] | bytes


@dataclass
class RegValue:
    """One named value; data is str (SZ, EXPAND_SZ), int (DWORD, QWORD), list[str] (MULTI_SZ) or bytes."""

    name: str
    type: str
    data: RegData


@dataclass
class RegKey:
    """A key with its values; subkeys are found by path prefix so the tree stays a flat, JSON-friendly dict."""

    path: str
    values: dict[str, RegValue] = field(default_factory=dict)


class RegistryError(KeyError):
    """A key or value is missing."""


def normalize_path(path: str) -> str:
    """Turn `HKLM\\X\\Y` or `HKEY_LOCAL_MACHINE\\X\\Y\\` into the canonical `HKEY_LOCAL_MACHINE\\X\\Y`."""
    parts = [p for p in path.replace("/", "\\").split("\\") if p]
    if not parts:
        raise RegistryError(path)
    hive = HIVE_ALIASES.get(parts[0].upper())
    if hive is None:
        raise RegistryError(path)
    return "\\".join([hive, *parts[1:]])


class Registry:
    """The HKLM hive of one host."""

    def __init__(self) -> None:
        self._keys: dict[str, RegKey] = {HKLM.lower(): RegKey(HKLM)}
        # Keys whose access control list refuses reading to every caller (an explicit Deny ACE an administrator
        # added): opening them fails with ERROR_ACCESS_DENIED, while the parent still lists them, because
        # enumerating subkeys needs read access to the parent only (Microsoft Learn, "Registry Key Security and
        # Access Rights": KEY_ENUMERATE_SUB_KEYS on the parent, KEY_QUERY_VALUE on the key itself).
        self._unreadable: set[str] = set()

    def deny_read(self, path: str) -> None:
        """Make an existing key unreadable (its values and subkeys can no longer be queried)."""
        self._unreadable.add(self.get_key(path).path.lower())

    def readable(self, path: str) -> bool:
        try:
            return normalize_path(path).lower() not in self._unreadable
        except RegistryError:
            return True

    # keys
    def key_exists(self, path: str) -> bool:
        try:
            return normalize_path(path).lower() in self._keys
        except RegistryError:
            return False

    def create_key(self, path: str) -> RegKey:
        """Create the key and any missing parents; return the (possibly existing) key."""
        full = normalize_path(path)
        parts = full.split("\\")
        key = self._keys[HKLM.lower()]
        for i in range(2, len(parts) + 1):
            sub = "\\".join(parts[:i])
            key = self._keys.setdefault(sub.lower(), RegKey(sub))
        return key

    def get_key(self, path: str) -> RegKey:
        key = self._keys.get(normalize_path(path).lower())
        if key is None:
            raise RegistryError(path)
        return key

    def delete_key(self, path: str, recursive: bool = True) -> None:
        full = normalize_path(path).lower()
        if full not in self._keys or full == HKLM.lower():
            raise RegistryError(path)
        for name in [k for k in self._keys if k == full or k.startswith(full + "\\")]:
            if name != full and not recursive:
                raise RegistryError(path)
            del self._keys[name]

    def subkeys(self, path: str) -> list[str]:
        """Names (not paths) of the direct subkeys, in creation order."""
        key = self.get_key(path)
        prefix = key.path.lower() + "\\"
        names: list[str] = []
        for lower, sub in self._keys.items():
            if lower.startswith(prefix) and "\\" not in lower[len(prefix) :]:
                names.append(sub.path.split("\\")[-1])
        return names

    # values
    def values(self, path: str) -> list[RegValue]:
        return list(self.get_key(path).values.values())

    def get_value(self, path: str, name: str) -> RegValue | None:
        try:
            key = self.get_key(path)
        except RegistryError:
            return None
        return key.values.get(name.lower())

    def get_data(self, path: str, name: str, default: Any = None) -> Any:
        value = self.get_value(path, name)
        return default if value is None else value.data

    def set_value(self, path: str, name: str, type_: str, data: RegData) -> None:
        if type_ not in REG_TYPES:
            raise ValueError(f"unknown registry type {type_}")
        self.create_key(path).values[name.lower()] = RegValue(name, type_, data)

    def delete_value(self, path: str, name: str) -> None:
        key = self.get_key(path)
        if name.lower() not in key.values:
            raise RegistryError(name)
        del key.values[name.lower()]

    # serialisation
    def to_json(self) -> list[dict[str, Any]]:
        out = []
        for key in self._keys.values():
            values = [
                {"name": v.name, "type": v.type, "data": v.data.hex() if isinstance(v.data, bytes) else v.data}
                for v in key.values.values()
            ]
            entry: dict[str, Any] = {"path": key.path, "values": values}
            if key.path.lower() in self._unreadable:
                entry["unreadable"] = True
            out.append(entry)
        return out

    @classmethod
    def from_json(cls, data: list[dict[str, Any]]) -> Registry:
        reg = cls()
        for entry in data:
            reg.create_key(entry["path"])
            for v in entry["values"]:
                raw = bytes.fromhex(v["data"]) if v["type"] == "REG_BINARY" else v["data"]
                reg.set_value(entry["path"], v["name"], v["type"], raw)
            if entry.get("unreadable"):
                reg.deny_read(entry["path"])
        return reg


# --- .reg files (``reg import``) ------------------------------------------------------------------------------------
# The regedit 5.00 format (Microsoft Learn "How to add, modify, or delete registry subkeys and values by using a .reg
# file"): a "Windows Registry Editor Version 5.00" header, [KEY] sections, "name"="text" (\\ and \" escaped),
# "name"=dword:8 hex digits, "name"=hex(N):bytes (N = the type code; 1 = REG_SZ as UTF-16LE with its terminator),
# and "name"=- to delete a value. regedit writes such files as UTF-16LE with a byte-order mark.
REG_HEADER = "Windows Registry Editor Version 5.00"
HEX_TYPES = {0: "REG_BINARY", 1: "REG_SZ", 2: "REG_EXPAND_SZ", 3: "REG_BINARY", 7: "REG_MULTI_SZ", 11: "REG_QWORD"}


class RegFileError(ValueError):
    """The file is not a .reg file reg.exe would import."""


def _reg_text(data: bytes) -> str:
    if data[:2] == b"\xff\xfe":
        return data[2:].decode("utf-16-le")
    return data.decode("utf-8-sig")


def _unescape(body: str) -> str:
    out, i = [], 0
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body):
            out.append(body[i + 1])
            i += 2
            continue
        if body[i] == '"':
            raise RegFileError("unescaped quote in a string value")
        out.append(body[i])
        i += 1
    return "".join(out)


def _hex_value(type_code: int, text: str) -> tuple[str, RegData]:
    raw = bytes(int(part, 16) for part in text.replace("\\", "").split(",") if part.strip())
    kind = HEX_TYPES.get(type_code)
    if kind is None:
        raise RegFileError(f"hex({type_code}) is not simulated")
    if kind in ("REG_SZ", "REG_EXPAND_SZ"):
        return kind, raw.decode("utf-16-le").split("\x00", 1)[0]
    if kind == "REG_MULTI_SZ":
        return kind, [item for item in raw.decode("utf-16-le").split("\x00") if item]
    if kind == "REG_QWORD":
        return kind, int.from_bytes(raw, "little")
    return kind, raw


def import_reg_file(registry: Registry, data: bytes) -> None:
    """Apply a .reg file; nothing changes when it does not parse."""
    lines = [line.strip() for line in _reg_text(data).splitlines()]
    if not lines or lines[0] != REG_HEADER:
        raise RegFileError("missing the 'Windows Registry Editor Version 5.00' header")
    operations: list[tuple[str, str, tuple[str, RegData] | None]] = []
    key: str | None = None
    for line in lines[1:]:
        if not line or line.startswith(";"):
            continue
        if line.startswith("[") and line.endswith("]"):
            key = normalize_path(line[1:-1])
            continue
        match = re.fullmatch(r'"((?:[^"\\]|\\.)*)"=(.*)', line) or re.fullmatch(r"(@)=(.*)", line)
        if key is None or match is None:
            raise RegFileError(f"cannot read the line {line!r}")
        name = "" if match.group(1) == "@" else _unescape(match.group(1))
        value = match.group(2)
        if value == "-":
            operations.append((key, name, None))
        elif value.startswith('"') and value.endswith('"') and len(value) >= 2:
            operations.append((key, name, ("REG_SZ", _unescape(value[1:-1]))))
        elif value.lower().startswith("dword:") and re.fullmatch(r"[0-9a-fA-F]{8}", value[6:]):
            operations.append((key, name, ("REG_DWORD", int(value[6:], 16))))
        elif (hexed := re.fullmatch(r"hex(?:\(([0-9a-fA-F]+)\))?:(.*)", value, re.IGNORECASE)) is not None:
            operations.append((key, name, _hex_value(int(hexed.group(1) or "3", 16), hexed.group(2))))
        else:
            raise RegFileError(f"cannot read the value in {line!r}")
    for path, name, typed in operations:
        if typed is None:
            if registry.get_value(path, name) is not None:
                registry.delete_value(path, name)
            continue
        registry.set_value(path, name, typed[0], typed[1])
