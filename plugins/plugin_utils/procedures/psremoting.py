# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""``Enable-PSRemoting`` and ``Disable-PSRemoting`` as one procedure on one observation.

Enable-PSRemoting (Microsoft Learn, https://learn.microsoft.com/powershell/module/microsoft.powershell.core/enable-psremoting)
runs Set-WSManQuickConfig (WinRM started and automatic, an HTTP listener on any address, the WS-Management firewall
exception), enables every session configuration and changes their security descriptors to allow remote access. On
server editions the exception covers Domain and Private networks (WINRM-HTTP-In-TCP) and Public networks only from
the local subnet (WINRM-HTTP-In-TCP-PUBLIC); on client editions it fails while a network is Public, unless
``-SkipNetworkProfileCheck``, which then opens the Public rule to the local subnet. It sets
LocalAccountTokenFilterPolicy to 1 (the warning of Disable-PSRemoting lists setting it back to 0 among what it leaves
to undo by hand).

Disable-PSRemoting (https://learn.microsoft.com/powershell/module/microsoft.powershell.core/disable-psremoting)
blocks remote access to every session configuration and leaves the rest: its own warning says the WinRM service,
the listener, the firewall exceptions and LocalAccountTokenFilterPolicy stay as Enable-PSRemoting set them. From
PowerShell 3.0 on, "blocks remote access" is a deny ACE for NETWORK (S-1-5-2) in each configuration's descriptor
(``Set-PSSessionConfiguration -AccessMode Local``), so loopback sessions still work; enabling removes that ACE.

The parts are the collection's own plans and operations: ``sm_remoting`` for the service and the listener,
``firewall_rules`` for the two rules, ``session_configuration`` for each configuration's Put (and its refusal to shut
Ansible's psrp connection out of Microsoft.PowerShell), ``token_filter_policy`` for the registry value. The
observation is ``remoting_info``'s (6 requests) plus one Enumerate of winrm/config/plugin, and on client editions
one Enumerate of MSFT_NetConnectionProfile.
"""

from __future__ import annotations

import dataclasses
import typing as t

from ansible_collections.winremote.remoting.plugins.plugin_utils.engine import guard
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.change import Change, Endpoint, Outcome
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.execute import Procedure
from ansible_collections.winremote.remoting.plugins.plugin_utils.errors import InvalidArgumentError
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures import (
    firewall_rules,
    remoting_info,
    session_configuration,
    sm_remoting,
    token_filter_policy,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import (
    firewall,
    network_profile,
    sddl,
    winrm_config,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.errors import WinRemoteError
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.protocol import Client

DEFAULT_CONFIGURATIONS = ("Microsoft.PowerShell", "Microsoft.PowerShell32", "Microsoft.PowerShell.Workflow")
PRIVATE_RULE, PUBLIC_RULE = firewall.RULE_SETS["winrm_http"]  # WINRM-HTTP-In-TCP, WINRM-HTTP-In-TCP-PUBLIC
NETWORK = "NU"  # NT AUTHORITY\NETWORK, S-1-5-2: in the token of every network logon
ROLLBACK_TASK = guard.LISTENER_TASK  # the HTTP listener's guard, as Server Manager remoting arms it
LOCAL_SUBNET = ("LocalSubnet",)
NOT_UNDONE = (
    "the WinRM service (automatic, running)",
    "the HTTP listener on all addresses",
    "the firewall rules WINRM-HTTP-In-TCP and WINRM-HTTP-In-TCP-PUBLIC",
    "LocalAccountTokenFilterPolicy",
)


class PublicNetworkError(WinRemoteError):
    """A client edition is on a Public network (or its networks could not be read) and the check was not skipped."""

    kind = "public_network"


@dataclasses.dataclass(frozen=True)
class PsRemotingDesired:
    state: str = "enabled"
    skip_network_profile_check: bool = False
    public_remote_address: tuple[str, ...] = LOCAL_SUBNET
    local_account_token_filter_policy: bool = True
    allow_self_disconnect: bool = False
    scheme: str = "http"
    port: int = 5985
    connection_user: str | None = None

    @property
    def endpoint(self) -> Endpoint:
        return Endpoint(self.scheme, self.port)

    @classmethod
    def from_args(cls, args: t.Mapping[str, t.Any], config: t.Any = None) -> PsRemotingDesired:
        """Every option checked before any connection (InvalidArgumentError names it)."""
        state = args.get("state") or "enabled"
        if state not in ("enabled", "disabled"):
            raise InvalidArgumentError("state", f"must be enabled or disabled, got {str(state)[:40]!r}")
        raw = args.get("public_remote_address")
        items = LOCAL_SUBNET if raw is None else ([raw] if isinstance(raw, str) else list(raw))
        if not all(isinstance(i, str) for i in items):
            raise InvalidArgumentError("public_remote_address", "must be a list of addresses, ranges or keywords")
        try:
            addresses = firewall.normalize_remote_addresses(items)
        except InvalidArgumentError as exc:
            raise InvalidArgumentError("public_remote_address", exc.problem) from None
        scheme, port, user = "http", 5985, None
        if config is not None:
            scheme, port = str(config.scheme).lower(), int(config.port)
            user = str(config.username) if getattr(config, "username", None) else None
        return cls(
            state=state,
            skip_network_profile_check=args.get("skip_network_profile_check") is True,
            public_remote_address=addresses,
            local_account_token_filter_policy=args.get("local_account_token_filter_policy") is not False,
            allow_self_disconnect=args.get("allow_self_disconnect") is True,
            scheme=scheme,
            port=port,
            connection_user=user,
        )

    def warnings(self) -> list[str]:
        if self.state == "enabled" and self.public_remote_address == ("Any",):
            return [
                f"public_remote_address=Any: {PUBLIC_RULE} then admits WinRM from any address while the host is on a "
                "Public network; Enable-PSRemoting limits it to the local subnet (LocalSubnet)"
            ]
        return []


@dataclasses.dataclass(frozen=True)
class PsRemotingState:
    remoting: remoting_info.RemotingState
    plugins: tuple[winrm_config.PluginConfig, ...] | None  # None: winrm/config/plugin could not be read
    plugins_unread: str | None = None
    network: network_profile.NetworkProfiles | None = None  # read on client editions only

    @property
    def client_edition(self) -> bool:
        return self.remoting.os.product_type == "workstation"

    @property
    def configurations(self) -> tuple[winrm_config.PluginConfig, ...]:
        """The PowerShell session configurations (plugins whose resource is http://schemas.microsoft.com/powershell/)."""
        return tuple(p for p in self.plugins or () if p.is_powershell)

    def find(self, name: str) -> winrm_config.PluginConfig | None:
        return next((p for p in self.configurations if p.name.lower() == name.lower()), None)

    def rules(self) -> firewall_rules.RulesState:
        found = {rule_id: self.remoting.firewall_rules.get(rule_id) for rule_id in (PRIVATE_RULE, PUBLIC_RULE)}
        return firewall_rules.RulesState(self.remoting.os, found)


# --- the security descriptor edits ------------------------------------------------------------------------------------
def deny_network(descriptor: str) -> str:
    """Disable-PSRemoting's edit (AccessMode Local): an explicit deny of every right to NETWORK (idempotent)."""
    return str(sddl.grant(sddl.parse(descriptor), NETWORK, "GA", "D"))


def allow_network(descriptor: str) -> str:
    """Enable-PSRemoting's edit: the explicit deny ACEs for NETWORK removed, every other ACE kept as it is."""
    parsed = sddl.parse(descriptor)
    if parsed.dacl is None:
        return descriptor
    kept = tuple(
        ace
        for ace in parsed.dacl.aces
        if ace.inherited or ace.type not in sddl.DENY_TYPES or not sddl.same_sid(ace.sid, NETWORK)
    )
    if len(kept) == len(parsed.dacl.aces):
        return descriptor
    return str(sddl.parse(str(dataclasses.replace(parsed, dacl=sddl.Acl(parsed.dacl.flags, kept)))))


def remote_access(plugin: winrm_config.PluginConfig) -> bool | None:
    """Whether an administrator's network logon may use the configuration (None: it has no descriptor of its own,
    so WinRM's RootSDDL decides)."""
    if plugin.sddl is None:
        return None
    try:
        allowed = sddl.allows(sddl.parse(plugin.sddl), session_configuration.ADMIN_TOKEN, sddl.GENERIC_EXECUTE)
    except sddl.SddlError:
        return False
    return plugin.enabled and allowed


# --- the plan ---------------------------------------------------------------------------------------------------------
def _configuration_changes(state: PsRemotingState, request: PsRemotingDesired) -> list[Change]:
    """One Put per configuration whose Enabled or descriptor differs, through session_configuration's plan (which
    refuses, via the engine, to shut Ansible's psrp connection out of Microsoft.PowerShell)."""
    enabling = request.state == "enabled"
    changes: list[Change] = []
    for plugin in state.configurations:
        wanted_sddl = None
        if plugin.sddl is not None:
            try:
                wanted_sddl = allow_network(plugin.sddl) if enabling else deny_network(plugin.sddl)
            except (sddl.SddlError, ValueError) as exc:
                raise WinRemoteError(
                    f"the security descriptor of {plugin.name} does not parse ({exc}); nothing was changed"
                ) from None
        desired = session_configuration.SessionDesired(
            name=plugin.name,
            enabled=True if enabling else None,
            sddl=wanted_sddl,
            allow_self_disconnect=request.allow_self_disconnect,
            connection_user=request.connection_user,
        )
        for change in session_configuration.plan(session_configuration.SessionState(plugin), desired):
            changes.append(dataclasses.replace(change, target=f"session_configurations.{change.target}"))
    return changes


def public_rule_wanted(state: PsRemotingState, request: PsRemotingDesired) -> bool:
    """Server editions: always (limited to ``public_remote_address``). Client editions: only with the network
    profile check skipped; without it a Public network (or networks that could not be read) fails the task."""
    if not state.client_edition or request.skip_network_profile_check:
        return True
    network = state.network
    public = network.public if network is not None else None
    if public is None:
        why = network.unknown if network is not None and network.unknown else "they were not read"
        raise PublicNetworkError(
            f"this client edition's network categories are unknown ({why}), and Enable-PSRemoting refuses to set up "
            "the firewall exception on a client edition with a Public network; set skip_network_profile_check=true "
            "to open WINRM-HTTP-In-TCP-PUBLIC to public_remote_address; nothing was changed"
        )
    if public:
        raise PublicNetworkError(
            "a network connection of this client edition is Public, and on client editions Enable-PSRemoting does not "
            "set up the WinRM firewall exception then: make the network Private or Domain, or set "
            "skip_network_profile_check=true to open WINRM-HTTP-In-TCP-PUBLIC to public_remote_address; nothing "
            "was changed"
        )
    return False


def _firewall_changes(state: PsRemotingState, request: PsRemotingDesired) -> list[Change]:
    rules = state.rules()
    changes = firewall_rules.FirewallRules((PRIVATE_RULE,)).plan(
        rules, firewall_rules.RulesDesired((PRIVATE_RULE,), True, connection_port=request.port)
    )
    if public_rule_wanted(state, request):
        wanted = firewall_rules.RulesDesired(
            (PUBLIC_RULE,), True, remote_addresses=request.public_remote_address, connection_port=request.port
        )
        changes += firewall_rules.FirewallRules((PUBLIC_RULE,)).plan(rules, wanted)
    return changes


def plan(state: PsRemotingState, request: PsRemotingDesired) -> list[Change]:
    """Enabled: the token filter policy, the service, the firewall rules, the session configurations, and the
    listener last (its change restarts WinRM). Disabled: the session configurations only (pure)."""
    state.remoting.require_read("plan PowerShell remoting")
    if state.plugins is None:
        raise WinRemoteError(state.plugins_unread or "winrm/config/plugin could not be read; nothing was changed")
    if request.state == "disabled":
        return _configuration_changes(state, request)
    if state.find("Microsoft.PowerShell") is None:
        raise WinRemoteError(
            "this host has no session configuration Microsoft.PowerShell (winrm/config/plugin), which "
            "Enable-PSRemoting would register; register it on the host (Register-PSSessionConfiguration, or "
            "Enable-PSRemoting in a local session); nothing was changed"
        )
    changes: list[Change] = []
    if request.local_account_token_filter_policy:
        raw = state.remoting.local_account_token_filter_policy
        changes += token_filter_policy.plan(raw == 1, True)
    quick = sm_remoting.plan_enabled(state.remoting).changes  # Set-WSManQuickConfig's service and listener part
    changes += [c for c in quick if c.target.startswith("winrm_service.")]
    changes += _firewall_changes(state, request)
    changes += _configuration_changes(state, request)
    changes += [c for c in quick if c.target.startswith("listeners.")]
    return changes


# --- what the result says ---------------------------------------------------------------------------------------------
def features(remoting: remoting_info.RemotingState) -> dict[str, t.Any]:
    """Which PowerShell remoting features the host supports. about_Remote_Requirements (Microsoft Learn): PowerShell
    3.0 remoting needs Windows PowerShell 3.0 or later, the .NET Framework 4 and WinRM 3.0 on both computers (else
    PowerShell 2.0 remoting, with .NET 2.0 and WinRM 2.0), and disconnecting and reconnecting sessions needs 3.0 on
    both ends. The versions are those remoting_info reads (the PowerShell engine keys, NDP\\v4\\Full)."""
    software = remoting.software
    missing = []
    if software.powershell_major < 3:
        missing.append(f"Windows PowerShell 3.0 or later (found {software.powershell_version or 'none'})")
    if remoting.wsman_stack_version != "3.0":
        missing.append(f"WinRM 3.0 (found {remoting.wsman_stack_version})")
    if software.dotnet_release is None:
        missing.append("the .NET Framework 4 or later (not installed)")
    protocol = "3.0" if not missing else ("2.0" if software.powershell_major >= 2 else None)
    return {
        "powershell_version": software.powershell_version,
        "remoting_version": protocol,
        "wsman_stack_version": remoting.wsman_stack_version,
        "dotnet_version": software.dotnet_version,
        "disconnected_sessions": protocol == "3.0",
        "powershell3_remoting_missing": missing,
    }


def _configuration_facts(state: PsRemotingState, changes: t.Sequence[Change], predict: bool) -> list[dict[str, t.Any]]:
    found = []
    for plugin in state.configurations:
        current = plugin
        if predict:
            for change in changes:
                if change.target == f"session_configurations.{plugin.name}.sddl":
                    current = dataclasses.replace(current, sddl=change.after)
                elif change.target == f"session_configurations.{plugin.name}.enabled":
                    current = dataclasses.replace(current, enabled=change.after)
        found.append(
            {
                "name": plugin.name,
                "enabled": current.enabled,
                "sddl": current.sddl,
                "remote_access": remote_access(current),
            }
        )
    return found


def enabled_now(state: PsRemotingState) -> bool:
    """What Enable-PSRemoting leaves: WinRM automatic and running, an enabled HTTP listener on all addresses on 5985,
    WINRM-HTTP-In-TCP enabled, and Microsoft.PowerShell open to an administrator's network logon."""
    plugin = state.find("Microsoft.PowerShell")
    return state.remoting.sm_remoting_enabled and plugin is not None and remote_access(plugin) is not False


def notes(state: PsRemotingState, request: PsRemotingDesired) -> list[str]:
    """Warnings about what the plan leaves alone (pure)."""
    found = request.warnings()
    if request.state == "enabled":
        listener = next(
            (x for x in state.remoting.listeners if x.transport == "HTTP" and x.address == "*" and x.source == "GPO"),
            None,
        )
        if listener is not None:
            found.append(
                "the HTTP listener is created by Group Policy (Allow remote server management through WinRM); it is "
                "reported, not changed"
            )
    for plugin in state.configurations:
        if plugin.sddl is None:
            found.append(
                f"{plugin.name} has no security descriptor of its own (WinRM applies the RootSDDL), so its remote "
                "access was not changed"
            )
        elif request.state == "enabled" and not _admits_after_enable(plugin.sddl):
            found.append(
                f"{plugin.name}: its security descriptor still gives BUILTIN\\Administrators' network logon no "
                "Execute (Invoke) once the NETWORK deny is gone; Enable-PSRemoting changes no other ACE, and neither "
                "does this module (see winremote.remoting.session_configuration)"
            )
    return found


def _admits_after_enable(descriptor: str) -> bool:
    try:
        after = sddl.parse(allow_network(descriptor))
    except (sddl.SddlError, ValueError):
        return False
    return sddl.allows(after, session_configuration.ADMIN_TOKEN, sddl.GENERIC_EXECUTE)


class PsRemoting(Procedure[PsRemotingState, PsRemotingDesired]):
    """observe once -> plan (pure); the engine refuses a self-disconnect, arms the listener's rollback guard when the
    listener changes, applies, reconnects and observes again."""

    guard_task = ROLLBACK_TASK
    awaited = "with an enabled HTTP listener on all addresses"

    def __init__(self, wait_seconds: float = 60.0) -> None:
        self.wait_seconds = wait_seconds

    def observe(self, client: Client) -> PsRemotingState:
        remoting = remoting_info.observe(client)
        try:
            plugins: tuple[winrm_config.PluginConfig, ...] | None = tuple(winrm_config.read_plugins(client))
            unread = None
        except winrm_config.ConfigUnreadError as exc:
            plugins, unread = None, f"{exc}; nothing was changed"
        network = network_profile.read(client) if remoting.os.product_type == "workstation" else None
        return PsRemotingState(remoting, plugins, unread, network)

    def plan(self, state: PsRemotingState, request: PsRemotingDesired) -> list[Change]:
        return plan(state, request)

    def stale_rollbacks(self, state: PsRemotingState) -> tuple[str, ...]:
        return (ROLLBACK_TASK,) if ROLLBACK_TASK in state.remoting.pending_rollbacks else ()

    def settled(self, client: Client, request: PsRemotingDesired) -> str | None:
        found = winrm_config.read_listeners(client)
        if any(
            x.transport == "HTTP" and x.address == "*" and x.enabled and x.port == remoting_info.SM_REMOTING_PORT
            for x in found
        ):
            return None
        return "no enabled HTTP listener on all addresses on port 5985 yet"

    def describe(self, client: Client) -> str | None:
        return sm_remoting.describe_listener(client)

    def facts(
        self, outcome: Outcome[PsRemotingState], request: PsRemotingDesired
    ) -> tuple[dict[str, t.Any], list[str]]:
        before = outcome.before
        base = outcome.after or before
        predict = outcome.after is None
        warnings = notes(before, request)
        reachable = not (outcome.applied and any(c.disruptive for c in outcome.changes))
        if not reachable:
            warnings.append(
                "Microsoft.PowerShell no longer admits remote connections, as allow_self_disconnect=true allowed; "
                "Ansible's psrp connection to this host fails until remoting is enabled again"
            )
        if request.state == "disabled" and outcome.changed:
            warnings.append(
                "as with Disable-PSRemoting, these stay as they are: " + ", ".join(NOT_UNDONE) + " (undo them with "
                "winremote.remoting.winrm_service, winrm_listener, firewall_rules and token_filter_policy if wanted)"
            )
        facts = base.remoting.to_dict()
        enabled = (request.state == "enabled") if predict and outcome.changes else enabled_now(base)
        latfp = base.remoting.local_account_token_filter_policy == 1
        if predict and any(c.target == token_filter_policy.TARGET for c in outcome.changes):
            latfp = True
        network = base.network
        result: dict[str, t.Any] = {
            "psremoting_enabled": enabled,
            "edition": "client" if base.client_edition else "server",
            "network_categories": list(network.categories) if network and network.categories is not None else None,
            "winrm_service": facts["winrm_service"],
            "listeners": facts["listeners"],
            "firewall_rules": {
                rule_id: facts["firewall_rules"].get(rule_id, {"present": False})
                for rule_id in (PRIVATE_RULE, PUBLIC_RULE)
            },
            "session_configurations": _configuration_facts(base, outcome.changes, predict),
            "local_account_token_filter_policy": latfp,
            "features": features(base.remoting),
            "reachable": reachable,
            "verified": outcome.verified,
        }
        if predict and outcome.changes:
            planned = {c.target: c.after for c in outcome.changes if c.target.startswith("firewall_rules.")}
            for rule_id, rule in result["firewall_rules"].items():
                for field in ("enabled", "remote_address"):
                    if f"firewall_rules.{rule_id}.{field}" in planned:
                        rule[field] = planned[f"firewall_rules.{rule_id}.{field}"]
        return result, list(dict.fromkeys(warnings))
