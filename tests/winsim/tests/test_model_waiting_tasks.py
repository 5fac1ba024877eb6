# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tasks that wait (`ping -n N 127.0.0.1 >nul & ...`), `schtasks /end`, batch files, `reg add|delete` and
`winrm set|delete` of a listener: what a rollback task uses."""

from __future__ import annotations

import datetime as dt
from typing import Any

from winsim import rules, tasks

WAITING = (
    'schtasks /create /tn guard /sc once /st 00:00 /ru SYSTEM /tr "cmd.exe /c ping -n 181 127.0.0.1 >nul & '
    'echo restored>C:\\Windows\\Temp\\r.txt & schtasks /delete /tn guard /f" /f && schtasks /run /tn guard'
)
MARK = r"C:\Windows\Temp\r.txt"


def test_ping_answers_at_once() -> None:
    from winsim.state import HostState
    from winsim.wsman.commands import run_line

    state = HostState.from_profile("2019", hostname="H")
    result = run_line(state, None, "ping -n 3 127.0.0.1")
    assert result.rc == 0 and result.stdout.count("Reply from 127.0.0.1") == 3
    assert run_line(state, None, "ping -n 3 127.0.0.1 >nul").stdout == ""
    assert run_line(state, None, "ping -n 0 127.0.0.1").rc == 1


def test_a_waiting_task_runs_the_rest_only_when_time_passes(model_client: Any) -> None:
    state = model_client.state
    out, _err, rc = model_client.run(WAITING)
    assert rc == 0 and "Attempted to run" in out
    task = tasks.find(state, "guard")
    assert task is not None and task["status"] == "Running" and not state.files.is_file(MARK)
    assert ">nul" in task["command"]  # the quoted /tr keeps its redirection
    assert "Running" in model_client.run("schtasks /query /tn guard")[0]
    assert tasks.run_due(state) == set() and not state.files.is_file(MARK)  # 180 s have not passed
    tasks.run_due(state, now=dt.datetime.now() + dt.timedelta(seconds=181))
    assert state.files.read(MARK) == b"restored \r\n" and tasks.find(state, "guard") is None


def test_forced_time_runs_a_waiting_task(model_client: Any) -> None:
    state = model_client.state
    model_client.run(WAITING)
    tasks.run_due(state, force=True)
    assert state.files.is_file(MARK) and state.scheduled_tasks == {}


def test_end_cancels_a_waiting_task(model_client: Any) -> None:
    state = model_client.state
    model_client.run(WAITING)
    out, _err, rc = model_client.run("schtasks /end /tn guard")
    assert rc == 0 and "terminated" in out
    assert "Ready" in model_client.run("schtasks /query /tn guard")[0]
    assert model_client.run("schtasks /end /tn guard")[2] == 1  # no longer running
    tasks.run_due(state, force=True)  # ended: the rest never runs, even when forced
    assert not state.files.is_file(MARK)
    assert model_client.run("schtasks /delete /tn guard /f")[2] == 0 and state.scheduled_tasks == {}
    assert model_client.run("schtasks /end /tn guard")[2] == 1


def test_batch_file_reg_and_winrm_listener(model_client: Any) -> None:
    state = model_client.state
    key = r"HKLM\SOFTWARE\Policies\Test"
    script = (
        "@echo off\r\n"
        "rem a comment\r\n"
        f'reg add "{key}" /v Dword /t REG_DWORD /d 7 /f >nul\r\n'
        f'reg add "{key}" /v Text /t REG_SZ /d "50%%" /f >nul\r\n'
        f'reg add "{key}" /v Gone /t REG_SZ /d "" /f >nul\r\n'
        f'reg delete "{key}" /v Gone /f >nul\r\n'
        "call winrm delete winrm/config/Listener?Address=*+Transport=HTTP\r\n"
        "echo after>C:\\Windows\\Temp\\after.txt\r\n"
    )
    state.files.write(r"C:\Windows\Temp\s.cmd", script.encode())
    assert any(x.transport == "HTTP" for x in state.listeners)
    _out, err, rc = model_client.run(r"C:\Windows\Temp\s.cmd")
    assert rc == 0, err
    assert state.registry.get_data(key, "Dword") == 7 and state.registry.get_data(key, "Text") == "50%"
    assert state.registry.get_value(key, "Gone") is None
    assert not any(x.transport == "HTTP" for x in state.listeners)
    assert state.files.is_file(r"C:\Windows\Temp\after.txt")  # `call` came back to the script
    assert model_client.run(f'reg delete "{key}" /v Gone /f')[2] == 1


def test_winrm_set_listener_needs_the_service(model_client: Any) -> None:
    state = model_client.state
    line = 'winrm set winrm/config/Listener?Address=*+Transport=HTTP @{Port="8080";Enabled="false"}'
    _out, _err, rc = model_client.run(line)
    assert rc == 0 and [(x.port, x.enabled) for x in state.listeners if x.transport == "HTTP"] == [(8080, False)]
    rules.stop_winrm(state)
    assert model_client.run(line)[2] == 1
