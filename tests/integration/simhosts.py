# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Helpers for tests against simulated Windows hosts: start hosts in-process, build inventories, run playbooks.

A module of its own (not conftest.py) so tests import it by a unique name; conftest.py only exposes the fixtures.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
import typing as t
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from ansible_collections.winremote.remoting.plugins.plugin_utils.connection import ConnectionConfig
from winsim import HostState, SimulatedHost, accounts, addresses
from winsim import firewall as winsim_firewall
from winsim.state import Listener
from winsim.wsman.commands.winrm import quickconfig_changes

REPO = Path(__file__).resolve().parents[2]
COLLECTIONS = REPO / ".work" / "collections"
BIN = Path(sys.executable).parent
PASSWORD = accounts.DEFAULT_PASSWORD
PROFILES = ("2008", "2008r2", "2012", "2012r2", "2016", "2019", "2022", "2025")

os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.0/8,localhost"

# 127.<n>.x.y for these tests, n in 1-63 and claimed for the session (so two sessions can run side by side); the
# wire tests use 127.0.0.50+, the benchmarks 127.70-89 and the simulator's own tests 127.100+.
_ADDRESSES = addresses.Counter(addresses.claim_octet(range(1, 64)))  # thread-safe: threads may start hosts


def next_address() -> str:
    return _ADDRESSES.next()


def bootstrap(state: HostState) -> None:
    """What an administrator does first on 2008 / 2008 R2, where WinRM listens nowhere by default."""
    quickconfig_changes(state)


HTTPS_RULE_ID = "WINRM-HTTPS-In-TCP-Custom"


def add_https_listener(host: SimulatedHost) -> None:
    """An HTTPS listener with the host's certificate and a custom firewall rule for 5986 (no built-in rule covers
    it), as administrators who manage over HTTPS set up."""
    with host.lock:
        host.state.listeners.append(
            Listener(
                address="*",
                transport="HTTPS",
                port=5986,
                hostname=host.hostname,
                certificate_thumbprint=host.certificate.thumbprint,
            )
        )
        host.state.registry.set_value(
            winsim_firewall.LOCAL_STORE,
            HTTPS_RULE_ID,
            "REG_SZ",
            "v2.20|Action=Allow|Active=TRUE|Dir=In|Protocol=6|LPort=5986|Name=Windows Remote Management (HTTPS-In)|",
        )


HostFactory = Callable[..., SimulatedHost]


def new_host(
    profile: str = "2019", configure: Callable[[HostState], None] | None = None, https: bool = False
) -> SimulatedHost:
    """A started host of ``profile`` (2008 / 2008 R2 bootstrapped); ``configure(state)`` runs before start. An
    address whose port something else holds for a moment is skipped for the next one."""
    state = HostState.from_profile(profile, hostname=f"SIM{profile.upper()}")
    if profile in ("2008", "2008r2"):
        bootstrap(state)
    if configure is not None:
        configure(state)
    for _attempt in range(5):
        host = SimulatedHost(copy.deepcopy(state), address=next_address())
        if https:
            add_https_listener(host)
        try:
            return host.start()
        except OSError:
            host.stop()
    raise OSError("no free address for a simulated host")


@pytest.fixture
def start_host() -> Iterator[HostFactory]:
    """Start simulated hosts (see :func:`new_host`). All are stopped after the test."""
    started: list[SimulatedHost] = []

    def _start(
        profile: str = "2019", configure: Callable[[HostState], None] | None = None, https: bool = False
    ) -> SimulatedHost:
        host = new_host(profile, configure, https)
        started.append(host)
        return host

    yield _start
    for host in started:
        host.stop()


def https_overrides(host: SimulatedHost) -> dict[str, t.Any]:
    """Connection settings for the host's HTTPS listener, validating its certificate."""
    return {"scheme": "https", "port": 5986, "ca_path": host.ca_path}


def config_for(host: SimulatedHost | str, **overrides: t.Any) -> ConnectionConfig:
    """NTLM over HTTP as the built-in Administrator, to a simulated host or a bare address."""
    settings: dict[str, t.Any] = {
        "host": host if isinstance(host, str) else host.address,
        "port": 5985,
        "scheme": "http",
        "username": "Administrator",
        "password": PASSWORD,
        "auth": "ntlm",
        "connection_timeout": 5,
    }
    settings.update(overrides)
    return ConnectionConfig(**settings)


def write_inventory(path: Path, hosts: dict[str, dict[str, t.Any]]) -> Path:
    """An inventory with every host in group ``windows``; values are host vars."""
    path.write_text(yaml.safe_dump({"windows": {"hosts": hosts}}), encoding="utf-8")
    return path


def ansible_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS),
        ANSIBLE_HOST_KEY_CHECKING="False",
        ANSIBLE_RETRY_FILES_ENABLED="False",
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        ANSIBLE_DEPRECATION_WARNINGS="False",
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
    )
    env.update(extra)
    return env


def run_playbook(playbook: Path, inventory: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The real ansible-playbook of the test's virtualenv."""
    command = [str(BIN / "ansible-playbook"), "-i", str(inventory), str(playbook), *args]
    return subprocess.run(command, env=ansible_env(**env), capture_output=True, text=True, timeout=600, check=False)


_RESULT_LINE = re.compile(
    r"^(?P<status>ok|changed|fatal|failed): \[(?P<host>[^\]]+)\](?:: FAILED!)? => (?P<json>\{.*\})$"
)


def recap(stdout: str) -> dict[str, dict[str, int]]:
    """Host -> its PLAY RECAP counters (ok=, changed=, unreachable=, failed=, ...)."""
    counters: dict[str, dict[str, int]] = {}
    for host, fields in re.findall(r"^(\S+)\s+: (ok=.*)$", stdout, flags=re.MULTILINE):
        counters[host] = {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", fields)}
    return counters


def task_results(stdout: str) -> list[dict[str, dict[str, t.Any]]]:
    """Per task, host -> result, from a run with :data:`JSON_RESULTS` and ``-v`` (the default callback)."""
    tasks: list[dict[str, dict[str, t.Any]]] = []
    for line in stdout.splitlines():
        if line.startswith("TASK ["):
            tasks.append({})
            continue
        match = _RESULT_LINE.match(line)
        if match and tasks:
            result = json.loads(match.group("json"))
            result["_status"] = match.group("status")  # the callback drops "failed" from what it prints
            tasks[-1][match.group("host")] = result
    return tasks


# one JSON object per result line, parsed by task_results()
JSON_RESULTS = {"ANSIBLE_CALLBACK_RESULT_FORMAT": "json", "ANSIBLE_CALLBACK_FORMAT_PRETTY": "0"}
