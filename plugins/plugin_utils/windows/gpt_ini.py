# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""gpt.ini of the local Group Policy object: the version the policy client compares and the extension list.

The client reapplies a GPO only when ``[General] Version`` changed ([MS-GPOL] 3.3.5.4: upper 16 bits = user
version, lower 16 bits = computer version) and runs only the client-side extensions listed in
``gPCMachineExtensionNames``, so editing Registry.pol without both updates would have no effect.

Edits are line-based: every line not changed is rendered as it was read, including unknown keys, sections and
comments. Keys and sections compare case-insensitively, as GetPrivateProfileString does.
"""

from __future__ import annotations

import dataclasses
import re
import typing as t

GENERAL = "General"
VERSION_KEY = "Version"
MACHINE_EXTENSIONS_KEY = "gPCMachineExtensionNames"
REGISTRY_CSE = "{35378EAC-683F-11D2-A89A-00C04FBBCFA2}"
MACHINE_ADMIN_TEMPLATES_TOOL = "{D02B1F72-3407-48AE-BA88-E8213C6761F1}"
REGISTRY_MACHINE_EXTENSION = (REGISTRY_CSE, MACHINE_ADMIN_TEMPLATES_TOOL)

# Encodings a gpt.ini is read as and written back with. Windows writes it through the profile API (ANSI, no
# BOM); tools such as LGPO or PowerShell Out-File may leave UTF-8 (with BOM) or UTF-16LE (with BOM) files.
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16-le", "utf-16-le-bom", "cp1252")

_NEWLINES = re.compile(r"\r\n|\r|\n")
_SECTION = re.compile(r"^\s*\[(?P<name>[^\]]*)\]\s*$")
_GUID = r"\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}"
_GUID_RE = re.compile(_GUID)
_EXTENSION_LIST = re.compile(rf"^(?:\[(?:{_GUID})+\])*$")


class GptIniError(ValueError):
    """A gpt.ini whose Version or extension list cannot be understood, so bumping it safely is impossible."""


@dataclasses.dataclass(frozen=True)
class GptIni:
    """The file as lines (without line endings) plus the encoding it was read in."""

    lines: tuple[str, ...] = ()
    encoding: str = "utf-8"

    def get(self, key: str, section: str = GENERAL) -> str | None:
        """The first value of ``key`` in ``section``, whitespace-trimmed; None when absent."""
        found = _find(self.lines, section, key)
        return None if found is None else _split(self.lines[found])[1]

    @property
    def version(self) -> int:
        """The 32-bit Version (0 when absent). Negative values, written by signed tools, are read as unsigned."""
        raw = self.get(VERSION_KEY)
        if raw is None or raw == "":
            return 0
        try:
            number = int(raw, 10)
        except ValueError:
            raise GptIniError(f"gpt.ini Version is not a number: {raw!r}") from None
        if not -(1 << 31) <= number <= 0xFFFFFFFF:
            raise GptIniError(f"gpt.ini Version out of the 32-bit range: {number}")
        return number & 0xFFFFFFFF

    @property
    def machine_version(self) -> int:
        return self.version & 0xFFFF

    @property
    def user_version(self) -> int:
        return self.version >> 16

    @property
    def machine_extensions(self) -> list[list[str]]:
        """The [CSE][tool...] groups of gPCMachineExtensionNames, each as [cse, tool, ...] GUID strings."""
        return parse_extension_list(self.get(MACHINE_EXTENSIONS_KEY) or "")


def _split(line: str) -> tuple[str, str]:
    key, _sep, value = line.partition("=")
    return key.strip(), value.strip()


def _is_entry(line: str) -> bool:
    stripped = line.strip()
    return "=" in stripped and not stripped.startswith((";", "#"))


def _section_bounds(lines: t.Sequence[str], section: str) -> tuple[int, int] | None:
    """(index of the section header, index after its last line) for the first section of that name."""
    start = None
    for index, line in enumerate(lines):
        match = _SECTION.match(line)
        if not match:
            continue
        if start is not None:
            return start, index
        if match.group("name").strip().casefold() == section.casefold():
            start = index
    return None if start is None else (start, len(lines))


def _find(lines: t.Sequence[str], section: str, key: str) -> int | None:
    bounds = _section_bounds(lines, section)
    if bounds is None:
        return None
    for index in range(bounds[0] + 1, bounds[1]):
        line = lines[index]
        if _is_entry(line) and _split(line)[0].casefold() == key.casefold():
            return index
    return None


def set_value(gpt: GptIni, key: str, value: str, section: str = GENERAL) -> GptIni:
    """A copy with ``key=value``: the first existing line is rewritten (keeping its key spelling), else appended
    after the section's last non-blank line; a missing section is added at the end."""
    lines = list(gpt.lines)
    found = _find(lines, section, key)
    if found is not None:
        existing_key, existing_value = _split(lines[found])
        if existing_value == value:
            return gpt
        lines[found] = f"{existing_key}={value}"
    else:
        bounds = _section_bounds(lines, section)
        if bounds is None:
            while lines and not lines[-1].strip():
                lines.pop()
            lines += [f"[{section}]", f"{key}={value}"]
        else:
            at = bounds[1]
            while at > bounds[0] + 1 and not lines[at - 1].strip():
                at -= 1
            lines.insert(at, f"{key}={value}")
    return dataclasses.replace(gpt, lines=tuple(lines))


def new(encoding: str = "utf-8") -> GptIni:
    """The minimal file for a host that has no local policy yet; bump and ensure_* fill in the rest.

    ``gPCFunctionalityVersion`` is not written: its presence in a local gpt.ini is unverified and the policy
    client does not need it to process the registry extension.
    """
    return GptIni(lines=(f"[{GENERAL}]",), encoding=encoding)


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name from ENCODINGS) for the bytes of a gpt.ini."""
    if data.startswith(b"\xff\xfe"):
        return data[2:].decode("utf-16-le"), "utf-16-le-bom"
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    # Without a BOM, UTF-16LE text of ASCII content has a NUL in every odd byte.
    if len(data) >= 2 and len(data) % 2 == 0 and data[1::2].count(0) * 2 >= len(data) // 2:
        return data.decode("utf-16-le"), "utf-16-le"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def encode(text: str, encoding: str) -> bytes:
    """Bytes in one of ENCODINGS, BOM included where the name says so."""
    if encoding == "utf-16-le-bom":
        return b"\xff\xfe" + text.encode("utf-16-le")
    if encoding == "utf-8-sig":
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    if encoding in ("utf-8", "utf-16-le", "cp1252"):
        return text.encode(encoding)
    raise ValueError(f"unknown gpt.ini encoding {encoding!r}; expected one of {', '.join(ENCODINGS)}")


def parse(content: str | bytes) -> GptIni:
    """A GptIni from text (encoding recorded as utf-8) or from the file's bytes (encoding detected)."""
    if isinstance(content, bytes):
        text, encoding = decode(content)
    else:
        text, encoding = content, "utf-8"
    text = text.removeprefix("\ufeff")
    lines = _NEWLINES.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return GptIni(lines=tuple(lines), encoding=encoding)


def render(gpt: GptIni) -> str:
    """The text with CRLF line endings (the Windows profile API's), ending in a line break."""
    return "".join(line + "\r\n" for line in gpt.lines)


def render_bytes(gpt: GptIni) -> bytes:
    """The file's bytes in the encoding it was read in."""
    return encode(render(gpt), gpt.encoding)


def bump_machine_version(gpt: GptIni) -> GptIni:
    """Computer half + 1, user half unchanged; 0xFFFF wraps to 1, never 0 ([MS-GPOL] 3.3.4.5)."""
    machine = (gpt.machine_version + 1) & 0xFFFF or 1
    return set_value(gpt, VERSION_KEY, str((gpt.user_version << 16) | machine))


def parse_extension_list(value: str) -> list[list[str]]:
    """``[{cse}{tool}...][...]`` as groups of upper-case GUIDs, in file order."""
    text = value.strip()
    if not _EXTENSION_LIST.match(text):
        raise GptIniError(f"malformed extension list: {value!r}")
    groups = re.findall(rf"\[((?:{_GUID})+)\]", text)
    return [[guid.upper() for guid in _GUID_RE.findall(group)] for group in groups]


def _guid_key(guid: str) -> str:
    # Assumption: "sorted" means by the GUID's upper-case text, as GPMC/gpedit output lists them; this matches
    # numeric order of the leading field, which is what every published sample shows.
    return guid.upper()


def format_extension_list(groups: t.Iterable[t.Sequence[str]]) -> str:
    """Groups sorted by CSE GUID, tool GUIDs sorted inside each group, duplicates merged."""
    merged: dict[str, set[str]] = {}
    for group in groups:
        cse, *tools = (guid.upper() for guid in group)
        merged.setdefault(cse, set()).update(tools)
    return "".join(
        "[" + cse + "".join(sorted(merged[cse], key=_guid_key)) + "]" for cse in sorted(merged, key=_guid_key)
    )


def _ensure_extension(gpt: GptIni, key: str, pair: t.Sequence[str]) -> GptIni:
    for guid in pair:
        if not _GUID_RE.fullmatch(guid):
            raise ValueError(f"not a braced GUID: {guid!r}")
    cse, *tools = (guid.upper() for guid in pair)
    groups = parse_extension_list(gpt.get(key) or "")
    present = {g.upper() for group in groups if group[0] == cse for g in group[1:]}
    if any(group[0] == cse for group in groups) and present.issuperset(tools):
        return gpt  # already listed: leave the line exactly as it is
    return set_value(gpt, key, format_extension_list([*groups, [cse, *tools]]))


def ensure_machine_extension(gpt: GptIni, pair: t.Sequence[str] = REGISTRY_MACHINE_EXTENSION) -> GptIni:
    """gPCMachineExtensionNames lists ``[cse_guid, tool_guid...]``, keeping every other pair."""
    return _ensure_extension(gpt, MACHINE_EXTENSIONS_KEY, pair)
