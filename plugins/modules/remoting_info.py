#!/usr/bin/python
# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Documentation of remoting_info; the work is done on the controller by the action plugin of the same name."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: remoting_info
short_description: Tell whether Windows hosts can be managed remotely, and why not
version_added: 0.1.0
description:
  - Reads, in one batched observation over WS-Management, everything that decides whether Server Manager,
    PowerShell remoting and MMC can manage a Windows host, and gives Server Manager's verdict on it.
  - Returns the operating system, the WinRM service and its listeners, the service authentication settings,
    the Group Policy I(Allow remote server management through WinRM), C(LocalAccountTokenFilterPolicy), the WinRM,
    DCOM and Remote Event Log firewall rules by rule ID, the PowerShell/WMF and .NET Framework versions, whether
    the performance update KB2682011 is installed, and whether Server Manager remote management is enabled.
  - Observing a host costs six WS-Management round trips after authentication (a WS-Transfer Get of the WinRM
    service configuration, an Enumerate of the listeners, and one WinRS command running C(reg.exe), C(sc.exe) and
    C(schtasks.exe)); C(winrm.cmd) is never used, it fails inside WinRS on Windows Server 2008 and 2008 R2.
  - Runs on the controller. The connection comes from the host's own C(psrp) or C(winrm) connection variables,
    which O(connection) can override. Nothing is installed or copied on the host.
  - When the host cannot be observed the task fails with a one-line message that says what to do, and still
    returns RV(manageability) and RV(manageability_reasons).
  - It is an audit, so a host that cannot be reached at all (connection refused or reset, timed out, a name that does
    not resolve, a failing proxy) is reported the same way, as a failed task with RV(manageability) V(Not accessible)
    and its reason, not as UNREACHABLE as the other modules of the collection report it; with C(failed_when) V(false)
    the audit lists every host.
author:
  - winremote.remoting maintainers (@winremote)
extends_documentation_fragment:
  - winremote.remoting.connection
  - winremote.remoting.attributes
attributes:
  diff_mode:
    support: none
  check_mode:
    support: full
    details: Read-only; it runs the same way in check mode.
notes:
  - Server Manager remote management counts as enabled when the WinRM service is automatic and running, an
    enabled HTTP listener on all addresses uses port 5985, and the C(WINRM-HTTP-In-TCP) firewall rule is enabled.
  - Firewall rules are read from the local and the Group Policy rule stores in the registry by their invariant
    IDs, so the result is the same on Windows Server 2008 (which has no NetSecurity CIM classes) and later.
  - The prerequisites checked are the ones Microsoft documents for managing older servers from Server Manager
    on Windows Server 2012 R2 and later. 2008 needs .NET Framework 4 and WMF 3.0; 2008 R2 needs .NET Framework 4.5
    and WMF 4.0; 2012 and 2012 R2 need .NET Framework 4.6 and WMF 5.0 or 5.1. The performance update KB2682011
    only lets Server Manager collect performance data from 2008 and 2008 R2; a host without it is still managed.
  - RV(manageability) uses Server Manager's own status words, decided as follows.
    V(Online) - the host was observed and has every prerequisite (on 2008 and 2008 R2 also KB2682011).
    V(Online - Performance counters not started) - 2008 or 2008 R2 with the management prerequisites but without
    KB2682011, so its performance data cannot be collected.
    V(Online - Data retrieval failures occurred) - the host answered but part of the observation could not be read,
    or a request failed with a WS-Management fault or an unexpected reply.
    V(Online - Access denied) - the account authenticated but WinRM denied it access (WS-Management fault 5 or HTTP
    403), or the host refused Basic authentication over HTTP.
    V(Not accessible) - no WinRM answered (refused, unresolved, timed out, reset, TLS failure), or 2008 R2, 2012 or
    2012 R2 lacks the WMF or .NET Framework it needs.
    V(Not accessible - Verify earlier versions run Windows Management Framework 3.0) - 2008 without WMF 3.0.
    V(Credentials not valid) - WinRM answered HTTP 401. That is also WinRM's answer to a local administrator other
    than the built-in Administrator over NTLM while C(LocalAccountTokenFilterPolicy) is not 1 (UAC remote
    restrictions), so the message of a local account names both causes; Microsoft documents this status, and
    C(LocalAccountTokenFilterPolicy) among its fixes, for servers in workgroups.
    V(Kerberos target resolution error) - Kerberos found no service principal for the host (an IP address, an
    alias, a missing SPN). V(Kerberos authentication error) - any other Kerberos failure on the controller (no
    ticket, a wrong password, an unreachable KDC, clock skew).
  - What this module cannot observe. It cannot see whether a Server Manager console has started a host's
    performance counters; Server Manager shows V(Online - Performance counters not started) for every server until
    then, and this module says V(Online) for a host that has everything it needs. It cannot see the data retrieval
    failures of Server Manager's own queries (roles, events, services, performance), so it reports
    V(Online - Data retrieval failures occurred) only for its own reads. It cannot tell a wrong password from a
    UAC-filtered local administrator, as WinRM answers both with the same HTTP 401. It does not use credentials
    given in Server Manager with Manage As, only its own connection settings. It does not report on servers that
    run Windows Server 2003, for which Server Manager shows only online or offline.
seealso:
  - name: Configure remote management in Server Manager
    description: The procedure this module observes.
    link: https://learn.microsoft.com/windows-server/administration/server-manager/configure-remote-management-in-server-manager
  - name: Add Servers to Server Manager
    description: The Kerberos, C(Online - Access denied) and C(Credentials not valid) statuses, and workgroup servers.
    link: https://learn.microsoft.com/windows-server/administration/server-manager/add-servers-to-server-manager
  - name: View and Configure Performance, Event, and Service Data
    description: C(Online - Performance counters not started), the usual status until performance counters start.
    link: https://learn.microsoft.com/windows-server/administration/server-manager/view-and-configure-performance-event-and-service-data
  - name: about_Remote_Requirements
    description: What PowerShell remoting requires.
    link: https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_remote_requirements
"""

EXAMPLES = r"""
- name: Audit every Windows host
  winremote.remoting.remoting_info:
  register: remoting

- name: Fail when Server Manager could not manage the host
  ansible.builtin.assert:
    that: remoting.manageability == 'Online'
    fail_msg: >-
      {{ inventory_hostname }}: {{ remoting.manageability }}
      ({{ remoting.manageability_reasons | join('; ') }})

- name: Audit hosts reached through HTTPS with a private CA, from a play that runs locally
  winremote.remoting.remoting_info:
    connection:
      host: "{{ ansible_host }}"
      scheme: https
      ca_path: /etc/pki/winrm-ca.pem
      username: "{{ audit_user }}"
      password: "{{ audit_password }}"
  register: remoting

- name: Keep auditing unreachable hosts and report them instead of failing the play
  winremote.remoting.remoting_info:
  register: remoting
  failed_when: false
"""

RETURN = r"""
os:
  description: The operating system.
  returned: success
  type: dict
  sample: {caption: Windows Server 2019 Datacenter, version: 10.0.17763, build: 17763, product_type: server,
           installation_type: Server, release: "2019"}
winrm_service:
  description: The WinRM service's start mode (V(auto), V(manual), V(disabled)), delayed start and state.
  returned: success
  type: dict
  sample: {name: WinRM, exists: true, start_mode: auto, delayed_start: false, state: running}
listeners:
  description: WinRM listeners; C(source) is V(GPO) for listeners created by Group Policy.
  returned: success
  type: list
  elements: dict
  sample: [{address: "*", transport: HTTP, port: 5985, hostname: "", enabled: true, url_prefix: wsman,
            certificate_thumbprint: "", source: local, listening_on: ["127.0.0.10"]}]
service_auth:
  description: The WinRM service authentication settings.
  returned: success
  type: dict
  sample: {basic: false, kerberos: true, negotiate: true, certificate: false, credssp: false,
           cbt_hardening_level: Relaxed}
allow_unencrypted:
  description: Whether the WinRM service accepts unencrypted traffic.
  returned: success
  type: bool
gpo_controlled_settings:
  description: WinRM service settings that Group Policy sets (local changes to them have no effect).
  returned: success
  type: list
  elements: str
winrm_policy:
  description:
    - The Group Policy I(Allow remote server management through WinRM).
    - The filters choose the local addresses the listener binds to, not the clients allowed in.
    - C(state) is V(enabled), V(disabled) or V(not_configured); V(unknown) when the policy key exists but could not be
      read (an access control list that refuses it), which C(manageability_reasons) names. A key that C(reg query)
      cannot read is never taken for an absent one.
  returned: success
  type: dict
  sample: {state: not_configured, allow_auto_config: null, ipv4_filter: null, ipv6_filter: null}
local_account_token_filter_policy:
  description: Whether C(LocalAccountTokenFilterPolicy) is 1, letting local administrators other than the built-in
    Administrator use WinRM with full rights.
  returned: success
  type: bool
firewall_rules:
  description:
    - The WinRM HTTP, DCOM and Remote Event Log firewall rules by rule ID.
    - A profile word in the host's rule store that is not V(Domain), V(Private) or V(Public) is kept in the rule's
      C(unknown_profiles) (present only then) and left out of C(profiles).
    - C(present) is V(false) only when both rule stores were read; it is V(null) when a store could not be read.
  returned: success
  type: dict
  sample:
    WINRM-HTTP-In-TCP: {present: true, enabled: true, profiles: [Domain, Private], remote_address: [Any],
                        local_port: ["5985"], action: Allow, direction: In, gpo_owned: false}
    ComPlusNetworkAccess-DCOM-In: {present: false}
powershell_version:
  description: The newest Windows PowerShell engine installed (from the WMF).
  returned: success
  type: str
  sample: "5.1.17763.1"
wsman_stack_version:
  description: The WS-Management stack version, V(2.0) with WMF 2.0 and V(3.0) with WMF 3.0 and later.
  returned: success
  type: str
  sample: "3.0"
dotnet_release:
  description: The .NET Framework 4 C(Release) value; V(0) for 4.0, null when .NET Framework 4 is absent.
  returned: success
  type: int
  sample: 461814
dotnet_version:
  description: The .NET Framework 4 version that C(Release) stands for.
  returned: success
  type: str
  sample: "4.7.2"
kb2682011_installed:
  description: Whether the performance update KB2682011 is installed (it lets Server Manager collect performance data
    from 2008 and 2008 R2).
  returned: success
  type: bool
sm_remoting_enabled:
  description: Whether Server Manager remote management is enabled (see the notes).
  returned: success
  type: bool
pending_rollback_tasks:
  description:
    - Rollback tasks that an earlier M(winremote.remoting.sm_remoting), M(winremote.remoting.winrm_policy),
      M(winremote.remoting.winrm_listener) or M(winremote.remoting.winrm_service) run armed and could not cancel
      because the host did not come back in time (or, for winrm_service, refused the controller's new logon). Each
      restores the previous settings when its wait ends; rerunning sm_remoting, winrm_policy or winrm_listener
      cancels it, and a winrm_service rerun that changes a guarded setting again replaces it.
  returned: success
  type: list
  elements: str
  sample: []
manageability:
  description:
    - Server Manager's status for the host, in its own words (see the notes for how each is decided).
  returned: always
  type: str
  choices:
    - Online
    - Online - Performance counters not started
    - Online - Data retrieval failures occurred
    - Online - Access denied
    - Not accessible
    - Not accessible - Verify earlier versions run Windows Management Framework 3.0
    - Credentials not valid
    - Kerberos target resolution error
    - Kerberos authentication error
  sample: Online
manageability_reasons:
  description: Why the host is not V(Online), one sentence each.
  returned: always
  type: list
  elements: str
  sample: ["Windows Server 2008 R2 needs WMF 4.0 or later (found PowerShell 2.0)",
           "Windows Server 2008 R2 needs the performance update KB2682011 before Server Manager can collect its
            performance data (it is managed without it)"]
"""

from ansible_collections.winremote.remoting.plugins.module_utils import _controller_only
from ansible_collections.winremote.remoting.plugins.module_utils._specs import REMOTING_INFO


def main() -> None:
    _controller_only.run("remoting_info", REMOTING_INFO)


if __name__ == "__main__":
    main()
