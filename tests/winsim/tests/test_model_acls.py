# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Directory ACLs (inheritance, an ordinary user's entries keep their ACL), icacls, rd, dir /b, reg import and
schtasks /query /v, as the rollback guard uses them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from winsim import tasks
from winsim.files import FileSystem
from winsim.registry import RegFileError, Registry, import_reg_file
from winsim.state import WINRM_POLICY, HostState
from winsim.wsman.commands import CommandResult, run_command

TEMP = r"C:\Windows\Temp"
USER = "S-1-5-21-1004336348-1177238915-682003330-1001"


def run(state: HostState, line: str) -> CommandResult:
    return run_command(state, None, "cmd.exe", ["/c", line])


def test_windows_temp_shows_its_real_acl() -> None:
    """The `icacls c:\\windows\\temp` output published in GHSA-rf39-3f98-xr7r, with the en-US summary line."""
    state = HostState.from_profile("2019")
    result = run(state, rf"icacls {TEMP}")
    pad = " " * len(TEMP)
    assert result.stdout == (
        f"{TEMP} BUILTIN\\Users:(CI)(S,WD,AD,X)\r\n"
        f"{pad} BUILTIN\\Administrators:(F)\r\n"
        f"{pad} BUILTIN\\Administrators:(OI)(CI)(IO)(F)\r\n"
        f"{pad} NT AUTHORITY\\SYSTEM:(F)\r\n"
        f"{pad} NT AUTHORITY\\SYSTEM:(OI)(CI)(IO)(F)\r\n"
        f"{pad} CREATOR OWNER:(OI)(CI)(IO)(F)\r\n"
        "\r\nSuccessfully processed 1 files; Failed processing 0 files\r\n"
    )


def test_a_new_folder_inherits_the_users_grant_until_icacls_closes_it() -> None:
    state = HostState.from_profile("2019")
    folder = TEMP + r"\guard"
    assert run(state, f"mkdir {folder}").rc == 0
    shown = run(state, f"icacls {folder}").stdout
    assert "BUILTIN\\Users:(I)(CI)(S,WD,AD,X)" in shown  # ordinary users may create entries in it
    closed = run(
        state,
        f'icacls {folder} /inheritance:r /grant:r "*S-1-5-18:(OI)(CI)F" "*S-1-5-32-544:(OI)(CI)F" >nul'
        rf" && icacls {folder} /save {folder}\acl >nul && echo done",
    )
    assert closed.stdout.strip() == "done"
    assert run(state, f"icacls {folder}").stdout == (
        f"{folder} NT AUTHORITY\\SYSTEM:(OI)(CI)(F)\r\n"
        f"{' ' * len(folder)} BUILTIN\\Administrators:(OI)(CI)(F)\r\n"
        "\r\nSuccessfully processed 1 files; Failed processing 0 files\r\n"
    )
    saved = state.files.read(folder + r"\acl").decode("utf-16-le").split("\r\n")
    assert saved[:2] == ["guard", "D:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)"]
    assert run(state, f"dir /a /b {folder}").stdout == "acl\r\n"
    assert run(state, f"rd {folder}").rc == 145  # not empty without /s
    assert run(state, f"rd /s /q {folder}").rc == 0 and not state.files.exists(folder)
    assert run(state, f"rd /s /q {folder}").rc == 2


def test_an_ordinary_users_folder_keeps_its_acl() -> None:
    state = HostState.from_profile("2019")
    planted = TEMP + r"\winremote-rollback-0123"
    state.files.create_as(planted, USER)
    assert run(state, f"mkdir {planted}").rc == 1  # an administrator's mkdir does not take it over
    acl = state.files.acl(planted)
    assert acl["owner"] == USER and acl["aces"][0]["sid"] == USER
    assert run(state, f"icacls {planted}").stdout.startswith(f"{planted} {USER}:(OI)(CI)(F)")
    state.files.write(planted + r"\x.cmd", b"echo planted")
    assert state.files.acl(planted + r"\x.cmd")["aces"][0]["sid"] == USER  # inherited from the user's folder
    again = FileSystem.from_json(json.loads(json.dumps(state.files.to_json())))
    assert again.acl(planted) == acl


def test_reg_import_of_a_utf16_file() -> None:
    state = HostState.from_profile("2019")
    state.registry.set_value(WINRM_POLICY, "IPv6Filter", "REG_SZ", "old")
    text = (
        "Windows Registry Editor Version 5.00\r\n\r\n"
        "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Service]\r\n"
        '"AllowAutoConfig"=dword:00000001\r\n"IPv4Filter"="caf\u00e9 \\"q\\" \\\\"\r\n"IPv6Filter"=-\r\n'
        '"Other"=hex(1):61,00,0a,00,00,00\r\n'
    )
    state.files.write(TEMP + r"\p.reg", b"\xff\xfe" + text.encode("utf-16-le"))
    assert run(state, rf"reg import {TEMP}\p.reg").rc == 0
    assert state.winrm_policy() == {"AllowAutoConfig": 1, "IPv4Filter": 'caf\u00e9 "q" \\', "Other": "a\n"}
    state.files.write(TEMP + r"\bad.reg", b"REGEDIT4\r\n")
    assert run(state, rf"reg import {TEMP}\bad.reg").rc == 1


def test_reg_import_is_all_or_nothing() -> None:
    registry = Registry()
    bad = 'Windows Registry Editor Version 5.00\r\n[HKLM\\X]\r\n"a"=dword:00000001\r\n"b"=garbage\r\n'
    with pytest.raises(RegFileError):
        import_reg_file(registry, bad.encode("utf-8"))
    assert not registry.key_exists(r"HKLM\X")


def test_schtasks_query_verbose_shows_the_command(model_client: Any) -> None:
    state = model_client.state
    tasks.create(
        state,
        "winremote-rollback-policy",
        r"cmd.exe /c ping -n 2 127.0.0.1 >nul & C:\x.cmd",
        "00:00",
        "2020-01-01",
        "SYSTEM",
    )
    out = run(state, 'schtasks /query /tn "winremote-rollback-policy" /v /fo list').stdout
    assert "TaskName:                             \\winremote-rollback-policy\r\n" in out
    assert r"Task To Run:                          cmd.exe /c ping -n 2 127.0.0.1 >nul & C:\x.cmd" in out
