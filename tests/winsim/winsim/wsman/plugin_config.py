# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""WinRM plugins (``winrm/config/plugin``): Enumerate, Get and Put of the PowerShell session configurations, and the
access check of a shell created on a configuration's resource URI (``http://schemas.microsoft.com/powershell/<Name>``).

The shape is the ``PlugInConfiguration`` element of Microsoft Learn "WinRM Service Plug-in Configuration"
(https://learn.microsoft.com/windows/win32/winrm/wsman-service-plug-in-configuration: attributes Name, Filename,
SDKVersion, XmlRenderingType, Architecture, Enabled; InitializationParameters/Param; Resources/Resource with
ResourceUri, SupportsOptions, ExactMatch; Security with Uri, ExactMatch, Sddl; Capability Type="Shell"), with the
attributes PowerShell registers its own plugins with (PowerShell/PowerShell src/powershell-win-core/
Install-PowerShellRemoting.ps1: OutputBufferingMode, ProcessIdleTimeoutSec, UseSharedProcess, RunAsUser,
RunAsPassword, AutoRestart). ASSUMPTION: the order of the attributes and the Quotas element of a real Get are
not modelled; parsers go by names.

PowerShell shells (PSRP) are not simulated beyond their Create and Delete: an allowed Create answers the shape of a
WinRS Create (ResourceCreated and the Shell), and any other request on the shell is a fault saying so. The access
check is what the simulator is for here.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from winsim import ops, security
from winsim.contract import RequestContext
from winsim.ops.plugins import set_session_configuration
from winsim.state import POWERSHELL_URI, HostState, SessionConfiguration
from winsim.wsman.soap import (
    ACTION_CREATE,
    ACTION_DELETE,
    ACTION_GET,
    ACTION_PUT,
    ANONYMOUS,
    Request,
    Result,
    WsmanFault,
    access_denied,
    action_not_supported,
    attr,
    endpoint_address,
    invalid_parameter,
    invalid_resource_uri,
    invalid_selectors,
    new_uuid,
    resource_not_found,
    schema_error,
    text,
)

PLUGIN = "http://schemas.microsoft.com/wbem/wsman/1/config/plugin"
PLUGIN_NS = "http://schemas.microsoft.com/wbem/wsman/1/config/PluginConfiguration"
SHELL = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"


def disabled_fault(config: SessionConfiguration) -> WsmanFault:
    """ASSUMPTION (UNVERIFIED, no public capture of this refusal was found): WinRM does not load a disabled plugin
    (Enabled="false", what Disable-PSSessionConfiguration sets from PowerShell 3.0 on, Microsoft Learn), so its
    resource URI is answered like one no plugin serves, ERROR_WSMAN_RESOURCE_NOT_FOUND (2150858752) with the
    InvalidResourceURI detail, here with a message that names the disabled plugin."""
    reason = (
        "The WS-Management service cannot process the request because the plugin "
        f"{config.name} that serves the resource URI {config.resource_uri} is disabled. "
    )
    return WsmanFault(2150858752, reason, "a:DestinationUnreachable", detail="InvalidResourceURI")


def not_simulated() -> WsmanFault:
    return WsmanFault(
        2150858771,
        "winsim: PowerShell (PSRP) shells are simulated only as far as their Create and Delete. ",
        "w:ActionNotSupported",
    )


def render(config: SessionConfiguration) -> str:
    """The PlugInConfiguration element a Get returns."""
    uri = attr(config.resource_uri)
    return (
        f'<PlugInConfiguration xmlns="{PLUGIN_NS}" Name={attr(config.name)} Filename={attr(config.filename)} '
        f'SDKVersion={attr(config.sdk_version)} XmlRenderingType="text" Lang="en-US" OutputBufferingMode="Block" '
        f'ProcessIdleTimeoutSec="0" Enabled={attr("true" if config.enabled else "false")} '
        f'Architecture={attr(config.architecture)} UseSharedProcess="false" RunAsUser="" RunAsPassword="" '
        'AutoRestart="false">'
        f'<InitializationParameters><Param Name="PSVersion" Value={attr(config.ps_version)}/>'
        "</InitializationParameters>"
        f'<Resources><Resource ResourceUri={uri} SupportsOptions="true" ExactMatch="true">'
        f'<Security Uri={uri} ExactMatch="true" Sddl={attr(config.sddl)}/>'
        '<Capability Type="Shell"/></Resource></Resources></PlugInConfiguration>'
    )


def epr(config: SessionConfiguration, address: str = ANONYMOUS) -> str:
    return (
        f"<a:Address>{text(address)}</a:Address><a:ReferenceParameters><w:ResourceURI>{PLUGIN}</w:ResourceURI>"
        f'<w:SelectorSet><w:Selector Name="Name">{text(config.name)}</w:Selector></w:SelectorSet>'
        "</a:ReferenceParameters>"
    )


def items(state: HostState) -> list[tuple[str, str]]:
    return [(render(c), epr(c)) for c in state.session_configurations.values()]


def _selected(state: HostState, req: Request) -> SessionConfiguration:
    name = req.selector("Name")
    if not name:
        raise invalid_selectors()
    config = security.find_configuration(state, name)
    if config is None:
        raise resource_not_found()
    return config


def _bool(value: str) -> bool:
    if value.strip().lower() not in ("true", "false"):
        raise invalid_parameter(f"The value {value!r} is not valid for Enabled.")
    return value.strip().lower() == "true"


def _changes(config: SessionConfiguration, payload: ET.Element | None) -> tuple[bool | None, str | None]:
    """(Enabled, Sddl) a Put body asks for; None where it leaves a value out. ASSUMPTION: a partial body (only the
    attribute or only the Security element) is accepted, as is the whole element a Get returned."""
    if payload is None or payload.tag != f"{{{PLUGIN_NS}}}PlugInConfiguration":
        raise schema_error("The request body must be a PlugInConfiguration element.")
    name = payload.get("Name")
    if name is not None and name.lower() != config.name.lower():
        raise invalid_parameter("The plugin name in the body does not match the Name selector.")
    enabled = _bool(payload.get("Enabled", "")) if payload.get("Enabled") is not None else None
    sddl = None
    for security_elem in payload.iter(f"{{{PLUGIN_NS}}}Security"):
        if (security_elem.get("Uri") or "").lower() != config.resource_uri.lower():
            raise invalid_parameter("The Security element names a URI this plugin does not serve.")
        sddl = security_elem.get("Sddl")
    return enabled, sddl


def handle(state: HostState, req: Request, ctx: RequestContext) -> Result:
    """Get and Put of one plugin (Enumerate is routed to winsim.wsman.enumeration with items())."""
    if req.action == ACTION_GET:
        return Result(ACTION_GET + "Response", render(_selected(state, req)))
    if req.action == ACTION_PUT:
        config = _selected(state, req)
        enabled, sddl = _changes(config, req.payload())
        try:
            set_session_configuration(state, config.name, enabled=enabled, sddl=sddl)
        except ops.OperationError as err:
            raise invalid_parameter(str(err)) from err
        return Result(ACTION_PUT + "Response", render(config))
    raise action_not_supported()


def is_powershell_uri(resource_uri: str) -> bool:
    return resource_uri.lower().startswith(POWERSHELL_URI.lower())


def handle_shell(state: HostState, req: Request, ctx: RequestContext) -> Result:
    """A shell on a session configuration: the configuration must exist, be enabled, and its Sddl must give the
    caller's network logon Execute (Invoke). Refused with "Access is denied." (WSManFault 5, w:AccessDenied), the
    fault a caller the Sddl does not allow gets (the same text the simulator sends for a refused logon)."""
    name = req.resource_uri[len(POWERSHELL_URI) :]
    config = security.find_configuration(state, name)
    if config is None:
        raise invalid_resource_uri()
    if req.action == ACTION_CREATE:
        if not config.enabled:
            raise disabled_fault(config)
        account = security.caller(state, ctx.identity.user, ctx.identity.domain)
        if account is None or not security.session_access(state, account, config.name):
            raise access_denied()
        shell_id = new_uuid()
        state.runtime.powershell_shells[shell_id] = config.name
        created = (
            f"<x:ResourceCreated><a:Address>{endpoint_address(ctx)}</a:Address><a:ReferenceParameters>"
            f"<w:ResourceURI>{text(config.resource_uri)}</w:ResourceURI><w:SelectorSet>"
            f'<w:Selector Name="ShellId">{shell_id}</w:Selector></w:SelectorSet></a:ReferenceParameters>'
            "</x:ResourceCreated>"
        )
        # The Shell of a PowerShell Create as recorded from Windows (pypsrp's test recordings
        # test_psrp_is_alive_*.yml, https://github.com/jborean93/pypsrp/tree/master/tests/responses).
        shell = (
            f'<rsp:Shell xmlns:rsp="{SHELL}"><rsp:ShellId>{shell_id}</rsp:ShellId>'
            f"<rsp:ResourceUri>{text(config.resource_uri)}</rsp:ResourceUri>"
            f"<rsp:Owner>{text(ctx.identity.user)}</rsp:Owner><rsp:ClientIP>{text(ctx.client_ip)}</rsp:ClientIP>"
            f"<rsp:ProcessId>{4000 + len(state.runtime.powershell_shells)}</rsp:ProcessId>"
            "<rsp:IdleTimeOut>PT60.000S</rsp:IdleTimeOut><rsp:InputStreams>stdin pr</rsp:InputStreams>"
            "<rsp:OutputStreams>stdout</rsp:OutputStreams><rsp:MaxIdleTimeOut>PT2147483.647S</rsp:MaxIdleTimeOut>"
            "<rsp:Locale>en-US</rsp:Locale><rsp:DataLocale>en-US</rsp:DataLocale>"
            "<rsp:CompressionMode>NoCompression</rsp:CompressionMode><rsp:ProfileLoaded>Yes</rsp:ProfileLoaded>"
            "<rsp:Encoding>UTF8</rsp:Encoding><rsp:BufferMode>Block</rsp:BufferMode><rsp:State>Connected</rsp:State>"
            "<rsp:ShellRunTime>P0DT0H0M0S</rsp:ShellRunTime><rsp:ShellInactivity>P0DT0H0M0S</rsp:ShellInactivity>"
            "</rsp:Shell>"
        )
        return Result(ACTION_CREATE + "Response", created + shell, ("x", "w", "rsp", "p"))
    if req.action == ACTION_DELETE:
        shell_id = (req.selector("ShellId") or "").upper()
        if state.runtime.powershell_shells.pop(shell_id, None) is None:
            raise resource_not_found()
        return Result(ACTION_DELETE + "Response", "", prefixes=("w", "p"))
    raise not_simulated()
