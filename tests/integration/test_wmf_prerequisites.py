# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The wmf_prerequisites procedure against simulated 2008, 2008 R2, 2012 and 2012 R2 hosts: each reaches "Online"
from a controller directory, an HTTP mirror or a UNC share, with a real reboot (the host stops answering and comes
back with the new WinRM stack); a rerun changes nothing; check mode changes nothing. Faults: a corrupt download,
a failing installer, a full disk, a host that does not come back, an unsupported target; each fails in one line
that says what to do, and a rerun after the fault converges."""

from __future__ import annotations

import time
import typing as t
from pathlib import Path

import pytest
from package_source import UNC_SHARE, mirror, write_packages
from simhosts import HostFactory, config_for

from ansible_collections.winremote.remoting.plugins.plugin_utils import manageability
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine import execute as engine
from ansible_collections.winremote.remoting.plugins.plugin_utils.errors import WinRemoteError
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures import remoting_info
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures.wmf_prerequisites import (
    WmfPrerequisites,
    request_from_args,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.client import WSManClient

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def repository(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    directory = tmp_path_factory.mktemp("packages") / "packages"
    return directory, write_packages(directory)


def args(source: str, checksums: dict[str, str], **options: t.Any) -> dict[str, t.Any]:
    values: dict[str, t.Any] = {
        "source": source,
        "checksums": checksums,
        "catalog": [],
        "target_wmf": None,
        "performance_update": True,
        "reboot": "if_required",
        "reboot_timeout": 60,
        "install_timeout": 60,
    }
    values.update(options)
    return values


def run(host: t.Any, values: dict[str, t.Any], check_mode: bool = False) -> t.Any:
    request = request_from_args(values)
    with WSManClient(config_for(host)) as client:
        return engine.execute(WmfPrerequisites(request), client, request, check_mode)


def status(host: t.Any) -> str:
    with WSManClient(config_for(host)) as client:
        return remoting_info.observe(client).verdict().status


@pytest.mark.parametrize("profile", ["2008", "2008r2", "2012", "2012r2"])
def test_controller_directory_reaches_online(
    start_host: HostFactory, repository: tuple[Path, dict[str, str]], profile: str
) -> None:
    directory, checksums = repository
    host = start_host(profile)
    assert status(host) != manageability.ONLINE
    outcome = run(host, args(str(directory), checksums))
    assert outcome.changed and outcome.verified
    assert outcome.facts["rebooted"] is True
    assert outcome.facts["reboot_required"] is False
    assert outcome.facts["status"] == manageability.ONLINE
    assert status(host) == manageability.ONLINE
    again = run(host, args(str(directory), checksums))
    assert not again.changed and again.facts["rebooted"] is False


def test_check_mode_reports_plan_with_sizes_and_changes_nothing(
    start_host: HostFactory, repository: tuple[Path, dict[str, str]]
) -> None:
    directory, checksums = repository
    host = start_host("2008r2")
    with host.lock:
        before = host.state.to_json()
    outcome = run(host, args(str(directory), checksums), check_mode=True)
    assert outcome.changed and not outcome.applied
    summaries = " | ".join(outcome.summaries())
    assert "dotnet-4.5" in summaries and "wmf-4.0" in summaries and "kb2682011" in summaries
    assert "KiB" in summaries  # the sizes of the files to transfer
    with host.lock:
        assert host.state.to_json() == before


def test_http_mirror_corrupt_download_then_rerun(
    start_host: HostFactory, repository: tuple[Path, dict[str, str]]
) -> None:
    directory, checksums = repository
    host = start_host("2012r2")
    with mirror(directory.parent) as base:
        with host.lock:
            host.state.download_fault = "corrupt"
        with pytest.raises(WinRemoteError, match="SHA-256") as failure:
            run(host, args(base, checksums))
        assert "dotnet-4.6" in str(failure.value) or "NDP46" in str(failure.value)
        assert status(host) != manageability.ONLINE
        with host.lock:
            host.state.download_fault = None
        outcome = run(host, args(base, checksums))
        assert outcome.facts["status"] == manageability.ONLINE


def test_unc_share_read_by_the_computer_account(
    start_host: HostFactory, repository: tuple[Path, dict[str, str]]
) -> None:
    directory, checksums = repository
    host = start_host("2008r2")
    with host.lock:
        host.state.unc_shares[UNC_SHARE] = str(directory)
    outcome = run(host, args(UNC_SHARE, checksums))
    assert outcome.facts["status"] == manageability.ONLINE


def test_failing_installer_reports_code_and_log_then_rerun(
    start_host: HostFactory, repository: tuple[Path, dict[str, str]]
) -> None:
    directory, checksums = repository
    host = start_host("2012")
    with host.lock:
        host.state.install_exit_codes["W2K12-KB3191565-x64.msu"] = 1603
    with pytest.raises(WinRemoteError, match=r"wmf-5\.1: the installation failed with exit code 1603") as failure:
        run(host, args(str(directory), checksums))
    message = str(failure.value)
    assert "fatal error" in message.lower() and "log " in message.lower()
    assert "done before this failure and kept: install dotnet-4.6" in message  # nothing half-done reads as untouched
    assert status(host) == manageability.NOT_ACCESSIBLE
    with host.lock:
        host.state.install_exit_codes.clear()
    assert run(host, args(str(directory), checksums)).facts["status"] == manageability.ONLINE


def test_full_disk_refused_before_transfer(start_host: HostFactory, repository: tuple[Path, dict[str, str]]) -> None:
    directory, checksums = repository
    host = start_host("2012r2")
    with host.lock:
        host.state.files.capacity = host.state.files.used() + 1024
    with pytest.raises(WinRemoteError, match="free space on the system drive and rerun"):
        run(host, args(str(directory), checksums))
    with host.lock:
        assert not host.state.files.exists(r"C:\Windows\Temp\winremote-prerequisites")  # nothing was sent
    with host.lock:
        host.state.files.capacity = None
    assert run(host, args(str(directory), checksums)).facts["status"] == manageability.ONLINE


def test_host_that_does_not_come_back(start_host: HostFactory, repository: tuple[Path, dict[str, str]]) -> None:
    directory, checksums = repository
    host = start_host("2008")
    with host.lock:
        host.state.reboot_never_returns = True
    with pytest.raises(WinRemoteError, match="did not come back within 5s") as failure:
        run(host, args(str(directory), checksums, reboot_timeout=5))
    assert "wmf-3.0" in str(failure.value) and "dotnet-4.0" in str(failure.value)
    with host.lock:
        host.state.reboot_never_returns = False
    host.reboot()  # the administrator starts it from its console
    deadline = time.monotonic() + 30
    while host.down and time.monotonic() < deadline:
        time.sleep(0.2)
    assert run(host, args(str(directory), checksums)).facts["status"] == manageability.ONLINE


def test_unsupported_target_fails_before_anything_is_sent(
    start_host: HostFactory, repository: tuple[Path, dict[str, str]]
) -> None:
    directory, checksums = repository
    host = start_host("2008")
    with host.lock:
        before = host.state.to_json()
    with pytest.raises(WinRemoteError, match="target_wmf"):
        run(host, args(str(directory), checksums, target_wmf="5.1"))
    with host.lock:
        assert host.state.to_json() == before


def test_wmf51_on_2008r2_removes_wmf30_first(start_host: HostFactory, repository: tuple[Path, dict[str, str]]) -> None:
    directory, checksums = repository
    host = start_host("2008r2")
    run(host, args(str(directory), checksums, target_wmf="3.0", performance_update=False))
    outcome = run(host, args(str(directory), checksums, target_wmf="5.1"))
    kinds = [change.kind for change in outcome.changes]
    assert kinds[:2] == ["remove_package", "reboot"]
    assert outcome.facts["after"]["powershell_version"].startswith("5.1")
    with host.lock:
        assert not host.state.psmodulepath_lost


def test_reboot_never_reports_reboot_required(start_host: HostFactory, repository: tuple[Path, dict[str, str]]) -> None:
    directory, checksums = repository
    host = start_host("2012r2")
    outcome = run(host, args(str(directory), checksums, reboot="never"))
    assert outcome.changed and outcome.facts["reboot_required"] is True and outcome.facts["rebooted"] is False
    again = run(host, args(str(directory), checksums, reboot="never"))
    assert not again.changed and again.facts["reboot_required"] is True
    finished = run(host, args(str(directory), checksums))
    assert finished.facts["rebooted"] is True and finished.facts["status"] == manageability.ONLINE
