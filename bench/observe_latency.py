# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The cost of one remoting_info observation without Ansible around it, to split a module task's time.

A fresh client per observation is what every module task pays (new TCP connection + NTLM handshake + 6 SOAP
requests: a Get, an Enumerate, one WinRS command of four); a second observation on the same client reuses the
authenticated connection, so the difference is the per-task connection setup that a persistent connection could
save.
"""

from __future__ import annotations

import statistics
import sys
import time
from typing import Any

from ansible_run import COLLECTIONS

from winsim import accounts
from winsim.host import SimulatedHost

if str(COLLECTIONS) not in sys.path:
    sys.path.insert(0, str(COLLECTIONS))

from ansible_collections.winremote.remoting.plugins.plugin_utils.connection import ConnectionConfig
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures import remoting_info
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.client import WSManClient


def config_for(host: SimulatedHost) -> ConnectionConfig:
    """The inventory's settings: HTTP 5985, NTLM, message encryption auto (so NTLM-sealed)."""
    return ConnectionConfig(
        host=host.address,
        port=host.http_port,
        scheme="http",
        username="Administrator",
        password=accounts.DEFAULT_PASSWORD,
        auth="ntlm",
        connection_timeout=10,
    )


def measure(host: SimulatedHost, samples: int = 20) -> dict[str, Any]:
    """Median milliseconds of a first observation (fresh client) and of a second one on the same client."""
    first: list[float] = []
    second: list[float] = []
    config = config_for(host)
    for _sample in range(samples):
        client = WSManClient(config)
        try:
            started = time.perf_counter()
            remoting_info.observe(client)
            middle = time.perf_counter()
            remoting_info.observe(client)
            ended = time.perf_counter()
        finally:
            client.close()
        first.append(1000 * (middle - started))
        second.append(1000 * (ended - middle))
    return {
        "samples": samples,
        "host": host.hostname,
        "fresh_client_ms": round(statistics.median(first), 1),
        "reused_client_ms": round(statistics.median(second), 1),
    }
