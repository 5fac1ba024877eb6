# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""``execute()``: the one implementation of a safe change, and every safety rule, once.

Observe, plan (pure), and then, in this order: refuse a change that would cut the controller's own connection
unless ``allow_self_disconnect`` is set; cancel a rollback task an earlier run left waiting; order the changes that
cut the connection last; arm a rollback guard built from the operations' undo steps when an operation
``reconnects``: it restarts WinRM, or it ``may_lock_out`` (authentication, RootSDDL, AllowUnencrypted, the address
filters: the host may refuse this controller's next logon although no up-front check predicted it); apply; after
each such operation close the connection and reconnect (a new connection, a new logon) with backoff until the host
runs what was planned, then cancel the guard; observe again and check that nothing is left to do. A lock-out the
reconnect cannot get past ends with the host restoring itself, and the error says when. Check mode stops after
planning, so ``--diff`` is the plan.
"""

from __future__ import annotations

import dataclasses
import time
import typing as t

from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.change import (
    Change,
    Endpoint,
    Operation,
    Outcome,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.guard import CancelStaleRollback, Guard, merged
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.retry import Backoff, RetryExhaustedError
from ansible_collections.winremote.remoting.plugins.plugin_utils.errors import NotConvergedError
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.errors import WinRemoteError
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.protocol import Client

State = t.TypeVar("State")
Request = t.TypeVar("Request")


class SelfDisconnectRefused(WinRemoteError):
    """A change would cut the connection this controller uses, and ``allow_self_disconnect`` is not set."""

    kind = "self_disconnect_refused"


class NotSettledError(WinRemoteError):
    """The host answers but does not run what was planned yet (retried until the reconnect window ends)."""

    kind = "not_settled"


class Procedure(t.Generic[State, Request]):
    """Base of the procedures: observe and a pure plan; the hooks below have safe defaults."""

    guard_task: str | None = None  # the rollback task this procedure's guarded changes use (letters, digits, '-')
    wait_seconds: float = 60.0  # how long to reconnect after a WinRM restart
    awaited: str = "again"  # what the host must answer with after a restart, for the message

    def observe(self, client: Client) -> State:
        raise NotImplementedError

    def plan(self, state: State, request: Request) -> list[Change]:
        raise NotImplementedError

    def stale_rollbacks(self, state: State) -> tuple[str, ...]:
        """The rollback tasks of this procedure that the observation found waiting."""
        return ()

    def lockout(self, state: State, request: Request) -> str | None:
        """Why the planned state, once in effect, would leave nothing answering this controller (None: it would)."""
        return None

    def settled(self, client: Client, request: Request) -> str | None:
        """After a WinRM restart: None once the host runs what was planned, else what it runs (cheap: one Get)."""
        return None

    def settled_after(self, client: Client, request: Request, operation: Operation) -> str | None:
        """After one reconnecting operation of several: by default :meth:`settled`; a procedure whose operations
        each set part of the plan checks only that operation's part (the rest is not applied yet)."""
        return self.settled(client, request)

    def describe(self, client: Client) -> str | None:
        """A fresh look at the guarded setting, for a result that must say what is true after a rollback."""
        return None

    def facts(self, outcome: Outcome[State], request: Request) -> tuple[dict[str, t.Any], list[str]]:
        """The procedure's result keys and warnings, from the outcome (pure)."""
        return {}, []

    def interrupted(self, error: WinRemoteError, done: t.Sequence[Change]) -> WinRemoteError:
        """The error to report when an operation failed after ``done`` were applied (unguarded runs): a procedure
        whose changes stay in place says which ones, so nothing half-done reads as untouched."""
        return error


def endpoint_of(request: object) -> Endpoint:
    """The request's connection (a request that names none, such as a plain ``True``, cuts nothing)."""
    endpoint = getattr(request, "endpoint", None)
    return endpoint if isinstance(endpoint, Endpoint) else Endpoint()


def allows_self_disconnect(request: object) -> bool:
    return getattr(request, "allow_self_disconnect", False) is True


def refusal(reason: str) -> SelfDisconnectRefused:
    return SelfDisconnectRefused(
        f"refused: {reason}, so this controller would lose its connection to the host; connect another way (for "
        "example over HTTPS), or set allow_self_disconnect=true if that is intended"
    )


def planned(procedure: Procedure[State, Request], state: State, request: Request) -> list[Change]:
    """The plan as it will run (pure): marked, checked against self-disconnect, stale rollbacks first, the
    changes that cut the connection last."""
    changes = [
        dataclasses.replace(c, disruptive=c.operation.affects_endpoint(endpoint_of(request)) is not None)
        for c in procedure.plan(state, request)
    ]
    stale = [
        Change(
            f"rollback_tasks.{task}",
            "pending",
            None,
            f"cancel the rollback task {task} left by an earlier run that could not confirm its change",
            CancelStaleRollback(task),
        )
        for task in procedure.stale_rollbacks(state)
    ]
    if (changes or stale) and not allows_self_disconnect(request):
        reasons = (c.operation.affects_endpoint(endpoint_of(request)) for c in changes)
        reason = next((r for r in reasons if r is not None), None) or procedure.lockout(state, request)
        if reason is not None:
            raise refusal(reason)
    return stale + [c for c in changes if not c.disruptive] + [c for c in changes if c.disruptive]


def operations(changes: t.Sequence[Change]) -> list[tuple[Operation, Change]]:
    """Each operation once (several changes may share one), at the place of its first change."""
    seen: set[int] = set()
    result = []
    for change in changes:
        if id(change.operation) not in seen:
            seen.add(id(change.operation))
            result.append((change.operation, change))
    return result


@dataclasses.dataclass
class Run(t.Generic[State, Request]):
    """One apply: the guard, the backoff, and what the result says about the rollback."""

    procedure: Procedure[State, Request]
    client: Client
    request: Request
    backoff: Backoff
    verify: bool
    guard: Guard | None = None
    rollback: str | None = None
    done: list[Change] = dataclasses.field(default_factory=list)  # the changes whose operation was applied

    def apply(self, changes: t.Sequence[Change]) -> None:
        steps = operations(changes)
        # Every operation after which the host must accept a new logon (a restart, or a possible lock-out), except
        # the ones that cut this connection on purpose.
        guarded = [op for op, change in steps if op.reconnects and not change.disruptive]
        restore = merged(op.undo for op, change in steps if not change.disruptive) if guarded else None
        if restore is not None and self.procedure.guard_task:
            # Built before anything changes, so input the restore script cannot hold refuses the run untouched.
            self.guard = Guard(
                self.procedure.guard_task,
                restore,
                self.procedure.wait_seconds,
                clock=self.backoff.clock,
                sleep=self.backoff.sleep,
                describe=self.procedure.describe,
            )
        last_guarded = guarded[-1] if guarded else None
        applied = False
        armed = False
        for op, change in steps:
            if isinstance(op, CancelStaleRollback):
                op.apply(self.client)  # first: it must not undo this run's changes later
                continue
            if change.disruptive and applied and self.verify:
                self.check_before_disconnect()
            if self.guard is not None and not armed:
                # From here on a lost connection, a fault or a killed controller ends with the host restoring what
                # it runs now. A failure to arm raises with nothing changed.
                self.guard.arm(self.client)
                armed = True
            self.step(op, patient=op.restarts_winrm)
            applied = True
            self.done.extend(c for c in changes if c.operation is op)
            if op.reconnects:
                # A restart drops this connection; a change that may lock this controller out is proved harmless
                # only by a new logon: both close it and log in again.
                self.client.close()
                if not change.disruptive:
                    self.await_settled(op)
                if op is last_guarded and self.guard is not None:
                    self.rollback = self.guard.confirm(self.client)  # retried; on failure says what the host does

    def step(self, op: Operation, patient: bool) -> None:
        try:
            op.apply(self.client)
        except WinRemoteError as exc:
            if self.guard is None or self.guard.restore_at is None:
                replaced = self.procedure.interrupted(exc, tuple(self.done))
                if replaced is exc:
                    raise
                raise replaced from exc
            # reachable: the task is cancelled and the error stands; else the error says what the host will do
            raise self.guard.settle(self.client, exc, patient=patient) from None

    def await_settled(self, op: Operation) -> None:
        """Reconnect with backoff (each try a new connection and logon) until the procedure says the host runs what
        was planned."""

        def attempt() -> None:
            seen = self.procedure.settled_after(self.client, self.request, op)
            if seen is not None:
                raise NotSettledError(seen)

        seconds = self.procedure.wait_seconds
        try:
            self.backoff.run(attempt, seconds, reset=self.client.close)
        except RetryExhaustedError as exc:
            if op.reboots:
                done = "; ".join(c.summary for c in self.done if c.operation is not op) or "nothing"
                error = NotConvergedError(
                    f"the host did not come back within {seconds:.0f}s of its reboot (last: {exc.last}); done before "
                    f"the reboot: {done}; look at the host's console, and once it answers rerun this task (what is "
                    "installed is kept, the rest is installed then)"
                )
            elif op.restarts_winrm:
                error = NotConvergedError(
                    f"WinRM did not answer {self.procedure.awaited} within {seconds:.0f}s of the restart (last: "
                    f"{exc.last}); if WinRM stays stopped, start it on the host (net start winrm), then rerun this "
                    "task"
                )
            else:
                guarded = self.guard is not None and self.guard.restore_at is not None
                error = NotConvergedError(
                    f"the host did not accept a new logon of this controller {self.procedure.awaited} within "
                    f"{seconds:.0f}s of the change (last: {exc.last}); the change may have locked this controller out"
                    + ("" if guarded else ": if so, undo it on the host, then rerun this task")
                )
            if self.guard is None or self.guard.restore_at is None:
                raise error from None
            raise self.guard.settle(self.client, error) from None  # the window is spent: one more try

    def check_before_disconnect(self) -> None:
        """Before a change that ends remote access: everything else must already be in place (nothing will
        answer afterwards, so nothing half-done is reported as success)."""
        after = self.procedure.observe(self.client)
        marked = planned_unchecked(self.procedure, after, self.request)
        left = [c for c in marked if not c.disruptive]
        if left:
            raise NotConvergedError(
                "the host did not take the changes before the one that cuts this connection; still to do: "
                + "; ".join(c.summary for c in left)
            )


def planned_unchecked(procedure: Procedure[State, Request], state: State, request: Request) -> list[Change]:
    """The plan, marked, without the self-disconnect refusal (for checks after changes were applied)."""
    return [
        dataclasses.replace(c, disruptive=c.operation.affects_endpoint(endpoint_of(request)) is not None)
        for c in procedure.plan(state, request)
    ]


def execute(
    procedure: Procedure[State, Request],
    client: Client,
    request: Request,
    check_mode: bool,
    verify: bool = True,
    clock: t.Callable[[], float] = time.time,
    sleep: t.Callable[[float], None] = time.sleep,
) -> Outcome[State]:
    """Observe, plan, and unless in check mode apply, then check that a new plan is empty (see the module)."""
    before = procedure.observe(client)
    changes = planned(procedure, before, request)
    if not changes:
        # already in the requested state: the observation is the verification
        return finish(procedure, request, Outcome((), before, before))
    if check_mode:
        return finish(procedure, request, Outcome(tuple(changes), before, None))
    run = Run(procedure, client, request, Backoff(clock=clock, sleep=sleep), verify)
    run.apply(changes)
    if not verify or any(c.disruptive for c in changes):
        # a change that cut the controller off on purpose (allow_self_disconnect) leaves nothing to re-observe
        return finish(procedure, request, Outcome(tuple(changes), before, None, rollback=run.rollback, applied=True))
    after = procedure.observe(client)
    left = planned_unchecked(procedure, after, request)
    if left:
        raise NotConvergedError(
            "the host did not reach the requested state; still to do: " + "; ".join(c.summary for c in left)
        )
    return finish(procedure, request, Outcome(tuple(changes), before, after, rollback=run.rollback, applied=True))


def finish(procedure: Procedure[State, Request], request: Request, outcome: Outcome[State]) -> Outcome[State]:
    facts, warnings = procedure.facts(outcome, request)
    return dataclasses.replace(outcome, facts=facts, warnings=tuple(warnings))
