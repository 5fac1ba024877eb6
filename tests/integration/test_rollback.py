"""The rollback guard against simulated hosts: a restart or listener change that leaves the host unreachable is undone
by the host itself (after winsim.tasks.run_due), the normal path leaves nothing behind, intended disconnects arm
nothing."""

from __future__ import annotations

import re
import typing as t

import pytest
from simhosts import HostFactory, config_for, https_overrides

from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures import base, remoting_info, rollback
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures.sm_remoting import (
    ROLLBACK_TASK as LISTENER_TASK,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures.sm_remoting import (
    SmRemoting,
    SmRemotingDesired,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures.winrm_policy import (
    REGISTRY_KEY,
    ROLLBACK_TASK,
    Desired,
    Running,
    WinrmPolicy,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import errors
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.client import WSManClient
from winsim import SimulatedHost, rules, tasks
from winsim.wsman.commands import smremoting

POL = r"C:\Windows\System32\GroupPolicy\Machine\Registry.pol"
GPT = r"C:\Windows\System32\GroupPolicy\gpt.ini"
PENDING = re.compile(
    r"will restore (?P<what>.+) by itself at about \d\d:\d\d:\d\d UTC "
    r"\(in (?P<left>\d+)s, SYSTEM scheduled task (?P<task>[\w-]+)\).*; to check, .*schtasks /query /tn (?P=task)"
)


def policy_files(host: SimulatedHost) -> dict[str, t.Any]:
    with host.lock:
        state = host.state
        found: dict[str, t.Any] = {p: state.files.read(p) if state.files.is_file(p) else None for p in (POL, GPT)}
        for name in ("AllowAutoConfig", "IPv4Filter", "IPv6Filter"):
            found[name] = state.registry.get_data(REGISTRY_KEY, name)
        return found


def leftovers(host: SimulatedHost) -> list[str]:
    """Rollback tasks and files still on the host."""
    with host.lock:
        names = [str(x["name"]) for x in host.state.scheduled_tasks.values()]
        paths = [p for p in host.state.files.files() if "winremote-rollback" in p.lower()]
    return names + paths


def answers(host: SimulatedHost, **overrides: t.Any) -> bool:
    try:
        with WSManClient(config_for(host, connection_timeout=3, **overrides)) as client:
            client.identify()
    except errors.WinRemoteError:
        return False
    return True


def stop_winrm(host: SimulatedHost) -> None:
    """WinRM fails to come back: the service stays stopped (no fault injection; the host really does not answer)."""
    with host.lock:
        rules.stop_winrm(host.state)
    host.apply_state()


def time_passes(host: SimulatedHost) -> None:
    with host.lock:
        tasks.run_due(host.state, force=True)
    host.apply_state()


class Recording:
    """A client that records every command line it runs (to prove what was, and was not, armed)."""

    def __init__(self, client: WSManClient) -> None:
        self.client, self.commands = client, []  # type: tuple[WSManClient, list[str]]

    def __getattr__(self, name: str) -> t.Any:
        return getattr(self.client, name)

    def run_command(self, command: str, arguments: t.Sequence[str] = ()) -> t.Any:
        self.commands.append(" ".join([command, *arguments]))
        return self.client.run_command(command, arguments)


class StopsAfterRestart(WinrmPolicy):
    """The restart happens, then WinRM does not start again."""

    def __init__(self, host: SimulatedHost) -> None:
        super().__init__(wait_seconds=2)
        self.host = host

    def wait_for(self, client: t.Any, expected: Running) -> Running:
        stop_winrm(self.host)
        return super().wait_for(client, expected)


def test_winrm_policy_restores_itself_when_winrm_does_not_come_back(start_host: HostFactory) -> None:
    host = start_host("2019")
    with WSManClient(config_for(host)) as client:
        recording = Recording(client)
        first = base.execute(
            WinrmPolicy(wait_seconds=15), recording, Desired.from_args({"state": "enabled"}, None), False
        )
        assert first.after is not None and first.after.running == Running("enabled", "*", "*")
    # the normal path armed the guard once, cancelled it, and left nothing behind
    assert sum(f"/tn {ROLLBACK_TASK}" in c and "/create" in c for c in recording.commands) == 1
    assert sum(f'/delete /tn "{ROLLBACK_TASK}"' in c for c in recording.commands) == 1
    assert leftovers(host) == []
    previous = policy_files(host)
    assert previous["IPv4Filter"] == "*" and previous[POL] is not None

    narrower = Desired.from_args({"state": "enabled", "ipv4_filter": host.address}, host.address)
    with (
        WSManClient(config_for(host, connection_timeout=1)) as client,
        pytest.raises(rollback.RollbackPendingError) as failure,
    ):
        base.execute(StopsAfterRestart(host), client, narrower, check_mode=False)
    message = str(failure.value)
    match = PENDING.search(message)
    assert match is not None and "\n" not in message, message
    assert match["what"] == "the WinRM policy the service ran before this change" and match["task"] == ROLLBACK_TASK
    assert 170 <= int(match["left"]) <= 180
    assert "did not answer with the new policy within 2s" in message
    assert not answers(host) and policy_files(host)["IPv4Filter"] == host.address  # the new policy, host gone
    with host.lock:
        assert tasks.find(host.state, ROLLBACK_TASK)["status"] == "Running"  # type: ignore[index]

    time_passes(host)
    assert answers(host)
    assert policy_files(host) == previous  # Registry.pol and gpt.ini bytes, registry values
    assert leftovers(host) == []  # the task deleted itself, the script and backups are gone
    with WSManClient(config_for(host)) as client:
        again = base.execute(WinrmPolicy(), client, Desired.from_args({"state": "enabled"}, None), False)
        assert not again.changed and again.before.running == Running("enabled", "*", "*")


def test_winrm_policy_restores_deleted_files_when_there_were_none(start_host: HostFactory) -> None:
    host = start_host("2022")
    previous = policy_files(host)
    assert previous == dict.fromkeys([POL, GPT, "AllowAutoConfig", "IPv4Filter", "IPv6Filter"])
    wanted = Desired.from_args({"state": "enabled", "ipv4_filter": host.address}, host.address)
    with (
        WSManClient(config_for(host, connection_timeout=1)) as client,
        pytest.raises(rollback.RollbackPendingError),
    ):
        base.execute(StopsAfterRestart(host), client, wanted, check_mode=False)
    time_passes(host)
    assert answers(host) and policy_files(host) == previous and leftovers(host) == []


def test_winrm_policy_self_disconnect_arms_nothing(start_host: HostFactory) -> None:
    host = start_host("2019")
    wanted = Desired.from_args({"state": "disabled", "allow_self_disconnect": True}, host.address)
    with WSManClient(config_for(host)) as client:
        recording = Recording(client)
        outcome = base.execute(WinrmPolicy(), recording, wanted, check_mode=False, verify=False)
    assert outcome.changed and not answers(host)
    assert not [c for c in recording.commands if "winremote-rollback" in c and "/create" in c]
    time_passes(host)  # nothing was waiting to undo the requested disconnect
    assert not answers(host) and leftovers(host) == []


class StopsAfterListenerChange:
    """A client whose host creates the listener, then WinRM does not start again."""

    def __init__(self, client: WSManClient, host: SimulatedHost) -> None:
        self.client, self.host = client, host

    def __getattr__(self, name: str) -> t.Any:
        return getattr(self.client, name)

    def create(self, *args: t.Any, **kwargs: t.Any) -> t.Any:
        reply = self.client.create(*args, **kwargs)
        stop_winrm(self.host)
        return reply


def http_listeners(host: SimulatedHost) -> list[t.Any]:
    with host.lock:
        return [(x.port, x.enabled) for x in host.state.listeners if x.transport == "HTTP"]


@pytest.mark.parametrize("profile", ["2016", "2008r2"])
def test_sm_remoting_listener_creation_restores_itself(start_host: HostFactory, profile: str) -> None:
    host = start_host(profile, configure=smremoting.disable, https=True)
    https = https_overrides(host)
    enable = SmRemotingDesired("enabled", scheme="https", port=5986)
    assert http_listeners(host) == []
    with (
        WSManClient(config_for(host, connection_timeout=1, **https)) as client,
        pytest.raises(rollback.RollbackPendingError) as failure,
    ):
        base.execute(SmRemoting(wait_seconds=2), StopsAfterListenerChange(client, host), enable, check_mode=False)
    match = PENDING.search(str(failure.value))
    assert match is not None and match["what"] == "the previous HTTP listener" and match["task"] == LISTENER_TASK
    assert str(failure.value).startswith("the host did not answer within 2s")
    assert not answers(host, **https) and http_listeners(host) == [(5985, True)]

    time_passes(host)
    assert answers(host, **https) and http_listeners(host) == [] and leftovers(host) == []


def test_host_back_before_its_rollback_ran_is_reported_and_the_task_cancelled(start_host: HostFactory) -> None:
    """A late comeback: the change did take, so a rerun cancels the pending task instead of letting it undo it."""
    host = start_host("2022", configure=smremoting.disable, https=True)
    https = https_overrides(host)
    enable = SmRemotingDesired("enabled", scheme="https", port=5986)
    with (
        WSManClient(config_for(host, connection_timeout=1, **https)) as client,
        pytest.raises(rollback.RollbackPendingError),
    ):
        base.execute(SmRemoting(wait_seconds=2), StopsAfterListenerChange(client, host), enable, check_mode=False)
    with host.lock:
        rules.start_winrm(host.state)  # WinRM comes back by itself, later than the controller waited
    host.apply_state()

    with WSManClient(config_for(host, **https)) as client:
        facts = remoting_info.observe(client).to_dict()
        assert facts["pending_rollback_tasks"] == [LISTENER_TASK]
        checked = base.execute(SmRemoting(), client, enable, check_mode=True)
        assert [c.kind for c in checked.changes] == ["cancel_stale_rollback"] and leftovers(host) != []
        rerun = base.execute(SmRemoting(), client, enable, check_mode=False)
        assert [c.kind for c in rerun.changes] == ["cancel_stale_rollback"] and rerun.verified
    assert leftovers(host) == []
    time_passes(host)  # nothing is left to undo the listener
    assert http_listeners(host) == [(5985, True)]
    with WSManClient(config_for(host, **https)) as client:
        assert remoting_info.observe(client).to_dict()["pending_rollback_tasks"] == []


def test_sm_remoting_normal_path_leaves_nothing(start_host: HostFactory) -> None:
    host = start_host("2019", configure=smremoting.disable, https=True)
    https = https_overrides(host)
    enable = SmRemotingDesired("enabled", scheme="https", port=5986)
    with WSManClient(config_for(host, **https)) as client:
        recording = Recording(client)
        outcome = base.execute(SmRemoting(), recording, enable, check_mode=False)
    assert outcome.verified and http_listeners(host) == [(5985, True)]
    assert sum(f"/tn {LISTENER_TASK}" in c and "/create" in c for c in recording.commands) == 1
    assert leftovers(host) == []
    time_passes(host)  # nothing left to undo the change
    assert http_listeners(host) == [(5985, True)] and answers(host)


def test_sm_remoting_self_disconnect_arms_nothing(start_host: HostFactory) -> None:
    host = start_host("2019")
    with WSManClient(config_for(host)) as client:
        recording = Recording(client)
        outcome = base.execute(
            SmRemoting(), recording, SmRemotingDesired("disabled", allow_self_disconnect=True), check_mode=False
        )
    assert outcome.changed and not answers(host)
    assert not [c for c in recording.commands if "winremote-rollback" in c and "/create" in c] and leftovers(host) == []


def test_round_trips_of_the_guard(start_host: HostFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Arming costs two WinRS commands (create and check the directory; write the files and start the task), 8 WS-Man
    requests; cancelling one command, 4: 12 per guarded change."""
    host = start_host("2019")
    spent: dict[str, int] = {}

    def measured(name: str, step: t.Callable[..., None]) -> t.Callable[..., None]:
        def run(self: rollback.Guard, client: t.Any) -> None:
            start = host.request_count
            step(self, client)
            spent[name] = spent.get(name, 0) + host.request_count - start

        return run

    monkeypatch.setattr(rollback.Guard, "arm", measured("arm", rollback.Guard.arm))
    monkeypatch.setattr(rollback.Guard, "cancel", measured("cancel", rollback.Guard.cancel))
    with WSManClient(config_for(host)) as client:
        base.execute(WinrmPolicy(wait_seconds=15), client, Desired.from_args({"state": "enabled"}, None), False)
        assert spent == {"arm": 8, "cancel": 4}
        assert not base.execute(WinrmPolicy(), client, Desired.from_args({"state": "enabled"}, None), False).changed
        assert spent == {"arm": 8, "cancel": 4}  # nothing applied, nothing armed
