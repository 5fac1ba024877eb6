# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Kerberos in the simulator without a KDC: the merged acceptor keytab, a member's SPNs and account mapping, the
Kerberos scheme's offers and refusals, and the directory's view of accounts. The handshakes themselves run against
the Samba domain in tests/integration/test_kerberos.py."""

from __future__ import annotations

import base64
import os
import struct
from pathlib import Path

import pytest
import requests
from conftest import FakeModel

from winsim import auth, kerberos
from winsim.accounts import Account, directory_accounts, find_account
from winsim.contract import Identity
from winsim.host import SimulatedHost
from winsim.rules import authorize
from winsim.state import HostState


def entry(principal: bytes) -> bytes:
    """A keytab entry's bytes with its length prefix (the content is opaque to the merge)."""
    body = b"\x00\x01" + principal
    return struct.pack(">i", len(body)) + body


def membership(tmp_path: Path, **overrides: object) -> kerberos.Membership:
    keytab = tmp_path / "sim2019.keytab"
    keytab.write_bytes(kerberos.KEYTAB_VERSION + entry(b"HOST/SIM2019"))
    values: dict[str, object] = {
        "realm": "WINREMOTE.TEST",
        "netbios": "WINREMOTE",
        "short_name": "SIM2019",
        "fqdn": "sim2019.winremote.test",
        "keytab": keytab,
        "admins": frozenset({"administrator", "wradmin"}),
        "users": frozenset({"administrator", "wradmin", "wruser"}),
        "passwords": {"wradmin": "Admin-Passw0rd!"},
    }
    values.update(overrides)
    return kerberos.Membership(**values)  # type: ignore[arg-type]


def test_merged_keytab_holds_every_entry_once() -> None:
    first = kerberos.KEYTAB_VERSION + entry(b"HTTP/a") + entry(b"HOST/a")
    second = kerberos.KEYTAB_VERSION + entry(b"HTTP/b")
    merged = kerberos.merge_keytabs([first, second])
    assert merged == kerberos.KEYTAB_VERSION + entry(b"HTTP/a") + entry(b"HOST/a") + entry(b"HTTP/b")
    with pytest.raises(kerberos.KerberosError):
        kerberos.merge_keytabs([b"\x05\x01" + entry(b"x")])


def test_acceptor_keytab_sets_the_environment_and_follows_members(tmp_path: Path) -> None:
    store = kerberos.AcceptorKeytab()
    a, b = tmp_path / "a.keytab", tmp_path / "b.keytab"
    a.write_bytes(kerberos.KEYTAB_VERSION + entry(b"HTTP/a"))
    b.write_bytes(kerberos.KEYTAB_VERSION + entry(b"HTTP/b"))
    saved = {name: os.environ.get(name) for name in ("KRB5_KTNAME", "KRB5_CONFIG")}
    try:
        store.add(1, a, tmp_path / "krb5.conf")
        store.add(2, b)
        assert os.environ["KRB5_KTNAME"] == f"FILE:{store.path}"
        assert os.environ["KRB5_CONFIG"] == str(tmp_path / "krb5.conf")
        assert store.path.read_bytes() == kerberos.KEYTAB_VERSION + entry(b"HTTP/a") + entry(b"HTTP/b")
        assert store.path.stat().st_mode & 0o777 == 0o600
        store.remove(1)
        assert store.path.read_bytes() == kerberos.KEYTAB_VERSION + entry(b"HTTP/b")
        assert store.holds(2) and not store.holds(1)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.mark.parametrize(
    ("target", "owned"),
    [
        ("HOST/SIM2019@WINREMOTE.TEST", True),
        ("HTTP/sim2019.winremote.test@WINREMOTE.TEST", True),
        ("WSMAN/sim2019@winremote.test", True),
        ("HTTP@sim2019.winremote.test", True),
        ("HTTP/sim2019.winremote.test", True),
        ("HTTP/sim2022.winremote.test@WINREMOTE.TEST", False),
        ("HTTP/sim2019.winremote.test@OTHER.TEST", False),
        ("CIFS/sim2019.winremote.test@WINREMOTE.TEST", False),
        ("", False),
        (None, False),
    ],
)
def test_a_member_owns_only_its_own_spns(tmp_path: Path, target: str | None, owned: bool) -> None:
    assert membership(tmp_path).owns(target) is owned


@pytest.mark.parametrize(
    ("principal", "mapped"),
    [
        ("wradmin@WINREMOTE.TEST", ("WINREMOTE", "wradmin")),
        ("wradmin@winremote.test\x00", ("WINREMOTE", "wradmin")),
        ("wradmin@OTHER.TEST", None),
        ("HTTP/sim2022.winremote.test@WINREMOTE.TEST", None),
        ("wradmin", None),
    ],
)
def test_kerberos_principal_to_domain_account(tmp_path: Path, principal: str, mapped: tuple[str, str] | None) -> None:
    assert membership(tmp_path).account(principal) == mapped


def test_directory_accounts_domain_admins_are_administrators(tmp_path: Path) -> None:
    accounts = {a.name: a for a in directory_accounts(membership(tmp_path))}
    assert accounts["wradmin"] == Account("wradmin", "Admin-Passw0rd!", "WINREMOTE", is_admin=True)
    assert accounts["wruser"] == Account("wruser", "", "WINREMOTE", is_admin=False)
    assert accounts["administrator"].is_admin and not accounts["administrator"].is_builtin_admin


def test_authorization_of_domain_accounts(tmp_path: Path) -> None:
    """Domain Admins in, other domain users denied like a local non-admin; no UAC filtering of domain accounts."""
    state = HostState.from_profile("2019", hostname="SIM2019")
    state.accounts = [a for a in state.accounts if a.domain != "WINREMOTE"] + directory_accounts(membership(tmp_path))
    assert state.local_account_token_filter_policy != 1

    def verdict(user: str, how: str = "kerberos") -> str | None:
        return authorize(state, Identity(user, "WINREMOTE", how, encrypted=True, tls=False))

    assert verdict("wradmin") is None and verdict("wradmin", "ntlm") is None
    assert verdict("wruser") == "access_denied"
    assert verdict("stranger") == "access_denied"  # a Kerberos client of the realm the host's view does not list
    assert verdict("localuser") == "access_denied"  # no such domain account
    assert verdict("localadmin", "ntlm") == "access_denied"
    local = authorize(state, Identity("localadmin", "", "ntlm", encrypted=True, tls=False))
    assert local == "access_denied_token_filter"


def test_find_account_by_realm_or_dns_domain(tmp_path: Path) -> None:
    accounts = directory_accounts(membership(tmp_path))
    for user, domain in (("wradmin@WINREMOTE.TEST", ""), ("wradmin", "winremote.test"), ("WINREMOTE\\wradmin", "")):
        found = find_account(accounts, user, domain, "SIM2019")
        assert found is not None and found.name == "wradmin", (user, domain)


def test_join_domain_publishes_ntlm_lines_by_realm(tmp_path: Path, fake_model: FakeModel, address: str) -> None:
    state = HostState(hostname="SIM2019", profile="2019")
    with SimulatedHost(state, address=address, model=fake_model, cert_dir=tmp_path / "certs") as host:
        saved = os.environ.get("KRB5_KTNAME")
        try:
            host.join_domain(membership(tmp_path))
            assert kerberos.ACCEPTOR_KEYTAB.holds(id(host))
            lines = auth.CREDENTIALS.path(id(host)).read_text(encoding="utf-8").splitlines()
        finally:
            host.stop()
            if saved is None:
                os.environ.pop("KRB5_KTNAME", None)
            else:
                os.environ["KRB5_KTNAME"] = saved
        assert not kerberos.ACCEPTOR_KEYTAB.holds(id(host))
    assert ":wradmin@WINREMOTE.TEST:Admin-Passw0rd!" in lines and "WINREMOTE:wradmin:Admin-Passw0rd!" in lines
    assert not any(line.split(":")[1] == "wruser" for line in lines if line.count(":") >= 2), "no password known"


def url(host: SimulatedHost) -> str:
    return f"http://{host.address}:{host.http_port}/wsman"


def test_kerberos_scheme_follows_auth_kerberos(fake_host: SimulatedHost, fake_model: FakeModel) -> None:
    garbage = "Kerberos " + base64.b64encode(b"not a krb5 token").decode()
    refused = requests.post(url(fake_host), data=b"", headers={"Authorization": garbage}, timeout=10)
    assert refused.status_code == 401
    assert refused.raw.headers.getlist("WWW-Authenticate") == ["Negotiate", "Kerberos"]
    fake_model.policy.kerberos = False
    off = requests.post(url(fake_host), data=b"", headers={"Authorization": garbage}, timeout=10)
    assert off.status_code == 401 and off.raw.headers.getlist("WWW-Authenticate") == ["Negotiate"]
    assert not fake_host.authentications and fake_host.request_count == 0


def test_raw_kerberos_token_in_negotiate_without_keys_is_401(fake_host: SimulatedHost) -> None:
    # the GSS-API krb5 mechanism OID (RFC 1964 section 1.1) opening an initial context token, then nonsense
    token = bytes.fromhex("6012060b2a864886f71201020201") + b"\x01\x00junk"
    header = "Negotiate " + base64.b64encode(token).decode()
    answer = requests.post(url(fake_host), data=b"", headers={"Authorization": header}, timeout=10)
    assert answer.status_code == 401 and not fake_host.authentications


def test_sealing_protocol_follows_the_request() -> None:
    assert auth.request_protocol('multipart/encrypted;protocol="application/HTTP-Kerberos-session-encrypted"') == (
        auth.KERBEROS_ENCRYPTED
    )
    assert auth.request_protocol(auth.ENCRYPTED_CONTENT_TYPE) == auth.SPNEGO_ENCRYPTED
    assert auth.encrypted_content_type(auth.SPNEGO_ENCRYPTED) == auth.ENCRYPTED_CONTENT_TYPE
    framed = auth.wrap_message(b"<x/>", b"H" * 16, b"S" * 4, 0, auth.KERBEROS_ENCRYPTED)
    assert b"\tContent-Type: application/HTTP-Kerberos-session-encrypted\r\n" in framed
    assert auth.unwrap_message(framed, lambda header, sealed: b"<x/>") == b"<x/>"
