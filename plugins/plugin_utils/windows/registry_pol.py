# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Registry.pol (PReg) files: the registry half of a Group Policy object, as gpedit.msc writes it.

Format ([MS-GPREG] 2.2.1, "Registry Policy File Format"): the signature ``PReg`` and the version DWORD 1, then
records ``[key;value;type;size;data]`` where every bracket and semicolon is a UTF-16LE character, key and value
name are NUL-terminated UTF-16LE strings, type and size are little-endian DWORDs and data is ``size`` raw bytes.

Parsing is strict and lossless: every accepted file serialises back to the same bytes, so editing one policy in
a file that holds other settings leaves those settings byte for byte as they were.
"""

from __future__ import annotations

import dataclasses
import struct
import typing as t

SIGNATURE = b"PReg"
VERSION = 1
HEADER = SIGNATURE + struct.pack("<I", VERSION)

REG_NONE = 0
REG_SZ = 1
REG_EXPAND_SZ = 2
REG_BINARY = 3
REG_DWORD = 4
REG_DWORD_BIG_ENDIAN = 5
REG_MULTI_SZ = 7
REG_QWORD = 11

# Special value names ("Registry Policy File Format"). The spec spells the per-value form "**Del.valuename";
# gpedit and LGPO write it lower case, and Windows compares value names case-insensitively, so both are matched.
DEL_PREFIX = "**del."
SOFT_PREFIX = "**soft."
DELVALS = "**delvals."
# A delete marker's data is ignored by the client; gpedit writes REG_SZ " " (a single space plus its NUL, size 4).
# UNVERIFIED against a live gpedit: the same bytes appear in Salt's lgpo_reg and in public Registry.pol dumps.
# For "Disabled" the WinRM policy writes its disabledValue (AllowAutoConfig=0, a DWORD) and deletes the
# element values (IPv4Filter/IPv6Filter) with **del. markers: that is the caller's choice, built from these helpers.
DELETE_MARKER_DATA = " \0".encode("utf-16-le")

_OPEN = "[".encode("utf-16-le")
_SEMI = ";".encode("utf-16-le")
_CLOSE = "]".encode("utf-16-le")
_NUL = b"\0\0"
_UINT32_MAX = 0xFFFFFFFF

Value = int | str | list[str] | bytes


class RegistryPolError(ValueError):
    """A Registry.pol file that does not follow the format; ``offset`` is the byte where reading stopped."""

    def __init__(self, message: str, offset: int | None = None) -> None:
        self.offset = offset
        super().__init__(message if offset is None else f"{message} at byte offset {offset}")


def _utf16z(text: str) -> bytes:
    """UTF-16LE with its terminating NUL; surrogatepass keeps odd strings from other tools lossless."""
    return (text + "\0").encode("utf-16-le", "surrogatepass")


@dataclasses.dataclass(frozen=True)
class PolEntry:
    """One record: a key path without hive, a value name (or special ``**`` name), a REG_* type and raw data."""

    key: str
    value_name: str
    type: int
    data: bytes

    @classmethod
    def dword(cls, key: str, name: str, value: int) -> PolEntry:
        if not 0 <= value <= _UINT32_MAX:
            raise ValueError(f"REG_DWORD {name!r} out of range: {value}")
        return cls(key, name, REG_DWORD, struct.pack("<I", value))

    @classmethod
    def qword(cls, key: str, name: str, value: int) -> PolEntry:
        if not 0 <= value <= 0xFFFFFFFFFFFFFFFF:
            raise ValueError(f"REG_QWORD {name!r} out of range: {value}")
        return cls(key, name, REG_QWORD, struct.pack("<Q", value))

    @classmethod
    def string(cls, key: str, name: str, value: str, expand: bool = False) -> PolEntry:
        """REG_SZ (or REG_EXPAND_SZ); the size includes the terminating NUL, as gpedit writes it."""
        if "\0" in value:
            raise ValueError(f"string {name!r} contains a NUL character")
        return cls(key, name, REG_EXPAND_SZ if expand else REG_SZ, _utf16z(value))

    @classmethod
    def multi_string(cls, key: str, name: str, values: t.Sequence[str]) -> PolEntry:
        """REG_MULTI_SZ: each string NUL-terminated, then one more NUL; items cannot be empty or hold NULs."""
        for item in values:
            if not item or "\0" in item:
                raise ValueError(f"REG_MULTI_SZ {name!r} item {item!r} is empty or contains a NUL")
        return cls(key, name, REG_MULTI_SZ, "".join(v + "\0" for v in values).encode("utf-16-le") + _NUL)

    @classmethod
    def binary(cls, key: str, name: str, value: bytes) -> PolEntry:
        return cls(key, name, REG_BINARY, bytes(value))

    @classmethod
    def delete_value(cls, key: str, name: str) -> PolEntry:
        """The ``**del.<name>`` marker: the policy client deletes the value on every refresh."""
        return cls(key, DEL_PREFIX + name, REG_SZ, DELETE_MARKER_DATA)

    @property
    def is_delete_marker(self) -> bool:
        return self.value_name.lower().startswith(DEL_PREFIX)

    @property
    def target_name(self) -> str:
        """The registry value this record acts on: the name without a ``**del.`` / ``**soft.`` prefix."""
        lowered = self.value_name.lower()
        for prefix in (DEL_PREFIX, SOFT_PREFIX):
            if lowered.startswith(prefix):
                return self.value_name[len(prefix) :]
        return self.value_name

    def to_bytes(self) -> bytes:
        if "\0" in self.key or "\0" in self.value_name:
            raise ValueError("key and value name cannot contain NUL characters")
        if not 0 <= self.type <= _UINT32_MAX:
            raise ValueError(f"type out of range: {self.type}")
        data = bytes(self.data)
        return b"".join(
            (
                _OPEN,
                _utf16z(self.key),
                _SEMI,
                _utf16z(self.value_name),
                _SEMI,
                struct.pack("<I", self.type),
                _SEMI,
                struct.pack("<I", len(data)),
                _SEMI,
                data,
                _CLOSE,
            )
        )


class _Reader:
    """A cursor over the file that raises RegistryPolError with the offset of whatever is wrong."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, size: int, what: str) -> bytes:
        if self.pos + size > len(self.data):
            raise RegistryPolError(f"truncated record: {what} needs {size} bytes, file ends", self.pos)
        chunk = self.data[self.pos : self.pos + size]
        self.pos += size
        return chunk

    def expect(self, token: bytes, what: str) -> None:
        start = self.pos
        if self.take(len(token), what) != token:
            raise RegistryPolError(f"expected {what}", start)

    def string(self, what: str) -> str:
        start = self.pos
        end = start
        while True:
            if end + 2 > len(self.data):
                raise RegistryPolError(f"truncated record: {what} has no terminating NUL", start)
            if self.data[end : end + 2] == _NUL:
                break
            end += 2
        self.pos = end + 2
        return self.data[start:end].decode("utf-16-le", "surrogatepass")

    def dword(self, what: str) -> int:
        value: int = struct.unpack("<I", self.take(4, what))[0]
        return value


def parse(data: bytes) -> list[PolEntry]:
    """Every record of a Registry.pol file, in file order; a missing file is the caller's concern, not b''."""
    reader = _Reader(bytes(data))
    if len(reader.data) < len(HEADER):
        raise RegistryPolError("truncated header: a Registry.pol file starts with 8 bytes 'PReg' + version", 0)
    if reader.take(4, "signature") != SIGNATURE:
        raise RegistryPolError("bad signature: not a Registry.pol (PReg) file", 0)
    version = reader.dword("version")
    if version != VERSION:
        raise RegistryPolError(f"unsupported Registry.pol version {version} (expected {VERSION})", 4)
    entries = []
    while reader.pos < len(reader.data):
        reader.expect(_OPEN, "'[' opening a record")
        key = reader.string("key")
        reader.expect(_SEMI, "';' after the key")
        name = reader.string("value name")
        reader.expect(_SEMI, "';' after the value name")
        reg_type = reader.dword("type")
        reader.expect(_SEMI, "';' after the type")
        size_at = reader.pos
        size = reader.dword("size")
        reader.expect(_SEMI, "';' after the size")
        if reader.pos + size > len(reader.data):
            raise RegistryPolError(f"size mismatch: size {size} runs past the end of the file", size_at)
        payload = reader.take(size, "data")
        close_at = reader.pos
        if close_at + 2 > len(reader.data):
            raise RegistryPolError(f"truncated record: ']' missing after {size} data bytes, file ends", close_at)
        if reader.data[close_at : close_at + 2] != _CLOSE:
            raise RegistryPolError(f"expected ']' after {size} data bytes (size mismatch or missing bracket)", close_at)
        reader.pos += 2
        entries.append(PolEntry(key, name, reg_type, payload))
    return entries


def serialize(entries: t.Iterable[PolEntry]) -> bytes:
    """A whole Registry.pol file: header, then the records in the given order."""
    return HEADER + b"".join(entry.to_bytes() for entry in entries)


def _utf16_text(entry: PolEntry) -> str:
    if len(entry.data) % 2:
        raise RegistryPolError(f"{entry.value_name!r}: string data has an odd byte count {len(entry.data)}")
    return entry.data.decode("utf-16-le", "surrogatepass")


def decode_value(entry: PolEntry) -> Value:
    """The data as Python: int for DWORD/QWORD, str for SZ/EXPAND_SZ, list[str] for MULTI_SZ, else bytes."""
    if entry.type in (REG_SZ, REG_EXPAND_SZ):
        # Windows reads a string up to its first NUL; a missing terminator is tolerated as the registry does.
        return _utf16_text(entry).split("\0", 1)[0]
    if entry.type == REG_MULTI_SZ:
        items = _utf16_text(entry).split("\0")
        # Trailing NULs terminate the list; an empty string inside it would end it early on Windows.
        result: list[str] = []
        for item in items:
            if not item:
                break
            result.append(item)
        return result
    if entry.type in (REG_DWORD, REG_DWORD_BIG_ENDIAN):
        if len(entry.data) != 4:
            raise RegistryPolError(f"{entry.value_name!r}: REG_DWORD data must be 4 bytes, got {len(entry.data)}")
        value: int = struct.unpack("<I" if entry.type == REG_DWORD else ">I", entry.data)[0]
        return value
    if entry.type == REG_QWORD:
        if len(entry.data) != 8:
            raise RegistryPolError(f"{entry.value_name!r}: REG_QWORD data must be 8 bytes, got {len(entry.data)}")
        qvalue: int = struct.unpack("<Q", entry.data)[0]
        return qvalue
    return bytes(entry.data)


def _same_key(a: str, b: str) -> bool:
    """Registry paths compare case-insensitively; a trailing backslash does not name another key."""
    return a.rstrip("\\").casefold() == b.rstrip("\\").casefold()


def _same_entry(a: PolEntry, b: PolEntry) -> bool:
    return (
        _same_key(a.key, b.key)
        and a.value_name.casefold() == b.value_name.casefold()
        and a.type == b.type
        and a.data == b.data
    )


def find(entries: t.Iterable[PolEntry], key: str, name: str) -> list[PolEntry]:
    """The records acting on one value: the value itself and any ``**del.`` / ``**soft.`` marker for it."""
    folded = name.casefold()
    return [e for e in entries if _same_key(e.key, key) and e.target_name.casefold() == folded]


def set_values(entries: t.Sequence[PolEntry], key: str, values: t.Mapping[str, PolEntry | None]) -> list[PolEntry]:
    """Entries with the records of ``key`` for each named value replaced (PolEntry) or removed (None).

    Every record not acting on one of the named values keeps its place and bytes. A replacement takes the place
    of the first record it replaces; a new value goes after the key's last record, or at the end. A record that
    already equals the wanted one (ignoring key/name case) is kept as it is, so a second run changes nothing.
    ``**delvals.`` / ``**DeleteValues`` records of the key are other settings and are left alone.
    """
    for name, wanted in values.items():
        if wanted is not None and (not _same_key(wanted.key, key) or wanted.target_name.casefold() != name.casefold()):
            raise ValueError(f"entry {wanted.key}\\{wanted.value_name} does not act on {key}\\{name}")
    by_name = {name.casefold(): wanted for name, wanted in values.items()}
    result: list[PolEntry] = []
    placed: set[str] = set()
    last_of_key = -1
    for entry in entries:
        folded = entry.target_name.casefold()
        if not _same_key(entry.key, key) or folded not in by_name:
            if _same_key(entry.key, key):
                last_of_key = len(result)
            result.append(entry)
            continue
        wanted = by_name[folded]
        if wanted is None or folded in placed:
            continue
        placed.add(folded)
        last_of_key = len(result)
        result.append(entry if _same_entry(entry, wanted) else wanted)
    additions = [w for n, w in by_name.items() if w is not None and n not in placed]
    if additions:
        at = last_of_key + 1 if last_of_key >= 0 else len(result)
        result[at:at] = additions
    return result
