"""Many read-only probes in one WinRS command, so observing a host costs four WS-Man round trips.

Each probe is a locale-independent command line (``reg query``, ``sc qc``, ``winrm get -format:xml``); the
probes run in one ``cmd.exe /c`` joined by ``&`` (each runs whatever the previous one returned), and an
``echo`` of a marker line before each lets the output be split back into sections.
"""

from __future__ import annotations

import dataclasses
import typing as t

MARKER_PREFIX = "==winremote:"
MARKER_SUFFIX = "=="
# cmd.exe refuses command lines longer than 8191 characters.
MAX_COMMAND_LINE = 8191


class CommandRunner(t.Protocol):
    def run_command(self, command: str, arguments: t.Sequence[str] = ()) -> t.Any: ...


@dataclasses.dataclass(frozen=True)
class Probe:
    name: str  # letters, digits, '_' and '.' only: it is echoed by cmd.exe
    command: str


def command_line(probes: t.Sequence[Probe]) -> str:
    """The single cmd.exe line that runs every probe behind its marker."""
    for probe in probes:
        if not probe.name.replace("_", "").replace(".", "").isalnum():
            raise ValueError(f"probe name {probe.name!r} must be alphanumeric")
    line = " & ".join(f"echo {MARKER_PREFIX}{p.name}{MARKER_SUFFIX} & {p.command}" for p in probes)
    if len(line) > MAX_COMMAND_LINE - len("cmd.exe /c "):
        raise ValueError(f"batched probe line is {len(line)} characters, more than cmd.exe accepts")
    return line


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


def run(client: CommandRunner, probes: t.Sequence[Probe]) -> BatchResult:
    """Run every probe in one WinRS command and split the output by probe."""
    result = client.run_command("cmd.exe", ["/c", command_line(probes)])
    return BatchResult(split_sections(result.stdout), result.stderr, result.rc)
