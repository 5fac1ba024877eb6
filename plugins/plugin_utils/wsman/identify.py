# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""WS-Management Identify: the one request that needs no WS-Addressing header and, optionally, no credentials.

An unauthenticated Identify tells whether WinRM answers at all (the OS version is hidden as ``0.0.0``); an
authenticated one returns the real build, which is how Server Manager tells 2008 from 2012 R2.
"""

from __future__ import annotations

import dataclasses
import re
import typing as t

from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import errors, translate, transport
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import xml as wx

if t.TYPE_CHECKING:
    from ansible_collections.winremote.remoting.plugins.plugin_utils.connection import ConnectionConfig

try:
    import requests

    HAS_REQUESTS = True
except ImportError:  # pragma: no cover
    HAS_REQUESTS = False

# Written out by hand: Identify must carry an empty header and the "identity" namespace (not pypsrp's "identify").
IDENTIFY_REQUEST = (
    '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
    f'xmlns:wsmid="{wx.NS["wsmid"]}"><s:Header/><s:Body><wsmid:Identify/></s:Body></s:Envelope>'
).encode()

_VERSION_RE = re.compile(r"OS:\s*(?P<os>[\d.]+)\s+SP:\s*(?P<sp>[\d.]+)\s+Stack:\s*(?P<stack>[\d.]+)", re.IGNORECASE)


@dataclasses.dataclass(frozen=True)
class IdentifyInfo:
    """What a WinRM service says about itself. ``os_version`` is ``0.0.0`` when asked anonymously."""

    protocol_version: str
    vendor: str
    product_version: str
    os_version: str
    service_pack: str
    stack: str

    @property
    def os_hidden(self) -> bool:
        """True when the service did not reveal the OS (unauthenticated Identify)."""
        return self.os_version in ("", "0.0.0")


def parse_product_version(text: str) -> tuple[str, str, str]:
    """Split ``OS: 6.3.9600 SP: 0.0 Stack: 3.0`` into (os_version, service_pack, stack); blanks when absent."""
    match = _VERSION_RE.search(text or "")
    if match is None:
        return "", "", ""
    return match.group("os"), match.group("sp"), match.group("stack")


def parse_response(data: bytes | str) -> IdentifyInfo:
    """Parse an IdentifyResponse envelope (namespace-agnostic: any ``IdentifyResponse`` element)."""
    try:
        root = wx.parse(data)
    except wx.XmlError as exc:
        raise errors.ProtocolError(f"the Identify reply is not valid XML: {exc}") from exc
    response = wx.descendant(root, "IdentifyResponse")
    if response is None:
        fault = translate.parse_fault(data)
        if fault is not None:
            raise fault
        raise errors.ProtocolError("the Identify reply has no IdentifyResponse element")
    product_version = wx.child_text(response, "ProductVersion")
    os_version, service_pack, stack = parse_product_version(product_version)
    return IdentifyInfo(
        protocol_version=wx.child_text(response, "ProtocolVersion"),
        vendor=wx.child_text(response, "ProductVendor"),
        product_version=product_version,
        os_version=os_version,
        service_pack=service_pack,
        stack=stack,
    )


def endpoint_url(config: ConnectionConfig) -> str:
    """The URL, with IPv6 literals bracketed."""
    host = config.host
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"{config.scheme}://{host}:{config.port}/{config.path}"


def identify_unauthenticated(config: ConnectionConfig) -> IdentifyInfo:
    """POST an anonymous Identify with plain requests, honouring TLS, proxy and timeout settings."""
    if not HAS_REQUESTS:
        raise errors.MissingDependencyError(
            "winremote.remoting needs the requests package (a pypsrp dependency): install pypsrp>=0.9,<1.0 on the "
            "controller"
        )
    session = transport.guard(requests.Session(), config)
    try:
        if config.no_proxy:
            session.trust_env = False
        proxies = {config.scheme: config.proxy} if config.proxy else None
        response = session.post(
            endpoint_url(config),
            data=IDENTIFY_REQUEST,
            headers={
                "Content-Type": "application/soap+xml;charset=UTF-8",
                "WSMANIDENTIFY": "unauthenticated",
                "User-Agent": "winremote.remoting",
            },
            verify=config.ca_path or config.cert_validation,
            timeout=(config.connection_timeout, config.read_timeout),
            proxies=proxies,
        )
    except Exception as exc:  # every transport failure becomes one WinRemoteError
        raise translate.translate(exc, config) from None
    finally:
        session.close()
    if response.status_code != 200:
        fault = translate.parse_fault(response.content) if response.content else None
        if fault is not None:
            raise translate.from_fault(fault, config)
        if response.status_code == 401:
            raise translate.authentication_failed(config, "the host refuses anonymous Identify", credentials=False)
        raise errors.ServerError(
            f"WinRM at {config.endpoint} answered the anonymous Identify with HTTP {response.status_code}",
            response.status_code,
        )
    return parse_response(response.content)
