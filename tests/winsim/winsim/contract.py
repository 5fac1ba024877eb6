# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The seam between the simulator's transport (HTTP, TLS, auth) and its Windows model.

The transport (``server.py``, ``host.py``) owns sockets, authentication and fault injection; the model
(``state.py``, ``profiles.py``, ``rules.py``, ``wsman/``) owns what Windows would answer.  They meet
only through the names defined here, so either side can change without touching the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Identity:
    """Who the transport authenticated, and how the request travelled."""

    user: str  # account name as authenticated, e.g. "Administrator", "localadmin", "ansible"
    domain: str  # "" or the NetBIOS domain given by the client, e.g. "WINREMOTE" or the host name
    auth: str  # "basic" | "ntlm" | "negotiate" | "kerberos" | "credssp" | "certificate" | "anonymous"
    encrypted: bool  # HTTP message encryption (multipart/encrypted) was used
    tls: bool  # the request came over the HTTPS listener


@dataclass(frozen=True)
class RequestContext:
    """Where a SOAP request arrived; handlers use it for ResourceCreated addresses and ListeningOn."""

    identity: Identity
    host_address: str  # the simulated host's IP, e.g. "127.0.0.10"
    port: int
    transport: str  # "HTTP" | "HTTPS"
    client_ip: str = "127.0.0.1"


@dataclass
class SoapReply:
    """What the model answers: an HTTP status, a SOAP envelope, and side effects for the transport."""

    status: int  # 200, or 500 with a WS-Man fault envelope, or 400
    body: bytes  # a complete UTF-8 SOAP 1.2 envelope
    effects: set[str] = field(default_factory=set)  # "restart_winrm": drop connections, re-evaluate endpoints


# Functions the model provides (implemented in winsim/rules.py and winsim/wsman/dispatch.py):
#
#   rules.auth_policy(state) -> rules.AuthPolicy(basic: bool, negotiate: bool, kerberos: bool,
#                                                  certificate: bool, credssp: bool, allow_unencrypted: bool)
#   rules.authorize(state, identity) -> str | None
#       None when the account may use WinRM; otherwise a reason key such as "access_denied_token_filter"
#       (non-built-in local admin over NTLM without LocalAccountTokenFilterPolicy=1) or "access_denied".
#   rules.accepting_endpoints(state, host_address, client_ip="127.0.0.1") -> set[tuple[str, int]]
#       the (transport, port) pairs that accept a TCP connection from client_ip right now: service running,
#       listener present and enabled on that port, GPO IPv4Filter admits host_address, and an enabled
#       inbound firewall rule admits the port for the active network profile and the client address.
#   dispatch.handle_soap(state, request_xml: bytes, ctx: RequestContext) -> SoapReply
#   dispatch.handle_identify(state, request_xml: bytes, authenticated: bool) -> SoapReply
#   dispatch.fault_reply(code: int, message: str, subcode: str = "w:AccessDenied") -> SoapReply
