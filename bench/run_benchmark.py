# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Benchmark (not a test): WS-Man round trips per module and no-change wall time against Ansible's own floor.

Starts a simulated fleet in this process, converges it with playbooks/enable_remote_management.yml, then measures
no-change runs only. Run it with the virtualenv's interpreter (``make bench``); see bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import observe_latency
import yaml
from ansible_run import REPO, PlaybookRun, run_playbook
from floor import build_floor_playbook
from report import markdown, spread

from winsim import server
from winsim.fleet import Fleet
from winsim.wsman.commands.winrm import quickconfig_changes

ALL_PROFILES = ["2008", "2008r2", "2012", "2012r2", "2016", "2019", "2022", "2025"]
NEEDS_QUICKCONFIG = {"2008", "2008r2"}  # WinRM listens nowhere by default there
ENABLE = REPO / "playbooks" / "enable_remote_management.yml"
ROLE = REPO / "roles" / "remote_management"
ROLE_NAME = "winremote.remoting.remote_management"

# One playbook per module, each with the arguments of a no-change run on a converged host.
MODULE_ARGS: dict[str, dict[str, Any]] = {
    "remoting_info": {},
    "sm_remoting": {"state": "enabled"},
    "firewall_rules": {"rule_set": "dcom_remote_management"},
    "token_filter_policy": {"enabled": False},
    "winrm_policy": {"state": "not_configured"},
    # the role's one module task, with the role's defaults (Server Manager remoting and the MMC rules)
    "remote_management": {},
    # controller-only: edits a local file, never talks to the host (0 round trips expected)
    "answer_file": {
        "path": "{{ bench_dir }}/answers/{{ inventory_hostname }}.xml",
        "enable_server_remote_management": True,
        "create": True,
    },
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--hosts", type=int, default=100)
    parser.add_argument("--forks", type=int, default=20, help="ansible-playbook -f")
    parser.add_argument("--repeat", type=int, default=3, help="wall-time repetitions per playbook")
    parser.add_argument("--profiles", default=",".join(ALL_PROFILES), help="comma list, cycled over the hosts")
    parser.add_argument("--base-address", default="127.2.0.1", help="first host address (127.0.0.0/8)")
    parser.add_argument("--work-dir", default=str(REPO / ".work" / "bench"), help="inventory, playbooks, certs")
    parser.add_argument("--json", dest="json_path", help="write all numbers to this JSON file")
    parser.add_argument(
        "--simulator-nagle",
        action="store_true",
        help="turn Nagle's algorithm back on in the simulator's HTTP server (it is off by default): each reply then "
        "stalls ~40 ms on the client's delayed ACK, which real WinRM (HTTP.sys) does not do",
    )
    parser.add_argument(
        "--bytecode",
        choices=["cache", "env"],
        default="cache",
        help="cache: ansible-playbook keeps compiled bytecode in <work-dir>/pycache (a normal controller); "
        "env: whatever the environment says (PYTHONDONTWRITEBYTECODE=1 recompiles the collection in every task)",
    )
    return parser.parse_args(argv)


def start_fleet(args: argparse.Namespace, work: Path) -> Fleet:
    """Hosts are started one by one rather than with Fleet.start(), which once rewrote each host's state file after
    every request (simulator bookkeeping that would only add noise to the module timings; it now saves on demand)."""
    # The simulator writes a reply's headers and body in two send() calls; with Nagle's algorithm on, the body
    # waits for the ACK of the headers, which the client delays by ~40 ms. TCP_NODELAY (a stdlib handler switch)
    # removes that artefact so the numbers are about the collection, not the simulator's socket settings.
    server.WinRMHandler.disable_nagle_algorithm = not args.simulator_nagle
    profiles = [p.strip() for p in args.profiles.split(",") if p.strip()]
    fleet = Fleet.create(args.hosts, profiles, work / "fleet", base_address=args.base_address)
    for name, host in fleet.hosts.items():
        if fleet.profiles[name] in NEEDS_QUICKCONFIG:
            with host.lock:
                quickconfig_changes(host.state)
        host.start()
    return fleet


def stop_fleet(fleet: Fleet) -> None:
    for host in fleet.hosts.values():
        host.stop()


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class Bench:
    """What every measured run needs."""

    fleet: Fleet
    inventory: Path
    work: Path
    forks: int
    pycache: Path | None

    def run(self, playbook: Path, no_change: bool, what: str) -> PlaybookRun:
        """Reset the hosts' counters, run the playbook, insist it ran cleanly on every host."""
        for host in self.fleet.hosts.values():
            host.reset_request_count()
        run = run_playbook(playbook, self.inventory, self.forks, self.pycache)
        problems = run.problems(len(self.fleet.hosts), no_change)
        if problems:
            tail = "\n".join(run.output.splitlines()[-60:])
            raise SystemExit(f"{what}: {'; '.join(problems)}\n--- last lines of ansible-playbook output ---\n{tail}")
        return run

    def round_trips(self) -> list[float]:
        return [float(h.request_count) for h in self.fleet.hosts.values()]

    def actions_mean(self) -> dict[str, float]:
        """WS-Man requests per host since the last reset, by action (mean over the hosts)."""
        actions: Counter[str] = Counter()
        for host in self.fleet.hosts.values():
            actions.update(host.requests_by_action)
        return {short_action(name): n / len(self.fleet.hosts) for name, n in sorted(actions.items())}


def module_playbook(work: Path, module: str) -> Path:
    task = {"name": f"No-change {module}", f"winremote.remoting.{module}": MODULE_ARGS[module]}
    play = {
        "name": f"Benchmark {module}",
        "hosts": "windows",
        "gather_facts": False,
        "vars": {"bench_dir": str(work)},
        "tasks": [task],
    }
    path = work / "playbooks" / f"{module}.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("---\n" + yaml.safe_dump([play], sort_keys=False), encoding="utf-8")
    return path


def converge(bench: Bench) -> None:
    """One enable_remote_management.yml run brings every host to the converged state; answer files are created.
    It also warms the bytecode cache (with --bytecode cache) and the page cache."""
    (bench.work / "answers").mkdir(exist_ok=True)
    bench.run(ENABLE, False, "converging run of enable_remote_management.yml")
    bench.run(module_playbook(bench.work, "answer_file"), False, "answer_file create")


def short_action(uri: str) -> str:
    """``.../windows/shell/Command`` -> ``shell/Command``; ``.../StdRegProv/GetDWORDValue`` likewise."""
    return "/".join(uri.rstrip("/").split("/")[-2:])


def measure_round_trips(bench: Bench) -> list[dict[str, Any]]:
    rows = []
    for module, arguments in MODULE_ARGS.items():
        run = bench.run(module_playbook(bench.work, module), True, f"no-change run of {module}")
        counts = bench.round_trips()
        shown = {k: v for k, v in arguments.items() if k != "path"} if module == "answer_file" else arguments
        rows.append(
            {
                "module": module,
                "arguments": json.dumps(shown),
                "round_trips": spread(counts),
                "by_action_mean": bench.actions_mean(),
                "seconds": round(run.seconds, 2),
            }
        )
        log(f"  {module}: median {statistics.median(counts):g} round trips per host ({run.seconds:.1f} s)")
    return rows


def module_tasks(tasks_dir: Path) -> int:
    """The role's tasks that run a module of this collection (each makes its own connection)."""
    found = 0
    for path in sorted(tasks_dir.glob("*.yml")):
        for task in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            found += any(str(key).startswith("winremote.remoting.") for key in task)
    return found


def task_results_per_host(run: PlaybookRun) -> int:
    """ok + changed + skipped of one host; every host must have the same shape."""
    shapes = {c.get("ok", 0) + c.get("changed", 0) + c.get("skipped", 0) for c in run.recap.values()}
    if len(shapes) != 1:
        raise SystemExit(f"{run.playbook}: hosts ran different numbers of tasks: {sorted(shapes)}")
    return shapes.pop()


def summary(label: str, runs: list[PlaybookRun]) -> dict[str, Any]:
    seconds = [r.seconds for r in runs]
    return {
        "label": label,
        "seconds": [round(s, 2) for s in seconds],
        "median": statistics.median(seconds),
        "task_results_per_host": task_results_per_host(runs[0]),
        "cpu_ansible_median": statistics.median(r.cpu_ansible for r in runs),
        "cpu_simulator_median": statistics.median(r.cpu_simulator for r in runs),
    }


def measure_wall_time(bench: Bench, repeat: int) -> dict[str, Any]:
    floor = build_floor_playbook(ENABLE, ROLE, ROLE_NAME, bench.work / "floor")
    runs: dict[str, list[PlaybookRun]] = {"role": [], "floor": []}
    role_trips: list[float] = []
    role_actions: dict[str, float] = {}
    loads: list[float] = []
    for rep in range(repeat):  # interleaved, so drift (other load, page cache) hits both alike
        for label, playbook in (("role", ENABLE), ("floor", floor)):
            loads.append(round(os.getloadavg()[0], 2))
            run = bench.run(playbook, True, f"no-change run {rep + 1} of {playbook.name}")
            runs[label].append(run)
            if label == "role":
                role_trips = bench.round_trips()
                role_actions = bench.actions_mean()
            log(f"  {playbook.name} run {rep + 1}: {run.seconds:.1f} s")
    role = summary("enable_remote_management.yml", runs["role"])
    base = summary("same shape, ansible.builtin.debug only", runs["floor"])
    if role["task_results_per_host"] != base["task_results_per_host"]:
        raise SystemExit(f"the floor playbook does not have the role's shape: {role} vs {base}")
    paired = [r.seconds / f.seconds for r, f in zip(runs["role"], runs["floor"], strict=True)]
    return {
        "runs": [role, base],
        "ratio": role["median"] / base["median"],
        "cpu_ratio": role["cpu_ansible_median"] / base["cpu_ansible_median"],
        "paired_ratios": [round(x, 3) for x in paired],
        "role_round_trips": spread(role_trips),
        "role_by_action_mean": role_actions,
        "role_module_tasks_per_host": module_tasks(ROLE / "tasks"),
        "load_average_1min_before_runs": loads,
    }


def machine(args: argparse.Namespace, argv: list[str]) -> dict[str, Any]:
    from ansible.release import __version__ as ansible_core

    command = "python bench/run_benchmark.py" + "".join(f" {shlex.quote(a)}" for a in argv)
    return {
        "hosts": args.hosts,
        "forks": args.forks,
        "repeat": args.repeat,
        "bytecode": args.bytecode,
        "simulator_tcp_nodelay": not args.simulator_nagle,
        "profiles": [p.strip() for p in args.profiles.split(",") if p.strip()],
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "ansible_core": ansible_core,
        "platform": platform.platform(),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "command": command,
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    work = Path(args.work_dir).resolve()
    work.mkdir(parents=True, exist_ok=True)
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.0/8,localhost"
    started = time.perf_counter()
    log(f"starting {args.hosts} simulated hosts at {args.base_address}+")
    fleet = start_fleet(args, work)
    try:
        inventory = work / "inventory.yml"
        inventory.write_text(yaml.safe_dump(fleet.inventory(), sort_keys=False), encoding="utf-8")
        pycache = work / "pycache" if args.bytecode == "cache" else None
        bench = Bench(fleet, inventory, work, args.forks, pycache)
        log("converging with enable_remote_management.yml")
        converge(bench)
        log("round trips per module (no-change runs)")
        round_trips = measure_round_trips(bench)
        log("wall time: enable_remote_management.yml vs. the debug floor")
        wall = measure_wall_time(bench, args.repeat)
        log("one remoting_info observation without Ansible")
        latency = observe_latency.measure(next(iter(fleet.hosts.values())))
    finally:
        stop_fleet(fleet)
    result = {
        "meta": machine(args, argv),
        "round_trips": round_trips,
        "wall_time": wall,
        "observation_latency": latency,
        "benchmark_seconds": round(time.perf_counter() - started, 1),
    }
    print(markdown(result))
    if args.json_path:
        Path(args.json_path).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json_path).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
