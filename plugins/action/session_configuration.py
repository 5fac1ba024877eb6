# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action plugin of winremote.remoting.session_configuration."""

from __future__ import annotations

import typing as t

from ansible_collections.winremote.remoting.plugins.module_utils._specs import (
    SESSION_CONFIGURATION,
    SESSION_CONFIGURATION_RULES,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.action import WinRemoteAction
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine import execute as engine
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures.session_configuration import (
    SessionConfiguration,
    SessionDesired,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.client import WSManClient


class ActionModule(WinRemoteAction):
    ARGUMENT_SPEC = SESSION_CONFIGURATION
    SPEC_RULES = SESSION_CONFIGURATION_RULES

    def run_procedure(self, client: WSManClient, args: dict[str, t.Any]) -> dict[str, t.Any]:
        desired = SessionDesired.from_args(args, client.config)  # before any I/O: bad options fail fast
        return self.outcome_result(engine.execute(SessionConfiguration(desired), client, desired, self.check_mode))
