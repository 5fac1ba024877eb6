# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A simulated Windows host: its state, its listeners on 127.0.0.x, its counters and its fault knobs."""

from __future__ import annotations

import collections
import datetime
import hashlib
import os
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

from winsim import auth, cert_store, certs, kerberos, reactor
from winsim.contract import Identity, RequestContext, SoapReply
from winsim.faults import FaultInjector
from winsim.server import ListenerServer

WINDOWS_PORTS = {"HTTP": 5985, "HTTPS": 5986}


class Model(Protocol):
    """What the transport needs from the Windows model (see ``contract.py``); injectable for tests."""

    def auth_policy(self, state: Any) -> Any: ...
    def authorize(self, state: Any, identity: Identity) -> str | None: ...
    def accepting_endpoints(self, state: Any, host_address: str, client_ip: str = ...) -> set[tuple[str, int]]: ...
    def handle_soap(self, state: Any, request_xml: bytes, ctx: RequestContext) -> SoapReply: ...
    def handle_identify(self, state: Any, request_xml: bytes, authenticated: bool) -> SoapReply: ...
    def fault_reply(self, code: int, message: str, subcode: str = ...) -> SoapReply: ...


class DefaultModel:
    """The real model, imported lazily so the transport can be tested (and imported) without it."""

    def auth_policy(self, state: Any) -> Any:
        from winsim import rules

        return rules.auth_policy(state)

    def authorize(self, state: Any, identity: Identity) -> str | None:
        from winsim import rules

        return rules.authorize(state, identity)

    def accepting_endpoints(self, state: Any, host_address: str, client_ip: str = "127.0.0.1") -> set[tuple[str, int]]:
        from winsim import rules

        return set(rules.accepting_endpoints(state, host_address, client_ip))

    def handle_soap(self, state: Any, request_xml: bytes, ctx: RequestContext) -> SoapReply:
        from winsim.wsman import dispatch

        reply: SoapReply = dispatch.handle_soap(state, request_xml, ctx)
        return reply

    def handle_identify(self, state: Any, request_xml: bytes, authenticated: bool) -> SoapReply:
        from winsim.wsman import dispatch

        reply: SoapReply = dispatch.handle_identify(state, request_xml, authenticated)
        return reply

    def fault_reply(self, code: int, message: str, subcode: str = "w:AccessDenied") -> SoapReply:
        from winsim.wsman import dispatch

        reply: SoapReply = dispatch.fault_reply(code, message, subcode)
        return reply


def find_account(state: Any, domain: str, user: str) -> Any | None:
    """The state's account for (domain, user), resolved as LSA would (winsim.accounts)."""
    from winsim.accounts import find_account as lookup

    return lookup(list(state.accounts), user, domain, state.hostname)


def account_triples(state: Any) -> list[auth.Account]:
    """(domain, user, password) of every account; local accounts use the host name as domain. A directory account
    whose password the host was not told (empty) has none to check: NTLM cannot log it on."""
    return [(a.domain or state.hostname, a.name, a.password) for a in state.accounts if a.password]


def realm_lines(membership: kerberos.Membership | None, accounts: list[auth.Account]) -> list[str]:
    """NTLM spellings by the DNS domain for a member's directory accounts: ``user@REALM`` and ``REALM\\user``."""
    if membership is None:
        return []
    lines = []
    for domain, user, password in accounts:
        if domain.upper() == membership.netbios:
            lines += [f":{user}@{membership.realm}:{password}", f"{membership.realm}:{user}:{password}"]
    return lines


class SimulatedHost:
    """One simulated Windows Server on ``address``; listeners follow ``rules.accepting_endpoints``."""

    def __init__(
        self,
        state: Any,
        address: str = "127.0.0.10",
        http_port: int = 5985,
        https_port: int = 5986,
        model: Model | None = None,
        cert_dir: str | Path | None = None,
    ) -> None:
        self.state = state
        self.address = address
        self.http_port = http_port
        self.https_port = https_port
        self.model: Model = model or DefaultModel()
        self.lock = threading.RLock()
        self.faults = FaultInjector()
        self.requests_by_action: collections.Counter[str] = collections.Counter()
        # Called after apply_state(), i.e. after an outside change or a WinRM restart; not after every request.
        self.on_change: list[Callable[[SimulatedHost], None]] = []
        self._count_lock = threading.Lock()
        self._request_count = 0
        self._servers: dict[tuple[str, int], ListenerServer] = {}
        self._endpoint_lock = threading.RLock()
        self._running = False
        self._refuse_timer: reactor.Timer | None = None
        self._reboot_timer: reactor.Timer | None = None  # the next step of a restart (going down, coming back)
        self._down = False  # restarting: nothing listens
        self._published: tuple[auth.Account, ...] | None = None  # the accounts last written to the NTLM index
        self.membership: kerberos.Membership | None = None  # set by join_domain (winsim.kerberos.join)
        self._krb5_conf: Path | None = None
        # every completed authentication (scheme and mechanism), newest last; tests read what the wire carried
        self.authentications: collections.deque[auth.Authenticated] = collections.deque(maxlen=1000)
        self._cert_dir = Path(cert_dir) if cert_dir else certs.default_directory()
        # one TLS context per certificate, chosen when a connection is accepted (the listener's thumbprint then)
        self._tls_contexts: dict[str, ssl.SSLContext] = {}
        # why an HTTPS endpoint does not listen, as the event log would say: (transport, Windows port) -> message
        self.listener_errors: dict[tuple[str, int], str] = {}
        self.certificate = self._default_certificate()

    # --- lifecycle --------------------------------------------------------------------------------------

    def start(self) -> SimulatedHost:
        self._running = True
        self._register_keys()
        self._refresh_credentials()
        self.apply_state()
        return self

    def stop(self) -> None:
        self._running = False
        if self._refuse_timer is not None:
            self._refuse_timer.cancel()
        if self._reboot_timer is not None:
            self._reboot_timer.cancel()
        self._sync_endpoints(set())
        with self.lock:
            auth.CREDENTIALS.remove(id(self))
            kerberos.ACCEPTOR_KEYTAB.remove(id(self))
            self._published = None

    def __enter__(self) -> SimulatedHost:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- public knobs --------------------------------------------------------------------------------------

    @property
    def hostname(self) -> str:
        return str(self.state.hostname)

    @property
    def ca_path(self) -> str:
        """PEM file to validate the HTTPS listener with: the state directory's test CA, which issued the default
        certificate and every ``add_certificate(issuer="ca")``."""
        return str(self._ca_path)

    @property
    def cbt_hash(self) -> bytes:
        """'tls-server-end-point' hash (RFC 5929, SHA-256 for SHA-256-signed certificates) of the certificate the
        default HTTPS port serves now. Every connection is dropped when a listener's certificate changes (a WinRM
        restart), so the connections still open were served this certificate."""
        with self.lock:
            thumbprint = self._served_thumbprint(WINDOWS_PORTS["HTTPS"])
            entry = cert_store.find(self.state.registry, thumbprint)
        return hashlib.sha256(entry.der).digest() if entry is not None else self.certificate.cbt_hash

    def add_certificate(
        self,
        subject_cn: str,
        dns_names: Sequence[str] = (),
        not_before: datetime.datetime | None = None,
        not_after: datetime.datetime | None = None,
        server_auth: bool = True,
        private_key: bool = True,
        issuer: str = "ca",
        friendly_name: str = "",
        ip_addresses: Sequence[str] = (),
    ) -> Any:
        """Issue a real X.509 certificate (by the test CA, or self-signed with ``issuer="self"``) and put it into
        LocalMachine\\My: its Blob into the registry, its key (when ``private_key``) into the host's state
        directory. Returns the store's ``state.Certificate``."""
        if issuer not in ("ca", "self"):
            raise ValueError(f"issuer must be 'ca' or 'self', not {issuer!r}")
        ca = certs.local_ca(self._cert_dir) if issuer == "ca" else None
        issued = certs.issue(subject_cn, dns_names, ip_addresses, not_before, not_after, server_auth, ca)
        return self._store(issued, private_key, friendly_name)

    def remove_certificate(self, thumbprint: str) -> bool:
        """Delete a certificate's registry key (what ``certutil -delstore My`` does); False when absent."""
        with self.lock:
            return cert_store.remove(self.state.registry, thumbprint)

    def session_access(self, account: str, name: str = "Microsoft.PowerShell") -> bool:
        """Whether ``account`` ("localuser", "WINREMOTE\\ansible") may create a shell on the session configuration
        ``name`` over the network right now (enabled, and its Sddl gives the logon's token Execute)."""
        from winsim import security

        with self.lock:
            domain, _sep, user = account.rpartition("\\")
            found = security.caller(self.state, user, domain)
            return found is not None and security.session_access(self.state, found, name)

    @property
    def request_count(self) -> int:
        with self._count_lock:
            return self._request_count

    def reset_request_count(self) -> None:
        with self._count_lock:
            self._request_count = 0
            self.requests_by_action.clear()

    def count_request(self, action: str) -> None:
        with self._count_lock:
            self._request_count += 1
            self.requests_by_action[action] += 1

    def inject_fault(self, kind: str, count: int = 1, **options: object) -> None:
        """See ``winsim.faults`` for the semantics of each kind."""
        self.faults.inject(kind, count, **options)
        if kind == "refuse":
            self.apply_state()
            deadline = self.faults.refuse_deadline()
            if deadline is not None:
                if self._refuse_timer is not None:
                    self._refuse_timer.cancel()
                delay = max(0.0, deadline - time.monotonic()) + 0.01
                self._refuse_timer = reactor.reactor().call_later(delay, self.apply_state)

    # --- restart (shutdown /r) -------------------------------------------------------------------------

    @property
    def boot_count(self) -> int:
        """Restarts completed since the state was built (state.boot_count)."""
        with self.lock:
            return int(self.state.boot_count)

    @property
    def down(self) -> bool:
        """True while the host is restarting (listening nowhere)."""
        return self._down

    def reboot(self, delay: float = 0.0) -> None:
        """Restart as `shutdown /r /t delay` does: stop answering after min(delay, state.reboot_delay_cap) seconds
        (listeners closed, open connections dropped), stay down state.reboot_downtime seconds, then boot: staged
        packages applied, pending-restart markers cleared, a new LastBootUpTime (winsim.packages.restart), and
        listen again. With state.reboot_never_returns the host stays down."""
        with self.lock:
            wait = min(float(delay), float(self.state.reboot_delay_cap))
        self._schedule_reboot_step(wait, self._go_down)

    def abort_reboot(self) -> None:
        """`shutdown /a`: a restart that has not begun yet is cancelled."""
        if self._reboot_timer is not None and not self._down:
            self._reboot_timer.cancel()
            self._reboot_timer = None

    def _schedule_reboot_step(self, delay: float, step: Callable[[], None]) -> None:
        if self._reboot_timer is not None:
            self._reboot_timer.cancel()
        self._reboot_timer = reactor.reactor().call_later(delay, step)

    def _go_down(self) -> None:
        if not self._running:
            return
        self._down = True
        self.apply_state()
        with self.lock:
            downtime, never = float(self.state.reboot_downtime), bool(self.state.reboot_never_returns)
        if not never:
            self._schedule_reboot_step(downtime, self._come_up)

    def _come_up(self) -> None:
        if not self._running:
            return
        from winsim import packages

        with self.lock:
            packages.restart(self.state)
        self._down = False
        self._reboot_timer = None
        self.apply_state()

    def clear_faults(self) -> None:
        self.faults.clear()
        self.apply_state()

    @property
    def endpoints(self) -> set[tuple[str, int]]:
        """The (transport, Windows port) pairs currently listening."""
        with self._endpoint_lock:
            return {(t, s.logical_port) for (t, _port), s in self._servers.items()}

    def port_for(self, transport: str) -> int:
        return self.https_port if transport.upper() == "HTTPS" else self.http_port

    def inventory_vars(self, user: str = "Administrator") -> dict[str, Any]:
        """Ansible host vars for the psrp connection plugin."""
        with self.lock:
            account = find_account(self.state, "", user)
            password = account.password if account is not None else ""
        return {
            "ansible_host": self.address,
            "ansible_connection": "psrp",
            "ansible_port": self.http_port,
            "ansible_psrp_protocol": "http",
            "ansible_psrp_auth": "ntlm",
            "ansible_user": user,
            "ansible_password": password,
            "ansible_psrp_message_encryption": "auto",
        }

    def join_domain(self, membership: kerberos.Membership, krb5_conf: Path | None = None) -> None:
        """Make this host a member of ``membership``'s domain (``winsim.kerberos.join`` asks the directory).

        The directory's users become the host's accounts of that domain (Domain Admins are administrators of a
        member server: https://learn.microsoft.com/en-us/windows-server/identity/ad-ds/manage/understand-security-groups#domain-admins),
        replacing any the state held for it; the host's keys join the process's acceptor keytab."""
        from winsim.accounts import directory_accounts

        with self.lock:
            others = [a for a in self.state.accounts if a.domain.upper() != membership.netbios]
            self.state.accounts = others + directory_accounts(membership)
            self.membership = membership
            self._krb5_conf = krb5_conf
        self._register_keys()
        self._refresh_credentials()

    def kerberos_account(self, principal: str, target: str) -> tuple[str, str] | None:
        """(NetBIOS domain, user) for a Kerberos client ``user@REALM`` whose ticket names one of this host's SPNs;
        None when the host is no member, the ticket was for another host, or the client is of another realm."""
        membership = self.membership
        if membership is None or not membership.owns(target):
            return None
        return membership.account(principal)

    def record_authentication(self, record: auth.Authenticated) -> None:
        self.authentications.append(record)

    def apply_state(self) -> None:
        """Re-read the state after an outside change: listeners, accounts, saved copies."""
        if not self._running:
            return
        with self.lock:
            silent = self.faults.refusing() or self._down
            wanted = set() if silent else self.model.accepting_endpoints(self.state, self.address)
        self._sync_endpoints(wanted)
        self._refresh_credentials()
        self._notify()

    # --- used by the request pipeline ---------------------------------------------------------------

    def auth_policy(self) -> Any:
        with self.lock:
            return self.model.auth_policy(self.state)

    def challenge_headers(self) -> list[str]:
        policy = self.auth_policy()
        return auth.challenge_headers(
            bool(policy.basic), bool(policy.negotiate), bool(policy.kerberos), bool(getattr(policy, "credssp", False))
        )

    def account_exists(self, domain: str, user: str) -> bool:
        with self.lock:
            return find_account(self.state, domain, user) is not None

    def check_password(self, domain: str, user: str, password: str) -> bool:
        """Basic authentication; WinRM accepts only local accounts with Basic, by their bare name.

        A domain account is refused (HTTP 401) with the right password too
        (https://github.com/diyan/pywinrm/issues/45, https://github.com/diyan/pywinrm/issues/215), and so is a
        local account qualified as ``MACHINE\\user`` (https://github.com/MetricsHub/winrm-java/issues/172, on Server
        2008 R2 over HTTPS); ``user@domain`` is a qualified name as well."""
        if domain:
            return False
        with self.lock:
            account = find_account(self.state, domain, user)
        return account is not None and not account.domain and account.password == password

    def dispatch(self, body: bytes, identity: Identity | None, ctx: RequestContext, is_identify: bool) -> SoapReply:
        with self.lock:
            if identity is None:
                return self.model.handle_identify(self.state, body, False)
            if self.model.authorize(self.state, identity) is not None:
                # Assumption (unverified): WinRM reports a refused SDDL as HTTP 500 with WS-Man fault code 5
                # (ERROR_ACCESS_DENIED) and subcode w:AccessDenied. A UAC-filtered token never gets here: the
                # listener answers it with HTTP 401 when the NTLM handshake completes (server.py).
                denied = self.model.fault_reply(5, "Access is denied.")
                return SoapReply(500, denied.body, set())
            if is_identify:
                return self.model.handle_identify(self.state, body, True)
            return self.model.handle_soap(self.state, body, ctx)

    def after_request(self, restart_winrm: bool, effects: Iterable[str] = ()) -> None:
        """After a reply was sent: a WinRM restart drops every connection and re-evaluates the listeners; a
        ``reboot:N`` effect (`shutdown /r /t N`) restarts the host."""
        for effect in effects:
            if effect.startswith("reboot:"):
                self.reboot(float(effect.split(":", 1)[1]))
            elif effect == "reboot_abort":
                self.abort_reboot()
        if restart_winrm:
            with self._endpoint_lock:
                servers = list(self._servers.values())
            for server in servers:
                server.drop_connections()
            self.apply_state()
        else:
            self._refresh_credentials()  # a command may have changed an account (cheap when nothing changed)

    # --- internals -------------------------------------------------------------------------------------

    def _sync_endpoints(self, wanted: set[tuple[str, int]]) -> None:
        with self._endpoint_lock:
            self.listener_errors = {}
            for transport, port in list(wanted):
                problem = self._tls_problem(port) if transport.upper() == "HTTPS" else None
                if problem is not None:  # WinRM does not start an HTTPS listener it has no certificate for
                    self.listener_errors[(transport.upper(), port)] = problem
                    wanted.discard((transport, port))
            actual = {self._actual(t, p): (t.upper(), p) for t, p in wanted}
            for key in [k for k in self._servers if k not in actual]:
                self._servers.pop(key).stop()
            for key, (transport, port) in actual.items():
                if key in self._servers:
                    continue
                tls = self._tls_for(port) if transport == "HTTPS" else None
                server = self._bind(transport, port, key[1], tls)
                if server is not None:
                    self._servers[key] = server
                    server.start()

    def _tls_for(self, port: int) -> Callable[[], ssl.SSLContext | None]:
        return lambda: self.tls_context(port)

    def _bind(
        self, transport: str, port: int, actual: int, tls: Callable[[], ssl.SSLContext | None] | None
    ) -> ListenerServer | None:
        for _unused in range(50):  # a port just closed may linger briefly
            try:
                return ListenerServer(self, transport, port, actual, tls)
            except OSError:
                time.sleep(0.05)
        raise OSError(f"cannot listen on {self.address}:{actual} for {transport}")

    def _actual(self, transport: str, port: int) -> tuple[str, int]:
        """Windows' 5985/5986 map to this host's configured ports; other listener ports are used as they are."""
        transport = transport.upper()
        if port == WINDOWS_PORTS.get(transport):
            return transport, self.port_for(transport)
        return transport, port

    # --- the certificate store and TLS -----------------------------------------------------------------

    def _default_certificate(self) -> certs.HostCertificate:
        """The host's own certificate (CN = host name, SANs: the name and the address), issued by the test CA and
        put into the store through the same path as ``add_certificate``."""
        issued, ca = certs.host_certificate(self._cert_dir, self.hostname, self.address)
        self._ca_path = ca.cert_path
        self._store(issued, True, "")
        return certs.HostCertificate(
            cert_path=cert_store.cert_path(self._cert_dir, issued.thumbprint),
            key_path=cert_store.key_path(self._cert_dir, issued.thumbprint),
            thumbprint=issued.thumbprint,
            subject=f"CN={self.hostname}",
            dns_names=tuple(dict.fromkeys((self.hostname, self.hostname.lower()))),
            der=issued.der,
        )

    def _store(self, issued: certs.Issued, private_key: bool, friendly_name: str) -> Any:
        """Write the certificate's PEM and (when it has one) its key by thumbprint, then its Blob to the registry."""
        thumbprint = issued.thumbprint
        _write_file(cert_store.cert_path(self._cert_dir, thumbprint), issued.pem, 0o644)
        if private_key:
            _write_file(cert_store.key_path(self._cert_dir, thumbprint), issued.key_pem, 0o600)
        with self.lock:
            existing = cert_store.find(self.state.registry, thumbprint)
            if existing is None or existing.has_private_key != private_key:
                cert_store.install(self.state.registry, issued.der, private_key, friendly_name)
            found = [c for c in self.state.certificates if c.thumbprint == thumbprint]
        return found[0] if found else None

    def _served_thumbprint(self, port: int) -> str:
        """The CertificateThumbprint of the enabled HTTPS listener on this Windows port; the default certificate
        when the state has no HTTPS listener (a model that only says which endpoints accept)."""
        listeners = [x for x in getattr(self.state, "listeners", []) if x.transport.upper() == "HTTPS" and x.enabled]
        if not listeners:
            return self.certificate.thumbprint if hasattr(self, "certificate") else ""
        on_port = [x for x in listeners if x.port == port] or listeners
        return str(on_port[0].certificate_thumbprint).upper()

    def _tls_problem(self, port: int) -> str | None:
        """Why the HTTPS listener on ``port`` cannot serve its certificate, in WinRM's words; None when it can.

        ERROR_WSMAN_CERT_NOT_FOUND (0x80338082) "The WS-Management service cannot find the certificate that was
        requested." (wsmerror.h, the Windows SDK header of WinRM's error codes). ASSUMPTION: a listener whose
        certificate lost its private key is refused with the same error."""
        with self.lock:
            thumbprint = self._served_thumbprint(port)
            entry = cert_store.find(self.state.registry, thumbprint)
        if entry is None:
            return f"The WS-Management service cannot find the certificate that was requested. ({thumbprint})"
        if not entry.has_private_key or not cert_store.key_path(self._cert_dir, thumbprint).exists():
            return (
                "The WS-Management service cannot find the certificate that was requested. "
                f"(certificate {thumbprint} has no private key)"
            )
        return None

    def tls_context(self, port: int) -> ssl.SSLContext | None:
        """The TLS context for a connection accepted now on the HTTPS listener of this Windows port: the
        certificate its CertificateThumbprint selects, from the store; None (the handshake is refused) when the
        certificate or its key is gone."""
        if self._tls_problem(port) is not None:
            return None
        with self.lock:
            thumbprint = self._served_thumbprint(port)
            entry = cert_store.find(self.state.registry, thumbprint)
        if entry is None:
            return None
        context = self._tls_contexts.get(thumbprint)
        if context is None:
            pem = cert_store.cert_path(self._cert_dir, thumbprint)
            if not pem.exists():  # the store is the registry: the PEM beside it is only a copy for ssl
                _write_file(pem, certs.Issued(entry.der, b"").pem, 0o644)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            try:
                context.load_cert_chain(pem, cert_store.key_path(self._cert_dir, thumbprint))
            except (OSError, ssl.SSLError):
                return None
            self._tls_contexts[thumbprint] = context
        return context

    def _register_keys(self) -> None:
        """A running member's keys are in the acceptor keytab (set before any client can reach the host)."""
        membership = self.membership
        if membership is not None and self._running:
            kerberos.ACCEPTOR_KEYTAB.add(id(self), membership.keytab, self._krb5_conf)

    def _refresh_credentials(self) -> None:
        """Publish this host's accounts to its NTLM credential file while it runs; the file is written only when
        they changed. A reply finished after stop() must not register a stopped host again."""
        with self.lock:
            if not self._running:
                return
            accounts = tuple(account_triples(self.state))
            if accounts == self._published:
                return
            lines = auth.credential_lines(accounts, self.hostname) + realm_lines(self.membership, list(accounts))
            auth.CREDENTIALS.update(id(self), lines)
            self._published = accounts

    def _notify(self) -> None:
        for callback in list(self.on_change):
            callback(self)


def _write_file(path: Path, data: bytes, mode: int) -> None:
    """Write atomically (several hosts and processes share a state directory)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.read_bytes() == data:
        return
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    tmp.write_bytes(data)
    tmp.chmod(mode)
    os.replace(tmp, path)


def wait_until_listening(address: str, port: int, timeout: float = 10.0) -> bool:
    """True once a TCP connection to address:port succeeds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((address, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False
