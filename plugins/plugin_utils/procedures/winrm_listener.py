# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One WinRM listener (``winrm/config/Listener?Address=*+Transport=HTTPS``): create it, change it, rotate its
certificate in place, delete it, and keep an inbound firewall rule for an HTTPS listener's port.

Observed with one WS-Enumeration of the listeners, one batched WinRS command (the firewall rules that admit the
port, and whether this module's rollback task waits) and, for HTTPS, LocalMachine\\My through StdRegProv. The
certificate is checked on the controller before anything changes (in the store, a private key, valid now, Server
Authentication, its names cover ``hostname``). A certificate rotation is one Put of CertificateThumbprint on the
existing listener, never a delete and a create. Every listener change restarts WinRM; the engine arms the rollback
guard before it and reconnects after it. When this connection comes through the listener whose certificate
changes, the reconnect validates the new certificate as the connection is configured (its ``ca_path``): a
certificate this controller does not accept keeps it out, and the host restores the previous listener by itself.
A listener Group Policy created (``Source="GPO"``) is reported, never changed.
"""

from __future__ import annotations

import dataclasses
import datetime
import ipaddress
import re
import typing as t

from ansible_collections.winremote.remoting.plugins.plugin_utils.engine import guard
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.change import (
    Change,
    Endpoint,
    Operation,
    Outcome,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.execute import Procedure
from ansible_collections.winremote.remoting.plugins.plugin_utils.errors import InvalidArgumentError
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import (
    cert_store,
    firewall,
    key_reads,
    listeners,
    winrm_config,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import batch
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.errors import WinRemoteError
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.protocol import Client

TRANSPORTS = {"http": "HTTP", "https": "HTTPS"}
# winrm/config/service/DefaultPorts (Microsoft Learn, "Installation and configuration for Windows Remote Management")
DEFAULT_PORTS = {"HTTP": 5985, "HTTPS": 5986}
ROLLBACK_TASK = guard.WINRM_LISTENER_TASK
FIREWALL_RULE_NAMES = {"HTTPS": "WINRM-HTTPS-In-TCP", "HTTP": "WINRM-HTTP-In-TCP-Custom"}
MAX_TEXT = 256
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
_URL_PREFIX = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_HEX40 = re.compile(r"^[0-9A-F]{40}$")
# characters a certificate viewer's copy of a thumbprint carries besides the hex digits: spaces, and the invisible
# left-to-right mark certlm.msc's details tab puts in front
_THUMBPRINT_NOISE = re.compile(r"[ \u200e\u200f]")


class GpoControlledError(WinRemoteError):
    """The listener was created by Group Policy and differs from the task; nothing was changed."""

    kind = "gpo_controlled"


class CertificateUnfitError(WinRemoteError):
    """The certificate the task names cannot serve the listener; nothing was changed."""

    kind = "certificate_unfit"


def _shown(value: str) -> str:
    return firewall.shown(value)


# --- validation (before any connection) ---------------------------------------------------------------------------
def normalize_address(raw: t.Any) -> str:
    """``*`` or ``IP:<address>`` as WinRM writes the selector (``winrm create
    winrm/config/Listener?Address=IP:192.168.2.1+Transport=HTTP``); a bare address gets the ``IP:`` prefix. IPv6
    scope IDs (``%``) and anything else are refused. ASSUMPTION (UNVERIFIED): WinRM writes an IPv6 listener address
    as ``IP:`` and the address without brackets; it is given here in its compressed form (RFC 5952)."""
    if not isinstance(raw, str):
        raise InvalidArgumentError("address", f"must be a string, got {type(raw).__name__}")
    if raw == "*":
        return raw
    text = raw[3:] if raw[:3].upper() == "IP:" else raw
    if not text or len(text) > 45 or not re.fullmatch(r"[0-9A-Fa-f.:]+", text):
        raise InvalidArgumentError(
            "address", f"must be * or IP:<IPv4 or IPv6 address> (no scope ID, no host name), got {_shown(raw)}"
        )
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        raise InvalidArgumentError("address", f"{_shown(raw)} is not an IP address") from None
    return f"IP:{address}"


def normalize_hostname(raw: t.Any, option: str = "hostname") -> str:
    """A DNS name (letters, digits and hyphens in labels of at most 63, at most 253 in all) or an IP address."""
    if not isinstance(raw, str):
        raise InvalidArgumentError(option, f"must be a string, got {type(raw).__name__}")
    text = raw[:-1] if raw.endswith(".") else raw
    if re.fullmatch(r"[0-9A-Fa-f.:]+", text):  # an address literal; never a scope ID (``%``), which Python accepts
        try:
            return str(ipaddress.ip_address(text))
        except ValueError:
            pass
    labels = text.split(".")
    if not text or len(text) > 253 or not all(_LABEL.match(label) for label in labels) or not text.isascii():
        raise InvalidArgumentError(
            option,
            f"must be a DNS name (letters, digits, hyphens and dots) or an IP address, got {_shown(raw)}",
        )
    return text


def normalize_thumbprint(raw: t.Any) -> str:
    """40 hexadecimal digits, spaces and case as a certificate viewer shows them ignored."""
    if not isinstance(raw, str):
        raise InvalidArgumentError("certificate_thumbprint", f"must be a string, got {type(raw).__name__}")
    text = _THUMBPRINT_NOISE.sub("", raw).upper()
    if not _HEX40.match(text):
        raise InvalidArgumentError(
            "certificate_thumbprint",
            f"must be a SHA-1 thumbprint of 40 hexadecimal digits (spaces allowed), got {_shown(raw)}",
        )
    return text


def _plain_text(option: str, raw: t.Any) -> str:
    if not isinstance(raw, str) or not raw or len(raw) > MAX_TEXT or not raw.isprintable():
        raise InvalidArgumentError(option, f"must be printable text of 1 to {MAX_TEXT} characters, got {raw!r:.60}")
    return raw


@dataclasses.dataclass(frozen=True)
class Selection:
    """Which certificates of LocalMachine\\My a listener may take (each part case-insensitive): ``subject`` the CN
    or the whole RFC 4514 subject, ``san`` one of its DNS names or IP addresses, ``issuer`` the issuer's CN or the
    whole issuer."""

    subject: str | None = None
    san: str | None = None
    issuer: str | None = None

    @classmethod
    def from_arg(cls, raw: t.Mapping[str, t.Any]) -> Selection:
        values = {k: raw.get(k) for k in ("subject", "san", "issuer")}
        unknown = sorted(set(raw) - set(values))
        if unknown:
            raise InvalidArgumentError("certificate", f"unknown key(s) {', '.join(unknown)}; use subject, san, issuer")
        found = {k: _plain_text(f"certificate.{k}", v) for k, v in values.items() if v is not None}
        if not found:
            raise InvalidArgumentError("certificate", "name at least one of subject, san, issuer")
        return cls(**found)

    def matches(self, cert: cert_store.StoreCertificate) -> bool:
        if self.subject is not None and self.subject.lower() not in _names_of(cert.subject, cert.common_name):
            return False
        if self.san is not None and self.san.lower() not in {n.lower() for n in (*cert.dns_names, *cert.ip_addresses)}:
            return False
        return self.issuer is None or self.issuer.lower() in _names_of(cert.issuer, None)

    def describe(self) -> str:
        return ", ".join(f"{k}={v!r}" for k, v in dataclasses.asdict(self).items() if v is not None)


def _names_of(dn: str, common_name: str | None) -> set[str]:
    """A distinguished name and its CN values, lower-cased, for matching."""
    found = {dn.lower(), *(m.lower() for m in re.findall(r"(?:^|,)CN=((?:[^,\\]|\\.)*)", dn))}
    if common_name:
        found.add(common_name.lower())
    return found


@dataclasses.dataclass(frozen=True)
class ListenerDesired:
    transport: str  # HTTP | HTTPS
    address: str = "*"
    port: int = 5985
    state: str = "present"
    hostname: str | None = None
    certificate_thumbprint: str | None = None
    certificate: Selection | None = None
    enabled: bool = True
    url_prefix: str = "wsman"
    firewall: bool = False
    allow_self_disconnect: bool = False
    endpoint: Endpoint = dataclasses.field(default_factory=Endpoint)
    connection: str = ""  # how this controller connects, for messages
    now: datetime.datetime | None = None  # the time certificates are checked at (None: the controller's clock)

    @classmethod
    def from_args(cls, args: t.Mapping[str, t.Any], config: t.Any = None) -> ListenerDesired:
        """Every option checked (InvalidArgumentError names it) before any connection."""
        transport_raw = args.get("transport")
        if not isinstance(transport_raw, str) or transport_raw.lower() not in TRANSPORTS:
            raise InvalidArgumentError("transport", f"must be http or https, got {transport_raw!r:.40}")
        transport = TRANSPORTS[transport_raw.lower()]
        state = args.get("state") or "present"
        if state not in ("present", "absent"):
            raise InvalidArgumentError("state", f"must be present or absent, got {state!r:.40}")
        port = args.get("port")
        if port is None:
            port = DEFAULT_PORTS[transport]
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
            raise InvalidArgumentError("port", f"must be a TCP port from 1 to 65535, got {port!r:.40}")
        hostname = args.get("hostname")
        thumbprint = args.get("certificate_thumbprint")
        selection = args.get("certificate")
        url_prefix = args.get("url_prefix")
        if url_prefix is None:
            url_prefix = "wsman"
        if not isinstance(url_prefix, str) or not _URL_PREFIX.match(url_prefix):
            raise InvalidArgumentError(
                "url_prefix", f"must be 1 to 64 letters, digits, '-' or '_', got {firewall.shown(str(url_prefix))}"
            )
        if thumbprint is not None and selection is not None:
            raise InvalidArgumentError("certificate_thumbprint", "give either certificate_thumbprint or certificate")
        if transport == "HTTP" and (thumbprint is not None or selection is not None):
            raise InvalidArgumentError("certificate_thumbprint", "an HTTP listener has no certificate; use https")
        if transport == "HTTPS" and state == "present" and thumbprint is None and selection is None:
            raise InvalidArgumentError(
                "certificate_thumbprint", "an HTTPS listener needs certificate_thumbprint or a certificate selection"
            )
        wall = args.get("firewall")
        if wall is None:
            wall = transport == "HTTPS"
        endpoint, connection = Endpoint(), ""
        if config is not None:
            endpoint = Endpoint(str(config.scheme).lower(), int(config.port))
            connection = f"{str(config.scheme).upper()} port {int(config.port)} to {config.host}"
        return cls(
            transport=transport,
            address=normalize_address("*" if args.get("address") is None else args["address"]),
            port=port,
            state=state,
            hostname=None if hostname is None else normalize_hostname(hostname),
            certificate_thumbprint=None if thumbprint is None else normalize_thumbprint(thumbprint),
            certificate=None if selection is None else Selection.from_arg(selection),
            enabled=args.get("enabled") is not False,
            url_prefix=url_prefix,
            firewall=bool(wall),
            allow_self_disconnect=args.get("allow_self_disconnect") is True,
            endpoint=endpoint,
            connection=connection,
        )

    @property
    def https(self) -> bool:
        return self.transport == "HTTPS"

    @property
    def target(self) -> str:
        return f"listeners.{self.transport}/{self.address}"

    def moment(self) -> datetime.datetime:
        return self.now or datetime.datetime.now(datetime.UTC)


# --- the observation -----------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class ListenerState:
    listeners: tuple[winrm_config.Listener, ...]
    store: cert_store.StoreRead | None = None  # read for an HTTPS listener that should be present
    store_error: str | None = None
    computer_name: str | None = None  # read when an HTTPS listener's hostname is not given
    port_rules: tuple[firewall.FirewallRule, ...] | None = None  # None: not read (or unread, see unread)
    unread: tuple[str, ...] = ()
    pending_rollback: bool = False

    def find(self, address: str, transport: str) -> winrm_config.Listener | None:
        return next(
            (x for x in self.listeners if x.address.lower() == address.lower() and x.transport.upper() == transport),
            None,
        )


def observe(client: Client, request: ListenerDesired) -> ListenerState:
    """The listeners, then one WinRS command (the port's firewall rules, the rollback task), then the store."""
    found = tuple(winrm_config.read_listeners(client))
    wants_rule = request.firewall and request.state == "present"
    probes: list[batch.Probe] = [guard.pending_probe(ROLLBACK_TASK)]
    if wants_rule:
        probes = firewall.port_rule_probes(request.port) + probes
    result = batch.run(client, probes)
    unread: list[str] = []
    rules: tuple[firewall.FirewallRule, ...] | None = None
    if wants_rule:
        problems = key_reads.unread_messages(firewall.store_presences(result))
        missing = [p for p in ("fw.port.local", "fw.port.gpo") if p not in result.sections]
        unread += problems + [f"the firewall rule search {p} did not answer" for p in missing]
        rules = None if problems or missing else tuple(firewall.port_rules_from_batch(result, request.port))
    waiting = guard.pending_unread(result, ROLLBACK_TASK)
    if waiting is not None:
        unread.append(waiting)
    store, store_error, name = None, None, None
    if request.https and request.state == "present":
        try:
            store = cert_store.read_store(client)
        except cert_store.CertStoreError as exc:
            store_error = str(exc)
        if request.hostname is None:
            name = listeners.read_computer_name(client)
    return ListenerState(found, store, store_error, name, rules, tuple(unread), guard.is_pending(result, ROLLBACK_TASK))


# --- the plan ------------------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Resolution:
    """What the request means on this host: the listener wanted and the certificate it takes."""

    existing: winrm_config.Listener | None
    wanted: listeners.Settings | None  # None: absent
    certificate: cert_store.StoreCertificate | None = None


def certificate_problems(cert: cert_store.StoreCertificate, hostname: str, now: datetime.datetime) -> list[str]:
    """cert_store.problems, plus WinRM's own rule: an HTTPS listener's Hostname must be the certificate's CN
    (``winrm create`` answers "The certificate CN and the hostname that were provided do not match")."""
    found = cert_store.problems(cert, hostname, now)
    if cert.common_name.lower() != hostname.lower():
        found.append(
            f"certificate {cert.thumbprint} has the CN {cert.common_name or '(none)'!r}, and WinRM requires an "
            f"HTTPS listener's hostname to be its CN ({hostname!r}): set hostname to the CN, or issue a certificate "
            f"whose CN is {hostname}"
        )
    return found


def _hostname(state: ListenerState, request: ListenerDesired, existing: winrm_config.Listener | None) -> str:
    if request.hostname is not None:
        return request.hostname
    if not request.https:
        return existing.hostname if existing is not None else ""
    if state.computer_name:
        # DNS names compare case-insensitively (RFC 4343); Windows often keeps the host name in capitals
        return normalize_hostname(state.computer_name.lower(), "hostname (the host's computer name)")
    raise WinRemoteError(
        "hostname: the host's computer name could not be read (HKLM\\SYSTEM\\CurrentControlSet\\Services\\Tcpip"
        "\\Parameters Hostname and Domain); set hostname to the name clients use for this host; nothing was changed"
    )


def _certificate(state: ListenerState, request: ListenerDesired, hostname: str) -> cert_store.StoreCertificate:
    if state.store is None:
        raise CertificateUnfitError(
            f"{cert_store.STORE_NAME} could not be read ({state.store_error or 'no answer'}); nothing was changed"
        )
    now = request.moment()
    if request.certificate_thumbprint is not None:
        entry = state.store.find(request.certificate_thumbprint)
        if entry is None:
            raise CertificateUnfitError(
                f"certificate_thumbprint: certificate {request.certificate_thumbprint} is not in "
                f"{cert_store.STORE_NAME}: import it with its private key (a .pfx) first; nothing was changed"
            )
        if isinstance(entry, cert_store.UnreadCertificate):
            raise CertificateUnfitError(f"certificate_thumbprint: {entry.message()}; nothing was changed")
        found = certificate_problems(entry, hostname, now)
        if found:
            raise CertificateUnfitError("certificate_thumbprint: " + "; ".join(found) + "; nothing was changed")
        return entry
    selection = t.cast(Selection, request.certificate)
    candidates = [c for c in state.store.certificates if selection.matches(c)]
    fit = [c for c in candidates if not certificate_problems(c, hostname, now)]
    chosen = cert_store.select(fit, hostname, now)
    if chosen is not None:
        return chosen
    why = [f"{c.thumbprint}: {'; '.join(certificate_problems(c, hostname, now))}" for c in candidates]
    unread = [u.message() for u in state.store.unread]
    detail = " | ".join(why + unread) or f"no certificate of {cert_store.STORE_NAME} matches"
    raise CertificateUnfitError(
        f"certificate: no certificate in {cert_store.STORE_NAME} with {selection.describe()} can serve an HTTPS "
        f"listener for {hostname} ({detail}); nothing was changed"
    )


def resolve(state: ListenerState, request: ListenerDesired) -> Resolution:
    existing = state.find(request.address, request.transport)
    if request.state == "absent":
        return Resolution(existing, None)
    hostname = _hostname(state, request, existing)
    cert = _certificate(state, request, hostname) if request.https else None
    wanted = listeners.Settings(
        request.port, hostname, request.enabled, request.url_prefix, cert.thumbprint if cert else ""
    )
    return Resolution(existing, wanted, cert)


def same(have: listeners.Settings, want: listeners.Settings) -> bool:
    return (
        have.port == want.port
        and have.hostname.lower() == want.hostname.lower()
        and have.enabled == want.enabled
        and (have.url_prefix or "wsman").lower() == want.url_prefix.lower()
        and have.certificate_thumbprint == want.certificate_thumbprint
    )


def _shown_settings(settings: listeners.Settings | None, transport: str) -> dict[str, t.Any] | None:
    if settings is None:
        return None
    shown = {
        "port": settings.port,
        "hostname": settings.hostname,
        "enabled": settings.enabled,
        "url_prefix": settings.url_prefix,
    }
    if transport == "HTTPS":
        shown["certificate_thumbprint"] = settings.certificate_thumbprint
    return shown


def _listener_change(resolution: Resolution, request: ListenerDesired) -> Change | None:
    existing, wanted = resolution.existing, resolution.wanted
    where = f"the {request.transport} listener on {request.address}"
    if wanted is None:
        if existing is None:
            return None
        if existing.source == "GPO":
            raise GpoControlledError(
                f"{where} was created by Group Policy (Source=GPO: Allow remote server management through WinRM); "
                "it can only be removed by changing that policy; nothing was changed"
            )
        before = _shown_settings(listeners.Settings.of(existing), request.transport)
        return Change(request.target, before, None, f"delete {where}", winrm_config.DeleteListener(existing))
    after = _shown_settings(wanted, request.transport)
    if existing is None:
        operation: Operation = listeners.CreateFullListener(request.address, request.transport, wanted)
        return Change(request.target, None, after, f"create {where} on port {wanted.port}", operation)
    have = listeners.Settings.of(existing)
    if same(have, wanted):
        return None
    if existing.source == "GPO":
        raise GpoControlledError(
            f"{where} was created by Group Policy (Source=GPO) with {_shown_settings(have, request.transport)}, not "
            f"{after}; change the policy (or the task) to match; nothing was changed"
        )
    parts = []
    if have.certificate_thumbprint != wanted.certificate_thumbprint:
        parts.append(
            f"rotate its certificate in place from {have.certificate_thumbprint or '(none)'} to "
            f"{wanted.certificate_thumbprint}"
        )
    for name, old, new in (
        ("port", have.port, wanted.port),
        ("hostname", have.hostname, wanted.hostname),
        ("enabled", have.enabled, wanted.enabled),
        ("url_prefix", have.url_prefix, wanted.url_prefix),
    ):
        if str(old).lower() != str(new).lower():
            parts.append(f"set {name} to {new!r} (was {old!r})")
    before = _shown_settings(have, request.transport)
    summary = f"change {where}: " + ", ".join(parts)
    return Change(request.target, before, after, summary, listeners.PutListener(existing, wanted))


def plan(state: ListenerState, request: ListenerDesired) -> list[Change]:
    """The firewall rule first (it cuts nothing), then the one listener operation (pure)."""
    if state.unread:
        raise WinRemoteError("; ".join(state.unread) + "; nothing was changed")
    resolution = resolve(state, request)
    changes: list[Change] = []
    if resolution.wanted is not None and request.firewall:
        if state.port_rules is None:
            raise WinRemoteError("the firewall rule stores could not be read; nothing was changed")
        if not state.port_rules:
            name = FIREWALL_RULE_NAMES[request.transport]
            changes.append(
                Change(
                    f"firewall_rule.{name}",
                    None,
                    {"local_port": request.port, "protocol": "TCP", "program": "System", "direction": "In"},
                    f"create the inbound firewall rule {name} for TCP port {request.port} (program System)",
                    firewall.NetshAddPortRule(name, request.port),
                )
            )
    change = _listener_change(resolution, request)
    if change is not None:
        changes.append(change)
    return changes


def settled_text(
    found: list[winrm_config.Listener], request: ListenerDesired, wanted: listeners.Settings | None
) -> str | None:
    """None when the listeners show what was planned, else what they show."""
    current = next(
        (x for x in found if x.address.lower() == request.address.lower() and x.transport.upper() == request.transport),
        None,
    )
    if wanted is None:
        return None if current is None else f"the {request.transport} listener on {request.address} is still there"
    if current is not None and same(listeners.Settings.of(current), wanted):
        return None
    shown = _shown_settings(listeners.Settings.of(current), request.transport) if current else None
    return f"the {request.transport} listener on {request.address} is {shown or 'missing'}"


class WinrmListener(Procedure[ListenerState, ListenerDesired]):
    """observe -> plan (pure); the engine refuses a self-disconnect, arms the guard, applies, reconnects (validating
    the certificate the connection is configured to trust) and observes again."""

    guard_task = ROLLBACK_TASK
    awaited = "with a certificate and listener this connection accepts"

    def __init__(self, request: ListenerDesired, wait_seconds: float = 60.0) -> None:
        self.request = request
        self.wait_seconds = wait_seconds
        self.wanted: listeners.Settings | None = None

    def observe(self, client: Client) -> ListenerState:
        return observe(client, self.request)

    def plan(self, state: ListenerState, request: ListenerDesired) -> list[Change]:
        changes = plan(state, request)
        self.wanted = resolve(state, request).wanted
        return changes

    def stale_rollbacks(self, state: ListenerState) -> tuple[str, ...]:
        return (ROLLBACK_TASK,) if state.pending_rollback else ()

    def settled(self, client: Client, request: ListenerDesired) -> str | None:
        return settled_text(winrm_config.read_listeners(client), request, self.wanted)

    def describe(self, client: Client) -> str | None:
        """What the listener is now (a fresh Enumerate), for a result that must say what is true after a cancel."""
        request = self.request
        current = ListenerState(tuple(winrm_config.read_listeners(client))).find(request.address, request.transport)
        if current is None:
            return f"no {request.transport} listener on {request.address}"
        shown = _shown_settings(listeners.Settings.of(current), request.transport)
        return f"the {request.transport} listener on {request.address} is {shown}"

    def facts(self, outcome: Outcome[ListenerState], request: ListenerDesired) -> tuple[dict[str, t.Any], list[str]]:
        warnings: list[str] = []
        base = outcome.after or outcome.before
        resolution = resolve(outcome.before, request)
        current = base.find(request.address, request.transport)
        listener: dict[str, t.Any] | None = current.to_dict() if current else None
        if outcome.after is None and outcome.changes:
            planned = _shown_settings(resolution.wanted, request.transport)
            listener = (
                None if planned is None else {"address": request.address, "transport": request.transport, **planned}
            )
        reachable = not (outcome.applied and any(c.disruptive for c in outcome.changes))
        if not reachable:
            warnings.append(
                "this connection came through the listener that changed, as allow_self_disconnect=true allowed; the "
                "change was made but not verified"
            )
        rules = base.port_rules or outcome.before.port_rules or ()
        facts: dict[str, t.Any] = {
            "listener": listener,
            "listeners": [x.to_dict() for x in base.listeners],
            "firewall_rule": {"rule_id": rules[0].rule_id, **rules[0].to_dict()} if rules else None,
            "gpo_controlled": bool(current is not None and current.source == "GPO"),
            "reachable": reachable,
        }
        cert = resolution.certificate
        if cert is not None:
            facts["certificate"] = {
                "thumbprint": cert.thumbprint,
                "subject": cert.subject,
                "issuer": cert.issuer,
                "dns_names": list(cert.dns_names),
                "not_before": cert.not_before.isoformat(),
                "not_after": cert.not_after.isoformat(),
            }
        return facts, warnings
