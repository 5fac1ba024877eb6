# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The HTTP layer under pypsrp: no redirects, a wall-clock deadline per request, a size limit per reply.

requests follows 3xx replies by default and pypsrp's Negotiate handler answers the 401 of whatever host a
redirect names, so a redirecting endpoint could receive a task meant for another host, or an NTLM AUTHENTICATE.
:class:`GuardedAdapter` is mounted on the session pypsrp builds (``http://`` and ``https://``); every HTTP
exchange, authentication legs included, goes through its ``send``.

Deadlines (all derived from the documented connection options; defaults in brackets)::

    request deadline = connection_timeout + read_timeout                          [30 + 30 = 60 s]
                       + per reconnection retry: connection_timeout + its backoff  [no retries by default]
    command deadline = connection_timeout + read_timeout
                       + winrs.COMMAND_POLLS x operation_timeout                  [30 + 30 + 15 x 20 = 360 s]

The request deadline is wall-clock time for one HTTP exchange (connect, TLS, send, status line, headers and body):
``read_timeout`` alone only bounds each socket read, so a server trickling a byte every few seconds would never
trip it. When it passes, the connection's sockets are shut down and the request fails. The command deadline bounds
one WinRS command from the shell's Create to its last Receive (``winrs.run_command``): a command may sit through
``winrs.COMMAND_POLLS`` (15) Receive polls that each return "no output yet" after ``operation_timeout``.

Limits::

    MAX_REPLY_BYTES  = 4 MiB   one reply body, chunked or not (encrypted bodies counted as received)
    headers          = at most 100 header lines of at most 64 KiB each (Python's http.client limits)
    MAX_OUTPUT_BYTES = 16 MiB  stdout + stderr collected from one WinRS command (in winrs.py)

WinRM never sends an envelope larger than the ``MaxEnvelopeSize`` the client asks for (pypsrp asks 150 KiB) and
the service's own ceiling defaults to 500 KB (``MaxEnvelopeSizekb``, see
https://learn.microsoft.com/en-us/windows/win32/winrm/installation-and-configuration-for-windows-remote-management);
4 MiB leaves room for administrators who raise it and for the encryption framing, and stops a reply that is
not WinRM's long before it costs memory. A reply is read in 64 KiB chunks and abandoned at the limit.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
import time
import types
import typing as t
import weakref

from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import errors, translate, winrs

if t.TYPE_CHECKING:
    from ansible_collections.winremote.remoting.plugins.plugin_utils.connection import ConnectionConfig

try:
    import requests
    import requests.adapters
    import requests.utils
    import urllib3.connectionpool
    import urllib3.exceptions
    import urllib3.util.retry

    HAS_REQUESTS = True
except ImportError:  # pragma: no cover - exercised only on controllers without requests
    HAS_REQUESTS = False

MAX_REPLY_BYTES = 4 * 1024 * 1024
CHUNK_BYTES = 64 * 1024
WATCH_INTERVAL = 0.2  # seconds between shutdowns once a deadline passed (a connect may still be under way)
BACKOFF_MAX = 120.0  # urllib3's cap on one backoff sleep (Retry.DEFAULT_BACKOFF_MAX)
# RFC 9110 15.6.3 / 15.6.5: statuses a gateway or proxy sends when it could not reach the server behind it
GATEWAY_STATUSES = (502, 504)


def retry_sleeps(config: ConnectionConfig) -> list[float]:
    """urllib3's sleep before each reconnection retry: backoff x 2^(n-1) after the n-th consecutive failure."""
    backoff = float(config.reconnection_backoff)
    retries = range(1, config.reconnection_retries + 1)
    return [min(BACKOFF_MAX, backoff * 2 ** (n - 1)) if n > 1 else 0.0 for n in retries]


def request_deadline(config: ConnectionConfig) -> float:
    """Seconds one HTTP exchange may take in all, its reconnection retries included (see the module docstring)."""
    retries = sum(config.connection_timeout + sleep for sleep in retry_sleeps(config))
    return float(config.connection_timeout + config.read_timeout + retries)


def command_deadline(config: ConnectionConfig) -> float:
    """Seconds one WinRS command may take from Create to its last Receive (see the module docstring)."""
    return request_deadline(config) + winrs.COMMAND_POLLS * float(config.operation_timeout)


class Watchdog:
    """Shuts down the sockets of one adapter's connections when a request's deadline passes."""

    def __init__(self) -> None:
        self.connections: weakref.WeakSet[t.Any] = weakref.WeakSet()
        self.expired = False

    def watch(self, done: threading.Event, deadline: float) -> None:
        if done.wait(max(0.0, deadline - time.monotonic())):
            return
        self.expired = True
        while True:
            for conn in list(self.connections):
                sock = getattr(conn, "sock", None)
                if sock is not None:
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)
            if done.wait(WATCH_INTERVAL):
                return


def _recording_pools(manager: t.Any, watchdog: Watchdog) -> None:
    """Make the pool manager's pools register every connection they open with the watchdog."""

    def recording(base: type[t.Any]) -> type[t.Any]:
        class Pool(base):
            def _new_conn(self) -> t.Any:
                conn = super()._new_conn()
                watchdog.connections.add(conn)
                return conn

        return Pool

    manager.pool_classes_by_scheme = {
        "http": recording(urllib3.connectionpool.HTTPConnectionPool),
        "https": recording(urllib3.connectionpool.HTTPSConnectionPool),
    }


class PeerCertificate:
    """Answers ``getpeercert`` with the certificate of the connection a reply came on."""

    def __init__(self, der: bytes) -> None:
        self.der = der

    def getpeercert(self, binary_form: bool = False) -> bytes:
        return self.der


class ConsumedReply:
    """Stands in for urllib3's file object once the body was read in full. pypsrp's Negotiate auth takes the TLS
    channel binding (RFC 5929 tls-server-end-point) from ``response.raw._fp.fp.raw._sock`` after the body was
    read, when http.client has already let go of the socket; this keeps the certificate where it looks."""

    def __init__(self, der: bytes | None) -> None:
        # plain HTTP: a socket without getpeercert, as pypsrp expects there (it then sends no channel binding)
        sock = PeerCertificate(der) if der is not None else object()
        self.fp = types.SimpleNamespace(raw=types.SimpleNamespace(_sock=sock))

    def isclosed(self) -> bool:
        return True

    def close(self) -> None:
        return None


def peer_certificate(raw: t.Any) -> bytes | None:
    """The DER certificate of the TLS connection a not-yet-read reply arrives on, or None (plain HTTP)."""
    try:
        der = raw._fp.fp.raw._sock.getpeercert(True)
    except (AttributeError, OSError, ValueError):
        return None
    return der if isinstance(der, bytes) else None


def _header_limit(exc: BaseException) -> bool:
    """True when http.client refused the status line or headers for their size or number."""
    seen: list[BaseException] = []
    todo: list[BaseException] = [exc]
    while todo and len(seen) < 20:
        cur = todo.pop()
        seen.append(cur)
        if isinstance(cur, http.client.LineTooLong) or (
            isinstance(cur, http.client.HTTPException) and "more than" in str(cur) and "headers" in str(cur)
        ):
            return True
        todo.extend(
            n
            for n in (*cur.args, cur.__cause__, cur.__context__, getattr(cur, "reason", None))
            if isinstance(n, BaseException) and not any(n is s for s in seen)
        )
    return False


if HAS_REQUESTS:

    class GuardedAdapter(requests.adapters.HTTPAdapter):
        """An HTTPAdapter that refuses 3xx, enforces the request deadline and reads bodies up to a limit."""

        def __init__(self, config: ConnectionConfig, max_reply_bytes: int | None = None) -> None:
            self.connection_config = config
            self.deadline_seconds = request_deadline(config)
            self.max_reply_bytes = MAX_REPLY_BYTES if max_reply_bytes is None else max_reply_bytes
            self.watchdog = Watchdog()
            super().__init__(max_retries=retries_for(config))

        def init_poolmanager(self, *args: t.Any, **kwargs: t.Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            _recording_pools(self.poolmanager, self.watchdog)

        def proxy_manager_for(self, proxy: str, **proxy_kwargs: t.Any) -> t.Any:
            manager = super().proxy_manager_for(proxy, **proxy_kwargs)
            _recording_pools(manager, self.watchdog)
            return manager

        def send(
            self,
            request: requests.PreparedRequest,
            stream: bool = False,
            timeout: t.Any = None,
            verify: t.Any = True,
            cert: t.Any = None,
            proxies: t.Any = None,
        ) -> requests.Response:
            """One exchange: the body is always read here (bounded), whatever ``stream`` says."""
            done = threading.Event()
            self.watchdog.expired = False
            watcher = threading.Thread(
                target=self.watchdog.watch,
                args=(done, time.monotonic() + self.deadline_seconds),
                name="winremote-deadline",
                daemon=True,
            )
            watcher.start()
            try:
                response = super().send(
                    request, stream=True, timeout=timeout, verify=verify, cert=cert, proxies=proxies
                )
                proxy = requests.utils.select_proxy(request.url or "", proxies or {})
                if proxy and response.status_code in GATEWAY_STATUSES:
                    response.close()
                    raise translate.proxy_failed(
                        self.connection_config, proxy, f"it answered HTTP {response.status_code} {response.reason}"
                    )
                if 300 <= response.status_code < 400:
                    location = response.headers.get("Location", "")
                    response.close()
                    raise translate.redirect_refused(self.connection_config, response.status_code, location)
                self._read_body(response)
                if self.watchdog.expired:  # the shutdown may look like a short but complete reply
                    response.close()
                    raise self._expired()
            except errors.WinRemoteError:
                raise
            except requests.exceptions.ProxyError as exc:
                if self.watchdog.expired:
                    raise self._expired() from None
                proxy = requests.utils.select_proxy(request.url or "", proxies or {}) or "(unknown)"
                raise translate.proxy_failed(self.connection_config, proxy, translate.innermost(exc)) from None
            except Exception as exc:
                if self.watchdog.expired:
                    raise self._expired() from None
                if _header_limit(exc):
                    raise translate.too_large(self.connection_config, "the reply headers", 100 * 65536) from None
                raise
            finally:
                done.set()
                watcher.join(timeout=1.0)
            return response

        def _expired(self) -> errors.DeadlineExceededError:
            return translate.deadline_exceeded(
                self.connection_config.endpoint,
                self.deadline_seconds,
                "one HTTP request",
                "connection.connection_timeout + connection.read_timeout",
            )

        def _read_body(self, response: requests.Response) -> None:
            """Read the body in chunks, stop at the limit; what requests' ``content`` would do, bounded."""
            limit = self.max_reply_bytes
            declared = response.headers.get("Content-Length", "")
            if declared.strip().isdigit() and int(declared) > limit:
                response.close()
                raise translate.too_large(self.connection_config, "the reply body", limit)
            der = peer_certificate(response.raw)
            body = bytearray()
            try:
                while True:
                    chunk = response.raw.read(CHUNK_BYTES, decode_content=False)
                    if not chunk:
                        break
                    body += chunk
                    if len(body) > limit:
                        response.close()
                        raise translate.too_large(self.connection_config, "the reply body", limit)
            except urllib3.exceptions.ProtocolError as exc:
                raise requests.exceptions.ChunkedEncodingError(exc) from exc
            except urllib3.exceptions.ReadTimeoutError as exc:
                raise requests.exceptions.ReadTimeout(exc) from exc
            except urllib3.exceptions.SSLError as exc:
                raise requests.exceptions.SSLError(exc) from exc
            response._content = bytes(body)  # what Response.content sets
            response._content_consumed = True  # type: ignore[attr-defined]
            response.raw._fp = ConsumedReply(der)

    def retries_for(config: ConnectionConfig) -> int | urllib3.util.retry.Retry:
        """No retry at all by default; ansible_psrp_reconnection_retries retries failed connections like pypsrp
        (connect errors only here: a reply that arrived is never sent again)."""
        count = config.reconnection_retries
        if count <= 0:
            return 0
        return urllib3.util.retry.Retry(
            total=count,
            connect=count,
            read=0,
            status=0,
            other=0,
            redirect=0,
            backoff_factor=config.reconnection_backoff,
            raise_on_redirect=False,
        )

    def guard(session: requests.Session, config: ConnectionConfig) -> requests.Session:
        """Mount the guarded adapter for both schemes and forbid redirects at the session level too."""
        session.mount("http://", GuardedAdapter(config))
        session.mount("https://", GuardedAdapter(config))
        session.max_redirects = 0
        return session
