# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The ``winsim`` command and the Fleet it drives: start/stop as a daemon, inventory, live state, patches."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import pick_block

from winsim import addresses
from winsim.addresses import nth
from winsim.cli import json_patch
from winsim.fleet import Fleet, read_fleet_info

BIN = Path(sys.executable).parent


def winsim(*args: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "winsim"), *args], capture_output=True, text=True, timeout=timeout, check=False)


def connects(address: str, port: int = 5985) -> bool:
    try:
        with socket.create_connection((address, port), timeout=2):
            return True
    except ConnectionRefusedError:
        return False


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_start_show_set_stop(tmp_path: Path) -> None:
    base = pick_block(3)
    inventory, state_dir, pidfile = tmp_path / "hosts.yml", tmp_path / "state", tmp_path / "winsim.pid"
    started = winsim(
        "start",
        "--hosts",
        "3",
        "--profile",
        "2019",
        "--profile",
        "2012r2",
        "--base-address",
        base,
        "--inventory",
        str(inventory),
        "--state-dir",
        str(state_dir),
        "--unreachable",
        "1",
        "--pidfile",
        str(pidfile),
    )
    assert started.returncode == 0, started.stderr + (state_dir / "winsim.log").read_text()
    pid = int(pidfile.read_text())
    try:
        assert read_fleet_info(state_dir)["pid"] == pid
        listed = subprocess.run(
            [str(BIN / "ansible-inventory"), "-i", str(inventory), "--list"],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        data = json.loads(listed.stdout)
        assert data["windows"]["children"] == ["win2019", "win2012r2"]
        assert data["win2019"]["hosts"] == ["sim-2019-01", "sim-2019-03"]
        assert data["win2012r2"]["hosts"] == ["sim-2012r2-02"]
        first = data["_meta"]["hostvars"]["sim-2019-01"]
        assert first["ansible_host"] == base
        assert first["ansible_connection"] == "psrp"
        assert first["ansible_psrp_auth"] == "ntlm"
        assert first["ansible_user"] == "Administrator"
        assert first["ansible_password"]
        assert data["_meta"]["hostvars"]["sim-2019-03"]["ansible_host"] == nth(base, 2)

        assert connects(base)
        assert connects(nth(base, 1))
        assert not connects(nth(base, 2))  # --unreachable 1: no listener

        shown = winsim("show", "--state-dir", str(state_dir), "--host", "sim-2019-01")
        assert shown.returncode == 0, shown.stderr
        assert json.loads(shown.stdout)["hostname"] == "SIM-2019-01"

        patched = winsim(
            "set",
            "--state-dir",
            str(state_dir),
            "--host",
            "sim-2019-01",
            "--json-patch",
            '[{"op": "remove", "path": "/listeners/0"}]',
        )
        assert patched.returncode == 0, patched.stderr
        assert not connects(base)
        assert (
            json.loads(winsim("show", "--state-dir", str(state_dir), "--host", "sim-2019-01").stdout)["listeners"] == []
        )
        bad = winsim(
            "set",
            "--state-dir",
            str(state_dir),
            "--host",
            "sim-2019-01",
            "--json-patch",
            '[{"op": "replace", "path": "/nothing", "value": 1}]',
        )
        assert bad.returncode == 1
    finally:
        stopped = winsim("stop", "--state-dir", str(state_dir))
    assert stopped.returncode == 0, stopped.stderr
    assert not alive(pid)
    assert not connects(nth(base, 1))
    assert not pidfile.exists()


def test_stop_without_fleet(tmp_path: Path) -> None:
    assert winsim("stop", "--state-dir", str(tmp_path)).returncode == 1


def test_fleet_in_process_saves_live_state(tmp_path: Path) -> None:
    base = pick_block(2)
    with Fleet.create(2, ["2022"], tmp_path / "state", base_address=base) as fleet:
        assert list(fleet.hosts) == ["sim-2022-01", "sim-2022-02"]
        host = fleet.hosts["sim-2022-02"]
        assert host.address == nth(base, 1)
        with host.lock:
            host.state.network_profile = "Public"
        host.apply_state()
        saved = Fleet.load_state(tmp_path / "state", "sim-2022-02")
        assert saved.network_profile == "Public"
        assert any(c.thumbprint == host.certificate.thumbprint for c in saved.certificates)
        inventory = fleet.inventory()
        assert set(inventory["all"]["children"]["windows"]["children"]) == {"win2022"}
    assert not connects(base)


def test_fleet_rejects_non_loopback(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        Fleet.create(1, ["2019"], tmp_path, base_address="10.0.0.1")


def test_json_patch_subset() -> None:
    doc = {"a": {"b": [1, 2]}, "c": 1}
    out = json_patch(
        doc,
        [
            {"op": "add", "path": "/a/b/-", "value": 3},
            {"op": "replace", "path": "/c", "value": 2},
            {"op": "remove", "path": "/a/b/0"},
            {"op": "test", "path": "/c", "value": 2},
        ],
    )
    assert out == {"a": {"b": [2, 3]}, "c": 2}
    with pytest.raises(ValueError):
        json_patch(doc, [{"op": "test", "path": "/c", "value": 5}])


def test_start_fails_cleanly_on_bad_profile(tmp_path: Path) -> None:
    started = winsim(
        "start",
        "--hosts",
        "1",
        "--profile",
        "1999",
        "--base-address",
        pick_block(1),
        "--inventory",
        str(tmp_path / "i.yml"),
        "--state-dir",
        str(tmp_path / "s"),
        "--timeout",
        "30",
    )
    assert started.returncode == 1


def test_fleet_winrm_ready_quickconfigures_hosts_without_listener(tmp_path: Path) -> None:
    plain = Fleet.create(2, ["2008", "2019"], tmp_path / "plain", base_address=pick_block(2))
    assert plain.hosts["sim-2008-01"].state.listeners == []  # 2008 listens nowhere by default
    default_2019 = [vars(x) for x in plain.hosts["sim-2019-02"].state.listeners]

    fleet = Fleet.create(
        4,
        ["2008", "2008r2", "2019", "2008r2"],
        tmp_path / "ready",
        base_address=pick_block(4),
        unreachable=1,
        winrm_ready=True,
    )
    for name in ("sim-2008-01", "sim-2008r2-02"):
        state = fleet.hosts[name].state
        assert [(x.address, x.transport, x.port) for x in state.listeners] == [("*", "HTTP", 5985)], name
        assert state.service_status["WinRM"] == "Running", name
    # a host with a listener keeps its profile's defaults; an unreachable one stays unreachable
    assert [vars(x) for x in fleet.hosts["sim-2019-03"].state.listeners] == default_2019
    assert fleet.hosts["sim-2008r2-04"].state.listeners == []
    assert fleet.unreachable == {"sim-2008r2-04"}


def test_start_winrm_ready(tmp_path: Path) -> None:
    base = pick_block(2)
    state_dir = tmp_path / "state"
    args = ["--hosts", "2", "--profile", "2008r2", "--base-address", base, "--unreachable", "1"]
    started = winsim(
        "start", *args, "--inventory", str(tmp_path / "i.yml"), "--state-dir", str(state_dir), "--winrm-ready"
    )
    assert started.returncode == 0, started.stderr + (state_dir / "winsim.log").read_text()
    try:
        assert connects(base)
        assert not connects(nth(base, 1))
        assert read_fleet_info(state_dir)["hosts"][0]["endpoints"] == [["HTTP", 5985]]
    finally:
        assert winsim("stop", "--state-dir", str(state_dir)).returncode == 0


def test_addresses_skip_network_and_broadcast_octets() -> None:
    assert addresses.nth("127.5.0.253", 0) == "127.5.0.253"
    assert addresses.block("127.5.0.253", 4) == ["127.5.0.253", "127.5.0.254", "127.5.1.1", "127.5.1.2"]
    assert addresses.nth("127.0.0.10", 2000) == "127.0.7.232"
    with pytest.raises(ValueError):
        addresses.nth("127.255.255.254", 1)
    with pytest.raises(ValueError):
        addresses.nth("10.0.0.1", 0)
    counter = addresses.Counter(1)
    assert [counter.next() for _unused in range(3)] == ["127.1.0.2", "127.1.0.3", "127.1.0.4"]


def test_a_large_free_block_spans_third_octets() -> None:
    first = addresses.free_block(600, second_octets=range(120, 121), ports=(5985,))
    block = addresses.block(first, 600)
    assert len(set(block)) == 600 and len({a.rsplit(".", 1)[0] for a in block}) == 3
    assert all(1 <= int(a.rsplit(".", 1)[1]) <= 254 for a in block)
