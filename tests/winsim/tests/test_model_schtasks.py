# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""schtasks.exe behaviours the collection depends on (sources in winsim.wsman.commands.schtasks)."""

from __future__ import annotations

from typing import Any

import pytest

LONG_NAME = "winremote-a-task-name-longer-than-forty-characters"


def create(name: str, command: str = "cmd.exe /c echo x") -> str:
    return f'schtasks /create /tn {name} /sc once /st 00:00 /ru SYSTEM /tr "{command}" /f'


def test_a_past_start_time_warns_on_stderr_and_succeeds(model_client: Any) -> None:
    out, err, rc = model_client.run(create("past"))
    assert rc == 0
    assert out == 'SUCCESS: The scheduled task "past" has successfully been created.\r\n'
    assert err == "WARNING: Task may not run because /ST is earlier than current time.\r\n"
    # a chain goes on: the warning is no failure
    out, err, rc = model_client.run(create("past") + " && schtasks /query /tn past")
    assert rc == 0 and "past" in out.split("Folder: \\", 1)[1]


@pytest.mark.parametrize(("length", "refused"), [(261, False), (262, True)])
def test_tr_longer_than_261_characters_is_refused(model_client: Any, length: int, refused: bool) -> None:
    command = "cmd.exe /c echo " + "x" * (length - len("cmd.exe /c echo "))
    out, err, rc = model_client.run(create("long-tr", command))
    if refused:
        assert (out, rc) == ("", 1)
        assert err == "ERROR: Invalid syntax. Value for '/TR' option cannot be more than 261 character(s).\r\n"
        assert "long-tr" not in model_client.run("schtasks /query")[0]
    else:
        assert rc == 0 and "SUCCESS" in out


def test_query_table_cuts_names_at_40_characters(model_client: Any) -> None:
    assert model_client.run(create(LONG_NAME))[2] == 0
    table = model_client.run(f"schtasks /query /tn {LONG_NAME}")[0].split("\r\n")
    row = next(line for line in table if line.startswith("winremote-"))
    assert row.startswith(LONG_NAME[:40] + " ") and LONG_NAME not in row
    listing = model_client.run(f"schtasks /query /tn {LONG_NAME} /v /fo list")[0]
    assert f"\\{LONG_NAME}\r\n" in listing  # the list format shows the whole name


def test_a_stopped_task_scheduler_fails_every_verb(model_client: Any) -> None:
    assert model_client.run("schtasks /query")[2] == 0
    model_client.state.service_status["Schedule"] = "Stopped"
    for line in ("schtasks /query", "schtasks /query /tn x", "schtasks /delete /tn x /f", create("x")):
        out, err, rc = model_client.run(line)
        assert (out, rc) == ("", 1) and "Task Scheduler" in err
