# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Windows' rules for who may reach and use WinRM (no sockets here: pure functions of a HostState).

The simulated network: the client is 127.0.0.1 and "LocalSubnet" is 127.0.0.0/8.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from winsim import firewall, profiles, security
from winsim.accounts import Account, find_account
from winsim.contract import Identity
from winsim.registry import RegData
from winsim.state import HostState, Listener

LOCAL_SUBNET = ipaddress.ip_network("127.0.0.0/8")
LOCAL_SUBNET6 = ipaddress.ip_network("::1/128")  # the IPv6 loopback is the simulated network's only IPv6 subnet

# Group Policy values under Policies\Microsoft\Windows\WinRM\Service -> the winrm/config/service element they
# set.  ASSUMPTION: only these documented policy values are modelled; the filters count only while the
# "Allow remote server management" policy (AllowAutoConfig) is enabled, because they are part of that policy.
POLICY_ELEMENTS = {
    "AllowBasic": "Auth/Basic",
    "AllowCredSSP": "Auth/CredSSP",
    "AllowUnencryptedTraffic": "AllowUnencrypted",
}
FILTER_ELEMENTS = {"IPv4Filter": "IPv4Filter", "IPv6Filter": "IPv6Filter"}


# The values of "Allow remote server management through WinRM" that the WinRM service reads when it starts.
SERVICE_START_VALUES = ("AllowAutoConfig", "IPv4Filter", "IPv6Filter")


def snapshot_service_policy(state: HostState) -> dict[str, RegData]:
    """What WinRM reads from the policy key when it (re)starts; changes after that wait for the next start."""
    state.winrm_service_policy = {k: v for k, v in state.winrm_policy().items() if k in SERVICE_START_VALUES}
    return state.winrm_service_policy


def service_policy(state: HostState) -> dict[str, RegData]:
    """The policy values the running service uses (taken at its last start; at "boot" when never started here)."""
    if state.winrm_service_policy is None:
        return snapshot_service_policy(state)
    return state.winrm_service_policy


def start_winrm(state: HostState) -> None:
    """The service starts: it reads the policy now (GPO listener and filters follow this snapshot)."""
    name = state.find_service("WinRM") or "WinRM"
    state.service_status[name] = "Running"
    snapshot_service_policy(state)


def stop_winrm(state: HostState) -> None:
    name = state.find_service("WinRM") or "WinRM"
    state.service_status[name] = "Stopped"
    state.winrm_service_policy = None


@dataclass(frozen=True)
class AuthPolicy:
    """Which authentication schemes the WinRM service offers, and whether it accepts plaintext HTTP."""

    basic: bool
    negotiate: bool
    kerberos: bool
    certificate: bool
    credssp: bool
    allow_unencrypted: bool


def ip_in(entry: str, ip: str) -> bool:
    """Whether `ip` matches one firewall/filter address entry: Any, *, LocalSubnet, a-b, CIDR, a/mask, single."""
    entry = entry.strip()
    if entry.lower() in ("any", "*"):
        return True
    try:
        address = ipaddress.ip_address(ip)
        if entry.lower() in ("localsubnet", "localsubnet4", "localsubnet6"):
            # a keyword limited to one family ("LocalSubnet4", Set-NetFirewallRule -RemoteAddress) admits only
            # that family's local subnet
            family = entry[-1] if entry[-1] in "46" else str(address.version)
            subnet = LOCAL_SUBNET if family == "4" else LOCAL_SUBNET6
            return str(address.version) == family and address in subnet
        if "-" in entry:
            low, high = (ipaddress.ip_address(p.strip()) for p in entry.split("-", 1))
            return type(low) is type(address) and low <= address <= high  # type: ignore[operator]
        if "/" in entry:
            return address in ipaddress.ip_network(entry, strict=False)
        return address == ipaddress.ip_address(entry)
    except ValueError:
        return False  # keywords the simulated network has no meaning for (DNS, WINS, Internet ...)


def filter_admits(filter_text: str, ip: str) -> bool:
    """GPO IPv4Filter/IPv6Filter semantics: `*` = all, empty = nothing, else a comma list of addresses/ranges."""
    entries = [e for e in filter_text.split(",") if e.strip()]
    return any(ip_in(e, ip) for e in entries)


def service_element(state: HostState, path: str) -> tuple[str, bool]:
    """(effective text, set by Group Policy) of a winrm/config/service element given as `Auth/Basic`."""
    node: object = state.winrm.get("Service", {})
    for part in path.split("/"):
        node = node.get(part, "") if isinstance(node, dict) else ""
    value = str(node)
    policy = state.winrm_policy()
    for name, element in POLICY_ELEMENTS.items():
        if element == path and name in policy:
            return ("true" if int(str(policy[name])) else "false"), True
    running = service_policy(state)
    if path in FILTER_ELEMENTS.values() and running.get("AllowAutoConfig") == 1:
        return str(running.get(path, "")), True
    return value, False


def auth_policy(state: HostState) -> AuthPolicy:
    def on(path: str) -> bool:
        return service_element(state, path)[0].lower() == "true"

    return AuthPolicy(
        basic=on("Auth/Basic"),
        negotiate=on("Auth/Negotiate"),
        kerberos=on("Auth/Kerberos"),
        certificate=on("Auth/Certificate"),
        credssp=on("Auth/CredSSP"),
        allow_unencrypted=on("AllowUnencrypted"),
    )


def winrm_running(state: HostState) -> bool:
    name = state.find_service("WinRM")
    return name is not None and state.service_status[name] == "Running"


def effective_listeners(state: HostState) -> list[Listener]:
    """Configured listeners plus the one the "Allow remote server management" policy creates.

    ASSUMPTION: the GPO listener (Address=*, HTTP, the default HTTP port, Source="GPO") exists while the running
    service read the policy as enabled when it last started (service_policy); it replaces a local `*`/HTTP
    listener, which Windows then does not show.
    """
    listeners = list(state.listeners)
    if service_policy(state).get("AllowAutoConfig") == 1:
        port = int(state.winrm_text("Service", "DefaultPorts", "HTTP"))
        listeners = [x for x in listeners if not (x.address == "*" and x.transport == "HTTP")]
        listeners.insert(0, Listener(address="*", transport="HTTP", port=port, source="GPO"))
    return listeners


def listening_on(state: HostState, listener: Listener, host_address: str) -> list[str]:
    """Addresses this listener binds to on a host whose only address is `host_address`."""
    if not listener.enabled:
        return []
    address = listener.address
    if address != "*" and not (address.upper().startswith("IP:") and address[3:] == host_address):
        return []
    policy = service_policy(state)
    if policy.get("AllowAutoConfig") == 1:
        version = ipaddress.ip_address(host_address).version
        text = str(policy.get("IPv4Filter" if version == 4 else "IPv6Filter", ""))
        if not filter_admits(text, host_address):
            return []
    return [host_address]


def _port_matches(ports: list[str], port: int) -> bool:
    if not ports:
        return True
    for entry in ports:
        if entry.isdigit() and int(entry) == port:
            return True
        low, sep, high = entry.partition("-")
        if sep and low.isdigit() and high.isdigit() and int(low) <= port <= int(high):
            return True
    return False


def firewall_admits(state: HostState, port: int, client_ip: str) -> bool:
    """An enabled inbound TCP allow rule (either store) for the port, the active profile and the client."""
    allowed = False
    for rule in firewall.list_rules(state.registry):
        if not rule.enabled or rule.direction != "In" or rule.protocol not in (6, 256):
            continue
        if rule.profiles and state.network_profile not in rule.profiles:
            continue
        if not _port_matches(rule.local_ports, port):
            continue
        if rule.remote_addresses and not any(ip_in(a, client_ip) for a in rule.remote_addresses):
            continue
        if rule.action == "Block":
            return False  # block rules win over allow rules
        allowed = True
    return allowed


def accepting_endpoints(state: HostState, host_address: str, client_ip: str = "127.0.0.1") -> set[tuple[str, int]]:
    """The (transport, port) pairs that accept a TCP connection from client_ip right now.

    ASSUMPTION: AllowAutoConfig=0 ("Allow remote server management through WinRM" Disabled) turns remote
    management off entirely, as its help text and the Server Manager doc ("disable via GPO") describe; with the
    policy not configured, the local listeners work: the AllowAutoConfig help text (Microsoft Learn, "Policy CSP -
    RemoteManagement") reads as if "not configured" meant no remote service, yet Windows Server 2012 and later accept
    WinRM with the policy unset, so only AllowAutoConfig=0 is modelled as "off".
    """
    if not winrm_running(state) or service_policy(state).get("AllowAutoConfig") == 0:
        return set()
    endpoints: set[tuple[str, int]] = set()
    for listener in effective_listeners(state):
        if listening_on(state, listener, host_address) and firewall_admits(state, listener.port, client_ip):
            endpoints.add((listener.transport.upper(), listener.port))
    return endpoints


def session_configuration_grants(state: HostState, account: Account) -> bool:
    """Whether some session configuration's security descriptor lets this non-administrator's network logon in.

    WinRM's default descriptors allow Administrators (and, from Windows Server 2012, Remote Management Users)
    (https://learn.microsoft.com/en-us/windows/win32/winrm/authentication-for-remote-connections). Such an account
    may then create PowerShell shells on the configurations whose Sddl allows it (winsim.wsman.plugin_config checks
    each one); every other resource stays refused to it (winsim.wsman.dispatch).
    """
    return security.any_session_access(state, account)


def authorize(state: HostState, identity: Identity) -> str | None:
    """None when the account may use WinRM, else a reason key.

    UAC remote restrictions: a local administrator other than the built-in one gets a filtered (non-admin) token
    over a network logon, unless LocalAccountTokenFilterPolicy=1.  ASSUMPTION: only NTLM/Negotiate/Kerberos
    logons are filtered; Basic (and certificate / CredSSP) logons are treated as unfiltered, which the fact sheet
    does not confirm.  Basic auth only supports local accounts (documented WinRM behaviour).  Domain accounts are
    never filtered (the restriction is for local accounts:
    https://learn.microsoft.com/en-us/troubleshoot/windows-server/windows-security/user-account-control-and-remote-restriction);
    on a domain member, Domain Admins are administrators (``accounts.directory_accounts``), and a Kerberos client
    of the domain that the host's directory view does not list is a domain user like any other.
    """
    if identity.auth == "anonymous":
        return "access_denied"
    account = find_account(state.accounts, identity.user, identity.domain, state.hostname)
    if account is None:
        return "access_denied"
    if identity.auth == "basic" and account.domain:
        return "access_denied"
    if account.is_builtin_admin or (account.domain and account.is_admin):
        return None if root_sddl_grants(state, account) else "access_denied"
    if not account.is_admin:
        return None if session_configuration_grants(state, account) else "access_denied"
    if identity.auth in ("ntlm", "negotiate", "kerberos") and state.local_account_token_filter_policy != 1:
        return "access_denied_token_filter"
    return None if root_sddl_grants(state, account) else "access_denied"


def root_sddl_grants(state: HostState, account: Account) -> bool:
    """Whether winrm/config/service RootSDDL lets this administrator's network logon use WinRM.

    RootSDDL guards the resources that have no security descriptor of their own: "The value stored at
    winrm\\Config\\Service\\RootSDDL is only used for security access checks if the requested resource URI does
    not specify its own specific SDDL as a part of the plug-in configuration" (quoted from Microsoft's WinRM
    documentation in https://github.com/zenoss/microsoft.tools/issues/36); the cmd shell of WinRS and winrm/config
    are such resources ("The Root WinRM listener can be set if you wish to allow WinRM access for tools that don't
    use PSRemoting ... third party WinRM libraries or people wanting to use the 'winrs' command",
    https://gist.github.com/Stephanevg/ac303ce95fe520c1add9a15a793d4b60).

    ASSUMPTION (UNVERIFIED): WinRM requires the caller's token to be granted Execute (GX, or GA which holds it) by
    RootSDDL, as the session configurations require "at least Execute(Invoke)" (Register-PSSessionConfiguration
    -SecurityDescriptorSddl); the default O:NSG:BAD:P(A;;GA;;;BA)(A;;GR;;;IU)S:... therefore admits
    BUILTIN\\Administrators only. The built-in Administrator is not exempt: a deny entry for its SID refuses it.
    Simplification: the check covers every request of an administrator (the WMI Provider plugin's own descriptor,
    which also grants Administrators, is not modelled apart). Non-administrators keep the session-configuration
    path (a plugin's own descriptor decides there). A RootSDDL the simulator cannot read refuses everyone (fails
    closed); a config tree without the element has Windows' default. A refused caller gets what every refused
    SDDL gets here: HTTP 500 with WS-Man fault 5 Access is denied, the shape of a real host's Access is denied
    answer in https://github.com/wazuh/wazuh-ansible/issues/581 ("Access is denied ... http_status_code 500,
    wsmanfault_code 2147942405"; that thread does not say which check refused it)."""
    text = service_element(state, "RootSDDL")[0] or profiles.ROOT_SDDL  # a tree without it: Windows' default
    try:
        return security.allows(text, security.network_token(state, account), security.GENERIC_EXECUTE)
    except security.SddlInvalid:
        return False
