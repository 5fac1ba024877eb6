# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""NTLM and Kerberos LDAP binds through SASL GSS-SPNEGO, with sealing, on an ldap3 connection.

Why not ldap3's own: its NTLM bind is Microsoft's "Sicily" bind, which Samba's AD DC does not implement
(https://github.com/cannatag/ldap3/issues/836), and its released GSSAPI bind authenticates only, with no security
layer (ldap3 2.9.1, ``ldap3/protocol/sasl/kerberos.py``); a DC that requires LDAP signing refuses both over plain
LDAP. GSS-SPNEGO (pyspnego) gives both protocols the signing and sealing AD negotiates from the context flags
([MS-ADTS] 5.1.1.1.2, https://learn.microsoft.com/openspecs/windows_protocols/ms-adts/).

Over plain LDAP every message after the bind is sealed: a 4-byte big-endian length, then the GSS wrap token
(RFC 4752 section 3.1's SASL buffer framing, which AD also uses for GSS-SPNEGO). Over TLS (LDAPS or StartTLS) the
context asks for no integrity, as AD refuses a second protection layer inside TLS, and carries the TLS channel
binding (``tls-server-end-point``, RFC 5929) so a DC that enforces LDAP channel binding accepts it.
"""

from __future__ import annotations

import socket
import ssl
import typing as t

try:
    import spnego
    import spnego.channel_bindings
    import spnego.exceptions
except ImportError as exc:  # pragma: no cover - pyspnego is a requirement of the collection
    SPNEGO_IMPORT_ERROR: ImportError | None = exc
else:
    SPNEGO_IMPORT_ERROR = None

MAX_SASL_BUFFER = 16 * 1024 * 1024  # AD's own default maximum is 10 MB (MaxReceiveBuffer, ldap policies)
RESULT_SUCCESS = 0
RESULT_SASL_BIND_IN_PROGRESS = 14
MAX_ROUNDS = 8  # NTLM needs 2 bind requests, Kerberos 1 (2 with SPNEGO's mechListMIC); never loop forever


class BindFailure(Exception):
    """The bind did not succeed: ``result`` is the LDAP result code (None for a client-side failure)."""

    def __init__(self, message: str, result: int | None = None) -> None:
        super().__init__(message)
        self.result = result


def tls_server_end_point(certificate: bytes) -> bytes | None:
    """RFC 5929 section 4.1's channel binding data: the certificate's hash with its signature's hash algorithm,
    SHA-256 in place of MD5 and SHA-1; None for an algorithm it does not define (EdDSA)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    cert = x509.load_der_x509_certificate(certificate)
    algorithm = cert.signature_hash_algorithm
    if algorithm is None:
        return None
    if algorithm.name in ("md5", "sha1"):
        algorithm = hashes.SHA256()
    digest = hashes.Hash(algorithm)
    digest.update(certificate)
    return b"tls-server-end-point:" + digest.finalize()


class SealedSocket:
    """The connection's socket as ldap3 sees it once the bind sealed the session: ``sendall`` wraps one LDAP
    message into one SASL buffer, ``recv`` returns unwrapped bytes. Everything else is the real socket's (its
    timeout bounds every read)."""

    def __init__(self, sock: socket.socket, context: t.Any) -> None:
        self._sock = sock
        self._context = context
        self._plain = bytearray()

    def sendall(self, data: bytes) -> None:
        wrapped = self._context.wrap(bytes(data), encrypt=True).data
        self._sock.sendall(len(wrapped).to_bytes(4, "big") + wrapped)

    def recv(self, size: int) -> bytes:
        while not self._plain:
            length = int.from_bytes(self._read_exact(4), "big")
            if length > MAX_SASL_BUFFER:
                raise OSError(f"the server sent a SASL buffer of {length} bytes, more than {MAX_SASL_BUFFER}")
            result = self._context.unwrap(self._read_exact(length))
            if not result.encrypted:
                raise OSError("the server sent a message that is not sealed")
            self._plain += result.data
        chunk = bytes(self._plain[:size])
        del self._plain[:size]
        return chunk

    def _read_exact(self, size: int) -> bytes:
        data = bytearray()
        while len(data) < size:
            chunk = self._sock.recv(min(size - len(data), 65536))
            if not chunk:
                raise OSError("the server closed the connection")
            data += chunk
        return bytes(data)

    def __getattr__(self, name: str) -> t.Any:
        return getattr(self._sock, name)


def bind(
    connection: t.Any,
    protocol: str,
    hostname: str,
    username: str | None = None,
    password: str | None = None,
) -> bool:
    """Bind ``connection`` (open, TLS already started if wanted) with ``protocol`` (``ntlm`` or ``kerberos``)
    for the service ``ldap/<hostname>``; without ``username`` and ``password`` Kerberos uses the ticket cache
    (KRB5CCNAME). Returns whether the session is sealed (always outside TLS, never inside). Raises
    :class:`BindFailure`."""
    if SPNEGO_IMPORT_ERROR is not None:
        raise BindFailure(f"pyspnego is not installed ({SPNEGO_IMPORT_ERROR}); pip install pyspnego")
    from ldap3.operation.bind import bind_operation

    tls = isinstance(connection.socket, ssl.SSLSocket)
    seal = not tls
    request = spnego.ContextReq.mutual_auth
    if not seal:
        request |= spnego.ContextReq.no_integrity
    else:
        request |= spnego.ContextReq.sequence_detect | spnego.ContextReq.integrity | spnego.ContextReq.confidentiality
    bindings = None
    if tls:
        data = tls_server_end_point(connection.socket.getpeercert(True))
        if data:
            bindings = spnego.channel_bindings.GssChannelBindings(application_data=data)
    try:
        context = spnego.client(
            username=username,
            password=password,
            hostname=hostname,
            service="ldap",
            context_req=request,
            protocol=protocol,
        )
        token: bytes | None = None
        for _unused in range(MAX_ROUNDS):
            out = context.step(in_token=token, channel_bindings=bindings)
            if out is None and context.complete:
                break
            ldap_request = bind_operation(connection.version, "SASL", None, None, "GSS-SPNEGO", out or b"")
            connection.post_send_single_response(connection.send("bindRequest", ldap_request, None))
            result = connection.result or {}
            code = result.get("result")
            if code not in (RESULT_SUCCESS, RESULT_SASL_BIND_IN_PROGRESS):
                raise BindFailure(
                    f"{result.get('description', 'bind refused')}: {str(result.get('message', '')).strip()}", code
                )
            token = result.get("saslCreds") or None
            if code == RESULT_SUCCESS:
                if token and not context.complete:
                    context.step(in_token=token, channel_bindings=bindings)
                break
    except spnego.exceptions.SpnegoError as exc:
        raise BindFailure(f"{protocol}: {exc}") from None
    except (ValueError, ImportError) as exc:  # pyspnego without Kerberos support (no gssapi/krb5)
        hint = "; Kerberos needs pip install 'pyspnego[kerberos]'" if protocol == "kerberos" else ""
        raise BindFailure(f"{protocol}: {exc}{hint}") from None
    if not context.complete:
        raise BindFailure(f"{protocol}: the bind did not complete in {MAX_ROUNDS} rounds")
    if seal and not context.context_attr & spnego.ContextReq.confidentiality:
        raise BindFailure(f"{protocol}: the server did not agree to seal the session")
    connection.bound = True
    if not seal:
        return False
    connection.socket = SealedSocket(connection.socket, context)
    return True
