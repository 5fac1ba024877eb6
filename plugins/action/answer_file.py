# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action plugin of winremote.remoting.answer_file: edit an answer file on the controller, never touch a host."""

from __future__ import annotations

import typing as t

from ansible_collections.winremote.remoting.plugins.module_utils._specs import ANSWER_FILE
from ansible_collections.winremote.remoting.plugins.plugin_utils.action import ControllerAction
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures import answer_file


class ActionModule(ControllerAction):
    ARGUMENT_SPEC = ANSWER_FILE
    FAILURES = (answer_file.AnswerFileError,)

    def run_local(self, args: dict[str, t.Any], result: dict[str, t.Any]) -> None:
        path: str = args["path"]
        desired = answer_file.AnswerFileDesired(
            enabled=args["enable_server_remote_management"],
            architecture=args["architecture"],
            pass_=args["pass"],
            create=args["create"],
        )
        result["path"] = path
        state = answer_file.observe(path, desired.architecture, desired.pass_)
        changes = answer_file.plan(state, desired)
        if changes and self._task.diff:
            # Only the setting: the rest of an answer file can hold passwords and product keys.
            result["diff"] = answer_file.diff(state, changes)
        if changes and not self._task.check_mode:
            backup_file = answer_file.apply(state, changes, backup=args["backup"])
            if backup_file:
                result["backup_file"] = backup_file
        result.update(
            changed=bool(changes),
            enable_server_remote_management=desired.enabled,
            previous_value=state.current,
            changes=[c.summary for c in changes],
        )
