# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A small WQL subset: SELECT * | a, b FROM Class [WHERE cond [AND cond ...]] with =, <>, != and LIKE."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_QUERY = re.compile(
    r"^\s*select\s+(?P<props>.+?)\s+from\s+(?P<cls>\w+)(?:\s+where\s+(?P<where>.+?))?\s*;?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_COND = re.compile(
    r"^\s*(?P<prop>\w+)\s*(?P<op>=|<>|!=|\blike\b)\s*(?P<value>'[^']*'|\"[^\"]*\"|[^\s]+)\s*$", re.IGNORECASE
)


class WqlError(ValueError):
    """The query is outside the supported subset."""


@dataclass
class Condition:
    prop: str
    op: str  # "=", "<>", "like"
    value: str


@dataclass
class Query:
    class_name: str
    properties: list[str] | None  # None = all
    conditions: list[Condition] = field(default_factory=list)


def _split_and(where: str) -> list[str]:
    """Split on AND outside quotes."""
    parts, current, quote = [], "", ""
    tokens = re.split(r"(\s+and\s+|'|\")", where, flags=re.IGNORECASE)
    for token in tokens:
        if token in ("'", '"'):
            quote = "" if quote == token else (quote or token)
            current += token
        elif not quote and re.fullmatch(r"\s+and\s+", token, re.IGNORECASE):
            parts.append(current)
            current = ""
        else:
            current += token
    parts.append(current)
    return parts


def parse(text: str) -> Query:
    match = _QUERY.match(text)
    if not match:
        raise WqlError(text)
    props_text = match.group("props").strip()
    props = None if props_text == "*" else [p.strip() for p in props_text.split(",") if p.strip()]
    conditions = []
    if match.group("where"):
        for part in _split_and(match.group("where")):
            cond = _COND.match(part)
            if not cond:
                raise WqlError(part)
            value = cond.group("value")
            if value[:1] in ("'", '"'):
                value = value[1:-1]
            op = cond.group("op").lower()
            conditions.append(Condition(cond.group("prop"), "<>" if op == "!=" else op, value))
    return Query(match.group("cls"), props, conditions)


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _like(pattern: str, value: str) -> bool:
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.IGNORECASE | re.DOTALL) is not None


def matches(query: Query, instance: dict[str, Any]) -> bool:
    lowered = {k.lower(): v for k, v in instance.items()}
    for cond in query.conditions:
        if cond.prop.lower() not in lowered:
            raise WqlError(f"unknown property {cond.prop}")
        value = lowered[cond.prop.lower()]
        values = [_as_text(v) for v in value] if isinstance(value, list) else [_as_text(value)]
        if cond.op == "like":
            ok = any(_like(cond.value, v) for v in values)
        else:
            ok = any(v.lower() == cond.value.lower() for v in values)
            ok = not ok if cond.op == "<>" else ok
        if not ok:
            return False
    return True
