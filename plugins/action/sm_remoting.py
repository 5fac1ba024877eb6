# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action plugin of winremote.remoting.sm_remoting."""

from __future__ import annotations

import typing as t

from ansible_collections.winremote.remoting.plugins.module_utils._specs import SM_REMOTING
from ansible_collections.winremote.remoting.plugins.plugin_utils.action import WinRemoteAction
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine import execute as engine
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures import remoting_info
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures.sm_remoting import (
    SmRemoting,
    SmRemotingDesired,
    found,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.client import WSManClient


class ActionModule(WinRemoteAction):
    ARGUMENT_SPEC = SM_REMOTING

    def run_procedure(self, client: WSManClient, args: dict[str, t.Any]) -> dict[str, t.Any]:
        if args["state"] == "query":
            state = remoting_info.observe(client)
            return {"changed": False, "sm_remoting_enabled": state.sm_remoting_enabled, "found": found(state)}
        desired = SmRemotingDesired(
            state=args["state"],
            allow_self_disconnect=args["allow_self_disconnect"],
            scheme=client.config.scheme,
            port=client.config.port,
        )
        return self.outcome_result(engine.execute(SmRemoting(), client, desired, self.check_mode))
