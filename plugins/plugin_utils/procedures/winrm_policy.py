"""The local Group Policy "Allow remote server management through WinRM", set the way gpedit.msc sets it.

gpedit writes the policy into the local GPO (``Machine\\Registry.pol`` plus a ``gpt.ini`` version bump and the
registry client-side extension GUIDs, so the policy engine keeps reapplying it), and the policy engine copies it
to ``HKLM\\Software\\Policies\\Microsoft\\Windows\\WinRM\\Service``. WinRM reads AllowAutoConfig/IPv4Filter/IPv6Filter
only when it starts, so the change takes effect after a restart of the service, done here by a SYSTEM task.

The filters choose the LOCAL addresses the GPO listener binds to (not the clients allowed in).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import time
import typing as t

from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures import rollback
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures.base import Change, NotConvergedError
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import (
    batch,
    files,
    gpt_ini,
    registry,
    registry_pol,
    tasks,
    winrm_config,
    winrm_filters,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows.registry_pol import PolEntry
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.errors import WinRemoteError

POLICY_KEY = r"Software\Policies\Microsoft\Windows\WinRM\Service"  # Registry.pol keys carry no hive
REGISTRY_KEY = r"HKLM\SOFTWARE\Policies\Microsoft\Windows\WinRM\Service"
GROUP_POLICY_DIR = r"%SystemRoot%\System32\GroupPolicy"
REGISTRY_POL = GROUP_POLICY_DIR + r"\Machine\Registry.pol"
GPT_INI = GROUP_POLICY_DIR + r"\gpt.ini"
TASK_NAME = "winremote-restart-winrm"
ROLLBACK_TASK = rollback.POLICY_TASK
ALLOW = "AllowAutoConfig"
FILTERS = {"IPv4Filter": "ipv4_filter", "IPv6Filter": "ipv6_filter"}
VALUES = (ALLOW, *FILTERS)
STATES = ("enabled", "disabled", "not_configured")


class PolicyError(WinRemoteError):
    """A request refused before anything on the host changed."""

    kind = "invalid_policy"


class Client(batch.CommandRunner, registry.CimInvoker, tasks.Requester, t.Protocol):
    def get(self, resource_uri: str, selectors: t.Any = None, options: t.Any = None) -> t.Any: ...

    def close(self) -> None: ...


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
class Desired:
    state: str
    ipv4_filter: str | None = None  # normalised; None unless enabled
    ipv6_filter: str | None = None
    restart_winrm: bool = True
    allow_self_disconnect: bool = False
    controller_address: str | None = None  # the host name or address the controller connects to

    @classmethod
    def from_args(cls, args: t.Mapping[str, t.Any], controller_address: str | None) -> Desired:
        """Validate the module options; every error names the option and is raised before any connection."""
        state = args["state"]
        if state not in STATES:
            raise PolicyError(f"state: must be one of {', '.join(STATES)}, got {state!r}")
        filters: dict[str, str | None] = {}
        for parameter in FILTERS.values():
            value = args.get(parameter)
            if state != "enabled":
                if value is not None:
                    raise PolicyError(f"{parameter}: only used with state=enabled (state={state} removes the filters)")
                filters[parameter] = None
                continue
            try:
                filters[parameter] = winrm_filters.normalize(parameter, "*" if value is None else str(value))
            except winrm_filters.FilterError as exc:
                raise PolicyError(str(exc)) from None
        return cls(
            state=state,
            ipv4_filter=filters["ipv4_filter"],
            ipv6_filter=filters["ipv6_filter"],
            restart_winrm=bool(args.get("restart_winrm", True)),
            allow_self_disconnect=bool(args.get("allow_self_disconnect", False)),
            controller_address=controller_address,
        )

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

    def lockout(self) -> str | None:
        """Why the policy, once WinRM applies it, leaves nothing listening where the controller connects."""
        if self.state == "disabled":
            return "state=disabled (AllowAutoConfig=0) turns WinRM remote management off: no listener answers"
        if self.state != "enabled" or not self.controller_address:
            return None
        try:
            address = ipaddress.ip_address(self.controller_address.strip("[]"))
        except ValueError:
            return None  # a host name: see warnings()
        parameter = "ipv4_filter" if address.version == 4 else "ipv6_filter"
        value = self.ipv4_filter if address.version == 4 else self.ipv6_filter
        if winrm_filters.addresses_match(value or "", str(address)):
            return None
        return f"{parameter}={value!r} does not include {address}, the address this connection uses"

    def warnings(self) -> list[str]:
        found = []
        for parameter, family in (("ipv4_filter", "IPv4"), ("ipv6_filter", "IPv6")):
            if self.state == "enabled" and getattr(self, parameter) == "":
                found.append(f"{parameter} is empty: the WinRM GPO listener will not listen on any {family} address")
        by_name = self.controller_address and not _is_ip(self.controller_address)
        if self.state == "enabled" and by_name and (self.ipv4_filter, self.ipv6_filter) != ("*", "*"):
            found.append(
                f"the connection uses the name {self.controller_address}: make sure the filters include the local "
                "address it resolves to, or WinRM stops answering it after the restart"
            )
        return found


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


def probes() -> list[batch.Probe]:
    return [
        files.read_probe("pol", REGISTRY_POL),
        files.read_probe("gpt", GPT_INI),
        batch.Probe("reg", registry.query_command(REGISTRY_KEY)),
        batch.Probe("service", "winrm get winrm/config/service -format:xml"),
        batch.Probe("listeners", "winrm enumerate winrm/config/listener -format:xml"),
        rollback.pending_probe(ROLLBACK_TASK),
    ]


def interpret(result: batch.BatchResult, all_probes: t.Sequence[batch.Probe]) -> PolicyState:
    missing = result.missing(all_probes)
    if missing:
        raise WinRemoteError(f"the host's answer lacks {', '.join(missing)}: {' '.join(result.stderr.split())[:200]}")
    key = registry.find_key(registry.parse_query(result.section("reg")), REGISTRY_KEY)
    return PolicyState(
        registry_pol=files.parse_read(REGISTRY_POL, result.section("pol")),
        gpt_ini=files.parse_read(GPT_INI, result.section("gpt")),
        registry={name: key.get(name) if key else None for name in VALUES},
        running=Running.from_service(winrm_config.parse_service(result.section("service"))),
        listeners=tuple(winrm_config.parse_listeners(result.section("listeners"))),
        stale_rollback=rollback.is_pending(result, ROLLBACK_TASK),
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


def _restore_value(name: str, value: t.Any) -> str:
    """The reg.exe line that puts one policy value back as observed (reg query types: int = DWORD, str = SZ)."""
    if value is None:
        return f'reg delete "{REGISTRY_KEY}" /v {name} /f >nul 2>&1'
    if isinstance(value, int) and not isinstance(value, bool):
        return f'reg add "{REGISTRY_KEY}" /v {name} /t REG_DWORD /d {value} /f >nul'
    if isinstance(value, str):
        return f'reg add "{REGISTRY_KEY}" /v {name} /t REG_SZ /d "{rollback.batch_text(value)}" /f >nul'
    raise PolicyError(f"{REGISTRY_KEY}\\{name} has an unexpected type on the host; remove or repair it first")


def restore_of(state: PolicyState) -> rollback.Restore:
    """The observed policy: the GPO files' bytes, the registry values, then a WinRM restart so the service reads
    them. ASSUMPTION (UNVERIFIED): the policy engine may keep a gpt.ini version it has seen; WinRM reads the
    registry values at start either way, and they are restored directly."""
    commands = [_restore_value(name, state.registry.get(name)) for name in VALUES]
    return rollback.Restore(
        {REGISTRY_POL: state.registry_pol, GPT_INI: state.gpt_ini},
        [*commands, tasks.RESTART_WINRM],
        "the previous WinRM policy",
    )


class WinrmPolicy:
    """observe (one WinRS command) -> plan (pure) -> apply (files, registry, restart and reconnect)."""

    def __init__(self, wait_seconds: float = 60.0, sleep: t.Callable[[float], None] = time.sleep) -> None:
        self.wait_seconds = wait_seconds
        self.sleep = sleep

    def observe(self, client: batch.CommandRunner) -> PolicyState:
        all_probes = probes()
        return interpret(batch.run(client, all_probes), all_probes)

    # --- plan ----------------------------------------------------------------------------------------------------

    def _pol_wanted(self, entries: list[PolEntry], desired: Desired) -> dict[str, PolEntry | None]:
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
            else:
                wanted[name] = PolEntry.string(POLICY_KEY, name, desired.filter_of(name) or "")
            existing = registry_pol.find(entries, POLICY_KEY, name)
            target = wanted[name]
            if target is not None and len(existing) == 1 and self._same_record(existing[0], target):
                wanted[name] = existing[0]  # same meaning: keep the bytes as they are
        return wanted

    @staticmethod
    def _same_record(have: PolEntry, want: PolEntry) -> bool:
        if have.type != want.type or have.value_name.casefold() != want.value_name.casefold():
            return False
        if want.is_delete_marker:
            return True  # the client ignores a marker's data
        if want.target_name in FILTERS and want.type == registry_pol.REG_SZ:
            parameter = FILTERS[want.target_name]
            return _same_filter(parameter, str(registry_pol.decode_value(have)), str(registry_pol.decode_value(want)))
        return have.data == want.data

    def plan(self, state: PolicyState, desired: Desired) -> list[Change]:
        changes: list[Change] = [rollback.stale_change(ROLLBACK_TASK)] if state.stale_rollback else []
        entries = state.entries()
        new_entries = registry_pol.set_values(entries, POLICY_KEY, self._pol_wanted(entries, desired))
        new_pol = registry_pol.serialize(new_entries) if new_entries or state.registry_pol is not None else None
        if new_pol != state.registry_pol:
            changes.append(
                Change(
                    "write_file",
                    "registry_pol",
                    _describe(entries),
                    _describe(new_entries),
                    f"write {REGISTRY_POL}: policy 'Allow remote server management through WinRM' {desired.state}",
                    {"path": REGISTRY_POL, "data": new_pol},
                )
            )
            changes.append(self._gpt_change(state, bool(new_entries)))
        for name, value in desired.registry_values.items():
            change = self._registry_change(name, state.registry.get(name), value)
            if change is not None:
                changes.append(change)
        if desired.restart_winrm and not state.running.matches(desired.running):
            changes.append(
                Change(
                    "restart_winrm",
                    "winrm_service",
                    state.running.to_dict(),
                    desired.running.to_dict(),
                    "restart WinRM through a SYSTEM scheduled task so the service applies the policy",
                    # base.execute re-observes after apply unless a change is disruptive (cuts the controller off for
                    # good); a restart that comes back is verified by wait_for and by that re-observation.
                    {"desired": desired, "cuts_connection": desired.lockout() is not None},
                    disruptive=desired.lockout() is not None,
                )
            )
        reason = desired.lockout()
        if changes and reason and not desired.allow_self_disconnect:
            raise PolicyError(
                f"refused: {reason}, so WinRM would stop answering this controller once the policy applies; "
                "set allow_self_disconnect=true if that is intended"
            )
        return changes

    @staticmethod
    def _gpt_change(state: PolicyState, has_entries: bool) -> Change:
        try:
            before = gpt_ini.parse(state.gpt_ini) if state.gpt_ini is not None else None
            after = gpt_ini.bump_machine_version(before or gpt_ini.new())
            if has_entries:
                after = gpt_ini.ensure_machine_extension(after)
        except gpt_ini.GptIniError as exc:
            raise PolicyError(f"{GPT_INI} on the host cannot be updated safely: {exc}; repair it first") from None
        return Change(
            "write_file",
            "gpt_ini",
            _gpt_summary(before),
            _gpt_summary(after),
            f"bump {GPT_INI} to version {after.version} so the policy engine applies the new Registry.pol",
            {"path": GPT_INI, "data": gpt_ini.render_bytes(after)},
        )

    @staticmethod
    def _registry_change(name: str, have: t.Any, want: int | str | None) -> Change | None:
        target = f"registry.{name}"
        if want is None:
            if have is None:
                return None
            return Change("delete_value", target, have, None, f"delete {REGISTRY_KEY}\\{name}", {"name": name})
        if isinstance(want, int):
            if isinstance(have, int) and not isinstance(have, bool) and have == want:
                return None
            return Change("set_dword", target, have, want, f"set {REGISTRY_KEY}\\{name}={want}", {"name": name})
        if isinstance(have, str) and _same_filter(FILTERS[name], have, want):
            return None
        return Change("set_string", target, have, want, f"set {REGISTRY_KEY}\\{name}={want!r}", {"name": name})

    # --- apply ---------------------------------------------------------------------------------------------------

    def apply(self, client: Client, state: PolicyState, changes: t.Sequence[Change]) -> None:
        restart = next((c for c in changes if c.kind == "restart_winrm"), None)
        guard = None
        if restart is not None and not restart.params["cuts_connection"]:
            # Built before anything changes, so a value the script cannot hold refuses the run untouched.
            guard = rollback.Guard(ROLLBACK_TASK, restore_of(state), self.wait_seconds, sleep=self.sleep)
        if any(c.kind == "cancel_stale_rollback" for c in changes):
            rollback.cancel_stale(client, ROLLBACK_TASK)  # first: it must not undo this run's changes later
        written = {c.params["path"]: c.params["data"] for c in changes if c.kind == "write_file"}
        files.write(client, written)
        for change in changes:
            name = change.params.get("name", "")
            if change.kind == "set_dword":
                registry.set_dword(client, REGISTRY_KEY, name, int(change.after))
            elif change.kind == "set_string":
                registry.set_string(client, REGISTRY_KEY, name, str(change.after))
            elif change.kind == "delete_value":
                registry.delete_value(client, REGISTRY_KEY, name)
        if restart is None:
            return
        desired: Desired = restart.params["desired"]
        if guard is None:  # the restart cuts this controller off on purpose (allow_self_disconnect): no guard
            # Nothing will answer afterwards, so verify everything else now; never report half-done as success.
            self.prepare_disconnect(client, desired)
            tasks.run_as_system(client, TASK_NAME, tasks.RESTART_WINRM)
            return
        # A restart that should come back is guarded: if WinRM does not answer again, the task puts the previous
        # files, values and service state back by itself.
        guard.arm(client)
        try:
            tasks.run_as_system(client, TASK_NAME, tasks.RESTART_WINRM)
        except WinRemoteError as exc:  # the restart may be under way: give the host the reconnect window
            raise guard.settle(client, exc, patient=True) from None
        try:
            self.wait_for(client, desired.running)
        except WinRemoteError as exc:  # the window is spent: one more try
            raise guard.settle(client, exc) from None
        guard.cancel(client)

    def wait_for(self, client: Client, expected: Running) -> Running:
        """Reconnect with backoff until the service answers with the expected policy, or fail saying what to do."""
        deadline = time.monotonic() + self.wait_seconds
        delay = 0.25
        seen = "no answer yet"
        while True:
            client.close()  # the restart dropped the connection and its authentication
            try:
                running = Running.from_service(winrm_config.parse_service(client.get(winrm_config.SERVICE_URI)))
                if running.matches(expected):
                    return running
                seen = f"it still applies {running.state}"
            except WinRemoteError as exc:
                seen = str(exc)
            if time.monotonic() + delay > deadline:
                raise NotConvergedError(
                    f"WinRM did not answer with the new policy within {self.wait_seconds:.0f}s of the restart (last: "
                    f"{seen}); if WinRM stays stopped, start it on the host (net start winrm), then rerun this task"
                )
            self.sleep(delay)
            delay = min(delay * 2, 5.0)

    def prepare_disconnect(self, client: Client, desired: Desired) -> None:
        """Before a restart that ends remote access: everything but the restart must already be in place."""
        left = [c for c in self.plan(self.observe(client), desired) if c.kind != "restart_winrm"]
        if left:
            raise NotConvergedError(
                "the host did not take the policy before the restart; still to do: "
                + "; ".join(c.summary for c in left)
            )
