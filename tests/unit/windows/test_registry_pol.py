# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Registry.pol: byte layouts built by hand from [MS-GPREG] 2.2.1, round trips and every malformed input."""

from __future__ import annotations

import random
import struct

import pytest

from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import registry_pol as pol
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows.registry_pol import PolEntry, RegistryPolError

KEY = "Software\\Policies\\Microsoft\\Windows\\WinRM\\Service"


def u16(text: str) -> bytes:
    """UTF-16LE of text, written out independently of the module under test."""
    return b"".join(struct.pack("<H", ord(ch)) for ch in text)


def record(key: str, name: str, reg_type: int, data: bytes, size: int | None = None) -> bytes:
    return (
        u16("[")
        + u16(key)
        + b"\x00\x00"
        + u16(";")
        + u16(name)
        + b"\x00\x00"
        + u16(";")
        + struct.pack("<I", reg_type)
        + u16(";")
        + struct.pack("<I", len(data) if size is None else size)
        + u16(";")
        + data
        + u16("]")
    )


HEADER = b"PReg\x01\x00\x00\x00"
WINRM_FILE = (
    HEADER
    + record(KEY, "AllowAutoConfig", 4, b"\x01\x00\x00\x00")
    + record(KEY, "IPv4Filter", 1, u16("*") + b"\x00\x00")
    + record(KEY, "IPv6Filter", 1, u16("fe80::1-fe80::ff") + b"\x00\x00")
)
OTHER = record("Software\\Policies\\Microsoft\\Windows\\WindowsUpdate\\AU", "NoAutoUpdate", 4, b"\x00\x00\x00\x00")


def winrm_entries() -> list[PolEntry]:
    return [
        PolEntry.dword(KEY, "AllowAutoConfig", 1),
        PolEntry.string(KEY, "IPv4Filter", "*"),
        PolEntry.string(KEY, "IPv6Filter", "fe80::1-fe80::ff"),
    ]


def test_header_bytes_are_signature_and_version_one() -> None:
    assert pol.serialize([]) == bytes.fromhex("50526567 01000000")
    assert pol.parse(bytes.fromhex("5052656701000000")) == []


def test_winrm_policy_serializes_to_the_exact_specified_bytes() -> None:
    assert pol.serialize(winrm_entries()) == WINRM_FILE


def test_dword_record_layout_byte_by_byte() -> None:
    data = pol.serialize([PolEntry.dword("K", "V", 1)])
    assert data == bytes.fromhex(
        "50526567 01000000"
        "5b00 4b00 0000 3b00 5600 0000 3b00"  # [ K NUL ; V NUL ;
        "04000000 3b00 04000000 3b00"  # type 4 ; size 4 ;
        "01000000 5d00"  # data ]
    )


def test_string_size_includes_the_terminating_nul() -> None:
    entry = PolEntry.string(KEY, "IPv4Filter", "10.0.0.1")
    assert entry.type == pol.REG_SZ
    assert len(entry.data) == (len("10.0.0.1") + 1) * 2
    assert entry.data.endswith(b"\x00\x00")


def test_parse_winrm_file() -> None:
    entries = pol.parse(WINRM_FILE)
    assert entries == winrm_entries()
    assert [pol.decode_value(e) for e in entries] == [1, "*", "fe80::1-fe80::ff"]


def test_delete_marker_is_reg_sz_single_space() -> None:
    entry = PolEntry.delete_value(KEY, "IPv4Filter")
    assert entry.to_bytes() == record(KEY, "**del.IPv4Filter", 1, b" \x00\x00\x00")
    assert entry.is_delete_marker
    assert entry.target_name == "IPv4Filter"
    assert pol.decode_value(entry) == " "


def test_decode_each_type() -> None:
    assert pol.decode_value(PolEntry.qword("K", "Q", 2**40 + 5)) == 2**40 + 5
    assert pol.decode_value(PolEntry.string("K", "E", "%SystemRoot%", expand=True)) == "%SystemRoot%"
    assert pol.decode_value(PolEntry.multi_string("K", "M", ["a", "bc"])) == ["a", "bc"]
    assert PolEntry.multi_string("K", "M", ["a", "bc"]).data == u16("a\0bc\0\0")
    assert pol.decode_value(PolEntry.multi_string("K", "M", [])) == []
    assert pol.decode_value(PolEntry.binary("K", "B", b"\x01\x02")) == b"\x01\x02"
    assert pol.decode_value(PolEntry("K", "BE", pol.REG_DWORD_BIG_ENDIAN, b"\x00\x00\x01\x00")) == 256
    assert pol.decode_value(PolEntry("K", "N", pol.REG_NONE, b"")) == b""
    # A string without its NUL (other writers) still reads up to the end.
    assert pol.decode_value(PolEntry("K", "S", pol.REG_SZ, u16("abc"))) == "abc"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (PolEntry("K", "D", pol.REG_DWORD, b"\x01\x00"), "REG_DWORD data must be 4 bytes"),
        (PolEntry("K", "Q", pol.REG_QWORD, b"\x01"), "REG_QWORD data must be 8 bytes"),
        (PolEntry("K", "S", pol.REG_SZ, b"a\x00b"), "odd byte count"),
    ],
)
def test_decode_rejects_bad_data(entry: PolEntry, message: str) -> None:
    with pytest.raises(RegistryPolError, match=message):
        pol.decode_value(entry)


def test_helpers_reject_values_they_cannot_encode() -> None:
    with pytest.raises(ValueError, match="out of range"):
        PolEntry.dword("K", "V", 2**32)
    with pytest.raises(ValueError, match="out of range"):
        PolEntry.dword("K", "V", -1)
    with pytest.raises(ValueError, match="NUL"):
        PolEntry.string("K", "V", "a\0b")
    with pytest.raises(ValueError, match="empty"):
        PolEntry.multi_string("K", "V", ["a", ""])
    with pytest.raises(ValueError, match="NUL"):
        PolEntry("K\0", "V", 1, b"").to_bytes()


# --- malformed input: each error names the byte offset where reading stopped --------------------------------

REC = record("K", "V", 4, b"\x01\x00\x00\x00")
# Offsets inside REC: [0 K2 NUL4 ;6 V8 NUL10 ;12 type14 ;18 size20 ;24 data26 ]30 (total 32)


@pytest.mark.parametrize(
    ("data", "message", "offset"),
    [
        (b"", "truncated header", 0),
        (b"PReg\x01\x00", "truncated header", 0),
        (b"PRex\x01\x00\x00\x00", "bad signature", 0),
        (b"PReg\x02\x00\x00\x00", "unsupported Registry.pol version 2", 4),
        (HEADER + u16("(") + REC[2:], "expected '\\['", 8),
        (HEADER + REC[:1], "truncated record", 8),
        (HEADER + REC[:4], "key has no terminating NUL", 10),
        (HEADER + REC[:6] + u16(",") + REC[8:], "expected ';' after the key", 14),
        (HEADER + REC[:12] + u16(":") + REC[14:], "expected ';' after the value name", 20),
        (HEADER + REC[:18] + u16("x") + REC[20:], "expected ';' after the type", 26),
        (HEADER + REC[:24] + u16("x") + REC[26:], "expected ';' after the size", 32),
        (HEADER + REC[:16], "type needs 4 bytes", 22),
        (HEADER + REC[:30], "']' missing after 4 data bytes, file ends", 38),
        (HEADER + REC[:31], "']' missing after 4 data bytes, file ends", 38),
        (HEADER + REC[:30] + u16(")"), "expected '\\]' after 4 data bytes", 38),
        (HEADER + REC[:26] + b"\x01\x00", "size mismatch: size 4 runs past the end", 28),
        (HEADER + record("K", "V", 4, b"\x01\x00\x00\x00", size=2), "expected '\\]' after 2 data bytes", 36),
        (HEADER + record("K", "V", 4, b"\x01\x00\x00\x00", size=6), "']' missing after 6 data bytes", 40),
        (HEADER + record("K", "V", 4, b"\x01\x00\x00\x00", size=9), "size mismatch: size 9", 28),
        (HEADER + REC + b"\x00", "truncated record", 40),
        (HEADER + REC + REC[:-2], "file ends", 70),
    ],
)
def test_malformed_files_raise_with_offset(data: bytes, message: str, offset: int) -> None:
    with pytest.raises(RegistryPolError, match=message) as info:
        pol.parse(data)
    assert info.value.offset == offset
    assert f"at byte offset {offset}" in str(info.value)


def test_key_terminator_must_be_aligned() -> None:
    # "K" then a UTF-16 char 0x0100 whose high byte is 0x01: the bytes 00 00 straddle two characters.
    data = HEADER + u16("[") + u16("K") + b"\x00\x01\x00\x00" + u16(";") + u16("V") + b"\x00\x00" + REC[12:]
    entries = pol.parse(data)
    assert entries[0].key == "K\u0100"


# --- round trips --------------------------------------------------------------------------------------------


def test_parse_serialize_round_trips_bytes() -> None:
    data = HEADER + OTHER + WINRM_FILE[8:] + record(KEY, "**delvals.", 1, u16(" ") + b"\x00\x00")
    assert pol.serialize(pol.parse(data)) == data


def test_unknown_types_and_odd_data_round_trip() -> None:
    data = HEADER + record("K", "", 0x12345678, b"\x01\x02\x03") + record("", "x", 4, b"")
    entries = pol.parse(data)
    assert entries[0] == PolEntry("K", "", 0x12345678, b"\x01\x02\x03")
    assert pol.serialize(entries) == data


def _random_text(rng: random.Random) -> str:
    alphabet = "abcXYZ019\\ ;[]*.-_é\u4e2d\U0001f600"
    return "".join(rng.choice(alphabet) for _unused in range(rng.randrange(0, 12)))


def _random_entry(rng: random.Random) -> PolEntry:
    key, name = _random_text(rng), _random_text(rng)
    kind = rng.randrange(6)
    if kind == 0:
        return PolEntry.dword(key, name, rng.randrange(2**32))
    if kind == 1:
        return PolEntry.qword(key, name, rng.randrange(2**64))
    if kind == 2:
        return PolEntry.string(key, name, _random_text(rng), expand=rng.random() < 0.3)
    if kind == 3:
        return PolEntry.multi_string(key, name, [t for t in (_random_text(rng) for _unused in range(3)) if t])
    if kind == 4:
        return PolEntry.delete_value(key, name)
    return PolEntry(key, name, rng.randrange(2**32), rng.randbytes(rng.randrange(0, 20)))


@pytest.mark.parametrize("seed", range(20))
def test_random_entries_round_trip(seed: int) -> None:
    rng = random.Random(seed)
    entries = [_random_entry(rng) for _unused in range(rng.randrange(0, 40))]
    data = pol.serialize(entries)
    parsed = pol.parse(data)
    assert parsed == entries
    assert pol.serialize(parsed) == data
    for original, back in zip(entries, parsed, strict=True):
        if original.type in (pol.REG_DWORD, pol.REG_QWORD, pol.REG_SZ, pol.REG_MULTI_SZ):
            assert pol.decode_value(back) == pol.decode_value(original)


@pytest.mark.parametrize("seed", range(10))
def test_random_truncations_never_parse_silently(seed: int) -> None:
    rng = random.Random(1000 + seed)
    data = pol.serialize([_random_entry(rng) for _unused in range(5)])
    cut = rng.randrange(1, len(data) - 8)
    with pytest.raises(RegistryPolError):
        pol.parse(data[:-cut])


# --- set_values ---------------------------------------------------------------------------------------------


def test_set_values_adds_to_an_empty_file() -> None:
    entries = pol.set_values([], KEY, {e.value_name: e for e in winrm_entries()})
    assert pol.serialize(entries) == WINRM_FILE


def test_set_values_keeps_other_settings_byte_for_byte() -> None:
    before = HEADER + OTHER + WINRM_FILE[8:] + OTHER.replace(u16("NoAutoUpdate"), u16("AUOptions"))
    wanted = {"IPv4Filter": PolEntry.string(KEY, "IPv4Filter", "10.0.0.1-10.0.0.9")}
    after = pol.serialize(pol.set_values(pol.parse(before), KEY, wanted))
    expected = before.replace(
        record(KEY, "IPv4Filter", 1, u16("*") + b"\x00\x00"),
        record(KEY, "IPv4Filter", 1, u16("10.0.0.1-10.0.0.9") + b"\x00\x00"),
    )
    assert after == expected
    assert after.startswith(HEADER + OTHER)
    assert after.endswith(OTHER.replace(u16("NoAutoUpdate"), u16("AUOptions")))


def test_set_values_is_idempotent_and_ignores_case() -> None:
    lower = [PolEntry(KEY.lower(), e.value_name.lower(), e.type, e.data) for e in winrm_entries()]
    data = pol.serialize([pol.parse(HEADER + OTHER)[0], *lower])
    again = pol.set_values(pol.parse(data), KEY, {e.value_name: e for e in winrm_entries()})
    assert pol.serialize(again) == data  # the existing spelling is kept when nothing else differs


def test_set_values_disabled_policy_writes_delete_markers_in_place() -> None:
    disabled = {
        "AllowAutoConfig": PolEntry.dword(KEY, "AllowAutoConfig", 0),
        "IPv4Filter": PolEntry.delete_value(KEY, "IPv4Filter"),
        "IPv6Filter": PolEntry.delete_value(KEY, "IPv6Filter"),
    }
    entries = pol.set_values(pol.parse(WINRM_FILE), KEY, disabled)
    assert [(e.value_name, pol.decode_value(e)) for e in entries] == [
        ("AllowAutoConfig", 0),
        ("**del.IPv4Filter", " "),
        ("**del.IPv6Filter", " "),
    ]
    # Enabling again replaces the markers rather than leaving them next to the values.
    enabled = pol.set_values(entries, KEY, {e.value_name: e for e in winrm_entries()})
    assert pol.serialize(enabled) == WINRM_FILE


def test_set_values_none_removes_value_and_its_markers() -> None:
    entries = [*pol.parse(WINRM_FILE), PolEntry.delete_value(KEY.upper(), "ipv4filter"), *pol.parse(HEADER + OTHER)]
    result = pol.set_values(entries, KEY, {"IPv4Filter": None, "IPv6Filter": None})
    assert pol.serialize(result) == HEADER + record(KEY, "AllowAutoConfig", 4, b"\x01\x00\x00\x00") + OTHER
    assert pol.find(result, KEY, "ipv4filter") == []


def test_set_values_removes_duplicates_keeping_the_first_place() -> None:
    first, last = PolEntry.string(KEY, "IPv4Filter", "a"), PolEntry.string(KEY, "IPv4Filter", "b")
    entries = [first, *pol.parse(HEADER + OTHER), last]
    result = pol.set_values(entries, KEY, {"IPv4Filter": PolEntry.string(KEY, "IPv4Filter", "*")})
    assert [pol.decode_value(e) for e in result] == ["*", 0]


def test_set_values_appends_new_values_after_the_keys_last_record() -> None:
    entries = [PolEntry.dword(KEY, "AllowAutoConfig", 1), *pol.parse(HEADER + OTHER)]
    result = pol.set_values(entries, KEY, {"IPv6Filter": PolEntry.string(KEY, "IPv6Filter", "*")})
    assert [e.value_name for e in result] == ["AllowAutoConfig", "IPv6Filter", "NoAutoUpdate"]


def test_set_values_leaves_delvals_alone() -> None:
    delvals = PolEntry(KEY, "**delvals.", pol.REG_SZ, u16(" \0"))
    result = pol.set_values([delvals], KEY, {"AllowAutoConfig": PolEntry.dword(KEY, "AllowAutoConfig", 1)})
    assert result == [delvals, PolEntry.dword(KEY, "AllowAutoConfig", 1)]


def test_set_values_rejects_an_entry_for_another_value() -> None:
    with pytest.raises(ValueError, match="does not act on"):
        pol.set_values([], KEY, {"IPv4Filter": PolEntry.string(KEY, "IPv6Filter", "*")})
    with pytest.raises(ValueError, match="does not act on"):
        pol.set_values([], KEY, {"IPv4Filter": PolEntry.string("Software\\Other", "IPv4Filter", "*")})
