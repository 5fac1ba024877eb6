# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""SOAP envelopes the way Windows writes them: prefixes, namespace order, faults.

Responses are built as text rather than with ElementTree so the prefixes (`s`, `a`, `x`, `w`, `rsp`, `p`, `n`,
`cfg`) and their declaration order match the recordings from real hosts exactly.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from winsim.contract import RequestContext

NS = {
    "s": "http://www.w3.org/2003/05/soap-envelope",
    "a": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
    "x": "http://schemas.xmlsoap.org/ws/2004/09/transfer",
    "e": "http://schemas.xmlsoap.org/ws/2004/08/eventing",
    "n": "http://schemas.xmlsoap.org/ws/2004/09/enumeration",
    "w": "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd",
    "rsp": "http://schemas.microsoft.com/wbem/wsman/1/windows/shell",
    "p": "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
    "cim": "http://schemas.dmtf.org/wbem/wscim/1/common",
    "f": "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault",
    "b": "http://schemas.dmtf.org/wbem/wsman/1/cimbinding.xsd",
}
ENVELOPE_ORDER = ("x", "e", "n", "w", "rsp", "p")
ANONYMOUS = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
FAULT_ACTION = "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault"
FAULT_DETAIL = "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/"

T = "http://schemas.xmlsoap.org/ws/2004/09/transfer/"
ACTION_GET, ACTION_PUT = T + "Get", T + "Put"
ACTION_CREATE, ACTION_DELETE = T + "Create", T + "Delete"
E = "http://schemas.xmlsoap.org/ws/2004/09/enumeration/"
ACTION_ENUMERATE, ACTION_PULL, ACTION_RELEASE = E + "Enumerate", E + "Pull", E + "Release"


def q(prefix: str, local: str) -> str:
    """ElementTree's `{namespace}local` form."""
    return f"{{{NS[prefix]}}}{local}"


def new_uuid() -> str:
    return str(uuid.uuid4()).upper()


def text(value: object) -> str:
    return escape(str(value))


def attr(value: object) -> str:
    return quoteattr(str(value))


class WsmanFault(Exception):
    """A fault to send back; handlers raise it and the dispatcher renders it."""

    def __init__(
        self,
        code: int,
        reason: str,
        subcode: str = "w:InternalError",
        *,
        sender: bool = True,
        message: str | None = None,
        detail: str | None = None,
        provider: tuple[str, str] | None = None,
        status: int = 500,
    ) -> None:
        super().__init__(reason)
        self.code, self.reason, self.subcode, self.sender = code, reason, subcode, sender
        self.message = message if message is not None else reason
        self.detail, self.provider, self.status = detail, provider, status


# Codes from wsmerror.h (Windows SDK) unless noted.
def access_denied() -> WsmanFault:
    return WsmanFault(5, "Access is denied. ", "w:AccessDenied")


def invalid_selectors(message: str | None = None) -> WsmanFault:
    reason = (
        "The WS-Management service cannot process the request because the request contained invalid selectors "
        "for the resource. "
    )
    return WsmanFault(2150858843, reason, "w:InvalidSelectors", message=message, detail="UnexpectedSelectors")


def resource_not_found() -> WsmanFault:
    reason = (
        "The WS-Management service cannot process the request. The service cannot find the resource "
        "identified by the resource URI and selectors. "
    )
    return WsmanFault(2150858752, reason, "w:InvalidSelectors")


def invalid_resource_uri() -> WsmanFault:
    # ASSUMPTION: unknown resource URIs and absent WMI classes (MSFT_* on 2008 / 2008 R2) answer with
    # ERROR_WSMAN_RESOURCE_NOT_FOUND under the WS-Addressing DestinationUnreachable subcode + InvalidResourceURI detail.
    reason = (
        "The WS-Management service cannot process the request. The service cannot find the resource "
        "identified by the resource URI and selectors. "
    )
    return WsmanFault(2150858752, reason, "a:DestinationUnreachable", detail="InvalidResourceURI")


def action_not_supported() -> WsmanFault:
    reason = "The WS-Management service does not support the action specified in the request. "
    return WsmanFault(2150858771, reason, "a:ActionNotSupported")


def invalid_parameter(message: str = "") -> WsmanFault:
    reason = "The WS-Management service cannot process the request because a parameter for the operation is not valid. "
    return WsmanFault(2150858810, reason, "w:InvalidParameter", message=message or reason)


def schema_error(message: str = "") -> WsmanFault:
    reason = (
        "The SOAP XML in the message does not match the corresponding XML schema definition. Change the XML and retry. "
    )
    return WsmanFault(2150858817, reason, "w:SchemaValidationError", message=message or reason)


def already_exists() -> WsmanFault:
    reason = "The WS-Management service cannot create the resource because it already exists. "
    return WsmanFault(2150858803, reason, "w:AlreadyExists")


@dataclass
class Request:
    """The parts of a WS-Man request the handlers use."""

    action: str
    resource_uri: str
    message_id: str
    selectors: dict[str, str] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)
    body: ET.Element = field(default_factory=lambda: ET.Element(q("s", "Body")))
    header: ET.Element = field(default_factory=lambda: ET.Element(q("s", "Header")))

    def payload(self) -> ET.Element | None:
        """The first child of s:Body, or None for an empty body."""
        return next(iter(self.body), None)

    def selector(self, name: str) -> str | None:
        return next((v for k, v in self.selectors.items() if k.lower() == name.lower()), None)


def parse_request(data: bytes) -> Request:
    try:
        root = ET.fromstring(data)
    except ET.ParseError as err:
        reason = "The WS-Management service cannot process the request because the XML is invalid. "
        raise WsmanFault(2150858819, reason, "w:SchemaValidationError", message=f"{reason}{err}") from err
    header = root.find(q("s", "Header"))
    body = root.find(q("s", "Body"))
    if header is None or body is None:
        reason = (
            "The WS-Management service cannot process the request because the request packet does not have a "
            "valid SOAP body. "
        )
        raise WsmanFault(2150858791, reason, "w:InvalidBody")
    selectors = {s.get("Name", ""): (s.text or "") for s in header.iter(q("w", "Selector"))}
    options = {o.get("Name", ""): (o.text or "") for o in header.iter(q("w", "Option"))}
    return Request(
        action=(header.findtext(q("a", "Action")) or "").strip(),
        resource_uri=(header.findtext(q("w", "ResourceURI")) or "").strip(),
        message_id=(header.findtext(q("a", "MessageID")) or "").strip(),
        selectors=selectors,
        options=options,
        body=body,
        header=header,
    )


def envelope(
    action: str, body: str, relates_to: str | None, prefixes: tuple[str, ...] = ("x", "w", "p"), header_extra: str = ""
) -> bytes:
    """A complete response envelope; `prefixes` chooses which namespaces the root declares (besides s and a)."""
    declared = "".join(f" xmlns:{p}={attr(NS[p])}" for p in ENVELOPE_ORDER if p in prefixes)
    relates = f"<a:RelatesTo>{text(relates_to)}</a:RelatesTo>" if relates_to else ""
    xml = (
        f'<s:Envelope xml:lang="en-US" xmlns:s={attr(NS["s"])} xmlns:a={attr(NS["a"])}{declared}>'
        f"<s:Header><a:Action>{text(action)}</a:Action><a:MessageID>uuid:{new_uuid()}</a:MessageID>"
        f"<a:To>{ANONYMOUS}</a:To>{relates}{header_extra}</s:Header>"
        f"<s:Body>{body}</s:Body></s:Envelope>"
    )
    return xml.encode("utf-8")


def fault_envelope(fault: WsmanFault, relates_to: str | None, machine: str) -> bytes:
    """A fault in the layout of the recordings (fault envelopes declare x, e, n, w and p)."""
    value = "s:Sender" if fault.sender else "s:Receiver"
    detail = f"<w:FaultDetail>{FAULT_DETAIL}{fault.detail}</w:FaultDetail>" if fault.detail else ""
    message = text(fault.message)
    if fault.provider:
        message = (
            f"<f:ProviderFault provider={attr(fault.provider[0])} path={attr(fault.provider[1])}>"
            f"{message}</f:ProviderFault>"
        )
    body = (
        f"<s:Fault><s:Code><s:Value>{value}</s:Value><s:Subcode><s:Value>{fault.subcode}</s:Value></s:Subcode>"
        f'</s:Code><s:Reason><s:Text xml:lang="en-US">{text(fault.reason)}</s:Text></s:Reason><s:Detail>{detail}'
        f'<f:WSManFault xmlns:f="{NS["f"]}" Code="{fault.code}" Machine={attr(machine)}>'
        f"<f:Message>{message}</f:Message></f:WSManFault></s:Detail></s:Fault>"
    )
    return envelope(FAULT_ACTION, body, relates_to, ("x", "e", "n", "w", "p"))


@dataclass
class Result:
    """What a handler answers: the response action, the body XML, the envelope's namespaces and side effects."""

    action: str
    body: str
    prefixes: tuple[str, ...] = ("x", "w", "p")
    effects: set[str] = field(default_factory=set)


def local_name(element: ET.Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def endpoint_address(ctx: RequestContext) -> str:
    """The URL the request arrived on, as Windows puts it in ResourceCreated."""
    return f"{ctx.transport.lower()}://{ctx.host_address}:{ctx.port}/wsman"
