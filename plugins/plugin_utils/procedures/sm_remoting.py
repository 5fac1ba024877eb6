# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Server Manager remote management: what ``Configure-SMRemoting.exe -enable | -disable | -get`` does.

Enabled means what Server Manager relies on: the WinRM service automatic and running, an enabled HTTP listener on
all addresses on port 5985, the WinRM HTTP firewall rules enabled, and Kerberos and Negotiate authentication on.
Settings that Group Policy controls are reported as overridden, never fought.
"""

from __future__ import annotations

import dataclasses
import time
import typing as t

from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures import firewall_rules, rollback
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures.base import Change
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures.remoting_info import (
    SM_REMOTING_PORT,
    RemotingState,
    observe,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import (
    firewall,
    quote,
    services,
    tasks,
    winrm_config,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.errors import WinRemoteError

WINRM_RULES = firewall.RULE_SETS["winrm_http"]
REQUIRED_AUTH = ("kerberos", "negotiate")
ROLLBACK_TASK = rollback.LISTENER_TASK
HTTP_LISTENER = "winrm/config/Listener?Address=*+Transport=HTTP"


class SelfDisconnectRefused(WinRemoteError):
    kind = "self_disconnect_refused"


@dataclasses.dataclass(frozen=True)
class SmRemotingDesired:
    state: str  # enabled | disabled
    allow_self_disconnect: bool = False
    scheme: str = "http"  # how the controller is connected, to know which changes would cut it off
    port: int = 5985


@dataclasses.dataclass
class SmRemotingPlan:
    changes: list[Change]
    gpo_overrides: list[str]
    warnings: list[str]


def _sm_listener(state: RemotingState) -> winrm_config.Listener | None:
    """The HTTP listener on all addresses, GPO-created first (it is the one WinRM uses)."""
    listeners = [x for x in state.listeners if x.transport == "HTTP" and x.address == "*"]
    return next((x for x in listeners if x.source == "GPO"), None) or next(iter(listeners), None)


def _cuts_us(desired: SmRemotingDesired, port: int | None) -> bool:
    """This controller comes in over HTTP on that port (a change there may cut it off)."""
    return desired.scheme == "http" and port == desired.port


def _serves_us(desired: SmRemotingDesired, listener: winrm_config.Listener) -> bool:
    """The listener is the one this connection may come through: enabled, HTTP, on the connection's port. A disabled
    listener serves nobody, so changing it cannot cut the connection. Another listener on the same port (by address)
    is not counted as a way back: that errs on the side of refusing."""
    return listener.enabled and _cuts_us(desired, listener.port)


def _rule_change(rule_id: str, enabled: bool, disruptive: bool) -> Change:
    """A change in the firewall_rules procedure's own form, so that procedure applies it (CIM or netsh)."""
    verb = "enable" if enabled else "disable"
    return Change(
        "set_enabled",
        f"firewall_rules.{rule_id}.enabled",
        not enabled,
        enabled,
        f"{verb} the firewall rule {rule_id}",
        {"rule_id": rule_id, "value": enabled},
        disruptive=disruptive,
    )


def plan_enabled(state: RemotingState, desired: SmRemotingDesired) -> SmRemotingPlan:
    changes: list[Change] = []
    overrides: list[str] = []
    warnings: list[str] = []
    service = state.winrm_service
    if service.start_mode != "auto":
        changes.append(
            Change(
                "service_start_mode",
                "winrm_service.start_mode",
                service.start_mode,
                "auto",
                "set the WinRM service to start automatically",
                {"mode": "auto"},
            )
        )
    if service.state != "running":
        changes.append(Change("service_start", "winrm_service.state", service.state, "running", "start WinRM"))
    listener = _sm_listener(state)
    wanted = {"port": SM_REMOTING_PORT, "enabled": True}
    if listener is not None and listener.source == "GPO":
        overrides.append("the HTTP listener is created by Group Policy (Allow remote server management through WinRM)")
    elif listener is None:
        changes.append(
            Change(
                "create_listener",
                "listeners.HTTP/*",
                None,
                wanted,
                f"create an HTTP listener on all addresses, port {SM_REMOTING_PORT}",
                disruptive=False,
            )
        )
    elif listener.port != SM_REMOTING_PORT or not listener.enabled:
        before = {"port": listener.port, "enabled": listener.enabled}
        changes.append(
            Change(
                "update_listener",
                "listeners.HTTP/*",
                before,
                wanted,
                f"enable the HTTP listener on all addresses on port {SM_REMOTING_PORT}",
                disruptive=_serves_us(desired, listener),
            )
        )
    for rule_id in WINRM_RULES:
        rule = state.firewall_rules.get(rule_id)
        if rule is None:
            warnings.append(
                f"the built-in firewall rule {rule_id} is missing; it is not created (restore it with "
                "'netsh advfirewall reset' or Group Policy)"
            )
        elif not rule.enabled and rule.gpo_owned:
            overrides.append(f"the firewall rule {rule_id} is disabled by Group Policy")
        elif not rule.enabled:
            changes.append(_rule_change(rule_id, True, disruptive=False))
    auth = state.service_config.auth if state.service_config else {}
    gpo_settings = {name.lower() for name in (state.service_config.gpo_settings if state.service_config else ())}
    for method in REQUIRED_AUTH:
        if auth.get(method) is False:
            if method in gpo_settings:
                overrides.append(f"{method.capitalize()} authentication is turned off by Group Policy")
            else:
                changes.append(
                    Change(
                        "set_auth",
                        f"service_auth.{method}",
                        False,
                        True,
                        f"turn on {method.capitalize()} authentication",
                        {"method": method},
                    )
                )
    return SmRemotingPlan(changes, overrides, warnings)


def plan_disabled(state: RemotingState, desired: SmRemotingDesired) -> SmRemotingPlan:
    changes: list[Change] = []
    overrides: list[str] = []
    for rule_id in WINRM_RULES:
        rule = state.firewall_rules.get(rule_id)
        if rule is None or not rule.enabled:
            continue
        if rule.gpo_owned:
            overrides.append(f"the firewall rule {rule_id} is enabled by Group Policy")
            continue
        changes.append(_rule_change(rule_id, False, disruptive=_cuts_us(desired, SM_REMOTING_PORT)))
    listener = _sm_listener(state)
    if listener is not None and listener.source == "GPO":
        overrides.append(
            "the HTTP listener is created by Group Policy (Allow remote server management through WinRM); "
            "disable it with winremote.remoting.winrm_policy"
        )
    elif listener is not None:
        before = {"port": listener.port, "enabled": listener.enabled}
        changes.append(
            Change(
                "delete_listener",
                "listeners.HTTP/*",
                before,
                None,
                "delete the HTTP listener on all addresses",
                disruptive=_serves_us(desired, listener),
            )
        )
    return SmRemotingPlan(changes, overrides, [])


def found(state: RemotingState) -> dict[str, t.Any]:
    """The settings Server Manager remote management is made of, as observed (the module's ``found``)."""
    facts = state.to_dict()
    return {
        "sm_remoting_enabled": state.sm_remoting_enabled,
        "winrm_service": facts["winrm_service"],
        "listeners": facts["listeners"],
        "firewall_rules": {
            rule_id: facts["firewall_rules"].get(rule_id, {"present": False}) for rule_id in WINRM_RULES
        },
        "service_auth": facts["service_auth"],
        "winrm_policy": facts["winrm_policy"],
    }


def restore_listener(change: Change) -> rollback.Restore:
    """Undo a listener creation or update with winrm.cmd (``call``: it is a batch file, and a .cmd started from a
    .cmd without call never returns). ``call`` expands percent signs a second time, which is harmless here: the line
    holds only the constant resource URI (quoted by quote.cmd), a port number and true/false, all made by the
    collection, and no ``%``. winrm.cmd needs the service running, so start it first; restart it at the end
    (ASSUMPTION, UNVERIFIED: WinRM picks listener changes up by itself; the restart costs nothing here)."""
    uri = quote.cmd(HTTP_LISTENER, batch=True)
    if change.kind == "create_listener":
        undo = f"call winrm delete {uri}"
    else:
        before = change.before
        enabled = "true" if before["enabled"] else "false"
        undo = f'call winrm set {uri} @{{Port="{int(before["port"])}";Enabled="{enabled}"}}'
    return rollback.Restore({}, ["net start winrm >nul 2>&1", undo, tasks.RESTART_WINRM], "the previous HTTP listener")


def describe_listener(client: t.Any) -> str:
    """What the HTTP listener on all addresses is now (a fresh WS-Transfer Get), for a result that says what is
    true after a cancel whose outcome was unclear."""
    try:
        element = client.get(winrm_config.LISTENER_URI, selectors=winrm_config.listener_selectors("*", "HTTP"))
    except WinRemoteError as exc:
        if "not found" in str(exc).lower() or "does not exist" in str(exc).lower():
            return "no HTTP listener on all addresses"
        raise
    listener = winrm_config.parse_listener(element)
    state = "enabled" if listener.enabled else "disabled"
    return f"the HTTP listener on all addresses is on port {listener.port}, {state}"


class SmRemoting:
    """observe (one batched WinRS command) -> plan -> apply, with the disruptive steps last."""

    def __init__(self, wait_seconds: float = 60.0, sleep: t.Callable[[float], None] = time.sleep) -> None:
        self.last_plan = SmRemotingPlan([], [], [])
        self.wait_seconds = wait_seconds  # how long to reconnect after a listener change
        self.sleep = sleep
        self.rollback: str | None = None  # what became of this run's rollback task (for the result)

    def observe(self, client: t.Any) -> RemotingState:
        return observe(client)

    def plan(self, state: RemotingState, desired: SmRemotingDesired) -> list[Change]:
        state.require_read("plan Server Manager remoting")  # unread is not absent: no listener is created blind
        plan = plan_enabled(state, desired) if desired.state == "enabled" else plan_disabled(state, desired)
        cutting = [c for c in plan.changes if c.disruptive]
        if cutting and not desired.allow_self_disconnect:
            raise SelfDisconnectRefused(
                f"refusing to {cutting[0].summary}: this controller reaches the host through it "
                f"({desired.scheme} port {desired.port}) and would lose access; connect over HTTPS, or set "
                "allow_self_disconnect: true to finish the change anyway"
            )
        self.last_plan = plan
        if ROLLBACK_TASK in state.pending_rollbacks:
            return [rollback.stale_change(ROLLBACK_TASK), *plan.changes]
        return plan.changes

    def apply(self, client: t.Any, state: RemotingState, changes: t.Sequence[Change]) -> None:
        # Creating or updating the listener while connected (not an intended disconnect) restarts WinRM: guard it
        # with a rollback task, cancelled once the host answers again. Built before anything changes, so input the
        # restore script cannot hold refuses the run untouched.
        guards = {
            id(c): rollback.Guard(
                ROLLBACK_TASK, restore_listener(c), self.wait_seconds, sleep=self.sleep, describe=describe_listener
            )
            for c in changes
            if c.kind in ("create_listener", "update_listener") and not c.disruptive
        }
        if any(c.kind == "cancel_stale_rollback" for c in changes):
            rollback.cancel_stale(client, ROLLBACK_TASK)  # first: it must not undo this run's changes later
        ordered = sorted(changes, key=lambda c: (c.disruptive, c.kind in ("create_listener", "delete_listener")))
        rule_changes = [c for c in ordered if c.kind == "set_enabled"]
        for change in ordered:
            if change.kind == "service_start_mode":
                services.change_start_mode(client, "WinRM", str(change.params["mode"]))
            elif change.kind == "service_start":
                services.start(client, "WinRM")
            elif change.kind == "set_auth":
                winrm_config.set_auth(client, **{str(change.params["method"]): True})
        if rule_changes:
            rules = firewall_rules.RulesState(state.os, dict(state.firewall_rules))
            firewall_rules.FirewallRules(WINRM_RULES).apply(client, rules, rule_changes)
        for change in ordered:
            if change.kind not in ("create_listener", "update_listener", "delete_listener"):
                continue
            guard = guards.get(id(change))
            if guard is not None:
                guard.arm(client)
            try:
                if change.kind == "create_listener":
                    winrm_config.create_listener(client, "*", "HTTP", Port=SM_REMOTING_PORT, Enabled=True)
                elif change.kind == "update_listener":
                    winrm_config.update_listener(client, "*", "HTTP", Port=SM_REMOTING_PORT, Enabled=True)
                else:
                    winrm_config.delete_listener(client, "*", "HTTP")
            except WinRemoteError as exc:
                if guard is not None:
                    raise guard.settle(client, exc, patient=True) from None
                raise
            client.close()  # WinRM restarts after a listener change and drops this connection: log in again
            if guard is not None:
                self.rollback = guard.confirm(client)
