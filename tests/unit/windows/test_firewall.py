from __future__ import annotations

from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import firewall

PUBLIC = (
    "v2.20|Action=Allow|Active=TRUE|Dir=In|Protocol=6|Profile=Public|LPort=5985|RA4=LocalSubnet|RA6=LocalSubnet|"
    "App=System|Name=@FirewallAPI.dll,-30253|Desc=@FirewallAPI.dll,-30256|EmbedCtxt=@FirewallAPI.dll,-30267|"
)


def test_parse_published_rule_string() -> None:
    rule = firewall.parse_rule("WINRM-HTTP-In-TCP-PUBLIC", PUBLIC, gpo_owned=False)
    assert rule.enabled
    assert rule.profiles == ("Public",)
    assert rule.remote_addresses == ("LocalSubnet",)
    assert rule.local_ports == ("5985",)
    assert (rule.action, rule.direction) == ("Allow", "In")


def test_no_profile_means_all_and_no_address_means_any() -> None:
    rule = firewall.parse_rule("X", "v2.10|Action=Allow|Active=FALSE|Dir=In|Protocol=6|LPort=135|", gpo_owned=False)
    assert not rule.enabled
    assert rule.profiles == firewall.ALL_PROFILES
    assert rule.remote_addresses == ("Any",)


def test_profiles_sorted_in_windows_order() -> None:
    rule = firewall.parse_rule("X", "v2.20|Active=TRUE|Profile=Private|Profile=Domain|", gpo_owned=False)
    assert rule.profiles == ("Domain", "Private")


def test_gpo_store_wins() -> None:
    local = {"R": "v2.20|Active=TRUE|"}
    gpo = {"R": "v2.20|Active=FALSE|"}
    merged = firewall.effective_rules(local, gpo)
    assert merged["R"].gpo_owned and not merged["R"].enabled
    assert not firewall.effective_rules(local, {})["R"].gpo_owned
