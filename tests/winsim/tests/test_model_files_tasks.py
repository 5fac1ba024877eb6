# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""File system, file tools (type, echo redirection, del, mkdir, certutil), services (net, sc), scheduled tasks,
and the WinRM restart semantics of the "Allow remote server management through WinRM" policy."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import pytest

from winsim import rules, tasks
from winsim.files import FileSystem, FileSystemError
from winsim.state import WINRM_POLICY, HostState
from winsim.wsman import config
from winsim.wsman.commands import run_command

GP = r"C:\Windows\System32\GroupPolicy"
RESTART = (
    'schtasks /create /tn winremote-restart /sc once /st 00:00 /ru SYSTEM /tr "cmd.exe /c net stop winrm & '
    'net start winrm" /f'
)
SHELL_NS = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"


def test_file_system_paths_and_json() -> None:
    fs = FileSystem()
    fs.mkdir(r"C:\Windows\Temp")
    fs.write(r"c:\WINDOWS\temp\A.txt", b"one")
    assert fs.read(r"C:\Windows\Temp\a.TXT") == b"one"
    assert fs.files() == [r"C:\Windows\Temp\A.txt"]  # the case it was created with
    with pytest.raises(FileSystemError) as missing:
        fs.write(r"C:\Nope\x", b"")
    assert missing.value.kind == "path_not_found"
    again = FileSystem.from_json(json.loads(json.dumps(fs.to_json())))
    assert again == fs and again.read(r"C:\Windows\..\Windows\Temp\a.txt") == b"one"


@pytest.mark.parametrize("profile", ["2008r2", "2019", "2025"])
def test_profiles_have_an_empty_local_gpo(profile: str) -> None:
    state = HostState.from_profile(profile)
    assert state.files.is_dir(GP + r"\Machine") and state.files.is_dir(GP + r"\User")
    assert not state.files.is_file(GP + r"\gpt.ini") and not state.files.is_file(GP + r"\Machine\Registry.pol")
    state.files.write(GP + r"\gpt.ini", b"[General]\r\n")
    tasks.create(state, "x", "cmd /c echo x", "00:00", "2026-01-01", "SYSTEM")  # a task survives the round trip
    assert HostState.from_json(json.loads(json.dumps(state.to_json()))).to_json() == state.to_json()


def test_echo_redirection_type_del_and_expansion(model_client: Any) -> None:
    run = model_client.run
    assert run(r'>"%TEMP%\a.txt" echo first& >>%SystemRoot%\Temp\A.TXT echo second2& type %windir%\temp\a.txt') == (
        "first\r\nsecond2\r\n",
        "",
        0,
    )
    assert run(r"echo abc1>C:\Windows\Temp\b.txt& type C:\Windows\Temp\b.txt")[0] == "abc1\r\n"  # not a handle
    assert run(r"echo lost 2>C:\Windows\Temp\c.txt& type C:\Windows\Temp\c.txt")[0] == "lost \r\n"  # stderr only
    assert model_client.state.files.read(r"C:\Windows\Temp\c.txt") == b""
    assert run(r"echo x>C:\Nope\d.txt") == ("", "The system cannot find the path specified.\r\n", 1)
    assert run(r"type C:\Windows\Temp\none.txt") == ("", "The system cannot find the file specified.\r\n", 1)
    assert run(r"type C:\Nope\none.txt") == ("", "The system cannot find the path specified.\r\n", 1)
    assert run(r"del /f /q C:\Windows\Temp\a.txt & type C:\Windows\Temp\a.txt")[2] == 1
    assert run(r"del /f /q C:\Windows\Temp\a.txt") == ("", "Could Not Find C:\\Windows\\Temp\\a.txt\r\n", 0)
    assert run(r"mkdir C:\Data\One\Two") == ("", "", 0)
    assert run(r"md C:\Data\One") == ("", "A subdirectory or file C:\\Data\\One already exists.\r\n", 1)
    assert run("echo %UNKNOWN%")[0] == "%UNKNOWN%\r\n"


def test_certutil_encode_decode(model_client: Any) -> None:
    data = bytes(range(256)) * 2
    files = model_client.state.files
    files.write(r"C:\Windows\Temp\in.bin", data)
    out, err, rc = model_client.run(r"certutil -f -encode C:\Windows\Temp\in.bin C:\Windows\Temp\in.b64")
    encoded = files.read(r"C:\Windows\Temp\in.b64")
    assert (out, err, rc) == (
        f"Input Length = 512\r\nOutput Length = {len(encoded)}\r\n"
        "CertUtil: -encode command completed successfully.\r\n",
        "",
        0,
    )
    lines = encoded.decode().split("\r\n")
    assert lines[0] == "-----BEGIN CERTIFICATE-----" and lines[-2] == "-----END CERTIFICATE-----" and lines[-1] == ""
    assert all(len(line) == 64 for line in lines[1:-3]) and 0 < len(lines[-3]) <= 64
    assert base64.b64decode("".join(lines[1:-2])) == data
    assert model_client.run(r"certutil -encode C:\Windows\Temp\in.bin C:\Windows\Temp\in.b64")[2] == 0x80070050
    assert model_client.run(r'certutil -f -decode C:\Windows\Temp\in.b64 "C:\Windows\Temp\out.bin"')[2] == 0
    assert files.read(r"C:\Windows\Temp\out.bin") == data
    missing = model_client.run(r"certutil -f -encode C:\Windows\Temp\none C:\Windows\Temp\x")
    assert missing == (
        "CertUtil: -encode command FAILED: 0x80070002 (WIN32: 2 ERROR_FILE_NOT_FOUND)\r\n"
        "CertUtil: The system cannot find the file specified.\r\n",
        "",
        0x80070002,
    )
    files.write(r"C:\Windows\Temp\bad.b64", b"not base64!")
    assert model_client.run(r"certutil -f -decode C:\Windows\Temp\bad.b64 C:\Windows\Temp\x")[2] == 0x80090005
    assert model_client.run(r"certutil -f -decode C:\Windows\Temp\in.b64 C:\Nope\x")[2] == 0x80070003


def test_net_and_sc(model_client: Any) -> None:
    state = model_client.state
    assert model_client.run("net stop wuauserv") == (
        "",
        "The Windows Update service is not started.\r\n\r\nMore help is available by typing NET HELPMSG 3521.\r\n\r\n",
        2,
    )
    assert (
        model_client.run("net start wuauserv")[0] == "The Windows Update service is starting.\r\n"
        "The Windows Update service was started successfully.\r\n\r\n"
    )
    assert state.service_status["wuauserv"] == "Running"
    assert model_client.run("net start wuauserv")[2] == 2
    assert model_client.run("net start nosuch")[1].startswith("The service name is invalid.")
    out, _err, rc = model_client.run("sc stop wuauserv")
    assert rc == 0 and "STATE              : 3  STOP_PENDING" in out and state.service_status["wuauserv"] == "Stopped"
    assert model_client.run("sc stop wuauserv")[:3:2] == (
        "[SC] ControlService FAILED 1062:\r\n\r\nThe service has not been started.\r\n\r\n",
        1062,
    )
    assert "START_PENDING" in model_client.run("sc start wuauserv")[0]


def _run_without_delete(client: Any, line: str) -> tuple[str, set[str]]:
    """stdout and the effects of a command whose shell a WinRM restart ends (so no Delete is sent)."""
    out, _err, _code = client.run(line, delete_shell=False)
    return out, set(client.effects)


def test_stopping_winrm_from_its_own_shell_ends_the_command_line(model_client: Any) -> None:
    out, effects = _run_without_delete(model_client, "net stop winrm & net start winrm & echo never")
    assert "stopped successfully" in out and "starting" not in out and "never" not in out
    assert "restart_winrm" in effects and not rules.winrm_running(model_client.state)
    assert rules.accepting_endpoints(model_client.state, "127.0.0.10") == set()


def test_schtasks_create_query_run_delete(model_client: Any) -> None:
    state = model_client.state
    out, _err, rc = model_client.run(RESTART)
    assert rc == 0 and out.endswith(
        'SUCCESS: The scheduled task "winremote-restart" has successfully been created.\r\n'
    )
    assert model_client.run(RESTART.removesuffix(" /f")) == (
        "",
        "ERROR: Cannot create a file when that file already exists.\r\n",
        1,
    )
    query = model_client.run(r"schtasks /query /tn \winremote-restart")[0]
    assert query.split("\r\n")[2].split() == ["TaskName", "Next", "Run", "Time", "Status"]
    assert "winremote-restart                        N/A                    Ready" in query
    state.registry.set_value(WINRM_POLICY, "AllowAutoConfig", "REG_DWORD", 1)
    out, effects = _run_without_delete(model_client, "schtasks /run /tn winremote-restart")
    assert out == 'SUCCESS: Attempted to run the scheduled task "winremote-restart".\r\n'  # answered first
    assert "restart_winrm" in effects and rules.winrm_running(state)
    assert state.winrm_service_policy == {"AllowAutoConfig": 1}
    assert tasks.find(state, "WINREMOTE-RESTART")["last_result"] == 0  # type: ignore[index]
    assert (
        model_client.run("schtasks /delete /tn winremote-restart /f")[0]
        == 'SUCCESS: The scheduled task "winremote-restart" was successfully deleted.\r\n'
    )
    assert model_client.run("schtasks /run /tn winremote-restart") == (
        "",
        "ERROR: The system cannot find the file specified.\r\n",
        1,
    )


def test_task_without_cmd_does_not_chain_and_user_tasks_do_not_run(model_client: Any) -> None:
    state = model_client.state
    tasks.create(state, "plain", r"net stop wuauserv & echo x>C:\Windows\Temp\t.txt", "00:00", "2020-01-01", "SYSTEM")
    tasks.create(state, "user", r"cmd.exe /c echo x>C:\Windows\Temp\u.txt", "00:00", "2020-01-01", "Administrator")
    state.service_status["wuauserv"] = "Running"
    tasks.run_due(state, force=True)
    assert not state.files.is_file(r"C:\Windows\Temp\t.txt") and not state.files.is_file(r"C:\Windows\Temp\u.txt")
    assert tasks.find(state, "plain")["last_result"] == 2  # type: ignore[index]  # net.exe got "wuauserv & echo"


def test_future_tasks_run_only_when_due_or_forced(model_client: Any) -> None:
    state = model_client.state
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).strftime("%m/%d/%Y")
    out, _err, rc = model_client.run(
        f"schtasks /create /tn later /sc once /st 23:59 /sd {tomorrow} /ru SYSTEM "
        r'/tr "cmd.exe /c echo ran>C:\Windows\Temp\later.txt"'
    )
    assert rc == 0 and not out.startswith("WARNING")
    assert "Ready" in model_client.run("schtasks /query /tn later")[0]
    assert tasks.run_due(state) == set() and not state.files.is_file(r"C:\Windows\Temp\later.txt")
    tasks.run_due(state, force=True)
    assert state.files.read(r"C:\Windows\Temp\later.txt") == b"ran\r\n"
    tasks.run_due(state, force=True)  # a one-shot task runs once
    assert tasks.find(state, "later")["runs"] == 1  # type: ignore[index]
    assert model_client.run("schtasks /create /tn bad /sc once /st 25:00 /ru SYSTEM /tr x")[2] == 1


def _service(state: HostState) -> str:
    return config.render_section(state, ("Service",))


@pytest.mark.parametrize("profile", ["2008r2", "2019"])
def test_policy_takes_effect_when_winrm_restarts(model_client_for: Any, profile: str) -> None:
    client = model_client_for(profile)
    state = client.state
    if profile == "2008r2":  # at the console: through WinRS winrm.cmd is refused on 2008 R2
        run_command(state, None, "cmd.exe", ["/c", "winrm quickconfig -q"])
    host = "127.0.0.10"
    assert rules.accepting_endpoints(state, host) == {("HTTP", 5985)}  # the service runs with no policy
    state.registry.set_value(WINRM_POLICY, "AllowAutoConfig", "REG_DWORD", 1)
    state.registry.set_value(WINRM_POLICY, "IPv4Filter", "REG_SZ", "127.0.0.1-127.0.0.20")
    state.registry.set_value(WINRM_POLICY, "IPv6Filter", "REG_SZ", "")
    assert [x.source for x in rules.effective_listeners(state)] == ["local"]  # not before a restart
    assert 'Source="GPO"' not in _service(state)
    client.run(RESTART)
    assert "restart_winrm" in _run_without_delete(client, "schtasks /run /tn winremote-restart")[1]
    listeners = rules.effective_listeners(state)
    assert [(x.source, x.address) for x in listeners] == [("GPO", "*")]
    assert rules.listening_on(state, listeners[0], host) == [host]
    assert '<cfg:IPv4Filter Source="GPO">127.0.0.1-127.0.0.20</cfg:IPv4Filter>' in _service(state)
    state.registry.set_value(WINRM_POLICY, "IPv4Filter", "REG_SZ", "10.0.0.1")  # again: waits for a restart
    assert rules.accepting_endpoints(state, host) == {("HTTP", 5985)}
    rules.stop_winrm(state)
    rules.start_winrm(state)
    assert rules.accepting_endpoints(state, host) == set()  # the filter excludes the host's address now
    state.registry.set_value(WINRM_POLICY, "AllowAutoConfig", "REG_DWORD", 0)
    state.registry.delete_value(WINRM_POLICY, "IPv4Filter")
    rules.stop_winrm(state)
    rules.start_winrm(state)
    assert rules.accepting_endpoints(state, host) == set()  # Disabled: no remote management at all
    state.registry.delete_key(WINRM_POLICY)
    rules.stop_winrm(state)
    rules.start_winrm(state)
    assert rules.accepting_endpoints(state, host) == {("HTTP", 5985)}  # not configured: the local listener again
