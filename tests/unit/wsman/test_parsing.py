# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Reply parsing without recordings: Identify, CIM output and instances, enumeration replies, return codes."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import cim, client, errors, identify, translate
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import xml as wx

SVC = cim.cim_uri("root/cimv2", "Win32_Service")
REG = cim.cim_uri("root/default", "StdRegProv")

IDENTIFY_REPLY = """<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"
 xmlns:wsmid="http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd"><s:Header/><s:Body>
<wsmid:IdentifyResponse><wsmid:ProtocolVersion>http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd</wsmid:ProtocolVersion>
<wsmid:ProductVendor>Microsoft Corporation</wsmid:ProductVendor>
<wsmid:ProductVersion>OS: 6.3.9600 SP: 0.0 Stack: 3.0</wsmid:ProductVersion>
</wsmid:IdentifyResponse></s:Body></s:Envelope>"""


def body(xml_text: str) -> ET.Element:
    return ET.fromstring(f'<s:Body xmlns:s="{wx.NS["s"]}">{xml_text}</s:Body>')


def test_identify_parse() -> None:
    info = identify.parse_response(IDENTIFY_REPLY)
    assert info.vendor == "Microsoft Corporation"
    assert info.protocol_version == "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"
    assert (info.os_version, info.service_pack, info.stack) == ("6.3.9600", "0.0", "3.0")
    assert info.product_version == "OS: 6.3.9600 SP: 0.0 Stack: 3.0"
    assert not info.os_hidden


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("OS: 0.0.0 SP: 0.0 Stack: 2.0", ("0.0.0", "0.0", "2.0")),
        ("OS: 10.0.17763 SP: 0.0 Stack: 3.0", ("10.0.17763", "0.0", "3.0")),
        ("OS: 6.1.7601 SP: 1.0 Stack: 2.0", ("6.1.7601", "1.0", "2.0")),
        ("garbage", ("", "", "")),
    ],
)
def test_product_version(text: str, expected: tuple[str, str, str]) -> None:
    assert identify.parse_product_version(text) == expected


def test_identify_with_other_namespace_spelling_still_parses() -> None:
    info = identify.parse_response(IDENTIFY_REPLY.replace("/identity/", "/identify/").replace("6.3.9600", "0.0.0"))
    assert info.os_version == "0.0.0" and info.os_hidden


def test_identify_garbage_is_protocol_error() -> None:
    with pytest.raises(errors.ProtocolError):
        identify.parse_response(b"<html>nope")
    with pytest.raises(errors.ProtocolError):
        identify.parse_response(b"<a/>")


def test_cim_output_typed() -> None:
    reply = body(
        f'<p:GetDWORDValue_OUTPUT xmlns:p="{REG}"><p:ReturnValue>0</p:ReturnValue><p:uValue>1</p:uValue>'
        "</p:GetDWORDValue_OUTPUT>"
    )
    assert cim.parse_output(reply, REG, "GetDWORDValue", {"uValue": "int"}) == {"ReturnValue": 0, "uValue": 1}
    assert cim.parse_output(reply, REG, "GetDWORDValue") == {"ReturnValue": 0, "uValue": "1"}


def test_cim_output_lists_nil_and_forced_list() -> None:
    xsi = wx.NS["xsi"]
    reply = body(
        f'<p:EnumKey_OUTPUT xmlns:p="{REG}" xmlns:xsi="{xsi}"><p:ReturnValue>0</p:ReturnValue>'
        '<p:sNames>A</p:sNames><p:sNames>B</p:sNames><p:Types>1</p:Types><p:Other xsi:nil="true"/>'
        "</p:EnumKey_OUTPUT>"
    )
    values = cim.parse_output(reply, REG, "EnumKey", {"Types": "int[]"})
    assert values == {"ReturnValue": 0, "sNames": ["A", "B"], "Types": [1], "Other": None}


def test_cim_empty_output_is_success() -> None:
    uri = cim.cim_uri("root/standardcimv2", "MSFT_NetFirewallRule")
    assert cim.parse_output(body(f'<p:Enable_OUTPUT xmlns:p="{uri}"/>'), uri, "Enable") == {}


def test_cim_missing_output_is_protocol_error() -> None:
    with pytest.raises(errors.ProtocolError):
        cim.parse_output(body("<x/>"), REG, "GetDWORDValue")


@pytest.mark.parametrize(
    ("uri", "code", "reason", "text"),
    [
        (REG, 2, "not_found", "The system cannot find the file specified"),
        (REG, 5, "access_denied", "Access is denied"),
        (SVC, 10, "already_running", "already running"),
        (SVC, 14, "disabled", "disabled"),
        (SVC, 2, "access_denied", "access denied"),
        (SVC, 1056, "already_running", "already running"),
        (SVC, 1058, "disabled", "disabled"),
        (SVC, 1062, "not_started", "not started"),
        (REG, 12345, "failed", "0x00003039"),
        (REG, 2147749893, "type_mismatch", "TYPE_MISMATCH"),
    ],
)
def test_cim_return_codes(uri: str, code: int, reason: str, text: str) -> None:
    method = "StartService" if uri == SVC else "GetDWORDValue"
    reply = body(f'<p:{method}_OUTPUT xmlns:p="{uri}"><p:ReturnValue>{code}</p:ReturnValue></p:{method}_OUTPUT>')
    with pytest.raises(errors.CimMethodError) as info:
        cim.parse_output(reply, uri, method)
    assert info.value.code == code
    assert info.value.reason == reason
    assert text in info.value.meaning
    assert info.value.method == f"{cim.class_name(uri)}.{method}"


def test_instance_to_dict() -> None:
    xsi = wx.NS["xsi"]
    elem = ET.fromstring(
        f'<p:Win32_Service xmlns:p="{SVC}" xmlns:xsi="{xsi}" xmlns:cim="{wx.NS["cim"]}">'
        "<p:AcceptStop>true</p:AcceptStop><p:Name>WinRM</p:Name><p:ProcessId>1234</p:ProcessId>"
        '<p:InstallDate xsi:nil="true"/><p:Started>true</p:Started>'
        "<p:LastBoot><cim:Datetime>2024-01-01T00:00:00Z</cim:Datetime></p:LastBoot>"
        "</p:Win32_Service>"
    )
    values = cim.instance_to_dict(elem, {"ProcessId": "int", "AcceptStop": "bool"})
    assert values == {
        "AcceptStop": True,
        "Name": "WinRM",
        "ProcessId": 1234,
        "InstallDate": None,
        "Started": "true",
        "LastBoot": "2024-01-01T00:00:00Z",
    }


def test_parse_enumerate_response_optimized_and_end() -> None:
    reply = body(
        f'<n:EnumerateResponse xmlns:n="{wx.NS["wsen"]}" xmlns:w="{wx.NS["wsman"]}">'
        "<n:EnumerationContext></n:EnumerationContext>"
        "<w:Items><a/><b/></w:Items><w:EndOfSequence/></n:EnumerateResponse>"
    )
    items, context, end = client.parse_enumeration(reply)
    assert [i.tag for i in items] == ["a", "b"] and context is None and end


def test_parse_pull_response_with_more() -> None:
    reply = body(
        f'<n:PullResponse xmlns:n="{wx.NS["wsen"]}"><n:EnumerationContext>uuid:1</n:EnumerationContext>'
        "<n:Items><c/></n:Items></n:PullResponse>"
    )
    items, context, end = client.parse_enumeration(reply)
    assert len(items) == 1 and context == "uuid:1" and not end


def test_parse_enumeration_wrong_reply() -> None:
    with pytest.raises(errors.ProtocolError):
        client.parse_enumeration(body("<x/>"))


# --- host replies are parsed by a hardened parser -------------------------------------------------------------

BOMB = (
    '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><r>&c;</r>'
)


@pytest.mark.parametrize(
    ("document", "needle"),
    [
        (BOMB, "document type declaration"),
        ('<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>', "document type declaration"),
        ('<!DOCTYPE r SYSTEM "http://127.0.0.1:1/dtd"><r/>', "document type declaration"),
        ("<r>" * (wx.MAX_DEPTH + 1) + "</r>" * (wx.MAX_DEPTH + 1), "nested more than"),
        ("<r>&undefined;</r>", "undefined entity"),
    ],
)
def test_hostile_xml_is_refused(document: str, needle: str) -> None:
    with pytest.raises(wx.XmlError, match=needle):
        wx.parse(document)


def test_nesting_up_to_the_limit_parses() -> None:
    assert wx.parse("<r>" * wx.MAX_DEPTH + "</r>" * wx.MAX_DEPTH).tag == "r"


def test_expat_is_new_enough_for_pypsrp_own_parsing() -> None:
    import pyexpat

    assert pyexpat.version_info >= wx.EXPAT_MINIMUM


def test_fault_with_a_dtd_is_not_a_fault() -> None:
    assert translate.parse_fault(BOMB) is None
