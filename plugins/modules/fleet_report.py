#!/usr/bin/python
# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Documentation of fleet_report; the work is done on the controller by the action plugin of the same name."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: fleet_report
short_description: Write a fleet report of Server Manager's manageability, like its All Servers page
version_added: 0.1.0
description:
  - Writes, on the controller, a report of the servers given in O(servers) with Server Manager's manageability status
    for each, the reasons behind it, the addresses, the operating system, the WS-Management (WinRM) stack and the time
    of the last update, as Server Manager's C(All Servers) page lists them.
  - C(fleet_report.html) is one self-contained page (inline style and script, nothing loaded from the network) with
    the number of servers per status at the top (click one to show only those servers), then the table, sortable by
    clicking a column header and filtered by a text box and a status list. Statuses are coloured green for a managed
    server, amber for one that answered but cannot be managed yet (access denied, credentials, missing
    prerequisites, data retrieval failures) and red for one that is not accessible or has a Kerberos error.
  - C(fleet_report.json) holds the same rows for other tools, C(fleet_report.csv) for spreadsheets; a CSV cell that
    starts with C(=), C(+), C(-), C(@), a tab or a carriage return gets a leading apostrophe so that a spreadsheet
    shows it as text instead of running it as a formula.
  - The report is the same, byte for byte, for the same servers in any order (rows are sorted by name, without
    regard to letter case), and it carries no time of its own unless O(generated_at) is given. A file is replaced only
    when its content differs, atomically (a temporary file in the same directory, synced, then renamed).
  - Runs on the controller and never connects to a managed host.
author:
  - winremote.remoting maintainers (@winremote)
options:
  servers:
    description:
      - The servers, one dict each. Each key may be spelled as the report, as M(winremote.remoting.remoting_info)
        returns it, or as the host variable the P(winremote.remoting.server_pool#inventory) inventory sets, so a
        server can be a remoting_info result with C(name) added, or a host's variables. The first non-empty one wins.
      - C(name) (or C(inventory_hostname), C(server)) - the server's name; required.
      - C(addresses) (or C(address), C(ansible_host)) - a list of addresses, or one.
      - C(manageability) (or C(winremote_manageability)) - Server Manager's status; V(Unknown) when missing.
      - C(reasons) (or C(manageability_reasons), C(winremote_manageability_reasons)) - why the server is not V(Online).
      - C(os) - remoting_info's C(os) dict (C(caption), C(version), C(release)) or a text; or C(os_version) and
        C(os_release) (or C(winremote_os_version) and C(winremote_os_release)).
      - C(wsman_stack) (or C(wsman_stack_version), C(winremote_wsman_stack)) - the WS-Management stack version.
      - C(last_update) (or C(winremote_last_update)) - when the server was last observed, as text (ISO 8601 UTC).
      - C(reachable) (or C(winremote_reachable)) - whether WinRM answered; it tells a server that is V(Not accessible)
        for missing prerequisites (amber) from one that did not answer (red). When missing, a server whose operating
        system is known counts as having answered.
      - Other keys are ignored.
    type: list
    elements: dict
    required: true
  dest:
    description:
      - The directory on the controller the report files are written to, created with its parents when missing.
    type: path
    required: true
  formats:
    description:
      - Which files to write, C(fleet_report.html), C(fleet_report.json) and C(fleet_report.csv).
    type: list
    elements: str
    choices: [html, json, csv]
    default: [html, json, csv]
  title:
    description:
      - The title of the page, also written in the JSON file.
    type: str
    default: All Servers
  generated_at:
    description:
      - A time to show as the report's generation time, written as given.
      - Without it the report holds no time of its own, so rerunning with the same servers changes nothing.
    type: str
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - action_common_attributes.files
attributes:
  check_mode:
    support: full
    details: Tells which files would change and shows them with C(--diff); nothing is written.
  diff_mode:
    support: full
    details: Shows the JSON and CSV files before and after; the HTML page holds the same rows and is left out.
  platform:
    platforms: posix
    details: The files are on the controller.
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
  - Run it once, on V(localhost) or with C(run_once), with the servers of every host; C(playbooks/fleet_report.yml)
    builds O(servers) from the inventory's host variables or from remoting_info results.
  - Every value is escaped in the HTML page and none is placed inside its script. The page's Content-Security-Policy
    allows only its own inline style and script, so a browser loads nothing else from it.
  - A file keeps its owner and permissions when replaced; a new one gets the permissions the umask gives.
  - A report file changed by someone else while the task ran fails the task and is left as it is.
seealso:
  - module: winremote.remoting.remoting_info
  - plugin: winremote.remoting.server_pool
    plugin_type: inventory
  - name: Add Servers to Server Manager
    description: Server Manager's server pool and the manageability statuses it shows.
    link: https://learn.microsoft.com/windows-server/administration/server-manager/add-servers-to-server-manager
  - name: OWASP CSV Injection
    description: Why CSV cells that start like a formula are prefixed with an apostrophe.
    link: https://owasp.org/www-community/attacks/CSV_Injection
"""

EXAMPLES = r"""
- name: Observe every host
  winremote.remoting.remoting_info:
  register: observation
  failed_when: false  # an unmanageable host is a finding, and still has its status and reasons

- name: Name each result after its host
  ansible.builtin.set_fact:
    fleet_server: >-
      {{ observation | combine({'name': inventory_hostname, 'address': ansible_host | default(inventory_hostname),
                                'last_update': now(utc=true).isoformat()}) }}

- name: Write the report of the hosts observed
  winremote.remoting.fleet_report:
    dest: /srv/www/fleet
    servers: "{{ ansible_play_hosts | map('extract', hostvars, 'fleet_server') | list }}"
  run_once: true
  delegate_to: localhost

- name: Report two servers, CSV only, with a generation time
  winremote.remoting.fleet_report:
    dest: ./fleet-report
    formats: [csv]
    title: Web servers
    generated_at: "2026-01-31T12:00:00Z"
    servers:
      - name: web01.contoso.com
        addresses: [10.0.0.11]
        manageability: Online
        os: {caption: Windows Server 2022 Standard, version: 10.0.20348, release: "2022"}
        wsman_stack: "3.0"
        last_update: "2026-01-31T11:58:02Z"
      - name: web02.contoso.com
        manageability: Not accessible
        reasons: [WinRM did not answer on 10.0.0.12:5985]
"""

RETURN = r"""
dest:
  description: The directory, as given.
  returned: always
  type: str
  sample: /srv/www/fleet
files:
  description: The path of each report file by format, whether it changed or not.
  returned: success
  type: dict
  sample: {html: /srv/www/fleet/fleet_report.html, json: /srv/www/fleet/fleet_report.json,
           csv: /srv/www/fleet/fleet_report.csv}
changed_files:
  description: The files that were (or, in check mode, would be) written.
  returned: success
  type: list
  elements: str
  sample: [/srv/www/fleet/fleet_report.json]
counts:
  description: The number of servers per manageability status, problems first.
  returned: success
  type: dict
  sample: {Not accessible: 1, Online: 3}
total:
  description: The number of servers in the report.
  returned: success
  type: int
  sample: 4
"""

from ansible_collections.winremote.remoting.plugins.module_utils import _controller_only
from ansible_collections.winremote.remoting.plugins.module_utils._specs import FLEET_REPORT


def main() -> None:
    _controller_only.run("fleet_report", FLEET_REPORT)


if __name__ == "__main__":
    main()
