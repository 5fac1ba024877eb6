# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""LocalMachine\\My, kept where Windows keeps it: in the registry, one key per certificate.

Windows' registry certificate store provider keeps each certificate of a system store under
``HKLM\\SOFTWARE\\Microsoft\\SystemCertificates\\<store>\\Certificates\\<SHA-1 thumbprint>`` in a REG_BINARY value
``Blob`` (https://itsme.home.xs4all.nl/projects/xda/smartphone-certificates.html: "in subkeys {store
name}\\Certificates\\{SHA-1 hex thumbprint}, in a value named Blob"; the provider's registry root is
``Software\\Microsoft\\SystemCertificates``). The Blob is a serialized certificate: a sequence of properties, each
``PropertyID (uint32 LE), Reserved (uint32 LE), Length (uint32 LE), Value`` ([MS-GPEF] 2.2.1.1.1.1 "Certificate
BLOB Properties", https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-gpef/e051aba9-c9df-4f82-a42a-c13012c9d381:
KEY_PROV_INFO 2, SHA1_HASH 3, FRIENDLY_NAME 11 as a null-terminated UTF-16 string, ...), ending with the certificate
itself, whose header is ``20 00 00 00 01 00 00 00`` (property 0x20, reserved 1), a length and the DER ([MS-GPEF]
2.2.1.1.1.2 "Certificate BLOB Encoding", https://msdn.microsoft.com/en-us/library/46893d6d-bdfe-4ba7-8d7d-b509144e5fee;
[MS-OSHARED] 2.3.2.5.4 CertStoreCertificateGroup: properties until the element with id 0x20, the certificate).

So the store IS the registry here: deleting the key removes the certificate. The private key is not in the
registry on Windows either (it lives under MachineKeys); the simulator keeps it as a PEM file beside the host's
state (``key_path``), and the KEY_PROV_INFO property marks that a certificate has one.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from winsim.registry import Registry, RegistryError

STORE_KEY = r"HKLM\SOFTWARE\Microsoft\SystemCertificates\MY\Certificates"
BLOB = "Blob"

KEY_PROV_INFO_PROP_ID = 2
SHA1_HASH_PROP_ID = 3
FRIENDLY_NAME_PROP_ID = 11
CERT_PROP_ID = 0x20
RESERVED = 1  # [MS-GPEF] 2.2.1.1.1.2: the certificate element's reserved field is 1 (X509_ASN_ENCODING)
_HEADER = struct.Struct("<III")

# ASSUMPTION: the layout of the KEY_PROV_INFO value (a serialized CRYPT_KEY_PROV_INFO: offsets of the container
# and provider names, provider type, flags, parameter count and offset, key spec, then the UTF-16LE strings) is
# modelled on the structure's fields; readers here and on the controller only test that the property is present.
PROVIDER = "Microsoft Software Key Storage Provider"


@dataclass(frozen=True)
class StoredCertificate:
    """One entry of LocalMachine\\My as its Blob holds it."""

    thumbprint: str  # upper-case hex SHA-1 of the DER, the registry key's name
    der: bytes
    has_private_key: bool  # KEY_PROV_INFO present
    friendly_name: str = ""


def thumbprint_of(der: bytes) -> str:
    return hashlib.sha1(der).hexdigest().upper()


def _prop(prop_id: int, value: bytes) -> bytes:
    return _HEADER.pack(prop_id, RESERVED, len(value)) + value


def _key_prov_info(container: str) -> bytes:
    strings = (container + "\0").encode("utf-16-le"), (PROVIDER + "\0").encode("utf-16-le")
    fixed = 7 * 4
    header = struct.pack(
        "<7I", fixed, fixed + len(strings[0]), 0, 0x20, 0, 0, 1
    )  # CRYPT_MACHINE_KEYSET, AT_KEYEXCHANGE
    return header + strings[0] + strings[1]


def encode_blob(der: bytes, has_private_key: bool, friendly_name: str = "") -> bytes:
    """The serialized certificate Windows writes: properties first, the certificate (0x20) last."""
    parts = [_prop(SHA1_HASH_PROP_ID, hashlib.sha1(der).digest())]
    if friendly_name:
        parts.append(_prop(FRIENDLY_NAME_PROP_ID, (friendly_name + "\0").encode("utf-16-le")))
    if has_private_key:
        parts.append(_prop(KEY_PROV_INFO_PROP_ID, _key_prov_info("winsim-" + thumbprint_of(der).lower())))
    parts.append(_prop(CERT_PROP_ID, der))
    return b"".join(parts)


def iter_properties(blob: bytes) -> Iterator[tuple[int, bytes]]:
    """(property id, value) in blob order; ValueError on a truncated property."""
    offset = 0
    while offset < len(blob):
        if len(blob) - offset < _HEADER.size:
            raise ValueError(f"truncated property header at offset {offset}")
        prop_id, _reserved, length = _HEADER.unpack_from(blob, offset)
        offset += _HEADER.size
        if length > len(blob) - offset:
            raise ValueError(f"property {prop_id:#x} at offset {offset - _HEADER.size} is truncated")
        yield prop_id, blob[offset : offset + length]
        offset += length


def decode_blob(blob: bytes) -> StoredCertificate:
    """The simulator's own reader of a Blob (the controller has a hardened one in plugin_utils)."""
    props = dict(iter_properties(blob))
    der = props.get(CERT_PROP_ID)
    if der is None:
        raise ValueError("the blob holds no certificate (property 0x20)")
    name = props.get(FRIENDLY_NAME_PROP_ID, b"").decode("utf-16-le", "replace").split("\0", 1)[0]
    return StoredCertificate(thumbprint_of(der), der, KEY_PROV_INFO_PROP_ID in props, name)


def install(registry: Registry, der: bytes, has_private_key: bool, friendly_name: str = "") -> str:
    """Add (or replace) a certificate in LocalMachine\\My; returns its thumbprint."""
    thumbprint = thumbprint_of(der)
    registry.set_value(
        rf"{STORE_KEY}\{thumbprint}", BLOB, "REG_BINARY", encode_blob(der, has_private_key, friendly_name)
    )
    return thumbprint


def remove(registry: Registry, thumbprint: str) -> bool:
    """Delete a certificate's key; False when there was none."""
    try:
        registry.delete_key(rf"{STORE_KEY}\{thumbprint.upper()}")
    except RegistryError:
        return False
    return True


def entries(registry: Registry) -> list[StoredCertificate]:
    """Every readable certificate of the store, in key order; keys without a decodable Blob are skipped."""
    if not registry.key_exists(STORE_KEY):
        return []
    found = []
    for name in registry.subkeys(STORE_KEY):
        entry = find(registry, name)
        if entry is not None:
            found.append(entry)
    return found


def find(registry: Registry, thumbprint: str) -> StoredCertificate | None:
    data = registry.get_data(rf"{STORE_KEY}\{thumbprint}", BLOB) if thumbprint else None
    if not isinstance(data, bytes):
        return None
    try:
        return decode_blob(data)
    except ValueError:
        return None


def key_path(directory: Path, thumbprint: str) -> Path:
    """Where the private key of a certificate lives (the simulator's MachineKeys)."""
    return directory / "store" / f"{thumbprint.upper()}.key"


def cert_path(directory: Path, thumbprint: str) -> Path:
    return directory / "store" / f"{thumbprint.upper()}.pem"
