# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Small host files (Registry.pol, gpt.ini) read and written through WinRS with built-in tools only.

WS-Management has no file transfer, and binary bytes do not survive a console, so ``certutil -encode`` turns a
file into base64 text on the host (read: encode to a temp file, ``type`` it, delete it) and ``certutil -decode``
turns base64 lines echoed into a temp file back into bytes (write). Every write is verified by reading it back.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import secrets
import typing as t

from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.change import Operation
from ansible_collections.winremote.remoting.plugins.plugin_utils.errors import WinRemoteError
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import quote
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import batch
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.protocol import Client

TEMP_DIR = r"%SystemRoot%\Temp"
BEGIN = "-----BEGIN CERTIFICATE-----"
END = "-----END CERTIFICATE-----"
LINE = 64
# HRESULTs certutil prints (locale-independent) when the input file or its folder does not exist.
ABSENT_CODES = ("0x80070002", "0x80070003")
# Room left under cmd.exe's 8191 characters for "cmd.exe /c " and for %SystemRoot% expanding to a longer path.
COMMAND_BUDGET = batch.MAX_COMMAND_LINE - 200


class FileTransferError(WinRemoteError):
    """A host file could not be read or written as asked; the message names the file and what was seen."""

    kind = "file_transfer"


def temp_path(tag: str) -> str:
    """A fresh temp file name, so concurrent runs never share one."""
    return rf"{TEMP_DIR}\winremote-{tag}-{secrets.token_hex(6)}.b64"


def read_command(path: str, temp: str) -> str:
    """certutil's messages, then the base64 block; on a missing file only certutil's failure line. Paths are
    arguments made by quote.cmd (a leading %SystemRoot% left for cmd.exe to expand)."""
    source, copy = quote.cmd(path, system_root=True), quote.cmd(temp, system_root=True)
    return f"certutil -f -encode {source} {copy} && type {copy} & del /f /q {copy} 2>nul"


def read_probe(name: str, path: str) -> batch.Probe:
    return batch.Probe(name, read_command(path, temp_path(name.replace(".", "-"))))


def file_read(name: str, path: str) -> batch.Read[bytes | None]:
    """The file's bytes (None: absent), as a read that composes with others into one WinRS command."""
    return batch.Read((read_probe(name, path),), lambda result: parse_read(path, result.section(name)))


def parse_read(path: str, section: str) -> bytes | None:
    """The file's bytes from a read probe's output; None when the file (or its folder) does not exist."""
    lines = [line.strip() for line in section.splitlines()]
    if BEGIN in lines and END in lines[lines.index(BEGIN) :]:
        start = lines.index(BEGIN)
        body = "".join(lines[start + 1 : lines.index(END, start)])
        try:
            return base64.b64decode(body, validate=True)
        except binascii.Error:
            raise FileTransferError(f"reading {path}: certutil returned text that is not base64") from None
    if any(code in section.lower() for code in ABSENT_CODES):
        return None
    seen = next((line for line in lines if line), "no output")
    raise FileTransferError(f"cannot read {path} on the host: {seen}")


def encoded_lines(data: bytes) -> list[str]:
    """certutil's own -encode layout: base64 in 64-character lines between BEGIN and END lines."""
    text = base64.b64encode(data).decode("ascii")
    return [BEGIN, *(text[i : i + LINE] for i in range(0, len(text), LINE)), END]


def _pack(pieces: t.Sequence[str]) -> list[str]:
    """Join pieces with '& ' into as few command lines as the budget allows (no piece is ever split)."""
    commands: list[str] = []
    current = ""
    for piece in pieces:
        candidate = f"{current}& {piece}" if current else piece
        if current and len(candidate) > COMMAND_BUDGET:
            commands.append(current)
            candidate = piece
        if len(candidate) > COMMAND_BUDGET:
            raise ValueError(f"one command piece is longer than cmd.exe accepts: {piece[:60]}...")
        current = candidate
    if current:
        commands.append(current)
    return commands


def _groups(lines: t.Sequence[str], temp: str) -> list[str]:
    """``(echo L1& echo L2& ...)>"tmp"`` then ``>>"tmp"`` pieces, each small enough to share a command line."""
    limit = COMMAND_BUDGET // 2
    target = quote.cmd(temp, system_root=True)
    pieces: list[str] = []
    group: list[str] = []
    for line in [*lines, None]:
        text = "(echo " + "& echo ".join(group if line is None else [*group, line]) + ")>>" + target
        if group and (line is None or len(text) > limit):
            pieces.append("(echo " + "& echo ".join(group) + (")>" if not pieces else ")>>") + target)
            group = []
        if line is not None:
            group.append(line)
    return pieces


def write_commands(files: t.Mapping[str, bytes]) -> tuple[list[str], list[batch.Probe]]:
    """The command lines that write every file, and the read-back probes the last of them ends with.

    The base64 lines go into a temp file in groups, ``(echo L1& echo L2& ...)>>"tmp"``: one redirection per
    group keeps a command line nearly all payload, the group's ``)`` ends the last line without a trailing blank,
    and a line ending in a digit is never read as a handle number (as ``echo ...1>>tmp`` would be).
    """
    pieces: list[str] = []
    probes: list[batch.Probe] = []
    for index, (path, data) in enumerate(files.items()):
        temp = temp_path(f"w{index}")
        pieces += _groups(encoded_lines(data), temp)
        folder = path.rsplit("\\", 1)[0]
        copy, target = quote.cmd(temp, system_root=True), quote.cmd(path, system_root=True)
        pieces.append(
            f"mkdir {quote.cmd(folder, system_root=True)} 2>nul& certutil -f -decode {copy} {target} >nul"
            f"& del /f /q {copy} 2>nul"
        )
        probes.append(read_probe(f"back{index}", path))
    pieces.append(batch.command_line(probes))
    return _pack(pieces), probes


def write(client: Client, files: t.Mapping[str, bytes]) -> None:
    """Write every file (creating its folder), then check each reads back byte for byte."""
    if not files:
        return
    commands, probes = write_commands(files)
    result = None
    for command in commands:
        result = client.run_command("cmd.exe", ["/c", command])
    sections = batch.split_sections(result.stdout if result is not None else "")
    for probe, (path, data) in zip(probes, files.items(), strict=True):
        back = parse_read(path, sections.get(probe.name, ""))
        if back != data:
            seen = "the file is missing" if back is None else f"{len(back)} different bytes"
            raise FileTransferError(f"writing {path} did not take: read back {seen} instead of {len(data)} bytes")


@dataclasses.dataclass(frozen=True)
class WriteFiles(Operation):
    """Write files (creating their folders) in as few WinRS commands as fit, each checked by reading it back. The
    command lines are built here, so content they cannot carry fails before the host is touched."""

    kind: t.ClassVar[str] = "write_file"
    files: t.Mapping[str, bytes]

    def __post_init__(self) -> None:
        write_commands(self.files)

    def apply(self, client: Client) -> None:
        write(client, self.files)
