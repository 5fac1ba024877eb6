# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Stage an installer package on the host, verify its SHA-256 there, and run it as SYSTEM from a batch file.

Why SYSTEM: wusa.exe refuses to run from a WinRM network logon (exit 5, access denied: KB2773898,
https://support.microsoft.com/help/2773898), and a network logon cannot read a UNC share with the user's credentials
(no delegation, the "double hop"), while the computer account of a SYSTEM task can. So each step that installs or
fetches runs in a one-shot task (``tasks.py``) executing a batch file the controller wrote; the batch file's last line
writes the exit code to ``<name>.result``, which the controller polls with ``type``.

Files per package ``<name>`` in the staging folder ``<SystemRoot>\\Temp\\winremote-prerequisites``: the package file
itself, ``<name>.cmd`` (the batch file), ``<name>.log`` (its output) and ``<name>.result`` (the exit code); fetching
from a mirror or a share uses ``<name>.fetch.cmd|.log|.result`` and ``<file>.part``, moved into place only once the
host computed the expected SHA-256 (``certutil -hashfile``).

Exit codes: Windows Installer and Win32 error codes (https://learn.microsoft.com/windows/win32/msi/error-codes,
https://learn.microsoft.com/windows/win32/debug/system-error-codes), the .NET Framework setup's own
(https://learn.microsoft.com/dotnet/framework/deployment/deployment-guide-for-developers#return-codes), and the
Windows Update agent's (https://learn.microsoft.com/windows/win32/wua_sdk/wua-success-and-error-codes-). cmd.exe
prints ``%ERRORLEVEL%`` as a signed 32-bit decimal, so HRESULTs arrive negative.
"""

from __future__ import annotations

import dataclasses
import ntpath
import os
import re
import time
import typing as t
import urllib.parse

from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.change import Operation
from ansible_collections.winremote.remoting.plugins.plugin_utils.errors import InvalidArgumentError, WinRemoteError
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import files, quote, tasks, upload
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import batch, winrs
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.protocol import Client

STAGING = "winremote-prerequisites"
TASK_PREFIX = "winremote-prereq-"
# Paths that appear unquoted on the task's command line (schtasks /tr cannot carry a double quote, tasks.py): a drive,
# then letters, digits, '.', '_', '-' and backslashes only.
PLAIN_PATH = re.compile(r"^[A-Za-z]:\\[A-Za-z0-9._\\-]*$")
PLAIN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")  # package and file names (Microsoft's file names fit)
HEX64 = re.compile(r"^[0-9a-f]{64}$")
SCHEME = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]+):")
NUMBER = re.compile(r"^-?[0-9]+$")
LOG_LINES = 20
LOG_CHARS = 2000
POLL_FIRST, POLL_MAX = 1.0, 10.0  # seconds between result polls: doubling from the first to the largest

# The clock and the sleep the polls use, looked up at each call so tests can replace them.
CLOCK: t.Callable[[], float] = time.monotonic
SLEEP: t.Callable[[float], None] = time.sleep

CONTROLLER, HTTP, UNC = "controller", "http", "unc"
OK, REBOOT_REQUIRED, REBOOT_INITIATED, ALREADY_INSTALLED = 0, 3010, 1641, 2359302

# exit code (signed, as cmd.exe prints it) -> meaning
SUCCESS_CODES: dict[int, str] = {
    OK: "success",
    REBOOT_REQUIRED: "success, a restart is required to finish (ERROR_SUCCESS_REBOOT_REQUIRED)",
    REBOOT_INITIATED: "success, the installer started a restart (ERROR_SUCCESS_REBOOT_INITIATED)",
    ALREADY_INSTALLED: "the update is already installed (WU_S_ALREADY_INSTALLED, 0x240006)",
}
FAILURE_CODES: dict[int, str] = {
    5: "access denied (ERROR_ACCESS_DENIED; wusa.exe answers it outside a SYSTEM or interactive session)",
    112: "there is not enough space on the disk (ERROR_DISK_FULL)",
    1602: "the user cancelled the installation (.NET Framework setup)",
    1603: "a fatal error occurred during installation (.NET Framework setup; its log says which)",
    1618: "another installation is already in progress (ERROR_INSTALL_ALREADY_RUNNING, Windows Installer)",
    5100: "the computer does not meet the system requirements (.NET Framework setup)",
    9009: "the command was not found (cmd.exe: the program is not on this Windows)",
    -2146498530: "the package is not applicable to this Windows (CBS_E_NOT_APPLICABLE, DISM)",
    -2145124329: "the update is not applicable to this computer (WU_E_NOT_APPLICABLE, wusa.exe)",
    -2147023293: "a fatal error occurred during installation (ERROR_INSTALL_FAILURE as an HRESULT, 0x80070643)",
}


class PackageError(WinRemoteError):
    """A package could not be staged, verified, installed or removed; the message names the package and what to do."""

    kind = "package"


# --- where the files come from ---------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Source:
    """Where package files come from: a controller directory, an http(s) base URL or a UNC folder."""

    kind: str  # CONTROLLER, HTTP or UNC
    location: str  # the directory, the base URL without a trailing '/', or the UNC folder without a trailing '\'

    def where(self, file: str) -> str:
        """The file's controller path, URL or UNC path."""
        if self.kind == HTTP:
            return f"{self.location}/{urllib.parse.quote(file)}"
        if self.kind == UNC:
            return f"{self.location}\\{file}"
        return os.path.join(self.location, file)


def _refuse(problem: str) -> t.NoReturn:
    raise InvalidArgumentError("source", problem)


def parse_source(text: str) -> Source:
    """The user's ``source`` option as a :class:`Source`; pure (no I/O), so it is checked before connecting."""
    value = (text or "").strip()
    if not value:
        _refuse("give a controller directory, an http:// or https:// base URL, or a UNC path \\\\server\\share")
    reason = quote.refusal(value)
    if reason is not None:
        _refuse(f"{value!r} cannot reach the host's command line: {reason}")
    if (value.startswith(("\\\\", "//")) or SCHEME.match(value)) and not value.isascii():
        _refuse(f"{value!r}: a URL or UNC path reaches a batch file, which holds ASCII only (percent-encode URLs)")
    if value.startswith(("\\\\", "//")):
        return _unc(value)
    scheme = SCHEME.match(value)
    if scheme is not None:
        if scheme.group("scheme").lower() not in ("http", "https"):
            shown = scheme.group("scheme")
            _refuse(f"the scheme {shown}: is not supported; use http://, https://, a UNC path or a directory")
        return _url(value)
    return Source(CONTROLLER, value)


def _url(value: str) -> Source:
    parts = urllib.parse.urlsplit(value)
    if "@" in parts.netloc:
        _refuse("the URL carries credentials (user@host); put the files on a mirror that needs none")
    if not parts.hostname:
        _refuse(f"{value!r} names no host")
    if parts.query or parts.fragment or value.rstrip("/").endswith(("?", "#")):
        _refuse(f"{value!r}: give a base URL without '?' or '#'; each file name is appended to it")
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        _refuse(f"{value!r} has an invalid port")
    if " " in value or "\t" in value:
        _refuse(f"{value!r}: percent-encode spaces in the URL (%20)")
    return Source(HTTP, value.rstrip("/"))


def _unc(value: str) -> Source:
    path = value.replace("/", "\\").rstrip("\\")
    pieces = path[2:].split("\\")
    if len(pieces) < 2 or not all(pieces):
        _refuse(f"{value!r}: a UNC path is \\\\server\\share[\\folder], without empty parts")
    if pieces[0] in ("?", "."):
        _refuse(f"{value!r}: device paths (\\\\?\\, \\\\.\\) are not shares")
    if any(piece in (".", "..") for piece in pieces):
        _refuse(f"{value!r}: '.' and '..' are not allowed in the UNC path")
    return Source(UNC, path)


# --- host paths ------------------------------------------------------------------------------------------------------
def staging_dir(system_root: str) -> str:
    """``<SystemRoot>\\Temp\\winremote-prerequisites`` for the host's SystemRoot (such as ``C:\\Windows``)."""
    return ntpath.join(system_root.rstrip("\\"), "Temp", STAGING)


def file_path(staging: str, file: str) -> str:
    return f"{staging}\\{file}"


def batch_path(staging: str, name: str, step: str = "") -> str:
    """``<name>.cmd`` (``<name>.fetch.cmd`` for the fetch step)."""
    return f"{staging}\\{name}{step}.cmd"


def log_path(staging: str, name: str, step: str = "") -> str:
    return f"{staging}\\{name}{step}.log"


def result_path(staging: str, name: str, step: str = "") -> str:
    return f"{staging}\\{name}{step}.result"


def task_name(name: str) -> str:
    """``winremote-prereq-<name>``, with every character other than a letter, a digit or '-' made '-'."""
    return TASK_PREFIX + re.sub(r"[^A-Za-z0-9-]", "-", name)


def q(value: str) -> str:
    """One argument of a WinRS command line."""
    return quote.cmd(value)


def qb(value: str) -> str:
    """One argument of a batch-file line (``%`` doubled)."""
    return quote.cmd(value, batch=True)


def mkdir_command(path: str) -> str:
    return f"if not exist {q(path)} mkdir {q(path)}"


def hash_command(path: str) -> str:
    """certutil's SHA-256 of a host file (parsed by ``upload.parse_hash``; a missing file gives no hash)."""
    return f"certutil -hashfile {q(path)} SHA256"


def delete_command(path: str) -> str:
    return f"del /f /q {q(path)} 2>nul"


def move_command(source: str, target: str) -> str:
    return f"move /y {q(source)} {q(target)}"


def type_command(path: str) -> str:
    return f"type {q(path)}"


def result_line(result: str) -> str:
    """The batch file's last line. In a parenthesised block the code is not followed by '>': ``echo 0> file`` would
    redirect handle 0 instead of writing "0" (cmd.exe reads a digit right before '>' as a handle number, Microsoft
    Learn "Using command redirection operators")."""
    return f"(echo %ERRORLEVEL%)> {qb(result)}"


def batch_file(lines: t.Sequence[str]) -> bytes:
    """A batch file: ``@echo off``, the lines, CRLF line ends."""
    return ("\r\n".join(["@echo off", *lines]) + "\r\n").encode("ascii")


def fetch_lines(source: Source, file: str, staging: str, name: str) -> list[str]:
    """The fetch batch file's lines: the part file removed, fetched (certutil's URL cache or a copy from the
    share), the exit code written."""
    part = file_path(staging, file) + ".part"
    log = log_path(staging, name, ".fetch")
    origin = source.where(file)
    if source.kind == HTTP:
        get = f"certutil -urlcache -split -f {qb(origin)} {qb(part)} > {qb(log)} 2>&1"
    else:
        get = f"copy /y /b {qb(origin)} {qb(part)} > {qb(log)} 2>&1"
    return [f"del /f /q {qb(part)} 2>nul", get, result_line(result_path(staging, name, ".fetch"))]


def install_lines(
    name: str,
    file: str,
    kind: str,
    cabs: t.Sequence[str],
    arguments: t.Sequence[str],
    staging: str,
    windows: tuple[int, int],
) -> list[str]:
    """The install batch file's lines for an msu (wusa on 6.0, expand + DISM from 6.1) or an exe."""
    package, log = file_path(staging, file), log_path(staging, name)
    if kind == "exe":
        extra = "".join(f" {qb(arg)}" for arg in arguments)
        lines = [f"{qb(package)} /q /norestart{extra} > {qb(log)} 2>&1"]
    elif kind == "msu" and tuple(windows) < (6, 1):
        lines = [f"wusa.exe {qb(package)} /quiet /norestart > {qb(log)} 2>&1"]
    elif kind == "msu":
        folder = f"{staging}\\{name}"
        names = tuple(cabs) or (ntpath.splitext(file)[0] + ".cab",)
        paths = "".join(f" /packagepath:{qb(folder + chr(92) + cab)}" for cab in names)
        lines = [
            f"mkdir {qb(folder)} 2>nul",
            f"expand -F:* {qb(package)} {qb(folder)} > {qb(log)} 2>&1"
            f" && dism /online /add-package{paths} /quiet /norestart >> {qb(log)} 2>&1",
        ]
    else:
        raise ValueError(f"package {name}: kind {kind!r} is neither msu nor exe")
    return [*lines, result_line(result_path(staging, name))]


def remove_lines(name: str, kb: str, staging: str) -> list[str]:
    digits = kb.upper().removeprefix("KB")
    if not digits.isdigit() or not digits.isascii():
        raise ValueError(f"package {name}: KB {kb!r} is not a KB number")
    return [
        f"wusa.exe /uninstall /kb:{digits} /quiet /norestart > {qb(log_path(staging, name))} 2>&1",
        result_line(result_path(staging, name)),
    ]


def task_line(staging: str, name: str, step: str = "") -> str:
    """What the task runs (tasks.py adds ``cmd.exe /c``): the batch file's path, unquoted, as the /tr text cannot
    carry quotes; :func:`check_paths` made sure it needs none."""
    return batch_path(staging, name, step)


def check_paths(name: str, file: str, staging: str) -> None:
    if not PLAIN_NAME.fullmatch(name):
        raise ValueError(f"package {name!r}: a name has letters, digits, '.', '_' and '-' only")
    if not PLAIN_PATH.fullmatch(staging):
        raise ValueError(
            f"package {name}: the staging folder {staging!r} needs quoting on a task line; it cannot be used"
        )
    if not PLAIN_NAME.fullmatch(file) or file.endswith("."):
        raise ValueError(f"package {name}: the file name {file!r} cannot be placed on a Windows command line")
    tasks.start_command(task_name(name), task_line(staging, name, ".fetch"))


# --- reading results -------------------------------------------------------------------------------------------------
def parse_code(text: str) -> int | None:
    """The exit code a result file holds (its first non-empty line), None when it holds no number."""
    for line in text.splitlines():
        if line.strip():
            return int(line.strip()) if NUMBER.fullmatch(line.strip()) else None
    return None


def result_read(probe: str, staging: str, package_name: str) -> batch.Read[int | None]:
    """``type`` of ``<name>.result`` in a batched read: its code, None when absent, unreadable or not a number."""
    command = f"{type_command(result_path(staging, package_name))} 2>nul"
    return batch.Read((batch.Probe(probe, command),), lambda result: parse_code(result.section(probe)))


def log_tail(text: str) -> str:
    """The last non-empty lines of a log, at most LOG_LINES lines and LOG_CHARS characters."""
    lines = [line.rstrip() for line in text.splitlines() if line.strip()][-LOG_LINES:]
    tail = "\n".join(lines)
    return tail[-LOG_CHARS:]


def hex_code(code: int) -> str:
    return f"0x{code & 0xFFFFFFFF:08X}" if code < 0 or code > 0xFFFF else f"0x{code:X}"


def meaning(code: int) -> str:
    signed = code - (1 << 32) if code >= 1 << 31 else code
    return SUCCESS_CODES.get(signed) or FAILURE_CODES.get(signed) or "not a code this collection knows; see the log"


def succeeded(code: int) -> bool:
    return code in SUCCESS_CODES


# --- the steps on the host -------------------------------------------------------------------------------------------
def run(client: Client, command: str) -> winrs.CommandResult:
    return client.run_command("cmd.exe", ["/c", command])


def poll_result(client: Client, path: str, timeout: float) -> int | None:
    """Poll ``type <result>`` until it prints a number (returned) or ``timeout`` seconds pass (None). A failed poll
    (an installer may restart WinRM) closes the client and tries again until the deadline."""
    deadline = CLOCK() + timeout
    interval = POLL_FIRST
    while True:
        try:
            code = parse_code(run(client, type_command(path)).stdout)
        except WinRemoteError:
            client.close()
            code = None
        if code is not None:
            return code
        now = CLOCK()
        if now >= deadline:
            return None
        SLEEP(min(interval, max(deadline - now, 0.0)))
        interval = min(interval * 2, POLL_MAX)


def read_log(client: Client, path: str) -> str:
    try:
        return log_tail(run(client, f"{type_command(path)} 2>nul").stdout)
    except WinRemoteError as exc:
        return f"(the log could not be read: {exc})"


def run_batch(client: Client, name: str, staging: str, step: str, content: bytes, timeout: float) -> int | None:
    """Write the batch file, delete an old result, start the SYSTEM task, poll the result."""
    files.write(client, {batch_path(staging, name, step): content})
    run(client, delete_command(result_path(staging, name, step)))
    tasks.run_as_system(client, task_name(name), task_line(staging, name, step))
    return poll_result(client, result_path(staging, name, step), timeout)


def host_hash(client: Client, path: str) -> str | None:
    return upload.parse_hash(run(client, hash_command(path)).stdout)


def stage(client: Client, source: Source, name: str, file: str, sha256: str, staging: str, timeout: float) -> str:
    """Put the package file in the staging folder, verified by its SHA-256 on the host: "present" (it was there),
    "uploaded" or "fetched"."""
    target = file_path(staging, file)
    if source.kind == CONTROLLER:
        done = upload.upload(t.cast(upload.StdinClient, client), source.where(file), target, sha256)
        return "present" if done.skipped else "uploaded"
    if host_hash(client, target) == sha256:
        return "present"
    content = batch_file(fetch_lines(source, file, staging, name))
    code = run_batch(client, name, staging, ".fetch", content, timeout)
    origin = source.where(file)
    if code is None:
        raise PackageError(
            f"package {name}: fetching {origin} did not finish within {int(timeout)} seconds; the SYSTEM task "
            f"{task_name(name)} may still be running: run again later"
        )
    if code != 0:
        tail = read_log(client, log_path(staging, name, ".fetch"))
        where = "the share (the host's computer account must be able to read it)" if source.kind == UNC else "the URL"
        raise PackageError(
            f"package {name}: fetching {origin} failed with exit code {code} ({hex_code(code)}); check {where}. "
            f"Log: {tail or 'empty'}"
        )
    part = target + ".part"
    seen = host_hash(client, part)
    if seen != sha256:
        run(client, delete_command(part))
        raise PackageError(
            f"package {name}: {file} fetched from {origin} has SHA-256 {seen or 'that could not be computed'} on the "
            f"host, expected {sha256}; the download was deleted. Check that the source holds Microsoft's file and "
            "that the checksum given for it is right, then run again"
        )
    moved = run(client, move_command(part, target))
    if moved.rc != 0:
        raise PackageError(
            f"package {name}: could not move {part} to {target}: {moved.stderr.strip() or moved.stdout.strip()}"
        )
    return "fetched"


def finish(client: Client, name: str, staging: str, code: int | None, timeout: float, action: str) -> dict[str, t.Any]:
    """The outcome of an install or removal from its exit code, or a PackageError that says what to do."""
    if code is None:
        raise PackageError(
            f"package {name}: the {action} did not finish within {int(timeout)} seconds; the installer may still be "
            f"running in the SYSTEM task {task_name(name)}: run again later (install_timeout sets the wait)"
        )
    if succeeded(code):
        return {
            "exit_code": code,
            "meaning": meaning(code),
            "reboot_required": code in (REBOOT_REQUIRED, REBOOT_INITIATED),
            "reboot_initiated": code == REBOOT_INITIATED,
            "already_installed": code == ALREADY_INSTALLED,
        }
    tail = read_log(client, log_path(staging, name))
    raise PackageError(
        f"package {name}: the {action} failed with exit code {code} ({hex_code(code)}): {meaning(code)}. The host is "
        f"unchanged for this package; fix the cause and run again. Log {log_path(staging, name)}: {tail or 'empty'}"
    )


def make_staging(client: Client, name: str, staging: str) -> None:
    """Create the staging directory (``if not exist ... mkdir``), or say why it cannot be."""
    made = run(client, mkdir_command(staging))
    if made.rc != 0:
        raise PackageError(f"package {name}: cannot create {staging}: {made.stderr.strip() or made.rc}")


@dataclasses.dataclass(frozen=True)
class InstallPackage(Operation):
    """Stage a package file, verify it on the host, install it as SYSTEM; ``outcome`` records the exit code."""

    kind: t.ClassVar[str] = "install_package"
    name: str
    file: str
    package_kind: str  # "msu" or "exe"
    cabs: tuple[str, ...]
    sha256: str
    arguments: tuple[str, ...]
    source: Source
    staging: str
    windows_version: tuple[int, int]
    install_timeout: float = 3600
    outcome: dict[str, t.Any] = dataclasses.field(default_factory=dict, compare=False, hash=False, repr=False)

    def __post_init__(self) -> None:
        if not HEX64.fullmatch(self.sha256 or ""):
            raise ValueError(f"package {self.name}: sha256 must be 64 lowercase hexadecimal characters")
        check_paths(self.name, self.file, self.staging)
        try:
            self.commands()
        except quote.QuoteError as exc:
            raise ValueError(f"package {self.name}: a value {exc}") from None

    def commands(self) -> list[str]:
        """Every command line and batch-file line this operation sends (built here so bad input fails early)."""
        lines = install_lines(
            self.name, self.file, self.package_kind, self.cabs, self.arguments, self.staging, self.windows_version
        )
        target = file_path(self.staging, self.file)
        lines += [mkdir_command(self.staging), hash_command(target), hash_command(target + ".part")]
        lines.append(move_command(target + ".part", target))
        if self.source.kind != CONTROLLER:
            lines += fetch_lines(self.source, self.file, self.staging, self.name)
        else:
            upload.host_paths(target)
        tasks.start_command(task_name(self.name), task_line(self.staging, self.name))
        return lines

    def apply(self, client: Client) -> None:
        make_staging(client, self.name, self.staging)
        self.outcome["staged"] = stage(
            client, self.source, self.name, self.file, self.sha256, self.staging, self.install_timeout
        )
        lines = install_lines(
            self.name, self.file, self.package_kind, self.cabs, self.arguments, self.staging, self.windows_version
        )
        code = run_batch(client, self.name, self.staging, "", batch_file(lines), self.install_timeout)
        self.outcome.update(finish(client, self.name, self.staging, code, self.install_timeout, "installation"))


@dataclasses.dataclass(frozen=True)
class RemovePackage(Operation):
    """Uninstall an update by KB with wusa.exe as SYSTEM; ``outcome`` records the exit code."""

    kind: t.ClassVar[str] = "remove_package"
    name: str
    kb: str
    staging: str
    install_timeout: float = 3600
    outcome: dict[str, t.Any] = dataclasses.field(default_factory=dict, compare=False, hash=False, repr=False)

    def __post_init__(self) -> None:
        check_paths(self.name, "x", self.staging)
        try:
            remove_lines(self.name, self.kb, self.staging)
        except quote.QuoteError as exc:
            raise ValueError(f"package {self.name}: a value {exc}") from None

    def apply(self, client: Client) -> None:
        make_staging(client, self.name, self.staging)
        content = batch_file(remove_lines(self.name, self.kb, self.staging))
        code = run_batch(client, self.name, self.staging, "", content, self.install_timeout)
        self.outcome.update(finish(client, self.name, self.staging, code, self.install_timeout, "removal"))
