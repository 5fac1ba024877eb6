# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action plugin of winremote.remoting.psremoting."""

from __future__ import annotations

import typing as t

from ansible_collections.winremote.remoting.plugins.module_utils._specs import PSREMOTING
from ansible_collections.winremote.remoting.plugins.plugin_utils.action import WinRemoteAction
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine import execute as engine
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures.psremoting import (
    PsRemoting,
    PsRemotingDesired,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.client import WSManClient


class ActionModule(WinRemoteAction):
    ARGUMENT_SPEC = PSREMOTING

    def run_procedure(self, client: WSManClient, args: dict[str, t.Any]) -> dict[str, t.Any]:
        config = client.config
        desired = PsRemotingDesired.from_args(args, config)  # before any I/O: bad options fail naming the option
        procedure = PsRemoting(wait_seconds=max(config.connection_timeout, config.read_timeout, 10))
        return self.outcome_result(engine.execute(procedure, client, desired, self.check_mode))
