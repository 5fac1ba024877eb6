# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Authentication and message encryption, driven by real clients (pypsrp, requests) against the fake model."""

from __future__ import annotations

import base64
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import requests
import spnego
from conftest import ECHO, PASSWORD, FakeModel, RulesModel, pick_address
from pypsrp.exceptions import AuthenticationError, WSManFaultError
from pypsrp.wsman import WSMan

from winsim.host import SimulatedHost
from winsim.state import HostState

CONFIG = "http://schemas.microsoft.com/wbem/wsman/1/config"
IDENTIFY = (
    b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
    b'xmlns:wsmid="http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd">'
    b"<s:Header/><s:Body><wsmid:Identify/></s:Body></s:Envelope>"
)


def wsman(host: SimulatedHost, user: str = "Administrator", password: str = PASSWORD, **kw: object) -> WSMan:
    kw.setdefault("ssl", False)
    kw.setdefault("auth", "ntlm")
    kw.setdefault("cert_validation", False)
    kw.setdefault("reconnection_retries", 0)
    return WSMan(host.address, username=user, password=password, **kw)  # type: ignore[arg-type]


def echo(element: ET.Element) -> dict[str, str]:
    found = element.find(f"{{{ECHO}}}Echo")
    assert found is not None, ET.tostring(element)
    return dict(found.attrib)


def url(host: SimulatedHost, scheme: str = "http") -> str:
    port = host.https_port if scheme == "https" else host.http_port
    return f"{scheme}://{host.address}:{port}/wsman"


def soap_post(
    host: SimulatedHost,
    body: bytes,
    headers: dict[str, str] | None = None,
    auth: tuple[str, str] | None = None,
    scheme: str = "http",
) -> requests.Response:
    sent = {"Content-Type": "application/soap+xml;charset=UTF-8", **(headers or {})}
    return requests.post(url(host, scheme), data=body, headers=sent, auth=auth, timeout=10)


def test_ntlm_with_message_encryption(fake_host: SimulatedHost) -> None:
    with wsman(fake_host) as client:
        answer = echo(client.get(CONFIG))
    assert answer == {"user": "Administrator", "auth": "ntlm", "encrypted": "True", "transport": "HTTP", "port": "5985"}


def test_negotiate_spnego_with_domain_account(fake_host: SimulatedHost) -> None:
    with wsman(fake_host, user="WINREMOTE\\ansible", auth="negotiate") as client:
        answer = echo(client.get(CONFIG))
    assert answer["user"] == "ansible"
    assert answer["encrypted"] == "True"


def test_wrong_password_is_401(fake_host: SimulatedHost) -> None:
    with wsman(fake_host, password="wrong") as client, pytest.raises(AuthenticationError):
        client.get(CONFIG)
    assert fake_host.request_count == 0


def test_account_of_another_host_is_401(fake_host: SimulatedHost) -> None:
    with fake_host.lock:
        fake_host.state.accounts = [a for a in fake_host.state.accounts if a.name != "localadmin"]
    fake_host.apply_state()
    with wsman(fake_host, user="localadmin") as client, pytest.raises(AuthenticationError):
        client.get(CONFIG)


def test_401_lists_only_enabled_schemes(fake_host: SimulatedHost, fake_model: FakeModel) -> None:
    res = requests.post(url(fake_host), data=b"", timeout=10)
    assert res.status_code == 401
    assert res.raw.headers.getlist("WWW-Authenticate") == ["Negotiate", "Kerberos"]
    fake_model.policy.basic = True
    fake_model.policy.kerberos = False
    res = requests.post(url(fake_host), data=b"", timeout=10)
    assert res.raw.headers.getlist("WWW-Authenticate") == ["Negotiate", 'Basic realm="WSMAN"']


def test_basic_disabled_is_401(fake_host: SimulatedHost, fake_model: FakeModel) -> None:
    fake_model.policy.allow_unencrypted = True
    with wsman(fake_host, auth="basic", encryption="never") as client, pytest.raises(AuthenticationError):
        client.get(CONFIG)


def test_basic_over_http_needs_allow_unencrypted(fake_host: SimulatedHost, fake_model: FakeModel) -> None:
    fake_model.policy.basic = True
    with wsman(fake_host, auth="basic", encryption="never") as client, pytest.raises(AuthenticationError):
        client.get(CONFIG)
    fake_model.policy.allow_unencrypted = True
    with wsman(fake_host, auth="basic", encryption="never") as client:
        answer = echo(client.get(CONFIG))
    assert answer["auth"] == "basic"
    assert answer["encrypted"] == "False"


def test_basic_raw_requests_status_codes(fake_host: SimulatedHost, fake_model: FakeModel) -> None:
    fake_model.policy.basic = True
    fake_model.policy.allow_unencrypted = True
    good = soap_post(fake_host, IDENTIFY, auth=("Administrator", PASSWORD))
    assert good.status_code == 200
    assert b"OS: 10.0.17763" in good.content
    bad = soap_post(fake_host, IDENTIFY, auth=("Administrator", "nope"))
    assert bad.status_code == 401
    domain = soap_post(fake_host, IDENTIFY, auth=("WINREMOTE\\ansible", PASSWORD))
    assert domain.status_code == 401  # WinRM Basic authentication takes local accounts only


def test_basic_over_https_with_ca(fake_host: SimulatedHost, fake_model: FakeModel) -> None:
    fake_model.policy.basic = True
    with wsman(fake_host, auth="basic", ssl=True, cert_validation=fake_host.ca_path) as client:
        answer = echo(client.get(CONFIG))
    assert answer == {
        "user": "Administrator",
        "auth": "basic",
        "encrypted": "False",
        "transport": "HTTPS",
        "port": "5986",
    }


def test_https_ntlm_validates_against_ca_path(fake_host: SimulatedHost) -> None:
    with wsman(fake_host, ssl=True, cert_validation=fake_host.ca_path) as client:
        assert echo(client.get(CONFIG))["transport"] == "HTTPS"


def test_https_fails_without_ca(fake_host: SimulatedHost) -> None:
    with wsman(fake_host, ssl=True, cert_validation=True) as client, pytest.raises(requests.exceptions.SSLError):
        client.get(CONFIG)


def test_certificate_names_host_and_is_in_store(fake_host: SimulatedHost) -> None:
    from cryptography import x509

    cert = x509.load_pem_x509_certificate(Path(fake_host.certificate.cert_path).read_bytes())
    assert cert.subject.rfc4514_string() == "CN=SIMTEST"
    ca = x509.load_pem_x509_certificate(Path(fake_host.ca_path).read_bytes())
    cert.verify_directly_issued_by(ca)  # ca_path is the test CA that issued it
    thumbprints = [c.thumbprint for c in fake_host.state.certificates]
    assert fake_host.certificate.thumbprint in thumbprints
    assert len(fake_host.certificate.thumbprint) == 40


def test_unencrypted_body_after_ntlm_is_401_unless_allowed(fake_host: SimulatedHost, fake_model: FakeModel) -> None:
    with wsman(fake_host, encryption="never") as client, pytest.raises(AuthenticationError):
        client.get(CONFIG)
    fake_model.policy.allow_unencrypted = True
    with wsman(fake_host, encryption="never") as client:
        assert echo(client.get(CONFIG))["encrypted"] == "False"


def test_negotiate_disabled_is_401(fake_host: SimulatedHost, fake_model: FakeModel) -> None:
    fake_model.policy.negotiate = False
    client = spnego.client("Administrator", PASSWORD, hostname=fake_host.address, protocol="ntlm")
    token = base64.b64encode(client.step() or b"").decode()
    res = requests.post(url(fake_host), data=b"", headers={"Authorization": f"Negotiate {token}"}, timeout=10)
    assert res.status_code == 401
    assert res.raw.headers.getlist("WWW-Authenticate") == ["Kerberos"]


def test_token_filtered_local_admin_is_401(fake_host: SimulatedHost, fake_model: FakeModel) -> None:
    """A UAC-filtered local administrator is refused like bad credentials (HTTP 401), not with a WS-Man fault."""
    fake_model.deny = "access_denied_token_filter"
    with wsman(fake_host, user="localadmin") as client, pytest.raises(AuthenticationError):
        client.get(CONFIG)
    assert fake_model.identities[-1].user == "localadmin"
    assert fake_model.identities[-1].auth == "ntlm"
    assert fake_host.request_count == 0  # refused before any SOAP was processed


def test_token_filtered_local_admin_is_401_over_https(fake_host: SimulatedHost, fake_model: FakeModel) -> None:
    """Over HTTPS the SOAP body travels with the final NTLM leg; that leg still gets 401 and no SOAP is run."""
    fake_model.deny = "access_denied_token_filter"
    client = wsman(fake_host, user="localadmin", ssl=True, cert_validation=fake_host.ca_path)
    with client, pytest.raises(AuthenticationError):
        client.get(CONFIG)
    assert fake_host.request_count == 0 and fake_model.contexts == []


def test_token_filtered_final_leg_is_401(fake_host: SimulatedHost, fake_model: FakeModel) -> None:
    """The handshake completes (the challenge is answered) and only the final leg gets 401, with the offers."""
    fake_model.deny = "access_denied_token_filter"
    session = requests.Session()
    client = spnego.client("localadmin", PASSWORD, hostname=fake_host.address, protocol="ntlm")
    negotiate = client.step()
    assert negotiate is not None
    second = session.post(
        url(fake_host),
        data=b"",
        timeout=10,
        headers={"Authorization": "Negotiate " + base64.b64encode(negotiate).decode()},
    )
    assert second.status_code == 401
    challenge = second.headers["WWW-Authenticate"].split(" ", 1)[1]
    authenticate = client.step(base64.b64decode(challenge))
    assert authenticate is not None
    third = session.post(
        url(fake_host),
        data=b"",
        timeout=10,
        headers={"Authorization": "Negotiate " + base64.b64encode(authenticate).decode()},
    )
    assert third.status_code == 401
    assert "Negotiate" in third.raw.headers.getlist("WWW-Authenticate")
    assert fake_model.identities[-1].user == "localadmin"


def test_access_denied_is_500_fault_code_5(fake_host: SimulatedHost, fake_model: FakeModel) -> None:
    """An authenticated account that is not allowed (not a filtered administrator) gets fault 5."""
    fake_model.deny = "access_denied"
    with wsman(fake_host, user="localadmin") as client, pytest.raises(WSManFaultError) as err:
        client.get(CONFIG)
    assert err.value.code == 5
    assert err.value.reason == "Access is denied."


def test_unauthenticated_identify(fake_host: SimulatedHost) -> None:
    res = soap_post(fake_host, IDENTIFY, headers={"WSMANIDENTIFY": "unauthenticated"})
    assert res.status_code == 200
    assert b"OS: 0.0.0" in res.content
    without_header = soap_post(fake_host, IDENTIFY)
    assert without_header.status_code == 401


def test_other_paths_are_404(fake_host: SimulatedHost) -> None:
    res = requests.post(f"http://{fake_host.address}:{fake_host.http_port}/other", data=b"", timeout=10)
    assert res.status_code == 404


def test_empty_post_legs_match_windows(fake_host: SimulatedHost) -> None:
    """Empty POST: 401 offer, 401 with the challenge, then 200 with an empty body on the same connection."""
    session = requests.Session()
    client = spnego.client(
        "Administrator",
        PASSWORD,
        hostname=fake_host.address,
        protocol="ntlm",
        options=spnego.NegotiateOptions.wrapping_winrm,
    )
    first = session.post(url(fake_host), data=b"", timeout=10)
    assert first.status_code == 401
    token = client.step()
    assert token is not None
    second = session.post(
        url(fake_host), data=b"", timeout=10, headers={"Authorization": "Negotiate " + base64.b64encode(token).decode()}
    )
    assert second.status_code == 401
    challenge = second.headers["WWW-Authenticate"].split(" ", 1)[1]
    token = client.step(base64.b64decode(challenge))
    assert token is not None
    third = session.post(
        url(fake_host), data=b"", timeout=10, headers={"Authorization": "Negotiate " + base64.b64encode(token).decode()}
    )
    assert third.status_code == 200
    assert third.content == b""
    assert fake_host.request_count == 0


def test_one_security_context_per_connection(fake_host: SimulatedHost, fake_model: FakeModel) -> None:
    """Two clients authenticate at once as different users; each connection keeps its own identity."""
    errors: list[BaseException] = []
    results: dict[str, list[str]] = {}

    def run(user: str) -> None:
        try:
            with wsman(fake_host, user=user) as client:
                results[user] = [echo(client.get(CONFIG))["user"] for _unused in range(5)]
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=run, args=(u,)) for u in ("Administrator", "localadmin")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    assert results == {"Administrator": ["Administrator"] * 5, "localadmin": ["localadmin"] * 5}
    assert fake_host.request_count == 10


def test_new_connection_must_authenticate_again(fake_host: SimulatedHost) -> None:
    """A context belongs to its TCP connection: a second connection without auth gets 401."""
    with wsman(fake_host) as client:
        client.get(CONFIG)
    res = soap_post(fake_host, IDENTIFY)
    assert res.status_code == 401


def test_basic_follows_the_winrm_config_of_a_real_profile() -> None:
    """The same Basic rules with winsim.rules reading winrm/config/service of a 2019 host."""
    state = HostState.from_profile("2019", hostname="SIMBASIC")
    with SimulatedHost(state, address=pick_address(), model=RulesModel()) as host:
        assert soap_post(host, IDENTIFY, auth=("Administrator", PASSWORD)).status_code == 401  # Basic off
        with host.lock:
            host.state.winrm["Service"]["Auth"]["Basic"] = "true"
        challenge = requests.post(url(host), data=b"", timeout=10)
        assert 'Basic realm="WSMAN"' in challenge.raw.headers.getlist("WWW-Authenticate")
        assert soap_post(host, IDENTIFY, auth=("Administrator", PASSWORD)).status_code == 401  # over HTTP
        with host.lock:
            host.state.winrm["Service"]["AllowUnencrypted"] = "true"
        assert soap_post(host, IDENTIFY, auth=("Administrator", PASSWORD)).status_code == 200


def test_a_reply_finished_after_stop_does_not_register_the_host_again(fake_host: SimulatedHost) -> None:
    """The NTLM credential file is shared by every host in the process and the first match wins: a stopped host that
    registered again (a reply completing after stop, as a reset fault's does) would shadow a later host's password."""
    from winsim import auth

    fake_host.stop()
    fake_host.after_request(restart_winrm=False)
    assert not auth.CREDENTIALS.holds(id(fake_host))
