# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Entry points the transport calls (see winsim/contract.py): route a SOAP request to its handler."""

from __future__ import annotations

from winsim import security
from winsim.contract import RequestContext, SoapReply
from winsim.state import HostState
from winsim.wsman import cim, config, enumeration, identify, plugin_config, winrs
from winsim.wsman.cim_classes import CIM_CLASSES
from winsim.wsman.soap import (
    ACTION_ENUMERATE,
    ACTION_PULL,
    ACTION_RELEASE,
    Request,
    Result,
    WsmanFault,
    access_denied,
    envelope,
    fault_envelope,
    invalid_resource_uri,
    parse_request,
)

handle_identify = identify.handle_identify


def fault_reply(code: int, message: str, subcode: str = "w:AccessDenied") -> SoapReply:
    """A stand-alone fault for the transport (e.g. access denied before any handler ran)."""
    fault = WsmanFault(code, message, subcode)
    return SoapReply(fault.status, fault_envelope(fault, None, ""))


def route(state: HostState, req: Request, ctx: RequestContext) -> Result:
    uri = req.resource_uri.lower()
    if plugin_config.is_powershell_uri(uri):
        return plugin_config.handle_shell(state, req, ctx)
    account = security.caller(state, ctx.identity.user, ctx.identity.domain)
    if account is not None and not account.is_admin:
        # let in by a session configuration's Sddl (rules.session_configuration_grants): only PowerShell shells
        raise access_denied()
    if req.action == ACTION_PULL:
        return enumeration.pull(state, req)
    if req.action == ACTION_RELEASE:
        return enumeration.release(state, req)
    if uri == winrs.SHELL_URI:
        return winrs.handle(state, req, ctx)
    if uri == config.LISTENER:
        if req.action == ACTION_ENUMERATE:
            return enumeration.enumerate_items(state, req, config.listener_items(state, ctx))
        return config.handle_listener(state, req, ctx)
    if uri == plugin_config.PLUGIN.lower():
        if req.action == ACTION_ENUMERATE:
            return enumeration.enumerate_items(state, req, plugin_config.items(state))
        return plugin_config.handle(state, req, ctx)
    if config.section_for(req.resource_uri) is not None:
        return config.handle_config(state, req, ctx)
    if cim.split_uri(req.resource_uri) is not None:
        if req.action == ACTION_ENUMERATE:
            items = cim.items(CIM_CLASSES, state, req, enumeration.filter_of(req))
            return enumeration.enumerate_items(state, req, items)
        return cim.handle(CIM_CLASSES, state, req, ctx)
    raise invalid_resource_uri()


def handle_soap(state: HostState, request_xml: bytes, ctx: RequestContext) -> SoapReply:
    """Answer one authenticated SOAP request the way the Windows host of `state` would."""
    if identify.is_identify(request_xml):
        return identify.handle_identify(state, request_xml, authenticated=ctx.identity.auth != "anonymous")
    relates_to = None
    try:
        req = parse_request(request_xml)
        relates_to = req.message_id or None
        result = route(state, req, ctx)
    except WsmanFault as fault:
        return SoapReply(fault.status, fault_envelope(fault, relates_to, ctx.host_address))
    return SoapReply(200, envelope(result.action, result.body, relates_to, result.prefixes), result.effects)
