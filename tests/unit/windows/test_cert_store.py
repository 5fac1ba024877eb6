# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""LocalMachine\\My on the controller: the serialized-certificate Blob parser, hostile Blobs, the StdRegProv read
with its per-certificate errors, and the rules that pick (or refuse) a listener's certificate."""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import random
import struct
import typing as t

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import cert_store
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows.cert_store import StoreCertificate
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import errors
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.protocol import Client

UTC = datetime.UTC
NOW = datetime.datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
KEY = ec.generate_private_key(ec.SECP256R1())
CA_KEY = ec.generate_private_key(ec.SECP256R1())
CA_NAME = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test Issuing CA")])


def make_der(
    cn: str | None = "web01.example.test",
    dns: t.Sequence[str] = ("web01.example.test",),
    ips: t.Sequence[str] = (),
    eku: t.Sequence[x509.ObjectIdentifier] | None = (ExtendedKeyUsageOID.SERVER_AUTH,),
    not_before: datetime.datetime = NOW - datetime.timedelta(days=30),
    not_after: datetime.datetime = NOW + datetime.timedelta(days=365),
) -> bytes:
    """A CA-signed certificate, built here (no certificate files in the repository)."""
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)] if cn else [])
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(CA_NAME)
        .public_key(KEY.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
    )
    names = [x509.DNSName(n) for n in dns] + [x509.IPAddress(ipaddress.ip_address(a)) for a in ips]
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=not cn)
    if eku is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage(list(eku)), critical=False)
    return builder.sign(CA_KEY, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def prop(prop_id: int, value: bytes, reserved: int = 1) -> bytes:
    return struct.pack("<III", prop_id, reserved, len(value)) + value


def blob(der: bytes, key: bool = True, friendly: str = "", extra: t.Sequence[bytes] = ()) -> bytes:
    """Properties then the certificate, as Windows' registry store writes them."""
    parts = [prop(3, hashlib.sha1(der).digest())]  # SHA1_HASH
    if friendly:
        parts.append(prop(11, (friendly + "\0").encode("utf-16-le")))
    if key:
        parts.append(prop(2, b"\x1c\x00\x00\x00" + b"\x00" * 24))  # KEY_PROV_INFO (its content is not read)
    return b"".join([*parts, *extra, prop(0x20, der)])


def thumbprint(der: bytes) -> str:
    return hashlib.sha1(der).hexdigest().upper()


# --- parse_blob -------------------------------------------------------------------------------------------------------
def test_parse_blob_reads_the_certificate_and_the_store_properties() -> None:
    der = make_der(dns=("web01.example.test", "web01"), ips=("192.0.2.10",))
    cert = cert_store.parse_blob(blob(der, friendly="WinRM HTTPS"), thumbprint(der).lower())
    assert cert == StoreCertificate(
        thumbprint=thumbprint(der),
        subject="CN=web01.example.test",
        common_name="web01.example.test",
        dns_names=("web01.example.test", "web01"),
        ip_addresses=("192.0.2.10",),
        issuer="CN=Test Issuing CA",
        not_before=NOW - datetime.timedelta(days=30),
        not_after=NOW + datetime.timedelta(days=365),
        server_auth=True,
        has_private_key=True,
        friendly_name="WinRM HTTPS",
    )
    assert cert.not_after.tzinfo is not None and not cert.self_signed


def test_properties_in_any_order_unknown_ids_and_other_reserved_values_are_accepted() -> None:
    der = make_der()
    unknown = prop(0x5C, b"\x01\x02\x03", reserved=0)
    shuffled = (
        prop(0x20, der, reserved=1) + unknown + prop(2, b"x" * 28, reserved=7) + prop(3, hashlib.sha1(der).digest())
    )
    cert = cert_store.parse_blob(shuffled)
    assert (cert.thumbprint, cert.has_private_key, cert.friendly_name) == (thumbprint(der), True, "")


def test_certificate_property_alone_is_enough_and_means_no_private_key() -> None:
    der = make_der()
    assert cert_store.parse_blob(prop(0x20, der)).has_private_key is False


@pytest.mark.parametrize(
    ("eku", "server_auth"),
    [
        ((ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH), True),
        ((ExtendedKeyUsageOID.CLIENT_AUTH,), False),
        ((ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE,), True),
        (None, True),  # no EKU extension: any purpose
    ],
)
def test_server_authentication_usage(eku: t.Sequence[x509.ObjectIdentifier] | None, server_auth: bool) -> None:
    assert cert_store.parse_blob(blob(make_der(eku=eku))).server_auth is server_auth


def test_friendly_name_stops_at_the_terminator_and_survives_odd_lengths() -> None:
    der = make_der()
    value = "Web \u00e9\u6f22".encode("utf-16-le") + b"\0\0junk" + b"\x41"
    assert cert_store.parse_blob(prop(11, value) + prop(0x20, der)).friendly_name == "Web \u00e9\u6f22"


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda b: b[:-1], "claims"),
        (lambda b: b + b"\x01\x00", "ends inside a property header"),
        (lambda b: b[: 12 + 20], "holds no certificate"),
        (lambda b: b"", "holds no certificate"),
        (lambda b: prop(0x20, b"") + b[12 + 20 :], "appears twice"),
        (lambda b: prop(3, b"\x00" * 20) + b[12 + 20 :], "is not the certificate's hash"),
        (lambda b: prop(0x20, b"\x30\x03\x02\x01\x00"), "not valid DER"),
        (lambda b: b + prop(99, b"\x00" * cert_store.MAX_BLOB_BYTES), "more than"),
    ],
)
def test_hostile_blobs_are_refused_with_what_is_wrong(mangle: t.Callable[[bytes], bytes], message: str) -> None:
    with pytest.raises(cert_store.BlobError, match=message):
        cert_store.parse_blob(mangle(blob(make_der(), key=False)))


def test_too_many_properties_are_refused() -> None:
    many = b"".join(prop(1000 + i, b"") for i in range(cert_store.MAX_PROPERTIES + 1))
    with pytest.raises(cert_store.BlobError, match="more than 256 properties"):
        cert_store.parse_blob(many + prop(0x20, make_der()))


def test_a_blob_under_another_thumbprint_is_refused() -> None:
    with pytest.raises(cert_store.BlobError, match="not the 00"):
        cert_store.parse_blob(blob(make_der()), "00" * 20)


def test_random_and_bit_flipped_blobs_never_raise_anything_but_blob_error() -> None:
    rng = random.Random(6125)
    good = blob(make_der())
    samples = [bytes(rng.randrange(256) for _unused in range(rng.randrange(64))) for _unused in range(200)]
    for _unused in range(300):
        flipped = bytearray(good)
        flipped[rng.randrange(len(flipped))] ^= 1 << rng.randrange(8)
        samples.append(bytes(flipped))
    outcomes = {"parsed": 0, "refused": 0}
    for sample in samples:
        try:
            cert_store.parse_blob(sample)
            outcomes["parsed"] += 1
        except cert_store.BlobError:
            outcomes["refused"] += 1
    assert outcomes["refused"] > 200  # most damage is found (the rest flips bits the parser does not check)


# --- read_store -------------------------------------------------------------------------------------------------------
class FakeRegistry:
    """StdRegProv's EnumKey and GetBinaryValue as CIM outputs (Client.invoke); counts the calls."""

    def __init__(self, keys: dict[str, object], enum_error: errors.CimMethodError | None = None) -> None:
        self.keys = keys
        self.enum_error = enum_error
        self.calls: list[tuple[str, str]] = []

    def invoke(
        self, resource_uri: str, method: str, params: t.Mapping[str, t.Any], types: t.Any = None
    ) -> dict[str, object]:
        assert resource_uri.endswith("/StdRegProv") and params["hDefKey"] == 0x80000002
        self.calls.append((method, params["sSubKeyName"]))
        if method == "EnumKey":
            assert params["sSubKeyName"] == r"SOFTWARE\Microsoft\SystemCertificates\MY\Certificates"
            if self.enum_error is not None:
                raise self.enum_error
            return {"ReturnValue": 0, "sNames": list(self.keys)}
        assert method == "GetBinaryValue" and params["sValueName"] == "Blob"
        value = self.keys[params["sSubKeyName"].rsplit("\\", 1)[1]]
        if isinstance(value, errors.CimMethodError):
            raise value
        return {"ReturnValue": 0, "uValue": value}


def as_client(fake: FakeRegistry) -> Client:
    return t.cast(Client, fake)


def test_read_store_reads_each_certificate_and_reports_each_unreadable_one() -> None:
    good, other, broken = make_der(), make_der(cn="web02"), make_der(cn="web03")
    denied = errors.CimMethodError("StdRegProv.GetBinaryValue", 5, "access denied: Access is denied", "access_denied")
    fake = FakeRegistry(
        {
            thumbprint(good): list(blob(good)),
            thumbprint(other).lower(): list(blob(other, key=False)),
            thumbprint(broken): list(blob(broken)[:-5]),
            "AB" * 20: denied,
            "NotAThumbprint": [],
            "CD" * 20: "nil",
        }
    )
    read = cert_store.read_store(as_client(fake))
    at = len(blob(broken)) - 12 - len(broken)
    truncated = f"property 0x20 at byte {at} claims {len(broken)} bytes, only {len(broken) - 5} follow"
    assert [c.thumbprint for c in read.certificates] == [thumbprint(good), thumbprint(other)]
    assert [(u.thumbprint, u.reason.split(":")[0]) for u in read.unread] == [
        (thumbprint(broken), truncated),
        ("AB" * 20, "GetBinaryValue of its Blob failed"),
        ("NotAThumbprint", "the key's name is not a SHA-1 thumbprint (40 hexadecimal digits)"),
        ("CD" * 20, "GetBinaryValue returned no byte array for its Blob"),
    ]
    assert "could not be read: GetBinaryValue of its Blob failed: access denied" in read.unread[1].message()
    assert [m for m, _unused in fake.calls] == ["EnumKey"] + ["GetBinaryValue"] * 5  # one call per certificate
    assert read.find(" ".join(thumbprint(good)[i : i + 2] for i in range(0, 40, 2)).lower()) == read.certificates[0]
    assert read.find(thumbprint(broken)) == read.unread[0] and read.find("EF" * 20) is None


def test_a_missing_store_key_is_an_empty_store_and_a_refused_listing_is_an_error() -> None:
    missing = errors.CimMethodError("StdRegProv.EnumKey", 2, "not found", "not_found")
    assert cert_store.read_store(as_client(FakeRegistry({}, missing))) == cert_store.StoreRead(())
    denied = errors.CimMethodError("StdRegProv.EnumKey", 5, "access denied: Access is denied", "access_denied")
    with pytest.raises(cert_store.CertStoreError, match=r"LocalMachine\\My could not be listed .*Access is denied"):
        cert_store.read_store(as_client(FakeRegistry({}, denied)))


def test_a_store_too_large_to_read_is_refused_before_reading_it() -> None:
    fake = FakeRegistry({f"{i:040X}": [] for i in range(cert_store.MAX_CERTIFICATES + 1)})
    with pytest.raises(cert_store.CertStoreError, match="more than the 500"):
        cert_store.read_store(as_client(fake))
    assert len(fake.calls) == 1


# --- names, problems, select ------------------------------------------------------------------------------------------
def cert(der: bytes, key: bool = True) -> StoreCertificate:
    return cert_store.parse_blob(blob(der, key=key))


@pytest.mark.parametrize(
    ("names", "hostname", "expected"),
    [
        (("web01.example.test",), "WEB01.Example.Test.", True),
        (("*.example.test",), "web01.example.test", True),
        (("*.example.test",), "a.web01.example.test", False),  # one label only
        (("*.example.test",), "example.test", False),
        (("*.test",), "example.test", False),  # never a wildcard over a single label suffix
        (("w*.example.test",), "web01.example.test", False),  # only a whole left-most label
        (("web01.*.test",), "web01.example.test", False),
        (("other.example.test", "web01"), "web01", True),
    ],
)
def test_names_match_per_rfc_6125(names: tuple[str, ...], hostname: str, expected: bool) -> None:
    assert cert_store.matches(cert(make_der(dns=names)), hostname) is expected


def test_the_cn_counts_only_without_dns_names_and_ip_addresses_match_ip_sans() -> None:
    assert cert_store.matches(cert(make_der(cn="web01", dns=())), "web01")
    assert not cert_store.matches(cert(make_der(cn="web01", dns=("web02",))), "web01")
    with_ip = cert(make_der(dns=("web01",), ips=("192.0.2.10", "2001:db8::1")))
    assert cert_store.matches(with_ip, "192.0.2.10") and cert_store.matches(with_ip, "[2001:db8::1]")
    assert not cert_store.matches(with_ip, "192.0.2.11")
    assert not cert_store.matches(cert(make_der(cn="192.0.2.10", dns=())), "192.0.2.10")  # a CN is no IP SAN


def test_problems_say_what_is_wrong_and_what_to_do() -> None:
    day = datetime.timedelta(days=1)
    bad = cert(
        make_der(dns=("other.example.test",), eku=(ExtendedKeyUsageOID.CLIENT_AUTH,), not_after=NOW - day), key=False
    )
    found = cert_store.problems(bad, "web01.example.test", NOW)
    assert len(found) == 4
    assert "expired on 2026-05-31 12:00 UTC: renew it and point the listener at the new" in found[0]
    assert r"has no private key in LocalMachine\My: import it together with its key (a .pfx)" in found[1]
    assert "is not for Server Authentication (1.3.6.1.5.5.7.3.1)" in found[2]
    assert "names other.example.test, not web01.example.test: issue one whose subject alternative name" in found[3]
    assert all(m.startswith(f"certificate {bad.thumbprint} ") for m in found)
    early = cert(make_der(not_before=NOW + day))
    assert cert_store.problems(early, "web01.example.test", NOW) == [
        f"certificate {early.thumbprint} is not valid before 2026-06-02 12:00 UTC: wait until then, or check the "
        "host's clock"
    ]
    assert cert_store.problems(cert(make_der()), "web01.example.test", NOW) == []


def test_select_takes_the_newest_usable_certificate_for_the_name() -> None:
    day = datetime.timedelta(days=1)
    old = cert(make_der(not_before=NOW - 300 * day))
    new = cert(make_der(not_before=NOW - 10 * day))
    newer_expired = cert(make_der(not_before=NOW - 5 * day, not_after=NOW - day))
    newest_keyless = cert(make_der(not_before=NOW - 2 * day), key=False)
    wrong_name = cert(make_der(dns=("web02.example.test",), not_before=NOW - day))
    pool = [old, newer_expired, new, newest_keyless, wrong_name]
    assert cert_store.select(pool, "web01.example.test", NOW) == new
    assert cert_store.select(pool, "web02.example.test", NOW) == wrong_name
    assert cert_store.select([old, newest_keyless], "web03.example.test", NOW) is None
    assert cert_store.select([], "web01.example.test", NOW) is None


def test_without_cryptography_the_read_says_what_to_install_before_any_round_trip(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cert_store, "HAS_CRYPTOGRAPHY", False)
    fake = FakeRegistry({})
    with pytest.raises(cert_store.CertStoreError, match=r"pip install 'cryptography>=3.1'"):
        cert_store.read_store(as_client(fake))
    assert fake.calls == []
    with pytest.raises(cert_store.CertStoreError, match="needs the Python package cryptography"):
        cert_store.parse_blob(blob(make_der()))
