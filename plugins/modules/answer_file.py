#!/usr/bin/python
# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Documentation of answer_file; the work is done on the controller by the action plugin of the same name."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: answer_file
short_description: Enable or disable Server Manager remote management in an unattend answer file
version_added: 0.1.0
description:
  - Sets C(Microsoft-Windows-Web-Services-for-Management-Core) / C(EnableServerRemoteManagement) to V(true) or
    V(false) in an unattend answer file (C(unattend.xml), C(autounattend.xml)) on the controller, for one processor
    architecture and configuration pass. V(false) makes Windows Setup install the server with Server Manager
    remote management (WinRM) disabled.
  - Edits the file in place and only where needed. Comments, attribute order, namespace prefixes, indentation,
    line endings, the XML declaration, the encoding and a byte order mark are kept byte-for-byte. A missing
    setting, component or C(settings) pass is added with the indentation of its siblings.
  - A file that is not well-formed XML, or whose root element is not C(unattend) in the
    C(urn:schemas-microsoft-com:unattend) namespace, fails the task and is left untouched.
  - A file that declares an external entity, nests elements more than 256 deep, has more than 100000 elements
    or is larger than 4 MiB is refused, as is one whose entities expand beyond expat's amplification limits
    ("billion laughs"). So is a file where the setting, its component or its C(settings) pass uses an entity
    declared in the DOCTYPE, since an edit could not keep what the entity says; write the entity's text in place
    of the reference first. Entities used elsewhere in the file are kept as written.
  - The edited text is parsed again with the same checks, and must carry the new value, before the file is
    replaced; otherwise the task fails and nothing is written (in check mode too).
  - Runs on the controller and never connects to a managed host. Relative paths are relative to the
    controller's working directory.
author:
  - winremote.remoting maintainers (@winremote)
options:
  path:
    description:
      - The answer file on the controller.
      - Symbolic links are followed; the link itself is kept.
    type: path
    required: true
  enable_server_remote_management:
    description:
      - The value to set. V(false) disables Server Manager remote management during Windows Setup.
    type: bool
    required: true
  architecture:
    description:
      - The C(processorArchitecture) of the component to edit or add. Windows Server 2008 R2 and later are
        V(amd64) only.
    type: str
    choices: [amd64, x86, wow64, arm64]
    default: amd64
  pass:
    description:
      - The configuration pass (C(settings pass=...)) that holds the component.
      - Microsoft does not document the passes this component accepts; V(specialize), where Setup configures
        the machine's services, is the default. V(windowsPE) is not offered because it configures Windows PE,
        not the server being installed.
    type: str
    choices: [offlineServicing, generalize, specialize, auditSystem, auditUser, oobeSystem]
    default: specialize
  create:
    description:
      - Create a minimal answer file holding only this setting when O(path) does not exist.
      - When V(false), a missing file fails the task.
    type: bool
    default: false
  backup:
    description:
      - Copy the file to C(<path>.<pid>.<YYYY-MM-DD@HH:MM:SS>~) before changing it.
    type: bool
    default: false
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - action_common_attributes.files
  - ansible.builtin.action_common_attributes.actiongroups
attributes:
  check_mode:
    support: full
    details: Plans the edit and shows it with C(--diff); the file is not written.
  diff_mode:
    support: full
    details:
      - Shows only the setting, where it is (pass, component, architecture and line) and its element before and
        after, never the rest of the file, which can hold passwords and product keys.
      - The content of any element whose name ends in C(Password) (C(AdministratorPassword), C(AutoLogon/Password),
        C(LocalAccount/Password), C(MachinePassword)), of C(ProductKey) and of C(Key) is shown as C(********).
  platform:
    platforms: posix
    details: The file is on the controller; the module is for answer files that install Windows servers.
  safe_file_operations:
    support: full
  vault:
    support: none
  action:
    support: full
  async:
    support: none
  bypass_host_loop:
    support: none
  action_group:
    membership:
      - winremote.remoting.remoting
notes:
  - The setting only acts during operating system setup. An administrator can enable Server Manager remote
    management again afterwards, for example with C(Configure-SMRemoting.exe -enable).
  - A server installed with remote management disabled shows a manageability error in Server Manager until
    remote management is enabled on it again.
  - When the setting appears more than once for the same pass and architecture, every occurrence is set.
  - A value other than C(true) or C(false) (in any letter case) counts as different and is replaced.
  - The file is replaced atomically (a temporary file in the same directory, synced, then renamed over the
    original), so a crash leaves the old file or the new one, never a part of either. It keeps its
    permissions, and its owner when the controller runs as root. A new file is written in UTF-8.
  - The backup is created as a new file (an existing file or symbolic link of that name is never followed),
    readable only by its owner until it gets the original's permissions.
seealso:
  - name: Configure remote Management in Server Manager
    description: Microsoft's procedure, including disabling remote management with an answer file.
    link: https://learn.microsoft.com/windows-server/administration/server-manager/configure-remote-management-in-server-manager
  - name: Windows Setup configuration passes
    description: When Windows Setup applies the settings of each pass.
    link: https://learn.microsoft.com/windows-hardware/manufacture/desktop/windows-setup-configuration-passes
"""

EXAMPLES = r"""
- name: Install servers with Server Manager remote management disabled
  winremote.remoting.answer_file:
    path: /srv/deploy/unattend.xml
    enable_server_remote_management: false
    backup: true

- name: Create an answer file that only disables remote management, for the specialize pass
  winremote.remoting.answer_file:
    path: /srv/deploy/disable-remoting.xml
    enable_server_remote_management: false
    create: true

- name: Re-enable remote management in the answer file used for ARM64 servers
  winremote.remoting.answer_file:
    path: /srv/deploy/arm64/autounattend.xml
    enable_server_remote_management: true
    architecture: arm64
"""

RETURN = r"""
path:
  description: The answer file, as given.
  returned: always
  type: str
  sample: /srv/deploy/unattend.xml
enable_server_remote_management:
  description: The value the file holds (or would hold, in check mode) after the task.
  returned: success
  type: bool
  sample: false
previous_value:
  description: The value before the task; null when the setting (or the file) was absent or not a boolean.
  returned: success
  type: bool
  sample: true
changes:
  description: What was (or, in check mode, would be) changed, one sentence each.
  returned: success
  type: list
  elements: str
  sample: ["set EnableServerRemoteManagement from 'true' to false in specialize for amd64"]
backup_file:
  description: The backup copy of the file.
  returned: changed and O(backup=true) and the file existed
  type: str
  sample: /srv/deploy/unattend.xml.2718.2025-01-31@12:00:00~
"""

from ansible_collections.winremote.remoting.plugins.module_utils import _controller_only
from ansible_collections.winremote.remoting.plugins.module_utils._specs import ANSWER_FILE


def main() -> None:
    _controller_only.run("answer_file", ANSWER_FILE)


if __name__ == "__main__":
    main()
