# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Benchmark (not a test): windows/upload of one large file to one simulated host over HTTP (NTLM, sealed).

For each profile (2019: MaxEnvelopeSizekb 500; 2008 R2: 150) it uploads a ``--mb`` MiB random file, checks the
host's copy, and records MB/s, WS-Man round trips per MB, and the floor: one Send per envelope of file bytes (the
envelope's Stream text is base64 of base64 lines, so an envelope carries at most 3/4 x 48/66 of its size in file
bytes, plus the fixed round trips of the probe, the segments' shells and the final move). It measures and prints;
it never passes or fails.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import observe_latency

from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import upload
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.client import WSManClient
from winsim import addresses
from winsim.host import SimulatedHost
from winsim.state import HostState
from winsim.wsman.commands.winrm import quickconfig_changes

OCTETS = range(90, 95)  # 127.90-94.x.y: other benchmarks use 127.70-89, the simulator's own tests 127.100+
TARGET = r"C:\Windows\Temp\winremote-bench-upload.bin"
MIB = 1024 * 1024


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--mb", type=int, default=64, help="file size in MiB")
    parser.add_argument("--profiles", default="2019,2008r2")
    parser.add_argument("--json", dest="json_path", help="also write the results as JSON here")
    return parser.parse_args(argv)


def floor_trips(size: int, envelope: int) -> int:
    """One Send per envelope of file bytes, nothing else."""
    per_envelope = upload.lines_per_send(envelope) * upload.LINE_RAW
    return -(-size // per_envelope)


def measure(profile: str, path: Path) -> dict[str, Any]:
    state = HostState.from_profile(profile, hostname=f"SIM{profile.upper()}")
    if profile in ("2008", "2008r2"):
        quickconfig_changes(state)  # WinRM listens nowhere by default there
    host = SimulatedHost(state, address=addresses.free_block(1, second_octets=OCTETS)).start()
    try:
        size = path.stat().st_size
        with WSManClient(observe_latency.config_for(host)) as client:
            host.reset_request_count()
            started = time.perf_counter()
            result = upload.upload(client, str(path), TARGET)
            seconds = time.perf_counter() - started
            skip_started = time.perf_counter()
            again = upload.upload(client, str(path), TARGET)
            skip_seconds = time.perf_counter() - skip_started
        with host.lock:
            ok = hashlib.sha256(host.state.files.read(TARGET)).hexdigest() == upload.local_sha256(str(path))
            envelope = int(host.state.winrm_text("MaxEnvelopeSizekb")) * 1024
        mb = size / MIB
        return {
            "profile": profile,
            "envelope_bytes": envelope,
            "file_mib": mb,
            "seconds": round(seconds, 2),
            "mib_per_s": round(mb / seconds, 2),
            "round_trips": result.round_trips,
            "round_trips_per_mib": round(result.round_trips / mb, 2),
            "floor_round_trips": floor_trips(size, envelope),
            "floor_per_mib": round(floor_trips(size, envelope) / mb, 2),
            "file_bytes_per_send": upload.lines_per_send(envelope) * upload.LINE_RAW,
            "skip_round_trips": again.round_trips,
            "skip_seconds": round(skip_seconds, 3),
            "verified": ok,
        }
    finally:
        host.stop()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.0/8,localhost"
    rows = []
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "payload.bin"
        with path.open("wb") as handle:
            for _unused in range(args.mb):
                handle.write(os.urandom(MIB))
        for profile in args.profiles.split(","):
            row = measure(profile.strip(), path)
            rows.append(row)
            print(json.dumps(row), flush=True)
    if args.json_path:
        Path(args.json_path).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json_path).write_text(json.dumps({"python": sys.version.split()[0], "results": rows}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
