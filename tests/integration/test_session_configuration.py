# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""session_configuration end to end against simulated hosts: a grant lets a non-administrator create a PowerShell
shell, a revoke and a disable shut it out again, check mode and --diff change nothing, reruns change nothing, a
change that would shut Ansible's own psrp access out is refused with the host untouched, and real ansible-playbook
runs (no password in -vvv output, bad input refused before connecting)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from simhosts import JSON_RESULTS, PASSWORD, HostFactory, config_for, run_playbook, task_results, write_inventory

from ansible_collections.winremote.remoting.plugins.plugin_utils.engine import execute as engine
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.execute import SelfDisconnectRefused
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures.session_configuration import (
    SessionConfiguration,
    SessionDesired,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import errors
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.client import WSManClient
from winsim import SimulatedHost
from winsim.accounts import Account

PS = "http://schemas.microsoft.com/powershell/Microsoft.PowerShell"
RSP = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
RMU = "BUILTIN\\Remote Management Users"

PLAYBOOK = """
- name: Session configuration
  hosts: windows
  gather_facts: false
  tasks:
    - name: Manage the session configuration
      winremote.remoting.session_configuration:
{options}
"""


def snapshot(host: SimulatedHost) -> str:
    with host.lock:
        return json.dumps(host.state.to_json(), sort_keys=True)


def configuration(host: SimulatedHost, name: str = "Microsoft.PowerShell") -> tuple[bool, str]:
    with host.lock:
        found = host.state.session_configurations[name]
        return found.enabled, found.sddl


def make_member(host: SimulatedHost, group: str, user: str) -> None:
    with host.lock:
        host.state.local_groups.setdefault(group, []).append(user)
    host.apply_state()


def create_powershell_shell(host: SimulatedHost, user: str) -> str:
    """Create (and delete) a shell on Microsoft.PowerShell as ``user``; its ShellId."""
    shell = ET.Element(f"{{{RSP}}}Shell")
    ET.SubElement(shell, f"{{{RSP}}}InputStreams").text = "stdin pr"
    ET.SubElement(shell, f"{{{RSP}}}OutputStreams").text = "stdout"
    with WSManClient(config_for(host, username=user)) as client:
        created = client.create(PS, shell)
        shell_id = next((e.text or "" for e in created.iter() if e.tag.endswith("}Selector")), "")
        client.delete(PS, {"ShellId": shell_id})
    return shell_id


def run(host: SimulatedHost, args: dict[str, object], check: bool = False) -> engine.Outcome:  # type: ignore[type-arg]
    config = config_for(host)
    request = SessionDesired.from_args(args, config)
    with WSManClient(config) as client:
        return engine.execute(SessionConfiguration(request), client, request, check_mode=check)


def playbook(path: Path, options: str) -> Path:
    path.write_text(PLAYBOOK.format(options=options), encoding="utf-8")
    return path


@pytest.mark.parametrize("profile", ["2008r2", "2012r2", "2019"])
def test_grant_revoke_and_disable_decide_a_non_administrators_shell(start_host: HostFactory, profile: str) -> None:
    host = start_host(profile)
    grant = {"access": [{"principal": "localuser", "permissions": ["execute", "read"]}]}
    with pytest.raises(errors.WinRemoteError, match=r"(?i)access is denied"):
        create_powershell_shell(host, "localuser")
    assert not host.session_access("localuser")

    granted = run(host, grant)
    assert granted.changed and granted.verified
    entry = next(a for a in granted.facts["access"] if a["sid"].endswith("-1002"))
    assert entry == {
        "sid": entry["sid"],
        "name": f"{host.hostname.upper()}\\localuser",
        "rights": ["read", "execute"],
        "type": "allow",
        "inherited": False,
    }
    assert create_powershell_shell(host, "localuser") and host.session_access("localuser")
    assert not run(host, grant).changed  # idempotent

    revoked = run(host, {**grant, "access_state": "absent"})
    assert revoked.changed and "-1002)" not in configuration(host)[1]
    with pytest.raises(errors.WinRemoteError, match=r"(?i)access is denied"):
        create_powershell_shell(host, "localuser")


@pytest.mark.parametrize("profile", ["2012r2", "2019"])
def test_remote_management_users_membership_and_the_disabled_fault(start_host: HostFactory, profile: str) -> None:
    host = start_host(profile)
    make_member(host, "Remote Management Users", "localuser")
    # the default Sddl of 2012 and later gives Remote Management Users full control
    assert not run(host, {"access": [{"principal": RMU}]}).changed
    assert create_powershell_shell(host, "localuser")

    disabled = run(host, {"name": "Microsoft.PowerShell32", "state": "disabled"})
    assert disabled.changed and configuration(host, "Microsoft.PowerShell32")[0] is False
    assert disabled.facts["enabled"] is False and disabled.facts["name"] == "Microsoft.PowerShell32"
    shell = ET.Element(f"{{{RSP}}}Shell")
    with WSManClient(config_for(host, username="localuser")) as client, pytest.raises(errors.WinRemoteError) as caught:
        client.create("http://schemas.microsoft.com/powershell/Microsoft.PowerShell32", shell)
    assert "disabled" in str(caught.value) and "2150858752" in str(caught.value), caught.value


def test_a_domain_user_is_resolved_on_the_host_and_let_in(start_host: HostFactory) -> None:
    def with_operator(state: object) -> None:
        state.accounts.append(Account("operator", PASSWORD, "WINREMOTE"))  # type: ignore[attr-defined]

    host = start_host("2019", configure=with_operator)
    with pytest.raises(errors.WinRemoteError, match=r"(?i)access is denied"):
        create_powershell_shell(host, "WINREMOTE\\operator")
    outcome = run(host, {"access": [{"principal": "WINREMOTE\\operator", "permissions": ["execute"]}]})
    entry = outcome.facts["access"][-1]
    assert (
        entry["name"] == "WINREMOTE\\operator"
        and entry["sid"].startswith("S-1-5-21-")
        and entry["rights"] == ["execute"]
    )
    assert create_powershell_shell(host, "WINREMOTE\\operator")
    assert not host.session_access("localuser")  # the grant named one account only


def test_2008r2_has_no_remote_management_users_in_its_default(start_host: HostFactory) -> None:
    host = start_host("2008r2")
    outcome = run(host, {"access": [{"principal": "Remote Management Users"}]}, check=True)
    assert outcome.changed and "(A;;GA;;;S-1-5-32-580)" in outcome.facts["sddl"]
    assert "(A;;GA;;;RM)" not in configuration(host)[1]


@pytest.mark.parametrize("profile", ["2008r2", "2012r2", "2019"])
def test_check_mode_and_diff_leave_the_host_unchanged(start_host: HostFactory, profile: str) -> None:
    host = start_host(profile)
    before = snapshot(host)
    enabled, sddl = configuration(host)
    outcome = run(
        host,
        {
            "state": "disabled",
            "name": "Microsoft.PowerShell32",
            "access": [{"principal": "Everyone", "permissions": ["read"]}],
        },
        check=True,
    )
    assert snapshot(host) == before
    diff = outcome.diff()
    assert diff["before"]["Microsoft.PowerShell32.enabled"] is True
    assert diff["after"]["Microsoft.PowerShell32.enabled"] is False
    assert diff["after"]["Microsoft.PowerShell32.sddl"].endswith(
        ")(A;;GR;;;S-1-1-0)S:P(AU;FA;GA;;;WD)(AU;SA;GXGW;;;WD)"
    )
    assert outcome.facts["enabled"] is False and outcome.facts["access"][-1]["name"] == "Everyone"
    assert (enabled, sddl) == configuration(host)

    applied = run(host, {"state": "disabled", "name": "Microsoft.PowerShell32"})
    assert applied.changed and applied.verified
    host.reset_request_count()
    assert not run(host, {"state": "disabled", "name": "Microsoft.PowerShell32"}).changed
    assert host.request_count == 1  # one Get of the plugin is the whole observation


@pytest.mark.parametrize(
    ("args", "phrase"),
    [
        ({"state": "disabled"}, "state=disabled turns off Microsoft.PowerShell"),
        ({"access": [{"principal": "BUILTIN\\Administrators"}], "access_state": "absent"}, "no longer gives"),
        ({"sddl": "O:NSG:BAD:P(D;;GA;;;NU)(A;;GA;;;BA)"}, "no longer gives"),
    ],
)
def test_self_disconnect_is_refused_with_the_host_untouched(
    start_host: HostFactory, args: dict[str, object], phrase: str
) -> None:
    host = start_host("2019")
    before = snapshot(host)
    with pytest.raises(SelfDisconnectRefused) as caught:
        run(host, args)
    message = str(caught.value)
    assert phrase in message and "allow_self_disconnect" in message, message
    assert snapshot(host) == before

    outcome = run(host, {**args, "allow_self_disconnect": True})
    assert outcome.changed and outcome.facts["reachable"] is False
    assert not host.session_access("Administrator")


def test_fault_in_the_middle_then_rerun_converges(start_host: HostFactory) -> None:
    host = start_host("2019")
    args = {"access": [{"principal": "localuser"}]}
    host.inject_fault("http500", count=1, code=2150858843, message="cannot process it.", action="transfer/Put")
    with pytest.raises(errors.WinRemoteError):
        run(host, args)
    assert not host.session_access("localuser")
    assert run(host, args).changed and host.session_access("localuser")


def test_unknown_principal_and_configuration_fail_without_a_change(start_host: HostFactory) -> None:
    host = start_host("2019")
    before = snapshot(host)
    with pytest.raises(errors.WinRemoteError, match=r"access\[0\]\.principal: 'nobody'"):
        run(host, {"access": [{"principal": "nobody"}]})
    with pytest.raises(errors.WinRemoteError, match=r"name: this host has no session configuration Contoso\.Jea"):
        run(host, {"name": "Contoso.Jea", "state": "enabled"})
    assert snapshot(host) == before


def test_playbook_check_diff_apply_idempotent_and_no_password_in_vvv(start_host: HostFactory, tmp_path: Path) -> None:
    hosts = {f"sim-{profile}": start_host(profile) for profile in ("2008r2", "2012r2", "2019")}
    inventory = write_inventory(tmp_path / "inventory.yml", {name: h.inventory_vars() for name, h in hosts.items()})
    play = playbook(tmp_path / "sc.yml", "        access:\n          - principal: localuser\n")
    before = {name: snapshot(h) for name, h in hosts.items()}

    check = run_playbook(play, inventory, "--check", "--diff", "-v", **JSON_RESULTS)
    assert check.returncode == 0, check.stdout + check.stderr
    for result in task_results(check.stdout)[0].values():
        assert result["changed"] is True and result["enabled"] is True
    assert "Microsoft.PowerShell.sddl" in check.stdout  # the diff
    assert {name: snapshot(h) for name, h in hosts.items()} == before

    applied = run_playbook(play, inventory, "-vvv", **JSON_RESULTS)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert PASSWORD not in applied.stdout and PASSWORD not in applied.stderr
    for name, result in task_results(applied.stdout)[0].items():
        assert result["changed"] is True and "set the security descriptor of" in result["changes"][0], (name, result)
    for host in hosts.values():
        assert host.session_access("localuser")

    again = run_playbook(play, inventory)
    assert again.returncode == 0 and again.stdout.count("changed=0") == len(hosts), again.stdout


def test_playbook_refuses_bad_input_before_connecting(start_host: HostFactory, tmp_path: Path) -> None:
    host = start_host("2019")
    inventory = write_inventory(tmp_path / "inventory.yml", {"sim-2019": host.inventory_vars()})
    for options, option in (
        ('        access:\n          - principal: "user & calc.exe"', "access[0].principal"),
        ('        access:\n          - principal: "a|b"', "access[0].principal"),
        ('        sddl: "O:NSG:BAD:P(A;;GA;;;BA"', "sddl"),
        ('        name: "Microsoft.PowerShell & calc"', "name"),
    ):
        host.reset_request_count()
        result = run_playbook(playbook(tmp_path / "bad.yml", options), inventory, "-v", **JSON_RESULTS)
        outcome = task_results(result.stdout)[0]["sim-2019"]
        assert outcome["_status"] == "fatal" and outcome["msg"].startswith(option + ":"), outcome
        assert host.request_count == 0  # nothing reached the host


def test_playbook_refusal_leaves_the_host_untouched(start_host: HostFactory, tmp_path: Path) -> None:
    host = start_host("2012r2")
    inventory = write_inventory(tmp_path / "inventory.yml", {"sim-2012r2": host.inventory_vars()})
    before = snapshot(host)
    result = run_playbook(playbook(tmp_path / "off.yml", "        state: disabled"), inventory, "-v", **JSON_RESULTS)
    outcome = task_results(result.stdout)[0]["sim-2012r2"]
    assert outcome["_status"] == "fatal" and "allow_self_disconnect=true" in outcome["msg"], outcome
    assert snapshot(host) == before
