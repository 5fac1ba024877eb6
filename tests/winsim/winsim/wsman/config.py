# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""WS-Transfer on winrm/config (root, service, service/auth, client, client/auth, winrs) and the listener resource.

The wire side only: bodies are parsed and rendered here, the changes and Windows' rules for them are in winsim.ops,
whose refusals fault_of turns into WS-Man faults."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from winsim import ops, rules
from winsim.contract import RequestContext
from winsim.ops.winrm_config import service_value
from winsim.state import ConfigTree, HostState, Listener
from winsim.wsman.soap import (
    ACTION_CREATE,
    ACTION_DELETE,
    ACTION_GET,
    ACTION_PUT,
    ANONYMOUS,
    Request,
    Result,
    WsmanFault,
    action_not_supported,
    already_exists,
    attr,
    endpoint_address,
    invalid_parameter,
    invalid_selectors,
    local_name,
    resource_not_found,
    schema_error,
    text,
)

CONFIG = "http://schemas.microsoft.com/wbem/wsman/1/config"
LISTENER = CONFIG + "/listener"
# Body namespaces accepted for listener Create/Put: the Get namespace and the one of MS's Session.Create sample
# (Microsoft Learn, "Session.Create method"; UNVERIFIED which one Windows wants).
LISTENER_BODY_NS = {
    LISTENER,
    "https://schemas.dmtf.org/wbem/wsman/1/config/Listener.xsd",
    "http://schemas.dmtf.org/wbem/wsman/1/config/Listener.xsd",
}
# resource suffix -> path of the subtree in HostState.winrm
SECTIONS: dict[str, tuple[str, ...]] = {
    "": (),
    "service": ("Service",),
    "service/auth": ("Service", "Auth"),
    "client": ("Client",),
    "client/auth": ("Client", "Auth"),
    "winrs": ("Winrs",),
}


def gpo_fault(setting: str) -> WsmanFault:
    # ERROR_WSMAN_CONFIG_CANNOT_CHANGE_GPO_CONTROLLED_SETTING (0x8033808A) from wsmerror.h (the Windows SDK); the
    # decimal 2150858855 sometimes quoted for it is ERROR_WSMAN_LOCALE_NOT_SUPPORTED there, so the SDK code is
    # used. ASSUMPTION: subcode w:AccessDenied.
    return WsmanFault(
        2150858890,
        "Cannot change GPO controlled setting. ",
        "w:AccessDenied",
        message=f"Cannot change GPO controlled setting: {setting}. ",
    )


def section_for(resource_uri: str) -> tuple[str, ...] | None:
    uri = resource_uri.rstrip("/")
    if uri.lower() == CONFIG:
        return ()
    prefix = CONFIG.lower() + "/"
    if not uri.lower().startswith(prefix):
        return None
    return SECTIONS.get(uri[len(prefix) :].lower())


def fault_of(err: ops.OperationError) -> WsmanFault:
    """The WS-Man fault Windows answers for a refused listener or config change."""
    if isinstance(err, ops.NotFound):
        return resource_not_found()
    if isinstance(err, ops.AlreadyExists):
        return already_exists()
    if isinstance(err, ops.GpoControlled):
        return gpo_fault(err.setting)
    if isinstance(err, ops.InvalidTransport):
        return invalid_selectors()
    if isinstance(err, ops.InvalidListenerAddress):
        reason = (
            "The listener address specified is invalid. The address can be specified in one of the "
            "following formats: *, IP:<ip_address>, MAC:<mac_address>. "
        )
        return WsmanFault(2150858889, reason, "w:InvalidParameter")
    if isinstance(err, ops.CertificateNotFound):
        # ERROR_WSMAN_CERT_NOT_FOUND (0x80338082)
        reason = "The WS-Management service cannot find the certificate that was requested. "
        return WsmanFault(2150858882, reason, "w:InvalidParameter")
    if isinstance(err, ops.UnknownSetting):
        return schema_error(str(err))
    return invalid_parameter(str(err))  # InvalidValue, ReadOnlySetting


def _render_tree(state: HostState, node: ConfigTree, path: tuple[str, ...]) -> str:
    out = []
    for name, value in node.items():
        sub = (*path, name)
        if isinstance(value, dict):
            out.append(f"<cfg:{name}>{_render_tree(state, value, sub)}</cfg:{name}>")
            continue
        source = ""
        if sub[0] == "Service":
            value, gpo = service_value(state, "/".join(sub[1:]))
            source = ' Source="GPO"' if gpo else ""
        out.append(f"<cfg:{name}{source}>{text(value)}</cfg:{name}>")
    return "".join(out)


def render_section(state: HostState, path: tuple[str, ...]) -> str:
    """The element Get returns for a config section, in the section's own `cfg` namespace."""
    node = state.winrm_section(*path)
    uri = CONFIG + "".join("/" + p.lower() for p in path)
    root = path[-1] if path else "Config"
    return f'<cfg:{root} xmlns:cfg="{uri}">{_render_tree(state, node, path)}</cfg:{root}>'


def _leaves(element: ET.Element, path: tuple[str, ...]) -> list[tuple[tuple[str, ...], str]]:
    found: list[tuple[tuple[str, ...], str]] = []
    for child in element:
        sub = (*path, local_name(child))
        if len(child):
            found += _leaves(child, sub)
        else:
            found.append((sub, (child.text or "").strip()))
    return found


def put_section(state: HostState, path: tuple[str, ...], payload: ET.Element | None) -> None:
    """Validate every element first, then apply them all (a bad element changes nothing)."""
    expected = path[-1] if path else "Config"
    if payload is None or local_name(payload) != expected:
        raise schema_error(f"The request body must be a {expected} element.")
    try:
        ops.set_winrm_config(state, _leaves(payload, path))
    except ops.OperationError as err:
        raise fault_of(err) from err


def handle_config(state: HostState, req: Request, ctx: RequestContext) -> Result:
    path = section_for(req.resource_uri)
    if path is None:
        raise resource_not_found()
    if req.action == ACTION_GET:
        return Result(ACTION_GET + "Response", render_section(state, path))
    if req.action == ACTION_PUT:
        put_section(state, path, req.payload())
        return Result(ACTION_PUT + "Response", render_section(state, path))
    raise action_not_supported()


# listeners
def render_listener(state: HostState, listener: Listener, host_address: str = "") -> str:
    source = f" Source={attr(listener.source)}" if listener.source != "local" else ""
    listening = rules.listening_on(state, listener, host_address) if host_address else []
    return (
        f'<cfg:Listener xmlns:cfg="{LISTENER}" xml:lang="en-US"{source}>'
        f"<cfg:Address>{text(listener.address)}</cfg:Address><cfg:Transport>{listener.transport}</cfg:Transport>"
        f"<cfg:Port>{listener.port}</cfg:Port><cfg:Hostname>{text(listener.hostname)}</cfg:Hostname>"
        f"<cfg:Enabled>{str(listener.enabled).lower()}</cfg:Enabled>"
        f"<cfg:URLPrefix>{text(listener.url_prefix)}</cfg:URLPrefix>"
        f"<cfg:CertificateThumbprint>{text(listener.certificate_thumbprint)}</cfg:CertificateThumbprint>"
        + "".join(f"<cfg:ListeningOn>{text(a)}</cfg:ListeningOn>" for a in listening)
        + "</cfg:Listener>"
    )


def listener_epr(listener: Listener, address: str = ANONYMOUS) -> str:
    return (
        f"<a:Address>{text(address)}</a:Address><a:ReferenceParameters><w:ResourceURI>{LISTENER}</w:ResourceURI>"
        f'<w:SelectorSet><w:Selector Name="Address">{text(listener.address)}</w:Selector>'
        f'<w:Selector Name="Transport">{listener.transport}</w:Selector></w:SelectorSet></a:ReferenceParameters>'
    )


def listener_items(state: HostState, ctx: RequestContext) -> list[tuple[str, str]]:
    """(object XML, EPR XML) of every listener, for enumeration."""
    return [(render_listener(state, x, ctx.host_address), listener_epr(x)) for x in rules.effective_listeners(state)]


def _selected(req: Request) -> tuple[str, str]:
    address, transport = req.selector("Address"), req.selector("Transport")
    if not address or not transport:
        raise invalid_selectors()
    return address, transport.upper()


def _listener_fields(payload: ET.Element | None) -> dict[str, str]:
    if payload is None:
        return {}
    namespace = payload.tag[1:].split("}")[0] if payload.tag.startswith("{") else ""
    if local_name(payload) != "Listener" or namespace not in LISTENER_BODY_NS:
        raise schema_error("The request body must be a Listener element of the listener resource.")
    known = {"Address", "Transport", "Port", "Hostname", "Enabled", "URLPrefix", "CertificateThumbprint", "ListeningOn"}
    values = {}
    for child in payload:
        name = local_name(child)
        if name not in known:
            raise schema_error(f"The setting {name} is not valid for a listener.")
        values[name] = (child.text or "").strip()
    return values


def _found(state: HostState, req: Request) -> Listener:
    listener = ops.find_listener(state, *_selected(req))
    if listener is None:
        raise resource_not_found()
    return listener


def handle_listener(state: HostState, req: Request, ctx: RequestContext) -> Result:
    effects = set(ops.LISTENER_EFFECTS)
    try:
        if req.action == ACTION_GET:
            return Result(ACTION_GET + "Response", render_listener(state, _found(state, req), ctx.host_address))
        if req.action == ACTION_PUT:
            address, transport = _selected(req)
            ops.changeable_listener(state, address, transport)  # refused before its body is read
            updated = ops.set_listener(state, address, transport, _listener_fields(req.payload()))
            return Result(ACTION_PUT + "Response", render_listener(state, updated, ctx.host_address), effects=effects)
        if req.action == ACTION_CREATE:
            address, transport = _selected(req)
            ops.check_new_listener(state, address, transport)  # refused before its body is read
            listener = ops.create_listener(state, address, transport, _listener_fields(req.payload()))
            body = f"<x:ResourceCreated>{listener_epr(listener, endpoint_address(ctx))}</x:ResourceCreated>"
            return Result(ACTION_CREATE + "Response", body, effects=effects)
        if req.action == ACTION_DELETE:
            ops.delete_listener(state, *_selected(req))
            return Result(ACTION_DELETE + "Response", "", prefixes=("w", "p"), effects=effects)
    except ops.OperationError as err:
        raise fault_of(err) from err
    raise action_not_supported()
