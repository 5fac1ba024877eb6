# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The example playbook through the real ansible-playbook: idempotent, check mode with --diff, clear failures."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PLAYBOOK = REPO / "playbooks" / "answer_file_disable_remote_management.yml"
ANSIBLE_PLAYBOOK = Path(sys.executable).parent / "ansible-playbook"

ANSWER_FILE = """<?xml version="1.0" encoding="utf-8"?>
<unattend xmlns="urn:schemas-microsoft-com:unattend">
    <!-- image build 42 -->
    <settings pass="specialize">
        <component name="Microsoft-Windows-Web-Services-for-Management-Core" processorArchitecture="amd64" \
publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS">
            <EnableServerRemoteManagement>true</EnableServerRemoteManagement>
        </component>
    </settings>
</unattend>
"""


def playbook(
    tmp_path: Path, answer_file: Path, *extra: str, env_extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        **(env_extra or {}),
        "ANSIBLE_COLLECTIONS_PATH": str(REPO / ".work" / "collections"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_LOCAL_TEMP": str(tmp_path / ".ansible-tmp"),
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
    }
    command = [
        str(ANSIBLE_PLAYBOOK),
        "-i",
        "localhost,",
        "-e",
        "ansible_connection=local",
        "-e",
        f"ansible_python_interpreter={sys.executable}",
        "-e",
        f"answer_file_path={answer_file}",
        *extra,
        str(PLAYBOOK),
    ]
    return subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=240, check=False)


def recap(result: subprocess.CompletedProcess[str]) -> dict[str, int]:
    match = re.search(r"^localhost\s*:\s*(.*)$", result.stdout, re.MULTILINE)
    assert match, result.stdout + result.stderr
    return {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", match.group(1))}


@pytest.fixture
def answer_file(tmp_path: Path) -> Path:
    path = tmp_path / "unattend.xml"
    path.write_text(ANSWER_FILE)
    return path


def test_first_run_changes_second_run_does_not(tmp_path: Path, answer_file: Path) -> None:
    first = playbook(tmp_path, answer_file)
    assert first.returncode == 0, first.stdout + first.stderr
    assert recap(first)["changed"] == 1
    assert answer_file.read_text() == ANSWER_FILE.replace(">true<", ">false<")
    backups = [p.name for p in tmp_path.iterdir() if p.name.startswith("unattend.xml.")]
    assert len(backups) == 1 and backups[0].endswith("~")
    assert (tmp_path / backups[0]).read_text() == ANSWER_FILE

    second = playbook(tmp_path, answer_file)
    assert second.returncode == 0, second.stdout + second.stderr
    assert recap(second)["changed"] == 0
    assert answer_file.read_text() == ANSWER_FILE.replace(">true<", ">false<")


def test_check_diff_shows_the_edit_and_writes_nothing(tmp_path: Path, answer_file: Path) -> None:
    result = playbook(tmp_path, answer_file, "--check", "--diff")
    assert result.returncode == 0, result.stdout + result.stderr
    assert recap(result)["changed"] == 1
    assert "-<EnableServerRemoteManagement>true</EnableServerRemoteManagement>" in result.stdout
    assert "+<EnableServerRemoteManagement>false</EnableServerRemoteManagement>" in result.stdout
    assert f"--- before: {answer_file} (only EnableServerRemoteManagement is shown)" in result.stdout
    assert "image build 42" not in result.stdout  # the rest of the file is not shown
    assert answer_file.read_text() == ANSWER_FILE
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == ["unattend.xml"]


def test_a_file_that_is_not_an_answer_file_fails_in_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "unattend.xml"
    bad.write_text("<unattend xmlns='urn:schemas-microsoft-com:unattend'><settings></unattend>\n")
    result = playbook(tmp_path, bad)
    assert result.returncode != 0
    fatal = [line for line in result.stdout.splitlines() if line.startswith("fatal: [localhost]")]
    assert len(fatal) == 1, result.stdout
    assert str(bad) in fatal[0] and "is not well-formed XML" in fatal[0]
    assert "Traceback" not in result.stdout + result.stderr
    assert bad.read_text() == "<unattend xmlns='urn:schemas-microsoft-com:unattend'><settings></unattend>\n"


# Microsoft Learn, unattend reference: Microsoft-Windows-Shell-Setup | UserAccounts | AdministratorPassword,
# | AutoLogon | Password, | UserAccounts | LocalAccounts | LocalAccount | Password; Microsoft-Windows-Setup |
# UserData | ProductKey | Key.
SECRETS = (
    "QQBkAG0AaQBuAFAAYQBzAHMAdwBvAHIAZAA=",
    "AutoLogon-Pa55",
    "LocalAccount-Pa55",
    "XKCD1-ABCDE-FGHIJ-KLMNO-PQRST",
)
WITH_SECRETS = ANSWER_FILE.replace(
    "    </settings>\n</unattend>",
    """    </settings>
    <settings pass="windowsPE">
        <component name="Microsoft-Windows-Setup" processorArchitecture="amd64">
            <UserData><ProductKey><Key>XKCD1-ABCDE-FGHIJ-KLMNO-PQRST</Key></ProductKey></UserData>
        </component>
    </settings>
    <settings pass="oobeSystem">
        <component name="Microsoft-Windows-Shell-Setup" processorArchitecture="amd64">
            <AutoLogon><Password><Value>AutoLogon-Pa55</Value><PlainText>true</PlainText></Password></AutoLogon>
            <UserAccounts>
                <AdministratorPassword><Value>QQBkAG0AaQBuAFAAYQBzAHMAdwBvAHIAZAA=</Value></AdministratorPassword>
                <LocalAccounts><LocalAccount><Password><Value>LocalAccount-Pa55</Value></Password></LocalAccount>
                </LocalAccounts>
            </UserAccounts>
        </component>
    </settings>
</unattend>""",
)


@pytest.mark.parametrize("mode", [("--check",), ()], ids=["check", "apply"])
def test_diff_at_vvv_never_shows_a_secret_of_the_file(tmp_path: Path, mode: tuple[str, ...]) -> None:
    path = tmp_path / "unattend.xml"
    path.write_text(WITH_SECRETS)
    log = tmp_path / "ansible.log"
    result = playbook(tmp_path, path, *mode, "--diff", "-vvv", env_extra={"ANSIBLE_LOG_PATH": str(log)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert recap(result)["changed"] == 1
    output = result.stdout + result.stderr + log.read_text()
    assert [s for s in SECRETS if s in output] == []
    assert "EnableServerRemoteManagement" in log.read_text()  # the log did get the task's result
    assert "+<EnableServerRemoteManagement>false</EnableServerRemoteManagement>" in result.stdout
    expected = WITH_SECRETS if mode else WITH_SECRETS.replace(">true<", ">false<", 1)
    assert path.read_text() == expected


def test_a_setting_from_an_entity_fails_unchanged_and_the_file_stays(tmp_path: Path) -> None:
    content = ANSWER_FILE.replace("<unattend ", '<!DOCTYPE unattend [<!ENTITY on "true">]>\n<unattend ').replace(
        ">true<", ">&on;<"
    )
    path = tmp_path / "unattend.xml"
    path.write_text(content)
    result = playbook(tmp_path, path)
    assert result.returncode != 0
    assert recap(result)["changed"] == 0
    fatal = [line for line in result.stdout.splitlines() if line.startswith("fatal: [localhost]")]
    assert len(fatal) == 1 and "uses the entity &on; declared in the file's DOCTYPE" in fatal[0], result.stdout
    assert path.read_text() == content
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == ["unattend.xml"]
