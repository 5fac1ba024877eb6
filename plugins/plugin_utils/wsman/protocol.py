# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the layers above the wire may call on a WS-Man client: one protocol, :class:`Client`.

Facades and procedures take a ``Client`` rather than a ``WSManClient`` so that unit tests can hand them a fake and
so that nothing above the wire reaches for its internals (``request``, actions, sessions). ``WSManClient``
(``wsman/client.py``) satisfies it; ``make mypy`` proves that with the typed function at the end of client.py.
"""

from __future__ import annotations

import typing as t
import xml.etree.ElementTree as ET

from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import cim, winrs

# A request body: an element, or XML text the client parses (and refuses when it is not XML).
Body = ET.Element | str | bytes | None
Selectors = t.Mapping[str, t.Any]
Options = t.Mapping[str, winrs.OptionValue]


class Client(t.Protocol):
    """WS-Transfer, WS-Enumeration, CIM methods and one WinRS command per call; every failure raises a
    :class:`~.errors.WinRemoteError` whose ``str()`` is one line."""

    def get(self, resource_uri: str, selectors: Selectors | None = None, options: Options | None = None) -> ET.Element:
        """WS-Transfer Get: the resource element."""

    def put(
        self, resource_uri: str, body: Body, selectors: Selectors | None = None, options: Options | None = None
    ) -> ET.Element | None:
        """WS-Transfer Put: the updated resource when the service echoes it."""

    def create(
        self, resource_uri: str, body: Body, selectors: Selectors | None = None, options: Options | None = None
    ) -> ET.Element:
        """WS-Transfer Create: ``ResourceCreated``, the new resource's EPR."""

    def delete(self, resource_uri: str, selectors: Selectors | None = None, options: Options | None = None) -> None:
        """WS-Transfer Delete."""

    def enumerate(self, resource_uri: str) -> list[ET.Element]:
        """WS-Enumeration Enumerate, then Pull until the end: every item of the resource."""

    def invoke(
        self,
        resource_uri: str,
        method: str,
        params: t.Mapping[str, t.Any] | None = None,
        selectors: Selectors | None = None,
        types: cim.TypeHints | None = None,
    ) -> dict[str, cim.CimValue]:
        """A CIM method; raises :class:`~.errors.CimMethodError` on a non-zero ReturnValue."""

    def run_command(self, command: str, arguments: t.Sequence[str] = ()) -> winrs.CommandResult:
        """One command in a WinRS shell: its decoded stdout, stderr and exit code."""

    def close(self) -> None:
        """Drop the connection; the next call logs in again."""
