# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The SYSTEM task helper against schtasks' real habits: the /create warning on stderr, the 40-character names of
/query's table, the 261-character /tr."""

from __future__ import annotations

import typing as t

import pytest

from ansible_collections.winremote.remoting.plugins.plugin_utils.engine import guard as rollback
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures import winrm_policy
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import tasks
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import winrs

WARNING = "WARNING: Task may not run because /ST is earlier than current time.\r\n"
CREATED = 'SUCCESS: The scheduled task "winremote-x" has successfully been created.\r\n'


class Client:
    def __init__(self, result: winrs.CommandResult) -> None:
        self.result = result
        self.lines: list[str] = []

    def run_command(self, command: str, arguments: t.Sequence[str] = ()) -> winrs.CommandResult:
        self.lines.append(" ".join([command, *arguments]))
        return self.result


def test_a_warning_on_stderr_with_exit_code_0_is_success() -> None:
    ran = 'SUCCESS: Attempted to run the scheduled task "winremote-x".\r\n'
    client = Client(winrs.CommandResult(CREATED + ran, WARNING, 0))
    assert tasks.run_as_system(client, "winremote-x", tasks.RESTART_WINRM).rc == 0


def test_a_failure_names_the_error_not_the_warning() -> None:
    client = Client(winrs.CommandResult(CREATED, WARNING + "ERROR: Access is denied.\r\n", 1))
    with pytest.raises(tasks.TaskError) as caught:
        tasks.run_as_system(client, "winremote-x", tasks.RESTART_WINRM)
    assert str(caught.value) == "could not start the SYSTEM scheduled task winremote-x: ERROR: Access is denied."


def test_a_failure_with_only_the_warning_on_stderr_shows_stdout() -> None:
    client = Client(winrs.CommandResult("ERRO: acesso negado.\r\n", WARNING, 1))
    with pytest.raises(tasks.TaskError, match=r"winremote-x: ERRO: acesso negado\.$"):
        tasks.run_as_system(client, "winremote-x", tasks.RESTART_WINRM)


def test_failure_text_drops_only_the_start_time_warning() -> None:
    translated = "AVISO: a tarefa pode não ser executada porque /ST é anterior à hora atual.\r\n"
    assert tasks.failure_text(translated + "ERRO: Acesso negado.\r\n") == "ERRO: Acesso negado."
    assert tasks.failure_text(WARNING) == ""


def test_task_names_fit_the_query_table() -> None:
    """/query's table cuts names at 40 characters; the guard finds its tasks by name in that table."""
    for name in (rollback.POLICY_TASK, rollback.LISTENER_TASK, winrm_policy.TASK_NAME):
        assert len(name) <= tasks.MAX_TASK_NAME
        tasks.start_command(name, "echo x")
    with pytest.raises(ValueError, match="at most 40 characters"):
        tasks.start_command("x" * 41, "echo x")


def test_a_task_line_longer_than_schtasks_accepts_is_refused_before_connecting() -> None:
    fits = "echo " + "x" * (tasks.MAX_TASK_RUN - len("cmd.exe /c echo  & schtasks /delete /tn t /f"))
    assert len(tasks.start_command("t", fits).split('/tr "', 1)[1].split('" /f', 1)[0]) == tasks.MAX_TASK_RUN
    with pytest.raises(ValueError, match="more than schtasks accepts"):
        tasks.start_command("t", fits + "x")
