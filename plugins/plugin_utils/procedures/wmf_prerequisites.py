# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What Server Manager needs installed on an older server (.NET Framework, WMF, the performance update), installed.

Observe: Server Manager's observation (so the verdict comes with it) plus, in the same WinRS command, the
pending-reboot markers, the processor architecture and the result files an earlier run's installers left, and one
WS-Transfer Get of the system drive's free space. Plan: ``prerequisites/plan.py`` (pure) over the package catalogue.
Apply: each package is one operation of ``windows/packages.py`` (stage, verify its SHA-256 on the host, install as a
SYSTEM task), a reboot one of ``windows/boot.py``; the engine waits for the host to come back after a reboot and
observes again, so a version that did not appear is a failure, not a success.
"""

from __future__ import annotations

import dataclasses
import os
import typing as t

from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.change import Change, Operation, Outcome
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.execute import Procedure
from ansible_collections.winremote.remoting.plugins.plugin_utils.errors import InvalidArgumentError, WinRemoteError
from ansible_collections.winremote.remoting.plugins.plugin_utils.prerequisites import catalogue as catalog
from ansible_collections.winremote.remoting.plugins.plugin_utils.prerequisites import plan as planning
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures import remoting_info
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import boot, os_info, packages, registry
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import batch
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.protocol import Client

ENVIRONMENT_KEY = r"HKLM\SYSTEM\CurrentControlSet\Control\Session Manager\Environment"
ARCHITECTURES = {"amd64": "x64", "x86": "x86"}


@dataclasses.dataclass(frozen=True)
class Request:
    """The module's options, validated before connecting."""

    source: packages.Source
    catalogue: catalog.Catalogue
    target_wmf: str | None = None
    performance_update: bool = True
    reboot: str = "if_required"
    reboot_timeout: int = 1200
    install_timeout: int = 3600

    def sizes(self) -> dict[str, int]:
        """The sizes of the files a controller directory holds (other sources: the catalogue's, when known)."""
        found: dict[str, int] = {}
        if self.source.kind == packages.CONTROLLER:
            for package in self.catalogue.packages:
                path = self.source.where(package.file)
                if os.path.isfile(path):
                    found[package.file] = os.path.getsize(path)
        return found


def request_from_args(args: t.Mapping[str, t.Any]) -> Request:
    """The request from the module's options; raises InvalidArgumentError naming the option (no I/O on the host)."""
    for option in ("reboot_timeout", "install_timeout"):
        if int(args[option]) < 1:
            raise InvalidArgumentError(option, f"must be at least 1 second, not {args[option]}")
    source = packages.parse_source(str(args["source"]))
    if source.kind == packages.CONTROLLER and not os.path.isdir(source.location):
        raise InvalidArgumentError("source", f"{source.location} is not a directory on the controller")
    return Request(
        source=source,
        catalogue=catalog.load(args.get("catalog") or (), args.get("checksums") or {}),
        target_wmf=args.get("target_wmf"),
        performance_update=bool(args["performance_update"]),
        reboot=str(args["reboot"]),
        reboot_timeout=int(args["reboot_timeout"]),
        install_timeout=int(args["install_timeout"]),
    )


@dataclasses.dataclass(frozen=True)
class PrerequisiteState:
    remoting: remoting_info.RemotingState
    facts: planning.HostFacts
    staging: str
    pending: boot.PendingReboot

    def versions(self) -> dict[str, t.Any]:
        software = self.remoting.software
        return {
            "os": self.remoting.os.version,
            "powershell_version": software.powershell_version,
            "dotnet_version": software.dotnet_version,
            "wsman_stack": self.remoting.wsman_stack_version,
        }


def result_names(cat: catalog.Catalogue) -> tuple[str, ...]:
    """Every name an earlier run may have left a result file under (installs and the WMF 3.0 removal)."""
    names = sorted(set(cat.names()))
    return (*names, *(name + planning.REMOVAL_SUFFIX for name in names if name.startswith("wmf-")))


def architecture(result: batch.BatchResult) -> str:
    key = registry.find_key(registry.parse_query(result.section("arch")), ENVIRONMENT_KEY)
    raw = str(key.get("PROCESSOR_ARCHITECTURE") or "") if key is not None else ""
    return ARCHITECTURES.get(raw.lower(), "unknown")


def system_root(result: batch.BatchResult) -> str | None:
    key = registry.find_key(registry.parse_query(result.section("os")), os_info.CURRENT_VERSION_KEY)
    value = key.get("SystemRoot") if key is not None else None
    return str(value) if value else None


class WmfPrerequisites(Procedure[PrerequisiteState, Request]):
    """observe -> plan -> install for Server Manager's prerequisites on 2008 .. 2012 R2."""

    awaited = "after its reboot"

    def __init__(self, request: Request) -> None:
        self.wait_seconds = float(request.reboot_timeout)  # the engine's wait after a reboot
        self.names = result_names(request.catalogue)

    def observe(self, client: Client) -> PrerequisiteState:
        """Server Manager's observation with the reboot markers and the architecture in its WinRS command (6
        requests), then one WinRS command for the result files under the SystemRoot it read (4) and one Get of the
        system drive's free space."""
        extra = [
            *boot.pending_reboot_probes(),
            batch.Probe("arch", registry.query_command(ENVIRONMENT_KEY, "PROCESSOR_ARCHITECTURE")),
        ]
        seen = remoting_info.observe_with(client, extra)
        state = seen.state
        state.require_read("plan the prerequisites")
        root = system_root(seen.result)
        if root is None:
            raise WinRemoteError(
                "cannot plan the prerequisites: the host did not give its SystemRoot (HKLM\\SOFTWARE\\Microsoft\\"
                "Windows NT\\CurrentVersion); check that the account may read that key, then rerun"
            )
        pending = boot.parse_pending(seen.result)
        if pending.unread:
            raise WinRemoteError("cannot plan the prerequisites: " + "; ".join(pending.unread))
        staging = packages.staging_dir(root)
        reads = {name: packages.result_read(f"result.{index}", staging, name) for index, name in enumerate(self.names)}
        found = batch.run(client, [probe for read in reads.values() for probe in read.probes])
        results = {name: code for name, read in reads.items() if (code := read.parse(found)) is not None}
        free, _size = boot.read_free_space(client, root[:2])
        facts = planning.HostFacts(
            windows_version=state.os.major_minor,
            release=state.os.release,
            architecture=architecture(seen.result),
            powershell_version=state.software.powershell_version,
            dotnet_release=state.software.dotnet_release,
            hotfixes=state.software.hotfixes,
            reboot_pending=pending.required,
            results=results,
            free_bytes=free,
        )
        return PrerequisiteState(state, facts, staging, pending)

    def plan(self, state: PrerequisiteState, request: Request) -> list[Change]:
        sizes = request.sizes()
        steps = planning.plan(
            state.facts,
            planning.PlanRequest(
                request.target_wmf, request.performance_update, request.reboot, request.catalogue, sizes
            ),
        ).steps
        return [self.change(state, request, step, sizes) for step in steps]

    def change(
        self, state: PrerequisiteState, request: Request, step: planning.Step, sizes: t.Mapping[str, int]
    ) -> Change:
        if step.action == "reboot":
            when = "reboot if a package asks for it" if step.when == "if_required" else "reboot"
            return Change("reboot", None, step.when, f"{when}: {step.reason}", boot.Reboot(step.when))
        package = step.package
        if package is None:
            raise WinRemoteError(f"internal: a {step.action} step without a package")
        size = sizes.get(package.file, package.size)
        shown = f"{package.file}, {human(size)}" if size else package.file
        what = f"{package.name}" + (f" ({package.kb})" if package.kb else "")
        operation: Operation
        if step.action == "remove":
            operation = packages.RemovePackage(
                name=package.name + planning.REMOVAL_SUFFIX,
                kb=package.kb or "",
                staging=state.staging,
                install_timeout=request.install_timeout,
            )
            return Change(
                f"packages.{package.name}", "installed", "removed", f"remove {what}: {step.reason}", operation
            )
        operation = packages.InstallPackage(
            name=package.name,
            file=package.file,
            package_kind=package.kind,
            cabs=package.cabs,
            sha256=package.sha256 or "",
            arguments=package.arguments,
            source=request.source,
            staging=state.staging,
            windows_version=state.facts.windows_version,
            install_timeout=request.install_timeout,
        )
        return Change(
            f"packages.{package.name}", "absent", "installed", f"install {what} ({shown}): {step.reason}", operation
        )

    def settled_after(self, client: Client, request: Request, operation: Operation) -> str | None:
        if isinstance(operation, boot.Reboot):
            return operation.came_back(client)
        return None

    def interrupted(self, error: WinRemoteError, done: t.Sequence[Change]) -> WinRemoteError:
        if not done:
            return error
        restated = WinRemoteError(f"{error} (done before this failure and kept: {'; '.join(c.summary for c in done)})")
        restated.kind = error.kind  # the same kind of failure, whatever its constructor takes
        return restated

    def facts(self, outcome: Outcome[PrerequisiteState], request: Request) -> tuple[dict[str, t.Any], list[str]]:
        final = outcome.after or outcome.before
        rows = []
        sizes = request.sizes()
        rebooted = False
        for change in outcome.changes:
            op = change.operation
            if isinstance(op, boot.Reboot):
                rebooted = rebooted or bool(op.outcome.get("rebooted"))
                continue
            if isinstance(op, (packages.InstallPackage, packages.RemovePackage)):
                rows.append(
                    {
                        "name": change.target.split(".", 1)[1],
                        "kb": getattr(op, "kb", None),
                        "file": getattr(op, "file", None),
                        "size": sizes.get(getattr(op, "file", ""), None),
                        "action": "remove" if isinstance(op, packages.RemovePackage) else "install",
                        "exit_code": op.outcome.get("exit_code"),
                    }
                )
        awaiting = (
            planning.plan(
                final.facts,
                planning.PlanRequest(request.target_wmf, request.performance_update, "never", request.catalogue, {}),
            ).awaiting_reboot
            if outcome.after is not None
            else ()
        )
        reboot_required = bool(final.pending.markers) or bool(awaiting)
        warnings = []
        if reboot_required and outcome.applied:
            warnings.append("the host needs a reboot before the installed packages take effect (reboot: never)")
        verdict = final.remoting.verdict()
        return (
            {
                "packages": rows,
                "reboot_required": reboot_required,
                "rebooted": rebooted,
                "before": outcome.before.versions(),
                "after": outcome.after.versions() if outcome.after is not None else None,
                "status": verdict.status,
                "status_reasons": list(verdict.reasons),
            },
            warnings,
        )


def human(size: int) -> str:
    """A file size as the plan shows it: bytes below 1 KiB, else KiB, MiB or GiB with one decimal."""
    if size < 1024:
        return f"{size} bytes"
    scaled = size / 1024
    for unit in ("KiB", "MiB"):
        if scaled < 1024:
            return f"{scaled:.1f} {unit}"
        scaled /= 1024
    return f"{scaled:.1f} GiB"
