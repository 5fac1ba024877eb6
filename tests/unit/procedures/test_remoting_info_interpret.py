# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The batched observation, from command line to typed state: the command line runs in-process through the
simulator's cmd.exe against a winsim HostState, so `reg query`, `sc` and `schtasks` print what the model holds."""

from __future__ import annotations

import pytest

from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures import remoting_info
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import winrm_config
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows.os_info import CURRENT_VERSION_KEY
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows.software import (
    DOTNET_4_KEY as DOTNET_KEY,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows.software import (
    POWERSHELL_3_KEY as POWERSHELL_ENGINE_KEY,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import batch
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.errors import WinRemoteError
from ansible_collections.winremote.remoting.tests.unit.simulated import InProcessClient
from winsim import HostState, ops, rules
from winsim import firewall as winsim_firewall
from winsim.wsman import config as winsim_config


def marker(name: str) -> str:
    return f"{batch.MARKER_PREFIX}{name}{batch.MARKER_SUFFIX}"


def host_2012r2() -> HostState:
    """Windows Server 2012 R2 as installed (WMF 4.0, .NET 4.5.1, WinRM enabled), without the COM+ rule."""
    state = HostState.from_profile("2012r2", hostname="SIM2012R2")
    ops.delete_value(state, winsim_firewall.LOCAL_STORE, "ComPlusNetworkAccess-DCOM-In")
    return state


def set_local_rule(state: HostState, rule_id: str, text: str) -> None:
    """Store a rule string as written, as another tool may have left it."""
    ops.write_value(state, winsim_firewall.LOCAL_STORE, rule_id, "REG_SZ", text)


def stored_rule(state: HostState, rule_id: str) -> str:
    rule = winsim_firewall.get_rule(state.registry, rule_id)
    assert rule is not None
    return rule.render()


def listener_xml(state: HostState) -> str:
    """The listeners as the simulated host's WS-Enumeration of winrm/config/listener renders them."""
    return "".join(winsim_config.render_listener(state, x) for x in rules.effective_listeners(state))


def host_output(state: HostState) -> batch.BatchResult:
    """The observation's command line(s), run by the simulated host's cmd.exe."""
    return batch.run(InProcessClient(state), remoting_info.probes())


def observe(state: HostState, listeners: str | None = None) -> remoting_info.RemotingState:
    """The batch run against `state`, plus the listeners as the WS-Enumeration of winrm/config/listener gives them."""
    parsed = winrm_config.parse_listeners(listener_xml(state) if listeners is None else listeners)
    return remoting_info.interpret(host_output(state), remoting_info.probes(), None, parsed)


def test_command_line_fits_cmd_exe() -> None:
    line = batch.command_line(remoting_info.probes())
    assert len(line) < batch.MAX_COMMAND_LINE
    assert all(f"echo {marker(probe.name)} & " in line for probe in remoting_info.probes())


def test_2012r2_with_stock_wmf_is_not_accessible() -> None:
    state = observe(host_2012r2())
    facts = state.to_dict()
    assert facts["os"]["release"] == "2012 R2"
    assert facts["os"]["version"] == "6.3.9600"
    assert facts["sm_remoting_enabled"] is True
    assert facts["dotnet_version"] == "4.5.1"
    assert facts["manageability"] == "Not accessible"
    assert any("WMF 5.0" in r for r in facts["manageability_reasons"])
    assert facts["firewall_rules"]["ComPlusNetworkAccess-DCOM-In"] == {"present": False}
    assert facts["winrm_policy"]["state"] == "not_configured"


def test_sm_remoting_needs_the_firewall_rule() -> None:
    state = host_2012r2()
    ops.disable_firewall_rule(state, "WINRM-HTTP-In-TCP")
    assert observe(state).sm_remoting_enabled is False


def test_gpo_rule_and_policy() -> None:
    state = host_2012r2()
    rule = stored_rule(state, "WINRM-HTTP-In-TCP")
    ops.write_value(state, winsim_firewall.GPO_STORE, "WINRM-HTTP-In-TCP", "REG_SZ", rule)
    ops.write_value(state, remoting_info.WINRM_POLICY_KEY, "AllowAutoConfig", "REG_DWORD", 1)
    ops.write_value(state, remoting_info.WINRM_POLICY_KEY, "IPv4Filter", "REG_SZ", "*")
    ops.write_value(state, remoting_info.WINRM_POLICY_KEY, "IPv6Filter", "REG_SZ", "")
    ops.write_value(state, remoting_info.SYSTEM_POLICIES_KEY, "LocalAccountTokenFilterPolicy", "REG_DWORD", 1)
    facts = observe(state).to_dict()
    assert facts["firewall_rules"]["WINRM-HTTP-In-TCP"]["gpo_owned"] is True
    assert facts["winrm_policy"] == {
        "state": "enabled",
        "allow_auto_config": True,
        "ipv4_filter": "*",
        "ipv6_filter": "",
    }
    assert facts["local_account_token_filter_policy"] is True


def test_lost_output_is_a_data_retrieval_failure() -> None:
    host = host_2012r2()
    ops.write_value(host, POWERSHELL_ENGINE_KEY, "PowerShellVersion", "REG_SZ", "5.1")  # WMF 5.1 installed
    ops.write_value(host, DOTNET_KEY, "Release", "REG_DWORD", 0x70BF6)  # .NET Framework 4.7.2
    full = InProcessClient(host).run_command("cmd.exe", ["/c", batch.command_line(remoting_info.probes())]).stdout
    truncated = full[: full.index(f"{batch.MARKER_PREFIX}fw.gpo.0")]
    probes = remoting_info.probes()
    state = remoting_info.interpret(batch.BatchResult(batch.split_sections(truncated), "", 0), probes)
    assert state.verdict().status == "Online - Data retrieval failures occurred"
    assert observe(host).verdict().status == "Online"


def test_unknown_profile_words_on_the_host_are_reported_not_fatal() -> None:
    """A rule stored with ``Profile=Work`` (any word Windows or another tool may write) is kept and reported."""
    state = host_2012r2()
    odd = stored_rule(state, "WINRM-HTTP-In-TCP").replace("Profile=Private", "Profile=Work")
    set_local_rule(state, "WINRM-HTTP-In-TCP", odd)
    facts = observe(state).to_dict()
    rule = facts["firewall_rules"]["WINRM-HTTP-In-TCP"]
    assert rule["profiles"] == ["Domain"] and rule["unknown_profiles"] == ["Work"]
    assert facts["sm_remoting_enabled"] is True


def test_odd_host_values_never_crash_the_observation() -> None:
    """Digits that are not ASCII, a filter stored as a DWORD or a list, a port that is no number: kept or ignored."""
    state = host_2012r2()
    ops.write_value(state, CURRENT_VERSION_KEY, "CurrentBuildNumber", "REG_SZ", "９６００²")
    listeners = listener_xml(state).replace("<cfg:Port>5985<", "<cfg:Port>²<")
    ops.write_value(state, remoting_info.WINRM_POLICY_KEY, "AllowAutoConfig", "REG_SZ", "yes")
    ops.write_value(state, remoting_info.WINRM_POLICY_KEY, "IPv4Filter", "REG_DWORD", 1)
    ops.write_value(state, remoting_info.WINRM_POLICY_KEY, "IPv6Filter", "REG_MULTI_SZ", ["fe80::1", "::1"])
    facts = observe(state, listeners).to_dict()
    assert facts["os"]["build"] == 0 and facts["listeners"][0]["port"] is None
    assert facts["winrm_policy"]["ipv4_filter"] == "1" and facts["winrm_policy"]["ipv6_filter"] == "fe80::1,::1"


def test_an_empty_service_section_is_unread_not_a_missing_service() -> None:
    """sc prints a line even for a missing service: an empty section means the tool gave nothing, and no plan may
    take WinRM for absent."""
    host = host_2012r2()
    sections = dict(host_output(host).sections, **{"svc.qc": ""})  # the marker arrived, sc's output did not
    result = batch.BatchResult(sections, "", 0)  # nor anything on stderr
    parsed = winrm_config.parse_listeners(listener_xml(host))
    state = remoting_info.interpret(result, remoting_info.probes(), None, parsed)
    assert state.unread == ("svc.qc",) and state.unread_reasons == ("svc.qc could not be read: no output",)
    with pytest.raises(WinRemoteError, match=r"^cannot plan: svc.qc could not be read: no output$"):
        state.require_read("plan")
