#!/usr/bin/python
# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Documentation of server_list; the work is done on the controller by the action plugin of the same name."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: server_list
short_description: Add servers to or remove them from Server Manager's server pool file (ServerList.xml)
version_added: 0.1.0
description:
  - Adds or removes C(ServerInfo) entries, and optionally their membership of a custom server group, in a copy
    of Server Manager's C(ServerList.xml) on the controller (the file Server Manager keeps in
    C(%APPDATA%\Microsoft\Windows\ServerManager) of the user's roaming profile), for example before it is
    copied into a profile or a deployment share.
  - Edits the file in place and only where needed. Comments, attribute order, indentation, line endings, the XML
    declaration, the encoding and a byte order mark are kept byte-for-byte; a new server is written as
    C(<ServerInfo name="..." status="2" lastUpdateTime="0001-01-01T00:00:00" />) with the C(locale) of the
    servers already listed, so Server Manager refreshes it.
  - Server names are compared without regard to letter case, like DNS names.
  - A file that is not well-formed XML, whose root element is not C(ServerList), that has a DOCTYPE or an entity
    declaration, or that is larger than 4 MiB fails the task and is left untouched.
  - Runs on the controller and never connects to a managed host. Relative paths are relative to the
    controller's working directory.
author:
  - winremote.remoting maintainers (@winremote)
options:
  path:
    description:
      - The C(ServerList.xml) file on the controller.
    type: path
    required: true
  servers:
    description:
      - The servers' names, as Server Manager shows them (usually fully qualified DNS names).
    type: list
    elements: str
    required: true
  state:
    description:
      - V(present) adds the servers (and, with O(group), their membership); V(absent) removes them.
      - With O(group) and V(absent), only the membership of that group is removed, the servers stay in the pool.
    type: str
    choices: [present, absent]
    default: present
  group:
    description:
      - A custom server group (C(ServerGroupInfo)) the servers join or leave. It is created when missing.
    type: str
  create:
    description:
      - Create an empty server list first when O(path) does not exist (with O(state=present)).
      - When V(false), a missing file fails the task with O(state=present); with O(state=absent) nothing happens.
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
attributes:
  check_mode:
    support: full
    details: Plans the edit and shows it with C(--diff); the file is not written.
  diff_mode:
    support: full
    details: Shows the whole file before and after (it holds server names, no secrets).
  platform:
    platforms: posix
    details: The file is on the controller.
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
notes:
  - The format of server groups is not documented by Microsoft; groups are read and written as
    C(ServerGroupInfo name=...) elements holding C(ServerGroupMembership name=...) elements, and members listed
    at the root with a C(group) or C(groupName) attribute are read too.
  - The file is replaced atomically (a temporary file in the same directory, synced, then renamed over the
    original) and keeps its permissions.
seealso:
  - name: Add servers to Server Manager
    description: Microsoft's description of the server pool.
    link: https://learn.microsoft.com/windows-server/administration/server-manager/add-servers-to-server-manager
"""

EXAMPLES = r"""
- name: Put the web servers in the pool and in the Web group
  winremote.remoting.server_list:
    path: /srv/profiles/admin/ServerManager/ServerList.xml
    servers:
      - web01.contoso.com
      - web02.contoso.com
    group: Web
    create: true

- name: Remove a decommissioned server
  winremote.remoting.server_list:
    path: /srv/profiles/admin/ServerManager/ServerList.xml
    servers: [old01.contoso.com]
    state: absent
    backup: true
"""

RETURN = r"""
path:
  description: The file, as given.
  returned: always
  type: str
  sample: /srv/profiles/admin/ServerManager/ServerList.xml
servers:
  description: The servers the file lists after the task (or would list, in check mode).
  returned: success
  type: list
  elements: str
  sample: [srv01.contoso.com, web01.contoso.com]
groups:
  description: Each server group the file holds after the task, with its members.
  returned: success
  type: dict
  sample: {Web: [web01.contoso.com]}
changes:
  description: What was (or, in check mode, would be) changed, one sentence each.
  returned: success
  type: list
  elements: str
  sample: ["add server web01.contoso.com", "add web01.contoso.com to group Web"]
backup_file:
  description: The backup copy of the file.
  returned: changed and O(backup=true) and the file existed
  type: str
  sample: /srv/profiles/admin/ServerManager/ServerList.xml.2718.2025-01-31@12:00:00~
"""

from ansible_collections.winremote.remoting.plugins.module_utils import _controller_only
from ansible_collections.winremote.remoting.plugins.module_utils._specs import SERVER_LIST


def main() -> None:
    _controller_only.run("server_list", SERVER_LIST)


if __name__ == "__main__":
    main()
