# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The wire's exception types: what can go wrong between this controller and a host's WinRM service.

Every one is a :class:`WinRemoteError` (the collection's root, ``plugin_utils/errors.py``): ``str()`` is one line
that says what happened and what to do, ``.kind`` is a stable key for code and tests. Which pypsrp, requests, ssl,
socket or XML failure becomes which of them, and every message they carry, is :mod:`.translate`'s job.

Text that comes from the host or the network (fault messages, HTTP bodies, a redirect's Location, command stderr)
goes through :func:`truncate`: whitespace folded to one line and at most ``HOST_TEXT_LIMIT`` (300) characters,
followed by ``... (N characters more)``; host-supplied names (machine, provider, fault subcode) at most
``NAME_LIMIT`` (80).
"""

from __future__ import annotations

from ansible_collections.winremote.remoting.plugins.plugin_utils.errors import WinRemoteError

__all__ = [
    "HOST_TEXT_LIMIT",
    "NAME_LIMIT",
    "WSMAN_TIMED_OUT",
    "AccessDeniedError",
    "AuthenticationFailedError",
    "BasicOverHttpRefusedError",
    "CimMethodError",
    "ConnectionLostError",
    "ConnectionTimeoutError",
    "DeadlineExceededError",
    "HostUnreachableError",
    "InvalidSettingsError",
    "KerberosAuthenticationError",
    "KerberosTargetError",
    "MissingDependencyError",
    "ProtocolError",
    "ProxyFailedError",
    "RedirectRefusedError",
    "ReplyTooLargeError",
    "ServerError",
    "TlsError",
    "WSManFaultError",
    "WinRemoteError",
    "truncate",
]

HOST_TEXT_LIMIT = 300  # characters of host-supplied text (fault messages, HTTP bodies, stderr) kept in a message
NAME_LIMIT = 80  # characters of a host-supplied name (machine, provider, subcode) or a user-given value
WSMAN_TIMED_OUT = 2150858793  # 0x80338029: Receive had no output within OperationTimeout; the client polls again


def truncate(text: str, limit: int = HOST_TEXT_LIMIT) -> str:
    """Text from the host (or any untrusted source) for a one-line message: whitespace folded, at most ``limit``
    characters, then ``... (N characters more)``. Scrub the password *before* truncating, never after."""
    folded = " ".join(text.split())
    if len(folded) <= limit:
        return folded
    return f"{folded[:limit]}... ({len(folded) - limit} characters more)"


class MissingDependencyError(WinRemoteError):
    """A controller-side Python package is missing."""

    kind = "missing_dependency"


class InvalidSettingsError(WinRemoteError):
    """The connection settings cannot work (found before or while building the client)."""

    kind = "invalid_settings"


class HostUnreachableError(WinRemoteError):
    """Nothing answered on the WinRM port: refused, name not resolved, no route."""

    kind = "host_unreachable"


class ConnectionLostError(HostUnreachableError):
    """The host accepted the connection and then dropped it (reset, WinRM restart)."""

    kind = "connection_lost"


class ConnectionTimeoutError(WinRemoteError):
    """No TCP connection, or no answer, within the configured timeout."""

    kind = "timeout"


class AuthenticationFailedError(WinRemoteError):
    """HTTP 401: wrong user/password, or the auth method is disabled on the host."""

    kind = "authentication_failed"


class BasicOverHttpRefusedError(AuthenticationFailedError):
    """HTTP 401 to Basic over plain HTTP: WinRM refuses unencrypted traffic unless AllowUnencrypted."""

    kind = "basic_over_http_refused"


class KerberosTargetError(AuthenticationFailedError):
    """Kerberos found no service principal for the host (an IP address, an alias, a missing SPN)."""

    kind = "kerberos_target"


class KerberosAuthenticationError(AuthenticationFailedError):
    """Kerberos failed on the controller: no ticket, a wrong password, an unreachable KDC, clock skew."""

    kind = "kerberos_authentication"


class AccessDeniedError(WinRemoteError):
    """Authenticated, but the account may not use WinRM (fault code 5 or HTTP 403)."""

    kind = "access_denied"


class TlsError(WinRemoteError):
    """The HTTPS handshake failed, usually an untrusted or mismatched listener certificate."""

    kind = "tls"


class WSManFaultError(WinRemoteError):
    """A WS-Management fault from the service or a provider, with every detail Windows gave."""

    kind = "wsman_fault"

    def __init__(
        self,
        code: int | str | None,
        subcode: str | None,
        machine: str | None,
        text: str | None,
        provider: str | None = None,
        provider_path: str | None = None,
        provider_fault: str | None = None,
    ) -> None:
        self.code = code
        self.subcode = subcode
        self.machine = machine
        self.text = text or ""
        self.provider = provider
        self.provider_path = provider_path
        self.provider_fault = provider_fault
        super().__init__(self.compose())

    def compose(self) -> str:
        """The one-line message; every host-supplied part is truncated (the whole fault text can be megabytes)."""
        source = truncate(self.provider or self.machine or "the WinRM service", NAME_LIMIT)
        detail = self.text or self.provider_fault or "no details returned by the server"
        if self.provider_fault and self.provider_fault not in detail:
            detail = f"{detail} ({self.provider_fault})"
        sub = f" ({truncate(self.subcode, NAME_LIMIT)})" if self.subcode else ""
        code = truncate(str(self.code), NAME_LIMIT)
        return f"WS-Man fault {code}{sub} from {source}: {truncate(detail)}"


class CimMethodError(WinRemoteError):
    """A CIM method ran and returned a non-zero ReturnValue."""

    kind = "cim_method"

    def __init__(self, method: str, code: int, meaning: str, reason: str = "failed") -> None:
        self.method = method
        self.code = code
        self.meaning = meaning
        self.reason = reason  # short stable key: not_found, access_denied, already_running, disabled, ...
        super().__init__(f"CIM method {method} returned {code}: {meaning}")


class ServerError(WinRemoteError):
    """An HTTP status we have no better explanation for."""

    kind = "server_error"

    def __init__(self, message: str, status: int = 0) -> None:
        self.status = status
        super().__init__(message)


class ProtocolError(WinRemoteError):
    """The reply was not the WS-Man we expected (unparseable, wrong shape, mismatched RelatesTo)."""

    kind = "protocol"


class RedirectRefusedError(WinRemoteError):
    """The endpoint answered 3xx: never followed, so credentials and changes cannot land on another host."""

    kind = "redirect"


class DeadlineExceededError(ConnectionTimeoutError):
    """A request or a command ran past its wall-clock deadline (a trickling or endless reply, a command that
    never finishes)."""

    kind = "deadline"


class ReplyTooLargeError(ProtocolError):
    """One reply (headers or body) or one command's output went past its size limit."""

    kind = "too_large"


class ProxyFailedError(HostUnreachableError):
    """The HTTP proxy between this controller and the host failed (refused, unreachable, or a gateway error); the
    host itself was never reached. Same ``kind`` as any unreachable host."""
