from __future__ import annotations

import pytest

from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import firewall
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import errors

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


# The example rule of [MS-GPFAS] 4.2 "Firewall Rule Message" (Microsoft Learn,
# https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-gpfas/2889ae25-f329-4462-a295-dbb15bcc186a).
MS_GPFAS_EXAMPLE = (
    "v2.10|Action=Allow|Active=TRUE|Dir=In|Protocol=6|Profile=Public|LPort=RPC|RPort=49000|"
    "LA4=192.168.1.0/255.255.255.0|LA4=192.168.0.0/255.255.255.0|RA4=LocalSubnet|RA6=LocalSubnet|"
    "App=c:\\path\\foo.exe|Name=Firewall Rule Test|Security=Authenticate|Security2_9=An-NoEncap|"
)


def test_parse_the_ms_gpfas_example() -> None:
    rule = firewall.parse_rule("{F7EE5C6D-6C90-456B-9166-E301B1305A56}", MS_GPFAS_EXAMPLE, gpo_owned=True)
    assert (rule.enabled, rule.profiles, rule.remote_addresses) == (True, ("Public",), ("LocalSubnet",))
    assert rule.local_ports == ("RPC",) and rule.unknown_profiles == ()
    assert "unknown_profiles" not in rule.to_dict()


@pytest.mark.parametrize(
    ("stored", "profiles", "unknown"),
    [
        ("Profile=Work|", (), ("Work",)),
        ("Profile=Domain|Profile=Work|Profile=Work|", ("Domain",), ("Work",)),
        ("Profile=public|Profile=DOMAIN|", ("Domain", "Public"), ()),
        ("Profile=|Profile=Nätverk|Profile=Private|", ("Private",), ("", "Nätverk")),
    ],
)
def test_unknown_profile_tokens_are_kept_and_reported(
    stored: str, profiles: tuple[str, ...], unknown: tuple[str, ...]
) -> None:
    """A profile word Windows may write in the future (or another tool wrote) never makes parsing fail."""
    rule = firewall.parse_rule("X", MS_GPFAS_EXAMPLE.replace("Profile=Public|", stored), gpo_owned=False)
    assert rule.profiles == profiles and rule.unknown_profiles == unknown
    assert rule.to_dict().get("unknown_profiles", []) == list(unknown)


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "|||",
        "garbage",
        "v2.10|Profile",
        "v2.10|=|==|Active|RA4=,,,|RA6=fe80::1%5&x|LPort=|",
        "\x00\uffff|Dir=\u202e",
    ],
)
def test_any_stored_text_parses(stored: str) -> None:
    rule = firewall.parse_rule("X", stored, gpo_owned=False)
    assert isinstance(rule.to_dict(), dict)
    assert firewall.normalize_remote_addresses(rule.remote_addresses, strict=False)


@pytest.mark.parametrize(
    "given",
    [
        "fe80::1%x&echo pwned>C:\\Windows\\Temp\\pwned.txt",
        "fe80::1%11",
        "fe80::1%x|whoami",
        "10.0.0.1&echo pwned",
        "10.0.0.1 >C:\\x",
        "10.0.0.1^",
        "10.0.0.1\r\n",
        "\n10.0.0.1",
        "LocalSubnet\r",
        "(10.0.0.1)",
        "10.0.0.0/8%",
        "10.0.0.1-10.0.0.2%x",
        "1" * 100_000,
    ],
)
def test_remote_address_accepts_only_addresses_and_keywords(given: str) -> None:
    with pytest.raises(errors.InvalidSettingsError, match=r"^remote_address: ") as caught:
        firewall.normalize_remote_addresses([given])
    assert len(str(caught.value)) < 300  # the value is never echoed whole


def test_netsh_values_are_quoted() -> None:
    rule = firewall.parse_rule("WINRM-HTTP-In-TCP-PUBLIC", PUBLIC, gpo_owned=False)
    line = firewall.netsh_set_rule(rule, True, ["Domain", "Public"], ["LocalSubnet", "10.0.0.1-10.0.0.9"])
    assert line == (
        'netsh advfirewall firewall set rule name="Windows Remote Management (HTTP-In)" dir=in profile="public" '
        'new enable=yes profile="domain,public" remoteip="localsubnet,10.0.0.1-10.0.0.9"'
    )
    unknown = firewall.parse_rule("WINRM-HTTP-In-TCP-PUBLIC", PUBLIC.replace("Profile=Public", "Profile=Work"), False)
    assert not firewall.netsh_selectable(unknown) and firewall.netsh_selectable(rule)
