# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The server_pool's Active Directory source without a directory: filters (RFC 4515 escaping of hostile input),
settings validation, error messages without the password, the sealed socket's framing and bounded waits."""

from __future__ import annotations

import datetime
import socket
import threading
import time
import typing as t

import pytest
from ldap3.operation.search import parse_filter

from ansible_collections.winremote.remoting.plugins.plugin_utils.errors import InvalidArgumentError
from ansible_collections.winremote.remoting.plugins.plugin_utils.inventory import directory, ldap_sasl, sources

SECRET = "S3cret-pa$$word(*)"
HOSTILE = "*()\\\x00&|!\r\n=<>~"


def settings(**overrides: t.Any) -> directory.DirectorySettings:
    values: dict[str, t.Any] = {
        "servers": ("ldap://127.0.0.1",),
        "bind": "ntlm",
        "username": "EX\\u",
        "password": SECRET,
    }
    values.update(overrides)
    return directory.DirectorySettings(**values)


def assertions(search_filter: str) -> list[dict[str, t.Any]]:
    """The leaf assertions of a filter as ldap3's parser reads it: what the server would be asked."""
    root = parse_filter(search_filter, None, False, False, None, False)
    found: list[dict[str, t.Any]] = []

    def walk(node: t.Any) -> None:
        if node.assertion:
            found.append(node.assertion)
        for child in node.elements:
            walk(child)

    walk(root)
    return found


# --- escaping -----------------------------------------------------------------------------------------------


def test_rfc4515_specials_and_control_characters_are_escaped() -> None:
    assert directory.escape(HOSTILE) == "\\2a\\28\\29\\5c\\00&|!\\0d\\0a=<>~"
    assert directory.escape("web01") == "web01"
    assert directory.escape("sérveur") == "sérveur"  # UTF-8 is allowed as is (RFC 4515 section 3)


def test_wildcards_stay_wildcards_and_nothing_else_does() -> None:
    assert directory.wildcard("web*") == "web*"
    assert directory.wildcard("*sql*") == "*sql*"
    assert directory.wildcard("a(b)*\\") == "a\\28b\\29*\\5c"


def test_hostile_name_cannot_change_the_filter_structure() -> None:
    injection = "x)(objectClass=computer))(|(cn=x"
    search_filter = directory.computer_filter(settings(name_filter=injection, os_filter=HOSTILE))
    leaves = assertions(search_filter)
    # exactly: the category, the disabled bit, cn and dNSHostName, operatingSystem; no injected objectClass
    assert [leaf["attr"] for leaf in leaves] == [
        "objectCategory",
        "userAccountControl",
        "cn",
        "dNSHostName",
        "operatingSystem",
    ]
    assert leaves[2]["value"] == b"x\\29\\28objectClass=computer\\29\\29\\28|\\28cn=x"
    # the OS filter's "*" is the wildcard; everything after it one literal final part, its controls escaped
    assert leaves[4]["final"] == b"\\28\\29\\5c\\00&|!\\0d\\0a=<>~"
    assert "\r" not in search_filter and "\n" not in search_filter and "\x00" not in search_filter


def test_a_wildcard_in_hostile_input_stays_inside_its_assertion() -> None:
    leaves = assertions(directory.computer_filter(settings(name_filter="x)(objectClass=*))(|(cn=*")))
    assert [leaf["attr"] for leaf in leaves] == ["objectCategory", "userAccountControl", "cn", "dNSHostName"]
    assert leaves[2]["initial"] == b"x\\29\\28objectClass="
    assert leaves[2]["any"] == [b"\\29\\29\\28|\\28cn="]


def test_filter_for_name_os_raw_and_disabled() -> None:
    assert directory.computer_filter(settings()) == (
        "(&(objectCategory=computer)(!(userAccountControl:1.2.840.113556.1.4.803:=2)))"
    )
    assert directory.computer_filter(
        settings(name_filter=" web* ", os_filter="*Server 2019*", ldap_filter="description=web tier")
    ) == (
        "(&(objectCategory=computer)(!(userAccountControl:1.2.840.113556.1.4.803:=2))"
        "(|(cn=web*)(dNSHostName=web*))(operatingSystem=*Server 2019*)(description=web tier))"
    )
    assert directory.computer_filter(settings(include_disabled=True, ldap_filter="(location=B1)")) == (
        "(&(objectCategory=computer)(location=B1))"
    )


# --- settings -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "option", "words"),
    [
        ({"servers": ()}, "ldap_server", "at least one"),
        ({"servers": ("dc01",)}, "ldap_server", "not an ldap"),
        ({"bind": "basic"}, "ldap_auth", "not one of"),
        ({"search_scope": "tree"}, "ldap_search_scope", "not one of"),
        ({"bind": "simple", "password": None}, "ldap_username", "simple bind needs"),
        ({"bind": "ntlm", "username": None}, "ldap_username", "NTLM bind needs"),
        ({"bind": "kerberos", "username": None}, "ldap_username", "without ldap_username"),
        ({"servers": ("ldaps://dc01",), "start_tls": True}, "ldap_tls_mode", "start_tls cannot"),
        ({"page_size": 0}, "ldap_page_size", "at least 1"),
        ({"size_limit": 0}, "ldap_size_limit", "at least 1"),
        ({"timeout": 0}, "ldap_timeout", "more than 0"),
    ],
)
def test_settings_that_cannot_work_are_refused(overrides: dict[str, t.Any], option: str, words: str) -> None:
    with pytest.raises(directory.DirectoryError) as caught:
        settings(**overrides)
    assert caught.value.option == option
    assert words in str(caught.value)
    assert SECRET not in str(caught.value)
    assert isinstance(caught.value, InvalidArgumentError) and isinstance(caught.value, sources.SourceError)


def test_simple_bind_over_plain_ldap_is_never_attempted() -> None:
    for servers in (("ldap://dc01",), ("ldaps://dc01", "ldap://dc02")):
        with pytest.raises(directory.DirectoryError) as caught:
            settings(bind="simple", servers=servers)
        assert caught.value.option == "ldap_tls_mode"
        assert "clear text" in str(caught.value) and "ldaps or start_tls" in str(caught.value)
        assert "ntlm or kerberos" in str(caught.value)
    assert settings(bind="simple", start_tls=True).start_tls
    assert settings(bind="simple", servers=("ldaps://dc01",)).bind == "simple"


def test_inside_tls_a_refused_sasl_bind_says_to_seal_over_plain_ldap() -> None:
    error = directory.bind_error(settings(servers=("ldaps://dc01",)), "ldaps://dc01", 8, "Sign or Seal are required")
    assert error.option == "ldap_tls_mode" and "ldap_tls_mode=none" in str(error)


def test_kerberos_from_the_ticket_cache_needs_no_credentials() -> None:
    assert settings(bind="kerberos", username=None, password=None).bind == "kerberos"


def test_server_urls() -> None:
    assert directory.server_urls(["dc01.example.com", "", "ldaps://dc02:3269"]) == (
        "ldap://dc01.example.com",
        "ldaps://dc02:3269",
    )
    assert directory.server_urls(["dc01"], "ldaps") == ("ldaps://dc01",)
    assert directory.server_urls(["192.0.2.1"], "start_tls", 1389) == ("ldap://192.0.2.1:1389",)
    assert directory.server_urls(["2001:db8::1"], "none") == ("ldap://[2001:db8::1]",)
    with pytest.raises(directory.DirectoryError, match="ldap_tls_mode"):
        directory.server_urls(["dc01"], "tls")


def test_from_options_reads_the_inventory_options() -> None:
    options: dict[str, t.Any] = {
        "ldap_server": "dc01.example.com",
        "ldap_port": None,
        "ldap_tls_mode": "start_tls",
        "ldap_validate_certs": True,
        "ldap_ca_cert": "/ca.pem",
        "ldap_auth": "simple",
        "ldap_username": "u@example.com",
        "ldap_hostname_override": "",
        "ldap_search_base": "OU=Servers,DC=example,DC=com",
        "ldap_search_scope": "one_level",
        "ldap_name_filter": "web*",
        "ldap_os_filter": None,
        "ldap_filter": None,
        "ldap_include_disabled": False,
        "ldap_page_size": 500,
        "ldap_timeout": 10,
        "ldap_size_limit": 50000,
    }
    built = directory.from_options(options.__getitem__, SECRET)
    assert built.servers == ("ldap://dc01.example.com",)
    assert built.start_tls and built.bind == "simple" and built.password == SECRET
    assert built.hostname_override is None and built.search_scope == "one_level"
    options["ldap_server"] = None
    with pytest.raises(directory.DirectoryError, match=r"^ldap_server: name at least one"):
        directory.from_options(options.__getitem__, SECRET)


# --- never the password --------------------------------------------------------------------------------------


def test_repr_hides_the_password() -> None:
    shown = repr(settings())
    assert SECRET not in shown and "password" not in shown


def test_error_messages_never_hold_the_password() -> None:
    echoed = f"server said: bad password {SECRET}"
    for code in (None, directory.INVALID_CREDENTIALS, directory.STRONGER_AUTH_REQUIRED, 80):
        for bind in ("simple", "ntlm", "kerberos"):
            error = directory.bind_error(settings(bind=bind, servers=("ldaps://dc01",)), "ldaps://dc01", code, echoed)
            assert SECRET not in str(error) and SECRET not in repr(error)
            assert "********" in str(error)
    assert SECRET not in str(directory.open_error(settings(), "ldap://dc01", OSError(echoed)))


def test_messages_say_what_to_do() -> None:
    strong = directory.bind_error(settings(bind="ntlm"), "ldap://dc01", 8, "strongerAuthRequired")
    assert strong.option == "ldap_auth"
    assert "ldaps or start_tls" in str(strong) and "ntlm or kerberos" in str(strong)
    wrong = directory.bind_error(settings(), "ldap://dc01", 49, "invalidCredentials")
    assert wrong.option == "ldap_password" and "ldap_username" in str(wrong)
    cert = directory.open_error(
        settings(servers=("ldaps://dc01",)),
        "ldaps://dc01",
        OSError("('socket ssl wrapping error: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed',)"),
    )
    assert cert.option == "ldap_validate_certs" and "ldap_ca_cert" in str(cert)
    assert "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed" in str(cert)


# --- entries ------------------------------------------------------------------------------------------------


def test_entry_is_named_by_dns_host_name_with_details() -> None:
    warnings: list[str] = []
    attributes = {
        "cn": "WEB01",
        "dNSHostName": "web01.example.com",
        "operatingSystem": "Windows Server 2019 Datacenter",
        "operatingSystemVersion": "10.0 (17763)",
    }
    entry = directory.entry_for("CN=WEB01,OU=Servers,DC=example,DC=com", attributes, warnings)
    assert entry == sources.Entry(
        "web01.example.com",
        details=(
            ("ad_distinguished_name", "CN=WEB01,OU=Servers,DC=example,DC=com"),
            ("ad_operating_system", "Windows Server 2019 Datacenter"),
            ("ad_operating_system_version", "10.0 (17763)"),
            ("ad_dns_host_name", "web01.example.com"),
        ),
    )
    assert warnings == []


def test_entry_without_dns_host_name_falls_back_to_cn_and_warns() -> None:
    warnings: list[str] = []
    entry = directory.entry_for("CN=OLD01,DC=example,DC=com", {"cn": ["OLD01"], "dNSHostName": []}, warnings)
    assert entry is not None and entry.text == "OLD01"
    assert dict(entry.details)["ad_dns_host_name"] == ""
    assert len(warnings) == 1 and "no dNSHostName" in warnings[0] and "OLD01" in warnings[0]
    assert directory.entry_for("CN=X", {}, warnings) is None and len(warnings) == 2


def test_without_ldap3_the_error_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(directory, "LDAP3_IMPORT_ERROR", ImportError("No module named 'ldap3'"))
    with pytest.raises(directory.DirectoryError, match=r"pip install 'ldap3>=2.9,<3'"):
        directory.entries(settings())


# --- waits are bounded --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_closed_port_is_a_connection_error() -> None:
    port = free_port()
    with pytest.raises(directory.DirectoryError) as caught:
        directory.entries(settings(servers=(f"ldap://127.0.0.1:{port}",), timeout=2))
    assert caught.value.option == "ldap_server" and "Connection refused" in str(caught.value)


def test_the_next_server_is_tried_when_one_is_down() -> None:
    down, silent = free_port(), free_port()
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", silent))
        listener.listen()
        start = time.monotonic()
        with pytest.raises(directory.DirectoryError) as caught:
            directory.entries(settings(servers=(f"ldap://127.0.0.1:{down}", f"ldap://127.0.0.1:{silent}"), timeout=1))
        elapsed = time.monotonic() - start
    # the second server accepts and never answers: the bind waits one timeout, not forever
    assert caught.value.option == "ldap_timeout"
    assert f":{silent}: no reply to the bind within 1 s" in str(caught.value)
    assert elapsed < 5, elapsed


# --- the sealed socket ----------------------------------------------------------------------------------------


class Wrapped(t.NamedTuple):
    data: bytes
    encrypted: bool = True


class Reversing:
    """A stand-in GSS context: "sealing" reverses the bytes, with a marker."""

    def wrap(self, data: bytes, encrypt: bool = True) -> Wrapped:
        return Wrapped(b"S" + data[::-1])

    def unwrap(self, data: bytes) -> Wrapped:
        assert data[:1] == b"S"
        return Wrapped(data[1:][::-1])


def test_sealed_socket_frames_each_message_and_reassembles_replies() -> None:
    left, right = socket.socketpair()
    with left, right:
        sealed = ldap_sasl.SealedSocket(left, Reversing())
        sealed.sendall(b"hello")
        assert right.recv(100) == b"\x00\x00\x00\x06Solleh"
        # two SASL buffers, the second split across sends: recv gives the plain bytes in order
        first, second = b"S" + b"abc"[::-1], b"S" + b"defgh"[::-1]
        stream = len(first).to_bytes(4, "big") + first + len(second).to_bytes(4, "big") + second

        def send() -> None:
            right.sendall(stream[:9])
            time.sleep(0.05)
            right.sendall(stream[9:])

        sender = threading.Thread(target=send)
        sender.start()
        received = b""
        while len(received) < 8:
            received += sealed.recv(3)
        sender.join()
        assert received == b"abcdefgh"
        assert sealed.fileno() == left.fileno()  # everything else is the real socket's


def test_sealed_socket_refuses_oversized_and_unsealed_buffers() -> None:
    left, right = socket.socketpair()
    with left, right:
        sealed = ldap_sasl.SealedSocket(left, Reversing())
        right.sendall((ldap_sasl.MAX_SASL_BUFFER + 1).to_bytes(4, "big"))
        with pytest.raises(OSError, match="SASL buffer"):
            sealed.recv(10)

    class Plain(Reversing):
        def unwrap(self, data: bytes) -> Wrapped:
            return Wrapped(data, encrypted=False)

    left, right = socket.socketpair()
    with left, right:
        sealed = ldap_sasl.SealedSocket(left, Plain())
        right.sendall((3).to_bytes(4, "big") + b"abc")
        with pytest.raises(OSError, match="not sealed"):
            sealed.recv(10)
        right.close()


def test_channel_binding_hashes_the_certificate_rfc5929(monkeypatch: pytest.MonkeyPatch) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "dc01.example.com")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA384())
    )
    der = cert.public_bytes(serialization.Encoding.DER)

    def digest(algorithm: hashes.HashAlgorithm) -> bytes:
        hashed = hashes.Hash(algorithm)
        hashed.update(der)
        return b"tls-server-end-point:" + hashed.finalize()

    assert ldap_sasl.tls_server_end_point(der) == digest(hashes.SHA384())
    # MD5 and SHA-1 signatures bind with SHA-256 (RFC 5929 section 4.1); cryptography no longer signs with SHA-1

    class Sha1Signed:
        signature_hash_algorithm = hashes.SHA1()

    monkeypatch.setattr(x509, "load_der_x509_certificate", lambda data: Sha1Signed())
    assert ldap_sasl.tls_server_end_point(der) == digest(hashes.SHA256())
