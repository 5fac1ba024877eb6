# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one allocator of 127.x.y.z addresses for simulated hosts (fleets, test suites, benchmarks).

Every address it hands out is in 127.0.0.0/8 with a last octet of 1-254, so a block of any size can cross a
third-octet boundary without producing an address that looks like a /24's network or broadcast address.  Suites
that run side by side on one machine pick disjoint second octets, and :func:`free_block` checks that nothing
listens on the ports yet.
"""

from __future__ import annotations

import fcntl
import ipaddress
import itertools
import os
import random
import socket
import tempfile
import typing as t
from collections.abc import Sequence

WINRM_PORTS = (5985, 5986)
LOOPBACK = ipaddress.IPv4Network("127.0.0.0/8")
PER_THIRD_OCTET = 254  # last octets 1-254


def nth(first: str, index: int) -> str:
    """The ``index``-th address counted from ``first`` (index 0 is ``first``), skipping last octets 0 and 255;
    ValueError outside 127.0.0.0/8."""
    start = ipaddress.IPv4Address(first)
    if start not in LOOPBACK:
        raise ValueError(f"{start} is outside 127.0.0.0/8")
    if not 1 <= int(start) % 256 <= PER_THIRD_OCTET:
        raise ValueError(f"{start}: the last octet must be 1-254")
    slot = (int(start) >> 8) * PER_THIRD_OCTET + int(start) % 256 - 1 + index  # counts usable addresses only
    address = ipaddress.IPv4Address(((slot // PER_THIRD_OCTET) << 8) + slot % PER_THIRD_OCTET + 1)
    if address not in LOOPBACK:
        raise ValueError(f"{index + 1} addresses from {start} leave 127.0.0.0/8")
    return str(address)


def block(first: str, count: int) -> list[str]:
    """``count`` consecutive addresses from ``first`` (see :func:`nth`)."""
    return [nth(first, index) for index in range(count)]


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
    """The first of ``count`` consecutive addresses (see :func:`block`) in 127.<second>.x.y whose ports are free;
    callers pick disjoint second octets per suite.  Blocks of up to 252 stay within one third octet."""
    rng = random.Random()
    thirds = -(-count // PER_THIRD_OCTET)  # third octets a large block spans
    for _unused in range(200):
        second = rng.choice(second_octets)
        if count <= PER_THIRD_OCTET - 2:
            first = f"127.{second}.{rng.randint(0, 255)}.{rng.randint(2, 254 - count)}"
        else:
            first = f"127.{second}.{rng.randint(0, 255 - thirds)}.1"
        addresses = block(first, count)
        if all(bindable(address, ports) for address in addresses):
            return addresses[0]
    raise RuntimeError(f"no {count} free consecutive loopback addresses")


class Counter:
    """Hands out 127.<second>.x.y addresses in order, from any thread (``next()`` on an itertools.count is
    atomic); for suites that start one host at a time."""

    def __init__(self, second_octet: int, first_last_octet: int = 2, per_third_octet: int = 250) -> None:
        if not 0 <= second_octet <= 255 or not 1 <= first_last_octet <= first_last_octet + per_third_octet - 1 <= 254:
            raise ValueError(f"127.{second_octet}.x.{first_last_octet}+{per_third_octet} is not a loopback range")
        self.second_octet = second_octet
        self.first_last_octet = first_last_octet
        self.per_third_octet = per_third_octet
        self._counter = itertools.count()

    def next(self) -> str:
        n = next(self._counter)
        third = n // self.per_third_octet
        if third > 255:
            raise RuntimeError(f"127.{self.second_octet}.0.0/16 has no more addresses")
        return f"127.{self.second_octet}.{third}.{n % self.per_third_octet + self.first_last_octet}"


_CLAIMS: list[t.IO[str]] = []  # open lock files: a claim lasts as long as the process


def claim_octet(candidates: Sequence[int], lock_dir: str | None = None) -> int:
    """A second octet no other process on this machine has claimed (an exclusive ``flock`` on a file per octet,
    released when the process ends), so test sessions that run side by side get disjoint 127.<octet>.0.0/16."""
    directory = lock_dir or tempfile.gettempdir()
    for octet in candidates:
        handle = open(os.path.join(directory, f"winsim-octet-{octet}.lock"), "a", encoding="ascii")  # noqa: SIM115
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            continue
        _CLAIMS.append(handle)
        return octet
    raise RuntimeError(f"every second octet of {list(candidates)} is claimed by another process")
