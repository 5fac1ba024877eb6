# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Who is in the server pool: static names, addresses and CIDR ranges, and text files in Server Manager's import
format ("Add Servers", Import tab: one computer name or IP address per line,
https://learn.microsoft.com/windows-server/administration/server-manager/add-servers-to-server-manager).

Every source yields entries (strings, or :class:`Entry` when the source knows more: the server groups of a
ServerList.xml, the attributes of a directory's computer object); :func:`collect` expands ranges, deduplicates and
sorts them, merging what each source said of the same host. A new source only has to produce entries.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import typing as t

from ansible_collections.winremote.remoting.plugins.plugin_utils.errors import InvalidArgumentError


class SourceError(InvalidArgumentError):
    """A source that cannot be used (a range above the limit, an unreadable file); names the option."""

    kind = "invalid_source"


@dataclasses.dataclass(frozen=True)
class Entry:
    """One server as a source names it: ``text`` is a name, an address or a CIDR range; ``groups`` are the source's
    own groups (Server Manager's server groups); ``details`` what the source knows of it (directory attributes)."""

    text: str
    groups: tuple[str, ...] = ()
    details: tuple[tuple[str, str], ...] = ()


@dataclasses.dataclass(frozen=True, order=True)
class Target:
    """One host of the pool: its inventory name, the address (or DNS name) to probe, and what the sources said."""

    sort_key: tuple[t.Any, ...] = dataclasses.field(repr=False, compare=True)
    name: str = dataclasses.field(compare=False)
    address: str = dataclasses.field(compare=False)
    groups: tuple[str, ...] = dataclasses.field(default=(), compare=False)
    details: tuple[tuple[str, str], ...] = dataclasses.field(default=(), compare=False)

    def merged(self, other: Target) -> Target:
        """This target with ``other``'s groups and details added (the first source's details win)."""
        groups = tuple(dict.fromkeys(self.groups + other.groups))
        details = dict(other.details)
        details.update(self.details)
        return dataclasses.replace(self, groups=groups, details=tuple(sorted(details.items())))


def range_size(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> int:
    """How many host addresses ``network.hosts()`` yields, without listing them."""
    if network.prefixlen >= network.max_prefixlen - 1:
        return network.num_addresses
    return network.num_addresses - (2 if network.version == 4 else 1)


def target_for(entry: str) -> Target:
    """A name or an address as a target; addresses are normalised (so 10.0.0.01 and 10.0.0.1 are one host)."""
    try:
        address = ipaddress.ip_address(entry)
    except ValueError:
        name = entry.rstrip(".").lower()
        return Target((1, 0, name), name, name)
    return Target((0, address.version, int(address)), str(address), str(address))


def expand(entry: str | Entry, max_range_hosts: int, source: str = "hosts") -> list[Target]:
    """One entry: a CIDR range becomes its host addresses (refused above ``max_range_hosts``), anything else one
    target; an :class:`Entry`'s groups and details go to every target it yields."""
    if isinstance(entry, Entry):
        return [
            dataclasses.replace(target, groups=entry.groups, details=tuple(sorted(entry.details)))
            for target in expand(entry.text, max_range_hosts, source)
        ]
    entry = entry.strip()
    if not entry:
        return []
    if "/" not in entry:
        return [target_for(entry)]
    try:
        network = ipaddress.ip_network(entry, strict=False)
    except ValueError as exc:
        raise SourceError(source, f"{entry!r} is not a CIDR range: {exc}") from None
    size = range_size(network)
    if size > max_range_hosts:
        raise SourceError(
            source,
            f"the range {entry} holds {size} host addresses, more than max_range_hosts={max_range_hosts}; "
            "split the range or raise max_range_hosts",
        )
    return [target_for(str(address)) for address in network.hosts()]


def parse_import_file(text: str) -> list[str]:
    """Entries of a Server Manager import file: one per line; blank lines and ``#`` comments (whole-line or after
    the entry) are ignored."""
    entries = []
    for line in text.splitlines():
        entry = line.split("#", 1)[0].strip()
        if entry:
            entries.append(entry)
    return entries


def read_import_file(path: str) -> list[str]:
    """The entries of one import file; a file that cannot be read is a :class:`SourceError` naming it."""
    try:
        with open(path, encoding="utf-8-sig") as handle:
            return parse_import_file(handle.read())
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError("import_files", f"cannot read {path}: {exc}") from None


def collect(sources: t.Iterable[tuple[str, t.Iterable[str | Entry]]], max_range_hosts: int) -> list[Target]:
    """Every source's entries as one sorted list of unique targets: addresses first (numerically), then names; a
    host named by several sources is one target with all their groups. ``sources`` is (source name for messages,
    entries) pairs."""
    unique: dict[tuple[t.Any, ...], Target] = {}
    for source, entries in sources:
        for entry in entries:
            for target in expand(entry if isinstance(entry, Entry) else str(entry), max_range_hosts, source):
                known = unique.get(target.sort_key)
                unique[target.sort_key] = target if known is None else known.merged(target)
    return sorted(unique.values())
