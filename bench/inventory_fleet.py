# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The simulator process of inventory_probe.py: a fleet of hosts in known states, and the statuses they must get.

Run as a child process so its CPU time is its own.  It starts ``--hosts`` hosts (profiles cycling, 2008 and
2008 R2 quickconfigured), gives each a role, writes ``--truth`` (address -> role, profile and the expected
``winremote_manageability`` without and with credentials), prints ``READY <truth>`` and serves until its stdin
closes.  Roles, by a spread-out slot of the host's index (``index * 37 % 100``), shares in percent:

* ``refuse``         - both listening sockets closed (winsim fault ``refuse``): ECONNREFUSED, "Not accessible";
* ``slow``           - every SOAP reply waits ``--slow-latency`` seconds (fault ``latency``); status as its profile;
* ``uac``            - the bench's account, a local administrator that is not the built-in one, gets a filtered
  token (no LocalAccountTokenFilterPolicy=1): HTTP 401, "Credentials not valid";
* ``wrong_password`` - the account's password is another one: HTTP 401, "Credentials not valid";
* ``normal``         - everything else: the profile's status.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

from winsim import addresses
from winsim.fleet import Fleet
from winsim.state import POLICIES_SYSTEM

ALL_PROFILES = ["2008", "2008r2", "2012", "2012r2", "2016", "2019", "2022", "2025"]
OCTETS = range(80, 90)  # 127.80-89.x.y: other suites and benchmarks use 127.0-3, 127.66-79 and 127.100+
USER = "localadmin"  # a local administrator other than the built-in one, so UAC remote restrictions apply
ACCESS_DENIED = "Online - Access denied"
NOT_ACCESSIBLE = "Not accessible"
CREDENTIALS_NOT_VALID = "Credentials not valid"
# What Server Manager shows for each profile's stock software ("Configure remote Management in Server Manager",
# https://learn.microsoft.com/windows-server/administration/server-manager/configure-remote-management-in-server-manager):
# 2008 has PowerShell 2.0 and no .NET 4 (WMF 3.0 missing); 2008 R2 lacks .NET 4.5 and WMF 4.0; 2012 and 2012 R2
# have WMF 3.0 / 4.0 and .NET 4.5 / 4.5.1, below the WMF 5 and .NET 4.6 they need; 2016 and later need nothing.
PROFILE_STATUS = {
    "2008": "Not accessible - Verify earlier versions run Windows Management Framework 3.0",
    "2008r2": NOT_ACCESSIBLE,
    "2012": NOT_ACCESSIBLE,
    "2012r2": NOT_ACCESSIBLE,
    "2016": "Online",
    "2019": "Online",
    "2022": "Online",
    "2025": "Online",
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--hosts", type=int, default=2000)
    parser.add_argument("--profiles", default=",".join(ALL_PROFILES))
    parser.add_argument("--work-dir", default=".work/bench-inventory")
    parser.add_argument("--base-address", help="first address (default: a free block in 127.80-89.x.y)")
    parser.add_argument("--refuse", type=int, default=10, help="percent of hosts refusing connections")
    parser.add_argument("--slow", type=int, default=5, help="percent of hosts answering slowly")
    parser.add_argument("--slow-latency", type=float, default=2.0, help="seconds every reply of a slow host waits")
    parser.add_argument("--uac", type=int, default=4, help="percent of hosts filtering the account's token")
    parser.add_argument("--wrong-password", type=int, default=3, help="percent of hosts with another password")
    parser.add_argument("--truth", required=True, help="where to write the expected statuses (JSON)")
    return parser.parse_args(argv)


def role_of(index: int, shares: list[tuple[str, int]]) -> str:
    """The role of host ``index``: 37 is coprime to 100, so every 100 consecutive hosts hold each share exactly."""
    slot = index * 37 % 100
    for role, share in shares:
        if slot < share:
            return role
        slot -= share
    return "normal"


def expected(role: str, profile: str) -> dict[str, str]:
    if role == "refuse":
        return {"anonymous": NOT_ACCESSIBLE, "authenticated": NOT_ACCESSIBLE}
    if role in ("uac", "wrong_password"):
        return {"anonymous": ACCESS_DENIED, "authenticated": CREDENTIALS_NOT_VALID}
    return {"anonymous": ACCESS_DENIED, "authenticated": PROFILE_STATUS[profile]}


def configure(state: Any, role: str) -> None:
    """The account's password and UAC policy for the role (before the host starts)."""
    if role != "uac":
        state.registry.set_value(POLICIES_SYSTEM, "LocalAccountTokenFilterPolicy", "REG_DWORD", 1)
    if role == "wrong_password":
        for account in state.accounts:
            if account.name == USER:
                account.password = "Another-Passw0rd!"


def raise_open_files(hosts: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hosts * 3 + 2048
    if soft != resource.RLIM_INFINITY and soft < wanted:
        new = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    raise_open_files(args.hosts)
    profiles = [p.strip() for p in args.profiles.split(",") if p.strip()]
    shares = [("refuse", args.refuse), ("slow", args.slow), ("uac", args.uac), ("wrong_password", args.wrong_password)]
    base = args.base_address or addresses.free_block(args.hosts, second_octets=OCTETS)
    started = time.perf_counter()
    fleet = Fleet.create(args.hosts, profiles, Path(args.work_dir) / "fleet", base_address=base, winrm_ready=True)
    truth: dict[str, dict[str, Any]] = {}
    roles: dict[str, str] = {}
    for index, (name, host) in enumerate(fleet.hosts.items()):
        role = roles[name] = role_of(index, shares)
        configure(host.state, role)
        profile = fleet.profiles[name]
        truth[host.address] = {"name": name, "profile": profile, "role": role, "expected": expected(role, profile)}
    fleet.start()
    for name, host in fleet.hosts.items():
        if roles[name] == "refuse":
            host.inject_fault("refuse")
        elif roles[name] == "slow":
            host.inject_fault("latency", seconds=args.slow_latency)
    document = {
        "pid": os.getpid(),
        "user": USER,
        "slow_latency": args.slow_latency,
        "shares_percent": dict(shares),
        "start_seconds": round(time.perf_counter() - started, 2),
        "hosts": truth,
    }
    Path(args.truth).parent.mkdir(parents=True, exist_ok=True)
    Path(args.truth).write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    print(f"READY {args.truth}", flush=True)
    sys.stdin.read()  # until the benchmark closes our stdin (or dies)
    for host in fleet.hosts.values():
        host.stop()  # listeners only: the benchmark needs no saved host states
    return 0


if __name__ == "__main__":
    sys.exit(main())
