# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Windows Firewall rules as Windows stores them, addressed by invariant rule ID.

Rules live in the registry as one REG_SZ per rule ID in the ``v2.xx|Field=value|...|`` grammar of [MS-GPFAS]
2.2.2.19: the local store under SharedAccess and the Group Policy store under Policies. Reading both stores tells the
state of a rule and whether Group Policy owns it, the same way on 2008 (no NetSecurity CIM classes) and 2012+.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
import typing as t
import xml.etree.ElementTree as ET

from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.change import Endpoint, Operation
from ansible_collections.winremote.remoting.plugins.plugin_utils.errors import InvalidArgumentError
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import key_reads, quote, registry
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import batch, errors
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.protocol import Client

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
    profiles: tuple[str, ...]  # the known ones, in ALL_PROFILES order; all three when the rule names none
    remote_addresses: tuple[str, ...]  # ("Any",) when the rule has no RA4/RA6/RA42/RA62 field
    local_ports: tuple[str, ...]
    action: str
    direction: str
    gpo_owned: bool
    raw: str = dataclasses.field(repr=False, default="")
    # Profile= words of the stored rule that are none of ALL_PROFILES, as written (a store another tool wrote, or a
    # newer Windows): kept and reported, never guessed at
    unknown_profiles: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, t.Any]:
        found: dict[str, t.Any] = {
            "present": True,
            "enabled": self.enabled,
            "profiles": list(self.profiles),
            "remote_address": list(self.remote_addresses),
            "local_port": list(self.local_ports),
            "action": self.action,
            "direction": self.direction,
            "gpo_owned": self.gpo_owned,
        }
        if self.unknown_profiles:
            found["unknown_profiles"] = list(self.unknown_profiles)
        return found


def parse_rule_fields(value: str) -> list[tuple[str, str]]:
    """Split a rule string into (field, value) pairs in order; the leading ``v2.xx`` version is dropped."""
    pairs: list[tuple[str, str]] = []
    for part in value.split("|"):
        if not part or "=" not in part:
            continue  # the version prefix and the empty tail after the last "|"
        name, _sep, field_value = part.partition("=")
        pairs.append((name, field_value))
    return pairs


_PROFILES_BY_LOWER = {profile.lower(): profile for profile in ALL_PROFILES}

# Remote address keywords in a rule string ([MS-GPFAS] 2.2.2.13 Address Keyword Rules and 2.2.2.19, Microsoft Learn
# https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-gpfas/b8f635e9-9101-47f9-a0b9-f9bb02cfb8b5 and
# .../2efe0b76-7b4a-41ff-9050-1023f8196d16): LocalSubnet, DNS, DHCP, WINS and DefaultGateway are stored in RA4= / RA6=
# (e.g. "RA4=LocalSubnet|RA6=LocalSubnet"), the keywords of rule schema 2.20 and later (Windows Server 2012 on) in
# RA42= / RA62= with their own spelling: Internet is "RA42=IntErnet|RA62=IntErnet", as rule strings copied from real
# stores show (v2.26 to v2.32). Quoted strings of that ABNF grammar match in any case (RFC 5234 section 2.3).
# Values are the names MSFT_NetAddressFilter.RemoteAddress and Set-NetFirewallRule -RemoteAddress use
# (https://learn.microsoft.com/en-us/powershell/module/netsecurity/set-netfirewallrule). ASSUMPTION (UNVERIFIED):
# RmtIntrAnet is the cmdlets' IntranetRemoteAccess and Ply2Renders their PlayToDevice.
STORE_KEYWORDS = {
    "localsubnet": "LocalSubnet",
    "dns": "DNS",
    "dhcp": "DHCP",
    "wins": "WINS",
    "defaultgateway": "DefaultGateway",
    "intranet": "Intranet",
    "internet": "Internet",
    "rmtintranet": "IntranetRemoteAccess",
    "ply2renders": "PlayToDevice",
    "captiveportal": "CaptivePortal",
}
# field -> address family; RA42 / RA62 carry keywords only
REMOTE_ADDRESS_FIELDS = {"RA4": "4", "RA6": "6", "RA42": "4", "RA62": "6"}


def remote_addresses_of(fields: t.Sequence[tuple[str, str]]) -> list[str]:
    """The remote addresses of a parsed rule string, keywords in the cmdlets' spelling, in stored order.

    A keyword stored for one family only reads as the cmdlets write it, with a 4 or 6 suffix (``LocalSubnet4``).
    A token that is neither a keyword nor (presumably) an address is kept as it is stored, so it shows up as a
    difference instead of being lost; an empty result means Any.
    """
    order: list[str] = []
    families: dict[str, set[str]] = {}
    for key, field_value in fields:
        family = REMOTE_ADDRESS_FIELDS.get(key.upper())
        if family is None:
            continue
        for token in field_value.split(","):
            token = token.strip()
            if not token:
                continue
            entry = STORE_KEYWORDS.get(token.lower(), token)
            if entry not in families:
                order.append(entry)
            families.setdefault(entry, set()).add(family)
    keywords = set(STORE_KEYWORDS.values())
    return [
        entry + "".join(families[entry]) if entry in keywords and len(families[entry]) == 1 else entry
        for entry in order
    ]


def parse_rule(rule_id: str, value: str, gpo_owned: bool) -> FirewallRule:
    """Turn one stored rule string into a FirewallRule; whatever the host stored, this never raises.

    A stored rule reads like ``v2.10|Action=Allow|Active=TRUE|Dir=In|Protocol=6|Profile=Domain|LPort=5985|...``
    ([MS-GPFAS] 2.2.2.19). A rule naming no profile applies to all three; Profile= words other than Domain,
    Private and Public are kept in ``unknown_profiles``.
    """
    fields = parse_rule_fields(value)
    named = [v.strip() for k, v in fields if k == "Profile"]
    known = {_PROFILES_BY_LOWER[word.lower()] for word in named if word.lower() in _PROFILES_BY_LOWER}
    unknown = tuple(dict.fromkeys(word for word in named if word.lower() not in _PROFILES_BY_LOWER))
    profiles = [p for p in ALL_PROFILES if p in known] if named else list(ALL_PROFILES)
    addresses = remote_addresses_of(fields)
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
        unknown_profiles=unknown,
    )


def effective_rules(local: dict[str, str], gpo: dict[str, str]) -> dict[str, FirewallRule]:
    """Merge both stores; a rule present in the Group Policy store is the one Windows enforces."""
    rules = {rule_id: parse_rule(rule_id, value, gpo_owned=False) for rule_id, value in local.items()}
    rules.update({rule_id: parse_rule(rule_id, value, gpo_owned=True) for rule_id, value in gpo.items()})
    return rules


# --- reading rules by ID through the batched registry probes --------------------------------------------------------


def rule_probe_name(store: str, index: int) -> str:
    """Probe names carry an index, not the rule ID: IDs may hold characters cmd.exe must not echo."""
    return f"fw.{store}.{index}"


# The stores' presence proofs: a rule value that reg.exe did not print is absent only when its store key was read
# (the local store exists on every Windows; the Group Policy store only once a GPO defines rules).
STORE_PRESENCE = (("fw.local.key", LOCAL_STORE, False), ("fw.gpo.key", GPO_STORE, True))


def store_presences(result: batch.BatchResult) -> list[key_reads.Presence]:
    return [key_reads.presence(result, name, key, absent_ok) for name, key, absent_ok in STORE_PRESENCE]


def rule_probes(rule_ids: t.Sequence[str]) -> list[batch.Probe]:
    """The stores' presence proofs, then one ``reg query /v`` per rule and store (local store first), so both stores
    cost no extra round trip."""
    found = [key_reads.presence_probe(name, key, absent_ok) for name, key, absent_ok in STORE_PRESENCE]
    for store_name, store_key in (("local", LOCAL_STORE), ("gpo", GPO_STORE)):
        for index, rule_id in enumerate(rule_ids):
            found.append(batch.Probe(rule_probe_name(store_name, index), registry.query_command(store_key, rule_id)))
    return found


def rules_read(rule_ids: t.Sequence[str]) -> batch.Read[dict[str, FirewallRule | None]]:
    """The rules by ID from both stores (None: in neither), as a read; whether the stores could be read at all
    is :func:`store_presences` of the same result."""
    ids = tuple(rule_ids)
    return batch.Read(tuple(rule_probes(ids)), lambda result: rules_from_batch(result, ids))


def _stored_value(result: batch.BatchResult, store: str, key: str, index: int, rule_id: str) -> str | None:
    found = registry.find_key(registry.parse_query(result.section(rule_probe_name(store, index))), key)
    value = found.get(rule_id) if found else None
    return value if isinstance(value, str) else None


def rules_from_batch(result: batch.BatchResult, rule_ids: t.Sequence[str]) -> dict[str, FirewallRule | None]:
    """The effective rule per requested ID (None when neither store has it), from :func:`rule_probes` output."""
    local: dict[str, str] = {}
    gpo: dict[str, str] = {}
    for index, rule_id in enumerate(rule_ids):
        for store, key, into in (("local", LOCAL_STORE, local), ("gpo", GPO_STORE, gpo)):
            value = _stored_value(result, store, key, index, rule_id)
            if value is not None:
                into[rule_id] = value
    rules = effective_rules(local, gpo)
    return {rule_id: rules.get(rule_id) for rule_id in rule_ids}


# --- normalising what a task asks for, so a rerun compares equal to what Windows stored ----------------------------

# Keywords MSFT_NetAddressFilter.RemoteAddress accepts, in the spelling Windows shows (the Set-NetFirewallRule
# -RemoteAddress keyword list, see STORE_KEYWORDS); each may be limited to one address family by a 4 or 6 suffix.
ADDRESS_KEYWORDS = (
    "LocalSubnet",
    "DefaultGateway",
    "DHCP",
    "DNS",
    "WINS",
    "Internet",
    "Intranet",
    "IntranetRemoteAccess",
    "PlayToDevice",
    "CaptivePortal",
)
_KEYWORDS_BY_LOWER = {keyword.lower(): keyword for keyword in ADDRESS_KEYWORDS}


def keyword_family(text: str) -> tuple[str, str] | None:
    """(keyword, family) of a keyword in any case, family "" for both, "4" or "6"; None when it is no keyword."""
    lowered = text.strip().lower()
    if lowered in _KEYWORDS_BY_LOWER:
        return _KEYWORDS_BY_LOWER[lowered], ""
    if lowered[-1:] in ("4", "6") and lowered[:-1] in _KEYWORDS_BY_LOWER:
        return _KEYWORDS_BY_LOWER[lowered[:-1]], lowered[-1]
    return None


PROFILE_CHOICES = ("domain", "private", "public", "any")

_Ip = ipaddress.IPv4Address | ipaddress.IPv6Address


def shown(value: str, limit: int = 60) -> str:
    """``value`` for an error message: its repr, cut to ``limit`` characters so a huge input never fills the output."""
    return repr(value) if len(value) <= limit else repr(value[:limit]) + f"... ({len(value)} characters)"


def _bad_address(item: str, why: str) -> InvalidArgumentError:
    return InvalidArgumentError("remote_address", f"{shown(item)} {why}")


# What an address, prefix, mask or range can be made of. Python's ipaddress also accepts IPv6 scope IDs
# (``fe80::1%<anything>``), which Windows Firewall has no use for and which could carry cmd.exe syntax.
_ADDRESS_CHARS = re.compile(r"^[0-9A-Fa-f.:/-]+$")
MAX_ADDRESS_ITEM = 100  # longer than any address, prefix or range


def _parse_ip(text: str, item: str) -> _Ip:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        raise _bad_address(item, _NOT_AN_ADDRESS) from None


_NOT_AN_ADDRESS = (
    "is not Any, a keyword (" + ", ".join(ADDRESS_KEYWORDS) + ", optionally with 4 or 6 for one address family), "
    "an IP address, a range or a subnet"
)


def _address_entry(item: str) -> tuple[tuple[t.Any, ...], str]:
    """(sort key, canonical text) of one address entry; raises naming the item when it is not valid."""
    text = item.strip()
    keyword = keyword_family(text)
    if keyword is not None:
        name, family = keyword
        return (0, ADDRESS_KEYWORDS.index(name), family), name + family
    if len(text) > MAX_ADDRESS_ITEM:
        too_long = f"an item of {len(text)} characters is not an address (at most {MAX_ADDRESS_ITEM})"
        raise InvalidArgumentError("remote_address", too_long)
    if "%" in text:
        raise _bad_address(item, "has a scope ID ('%'): give the address without it")
    if not _ADDRESS_CHARS.match(text):
        raise _bad_address(item, _NOT_AN_ADDRESS)
    if "/" in text:
        try:
            # host bits are dropped (strict=False), as Windows applies the mask; a dotted mask equals its prefix
            network = ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise _bad_address(item, "is not a valid subnet (address/prefix or address/mask)") from None
        if network.num_addresses == 1:
            return (1, network.version, int(network.network_address), int(network.network_address)), str(
                network.network_address
            )
        last = network.broadcast_address
        return (1, network.version, int(network.network_address), int(last)), network.with_prefixlen
    if "-" in text:
        start_text, _sep, end_text = text.partition("-")
        start, end = _parse_ip(start_text, item), _parse_ip(end_text, item)
        if start.version != end.version:
            raise _bad_address(item, "mixes IPv4 and IPv6")
        if int(end) < int(start):
            raise _bad_address(item, "ends before it starts")
        if start == end:
            return (1, start.version, int(start), int(start)), str(start)
        return (1, start.version, int(start), int(end)), f"{start}-{end}"
    address = _parse_ip(text, item)
    return (1, address.version, int(address), int(address)), str(address)


def normalize_remote_addresses(items: t.Iterable[str], strict: bool = True) -> tuple[str, ...]:
    """Canonical, sorted, de-duplicated remote addresses; ``("Any",)`` for no restriction.

    Items may be comma lists. ``strict=False`` (for what a host reports) keeps entries it does not know as they are
    instead of raising, so an unusual stored value shows up as a difference rather than an error.
    """
    entries: dict[str, tuple[t.Any, ...]] = {}
    saw_any = False
    for raw in items:
        if strict and quote.refusal(str(raw)):
            raise _bad_address(str(raw), f"is not an address: {quote.refusal(str(raw))}")
        for item in str(raw).split(","):
            if not item.strip():
                continue
            if item.strip().lower() in ("any", "*"):
                saw_any = True
                continue
            try:
                key, text = _address_entry(item)
            except InvalidArgumentError:
                if strict:
                    raise
                key, text = (2, item.strip()), item.strip()
            entries.setdefault(text, key)
    for name in ADDRESS_KEYWORDS:  # LocalSubnet4 and LocalSubnet6 together are LocalSubnet, and LocalSubnet holds both
        halves = [name + "4", name + "6"]
        if name in entries or all(half in entries for half in halves):
            for half in halves:
                entries.pop(half, None)
            entries[name] = (0, ADDRESS_KEYWORDS.index(name), "")
    if saw_any:
        if entries and strict:
            raise _bad_address("Any", "must be the only item: it already admits every address")
        if entries:
            return ("Any", *sorted(entries, key=lambda name: entries[name]))
        return ("Any",)
    if not entries:
        if strict:
            raise InvalidArgumentError("remote_address", "give at least one address, or Any")
        return ("Any",)
    return tuple(sorted(entries, key=lambda name: entries[name]))


def normalize_profiles(items: t.Iterable[str]) -> tuple[str, ...]:
    """``domain``/``private``/``public``/``any`` (any case) -> the sorted subset of ALL_PROFILES; ``any`` is all."""
    chosen: set[str] = set()
    for item in items:
        name = str(item).strip().lower()
        if name == "any":
            chosen.update(ALL_PROFILES)
        elif name.capitalize() in ALL_PROFILES:
            chosen.add(name.capitalize())
        else:
            raise InvalidArgumentError("profiles", f"{item!r} is not one of {', '.join(PROFILE_CHOICES)}")
    if not chosen:
        raise InvalidArgumentError("profiles", "give at least one profile, or any")
    return tuple(p for p in ALL_PROFILES if p in chosen)


# --- writes on Server 2012 and later: MSFT_NetFirewallRule and its MSFT_NetAddressFilter ----------------------------

RULE_URI = "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/standardcimv2/MSFT_NetFirewallRule"
ADDRESS_FILTER_URI = "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/standardcimv2/MSFT_NetAddressFilter"
PROFILE_BITS = {"Domain": 1, "Private": 2, "Public": 4}


def rule_selectors(rule_id: str) -> dict[str, str]:
    """The key properties of MSFT_NetFirewallRule (MSFT_NetFirewallRule class, Microsoft Learn
    https://learn.microsoft.com/en-us/windows/win32/fwp/wmi/wfascimprov/msft-netfirewallrule; the values as public
    WS-Man clients tested against real Windows send them, e.g. networkoptix/nx_system_tests os_access/_winrm.py)."""
    return {
        "CreationClassName": f"MSFT|FW|FirewallRule|{rule_id}",
        "PolicyRuleName": "",
        "SystemCreationClassName": "",
        "SystemName": "",
    }


def address_filter_selectors(rule_id: str) -> dict[str, str]:
    """The key properties of the rule's MSFT_NetAddressFilter.

    ASSUMPTION (the keys are those of the MSFT_NetAddressFilter class on Microsoft Learn,
    https://learn.microsoft.com/en-us/windows/win32/fwp/wmi/wfascimprov/msft-netaddressfilter; the values come from
    public Get-NetFirewall*Filter dumps): a
    rule's filters carry the rule's own CreationClassName and an empty Name / SystemCreationClassName / SystemName,
    so the filter is addressed directly instead of through an association query (one round trip fewer).
    """
    return {
        "CreationClassName": f"MSFT|FW|FirewallRule|{rule_id}",
        "Name": "",
        "SystemCreationClassName": "",
        "SystemName": "",
    }


def profile_mask(profiles: t.Sequence[str]) -> int:
    """MSFT_NetFirewallRule.Profiles: all three profiles are sent as 0 (Any), as ``-Profile Any`` does."""
    if set(profiles) >= set(ALL_PROFILES):
        return 0
    return sum(PROFILE_BITS[p] for p in profiles)


def _instance_body(resource_uri: str, class_name: str, values: t.Mapping[str, t.Sequence[str]]) -> ET.Element:
    """A partial instance for WS-Transfer Put; arrays as repeated elements.

    ASSUMPTION (UNVERIFIED): the array form one public client sends (networkoptix/nx_system_tests); it matches the
    WS-CIM mapping of arrays.
    """
    root = ET.Element(f"{{{resource_uri}}}{class_name}")
    for name, items in values.items():
        for item in items:
            ET.SubElement(root, f"{{{resource_uri}}}{name}").text = item
    return root


def cim_set_enabled(client: Client, rule_id: str, enabled: bool) -> None:
    """The rule's Enable / Disable method: one round trip, empty output on success."""
    client.invoke(RULE_URI, "Enable" if enabled else "Disable", {}, selectors=rule_selectors(rule_id))


def cim_set_profiles(client: Client, rule_id: str, profiles: t.Sequence[str]) -> None:
    body = _instance_body(RULE_URI, "MSFT_NetFirewallRule", {"Profiles": [str(profile_mask(profiles))]})
    client.put(RULE_URI, body, selectors=rule_selectors(rule_id))


def cim_set_remote_addresses(client: Client, rule_id: str, addresses: t.Sequence[str]) -> None:
    body = _instance_body(ADDRESS_FILTER_URI, "MSFT_NetAddressFilter", {"RemoteAddress": list(addresses)})
    client.put(ADDRESS_FILTER_URI, body, selectors=address_filter_selectors(rule_id))


# --- writes on Server 2008 / 2008 R2: netsh advfirewall, by English display name ------------------------------------

# netsh addresses rules by display name, which Windows localises: this table is English only (the English texts of
# the rules' @FirewallAPI.dll resource strings as Windows shows them).
ENGLISH_DISPLAY_NAMES = {
    "WINRM-HTTP-In-TCP": "Windows Remote Management (HTTP-In)",
    "WINRM-HTTP-In-TCP-PUBLIC": "Windows Remote Management (HTTP-In)",
    "ComPlusNetworkAccess-DCOM-In": "COM+ Network Access (DCOM-In)",
    "RemoteEventLogSvc-In-TCP": "Remote Event Log Management (RPC)",
    "RemoteEventLogSvc-NP-In-TCP": "Remote Event Log Management (NP-In)",
    "RemoteEventLogSvc-RPCSS-In-TCP": "Remote Event Log Management (RPC-EPMAP)",
}
# netsh remoteip= keywords on 2008 / 2008 R2 ("Netsh AdvFirewall Firewall Commands",
# https://technet.microsoft.com/en-us/library/dd734783(v=ws.10).aspx), the only ones of their rule schema 2.10
# (FW_ADDRESS_KEYWORD_MAX_V2_10, [MS-FASP] 2.2.21); the others are for 2012 and later only.
NETSH_ADDRESS_KEYWORDS = ("LocalSubnet", "DefaultGateway", "DHCP", "DNS", "WINS")


def netsh_unsupported(addresses: t.Iterable[str]) -> list[str]:
    """The keywords among normalised addresses that netsh on 2008 / 2008 R2 cannot set."""
    return [a for a in addresses if keyword_family(a) is not None and a not in NETSH_ADDRESS_KEYWORDS]


def _netsh_profiles(profiles: t.Sequence[str]) -> str:
    return "any" if set(profiles) >= set(ALL_PROFILES) else ",".join(p.lower() for p in profiles)


def _netsh_addresses(addresses: t.Sequence[str]) -> str:
    return ",".join(a.lower() if a == "Any" or a in NETSH_ADDRESS_KEYWORDS else a for a in addresses)


# netsh takes the addresses in one argument of one cmd.exe line (at most 8191 characters with everything else)
MAX_NETSH_ADDRESSES = 4000
# what to do about a built-in rule that is missing (restoring the defaults brings it back)
MISSING_RULE_ADVICE = "restore it with 'netsh advfirewall reset' or Group Policy"


def netsh_refusal(rule: FirewallRule, remote_addresses: t.Sequence[str]) -> str | None:
    """Why netsh (2008 / 2008 R2) cannot make this change to ``rule`` (None: it can): netsh selects rules by their
    English display name and current profiles, and takes the addresses in one argument."""
    if rule.rule_id not in ENGLISH_DISPLAY_NAMES:
        known = ", ".join(ENGLISH_DISPLAY_NAMES)
        return (
            f"firewall rule {rule.rule_id} cannot be changed on Windows Server 2008 / 2008 R2: netsh needs its "
            f"display name and only these rules have a known one: {known}"
        )
    if not netsh_selectable(rule):
        odd = ", ".join(rule.unknown_profiles) or "none"
        return (
            f"firewall rule {rule.rule_id} cannot be changed with netsh: it shares its display name with another "
            f"rule and is told apart by its profiles, but the host stores profiles this module does not know ({odd}); "
            "set its profiles to Domain, Private and/or Public with the Windows Firewall console first"
        )
    length = len(",".join(remote_addresses))
    if length > MAX_NETSH_ADDRESSES:
        return (
            f"remote_address: {length} characters of addresses do not fit on one netsh command line on "
            f"Windows Server 2008 / 2008 R2 (at most {MAX_NETSH_ADDRESSES}): use ranges or subnets"
        )
    unsupported = netsh_unsupported(remote_addresses)
    if unsupported:
        return (
            f"remote_address: {', '.join(unsupported)} is not available on Windows Server 2008 / 2008 R2 "
            f"(netsh knows {', '.join(NETSH_ADDRESS_KEYWORDS)}, for both address families)"
        )
    return None


def netsh_selectable(rule: FirewallRule) -> bool:
    """Whether :func:`netsh_set_rule` can address exactly this rule (a rule sharing its display name with another
    is told apart by its profiles, which must then all be known ones)."""
    name = ENGLISH_DISPLAY_NAMES.get(rule.rule_id)
    shared = [other for other, text in ENGLISH_DISPLAY_NAMES.items() if text == name and other != rule.rule_id]
    return name is not None and not (shared and (rule.unknown_profiles or not rule.profiles))


def netsh_set_rule(
    rule: FirewallRule,
    enabled: bool,
    profiles: t.Sequence[str] | None = None,
    remote_addresses: t.Sequence[str] | None = None,
) -> str:
    """``netsh advfirewall firewall set rule name="..." dir=in [profile=<now>] new enable=... [profile=] [remoteip=]``.

    The two WinRM rules share one display name; the rule's current profiles in the selection tell them apart
    (ASSUMPTION: netsh's ``profile=`` selection matches a rule by its profile set, as ``show rule`` does).
    ``enable=`` is always given, so the command states the whole wanted state of the rule. Every value goes
    through :func:`quote.cmd` (``remoteip`` is validated before connecting too: addresses and keywords only).
    """
    name = ENGLISH_DISPLAY_NAMES[rule.rule_id]
    command = f"netsh advfirewall firewall set rule name={quote.cmd(name)} dir=in"
    shared = [other for other, text in ENGLISH_DISPLAY_NAMES.items() if text == name and other != rule.rule_id]
    if shared:
        command += f" profile={quote.cmd(_netsh_profiles(rule.profiles))}"
    command += f" new enable={'yes' if enabled else 'no'}"
    if profiles is not None:
        command += f" profile={quote.cmd(_netsh_profiles(profiles))}"
    if remote_addresses is not None:
        command += f" remoteip={quote.cmd(_netsh_addresses(remote_addresses))}"
    return command


# --- operations: CIM on 2012 and later, netsh on 2008 / 2008 R2 ---------------------------------------------
# MSFT_NetFirewallRule (root/StandardCimv2) exists from Windows 8 / Server 2012 on (MSFT_NetFirewallRule class,
# https://learn.microsoft.com/en-us/windows/win32/fwp/wmi/wfascimprov/msft-netfirewallrule)
NETSECURITY_MIN_VERSION = (6, 2)


class NetshError(errors.WinRemoteError):
    """netsh refused a change (on 2008 / 2008 R2)."""

    kind = "netsh"


def uses_netsh(major_minor: tuple[int, int]) -> bool:
    """2008 / 2008 R2 (6.0, 6.1) have no NetSecurity CIM classes: their rules change through netsh."""
    return major_minor < NETSECURITY_MIN_VERSION


@dataclasses.dataclass(frozen=True)
class RuleEdit:
    """What to change on one rule; None leaves that part as it is."""

    enabled: bool | None = None
    profiles: tuple[str, ...] | None = None
    remote_addresses: tuple[str, ...] | None = None

    def cuts(self, rule: FirewallRule, endpoint: Endpoint) -> str | None:
        """Why this edit can drop the connection at ``endpoint``: the rule admits its port, and the edit disables
        the rule, removes a profile, or replaces its remote addresses by anything but Any."""
        if endpoint.port is None or str(endpoint.port) not in rule.local_ports:
            return None
        where = f"it admits port {endpoint.port}, which this connection uses"
        if self.enabled is False:
            return f"disabling firewall rule {rule.rule_id} can cut this connection ({where})"
        if self.profiles is not None and not set(rule.profiles) <= set(self.profiles):
            return f"removing a profile from firewall rule {rule.rule_id} can cut this connection ({where})"
        if self.remote_addresses is not None and tuple(self.remote_addresses) != ("Any",):
            return f"restricting the remote addresses of firewall rule {rule.rule_id} can cut this connection ({where})"
        return None


@dataclasses.dataclass(frozen=True)
class CimSetEnabled(Operation):
    """The rule's Enable / Disable method: one round trip."""

    kind: t.ClassVar[str] = "set_enabled"
    rule: FirewallRule
    enabled: bool

    def apply(self, client: Client) -> None:
        cim_set_enabled(client, self.rule.rule_id, self.enabled)

    def affects_endpoint(self, endpoint: Endpoint) -> str | None:
        return RuleEdit(enabled=self.enabled).cuts(self.rule, endpoint)


@dataclasses.dataclass(frozen=True)
class CimSetProfiles(Operation):
    """A Put of MSFT_NetFirewallRule.Profiles."""

    kind: t.ClassVar[str] = "set_profiles"
    rule: FirewallRule
    profiles: tuple[str, ...]

    def apply(self, client: Client) -> None:
        cim_set_profiles(client, self.rule.rule_id, self.profiles)

    def affects_endpoint(self, endpoint: Endpoint) -> str | None:
        return RuleEdit(profiles=self.profiles).cuts(self.rule, endpoint)


@dataclasses.dataclass(frozen=True)
class CimSetRemoteAddresses(Operation):
    """A Put of the rule's MSFT_NetAddressFilter.RemoteAddress."""

    kind: t.ClassVar[str] = "set_remote_address"
    rule: FirewallRule
    addresses: tuple[str, ...]

    def apply(self, client: Client) -> None:
        cim_set_remote_addresses(client, self.rule.rule_id, self.addresses)

    def affects_endpoint(self, endpoint: Endpoint) -> str | None:
        return RuleEdit(remote_addresses=self.addresses).cuts(self.rule, endpoint)


@dataclasses.dataclass(frozen=True)
class NetshSetRules(Operation):
    """One ``netsh advfirewall firewall set rule`` line per rule, for everything that changes on it (netsh selects a
    rule by display name and current profiles, so a rule's parts cannot change one after the other), all in one
    WinRS command; a failing line prints a marker after it."""

    kind: t.ClassVar[str] = "netsh_set_rules"
    edits: tuple[tuple[FirewallRule, RuleEdit], ...]
    commands: tuple[str, ...] = dataclasses.field(init=False, repr=False)

    def __post_init__(self) -> None:
        lines = []
        for rule, edit in self.edits:
            enabled = rule.enabled if edit.enabled is None else edit.enabled
            lines.append(netsh_set_rule(rule, enabled, edit.profiles, edit.remote_addresses))
        object.__setattr__(self, "commands", tuple(lines))

    def apply(self, client: Client) -> None:
        probes = []
        for index, command in enumerate(self.commands):
            failed = f"{batch.MARKER_PREFIX}failed.{index}{batch.MARKER_SUFFIX}"
            probes.append(batch.Probe(f"set.{index}", f"{command} || echo {failed}"))
        result = batch.run(client, probes)
        for index, (rule, _edit) in enumerate(self.edits):
            rule_id = rule.rule_id
            if f"set.{index}" not in result.sections:
                raise errors.ProtocolError(
                    f"no output came back for the netsh change of firewall rule {rule_id}; run the task again to check"
                )
            if f"failed.{index}" not in result.sections:
                continue
            output = " ".join(line.strip() for line in result.section(f"set.{index}").splitlines() if line.strip())
            raise NetshError(
                f'netsh could not change firewall rule {rule_id} (display name "{ENGLISH_DISPLAY_NAMES[rule_id]}"): '
                f"{output or 'no output'}; netsh finds rules by their localised display name, so changes on "
                "non-English Windows Server 2008 / 2008 R2 are not supported"
            )

    def affects_endpoint(self, endpoint: Endpoint) -> str | None:
        return next((r for r in (edit.cuts(rule, endpoint) for rule, edit in self.edits) if r is not None), None)


def rule_operations(netsh: bool, edits: t.Sequence[tuple[FirewallRule, RuleEdit]]) -> list[dict[str, Operation]]:
    """For each rule's edit, the operation of each part ("enabled", "profiles", "remote_address"). On netsh one
    operation carries every rule (the engine applies a shared operation once, at its first change)."""
    if netsh:
        shared = NetshSetRules(tuple(edits))
        return [
            dict.fromkeys(
                [
                    n
                    for n, v in (
                        ("enabled", e.enabled),
                        ("profiles", e.profiles),
                        ("remote_address", e.remote_addresses),
                    )
                    if v is not None
                ],
                shared,
            )
            for _rule, e in edits
        ]
    result: list[dict[str, Operation]] = []
    for rule, edit in edits:
        ops: dict[str, Operation] = {}
        if edit.enabled is not None:
            ops["enabled"] = CimSetEnabled(rule, edit.enabled)
        if edit.profiles is not None:
            ops["profiles"] = CimSetProfiles(rule, edit.profiles)
        if edit.remote_addresses is not None:
            ops["remote_address"] = CimSetRemoteAddresses(rule, edit.remote_addresses)
        result.append(ops)
    return result


# --- an inbound rule for a WinRM listener's port (no built-in rule covers HTTPS on 5986) --------------------------
def port_rule_probes(port: int) -> list[batch.Probe]:
    """The stores' presence proofs, then a ``reg query <store> /f LPort=<port> /d`` search of each store (rules whose
    text names that local port; reg.exe exits 1 when nothing matched, which the presence proof tells apart)."""
    found = [key_reads.presence_probe(name, key, absent_ok) for name, key, absent_ok in STORE_PRESENCE]
    for store_name, store_key in (("local", LOCAL_STORE), ("gpo", GPO_STORE)):
        search = f"{registry.query_command(store_key)} /f {quote.cmd(f'LPort={int(port)}')} /d"
        found.append(batch.Probe(f"fw.port.{store_name}", search))
    return found


def admits_port(rule: FirewallRule, port: int) -> bool:
    """An enabled inbound Allow rule for TCP that names the port (a rule limited to a program still admits WinRM
    when the program is System, where HTTP.sys listens; other programs do not count)."""
    fields = dict(parse_rule_fields(rule.raw))
    app = fields.get("App", "System")
    return (
        rule.enabled
        and rule.direction.lower() == "in"
        and rule.action.lower() == "allow"
        and fields.get("Protocol") == "6"
        and str(int(port)) in rule.local_ports
        and app.lower() == "system"
    )


def port_rules_from_batch(result: batch.BatchResult, port: int) -> list[FirewallRule]:
    """The rules of both stores that admit the port (:func:`admits_port`), Group Policy's first."""
    found: list[FirewallRule] = []
    for store_name, store_key, gpo in (("gpo", GPO_STORE, True), ("local", LOCAL_STORE, False)):
        key = registry.find_key(registry.parse_query(result.section(f"fw.port.{store_name}")), store_key)
        for name, value in key.values.items() if key else ():
            if isinstance(value.data, str):
                rule = parse_rule(name, value.data, gpo)
                if admits_port(rule, port):
                    found.append(rule)
    return found


def port_rules_read(port: int) -> batch.Read[list[FirewallRule]]:
    """As a read; whether the stores could be read at all is :func:`store_presences` of the same result."""
    return batch.Read(tuple(port_rule_probes(port)), lambda result: port_rules_from_batch(result, port))


def netsh_add_port_rule(name: str, port: int, description: str) -> str:
    """``netsh advfirewall firewall add rule``: inbound, allow, TCP on one local port, for the System program
    (HTTP.sys, which serves WinRM's listeners), all profiles. ``netsh advfirewall`` exists from Server 2008 on, so
    one command serves every version (Microsoft Learn, "Use netsh advfirewall firewall context instead of netsh
    firewall context"). ASSUMPTION (UNVERIFIED): ``program=System`` is stored as ``App=System``, as the built-in
    WinRM rules show it."""
    return (
        f"netsh advfirewall firewall add rule name={quote.cmd(name)} dir=in action=allow protocol=TCP "
        f"localport={int(port)} program=System profile=any enable=yes description={quote.cmd(description)}"
    )


@dataclasses.dataclass(frozen=True)
class NetshAddPortRule(Operation):
    """Create an inbound rule for a listener's TCP port (one WinRS command); nothing to undo for the guard: a rule
    that admits one more port cuts no connection."""

    kind: t.ClassVar[str] = "add_port_rule"
    name: str
    port: int
    description: str = "Inbound rule for Windows Remote Management via WS-Management over HTTPS. [TCP]"
    command: str = dataclasses.field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "command", netsh_add_port_rule(self.name, self.port, self.description))

    def apply(self, client: Client) -> None:
        failed = f"{batch.MARKER_PREFIX}failed.add{batch.MARKER_SUFFIX}"
        result = batch.run(client, [batch.Probe("add", f"{self.command} || echo {failed}")])
        if "add" not in result.sections:
            raise errors.ProtocolError(f"no output came back for creating firewall rule {self.name}; rerun to check")
        if "failed.add" in result.sections:
            output = " ".join(line.strip() for line in result.section("add").splitlines() if line.strip())
            raise NetshError(f"netsh could not create firewall rule {self.name}: {output or 'no output'}")
