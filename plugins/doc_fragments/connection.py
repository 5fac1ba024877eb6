# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The ``connection`` option every winremote.remoting module shares."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  connection:
    description:
      - How the controller reaches the host's WinRM service.
      - By default every setting comes from the host's own connection variables when its connection plugin is
        C(ansible.builtin.psrp) or C(ansible.builtin.winrm) (C(ansible_host), C(ansible_port), C(ansible_user),
        C(ansible_password), C(ansible_psrp_*) or C(ansible_winrm_*), C(-u), AWX/Automation Controller machine
        credentials). Keys set here override those settings one by one.
      - For a host whose connection is not WinRM (for example C(local)), set at least O(connection.host) or rely on
        C(ansible_host).
      - Every other option of those two connection plugins is honoured too (for example
        C(ansible_psrp_negotiate_delegate), C(ansible_psrp_reconnection_retries), C(ansible_winrm_proxy),
        C(ansible_winrm_kerberos_delegation)), or refused before connecting with a message that names the variable
        when it cannot mean the same here (C(ansible_psrp_configuration_name), C(ansible_winrm_kinit_cmd)), or has no
        effect because nothing runs on the host (C(ansible_pipelining)). The collection's connection guide lists
        every option.
      - A host that cannot be reached at all (connection refused, timed out, a name that does not resolve, a reset
        before any reply, a failing proxy) is reported UNREACHABLE, as by Ansible's own connection plugins, so
        C(ignore_unreachable) applies; M(winremote.remoting.remoting_info) reports it as a finding instead.
      - The module runs on the controller; nothing is copied to the Windows host.
    type: dict
    suboptions:
      host:
        description: Host name or IP address of the Windows host.
        type: str
      port:
        description: WinRM port. Defaults to V(5986) for V(https) and V(5985) for V(http).
        type: int
      scheme:
        description: V(https) (default) or V(http). Over V(http) NTLM, Negotiate and Kerberos encrypt every message.
        type: str
        choices: [http, https]
      path:
        description: URL path of the WinRM endpoint, V(wsman) unless the listener's URLPrefix was changed.
        type: str
      username:
        description: Account to authenticate as, C(DOMAIN\\user), C(user@DOMAIN) or a local account name.
        type: str
      password:
        description: Password of O(connection.username). Never logged or returned.
        type: str
      auth:
        description:
          - Authentication protocol. V(negotiate) (default) uses Kerberos when it can and NTLM otherwise.
          - V(basic) over V(http) is refused unless O(connection.message_encryption=never), because it would send
            the password in clear text; use V(https) instead.
        type: str
        choices: [negotiate, ntlm, kerberos, basic, credssp, certificate]
      message_encryption:
        description:
          - V(auto) encrypts messages over V(http) and relies on TLS over V(https); V(always) also encrypts over
            V(https); V(never) turns message encryption off and only works where the host allows unencrypted traffic.
        type: str
        choices: [auto, always, never]
      cert_validation:
        description:
          - Validate the host's TLS certificate. On by default; turn it off only for a lab,
            prefer O(connection.ca_path).
        type: bool
      ca_path:
        description: PEM file or directory of CA certificates that signed the host's WinRM certificate.
        type: path
      connection_timeout:
        description: Seconds to wait for the TCP connection.
        type: int
      read_timeout:
        description: Seconds to wait for each HTTP reply.
        type: int
      operation_timeout:
        description: WS-Man OperationTimeout in seconds; must be lower than O(connection.read_timeout).
        type: int
      certificate_pem:
        description: Client certificate for O(connection.auth=certificate).
        type: path
      certificate_key_pem:
        description: Private key of O(connection.certificate_pem). Never logged or returned.
        type: path
      proxy:
        description:
          - HTTP proxy URL, for example C(http://proxy.example.com:3128). Without it the proxy of the controller's
            environment (C(HTTP_PROXY), C(HTTPS_PROXY), C(NO_PROXY)) applies. A proxy that fails is named in the
            message.
        type: str
      no_proxy:
        description: Ignore proxy settings from the environment.
        type: bool
requirements:
  - pypsrp >= 0.9 on the controller
  - For O(connection.auth=kerberos), C(pip install pypsrp[kerberos]) (gssapi and krb5; building them needs the
    system Kerberos libraries and headers and a C compiler); for O(connection.auth=credssp),
    C(pip install pypsrp[credssp]).
"""

    RETURN = r"""
endpoint:
  description: The WinRM URL the controller used (never with credentials).
  returned: always
  type: str
  sample: https://win01.example.com:5986/wsman
"""
