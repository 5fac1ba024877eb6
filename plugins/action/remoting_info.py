# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action plugin of winremote.remoting.remoting_info: observe the host, report Server Manager's verdict."""

from __future__ import annotations

import typing as t

from ansible_collections.winremote.remoting.plugins.module_utils._specs import REMOTING_INFO
from ansible_collections.winremote.remoting.plugins.plugin_utils import manageability
from ansible_collections.winremote.remoting.plugins.plugin_utils.action import WinRemoteAction
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures import remoting_info
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import errors
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.client import WSManClient


class ActionModule(WinRemoteAction):
    ARGUMENT_SPEC = REMOTING_INFO
    REPORTS_UNREACHABLE = False  # an audit: an unreachable host is a finding ("Not accessible"), not a dark host

    def run_procedure(self, client: WSManClient, args: dict[str, t.Any]) -> dict[str, t.Any]:
        state = remoting_info.observe(client)
        result: dict[str, t.Any] = {"changed": False, **state.to_dict()}
        if state.unread_reasons:  # what could not be read, and why: unread is not absent
            result["warnings"] = list(state.unread_reasons)
        return result

    def failure_details(self, error: errors.WinRemoteError) -> dict[str, t.Any]:
        verdict = manageability.for_error(error.kind, str(error))
        return {"manageability": verdict.status, "manageability_reasons": list(verdict.reasons)}
