# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""``winsim domain start|stop|show`` without Samba: arguments, and show/stop on a saved domain.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from winsim import domain
from winsim.cli import build_parser, main


def test_domain_start_defaults() -> None:
    args = build_parser().parse_args(["domain", "start", "--join", "SIM2019", "--join", "SRV=srv.winremote.test"])
    assert (args.command, args.domain_command) == ("domain", "start")
    assert (args.realm, args.netbios, args.address) == (domain.REALM, domain.NETBIOS, domain.ADDRESS)
    assert args.scratch_dir == ".work/domain/cli"
    assert args.join == ["SIM2019", "SRV=srv.winremote.test"]


def test_show_prints_the_state_without_passwords(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dc = domain.Domain(tmp_path / "dc", detached=True)
    dc.scratch.mkdir()
    dc.administrator_password = "Admin-secret-1"
    dc.users["wradmin"] = domain.User("wradmin", "User-secret-1", True, "wradmin@WINREMOTE.TEST")
    dc.save()
    assert main(["domain", "show", "--scratch-dir", str(dc.scratch)]) == 0
    out = capsys.readouterr().out
    shown = json.loads(out)
    assert "secret" not in out
    assert shown["users"]["wradmin"]["admin"] is True
    assert shown["krb5_conf"] == str(dc.scratch / "krb5.conf")


def test_stop_removes_the_scratch_dir_and_show_then_fails(tmp_path: Path) -> None:
    dc = domain.Domain(tmp_path / "dc", detached=True)
    dc.scratch.mkdir()
    dc.save()
    assert main(["domain", "stop", "--scratch-dir", str(dc.scratch)]) == 0
    assert not dc.scratch.exists()
    assert main(["domain", "show", "--scratch-dir", str(dc.scratch)]) == 1
    assert main(["domain", "stop", "--scratch-dir", str(dc.scratch)]) == 1


def test_start_refuses_a_non_loopback_address(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["domain", "start", "--scratch-dir", str(tmp_path / "dc"), "--address", "192.0.2.1"]) == 1
    assert "loopback" in capsys.readouterr().err
    assert not (tmp_path / "dc").exists()


def test_leftovers_names_scratch_realms_of_test_runs_only(tmp_path: Path) -> None:
    assert domain.leftovers(tmp_path / "absent") == []
    (tmp_path / "cli").mkdir()  # a DC started on purpose is not a leftover of a test run
    assert domain.leftovers(tmp_path) == []
    (tmp_path / "pytest-4242").mkdir()
    assert domain.leftovers(tmp_path) == [f"scratch realm {tmp_path / 'pytest-4242'}"]
    assert main(["domain", "leftovers", "--scratch-dir", str(tmp_path)]) == 1
    (tmp_path / "pytest-4242").rmdir()
    assert main(["domain", "leftovers", "--scratch-dir", str(tmp_path)]) == 0
