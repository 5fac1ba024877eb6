# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Namespaces and small ElementTree helpers shared by the wire modules.

Windows answers with its own prefixes (``a:``, ``w:``, ``p:``...), so lookups here match by namespace URI or by
local name, never by prefix.

Host replies are untrusted. :func:`parse` refuses any document type declaration (WinRM never sends one, and it is
where entity expansion and external entities live) and elements nested deeper than :data:`MAX_DEPTH`. pypsrp parses
each envelope with ElementTree itself before we see it; that is safe only with expat 2.4.1 or later, which limits
entity amplification (https://docs.python.org/3/library/xml.html#xml-vulnerabilities), so importing this module on
an older expat fails.
"""

from __future__ import annotations

import pyexpat
import typing as t
import xml.etree.ElementTree as ET

EXPAT_MINIMUM = (2, 4, 1)
MAX_DEPTH = 64  # WS-Man replies nest about ten levels; WinRM's config XML a few more

if pyexpat.version_info < EXPAT_MINIMUM:  # pragma: no cover - depends on how Python was built
    raise ImportError(
        f"winremote.remoting needs expat {'.'.join(map(str, EXPAT_MINIMUM))} or later to parse replies safely "
        f"(protection against entity expansion); this Python has {pyexpat.EXPAT_VERSION}: use a newer Python build"
    )

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
    # Windows and Microsoft Learn ("Detecting Whether a Remote Computer Supports WS-Management Protocol") spell it
    # "identity"; the NAMESPACES table in pypsrp's src/pypsrp/wsman.py says "identify", so it is not reused here.
    "wsmid": "http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd",
    "cim": "http://schemas.dmtf.org/wbem/wscim/1/common",
    "xml": "http://www.w3.org/XML/1998/namespace",
}

WQL_DIALECT = "http://schemas.microsoft.com/wbem/wsman/1/WQL"


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


class GuardedBuilder(ET.TreeBuilder):
    """A TreeBuilder that stops at a DOCTYPE (before any entity is declared) and at excessive nesting."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0

    def doctype(self, name: str, pubid: str | None, system: str | None) -> None:
        raise XmlError("a document type declaration (DTD) is not accepted in a WS-Management reply")

    def start(self, tag: t.Any, attrs: dict[t.Any, t.Any]) -> ET.Element:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise XmlError(f"elements are nested more than {MAX_DEPTH} levels deep")
        return super().start(tag, attrs)

    def end(self, tag: t.Any) -> ET.Element:
        self.depth -= 1
        return super().end(tag)


def parse(data: bytes | str) -> ET.Element:
    """Parse a reply; raises :class:`XmlError` so callers need not know ElementTree's exception."""
    parser = ET.XMLParser(target=GuardedBuilder())
    try:
        parser.feed(data)
        root: ET.Element = parser.close()
    except ET.ParseError as exc:
        raise XmlError(f"not well-formed XML ({exc})") from exc
    return root


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
