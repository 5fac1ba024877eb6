"""A registry tree: the single source of truth for everything Windows itself keeps in the registry.

Only the HKEY_LOCAL_MACHINE hive is modelled; the procedures never touch other hives.  Key and value names are
case-insensitive but keep the case they were created with, as on Windows.
"""

from __future__ import annotations

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
            out.append({"path": key.path, "values": values})
        return out

    @classmethod
    def from_json(cls, data: list[dict[str, Any]]) -> Registry:
        reg = cls()
        for entry in data:
            reg.create_key(entry["path"])
            for v in entry["values"]:
                raw = bytes.fromhex(v["data"]) if v["type"] == "REG_BINARY" else v["data"]
                reg.set_value(entry["path"], v["name"], v["type"], raw)
        return reg
