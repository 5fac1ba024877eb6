# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The standing ``latency`` fault: every SOAP reply of a host waits, until the faults are cleared."""

from __future__ import annotations

import time

import pytest
from conftest import PASSWORD
from pypsrp.wsman import WSMan

from winsim.faults import FaultInjector
from winsim.host import SimulatedHost

CONFIG = "http://schemas.microsoft.com/wbem/wsman/1/config"


def timed_get(c: WSMan) -> float:
    started = time.monotonic()
    c.get(CONFIG)
    return time.monotonic() - started


def test_latency_delays_every_request_until_cleared(fake_host: SimulatedHost) -> None:
    fake_host.inject_fault("latency", seconds=0.4)
    with WSMan(fake_host.address, username="Administrator", password=PASSWORD, ssl=False, auth="ntlm") as c:
        assert [timed_get(c) >= 0.4 for _unused in range(3)] == [True, True, True]
        fake_host.clear_faults()
        assert timed_get(c) < 0.3
    assert fake_host.request_count == 4  # the auth legs are neither delayed nor counted


def test_latency_defaults_queued_faults_first_and_pending() -> None:
    injector = FaultInjector()
    injector.inject("latency")
    injector.inject("http500")
    first, second = injector.take("Get"), injector.take("Get")
    assert first is not None and first.kind == "http500"
    assert second is not None and (second.kind, second.seconds) == ("delay", 1.0)
    assert injector.pending() == [("latency", 0)]
    injector.clear()
    assert injector.take("Get") is None and injector.pending() == []


def test_latency_seconds_given_as_text() -> None:
    injector = FaultInjector()
    injector.inject("latency", seconds="2.5")
    taken = injector.take("Get")
    assert taken is not None and taken.seconds == pytest.approx(2.5)
