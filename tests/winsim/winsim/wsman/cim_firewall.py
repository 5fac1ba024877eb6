# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""MSFT_NetFirewallRule and MSFT_NetAddressFilter (root/StandardCimv2, Server 2012 and later only).

Both are views of the rule strings in the registry stores, so changes here show up in `reg query` and netsh.
Changes go through winsim.ops.firewall; a rule of the Group Policy store refuses with WS-Man AccessDenied (code 5).
"""

from __future__ import annotations

from collections.abc import Callable

from winsim import firewall, ops
from winsim.firewall import ALL_PROFILES, FirewallRule
from winsim.state import HostState
from winsim.wsman.cim import CimClass, Instance, MethodResult, Params
from winsim.wsman.soap import WsmanFault, access_denied, invalid_parameter

PROFILE_BITS = {"Domain": 1, "Private": 2, "Public": 4}
KEYS = ("CreationClassName", "PolicyRuleName", "SystemCreationClassName", "SystemName")
# ASSUMPTION (UNVERIFIED): PolicyStoreSourceType numbers follow [MS-FASP] FW_RULE_ORIGIN_TYPE: 1 Local,
# 2 GP; the cmdlets document only the names (Local, GroupPolicy, ...).
SOURCE_TYPES = {"local": 1, "gpo": 2}


def has_netsecurity(state: HostState) -> bool:
    return tuple(int(x) for x in state.os_version.split(".")[:2]) >= (6, 2)


def profile_mask(rule: FirewallRule) -> int:
    return sum(PROFILE_BITS[p] for p in rule.profiles if p in PROFILE_BITS)


def rule_instance(state: HostState, rule: FirewallRule) -> Instance:
    return {
        "Caption": None,
        "Description": firewall.resolve(rule.description) if rule.description else "",
        "ElementName": rule.name,
        "InstanceID": rule.rule_id,
        "CreationClassName": f"MSFT|FW|FirewallRule|{rule.rule_id}",
        "PolicyRuleName": "",
        "SystemCreationClassName": "",
        "SystemName": "",
        "Action": 4 if rule.action == "Block" else 2,
        "Direction": 1 if rule.direction == "In" else 2,
        "DisplayGroup": rule.display_group or None,
        "DisplayName": rule.display_name,
        "EdgeTraversalPolicy": 0,
        "Enabled": 1 if rule.enabled else 2,
        "EnforcementStatus": [0],
        "LooseSourceMapping": False,
        "LocalOnlyMapping": False,
        "Owner": None,
        "Platforms": [],
        "PolicyStoreSource": "PersistentStore" if rule.store == "local" else state.hostname.upper(),
        "PolicyStoreSourceType": SOURCE_TYPES[rule.store],
        "PrimaryStatus": 1,
        "Profiles": profile_mask(rule),
        "RuleGroup": rule.group or None,
        "Status": "The rule was parsed successfully from the store. (65536)",
        "StatusCode": 65536,
    }


def address_instance(rule: FirewallRule) -> Instance:
    return {
        "Caption": None,
        "Description": None,
        "ElementName": None,
        "InstanceID": rule.rule_id,
        "CommunicationStatus": None,
        "CreationClassName": f"MSFT|FW|FirewallRule|{rule.rule_id}",
        "Name": "",
        "SystemCreationClassName": "",
        "SystemName": "",
        "LocalAddress": ["Any"],
        "LocalIP": ["Any"],
        "RemoteAddress": list(rule.remote_addresses) or ["Any"],
        "RemoteIP": list(rule.remote_addresses) or ["Any"],
    }


def _rules(state: HostState) -> list[FirewallRule]:
    return firewall.list_rules(state.registry)


def _fault(err: ops.OperationError) -> WsmanFault:
    if isinstance(err, ops.AccessDenied):
        return access_denied()
    return invalid_parameter(str(err))  # "The rule was not found.", a bad address


def _rule_id(target: Instance | None) -> str:
    return str((target or {}).get("InstanceID", ""))


def _update(
    state: HostState,
    target: Instance | None,
    enabled: bool | None = None,
    profiles: list[str] | None = None,
    remote_addresses: list[str] | None = None,
) -> None:
    """Write the changes (none: only check that the rule may be changed)."""
    try:
        if enabled is None and profiles is None and remote_addresses is None:
            ops.editable_rule(state, _rule_id(target))
        else:
            ops.update_firewall_rule(
                state, _rule_id(target), enabled=enabled, profiles=profiles, remote_addresses=remote_addresses
            )
    except ops.OperationError as err:
        raise _fault(err) from err


def put_rule(state: HostState, target: Instance, params: Params) -> None:
    """Put of Enabled and Profiles (a bit mask); any other property must keep its value. Every property is checked
    before the rule is written."""
    _update(state, target)  # a missing or Group Policy rule refuses first
    enabled: bool | None = None
    profiles: list[str] | None = None
    for name, values in params.items():
        value = values[0] if values else ""
        if name == "Enabled":
            if value not in ("1", "2"):
                raise invalid_parameter("Enabled must be 1 (True) or 2 (False).")
            enabled = value == "1"
        elif name in ("Profiles", "Profile"):
            if not value.isdigit() or int(value) > 7:
                raise invalid_parameter("Profiles is a bit mask of Domain=1, Private=2, Public=4.")
            profiles = [p for p in ALL_PROFILES if int(value) & PROFILE_BITS[p]]
        elif str(target.get(name)) != value:
            raise invalid_parameter(f"The property {name} cannot be changed by the simulator.")
    _update(state, target, enabled=enabled, profiles=profiles)


def remote_addresses(values: list[str]) -> list[str]:
    """RemoteAddress values as canonical entries, keywords in the cmdlet spelling ([] for Any); winsim.ops checks
    each, and the store encoding of keywords (RA4/RA6 or RA42/RA62) is the rule renderer's business."""
    addresses = [v.strip() for v in values if v.strip()]
    if any(a.lower() in ("any", "*") for a in addresses):
        if len(addresses) > 1:
            raise invalid_parameter("Any must be the only remote address.")
        return []
    found: list[str] = []
    for address in addresses:
        entry = firewall.canonical_keyword(address)
        if entry not in found:
            found.append(entry)
    return found


def put_address(state: HostState, target: Instance, params: Params) -> None:
    _update(state, target)  # a missing or Group Policy rule refuses first
    addresses: list[str] | None = None
    for name, values in params.items():
        if name == "RemoteAddress":
            addresses = remote_addresses(list(values))
        elif name not in ("InstanceID", "CreationClassName", "Name", "SystemCreationClassName", "SystemName"):
            raise invalid_parameter(f"The property {name} cannot be changed by the simulator.")
    _update(state, target, remote_addresses=addresses)


def _toggle(enabled: bool) -> Callable[[HostState, Instance | None, Params], MethodResult]:
    def method(state: HostState, target: Instance | None, params: Params) -> MethodResult:
        _update(state, target, enabled=enabled)
        # Enable/Disable answer an empty *_OUTPUT although documented as uint32 (as seen by a public client tested
        # against real Windows: networkoptix/nx_system_tests os_access/_windows_networking.py)
        return {}, set()

    return method


FIREWALL_RULE = CimClass(
    "MSFT_NetFirewallRule",
    ("root/standardcimv2",),
    KEYS,
    lambda state: [rule_instance(state, r) for r in _rules(state)],
    put=put_rule,
    methods={"Enable": _toggle(True), "Disable": _toggle(False)},
    available=has_netsecurity,
)
ADDRESS_FILTER = CimClass(
    "MSFT_NetAddressFilter",
    ("root/standardcimv2",),
    ("CreationClassName", "Name", "SystemCreationClassName", "SystemName"),
    lambda state: [address_instance(r) for r in _rules(state)],
    put=put_address,
    available=has_netsecurity,
)
