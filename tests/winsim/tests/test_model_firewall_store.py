# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Rule strings as Windows stores them: keyword fields ([MS-GPFAS] 2.2.2.13 / 2.2.2.19) and fields kept on rewrite."""

from __future__ import annotations

from typing import Any

import pytest

from winsim import firewall
from winsim.state import HostState
from winsim.wsman import cim_firewall
from winsim.wsman.soap import WsmanFault

# Rule strings copied from real rule stores into public scripts (Cortana blocking rules, v2.26 .. v2.32; a built-in
# Windows rule, v2.33; Delivery Optimization's rule, v2.30, with Edge=TRUE).
CORTANA = (
    "v2.26|Action=Block|Active=TRUE|Dir=Out|RA42=IntErnet|RA62=IntErnet|"
    r"App=C:\Windows\SystemApps\Microsoft.Windows.Cortana_cw5n1h2txyewy\ActionUriServer.exe|"
    "Name=Block Cortana ActionUriServer.exe|Desc=Block Cortana Outbound UDP/TCP Traffic|"
)
SEARCH = (
    r"v2.32|Action=Block|Active=TRUE|Dir=Out|RA42=IntErnet|RA62=IntErnet|App=%SystemRoot%\System32\nepthost.exe|"
    "Name=Block Services|Desc=Block Certain Services Outbound UDP/TCP Traffic|"
)
DELIVERY = (
    "v2.30|Action=Allow|Active=TRUE|Dir=In|Protocol=6|Profile=Domain|Profile=Private|LPort=7680|RA4=LocalSubnet|"
    r"RA6=LocalSubnet|App=%SystemRoot%\system32\svchost.exe|Svc=dosvc|Name=@%systemroot%\system32\dosvc.dll,-102|"
    r"Desc=@%systemroot%\system32\dosvc.dll,-104|EmbedCtxt=@%systemroot%\system32\dosvc.dll,-100|Edge=TRUE|"
)
UPNP = (
    "v2.33|Action=Allow|Active=FALSE|Dir=Out|Protocol=6|Profile=Public|RPort=2869|RA4=LocalSubnet|RA6=LocalSubnet|"
    r"App=%SystemRoot%\system32\svchost.exe|Svc=fdphost|Name=@FirewallAPI.dll,-32765|Desc=@FirewallAPI.dll,-32768|"
    "EmbedCtxt=@FirewallAPI.dll,-32752|"
)


def fields(value: str) -> list[str]:
    return sorted(value.split("|"))


@pytest.mark.parametrize(("value", "addresses"), [(CORTANA, ["Internet"]), (SEARCH, ["Internet"]),
                                                  (DELIVERY, ["LocalSubnet"]), (UPNP, ["LocalSubnet"])])  # fmt: skip
def test_published_rule_strings_parse_and_render_back_whole(value: str, addresses: list[str]) -> None:
    rule = firewall.parse_rule("R", value, "local")
    assert rule.remote_addresses == addresses
    assert fields(rule.render()) == fields(value)  # no field lost, none added (no Protocol= means any protocol)
    if "RPort" not in value:
        assert rule.render() == value  # the same order too


def test_keywords_are_read_in_any_case_and_per_family() -> None:
    head = "v2.31|Action=Allow|Active=TRUE|Dir=In|"
    rule = firewall.parse_rule("R", head + "RA42=INTERNET|RA62=internet|RA4=localsubnet|RA6=fe80::1|Name=N|", "local")
    assert rule.remote_addresses == ["Internet", "LocalSubnet4", "fe80::1"]
    assert rule.render() == head + "RA4=LocalSubnet|RA6=fe80::1|RA42=IntErnet|RA62=IntErnet|Name=N|"


def test_unknown_address_tokens_are_kept_until_the_addresses_are_replaced() -> None:
    rule = firewall.parse_rule("R", "v2.40|Active=TRUE|RA42=NewKeyword|RA4=10.0.0.1|Future=1|", "local")
    assert rule.remote_addresses == ["10.0.0.1"] and ("RA42", "NewKeyword") in rule.extra_fields
    assert "RA42=NewKeyword" in rule.render() and "Future=1" in rule.render()
    rule.replace_remote_addresses(["Intranet"])
    assert "NewKeyword" not in rule.render() and "Future=1|" in rule.render()
    assert "RA42=IntrAnet|RA62=IntrAnet|" in rule.render()


def _put_address(state: HostState, rule_id: str, addresses: list[str]) -> None:
    cim_firewall.put_address(state, {"InstanceID": rule_id}, {"RemoteAddress": addresses})


def _stored(state: HostState, rule_id: str) -> str:
    return str(state.registry.get_value(firewall.LOCAL_STORE, rule_id).data)  # type: ignore[union-attr]


def test_cim_stores_keywords_as_windows_does_and_keeps_other_fields() -> None:
    state = HostState.from_profile("2019")
    rule = firewall.get_rule(state.registry, "WINRM-HTTP-In-TCP")
    assert rule is not None
    rule.extra_fields.append(("Edge", "TRUE"))
    firewall.save_rule(state.registry, rule)

    _put_address(state, "WINRM-HTTP-In-TCP", ["internet", "10.0.0.0/8", "LOCALSUBNET"])
    stored = _stored(state, "WINRM-HTTP-In-TCP")
    assert "|RA4=10.0.0.0/8|RA4=LocalSubnet|RA6=LocalSubnet|RA42=IntErnet|RA62=IntErnet|" in stored
    assert "RA4=Internet" not in stored and stored.endswith("|Edge=TRUE|") and stored.startswith("v2.28|")
    found = firewall.get_rule(state.registry, "WINRM-HTTP-In-TCP")
    assert found is not None
    assert cim_firewall.address_instance(found)["RemoteAddress"] == ["10.0.0.0/8", "LocalSubnet", "Internet"]


@pytest.mark.parametrize("bad", [["Internets"], ["10.0.0.1", "nowhere"], ["Any", "10.0.0.1"]])
def test_cim_refuses_what_windows_cannot_store(bad: list[str]) -> None:
    state = HostState.from_profile("2019")
    before = _stored(state, "WINRM-HTTP-In-TCP")
    with pytest.raises(WsmanFault):
        _put_address(state, "WINRM-HTTP-In-TCP", bad)
    assert _stored(state, "WINRM-HTTP-In-TCP") == before


@pytest.mark.parametrize("old_profile", ["2008", "2008r2"])
def test_netsh_remoteip_keywords_by_os_version(model_client_for: Any, old_profile: str) -> None:
    old = model_client_for(old_profile)
    command = 'netsh advfirewall firewall set rule name="COM+ Network Access (DCOM-In)" new remoteip='
    before = _stored(old.state, "ComPlusNetworkAccess-DCOM-In")
    out, _err, code = old.run(command + "internet")
    assert code == 1 and "remoteip" in out and _stored(old.state, "ComPlusNetworkAccess-DCOM-In") == before
    assert old.run(command + "LOCALSUBNET,10.0.0.1,dns")[2] == 0
    assert "|RA4=LocalSubnet|RA4=10.0.0.1|RA4=DNS|RA6=LocalSubnet|RA6=DNS|" in _stored(
        old.state, "ComPlusNetworkAccess-DCOM-In"
    )
    new = model_client_for("2012r2")
    assert new.run(command + "internet")[2] == 0
    assert "|RA42=IntErnet|RA62=IntErnet|" in _stored(new.state, "ComPlusNetworkAccess-DCOM-In")
