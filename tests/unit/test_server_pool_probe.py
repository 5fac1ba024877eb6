# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The server_pool probe's bounds (concurrency, total deadline), its cache form and the plugin's file names."""

from __future__ import annotations

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
