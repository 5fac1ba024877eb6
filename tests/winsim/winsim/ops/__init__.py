# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The operations layer: the one place that changes a simulated host's state.

WS-Man handlers (winsim.wsman) and command-line tools (winsim.wsman.commands) both call these functions; each
enforces Windows' rule for its change once and raises a typed winsim.ops.errors.OperationError when Windows
would refuse, which the caller renders as a SOAP fault or as a tool's text and exit code. Reads stay with the
model (winsim.state, winsim.rules, winsim.firewall).

One module per kind of change: listeners, firewall, services, registry, winrm_config, and remoting for the
composite changes (quickconfig, Configure-SMRemoting). New kinds (installing a package, a reboot) get their own
module here and are re-exported below.
"""

from __future__ import annotations

from winsim.ops.errors import (
    AccessDenied,
    AlreadyExists,
    CertificateKeyMissing,
    CertificateNotFound,
    GpoControlled,
    InvalidListenerAddress,
    InvalidTransport,
    InvalidValue,
    NotFound,
    OperationError,
    ReadOnlySetting,
    ServiceAlreadyRunning,
    ServiceDisabled,
    ServiceDoesNotExist,
    ServiceError,
    ServiceNotActive,
    UnknownSetting,
)
from winsim.ops.firewall import (
    add_firewall_rule,
    disable_firewall_rule,
    editable_rule,
    enable_firewall_rule,
    set_firewall_rule_addresses,
    set_firewall_rule_profiles,
    update_firewall_rule,
)
from winsim.ops.listeners import (
    LISTENER_EFFECTS,
    RESTART_WINRM,
    changeable_listener,
    check_new_listener,
    create_listener,
    delete_listener,
    find_listener,
    remove_local_listeners,
    set_listener,
)
from winsim.ops.registry import check_writable, create_key, delete_key, delete_value, import_file, write_value
from winsim.ops.remoting import (
    WINRM_RULES,
    QuickconfigStep,
    disable_sm_remoting,
    is_sm_remoting_enabled,
    quickconfig,
)
from winsim.ops.services import restart_winrm, set_start_mode, start_service, stop_service
from winsim.ops.winrm_config import set_winrm_config

__all__ = [
    "LISTENER_EFFECTS",
    "RESTART_WINRM",
    "WINRM_RULES",
    "AccessDenied",
    "AlreadyExists",
    "CertificateKeyMissing",
    "CertificateNotFound",
    "GpoControlled",
    "InvalidListenerAddress",
    "InvalidTransport",
    "InvalidValue",
    "NotFound",
    "OperationError",
    "QuickconfigStep",
    "ReadOnlySetting",
    "ServiceAlreadyRunning",
    "ServiceDisabled",
    "ServiceDoesNotExist",
    "ServiceError",
    "ServiceNotActive",
    "UnknownSetting",
    "add_firewall_rule",
    "changeable_listener",
    "check_new_listener",
    "check_writable",
    "create_key",
    "create_listener",
    "delete_key",
    "delete_listener",
    "delete_value",
    "disable_firewall_rule",
    "disable_sm_remoting",
    "editable_rule",
    "enable_firewall_rule",
    "find_listener",
    "import_file",
    "is_sm_remoting_enabled",
    "quickconfig",
    "remove_local_listeners",
    "restart_winrm",
    "set_firewall_rule_addresses",
    "set_firewall_rule_profiles",
    "set_listener",
    "set_start_mode",
    "set_winrm_config",
    "start_service",
    "stop_service",
    "update_firewall_rule",
    "write_value",
]
