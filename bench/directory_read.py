# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Benchmark (not a test): the server_pool's Active Directory source reading ``--computers`` (10,000) computer
objects from a Samba AD DC.

Provisions a scratch domain with winsim.domain (127.0.0.1, realm WINREMOTE.TEST), adds the computers with one
``ldbadd`` of one LDIF against sam.ldb before samba starts (the fastest way in: no LDAP round trip and no
replication; ``--nosync`` and batches of ``--batch`` records, as one large transaction slows down per record),
starts the DC, then times ``directory.entries()`` for each bind of ``--binds`` (paged by
``--page-size``) and records this process's peak RSS (``resource.getrusage``). The DC is stopped and its scratch
directory removed at the end. It measures and prints; it never passes or fails.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from pathlib import Path
from typing import Any

from winsim.domain import Domain, base_dn

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / ".work" / "collections"))

from ansible_collections.winremote.remoting.plugins.plugin_utils.inventory import directory  # noqa: E402

REALM = "WINREMOTE.TEST"
OU = f"OU=Bench,{base_dn(REALM)}"
SYSTEMS = (
    ("Windows Server 2019 Datacenter", "10.0 (17763)"),
    ("Windows Server 2022 Standard", "10.0 (20348)"),
    ("Windows Server 2016 Standard", "10.0 (14393)"),
    ("Windows Server 2012 R2 Standard", "6.3 (9600)"),
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--computers", type=int, default=10000)
    parser.add_argument("--page-size", type=int, default=500)
    parser.add_argument("--binds", default="ntlm,simple", help="comma-separated: ntlm (sealed), simple (LDAPS)")
    parser.add_argument("--batch", type=int, default=1000, help="LDIF records per ldbadd run")
    parser.add_argument("--scratch-dir", default=".work/domain/bench-directory")
    parser.add_argument("--json", dest="json_path", help="also write the results as JSON here")
    return parser.parse_args(argv)


def computers_ldif(count: int) -> list[str]:
    """LDIF records: the OU and ``count`` enabled workstation accounts (userAccountControl 0x1000) with a DNS name
    and an OS."""
    records = [f"dn: {OU}\nobjectClass: organizationalUnit\n"]
    for index in range(count):
        name = f"S{index:05d}"
        system, version = SYSTEMS[index % len(SYSTEMS)]
        records.append(
            f"dn: CN={name},{OU}\nobjectClass: computer\nsAMAccountName: {name}$\nuserAccountControl: 4096\n"
            f"dNSHostName: {name.lower()}.{REALM.lower()}\noperatingSystem: {system}\n"
            f"operatingSystemVersion: {version}\n"
        )
    return records


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def settings_for(dc: Domain, bind: str, page_size: int, size_limit: int) -> directory.DirectorySettings:
    user = dc.users["wradmin"]
    common: dict[str, Any] = {
        "password": user.password,
        "hostname_override": dc.dc_fqdn,
        "search_base": OU,
        "page_size": page_size,
        "size_limit": size_limit,
        "timeout": 30,
    }
    if bind == "simple":
        return directory.DirectorySettings(
            servers=(f"ldaps://{dc.address}",),
            bind="simple",
            username=f"{user.name}@{dc.realm.lower()}",
            ca_path=str(dc.sam_ldb.parent / "tls" / "ca.pem"),
            **common,
        )
    return directory.DirectorySettings(
        servers=(dc.ldap_url,), bind="ntlm", username=f"{dc.netbios}\\{user.name}", **common
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    results: dict[str, Any] = {
        "computers": args.computers,
        "page_size": args.page_size,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "rss_mib_at_start": round(peak_rss_mib(), 1),
        "reads": {},
    }
    dc = Domain(Path(args.scratch_dir), realm=REALM)
    try:
        started = time.monotonic()
        dc.provision()
        results["provision_s"] = round(time.monotonic() - started, 1)
        started = time.monotonic()
        records = computers_ldif(args.computers)
        for first in range(0, len(records), args.batch):  # one transaction grows slower per record: batches
            dc.run(
                ["ldbadd", "--nosync", "-H", str(dc.sam_ldb), f"--configfile={dc.smb_conf}"],
                stdin="\n".join(records[first : first + args.batch]),
                timeout=3600,
            )
        results["ldbadd_s"] = round(time.monotonic() - started, 1)
        started = time.monotonic()
        dc.start()
        dc.add_default_users()
        results["start_s"] = round(time.monotonic() - started, 1)
        for bind in args.binds.split(","):
            settings = settings_for(dc, bind, args.page_size, args.computers + 1)
            started = time.monotonic()
            found = directory.entries(settings)
            elapsed = time.monotonic() - started
            results["reads"][bind] = {
                "entries": len(found),
                "seconds": round(elapsed, 2),
                "per_second": round(len(found) / elapsed) if elapsed else None,
                "pages": -(-len(found) // args.page_size),
                "peak_rss_mib_after": round(peak_rss_mib(), 1),
            }
            print(
                f"{bind:>6}: {len(found)} computers in {elapsed:.2f} s, peak RSS {peak_rss_mib():.1f} MiB", flush=True
            )
    finally:
        dc.stop()
    print(json.dumps(results, indent=2))
    if args.json_path:
        Path(args.json_path).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json_path).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
