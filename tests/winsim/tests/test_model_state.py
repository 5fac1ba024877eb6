# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""State model and OS profiles: JSON round trip, registry as the source of truth, release defaults."""

from __future__ import annotations

import json

import pytest

from winsim import firewall
from winsim.profiles import PROFILES
from winsim.registry import Registry
from winsim.state import NDP_V4_FULL, POLICIES_SYSTEM, HostState

EXPECTED = {
    # profile: (version, PS engine 3 version or None, .NET release, stack, remoting on)
    "2008": ("6.0.6002", None, None, "2.0", False),
    "2008r2": ("6.1.7601", None, None, "2.0", False),
    "2012": ("6.2.9200", "3.0", 378389, "3.0", True),
    "2012r2": ("6.3.9600", "4.0", 378675, "3.0", True),
    "2016": ("10.0.14393", "5.1.14393.0", 394802, "3.0", True),
    "2019": ("10.0.17763", "5.1.17763.1", 461814, "3.0", True),
    "2022": ("10.0.20348", "5.1.20348.1", 528449, "3.0", True),
    "2025": ("10.0.26100", "5.1.26100.1", 533325, "3.0", True),
}


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_json_round_trip(profile: str) -> None:
    state = HostState.from_profile(profile, hostname="H1")
    state.add_hotfix("KB2682011")
    state.set_pending_reboot(True)
    data = json.loads(json.dumps(state.to_json()))
    again = HostState.from_json(data)
    assert again.to_json() == state.to_json()
    assert again.hotfixes == ["KB2682011"] and again.pending_reboot


@pytest.mark.parametrize("profile", sorted(EXPECTED))
def test_profile_defaults(profile: str) -> None:
    version, ps3, release, stack, remoting = EXPECTED[profile]
    state = HostState.from_profile(profile, hostname="H1")
    assert state.os_version == version
    assert state.powershell_version == (ps3 or "2.0")
    assert state.dotnet_release == release
    assert state.wsman_stack == stack
    assert bool(state.listeners) is remoting
    rule = firewall.get_rule(state.registry, "WINRM-HTTP-In-TCP")
    public = firewall.get_rule(state.registry, "WINRM-HTTP-In-TCP-PUBLIC")
    assert rule is not None and rule.enabled is remoting and rule.profiles == ["Domain", "Private"]
    assert public is not None and public.remote_addresses == ["LocalSubnet"] and public.profiles == ["Public"]
    for rule_id in (
        "ComPlusNetworkAccess-DCOM-In",
        "RemoteEventLogSvc-In-TCP",
        "RemoteEventLogSvc-NP-In-TCP",
        "RemoteEventLogSvc-RPCSS-In-TCP",
    ):
        dcom = firewall.get_rule(state.registry, rule_id)
        assert dcom is not None and not dcom.enabled
    assert state.local_account_token_filter_policy is None
    assert "KB2682011" not in state.hotfixes
    assert state.network_profile == "Domain"
    assert state.winrm["Service"]["Auth"]["Basic"] == "false"
    assert state.winrm["Service"]["AllowUnencrypted"] == "false"
    assert "Microsoft.PowerShell" in state.session_configurations
    assert ("Microsoft.PowerShell.Workflow" in state.session_configurations) == (profile in ("2012", "2012r2", "2016"))
    assert state.os_caption.startswith("Microsoft Windows Server")


def test_winrm_service_defaults_on_old_releases() -> None:
    assert HostState.from_profile("2008").service_start_mode("WinRM") == ("Manual", False)
    assert HostState.from_profile("2008").service_status["WinRM"] == "Stopped"
    assert HostState.from_profile("2008r2").service_start_mode("WinRM") == ("Auto", True)
    assert HostState.from_profile("2008r2").service_status["WinRM"] == "Running"


def test_registry_is_the_source_of_truth() -> None:
    state = HostState.from_profile("2019")
    state.registry.set_value(NDP_V4_FULL, "Release", "REG_DWORD", 533320)
    state.registry.set_value(POLICIES_SYSTEM, "LocalAccountTokenFilterPolicy", "REG_DWORD", 1)
    state.set_service_start_mode("WinRM", "Disabled")
    assert state.dotnet_release == 533320
    assert state.local_account_token_filter_policy == 1
    assert state.registry.get_data(r"HKLM\SYSTEM\CurrentControlSet\Services\WinRM", "Start") == 4
    raw = state.registry.get_data(firewall.LOCAL_STORE, "WINRM-HTTP-In-TCP-PUBLIC")
    assert raw.startswith("v2.28|Action=Allow|Active=TRUE|Dir=In|Protocol=6|Profile=Public|LPort=5985|RA4=LocalSubnet|")


def test_rule_string_round_trip() -> None:
    text = (
        "v2.20|Action=Allow|Active=TRUE|Dir=In|Protocol=6|Profile=Public|LPort=5985|RA4=LocalSubnet|"
        "RA6=LocalSubnet|App=System|Name=@FirewallAPI.dll,-30253|Desc=@FirewallAPI.dll,-30256|"
        "EmbedCtxt=@FirewallAPI.dll,-30267|"
    )
    rule = firewall.parse_rule("WINRM-HTTP-In-TCP-PUBLIC", text, "gpo")
    assert rule.render() == text
    assert rule.display_name == "Windows Remote Management (HTTP-In)"
    assert rule.display_group == "Windows Remote Management"


def test_registry_keys_are_case_insensitive() -> None:
    reg = Registry()
    reg.set_value(r"HKLM\Software\A\B", "Value", "REG_MULTI_SZ", ["x", "y"])
    assert reg.get_data(r"HKEY_LOCAL_MACHINE\SOFTWARE\a\b", "VALUE") == ["x", "y"]
    assert reg.subkeys(r"HKLM\software") == ["A"]
    reg.delete_key(r"HKLM\SOFTWARE\A")
    assert not reg.key_exists(r"HKLM\Software\A\B")
