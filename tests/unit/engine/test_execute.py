# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""execute() owns the safety rules: shown with a procedure and operations defined here, on a host that is a dict."""

from __future__ import annotations

import dataclasses
import time
import typing as t

import pytest

from ansible_collections.winremote.remoting.plugins.plugin_utils.engine import execute as engine
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine import guard
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.change import (
    Change,
    Endpoint,
    Operation,
    Restore,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.retry import Backoff, RetryExhaustedError
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import errors

TASK = "winremote-rollback-test"


class Host:
    """A host's settings and what happened to it, in order."""

    def __init__(self, **settings: t.Any) -> None:
        self.settings: dict[str, t.Any] = dict(settings)
        self.log: list[str] = []
        self.pending: tuple[str, ...] = ()
        self.unsettled = 0  # answers "not yet" this many times after a restart
        self.session = 1  # the connection (and logon) the next request uses: close() makes the next one new
        self.settled_in: list[int] = []  # the session of each settled? question
        self.refuses_from: int | None = None  # from this session on, every logon is refused (a lock-out)

    def close(self) -> None:
        self.log.append("close")
        self.session += 1

    def run_command(self, command: str, arguments: t.Sequence[str] = ()) -> t.NoReturn:
        """Only the real guard runs commands here, after a lock-out: the logon is refused."""
        self.log.append("run_command")
        raise errors.AccessDeniedError("Access is denied.")


@dataclasses.dataclass(frozen=True)
class Set(Operation):
    """Set one setting; ``cuts`` names the port the setting serves, ``restarts`` restarts 'WinRM'."""

    kind: t.ClassVar[str] = "set"
    name: str
    value: t.Any
    cuts_port: int | None = None
    restore: Restore | None = None
    restarts: bool = False
    locks: bool = False

    @property
    def restarts_winrm(self) -> bool:  # type: ignore[override]
        return self.restarts

    @property
    def may_lock_out(self) -> bool:
        return self.locks

    def apply(self, client: Host) -> None:
        client.log.append(f"set {self.name}={self.value}")
        client.settings[self.name] = self.value

    @property
    def undo(self) -> Restore | None:
        return self.restore

    def affects_endpoint(self, endpoint: Endpoint) -> str | None:
        if self.cuts_port is not None and endpoint.serves(self.cuts_port):
            return f"setting {self.name} closes port {self.cuts_port}"
        return None


@dataclasses.dataclass(frozen=True)
class Want:
    settings: dict[str, t.Any]
    endpoint: Endpoint = dataclasses.field(default_factory=lambda: Endpoint("http", 5985))
    allow_self_disconnect: bool = False
    cuts: dict[str, int] = dataclasses.field(default_factory=dict)  # setting -> the port it serves
    restarts: tuple[str, ...] = ()  # settings whose change restarts WinRM
    locks: tuple[str, ...] = ()  # settings whose change may lock this controller out (no restart)


class Toy(engine.Procedure[dict[str, t.Any], Want]):
    guard_task = TASK
    awaited = "with the toy settings"

    def __init__(self, wait_seconds: float = 10.0) -> None:
        self.wait_seconds = wait_seconds

    def observe(self, client: Host) -> dict[str, t.Any]:
        client.log.append("observe")
        return dict(client.settings)

    def plan(self, state: dict[str, t.Any], request: Want) -> list[Change]:
        return [
            Change(
                f"toy.{name}",
                state.get(name),
                value,
                f"set {name} to {value}",
                Set(
                    name,
                    value,
                    request.cuts.get(name),
                    Restore({}, [f"echo restore {name}"], f"the previous {name}")
                    if name in request.restarts + request.locks
                    else None,
                    name in request.restarts,
                    name in request.locks,
                ),
            )
            for name, value in request.settings.items()
            if state.get(name) != value
        ]

    def stale_rollbacks(self, state: dict[str, t.Any]) -> tuple[str, ...]:
        return ()

    def settled(self, client: Host, request: Want) -> str | None:
        client.log.append("settled?")
        client.settled_in.append(client.session)
        if client.refuses_from is not None and client.session >= client.refuses_from:
            raise errors.AccessDeniedError("Access is denied.")
        if client.unsettled:
            client.unsettled -= 1
            raise errors.HostUnreachableError("connection refused")
        return None


class Clock:
    """Time that passes only when the engine sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class FakeGuard:
    """Stands in for the rollback task: records what the engine asks of it, in the host's log."""

    made: list[FakeGuard] = []

    def __init__(self, name: str, restore: Restore, reconnect: float, **_kwargs: t.Any) -> None:
        self.name, self.restore, self.restore_at = name, restore, None  # type: ignore[var-annotated]
        FakeGuard.made.append(self)

    def arm(self, client: Host) -> None:
        client.log.append(f"arm {self.name}: {' | '.join(self.restore.commands)}")
        self.restore_at = 2000.0

    def confirm(self, client: Host) -> str:
        client.log.append(f"cancel {self.name}")
        return "cancelled"

    def settle(self, client: Host, error: errors.WinRemoteError, patient: bool = False) -> errors.WinRemoteError:
        client.log.append(f"settle {self.name}")
        return error


@pytest.fixture(autouse=True)
def fake_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeGuard.made = []
    monkeypatch.setattr(engine, "Guard", FakeGuard)


def run(host: Host, want: Want, check_mode: bool = False, clock: Clock | None = None) -> engine.Outcome[t.Any]:
    clock = clock or Clock()
    return engine.execute(Toy(), host, want, check_mode, clock=clock, sleep=clock.sleep)


def test_a_self_disconnect_is_refused_before_anything_changes() -> None:
    host = Host(a=1, port_rule="on")
    want = Want({"a": 2, "port_rule": "off"}, cuts={"port_rule": 5985})
    with pytest.raises(engine.SelfDisconnectRefused) as refused:
        run(host, want)
    message = str(refused.value)
    assert message.startswith("refused: setting port_rule closes port 5985") and "allow_self_disconnect=true" in message
    assert host.log == ["observe"] and host.settings == {"a": 1, "port_rule": "on"}
    # over another port the same change cuts nothing, so nothing is refused
    assert run(host, dataclasses.replace(want, endpoint=Endpoint("https", 5986))).verified


def test_allowed_disconnects_go_last_and_are_not_verified() -> None:
    host = Host(port_rule="on", a=1)
    want = Want({"port_rule": "off", "a": 2}, cuts={"port_rule": 5985}, allow_self_disconnect=True)
    outcome = run(host, want)
    assert [c.target for c in outcome.changes] == ["toy.a", "toy.port_rule"]
    assert [c.disruptive for c in outcome.changes] == [False, True]
    # everything else is checked before the step that ends remote access, then nothing is observed again
    assert host.log == ["observe", "set a=2", "observe", "set port_rule=off"]
    assert outcome.changed and not outcome.verified and outcome.applied


def test_check_mode_plans_and_touches_nothing() -> None:
    host = Host(a=1)
    outcome = run(host, Want({"a": 2}), check_mode=True)
    assert outcome.summaries() == ["set a to 2"] and not outcome.applied and host.log == ["observe"]
    assert outcome.diff() == {"before": {"toy.a": 1}, "after": {"toy.a": 2}}


def test_the_guard_is_built_from_undo_steps_armed_first_and_cancelled_after_the_restart() -> None:
    host = Host(a=1, listener="old")
    outcome = run(host, Want({"a": 2, "listener": "new"}, restarts=("listener",)))
    [guard] = FakeGuard.made
    assert guard.name == TASK and guard.restore.commands == ["echo restore listener"]
    assert host.log == [
        "observe",
        "arm winremote-rollback-test: echo restore listener",  # before the first change
        "set a=2",
        "set listener=new",
        "close",  # the restart dropped the connection
        "close",  # each reconnect try starts from a fresh connection
        "settled?",
        "cancel winremote-rollback-test",
        "observe",  # the engine's own verification
    ]
    assert outcome.verified and outcome.rollback == "cancelled"


def test_no_guard_without_a_restart_or_without_undo() -> None:
    host = Host(a=1)
    run(host, Want({"a": 2}))
    assert FakeGuard.made == [] and "arm" not in " ".join(host.log)


def test_reconnect_backs_off_on_the_injected_clock() -> None:
    host = Host(listener="old")
    host.unsettled = 4
    clock = Clock()
    outcome = run(host, Want({"listener": "new"}, restarts=("listener",)), clock=clock)
    assert outcome.verified and host.log.count("settled?") == 5
    assert len(clock.sleeps) == 4
    for delay, base in zip(clock.sleeps, (0.25, 0.5, 1.0, 2.0), strict=True):
        assert base <= delay <= base * 1.1  # exponential, with at most 10 % jitter
    assert clock.now - 1000.0 == pytest.approx(sum(clock.sleeps))  # no real time was spent


def test_a_host_that_never_settles_fails_saying_what_to_do_and_settles_the_guard() -> None:
    host = Host(listener="old")
    host.unsettled = 10_000
    clock = Clock()
    with pytest.raises(errors.WinRemoteError) as failure:
        engine.execute(Toy(wait_seconds=3), host, Want({"listener": "new"}, restarts=("listener",)), False,
                       clock=clock, sleep=clock.sleep)  # fmt: skip
    message = str(failure.value)
    assert message.startswith("WinRM did not answer with the toy settings within 3s of the restart")
    assert "net start winrm" in message and host.log[-1] == "settle winremote-rollback-test"
    assert clock.now - 1000.0 <= 3.0  # never slept past the deadline


def test_a_stale_rollback_is_cancelled_first(monkeypatch: pytest.MonkeyPatch) -> None:
    host = Host(a=1)
    cancelled: list[str] = []
    monkeypatch.setattr(guard, "cancel_stale", lambda client, name: cancelled.append(name))

    class Stale(Toy):
        def stale_rollbacks(self, state: dict[str, t.Any]) -> tuple[str, ...]:
            return (TASK,) if not cancelled else ()

    outcome = engine.execute(Stale(), host, Want({"a": 2}), False)
    assert [c.kind for c in outcome.changes] == ["cancel_stale_rollback", "set"]
    assert cancelled == [TASK] and host.log == ["observe", "set a=2", "observe"]


def test_backoff_gives_up_with_the_last_error() -> None:
    clock = Clock()
    backoff = Backoff(clock=clock, sleep=clock.sleep, rand=lambda: 0.0)
    resets: list[int] = []

    def attempt() -> None:
        raise errors.HostUnreachableError(f"try {len(resets)}")

    with pytest.raises(RetryExhaustedError) as exhausted:
        backoff.run(attempt, 2.0, reset=lambda: resets.append(1))
    assert clock.sleeps == [0.25, 0.5, 1.0] and str(exhausted.value.last) == "try 4" and len(resets) == 4


def test_an_operation_that_may_lock_out_is_guarded_and_proved_by_a_new_logon() -> None:
    """No restart, but the host may refuse the next logon: armed first, then a new connection must be let in,
    then the task is cancelled."""
    host = Host(a=1, root_sddl="old")
    outcome = run(host, Want({"a": 2, "root_sddl": "new"}, locks=("root_sddl",)))
    [armed] = FakeGuard.made
    assert armed.restore.commands == ["echo restore root_sddl"]
    assert host.log == [
        "observe",
        "arm winremote-rollback-test: echo restore root_sddl",
        "set a=2",
        "set root_sddl=new",
        "close",  # this connection's logon proves nothing: drop it
        "close",  # each try is a fresh connection
        "settled?",
        "cancel winremote-rollback-test",
        "observe",
    ]
    # the applying session was 1; the check ran on a later connection, so on a new logon
    assert host.settled_in == [3] and outcome.verified and outcome.rollback == "cancelled"


class ArmedOnly(guard.Guard):
    """The real guard (its settle and messages), but armed without a host: it restores at the clock's now + delay."""

    made: list[ArmedOnly] = []

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        ArmedOnly.made.append(self)

    def arm(self, client: t.Any) -> None:
        client.log.append(f"arm {self.name}")
        self.restore_at = self.clock() + self.delay


def test_a_lock_out_the_reconnect_cannot_pass_ends_saying_when_the_host_restores_itself(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(engine, "Guard", ArmedOnly)
    ArmedOnly.made = []
    host = Host(root_sddl="old")
    host.refuses_from = 2  # every logon after the change is refused
    clock = Clock()
    with pytest.raises(guard.RollbackPendingError) as failure:
        engine.execute(Toy(wait_seconds=3), host, Want({"root_sddl": "new"}, locks=("root_sddl",)), False,
                       clock=clock, sleep=clock.sleep)  # fmt: skip
    message = str(failure.value)
    [armed] = ArmedOnly.made
    assert armed.restore_at == pytest.approx(1000.0 + 180)
    when = time.strftime("%H:%M:%S UTC", time.gmtime(armed.restore_at))
    assert message.startswith(
        "the host did not accept a new logon of this controller with the toy settings within 3s of the change"
    ), message
    assert "Access is denied." in message and "net start winrm" not in message
    assert f"will restore the previous root_sddl by itself at about {when} (in " in message, message
    assert f"SYSTEM scheduled task {TASK}" in message and "\n" not in message
    assert host.settings == {"root_sddl": "new"} and "run_command" in host.log  # the cancel was tried, and refused
    assert clock.now - 1000.0 <= 3.0


def test_a_lock_out_that_is_the_request_is_not_guarded() -> None:
    """allow_self_disconnect: losing access is what was asked for, so nothing is armed or awaited."""
    host = Host(a=1, auth="on")
    want = Want({"a": 2, "auth": "off"}, cuts={"auth": 5985}, locks=("auth",), allow_self_disconnect=True)
    outcome = run(host, want)
    assert FakeGuard.made == []
    assert host.log == ["observe", "set a=2", "observe", "set auth=off", "close"]
    assert host.settled_in == [] and outcome.applied and not outcome.verified and outcome.rollback is None


def test_reconnects_is_restarts_or_may_lock_out() -> None:
    assert not Set("a", 1).reconnects
    assert Set("a", 1, restarts=True).reconnects and Set("a", 1, locks=True).reconnects
    assert not Operation().may_lock_out and not Operation().reconnects


@dataclasses.dataclass(frozen=True)
class Reboot(Set):
    """A setting whose change restarts the whole host (the engine waits for it to come back)."""

    reboots: t.ClassVar[bool] = True


@dataclasses.dataclass(frozen=True)
class Broken(Set):
    def apply(self, client: Host) -> None:
        client.log.append(f"fail {self.name}")
        raise errors.WinRemoteError(f"{self.name} failed")


class Sequence(Toy):
    """Applies the listed operations in order; says which changes an interruption leaves in place."""

    guard_task = None

    def __init__(self, steps: t.Sequence[Set], wait_seconds: float = 10.0) -> None:
        super().__init__(wait_seconds)
        self.steps = steps

    def plan(self, state: dict[str, t.Any], request: Want) -> list[Change]:
        return [Change(f"toy.{op.name}", None, op.value, f"set {op.name}", op) for op in self.steps
                if state.get(op.name) != op.value]  # fmt: skip

    def interrupted(self, error: errors.WinRemoteError, done: t.Sequence[Change]) -> errors.WinRemoteError:
        return errors.WinRemoteError(f"{error}; kept: {', '.join(c.summary for c in done)}")


def test_a_host_that_does_not_come_back_after_a_reboot_names_what_was_done_before() -> None:
    host = Host()
    host.unsettled = 10_000
    clock = Clock()
    procedure = Sequence([Set("dotnet", "4.5"), Reboot("boot", 2, restarts=True)], wait_seconds=4)
    with pytest.raises(errors.WinRemoteError) as failure:
        engine.execute(procedure, host, Want({}), False, clock=clock, sleep=clock.sleep)
    message = str(failure.value)
    assert message.startswith("the host did not come back within 4s of its reboot")
    assert "done before the reboot: set dotnet;" in message and "set boot" not in message.split("reboot:")[1]
    assert "net start winrm" not in message


def test_a_failure_after_some_changes_is_restated_by_the_procedure() -> None:
    host = Host()
    procedure = Sequence([Set("dotnet", "4.5"), Broken("wmf", "5.1"), Set("kb", "installed")])
    with pytest.raises(errors.WinRemoteError, match=r"^wmf failed; kept: set dotnet$"):
        engine.execute(procedure, host, Want({}), False)
    assert host.log == ["observe", "set dotnet=4.5", "fail wmf"]
    first = Sequence([Broken("wmf", "5.1")])
    with pytest.raises(errors.WinRemoteError, match=r"^wmf failed; kept: $"):
        engine.execute(first, Host(), Want({}), False)
