"""The rollback guard's command lines, restore scripts and failure messages (no host)."""

from __future__ import annotations

import base64
import re
import typing as t

import pytest

from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures import rollback, sm_remoting
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures.base import Change
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures.winrm_policy import (
    GPT_INI,
    REGISTRY_KEY,
    REGISTRY_POL,
    PolicyState,
    Running,
    restore_of,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import batch, files, tasks
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import errors, winrs


def test_wait_and_task_lines() -> None:
    assert tasks.wait_command(180) == "ping -n 181 127.0.0.1 >nul"
    with pytest.raises(ValueError):
        tasks.wait_command(0)
    line = rollback.task_line("winremote-rollback-policy", 180)
    assert line == r"ping -n 181 127.0.0.1 >nul & %SystemRoot%\Temp\winremote-rollback-policy.cmd"
    arm = tasks.arm_command("winremote-rollback-policy", line)
    assert arm.startswith('schtasks /end /tn "winremote-rollback-policy" >nul 2>&1 & schtasks /create ')
    assert "/sc once /st 00:00 /ru SYSTEM" in arm and arm.endswith('&& schtasks /run /tn "winremote-rollback-policy"')
    assert "/st 00:00" in arm and "/sd" not in arm  # the wait is ping's, never a clock time


def test_cancel_line_ends_removes_then_deletes() -> None:
    line = tasks.cancel_command("t", [r"C:\a.cmd", r"C:\b.b64"])
    assert line == (
        'schtasks /end /tn "t" >nul 2>&1 & del /f /q "C:\\a.cmd" "C:\\b.b64" 2>nul & schtasks /delete /tn "t" /f'
    )
    assert tasks.cancel_command("t") == 'schtasks /end /tn "t" >nul 2>&1 & schtasks /delete /tn "t" /f'


def _state(pol: bytes | None, gpt: bytes | None, values: dict[str, t.Any]) -> PolicyState:
    return PolicyState(pol, gpt, values, Running("not_configured"), ())


def test_policy_restore_script() -> None:
    state = _state(b"PReg\x01\x00\x00\x00", None, {"AllowAutoConfig": 1, "IPv4Filter": "50%", "IPv6Filter": None})
    text, backups = rollback.script("winremote-rollback-policy", restore_of(state))
    lines = text.decode("ascii").split("\r\n")
    backup = r"%SystemRoot%\Temp\winremote-rollback-policy-0.b64"
    assert lines[:7] == [
        "@echo off",
        f'certutil -f -decode "{backup}" "{REGISTRY_POL}" >nul',
        f'del /f /q "{GPT_INI}" 2>nul',
        f'reg add "{REGISTRY_KEY}" /v AllowAutoConfig /t REG_DWORD /d 1 /f >nul',
        f'reg add "{REGISTRY_KEY}" /v IPv4Filter /t REG_SZ /d "50%%" /f >nul',
        f'reg delete "{REGISTRY_KEY}" /v IPv6Filter /f >nul 2>&1',
        tasks.RESTART_WINRM,
    ]
    assert lines[7] == f'del /f /q "{backup}" "%SystemRoot%\\Temp\\winremote-rollback-policy.cmd" 2>nul'
    assert list(backups) == [backup]
    encoded = backups[backup].decode("ascii").split("\r\n")
    assert encoded[0] == files.BEGIN and base64.b64decode("".join(encoded[1:-2])) == b"PReg\x01\x00\x00\x00"


@pytest.mark.parametrize("value", ['a"b', "ends\\", "two\nlines"])
def test_values_a_script_cannot_hold_are_refused(value: str) -> None:
    with pytest.raises(rollback.RollbackError):
        restore_of(_state(None, None, {"IPv4Filter": value}))


def test_listener_restores() -> None:
    created = Change("create_listener", "listeners.HTTP/*", None, {"port": 5985, "enabled": True}, "create")
    updated = Change("update_listener", "listeners.HTTP/*", {"port": 8080, "enabled": False}, {}, "update")
    undo = "winrm/config/Listener?Address=*+Transport=HTTP"
    assert sm_remoting.restore_listener(created).commands == [
        "net start winrm >nul 2>&1",
        f"call winrm delete {undo}",
        tasks.RESTART_WINRM,
    ]
    assert sm_remoting.restore_listener(updated).commands[1] == (
        f'call winrm set {undo} @{{Port="8080";Enabled="false"}}'
    )
    assert sm_remoting.restore_listener(created).files == {}


class FakeClient:
    """Answers run_command from a list: a CommandResult, or an exception to raise."""

    def __init__(self, *answers: t.Any) -> None:
        self.answers, self.commands, self.closed = list(answers), [], 0  # type: list[t.Any], list[str], int

    def run_command(self, command: str, arguments: t.Sequence[str] = ()) -> winrs.CommandResult:
        self.commands.append(arguments[-1])
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return t.cast(winrs.CommandResult, answer)

    def close(self) -> None:
        self.closed += 1


def _guard(**kwargs: t.Any) -> rollback.Guard:
    restore = rollback.Restore({r"C:\x.pol": b"old"}, ["net start winrm"], "the previous thing")
    return rollback.Guard("winremote-rollback-test", restore, 60, clock=lambda: 1000.0, sleep=lambda _s: None, **kwargs)


def test_delay_always_exceeds_the_reconnect_window() -> None:
    assert _guard().delay == rollback.ROLLBACK_DELAY == 180
    restore = rollback.Restore({}, [], "x")
    assert rollback.Guard("t", restore, 200).delay == 200 + rollback.MARGIN


def test_arm_is_one_command_that_writes_checks_and_starts() -> None:
    guard = _guard()
    commands, probes, written = guard.arm_commands()
    assert len(commands) == 1 and commands[0].rstrip().endswith('schtasks /run /tn "winremote-rollback-test"')
    assert "ping -n 181 127.0.0.1 >nul" in commands[0]
    readback = "\r\n".join(
        f"{batch.MARKER_PREFIX}{p.name}{batch.MARKER_SUFFIX}\r\n" + "\r\n".join(files.encoded_lines(data))
        for p, data in zip(probes, written.values(), strict=True)
    )
    ok = winrs.CommandResult(readback + "\r\n==winremote:arm==\r\nSUCCESS: Attempted to run\r\n", "", 0)
    client = FakeClient(ok)
    guard.arm(client)
    assert guard.restore_at == 1180.0 and len(client.commands) == 1


def test_arm_that_fails_tries_to_cancel_and_raises() -> None:
    client = FakeClient(winrs.CommandResult("", "ERROR: Access is denied.", 1), winrs.CommandResult("", "", 1))
    with pytest.raises(errors.WinRemoteError, match=r"cannot read %SystemRoot%\\Temp\\winremote-rollback-test-0"):
        _guard().arm(client)
    assert "schtasks /delete" in client.commands[-1]


def test_cancel_of_a_task_that_is_gone_says_it_may_have_restored() -> None:
    client = FakeClient(winrs.CommandResult("", "ERROR: The system cannot find the file specified.", 1))
    with pytest.raises(rollback.RollbackError, match="may have restored the previous thing already"):
        _guard().cancel(client)


def test_confirm_retries_until_the_host_answers() -> None:
    lost = errors.HostUnreachableError("connection refused")
    client = FakeClient(lost, lost, winrs.CommandResult("SUCCESS", "", 0))
    _guard().confirm(client)
    assert client.closed == 3 and all("schtasks /delete" in c for c in client.commands)


def test_confirm_gives_up_with_one_line_saying_when() -> None:
    guard = rollback.Guard(
        "winremote-rollback-test", rollback.Restore({}, [], "the previous thing"), 0, clock=lambda: 1000.0
    )
    guard.restore_at = 1000.0 + 150
    client = FakeClient(errors.HostUnreachableError("connection refused"))
    with pytest.raises(rollback.RollbackPendingError) as failure:
        guard.confirm(client)
    message = str(failure.value)
    assert "\n" not in message
    assert re.fullmatch(
        r"the host did not answer within 0s \(connection refused\); the host is unreachable and will restore the "
        r"previous thing by itself at about 00:19:10 UTC \(in 150s, SYSTEM scheduled task winremote-rollback-test\); "
        r"to check, rerun this task after that time, or on the host run 'schtasks /query /tn "
        r"winremote-rollback-test' \(Running: still waiting\)",
        message,
    )


def test_settle_keeps_the_original_error_when_the_host_answers() -> None:
    original = errors.WinRemoteError("it still applies not_configured")
    assert _guard().settle(FakeClient(winrs.CommandResult("", "", 0)), original) is original
    pending = _guard().settle(FakeClient(errors.HostUnreachableError("refused")), original)
    assert isinstance(pending, rollback.RollbackPendingError) and str(pending).startswith(str(original))
