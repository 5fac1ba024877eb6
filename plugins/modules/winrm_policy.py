#!/usr/bin/python
# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Documentation of winrm_policy; the work is done on the controller by the action plugin of the same name."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: winrm_policy
short_description: Set the local Group Policy "Allow remote server management through WinRM"
version_added: 0.1.0
description:
  - Sets the policy "Computer Configuration > Administrative Templates > Windows Components >
    Windows Remote Management (WinRM) > WinRM Service > Allow remote server management through WinRM"
    in the host's local Group Policy object, the way C(gpedit.msc) does.
  - It writes the policy into C(%SystemRoot%\System32\GroupPolicy\Machine\Registry.pol), raises the computer
    version in C(%SystemRoot%\System32\GroupPolicy\gpt.ini) and lists the registry client-side extension there,
    so the policy engine keeps the setting on every refresh, and sets the values it produces under
    C(HKLM\Software\Policies\Microsoft\Windows\WinRM\Service) (C(AllowAutoConfig), C(IPv4Filter), C(IPv6Filter)).
  - WinRM reads these values only when it starts. With O(restart_winrm=true) the module restarts the service
    through a one-shot SYSTEM scheduled task (a restart from a WinRM shell would end that shell first),
    reconnects, and checks that the service now applies the policy.
  - Options are checked before anything on the host changes. A request that would leave no WinRM listener
    serving this connection is refused unless O(allow_self_disconnect=true) (see the notes for the rules).
  - Runs on the controller over WS-Management; nothing is copied to the host except the two small policy files.
author:
  - winremote.remoting maintainers (@winremote)
options:
  state:
    description:
      - V(enabled) turns the policy on. WinRM then creates a listener of its own (shown with C(Source="GPO")) on
        HTTP port 5985 that binds to the local addresses the filters select.
      - V(disabled) sets C(AllowAutoConfig=0) and removes the filters. The WinRM service then answers no remote
        request at all, so this module cannot reach the host afterwards. It needs O(allow_self_disconnect=true).
      - V(not_configured) removes the policy from the local GPO and its values from the registry. The host's own
        listeners apply again after the restart.
    type: str
    required: true
    choices: [enabled, disabled, not_configured]
  ipv4_filter:
    description:
      - The local IPv4 addresses the GPO listener binds to, when O(state=enabled). They are not the clients allowed
        to connect; use the firewall for that.
      - V(*) means every address. Otherwise give a comma-separated list of addresses and ranges
        C(first-last), for example V(10.0.0.5,192.168.1.1-192.168.1.50).
      - An empty string means no IPv4 listener at all; the module warns about it.
      - Defaults to V(*) when O(state=enabled). Not allowed with the other states.
    type: str
  ipv6_filter:
    description:
      - The local IPv6 addresses the GPO listener binds to, with the same syntax as O(ipv4_filter)
        (for example V(fd00::1-fd00::ff)); zone IDs are not accepted.
      - Defaults to V(*) when O(state=enabled). Not allowed with the other states.
    type: str
  restart_winrm:
    description:
      - Restart WinRM after the change so the policy takes effect now, then reconnect and verify.
      - With V(false) the files and registry are updated but the running service keeps its current settings until
        it next starts; the result then has RV(restart_required=true) and a warning.
    type: bool
    default: true
extends_documentation_fragment:
  - winremote.remoting.connection
  - winremote.remoting.self_disconnect
  - winremote.remoting.attributes
notes:
  - O(allow_self_disconnect) concerns a change that leaves WinRM answering nothing on this connection once the
    policy is in effect, such as O(state=disabled), filters that include none of the addresses the connection may
    use, or O(state=not_configured) while the policy's own listener is the only one seen serving the connection.
    The change is verified before the restart. After it the module reports RV(reachable=false) and does not
    reconnect.
  - B(The filters select local addresses, not clients.) WinRM binds its listener to the host's own addresses
    that match the filter. V(*) listens everywhere. A list limits the listener to those interfaces.
    To restrict who may connect, use the Windows Firewall (for example the C(WINRM-HTTP-In-TCP) rule's
    remote addresses).
  - Whether a listener keeps serving this connection is decided on the controller, before connecting.
    B(disabled) always cuts it off. The policy's listener serves HTTP port 5985 (and is assumed to serve HTTPS
    port 5986 too, which errs on the safe side); a connection to another transport or port goes through a host
    listener the policy does not touch and is never refused.
  - For B(enabled) with filters other than V(*), a host name is resolved on the controller (every address,
    within 5 seconds). The request is refused when the filters include none of those addresses or when the name
    does not resolve, and warns when they include only some.
  - B(not_configured) is refused when a C(Source="GPO") listener runs and no other listener (on C(*) or on one of
    the connection's addresses) serves the connection's transport and port, because the policy's listener
    replaces a local C(*) HTTP listener, which Windows then does not show.
  - Behind NAT or a proxy the controller cannot see the host's own address. Connect by the host's address, or set
    O(allow_self_disconnect=true) knowingly.
  - A domain Group Policy that sets the same policy overrides the local one at the next policy refresh.
  - The restart runs as the scheduled task C(winremote-restart-winrm). The task runs C(net stop winrm /y &
    net start winrm) and then deletes itself. If the host does not answer with the new policy within the
    connection's timeouts, the module fails and says what is already written and how to recover.
  - When the run will restart WinRM, it first arms a rollback before writing anything, the SYSTEM scheduled task
    C(winremote-rollback-policy). It waits about 180 seconds (C(ping -n 181 127.0.0.1), independent of the
    host's clock and time zone), then makes WinRM run again the policy it ran before this change (read from
    C(winrm/config/service), not from the files, which an earlier run with O(restart_winrm=false) may have
    changed). It writes C(Registry.pol) and C(gpt.ini) holding that policy, imports the policy values from a
    UTF-16 C(.reg) file and restarts WinRM. The module cancels it (C(schtasks /end), remove its files,
    C(/delete)) as soon as the host answers again. If the host does not come back, or the cancel does not go
    through, the module fails and says what the host will do (restore at about a given time, or that it could
    not be determined, with the C(schtasks /query) command to check). The task's files live in a new directory
    C(%SystemRoot%\Temp\winremote-rollback-<random>) that only SYSTEM and Administrators can write; a directory
    that already exists is never used. This costs 12 more WS-Management round trips, only when WinRM restarts.
    A restart that O(allow_self_disconnect) allows to cut the connection is not guarded.
  - The policy help says that "not configured" means no remote access. Windows Server 2012 and later still
    accept WinRM with the policy unset, through their own listeners. Only V(disabled) switches remote
    management off.
seealso:
  - module: winremote.remoting.remoting_info
  - name: Configure remote management in Server Manager
    description: Microsoft's procedure, which names this policy to enable or disable remote management.
    link: https://learn.microsoft.com/windows-server/administration/server-manager/configure-remote-management-in-server-manager
  - name: Policy CSP - RemoteManagement (AllowAutoConfig, IPv4Filter, IPv6Filter)
    description: The policy and its filter syntax.
    link: https://learn.microsoft.com/windows/client-management/mdm/policy-csp-remotemanagement
"""

EXAMPLES = r"""
- name: Enable remote server management through WinRM on every address (what the procedure's GPO does)
  winremote.remoting.winrm_policy:
    state: enabled

- name: Let the GPO listener bind only to the management network's address range
  winremote.remoting.winrm_policy:
    state: enabled
    ipv4_filter: 10.20.0.1-10.20.0.254
    ipv6_filter: ""

- name: Write the policy now and let WinRM pick it up at the next reboot
  winremote.remoting.winrm_policy:
    state: enabled
    restart_winrm: false

- name: Hand WinRM back to the host's own listeners
  winremote.remoting.winrm_policy:
    state: not_configured

- name: Disable remote management through Group Policy (the host stops answering WinRM)
  winremote.remoting.winrm_policy:
    state: disabled
    allow_self_disconnect: true
"""

RETURN = r"""
rollback:
  description:
    - What became of the rollback task armed for the change, once the host answered again. A run that cannot
      cancel it fails instead, saying whether the host will restore the previous settings and at about what time,
      or that this could not be determined and how to check.
  returned: when a guarded change was applied
  type: str
  sample: "cancelled: the host answered again, and the SYSTEM scheduled task winremote-rollback-policy was removed"
state:
  description: The requested state.
  returned: success
  type: str
  sample: enabled
ipv4_filter:
  description: The requested IPv4 filter, normalised (no blanks), or null unless O(state=enabled).
  returned: success
  type: str
  sample: 10.20.0.1-10.20.0.254
ipv6_filter:
  description: The requested IPv6 filter, normalised (compressed, lower case), or null unless O(state=enabled).
  returned: success
  type: str
  sample: "*"
previous:
  description: The policy as the local GPO's Registry.pol held it before the task.
  returned: success
  type: dict
  sample: {"state": "not_configured", "ipv4_filter": null, "ipv6_filter": null}
running:
  description:
    - The policy the WinRM service applies after the task. V(enabled) when it shows the filters with
      C(Source="GPO").
    - When RV(reachable=false), the policy the service was left to apply.
  returned: success
  type: dict
  sample: {"state": "enabled", "ipv4_filter": "*", "ipv6_filter": "*"}
restart_required:
  description: The service still runs with other settings because O(restart_winrm=false).
  returned: success
  type: bool
  sample: false
reachable:
  description:
    - Whether WinRM still answers this controller after the task.
    - V(false) only with O(allow_self_disconnect=true).
  returned: success
  type: bool
  sample: true
listeners:
  description: The WinRM listeners after the task, as an enumeration of C(winrm/config/listener) shows them.
  returned: success
  type: list
  elements: dict
  sample:
    - {"address": "*", "transport": "HTTP", "port": 5985, "source": "GPO", "listening_on": ["10.20.0.7"],
       "enabled": true, "hostname": "", "url_prefix": "wsman", "certificate_thumbprint": ""}
changes:
  description: One line per change made (or, in check mode, that would be made).
  returned: success
  type: list
  elements: str
  sample:
    - >-
      write %SystemRoot%\System32\GroupPolicy\Machine\Registry.pol: policy
      'Allow remote server management through WinRM' enabled
    - "bump %SystemRoot%\\System32\\GroupPolicy\\gpt.ini to version 1 so the policy engine applies the new Registry.pol"
    - "set HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Service\\AllowAutoConfig=1"
    - "restart WinRM through a SYSTEM scheduled task so the service applies the policy"
"""

from ansible_collections.winremote.remoting.plugins.module_utils import _controller_only
from ansible_collections.winremote.remoting.plugins.module_utils._specs import WINRM_POLICY


def main() -> None:
    _controller_only.run("winrm_policy", WINRM_POLICY)


if __name__ == "__main__":
    main()
