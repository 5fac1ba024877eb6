#!/usr/bin/python
# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Documentation of sm_remoting; the work is done on the controller by the action plugin of the same name."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: sm_remoting
short_description: Enable, disable or query Server Manager remote management
version_added: 0.1.0
description:
  - The equivalent of C(Configure-SMRemoting.exe -enable), C(-disable) and C(-get), done setting by setting over
    WS-Management so that check mode and C(--diff) show exactly what would change.
  - Enabled means what Server Manager relies on. The WinRM service starts automatically and runs, an enabled HTTP
    listener listens on all addresses on port 5985, the C(WINRM-HTTP-In-TCP) and C(WINRM-HTTP-In-TCP-PUBLIC)
    firewall rules are enabled, and Kerberos and Negotiate authentication are on.
  - Disabled removes the HTTP listener on all addresses and disables the two WinRM HTTP firewall rules, as
    C(Configure-SMRemoting.exe -disable) does. The WinRM service keeps running (other listeners, such as HTTPS,
    keep working).
  - Where Group Policy controls a setting (a listener with C(Source=GPO), a firewall rule from a GPO, an
    authentication setting set by policy), the module reports that the local setting is overridden and leaves it.
  - Runs on the controller. The connection comes from the host's own C(psrp) or C(winrm) connection variables,
    which O(connection) can override.
author:
  - winremote.remoting maintainers (@winremote)
options:
  state:
    description:
      - V(enabled) and V(disabled) make the host so; V(query) only reports RV(sm_remoting_enabled).
    type: str
    choices: [enabled, disabled, query]
    default: enabled
extends_documentation_fragment:
  - winremote.remoting.connection
  - winremote.remoting.self_disconnect
  - winremote.remoting.attributes
notes:
  - O(allow_self_disconnect) concerns disabling remote management while the controller itself is connected over
    the HTTP listener on port 5985, which that removes together with its firewall rules. With V(true) the module
    finishes the change, reports it without waiting for the host, and warns that it could not verify it (the host
    no longer answers on that port, as requested).
  - A host that has no WinRM listener at all (a fresh 2008 or 2008 R2, or one disabled earlier) cannot be reached
    over WinRM to enable it. Run C(winrm quickconfig) or C(Configure-SMRemoting.exe -enable) on it, or deploy the
    policy with M(winremote.remoting.winrm_policy) through a domain GPO.
  - Changing a listener restarts the WinRM service, which drops open connections; the module logs in again and
    checks the result.
  - Before it creates or updates the HTTP listener while connected, the module arms a rollback, the SYSTEM scheduled
    task C(winremote-rollback-listener). It waits about 180 seconds, then puts the previous listener back with
    C(winrm delete) or C(winrm set) and restarts WinRM. The module cancels it as soon as the host answers again; a
    cancel whose answer was lost is settled by querying the task again, so the result says what is true. If the
    host does not come back, the module fails and says what the host will do (restore at about a given time, or
    that it could not be determined, and how to check). The task's files live in a new directory
    C(%SystemRoot%\Temp\winremote-rollback-<random>) that only SYSTEM and Administrators can write. This costs
    12 more WS-Management round trips, only when the listener changes. Deleting the listener, and changes that
    O(allow_self_disconnect) allows to cut the connection, are not guarded.
  - Firewall rules are changed by their invariant IDs through C(MSFT_NetFirewallRule) on 2012 and later, and with
    C(netsh advfirewall) on 2008 and 2008 R2 (English display names; see M(winremote.remoting.firewall_rules)).
seealso:
  - module: winremote.remoting.remoting_info
  - module: winremote.remoting.firewall_rules
  - module: winremote.remoting.winrm_policy
  - name: Configure remote management in Server Manager
    description: The procedure this module automates.
    link: https://learn.microsoft.com/windows-server/administration/server-manager/configure-remote-management-in-server-manager
"""

EXAMPLES = r"""
- name: Enable Server Manager remote management (Configure-SMRemoting.exe -enable)
  winremote.remoting.sm_remoting:
    state: enabled

- name: See what enabling would change, without changing anything
  winremote.remoting.sm_remoting:
    state: enabled
  check_mode: true
  diff: true

- name: Disable it on hosts managed over HTTPS (Configure-SMRemoting.exe -disable)
  winremote.remoting.sm_remoting:
    state: disabled
    connection:
      scheme: https
      port: 5986

- name: Disable it even though this controller connects over HTTP 5985 (the task ends the access)
  winremote.remoting.sm_remoting:
    state: disabled
    allow_self_disconnect: true

- name: Report whether it is enabled (Configure-SMRemoting.exe -get)
  winremote.remoting.sm_remoting:
    state: query
  register: sm
"""

RETURN = r"""
rollback:
  description:
    - What became of the rollback task armed for the change, once the host answered again. A run that cannot
      cancel it fails instead, saying whether the host will restore the previous settings and at about what time,
      or that this could not be determined and how to check.
  returned: when a guarded change was applied
  type: str
  sample: "cancelled: the host answered again, and the SYSTEM scheduled task winremote-rollback-listener was removed"
sm_remoting_enabled:
  description: Whether Server Manager remote management is enabled after the task (predicted in check mode).
  returned: success
  type: bool
  sample: true
found:
  description:
    - What the host had before the task, the settings Server Manager remote management is made of.
    - C(firewall_rules) holds C(WINRM-HTTP-In-TCP) and C(WINRM-HTTP-In-TCP-PUBLIC) in the form
      M(winremote.remoting.remoting_info) returns them.
  returned: success
  type: dict
  contains:
    sm_remoting_enabled:
      description: Whether it was enabled.
      type: bool
    winrm_service:
      description: Start mode, delayed start and state of the WinRM service.
      type: dict
    listeners:
      description: The WinRM listeners.
      type: list
      elements: dict
    firewall_rules:
      description: The two WinRM HTTP rules by rule ID.
      type: dict
    service_auth:
      description: The WinRM service authentication settings.
      type: dict
    winrm_policy:
      description: The Group Policy "Allow remote server management through WinRM".
      type: dict
  sample:
    sm_remoting_enabled: false
    winrm_service: {name: WinRM, exists: true, start_mode: auto, delayed_start: false, state: running}
    listeners: []
    firewall_rules: {WINRM-HTTP-In-TCP: {present: true, enabled: false, profiles: [Domain, Private]}}
    service_auth: {kerberos: true, negotiate: true, basic: false}
    winrm_policy: {state: not_configured}
changes:
  description: One line per change made (or, in check mode, that would be made).
  returned: when O(state) is not V(query)
  type: list
  elements: str
  sample: ["enable the firewall rule WINRM-HTTP-In-TCP-PUBLIC", "create an HTTP listener on all addresses, port 5985"]
gpo_overrides:
  description: Settings that Group Policy controls and the module therefore left alone.
  returned: when O(state) is not V(query)
  type: list
  elements: str
  sample: ["the firewall rule WINRM-HTTP-In-TCP is disabled by Group Policy"]
verified:
  description: Whether the host was observed again after the changes and showed the requested state.
  returned: when O(state) is not V(query)
  type: bool
  sample: true
"""

from ansible_collections.winremote.remoting.plugins.module_utils import _controller_only
from ansible_collections.winremote.remoting.plugins.module_utils._specs import SM_REMOTING


def main() -> None:
    _controller_only.run("sm_remoting", SM_REMOTING)


if __name__ == "__main__":
    main()
