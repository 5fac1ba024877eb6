# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Who an account is to Windows' access checks: its SID, its groups, the token of a network logon, and the DACL
walk that decides whether such a token may use a session configuration.

Written for the simulator on its own (it does not share the collection's SDDL code), so a mistake in one is not
mirrored in the other. SIDs: Microsoft Learn "Well-known SIDs" (BUILTIN S-1-5-32-x, NETWORK S-1-5-2, INTERACTIVE
S-1-5-4, Authenticated Users S-1-5-11, Everyone S-1-1-0; account RIDs 500 Administrator, 513 Domain Users,
512 Domain Admins). A network logon's token holds Everyone, NETWORK and Authenticated Users, never INTERACTIVE.
"""

from __future__ import annotations

import hashlib
import re

from winsim.accounts import Account, find_account
from winsim.state import HostState, SessionConfiguration

ADMINISTRATORS = "S-1-5-32-544"
USERS = "S-1-5-32-545"
REMOTE_MANAGEMENT_USERS = "S-1-5-32-580"
NETWORK_LOGON = ("S-1-1-0", "S-1-5-2", "S-1-5-11")
# Local groups by name, with the release that has them: Remote Management Users appeared with Windows Server 2012
# (Microsoft Learn, "Active Directory security groups": "Remote Management Users ... Windows Server 2012").
BUILTIN_GROUPS: dict[str, tuple[str, tuple[int, int]]] = {
    "Administrators": (ADMINISTRATORS, (6, 0)),
    "Users": (USERS, (6, 0)),
    "Remote Desktop Users": ("S-1-5-32-555", (6, 0)),
    "Remote Management Users": (REMOTE_MANAGEMENT_USERS, (6, 2)),
}
ALIASES = {
    "BA": ADMINISTRATORS,
    "BU": USERS,
    "RM": REMOTE_MANAGEMENT_USERS,
    "RD": "S-1-5-32-555",
    "IU": "S-1-5-4",
    "NU": "S-1-5-2",
    "AU": "S-1-5-11",
    "WD": "S-1-1-0",
    "SY": "S-1-5-18",
    "NS": "S-1-5-20",
    "LS": "S-1-5-19",
}
GENERIC_ALL, GENERIC_EXECUTE, GENERIC_WRITE, GENERIC_READ = 0x10000000, 0x20000000, 0x40000000, 0x80000000
RIGHTS = {"GA": GENERIC_ALL, "GX": GENERIC_EXECUTE, "GW": GENERIC_WRITE, "GR": GENERIC_READ}
_ACE = re.compile(r"\(([A-Z]*);([A-Z]*);([A-Z]*|0[xX][0-9A-Fa-f]+);[^;()]*;[^;()]*;(S-[0-9-]+|[A-Z]{2})\)")
_DACL = re.compile(
    r"^(?:O:(?:S-[0-9-]+|[A-Z]{2}))?(?:G:(?:S-[0-9-]+|[A-Z]{2}))?D:(?P<flags>[PAIR]*)(?P<aces>(?:\([^()]*\))*)(?:S:.*)?$"
)


class SddlInvalid(ValueError):
    """A string the service would not take as a security descriptor."""


def _sub_authorities(seed: str) -> str:
    digest = hashlib.sha256(seed.encode("utf-8")).digest()
    return "-".join(str(int.from_bytes(digest[i : i + 4], "little") & 0x7FFFFFFF) for i in (0, 4, 8))


def machine_sid(state: HostState) -> str:
    """The host's account domain SID (S-1-5-21-x-y-z), fixed per host name (ASSUMPTION: any three values do)."""
    return f"S-1-5-21-{_sub_authorities(state.hostname.upper())}"


def domain_sid(netbios: str) -> str:
    return f"S-1-5-21-{_sub_authorities('domain:' + netbios.upper())}"


def account_sid(state: HostState, account: Account) -> str:
    """Administrator is RID 500; other accounts RID 1000 + their place in the account list."""
    if account.is_builtin_admin and not account.domain:
        return f"{machine_sid(state)}-500"
    same = [a for a in state.accounts if bool(a.domain) == bool(account.domain)]
    rid = 1000 + next(i for i, a in enumerate(same) if a is account)
    base = domain_sid(account.domain) if account.domain else machine_sid(state)
    return f"{base}-{rid}"


def qualified(state: HostState, account: Account) -> str:
    return f"{account.domain}\\{account.name}" if account.domain else f"{state.hostname.upper()}\\{account.name}"


def has_group(state: HostState, name: str) -> bool:
    entry = BUILTIN_GROUPS.get(name)
    if entry is None:
        return name in state.local_groups
    major, minor = (int(x) for x in state.os_version.split(".")[:2])
    return (major, minor) >= entry[1]


def group_members(state: HostState, name: str) -> list[Account]:
    """Administrators follow Account.is_admin (Domain Admins are in it on a member), Users has everyone (Domain
    Users is in it on a member), other groups list their members in HostState.local_groups."""
    if name == "Administrators":
        return [a for a in state.accounts if a.is_admin]
    if name == "Users":
        return list(state.accounts)
    names = {m.lower() for m in state.local_groups.get(name, [])}
    found = []
    for account in state.accounts:
        keys = {f"{account.domain}\\{account.name}".lower()} if account.domain else {account.name.lower()}
        if not account.domain:
            keys.add(f"{state.hostname}\\{account.name}".lower())
        if keys & names:
            found.append(account)
    return found


def group_sid(state: HostState, name: str) -> str:
    entry = BUILTIN_GROUPS.get(name)
    if entry is not None:
        return entry[0]
    return f"{machine_sid(state)}-{2000 + sorted(state.local_groups).index(name)}"


def network_token(state: HostState, account: Account) -> set[str]:
    """The SIDs of the account's network logon: its own, its local groups, its domain groups, NETWORK_LOGON.
    ASSUMPTION: the UAC filter is not modelled here (a filtered administrator never gets this far: rules.authorize
    refuses it first)."""
    token = {account_sid(state, account), *NETWORK_LOGON}
    names = set(BUILTIN_GROUPS) | set(state.local_groups)
    token.update(group_sid(state, g) for g in names if has_group(state, g) and account in group_members(state, g))
    if account.domain:
        token.add(f"{domain_sid(account.domain)}-513")
        if account.is_admin:
            token.add(f"{domain_sid(account.domain)}-512")
    return token


def _sid(token: str) -> str:
    return ALIASES.get(token, token)


def _mask(rights: str) -> int:
    if rights[:2].lower() == "0x":
        return int(rights, 16)
    mask = 0
    for i in range(0, len(rights), 2):
        mask |= RIGHTS.get(rights[i : i + 2], 0)
    if mask & GENERIC_ALL:
        mask |= GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE
    return mask


def check_sddl(text: str) -> None:
    """Refuse what the service would (ASSUMPTION: WinRM validates the Sddl with ConvertStringSecurityDescriptor...;
    this checks the DACL shape and the ACE fields the access check reads)."""
    match = _DACL.fullmatch(text or "")
    if match is None:
        raise SddlInvalid(text)
    aces = match.group("aces")
    if "".join(m.group(0) for m in _ACE.finditer(aces)) != aces:
        raise SddlInvalid(text)


def allows(sddl: str, token: set[str], wanted: int = GENERIC_EXECUTE) -> bool:
    """AccessCheck's DACL walk ("Order of ACEs in a DACL", Microsoft Learn): a deny ACE for the token that covers a
    right not yet granted ends it, allow ACEs add rights. Inherit-only ACEs are skipped."""
    check_sddl(sddl)
    match = _DACL.fullmatch(sddl)
    assert match is not None
    remaining = wanted
    for ace in _ACE.finditer(match.group("aces")):
        kind, flags, rights, sid = ace.groups()
        if "IO" in [flags[i : i + 2] for i in range(0, len(flags), 2)] or _sid(sid) not in token:
            continue
        mask = _mask(rights)
        if kind == "D" and mask & remaining:
            return False
        if kind == "A":
            remaining &= ~mask
            if not remaining:
                return True
    return False


def caller(state: HostState, user: str, domain: str) -> Account | None:
    """The account an authenticated identity logged on as."""
    return find_account(state.accounts, user, domain, state.hostname)


def find_configuration(state: HostState, name: str) -> SessionConfiguration | None:
    """Plugin names compare case-insensitively, as WS-Man selectors do."""
    return next((c for n, c in state.session_configurations.items() if n.lower() == name.lower()), None)


def session_access(state: HostState, account: Account, name: str) -> bool:
    """Whether the account's network logon may create a shell on the configuration (Execute(Invoke), GX: "users
    must have at least Execute(Invoke) permission", Register-PSSessionConfiguration -SecurityDescriptorSddl)."""
    config = find_configuration(state, name)
    return config is not None and config.enabled and allows(config.sddl, network_token(state, account))


def any_session_access(state: HostState, account: Account) -> bool:
    return any(session_access(state, account, name) for name in state.session_configurations)
