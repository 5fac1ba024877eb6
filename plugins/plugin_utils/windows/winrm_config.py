# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""WinRM configuration: the service settings and listeners, read with WS-Transfer Get and WS-Enumeration.

The collection reads them from the controller, never through ``winrm.cmd`` in a WinRS shell: on Server 2008 R2
``winrm get winrm/config`` run through WinRS answers Access denied (0x80070005) even for an administrator
(https://github.com/packer-community/winrmcp/issues/3), and on Server 2008 batch files print nothing under the
shell code page 65001 (https://github.com/ansible/ansible/issues/21915). A direct request is no loopback
connection from inside a network logon, so neither applies.

Parsing goes by local element names, whatever namespace and prefixes the producer chose: a Get of winrm/config
answers ``Config`` with ``Service`` in the .../config namespace, a Get of winrm/config/service a ``Service`` element
in .../config/service, an enumeration ``Listener`` items in .../config/listener; ``winrm -format:xml`` output
parses too. An element set by Group Policy carries ``Source="GPO"``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import typing as t
import xml.etree.ElementTree as ET

from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.change import Endpoint, Operation, Restore
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import quote, tasks
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import errors
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import xml as wx
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.protocol import Client

CONFIG_URI = "http://schemas.microsoft.com/wbem/wsman/1/config"
SERVICE_URI = CONFIG_URI + "/service"
LISTENER_URI = CONFIG_URI + "/listener"


def _bool(text: str | None) -> bool | None:
    if text is None:
        return None
    return text.strip().lower() == "true"


def _text(elem: ET.Element, name: str) -> str | None:
    """A child's stripped text; "" for an empty element, None for an absent one (an empty filter means
    "listen nowhere", an absent one "not set")."""
    found = wx.child(elem, name)
    return None if found is None else (found.text or "").strip()


@dataclasses.dataclass(frozen=True)
class Listener:
    address: str
    transport: str
    port: int | None
    hostname: str
    enabled: bool
    url_prefix: str
    certificate_thumbprint: str
    source: str  # local | GPO | Compatibility
    listening_on: tuple[str, ...]

    def to_dict(self) -> dict[str, t.Any]:
        return {
            "address": self.address,
            "transport": self.transport,
            "port": self.port,
            "hostname": self.hostname,
            "enabled": self.enabled,
            "url_prefix": self.url_prefix,
            "certificate_thumbprint": self.certificate_thumbprint,
            "source": self.source,
            "listening_on": list(self.listening_on),
        }


@dataclasses.dataclass(frozen=True)
class ServiceConfig:
    allow_unencrypted: bool | None
    auth: dict[str, t.Any]
    ipv4_filter: str | None
    ipv6_filter: str | None
    gpo_settings: tuple[str, ...]  # names of settings that Group Policy controls
    default_ports: dict[str, int]


def parse_listener(elem: ET.Element) -> Listener:
    port_text = _text(elem, "Port")
    source = elem.get("Source") or "local"
    return Listener(
        address=_text(elem, "Address") or "",
        transport=(_text(elem, "Transport") or "").upper(),
        port=int(port_text) if port_text and port_text.isascii() and port_text.isdigit() else None,
        hostname=_text(elem, "Hostname") or "",
        enabled=bool(_bool(_text(elem, "Enabled"))),
        url_prefix=_text(elem, "URLPrefix") or "",
        certificate_thumbprint=_text(elem, "CertificateThumbprint") or "",
        source=source,
        listening_on=tuple(child.text.strip() for child in wx.children(elem, "ListeningOn") if child.text),
    )


def _xml_fragments(text: str) -> list[ET.Element]:
    """Parse output that may hold several top-level XML elements (one per enumerated item)."""
    body = re.sub(r"<\?xml[^>]*\?>", "", text).strip()
    if not body:
        return []
    try:
        root = ET.fromstring(f"<fragments>{body}</fragments>")
    except ET.ParseError:
        return []
    return list(root)


def parse_listeners(text_or_elements: str | t.Iterable[ET.Element]) -> list[Listener]:
    """Listeners from ``winrm enumerate winrm/config/listener -format:xml`` output or WS-Man items."""
    elements = _xml_fragments(text_or_elements) if isinstance(text_or_elements, str) else list(text_or_elements)
    found: list[Listener] = []
    for elem in elements:
        candidates = [elem] if wx.local_name(elem.tag) == "Listener" else list(elem.iter())
        found.extend(parse_listener(c) for c in candidates if wx.local_name(c.tag) == "Listener")
    return found


def parse_service(text_or_element: str | ET.Element) -> ServiceConfig | None:
    """The service section from ``winrm get winrm/config[/service] -format:xml`` or a WS-Man Get body."""
    if isinstance(text_or_element, str):
        fragments = _xml_fragments(text_or_element)
        if not fragments:
            return None
        root: ET.Element | None = fragments[0]
    else:
        root = text_or_element
    service = wx.descendant(root, "Service")
    if service is None:
        return None
    auth_elem = wx.child(service, "Auth")
    auth: dict[str, t.Any] = {}
    if auth_elem is not None:
        for child in auth_elem:
            name = wx.local_name(child.tag)
            text = (child.text or "").strip()
            key = "cbt_hardening_level" if name == "CbtHardeningLevel" else name.lower()
            auth[key] = text if key == "cbt_hardening_level" else text.lower() == "true"
    ports_elem = wx.child(service, "DefaultPorts")
    ports: dict[str, int] = {}
    if ports_elem is not None:
        for child in ports_elem:
            if child.text and child.text.strip().isascii() and child.text.strip().isdigit():
                ports[wx.local_name(child.tag).upper()] = int(child.text.strip())
    gpo = tuple(sorted(wx.local_name(e.tag) for e in service.iter() if e.get("Source") == "GPO"))
    return ServiceConfig(
        allow_unencrypted=_bool(_text(service, "AllowUnencrypted")),
        auth=auth,
        ipv4_filter=_text(service, "IPv4Filter"),
        ipv6_filter=_text(service, "IPv6Filter"),
        gpo_settings=gpo,
        default_ports=ports,
    )


# --- reads through WS-Transfer and WS-Enumeration ---------------------------------------------------------------------
class ConfigUnreadError(errors.WinRemoteError):
    """A configuration section the host did not give: unread, which is never the same as absent."""

    def __init__(self, what: str, reason: str) -> None:
        self.what = what
        self.reason = reason
        super().__init__(f"{what} could not be read: {reason}")


# What a refused or malformed read raises; an unreachable host or a lost connection ends the task as it is.
UNREAD_ERRORS = (errors.WSManFaultError, errors.AccessDeniedError, errors.ProtocolError, errors.ServerError)


def unread_reason(exc: errors.WinRemoteError) -> str:
    return errors.truncate(" ".join(str(exc).split()))


Parsed = t.TypeVar("Parsed")


def get_parsed(
    client: Client,
    uri: str,
    what: str,
    parse: t.Callable[[ET.Element], Parsed | None],
    expected: str,
    selectors: dict[str, str] | None = None,
) -> Parsed:
    """One WS-Transfer Get of a winrm/config resource, parsed; a refusal or a reply without ``expected`` is a
    :class:`ConfigUnreadError` naming ``what``."""
    try:
        element = client.get(uri) if selectors is None else client.get(uri, selectors)
    except UNREAD_ERRORS as exc:
        raise ConfigUnreadError(what, unread_reason(exc)) from None
    found = parse(element)
    if found is None:
        raise ConfigUnreadError(what, f"the reply holds no {expected} but {wx.local_name(element.tag)}")
    return found


def enumerate_parsed(
    client: Client, uri: str, what: str, parse: t.Callable[[list[ET.Element]], list[Parsed]], expected: str
) -> list[Parsed]:
    """One WS-Enumeration of a winrm/config resource, every item parsed; a refusal or an item that is not an
    ``expected`` is a :class:`ConfigUnreadError` naming ``what``."""
    try:
        items = client.enumerate(uri)
    except UNREAD_ERRORS as exc:
        raise ConfigUnreadError(what, unread_reason(exc)) from None
    found = parse(items)
    if len(found) != len(items):
        raise ConfigUnreadError(what, f"an enumerated item is not a {expected}")
    return found


def read_service(client: Client) -> ServiceConfig:
    """WS-Transfer Get of winrm/config/service (one request)."""
    return get_parsed(client, SERVICE_URI, "winrm/config/service (WS-Transfer Get)", parse_service, "Service element")


def read_listeners(client: Client) -> list[Listener]:
    """WS-Enumeration of winrm/config/listener (one Enumerate; a Pull only when the host sends more than the first
    reply holds). An empty list is a host without listeners: the enumeration itself succeeded."""
    return enumerate_parsed(client, LISTENER_URI, "winrm/config/listener (WS-Enumeration)", parse_listeners, "Listener")


# --- changes through WS-Transfer -------------------------------------------------------------------------------------
AUTH_URI = SERVICE_URI + "/auth"
AUTH_ELEMENTS = {
    "basic": "Basic",
    "kerberos": "Kerberos",
    "negotiate": "Negotiate",
    "certificate": "Certificate",
    "credssp": "CredSSP",
    "cbt_hardening_level": "CbtHardeningLevel",
}


def _element(tag: str, namespace: str, values: t.Mapping[str, t.Any]) -> ET.Element:
    root = ET.Element(f"{{{namespace}}}{tag}")
    for name, value in values.items():
        child = ET.SubElement(root, f"{{{namespace}}}{name}")
        child.text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return root


def listener_selectors(address: str, transport: str) -> dict[str, str]:
    return {"Address": address, "Transport": transport.upper()}


def create_listener(client: Client, address: str, transport: str, **fields: t.Any) -> None:
    """Create a listener (WinRM restarts and drops open connections afterwards)."""
    client.create(LISTENER_URI, _element("Listener", LISTENER_URI, fields), listener_selectors(address, transport))


def update_listener(client: Client, address: str, transport: str, **fields: t.Any) -> None:
    client.put(LISTENER_URI, _element("Listener", LISTENER_URI, fields), listener_selectors(address, transport))


def delete_listener(client: Client, address: str, transport: str) -> None:
    client.delete(LISTENER_URI, listener_selectors(address, transport))


def set_auth(client: Client, **methods: bool | str) -> None:
    """Turn service authentication methods on or off, e.g. ``set_auth(client, kerberos=True)``; also sets
    ``cbt_hardening_level`` (None, Relaxed or Strict)."""
    values = {AUTH_ELEMENTS[name]: enabled for name, enabled in methods.items()}
    client.put(AUTH_URI, _element("Auth", AUTH_URI, values))


# --- operations ------------------------------------------------------------------------------------------------------
def listener_resource(address: str, transport: str) -> str:
    """The listener as winrm.cmd names it, quoted for a batch file (``"winrm/config/Listener?Address=*+..."``)."""
    return quote.cmd(f"winrm/config/Listener?Address={address}+Transport={transport.upper()}", batch=True)


def restore_listener_commands(address: str, transport: str, previous: Listener | None) -> list[str]:
    """Batch-file lines that put a listener back the way it was (None: it did not exist), for the rollback guard.
    winrm.cmd is a batch file, so ``call`` (a .cmd started from a .cmd without call never returns); ``call``
    expands percent signs a second time, which is harmless here: the line holds only the quoted resource name, a
    port number and true/false, and no ``%``. winrm.cmd needs the service running, so it is started first; it is
    restarted at the end (ASSUMPTION, UNVERIFIED: WinRM picks listener changes up by itself; the restart costs
    nothing here)."""
    resource = listener_resource(address, transport)
    if previous is None:
        undo = f"call winrm delete {resource}"
    else:
        enabled = "true" if previous.enabled else "false"
        undo = f'call winrm set {resource} @{{Port="{int(previous.port or 0)}";Enabled="{enabled}"}}'
    return ["net start winrm >nul 2>&1", undo, tasks.RESTART_WINRM]


def serves(listener: Listener | None, endpoint: Endpoint) -> bool:
    """The listener is one this connection may come through: enabled, on the connection's transport and port. A
    disabled listener serves nobody. Another listener on the same port (by address) is not counted as a way back:
    that errs on the side of refusing."""
    return listener is not None and listener.enabled and endpoint.serves(listener.port, listener.transport)


@dataclasses.dataclass(frozen=True)
class CreateListener(Operation):
    """WS-Transfer Create of a listener; WinRM restarts afterwards and drops open connections."""

    kind: t.ClassVar[str] = "create_listener"
    restarts_winrm: t.ClassVar[bool] = True
    address: str
    transport: str
    port: int
    enabled: bool = True

    def apply(self, client: Client) -> None:
        create_listener(client, self.address, self.transport, Port=self.port, Enabled=self.enabled)

    @property
    def undo(self) -> Restore:
        commands = restore_listener_commands(self.address, self.transport, None)
        return Restore({}, commands, f"the previous {self.transport.upper()} listener")


@dataclasses.dataclass(frozen=True)
class UpdateListener(Operation):
    """WS-Transfer Put of a listener's port and state; WinRM restarts afterwards."""

    kind: t.ClassVar[str] = "update_listener"
    restarts_winrm: t.ClassVar[bool] = True
    previous: Listener
    port: int
    enabled: bool = True

    def apply(self, client: Client) -> None:
        fields = {"Port": self.port, "Enabled": self.enabled}
        update_listener(client, self.previous.address, self.previous.transport, **fields)

    @property
    def undo(self) -> Restore:
        commands = restore_listener_commands(self.previous.address, self.previous.transport, self.previous)
        return Restore({}, commands, f"the previous {self.previous.transport.upper()} listener")

    def affects_endpoint(self, endpoint: Endpoint) -> str | None:
        if not serves(self.previous, endpoint) or (self.enabled and self.port == self.previous.port):
            return None
        return (
            f"changing the {self.previous.transport.upper()} listener on {self.previous.address} changes the "
            f"listener this connection comes through ({endpoint.scheme} port {endpoint.port})"
        )


@dataclasses.dataclass(frozen=True)
class DeleteListener(Operation):
    """WS-Transfer Delete of a listener; WinRM restarts afterwards. Not undone by the guard: over another
    connection it cuts nobody off, and through this one losing access is what was asked for."""

    kind: t.ClassVar[str] = "delete_listener"
    restarts_winrm: t.ClassVar[bool] = True
    previous: Listener

    def apply(self, client: Client) -> None:
        delete_listener(client, self.previous.address, self.previous.transport)

    def affects_endpoint(self, endpoint: Endpoint) -> str | None:
        if not serves(self.previous, endpoint):
            return None
        return (
            f"deleting the {self.previous.transport.upper()} listener on {self.previous.address} removes the "
            f"listener this connection comes through ({endpoint.scheme} port {endpoint.port})"
        )


@dataclasses.dataclass(frozen=True)
class SetAuth(Operation):
    """Turn service authentication methods on or off (``{"kerberos": True}``), with one WS-Transfer Put of
    winrm/config/service/auth. WinRM applies it without a restart. ``previous`` holds the values it replaces (for
    the undo); ``cuts`` says why it ends this connection's authentication (None: it does not)."""

    kind: t.ClassVar[str] = "set_auth"
    methods: tuple[tuple[str, bool | str], ...]
    previous: tuple[tuple[str, bool | str], ...] = ()
    cuts: str | None = None

    def apply(self, client: Client) -> None:
        set_auth(client, **dict(self.methods))

    @property
    def may_lock_out(self) -> bool:
        """Any auth change: the scheme a connection negotiates, a policy that needs a scheme, or channel binding
        (CbtHardeningLevel) decide whether the next logon is accepted, which no up-front check fully knows."""
        return True

    @property
    def undo(self) -> Restore | None:
        if not self.previous:
            return None
        values = {AUTH_ELEMENTS[name]: value for name, value in self.previous}
        return Restore({}, restore_config_commands("winrm/config/service/auth", values), "the previous WinRM auth")

    def affects_endpoint(self, endpoint: Endpoint) -> str | None:
        return self.cuts


# --- the whole configuration in one Get, and Puts of its sections ---------------------------------------------------
WINRS_URI = CONFIG_URI + "/winrs"


@dataclasses.dataclass(frozen=True)
class ConfigSettings:
    """Every setting of winrm/config by its path (``MaxEnvelopeSizekb``, ``Service/Auth/Basic``,
    ``Winrs/MaxShellsPerUser``) as text, and the paths Group Policy sets (``Source="GPO"`` on the element or on a
    section above it). A path missing from ``values`` is a setting this host does not have."""

    values: t.Mapping[str, str]
    gpo: frozenset[str]


def parse_config(element: ET.Element) -> ConfigSettings | None:
    """The leaves of a Get of winrm/config (a ``Config`` element); None when the reply is no Config."""
    root = element if wx.local_name(element.tag) == "Config" else wx.descendant(element, "Config")
    if root is None:
        return None
    values: dict[str, str] = {}
    gpo: set[str] = set()

    def walk(node: ET.Element, prefix: str, inherited: bool) -> None:
        for child in node:
            path = prefix + wx.local_name(child.tag)
            by_policy = inherited or child.get("Source") == "GPO"
            if len(child):
                walk(child, path + "/", by_policy)
                continue
            values[path] = (child.text or "").strip()
            if by_policy:
                gpo.add(path)

    walk(root, "", False)
    return ConfigSettings(values, frozenset(gpo))


def read_config(client: Client) -> ConfigSettings:
    """WS-Transfer Get of winrm/config (one request: the root limits, Service with Auth, Client and Winrs)."""
    return get_parsed(client, CONFIG_URI, "winrm/config (WS-Transfer Get)", parse_config, "Config element")


# Previous values a restore line may carry: a filter, a number, true/false, a CBT level, an SDDL string without
# quoted or conditional parts. Anything else is refused when the undo is built (never written into a batch file).
_RESTORABLE = re.compile(r"[A-Za-z0-9*.,:;()\-]*")


def restore_config_commands(resource: str, values: t.Mapping[str, t.Any]) -> list[str]:
    """Batch-file lines that put settings of a winrm/config section back (``winrm set winrm/config/service
    @{MaxConnections="300"}``), for the rollback guard. Each value must be of the restorable kind; winrm.cmd is a
    batch file, hence ``call``, and it needs the service running, hence the start first."""
    pairs = []
    for name, value in values.items():
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        if not _RESTORABLE.fullmatch(text) or not re.fullmatch(r"[A-Za-z0-9]+", name):
            raise quote.QuoteError(f"{resource} {name} cannot be written into a restore script: {text[:60]!r}")
        pairs.append(f'{name}="{text}"')
    return ["net start winrm >nul 2>&1", f"call winrm set {resource} @{{{';'.join(pairs)}}}"]


@dataclasses.dataclass(frozen=True)
class SetConfigSection(Operation):
    """One WS-Transfer Put of a winrm/config section with the given elements (name, text); WinRM applies these
    settings without a restart. ``previous`` holds the values they replace (the undo), ``cuts`` why the change ends
    this connection (None: it does not). Subclasses name the section."""

    kind: t.ClassVar[str] = "set_config"
    uri: t.ClassVar[str] = CONFIG_URI
    tag: t.ClassVar[str] = "Config"
    resource: t.ClassVar[str] = "winrm/config"
    values: tuple[tuple[str, str], ...]
    previous: tuple[tuple[str, str], ...] = ()
    cuts: str | None = None

    def apply(self, client: Client) -> None:
        client.put(self.uri, _element(self.tag, self.uri, dict(self.values)))

    @property
    def undo(self) -> Restore | None:
        if not self.previous:
            return None
        commands = restore_config_commands(self.resource, dict(self.previous))
        return Restore({}, commands, f"the previous {self.resource} settings")

    def affects_endpoint(self, endpoint: Endpoint) -> str | None:
        return self.cuts


@dataclasses.dataclass(frozen=True)
class SetConfigLimits(SetConfigSection):
    """Put of winrm/config: MaxEnvelopeSizekb, MaxTimeoutms."""

    kind: t.ClassVar[str] = "set_config_limits"


# The winrm/config/service elements whose change may refuse this controller's next logon.
LOCKOUT_SERVICE_SETTINGS = frozenset({"RootSDDL", "AllowUnencrypted", "IPv4Filter", "IPv6Filter"})


@dataclasses.dataclass(frozen=True)
class SetServiceSettings(SetConfigSection):
    """Put of winrm/config/service: AllowUnencrypted, MaxConnections, IPv4Filter, IPv6Filter, RootSDDL."""

    kind: t.ClassVar[str] = "set_service_settings"
    uri: t.ClassVar[str] = SERVICE_URI
    tag: t.ClassVar[str] = "Service"
    resource: t.ClassVar[str] = "winrm/config/service"

    @property
    def may_lock_out(self) -> bool:
        """RootSDDL (who may use WinRM at all: group memberships and deny entries the controller cannot see),
        AllowUnencrypted (an unencrypted connection) and the address filters (where WinRM listens) decide whether
        the next logon is accepted; MaxConnections alone does not."""
        return any(name in LOCKOUT_SERVICE_SETTINGS for name, _value in self.values)


@dataclasses.dataclass(frozen=True)
class SetWinrs(SetConfigSection):
    """Put of winrm/config/winrs: AllowRemoteShellAccess, MaxMemoryPerShellMB, MaxShellsPerUser."""

    kind: t.ClassVar[str] = "set_winrs"
    uri: t.ClassVar[str] = WINRS_URI
    tag: t.ClassVar[str] = "Winrs"
    resource: t.ClassVar[str] = "winrm/config/winrs"


# --- plugins: the PowerShell session configurations ------------------------------------------------------------------
# A session configuration is a WinRM plugin, winrm/config/plugin?Name=<name>: one PlugInConfiguration element
# (Microsoft Learn "WinRM Service Plug-in Configuration",
# https://learn.microsoft.com/windows/win32/winrm/wsman-service-plug-in-configuration) whose Enabled attribute
# Disable-PSSessionConfiguration sets to false from PowerShell 3.0 on, and whose Resources/Resource/Security Sddl
# (the resource http://schemas.microsoft.com/powershell/<name>) is the configuration's security descriptor
# (Set-PSSessionConfiguration -SecurityDescriptorSddl; PowerShell/PowerShell Install-PowerShellRemoting.ps1 registers
# its plugins in that shape).
PLUGIN_URI = CONFIG_URI + "/plugin"
PLUGIN_NS = CONFIG_URI + "/PluginConfiguration"
POWERSHELL_RESOURCE = "http://schemas.microsoft.com/powershell/"
# WS-Man faults that mean "no such plugin" rather than "could not be read": ERROR_WSMAN_RESOURCE_NOT_FOUND
# (2150858752, 0x80338000, wsmerror.h) and the invalid-selectors code 2150858843 (0x8033805B).
PLUGIN_ABSENT_CODES = frozenset({2150858752, 2150858843})


@dataclasses.dataclass(frozen=True)
class PluginConfig:
    """A plugin as its Get shows it. ``sddl`` is the Security of the resource ``resource_uri`` (None: the plugin has
    no such Security element: WinRM then applies the RootSDDL); ``xml`` the element as received, for the Put."""

    name: str
    enabled: bool
    resource_uri: str
    sddl: str | None
    filename: str
    architecture: str
    xml: str

    @property
    def is_powershell(self) -> bool:
        return self.resource_uri.lower().startswith(POWERSHELL_RESOURCE)


def _security(root: ET.Element, resource_uri: str) -> ET.Element | None:
    for resource in root.iter():
        if wx.local_name(resource.tag) != "Resource":
            continue
        if (resource.get("ResourceUri") or "").lower() != resource_uri.lower():
            continue
        for security in resource:
            if (
                wx.local_name(security.tag) == "Security"
                and (security.get("Uri") or "").lower() == resource_uri.lower()
            ):
                return security
    return None


def parse_plugin(element: ET.Element) -> PluginConfig | None:
    """A PlugInConfiguration element (the Get body or an enumerated item); None when it is something else."""
    root = (
        element
        if wx.local_name(element.tag) == "PlugInConfiguration"
        else wx.descendant(element, "PlugInConfiguration")
    )
    if root is None or not root.get("Name"):
        return None
    name = str(root.get("Name"))
    resources = [r for r in root.iter() if wx.local_name(r.tag) == "Resource" and r.get("ResourceUri")]
    wanted = (POWERSHELL_RESOURCE + name).lower()
    chosen = next((r for r in resources if str(r.get("ResourceUri")).lower() == wanted), None)
    chosen = chosen if chosen is not None else (resources[0] if resources else None)
    uri = str(chosen.get("ResourceUri")) if chosen is not None else ""
    security = _security(root, uri) if uri else None
    return PluginConfig(
        name=name,
        enabled=(root.get("Enabled") or "true").strip().lower() == "true",
        resource_uri=uri,
        sddl=security.get("Sddl") if security is not None else None,
        filename=root.get("Filename") or "",
        architecture=root.get("Architecture") or "",
        xml=ET.tostring(root, encoding="unicode"),
    )


def plugin_selectors(name: str) -> dict[str, str]:
    return {"Name": name}


def read_plugin(client: Client, name: str) -> PluginConfig | None:
    """WS-Transfer Get of winrm/config/plugin?Name=<name> (one request); None when the host has no such plugin."""
    what = f"winrm/config/plugin?Name={name} (WS-Transfer Get)"
    try:
        return get_parsed(client, PLUGIN_URI, what, parse_plugin, "PlugInConfiguration", plugin_selectors(name))
    except ConfigUnreadError as exc:
        # the fault the Get was refused with (raised "from None", so it is the context, not the cause)
        if isinstance(exc.__context__, errors.WSManFaultError) and fault_code(exc.__context__) in PLUGIN_ABSENT_CODES:
            return None
        raise


def read_plugins(client: Client) -> list[PluginConfig]:
    """WS-Enumeration of winrm/config/plugin: every plugin (session configurations, WMI Provider, ...)."""
    return enumerate_parsed(
        client,
        PLUGIN_URI,
        "winrm/config/plugin (WS-Enumeration)",
        lambda items: [p for p in (parse_plugin(item) for item in items) if p is not None],
        "PlugInConfiguration",
    )


def fault_code(exc: errors.WSManFaultError) -> int | None:
    """A fault's WSManFault Code as a number (None when the fault carries none)."""
    code = exc.code
    if isinstance(code, int):
        return code
    text = str(code or "").strip()
    return int(text) if text.isdigit() else None


def plugin_body(previous: PluginConfig, enabled: bool | None = None, sddl: str | None = None) -> ET.Element:
    """The Put body: the element as the Get gave it, with Enabled and the resource's Security Sddl replaced."""
    root = ET.fromstring(previous.xml)
    if enabled is not None:
        root.set("Enabled", "true" if enabled else "false")
    if sddl is not None:
        security = _security(root, previous.resource_uri)
        if security is None:
            raise errors.WinRemoteError(
                f"the plugin {previous.name} has no Security element for {previous.resource_uri}, so its security "
                "descriptor cannot be set here"
            )
        security.set("Sddl", sddl)
    return root


def _restore_plugin(previous: PluginConfig) -> Restore:
    """Put the whole previous element back with ``winrm set winrm/config/plugin?Name=<name> -file:<xml>`` (winrm.cmd
    takes a resource's new XML from a file; a value read from the host travels only inside that file)."""
    digest = hashlib.sha256(previous.name.encode("utf-8")).hexdigest()[:16]
    path = rf"%SystemRoot%\Temp\winremote-plugin-{digest}.xml"
    resource = quote.cmd(f"winrm/config/plugin?Name={previous.name}", batch=True)
    commands = [
        "net start winrm >nul 2>&1",
        f"call winrm set {resource} -file:{tasks.host_path_arg(path, batch_file=True)}",
    ]
    return Restore(
        {path: previous.xml.encode("utf-8")}, commands, f"the previous session configuration {previous.name}"
    )


@dataclasses.dataclass(frozen=True)
class SetPluginSecurity(Operation):
    """One WS-Transfer Put of a plugin with a new Sddl on its resource's Security element. ``cuts`` says why it ends
    this controller's access (None: it does not).

    ASSUMPTION (UNVERIFIED): WinRM applies the Put to new shells without a restart, so no rollback guard is armed.
    The PowerShell cmdlets restart WinRM by default, and the PowerShell SDK says of their -NoServiceRestart
    "Typically WinRM service need to be restarted for changes to take place"
    (https://learn.microsoft.com/dotnet/api/microsoft.powershell.commands.unregisterpssessionconfigurationcommand.noservicerestart);
    whether a direct Put of an existing plugin needs it on every release was not found."""

    kind: t.ClassVar[str] = "set_plugin_security"
    previous: PluginConfig
    sddl: str
    enabled: bool | None = None  # also set Enabled in the same Put
    cuts: str | None = None

    def __post_init__(self) -> None:
        plugin_body(self.previous, self.enabled, self.sddl)  # refuses a plugin without the Security element now

    def apply(self, client: Client) -> None:
        client.put(
            PLUGIN_URI, plugin_body(self.previous, self.enabled, self.sddl), plugin_selectors(self.previous.name)
        )

    @property
    def undo(self) -> Restore:
        return _restore_plugin(self.previous)

    def affects_endpoint(self, endpoint: Endpoint) -> str | None:
        return self.cuts


@dataclasses.dataclass(frozen=True)
class SetPluginEnabled(Operation):
    """One WS-Transfer Put of a plugin with Enabled changed (what Enable/Disable-PSSessionConfiguration set from
    PowerShell 3.0 on); no restart, as for SetPluginSecurity."""

    kind: t.ClassVar[str] = "set_plugin_enabled"
    previous: PluginConfig
    enabled: bool
    cuts: str | None = None

    def apply(self, client: Client) -> None:
        client.put(PLUGIN_URI, plugin_body(self.previous, self.enabled), plugin_selectors(self.previous.name))

    @property
    def undo(self) -> Restore:
        return _restore_plugin(self.previous)

    def affects_endpoint(self, endpoint: Endpoint) -> str | None:
        return self.cuts
