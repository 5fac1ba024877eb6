# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Hostile values in every module option that reaches a Windows command line: refused before connecting (naming
the option), or carried as one literal argument. The simulator parses command lines like cmd.exe (``& && || | < >``,
carets, ``%VAR%``) and records every program a line starts, so "nothing extra ran" is checked, not assumed.

Options that reach a command line: firewall_rules ``rules`` (reg query /v, netsh) and ``remote_address`` (netsh
remoteip= on 2008 / 2008 R2), winrm_policy ``ipv4_filter`` / ``ipv6_filter`` (policy files and rollback scripts),
and the role variables that feed them (``remote_management_mmc_remote_address``, ``remote_management_winrm_policy_*``).
token_filter_policy ``enabled`` and sm_remoting ``state`` are typed options (bool, choices): a hostile string is
refused by the argument spec.
"""

from __future__ import annotations

import json
import typing as t
from pathlib import Path

import pytest
import yaml
from simhosts import HostFactory, config_for, run_playbook, write_inventory

from ansible_collections.winremote.remoting.plugins.plugin_utils.engine import execute as engine
from ansible_collections.winremote.remoting.plugins.plugin_utils.errors import InvalidArgumentError
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures import firewall_rules as fr
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import quote
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.client import WSManClient
from winsim import HostState, SimulatedHost, firewall
from winsim.wsman.commands import run_command

PWNED = r"C:\Windows\Temp\pwned.txt"
# Every payload carries the word "pwned": wherever it shows up on the host, it must be one whole argument that
# equals the value given, never a command, a redirection target or part of another argument.
HOSTILE = [
    rf"fe80::1%x&echo pwned>{PWNED}",
    rf"fe80::1%x|echo pwned>{PWNED}",
    rf"10.0.0.1&echo pwned>{PWNED}",
    rf"x & echo pwned>{PWNED}",
    rf"x|echo pwned>{PWNED}",
    "x&&echo pwned",
    "x||echo pwned",
    "x^&echo pwned",
    rf"x>{PWNED}",
    r"x<C:\Windows\win.ini pwned",
    "(echo pwned)",
    "x)&echo pwned&(",
    "%SystemRoot%&echo pwned",
    "%%&echo pwned",
    '"&echo pwned&"',
    '"&echo pwned',
    r"x\"&echo pwned",
    "x\\\\&echo pwned",
    "x\\",
    "!x!&echo pwned",
    "x\r\necho pwned",
    "x\necho pwned",
    "x\recho pwned",
    "x\techo pwned",
    "10.0.0.1\n",
    "LocalSubnet\r\n",
    "pwned " + "A" * 100_000,
]
# What the collection's own command lines start; anything else means a value broke out.
KNOWN_PROGRAMS = {"cmd", "echo", "reg", "sc", "winrm", "netsh", "certutil", "type", "del", "mkdir", "schtasks"}


def programs(host: SimulatedHost) -> list[tuple[str, list[str]]]:
    with host.lock:
        return list(host.state.runtime.programs)


def assert_nothing_extra_ran(host: SimulatedHost, *given: str) -> None:
    with host.lock:
        assert not host.state.files.is_file(PWNED)
    for program, argv in programs(host):
        assert program in KNOWN_PROGRAMS, (program, argv)
        for arg in argv:
            # a payload reaches a program only as the whole value it was given
            assert "pwned" not in arg or arg in HOSTILE or arg in given, (program, argv)
        if program == "echo":
            assert not any("pwned" in arg for arg in argv), argv


def rule_id_accepted(value: str) -> bool:
    try:
        fr.resolve_rule_ids([value], None)
    except InvalidArgumentError:
        return False
    return True


# --- in-process procedure runs -----------------------------------------------------------------------------------


def run_rules(host: SimulatedHost, check_mode: bool = False, **args: t.Any) -> engine.Outcome[fr.RulesState]:
    desired = fr.desired_from_args(args, connection_port=5985)
    with WSManClient(config_for(host)) as client:
        return engine.execute(fr.FirewallRules(desired.rule_ids), client, desired, check_mode)


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_remote_address_is_refused_before_connecting(value: str) -> None:
    with pytest.raises(InvalidArgumentError, match=r"^remote_address: ") as caught:
        fr.desired_from_args({"rules": ["WINRM-HTTP-In-TCP"], "remote_address": ["LocalSubnet", value]}, 5985)
    assert len(str(caught.value)) < 400


@pytest.mark.parametrize("value", [HOSTILE[0], HOSTILE[1], HOSTILE[2]])
def test_the_netsh_injection_never_reaches_the_host(start_host: HostFactory, value: str) -> None:
    """The attack on 2008 R2: a scope ID carrying cmd.exe syntax after netsh's remoteip=. Refused before connecting."""
    host = start_host("2008r2")
    host.reset_request_count()
    with pytest.raises(InvalidArgumentError, match=r"^remote_address: "):
        run_rules(host, rule_set="dcom_remote_management", remote_address=[value])
    assert host.request_count == 0
    assert_nothing_extra_ran(host)


@pytest.mark.parametrize("value", [v for v in HOSTILE if not quote.refusal(v)])
def test_netsh_quotes_remoteip_even_past_validation(value: str) -> None:
    """Defence in depth: were validation bypassed, the value still reaches netsh as one literal argument."""
    state = HostState.from_profile("2008r2", hostname="SIM")
    rule = fr.firewall.parse_rule("ComPlusNetworkAccess-DCOM-In", "v2.10|Active=FALSE|", gpo_owned=False)
    run_command(state, None, "cmd.exe", ["/c", fr.firewall.netsh_set_rule(rule, True, None, [value])])
    assert [p for p, _argv in state.runtime.programs] == ["cmd", "netsh"]
    assert state.runtime.programs[1][1][-1] == f"remoteip={value}"
    assert not state.files.is_file(PWNED)


@pytest.mark.parametrize("value", [v for v in HOSTILE if not rule_id_accepted(v)])
def test_rule_ids_that_cannot_be_carried_are_refused_naming_rules(value: str) -> None:
    with pytest.raises(InvalidArgumentError, match=r"^rules: ") as caught:
        fr.desired_from_args({"rules": [value]}, 5985)
    assert len(str(caught.value)) < 400


@pytest.mark.parametrize("profile", ["2008r2", "2019"])
def test_hostile_rule_ids_are_probed_as_data(start_host: HostFactory, profile: str) -> None:
    """Every accepted hostile rule ID reaches reg.exe as exactly one argument; nothing else runs."""
    host = start_host(profile)
    accepted = [v for v in HOSTILE if rule_id_accepted(v)]
    assert len(accepted) >= 10
    with pytest.raises(fr.RuleMissingError):
        run_rules(host, check_mode=True, rules=accepted)
    assert_nothing_extra_ran(host)
    queried = [argv[3] for program, argv in programs(host) if program == "reg" and argv[2:3] == ["/v"]]
    assert sorted(set(queried) - set(fr.firewall.RULE_SETS["winrm_http"])) == sorted(accepted)


def test_a_rule_whose_id_is_cmd_syntax_is_found_and_changed(start_host: HostFactory) -> None:
    """A rule on the host with cmd.exe syntax in its ID is read back (the quoting round-trips through reg query)."""
    rule_id = rf"Custom (x&echo pwned>{PWNED}) ^ \\"

    def configure(state: HostState) -> None:
        rule = "v2.20|Action=Allow|Active=FALSE|Dir=In|Protocol=6|LPort=81|"
        state.registry.set_value(firewall.LOCAL_STORE, rule_id, "REG_SZ", rule)

    host = start_host("2019", configure=configure)
    outcome = run_rules(host, rules=[rule_id])
    assert outcome.changed and outcome.after is not None
    assert outcome.after.rules_dict()[rule_id]["enabled"] is True
    assert_nothing_extra_ran(host, rule_id)


def test_netsh_gets_the_addresses_as_one_argument(start_host: HostFactory) -> None:
    host = start_host("2008r2")
    run_rules(host, rule_set="dcom_remote_management", remote_address=["10.0.0.0/8", "localsubnet", "fe80::1-fe80::9"])
    netsh = [argv for program, argv in programs(host) if program == "netsh"]
    assert len(netsh) == 4 and all("remoteip=localsubnet,10.0.0.0/8,fe80::1-fe80::9" in argv for argv in netsh)
    assert_nothing_extra_ran(host)


# --- real ansible-playbook runs ----------------------------------------------------------------------------------

REFUSED_PLAY = [
    {
        "name": "Hostile values that every module refuses before connecting",
        "hosts": "windows",
        "gather_facts": False,
        "tasks": [
            {
                "name": "firewall_rules remote_address",
                "winremote.remoting.firewall_rules": {
                    "rule_set": "dcom_remote_management",
                    "remote_address": ["{{ item }}"],
                },
                "loop": "{{ hostile }}",
                "register": "remote_address",
                "ignore_errors": True,
            },
            {
                "name": "firewall_rules rules",
                "winremote.remoting.firewall_rules": {"rules": ["{{ item }}"]},
                "loop": "{{ refused_rule_ids }}",
                "register": "rules",
                "ignore_errors": True,
            },
            {
                "name": "winrm_policy ipv4_filter",
                "winremote.remoting.winrm_policy": {"state": "enabled", "ipv4_filter": "{{ item }}"},
                "loop": "{{ hostile_filters }}",
                "register": "ipv4_filter",
                "ignore_errors": True,
            },
            {
                "name": "winrm_policy ipv6_filter",
                "winremote.remoting.winrm_policy": {"state": "enabled", "ipv6_filter": "{{ item }}"},
                "loop": "{{ hostile_filters }}",
                "register": "ipv6_filter",
                "ignore_errors": True,
            },
            {
                "name": "token_filter_policy enabled",
                "winremote.remoting.token_filter_policy": {"enabled": "{{ item }}"},
                "loop": "{{ hostile[:3] }}",
                "register": "enabled",
                "ignore_errors": True,
            },
            {
                "name": "sm_remoting state",
                "winremote.remoting.sm_remoting": {"state": "{{ item }}"},
                "loop": "{{ hostile[:3] }}",
                "register": "state",
                "ignore_errors": True,
            },
            {
                "name": "Save what each task answered",
                "ansible.builtin.copy": {
                    "content": "{{ {'remote_address': remote_address, 'rules': rules, 'ipv4_filter': ipv4_filter,"
                    " 'ipv6_filter': ipv6_filter, 'enabled': enabled, 'state': state} | to_json }}",
                    "dest": "{{ out }}",
                    "mode": "0600",
                },
                "delegate_to": "localhost",
            },
        ],
    }
]


def write_play(tmp_path: Path, name: str, play: list[dict[str, t.Any]], **variables: t.Any) -> Path:
    (tmp_path / f"{name}.vars.yml").write_text(yaml.safe_dump(variables), encoding="utf-8")
    play = [{**p, "vars_files": [str(tmp_path / f"{name}.vars.yml")]} for p in play]
    path = tmp_path / f"{name}.yml"
    path.write_text(yaml.safe_dump(play, sort_keys=False), encoding="utf-8")
    return path


def test_playbook_refuses_hostile_values_before_connecting(start_host: HostFactory, tmp_path: Path) -> None:
    host = start_host("2008r2")
    inventory = write_inventory(tmp_path / "inventory.yml", {"sim": host.inventory_vars()})
    out = tmp_path / "results.json"
    refused_ids = [v for v in HOSTILE if not rule_id_accepted(v)]
    filters = [v for v in HOSTILE if v not in TRAILING_LINE_BREAK]  # see the test after this one
    playbook = write_play(
        tmp_path,
        "refused",
        REFUSED_PLAY,
        hostile=HOSTILE,
        hostile_filters=filters,
        refused_rule_ids=refused_ids,
        out=str(out),
    )
    host.reset_request_count()
    run = run_playbook(playbook, inventory)
    assert run.returncode == 0, run.stdout + run.stderr
    answered = json.loads(out.read_text(encoding="utf-8"))
    for option, registered in answered.items():
        results = registered["results"]
        assert results and all(r.get("failed") for r in results), option
        for result in results:
            message = result["msg"]
            assert option in message, (option, message[:300])
            if option in ("remote_address", "rules"):
                assert message.startswith(f"{option}: ") and len(message) < 400, (option, message[:300])
    assert host.request_count == 0  # nothing reached the host at all
    assert_nothing_extra_ran(host)


TRAILING_LINE_BREAK = ("10.0.0.1\n", "LocalSubnet\r\n")


@pytest.mark.parametrize("option", ["ipv4_filter", "ipv6_filter"])
def test_winrm_policy_refuses_line_breaks_in_filters(option: str) -> None:
    from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures import winrm_policy

    value = "127.0.0.1\r\n" if option == "ipv4_filter" else "::1\n"
    with pytest.raises(Exception, match=option):
        winrm_policy.PolicyDesired.from_args({"state": "enabled", option: value}, "127.0.0.1")


ACCEPTED_PLAY = [
    {
        "name": "Hostile rule IDs the module carries as data",
        "hosts": "windows",
        "gather_facts": False,
        "tasks": [
            {
                "name": "firewall_rules rules",
                "winremote.remoting.firewall_rules": {"rules": "{{ accepted }}"},
                "register": "found",
                "ignore_errors": True,
            },
            {
                "name": "Save what the task answered",
                "ansible.builtin.copy": {"content": "{{ found | to_json }}", "dest": "{{ out }}", "mode": "0600"},
                "delegate_to": "localhost",
            },
        ],
    }
]


def test_playbook_carries_hostile_rule_ids_as_data(start_host: HostFactory, tmp_path: Path) -> None:
    hosts = {"sim-2008r2": start_host("2008r2"), "sim-2019": start_host("2019")}
    inventory = write_inventory(tmp_path / "inventory.yml", {n: h.inventory_vars() for n, h in hosts.items()})
    accepted = [v for v in HOSTILE if rule_id_accepted(v)]
    out = tmp_path / "found.json"
    playbook = write_play(tmp_path, "accepted", ACCEPTED_PLAY, accepted=accepted, out=str(out))
    run = run_playbook(playbook, inventory, "--forks", "1")
    assert run.returncode == 0, run.stdout + run.stderr
    found = json.loads(out.read_text(encoding="utf-8"))
    assert found["failed"] and "firewall rule(s) not found on this host" in found["msg"]
    for host in hosts.values():
        assert_nothing_extra_ran(host)
        queried = {argv[3] for program, argv in programs(host) if program == "reg" and argv[2:3] == ["/v"]}
        assert queried == set(accepted)


ROLE_PLAY = [
    {
        "name": "The role refuses hostile addresses before any task connects",
        "hosts": "windows",
        "gather_facts": False,
        "roles": [
            {
                "role": "winremote.remoting.remote_management",
                "vars": {
                    "remote_management_token_filter_policy": True,
                    "remote_management_mmc_remote_address": "{{ [item_value] }}",
                },
            }
        ],
    }
]


@pytest.mark.parametrize("value", [HOSTILE[0], HOSTILE[3], "LocalSubnet\r\n", "fe80::1%11"])
def test_role_refuses_hostile_mmc_remote_address_before_connecting(
    start_host: HostFactory, tmp_path: Path, value: str
) -> None:
    host = start_host("2008r2")
    inventory = write_inventory(tmp_path / "inventory.yml", {"sim": host.inventory_vars()})
    playbook = write_play(tmp_path, "role", ROLE_PLAY, item_value=value)
    host.reset_request_count()
    with host.lock:
        token_before = host.state.local_account_token_filter_policy
    run = run_playbook(playbook, inventory)
    assert run.returncode != 0
    assert "remote_management_mmc_remote_address must be a list of IPv4/IPv6 addresses" in run.stdout
    assert host.request_count == 0
    with host.lock:
        assert host.state.local_account_token_filter_policy == token_before  # the first task never ran
    assert_nothing_extra_ran(host)
