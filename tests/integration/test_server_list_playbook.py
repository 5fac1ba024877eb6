# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""winremote.remoting.server_list through the real ansible-playbook: idempotent, check mode with --diff."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ANSIBLE_PLAYBOOK = Path(sys.executable).parent / "ansible-playbook"

SERVER_LIST = (
    '<?xml version="1.0" encoding="utf-8"?>\r\n'
    '<ServerList xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" localhostName="MGMT01.contoso.com">\r\n'
    "  <!-- pool of the web team -->\r\n"
    '  <ServerInfo name="srv01.contoso.com" status="1" lastUpdateTime="2013-08-06T10:41:22.5150000-04:00" '
    'locale="en-US" />\r\n'
    "</ServerList>\r\n"
)
ADDED = (
    '  <ServerInfo name="web01.contoso.com" status="2" lastUpdateTime="0001-01-01T00:00:00" locale="en-US" />\r\n'
    '  <ServerGroupInfo name="Web">\r\n'
    '    <ServerGroupMembership name="web01.contoso.com" />\r\n'
    "  </ServerGroupInfo>\r\n"
)

PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Put web01 in the pool and the Web group
      winremote.remoting.server_list:
        path: "{{ server_list_path }}"
        servers: [web01.contoso.com]
        group: Web
        state: "{{ server_list_state | default('present') }}"
        backup: true
"""


def playbook(tmp_path: Path, path: Path, *extra: str, play: str = PLAY) -> subprocess.CompletedProcess[str]:
    play_file = tmp_path / "play.yml"
    play_file.write_text(play)
    env = {
        **os.environ,
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
        f"server_list_path={path}",
        *extra,
        str(play_file),
    ]
    return subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=240, check=False)


def recap(result: subprocess.CompletedProcess[str]) -> dict[str, int]:
    match = re.search(r"^localhost\s*:\s*(.*)$", result.stdout, re.MULTILINE)
    assert match, result.stdout + result.stderr
    return {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", match.group(1))}


@pytest.fixture
def path(tmp_path: Path) -> Path:
    target = tmp_path / "ServerList.xml"
    target.write_bytes(SERVER_LIST.encode())
    return target


def test_first_run_changes_second_run_does_not(tmp_path: Path, path: Path) -> None:
    first = playbook(tmp_path, path)
    assert first.returncode == 0, first.stdout + first.stderr
    assert recap(first)["changed"] == 1
    expected = SERVER_LIST.replace("</ServerList>", ADDED + "</ServerList>")
    assert path.read_bytes() == expected.encode()
    backups = [p for p in tmp_path.iterdir() if p.name.startswith("ServerList.xml.")]
    assert len(backups) == 1 and backups[0].read_bytes() == SERVER_LIST.encode()

    second = playbook(tmp_path, path)
    assert second.returncode == 0, second.stdout + second.stderr
    assert recap(second)["changed"] == 0
    assert path.read_bytes() == expected.encode()

    removed = playbook(tmp_path, path, "-e", "server_list_state=absent")
    assert removed.returncode == 0, removed.stdout + removed.stderr
    assert recap(removed)["changed"] == 1
    assert b'name="web01.contoso.com"' in path.read_bytes()  # with a group, only the membership goes
    assert b"ServerGroupMembership" not in path.read_bytes()


def test_check_diff_shows_the_edit_and_writes_nothing(tmp_path: Path, path: Path) -> None:
    result = playbook(tmp_path, path, "--check", "--diff")
    assert result.returncode == 0, result.stdout + result.stderr
    assert recap(result)["changed"] == 1
    assert '+  <ServerInfo name="web01.contoso.com" status="2"' in result.stdout
    assert '+    <ServerGroupMembership name="web01.contoso.com" />' in result.stdout
    assert path.read_bytes() == SERVER_LIST.encode()
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == ["ServerList.xml", "play.yml"]


def test_a_dtd_fails_in_one_line_and_the_file_stays(tmp_path: Path) -> None:
    content = '<!DOCTYPE ServerList [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n<ServerList>&e;</ServerList>\n'
    target = tmp_path / "ServerList.xml"
    target.write_text(content)
    result = playbook(tmp_path, target)
    assert result.returncode != 0
    fatal = [line for line in result.stdout.splitlines() if line.startswith("fatal: [localhost]")]
    assert len(fatal) == 1 and "DOCTYPE" in fatal[0] and str(target) in fatal[0], result.stdout
    assert "root:" not in result.stdout + result.stderr  # /etc/passwd was never read
    assert target.read_text() == content


def test_a_missing_file_fails_unless_created(tmp_path: Path) -> None:
    target = tmp_path / "ServerList.xml"
    missing = playbook(tmp_path, target)
    assert missing.returncode != 0
    assert "does not exist; set create=true" in missing.stdout, missing.stdout
    assert not target.exists()

    created = playbook(tmp_path, target, play=PLAY.replace("backup: true", "create: true"))
    assert created.returncode == 0, created.stdout + created.stderr
    assert recap(created)["changed"] == 1
    text = target.read_text()
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>')
    assert '<ServerInfo name="web01.contoso.com" status="2" lastUpdateTime="0001-01-01T00:00:00" />' in text
    assert '<ServerGroupMembership name="web01.contoso.com" />' in text


def test_a_name_with_whitespace_is_refused(tmp_path: Path, path: Path) -> None:
    result = playbook(tmp_path, path, play=PLAY.replace("[web01.contoso.com]", '["web01 contoso"]'))
    assert result.returncode != 0
    assert "'web01 contoso' is not a server name" in result.stdout, result.stdout
    assert path.read_bytes() == SERVER_LIST.encode()
