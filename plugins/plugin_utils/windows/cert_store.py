# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""LocalMachine\\My, the machine certificate store an HTTPS listener takes its certificate from, read from the
registry over WS-Management, and the rules that make a certificate fit for a listener.

Windows' registry store provider keeps each certificate of ``My`` under
``HKLM\\SOFTWARE\\Microsoft\\SystemCertificates\\MY\\Certificates\\<SHA-1 thumbprint>`` in a REG_BINARY value
``Blob`` (https://itsme.home.xs4all.nl/projects/xda/smartphone-certificates.html, "in subkeys {store
name}\\Certificates\\{SHA-1 hex thumbprint}, in a value named Blob"). The Blob is a serialized certificate, a
sequence of properties ``PropertyID, Reserved, Length`` (three little-endian uint32) + ``Value``: [MS-GPEF]
2.2.1.1.1.1 lists KEY_PROV_INFO 2 (present when a private key is associated), SHA1_HASH 3, ENHKEY_USAGE 9 and
FRIENDLY_NAME 11, a null-terminated UTF-16 string
(https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-gpef/e051aba9-c9df-4f82-a42a-c13012c9d381), and
2.2.1.1.1.2 the certificate element, ``20 00 00 00 01 00 00 00``, a length and the DER
(https://msdn.microsoft.com/en-us/library/46893d6d-bdfe-4ba7-8d7d-b509144e5fee). The property ids are wincrypt.h's
``CERT_*_PROP_ID`` (CertGetCertificateContextProperty,
https://learn.microsoft.com/en-us/windows/win32/api/wincrypt/nf-wincrypt-certgetcertificatecontextproperty).

ASSUMPTION: the properties may come in any order and the reserved field may hold other values than 1, so the
parser accepts both; properties it does not know are skipped. It does not apply an ENHKEY_USAGE property (a
usage restriction set in the store on top of the certificate's own extension).

The store is read with StdRegProv: one EnumKey, then one GetBinaryValue per certificate, each reported on its own:
a Blob that cannot be read or parsed is an :class:`UnreadCertificate`, never left out (an unread certificate is
not an absent one).
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import ipaddress
import re
import struct
import typing as t

from ansible_collections.winremote.remoting.plugins.plugin_utils.errors import WinRemoteError
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import registry
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import errors
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.protocol import Client

try:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    HAS_CRYPTOGRAPHY = True
except ImportError:  # pragma: no cover - exercised only on controllers without cryptography
    HAS_CRYPTOGRAPHY = False

MISSING_CRYPTOGRAPHY = (
    "reading the certificate store needs the Python package cryptography on the controller (pypsrp requires it "
    "too): install it for the Python running Ansible (pip install 'cryptography>=3.1')"
)

STORE_KEY = r"HKLM\SOFTWARE\Microsoft\SystemCertificates\MY\Certificates"
STORE_NAME = "LocalMachine\\My"

KEY_PROV_INFO_PROP_ID = 2
SHA1_HASH_PROP_ID = 3
FRIENDLY_NAME_PROP_ID = 11
CERT_PROP_ID = 0x20

# A certificate with its properties is a few KiB; a Blob beyond this is refused before it is parsed, and so is one
# with more properties than any store writes.
MAX_BLOB_BYTES = 256 * 1024
MAX_PROPERTIES = 256
# Each certificate costs one round trip; a store with more than this is refused rather than read for minutes.
MAX_CERTIFICATES = 500

_HEADER = struct.Struct("<III")
_THUMBPRINT = re.compile(r"^[0-9A-Fa-f]{40}$")
_UTC = datetime.UTC
SERVER_AUTH_OID = "1.3.6.1.5.5.7.3.1"  # id-kp-serverAuth, RFC 5280 4.2.1.12
ANY_EXTENDED_KEY_USAGE_OID = "2.5.29.37.0"  # anyExtendedKeyUsage, RFC 5280 4.2.1.12


class CertStoreError(WinRemoteError):
    """LocalMachine\\My could not be read at all (the key listing failed, or the store is too large)."""

    kind = "cert_store"


class BlobError(CertStoreError, ValueError):
    """A Blob that is not a serialized certificate; the message says what is wrong and where."""

    kind = "cert_blob"


@dataclasses.dataclass(frozen=True)
class StoreCertificate:
    """What a certificate in LocalMachine\\My says about itself and what the store adds (key, friendly name)."""

    thumbprint: str  # upper-case hex SHA-1 of the DER
    subject: str  # RFC 4514
    common_name: str  # the subject's CN, "" when it has none
    dns_names: tuple[str, ...]  # subject alternative names of type DNS
    ip_addresses: tuple[str, ...]  # subject alternative names of type IP address
    issuer: str  # RFC 4514
    not_before: datetime.datetime  # UTC
    not_after: datetime.datetime  # UTC
    server_auth: bool  # Server Authentication EKU, anyExtendedKeyUsage, or no EKU extension (any purpose)
    has_private_key: bool  # the store associates a private key (CERT_KEY_PROV_INFO_PROP_ID)
    friendly_name: str = ""

    @property
    def self_signed(self) -> bool:
        return self.subject == self.issuer


@dataclasses.dataclass(frozen=True)
class UnreadCertificate:
    """A key of the store whose certificate could not be read or parsed, and why."""

    thumbprint: str
    reason: str

    def message(self) -> str:
        return f"certificate {self.thumbprint} of {STORE_NAME} could not be read: {self.reason}"


@dataclasses.dataclass(frozen=True)
class StoreRead:
    """The store as read: every certificate, readable or not."""

    certificates: tuple[StoreCertificate, ...]
    unread: tuple[UnreadCertificate, ...] = ()

    def find(self, thumbprint: str) -> StoreCertificate | UnreadCertificate | None:
        """The entry for a thumbprint (spaces and case ignored, as certlm.msc shows them); None when absent."""
        wanted = normalize_thumbprint(thumbprint)
        entries: list[StoreCertificate | UnreadCertificate] = [*self.certificates, *self.unread]
        return next((entry for entry in entries if entry.thumbprint == wanted), None)


def normalize_thumbprint(text: str) -> str:
    return re.sub(r"[\s:]", "", text).upper()


# --- the Blob ---------------------------------------------------------------------------------------------------------
def properties(blob: bytes) -> dict[int, bytes]:
    """The Blob's properties by id; :class:`BlobError` on a Blob too large, truncated or repeating a property."""
    if len(blob) > MAX_BLOB_BYTES:
        raise BlobError(f"the Blob is {len(blob)} bytes, more than the {MAX_BLOB_BYTES} a certificate needs")
    found: dict[int, bytes] = {}
    offset = 0
    while offset < len(blob):
        if len(blob) - offset < _HEADER.size:
            raise BlobError(f"the Blob ends inside a property header at byte {offset} of {len(blob)}")
        prop_id, _reserved, length = _HEADER.unpack_from(blob, offset)
        start = offset + _HEADER.size
        if length > len(blob) - start:
            raise BlobError(
                f"property {prop_id:#x} at byte {offset} claims {length} bytes, only {len(blob) - start} follow"
            )
        if prop_id in found:
            raise BlobError(f"property {prop_id:#x} appears twice")
        if len(found) >= MAX_PROPERTIES:
            raise BlobError(f"the Blob has more than {MAX_PROPERTIES} properties")
        found[prop_id] = blob[start : start + length]
        offset = start + length
    return found


def parse_blob(blob: bytes, thumbprint: str | None = None) -> StoreCertificate:
    """A store certificate from its serialized form; ``thumbprint`` (the registry key's name), when given, must be
    the certificate's. Raises :class:`BlobError` with what is wrong (:class:`CertStoreError` without cryptography)."""
    if not HAS_CRYPTOGRAPHY:
        raise CertStoreError(MISSING_CRYPTOGRAPHY)
    props = properties(blob)
    der = props.get(CERT_PROP_ID)
    if not der:
        raise BlobError("the Blob holds no certificate (property 0x20 CERT_CERT_PROP_ID)")
    actual = hashlib.sha1(der).hexdigest().upper()  # a thumbprint is the SHA-1 of the DER
    stored_hash = props.get(SHA1_HASH_PROP_ID)
    if stored_hash is not None and stored_hash.hex().upper() != actual:
        raise BlobError(f"its SHA-1 property {stored_hash.hex().upper()} is not the certificate's hash {actual}")
    if thumbprint is not None and normalize_thumbprint(thumbprint) != actual:
        raise BlobError(f"it holds certificate {actual}, not the {normalize_thumbprint(thumbprint)} its key names")
    try:
        cert = x509.load_der_x509_certificate(der)
        return _describe(cert, actual, KEY_PROV_INFO_PROP_ID in props, _friendly_name(props))
    except (ValueError, TypeError) as exc:  # cryptography raises ValueError for DER it cannot parse
        raise BlobError(f"its certificate is not valid DER X.509: {exc}") from None


def _friendly_name(props: dict[int, bytes]) -> str:
    raw = props.get(FRIENDLY_NAME_PROP_ID, b"")
    text = raw[: len(raw) - len(raw) % 2].decode("utf-16-le", "replace")
    return text.split("\0", 1)[0]


def _describe(cert: x509.Certificate, thumbprint: str, has_key: bool, friendly_name: str) -> StoreCertificate:
    extensions = cert.extensions  # parsing every extension here raises ValueError on a malformed one
    try:
        usages = extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        server_auth = any(u.dotted_string in (SERVER_AUTH_OID, ANY_EXTENDED_KEY_USAGE_OID) for u in usages)
    except x509.ExtensionNotFound:
        server_auth = True  # no EKU extension: every purpose (RFC 5280 4.2.1.12)
    try:
        san = extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        dns = tuple(san.get_values_for_type(x509.DNSName))
        ips = tuple(str(a) for a in san.get_values_for_type(x509.IPAddress))
    except x509.ExtensionNotFound:
        dns, ips = (), ()
    cns = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    common_name = cns[0].value if cns else ""
    return StoreCertificate(
        thumbprint=thumbprint,
        subject=cert.subject.rfc4514_string(),
        common_name=common_name if isinstance(common_name, str) else common_name.decode("utf-8", "replace"),
        dns_names=dns,
        ip_addresses=ips,
        issuer=cert.issuer.rfc4514_string(),
        not_before=_utc(cert, "not_valid_before"),
        not_after=_utc(cert, "not_valid_after"),
        server_auth=server_auth,
        has_private_key=has_key,
        friendly_name=friendly_name,
    )


def _utc(cert: x509.Certificate, name: str) -> datetime.datetime:
    """cryptography 42+ has ``*_utc``; older versions give naive datetimes in UTC."""
    aware = getattr(cert, name + "_utc", None)
    if isinstance(aware, datetime.datetime):
        return aware
    naive = getattr(cert, name)
    return t.cast(datetime.datetime, naive).replace(tzinfo=_UTC)


# --- the read ---------------------------------------------------------------------------------------------------------
def read_store(client: Client) -> StoreRead:
    """LocalMachine\\My through StdRegProv: one EnumKey, one GetBinaryValue per certificate.

    A store key that does not exist is an empty store (StdRegProv answers not found for it); any other failure to
    list the keys raises :class:`CertStoreError`. A certificate whose Blob cannot be fetched or parsed is reported
    in ``unread`` with the reason. Connection failures propagate: then nothing was read."""
    if not HAS_CRYPTOGRAPHY:
        raise CertStoreError(MISSING_CRYPTOGRAPHY)
    hive, sub_key = registry.split_path(STORE_KEY)
    try:
        listed = client.invoke(
            registry.STDREGPROV_URI, "EnumKey", {"hDefKey": hive, "sSubKeyName": sub_key}, types={"sNames": "str[]"}
        )
    except errors.CimMethodError as exc:
        if exc.reason == "not_found":
            return StoreRead(())
        raise CertStoreError(f"{STORE_NAME} could not be listed ({STORE_KEY}): {exc}") from None
    names = listed.get("sNames") or []
    if not isinstance(names, list):
        names = [names]
    if len(names) > MAX_CERTIFICATES:
        raise CertStoreError(
            f"{STORE_NAME} holds {len(names)} certificates, more than the {MAX_CERTIFICATES} this read is for"
        )
    certificates: list[StoreCertificate] = []
    unread: list[UnreadCertificate] = []
    for name in names:
        entry = _read_one(client, hive, sub_key, str(name))
        (certificates if isinstance(entry, StoreCertificate) else unread).append(entry)  # type: ignore[arg-type]
    return StoreRead(tuple(certificates), tuple(unread))


def _read_one(client: Client, hive: int, sub_key: str, name: str) -> StoreCertificate | UnreadCertificate:
    if not _THUMBPRINT.match(name):
        return UnreadCertificate(name, "the key's name is not a SHA-1 thumbprint (40 hexadecimal digits)")
    try:
        out = client.invoke(
            registry.STDREGPROV_URI,
            "GetBinaryValue",
            {"hDefKey": hive, "sSubKeyName": f"{sub_key}\\{name}", "sValueName": "Blob"},
            types={"uValue": "int[]"},
        )
    except errors.CimMethodError as exc:
        return UnreadCertificate(name.upper(), f"GetBinaryValue of its Blob failed: {exc.meaning}")
    values = out.get("uValue")
    if not isinstance(values, list) or not all(isinstance(b, int) and 0 <= b <= 255 for b in values):
        return UnreadCertificate(name.upper(), "GetBinaryValue returned no byte array for its Blob")
    if len(values) > MAX_BLOB_BYTES:
        return UnreadCertificate(name.upper(), f"its Blob is {len(values)} bytes, more than {MAX_BLOB_BYTES}")
    try:
        return parse_blob(bytes(values), name)
    except BlobError as exc:
        return UnreadCertificate(name.upper(), str(exc))


# --- fitness for a listener -------------------------------------------------------------------------------------------
def _names(cert: StoreCertificate) -> tuple[str, ...]:
    """The DNS names a TLS client checks: the SAN's DNS names, or the CN when there are none (RFC 6125 6.4.4)."""
    if cert.dns_names:
        return cert.dns_names
    return (cert.common_name,) if cert.common_name else ()


def _label_match(pattern: str, hostname: str) -> bool:
    """RFC 6125 6.4.3: a wildcard only as the whole left-most label, matching exactly one label; a pattern must
    keep two labels after it (``*.example.com``, never ``*.com``)."""
    pattern, hostname = pattern.rstrip(".").lower(), hostname.rstrip(".").lower()
    if not pattern.startswith("*."):
        return "*" not in pattern and pattern == hostname
    suffix = pattern[2:]
    if "*" in suffix or suffix.count(".") < 1:
        return False
    head, dot, rest = hostname.partition(".")
    return bool(head) and bool(dot) and rest == suffix


def matches(cert: StoreCertificate, hostname: str) -> bool:
    """Whether a client connecting by ``hostname`` (a DNS name or an IP address) accepts the certificate's name."""
    try:
        address = ipaddress.ip_address(hostname.strip("[]"))
    except ValueError:
        return any(_label_match(name, hostname) for name in _names(cert))
    return any(ipaddress.ip_address(a) == address for a in cert.ip_addresses)


def problems(cert: StoreCertificate, hostname: str, now: datetime.datetime) -> list[str]:
    """Why ``cert`` cannot serve an HTTPS listener reached as ``hostname`` at ``now``, each saying what to do;
    empty when it can."""
    found: list[str] = []
    if now < cert.not_before:
        found.append(
            f"certificate {cert.thumbprint} is not valid before {cert.not_before:%Y-%m-%d %H:%M} UTC: wait until "
            "then, or check the host's clock"
        )
    if now > cert.not_after:
        found.append(
            f"certificate {cert.thumbprint} expired on {cert.not_after:%Y-%m-%d %H:%M} UTC: renew it and point the "
            "listener at the new certificate's thumbprint"
        )
    if not cert.has_private_key:
        found.append(
            f"certificate {cert.thumbprint} has no private key in {STORE_NAME}: import it together with its key "
            "(a .pfx), or pick a certificate that has one"
        )
    if not cert.server_auth:
        found.append(
            f"certificate {cert.thumbprint} is not for Server Authentication ({SERVER_AUTH_OID}) by its Enhanced "
            "Key Usage: issue one whose template includes Server Authentication"
        )
    if not matches(cert, hostname):
        names = ", ".join((*_names(cert), *cert.ip_addresses)) or "no name"
        found.append(
            f"certificate {cert.thumbprint} names {names}, not {hostname}: issue one whose subject alternative "
            f"name (or CN, when it has none) is {hostname}"
        )
    return found


def select(certs: t.Iterable[StoreCertificate], hostname: str, now: datetime.datetime) -> StoreCertificate | None:
    """The certificate an HTTPS listener for ``hostname`` should use: among those without :func:`problems`, the
    newest (latest not_before; then the one valid longest; then the thumbprint, so the choice is stable)."""
    usable = [c for c in certs if not problems(c, hostname, now)]
    if not usable:
        return None
    return max(usable, key=lambda c: (c.not_before, c.not_after, c.thumbprint))
