# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Everything that makes a server remotely manageable, as one procedure on one observation: Server Manager remote
management, the MMC firewall rules (DCOM and Remote Event Log Management), the WinRM Group Policy and
LocalAccountTokenFilterPolicy.

The parts are the single procedures' own pure plans (``sm_remoting``, ``firewall_rules``, ``winrm_policy``,
``token_filter_policy``); what this module adds is one observation that serves them all: Server Manager's
observation (a Get of ``winrm/config/service``, an Enumerate of the listeners, one WinRS command) with the local
GPO's two files read in the same WinRS command. A no-change run costs that observation and nothing else, and after
changes the engine's re-observation is the verification.
"""

from __future__ import annotations

import dataclasses
import typing as t

from ansible_collections.winremote.remoting.plugins.plugin_utils.engine import guard
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.change import Change, Endpoint, Outcome
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.execute import Procedure
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures import (
    firewall_rules,
    remoting_info,
    sm_remoting,
    token_filter_policy,
    winrm_policy,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import firewall
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.errors import WinRemoteError
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.protocol import Client

MMC_RULES = firewall.RULE_SETS["dcom_remote_management"]


@dataclasses.dataclass(frozen=True)
class ManagementState:
    remoting: remoting_info.RemotingState
    policy: winrm_policy.PolicyState | None  # None when the policy files or key could not be read
    policy_unread: str | None = None  # why, said only when the request manages the WinRM policy

    @property
    def mmc_rules(self) -> firewall_rules.RulesState:
        rules = {rule_id: self.remoting.firewall_rules.get(rule_id) for rule_id in MMC_RULES}
        return firewall_rules.RulesState(self.remoting.os, rules)


@dataclasses.dataclass(frozen=True)
class ManagementDesired:
    """The parts to manage (None: leave that part alone), each already validated by its own module's rules."""

    sm_remoting: sm_remoting.SmRemotingDesired | None
    mmc_rules: firewall_rules.RulesDesired | None
    winrm_policy: winrm_policy.PolicyDesired | None
    token_filter_policy: bool | None
    allow_self_disconnect: bool = False
    scheme: str = "http"
    port: int = 5985

    @property
    def endpoint(self) -> Endpoint:
        return Endpoint(self.scheme, self.port)


class RemoteManagement(Procedure[ManagementState, ManagementDesired]):
    """observe once -> the parts' plans, in the order the role applies them: token filter policy, WinRM policy,
    MMC rules, Server Manager remoting (its listener change restarts WinRM; the engine puts changes that cut the
    connection last and guards every WinRM restart with one rollback task)."""

    guard_task = guard.POLICY_TASK
    awaited = "with the requested settings"

    def __init__(self, wait_seconds: float = 60.0) -> None:
        self.wait_seconds = wait_seconds
        self.policy = winrm_policy.WinrmPolicy(wait_seconds)

    def observe(self, client: Client) -> ManagementState:
        seen = remoting_info.observe_with(client, winrm_policy.probes())
        remoting = seen.state
        if seen.config_unread:
            return ManagementState(remoting, None)
        try:
            # unreadable policy files only matter to a request that manages the policy
            policy = winrm_policy.interpret(seen.result, winrm_policy.probes(), seen.service, seen.listeners)
        except WinRemoteError as exc:
            return ManagementState(remoting, None, str(exc))
        return ManagementState(remoting, policy)

    def plan(self, state: ManagementState, request: ManagementDesired) -> list[Change]:
        changes: list[Change] = []
        if request.token_filter_policy is not None:
            state.remoting.require_read("plan LocalAccountTokenFilterPolicy")
            raw = state.remoting.local_account_token_filter_policy
            changes += token_filter_policy.plan(raw == 1, request.token_filter_policy)
        if request.winrm_policy is not None:
            changes += self.policy.plan(self.policy_state(state), request.winrm_policy)
        if request.mmc_rules is not None:
            state.remoting.require_read("plan the MMC firewall rules")
            changes += firewall_rules.FirewallRules(MMC_RULES).plan(state.mmc_rules, request.mmc_rules)
        if request.sm_remoting is not None:
            changes += sm_remoting.plan_for(state.remoting, request.sm_remoting).changes
        return changes

    @staticmethod
    def policy_state(state: ManagementState) -> winrm_policy.PolicyState:
        if state.policy is None:
            state.remoting.require_read("plan the WinRM policy")
            raise WinRemoteError(state.policy_unread or "cannot plan the WinRM policy: its files were not read")
        return state.policy

    def stale_rollbacks(self, state: ManagementState) -> tuple[str, ...]:
        return tuple(state.remoting.pending_rollbacks)

    def lockout(self, state: ManagementState, request: ManagementDesired) -> str | None:
        if request.winrm_policy is None:
            return None
        return self.policy.lockout(self.policy_state(state), request.winrm_policy)

    def settled(self, client: Client, request: ManagementDesired) -> str | None:
        if request.winrm_policy is None:
            return None
        return self.policy.settled(client, request.winrm_policy)

    def describe(self, client: Client) -> str | None:
        return sm_remoting.describe_listener(client)

    def facts(
        self, outcome: Outcome[ManagementState], request: ManagementDesired
    ) -> tuple[dict[str, t.Any], list[str]]:
        """Each part's result keys under its module's name, and every part's warnings."""
        facts: dict[str, t.Any] = {}
        warnings: list[str] = []

        def part(name: str, procedure: Procedure[t.Any, t.Any], before: t.Any, after: t.Any, wanted: t.Any) -> None:
            own = {(c.target, c.summary) for c in procedure.plan(before, wanted)}  # pure: the part's own plan
            mine = tuple(c for c in outcome.changes if (c.target, c.summary) in own)
            sub = Outcome(mine, before, after, applied=outcome.applied and bool(mine))
            found, said = procedure.facts(sub, wanted)
            facts[name] = {"changed": bool(mine), "changes": [c.summary for c in mine], **found}
            warnings.extend(said)

        before, after = outcome.before, outcome.after
        if request.sm_remoting is not None:
            part(
                "sm_remoting",
                sm_remoting.SmRemoting(),
                before.remoting,
                after.remoting if after else None,
                request.sm_remoting,
            )
        if request.mmc_rules is not None:
            part(
                "firewall_rules",
                firewall_rules.FirewallRules(MMC_RULES),
                before.mmc_rules,
                after.mmc_rules if after else None,
                request.mmc_rules,
            )
        if request.winrm_policy is not None:
            part(
                "winrm_policy",
                self.policy,
                self.policy_state(before),
                self.policy_state(after) if after else None,
                request.winrm_policy,
            )
        if request.token_filter_policy is not None:
            latfp = (after or before).remoting.local_account_token_filter_policy
            facts["token_filter_policy"] = {
                "changed": any(c.target == token_filter_policy.TARGET for c in outcome.changes),
                "enabled": latfp == 1 if after is not None else request.token_filter_policy,  # predicted
                "previous": before.remoting.local_account_token_filter_policy == 1,
            }
        # the Server Manager part predicts it in check mode and after an intended disconnect
        observed = (after or before).remoting.sm_remoting_enabled
        facts["sm_remoting_enabled"] = (
            facts["sm_remoting"]["sm_remoting_enabled"] if "sm_remoting" in facts else observed
        )
        facts["verified"] = outcome.verified
        return facts, list(dict.fromkeys(warnings))
