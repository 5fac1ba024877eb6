# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Kerberos for simulated domain members: each member's keys, and the one acceptor keytab of the process.

GSSAPI (MIT krb5 under pyspnego's Kerberos acceptor) reads the acceptor's keys from the keytab named by
``KRB5_KTNAME``, a process-wide variable, so every domain-member host of the process shares one keytab: the
concatenation of their exported keytabs. A ticket for any member would then be accepted by any listener, so after
the handshake the transport checks that the ticket's service principal is one of the asked host's own SPNs
(:meth:`Membership.owns`), as only that host's computer account could decrypt it on Windows.

File format of a keytab (version 0x0502, then length-prefixed entries):
https://web.mit.edu/kerberos/krb5-latest/doc/formats/keytab_file_format.html
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

KEYTAB_VERSION = b"\x05\x02"
SERVICES = ("HOST", "HTTP", "WSMAN")  # the SPNs a member registers for WinRM (HTTP/ is what clients ask for)
DOMAIN_ADMINS = "Domain Admins"


class KerberosError(RuntimeError):
    """A keytab could not be read or the directory could not be asked."""


@dataclass(frozen=True)
class Membership:
    """A simulated host's place in a domain: its names, its keys and the directory's view of its users."""

    realm: str  # "WINREMOTE.TEST"
    netbios: str  # "WINREMOTE"
    short_name: str  # "SIM2019"
    fqdn: str  # "sim2019.winremote.test"
    keytab: Path
    admins: frozenset[str]  # lower-case sAMAccountNames of Domain Admins, read when the host joined
    users: frozenset[str]  # lower-case sAMAccountNames of every user of the directory
    passwords: Mapping[str, str] = field(default_factory=dict, repr=False)  # known ones, for NTLM pass-through

    @property
    def spns(self) -> frozenset[str]:
        """``http/sim2019.winremote.test@winremote.test`` ... (lower case), for every service and both names."""
        names = (self.short_name, self.fqdn)
        return frozenset(f"{s}/{n}@{self.realm}".lower() for s in SERVICES for n in names)

    def owns(self, target: str | None) -> bool:
        """Whether a ticket for ``target`` (``HTTP/name@REALM`` or GSSAPI's ``HTTP@name``) was made for this host."""
        if not target:
            return False
        text = target.strip().rstrip("\x00").lower()
        if "/" not in text and "@" in text:  # hostbased form service@host
            service, host = text.split("@", 1)
            text = f"{service}/{host}@{self.realm.lower()}"
        elif "@" not in text:
            text = f"{text}@{self.realm.lower()}"
        return text in self.spns

    def account(self, principal: str) -> tuple[str, str] | None:
        """``user@REALM`` of this domain -> (NetBIOS domain, user); None for another realm or a service."""
        user, sep, realm = principal.rstrip("\x00").rpartition("@")
        if not sep or not user or realm.upper() != self.realm.upper() or "/" in user:
            return None
        return self.netbios, user


# --- the process-wide acceptor keytab -------------------------------------------------------------------------


def keytab_entries(data: bytes, source: str = "keytab") -> bytes:
    """The entries of a version 0x0502 keytab (everything after the version)."""
    if data[:2] != KEYTAB_VERSION:
        raise KerberosError(f"{source} is not a version 0x0502 keytab")
    return data[2:]


def merge_keytabs(keytabs: Iterable[bytes]) -> bytes:
    """One keytab holding every entry of the given ones."""
    return KEYTAB_VERSION + b"".join(keytab_entries(k) for k in keytabs)


class AcceptorKeytab:
    """The merged keytab of every running member, and the Kerberos environment of the process.

    ``KRB5_KTNAME`` and ``KRB5_CONFIG`` are set before the first member is registered, so they are in place before
    any Kerberos acceptor is created; the file is replaced atomically, so an acceptor reading it sees all or none of
    a change.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keytabs: dict[int, bytes] = {}
        self._directory: Path | None = None

    @property
    def path(self) -> Path:
        if self._directory is None:
            self._directory = Path(tempfile.mkdtemp(prefix="winsim-krb5-"))
            atexit.register(shutil.rmtree, self._directory, True)
        return self._directory / "acceptor.keytab"

    def add(self, key: int, keytab: Path, krb5_conf: Path | None = None) -> None:
        data = Path(keytab).read_bytes()
        keytab_entries(data, str(keytab))
        with self._lock:
            self._keytabs[key] = data
            self._write()
            os.environ["KRB5_KTNAME"] = f"FILE:{self.path}"
            if krb5_conf is not None:
                os.environ["KRB5_CONFIG"] = str(krb5_conf)

    def remove(self, key: int) -> None:
        with self._lock:
            if self._keytabs.pop(key, None) is not None:
                self._write()

    def holds(self, key: int) -> bool:
        with self._lock:
            return key in self._keytabs

    def _write(self) -> None:
        path = self.path
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as stream:
            stream.write(merge_keytabs(self._keytabs.values()))
        os.replace(tmp, path)


ACCEPTOR_KEYTAB = AcceptorKeytab()


# --- joining a host to a directory ----------------------------------------------------------------------------


class Directory(Protocol):
    """What joining needs from a domain (``winsim.domain.Domain`` provides it)."""

    realm: str
    netbios: str
    users: Mapping[str, Any]  # name -> an object with ``password``
    krb5_conf: Path

    def samba_tool(self, *args: str) -> str: ...

    def join_host(self, short_name: str, fqdn: str, os_name: str, os_version: str) -> Path: ...


def names(listing: str) -> frozenset[str]:
    """``samba-tool user list`` / ``group listmembers`` output: one account name per line."""
    return frozenset(line.strip().lower() for line in listing.splitlines() if line.strip())


def join(host: Any, directory: Directory, fqdn: str | None = None) -> Membership:
    """Make ``host`` (a SimulatedHost) a member of ``directory``: a computer account with its SPNs and keytab, and
    the directory's users and Domain Admins as the host sees them (read once, now)."""
    short = str(host.hostname)
    fqdn = fqdn or f"{short.lower()}.{directory.realm.lower()}"
    with host.lock:
        os_name, os_version = host.state.os_caption.removeprefix("Microsoft "), host.state.os_version
    keytab = directory.join_host(short, fqdn, os_name, os_version)
    membership = Membership(
        realm=directory.realm.upper(),
        netbios=directory.netbios.upper(),
        short_name=short,
        fqdn=fqdn,
        keytab=Path(keytab),
        admins=names(directory.samba_tool("group", "listmembers", DOMAIN_ADMINS)),
        users=names(directory.samba_tool("user", "list")),
        passwords={name.lower(): str(user.password) for name, user in directory.users.items()},
    )
    host.join_domain(membership, krb5_conf=directory.krb5_conf)
    return membership


def inventory_vars(host: Any, principal: str, password: str, auth: str = "kerberos") -> dict[str, Any]:
    """Ansible host vars for the psrp connection plugin to a member by address, with its FQDN as the Kerberos
    target (``ansible_psrp_negotiate_hostname_override``); ``principal`` is ``user@REALM``."""
    membership = host.membership
    if membership is None:
        raise KerberosError(f"{host.hostname} is not a domain member (winsim.kerberos.join)")
    return {
        "ansible_host": host.address,
        "ansible_connection": "psrp",
        "ansible_port": host.http_port,
        "ansible_psrp_protocol": "http",
        "ansible_psrp_auth": auth,
        "ansible_user": principal,
        "ansible_password": password,
        "ansible_psrp_negotiate_hostname_override": membership.fqdn,
    }
