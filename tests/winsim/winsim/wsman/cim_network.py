# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""MSFT_NetConnectionProfile (root/StandardCimv2): the category of the network each connected interface is on, what
``Get-NetConnectionProfile`` shows (Name, InterfaceAlias, InterfaceIndex, NetworkCategory, IPv4Connectivity,
IPv6Connectivity: Microsoft Learn, "Get-NetConnectionProfile",
https://learn.microsoft.com/powershell/module/netconnection/get-netconnectionprofile).

One connected interface, on the host's ``HostState.network_profile``. The NetConnection provider ships with Windows 8
/ Server 2012 (its cmdlets first appear in the Windows Server 2012 reference,
https://learn.microsoft.com/previous-versions/windows/powershell-scripting/jj899566(v=wps.620)); on older Windows
the class is unavailable, so the host answers the invalid-resource fault it answers for any absent class.
"""

from __future__ import annotations

from winsim.state import HostState
from winsim.wsman.cim import CimClass, Instance
from winsim.wsman.cim_firewall import has_netsecurity

# NetworkCategory: 0 Public, 1 Private, 2 DomainAuthenticated (Microsoft Learn, "MSFT_NetConnectionProfile class",
# https://learn.microsoft.com/previous-versions/windows/desktop/networklistmanagerapi/msft-netconnectionprofile)
CATEGORIES = {"Public": 0, "Private": 1, "Domain": 2}
# ASSUMPTION (UNVERIFIED): IPv4Connectivity / IPv6Connectivity numbers 0 Disconnected, 1 NoTraffic, 2 Subnet,
# 3 LocalNetwork, 4 Internet, in the order the cmdlet documents the names; the controller never reads them.
LOCAL_NETWORK, NO_TRAFFIC = 3, 1
INTERFACE_ALIAS = "Ethernet"
INTERFACE_INDEX = 12


DOMAIN_NETWORK = "winremote.example.test"  # the DNS name of the simulator's domain (accounts: WINREMOTE\\ansible)


def network_name(state: HostState) -> str:
    """A domain network is named after the domain; Windows names other wired networks "Network"."""
    return DOMAIN_NETWORK if state.network_profile == "Domain" else "Network"


def profiles(state: HostState) -> list[Instance]:
    return [
        {
            "Caption": None,
            "Description": None,
            "ElementName": None,
            "InstanceID": "{6A4D5C1E-0F4B-4B7C-9C3E-0D8F2B1A7E21}",
            "Name": network_name(state),
            "InterfaceAlias": INTERFACE_ALIAS,
            "InterfaceIndex": INTERFACE_INDEX,
            "NetworkCategory": CATEGORIES[state.network_profile],
            "IPv4Connectivity": LOCAL_NETWORK,
            "IPv6Connectivity": NO_TRAFFIC,
        }
    ]


NET_CONNECTION_PROFILE = CimClass(
    "MSFT_NetConnectionProfile",
    ("root/standardcimv2",),
    ("InstanceID",),
    profiles,
    available=has_netsecurity,  # the same Windows 8 / Server 2012 boundary as the NetSecurity provider
)
