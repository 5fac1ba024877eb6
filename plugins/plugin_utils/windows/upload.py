# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Upload a controller file to the host over WinRS standard input, resumably, verified by SHA-256 on the host.

Why this shape: WS-Management has no file transfer and a command line holds at most 8191 characters, so writing
with ``echo`` lines (``files.py``) costs one command per ~8 KB. A WinRS Send (MS-WSMV 3.1.4.13) carries a whole
envelope of standard input instead. The host side uses only tools every supported Windows has:

* ``findstr "^"`` copies its standard input, line by line, into ``<target>.winremote.b64`` (findstr searches
  "standard input (if no files are given)", O'Reilly "Windows 2000 Commands Pocket Reference", findstr; every line
  matches ``^``). Binary bytes do not survive a console pipe, so the input is base64 in fixed lines:
  ``LINE_CHARS`` characters + CRLF, each carrying ``LINE_RAW`` bytes of the file.
* ``certutil -f -decode`` turns the ``.b64`` into ``<target>.winremote.part``, ``certutil -hashfile <f> SHA256``
  hashes it on the host (output "SHA256 hash of <file>:", the hex, "CertUtil: -hashfile command completed
  successfully.", https://github.com/urbit/urbit-wallet-generator/issues/3; before Windows 10 the hex bytes are
  separated by spaces, https://github.com/sagishahar-zz/lpeworkshop/issues/5), the controller compares, and
  ``move /y`` puts the part in place. ASSUMPTION (UNVERIFIED): certutil on Server 2008 and 2008 R2 accepts SHA256
  for -hashfile; where it does not, the hash reads as missing and the upload fails with a mismatch, leaving the
  target untouched.
* Resuming: ``find /c /v "" < <b64>`` counts the lines a previous attempt left (find reads standard input when no
  file is named, Microsoft Learn "Find", Windows XP command reference); every Send carries whole lines, so
  line ``k`` always holds the file's bytes ``[k*LINE_RAW, (k+1)*LINE_RAW)`` and the upload goes on from there.
  ASSUMPTION (UNVERIFIED): findstr writes each line in one piece, so an interrupted copy leaves whole lines; a
  resumed file that still hashes wrong is removed and the error says to run again (the next run starts afresh).

Each Send fits one envelope of the host's ``MaxEnvelopeSizekb`` (winrm/config: 150 on WinRM 2.0 hosts, 500 later):
the envelope minus ``ENVELOPE_OVERHEAD`` for the SOAP headers, times 3/4 for base64, in whole lines.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import os
import re
import typing as t

from ansible_collections.winremote.remoting.plugins.plugin_utils.errors import WinRemoteError
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import quote, winrm_config
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import batch, winrs
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.protocol import Client

LINE_RAW = 48  # file bytes per base64 line
LINE_CHARS = 64  # base64 characters of a full line
LINE_BYTES = LINE_CHARS + 2  # with CRLF, as it is sent and as findstr writes it
# Bytes of a Send envelope that are not the stream text: headers (To, ReplyTo, Action, MessageID, ResourceURI,
# SelectorSet, OperationTimeout, Locale, MaxEnvelopeSize, options) measure about 1.5 KiB; pypsrp's own estimate
# is its header skeleton plus 256 bytes. 4 KiB leaves room for a longer host name and message-level encryption's
# framing is not counted here (ASSUMPTION: encryption wraps the envelope, which MaxEnvelopeSizekb does not count).
ENVELOPE_OVERHEAD = 4096
DEFAULT_ENVELOPE_KB = 150  # WinRM 2.0's MaxEnvelopeSizekb, the smallest a supported host has by default
MIN_ENVELOPE = 8192
MAX_FILE = 4 * 1024 * 1024 * 1024  # a WMF/.NET package is at most a few hundred MiB
# Sends per WinRS command: a command's input is written by findstr as it arrives, but an interrupted command may
# leave its lines incomplete, so each segment is its own command and a resume loses at most one segment.
SEGMENT_SENDS = 32
MIN_RATE = 64 * 1024  # bytes per second the command deadline allows for the input, on top of the usual deadline
PART, B64 = ".winremote.part", ".winremote.b64"
HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")
# Win32 112 ERROR_DISK_FULL: certutil's HRESULT, the system's message text ("There is not enough space on the
# disk."), and ASSUMPTION (UNVERIFIED) "write error" in findstr's own message when its redirected output fails.
DISK_FULL = ("0x80070070", "not enough space on the disk", "write error")
NEEDED = round(1 + LINE_BYTES / LINE_RAW, 1)  # the .b64 (66/48 of the file) next to the decoded part


class UploadError(WinRemoteError):
    """The file did not arrive as asked; the message names the file, what was seen and what to do."""

    kind = "upload"


class StdinClient(Client, t.Protocol):
    """A client that can also feed a command's standard input (``WSManClient`` does)."""

    def run_command_with_input(
        self, command: str, arguments: t.Sequence[str], stdin: t.Iterable[bytes], extra_seconds: float = 0.0
    ) -> winrs.CommandResult:
        """One command, one WinRS Send per item of ``stdin``."""


@dataclasses.dataclass(frozen=True)
class UploadResult:
    bytes_sent: int  # file bytes sent in this call (not counting a previous attempt's lines)
    round_trips: int  # WS-Man requests this call made
    skipped: bool  # the target already had the expected SHA-256


@dataclasses.dataclass(frozen=True)
class Found:
    """What the probe found: the target's hash (None: absent/unreadable) and the lines of a previous attempt."""

    target_hash: str | None
    b64_lines: int


def lines_per_send(envelope_bytes: int) -> int:
    """Whole base64 lines whose base64 (the Stream text) fits one envelope next to the headers."""
    if envelope_bytes < MIN_ENVELOPE:
        raise ValueError(f"an envelope of {envelope_bytes} bytes is too small to carry input")
    return (envelope_bytes - ENVELOPE_OVERHEAD) * 3 // 4 // LINE_BYTES


def total_lines(size: int) -> int:
    return (size + LINE_RAW - 1) // LINE_RAW


def encode_lines(data: bytes) -> bytes:
    """Base64 lines of ``data`` (its length a multiple of LINE_RAW except at the file's end), CRLF after each."""
    out = bytearray()
    for start in range(0, len(data), LINE_RAW):
        out += base64.b64encode(data[start : start + LINE_RAW]) + b"\r\n"
    return bytes(out)


def chunks(path: str, first_line: int, per_send: int, stop_line: int | None = None) -> t.Iterator[bytes]:
    """Send payloads for lines ``[first_line, stop_line)``, ``per_send`` lines each, read from the file as they go."""
    with open(path, "rb") as handle:
        handle.seek(first_line * LINE_RAW)
        line = first_line
        while stop_line is None or line < stop_line:
            count = per_send if stop_line is None else min(per_send, stop_line - line)
            data = handle.read(count * LINE_RAW)
            if not data:
                return
            line += count
            yield encode_lines(data)


def host_paths(remote_path: str) -> tuple[str, str, str]:
    """Quoted target, part and base64 paths (QuoteError for what cmd.exe cannot carry)."""
    return quote.cmd(remote_path), quote.cmd(remote_path + PART), quote.cmd(remote_path + B64)


def probe_command(remote_path: str) -> str:
    target, _part, b64 = host_paths(remote_path)
    return batch.command_line(
        [
            batch.Probe("target", f"certutil -hashfile {target} SHA256"),
            batch.Probe("b64", f'find /c /v "" < {b64}'),
        ]
    )


def parse_hash(text: str) -> str | None:
    """The hex digest from certutil -hashfile output (spaces between bytes on older versions), else None."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for index, line in enumerate(lines[:-1]):
        if line.lower().startswith("sha256 hash of"):
            digest = lines[index + 1].replace(" ", "")
            if HEX64.match(digest):
                return digest.lower()
    return None


def parse_probe(stdout: str) -> Found:
    sections = batch.split_sections(stdout)
    count = sections.get("b64", "").strip()
    return Found(parse_hash(sections.get("target", "")), int(count) if count.isdigit() else 0)


def decode_command(remote_path: str) -> str:
    """Decode the .b64 into the part and hash the part."""
    _target, part, b64 = host_paths(remote_path)
    return f"certutil -f -decode {b64} {part} && certutil -hashfile {part} SHA256"


def copy_command(remote_path: str, append: bool, last: bool) -> str:
    """Copy stdin to the .b64 (``>>`` after the first segment); the last segment decodes and hashes too."""
    b64 = host_paths(remote_path)[2]
    copy = f'findstr "^" {">>" if append else ">"} {b64}'
    return f"{copy} && {decode_command(remote_path)}" if last else copy


def finish_command(remote_path: str) -> str:
    target, part, b64 = host_paths(remote_path)
    return f"move /y {part} {target} && del /f /q {b64}"


def cleanup_command(remote_path: str) -> str:
    _target, part, b64 = host_paths(remote_path)
    return f"del /f /q {part} {b64} 2>nul"


def local_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def envelope_size(client: Client) -> int:
    """The host's MaxEnvelopeSizekb in bytes (150 KiB when unread, the smallest default)."""
    value = winrm_config.read_config(client).values.get("MaxEnvelopeSizekb", "")
    kb = int(value) if value.isdigit() else DEFAULT_ENVELOPE_KB
    return max(kb * 1024, MIN_ENVELOPE)


def _failure(remote_path: str, result: winrs.CommandResult) -> UploadError:
    seen = " ".join((result.stdout + " " + result.stderr).split())
    if any(marker in seen.lower() for marker in DISK_FULL):
        return UploadError(
            f"uploading {remote_path}: the host's disk is full ({excerpt(seen)}); an upload needs about "
            f"{NEEDED:g} times the file's size free on that drive while it runs (the base64 copy and the decoded "
            f"one): free space and run again, the lines already sent are kept in {remote_path}{B64} and the "
            "upload resumes (delete that file to give up)"
        )
    return UploadError(f"uploading {remote_path} failed (exit code {result.rc}): {excerpt(seen)}")


def excerpt(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def upload(
    client: StdinClient,
    local_path: str,
    remote_path: str,
    sha256: str | None = None,
    chunk_hint: int | None = None,
    segment_sends: int = SEGMENT_SENDS,
) -> UploadResult:
    """Put ``local_path`` at ``remote_path`` (its folder must exist), skipping when it already has the hash and
    resuming a previous attempt's lines. ``chunk_hint``: the envelope size in bytes to plan for (else the host's
    MaxEnvelopeSizekb, one Get); ``segment_sends``: Sends per WinRS command, what an interruption may lose."""
    host_paths(remote_path)  # refuse what cmd.exe cannot carry before touching the host
    size = os.path.getsize(local_path)
    if size > MAX_FILE:
        raise UploadError(f"{local_path} is {size} bytes, more than the {MAX_FILE} an upload accepts")
    expected = local_sha256(local_path)
    if sha256 is not None and sha256.strip().lower() != expected:
        raise UploadError(
            f"{local_path} has SHA-256 {expected}, not the expected {sha256.strip().lower()}: "
            "the controller's copy is damaged or the expected hash is wrong; nothing was sent"
        )
    trips = 0
    if chunk_hint is None:
        envelope = envelope_size(client)
        trips += 1
    else:
        envelope = chunk_hint
    per_send = lines_per_send(envelope)
    state = parse_probe(client.run_command("cmd.exe", ["/c", probe_command(remote_path)]).stdout)
    trips += 4
    if state.target_hash == expected:
        return UploadResult(0, trips, True)
    lines = total_lines(size)
    first = state.b64_lines if 0 < state.b64_lines <= lines else 0
    resumed = first > 0
    seg_lines = per_send * max(1, segment_sends)
    result = winrs.CommandResult("", "", 0)
    if first == lines:  # every line arrived before: decode and hash only
        result = client.run_command("cmd.exe", ["/c", decode_command(remote_path)])
        trips += 4
        if result.rc != 0:
            raise _failure(remote_path, result)
    for start in range(first, lines, seg_lines):
        stop = min(lines, start + seg_lines)
        sent = [0]
        try:
            result = client.run_command_with_input(
                "cmd.exe",
                ["/c", copy_command(remote_path, append=start > 0, last=stop == lines)],
                _counted(chunks(local_path, start, per_send, stop), sent),
                extra_seconds=(stop - start) * LINE_RAW / MIN_RATE,
            )
        except WinRemoteError as exc:
            raise UploadError(
                f"uploading {remote_path} was interrupted ({exc}); run again: the upload resumes from the lines "
                f"the host kept in {remote_path}{B64} (at least {start} of {lines})"
            ) from exc
        trips += 4 + sent[0]
        if result.rc != 0:
            raise _failure(remote_path, result)
    seen = parse_hash(result.stdout)
    if seen != expected:
        client.run_command("cmd.exe", ["/c", cleanup_command(remote_path)])
        raise UploadError(
            f"uploading {remote_path}: the host computed SHA-256 {seen or 'nothing readable'}, expected {expected}"
            + (" (resumed from a previous attempt's lines)" if resumed else "")
            + "; the partial files were removed, run again to upload from the beginning"
        )
    done = client.run_command("cmd.exe", ["/c", finish_command(remote_path)])
    trips += 4
    if done.rc != 0:
        raise _failure(remote_path, done)
    return UploadResult(max(0, size - first * LINE_RAW), trips, False)


def _counted(payloads: t.Iterator[bytes], sent: list[int]) -> t.Iterator[bytes]:
    """The payloads, counting in ``sent[0]`` each one handed to the wire (for the round trips)."""
    for payload in payloads:
        sent[0] += 1
        yield payload


def _sends(lines: int, per_send: int) -> int:
    return (lines + per_send - 1) // per_send
