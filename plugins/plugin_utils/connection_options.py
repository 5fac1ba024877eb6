# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Every option of the psrp and winrm connection plugins, and what winremote.remoting does with it.

The modules never open Ansible's connection to the host: :mod:`.connection` reads the host's connection plugin
options and builds one pypsrp ``WSMan`` session from them. So each option is one of

* honoured: mapped onto that session (the ``note`` says onto what),
* refused: set to anything but the plugin's default, the task fails before connecting with a message that names the
  variable and says why (the ``note``), because the setting cannot mean the same thing here,
* irrelevant: it only concerns how Ansible runs modules on the host, which these modules never do.

``tests/unit/test_connection_option_table.py`` fails when the installed ansible-core documents an option that is not
classified here, and ``docs/docsite/rst/guide_connections.rst`` shows the same table to users.
Plugin options: https://docs.ansible.com/ansible/latest/collections/ansible/builtin/psrp_connection.html and
https://docs.ansible.com/ansible/latest/collections/ansible/builtin/winrm_connection.html; pywinrm's arguments
(the winrm plugin passes ``ansible_winrm_<argument>`` through): https://github.com/diyan/pywinrm
"""

from __future__ import annotations

import dataclasses
import typing as t

HONOURED = "honoured"
REFUSED = "refused"
IRRELEVANT = "irrelevant"


@dataclasses.dataclass(frozen=True)
class Rule:
    """What the collection does with one connection option."""

    handling: str
    variable: str  # the host variable users set, for messages and the guide
    note: str  # what it maps onto, why it is refused, or why it does not matter
    default: t.Any = None  # refused options: the one value that is accepted (the plugin's default)


NOT_RUN_ON_HOST = "the modules run on the controller; nothing is copied to or run by Ansible on the host"

PSRP: dict[str, Rule] = {
    "remote_addr": Rule(HONOURED, "ansible_host", "connection.host"),
    "remote_user": Rule(HONOURED, "ansible_user", "connection.username"),
    "remote_password": Rule(HONOURED, "ansible_password", "connection.password"),
    "port": Rule(HONOURED, "ansible_port", "connection.port"),
    "protocol": Rule(HONOURED, "ansible_psrp_protocol", "connection.scheme"),
    "path": Rule(HONOURED, "ansible_psrp_path", "connection.path"),
    "auth": Rule(HONOURED, "ansible_psrp_auth", "connection.auth"),
    "cert_validation": Rule(HONOURED, "ansible_psrp_cert_validation", "connection.cert_validation"),
    "ca_cert": Rule(HONOURED, "ansible_psrp_ca_cert", "connection.ca_path"),
    "connection_timeout": Rule(HONOURED, "ansible_psrp_connection_timeout", "connection.connection_timeout"),
    "read_timeout": Rule(HONOURED, "ansible_psrp_read_timeout", "connection.read_timeout"),
    "operation_timeout": Rule(HONOURED, "ansible_psrp_operation_timeout", "connection.operation_timeout"),
    "message_encryption": Rule(HONOURED, "ansible_psrp_message_encryption", "connection.message_encryption"),
    "proxy": Rule(HONOURED, "ansible_psrp_proxy", "connection.proxy"),
    "ignore_proxy": Rule(HONOURED, "ansible_psrp_ignore_proxy", "connection.no_proxy"),
    "certificate_pem": Rule(HONOURED, "ansible_psrp_certificate_pem", "connection.certificate_pem"),
    "certificate_key_pem": Rule(HONOURED, "ansible_psrp_certificate_key_pem", "connection.certificate_key_pem"),
    "certificate_key_password": Rule(
        REFUSED,
        "ansible_psrp_certificate_key_password",
        "the client key is loaded and checked on the controller without a password before connecting; give an "
        "unencrypted PEM key (openssl pkey -in key.pem -out key-plain.pem) readable only by the controller's user",
    ),
    "credssp_auth_mechanism": Rule(HONOURED, "ansible_psrp_credssp_auth_mechanism", "pypsrp credssp_auth_mechanism"),
    "credssp_disable_tlsv1_2": Rule(HONOURED, "ansible_psrp_credssp_disable_tlsv1_2", "pypsrp credssp_disable_tlsv1_2"),
    "credssp_minimum_version": Rule(HONOURED, "ansible_psrp_credssp_minimum_version", "pypsrp credssp_minimum_version"),
    "negotiate_delegate": Rule(HONOURED, "ansible_psrp_negotiate_delegate", "pypsrp negotiate_delegate"),
    "negotiate_hostname_override": Rule(
        HONOURED, "ansible_psrp_negotiate_hostname_override", "pypsrp negotiate_hostname_override"
    ),
    "negotiate_send_cbt": Rule(HONOURED, "ansible_psrp_negotiate_send_cbt", "pypsrp negotiate_send_cbt"),
    "negotiate_service": Rule(HONOURED, "ansible_psrp_negotiate_service", "pypsrp negotiate_service"),
    "max_envelope_size": Rule(HONOURED, "ansible_psrp_max_envelope_size", "pypsrp max_envelope_size"),
    "reconnection_retries": Rule(
        HONOURED,
        "ansible_psrp_reconnection_retries",
        "retries of each HTTP request whose connection fails (refused, reset, connect timeout), as pypsrp does",
    ),
    "reconnection_backoff": Rule(
        HONOURED, "ansible_psrp_reconnection_backoff", "the backoff factor of those retries, in seconds"
    ),
    "configuration_name": Rule(
        REFUSED,
        "ansible_psrp_configuration_name",
        "the modules use WS-Management and WinRS command shells, not a PowerShell session configuration, so a JEA "
        "or other restricted endpoint would not restrict them; unset it for the hosts these modules manage",
        default="Microsoft.PowerShell",
    ),
    "no_profile": Rule(
        IRRELEVANT, "ansible_psrp_no_profile", "the collection's WinRS shells never load the user profile"
    ),
    "pipelining": Rule(IRRELEVANT, "ansible_pipelining", NOT_RUN_ON_HOST),
}

WINRM: dict[str, Rule] = {
    "remote_addr": Rule(HONOURED, "ansible_host", "connection.host"),
    "remote_user": Rule(HONOURED, "ansible_user", "connection.username"),
    "remote_password": Rule(HONOURED, "ansible_password", "connection.password"),
    "port": Rule(HONOURED, "ansible_port", "connection.port"),
    "scheme": Rule(HONOURED, "ansible_winrm_scheme", "connection.scheme"),
    "path": Rule(HONOURED, "ansible_winrm_path", "connection.path"),
    "transport": Rule(
        HONOURED,
        "ansible_winrm_transport",
        "connection.auth from the first entry (plaintext and ssl are Basic); unset, Negotiate (Kerberos for "
        "user@REALM) rather than the winrm plugin's Basic",
    ),
    "kerberos_command": Rule(
        REFUSED,
        "ansible_winrm_kinit_cmd",
        "pypsrp gets Kerberos tickets in this process through the gssapi library and never runs kinit",
        default="kinit",
    ),
    "kinit_args": Rule(
        REFUSED,
        "ansible_winrm_kinit_args",
        "no kinit runs; for a forwardable ticket set ansible_winrm_kerberos_delegation: true",
    ),
    "kinit_env_vars": Rule(
        IRRELEVANT,
        "ansible_winrm_kinit_env_vars",
        "the Kerberos library runs in the controller's own process and sees its whole environment",
    ),
    "kerberos_mode": Rule(
        HONOURED,
        "ansible_winrm_kinit_mode",
        "managed: the password gets the ticket; manual: the ticket cache is used and the password is not",
    ),
    "connection_timeout": Rule(
        HONOURED,
        "ansible_winrm_connection_timeout",
        "connection.connection_timeout (TCP connect); read and operation timeouts come from "
        "ansible_winrm_read_timeout_sec and ansible_winrm_operation_timeout_sec",
    ),
    "pipelining": Rule(IRRELEVANT, "ansible_pipelining", NOT_RUN_ON_HOST),
}

# pywinrm Protocol arguments, set as ansible_winrm_<argument> (the winrm plugin's "_extras")
WINRM_EXTRAS: dict[str, Rule] = {
    "server_cert_validation": Rule(HONOURED, "ansible_winrm_server_cert_validation", "connection.cert_validation"),
    "ca_trust_path": Rule(HONOURED, "ansible_winrm_ca_trust_path", "connection.ca_path"),
    "cert_pem": Rule(HONOURED, "ansible_winrm_cert_pem", "connection.certificate_pem"),
    "cert_key_pem": Rule(HONOURED, "ansible_winrm_cert_key_pem", "connection.certificate_key_pem"),
    "read_timeout_sec": Rule(HONOURED, "ansible_winrm_read_timeout_sec", "connection.read_timeout"),
    "operation_timeout_sec": Rule(HONOURED, "ansible_winrm_operation_timeout_sec", "connection.operation_timeout"),
    "message_encryption": Rule(HONOURED, "ansible_winrm_message_encryption", "connection.message_encryption"),
    "proxy": Rule(
        HONOURED,
        "ansible_winrm_proxy",
        "connection.proxy (legacy_requests: the environment's proxy; null: no proxy, connection.no_proxy)",
    ),
    "kerberos_delegation": Rule(HONOURED, "ansible_winrm_kerberos_delegation", "pypsrp negotiate_delegate"),
    "kerberos_hostname_override": Rule(
        HONOURED, "ansible_winrm_kerberos_hostname_override", "pypsrp negotiate_hostname_override"
    ),
    "service": Rule(HONOURED, "ansible_winrm_service", "pypsrp negotiate_service"),
    "send_cbt": Rule(HONOURED, "ansible_winrm_send_cbt", "pypsrp negotiate_send_cbt"),
    "credssp_disable_tlsv1_2": Rule(
        HONOURED, "ansible_winrm_credssp_disable_tlsv1_2", "pypsrp credssp_disable_tlsv1_2"
    ),
    "credssp_auth_mechanism": Rule(HONOURED, "ansible_winrm_credssp_auth_mechanism", "pypsrp credssp_auth_mechanism"),
    "credssp_minimum_version": Rule(
        HONOURED, "ansible_winrm_credssp_minimum_version", "pypsrp credssp_minimum_version"
    ),
    "realm": Rule(IRRELEVANT, "ansible_winrm_realm", "pywinrm does not use it either; give the user as user@REALM"),
    "keytab": Rule(
        REFUSED,
        "ansible_winrm_keytab",
        "no keytab is read; run kinit -k -t <keytab> <principal> before the play and set "
        "ansible_winrm_kinit_mode: manual",
    ),
}

PLUGINS: dict[str, dict[str, Rule]] = {"psrp": PSRP, "winrm": WINRM}

# pypsrp WSMan keyword arguments the collection passes only when set (None keeps pypsrp's default)
PASSED_TO_PYPSRP = (
    "negotiate_delegate",
    "negotiate_hostname_override",
    "negotiate_send_cbt",
    "negotiate_service",
    "credssp_auth_mechanism",
    "credssp_disable_tlsv1_2",
    "credssp_minimum_version",
)

# honoured pywinrm extras that map onto one of those arguments: extra -> (ConnectionConfig field, value type)
WINRM_EXTRA_FIELDS: dict[str, tuple[str, str]] = {
    "kerberos_delegation": ("negotiate_delegate", "bool"),
    "kerberos_hostname_override": ("negotiate_hostname_override", "str"),
    "service": ("negotiate_service", "str"),
    "send_cbt": ("negotiate_send_cbt", "bool"),
    "credssp_disable_tlsv1_2": ("credssp_disable_tlsv1_2", "bool"),
    "credssp_auth_mechanism": ("credssp_auth_mechanism", "str"),
    "credssp_minimum_version": ("credssp_minimum_version", "int"),
}


def _refused_message(rule: Rule) -> str:
    # the value is never repeated: it may be a secret (a key password)
    return f"{rule.variable} is set for this host, but winremote.remoting cannot honour it: {rule.note}"


def _is_default(value: t.Any, default: t.Any) -> bool:
    if value is None or value == default:
        return True
    return isinstance(value, str) and isinstance(default, str) and value.lower() == default.lower()


def refusal(plugin: str, get: t.Callable[[str], t.Any]) -> str | None:
    """The message for the first refused option of ``plugin`` set to a value other than its default, or None."""
    for name, rule in PLUGINS.get(plugin, {}).items():
        if rule.handling == REFUSED and not _is_default(get(name), rule.default):
            return _refused_message(rule)
    return None


def extras_refusal(extras: t.Mapping[str, t.Any]) -> str | None:
    """The same for the winrm plugin's ``ansible_winrm_*`` extras."""
    for name, rule in WINRM_EXTRAS.items():
        if rule.handling == REFUSED and not _is_default(extras.get(f"ansible_winrm_{name}"), rule.default):
            return _refused_message(rule)
    return None


def unknown_extras(extras: t.Mapping[str, t.Any]) -> list[str]:
    """One warning per ``ansible_winrm_*`` variable that is neither a winrm plugin option nor a pywinrm argument."""
    return [
        f"connection: {name} is neither an option of the winrm connection plugin nor a pywinrm argument; "
        "winremote.remoting ignores it, as the winrm plugin does"
        for name in sorted(extras)
        if name.removeprefix("ansible_winrm_") not in WINRM_EXTRAS
    ]
