# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""MSFT_NetFirewallRule and MSFT_NetAddressFilter (root/StandardCimv2, Server 2012 and later only).

Both are views of the rule strings in the registry stores, so changes here show up in `reg query` and netsh.
Rules from the Group Policy store refuse changes.  ASSUMPTION: with WS-Man AccessDenied (code 5); Windows'
cmdlets rather report that the rule is not found in the PersistentStore — access denied is the clearer choice.
"""

from __future__ import annotations

from winsim import firewall
from winsim.firewall import ALL_PROFILES, FirewallRule
from winsim.state import HostState
from winsim.wsman.cim import CimClass, Instance, MethodResult, Params, register
from winsim.wsman.soap import access_denied, invalid_parameter

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


def _editable_rule(state: HostState, target: Instance | None) -> FirewallRule:
    rule = firewall.get_rule(state.registry, str((target or {}).get("InstanceID", "")))
    if rule is None:
        raise invalid_parameter("The rule was not found.")
    if rule.store == "gpo":
        raise access_denied()
    return rule


def put_rule(state: HostState, target: Instance, params: Params) -> None:
    rule = _editable_rule(state, target)
    for name, values in params.items():
        value = values[0] if values else ""
        if name == "Enabled":
            if value not in ("1", "2"):
                raise invalid_parameter("Enabled must be 1 (True) or 2 (False).")
            rule.enabled = value == "1"
        elif name in ("Profiles", "Profile"):
            if not value.isdigit() or int(value) > 7:
                raise invalid_parameter("Profiles is a bit mask of Domain=1, Private=2, Public=4.")
            rule.profiles = [p for p in ALL_PROFILES if int(value) & PROFILE_BITS[p]]
        elif str(target.get(name)) != value:
            raise invalid_parameter(f"The property {name} cannot be changed by the simulator.")
    firewall.save_rule(state.registry, rule)


# ASSUMPTION (UNVERIFIED): the wording of Windows' refusal of an address it cannot parse (the keyword list is the one
# of Set-NetFirewallRule -RemoteAddress, https://learn.microsoft.com/en-us/powershell/module/netsecurity/set-netfirewallrule).
BAD_ADDRESS = (
    "The address is invalid. Addresses may be specified as IP addresses, ranges, or subnets. Also, the following "
    "address keywords are allowed in certain places: " + ", ".join(firewall.ADDRESS_KEYWORDS) + ". Keywords can be "
    "restricted to IPv4 or IPv6 by appending a 4 or a 6."
)


def remote_addresses(values: list[str]) -> list[str]:
    """Validated RemoteAddress values, keywords in the cmdlet spelling ([] for Any); the store encoding of keywords
    (RA4/RA6 or RA42/RA62) is the rule renderer's business."""
    addresses = [v.strip() for v in values if v.strip()]
    if any(a.lower() in ("any", "*") for a in addresses):
        if len(addresses) > 1:
            raise invalid_parameter("Any must be the only remote address.")
        return []
    found: list[str] = []
    for address in addresses:
        entry = firewall.canonical_keyword(address)
        if firewall.keyword_of(entry) is None and not firewall.valid_address(entry):
            raise invalid_parameter(BAD_ADDRESS)
        if entry not in found:
            found.append(entry)
    return found


def put_address(state: HostState, target: Instance, params: Params) -> None:
    rule = _editable_rule(state, target)
    for name, values in params.items():
        if name == "RemoteAddress":
            rule.replace_remote_addresses(remote_addresses(list(values)))
        elif name not in ("InstanceID", "CreationClassName", "Name", "SystemCreationClassName", "SystemName"):
            raise invalid_parameter(f"The property {name} cannot be changed by the simulator.")
    firewall.save_rule(state.registry, rule)


def _toggle(enabled: bool):  # type: ignore[no-untyped-def]
    def method(state: HostState, target: Instance | None, params: Params) -> MethodResult:
        rule = _editable_rule(state, target)
        rule.enabled = enabled
        firewall.save_rule(state.registry, rule)
        # Enable/Disable answer an empty *_OUTPUT although documented as uint32 (as seen by a public client tested
        # against real Windows: networkoptix/nx_system_tests os_access/_windows_networking.py)
        return {}, set()

    return method


register(
    CimClass(
        "MSFT_NetFirewallRule",
        ("root/standardcimv2",),
        KEYS,
        lambda state: [rule_instance(state, r) for r in _rules(state)],
        put=put_rule,
        methods={"Enable": _toggle(True), "Disable": _toggle(False)},
        available=has_netsecurity,
    )
)
register(
    CimClass(
        "MSFT_NetAddressFilter",
        ("root/standardcimv2",),
        ("CreationClassName", "Name", "SystemCreationClassName", "SystemName"),
        lambda state: [address_instance(r) for r in _rules(state)],
        put=put_address,
        available=has_netsecurity,
    )
)
