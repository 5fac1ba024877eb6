# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The simulator's command outputs and WS-Man replies in the shapes real Windows prints (sources in the modules:
winsim/wsman/commands/reg.py, commands/winrm.py, wsman/identify.py, wsman/config.py), and the collection's own
parsers reading them. The pypsrp recordings hold no Identify exchange; the captured Identify replies cited in
identify.py are the reference for SecurityProfiles."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import registry as coll_registry
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import winrm_config
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import identify as coll_identify
from winsim import rules
from winsim.state import WINRM_POLICY
from winsim.wsman import dispatch
from winsim.wsman.identify import WSMID
from winsim.wsman.soap import ACTION_GET

SERVICE = "http://schemas.microsoft.com/wbem/wsman/1/config/service"
LSA = r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\Lsa"
SECPROFILE = "http://schemas.dmtf.org/wbem/wsman/1/wsman/secprofile/"
IDENTIFY = (
    '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
    f'xmlns:wsmid="{WSMID}"><s:Header/><s:Body><wsmid:Identify/></s:Body></s:Envelope>'
).encode()


def _lsa(model_client: Any) -> None:
    registry = model_client.state.registry
    registry.set_value(LSA, "LimitBlankPasswordUse", "REG_DWORD", 1)
    registry.set_value(LSA, "SecureBoot", "REG_DWORD", 1)
    registry.set_value(LSA, "Notification Packages", "REG_MULTI_SZ", ["scecli"])


# --- reg query /t and the search footer ---------------------------------------------------------------------------
def test_reg_query_t_lists_only_values_of_that_type_with_the_footer(model_client: Any) -> None:
    _lsa(model_client)
    out, err, rc = model_client.run(f'reg query "{LSA}" /t REG_MULTI_SZ')
    assert (err, rc) == ("", 0)
    assert out == (
        f"\r\n{LSA}\r\n    Notification Packages    REG_MULTI_SZ    scecli\r\n\r\nEnd of search: 1 match(es) found.\r\n"
    )
    dwords = model_client.run(f'reg query "{LSA}" /t REG_DWORD')[0]
    assert "REG_MULTI_SZ" not in dwords and "    SecureBoot    REG_DWORD    0x1\r\n" in dwords
    assert dwords.endswith("\r\nEnd of search: 2 match(es) found.\r\n")


def test_reg_query_f_searches_names_and_data_and_counts(model_client: Any) -> None:
    _lsa(model_client)
    out, _err, rc = model_client.run(f'reg query "{LSA}" /f secureboot')
    assert (
        rc == 0
        and out == f"\r\n{LSA}\r\n    SecureBoot    REG_DWORD    0x1\r\n\r\nEnd of search: 1 match(es) found.\r\n"
    )
    assert model_client.run(f'reg query "{LSA}" /v SecureBoot /t REG_DWORD')[0].endswith("1 match(es) found.\r\n")
    # nothing found: only the footer, exit code 1
    assert model_client.run(f'reg query "{LSA}" /f NoSuchThing') == ("\r\nEnd of search: 0 match(es) found.\r\n", "", 1)
    assert model_client.run(f'reg query "{LSA}" /v SecureBoot /t REG_SZ')[2] == 1
    # a plain /v read prints no footer
    assert "End of search" not in model_client.run(f'reg query "{LSA}" /v SecureBoot')[0]
    assert model_client.run(f'reg query "{LSA}" /t REG_WRONG')[2] == 1


def test_the_collection_parses_reg_search_output_with_the_footer(model_client: Any) -> None:
    _lsa(model_client)
    keys = coll_registry.parse_query(model_client.run(f'reg query "{LSA}" /t REG_DWORD')[0])
    key = coll_registry.find_key(keys, LSA)
    assert key is not None and set(key.values) == {"LimitBlankPasswordUse", "SecureBoot"}
    assert key.get("SecureBoot") == 1 and key.subkeys == []
    assert coll_registry.parse_query(model_client.run(f'reg query "{LSA}" /f NoSuchThing')[0]) == {}


# --- winrm text form ------------------------------------------------------------------------------------------------
def test_winrm_get_service_prints_the_text_form(model_client: Any) -> None:
    out, _err, rc = model_client.run("winrm get winrm/config/service")
    lines = out.split("\r\n")
    assert rc == 0 and lines[0] == "Service" and "<" not in out
    assert lines[1].startswith("    RootSDDL = O:NSG:BAD:P(")
    assert "    Auth" in lines and "        Negotiate = true" in lines and "        HTTP = 5985" in lines
    assert "    CertificateThumbprint" in lines  # an empty setting: its name alone
    assert "    AllowRemoteAccess = true" in lines and out.endswith("\r\n")
    assert model_client.run("winrm get winrm/config")[0].startswith("Config\r\n    MaxEnvelopeSizekb = ")


def test_winrm_enumerate_listener_prints_listener_blocks(model_client: Any) -> None:
    out = model_client.run("winrm enumerate winrm/config/listener")[0]
    lines = out.split("\r\n")
    assert lines[:8] == [
        "Listener",
        "    Address = *",
        "    Transport = HTTP",
        "    Port = 5985",
        "    Hostname",
        "    Enabled = true",
        "    URLPrefix = wsman",
        "    CertificateThumbprint",
    ]
    assert lines[8].startswith("    ListeningOn = ") and "127.0.0.10" in lines[8]


def test_winrm_text_form_joins_repeats_and_separates_listeners() -> None:
    from winsim.wsman.commands.winrm import text_form

    xml = (
        '<cfg:Listener xmlns:cfg="urn:x" Source="GPO"><cfg:Address>*</cfg:Address><cfg:Hostname/>'
        "<cfg:ListeningOn>127.0.0.1</cfg:ListeningOn><cfg:ListeningOn>::1</cfg:ListeningOn></cfg:Listener>"
    )
    assert text_form(xml) == (
        'Listener [Source="GPO"]\r\n    Address = *\r\n    Hostname\r\n    ListeningOn = 127.0.0.1, ::1\r\n'
    )


def test_winrm_enumerate_separates_listeners_by_a_blank_line(model_client: Any) -> None:
    from winsim.state import Listener

    model_client.state.listeners.append(Listener(address="*", transport="HTTPS", port=5986, hostname="SIMHOST"))
    out = model_client.run("winrm enumerate winrm/config/listener")[0]
    assert "\r\n\r\nListener\r\n    Address = *\r\n    Transport = HTTPS\r\n    Port = 5986\r\n" in out


# --- SecurityProfiles in an authenticated Identify ------------------------------------------------------------------
def test_authenticated_identify_lists_security_profiles(model_client: Any) -> None:
    state = model_client.state
    root = ET.fromstring(dispatch.handle_identify(state, IDENTIFY, True).body)
    names = [e.text for e in root.iter(f"{{{WSMID}}}SecurityProfileName")]
    assert names == [SECPROFILE + "http/spnego-kerberos"]  # Basic is off by default
    state.winrm["Service"]["Auth"]["Basic"] = "true"
    root = ET.fromstring(dispatch.handle_identify(state, IDENTIFY, True).body)
    assert [e.text for e in root.iter(f"{{{WSMID}}}SecurityProfileName")] == [
        SECPROFILE + "http/basic",
        SECPROFILE + "http/spnego-kerberos",
    ]
    anonymous = ET.fromstring(dispatch.handle_identify(state, IDENTIFY, False).body)
    assert anonymous.find(f".//{{{WSMID}}}SecurityProfiles") is None
    # the collection still reads the reply
    info = coll_identify.parse_response(dispatch.handle_identify(state, IDENTIFY, True).body)
    assert info.vendor == "Microsoft Corporation" and info.os_version == state.os_version


def test_winrm_id_lists_security_profiles(model_client: Any) -> None:
    xml = model_client.run("winrm id -format:xml")[0]
    assert f"<wsmid:SecurityProfileName>{SECPROFILE}http/spnego-kerberos</wsmid:SecurityProfileName>" in xml
    lines = model_client.run("winrm id")[0].split("\r\n")
    assert lines[0] == "IdentifyResponse" and "    ProductVendor = Microsoft Corporation" in lines
    assert lines[-3:] == ["    SecurityProfiles", f"        SecurityProfileName = {SECPROFILE}http/spnego-kerberos", ""]


# --- AllowRemoteAccess set by the WinRM policy ----------------------------------------------------------------------
def _enable_policy(model_client: Any) -> None:
    registry = model_client.state.registry
    registry.set_value(WINRM_POLICY, "AllowAutoConfig", "REG_DWORD", 1)
    registry.set_value(WINRM_POLICY, "IPv4Filter", "REG_SZ", "*")
    registry.set_value(WINRM_POLICY, "IPv6Filter", "REG_SZ", "")
    rules.snapshot_service_policy(model_client.state)


def test_policy_marks_allow_remote_access_as_gpo(model_client: Any) -> None:
    ns = {"cfg": SERVICE}
    before = model_client.call(ACTION_GET, SERVICE)
    assert before.find("cfg:Service/cfg:AllowRemoteAccess", ns).get("Source") is None
    _enable_policy(model_client)
    service = model_client.call(ACTION_GET, SERVICE).find("cfg:Service", ns)
    for name in ("AllowRemoteAccess", "IPv4Filter", "IPv6Filter"):
        assert service.find(f"cfg:{name}", ns).get("Source") == "GPO", name
    assert service.findtext("cfg:AllowRemoteAccess", namespaces=ns) == "true"
    xml = model_client.run("winrm get winrm/config/service -format:xml")[0]
    assert '<cfg:AllowRemoteAccess Source="GPO">true</cfg:AllowRemoteAccess>' in xml
    text = model_client.run("winrm get winrm/config/service")[0].split("\r\n")
    assert '    AllowRemoteAccess = true [Source="GPO"]' in text
    assert '    IPv4Filter = * [Source="GPO"]' in text and '    IPv6Filter [Source="GPO"]' in text
    parsed = winrm_config.parse_service(xml)
    assert parsed is not None and parsed.gpo_settings == ("AllowRemoteAccess", "IPv4Filter", "IPv6Filter")
