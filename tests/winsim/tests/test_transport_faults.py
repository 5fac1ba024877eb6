# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Request counting and fault injection, seen from real clients."""

from __future__ import annotations

import socket
import time

import pytest
import requests
from conftest import PASSWORD
from pypsrp.exceptions import WSManFaultError
from pypsrp.wsman import WSMan

from winsim.faults import FaultInjector, receive_flood_reply
from winsim.host import SimulatedHost

CONFIG = "http://schemas.microsoft.com/wbem/wsman/1/config"
GET = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Get"


def client(host: SimulatedHost, read_timeout: int = 30) -> WSMan:
    return WSMan(
        host.address,
        username="Administrator",
        password=PASSWORD,
        ssl=False,
        auth="ntlm",
        reconnection_retries=0,
        read_timeout=read_timeout,
    )


def connects(host: SimulatedHost, port: int | None = None) -> bool:
    try:
        with socket.create_connection((host.address, port or host.http_port), timeout=2):
            return True
    except ConnectionRefusedError:
        return False


def test_counting_excludes_auth_legs(fake_host: SimulatedHost) -> None:
    with client(fake_host) as c:
        c.get(CONFIG)
        c.get(CONFIG)
    assert fake_host.request_count == 2
    assert fake_host.requests_by_action == {GET: 2}
    fake_host.reset_request_count()
    assert fake_host.request_count == 0
    assert not fake_host.requests_by_action


def test_reset_drops_the_connection_without_answer(fake_host: SimulatedHost) -> None:
    with client(fake_host) as c:
        c.get(CONFIG)
        fake_host.inject_fault("reset")
        with pytest.raises(requests.exceptions.ConnectionError):
            c.get(CONFIG)
    with client(fake_host) as c:  # the fault was used up
        c.get(CONFIG)
    assert fake_host.request_count == 3


def test_delay(fake_host: SimulatedHost) -> None:
    fake_host.inject_fault("delay", seconds=0.6)
    with client(fake_host) as c:
        started = time.monotonic()
        c.get(CONFIG)
        assert time.monotonic() - started >= 0.6
        started = time.monotonic()
        c.get(CONFIG)
        assert time.monotonic() - started < 0.5


def test_delay_beyond_read_timeout(fake_host: SimulatedHost) -> None:
    fake_host.inject_fault("delay", seconds=2.5)
    with client(fake_host, read_timeout=1) as c, pytest.raises(requests.exceptions.ReadTimeout):
        c.get(CONFIG)


def test_http500_for_count_requests(fake_host: SimulatedHost) -> None:
    fake_host.inject_fault("http500", count=2, code=1726, message="The remote procedure call failed.")
    with client(fake_host) as c:  # the handshake is not a SOAP request, so it does not use up the fault
        for _unused in range(2):
            with pytest.raises(WSManFaultError) as err:
                c.get(CONFIG)
            assert err.value.code == 1726
            assert err.value.reason == "The remote procedure call failed."
        c.get(CONFIG)
    assert fake_host.request_count == 3


def test_refuse_until_cleared(fake_host: SimulatedHost) -> None:
    assert connects(fake_host)
    fake_host.inject_fault("refuse")
    assert not connects(fake_host)
    assert not connects(fake_host, fake_host.https_port)
    fake_host.clear_faults()
    assert connects(fake_host)
    with client(fake_host) as c:
        c.get(CONFIG)


def test_refuse_for_seconds(fake_host: SimulatedHost) -> None:
    fake_host.inject_fault("refuse", seconds=0.5)
    assert not connects(fake_host)
    deadline = time.monotonic() + 5
    while not connects(fake_host):
        assert time.monotonic() < deadline, "the host did not listen again"
        time.sleep(0.05)


def test_faults_queue_in_order(fake_host: SimulatedHost) -> None:
    fake_host.inject_fault("http500", code=1, message="first")
    fake_host.inject_fault("http500", code=2, message="second")
    assert fake_host.faults.pending() == [("http500", 1), ("http500", 1)]
    with client(fake_host) as c:
        codes = []
        for _unused in range(2):
            with pytest.raises(WSManFaultError) as err:
                c.get(CONFIG)
            codes.append(err.value.code)
    assert codes == [1, 2]


def test_unknown_fault_kind(fake_host: SimulatedHost) -> None:
    with pytest.raises(ValueError):
        fake_host.inject_fault("explode")


def test_a_fault_with_an_action_waits_for_that_action() -> None:
    injector = FaultInjector()
    injector.inject("reset", action="transfer/Delete")
    injector.inject("delay", seconds=0.1)
    assert injector.take(GET).kind == "delay"  # type: ignore[union-attr]
    assert injector.take(GET) is None
    assert injector.take("http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete").kind == "reset"  # type: ignore[union-attr]


def test_receive_faults_apply_to_receive_only() -> None:
    injector = FaultInjector()
    injector.inject("receive_pending", count=2)
    assert injector.take(GET) is None
    receive = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Receive"
    assert injector.take(receive).kind == "receive_pending"  # type: ignore[union-attr]
    assert injector.pending() == [("receive_pending", 1)]


def test_receive_flood_reply_answers_the_request() -> None:
    request = (
        b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
        b'xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" '
        b'xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell"><s:Header>'
        b"<a:MessageID>uuid:1234</a:MessageID></s:Header><s:Body><rsp:Receive>"
        b'<rsp:DesiredStream CommandId="C-1">stdout stderr</rsp:DesiredStream></rsp:Receive></s:Body></s:Envelope>'
    )
    reply = receive_flood_reply(request, 1000)
    assert b"<a:RelatesTo>uuid:1234</a:RelatesTo>" in reply and b'CommandId="C-1"' in reply
    assert b"CommandState/Running" in reply and b"CommandState/Done" not in reply


def test_redirect_fault_answers_with_location(fake_host: SimulatedHost) -> None:
    fake_host.inject_fault("redirect", location="http://127.0.0.1:9/wsman", status=301)
    with client(fake_host) as c:
        c.transport.session = c.transport._build_session()
        c.transport.session.max_redirects = 0  # pypsrp itself would follow it
        with pytest.raises(requests.exceptions.TooManyRedirects) as info:
            c.get(CONFIG)
    response = info.value.response
    assert response is not None and response.status_code == 301
    assert response.headers["Location"] == "http://127.0.0.1:9/wsman"
