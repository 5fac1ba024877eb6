# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Basic authentication as a real host's WinRM configuration decides it: local accounts only, by their bare name,
and over HTTP only with AllowUnencrypted (about_Remote_Requirements,
https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_remote_requirements; a domain
account over Basic is answered 401: https://github.com/diyan/pywinrm/issues/215)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from conftest import PASSWORD, pick_address
from pypsrp.exceptions import AuthenticationError
from pypsrp.wsman import WSMan

from winsim import firewall as winsim_firewall
from winsim.host import SimulatedHost
from winsim.state import HostState, Listener

CONFIG = "http://schemas.microsoft.com/wbem/wsman/1/config"
IDENTIFY = (
    b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
    b'xmlns:wsmid="http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd">'
    b"<s:Header/><s:Body><wsmid:Identify/></s:Body></s:Envelope>"
)
HOSTNAME = "SIMBASIC"


@pytest.fixture
def host(tmp_path: Path) -> Iterator[SimulatedHost]:
    """A 2019 host with Basic on, an HTTPS listener on its test-CA certificate and a firewall rule for 5986."""
    state = HostState.from_profile("2019", hostname=HOSTNAME)
    state.winrm["Service"]["Auth"]["Basic"] = "true"
    simulated = SimulatedHost(state, address=pick_address(), cert_dir=tmp_path / "certs")
    state.listeners.append(
        Listener(
            transport="HTTPS", port=5986, hostname=HOSTNAME, certificate_thumbprint=simulated.certificate.thumbprint
        )
    )
    state.registry.set_value(
        winsim_firewall.LOCAL_STORE,
        "WINRM-HTTPS-In-TCP-Custom",
        "REG_SZ",
        "v2.20|Action=Allow|Active=TRUE|Dir=In|Protocol=6|LPort=5986|Name=Windows Remote Management (HTTPS-In)|",
    )
    with simulated:
        yield simulated


def basic(host: SimulatedHost, user: str, password: str = PASSWORD, scheme: str = "https") -> requests.Response:
    port = host.https_port if scheme == "https" else host.http_port
    return requests.post(
        f"{scheme}://{host.address}:{port}/wsman",
        data=IDENTIFY,
        headers={"Content-Type": "application/soap+xml;charset=UTF-8"},
        auth=(user, password),
        verify=host.ca_path,
        timeout=10,
    )


def client(host: SimulatedHost, user: str, auth: str = "basic") -> WSMan:
    return WSMan(
        host.address,
        username=user,
        password=PASSWORD,
        ssl=True,
        port=host.https_port,
        auth=auth,
        cert_validation=host.ca_path,
        reconnection_retries=0,
    )


def test_the_local_administrator_logs_on_with_basic_over_https(host: SimulatedHost) -> None:
    answer = basic(host, "Administrator")
    assert answer.status_code == 200
    assert b"ProductVersion" in answer.content
    record = host.authentications[-1]
    assert (record.scheme, record.mechanism, record.user, record.domain) == ("Basic", "basic", "Administrator", "")
    with client(host, "Administrator") as wsman:
        config = wsman.get(CONFIG)
    assert config.find(".//{*}AllowUnencrypted") is not None


@pytest.mark.parametrize(
    "user",
    [
        "WINREMOTE\\ansible",  # DOMAIN\user
        "ansible@winremote.test",  # its UPN
        "ansible",  # no local account of that name: only the domain account has it
        f"{HOSTNAME}\\Administrator",  # a local account, machine-qualified
    ],
)
def test_basic_refuses_domain_and_qualified_names_with_401(host: SimulatedHost, user: str) -> None:
    before = len(host.authentications)
    answer = basic(host, user)
    assert answer.status_code == 401
    assert 'Basic realm="WSMAN"' in answer.raw.headers.getlist("WWW-Authenticate")
    assert len(host.authentications) == before
    assert host.request_count == 0


def test_the_refused_domain_account_logs_on_with_ntlm(host: SimulatedHost) -> None:
    """The refusal is Basic's rule, not the password's: the same account and password work with NTLM."""
    with client(host, "WINREMOTE\\ansible", auth="basic") as wsman, pytest.raises(AuthenticationError):
        wsman.get(CONFIG)
    with client(host, "WINREMOTE\\ansible", auth="ntlm") as wsman:
        assert wsman.get(CONFIG).find(".//{*}Service") is not None
    assert host.authentications[-1].mechanism == "ntlm"


def test_basic_over_http_needs_allow_unencrypted(host: SimulatedHost) -> None:
    assert basic(host, "Administrator", scheme="http").status_code == 401
    with host.lock:
        host.state.winrm["Service"]["AllowUnencrypted"] = "true"
    assert basic(host, "Administrator", scheme="http").status_code == 200
    assert basic(host, "WINREMOTE\\ansible", scheme="http").status_code == 401  # still local accounts only


def test_basic_off_refuses_the_local_administrator_over_https(host: SimulatedHost) -> None:
    with host.lock:
        host.state.winrm["Service"]["Auth"]["Basic"] = "false"
    answer = basic(host, "Administrator")
    assert answer.status_code == 401
    assert not any(offer.startswith("Basic") for offer in answer.raw.headers.getlist("WWW-Authenticate"))


def test_a_wrong_password_is_401(host: SimulatedHost) -> None:
    assert basic(host, "Administrator", password="not-the-password").status_code == 401
