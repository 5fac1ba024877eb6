# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""psremoting's plan from typed states: per OS profile, edition and network category, hostile
public_remote_address values, the session configuration edits and the self-disconnect refusals (applied to
simulated hosts in tests/integration/test_psremoting.py)."""

from __future__ import annotations

import dataclasses
import typing as t
import xml.etree.ElementTree as ET

import pytest

from ansible_collections.winremote.remoting.plugins.plugin_utils.connection import ConnectionConfig
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine import execute as engine
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.change import Outcome
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.execute import SelfDisconnectRefused
from ansible_collections.winremote.remoting.plugins.plugin_utils.errors import InvalidArgumentError
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures import psremoting
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures.psremoting import (
    PsRemotingDesired,
    PsRemotingState,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures.remoting_info import (
    PolicyValues,
    RemotingState,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import (
    firewall,
    network_profile,
    os_info,
    services,
    software,
    winrm_config,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.errors import WinRemoteError

WIN8_SDDL = "O:NSG:BAD:P(A;;GA;;;BA)(A;;GA;;;IU)(A;;GA;;;RM)S:P(AU;FA;GA;;;WD)(AU;SA;GXGW;;;WD)"
WIN7_SDDL = "O:NSG:BAD:P(A;;GA;;;BA)(A;;GA;;;IU)S:P(AU;FA;GA;;;WD)(AU;SA;GXGW;;;WD)"
DENIED = "O:NSG:BAD:P(D;;GA;;;NU)(A;;GA;;;BA)(A;;GA;;;IU)(A;;GA;;;RM)S:P(AU;FA;GA;;;WD)(AU;SA;GXGW;;;WD)"
PS = "http://schemas.microsoft.com/powershell/"
RULE = "v2.20|Action=Allow|Active={active}|Dir=In|Protocol=6|Profile={profile}|LPort=5985|{ra}App=System|Name=x|"

# (version, build, release, PowerShell, .NET Release, configurations)
PROFILES: dict[str, tuple[str, int, str, str | None, int | None, tuple[str, ...]]] = {
    "2008r2": ("6.1.7601", 7601, "2008 R2", "2.0", None, ("Microsoft.PowerShell", "Microsoft.PowerShell32")),
    "2012r2": (
        "6.3.9600",
        9600,
        "2012 R2",
        "4.0",
        378675,
        ("Microsoft.PowerShell", "Microsoft.PowerShell32", "Microsoft.PowerShell.Workflow"),
    ),
    "2019": ("10.0.17763", 17763, "2019", "5.1.17763.1", 461814, ("Microsoft.PowerShell", "Microsoft.PowerShell32")),
}


def rule(rule_id: str, enabled: bool = True, remote: str | None = None, gpo: bool = False) -> firewall.FirewallRule:
    public = rule_id.endswith("PUBLIC")
    if remote is None:
        remote = "LocalSubnet" if public else ""
    ra = f"RA4={remote}|RA6={remote}|" if remote else ""
    text = RULE.format(
        active="TRUE" if enabled else "FALSE", profile="Public" if public else "Domain|Profile=Private", ra=ra
    )
    return firewall.parse_rule(rule_id, text, gpo_owned=gpo)


def plugin(name: str, sddl: str | None = WIN8_SDDL, enabled: bool = True) -> winrm_config.PluginConfig:
    security = f'<Security Uri="{PS}{name}" ExactMatch="true" Sddl="{sddl}"/>' if sddl is not None else ""
    xml = (
        '<PlugInConfiguration xmlns="http://schemas.microsoft.com/wbem/wsman/1/config/PluginConfiguration" '
        f'Name="{name}" Filename="%windir%\\system32\\pwrshplugin.dll" Enabled="{str(enabled).lower()}" '
        f'Architecture="64"><Resources><Resource ResourceUri="{PS}{name}" ExactMatch="true">{security}'
        '<Capability Type="Shell"/></Resource></Resources></PlugInConfiguration>'
    )
    found = winrm_config.parse_plugin(ET.fromstring(xml))
    assert found is not None
    return found


def host(profile: str = "2019", product: str = "server", **changes: t.Any) -> PsRemotingState:
    version, build, release, ps, dotnet, names = PROFILES[profile]
    sddl = WIN8_SDDL if ps != "2.0" else WIN7_SDDL
    remoting = RemotingState(
        os=os_info.OsInfo(f"Windows {release}", version, build, product, "Server", release),
        winrm_service=services.ServiceStatus("WinRM", True, "auto", True, "running"),
        listeners=(winrm_config.Listener("*", "HTTP", 5985, "", True, "wsman", "", "local", ()),),
        service_config=winrm_config.ServiceConfig(False, {"kerberos": True, "negotiate": True}, "*", "*", (), {}),
        winrm_policy=PolicyValues(False, None, None, None),
        local_account_token_filter_policy=1,
        firewall_rules={rule_id: rule(rule_id) for rule_id in firewall.RULE_SETS["winrm_http"]},
        software=software.Software(ps, dotnet, software.dotnet_version(dotnet), ()),
        unread=(),
    )
    remoting = dataclasses.replace(remoting, **{k: v for k, v in changes.items() if hasattr(remoting, k)})
    rest = {k: v for k, v in changes.items() if not hasattr(remoting, k)}
    plugins = rest.pop("plugins", tuple(plugin(n, sddl) for n in names))
    return PsRemotingState(remoting, plugins, **rest)


ENABLE = PsRemotingDesired()
DISABLE = PsRemotingDesired(state="disabled")


def targets(state: PsRemotingState, request: PsRemotingDesired = ENABLE) -> list[str]:
    return [c.target for c in engine.planned(psremoting.PsRemoting(), state, request)]


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_an_enabled_host_plans_nothing(profile: str) -> None:
    state = host(profile)
    assert targets(state) == []
    assert psremoting.enabled_now(state)


def test_a_fresh_2008r2_gets_the_token_filter_policy_and_its_rules() -> None:
    state = host(
        "2008r2",
        local_account_token_filter_policy=None,
        firewall_rules={r: rule(r, enabled=False) for r in firewall.RULE_SETS["winrm_http"]},
    )
    changes = engine.planned(psremoting.PsRemoting(), state, ENABLE)
    assert [c.target for c in changes] == [
        "local_account_token_filter_policy",
        "firewall_rules.WINRM-HTTP-In-TCP.enabled",
        "firewall_rules.WINRM-HTTP-In-TCP-PUBLIC.enabled",
    ]
    # 2008 R2 has no NetSecurity CIM classes: netsh, one operation per rule
    assert {c.operation.kind for c in changes[1:]} == {"netsh_set_rules"}


def test_the_service_and_listener_come_from_set_wsmanquickconfig_and_the_listener_is_last() -> None:
    state = host(
        "2012r2",
        winrm_service=services.ServiceStatus("WinRM", True, "manual", False, "stopped"),
        listeners=(),
    )
    found = targets(state, dataclasses.replace(ENABLE, scheme="https", port=5986))
    assert found == ["winrm_service.start_mode", "winrm_service.state", "listeners.HTTP/*"]


def test_moving_the_listener_this_connection_uses_is_refused() -> None:
    moved = (winrm_config.Listener("*", "HTTP", 8080, "", True, "wsman", "", "local", ()),)
    with pytest.raises(SelfDisconnectRefused, match="allow_self_disconnect"):
        targets(host(listeners=moved), dataclasses.replace(ENABLE, port=8080))
    assert targets(host(listeners=moved), dataclasses.replace(ENABLE, port=8080, allow_self_disconnect=True)) == [
        "listeners.HTTP/*"
    ]


def test_the_public_rule_is_limited_to_the_local_subnet_on_servers() -> None:
    opened = {r: rule(r, remote="Any" if r.endswith("PUBLIC") else None) for r in firewall.RULE_SETS["winrm_http"]}
    state = host(firewall_rules=opened)
    over_https = dataclasses.replace(ENABLE, scheme="https", port=5986)
    changes = engine.planned(psremoting.PsRemoting(), state, over_https)
    assert [(c.target, c.after) for c in changes] == [
        ("firewall_rules.WINRM-HTTP-In-TCP-PUBLIC.remote_address", ["LocalSubnet"])
    ]
    # over the HTTP port the rule admits, narrowing it could cut this connection (a Public network)
    with pytest.raises(SelfDisconnectRefused):
        targets(state, ENABLE)
    # asked for: Any stays, with a warning
    anyone = PsRemotingDesired.from_args({"public_remote_address": ["Any"]})
    assert targets(state, anyone) == []
    assert any("public_remote_address=Any" in w for w in psremoting.notes(state, anyone))


@pytest.mark.parametrize(
    ("categories", "skip", "expected"),
    [
        (("Domain", "Private"), False, ["firewall_rules.WINRM-HTTP-In-TCP.enabled"]),
        (
            ("Private", "Public"),
            True,
            ["firewall_rules.WINRM-HTTP-In-TCP.enabled", "firewall_rules.WINRM-HTTP-In-TCP-PUBLIC.enabled"],
        ),
    ],
)
def test_client_editions_follow_the_network_profile_check(
    categories: tuple[str, ...], skip: bool, expected: list[str]
) -> None:
    state = host(
        product="workstation",
        firewall_rules={r: rule(r, enabled=False) for r in firewall.RULE_SETS["winrm_http"]},
        network=network_profile.NetworkProfiles(categories),
    )
    request = dataclasses.replace(ENABLE, skip_network_profile_check=skip, scheme="https", port=5986)
    assert targets(state, request) == expected


@pytest.mark.parametrize(
    "network",
    [
        network_profile.NetworkProfiles(("Domain", "Public")),
        network_profile.NetworkProfiles(None, "this Windows has no MSFT_NetConnectionProfile"),
        None,
    ],
)
def test_a_client_on_a_public_or_unknown_network_fails_without_the_skip(
    network: network_profile.NetworkProfiles | None,
) -> None:
    state = host(product="workstation", network=network)
    with pytest.raises(psremoting.PublicNetworkError, match=r"skip_network_profile_check=true.*nothing was changed"):
        psremoting.plan(state, ENABLE)
    assert psremoting.plan(state, dataclasses.replace(ENABLE, skip_network_profile_check=True)) == []


def test_servers_never_ask_for_the_network_profile() -> None:
    assert psremoting.plan(host(product="domain_controller", network=None), ENABLE) == []


def test_disable_denies_network_on_every_configuration_and_refuses_microsoft_powershell() -> None:
    state = host("2012r2")
    with pytest.raises(SelfDisconnectRefused, match=r"Microsoft\.PowerShell"):
        targets(state, DISABLE)
    allowed = dataclasses.replace(DISABLE, allow_self_disconnect=True)
    changes = engine.planned(psremoting.PsRemoting(), state, allowed)
    assert [c.target for c in changes] == [
        "session_configurations.Microsoft.PowerShell32.sddl",
        "session_configurations.Microsoft.PowerShell.Workflow.sddl",
        "session_configurations.Microsoft.PowerShell.sddl",  # the one that cuts psrp: last
    ]
    assert [c.disruptive for c in changes] == [False, False, True]
    assert all(c.after == DENIED for c in changes)
    # disabled leaves the service, listener, rules and LocalAccountTokenFilterPolicy alone
    assert not any(c.target.startswith(("winrm_service", "listeners", "firewall", "local_account")) for c in changes)


def test_enable_removes_only_the_network_deny() -> None:
    custom = DENIED.replace("(A;;GA;;;RM)", "(A;;GA;;;RM)(A;;GX;;;S-1-5-21-1-2-3-1001)")
    state = host(plugins=(plugin("Microsoft.PowerShell", custom), plugin("Microsoft.PowerShell32", DENIED, False)))
    changes = psremoting.plan(state, ENABLE)
    assert [(c.target, c.after) for c in changes] == [
        ("session_configurations.Microsoft.PowerShell.sddl", custom.replace("(D;;GA;;;NU)", "")),
        ("session_configurations.Microsoft.PowerShell32.sddl", WIN8_SDDL),
        ("session_configurations.Microsoft.PowerShell32.enabled", True),
    ]
    # one Put per configuration, Enabled and Sddl together
    assert changes[1].operation is changes[2].operation
    assert psremoting.plan(host(plugins=(plugin("Microsoft.PowerShell", WIN8_SDDL),)), ENABLE) == []


def test_the_sddl_edits_are_idempotent_and_keep_other_aces() -> None:
    assert psremoting.deny_network(DENIED) == DENIED
    assert psremoting.deny_network(WIN8_SDDL) == DENIED
    assert psremoting.allow_network(psremoting.deny_network(WIN7_SDDL)) == WIN7_SDDL
    assert (
        psremoting.allow_network("O:NSG:BAD:P(D;;GA;;;S-1-5-2)(D;;GX;;;WD)(A;;GA;;;BA)")
        == "O:NSG:BAD:P(D;;GX;;;WD)(A;;GA;;;BA)"
    )


def test_a_missing_microsoft_powershell_or_unread_plugins_fail_before_any_change() -> None:
    with pytest.raises(WinRemoteError, match=r"no session configuration Microsoft\.PowerShell"):
        psremoting.plan(host(plugins=(plugin("Microsoft.PowerShell32"),)), ENABLE)
    with pytest.raises(WinRemoteError, match="could not be read"):
        psremoting.plan(host(plugins=None, plugins_unread="winrm/config/plugin could not be read: denied"), ENABLE)
    with pytest.raises(WinRemoteError, match="cannot plan PowerShell remoting"):
        psremoting.plan(host(unread=("svc.qc",)), ENABLE)


def test_gpo_and_missing_rules_are_never_fought() -> None:
    owned = {r: rule(r, enabled=False, gpo=True) for r in firewall.RULE_SETS["winrm_http"]}
    with pytest.raises(WinRemoteError, match="Group Policy"):
        psremoting.plan(host(firewall_rules=owned), ENABLE)
    with pytest.raises(WinRemoteError, match="not found"):
        psremoting.plan(host(firewall_rules={"WINRM-HTTP-In-TCP": rule("WINRM-HTTP-In-TCP")}), ENABLE)


def test_local_account_token_filter_policy_false_leaves_it_alone() -> None:
    state = host(local_account_token_filter_policy=0)
    assert [c.target for c in psremoting.plan(state, ENABLE)] == ["local_account_token_filter_policy"]
    assert psremoting.plan(state, PsRemotingDesired.from_args({"local_account_token_filter_policy": False})) == []
    assert psremoting.plan(state, dataclasses.replace(DISABLE, allow_self_disconnect=True))[0].target.startswith(
        "session_configurations."
    )


@pytest.mark.parametrize(
    "hostile",
    [
        "10.0.0.1 & calc.exe",
        '"; netsh advfirewall reset',
        "LocalSubnet|RA4=Any",
        "fe80::1%eth0",
        "10.0.0.0/33",
        "%COMSPEC%",
        "a" * 5000,
        "",
    ],
)
def test_hostile_public_remote_address_is_refused_before_connecting(hostile: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        PsRemotingDesired.from_args({"public_remote_address": [hostile]})
    assert caught.value.option == "public_remote_address"
    assert len(str(caught.value)) < 600


def test_options_are_normalised() -> None:
    config = ConnectionConfig(host="192.0.2.7", port=5986, scheme="https", username="CONTOSO\\ops", password="x")
    desired = PsRemotingDesired.from_args(
        {"public_remote_address": ["localsubnet", "10.1.0.0/16"], "skip_network_profile_check": True}, config
    )
    assert desired.public_remote_address == ("LocalSubnet", "10.1.0.0/16")
    assert (desired.endpoint.scheme, desired.endpoint.port, desired.connection_user) == ("https", 5986, "CONTOSO\\ops")
    assert desired.skip_network_profile_check and desired.local_account_token_filter_policy
    assert PsRemotingDesired.from_args({}).public_remote_address == ("LocalSubnet",)
    with pytest.raises(InvalidArgumentError, match=r"^state"):
        PsRemotingDesired.from_args({"state": "query"})
    with pytest.raises(InvalidArgumentError, match="only item"):
        PsRemotingDesired.from_args({"public_remote_address": ["Any", "10.0.0.1"]})


@pytest.mark.parametrize(
    ("profile", "version", "disconnected", "missing"),
    [
        ("2008r2", "2.0", False, 3),
        ("2012r2", "3.0", True, 0),
        ("2019", "3.0", True, 0),
    ],
)
def test_features_per_profile(profile: str, version: str, disconnected: bool, missing: int) -> None:
    found = psremoting.features(host(profile).remoting)
    assert (found["remoting_version"], found["disconnected_sessions"]) == (version, disconnected)
    assert len(found["powershell3_remoting_missing"]) == missing


def test_wmf3_without_dotnet4_is_still_powershell_2_remoting() -> None:
    state = host("2008r2", software=software.Software("3.0", None, None, ()))
    found = psremoting.features(state.remoting)
    assert found["remoting_version"] == "2.0"
    assert found["powershell3_remoting_missing"] == ["the .NET Framework 4 or later (not installed)"]


def test_check_mode_facts_predict_the_plan() -> None:
    state = host("2012r2", local_account_token_filter_policy=None)
    request = dataclasses.replace(DISABLE, allow_self_disconnect=True)
    changes = tuple(engine.planned(psremoting.PsRemoting(), state, request))
    facts, _warnings = psremoting.PsRemoting().facts(Outcome(changes, state, None), request)
    assert facts["psremoting_enabled"] is False
    assert [c["remote_access"] for c in facts["session_configurations"]] == [False, False, False]
    assert facts["local_account_token_filter_policy"] is False  # disabled leaves it as it is
    assert facts["edition"] == "server" and facts["network_categories"] is None


def test_network_profile_parser() -> None:
    def item(value: str) -> ET.Element:
        root = ET.Element("MSFT_NetConnectionProfile")
        ET.SubElement(root, "NetworkCategory").text = value
        return root

    assert network_profile.parse([item("2"), item("0")]) == network_profile.NetworkProfiles(("Domain", "Public"))
    assert network_profile.parse([]).public is False
    odd = network_profile.parse([item("7")])
    assert odd.categories is None and odd.public is None and "7" in (odd.unknown or "")
