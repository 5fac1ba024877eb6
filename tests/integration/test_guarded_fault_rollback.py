# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A guarded change is applied, then the host stops answering the controller: the rotation of the certificate of
the HTTPS listener in use (winrm_listener) and an auth change (winrm_service). The task fails saying what the host
restores and when; once the rollback's wait is over (the simulator's scheduled-task clock, as in
test_rollback.py) the host is back to the previous state by itself, the controller reaches it, and a rerun
converges."""

from __future__ import annotations

import re
import typing as t

import pytest
from simhosts import HostFactory, config_for

from ansible_collections.winremote.remoting.plugins.plugin_utils.engine import execute as engine
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine import guard as rollback
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures import remoting_info
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures.winrm_listener import (
    ROLLBACK_TASK as LISTENER_TASK,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures.winrm_listener import (
    ListenerDesired,
    WinrmListener,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures.winrm_service import (
    ServiceDesired,
    WinrmService,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import listeners as listener_facade
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import errors
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.client import WSManClient
from winsim import SimulatedHost, tasks

PROFILES = ["2012r2", "2019"]
DOMAIN = "example.test"
SERVICE_TASK = rollback.SERVICE_TASK
PENDING = re.compile(
    r"will restore (?P<what>.+) by itself at about \d\d:\d\d:\d\d UTC "
    r"\(in (?P<left>\d+)s, SYSTEM scheduled task (?P<task>[\w-]+)\).*; to check, .*schtasks /query /tn (?P=task)"
)


class FaultAfterPut:
    """A client whose first Put reaches the host and is applied, after which the host refuses every connection
    (winsim's ``refuse``: its listening sockets closed, as when WinRM does not come back)."""

    def __init__(self, client: WSManClient, host: SimulatedHost) -> None:
        self.client, self.host, self.puts = client, host, 0

    def __getattr__(self, name: str) -> t.Any:
        return getattr(self.client, name)

    def put(self, *args: t.Any, **kwargs: t.Any) -> t.Any:
        reply = self.client.put(*args, **kwargs)
        self.puts += 1
        if self.puts == 1:
            self.host.inject_fault("refuse")
        return reply


def time_passes(host: SimulatedHost) -> None:
    """The rollback task's wait is over: the simulator's scheduled-task clock runs what is due."""
    with host.lock:
        tasks.run_due(host.state, force=True)
    host.apply_state()


def leftovers(host: SimulatedHost) -> list[str]:
    """Rollback tasks and files still on the host."""
    with host.lock:
        names = [str(x["name"]) for x in host.state.scheduled_tasks.values()]
        paths = [p for p in host.state.files.files() if "winremote-rollback" in p.lower()]
    return names + paths


def answers(config: t.Any) -> bool:
    try:
        with WSManClient(config) as client:
            WinrmService().observe(client)  # an authenticated Get, a new logon
    except errors.WinRemoteError:
        return False
    return True


def pending(failure: pytest.ExceptionInfo[rollback.RollbackPendingError], task: str) -> str:
    """The failure's message, checked to say what the host restores, when, and by which task."""
    message = str(failure.value)
    match = PENDING.search(message)
    assert match is not None and "\n" not in message, message
    assert match["task"] == task, message
    assert 170 <= int(match["left"]) <= 180, message
    assert "within 2s" in message and "connection refused" in message, message
    return match["what"]


# --- winrm_listener: the certificate of the HTTPS listener this controller is connected through -----------------


def name_the_computer(state: t.Any) -> None:
    """The TCP/IP parameters every Windows has (the simulator's profiles leave them out)."""
    state.registry.set_value(listener_facade.TCPIP_KEY, "Hostname", "REG_SZ", state.hostname)
    state.registry.set_value(listener_facade.TCPIP_KEY, "Domain", "REG_SZ", DOMAIN)


def fqdn(host: SimulatedHost) -> str:
    return f"{host.hostname.lower()}.{DOMAIN}"


def issue(host: SimulatedHost) -> str:
    """A test-CA certificate for the host's FQDN that also names its address; its thumbprint."""
    name = fqdn(host)
    return str(host.add_certificate(name, dns_names=(name,), ip_addresses=(host.address,)).thumbprint)


def https_listeners(host: SimulatedHost) -> list[tuple[str, int, str, str]]:
    with host.lock:
        return [
            (x.address, x.port, x.hostname, x.certificate_thumbprint)
            for x in host.state.listeners
            if x.transport == "HTTPS"
        ]


def rotate(host: SimulatedHost, config: t.Any, thumbprint: str, client: t.Any = None, wait: float = 20.0) -> t.Any:
    desired = ListenerDesired.from_args({"transport": "https", "certificate_thumbprint": thumbprint}, config)
    with WSManClient(config) as connected:
        used = connected if client is None else client(connected)
        return engine.execute(WinrmListener(desired, wait_seconds=wait), used, desired, check_mode=False)


@pytest.mark.parametrize("profile", PROFILES)
def test_a_rotation_whose_host_stops_answering_is_undone_by_the_host(start_host: HostFactory, profile: str) -> None:
    host = start_host(profile, configure=name_the_computer)
    first, second = issue(host), issue(host)
    created = rotate(host, config_for(host), first)  # over HTTP: the HTTPS listener with the first certificate
    assert created.changed and https_listeners(host) == [("*", 5986, fqdn(host), first)]
    before = https_listeners(host)
    https = config_for(host, scheme="https", port=5986, ca_path=host.ca_path, connection_timeout=1)

    with pytest.raises(rollback.RollbackPendingError) as failure:
        rotate(host, https, second, client=lambda c: FaultAfterPut(c, host), wait=2)
    assert first in pending(failure, LISTENER_TASK)  # it names the certificate it puts back
    # the rotation took, and the host is gone for the controller; its task waits to undo it
    assert https_listeners(host) == [("*", 5986, fqdn(host), second)]
    assert not answers(https)
    with host.lock:
        assert tasks.find(host.state, LISTENER_TASK)["status"] == "Running"  # type: ignore[index]

    time_passes(host)
    assert https_listeners(host) == before  # the previous thumbprint, restored by the host itself
    assert leftovers(host) == []
    host.clear_faults()  # the WinRM the task restarted listens again
    assert answers(https)
    with WSManClient(config_for(host, scheme="https", port=5986, ca_path=host.ca_path)) as client:
        assert remoting_info.observe(client).to_dict()["pending_rollback_tasks"] == []

    rerun = rotate(host, https, second)
    assert rerun.changed and rerun.verified and https_listeners(host) == [("*", 5986, fqdn(host), second)]
    assert rerun.rollback is not None and rerun.rollback.startswith("cancelled"), rerun.rollback
    assert leftovers(host) == [] and not rotate(host, https, second).changed


# --- winrm_service: an auth change, guarded because it may lock the controller out ------------------------------


def auth(host: SimulatedHost) -> dict[str, str]:
    with host.lock:
        return dict(host.state.winrm["Service"]["Auth"])


def change_auth(host: SimulatedHost, client: t.Any = None, wait: float = 20.0) -> t.Any:
    config = config_for(host, connection_timeout=1)
    request = ServiceDesired.from_args({"auth": {"basic": True}}, config)
    with WSManClient(config) as connected:
        used = connected if client is None else client(connected)
        return engine.execute(WinrmService(wait_seconds=wait), used, request, check_mode=False)


@pytest.mark.parametrize("profile", PROFILES)
def test_an_auth_change_whose_host_stops_answering_is_undone_by_the_host(start_host: HostFactory, profile: str) -> None:
    host = start_host(profile)
    before = auth(host)
    assert before["Basic"] == "false", before
    config = config_for(host, connection_timeout=1)

    with pytest.raises(rollback.RollbackPendingError) as failure:
        change_auth(host, client=lambda c: FaultAfterPut(c, host), wait=2)
    assert pending(failure, SERVICE_TASK) == "the previous WinRM auth"
    assert auth(host) == {**before, "Basic": "true"}  # the change took, then the host was gone
    assert not answers(config)
    with host.lock:
        assert tasks.find(host.state, SERVICE_TASK)["status"] == "Running"  # type: ignore[index]

    time_passes(host)
    assert auth(host) == before  # restored by the host itself
    assert leftovers(host) == []
    host.clear_faults()  # the WinRM the task restarted listens again
    assert answers(config)

    rerun = change_auth(host)
    assert rerun.changed and rerun.verified and rerun.facts["auth"]["basic"] is True
    assert rerun.rollback is not None and rerun.rollback.startswith("cancelled"), rerun.rollback
    assert auth(host) == {**before, "Basic": "true"} and leftovers(host) == []
    assert not change_auth(host).changed
