# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Benchmark (not a test): how the simulator holds a large fleet in one process.

Starts ``--hosts`` (2,000) simulated hosts in this process, profiles cycling as run_benchmark.py does, at
addresses from winsim.addresses in 127.0.0.0/8, and records the time to create and start them, the peak RSS, the
threads, and the median latency of one remoting_info observation (WSManClient, NTLM, see observe_latency.py)
against the first and the last host while the fleet is idle.  It measures and prints; it never passes or fails.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any

import observe_latency

from winsim import addresses
from winsim.fleet import Fleet

ALL_PROFILES = ["2008", "2008r2", "2012", "2012r2", "2016", "2019", "2022", "2025"]
OCTETS = range(70, 80)  # 127.70-79.x.y: other suites use 127.0-3, 127.66-69 and 127.100+
FDS_PER_HOST = 3  # up to two listening sockets, plus room for connections


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--hosts", type=int, default=2000)
    parser.add_argument("--profiles", default=",".join(ALL_PROFILES), help="comma-separated, cycling over hosts")
    parser.add_argument("--samples", type=int, default=20, help="observations per measured host")
    parser.add_argument("--work-dir", default=".work/bench-fleet", help="state dir and certificates")
    parser.add_argument(
        "--base-address",
        help="first host address (default: a free block in 127.70-79.x.y); the same address and work dir again "
        "reuse the certificates, so the start no longer includes generating 2,000 keys",
    )
    parser.add_argument("--json", dest="json_path", help="also write the results as JSON here")
    return parser.parse_args(argv)


def raise_open_files(hosts: int) -> dict[str, int]:
    """Lift the soft RLIMIT_NOFILE towards the hard limit when the fleet needs more descriptors than allowed."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hosts * FDS_PER_HOST + 1024
    if soft != resource.RLIM_INFINITY and soft < wanted:
        new = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
    return {"before": soft, "after": resource.getrlimit(resource.RLIMIT_NOFILE)[0], "hard": hard, "wanted": wanted}


def peak_rss_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # ru_maxrss is KiB on Linux


def listening(fleet: Fleet) -> dict[str, int]:
    """Connect once to every endpoint the hosts report: proof that the machine holds them all."""
    expected = answered = 0
    for host in fleet.hosts.values():
        for transport, _port in host.endpoints:
            expected += 1
            try:
                with socket.create_connection((host.address, host.port_for(transport)), timeout=2):
                    answered += 1
            except OSError:
                pass
    return {"endpoints": expected, "answered": answered}


def free_base(args: argparse.Namespace) -> str:
    """The first address of a block whose every address x 5985/5986 can be bound now (each is bound once)."""
    if args.base_address is None:
        return addresses.free_block(args.hosts, second_octets=OCTETS)
    busy = [a for a in addresses.block(args.base_address, args.hosts) if not addresses.bindable(a)]
    if busy:
        raise SystemExit(f"{len(busy)} addresses from {args.base_address} are in use, e.g. {busy[0]}")
    return str(args.base_address)


def alone(profiles: list[str], work: Path, samples: int) -> dict[str, Any]:
    """The same observation against one host that runs alone in the process: the figure to compare with."""
    fleet = Fleet.create(1, profiles[-1:], work / "alone", base_address=addresses.free_block(1, OCTETS)).start()
    try:
        host = next(iter(fleet.hosts.values()))
        return observe_latency.measure(host, samples) | {"address": host.address}
    finally:
        fleet.stop()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.0/8,localhost"
    profiles = [p.strip() for p in args.profiles.split(",") if p.strip()]
    work = Path(args.work_dir).resolve()
    limits = raise_open_files(args.hosts)
    rss_at_start = peak_rss_mib()
    single = alone(profiles, work, args.samples)
    base = free_base(args)
    print(f"{args.hosts} hosts from {base}", file=sys.stderr, flush=True)

    started = time.perf_counter()
    fleet = Fleet.create(args.hosts, profiles, work / "fleet", base_address=base, winrm_ready=True)
    created = time.perf_counter()
    fleet.start()
    running = time.perf_counter()
    try:
        reach = listening(fleet)
        rss_started = peak_rss_mib()
        threads = threading.active_count()
        hosts = list(fleet.hosts.values())
        latency = {
            "alone": single,
            "first": observe_latency.measure(hosts[0], args.samples) | {"address": hosts[0].address},
            "last": observe_latency.measure(hosts[-1], args.samples) | {"address": hosts[-1].address},
        }
        threads_after = threading.active_count()
    finally:
        stopping = time.perf_counter()
        fleet.stop()
        stopped = time.perf_counter()
    result: dict[str, Any] = {
        "hosts": args.hosts,
        "first_address": base,
        "last_address": hosts[-1].address,
        "profiles": profiles,
        "create_seconds": round(created - started, 2),
        "start_seconds": round(running - created, 2),
        "stop_and_save_seconds": round(stopped - stopping, 2),
        "listening": reach,
        "peak_rss_mib": {"before_fleet": rss_at_start, "fleet_started": rss_started, "end": peak_rss_mib()},
        "threads": {"fleet_started": threads, "after_observations": threads_after},
        "observation_latency": latency,
        "open_files_limit": limits,
        "machine": {
            "nproc": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        },
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    text = json.dumps(result, indent=2)
    print(text)
    if args.json_path:
        Path(args.json_path).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json_path).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
