# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A hundred hosts at fifty forks: every result belongs to its own host, and every change lands on its own host.

Each host knows one account of its own (a domain administrator with its own password; no other host knows it),
so a request that went to the wrong host with another host's credentials fails to authenticate instead of
passing unnoticed.
"""

from __future__ import annotations

import json
import typing as t
from collections.abc import Iterator
from pathlib import Path

import pytest
from simhosts import JSON_RESULTS, run_playbook, task_results, write_inventory

from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures.token_filter_policy import KEY, VALUE
from winsim import Fleet, addresses
from winsim.accounts import DOMAIN, Account

COUNT = 100
PROFILES = ["2008r2", "2012r2", "2016", "2019", "2022", "2025"]
OCTETS = range(69, 70)  # 127.69.x.y: other suites use 127.0, 127.1, 127.3, 127.66-68 and 127.100+

PLAYBOOK = """
- name: A hundred hosts
  hosts: windows
  gather_facts: false
  tasks:
    - name: Observe
      winremote.remoting.remoting_info:
    - name: Admit local administrators
      winremote.remoting.token_filter_policy:
        enabled: true
"""


def user_of(name: str) -> str:
    return "ops-" + name.removeprefix("sim-")


def password_of(name: str) -> str:
    return f"Pw-{name}-\u20ac!"


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[Fleet]:
    created = Fleet.create(
        COUNT,
        PROFILES,
        tmp_path / "fleet",
        base_address=addresses.free_block(COUNT, second_octets=OCTETS),
        winrm_ready=True,
    )
    for name, host in created.hosts.items():
        host.state.accounts.append(Account(user_of(name), password_of(name), DOMAIN, is_admin=True))
    with created.start() as started:
        yield started


def test_a_hundred_hosts_at_fifty_forks_without_mix_ups(fleet: Fleet, tmp_path: Path) -> None:
    hosts: dict[str, dict[str, t.Any]] = {}
    for name, host in fleet.hosts.items():
        hosts[name] = {
            **host.inventory_vars(),
            "ansible_user": f"{DOMAIN}\\{user_of(name)}",
            "ansible_password": password_of(name),
        }
    inventory = write_inventory(tmp_path / "inventory.yml", hosts)
    playbook = tmp_path / "fleet.yml"
    playbook.write_text(PLAYBOOK, encoding="utf-8")
    for host in fleet.hosts.values():
        host.reset_request_count()

    result = run_playbook(playbook, inventory, "-f", "50", "-v", **JSON_RESULTS)
    assert result.returncode == 0, result.stdout[-3000:]
    observed, changed = task_results(result.stdout)
    assert set(observed) == set(fleet.hosts) == set(changed)
    for name, host in fleet.hosts.items():
        assert observed[name]["endpoint"] == f"http://{host.address}:5985/wsman", (name, observed[name]["endpoint"])
        seen = observed[name]
        # what the host itself said: its own Windows release and the address its listener listens on
        assert seen["os"]["release"].replace(" ", "").lower() == fleet.profiles[name], f"{name}: {json.dumps(seen)}"
        assert [host.address] in [x["listening_on"] for x in seen["listeners"]], f"{name}: {json.dumps(seen)}"
        assert changed[name]["changed"] is True and changed[name]["endpoint"] == observed[name]["endpoint"]
        with host.lock:
            assert host.state.registry.get_data(KEY, VALUE) == 1, name
        set_calls = sum(n for action, n in host.requests_by_action.items() if action.endswith("SetDWORDValue"))
        assert set_calls == 1, (name, dict(host.requests_by_action))  # its own write, once, nobody else's
