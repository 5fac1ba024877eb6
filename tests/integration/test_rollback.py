# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The rollback guard against simulated hosts: a restart or listener change that leaves the host unreachable is undone
by the host itself (after winsim.tasks.run_due), the normal path leaves nothing behind, intended disconnects arm
nothing."""

from __future__ import annotations

import re
import typing as t

import pytest
from simhosts import HostFactory, config_for, https_overrides

from ansible_collections.winremote.remoting.plugins.plugin_utils.engine import execute as engine
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine import guard as rollback
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.execute import SelfDisconnectRefused
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures import remoting_info
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures import winrm_policy as winrm_policy_module
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
    PolicyDesired,
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

    def settled(self, client: t.Any, request: t.Any) -> str | None:
        stop_winrm(self.host)
        return super().settled(client, request)


def test_winrm_policy_restores_itself_when_winrm_does_not_come_back(start_host: HostFactory) -> None:
    host = start_host("2019")
    with WSManClient(config_for(host)) as client:
        recording = Recording(client)
        first = engine.execute(
            WinrmPolicy(wait_seconds=15), recording, PolicyDesired.from_args({"state": "enabled"}, None), False
        )
        assert first.after is not None and first.after.running == Running("enabled", "*", "*")
    # the normal path armed the guard once, cancelled it, and left nothing behind
    assert sum(f"/tn {ROLLBACK_TASK}" in c and "/create" in c for c in recording.commands) == 1
    assert sum(f'/delete /tn "{ROLLBACK_TASK}"' in c for c in recording.commands) == 1
    assert leftovers(host) == []
    previous = policy_files(host)
    assert previous["IPv4Filter"] == "*" and previous[POL] is not None

    narrower = PolicyDesired.from_args({"state": "enabled", "ipv4_filter": host.address}, host.address)
    with (
        WSManClient(config_for(host, connection_timeout=1)) as client,
        pytest.raises(rollback.RollbackPendingError) as failure,
    ):
        engine.execute(StopsAfterRestart(host), client, narrower, check_mode=False)
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
        again = engine.execute(WinrmPolicy(), client, PolicyDesired.from_args({"state": "enabled"}, None), False)
        assert not again.changed and again.before.running == Running("enabled", "*", "*")


def test_winrm_policy_restores_deleted_files_when_there_were_none(start_host: HostFactory) -> None:
    host = start_host("2022")
    previous = policy_files(host)
    assert previous == dict.fromkeys([POL, GPT, "AllowAutoConfig", "IPv4Filter", "IPv6Filter"])
    wanted = PolicyDesired.from_args({"state": "enabled", "ipv4_filter": host.address}, host.address)
    with (
        WSManClient(config_for(host, connection_timeout=1)) as client,
        pytest.raises(rollback.RollbackPendingError),
    ):
        engine.execute(StopsAfterRestart(host), client, wanted, check_mode=False)
    time_passes(host)
    assert answers(host) and policy_files(host) == previous and leftovers(host) == []


def test_winrm_policy_self_disconnect_arms_nothing(start_host: HostFactory) -> None:
    host = start_host("2019")
    wanted = PolicyDesired.from_args({"state": "disabled", "allow_self_disconnect": True}, host.address)
    with WSManClient(config_for(host)) as client:
        recording = Recording(client)
        outcome = engine.execute(WinrmPolicy(), recording, wanted, check_mode=False, verify=False)
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
        engine.execute(SmRemoting(wait_seconds=2), StopsAfterListenerChange(client, host), enable, check_mode=False)
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
        engine.execute(SmRemoting(wait_seconds=2), StopsAfterListenerChange(client, host), enable, check_mode=False)
    with host.lock:
        rules.start_winrm(host.state)  # WinRM comes back by itself, later than the controller waited
    host.apply_state()

    with WSManClient(config_for(host, **https)) as client:
        facts = remoting_info.observe(client).to_dict()
        assert facts["pending_rollback_tasks"] == [LISTENER_TASK]
        checked = engine.execute(SmRemoting(), client, enable, check_mode=True)
        assert [c.kind for c in checked.changes] == ["cancel_stale_rollback"] and leftovers(host) != []
        rerun = engine.execute(SmRemoting(), client, enable, check_mode=False)
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
        outcome = engine.execute(SmRemoting(), recording, enable, check_mode=False)
    assert outcome.verified and http_listeners(host) == [(5985, True)]
    assert sum(f"/tn {LISTENER_TASK}" in c and "/create" in c for c in recording.commands) == 1
    assert leftovers(host) == []
    time_passes(host)  # nothing left to undo the change
    assert http_listeners(host) == [(5985, True)] and answers(host)


def test_sm_remoting_self_disconnect_arms_nothing(start_host: HostFactory) -> None:
    host = start_host("2019")
    with WSManClient(config_for(host)) as client:
        recording = Recording(client)
        outcome = engine.execute(
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
        engine.execute(WinrmPolicy(wait_seconds=15), client, PolicyDesired.from_args({"state": "enabled"}, None), False)
        assert spent == {"arm": 8, "cancel": 4}
        assert not engine.execute(
            WinrmPolicy(), client, PolicyDesired.from_args({"state": "enabled"}, None), False
        ).changed
        assert spent == {"arm": 8, "cancel": 4}  # nothing applied, nothing armed


# --- the guard restores what WinRM runs, and is armed before the first write -----------------------------------------


def running_policy(host: SimulatedHost) -> dict[str, object]:
    with host.lock:
        return dict(rules.service_policy(host.state))


def test_a_bad_policy_left_in_the_files_is_never_what_the_guard_restores(start_host: HostFactory) -> None:
    """An earlier run with restart_winrm=false left a policy that would cut the host off in the files; its rerun with
    the restart is refused, and a good policy whose restart never comes back ends with the host restoring what WinRM
    RAN (not configured), so it answers again."""
    host = start_host("2019")
    untouched = policy_files(host)
    with WSManClient(config_for(host)) as client:
        bad = {"state": "enabled", "ipv4_filter": "10.9.9.9"}
        engine.execute(WinrmPolicy(), client, PolicyDesired.from_args({**bad, "restart_winrm": False}, None), False)
        assert policy_files(host)["IPv4Filter"] == "10.9.9.9" and running_policy(host) == {}
        with pytest.raises(SelfDisconnectRefused, match="does not include"):
            engine.execute(WinrmPolicy(), client, PolicyDesired.from_args(bad, host.address), False)
    good = PolicyDesired.from_args({"state": "enabled", "ipv4_filter": host.address}, host.address)
    with (
        WSManClient(config_for(host, connection_timeout=1)) as client,
        pytest.raises(rollback.RollbackPendingError),
    ):
        engine.execute(StopsAfterRestart(host), client, good, check_mode=False)
    assert not answers(host)
    time_passes(host)
    assert answers(host) and running_policy(host) == {} and leftovers(host) == []
    restored = policy_files(host)
    assert {k: restored[k] for k in ("AllowAutoConfig", "IPv4Filter", "IPv6Filter")} == dict.fromkeys(
        ("AllowAutoConfig", "IPv4Filter", "IPv6Filter")
    )
    assert restored[POL] is not None and untouched[POL] is None  # rebuilt without the policy's records
    with WSManClient(config_for(host)) as client:
        state = WinrmPolicy().observe(client)
        assert state.policy_in_file()["state"] == "not_configured"
        rerun = engine.execute(WinrmPolicy(wait_seconds=15), client, good, False)
        assert rerun.after is not None and rerun.after.running == Running("enabled", host.address, "*")


class Killed(BaseException):
    """The controller's process dies (SIGKILL): no handler runs, nothing is cleaned up."""


@pytest.mark.parametrize("where", ["after_arming", "after_writing"])
def test_a_run_killed_after_arming_ends_with_the_host_reachable(
    start_host: HostFactory, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    host = start_host("2022")
    previous = policy_files(host)

    def die(*_args: t.Any, **_kwargs: t.Any) -> None:
        raise Killed

    if where == "after_arming":
        monkeypatch.setattr(winrm_policy_module.files.WriteFiles, "apply", die)
    else:
        monkeypatch.setattr(winrm_policy_module.tasks, "run_as_system", die)
    wanted = PolicyDesired.from_args({"state": "enabled", "ipv4_filter": "10.9.9.9"}, None)  # the worst: a bad policy
    with WSManClient(config_for(host)) as client, pytest.raises(Killed):
        engine.execute(WinrmPolicy(), client, wanted, check_mode=False)
    with host.lock:
        assert tasks.find(host.state, ROLLBACK_TASK)["status"] == "Running"  # type: ignore[index]
        rules.stop_winrm(host.state)  # and WinRM restarts later (a reboot, another run) with the files as they are
        rules.start_winrm(host.state)
    host.apply_state()
    time_passes(host)  # the task fires: it restores what WinRM ran when the guard was armed
    assert answers(host) and policy_files(host) == previous and leftovers(host) == []


def test_non_ascii_filter_text_on_the_host_is_restored_exactly(start_host: HostFactory) -> None:
    """A running IPv6Filter with non-ASCII text: nothing crashes, and the restore puts the same text back."""
    host = start_host("2019")
    odd = "fd00::1\u2013fd00::9 caf\u00e9"
    with host.lock:
        host.state.registry.set_value(REGISTRY_KEY, "AllowAutoConfig", "REG_DWORD", 1)
        host.state.registry.set_value(REGISTRY_KEY, "IPv4Filter", "REG_SZ", "*")
        host.state.registry.set_value(REGISTRY_KEY, "IPv6Filter", "REG_SZ", odd)
        rules.stop_winrm(host.state)
        rules.start_winrm(host.state)
    host.apply_state()
    wanted = PolicyDesired.from_args({"state": "enabled", "ipv4_filter": host.address}, host.address)
    with (
        WSManClient(config_for(host, connection_timeout=1)) as client,
        pytest.raises(rollback.RollbackPendingError),
    ):
        engine.execute(StopsAfterRestart(host), client, wanted, check_mode=False)
    time_passes(host)
    assert answers(host) and policy_files(host)["IPv6Filter"] == odd and running_policy(host)["IPv6Filter"] == odd


# --- the guard's directory --------------------------------------------------------------------------------------


ATTACKER = "S-1-5-21-1004336348-1177238915-682003330-1001"


@pytest.mark.parametrize("directory", [True, False])
def test_a_directory_an_ordinary_user_created_first_is_never_used(
    start_host: HostFactory, monkeypatch: pytest.MonkeyPatch, directory: bool
) -> None:
    host = start_host("2019")
    token = "0123456789abcdef0123456789abcdef"
    monkeypatch.setattr(rollback, "new_token", lambda: token)
    planted = rollback.folder_of(token).replace("%SystemRoot%", r"C:\Windows")
    with host.lock:
        host.state.files.create_as(planted, ATTACKER, directory=directory)
        attacker_acl = host.state.files.acl(planted)
    before = policy_files(host)
    with WSManClient(config_for(host)) as client, pytest.raises(rollback.RollbackError) as failure:
        engine.execute(WinrmPolicy(), client, PolicyDesired.from_args({"state": "enabled"}, host.address), False)
    assert "a directory that already exists is never used; nothing was changed" in str(failure.value)
    assert policy_files(host) == before and running_policy(host) == {}
    with host.lock:
        assert not host.state.scheduled_tasks and host.state.files.acl(planted) == attacker_acl  # untouched


def test_the_directory_acl_is_closed_and_checked_on_the_host(
    start_host: HostFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The simulated icacls really closes the DACL; without /inheritance:r the inherited grant to BUILTIN\\Users
    (create files and folders) would stay, and the guard refuses the directory."""
    host = start_host("2019")
    seen: list[dict[str, t.Any]] = []
    original = rollback.Guard._prepare_folder

    def spy(self: rollback.Guard, client: t.Any) -> None:
        original(self, client)
        with host.lock:
            seen.append(host.state.files.acl(self.layout.folder.replace("%SystemRoot%", r"C:\Windows")))

    monkeypatch.setattr(rollback.Guard, "_prepare_folder", spy)
    with WSManClient(config_for(host)) as client:
        engine.execute(WinrmPolicy(wait_seconds=15), client, PolicyDesired.from_args({"state": "enabled"}, None), False)
    assert seen[0]["protected"] and {(a["sid"], tuple(a["flags"])) for a in seen[0]["aces"]} == {
        ("S-1-5-18", ("OI", "CI")),
        ("S-1-5-32-544", ("OI", "CI")),
    }
    monkeypatch.setattr(rollback.Guard, "_prepare_folder", original)
    folder_command = rollback.Guard.folder_command
    monkeypatch.setattr(
        rollback.Guard, "folder_command", lambda self: folder_command(self).replace("/inheritance:r ", "")
    )
    with WSManClient(config_for(host)) as client, pytest.raises(rollback.RollbackError, match="still inherits"):
        engine.execute(WinrmPolicy(), client, PolicyDesired.from_args({"state": "not_configured"}, None), False)
    assert leftovers(host) == []  # its own directory removed again


# --- what a cancel attempt reports -------------------------------------------------------------------------------


class LosesCancelReply(Recording):
    """The cancel runs on the host, then its answer (or the shell's final Delete) is lost."""

    def __init__(self, client: WSManClient, times: int = 1) -> None:
        super().__init__(client)
        self.times = times

    def run_command(self, command: str, arguments: t.Sequence[str] = ()) -> t.Any:
        result = super().run_command(command, arguments)
        if "schtasks /delete" in arguments[-1] and "rd /s /q" in arguments[-1] and self.times:
            self.times -= 1
            raise errors.HostUnreachableError("the connection was reset after the command ran")
        return result


def test_a_cancel_whose_reply_was_lost_is_a_success(start_host: HostFactory) -> None:
    host = start_host("2019")
    procedure = WinrmPolicy(wait_seconds=15)
    with WSManClient(config_for(host)) as client:
        enable = PolicyDesired.from_args({"state": "enabled"}, None)
        outcome = engine.execute(procedure, LosesCancelReply(client), enable, False)
    assert outcome.verified and leftovers(host) == [] and answers(host)
    assert outcome.rollback is not None and outcome.rollback.startswith("cancelled: the host answered again")


class CancelFails(Recording):
    """Every cancel fails with a WS-Man fault before it runs; other commands (the task query) go through."""

    def run_command(self, command: str, arguments: t.Sequence[str] = ()) -> t.Any:
        if "schtasks /delete" in arguments[-1] and "rd /s /q" in arguments[-1]:
            raise errors.WinRemoteError("WinRM at X answered with a WS-Man fault: the request failed")
        return super().run_command(command, arguments)


def test_a_failed_final_cancel_says_the_task_will_restore(start_host: HostFactory) -> None:
    host = start_host("2019")
    with (
        WSManClient(config_for(host)) as client,
        pytest.raises(rollback.RollbackPendingError) as failure,
    ):
        engine.execute(
            WinrmPolicy(wait_seconds=1), CancelFails(client), PolicyDesired.from_args({"state": "enabled"}, None), False
        )
    message = str(failure.value)
    assert "the cancel did not go through and the rollback task is still waiting: the host will restore" in message
    assert PENDING.search(message) is not None
    time_passes(host)
    assert answers(host) and running_policy(host) == {} and leftovers(host) == []


def test_sm_remoting_cancel_whose_reply_was_lost_reports_the_new_listener(start_host: HostFactory) -> None:
    host = start_host("2019", configure=smremoting.disable, https=True)
    https = https_overrides(host)
    enable = SmRemotingDesired("enabled", scheme="https", port=5986)
    with WSManClient(config_for(host, **https)) as client:
        outcome = engine.execute(SmRemoting(wait_seconds=5), LosesCancelReply(client), enable, check_mode=False)
    assert outcome.verified and http_listeners(host) == [(5985, True)] and leftovers(host) == []
    time_passes(host)
    assert http_listeners(host) == [(5985, True)]


class FaultOnCancel(Recording):
    """Injects a simulator fault on one WS-Man request of the first cancel (its Receive or its shell's Delete)."""

    def __init__(self, client: WSManClient, host: SimulatedHost, action: str) -> None:
        super().__init__(client)
        self.host, self.action, self.done = host, action, False

    def run_command(self, command: str, arguments: t.Sequence[str] = ()) -> t.Any:
        if "schtasks /delete" in arguments[-1] and "rd /s /q" in arguments[-1] and not self.done:
            self.done = True
            self.host.inject_fault("reset", action=self.action)
        return super().run_command(command, arguments)


@pytest.mark.parametrize("action", ["transfer/Delete", "shell/Receive"])
def test_a_cancel_whose_delete_or_receive_is_reset_ends_cancelled(start_host: HostFactory, action: str) -> None:
    """The cancel ran on the host; only the shell's final Delete (or the reply) was reset: the change stands, the
    task is gone, and the run reports success."""
    host = start_host("2019")
    with WSManClient(config_for(host)) as client:
        faulty = FaultOnCancel(client, host, action)
        outcome = engine.execute(
            WinrmPolicy(wait_seconds=15), faulty, PolicyDesired.from_args({"state": "enabled"}, None), False
        )
        assert faulty.done
    assert outcome.verified and leftovers(host) == [] and running_policy(host)["IPv4Filter"] == "*"
    time_passes(host)
    assert answers(host) and running_policy(host)["IPv4Filter"] == "*"


class FaultOnArm(Recording):
    """A WS-Man fault (HTTP 500) on one request of the command that starts the rollback task."""

    def __init__(self, client: WSManClient, host: SimulatedHost, action: str) -> None:
        super().__init__(client)
        self.host, self.action, self.done = host, action, False

    def run_command(self, command: str, arguments: t.Sequence[str] = ()) -> t.Any:
        if f"/tn {ROLLBACK_TASK}" in arguments[-1] and "/create" in arguments[-1] and not self.done:
            self.done = True
            self.host.inject_fault("http500", action=self.action, code="s:Receiver", message="The request failed.")
        return super().run_command(command, arguments)


@pytest.mark.parametrize("action", ["shell/Command", "shell/Receive"])
def test_a_ws_man_fault_on_the_arming_command_leaves_no_change(start_host: HostFactory, action: str) -> None:
    """The guard is armed before the first write: a fault on the command that starts it stops the run with the
    policy files and registry as they were and no task left; the rerun converges."""
    host = start_host("2019")
    before = policy_files(host)
    enable = PolicyDesired.from_args({"state": "enabled", "ipv4_filter": host.address}, host.address)
    with WSManClient(config_for(host)) as client:
        faulty = FaultOnArm(client, host, action)
        with pytest.raises(errors.WinRemoteError) as failure:
            engine.execute(WinrmPolicy(wait_seconds=15), faulty, enable, False)
        assert faulty.done and "\n" not in str(failure.value)
    assert policy_files(host) == before and leftovers(host) == [] and running_policy(host) == {}
    time_passes(host)  # nothing waits to restart WinRM behind the rerun's back
    assert answers(host) and policy_files(host) == before
    with WSManClient(config_for(host)) as client:
        rerun = engine.execute(WinrmPolicy(wait_seconds=15), client, enable, False)
    assert rerun.after is not None and rerun.after.running == Running("enabled", host.address, "*")
    assert leftovers(host) == []
