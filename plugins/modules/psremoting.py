#!/usr/bin/python
# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Documentation of psremoting; the work is done on the controller by the action plugin of the same name."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: psremoting
short_description: Enable or disable PowerShell remoting, as Enable-PSRemoting and Disable-PSRemoting do
version_added: 0.1.0
description:
  - Does over WS-Management from the controller what C(Enable-PSRemoting) and C(Disable-PSRemoting) do on the host,
    as one task on one observation of the host.
  - O(state=enabled), as C(Enable-PSRemoting) (which runs C(Set-WSManQuickConfig)), makes sure that the WinRM
    service starts automatically and runs, that an HTTP listener on all addresses listens on port 5985, that the
    firewall rule C(WINRM-HTTP-In-TCP) (Domain and Private networks) is enabled, that every PowerShell session
    configuration (C(Microsoft.PowerShell), C(Microsoft.PowerShell32) on 64-bit Windows,
    C(Microsoft.PowerShell.Workflow) where installed, and custom ones) is enabled and open to remote connections,
    and that C(LocalAccountTokenFilterPolicy) is 1.
  - On server editions the firewall rule C(WINRM-HTTP-In-TCP-PUBLIC) (Public networks) is enabled too, limited to
    O(public_remote_address) (C(LocalSubnet), as C(Enable-PSRemoting) does). On client editions C(Enable-PSRemoting)
    fails while a network connection is Public; so does this module, unless O(skip_network_profile_check=true),
    which then enables C(WINRM-HTTP-In-TCP-PUBLIC) limited to O(public_remote_address).
  - O(state=disabled), as C(Disable-PSRemoting), blocks remote access to every PowerShell session configuration with
    a deny ACE for C(NT AUTHORITY\\NETWORK) in its security descriptor (what C(Set-PSSessionConfiguration
    -AccessMode Local) writes); sessions from the host itself still work. Like C(Disable-PSRemoting) it leaves the
    WinRM service, the listener, the firewall rules and C(LocalAccountTokenFilterPolicy) as they are.
  - O(state=enabled) removes exactly that deny ACE again; every other ACE of a configuration's descriptor (grants
    made with M(winremote.remoting.session_configuration), for example) stays as it is.
  - The result says which PowerShell remoting features the host supports (RV(features)).
  - Options are checked before any connection is made.
author:
  - winremote.remoting maintainers (@winremote)
options:
  state:
    description:
      - V(enabled) as C(Enable-PSRemoting), V(disabled) as C(Disable-PSRemoting).
    type: str
    choices: [enabled, disabled]
    default: enabled
  skip_network_profile_check:
    description:
      - As C(Enable-PSRemoting -SkipNetworkProfileCheck). Only client editions of Windows look at it; on them it
        enables C(WINRM-HTTP-In-TCP-PUBLIC), limited to O(public_remote_address), instead of failing while a
        network connection is Public.
      - A client edition's network categories are read from C(MSFT_NetConnectionProfile), which Windows has from
        Windows 8 on; on an older client edition they are unknown, and the task fails unless this is V(true).
    type: bool
    default: false
  public_remote_address:
    description:
      - The remote addresses C(WINRM-HTTP-In-TCP-PUBLIC) admits with O(state=enabled), where that rule is enabled.
      - The default C(LocalSubnet) is what C(Enable-PSRemoting) sets. V(Any) admits every address on a Public network
        and the task then warns.
      - Otherwise addresses, CIDR subnets, ranges (V(10.0.0.1-10.0.0.9)) and the keywords of
        M(winremote.remoting.firewall_rules) O(winremote.remoting.firewall_rules#module:remote_address), checked the
        same way (a value that is none of them is refused before connecting). Windows Server 2008 and 2008 R2 know
        only the keywords C(LocalSubnet), C(DefaultGateway), C(DHCP), C(DNS) and C(WINS).
    type: list
    elements: str
    default: [LocalSubnet]
  local_account_token_filter_policy:
    description:
      - With O(state=enabled), set C(LocalAccountTokenFilterPolicy) to 1, as C(Enable-PSRemoting) does; local
        administrators other than the built-in Administrator then get a full token over the network.
      - V(false) leaves the value as it is (M(winremote.remoting.token_filter_policy) sets it to 0).
      - Not used with O(state=disabled), which leaves the value as it is, as C(Disable-PSRemoting) does.
    type: bool
    default: true
extends_documentation_fragment:
  - winremote.remoting.connection
  - winremote.remoting.self_disconnect
  - winremote.remoting.attributes
notes:
  - O(allow_self_disconnect) concerns C(Microsoft.PowerShell), the session configuration that Ansible's psrp
    connection plugin uses. O(state=disabled) denies it to network logons, so it is refused unless
    O(allow_self_disconnect=true); the modules of this collection use WinRS command shells and keep working, later
    psrp tasks fail. With O(state=enabled), changing the port of an existing HTTP listener this connection comes
    through, or limiting the remote addresses of a firewall rule that admits its port, is refused the same way.
  - Creating or changing the HTTP listener restarts WinRM. That change is made last and guarded by the SYSTEM
    scheduled task C(winremote-rollback-listener), which puts the listener back after about 180 seconds unless the
    module cancels it when the host answers again (as M(winremote.remoting.sm_remoting) does).
  - A listener that Group Policy created is reported and left alone; a firewall rule that Group Policy owns and that
    differs from the request fails the task, as M(winremote.remoting.firewall_rules) does; a missing built-in rule
    fails the task and is never recreated.
  - C(Enable-PSRemoting) registers missing default session configurations; this module does not register any, and
    fails when C(Microsoft.PowerShell) is missing.
  - A session configuration change is one WS-Transfer Put of its plugin (no WinRM restart), as
    M(winremote.remoting.session_configuration) makes it.
  - PowerShell 3.0 remoting needs Windows PowerShell 3.0 or later, the .NET Framework 4 and WinRM 3.0 on both
    computers; disconnected sessions need it on both ends (about_Remote_Requirements). RV(features) says what the
    host has; the controller end is not checked.
seealso:
  - module: winremote.remoting.session_configuration
  - module: winremote.remoting.sm_remoting
  - module: winremote.remoting.firewall_rules
  - module: winremote.remoting.token_filter_policy
  - name: Enable-PSRemoting
    description: The cmdlet this module's O(state=enabled) follows.
    link: https://learn.microsoft.com/powershell/module/microsoft.powershell.core/enable-psremoting
  - name: Disable-PSRemoting
    description: The cmdlet this module's O(state=disabled) follows.
    link: https://learn.microsoft.com/powershell/module/microsoft.powershell.core/disable-psremoting
  - name: about_Remote_Requirements
    description: The system requirements of PowerShell remoting.
    link: https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_remote_requirements
"""

EXAMPLES = r"""
- name: Enable PowerShell remoting (as Enable-PSRemoting -Force)
  winremote.remoting.psremoting:

- name: See what Enable-PSRemoting would change, without changing anything
  winremote.remoting.psremoting:
  check_mode: true
  diff: true

- name: A client edition on a Public network, reachable from the local subnet only
  winremote.remoting.psremoting:
    skip_network_profile_check: true

- name: Enable remoting, leaving LocalAccountTokenFilterPolicy alone
  winremote.remoting.psremoting:
    local_account_token_filter_policy: false

- name: Disable PowerShell remoting, knowing that later psrp tasks cannot connect
  winremote.remoting.psremoting:
    state: disabled
    allow_self_disconnect: true
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
    - "set LocalAccountTokenFilterPolicy=1: local administrators other than the built-in one get full rights remotely"
    - enable Microsoft.PowerShell.Workflow
diff:
  description: With C(--diff), every planned setting before and after, keyed by setting.
  returned: when something changed and C(--diff) is on
  type: dict
  sample:
    before: {"local_account_token_filter_policy": false}
    after: {"local_account_token_filter_policy": true}
psremoting_enabled:
  description:
    - Whether remoting is enabled after the task (predicted in check mode) - WinRM automatic and running, an enabled
      HTTP listener on all addresses on port 5985, C(WINRM-HTTP-In-TCP) enabled and C(Microsoft.PowerShell) open to
      an administrator's network logon.
  returned: success
  type: bool
  sample: true
edition:
  description: V(server) (servers and domain controllers) or V(client) (ProductType WinNT).
  returned: success
  type: str
  sample: server
network_categories:
  description:
    - The categories (V(Public), V(Private), V(Domain)) of the client edition's connected networks; null on server
      editions, which are not asked, and when they could not be read.
  returned: success
  type: list
  elements: str
  sample: null
winrm_service:
  description: The WinRM service as observed after the task (before it in check mode).
  returned: success
  type: dict
  sample: {"name": "WinRM", "exists": true, "start_mode": "auto", "state": "running", "delayed_start": true}
listeners:
  description: The WinRM listeners as observed after the task (before it in check mode).
  returned: success
  type: list
  elements: dict
firewall_rules:
  description: C(WINRM-HTTP-In-TCP) and C(WINRM-HTTP-In-TCP-PUBLIC) by rule ID after the task (predicted in check mode).
  returned: success
  type: dict
  sample:
    WINRM-HTTP-In-TCP-PUBLIC: {"present": true, "enabled": true, "profiles": ["Public"],
                               "remote_address": ["LocalSubnet"]}
session_configurations:
  description: The PowerShell session configurations after the task (predicted in check mode).
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: The configuration's name.
      type: str
    enabled:
      description: Its C(Enabled) attribute.
      type: bool
    sddl:
      description: Its security descriptor (null when it has none of its own and the RootSDDL applies).
      type: str
    remote_access:
      description:
        - Whether an administrator's network logon may use it (enabled, and Execute (Invoke) for
          C(BUILTIN\\Administrators)); null when it has no descriptor of its own.
      type: bool
  sample:
    - {"name": "Microsoft.PowerShell", "enabled": true, "remote_access": true,
       "sddl": "O:NSG:BAD:P(A;;GA;;;BA)(A;;GA;;;IU)(A;;GA;;;RM)S:P(AU;FA;GA;;;WD)(AU;SA;GXGW;;;WD)"}
local_account_token_filter_policy:
  description: Whether C(LocalAccountTokenFilterPolicy) is 1 after the task (predicted in check mode).
  returned: success
  type: bool
  sample: true
features:
  description: The PowerShell remoting features the host supports, from its PowerShell, WinRM and .NET versions.
  returned: success
  type: dict
  contains:
    powershell_version:
      description: The newest Windows PowerShell engine installed (the PowerShellEngine registry keys).
      type: str
    remoting_version:
      description:
        - V(3.0) when the host has PowerShell 3.0 or later, WinRM 3.0 and the .NET Framework 4 (PowerShell 3.0
          remoting), else V(2.0); null without PowerShell.
      type: str
    wsman_stack_version:
      description: The WinRM (WS-Management) stack version, V(2.0) or V(3.0).
      type: str
    dotnet_version:
      description: The .NET Framework 4.x version, or null without .NET Framework 4.
      type: str
    disconnected_sessions:
      description:
        - Whether sessions to this host can be disconnected and reconnected (PowerShell 3.0 remoting; the other end
          needs PowerShell 3.0 or later too).
      type: bool
    powershell3_remoting_missing:
      description: What the host lacks for PowerShell 3.0 remoting, one sentence each.
      type: list
      elements: str
  sample:
    powershell_version: "2.0"
    remoting_version: "2.0"
    wsman_stack_version: "2.0"
    dotnet_version: null
    disconnected_sessions: false
    powershell3_remoting_missing: ["Windows PowerShell 3.0 or later (found 2.0)", "WinRM 3.0 (found 2.0)"]
reachable:
  description:
    - V(false) when the task shut Ansible's psrp access to C(Microsoft.PowerShell) out, as
      O(allow_self_disconnect=true) allowed.
  returned: success
  type: bool
  sample: true
verified:
  description:
    - Whether the host was observed again after the changes and showed nothing left to do (true when nothing had
      to change); V(false) in check mode with changes, and after an intended disconnect.
  returned: success
  type: bool
  sample: true
rollback:
  description: What became of the rollback task armed for a listener change, once the host answered again.
  returned: when the listener was created or changed
  type: str
  sample: "cancelled: the host answered again, and the SYSTEM scheduled task winremote-rollback-listener was removed"
"""

from ansible_collections.winremote.remoting.plugins.module_utils import _controller_only
from ansible_collections.winremote.remoting.plugins.module_utils._specs import PSREMOTING


def main() -> None:
    _controller_only.run("psremoting", PSREMOTING)


if __name__ == "__main__":
    main()
