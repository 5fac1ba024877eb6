# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""windows/upload: Sends sized to the envelope, line-aligned resume offsets, certutil's two hash layouts, and
hostile paths that reach cmd.exe as one literal argument or are refused before anything runs."""

from __future__ import annotations

import base64
import hashlib
import os
import typing as t
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from simulated import ADMINISTRATOR, InProcessClient

from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import quote, upload
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import winrs
from winsim import HostState
from winsim.console import CONSOLE_STDIN
from winsim.wsman import commands

FOLDER = r"C:\Windows\Temp"


class StdinClient(InProcessClient):
    """InProcessClient plus standard input: the pieces are joined and handed to the simulator's cmd.exe."""

    def __init__(self, state: HostState) -> None:
        super().__init__(state)
        self.sends: list[int] = []

    def run_command_with_input(
        self, command: str, arguments: t.Sequence[str], stdin: t.Iterable[bytes], extra_seconds: float = 0.0
    ) -> winrs.CommandResult:
        pieces = list(stdin)
        self.sends.append(len(pieces))
        self.commands.append(arguments[-1])
        token = CONSOLE_STDIN.set([b"".join(pieces).decode("ascii")])
        try:
            result = commands.run_command(self.state, ADMINISTRATOR, command, list(arguments))
        finally:
            CONSOLE_STDIN.reset(token)
        return winrs.CommandResult(result.stdout, result.stderr, result.rc)


@pytest.fixture
def state() -> HostState:
    return HostState.from_profile("2019")


def local(tmp_path: Path, size: int) -> Path:
    path = tmp_path / "payload.bin"
    path.write_bytes(os.urandom(size))
    return path


@pytest.mark.parametrize(("kb", "lines"), [(150, 1698), (500, 5771)])
def test_each_send_fits_its_envelope(kb: int, lines: int) -> None:
    per_send = upload.lines_per_send(kb * 1024)
    assert per_send == lines
    body = ET.tostring(winrs.send_body("0" * 36, upload.encode_lines(os.urandom(per_send * upload.LINE_RAW)), True))
    # the body plus the headers of a Send (about 1.5 KiB measured) stay under the host's MaxEnvelopeSizekb ...
    assert len(body) + 1600 <= kb * 1024
    # ... and one more line would not leave the overhead's room
    assert len(body) + upload.LINE_BYTES * 4 // 3 + upload.ENVELOPE_OVERHEAD > kb * 1024


def test_lines_are_fixed_so_a_line_number_is_a_file_offset() -> None:
    data = os.urandom(upload.LINE_RAW * 3 + 5)
    text = upload.encode_lines(data)
    lines = text.split(b"\r\n")[:-1]
    assert [len(line) for line in lines] == [upload.LINE_CHARS] * 3 + [8]
    assert base64.b64decode(lines[2]) == data[2 * upload.LINE_RAW : 3 * upload.LINE_RAW]
    assert upload.total_lines(len(data)) == 4


def test_chunks_resume_at_a_line(tmp_path: Path) -> None:
    path = local(tmp_path, upload.LINE_RAW * 10 + 1)
    pieces = list(upload.chunks(str(path), 4, 3))
    assert [piece.count(b"\r\n") for piece in pieces] == [3, 3, 1]
    assert b"".join(base64.b64decode(line) for p in pieces for line in p.split()) == path.read_bytes()[4 * 48 :]
    assert [p.count(b"\r\n") for p in upload.chunks(str(path), 0, 3, stop_line=5)] == [3, 2]


def test_both_hash_layouts() -> None:
    digest = hashlib.sha256(b"x").hexdigest()
    spaced = " ".join(digest[i : i + 2] for i in range(0, 64, 2))
    assert (
        upload.parse_hash(f"SHA256 hash of C:\\x:\r\n{digest}\r\nCertUtil: -hashfile command completed successfully.")
        == digest
    )
    assert upload.parse_hash(f"SHA256 hash of file C:\\x:\r\n{spaced.upper()}\r\nCertUtil: ...") == digest
    failed = "CertUtil: -hashfile command FAILED: 0x80070002 (WIN32: 2 ERROR_FILE_NOT_FOUND)"
    assert upload.parse_hash(failed) is None


@pytest.mark.parametrize("name", ["a&b|c<d>e^f.msu", "100% 50%%x%.exe", "it's (x86) [1].cab", "%SystemRoot%.exe"])
def test_hostile_names_arrive_literally(state: HostState, tmp_path: Path, name: str) -> None:
    path = local(tmp_path, 5000)
    client = StdinClient(state)
    target = rf"{FOLDER}\{name}"
    result = upload.upload(client, str(path), target, chunk_hint=32 * 1024)
    assert result.skipped is False and result.bytes_sent == 5000
    assert state.files.read(target) == path.read_bytes()
    started = {program for program, _args in state.runtime.programs}
    assert started <= {"cmd", "echo", "certutil", "find", "findstr", "move", "del"}
    assert not [f for f in state.files.files() if ".winremote." in f]


@pytest.mark.parametrize("name", ["a\r\nb.exe", "a\nb.exe", 'a"b.exe', "a!b!.exe"])
def test_refused_before_anything_runs(state: HostState, tmp_path: Path, name: str) -> None:
    client = StdinClient(state)
    with pytest.raises(quote.QuoteError):
        upload.upload(client, str(local(tmp_path, 10)), rf"{FOLDER}\{name}", chunk_hint=32 * 1024)
    assert client.commands == []


def test_resume_sends_only_the_missing_lines(state: HostState, tmp_path: Path) -> None:
    size = upload.LINE_RAW * 1000 + 7
    path = local(tmp_path, size)
    target = rf"{FOLDER}\pkg.msu"
    state.files.write(target + upload.B64, upload.encode_lines(path.read_bytes()[: 600 * upload.LINE_RAW]))
    client = StdinClient(state)
    result = upload.upload(client, str(path), target, chunk_hint=32 * 1024)
    per_send = upload.lines_per_send(32 * 1024)
    assert result.bytes_sent == size - 600 * upload.LINE_RAW
    assert client.sends == [-(-401 // per_send)]
    assert state.files.read(target) == path.read_bytes()
    assert upload.upload(client, str(path), target, chunk_hint=32 * 1024).skipped


def test_more_lines_than_the_file_has_starts_afresh(state: HostState, tmp_path: Path) -> None:
    path = local(tmp_path, upload.LINE_RAW * 4)
    target = rf"{FOLDER}\pkg.msu"
    state.files.write(target + upload.B64, b"QUFB\r\n" * 9)
    result = upload.upload(StdinClient(state), str(path), target, chunk_hint=32 * 1024)
    assert result.bytes_sent == upload.LINE_RAW * 4
    assert state.files.read(target) == path.read_bytes()


def test_wrong_expected_hash_sends_nothing(state: HostState, tmp_path: Path) -> None:
    client = StdinClient(state)
    with pytest.raises(upload.UploadError, match="nothing was sent"):
        upload.upload(client, str(local(tmp_path, 10)), rf"{FOLDER}\x.exe", sha256="0" * 64, chunk_hint=32 * 1024)
    assert client.commands == []


def test_wire_sends_pipe_input_with_end_on_the_last_piece() -> None:
    seen: list[tuple[str, t.Any, t.Any]] = []
    rsp = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"

    def request(action: str, uri: str, body: t.Any = None, selectors: t.Any = None, options: t.Any = None) -> t.Any:
        seen.append((action.rsplit("/", 1)[-1], body, options))
        reply = {
            "Create": f'<b xmlns:r="{rsp}"><r:Shell><r:ShellId>S1</r:ShellId></r:Shell></b>',
            "Command": f'<b xmlns:r="{rsp}"><r:CommandResponse><r:CommandId>C1</r:CommandId></r:CommandResponse></b>',
            "Receive": f'<b xmlns:r="{rsp}"><r:ReceiveResponse><r:CommandState CommandId="C1" State="{rsp}/'
            'CommandState/Done"><r:ExitCode>0</r:ExitCode></r:CommandState></r:ReceiveResponse></b>',
        }.get(action.rsplit("/", 1)[-1], "<b/>")
        return ET.fromstring(reply)

    winrs.run_command_with_input(request, "cmd.exe", ["/c", "findstr"], iter([b"a\r\n", b"b\r\n", b"c\r\n"]))
    assert [name for name, _body, _options in seen] == [
        "Create",
        "Command",
        "Send",
        "Send",
        "Send",
        "Receive",
        "Delete",
    ]
    assert seen[1][2]["WINRS_CONSOLEMODE_STDIN"] == "FALSE"
    streams = [body.find(f"{{{rsp}}}Stream") for name, body, _options in seen if name == "Send"]
    assert [s.get("End") for s in streams] == [None, None, "true"]
    assert [base64.b64decode(s.text) for s in streams] == [b"a\r\n", b"b\r\n", b"c\r\n"]
    assert all(s.get("Name") == "stdin" and s.get("CommandId") == "C1" for s in streams)
    seen.clear()
    winrs.run_command(request, "cmd.exe", ["/c", "ver"])
    assert [name for name, _body, _options in seen] == ["Create", "Command", "Receive", "Delete"]
    assert "WINRS_CONSOLEMODE_STDIN" not in seen[1][2]
