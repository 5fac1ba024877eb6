# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Self-signed HTTPS certificates for simulated hosts.

Windows' HTTPS listener needs a certificate whose CN is the host name; clients validate it against a CA file.
A self-signed certificate is its own CA, so ``ca_path`` can point at the certificate itself.
"""

from __future__ import annotations

import datetime
import fcntl
import hashlib
import ipaddress
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass(frozen=True)
class HostCertificate:
    """Paths and identifiers of one host's certificate."""

    cert_path: Path
    key_path: Path
    thumbprint: str  # SHA-1 of the DER, upper-case hex: what Windows shows as CertificateThumbprint
    subject: str  # "CN=<hostname>"
    dns_names: tuple[str, ...]
    der: bytes

    @property
    def cbt_hash(self) -> bytes:
        """Hash for 'tls-server-end-point' channel bindings (RFC 5929: SHA-256 for SHA-256-signed certs)."""
        return hashlib.sha256(self.der).digest()

    def as_store_entry(self) -> dict[str, object]:
        """The entry the model keeps in ``HostState.certificates``."""
        return {"thumbprint": self.thumbprint, "subject": self.subject, "dns_names": list(self.dns_names)}


def default_directory() -> Path:
    """One directory per user for hosts started without a state dir, so test runs reuse their certificates."""
    return Path(tempfile.gettempdir()) / f"winsim-certs-{os.getuid()}"


def create_certificate(directory: Path, hostname: str, address: str) -> HostCertificate:
    """Create (or reuse) a certificate for ``hostname`` and ``address`` in ``directory``.

    Reusing keeps the thumbprint stable across restarts of the same fleet, as a real host's would be.
    """
    directory.mkdir(parents=True, exist_ok=True)
    cert_path = directory / f"{hostname}-{address}.pem"
    key_path = directory / f"{hostname}-{address}.key"
    with open(directory / ".lock", "a") as lock:  # several processes may share a directory
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (cert_path.exists() and key_path.exists()):
            _write_new(cert_path, key_path, hostname, address)
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    der = cert.public_bytes(serialization.Encoding.DER)
    dns = tuple(
        cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    )
    return HostCertificate(
        cert_path=cert_path,
        key_path=key_path,
        thumbprint=hashlib.sha1(der).hexdigest().upper(),
        subject=f"CN={hostname}",
        dns_names=dns,
        der=der,
    )


def create_flawed_certificate(directory: Path, hostname: str, address: str, flaw: str) -> tuple[Path, Path]:
    """A fresh self-signed (cert, key) pair with one flaw, for testing how clients report it: ``expired`` (valid
    until yesterday) or ``wrong_name`` (names ``other.invalid`` and no IP address)."""
    if flaw not in ("expired", "wrong_name"):
        raise ValueError(f"unknown certificate flaw {flaw!r}")
    directory.mkdir(parents=True, exist_ok=True)
    cert_path = directory / f"{hostname}-{address}-{flaw}.pem"
    key_path = directory / f"{hostname}-{address}-{flaw}.key"
    _write_new(cert_path, key_path, hostname, address, flaw)
    return cert_path, key_path


def _write_new(cert_path: Path, key_path: Path, hostname: str, address: str, flaw: str | None = None) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    if flaw == "wrong_name":
        hostname = "other.invalid"
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)])
    now = datetime.datetime.now(datetime.UTC)
    if flaw == "expired":
        now -= datetime.timedelta(days=3652)  # valid from 3653 days ago until yesterday
    public = key.public_key()
    names: list[x509.GeneralName] = [x509.DNSName(n) for n in dict.fromkeys([hostname, hostname.lower()])]
    if flaw != "wrong_name":
        names.append(x509.IPAddress(ipaddress.ip_address(address)))
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.SubjectAlternativeName(names),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    key_path.chmod(0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
