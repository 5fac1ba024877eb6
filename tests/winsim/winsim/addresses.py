# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Free loopback addresses for simulated hosts, so test suites that run side by side never share a listener."""

from __future__ import annotations

import random
import socket
from collections.abc import Sequence

WINRM_PORTS = (5985, 5986)


def bindable(address: str, ports: Sequence[int] = WINRM_PORTS) -> bool:
    """Whether every port is free on the address (nothing listens there yet)."""
    for port in ports:
        with socket.socket() as sock:
            try:
                sock.bind((address, port))
            except OSError:
                return False
    return True


def free_block(count: int = 1, second_octets: range = range(100, 251), ports: Sequence[int] = WINRM_PORTS) -> str:
    """The first of ``count`` consecutive 127.<second>.x.y addresses whose ports are free; callers pick disjoint
    second octets per suite."""
    rng = random.Random()
    for _unused in range(200):
        second, third, first = rng.choice(second_octets), rng.randint(0, 255), rng.randint(2, 254 - count)
        addresses = [f"127.{second}.{third}.{first + index}" for index in range(count)]
        if all(bindable(address, ports) for address in addresses):
            return addresses[0]
    raise RuntimeError(f"no {count} free consecutive loopback addresses")
