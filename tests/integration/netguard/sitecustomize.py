# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The integration tests' network guard, loaded by every Python process they start (this directory is put first
on PYTHONPATH by tests/integration/conftest.py).

Tests talk to loopback only. A name that is not ``localhost`` and not mapped to an address for the test (the
nss_wrapper hosts file in ``NSS_WRAPPER_HOSTS``) would be sent to the machine's DNS server, and a non-loopback
address would leave the machine; both fail here, at once, with a message naming the test guard, instead of
sending a packet.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import typing as t

_getaddrinfo = socket.getaddrinfo
_gethostbyname = socket.gethostbyname
_gethostbyname_ex = socket.gethostbyname_ex


def mapped_names() -> frozenset[str]:
    """The names of the nss_wrapper hosts file the test set, lower case."""
    path = os.environ.get("NSS_WRAPPER_HOSTS")
    if not path:
        return frozenset()
    try:
        with open(path, encoding="utf-8") as handle:
            return frozenset(name.lower() for line in handle for name in line.split("#", 1)[0].split()[1:])
    except OSError:
        return frozenset()


def check(host: t.Any) -> None:
    if host is None:
        return
    name = host.decode("ascii", "replace") if isinstance(host, bytes) else str(host)
    try:
        address = ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        if name.lower().rstrip(".") in ("localhost", "") or name.lower().rstrip(".") in mapped_names():
            return
        raise socket.gaierror(socket.EAI_NONAME, f"test network guard: {name!r} would be looked up in DNS") from None
    if not address.is_loopback and not address.is_unspecified:
        raise socket.gaierror(socket.EAI_NONAME, f"test network guard: {name} is not a loopback address")


def getaddrinfo(host: t.Any, *args: t.Any, **kwargs: t.Any) -> t.Any:
    check(host)
    return _getaddrinfo(host, *args, **kwargs)


def gethostbyname(host: str) -> str:
    check(host)
    return _gethostbyname(host)


def gethostbyname_ex(host: str) -> t.Any:
    check(host)
    return _gethostbyname_ex(host)


def install() -> None:
    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]
    socket.gethostbyname = gethostbyname
    socket.gethostbyname_ex = gethostbyname_ex


install()
