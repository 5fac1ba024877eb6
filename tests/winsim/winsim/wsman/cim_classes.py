# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The CIM classes a simulated host serves, in one explicit table (class name in lower case -> CimClass).

A class is served when it is listed here; importing its module does not register anything.
"""

from __future__ import annotations

from winsim.wsman import cim_accounts, cim_firewall, cim_network, cim_os, cim_registry, cim_service
from winsim.wsman.cim import CimClass


def build_table(*classes: CimClass) -> dict[str, CimClass]:
    """Class names compare case-insensitively on the wire (WMI class names are case-insensitive)."""
    table: dict[str, CimClass] = {}
    for cls in classes:
        if cls.name.lower() in table:
            raise ValueError(f"CIM class {cls.name} listed twice")
        table[cls.name.lower()] = cls
    return table


CIM_CLASSES: dict[str, CimClass] = build_table(
    cim_firewall.FIREWALL_RULE,
    cim_firewall.ADDRESS_FILTER,
    cim_network.NET_CONNECTION_PROFILE,
    cim_os.OPERATING_SYSTEM,
    cim_os.LOGICAL_DISK,
    cim_os.QUICK_FIX_ENGINEERING,
    cim_registry.STD_REG_PROV,
    cim_service.WIN32_SERVICE,
    cim_accounts.WIN32_USER_ACCOUNT,
    cim_accounts.WIN32_GROUP,
)
