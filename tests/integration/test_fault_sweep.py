# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A fault at every SOAP request of a change: the run either applies and verifies the change or fails with one
line, the host still answers, and reruns converge (changed once when the change was not applied, then not again).

Faults: a connection reset after the request was read (the host died mid-request, nothing done), an HTTP 500
WS-Man fault (refused, nothing done), and a reply later than the read timeout (done, but the client never hears
of it). The sweep runs the procedures in-process (a few hundred runs in seconds); one playbook proves the same
through ``ansible-playbook``.
"""

from __future__ import annotations

import time
import typing as t
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from simhosts import JSON_RESULTS, config_for, new_host, run_playbook, task_results, write_inventory

from ansible_collections.winremote.remoting.plugins.plugin_utils.engine import execute as engine
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures import firewall_rules as fr
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures import remoting_info
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures.token_filter_policy import (
    KEY,
    VALUE,
    TokenFilterPolicy,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import errors
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.client import WSManClient
from winsim import SimulatedHost, firewall

# Short timeouts so a late reply costs seconds: operation_timeout must stay below read_timeout.
READ_TIMEOUT = 2
OPERATION_TIMEOUT = 1
LATE = READ_TIMEOUT + 1.0  # the "delay" fault answers after the client stopped waiting
FAULTS: dict[str, dict[str, t.Any]] = {
    "reset": {},
    "http500": {"code": 2150858843, "message": "The WS-Management service cannot process the request."},
    "delay": {"seconds": LATE},
}
DCOM = fr.resolve_rule_ids(None, "dcom_remote_management")

# Addresses of this module's own (127.67.x.y): other test runs on the machine use simhosts' range at the same time.


@dataclass(frozen=True)
class Change:
    """One change-making module: how to run it in-process and how to read its requested state off the host."""

    name: str
    run: Callable[[WSManClient], engine.Outcome[t.Any]]
    applied: Callable[[SimulatedHost], bool]  # the whole requested state is on the host
    untouched: Callable[[SimulatedHost], bool]  # nothing of it is


def token_run(client: WSManClient) -> engine.Outcome[t.Any]:
    return engine.execute(TokenFilterPolicy(), client, True, check_mode=False)


def token_value(host: SimulatedHost) -> object:
    with host.lock:
        return host.state.registry.get_data(KEY, VALUE)


def rules_run(client: WSManClient) -> engine.Outcome[t.Any]:
    desired = fr.desired_from_args({"rule_set": "dcom_remote_management"}, connection_port=5985)
    return engine.execute(fr.FirewallRules(desired.rule_ids), client, desired, check_mode=False)


def rules_enabled(host: SimulatedHost) -> list[bool]:
    with host.lock:
        found = [firewall.get_rule(host.state.registry, rule_id) for rule_id in DCOM]
    return [bool(rule and rule.enabled) for rule in found]


CHANGES = {
    "token_filter_policy": Change(
        "token_filter_policy", token_run, lambda h: token_value(h) == 1, lambda h: token_value(h) is None
    ),
    "firewall_rules": Change(
        "firewall_rules", rules_run, lambda h: all(rules_enabled(h)), lambda h: not any(rules_enabled(h))
    ),
}


def client_for(host: SimulatedHost) -> WSManClient:
    return WSManClient(config_for(host, read_timeout=READ_TIMEOUT, operation_timeout=OPERATION_TIMEOUT))


def count_requests(change: Change, profile: str) -> int:
    """SOAP requests of a clean change run (observe, apply, observe again)."""
    host = new_host(profile)
    try:
        assert change.untouched(host)
        host.reset_request_count()
        with client_for(host) as client:
            outcome = change.run(client)
        assert outcome.changed and outcome.verified and change.applied(host)
        return host.request_count
    finally:
        host.stop()


class FaultAt:
    """Makes the ``nth`` SOAP request a client sends meet a fault (faults queue on the host for its next request;
    authentication legs never take them)."""

    def __init__(self, client: WSManClient, host: SimulatedHost, nth: int, kind: str) -> None:
        self.sent = 0
        original = client.request

        def request(*args: t.Any, **kwargs: t.Any) -> t.Any:
            self.sent += 1
            if self.sent == nth:
                host.inject_fault(kind, count=1, **FAULTS[kind])
            return original(*args, **kwargs)

        client.request = request  # type: ignore[method-assign]


def host_answers(host: SimulatedHost) -> bool:
    try:
        with client_for(host) as client:
            remoting_info.observe(client)
    except errors.WinRemoteError:
        return False
    return True


def sweep_case(change: Change, profile: str, nth: int, kind: str) -> str | None:
    """One fault run and its reruns; None when everything held, otherwise what went wrong."""
    where = f"{change.name} on {profile}, {kind} at request {nth}"
    host = new_host(profile)
    try:
        failure: errors.WinRemoteError | None = None
        with client_for(host) as client:
            FaultAt(client, host, nth, kind)
            try:
                outcome = change.run(client)
            except errors.WinRemoteError as exc:
                failure = exc
            except Exception as exc:  # anything else reaches the user as a traceback
                return f"{where}: unhandled {type(exc).__name__}: {exc}"
        if failure is None:
            if not (outcome.verified and change.applied(host)):
                return f"{where}: reported success without the requested state on the host"
        else:
            message = str(failure)
            if not message or "\n" in message or "Traceback" in message:
                return f"{where}: the failure is not one line: {message!r}"
            if kind == "delay":
                time.sleep(LATE - READ_TIMEOUT + 0.5)  # let the late request finish on the host first
        if not host_answers(host):
            return f"{where}: the host no longer answers"
        applied = change.applied(host)
        with client_for(host) as client:
            rerun = change.run(client)
            third = change.run(client)
        if rerun.changed == applied:
            return f"{where}: rerun changed={rerun.changed} though the change was {'' if applied else 'not '}applied"
        if not (change.applied(host) and (rerun.verified or not rerun.changed)):
            return f"{where}: the rerun did not converge"
        if third.changed:
            return f"{where}: a third run still changed something"
        return None
    finally:
        host.stop()


@pytest.mark.parametrize("profile", ["2016", "2008r2"])
@pytest.mark.parametrize("module", list(CHANGES))
def test_a_fault_at_any_request_ends_reachable_and_converging(module: str, profile: str) -> None:
    change = CHANGES[module]
    total = count_requests(change, profile)
    assert total >= 3  # observe, apply, observe again
    cases = [(nth, kind) for nth in range(1, total + 1) for kind in FAULTS]
    with ThreadPoolExecutor(max_workers=12) as pool:  # a late reply mostly waits: run the cases side by side
        problems = [p for p in pool.map(lambda case: sweep_case(change, profile, *case), cases) if p]
    assert not problems, f"{len(problems)} of {len(cases)} fault runs went wrong:\n" + "\n".join(problems)


# --- the same through ansible-playbook ----------------------------------------------------------------------------

PLAYBOOK = """
- name: Token filter policy
  hosts: windows
  gather_facts: false
  tasks:
    - name: Admit local administrators
      winremote.remoting.token_filter_policy:
        enabled: true
"""


@pytest.fixture
def playbook_host() -> Iterator[SimulatedHost]:
    host = new_host("2016")
    yield host
    host.stop()


def test_playbook_reset_on_the_write_then_reruns_converge(playbook_host: SimulatedHost, tmp_path: Path) -> None:
    """The host dies while it reads the registry write: one failed line, then changed, then nothing to do."""
    host = playbook_host
    inventory = write_inventory(tmp_path / "inventory.yml", {"sim-2016": host.inventory_vars()})
    playbook = tmp_path / "enable.yml"
    playbook.write_text(PLAYBOOK, encoding="utf-8")
    host.inject_fault("reset", count=1, action="StdRegProv/SetDWORDValue")

    failed = run_playbook(playbook, inventory, "-v", **JSON_RESULTS)
    outcome = task_results(failed.stdout)[0]["sim-2016"]
    assert outcome["_status"] == "fatal", failed.stdout
    assert outcome["msg"] and "\n" not in outcome["msg"], outcome["msg"]
    assert "Traceback" not in failed.stdout + failed.stderr and "exception" not in outcome
    assert token_value(host) is None  # the write never ran
    assert host_answers(host)

    rerun = run_playbook(playbook, inventory)
    assert rerun.returncode == 0 and "changed=1" in rerun.stdout, rerun.stdout
    third = run_playbook(playbook, inventory)
    assert third.returncode == 0 and "changed=0" in third.stdout, third.stdout
    assert token_value(host) == 1
