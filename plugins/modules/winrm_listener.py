#!/usr/bin/python
# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Documentation of winrm_listener; the work is done on the controller by the action plugin of the same name."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: winrm_listener
short_description: Manage one WinRM listener, HTTP or HTTPS, with in-place certificate rotation
version_added: 0.1.0
description:
  - Creates, changes or deletes one WinRM listener, the way
    C(winrm create winrm/config/Listener?Address=*+Transport=HTTPS @{Hostname="...";CertificateThumbprint="..."})
    does, over WS-Management from the controller.
  - For HTTPS, the certificate comes from the machine store C(LocalMachine\My), named by O(certificate_thumbprint)
    or chosen by O(certificate). Before anything changes it is checked to be in the store, to have a private key,
    to be valid now, to be for Server Authentication, and to name O(hostname) (its CN, as WinRM requires, and its
    subject alternative names). The task fails with what is wrong otherwise.
  - A new certificate on an existing HTTPS listener is rotated in place (one WS-Transfer Put of
    C(CertificateThumbprint)); the listener is never deleted and created again.
  - Every listener change restarts WinRM. A rollback task on the host (a SYSTEM scheduled task) is armed before
    the change and cancelled once the controller connects again. When this task is connected through the
    listener whose certificate changes, the reconnect validates the new certificate as the connection is
    configured (its CA, C(ca_path)); a certificate the controller does not accept keeps it out, the host restores
    the previous listener by itself, and the task fails saying so and when.
  - A listener created by Group Policy (C(Source="GPO")) is never changed; the task fails when it differs.
  - With O(firewall), an HTTPS listener's port gets an inbound firewall rule (TCP, that port only, program
    C(System)) unless an enabled rule already admits it. No built-in rule covers port 5986.
  - Options are checked before any connection is made.
author:
  - winremote.remoting maintainers (@winremote)
options:
  transport:
    description: The listener's transport.
    type: str
    required: true
    choices: [http, https]
  address:
    description:
      - The listener's C(Address) selector. V(*) for every address, or V(IP:<address>) (a bare address gets the
        C(IP:) prefix). IPv6 scope IDs and host names are refused.
    type: str
    default: "*"
  port:
    description:
      - The TCP port, from 1 to 65535. Defaults to 5985 for V(http) and 5986 for V(https).
    type: int
  hostname:
    description:
      - The name clients use to reach the host (C(Hostname)). For HTTPS it must be the certificate's CN and one of
        its names.
      - Defaults, for HTTPS, to the host's FQDN as the host reports it (C(Hostname) and C(Domain) of
        C(HKLM\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters)), in lower case; for HTTP to the listener's
        current value.
    type: str
  certificate_thumbprint:
    description:
      - The SHA-1 thumbprint of the HTTPS listener's certificate in C(LocalMachine\My), 40 hexadecimal digits;
        spaces and case as certificate viewers show them are accepted.
      - Mutually exclusive with O(certificate).
    type: str
  certificate:
    description:
      - Choose the HTTPS listener's certificate from C(LocalMachine\My). Of the certificates that match every
        given key and are fit for the listener (private key, valid now, Server Authentication, names
        O(hostname)), the newest is taken.
      - Mutually exclusive with O(certificate_thumbprint).
    type: dict
    suboptions:
      subject:
        description: The subject's CN, or the whole subject (RFC 4514), case-insensitive.
        type: str
      san:
        description: One of its subject alternative names (DNS name or IP address), case-insensitive.
        type: str
      issuer:
        description: The issuer's CN, or the whole issuer (RFC 4514), case-insensitive.
        type: str
  enabled:
    description: Whether the listener accepts connections (C(Enabled)).
    type: bool
    default: true
  url_prefix:
    description: The URL path the listener answers on (C(URLPrefix)).
    type: str
    default: wsman
  state:
    description: Whether the listener should exist.
    type: str
    choices: [present, absent]
    default: present
  firewall:
    description:
      - Keep an inbound firewall rule for the listener's port. Defaults to V(true) for V(https) and V(false) for
        V(http).
      - When no enabled rule admits the port, C(netsh advfirewall firewall add rule) creates
        C(WINRM-HTTPS-In-TCP) (C(WINRM-HTTP-In-TCP-Custom) for HTTP); rules are never removed.
    type: bool
extends_documentation_fragment:
  - winremote.remoting.connection
  - winremote.remoting.self_disconnect
  - winremote.remoting.attributes
notes:
  - O(allow_self_disconnect) concerns the listener this task is connected through (the connection's transport and
    port). Deleting it, disabling it, or moving its port or URL prefix cuts the connection and is refused before
    anything changes unless O(allow_self_disconnect=true). A new certificate or host name on that listener does
    not cut it; the change is guarded by the rollback task instead.
  - The rollback task is C(winremote-rollback-winrmlistener); it waits about three minutes, and a later run of
    this module cancels one an earlier run left waiting.
  - The firewall rule is created with netsh on every Windows version (netsh cannot set the rule's group).
seealso:
  - name: Installation and configuration for Windows Remote Management
    description: Listener settings and the C(winrm create) syntax.
    link: https://learn.microsoft.com/windows/win32/winrm/installation-and-configuration-for-windows-remote-management
"""

EXAMPLES = r"""
- name: HTTPS listener with a certificate from the machine store, chosen by subject
  winremote.remoting.winrm_listener:
    transport: https
    certificate:
      subject: server01.example.com
      issuer: Example Issuing CA

- name: Rotate the HTTPS listener's certificate in place, while connected over HTTPS
  winremote.remoting.winrm_listener:
    transport: https
    hostname: server01.example.com
    certificate_thumbprint: "8c 3f 52 1a 90 4d 6e 77 b2 31 0f 9e c4 a8 55 12 6d 03 e9 7b"

- name: Remove the HTTP listener, while connected over HTTPS
  winremote.remoting.winrm_listener:
    transport: http
    state: absent
"""

RETURN = r"""
listener:
  description:
    - The listener as Windows shows it after the task (in check mode, as it would be); null when there is none.
  returned: success
  type: dict
  sample: {"address": "*", "transport": "HTTPS", "port": 5986, "hostname": "server01.example.com",
           "enabled": true, "url_prefix": "wsman", "certificate_thumbprint": "8C3F521A904D6E77B2310F9EC4A855126D03E97B",
           "source": "local", "listening_on": ["10.0.0.5", "127.0.0.1"]}
listeners:
  description: Every listener of the host, as Windows shows them.
  returned: success
  type: list
  elements: dict
certificate:
  description: The certificate of the HTTPS listener the task wanted.
  returned: success, for an HTTPS listener that is present
  type: dict
  sample: {"thumbprint": "8C3F521A904D6E77B2310F9EC4A855126D03E97B", "subject": "CN=server01.example.com",
           "issuer": "CN=Example Issuing CA", "dns_names": ["server01.example.com"],
           "not_before": "2026-01-01T00:00:00+00:00", "not_after": "2027-01-01T00:00:00+00:00"}
firewall_rule:
  description: An enabled inbound rule that admits the listener's port (null when none was looked for or found).
  returned: success
  type: dict
gpo_controlled:
  description: Whether the listener was created by Group Policy (never changed by the module).
  returned: success
  type: bool
reachable:
  description:
    - Whether this connection is still accepted after the task. V(false) only with O(allow_self_disconnect=true).
  returned: success
  type: bool
rollback:
  description: What became of the rollback task armed for the change.
  returned: when a listener change was applied with a rollback task
  type: str
changes:
  description: One line per change made (or, in check mode, that would be made).
  returned: success
  type: list
  elements: str
  sample:
    - "change the HTTPS listener on *: rotate its certificate in place from 0A1B... to 8C3F..."
"""

from ansible_collections.winremote.remoting.plugins.module_utils import _controller_only
from ansible_collections.winremote.remoting.plugins.module_utils._specs import WINRM_LISTENER, WINRM_LISTENER_RULES


def main() -> None:
    _controller_only.run("winrm_listener", WINRM_LISTENER, **WINRM_LISTENER_RULES)


if __name__ == "__main__":
    main()
