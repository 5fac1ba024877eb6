# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""WS-Management Identify (Microsoft Learn, "Detecting Whether a Remote Computer Supports WS-Management Protocol";
the reply uses the ``.../wsman/identity/1/wsmanidentity.xsd`` namespace)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from winsim import rules
from winsim.contract import SoapReply
from winsim.state import HostState

WSMID = "http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd"
SOAP = "http://www.w3.org/2003/05/soap-envelope"


def is_identify(data: bytes) -> bool:
    """Whether the body is a wsmid:Identify request (it carries no WS-Addressing headers)."""
    try:
        body = ET.fromstring(data).find(f"{{{SOAP}}}Body")
    except ET.ParseError:
        return False
    return body is not None and body.find(f"{{{WSMID}}}Identify") is not None


def product_version(state: HostState, authenticated: bool) -> str:
    """`OS: 10.0.17763 SP: 0.0 Stack: 3.0`; anonymous callers see `OS: 0.0.0 SP: 0.0`."""
    if not authenticated:
        return f"OS: 0.0.0 SP: 0.0 Stack: {state.wsman_stack}"
    return f"OS: {state.os_version} SP: {state.service_pack}.0 Stack: {state.wsman_stack}"


SECPROFILE = "http://schemas.dmtf.org/wbem/wsman/1/wsman/secprofile/"


def security_profiles(state: HostState) -> list[str]:
    """The SecurityProfileName values an authenticated Identify lists: a captured 2012 R2 reply (OS 6.3.9600, Basic
    and Negotiate enabled) lists `.../secprofile/http/basic` then `.../secprofile/http/spnego-kerberos`
    (https://github.com/thinkahead/DeveloperRecipes, Jumphosts part 6; the profile URIs are those of DSP0226).
    ASSUMPTION (UNVERIFIED): each follows its service Auth setting (Basic; Negotiate or Kerberos), in that order."""
    policy = rules.auth_policy(state)
    names = ["http/basic"] if policy.basic else []
    if policy.negotiate or policy.kerberos:
        names.append("http/spnego-kerberos")
    return [SECPROFILE + n for n in names]


def identify_response_element(state: HostState, authenticated: bool) -> str:
    """The wsmid:IdentifyResponse element (also what `winrm id -format:xml` prints); only an authenticated caller
    sees SecurityProfiles (an anonymous Identify shows neither them nor the OS version)."""
    profiles = security_profiles(state) if authenticated else []
    listed = "".join(f"<wsmid:SecurityProfileName>{p}</wsmid:SecurityProfileName>" for p in profiles)
    return (
        f'<wsmid:IdentifyResponse xmlns:wsmid="{WSMID}">'
        "<wsmid:ProtocolVersion>http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd</wsmid:ProtocolVersion>"
        "<wsmid:ProductVendor>Microsoft Corporation</wsmid:ProductVendor>"
        f"<wsmid:ProductVersion>{product_version(state, authenticated)}</wsmid:ProductVersion>"
        + (f"<wsmid:SecurityProfiles>{listed}</wsmid:SecurityProfiles>" if listed else "")
        + "</wsmid:IdentifyResponse>"
    )


def handle_identify(state: HostState, request_xml: bytes, authenticated: bool) -> SoapReply:
    if not is_identify(request_xml):
        return SoapReply(400, b"")
    body = (
        f'<s:Envelope xmlns:s="{SOAP}" xml:lang="en-US"><s:Header/><s:Body>'
        f"{identify_response_element(state, authenticated)}</s:Body></s:Envelope>"
    )
    return SoapReply(200, body.encode("utf-8"))
