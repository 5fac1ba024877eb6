# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The packages wmf_prerequisites knows, from catalogue.yml beside this module, the user's ``catalog`` entries and
the user's ``checksums``.

Microsoft publishes no SHA-256 for these downloads, so the shipped entries carry none: a file is installed only
when the user vouches for its content. File names reach Windows command lines and the staging directory, so they
are restricted to a safe character set here, before any connection.
"""

from __future__ import annotations

import dataclasses
import os
import re
import typing as t

import yaml

from ansible_collections.winremote.remoting.plugins.plugin_utils.errors import InvalidArgumentError

CATALOGUE_FILE = os.path.join(os.path.dirname(__file__), "catalogue.yml")
KINDS = ("msu", "exe")
REQUIRED_KEYS = frozenset({"name", "os", "file", "kind"})
KEYS = REQUIRED_KEYS | {"arch", "kb", "cabs", "sha256", "size", "arguments"}
SAFE_NAME = re.compile(r"^[A-Za-z0-9._-]+$")
SHA256 = re.compile(r"^[0-9A-Fa-f]{64}$")
OS_VERSION = re.compile(r"^[0-9]+\.[0-9]+$")


@dataclasses.dataclass(frozen=True)
class Package:
    """One installable file for some Windows versions (major.minor text such as ``6.1``) and one architecture."""

    name: str
    os: tuple[str, ...]
    arch: str
    kb: str | None
    file: str
    kind: str
    cabs: tuple[str, ...]
    sha256: str | None
    size: int | None
    arguments: tuple[str, ...]

    def covers(self, windows_version: tuple[int, int], arch: str) -> bool:
        return version_text(windows_version) in self.os and self.arch == normalise_arch(arch)


@dataclasses.dataclass(frozen=True)
class Catalogue:
    packages: tuple[Package, ...]

    def find(self, name: str, windows_version: tuple[int, int], arch: str) -> Package | None:
        """The package called ``name`` for this Windows version and architecture; None when there is none."""
        for package in self.packages:
            if package.name == name and package.covers(windows_version, arch):
                return package
        return None

    def names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(package.name for package in self.packages))


def version_text(windows_version: tuple[int, int]) -> str:
    return f"{windows_version[0]}.{windows_version[1]}"


def normalise_arch(arch: str) -> str:
    """``x64`` for the spellings Windows uses for 64-bit x86 (Win32_OperatingSystem, PROCESSOR_ARCHITECTURE)."""
    lowered = arch.strip().lower()
    if lowered in ("x64", "amd64", "64-bit", "x86_64", "x86-64"):
        return "x64"
    return lowered


def safe_file_name(option: str, label: str, value: object) -> str:
    if not isinstance(value, str) or not SAFE_NAME.match(value) or value in (".", ".."):
        raise InvalidArgumentError(
            option,
            f"{label}: file name {value!r} must be a plain file name of letters, digits, '.', '_' and '-' (no path)",
        )
    return value


def checksum(option: str, label: str, value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not SHA256.match(value.strip()):
        raise InvalidArgumentError(option, f"{label}: sha256 {value!r} must be 64 hexadecimal characters")
    return value.strip().lower()


def text_list(option: str, label: str, key: str, value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(item, (str, int, float)) for item in value):
        raise InvalidArgumentError(option, f"{label}: {key} must be a list of strings")
    return tuple(str(item) for item in value)


def parse_entry(entry: object, option: str, index: int) -> Package:
    """One catalogue entry (a mapping with the YAML's keys) as a Package; ``option`` names the option in errors."""
    if not isinstance(entry, dict):
        raise InvalidArgumentError(option, f"entry {index + 1} must be a mapping, got {type(entry).__name__}")
    label = f"entry {index + 1} ({entry.get('name', 'no name')})"
    unknown = sorted(str(key) for key in entry if key not in KEYS)
    if unknown:
        raise InvalidArgumentError(
            option, f"{label}: unknown key(s) {', '.join(unknown)}; known keys: {', '.join(sorted(KEYS))}"
        )
    missing = sorted(key for key in REQUIRED_KEYS if entry.get(key) in (None, "", []))
    if missing:
        raise InvalidArgumentError(option, f"{label}: missing key(s) {', '.join(missing)}")
    name = str(entry["name"])
    if not SAFE_NAME.match(name):
        raise InvalidArgumentError(option, f"{label}: name must be letters, digits, '.', '_' and '-'")
    kind = str(entry["kind"]).lower()
    if kind not in KINDS:
        raise InvalidArgumentError(option, f"{label}: kind {entry['kind']!r} must be one of {', '.join(KINDS)}")
    file = safe_file_name(option, label, entry["file"])
    versions = text_list(option, label, "os", entry["os"])
    bad = [version for version in versions if not OS_VERSION.match(version)]
    if bad:
        raise InvalidArgumentError(option, f'{label}: os {", ".join(bad)} must be major.minor versions such as "6.1"')
    cabs = tuple(safe_file_name(option, label, cab) for cab in text_list(option, label, "cabs", entry.get("cabs")))
    if kind == "msu" and not cabs:
        cabs = (os.path.splitext(file)[0] + ".cab",)
    if kind == "exe" and cabs:
        raise InvalidArgumentError(option, f"{label}: cabs apply to msu packages only")
    size = entry.get("size")
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 0):
        raise InvalidArgumentError(option, f"{label}: size {size!r} must be a number of bytes")
    kb = entry.get("kb")
    if kb is not None and not re.match(r"^KB[0-9]+$", str(kb), re.IGNORECASE):
        raise InvalidArgumentError(option, f"{label}: kb {kb!r} must look like KB2506143")
    return Package(
        name=name,
        os=versions,
        arch=normalise_arch(str(entry.get("arch") or "x64")),
        kb=str(kb).upper() if kb is not None else None,
        file=file,
        kind=kind,
        cabs=cabs,
        sha256=checksum(option, label, entry.get("sha256")),
        size=size,
        arguments=text_list(option, label, "arguments", entry.get("arguments")),
    )


def merge(base: t.Sequence[Package], extra: t.Sequence[Package]) -> tuple[Package, ...]:
    """A user entry replaces the shipped entry of the same name and architecture on the Windows versions it lists;
    the shipped entry keeps the versions the user entry does not list. Later user entries win over earlier ones."""
    packages = list(base)
    for added in extra:
        kept: list[Package] = []
        for package in packages:
            if package.name == added.name and package.arch == added.arch:
                remaining = tuple(version for version in package.os if version not in added.os)
                if not remaining:
                    continue
                package = dataclasses.replace(package, os=remaining)
            kept.append(package)
        packages = [*kept, added]
    return tuple(packages)


def apply_checksums(packages: t.Sequence[Package], checksums: t.Mapping[str, str]) -> tuple[Package, ...]:
    """The user's ``checksums`` (file name, any case -> SHA-256 hex) set or replace each file's sha256."""
    if not isinstance(checksums, t.Mapping):
        raise InvalidArgumentError("checksums", "must be a mapping of file name to SHA-256 hex")
    table: dict[str, str] = {}
    for file, value in checksums.items():
        label = f"entry {file}"
        safe_file_name("checksums", label, file)
        digest = checksum("checksums", label, value)
        if digest is None:
            raise InvalidArgumentError("checksums", f"{label}: sha256 must be 64 hexadecimal characters")
        table[file.lower()] = digest
    return tuple(
        dataclasses.replace(package, sha256=table[package.file.lower()]) if package.file.lower() in table else package
        for package in packages
    )


def read_shipped(path: str = CATALOGUE_FILE) -> list[object]:
    with open(path, encoding="utf-8") as handle:
        entries = yaml.safe_load(handle)
    if not isinstance(entries, list):
        raise ValueError(f"{path}: the catalogue must be a YAML list")
    return entries


def load(extra: t.Sequence[t.Mapping[str, object]] = (), checksums: t.Mapping[str, str] | None = None) -> Catalogue:
    """The shipped catalogue, with the user's ``catalog`` entries merged in and ``checksums`` applied."""
    shipped = [parse_entry(entry, "catalogue.yml", index) for index, entry in enumerate(read_shipped())]
    if extra is None:
        extra = ()
    if not isinstance(extra, (list, tuple)):
        raise InvalidArgumentError("catalog", "must be a list of package entries")
    user = [
        parse_entry(dict(entry) if isinstance(entry, t.Mapping) else entry, "catalog", index)
        for index, entry in enumerate(extra)
    ]
    return Catalogue(apply_checksums(merge(shipped, user), checksums or {}))
