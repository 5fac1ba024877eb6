# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Session configurations as WinRM plugins: Enumerate/Get/Put of winrm/config/plugin, the Sddl access check of a
PowerShell shell, Win32_UserAccount / Win32_Group, and the state round trip."""

from __future__ import annotations

import dataclasses

import pytest
from conftest import ModelClient

from winsim import security
from winsim.contract import Identity, RequestContext
from winsim.ops.plugins import add_group_member, set_session_configuration
from winsim.state import HostState

T = "http://schemas.xmlsoap.org/ws/2004/09/transfer/"
E = "http://schemas.xmlsoap.org/ws/2004/09/enumeration/"
PLUGIN = "http://schemas.microsoft.com/wbem/wsman/1/config/plugin"
PNS = "{http://schemas.microsoft.com/wbem/wsman/1/config/PluginConfiguration}"
PS = "http://schemas.microsoft.com/powershell/"
SHELL = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
CIMV2 = "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/"
SHELL_BODY = (
    "<rsp:Shell><rsp:InputStreams>stdin pr</rsp:InputStreams><rsp:OutputStreams>stdout</rsp:OutputStreams></rsp:Shell>"
)
OPEN_TO_RM = "O:NSG:BAD:P(A;;GA;;;BA)(A;;GA;;;RM)S:P(AU;FA;GA;;;WD)(AU;SA;GXGW;;;WD)"


def client_as(state: HostState, user: str, domain: str = "") -> ModelClient:
    identity = Identity(user=user, domain=domain, auth="ntlm", encrypted=True, tls=False)
    return ModelClient(state, RequestContext(identity=identity, host_address="127.0.0.10", port=5985, transport="HTTP"))


@pytest.mark.parametrize(
    ("profile", "names"),
    [
        ("2008r2", {"Microsoft.PowerShell", "Microsoft.PowerShell32"}),
        ("2012r2", {"Microsoft.PowerShell", "Microsoft.PowerShell32", "Microsoft.PowerShell.Workflow"}),
        ("2019", {"Microsoft.PowerShell", "Microsoft.PowerShell32"}),
    ],
)
def test_enumerate_lists_the_configurations_of_the_release(profile: str, names: set[str]) -> None:
    client = client_as(HostState.from_profile(profile, hostname="SIMHOST"), "Administrator")
    body = client.call(
        E + "Enumerate", PLUGIN, "<n:Enumerate><w:OptimizeEnumeration/><w:MaxElements>100</w:MaxElements></n:Enumerate>"
    )
    found = {e.get("Name") for e in body.iter(PNS + "PlugInConfiguration")}
    assert found == names
    sddl = {e.get("Sddl") for e in body.iter(PNS + "Security")}
    # Remote Management Users are in the default Sddl from Server 2012 on, not on 2008 R2
    assert any("(A;;GA;;;RM)" in s for s in sddl) == (profile != "2008r2")


def test_get_and_put_change_enabled_and_sddl() -> None:
    state = HostState.from_profile("2019", hostname="SIMHOST")
    client = client_as(state, "Administrator")
    body = client.call(T + "Get", PLUGIN, selectors={"Name": "microsoft.powershell"})
    plugin = body.find(PNS + "PlugInConfiguration")
    assert plugin is not None and plugin.get("Enabled") == "true" and plugin.get("Architecture") == "64"
    resource = plugin.find(f"{PNS}Resources/{PNS}Resource")
    assert resource is not None and resource.get("ResourceUri") == PS + "Microsoft.PowerShell"
    put = (
        f'<PlugInConfiguration xmlns="{PNS[1:-1]}" Name="Microsoft.PowerShell" Enabled="false"><Resources>'
        f'<Resource ResourceUri="{PS}Microsoft.PowerShell"><Security Uri="{PS}Microsoft.PowerShell" '
        f'Sddl="{OPEN_TO_RM}"/></Resource></Resources></PlugInConfiguration>'
    )
    client.call(T + "Put", PLUGIN, put, selectors={"Name": "Microsoft.PowerShell"})
    config = state.session_configurations["Microsoft.PowerShell"]
    assert (config.enabled, config.sddl) == (False, OPEN_TO_RM)


def test_put_with_a_bad_sddl_changes_nothing() -> None:
    state = HostState.from_profile("2019", hostname="SIMHOST")
    before = dataclasses.replace(state.session_configurations["Microsoft.PowerShell"])
    put = (
        f'<PlugInConfiguration xmlns="{PNS[1:-1]}" Enabled="false"><Resources><Resource><Security '
        f'Uri="{PS}Microsoft.PowerShell" Sddl="D:(A;;GA;;;BA"/></Resource></Resources></PlugInConfiguration>'
    )
    body = client_as(state, "Administrator").call(
        T + "Put", PLUGIN, put, selectors={"Name": "Microsoft.PowerShell"}, status=500
    )
    assert client_as(state, "Administrator").fault_code(body)[1] == 2150858810
    assert state.session_configurations["Microsoft.PowerShell"] == before


def test_a_shell_needs_the_sddl_and_an_enabled_configuration() -> None:
    state = HostState.from_profile("2019", hostname="SIMHOST")
    user = client_as(state, "localuser")
    denied = user.call(T + "Create", PS + "Microsoft.PowerShell", SHELL_BODY, status=500)
    assert user.fault_code(denied) == ("w:AccessDenied", 5)
    add_group_member(state, "Remote Management Users", "localuser")
    created = user.call(T + "Create", PS + "Microsoft.PowerShell", SHELL_BODY)
    shell_id = created.findtext(".//rsp:ShellId", namespaces=user.NS)
    assert shell_id and created.findtext(".//rsp:ResourceUri", namespaces=user.NS) == PS + "Microsoft.PowerShell"
    assert created.findtext(".//rsp:State", namespaces=user.NS) == "Connected"
    assert created.findtext(".//w:ResourceURI", namespaces=user.NS) == PS + "Microsoft.PowerShell"
    # PSRP itself is not simulated: a Receive on the shell says so
    receive = user.call(
        SHELL + "/Receive", PS + "Microsoft.PowerShell", "<rsp:Receive/>", {"ShellId": shell_id}, status=500
    )
    assert (
        "simulated only" in (receive.findtext(".//f:Message", namespaces=user.NS) or "")
        and user.fault_code(receive)[1] == 2150858771
    )
    user.call(T + "Delete", PS + "Microsoft.PowerShell", selectors={"ShellId": shell_id})
    # a user let in by a configuration's Sddl still may not read winrm/config
    refused = user.call(T + "Get", "http://schemas.microsoft.com/wbem/wsman/1/config", status=500)
    assert user.fault_code(refused)[1] == 5
    set_session_configuration(state, "Microsoft.PowerShell", enabled=False)
    disabled = user.call(T + "Create", PS + "Microsoft.PowerShell", SHELL_BODY, status=500)
    assert user.fault_code(disabled)[1] == 2150858752
    assert "disabled" in (disabled.findtext(".//f:Message", namespaces=user.NS) or "")


def test_deny_ace_and_interactive_do_not_let_network_logons_in() -> None:
    state = HostState.from_profile("2019", hostname="SIMHOST")
    admin = next(a for a in state.accounts if a.name == "Administrator")
    user = next(a for a in state.accounts if a.name == "localuser")
    set_session_configuration(state, "Microsoft.PowerShell", sddl="O:NSG:BAD:P(A;;GA;;;IU)(A;;GA;;;BU)")
    assert security.session_access(state, user, "Microsoft.PowerShell")
    set_session_configuration(state, "Microsoft.PowerShell", sddl="O:NSG:BAD:P(A;;GA;;;IU)")
    assert not security.session_access(state, user, "Microsoft.PowerShell")  # INTERACTIVE: no network logon
    set_session_configuration(state, "Microsoft.PowerShell", sddl="O:NSG:BAD:P(D;;GA;;;NU)(A;;GA;;;BA)")
    assert not security.session_access(state, admin, "Microsoft.PowerShell")  # NETWORK denied first
    set_session_configuration(state, "Microsoft.PowerShell", sddl="O:NSG:BAD:P(A;;GR;;;BA)")
    assert not security.session_access(state, admin, "Microsoft.PowerShell")  # read alone: no Execute


def test_remote_management_users_does_not_exist_on_2008r2() -> None:
    state = HostState.from_profile("2008r2", hostname="SIMHOST")
    with pytest.raises(Exception, match="no local group"):
        add_group_member(state, "Remote Management Users", "localuser")


def test_accounts_and_groups_by_key() -> None:
    state = HostState.from_profile("2019", hostname="SIMHOST")
    client = client_as(state, "Administrator")
    user = client.call(T + "Get", CIMV2 + "Win32_UserAccount", selectors={"Domain": "SIMHOST", "Name": "localuser"})
    sid = user.findtext(".//{*}SID") or ""
    assert sid.startswith("S-1-5-21-") and sid.endswith("-1002")
    group = client.call(
        T + "Get", CIMV2 + "Win32_Group", selectors={"Domain": "BUILTIN", "Name": "Remote Management Users"}
    )
    assert group.findtext(".//{*}SID") == "S-1-5-32-580"
    missing = client.call(
        T + "Get", CIMV2 + "Win32_UserAccount", selectors={"Domain": "SIMHOST", "Name": "nobody"}, status=500
    )
    assert client.fault_code(missing)[1] == 2150858752


def test_state_round_trip_keeps_configurations_and_groups() -> None:
    state = HostState.from_profile("2012r2", hostname="SIMHOST")
    add_group_member(state, "Remote Management Users", "localuser")
    set_session_configuration(state, "Microsoft.PowerShell.Workflow", enabled=False, sddl=OPEN_TO_RM)
    again = HostState.from_json(state.to_json())
    assert again.session_configurations == state.session_configurations
    assert again.local_groups == {"Remote Management Users": ["localuser"]}
    old = state.to_json()
    old["session_configurations"] = {"Microsoft.PowerShell": OPEN_TO_RM}  # a state saved before the plugins were typed
    assert HostState.from_json(old).session_configurations["Microsoft.PowerShell"].sddl == OPEN_TO_RM
