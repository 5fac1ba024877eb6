# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Benchmark (not a test): the server_pool inventory probing 2,000 simulated endpoints, concurrent and sequential.

A child process (inventory_fleet.py) holds the fleet, so the simulator's CPU time is measured apart from the
inventory's.  The real ``ansible-inventory --list`` runs four times against it: without and with credentials,
each with the plugin's concurrency and with ``probe_concurrency: 1``.  Each run records the wall time, the peak
RSS and CPU time of ansible-inventory (os.wait4), the simulator's CPU time (/proc/<pid>/stat) and every host's
``winremote_manageability`` against what the fleet's configuration implies.  It measures and prints; it never
passes or fails.  The last two lines are the summary; the JSON goes to ``--json``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import pstats
import selectors
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import yaml
from ansible_run import BIN, ansible_env

from winsim.accounts import DEFAULT_PASSWORD

HERE = Path(__file__).resolve().parent
PASSES = (("anonymous", "inventory probe"), ("authenticated", "inventory probe (authenticated)"))
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--hosts", type=int, default=2000)
    parser.add_argument("--slow-latency", type=float, default=2.0, help="seconds every reply of a slow host waits")
    parser.add_argument("--refuse", type=int, default=10, help="percent of hosts refusing connections")
    parser.add_argument("--slow", type=int, default=5, help="percent of hosts answering slowly")
    parser.add_argument("--uac", type=int, default=4, help="percent of hosts filtering the account's token")
    parser.add_argument("--wrong-password", type=int, default=3, help="percent of hosts with another password")
    parser.add_argument("--probe-timeout", type=int, default=5)
    parser.add_argument("--probe-deadline", type=float, default=120.0, help="of the concurrent runs")
    parser.add_argument("--concurrency", type=int, help="probe_concurrency of the concurrent runs (default: plugin's)")
    parser.add_argument("--no-sequential", action="store_true", help="skip the probe_concurrency=1 runs")
    parser.add_argument("--sim-workers", type=int, default=256, help="WINSIM_WORKERS of the simulator process")
    parser.add_argument("--base-address", help="first host address (default: a free block in 127.80-89.x.y)")
    parser.add_argument("--work-dir", default=".work/bench-inventory")
    parser.add_argument(
        "--profile",
        type=int,
        metavar="HOSTS",
        help="instead of measuring: cProfile ansible-inventory with probe_concurrency=1 over the first HOSTS "
        "normal hosts, both passes (pstats files in the work dir)",
    )
    parser.add_argument("--json", dest="json_path", help="also write the results as JSON here")
    return parser.parse_args(argv)


def cpu_of(pid: int) -> float:
    """User + system CPU seconds of a running process (fields 14 and 15 of /proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def machine_busy() -> float:
    """CPU seconds every process on the machine has used since boot (/proc/stat: all but idle and iowait)."""
    fields = [int(x) for x in Path("/proc/stat").read_text(encoding="ascii").split("\n", 1)[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


def tree_memory(pid: int) -> tuple[float, float]:
    """(RSS, PSS) in MiB of a process and its children (the probe may fork one child per CPU); shared pages count
    once per process in RSS and proportionally in PSS."""
    rss = pss = 0
    pids = [pid]
    for child in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            pids += [int(p) for p in child.read_text(encoding="ascii").split()]
    for each in pids:
        try:
            for line in Path(f"/proc/{each}/smaps_rollup").read_text(encoding="ascii").splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
        except OSError:
            pass
    return rss / 1024, pss / 1024


class MemoryPoller:
    """Samples tree_memory(pid) every ``interval`` seconds until stopped; keeps the peaks."""

    def __init__(self, pid: int, interval: float = 0.25) -> None:
        self.pid = pid
        self.interval = interval
        self.peak_rss = self.peak_pss = 0.0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        while not self.done.wait(self.interval):
            rss, pss = tree_memory(self.pid)
            self.peak_rss = max(self.peak_rss, rss)
            self.peak_pss = max(self.peak_pss, pss)

    def stop(self) -> None:
        self.done.set()
        self.thread.join(timeout=5)


def peak_rss_of(pid: int) -> float:
    """VmHWM of a running process, MiB."""
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


class Simulator:
    """The fleet in its own process; stopped by closing its stdin."""

    def __init__(self, args: argparse.Namespace, work: Path) -> None:
        self.truth_path = work / "truth.json"
        command = [
            sys.executable,
            str(HERE / "inventory_fleet.py"),
            f"--hosts={args.hosts}",
            f"--work-dir={work}",
            f"--refuse={args.refuse}",
            f"--slow={args.slow}",
            f"--slow-latency={args.slow_latency}",
            f"--uac={args.uac}",
            f"--wrong-password={args.wrong_password}",
            f"--truth={self.truth_path}",
        ]
        if args.base_address:
            command.append(f"--base-address={args.base_address}")
        env = dict(os.environ, WINSIM_WORKERS=str(args.sim_workers))
        self.log = (work / "simulator.log").open("w", encoding="utf-8")
        self.proc = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, text=True, env=env
        )

    def wait_ready(self, timeout: float = 900.0) -> dict[str, Any]:
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            selector.register(self.proc.stdout, selectors.EVENT_READ)
            while time.monotonic() < deadline:
                if not selector.select(timeout=max(0.0, deadline - time.monotonic())):
                    continue
                line = self.proc.stdout.readline()
                if not line:
                    raise SystemExit(f"the simulator ended (rc={self.proc.wait(10)}); see {self.log.name}")
                if line.startswith("READY "):
                    return dict(json.loads(self.truth_path.read_text(encoding="utf-8")))
        raise SystemExit(f"the simulator was not ready within {timeout:g} s; see {self.log.name}")

    def cpu(self) -> float:
        return cpu_of(self.proc.pid)

    def stop(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(120)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(30)
        self.log.close()


def unwrap(value: Any) -> Any:
    """ansible-inventory marks a plugin's strings unsafe (``{"__ansible_unsafe": ...}``): the plain values."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {key: unwrap(item) for key, item in value.items()}
    if isinstance(value, list):
        return [unwrap(item) for item in value]
    return value


def write_config(path: Path, hosts: list[str], authenticated: bool, **options: Any) -> Path:
    config: dict[str, Any] = {
        "plugin": "winremote.remoting.server_pool",
        "hosts": hosts,
        "auth": "ntlm",
        "cache": False,
        "validate_certs": False,  # every host answers on 5985 (HTTP); no HTTPS endpoint is probed
    }
    if authenticated:
        config["username"] = "localadmin"  # password from WINREMOTE_PASSWORD
    config.update({key: value for key, value in options.items() if value is not None})
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def inventory_env(work: Path, authenticated: bool) -> dict[str, str]:
    env = ansible_env(work / "pycache")
    env.update(WINREMOTE_USERNAME="", WINREMOTE_PASSWORD=DEFAULT_PASSWORD if authenticated else "")
    env["ANSIBLE_INVENTORY_UNPARSED_FAILED"] = "True"
    return env


def run_inventory(command: list[str], env: dict[str, str], out: Path, sim: Simulator, timeout: float) -> dict[str, Any]:
    """One ansible-inventory run, measured: wall time, its rusage (os.wait4) and the simulator's CPU time."""
    with out.open("w", encoding="utf-8") as stdout, out.with_suffix(".stderr").open("w", encoding="utf-8") as stderr:
        sim_before = sim.cpu()
        busy_before = machine_busy()
        started = time.perf_counter()
        proc = subprocess.Popen(command, env=env, stdout=stdout, stderr=stderr)
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        memory = MemoryPoller(proc.pid)
        try:
            _pid, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
            memory.stop()
        wall = time.perf_counter() - started
        sim_cpu = sim.cpu() - sim_before
        busy = machine_busy() - busy_before
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {
        "rc": proc.returncode,
        "wall_seconds": round(wall, 2),
        "inventory_cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
        "inventory_user_seconds": round(usage.ru_utime, 2),
        "inventory_system_seconds": round(usage.ru_stime, 2),
        # wait4: the largest single process of the tree (KiB on Linux); polled: the whole tree (parent + children)
        "inventory_peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
        "inventory_tree_peak_rss_mib": round(memory.peak_rss, 1),
        "inventory_tree_peak_pss_mib": round(memory.peak_pss, 1),
        "simulator_cpu_seconds": round(sim_cpu, 2),
        # what the rest of the machine (other engineers' work, this script) used meanwhile: the noise
        "other_cpu_seconds": round(max(0.0, busy - sim_cpu - usage.ru_utime - usage.ru_stime), 2),
        "load_average_after": round(os.getloadavg()[0], 2),
    }


def check_statuses(listing_path: Path, truth: dict[str, Any], kind: str) -> dict[str, Any]:
    """Every host's winremote_manageability against the fleet's truth; mismatches grouped by what was expected."""
    try:
        hostvars = unwrap(json.loads(listing_path.read_text(encoding="utf-8")))["_meta"]["hostvars"]
    except (OSError, ValueError, KeyError):
        hostvars = {}
    correct = 0
    wrong: Counter[str] = Counter()
    examples: list[dict[str, Any]] = []
    for address, host in truth.items():
        want = host["expected"][kind]
        got = hostvars.get(address, {})
        status = got.get("winremote_manageability", "<missing>")
        if status == want:
            correct += 1
            continue
        wrong[f"{host['role']}/{host['profile']}: expected {want!r}, got {status!r}"] += 1
        if len(examples) < 10:
            reasons = got.get("winremote_manageability_reasons", [])
            examples.append({"address": address, **host, "status": status, "reasons": reasons})
    return {"correct": correct, "total": len(truth), "mismatches": dict(wrong.most_common()), "examples": examples}


def measure(
    args: argparse.Namespace, work: Path, sim: Simulator, truth: dict[str, Any], kind: str, sequential: bool
) -> dict[str, Any]:
    authenticated = kind == "authenticated"
    label = f"{kind}-{'sequential' if sequential else 'concurrent'}"
    # sequential: the deadline must not cut the run short; a slow host costs up to 7 replies (Identify + 6)
    deadline = args.hosts * (args.probe_timeout + 7 * args.slow_latency) if sequential else args.probe_deadline
    config = write_config(
        work / f"{label}.server_pool.yml",
        list(truth),
        authenticated,
        probe_timeout=args.probe_timeout,
        probe_deadline=deadline,
        probe_concurrency=1 if sequential else args.concurrency,
    )
    command = [str(BIN / "ansible-inventory"), "-i", str(config), "--list"]
    print(f"== {label}: {' '.join(command)}", file=sys.stderr, flush=True)
    listing = work / f"{label}.json"
    result = run_inventory(command, inventory_env(work, authenticated), listing, sim, timeout=deadline + 600)
    result |= {"statuses": check_statuses(listing, truth, kind), "command": " ".join(command)}
    result["config"] = {"probe_deadline": deadline, "probe_concurrency": 1 if sequential else args.concurrency}
    print(f"   {json.dumps({k: v for k, v in result.items() if k != 'statuses'})}", file=sys.stderr, flush=True)
    print(f"   statuses {result['statuses']['correct']}/{result['statuses']['total']}", file=sys.stderr, flush=True)
    return result


def warm_up(args: argparse.Namespace, work: Path, truth: dict[str, Any]) -> None:
    """One unmeasured one-host run, so the bytecode cache holds Ansible and the collection before the first
    measured run (as on any controller that ran Ansible before)."""
    config = write_config(work / "warm-up.server_pool.yml", list(truth)[:1], False, probe_timeout=args.probe_timeout)
    command = [str(BIN / "ansible-inventory"), "-i", str(config), "--list"]
    subprocess.run(command, env=inventory_env(work, False), capture_output=True, check=False, timeout=600)


def profile(args: argparse.Namespace, work: Path, truth: dict[str, Any]) -> None:
    """cProfile ansible-inventory with probe_concurrency=1 (one probe at a time, so wall-clock times per function
    are not mixed across threads) over normal hosts only."""
    hosts = [address for address, host in truth.items() if host["role"] == "normal"][: args.profile]
    for kind, _label in PASSES:
        config = write_config(
            work / f"profile-{kind}.server_pool.yml",
            hosts,
            kind == "authenticated",
            probe_timeout=args.probe_timeout,
            probe_deadline=3600,
            probe_concurrency=1,
        )
        stats = work / f"profile-{kind}.pstats"
        code = (
            "import cProfile, sys; from ansible.cli.inventory import main; "
            f"sys.argv = ['ansible-inventory', '-i', {str(config)!r}, '--list']; "
            f"cProfile.run('main()', {str(stats)!r})"
        )
        out = work / f"profile-{kind}.json"
        with out.open("w", encoding="utf-8") as stdout:
            env = inventory_env(work, kind == "authenticated")
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], env=env, stdout=stdout, check=False, timeout=3600)
            wall = time.perf_counter() - started
        print(f"== profile {kind}: {len(hosts)} hosts in {wall:.1f} s; {stats}", file=sys.stderr)
        pstats.Stats(str(stats)).sort_stats("tottime").print_stats(30)
        pstats.Stats(str(stats)).sort_stats("cumulative").print_stats(40)


def machine() -> dict[str, Any]:
    from ansible.release import __version__ as ansible_version

    return {
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "ansible_core": ansible_version,
        "platform": platform.platform(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def summary(name: str, hosts: int, concurrent: dict[str, Any], sequential: dict[str, Any] | None) -> str:
    seq = f"{sequential['wall_seconds']:.1f}" if sequential else "n/a"
    ratio = f"{sequential['wall_seconds'] / concurrent['wall_seconds']:.1f}" if sequential else "n/a"
    ok = concurrent["statuses"]
    rss = max(concurrent["inventory_peak_rss_mib"], concurrent["inventory_tree_peak_rss_mib"])
    return (
        f"{name}: {hosts} endpoints in {concurrent['wall_seconds']:.1f} s, sequential {seq} s, ratio {ratio}, "
        f"peak RSS {rss:.0f} MiB, statuses correct {ok['correct']}/{ok['total']}"
    )


def cpu_line(kind: str, runs: dict[str, Any]) -> str:
    parts = []
    for mode in ("concurrent", "sequential"):
        run = runs.get(mode)
        if run:
            parts.append(
                f"{mode} inventory {run['inventory_cpu_seconds']:.1f} s (user {run['inventory_user_seconds']:.1f}, "
                f"sys {run['inventory_system_seconds']:.1f}), simulator {run['simulator_cpu_seconds']:.1f} s, "
                f"other processes {run['other_cpu_seconds']:.1f} s, wall {run['wall_seconds']:.1f} s, "
                f"RSS {run['inventory_peak_rss_mib']:.0f} MiB (largest process) / "
                f"{run['inventory_tree_peak_rss_mib']:.0f} MiB (tree; PSS {run['inventory_tree_peak_pss_mib']:.0f}), "
                f"statuses {run['statuses']['correct']}/{run['statuses']['total']}"
            )
    return f"cpu ({kind}): " + "; ".join(parts)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.0/8,localhost"
    work = Path(args.work_dir).resolve()
    work.mkdir(parents=True, exist_ok=True)
    load_before = [round(x, 2) for x in os.getloadavg()]
    sim = Simulator(args, work)
    try:
        fleet = sim.wait_ready()
        truth: dict[str, Any] = fleet["hosts"]
        print(f"simulator pid {sim.proc.pid}: {len(truth)} hosts in {fleet['start_seconds']} s", file=sys.stderr)
        if args.profile:
            profile(args, work, truth)
            return 0
        warm_up(args, work, truth)
        sim_idle = sim.cpu()
        runs: dict[str, dict[str, Any]] = {kind: {} for kind, _name in PASSES}
        for sequential in (False, True) if not args.no_sequential else (False,):
            for kind, _name in PASSES:
                runs[kind]["sequential" if sequential else "concurrent"] = measure(
                    args, work, sim, truth, kind, sequential
                )
        simulator_rss = peak_rss_of(sim.proc.pid)
        simulator_cpu_total = sim.cpu()
    finally:
        sim.stop()
    roles = Counter(host["role"] for host in truth.values())
    result: dict[str, Any] = {
        "hosts": args.hosts,
        "first_address": next(iter(truth)),
        "roles": dict(roles),
        "slow_latency_seconds": args.slow_latency,
        "probe_timeout": args.probe_timeout,
        "simulator": {
            "start_seconds": fleet["start_seconds"],
            "cpu_seconds_until_ready": round(sim_idle, 2),
            "cpu_seconds_total": round(simulator_cpu_total, 2),
            "peak_rss_mib": simulator_rss,
            "workers": args.sim_workers,
        },
        "runs": runs,
        "machine": machine() | {"load_average_before": load_before},
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    text = json.dumps(result, indent=2)
    if args.json_path:
        Path(args.json_path).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json_path).write_text(text + "\n", encoding="utf-8")
        print(f"results: {args.json_path}")
    for kind, _name in PASSES:
        for mismatch, count in runs[kind]["concurrent"]["statuses"]["mismatches"].items():
            print(f"mismatch ({kind}): {count} x {mismatch}")
    print(f"roles: {dict(roles)}; slow latency {args.slow_latency:g} s; machine {json.dumps(result['machine'])}")
    for kind, _name in PASSES:
        print(cpu_line(kind, runs[kind]))
    for kind, name in PASSES:
        print(summary(name, args.hosts, runs[kind]["concurrent"], runs[kind].get("sequential")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
