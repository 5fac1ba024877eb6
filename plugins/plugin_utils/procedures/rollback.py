"""The rollback guard of a change that can cut the connection: a SYSTEM task that restores the previous settings
unless the controller cancels it after reconnecting.

Arm (one WinRS command, 4 round trips): write a restore script (``%SystemRoot%\\Temp\\<task>.cmd``) and copies of
the files it restores (certutil base64, verified by reading them back), then register and start a SYSTEM task
whose line is ``ping -n <delay+1> 127.0.0.1 >nul & <script> & schtasks /delete ...``: it waits without relying on
the host's clock, time zone or locale, then restores. Cancel (one WinRS command, 4 round trips): ``schtasks /end``
and ``/delete``, and remove the files. A cancel that succeeds is itself the proof that the host answers again.
When the host does not come back, the task restores the host by itself and the failure says when.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
import typing as t

from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures.base import Change, NotConvergedError
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import batch, files, tasks
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.errors import WinRemoteError

# Seconds the task waits before restoring. It must exceed the reconnect window (60 s by default) plus the time one
# last reconnect attempt and the cancel may take (the connection's timeouts): Guard waits at least MARGIN longer.
ROLLBACK_DELAY = 180
MARGIN = 120
FOLDER = r"%SystemRoot%\Temp"
# One task name per guarded procedure, so a later run (or remoting_info) can tell that a rollback is pending.
POLICY_TASK = "winremote-rollback-policy"
LISTENER_TASK = "winremote-rollback-listener"
MAX_BACKUP_FILES = 4  # more backups than any guarded procedure writes; cleaning up removes them all


class RollbackError(WinRemoteError):
    """The guard could not be armed or cancelled as asked."""

    kind = "rollback"


class RollbackPendingError(NotConvergedError):
    """The host did not come back; its rollback task will restore it."""

    kind = "rollback_pending"


def batch_text(value: str) -> str:
    """A value for a double-quoted argument inside a .cmd file: ``%`` doubled; quotes and a trailing backslash
    (which would escape the closing quote) refused."""
    if '"' in value or value.endswith("\\") or "\n" in value or "\r" in value:
        raise RollbackError(f"cannot back up the value {value!r}: it cannot be written safely into a restore script")
    return value.replace("%", "%%")


@dataclasses.dataclass(frozen=True)
class Restore:
    """What the task puts back: files (path -> previous bytes, None = the file did not exist), then commands."""

    files: t.Mapping[str, bytes | None]
    commands: t.Sequence[str]
    what: str  # for the failure message, e.g. "the previous WinRM policy"


def script_path(name: str) -> str:
    return rf"{FOLDER}\{name}.cmd"


def backup_path(name: str, index: int) -> str:
    return rf"{FOLDER}\{name}-{index}.b64"


def script(name: str, restore: Restore) -> tuple[bytes, dict[str, bytes]]:
    """The restore script and the backup files it decodes (certutil's base64 text), by path."""
    lines = ["@echo off"]
    backups: dict[str, bytes] = {}
    for index, (path, data) in enumerate(restore.files.items()):
        if data is None:
            lines.append(f'del /f /q "{path}" 2>nul')
            continue
        backup = backup_path(name, index)
        backups[backup] = ("\r\n".join(files.encoded_lines(data)) + "\r\n").encode("ascii")
        lines.append(f'certutil -f -decode "{backup}" "{path}" >nul')
    lines += list(restore.commands)
    # the task's last step deletes the task; the files go first (a running .cmd can delete itself: cmd.exe then only
    # prints "The batch file cannot be found." when it looks for the next line, and there is none)
    if len(backups) > MAX_BACKUP_FILES:
        raise RollbackError(f"{len(backups)} files to restore; cancel_stale only cleans up {MAX_BACKUP_FILES}")
    lines.append("del /f /q " + " ".join(f'"{p}"' for p in [*backups, script_path(name)]) + " 2>nul")
    return ("\r\n".join(lines) + "\r\n").encode("ascii"), backups


def task_line(name: str, delay: int) -> str:
    """What the task runs after ``cmd.exe /c`` (tasks.start_command appends the task's own deletion)."""
    return f"{tasks.wait_command(delay)} & {script_path(name)}"


class Guard:
    """One armed rollback task. ``arm`` before the disruptive step; ``confirm`` after it; or ``settle`` a failure."""

    def __init__(
        self,
        name: str,
        restore: Restore,
        reconnect_seconds: float,
        delay: int = ROLLBACK_DELAY,
        clock: t.Callable[[], float] = time.time,
        sleep: t.Callable[[float], None] = time.sleep,
    ) -> None:
        self.name, self.restore, self.reconnect_seconds = name, restore, reconnect_seconds
        self.delay = max(delay, int(reconnect_seconds) + MARGIN)  # never restore while we may still reconnect
        self.clock, self.sleep = clock, sleep
        self.restore_at: float | None = None
        self.leftovers: list[str] = []

    def arm_commands(self) -> tuple[list[str], list[batch.Probe], dict[str, bytes]]:
        """The command lines (the last one registers and starts the task), the read-back probes, and the files."""
        text, backups = script(self.name, self.restore)
        written = {**backups, script_path(self.name): text}
        commands, probes = files.write_commands(written)
        arm = batch.command_line([batch.Probe("arm", tasks.arm_command(self.name, task_line(self.name, self.delay)))])
        if len(commands[-1]) + len(arm) + 3 <= batch.MAX_COMMAND_LINE - 100:
            commands[-1] = f"{commands[-1]} & {arm}"
        else:
            commands.append(arm)
        return commands, probes, written

    def arm(self, client: batch.CommandRunner) -> None:
        """Write the script and backups, start the task; on any failure try to cancel what may have started."""
        commands, probes, written = self.arm_commands()
        self.leftovers = list(written)
        try:
            stdout, result = "", None
            for command in commands:
                result = client.run_command("cmd.exe", ["/c", command])
                stdout += result.stdout
            sections = batch.split_sections(stdout)
            for probe, (path, data) in zip(probes, written.items(), strict=True):
                if files.parse_read(path, sections.get(probe.name, "")) != data:
                    raise RollbackError(f"writing the rollback file {path} did not take")
            if result is None or result.rc != 0 or "arm" not in sections:
                seen = " ".join((result.stderr or sections.get("arm", "")).split()) if result else ""
                raise RollbackError(f"could not start the rollback task {self.name}: {seen or 'no answer'}")
        except WinRemoteError:
            # the first error says more; a task that did start would restore settings that are still current
            with contextlib.suppress(WinRemoteError):
                self.cancel(client)
            raise
        self.restore_at = self.clock() + self.delay

    def cancel(self, client: batch.CommandRunner) -> None:
        """Stop and delete the task and its files (one WinRS command); raises RollbackError when it was gone."""
        result = client.run_command("cmd.exe", ["/c", tasks.cancel_command(self.name, self.leftovers)])
        if result.rc != 0:
            raise RollbackError(
                f"the rollback task {self.name} was no longer there to cancel: it may have restored "
                f"{self.restore.what} already; observe the host again (rerun this task) to see its state"
            )
        self.restore_at = None

    def confirm(self, client: t.Any) -> None:
        """After the disruptive step: reconnect (with backoff) until the cancel goes through, or fail saying when
        the host restores itself."""
        failure = self._cancel_within(client, self.reconnect_seconds)
        if failure is not None:
            raise self.pending(f"the host did not answer within {self.reconnect_seconds:.0f}s ({failure})")

    def settle(self, client: t.Any, error: WinRemoteError, patient: bool = False) -> WinRemoteError:
        """The error to raise after a failed step: the original one when the host answers (the task is then
        cancelled: a reachable host needs no rollback), else the 'will restore itself' one. ``patient`` retries
        for the reconnect window (the step may have started a restart), otherwise one try."""
        try:
            failure = self._cancel_within(client, self.reconnect_seconds if patient else 0.0)
        except RollbackError as exc:
            return exc
        return error if failure is None else self.pending(str(error))

    def _cancel_within(self, client: t.Any, seconds: float) -> WinRemoteError | None:
        """Cancel, retrying with backoff for ``seconds``; None once cancelled, else the last connection error.
        ``client.close()`` before each try logs in again (a WinRM restart drops the connection)."""
        deadline = time.monotonic() + seconds
        delay = 0.25
        while True:
            client.close()
            try:
                self.cancel(client)
                return None
            except RollbackError:
                raise
            except WinRemoteError as exc:
                if time.monotonic() + delay > deadline:
                    return exc
            self.sleep(delay)
            delay = min(delay * 2, 5.0)

    def pending(self, detail: str) -> RollbackPendingError:
        """One line: unreachable, restores itself at about <time> (in N s), and how to check."""
        at = self.restore_at if self.restore_at is not None else self.clock() + self.delay
        left = max(0, round(at - self.clock()))
        when = time.strftime("%H:%M:%S UTC", time.gmtime(at))
        return RollbackPendingError(
            f"{detail.rstrip('.')}; the host is unreachable and will restore {self.restore.what} by itself at about "
            f"{when} (in {left}s, SYSTEM scheduled task {self.name}); to check, rerun this task after that time, or "
            f"on the host run 'schtasks /query /tn {self.name}' (Running: still waiting)"
        )


# --- a rollback left pending by an earlier run ----------------------------------------------------------------------
def pending_probe(name: str) -> batch.Probe:
    """Goes into a procedure's batched observation: is this guard's task still waiting on the host?"""
    return batch.Probe(f"rollback.{name.rsplit('-', 1)[-1]}", tasks.query_command(name))


def is_pending(result: batch.BatchResult, name: str) -> bool:
    return name.lower() in result.section(pending_probe(name).name).lower()


def stale_change(name: str) -> Change:
    """An earlier run armed this task and could not cancel it; the host answers now, so the task must not restore
    anything behind this run's back."""
    return Change(
        "cancel_stale_rollback",
        f"rollback_tasks.{name}",
        "pending",
        None,
        f"cancel the rollback task {name} left by an earlier run that could not confirm its change",
        {"task": name},
    )


def cancel_stale(client: batch.CommandRunner, name: str) -> None:
    """Stop and delete the task and every file it may have left; one that already ran or vanished is fine."""
    paths = [script_path(name), *(backup_path(name, index) for index in range(MAX_BACKUP_FILES))]
    client.run_command("cmd.exe", ["/c", tasks.cancel_command(name, paths)])
