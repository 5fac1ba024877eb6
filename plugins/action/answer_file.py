# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action plugin of winremote.remoting.answer_file: edit an answer file on the controller, never touch a host."""

from __future__ import annotations

import typing as t

from ansible.plugins.action import ActionBase

from ansible_collections.winremote.remoting.plugins.module_utils._specs import ANSWER_FILE
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures import answer_file


class ActionModule(ActionBase):
    # The file is on the controller: no connection to the inventory host is opened, nothing is transferred.
    _requires_connection = False
    _supports_check_mode = True
    _supports_async = False
    TRANSFERS_FILES = False

    def run(self, tmp: t.Any = None, task_vars: dict[str, t.Any] | None = None) -> dict[str, t.Any]:
        result: dict[str, t.Any] = super().run(tmp, task_vars)
        _validation, args = self.validate_argument_spec(argument_spec=ANSWER_FILE)
        path: str = args["path"]
        desired = answer_file.AnswerFileDesired(
            enabled=args["enable_server_remote_management"],
            architecture=args["architecture"],
            pass_=args["pass"],
            create=args["create"],
        )
        result["path"] = path
        try:
            state = answer_file.observe(path, desired.architecture, desired.pass_)
            changes = answer_file.plan(state, desired)
            if changes and self._task.diff:
                # Only the setting: the rest of an answer file can hold passwords and product keys.
                result["diff"] = answer_file.diff(state, changes)
            if changes and not self._task.check_mode:
                backup_file = answer_file.apply(state, changes, backup=args["backup"])
                if backup_file:
                    result["backup_file"] = backup_file
        except answer_file.AnswerFileError as exc:
            result.update(failed=True, changed=False, msg=str(exc))
            return result
        result.update(
            changed=bool(changes),
            enable_server_remote_management=desired.enabled,
            previous_value=state.current,
            changes=[c.summary for c in changes],
        )
        return result
