"""Windows Firewall rules as Windows stores them, addressed by invariant rule ID.

Rules live in the registry as one REG_SZ per rule ID in the ``v2.xx|Field=value|...|`` grammar of [MS-GPFAS]
2.2.2.19: the local store under SharedAccess and the Group Policy store under Policies. Reading both stores tells the
state of a rule and whether Group Policy owns it, the same way on 2008 (no NetSecurity CIM classes) and 2012+.
"""

from __future__ import annotations

import dataclasses
import typing as t

LOCAL_STORE = r"HKLM\SYSTEM\CurrentControlSet\Services\SharedAccess\Parameters\FirewallPolicy\FirewallRules"
GPO_STORE = r"HKLM\SOFTWARE\Policies\Microsoft\WindowsFirewall\FirewallRules"

ALL_PROFILES = ("Domain", "Private", "Public")

# Named sets of predefined rules from the documented procedures.
RULE_SETS: dict[str, tuple[str, ...]] = {
    "winrm_http": ("WINRM-HTTP-In-TCP", "WINRM-HTTP-In-TCP-PUBLIC"),
    "dcom_remote_management": (
        "ComPlusNetworkAccess-DCOM-In",
        "RemoteEventLogSvc-In-TCP",
        "RemoteEventLogSvc-NP-In-TCP",
        "RemoteEventLogSvc-RPCSS-In-TCP",
    ),
}


@dataclasses.dataclass(frozen=True)
class FirewallRule:
    """The parts of a rule the procedures care about."""

    rule_id: str
    enabled: bool
    profiles: tuple[str, ...]  # sorted subset of ALL_PROFILES; all three when the rule names none
    remote_addresses: tuple[str, ...]  # ("Any",) when the rule has no RA4/RA6 restriction
    local_ports: tuple[str, ...]
    action: str
    direction: str
    gpo_owned: bool
    raw: str = dataclasses.field(repr=False, default="")

    def to_dict(self) -> dict[str, t.Any]:
        return {
            "present": True,
            "enabled": self.enabled,
            "profiles": list(self.profiles),
            "remote_address": list(self.remote_addresses),
            "local_port": list(self.local_ports),
            "action": self.action,
            "direction": self.direction,
            "gpo_owned": self.gpo_owned,
        }


def parse_rule_fields(value: str) -> list[tuple[str, str]]:
    """Split a rule string into (field, value) pairs in order; the leading ``v2.xx`` version is dropped."""
    pairs: list[tuple[str, str]] = []
    for part in value.split("|"):
        if not part or "=" not in part:
            continue  # the version prefix and the empty tail after the last "|"
        name, _, field_value = part.partition("=")
        pairs.append((name, field_value))
    return pairs


def parse_rule(rule_id: str, value: str, gpo_owned: bool) -> FirewallRule:
    """Turn one stored rule string into a FirewallRule."""
    fields = parse_rule_fields(value)
    profiles = sorted({v for k, v in fields if k == "Profile"}, key=ALL_PROFILES.index) or list(ALL_PROFILES)
    addresses: list[str] = []
    for key, field_value in fields:
        if key in ("RA4", "RA6"):
            for address in field_value.split(","):
                if address and address not in addresses:
                    addresses.append(address)
    first = dict(reversed(fields))  # the first occurrence of single-valued fields wins
    return FirewallRule(
        rule_id=rule_id,
        enabled=first.get("Active", "FALSE").upper() == "TRUE",
        profiles=tuple(profiles),
        remote_addresses=tuple(addresses) or ("Any",),
        local_ports=tuple(v for k, v in fields if k == "LPort"),
        action=first.get("Action", ""),
        direction=first.get("Dir", ""),
        gpo_owned=gpo_owned,
        raw=value,
    )


def effective_rules(local: dict[str, str], gpo: dict[str, str]) -> dict[str, FirewallRule]:
    """Merge both stores; a rule present in the Group Policy store is the one Windows enforces."""
    rules = {rule_id: parse_rule(rule_id, value, gpo_owned=False) for rule_id, value in local.items()}
    rules.update({rule_id: parse_rule(rule_id, value, gpo_owned=True) for rule_id, value in gpo.items()})
    return rules
