# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Changes of PowerShell session configurations (WinRM plugins) and of local group membership.

A WS-Man Put of ``winrm/config/plugin?Name=<name>`` (winsim.wsman.plugin_config) and ``Set-PSSessionConfiguration``
/ ``Disable-PSSessionConfiguration`` change the same two things: the plugin's ``Enabled`` attribute and the Sddl of
its resource's Security element. ASSUMPTION (UNVERIFIED): WinRM applies a plugin Put to new shells without a
restart; Set-PSSessionConfiguration restarts the service itself (its -NoServiceRestart switch), which the WS-Man Put
does not, so no restart effect is returned.
"""

from __future__ import annotations

from winsim import security
from winsim.ops.errors import InvalidValue, NotFound
from winsim.state import HostState, SessionConfiguration


def find_session_configuration(state: HostState, name: str) -> SessionConfiguration:
    config = security.find_configuration(state, name)
    if config is None:
        raise NotFound(f"no session configuration {name}")
    return config


def set_session_configuration(
    state: HostState, name: str, *, enabled: bool | None = None, sddl: str | None = None
) -> SessionConfiguration:
    """Validate both values first, then change them (a refused value changes nothing)."""
    config = find_session_configuration(state, name)
    if sddl is not None:
        try:
            security.check_sddl(sddl)
        except security.SddlInvalid:
            raise InvalidValue("The security descriptor specified is not valid.") from None
    if enabled is not None:
        config.enabled = enabled
    if sddl is not None:
        config.sddl = sddl
    return config


def add_group_member(state: HostState, group: str, member: str) -> None:
    """``net localgroup <group> <member> /add``: the group must exist on this release."""
    if not security.has_group(state, group) or group in ("Administrators", "Users"):
        raise NotFound(f"no local group {group} whose members the simulator keeps")
    members = state.local_groups.setdefault(group, [])
    if member.lower() not in (m.lower() for m in members):
        members.append(member)
