# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""WinRM's own settings: the limits of winrm/config, winrm/config/service with its auth, and winrm/config/winrs.

Observed with one WS-Transfer Get of winrm/config (it holds Service, Auth and Winrs, with ``Source="GPO"`` on what
Group Policy sets); each section that changes gets one WS-Transfer Put, as ``winrm set winrm/config/...`` does.
ASSUMPTION (UNVERIFIED for every setting): WinRM applies these Puts without a restart. A Put that may lock this
controller out (any auth change; RootSDDL, AllowUnencrypted or a filter) runs under the rollback guard
(``winremote-rollback-winrmservice``): the engine reconnects with a new logon, checks the planned values with one
Get, and cancels the task; a host that refuses the new logon restores the previous values by itself. A task left
waiting is listed by remoting_info (``pending_rollback_tasks``), and a rerun that applies a guarded change again
replaces it; the observation stays one Get, so a rerun with nothing to change does not look for it.

Only the settings a task names are managed. A setting Group Policy controls is never fought: the task fails naming
the policy when the wanted value differs. A change that would end the authentication or transport this controller
is connected with is refused before anything changes, unless ``allow_self_disconnect`` is set.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import typing as t

from ansible_collections.winremote.remoting.plugins.plugin_utils.engine import guard
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.change import (
    Change,
    Endpoint,
    Operation,
    Outcome,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.execute import Procedure
from ansible_collections.winremote.remoting.plugins.plugin_utils.errors import InvalidArgumentError
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures import winrm_policy
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import sddl, winrm_config, winrm_filters
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.errors import WinRemoteError
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.protocol import Client

LEARN_WINRM = (
    "Microsoft Learn, Installation and configuration for Windows Remote Management, "
    "https://learn.microsoft.com/windows/win32/winrm/installation-and-configuration-for-windows-remote-management"
)
POLICY = (
    "Computer Configuration > Administrative Templates > Windows Components > Windows Remote Management (WinRM) > "
    "WinRM Service > "
)
REMOTE_SHELL_POLICY = "Computer Configuration > Administrative Templates > Windows Components > Windows Remote Shell > "
UINT32 = 4294967295
INT32 = 2147483647


@dataclasses.dataclass(frozen=True)
class Setting:
    """One module option and the winrm/config element it manages."""

    option: str  # "auth.basic"
    path: str  # "Service/Auth/Basic", from the winrm/config root
    kind: str  # bool | int | level | filter | sddl
    policy: str | None = None  # the Group Policy setting that can set it
    low: int = 0
    high: int = 0
    source: str = ""  # where the range comes from

    @property
    def section(self) -> str:
        return self.path.rpartition("/")[0]

    @property
    def element(self) -> str:
        return self.path.rpartition("/")[2]


SETTINGS: tuple[Setting, ...] = (
    Setting("auth.basic", "Service/Auth/Basic", "bool", POLICY + "Allow Basic authentication"),
    Setting("auth.kerberos", "Service/Auth/Kerberos", "bool", POLICY + "Disallow Kerberos authentication"),
    Setting("auth.negotiate", "Service/Auth/Negotiate", "bool", POLICY + "Disallow Negotiate authentication"),
    Setting("auth.certificate", "Service/Auth/Certificate", "bool"),
    Setting("auth.credssp", "Service/Auth/CredSSP", "bool", POLICY + "Allow CredSSP authentication"),
    Setting(
        "auth.cbt_hardening_level",
        "Service/Auth/CbtHardeningLevel",
        "level",
        POLICY + "Specify channel binding token hardening level",
    ),
    Setting("allow_unencrypted", "Service/AllowUnencrypted", "bool", POLICY + "Allow unencrypted traffic"),
    # [MS-WSMV] 2.2.4.10 ConfigType: MaxEnvelopeSizekb at least 32, MaxTimeoutms at least 500, both at most 2^32-1
    # (https://learn.microsoft.com/openspecs/windows_protocols/ms-wsmv/932240de-3943-4ed3-a162-8b3c4de5a286).
    Setting("max_envelope_size_kb", "MaxEnvelopeSizekb", "int", low=32, high=UINT32, source="[MS-WSMV] 2.2.4.10"),
    Setting("max_timeout_ms", "MaxTimeoutms", "int", low=500, high=UINT32, source="[MS-WSMV] 2.2.4.10"),
    # ASSUMPTION (UNVERIFIED minimum): MaxConnections is an xs:unsignedInt ([MS-WSMV] 2.2.4.36 ServiceType); 0 would
    # admit no connection at all, so 1 is the least accepted here.
    Setting("max_connections", "Service/MaxConnections", "int", low=1, high=UINT32, source="ASSUMPTION: 1 or more"),
    Setting(
        "ipv4_filter",
        "Service/IPv4Filter",
        "filter",
        POLICY + "Allow remote server management through WinRM (IPv4 filter)",
    ),
    Setting(
        "ipv6_filter",
        "Service/IPv6Filter",
        "filter",
        POLICY + "Allow remote server management through WinRM (IPv6 filter)",
    ),
    Setting("root_sddl", "Service/RootSDDL", "sddl"),
    Setting(
        "winrs.allow_remote_shell_access",
        "Winrs/AllowRemoteShellAccess",
        "bool",
        REMOTE_SHELL_POLICY + "Allow Remote Shell Access",
    ),
    # The Windows Remote Shell policies' help: any value from 0 to 0x7FFFFFFF, 0 meaning unlimited.
    Setting(
        "winrs.max_memory_per_shell_mb",
        "Winrs/MaxMemoryPerShellMB",
        "int",
        REMOTE_SHELL_POLICY + "Specify maximum amount of memory in MB per Shell",
        low=0,
        high=INT32,
        source="the Windows Remote Shell policy's range, 0 = unlimited",
    ),
    Setting(
        "winrs.max_shells_per_user",
        "Winrs/MaxShellsPerUser",
        "int",
        REMOTE_SHELL_POLICY + "Specify maximum number of remote shells per user",
        low=0,
        high=INT32,
        source="the Windows Remote Shell policy's range, 0 = unlimited",
    ),
)
BY_OPTION = {s.option: s for s in SETTINGS}
LEVELS = {"none": "None", "relaxed": "Relaxed", "strict": "Strict"}
SECTIONS: dict[str, tuple[str, type[winrm_config.SetConfigSection] | None]] = {
    "": ("winrm/config", winrm_config.SetConfigLimits),
    "Service": ("winrm/config/service", winrm_config.SetServiceSettings),
    "Service/Auth": ("winrm/config/service/auth", None),  # winrm_config.SetAuth
    "Winrs": ("winrm/config/winrs", winrm_config.SetWinrs),
}
# The auth element each connection method needs. ntlm travels in the Negotiate scheme. ASSUMPTION (UNVERIFIED): a
# kerberos connection needs Auth/Kerberos; pypsrp may carry its ticket in the Negotiate scheme, so it is also cut when
# both schemes go.
CONNECTION_AUTH = {
    "negotiate": "auth.negotiate",
    "ntlm": "auth.negotiate",
    "kerberos": "auth.kerberos",
    "basic": "auth.basic",
    "credssp": "auth.credssp",
    "certificate": "auth.certificate",
}
# Whom the RootSDDL must keep admitting: an administrator's network logon (BUILTIN\Administrators, Everyone,
# Authenticated Users, NETWORK). ASSUMPTION: this controller connects as an administrator, as the collection's
# changes require.
ADMIN_TOKEN = ("BA", "WD", "AU", "NU")
Value = bool | int | str


class GpoControlledError(WinRemoteError):
    """A wanted setting is set by Group Policy to something else; nothing on the host was changed."""

    kind = "gpo_controlled"


def _lookup(args: t.Mapping[str, t.Any], option: str) -> t.Any:
    group, _sep, name = option.rpartition(".")
    if not group:
        return args.get(name)
    return (args.get(group) or {}).get(name)


def validate(setting: Setting, raw: t.Any) -> Value:
    """The option's value, typed and canonical; InvalidArgumentError names the option."""
    option = setting.option
    if setting.kind == "bool":
        if not isinstance(raw, bool):
            raise InvalidArgumentError(option, f"must be true or false, got {raw!r}")
        return raw
    if setting.kind == "int":
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise InvalidArgumentError(option, f"must be a whole number, got {raw!r}")
        if not setting.low <= raw <= setting.high:
            raise InvalidArgumentError(
                option, f"must be between {setting.low} and {setting.high} ({setting.source}), got {raw}"
            )
        return raw
    if not isinstance(raw, str):
        raise InvalidArgumentError(option, f"must be a string, got {type(raw).__name__}")
    if setting.kind == "level":
        if raw.lower() not in LEVELS:
            raise InvalidArgumentError(option, f"must be one of {', '.join(LEVELS)}, got {raw[:40]!r}")
        return LEVELS[raw.lower()]
    if setting.kind == "filter":
        return winrm_filters.normalize(option, raw)  # FilterError names the option
    return validate_sddl(raw)


def validate_sddl(text: str) -> str:
    """A RootSDDL must parse ([MS-DTYP] 2.5.1) and hold a real DACL: without one, or with a NULL DACL, every caller
    would be let in."""
    try:
        descriptor = sddl.parse(text)
    except sddl.SddlError as exc:
        raise InvalidArgumentError("root_sddl", f"not a valid SDDL string: {exc}") from None
    if descriptor.dacl is None or descriptor.dacl.is_null:
        raise InvalidArgumentError("root_sddl", "must have a DACL (D:) that is not NULL, or every caller is let in")
    return text


def render(setting: Setting, value: Value) -> str:
    """The element text Windows stores for ``value``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def typed(setting: Setting, text: str | None) -> Value | None:
    """A host's element text as the module reports it (text kept when it does not parse)."""
    if text is None:
        return None
    if setting.kind == "bool" and text.lower() in ("true", "false"):
        return text.lower() == "true"
    if setting.kind == "int" and text.isascii() and text.isdigit():
        return int(text)
    return text


def _typed_text(setting: Setting, text: str) -> Value:
    value = typed(setting, text)
    return text if value is None else value


def same(setting: Setting, have: str, want: Value) -> bool:
    """Compare by meaning: booleans and levels in any case, numbers as numbers, filters normalised."""
    if setting.kind == "bool":
        return have.lower() == render(setting, want)
    if setting.kind == "int":
        return have.isascii() and have.isdigit() and int(have) == want
    if setting.kind == "level":
        return have.lower() == str(want).lower()
    if setting.kind == "filter":
        try:
            return winrm_filters.normalize(setting.option, have) == want
        except winrm_filters.FilterError:
            return False
    return have == want


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return False
    return True


@dataclasses.dataclass(frozen=True)
class Connection:
    """How this controller is connected, to know which changes would cut it off."""

    auth: str = "negotiate"
    scheme: str = "http"
    port: int = 5985
    message_encryption: str = "auto"
    send_cbt: bool = True
    operation_timeout: int | None = None  # seconds, sent as every request's OperationTimeout
    host: str | None = None
    addresses: tuple[str, ...] | None = None  # the literal, or what the name resolved to on the controller
    resolve_error: str | None = None

    @property
    def plain(self) -> bool:
        """Messages travel unencrypted: HTTP with Basic, or with message_encryption=never."""
        return self.scheme == "http" and (self.auth == "basic" or self.message_encryption == "never")

    def describe(self) -> str:
        encryption = "" if self.scheme == "https" else f", message_encryption={self.message_encryption}"
        return f"connection auth={self.auth} over {self.scheme.upper()} port {self.port}{encryption}"


@dataclasses.dataclass(frozen=True)
class ServiceDesired:
    wanted: tuple[tuple[str, Value], ...]  # (option, typed value), in SETTINGS order
    allow_self_disconnect: bool = False
    connection: Connection | None = None  # None: not known (pure plan tests), nothing is refused for it

    @classmethod
    def from_args(
        cls,
        args: t.Mapping[str, t.Any],
        config: t.Any = None,
        resolver: winrm_policy.Resolver | None = None,
    ) -> ServiceDesired:
        """Validate the options (every error names one, before any connection) and describe the connection from
        ``config`` (a ConnectionConfig); a host name is resolved on the controller only when a filter restricts."""
        wanted = []
        for setting in SETTINGS:
            raw = _lookup(args, setting.option)
            if raw is not None:
                wanted.append((setting.option, validate(setting, raw)))
        connection = None
        if config is not None:
            host = str(config.host or "")
            addresses: tuple[str, ...] | None = None
            error = None
            restricted = any(BY_OPTION[o].kind == "filter" and v != "*" for o, v in wanted)
            if host and _is_ip(host):
                addresses = (str(ipaddress.ip_address(host.strip("[]"))),)
            elif host and restricted:
                try:
                    addresses = tuple((resolver or winrm_policy.resolve)(host, int(config.port)))
                except OSError as exc:
                    error = str(exc) or type(exc).__name__
            connection = Connection(
                auth=str(config.auth),
                scheme=str(config.scheme).lower(),
                port=int(config.port),
                message_encryption=str(config.message_encryption),
                send_cbt=config.negotiate_send_cbt is not False,
                operation_timeout=int(config.operation_timeout),
                host=host or None,
                addresses=addresses,
                resolve_error=error,
            )
        return cls(tuple(wanted), bool(args.get("allow_self_disconnect", False)), connection)

    @property
    def endpoint(self) -> Endpoint:
        if self.connection is None:
            return Endpoint()
        return Endpoint(self.connection.scheme, self.connection.port)

    def warnings(self) -> list[str]:
        wanted = dict(self.wanted)
        found = []
        if wanted.get("auth.basic") is True:
            found.append(
                "auth.basic=true: Basic authentication sends the user name and password encoded (base64), not "
                f"encrypted; use it only over HTTPS ({LEARN_WINRM})"
            )
        if wanted.get("allow_unencrypted") is True:
            found.append(
                "allow_unencrypted=true: WinRM then accepts messages sent in the clear over HTTP, readable and "
                f"changeable on the network; use HTTPS or message encryption instead ({LEARN_WINRM})"
            )
        for option, family in (("ipv4_filter", "IPv4"), ("ipv6_filter", "IPv6")):
            if wanted.get(option) == "":
                found.append(f"{option} is empty: WinRM will not listen on any {family} address")
        if wanted.get("winrs.allow_remote_shell_access") is False:
            found.append(
                "winrs.allow_remote_shell_access=false: WinRM refuses new remote shells, so the modules of this "
                "collection that run commands on the host (remoting_info, firewall_rules, winrm_policy, ...) fail "
                "on it until this is true again"
            )
        memory = wanted.get("winrs.max_memory_per_shell_mb")
        if isinstance(memory, int) and 0 < memory < 1024:
            found.append(
                f"winrs.max_memory_per_shell_mb={memory}: Microsoft Learn (Quotas for Windows Remote Management) "
                "says the behaviour is unsupported below the default of 1024 MB"
            )
        return found


@dataclasses.dataclass(frozen=True)
class ServiceState:
    config: winrm_config.ConfigSettings

    def text(self, setting: Setting) -> str | None:
        return self.config.values.get(setting.path)

    def controlled(self, setting: Setting) -> bool:
        return setting.path in self.config.gpo


def _filter_cut(option: str, after: t.Mapping[str, str], connection: Connection) -> str | None:
    """The filters decide which local addresses WinRM listens on; some address the controller uses must stay."""
    if connection.host is None:
        return None
    if connection.addresses is None:
        return (
            f"{option} restricts the listening addresses and {connection.host} could not be resolved on the "
            f"controller ({connection.resolve_error or 'no address'}), so it cannot be checked that the filter keeps "
            "the address this connection uses; connect by IP address"
        )
    admitted = []
    for address in connection.addresses:
        family = "ipv4_filter" if ipaddress.ip_address(address).version == 4 else "ipv6_filter"
        admitted.append(winrm_filters.addresses_match(after.get(family, "*"), address))
    if any(admitted):
        return None
    return (
        f"{option}={after.get(option, '')!r} leaves out {', '.join(connection.addresses)}, the address(es) this "
        f"connection uses ({connection.describe()})"
    )


def cut_reason(option: str, after: t.Mapping[str, str], connection: Connection | None) -> str | None:
    """Why ``option``'s new value (``after``: every managed option's text once the plan is applied) ends this
    controller's connection; None when it does not."""
    if connection is None:
        return None

    def off(name: str) -> bool:
        return after.get(name, "true").lower() == "false"

    needed = CONNECTION_AUTH.get(connection.auth)
    if option == needed and off(option):
        return f"{option}=false turns off the authentication this connection uses ({connection.describe()})"
    if connection.auth == "kerberos" and option == "auth.negotiate" and off(option) and off("auth.kerberos"):
        return f"{option}=false with auth.kerberos=false leaves no scheme for Kerberos ({connection.describe()})"
    if option == "allow_unencrypted" and off(option) and connection.plain:
        return (
            "allow_unencrypted=false refuses unencrypted messages, and this connection sends its messages "
            f"unencrypted ({connection.describe()})"
        )
    strict = option == "auth.cbt_hardening_level" and after.get(option, "").lower() == "strict"
    binds = connection.scheme == "https" and connection.auth not in ("basic", "certificate")
    if strict and binds and not connection.send_cbt:
        return (
            "auth.cbt_hardening_level=strict requires channel binding tokens, which this connection does not "
            f"send (negotiate_send_cbt=false, {connection.describe()})"
        )
    # ASSUMPTION (UNVERIFIED): WinRM faults a request whose OperationTimeout exceeds MaxTimeoutms ([MS-WSMV]
    # 2.2.4.10: the maximum time-out that MUST be used for any request), so the limit must cover this connection's.
    timeout = connection.operation_timeout
    if option == "max_timeout_ms" and timeout and int(after[option]) < timeout * 1000:
        return (
            f"max_timeout_ms={after[option]} is below the OperationTimeout every request of this connection asks for "
            f"({timeout * 1000} ms, connection operation_timeout={timeout}; {connection.describe()})"
        )
    if BY_OPTION[option].kind == "filter":
        return _filter_cut(option, after, connection)
    if option == "root_sddl" and not sddl.allows(sddl.parse(after[option]), ADMIN_TOKEN, sddl.GENERIC_ALL):
        return (
            "root_sddl no longer gives BUILTIN\\Administrators full access (GA) to WinRM, so an administrator's "
            f"connection such as this one is denied ({connection.describe()})"
        )
    return None


def _policy_message(setting: Setting, have: str, want: Value) -> str:
    policy = setting.policy or "a Group Policy setting"
    return (
        f"{setting.option}: winrm/config {setting.path} is set by Group Policy ({policy}) to {have!r}, not "
        f"{render(setting, want)!r}; change that policy (or remove {setting.option} from the task); nothing was "
        "changed"
    )


def plan(state: ServiceState, request: ServiceDesired) -> list[Change]:
    """The Puts that bring the named settings to their wanted values (pure), one operation per section."""
    pending: list[tuple[Setting, str, Value]] = []
    for option, want in request.wanted:
        setting = BY_OPTION[option]
        have = state.text(setting)
        if have is None:
            raise WinRemoteError(
                f"{option}: this host's winrm/config has no {setting.path} setting, so it cannot be managed here"
            )
        if same(setting, have, want):
            continue
        if state.controlled(setting):
            raise GpoControlledError(_policy_message(setting, have, want))
        pending.append((setting, have, want))
    after = {s.option: state.text(s) or "" for s in SETTINGS if state.text(s) is not None}
    after.update({s.option: render(s, want) for s, _have, want in pending})
    changes: list[Change] = []
    for section, (resource, operation_type) in SECTIONS.items():
        group = [(s, have, want) for s, have, want in pending if s.section == section]
        if not group:
            continue
        reasons = (cut_reason(s.option, after, request.connection) for s, _have, _want in group)
        cuts = next((r for r in reasons if r is not None), None)
        operation: winrm_config.Operation
        if operation_type is None:
            operation = winrm_config.SetAuth(
                tuple((s.option.partition(".")[2], _auth_value(want)) for s, _have, want in group),
                tuple((s.option.partition(".")[2], _auth_value(_typed_text(s, have))) for s, have, _want in group),
                cuts,
            )
        else:
            operation = operation_type(
                tuple((s.element, render(s, want)) for s, _have, want in group),
                tuple((s.element, have) for s, have, _want in group),
                cuts,
            )
        for setting, have, want in group:
            summary = f"set {resource} {setting.element} to {render(setting, want)!r} (was {have!r})"
            changes.append(Change(setting.option, typed(setting, have), want, summary, operation))
    return changes


def _auth_value(value: Value) -> bool | str:
    """An auth element's value as SetAuth takes it: a boolean, or the text of a level."""
    return value if isinstance(value, bool) else str(value)


def settings(values: t.Mapping[str, Value | None]) -> dict[str, dict[str, Value | None]]:
    """The ``service``, ``auth`` and ``winrs`` result keys from typed values by option."""
    result: dict[str, dict[str, Value | None]] = {"service": {}, "auth": {}, "winrs": {}}
    for setting in SETTINGS:
        group, _sep, name = setting.option.rpartition(".")
        result[group or "service"][name] = values.get(setting.option)
    return result


def section_of(operation: Operation) -> tuple[str, frozenset[str]] | None:
    """The winrm/config section an operation of this module Puts, and the elements it sets (None: another kind)."""
    if isinstance(operation, winrm_config.SetAuth):
        return "Service/Auth", frozenset(winrm_config.AUTH_ELEMENTS[name] for name, _value in operation.methods)
    if not isinstance(operation, winrm_config.SetConfigSection):
        return None
    for section, (_resource, operation_type) in SECTIONS.items():
        if operation_type is not None and isinstance(operation, operation_type):
            return section, frozenset(name for name, _value in operation.values)
    return None


def unsettled(state: ServiceState, request: ServiceDesired, only: Operation | None = None) -> str | None:
    """None when the host shows every wanted value (or those the operation ``only`` sets), else the first that
    differs."""
    part = section_of(only) if only is not None else None
    if only is not None and part is None:
        return None  # not a Put of this module: nothing of the plan to check
    for option, want in request.wanted:
        setting = BY_OPTION[option]
        if part is not None and (setting.section != part[0] or setting.element not in part[1]):
            continue
        have = state.text(setting)
        if have is None or not same(setting, have, want):
            return f"winrm/config {setting.path} is {have!r}, not {render(setting, want)!r} yet"
    return None


class WinrmService(Procedure[ServiceState, ServiceDesired]):
    """observe (one Get of winrm/config) -> plan (pure); the engine refuses a self-disconnect, arms the guard for a
    Put that may lock this controller out, Puts each section, reconnects after a guarded one, and observes again."""

    guard_task = guard.SERVICE_TASK
    awaited = "with the planned WinRM settings"

    def __init__(self, wait_seconds: float = 60.0) -> None:
        self.wait_seconds = wait_seconds  # how long to try a new logon after a Put that may lock this controller out

    def observe(self, client: Client) -> ServiceState:
        return ServiceState(winrm_config.read_config(client))

    def plan(self, state: ServiceState, request: ServiceDesired) -> list[Change]:
        return plan(state, request)

    def settled(self, client: Client, request: ServiceDesired) -> str | None:
        """One Get on the new connection: every planned value is in place."""
        return unsettled(self.observe(client), request)

    def settled_after(self, client: Client, request: ServiceDesired, operation: Operation) -> str | None:
        """After one of several Puts: that Put's values are in place (the later sections are not applied yet)."""
        return unsettled(self.observe(client), request, operation)

    def facts(self, outcome: Outcome[ServiceState], request: ServiceDesired) -> tuple[dict[str, t.Any], list[str]]:
        warnings = request.warnings()
        base = outcome.after or outcome.before
        values: dict[str, Value | None] = {s.option: typed(s, base.text(s)) for s in SETTINGS}
        if outcome.after is None:
            values.update({c.target: c.after for c in outcome.changes})  # check mode, or not re-observed
        reachable = not (outcome.applied and any(c.disruptive for c in outcome.changes))
        if not reachable:
            warnings.append(
                "WinRM on this host no longer accepts this connection, as allow_self_disconnect=true allowed; the "
                "changes were made but not verified"
            )
        facts: dict[str, t.Any] = settings(values)
        facts["gpo_controlled"] = [s.option for s in SETTINGS if base.controlled(s)]
        facts["reachable"] = reachable
        return facts, warnings
