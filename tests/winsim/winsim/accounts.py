# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Accounts a simulated host knows, and how an authenticated name maps to one of them."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

DOMAIN = "WINREMOTE"  # NetBIOS name of the simulated domain
DEFAULT_PASSWORD = "Winremote-Passw0rd!"  # every default account uses it; tests may change it per host


@dataclass
class Account:
    """A local account (domain "") or a domain account (domain = NetBIOS name)."""

    name: str
    password: str
    domain: str = ""
    is_builtin_admin: bool = False
    is_admin: bool = False

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def default_accounts() -> list[Account]:
    """The built-in Administrator, a second local admin, a local non-admin user and a domain admin."""
    return [
        Account("Administrator", DEFAULT_PASSWORD, "", is_builtin_admin=True, is_admin=True),
        Account("localadmin", DEFAULT_PASSWORD, "", is_admin=True),
        Account("localuser", DEFAULT_PASSWORD, ""),
        Account("ansible", DEFAULT_PASSWORD, DOMAIN, is_admin=True),
    ]


def directory_accounts(membership: Any) -> list[Account]:
    """A domain member's view of its directory (a ``winsim.kerberos.Membership``): one domain account per user,
    administrators of the host when they are in Domain Admins; a password only when the directory told it."""
    return [
        Account(name, membership.passwords.get(name, ""), membership.netbios, is_admin=name in membership.admins)
        for name in sorted(membership.users)
    ]


def find_account(accounts: list[Account], user: str, domain: str, hostname: str) -> Account | None:
    """Resolve `user` the way LSA would: an empty domain, ".", or the host name mean a local account.

    A UPN (`user@domain.tld`) or a `DOMAIN\\user` string in `user` are split first.
    """
    if "\\" in user:
        domain, user = user.split("\\", 1)
    elif "@" in user:
        user, domain = user.split("@", 1)
    if "." in domain:  # a DNS domain name or realm: its first label is the NetBIOS name in this simulation
        domain = domain.split(".")[0]
    local = domain in ("", ".") or domain.lower() == hostname.lower()
    for account in accounts:
        if account.name.lower() != user.lower():
            continue
        if local and account.domain == "":
            return account
        if not local and account.domain.lower() == domain.lower():
            return account
    if domain == "":  # an unqualified name that is not local: try the domain, as a domain member does
        return next((a for a in accounts if a.name.lower() == user.lower()), None)
    return None
