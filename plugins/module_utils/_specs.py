# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Argument specs (pure data), shared by the module documentation stubs and the action plugins.

The module stubs build ``AnsibleModule`` from these so ``ansible-test sanity`` checks the documentation against
the spec; the action plugins validate task arguments with the same dicts, so the two cannot drift.
"""

from __future__ import annotations

import typing as t

CONNECTION_OPTIONS: dict[str, dict[str, t.Any]] = {
    "host": {"type": "str"},
    "port": {"type": "int"},
    "scheme": {"type": "str", "choices": ["http", "https"]},
    "path": {"type": "str"},
    "username": {"type": "str"},
    "password": {"type": "str", "no_log": True},
    "auth": {"type": "str", "choices": ["negotiate", "ntlm", "kerberos", "basic", "credssp", "certificate"]},
    "message_encryption": {"type": "str", "choices": ["auto", "always", "never"]},
    "cert_validation": {"type": "bool"},
    "ca_path": {"type": "path"},
    "connection_timeout": {"type": "int"},
    "read_timeout": {"type": "int"},
    "operation_timeout": {"type": "int"},
    "certificate_pem": {"type": "path"},
    "certificate_key_pem": {"type": "path", "no_log": True},
    "proxy": {"type": "str"},
    "no_proxy": {"type": "bool"},
}

CONNECTION_ARG: dict[str, t.Any] = {"type": "dict", "options": CONNECTION_OPTIONS}


def with_connection(options: dict[str, dict[str, t.Any]]) -> dict[str, dict[str, t.Any]]:
    """A module's own options plus the shared ``connection`` option."""
    return {"connection": CONNECTION_ARG, **options}


REMOTING_INFO: dict[str, dict[str, t.Any]] = with_connection({})

TOKEN_FILTER_POLICY: dict[str, dict[str, t.Any]] = with_connection({"enabled": {"type": "bool", "required": True}})

ANSWER_FILE: dict[str, dict[str, t.Any]] = {
    # Runs on the controller against a local file: no `connection` option.
    "path": {"type": "path", "required": True},
    "enable_server_remote_management": {"type": "bool", "required": True},
    "architecture": {"type": "str", "choices": ["amd64", "x86", "wow64", "arm64"], "default": "amd64"},
    "pass": {
        "type": "str",
        "choices": ["offlineServicing", "generalize", "specialize", "auditSystem", "auditUser", "oobeSystem"],
        "default": "specialize",
    },
    "create": {"type": "bool", "default": False},
    "backup": {"type": "bool", "default": False},
}

SERVER_LIST: dict[str, dict[str, t.Any]] = {
    # Runs on the controller against a local file: no `connection` option.
    "path": {"type": "path", "required": True},
    "servers": {"type": "list", "elements": "str", "required": True},
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    "group": {"type": "str"},
    "create": {"type": "bool", "default": False},
    "backup": {"type": "bool", "default": False},
}

FLEET_REPORT: dict[str, dict[str, t.Any]] = {
    # Runs on the controller and writes local files: no `connection` option.
    "servers": {"type": "list", "elements": "dict", "required": True},
    "dest": {"type": "path", "required": True},
    "formats": {
        "type": "list",
        "elements": "str",
        "choices": ["html", "json", "csv"],
        "default": ["html", "json", "csv"],
    },
    "title": {"type": "str", "default": "All Servers"},
    "generated_at": {"type": "str"},
}

SM_REMOTING: dict[str, dict[str, t.Any]] = with_connection(
    {
        "state": {"type": "str", "choices": ["enabled", "disabled", "query"], "default": "enabled"},
        "allow_self_disconnect": {"type": "bool", "default": False},
    }
)

FIREWALL_RULES: dict[str, dict[str, t.Any]] = with_connection(
    {
        "rules": {"type": "list", "elements": "str"},
        "rule_set": {"type": "str", "choices": ["dcom_remote_management", "winrm_http"]},
        "state": {"type": "str", "choices": ["enabled", "disabled"], "default": "enabled"},
        "profiles": {"type": "list", "elements": "str", "choices": ["domain", "private", "public", "any"]},
        "remote_address": {"type": "list", "elements": "str"},
        "allow_self_disconnect": {"type": "bool", "default": False},
    }
)
# AnsibleModule's cross-option rules for the spec above, used by the module stub and the action plugin alike
FIREWALL_RULES_RULES: dict[str, t.Any] = {"required_one_of": [["rules", "rule_set"]]}

WINRM_POLICY: dict[str, dict[str, t.Any]] = with_connection(
    {
        "state": {"type": "str", "required": True, "choices": ["enabled", "disabled", "not_configured"]},
        # No spec default: "*" applies only with state=enabled, and the other states refuse a filter.
        "ipv4_filter": {"type": "str"},
        "ipv6_filter": {"type": "str"},
        "restart_winrm": {"type": "bool", "default": True},
        "allow_self_disconnect": {"type": "bool", "default": False},
    }
)


# Every option optional and without a default: only the settings given are managed.
WINRM_SERVICE: dict[str, dict[str, t.Any]] = with_connection(
    {
        "auth": {
            "type": "dict",
            "options": {
                "basic": {"type": "bool"},
                "kerberos": {"type": "bool"},
                "negotiate": {"type": "bool"},
                "certificate": {"type": "bool"},
                "credssp": {"type": "bool"},
                "cbt_hardening_level": {"type": "str", "choices": ["none", "relaxed", "strict"]},
            },
        },
        "allow_unencrypted": {"type": "bool"},
        "max_envelope_size_kb": {"type": "int"},
        "max_timeout_ms": {"type": "int"},
        "max_connections": {"type": "int"},
        "ipv4_filter": {"type": "str"},
        "ipv6_filter": {"type": "str"},
        "root_sddl": {"type": "str"},
        "winrs": {
            "type": "dict",
            "options": {
                "allow_remote_shell_access": {"type": "bool"},
                "max_memory_per_shell_mb": {"type": "int"},
                "max_shells_per_user": {"type": "int"},
            },
        },
        "allow_self_disconnect": {"type": "bool", "default": False},
    }
)


# No defaults for port, hostname and firewall in the spec: they depend on the transport (the procedure decides).
WINRM_LISTENER: dict[str, dict[str, t.Any]] = with_connection(
    {
        "transport": {"type": "str", "required": True, "choices": ["http", "https"]},
        "address": {"type": "str", "default": "*"},
        "port": {"type": "int"},
        "hostname": {"type": "str"},
        "certificate_thumbprint": {"type": "str"},
        "certificate": {
            "type": "dict",
            "options": {"subject": {"type": "str"}, "san": {"type": "str"}, "issuer": {"type": "str"}},
        },
        "enabled": {"type": "bool", "default": True},
        "url_prefix": {"type": "str", "default": "wsman"},
        "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
        "firewall": {"type": "bool"},
        "allow_self_disconnect": {"type": "bool", "default": False},
    }
)
WINRM_LISTENER_RULES: dict[str, t.Any] = {"mutually_exclusive": [["certificate_thumbprint", "certificate"]]}


REMOTE_MANAGEMENT: dict[str, dict[str, t.Any]] = with_connection(
    {
        "state": {"type": "str", "choices": ["enabled", "disabled"], "default": "enabled"},
        "sm_remoting": {"type": "bool", "default": True},
        "mmc_firewall_rules": {"type": "bool", "default": True},
        # No spec default: None leaves each rule's remote addresses as they are; refused with state=disabled.
        "mmc_remote_address": {"type": "list", "elements": "str"},
        "winrm_policy": {"type": "bool", "default": False},
        "winrm_policy_ipv4_filter": {"type": "str", "default": "*"},
        "winrm_policy_ipv6_filter": {"type": "str", "default": "*"},
        # A switch, not a secret: LocalAccountTokenFilterPolicy on or off (validate-modules exempts bool options).
        "token_filter_policy": {"type": "bool", "default": False},
        "allow_self_disconnect": {"type": "bool", "default": False},
    }
)


SESSION_CONFIGURATION: dict[str, dict[str, t.Any]] = with_connection(
    {
        "name": {"type": "str", "default": "Microsoft.PowerShell"},
        "state": {"type": "str", "choices": ["enabled", "disabled"]},
        "access": {
            "type": "list",
            "elements": "dict",
            "options": {
                "principal": {"type": "str", "required": True},
                "permissions": {
                    "type": "list",
                    "elements": "str",
                    "choices": ["full", "read", "write", "execute"],
                    "default": ["full"],
                },
                "type": {"type": "str", "choices": ["allow", "deny"], "default": "allow"},
            },
        },
        "access_state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
        "sddl": {"type": "str"},
        "allow_self_disconnect": {"type": "bool", "default": False},
    }
)
SESSION_CONFIGURATION_RULES: dict[str, t.Any] = {"mutually_exclusive": [["access", "sddl"]]}


PSREMOTING: dict[str, dict[str, t.Any]] = with_connection(
    {
        "state": {"type": "str", "choices": ["enabled", "disabled"], "default": "enabled"},
        "skip_network_profile_check": {"type": "bool", "default": False},
        "public_remote_address": {"type": "list", "elements": "str", "default": ["LocalSubnet"]},
        # A switch, not a secret: LocalAccountTokenFilterPolicy set to 1, or left alone (a bool, exempt from no_log).
        "local_account_token_filter_policy": {"type": "bool", "default": True},
        "allow_self_disconnect": {"type": "bool", "default": False},
    }
)


# The catalog entries are checked by the catalogue loader (keys, Windows versions, safe file names, SHA-256 text),
# so the spec keeps them as plain dicts.
WMF_PREREQUISITES: dict[str, dict[str, t.Any]] = with_connection(
    {
        "target_wmf": {"type": "str", "choices": ["3.0", "4.0", "5.0", "5.1"]},
        "performance_update": {"type": "bool", "default": True},
        "source": {"type": "str", "required": True},
        "checksums": {"type": "dict", "default": {}},
        "catalog": {"type": "list", "elements": "dict", "default": []},
        "reboot": {"type": "str", "choices": ["if_required", "never", "always"], "default": "if_required"},
        "reboot_timeout": {"type": "int", "default": 1200},
        "install_timeout": {"type": "int", "default": 3600},
    }
)
