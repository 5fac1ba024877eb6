# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What every winremote.remoting action plugin does around its procedure: validate, connect, translate errors.

Subclasses set ``ARGUMENT_SPEC`` and implement :meth:`WinRemoteAction.run_procedure`; they never open
Ansible's own connection, never log or return the password, and fail with the wire error's one-line message.
"""

from __future__ import annotations

import typing as t

from ansible.plugins.action import ActionBase

from ansible_collections.winremote.remoting.plugins.plugin_utils import connection
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.change import Outcome
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import errors
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.client import WSManClient


def never_reached(error: errors.WinRemoteError, client: WSManClient) -> bool:
    """True for a connection that failed before the host sent any reply: refused, timed out, a name that does not
    resolve, no route, a proxy that failed, or a reset before the first reply. A host that answered once and then
    went away mid-task (a WinRM restart) is a failed task: its result may say what was changed."""
    connection_level = isinstance(error, (errors.HostUnreachableError, errors.ConnectionTimeoutError))
    return connection_level and not client.answered


class WinRemoteAction(ActionBase):
    """Base of the collection's action plugins."""

    TRANSFERS_FILES = False
    # A host that could not be reached at all is UNREACHABLE, as with Ansible's own connection plugins; an audit
    # (remoting_info) sets this to False to report it as a finding with its verdict instead.
    REPORTS_UNREACHABLE = True
    ARGUMENT_SPEC: dict[str, dict[str, t.Any]] = {}
    SPEC_RULES: dict[str, t.Any] = {}  # required_one_of, mutually_exclusive, ... as AnsibleModule takes them

    def run_procedure(self, client: WSManClient, args: dict[str, t.Any]) -> dict[str, t.Any]:
        """Do the module's work and return its result keys (``changed`` included)."""
        raise NotImplementedError

    def failure_details(self, error: errors.WinRemoteError) -> dict[str, t.Any]:
        """Extra result keys when the host could not be reached or refused us."""
        return {}

    def outcome_result(self, outcome: Outcome[t.Any], **extra: t.Any) -> dict[str, t.Any]:
        """The result keys every change-making module returns: changed, the change summaries, the diff, and the
        procedure's own facts, warnings and rollback status."""
        result: dict[str, t.Any] = {"changed": outcome.changed, "changes": outcome.summaries(), **outcome.facts}
        result.update(extra)
        if self.diff_mode and outcome.changed:
            result["diff"] = outcome.diff()
        if outcome.rollback is not None:
            result["rollback"] = outcome.rollback
        if outcome.warnings:
            result["warnings"] = list(outcome.warnings)
        return result

    @property
    def check_mode(self) -> bool:
        return bool(self._task.check_mode)

    @property
    def diff_mode(self) -> bool:
        return bool(self._task.diff)

    def run(self, tmp: t.Any = None, task_vars: dict[str, t.Any] | None = None) -> dict[str, t.Any]:
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        _validation, args = self.validate_argument_spec(argument_spec=self.ARGUMENT_SPEC, **self.SPEC_RULES)
        fallback_host = task_vars.get("ansible_host") or task_vars.get("inventory_hostname")
        try:
            config = connection.resolve(self._connection, args.get("connection"), fallback_host=fallback_host)
        except connection.ConfigurationError as exc:
            result.update(failed=True, msg=str(exc))
            return result
        result["endpoint"] = config.endpoint
        client = WSManClient(config)
        try:
            result.update(self.run_procedure(client, args))
        except errors.WinRemoteError as exc:
            result.update(self.failure_details(exc))
            result.update(changed=False, msg=str(exc))
            if self.REPORTS_UNREACHABLE and never_reached(exc, client):
                # ansible-core's TaskExecutor and strategy count a result with "unreachable" as an unreachable
                # host (PLAY RECAP unreachable=, ignore_unreachable), like AnsibleConnectionFailure
                result["unreachable"] = True
            else:
                result["failed"] = True
        finally:
            client.close()
        weak = config.weaknesses()  # once per task: settings that weaken the connection's security
        if weak:
            result["warnings"] = [*result.get("warnings", []), *weak]
        return result


class ControllerAction(ActionBase):
    """Base of the action plugins whose files are on the controller (answer files, ServerList.xml, reports): no
    connection to the inventory host is opened and nothing is transferred. Subclasses set ``ARGUMENT_SPEC`` and
    ``FAILURES`` (the exceptions that mean "the file cannot be used", reported as a failed task with
    :meth:`failure_message`) and implement :meth:`run_local`."""

    _requires_connection = False
    _supports_check_mode = True
    _supports_async = False
    TRANSFERS_FILES = False
    ARGUMENT_SPEC: dict[str, dict[str, t.Any]] = {}
    FAILURES: tuple[type[Exception], ...] = ()

    def run_local(self, args: dict[str, t.Any], result: dict[str, t.Any]) -> None:
        """Do the module's work, adding its keys (``changed`` included) to ``result``."""
        raise NotImplementedError

    def failure_message(self, args: dict[str, t.Any], error: Exception) -> str:
        return str(error)

    def run(self, tmp: t.Any = None, task_vars: dict[str, t.Any] | None = None) -> dict[str, t.Any]:
        result: dict[str, t.Any] = super().run(tmp, task_vars)
        _validation, args = self.validate_argument_spec(argument_spec=self.ARGUMENT_SPEC)
        try:
            self.run_local(args, result)
        except self.FAILURES as exc:
            result.update(failed=True, changed=False, msg=self.failure_message(args, exc))
        return result
