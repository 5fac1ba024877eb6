# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Request bodies the wire builds: Enumerate/Pull, CIM method input, WinRS shell/command/receive, Identify."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import cim, client, identify, winrs
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import xml as wx

WSEN = wx.NS["wsen"]
WSMAN = wx.NS["wsman"]
RSP = wx.NS["rsp"]


def roundtrip(elem: ET.Element) -> ET.Element:
    """Serialise and parse again, so the test sees what goes on the wire."""
    return ET.fromstring(wx.to_bytes(elem))


def test_enumerate_body_with_wql_is_optimized() -> None:
    body = roundtrip(client.enumerate_body("SELECT * FROM Win32_Service WHERE Name = 'WinRM'"))
    assert body.tag == f"{{{WSEN}}}Enumerate"
    assert body.find(f"{{{WSMAN}}}OptimizeEnumeration") is not None
    assert body.findtext(f"{{{WSMAN}}}MaxElements") == "32000"
    filt = body.find(f"{{{WSMAN}}}Filter")
    assert filt is not None
    assert filt.get("Dialect") == "http://schemas.microsoft.com/wbem/wsman/1/WQL"
    assert filt.text == "SELECT * FROM Win32_Service WHERE Name = 'WinRM'"


def test_enumerate_body_without_filter_has_no_filter() -> None:
    body = roundtrip(client.enumerate_body())
    assert body.find(f"{{{WSMAN}}}Filter") is None
    assert body.find(f"{{{WSMAN}}}OptimizeEnumeration") is not None


def test_pull_body_carries_context() -> None:
    body = roundtrip(client.pull_body("uuid:ABC"))
    assert body.tag == f"{{{WSEN}}}Pull"
    assert body.findtext(f"{{{WSEN}}}EnumerationContext") == "uuid:ABC"
    assert body.findtext(f"{{{WSEN}}}MaxElements") == "32000"


def test_invoke_input_types_lists_and_none() -> None:
    uri = cim.cim_uri("root/default", "StdRegProv")
    body = roundtrip(
        cim.build_input(
            uri,
            "SetMultiStringValue",
            {"hDefKey": 2147483650, "sSubKeyName": r"SOFTWARE\X", "sValueName": None, "sValue": ["a", "b"], "b": True},
        )
    )
    assert body.tag == f"{{{uri}}}SetMultiStringValue_INPUT"
    assert [(wx.local_name(c.tag), c.text) for c in body] == [
        ("hDefKey", "2147483650"),
        ("sSubKeyName", r"SOFTWARE\X"),
        ("sValue", "a"),
        ("sValue", "b"),
        ("b", "true"),
    ]
    assert all(wx.namespace(c.tag) == uri for c in body)


def test_invoke_input_without_params_is_empty() -> None:
    uri = cim.cim_uri("root/cimv2", "Win32_Service")
    body = roundtrip(cim.build_input(uri, "StartService", None))
    assert body.tag == f"{{{uri}}}StartService_INPUT"
    assert len(body) == 0


def test_cim_uri() -> None:
    assert (
        cim.cim_uri("root/cimv2", "Win32_Service")
        == "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_Service"
    )
    assert cim.cim_uri("root\\StandardCimv2", "MSFT_NetFirewallRule").endswith(
        "/root/StandardCimv2/MSFT_NetFirewallRule"
    )


def test_winrs_shell_and_options() -> None:
    shell = roundtrip(winrs.shell_body())
    assert shell.tag == f"{{{RSP}}}Shell"
    assert shell.findtext(f"{{{RSP}}}InputStreams") == "stdin"
    assert shell.findtext(f"{{{RSP}}}OutputStreams") == "stdout stderr"
    noprofile = winrs.SHELL_OPTIONS["WINRS_NOPROFILE"]
    assert isinstance(noprofile, tuple) and noprofile[0] == "TRUE"
    assert winrs.SHELL_OPTIONS["WINRS_CODEPAGE"] == "65001"
    assert winrs.COMMAND_OPTIONS == {"WINRS_SKIP_CMD_SHELL": "FALSE"}


def test_winrs_command_body() -> None:
    line = roundtrip(winrs.command_body("cmd.exe", ["/c", "echo hi & exit 1"]))
    assert line.findtext(f"{{{RSP}}}Command") == "cmd.exe"
    assert [a.text for a in line.findall(f"{{{RSP}}}Arguments")] == ["/c", "echo hi & exit 1"]


def test_winrs_receive_body() -> None:
    receive = roundtrip(winrs.receive_body("CMD-1"))
    stream = receive.find(f"{{{RSP}}}DesiredStream")
    assert stream is not None and stream.get("CommandId") == "CMD-1" and stream.text == "stdout stderr"


def test_option_set_formats_bools_and_attributes() -> None:
    option_set = client._option_set({"A": True, "B": False, "C": ("TRUE", {"MustComply": "true"}), "D": 65001})
    assert option_set is not None
    packed = option_set.pack()
    options = {o.get("Name"): (o.text, o.get("MustComply")) for o in packed}
    assert options == {"A": ("TRUE", None), "B": ("FALSE", None), "C": ("TRUE", "true"), "D": ("65001", None)}
    assert client._option_set(None) is None


def test_identify_request_uses_identity_namespace_and_empty_header() -> None:
    envelope = ET.fromstring(identify.IDENTIFY_REQUEST)
    header = envelope.find(f"{{{wx.NS['s']}}}Header")
    assert header is not None and len(header) == 0
    body = envelope.find(f"{{{wx.NS['s']}}}Body")
    assert body is not None
    assert body[0].tag == "{http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd}Identify"
