#!/usr/bin/python
# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Documentation of firewall_rules; the work is done on the controller by the action plugin of the same name."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: firewall_rules
short_description: Enable or disable predefined Windows Firewall rules by their rule IDs
version_added: 0.1.0
description:
  - Enables or disables the Windows Firewall rules that ship with Windows, addressed by their invariant rule IDs
    (for example C(WINRM-HTTP-In-TCP)), never by their display names, which Windows translates.
  - Optionally sets the network profiles a rule applies to and the remote addresses it admits, for example to widen
    C(WINRM-HTTP-In-TCP-PUBLIC) beyond the local subnet the way C(Enable-PSRemoting -SkipNetworkProfileCheck)
    users do with C(Set-NetFirewallRule -RemoteAddress Any).
  - Named sets cover the documented procedures. V(dcom_remote_management) holds the rules that MMC snap-ins and
    Server Manager need to manage a server over DCOM and the Remote Event Log service
    (C(ComPlusNetworkAccess-DCOM-In), C(RemoteEventLogSvc-In-TCP), C(RemoteEventLogSvc-NP-In-TCP),
    C(RemoteEventLogSvc-RPCSS-In-TCP)); V(winrm_http) holds C(WINRM-HTTP-In-TCP) and C(WINRM-HTTP-In-TCP-PUBLIC).
  - The rules are read from the local and the Group Policy rule stores in one batched observation (four
    WS-Management round trips). Changes use the C(MSFT_NetFirewallRule) CIM class on Windows Server 2012 and later
    (one request per changed setting) and C(netsh advfirewall) on Windows Server 2008 and 2008 R2 (one WinRS
    command, four round trips, for all rules). The host is observed again afterwards to check the result.
  - A rule owned by Group Policy is reported and never changed locally; the task fails and says which GPO setting
    to change. A requested rule that is missing is an error; the module never creates a rule in its place, which
    would open the port wider than the built-in rule does.
author:
  - winremote.remoting maintainers (@winremote)
options:
  rules:
    description:
      - Rule IDs (the C(Name) of C(Get-NetFirewallRule), the value name in the rule store), for example
        C(WINRM-HTTP-In-TCP-PUBLIC).
      - Combined with O(rule_set) when both are given. At least one of the two is required.
    type: list
    elements: str
  rule_set:
    description:
      - A named set of rules from a documented procedure; see the description for the rules each holds.
    type: str
    choices: [dcom_remote_management, winrm_http]
  state:
    description:
      - V(enabled) turns the rules on, V(disabled) turns them off.
    type: str
    choices: [enabled, disabled]
    default: enabled
  profiles:
    description:
      - The network profiles the rules apply to. V(any) means all three.
      - Left as they are when omitted.
    type: list
    elements: str
    choices: [domain, private, public, any]
  remote_address:
    description:
      - The remote addresses the rules admit. V(Any) alone means every address.
      - Each item is an IPv4 or IPv6 address, a range C(first-last), a subnet (C(10.0.0.0/8) or
        C(10.0.0.0/255.0.0.0)), or one of the keywords C(LocalSubnet), C(DefaultGateway), C(DHCP), C(DNS), C(WINS),
        C(Internet), C(Intranet), C(IntranetRemoteAccess), C(PlayToDevice), C(CaptivePortal) (any letter case; a
        keyword followed by C(4) or C(6), such as C(LocalSubnet4), applies to that address family only). Items may
        also be comma lists.
      - Keywords are read from the rule store as Windows writes them (C(RA4)/C(RA6) for the first five,
        C(RA42)/C(RA62) for the others, for example C(RA42=IntErnet|RA62=IntErnet) for C(Internet)) and reported in
        the spelling above.
      - The list is normalised before it is compared with the host (keyword case, masks as prefix lengths, sorted,
        duplicates removed), so a second run reports no change.
      - Left as they are when omitted.
    type: list
    elements: str
extends_documentation_fragment:
  - winremote.remoting.connection
  - winremote.remoting.self_disconnect
  - winremote.remoting.attributes
notes:
  - O(allow_self_disconnect) concerns a change to a rule that admits the port the controller is connected to
    (disabling it, removing a profile, or restricting its remote addresses), for example disabling
    C(WINRM-HTTP-In-TCP) while connected over port 5985. When it is V(true), the result of that change is not
    observed again.
  - On Windows Server 2008 and 2008 R2, which have no NetSecurity CIM classes, changes go through
    C(netsh advfirewall firewall set rule name="<display name>"). netsh only finds rules by their display name,
    which Windows translates, so the module uses the English display names of the rules it knows (the rules of both
    named sets). Changes on non-English 2008 / 2008 R2 hosts are not supported and fail with netsh's message;
    reading the rules works on every language. Only the keywords C(LocalSubnet), C(DefaultGateway), C(DHCP),
    C(DNS) and C(WINS), for both address families, can be set there; the others need 2012 or later.
  - Servers ship C(WINRM-HTTP-In-TCP) for the Domain and Private profiles and C(WINRM-HTTP-In-TCP-PUBLIC) for the
    Public profile, limited to the local subnet. Client editions use other IDs for the same port
    (C(WINRM-HTTP-In-TCP-NoScope) and C(WINRM-HTTP-In-TCP) for Public), so the same ID can mean a different rule.
  - C(ComPlusNetworkAccess-DCOM-In) is absent on some installations (for example some domain controllers); the
    task then fails and names it.
seealso:
  - module: winremote.remoting.remoting_info
  - name: Configure remote management in Server Manager
    description: The procedure that enables the DCOM and Remote Event Log rules for MMC.
    link: https://learn.microsoft.com/windows-server/administration/server-manager/configure-remote-management-in-server-manager
  - name: about_Remote_Requirements
    description: The WinRM firewall rules and Enable-PSRemoting -SkipNetworkProfileCheck.
    link: https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_remote_requirements
"""

EXAMPLES = r"""
- name: Allow MMC snap-ins and Server Manager to manage the server over DCOM and Remote Event Log
  winremote.remoting.firewall_rules:
    rule_set: dcom_remote_management
    state: enabled

# After Enable-PSRemoting -SkipNetworkProfileCheck, the Public-profile rule still admits the local subnet only;
# this is the same as Set-NetFirewallRule -Name WINRM-HTTP-In-TCP-PUBLIC -RemoteAddress Any.
- name: Admit WinRM from every address on Public networks
  winremote.remoting.firewall_rules:
    rules:
      - WINRM-HTTP-In-TCP-PUBLIC
    remote_address:
      - Any

- name: Admit WinRM on Public networks from the local subnet and the management network only
  winremote.remoting.firewall_rules:
    rules:
      - WINRM-HTTP-In-TCP-PUBLIC
    remote_address:
      - LocalSubnet
      - 10.20.0.0/255.255.0.0

- name: Close the Remote Event Log rules again once the migration is done
  winremote.remoting.firewall_rules:
    rules:
      - RemoteEventLogSvc-In-TCP
      - RemoteEventLogSvc-NP-In-TCP
      - RemoteEventLogSvc-RPCSS-In-TCP
    state: disabled

- name: Disable WinRM over HTTP on hosts managed over HTTPS (port 5986), which this change does not cut
  winremote.remoting.firewall_rules:
    rule_set: winrm_http
    state: disabled
"""

RETURN = r"""
rules:
  description:
    - The requested rules by rule ID, as observed after the changes.
    - In check mode, and after a change that could cut the connection, as they were before the task.
    - Each rule's C(profiles) lists the profiles Windows documents (V(Domain), V(Private), V(Public)); a profile
      word in the host's rule store that is none of them is kept in C(unknown_profiles), present only then.
  returned: success
  type: dict
  sample:
    WINRM-HTTP-In-TCP-PUBLIC:
      present: true
      enabled: true
      profiles: [Public]
      remote_address: [Any]
      local_port: ["5985"]
      action: Allow
      direction: In
      gpo_owned: false
previous:
  description: The requested rules by rule ID as they were before the task (same form as RV(rules)).
  returned: success
  type: dict
method:
  description: How changes are made on this host, V(cim) (Windows Server 2012 and later) or V(netsh) (2008, 2008 R2).
  returned: success
  type: str
  sample: cim
verified:
  description: Whether the host was observed again after the changes and showed the requested state.
  returned: success
  type: bool
  sample: true
changes:
  description: One line per change made (or, in check mode, that would be made).
  returned: success
  type: list
  elements: str
  sample:
    - enable firewall rule ComPlusNetworkAccess-DCOM-In
    - set the remote addresses of firewall rule WINRM-HTTP-In-TCP-PUBLIC to Any
"""

from ansible_collections.winremote.remoting.plugins.module_utils import _controller_only
from ansible_collections.winremote.remoting.plugins.module_utils._specs import FIREWALL_RULES, FIREWALL_RULES_RULES


def main() -> None:
    _controller_only.run("firewall_rules", FIREWALL_RULES, **FIREWALL_RULES_RULES)


if __name__ == "__main__":
    main()
