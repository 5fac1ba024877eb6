# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The rollback guard of a change that can cut the connection: a SYSTEM task that restores the settings the host
runs now unless the controller cancels it after reconnecting.

Where its files live: a fresh directory ``%SystemRoot%\\Temp\\winremote-rollback-<32 random hex digits>`` that
this run creates (``mkdir`` fails on a directory someone else made first, so a pre-created one is never used) and
closes with ``icacls <dir> /inheritance:r /grant:r *S-1-5-18:(OI)(CI)F *S-1-5-32-544:(OI)(CI)F``: only SYSTEM and
BUILTIN\\Administrators, by SID so the command works in every language (Microsoft Learn "icacls", "Well-known
SIDs"). The directory's DACL is read back with ``icacls /save`` (SDDL: SIDs and aliases, not localised names) and
checked on the controller before anything is written into it; anything but a protected DACL granting exactly
those two SIDs full control refuses the run. File names inside are random too.

Arm (two WinRS commands, 8 round trips): (1) create the directory, set and save its DACL, read the saved DACL
back; (2) write the restore script and the files it restores (certutil base64, verified by reading them back),
then register and start a SYSTEM task whose line is ``ping -n <delay+1> 127.0.0.1 >nul & <script> & schtasks
/delete ...``: it waits without relying on the host's clock, time zone or locale, then restores. Cancel (one
WinRS command, 4 round trips): ``schtasks /end``, remove the directory, ``schtasks /delete``. A cancel that
succeeds is itself the proof that the host answers again; one whose answer is lost is settled by querying the task
again, so the result always says what the host will do.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import secrets
import time
import typing as t

from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.change import Operation, Restore
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.retry import Backoff, RetryExhaustedError
from ansible_collections.winremote.remoting.plugins.plugin_utils.errors import NotConvergedError
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import files, quote, tasks
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import batch, errors
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.errors import WinRemoteError
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.protocol import Client

# Seconds the task waits before restoring. It must exceed the reconnect window (60 s by default) plus the time one
# last reconnect attempt and the cancel may take (the connection's timeouts): Guard waits at least MARGIN longer.
ROLLBACK_DELAY = 180
MARGIN = 120
SYSTEM_ROOT = tasks.SYSTEM_ROOT
DIR_PREFIX = "winremote-rollback-"
# One task name per guarded procedure, so a later run (or remoting_info) can tell that a rollback is pending.
POLICY_TASK = "winremote-rollback-policy"
LISTENER_TASK = "winremote-rollback-listener"
SERVICE_TASK = "winremote-rollback-winrmservice"  # winrm_service: auth, RootSDDL, AllowUnencrypted, filters
WINRM_LISTENER_TASK = "winremote-rollback-winrmlistener"  # winrm_listener: a certificate or host name in use
# Well-known SIDs (Microsoft Learn "Well-known SIDs"): LocalSystem and BUILTIN\Administrators, and their SDDL aliases.
SYSTEM_SID, ADMINISTRATORS_SID = "S-1-5-18", "S-1-5-32-544"
SDDL_ALIASES = {"SY": SYSTEM_SID, "BA": ADMINISTRATORS_SID}
FULL_ACCESS = ("FA", "0X1F01FF")  # FILE_ALL_ACCESS as an SDDL right or a mask
GRANTS = tuple(f"*{sid}:(OI)(CI)F" for sid in (SYSTEM_SID, ADMINISTRATORS_SID))
TOKEN = re.compile(DIR_PREFIX + r"(?P<token>[0-9a-f]{32})", re.IGNORECASE)
TASK_NAME = re.compile(r"^[A-Za-z0-9-]+$")


class RollbackError(WinRemoteError):
    """The guard could not be armed or cancelled as asked."""

    kind = "rollback"


class RollbackPendingError(NotConvergedError):
    """The host did not come back; its rollback task will restore it."""

    kind = "rollback_pending"


def new_token() -> str:
    """128 random bits: the directory name no other account can predict (and cannot list: %SystemRoot%\\Temp
    grants ordinary users create rights, not list rights)."""
    return secrets.token_hex(16)


def folder_of(token: str) -> str:
    return rf"{SYSTEM_ROOT}\Temp\{DIR_PREFIX}{token}"


@dataclasses.dataclass(frozen=True)
class Layout:
    """The guard's directory and the random names inside it."""

    token: str
    names: tuple[str, ...]  # script, acl, .reg file, then one per backup file

    @classmethod
    def fresh(cls, backups: int) -> Layout:
        return cls(new_token(), tuple(secrets.token_hex(8) for _unused in range(backups + 3)))

    @property
    def folder(self) -> str:
        return folder_of(self.token)

    @property
    def script(self) -> str:
        return rf"{self.folder}\{self.names[0]}.cmd"

    @property
    def acl_file(self) -> str:
        return rf"{self.folder}\{self.names[1]}.acl"

    @property
    def reg_file(self) -> str:
        return rf"{self.folder}\{self.names[2]}.reg"

    def backup(self, index: int) -> str:
        return rf"{self.folder}\{self.names[index + 3]}.b64"


def script(layout: Layout, restore: Restore) -> tuple[bytes, dict[str, bytes]]:
    """The restore script and the backup files it decodes (certutil's base64 text), by path. Every line is made by
    the collection (paths through quote.cmd); a value read from the host only ever travels inside a backup file."""
    lines = ["@echo off"]
    backups: dict[str, bytes] = {}
    for index, (path, data) in enumerate(restore.files.items()):
        target = tasks.host_path_arg(path, batch_file=True)
        if data is None:
            lines.append(f"del /f /q {target} 2>nul")
            continue
        backup = layout.backup(index)
        backups[backup] = ("\r\n".join(files.encoded_lines(data)) + "\r\n").encode("ascii")
        lines.append(f"certutil -f -decode {tasks.host_path_arg(backup, batch_file=True)} {target} >nul")
    if restore.registry is not None:
        backups[layout.reg_file] = restore.registry
        lines.append(f"reg import {tasks.host_path_arg(layout.reg_file, batch_file=True)} >nul 2>&1")
    lines += list(restore.commands)
    # last: remove the directory (a running .cmd may delete itself: cmd.exe then only prints "The batch file cannot
    # be found." when it looks for the next line, and there is none); the task line deletes the task afterwards
    lines.append(f"rd /s /q {tasks.host_path_arg(layout.folder, batch_file=True)} 2>nul")
    text = "\r\n".join(lines) + "\r\n"
    if not text.isascii():
        raise RollbackError("the restore script would contain non-ASCII text; nothing was changed")
    return text.encode("ascii"), backups


def task_line(layout: Layout, delay: int) -> str:
    """What the task runs after ``cmd.exe /c`` (tasks.start_command appends the task's own deletion). Task
    Scheduler hands this line to cmd.exe again when the task runs, so it holds only text the collection made: the
    wait and the script's path (no value from an option or the host; the path has no quote or special character)."""
    return f"{tasks.wait_command(delay)} & {layout.script}"


def parse_acl_file(data: bytes | None) -> str:
    """The SDDL DACL in an ``icacls /save`` file: a line with the object's name, then its SDDL (``D:...``).
    ASSUMPTION (UNVERIFIED): the file is UTF-16LE, with or without a byte-order mark; other encodings are tried
    too, and no SDDL line at all fails the check."""
    if not data:
        return ""
    texts = []
    if data[:2] == b"\xff\xfe" or (len(data) > 1 and data[1:2] == b"\x00"):
        texts.append(data.decode("utf-16-le", errors="replace").lstrip("\ufeff"))
    texts.append(data.decode("utf-8", errors="replace"))
    for text in texts:
        for line in text.splitlines():
            if line.strip().upper().startswith("D:"):
                return line.strip()
    return ""


def acl_problem(sddl: str) -> str | None:
    """None when the DACL is protected (no inheritance) and grants exactly SYSTEM and Administrators full control,
    each inherited by files and subfolders; otherwise what is wrong. Fails safe: anything unexpected is a problem."""
    match = re.fullmatch(r"D:(?P<flags>[A-Z]*)(?P<aces>(?:\([^()]*\))*)", sddl.strip(), re.IGNORECASE)
    if match is None:
        return "its DACL could not be read back"
    if "P" not in match["flags"].upper():
        return "its DACL still inherits entries from %SystemRoot%\\Temp"
    found: set[str] = set()
    for ace in re.findall(r"\(([^()]*)\)", match["aces"]):
        fields = ace.split(";")
        if len(fields) != 6:
            return f"its DACL has an entry that cannot be read ({ace})"
        kind, flags, rights, sid = fields[0].upper(), fields[1].upper(), fields[2].upper(), fields[5].upper()
        sid = SDDL_ALIASES.get(sid, sid)
        if kind != "A" or sid not in (SYSTEM_SID, ADMINISTRATORS_SID):
            return f"its DACL has an entry for someone else ({ace})"
        if rights not in FULL_ACCESS or "ID" in flags or "IO" in flags:
            return f"its DACL has an unexpected entry ({ace})"
        found.add(sid)
    if found != {SYSTEM_SID, ADMINISTRATORS_SID}:
        return "its DACL does not grant both SYSTEM and Administrators"
    return None


class Guard:
    """One rollback task. ``arm`` before the first change; ``confirm`` after the disruptive step; or ``settle``."""

    def __init__(
        self,
        name: str,
        restore: Restore,
        reconnect_seconds: float,
        delay: int = ROLLBACK_DELAY,
        clock: t.Callable[[], float] = time.time,
        sleep: t.Callable[[float], None] = time.sleep,
        describe: t.Callable[[t.Any], str | None] | None = None,
    ) -> None:
        if not TASK_NAME.match(name):
            raise ValueError(f"task name {name!r}: letters, digits and '-' only")
        self.name, self.restore, self.reconnect_seconds = name, restore, reconnect_seconds
        self.delay = max(delay, int(reconnect_seconds) + MARGIN)  # never restore while we may still reconnect
        self.clock, self.sleep = clock, sleep
        self.describe = describe  # a fresh look at the guarded setting, for results that must say what is true
        self.restore_at: float | None = None
        self.armed = False
        # Everything that can fail on input is computed here, before the host is touched.
        self.layout = Layout.fresh(len(restore.files))
        text, backups = script(self.layout, restore)
        self.written = {**backups, self.layout.script: text}
        self.write_commands, self.probes = files.write_commands(self.written)
        self.arm_line = batch.command_line(
            [batch.Probe("arm", tasks.arm_command(name, task_line(self.layout, self.delay)))]
        )

    # --- arm -----------------------------------------------------------------------------------------------------

    def folder_command(self) -> str:
        """Create the directory (fails if it exists), close its DACL, save the DACL, and read the saved copy."""
        folder = tasks.host_path_arg(self.layout.folder)
        grants = " ".join(quote.cmd(grant) for grant in GRANTS)
        create = (
            f"mkdir {folder} && icacls {folder} /inheritance:r /grant:r {grants} >nul"
            f" && icacls {folder} /save {tasks.host_path_arg(self.layout.acl_file)} >nul && echo created"
        )
        return batch.command_line(
            [
                batch.Probe("folder", create),
                files.read_probe("acl", self.layout.acl_file),
                batch.Probe("listing", f"dir /a /b {folder}"),
            ]
        )

    def arm(self, client: Client) -> None:
        """Create and check the directory, write the script and backups, start the task; on any failure cancel what
        may have started (the restore matches what runs now, so a task that escaped the cancel is harmless)."""
        try:
            self._prepare_folder(client)
            commands = list(self.write_commands)
            if len(commands[-1]) + len(self.arm_line) + 3 <= batch.MAX_COMMAND_LINE - 100:
                commands[-1] = f"{commands[-1]} & {self.arm_line}"
            else:
                commands.append(self.arm_line)
            stdout, result = "", None
            started = self.clock()  # the task cannot start its wait before this: the earliest it can restore
            for command in commands:
                result = client.run_command("cmd.exe", ["/c", command])
                stdout += result.stdout
            sections = batch.split_sections(stdout)
            for probe, (path, data) in zip(self.probes, self.written.items(), strict=True):
                if files.parse_read(path, sections.get(probe.name, "")) != data:
                    raise RollbackError(f"writing the rollback file {path} did not take; nothing was changed")
            if result is None or result.rc != 0 or "arm" not in sections:
                seen = errors.truncate(tasks.failure_text(result.stderr) or sections.get("arm", "")) if result else ""
                raise RollbackError(
                    f"could not start the rollback task {self.name}: {seen or 'no answer'}; nothing was changed"
                )
        except WinRemoteError:
            if self.armed:  # the first error says more; a started task would restart WinRM for nothing
                with contextlib.suppress(WinRemoteError):
                    self._cancel_once(client)
            raise
        self.restore_at = started + self.delay

    def _prepare_folder(self, client: Client) -> None:
        self.armed = True  # an answer lost on the way may hide a directory this run created: remove it on failure
        result = client.run_command("cmd.exe", ["/c", self.folder_command()])
        sections = batch.split_sections(result.stdout)
        folder = self.layout.folder
        if "created" not in sections.get("folder", "").split():
            self.armed = False  # not created by this run: never touched
            seen = errors.truncate(result.stderr or sections.get("folder", ""))
            raise RollbackError(
                f"could not create the rollback guard's directory {folder} with an ACL for SYSTEM and Administrators "
                f"only ({seen or 'no answer'}); a directory that already exists is never used; nothing was changed"
            )
        try:
            sddl = parse_acl_file(files.parse_read(self.layout.acl_file, sections.get("acl", "")))
        except WinRemoteError:
            sddl = ""
        problem = acl_problem(sddl)
        # Until icacls closed it, the new directory inherited %SystemRoot%\Temp's grant that lets ordinary users
        # create files and folders in every subfolder (BUILTIN\Users:(CI)(S,WD,AD,X), see the `icacls
        # c:\windows\temp` output in GHSA-rf39-3f98-xr7r): anything but the saved DACL in it refuses the run.
        listed = {line.strip().lower() for line in sections.get("listing", "").splitlines() if line.strip()}
        if problem is None and listed != {self.layout.acl_file.rsplit("\\", 1)[-1].lower()}:
            problem = "something else was created in it before its ACL was closed"
        if problem is not None:
            raise RollbackError(
                f"refusing to use the rollback guard's directory {folder}: {problem}; only SYSTEM and Administrators "
                "may write there; nothing was changed"
            )

    # --- cancel and observe --------------------------------------------------------------------------------------

    def _cancel_once(self, client: Client) -> t.Any:
        return client.run_command("cmd.exe", ["/c", tasks.cancel_command(self.name, [self.layout.folder])])

    def task_state(self, client: Client) -> str:
        """A fresh observation: "waiting" (the task exists), "gone"; raises when the host does not answer."""
        result = client.run_command("cmd.exe", ["/c", tasks.query_command(self.name)])
        return "waiting" if self.name.lower() in result.stdout.lower() else "gone"

    def before_restore(self) -> bool:
        """The task cannot have fired yet (it starts its wait when armed; 10 s of slack for clock and start)."""
        return self.restore_at is not None and self.clock() < self.restore_at - 10

    def cancel(self, client: Client) -> None:
        """Stop and delete the task and its directory (one WinRS command). When the answer is lost or the task was
        no longer there, query it again and decide from what is true on the host."""
        try:
            result = self._cancel_once(client)
        except WinRemoteError:
            # The cancel may have run (its reply or only the shell's Delete was lost): look at the task again, on a
            # fresh connection.
            close = getattr(client, "close", None)
            if callable(close):
                close()
            if self.task_state(client) == "gone" and self.before_restore():
                self.restore_at = None
                return
            raise
        if result.rc != 0:  # /delete found no task: our earlier cancel took (reply lost), or the task already ran
            if self.before_restore():
                self.restore_at = None
                return
            raise RollbackError(
                f"the rollback task {self.name} was no longer there to cancel and its time had come: it has restored "
                f"{self.restore.what}{self._seen(client)}; rerun this task to apply the change again"
            )
        self.restore_at = None

    def _seen(self, client: Client) -> str:
        """``" (the host shows: ...)"`` from the procedure's own fresh observation, when it has one."""
        if self.describe is None:
            return ""
        try:
            seen = self.describe(client)
        except WinRemoteError:
            return ""
        return f" (the host shows: {seen})" if seen else ""

    def confirm(self, client: Client) -> str:
        """After the disruptive step: reconnect (with backoff) until the cancel goes through, or fail saying what
        the host will do. Returns the line for the result."""
        failure = self._cancel_within(client, self.reconnect_seconds)
        if failure is not None:
            raise self.pending(client, f"the host did not answer within {self.reconnect_seconds:.0f}s ({failure})")
        return f"cancelled: the host answered again, and the SYSTEM scheduled task {self.name} was removed"

    def settle(self, client: Client, error: WinRemoteError, patient: bool = False) -> WinRemoteError:
        """The error to raise after a failed step: the original one when the host answers (the task is then
        cancelled: a reachable host needs no rollback), else one saying what the host will do. ``patient`` retries
        for the reconnect window (the step may have started a restart), otherwise one try."""
        try:
            failure = self._cancel_within(client, self.reconnect_seconds if patient else 0.0)
        except RollbackError as exc:
            return exc
        return error if failure is None else self.pending(client, str(error))

    def _cancel_within(self, client: Client, seconds: float) -> WinRemoteError | None:
        """Cancel, retrying with backoff for ``seconds``; None once cancelled, else the last connection error.
        ``client.close()`` before each try logs in again (a WinRM restart drops the connection)."""
        backoff = Backoff(clock=self.clock, sleep=self.sleep)
        try:
            backoff.run(lambda: self.cancel(client), seconds, reset=client.close, fatal=(RollbackError,))
        except RetryExhaustedError as exc:
            return exc.last
        return None

    def pending(self, client: Client, detail: str) -> RollbackPendingError:
        """One line from a fresh look at the task: it will restore at about <time>, or whether it still waits could
        not be determined (the host does not answer), and how to check."""
        at = self.restore_at if self.restore_at is not None else self.clock() + self.delay
        left = max(0, round(at - self.clock()))
        when = time.strftime("%H:%M:%S UTC", time.gmtime(at))
        try:
            client.close()
            seen = self.task_state(client)
        except WinRemoteError:
            seen = "unknown"
        check = f"on the host run 'schtasks /query /tn {self.name}' (listed: still waiting)"
        if seen == "waiting":
            return RollbackPendingError(
                f"{detail.rstrip('.')}; the cancel did not go through and the rollback task is still waiting: the "
                f"host will restore {self.restore.what} by itself at about {when} (in {left}s, SYSTEM scheduled task "
                f"{self.name}); to check, rerun this task after that time, or {check}"
            )
        return RollbackPendingError(
            f"{detail.rstrip('.')}; the host is unreachable and will restore {self.restore.what} by itself at about "
            f"{when} (in {left}s, SYSTEM scheduled task {self.name}) unless the last cancel took, which could not be "
            f"determined; to check, rerun this task after that time, or {check}"
        )


# --- a rollback left pending by an earlier run ----------------------------------------------------------------------
def pending_probe(name: str) -> batch.Probe:
    """Goes into a procedure's batched observation: is this guard's task still waiting on the host?

    ``schtasks /query /tn`` exits 1 for a task that does not exist and for a Task Scheduler that did not answer
    alike (translated messages only), so after a failure the whole task list is asked for, output to nul: when that
    works, the task is proved absent; when it fails too, whether a rollback waits is unread."""
    probe_name = _pending_name(name)
    proof = f"{batch.MARKER_PREFIX}{probe_name}.absent{batch.MARKER_SUFFIX}"
    return batch.Probe(probe_name, f"{tasks.query_command(name)} || (schtasks /query >nul 2>&1 && echo {proof})")


def _pending_name(name: str) -> str:
    return f"rollback.{name.rsplit('-', 1)[-1]}"


def is_pending(result: batch.BatchResult, name: str) -> bool:
    return name.lower() in result.section(_pending_name(name)).lower()


def pending_unread(result: batch.BatchResult, name: str) -> str | None:
    """Why it is unknown whether the task waits (None when the host told: listed, or proved absent)."""
    probe_name = _pending_name(name)
    if is_pending(result, name) or f"{probe_name}.absent" in result.sections:
        return None
    if probe_name not in result.sections:
        return f"rollback task {name} could not be read: the host's answer ended before it"
    return (
        f"rollback task {name} could not be read: the Task Scheduler did not answer schtasks /query "
        "(is the Task Scheduler service running?)"
    )


def cancel_stale(client: Client, name: str) -> None:
    """Stop and delete the task and the directory its line names (found in ``schtasks /query /v``; only a name of
    the guard's own form is used); a task that already ran or vanished is fine."""
    listing = client.run_command("cmd.exe", ["/c", tasks.query_command(name, verbose=True)])
    folders = sorted({folder_of(m["token"].lower()) for m in TOKEN.finditer(listing.stdout)})
    client.run_command("cmd.exe", ["/c", tasks.cancel_command(name, folders)])


@dataclasses.dataclass(frozen=True)
class CancelStaleRollback(Operation):
    """Stop and delete a rollback task an earlier run armed and could not cancel: the host answers now, so it must
    not restore anything behind this run's back."""

    kind: t.ClassVar[str] = "cancel_stale_rollback"
    task: str

    def apply(self, client: Client) -> None:
        cancel_stale(client, self.task)


def merged(restores: t.Iterable[Restore | None]) -> Restore | None:
    """One restore from the operations' undo steps, in order: files (a later operation's copy of a path wins),
    then one .reg file, then the commands (each command once, the WinRM restart last)."""
    parts = [r for r in restores if r is not None]
    if not parts:
        return None
    registries = [r.registry for r in parts if r.registry is not None]
    if len(registries) > 1:
        raise RollbackError("more than one registry restore in one run is not supported; nothing was changed")
    files_back: dict[str, bytes | None] = {}
    commands: list[str] = []
    for part in parts:
        files_back.update(part.files)
        commands += [c for c in part.commands if c not in commands]
    if tasks.RESTART_WINRM in commands:
        commands = [c for c in commands if c != tasks.RESTART_WINRM] + [tasks.RESTART_WINRM]
    what = "; ".join(dict.fromkeys(r.what for r in parts if r.what))
    return Restore(files_back, commands, what, registry=registries[0] if registries else None)
