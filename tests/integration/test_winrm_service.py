# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""winrm_service end to end against simulated hosts: check mode, --diff, idempotence, Group Policy, the refusal
of a self-disconnect with the host untouched, a fault in the middle of apply, and real ansible-playbook runs."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from simhosts import JSON_RESULTS, PASSWORD, HostFactory, config_for, run_playbook, task_results, write_inventory

from ansible_collections.winremote.remoting.plugins.plugin_utils.engine import execute as engine
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.execute import SelfDisconnectRefused
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures.winrm_service import (
    GpoControlledError,
    ServiceDesired,
    WinrmService,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import errors
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.client import WSManClient
from winsim import SimulatedHost
from winsim.state import WINRM_POLICY

ARGS = {
    "max_envelope_size_kb": 8192,
    "max_connections": 42,
    "ipv6_filter": "",
    "auth": {"credssp": True, "cbt_hardening_level": "strict"},
    "winrs": {"max_shells_per_user": 12, "max_memory_per_shell_mb": 2048},
}
EXPECTED = {
    ("MaxEnvelopeSizekb",): "8192",
    ("Service", "MaxConnections"): "42",
    ("Service", "IPv6Filter"): "",
    ("Service", "Auth", "CredSSP"): "true",
    ("Service", "Auth", "CbtHardeningLevel"): "Strict",
    ("Winrs", "MaxShellsPerUser"): "12",
    ("Winrs", "MaxMemoryPerShellMB"): "2048",
}

PLAYBOOK = """
- name: WinRM service settings
  hosts: windows
  gather_facts: false
  tasks:
    - name: Set the WinRM service settings
      winremote.remoting.winrm_service:
{options}
"""


def snapshot(host: SimulatedHost) -> str:
    """The host's whole state, for a before/after comparison."""
    with host.lock:
        return json.dumps(host.state.to_json(), sort_keys=True)


def setting(host: SimulatedHost, *path: str) -> str:
    with host.lock:
        return host.state.winrm_text(*path)


def playbook(path: Path, options: str) -> Path:
    path.write_text(PLAYBOOK.format(options=options), encoding="utf-8")
    return path


@pytest.mark.parametrize("profile", ["2008r2", "2012r2", "2019"])
def test_check_mode_apply_diff_and_idempotence(start_host: HostFactory, profile: str) -> None:
    host = start_host(profile)
    config = config_for(host)
    request = ServiceDesired.from_args(ARGS, config)
    before = snapshot(host)
    with WSManClient(config) as client:
        checked = engine.execute(WinrmService(), client, request, check_mode=True)
        assert snapshot(host) == before  # check mode changed nothing
        assert sorted(checked.diff()["after"]) == sorted(
            [
                "max_envelope_size_kb",
                "max_connections",
                "ipv6_filter",
                "auth.credssp",
                "auth.cbt_hardening_level",
                "winrs.max_shells_per_user",
                "winrs.max_memory_per_shell_mb",
            ]
        )
        assert checked.facts["service"]["max_connections"] == 42  # what would result

        outcome = engine.execute(WinrmService(), client, request, check_mode=False)
        assert outcome.changed and outcome.verified and outcome.diff() == checked.diff()
        assert outcome.diff()["before"]["auth.credssp"] is False and outcome.diff()["after"]["auth.credssp"] is True
        assert outcome.facts["auth"]["cbt_hardening_level"] == "Strict" and outcome.facts["reachable"] is True
        for path, text in EXPECTED.items():
            assert setting(host, *path) == text, path

        host.reset_request_count()
        again = engine.execute(WinrmService(), client, request, check_mode=False)
        assert not again.changed and again.changes == ()
        assert host.request_count == 1  # one Get of winrm/config is the whole observation


def test_group_policy_setting_is_reported_and_never_changed(start_host: HostFactory) -> None:
    def basic_by_policy(state: object) -> None:
        state.registry.set_value(WINRM_POLICY, "AllowBasic", "REG_DWORD", 0)  # type: ignore[attr-defined]

    host = start_host("2019", configure=basic_by_policy)
    config = config_for(host)
    with WSManClient(config) as client:
        same = engine.execute(
            WinrmService(), client, ServiceDesired.from_args({"auth": {"basic": False}}, config), False
        )
        assert not same.changed and same.facts["gpo_controlled"] == ["auth.basic"]
        before = snapshot(host)
        wanted = ServiceDesired.from_args({"auth": {"basic": True}, "max_connections": 77}, config)
        with pytest.raises(GpoControlledError) as caught:
            engine.execute(WinrmService(), client, wanted, check_mode=False)
    message = str(caught.value)
    assert message.startswith("auth.basic: ") and "Allow Basic authentication" in message, message
    assert snapshot(host) == before and setting(host, "Service", "MaxConnections") == "300"


@pytest.mark.parametrize(
    ("args", "connection", "phrase"),
    [
        ({"auth": {"negotiate": False}}, {}, "auth.negotiate=false"),
        ({"allow_unencrypted": False}, {"message_encryption": "never"}, "allow_unencrypted=false"),
    ],
)
def test_self_disconnect_is_refused_with_the_host_untouched(
    start_host: HostFactory, args: dict[str, object], connection: dict[str, str], phrase: str
) -> None:
    def unencrypted_allowed(state: object) -> None:
        state.winrm["Service"]["AllowUnencrypted"] = "true"  # type: ignore[attr-defined]

    host = start_host("2012r2", configure=unencrypted_allowed)
    config = config_for(host, **connection)
    before = snapshot(host)
    with WSManClient(config) as client, pytest.raises(SelfDisconnectRefused) as caught:
        engine.execute(WinrmService(), client, ServiceDesired.from_args({**args, "max_connections": 9}, config), False)
    message = str(caught.value)
    assert phrase in message and "connection auth=ntlm" in message and "allow_self_disconnect" in message, message
    assert snapshot(host) == before

    allowed = ServiceDesired.from_args({**args, "max_connections": 9, "allow_self_disconnect": True}, config)
    with WSManClient(config) as client:
        outcome = engine.execute(WinrmService(), client, allowed, check_mode=False)
    assert outcome.changed and not outcome.verified and outcome.facts["reachable"] is False
    assert setting(host, "Service", "MaxConnections") == "9"  # the other change went first
    with pytest.raises(errors.WinRemoteError), WSManClient(config) as client:
        WinrmService().observe(client)  # this connection's way in is gone


def test_fault_in_the_middle_of_apply_then_rerun_converges(start_host: HostFactory) -> None:
    host = start_host("2019")
    config = config_for(host)
    request = ServiceDesired.from_args(ARGS, config)
    # the first Put (winrm/config) goes through, the second (winrm/config/service) gets a WS-Man fault
    host.inject_fault("delay", count=1, seconds=0, action="transfer/Put")
    host.inject_fault(
        "http500",
        count=1,
        code=2150858843,
        message="The WS-Management service cannot process it.",
        action="transfer/Put",
    )
    with WSManClient(config) as client, pytest.raises(errors.WinRemoteError) as caught:
        engine.execute(WinrmService(), client, request, check_mode=False)
    assert "2150858843" in str(caught.value)
    assert setting(host, "MaxEnvelopeSizekb") == "8192" and setting(host, "Service", "MaxConnections") == "300"
    with WSManClient(config) as client:
        rerun = engine.execute(WinrmService(), client, request, check_mode=False)
    assert rerun.changed and "max_envelope_size_kb" not in rerun.diff()["after"]
    for path, text in EXPECTED.items():
        assert setting(host, *path) == text, path


def test_playbook_check_diff_apply_idempotent_and_no_password_in_vvv(start_host: HostFactory, tmp_path: Path) -> None:
    hosts = {f"sim-{profile}": start_host(profile) for profile in ("2008r2", "2012r2", "2019")}
    inventory = write_inventory(tmp_path / "inventory.yml", {name: h.inventory_vars() for name, h in hosts.items()})
    play = playbook(
        tmp_path / "service.yml",
        "        max_connections: 42\n        allow_unencrypted: false\n        auth:\n          basic: true\n"
        "        winrs:\n          max_shells_per_user: 12",
    )
    before = {name: snapshot(h) for name, h in hosts.items()}

    check = run_playbook(play, inventory, "--check", "--diff", "-v", **JSON_RESULTS)
    assert check.returncode == 0, check.stdout
    results = task_results(check.stdout)[0]
    assert set(results) == set(hosts)
    for result in results.values():
        assert result["changed"] is True and result["service"]["max_connections"] == 42
    output = " ".join((check.stdout + check.stderr).split())  # the callback wraps long warnings
    assert "[WARNING]: auth.basic=true: Basic authentication sends the user name and password encoded" in output
    assert "auth.basic" in check.stdout  # the diff
    assert {name: snapshot(h) for name, h in hosts.items()} == before

    applied = run_playbook(play, inventory, "-vvv", **JSON_RESULTS)
    assert applied.returncode == 0, applied.stdout
    assert PASSWORD not in applied.stdout and PASSWORD not in applied.stderr
    for name, result in task_results(applied.stdout)[0].items():
        assert result["changed"] is True and result["auth"]["basic"] is True, (name, result)
        assert "set winrm/config/service MaxConnections to '42'" in " ".join(result["changes"])
    for host in hosts.values():
        assert setting(host, "Service", "MaxConnections") == "42"
        assert setting(host, "Service", "Auth", "Basic") == "true"
        assert setting(host, "Winrs", "MaxShellsPerUser") == "12"

    again = run_playbook(play, inventory)
    assert again.returncode == 0 and again.stdout.count("changed=0") == len(hosts), again.stdout


def test_playbook_refuses_bad_input_before_connecting(start_host: HostFactory, tmp_path: Path) -> None:
    host = start_host("2019")
    inventory = write_inventory(tmp_path / "inventory.yml", {"sim-2019": host.inventory_vars()})
    for options, option in (
        ("        max_envelope_size_kb: 16", "max_envelope_size_kb"),
        ('        ipv4_filter: "10.0.0.1 & calc.exe"', "ipv4_filter"),
        ('        ipv6_filter: "fe80::1%12"', "ipv6_filter"),
        ('        root_sddl: "O:NSG:BAD:P(A;;GA;;;BA"', "root_sddl"),
    ):
        host.reset_request_count()
        result = run_playbook(playbook(tmp_path / "bad.yml", options), inventory, "-v", **JSON_RESULTS)
        outcome = task_results(result.stdout)[0]["sim-2019"]
        assert outcome["_status"] == "fatal" and outcome["msg"].startswith(option + ":"), outcome
        assert host.request_count == 0  # nothing reached the host


def test_playbook_refusal_leaves_the_host_untouched(start_host: HostFactory, tmp_path: Path) -> None:
    host = start_host("2022")
    inventory = write_inventory(tmp_path / "inventory.yml", {"sim-2022": host.inventory_vars()})
    before = copy.deepcopy(snapshot(host))
    play = playbook(tmp_path / "off.yml", "        max_connections: 9\n        auth:\n          negotiate: false")
    result = run_playbook(play, inventory, "-v", **JSON_RESULTS)
    outcome = task_results(result.stdout)[0]["sim-2022"]
    assert outcome["_status"] == "fatal" and "auth.negotiate=false" in outcome["msg"], outcome
    assert "allow_self_disconnect=true" in outcome["msg"] and snapshot(host) == before
