# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""`Configure-SMRemoting.exe -get | -enable | -disable` (Server 2012 and later; 2008 R2 only has the .ps1)."""

from __future__ import annotations

from winsim import firewall, rules
from winsim.state import HostState
from winsim.wsman.commands import CommandResult, Invocation, not_recognized
from winsim.wsman.commands.winrm import WINRM_RULES, quickconfig_changes


def is_enabled(state: HostState) -> bool:
    """Service Automatic and running, an enabled HTTP */5985 listener, WINRM-HTTP-In-TCP enabled."""
    name = state.find_service("WinRM")
    if name is None or state.service_start_mode(name)[0] != "Auto" or not rules.winrm_running(state):
        return False
    listener = any(
        x.enabled and x.address == "*" and x.transport == "HTTP" and x.port == 5985
        for x in rules.effective_listeners(state)
    )
    rule = firewall.get_rule(state.registry, "WINRM-HTTP-In-TCP")
    return listener and rule is not None and rule.enabled


def disable(state: HostState) -> None:
    state.listeners = [x for x in state.listeners if not (x.address == "*" and x.transport == "HTTP")]
    for rule_id in WINRM_RULES:
        rule = firewall.get_rule(state.registry, rule_id, "local")
        if rule is not None and rule.enabled:
            rule.enabled = False
            firewall.save_rule(state.registry, rule)


def run(inv: Invocation) -> CommandResult:
    if tuple(int(x) for x in inv.state.os_version.split(".")[:2]) < (6, 2):
        return not_recognized("Configure-SMRemoting.exe")
    flags = [a.lower().lstrip("-/") for a in inv.args]
    # The -get texts: "enabled" is seen in scripts, "disabled" is UNVERIFIED; -enable/-disable texts are ours.
    if "get" in flags:
        word = "enabled" if is_enabled(inv.state) else "disabled"
        return CommandResult(stdout=f"Server Manager Remoting is {word}\r\n")
    if "enable" in flags:
        quickconfig_changes(inv.state)
        return CommandResult(stdout="Server Manager Remoting is enabled\r\n", effects={"restart_winrm"})
    if "disable" in flags:
        disable(inv.state)
        return CommandResult(stdout="Server Manager Remoting is disabled\r\n", effects={"restart_winrm"})
    return CommandResult(stderr="Usage: Configure-SMRemoting.exe -get | -enable | -disable\r\n", rc=87)
