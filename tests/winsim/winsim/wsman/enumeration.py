# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""WS-Enumeration: Enumerate (optimized or not), Pull and Release over a list of rendered items."""

from __future__ import annotations

from winsim.state import HostState
from winsim.wsman.soap import (
    ACTION_ENUMERATE,
    ACTION_PULL,
    ACTION_RELEASE,
    Request,
    Result,
    WsmanFault,
    local_name,
    new_uuid,
    q,
)

Item = tuple[str, str]  # (object XML, EPR inner XML)
EnumerationContext = tuple[list[Item], str]  # the items not pulled yet, and the enumeration mode


def _invalid_context() -> WsmanFault:
    reason = (
        "The WS-Enumeration context in the enumeration is not valid. Enumeration may have been completed or "
        "canceled. You cannot use this enumeration context anymore. Start a new enumeration. "
    )
    return WsmanFault(2150858779, reason, "n:InvalidEnumerationContext", sender=False)


def mode(req: Request) -> str:
    """EnumerateObject (default), EnumerateEPR or EnumerateObjectAndEPR."""
    payload = req.payload()
    found = payload.findtext(q("w", "EnumerationMode")) if payload is not None else None
    return (found or "EnumerateObject").strip()


def filter_of(req: Request) -> tuple[str, object] | None:
    """(dialect, WQL text or selector dict) of a w:Filter, or None."""
    payload = req.payload()
    element = None if payload is None else payload.find(q("w", "Filter"))
    if element is None and payload is not None:
        element = payload.find(q("n", "Filter"))
    if element is None:
        return None
    dialect = element.get("Dialect", "http://schemas.microsoft.com/wbem/wsman/1/WQL")
    selectors = {s.get("Name", ""): (s.text or "") for s in element.iter(q("w", "Selector"))}
    if selectors:
        return dialect, selectors
    return dialect, (element.text or "").strip()


def _render(items: list[Item], enum_mode: str) -> str:
    out = []
    for obj, epr in items:
        reference = f"<a:EndpointReference>{epr}</a:EndpointReference>"
        if enum_mode == "EnumerateEPR":
            out.append(reference)
        elif enum_mode == "EnumerateObjectAndEPR":
            out.append(f"<w:Item>{obj}{reference}</w:Item>")
        else:
            out.append(obj)
    return "".join(out)


def _max(parent_text: str | None, default: int) -> int:
    return int(parent_text) if parent_text and parent_text.strip().isdigit() else default


def enumerate_items(state: HostState, req: Request, items: list[Item]) -> Result:
    payload = req.payload()
    if payload is None or local_name(payload) != "Enumerate":
        raise WsmanFault(
            2150858791,
            "The WS-Management service cannot process the request because the request "
            "packet does not have a valid SOAP body. ",
            "w:InvalidBody",
        )
    enum_mode = mode(req)
    context = f"uuid:{new_uuid()}"
    if payload.find(q("w", "OptimizeEnumeration")) is not None:
        count = _max(payload.findtext(q("w", "MaxElements")), 1)
        first, rest = items[:count], items[count:]
        end = "<w:EndOfSequence/>" if not rest else ""
        if rest:
            state.runtime.enumerations[context] = (rest, enum_mode)
        body = (
            f"<n:EnumerateResponse><n:EnumerationContext>{context if rest else ''}</n:EnumerationContext>"
            f"<w:Items>{_render(first, enum_mode)}</w:Items>{end}</n:EnumerateResponse>"
        )
    else:
        state.runtime.enumerations[context] = (items, enum_mode)
        body = f"<n:EnumerateResponse><n:EnumerationContext>{context}</n:EnumerationContext></n:EnumerateResponse>"
    return Result(ACTION_ENUMERATE + "Response", body, ("n", "w", "p"))


def pull(state: HostState, req: Request) -> Result:
    payload = req.payload()
    context = (payload.findtext(q("n", "EnumerationContext")) if payload is not None else "") or ""
    entry = state.runtime.enumerations.pop(context.strip(), None)
    if entry is None:
        raise _invalid_context()
    items, enum_mode = entry
    count = _max(payload.findtext(q("n", "MaxElements")) if payload is not None else None, 1)
    first, rest = items[:count], items[count:]
    if rest:
        state.runtime.enumerations[context.strip()] = (rest, enum_mode)
        head, tail = f"<n:EnumerationContext>{context.strip()}</n:EnumerationContext>", ""
    else:
        head, tail = "", "<n:EndOfSequence/>"
    body = f"<n:PullResponse>{head}<n:Items>{_render(first, enum_mode)}</n:Items>{tail}</n:PullResponse>"
    return Result(ACTION_PULL + "Response", body, ("n", "w", "p"))


def release(state: HostState, req: Request) -> Result:
    payload = req.payload()
    context = (payload.findtext(q("n", "EnumerationContext")) if payload is not None else "") or ""
    if state.runtime.enumerations.pop(context.strip(), None) is None:
        raise _invalid_context()
    return Result(ACTION_RELEASE + "Response", "", ("n", "w", "p"))
