# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""session_configuration: option validation (principals, hostile names and SDDL), the plugin XML (parse, Put body,
undo), plan() from typed states, the self-disconnect refusals and the decoded access list (applied to simulated
hosts in tests/integration/test_session_configuration.py)."""

from __future__ import annotations

import typing as t
import xml.etree.ElementTree as ET

import pytest

from ansible_collections.winremote.remoting.plugins.plugin_utils.connection import ConnectionConfig
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine import execute as engine
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.execute import SelfDisconnectRefused
from ansible_collections.winremote.remoting.plugins.plugin_utils.errors import InvalidArgumentError
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures.session_configuration import (
    Principal,
    SessionDesired,
    SessionState,
    decode,
    parse_principal,
    plan,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import winrm_config
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.errors import WinRemoteError

DEFAULT = "O:NSG:BAD:P(A;;GA;;;BA)(A;;GA;;;IU)(A;;GA;;;RM)S:P(AU;FA;GA;;;WD)(AU;SA;GXGW;;;WD)"
PS = "http://schemas.microsoft.com/powershell/"
USER_SID = "S-1-5-21-1004336348-1177238915-682003330-1002"


def plugin_xml(name: str = "microsoft.powershell", sddl: str = DEFAULT, enabled: str = "true") -> str:
    """A plugin as WinRM returns it (the shape of Microsoft Learn "WinRM Service Plug-in Configuration" and of
    PowerShell's Install-PowerShellRemoting.ps1), with a Quotas element the module must keep."""
    return (
        '<PlugInConfiguration xmlns="http://schemas.microsoft.com/wbem/wsman/1/config/PluginConfiguration" '
        f'Name="{name}" Filename="%windir%\\system32\\pwrshplugin.dll" SDKVersion="2" XmlRenderingType="text" '
        f'Lang="en-US" OutputBufferingMode="Block" ProcessIdleTimeoutSec="0" Enabled="{enabled}" Architecture="64" '
        'UseSharedProcess="false" RunAsUser="" RunAsPassword="" AutoRestart="false">'
        '<InitializationParameters><Param Name="PSVersion" Value="5.1"/></InitializationParameters>'
        f'<Resources><Resource ResourceUri="{PS}{name}" SupportsOptions="true" ExactMatch="true">'
        f'<Security Uri="{PS}{name}" ExactMatch="true" Sddl="{sddl}"/><Capability Type="Shell"/></Resource>'
        '</Resources><Quotas MaxIdleTimeoutms="2147483647" IdleTimeoutms="7200000"/></PlugInConfiguration>'
    )


def state(name: str = "microsoft.powershell", sddl: str = DEFAULT, enabled: str = "true", **sids: str) -> SessionState:
    plugin = winrm_config.parse_plugin(ET.fromstring(plugin_xml(name, sddl, enabled)))
    assert plugin is not None
    return SessionState(plugin, dict(sids))


def desired(**args: t.Any) -> SessionDesired:
    return SessionDesired.from_args(args)


# --- the plugin XML -----------------------------------------------------------------------------------------------
def test_parse_plugin_reads_enabled_sddl_and_resource() -> None:
    plugin = winrm_config.parse_plugin(ET.fromstring(plugin_xml(enabled="false")))
    assert plugin is not None
    assert (plugin.name, plugin.enabled, plugin.sddl) == ("microsoft.powershell", False, DEFAULT)
    assert plugin.resource_uri == PS + "microsoft.powershell" and plugin.is_powershell
    assert plugin.architecture == "64" and plugin.filename.endswith("pwrshplugin.dll")


def test_parse_plugin_refuses_other_elements_and_keeps_a_plugin_without_security() -> None:
    assert winrm_config.parse_plugin(ET.fromstring("<Listener/>")) is None
    bare = (
        '<PlugInConfiguration xmlns="http://schemas.microsoft.com/wbem/wsman/1/config/PluginConfiguration" '
        'Name="WMI Provider" Enabled="true"><Resources><Resource ResourceUri="http://schemas.microsoft.com/wbem/'
        'wsman/1/wmi" SupportsOptions="true"><Capability Type="Get"/></Resource></Resources></PlugInConfiguration>'
    )
    plugin = winrm_config.parse_plugin(ET.fromstring(bare))
    assert plugin is not None and plugin.sddl is None and not plugin.is_powershell


def test_put_body_changes_only_enabled_and_sddl() -> None:
    plugin = state().plugin
    assert plugin is not None
    body = winrm_config.plugin_body(plugin, enabled=False, sddl="O:NSG:BAD:P(A;;GA;;;BA)")
    ns = "{http://schemas.microsoft.com/wbem/wsman/1/config/PluginConfiguration}"
    assert body.get("Enabled") == "false" and body.get("OutputBufferingMode") == "Block"
    security = body.find(f"{ns}Resources/{ns}Resource/{ns}Security")
    assert security is not None and security.get("Sddl") == "O:NSG:BAD:P(A;;GA;;;BA)"
    assert body.find(f"{ns}Quotas") is not None and body.find(f"{ns}InitializationParameters/{ns}Param") is not None


def test_undo_puts_the_previous_element_back_from_a_file() -> None:
    plugin = state().plugin
    assert plugin is not None
    undo = winrm_config.SetPluginEnabled(plugin, False).undo
    ((path, data),) = undo.files.items()
    assert path.startswith("%SystemRoot%\\Temp\\winremote-plugin-") and data == plugin.xml.encode("utf-8")
    assert undo.commands[-1].startswith('call winrm set "winrm/config/plugin?Name=microsoft.powershell" -file:')
    assert not winrm_config.SetPluginEnabled.restarts_winrm and not winrm_config.SetPluginSecurity.restarts_winrm


# --- principals and hostile input ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("given", "sid", "domain", "name"),
    [
        ("S-1-5-32-580", "S-1-5-32-580", "", ""),
        ("s-1-5-21-1-2-3-1001", "S-1-5-21-1-2-3-1001", "", ""),
        ("BUILTIN\\Remote Management Users", "S-1-5-32-580", "", ""),
        ("remote management users", "S-1-5-32-580", "", ""),
        ("NT AUTHORITY\\Authenticated Users", "S-1-5-11", "", ""),
        ("Everyone", "S-1-1-0", "", ""),
        ("CONTOSO\\jdoe", None, "CONTOSO", "jdoe"),
        (".\\operator", None, ".", "operator"),
        ("svc-ops_01$", None, "", "svc-ops_01$"),
    ],
)
def test_principals_parse(given: str, sid: str | None, domain: str, name: str) -> None:
    principal = parse_principal("access[0].principal", given)
    assert (principal.sid, principal.domain, principal.name) == (sid, domain, name)


@pytest.mark.parametrize(
    "hostile",
    [
        "user & calc",
        "a|b",
        "a<b",
        "a>b",
        "a^b",
        "%PATH%",
        "a!b",
        'a"b',
        "a'b",
        "a\rb",
        "a\nb",
        "a\\b\\c",
        "S-1-5-21-x",
        "a`b",
        "",
        " ",
    ],
)
def test_hostile_principals_are_refused_naming_the_option(hostile: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        desired(access=[{"principal": "localuser"}, {"principal": hostile}])
    assert str(caught.value).startswith("access[1].principal:"), caught.value


@pytest.mark.parametrize(
    "bad",
    [
        "O:NSG:BAD:P(A;;GA;;;BA",
        "O:NSG:BAD:P(A;;GA;;;BA)\r\n(A;;GA;;;WD)",
        "O:NSG:BAD:P(A;;GA;;;BA)&calc",
        'O:NSG:BAD:P(A;;GA;;;"BA")',
        "O:NSG:BAD:NO_ACCESS_CONTROL",
        "O:NSG:B",
        "O:NSG:BA",  # no DACL: the RootSDDL would decide
        "%SDDL%",
    ],
)
def test_bad_sddl_is_refused_naming_the_option(bad: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        desired(sddl=bad)
    assert str(caught.value).startswith("sddl:"), caught.value


@pytest.mark.parametrize("name", ["Microsoft.PowerShell & calc", "a|b", "x\ny", '"q"', "%n%", "a^b", "a!b", ""])
def test_hostile_configuration_names_are_refused(name: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        desired(name=name or " ")
    assert str(caught.value).startswith("name:"), caught.value


def test_options_are_checked() -> None:
    with pytest.raises(InvalidArgumentError, match=r"^access: is mutually exclusive with sddl"):
        desired(sddl=DEFAULT, access=[{"principal": "Everyone"}])
    with pytest.raises(InvalidArgumentError, match=r"^access\[0\]\.permissions:"):
        desired(access=[{"principal": "Everyone", "permissions": ["fullcontrol"]}])
    with pytest.raises(InvalidArgumentError, match=r"^access\[0\]\.type:"):
        desired(access=[{"principal": "Everyone", "type": "audit"}])
    request = desired(access=[{"principal": "Everyone", "permissions": ["execute", "read"]}])
    assert request.access[0].rights == "GRGX"
    assert desired(access=[{"principal": "Everyone", "permissions": ["read", "full"]}]).access[0].rights == "GA"


# --- plan -----------------------------------------------------------------------------------------------------------
def test_grant_adds_one_ace_and_is_idempotent() -> None:
    request = desired(access=[{"principal": "localuser", "permissions": ["execute"]}])
    changes = plan(state(localuser=USER_SID), request)
    assert [c.target for c in changes] == ["microsoft.powershell.sddl"]
    after = changes[0].after
    assert after == DEFAULT.replace("(A;;GA;;;RM)", f"(A;;GA;;;RM)(A;;GX;;;{USER_SID})")
    assert plan(state(sddl=after, localuser=USER_SID), request) == []
    # RM already has full control, which covers execute
    assert plan(state(), desired(access=[{"principal": "Remote Management Users", "permissions": ["execute"]}])) == []


def test_deny_goes_first_and_revoke_removes_every_explicit_ace() -> None:
    deny = plan(state(), desired(access=[{"principal": "Everyone", "type": "deny", "permissions": ["write"]}]))
    assert deny[0].after.startswith("O:NSG:BAD:P(D;;GW;;;S-1-1-0)(A;;GA;;;BA)")
    revoke = plan(state(), desired(access=[{"principal": "BUILTIN\\Remote Management Users"}], access_state="absent"))
    assert revoke[0].after == DEFAULT.replace("(A;;GA;;;RM)", "")
    again = desired(access=[{"principal": "S-1-5-32-580"}], access_state="absent")
    assert plan(state(sddl=revoke[0].after), again) == []  # nothing left to remove


def test_a_whole_sddl_compares_by_meaning_of_its_sids() -> None:
    spelled = DEFAULT.replace(";BA)", ";S-1-5-32-544)").replace(";RM)", ";S-1-5-32-580)").replace("O:NS", "O:S-1-5-20")
    assert plan(state(), desired(sddl=spelled)) == []
    assert plan(state(), desired(sddl=DEFAULT.replace("(A;;GA;;;RM)", "(A;;GR;;;RM)")))  # other rights: a change


def test_enabled_and_sddl_share_one_put() -> None:
    changes = plan(state(), desired(state="disabled", sddl="O:NSG:BAD:P(A;;GA;;;BA)", name="microsoft.powershell32"))
    assert [c.target for c in changes] == ["microsoft.powershell.sddl", "microsoft.powershell.enabled"]
    assert changes[0].operation is changes[1].operation
    assert isinstance(changes[0].operation, winrm_config.SetPluginSecurity)
    only = plan(state(enabled="false"), desired(state="enabled"))
    assert isinstance(only[0].operation, winrm_config.SetPluginEnabled) and only[0].summary == (
        "enable microsoft.powershell"
    )
    assert plan(state(enabled="false"), desired(state="disabled")) == []


def test_unknown_principal_missing_plugin_and_missing_security_fail() -> None:
    with pytest.raises(WinRemoteError, match=r"^access\[0\]\.principal: 'ghost' is no account"):
        plan(SessionState(state().plugin, {"ghost": None}), desired(access=[{"principal": "ghost"}]))
    with pytest.raises(WinRemoteError, match=r"^name: this host has no session configuration Contoso\.Jea"):
        plan(SessionState(None), desired(name="Contoso.Jea", state="enabled"))
    bare = winrm_config.PluginConfig("x", True, PS + "x", None, "", "64", "<PlugInConfiguration/>")
    with pytest.raises(WinRemoteError, match="no security descriptor of its own"):
        plan(SessionState(bare), desired(access=[{"principal": "Everyone"}]))


# --- the self-disconnect refusal ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "phrase"),
    [
        ({"state": "disabled"}, "state=disabled turns off microsoft.powershell"),
        ({"access": [{"principal": "BUILTIN\\Administrators"}], "access_state": "absent"}, "no longer gives"),
        ({"sddl": "O:NSG:BAD:P(D;;GA;;;NU)(A;;GA;;;BA)"}, "no longer gives"),
        ({"sddl": "O:NSG:BAD:P(A;;GR;;;BA)"}, "no longer gives"),  # read alone is not Execute (Invoke)
        ({"access": [{"principal": "Everyone", "type": "deny", "permissions": ["execute"]}]}, "no longer gives"),
    ],
)
def test_cutting_the_psrp_configuration_is_refused(args: dict[str, t.Any], phrase: str) -> None:
    with pytest.raises(SelfDisconnectRefused) as caught:
        engine.planned(_Fixed(state()), state(), desired(**args))
    assert phrase in str(caught.value) and "allow_self_disconnect" in str(caught.value)
    allowed = engine.planned(_Fixed(state()), state(), desired(**args, allow_self_disconnect=True))
    assert allowed and allowed[-1].disruptive


def test_other_configurations_and_harmless_changes_are_not_refused() -> None:
    assert engine.planned(_Fixed(state()), state("microsoft.powershell32"), desired(name="x", state="disabled"))
    # removing INTERACTIVE takes nothing from a network logon
    changes = engine.planned(
        _Fixed(state()), state(), desired(access=[{"principal": "INTERACTIVE"}], access_state="absent")
    )
    assert changes and not changes[0].disruptive
    # the connecting account's own SID counts only when the task names it: BA replaced by it is refused
    config = ConnectionConfig(host="h", username="localadmin", password="p")
    replaced = SessionDesired.from_args({"sddl": f"O:NSG:BAD:P(A;;GA;;;{USER_SID})"}, config)
    with pytest.raises(SelfDisconnectRefused):
        engine.planned(_Fixed(state()), state(), replaced)
    # revoking the connecting account's own ACE while BUILTIN\Administrators keeps full control cuts nothing
    both = f"O:NSG:BAD:P(A;;GA;;;BA)(A;;GA;;;{USER_SID})"
    named = SessionDesired.from_args({"access": [{"principal": "localadmin"}], "access_state": "absent"}, config)
    assert named.connection_user == "localadmin"
    changes = engine.planned(_Fixed(state()), state(sddl=both, localadmin=USER_SID), named)
    assert changes and changes[0].after == "O:NSG:BAD:P(A;;GA;;;BA)" and not changes[0].disruptive


def test_decode_lists_every_ace() -> None:
    decoded = decode(
        "O:NSG:BAD:P(D;;GW;;;WD)(A;;GRGX;;;S-1-5-21-1-2-3-1002)(A;ID;0x10000001;;;BA)",
        {"S-1-5-21-1-2-3-1002": "HOST\\localuser"},
    )
    assert decoded == [
        {"sid": "S-1-1-0", "name": "Everyone", "rights": ["write"], "type": "deny", "inherited": False},
        {
            "sid": "S-1-5-21-1-2-3-1002",
            "name": "HOST\\localuser",
            "rights": ["read", "execute"],
            "type": "allow",
            "inherited": False,
        },
        {
            "sid": "S-1-5-32-544",
            "name": "BUILTIN\\Administrators",
            "rights": ["full", "0x10000001"],
            "type": "allow",
            "inherited": True,
        },
    ]
    assert decode(None) == [] and decode("O:NSG:BA") == []


class _Fixed(engine.Procedure[SessionState, SessionDesired]):
    def __init__(self, fixed: SessionState) -> None:
        self.fixed = fixed

    def plan(self, state: SessionState, request: SessionDesired) -> list[t.Any]:
        return plan(state, request)


def test_principal_local() -> None:
    assert Principal("x", None, ".", "x").local and not Principal("x", None, "C", "x").local
