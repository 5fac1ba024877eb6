# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The local Group Policy "Allow remote server management through WinRM", set the way gpedit.msc sets it.

gpedit writes the policy into the local GPO (``Machine\\Registry.pol`` plus a ``gpt.ini`` version bump and the
registry client-side extension GUIDs, so the policy engine keeps reapplying it), and the policy engine copies it
to ``HKLM\\Software\\Policies\\Microsoft\\Windows\\WinRM\\Service``. WinRM reads AllowAutoConfig/IPv4Filter/IPv6Filter
only when it starts, so the change takes effect after a restart of the service, done here by a SYSTEM task.

The filters choose the LOCAL addresses the GPO listener binds to (not the clients allowed in).
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import ipaddress
import socket
import typing as t

from ansible_collections.winremote.remoting.plugins.plugin_utils.engine import guard
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.change import Change, Endpoint, Outcome
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.execute import Procedure
from ansible_collections.winremote.remoting.plugins.plugin_utils.errors import InvalidArgumentError
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures import remoting_info
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import (
    files,
    gpt_ini,
    key_reads,
    registry,
    registry_pol,
    services,
    tasks,
    winrm_config,
    winrm_filters,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows.registry_pol import PolEntry
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import batch, errors
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.errors import WinRemoteError
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.protocol import Client

POLICY_KEY = r"Software\Policies\Microsoft\Windows\WinRM\Service"  # Registry.pol keys carry no hive
REGISTRY_KEY = remoting_info.WINRM_POLICY_KEY
GROUP_POLICY_DIR = r"%SystemRoot%\System32\GroupPolicy"
REGISTRY_POL = GROUP_POLICY_DIR + r"\Machine\Registry.pol"
GPT_INI = GROUP_POLICY_DIR + r"\gpt.ini"
TASK_NAME = services.RESTART_TASK
ROLLBACK_TASK = guard.POLICY_TASK
ALLOW = "AllowAutoConfig"
FILTERS = {"IPv4Filter": "ipv4_filter", "IPv6Filter": "ipv6_filter"}
VALUES = (ALLOW, *FILTERS)
STATES = ("enabled", "disabled", "not_configured")
# The GPO listener: Address=*, HTTP on the default HTTP port (5985), per the policy's help text ("the WinRM service
# automatically listens on the network for requests on the HTTP transport over the default HTTP port"; Microsoft
# Learn, Policy CSP - RemoteManagement, AllowAutoConfig). ASSUMPTION (UNVERIFIED): with a certificate it may serve
# HTTPS on 5986 too, so a connection to HTTPS 5986 is treated as depending on the policy as well (fails safe).
GPO_ENDPOINTS = (("http", 5985), ("https", 5986))
RESOLVE_SECONDS = 5.0  # deadline of the controller-side name resolution
Resolver = t.Callable[[str, int], t.Sequence[str]]


class PolicyError(WinRemoteError):
    """The host's local GPO files cannot be updated safely (repair them first); nothing on the host changed."""

    kind = "invalid_policy"


def _same_filter(parameter: str, a: str | None, b: str | None) -> bool:
    """Filters compare by meaning ('10.0.0.1 - 10.0.0.9' equals '10.0.0.1-10.0.0.9'), other text as written."""
    if a is None or b is None:
        return a is b
    try:
        return winrm_filters.normalize(parameter, a) == winrm_filters.normalize(parameter, b)
    except winrm_filters.FilterError:
        return a.strip() == b.strip()


@dataclasses.dataclass(frozen=True)
class Running:
    """What the running WinRM service applies: ``enabled`` (filters shown with Source="GPO") or not."""

    state: str  # enabled | disabled | not_configured
    ipv4_filter: str | None = None
    ipv6_filter: str | None = None

    @classmethod
    def from_service(cls, service: winrm_config.ServiceConfig | None) -> Running:
        if service is None:
            raise WinRemoteError("winrm/config/service could not be read from the host")
        if {"IPv4Filter", "IPv6Filter"} & set(service.gpo_settings):
            return cls("enabled", service.ipv4_filter, service.ipv6_filter)
        # While we are connected the service cannot be applying "disabled" (AllowAutoConfig=0 answers nobody).
        return cls("not_configured")

    def matches(self, other: Running) -> bool:
        if self.state != other.state:
            return False
        return self.state != "enabled" or (
            _same_filter("ipv4_filter", self.ipv4_filter, other.ipv4_filter)
            and _same_filter("ipv6_filter", self.ipv6_filter, other.ipv6_filter)
        )

    def to_dict(self) -> dict[str, t.Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class PolicyDesired:
    state: str
    ipv4_filter: str | None = None  # normalised; None unless enabled
    ipv6_filter: str | None = None
    restart_winrm: bool = True
    allow_self_disconnect: bool = False
    controller_address: str | None = None  # the host name or address the controller connects to
    scheme: str = "http"  # the connection's transport and port
    port: int = 5985
    # the addresses the controller may reach the host at: the literal, or what the name resolved to on the
    # controller; None = not resolved (no name given, or resolution failed: see resolve_error)
    addresses: tuple[str, ...] | None = None
    resolve_error: str | None = None

    @classmethod
    def from_args(
        cls,
        args: t.Mapping[str, t.Any],
        controller_address: str | None,
        scheme: str = "http",
        port: int = 5985,
        resolver: Resolver | None = None,
    ) -> PolicyDesired:
        """Validate the module options; every error names the option and is raised before any connection. A host
        name is resolved here (on the controller, with a deadline) when the filters restrict the addresses."""
        state = args["state"]
        if state not in STATES:
            raise InvalidArgumentError("state", f"must be one of {', '.join(STATES)}, got {state!r}")
        filters: dict[str, str | None] = {}
        for parameter in FILTERS.values():
            value = args.get(parameter)
            if state != "enabled":
                if value is not None:
                    raise InvalidArgumentError(
                        parameter, f"only used with state=enabled (state={state} removes the filters)"
                    )
                filters[parameter] = None
                continue
            # raises winrm_filters.FilterError, an InvalidArgumentError naming the filter
            filters[parameter] = winrm_filters.normalize(parameter, "*" if value is None else str(value))
        addresses: tuple[str, ...] | None = None
        error = None
        if controller_address and _is_ip(controller_address):
            addresses = (str(ipaddress.ip_address(controller_address.strip("[]"))),)
        elif controller_address and (filters["ipv4_filter"], filters["ipv6_filter"]) != ("*", "*"):
            try:
                addresses = tuple(dict.fromkeys((resolver or resolve)(controller_address, port)))
            except OSError as exc:
                error = str(exc) or type(exc).__name__
        return cls(
            state=state,
            ipv4_filter=filters["ipv4_filter"],
            ipv6_filter=filters["ipv6_filter"],
            restart_winrm=bool(args.get("restart_winrm", True)),
            allow_self_disconnect=bool(args.get("allow_self_disconnect", False)),
            controller_address=controller_address,
            scheme=scheme.lower(),
            port=int(port),
            addresses=addresses,
            resolve_error=error,
        )

    @property
    def endpoint(self) -> Endpoint:
        return Endpoint(self.scheme, self.port)

    def filter_of(self, name: str) -> str | None:
        return self.ipv4_filter if name == "IPv4Filter" else self.ipv6_filter

    @property
    def registry_values(self) -> dict[str, int | str | None]:
        """The effective values under Policies\\...\\WinRM\\Service (None = value absent)."""
        if self.state == "enabled":
            return {ALLOW: 1, "IPv4Filter": self.ipv4_filter, "IPv6Filter": self.ipv6_filter}
        if self.state == "disabled":
            return {ALLOW: 0, "IPv4Filter": None, "IPv6Filter": None}
        return dict.fromkeys(VALUES)

    @property
    def running(self) -> Running:
        return Running(self.state, self.ipv4_filter, self.ipv6_filter)

    def lockout(self, listeners: t.Sequence[winrm_config.Listener] = ()) -> str | None:
        """Why WinRM, once it applies this policy, would leave nothing answering this controller; None when it
        keeps answering (or when the connection is unknown: no controller address, as in pure plan tests).

        Rules (the assumptions are in GPO_ENDPOINTS and the simulator's rules.effective_listeners):
        - disabled (AllowAutoConfig=0): the service answers no remote request at all, whatever the listeners
          (Microsoft Learn, Policy CSP - RemoteManagement, AllowAutoConfig);
        - a connection to another transport/port than the GPO listener's goes through a local listener the
          policy does not touch: unaffected;
        - not_configured: the GPO listener goes away, so some other (local) listener seen now must serve the
          connection's transport, port and address;
        - enabled: the filters choose the local addresses the GPO listener binds to; at least one address the
          controller may use (the literal, or every address the name resolved to on the controller) must be
          included. A local Address=* HTTP listener is not counted: the GPO listener replaces it.
        """
        if self.state == "disabled":
            return "state=disabled (AllowAutoConfig=0) turns WinRM remote management off: no listener answers"
        if not self.controller_address or (self.scheme, self.port) not in GPO_ENDPOINTS:
            return None
        where = f"{self.scheme.upper()} port {self.port}"
        if self.state == "not_configured":
            if not any(x.source == "GPO" for x in listeners):
                return None  # no GPO listener runs now: not_configured removes nothing
            if any(self._serves(x) for x in listeners if x.source != "GPO"):
                return None
            return (
                f"state=not_configured removes the Group Policy listener (Source=GPO), and no other listener is seen "
                f"serving {where} at {self.controller_address}"
            )
        if (self.ipv4_filter, self.ipv6_filter) == ("*", "*"):
            return None
        if self.addresses is None:
            return (
                f"the filters restrict the listening addresses and {self.controller_address} could not be resolved "
                f"on the controller within {RESOLVE_SECONDS:.0f}s ({self.resolve_error or 'no address'}), so it cannot "
                "be checked that they include the address this connection uses; connect by IP address"
            )
        if any(self._admits(address) for address in self.addresses):
            return None
        parts = []
        for version, parameter, value in ((4, "ipv4_filter", self.ipv4_filter), (6, "ipv6_filter", self.ipv6_filter)):
            family = [a for a in self.addresses if ipaddress.ip_address(a).version == version]
            if family:
                parts.append(f"{parameter}={value!r} does not include {', '.join(family)}")
        if not parts:
            return f"{self.controller_address} resolved to no address on the controller"
        if _is_ip(self.controller_address):
            return f"{parts[0]}, the address this connection uses"
        return f"{' and '.join(parts)}: every address {self.controller_address} resolves to on the controller"

    def _admits(self, address: str) -> bool:
        version = ipaddress.ip_address(address).version
        value = self.ipv4_filter if version == 4 else self.ipv6_filter
        return winrm_filters.addresses_match(value or "", address)

    def _serves(self, listener: winrm_config.Listener) -> bool:
        """The listener is enabled on this connection's transport and port, on * or an address in use."""
        if not listener.enabled or listener.transport.lower() != self.scheme or listener.port != self.port:
            return False
        if listener.address == "*":
            return True
        kind, _sep, value = listener.address.partition(":")
        return kind.upper() == "IP" and value.strip("[]") in (self.addresses or ())

    def warnings(self) -> list[str]:
        found = []
        for parameter, family in (("ipv4_filter", "IPv4"), ("ipv6_filter", "IPv6")):
            if self.state == "enabled" and getattr(self, parameter) == "":
                found.append(f"{parameter} is empty: the WinRM GPO listener will not listen on any {family} address")
        if self.state == "enabled" and self.addresses and not all(self._admits(a) for a in self.addresses):
            found.append(
                f"{self.controller_address} resolves to addresses the filters leave out "
                f"({', '.join(a for a in self.addresses if not self._admits(a))}): after the restart only the "
                "others answer"
            )
        return found


def resolve(name: str, port: int, seconds: float = RESOLVE_SECONDS) -> tuple[str, ...]:
    """Every address ``name`` resolves to on the controller (what the connection may use), within ``seconds``.
    getaddrinfo has no timeout of its own, so it runs in a worker thread that is abandoned at the deadline."""
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    future = pool.submit(socket.getaddrinfo, name, port, 0, socket.SOCK_STREAM)
    pool.shutdown(wait=False)
    try:
        infos = future.result(timeout=seconds)
    except concurrent.futures.TimeoutError:
        raise OSError(f"no answer within {seconds:.0f}s") from None
    except (OSError, UnicodeError) as exc:
        raise OSError(str(exc)) from None
    return tuple(dict.fromkeys(str(ipaddress.ip_address(str(info[4][0]).split("%", maxsplit=1)[0])) for info in infos))


def _is_policy_key(key: str) -> bool:
    return key.rstrip("\\").casefold() == POLICY_KEY.casefold()


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return False
    return True


@dataclasses.dataclass(frozen=True)
class PolicyState:
    registry_pol: bytes | None  # None: the file does not exist
    gpt_ini: bytes | None
    registry: dict[str, t.Any]  # AllowAutoConfig / IPv4Filter / IPv6Filter as reg query shows them (None = absent)
    running: Running
    listeners: tuple[winrm_config.Listener, ...]
    stale_rollback: bool = False  # an earlier run's rollback task still waits on the host

    def entries(self) -> list[PolEntry]:
        if self.registry_pol is None:
            return []
        try:
            return registry_pol.parse(self.registry_pol)
        except registry_pol.RegistryPolError as exc:
            raise PolicyError(
                f"{REGISTRY_POL} on the host is not a valid Registry.pol file ({exc}); "
                "repair or remove it (gpedit.msc recreates it)"
            ) from None

    def policy_in_file(self) -> dict[str, t.Any]:
        """What the local GPO says: state and filters from Registry.pol."""
        values: dict[str, t.Any] = {}
        for entry in self.entries():
            if _is_policy_key(entry.key) and not entry.is_delete_marker:
                values[entry.value_name.casefold()] = registry_pol.decode_value(entry)
        allow = values.get(ALLOW.casefold())
        state = "not_configured" if not isinstance(allow, int) else ("enabled" if allow else "disabled")
        return {"state": state, "ipv4_filter": values.get("ipv4filter"), "ipv6_filter": values.get("ipv6filter")}


KEY_PROBE = "policy"  # the same read as remoting_info's, so one observation can serve both


def file_reads() -> tuple[batch.Read[bytes | None], batch.Read[bytes | None]]:
    """The local GPO's files (what a Server Manager observation does not read): Registry.pol, gpt.ini."""
    return files.file_read("pol", REGISTRY_POL), files.file_read("gpt", GPT_INI)


def probes() -> list[batch.Probe]:
    """The files, the policy key (the same probe as Server Manager's observation) and the guard's task."""
    return batch.compose(file_reads(), [remoting_info.key_probe(KEY_PROBE), guard.pending_probe(ROLLBACK_TASK)])


def interpret(
    result: batch.BatchResult,
    all_probes: t.Sequence[batch.Probe],
    service: winrm_config.ServiceConfig | None = None,
    listeners: t.Sequence[winrm_config.Listener] = (),
) -> PolicyState:
    """The batched files and registry output, with winrm/config/service and the listeners read through WS-Transfer
    (``winrm_config.read_service`` / ``read_listeners``, which fail naming what could not be read)."""
    missing = result.missing(all_probes)
    if missing:
        raise WinRemoteError(f"the host's answer lacks {', '.join(missing)}: {errors.truncate(result.stderr)}")
    presence = key_reads.presence(result, KEY_PROBE, REGISTRY_KEY, may_be_absent=True)
    if presence.state == key_reads.UNREAD:
        raise WinRemoteError(
            f"cannot plan the WinRM policy: {presence.message()}; nothing was changed (check the key's permissions "
            "with regedit, or run the task with an account that can read it)"
        )
    pending_why = guard.pending_unread(result, ROLLBACK_TASK)
    if pending_why is not None:
        raise WinRemoteError(f"cannot plan the WinRM policy: {pending_why}; nothing was changed")
    key = registry.find_key(registry.parse_query(result.section(KEY_PROBE)), REGISTRY_KEY)
    pol, gpt = file_reads()
    return PolicyState(
        registry_pol=pol.value(result),
        gpt_ini=gpt.value(result),
        registry={name: key.get(name) if key else None for name in VALUES},
        running=Running.from_service(service),
        listeners=tuple(listeners),
        stale_rollback=guard.is_pending(result, ROLLBACK_TASK),
    )


def _describe(entries: t.Sequence[PolEntry]) -> dict[str, str]:
    """The policy key's records as `name: TYPE data`, readable in --diff."""
    names = {registry_pol.REG_DWORD: "REG_DWORD", registry_pol.REG_SZ: "REG_SZ"}
    found = {}
    for entry in entries:
        if _is_policy_key(entry.key):
            shown = "" if entry.is_delete_marker else f" {registry_pol.decode_value(entry)!s}"
            found[entry.value_name] = f"{names.get(entry.type, entry.type)}{shown}".rstrip()
    return found


def _gpt_summary(gpt: gpt_ini.GptIni | None) -> dict[str, t.Any] | None:
    if gpt is None:
        return None
    return {"version": gpt.version, gpt_ini.MACHINE_EXTENSIONS_KEY: gpt.get(gpt_ini.MACHINE_EXTENSIONS_KEY)}


def reg_file(values: t.Mapping[str, int | str | None]) -> bytes:
    """The policy values as a .reg file (``registry.reg_file``), for the rollback guard."""
    try:
        return registry.reg_file(REGISTRY_KEY, values)
    except ValueError:
        raise PolicyError(f"{REGISTRY_KEY} holds text that cannot be written back; repair it first") from None


def running_desired(state: PolicyState) -> PolicyDesired:
    """The policy WinRM runs now, as a request (what the rollback puts back)."""
    running = state.running
    if running.state != "enabled":
        return PolicyDesired(state=running.state)
    return PolicyDesired(state="enabled", ipv4_filter=running.ipv4_filter, ipv6_filter=running.ipv6_filter)


def restore_of(state: PolicyState) -> guard.Restore:
    """What makes WinRM run again what it runs NOW (winrm/config/service, Running), not what the files or the
    registry say: an earlier run with restart_winrm=false, a fault or a killed process may have left those holding
    a policy the service never applied. Registry.pol and gpt.ini keep their bytes when they already hold the running
    policy; otherwise Registry.pol is rebuilt from its current records with the policy key set to the running policy,
    and gpt.ini is bumped past anything this run writes, so the policy engine applies it. The policy values go back
    through a .reg file; then WinRM restarts. ASSUMPTION (UNVERIFIED): the policy engine may keep a gpt.ini version it
    has seen; WinRM reads the registry values when it starts either way, and they are restored directly."""
    wanted = running_desired(state)
    entries = state.entries()
    pol, gpt = state.registry_pol, state.gpt_ini
    if new_registry_pol(state, wanted)[1] != state.registry_pol:
        new_entries = registry_pol.set_values(entries, POLICY_KEY, pol_wanted(entries, wanted))
        pol = registry_pol.serialize(new_entries) if new_entries or state.registry_pol is not None else None
        try:
            parsed = gpt_ini.parse(state.gpt_ini) if state.gpt_ini is not None else gpt_ini.new()
            bumped = gpt_ini.bump_machine_version(gpt_ini.bump_machine_version(parsed))
            if new_entries:
                bumped = gpt_ini.ensure_machine_extension(bumped)
        except gpt_ini.GptIniError as exc:
            raise PolicyError(f"{GPT_INI} on the host cannot be updated safely: {exc}; repair it first") from None
        gpt = gpt_ini.render_bytes(bumped)
    values: dict[str, int | str | None] = {}
    for name, value in wanted.registry_values.items():
        have = state.registry.get(name)
        same = isinstance(value, str) and isinstance(have, str) and _same_filter(FILTERS[name], have, value)
        values[name] = have if same else value  # the observed text when it means the same
    return guard.Restore(
        {REGISTRY_POL: pol, GPT_INI: gpt},
        [tasks.RESTART_WINRM],
        "the WinRM policy the service ran before this change",
        registry=reg_file(values),
    )


def pol_wanted(entries: list[PolEntry], desired: PolicyDesired) -> dict[str, PolEntry | None]:
    """gpedit's records: Enabled = AllowAutoConfig 1 + both filters (ASSUMPTION: an empty filter is an empty
    REG_SZ); Disabled = AllowAutoConfig 0 + ``**del.`` markers for the filters; Not configured = no records."""
    wanted: dict[str, PolEntry | None] = {}
    for name in VALUES:
        if desired.state == "not_configured":
            wanted[name] = None
        elif name == ALLOW:
            wanted[name] = PolEntry.dword(POLICY_KEY, ALLOW, 1 if desired.state == "enabled" else 0)
        elif desired.state == "disabled":
            wanted[name] = PolEntry.delete_value(POLICY_KEY, name)
        elif desired.filter_of(name) is None:  # only from a running policy that shows no such filter
            wanted[name] = None
        else:
            wanted[name] = PolEntry.string(POLICY_KEY, name, desired.filter_of(name) or "")
        existing = registry_pol.find(entries, POLICY_KEY, name)
        target = wanted[name]
        if target is not None and len(existing) == 1 and _same_record(existing[0], target):
            wanted[name] = existing[0]  # same meaning: keep the bytes as they are
    return wanted


def _same_record(have: PolEntry, want: PolEntry) -> bool:
    if have.type != want.type or have.value_name.casefold() != want.value_name.casefold():
        return False
    if want.is_delete_marker:
        return True  # the client ignores a marker's data
    if want.target_name in FILTERS and want.type == registry_pol.REG_SZ:
        parameter = FILTERS[want.target_name]
        return _same_filter(parameter, str(registry_pol.decode_value(have)), str(registry_pol.decode_value(want)))
    return have.data == want.data


def new_registry_pol(state: PolicyState, desired: PolicyDesired) -> tuple[list[PolEntry], bytes | None]:
    """Registry.pol's records and bytes once it holds ``desired`` (None: the file stays absent)."""
    entries = state.entries()
    new_entries = registry_pol.set_values(entries, POLICY_KEY, pol_wanted(entries, desired))
    new_pol = registry_pol.serialize(new_entries) if new_entries or state.registry_pol is not None else None
    return new_entries, new_pol


def new_gpt_ini(state: PolicyState, has_entries: bool) -> tuple[gpt_ini.GptIni | None, gpt_ini.GptIni]:
    """gpt.ini before and after: its machine version bumped, the registry extensions listed when needed."""
    try:
        before = gpt_ini.parse(state.gpt_ini) if state.gpt_ini is not None else None
        after = gpt_ini.bump_machine_version(before or gpt_ini.new())
        if has_entries:
            after = gpt_ini.ensure_machine_extension(after)
    except gpt_ini.GptIniError as exc:
        raise PolicyError(f"{GPT_INI} on the host cannot be updated safely: {exc}; repair it first") from None
    return before, after


def registry_change(name: str, have: t.Any, want: int | str | None) -> Change | None:
    target = f"registry.{name}"
    if want is None:
        if have is None:
            return None
        return Change(target, have, None, f"delete {REGISTRY_KEY}\\{name}", registry.DeleteValue(REGISTRY_KEY, name))
    if isinstance(want, int):
        if isinstance(have, int) and not isinstance(have, bool) and have == want:
            return None
        return Change(
            target, have, want, f"set {REGISTRY_KEY}\\{name}={want}", registry.SetDword(REGISTRY_KEY, name, want)
        )
    if isinstance(have, str) and _same_filter(FILTERS[name], have, want):
        return None
    operation = registry.SetString(REGISTRY_KEY, name, want)
    return Change(target, have, want, f"set {REGISTRY_KEY}\\{name}={want!r}", operation)


class WinrmPolicy(Procedure[PolicyState, PolicyDesired]):
    """observe (WS-Transfer reads, one WinRS command) -> plan (pure); the engine writes, restarts WinRM under a
    rollback guard, reconnects until the service runs the new policy, and verifies."""

    guard_task = ROLLBACK_TASK
    awaited = "with the new policy"

    def __init__(self, wait_seconds: float = 60.0) -> None:
        self.wait_seconds = wait_seconds

    def observe(self, client: Client) -> PolicyState:
        """Six requests: Get winrm/config/service, Enumerate winrm/config/listener, one WinRS command (four). A read
        that fails ends the task naming it (``winrm_config.ConfigUnreadError``): no plan on unread state."""
        service = winrm_config.read_service(client)
        listeners = winrm_config.read_listeners(client)
        all_probes = probes()
        return interpret(batch.run(client, all_probes), all_probes, service, listeners)

    def plan(self, state: PolicyState, request: PolicyDesired) -> list[Change]:
        changes: list[Change] = []
        new_entries, new_pol = new_registry_pol(state, request)
        if new_pol != state.registry_pol:
            before_gpt, after_gpt = new_gpt_ini(state, bool(new_entries))
            write = files.WriteFiles({REGISTRY_POL: new_pol or b"", GPT_INI: gpt_ini.render_bytes(after_gpt)})
            changes.append(
                Change(
                    "registry_pol",
                    _describe(state.entries()),
                    _describe(new_entries),
                    f"write {REGISTRY_POL}: policy 'Allow remote server management through WinRM' {request.state}",
                    write,
                )
            )
            changes.append(
                Change(
                    "gpt_ini",
                    _gpt_summary(before_gpt),
                    _gpt_summary(after_gpt),
                    f"bump {GPT_INI} to version {after_gpt.version} so the policy engine applies the new Registry.pol",
                    write,
                )
            )
        for name, value in request.registry_values.items():
            change = registry_change(name, state.registry.get(name), value)
            if change is not None:
                changes.append(change)
        if request.restart_winrm and not state.running.matches(request.running):
            cuts = request.lockout(state.listeners)
            # restored by the guard when the host does not come back; a restart that cuts this controller off on
            # purpose (allow_self_disconnect) is not guarded: losing access is what was asked for
            restart = services.RestartWinrm(restore=None if cuts else restore_of(state), cuts=cuts)
            changes.append(
                Change(
                    "winrm_service",
                    state.running.to_dict(),
                    request.running.to_dict(),
                    "restart WinRM through a SYSTEM scheduled task so the service applies the policy",
                    restart,
                )
            )
        return changes

    def stale_rollbacks(self, state: PolicyState) -> tuple[str, ...]:
        return (ROLLBACK_TASK,) if state.stale_rollback else ()

    def lockout(self, state: PolicyState, request: PolicyDesired) -> str | None:
        return request.lockout(state.listeners)

    def settled(self, client: Client, request: PolicyDesired) -> str | None:
        running = Running.from_service(winrm_config.parse_service(client.get(winrm_config.SERVICE_URI)))
        return None if running.matches(request.running) else f"it still applies {running.state}"

    def facts(self, outcome: Outcome[PolicyState], request: PolicyDesired) -> tuple[dict[str, t.Any], list[str]]:
        warnings = request.warnings()
        effective = outcome.after or outcome.before
        restart_required = not request.restart_winrm and not effective.running.matches(request.running)
        if restart_required:
            warnings.append("the WinRM service applies the new policy when it next starts (restart_winrm=false)")
        # a restart planned as disruptive (allowed by allow_self_disconnect) cuts this controller off
        reachable = not (outcome.applied and any(c.disruptive for c in outcome.changes))
        if not reachable:
            warnings.append(
                "WinRM on this host no longer answers remote requests, as allow_self_disconnect=true allowed; "
                "undo it on the host's console (gpedit.msc or this module run locally)"
            )
        facts = {
            "state": request.state,
            "ipv4_filter": request.ipv4_filter,
            "ipv6_filter": request.ipv6_filter,
            "previous": outcome.before.policy_in_file(),
            "running": (request.running if not reachable else effective.running).to_dict(),
            "restart_required": restart_required,
            "reachable": reachable,
            "listeners": [listener.to_dict() for listener in effective.listeners] if reachable else [],
        }
        return facts, warnings
