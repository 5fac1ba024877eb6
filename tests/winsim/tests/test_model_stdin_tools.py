# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The tools an upload runs: findstr and find reading the WinRS command's input, certutil -hashfile in both
layouts, move /y, and a full disk as certutil and a redirection report it."""

from __future__ import annotations

import hashlib

import pytest

from winsim import HostState
from winsim.console import CONSOLE_STDIN, CommandResult
from winsim.contract import Identity, RequestContext
from winsim.wsman import commands

CTX = RequestContext(
    identity=Identity(user="Administrator", domain="", auth="ntlm", encrypted=True, tls=False),
    host_address="127.0.0.1",
    port=5985,
    transport="HTTP",
)
TEMP = r"C:\Windows\Temp"


def run(state: HostState, line: str, stdin: str = "") -> CommandResult:
    token = CONSOLE_STDIN.set([stdin])
    try:
        return commands.run_command(state, CTX, "cmd.exe", ["/c", line])
    finally:
        CONSOLE_STDIN.reset(token)


@pytest.fixture
def state() -> HostState:
    return HostState.from_profile("2019")


def test_findstr_copies_the_command_input_once(state: HostState) -> None:
    result = run(state, rf'findstr "^" > "{TEMP}\a.b64" & findstr "^" >> "{TEMP}\a.b64"', "QUJD\r\nREVG\n")
    assert result.rc == 1  # the second findstr found the input already read: no line matched
    assert state.files.read(rf"{TEMP}\a.b64") == b"QUJD\r\nREVG\r\n"


def test_find_counts_lines_of_redirected_input(state: HostState) -> None:
    state.files.write(rf"{TEMP}\a.b64", b"x\r\n\r\ny\r\n")
    assert run(state, rf'find /c /v "" < "{TEMP}\a.b64"').stdout == "3\r\n"
    missing = run(state, rf'find /c /v "" < "{TEMP}\none.b64"')
    assert missing.rc == 1 and "cannot find the file" in missing.stderr


@pytest.mark.parametrize(("profile", "spaced"), [("2008r2", True), ("2019", False)])
def test_hashfile_layouts(profile: str, spaced: bool) -> None:
    state = HostState.from_profile(profile)
    state.files.write(rf"{TEMP}\f.bin", b"payload")
    digest = hashlib.sha256(b"payload").hexdigest()
    lines = run(state, rf'certutil -hashfile "{TEMP}\f.bin" SHA256').stdout.split("\r\n")
    assert lines[0].startswith("SHA256 hash of") and lines[0].endswith(r"f.bin:")
    assert lines[1] == (" ".join(digest[i : i + 2] for i in range(0, 64, 2)) if spaced else digest)
    assert lines[2] == "CertUtil: -hashfile command completed successfully."
    unknown = run(state, rf'certutil -hashfile "{TEMP}\f.bin" SHA-256')
    assert "0xd0000225" in unknown.stdout


def test_move_replaces_only_with_y(state: HostState) -> None:
    state.files.write(rf"{TEMP}\a.part", b"new")
    state.files.write(rf"{TEMP}\a.exe", b"old")
    assert run(state, rf'move "{TEMP}\a.part" "{TEMP}\a.exe"').rc == 1
    assert state.files.read(rf"{TEMP}\a.exe") == b"old"
    moved = run(state, rf'move /y "{TEMP}\a.part" "{TEMP}\a.exe"')
    assert moved.rc == 0 and "1 file(s) moved." in moved.stdout
    assert state.files.read(rf"{TEMP}\a.exe") == b"new" and not state.files.exists(rf"{TEMP}\a.part")


def test_full_disk(state: HostState) -> None:
    state.files.write(rf"{TEMP}\c.b64", b"QUJDREVGR0hJ")  # 9 bytes decoded
    used = sum(len(state.files.read(f)) for f in state.files.files())
    state.files.capacity = used + 8
    copied = run(state, rf'findstr "^" > "{TEMP}\a.b64"', "QUJDREVGR0hJSktM\r\n")
    assert copied.rc == 1 and "There is not enough space on the disk." in copied.stderr
    full = run(state, rf'certutil -f -decode "{TEMP}\c.b64" "{TEMP}\c.bin"')
    assert "0x80070070" in full.stdout and "ERROR_DISK_FULL" in full.stdout
    assert not state.files.exists(rf"{TEMP}\c.bin")
    state.files.capacity = used + 9
    assert run(state, rf'certutil -f -decode "{TEMP}\c.b64" "{TEMP}\c.bin"').rc == 0
