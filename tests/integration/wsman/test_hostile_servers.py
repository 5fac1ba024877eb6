# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The wire against hostile or broken servers on loopback: redirects, trickling and endless replies, floods,
entity bombs and bad certificates. Each must end quickly with one line naming the endpoint and the limit."""

from __future__ import annotations

import socket
import ssl
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from simhosts import HostFactory, config_for, https_overrides, next_address

from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import errors, transport
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.client import WSManClient
from winsim import certs

CONFIG_SERVICE = "http://schemas.microsoft.com/wbem/wsman/1/config/service"
FAST = {"connection_timeout": 1, "read_timeout": 2, "operation_timeout": 1}  # request deadline: 3 s
BASIC_HTTP = {"auth": "basic", "message_encryption": "never"}  # the first request is the SOAP request itself

Handler = Callable[[socket.socket], None]


class RawServer:
    """A TCP (or TLS) server on a loopback address whose handler writes whatever bytes it likes."""

    def __init__(self, handler: Handler, tls: Callable[[str], ssl.SSLContext] | None = None) -> None:
        self.address = next_address()
        self.listener = socket.create_server((self.address, 0))
        self.port = self.listener.getsockname()[1]
        self.handler = handler
        self.tls = tls(self.address) if tls is not None else None
        self.accepted = 0
        self.sent = 0
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        self.listener.settimeout(0.2)
        while not self.stopped.is_set():
            try:
                conn, _peer = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=self.run, args=(conn,), daemon=True).start()

    def run(self, conn: socket.socket) -> None:
        try:
            if self.tls is not None:
                conn = self.tls.wrap_socket(conn, server_side=True)
            conn.settimeout(30)
            self.handler(conn)
        except (OSError, ssl.SSLError):
            pass
        finally:
            conn.close()

    def stop(self) -> None:
        self.stopped.set()
        self.listener.close()

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.address}:{self.port}/wsman"


@pytest.fixture
def serve() -> Iterator[Callable[..., RawServer]]:
    servers: list[RawServer] = []

    def start(handler: Handler, tls: Callable[[str], ssl.SSLContext] | None = None) -> RawServer:
        server = RawServer(handler, tls)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def read_request(conn: socket.socket) -> None:
    """Read one request's headers and its Content-Length body."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return
        data += chunk
    head, _sep, rest = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    while len(rest) < length:
        rest += conn.recv(65536)


def client_for(server: RawServer, **overrides: Any) -> WSManClient:
    settings: dict[str, Any] = {"port": server.port, **FAST, **overrides}
    if server.tls is not None:
        settings.setdefault("scheme", "https")
    return WSManClient(config_for(server.address, **settings))


# --- redirects ---------------------------------------------------------------------------------------------------


def redirect_to(location: str) -> Handler:
    def handler(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(f"HTTP/1.1 307 Temporary Redirect\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n".encode())
        time.sleep(0.5)

    return handler


def recorder() -> Handler:
    def handler(conn: socket.socket) -> None:
        read_request(conn)

    return handler


class Tls:
    """Builds the server's TLS context for the address it gets; remembers the certificate (its own CA)."""

    def __init__(self, directory: Path, flaw: str | None = None) -> None:
        self.directory = directory
        self.flaw = flaw
        self.ca = Path()

    def __call__(self, address: str) -> ssl.SSLContext:
        if self.flaw is None:
            cert = certs.create_certificate(self.directory, "hostile", address)
            cert_path, key_path = cert.cert_path, cert.key_path
        else:
            cert_path, key_path = certs.create_flawed_certificate(self.directory, "hostile", address, self.flaw)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert_path, key_path)
        self.ca = cert_path
        return context


@pytest.mark.parametrize("auth", ["ntlm", "negotiate"])
def test_redirect_on_the_first_request_is_not_followed(serve: Callable[..., RawServer], auth: str) -> None:
    target = serve(recorder())
    hostile = serve(redirect_to(target.url))
    with client_for(hostile, auth=auth) as client, pytest.raises(errors.RedirectRefusedError) as info:
        client.get(CONFIG_SERVICE)
    assert str(info.value).startswith(f"WinRM at {hostile.url} answered with a redirect to {target.url}")
    time.sleep(0.3)
    assert target.accepted == 0


def test_redirect_over_https_is_not_followed(serve: Callable[..., RawServer], tmp_path: Path) -> None:
    target = serve(recorder())
    tls = Tls(tmp_path)
    hostile = serve(redirect_to(target.url), tls)
    with client_for(hostile, ca_path=str(tls.ca)) as client, pytest.raises(errors.RedirectRefusedError) as info:
        client.get(CONFIG_SERVICE)
    assert str(info.value).startswith(f"WinRM at {hostile.url} answered with a redirect to {target.url}")
    time.sleep(0.3)
    assert target.accepted == 0


@pytest.mark.parametrize("https", [False, True])
def test_redirect_after_ntlm_authentication_is_not_followed(
    start_host: HostFactory, serve: Callable[..., RawServer], https: bool
) -> None:
    """The simulated host authenticates (NTLM, encrypted) and then answers the SOAP request with a redirect: the
    second host must not see a single byte, let alone an NTLM AUTHENTICATE."""
    target = serve(recorder())
    host = start_host("2019", https=https)
    host.inject_fault("redirect", location=target.url, status=302)
    settings = https_overrides(host) if https else {}
    with WSManClient(config_for(host, **settings)) as client, pytest.raises(errors.RedirectRefusedError) as info:
        client.get(CONFIG_SERVICE)
    assert f"answered with a redirect to {target.url} (HTTP 302)" in str(info.value)
    time.sleep(0.3)
    assert target.accepted == 0


def test_long_location_is_truncated(serve: Callable[..., RawServer]) -> None:
    hostile = serve(redirect_to("http://127.0.0.1:1/" + "a" * 5000))
    with client_for(hostile) as client, pytest.raises(errors.RedirectRefusedError) as info:
        client.get(CONFIG_SERVICE)
    assert len(str(info.value)) < 600 and "characters more" in str(info.value)


# --- deadlines ---------------------------------------------------------------------------------------------------


def trickle(head: bytes, forever: bytes, interval: float = 0.5) -> Handler:
    def handler(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(head)
        while True:
            conn.sendall(forever)
            time.sleep(interval)

    return handler


def assert_fails_at_deadline(client: WSManClient, seconds: float) -> errors.DeadlineExceededError:
    started = time.monotonic()
    with client, pytest.raises(errors.DeadlineExceededError) as info:
        client.get(CONFIG_SERVICE)
    elapsed = time.monotonic() - started
    assert seconds - 0.5 <= elapsed < seconds + 3, elapsed
    return info.value


def test_trickled_401_fails_at_the_request_deadline(serve: Callable[..., RawServer]) -> None:
    """One header byte every 0.5 s never trips the 2 s read timeout; the 3 s request deadline ends it."""
    hostile = serve(trickle(b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Negotiate\r\nX-Slow: ", b"a"))
    error = assert_fails_at_deadline(client_for(hostile), 3)
    assert str(error).startswith(f"WinRM at {hostile.url} did not finish one HTTP request within 3s")


def test_trickled_body_fails_at_the_request_deadline(serve: Callable[..., RawServer]) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/soap+xml\r\nContent-Length: 1000000\r\n\r\n<s:Envelope"
    hostile = serve(trickle(head, b" "))
    assert_fails_at_deadline(client_for(hostile, **BASIC_HTTP), 3)


def test_endless_100_continue_fails_at_the_request_deadline(serve: Callable[..., RawServer]) -> None:
    hostile = serve(trickle(b"", b"HTTP/1.1 100 Continue\r\n\r\n", 0.2))
    assert_fails_at_deadline(client_for(hostile, **BASIC_HTTP), 3)


# --- size limits -------------------------------------------------------------------------------------------------


def flood(head: bytes, chunk: bytes) -> Handler:
    def handler(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(head)
        while True:
            conn.sendall(chunk)

    return handler


def assert_too_large_and_bounded(client: WSManClient, what: str) -> None:
    tracemalloc.start()
    try:
        with client, pytest.raises(errors.ReplyTooLargeError) as info:
            client.get(CONFIG_SERVICE)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert f"sent more than {transport.MAX_REPLY_BYTES} bytes in {what}" in str(info.value)
    assert peak < 4 * transport.MAX_REPLY_BYTES, peak


def test_endless_chunked_reply_stops_at_the_limit(serve: Callable[..., RawServer]) -> None:
    piece = b"x" * 65536
    chunk = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/soap+xml\r\nTransfer-Encoding: chunked\r\n\r\n"
    hostile = serve(flood(head, chunk))
    assert_too_large_and_bounded(client_for(hostile, **BASIC_HTTP), "the reply body")


def test_declared_500_mb_body_is_refused_before_reading(serve: Callable[..., RawServer]) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/soap+xml\r\nContent-Length: 500000000\r\n\r\n"
    hostile = serve(flood(head, b"\0" * 65536))
    started = time.monotonic()
    assert_too_large_and_bounded(client_for(hostile, **BASIC_HTTP), "the reply body")
    assert time.monotonic() - started < 2


def test_undeclared_500_mb_body_stops_at_the_limit(serve: Callable[..., RawServer]) -> None:
    head = b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/soap+xml\r\nConnection: close\r\n\r\n"
    hostile = serve(flood(head, b"\0" * 65536))
    assert_too_large_and_bounded(client_for(hostile), "the reply body")


def test_header_flood_is_refused(serve: Callable[..., RawServer]) -> None:
    hostile = serve(flood(b"HTTP/1.1 401 Unauthorized\r\n", b"X-Flood: " + b"y" * 1000 + b"\r\n"))
    with client_for(hostile) as client, pytest.raises(errors.ReplyTooLargeError, match="in the reply headers"):
        client.get(CONFIG_SERVICE)


# --- hostile XML -------------------------------------------------------------------------------------------------

LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE s:Envelope [<!ENTITY a "aaaaaaaaaa">'
    + "".join(f'<!ENTITY a{i + 1} "{("&a" + str(i) + ";") * 10}">' for i in range(12)).replace("&a0;", "&a;")
    + ']><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>&a12;</s:Body></s:Envelope>'
)
XXE = (
    '<?xml version="1.0"?><!DOCTYPE s:Envelope [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>&x;</s:Body></s:Envelope>'
)
DEEP = (
    '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope">'
    + "<a>" * 200000
    + "</a>" * 200000
    + "</s:Envelope>"
)


@pytest.mark.parametrize("status", [200, 500])
@pytest.mark.parametrize("document", [LAUGHS, XXE, DEEP], ids=["billion-laughs", "xxe", "deep-nesting"])
def test_hostile_xml_is_a_clean_protocol_error(serve: Callable[..., RawServer], document: str, status: int) -> None:
    body = document.encode()

    def handler(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(
            f"HTTP/1.1 {status} X\r\nContent-Type: application/soap+xml\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body
        )

    hostile = serve(handler)
    started = time.monotonic()
    with client_for(hostile, **BASIC_HTTP) as client, pytest.raises(errors.WinRemoteError) as info:
        client.get(CONFIG_SERVICE)
    assert time.monotonic() - started < 2
    message = str(info.value)
    assert "root:" not in message and "aaaaaaaaaa" * 10 not in message and len(message) < 800
    assert isinstance(info.value, (errors.ProtocolError, errors.ServerError)), message


# --- certificates ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flaw", "with_ca", "cause"),
    [
        ("expired", True, "the listener certificate has expired"),
        ("wrong_name", True, "the listener certificate does not name this host"),
        (None, False, "the listener certificate's issuer is not trusted by this controller"),
    ],
)
def test_certificate_errors_name_the_real_cause(
    serve: Callable[..., RawServer], tmp_path: Path, flaw: str | None, with_ca: bool, cause: str
) -> None:
    tls = Tls(tmp_path, flaw)
    server = serve(recorder(), tls)
    overrides: dict[str, Any] = {"ca_path": str(tls.ca)} if with_ca else {}
    with client_for(server, **overrides) as client, pytest.raises(errors.TlsError) as info:
        client.get(CONFIG_SERVICE)
    message = str(info.value)
    assert cause in message, message
    if flaw == "expired":
        assert "not trusted" not in message and "give the CA" not in message
    if flaw is None:
        assert "connection.ca_path" in message
