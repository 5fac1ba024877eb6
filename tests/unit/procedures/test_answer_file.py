# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The answer_file procedure on real-looking answer files: only the setting's bytes may change."""

from __future__ import annotations

import codecs
import dataclasses
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from ansible_collections.winremote.remoting.plugins.module_utils._specs import ANSWER_FILE
from ansible_collections.winremote.remoting.plugins.plugin_utils import local_file, xmledit
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures import answer_file as af

NS = {"u": af.UNATTEND_NS}
COMPONENT_XPATH = "u:settings[@pass='{pass_}']/u:component[@name='{name}'][@processorArchitecture='{arch}']"

# What Windows System Image Manager writes (CRLF, UTF-8 BOM, 4-space indent), plus hand-made comments.
SIM_FILE = (
    "\ufeff"
    + """<?xml version="1.0" encoding="utf-8"?>
<!-- Lab servers: keep in sync with the task sequence -->
<unattend xmlns="urn:schemas-microsoft-com:unattend">
    <settings pass="windowsPE">
        <component name="Microsoft-Windows-International-Core-WinPE" processorArchitecture="amd64" \
publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS" \
xmlns:wcm="http://schemas.microsoft.com/WMIConfig/2002/State" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
            <SetupUILanguage>
                <UILanguage>en-US</UILanguage>
            </SetupUILanguage>
            <UILanguage>en-US</UILanguage>
        </component>
    </settings>
    <settings pass="specialize">
        <!-- the host name comes from the deployment share -->
        <component name="Microsoft-Windows-Shell-Setup" processorArchitecture="amd64" \
publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS" \
xmlns:wcm="http://schemas.microsoft.com/WMIConfig/2002/State" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
            <ComputerName>*</ComputerName>
            <TimeZone>UTC</TimeZone>
        </component>
    </settings>
    <settings pass="oobeSystem">
        <component name="Microsoft-Windows-Shell-Setup" processorArchitecture="amd64" \
publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS" \
xmlns:wcm="http://schemas.microsoft.com/WMIConfig/2002/State" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
            <UserAccounts>
                <AdministratorPassword>
                    <Value>UABhAHMAcwB3AG8AcgBkAA==</Value>
                    <PlainText>false</PlainText>
                </AdministratorPassword>
            </UserAccounts>
        </component>
    </settings>
    <cpi:offlineImage cpi:source="wim:c:/iso/sources/install.wim#Windows Server 2022 SERVERDATACENTER" \
xmlns:cpi="urn:schemas-microsoft-com:cpi" />
</unattend>
""".replace("\n", "\r\n")
)

WITH_SETTING = """<?xml version='1.0' encoding='UTF-8'?>
<unattend xmlns="urn:schemas-microsoft-com:unattend" xmlns:wcm="http://schemas.microsoft.com/WMIConfig/2002/State">
  <settings pass="specialize">
    <component versionScope='nonSxS' language="neutral" processorArchitecture="amd64"
               name="Microsoft-Windows-Web-Services-for-Management-Core" publicKeyToken="31bf3856ad364e35">
      <EnableServerRemoteManagement>true</EnableServerRemoteManagement> <!-- set by the image team -->
    </component>
  </settings>
</unattend>
"""


def write(tmp_path: Path, content: str | bytes, name: str = "unattend.xml") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def run(path: Path, enabled: bool = False, **kwargs: object) -> list[af.Change]:
    """Observe, plan and apply once; return the plan."""
    desired = af.AnswerFileDesired(enabled, **kwargs)  # type: ignore[arg-type]
    state = af.observe(str(path), desired.architecture, desired.pass_)
    changes = af.plan(state, desired)
    af.apply(state, changes)
    return changes


def setting_values(path: Path, pass_: str = "specialize", arch: str = "amd64") -> list[str]:
    root = ET.fromstring(path.read_bytes())
    xpath = COMPONENT_XPATH.format(pass_=pass_, name=af.COMPONENT, arch=arch) + "/u:EnableServerRemoteManagement"
    return [(e.text or "").strip() for e in root.findall(xpath, NS)]


def inserted_at(before: bytes, after: bytes, at: int) -> bytes:
    """The bytes inserted into ``before`` at offset ``at``; fails when anything else changed."""
    inserted = after[at : at + len(after) - len(before)]
    assert after[:at] == before[:at], "bytes before the insertion changed"
    assert after[at + len(inserted) :] == before[at:], "bytes after the insertion changed"
    return inserted


def test_adds_the_specialize_component_to_a_sim_file_keeping_every_other_byte(tmp_path: Path) -> None:
    path = write(tmp_path, SIM_FILE)
    before = path.read_bytes()

    changes = run(path, enabled=False)

    assert [c.kind for c in changes] == ["add_component"]
    after = path.read_bytes()
    assert after.startswith(codecs.BOM_UTF8)
    # Right after the last component of the specialize pass.
    anchor = before.index(b'</component>\r\n    </settings>\r\n    <settings pass="oobeSystem">') + len(b"</component>")
    inserted = inserted_at(before, after, anchor)
    assert inserted.count(b"\r\n") == 3 and b"\n" not in inserted.replace(b"\r\n", b"")
    # The new component sits after the Shell-Setup one, indented like it (8 spaces), its setting 4 deeper.
    assert inserted.startswith(b'\r\n        <component name="Microsoft-Windows-Web-Services-for-Management-Core"')
    assert b"\r\n            <EnableServerRemoteManagement>false</EnableServerRemoteManagement>\r\n" in inserted
    assert b'publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS"' in inserted
    assert setting_values(path) == ["false"]
    assert setting_values(path, pass_="oobeSystem") == []


def test_second_run_plans_nothing_and_does_not_write(tmp_path: Path) -> None:
    path = write(tmp_path, SIM_FILE)
    run(path, enabled=False)
    os.utime(path, (1_000_000_000, 1_000_000_000))
    content = path.read_bytes()

    assert run(path, enabled=False) == []
    assert path.read_bytes() == content
    assert path.stat().st_mtime == 1_000_000_000


def test_flipping_a_value_changes_only_the_value(tmp_path: Path) -> None:
    path = write(tmp_path, WITH_SETTING)

    changes = run(path, enabled=False)

    assert [(c.kind, c.before, c.after) for c in changes] == [("set_value", "true", "false")]
    assert path.read_text() == WITH_SETTING.replace(">true<", ">false<")
    assert run(path, enabled=False) == []
    run(path, enabled=True)
    assert path.read_text() == WITH_SETTING


@pytest.mark.parametrize("written", ["True", "TRUE", " true "])
def test_letter_case_and_blanks_of_a_boolean_do_not_count_as_a_difference(tmp_path: Path, written: str) -> None:
    path = write(tmp_path, WITH_SETTING.replace(">true<", f">{written}<"))
    state = af.observe(str(path))
    assert state.current is True
    assert af.plan(state, af.AnswerFileDesired(True)) == []


def test_a_value_setup_does_not_understand_is_replaced(tmp_path: Path) -> None:
    path = write(tmp_path, WITH_SETTING.replace(">true<", ">yes<"))
    assert af.observe(str(path)).current is None
    assert run(path, enabled=True)
    assert setting_values(path) == ["true"]


def test_setting_added_to_existing_component_with_tab_indentation(tmp_path: Path) -> None:
    text = (
        '<unattend xmlns="urn:schemas-microsoft-com:unattend">\n'
        '\t<settings pass="specialize">\n'
        '\t\t<component name="Microsoft-Windows-Web-Services-for-Management-Core" processorArchitecture="amd64">\n'
        "\t\t\t<!-- WinRM stays off until the build is accredited -->\n"
        "\t\t</component>\n"
        "\t</settings>\n"
        "</unattend>\n"
    )
    path = write(tmp_path, text)

    assert [c.kind for c in run(path)] == ["add_setting"]

    expected = text.replace(
        "accredited -->\n", "accredited -->\n\t\t\t<EnableServerRemoteManagement>false</EnableServerRemoteManagement>\n"
    )
    assert path.read_text() == expected


def test_expands_an_empty_settings_pass_and_an_empty_setting(tmp_path: Path) -> None:
    text = '<unattend xmlns="urn:schemas-microsoft-com:unattend">\n  <settings pass="specialize"/>\n</unattend>\n'
    path = write(tmp_path, text)
    assert [c.kind for c in run(path)] == ["add_component"]
    lines = path.read_text().splitlines()
    assert lines[1] == '  <settings pass="specialize">'
    assert lines[2].startswith('    <component name="Microsoft-Windows-Web-Services-for-Management-Core"')
    assert lines[3:6] == [
        "      <EnableServerRemoteManagement>false</EnableServerRemoteManagement>",
        "    </component>",
        "  </settings>",
    ]
    assert run(path) == []

    empty = WITH_SETTING.replace(
        "<EnableServerRemoteManagement>true</EnableServerRemoteManagement>", "<EnableServerRemoteManagement />"
    )
    path = write(tmp_path, empty, "empty.xml")
    assert af.observe(str(path)).current is None
    run(path, enabled=True)
    assert path.read_text() == empty.replace(
        "<EnableServerRemoteManagement />", "<EnableServerRemoteManagement >true</EnableServerRemoteManagement>"
    )


def test_keeps_the_namespace_prefix_of_the_document(tmp_path: Path) -> None:
    text = '<u:unattend xmlns:u="urn:schemas-microsoft-com:unattend"><u:settings pass="windowsPE"/></u:unattend>'
    path = write(tmp_path, text)

    assert [c.kind for c in run(path)] == ["add_settings_pass"]

    after = path.read_text()
    assert after.startswith(text[: -len("</u:unattend>")] + '<u:settings pass="specialize"><u:component ')
    assert "<u:EnableServerRemoteManagement>false</u:EnableServerRemoteManagement>" in after
    assert "\n" not in after  # a one-line file stays on one line
    assert setting_values(path) == ["false"]


def test_other_architectures_passes_and_namespaces_are_left_alone(tmp_path: Path) -> None:
    text = """<unattend xmlns="urn:schemas-microsoft-com:unattend" xmlns:x="urn:example">
  <settings pass="specialize">
    <component name="Microsoft-Windows-Web-Services-for-Management-Core" processorArchitecture="x86">
      <EnableServerRemoteManagement>true</EnableServerRemoteManagement>
      <x:EnableServerRemoteManagement>true</x:EnableServerRemoteManagement>
    </component>
  </settings>
  <settings pass="oobeSystem">
    <component name="Microsoft-Windows-Web-Services-for-Management-Core" processorArchitecture="amd64">
      <EnableServerRemoteManagement>true</EnableServerRemoteManagement>
    </component>
  </settings>
</unattend>
"""
    path = write(tmp_path, text)

    assert [c.kind for c in run(path)] == ["add_component"]

    assert setting_values(path) == ["false"]
    assert setting_values(path, arch="x86") == ["true"]
    assert setting_values(path, pass_="oobeSystem") == ["true"]
    assert path.read_text().count("<x:EnableServerRemoteManagement>true<") == 1
    assert [c.kind for c in run(path, architecture="x86")] == ["set_value"]
    assert setting_values(path, arch="x86") == ["false"]


def test_every_duplicate_of_the_setting_is_set(tmp_path: Path) -> None:
    text = """<unattend xmlns="urn:schemas-microsoft-com:unattend">
  <settings pass="specialize">
    <component name="Microsoft-Windows-Web-Services-for-Management-Core" processorArchitecture="amd64">
      <EnableServerRemoteManagement>false</EnableServerRemoteManagement>
    </component>
    <component name="Microsoft-Windows-Web-Services-for-Management-Core" processorArchitecture="amd64">
      <EnableServerRemoteManagement>true</EnableServerRemoteManagement>
    </component>
  </settings>
</unattend>
"""
    path = write(tmp_path, text)
    changes = run(path)
    assert len(changes) == 1
    assert setting_values(path) == ["false", "false"]


def test_utf16_file_with_bom_stays_utf16(tmp_path: Path) -> None:
    text = WITH_SETTING.replace("encoding='UTF-8'", "encoding='UTF-16'").replace("image team", "équipe image")
    raw = codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    path = write(tmp_path, raw)

    run(path)

    after = path.read_bytes()
    assert after.startswith(codecs.BOM_UTF16_LE)
    assert after[2:].decode("utf-16-le") == text.replace(">true<", ">false<")


def test_non_ascii_text_before_the_edit_keeps_offsets_right(tmp_path: Path) -> None:
    text = WITH_SETTING.replace("<unattend ", "<!-- Überprüfung: 服务器 -->\n<unattend ")
    path = write(tmp_path, text)
    run(path)
    assert path.read_text(encoding="utf-8") == text.replace(">true<", ">false<")


def test_windows_1252_declared_file_is_written_back_in_windows_1252(tmp_path: Path) -> None:
    text = WITH_SETTING.replace("encoding='UTF-8'", "encoding='windows-1252'").replace("image team", "Bücher €")
    path = write(tmp_path, text.encode("cp1252"))
    run(path)
    assert path.read_bytes() == text.replace(">true<", ">false<").encode("cp1252")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'<unattend xmlns="urn:schemas-microsoft-com:unattend"><settings></unattend>', "not well-formed XML"),
        (b"", "not well-formed XML"),
        (b"\x00\xff\x10garbage", "not well-formed XML"),
        (b'<unattend xmlns="urn:schemas-microsoft-com:unattend"><x:a/></unattend>', "unbound prefix"),
        (b"<unattend><settings pass='specialize'/></unattend>", "root element is unattend, expected unattend in"),
        (b'<Objs xmlns="http://schemas.microsoft.com/powershell/2004/04"/>', "not an unattend answer file"),
    ],
)
def test_invalid_files_fail_naming_the_file_and_stay_untouched(tmp_path: Path, content: bytes, message: str) -> None:
    path = write(tmp_path, content)
    with pytest.raises(af.AnswerFileError) as excinfo:
        run(path)
    assert str(path) in str(excinfo.value)
    assert message in str(excinfo.value)
    assert "\n" not in str(excinfo.value)
    assert path.read_bytes() == content
    assert sorted(os.listdir(tmp_path)) == ["unattend.xml"]


def test_missing_file_fails_unless_create(tmp_path: Path) -> None:
    path = tmp_path / "new.xml"
    with pytest.raises(af.AnswerFileError, match="does not exist; set create=true"):
        run(path)
    assert not path.exists()

    changes = run(path, enabled=False, create=True, pass_="generalize", architecture="arm64")

    assert [c.kind for c in changes] == ["create_file"]
    assert path.read_text().startswith('<?xml version="1.0" encoding="utf-8"?>\n<unattend xmlns=')
    assert setting_values(path, pass_="generalize", arch="arm64") == ["false"]
    assert run(path, enabled=False, create=True, pass_="generalize", architecture="arm64") == []
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_check_mode_is_observe_and_plan_only(tmp_path: Path) -> None:
    path = write(tmp_path, SIM_FILE)
    before = path.read_bytes()
    state = af.observe(str(path))
    changes = af.plan(state, af.AnswerFileDesired(False))
    preview = af.render(state, changes)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["unattend.xml"]
    af.apply(state, changes)
    assert path.read_bytes() == codecs.BOM_UTF8 + preview.encode("utf-8")


def test_backup_is_named_like_ansible_and_holds_the_old_file(tmp_path: Path) -> None:
    path = write(tmp_path, WITH_SETTING)
    state = af.observe(str(path))
    backup = af.apply(state, af.plan(state, af.AnswerFileDesired(False)), backup=True)
    assert backup is not None
    assert re.fullmatch(re.escape(str(path)) + rf"\.{os.getpid()}\.\d{{4}}-\d\d-\d\d@\d\d:\d\d:\d\d~", backup)
    assert Path(backup).read_text() == WITH_SETTING
    assert setting_values(path) == ["false"]
    # No change, no backup.
    state = af.observe(str(path))
    assert af.apply(state, af.plan(state, af.AnswerFileDesired(False)), backup=True) is None


def test_mode_and_symlink_are_kept(tmp_path: Path) -> None:
    real = write(tmp_path, WITH_SETTING, "real.xml")
    real.chmod(0o640)
    link = tmp_path / "unattend.xml"
    link.symlink_to(real)

    run(link)

    assert link.is_symlink()
    assert real.stat().st_mode & 0o777 == 0o640
    assert setting_values(real) == ["false"]
    assert sorted(os.listdir(tmp_path)) == ["real.xml", "unattend.xml"]  # no temp file left behind


def test_a_file_changed_after_it_was_read_is_not_overwritten(tmp_path: Path) -> None:
    path = write(tmp_path, WITH_SETTING)
    state = af.observe(str(path))
    changes = af.plan(state, af.AnswerFileDesired(False))
    path.write_text(WITH_SETTING + "<!-- edited meanwhile -->\n")
    with pytest.raises(af.AnswerFileError, match="changed while it was being edited"):
        af.apply(state, changes)
    assert path.read_text().endswith("<!-- edited meanwhile -->\n")


def test_spec_choices_match_the_procedure() -> None:
    assert tuple(ANSWER_FILE["architecture"]["choices"]) == af.ARCHITECTURES
    assert ANSWER_FILE["architecture"]["default"] == af.DEFAULT_ARCHITECTURE
    assert tuple(ANSWER_FILE["pass"]["choices"]) == af.PASSES
    assert ANSWER_FILE["pass"]["default"] == af.DEFAULT_PASS
    assert "connection" not in ANSWER_FILE


def test_crlf_file_gets_crlf_in_an_expanded_empty_component(tmp_path: Path) -> None:
    text = (
        '<unattend xmlns="urn:schemas-microsoft-com:unattend">\r\n'
        '  <settings pass="specialize">\r\n'
        '    <component name="Microsoft-Windows-Web-Services-for-Management-Core" processorArchitecture="amd64">'
        "</component>\r\n"
        "  </settings>\r\n"
        "</unattend>\r\n"
    )
    path = write(tmp_path, text)
    run(path)
    assert (
        path.read_bytes()
        == text.replace(
            "</component>",
            "\r\n      <EnableServerRemoteManagement>false</EnableServerRemoteManagement>\r\n    </component>",
        ).encode()
    )


# --- what --diff shows, entities, writing only what parses ------------------------------------------------------

SECRETS = ("UABhAHMAcwB3AG8AcgBkAA==", "Auto-Logon-Pa55", "Local-Pa55", "ABCDE-FGHIJ-KLMNO-PQRST-UVWXY")

# Every kind of secret on one line with the setting: nothing outside the setting may show, and what does is masked.
ONE_LINE = (
    '<unattend xmlns="urn:schemas-microsoft-com:unattend"><settings pass="oobeSystem">'
    '<component name="Microsoft-Windows-Shell-Setup" processorArchitecture="amd64">'
    "<UserAccounts><AdministratorPassword><Value>UABhAHMAcwB3AG8AcgBkAA==</Value></AdministratorPassword>"
    "<LocalAccounts><LocalAccount><Password><Value>Local-Pa55</Value></Password></LocalAccount></LocalAccounts>"
    "</UserAccounts><AutoLogon><Password><Value>Auto-Logon-Pa55</Value></Password></AutoLogon>"
    "<ProductKey>ABCDE-FGHIJ-KLMNO-PQRST-UVWXY</ProductKey></component></settings>"
    '<settings pass="specialize"><component name="Microsoft-Windows-Web-Services-for-Management-Core" '
    'processorArchitecture="amd64"><EnableServerRemoteManagement>true</EnableServerRemoteManagement>'
    "</component></settings></unattend>"
)


def diff_of(path: Path, enabled: bool = False) -> dict[str, str]:
    state = af.observe(str(path))
    return af.diff(state, af.plan(state, af.AnswerFileDesired(enabled)))


def test_diff_shows_only_the_setting_where_it_is(tmp_path: Path) -> None:
    path = write(tmp_path, SIM_FILE)
    diff = diff_of(path)
    # Where the component goes: after the specialize pass's last component.
    location = f"# specialize/{af.COMPONENT}[amd64]/{af.SETTING}, line 17"
    assert diff["before"] == f"{location}\n(absent)\n"
    assert diff["after"].startswith(f"{location}\n<{af.SETTING}>false</{af.SETTING}>\n# add {af.COMPONENT}")
    assert "UABhAHMAcwB3AG8AcgBkAA==" not in str(diff) and "ComputerName" not in str(diff)

    path = write(tmp_path, WITH_SETTING, "with.xml")
    diff = diff_of(path)
    location = f"# specialize/{af.COMPONENT}[amd64]/{af.SETTING}, line 6"
    assert diff["before"] == f"{location}\n<{af.SETTING}>true</{af.SETTING}>\n"
    assert diff["after"] == f"{location}\n<{af.SETTING}>false</{af.SETTING}>\n"
    assert "image team" not in str(diff)


def test_diff_of_a_one_line_file_holding_every_kind_of_secret_shows_none(tmp_path: Path) -> None:
    path = write(tmp_path, ONE_LINE)
    diff = diff_of(path)
    assert diff["before"].endswith(f"\n<{af.SETTING}>true</{af.SETTING}>\n")
    assert not [s for s in SECRETS if s in str(diff)]


@pytest.mark.parametrize(
    "element",
    [
        "<Password><Value>Auto-Logon-Pa55</Value><PlainText>true</PlainText></Password>",
        "<AdministratorPassword><Value>UABhAHMAcwB3AG8AcgBkAA==</Value></AdministratorPassword>",
        "<ProductKey><Key>ABCDE-FGHIJ-KLMNO-PQRST-UVWXY</Key></ProductKey>",
        "<Key>ABCDE-FGHIJ-KLMNO-PQRST-UVWXY</Key>",
        "<MachinePassword>Local-Pa55</MachinePassword>",
    ],
)
def test_secret_elements_are_masked_in_whatever_part_of_the_file_is_shown(tmp_path: Path, element: str) -> None:
    # Junk inside the setting is shown (it is what gets replaced), but never a secret element's content.
    path = write(tmp_path, WITH_SETTING.replace(">true<", f">true{element}<"))
    diff = diff_of(path)
    assert not [s for s in SECRETS if s in str(diff)]
    assert xmledit.MASK in diff["before"]


def test_a_long_current_value_is_cut_in_messages_and_diffs(tmp_path: Path) -> None:
    path = write(tmp_path, WITH_SETTING.replace(">true<", ">" + "y" * 100_000 + "<"))
    state = af.observe(str(path))
    changes = af.plan(state, af.AnswerFileDesired(False))
    assert len(changes[0].summary) < 300
    assert len(af.diff(state, changes)["before"]) < 500


ENTITY_FILES = {
    "the value": (
        '<!DOCTYPE unattend [<!ENTITY on "true">]>\n' + WITH_SETTING.split("?>\n", 1)[1].replace(">true<", ">&on;<")
    ),
    "the component": (
        '<?xml version="1.0"?>\n<!DOCTYPE unattend [<!ENTITY wsman "<component '
        f"name='{af.COMPONENT}' processorArchitecture='amd64'><{af.SETTING}>true</{af.SETTING}></component>\">]>\n"
        '<unattend xmlns="urn:schemas-microsoft-com:unattend">\n'
        '  <settings pass="specialize">&wsman;</settings>\n</unattend>\n'
    ),
    "the settings pass": (
        '<?xml version="1.0"?>\n<!DOCTYPE unattend [<!ENTITY pass "<settings pass=\'specialize\'/>">]>\n'
        '<unattend xmlns="urn:schemas-microsoft-com:unattend">&pass;</unattend>\n'
    ),
}


@pytest.mark.parametrize("holder", sorted(ENTITY_FILES))
def test_a_setting_that_comes_from_an_entity_is_refused_not_rewritten(tmp_path: Path, holder: str) -> None:
    content = ENTITY_FILES[holder]
    path = write(tmp_path, content)
    with pytest.raises(af.AnswerFileError) as excinfo:
        run(path, enabled=False)
    message = str(excinfo.value)
    assert str(path) in message and "entity &" in message and "DOCTYPE" in message
    assert "write the entity's text in place of the reference" in message and "left unchanged" in message
    assert path.read_text() == content
    assert sorted(os.listdir(tmp_path)) == ["unattend.xml"]


def test_entities_elsewhere_in_the_file_are_kept_byte_for_byte(tmp_path: Path) -> None:
    content = '<?xml version="1.0"?>\n<!DOCTYPE unattend [<!ENTITY org "Example &amp; Co">]>\n' + SIM_FILE.split(
        "?>\r\n", 1
    )[1].replace("<TimeZone>UTC</TimeZone>", "<RegisteredOrganization>&org;</RegisteredOrganization>")
    path = write(tmp_path, content)
    assert [c.kind for c in run(path)] == ["add_component"]
    assert "<RegisteredOrganization>&org;</RegisteredOrganization>" in path.read_text()
    assert '<!ENTITY org "Example &amp; Co">' in path.read_text()
    assert setting_values(path) == ["false"]


HOSTILE = {
    "external entity (XXE)": (
        b'<?xml version="1.0"?><!DOCTYPE unattend [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<unattend xmlns="urn:schemas-microsoft-com:unattend">&x;</unattend>',
        "external entity 'x'; external entities are never read",
    ),
    "external parameter entity": (
        b'<?xml version="1.0"?><!DOCTYPE unattend [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;]>'
        b'<unattend xmlns="urn:schemas-microsoft-com:unattend"/>',
        "external entity 'p'",
    ),
    "billion laughs": (
        b'<?xml version="1.0"?><!DOCTYPE unattend [<!ENTITY a "aaaaaaaaaa">'
        + b"".join(
            b"<!ENTITY " + bytes([c]) + b' "' + (b"&" + bytes([c - 1]) + b";") * 10 + b'">' for c in range(98, 106)
        )
        + b']><unattend xmlns="urn:schemas-microsoft-com:unattend">&i;</unattend>',
        "amplification",
    ),
    "quadratic blow-up": (
        b'<?xml version="1.0"?><!DOCTYPE unattend [<!ENTITY a "'
        + b"x" * 100_000
        + b'">]><unattend xmlns="urn:schemas-microsoft-com:unattend">'
        + b"&a;" * 20_000
        + b"</unattend>",
        "amplification",
    ),
    "deep nesting": (
        b'<unattend xmlns="urn:schemas-microsoft-com:unattend">'
        + b"<a>" * 100_000
        + b"</a>" * 100_000
        + b"</unattend>",
        f"nested more than {xmledit.MAX_DEPTH} deep",
    ),
    "too many elements": (
        b'<unattend xmlns="urn:schemas-microsoft-com:unattend">' + b"<a/>" * 200_000 + b"</unattend>",
        f"more than {xmledit.MAX_ELEMENTS} elements",
    ),
}


@pytest.mark.parametrize("attack", sorted(HOSTILE))
def test_hostile_xml_is_refused_cleanly(tmp_path: Path, attack: str) -> None:
    content, message = HOSTILE[attack]
    path = write(tmp_path, content)
    with pytest.raises(af.AnswerFileError) as excinfo:
        run(path)
    assert message in str(excinfo.value) and str(path) in str(excinfo.value)
    assert "\n" not in str(excinfo.value) and len(str(excinfo.value)) < 400
    assert path.read_bytes() == content
    assert sorted(os.listdir(tmp_path)) == ["unattend.xml"]


def test_a_file_too_large_for_an_answer_file_is_refused(tmp_path: Path) -> None:
    padding = "<!--" + "x" * af.MAX_FILE_BYTES + "-->"
    path = write(tmp_path, WITH_SETTING + padding)
    with pytest.raises(af.AnswerFileError, match="larger than 4 MiB"):
        run(path)


def test_an_expat_without_amplification_limits_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(xmledit.expat, "version_info", (2, 2, 10))
    path = write(tmp_path, WITH_SETTING)
    with pytest.raises(af.AnswerFileError, match=r"expat 2\.2\.10, which does not limit entity expansion"):
        run(path)
    assert path.read_text() == WITH_SETTING


def test_an_edit_whose_result_does_not_parse_is_never_written(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = write(tmp_path, WITH_SETTING)
    real_set_text = xmledit.set_text
    # An edit that goes wrong (as offsets into entity text once did) must be caught before the file is replaced.
    monkeypatch.setattr(
        xmledit, "set_text", lambda node, value: dataclasses.replace(real_set_text(node, value), new=f"{value}</x>")
    )
    state = af.observe(str(path))
    with pytest.raises(af.AnswerFileError, match=r"not well-formed XML .* the edit was not written"):
        af.plan(state, af.AnswerFileDesired(False))
    changes = af._plan(state, af.AnswerFileDesired(False))
    with pytest.raises(af.AnswerFileError, match="not well-formed XML"):
        af.apply(state, changes, backup=True)
    assert path.read_text() == WITH_SETTING
    assert sorted(os.listdir(tmp_path)) == ["unattend.xml"]  # no backup, no temporary file


def test_an_edit_that_does_not_set_the_value_is_never_written(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = write(tmp_path, WITH_SETTING)
    real_set_text = xmledit.set_text
    monkeypatch.setattr(xmledit, "set_text", lambda node, value: real_set_text(node, "maybe"))
    with pytest.raises(af.AnswerFileError, match="would not set EnableServerRemoteManagement as planned"):
        run(path)
    assert path.read_text() == WITH_SETTING


def test_a_crash_while_writing_leaves_the_original(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = write(tmp_path, WITH_SETTING)
    path.chmod(0o640)
    replaced: list[tuple[str, str]] = []

    def failing_replace(src: str, dst: str) -> None:
        replaced.append((src, dst))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(local_file.os, "replace", failing_replace)
    with pytest.raises(af.AnswerFileError, match="No space left on device; it was left unchanged"):
        run(path)
    # The new bytes went to a temporary file next to the original, with its mode, renamed over it in one step.
    [(src, dst)] = replaced
    assert os.path.dirname(src) == str(tmp_path) and dst == str(path)
    assert path.read_text() == WITH_SETTING
    assert sorted(os.listdir(tmp_path)) == ["unattend.xml"]


def test_the_new_file_keeps_the_original_mode_and_backup_keeps_it_too(tmp_path: Path) -> None:
    path = write(tmp_path, ONE_LINE)
    path.chmod(0o600)
    state = af.observe(str(path))
    backup = af.apply(state, af.plan(state, af.AnswerFileDesired(False)), backup=True)
    assert backup is not None
    assert Path(backup).read_text() == ONE_LINE
    assert Path(backup).stat().st_mode & 0o777 == 0o600
    assert path.stat().st_mode & 0o777 == 0o600
    assert setting_values(path) == ["false"]


def test_a_backup_name_taken_by_a_symlink_is_not_followed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = write(tmp_path, WITH_SETTING)
    victim = write(tmp_path, "keep", "victim.txt")
    planted = tmp_path / "planted~"
    planted.symlink_to(victim)
    monkeypatch.setattr(local_file, "backup_name", lambda _path: str(planted))
    state = af.observe(str(path))
    with pytest.raises(af.AnswerFileError, match="cannot write next to the file"):
        af.apply(state, af.plan(state, af.AnswerFileDesired(False)), backup=True)
    assert victim.read_text() == "keep"
    assert path.read_text() == WITH_SETTING
