# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Out-of-the-box state of each supported Windows Server release (Microsoft Learn: about_Remote_Requirements,
"Configure Remote Management in Server Manager", "Installation and configuration for Windows Remote Management").

Assumptions are marked ASSUMPTION; everything else is taken from the fact sheet as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from winsim import firewall, locales
from winsim.firewall import FirewallRule
from winsim.state import (
    CBS_PACKAGES,
    NDP_V4_FULL,
    NT_CURRENT_VERSION,
    POLICIES_SYSTEM,
    PRODUCT_OPTIONS,
    PS1_ENGINE,
    PS3_ENGINE,
    SERVICES,
    SESSION_MANAGER,
    ConfigTree,
    HostState,
    Listener,
    SessionConfiguration,
)

ADMINS_ONLY_SDDL = "O:NSG:BAD:P(A;;GA;;;BA)S:P(AU;FA;GA;;;WD)(AU;SA;GXGW;;;WD)"
# The default Sddl of the PowerShell session configurations. From NT 6.2 (Windows Server 2012) Remote Management
# Users (RM) get full control too (the "default SDDL set by WinRM" of PowerShell/PowerShell
# test/powershell/Modules/Microsoft.WSMan.Management/ConfigProvider.Tests.ps1, and remoteSDDL_Win8 in
# src/System.Management.Automation/engine/remoting/commands/CustomShellCommands.cs); before it, Administrators and
# INTERACTIVE only (remoteSDDL there). INTERACTIVE is no network logon, so remotely only the groups BA / RM count.
SESSION_SDDL_WIN8 = "O:NSG:BAD:P(A;;GA;;;BA)(A;;GA;;;IU)(A;;GA;;;RM)S:P(AU;FA;GA;;;WD)(AU;SA;GXGW;;;WD)"
SESSION_SDDL_WIN7 = "O:NSG:BAD:P(A;;GA;;;BA)(A;;GA;;;IU)S:P(AU;FA;GA;;;WD)(AU;SA;GXGW;;;WD)"
ROOT_SDDL = "O:NSG:BAD:P(A;;GA;;;BA)(A;;GR;;;IU)S:P(AU;FA;GA;;;WD)(AU;SA;GXGW;;;WD)"


@dataclass(frozen=True)
class OsProfile:
    product_name: str  # Windows NT\CurrentVersion ProductName; Win32_OperatingSystem.Caption = "Microsoft " + it
    current_version: str  # CurrentVersion (6.3 on every 10.0 build, for compatibility)
    major_minor: tuple[int, int] | None  # CurrentMajor/MinorVersionNumber, 10.0+ only
    build: str
    csd_version: str  # service pack text ("" = none)
    ps_version: str | None  # PowerShell\3\PowerShellEngine PowerShellVersion (WMF 3.0+)
    dotnet_release: int | None  # NDP\v4\Full Release (None = no .NET 4.5+)
    stack: str  # WinRM stack
    remoting_on: bool  # listener + firewall rules on out of the box
    rule_version: str  # version prefix of rule strings ([MS-GPFAS] 2.2.2.19; per-OS table UNVERIFIED)
    workflow: bool  # Microsoft.PowerShell.Workflow session configuration


PROFILES: dict[str, OsProfile] = {
    # ASSUMPTION: stock 2008 SP2 with WMF 2.0 installed (PowerShell 2.0, WinRM 2.0), no .NET 4 ("none" chosen of
    # the "none or 4.0 without Release" options).  Product names drop the (R) marks real 2008/2008 R2 show.
    "2008": OsProfile(
        "Windows Server 2008 Datacenter",
        "6.0",
        None,
        "6002",
        "Service Pack 2",
        None,
        None,
        "2.0",
        False,
        "v2.10",
        False,
    ),
    "2008r2": OsProfile(
        "Windows Server 2008 R2 Datacenter",
        "6.1",
        None,
        "7601",
        "Service Pack 1",
        None,
        None,
        "2.0",
        False,
        "v2.10",
        False,
    ),
    # ASSUMPTION: 2012 ships .NET 4.5 with Release 378389 (the documented 4.5 minimum; the exact 2012 value
    # differs by update level).
    "2012": OsProfile(
        "Windows Server 2012 Datacenter", "6.2", None, "9200", "", "3.0", 378389, "3.0", True, "v2.20", True
    ),
    "2012r2": OsProfile(
        "Windows Server 2012 R2 Datacenter", "6.3", None, "9600", "", "4.0", 378675, "3.0", True, "v2.20", True
    ),
    # ASSUMPTION: Release values for 2016 (394802), 2019 (461814) and 2025 (533325) are the per-OS values for
    # those builds as commonly listed; 2022's 528449 is the value Microsoft Learn lists ("How to:
    # Determine which .NET Framework versions are installed").  Rule string versions for 10.0 are
    # UNVERIFIED (v2.26 .. v2.33 picked by release order).
    "2016": OsProfile(
        "Windows Server 2016 Datacenter", "6.3", (10, 0), "14393", "", "5.1.14393.0", 394802, "3.0", True, "v2.26", True
    ),
    "2019": OsProfile(
        "Windows Server 2019 Datacenter",
        "6.3",
        (10, 0),
        "17763",
        "",
        "5.1.17763.1",
        461814,
        "3.0",
        True,
        "v2.28",
        False,
    ),
    "2022": OsProfile(
        "Windows Server 2022 Datacenter",
        "6.3",
        (10, 0),
        "20348",
        "",
        "5.1.20348.1",
        528449,
        "3.0",
        True,
        "v2.31",
        False,
    ),
    "2025": OsProfile(
        "Windows Server 2025 Datacenter",
        "6.3",
        (10, 0),
        "26100",
        "",
        "5.1.26100.1",
        533325,
        "3.0",
        True,
        "v2.33",
        False,
    ),
}

# name -> (display name, start value, delayed, running)
BASE_SERVICES: dict[str, tuple[str, int, bool, bool]] = {
    "RpcSs": ("Remote Procedure Call (RPC)", 2, False, True),
    "EventLog": ("Windows Event Log", 2, False, True),
    "MpsSvc": ("Windows Firewall", 2, False, True),
    "Schedule": ("Task Scheduler", 2, False, True),
    "TrustedInstaller": ("Windows Modules Installer", 3, False, False),
    "wuauserv": ("Windows Update", 3, False, False),
}


IMAGE_PATHS = {
    "WinRM": r"%SystemRoot%\System32\svchost.exe -k NetworkService",
    "RpcSs": r"%SystemRoot%\system32\svchost.exe -k rpcss",
    "MpsSvc": r"%SystemRoot%\system32\svchost.exe -k LocalServiceNoNetwork",
    "TrustedInstaller": r"%SystemRoot%\servicing\TrustedInstaller.exe",
}


# ASSUMPTION (local Group Policy object): a fresh server has the folder %SystemRoot%\System32\GroupPolicy with its
# Machine and User subfolders (the GPT layout "at least two subfolders are always present"), but neither gpt.ini nor
# Machine\Registry.pol: both appear when gpedit.msc (or LGPO) first saves an Administrative Templates setting.
# Hosts whose folder is missing entirely are also plausible; tests remove it to cover that case.
LOCAL_DIRECTORIES = (
    r"C:\Windows\Temp",
    r"C:\Windows\System32\GroupPolicy\Machine",
    r"C:\Windows\System32\GroupPolicy\User",
    r"C:\Users\Administrator",
)


def winrm_config(stack: str) -> ConfigTree:
    """The winrm/config tree; 3.0 values as in the pypsrp recording of a 3.0 host, with Windows defaults for auth."""
    v3 = stack == "3.0"
    service: ConfigTree = {
        "RootSDDL": ROOT_SDDL,
        "MaxConcurrentOperations": "4294967295",
        "MaxConcurrentOperationsPerUser": "1500" if v3 else "200",
        "EnumerationTimeoutms": "240000" if v3 else "60000",
        "MaxConnections": "300" if v3 else "25",
        "MaxPacketRetrievalTimeSeconds": "120",
        "AllowUnencrypted": "false",
        "Auth": {
            "Basic": "false",
            "Kerberos": "true",
            "Negotiate": "true",
            "Certificate": "false",
            "CredSSP": "false",
            "CbtHardeningLevel": "Relaxed",
        },
        "DefaultPorts": {"HTTP": "5985", "HTTPS": "5986"},
        "IPv4Filter": "*",
        "IPv6Filter": "*",
        "EnableCompatibilityHttpListener": "false",
        "EnableCompatibilityHttpsListener": "false",
        "CertificateThumbprint": "",
    }
    if v3:
        service["AllowRemoteAccess"] = "true"
    # ASSUMPTION: WinRM 2.0 quotas (MaxEnvelopeSizekb 150, 5 shells per user ...) from the 2.0 documentation era.
    winrs: ConfigTree = {
        "AllowRemoteShellAccess": "true",
        "IdleTimeout": "7200000" if v3 else "180000",
        "MaxConcurrentUsers": "2147483647" if v3 else "5",
        "MaxShellRunTime": "2147483647" if v3 else "28800000",
        "MaxProcessesPerShell": "2147483647" if v3 else "15",
        "MaxMemoryPerShellMB": "2147483647" if v3 else "150",
        "MaxShellsPerUser": "2147483647" if v3 else "5",
    }
    return {
        "MaxEnvelopeSizekb": "500" if v3 else "150",
        "MaxTimeoutms": "60000",
        "MaxBatchItems": "32000",
        "MaxProviderRequests": "4294967295",
        "Client": {
            "NetworkDelayms": "5000",
            "URLPrefix": "wsman",
            "AllowUnencrypted": "false",
            "Auth": {
                "Basic": "true",
                "Digest": "true",
                "Kerberos": "true",
                "Negotiate": "true",
                "Certificate": "true",
                "CredSSP": "false",
            },
            "DefaultPorts": {"HTTP": "5985", "HTTPS": "5986"},
            "TrustedHosts": "",
        },
        "Service": service,
        "Winrs": winrs,
    }


def builtin_rules(os: OsProfile) -> list[FirewallRule]:
    """The WinRM HTTP rules and the four DCOM / Remote Event Log rules, in the local store."""
    on = os.remoting_on
    svchost = r"%SystemRoot%\system32\svchost.exe"
    # ASSUMPTION: 2008 / 2008 R2 carry the same WinRM rule IDs and group (-30267) as 2012+, disabled
    # (their exact IDs and group resource are UNVERIFIED).
    winrm: dict[str, Any] = dict(
        local_ports=["5985"],
        app="System",
        name="@FirewallAPI.dll,-30253",
        description="@FirewallAPI.dll,-30256",
        group="@FirewallAPI.dll,-30267",
        version=os.rule_version,
    )
    eventlog: dict[str, Any] = dict(group="@FirewallAPI.dll,-29252", enabled=False, version=os.rule_version)
    return [
        FirewallRule("WINRM-HTTP-In-TCP", enabled=on, profiles=["Domain", "Private"], **winrm),
        FirewallRule(
            "WINRM-HTTP-In-TCP-PUBLIC", enabled=on, profiles=["Public"], remote_addresses=["LocalSubnet"], **winrm
        ),
        # The COM+ rule's indirect strings were not found in public sources: plain English text is stored.
        FirewallRule(
            "ComPlusNetworkAccess-DCOM-In",
            name="COM+ Network Access (DCOM-In)",
            group="COM+ Network Access",
            enabled=False,
            local_ports=["135"],
            app=svchost,
            service="RpcSs",
            version=os.rule_version,
        ),
        FirewallRule(
            "RemoteEventLogSvc-In-TCP",
            name="@FirewallAPI.dll,-29253",
            local_ports=["RPC"],
            app=svchost,
            service="Eventlog",
            **eventlog,
        ),
        FirewallRule(
            "RemoteEventLogSvc-NP-In-TCP", name="@FirewallAPI.dll,-29257", local_ports=["445"], app="System", **eventlog
        ),
        FirewallRule(
            "RemoteEventLogSvc-RPCSS-In-TCP",
            name="@FirewallAPI.dll,-29265",
            local_ports=["RPC-EPMap"],
            app=svchost,
            service="RPCSS",
            **eventlog,
        ),
    ]


def build_state(profile: str, hostname: str) -> HostState:
    """A fresh host of the given release."""
    key = profile.lower().replace(" ", "")
    if key not in PROFILES:
        raise ValueError(f"unknown OS profile {profile!r}; choose one of {', '.join(PROFILES)}")
    os = PROFILES[key]
    state = HostState(hostname=hostname, profile=key, wsman_stack=os.stack, winrm=winrm_config(os.stack))
    reg = state.registry

    reg.set_value(NT_CURRENT_VERSION, "ProductName", "REG_SZ", os.product_name)
    reg.set_value(NT_CURRENT_VERSION, "CurrentVersion", "REG_SZ", os.current_version)
    reg.set_value(NT_CURRENT_VERSION, "CurrentBuildNumber", "REG_SZ", os.build)
    reg.set_value(NT_CURRENT_VERSION, "CurrentBuild", "REG_SZ", os.build)
    reg.set_value(NT_CURRENT_VERSION, "SystemRoot", "REG_SZ", r"C:\Windows")
    # Environment variables of the system (Microsoft Learn "Environment Variables": the Session Manager\Environment key)
    reg.set_value(SESSION_MANAGER + r"\Environment", "PROCESSOR_ARCHITECTURE", "REG_SZ", "AMD64")
    if os.major_minor:
        reg.set_value(NT_CURRENT_VERSION, "CurrentMajorVersionNumber", "REG_DWORD", os.major_minor[0])
        reg.set_value(NT_CURRENT_VERSION, "CurrentMinorVersionNumber", "REG_DWORD", os.major_minor[1])
    if os.csd_version:
        reg.set_value(NT_CURRENT_VERSION, "CSDVersion", "REG_SZ", os.csd_version)
    if key != "2008":  # InstallationType appeared with 2008 R2
        reg.set_value(NT_CURRENT_VERSION, "InstallationType", "REG_SZ", "Server")
    reg.set_value(PRODUCT_OPTIONS, "ProductType", "REG_SZ", "ServerNT")
    # UAC settings present on every release; LocalAccountTokenFilterPolicy is absent by default.
    reg.set_value(POLICIES_SYSTEM, "EnableLUA", "REG_DWORD", 1)
    reg.set_value(POLICIES_SYSTEM, "ConsentPromptBehaviorAdmin", "REG_DWORD", 5)
    reg.set_value(POLICIES_SYSTEM, "FilterAdministratorToken", "REG_DWORD", 0)

    reg.set_value(PS1_ENGINE, "PowerShellVersion", "REG_SZ", "2.0")
    reg.set_value(PS1_ENGINE.rsplit("\\", 1)[0], "Install", "REG_DWORD", 1)
    if os.ps_version:
        reg.set_value(PS3_ENGINE, "PowerShellVersion", "REG_SZ", os.ps_version)
        reg.set_value(PS3_ENGINE.rsplit("\\", 1)[0], "Install", "REG_DWORD", 1)
    if os.dotnet_release is not None:
        reg.set_value(NDP_V4_FULL, "Install", "REG_DWORD", 1)
        reg.set_value(NDP_V4_FULL, "Release", "REG_DWORD", os.dotnet_release)

    services = dict(BASE_SERVICES)
    if os.major_minor:
        services["MpsSvc"] = ("Windows Defender Firewall", 2, False, True) if key != "2016" else services["MpsSvc"]
    # ASSUMPTION (UNVERIFIED): WinRM is Manual/Stopped on 2008 (the 2008-era WinRM documentation says it starts
    # automatically on Server 2008, so both are plausible; Manual is the harder case for the collection) and
    # Automatic (delayed)/Running without a listener on 2008 R2.
    if key == "2008":
        services["WinRM"] = ("Windows Remote Management (WS-Management)", 3, False, False)
    else:
        services["WinRM"] = ("Windows Remote Management (WS-Management)", 2, True, True)
    for name, (display, start, delayed, running) in services.items():
        path = rf"{SERVICES}\{name}"
        reg.set_value(path, "DisplayName", "REG_SZ", display)
        reg.set_value(path, "Start", "REG_DWORD", start)
        image = IMAGE_PATHS.get(name, r"%SystemRoot%\system32\svchost.exe -k netsvcs")
        reg.set_value(path, "ImagePath", "REG_EXPAND_SZ", image)
        if delayed:
            reg.set_value(path, "DelayedAutostart", "REG_DWORD", 1)
        state.service_status[name] = "Running" if running else "Stopped"

    locales.apply(state, "en-US")
    # Every Windows has keys under HKLM\SOFTWARE\Policies\Microsoft (certificate and cryptography policy, written at
    # setup), so a missing WinRM or firewall policy key is proved absent by listing its nearest existing parent.
    reg.create_key(r"HKLM\SOFTWARE\Policies\Microsoft\Cryptography")
    reg.create_key(r"HKLM\SOFTWARE\Policies\Microsoft\SystemCertificates")
    reg.create_key(CBS_PACKAGES)  # servicing's package list exists on every release (no KB2682011 by default)
    reg.create_key(firewall.LOCAL_STORE)
    for rule in builtin_rules(os):
        firewall.save_rule(reg, rule)
    if os.remoting_on:
        state.listeners.append(Listener())

    for directory in LOCAL_DIRECTORIES:
        state.files.mkdir(directory)

    add_session_configurations(state, os)
    return state


def add_session_configurations(state: HostState, os: OsProfile) -> None:
    """Microsoft.PowerShell everywhere, Microsoft.PowerShell32 on 64-bit Windows (about_Session_Configurations:
    "Microsoft.PowerShell32 (64-bit only)"), Microsoft.PowerShell.Workflow where the profile has it (PowerShell 3.0
    and later). ASSUMPTION (file names and PSVersion parameter, not seen on every release): pwrshplugin.dll from
    system32, from syswow64 for the 32-bit one, PSVersion 2.0 before WMF 3.0 and 3.0 after it (as WinRM registers
    Windows PowerShell 3.0 to 5.1)."""
    sddl = SESSION_SDDL_WIN8 if os.ps_version else SESSION_SDDL_WIN7
    version = "3.0" if os.ps_version else "2.0"
    add = state.session_configurations.__setitem__
    add("Microsoft.PowerShell", SessionConfiguration("Microsoft.PowerShell", sddl, ps_version=version))
    if state.architecture == "64-bit":
        filename = r"%windir%\syswow64\pwrshplugin.dll"
        add(
            "Microsoft.PowerShell32",
            SessionConfiguration(
                "Microsoft.PowerShell32", sddl, filename=filename, architecture="32", ps_version=version
            ),
        )
    if os.workflow:
        add(
            "Microsoft.PowerShell.Workflow",
            SessionConfiguration("Microsoft.PowerShell.Workflow", sddl, ps_version=version),
        )
