# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action plugin of winremote.remoting.winrm_policy."""

from __future__ import annotations

import typing as t

from ansible_collections.winremote.remoting.plugins.module_utils._specs import WINRM_POLICY
from ansible_collections.winremote.remoting.plugins.plugin_utils.action import WinRemoteAction
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures import base
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures.winrm_policy import Desired, WinrmPolicy
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.client import WSManClient


class ActionModule(WinRemoteAction):
    ARGUMENT_SPEC = WINRM_POLICY

    def run_procedure(self, client: WSManClient, args: dict[str, t.Any]) -> dict[str, t.Any]:
        config = client.config
        # refuses bad options before any connection; resolves a host name on the controller for the lock-out check
        desired = Desired.from_args(args, config.host, scheme=config.scheme, port=config.port)
        procedure = WinrmPolicy(wait_seconds=max(config.connection_timeout, config.read_timeout, 10))
        outcome = base.execute(procedure, client, desired, self.check_mode)
        # a restart planned as disruptive (allowed by allow_self_disconnect) cuts this controller off
        cuts = any(c.disruptive for c in outcome.changes)
        warnings = desired.warnings()
        effective = outcome.after or outcome.before
        restart_required = not desired.restart_winrm and not effective.running.matches(desired.running)
        if restart_required:
            warnings.append("the WinRM service applies the new policy when it next starts (restart_winrm=false)")
        reachable = not (cuts and outcome.changed and not self.check_mode)
        if not reachable:
            warnings.append(
                "WinRM on this host no longer answers remote requests, as allow_self_disconnect=true allowed; "
                "undo it on the host's console (gpedit.msc or this module run locally)"
            )
        result = self.outcome_result(
            outcome,
            state=desired.state,
            ipv4_filter=desired.ipv4_filter,
            ipv6_filter=desired.ipv6_filter,
            previous=outcome.before.policy_in_file(),
            running=(desired.running if not reachable else effective.running).to_dict(),
            restart_required=restart_required,
            reachable=reachable,
            listeners=[listener.to_dict() for listener in effective.listeners] if reachable else [],
        )
        if procedure.rollback is not None:
            result["rollback"] = procedure.rollback
        if warnings:
            result["warnings"] = warnings
        return result
