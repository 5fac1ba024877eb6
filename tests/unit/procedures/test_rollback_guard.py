# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The rollback guard's command lines, restore scripts, directory checks and results (no host)."""

from __future__ import annotations

import base64
import re
import typing as t

import pytest

from ansible_collections.winremote.remoting.plugins.plugin_utils.engine import guard as rollback
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures.winrm_policy import (
    GPT_INI,
    POLICY_KEY,
    REGISTRY_POL,
    PolicyState,
    Running,
    restore_of,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import (
    files,
    gpt_ini,
    registry_pol,
    tasks,
    winrm_config,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows.registry_pol import PolEntry
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import batch, errors, winrs

GOOD_SDDL = "D:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)"


def test_wait_and_task_lines() -> None:
    assert tasks.wait_command(180) == "ping -n 181 127.0.0.1 >nul"
    with pytest.raises(ValueError):
        tasks.wait_command(0)
    layout = rollback.Layout.fresh(1)
    line = rollback.task_line(layout, 180)
    assert re.fullmatch(
        r"ping -n 181 127\.0\.0\.1 >nul & %SystemRoot%\\Temp\\winremote-rollback-[0-9a-f]{32}\\[0-9a-f]{16}\.cmd", line
    )
    arm = tasks.arm_command("winremote-rollback-policy", line)
    assert arm.startswith('schtasks /end /tn "winremote-rollback-policy" >nul 2>&1 & schtasks /create ')
    assert "/sc once /st 00:00 /ru SYSTEM" in arm and arm.endswith('&& schtasks /run /tn "winremote-rollback-policy"')
    assert "/sd" not in arm  # the wait is ping's, never a clock time
    with pytest.raises(ValueError):
        tasks.start_command("bad name&x", line)  # names appear unquoted inside /tr: only letters, digits, '-'


def test_names_are_unpredictable() -> None:
    first, second = rollback.Layout.fresh(2), rollback.Layout.fresh(2)
    assert first.token != second.token and len(first.token) == 32
    assert len({first.script, first.acl_file, first.reg_file, first.backup(0), first.backup(1)}) == 5
    assert first.script.startswith(rf"%SystemRoot%\Temp\winremote-rollback-{first.token}" + "\\")


def test_cancel_line_ends_removes_the_directory_then_deletes() -> None:
    line = tasks.cancel_command("t", [r"%SystemRoot%\Temp\winremote-rollback-ab"])
    assert line == (
        'schtasks /end /tn "t" >nul 2>&1 & rd /s /q %SystemRoot%"\\Temp\\winremote-rollback-ab" 2>nul & '
        'schtasks /delete /tn "t" /f'
    )
    assert tasks.cancel_command("t") == 'schtasks /end /tn "t" >nul 2>&1 & schtasks /delete /tn "t" /f'


def _state(
    pol: bytes | None, gpt: bytes | None, values: dict[str, t.Any], running: Running | None = None
) -> PolicyState:
    return PolicyState(pol, gpt, values, running or Running("not_configured"), ())


def _pol(*entries: PolEntry) -> bytes:
    return registry_pol.serialize(list(entries))


def _reg_text(restore: rollback.Restore) -> str:
    assert restore.registry is not None and restore.registry[:2] == b"\xff\xfe"
    return restore.registry[2:].decode("utf-16-le")


def test_restore_keeps_the_bytes_when_the_files_hold_the_running_policy() -> None:
    pol = _pol(
        PolEntry.dword(POLICY_KEY, "AllowAutoConfig", 1),
        PolEntry.string(POLICY_KEY, "IPv4Filter", "*"),
        PolEntry.string(POLICY_KEY, "IPv6Filter", "*"),
    )
    gpt = b"[General]\r\nVersion=3\r\n"
    values = {"AllowAutoConfig": 1, "IPv4Filter": "*", "IPv6Filter": "*"}
    restore = restore_of(_state(pol, gpt, values, Running("enabled", "*", "*")))
    assert restore.files == {REGISTRY_POL: pol, GPT_INI: gpt}
    text = _reg_text(restore)
    assert '"AllowAutoConfig"=dword:00000001' in text and '"IPv4Filter"="*"' in text
    assert restore.commands == [tasks.RESTART_WINRM]


def test_restore_is_built_from_the_running_policy_not_from_the_files() -> None:
    """An earlier run with restart_winrm=false left a narrow filter in the files; WinRM still runs not_configured."""
    other = PolEntry.dword(r"Software\Policies\Microsoft\Windows\WindowsUpdate\AU", "NoAutoUpdate", 1)
    bad = _pol(
        other,
        PolEntry.dword(POLICY_KEY, "AllowAutoConfig", 1),
        PolEntry.string(POLICY_KEY, "IPv4Filter", "10.9.9.9"),
        PolEntry.string(POLICY_KEY, "IPv6Filter", ""),
    )
    gpt = b"[General]\r\nVersion=4\r\n"
    values = {"AllowAutoConfig": 1, "IPv4Filter": "10.9.9.9", "IPv6Filter": ""}
    restore = restore_of(_state(bad, gpt, values, Running("not_configured")))
    restored = registry_pol.parse(t.cast(bytes, restore.files[REGISTRY_POL]))
    assert [(e.key, e.value_name) for e in restored] == [(other.key, "NoAutoUpdate")]  # other policies kept
    version = gpt_ini.parse(t.cast(bytes, restore.files[GPT_INI])).version
    assert version == 6  # past the 5 this run writes, so the policy engine applies the restored file
    text = _reg_text(restore)
    assert all(f'"{name}"=-' in text for name in ("AllowAutoConfig", "IPv4Filter", "IPv6Filter"))


def test_non_ascii_and_odd_host_values_travel_in_the_reg_file() -> None:
    """A value read from the host never reaches the ASCII script: it goes into the UTF-16LE .reg file."""
    odd = 'fe80::1 \u2013 "ü" \\ 50%'
    values = {"AllowAutoConfig": 1, "IPv4Filter": "*", "IPv6Filter": odd}
    restore = restore_of(_state(None, None, values, Running("enabled", "*", odd)))
    text = _reg_text(restore)
    assert '"IPv6Filter"="fe80::1 \u2013 \\"ü\\" \\\\ 50%"' in text
    guard = rollback.Guard("winremote-rollback-test", restore, 60)
    script = guard.written[guard.layout.script]
    assert script.isascii() and "ü".encode() not in script
    assert guard.written[guard.layout.reg_file] == restore.registry
    lines = script.decode("ascii").split("\r\n")
    assert "reg import %SystemRoot%" in lines[-4] and lines[-3] == tasks.RESTART_WINRM
    control = restore_of(_state(None, None, values, Running("enabled", "*", "a\nb")))
    assert '"IPv6Filter"=hex(1):61,00,0a,00,62,00,00,00' in _reg_text(control)


def test_restore_script_quotes_every_path() -> None:
    restore = rollback.Restore({REGISTRY_POL: b"PReg\x01\x00\x00\x00", GPT_INI: None}, ["net start winrm"], "x")
    layout = rollback.Layout.fresh(2)
    text, backups = rollback.script(layout, restore)
    lines = text.decode("ascii").split("\r\n")
    backup = layout.backup(0)
    quoted = r'%SystemRoot%"\System32\GroupPolicy'
    assert (
        lines[1]
        == f'certutil -f -decode %SystemRoot%"{backup[len("%SystemRoot%") :]}" {quoted}\\Machine\\Registry.pol" >nul'
    )
    assert lines[2] == f'del /f /q {quoted}\\gpt.ini" 2>nul'
    assert lines[3] == "net start winrm"
    assert lines[4] == f'rd /s /q %SystemRoot%"{layout.folder[len("%SystemRoot%") :]}" 2>nul'
    encoded = backups[backup].decode("ascii").split("\r\n")
    assert encoded[0] == files.BEGIN and base64.b64decode("".join(encoded[1:-2])) == b"PReg\x01\x00\x00\x00"


def test_listener_restores() -> None:
    previous = winrm_config.Listener("*", "HTTP", 8080, "", False, "wsman", "", "local", ())
    created = winrm_config.CreateListener("*", "HTTP", 5985)
    updated = winrm_config.UpdateListener(previous, 5985)
    undo = '"winrm/config/Listener?Address=*+Transport=HTTP"'
    assert created.undo.commands == [
        "net start winrm >nul 2>&1",
        f"call winrm delete {undo}",
        tasks.RESTART_WINRM,
    ]
    assert updated.undo.commands[1] == (f'call winrm set {undo} @{{Port="8080";Enabled="false"}}')
    assert created.undo.files == {}


@pytest.mark.parametrize(
    "sddl,problem",
    [
        (GOOD_SDDL, None),
        ("D:PAI(A;OICI;0x1f01ff;;;S-1-5-18)(A;OICI;FA;;;S-1-5-32-544)", None),
        ("D:AI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)", "still inherits"),
        ("D:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;CI;0x100026;;;BU)", "someone else"),
        ("D:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;FA;;;S-1-5-21-1-2-3-1001)", "someone else"),
        ("D:PAI(A;OICI;FA;;;SY)(A;OICIID;FA;;;BA)", "unexpected"),
        ("D:PAI(A;OICI;FA;;;SY)(D;OICI;FA;;;BA)", "someone else"),
        ("D:PAI(A;OICI;FA;;;SY)", "does not grant both"),
        ("", "could not be read"),
    ],
)
def test_acl_check_fails_safe(sddl: str, problem: str | None) -> None:
    found = rollback.acl_problem(sddl)
    assert found is None if problem is None else (found is not None and problem in found)


def test_acl_file_is_read_in_utf16() -> None:
    saved = f"winremote-rollback-x\r\n{GOOD_SDDL}\r\n"
    assert rollback.parse_acl_file(saved.encode("utf-16-le")) == GOOD_SDDL
    assert rollback.parse_acl_file(b"\xff\xfe" + saved.encode("utf-16-le")) == GOOD_SDDL
    assert rollback.parse_acl_file(None) == ""


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


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _guard(clock: Clock | None = None, reconnect: float = 60) -> rollback.Guard:
    restore = rollback.Restore({r"C:\x.pol": b"old"}, ["net start winrm"], "the previous thing")
    return rollback.Guard("winremote-rollback-test", restore, reconnect, clock=clock or Clock(), sleep=lambda _s: None)


def _section(name: str, text: str) -> str:
    return f"{batch.MARKER_PREFIX}{name}{batch.MARKER_SUFFIX}\r\n{text}\r\n"


def _folder_answer(guard: rollback.Guard, sddl: str = GOOD_SDDL, extra: str = "") -> winrs.CommandResult:
    saved = f"{guard.layout.token}\r\n{sddl}\r\n".encode("utf-16-le")
    acl_name = guard.layout.acl_file.rsplit("\\", 1)[-1]
    out = (
        _section("folder", "created")
        + _section("acl", "\r\n".join(files.encoded_lines(saved)))
        + _section("listing", f"{acl_name}\r\n{extra}")
    )
    return winrs.CommandResult(out, "", 0)


def _write_answer(guard: rollback.Guard) -> winrs.CommandResult:
    readback = "".join(
        _section(p.name, "\r\n".join(files.encoded_lines(data)))
        for p, data in zip(guard.probes, guard.written.values(), strict=True)
    )
    return winrs.CommandResult(readback + _section("arm", "SUCCESS: Attempted to run"), "", 0)


def test_delay_always_exceeds_the_reconnect_window() -> None:
    assert _guard().delay == rollback.ROLLBACK_DELAY == 180
    restore = rollback.Restore({}, [], "x")
    assert rollback.Guard("t", restore, 200).delay == 200 + rollback.MARGIN


def test_arm_checks_the_directory_then_writes_and_starts() -> None:
    guard = _guard()
    client = FakeClient(_folder_answer(guard), _write_answer(guard))
    guard.arm(client)
    assert guard.restore_at == 1180.0 and len(client.commands) == 2
    folder = client.commands[0]
    assert f'mkdir %SystemRoot%"\\Temp\\winremote-rollback-{guard.layout.token}" && icacls ' in folder
    assert '/inheritance:r /grant:r "*S-1-5-18:(OI)(CI)F" "*S-1-5-32-544:(OI)(CI)F"' in folder and "/save" in folder
    assert "ping -n 181 127.0.0.1 >nul" in client.commands[1]
    assert client.commands[1].rstrip().endswith('schtasks /run /tn "winremote-rollback-test"')


def test_a_directory_that_already_exists_is_never_used() -> None:
    guard = _guard()
    exists = winrs.CommandResult(_section("folder", "") + _section("acl", ""), "A subdirectory or file exists.", 1)
    client = FakeClient(exists)
    with pytest.raises(rollback.RollbackError, match="a directory that already exists is never used"):
        guard.arm(client)
    assert len(client.commands) == 1  # nothing written, nothing removed: it is not ours


@pytest.mark.parametrize(
    "sddl,extra,reason",
    [
        ("D:AI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)", "", "still inherits"),
        (GOOD_SDDL, "planted.cmd", "something else was created in it"),
    ],
)
def test_a_directory_with_another_acl_or_content_is_refused(sddl: str, extra: str, reason: str) -> None:
    guard = _guard()
    client = FakeClient(_folder_answer(guard, sddl, extra), winrs.CommandResult("", "", 1))
    with pytest.raises(rollback.RollbackError, match=f"refusing to use .*{reason}.*nothing was changed"):
        guard.arm(client)
    assert len(client.commands) == 2 and "rd /s /q" in client.commands[1]  # ours: removed again, no task started


def test_arm_that_fails_cancels_and_raises() -> None:
    guard = _guard()
    failed = winrs.CommandResult("", "ERROR: Access is denied.", 1)
    client = FakeClient(_folder_answer(guard), failed, winrs.CommandResult("", "", 1))
    with pytest.raises(errors.WinRemoteError, match="cannot read"):
        guard.arm(client)
    assert "schtasks /delete" in client.commands[-1] and "rd /s /q" in client.commands[-1]


def test_a_failed_start_names_the_error_not_the_start_time_warning() -> None:
    """schtasks /create warns on stderr that 00:00 is earlier than now, with every task; the failure is what follows."""
    guard = _guard()
    written = _write_answer(guard)
    warning = "WARNING: Task may not run because /ST is earlier than current time.\r\n"
    failed = winrs.CommandResult(written.stdout, warning + "ERROR: Access is denied.\r\n", 1)
    client = FakeClient(_folder_answer(guard), failed, winrs.CommandResult("", "", 1))
    with pytest.raises(rollback.RollbackError) as caught:
        guard.arm(client)
    assert "Access is denied" in str(caught.value) and "/ST" not in str(caught.value)


def _armed(clock: Clock) -> rollback.Guard:
    guard = _guard(clock)
    guard.arm(FakeClient(_folder_answer(guard), _write_answer(guard)))
    return guard


def test_cancel_whose_reply_was_lost_is_settled_by_looking_at_the_task() -> None:
    guard = _armed(Clock())
    gone = winrs.CommandResult("", "ERROR: The system cannot find the file specified.", 1)
    client = FakeClient(errors.HostUnreachableError("connection reset"), gone)
    guard.cancel(client)  # the cancel ran: the task is gone long before its time
    assert guard.restore_at is None and client.commands[1] == 'schtasks /query /tn "winremote-rollback-test"'


def test_cancel_of_a_task_already_gone_before_its_time_is_a_success() -> None:
    """A retry after a cancel whose answer was lost finds no task: that cancel took."""
    guard = _armed(Clock())
    guard.cancel(FakeClient(winrs.CommandResult("", "ERROR: The system cannot find the file specified.", 1)))
    assert guard.restore_at is None


def test_cancel_of_a_task_gone_after_its_time_says_it_restored() -> None:
    clock = Clock()
    guard = _armed(clock)
    clock.now += 200
    with pytest.raises(rollback.RollbackError, match="its time had come: it has restored the previous thing"):
        guard.cancel(FakeClient(winrs.CommandResult("", "ERROR: The system cannot find the file specified.", 1)))


def test_confirm_retries_until_the_host_answers() -> None:
    guard = _armed(Clock())
    lost = errors.HostUnreachableError("connection refused")
    client = FakeClient(lost, lost, lost, lost, winrs.CommandResult("SUCCESS", "", 0))
    guard.confirm(client)
    # each try logs in again; a try whose answer was lost also looks at the task on a fresh connection
    assert client.closed == 5 and sum("schtasks /delete" in c for c in client.commands) == 3


def test_confirm_gives_up_saying_what_could_not_be_determined() -> None:
    guard = _guard(reconnect=0)
    guard.restore_at = 1000.0 + 150
    lost = errors.HostUnreachableError("connection refused")
    with pytest.raises(rollback.RollbackPendingError) as failure:
        guard.confirm(FakeClient(lost, lost, lost))
    message = str(failure.value)
    assert "\n" not in message
    assert re.fullmatch(
        r"the host did not answer within 0s \(connection refused\); the host is unreachable and will restore the "
        r"previous thing by itself at about 00:19:10 UTC \(in 150s, SYSTEM scheduled task winremote-rollback-test\) "
        r"unless the last cancel took, which could not be determined; to check, rerun this task after that time, or "
        r"on the host run 'schtasks /query /tn winremote-rollback-test' \(listed: still waiting\)",
        message,
    )


def test_a_failed_final_cancel_says_the_task_will_restore_when_it_still_waits() -> None:
    guard = _guard(reconnect=0)
    guard.restore_at = 1000.0 + 150
    fault = errors.WinRemoteError("WS-Man fault: the request failed")
    waiting = winrs.CommandResult("winremote-rollback-test   N/A   Running", "", 0)
    with pytest.raises(rollback.RollbackPendingError) as failure:
        guard.confirm(FakeClient(fault, waiting, waiting))
    assert "the rollback task is still waiting: the host will restore the previous thing by itself at about" in str(
        failure.value
    )


def test_settle_keeps_the_original_error_when_the_host_answers() -> None:
    original = errors.WinRemoteError("it still applies not_configured")
    assert _guard().settle(FakeClient(winrs.CommandResult("", "", 0)), original) is original
    lost = errors.HostUnreachableError("refused")
    pending = _guard().settle(FakeClient(lost, lost, lost), original)
    assert isinstance(pending, rollback.RollbackPendingError) and str(pending).startswith(str(original))


def test_a_task_gone_after_its_time_is_reported_with_what_the_host_shows() -> None:
    clock = Clock()
    guard = _guard(clock)
    guard.describe = lambda _client: "the HTTP listener on all addresses is on port 8080, disabled"
    guard.arm(FakeClient(_folder_answer(guard), _write_answer(guard)))
    clock.now += 200
    with pytest.raises(rollback.RollbackError) as failure:
        guard.cancel(FakeClient(winrs.CommandResult("", "ERROR: The system cannot find the file specified.", 1)))
    assert "(the host shows: the HTTP listener on all addresses is on port 8080, disabled)" in str(failure.value)


def test_a_script_that_cannot_be_written_fails_before_the_host_is_touched() -> None:
    """The restore script is built when the guard is created (before any command): text it cannot hold refuses."""
    restore = rollback.Restore({}, ["echo caf\u00e9"], "x")
    with pytest.raises(rollback.RollbackError, match="non-ASCII text; nothing was changed"):
        rollback.Guard("winremote-rollback-test", restore, 60)
