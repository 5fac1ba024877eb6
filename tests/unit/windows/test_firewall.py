# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.winremote.remoting.plugins.plugin_utils.errors import InvalidArgumentError
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import firewall
from ansible_collections.winremote.remoting.tests.unit.simulated import InProcessClient
from winsim import HostState
from winsim import firewall as winsim_firewall

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
    with pytest.raises(InvalidArgumentError, match=r"^remote_address: ") as caught:
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


def test_the_netsh_line_changes_that_rule_on_a_2008r2_host() -> None:
    """The line as the simulator's cmd.exe and netsh read it: one rule selected by name and profile, each value
    one argument, nothing else run."""
    state = HostState.from_profile("2008r2", hostname="SIM2008R2")
    stored = winsim_firewall.get_rule(state.registry, "WINRM-HTTP-In-TCP-PUBLIC")
    assert stored is not None
    rule = firewall.parse_rule(stored.rule_id, stored.render(), gpo_owned=False)
    line = firewall.netsh_set_rule(rule, True, ["Domain", "Public"], ["LocalSubnet", "10.0.0.1-10.0.0.9"])
    result = InProcessClient(state).run_command("cmd.exe", ["/c", line])
    assert result.rc == 0 and [name for name, _argv in state.runtime.programs] == ["cmd", "netsh"]
    changed = winsim_firewall.get_rule(state.registry, "WINRM-HTTP-In-TCP-PUBLIC")
    assert changed is not None and changed.enabled and changed.profiles == ["Domain", "Public"]
    assert changed.remote_addresses == ["LocalSubnet", "10.0.0.1-10.0.0.9"]
    untouched = winsim_firewall.get_rule(state.registry, "WINRM-HTTP-In-TCP")  # same name, other profiles
    assert untouched is not None and not untouched.enabled


# --- remote address keywords as the rule store encodes them ([MS-GPFAS] 2.2.2.13 / 2.2.2.19) --------------------------

# Rule strings copied from real rule stores into public scripts: Cortana / Search blocking rules (v2.26, v2.30, v2.32)
# and a built-in rule (v2.33).
INTERNET_ONLY = "{version}|Action=Block|Active=TRUE|Dir=Out|RA42=IntErnet|RA62=IntErnet|App=C:\\x.exe|Name=Block|"
UPNP_OUT = (
    "v2.33|Action=Allow|Active=FALSE|Dir=Out|Protocol=6|Profile=Public|RPort=2869|RA4=LocalSubnet|RA6=LocalSubnet|"
    "App=%SystemRoot%\\system32\\svchost.exe|Svc=fdphost|Name=@FirewallAPI.dll,-32765|Desc=@FirewallAPI.dll,-32768|"
    "EmbedCtxt=@FirewallAPI.dll,-32752|"
)


@pytest.mark.parametrize("version", ["v2.20", "v2.26", "v2.28", "v2.30", "v2.31", "v2.32", "v2.33", "v2.99", "v3.0"])
def test_a_rule_limited_to_internet_reads_as_internet(version: str) -> None:
    rule = firewall.parse_rule("Block", INTERNET_ONLY.format(version=version), gpo_owned=False)
    assert rule.remote_addresses == ("Internet",)
    assert (rule.enabled, rule.action, rule.direction) == (True, "Block", "Out")
    assert firewall.normalize_remote_addresses(rule.remote_addresses, strict=False) == ("Internet",)


def test_keywords_in_ra4_ra6_and_the_2_20_fields() -> None:
    assert firewall.parse_rule("U", UPNP_OUT, gpo_owned=False).remote_addresses == ("LocalSubnet",)
    stored = "v2.31|Active=TRUE|RA4=10.0.0.0/8|RA4=LocalSubnet|RA6=LocalSubnet|RA6=fe80::1|RA42=IntrAnet|RA62=IntrAnet|"
    stored += (
        "RA42=RmtIntrAnet|RA62=RmtIntrAnet|RA42=Ply2Renders|RA62=Ply2Renders|RA42=CaptivePortal|RA62=CaptivePortal|"
    )
    rule = firewall.parse_rule("M", stored, gpo_owned=False)
    assert rule.remote_addresses == (
        "10.0.0.0/8", "LocalSubnet", "fe80::1", "Intranet", "IntranetRemoteAccess", "PlayToDevice", "CaptivePortal"
    )  # fmt: skip
    wanted = [
        "captiveportal",
        "PLAYTODEVICE",
        "intranetremoteaccess",
        "INTRANET",
        "fe80::1",
        "10.1.2.3/8",
        "localsubnet",
    ]
    assert firewall.normalize_remote_addresses(wanted) == firewall.normalize_remote_addresses(
        rule.remote_addresses, strict=False
    )


@pytest.mark.parametrize(
    ("fields", "read"),
    [
        ("RA42=INTERNET|RA62=internet|", ("Internet",)),  # tokens match in any case (RFC 5234 2.3)
        ("ra42=IntErnet|ra62=IntErnet|", ("Internet",)),
        ("RA42=IntErnet|", ("Internet4",)),  # one family only: written as the cmdlets write it
        ("RA6=LocalSubnet|", ("LocalSubnet6",)),
        ("RA4=LocalSubnet,DNS|RA6=LocalSubnet|", ("LocalSubnet", "DNS4")),
        ("RA42=NewKeyword|RA62=NewKeyword|RA4=10.0.0.1|", ("NewKeyword", "10.0.0.1")),  # unknown tokens are kept
    ],
)
def test_keyword_fields_read(fields: str, read: tuple[str, ...]) -> None:
    assert firewall.parse_rule("R", "v2.30|Active=TRUE|" + fields, gpo_owned=False).remote_addresses == read


def test_unknown_fields_neither_crash_nor_get_lost() -> None:
    value = "v2.40|Active=TRUE|Future2_40=a=b|RA42=IntErnet|RA62=IntErnet|=|Edge=TRUE|NNm=ABC|Profile=Public|"
    rule = firewall.parse_rule("R", value, gpo_owned=False)
    assert rule.remote_addresses == ("Internet",) and rule.profiles == ("Public",) and rule.raw == value


@pytest.mark.parametrize(
    ("given", "normal"),
    [
        (["LocalSubnet4", "localsubnet6"], ("LocalSubnet",)),
        (["LocalSubnet", "LOCALSUBNET4"], ("LocalSubnet",)),
        (["internet4", "10.0.0.1"], ("Internet4", "10.0.0.1")),
        (["Internet", "IntErnet"], ("Internet",)),
    ],
)
def test_keyword_families_normalised(given: list[str], normal: tuple[str, ...]) -> None:
    assert firewall.normalize_remote_addresses(given) == normal


def test_netsh_keywords() -> None:
    assert firewall.netsh_unsupported(("LocalSubnet", "DNS", "10.0.0.1")) == []
    assert firewall.netsh_unsupported(("Internet", "LocalSubnet4", "PlayToDevice")) == [
        "Internet", "LocalSubnet4", "PlayToDevice"
    ]  # fmt: skip
