# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Many read-only probes in one WinRS command, so observing a host costs four WS-Man round trips.

Each probe is a locale-independent command line (``reg query``, ``sc qc``, ``certutil``); the
probes run in one ``cmd.exe /c`` joined by ``&`` (each runs whatever the previous one returned), and an
``echo`` of a marker line before each lets the output be split back into sections. When the probes do not fit
in one command line (cmd.exe takes at most 8191 characters, Microsoft Learn "Command prompt line string
limitation"), they run in as many WinRS commands as needed, each four round trips.
"""

from __future__ import annotations

import dataclasses
import typing as t

from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.protocol import Client

T = t.TypeVar("T")

MARKER_PREFIX = "==winremote:"
MARKER_SUFFIX = "=="
# cmd.exe refuses command lines longer than 8191 characters.
MAX_COMMAND_LINE = 8191
# What a batched line may hold: room for "cmd.exe /c " and for %SystemRoot% expanding to a longer path.
LINE_BUDGET = MAX_COMMAND_LINE - 200


@dataclasses.dataclass(frozen=True)
class Probe:
    name: str  # letters, digits, '_' and '.' only: it is echoed by cmd.exe
    command: str


def _piece(probe: Probe) -> str:
    if not (probe.name.replace("_", "").replace(".", "").isalnum() and probe.name.isascii()):
        raise ValueError(f"probe name {probe.name!r} must be alphanumeric")
    piece = f"echo {MARKER_PREFIX}{probe.name}{MARKER_SUFFIX} & {probe.command}"
    if len(piece) > LINE_BUDGET:
        raise ValueError(f"probe {probe.name} is {len(piece)} characters, more than one cmd.exe line holds")
    return piece


def command_lines(probes: t.Sequence[Probe]) -> list[str]:
    """cmd.exe lines that run every probe behind its marker, in order: one line when they fit, else as few as
    needed (a probe is never split)."""
    lines: list[str] = []
    current = ""
    for probe in probes:
        piece = _piece(probe)
        if current and len(current) + len(" & ") + len(piece) > LINE_BUDGET:
            lines.append(current)
            current = ""
        current = f"{current} & {piece}" if current else piece
    if current:
        lines.append(current)
    return lines


def command_line(probes: t.Sequence[Probe]) -> str:
    """The single cmd.exe line that runs every probe behind its marker (for callers that need exactly one)."""
    lines = command_lines(probes)
    if len(lines) > 1:
        total = sum(len(line) for line in lines)
        raise ValueError(f"batched probe line is {total} characters, more than cmd.exe accepts")
    return lines[0] if lines else ""


def split_sections(stdout: str) -> dict[str, str]:
    """Section texts by probe name; a probe whose marker never appeared is absent."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in stdout.splitlines():
        stripped = line.strip()
        if (
            stripped.startswith(MARKER_PREFIX)
            and stripped.endswith(MARKER_SUFFIX)
            and len(stripped) > len(MARKER_PREFIX) + 2
        ):
            current = sections.setdefault(stripped[len(MARKER_PREFIX) : -len(MARKER_SUFFIX)], [])
            continue
        if current is not None:
            current.append(line)
    return {name: "\n".join(lines) for name, lines in sections.items()}


@dataclasses.dataclass(frozen=True)
class BatchResult:
    sections: dict[str, str]
    stderr: str
    rc: int

    def section(self, name: str) -> str:
        return self.sections.get(name, "")

    def missing(self, probes: t.Iterable[Probe]) -> list[str]:
        return [p.name for p in probes if p.name not in self.sections]


def run(client: Client, probes: t.Sequence[Probe]) -> BatchResult:
    """Run the probes (one WinRS command when they fit in one line) and split the output by probe; the exit code is
    the last command's, as for a single line."""
    stdout, stderr, rc = "", "", 0
    for line in command_lines(probes):
        result = client.run_command("cmd.exe", ["/c", line])
        stdout += result.stdout if result.stdout.endswith("\n") or not result.stdout else result.stdout + "\r\n"
        stderr += result.stderr
        rc = result.rc
    return BatchResult(split_sections(stdout), stderr, rc)


@dataclasses.dataclass(frozen=True)
class Read(t.Generic[T]):
    """A typed read: the probes a facade needs and the parser that turns their sections into a value. Any mix of
    reads runs as one WinRS command (:func:`compose`, :func:`run`); each read then parses its own sections."""

    probes: tuple[Probe, ...]
    parse: t.Callable[[BatchResult], T]

    def value(self, result: BatchResult) -> T:
        return self.parse(result)


def compose(*groups: t.Iterable[Probe | Read[t.Any]]) -> list[Probe]:
    """The probes of every read (and plain probe), each name once: two reads may share a probe, never a name for
    two different commands."""
    probes: dict[str, Probe] = {}
    for group in groups:
        for item in group:
            for probe in item.probes if isinstance(item, Read) else (item,):
                known = probes.setdefault(probe.name, probe)
                if known.command != probe.command:
                    raise ValueError(f"probe name {probe.name} is used for two different commands")
    return list(probes.values())
