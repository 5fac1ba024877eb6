# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Which sockets listen, and what a WinRM restart does to open connections."""

from __future__ import annotations

import http.client
import socket
import time

from conftest import PASSWORD, FakeModel, RulesModel, pick_address
from pypsrp.wsman import WSMan

from winsim.host import SimulatedHost
from winsim.state import HostState, Listener

CONFIG = "http://schemas.microsoft.com/wbem/wsman/1/config"
IDENTIFY = (
    b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
    b'xmlns:wsmid="http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd">'
    b"<s:Header/><s:Body><wsmid:Identify/></s:Body></s:Envelope>"
)


def connects(address: str, port: int) -> bool:
    try:
        with socket.create_connection((address, port), timeout=2):
            return True
    except ConnectionRefusedError:
        return False


def client(host: SimulatedHost, user: str = "Administrator") -> WSMan:
    return WSMan(
        host.address,
        port=host.http_port,
        username=user,
        password=PASSWORD,
        ssl=False,
        auth="ntlm",
        reconnection_retries=0,
    )


def eventually_refused(address: str, port: int) -> bool:
    """The restart happens right after the reply is sent, so the client may see the reply first."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            if not connects(address, port):
                return True
        except ConnectionResetError:  # connected while the listening socket was being closed
            pass
        time.sleep(0.02)
    return False


def test_endpoints_follow_the_model(fake_host: SimulatedHost, fake_model: FakeModel) -> None:
    assert fake_host.endpoints == {("HTTP", 5985), ("HTTPS", 5986)}
    fake_model.endpoints = {("HTTPS", 5986)}
    fake_host.apply_state()
    assert not connects(fake_host.address, fake_host.http_port)
    assert connects(fake_host.address, fake_host.https_port)
    fake_model.endpoints = {("HTTP", 5985)}
    fake_host.apply_state()
    assert connects(fake_host.address, fake_host.http_port)
    assert not connects(fake_host.address, fake_host.https_port)


def test_configurable_ports(fake_model: FakeModel, tmp_path: object) -> None:
    address = pick_address((15985, 15986))
    state = HostState(hostname="SIMPORTS", profile="2019")
    with SimulatedHost(state, address=address, http_port=15985, https_port=15986, model=fake_model) as host:
        assert connects(address, 15985)
        assert connects(address, 15986)
        with client(host) as c:
            c.get(CONFIG)
        assert fake_model.contexts[-1].port == 5985  # the model sees Windows' port, not the test's
    assert not connects(address, 15985)


def test_restart_winrm_drops_every_connection_after_the_reply(fake_host: SimulatedHost, fake_model: FakeModel) -> None:
    idle = http.client.HTTPConnection(fake_host.address, fake_host.http_port, timeout=5)
    idle.request("POST", "/wsman", body=IDENTIFY, headers={"WSMANIDENTIFY": "unauthenticated"})
    assert idle.getresponse().read()
    assert idle.sock is not None
    fake_model.effects = {"restart_winrm"}
    fake_model.endpoints = {("HTTPS", 5986)}  # e.g. the HTTP listener was deleted
    with client(fake_host) as c:
        c.get(CONFIG)  # the reply still arrives
    idle.sock.settimeout(5)
    assert idle.sock.recv(1) == b""  # the idle connection was closed by the restart
    assert eventually_refused(fake_host.address, fake_host.http_port)
    assert fake_host.endpoints == {("HTTPS", 5986)}


def rules_host(tmp_path: object, profile: str = "2019") -> SimulatedHost:
    return SimulatedHost(
        HostState.from_profile(profile, hostname="SIMRULES"), address=pick_address(), model=RulesModel()
    )


def test_listener_removal_refuses_connections() -> None:
    with rules_host(None) as host:
        assert host.endpoints == {("HTTP", 5985)}
        assert not connects(host.address, host.https_port)  # 2019 has no HTTPS listener by default
        with client(host) as c:
            c.get(CONFIG)
        with host.lock:
            host.state.listeners.clear()
        host.apply_state()
        assert not connects(host.address, host.http_port)
        with host.lock:
            host.state.listeners.append(Listener())
        host.apply_state()
        with client(host) as c:
            c.get(CONFIG)


def test_stopped_winrm_service_refuses_connections() -> None:
    with rules_host(None) as host:
        with host.lock:
            host.state.service_status[host.state.find_service("WinRM")] = "Stopped"
        host.apply_state()
        assert not connects(host.address, host.http_port)


def test_2008_has_no_listener() -> None:
    with rules_host(None, "2008") as host:
        assert host.endpoints == set()
        assert not connects(host.address, host.http_port)


def test_token_filter_denies_non_builtin_admin_over_ntlm() -> None:
    import pytest
    from pypsrp.exceptions import AuthenticationError

    with rules_host(None) as host:
        with client(host, "localadmin") as c, pytest.raises(AuthenticationError):  # HTTP 401, as on Windows
            c.get(CONFIG)
        with client(host, "WINREMOTE\\ansible") as c:
            c.get(CONFIG)


def test_stop_closes_everything(fake_model: FakeModel) -> None:
    address = pick_address()
    host = SimulatedHost(HostState(hostname="SIMSTOP", profile="2019"), address=address, model=fake_model).start()
    assert connects(address, 5985)
    host.stop()
    deadline = time.monotonic() + 2
    while connects(address, 5985):
        assert time.monotonic() < deadline
        time.sleep(0.05)
