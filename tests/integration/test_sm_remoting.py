# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""sm_remoting against simulated hosts: enable / disable / query, Group Policy, self-disconnect, faults, playbooks.

After each change, the simulator's own ``Configure-SMRemoting.exe -get`` logic must agree with the module.
"""

from __future__ import annotations

import time
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
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures.sm_remoting import (
    SmRemoting,
    SmRemotingDesired,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import errors
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.client import WSManClient
from winsim import HostState, SimulatedHost, firewall
from winsim.wsman.commands import smremoting

PLAYBOOK = """
- name: Server Manager remote management
  hosts: windows
  gather_facts: false
  tasks:
    - name: Configure it
      winremote.remoting.sm_remoting:
        state: {state}
        allow_self_disconnect: {allow}
"""


def run(host: SimulatedHost, desired: SmRemotingDesired, check_mode: bool = False, **overrides: t.Any) -> t.Any:
    with WSManClient(config_for(host, **overrides)) as client:
        return engine.execute(SmRemoting(), client, desired, check_mode)


def sim_says_enabled(host: SimulatedHost) -> bool:
    with host.lock:
        return smremoting.is_enabled(host.state)


def http_answers(host: SimulatedHost) -> bool:
    try:
        with WSManClient(config_for(host, connection_timeout=3)) as client:
            client.identify()
    except errors.HostUnreachableError:
        return False
    return True


def sm_disabled(state: HostState) -> None:
    smremoting.disable(state)


def test_default_2019_is_already_enabled(start_host: HostFactory) -> None:
    host = start_host("2019")
    outcome = run(host, SmRemotingDesired("enabled"))
    assert not outcome.changed and sim_says_enabled(host)


@pytest.mark.parametrize("profile", ["2012r2", "2016", "2022"])
def test_enable_over_https_then_disable(start_host: HostFactory, profile: str) -> None:
    host = start_host(profile, configure=sm_disabled, https=True)
    assert not sim_says_enabled(host) and not http_answers(host)
    https = https_overrides(host)
    enable = SmRemotingDesired("enabled", scheme="https", port=5986)

    checked = run(host, enable, check_mode=True, **https)
    assert checked.changed and not sim_says_enabled(host)  # check mode changed nothing

    outcome = run(host, enable, **https)
    assert outcome.verified and outcome.after.sm_remoting_enabled
    kinds = sorted(c.kind for c in outcome.changes)
    assert kinds == ["create_listener", "set_enabled", "set_enabled"]
    assert sim_says_enabled(host) and http_answers(host)
    assert not run(host, enable, **https).changed

    disable = SmRemotingDesired("disabled", scheme="https", port=5986)
    off = run(host, disable, **https)
    assert off.changed and off.verified and not off.after.sm_remoting_enabled
    assert not sim_says_enabled(host) and not http_answers(host)
    assert not run(host, disable, **https).changed


def test_2008r2_uses_netsh_and_cim_service(start_host: HostFactory) -> None:
    def partly(state: HostState) -> None:
        state.set_service_start_mode("WinRM", "Manual")
        rule = firewall.get_rule(state.registry, "WINRM-HTTP-In-TCP-PUBLIC", "local")
        assert rule is not None
        rule.enabled = False
        firewall.save_rule(state.registry, rule)

    host = start_host("2008r2", configure=partly)
    outcome = run(host, SmRemotingDesired("enabled"))
    assert sorted(c.kind for c in outcome.changes) == ["service_start_mode", "set_enabled"]
    assert outcome.verified and sim_says_enabled(host)
    with host.lock:
        assert host.state.service_start_mode("WinRM")[0] == "Auto"
        assert firewall.get_rule(host.state.registry, "WINRM-HTTP-In-TCP-PUBLIC").enabled  # type: ignore[union-attr]
    assert not run(host, SmRemotingDesired("enabled")).changed


def test_group_policy_rule_is_reported_not_changed(start_host: HostFactory) -> None:
    def gpo_rule(state: HostState) -> None:
        rule = firewall.get_rule(state.registry, "WINRM-HTTP-In-TCP-PUBLIC", "local")
        assert rule is not None
        rule.store, rule.enabled = "gpo", False
        firewall.save_rule(state.registry, rule)

    host = start_host("2022", configure=gpo_rule)
    with WSManClient(config_for(host)) as client:
        outcome = engine.execute(SmRemoting(), client, SmRemotingDesired("enabled"), check_mode=False)
    assert not outcome.changed
    assert outcome.facts["gpo_overrides"] == ["the firewall rule WINRM-HTTP-In-TCP-PUBLIC is disabled by Group Policy"]


def test_disable_through_the_listener_in_use(start_host: HostFactory) -> None:
    host = start_host("2019")
    with pytest.raises(SelfDisconnectRefused, match="allow_self_disconnect"):
        run(host, SmRemotingDesired("disabled"))
    assert sim_says_enabled(host)  # refused before any change

    started = time.monotonic()
    outcome = run(host, SmRemotingDesired("disabled", allow_self_disconnect=True))
    assert time.monotonic() - started < 20  # finished without hanging on the connection it cut
    assert outcome.changed and not outcome.verified
    assert not sim_says_enabled(host) and not http_answers(host)
    with host.lock:
        assert not any(x.transport == "HTTP" for x in host.state.listeners)


def test_reset_in_the_middle_of_apply_then_rerun_converges(start_host: HostFactory) -> None:
    host = start_host("2016", configure=sm_disabled, https=True)
    https = https_overrides(host)
    enable = SmRemotingDesired("enabled", scheme="https", port=5986)
    # the observation is 6 requests (docs/architecture.md, "Observation cost"); the 8th is in the middle of the changes
    for _unused in range(7):
        host.inject_fault("delay", seconds=0)
    host.inject_fault("reset")
    with pytest.raises(errors.WinRemoteError) as info:
        run(host, enable, **https)
    assert "\n" not in str(info.value)
    host.clear_faults()
    assert run(host, enable, **https).verified
    assert sim_says_enabled(host)


def test_playbook_query_enable_twice_and_refusal(start_host: HostFactory, tmp_path: Path) -> None:
    hosts = {f"sim-{p}": start_host(p, configure=sm_disabled, https=True) for p in ("2008r2", "2016", "2025")}
    inventory_hosts = {}
    for name, host in hosts.items():
        vars_ = host.inventory_vars()
        vars_.update(ansible_port=5986, ansible_psrp_protocol="https", ansible_psrp_ca_cert=host.ca_path)
        inventory_hosts[name] = vars_
    inventory = write_inventory(tmp_path / "inventory.yml", inventory_hosts)
    playbooks = {}
    for name, state, allow in (("enable", "enabled", "false"), ("query", "query", "false")):
        playbooks[name] = tmp_path / f"{name}.yml"
        playbooks[name].write_text(PLAYBOOK.format(state=state, allow=allow), encoding="utf-8")

    query = run_playbook(playbooks["query"], inventory, "-v", **JSON_RESULTS)
    queried = task_results(query.stdout)[0]
    assert {r["sm_remoting_enabled"] for r in queried.values()} == {False}
    for result in queried.values():  # what was found: no HTTP listener, the WinRM HTTP rules off
        assert result["found"]["firewall_rules"]["WINRM-HTTP-In-TCP"]["enabled"] is False
        assert not [x for x in result["found"]["listeners"] if x["transport"] == "HTTP"]

    check = run_playbook(playbooks["enable"], inventory, "--check", "--diff")
    assert check.returncode == 0 and check.stdout.count("changed=1") == len(hosts)
    assert not any(sim_says_enabled(host) for host in hosts.values())

    first = run_playbook(playbooks["enable"], inventory, "-v", **JSON_RESULTS)
    results = task_results(first.stdout)[0]
    assert set(results) == set(hosts), first.stdout
    for result in results.values():
        assert result["changed"] is True and result["verified"] is True and result["sm_remoting_enabled"] is True
    assert all(sim_says_enabled(host) for host in hosts.values())
    second = run_playbook(playbooks["enable"], inventory)
    assert second.returncode == 0 and second.stdout.count("changed=0") == len(hosts)

    # over HTTP now, disabling would cut the controller off: a clear refusal
    host = hosts["sim-2025"]
    http_inventory = write_inventory(tmp_path / "http.yml", {"sim-2025": host.inventory_vars()})
    disable = tmp_path / "disable.yml"
    disable.write_text(PLAYBOOK.format(state="disabled", allow="false"), encoding="utf-8")
    refused = run_playbook(disable, http_inventory, "-v", **JSON_RESULTS)
    outcome = task_results(refused.stdout)[0]["sim-2025"]
    assert outcome["_status"] == "fatal" and "allow_self_disconnect" in outcome["msg"]
    assert sim_says_enabled(host)


@pytest.mark.parametrize("profile", ["2008r2", "2019"])
def test_unread_listeners_build_no_plan(start_host: HostFactory, profile: str) -> None:
    """A listener enumeration that faults is unread, not "no listener": nothing is created over the existing one,
    and the task says what could not be read and why, in one line."""
    host = start_host(profile)
    before = [(x.address, x.transport, x.port) for x in host.state.listeners]
    host.inject_fault("http500", code=5, message="Access is denied.", action="enumeration/Enumerate")
    with pytest.raises(errors.WinRemoteError) as info:
        run(host, SmRemotingDesired("enabled"))
    message = str(info.value)
    assert "winrm/config/listener (WS-Enumeration) could not be read" in message and "\n" not in message
    assert [(x.address, x.transport, x.port) for x in host.state.listeners] == before
