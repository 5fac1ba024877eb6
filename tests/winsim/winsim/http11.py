# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""HTTP/1.1 framing for the simulated WinRM listener (RFC 9112): read one request from a buffered connection,
build one response.

The event loop owns idle connections; a worker reads one whole request with a deadline, so a client that stops
half-way costs one worker for at most ``READ_TIMEOUT`` seconds and never blocks the loop.
"""

from __future__ import annotations

import email.utils
import http
import http.client
import io
import socket
import ssl
import time
from dataclasses import dataclass

READ_TIMEOUT = 30.0  # seconds a client has to send the rest of a request once its first byte arrived
WRITE_TIMEOUT = 60.0  # seconds a reply may take to leave
MAX_HEAD = 64 * 1024
MAX_BODY = 256 * 1024 * 1024
SERVER = "Microsoft-HTTPAPI/2.0"  # what HTTP.sys, which hosts WinRM, sends


class BadRequest(Exception):
    """The bytes are not an HTTP/1.x request: answer 400 and close."""


@dataclass
class Request:
    method: str
    path: str
    version: str
    headers: http.client.HTTPMessage
    body: bytes
    keep_alive: bool


class Stream:
    """A socket plus the bytes read from it but not consumed yet (the start of a pipelined request)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = bytearray()
        self.deadline = 0.0

    def has_pending(self) -> bool:
        """Whether a request may already be complete without reading the socket (buffered or TLS-decrypted)."""
        if self.buffer:
            return True
        return isinstance(self.sock, ssl.SSLSocket) and self.sock.pending() > 0

    def _fill(self) -> bool:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("request not complete in time")
        self.sock.settimeout(remaining)
        data = self.sock.recv(65536)
        if not data:
            return False
        self.buffer += data
        return True

    def read_until(self, marker: bytes, limit: int) -> bytes | None:
        """Bytes up to and including ``marker``; None at end of stream."""
        start = 0
        while True:
            found = self.buffer.find(marker, start)
            if found >= 0:
                end = found + len(marker)
                data = bytes(self.buffer[:end])
                del self.buffer[:end]
                return data
            if len(self.buffer) > limit:
                raise BadRequest("line or header block too long")
            start = max(0, len(self.buffer) - len(marker) + 1)
            if not self._fill():
                return None

    def read_exact(self, size: int) -> bytes | None:
        while len(self.buffer) < size:
            if not self._fill():
                return None
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data

    def send(self, data: bytes) -> None:
        self.sock.settimeout(WRITE_TIMEOUT)
        self.sock.sendall(data)


def read_request(stream: Stream, protocol: str = "HTTP/1.1") -> Request | None:
    """One request from ``stream``; None when the client closed the connection before sending one."""
    stream.deadline = time.monotonic() + READ_TIMEOUT
    while True:
        line = stream.read_until(b"\r\n", MAX_HEAD)
        if line is None:
            return None
        if line != b"\r\n":  # RFC 9112 section 2.2: ignore empty lines before a request line
            break
    try:
        method, target, version = line.decode("latin-1").split()
    except ValueError as err:
        raise BadRequest(f"bad request line {line[:80]!r}") from err
    if not version.startswith("HTTP/1."):
        raise BadRequest(f"unsupported version {version!r}")
    block = bytearray()
    while True:
        field = stream.read_until(b"\r\n", MAX_HEAD)
        if field is None:
            return None
        block += field
        if field == b"\r\n":
            break
        if len(block) > MAX_HEAD:
            raise BadRequest("header block too long")
    try:
        headers = http.client.parse_headers(io.BytesIO(bytes(block)))
    except http.client.HTTPException as err:
        raise BadRequest(str(err)) from err
    keep_alive = version >= "HTTP/1.1" and protocol >= "HTTP/1.1"
    connection = headers.get("Connection", "").lower()
    if connection == "close":
        keep_alive = False
    elif connection == "keep-alive" and protocol >= "HTTP/1.1":
        keep_alive = True
    if headers.get("Expect", "").lower() == "100-continue" and version >= "HTTP/1.1":
        stream.send(b"HTTP/1.1 100 Continue\r\n\r\n")
    body = _read_body(stream, headers)
    if body is None:
        return None
    return Request(method.upper(), target, version, headers, body, keep_alive)


def _read_body(stream: Stream, headers: http.client.HTTPMessage) -> bytes | None:
    if "chunked" in headers.get("Transfer-Encoding", "").lower():
        return _read_chunked(stream)
    try:
        length = int(headers.get("Content-Length", "0"))
    except ValueError as err:
        raise BadRequest("bad Content-Length") from err
    if length > MAX_BODY:
        raise BadRequest("body too large")
    return stream.read_exact(length) if length > 0 else b""


def _read_chunked(stream: Stream) -> bytes | None:
    data = bytearray()
    while True:
        line = stream.read_until(b"\r\n", MAX_HEAD)
        if line is None:
            return None
        try:
            size = int(line.split(b";")[0].strip() or b"0", 16)
        except ValueError as err:
            raise BadRequest("bad chunk size") from err
        if size == 0:
            while True:  # trailer fields, then the empty line
                trailer = stream.read_until(b"\r\n", MAX_HEAD)
                if trailer is None or trailer == b"\r\n":
                    return bytes(data)
        chunk = stream.read_exact(size)
        if chunk is None or stream.read_until(b"\r\n", MAX_HEAD) is None:
            return None
        data += chunk
        if len(data) > MAX_BODY:
            raise BadRequest("body too large")


def response_head(status: int, headers: list[tuple[str, str]]) -> bytes:
    """Status line and header block, with the Server and Date fields HTTP.sys sends."""
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        phrase = ""
    lines = [f"HTTP/1.1 {status} {phrase}", f"Server: {SERVER}", f"Date: {email.utils.formatdate(usegmt=True)}"]
    lines += [f"{name}: {value}" for name, value in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
