# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The composite changes of `winrm quickconfig` and `Configure-SMRemoting.exe -enable | -disable`, made of the
listener, service and firewall operations."""

from __future__ import annotations

import enum

from winsim import firewall, rules
from winsim.ops.firewall import disable_firewall_rule, enable_firewall_rule
from winsim.ops.listeners import create_listener, find_listener, remove_local_listeners
from winsim.ops.services import set_start_mode, start_service
from winsim.state import HostState

WINRM_RULES = ("WINRM-HTTP-In-TCP", "WINRM-HTTP-In-TCP-PUBLIC")


class QuickconfigStep(enum.Enum):
    """One change `winrm quickconfig` made, in the order it makes them (winrm.cmd prints a line for each)."""

    START_MODE = "start_mode"
    STARTED = "started"
    LISTENER = "listener"
    FIREWALL = "firewall"


def quickconfig(state: HostState) -> list[QuickconfigStep]:
    """Apply what `winrm quickconfig` configures: WinRM Automatic (delayed) and running, an HTTP listener on `*`,
    the WinRM firewall rules of the local store enabled. Empty when there was nothing to do.
    ASSUMPTION: unlike real quickconfig this does not set LocalAccountTokenFilterPolicy (the simulator models
    the listener, service and firewall parts only)."""
    steps: list[QuickconfigStep] = []
    name = state.find_service("WinRM") or "WinRM"
    mode, delayed = state.service_start_mode(name)
    if mode != "Auto" or not delayed:
        set_start_mode(state, name, "Auto", delayed=True)
        steps.append(QuickconfigStep.START_MODE)
    if state.service_status.get(name) != "Running":
        start_service(state, name)
        steps.append(QuickconfigStep.STARTED)
    if find_listener(state, "*", "HTTP") is None:
        create_listener(state, "*", "HTTP")
        steps.append(QuickconfigStep.LISTENER)
    enabled = False
    for rule_id in WINRM_RULES:
        if firewall.get_rule(state.registry, rule_id, "local") is not None:
            enabled = enable_firewall_rule(state, rule_id, "local") or enabled
    if enabled:
        steps.append(QuickconfigStep.FIREWALL)
    return steps


def is_sm_remoting_enabled(state: HostState) -> bool:
    """Configure-SMRemoting -get: service Automatic and running, an enabled HTTP */5985 listener,
    WINRM-HTTP-In-TCP enabled."""
    name = state.find_service("WinRM")
    if name is None or state.service_start_mode(name)[0] != "Auto" or not rules.winrm_running(state):
        return False
    listener = any(
        x.enabled and x.address == "*" and x.transport == "HTTP" and x.port == 5985
        for x in rules.effective_listeners(state)
    )
    rule = firewall.get_rule(state.registry, "WINRM-HTTP-In-TCP")
    return listener and rule is not None and rule.enabled


def disable_sm_remoting(state: HostState) -> None:
    """Configure-SMRemoting -disable: no local `*`/HTTP listener, the WinRM rules of the local store disabled."""
    remove_local_listeners(state, "*", "HTTP")
    for rule_id in WINRM_RULES:
        if firewall.get_rule(state.registry, rule_id, "local") is not None:
            disable_firewall_rule(state, rule_id, "local")
