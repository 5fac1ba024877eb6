# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Server Manager's server pool file (``ServerList.xml``): a hardened parser and a byte-preserving writer.

Server Manager keeps the servers it manages in ``%APPDATA%\\Microsoft\\Windows\\ServerManager\\ServerList.xml``:
a root ``ServerList`` element with one ``ServerInfo`` child per server, ``ServerGroupInfo`` children for custom
server groups and ``ServerGroupMembership`` elements for their members (Keith Mayer, "Step-by-Step: Using
PowerShell to Add Servers to Server Manager in Windows Server 2012",
https://blogs.technet.microsoft.com/keithmayer/2013/08/06/step-by-step-using-powershell-to-add-servers-to-server-manager-in-windows-server-2012/).
Its script adds a server by cloning a ``ServerInfo`` and setting ``name``, ``status`` and ``lastUpdateTime``.

The file is read by :func:`parse` (bytes in, a typed :class:`ServerList` out) and changed by :func:`add_servers`
/ :func:`remove_servers`, which splice only the elements they add or remove (``xmledit``), so comments,
attribute order, encoding and BOM are kept.
"""

from __future__ import annotations

import dataclasses
import re
from xml.parsers import expat

from ansible_collections.winremote.remoting.plugins.plugin_utils import local_file, xmledit

# Server pools hold tens or hundreds of servers, a few hundred bytes each; more than this is refused.
MAX_FILE_BYTES = 4 * 1024 * 1024
ROOT = "ServerList"
SERVER = "ServerInfo"
# ASSUMPTION (UNVERIFIED): the element names of groups are from the blog post above (its sample is an image);
# their attributes are not documented anywhere public. A group is read by its `name` attribute, and a member as a
# `ServerGroupMembership` inside the group (`name` = the server) or at the root (`name` = the server and `group`
# or `groupName` = the group); both layouts are accepted, new members are written inside the group.
GROUP = "ServerGroupInfo"
MEMBERSHIP = "ServerGroupMembership"
GROUP_ATTRS = ("group", "groupName", "serverGroup")
# ASSUMPTION: what the blog's script writes for a new server (status 2, a lastUpdateTime of DateTime.MinValue,
# so Server Manager refreshes it); `locale` is copied from a sibling when one has it.
NEW_STATUS = "2"
NEW_LAST_UPDATE = "0001-01-01T00:00:00"


class ServerListError(ValueError):
    """The file cannot be read or changed safely; ``str()`` is one line saying why."""


@dataclasses.dataclass(frozen=True)
class Server:
    name: str
    status: str | None = None
    last_update: str | None = None
    locale: str | None = None
    groups: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class ServerGroup:
    name: str
    members: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class ServerList:
    """What the file says; ``text``/``root`` keep the positions the writer needs."""

    servers: tuple[Server, ...]
    groups: tuple[ServerGroup, ...]
    text: str = dataclasses.field(default="", repr=False)
    codec: str = "utf-8"
    bom: bytes = b""
    root: xmledit.Node | None = dataclasses.field(default=None, repr=False, compare=False)

    def server(self, name: str) -> Server | None:
        key = name.lower()
        return next((s for s in self.servers if s.name.lower() == key), None)


def _refuse_dtd(raw: bytes) -> None:
    """Refuse any DOCTYPE before anything is expanded: the file format never needs one."""

    def doctype(name: str, *_rest: object) -> None:
        raise ServerListError(
            f"the document has a DOCTYPE ({name[:64]!r}); DTDs and entity declarations are refused, "
            "Server Manager never writes them"
        )

    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = lambda name, *_rest: doctype(name)
    try:
        parser.Parse(raw, True)
    except expat.ExpatError as exc:
        raise ServerListError(
            f"not well-formed XML: {expat.ErrorString(exc.code)} at line {exc.lineno}, column {exc.offset + 1}"
        ) from None


def _elements(node: xmledit.Node, local: str) -> list[xmledit.Node]:
    return [c for c in node.children if c.local == local]


def parse(data: bytes) -> ServerList:
    """Parse a ServerList.xml; raises :class:`ServerListError` with a one-line reason."""
    if len(data) > MAX_FILE_BYTES:
        raise ServerListError(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB, too large for a server list")
    xmledit.check_expat()
    _refuse_dtd(data)
    try:
        text, codec, bom = xmledit.decode(data)
        root = xmledit.parse(text)
    except xmledit.XmlSyntaxError as exc:
        raise ServerListError(f"not well-formed XML: {exc}") from None
    except xmledit.XmlRefusedError as exc:
        raise ServerListError(str(exc)) from None
    if root.local != ROOT:
        raise ServerListError(f"the root element is {root.local!r}, expected {ROOT!r}")
    memberships: dict[str, list[str]] = {}
    groups: list[ServerGroup] = []
    for group in _elements(root, GROUP):
        name = group.attrs.get("name", "")
        members = [m.attrs["name"] for m in _elements(group, MEMBERSHIP) if m.attrs.get("name")]
        groups.append(ServerGroup(name, tuple(members)))
    for member in _elements(root, MEMBERSHIP):
        group_name = next((member.attrs[a] for a in GROUP_ATTRS if member.attrs.get(a)), None)
        if group_name and member.attrs.get("name"):
            groups = [
                dataclasses.replace(g, members=(*g.members, member.attrs["name"])) if g.name == group_name else g
                for g in groups
            ]
            if not any(g.name == group_name for g in groups):
                groups.append(ServerGroup(group_name, (member.attrs["name"],)))
    for group_record in groups:
        for member_name in group_record.members:
            memberships.setdefault(member_name.lower(), []).append(group_record.name)
    servers = tuple(
        Server(
            name=node.attrs.get("name", ""),
            status=node.attrs.get("status"),
            last_update=node.attrs.get("lastUpdateTime"),
            locale=node.attrs.get("locale"),
            groups=tuple(memberships.get(node.attrs.get("name", "").lower(), ())),
        )
        for node in _elements(root, SERVER)
    )
    return ServerList(servers, tuple(groups), text, codec, bom, root)


def new_document(newline: str = "\r\n") -> bytes:
    """An empty pool, in the form the blog's sample shows (UTF-8, the XSD and XSI namespaces declared)."""
    return (
        f'<?xml version="1.0" encoding="utf-8"?>{newline}'
        '<ServerList xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
        f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">{newline}</ServerList>{newline}'
    ).encode()


def _escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;").replace(">", "&gt;")


def _whole_lines(text: str, node: xmledit.Node) -> tuple[int, int]:
    """The span to delete for ``node``: its line too when it stands alone on one."""
    start, end = node.start, node.end
    line_start = text.rfind("\n", 0, start) + 1
    if text[line_start:start].strip(" \t") == "":
        newline_end = text.find("\n", end)
        if newline_end != -1 and text[end:newline_end].strip(" \t\r") == "":
            return line_start, newline_end + 1
    return start, end


def add_servers(current: ServerList, names: list[str], group: str | None = None) -> bytes | None:
    """The file's bytes with ``names`` in the pool (and in ``group``); None when nothing changes.

    New elements are insertions into the text (the file is parsed again only per parent), so every other
    character of the file stays where it was.
    """
    current_prefix = _root(current).prefix
    text = current.text
    locale = next((s.locale for s in current.servers if s.locale), None)
    missing = [n for n in dict.fromkeys(names) if current.server(n) is None]
    new_members: list[str] = []
    if group:
        record = next((g for g in current.groups if g.name == group), None)
        have = {m.lower() for m in (record.members if record else ())}
        new_members = [n for n in dict.fromkeys(names) if n.lower() not in have]
    if not missing and not new_members:
        return None
    elements = []
    for name in missing:
        attrs = [("name", name), ("status", NEW_STATUS), ("lastUpdateTime", NEW_LAST_UPDATE)]
        if locale:
            attrs.append(("locale", locale))
        elements.append(xmledit.NewElement(current_prefix + SERVER, tuple((k, _escape(v)) for k, v in attrs)))
    text = _append_all(text, None, elements)
    if group and new_members:
        root = xmledit.parse(text)
        members = tuple(xmledit.NewElement(root.prefix + MEMBERSHIP, (("name", _escape(n)),)) for n in new_members)
        if any(g.attrs.get("name") == group for g in _elements(root, GROUP)):
            text = _append_all(text, group, list(members))
        else:
            text = _append(text, None, xmledit.NewElement(root.prefix + GROUP, (("name", _escape(group)),), members))
    return _checked(current, text)


# An element with no content, as rendered by xmledit: <name attrs></name>.
_EMPTY_PAIR = re.compile(r"<([\w.:-]+)([^<>]*)></\1>")


def _parent(text: str, group: str | None) -> tuple[xmledit.Node, xmledit.Node]:
    """The parsed root and the element new children go into: the root, or the group named ``group``."""
    root = xmledit.parse(text)
    if group is None:
        return root, root
    return root, next(g for g in _elements(root, GROUP) if g.attrs.get("name") == group)


def _snippet(edit: xmledit.Edit) -> str:
    # Server Manager's file (and the blog's sample) writes elements without content as <x ... />.
    return _EMPTY_PAIR.sub(r"<\1\2 />", edit.new)


def _append(text: str, group: str | None, element: xmledit.NewElement) -> str:
    """``text`` with ``element`` as the last child of the root (or of the group named ``group``)."""
    root, parent = _parent(text, group)
    edit = xmledit.append_child(text, parent, element, xmledit.indent_unit(text, root, "  "))
    return xmledit.apply_edits(text, [xmledit.Edit(edit.start, edit.end, _snippet(edit))])


def _append_all(text: str, group: str | None, elements: list[xmledit.NewElement]) -> str:
    """``text`` with ``elements`` appended in order. Once the parent has a child and whitespace before its end tag,
    every append is an insertion at the same place with the same separator, so they are made as one insertion
    (one parse for any number of servers, where one parse per server is quadratic for a large pool)."""
    while elements:
        root, parent = _parent(text, group)
        if not parent.children or parent.empty or text[parent.end_start - 1] not in " \t\r\n":
            text, elements = _append(text, group, elements[0]), elements[1:]
            continue
        unit = xmledit.indent_unit(text, root, "  ")
        edits = [xmledit.append_child(text, parent, element, unit) for element in elements]
        at = edits[0].start
        return xmledit.apply_edits(text, [xmledit.Edit(at, at, "".join(_snippet(edit) for edit in edits))])
    return text


def remove_servers(current: ServerList, names: list[str], group: str | None = None) -> bytes | None:
    """The file's bytes without ``names`` (or, with ``group``, without their membership of it); None if unchanged."""
    root = _root(current)
    keys = {n.lower() for n in names}
    edits: list[xmledit.Edit] = []
    targets: list[xmledit.Node] = []
    if group is None:
        targets += [n for n in _elements(root, SERVER) if n.attrs.get("name", "").lower() in keys]
    for node in _elements(root, GROUP):
        if group is None or node.attrs.get("name") == group:
            targets += [m for m in _elements(node, MEMBERSHIP) if m.attrs.get("name", "").lower() in keys]
    for node in _elements(root, MEMBERSHIP):
        in_group = group is None or any(node.attrs.get(a) == group for a in GROUP_ATTRS)
        if in_group and node.attrs.get("name", "").lower() in keys:
            targets.append(node)
    for node in targets:
        start, end = _whole_lines(current.text, node)
        edits.append(xmledit.Edit(start, end, ""))
    if not edits:
        return None
    return _checked(current, xmledit.apply_edits(current.text, edits))


def _root(current: ServerList) -> xmledit.Node:
    if current.root is None:
        raise ServerListError("the server list was not parsed from a file")
    return current.root


def _checked(current: ServerList, text: str) -> bytes:
    """The bytes to write, which must read back with the same checks, or nothing is written."""
    data = xmledit.encode(text, current.codec, current.bom)
    parse(data)
    return data


def read(path: str) -> bytes | None:
    """The file's bytes, None when it does not exist."""
    try:
        return local_file.read(path, MAX_FILE_BYTES)
    except local_file.TooLargeError:
        raise ServerListError(
            f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB, too large for a server list"
        ) from None
    except local_file.LocalFileError as exc:
        raise ServerListError(str(exc)) from None


def write(path: str, data: bytes, original: bytes | None, backup: bool) -> str | None:
    """Replace the file atomically (see :func:`local_file.replace`); return the backup's path, if any."""
    try:
        return local_file.replace(path, data, original, MAX_FILE_BYTES, backup=backup)
    except local_file.LocalFileError as exc:
        raise ServerListError(str(exc)) from None
