# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Parse XML while recording where every element sits in the text, so an edit touches only the characters it must.

Rewriting a document through ElementTree loses comments, attribute order, namespace prefixes, quoting and
whitespace. Here expat checks well-formedness and resolves namespaces, and each element keeps its character
offsets in the decoded text; changes are :class:`Edit` splices on that text, and the encoding and BOM found
on the way in are used again on the way out.
"""

from __future__ import annotations

import codecs
import dataclasses
import itertools
import typing as t
from xml.parsers import expat


class XmlSyntaxError(ValueError):
    """The bytes are not a well-formed XML document (or use an encoding we cannot write back unchanged)."""


class XmlRefusedError(ValueError):
    """Well-formed, but not something this module reads: external entities, absurd nesting or size."""


# expat 2.4.0 added the amplification limits that stop "billion laughs" and quadratic blow-up
# (https://github.com/libexpat/libexpat/blob/R_2_4_0/expat/Changes, CVE-2013-0340); older builds expand
# nested internal entities without bound, so they are refused rather than trusted.
MIN_EXPAT = (2, 4, 0)
# Answer files written by Windows System Image Manager are a few kB and a dozen levels deep; these bounds
# keep a hostile or corrupt file from holding the controller's memory.
MAX_DEPTH = 256
MAX_ELEMENTS = 100_000


@dataclasses.dataclass
class Node:
    """One element with its position in the text (character offsets)."""

    uri: str
    local: str
    attrs: dict[str, str]  # expanded names: "{uri} local" for qualified attributes, "local" otherwise
    raw_name: str  # the tag name as written, prefix included
    start: int  # the start tag's "<"
    start_end: int  # just after the start tag's ">"
    end_start: int  # the end tag's "<"; equals start_end for an empty element
    end: int  # just after the element
    empty: bool  # written as <name/>
    children: list[Node] = dataclasses.field(default_factory=list)
    text: str = ""  # the element's own character data
    entity_refs: list[str] = dataclasses.field(default_factory=list)  # general entities referenced in the content

    def entity_refs_within(self) -> list[str]:
        """Entity references in this element's content, at any depth."""
        found, todo = [], [self]
        while todo:
            node = todo.pop()
            found.extend(node.entity_refs)
            todo.extend(node.children)
        return found

    @property
    def prefix(self) -> str:
        """The prefix to give new children in the same namespace (``"u:"`` or ``""``)."""
        head, sep, _tail = self.raw_name.partition(":")
        return head + ":" if sep else ""

    def find(self, uri: str, local: str, **attrs: str) -> list[Node]:
        """Direct children with this name whose (unqualified) attributes have these values."""
        return [
            c
            for c in self.children
            if c.uri == uri and c.local == local and all(c.attrs.get(k) == v for k, v in attrs.items())
        ]


@dataclasses.dataclass(frozen=True)
class Edit:
    """Replace ``text[start:end]`` with ``new``."""

    start: int
    end: int
    new: str


@dataclasses.dataclass(frozen=True)
class NewElement:
    """An element to insert; rendered with the indentation of the place it goes to."""

    name: str  # prefix included
    attrs: tuple[tuple[str, str], ...] = ()
    children: tuple[NewElement, ...] = ()
    text: str = ""


_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


def _expat_error(exc: expat.ExpatError) -> XmlSyntaxError:
    return XmlSyntaxError(f"{expat.ErrorString(exc.code)} at line {exc.lineno}, column {exc.offset + 1}")


def check_expat() -> None:
    """Refuse to parse with an expat that has no protection against entity expansion attacks."""
    if expat.version_info < MIN_EXPAT:
        have, need = ".".join(map(str, expat.version_info)), ".".join(map(str, MIN_EXPAT))
        raise XmlRefusedError(
            f"the controller's Python uses expat {have}, which does not limit entity expansion; "
            f"install a Python built with expat >= {need}"
        )


def decode(raw: bytes) -> tuple[str, str, bytes]:
    """Check well-formedness and return (text without BOM, Python codec, BOM bytes)."""
    check_expat()
    declared: list[str] = []
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.XmlDeclHandler = lambda _version, encoding, _standalone: declared.append(encoding or "")
    try:
        parser.Parse(raw, True)
    except expat.ExpatError as exc:
        raise _expat_error(exc) from None
    for bom, bom_codec in _BOMS:
        if raw.startswith(bom):
            body, codec = raw[len(bom) :], bom_codec
            break
    else:
        bom, body = b"", raw
        if raw.startswith(b"<\x00"):
            codec = "utf-16-le"
        elif raw.startswith(b"\x00<"):
            codec = "utf-16-be"
        else:
            codec = declared[0] if declared and declared[0] else "utf-8"
    try:
        codec = codecs.lookup(codec).name
    except LookupError:
        raise XmlSyntaxError(f"the declared encoding {codec[:64]!r} is unknown") from None
    try:
        text = body.decode(codec)
    except UnicodeDecodeError as exc:
        # Not str(exc): it quotes the offending byte, which may belong to a password written in clear text.
        raise XmlSyntaxError(f"cannot decode the document as {codec}: invalid data at byte {exc.start}") from None
    if text.encode(codec) != body:
        raise XmlSyntaxError(f"the {codec} encoding does not round-trip, so the file could not be kept byte-for-byte")
    return text, codec, bom


def encode(text: str, codec: str, bom: bytes) -> bytes:
    return bom + text.encode(codec)


def _tag_end(text: str, pos: int) -> int:
    """Offset just after the ">" closing the tag that starts at ``pos`` (quotes may hold ">")."""
    quote = ""
    for i in range(pos, len(text)):
        ch = text[i]
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == ">":
            return i + 1
    raise XmlSyntaxError(f"unterminated tag at offset {pos}")


def _char_offsets(text: str) -> t.Callable[[int], int]:
    """Map expat's UTF-8 byte index (it parses ``str`` as UTF-8) to a character offset."""
    if text.isascii():
        return lambda index: index
    table: dict[int, int] = {}
    position = 0
    for i, ch in enumerate(text):
        table[position] = i
        position += len(ch.encode("utf-8", "surrogatepass"))
    table[position] = len(text)
    return table.__getitem__


def _split(name: str) -> tuple[str, str]:
    uri, sep, local = name.rpartition(" ")
    return (uri, local) if sep else ("", name)


def parse(text: str) -> Node:
    """The root element of ``text`` (already decoded, no BOM) with offsets on every element.

    General entity references in content are not expanded: each is recorded on the element that holds it
    (:attr:`Node.entity_refs`), so every offset points into the text itself and a caller can refuse to edit
    what an entity defines. External entities are refused, never read.
    """
    check_expat()
    parser = expat.ParserCreate(namespace_separator=" ")
    to_char = _char_offsets(text)
    stack: list[Node] = []
    roots: list[Node] = []
    count = 0

    def entity_decl(
        name: str, _parameter: int, _value: str | None, _base: str | None, system_id: str | None, *_rest: t.Any
    ) -> None:
        if system_id is not None:
            raise XmlRefusedError(
                f"the document declares the external entity {name[:64]!r}; external entities are never read"
            )

    def reference(name: str, _is_parameter: int = 0) -> None:
        if stack:
            stack[-1].entity_refs.append(name)

    def default(data: str) -> None:
        # With a default handler set, expat passes references to general entities here unexpanded.
        if data.startswith("&") and data.endswith(";"):
            reference(data[1:-1])

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal count
        count += 1
        if count > MAX_ELEMENTS:
            raise XmlRefusedError(f"the document has more than {MAX_ELEMENTS} elements")
        if len(stack) >= MAX_DEPTH:
            raise XmlRefusedError(f"elements are nested more than {MAX_DEPTH} deep")
        pos = to_char(parser.CurrentByteIndex)
        tag_end = _tag_end(text, pos)
        raw_name = text[pos + 1 : tag_end].split(None, 1)[0].rstrip("/>")
        uri, local = _split(name)
        empty = text[tag_end - 2] == "/"
        node = Node(
            uri,
            local,
            {" ".join(_split(k)).strip(): v for k, v in attrs.items()},
            raw_name,
            pos,
            tag_end,
            tag_end,
            tag_end,
            empty,
        )
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)

    def end(_name: str) -> None:
        node = stack.pop()
        if not node.empty:
            node.end_start = to_char(parser.CurrentByteIndex)
            node.end = _tag_end(text, node.end_start)

    def chars(data: str) -> None:
        if stack:
            stack[-1].text += data

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.EntityDeclHandler = entity_decl
    parser.SkippedEntityHandler = reference
    parser.DefaultHandler = default
    try:
        parser.Parse(text, True)
    except expat.ExpatError as exc:
        raise _expat_error(exc) from None
    return roots[0]


def newline_of(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _whitespace_before(text: str, pos: int) -> str:
    """The whitespace run that ends at ``pos``."""
    i = pos
    while i > 0 and text[i - 1] in " \t\r\n":
        i -= 1
    return text[i:pos]


def line_indent(text: str, pos: int) -> str:
    """The leading whitespace of the line that holds ``pos``."""
    line_start = max(text.rfind("\n", 0, pos) + 1, 0)
    i = line_start
    while i < pos and text[i] in " \t":
        i += 1
    return text[line_start:i]


def indent_unit(text: str, root: Node, default: str = "    ") -> str:
    """The document's own indentation step, from the first parent/child pair on separate lines."""
    todo = [root]
    while todo:
        node = todo.pop(0)
        for child in node.children:
            if "\n" in _whitespace_before(text, child.start):
                parent, inner = line_indent(text, node.start), line_indent(text, child.start)
                if inner.startswith(parent) and len(inner) > len(parent):
                    return inner[len(parent) :]
        todo.extend(node.children)
    return default


def render(element: NewElement, sep: str, unit: str) -> str:
    """``element`` as text; nested children go on new lines one ``unit`` deeper when ``sep`` starts a line."""
    attrs = "".join(f' {k}="{v}"' for k, v in element.attrs)
    if not element.children:
        return f"<{element.name}{attrs}>{element.text}</{element.name}>"
    inner = sep + unit if "\n" in sep else sep
    body = "".join(inner + render(c, inner, unit) for c in element.children)
    return f"<{element.name}{attrs}>{body}{sep}</{element.name}>"


def append_child(text: str, parent: Node, element: NewElement, unit: str) -> Edit:
    """Insert ``element`` as the last child of ``parent``, indented like its siblings would be."""
    multiline = "\n" in text
    own_sep = newline_of(text) + line_indent(text, parent.start) if multiline else ""
    if parent.children:
        child_sep = _whitespace_before(text, parent.children[-1].start)
    else:
        child_sep = own_sep + unit if multiline else ""
    snippet = child_sep + render(element, child_sep, unit)
    if parent.empty:
        close = parent.start_end - 2
        return Edit(close, parent.start_end, f">{snippet}{own_sep}</{parent.raw_name}>")
    trailing = _whitespace_before(text, parent.end_start)
    at = max(parent.end_start - len(trailing), parent.start_end)
    if at == parent.end_start and "\n" in child_sep:
        snippet += own_sep
    return Edit(at, at, snippet)


def set_text(node: Node, value: str) -> Edit:
    """Replace the element's content with ``value`` (expanding ``<name/>`` when needed)."""
    if node.empty:
        return Edit(node.start_end - 2, node.start_end, f">{value}</{node.raw_name}>")
    return Edit(node.start_end, node.end_start, value)


def apply_edits(text: str, edits: t.Iterable[Edit]) -> str:
    """Splice non-overlapping edits into ``text``."""
    ordered = sorted(edits, key=lambda e: (e.start, e.end))
    for first, second in itertools.pairwise(ordered):
        if second.start < first.end:
            raise ValueError("overlapping edits")
    for edit in reversed(ordered):
        text = text[: edit.start] + edit.new + text[edit.end :]
    return text


MASK = "********"


def content_spans(root: Node, is_secret: t.Callable[[Node], bool]) -> list[tuple[int, int]]:
    """The content ranges (between start and end tag) of the elements ``is_secret`` picks, outermost only."""
    spans: list[tuple[int, int]] = []
    todo = [root]
    while todo:
        node = todo.pop()
        if is_secret(node):
            if not node.empty:
                spans.append((node.start_end, node.end_start))
            continue  # everything inside is covered
        todo.extend(node.children)
    return sorted(spans)


def masked(text: str, start: int, end: int, spans: t.Iterable[tuple[int, int]]) -> str:
    """``text[start:end]`` with every part that falls inside one of ``spans`` replaced by :data:`MASK`."""
    out, pos = [], start
    for span_start, span_end in sorted(spans):
        lo, hi = max(span_start, pos), min(span_end, end)
        if lo >= hi:
            continue
        out.append(text[pos:lo])
        out.append(MASK)
        pos = hi
    out.append(text[pos:end])
    return "".join(out)
