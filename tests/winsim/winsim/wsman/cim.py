# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""CIM over WS-Man: class table, instance rendering, Get / Put / Enumerate / method invocation.

Classes live in `cim_*.py` modules; the table of served classes is built in one place (cim_classes.CIM_CLASSES)
and handed to `items` and `handle`.  Resource URIs are
`http://schemas.microsoft.com/wbem/wsman/1/wmi/<namespace path>/<Class>`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from winsim.contract import RequestContext
from winsim.state import HostState
from winsim.wsman import wql
from winsim.wsman.soap import (
    ACTION_GET,
    ACTION_PUT,
    ANONYMOUS,
    NS,
    Request,
    Result,
    WsmanFault,
    action_not_supported,
    attr,
    invalid_resource_uri,
    invalid_selectors,
    local_name,
    resource_not_found,
    text,
)

WMI = "http://schemas.microsoft.com/wbem/wsman/1/wmi/"
WQL_DIALECT = "http://schemas.microsoft.com/wbem/wsman/1/WQL"
SELECTOR_DIALECT = "http://schemas.dmtf.org/wbem/wsman/1/wsman/SelectorFilter"

Instance = dict[str, Any]  # property -> str | int | bool | None | list | Datetime


class Datetime(str):
    """A CIM datetime property, which WinRM serialises as ``<p:Name><cim:Datetime>2026-12-03T10:00:00Z</cim:Datetime>``
    (the DMTF datetime as an xs:dateTime, [MS-WSMV] 2.2.4.7 / DSP0230)."""


Params = dict[str, list[str]]  # method / Put parameters, arrays as repeated values
MethodResult = tuple[Instance, set[str]]  # output properties (ReturnValue first), effects


@dataclass
class CimClass:
    name: str
    namespaces: tuple[str, ...]  # e.g. ("root/cimv2",)
    keys: tuple[str, ...]
    instances: Callable[[HostState], list[Instance]]
    put: Callable[[HostState, Instance, Params], None] | None = None
    methods: dict[str, Callable[[HostState, Instance | None, Params], MethodResult]] = field(default_factory=dict)
    available: Callable[[HostState], bool] = lambda state: True


ClassTable = dict[str, CimClass]  # lower-case class name -> class


def split_uri(resource_uri: str) -> tuple[str, str] | None:
    """(namespace path, class name or "*") of a WMI resource URI."""
    if not resource_uri.lower().startswith(WMI):
        return None
    rest = resource_uri[len(WMI) :].strip("/")
    namespace, _sep, name = rest.rpartition("/")
    return namespace.lower(), name


def lookup(classes: ClassTable, state: HostState, namespace: str, name: str) -> CimClass:
    cls = classes.get(name.lower())
    if cls is None or namespace not in cls.namespaces or not cls.available(state):
        raise invalid_resource_uri()
    return cls


def resource_uri(cls: CimClass, namespace: str) -> str:
    return f"{WMI}{namespace}/{cls.name}"


def _value_xml(name: str, value: Any) -> str:
    if value is None:
        return f'<p:{name} xsi:nil="true"/>'
    if isinstance(value, list):
        return "".join(_value_xml(name, v) for v in value)
    if isinstance(value, bool):
        value = "true" if value else "false"
    if isinstance(value, Datetime):
        return f"<p:{name}><cim:Datetime>{text(value)}</cim:Datetime></p:{name}>"
    return f"<p:{name}>{text(value)}</p:{name}>"


def render_instance(cls: CimClass, namespace: str, instance: Instance, properties: list[str] | None = None) -> str:
    uri = resource_uri(cls, namespace)
    wanted = {p.lower() for p in properties} if properties else None
    body = "".join(_value_xml(k, v) for k, v in instance.items() if wanted is None or k.lower() in wanted)
    return f'<p:{cls.name} xmlns:p="{uri}" xmlns:cim="{NS["cim"]}" xmlns:xsi="{NS["xsi"]}">{body}</p:{cls.name}>'


def epr(cls: CimClass, namespace: str, instance: Instance) -> str:
    selectors = "".join(f"<w:Selector Name={attr(k)}>{text(instance.get(k, ''))}</w:Selector>" for k in cls.keys)
    return (
        f"<a:Address>{ANONYMOUS}</a:Address><a:ReferenceParameters>"
        f"<w:ResourceURI>{resource_uri(cls, namespace)}</w:ResourceURI>"
        f"<w:SelectorSet>{selectors}</w:SelectorSet></a:ReferenceParameters>"
    )


def _matches_selectors(instance: Instance, selectors: dict[str, str]) -> bool:
    lowered = {k.lower(): v for k, v in instance.items()}
    for name, value in selectors.items():
        if name.lower() not in lowered:
            return False
        current = lowered[name.lower()]
        if str(current if not isinstance(current, bool) else str(current).lower()).lower() != value.lower():
            return False
    return True


def find_instance(state: HostState, cls: CimClass, selectors: dict[str, str]) -> Instance:
    """The single instance the selectors name (any properties may be used, keys or InstanceID)."""
    found = [i for i in cls.instances(state) if _matches_selectors(i, selectors)]
    if not found:
        raise resource_not_found()
    if len(found) > 1:
        raise invalid_selectors()
    return found[0]


def parse_params(payload: ET.Element | None) -> Params:
    params: Params = {}
    for child in payload if payload is not None else []:
        nil = child.get(f"{{{NS['xsi']}}}nil") == "true"
        params.setdefault(local_name(child), [])
        if not nil:
            params[local_name(child)].append(child.text or "")
    return params


def _out_xml(cls: CimClass, namespace: str, method: str, output: Instance) -> str:
    uri = resource_uri(cls, namespace)
    body = "".join(_value_xml(k, v) for k, v in output.items())
    return f'<p:{method}_OUTPUT xmlns:p="{uri}">{body}</p:{method}_OUTPUT>'


def items(
    classes: ClassTable, state: HostState, req: Request, filt: tuple[str, object] | None
) -> list[tuple[str, str]]:
    """Enumeration items for a WMI resource URI, filtered by WQL or selectors."""
    namespace, name = split_uri(req.resource_uri) or ("", "")
    query = None
    if filt is not None:
        dialect, content = filt
        if dialect == WQL_DIALECT and isinstance(content, str):
            try:
                query = wql.parse(content)
            except wql.WqlError as err:
                raise _cannot_process_filter(str(err)) from err
            name = query.class_name
        elif dialect != SELECTOR_DIALECT:
            reason = "The filter dialect (the type associated with the filter) was not supported for this resource. "
            raise WsmanFault(2150858777, reason, "n:FilterDialectRequestedUnavailable")
    if name == "*":
        raise _cannot_process_filter("A class is needed.")
    cls = lookup(classes, state, namespace, name)
    result = []
    for instance in cls.instances(state):
        if filt is not None and isinstance(filt[1], dict) and not _matches_selectors(instance, filt[1]):
            continue
        try:
            if query is not None and not wql.matches(query, instance):
                continue
        except wql.WqlError as err:
            raise _cannot_process_filter(str(err)) from err
        props = query.properties if query is not None else None
        result.append((render_instance(cls, namespace, instance, props), epr(cls, namespace, instance)))
    return result


def _cannot_process_filter(detail: str) -> WsmanFault:
    reason = (
        "The data source could not process the filter. The filter might be missing or it might be invalid. "
        "Change the filter and try the request again. "
    )
    return WsmanFault(2150858778, reason, "n:CannotProcessFilter", message=f"{reason}{detail}")


def handle(classes: ClassTable, state: HostState, req: Request, ctx: RequestContext) -> Result:
    """Get, Put and method invocation on a WMI resource URI."""
    namespace, name = split_uri(req.resource_uri) or ("", "")
    cls = lookup(classes, state, namespace, name)
    if req.action == ACTION_GET:
        instance = find_instance(state, cls, req.selectors)
        return Result(ACTION_GET + "Response", render_instance(cls, namespace, instance))
    if req.action == ACTION_PUT:
        if cls.put is None:
            raise action_not_supported()
        instance = find_instance(state, cls, req.selectors)
        cls.put(state, instance, parse_params(req.payload()))
        updated = find_instance(state, cls, {k: str(instance[k]) for k in cls.keys})
        return Result(ACTION_PUT + "Response", render_instance(cls, namespace, updated))
    uri = resource_uri(cls, namespace)
    if req.action.lower().startswith(uri.lower() + "/"):
        method_name = req.action[len(uri) + 1 :]
        method = next((m for n, m in cls.methods.items() if n.lower() == method_name.lower()), None)
        if method is None:
            raise action_not_supported()
        target = find_instance(state, cls, req.selectors) if req.selectors else None
        output, effects = method(state, target, parse_params(req.payload()))
        return Result(req.action + "Response", _out_xml(cls, namespace, method_name, output), effects=effects)
    raise action_not_supported()
