# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""winrm_service changes that may lock the controller out, against simulated hosts: a RootSDDL that passes the
up-front check (Administrators keep GA) but denies the connecting account's own SID ends with the host restoring
itself, and says when; an auth change that does not lock out is applied, proved by a new logon, and its rollback
task removed."""

from __future__ import annotations

import re
import typing as t

import pytest
from simhosts import HostFactory, config_for

from ansible_collections.winremote.remoting.plugins.plugin_utils.engine import execute as engine
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine import guard as rollback
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures import remoting_info
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures.winrm_service import (
    ServiceDesired,
    WinrmService,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import errors
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.client import WSManClient
from winsim import SimulatedHost, profiles, security, tasks

TASK = rollback.SERVICE_TASK
PENDING = re.compile(
    r"will restore (?P<what>.+) by itself at about \d\d:\d\d:\d\d UTC "
    r"\(in (?P<left>\d+)s, SYSTEM scheduled task (?P<task>[\w-]+)\).*; to check, .*schtasks /query /tn (?P=task)"
)
PROFILES = ["2012r2", "2019"]


def root_sddl(host: SimulatedHost) -> str:
    with host.lock:
        return host.state.winrm_text("Service", "RootSDDL")


def own_sid(host: SimulatedHost) -> str:
    """The SID of the account the controller connects as (config_for: the built-in Administrator)."""
    with host.lock:
        account = security.caller(host.state, config_for(host).username, "")
        assert account is not None and account.is_builtin_admin
        return security.account_sid(host.state, account)


def denying(sid: str) -> str:
    """Windows' default RootSDDL with a deny entry for one SID first: Administrators keep GA."""
    return profiles.ROOT_SDDL.replace("D:P", f"D:P(D;;GA;;;{sid})", 1)


def leftovers(host: SimulatedHost) -> list[str]:
    """Rollback tasks and files still on the host."""
    with host.lock:
        names = [str(x["name"]) for x in host.state.scheduled_tasks.values()]
        paths = [p for p in host.state.files.files() if "winremote-rollback" in p.lower()]
    return names + paths


def answers(host: SimulatedHost) -> bool:
    """A new connection and logon of the controller's account is let in (a Get of winrm/config)."""
    try:
        with WSManClient(config_for(host, connection_timeout=3)) as client:
            WinrmService().observe(client)
    except errors.WinRemoteError:
        return False
    return True


def time_passes(host: SimulatedHost) -> None:
    """The scheduled tasks' wait ends (the simulator's task clock), as in test_rollback.py."""
    with host.lock:
        tasks.run_due(host.state, force=True)
    host.apply_state()


class Recording:
    """A client that records every command line it runs and every close (a close makes the next request log in
    on a new connection)."""

    def __init__(self, client: WSManClient) -> None:
        self.client, self.commands, self.closes = client, [], 0  # type: tuple[WSManClient, list[str], int]

    def __getattr__(self, name: str) -> t.Any:
        return getattr(self.client, name)

    def close(self) -> None:
        self.closes += 1
        self.client.close()

    def run_command(self, command: str, arguments: t.Sequence[str] = ()) -> t.Any:
        self.commands.append(" ".join([command, *arguments]))
        return self.client.run_command(command, arguments)


@pytest.mark.parametrize("profile", PROFILES)
def test_a_root_sddl_that_denies_this_account_is_restored_by_the_host_itself(
    start_host: HostFactory, profile: str
) -> None:
    host = start_host(profile)
    before = root_sddl(host)
    assert before == profiles.ROOT_SDDL and answers(host)
    locking = denying(own_sid(host))
    config = config_for(host, connection_timeout=1)
    request = ServiceDesired.from_args({"root_sddl": locking}, config)
    with WSManClient(config) as client:
        # the up-front check passes: Administrators keep full access, and it cannot know whose SID is denied
        checked = engine.execute(WinrmService(), client, request, check_mode=True)
        assert [c.target for c in checked.changes] == ["root_sddl"]
        assert checked.changes[0].operation.may_lock_out and not checked.changes[0].disruptive

    with WSManClient(config) as client, pytest.raises(rollback.RollbackPendingError) as failure:
        engine.execute(WinrmService(wait_seconds=2), client, request, check_mode=False)
    message = str(failure.value)
    assert message.startswith(
        "the host did not accept a new logon of this controller with the planned WinRM settings within 2s of the "
        "change (last: "
    ), message
    assert "Access is denied" in message and "\n" not in message, message
    match = PENDING.search(message)
    assert match is not None, message
    assert match["what"] == "the previous winrm/config/service settings" and match["task"] == TASK
    assert 170 <= int(match["left"]) <= 180
    # the change took and locked the account out; the task waits to undo it
    assert root_sddl(host) == locking and not answers(host)
    with host.lock:
        assert tasks.find(host.state, TASK)["status"] == "Running"  # type: ignore[index]

    time_passes(host)
    assert root_sddl(host) == before and leftovers(host) == []
    assert answers(host)  # the controller reaches the host again
    with WSManClient(config_for(host)) as client:
        assert remoting_info.observe(client).to_dict()["pending_rollback_tasks"] == []
        again = engine.execute(WinrmService(), client, ServiceDesired.from_args({"root_sddl": before}, None), False)
        assert not again.changed


@pytest.mark.parametrize("profile", PROFILES)
def test_an_auth_change_that_keeps_access_is_proved_by_a_new_logon_and_its_guard_cancelled(
    start_host: HostFactory, profile: str
) -> None:
    host = start_host(profile)
    config = config_for(host)
    request = ServiceDesired.from_args({"auth": {"basic": True}, "max_connections": 77}, config)
    with WSManClient(config) as client:
        recording = Recording(client)
        outcome = engine.execute(WinrmService(wait_seconds=10), recording, request, check_mode=False)
    assert outcome.verified and outcome.facts["auth"]["basic"] is True and outcome.facts["reachable"] is True
    assert outcome.rollback is not None and outcome.rollback.startswith("cancelled"), outcome.rollback
    # armed once before the changes, removed once after the new logon was let in
    assert sum(f"/tn {TASK}" in c and "/create" in c for c in recording.commands) == 1
    assert sum(f'/delete /tn "{TASK}"' in c for c in recording.commands) == 1
    assert recording.closes >= 2  # the applying connection was dropped, and each try logged in anew
    with host.lock:
        assert host.state.winrm_text("Service", "Auth", "Basic") == "true"
        assert host.state.winrm_text("Service", "MaxConnections") == "77"
        assert tasks.find(host.state, TASK) is None  # no rollback task is left on the host
    assert leftovers(host) == []
    time_passes(host)  # nothing is left to undo the change
    with host.lock:
        assert host.state.winrm_text("Service", "Auth", "Basic") == "true"
    assert answers(host)


@pytest.mark.parametrize("profile", PROFILES)
def test_a_change_that_cannot_lock_out_arms_nothing(start_host: HostFactory, profile: str) -> None:
    host = start_host(profile)
    config = config_for(host)
    with WSManClient(config) as client:
        recording = Recording(client)
        outcome = engine.execute(
            WinrmService(), recording, ServiceDesired.from_args({"max_connections": 55}, config), check_mode=False
        )
    assert outcome.verified and outcome.rollback is None
    assert not [c for c in recording.commands if "winremote-rollback" in c] and recording.closes == 0
    assert leftovers(host) == []
