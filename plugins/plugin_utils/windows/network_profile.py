# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The network category (Public, Private, Domain) of each network a host is connected to.

Read with one WS-Enumeration of MSFT_NetConnectionProfile (root/StandardCimv2), what ``Get-NetConnectionProfile``
shows: ``NetworkCategory`` 0 is Public, 1 Private, 2 DomainAuthenticated (Microsoft Learn, "MSFT_NetConnectionProfile
class", https://learn.microsoft.com/previous-versions/windows/desktop/networklistmanagerapi/msft-netconnectionprofile).
The class exists from Windows 8 / Server 2012 on; an older Windows answers that the resource does not exist, and its
categories are then unknown (never guessed: a caller refuses what depends on them).
"""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET

from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import winrm_config
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import cim
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import errors as wire
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import xml as wx
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.protocol import Client

NAMESPACE = "root/StandardCimv2"
CLASS = "MSFT_NetConnectionProfile"
CATEGORIES = {0: "Public", 1: "Private", 2: "Domain"}


@dataclasses.dataclass(frozen=True)
class NetworkProfiles:
    """The connected networks' categories (None: not known, and ``unknown`` says why)."""

    categories: tuple[str, ...] | None
    unknown: str | None = None

    @property
    def public(self) -> bool | None:
        return None if self.categories is None else "Public" in self.categories


def parse(items: list[ET.Element]) -> NetworkProfiles:
    """The categories of enumerated MSFT_NetConnectionProfile instances; a value outside 0-2 is not guessed at."""
    found: list[str] = []
    for item in items:
        text = ""
        for node in item.iter():
            if wx.local_name(node.tag) == "NetworkCategory":
                text = (node.text or "").strip()
                break
        category = CATEGORIES.get(int(text)) if text.isascii() and text.isdigit() else None
        if category is None:
            return NetworkProfiles(None, f"{CLASS} answered a NetworkCategory of {text[:20]!r}")
        found.append(category)
    return NetworkProfiles(tuple(found))


def read(client: Client) -> NetworkProfiles:
    """One Enumerate (and Pulls, if the host sends more than one reply holds)."""
    try:
        items = client.enumerate(cim.cim_uri(NAMESPACE, CLASS))
    except wire.WSManFaultError as exc:
        if winrm_config.fault_code(exc) in winrm_config.PLUGIN_ABSENT_CODES:
            return NetworkProfiles(None, f"this Windows has no {CLASS} (it exists from Windows 8 / Server 2012 on)")
        return NetworkProfiles(None, f"{CLASS} could not be read: {winrm_config.unread_reason(exc)}")
    except winrm_config.UNREAD_ERRORS as exc:
        return NetworkProfiles(None, f"{CLASS} could not be read: {winrm_config.unread_reason(exc)}")
    return parse(items)
