# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""firewall_rules end to end against simulated hosts: netsh on 2008 R2, CIM on 2012 R2 and later, and real playbooks."""

from __future__ import annotations

import typing as t
from pathlib import Path

import pytest
from simhosts import JSON_RESULTS, HostFactory, config_for, run_playbook, task_results, write_inventory

from ansible_collections.winremote.remoting.plugins.plugin_utils.engine import execute as engine
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.execute import SelfDisconnectRefused
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures import firewall_rules as fr
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import errors
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.client import WSManClient
from winsim import HostState, SimulatedHost, firewall

DCOM = ("ComPlusNetworkAccess-DCOM-In", "RemoteEventLogSvc-In-TCP", "RemoteEventLogSvc-NP-In-TCP",
        "RemoteEventLogSvc-RPCSS-In-TCP")  # fmt: skip
PUBLIC = "WINRM-HTTP-In-TCP-PUBLIC"
CIM_PROFILES = ["2012r2", "2019", "2025"]
OBSERVE_REQUESTS = 4  # one WinRS command: Create, Command, Receive, Delete


def rule(host: SimulatedHost, rule_id: str) -> firewall.FirewallRule | None:
    with host.lock:
        return firewall.get_rule(host.state.registry, rule_id)


def stored(host: SimulatedHost) -> dict[str, object]:
    """Every value of both rule stores, to prove that nothing at all changed."""
    with host.lock:
        registry = host.state.registry
        return {
            f"{store}:{value.name}": value.data
            for store, path in firewall.STORES.items()
            if registry.key_exists(path)
            for value in registry.values(path)
        }


def run(host: SimulatedHost, check_mode: bool = False, **args: t.Any) -> engine.Outcome[fr.RulesState]:
    desired = fr.desired_from_args(args, connection_port=5985)
    with WSManClient(config_for(host)) as client:
        return engine.execute(fr.FirewallRules(desired.rule_ids), client, desired, check_mode)


@pytest.mark.parametrize("profile", ["2008r2", *CIM_PROFILES])
def test_dcom_set_check_apply_idempotent(start_host: HostFactory, profile: str) -> None:
    host = start_host(profile)
    untouched = stored(host)
    assert not any(rule(host, rule_id).enabled for rule_id in DCOM)  # type: ignore[union-attr]

    checked = run(host, check_mode=True, rule_set="dcom_remote_management")
    assert checked.changed and stored(host) == untouched
    assert checked.diff()["before"] == {f"firewall_rules.{r}.enabled": False for r in DCOM}
    assert checked.diff()["after"] == {f"firewall_rules.{r}.enabled": True for r in DCOM}
    assert checked.before.method == ("netsh" if profile == "2008r2" else "cim")

    host.reset_request_count()
    outcome = run(host, rule_set="dcom_remote_management")
    apply_requests = OBSERVE_REQUESTS if profile == "2008r2" else len(DCOM)  # one netsh batch / one Enable per rule
    assert host.request_count == OBSERVE_REQUESTS + apply_requests + OBSERVE_REQUESTS
    assert outcome.verified and all(rule(host, rule_id).enabled for rule_id in DCOM)  # type: ignore[union-attr]
    assert outcome.after is not None and outcome.after.rules_dict()["RemoteEventLogSvc-In-TCP"]["enabled"] is True

    host.reset_request_count()
    assert not run(host, rule_set="dcom_remote_management").changed
    assert host.request_count == OBSERVE_REQUESTS

    assert run(host, rules=list(DCOM[1:]), state="disabled").changed
    assert [rule(host, rule_id).enabled for rule_id in DCOM] == [True, False, False, False]  # type: ignore[union-attr]


@pytest.mark.parametrize("profile", ["2008r2", *CIM_PROFILES])
def test_widen_public_winrm_rule_then_narrow(start_host: HostFactory, profile: str) -> None:
    host = start_host(profile)
    before = rule(host, PUBLIC)
    assert before is not None and before.remote_addresses == ["LocalSubnet"]

    wide = run(host, rules=[PUBLIC], remote_address=["any"], profiles=["public", "private"])
    assert wide.summaries() == [
        f"set the profiles of firewall rule {PUBLIC} to Private, Public",
        f"set the remote addresses of firewall rule {PUBLIC} to Any",
    ]
    after = rule(host, PUBLIC)
    assert after is not None and after.remote_addresses == [] and after.profiles == ["Private", "Public"]
    assert not run(host, rules=[PUBLIC], remote_address=["Any"], profiles=["Private", "public"]).changed

    # restricting the rule of the port in use can cut the connection: refused, then allowed on request
    wanted = ["LocalSubnet", "10.1.2.3/255.0.0.0", "fe80::1"]
    with pytest.raises(SelfDisconnectRefused, match="allow_self_disconnect"):
        run(host, rules=[PUBLIC], remote_address=wanted)
    assert rule(host, PUBLIC).remote_addresses == []  # type: ignore[union-attr]
    narrowed = run(host, rules=[PUBLIC], remote_address=wanted, allow_self_disconnect=True)
    assert narrowed.changed and not narrowed.verified
    assert sorted(rule(host, PUBLIC).remote_addresses) == sorted(["LocalSubnet", "10.0.0.0/8", "fe80::1"])  # type: ignore[union-attr]
    # what Windows stored compares equal to the same list written another way: a rerun changes nothing
    assert not run(host, rules=[PUBLIC], remote_address=["fe80::1", "10.0.0.0/8", "localsubnet"]).changed


COMPLUS = "ComPlusNetworkAccess-DCOM-In"


@pytest.mark.parametrize("profile", ["2012", *CIM_PROFILES])
def test_internet_keyword_is_stored_as_windows_does_and_converges(start_host: HostFactory, profile: str) -> None:
    host = start_host(profile)
    first = run(host, rules=[COMPLUS], remote_address=["Internet"])
    assert first.changed and first.verified
    value = str(stored(host)[f"local:{COMPLUS}"])
    assert "|RA42=IntErnet|RA62=IntErnet|" in value and "RA4=" not in value and "RA6=" not in value
    assert first.after is not None and first.after.rules_dict()[COMPLUS]["remote_address"] == ["Internet"]
    host.reset_request_count()
    again = run(host, rules=[COMPLUS], remote_address=["internet"])
    assert not again.changed and host.request_count == OBSERVE_REQUESTS

    mixed = ["10.0.0.0/8", "INTERNET", "localsubnet", "fe80::1", "Intranet"]
    assert run(host, rules=[COMPLUS], remote_address=mixed).changed
    value = str(stored(host)[f"local:{COMPLUS}"])
    for part in ("RA4=10.0.0.0/8|", "RA4=LocalSubnet|", "RA6=LocalSubnet|", "RA6=fe80::1|", "RA42=IntErnet|",
                 "RA62=IntErnet|", "RA42=IntrAnet|", "RA62=IntrAnet|"):  # fmt: skip
        assert part in value
    again = run(host, rules=[COMPLUS], remote_address=list(reversed(mixed)))
    assert not again.changed
    reported = again.before.rules_dict()[COMPLUS]["remote_address"]
    assert sorted(reported) == sorted(["LocalSubnet", "Intranet", "Internet", "10.0.0.0/8", "fe80::1"])


# A rule string as published from a real rule store (a Cortana blocking rule, v2.26), with a field from a newer
# Windows and an Edge= field added: none of it may be lost or misread.
CORTANA = (
    "v2.26|Action=Block|Active=TRUE|Dir=Out|RA42=IntErnet|RA62=IntErnet|"
    r"App=C:\Windows\SystemApps\Microsoft.Windows.Cortana_cw5n1h2txyewy\ActionUriServer.exe|"
    "Name=Block Cortana ActionUriServer.exe|Desc=Block Cortana Outbound UDP/TCP Traffic|Edge=TRUE|Future2_40=x|"
)


def seed_cortana(state: HostState) -> None:
    state.registry.set_value(firewall.LOCAL_STORE, "CortanaBlock", "REG_SZ", CORTANA)


@pytest.mark.parametrize("profile", ["2008r2", "2016", "2022"])
def test_rule_limited_to_internet_reads_as_internet_and_keeps_its_fields(start_host: HostFactory, profile: str) -> None:
    host = start_host(profile, configure=seed_cortana)
    observed = run(host, check_mode=True, rules=["CortanaBlock"], remote_address=["Internet"])
    assert not observed.changed
    found = observed.before.rules_dict()["CortanaBlock"]
    assert found["remote_address"] == ["Internet"] and found["enabled"] is True and found["action"] == "Block"
    if profile == "2008r2":
        return  # no netsh display name for this rule; reading is what 2008 R2 is checked for
    assert run(host, rules=["CortanaBlock"], state="disabled").changed
    value = str(stored(host)["local:CortanaBlock"])
    assert value.startswith("v2.26|") and "Active=FALSE" in value
    assert "|RA42=IntErnet|RA62=IntErnet|" in value and "|Edge=TRUE|" in value and "|Future2_40=x|" in value


def test_disabling_the_winrm_rule_in_use_is_refused(start_host: HostFactory) -> None:
    host = start_host("2019")
    untouched = stored(host)
    with pytest.raises(SelfDisconnectRefused) as caught:
        run(host, rule_set="winrm_http", state="disabled")
    assert "WINRM-HTTP-In-TCP" in str(caught.value) and "\n" not in str(caught.value)
    assert stored(host) == untouched


def own_by_gpo(rule_id: str) -> t.Callable[[HostState], None]:
    def configure(state: HostState) -> None:
        local = firewall.get_rule(state.registry, rule_id, "local")
        assert local is not None
        local.store = "gpo"
        firewall.save_rule(state.registry, local)

    return configure


@pytest.mark.parametrize("profile", ["2008r2", "2019"])
def test_gpo_owned_rule_is_reported_and_untouched(start_host: HostFactory, profile: str) -> None:
    host = start_host(profile, configure=own_by_gpo("RemoteEventLogSvc-NP-In-TCP"))
    untouched = stored(host)
    with pytest.raises(fr.RefusedError) as caught:
        run(host, rule_set="dcom_remote_management")
    message = str(caught.value)
    assert "RemoteEventLogSvc-NP-In-TCP is owned by Group Policy" in message and "\n" not in message
    assert stored(host) == untouched
    observed = run(host, check_mode=True, rules=["RemoteEventLogSvc-NP-In-TCP"], state="disabled")
    assert not observed.changed and observed.before.rules_dict()["RemoteEventLogSvc-NP-In-TCP"]["gpo_owned"] is True


def drop_complus(state: HostState) -> None:
    state.registry.delete_value(firewall.LOCAL_STORE, "ComPlusNetworkAccess-DCOM-In")


@pytest.mark.parametrize("profile", ["2008r2", "2022"])
def test_missing_complus_rule_is_an_error(start_host: HostFactory, profile: str) -> None:
    host = start_host(profile, configure=drop_complus)
    untouched = stored(host)
    with pytest.raises(fr.RuleMissingError, match="ComPlusNetworkAccess-DCOM-In") as caught:
        run(host, rule_set="dcom_remote_management")
    assert "\n" not in str(caught.value)
    assert stored(host) == untouched  # no rule created, and the other rules of the set not changed either


class FaultDuringApply(fr.FirewallRules):
    """Injects a fault just before the n-th WS-Man request after the first observation (the apply's requests)."""

    def __init__(self, rule_ids: t.Sequence[str], host: SimulatedHost, nth: int, kind: str, **options: t.Any):
        super().__init__(rule_ids)
        self.host, self.nth, self.kind, self.options = host, nth, kind, options
        self.observed = False

    def observe(self, client: t.Any) -> fr.RulesState:
        state = super().observe(client)
        if not self.observed:
            self.observed = True
            self.count_requests(client)
        return state

    def count_requests(self, client: t.Any) -> None:
        original = client.request
        sent = 0

        def request(*args: t.Any, **kwargs: t.Any) -> t.Any:
            nonlocal sent
            sent += 1
            if sent == self.nth:
                self.host.inject_fault(self.kind, **self.options)
            return original(*args, **kwargs)

        client.request = request


FAULT_500 = {"code": 2150858843, "message": "The WS-Management service cannot process it."}


@pytest.mark.parametrize(
    ("profile", "nth", "kind", "options", "enabled_by_then"),
    [
        ("2019", 2, "reset", {}, 1),  # the second Enable is lost
        ("2012r2", 3, "http500", FAULT_500, 2),
        ("2008r2", 2, "reset", {}, 0),  # WinRS Command: netsh never ran
        ("2008r2", 3, "http500", FAULT_500, 4),  # WinRS Receive: netsh ran, its output was lost
    ],
)
def test_fault_mid_apply_fails_clearly_and_rerun_converges(
    start_host: HostFactory, profile: str, nth: int, kind: str, options: dict[str, t.Any], enabled_by_then: int
) -> None:
    host = start_host(profile)
    desired = fr.desired_from_args({"rule_set": "dcom_remote_management"}, connection_port=5985)
    with WSManClient(config_for(host)) as client, pytest.raises(errors.WinRemoteError) as caught:
        engine.execute(FaultDuringApply(desired.rule_ids, host, nth, kind, **options), client, desired, False)
    assert "\n" not in str(caught.value) and str(caught.value)
    if kind == "http500":
        assert "2150858843" in str(caught.value)
    assert sum(rule(host, rule_id).enabled for rule_id in DCOM) == enabled_by_then  # type: ignore[union-attr]
    rerun = run(host, rule_set="dcom_remote_management")
    assert rerun.changed == (enabled_by_then < len(DCOM)) and (rerun.verified or not rerun.changed)
    assert all(rule(host, rule_id).enabled for rule_id in DCOM)  # type: ignore[union-attr]


PLAYBOOK = """
- name: Firewall rules
  hosts: windows
  gather_facts: false
  tasks:
    - name: Enable the DCOM / Remote Event Log rules for MMC
      winremote.remoting.firewall_rules:
        rule_set: dcom_remote_management
    - name: Widen the public WinRM rule
      winremote.remoting.firewall_rules:
        rules: [{public}]
        remote_address: [any]
      when: inventory_hostname != 'sim-2008r2'
    - name: Limit the COM+ rule to the Internet keyword (stored as RA42=IntErnet|RA62=IntErnet)
      winremote.remoting.firewall_rules:
        rules: [ComPlusNetworkAccess-DCOM-In]
        remote_address: [Internet]
      when: inventory_hostname != 'sim-2008r2'
"""

REFUSED = """
- name: Refused changes
  hosts: windows
  gather_facts: false
  tasks:
    - name: Disable WinRM over HTTP while connected over HTTP
      winremote.remoting.firewall_rules:
        rule_set: winrm_http
        state: disabled
"""


def test_playbook_check_diff_twice_and_refusal(start_host: HostFactory, tmp_path: Path) -> None:
    hosts = {"sim-2008r2": start_host("2008r2"), "sim-2019": start_host("2019")}
    inventory = write_inventory(tmp_path / "inventory.yml", {n: h.inventory_vars() for n, h in hosts.items()})
    playbook = tmp_path / "rules.yml"
    playbook.write_text(PLAYBOOK.format(public=PUBLIC), encoding="utf-8")
    untouched = {name: stored(host) for name, host in hosts.items()}

    check = run_playbook(playbook, inventory, "--check", "--diff", "-v", **JSON_RESULTS)
    assert check.returncode == 0, check.stdout + check.stderr
    first_task = task_results(check.stdout)[0]
    assert first_task["sim-2008r2"]["changed"] and first_task["sim-2008r2"]["method"] == "netsh"
    assert first_task["sim-2019"]["changed"] and first_task["sim-2019"]["method"] == "cim"
    assert "firewall_rules.ComPlusNetworkAccess-DCOM-In.enabled" in check.stdout  # the diff
    assert {name: stored(host) for name, host in hosts.items()} == untouched

    first = run_playbook(playbook, inventory, "-v", **JSON_RESULTS)
    assert first.returncode == 0, first.stdout + first.stderr
    results = task_results(first.stdout)
    assert results[0]["sim-2019"]["rules"]["ComPlusNetworkAccess-DCOM-In"]["enabled"] is True
    assert results[0]["sim-2019"]["previous"]["ComPlusNetworkAccess-DCOM-In"]["enabled"] is False
    assert results[1]["sim-2019"]["rules"][PUBLIC]["remote_address"] == ["Any"]
    assert results[2]["sim-2019"]["rules"]["ComPlusNetworkAccess-DCOM-In"]["remote_address"] == ["Internet"]
    for host in hosts.values():
        assert all(rule(host, rule_id).enabled for rule_id in DCOM)  # type: ignore[union-attr]

    second = run_playbook(playbook, inventory)
    assert second.returncode == 0 and second.stdout.count("changed=0") == 2, second.stdout

    refused_book = tmp_path / "refused.yml"
    refused_book.write_text(REFUSED, encoding="utf-8")
    refused = run_playbook(refused_book, inventory, "-v", **JSON_RESULTS)
    outcome = task_results(refused.stdout)[0]["sim-2019"]
    assert outcome["_status"] == "fatal" and "allow_self_disconnect" in outcome["msg"] and "\n" not in outcome["msg"]
    assert rule(hosts["sim-2019"], "WINRM-HTTP-In-TCP").enabled  # type: ignore[union-attr]
