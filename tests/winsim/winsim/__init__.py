# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""winsim: simulated Windows Server hosts speaking WS-Management on 127.0.0.x, for testing winremote.remoting."""

from __future__ import annotations

from winsim.fleet import Fleet
from winsim.host import SimulatedHost
from winsim.profiles import PROFILES
from winsim.state import HostState

__all__ = ["PROFILES", "Fleet", "HostState", "SimulatedHost"]
