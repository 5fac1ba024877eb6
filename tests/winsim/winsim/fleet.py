# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A fleet of simulated hosts at consecutive loopback addresses (winsim.addresses), with an Ansible inventory and
a state dir.

The state directory lets another process find and stop a running fleet and read each host's live state:

    <state_dir>/fleet.json          pid, hosts (name, address, profile, ports, ca_path, reachable), ready flag
    <state_dir>/hosts/<name>.json   the host's HostState JSON, saved on demand: ``save()``, ``stop()``, after
                                    ``apply_state()``, and when ``winsim show`` asks the serving process
    <state_dir>/certs/              the hosts' HTTPS certificates (kept, so thumbprints survive restarts)
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import yaml

from winsim import addresses
from winsim.host import Model, SimulatedHost


def host_name(profile: str, index: int) -> str:
    """Inventory name, e.g. ``sim-2019-01``; the index counts over the whole fleet so names stay unique."""
    return f"sim-{profile.lower()}-{index:02d}"


def write_json(path: Path, data: Any) -> None:
    """Atomic write, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def read_fleet_info(state_dir: str | Path) -> dict[str, Any]:
    """The fleet.json a running (or stopped) fleet wrote."""
    return dict(json.loads((Path(state_dir) / "fleet.json").read_text(encoding="utf-8")))


def make_unreachable(state: Any) -> None:
    """Misconfigure a host the way an unmanaged server is: no WinRM listener at all."""
    state.listeners.clear()


def make_winrm_ready(state: Any) -> bool:
    """Run ``winrm quickconfig`` on a host that listens nowhere (2008 / 2008 R2 by default), as an administrator
    does before managing it remotely; hosts that already have a listener keep their profile's defaults.

    Returns whether the host was changed."""
    from winsim.ops import quickconfig

    if state.listeners:
        return False
    return bool(quickconfig(state))


class Fleet:
    """Start, describe and stop several simulated hosts together."""

    def __init__(
        self,
        hosts: dict[str, SimulatedHost],
        state_dir: str | Path,
        profiles: dict[str, str],
        unreachable: set[str] | None = None,
    ) -> None:
        self.hosts = hosts
        self.state_dir = Path(state_dir)
        self.profiles = profiles  # host name -> profile
        self.unreachable = unreachable or set()
        self._saved: dict[str, bytes] = {}
        self._names = {id(host): name for name, host in hosts.items()}
        self.started = False

    @classmethod
    def create(
        cls,
        count: int,
        profiles: list[str],
        state_dir: str | Path,
        base_address: str = "127.0.0.10",
        http_port: int = 5985,
        https_port: int = 5986,
        unreachable: int = 0,
        model: Model | None = None,
        winrm_ready: bool = False,
        locales: dict[str, str] | None = None,
    ) -> Fleet:
        """``count`` hosts; profiles cycle over them; the last ``unreachable`` hosts have no listener.

        ``winrm_ready`` quickconfigures every other host that has no listener (see :func:`make_winrm_ready`);
        ``locales`` maps host names to display languages (winsim.locales; the others are en-US)."""
        from winsim import locales as known_locales
        from winsim.state import HostState

        if count < 1 or not profiles:
            raise ValueError("a fleet needs at least one host and one profile")
        state_dir = Path(state_dir)
        hosts: dict[str, SimulatedHost] = {}
        names: dict[str, str] = {}
        broken: set[str] = set()
        wanted_locales = dict(locales or {})
        unknown_hosts = set(wanted_locales) - {host_name(profiles[i % len(profiles)], i + 1) for i in range(count)}
        if unknown_hosts:
            raise ValueError(f"locales: no host named {', '.join(sorted(unknown_hosts))} in this fleet")
        for index in range(count):
            profile = profiles[index % len(profiles)]
            name = host_name(profile, index + 1)
            address = addresses.nth(base_address, index)
            state = HostState.from_profile(profile, hostname=name.upper())
            if name in wanted_locales:
                known_locales.apply(state, wanted_locales[name])
            if index >= count - unreachable:
                make_unreachable(state)
                broken.add(name)
            elif winrm_ready:
                make_winrm_ready(state)
            hosts[name] = SimulatedHost(
                state, address, http_port, https_port, model=model, cert_dir=state_dir / "certs"
            )
            names[name] = profile
        return cls(hosts, state_dir, names, broken)

    def start(self) -> Fleet:
        """Start every host and write fleet.json; host states are written by :meth:`save` (and on stop)."""
        for host in self.hosts.values():
            host.start()
            host.on_change.append(self._save_host)  # after start(): starting is not a change worth a write
        self.started = True
        self.write_info()
        return self

    def stop(self) -> None:
        for host in self.hosts.values():
            host.stop()
            if self._save_host in host.on_change:
                host.on_change.remove(self._save_host)
        self.started = False
        if (self.state_dir / "fleet.json").exists():
            self.save()

    def __enter__(self) -> Fleet:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- state dir -----------------------------------------------------------------------------------

    def info(self) -> dict[str, Any]:
        return {
            "pid": os.getpid(),
            "ready": self.started,
            "hosts": [
                {
                    "name": name,
                    "hostname": host.hostname,
                    "address": host.address,
                    "profile": self.profiles[name],
                    "http_port": host.http_port,
                    "https_port": host.https_port,
                    "ca_path": host.ca_path,
                    "reachable": name not in self.unreachable,
                    "endpoints": sorted([t, p] for t, p in host.endpoints),
                }
                for name, host in self.hosts.items()
            ],
        }

    def save(self) -> None:
        """Write fleet.json and every host's state (unchanged states are not rewritten)."""
        for host in self.hosts.values():
            self._save_host(host)
        self.write_info()

    def write_info(self) -> None:
        write_json(self.state_dir / "fleet.json", self.info())

    def save_host(self, name: str) -> None:
        """Write one host's state now (KeyError for an unknown name)."""
        self._save_host(self.hosts[name])

    def _save_host(self, host: SimulatedHost) -> None:
        name = self._names[id(host)]
        with host.lock:
            data = host.state.to_json()
        digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).digest()  # not the text: 2,000 hosts
        if self._saved.get(name) == digest:
            return
        self._saved[name] = digest
        write_json(self.state_dir / "hosts" / f"{name}.json", data)

    @staticmethod
    def load_state(state_dir: str | Path, name: str) -> Any:
        """A host's saved state as a HostState."""
        from winsim.state import HostState

        data = json.loads((Path(state_dir) / "hosts" / f"{name}.json").read_text(encoding="utf-8"))
        return HostState.from_json(data)

    # --- inventory -----------------------------------------------------------------------------------

    def inventory(self, user: str = "Administrator") -> dict[str, Any]:
        """Group ``windows`` with one child group per profile (``win2019`` ...)."""
        groups: dict[str, dict[str, Any]] = {}
        for name, host in self.hosts.items():
            group = groups.setdefault(f"win{self.profiles[name].lower()}", {"hosts": {}})
            hostvars = host.inventory_vars(user)
            hostvars["winsim_ca_path"] = host.ca_path
            hostvars["winsim_https_port"] = host.https_port
            group["hosts"][name] = hostvars
        return {"all": {"children": {"windows": {"children": groups}}}}

    def write_inventory(self, path: str | Path, user: str = "Administrator") -> Path:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(yaml.safe_dump(self.inventory(user), sort_keys=False), encoding="utf-8")
        return target
