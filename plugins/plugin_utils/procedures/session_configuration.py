# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A PowerShell session configuration: whether it is enabled, and who may use it (its security descriptor).

Observed with one WS-Transfer Get of ``winrm/config/plugin?Name=<name>`` (winrm_config.read_plugin), plus one Get of
Win32_UserAccount (and of Win32_Group when that finds nothing) for each principal given by a name the controller
does not know, and one Enumerate of Win32_OperatingSystem for the host's name when a local account is named without
it. Changed with one WS-Transfer Put of the plugin (winrm_config.SetPluginSecurity / SetPluginEnabled).

The rights are the four of the permissions dialog of ``Set-PSSessionConfiguration -ShowSecurityDescriptorUI``: Full
Control (GA), Read (GR), Write (GW) and Execute (Invoke) (GX); to use a configuration "users must have at least
Execute(Invoke) permission" (Register-PSSessionConfiguration, -SecurityDescriptorSddl, Microsoft Learn). Grants and
revokes edit the descriptor with the lossless editor (windows/sddl.py), so every other ACE stays as it was.

Ansible's psrp connection uses the configuration Microsoft.PowerShell (the collection refuses any other
``ansible_psrp_configuration_name``). A change that would take Execute on it away from an administrator's network
logon (BUILTIN\\Administrators, Everyone, Authenticated Users, NETWORK, and the connecting account's SID when the
task names it), or disable it, is refused before anything changes unless ``allow_self_disconnect`` is set.
ASSUMPTION: the controller connects as an administrator, as every change of the collection requires.
"""

from __future__ import annotations

import dataclasses
import re
import typing as t
import xml.etree.ElementTree as ET

from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.change import Change, Endpoint, Outcome
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.execute import Procedure
from ansible_collections.winremote.remoting.plugins.plugin_utils.errors import InvalidArgumentError
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import sddl, winrm_config
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import cim
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import errors as wire
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import xml as wx
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.errors import WinRemoteError
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.protocol import Client

CONNECTION_CONFIGURATION = "Microsoft.PowerShell"
PERMISSIONS = {"full": "GA", "read": "GR", "write": "GW", "execute": "GX"}
ACE_TYPES = {"allow": "A", "deny": "D"}
# Names resolved on the controller: the English names of well-known groups ("Well-known SIDs", Microsoft Learn).
# On a localized Windows the names differ but the SIDs do not; any other spelling is resolved on the host.
WELL_KNOWN: dict[str, str] = {
    "builtin\\administrators": "S-1-5-32-544",
    "administrators": "S-1-5-32-544",
    "builtin\\users": "S-1-5-32-545",
    "users": "S-1-5-32-545",
    "builtin\\remote management users": "S-1-5-32-580",
    "remote management users": "S-1-5-32-580",
    "builtin\\remote desktop users": "S-1-5-32-555",
    "remote desktop users": "S-1-5-32-555",
    "nt authority\\interactive": "S-1-5-4",
    "interactive": "S-1-5-4",
    "nt authority\\network": "S-1-5-2",
    "network": "S-1-5-2",
    "nt authority\\authenticated users": "S-1-5-11",
    "authenticated users": "S-1-5-11",
    "nt authority\\system": "S-1-5-18",
    "system": "S-1-5-18",
    "everyone": "S-1-1-0",
}
DISPLAY: dict[str, str] = {
    "S-1-5-32-544": "BUILTIN\\Administrators",
    "S-1-5-32-545": "BUILTIN\\Users",
    "S-1-5-32-580": "BUILTIN\\Remote Management Users",
    "S-1-5-32-555": "BUILTIN\\Remote Desktop Users",
    "S-1-5-4": "NT AUTHORITY\\INTERACTIVE",
    "S-1-5-2": "NT AUTHORITY\\NETWORK",
    "S-1-5-11": "NT AUTHORITY\\Authenticated Users",
    "S-1-5-18": "NT AUTHORITY\\SYSTEM",
    "S-1-1-0": "Everyone",
}
# An administrator's network logon (BUILTIN\Administrators, Everyone, Authenticated Users, NETWORK).
ADMIN_TOKEN = ("S-1-5-32-544", *sorted(sddl.NETWORK_LOGON_SIDS))
# Configuration names: letters, digits and . - _ (Register-PSSessionConfiguration names such as
# Microsoft.PowerShell.Workflow); anything else is refused before it reaches a selector.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
# Account and group names: not the characters Windows forbids in them (" / \ [ ] : ; | = , + * ? < >, Microsoft
# Learn "Naming conventions" for user and group names), nor the cmd.exe metacharacters & ^ % ! ' ` and no control
# characters; one backslash may separate a domain.
_ACCOUNT_PART = r"[^\x00-\x1f\x7f\"/\\\[\]:;|=,+*?<>&^%!'`@]{1,256}"
_ACCOUNT = re.compile(rf"(?:(?P<domain>{_ACCOUNT_PART}|\.)\\)?(?P<name>{_ACCOUNT_PART})")
_SID = re.compile(r"S-1-[0-9]+(?:-[0-9]+){1,14}")
CIMV2 = "root/cimv2"


@dataclasses.dataclass(frozen=True)
class Principal:
    """A principal as the task gave it: a SID, or a (domain, name) to resolve ("" domain: a local account)."""

    given: str
    sid: str | None = None
    domain: str = ""
    name: str = ""

    @property
    def local(self) -> bool:
        return self.domain in ("", ".")


def parse_principal(option: str, value: t.Any) -> Principal:
    """A SID (S-1-...), a well-known name, ``DOMAIN\\name`` or ``name``; InvalidArgumentError names the option."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidArgumentError(option, "must be a user or group name, or a SID (S-1-...)")
    text = value.strip()
    if text.upper().startswith("S-"):
        if not _SID.fullmatch(text.upper()):
            raise InvalidArgumentError(option, f"{text[:60]!r} is not a SID of the form S-1-5-21-...")
        return Principal(text, text.upper())
    known = WELL_KNOWN.get(text.lower())
    if known is not None:
        return Principal(text, known)
    match = _ACCOUNT.fullmatch(text)
    if match is None or match.group("name").strip() != match.group("name"):
        raise InvalidArgumentError(
            option,
            f"{text[:60]!r} is not an account or group name (DOMAIN\\name or name, without control characters or "
            "any of \" / \\ [ ] : ; | = , + * ? < > & ^ % ! ' ` @) nor a SID",
        )
    return Principal(text, None, match.group("domain") or "", match.group("name"))


@dataclasses.dataclass(frozen=True)
class AccessEntry:
    principal: Principal
    rights: str  # "GA", "GRGX"
    ace_type: str  # "A" | "D"


def _rights(option: str, value: t.Any) -> str:
    items = value if isinstance(value, list) else [value]
    if not items or any(not isinstance(i, str) or i.lower() not in PERMISSIONS for i in items):
        raise InvalidArgumentError(option, f"must be a list of {', '.join(PERMISSIONS)}")
    if "full" in (i.lower() for i in items):
        return "GA"
    return "".join(PERMISSIONS[r] for r in PERMISSIONS if r in (i.lower() for i in items))


def validate_sddl(text: t.Any) -> str:
    """The whole descriptor: it must parse ([MS-DTYP] 2.5.1) and hold a DACL that is not NULL (a NULL DACL lets
    every caller in; no DACL leaves the configuration to the RootSDDL)."""
    if not isinstance(text, str):
        raise InvalidArgumentError("sddl", "must be a string")
    value = text.strip(" ")
    try:
        descriptor = sddl.parse(value)
    except sddl.SddlError as exc:
        raise InvalidArgumentError("sddl", f"not a valid SDDL string: {exc}") from None
    if descriptor.dacl is None or descriptor.dacl.is_null:
        raise InvalidArgumentError("sddl", "must have a DACL (D:) that is not NULL, or every caller is let in")
    return value


@dataclasses.dataclass(frozen=True)
class SessionDesired:
    name: str = CONNECTION_CONFIGURATION
    enabled: bool | None = None
    access: tuple[AccessEntry, ...] = ()
    access_state: str = "present"
    sddl: str | None = None
    allow_self_disconnect: bool = False
    connection_user: str | None = None  # the connection's user name, to count its own SID in the token

    @classmethod
    def from_args(cls, args: t.Mapping[str, t.Any], config: t.Any = None) -> SessionDesired:
        """Validate every option before any connection (each error names its option)."""
        name = args.get("name") or CONNECTION_CONFIGURATION
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise InvalidArgumentError(
                "name", f"{str(name)[:60]!r} is not a session configuration name (letters, digits, . - _)"
            )
        state = args.get("state")
        if state not in (None, "enabled", "disabled"):
            raise InvalidArgumentError("state", "must be enabled or disabled")
        access_state = args.get("access_state") or "present"
        if access_state not in ("present", "absent"):
            raise InvalidArgumentError("access_state", "must be present or absent")
        raw_access = args.get("access") or []
        if args.get("sddl") is not None and raw_access:
            raise InvalidArgumentError("access", "is mutually exclusive with sddl")
        entries = []
        for index, entry in enumerate(raw_access):
            where = f"access[{index}]"
            if not isinstance(entry, t.Mapping):
                raise InvalidArgumentError(where, "must be a dictionary with principal, permissions and type")
            principal = parse_principal(f"{where}.principal", entry.get("principal"))
            rights = _rights(f"{where}.permissions", entry.get("permissions") or ["full"])
            kind = entry.get("type") or "allow"
            if kind not in ACE_TYPES:
                raise InvalidArgumentError(f"{where}.type", "must be allow or deny")
            entries.append(AccessEntry(principal, rights, ACE_TYPES[kind]))
        descriptor = validate_sddl(args["sddl"]) if args.get("sddl") is not None else None
        user = str(config.username) if config is not None and getattr(config, "username", None) else None
        return cls(
            name=name,
            enabled=None if state is None else state == "enabled",
            access=tuple(entries),
            access_state=access_state,
            sddl=descriptor,
            allow_self_disconnect=bool(args.get("allow_self_disconnect", False)),
            connection_user=user,
        )

    @property
    def endpoint(self) -> Endpoint:
        return Endpoint()

    def unresolved(self) -> list[Principal]:
        return [e.principal for e in self.access if e.principal.sid is None]


@dataclasses.dataclass(frozen=True)
class SessionState:
    plugin: winrm_config.PluginConfig | None
    sids: t.Mapping[str, str | None] = dataclasses.field(default_factory=dict)  # given name -> SID (None: unknown)
    names: t.Mapping[str, str] = dataclasses.field(default_factory=dict)  # SID -> DOMAIN\name, as the host said


# --- resolving names on the host --------------------------------------------------------------------------------------
def _child_text(element: ET.Element, name: str) -> str | None:
    for node in element.iter():
        if wx.local_name(node.tag) == name:
            return (node.text or "").strip()
    return None


def _lookup(client: Client, class_name: str, domain: str, name: str) -> str | None:
    """The SID of an instance of Win32_UserAccount or Win32_Group (keys Domain and Name); None when there is none."""
    try:
        element = client.get(cim.cim_uri(CIMV2, class_name), {"Domain": domain, "Name": name})
    except wire.WSManFaultError as exc:
        if winrm_config.fault_code(exc) in winrm_config.PLUGIN_ABSENT_CODES:
            return None
        raise winrm_config.ConfigUnreadError(
            f"{class_name} {domain}\\{name}", winrm_config.unread_reason(exc)
        ) from None
    sid = _child_text(element, "SID")
    return sid if sid and _SID.fullmatch(sid.upper()) else None


def computer_name(client: Client) -> str:
    """The host's NetBIOS name (Win32_OperatingSystem.CSName): the Domain of its local accounts."""
    what = "Win32_OperatingSystem (WS-Enumeration)"
    try:
        items = client.enumerate(cim.cim_uri(CIMV2, "Win32_OperatingSystem"))
    except winrm_config.UNREAD_ERRORS as exc:
        raise winrm_config.ConfigUnreadError(what, winrm_config.unread_reason(exc)) from None
    name = next((n for n in (_child_text(i, "CSName") for i in items) if n), None)
    if not name:
        raise winrm_config.ConfigUnreadError(what, "no CSName in the reply")
    return name


def resolve(client: Client, principals: t.Sequence[Principal]) -> tuple[dict[str, str | None], dict[str, str]]:
    """SIDs of the principals given by name, and their names by SID."""
    sids: dict[str, str | None] = {}
    names: dict[str, str] = {}
    host = computer_name(client) if any(p.local for p in principals) else ""
    for principal in principals:
        domain = host if principal.local else principal.domain
        found = _lookup(client, "Win32_UserAccount", domain, principal.name)
        if found is None:
            found = _lookup(client, "Win32_Group", domain, principal.name)
        sids[principal.given] = found
        if found is not None:
            names[found] = f"{domain}\\{principal.name}"
    return sids, names


# --- planning ---------------------------------------------------------------------------------------------------------
def _sid_of(token: str) -> str:
    try:
        return sddl.sid_of(token)
    except sddl.SddlError:
        return token  # a domain-relative alias (DA, DU, ...): kept as written


def decode(descriptor: str | None, names: t.Mapping[str, str] | None = None) -> list[dict[str, t.Any]]:
    """The DACL as the module returns it: principal SID, name when known, rights, allow/deny."""
    if descriptor is None:
        return []
    parsed = sddl.parse(descriptor)
    if parsed.dacl is None:
        return []
    known = {**DISPLAY, **(names or {})}
    found = []
    for ace in parsed.dacl.aces:
        sid = _sid_of(ace.sid)
        mask = ace.mask
        if mask & sddl.GENERIC_ALL:
            rights = ["full"]
        else:
            rights = [r for r, token in PERMISSIONS.items() if token != "GA" and mask & sddl.RIGHTS[token]]
        if mask & ~(sddl.GENERIC_ALL | sddl.GENERIC_READ | sddl.GENERIC_WRITE | sddl.GENERIC_EXECUTE):
            rights.append(f"0x{mask:08x}")
        kind = "allow" if ace.type in sddl.ALLOW_TYPES else "deny" if ace.type in sddl.DENY_TYPES else ace.type
        found.append({"sid": sid, "name": known.get(sid), "rights": rights, "type": kind, "inherited": ace.inherited})
    return found


def _connection_token(state: SessionState, request: SessionDesired) -> set[str]:
    token = set(ADMIN_TOKEN)
    user = (request.connection_user or "").lower()
    short = user.rpartition("\\")[2].partition("@")[0]
    for entry in request.access:
        given = entry.principal.given.lower()
        if given and (given == user or (entry.principal.local and entry.principal.name.lower() == short)):
            sid = entry.principal.sid or state.sids.get(entry.principal.given)
            if sid:
                token.add(sid)
    return token


def _cut_reason(
    state: SessionState, request: SessionDesired, before: str | None, after: str | None, enabled: bool
) -> str | None:
    plugin = state.plugin
    if plugin is None or plugin.name.lower() != CONNECTION_CONFIGURATION.lower():
        return None
    if plugin.enabled and not enabled:
        return (
            f"state=disabled turns off {plugin.name}, the session configuration Ansible's psrp connection to this "
            "host uses"
        )
    if before is None or after is None:
        return None
    token = _connection_token(state, request)
    if sddl.removes_access(sddl.parse(before), sddl.parse(after), token, sddl.GENERIC_EXECUTE):
        return (
            f"the new security descriptor of {plugin.name} no longer gives an administrator's network logon "
            "(BUILTIN\\Administrators, Everyone, Authenticated Users, NETWORK, and the connecting account) "
            "Execute (Invoke), and Ansible's psrp connection to this host uses that session configuration"
        )
    return None


def planned_sddl(state: SessionState, request: SessionDesired) -> str | None:
    """The descriptor the task wants (None: the task leaves it alone)."""
    plugin = state.plugin
    if plugin is None:  # plan() refuses a configuration the host does not have before asking for its SDDL
        raise AssertionError("planned_sddl() needs an observed session configuration")
    if request.sddl is not None:
        return request.sddl
    if not request.access:
        return None
    if plugin.sddl is None:
        raise WinRemoteError(
            f"access: the session configuration {plugin.name} has no security descriptor of its own for "
            f"{plugin.resource_uri} (WinRM applies the RootSDDL), so there is nothing to grant in; nothing was changed"
        )
    try:
        descriptor = sddl.parse(plugin.sddl)
    except sddl.SddlError as exc:
        raise WinRemoteError(f"the host's security descriptor of {plugin.name} does not parse: {exc}") from None
    for index, entry in enumerate(request.access):
        sid = entry.principal.sid or state.sids.get(entry.principal.given)
        if sid is None:
            raise WinRemoteError(
                f"access[{index}].principal: {entry.principal.given!r} is no account or group this host knows "
                "(Win32_UserAccount and Win32_Group); give its SID instead; nothing was changed"
            )
        if request.access_state == "absent":
            descriptor = sddl.revoke(descriptor, sid)
        else:
            descriptor = sddl.grant(descriptor, sid, entry.rights, entry.ace_type)
    return str(descriptor)


def _canonical(descriptor: str) -> str:
    """The descriptor with every SID in S-1- form, so ``RM`` and ``S-1-5-32-580`` compare equal (ASSUMPTION: Windows
    may store a SID string in either form; what it grants does not change)."""
    parsed = sddl.parse(descriptor)

    def acl(value: sddl.Acl | None) -> sddl.Acl | None:
        if value is None:
            return None
        return sddl.Acl(value.flags, tuple(dataclasses.replace(a, sid=_sid_of(a.sid)) for a in value.aces))

    owner = _sid_of(parsed.owner) if parsed.owner else parsed.owner
    group = _sid_of(parsed.group) if parsed.group else parsed.group
    return str(sddl.SecurityDescriptor(owner, group, acl(parsed.dacl), acl(parsed.sacl)))


def same_descriptor(have: str | None, want: str) -> bool:
    if have is None:
        return False
    if have == want:
        return True
    try:
        return _canonical(have) == _canonical(want)
    except sddl.SddlError:
        return False


def plan(state: SessionState, request: SessionDesired) -> list[Change]:
    plugin = state.plugin
    if plugin is None:
        raise WinRemoteError(
            f"name: this host has no session configuration {request.name} (winrm/config/plugin?Name={request.name}); "
            "register it first (Register-PSSessionConfiguration); nothing was changed"
        )
    wanted = planned_sddl(state, request)
    new_sddl = wanted if wanted is not None and not same_descriptor(plugin.sddl, wanted) else None
    new_enabled = request.enabled if request.enabled is not None and request.enabled != plugin.enabled else None
    if new_sddl is None and new_enabled is None:
        return []
    enabled_after = plugin.enabled if new_enabled is None else new_enabled
    cuts = _cut_reason(state, request, plugin.sddl, new_sddl or plugin.sddl, enabled_after)
    operation: winrm_config.Operation
    if new_sddl is not None:
        operation = winrm_config.SetPluginSecurity(plugin, new_sddl, new_enabled, cuts)
    else:
        operation = winrm_config.SetPluginEnabled(plugin, enabled_after, cuts)
    changes = []
    if new_sddl is not None:
        summary = f"set the security descriptor of {plugin.name} to {new_sddl!r} (was {plugin.sddl!r})"
        changes.append(Change(f"{plugin.name}.sddl", plugin.sddl, new_sddl, summary, operation))
    if new_enabled is not None:
        verb = "enable" if new_enabled else "disable"
        changes.append(
            Change(f"{plugin.name}.enabled", plugin.enabled, new_enabled, f"{verb} {plugin.name}", operation)
        )
    return changes


class SessionConfiguration(Procedure[SessionState, SessionDesired]):
    """observe (one Get of the plugin, and the principals' SIDs) -> plan (pure) -> one Put."""

    def __init__(self, request: SessionDesired) -> None:
        self.request = request

    def observe(self, client: Client) -> SessionState:
        plugin = winrm_config.read_plugin(client, self.request.name)
        if plugin is None or not self.request.unresolved():
            return SessionState(plugin)
        sids, names = resolve(client, self.request.unresolved())
        return SessionState(plugin, sids, names)

    def plan(self, state: SessionState, request: SessionDesired) -> list[Change]:
        return plan(state, request)

    def facts(self, outcome: Outcome[SessionState], request: SessionDesired) -> tuple[dict[str, t.Any], list[str]]:
        base = outcome.after or outcome.before
        plugin = base.plugin
        if plugin is None:  # facts() runs only after a plan, which needs the configuration
            raise AssertionError("facts() needs an observed session configuration")
        descriptor, enabled = plugin.sddl, plugin.enabled
        if outcome.after is None:
            for change in outcome.changes:
                if change.target.endswith(".sddl"):
                    descriptor = change.after
                elif change.target.endswith(".enabled"):
                    enabled = change.after
        warnings = []
        reachable = not (outcome.applied and any(c.disruptive for c in outcome.changes))
        if not reachable:
            warnings.append(
                f"{plugin.name} no longer admits this controller's account, as allow_self_disconnect=true allowed; "
                "Ansible's psrp connection to this host fails until that is undone"
            )
        names = dict(outcome.before.names)
        facts = {
            "name": plugin.name,
            "resource_uri": plugin.resource_uri,
            "enabled": enabled,
            "sddl": descriptor,
            "access": decode(descriptor, names),
            "reachable": reachable,
        }
        return facts, warnings
