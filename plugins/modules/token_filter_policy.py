#!/usr/bin/python
# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Documentation of token_filter_policy; the work is done on the controller by the action plugin of the same name."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: token_filter_policy
short_description: Let local administrators other than the built-in one manage a Windows host remotely
version_added: 0.1.0
description:
  - Sets C(LocalAccountTokenFilterPolicy) under
    C(HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System).
  - By default Windows applies UAC remote restrictions. A local account of the Administrators group that logs on
    over the network, other than the built-in Administrator, gets a filtered token without administrative rights,
    so WinRM refuses it with HTTP 401 as if the password were wrong (which Server Manager shows as
    "Credentials not valid", see U(https://github.com/diyan/pywinrm/issues/188)). Setting the policy to
    V(true) gives such accounts their full token remotely.
  - Domain accounts of the Administrators group are not filtered and do not need this setting.
  - Runs on the controller over WS-Management (one StdRegProv call to read, one to write).
author:
  - winremote.remoting maintainers (@winremote)
options:
  enabled:
    description:
      - V(true) sets the value to 1, V(false) sets it to 0 (the Windows default, also meant by an absent value).
    type: bool
    required: true
extends_documentation_fragment:
  - winremote.remoting.connection
  - winremote.remoting.attributes
notes:
  - B(Security trade-off.) Enabling the policy removes a protection against pass-the-hash and lateral movement
    with local accounts. Anyone who knows (or has the hash of) any local administrator password can then
    administer the host over the network. Prefer a domain account, or the built-in Administrator, and keep
    the policy disabled where you can; if you enable it, use unique local administrator passwords (for example
    Windows LAPS).
  - The change applies to new logons at once; no reboot is needed.
seealso:
  - module: winremote.remoting.remoting_info
  - name: Add servers to Server Manager
    description: Microsoft's procedure, which tells to set this value for workgroup servers.
    link: https://learn.microsoft.com/windows-server/administration/server-manager/add-servers-to-server-manager
"""

EXAMPLES = r"""
- name: Let the local account ansible_admin (a member of Administrators) use WinRM on workgroup servers
  winremote.remoting.token_filter_policy:
    enabled: true

- name: Restore UAC remote restrictions once the servers joined the domain
  winremote.remoting.token_filter_policy:
    enabled: false
"""

RETURN = r"""
enabled:
  description: The requested state.
  returned: success
  type: bool
  sample: true
previous:
  description: Whether the policy was enabled before the task.
  returned: success
  type: bool
  sample: false
changes:
  description: One line per change made (or, in check mode, that would be made).
  returned: success
  type: list
  elements: str
  sample:
    - "set LocalAccountTokenFilterPolicy=1: local administrators other than the built-in one get full rights remotely"
"""

from ansible_collections.winremote.remoting.plugins.module_utils import _controller_only
from ansible_collections.winremote.remoting.plugins.module_utils._specs import TOKEN_FILTER_POLICY


def main() -> None:
    _controller_only.run("token_filter_policy", TOKEN_FILTER_POLICY)


if __name__ == "__main__":
    main()
