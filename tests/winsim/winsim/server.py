# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The HTTP(S) listener of a simulated host: WinRM's request pipeline in front of the Windows model.

One ``ListenerServer`` per open endpoint (HTTP 5985, HTTPS 5986); one event loop (``winsim.reactor``) serves
the listening sockets and idle keep-alive connections of every host in the process, and a worker pool answers
requests (``winsim.http11`` frames them).  Each TCP connection gets one handler instance, so the handler holds
that connection's security context (NTLM, Kerberos and Negotiate are per connection, as on Windows).  The
pipeline: path -> unauthenticated Identify -> authentication (a UAC-filtered local administrator is refused here,
with 401) -> decryption -> faults -> counting -> authorization -> model dispatch -> encryption -> side effects.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import selectors
import socket
import ssl
import struct
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from winsim import auth, faults, http11, reactor
from winsim.contract import Identity, RequestContext, SoapReply

if TYPE_CHECKING:
    from winsim.host import SimulatedHost

log = logging.getLogger(__name__)

SOAP_CONTENT_TYPE = "application/soap+xml;charset=UTF-8"
SOAP_NS = "http://www.w3.org/2003/05/soap-envelope"
TOKEN_FILTERED = "access_denied_token_filter"  # the model's reason key for a UAC-filtered local administrator


class ListenerServer:
    """One listening socket of one simulated host, served by the process-wide event loop (winsim.reactor).

    It tracks its connections so a WinRM restart can drop them.  The socket is bound in the constructor, so a
    port in use raises OSError there (the host retries)."""

    request_queue_size = 128

    def __init__(
        self,
        host: SimulatedHost,
        transport: str,
        logical_port: int,
        actual_port: int,
        tls: Callable[[], ssl.SSLContext | None] | None,
    ) -> None:
        self.host = host
        self.transport = transport
        self.logical_port = logical_port
        # HTTPS: gives the TLS context for a connection accepted now (the listener's certificate may have changed)
        self.tls = tls
        self.connections: set[Connection] = set()
        self.connections_lock = threading.Lock()
        self.stopped = False
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.socket.bind((host.address, actual_port))
            self.socket.listen(self.request_queue_size)
            self.socket.setblocking(False)
        except OSError:
            self.socket.close()
            raise
        self.loop = reactor.reactor()

    def start(self) -> None:
        self.loop.call_soon(self._register)

    def stop(self) -> None:
        """Close the listening socket (new connections are refused) and every open connection."""
        with self.connections_lock:
            self.stopped = True
        try:
            self.loop.call_and_wait(self._unregister)
        finally:
            self.socket.close()
        self.drop_connections()

    def drop_connections(self) -> None:
        """Shut every connection down; whoever holds one (the loop or a worker) then sees the end and closes it."""
        with self.connections_lock:
            conns = list(self.connections)
        for conn in conns:
            conn.shutdown()

    # --- on the loop thread ------------------------------------------------------------------------------

    def _register(self) -> None:
        if not self.stopped and self.socket.fileno() >= 0:
            self.loop.selector.register(self.socket, selectors.EVENT_READ, self._accept)

    def _unregister(self) -> None:
        with contextlib.suppress(KeyError, ValueError):
            self.loop.selector.unregister(self.socket)

    def _accept(self) -> None:
        for _unused in range(self.request_queue_size):
            try:
                sock, address = self.socket.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                log.debug("accept failed on %s", self.host.address, exc_info=True)
                return
            if WinRMHandler.disable_nagle_algorithm:
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = Connection(self, sock, address)
            with self.connections_lock:
                if self.stopped:
                    sock.close()
                    continue
                self.connections.add(conn)
            if self.tls is not None:
                self.loop.submit(conn.handshake)
            else:
                conn.wait_readable()


class Connection:
    """One TCP connection: idle ones wait in the loop's selector, a busy one belongs to one worker."""

    def __init__(self, listener: ListenerServer, sock: socket.socket, address: Any) -> None:
        self.listener = listener
        self.stream = http11.Stream(sock)
        self.address = address
        self.closed = False
        self.handler = WinRMHandler(listener, self)

    @property
    def sock(self) -> socket.socket:
        return self.stream.sock

    def handshake(self) -> None:
        """TLS server handshake (worker), with the certificate the listener names at this moment; a certificate
        that is gone or has no private key refuses the connection."""
        context = self.listener.tls() if self.listener.tls is not None else None
        if context is None:
            self.close()
            return
        try:
            self.sock.settimeout(10)
            self.stream.sock = context.wrap_socket(self.sock, server_side=True)
        except (OSError, ValueError):
            log.debug("TLS handshake from %s failed", self.address, exc_info=True)
            self.close()
            return
        self.listener.loop.call_soon(self.wait_readable)

    def wait_readable(self) -> None:
        """Park the idle connection in the selector (loop thread) until the client sends its next request."""
        if self.closed or self.listener.stopped:
            self.close()
            return
        selector = self.listener.loop.selector
        try:
            try:
                selector.register(self.sock, selectors.EVENT_READ, self._readable)
            except KeyError:  # a closed socket's stale entry under the same descriptor number: replace it
                selector.unregister(self.sock.fileno())
                selector.register(self.sock, selectors.EVENT_READ, self._readable)
        except (KeyError, ValueError, OSError):
            self.close()

    def _readable(self) -> None:
        with contextlib.suppress(KeyError, ValueError):
            self.listener.loop.selector.unregister(self.sock)
        self.listener.loop.submit(self.serve)

    def serve(self) -> None:
        """Answer requests (worker) until the connection closes or has nothing more to read right now."""
        try:
            while not self.closed:
                try:
                    request = http11.read_request(self.stream, WinRMHandler.protocol_version)
                except http11.BadRequest as err:
                    log.debug("bad request from %s: %s", self.address, err)
                    self.handler.close_connection = True
                    self.handler._send(400, b"")
                    break
                if request is None:
                    break
                self.handler.handle(request)
                if self.handler.close_connection:
                    break
                if not self.stream.has_pending():
                    self.listener.loop.call_soon(self.wait_readable)
                    return
        except (OSError, TimeoutError, ValueError):
            log.debug("connection from %s ended with an error", self.address, exc_info=True)
        except Exception:  # a bug in the model: the client sees the connection close, the log says why
            log.exception("request from %s failed", self.address)
        self.close()

    def shutdown(self) -> None:
        """End the connection from any thread without closing the descriptor under its owner."""
        with contextlib.suppress(OSError, ValueError):
            socket.socket.shutdown(self.sock, socket.SHUT_RDWR)  # the plain method: not SSLSocket's

    def reset(self) -> None:
        """Close with RST (SO_LINGER 0) and no answer."""
        with contextlib.suppress(OSError, ValueError):
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close()

    def close(self) -> None:
        """Called by the connection's owner only (it is not in the selector then)."""
        if self.closed:
            return
        self.closed = True
        with contextlib.suppress(OSError, ValueError):
            self.sock.close()
        with self.listener.connections_lock:
            self.listener.connections.discard(self)


class WinRMHandler:
    """The request pipeline of one TCP connection; it keeps that connection's security context."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out in one write when this is on (and TCP_NODELAY is set). Off, they go out in two
    # writes without TCP_NODELAY, and the body waits for the client's delayed ACK (about 40 ms per request).
    disable_nagle_algorithm = True

    def __init__(self, server: ListenerServer, conn: Connection) -> None:
        self.server = server
        self.conn = conn
        self.client_address = conn.address
        self.acceptor: auth.NegotiateAcceptor | None = None
        self.session_identity: Identity | None = None
        self._pending_token: bytes | None = None
        self._scheme = "Negotiate"  # the HTTP scheme of the connection's context: "Negotiate" | "Kerberos"
        self._sealing = auth.SPNEGO_ENCRYPTED  # the protocol of the current request's multipart body
        self._target = ""  # Kerberos: the service principal of the connection's ticket
        self.close_connection = False
        self.command = ""
        self.path = ""
        self.headers: Any = {}
        self.body = b""

    @property
    def host(self) -> SimulatedHost:
        return self.server.host

    def handle(self, request: http11.Request) -> None:
        """Answer one request."""
        self.command, self.path, self.headers, self.body = request.method, request.path, request.headers, request.body
        self.close_connection = not request.keep_alive
        log.debug("%s %s %s", self.client_address[0], request.method, request.path)
        if request.method == "POST":
            self.do_POST()
        elif request.method == "GET":
            self.do_GET()
        else:
            self._send(501, b"")

    # --- HTTP methods -----------------------------------------------------------------------------------

    def do_GET(self) -> None:
        self._send(405 if self._path_ok() else 404, b"")

    def do_POST(self) -> None:
        body = self.body
        if not self._path_ok():
            self._send(404, b"")
            return
        if self._is_anonymous_identify(body):
            self._soap(body, identity=None, encrypted=False)
            return
        identity = self._authenticate()
        if identity is None:
            return
        if not body:
            self._send(200, b"", extra=self._final_token_headers())
            return
        content_type = self.headers.get("Content-Type", "")
        encrypted = content_type.lower().startswith("multipart/")
        self._sealing = auth.request_protocol(content_type)  # the reply is sealed under the request's protocol
        if encrypted:
            if self.acceptor is None or identity.auth == "basic":
                self._send(400, b"")
                return
            try:
                body = self.acceptor.unwrap_body(body)
            except auth.AuthError as err:
                log.debug("decryption failed: %s", err)
                self._send(400, b"")
                return
        elif identity.auth != "basic" and not identity.tls and not self.host.auth_policy().allow_unencrypted:
            self._unauthorized()  # WinRM refuses a plain body over HTTP unless AllowUnencrypted
            return
        identity = Identity(identity.user, identity.domain, identity.auth, encrypted, identity.tls)
        self._soap(body, identity=identity, encrypted=encrypted)

    # --- pieces of the pipeline ---------------------------------------------------------------------------

    def _path_ok(self) -> bool:
        return self.path.split("?", 1)[0].rstrip("/").lower() == "/wsman"

    def _is_anonymous_identify(self, body: bytes) -> bool:
        return (
            self.headers.get("WSMANIDENTIFY", "").strip().lower() == "unauthenticated"
            and _body_element(body) == "Identify"
        )

    def _authenticate(self) -> Identity | None:
        """Run one authentication step; answer 401 and return None unless the request may proceed."""
        tls = self.server.transport == "HTTPS"
        policy = self.host.auth_policy()
        self._pending_token = None
        parsed = auth.parse_authorization(self.headers.get("Authorization"))
        if parsed is None:
            if self.session_identity is not None:
                return self.session_identity
            self._unauthorized()
            return None
        scheme, payload = parsed
        if scheme == "basic":
            if not policy.basic or (not tls and not policy.allow_unencrypted):
                self._unauthorized()
                return None
            try:
                domain, user, password = auth.decode_basic(payload)
            except auth.AuthError:
                self._unauthorized()
                return None
            if not self.host.check_password(domain, user, password):
                self._unauthorized()
                return None
            self.host.record_authentication(auth.Authenticated("Basic", "basic", user, domain))
            return Identity(user=user, domain=domain, auth="basic", encrypted=False, tls=tls)
        # Auth/Kerberos and Auth/Negotiate switch the two schemes
        # (https://learn.microsoft.com/en-us/windows/win32/winrm/installation-and-configuration-for-windows-remote-management).
        # ASSUMPTION (UNVERIFIED): Kerberos=false leaves Kerberos inside Negotiate working; only the scheme goes.
        if (scheme == "negotiate" and policy.negotiate) or (scheme == "kerberos" and policy.kerberos):
            return self._negotiate_step(payload, tls, scheme)
        # CredSSP and certificate authentication are not simulated.
        self._unauthorized()
        return None

    def _negotiate_step(self, payload: str, tls: bool, scheme: str = "negotiate") -> Identity | None:
        if self.acceptor is None or self.acceptor.complete or self.acceptor.protocol != scheme:
            self.session_identity = None
            self._scheme = "Kerberos" if scheme == "kerberos" else "Negotiate"
            try:
                self.acceptor = auth.NegotiateAcceptor(
                    self.host.cbt_hash if tls else None, auth.CREDENTIALS.path(id(self.host)), protocol=scheme
                )
            except auth.AuthError as err:
                log.warning("cannot create a %s acceptor: %s", self._scheme, err)
                self._unauthorized()
                return None
        try:
            out = self.acceptor.step(payload)
        except auth.AuthError as err:
            log.debug("negotiate step failed: %s", err)
            self.acceptor = None
            self._unauthorized()
            return None
        if not self.acceptor.complete:
            header = f"{self._scheme} " + base64.b64encode(out or b"").decode()
            self._send(401, b"", extra=[("WWW-Authenticate", header)])
            return None
        identity = self._completed_identity(tls)
        if identity is None:
            self.acceptor = None
            self._unauthorized()
            return None
        if self._token_filtered(identity):
            # A local administrator other than the built-in Administrator, without LocalAccountTokenFilterPolicy=1,
            # is refused with HTTP 401 on the leg that completes the handshake, not with a WS-Man fault
            # (https://github.com/diyan/pywinrm/issues/188: the same account works once the policy is 1).
            # ASSUMPTION (UNVERIFIED): that 401 carries the same WWW-Authenticate offers as the first one.
            self.acceptor = None
            self._unauthorized()
            return None
        self.host.record_authentication(
            auth.Authenticated(
                self._scheme, self.acceptor.negotiated_protocol, identity.user, identity.domain, self._target
            )
        )
        self.session_identity = identity
        self._pending_token = out
        return self.session_identity

    def _completed_identity(self, tls: bool) -> Identity | None:
        """Who a completed context authenticated, or None when this host refuses it (401).

        NTLM (raw or inside SPNEGO) is reported as "ntlm", which is what Windows' token filtering looks at; the
        account must exist on the host. Kerberos is reported as "kerberos": the ticket must be for one of this
        host's own SPNs (the process shares one acceptor keytab, winsim.kerberos) and its client of the host's
        realm, whose KDC vouched for it, so the account need not be known to the host: authorization decides."""
        assert self.acceptor is not None
        mechanism = self.acceptor.negotiated_protocol
        if mechanism == "kerberos":
            target = self.acceptor.kerberos_target() or ""
            principal = self.acceptor.client_principal()
            mapped = self.host.kerberos_account(principal, target)
            if mapped is None:
                log.debug("Kerberos ticket of %s for %s refused by %s", principal, target, self.host.hostname)
                return None
            domain, user = mapped
        else:
            target = ""
            domain, user = self.acceptor.principal()
            if not self.host.account_exists(domain, user):
                return None
        self._target = target
        return Identity(
            user=user, domain=domain, auth="kerberos" if mechanism == "kerberos" else "ntlm", encrypted=False, tls=tls
        )

    def _token_filtered(self, identity: Identity) -> bool:
        """UAC remote restrictions leave this logon a filtered token, which WinRM refuses before any SOAP."""
        host = self.host
        with host.lock:
            return bool(host.model.authorize(host.state, identity) == TOKEN_FILTERED)

    def _final_token_headers(self) -> list[tuple[str, str]]:
        token = self._pending_token
        self._pending_token = None
        return [("WWW-Authenticate", f"{self._scheme} " + base64.b64encode(token).decode())] if token else []

    def _unauthorized(self) -> None:
        headers = [("WWW-Authenticate", v) for v in self.host.challenge_headers()]
        self._send(401, b"", extra=headers)

    def _soap(self, body: bytes, identity: Identity | None, encrypted: bool) -> None:
        """Answer one SOAP request (identity None: the unauthenticated Identify)."""
        host = self.host
        action = _action_of(body)
        fault = host.faults.take(action)
        host.count_request(action)
        extra = self._final_token_headers()
        if fault is not None and fault.kind == "reset":
            self._reset()
            return
        if fault is not None and fault.kind == "redirect":
            location = str(fault.options.get("location", "http://127.0.0.1:1/wsman"))
            self._send(int(str(fault.options.get("status", 307))), b"", extra=[*extra, ("Location", location)])
            return
        if fault is not None and fault.kind in ("delay", "receive_pending"):
            time.sleep(fault.seconds)
        if fault is not None and fault.kind == "receive_pending":
            timed_out = host.model.fault_reply(faults.TIMED_OUT_CODE, faults.TIMED_OUT_MESSAGE, "w:TimedOut")
            reply = SoapReply(500, timed_out.body, set())
        elif fault is not None and fault.kind == "receive_flood":
            size = int(str(fault.options.get("bytes", 1024 * 1024)))
            reply = SoapReply(200, faults.receive_flood_reply(body, size), set())
        elif fault is not None and fault.kind == "http500":
            reply = host.model.fault_reply(
                int(str(fault.options.get("code", 2147500037))),
                str(fault.options.get("message", "The WS-Management service cannot process the request.")),
                str(fault.options.get("subcode", "w:InternalError")),
            )
            reply = SoapReply(500, reply.body, set())
        else:
            reply = host.dispatch(body, identity, self._context(identity), is_identify=action == "Identify")
        payload, content_type = reply.body, SOAP_CONTENT_TYPE
        if encrypted and self.acceptor is not None:
            sealing = self._sealing
            payload, content_type = self.acceptor.wrap_body(reply.body, sealing), auth.encrypted_content_type(sealing)
        restart = "restart_winrm" in reply.effects
        if restart:
            self.close_connection = True
        self._send(reply.status, payload, content_type=content_type, extra=extra)
        host.after_request(restart, reply.effects)

    def _context(self, identity: Identity | None) -> RequestContext:
        ident = identity or Identity(
            user="", domain="", auth="anonymous", encrypted=False, tls=self.server.transport == "HTTPS"
        )
        return RequestContext(
            identity=ident,
            host_address=self.host.address,
            port=self.server.logical_port,
            transport=self.server.transport,
            client_ip=self.client_address[0],
        )

    def _reset(self) -> None:
        """Close with RST and no answer: what a client sees when the host dies mid-request."""
        self.close_connection = True
        self.conn.reset()

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str = SOAP_CONTENT_TYPE,
        extra: list[tuple[str, str]] | None = None,
    ) -> None:
        headers = list(extra or [])
        if body:
            headers.append(("Content-Type", content_type))
        headers.append(("Content-Length", str(len(body))))
        if self.close_connection:
            headers.append(("Connection", "close"))
        head = http11.response_head(status, headers)
        try:
            if self.disable_nagle_algorithm:
                self.conn.stream.send(head + body)
            else:
                self.conn.stream.send(head)
                if body:
                    self.conn.stream.send(body)
        except (OSError, ValueError):
            self.close_connection = True


def _parse(body: bytes) -> ET.Element | None:
    try:
        return ET.fromstring(body)
    except ET.ParseError:
        return None


def _body_element(body: bytes) -> str | None:
    """Local name of the SOAP Body's first child."""
    root = _parse(body)
    if root is None:
        return None
    soap_body = root.find(f"{{{SOAP_NS}}}Body")
    if soap_body is None:
        soap_body = next((c for c in root if c.tag.rsplit("}", 1)[-1] == "Body"), None)
    if soap_body is None or len(soap_body) == 0:
        return None
    return soap_body[0].tag.rsplit("}", 1)[-1]


def _action_of(body: bytes) -> str:
    """The WS-Addressing Action URI, or "Identify" for an Identify (it has no Action header)."""
    root = _parse(body)
    header = next((c for c in root if c.tag.rsplit("}", 1)[-1] == "Header"), None) if root is not None else None
    for child in header if header is not None else []:
        if child.tag.rsplit("}", 1)[-1] == "Action" and child.text:  # WS-Addressing 2004/08 in WS-Man
            return child.text.strip()
    return "Identify" if _body_element(body) == "Identify" else "unknown"
