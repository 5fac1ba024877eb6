# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""CIM over WS-Man: method input bodies, typed output values, and Win32 return-code meanings.

WMI classes are addressed as ``http://schemas.microsoft.com/wbem/wsman/1/wmi/<namespace>/<class>``; a method call is
a SOAP request whose Action is ``<resource URI>/<method>`` and whose body is ``<p:<method>_INPUT>``.
"""

from __future__ import annotations

import typing as t
import xml.etree.ElementTree as ET

from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import errors
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import xml as wx

WMI_BASE = "http://schemas.microsoft.com/wbem/wsman/1/wmi"

# A value read from CIM: scalars, None for xsi:nil, lists for repeated elements, dicts for embedded instances.
CimValue = str | int | bool | float | None | list[t.Any] | dict[str, t.Any]
# Type hints for output parsing: "int", "bool", "float", "str", or the same with "[]" to force a list.
TypeHints = t.Mapping[str, str]

# Win32 system error codes, as StdRegProv and most providers return them: (reason key, text).
WIN32_ERRORS: dict[int, tuple[str, str]] = {
    1: ("invalid_function", "Incorrect function"),
    2: ("not_found", "not found: The system cannot find the file specified"),
    3: ("not_found", "not found: The system cannot find the path specified"),
    5: ("access_denied", "access denied: Access is denied"),
    6: ("invalid_handle", "The handle is invalid"),
    87: ("invalid_parameter", "The parameter is incorrect"),
    234: ("more_data", "More data is available"),
    1051: (
        "dependent_services_running",
        "A stop control has been sent to a service that other running services depend on",
    ),
    1052: ("invalid_control", "The requested control is not valid for this service"),
    1053: ("timeout", "The service did not respond to the start or control request in a timely fashion"),
    1056: ("already_running", "already running: An instance of the service is already running"),
    1058: (
        "disabled",
        "disabled: The service cannot be started, either because it is disabled or because it has no "
        "enabled devices associated with it",
    ),
    1060: ("not_found", "not found: The specified service does not exist as an installed service"),
    1062: ("not_started", "not started: The service has not been started"),
    1072: ("marked_for_delete", "The specified service has been marked for deletion"),
}

# WMI's own HRESULTs, which providers return in ReturnValue too (StdRegProv: type mismatch on Get*Value).
WBEM_ERRORS: dict[int, tuple[str, str]] = {
    0x80041001: ("failed", "WBEM_E_FAILED: the WMI call failed"),
    0x80041002: ("not_found", "not found: WBEM_E_NOT_FOUND"),
    0x80041003: ("access_denied", "access denied: WBEM_E_ACCESS_DENIED"),
    0x80041005: ("type_mismatch", "WBEM_E_TYPE_MISMATCH: the value exists with a different type"),
    0x80041008: ("invalid_parameter", "WBEM_E_INVALID_PARAMETER: a parameter is not valid"),
    0x80041010: ("invalid_class", "WBEM_E_INVALID_CLASS: the class does not exist in that namespace"),
}
WIN32_ERRORS.update(WBEM_ERRORS)

# Win32_Service (and Win32_BaseService / Win32_SystemDriver) methods use their own table, documented for
# StartService, StopService, ChangeStartMode...; codes above 24 fall back to WIN32_ERRORS.
SERVICE_RETURN_CODES: dict[int, tuple[str, str]] = {
    1: ("not_supported", "The request is not supported"),
    2: ("access_denied", "access denied: The user did not have the necessary access"),
    3: (
        "dependent_services_running",
        "The service cannot be stopped because other services that are running depend on it",
    ),
    4: ("invalid_control", "The requested control code is not valid, or it is unacceptable to the service"),
    5: ("cannot_accept_control", "The requested control code cannot be sent to the service in its current state"),
    6: ("not_started", "not started: The service has not been started"),
    7: ("timeout", "The service did not respond to the start request in a timely fashion"),
    8: ("unknown_failure", "Unknown failure when starting the service"),
    9: ("not_found", "not found: The directory path to the service executable file was not found"),
    10: ("already_running", "already running: The service is already running"),
    11: ("database_locked", "The database to add a new service is locked"),
    12: ("dependency_deleted", "A dependency this service relies on has been removed from the system"),
    13: ("dependency_failure", "The service failed to find the service needed from a dependent service"),
    14: ("disabled", "disabled: The service has been disabled from the system"),
    15: ("logon_failed", "The service does not have the correct authentication to run on the system"),
    16: ("marked_for_delete", "This service is being removed from the system"),
    17: ("no_thread", "The service has no execution thread"),
    18: ("circular_dependency", "The service has circular dependencies when it starts"),
    19: ("duplicate_name", "A service is running under the same name"),
    20: ("invalid_name", "The service name has invalid characters"),
    21: ("invalid_parameter", "Invalid parameters have been passed to the service"),
    22: ("invalid_account", "The account under which this service runs is either invalid or lacks the permissions"),
    23: ("service_exists", "The service exists in the database of services available from the system"),
    24: ("already_paused", "The service is currently paused in the system"),
}


_SERVICE_CLASSES = {"win32_service", "win32_baseservice", "win32_systemdriver"}


def cim_uri(namespace: str, class_name: str) -> str:
    """``cim_uri("root/cimv2", "Win32_Service")`` -> the WS-Man resource URI of that WMI class."""
    ns = namespace.replace("\\", "/").strip("/")
    return f"{WMI_BASE}/{ns}/{class_name}"


def class_name(resource_uri: str) -> str:
    """The last path segment of a resource URI (the WMI class)."""
    return resource_uri.rstrip("/").rsplit("/", 1)[-1]


def return_code_meaning(resource_uri: str, code: int) -> tuple[str, str]:
    """(reason key, text) for a ReturnValue, using the class's own table where it has one."""
    if class_name(resource_uri).lower() in _SERVICE_CLASSES and code in SERVICE_RETURN_CODES:
        return SERVICE_RETURN_CODES[code]
    return WIN32_ERRORS.get(code, ("failed", f"error {code} (0x{code & 0xFFFFFFFF:08X})"))


def format_value(value: t.Any) -> str:
    """CIM text form: booleans lower-case, numbers as decimal text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def build_input(resource_uri: str, method: str, params: t.Mapping[str, t.Any] | None = None) -> ET.Element:
    """``<p:<method>_INPUT xmlns:p="<resource_uri>">`` with one child per param (lists repeat, None is omitted)."""
    root = ET.Element(f"{{{resource_uri}}}{method}_INPUT")
    for name, value in (params or {}).items():
        values = value if isinstance(value, (list, tuple)) else [value]
        for item in values:
            if item is None:
                continue
            elem = ET.SubElement(root, f"{{{resource_uri}}}{name}")
            if isinstance(item, ET.Element):
                elem.append(item)
            else:
                elem.text = format_value(item)
    return root


def _convert(text: str, hint: str) -> CimValue:
    base = hint[:-2] if hint.endswith("[]") else hint
    if base == "int":
        try:
            return int(text)
        except ValueError:
            return text
    if base == "bool":
        return text.strip().lower() == "true"
    if base == "float":
        try:
            return float(text)
        except ValueError:
            return text
    return text


def element_value(elem: ET.Element, hint: str = "str") -> CimValue:
    """One property element -> a typed value (nil -> None, embedded instance -> dict, datetime -> its text)."""
    if wx.is_nil(elem):
        return None
    kids = list(elem)
    if kids:
        if len(kids) == 1 and wx.local_name(kids[0].tag) in ("Datetime", "Date", "Time", "Interval"):
            return (kids[0].text or "").strip()
        return instance_to_dict(elem)
    return _convert(elem.text or "", hint)


def instance_to_dict(elem: ET.Element, types: TypeHints | None = None) -> dict[str, CimValue]:
    """A CIM instance (or a method's ``_OUTPUT``) -> dict keyed by local property name.

    Repeated elements become lists; names hinted as ``"<type>[]"`` are lists even with one element.
    Values are strings unless hinted (``ReturnValue`` is always an int).
    """
    hints = dict(types or {})
    hints.setdefault("ReturnValue", "int")
    collected: dict[str, list[CimValue]] = {}
    for item in elem:
        name = wx.local_name(item.tag)
        collected.setdefault(name, []).append(element_value(item, hints.get(name, "str")))
    result: dict[str, CimValue] = {}
    for name, values in collected.items():
        forced_list = hints.get(name, "").endswith("[]")
        result[name] = values if forced_list or len(values) > 1 else values[0]
    return result


def find_output(body: ET.Element, method: str) -> ET.Element:
    """The ``<method>_OUTPUT`` element of a reply body."""
    output = wx.descendant(body, f"{method}_OUTPUT")
    if output is None:
        raise errors.ProtocolError(f"the reply to CIM method {method} has no {method}_OUTPUT element")
    return output


def parse_output(
    body: ET.Element, resource_uri: str, method: str, types: TypeHints | None = None
) -> dict[str, CimValue]:
    """Typed output values; raises :class:`errors.CimMethodError` on a non-zero ReturnValue.

    Some methods (MSFT_NetFirewallRule Enable/Disable) reply with an empty output and no ReturnValue: that is
    success.
    """
    values = instance_to_dict(find_output(body, method), types)
    code = values.get("ReturnValue")
    if isinstance(code, int) and code != 0:
        reason, meaning = return_code_meaning(resource_uri, code)
        raise errors.CimMethodError(f"{class_name(resource_uri)}.{method}", code, meaning, reason)
    return values
