# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""firewall_rules without a network: option normalisation, plan(), and observe() and netsh apply() run in-process
against the simulator's model (the CIM apply tests are in tests/integration/test_firewall_rules_apply.py)."""

from __future__ import annotations

import dataclasses
import typing as t

import pytest

from ansible_collections.winremote.remoting.plugins.plugin_utils.engine import execute as engine
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.execute import SelfDisconnectRefused
from ansible_collections.winremote.remoting.plugins.plugin_utils.errors import InvalidArgumentError
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures import firewall_rules as fr
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import firewall, os_info
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import batch, errors
from ansible_collections.winremote.remoting.tests.unit.simulated import InProcessClient
from winsim import HostState, ops
from winsim import firewall as winsim_firewall

WINRM = "v2.20|Action=Allow|Active=TRUE|Dir=In|Protocol=6|Profile=Domain|Profile=Private|LPort=5985|App=System|"
PUBLIC = (
    "v2.20|Action=Allow|Active=TRUE|Dir=In|Protocol=6|Profile=Public|LPort=5985|RA4=LocalSubnet|RA6=LocalSubnet|"
    "App=System|"
)
EVENTLOG = "v2.20|Action=Allow|Active=FALSE|Dir=In|Protocol=6|LPort=445|App=System|"
SERVER_2019 = os_info.OsInfo("Windows Server 2019", "10.0.17763", 17763, "server", "Server", "2019")
SERVER_2008R2 = os_info.OsInfo("Windows Server 2008 R2", "6.1.7601", 7601, "server", "Server", "2008 R2")


def state_of(
    rules: t.Mapping[str, str | None], gpo: t.Iterable[str] = (), os: os_info.OsInfo = SERVER_2019
) -> fr.RulesState:
    parsed = {
        rule_id: firewall.parse_rule(rule_id, value, gpo_owned=rule_id in gpo) if value else None
        for rule_id, value in rules.items()
    }
    return fr.RulesState(os, parsed)


def desired(port: int = 5985, **args: t.Any) -> fr.RulesDesired:
    return fr.desired_from_args(args, connection_port=port)


DCOM_OFF = {rule_id: EVENTLOG for rule_id in firewall.RULE_SETS["dcom_remote_management"]}


def plan_of(state: fr.RulesState, wanted: fr.RulesDesired) -> list[engine.Change]:
    """The plan as the engine runs it (marked, refused, ordered)."""
    return engine.planned(fr.FirewallRules(wanted.rule_ids), state, wanted)


def apply_plan(procedure: fr.FirewallRules, client: t.Any, state: fr.RulesState, wanted: fr.RulesDesired) -> None:
    """What the engine does with the plan: each operation once, in order."""
    for operation, _change in engine.operations(engine.planned(procedure, state, wanted)):
        operation.apply(client)


# --- which rules -----------------------------------------------------------------------------------------------------


def test_rule_set_then_listed_rules_without_duplicates() -> None:
    ids = fr.resolve_rule_ids(["RemoteEventLogSvc-In-TCP", "remoteeventlogsvc-in-tcp", "X-Rule"], "winrm_http")
    assert ids == ("WINRM-HTTP-In-TCP", "WINRM-HTTP-In-TCP-PUBLIC", "RemoteEventLogSvc-In-TCP", "X-Rule")
    assert fr.resolve_rule_ids(None, "dcom_remote_management") == firewall.RULE_SETS["dcom_remote_management"]


@pytest.mark.parametrize(
    ("rules", "rule_set", "text"),
    [(None, None, "rule_set"), ([], None, "rules"), ([" "], None, "empty"), (['a"b'], None, "not a rule ID")],
)
def test_rule_ids_refused(rules: list[str] | None, rule_set: str | None, text: str) -> None:
    with pytest.raises(InvalidArgumentError, match=text):
        fr.resolve_rule_ids(rules, rule_set)


# --- normalisation ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (["any"], ("Any",)),
        (["*"], ("Any",)),
        (["localsubnet", "LocalSubnet", "DNS"], ("LocalSubnet", "DNS")),
        (["10.0.0.0/255.0.0.0"], ("10.0.0.0/8",)),
        (["10.1.2.3/8", "10.0.0.0/8"], ("10.0.0.0/8",)),
        (["192.168.1.7/32"], ("192.168.1.7",)),
        (["10.0.0.1-10.0.0.5"], ("10.0.0.1-10.0.0.5",)),
        (["10.0.0.9-10.0.0.9"], ("10.0.0.9",)),
        (["fe80::1", "FE80:0::1", "2001:db8::/32"], ("2001:db8::/32", "fe80::1")),
        (["10.0.0.2,10.0.0.1", "DNS"], ("DNS", "10.0.0.1", "10.0.0.2")),
        (["Intranet", "internet"], ("Internet", "Intranet")),
    ],
)
def test_remote_addresses_normalised(given: list[str], expected: tuple[str, ...]) -> None:
    assert firewall.normalize_remote_addresses(given) == expected


def test_ipv4_sorts_before_ipv6_and_keywords_first() -> None:
    got = firewall.normalize_remote_addresses(["2001:db8::1", "10.0.0.1", "wins"])
    assert got == ("WINS", "10.0.0.1", "2001:db8::1")


@pytest.mark.parametrize(
    ("given", "bad"),
    [
        (["Any", "10.0.0.1"], "'Any'"),
        (["10.0.0.300"], "'10.0.0.300'"),
        (["10.0.0.0/33"], "'10.0.0.0/33'"),
        (["10.0.0.5-10.0.0.1"], "'10.0.0.5-10.0.0.1'"),
        (["10.0.0.1-fe80::1"], "'10.0.0.1-fe80::1'"),
        (["Localnet"], "'Localnet'"),
        ([], "at least one"),
    ],
)
def test_bad_remote_address_names_the_parameter_and_the_item(given: list[str], bad: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        firewall.normalize_remote_addresses(given)
    assert str(caught.value).startswith("remote_address: ") and bad in str(caught.value)
    assert "\n" not in str(caught.value)


def test_host_values_are_read_leniently() -> None:
    assert firewall.normalize_remote_addresses(["NewKeyword", "10.0.0.0/255.0.0.0", "ply2renders"], strict=False) == (
        "10.0.0.0/8",
        "NewKeyword",
        "ply2renders",
    )
    assert firewall.normalize_remote_addresses(["PlayToDevice", "10.0.0.0/8"], strict=False) == (
        "PlayToDevice",
        "10.0.0.0/8",
    )


def test_profiles_normalised() -> None:
    assert firewall.normalize_profiles(["public", "Domain"]) == ("Domain", "Public")
    assert firewall.normalize_profiles(["any"]) == firewall.ALL_PROFILES
    with pytest.raises(InvalidArgumentError, match="profiles: 'home'"):
        firewall.normalize_profiles(["home"])


# --- plan -------------------------------------------------------------------------------------------------------------


def test_plan_enables_only_what_is_off() -> None:
    rules = dict(DCOM_OFF, **{"RemoteEventLogSvc-NP-In-TCP": EVENTLOG.replace("Active=FALSE", "Active=TRUE")})
    changes = plan_of(state_of(rules), desired(rule_set="dcom_remote_management"))
    assert [c.target for c in changes] == [
        "firewall_rules.ComPlusNetworkAccess-DCOM-In.enabled",
        "firewall_rules.RemoteEventLogSvc-In-TCP.enabled",
        "firewall_rules.RemoteEventLogSvc-RPCSS-In-TCP.enabled",
    ]
    assert all(
        c.before is False and c.after is True and isinstance(c.operation, firewall.CimSetEnabled) for c in changes
    )


def test_plan_is_empty_when_compliant() -> None:
    rules = {k: v.replace("Active=FALSE", "Active=TRUE") for k, v in DCOM_OFF.items()}
    assert plan_of(state_of(rules), desired(rule_set="dcom_remote_management")) == []


def test_equivalent_addresses_plan_nothing() -> None:
    stored = PUBLIC.replace("RA4=LocalSubnet|RA6=LocalSubnet|", "RA4=LocalSubnet,10.0.0.0/255.0.0.0|RA6=LocalSubnet|")
    state = state_of({"WINRM-HTTP-In-TCP-PUBLIC": stored})
    same = desired(rules=["WINRM-HTTP-In-TCP-PUBLIC"], remote_address=["10.1.0.0/8", "localsubnet", "LocalSubnet"])
    assert plan_of(state, same) == []
    wider = desired(rules=["WINRM-HTTP-In-TCP-PUBLIC"], remote_address=["any"])
    [change] = plan_of(state, wider)
    assert (change.before, change.after, change.disruptive) == (["LocalSubnet", "10.0.0.0/8"], ["Any"], False)


def test_profiles_change_and_diff_values() -> None:
    state = state_of({"WINRM-HTTP-In-TCP": WINRM})
    [change] = plan_of(state, desired(rules=["WINRM-HTTP-In-TCP"], profiles=["any"]))
    assert change.target == "firewall_rules.WINRM-HTTP-In-TCP.profiles"
    assert (change.before, change.after) == (["Domain", "Private"], ["Domain", "Private", "Public"])
    assert not change.disruptive  # adding a profile cannot cut anyone off


def test_gpo_owned_rule_is_refused_and_named() -> None:
    state = state_of(DCOM_OFF, gpo=["RemoteEventLogSvc-In-TCP"])
    with pytest.raises(fr.RefusedError) as caught:
        plan_of(state, desired(rule_set="dcom_remote_management"))
    assert "RemoteEventLogSvc-In-TCP is owned by Group Policy" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_gpo_owned_rule_already_right_is_fine() -> None:
    state = state_of({"WINRM-HTTP-In-TCP": WINRM}, gpo=["WINRM-HTTP-In-TCP"])
    assert plan_of(state, desired(rules=["WINRM-HTTP-In-TCP"])) == []


def test_missing_rule_is_an_error_never_a_new_rule() -> None:
    rules: dict[str, str | None] = dict(DCOM_OFF, **{"ComPlusNetworkAccess-DCOM-In": None})
    with pytest.raises(fr.RuleMissingError, match="not found on this host: ComPlusNetworkAccess-DCOM-In;"):
        plan_of(state_of(rules), desired(rule_set="dcom_remote_management"))


def test_disabling_the_rule_of_the_port_in_use_is_refused() -> None:
    state = state_of({"WINRM-HTTP-In-TCP": WINRM, "WINRM-HTTP-In-TCP-PUBLIC": PUBLIC})
    with pytest.raises(SelfDisconnectRefused, match="allow_self_disconnect"):
        plan_of(state, desired(rule_set="winrm_http", state="disabled"))
    over_https = engine.planned(
        fr.FirewallRules([]), state, desired(rule_set="winrm_http", state="disabled", port=5986)
    )
    assert len(over_https) == 2 and not any(c.disruptive for c in over_https)


def test_allowed_self_disconnect_goes_last() -> None:
    state = state_of({"WINRM-HTTP-In-TCP": WINRM, **DCOM_OFF})
    wanted = fr.RulesDesired(
        ("WINRM-HTTP-In-TCP", "RemoteEventLogSvc-In-TCP"),
        enabled=False,
        profiles=("Domain",),
        allow_self_disconnect=True,
        connection_port=5985,
    )
    changes = plan_of(state, wanted)
    assert [c.kind for c in changes] == ["set_profiles", "set_enabled", "set_profiles"]
    assert [c.disruptive for c in changes] == [False, True, True]
    assert changes[0].operation.rule.rule_id == "RemoteEventLogSvc-In-TCP"


def test_netsh_path_limits() -> None:
    rules = {"Other-Rule": EVENTLOG, **DCOM_OFF}
    old = state_of(rules, os=SERVER_2008R2)
    assert old.method == "netsh" and state_of(rules).method == "cim"
    with pytest.raises(fr.RefusedError, match="Other-Rule cannot be changed on Windows Server 2008"):
        plan_of(old, desired(rules=["Other-Rule"]))
    with pytest.raises(fr.RefusedError, match="remote_address: Internet"):
        engine.planned(
            fr.FirewallRules([]), old, desired(rule_set="dcom_remote_management", remote_address=["Internet"])
        )
    assert len(plan_of(old, desired(rule_set="dcom_remote_management"))) == 4


# --- observation and apply, against the simulator's rule stores and its cmd.exe / netsh ---------------------------


def host(profile: str) -> HostState:
    return HostState.from_profile(profile, hostname=f"SIM{profile.upper()}")


def copy_to_gpo_store(state: HostState, rule_id: str, enabled: bool) -> None:
    """What a Group Policy object carrying this rule leaves on the host: a copy in the Group Policy store."""
    local = winsim_firewall.get_rule(state.registry, rule_id, "local")
    assert local is not None
    copy = dataclasses.replace(local, store="gpo", enabled=enabled)
    ops.write_value(state, winsim_firewall.GPO_STORE, rule_id, "REG_SZ", copy.render())


def observed(state: HostState) -> fr.RulesState:
    """What the procedure observes of `state` (the plan's input, read through the simulator's cmd.exe)."""
    wanted = fr.FirewallRules(tuple(r.rule_id for r in winsim_firewall.list_rules(state.registry)))
    return wanted.observe(InProcessClient(state))


def test_observe_reads_os_and_both_stores_in_one_command() -> None:
    state = host("2008r2")
    ops.enable_firewall_rule(state, "WINRM-HTTP-In-TCP", store="local")
    copy_to_gpo_store(state, "WINRM-HTTP-In-TCP", enabled=False)
    ops.delete_value(state, winsim_firewall.LOCAL_STORE, "RemoteEventLogSvc-In-TCP")
    procedure = fr.FirewallRules(["WINRM-HTTP-In-TCP", "RemoteEventLogSvc-In-TCP"])
    client = InProcessClient(state)
    observed_state = procedure.observe(client)
    assert len(client.commands) == 1
    assert observed_state.method == "netsh"
    rule = observed_state.rules["WINRM-HTTP-In-TCP"]
    assert rule is not None and rule.gpo_owned and not rule.enabled
    assert observed_state.rules["RemoteEventLogSvc-In-TCP"] is None


def test_observe_without_os_output_fails_clearly() -> None:
    state = host("2019")
    state.registry.deny_read(os_info.CURRENT_VERSION_KEY)  # reg query answers Access is denied, and prints nothing
    with pytest.raises(errors.ProtocolError, match="Windows version"):
        fr.FirewallRules(["X"]).observe(InProcessClient(state))


def test_profile_mask() -> None:
    assert firewall.profile_mask(["Domain", "Private"]) == 3
    assert firewall.profile_mask(["Public"]) == 4
    assert firewall.profile_mask(firewall.ALL_PROFILES) == 0


def programs(state: HostState) -> list[str]:
    return [name for name, _argv in state.runtime.programs]


def test_netsh_commands_use_english_names_and_one_winrs_command() -> None:
    state = host("2008r2")
    before = observed(state)
    state.runtime.programs.clear()
    wanted = desired(rules=["WINRM-HTTP-In-TCP-PUBLIC", "ComPlusNetworkAccess-DCOM-In"], remote_address=["any"])
    client = InProcessClient(state)
    apply_plan(fr.FirewallRules(wanted.rule_ids), client, before, wanted)
    [line] = client.commands
    assert (
        'netsh advfirewall firewall set rule name="Windows Remote Management (HTTP-In)" dir=in profile="public" '
        'new enable=yes remoteip="any"' in line
    )
    assert 'name="COM+ Network Access (DCOM-In)" dir=in new enable=yes ||' in line  # its addresses were Any
    assert programs(state).count("netsh") == 2 and set(programs(state)) == {"cmd", "echo", "netsh"}
    public = winsim_firewall.get_rule(state.registry, "WINRM-HTTP-In-TCP-PUBLIC")
    complus = winsim_firewall.get_rule(state.registry, "ComPlusNetworkAccess-DCOM-In")
    assert public is not None and (public.enabled, public.remote_addresses, public.profiles) == (True, [], ["Public"])
    assert complus is not None and complus.enabled
    assert plan_of(observed(state), wanted) == []  # what netsh wrote is what was asked for


def test_netsh_no_match_fails_with_one_line() -> None:
    """netsh finds rules by display name: on a host whose rule carries a translated name, it matches nothing."""
    state = host("2008r2")
    rule = winsim_firewall.get_rule(state.registry, "RemoteEventLogSvc-In-TCP", "local")
    assert rule is not None
    rule.name = "Gerenciamento Remoto de Log de Eventos (RPC)"
    ops.write_value(state, winsim_firewall.LOCAL_STORE, rule.rule_id, "REG_SZ", rule.render())
    wanted = desired(rule_set="dcom_remote_management")
    procedure = fr.FirewallRules(wanted.rule_ids)
    with pytest.raises(fr.NetshError) as caught:
        apply_plan(procedure, InProcessClient(state), observed(state), wanted)
    message = str(caught.value)
    assert "RemoteEventLogSvc-In-TCP" in message and "Remote Event Log Management (RPC)" in message
    assert "No rules match" in message and "non-English" in message and "\n" not in message


# --- hostile and over-long input, refused before any connection -------------------------------------------------------


@pytest.mark.parametrize(
    ("rules", "text"),
    [
        (["WINRM-HTTP-In-TCP\r\n"], "line break"),
        (["WINRM-HTTP-In-TCP\nX"], "line break"),
        (["a\rb"], "line break"),
        (["a!b"], "'!'"),
        (["a\x07b"], "control character"),
        (["a|b"], r"holds \| or %"),
        (["50%"], r"holds \| or %"),
        (["R" * 256], "256 characters is too long \\(at most 255\\)"),
        (["R" * 100_000], "100000 characters is too long \\(at most 255\\)"),
        ([f"R{i}" for i in range(1001)], "1001 rule IDs given, at most 1000"),
    ],
)
def test_hostile_and_long_rule_ids_name_rules(rules: list[str], text: str) -> None:
    with pytest.raises(InvalidArgumentError, match=r"^rules: .*" + text) as caught:
        desired(rules=rules)
    assert len(str(caught.value)) < 300


def test_a_rule_id_of_255_characters_is_accepted() -> None:
    assert desired(rules=["R" * 255]).rule_ids == ("R" * 255,)


def test_hostile_remote_address_refused_before_connecting() -> None:
    with pytest.raises(InvalidArgumentError, match=r"^remote_address: .*scope ID"):
        desired(rules=["WINRM-HTTP-In-TCP"], remote_address=["fe80::1%x&echo pwned>C:\\Windows\\Temp\\pwned.txt"])


def test_400_rule_ids_are_probed_in_several_commands() -> None:
    """400 rule IDs (800 probes, about 100 000 characters) run in as many WinRS commands as needed."""
    ids = [f"Custom-Rule-{i:04d}-" + "x" * 40 for i in range(400)]
    probes = fr.FirewallRules(desired(rules=ids).rule_ids).probes()
    lines = batch.command_lines(probes)
    assert len(lines) > 1 and all(len(line) <= batch.LINE_BUDGET for line in lines)
    assert len(probes) == 803  # the OS, both stores' presence proofs, 400 rules in each store
    assert sum(line.count("echo ==winremote:") for line in lines) >= len(probes)
    state = host("2008r2")
    ops.write_value(state, winsim_firewall.GPO_STORE, ids[399], "REG_SZ", WINRM)  # found in the last command's output
    client = InProcessClient(state)
    observed_state = fr.FirewallRules(tuple(ids)).observe(client)
    assert len(client.commands) == len(lines) and set(observed_state.rules) == set(ids)
    assert observed_state.rules[ids[399]] is not None and observed_state.rules[ids[0]] is None


def test_normal_inputs_stay_one_command() -> None:
    client = InProcessClient(host("2008r2"))
    fr.FirewallRules(desired(rule_set="dcom_remote_management").rule_ids).observe(client)
    assert len(client.commands) == 1


def test_unknown_profile_on_a_shared_name_is_refused_for_netsh() -> None:
    odd = PUBLIC.replace("Profile=Public", "Profile=Work")
    state = state_of({"WINRM-HTTP-In-TCP-PUBLIC": odd.replace("Active=TRUE", "Active=FALSE")}, os=SERVER_2008R2)
    with pytest.raises(fr.RefusedError, match=r"profiles this module does not know \(Work\)"):
        engine.planned(
            fr.FirewallRules(("WINRM-HTTP-In-TCP-PUBLIC",)), state, desired(rules=["WINRM-HTTP-In-TCP-PUBLIC"])
        )


def test_too_many_netsh_addresses_are_refused_naming_remote_address() -> None:
    state = state_of(DCOM_OFF, os=SERVER_2008R2)
    many = [f"10.{i // 256}.{i % 256}.1" for i in range(500)]
    wanted = desired(rules=["ComPlusNetworkAccess-DCOM-In"], remote_address=many)
    with pytest.raises(fr.RefusedError, match=r"^remote_address: .* \(at most 4000\)"):
        engine.planned(fr.FirewallRules(wanted.rule_ids), state, wanted)


def test_a_long_list_of_missing_rules_gives_a_short_message() -> None:
    ids = [f"Missing-{i:03d}-" + "y" * 240 for i in range(300)]
    wanted = desired(rules=ids)
    with pytest.raises(fr.RuleMissingError, match=r"and 290 more; a missing built-in rule") as caught:
        engine.planned(fr.FirewallRules(wanted.rule_ids), state_of({}), wanted)
    assert len(str(caught.value)) < 1500


# --- keywords stored in RA42 / RA62 ([MS-GPFAS] 2.2.2.19) -------------------------------------------------------------

COMPLUS_INTERNET = "v2.28|Action=Allow|Active=TRUE|Dir=In|Protocol=6|LPort=135|RA42=IntErnet|RA62=IntErnet|App=x|"


def test_rule_limited_to_internet_needs_no_change_for_internet() -> None:
    state = state_of({"ComPlusNetworkAccess-DCOM-In": COMPLUS_INTERNET})
    assert state.rules_dict()["ComPlusNetworkAccess-DCOM-In"]["remote_address"] == ["Internet"]
    plan = engine.planned(
        fr.FirewallRules([]), state, desired(rules=["ComPlusNetworkAccess-DCOM-In"], remote_address=["internet"])
    )
    assert plan == []
    wider = engine.planned(
        fr.FirewallRules([]), state, desired(rules=["ComPlusNetworkAccess-DCOM-In"], remote_address=["any"])
    )
    assert [(c.before, c.after) for c in wider] == [(["Internet"], ["Any"])]


@pytest.mark.parametrize("keyword", ["Internet", "IntranetRemoteAccess", "PlayToDevice", "CaptivePortal", "DNS4"])
def test_newer_keywords_refused_on_2008r2(keyword: str) -> None:
    state = state_of({"ComPlusNetworkAccess-DCOM-In": EVENTLOG}, os=SERVER_2008R2)
    with pytest.raises(fr.RefusedError, match=f"^remote_address: {keyword} is not available"):
        engine.planned(
            fr.FirewallRules([]), state, desired(rules=["ComPlusNetworkAccess-DCOM-In"], remote_address=[keyword])
        )
