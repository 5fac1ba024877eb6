# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""winrm_policy end to end against simulated hosts: local GPO files, registry, WinRM restart, GPO listener."""

from __future__ import annotations

import typing as t
from pathlib import Path

import pytest
from simhosts import (
    JSON_RESULTS,
    HostFactory,
    config_for,
    https_overrides,
    run_playbook,
    task_results,
    write_inventory,
)

from ansible_collections.winremote.remoting.plugins.plugin_utils.engine import execute as engine
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.execute import SelfDisconnectRefused
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.retry import Backoff
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures.winrm_policy import (
    POLICY_KEY,
    REGISTRY_KEY,
    PolicyDesired,
    Running,
    WinrmPolicy,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import gpt_ini, registry_pol
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows.registry_pol import PolEntry
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import errors
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.client import WSManClient
from winsim import SimulatedHost, rules
from winsim.wsman import config as winsim_config

POL = r"C:\Windows\System32\GroupPolicy\Machine\Registry.pol"
GPT = r"C:\Windows\System32\GroupPolicy\gpt.ini"

PLAYBOOK = """
- name: WinRM policy
  hosts: windows
  gather_facts: false
  tasks:
    - name: Allow remote server management through WinRM
      winremote.remoting.winrm_policy:
{options}
"""


def desired(host: SimulatedHost, state: str = "enabled", **args: t.Any) -> PolicyDesired:
    return PolicyDesired.from_args({"state": state, **args}, host.address)


def pol_entries(host: SimulatedHost) -> list[PolEntry] | None:
    with host.lock:
        files = host.state.files
        return registry_pol.parse(files.read(POL)) if files.is_file(POL) else None


def gpt_version(host: SimulatedHost) -> int | None:
    with host.lock:
        files = host.state.files
        return gpt_ini.parse(files.read(GPT)).version if files.is_file(GPT) else None


def gpo_listeners(host: SimulatedHost) -> list[tuple[str, list[str]]]:
    with host.lock:
        return [
            (x.address, rules.listening_on(host.state, x, host.address))
            for x in rules.effective_listeners(host.state)
            if x.source == "GPO"
        ]


def answers(host: SimulatedHost) -> bool:
    try:
        with WSManClient(config_for(host, connection_timeout=3)) as client:
            client.get("http://schemas.microsoft.com/wbem/wsman/1/config/service")
    except errors.WinRemoteError:
        return False
    return True


def snapshot(host: SimulatedHost) -> dict[str, t.Any]:
    with host.lock:
        data = host.state.to_json()
    data.pop("certificates")
    return data


@pytest.mark.parametrize("profile", ["2012r2", "2019", "2025", "2008r2"])
def test_enable_with_filters_then_idempotent(start_host: HostFactory, profile: str) -> None:
    host = start_host(profile)
    first, last = host.address.rsplit(".", 1)[0] + ".1", host.address.rsplit(".", 1)[0] + ".250"
    wanted = desired(host, ipv4_filter=f"{first} - {last}", ipv6_filter="")
    before = snapshot(host)
    procedure = WinrmPolicy(wait_seconds=15)
    with WSManClient(config_for(host)) as client:
        checked = engine.execute(procedure, client, wanted, check_mode=True)
        assert checked.changed and snapshot(host) == before  # check mode changed nothing
        assert checked.diff()["after"]["registry_pol"]["IPv4Filter"] == f"REG_SZ {first}-{last}"
        outcome = engine.execute(procedure, client, wanted, check_mode=False)
        assert [c.kind for c in outcome.changes] == [
            "write_file",
            "write_file",
            "set_dword",
            "set_string",
            "set_string",
            "restart_winrm",
        ]
        assert outcome.after is not None and outcome.after.running == Running("enabled", f"{first}-{last}", "")
        assert [(x.source, x.listening_on) for x in outcome.after.listeners] == [("GPO", (host.address,))]
        again = engine.execute(procedure, client, wanted, check_mode=False)
        assert not again.changed
    assert gpo_listeners(host) == [("*", [host.address])]
    assert answers(host)
    assert pol_entries(host) == [
        PolEntry.dword(POLICY_KEY, "AllowAutoConfig", 1),
        PolEntry.string(POLICY_KEY, "IPv4Filter", f"{first}-{last}"),
        PolEntry.string(POLICY_KEY, "IPv6Filter", ""),
    ]
    with host.lock:
        gpt = gpt_ini.parse(host.state.files.read(GPT))
        assert host.state.registry.get_data(REGISTRY_KEY, "AllowAutoConfig") == 1
        assert host.state.registry.get_data(REGISTRY_KEY, "IPv4Filter") == f"{first}-{last}"
        assert host.state.registry.get_data(REGISTRY_KEY, "IPv6Filter") == ""
        assert host.state.scheduled_tasks == {}  # the restart task deleted itself
        service = winsim_config.render_section(host.state, ("Service",))
    assert gpt.version == 1 and gpt.machine_extensions == [list(gpt_ini.REGISTRY_MACHINE_EXTENSION)]
    assert f'<cfg:IPv4Filter Source="GPO">{first}-{last}</cfg:IPv4Filter>' in service


def test_not_configured_is_refused_while_only_the_policy_listener_serves(
    start_host: HostFactory,
) -> None:
    """The GPO listener replaces the local Address=* HTTP one (which is then not shown): removing the policy could
    leave nothing on HTTP 5985, so not_configured over that connection is refused, with nothing changed."""
    host = start_host("2019")
    procedure = WinrmPolicy(wait_seconds=15)
    with WSManClient(config_for(host)) as client:
        engine.execute(procedure, client, desired(host), check_mode=False)
        before = (pol_entries(host), gpt_version(host))
        with pytest.raises(
            SelfDisconnectRefused, match=r"removes the Group Policy listener \(Source=GPO\), and no other"
        ):
            engine.execute(procedure, client, desired(host, "not_configured"), check_mode=False)
    assert (pol_entries(host), gpt_version(host)) == before and gpo_listeners(host) == [("*", [host.address])]
    assert answers(host)


def test_not_configured_hands_back_to_the_local_listener(start_host: HostFactory) -> None:
    """Connected through a local HTTPS listener, which the policy does not touch: not_configured goes through."""
    host = start_host("2019", https=True)
    https = https_overrides(host)
    procedure = WinrmPolicy(wait_seconds=15)
    over_https = PolicyDesired.from_args({"state": "not_configured"}, host.address, scheme="https", port=5986)
    with WSManClient(config_for(host, **https)) as client:
        engine.execute(procedure, client, desired(host), check_mode=False)
        assert gpo_listeners(host) == [("*", [host.address])]
        outcome = engine.execute(procedure, client, over_https, check_mode=False)
        assert outcome.changed and outcome.after is not None and outcome.after.running == Running("not_configured")
        assert sorted(x.source for x in outcome.after.listeners) == ["local", "local"]
        assert not engine.execute(procedure, client, over_https, check_mode=False).changed
    assert pol_entries(host) == [] and gpt_version(host) == 2
    with host.lock:
        assert host.state.winrm_policy() == {}
    assert gpo_listeners(host) == [] and answers(host)


def test_restart_can_wait_for_the_next_start(start_host: HostFactory) -> None:
    host = start_host("2022")
    procedure = WinrmPolicy(wait_seconds=15)
    with WSManClient(config_for(host)) as client:
        outcome = engine.execute(procedure, client, desired(host, restart_winrm=False), check_mode=False)
        assert "restart_winrm" not in [c.kind for c in outcome.changes]
        assert outcome.after is not None and outcome.after.running == Running("not_configured")
        assert gpo_listeners(host) == []  # the service has not read the policy yet
        assert [c.kind for c in engine.execute(procedure, client, desired(host), check_mode=False).changes] == [
            "restart_winrm"
        ]
    assert gpo_listeners(host) == [("*", [host.address])] and gpt_version(host) == 1


@pytest.mark.parametrize(
    "state,args",
    [("enabled", {"ipv4_filter": "10.0.0.1-10.0.0.9"}), ("enabled", {"ipv4_filter": ""}), ("disabled", {})],
)
def test_self_disconnect_is_refused_before_any_change(
    start_host: HostFactory, state: str, args: dict[str, str]
) -> None:
    host = start_host("2016")
    before = snapshot(host)
    with (
        WSManClient(config_for(host)) as client,
        pytest.raises(SelfDisconnectRefused, match=r"^refused: .*allow_self_disconnect"),
    ):
        engine.execute(WinrmPolicy(), client, desired(host, state, **args), check_mode=False)
    assert snapshot(host) == before and answers(host)


def test_disabled_with_allow_self_disconnect(start_host: HostFactory) -> None:
    host = start_host("2019")
    wanted = desired(host, "disabled", allow_self_disconnect=True)
    with WSManClient(config_for(host)) as client:
        outcome = engine.execute(WinrmPolicy(), client, wanted, check_mode=False, verify=False)
    assert outcome.changed and not answers(host)
    assert [(e.value_name, registry_pol.decode_value(e)) for e in pol_entries(host) or []] == [
        ("AllowAutoConfig", 0),
        ("**del.IPv4Filter", " "),
        ("**del.IPv6Filter", " "),
    ]
    with host.lock:
        assert host.state.winrm_policy() == {"AllowAutoConfig": 0} and host.state.scheduled_tasks == {}


class FaultAfter:
    """A client whose host resets the connection at the n-th request of apply (counted from arming)."""

    def __init__(self, client: WSManClient, host: SimulatedHost, at: int) -> None:
        self.client, self.host, self.at, self.armed, self.count = client, host, at, False, 0

    def __getattr__(self, name: str) -> t.Any:
        return getattr(self.client, name)

    def _tick(self) -> None:
        if self.armed:
            self.count += 1
            if self.count == self.at:
                self.host.inject_fault("reset")

    def request(self, *args: t.Any, **kwargs: t.Any) -> t.Any:
        self._tick()
        return self.client.request(*args, **kwargs)

    def run_command(self, command: str, arguments: t.Sequence[str] = ()) -> t.Any:
        from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import winrs

        return winrs.run_command(self.request, command, arguments)

    def invoke(
        self, resource_uri: str, method: str, params: t.Any = None, selectors: t.Any = None, types: t.Any = None
    ) -> t.Any:
        from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import cim

        body = cim.build_input(resource_uri, method, params)
        reply = self.request(f"{resource_uri}/{method}", resource_uri, body, selectors)
        return cim.parse_output(reply, resource_uri, method, types)

    def get(self, resource_uri: str, selectors: t.Any = None, options: t.Any = None) -> t.Any:
        self._tick()  # a reset of the reconnection poll is retried by wait_for
        return self.client.get(resource_uri, selectors, options)


def rollback_leftovers(host: SimulatedHost) -> list[str]:
    with host.lock:
        names = [str(x["name"]) for x in host.state.scheduled_tasks.values()]
        return names + [p for p in host.state.files.files() if "winremote-rollback" in p.lower()]


# Requests of apply: 1-4 arm the guard's directory (Create, Command, Receive, Delete), 5-8 write its files and start
# its task, 9-12 write the policy files, then the StdRegProv calls (the first fails "not found" and creates the key),
# then the restart task's Create, Command, Receive. A reset before 9 hits the arming: nothing of the policy is written.
@pytest.mark.parametrize("at", [2, 3, 6, 7, 10, 11, 14, 17])
def test_fault_in_the_middle_of_apply_then_rerun_converges(start_host: HostFactory, at: int) -> None:
    host = start_host("2019")
    wanted = desired(host, ipv4_filter="*")
    procedure = WinrmPolicy(wait_seconds=3)
    before = snapshot(host)
    with WSManClient(config_for(host, read_timeout=8, operation_timeout=5)) as client:
        faulty = FaultAfter(client, host, at)
        state = procedure.observe(client)
        changes = engine.planned(procedure, state, wanted)
        faulty.armed = True
        with pytest.raises(errors.WinRemoteError) as failure:
            engine.Run(procedure, faulty, wanted, Backoff(), verify=True).apply(changes)
        assert str(failure.value) and "\n" not in str(failure.value)
    assert rollback_leftovers(host) == []  # the host answered: a partly armed guard was cancelled and removed
    if at < 9:
        after = snapshot(host)
        assert {k: after[k] for k in ("registry", "files")} == {k: before[k] for k in ("registry", "files")}
    with WSManClient(config_for(host)) as client:
        rerun = engine.execute(WinrmPolicy(wait_seconds=15), client, wanted, check_mode=False)
        assert rerun.after is not None and rerun.after.running == Running("enabled", "*", "*")
    assert gpt_version(host) == 1  # bumped once, however far the first run got
    assert pol_entries(host) == [
        PolEntry.dword(POLICY_KEY, "AllowAutoConfig", 1),
        PolEntry.string(POLICY_KEY, "IPv4Filter", "*"),
        PolEntry.string(POLICY_KEY, "IPv6Filter", "*"),
    ]
    assert gpo_listeners(host) == [("*", [host.address])]


class NeverBack(WinrmPolicy):
    """The restart happens, then the host refuses every connection (WinRM failed to start)."""

    def __init__(self, host: SimulatedHost) -> None:
        super().__init__(wait_seconds=2)
        self.host = host
        self.refused = False

    def settled(self, client: t.Any, request: t.Any) -> str | None:
        if not self.refused:
            self.host.inject_fault("refuse")
            self.refused = True
        return super().settled(client, request)


def test_host_that_does_not_come_back_fails_with_what_to_do(start_host: HostFactory) -> None:
    host = start_host("2019")
    with (
        WSManClient(config_for(host, connection_timeout=1)) as client,
        pytest.raises(engine.NotConvergedError) as error,
    ):
        engine.execute(NeverBack(host), client, desired(host), check_mode=False)
    message = str(error.value)
    assert "did not answer with the new policy within 2s" in message and "net start winrm" in message
    assert "\n" not in message
    host.clear_faults()
    with WSManClient(config_for(host)) as client:
        # the host answers again before its rollback ran: the rerun cancels that task, so it cannot undo the policy
        # later, and changes nothing else
        rerun = engine.execute(WinrmPolicy(), client, desired(host), check_mode=False)
        assert [c.kind for c in rerun.changes] == ["cancel_stale_rollback"]
        with host.lock:
            assert host.state.scheduled_tasks == {}
        assert not engine.execute(WinrmPolicy(), client, desired(host), check_mode=False).changed


def test_playbook_check_diff_apply_twice(start_host: HostFactory, tmp_path: Path) -> None:
    host = start_host("2019")
    inventory = write_inventory(tmp_path / "inventory.yml", {"sim-2019": host.inventory_vars()})
    playbook = tmp_path / "enable.yml"
    playbook.write_text(
        PLAYBOOK.format(
            options=f"        state: enabled\n        ipv4_filter: {host.address}\n        ipv6_filter: ''\n"
        ),
        encoding="utf-8",
    )
    before = snapshot(host)
    check = run_playbook(playbook, inventory, "--check", "--diff", "-v", **JSON_RESULTS)
    result = task_results(check.stdout)[0]["sim-2019"]
    assert check.returncode == 0 and result["changed"] is True, check.stdout
    assert '"AllowAutoConfig": "REG_DWORD 1"' in check.stdout and '"registry_pol"' in check.stdout  # the diff
    assert "[WARNING]: ipv6_filter is empty: the WinRM GPO listener will not listen on any IPv6" in check.stderr
    assert snapshot(host) == before

    first = run_playbook(playbook, inventory, "-v", **JSON_RESULTS)
    result = task_results(first.stdout)[0]["sim-2019"]
    assert result["changed"] is True and result["reachable"] is True, first.stdout
    assert result["running"] == {"state": "enabled", "ipv4_filter": host.address, "ipv6_filter": ""}
    assert result["previous"] == {"state": "not_configured", "ipv4_filter": None, "ipv6_filter": None}
    assert [x["source"] for x in result["listeners"]] == ["GPO"]
    assert result["rollback"] == (
        "cancelled: the host answered again, and the SYSTEM scheduled task winremote-rollback-policy was removed"
    )
    second = run_playbook(playbook, inventory)
    assert second.returncode == 0 and "changed=0" in second.stdout, second.stdout
    assert gpt_version(host) == 1 and gpo_listeners(host) == [("*", [host.address])]


def test_playbook_refusals_are_one_line(start_host: HostFactory, tmp_path: Path) -> None:
    host = start_host("2019")
    inventory = write_inventory(tmp_path / "inventory.yml", {"sim-2019": host.inventory_vars()})
    bad = tmp_path / "bad.yml"
    bad.write_text(
        PLAYBOOK.format(options="        state: enabled\n        ipv4_filter: 10.0.0.1-10.0.0.x\n"), encoding="utf-8"
    )
    host.reset_request_count()
    run = run_playbook(bad, inventory, "-v", **JSON_RESULTS)
    result = task_results(run.stdout)[0]["sim-2019"]
    assert result["_status"] == "fatal" and result["msg"].startswith("ipv4_filter: invalid item '10.0.0.1-10.0.0.x'")
    assert host.request_count == 0  # refused before any connection
    lockout = tmp_path / "lockout.yml"
    lockout.write_text(PLAYBOOK.format(options="        state: disabled\n"), encoding="utf-8")
    run = run_playbook(lockout, inventory, "-v", **JSON_RESULTS)
    result = task_results(run.stdout)[0]["sim-2019"]
    assert result["_status"] == "fatal" and result["msg"].startswith("refused: state=disabled")
    assert "\n" not in result["msg"] and pol_entries(host) is None and answers(host)


def test_a_name_resolving_outside_the_filters_is_refused_before_anything_changes(start_host: HostFactory) -> None:
    """The controller connects by a name; the name resolves (on the controller) to an address the filters leave
    out: refused, nothing written; one resolved address inside the filters is enough."""
    host = start_host("2019")
    before = snapshot(host)
    outside = PolicyDesired.from_args(
        {"state": "enabled", "ipv4_filter": host.address}, "win01.example.test", resolver=lambda _n, _p: ["10.20.30.40"]
    )
    with WSManClient(config_for(host)) as client:
        with pytest.raises(
            SelfDisconnectRefused, match=r"does not include 10\.20\.30\.40: every address win01\.example\.test"
        ):
            engine.execute(WinrmPolicy(), client, outside, check_mode=False)
        assert snapshot(host) == before
        inside = PolicyDesired.from_args(
            {"state": "enabled", "ipv4_filter": host.address},
            "win01.example.test",
            resolver=lambda _n, _p: ["10.20.30.40", host.address],
        )
        outcome = engine.execute(WinrmPolicy(wait_seconds=15), client, inside, check_mode=False)
        assert outcome.after is not None and outcome.after.running == Running("enabled", host.address, "*")
        assert inside.warnings() and "10.20.30.40" in inside.warnings()[0]


def test_unread_service_configuration_builds_no_plan(start_host: HostFactory) -> None:
    """A Get of winrm/config/service that faults ends the task naming it and why; nothing is written."""
    host = start_host("2008r2")
    before = snapshot(host)
    host.inject_fault("http500", code=5, message="Access is denied.", action="transfer/Get")
    with WSManClient(config_for(host)) as client, pytest.raises(errors.WinRemoteError) as info:
        engine.execute(WinrmPolicy(wait_seconds=3), client, desired(host, ipv4_filter="*"), check_mode=False)
    message = str(info.value)
    assert message.startswith("winrm/config/service (WS-Transfer Get) could not be read:") and "\n" not in message
    assert snapshot(host) == before


@pytest.mark.parametrize("profile", ["2008", "2008r2"])
def test_the_2008_family_is_observed_through_ws_transfer(start_host: HostFactory, profile: str) -> None:
    """winrm.cmd through WinRS fails there (Access denied on 2008 R2, silence under 65001 on 2008); the observation
    still sees the service settings and the listeners."""
    host = start_host(profile)
    with WSManClient(config_for(host)) as client:
        host.reset_request_count()
        state = WinrmPolicy().observe(client)
        assert host.request_count == 6  # Get, Enumerate, one WinRS command (docs/architecture.md)
    assert state.running == Running("not_configured")
    assert [(x.address, x.transport, x.port) for x in state.listeners] == [
        (x.address, x.transport, x.port) for x in host.state.listeners
    ]
