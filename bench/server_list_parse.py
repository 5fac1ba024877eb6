# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Benchmark (not a test): parsing a Server Manager ServerList.xml of 10,000 servers, as the server_pool inventory
does, and adding 100 servers to it with the byte-preserving writer.

Builds the file in Server Manager's layout (CRLF, BOM, 20 custom server groups), then reports the median of
``--repeat`` parses, the growth of the peak RSS of this process during one parse, and the time of one
``add_servers``. It measures and prints; it never passes or fails.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from pathlib import Path

from ansible_collections.winremote.remoting.plugins.plugin_utils import server_list


def document(servers: int, groups: int) -> bytes:
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<ServerList xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" localhostName="MGMT01.contoso.com">',
    ]
    names = [f"srv{index:05d}.contoso.com" for index in range(servers)]
    lines += [
        f'  <ServerInfo name="{name}" status="1" lastUpdateTime="2026-11-30T08:00:00.0000000+00:00" locale="en-US" />'
        for name in names
    ]
    for group in range(groups):
        lines.append(f'  <ServerGroupInfo name="Group {group:02d}">')
        lines += [f'    <ServerGroupMembership name="{name}" />' for name in names[group::groups]]
        lines.append("  </ServerGroupInfo>")
    lines.append("</ServerList>")
    return b"\xef\xbb\xbf" + ("\r\n".join(lines) + "\r\n").encode()


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--servers", type=int, default=10_000)
    parser.add_argument("--groups", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)

    data = document(args.servers, args.groups)
    before = peak_rss_mib()
    started = time.perf_counter()
    pool = server_list.parse(data)
    first = time.perf_counter() - started
    growth = peak_rss_mib() - before
    assert len(pool.servers) == args.servers and len(pool.groups) == args.groups
    timings = [first]
    for _unused in range(args.repeat - 1):
        started = time.perf_counter()
        server_list.parse(data)
        timings.append(time.perf_counter() - started)
    started = time.perf_counter()
    added = server_list.add_servers(pool, [f"new{index:03d}.contoso.com" for index in range(100)], "Group 00")
    add_seconds = time.perf_counter() - started
    assert added is not None
    results = {
        "servers": args.servers,
        "groups": args.groups,
        "file_bytes": len(data),
        "parse_seconds_median": round(statistics.median(timings), 3),
        "parse_seconds_all": [round(value, 3) for value in timings],
        "peak_rss_growth_mib": round(growth, 1),
        "peak_rss_mib": round(peak_rss_mib(), 1),
        "add_100_servers_seconds": round(add_seconds, 3),
        "python": sys.version.split()[0],
    }
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))
    print(
        f"server list parse: {args.servers} servers ({len(data) / 1048576:.1f} MiB) in "
        f"{results['parse_seconds_median']} s, peak RSS +{results['peak_rss_growth_mib']} MiB, "
        f"add 100 servers {results['add_100_servers_seconds']} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
