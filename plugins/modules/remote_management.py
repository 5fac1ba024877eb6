#!/usr/bin/python
# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Documentation of remote_management; the work is done on the controller by the action plugin of the same name."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: remote_management
short_description: Make a Windows server remotely manageable (or not) in one task, on one observation
version_added: 0.1.0
description:
  - Applies the parts of Microsoft's remote management procedure that you choose, as one task. The parts are those
    of M(winremote.remoting.sm_remoting), M(winremote.remoting.firewall_rules) with the DCOM and Remote Event Log
    Management rules, M(winremote.remoting.winrm_policy) and M(winremote.remoting.token_filter_policy), with the
    same rules, refusals and results.
  - The host is observed once for all parts (a WS-Transfer Get of C(winrm/config/service), an Enumerate of the
    listeners and one WinRS command, 6 WS-Management round trips), so a run that changes nothing costs that and
    nothing else.
  - After changes the host is observed again, and the task fails unless that observation shows nothing left to do;
    RV(verified) says so. Check mode and C(--diff) show the plan without changing anything.
  - Every option is checked before the host is contacted; a bad value fails the task naming the option.
  - This is the module the C(winremote.remoting.remote_management) role runs.
author:
  - winremote.remoting maintainers (@winremote)
options:
  state:
    description:
      - V(enabled) makes the host remotely manageable, V(disabled) undoes it.
      - With V(disabled) the WinRM policy (when O(winrm_policy=true)) becomes V(not_configured), not V(disabled),
        which would make WinRM answer no one.
    type: str
    choices: [enabled, disabled]
    default: enabled
  sm_remoting:
    description:
      - Server Manager remote management, as M(winremote.remoting.sm_remoting) with O(state).
    type: bool
    default: true
  mmc_firewall_rules:
    description:
      - The DCOM and Remote Event Log Management firewall rules that MMC snap-ins and older tools need, as
        M(winremote.remoting.firewall_rules) with C(rule_set=dcom_remote_management) and O(state).
    type: bool
    default: true
  mmc_remote_address:
    description:
      - Remote addresses for the MMC rules, for example V([LocalSubnet]). Left as they are when omitted.
      - IPv4/IPv6 addresses, prefixes (V(10.0.0.0/8)), ranges (V(10.0.0.1-10.0.0.9)) and the keywords V(Any),
        V(LocalSubnet), V(DefaultGateway), V(DHCP), V(DNS), V(WINS) (and V(Internet), V(Intranet) on Windows
        Server 2012 and later), as M(winremote.remoting.firewall_rules) accepts them.
      - Only with O(state=enabled).
    type: list
    elements: str
  winrm_policy:
    description:
      - The local Group Policy "Allow remote server management through WinRM", as M(winremote.remoting.winrm_policy)
        sets it. V(enabled) with the filters below when O(state=enabled), V(not_configured) when O(state=disabled).
      - Off by default; domain environments usually set it in a domain GPO instead.
    type: bool
    default: false
  winrm_policy_ipv4_filter:
    description:
      - The local IPv4 addresses the policy's listener binds to (not the clients allowed in), as
        O(winremote.remoting.winrm_policy#module:ipv4_filter). Used only with O(winrm_policy=true) and
        O(state=enabled).
    type: str
    default: "*"
  winrm_policy_ipv6_filter:
    description:
      - The local IPv6 addresses the policy's listener binds to, as
        O(winremote.remoting.winrm_policy#module:ipv6_filter). Used only with O(winrm_policy=true) and
        O(state=enabled).
    type: str
    default: "*"
  token_filter_policy:
    description:
      - Set LocalAccountTokenFilterPolicy to follow O(state), as M(winremote.remoting.token_filter_policy), so that
        local administrators other than the built-in one can manage the host remotely.
      - Off by default because it weakens a protection against lateral movement; only workgroup hosts managed with
        such accounts need it.
    type: bool
    default: false
extends_documentation_fragment:
  - winremote.remoting.connection
  - winremote.remoting.self_disconnect
  - winremote.remoting.attributes
notes:
  - O(allow_self_disconnect) concerns the changes that the parts' own modules refuse without it, for example
    O(state=disabled) while the controller is connected over the HTTP listener on port 5985, or WinRM policy filters
    that leave out the address this connection uses. Those changes are made last; the task then reports
    RV(verified=false) and does not wait for the host.
  - The parts are planned in this order, on the one observation; changes that cut the connection run last. Token
    filter policy, WinRM policy, MMC firewall rules, Server Manager remote management.
  - A change that restarts WinRM (the WinRM policy, or creating or updating the HTTP listener) is guarded by one
    rollback, the SYSTEM scheduled task C(winremote-rollback-policy), which restores the previous settings after
    about 180 seconds unless the module cancels it when the host answers again (see M(winremote.remoting.winrm_policy)
    and M(winremote.remoting.sm_remoting) for the details). A run that fails because the host did not come back in
    time leaves it waiting, and a rerun cancels it first.
  - Settings that Group Policy controls are reported in RV(sm_remoting.gpo_overrides) and left alone; a firewall rule
    owned by Group Policy that differs from the request fails the task, as M(winremote.remoting.firewall_rules) does.
seealso:
  - module: winremote.remoting.sm_remoting
  - module: winremote.remoting.firewall_rules
  - module: winremote.remoting.winrm_policy
  - module: winremote.remoting.token_filter_policy
  - module: winremote.remoting.remoting_info
  - name: Configure remote management in Server Manager
    description: The procedure this module automates.
    link: https://learn.microsoft.com/windows-server/administration/server-manager/configure-remote-management-in-server-manager
"""

EXAMPLES = r"""
- name: Make the server manageable from Server Manager and MMC (the secure defaults)
  winremote.remoting.remote_management:

- name: See what would change, without changing anything
  winremote.remoting.remote_management:
    mmc_remote_address: [LocalSubnet]
  check_mode: true
  diff: true

- name: Everything, with the local WinRM policy listening on the management network only
  winremote.remoting.remote_management:
    winrm_policy: true
    winrm_policy_ipv4_filter: 10.20.0.1-10.20.0.254
    winrm_policy_ipv6_filter: ""
    token_filter_policy: true

- name: Turn remote management off, even over the HTTP listener this controller uses
  winremote.remoting.remote_management:
    state: disabled
    allow_self_disconnect: true
  register: disabled_result

- name: Fail unless the host showed the requested state (or was cut off on purpose)
  ansible.builtin.assert:
    that: disabled_result.verified or disabled_result.changed
"""

RETURN = r"""
changed:
  description: Whether anything was changed (in check mode, would be).
  returned: always
  type: bool
  sample: true
changes:
  description: One line per change made (or, in check mode, that would be made), in the order applied.
  returned: success
  type: list
  elements: str
  sample:
    - enable firewall rule ComPlusNetworkAccess-DCOM-In
    - enable firewall rule RemoteEventLogSvc-In-TCP
diff:
  description: With C(--diff), every planned setting before and after, keyed by setting.
  returned: when something changed and C(--diff) is on
  type: dict
  sample:
    before: {"firewall_rules.ComPlusNetworkAccess-DCOM-In.enabled": false}
    after: {"firewall_rules.ComPlusNetworkAccess-DCOM-In.enabled": true}
verified:
  description:
    - Whether the host was observed again after the changes and showed nothing left to do (true when nothing had
      to change).
    - V(false) in check mode with changes, and after a change that cut the connection as O(allow_self_disconnect)
      allowed.
  returned: success
  type: bool
  sample: true
sm_remoting_enabled:
  description:
    - Whether Server Manager remote management is enabled after the task (predicted in check mode and after an
      intended disconnect, when O(sm_remoting=true)).
  returned: success
  type: bool
  sample: true
sm_remoting:
  description: The Server Manager part, as M(winremote.remoting.sm_remoting) returns it.
  returned: when O(sm_remoting=true)
  type: dict
  contains:
    changed:
      description: Whether this part changed anything.
      type: bool
    changes:
      description: This part's lines of RV(changes).
      type: list
      elements: str
    gpo_overrides:
      description: Settings that Group Policy controls and the module therefore left alone.
      type: list
      elements: str
    verified:
      description: As RV(verified).
      type: bool
    found:
      description: What the host had before the task (service, listeners, WinRM HTTP rules, authentication, policy).
      type: dict
    sm_remoting_enabled:
      description: As RV(sm_remoting_enabled).
      type: bool
  sample:
    changed: false
    changes: []
    gpo_overrides: []
    verified: true
    sm_remoting_enabled: true
firewall_rules:
  description: The MMC rules part, as M(winremote.remoting.firewall_rules) returns it.
  returned: when O(mmc_firewall_rules=true)
  type: dict
  contains:
    changed:
      description: Whether this part changed anything.
      type: bool
    changes:
      description: This part's lines of RV(changes).
      type: list
      elements: str
    rules:
      description: The four rules by rule ID after the task (before it in check mode and after a disconnect).
      type: dict
    previous:
      description: The four rules before the task.
      type: dict
    method:
      description: V(cim) (Windows Server 2012 and later) or V(netsh) (2008, 2008 R2).
      type: str
    verified:
      description: As RV(verified).
      type: bool
  sample:
    changed: true
    changes: [enable firewall rule RemoteEventLogSvc-In-TCP]
    method: cim
    verified: true
    rules: {RemoteEventLogSvc-In-TCP: {present: true, enabled: true, profiles: [Domain, Private, Public]}}
winrm_policy:
  description: The WinRM policy part, as M(winremote.remoting.winrm_policy) returns it.
  returned: when O(winrm_policy=true)
  type: dict
  contains:
    changed:
      description: Whether this part changed anything.
      type: bool
    changes:
      description: This part's lines of RV(changes).
      type: list
      elements: str
    state:
      description: The requested policy state, V(enabled) or V(not_configured).
      type: str
    ipv4_filter:
      description: The requested IPv4 filter, normalised, or null unless enabled.
      type: str
    ipv6_filter:
      description: The requested IPv6 filter, normalised, or null unless enabled.
      type: str
    previous:
      description: The policy as the local GPO's Registry.pol held it before the task.
      type: dict
    running:
      description: The policy the WinRM service applies after the task.
      type: dict
    restart_required:
      description: Always V(false) here (the module restarts WinRM when the policy changes).
      type: bool
    reachable:
      description: Whether WinRM still answers this controller after the task.
      type: bool
    listeners:
      description: The WinRM listeners after the task.
      type: list
      elements: dict
  sample:
    changed: false
    state: enabled
    ipv4_filter: "*"
    ipv6_filter: "*"
    running: {state: enabled, ipv4_filter: "*", ipv6_filter: "*"}
    reachable: true
token_filter_policy:
  description: The LocalAccountTokenFilterPolicy part.
  returned: when O(token_filter_policy=true)
  type: dict
  contains:
    changed:
      description: Whether this part changed the value.
      type: bool
    enabled:
      description: Whether the value is 1 after the task (predicted in check mode).
      type: bool
    previous:
      description: Whether it was 1 before the task.
      type: bool
  sample: {changed: true, enabled: true, previous: false}
rollback:
  description:
    - What became of the rollback task armed for a change that restarted WinRM, once the host answered again. A run
      that cannot cancel it fails instead, saying whether the host will restore the previous settings and at about
      what time, or that this could not be determined and how to check.
  returned: when a guarded change was applied
  type: str
  sample: "cancelled: the host answered again, and the SYSTEM scheduled task winremote-rollback-policy was removed"
warnings:
  description:
    - The parts' warnings (Group Policy overrides, a missing built-in rule, filters that leave out an address, an
      intended disconnect), shown by Ansible as warnings.
  returned: when there are any
  type: list
  elements: str
  sample: ["Group Policy overrides the local setting: the firewall rule WINRM-HTTP-In-TCP is disabled by Group Policy"]
"""

from ansible_collections.winremote.remoting.plugins.module_utils import _controller_only
from ansible_collections.winremote.remoting.plugins.module_utils._specs import REMOTE_MANAGEMENT


def main() -> None:
    _controller_only.run("remote_management", REMOTE_MANAGEMENT)


if __name__ == "__main__":
    main()
