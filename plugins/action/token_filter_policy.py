# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action plugin of winremote.remoting.token_filter_policy."""

from __future__ import annotations

import typing as t

from ansible_collections.winremote.remoting.plugins.module_utils._specs import TOKEN_FILTER_POLICY
from ansible_collections.winremote.remoting.plugins.plugin_utils.action import WinRemoteAction
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine import execute as engine
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures.token_filter_policy import TokenFilterPolicy
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.client import WSManClient


class ActionModule(WinRemoteAction):
    ARGUMENT_SPEC = TOKEN_FILTER_POLICY

    def run_procedure(self, client: WSManClient, args: dict[str, t.Any]) -> dict[str, t.Any]:
        outcome = engine.execute(TokenFilterPolicy(), client, bool(args["enabled"]), self.check_mode)
        return self.outcome_result(outcome, enabled=bool(args["enabled"]), previous=outcome.before.enabled)
