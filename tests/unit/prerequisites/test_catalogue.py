# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The shipped catalogue and the user's catalog and checksums options: what replaces what, and what is refused
before any connection."""

from __future__ import annotations

import pytest

from ansible_collections.winremote.remoting.plugins.plugin_utils.errors import InvalidArgumentError
from ansible_collections.winremote.remoting.plugins.plugin_utils.prerequisites import catalogue

DIGEST = "AB" * 32


def test_shipped_catalogue_has_the_contract_table() -> None:
    cat = catalogue.load()
    assert len(cat.packages) == 17
    assert all(p.arch == "x64" and p.sha256 is None and p.size is None for p in cat.packages)
    wmf4 = cat.find("wmf-4.0", (6, 1), "x64")
    assert wmf4 is not None and wmf4.kb == "KB2819745" and wmf4.kind == "msu"
    assert wmf4.file == "Windows6.1-KB2819745-x64-MultiPkg.msu"
    assert wmf4.cabs == ("Windows6.1-KB2809215-x64.cab", "Windows6.1-KB2872035-x64.cab", "Windows6.1-KB2819745-x64.cab")
    net = cat.find("dotnet-4.5.2", (6, 3), "x64")
    assert net is not None and net.kind == "exe" and net.cabs == () and net.arguments == ()
    assert cat.find("wmf-5.1", (6, 0), "x64") is None
    assert cat.find("wmf-5.1", (6, 1), "x86") is None
    assert cat.find("wmf-5.1", (6, 1), "AMD64") is not None  # Windows' spelling of x64
    assert cat.find("kb2682011", (6, 0), "x64") is not None
    assert cat.find("wmf-3.0", (6, 0), "x64").file == "Windows6.0-KB2506146-x64.msu"  # type: ignore[union-attr]
    assert "dotnet-4.8" in cat.names()


def test_every_shipped_msu_has_cabs_and_a_kb() -> None:
    for package in catalogue.load().packages:
        if package.kind == "msu":
            assert package.cabs and package.kb, package.name


def test_checksums_match_file_names_case_insensitively_and_are_lowercased() -> None:
    cat = catalogue.load(checksums={"windows6.1-kb2819745-x64-multipkg.MSU": DIGEST})
    assert cat.find("wmf-4.0", (6, 1), "x64").sha256 == DIGEST.lower()  # type: ignore[union-attr]
    assert cat.find("wmf-4.0", (6, 2), "x64").sha256 is None  # type: ignore[union-attr]


def test_user_entry_replaces_a_shipped_one_on_its_os_only() -> None:
    entry = {"name": "wmf-5.1", "os": ["6.1"], "file": "My-WMF51.msu", "kind": "msu", "sha256": DIGEST, "size": 10}
    cat = catalogue.load([entry])
    mine = cat.find("wmf-5.1", (6, 1), "x64")
    assert mine is not None and mine.file == "My-WMF51.msu" and mine.cabs == ("My-WMF51.cab",) and mine.size == 10
    assert mine.sha256 == DIGEST.lower() and mine.arch == "x64"
    assert cat.find("wmf-5.1", (6, 2), "x64").file == "W2K12-KB3191565-x64.msu"  # type: ignore[union-attr]


def test_user_entry_splits_a_shipped_multi_os_entry() -> None:
    entry = {"name": "dotnet-4.6", "os": ["6.2"], "file": "net46.exe", "kind": "exe", "arguments": ["/log", "x.log"]}
    cat = catalogue.load([entry])
    assert cat.find("dotnet-4.6", (6, 2), "x64").file == "net46.exe"  # type: ignore[union-attr]
    assert cat.find("dotnet-4.6", (6, 2), "x64").arguments == ("/log", "x.log")  # type: ignore[union-attr]
    shipped = cat.find("dotnet-4.6", (6, 3), "x64")
    assert shipped is not None and shipped.file == "NDP46-KB3045557-x86-x64-AllOS-ENU.exe"
    assert "6.2" not in shipped.os and "6.0" in shipped.os


def test_new_names_and_architectures_are_added() -> None:
    entries = [
        {"name": "wmf-5.1", "os": ["6.1"], "arch": "x86", "file": "Win7-KB3191566-x86.msu", "kind": "msu"},
        {"name": "extra-tool", "os": ["6.3"], "file": "tool.exe", "kind": "exe", "kb": "kb123"},
    ]
    cat = catalogue.load(entries)
    assert cat.find("wmf-5.1", (6, 1), "x86").file == "Win7-KB3191566-x86.msu"  # type: ignore[union-attr]
    assert cat.find("wmf-5.1", (6, 1), "x64").file == "Win7AndW2K8R2-KB3191566-x64.msu"  # type: ignore[union-attr]
    assert cat.find("extra-tool", (6, 3), "x64").kb == "KB123"  # type: ignore[union-attr]


def test_checksums_apply_to_user_entries_too() -> None:
    entry = {"name": "extra-tool", "os": ["6.3"], "file": "tool.exe", "kind": "exe"}
    cat = catalogue.load([entry], {"TOOL.EXE": DIGEST})
    assert cat.find("extra-tool", (6, 3), "x64").sha256 == DIGEST.lower()  # type: ignore[union-attr]


GOOD = {"name": "x", "os": ["6.1"], "file": "x.exe", "kind": "exe"}


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"colour": "red"}, "unknown key(s) colour"),
        ({"file": None}, "missing key(s) file"),
        ({"os": []}, "missing key(s) os"),
        ({"kind": "msi"}, "kind 'msi'"),
        ({"file": "..\\x.exe"}, "plain file name"),
        ({"file": "dir/x.exe"}, "plain file name"),
        ({"file": "x y.exe"}, "plain file name"),
        ({"file": "x&calc.exe"}, "plain file name"),
        ({"sha256": "abc"}, "64 hexadecimal"),
        ({"sha256": "g" * 64}, "64 hexadecimal"),
        ({"os": ["2008R2"]}, "major.minor"),
        ({"size": -1}, "number of bytes"),
        ({"kb": "2506143"}, "KB2506143"),
        ({"cabs": ["a.cab"]}, "msu packages only"),
        ({"kind": "msu", "cabs": ["a\\b.cab"]}, "plain file name"),
    ],
)
def test_catalog_entries_are_validated(change: dict[str, object], words: str) -> None:
    entry = {**GOOD, **change}
    with pytest.raises(InvalidArgumentError) as raised:
        catalogue.load([entry])
    assert raised.value.option == "catalog"
    assert words in str(raised.value)
    assert "entry 1" in str(raised.value)


def test_catalog_must_be_a_list_of_mappings() -> None:
    with pytest.raises(InvalidArgumentError, match=r"^catalog: entry 1 must be a mapping"):
        catalogue.load(["wmf-5.1"])  # type: ignore[list-item]
    with pytest.raises(InvalidArgumentError, match=r"^catalog: must be a list"):
        catalogue.load("wmf-5.1")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("checksums", "words"),
    [
        ({"x.exe": "12"}, "64 hexadecimal"),
        ({"x.exe": None}, "64 hexadecimal"),
        ({"c:\\x.exe": DIGEST}, "plain file name"),
    ],
)
def test_checksums_are_validated(checksums: dict[str, str], words: str) -> None:
    with pytest.raises(InvalidArgumentError) as raised:
        catalogue.load(checksums=checksums)
    assert raised.value.option == "checksums"
    assert words in str(raised.value)


def test_msu_without_cabs_defaults_to_the_file_stem() -> None:
    entry = {"name": "k", "os": "6.1", "file": "Windows6.1-KB1-x64.msu", "kind": "MSU"}
    package = catalogue.parse_entry(entry, "catalog", 0)
    assert package.cabs == ("Windows6.1-KB1-x64.cab",) and package.kind == "msu" and package.os == ("6.1",)
