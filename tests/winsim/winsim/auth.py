# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""HTTP authentication and message encryption as WinRM does it: Basic, and NTLM/Kerberos/Negotiate via pyspnego.

pyspnego's NTLM acceptor checks passwords against the file named by ``NTLM_USER_FILE`` (``DOMAIN:USER:PASSWORD``
lines).  It reads the variable and the file at each Authenticate message and matches the domain and user the
client sent, both case-insensitively, so every spelling a client may use (no domain, ``.``, the host name, the
domain name, a UPN) needs its own line.  Each running host has its own file (``CredentialIndex``), rewritten only
when its accounts change; after the handshake the transport also checks that the account exists on the host.

Kerberos (``Authorization: Kerberos``, or a Kerberos token inside ``Negotiate``, SPNEGO-wrapped or a raw krb5
AP-REQ) goes through pyspnego's GSSAPI acceptor with the keys of ``winsim.kerberos.ACCEPTOR_KEYTAB``.
"""

from __future__ import annotations

import atexit
import base64
import binascii
import contextlib
import os
import re
import shutil
import struct
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import spnego
import spnego.channel_bindings

SPNEGO_ENCRYPTED = "application/HTTP-SPNEGO-session-encrypted"
# A context begun with "Authorization: Kerberos" seals messages under this protocol (MS-WSMV 2.2.9.1.2.1,
# https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-wsmv/b79927c2-96be-4801-aa68-180db95593f9)
KERBEROS_ENCRYPTED = "application/HTTP-Kerberos-session-encrypted"
BOUNDARY = b"--Encrypted Boundary"
ENCRYPTED_CONTENT_TYPE = f'multipart/encrypted;protocol="{SPNEGO_ENCRYPTED}";boundary="Encrypted Boundary"'
# HTTP scheme -> pyspnego acceptor protocol
SCHEME_PROTOCOLS = {"negotiate": "negotiate", "kerberos": "kerberos"}


def encrypted_content_type(protocol: str) -> str:
    """The multipart Content-Type of a reply sealed with ``protocol`` (the one the request used)."""
    return f'multipart/encrypted;protocol="{protocol}";boundary="Encrypted Boundary"'


def request_protocol(content_type: str) -> str:
    """The sealing protocol a multipart request names; WinRM answers in the same one."""
    return KERBEROS_ENCRYPTED if KERBEROS_ENCRYPTED.lower() in content_type.lower() else SPNEGO_ENCRYPTED


Account = tuple[str, str, str]  # (domain, user, password); domain is the host name for local accounts


class AuthError(Exception):
    """The credentials or token were rejected: the caller answers 401."""


@dataclass(frozen=True)
class Authenticated:
    """One completed authentication of a connection, as the host records it (tests read the mechanism)."""

    scheme: str  # the HTTP scheme: "Basic" | "Negotiate" | "Kerberos"
    mechanism: str  # what authenticated inside it: "basic" | "ntlm" | "kerberos"
    user: str
    domain: str
    target: str = ""  # Kerberos: the service principal the ticket was for


# --- the NTLM credential file ---------------------------------------------------------------------------------


def credential_lines(accounts: Iterable[Account], hostname: str) -> list[str]:
    """The spellings a client may send for each account, one ``DOMAIN:USER:PASSWORD`` line each.

    Local accounts come first so that an unqualified name finds the local account before a domain account of
    the same name, as LSA resolves it.
    """
    local: list[str] = []
    remote: list[str] = []
    for domain, user, password in accounts:
        if domain.upper() == hostname.upper():
            spellings = [(domain, user), (domain.upper(), user), ("", user), (".", user)]
            local += [f"{d}:{u}:{password}" for d, u in spellings]
        else:
            spellings = [(domain, user), (domain.upper(), user), ("", f"{user}@{domain}"), ("", user)]
            remote += [f"{d}:{u}:{password}" for d, u in spellings]
    return list(dict.fromkeys(local + remote))


class CredentialIndex:
    """One NTLM credential file per running host, written when the host starts or its accounts change.

    pyspnego reads ``NTLM_USER_FILE`` while it checks an Authenticate message; every acceptor step runs under
    ``STEP_LOCK`` with the variable naming the asked host's own file, so each host checks only its own accounts
    and no request ever rebuilds a process-wide union.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._directory: Path | None = None
        self._lines: dict[int, tuple[str, ...]] = {}

    def _ensure_directory(self) -> Path:
        if self._directory is None:
            self._directory = Path(tempfile.mkdtemp(prefix="winsim-ntlm-"))
            (self._directory / "none.txt").write_text("", encoding="utf-8")
            atexit.register(shutil.rmtree, self._directory, True)
        return self._directory

    def update(self, key: int, lines: Iterable[str]) -> None:
        """Set one host's lines; the file is rewritten only when they changed."""
        wanted = tuple(lines)
        with self._lock:
            if self._lines.get(key) == wanted:
                return
            path = self._ensure_directory() / f"{key}.txt"
            tmp = path.with_suffix(".tmp")
            tmp.write_text("\n".join(wanted) + "\n", encoding="utf-8")
            tmp.chmod(0o600)
            os.replace(tmp, path)  # atomic: an acceptor reading concurrently sees the old or the new file
            self._lines[key] = wanted

    def holds(self, key: int) -> bool:
        """Whether a host's accounts are published now."""
        with self._lock:
            return key in self._lines

    def remove(self, key: int) -> None:
        with self._lock:
            if self._lines.pop(key, None) is not None and self._directory is not None:
                (self._directory / f"{key}.txt").unlink(missing_ok=True)

    def path(self, key: int) -> Path:
        """The host's file, or an empty one when the host is not running (every password is then wrong)."""
        with self._lock:
            directory = self._ensure_directory()
            return directory / (f"{key}.txt" if key in self._lines else "none.txt")


CREDENTIALS = CredentialIndex()
STEP_LOCK = threading.Lock()  # NTLM_USER_FILE is process-wide: one acceptor step at a time


# --- headers ------------------------------------------------------------------------------------------------


def challenge_headers(basic: bool, negotiate: bool, kerberos: bool, credssp: bool) -> list[str]:
    """``WWW-Authenticate`` values of a 401, one header each, in the order WinRM sends them."""
    offered = []
    if negotiate:
        offered.append("Negotiate")
    if kerberos:
        offered.append("Kerberos")
    if basic:
        offered.append('Basic realm="WSMAN"')
    if credssp:
        offered.append("CredSSP")
    return offered


def parse_authorization(value: str | None) -> tuple[str, str] | None:
    """``"Negotiate abc="`` -> ``("negotiate", "abc=")``."""
    if not value:
        return None
    scheme, _sep, payload = value.strip().partition(" ")
    return scheme.lower(), payload.strip()


def split_account(name: str) -> tuple[str, str]:
    """``DOMAIN\\user`` / ``user@domain`` / ``user`` -> (domain, user)."""
    if "\\" in name:
        domain, user = name.split("\\", 1)
        return domain, user
    if "@" in name:
        user, domain = name.split("@", 1)
        return domain, user
    return "", name


def decode_basic(payload: str) -> tuple[str, str, str]:
    """Basic credentials -> (domain, user, password)."""
    try:
        text = base64.b64decode(payload, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as err:
        raise AuthError("malformed Basic credentials") from err
    name, sep, password = text.partition(":")
    if not sep or not name:
        raise AuthError("malformed Basic credentials")
    domain, user = split_account(name)
    return domain, user, password


# --- NTLM / Negotiate ---------------------------------------------------------------------------------------


class NegotiateAcceptor:
    """One security context: the handshake legs, then sealing of message bodies (one per TCP connection).

    ``protocol`` is "negotiate" (SPNEGO, or a raw NTLM or Kerberos token) for ``Authorization: Negotiate`` and
    "kerberos" for ``Authorization: Kerberos``."""

    def __init__(
        self, cbt_hash: bytes | None, credential_file: Path | None = None, protocol: str = "negotiate"
    ) -> None:
        bindings = None
        if cbt_hash is not None:
            bindings = spnego.channel_bindings.GssChannelBindings(application_data=b"tls-server-end-point:" + cbt_hash)
        self._store = credential_file
        self.protocol = protocol
        try:
            with self._using_store():
                self._ctx: Any = spnego.server(protocol=protocol, channel_bindings=bindings)
        except (spnego.exceptions.SpnegoError, ImportError) as err:  # ImportError: no gssapi for Kerberos
            raise AuthError(str(err)) from err

    @contextlib.contextmanager
    def _using_store(self) -> Iterator[None]:
        """Point pyspnego at this host's credential file for one step."""
        with STEP_LOCK:
            if self._store is not None:
                os.environ["NTLM_USER_FILE"] = str(self._store)
            yield

    @property
    def complete(self) -> bool:
        return bool(self._ctx.complete)

    def step(self, payload: str) -> bytes | None:
        """Consume the client's token; return the token for ``WWW-Authenticate`` (None when nothing to send)."""
        try:
            token = base64.b64decode(payload, validate=True)
        except binascii.Error as err:
            raise AuthError("malformed Negotiate token") from err
        try:
            with self._using_store():
                out: bytes | None = self._ctx.step(token)
        except Exception as err:  # pyspnego and GSSAPI raise many types for a bad token; each is a refusal
            raise AuthError(f"{type(err).__name__}: {err}") from err
        return out

    def principal(self) -> tuple[str, str]:
        """(domain, user) as the client sent them."""
        return split_account(self.client_principal())

    def client_principal(self) -> str:
        """The authenticated name: ``DOMAIN\\user`` for NTLM, ``user@REALM`` for Kerberos."""
        return str(self._ctx.client_principal or "").rstrip("\x00")

    @property
    def negotiated_protocol(self) -> str:
        """ "kerberos" or "ntlm" (what the Negotiate context chose)."""
        return str(self._ctx.negotiated_protocol or "ntlm")

    def kerberos_target(self) -> str | None:
        """The service principal a completed Kerberos context's ticket was for (``HTTP/name@REALM``), or None.

        pyspnego does not expose the acceptor's name; it is read from the GSSAPI context beneath (its Negotiate
        proxy keeps the chosen mechanism's context in ``_context``). With the default keytab MIT krb5 names the
        keytab entry that decrypted the ticket, so any SPN of the computer account that owns the key (often
        ``HOST/<short name>``, the first of its entries) stands for it."""
        inner: Any = self._ctx
        for _unused in range(3):  # NegotiateProxy -> GSSAPIProxy -> gssapi.SecurityContext
            if type(inner).__module__.split(".")[0] == "gssapi":
                break
            inner = getattr(inner, "_context", None)
        else:
            return None
        try:
            name = inner.target_name
        except Exception:  # an incomplete or foreign context has no name
            return None
        return str(name).rstrip("\x00") if name is not None else None

    def unwrap_body(self, body: bytes) -> bytes:
        """Decrypt a ``multipart/encrypted`` body (the framing pypsrp's WinRMEncryption writes)."""
        return unwrap_message(body, self._ctx.unwrap_winrm)

    def wrap_body(self, data: bytes, protocol: str = SPNEGO_ENCRYPTED) -> bytes:
        res = self._ctx.wrap_winrm(data)
        return wrap_message(data, res.header, res.data, res.padding_length, protocol)


def wrap_message(plain: bytes, header: bytes, sealed: bytes, padding: int, protocol: str = SPNEGO_ENCRYPTED) -> bytes:
    """Frame one sealed SOAP message as WinRM does."""
    head = b"\r\n".join(
        [
            BOUNDARY,
            b"\tContent-Type: " + protocol.encode(),
            b"\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=%d" % (len(plain) + padding),
            BOUNDARY,
            b"\tContent-Type: application/octet-stream",
            b"",
        ]
    )
    return head + struct.pack("<i", len(header)) + header + sealed + BOUNDARY + b"--\r\n"


_PART = re.compile(rb"--\s*Encrypted Boundary\r\n")
_LENGTH = re.compile(rb"Length=(\d+)")


def unwrap_message(body: bytes, unwrap: Callable[[bytes, bytes], bytes]) -> bytes:
    """Undo :func:`wrap_message` (several parts allowed), checking each part's declared length."""
    parts = [p for p in _PART.split(body) if p]
    if len(parts) < 2 or len(parts) % 2:
        raise AuthError("malformed encrypted body")
    plain = b""
    for meta, payload in zip(parts[0::2], parts[1::2], strict=True):
        found = _LENGTH.search(meta)
        if not found:
            raise AuthError("encrypted part without OriginalContent length")
        payload = re.sub(rb"--\s*Encrypted Boundary--\r\n$", b"", payload)
        payload = payload.replace(b"\tContent-Type: application/octet-stream\r\n", b"", 1)
        if len(payload) < 4:
            raise AuthError("truncated encrypted part")
        header_len = struct.unpack("<i", payload[:4])[0]
        header, sealed = payload[4 : 4 + header_len], payload[4 + header_len :]
        try:
            data = unwrap(header, sealed)
        except Exception as err:
            raise AuthError(f"cannot decrypt message: {err}") from err
        if len(data) != int(found.group(1)):
            raise AuthError("decrypted length does not match OriginalContent")
        plain += data
    return plain
