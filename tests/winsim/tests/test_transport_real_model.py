# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The transport in front of the real Windows model: what a client sees from a simulated 2019 host end to end."""

from __future__ import annotations

import socket
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest
import requests
from conftest import PASSWORD, pick_address
from pypsrp.shell import Process, WinRS
from pypsrp.wsman import SelectorSet, WSMan

from winsim import HostState, SimulatedHost

SERVICE = "http://schemas.microsoft.com/wbem/wsman/1/config/service"
LISTENER = "http://schemas.microsoft.com/wbem/wsman/1/config/listener"
SHELL = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
IDENTIFY = (
    b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
    b'xmlns:wsmid="http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd">'
    b"<s:Header/><s:Body><wsmid:Identify/></s:Body></s:Envelope>"
)


@pytest.fixture
def host() -> Iterator[SimulatedHost]:
    with SimulatedHost(HostState.from_profile("2019", hostname="SIM2019"), address=pick_address()) as simulated:
        yield simulated


def client(host: SimulatedHost) -> WSMan:
    return WSMan(
        host.address, username="Administrator", password=PASSWORD, ssl=False, auth="ntlm", reconnection_retries=0
    )


def refused(address: str, port: int) -> bool:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((address, port), timeout=1):
                pass
        except ConnectionRefusedError:
            return True
        except ConnectionResetError:
            pass
        time.sleep(0.02)
    return False


def test_identify_hides_the_os_until_authenticated(host: SimulatedHost) -> None:
    anonymous = requests.post(
        f"http://{host.address}:5985/wsman",
        data=IDENTIFY,
        headers={"WSMANIDENTIFY": "unauthenticated", "Content-Type": "application/soap+xml;charset=UTF-8"},
        timeout=10,
    )
    assert anonymous.status_code == 200
    assert b"OS: 0.0.0 SP: 0.0 Stack: 3.0" in anonymous.content
    with client(host) as c:
        authenticated = c.transport.send(IDENTIFY)
    assert b"OS: 10.0.17763" in authenticated
    assert host.request_count == 2
    assert host.requests_by_action["Identify"] == 2


def test_winrs_command_costs_four_round_trips(host: SimulatedHost) -> None:
    with client(host) as c:
        c.get(SERVICE)  # authenticate first
        host.reset_request_count()
        with WinRS(c) as shell:
            process = Process(shell, "cmd.exe", ["/c", "echo winsim"])
            process.invoke()
    assert process.rc == 0
    assert process.stdout == b"winsim\r\n"
    assert host.request_count == 4
    assert sorted(a.rsplit("/", 1)[-1] for a in host.requests_by_action) == ["Command", "Create", "Delete", "Receive"]


def test_deleting_the_listener_in_use_restarts_winrm(host: SimulatedHost) -> None:
    with client(host) as c:
        c.delete(LISTENER, selector_set=_selectors("*", "HTTP"))  # the reply arrives before the restart
    assert refused(host.address, host.http_port)
    with host.lock:
        assert host.state.listeners == []
    assert host.endpoints == set()


def _selectors(address: str, transport: str) -> SelectorSet:
    selectors = SelectorSet()
    selectors.add_option("Address", address)
    selectors.add_option("Transport", transport)
    return selectors


def test_service_config_over_encrypted_ntlm(host: SimulatedHost) -> None:
    with client(host) as c:
        service = c.get(SERVICE)
    values = {child.tag.rsplit("}", 1)[-1]: child.text for child in service.iter() if len(child) == 0}
    assert values["AllowUnencrypted"] == "false"
    assert ET.tostring(service)
