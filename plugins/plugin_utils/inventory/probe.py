# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Probe the pool: per host the anonymous WS-Man Identify on 5985 (HTTP) then 5986 (HTTPS), then, with credentials,
Server Manager's observation (``remoting_info.observe``) and its verdict. Concurrent, bounded, with a total deadline.

A host that does not answer is a report with Server Manager's status for it ("Not accessible"), never an error.
Without credentials a host that answers is "Online - Access denied", what Server Manager shows before Manage As
credentials are given ("Add Servers to Server Manager",
https://learn.microsoft.com/windows-server/administration/server-manager/add-servers-to-server-manager).
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime
import multiprocessing
import os
import sys
import threading
import time
import typing as t

from ansible_collections.winremote.remoting.plugins.plugin_utils import manageability
from ansible_collections.winremote.remoting.plugins.plugin_utils.connection import ConfigurationError, ConnectionConfig
from ansible_collections.winremote.remoting.plugins.plugin_utils.errors import WinRemoteError
from ansible_collections.winremote.remoting.plugins.plugin_utils.inventory.sources import Target
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures import remoting_info
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.client import WSManClient
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.identify import IdentifyInfo

# WinRM's default listener ports, HTTP first as Server Manager uses it (about_Remote_Requirements,
# https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_remote_requirements).
ENDPOINTS = (("http", 5985), ("https", 5986))
READ_MARGIN = 5  # seconds the HTTP read waits beyond the WS-Man operation timeout
# One process probes at most one CPU's worth (the GIL): its HTTP stack, NTLM and XML cost ~1-2 ms of CPU per host
# anonymously and ~15 ms with the observation (docs/performance.md). Pools of at least this many hosts per CPU are
# split over forked processes, one per CPU; smaller pools stay in threads, where forking costs more than it saves.
HOSTS_PER_PROCESS = 256
CHILD_MARGIN = 10.0  # seconds past probe_deadline the parent waits for a probing process's answer


@dataclasses.dataclass(frozen=True)
class ProbeSettings:
    """How to probe; ``repr`` hides the password."""

    timeout: int = 5
    deadline: float = 120.0
    concurrency: int = 64
    validate_certs: bool = True
    ca_path: str | None = None
    username: str | None = None
    password: str | None = dataclasses.field(default=None, repr=False)
    auth: str = "negotiate"

    def config(self, address: str, scheme: str, port: int) -> ConnectionConfig:
        return ConnectionConfig(
            host=address,
            port=port,
            scheme=scheme,
            username=self.username,
            password=self.password,
            auth=self.auth,
            cert_validation=self.validate_certs,
            ca_path=self.ca_path,
            connection_timeout=self.timeout,
            # WS-Man's OperationTimeout must end before the HTTP read does (connection.py validates it)
            operation_timeout=max(1, self.timeout),
            read_timeout=max(1, self.timeout) + READ_MARGIN,
        )


@dataclasses.dataclass(frozen=True)
class HostReport:
    """What one host answered, ready for host vars (JSON types only: it is what the inventory cache stores)."""

    name: str
    address: str
    status: str
    reasons: tuple[str, ...]
    last_update: str
    reachable: bool = False
    scheme: str | None = None
    port: int | None = None
    vendor: str = ""
    product_version: str = ""
    stack: str = ""
    os_version: str = ""
    os_release: str = ""
    server_groups: tuple[str, ...] = ()
    details: tuple[tuple[str, str], ...] = ()
    late: bool = False  # still unprobed when probe_deadline passed

    @classmethod
    def unprobed(cls, target: Target, reasons: t.Sequence[str]) -> HostReport:
        """A target nobody answered for yet: "Not accessible" with ``reasons``, carrying what the sources said."""
        return cls(
            target.name,
            target.address,
            manageability.NOT_ACCESSIBLE,
            tuple(reasons),
            now(),
            server_groups=target.groups,
            details=target.details,
        )

    def to_dict(self) -> dict[str, t.Any]:
        data = dataclasses.asdict(self)
        data["reasons"] = list(self.reasons)
        data["server_groups"] = list(self.server_groups)
        data["details"] = dict(self.details)
        return data

    @classmethod
    def from_dict(cls, data: t.Mapping[str, t.Any]) -> HostReport:
        fields = {field.name for field in dataclasses.fields(cls)}
        values = {key: value for key, value in data.items() if key in fields}
        values["reasons"] = tuple(values.get("reasons", ()))
        values["server_groups"] = tuple(values.get("server_groups", ()))
        values["details"] = tuple(sorted(dict(values.get("details", {})).items()))
        return cls(**values)


def now() -> str:
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0).isoformat()


def identify(target: Target, settings: ProbeSettings) -> tuple[WSManClient | None, IdentifyInfo | None, list[str]]:
    """The first endpoint that answers the anonymous Identify (a refusal such as HTTP 401 is an answer too), its
    client, and why the others did not."""
    failures: list[str] = []
    for scheme, port in ENDPOINTS:
        config = settings.config(target.address, scheme, port)
        client = WSManClient(config)
        try:
            return client, client.identify(authenticated=False), failures
        except WinRemoteError as exc:
            if client.answered:
                return client, None, failures
            failures.append(f"{scheme}://{target.address}:{port}: {exc}")
            client.close()
    return None, None, failures


def probe_host(target: Target, settings: ProbeSettings) -> HostReport:
    """One host's report; never raises for anything the host does."""
    client, info, failures = identify(target, settings)
    report = HostReport.unprobed(target, failures)
    if client is None:
        return report
    config = client.config
    report = dataclasses.replace(
        report,
        reachable=True,
        scheme=config.scheme,
        port=config.port,
        vendor=info.vendor if info else "",
        product_version=info.product_version if info else "",
        stack=info.stack if info else "",
    )
    if not settings.username or settings.password is None:
        client.close()
        reason = "no credentials configured (username and password): only the anonymous Identify was made"
        return dataclasses.replace(report, status=manageability.ACCESS_DENIED, reasons=(reason,))
    try:
        config.validate()
        state = remoting_info.observe(client)
    except ConfigurationError as exc:
        # settings Server Manager would not connect with (such as Basic over HTTP): it does not reach the host
        return dataclasses.replace(report, status=manageability.ACCESS_DENIED, reasons=(str(exc),))
    except WinRemoteError as exc:
        verdict = manageability.for_error(exc.kind, str(exc))
        return dataclasses.replace(report, status=verdict.status, reasons=verdict.reasons)
    finally:
        client.close()
    verdict = state.verdict()
    return dataclasses.replace(
        report,
        status=verdict.status,
        reasons=verdict.reasons,
        stack=report.stack or state.wsman_stack_version,
        os_version=state.os.version,
        os_release=state.os.release or "",
    )


def probe_all(targets: t.Sequence[Target], settings: ProbeSettings) -> list[HostReport]:
    """Every target's report, in the targets' order, at most ``concurrency`` at once; a host still being probed when
    the total deadline passes is "Not accessible" with the deadline as its reason. Large pools are probed by
    several processes (:func:`process_count`), which share ``concurrency`` between them."""
    if not targets:
        return []
    deadline = time.monotonic() + settings.deadline
    processes = process_count(len(targets), settings.concurrency)
    if processes > 1:
        return probe_forked(targets, settings, processes, deadline)
    return probe_threads(targets, settings, deadline)


def available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def process_count(targets: int, concurrency: int) -> int:
    """How many processes probe: one per CPU with at least HOSTS_PER_PROCESS hosts each, and never more than
    ``concurrency``. Only on Linux (fork is not safe on macOS once system frameworks are loaded) and only from a
    single-threaded process (fork copies no other thread, and so none of the locks they may hold)."""
    if not sys.platform.startswith("linux") or threading.active_count() > 1:
        return 1
    return max(1, min(available_cpus(), targets // HOSTS_PER_PROCESS, concurrency))


def probe_threads(targets: t.Sequence[Target], settings: ProbeSettings, deadline: float) -> list[HostReport]:
    """The reports of ``targets`` probed by ``concurrency`` threads of this process until ``deadline``."""
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, min(settings.concurrency, len(targets))))
    try:
        futures = [pool.submit(probe_host, target, settings) for target in targets]
        concurrent.futures.wait(futures, timeout=max(0.0, deadline - time.monotonic()))
        reports = []
        for target, future in zip(targets, futures, strict=True):
            if future.done() and future.exception() is None:
                reports.append(future.result())
                continue
            why = (
                f"probe_deadline={settings.deadline:g}s passed before the host was probed"
                if not future.done()
                else f"the probe failed: {future.exception()}"
            )
            reports.append(dataclasses.replace(HostReport.unprobed(target, (why,)), late=not future.done()))
        return reports
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def probe_forked(
    targets: t.Sequence[Target], settings: ProbeSettings, processes: int, deadline: float
) -> list[HostReport]:
    """``targets`` dealt round-robin to ``processes`` forked children (so slow hosts spread evenly), each with its
    share of ``concurrency``; a child's reports come back pickled over a pipe. The credentials are never sent
    anywhere: the children are forks."""
    context = multiprocessing.get_context("fork")
    share = dataclasses.replace(settings, concurrency=max(1, settings.concurrency // processes))
    for stream in (sys.stdout, sys.stderr):  # a child must not write out what the parent buffered
        stream.flush()
    children = []
    for index in range(processes):
        shard = list(targets[index::processes])
        reader, writer = context.Pipe(duplex=False)
        child = context.Process(target=probe_child, args=(shard, share, deadline, writer), daemon=True)
        child.start()
        writer.close()
        children.append((shard, child, reader))
    reports: dict[int, HostReport] = {}
    for shard, child, reader in children:
        try:
            answered = reader.poll(max(0.0, deadline - time.monotonic()) + CHILD_MARGIN)
            data = reader.recv() if answered else None
        except (EOFError, OSError):
            data = None
        finally:
            reader.close()
        child.join(timeout=1.0)
        if child.is_alive():
            child.kill()  # it answered or gave up; threads still waiting on a stuck host must not outlive us
            child.join(timeout=5.0)
        if isinstance(data, list) and len(data) == len(shard) and all(isinstance(r, HostReport) for r in data):
            shard_reports = data
        else:
            why = f"the probing process ended without an answer (exit code {child.exitcode})"
            shard_reports = [HostReport.unprobed(target, (why,)) for target in shard]
        reports.update((id(target), report) for target, report in zip(shard, shard_reports, strict=True))
    return [reports[id(target)] for target in targets]


def probe_child(shard: list[Target], settings: ProbeSettings, deadline: float, writer: t.Any) -> None:
    """In a forked child: probe ``shard`` with threads and send the reports to the parent."""
    try:
        writer.send(probe_threads(shard, settings, deadline))
    finally:
        writer.close()
