# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tell a registry key that is absent from one that could not be read, without parsing localised text.

``reg query`` exits 1 both for a key that does not exist and for one whose access control list refuses the caller,
and only its (translated) message differs ("reg query" on Microsoft Learn; exit codes 0 = success, 1 = failure:
https://pg-fl.jp/doscmd/reg.en.htm). A read that failed is therefore *unread*, never *absent*, unless the host proves
the absence: the nearest readable parent key lists its subkeys, and the key (or the missing part of its path) is not
among them. The proof runs in the same batched command, only after a failure, and costs no round trip:

``reg query KEY && echo <ok> || ((echo <list 1> & reg query PARENT) && echo <read 1> || (... grandparent ...))``

Each level stops at an anchor, a key every Windows has (``HKLM\\SOFTWARE\\Microsoft``, ``HKLM\\SOFTWARE\\Policies``):
past it there is nothing left to prove. Only the exit code (0 when the key could be read) and the key paths that
``reg query`` prints are relied on, both the same in every Windows language.
"""

from __future__ import annotations

import dataclasses
import typing as t

from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import registry
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import batch

ANCHORS = (
    r"HKLM\SOFTWARE\Microsoft",
    r"HKLM\SOFTWARE\Policies",
    r"HKLM\SYSTEM\CurrentControlSet\Services",
)

READ = "read"
ABSENT = "absent"
UNREAD = "unread"


@dataclasses.dataclass(frozen=True)
class Presence:
    """What the host proved about one key: read (it answered), absent (proved missing) or unread (with why)."""

    probe: str
    key: str
    state: str
    reason: str = ""

    def message(self) -> str:
        return f"{self.key} could not be read: {self.reason}"


def _marker(name: str, suffix: str) -> str:
    return f"{batch.MARKER_PREFIX}{name}.{suffix}{batch.MARKER_SUFFIX}"


def parents(key: str) -> list[str]:
    """The keys above ``key`` up to and including its anchor; empty when the key is not under an anchor."""
    lowered = key.lower()
    anchor = next((a for a in ANCHORS if lowered.startswith(a.lower() + "\\")), None)
    if anchor is None:
        return []
    found: list[str] = []
    current = key
    while len(current) > len(anchor):
        current = current.rsplit("\\", maxsplit=1)[0]
        found.append(current)
    return found


def _trail(name: str, key: str, may_be_absent: bool) -> str:
    levels = parents(key) if may_be_absent else []
    trail = ""
    for index in reversed(range(len(levels))):
        level = levels[index]
        listing = f"(echo {_marker(name, f'list{index + 1}')} & {registry.query_command(level)})"
        step = f"{listing} && echo {_marker(name, f'read{index + 1}')}"
        trail = f"{step} || ({trail})" if trail else step
    return trail


def with_proof(name: str, command: str, key: str, may_be_absent: bool) -> str:
    """``command`` (a ``reg query`` of ``key`` that prints into the probe's section) followed by the proof."""
    proved = f"{command} && echo {_marker(name, 'ok')}"
    trail = _trail(name, key, may_be_absent)
    return f"{proved} || ({trail})" if trail else proved


def key_probe(name: str, key: str, may_be_absent: bool = False) -> batch.Probe:
    """Read a whole key; its section holds ``reg query`` output, and the proof tells absent from unread."""
    return batch.Probe(name, with_proof(name, registry.query_command(key), key, may_be_absent))


def presence_probe(name: str, key: str, may_be_absent: bool = False) -> batch.Probe:
    """Only the proof, for a key whose values other probes read one by one (``reg query KEY /v NAME``, or a ``/f``
    search, which also exits 1 when nothing matched); the listing goes to nul."""
    command = f"{registry.query_command(key)} >nul 2>&1"
    return batch.Probe(name, with_proof(name, command, key, may_be_absent))


def _lists(section: str, path: str) -> bool:
    """Whether a ``reg query`` listing names the key ``path`` (case-insensitive, either hive spelling)."""
    wanted = registry.short_path(path).lower()
    return any(registry.short_path(line.strip()).lower() == wanted for line in section.splitlines())


def presence(result: batch.BatchResult, name: str, key: str, may_be_absent: bool = False) -> Presence:
    """Read the proof a :func:`key_probe` or :func:`presence_probe` left in the output."""
    if f"{name}.ok" in result.sections:
        return Presence(name, key, READ)
    if name not in result.sections:
        return Presence(name, key, UNREAD, "the host's answer ended before this read")
    levels = parents(key) if may_be_absent else []
    below = key
    for index, level in enumerate(levels, start=1):
        if f"{name}.read{index}" in result.sections:
            if _lists(result.section(f"{name}.list{index}"), below):
                return Presence(name, key, UNREAD, f"{below} exists but reg.exe could not read it (access denied?)")
            return Presence(name, key, ABSENT)
        below = level
    if levels:
        return Presence(name, key, UNREAD, f"reg.exe could read neither it nor {levels[-1]}")
    return Presence(name, key, UNREAD, "reg.exe could not read it (this key exists on every Windows: access denied?)")


def unread_messages(presences: t.Iterable[Presence]) -> list[str]:
    return [p.message() for p in presences if p.state == UNREAD]
