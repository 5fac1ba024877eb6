#!/usr/bin/python
# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Documentation of session_configuration; the work is done on the controller by the action plugin of the same
name."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: session_configuration
short_description: Enable or disable a PowerShell session configuration and manage who may use it
version_added: 0.1.0
description:
  - Manages a PowerShell session configuration (an endpoint such as C(Microsoft.PowerShell),
    C(Microsoft.PowerShell32), C(Microsoft.PowerShell.Workflow) or a custom one) over WS-Management from the
    controller, the way C(Set-PSSessionConfiguration -SecurityDescriptorSddl) and
    C(Enable-PSSessionConfiguration) / C(Disable-PSSessionConfiguration) do.
  - A session configuration is a WinRM plugin. The module reads it with one WS-Transfer Get of
    C(winrm/config/plugin?Name=<name>) and changes it with one WS-Transfer Put (its C(Enabled) attribute and the
    C(Sddl) of its resource's C(Security) element). It does not restart WinRM.
  - Grants and revokes edit the security descriptor ACE by ACE; every other ACE, the owner, the group and the
    auditing ACL stay exactly as they were.
  - Options are checked before any connection is made. A change that would take Ansible's own access to
    C(Microsoft.PowerShell) away is refused before anything on the host changes, unless
    O(allow_self_disconnect=true) (see the notes).
author:
  - winremote.remoting maintainers (@winremote)
options:
  name:
    description:
      - The session configuration (the plugin's C(Name)). Letters, digits, C(.), C(-) and C(_).
    type: str
    default: Microsoft.PowerShell
  state:
    description:
      - V(enabled) or V(disabled) (the plugin's C(Enabled) attribute, which C(Disable-PSSessionConfiguration) sets
        from PowerShell 3.0 on). Left as it is when not given.
    type: str
    choices: [enabled, disabled]
  access:
    description:
      - ACEs to add (O(access_state=present)) or remove (O(access_state=absent)).
      - Adding is idempotent. An explicit ACE of the same type for the same principal that already holds the
        rights leaves the descriptor unchanged.
      - Removing removes every explicit ACE (allow and deny) of the principal; O(access[].permissions) and
        O(access[].type) are then ignored.
      - Mutually exclusive with O(sddl).
    type: list
    elements: dict
    suboptions:
      principal:
        description:
          - A SID (V(S-1-5-21-...)), or a user or group name as V(DOMAIN\\name) or V(name) (a local account of
            the host).
          - The English names of the well-known groups (V(BUILTIN\\Administrators), V(Remote Management Users),
            V(BUILTIN\\Users), V(NT AUTHORITY\\INTERACTIVE), V(NT AUTHORITY\\NETWORK),
            V(NT AUTHORITY\\Authenticated Users), V(Everyone), ...) are resolved on the controller. Other names
            are looked up on the host (C(Win32_UserAccount), then C(Win32_Group)); on a localized Windows, give
            the SID or the localized name.
          - A name that holds control characters or any of these characters is refused (quotes, C(/), C([),
            C(]), C(:), C(;), C(|), C(=), C(,), C(+), C(*), C(?), C(<), C(>), C(&), C(^), C(%), C(!), C(@) and the
            backquote).
        type: str
        required: true
      permissions:
        description:
          - The rights of the permissions dialog of C(Set-PSSessionConfiguration -ShowSecurityDescriptorUI). Using a
            configuration needs at least V(execute) (Execute (Invoke)).
          - V(full) (Full Control, C(GA)) includes the other three.
        type: list
        elements: str
        choices: [full, read, write, execute]
        default: [full]
      type:
        description:
          - An allow or a deny ACE. Deny ACEs go before the allow ACEs, as Windows orders them.
        type: str
        choices: [allow, deny]
        default: allow
  access_state:
    description:
      - Whether the ACEs of O(access) are added (V(present)) or removed (V(absent)).
    type: str
    choices: [present, absent]
    default: present
  sddl:
    description:
      - The whole security descriptor in SDDL, replacing the one the configuration has.
      - It must parse as SDDL and have a DACL (C(D:)) that is not a NULL DACL. Mutually exclusive with O(access).
    type: str
extends_documentation_fragment:
  - winremote.remoting.connection
  - winremote.remoting.self_disconnect
  - winremote.remoting.attributes
notes:
  - O(allow_self_disconnect) concerns C(Microsoft.PowerShell), the configuration that Ansible's psrp connection
    plugin uses (the collection refuses any other C(ansible_psrp_configuration_name)). O(state=disabled), or a
    descriptor that no longer gives an administrator's network logon Execute (Invoke) (through
    C(BUILTIN\\Administrators), C(Everyone), C(NT AUTHORITY\\Authenticated Users), C(NT AUTHORITY\\NETWORK), or the
    connecting account when the task names it), is refused unless O(allow_self_disconnect=true). The modules of this
    collection use WinRS command shells and keep working; later psrp tasks fail.
  - C(NT AUTHORITY\\INTERACTIVE) is in a token only for a logon at the console; a remote session is a network logon,
    so an ACE for INTERACTIVE admits nobody remotely.
  - The module does not restart WinRM, so no rollback task is armed; the change is meant for new sessions. The
    PowerShell cmdlets restart WinRM by default after such a change; if a host keeps applying the previous
    descriptor, restart the WinRM service.
seealso:
  - module: winremote.remoting.winrm_service
  - name: Set-PSSessionConfiguration
    description: The cmdlet whose -SecurityDescriptorSddl this module sets.
    link: https://learn.microsoft.com/powershell/module/microsoft.powershell.core/set-pssessionconfiguration
  - name: WinRM Service Plug-in Configuration
    description: The plugin XML (PlugInConfiguration, Resources, Security).
    link: https://learn.microsoft.com/windows/win32/winrm/wsman-service-plug-in-configuration
"""

EXAMPLES = r"""
- name: Let members of Remote Management Users open PowerShell sessions
  winremote.remoting.session_configuration:
    name: Microsoft.PowerShell
    access:
      - principal: BUILTIN\Remote Management Users
        permissions: [full]

- name: Remove a departed operator's access
  winremote.remoting.session_configuration:
    access:
      - principal: CONTOSO\jdoe
    access_state: absent

- name: Disable the 32-bit endpoint
  winremote.remoting.session_configuration:
    name: Microsoft.PowerShell32
    state: disabled

- name: Set the whole descriptor (Administrators and Remote Management Users)
  winremote.remoting.session_configuration:
    name: Microsoft.PowerShell.Workflow
    sddl: O:NSG:BAD:P(A;;GA;;;BA)(A;;GA;;;RM)S:P(AU;FA;GA;;;WD)(AU;SA;GXGW;;;WD)
"""

RETURN = r"""
name:
  description: The session configuration's name as the host spells it.
  returned: success
  type: str
  sample: microsoft.powershell
resource_uri:
  description: The resource URI of the configuration's shells.
  returned: success
  type: str
  sample: http://schemas.microsoft.com/powershell/microsoft.powershell
enabled:
  description: Whether the configuration is enabled after the task (in check mode, as it would be).
  returned: success
  type: bool
  sample: true
sddl:
  description: The security descriptor after the task (in check mode, as it would be); null when it has none.
  returned: success
  type: str
  sample: O:NSG:BAD:P(A;;GA;;;BA)(A;;GA;;;IU)(A;;GA;;;RM)S:P(AU;FA;GA;;;WD)(AU;SA;GXGW;;;WD)
access:
  description: The DACL of O(sddl), decoded, one entry per ACE in order.
  returned: success
  type: list
  elements: dict
  contains:
    sid:
      description: The principal's SID (a domain-relative alias such as C(DA) as written).
      type: str
    name:
      description: The principal's name when known (well-known groups, and names the task resolved); else null.
      type: str
    rights:
      description: V(full), or some of V(read), V(write), V(execute), plus any other bits as a hex mask.
      type: list
      elements: str
    type:
      description: V(allow) or V(deny) (another ACE type as written).
      type: str
    inherited:
      description: Whether the ACE is inherited.
      type: bool
  sample:
    - {"sid": "S-1-5-32-544", "name": "BUILTIN\\Administrators", "rights": ["full"], "type": "allow",
       "inherited": false}
reachable:
  description:
    - V(false) when the task disabled C(Microsoft.PowerShell) or took the connection's access to it away, which
      only O(allow_self_disconnect=true) allows.
  returned: success
  type: bool
  sample: true
changes:
  description: One line per change made (or, in check mode, that would be made).
  returned: success
  type: list
  elements: str
  sample:
    - "disable Microsoft.PowerShell32"
"""

from ansible_collections.winremote.remoting.plugins.module_utils import _controller_only
from ansible_collections.winremote.remoting.plugins.module_utils._specs import (
    SESSION_CONFIGURATION,
    SESSION_CONFIGURATION_RULES,
)


def main() -> None:
    _controller_only.run("session_configuration", SESSION_CONFIGURATION, **SESSION_CONFIGURATION_RULES)


if __name__ == "__main__":
    main()
