# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""LocalMachine\\My in the simulated registry: the serialized-certificate Blob, and reads through StdRegProv."""

from __future__ import annotations

import datetime
import hashlib
import struct
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509

from winsim import cert_store, certs
from winsim.host import SimulatedHost
from winsim.state import HostState

REG = "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/default/StdRegProv"
STORE = r"SOFTWARE\Microsoft\SystemCertificates\MY\Certificates"


def test_blob_round_trip_keeps_certificate_key_flag_and_friendly_name() -> None:
    issued = certs.issue("web01", dns_names=("web01.example.test",))
    blob = cert_store.encode_blob(issued.der, has_private_key=True, friendly_name="WinRM")
    entry = cert_store.decode_blob(blob)
    assert entry == cert_store.StoredCertificate(issued.thumbprint, issued.der, True, "WinRM")
    keyless = cert_store.decode_blob(cert_store.encode_blob(issued.der, has_private_key=False))
    assert (keyless.has_private_key, keyless.friendly_name) == (False, "")


def test_blob_layout_is_the_serialized_certificate_format() -> None:
    issued = certs.issue("web01")
    blob = cert_store.encode_blob(issued.der, has_private_key=False)
    props = list(cert_store.iter_properties(blob))
    assert [p for p, _unused in props] == [cert_store.SHA1_HASH_PROP_ID, cert_store.CERT_PROP_ID]
    assert props[0][1] == hashlib.sha1(issued.der).digest()
    # [MS-GPEF] 2.2.1.1.1.2: the certificate element starts 20 00 00 00 01 00 00 00, then the DER's length
    tail = blob[-(len(issued.der) + 12) :]
    assert tail[:8] == bytes.fromhex("2000000001000000")
    assert struct.unpack("<I", tail[8:12])[0] == len(issued.der) and tail[12:] == issued.der


def test_truncated_blob_is_an_error_not_a_certificate() -> None:
    blob = cert_store.encode_blob(certs.issue("web01").der, has_private_key=True)
    with pytest.raises(ValueError, match="truncated"):
        cert_store.decode_blob(blob[:-1])
    with pytest.raises(ValueError, match="no certificate"):
        cert_store.decode_blob(blob[: 12 + 20])  # the SHA-1 property only


def test_the_store_is_the_registry(tmp_path: Path) -> None:
    state = HostState.from_profile("2019", hostname="SIMCERT")
    host = SimulatedHost(state, address="127.0.0.10", cert_dir=tmp_path)  # not started: no sockets
    added = host.add_certificate("web01", dns_names=("web01", "web01.example.test"), friendly_name="web")
    keyless = host.add_certificate("SIMCERT", private_key=False, issuer="self")
    thumbprints = [c.thumbprint for c in state.certificates]
    assert thumbprints == [host.certificate.thumbprint, added.thumbprint, keyless.thumbprint]
    assert state.registry.subkeys(cert_store.STORE_KEY) == thumbprints
    assert (added.has_private_key, keyless.has_private_key) == (True, False)
    assert added.dns_names == ("web01", "web01.example.test") and added.subject == "CN=web01"
    assert cert_store.key_path(tmp_path, added.thumbprint).exists()
    assert not cert_store.key_path(tmp_path, keyless.thumbprint).exists()
    ca = x509.load_pem_x509_certificate(Path(host.ca_path).read_bytes())
    x509.load_der_x509_certificate(cert_store.find(state.registry, added.thumbprint).der).verify_directly_issued_by(ca)  # type: ignore[union-attr]
    assert host.remove_certificate(added.thumbprint) and not host.remove_certificate(added.thumbprint)
    assert [c.thumbprint for c in state.certificates] == [host.certificate.thumbprint, keyless.thumbprint]


def test_add_certificate_validity_and_usage(tmp_path: Path) -> None:
    host = SimulatedHost(HostState.from_profile("2022", hostname="SIMCERT"), address="127.0.0.10", cert_dir=tmp_path)
    start = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    end = datetime.datetime(2021, 1, 1, tzinfo=datetime.UTC)
    old = host.add_certificate("SIMCERT", not_before=start, not_after=end, server_auth=False)
    assert old.not_after == end.isoformat() and old.server_auth is False
    with pytest.raises(ValueError, match="issuer"):
        host.add_certificate("x", issuer="mallory")


def test_default_certificate_is_reused_and_survives_a_json_round_trip(tmp_path: Path) -> None:
    first = SimulatedHost(HostState.from_profile("2019", hostname="SIMCERT"), address="127.0.0.10", cert_dir=tmp_path)
    again = SimulatedHost(HostState.from_json(first.state.to_json()), address="127.0.0.10", cert_dir=tmp_path)
    assert again.certificate.thumbprint == first.certificate.thumbprint
    assert [c.thumbprint for c in again.state.certificates] == [first.certificate.thumbprint]


def _invoke(client: Any, method: str, params: str) -> dict[str, list[str]]:
    body = client.call(f"{REG}/{method}", REG, f'<p:{method}_INPUT xmlns:p="{REG}">{params}</p:{method}_INPUT>')
    out = body.find(f"{{{REG}}}{method}_OUTPUT")
    assert out is not None
    result: dict[str, list[str]] = {}
    for child in out:
        result.setdefault(child.tag.rsplit("}", 1)[1], []).append(child.text or "")
    return result


def test_store_reads_through_stdregprov(model_client: Any) -> None:
    issued = certs.issue("SIMHOST", dns_names=("SIMHOST",))
    thumbprint = cert_store.install(model_client.state.registry, issued.der, has_private_key=True)
    hive = "<p:hDefKey>2147483650</p:hDefKey>"
    names = _invoke(model_client, "EnumKey", f"{hive}<p:sSubKeyName>{STORE}</p:sSubKeyName>")
    assert names == {"ReturnValue": ["0"], "sNames": [thumbprint]}
    got = _invoke(
        model_client,
        "GetBinaryValue",
        f"{hive}<p:sSubKeyName>{STORE}\\{thumbprint}</p:sSubKeyName><p:sValueName>Blob</p:sValueName>",
    )
    assert got["ReturnValue"] == ["0"]
    blob = bytes(int(b) for b in got["uValue"])
    assert cert_store.decode_blob(blob) == cert_store.StoredCertificate(thumbprint, issued.der, True)
