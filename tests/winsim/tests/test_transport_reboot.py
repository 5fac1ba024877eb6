# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""`shutdown /r /t N` over real HTTP: the host stops listening, stays down, comes back with a new LastBootUpTime
and its staged packages applied (WMF 3.0 on 2008 R2: Identify then says Stack: 3.0)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from conftest import PASSWORD, pick_address
from pypsrp.shell import Process, WinRS
from pypsrp.wsman import SelectorSet, WSMan
from test_transport_real_model import IDENTIFY, refused

from winsim import HostState, SimulatedHost, packages
from winsim.fleet import make_winrm_ready
from winsim.host import wait_until_listening

CIMV2 = "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/"
NDP = r"HKLM\SOFTWARE\Microsoft\NET Framework Setup\NDP\v4\Full"


@pytest.fixture
def host() -> Iterator[SimulatedHost]:
    state = HostState.from_profile("2008r2", hostname="SIM2008R2")
    make_winrm_ready(state)
    state.reboot_downtime = 1.0
    state.reboot_delay_cap = 0.2
    with SimulatedHost(state, address=pick_address()) as simulated:
        yield simulated


def client(host: SimulatedHost) -> WSMan:
    return WSMan(
        host.address, username="Administrator", password=PASSWORD, ssl=False, auth="ntlm", reconnection_retries=0
    )


def boot_time(host: SimulatedHost) -> str:
    with client(host) as c:
        reply = c.get(CIMV2 + "Win32_OperatingSystem")
    found = reply.find(".//{*}LastBootUpTime/{*}Datetime")
    assert found is not None and found.text
    return found.text


def shutdown(host: SimulatedHost, seconds: int) -> int:
    with client(host) as c, WinRS(c) as shell:
        process = Process(shell, "cmd.exe", ["/c", f'shutdown /r /t {seconds} /c "winremote.remoting: test"'])
        process.invoke()
    return int(process.rc)


def test_logical_disk_get_by_device_id(host: SimulatedHost) -> None:
    selectors = SelectorSet()
    selectors.add_option("DeviceID", "C:")
    with host.lock:
        host.state.files.capacity = host.state.files.used() + 4096
    with client(host) as c:
        reply = c.get(CIMV2 + "Win32_LogicalDisk", selector_set=selectors)
    assert reply.findtext(".//{*}FreeSpace") == "4096"
    assert reply.findtext(".//{*}DeviceID") == "C:"


def test_reboot_applies_wmf3_and_changes_the_boot_time(host: SimulatedHost) -> None:
    first = boot_time(host)
    with host.lock:
        host.state.registry.set_value(NDP, "Install", "REG_DWORD", 1)
        wmf3 = packages.by_file("Windows6.1-KB2506143-x64.msu")
        assert wmf3 is not None
        assert packages.install_msu(host.state, wmf3, packages.NOT_APPLICABLE_DISM, 0) == 3010
    with client(host) as c:
        assert b"Stack: 2.0" in c.transport.send(IDENTIFY)
    assert shutdown(host, 5) == 0
    assert refused(host.address, host.http_port)  # down within min(5, reboot_delay_cap) seconds
    assert host.down
    assert wait_until_listening(host.address, host.http_port, timeout=10)
    deadline = time.monotonic() + 5
    while host.down and time.monotonic() < deadline:
        time.sleep(0.02)
    assert host.boot_count == 1
    with client(host) as c:
        assert b"Stack: 3.0" in c.transport.send(IDENTIFY)
    assert boot_time(host) != first
    with host.lock:
        assert host.state.powershell_version == "3.0" and not host.state.pending_reboot


def test_a_host_that_never_returns(host: SimulatedHost) -> None:
    with host.lock:
        host.state.reboot_never_returns = True
    host.apply_state()
    assert shutdown(host, 1) == 0
    assert refused(host.address, host.http_port)
    time.sleep(1.5)
    assert host.down and host.endpoints == set() and host.boot_count == 0
