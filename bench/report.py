# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Statistics and the Markdown tables the benchmark prints (and docs/performance.md quotes)."""

from __future__ import annotations

import statistics
from typing import Any

# One observation: a Get of winrm/config/service, an Enumerate of the listeners, one WinRS command of four requests
# (docs/architecture.md, "Observation cost").
OBSERVATION_REQUESTS = 6


def spread(values: list[float]) -> dict[str, float]:
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def _num(value: float) -> str:
    return f"{value:g}" if float(value).is_integer() else f"{value:.1f}"


def round_trip_table(modules: list[dict[str, Any]]) -> str:
    lines = [
        "| module | arguments | round trips per host (min / median / max) | per host, by action (mean) |",
        "|---|---|---|---|",
    ]
    for row in modules:
        s = row["round_trips"]
        actions = ", ".join(f"{name} {_num(n)}" for name, n in row["by_action_mean"].items()) or "none"
        lines.append(
            f"| {row['module']} | `{row['arguments']}` | {_num(s['min'])} / {_num(s['median'])} / {_num(s['max'])} "
            f"| {actions} |"
        )
    return "\n".join(lines)


def wall_time_table(runs: list[dict[str, Any]], hosts: int, forks: int) -> str:
    lines = [
        f"| playbook ({hosts} hosts, -f {forks}) | task results per host | runs (s) | median (s) | "
        "ms per host-task | CPU s, Ansible (median) | CPU s, simulator (median) |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in runs:
        seconds = ", ".join(f"{s:.1f}" for s in row["seconds"])
        per_task = 1000 * row["median"] / (hosts * row["task_results_per_host"])
        lines.append(
            f"| {row['label']} | {row['task_results_per_host']} | {seconds} | {row['median']:.1f} | {per_task:.0f} "
            f"| {row['cpu_ansible_median']:.1f} | {row['cpu_simulator_median']:.1f} |"
        )
    return "\n".join(lines)


def markdown(result: dict[str, Any]) -> str:
    meta = result["meta"]
    wall = result["wall_time"]
    latency = result["observation_latency"]
    parts = [
        f"## WS-Man round trips per module per host (no-change run, {meta['hosts']} hosts)",
        "",
        round_trip_table(result["round_trips"]),
        "",
        f"## Wall time of a no-change run ({meta['repeat']} repetitions each, interleaved)",
        "",
        wall_time_table(wall["runs"], meta["hosts"], meta["forks"]),
        "",
        f"Ratio enable_remote_management.yml / debug floor (medians): **{wall['ratio']:.2f}** "
        f"(per interleaved pair: {', '.join(f'{r:.2f}' for r in wall['paired_ratios'])}); "
        f"Ansible CPU time ratio: {wall['cpu_ratio']:.2f}",
        "",
        f"Round trips per host in the whole enable_remote_management.yml no-change run: "
        f"{_num(wall['role_round_trips']['min'])} / {_num(wall['role_round_trips']['median'])} / "
        f"{_num(wall['role_round_trips']['max'])} (min / median / max), "
        f"{_num(wall['role_round_trips']['median'] / OBSERVATION_REQUESTS)} observation(s) of "
        f"{OBSERVATION_REQUESTS} requests, in {wall.get('role_module_tasks_per_host', '?')} module task(s); "
        f"by action (mean): {', '.join(f'{k} {_num(v)}' for k, v in wall.get('role_by_action_mean', {}).items())}",
        "",
        f"One remoting_info observation without Ansible (median of {latency['samples']}): "
        f"{latency['fresh_client_ms']:.1f} ms with a fresh client (TCP + NTLM + {OBSERVATION_REQUESTS} requests), "
        f"{latency['reused_client_ms']:.1f} ms on the same client",
        "",
        f"Machine: {meta['nproc']} CPUs, Python {meta['python']}, ansible-core {meta['ansible_core']}, "
        f"profiles {', '.join(meta['profiles'])}, bytecode {meta['bytecode']}, "
        f"simulator TCP_NODELAY {meta['simulator_tcp_nodelay']}, "
        f"1-min load average before the timed runs {wall['load_average_1min_before_runs']}",
        f"Command: `{meta['command']}`",
    ]
    return "\n".join(parts)
