# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action plugin of winremote.remoting.winrm_listener."""

from __future__ import annotations

import typing as t

from ansible_collections.winremote.remoting.plugins.module_utils._specs import WINRM_LISTENER, WINRM_LISTENER_RULES
from ansible_collections.winremote.remoting.plugins.plugin_utils.action import WinRemoteAction
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine import execute as engine
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures.winrm_listener import (
    ListenerDesired,
    WinrmListener,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.client import WSManClient


class ActionModule(WinRemoteAction):
    ARGUMENT_SPEC = WINRM_LISTENER
    SPEC_RULES = WINRM_LISTENER_RULES

    def run_procedure(self, client: WSManClient, args: dict[str, t.Any]) -> dict[str, t.Any]:
        # every option is checked here, before the first request
        desired = ListenerDesired.from_args(args, client.config)
        outcome = engine.execute(WinrmListener(desired), client, desired, self.check_mode)
        return self.outcome_result(outcome)
