# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The state of one simulated Windows host.

Where Windows keeps a setting in the registry, the registry is the only copy (OS version, product type, .NET,
PowerShell, hotfixes, service start modes, firewall rules, WinRM policy, LocalAccountTokenFilterPolicy); the
properties below read it.  Everything else (WinRM config, listeners, service run state ...) is plain data,
typed (dataclasses, and the winrm/config tree as nested dicts of element texts, because it is addressed by element
name). The whole state is JSON-serialisable; shells and enumeration contexts are runtime only.
Changes to a running host go through winsim.ops, which enforces Windows' rules for them.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

from winsim.accounts import Account, default_accounts
from winsim.files import FileSystem
from winsim.registry import RegData, Registry
from winsim.tasks import ScheduledTask

if TYPE_CHECKING:
    from winsim.wsman.enumeration import EnumerationContext
    from winsim.wsman.winrs import Shell

NT_CURRENT_VERSION = r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion"
PRODUCT_OPTIONS = r"HKLM\SYSTEM\CurrentControlSet\Control\ProductOptions"
POLICIES_SYSTEM = r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System"
WINRM_POLICY = r"HKLM\SOFTWARE\Policies\Microsoft\Windows\WinRM\Service"
NDP_V4_FULL = r"HKLM\SOFTWARE\Microsoft\NET Framework Setup\NDP\v4\Full"
PS1_ENGINE = r"HKLM\SOFTWARE\Microsoft\PowerShell\1\PowerShellEngine"
PS3_ENGINE = r"HKLM\SOFTWARE\Microsoft\PowerShell\3\PowerShellEngine"
CBS = r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing"
CBS_PACKAGES = CBS + r"\Packages"
CBS_REBOOT_PENDING = CBS + r"\RebootPending"
SERVICES = r"HKLM\SYSTEM\CurrentControlSet\Services"
SESSION_MANAGER = r"HKLM\SYSTEM\CurrentControlSet\Control\Session Manager"
REBOOT_REQUIRED = r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired"

PRODUCT_TYPES = {"WinNT": 1, "LanmanNT": 2, "ServerNT": 3}
START_MODES = {2: "Auto", 3: "Manual", 4: "Disabled"}
START_VALUES = {v: k for k, v in START_MODES.items()}

# The winrm/config tree: element name -> text, or -> the subtree of a section (Service, Auth, DefaultPorts ...).
ConfigTree: TypeAlias = dict[str, "str | ConfigTree"]


@dataclass
class Listener:
    """One WinRM listener as `winrm/config/listener` shows it."""

    address: str = "*"
    transport: str = "HTTP"
    port: int = 5985
    hostname: str = ""
    enabled: bool = True
    url_prefix: str = "wsman"
    certificate_thumbprint: str = ""
    source: str = "local"  # "local" | "GPO" | "Compatibility"


POWERSHELL_URI = "http://schemas.microsoft.com/powershell/"


@dataclass
class SessionConfiguration:
    """A PowerShell session configuration: the WinRM plugin ``winrm/config/plugin?Name=<name>``
    (winsim.wsman.plugin_config) with the Sddl of its one resource, ``http://schemas.microsoft.com/powershell/<name>``."""

    name: str
    sddl: str
    enabled: bool = True
    filename: str = r"%windir%\system32\pwrshplugin.dll"
    architecture: str = "64"  # "64" | "32" (Microsoft.PowerShell32 runs the 32-bit plugin)
    ps_version: str = "2.0"  # the PSVersion initialization parameter
    sdk_version: str = "2"

    @property
    def resource_uri(self) -> str:
        return POWERSHELL_URI + self.name


def _session_configuration(name: str, data: Any) -> SessionConfiguration:
    """A saved configuration; states saved before it was typed held the SDDL alone."""
    if isinstance(data, str):
        return SessionConfiguration(name, data)
    return SessionConfiguration(**data)


@dataclass(frozen=True)
class Certificate:
    """A certificate in LocalMachine\\My as the WinRM service sees it (read from the registry: winsim.cert_store)."""

    thumbprint: str
    subject: str
    server_auth: bool = True  # Server Authentication EKU, or no EKU extension (any purpose)
    has_private_key: bool = True
    dns_names: tuple[str, ...] = ()
    not_after: str = ""  # ISO 8601, UTC


def describe_certificate(thumbprint: str, der: bytes, has_private_key: bool) -> Certificate:
    """The listener-relevant facts of a DER certificate."""
    from cryptography import x509
    from cryptography.x509.oid import ExtendedKeyUsageOID

    cert = x509.load_der_x509_certificate(der)
    try:
        usages = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        server_auth = ExtendedKeyUsageOID.SERVER_AUTH in usages
    except x509.ExtensionNotFound:
        server_auth = True
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        dns = tuple(san.get_values_for_type(x509.DNSName))
    except x509.ExtensionNotFound:
        dns = ()
    return Certificate(
        thumbprint=thumbprint,
        subject=cert.subject.rfc4514_string(),
        server_auth=server_auth,
        has_private_key=has_private_key,
        dns_names=dns,
        not_after=cert.not_valid_after_utc.isoformat(),
    )


@dataclass
class Runtime:
    """What does not survive a restart of the simulator: shells and enumeration contexts."""

    shells: dict[str, Shell] = field(default_factory=dict)  # upper-case ShellId -> shell (wsman/winrs.py)
    enumerations: dict[str, EnumerationContext] = field(default_factory=dict)  # context -> what is left to pull
    programs: list[tuple[str, list[str]]] = field(default_factory=list)  # (name, argv) of every program a line ran
    powershell_shells: dict[str, str] = field(default_factory=dict)  # upper-case ShellId -> session configuration


@dataclass
class HostState:
    hostname: str
    profile: str
    registry: Registry = field(default_factory=Registry)
    architecture: str = "64-bit"
    wsman_stack: str = "3.0"
    network_profile: str = "Domain"  # Domain | Private | Public
    locale: str = "en-US"  # the display language of console output (winsim.locales)
    service_status: dict[str, str] = field(default_factory=dict)  # name -> Running | Stopped
    winrm: ConfigTree = field(default_factory=dict)  # the winrm/config tree
    listeners: list[Listener] = field(default_factory=list)
    session_configurations: dict[str, SessionConfiguration] = field(default_factory=dict)  # name -> plugin
    # Local groups beyond Administrators and Users (whose members follow Account.is_admin): group name -> members
    # as "user" (local) or "DOMAIN\\user", e.g. {"Remote Management Users": ["localuser"]} (winsim.security)
    local_groups: dict[str, list[str]] = field(default_factory=dict)
    accounts: list[Account] = field(default_factory=default_accounts)
    files: FileSystem = field(default_factory=FileSystem)
    scheduled_tasks: dict[str, ScheduledTask] = field(default_factory=dict)  # lower-case name -> task (tasks.py)
    # The "Allow remote server management" values the running WinRM service read when it last started (rules.py);
    # None = not started since this state was built: it starts with what the registry holds when first looked at.
    winrm_service_policy: dict[str, RegData] | None = None
    # Servicing (winsim.packages): catalogue names installed, and msu packages staged until the next reboot.
    packages_installed: list[str] = field(default_factory=list)
    packages_pending: list[str] = field(default_factory=list)
    psmodulepath_lost: bool = False  # WMF 5.1 went on over WMF 3.0 on 2008 R2 (the collection must never cause it)
    boot_time: str = "2026-12-03T10:00:00Z"  # Win32_OperatingSystem.LastBootUpTime, UTC; every reboot moves it
    boot_count: int = 0  # reboots since this state was built
    # UNC prefix (r"\\files\packages", any case) -> a directory on the simulator's machine (read by SYSTEM tasks)
    unc_shares: dict[str, str] = field(default_factory=dict)
    # fault knobs (tests set them under host.lock, then host.apply_state())
    install_exit_codes: dict[str, int] = field(default_factory=dict)  # package file name -> forced exit code
    download_fault: str | None = None  # "corrupt": certutil -urlcache flips bytes of what it downloaded
    download_bytes_per_second: int | None = None  # certutil -urlcache reads this slowly (None: at once)
    reboot_downtime: float = 2.0  # seconds a rebooting host stays down
    reboot_never_returns: bool = False  # a reboot leaves the host down for good
    reboot_delay_cap: float = 1.0  # a `shutdown /r /t N` host goes down after min(N, this) seconds
    runtime: Runtime = field(default_factory=Runtime, compare=False, repr=False)

    @classmethod
    def from_profile(cls, profile: str, hostname: str = "") -> HostState:
        from winsim.profiles import build_state  # profiles builds states, so import lazily

        return build_state(profile, hostname or f"SIM{profile.upper()}")

    @property
    def certificates(self) -> list[Certificate]:
        """LocalMachine\\My, read from the registry (the only copy); an undecodable entry is left out."""
        from winsim import cert_store

        return [describe_certificate(c.thumbprint, c.der, c.has_private_key) for c in cert_store.entries(self.registry)]

    # the winrm/config tree
    def winrm_section(self, *path: str) -> ConfigTree:
        """The subtree at `path` ("Service", "Auth"); KeyError when there is no such section."""
        node = self.winrm
        for part in path:
            child = node[part]
            if not isinstance(child, dict):
                raise KeyError("/".join(path))
            node = child
        return node

    def winrm_text(self, *path: str) -> str:
        """The text of one setting ("Service", "DefaultPorts", "HTTP"); KeyError when it is not a setting."""
        value = self.winrm_section(*path[:-1])[path[-1]]
        if isinstance(value, dict):
            raise KeyError("/".join(path))
        return value

    # OS, read from the registry
    @property
    def os_caption(self) -> str:
        return "Microsoft " + str(self.registry.get_data(NT_CURRENT_VERSION, "ProductName", ""))

    @property
    def os_version(self) -> str:
        """`10.0.17763` style: major.minor from the 10.0+ DWORDs when present, else CurrentVersion."""
        major = self.registry.get_data(NT_CURRENT_VERSION, "CurrentMajorVersionNumber")
        minor = self.registry.get_data(NT_CURRENT_VERSION, "CurrentMinorVersionNumber")
        base = f"{major}.{minor}" if major is not None else self.registry.get_data(NT_CURRENT_VERSION, "CurrentVersion")
        return f"{base}.{self.build}"

    @property
    def build(self) -> str:
        return str(self.registry.get_data(NT_CURRENT_VERSION, "CurrentBuildNumber", "0"))

    @property
    def service_pack(self) -> int:
        match = re.search(r"(\d+)", str(self.registry.get_data(NT_CURRENT_VERSION, "CSDVersion", "")))
        return int(match.group(1)) if match else 0

    @property
    def product_type(self) -> int:
        return PRODUCT_TYPES.get(str(self.registry.get_data(PRODUCT_OPTIONS, "ProductType", "ServerNT")), 3)

    # software, read from the registry
    @property
    def dotnet_release(self) -> int | None:
        value = self.registry.get_data(NDP_V4_FULL, "Release")
        return int(value) if value is not None else None

    @property
    def powershell_version(self) -> str | None:
        for path in (PS3_ENGINE, PS1_ENGINE):
            version = self.registry.get_data(path, "PowerShellVersion")
            if version:
                return str(version)
        return None

    @property
    def hotfixes(self) -> list[str]:
        """KB ids (`KB2682011`) from the CBS package keys."""
        if not self.registry.key_exists(CBS_PACKAGES):
            return []
        found: list[str] = []
        for name in self.registry.subkeys(CBS_PACKAGES):
            match = re.match(r"Package_for_(KB\d+)~", name, re.IGNORECASE)
            if match and match.group(1).upper() not in found:
                found.append(match.group(1).upper())
        return found

    def add_hotfix(self, kb: str, installed: dt.date | None = None) -> None:
        """Register a CBS package the way servicing does (CurrentState 0x70 = installed)."""
        major, minor = self.os_version.split(".")[:2]
        key = rf"{CBS_PACKAGES}\Package_for_{kb.upper()}~31bf3856ad364e35~amd64~~{major}.{minor}.1.0"
        when = dt.datetime.combine(installed or dt.date(2024, 1, 15), dt.time())
        filetime = int((when - dt.datetime(1601, 1, 1)).total_seconds() * 10_000_000)
        self.registry.set_value(key, "CurrentState", "REG_DWORD", 0x70)
        self.registry.set_value(key, "InstallName", "REG_SZ", f"{kb.upper()}.mum")
        self.registry.set_value(key, "InstallTimeHigh", "REG_DWORD", filetime >> 32)
        self.registry.set_value(key, "InstallTimeLow", "REG_DWORD", filetime & 0xFFFFFFFF)

    def hotfix_installed_on(self, kb: str) -> dt.date | None:
        for name in self.registry.subkeys(CBS_PACKAGES) if self.registry.key_exists(CBS_PACKAGES) else []:
            if name.upper().startswith(f"PACKAGE_FOR_{kb.upper()}~"):
                high = self.registry.get_data(rf"{CBS_PACKAGES}\{name}", "InstallTimeHigh", 0)
                low = self.registry.get_data(rf"{CBS_PACKAGES}\{name}", "InstallTimeLow", 0)
                return (dt.datetime(1601, 1, 1) + dt.timedelta(microseconds=((high << 32) | low) // 10)).date()
        return None

    @property
    def pending_reboot(self) -> bool:
        return self.registry.key_exists(CBS_REBOOT_PENDING)

    def set_pending_reboot(self, pending: bool) -> None:
        if pending:
            self.registry.create_key(CBS_REBOOT_PENDING)
        elif self.registry.key_exists(CBS_REBOOT_PENDING):
            self.registry.delete_key(CBS_REBOOT_PENDING)

    @property
    def local_account_token_filter_policy(self) -> int | None:
        value = self.registry.get_value(POLICIES_SYSTEM, "LocalAccountTokenFilterPolicy")
        return int(value.data) if value is not None and value.type == "REG_DWORD" else None  # type: ignore[arg-type]

    def winrm_policy(self) -> dict[str, RegData]:
        """The values Group Policy wrote under Policies\\...\\WinRM\\Service (empty when not configured)."""
        if not self.registry.key_exists(WINRM_POLICY):
            return {}
        return {v.name: v.data for v in self.registry.values(WINRM_POLICY)}

    # services: start mode in the registry, run state here
    def services(self) -> list[str]:
        return list(self.service_status)

    def find_service(self, name: str) -> str | None:
        return next((s for s in self.service_status if s.lower() == name.lower()), None)

    def service_start_mode(self, name: str) -> tuple[str, bool]:
        """("Auto" | "Manual" | "Disabled", delayed auto start)."""
        key = rf"{SERVICES}\{name}"
        start = int(self.registry.get_data(key, "Start", 3))
        delayed = bool(self.registry.get_data(key, "DelayedAutostart", 0)) and start == 2
        return START_MODES.get(start, "Manual"), delayed

    def set_service_start_mode(self, name: str, mode: str, delayed: bool | None = None) -> None:
        key = rf"{SERVICES}\{name}"
        self.registry.set_value(key, "Start", "REG_DWORD", START_VALUES[mode])
        if delayed is not None:
            self.registry.set_value(key, "DelayedAutostart", "REG_DWORD", int(delayed))

    def service_display_name(self, name: str) -> str:
        return str(self.registry.get_data(rf"{SERVICES}\{name}", "DisplayName", name))

    # serialisation
    def to_json(self) -> dict[str, Any]:
        return {
            "hostname": self.hostname,
            "profile": self.profile,
            "architecture": self.architecture,
            "wsman_stack": self.wsman_stack,
            "network_profile": self.network_profile,
            "locale": self.locale,
            "service_status": dict(self.service_status),
            "winrm": copy.deepcopy(self.winrm),
            "listeners": [asdict(item) for item in self.listeners],
            "session_configurations": {name: asdict(c) for name, c in self.session_configurations.items()},
            "local_groups": {name: list(members) for name, members in self.local_groups.items()},
            "accounts": [a.to_json() for a in self.accounts],
            "certificates": [asdict(c) for c in self.certificates],  # a summary: the registry holds the store
            "registry": self.registry.to_json(),
            "files": self.files.to_json(),
            "scheduled_tasks": {name: task.to_json() for name, task in self.scheduled_tasks.items()},
            "winrm_service_policy": copy.deepcopy(self.winrm_service_policy),
            "packages_installed": list(self.packages_installed),
            "packages_pending": list(self.packages_pending),
            "psmodulepath_lost": self.psmodulepath_lost,
            "boot_time": self.boot_time,
            "boot_count": self.boot_count,
            "unc_shares": dict(self.unc_shares),
            "install_exit_codes": dict(self.install_exit_codes),
            "download_fault": self.download_fault,
            "download_bytes_per_second": self.download_bytes_per_second,
            "reboot_downtime": self.reboot_downtime,
            "reboot_never_returns": self.reboot_never_returns,
            "reboot_delay_cap": self.reboot_delay_cap,
            "capacity": self.files.capacity,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> HostState:
        state = cls(
            hostname=data["hostname"],
            profile=data["profile"],
            registry=Registry.from_json(data["registry"]),
            architecture=data["architecture"],
            wsman_stack=data["wsman_stack"],
            network_profile=data["network_profile"],
            locale=data.get("locale", "en-US"),
            service_status=dict(data["service_status"]),
            winrm=copy.deepcopy(data["winrm"]),
            listeners=[Listener(**item) for item in data["listeners"]],
            session_configurations={
                name: _session_configuration(name, c) for name, c in data["session_configurations"].items()
            },
            local_groups={name: list(members) for name, members in data.get("local_groups", {}).items()},
            accounts=[Account(**a) for a in data["accounts"]],
            files=FileSystem.from_json(data.get("files", {})),
            scheduled_tasks={k: ScheduledTask.from_json(v) for k, v in data.get("scheduled_tasks", {}).items()},
            winrm_service_policy=copy.deepcopy(data.get("winrm_service_policy")),
            packages_installed=list(data.get("packages_installed", [])),
            packages_pending=list(data.get("packages_pending", [])),
            psmodulepath_lost=bool(data.get("psmodulepath_lost", False)),
            boot_time=str(data.get("boot_time", "2026-12-03T10:00:00Z")),
            boot_count=int(data.get("boot_count", 0)),
            unc_shares=dict(data.get("unc_shares", {})),
            install_exit_codes={k: int(v) for k, v in data.get("install_exit_codes", {}).items()},
            download_fault=data.get("download_fault"),
            download_bytes_per_second=data.get("download_bytes_per_second"),
            reboot_downtime=float(data.get("reboot_downtime", 2.0)),
            reboot_never_returns=bool(data.get("reboot_never_returns", False)),
            reboot_delay_cap=float(data.get("reboot_delay_cap", 1.0)),
        )
        state.files.capacity = data.get("capacity")
        return state
