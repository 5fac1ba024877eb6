# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""WS-Transfer on winrm/config (root, service, service/auth, client, client/auth, winrs) and the listener resource."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from winsim import rules
from winsim.contract import RequestContext
from winsim.state import HostState, Listener
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
# ASSUMPTION: these 3.0 settings are read-only (WinRM 3.0 shows them as fixed); Put of them faults.
READ_ONLY = {("MaxProviderRequests",), ("Service", "MaxConcurrentOperations"), ("Winrs", "MaxShellRunTime")}
BOOLEAN_NAMES = {
    "AllowUnencrypted",
    "Basic",
    "Digest",
    "Kerberos",
    "Negotiate",
    "Certificate",
    "CredSSP",
    "EnableCompatibilityHttpListener",
    "EnableCompatibilityHttpsListener",
    "AllowRemoteAccess",
    "AllowRemoteShellAccess",
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


def service_value(state: HostState, path: str) -> tuple[str, bool]:
    """(effective text, set by Group Policy) of a winrm/config/service element. With "Allow remote server
    management through WinRM" (AllowAutoConfig) in force, AllowRemoteAccess is set by that policy like the filters:
    a published `winrm get winrm/config` of such a host shows `AllowRemoteAccess = true [Source="GPO"]` next to
    `IPv4Filter = * [Source="GPO"]` (the post "Windows Remote Management", PowerShell category). The service
    reads the policy when it starts (rules.service_policy), so this follows the same snapshot as the filters."""
    if path == "AllowRemoteAccess" and rules.service_policy(state).get("AllowAutoConfig") == 1:
        return "true", True
    return rules.service_element(state, path)


def section_for(resource_uri: str) -> tuple[str, ...] | None:
    uri = resource_uri.rstrip("/")
    if uri.lower() == CONFIG:
        return ()
    prefix = CONFIG.lower() + "/"
    if not uri.lower().startswith(prefix):
        return None
    return SECTIONS.get(uri[len(prefix) :].lower())


def _render_tree(state: HostState, node: dict[str, Any], path: tuple[str, ...]) -> str:
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
    node: dict[str, Any] = state.winrm
    for part in path:
        node = node[part]
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
    changes = _leaves(payload, path)
    for full, value in changes:
        node: Any = state.winrm
        for part in full:
            if not isinstance(node, dict) or part not in node:
                raise schema_error(f"The setting {'/'.join(full)} is not valid for this resource.")
            node = node[part]
        if isinstance(node, dict):
            raise schema_error(f"The setting {'/'.join(full)} is not valid for this resource.")
        if full in READ_ONLY and state.wsman_stack == "3.0":
            raise invalid_parameter(f"The setting {full[-1]} is read-only.")
        if full[-1] in BOOLEAN_NAMES and value.lower() not in ("true", "false"):
            raise invalid_parameter(f"The value {value} is not valid for {full[-1]}.")
        if full[0] == "Service" and service_value(state, "/".join(full[1:]))[1]:
            raise gpo_fault(full[-1])
    for full, value in changes:
        node = state.winrm
        for part in full[:-1]:
            node = node[part]
        node[full[-1]] = value.lower() if full[-1] in BOOLEAN_NAMES else value


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


def _find(state: HostState, address: str, transport: str) -> Listener | None:
    return next(
        (
            x
            for x in rules.effective_listeners(state)
            if x.address.lower() == address.lower() and x.transport.upper() == transport
        ),
        None,
    )


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


def _apply_fields(state: HostState, listener: Listener, values: dict[str, str]) -> None:
    if "Port" in values:
        if not values["Port"].isdigit() or not 0 < int(values["Port"]) < 65536:
            raise invalid_parameter(f"The port {values['Port']} is not valid.")
        listener.port = int(values["Port"])
    if "Hostname" in values:
        listener.hostname = values["Hostname"]
    if "Enabled" in values:
        if values["Enabled"].lower() not in ("true", "false"):
            raise invalid_parameter("Enabled must be true or false.")
        listener.enabled = values["Enabled"].lower() == "true"
    if "URLPrefix" in values:
        listener.url_prefix = values["URLPrefix"]
    if "CertificateThumbprint" in values:
        listener.certificate_thumbprint = values["CertificateThumbprint"].replace(" ", "").upper()
    if listener.transport == "HTTPS":
        _check_https(state, listener)


def _check_https(state: HostState, listener: Listener) -> None:
    if not listener.hostname:
        raise invalid_parameter("An HTTPS listener needs a Hostname.")
    cert = next((c for c in state.certificates if c.thumbprint.upper() == listener.certificate_thumbprint), None)
    if cert is None:
        # ERROR_WSMAN_CERT_NOT_FOUND (0x80338082)
        reason = "The WS-Management service cannot find the certificate that was requested. "
        raise WsmanFault(2150858882, reason, "w:InvalidParameter")
    cn = cert.subject.split("CN=", 1)[-1].split(",")[0].strip()
    if cn.lower() != listener.hostname.lower():
        raise invalid_parameter("The certificate CN and the hostname that were provided do not match. ")


def handle_listener(state: HostState, req: Request, ctx: RequestContext) -> Result:
    if req.action == ACTION_GET:
        listener = _find(state, *_selected(req))
        if listener is None:
            raise resource_not_found()
        return Result(ACTION_GET + "Response", render_listener(state, listener, ctx.host_address))
    if req.action == ACTION_PUT:
        listener = _find(state, *_selected(req))
        if listener is None:
            raise resource_not_found()
        if listener.source == "GPO":
            raise gpo_fault("Listener")
        values = _listener_fields(req.payload())
        updated = Listener(**vars(listener))
        _apply_fields(state, updated, values)
        state.listeners[state.listeners.index(listener)] = updated
        return Result(
            ACTION_PUT + "Response", render_listener(state, updated, ctx.host_address), effects={"restart_winrm"}
        )
    if req.action == ACTION_CREATE:
        address, transport = _selected(req)
        if transport not in ("HTTP", "HTTPS"):
            raise invalid_selectors()
        if address != "*" and not address.upper().startswith(("IP:", "MAC:")):
            reason = (
                "The listener address specified is invalid. The address can be specified in one of the "
                "following formats: *, IP:<ip_address>, MAC:<mac_address>. "
            )
            raise WsmanFault(2150858889, reason, "w:InvalidParameter")
        if _find(state, address, transport) is not None:
            raise already_exists()
        default_port = state.winrm["Service"]["DefaultPorts"][transport]
        listener = Listener(address=address, transport=transport, port=int(default_port))
        _apply_fields(state, listener, _listener_fields(req.payload()))
        state.listeners.append(listener)
        body = f"<x:ResourceCreated>{listener_epr(listener, endpoint_address(ctx))}</x:ResourceCreated>"
        return Result(ACTION_CREATE + "Response", body, effects={"restart_winrm"})
    if req.action == ACTION_DELETE:
        listener = _find(state, *_selected(req))
        if listener is None:
            raise resource_not_found()
        if listener.source == "GPO":
            raise gpo_fault("Listener")
        state.listeners.remove(listener)
        return Result(ACTION_DELETE + "Response", "", prefixes=("w", "p"), effects={"restart_winrm"})
    raise action_not_supported()
