# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Change firewall rules in the registry rule stores (winsim.firewall), the way MSFT_NetFirewallRule, netsh and
`winrm quickconfig` change them.

Rules from the Group Policy store refuse changes. ASSUMPTION: with access denied; Windows' cmdlets rather report
that the rule is not found in the PersistentStore — access denied is the clearer choice. netsh edits the local
policy store only (store="local"), and the GPO copy is what Windows enforces.
"""

from __future__ import annotations

import uuid

from winsim import firewall
from winsim.firewall import FirewallRule
from winsim.ops.errors import AccessDenied, InvalidValue, NotFound
from winsim.state import HostState

# ASSUMPTION (UNVERIFIED): the wording of Windows' refusal of an address it cannot parse (the keyword list is the one
# of Set-NetFirewallRule -RemoteAddress, https://learn.microsoft.com/en-us/powershell/module/netsecurity/set-netfirewallrule).
BAD_ADDRESS = (
    "The address is invalid. Addresses may be specified as IP addresses, ranges, or subnets. Also, the following "
    "address keywords are allowed in certain places: " + ", ".join(firewall.ADDRESS_KEYWORDS) + ". Keywords can be "
    "restricted to IPv4 or IPv6 by appending a 4 or a 6."
)


def editable_rule(state: HostState, rule_id: str, store: str | None = None) -> FirewallRule:
    """The rule a change would write (the Group Policy copy wins when store is None, and refuses)."""
    rule = firewall.get_rule(state.registry, rule_id, store)
    if rule is None:
        raise NotFound("The rule was not found.")
    if rule.store == "gpo":
        raise AccessDenied(rule_id)
    return rule


def update_firewall_rule(
    state: HostState,
    rule_id: str,
    *,
    store: str | None = None,
    enabled: bool | None = None,
    profiles: list[str] | None = None,
    remote_addresses: list[str] | None = None,
) -> FirewallRule:
    """Change what is given (None leaves it) in one write. `profiles` [] means all profiles; `remote_addresses` are
    canonical entries (winsim.firewall.canonical_keyword), [] for Any, each a keyword or an address, else nothing
    changes. A new RemoteAddress replaces every remote address field, unknown tokens included."""
    rule = editable_rule(state, rule_id, store)
    if profiles is not None and any(p not in firewall.ALL_PROFILES for p in profiles):
        raise InvalidValue("Profiles are Domain, Private and Public.")
    if remote_addresses is not None:
        for entry in remote_addresses:
            if firewall.keyword_of(entry) is None and not firewall.valid_address(entry):
                raise InvalidValue(BAD_ADDRESS)
    if enabled is not None:
        rule.enabled = enabled
    if profiles is not None:
        rule.profiles = list(profiles)
    if remote_addresses is not None:
        rule.replace_remote_addresses(list(remote_addresses))
    firewall.save_rule(state.registry, rule)
    return rule


def enable_firewall_rule(state: HostState, rule_id: str, store: str | None = None) -> bool:
    """Enable the rule; False when it was enabled already (nothing written)."""
    if editable_rule(state, rule_id, store).enabled:
        return False
    update_firewall_rule(state, rule_id, store=store, enabled=True)
    return True


def disable_firewall_rule(state: HostState, rule_id: str, store: str | None = None) -> bool:
    """Disable the rule; False when it was disabled already (nothing written)."""
    if not editable_rule(state, rule_id, store).enabled:
        return False
    update_firewall_rule(state, rule_id, store=store, enabled=False)
    return True


def set_firewall_rule_profiles(
    state: HostState, rule_id: str, profiles: list[str], store: str | None = None
) -> FirewallRule:
    return update_firewall_rule(state, rule_id, store=store, profiles=profiles)


def set_firewall_rule_addresses(
    state: HostState, rule_id: str, addresses: list[str], store: str | None = None
) -> FirewallRule:
    return update_firewall_rule(state, rule_id, store=store, remote_addresses=addresses)


def add_firewall_rule(
    state: HostState, name: str, local_port: str, program: str = "", description: str = "", enabled: bool = True
) -> FirewallRule:
    """A new inbound TCP Allow rule in the local store, as `netsh advfirewall firewall add rule` makes it: its ID is
    a new GUID (netsh cannot name the ID; ASSUMPTION: Windows picks a braced GUID, as rules created that way show)."""
    if not local_port.isdigit() or not 0 < int(local_port) < 65536:
        raise InvalidValue("The port is not valid.")
    rule = FirewallRule(
        rule_id="{" + str(uuid.uuid4()).upper() + "}",
        name=name,
        enabled=enabled,
        local_ports=[local_port],
        app=program,
        description=description,
    )
    firewall.save_rule(state.registry, rule)
    return rule
