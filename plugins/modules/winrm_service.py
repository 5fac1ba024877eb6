#!/usr/bin/python
# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Documentation of winrm_service; the work is done on the controller by the action plugin of the same name."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: winrm_service
short_description: Manage the WinRM service settings, its authentication methods and the remote shell quotas
version_added: 0.1.0
description:
  - Manages the settings that C(winrm get winrm/config) shows for the service, the way
    C(winrm set winrm/config/service @{...}) changes them, over WS-Management from the controller.
  - Reads the whole configuration with one WS-Transfer Get of C(winrm/config), and changes each section that needs
    it (C(winrm/config), C(winrm/config/service), C(winrm/config/service/auth), C(winrm/config/winrs)) with one
    WS-Transfer Put. WinRM applies these settings without a restart.
  - Every option is optional. Only the settings a task names are managed; the others are left as they are.
  - Secure by default. Basic authentication and unencrypted traffic are only turned on when a task asks for it
    explicitly, and the task then returns a warning.
  - A setting that Group Policy controls (C(Source="GPO") in the configuration) is never changed. The task succeeds
    when the policy already holds the wanted value, and fails naming the policy setting when it does not.
  - Options are checked before any connection is made. A change that would end the authentication or the
    transport this task is connected with is refused before anything on the host changes, unless
    O(allow_self_disconnect=true) (see the notes).
author:
  - winremote.remoting maintainers (@winremote)
options:
  auth:
    description:
      - The authentication methods the WinRM service accepts (C(winrm/config/service/auth)).
    type: dict
    suboptions:
      basic:
        description:
          - Accept Basic authentication. Basic sends the user name and password encoded, not encrypted, so
            V(true) returns a warning; use it only over HTTPS.
        type: bool
      kerberos:
        description: Accept Kerberos authentication.
        type: bool
      negotiate:
        description: Accept Negotiate authentication (Kerberos or NTLM; the connection's V(ntlm) uses it).
        type: bool
      certificate:
        description: Accept client certificate authentication.
        type: bool
      credssp:
        description: Accept CredSSP authentication.
        type: bool
      cbt_hardening_level:
        description:
          - How strictly the service requires channel binding tokens over HTTPS (C(CbtHardeningLevel)).
        type: str
        choices: [none, relaxed, strict]
  allow_unencrypted:
    description:
      - Let the service accept messages that are not encrypted over HTTP (C(AllowUnencrypted)).
      - V(true) sends messages in the clear on the network and returns a warning.
    type: bool
  max_envelope_size_kb:
    description:
      - The largest SOAP message the service accepts and sends, in KB (C(MaxEnvelopeSizekb) of C(winrm/config)).
      - From 32 to 4294967295.
    type: int
  max_timeout_ms:
    description:
      - The longest time-out a request may ask for, in milliseconds (C(MaxTimeoutms) of C(winrm/config)).
      - From 500 to 4294967295.
    type: int
  max_connections:
    description:
      - The number of simultaneous active requests the service takes (C(MaxConnections)).
      - From 1 to 4294967295.
    type: int
  ipv4_filter:
    description:
      - The local IPv4 addresses WinRM listens on (C(IPv4Filter)). They are not the clients allowed to connect; use
        the firewall for that.
      - V(*) for every address, an empty string for none (returns a warning), or a comma-separated list of
        addresses and ranges C(first-last), for example V(10.0.0.1-10.0.0.20).
    type: str
  ipv6_filter:
    description:
      - The local IPv6 addresses WinRM listens on (C(IPv6Filter)), with the same syntax as O(ipv4_filter), for
        example V(fd00::1-fd00::ff). Zone (scope) IDs are not accepted.
    type: str
  root_sddl:
    description:
      - The security descriptor that decides who may use WinRM at all (C(RootSDDL)), in SDDL.
      - It must parse as SDDL and have a DACL (C(D:)) that is not a NULL DACL.
    type: str
  winrs:
    description:
      - The remote shell settings (C(winrm/config/winrs)).
    type: dict
    suboptions:
      allow_remote_shell_access:
        description:
          - Accept new remote shells. V(false) returns a warning, because the modules of this collection that run
            commands on the host need them.
        type: bool
      max_memory_per_shell_mb:
        description:
          - The memory a shell and its processes may use, in MB (C(MaxMemoryPerShellMB)); 0 means no limit.
          - From 0 to 2147483647. Microsoft does not support values below the default of 1024; the module warns.
        type: int
      max_shells_per_user:
        description:
          - The remote shells one user may have open at once (C(MaxShellsPerUser)); 0 means no limit.
          - From 0 to 2147483647.
        type: int
extends_documentation_fragment:
  - winremote.remoting.connection
  - winremote.remoting.self_disconnect
  - winremote.remoting.attributes
notes:
  - O(allow_self_disconnect) concerns a change that ends this connection, decided on the controller from the
    connection's own settings. Turning off the authentication method the connection uses (O(auth.negotiate=false)
    with V(ntlm) or V(negotiate), O(auth.kerberos=false) with V(kerberos), O(auth.basic=false) with V(basic),
    O(auth.credssp=false) with V(credssp), O(auth.certificate=false) with V(certificate));
    O(allow_unencrypted=false) while the connection sends unencrypted messages over HTTP (Basic, or
    C(message_encryption=never)); O(auth.cbt_hardening_level=strict) over HTTPS without channel binding
    (C(negotiate_send_cbt=false)); a filter that leaves out every address the connection uses (a host name is
    resolved on the controller within 5 seconds); O(max_timeout_ms) below the connection's C(operation_timeout);
    and a O(root_sddl) that no longer gives
    C(BUILTIN\Administrators) full access (GA). With V(true) such a change is made last and the task reports it
    changed but not verified.
  - The filters are the local addresses WinRM binds to. Behind NAT or a proxy the controller cannot see the host's
    own address; connect by the host's address, or set O(allow_self_disconnect=true) knowingly.
  - These settings take effect without restarting WinRM. A change after which the host may refuse this
    controller's next logon (any O(auth) change, O(root_sddl), O(allow_unencrypted), O(ipv4_filter),
    O(ipv6_filter)) runs under a rollback task (SYSTEM scheduled task C(winremote-rollback-winrmservice)); the
    module then logs in again on a new connection, reads the new values back and removes the task. When the new logon
    is refused (for example a O(root_sddl) that denies this account through a group or its own SID, which the
    checks above cannot see), the task fails saying that the host restores the previous values by itself, and
    when. Arming the task needs remote shell access, so on a host with O(winrs.allow_remote_shell_access=false)
    such a change fails with nothing changed.
seealso:
  - module: winremote.remoting.winrm_policy
  - module: winremote.remoting.remoting_info
  - name: Installation and configuration for Windows Remote Management
    description: The settings of winrm/config, their defaults, and the security of Basic and unencrypted traffic.
    link: https://learn.microsoft.com/windows/win32/winrm/installation-and-configuration-for-windows-remote-management
  - name: Quotas for Windows Remote Management
    description: The remote shell quotas.
    link: https://learn.microsoft.com/windows/win32/winrm/quotas
"""

EXAMPLES = r"""
- name: Harden WinRM authentication (Kerberos and Negotiate only, strict channel binding)
  winremote.remoting.winrm_service:
    auth:
      basic: false
      credssp: false
      kerberos: true
      negotiate: true
      cbt_hardening_level: strict
    allow_unencrypted: false

- name: Listen only on the management network and raise the limits
  winremote.remoting.winrm_service:
    ipv4_filter: 10.20.0.1-10.20.0.254
    ipv6_filter: ""
    max_envelope_size_kb: 8192
    max_connections: 300
    winrs:
      max_memory_per_shell_mb: 2048
      max_shells_per_user: 30

- name: Turn off NTLM/Negotiate while this task connects with Kerberos over HTTPS
  winremote.remoting.winrm_service:
    auth:
      negotiate: false
    connection:
      auth: kerberos
      scheme: https
"""

RETURN = r"""
service:
  description:
    - The service settings after the task (in check mode, as they would be), including the two limits of
      C(winrm/config). A setting the host does not have is null.
  returned: success
  type: dict
  sample: {"allow_unencrypted": false, "max_envelope_size_kb": 500, "max_timeout_ms": 60000,
           "max_connections": 300, "ipv4_filter": "*", "ipv6_filter": "*",
           "root_sddl": "O:NSG:BAD:P(A;;GA;;;BA)(A;;GR;;;IU)S:P(AU;FA;GA;;;WD)(AU;SA;GXGW;;;WD)"}
auth:
  description: The service's authentication settings after the task.
  returned: success
  type: dict
  sample: {"basic": false, "kerberos": true, "negotiate": true, "certificate": false, "credssp": false,
           "cbt_hardening_level": "Relaxed"}
winrs:
  description: The remote shell settings after the task.
  returned: success
  type: dict
  sample: {"allow_remote_shell_access": true, "max_memory_per_shell_mb": 1024, "max_shells_per_user": 30}
gpo_controlled:
  description: The options whose settings Group Policy controls on this host (never changed by the module).
  returned: success
  type: list
  elements: str
  sample: ["auth.basic", "allow_unencrypted"]
reachable:
  description:
    - Whether this connection is still accepted after the task. V(false) only with O(allow_self_disconnect=true).
  returned: success
  type: bool
  sample: true
changes:
  description: One line per change made (or, in check mode, that would be made).
  returned: success
  type: list
  elements: str
  sample:
    - "set winrm/config/service/auth Basic to 'false' (was 'true')"
    - "set winrm/config MaxEnvelopeSizekb to '8192' (was '500')"
"""

from ansible_collections.winremote.remoting.plugins.module_utils import _controller_only
from ansible_collections.winremote.remoting.plugins.module_utils._specs import WINRM_SERVICE


def main() -> None:
    _controller_only.run("winrm_service", WINRM_SERVICE)


if __name__ == "__main__":
    main()
