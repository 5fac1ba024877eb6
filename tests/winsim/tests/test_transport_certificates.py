# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The HTTPS listener serves the certificate its CertificateThumbprint names, from the store, seen by real TLS
clients: rotation by a WS-Man Put, refusal of a certificate without a key or gone, and a WinRM restart dropping
the connections that were open."""

from __future__ import annotations

import hashlib
import socket
import ssl
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import PASSWORD, pick_address
from pypsrp.exceptions import WSManFaultError
from pypsrp.wsman import SelectorSet, WSMan

from winsim import cert_store
from winsim import firewall as winsim_firewall
from winsim.host import SimulatedHost
from winsim.state import HostState, Listener

LISTENER = "http://schemas.microsoft.com/wbem/wsman/1/config/listener"


@pytest.fixture
def https_host(tmp_path: Path) -> Iterator[SimulatedHost]:
    """A 2019 host with an HTTPS listener on its default certificate and a firewall rule for 5986."""
    state = HostState.from_profile("2019", hostname="SIMCERT")
    host = SimulatedHost(state, address=pick_address(), cert_dir=tmp_path / "certs")
    state.listeners.append(
        Listener(transport="HTTPS", port=5986, hostname="SIMCERT", certificate_thumbprint=host.certificate.thumbprint)
    )
    state.registry.set_value(
        winsim_firewall.LOCAL_STORE,
        "WINRM-HTTPS-In-TCP-Custom",
        "REG_SZ",
        "v2.20|Action=Allow|Active=TRUE|Dir=In|Protocol=6|LPort=5986|Name=Windows Remote Management (HTTPS-In)|",
    )
    with host:
        yield host


def tls_connect(host: SimulatedHost) -> ssl.SSLSocket:
    """A validated TLS connection (the test CA, the host name checked against the SANs)."""
    context = ssl.create_default_context(cafile=host.ca_path)
    raw = socket.create_connection((host.address, host.https_port), timeout=5)
    try:
        return context.wrap_socket(raw, server_hostname="SIMCERT")
    except BaseException:
        raw.close()
        raise


def served(host: SimulatedHost) -> str:
    """The thumbprint of the certificate a new handshake gets."""
    with tls_connect(host) as tls:
        der = tls.getpeercert(binary_form=True)
    assert der is not None
    return hashlib.sha1(der).hexdigest().upper()


def put_thumbprint(host: SimulatedHost, thumbprint: str) -> None:
    """WS-Management Put on the HTTPS listener resource, over HTTP, as `Set-WSManInstance` does."""
    listener = ET.Element(f"{{{LISTENER}}}Listener")
    ET.SubElement(listener, f"{{{LISTENER}}}CertificateThumbprint").text = thumbprint
    selectors = SelectorSet()
    selectors.add_option("Address", "*")
    selectors.add_option("Transport", "HTTPS")
    with WSMan(
        host.address, username="Administrator", password=PASSWORD, ssl=False, auth="ntlm", reconnection_retries=0
    ) as client:
        client.put(LISTENER, listener, selector_set=selectors)


def closed_by_peer(sock: socket.socket, deadline: float = 5.0) -> bool:
    """True when the peer ends the connection before the deadline (EOF, reset or a TLS close)."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        sock.settimeout(max(0.05, end - time.monotonic()))
        try:
            if sock.recv(1) == b"":
                return True
        except (ssl.SSLError, ConnectionError):
            return True
        except TimeoutError:
            return False
    return False


def test_rotation_is_seen_by_new_handshakes_and_drops_open_connections(https_host: SimulatedHost) -> None:
    host = https_host
    assert served(host) == host.certificate.thumbprint
    rotated = host.add_certificate("SIMCERT", dns_names=("SIMCERT",), friendly_name="rotated")
    old_tls = tls_connect(host)
    old_http = socket.create_connection((host.address, host.http_port), timeout=5)
    try:
        put_thumbprint(host, rotated.thumbprint)
        # the listener change restarts WinRM: connections opened before it end, on both listeners
        assert closed_by_peer(old_tls) and closed_by_peer(old_http)
    finally:
        old_tls.close()
        old_http.close()
    assert served(host) == rotated.thumbprint
    assert host.cbt_hash == hashlib.sha256(cert_store.find(host.state.registry, rotated.thumbprint).der).digest()  # type: ignore[union-attr]
    put_thumbprint(host, host.certificate.thumbprint)  # and back
    assert served(host) == host.certificate.thumbprint


def test_an_idle_connection_outlives_requests_that_do_not_restart(https_host: SimulatedHost) -> None:
    """The control for the restart test: nothing else closes an idle TLS connection within the wait."""
    with tls_connect(https_host) as tls:
        https_host.add_certificate("other")  # a store change is no WinRM restart
        assert not closed_by_peer(tls, deadline=0.5)


def test_a_certificate_without_a_private_key_is_refused(https_host: SimulatedHost) -> None:
    host = https_host
    keyless = host.add_certificate("SIMCERT", dns_names=("SIMCERT",), private_key=False)
    with pytest.raises(WSManFaultError) as info:
        put_thumbprint(host, keyless.thumbprint)
    assert info.value.code == 0x80338082  # ERROR_WSMAN_CERT_NOT_FOUND
    assert "cannot find the certificate" in str(info.value.reason)
    assert served(host) == host.certificate.thumbprint  # nothing changed


def test_a_listener_whose_certificate_is_gone_does_not_start(https_host: SimulatedHost) -> None:
    host = https_host
    assert ("HTTPS", 5986) in host.endpoints
    assert host.remove_certificate(host.certificate.thumbprint)
    with pytest.raises((ssl.SSLError, ConnectionResetError, ConnectionAbortedError)):  # not restarted yet:
        served(host)  # the handshake is refused (closed before the server's hello)
    host.apply_state()  # the service (re)starts its listeners
    assert ("HTTPS", 5986) not in host.endpoints and ("HTTP", 5985) in host.endpoints
    assert "cannot find the certificate" in host.listener_errors[("HTTPS", 5986)]
    with pytest.raises(ConnectionRefusedError):
        served(host)


def test_a_listener_whose_key_file_is_gone_does_not_start(https_host: SimulatedHost, tmp_path: Path) -> None:
    host = https_host
    cert_store.key_path(tmp_path / "certs", host.certificate.thumbprint).unlink()
    host.apply_state()
    assert ("HTTPS", 5986) not in host.endpoints
    assert "has no private key" in host.listener_errors[("HTTPS", 5986)]
