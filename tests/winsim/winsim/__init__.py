# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""winsim: simulated Windows Server hosts speaking WS-Management on 127.0.0.x, for testing winremote.remoting."""

from __future__ import annotations

from winsim import console
from winsim.fleet import Fleet
from winsim.host import SimulatedHost
from winsim.profiles import PROFILES
from winsim.state import HostState
from winsim.wsman import commands

# The one place the layers meet: the model runs command lines (WinRS, scheduled tasks) through the Console seam,
# and cmd.exe with its tools (winsim.wsman.commands) is the interpreter behind it.
console.install(commands)

__all__ = ["PROFILES", "Fleet", "HostState", "SimulatedHost"]
