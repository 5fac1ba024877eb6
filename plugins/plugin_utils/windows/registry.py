# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The Windows registry, read through ``reg.exe query`` output.

``reg query`` prints value types as the invariant ``REG_*`` names and data in a fixed layout, so its output parses
the same on every Windows language; only the error texts are localised, and they are never parsed.
"""

from __future__ import annotations

import dataclasses
import re
import typing as t

from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.change import Operation
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import quote
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import errors
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.protocol import Client

_HIVES = {
    "HKLM": "HKEY_LOCAL_MACHINE",
    "HKCU": "HKEY_CURRENT_USER",
    "HKCR": "HKEY_CLASSES_ROOT",
    "HKU": "HKEY_USERS",
    "HKCC": "HKEY_CURRENT_CONFIG",
}
_VALUE_LINE = re.compile(r"^ {4}(?P<name>.*?) {4}(?P<type>REG_[A-Z_]+)(?: {4}(?P<data>.*))?$")

RegData = str | int | list[str] | bytes | None


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


def query_command(key: str, value: str | None = None, find_key: str | None = None) -> str:
    """The ``reg query`` command line for a key, one value of it, or its subkeys whose names contain text.

    Each part is one argument made by :func:`quote.cmd`, which raises QuoteError for text it cannot carry."""
    command = f"reg query {quote.cmd(key)}"
    if value is not None:
        command += f" /v {quote.cmd(value)}"
    if find_key is not None:
        command += f" /f {quote.cmd(find_key)} /k"
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
    current: RegKey | None = None
    parent: RegKey | None = None
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


def find_key(keys: dict[str, RegKey], path: str) -> RegKey | None:
    """Look a key up by any spelling of its path."""
    return keys.get(short_path(path).upper())


# --- writes (and single reads) through StdRegProv -------------------------------------------------------------------
# hDefKey handles of the registry hives, as StdRegProv expects them.
HIVE_HANDLES = {"HKCR": 0x80000000, "HKCU": 0x80000001, "HKLM": 0x80000002, "HKU": 0x80000003, "HKCC": 0x80000005}
STDREGPROV_URI = "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/StdRegProv"


def split_path(path: str) -> tuple[int, str]:
    """``HKLM\\SOFTWARE\\X`` -> (hDefKey, ``SOFTWARE\\X``)."""
    hive, _sep, sub_key = short_path(path).partition("\\")
    if hive.upper() not in HIVE_HANDLES:
        raise ValueError(f"registry path {path!r} does not start with a known hive (HKLM, HKCU, ...)")
    return HIVE_HANDLES[hive.upper()], sub_key


def _is_not_found(exc: errors.CimMethodError) -> bool:
    return exc.reason == "not_found"


def get_dword(client: Client, path: str, name: str) -> int | None:
    """One value by StdRegProv (one round trip); None when the key or value is absent."""
    hive, sub_key = split_path(path)
    try:
        out = client.invoke(
            STDREGPROV_URI,
            "GetDWORDValue",
            {"hDefKey": hive, "sSubKeyName": sub_key, "sValueName": name},
            types={"uValue": "int"},
        )
    except errors.CimMethodError as exc:
        if _is_not_found(exc):
            return None
        raise
    value = out.get("uValue")
    return value if isinstance(value, int) else None


def _set(client: Client, path: str, method: str, params: dict[str, t.Any]) -> None:
    """StdRegProv's Set*Value fails on a missing key: create it then, and only then (one extra round trip)."""
    hive, sub_key = split_path(path)
    args = {"hDefKey": hive, "sSubKeyName": sub_key, **params}
    try:
        client.invoke(STDREGPROV_URI, method, args)
    except errors.CimMethodError as exc:
        if not _is_not_found(exc):
            raise
        client.invoke(STDREGPROV_URI, "CreateKey", {"hDefKey": hive, "sSubKeyName": sub_key})
        client.invoke(STDREGPROV_URI, method, args)


def set_dword(client: Client, path: str, name: str, value: int) -> None:
    _set(client, path, "SetDWORDValue", {"sValueName": name, "uValue": value})


def set_string(client: Client, path: str, name: str, value: str) -> None:
    _set(client, path, "SetStringValue", {"sValueName": name, "sValue": value})


def delete_value(client: Client, path: str, name: str) -> None:
    """Remove a value; an absent value or key is already the wanted state."""
    hive, sub_key = split_path(path)
    try:
        client.invoke(STDREGPROV_URI, "DeleteValue", {"hDefKey": hive, "sSubKeyName": sub_key, "sValueName": name})
    except errors.CimMethodError as exc:
        if not _is_not_found(exc):
            raise


# --- operations ------------------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class SetDword(Operation):
    """Set a REG_DWORD through StdRegProv (creating the key when it is missing)."""

    kind: t.ClassVar[str] = "set_dword"
    key: str
    name: str
    value: int

    def apply(self, client: Client) -> None:
        set_dword(client, self.key, self.name, self.value)


@dataclasses.dataclass(frozen=True)
class SetString(Operation):
    """Set a REG_SZ through StdRegProv (creating the key when it is missing)."""

    kind: t.ClassVar[str] = "set_string"
    key: str
    name: str
    value: str

    def apply(self, client: Client) -> None:
        set_string(client, self.key, self.name, self.value)


@dataclasses.dataclass(frozen=True)
class DeleteValue(Operation):
    """Remove a value through StdRegProv; an absent value is already the wanted state."""

    kind: t.ClassVar[str] = "delete_value"
    key: str
    name: str

    def apply(self, client: Client) -> None:
        delete_value(client, self.key, self.name)


REG_HEADER = "Windows Registry Editor Version 5.00"
REG_ROOTS = {
    "HKLM": "HKEY_LOCAL_MACHINE",
    "HKCU": "HKEY_CURRENT_USER",
    "HKU": "HKEY_USERS",
    "HKCR": "HKEY_CLASSES_ROOT",
}


def reg_file(key: str, values: t.Mapping[str, int | str | None]) -> bytes:
    """A regedit 5.00 file (UTF-16LE with a byte-order mark, as regedit writes them) that sets or deletes values of
    one key, for ``reg import``: any text survives, non-ASCII included (Microsoft Learn "How to add, modify, or
    delete registry subkeys and values by using a .reg file": ``"name"="text"`` with ``\\`` and ``\"`` escaped,
    ``dword:``, ``"name"=-``). Text with control characters is written as ``hex(1):`` (REG_SZ as its UTF-16LE
    bytes). Raises ValueError for text that UTF-16 cannot carry (lone surrogates)."""
    hive, _sep, rest = key.partition("\\")
    lines = [REG_HEADER, "", f"[{REG_ROOTS[hive.upper()]}\\{rest}]"]
    for name, value in values.items():
        if value is None:
            lines.append(f'"{name}"=-')
        elif isinstance(value, int):
            lines.append(f'"{name}"=dword:{value & 0xFFFFFFFF:08x}')
        elif value.isprintable():
            lines.append(f'"{name}"="' + value.replace("\\", "\\\\").replace('"', '\\"') + '"')
        else:
            raw = (value + "\x00").encode("utf-16-le", errors="surrogatepass")
            lines.append(f'"{name}"=hex(1):' + ",".join(f"{byte:02x}" for byte in raw))
    try:
        return b"\xff\xfe" + ("\r\n".join(lines) + "\r\n").encode("utf-16-le")
    except UnicodeEncodeError:
        raise ValueError(f"{key} holds text that cannot be written back") from None
