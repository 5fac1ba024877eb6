# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action plugin of winremote.remoting.firewall_rules."""

from __future__ import annotations

import typing as t

from ansible_collections.winremote.remoting.plugins.module_utils._specs import FIREWALL_RULES, FIREWALL_RULES_RULES
from ansible_collections.winremote.remoting.plugins.plugin_utils.action import WinRemoteAction
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine import execute as engine
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures.firewall_rules import (
    FirewallRules,
    desired_from_args,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.client import WSManClient


class ActionModule(WinRemoteAction):
    ARGUMENT_SPEC = FIREWALL_RULES
    SPEC_RULES = FIREWALL_RULES_RULES

    def run_procedure(self, client: WSManClient, args: dict[str, t.Any]) -> dict[str, t.Any]:
        desired = desired_from_args(args, client.config.port)  # before any I/O: bad options fail fast
        procedure = FirewallRules(desired.rule_ids)
        return self.outcome_result(engine.execute(procedure, client, desired, self.check_mode))
