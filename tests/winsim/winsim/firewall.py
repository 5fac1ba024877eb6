"""Firewall rules, stored only as rule strings in the registry rule stores (one source of truth).

The grammar is `v2.xx|Field=value|...|` ([MS-GPFAS] 2.2.2.19, WINDOWS-FACTS §2).  A FirewallRule is a parsed view;
`save_rule` renders it back into its store, so WS-Man, netsh and `reg query` all see the same data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from winsim.registry import Registry

LOCAL_STORE = r"HKLM\SYSTEM\CurrentControlSet\Services\SharedAccess\Parameters\FirewallPolicy\FirewallRules"
GPO_STORE = r"HKLM\SOFTWARE\Policies\Microsoft\WindowsFirewall\FirewallRules"
STORES = {"local": LOCAL_STORE, "gpo": GPO_STORE}
ALL_PROFILES = ("Domain", "Private", "Public")

# English texts of the indirect strings the built-in rules use (WINDOWS-FACTS §1).  The Name/Desc ids of the
# Remote Event Log rules are UNVERIFIED there; we use them as listed.
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
    # The COM+ rule's resource ids were not found (WINDOWS-FACTS §1): the simulator stores plain text for it.
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
    protocol: int = 6
    local_ports: list[str] = field(default_factory=list)  # empty = any
    profiles: list[str] = field(default_factory=list)  # empty = all profiles
    remote_addresses: list[str] = field(default_factory=list)  # empty = Any
    app: str = ""
    service: str = ""
    description: str = ""
    store: str = "local"
    version: str = "v2.10"

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
            f"Protocol={self.protocol}",
        ]
        parts += [f"Profile={p}" for p in self.profiles]
        parts += [f"LPort={p}" for p in self.local_ports]
        for address in self.remote_addresses:
            if ":" in address:  # an IPv6 address, range or subnet
                parts.append(f"RA6={address}")
            elif address[:1].isdigit():
                parts.append(f"RA4={address}")
            else:  # keywords such as LocalSubnet apply to both families
                parts += [f"RA4={address}", f"RA6={address}"]
        if self.app:
            parts.append(f"App={self.app}")
        if self.service:
            parts.append(f"Svc={self.service}")
        parts.append(f"Name={self.name}")
        if self.description:
            parts.append(f"Desc={self.description}")
        if self.group:
            parts.append(f"EmbedCtxt={self.group}")
        return "|".join(parts) + "|"


ADDRESS_KEYWORDS = ("LocalSubnet", "DefaultGateway", "DHCP", "DNS", "WINS", "Internet", "Intranet")


def canonical_keyword(address: str) -> str:
    """netsh and the cmdlets take keywords in any case; the rule store keeps Windows' spelling."""
    return next((k for k in ADDRESS_KEYWORDS if k.lower() == address.lower()), address)


def parse_rule(rule_id: str, value: str, store: str) -> FirewallRule:
    """Parse one rule string; RA4/RA6 entries may also be comma lists."""
    fields = value.split("|")
    rule = FirewallRule(rule_id=rule_id, name=rule_id, store=store, version=fields[0] or "v2.10")
    addresses: list[str] = []
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
        elif key == "Protocol":
            rule.protocol = int(data) if data.isascii() and data.isdigit() else rule.protocol  # keep odd text readable
        elif key == "Profile" and data not in rule.profiles:
            rule.profiles.append(data)
        elif key == "LPort":
            rule.local_ports.append(data)
        elif key in ("RA4", "RA6"):
            addresses += [a for a in data.split(",") if a and a not in addresses]
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
    rule.remote_addresses = addresses
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
