# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Firewall rules, stored only as rule strings in the registry rule stores (one source of truth).

The grammar is `v2.xx|Field=value|...|` ([MS-GPFAS] 2.2.2.19).  A FirewallRule is a parsed view;
`save_rule` renders it back into its store, so WS-Man, netsh and `reg query` all see the same data.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from winsim.registry import Registry

LOCAL_STORE = r"HKLM\SYSTEM\CurrentControlSet\Services\SharedAccess\Parameters\FirewallPolicy\FirewallRules"
GPO_STORE = r"HKLM\SOFTWARE\Policies\Microsoft\WindowsFirewall\FirewallRules"
STORES = {"local": LOCAL_STORE, "gpo": GPO_STORE}
ALL_PROFILES = ("Domain", "Private", "Public")

# English texts of the indirect strings the built-in rules use. ASSUMPTION (UNVERIFIED): the Name/Desc resource ids
# of the Remote Event Log rules.
RESOURCE_STRINGS = {
    "@FirewallAPI.dll,-30253": "Windows Remote Management (HTTP-In)",
    "@FirewallAPI.dll,-30256": "Inbound rule for Windows Remote Management via WS-Management. [TCP 5985]",
    "@FirewallAPI.dll,-30267": "Windows Remote Management",
    "@FirewallAPI.dll,-35001": "Windows Remote Management - Compatibility Mode (HTTP-In)",
    "@FirewallAPI.dll,-30252": "Windows Remote Management (Compatibility)",
    "@FirewallAPI.dll,-29252": "Remote Event Log Management",
    "@FirewallAPI.dll,-29253": "Remote Event Log Management (RPC)",
    "@FirewallAPI.dll,-29257": "Remote Event Log Management (NP-In)",
    "@FirewallAPI.dll,-29265": "Remote Event Log Management (RPC-EPMAP)",
    # ASSUMPTION (UNVERIFIED): the COM+ rule's resource ids are not known; the simulator stores plain text for it.
}


def resolve(text: str) -> str:
    """Resolve an indirect `@dll,-id` string to its English text (unknown ids stay as they are)."""
    return RESOURCE_STRINGS.get(text, text)


@dataclass
class FirewallRule:
    """A parsed rule string plus the store it lives in ("local" or "gpo")."""

    rule_id: str
    name: str  # Name= field: display name or indirect string
    group: str = ""  # EmbedCtxt= field
    enabled: bool = True
    direction: str = "In"
    action: str = "Allow"
    protocol: int = 6  # 256: any (the rule string has no Protocol= field)
    local_ports: list[str] = field(default_factory=list)  # empty = any
    profiles: list[str] = field(default_factory=list)  # empty = all profiles
    remote_addresses: list[str] = field(default_factory=list)  # empty = Any
    app: str = ""
    service: str = ""
    description: str = ""
    store: str = "local"
    version: str = "v2.10"
    # fields the simulator does not model (Edge=, RPort=, Security=, LA4=, ...), and remote address tokens it does
    # not know, as (field, value) in stored order: written back unchanged, so no change ever drops data
    extra_fields: list[tuple[str, str]] = field(default_factory=list)

    @property
    def display_name(self) -> str:
        return resolve(self.name)

    @property
    def display_group(self) -> str:
        return resolve(self.group)

    def render(self) -> str:
        """The registry rule string, fields in the order Windows writes them."""
        parts = [
            self.version,
            f"Action={self.action}",
            f"Active={'TRUE' if self.enabled else 'FALSE'}",
            f"Dir={self.direction}",
        ]
        if self.protocol != 256:
            parts.append(f"Protocol={self.protocol}")
        parts += [f"Profile={p}" for p in self.profiles]
        parts += [f"LPort={p}" for p in self.local_ports]
        parts += address_fields(self.remote_addresses)
        if self.app:
            parts.append(f"App={self.app}")
        if self.service:
            parts.append(f"Svc={self.service}")
        parts.append(f"Name={self.name}")
        if self.description:
            parts.append(f"Desc={self.description}")
        if self.group:
            parts.append(f"EmbedCtxt={self.group}")
        # ASSUMPTION (UNVERIFIED): fields the simulator does not model are written back after the ones it does, in
        # their stored order; Windows keeps every field of a rule it rewrites, the order within the string is free
        parts += [f"{name}={value}" for name, value in self.extra_fields]
        return "|".join(parts) + "|"

    def replace_remote_addresses(self, addresses: list[str]) -> None:
        """What a change of RemoteAddress does: every remote address field is replaced, unknown tokens included."""
        self.remote_addresses = addresses
        self.extra_fields = [(k, v) for k, v in self.extra_fields if k.upper() not in ADDRESS_FIELDS]


# Address keywords as the rule string stores them ([MS-GPFAS] 2.2.2.13 Address Keyword Rules, Microsoft Learn
# https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-gpfas/b8f635e9-9101-47f9-a0b9-f9bb02cfb8b5):
# the five of ADDRESS-KEYWORD-VAL go in RA4= / RA6=, the schema 2.20 ones of ADDRESS-KEYWORD-VAL-2-20 in RA42= / RA62=
# ([MS-GPFAS] 2.2.2.19). Published rule strings show it: "RA42=IntErnet|RA62=IntErnet" for Internet (v2.26 .. v2.32
# rules copied from real stores) and "RA4=LocalSubnet|RA6=LocalSubnet" for LocalSubnet (v2.20 .. v2.33).
# The key is the name Set-NetFirewallRule -RemoteAddress and MSFT_NetAddressFilter use (Set-NetFirewallRule,
# https://learn.microsoft.com/en-us/powershell/module/netsecurity/set-netfirewallrule); ASSUMPTION (UNVERIFIED): the
# cmdlet names IntranetRemoteAccess and PlayToDevice stand for the tokens RmtIntrAnet and Ply2Renders.
KEYWORD_TOKENS: dict[str, tuple[str, str]] = {
    "LocalSubnet": ("LocalSubnet", ""),
    "DNS": ("DNS", ""),
    "DHCP": ("DHCP", ""),
    "WINS": ("WINS", ""),
    "DefaultGateway": ("DefaultGateway", ""),
    "Intranet": ("IntrAnet", "2"),
    "Internet": ("IntErnet", "2"),
    "PlayToDevice": ("Ply2Renders", "2"),
    "IntranetRemoteAccess": ("RmtIntrAnet", "2"),
    "CaptivePortal": ("CaptivePortal", "2"),
}
ADDRESS_KEYWORDS = tuple(KEYWORD_TOKENS)
# keywords netsh advfirewall takes on 2008 / 2008 R2 (remoteip=any|localsubnet|dns|dhcp|wins|defaultgateway|<addresses>,
# "Netsh AdvFirewall Firewall Commands", https://technet.microsoft.com/en-us/library/dd734783(v=ws.10).aspx), which
# are also the only keywords of rule schema 2.10 (FW_ADDRESS_KEYWORD_MAX_V2_10 = 0x0020, [MS-FASP] 2.2.21)
V2_10_KEYWORDS = ("LocalSubnet", "DNS", "DHCP", "WINS", "DefaultGateway")
ADDRESS_FIELDS = {"RA4": 4, "RA6": 6, "RA42": 4, "RA62": 6}
_BY_TOKEN = {token.lower(): name for name, (token, _two) in KEYWORD_TOKENS.items()}


def canonical_keyword(address: str) -> str:
    """netsh and the cmdlets take keywords in any case, optionally limited to one family by a 4 or 6 suffix
    ("LocalSubnet4", Set-NetFirewallRule); the simulator keeps the cmdlet spelling. Other text stays as it is."""
    text = address.strip()
    family = text[-1:] if text[-1:] in ("4", "6") else ""
    base = text[:-1] if family else text
    for name in ADDRESS_KEYWORDS:
        if name.lower() == base.lower():
            return name + family
    return text


def keyword_of(entry: str) -> tuple[str, str] | None:
    """(keyword, family) of a canonical entry, family "" (both), "4" or "6"; None when it is an address."""
    family = entry[-1:] if entry[-1:] in ("4", "6") else ""
    base = entry[:-1] if family else entry
    return (base, family) if base in KEYWORD_TOKENS else None


def address_fields(addresses: list[str]) -> list[str]:
    """RA4 / RA6 / RA42 / RA62 fields of a list of canonical entries.

    ASSUMPTION (UNVERIFIED): Windows writes the IPv4 fields, then IPv6, then RA42 and RA62 (published strings only
    show keywords alone: "RA4=LocalSubnet|RA6=LocalSubnet", "RA42=IntErnet|RA62=IntErnet"); one value per field.
    """
    fields: dict[str, list[str]] = {"RA4": [], "RA6": [], "RA42": [], "RA62": []}
    for entry in addresses:
        keyword = keyword_of(entry)
        if keyword is None:
            fields["RA6" if ":" in entry else "RA4"].append(entry)
            continue
        name, family = keyword
        token, two = KEYWORD_TOKENS[name]
        for version in ("4", "6"):
            if family in ("", version):
                fields[f"RA{version}{two}"].append(token)
    return [f"{name}={value}" for name, values in fields.items() for value in values]


def valid_address(text: str) -> bool:
    """An IPv4/IPv6 address, range (a-b) or subnet (a/prefix, a/mask): what an address field may hold."""
    try:
        if "-" in text:
            low, high = (ipaddress.ip_address(p.strip()) for p in text.split("-", 1))
            return low.version == high.version
        if "/" in text:
            ipaddress.ip_network(text, strict=False)
            return True
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return False


def _address_entry(value: str) -> str | None:
    """The canonical text of one address token of a rule string, or None for a token the simulator does not know."""
    if value.lower() in _BY_TOKEN:
        return _BY_TOKEN[value.lower()]
    return value if valid_address(value) else None


def parse_rule(rule_id: str, value: str, store: str) -> FirewallRule:
    """Parse one rule string; address fields may also hold comma lists, keyword tokens compare case-insensitively
    (quoted strings of the ABNF grammar, RFC 5234 2.3). Any ``v<major>.<minor>`` version is accepted and kept."""
    fields = value.split("|")
    # no Protocol= field means any protocol: 256 in FW_RULE.wIpProtocol ([MS-GPFAS] 2.2.2.19)
    rule = FirewallRule(rule_id=rule_id, name=rule_id, store=store, version=fields[0] or "v2.10", protocol=256)
    families: dict[str, set[str]] = {}  # entry -> the families ("4", "6") it was stored for
    for part in fields[1:]:
        key, sep, data = part.partition("=")
        if not sep:
            continue
        if key == "Action":
            rule.action = data
        elif key == "Active":
            rule.enabled = data.upper() == "TRUE"
        elif key == "Dir":
            rule.direction = data
        elif key == "Protocol" and data.isascii() and data.isdigit():
            rule.protocol = int(data)
        elif key == "Profile" and data not in rule.profiles:
            rule.profiles.append(data)
        elif key == "LPort":
            rule.local_ports.append(data)
        elif key.upper() in ADDRESS_FIELDS:
            for token in (t for t in data.split(",") if t):
                entry = _address_entry(token)
                if entry is None:
                    rule.extra_fields.append((key, token))
                else:
                    families.setdefault(entry, set()).add(str(ADDRESS_FIELDS[key.upper()]))
        elif key == "App":
            rule.app = data
        elif key == "Svc":
            rule.service = data
        elif key == "Name":
            rule.name = data
        elif key == "Desc":
            rule.description = data
        elif key == "EmbedCtxt":
            rule.group = data
        else:
            rule.extra_fields.append((key, data))
    for entry, seen in families.items():
        if entry in KEYWORD_TOKENS and seen != {"4", "6"}:
            entry += seen.pop()  # a keyword stored for one family only: "LocalSubnet4"
        rule.remote_addresses.append(entry)
    return rule


def list_rules(registry: Registry) -> list[FirewallRule]:
    """All rules of both stores, local first, in store order."""
    rules: list[FirewallRule] = []
    for store, path in STORES.items():
        if registry.key_exists(path):
            rules += [parse_rule(v.name, str(v.data), store) for v in registry.values(path) if v.type == "REG_SZ"]
    return rules


def get_rule(registry: Registry, rule_id: str, store: str | None = None) -> FirewallRule | None:
    """The rule with this ID; the Group Policy copy wins when both stores have one (it is the enforced one)."""
    found = [r for r in list_rules(registry) if r.rule_id.lower() == rule_id.lower() and store in (None, r.store)]
    gpo = [r for r in found if r.store == "gpo"]
    ordered = gpo or found
    return ordered[0] if ordered else None


def save_rule(registry: Registry, rule: FirewallRule) -> None:
    registry.set_value(STORES[rule.store], rule.rule_id, "REG_SZ", rule.render())


def delete_rule(registry: Registry, rule: FirewallRule) -> None:
    registry.delete_value(STORES[rule.store], rule.rule_id)
