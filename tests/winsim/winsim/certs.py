# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""X.509 certificates for simulated hosts: a test CA per state directory, and certificates it issues.

Windows' HTTPS listener needs a certificate whose CN is the host name; clients validate it against a CA file. Each
state directory has one test CA (``local_ca``); a host's default certificate and every certificate added to its
store (``SimulatedHost.add_certificate``) are issued by it, so ``host.ca_path`` (the CA's PEM) validates all of
them. ``create_certificate`` / ``create_flawed_certificate`` still make self-signed pairs for tests of their own.
"""

from __future__ import annotations

import datetime
import fcntl
import hashlib
import ipaddress
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes
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


# --- the test CA and the certificates it issues ---------------------------------------------------------------------
CA_FILE = "winsim-ca.pem"
CA_KEY_FILE = "winsim-ca.key"


@dataclass(frozen=True)
class LocalCA:
    """The test CA of one state directory: clients trust ``cert_path``."""

    cert_path: Path
    certificate: x509.Certificate
    key: CertificateIssuerPrivateKeyTypes


@dataclass(frozen=True)
class Issued:
    """A certificate and its private key (PKCS#8 PEM), not yet stored anywhere."""

    der: bytes
    key_pem: bytes

    @property
    def thumbprint(self) -> str:
        return hashlib.sha1(self.der).hexdigest().upper()

    @property
    def pem(self) -> bytes:
        return x509.load_der_x509_certificate(self.der).public_bytes(serialization.Encoding.PEM)


def local_ca(directory: Path) -> LocalCA:
    """The directory's CA, created on first use (under a lock: several processes may share a directory)."""
    directory.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = directory / CA_FILE, directory / CA_KEY_FILE
    with open(directory / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (cert_path.exists() and key_path.exists()):
            _write_ca(cert_path, key_path)
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{key_path} is not the EC key of a winsim CA")
    return LocalCA(cert_path, x509.load_pem_x509_certificate(cert_path.read_bytes()), key)


def _write_ca(cert_path: Path, key_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "winsim test CA")])
    now = datetime.datetime.now(datetime.UTC)
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_key(key_path, key)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _key_usage(ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=not ca,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    path.chmod(0o600)


def issue(
    subject_cn: str,
    dns_names: Sequence[str] = (),
    ip_addresses: Sequence[str] = (),
    not_before: datetime.datetime | None = None,
    not_after: datetime.datetime | None = None,
    server_auth: bool = True,
    ca: LocalCA | None = None,
) -> Issued:
    """A new EC key and a certificate for it, signed by ``ca`` (self-signed without one). ``server_auth=False``
    gives a Client Authentication EKU instead, so the certificate is unfit for a listener."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject_cn)])
    public = key.public_key()
    issuer_name, signer = (ca.certificate.subject, ca.key) if ca else (subject, key)
    names: list[x509.GeneralName] = [x509.DNSName(n) for n in dict.fromkeys(dns_names)]
    names += [x509.IPAddress(ipaddress.ip_address(a)) for a in ip_addresses]
    usage = ExtendedKeyUsageOID.SERVER_AUTH if server_auth else ExtendedKeyUsageOID.CLIENT_AUTH
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - datetime.timedelta(days=1))
        .not_valid_after(not_after or now + datetime.timedelta(days=825))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(ca=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
    )
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    if ca is not None:
        ski = ca.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
    cert = builder.sign(signer, hashes.SHA256())
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return Issued(cert.public_bytes(serialization.Encoding.DER), key_pem)


def host_certificate(directory: Path, hostname: str, address: str) -> tuple[Issued, LocalCA]:
    """The default HTTPS certificate of ``hostname`` at ``address``, issued by the directory's CA and reused
    across restarts (a real host's thumbprint is stable too); reissued when the CA changed."""
    ca = local_ca(directory)
    cert_path = directory / f"{hostname}-{address}.issued.pem"
    key_path = directory / f"{hostname}-{address}.issued.key"
    with open(directory / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if cert_path.exists() and key_path.exists():
            cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
            try:
                cert.verify_directly_issued_by(ca.certificate)
                return Issued(cert.public_bytes(serialization.Encoding.DER), key_path.read_bytes()), ca
            except (ValueError, TypeError, InvalidSignature):
                pass  # issued by an earlier CA of this directory
        issued = issue(hostname, dns_names=(hostname, hostname.lower()), ip_addresses=(address,), ca=ca)
        key_path.write_bytes(issued.key_pem)
        key_path.chmod(0o600)
        cert_path.write_bytes(issued.pem)
    return issued, ca
