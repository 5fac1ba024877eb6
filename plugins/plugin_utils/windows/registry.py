"""The Windows registry, read through ``reg.exe query`` output.

``reg query`` prints value types as the invariant ``REG_*`` names and data in a fixed layout, so its output parses
the same on every Windows language; only the error texts are localised, and they are never parsed.
"""

from __future__ import annotations

import dataclasses
import re
import typing as t

_HIVES = {
    "HKLM": "HKEY_LOCAL_MACHINE",
    "HKCU": "HKEY_CURRENT_USER",
    "HKCR": "HKEY_CLASSES_ROOT",
    "HKU": "HKEY_USERS",
    "HKCC": "HKEY_CURRENT_CONFIG",
}
_VALUE_LINE = re.compile(r"^ {4}(?P<name>.*?) {4}(?P<type>REG_[A-Z_]+)(?: {4}(?P<data>.*))?$")

RegData = t.Union[str, int, list[str], bytes, None]


@dataclasses.dataclass(frozen=True)
class RegValue:
    name: str
    type: str
    data: RegData


@dataclasses.dataclass
class RegKey:
    path: str  # short form, e.g. HKLM\SOFTWARE\Microsoft
    values: dict[str, RegValue] = dataclasses.field(default_factory=dict)
    subkeys: list[str] = dataclasses.field(default_factory=list)  # short-form full paths

    def get(self, name: str, default: RegData = None) -> RegData:
        """A value's data by case-insensitive name, as Windows compares value names."""
        for value_name, value in self.values.items():
            if value_name.lower() == name.lower():
                return value.data
        return default


def short_path(path: str) -> str:
    """``HKEY_LOCAL_MACHINE\\X`` -> ``HKLM\\X`` so paths compare equal whichever form a tool printed."""
    hive, sep, rest = path.partition("\\")
    for short, long in _HIVES.items():
        if hive.upper() == long:
            return short + sep + rest
    return hive.upper() + sep + rest if hive.upper() in _HIVES else path


def query_command(key: str, value: t.Optional[str] = None, find_key: t.Optional[str] = None) -> str:
    """The ``reg query`` command line for a key, one value of it, or its subkeys whose names contain text."""
    command = f'reg query "{key}"'
    if value is not None:
        command += f' /v "{value}"'
    if find_key is not None:
        command += f' /f "{find_key}" /k'
    return command


def _decode(reg_type: str, data: str) -> RegData:
    if reg_type in ("REG_DWORD", "REG_QWORD"):
        try:
            return int(data, 16)
        except ValueError:
            return None
    if reg_type == "REG_MULTI_SZ":
        return [item for item in data.split("\\0") if item] if data else []
    if reg_type == "REG_BINARY":
        try:
            return bytes.fromhex(data)
        except ValueError:
            return None
    return data


def parse_query(text: str) -> dict[str, RegKey]:
    """Parse ``reg query`` output into keys (by short path, upper-cased) with their values and subkeys."""
    keys: dict[str, RegKey] = {}
    current: t.Optional[RegKey] = None
    parent: t.Optional[RegKey] = None
    for line in text.splitlines():
        if not line.strip():
            # a blank line ends a key's value block; paths that follow are its subkeys
            parent, current = current or parent, None
            continue
        if line.startswith("HKEY_"):
            path = short_path(line.strip())
            if parent is not None and current is None and path.upper().startswith(parent.path.upper() + "\\"):
                parent.subkeys.append(path)
                continue
            current = keys.setdefault(path.upper(), RegKey(path))
            parent = None
            continue
        match = _VALUE_LINE.match(line)
        if match and current is not None:
            name, reg_type = match.group("name"), match.group("type")
            current.values[name] = RegValue(name, reg_type, _decode(reg_type, match.group("data") or ""))
    return keys


def find_key(keys: dict[str, RegKey], path: str) -> t.Optional[RegKey]:
    """Look a key up by any spelling of its path."""
    return keys.get(short_path(path).upper())
