# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""HTTP authentication and message encryption as WinRM does it: Basic, and NTLM/Negotiate via pyspnego.

pyspnego's NTLM acceptor checks passwords against the file named by ``NTLM_USER_FILE`` (``DOMAIN:USER:PASSWORD``
lines).  It reads the variable and the file at each Authenticate message and matches the domain and user the
client sent, both case-insensitively, so every spelling a client may use (no domain, ``.``, the host name, the
domain name, a UPN) needs its own line.  One process-wide file serves every simulated host; after the handshake
the transport checks that the account exists on the host that was asked.
"""

from __future__ import annotations

import atexit
import base64
import binascii
import os
import re
import struct
import tempfile
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import spnego
import spnego.channel_bindings

SPNEGO_ENCRYPTED = "application/HTTP-SPNEGO-session-encrypted"
BOUNDARY = b"--Encrypted Boundary"
ENCRYPTED_CONTENT_TYPE = f'multipart/encrypted;protocol="{SPNEGO_ENCRYPTED}";boundary="Encrypted Boundary"'

Account = tuple[str, str, str]  # (domain, user, password); domain is the host name for local accounts


class AuthError(Exception):
    """The credentials or token were rejected: the caller answers 401."""


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


class CredentialFile:
    """The process-wide NTLM_USER_FILE: the union of every registered host's accounts.

    When two hosts have the same account spelling with different passwords the first registered host wins
    (pyspnego uses the first matching line); fleets use the same passwords on every host.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sources: dict[int, list[str]] = {}
        self._path: Path | None = None
        self._written: str | None = None

    @property
    def path(self) -> Path:
        with self._lock:
            return self._ensure_path()

    def _ensure_path(self) -> Path:
        if self._path is None:
            fd, name = tempfile.mkstemp(prefix="winsim-ntlm-", suffix=".txt")
            os.close(fd)
            self._path = Path(name)
            os.environ["NTLM_USER_FILE"] = name
            atexit.register(self._path.unlink, missing_ok=True)
        return self._path

    def update(self, key: int, lines: list[str]) -> None:
        """Set one host's lines and rewrite the file when the union changed."""
        with self._lock:
            self._sources[key] = lines
            self._write()

    def holds(self, key: int) -> bool:
        """Whether a host's accounts are in the file now."""
        with self._lock:
            return key in self._sources

    def remove(self, key: int) -> None:
        with self._lock:
            self._sources.pop(key, None)
            self._write()

    def _write(self) -> None:
        path = self._ensure_path()
        text = "\n".join(dict.fromkeys(line for lines in self._sources.values() for line in lines)) + "\n"
        os.environ["NTLM_USER_FILE"] = str(path)  # something else in the process may have changed it
        if text == self._written:
            return
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.chmod(0o600)
        os.replace(tmp, path)  # atomic: an acceptor reading concurrently sees the old or the new file
        self._written = text


CREDENTIALS = CredentialFile()


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
    """One security context: the handshake legs, then sealing of message bodies (one per TCP connection)."""

    def __init__(self, cbt_hash: bytes | None) -> None:
        bindings = None
        if cbt_hash is not None:
            bindings = spnego.channel_bindings.GssChannelBindings(application_data=b"tls-server-end-point:" + cbt_hash)
        try:
            self._ctx: Any = spnego.server(protocol="negotiate", channel_bindings=bindings)
        except spnego.exceptions.SpnegoError as err:
            raise AuthError(str(err)) from err

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
            out: bytes | None = self._ctx.step(token)
        except (spnego.exceptions.SpnegoError, ValueError, struct.error) as err:
            raise AuthError(str(err)) from err
        return out

    def principal(self) -> tuple[str, str]:
        """(domain, user) as the client sent them."""
        return split_account(str(self._ctx.client_principal or ""))

    @property
    def negotiated_protocol(self) -> str:
        return str(self._ctx.negotiated_protocol or "ntlm")

    def unwrap_body(self, body: bytes) -> bytes:
        """Decrypt a ``multipart/encrypted`` body (the framing pypsrp's WinRMEncryption writes)."""
        return unwrap_message(body, self._ctx.unwrap_winrm)

    def wrap_body(self, data: bytes) -> bytes:
        res = self._ctx.wrap_winrm(data)
        return wrap_message(data, res.header, res.data, res.padding_length)


def wrap_message(plain: bytes, header: bytes, sealed: bytes, padding: int) -> bytes:
    """Frame one sealed SOAP message as WinRM does."""
    head = b"\r\n".join(
        [
            BOUNDARY,
            b"\tContent-Type: " + SPNEGO_ENCRYPTED.encode(),
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
