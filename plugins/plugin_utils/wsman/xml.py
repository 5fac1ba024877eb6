"""Namespaces and small ElementTree helpers shared by the wire modules.

Windows answers with its own prefixes (``a:``, ``w:``, ``p:``...), so lookups here match by namespace URI or by
local name, never by prefix.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

NS: dict[str, str] = {
    "s": "http://www.w3.org/2003/05/soap-envelope",
    "xs": "http://www.w3.org/2001/XMLSchema",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
    "wsa": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
    "wsman": "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd",
    "wsmv": "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd",
    "wsen": "http://schemas.xmlsoap.org/ws/2004/09/enumeration",
    "wst": "http://schemas.xmlsoap.org/ws/2004/09/transfer",
    "rsp": "http://schemas.microsoft.com/wbem/wsman/1/windows/shell",
    "cfg": "http://schemas.microsoft.com/wbem/wsman/1/config",
    "wsmanfault": "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault",
    # Windows and the MS docs spell it "identity"; pypsrp's table says "identify" (WINDOWS-FACTS trap C.4).
    "wsmid": "http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd",
    "cim": "http://schemas.dmtf.org/wbem/wscim/1/common",
    "xml": "http://www.w3.org/XML/1998/namespace",
}

WQL_DIALECT = "http://schemas.microsoft.com/wbem/wsman/1/WQL"
SELECTOR_DIALECT = "http://schemas.dmtf.org/wbem/wsman/1/wsman/SelectorFilter"


class XmlError(ValueError):
    """The text is not well-formed XML; the caller turns it into errors.ProtocolError."""


def qn(prefix: str, local: str) -> str:
    """Clark name (``{uri}local``) for a prefix of :data:`NS`."""
    return f"{{{NS[prefix]}}}{local}"


def local_name(tag: str) -> str:
    """The tag without its namespace."""
    return tag.rsplit("}", 1)[-1]


def namespace(tag: str) -> str:
    """The namespace URI of a Clark name, or ``""``."""
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def parse(data: bytes | str) -> ET.Element:
    """Parse a reply; raises :class:`XmlError` so callers need not know ElementTree's exception."""
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise XmlError(f"not well-formed XML ({exc})") from exc


def to_bytes(elem: ET.Element) -> bytes:
    """Serialise without an XML declaration, as WS-Man bodies are embedded in an envelope."""
    data: bytes = ET.tostring(elem, encoding="utf-8")
    return data


def child(elem: ET.Element | None, name: str) -> ET.Element | None:
    """First direct child whose local name is ``name`` (any namespace)."""
    if elem is None:
        return None
    for item in elem:
        if local_name(item.tag) == name:
            return item
    return None


def children(elem: ET.Element | None, name: str) -> list[ET.Element]:
    """All direct children whose local name is ``name``."""
    if elem is None:
        return []
    return [item for item in elem if local_name(item.tag) == name]


def descendant(elem: ET.Element | None, name: str) -> ET.Element | None:
    """First element at any depth (including ``elem``) whose local name is ``name``."""
    if elem is None:
        return None
    for item in elem.iter():
        if local_name(item.tag) == name:
            return item
    return None


def child_text(elem: ET.Element | None, name: str, default: str = "") -> str:
    """Stripped text of the first child named ``name``, or ``default``."""
    found = child(elem, name)
    if found is None or found.text is None:
        return default
    return found.text.strip()


def body(envelope: ET.Element) -> ET.Element:
    """The ``s:Body`` of an envelope (an empty element when absent, so callers can treat it uniformly)."""
    found = envelope.find(qn("s", "Body"))
    if found is None:
        found = child(envelope, "Body")
    return found if found is not None else ET.Element(qn("s", "Body"))


def first_child(elem: ET.Element) -> ET.Element | None:
    """The first child element, or None."""
    for item in elem:
        return item
    return None


def is_nil(elem: ET.Element) -> bool:
    """True for ``xsi:nil="true"`` (a CIM null)."""
    return elem.get(qn("xsi", "nil"), "").lower() == "true"
