# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""`netsh advfirewall firewall show rule | set rule | add rule` (English display names, local store only for changes).

Rules from the Group Policy store are shown but never changed: netsh edits the local policy store, and the
GPO copy is what Windows enforces (our choice, consistent with the CIM and registry views). Changes go through
winsim.ops.firewall.
"""

from __future__ import annotations

from winsim import firewall, ops
from winsim.firewall import FirewallRule
from winsim.wsman.commands import CommandResult, Invocation

NO_MATCH = "\r\nNo rules match the specified criteria.\r\n\r\n"
ALL_PROFILES = ("Domain", "Private", "Public")


def _profiles(text: str) -> set[str]:
    """``domain,private`` / ``any`` -> a set of profile names."""
    words = {w.strip().lower() for w in text.split(",") if w.strip()}
    if "any" in words:
        return set(ALL_PROFILES)
    return {p for p in ALL_PROFILES if p.lower() in words}


def _rule_profiles(rule: FirewallRule) -> set[str]:
    return set(rule.profiles) or set(ALL_PROFILES)


PROTOCOLS = {6: "TCP", 17: "UDP", 256: "Any"}


def _options(args: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for arg in args:
        key, sep, value = arg.partition("=")
        if sep:
            found.setdefault(key.lower(), value)
    return found


def _matching(inv: Invocation, options: dict[str, str], local_only: bool) -> list[FirewallRule]:
    rules = firewall.list_rules(inv.state.registry)
    if local_only:
        rules = [r for r in rules if r.store == "local"]
    if "name" in options and options["name"].lower() != "all":
        rules = [r for r in rules if r.display_name.lower() == options["name"].lower()]
    if "group" in options:
        rules = [r for r in rules if r.display_group.lower() == options["group"].lower()]
    if "dir" in options:
        rules = [r for r in rules if r.direction.lower() == options["dir"].lower()]
    if "profile" in options:
        # ASSUMPTION (UNVERIFIED): in a rule selection, profile= matches rules whose profile set is exactly that one;
        # it is what tells the two WinRM rules apart (they share one display name).
        wanted = _profiles(options["profile"])
        rules = [r for r in rules if _rule_profiles(r) == wanted]
    return rules


def _show(rule: FirewallRule) -> str:
    def row(label: str, value: str) -> str:
        return f"{label + ':':<38}{value}\r\n"

    return (
        row("Rule Name", rule.display_name)
        + "-" * 70
        + "\r\n"
        + row("Enabled", "Yes" if rule.enabled else "No")
        + row("Direction", rule.direction)
        + row("Profiles", ",".join(rule.profiles) if rule.profiles else "Domain,Private,Public")
        + row("Grouping", rule.display_group)
        + row("LocalIP", "Any")
        + row("RemoteIP", ",".join(rule.remote_addresses) or "Any")
        + row("Protocol", PROTOCOLS.get(rule.protocol, str(rule.protocol)))
        + row("LocalPort", ",".join(rule.local_ports) or "Any")
        + row("RemotePort", "Any")
        + row("Edge traversal", "No")
        + row("Action", rule.action)
    )


# ASSUMPTION (UNVERIFIED): the wording and exit code of netsh's refusal of a remoteip= value it does not know.
BAD_REMOTEIP = "\r\nThe value specified for the 'remoteip' parameter is not valid.\r\n\r\n"


def _remote_ips(inv: Invocation, text: str) -> list[str] | CommandResult:
    """remoteip= as canonical entries ([] for any), or netsh's refusal.

    netsh on 2008 / 2008 R2 takes any, localsubnet, dns, dhcp, wins, defaultgateway and addresses ("Netsh
    AdvFirewall Firewall Commands", https://technet.microsoft.com/en-us/library/dd734783(v=ws.10).aspx); their rule
    schema 2.10 has no other keyword ([MS-FASP] 2.2.21, FW_ADDRESS_KEYWORD_MAX_V2_10). ASSUMPTION (UNVERIFIED): on
    2012 and later netsh also takes the newer keywords (Internet, Intranet, ...), stored in RA42= / RA62=.
    """
    addresses = [a.strip() for a in text.split(",") if a.strip()]
    if [a.lower() for a in addresses] == ["any"]:
        return []
    newer = tuple(int(x) for x in inv.state.os_version.split(".")[:2]) >= (6, 2)
    allowed = firewall.ADDRESS_KEYWORDS if newer else firewall.V2_10_KEYWORDS
    found: list[str] = []
    for address in addresses:
        entry = firewall.canonical_keyword(address)
        if entry not in allowed and not firewall.valid_address(entry):
            return CommandResult(stdout=BAD_REMOTEIP, rc=1)
        if entry not in found:
            found.append(entry)
    return found


def run(inv: Invocation) -> CommandResult:
    words = [a.lower() for a in inv.args[:4]]
    if words[:2] != ["advfirewall", "firewall"] or len(words) < 4 or words[3] != "rule":
        return CommandResult(stdout="The following command was not found: " + " ".join(inv.args) + ".\r\n", rc=1)
    if words[2] == "show":
        matches = _matching(inv, _options(inv.args[4:]), local_only=False)
        if not matches:
            return CommandResult(stdout=NO_MATCH, rc=1)
        return CommandResult(stdout="\r\n" + "\r\n".join(_show(r) for r in matches) + "Ok.\r\n\r\n")
    if words[2] == "set":
        lowered = [a.lower() for a in inv.args]
        if "new" not in lowered:
            return CommandResult(stdout="A 'new' keyword is required.\r\n", rc=1)
        split = lowered.index("new")
        where, new = _options(inv.args[4:split]), _options(inv.args[split + 1 :])
        matches = _matching(inv, where, local_only=True)
        if not matches:
            return CommandResult(stdout=NO_MATCH, rc=1)
        enable = new.get("enable", "").lower()
        if not set(new) & {"enable", "profile", "remoteip"} or enable not in ("", "yes", "no"):
            return CommandResult(stdout="The parameter 'enable' must be yes or no.\r\n", rc=1)
        profiles = _profiles(new["profile"]) if "profile" in new else None
        if profiles is not None and not profiles:
            return CommandResult(stdout=f"The profile '{new['profile']}' is not valid.\r\n", rc=1)
        addresses = _remote_ips(inv, new["remoteip"]) if "remoteip" in new else None
        if isinstance(addresses, CommandResult):
            return addresses
        stored = None
        if profiles is not None:
            stored = [] if profiles == set(ALL_PROFILES) else [p for p in ALL_PROFILES if p in profiles]
        for rule in matches:
            ops.update_firewall_rule(
                inv.state,
                rule.rule_id,
                store="local",
                enabled=(enable == "yes") if enable else None,
                profiles=stored,
                remote_addresses=addresses,
            )
        return CommandResult(stdout=f"\r\nUpdated {len(matches)} rule(s).\r\nOk.\r\n\r\n")
    if words[2] == "add":
        return _add(inv, _options(inv.args[4:]))
    return CommandResult(stdout="The following command was not found: " + " ".join(inv.args) + ".\r\n", rc=1)


def _add(inv: Invocation, options: dict[str, str]) -> CommandResult:
    """`add rule name=.. dir=in action=allow protocol=TCP localport=N [program=..] [profile=any] [enable=yes]`:
    the inbound TCP rules the collection creates; any other kind is refused here (not modelled)."""
    wanted = {"dir": "in", "action": "allow", "protocol": "tcp"}
    if "name" not in options or any(options.get(k, "").lower() != v for k, v in wanted.items()):
        return CommandResult(stdout="A specified value is not valid.\r\n", rc=1)
    if options.get("profile", "any").lower() != "any" or options.get("enable", "yes").lower() != "yes":
        return CommandResult(stdout="A specified value is not valid.\r\n", rc=1)
    try:
        ops.add_firewall_rule(
            inv.state,
            options["name"],
            options.get("localport", ""),
            options.get("program", ""),
            options.get("description", ""),
        )
    except ops.OperationError:
        return CommandResult(stdout="A specified port value is not valid.\r\n", rc=1)
    return CommandResult(stdout="Ok.\r\n\r\n")
