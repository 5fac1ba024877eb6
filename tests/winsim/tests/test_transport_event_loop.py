# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One event loop serves every host of the process: HTTP framing, keep-alive, and slow requests beside fast ones."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import PASSWORD, FakeModel, pick_block
from pypsrp.wsman import WSMan

from winsim import addresses, auth
from winsim.host import SimulatedHost
from winsim.state import HostState

CONFIG = "http://schemas.microsoft.com/wbem/wsman/1/config"
IDENTIFY_BODY = (
    b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
    b'xmlns:wsmid="http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd">'
    b"<s:Header/><s:Body><wsmid:Identify/></s:Body></s:Envelope>"
)


def identify_request(extra: str = "") -> bytes:
    return (
        "POST /wsman HTTP/1.1\r\nHost: sim\r\nWSMANIDENTIFY: unauthenticated\r\n"
        f"Content-Type: application/soap+xml;charset=UTF-8\r\nContent-Length: {len(IDENTIFY_BODY)}\r\n{extra}\r\n"
    ).encode() + IDENTIFY_BODY


def read_responses(sock: socket.socket, count: int, timeout: float = 10) -> list[bytes]:
    """``count`` whole responses (status line up to the end of the body) from a raw socket."""
    sock.settimeout(timeout)
    data = b""
    found: list[bytes] = []
    while len(found) < count:
        head_end = data.find(b"\r\n\r\n")
        if head_end >= 0:
            head = data[:head_end].decode("latin-1")
            length = next(
                (
                    int(line.split(":", 1)[1])
                    for line in head.split("\r\n")
                    if line.lower().startswith("content-length")
                ),
                0,
            )
            if len(data) >= head_end + 4 + length:
                found.append(data[: head_end + 4 + length])
                data = data[head_end + 4 + length :]
                continue
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return found


@pytest.fixture
def hosts(fake_model: FakeModel, tmp_path: Path) -> Iterator[list[SimulatedHost]]:
    base = pick_block(20)
    started = [
        SimulatedHost(HostState(hostname=f"SIMLOOP{i}", profile="2019"), address=a, model=fake_model).start()
        for i, a in enumerate(addresses.block(base, 20))
    ]
    yield started
    for host in started:
        host.stop()


def test_hosts_do_not_cost_a_thread_per_socket(hosts: list[SimulatedHost], fake_model: FakeModel) -> None:
    before = threading.active_count()
    more = [
        SimulatedHost(HostState(hostname=f"SIMMORE{i}", profile="2019"), address=a, model=fake_model).start()
        for i, a in enumerate(addresses.block(pick_block(20), 20))
    ]
    try:
        assert all(h.endpoints == {("HTTP", 5985), ("HTTPS", 5986)} for h in more)
        assert threading.active_count() - before < 5  # 40 more listening sockets, no new threads
    finally:
        for host in more:
            host.stop()


def test_pipelined_requests_on_one_connection(fake_host: SimulatedHost) -> None:
    with socket.create_connection((fake_host.address, fake_host.http_port), timeout=5) as sock:
        sock.sendall(identify_request() * 3)
        answers = read_responses(sock, 3)
    assert [a.split(b"\r\n", 1)[0] for a in answers] == [b"HTTP/1.1 200 OK"] * 3
    assert all(b"Server: Microsoft-HTTPAPI/2.0" in a for a in answers)
    assert fake_host.request_count == 3


def test_chunked_body_and_connection_close(fake_host: SimulatedHost) -> None:
    half = len(IDENTIFY_BODY) // 2
    chunks = b"%x\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n" % (
        half,
        IDENTIFY_BODY[:half],
        len(IDENTIFY_BODY) - half,
        IDENTIFY_BODY[half:],
    )
    request = (
        b"POST /wsman HTTP/1.1\r\nHost: sim\r\nWSMANIDENTIFY: unauthenticated\r\nConnection: close\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n" + chunks
    )
    with socket.create_connection((fake_host.address, fake_host.http_port), timeout=5) as sock:
        sock.sendall(request)
        answer = read_responses(sock, 1)[0]
        assert sock.recv(1) == b""  # closed after the answer, as asked
    assert answer.startswith(b"HTTP/1.1 200 OK") and b"Connection: close" in answer
    assert b"OS: 0.0.0" in answer


def test_garbage_gets_400_and_the_listener_keeps_serving(fake_host: SimulatedHost) -> None:
    with socket.create_connection((fake_host.address, fake_host.http_port), timeout=5) as sock:
        sock.sendall(b"NOT HTTP\r\n\r\n")
        assert read_responses(sock, 1)[0].startswith(b"HTTP/1.1 400")
    with socket.create_connection((fake_host.address, fake_host.http_port), timeout=5) as sock:
        sock.sendall(identify_request())
        assert read_responses(sock, 1)[0].startswith(b"HTTP/1.1 200")


def test_a_delayed_request_does_not_hold_up_another_host(hosts: list[SimulatedHost]) -> None:
    slow, fast = hosts[0], hosts[1]
    slow.inject_fault("delay", seconds=4)
    done: list[float] = []

    def slow_call() -> None:
        with WSMan(slow.address, username="Administrator", password=PASSWORD, ssl=False, auth="ntlm") as c:
            c.get(CONFIG)
        done.append(time.monotonic())

    thread = threading.Thread(target=slow_call)
    thread.start()
    time.sleep(0.3)
    started = time.monotonic()
    with WSMan(fast.address, username="Administrator", password=PASSWORD, ssl=False, auth="ntlm") as client:
        for _unused in range(3):
            client.get(CONFIG)
    elapsed = time.monotonic() - started
    thread.join(15)
    assert elapsed < 3 and done  # the fast host answered while the slow one was still waiting


def test_each_host_checks_its_own_credential_file(hosts: list[SimulatedHost]) -> None:
    first, second = hosts[2], hosts[3]
    with first.lock:
        next(a for a in first.state.accounts if a.name == "Administrator").password = "Only-On-First-1!"
    first.apply_state()
    assert "Only-On-First-1!" in auth.CREDENTIALS.path(id(first)).read_text(encoding="utf-8")
    assert "Only-On-First-1!" not in auth.CREDENTIALS.path(id(second)).read_text(encoding="utf-8")
    with WSMan(first.address, username="Administrator", password="Only-On-First-1!", ssl=False, auth="ntlm") as c:
        c.get(CONFIG)
    with WSMan(second.address, username="Administrator", password=PASSWORD, ssl=False, auth="ntlm") as c:
        c.get(CONFIG)  # the same spelling with another password on another host: no longer "first host wins"


def test_the_refuse_timer_runs_on_the_event_loop(fake_host: SimulatedHost) -> None:
    before = threading.active_count()
    fake_host.inject_fault("refuse", seconds=0.3)
    assert threading.active_count() <= before  # no threading.Timer per fault
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            socket.create_connection((fake_host.address, fake_host.http_port), timeout=1).close()
            return
        except ConnectionRefusedError:
            time.sleep(0.05)
    pytest.fail("the host did not listen again")
