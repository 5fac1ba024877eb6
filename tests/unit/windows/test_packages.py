# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""windows/packages: source parsing, every command and batch line (hostile values quoted or refused), the staging
and hash-check paths, exit-code meanings and the polling deadline, against a scripted fake host."""

from __future__ import annotations

import re
import typing as t

import pytest

from ansible_collections.winremote.remoting.plugins.plugin_utils.errors import InvalidArgumentError, WinRemoteError
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import packages, upload
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import batch
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.winrs import CommandResult

DIR = r"C:\Windows\Temp\winremote-prerequisites"
SHA = "ab" * 32
OTHER = "cd" * 32
HOSTILE = ["&", "|", "<", ">", "^", "%", "(", ")", " "]
REFUSED = ['"', "!", "\r", "\n", "\x07"]


def hash_output(path: str, digest: str) -> str:
    return f"SHA256 hash of {path}:\r\n{digest}\r\nCertUtil: -hashfile command completed successfully.\r\n"


class FakeHost:
    """Files by path; WinRS commands the facade sends are answered from them. A SYSTEM task runs ``on_task``."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.hashes: dict[str, str] = {}
        self.commands: list[str] = []
        self.tasks: list[str] = []
        self.closed = 0
        self.on_task: t.Callable[[FakeHost, str], None] = lambda host, line: None
        self.fail_polls = 0

    def run_command(self, command: str, arguments: t.Sequence[str] = ()) -> CommandResult:
        line = arguments[-1]
        self.commands.append(line)
        paths = re.findall(r'"([^"]*)"', line)
        if line.startswith("if not exist"):
            return CommandResult("", "", 0)
        if line.startswith("certutil -hashfile"):
            digest = self.hashes.get(paths[0])
            if digest is None:
                return CommandResult("CertUtil: -hashfile command FAILED: 0x80070002\r\n", "", 2)
            return CommandResult(hash_output(paths[0], digest), "", 0)
        if line.startswith("del /f /q"):
            self.files.pop(paths[0], None)
            self.hashes.pop(paths[0], None)
            return CommandResult("", "", 0)
        if line.startswith("move /y"):
            self.files[paths[1]] = self.files.pop(paths[0], b"")
            self.hashes[paths[1]] = self.hashes.pop(paths[0])
            return CommandResult("        1 file(s) moved.\r\n", "", 0)
        if line.startswith("type"):
            if self.fail_polls and paths[0].endswith(".result"):
                self.fail_polls -= 1
                raise WinRemoteError("connection lost")
            data = self.files.get(paths[0])
            if data is None:
                return CommandResult("", "The system cannot find the file specified.\r\n", 1)
            return CommandResult(data.decode("ascii"), "", 0)
        if line.startswith("schtasks /create"):
            task = re.search(r"/tr \"cmd.exe /c (\S+) &", line)
            assert task is not None
            self.tasks.append(task.group(1))
            self.on_task(self, task.group(1))
            return CommandResult("SUCCESS\r\n", "", 0)
        raise AssertionError(f"unexpected command {line}")

    def close(self) -> None:
        self.closed += 1


@pytest.fixture
def host(monkeypatch: pytest.MonkeyPatch) -> FakeHost:
    fake = FakeHost()
    monkeypatch.setattr(packages.files, "write", lambda client, written: fake.files.update(written))
    clock = [0.0]
    monkeypatch.setattr(packages, "CLOCK", lambda: clock[0])
    monkeypatch.setattr(packages, "SLEEP", lambda seconds: clock.__setitem__(0, clock[0] + seconds))
    return fake


def exits(code: int | None, log: str = "") -> t.Callable[[FakeHost, str], None]:
    """A task that writes the exit code (and a log) of the batch file it runs."""

    def run(fake: FakeHost, batch_path: str) -> None:
        base = batch_path.removesuffix(".cmd")
        if code is not None:
            fake.files[base + ".result"] = f"{code} \r\n".encode()
        fake.files[base + ".log"] = log.encode()

    return run


def install(**changes: t.Any) -> packages.InstallPackage:
    fields: dict[str, t.Any] = {
        "name": "wmf-5.1",
        "file": "Win7AndW2K8R2-KB3191566-x64.msu",
        "package_kind": "msu",
        "cabs": ("Win7AndW2K8R2-KB3191566-x64.cab",),
        "sha256": SHA,
        "arguments": (),
        "source": packages.parse_source("https://mirror.example/wmf"),
        "staging": DIR,
        "windows_version": (6, 1),
        "install_timeout": 60,
    }
    fields.update(changes)
    return packages.InstallPackage(**fields)


# --- Source ----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "kind", "location"),
    [
        ("/srv/packages", packages.CONTROLLER, "/srv/packages"),
        ("files", packages.CONTROLLER, "files"),
        ("http://mirror/wmf/", packages.HTTP, "http://mirror/wmf"),
        ("HTTPS://mirror:8443/a%20b", packages.HTTP, "HTTPS://mirror:8443/a%20b"),
        (r"\\server\share", packages.UNC, r"\\server\share"),
        ("\\\\server\\share\\dir\\", packages.UNC, r"\\server\share\dir"),
        ("//server/share/dir", packages.UNC, r"\\server\share\dir"),
    ],
)
def test_sources(text: str, kind: str, location: str) -> None:
    assert packages.parse_source(text) == packages.Source(kind, location)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "ftp://mirror/wmf",
        "file:///srv/wmf",
        "https://user:secret@mirror/wmf",
        "https://user@mirror/wmf",
        "https:///nohost",
        "https://mirror/wmf?token=1",
        "https://mirror/wmf#x",
        "https://mirror:port/wmf",
        "https://mirror/a b",
        "https://mirror/\u00e9",
        r"\\server",
        r"\\server\\share",
        r"\\?\C:\x",
        r"\\.\pipe\x",
        r"\\server\share\..\x",
        'https://mirror/"x',
        "https://mirror/!x",
        "https://mirror/x\r\ndel",
        "\\\\server\\share\nx",
        '/srv/a"b',
    ],
)
def test_bad_sources_name_the_option(text: str) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        packages.parse_source(text)
    assert info.value.option == "source"


def test_source_where() -> None:
    assert packages.parse_source("https://m/w").where("a b.msu") == "https://m/w/a%20b.msu"
    assert packages.parse_source(r"\\s\sh").where("x.msu") == r"\\s\sh\x.msu"


# --- paths and lines -------------------------------------------------------------------------------------------------
def test_paths() -> None:
    assert packages.staging_dir("C:\\Windows\\") == DIR
    assert packages.batch_path(DIR, "wmf-5.1") == DIR + r"\wmf-5.1.cmd"
    assert packages.log_path(DIR, "wmf-5.1", ".fetch") == DIR + r"\wmf-5.1.fetch.log"
    assert packages.result_path(DIR, "wmf-5.1") == DIR + r"\wmf-5.1.result"
    assert packages.task_name("dotnet-4.5.2") == "winremote-prereq-dotnet-4-5-2"
    assert packages.task_name("a_b.c") == "winremote-prereq-a-b-c"


def test_msu_lines_on_61_add_every_cab_in_one_dism() -> None:
    lines = packages.install_lines("wmf-4.0", "W.msu", "msu", ("a.cab", "b.cab", "c.cab"), (), DIR, (6, 1))
    assert lines == [
        rf'mkdir "{DIR}\wmf-4.0" 2>nul',
        rf'expand -F:* "{DIR}\W.msu" "{DIR}\wmf-4.0" > "{DIR}\wmf-4.0.log" 2>&1 && dism /online /add-package'
        rf' /packagepath:"{DIR}\wmf-4.0\a.cab" /packagepath:"{DIR}\wmf-4.0\b.cab" /packagepath:"{DIR}\wmf-4.0\c.cab"'
        rf' /quiet /norestart >> "{DIR}\wmf-4.0.log" 2>&1',
        rf'(echo %ERRORLEVEL%)> "{DIR}\wmf-4.0.result"',
    ]


def test_msu_default_cab_is_the_file_stem() -> None:
    lines = packages.install_lines("kb", "Windows6.1-KB2682011-x64.msu", "msu", (), (), DIR, (6, 3))
    assert rf'/packagepath:"{DIR}\kb\Windows6.1-KB2682011-x64.cab"' in lines[1]


def test_msu_on_60_uses_wusa() -> None:
    lines = packages.install_lines("wmf-3.0", "W.msu", "msu", ("W.cab",), (), DIR, (6, 0))
    assert lines[0] == rf'wusa.exe "{DIR}\W.msu" /quiet /norestart > "{DIR}\wmf-3.0.log" 2>&1'
    assert len(lines) == 2


def test_exe_lines_quote_arguments_for_a_batch_file() -> None:
    lines = packages.install_lines("dotnet-4.8", "ndp.exe", "exe", (), ("/log", "50%&x"), DIR, (6, 1))
    assert lines[0] == rf'"{DIR}\ndp.exe" /q /norestart "/log" "50%%&x" > "{DIR}\dotnet-4.8.log" 2>&1'


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="kind"):
        packages.install_lines("x", "x.msi", "msi", (), (), DIR, (6, 1))


def test_remove_lines() -> None:
    assert packages.remove_lines("wmf-3.0-removal", "KB2506143", DIR)[0] == (
        rf'wusa.exe /uninstall /kb:2506143 /quiet /norestart > "{DIR}\wmf-3.0-removal.log" 2>&1'
    )
    for bad in ("KB25&06", "KB", "2506143 /x", "\u0663"):
        with pytest.raises(ValueError, match="KB"):
            packages.remove_lines("r", bad, DIR)


def test_fetch_lines_http_and_unc() -> None:
    http = packages.fetch_lines(packages.parse_source("https://m/w%41&x"), "a.msu", DIR, "p")
    assert http == [
        rf'del /f /q "{DIR}\a.msu.part" 2>nul',
        rf'certutil -urlcache -split -f "https://m/w%%41&x/a.msu" "{DIR}\a.msu.part" > "{DIR}\p.fetch.log" 2>&1',
        rf'(echo %ERRORLEVEL%)> "{DIR}\p.fetch.result"',
    ]
    unc = packages.fetch_lines(packages.parse_source(r"\\srv\share & x\50%"), "a.msu", DIR, "p")
    assert unc[1] == rf'copy /y /b "\\srv\share & x\50%%\a.msu" "{DIR}\a.msu.part" > "{DIR}\p.fetch.log" 2>&1'


def test_batch_file_is_crlf_ascii() -> None:
    assert packages.batch_file(["a", "b"]) == b"@echo off\r\na\r\nb\r\n"


@pytest.mark.parametrize("char", HOSTILE)
def test_hostile_characters_in_a_source_stay_inside_quotes(char: str) -> None:
    source = packages.Source(packages.UNC, rf"\\srv\sh{char}x")
    line = packages.fetch_lines(source, "a.msu", DIR, "p")[1]
    quoted = re.findall(r'"([^"]*)"', line)
    assert quoted[0] == rf"\\srv\sh{char}x\a.msu".replace("%", "%%")
    assert line.replace(f'"{quoted[0]}"', "").count(char) == line.count(char) - quoted[0].count(char)


@pytest.mark.parametrize("char", REFUSED)
def test_refused_characters_in_an_argument_fail_before_the_host(char: str) -> None:
    with pytest.raises(ValueError, match=r"wmf-5\.1"):
        install(package_kind="exe", cabs=(), arguments=(f"a{char}b",))


@pytest.mark.parametrize("char", [*HOSTILE, *REFUSED, "\\", "/", ":", "\u00e9"])
def test_file_names_that_need_care_are_refused(char: str) -> None:
    with pytest.raises(ValueError, match=r"wmf-5\.1"):
        install(file=f"W{char}x.msu")


@pytest.mark.parametrize("name", ["wmf 5", "wmf&5", "-x", "wmf!", 'a"b', "a\r\nb", "", "wmf\n"])
def test_names_are_plain(name: str) -> None:
    with pytest.raises(ValueError):
        install(name=name)


@pytest.mark.parametrize("staging", [r"C:\Program Files\x", r"C:\a&b", r"\\srv\share", "C:/x", r"C:\50%"])
def test_staging_needs_no_quotes_on_the_task_line(staging: str) -> None:
    with pytest.raises(ValueError, match="staging"):
        install(staging=staging)


@pytest.mark.parametrize("sha", [None, "AB" * 32, "ab" * 31, "zz" * 32, "ab" * 32 + "\n"])
def test_sha256_is_required_lowercase_hex(sha: str | None) -> None:
    with pytest.raises(ValueError, match="sha256"):
        install(sha256=sha)


def test_a_long_name_makes_too_long_a_task_name() -> None:
    with pytest.raises(ValueError, match="task name"):
        install(name="n" * 30)


def test_operations_hash_and_compare_without_outcome() -> None:
    first, second = install(), install()
    first.outcome["exit_code"] = 0
    assert first == second and hash(first) == hash(second)
    assert first.kind == "install_package" and not first.reboots and not first.restarts_winrm


# --- result reads, log, codes ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "code"),
    [("0 \r\n", 0), ("\r\n3010\r\n", 3010), ("-2146498530", -2146498530), ("", None), ("ECHO is on.", None)],
)
def test_parse_code(text: str, code: int | None) -> None:
    assert packages.parse_code(text) == code


def test_result_read_is_a_batched_type() -> None:
    read = packages.result_read("pkg.wmf51", DIR, "wmf-5.1")
    assert read.probes == (batch.Probe("pkg.wmf51", rf'type "{DIR}\wmf-5.1.result" 2>nul'),)
    assert read.value(batch.BatchResult({"pkg.wmf51": "3010 \r\n"}, "", 0)) == 3010
    assert read.value(batch.BatchResult({}, "", 0)) is None
    assert read.value(batch.BatchResult({"pkg.wmf51": "The system cannot find the file"}, "", 1)) is None


def test_log_tail_keeps_the_last_lines_and_characters() -> None:
    text = "\r\n".join(f"line {i}" for i in range(50)) + "\r\n\r\n"
    tail = packages.log_tail(text)
    assert tail.splitlines() == [f"line {i}" for i in range(30, 50)]
    assert len(packages.log_tail("x" * 5000)) == packages.LOG_CHARS


@pytest.mark.parametrize(
    ("code", "text", "shown"),
    [
        (1603, "fatal error", "0x643"),
        (5100, "system requirements", "0x13EC"),
        (1618, "another installation", "0x652"),
        (-2146498530, "not applicable to this Windows", "0x800F081E"),
        (-2145124329, "not applicable to this computer", "0x80240017"),
        (5, "access denied", "0x5"),
        (112, "not enough space", "0x70"),
        (9009, "not found", "0x2331"),
        (1602, "cancelled", "0x642"),
        (77, "not a code this collection knows", "0x4D"),
    ],
)
def test_failure_meanings(code: int, text: str, shown: str) -> None:
    assert not packages.succeeded(code)
    assert text in packages.meaning(code)
    assert packages.hex_code(code) == shown


def test_success_codes() -> None:
    assert all(packages.succeeded(code) for code in (0, 3010, 1641, 2359302))
    assert packages.hex_code(2359302) == "0x00240006"
    assert "already installed" in packages.meaning(0x240006)


# --- apply against the fake host -------------------------------------------------------------------------------------
def test_http_install_fetches_verifies_moves_and_installs(host: FakeHost) -> None:
    op = install()
    target = rf"{DIR}\Win7AndW2K8R2-KB3191566-x64.msu"

    def task(fake: FakeHost, batch_path: str) -> None:
        if batch_path.endswith(".fetch.cmd"):
            fake.files[target + ".part"] = b"package"
            fake.hashes[target + ".part"] = SHA
            exits(0)(fake, batch_path)
        else:
            exits(3010, "done")(fake, batch_path)

    host.on_task = task
    op.apply(t.cast(t.Any, host))
    assert op.outcome["staged"] == "fetched"
    assert op.outcome["exit_code"] == 3010 and op.outcome["reboot_required"] is True
    assert host.tasks == [rf"{DIR}\wmf-5.1.fetch.cmd", rf"{DIR}\wmf-5.1.cmd"]
    assert host.hashes[target] == SHA and target + ".part" not in host.hashes
    fetch = host.files[rf"{DIR}\wmf-5.1.fetch.cmd"].decode()
    assert "certutil -urlcache -split -f " in fetch and fetch.startswith("@echo off\r\n")
    assert "dism /online /add-package" in host.files[rf"{DIR}\wmf-5.1.cmd"].decode()
    assert rf'del /f /q "{DIR}\wmf-5.1.result" 2>nul' in host.commands
    assert host.commands[0] == rf'if not exist "{DIR}" mkdir "{DIR}"'


def test_a_file_already_staged_is_not_fetched(host: FakeHost) -> None:
    op = install(source=packages.parse_source(r"\\srv\share"))
    host.hashes[rf"{DIR}\Win7AndW2K8R2-KB3191566-x64.msu"] = SHA
    host.on_task = exits(0)
    op.apply(t.cast(t.Any, host))
    assert op.outcome["staged"] == "present"
    assert host.tasks == [rf"{DIR}\wmf-5.1.cmd"]


def test_hash_mismatch_deletes_the_part_and_names_both_hashes(host: FakeHost) -> None:
    op = install(source=packages.parse_source(r"\\srv\share"))
    part = rf"{DIR}\Win7AndW2K8R2-KB3191566-x64.msu.part"

    def task(fake: FakeHost, batch_path: str) -> None:
        fake.files[part] = b"other"
        fake.hashes[part] = OTHER
        exits(0)(fake, batch_path)

    host.on_task = task
    with pytest.raises(packages.PackageError) as info:
        op.apply(t.cast(t.Any, host))
    message = str(info.value)
    assert SHA in message and OTHER in message and "Win7AndW2K8R2-KB3191566-x64.msu" in message
    assert "run again" in message
    assert part not in host.files and rf'del /f /q "{part}" 2>nul' in host.commands
    assert len(host.tasks) == 1  # nothing was installed


def test_a_failed_fetch_shows_its_log(host: FakeHost) -> None:
    op = install(source=packages.parse_source(r"\\srv\share"))
    host.on_task = exits(1, "Access is denied.")
    with pytest.raises(packages.PackageError, match=r"Access is denied\.") as info:
        op.apply(t.cast(t.Any, host))
    assert "computer account" in str(info.value)


def test_controller_source_uploads(host: FakeHost, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, str, str | None]] = []

    def fake_upload(client: t.Any, local: str, remote: str, sha256: str | None = None) -> upload.UploadResult:
        calls.append((local, remote, sha256))
        return upload.UploadResult(7, 4, False)

    monkeypatch.setattr(packages.upload, "upload", fake_upload)
    op = install(
        source=packages.parse_source("/srv/pkgs"), package_kind="exe", cabs=(), file="ndp.exe", name="dotnet-4.8"
    )
    host.on_task = exits(0)
    op.apply(t.cast(t.Any, host))
    assert calls == [("/srv/pkgs/ndp.exe", rf"{DIR}\ndp.exe", SHA)]
    assert op.outcome["staged"] == "uploaded" and op.outcome["exit_code"] == 0
    assert host.files[rf"{DIR}\dotnet-4.8.cmd"].decode().splitlines()[1].startswith(rf'"{DIR}\ndp.exe" /q /norestart >')


def test_already_installed_is_success(host: FakeHost) -> None:
    host.hashes[rf"{DIR}\Win7AndW2K8R2-KB3191566-x64.msu"] = SHA
    host.on_task = exits(2359302)
    op = install()
    op.apply(t.cast(t.Any, host))
    assert op.outcome["already_installed"] is True and op.outcome["reboot_required"] is False


def test_a_failure_says_the_host_is_unchanged_with_the_log_tail(host: FakeHost) -> None:
    host.hashes[rf"{DIR}\Win7AndW2K8R2-KB3191566-x64.msu"] = SHA
    host.on_task = exits(-2146498530, "Error: 0x800f081e\r\nThe specified package is not applicable to this image.")
    with pytest.raises(packages.PackageError) as info:
        install().apply(t.cast(t.Any, host))
    message = str(info.value)
    assert "-2146498530" in message and "0x800F081E" in message and "not applicable" in message
    assert "unchanged" in message and "The specified package is not applicable to this image." in message


def test_the_deadline_ends_the_poll(host: FakeHost) -> None:
    host.hashes[rf"{DIR}\Win7AndW2K8R2-KB3191566-x64.msu"] = SHA
    host.on_task = exits(None)
    with pytest.raises(packages.PackageError) as info:
        install(install_timeout=60).apply(t.cast(t.Any, host))
    assert "winremote-prereq-wmf-5-1" in str(info.value) and "still be running" in str(info.value)
    polls = [c for c in host.commands if c.startswith("type") and c.endswith('.result"')]
    # 1 + 2 + 4 + 8 + 10 + 10 + 10 + 10 + 5 seconds: nine waits, ten polls
    assert len(polls) == 10


def test_a_poll_that_loses_the_connection_is_retried(host: FakeHost) -> None:
    host.hashes[rf"{DIR}\Win7AndW2K8R2-KB3191566-x64.msu"] = SHA
    host.on_task = exits(0)
    host.fail_polls = 2
    op = install()
    op.apply(t.cast(t.Any, host))
    assert op.outcome["exit_code"] == 0 and host.closed == 2


def test_remove_package(host: FakeHost) -> None:
    host.on_task = exits(0)
    op = packages.RemovePackage("wmf-3.0-removal", "KB2506143", DIR, 60)
    op.apply(t.cast(t.Any, host))
    assert op.kind == "remove_package" and op.outcome["exit_code"] == 0
    assert "wusa.exe /uninstall /kb:2506143 /quiet /norestart" in host.files[rf"{DIR}\wmf-3.0-removal.cmd"].decode()
    assert host.tasks == [rf"{DIR}\wmf-3.0-removal.cmd"]


def test_remove_package_refuses_a_bad_kb() -> None:
    with pytest.raises(ValueError, match="KB"):
        packages.RemovePackage("r", "KB1&2", DIR)
