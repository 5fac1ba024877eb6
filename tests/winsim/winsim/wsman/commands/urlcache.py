# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""`certutil -urlcache -split -f <url> <file>` (Microsoft Learn "certutil", -URLCache): a real HTTP GET.

For the simulator's safety only http:// URLs on 127.0.0.0/8 are fetched, no redirect is followed, the body is capped
at MAX_BYTES and the whole transfer at DEADLINE seconds. An HTTP error status fails with HTTP_E_STATUS_* =
0x80190000 + status (e.g. 0x80190194 for 404). Knobs: ``state.download_fault == "corrupt"`` flips bytes of the body;
``state.download_bytes_per_second`` slows the transfer; the file system's capacity fails the write (disk full).
ASSUMPTION (UNVERIFIED): the exact console text of -urlcache -split (offsets printed per chunk).
"""

from __future__ import annotations

import http.client
import ipaddress
import time
import urllib.parse

from winsim.files import FileSystemError
from winsim.wsman.commands import CommandResult, Invocation

MAX_BYTES = 256 * 1024 * 1024
DEADLINE = 120.0
ONLINE = "****  Online  ****\r\n"
REASONS = {400: "Bad Request", 401: "Denied", 403: "Forbidden", 404: "Not found", 500: "Server error"}
WININET = {
    "cannot_connect": (
        0x80072EFD,
        "WIN32: 12029 ERROR_INTERNET_CANNOT_CONNECT",
        "A connection with the server could not be established",
    ),
    "name_not_resolved": (
        0x80072EE7,
        "WIN32: 12007 ERROR_INTERNET_NAME_NOT_RESOLVED",
        "The server name or address could not be resolved",
    ),
    "timeout": (0x80072EE2, "WIN32: 12002 ERROR_INTERNET_TIMEOUT", "The operation timed out"),
    "disk_full": (0x80070070, "WIN32: 112 ERROR_DISK_FULL", "There is not enough space on the disk."),
    "path_not_found": (0x80070003, "WIN32: 3 ERROR_PATH_NOT_FOUND", "The system cannot find the path specified."),
    "too_large": (0x8007000E, "E_OUTOFMEMORY", "Not enough memory resources are available to complete this operation."),
}


def signed(code: int) -> int:
    return code - (1 << 32) if code >= 1 << 31 else code


def _failed(code: int, name: str, text: str, online: bool = True) -> CommandResult:
    head = ONLINE if online else ""
    stdout = f"{head}CertUtil: -URLCache command FAILED: 0x{code:08x} ({name})\r\nCertUtil: {text}\r\n"
    return CommandResult(stdout=stdout, rc=signed(code))


def _wininet(kind: str) -> CommandResult:
    return _failed(*WININET[kind], online=kind in ("disk_full", "path_not_found", "too_large"))


def fetch(url: str, bytes_per_second: int | None) -> bytes | CommandResult:
    parts = urllib.parse.urlsplit(url)
    try:
        loopback = parts.scheme == "http" and ipaddress.ip_address(parts.hostname or "").is_loopback
    except ValueError:
        loopback = False
    if not loopback or ipaddress.ip_address(parts.hostname or "").version != 4:
        return _wininet("name_not_resolved")
    start = time.monotonic()
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port or 80, timeout=DEADLINE)
    try:
        connection.request("GET", (parts.path or "/") + (f"?{parts.query}" if parts.query else ""))
        response = connection.getresponse()
        if response.status != 200:
            code = 0x80190000 + response.status
            reason = REASONS.get(response.status, f"HTTP status {response.status}")
            return _failed(code, f"{signed(code)} HTTP_E_STATUS_{response.status}", f"{reason} ({response.status}).")
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = response.read(65536)
            if not chunk:
                break
            total += len(chunk)
            chunks.append(chunk)
            if total > MAX_BYTES:
                return _wininet("too_large")
            if bytes_per_second:
                time.sleep(min(len(chunk) / bytes_per_second, max(0.0, DEADLINE - (time.monotonic() - start))))
            if time.monotonic() - start > DEADLINE:
                return _wininet("timeout")
        return b"".join(chunks)
    except (ConnectionError, OSError) as exc:
        return _wininet("timeout" if isinstance(exc, TimeoutError) else "cannot_connect")
    finally:
        connection.close()


def corrupt(data: bytes) -> bytes:
    if not data:
        return data
    flipped = bytearray(data)
    for index in sorted({0, len(data) // 2, len(data) - 1}):
        flipped[index] ^= 0xFF
    return bytes(flipped)


def run(inv: Invocation, paths: list[str]) -> CommandResult:
    if len(paths) != 2:
        return CommandResult(stdout="CertUtil: Unknown arguments.\r\n", rc=signed(0x80070057))
    url, target = paths
    state = inv.state
    data = fetch(url, state.download_bytes_per_second)
    if isinstance(data, CommandResult):
        return data
    if state.download_fault == "corrupt":
        data = corrupt(data)
    if not state.files.can_write(target):
        return _wininet("path_not_found")
    try:
        state.files.write(target, data)
    except FileSystemError as exc:
        return _wininet("disk_full" if exc.kind == "disk_full" else "path_not_found")
    return CommandResult(
        stdout=f"{ONLINE}  0000  ...\r\n  {len(data):04x}\r\nCertUtil: -URLCache command completed successfully.\r\n"
    )
