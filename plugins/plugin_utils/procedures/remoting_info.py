# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Observe everything that decides whether a host can be managed remotely: the WinRM service configuration and the
listeners with WS-Transfer Get and WS-Enumeration (never ``winrm.cmd``, see ``winrm_config``), everything else in one
batched WinRS command.

Read-only: this procedure has only the observe step. It is what ``remoting_info`` returns and what the
other procedures' verification steps compare against.
"""

from __future__ import annotations

import dataclasses
import typing as t

from ansible_collections.winremote.remoting.plugins.plugin_utils import manageability
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine import guard
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import (
    firewall,
    key_reads,
    os_info,
    registry,
    services,
    software,
    winrm_config,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import batch, errors, winrs
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.errors import WinRemoteError
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.protocol import Client

WINRM_POLICY_KEY = r"HKLM\SOFTWARE\Policies\Microsoft\Windows\WinRM\Service"
SYSTEM_POLICIES_KEY = r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System"
GUARD_TASKS = (guard.LISTENER_TASK, guard.POLICY_TASK, guard.SERVICE_TASK, guard.WINRM_LISTENER_TASK)
OBSERVED_RULES = firewall.RULE_SETS["winrm_http"] + firewall.RULE_SETS["dcom_remote_management"]
SM_REMOTING_PORT = 5985


# Registry reads of the observation: (probe name, key, whether Windows may lack the key). A whole-key probe's section
# holds the key; a presence probe only proves the key readable for the value probes (and the /f search) that read it.
KEY_READS = (
    ("os", os_info.CURRENT_VERSION_KEY, False),
    ("policy", WINRM_POLICY_KEY, True),
    ("ps1", software.POWERSHELL_1_KEY, True),
    ("ps3", software.POWERSHELL_3_KEY, True),
    ("dotnet", software.DOTNET_4_KEY, True),
)
PRESENCE_READS = (
    ("product.key", os_info.PRODUCT_OPTIONS_KEY, False),
    ("latfp.key", SYSTEM_POLICIES_KEY, False),
    ("hotfix.key", software.CBS_PACKAGES_KEY, False),
)


def key_probe(name: str) -> batch.Probe:
    """One of the observation's whole-key registry reads, by name: other procedures reuse it, so one observation
    can serve several of them."""
    key, absent_ok = next((key, absent_ok) for probe, key, absent_ok in KEY_READS if probe == name)
    return key_reads.key_probe(name, key, absent_ok)


def probes() -> list[batch.Probe]:
    """Every read, in the order the host runs them."""
    sc_qc, sc_query = services.query_commands("WinRM")
    found = [key_reads.key_probe(name, key, absent_ok) for name, key, absent_ok in KEY_READS]
    found += [key_reads.presence_probe(name, key, absent_ok) for name, key, absent_ok in PRESENCE_READS]
    found += [
        batch.Probe("product", registry.query_command(os_info.PRODUCT_OPTIONS_KEY, "ProductType")),
        batch.Probe("svc.qc", sc_qc),
        batch.Probe("svc.query", sc_query),
        batch.Probe("latfp", registry.query_command(SYSTEM_POLICIES_KEY, "LocalAccountTokenFilterPolicy")),
        batch.Probe(
            "hotfix", registry.query_command(software.CBS_PACKAGES_KEY, find_key=manageability.PERFORMANCE_UPDATE)
        ),
        batch.Probe("nls", registry.query_command(os_info.CODE_PAGE_KEY, "OEMCP")),
    ]
    found += [guard.pending_probe(name) for name in GUARD_TASKS]
    return found + firewall.rule_probes(OBSERVED_RULES)


def key_presences(result: batch.BatchResult) -> list[key_reads.Presence]:
    """What the host proved about every key the observation reads (firewall stores included)."""
    found = [key_reads.presence(result, name, key, ok) for name, key, ok in (*KEY_READS, *PRESENCE_READS)]
    return found + firewall.store_presences(result)


@dataclasses.dataclass(frozen=True)
class PolicyValues:
    """The Group Policy "Allow remote server management through WinRM" as the registry holds it."""

    configured: bool
    allow_auto_config: bool | None
    ipv4_filter: str | None
    ipv6_filter: str | None
    read: bool = True  # False: the policy key exists but could not be read (or its absence was not proved)

    def to_dict(self) -> dict[str, t.Any]:
        state = "not_configured" if not self.configured else ("enabled" if self.allow_auto_config else "disabled")
        if not self.read:
            state = "unknown"
        return {
            "state": state,
            "allow_auto_config": self.allow_auto_config,
            "ipv4_filter": self.ipv4_filter,
            "ipv6_filter": self.ipv6_filter,
        }


@dataclasses.dataclass(frozen=True)
class RemotingState:
    os: os_info.OsInfo
    winrm_service: services.ServiceStatus
    listeners: tuple[winrm_config.Listener, ...]
    service_config: winrm_config.ServiceConfig | None
    winrm_policy: PolicyValues
    local_account_token_filter_policy: int | None
    firewall_rules: dict[str, firewall.FirewallRule | None]
    software: software.Software
    unread: tuple[str, ...]  # what the host did not give (a section never arrived, was empty or a read faulted)
    pending_rollbacks: tuple[str, ...] = ()  # rollback tasks an earlier run armed and could not cancel
    unread_reasons: tuple[str, ...] = ()  # one "<what> could not be read: <why>" per unread item
    oem_code_page: int | None = None  # the host's OEM code page (Nls\CodePage OEMCP, a REG_SZ such as "850")
    firewall_read: bool = True  # both rule stores were read (or proved absent): a rule not found is absent

    def require_read(self, action: str) -> None:
        """Refuse to build a plan on unread state: unread is never absent."""
        if self.unread:
            why = "; ".join(self.unread_reasons) or f"no data from: {', '.join(self.unread)}"
            raise WinRemoteError(f"cannot {action}: {why}")

    @property
    def wsman_stack_version(self) -> str:
        """WMF 2.0 ships WinRM stack 2.0; WMF 3.0 and later ship 3.0 (Microsoft Learn, about_Remote_Requirements:
        PowerShell 3.0 remoting needs WinRM 3.0)."""
        return "3.0" if self.software.powershell_major >= 3 else "2.0"

    @property
    def sm_remoting_enabled(self) -> bool:
        """What Server Manager relies on: WinRM automatic and running, an enabled HTTP listener on all addresses on
        5985, and the WinRM HTTP firewall rule enabled."""
        rule = self.firewall_rules.get("WINRM-HTTP-In-TCP")
        listener = any(
            lst.transport == "HTTP" and lst.address == "*" and lst.port == SM_REMOTING_PORT and lst.enabled
            for lst in self.listeners
        )
        return (
            self.winrm_service.start_mode == "auto"
            and self.winrm_service.state == "running"
            and listener
            and rule is not None
            and rule.enabled
        )

    def verdict(self) -> manageability.Verdict:
        verdict = manageability.assess(self.os, self.software)
        if verdict.manageable and self.unread:
            return manageability.Verdict(
                manageability.DATA_RETRIEVAL_FAILURES, (f"no data from: {', '.join(self.unread)}",)
            )
        return verdict

    def to_dict(self) -> dict[str, t.Any]:
        verdict = self.verdict()
        service = self.service_config
        return {
            "os": self.os.to_dict(),
            "winrm_service": self.winrm_service.to_dict(),
            "listeners": [lst.to_dict() for lst in self.listeners],
            "service_auth": dict(service.auth) if service else {},
            "allow_unencrypted": service.allow_unencrypted if service else None,
            "gpo_controlled_settings": list(service.gpo_settings) if service else [],
            "winrm_policy": self.winrm_policy.to_dict(),
            "local_account_token_filter_policy": self.local_account_token_filter_policy == 1,
            "firewall_rules": {
                rule_id: (rule.to_dict() if rule else {"present": False if self.firewall_read else None})
                for rule_id, rule in self.firewall_rules.items()
            },
            "powershell_version": self.software.powershell_version,
            "wsman_stack_version": self.wsman_stack_version,
            "dotnet_release": self.software.dotnet_release,
            "dotnet_version": self.software.dotnet_version,
            "kb2682011_installed": manageability.PERFORMANCE_UPDATE in self.software.hotfixes,
            "sm_remoting_enabled": self.sm_remoting_enabled,
            "pending_rollback_tasks": list(self.pending_rollbacks),
            "manageability": verdict.status,
            "manageability_reasons": list(verdict.reasons),
        }


def _key(result: batch.BatchResult, probe: str, path: str) -> registry.RegKey | None:
    return registry.find_key(registry.parse_query(result.section(probe)), path)


def _filter_text(key: registry.RegKey | None, name: str) -> str | None:
    """A filter value as text whatever type the host stored it with (a policy written by another tool may use
    REG_DWORD or REG_MULTI_SZ): reported as it is, never trusted to be a string."""
    value = key.get(name) if key else None
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list):
        return ",".join(value)
    return value.hex() if isinstance(value, bytes) else str(value)


# Sections that a working host never leaves empty: sc prints a line even for a missing service, and the
# CurrentVersion key exists on every Windows. An empty one is unread (the tool did not run or printed nothing).
NEVER_EMPTY = ("os", "svc.qc", "svc.query")


def batch_unread(result: batch.BatchResult, all_probes: t.Sequence[batch.Probe]) -> list[str]:
    """Probe names whose section never arrived or is empty where it cannot be."""
    missing = result.missing(all_probes)
    return missing + [n for n in NEVER_EMPTY if n not in missing and not result.section(n).strip()]


def interpret(
    result: batch.BatchResult,
    all_probes: t.Sequence[batch.Probe],
    service_config: winrm_config.ServiceConfig | None = None,
    listeners: t.Sequence[winrm_config.Listener] = (),
    config_unread: t.Sequence[winrm_config.ConfigUnreadError] = (),
) -> RemotingState:
    """Turn the batched output and the WS-Transfer reads into typed state (pure: unit-testable without a host)."""
    presences = {presence.probe: presence for presence in key_presences(result)}
    policy_key = _key(result, "policy", WINRM_POLICY_KEY)
    auto_config = policy_key.get("AllowAutoConfig") if policy_key else None
    policy = PolicyValues(
        configured=isinstance(auto_config, int),
        allow_auto_config=bool(auto_config) if isinstance(auto_config, int) else None,
        ipv4_filter=_filter_text(policy_key, "IPv4Filter"),
        ipv6_filter=_filter_text(policy_key, "IPv6Filter"),
        read=presences["policy"].state != key_reads.UNREAD,
    )
    latfp_key = _key(result, "latfp", SYSTEM_POLICIES_KEY)
    latfp = latfp_key.get("LocalAccountTokenFilterPolicy") if latfp_key else None
    hotfix_keys = registry.parse_query(result.section("hotfix"))
    unread_batch = batch_unread(result, all_probes)
    stderr = errors.truncate(" ".join(result.stderr.split())) or "no output"
    batch_reasons = [f"{name} could not be read: {stderr}" for name in unread_batch]
    for presence in presences.values():
        if presence.state == key_reads.UNREAD and presence.probe in result.sections:
            unread_batch.append(presence.key)
            batch_reasons.append(presence.message())
    for name in GUARD_TASKS:
        why = guard.pending_unread(result, name)
        if why is not None and guard.pending_probe(name).name in result.sections:
            unread_batch.append(f"rollback task {name}")
            batch_reasons.append(why)
    oem = registry.find_key(registry.parse_query(result.section("nls")), os_info.CODE_PAGE_KEY)
    oem_code_page = oem.get("OEMCP") if oem else None
    return RemotingState(
        os=os_info.from_registry(
            _key(result, "os", os_info.CURRENT_VERSION_KEY), _key(result, "product", os_info.PRODUCT_OPTIONS_KEY)
        ),
        winrm_service=services.parse("WinRM", result.section("svc.qc"), result.section("svc.query")),
        listeners=tuple(listeners),
        service_config=service_config,
        winrm_policy=policy,
        local_account_token_filter_policy=latfp if isinstance(latfp, int) else None,
        firewall_rules=firewall.rules_from_batch(result, OBSERVED_RULES),
        software=software.from_registry(
            _key(result, "ps1", software.POWERSHELL_1_KEY),
            _key(result, "ps3", software.POWERSHELL_3_KEY),
            _key(result, "dotnet", software.DOTNET_4_KEY),
            [key.path for key in hotfix_keys.values()],
        ),
        unread=tuple(unread_batch + [exc.what for exc in config_unread]),
        pending_rollbacks=tuple(name for name in GUARD_TASKS if guard.is_pending(result, name)),
        unread_reasons=tuple(batch_reasons + [str(exc) for exc in config_unread]),
        firewall_read=all(presences[store[0]].state != key_reads.UNREAD for store in firewall.STORE_PRESENCE),
        oem_code_page=int(oem_code_page) if isinstance(oem_code_page, str) and oem_code_page.isdigit() else None,
    )


@dataclasses.dataclass(frozen=True)
class Observation:
    """One observation's parts, for procedures that read more in the same WinRS command (``extra`` probes)."""

    state: RemotingState
    result: batch.BatchResult
    service: winrm_config.ServiceConfig | None
    listeners: tuple[winrm_config.Listener, ...]
    config_unread: tuple[winrm_config.ConfigUnreadError, ...]


def observe_with(client: Client, extra: t.Sequence[batch.Probe] = ()) -> Observation:
    """Six requests: a Get of winrm/config/service, an Enumerate of winrm/config/listener (one reply holds every
    listener; a Pull only if the host sends more), and one WinRS command (Create shell, Command, Receive, Delete)
    that also runs the ``extra`` probes. Afterwards the client's shells use the host's code page
    (``winrs.codepage_for``); the observation's own command runs no batch file, so it reads right under either."""
    service: winrm_config.ServiceConfig | None = None
    listeners: list[winrm_config.Listener] = []
    unread: list[winrm_config.ConfigUnreadError] = []
    try:
        service = winrm_config.read_service(client)
    except winrm_config.ConfigUnreadError as exc:
        unread.append(exc)
    try:
        listeners = winrm_config.read_listeners(client)
    except winrm_config.ConfigUnreadError as exc:
        unread.append(exc)
    own = probes()
    result = batch.run(client, batch.compose(own, extra))
    state = interpret(result, own, service, listeners, unread)
    if hasattr(client, "codepage"):
        client.codepage = winrs.codepage_for(state.wsman_stack_version, state.oem_code_page)
    return Observation(state, result, service, tuple(listeners), tuple(unread))


def observe(client: Client) -> RemotingState:
    """Server Manager's observation (see :func:`observe_with`)."""
    return observe_with(client).state
