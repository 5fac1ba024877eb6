# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Which packages to remove, install and when to reboot, from what the host shows; pure, so every path is testable.

The defaults are what Server Manager needs ("Configure remote Management in Server Manager",
https://learn.microsoft.com/windows-server/administration/server-manager/configure-remote-management-in-server-manager).
The WMF chains follow the WMF install notes
(https://learn.microsoft.com/powershell/scripting/windows-powershell/wmf/setup/install-configure): WMF 5.1 on
2008 R2 needs .NET 4.5.2 and WMF 3.0 removed first; WMF 5.0 there needs WMF 4.0 in effect. Every refusal is raised
before anything is transferred, naming the option to change.
"""

from __future__ import annotations

import dataclasses
import typing as t

from ansible_collections.winremote.remoting.plugins.plugin_utils.errors import WinRemoteError
from ansible_collections.winremote.remoting.plugins.plugin_utils.prerequisites.catalogue import (
    Catalogue,
    Package,
    normalise_arch,
    version_text,
)

SUCCESS_CODES = frozenset((0, 3010, 1641, 2359302))
REMOVAL_SUFFIX = "-removal"
MIB = 1024 * 1024
SPACE_FACTOR = 4  # the file, its expanded cabs and the servicing stack's copies
SPACE_RESERVE = 200 * MIB

DOTNET_RELEASE = {"4.0": 0, "4.5": 378389, "4.5.2": 379893, "4.6": 393295, "4.8": 528040}
# the PowerShell each Windows version ships with
INCLUDED_WMF = {(6, 0): "2.0", (6, 1): "2.0", (6, 2): "3.0", (6, 3): "4.0"}
DEFAULT_TARGET = {(6, 0): "3.0", (6, 1): "4.0", (6, 2): "5.1", (6, 3): "5.1"}
# the targets each Windows version can take (WMF 3.0 is the last one for 2008)
TARGETS = {
    (6, 0): ("3.0",),
    (6, 1): ("3.0", "4.0", "5.0", "5.1"),
    (6, 2): ("4.0", "5.0", "5.1"),
    (6, 3): ("5.0", "5.1"),
}
PERFORMANCE_UPDATE_VERSIONS = ((6, 0), (6, 1))
NAMES = {
    (6, 0): "Windows Server 2008",
    (6, 1): "Windows Server 2008 R2",
    (6, 2): "Windows Server 2012",
    (6, 3): "Windows Server 2012 R2",
}


class PrerequisitePlanError(WinRemoteError):
    """The prerequisites cannot be planned for this host and these options; nothing was changed."""

    kind = "prerequisites"


@dataclasses.dataclass(frozen=True)
class HostFacts:
    windows_version: tuple[int, int]
    release: str | None
    architecture: str  # x64, x86 or unknown
    powershell_version: str | None
    dotnet_release: int | None  # None: no .NET 4; 0: 4.0
    hotfixes: tuple[str, ...]
    reboot_pending: bool
    results: t.Mapping[str, int]  # package name -> exit code a previous run left
    free_bytes: int | None


@dataclasses.dataclass(frozen=True)
class PlanRequest:
    target_wmf: str | None
    performance_update: bool
    reboot: str  # if_required, never, always
    catalogue: Catalogue
    sizes: t.Mapping[str, int]  # file -> bytes known on the controller


@dataclasses.dataclass(frozen=True)
class Step:
    action: str  # install, remove, reboot
    package: Package | None
    reason: str
    when: str = "always"  # reboots: always or if_required


@dataclasses.dataclass(frozen=True)
class Plan:
    steps: tuple[Step, ...]
    awaiting_reboot: tuple[str, ...]  # installed by an earlier run, in effect after the next reboot
    required: tuple[str, ...]  # package names wanted
    notes: tuple[str, ...]


@dataclasses.dataclass
class Wanted:
    """One package this run wants, with the reason, in install order."""

    name: str
    action: str
    reason: str
    satisfied: bool
    barrier: bool = False  # what follows needs it in effect (a reboot) first
    result_name: str = ""

    def __post_init__(self) -> None:
        self.result_name = self.result_name or self.name


def default_target(windows_version: tuple[int, int]) -> str | None:
    """The WMF Server Manager needs on this Windows version; None when it is included (2016 and later)."""
    return DEFAULT_TARGET.get(windows_version)


def required_dotnet(windows_version: tuple[int, int], target: str) -> str:
    """The .NET Framework version to install with WMF ``target`` on this Windows version."""
    if windows_version in ((6, 2), (6, 3)):
        return "4.6"
    if target == "3.0":
        return "4.0"
    if target == "5.1":
        return "4.5.2"
    return "4.5"


def version_tuple(text: str | None) -> tuple[int, int]:
    parts = (text or "").split(".")
    try:
        return (int(parts[0]), int(parts[1]) if len(parts) > 1 else 0)
    except ValueError:
        return (0, 0)


def host_name(facts: HostFacts) -> str:
    if facts.release:
        return f"Windows Server {facts.release}"
    return NAMES.get(facts.windows_version, "Windows {}.{}".format(*facts.windows_version))


def awaiting(facts: HostFacts, name: str) -> bool:
    """Installed by an earlier run whose effect waits for the reboot still pending."""
    return facts.reboot_pending and facts.results.get(name) in SUCCESS_CODES


def wanted_packages(facts: HostFacts, target: str, performance_update: bool) -> list[Wanted]:
    version = facts.windows_version
    powershell = version_tuple(facts.powershell_version)
    have_wmf = powershell >= version_tuple(target)
    dotnet = required_dotnet(version, target)
    dotnet_ok = facts.dotnet_release is not None and facts.dotnet_release >= DOTNET_RELEASE[dotnet]
    wanted: list[Wanted] = []
    # the removal comes first: WMF 5.1 goes on only after WMF 3.0 is gone and the host rebooted (install-configure)
    if version == (6, 1) and target == "5.1" and powershell[0] == 3 and not have_wmf:
        wanted.append(
            Wanted(
                "wmf-3.0",
                "remove",
                "WMF 5.1 must not be installed over WMF 3.0 (PSModulePath is lost)",
                False,
                True,
                "wmf-3.0" + REMOVAL_SUFFIX,
            )
        )
    wanted.append(Wanted(f"dotnet-{dotnet}", "install", f"WMF {target} needs .NET Framework {dotnet}", dotnet_ok))
    if version == (6, 1) and target == "5.0":
        wanted.append(
            Wanted(
                "wmf-4.0",
                "install",
                "WMF 5.0 on Windows Server 2008 R2 needs WMF 4.0 in effect",
                powershell >= (4, 0),
                True,
            )
        )
    reason = "Server Manager needs it" if target == DEFAULT_TARGET.get(version) else f"target_wmf is {target}"
    wanted.append(
        Wanted(
            f"wmf-{target}", "install", f"{reason} (found PowerShell {facts.powershell_version or 'none'})", have_wmf
        )
    )
    if performance_update and version in PERFORMANCE_UPDATE_VERSIONS:
        kb = "KB2682011"
        wanted.append(
            Wanted(
                "kb2682011",
                "install",
                "lets Server Manager collect performance data",
                kb in {h.upper() for h in facts.hotfixes},
            )
        )
    return wanted


def check_target(facts: HostFacts, target: str | None) -> tuple[str | None, str | None]:
    """The target to plan for, or None with a note why nothing is needed; raises for what cannot be done."""
    version = facts.windows_version
    name = host_name(facts)
    if version >= (10, 0) or (version[0] == 6 and version[1] > 3):
        return None, f"{name} includes everything Server Manager needs: nothing to install"
    if version not in DEFAULT_TARGET:
        raise PrerequisitePlanError(
            f"target_wmf: {name} is not supported; prerequisites install on Windows Server 2008 to 2012 R2 only"
        )
    chosen = target or DEFAULT_TARGET[version]
    included = INCLUDED_WMF[version]
    if version_tuple(chosen) <= version_tuple(included):
        return None, f"{name} includes WMF {included}: target_wmf {chosen} needs nothing installed"
    if chosen not in TARGETS[version]:
        raise PrerequisitePlanError(
            f"target_wmf: WMF {chosen} does not install on {name}; the latest there is WMF {TARGETS[version][-1]}: "
            f"set target_wmf to {TARGETS[version][-1]} or leave it unset"
        )
    return chosen, None


def find(request: PlanRequest, facts: HostFacts, name: str) -> Package:
    package = request.catalogue.find(name, facts.windows_version, facts.architecture)
    if package is not None:
        return package
    host = host_name(facts)
    text = version_text(facts.windows_version)
    known = tuple(dict.fromkeys(p.arch for p in request.catalogue.packages if text in p.os))
    if normalise_arch(facts.architecture) not in known and known:
        raise PrerequisitePlanError(
            f"catalog: the catalogue has packages for {host} on {', '.join(known)} only, and the host is "
            f"{facts.architecture}; add catalog entries with arch {facts.architecture} for {name}"
        )
    raise PrerequisitePlanError(
        f"catalog: {name} is needed on {host} ({facts.architecture}) and the catalogue has none; add a catalog "
        f'entry with name {name} and os ["{facts.windows_version[0]}.{facts.windows_version[1]}"]'
    )


def plan(facts: HostFacts, request: PlanRequest) -> Plan:
    """The steps that bring the host to the target; raises PrerequisitePlanError before anything is transferred."""
    target, note = check_target(facts, request.target_wmf)
    if target is None:
        return Plan((), (), (), (note,) if note else ())
    wanted = wanted_packages(facts, target, request.performance_update)
    required = tuple(w.name for w in wanted if w.action == "install")
    waiting: list[str] = []
    before: list[Step] = []  # up to and including a barrier
    after: list[Step] = []
    barrier: Step | None = None  # planned in this run
    barrier_waiting = False
    for item in wanted:
        if item.satisfied:
            continue
        if awaiting(facts, item.result_name):
            waiting.append(item.result_name)
            barrier_waiting = barrier_waiting or item.barrier
            continue
        step = Step(item.action, find(request, facts, item.name), item.reason)
        (after if barrier is not None or barrier_waiting else before).append(step)
        if item.barrier:
            barrier = step
    check_checksums([s for s in before + after if s.action == "install"])
    notes: list[str] = []
    steps = sequence(before, after, barrier, barrier_waiting, facts, request.reboot, notes)
    if waiting:
        notes.append(f"installed by an earlier run, in effect after the pending reboot: {', '.join(waiting)}")
        if not steps and request.reboot != "never":
            steps.append(
                Step("reboot", None, f"{', '.join(waiting)} take effect at the next reboot", final_when(request.reboot))
            )
    check_space(facts, request, steps)
    if request.reboot == "always":
        notes.append(
            "reboot=always reboots only when this run changes something or an earlier run's packages wait for it"
        )
    return Plan(tuple(steps), tuple(waiting), required, tuple(notes))


def final_when(reboot: str) -> str:
    """The ``when`` of the reboot after the installs: always as asked, or only if a package says it needs one."""
    return "always" if reboot == "always" else "if_required"


def sequence(
    before: list[Step],
    after: list[Step],
    barrier: Step | None,
    barrier_waiting: bool,
    facts: HostFacts,
    reboot: str,
    notes: list[str],
) -> list[Step]:
    """The installs joined by the reboots they need: a pending one first, one between a barrier (a removal, or a
    package the next one needs in effect) and what follows, one at the end as the ``reboot`` option says."""
    steps: list[Step] = []
    if not before and not after:
        return steps
    if facts.reboot_pending and reboot != "never":
        steps.append(Step("reboot", None, "a reboot was already pending"))
    elif facts.reboot_pending:
        notes.append("a reboot was already pending and reboot is never: installing without it")
    steps.extend(before)
    if after and (barrier is not None or barrier_waiting):
        if reboot == "never":
            what = describe(barrier) if barrier is not None else "a change an earlier run made"
            raise PrerequisitePlanError(
                f"reboot: {what} must take effect (a reboot) before {describe(after[0])} "
                "installs; set reboot to if_required or always, or reboot the host and rerun"
            )
        if barrier is not None:
            steps.append(Step("reboot", None, f"{describe(barrier)} must take effect before the next package installs"))
    steps.extend(after)
    if reboot == "always":
        steps.append(Step("reboot", None, "reboot is always", "always"))
    elif reboot == "if_required":
        steps.append(Step("reboot", None, "the packages take effect at the next reboot", "if_required"))
    return steps


def describe(step: Step) -> str:
    name = step.package.name if step.package else "the package"
    return f"the removal of {name}" if step.action == "remove" else name


def check_checksums(installs: list[Step]) -> None:
    missing = [s.package.file for s in installs if s.package is not None and s.package.sha256 is None]
    if missing:
        raise PrerequisitePlanError(
            f"checksums: no SHA-256 for {', '.join(missing)} (Microsoft publishes none); compute it from the file you "
            "downloaded (certutil -hashfile <file> SHA256, or sha256sum) and pass it in checksums"
        )


def check_space(facts: HostFacts, request: PlanRequest, steps: list[Step]) -> None:
    staged = [s.package for s in steps if s.action == "install" and s.package is not None]
    if facts.free_bytes is None or not staged:
        return
    total = sum(request.sizes.get(p.file, request.sizes.get(p.name, p.size or 0)) or 0 for p in staged)
    needed = total * SPACE_FACTOR + SPACE_RESERVE
    if facts.free_bytes < needed:
        raise PrerequisitePlanError(
            f"the system drive has {facts.free_bytes // MIB} MiB free and the packages need {needed // MIB} MiB "
            f"({SPACE_FACTOR} x {total // MIB} MiB of files + {SPACE_RESERVE // MIB} MiB); "
            "free space on the system drive and rerun"
        )
