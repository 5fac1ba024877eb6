# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""remote_management against simulated hosts: every part on one observation, check mode, --diff, idempotence, a
fault in the middle of apply, the self-disconnect refusal, and the role with the real ansible-playbook."""

from __future__ import annotations

import json
import typing as t
from pathlib import Path

import pytest
from simhosts import (
    JSON_RESULTS,
    HostFactory,
    config_for,
    run_playbook,
    task_results,
    write_inventory,
)

from ansible_collections.winremote.remoting.plugins.action.remote_management import desired_from_args
from ansible_collections.winremote.remoting.plugins.module_utils._specs import REMOTE_MANAGEMENT
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine import execute as engine
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.execute import SelfDisconnectRefused
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures.remote_management import (
    ManagementState,
    RemoteManagement,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import errors
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.client import WSManClient
from winsim import HostState, SimulatedHost
from winsim import firewall as winsim_firewall
from winsim.wsman.commands import smremoting

MMC_RULES = (
    "ComPlusNetworkAccess-DCOM-In",
    "RemoteEventLogSvc-In-TCP",
    "RemoteEventLogSvc-NP-In-TCP",
    "RemoteEventLogSvc-RPCSS-In-TCP",
)
# One observation: a Get of winrm/config/service, an Enumerate of the listeners, one WinRS command (Create, Command,
# Receive, Delete); docs/architecture.md, "Observation cost". Measured: 6 on 2019 and on 2008 R2.
OBSERVE_REQUESTS = 6
ROLE = "winremote.remoting.remote_management"


def args(**overrides: t.Any) -> dict[str, t.Any]:
    """The module's options with their defaults, as the action plugin receives them."""
    values = {name: spec.get("default") for name, spec in REMOTE_MANAGEMENT.items()}
    values.update(overrides)
    return values


def run(
    host: SimulatedHost, check_mode: bool = False, procedure: RemoteManagement | None = None, **options: t.Any
) -> engine.Outcome[ManagementState]:
    config = config_for(host)
    desired = desired_from_args(args(**options), config)
    with WSManClient(config) as client:
        return engine.execute(procedure or RemoteManagement(wait_seconds=15), client, desired, check_mode)


def snapshot(host: SimulatedHost) -> dict[str, t.Any]:
    with host.lock:
        data = host.state.to_json()
    data.pop("certificates")
    return data


def rules_enabled(host: SimulatedHost) -> list[bool]:
    with host.lock:
        found = [winsim_firewall.get_rule(host.state.registry, rule_id) for rule_id in MMC_RULES]
    return [rule is not None and rule.enabled for rule in found]


def sim_sm_enabled(host: SimulatedHost) -> bool:
    with host.lock:
        return smremoting.is_enabled(host.state)


def leftovers(host: SimulatedHost) -> list[str]:
    """Scheduled tasks and rollback files still on the host."""
    with host.lock:
        names = [str(x["name"]) for x in host.state.scheduled_tasks.values()]
        return names + [p for p in host.state.files.files() if "winremote-rollback" in p.lower()]


@pytest.mark.parametrize("profile", ["2019", "2008r2"])
def test_converge_check_apply_and_a_rerun_of_one_observation(start_host: HostFactory, profile: str) -> None:
    host = start_host(profile)
    before = snapshot(host)
    options = {"winrm_policy": True, "token_filter_policy": True}

    checked = run(host, check_mode=True, **options)
    assert snapshot(host) == before  # check mode changed nothing
    assert checked.changed and not checked.verified
    kinds = [c.kind for c in checked.changes]
    assert kinds[0] == "set_dword" and "restart_winrm" in kinds and kinds.count("set_enabled") >= len(MMC_RULES)
    assert checked.facts["token_filter_policy"] == {"changed": True, "enabled": True, "previous": False}
    diff = checked.diff()
    assert diff["before"][f"firewall_rules.{MMC_RULES[0]}.enabled"] is False
    assert diff["after"][f"firewall_rules.{MMC_RULES[0]}.enabled"] is True

    applied = run(host, **options)
    assert applied.changed and applied.verified
    assert applied.summaries() == checked.summaries()  # what check mode said is what was done
    assert applied.rollback is not None and applied.rollback.startswith("cancelled")
    facts = applied.facts
    assert facts["sm_remoting_enabled"] is True and facts["verified"] is True
    assert facts["firewall_rules"]["changed"] is True
    assert facts["firewall_rules"]["method"] == ("netsh" if profile == "2008r2" else "cim")
    assert all(facts["firewall_rules"]["rules"][rule_id]["enabled"] for rule_id in MMC_RULES)
    assert facts["winrm_policy"]["running"] == {"state": "enabled", "ipv4_filter": "*", "ipv6_filter": "*"}
    assert facts["token_filter_policy"]["enabled"] is True
    assert all(rules_enabled(host)) and sim_sm_enabled(host) and leftovers(host) == []
    with host.lock:
        assert host.state.local_account_token_filter_policy == 1

    host.reset_request_count()
    again = run(host, **options)
    assert not again.changed and again.verified and again.summaries() == []
    assert host.request_count == OBSERVE_REQUESTS


@pytest.mark.parametrize("options", [{}, {"winrm_policy": True}])
def test_disabling_over_the_connection_in_use_is_refused_unless_allowed(
    start_host: HostFactory, options: dict[str, t.Any]
) -> None:
    """Disabling removes the HTTP listener and rules this controller uses; with the policy on, handing WinRM back
    (not_configured) would remove the only listener serving it. Refused with nothing changed, then allowed."""
    host = start_host("2022")
    if options:
        run(host, **options)
    before = snapshot(host)
    with pytest.raises(SelfDisconnectRefused, match=r"^refused: .*allow_self_disconnect") as refused:
        run(host, state="disabled", **options)
    assert "\n" not in str(refused.value)
    assert snapshot(host) == before and sim_sm_enabled(host)  # refused before any change


def test_disable_with_allow_self_disconnect(start_host: HostFactory) -> None:
    host = start_host("2022")
    run(host)
    cut = run(host, state="disabled", allow_self_disconnect=True)
    assert cut.changed and not cut.verified
    assert cut.facts["sm_remoting_enabled"] is False  # predicted: the host no longer answers on HTTP 5985
    assert any("allow_self_disconnect" in warning for warning in cut.warnings)
    assert not sim_sm_enabled(host) and not any(rules_enabled(host))
    with host.lock:
        assert not any(x.transport == "HTTP" for x in host.state.listeners)


class FaultDuringApply(RemoteManagement):
    """Resets the connection at the n-th WS-Man request after the first observation (the apply's requests)."""

    def __init__(self, host: SimulatedHost, nth: int) -> None:
        super().__init__(wait_seconds=3)
        self.host, self.nth, self.observed = host, nth, False

    def observe(self, client: t.Any) -> ManagementState:
        state = super().observe(client)
        if not self.observed:
            self.observed = True
            original, sent = client.request, 0

            def request(*args: t.Any, **kwargs: t.Any) -> t.Any:
                nonlocal sent
                sent += 1
                if sent == self.nth:
                    self.host.inject_fault("reset")
                return original(*args, **kwargs)

            client.request = request
        return state


# The MMC rules on 2019 are four CIM Enable calls; with the WinRM policy first come the guard's arming (8 requests),
# the policy files (4), the StdRegProv writes, the restart task.
@pytest.mark.parametrize(
    ("options", "nth"),
    [({}, 1), ({}, 3), ({"winrm_policy": True}, 2), ({"winrm_policy": True}, 10), ({"winrm_policy": True}, 14)],
)
def test_a_fault_in_the_middle_of_apply_fails_in_one_line_and_a_rerun_converges(
    start_host: HostFactory, options: dict[str, t.Any], nth: int
) -> None:
    host = start_host("2019")
    with pytest.raises(errors.WinRemoteError) as failure:
        run(host, procedure=FaultDuringApply(host, nth), **options)
    message = str(failure.value)
    assert message and "\n" not in message and "Traceback" not in message
    host.clear_faults()
    rerun = run(host, **options)
    assert rerun.verified and all(rules_enabled(host)) and sim_sm_enabled(host)
    assert leftovers(host) == []
    host.reset_request_count()
    assert not run(host, **options).changed and host.request_count == OBSERVE_REQUESTS


ROLE_PLAY = [
    {
        "name": "Remote management",
        "hosts": "windows",
        "gather_facts": False,
        "roles": [{"role": ROLE, "vars": {"remote_management_token_filter_policy": True}}],
    }
]
MODULE_PLAY = [
    {
        "name": "Remote management module",
        "hosts": "windows",
        "gather_facts": False,
        "tasks": [{"name": "Apply", "winremote.remoting.remote_management": {"mmc_remote_address": ["10.0.0.x"]}}],
    }
]


# A password none of the run's other text can contain by chance (the default one holds "winremote").
SECRET = "Qv8#Lk&Zt^3;Xw@Jp'Rd\\"


def with_secret(state: HostState) -> None:
    for account in state.accounts:
        if account.name == "Administrator":
            account.password = SECRET


def password_leaks(text: str) -> list[str]:
    """The password, its JSON escape, or any five characters of it, where they show in ``text``."""
    needles = {SECRET, json.dumps(SECRET)[1:-1]} | {SECRET[i : i + 5] for i in range(len(SECRET) - 4)}
    return [f"{needle!r}: ...{text[max(0, text.find(needle) - 80) :][:160]!r}" for needle in needles if needle in text]


def test_the_role_on_two_hosts_check_diff_apply_rerun_without_the_password(
    start_host: HostFactory, tmp_path: Path
) -> None:
    hosts = {"sim-2019": start_host("2019", with_secret), "sim-2008r2": start_host("2008r2", with_secret)}
    inventory = write_inventory(tmp_path / "inventory.yml", {n: h.inventory_vars() for n, h in hosts.items()})
    playbook = tmp_path / "role.yml"
    playbook.write_text(json.dumps(ROLE_PLAY), encoding="utf-8")
    before = {name: snapshot(host) for name, host in hosts.items()}
    outputs = []

    check = run_playbook(playbook, inventory, "--check", "--diff", "-v", **JSON_RESULTS)
    outputs += [check.stdout, check.stderr]
    assert check.returncode == 0, check.stdout + check.stderr
    assert {name: snapshot(host) for name, host in hosts.items()} == before
    planned = task_results(check.stdout)[2]  # argument validation, the address check, then the module task
    for name in hosts:
        assert planned[name]["changed"] is True and planned[name]["verified"] is False, planned[name]
        assert f"enable firewall rule {MMC_RULES[0]}" in planned[name]["changes"]
    # the callback prints --diff as a text diff of the settings, before and after
    assert f'-    "firewall_rules.{MMC_RULES[0]}.enabled": false' in check.stdout, check.stdout
    assert f'+    "firewall_rules.{MMC_RULES[0]}.enabled": true' in check.stdout
    assert '+    "local_account_token_filter_policy": true' in check.stdout

    first = run_playbook(playbook, inventory, "-v", **JSON_RESULTS)
    outputs += [first.stdout, first.stderr]
    assert first.returncode == 0, first.stdout + first.stderr
    applied = task_results(first.stdout)[2]
    for name, host in hosts.items():
        assert applied[name]["changed"] is True and applied[name]["verified"] is True, applied[name]
        assert applied[name]["endpoint"] == f"http://{host.address}:5985/wsman"
        assert all(rules_enabled(host)) and sim_sm_enabled(host)

    for host in hosts.values():
        host.reset_request_count()
    second = run_playbook(playbook, inventory, "-v", **JSON_RESULTS)
    outputs += [second.stdout, second.stderr]
    assert second.returncode == 0 and second.stdout.count("changed=0") == len(hosts), second.stdout
    assert [host.request_count for host in hosts.values()] == [OBSERVE_REQUESTS] * len(hosts)

    # a bad option fails naming it, before the host is contacted
    bad = tmp_path / "bad.yml"
    bad.write_text(json.dumps(MODULE_PLAY), encoding="utf-8")
    for host in hosts.values():
        host.reset_request_count()
    refused = run_playbook(bad, inventory, "-v", **JSON_RESULTS)
    outputs += [refused.stdout, refused.stderr]
    for name, result in task_results(refused.stdout)[0].items():
        assert result["_status"] == "fatal" and result["msg"].startswith("mmc_remote_address: "), (name, result)
    assert [host.request_count for host in hosts.values()] == [0, 0]

    for text in outputs:
        assert not password_leaks(text), password_leaks(text)
