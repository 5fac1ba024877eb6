# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The server_pool's Active Directory source against the throw-away Samba AD DC (``samba_domain``): every bind
(simple over LDAPS and StartTLS, NTLM and Kerberos sealed over plain LDAP, Kerberos from a ticket cache), the
filters, search base and scope, paging, the errors a user meets, and a real ``ansible-inventory`` run.

The DC is reached at 127.0.0.1 and named ``dc01.winremote.test`` through ``ldap_hostname_override`` (its
certificate and its Kerberos principal carry that name; nothing resolves it). Computers probed by
``ansible-inventory`` have loopback addresses as their dNSHostName, so no name is looked up in DNS.
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
import typing as t
from pathlib import Path

import ldap3
import pytest
import yaml
from simhosts import BIN, ansible_env

from ansible_collections.winremote.remoting.plugins.plugin_utils.inventory import directory, ldap_sasl
from winsim.domain import Domain, base_dn, generate_password, unicode_pwd

BASE = base_dn("WINREMOTE.TEST")
POOL = f"OU=Pool,{BASE}"
WEB_OU = f"OU=Web,{POOL}"
BULK = f"OU=Bulk,{BASE}"
PROBE = f"OU=Probe,{BASE}"
BULK_COUNT = 25
DC_NAME = "dc01.winremote.test"
# (cn, dNSHostName or "", operatingSystem, operatingSystemVersion, disabled, container)
COMPUTERS = (
    ("WEB01", "web01.winremote.test", "Windows Server 2019 Datacenter", "10.0 (17763)", False, POOL),
    ("WEB02", "web02.winremote.test", "Windows Server 2022 Standard", "10.0 (20348)", False, POOL),
    ("SQL01", "sql01.winremote.test", "Windows Server 2016 Standard", "10.0 (14393)", False, POOL),
    ("OLD01", "", "Windows Server 2008 R2 Enterprise", "6.1 (7601)", False, POOL),
    ("OFF01", "off01.winremote.test", "Windows Server 2019 Standard", "10.0 (17763)", True, POOL),
    ("WEB03", "web03.winremote.test", "Windows Server 2019 Datacenter", "10.0 (17763)", False, WEB_OU),
    ("PROBE1", "127.3.250.1", "Windows Server 2019 Datacenter", "10.0 (17763)", False, PROBE),
    ("PROBE2", "127.3.250.2", "Windows Server 2022 Datacenter", "10.0 (20348)", False, PROBE),
)
UAC_WORKSTATION, UAC_DISABLED = 0x1000, 0x2


def ou_ldif(dn: str) -> str:
    return f"dn: {dn}\nobjectClass: organizationalUnit\n"


def computer_ldif(cn: str, dns: str, os_name: str, os_version: str, disabled: bool, container: str) -> str:
    lines = [
        f"dn: CN={cn},{container}",
        "objectClass: computer",
        f"sAMAccountName: {cn}$",
        f"userAccountControl: {UAC_WORKSTATION | (UAC_DISABLED if disabled else 0)}",
        f"operatingSystem: {os_name}",
        f"operatingSystemVersion: {os_version}",
        f"unicodePwd:: {unicode_pwd(generate_password())}",
    ]
    if dns:
        lines.append(f"dNSHostName: {dns}")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def domain(samba_domain: Domain) -> Domain:
    """The session's DC with the test OUs and computers, and ldap/ service principals on the DC's account: a
    Windows DC registers ldap/<its name>, a Samba DC provisioned this way only HOST/."""
    dc_account = f"CN=DC01,OU=Domain Controllers,{BASE}"
    spns = f"dn: {dc_account}\nchangetype: modify\nadd: servicePrincipalName\nservicePrincipalName: ldap/{DC_NAME}\n"
    try:
        samba_domain.ldb_local("ldbmodify", spns)
    except Exception as err:  # the module ran before in this session (same DC): the SPN is there
        assert "exists" in str(err).lower() or "attribute or value exists" in str(err).lower(), err
    ldif = "\n".join(ou_ldif(dn) for dn in (POOL, WEB_OU, BULK, PROBE))
    ldif += "\n" + "\n".join(computer_ldif(*computer) for computer in COMPUTERS)
    ldif += "\n" + "\n".join(
        computer_ldif(
            f"BULK{i:03d}", f"bulk{i:03d}.winremote.test", "Windows Server 2019 Standard", "10.0", False, BULK
        )
        for i in range(BULK_COUNT)
    )
    samba_domain.ldb_local("ldbadd", ldif)
    return samba_domain


def ca_pem(dc: Domain) -> str:
    """Samba's self-signed CA (``tls cafile``, by default tls/ca.pem in the private dir, made at first start)."""
    path = dc.sam_ldb.parent / "tls" / "ca.pem"
    assert path.is_file(), path
    return str(path)


def admin(dc: Domain) -> tuple[str, str]:
    user = dc.users["wradmin"]
    return user.name, user.password


def settings(dc: Domain, **overrides: t.Any) -> directory.DirectorySettings:
    """A sealed NTLM search of the Pool OU unless overridden."""
    name, password = admin(dc)
    values: dict[str, t.Any] = {
        "servers": (dc.ldap_url,),
        "bind": "ntlm",
        "username": f"{dc.netbios}\\{name}",
        "password": password,
        "hostname_override": DC_NAME,
        "search_base": POOL,
        "timeout": 5,
    }
    values.update(overrides)
    return directory.DirectorySettings(**values)


def ldaps(dc: Domain, **overrides: t.Any) -> directory.DirectorySettings:
    name, _unused = admin(dc)
    values: dict[str, t.Any] = {
        "servers": (f"ldaps://{dc.address}",),
        "bind": "simple",
        "username": f"{name}@{dc.realm.lower()}",
        "ca_path": ca_pem(dc),
    }
    values.update(overrides)
    return settings(dc, **values)


def texts(found: list[t.Any]) -> set[str]:
    return {entry.text for entry in found}


POOL_ENABLED = {"web01.winremote.test", "web02.winremote.test", "sql01.winremote.test", "OLD01", "web03.winremote.test"}


@pytest.fixture
def krb5(domain: Domain, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The domain's krb5.conf and an empty ticket cache of this test."""
    ccache = tmp_path / "krb5cc"
    monkeypatch.setenv("KRB5_CONFIG", str(domain.krb5_conf))
    monkeypatch.setenv("KRB5CCNAME", f"FILE:{ccache}")
    return ccache


# --- binds ----------------------------------------------------------------------------------------------------


def test_simple_bind_over_ldaps_with_samba_ca(domain: Domain) -> None:
    warnings: list[str] = []
    found = directory.entries(ldaps(domain), warnings)
    assert texts(found) == POOL_ENABLED
    web01 = next(entry for entry in found if entry.text == "web01.winremote.test")
    assert dict(web01.details) == {
        "ad_distinguished_name": f"CN=WEB01,{POOL}",
        "ad_operating_system": "Windows Server 2019 Datacenter",
        "ad_operating_system_version": "10.0 (17763)",
        "ad_dns_host_name": "web01.winremote.test",
    }
    assert len(warnings) == 1 and "OLD01" in warnings[0] and "no dNSHostName" in warnings[0]


def test_simple_bind_over_plain_ldap_is_refused_with_what_to_do(domain: Domain) -> None:
    # refused before connecting: the password would cross the network in clear text (Samba would refuse the bind
    # with strongerAuthRequired, after having received it)
    with pytest.raises(directory.DirectoryError) as caught:
        directory.entries(ldaps(domain, servers=(domain.ldap_url,)))
    message = str(caught.value)
    assert caught.value.option == "ldap_tls_mode"
    assert "clear text" in message and "ldaps or start_tls" in message and "ntlm or kerberos" in message
    assert admin(domain)[1] not in message


@pytest.mark.parametrize("bind", ["ntlm", "kerberos"])
def test_sasl_bind_inside_tls_is_refused_by_samba_with_what_to_do(domain: Domain, krb5: Path, bind: str) -> None:
    # Samba's default "ldap server require strong auth = yes" wants sign or seal, and refuses both inside TLS
    name, _unused = admin(domain)
    username = f"{domain.netbios}\\{name}" if bind == "ntlm" else name
    chosen = settings(
        domain, bind=bind, username=username, servers=(f"ldaps://{domain.address}",), ca_path=ca_pem(domain)
    )
    with pytest.raises(directory.DirectoryError) as caught:
        directory.entries(chosen)
    message = str(caught.value)
    assert "ldap_tls_mode=none" in message and admin(domain)[1] not in message


def test_simple_bind_with_start_tls(domain: Domain) -> None:
    assert texts(directory.entries(ldaps(domain, servers=(domain.ldap_url,), start_tls=True))) == POOL_ENABLED


class Recorder:
    """The real socket under the sealed one, keeping every byte that crosses the wire."""

    def __init__(self, sock: t.Any) -> None:
        self.sock, self.sent, self.received = sock, bytearray(), bytearray()

    def sendall(self, data: bytes) -> None:
        self.sent += data
        self.sock.sendall(data)

    def recv(self, size: int) -> bytes:
        data = self.sock.recv(size)
        self.received += data
        return bytes(data)

    def __getattr__(self, name: str) -> t.Any:
        return getattr(self.sock, name)


def assert_sealed_on_the_wire(connection: t.Any) -> None:
    """A search after the bind: right answer, and neither the question nor the answer readable on the wire."""
    assert isinstance(connection.socket, ldap_sasl.SealedSocket)
    wire = Recorder(connection.socket._sock)
    connection.socket._sock = wire
    connection.search(POOL, "(cn=WEB01)", ldap3.SUBTREE, attributes=["dNSHostName"])
    assert [item["dn"] for item in connection.response if item["type"] == "searchResEntry"] == [f"CN=WEB01,{POOL}"]
    assert wire.sent and wire.received
    assert b"WEB01" not in wire.sent and b"dNSHostName" not in wire.sent
    assert b"WEB01" not in wire.received and b"web01.winremote.test" not in wire.received


def test_ntlm_bind_seals_the_session(domain: Domain) -> None:
    connection = directory.connect(settings(domain), domain.ldap_url)
    try:
        assert_sealed_on_the_wire(connection)
    finally:
        connection.unbind()
    assert texts(directory.entries(settings(domain))) == POOL_ENABLED


def test_kerberos_bind_acquires_a_ticket_with_the_password(domain: Domain, krb5: Path) -> None:
    name, _unused = admin(domain)
    found = directory.entries(settings(domain, bind="kerberos", username=f"{name}@{domain.realm}"))
    assert texts(found) == POOL_ENABLED
    connection = directory.connect(settings(domain, bind="kerberos", username=name), domain.ldap_url)
    try:
        assert_sealed_on_the_wire(connection)
    finally:
        connection.unbind()


def test_kerberos_bind_from_the_ticket_cache(domain: Domain, krb5: Path) -> None:
    name, password = admin(domain)
    without_ticket = settings(domain, bind="kerberos", username=None, password=None)
    with pytest.raises(directory.DirectoryError) as caught:
        directory.entries(without_ticket)
    assert caught.value.option == "ldap_auth" and "kinit" in str(caught.value)
    domain.kinit(f"{name}@{domain.realm}", password, krb5)
    assert texts(directory.entries(without_ticket)) == POOL_ENABLED


def test_kerberos_needs_the_server_name_for_its_principal(domain: Domain, krb5: Path) -> None:
    name, _unused = admin(domain)
    with pytest.raises(directory.DirectoryError) as caught:
        directory.entries(settings(domain, bind="kerberos", username=name, hostname_override=None))
    assert caught.value.option == "ldap_auth" and "ldap_hostname_override" in str(caught.value)


# --- filters, base, scope, paging -----------------------------------------------------------------------------


def test_name_and_os_filters(domain: Domain) -> None:
    web = texts(directory.entries(settings(domain, name_filter="web*")))
    assert web == {"web01.winremote.test", "web02.winremote.test", "web03.winremote.test"}
    assert texts(directory.entries(settings(domain, name_filter="SQL01"))) == {"sql01.winremote.test"}
    os_2019 = texts(directory.entries(settings(domain, os_filter="*Server 2019*")))
    assert os_2019 == {"web01.winremote.test", "web03.winremote.test"}  # OFF01 is 2019 too, but disabled
    both = texts(directory.entries(settings(domain, name_filter="web*", os_filter="*2022*")))
    assert both == {"web02.winremote.test"}
    raw = texts(directory.entries(settings(domain, ldap_filter="operatingSystemVersion=6.1*")))
    assert raw == {"OLD01"}
    assert directory.entries(settings(domain, name_filter="x)(cn=*")) == []  # hostile input matches nothing


def test_disabled_computers_only_when_asked(domain: Domain) -> None:
    assert texts(directory.entries(settings(domain, include_disabled=True))) == POOL_ENABLED | {"off01.winremote.test"}


def test_search_base_and_scope(domain: Domain) -> None:
    assert texts(directory.entries(settings(domain, search_scope="one_level"))) == POOL_ENABLED - {
        "web03.winremote.test"
    }
    assert texts(directory.entries(settings(domain, search_base=WEB_OU))) == {"web03.winremote.test"}
    base = settings(domain, search_base=f"CN=WEB01,{POOL}", search_scope="base")
    assert texts(directory.entries(base)) == {"web01.winremote.test"}
    # the default base is the domain (RootDSE defaultNamingContext): the DC itself is a computer there too
    everything = texts(directory.entries(settings(domain, search_base=None)))
    assert POOL_ENABLED | {DC_NAME, "127.3.250.1", "bulk000.winremote.test"} <= everything


def test_bad_search_base_says_so(domain: Domain) -> None:
    with pytest.raises(directory.DirectoryError) as caught:
        directory.entries(settings(domain, search_base=f"OU=Nowhere,{BASE}"))
    assert caught.value.option == "ldap_search_base" and "OU=Nowhere" in str(caught.value)


def test_empty_result_is_not_an_error(domain: Domain) -> None:
    assert directory.entries(settings(domain, name_filter="nomatch*")) == []


def test_paging_reads_every_page(domain: Domain, monkeypatch: pytest.MonkeyPatch) -> None:
    pages: list[int] = []
    search = ldap3.Connection.search

    def counted(self: t.Any, *args: t.Any, **kwargs: t.Any) -> t.Any:
        result = search(self, *args, **kwargs)
        if kwargs.get("paged_size"):
            pages.append(sum(1 for item in self.response or [] if item["type"] == "searchResEntry"))
        return result

    monkeypatch.setattr(ldap3.Connection, "search", counted)
    found = directory.entries(settings(domain, search_base=BULK, page_size=7))
    assert len(found) == BULK_COUNT
    assert pages == [7, 7, 7, 4]
    with pytest.raises(directory.DirectoryError) as caught:
        directory.entries(settings(domain, search_base=BULK, page_size=7, size_limit=10))
    assert caught.value.option == "ldap_size_limit"


# --- errors ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bind", ["simple", "ntlm"])
def test_wrong_password_is_a_clear_error(domain: Domain, bind: str) -> None:
    wrong = "Not-" + admin(domain)[1]
    chosen = ldaps(domain, password=wrong) if bind == "simple" else settings(domain, password=wrong)
    with pytest.raises(directory.DirectoryError) as caught:
        directory.entries(chosen)
    assert caught.value.option == "ldap_password"
    assert "refused the credentials" in str(caught.value)
    assert wrong not in str(caught.value) and admin(domain)[1] not in str(caught.value)


def test_unreachable_server_fails_within_the_timeout(domain: Domain) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    start = time.monotonic()
    with pytest.raises(directory.DirectoryError) as caught:
        directory.entries(settings(domain, servers=(f"ldap://127.0.0.1:{port}",), timeout=2))
    assert time.monotonic() - start < 3
    assert caught.value.option == "ldap_server" and "cannot connect" in str(caught.value)


def test_a_second_server_is_used_when_the_first_is_down(domain: Domain) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    found = directory.entries(settings(domain, servers=(f"ldap://127.0.0.1:{port}", domain.ldap_url)))
    assert texts(found) == POOL_ENABLED


def test_ldaps_without_the_ca_is_a_certificate_error(domain: Domain) -> None:
    with pytest.raises(directory.DirectoryError) as caught:
        directory.entries(ldaps(domain, ca_path=None))
    assert caught.value.option == "ldap_validate_certs"
    assert "CERTIFICATE_VERIFY_FAILED" in str(caught.value) and "ldap_ca_cert" in str(caught.value)
    # the right CA but the wrong name: also refused
    with pytest.raises(directory.DirectoryError) as caught:
        directory.entries(ldaps(domain, hostname_override="other.winremote.test"))
    assert caught.value.option == "ldap_validate_certs"
    # validation off (test domains only): accepted
    assert texts(directory.entries(ldaps(domain, ca_path=None, validate_certs=False))) == POOL_ENABLED


# --- ansible-inventory ----------------------------------------------------------------------------------------


def unwrap(value: t.Any) -> t.Any:
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {key: unwrap(item) for key, item in value.items()}
    if isinstance(value, list):
        return [unwrap(item) for item in value]
    return value


def run_inventory(
    dc: Domain, tmp_path: Path, password: str, *args: str, **options: t.Any
) -> subprocess.CompletedProcess[str]:
    """ansible-inventory --list of the Probe OU, the LDAP password from the environment; an inventory source that
    fails fails the command (ANSIBLE_INVENTORY_UNPARSED_FAILED)."""
    name, _unused = admin(dc)
    config = {
        "plugin": "winremote.remoting.server_pool",
        "directory": True,
        "ldap_server": dc.address,
        "ldap_auth": "ntlm",
        "ldap_username": f"{dc.netbios}\\{name}",
        "ldap_search_base": PROBE,
        "ldap_timeout": 5,
        "probe_timeout": 1,
        "probe_deadline": 10,
        "keyed_groups": [{"key": "winremote_ad_operating_system", "prefix": "ad_os"}],
    }
    config.update(options)
    path = tmp_path / "x.server_pool.yml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    env = ansible_env(
        WINREMOTE_LDAP_PASSWORD=password, KRB5_CONFIG=str(dc.krb5_conf), ANSIBLE_INVENTORY_UNPARSED_FAILED="True"
    )
    command = [str(BIN / "ansible-inventory"), "-i", str(path), "--list", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)


def test_ansible_inventory_lists_ad_computers(domain: Domain, tmp_path: Path) -> None:
    password = admin(domain)[1]
    result = run_inventory(domain, tmp_path, password)
    assert result.returncode == 0, result.stderr
    assert password not in result.stdout and password not in result.stderr
    listing = unwrap(json.loads(result.stdout))
    hostvars = listing["_meta"]["hostvars"]
    assert set(hostvars) == {"127.3.250.1", "127.3.250.2"}
    probe1 = hostvars["127.3.250.1"]
    assert probe1["winremote_ad_distinguished_name"] == f"CN=PROBE1,{PROBE}"
    assert probe1["winremote_ad_operating_system"] == "Windows Server 2019 Datacenter"
    assert probe1["winremote_ad_operating_system_version"] == "10.0 (17763)"
    assert probe1["winremote_ad_dns_host_name"] == "127.3.250.1"
    assert probe1["winremote_manageability"] == "Not accessible"  # nothing listens there: expected
    assert set(listing["manageability_not_accessible"]["hosts"]) == {"127.3.250.1", "127.3.250.2"}
    assert listing["ad_os_Windows_Server_2022_Datacenter"]["hosts"] == ["127.3.250.2"]
    verbose = run_inventory(domain, tmp_path, password, "-vvvv")
    assert verbose.returncode == 0, verbose.stderr
    assert password not in verbose.stdout and password not in verbose.stderr


def test_ansible_inventory_warns_when_the_directory_has_no_computer(domain: Domain, tmp_path: Path) -> None:
    result = run_inventory(domain, tmp_path, admin(domain)[1], ldap_name_filter="nomatch*")
    assert result.returncode == 0, result.stderr
    assert "ldap: no computer matched" in " ".join(result.stderr.split())


def test_ansible_inventory_wrong_password_is_a_clean_error(domain: Domain, tmp_path: Path) -> None:
    wrong = "Not-" + admin(domain)[1]
    result = run_inventory(domain, tmp_path, wrong)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    flat = " ".join(output.split())
    assert "ldap_password:" in flat and "refused the credentials" in flat
    assert "Traceback" not in output
    assert wrong not in output and admin(domain)[1] not in output
