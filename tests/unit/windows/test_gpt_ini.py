# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""gpt.ini: version encoding, extension list, encodings and preservation of everything else."""

from __future__ import annotations

import pytest

from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import gpt_ini
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows.gpt_ini import GptIniError

REG_PAIR = "[{35378EAC-683F-11D2-A89A-00C04FBBCFA2}{D02B1F72-3407-48AE-BA88-E8213C6761F1}]"
SECURITY_PAIR = "[{827D319E-6EAC-11D2-A4EA-00C04F79F83A}{803E14A0-B4FB-11D0-A0D0-00A0C90F574B}]"
USER_PAIR = "[{35378EAC-683F-11D2-A89A-00C04FBBCFA2}{D02B1F73-3407-48AE-BA88-E8213C6761F1}]"


def test_minimal_file_for_a_host_without_local_policy() -> None:
    gpt = gpt_ini.ensure_machine_extension(gpt_ini.bump_machine_version(gpt_ini.new()))
    assert gpt_ini.render(gpt) == f"[General]\r\nVersion=1\r\ngPCMachineExtensionNames={REG_PAIR}\r\n"
    assert gpt_ini.render_bytes(gpt) == gpt_ini.render(gpt).encode("ascii")


def test_version_halves() -> None:
    gpt = gpt_ini.parse("[General]\nVersion=65537\n")
    assert (gpt.user_version, gpt.machine_version) == (1, 1)
    bumped = gpt_ini.bump_machine_version(gpt)
    assert bumped.get("Version") == str(65536 + 2)
    assert (bumped.user_version, bumped.machine_version) == (1, 2)


def test_machine_version_wraps_to_one_and_keeps_user_half() -> None:
    gpt = gpt_ini.parse(f"[General]\r\nVersion={(7 << 16) | 0xFFFF}\r\n")
    bumped = gpt_ini.bump_machine_version(gpt)
    assert (bumped.user_version, bumped.machine_version) == (7, 1)
    assert bumped.get("Version") == str((7 << 16) | 1)


def test_missing_version_starts_at_zero() -> None:
    gpt = gpt_ini.parse("[General]\r\ngPCFunctionalityVersion=2\r\n")
    assert gpt.version == 0
    expected = "[General]\r\ngPCFunctionalityVersion=2\r\nVersion=1\r\n"
    assert gpt_ini.render(gpt_ini.bump_machine_version(gpt)) == expected


def test_negative_version_read_as_unsigned() -> None:
    gpt = gpt_ini.parse("[General]\r\nVersion=-65535\r\n")
    assert gpt.version == 0xFFFF0001
    assert (gpt.user_version, gpt.machine_version) == (0xFFFF, 1)


@pytest.mark.parametrize("value", ["abc", "1.5", str(2**32)])
def test_bad_version_raises(value: str) -> None:
    with pytest.raises(GptIniError):
        gpt_ini.bump_machine_version(gpt_ini.parse(f"[General]\r\nVersion={value}\r\n"))


def test_unknown_lines_sections_and_spacing_are_kept() -> None:
    text = (
        "; written by hand\r\n[General]\r\ngPCFunctionalityVersion=2\r\n  version = 3 \r\ndisplayName=Local\r\n"
        "\r\n[Extra]\r\nVersion=99\r\n"
    )
    gpt = gpt_ini.bump_machine_version(gpt_ini.parse(text))
    assert gpt_ini.render(gpt) == text.replace("  version = 3 ", "version=4")
    assert gpt.get("Version", section="Extra") == "99"


def test_lf_input_is_rendered_with_crlf() -> None:
    gpt = gpt_ini.parse("[General]\nVersion=1\ngPCUserExtensionNames=" + USER_PAIR)
    assert gpt_ini.render(gpt) == "[General]\r\nVersion=1\r\ngPCUserExtensionNames=" + USER_PAIR + "\r\n"


def test_missing_general_section_is_added() -> None:
    gpt = gpt_ini.bump_machine_version(gpt_ini.parse("[Other]\r\nx=1\r\n\r\n"))
    assert gpt_ini.render(gpt) == "[Other]\r\nx=1\r\n[General]\r\nVersion=1\r\n"


def test_new_key_goes_before_trailing_blank_lines_of_its_section() -> None:
    gpt = gpt_ini.ensure_machine_extension(gpt_ini.parse("[General]\r\nVersion=2\r\n\r\n[Other]\r\n"))
    assert gpt_ini.render(gpt) == f"[General]\r\nVersion=2\r\ngPCMachineExtensionNames={REG_PAIR}\r\n\r\n[Other]\r\n"


def test_extension_added_in_sorted_place_keeping_other_pairs() -> None:
    # {827D...} (security) sorts after {3537...} (registry); an unsorted existing list is sorted on rewrite.
    gpt = gpt_ini.parse(f"[General]\r\ngPCMachineExtensionNames={SECURITY_PAIR}\r\nVersion=5\r\n")
    out = gpt_ini.ensure_machine_extension(gpt)
    assert out.get("gPCMachineExtensionNames") == REG_PAIR + SECURITY_PAIR
    assert out.get("Version") == "5"
    assert out.machine_extensions == [
        ["{35378EAC-683F-11D2-A89A-00C04FBBCFA2}", "{D02B1F72-3407-48AE-BA88-E8213C6761F1}"],
        ["{827D319E-6EAC-11D2-A4EA-00C04F79F83A}", "{803E14A0-B4FB-11D0-A0D0-00A0C90F574B}"],
    ]


def test_extension_already_present_leaves_line_untouched() -> None:
    text = f"[General]\r\ngPCMachineExtensionNames={SECURITY_PAIR}{REG_PAIR.lower()}\r\nVersion=5\r\n"
    gpt = gpt_ini.parse(text)
    assert gpt_ini.ensure_machine_extension(gpt) is gpt


def test_tool_guid_merged_into_an_existing_cse_group() -> None:
    other_tool = "{0F6B957D-509E-11D1-A7CC-0000F87571E3}"
    line = f"gPCMachineExtensionNames=[{{35378EAC-683F-11D2-A89A-00C04FBBCFA2}}{other_tool}]"
    gpt = gpt_ini.parse(f"[General]\r\n{line}\r\n")
    out = gpt_ini.ensure_machine_extension(gpt)
    assert out.get("gPCMachineExtensionNames") == (
        f"[{{35378EAC-683F-11D2-A89A-00C04FBBCFA2}}{other_tool}{{D02B1F72-3407-48AE-BA88-E8213C6761F1}}]"
    )


def test_null_cse_group_sorts_first() -> None:
    null_pair = "[{00000000-0000-0000-0000-000000000000}{803E14A0-B4FB-11D0-A0D0-00A0C90F574B}]"
    gpt = gpt_ini.parse(f"[General]\r\ngPCMachineExtensionNames={SECURITY_PAIR}{null_pair}\r\n")
    assert gpt_ini.ensure_machine_extension(gpt).get("gPCMachineExtensionNames") == null_pair + REG_PAIR + SECURITY_PAIR


@pytest.mark.parametrize("value", ["{35378EAC-683F-11D2-A89A-00C04FBBCFA2}", "[{bad}]", "[]", REG_PAIR + "x"])
def test_malformed_extension_list_raises(value: str) -> None:
    with pytest.raises(GptIniError, match="malformed extension list"):
        gpt_ini.ensure_machine_extension(gpt_ini.parse(f"[General]\r\ngPCMachineExtensionNames={value}\r\n"))


def test_ensure_rejects_a_bad_guid() -> None:
    with pytest.raises(ValueError, match="braced GUID"):
        gpt_ini.ensure_machine_extension(gpt_ini.new(), ["35378EAC-683F-11D2-A89A-00C04FBBCFA2", "{x}"])


@pytest.mark.parametrize(
    ("raw", "encoding"),
    [
        (b"[General]\r\nVersion=3\r\n", "utf-8"),
        (b"\xef\xbb\xbf[General]\r\nVersion=3\r\n", "utf-8-sig"),
        ("[General]\r\nVersion=3\r\n".encode("utf-16-le"), "utf-16-le"),
        (b"\xff\xfe" + "[General]\r\nVersion=3\r\n".encode("utf-16-le"), "utf-16-le-bom"),
        (b"[General]\r\nVersion=3\r\ndisplayName=Caf\xe9\r\n", "cp1252"),
    ],
)
def test_encodings_are_detected_and_written_back(raw: bytes, encoding: str) -> None:
    gpt = gpt_ini.parse(raw)
    assert gpt.encoding == encoding
    assert gpt.version == 3
    assert gpt_ini.render_bytes(gpt) == raw
    bumped = gpt_ini.render_bytes(gpt_ini.bump_machine_version(gpt))
    assert bumped == raw.replace(
        gpt_ini.encode("Version=3", encoding.removesuffix("-bom").removesuffix("-sig")),
        gpt_ini.encode("Version=4", encoding.removesuffix("-bom").removesuffix("-sig")),
    )


def test_unknown_encoding_is_refused() -> None:
    with pytest.raises(ValueError, match=r"unknown gpt\.ini encoding"):
        gpt_ini.encode("x", "latin-9")
