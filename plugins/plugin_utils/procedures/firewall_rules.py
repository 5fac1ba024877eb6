# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Enable or disable predefined Windows Firewall rules by rule ID, with optional profiles and remote addresses.

Observation is one batched WinRS command (the OS version and both rule stores, four round trips). Changes go
through MSFT_NetFirewallRule / MSFT_NetAddressFilter on 2012 and later, and through ``netsh advfirewall`` on 2008 /
2008 R2, which have no NetSecurity CIM classes. A rule owned by Group Policy is never changed locally, and a missing
built-in rule is an error: creating a replacement would open the port wider than the rule Windows ships.
"""

from __future__ import annotations

import dataclasses
import typing as t

from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.change import Change, Endpoint, Outcome
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.execute import Procedure
from ansible_collections.winremote.remoting.plugins.plugin_utils.errors import InvalidArgumentError
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import (
    firewall,
    key_reads,
    os_info,
    quote,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import batch, errors
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.protocol import Client

CIM = "cim"
NETSH = "netsh"
# Checked before connecting. Windows' own rule IDs are far shorter; the probes of many rules run in several WinRS
# commands when they do not fit in one cmd.exe line.
MAX_RULE_ID = 255
MAX_RULES = 1000
MISSING_SHOWN = 10  # rule IDs a "not found" message names; the rest are counted


class RefusedError(errors.WinRemoteError):
    """The task asks for something this module will not do; nothing was changed."""

    kind = "refused"


class RuleMissingError(errors.WinRemoteError):
    """A requested built-in rule is not on the host; no replacement rule is ever created."""

    kind = "rule_missing"


NetshError = firewall.NetshError


@dataclasses.dataclass(frozen=True)
class RulesDesired:
    """What the task asks for, already normalised (so comparing with the host is a plain equality)."""

    rule_ids: tuple[str, ...]
    enabled: bool
    profiles: tuple[str, ...] | None = None  # None: leave as they are
    remote_addresses: tuple[str, ...] | None = None  # None: leave as they are
    allow_self_disconnect: bool = False
    connection_port: int | None = None  # the port the controller talks to; None when unknown

    @property
    def endpoint(self) -> Endpoint:
        return Endpoint("http", self.connection_port)


def resolve_rule_ids(rules: t.Iterable[str] | None, rule_set: str | None) -> tuple[str, ...]:
    """The named set's rules then the listed ones, without duplicates (rule IDs compare case-insensitively)."""
    wanted: list[str] = []
    if rule_set:
        if rule_set not in firewall.RULE_SETS:
            raise InvalidArgumentError(
                "rule_set", f"{rule_set!r} is not one of {', '.join(sorted(firewall.RULE_SETS))}"
            )
        wanted.extend(firewall.RULE_SETS[rule_set])
    listed = list(rules or ())
    if len(listed) > MAX_RULES:
        raise InvalidArgumentError("rules", f"{len(listed)} rule IDs given, at most {MAX_RULES} are accepted")
    seen = {w.lower() for w in wanted}
    for rule_id in listed:
        raw = str(rule_id)
        text = raw.strip()
        if not text:
            raise InvalidArgumentError("rules", "a rule ID is empty")
        if len(text) > MAX_RULE_ID:
            raise InvalidArgumentError(
                "rules",
                f"a rule ID of {len(text)} characters is too long (at most {MAX_RULE_ID}): {firewall.shown(text)}",
            )
        reason = quote.refusal(raw)
        if reason is not None:
            raise InvalidArgumentError("rules", f"{firewall.shown(raw)} is not a rule ID: {reason}")
        if any(char in text for char in "|%"):
            raise InvalidArgumentError("rules", f"{firewall.shown(text)} is not a rule ID (it holds | or %)")
        if text.lower() not in seen:
            seen.add(text.lower())
            wanted.append(text)
    if not wanted:
        raise InvalidArgumentError("rules", "give the rules to change: rules (rule IDs), rule_set, or both")
    return tuple(wanted)


def desired_from_args(args: t.Mapping[str, t.Any], connection_port: int | None) -> RulesDesired:
    """Validate and normalise the module's options; raises InvalidArgumentError naming the option."""
    profiles = args.get("profiles")
    addresses = args.get("remote_address")
    return RulesDesired(
        rule_ids=resolve_rule_ids(args.get("rules"), args.get("rule_set")),
        enabled=args.get("state", "enabled") == "enabled",
        profiles=firewall.normalize_profiles(profiles) if profiles is not None else None,
        remote_addresses=firewall.normalize_remote_addresses(addresses) if addresses is not None else None,
        allow_self_disconnect=bool(args.get("allow_self_disconnect")),
        connection_port=connection_port,
    )


@dataclasses.dataclass(frozen=True)
class RulesState:
    os: os_info.OsInfo
    rules: dict[str, firewall.FirewallRule | None]

    @property
    def method(self) -> str:
        """netsh on 6.0 / 6.1 (2008, 2008 R2), CIM on 6.2 and later."""
        return NETSH if firewall.uses_netsh(self.os.major_minor) else CIM

    def rules_dict(self) -> dict[str, dict[str, t.Any]]:
        return {rule_id: (rule.to_dict() if rule else {"present": False}) for rule_id, rule in self.rules.items()}


def _addresses(rule: firewall.FirewallRule) -> tuple[str, ...]:
    return firewall.normalize_remote_addresses(rule.remote_addresses, strict=False)


Part = tuple[str, t.Any, t.Any, str]  # field, before, after, summary


def _parts(rule: firewall.FirewallRule, desired: RulesDesired) -> tuple[list[Part], firewall.RuleEdit]:
    """What differs on one rule, for the result, and the edit that makes it."""
    rule_id = rule.rule_id
    planned: list[Part] = []
    edit = firewall.RuleEdit()
    if rule.enabled != desired.enabled:
        verb = "enable" if desired.enabled else "disable"
        planned.append(("enabled", rule.enabled, desired.enabled, f"{verb} firewall rule {rule_id}"))
        edit = dataclasses.replace(edit, enabled=desired.enabled)
    if desired.profiles is not None and tuple(rule.profiles) != desired.profiles:
        summary = f"set the profiles of firewall rule {rule_id} to {', '.join(desired.profiles)}"
        planned.append(("profiles", list(rule.profiles), list(desired.profiles), summary))
        edit = dataclasses.replace(edit, profiles=desired.profiles)
    if desired.remote_addresses is not None and _addresses(rule) != desired.remote_addresses:
        summary = f"set the remote addresses of firewall rule {rule_id} to {', '.join(desired.remote_addresses)}"
        planned.append(("remote_address", list(_addresses(rule)), list(desired.remote_addresses), summary))
        edit = dataclasses.replace(edit, remote_addresses=desired.remote_addresses)
    return planned, edit


LABELS = {"enabled": "set_enabled", "profiles": "set_profiles", "remote_address": "set_remote_address"}


def rule_changes(
    netsh: bool, wanted: t.Sequence[tuple[firewall.FirewallRule, list[Part], firewall.RuleEdit]]
) -> list[Change]:
    """The changes of every rule, each carrying the facade's operation for its part."""
    operations = firewall.rule_operations(netsh, [(rule, edit) for rule, _parts, edit in wanted])
    return [
        Change(f"firewall_rules.{rule.rule_id}.{field}", before, after, summary, ops[field], label=LABELS[field])
        for (rule, planned, _edit), ops in zip(wanted, operations, strict=True)
        for field, before, after, summary in planned
    ]


def _check_netsh(rule: firewall.FirewallRule, desired: RulesDesired) -> None:
    reason = firewall.netsh_refusal(rule, desired.remote_addresses or ())
    if reason is not None:
        raise RefusedError(reason)


class FirewallRules(Procedure[RulesState, RulesDesired]):
    """observe -> plan for a list of predefined rules (see the module docstring for the costs)."""

    def __init__(self, rule_ids: t.Sequence[str]) -> None:
        self.rule_ids = tuple(rule_ids)

    def reads(self) -> tuple[batch.Read[os_info.OsInfo | None], batch.Read[dict[str, firewall.FirewallRule | None]]]:
        return os_info.version_read(), firewall.rules_read(self.rule_ids)

    def probes(self) -> list[batch.Probe]:
        return batch.compose(self.reads())

    def interpret(self, result: batch.BatchResult) -> RulesState:
        """Typed state from the batched output (pure)."""
        version, rules = self.reads()
        os = version.value(result)
        if os is None:
            raise errors.ProtocolError(
                f"{os_info.VERSION_UNREAD}; the observation returned: {errors.truncate(result.stderr) or 'nothing'}"
            )
        unread = key_reads.unread_messages(firewall.store_presences(result))
        if unread:
            raise errors.ProtocolError(
                f"cannot plan firewall changes: {'; '.join(unread)}; nothing was changed (check the key's "
                "permissions with regedit, or run the task with an account that can read it)"
            )
        return RulesState(os, rules.value(result))

    def observe(self, client: Client) -> RulesState:
        """One WinRS command: Create shell, Command, Receive, Delete."""
        return self.interpret(batch.run(client, self.probes()))

    def plan(self, state: RulesState, request: RulesDesired) -> list[Change]:
        missing = [rule_id for rule_id in request.rule_ids if state.rules.get(rule_id) is None]
        if missing:
            named = ", ".join(r if len(r) <= 80 else r[:80] + "..." for r in missing[:MISSING_SHOWN])
            if len(missing) > MISSING_SHOWN:
                named += f" and {len(missing) - MISSING_SHOWN} more"
            raise RuleMissingError(
                f"firewall rule(s) not found on this host: {named}; a missing built-in rule is not "
                "recreated (that would open the port wider than Windows does): restore it or leave it out of rules"
            )
        wanted: list[tuple[firewall.FirewallRule, list[Part], firewall.RuleEdit]] = []
        for rule_id in request.rule_ids:
            rule = t.cast(firewall.FirewallRule, state.rules[rule_id])
            planned, edit = _parts(rule, request)
            if not planned:
                continue
            if rule.gpo_owned:
                raise RefusedError(
                    f"firewall rule {rule_id} is owned by Group Policy and was not modified: "
                    f"{'; '.join(part[3] for part in planned)} in the GPO that sets it"
                )
            if state.method == NETSH:
                _check_netsh(rule, request)
            wanted.append((rule, planned, edit))
        return rule_changes(state.method == NETSH, wanted)

    def facts(self, outcome: Outcome[RulesState], request: RulesDesired) -> tuple[dict[str, t.Any], list[str]]:
        state = outcome.after or outcome.before
        return {
            "rules": state.rules_dict(),
            "previous": outcome.before.rules_dict(),
            "method": outcome.before.method,
            "verified": outcome.verified,
        }, []
