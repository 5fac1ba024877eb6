# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The server_pool probe's bounds (concurrency, total deadline), its cache form and the plugin's file names."""

from __future__ import annotations

import dataclasses
import os
import sys
import threading
import time
from pathlib import Path

import pytest

from ansible_collections.winremote.remoting.plugins.inventory.server_pool import InventoryModule
from ansible_collections.winremote.remoting.plugins.plugin_utils.inventory import groups, probe, sources


def targets(count: int) -> list[sources.Target]:
    return sources.collect([("hosts", [f"192.0.2.{n}" for n in range(1, count + 1)])], 256)


def online(target: sources.Target, settings: probe.ProbeSettings) -> probe.HostReport:
    return probe.HostReport(target.name, target.address, "Online", (), probe.now(), reachable=True)


def test_concurrency_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    running = 0
    peak = 0
    lock = threading.Lock()

    def slow(target: sources.Target, settings: probe.ProbeSettings) -> probe.HostReport:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.02)
        with lock:
            running -= 1
        return online(target, settings)

    monkeypatch.setattr(probe, "probe_host", slow)
    reports = probe.probe_all(targets(20), probe.ProbeSettings(concurrency=3))
    assert [r.name for r in reports] == [t.name for t in targets(20)]
    assert 1 <= peak <= 3


def test_hosts_left_at_the_deadline_are_not_accessible(monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()

    def stuck_on_second(target: sources.Target, settings: probe.ProbeSettings) -> probe.HostReport:
        if target.name == "192.0.2.2":
            release.wait(5)
        return online(target, settings)

    monkeypatch.setattr(probe, "probe_host", stuck_on_second)
    try:
        reports = probe.probe_all(targets(3), probe.ProbeSettings(deadline=0.3, concurrency=3))
    finally:
        release.set()
    assert [r.status for r in reports] == ["Online", "Not accessible", "Online"]
    assert reports[1].reasons == ("probe_deadline=0.3s passed before the host was probed",)


def test_report_round_trips_through_the_cache_form_without_credentials() -> None:
    settings = probe.ProbeSettings(username="admin", password="Secret-Passw0rd!")
    assert "Secret" not in repr(settings)
    report = probe.HostReport("web01", "web01", "Online - Access denied", ("why",), "2026-01-01T00:00:00+00:00")
    data = report.to_dict()
    assert probe.HostReport.from_dict(data) == report
    assert "Secret" not in repr(data)
    assert groups.group_names(report) == ["manageability_online_access_denied"]
    assert "ansible_port" not in groups.host_vars(report)


@pytest.mark.parametrize(
    ("name", "accepted"),
    [
        ("prod.server_pool.yml", True),
        ("prod.server_pool.yaml", True),
        ("server_pool.yml", True),
        ("server_pool.yaml", True),
        ("prod.yml", False),
        ("server_pool.json", False),
    ],
)
def test_verify_file(tmp_path: Path, name: str, accepted: bool) -> None:
    path = tmp_path / name
    path.write_text("plugin: winremote.remoting.server_pool\n", encoding="utf-8")
    assert InventoryModule().verify_file(str(path)) is accepted


# The test process keeps threads of earlier tests (and active_count is patched to let the fork happen anyway).
FORK_WARNING = "ignore:This process .* is multi-threaded, use of fork:DeprecationWarning"


def by_process(target: sources.Target, settings: probe.ProbeSettings) -> probe.HostReport:
    """A report that names the process that made it (in ``vendor``)."""
    return dataclasses.replace(online(target, settings), vendor=str(os.getpid()))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pools are split over processes on Linux only")
@pytest.mark.filterwarnings(FORK_WARNING)
def test_large_pools_are_split_over_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(probe, "HOSTS_PER_PROCESS", 5)
    monkeypatch.setattr(probe, "available_cpus", lambda: 3)
    monkeypatch.setattr(probe, "probe_host", by_process)
    monkeypatch.setattr(threading, "active_count", lambda: 1)  # whatever the test runner's own threads
    pool = targets(30)
    reports = probe.probe_all(pool, probe.ProbeSettings(concurrency=6))
    assert [r.name for r in reports] == [t.name for t in pool]
    assert all(r.status == "Online" for r in reports)
    pids = {r.vendor for r in reports}
    assert len(pids) == 3 and str(os.getpid()) not in pids
    # round-robin: neighbours are probed by different processes
    assert reports[0].vendor != reports[1].vendor


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pools are split over processes on Linux only")
@pytest.mark.filterwarnings(FORK_WARNING)
def test_a_forked_probe_still_ends_at_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    def stuck_on_second(target: sources.Target, settings: probe.ProbeSettings) -> probe.HostReport:
        if target.name == "192.0.2.2":
            time.sleep(60)  # in a child process: killed once its answer is in
        return online(target, settings)

    monkeypatch.setattr(probe, "HOSTS_PER_PROCESS", 2)
    monkeypatch.setattr(probe, "available_cpus", lambda: 2)
    monkeypatch.setattr(probe, "probe_host", stuck_on_second)
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    started = time.monotonic()
    reports = probe.probe_all(targets(4), probe.ProbeSettings(deadline=0.5, concurrency=4))
    assert time.monotonic() - started < 10
    assert [r.status for r in reports] == ["Online", "Not accessible", "Online", "Online"]
    assert reports[1].late and reports[1].reasons == ("probe_deadline=0.5s passed before the host was probed",)


def test_process_count(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(probe, "available_cpus", lambda: 4)
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    assert probe.process_count(probe.HOSTS_PER_PROCESS - 1, 64) == 1
    assert probe.process_count(2 * probe.HOSTS_PER_PROCESS, 64) == 2
    assert probe.process_count(100 * probe.HOSTS_PER_PROCESS, 64) == 4
    assert probe.process_count(100 * probe.HOSTS_PER_PROCESS, 1) == 1  # probe_concurrency: 1 stays sequential
    monkeypatch.setattr(threading, "active_count", lambda: 3)
    assert probe.process_count(100 * probe.HOSTS_PER_PROCESS, 64) == 1
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    monkeypatch.setattr(sys, "platform", "darwin")
    assert probe.process_count(100 * probe.HOSTS_PER_PROCESS, 64) == 1
