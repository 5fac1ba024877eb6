# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""ServerList.xml: parsed into typed records, hostile documents refused, edits keep every other byte."""

from __future__ import annotations

import codecs

import pytest

from ansible_collections.winremote.remoting.plugins.plugin_utils import server_list as sl

# Shaped like the sample in Keith Mayer's post (root ServerList with the XSD/XSI namespaces, ServerInfo per
# server, ServerGroupInfo / ServerGroupMembership for a custom group), with CRLF line ends as Windows writes them.
SAMPLE = (
    b'<?xml version="1.0" encoding="utf-8"?>\r\n'
    b'<ServerList xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
    b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" localhostName="MGMT01.contoso.com">\r\n'
    b'  <ServerInfo name="srv01.contoso.com" status="1" lastUpdateTime="2013-08-06T10:41:22.5150000-04:00" '
    b'locale="en-US" />\r\n'
    b"  <!-- added by hand -->\r\n"
    b'  <ServerInfo name="SRV02.contoso.com" status="2" lastUpdateTime="0001-01-01T00:00:00" locale="en-US" />\r\n'
    b'  <ServerGroupInfo name="Web">\r\n'
    b'    <ServerGroupMembership name="srv01.contoso.com" />\r\n'
    b"  </ServerGroupInfo>\r\n"
    b"</ServerList>\r\n"
)


def test_parse_sample() -> None:
    parsed = sl.parse(SAMPLE)
    assert [s.name for s in parsed.servers] == ["srv01.contoso.com", "SRV02.contoso.com"]
    first = parsed.servers[0]
    assert (first.status, first.locale, first.groups) == ("1", "en-US", ("Web",))
    assert first.last_update == "2013-08-06T10:41:22.5150000-04:00"
    assert parsed.groups == (sl.ServerGroup("Web", ("srv01.contoso.com",)),)
    assert parsed.server("srv02.CONTOSO.com") is parsed.servers[1]


def test_parse_root_level_memberships_and_a_namespace() -> None:
    doc = (
        b'<ServerList xmlns="urn:example"><ServerInfo name="a" /><ServerGroupInfo name="G" />'
        b'<ServerGroupMembership name="a" groupName="G" /><ServerGroupMembership name="b" group="H" /></ServerList>'
    )
    parsed = sl.parse(doc)
    assert parsed.servers == (sl.Server("a", groups=("G",)),)
    assert {g.name: g.members for g in parsed.groups} == {"G": ("a",), "H": ("b",)}


def test_parse_utf16_with_bom() -> None:
    data = codecs.BOM_UTF16_LE + SAMPLE.decode().replace("utf-8", "utf-16").encode("utf-16-le")
    assert len(sl.parse(data).servers) == 2


EXTERNAL = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><ServerList>&e;</ServerList>'
BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE ServerList [<!ENTITY a "aaaaaaaaaa">'
    + b"".join(
        b'<!ENTITY %c "&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;">' % ((c,) + (c - 1,) * 10) for c in range(98, 108)
    )
    + b']><ServerList><ServerInfo name="&k;" /></ServerList>'
)
DOCTYPE_ONLY = b'<!DOCTYPE ServerList SYSTEM "http://127.0.0.1/x.dtd"><ServerList />'


@pytest.mark.parametrize("data", [EXTERNAL, BOMB, DOCTYPE_ONLY], ids=["external", "bomb", "doctype"])
def test_dtds_are_refused(data: bytes) -> None:
    with pytest.raises(sl.ServerListError, match="DOCTYPE") as info:
        sl.parse(data)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<ServerList><ServerInfo name='a'></ServerList>", "not well-formed XML: mismatched tag at line 1"),
        (b"", "not well-formed XML"),
        (b"<Other />", "the root element is 'Other'"),
        (b"<ServerList>" + b" " * sl.MAX_FILE_BYTES + b"</ServerList>", "too large"),
    ],
)
def test_bad_files_fail_in_one_line(data: bytes, message: str) -> None:
    with pytest.raises(sl.ServerListError, match=message) as info:
        sl.parse(data)
    assert "\n" not in str(info.value)


def test_round_trip_add_keeps_every_other_byte() -> None:
    before = sl.parse(SAMPLE)
    data = sl.add_servers(before, ["web01.contoso.com", "web02.contoso.com", "srv01.CONTOSO.com"])
    assert data is not None
    after = sl.parse(data)
    assert [s.name for s in after.servers] == [
        "srv01.contoso.com",
        "SRV02.contoso.com",
        "web01.contoso.com",
        "web02.contoso.com",
    ]
    assert after.servers[2] == sl.Server("web01.contoso.com", "2", "0001-01-01T00:00:00", "en-US")
    added = (
        b'  <ServerInfo name="web01.contoso.com" status="2" lastUpdateTime="0001-01-01T00:00:00" locale="en-US" />\r\n'
        b'  <ServerInfo name="web02.contoso.com" status="2" lastUpdateTime="0001-01-01T00:00:00" locale="en-US" />\r\n'
    )
    end = SAMPLE.rindex(b"</ServerList>")
    assert data == SAMPLE[:end] + added + SAMPLE[end:]
    assert sl.add_servers(after, ["web01.contoso.com"]) is None
    # and removing them gives the original bytes back
    assert sl.remove_servers(after, ["WEB01.contoso.com", "web02.contoso.com"]) == SAMPLE


def test_group_membership_added_and_removed() -> None:
    before = sl.parse(SAMPLE)
    data = sl.add_servers(before, ["SRV02.contoso.com"], group="Web")
    assert data is not None
    assert b'    <ServerGroupMembership name="SRV02.contoso.com" />\r\n  </ServerGroupInfo>' in data
    after = sl.parse(data)
    assert after.server("srv02.contoso.com") == sl.Server(
        "SRV02.contoso.com", "2", "0001-01-01T00:00:00", "en-US", ("Web",)
    )
    assert sl.remove_servers(after, ["srv02.contoso.com"], group="Web") == SAMPLE
    # without a group, removing a server also removes its memberships
    removed = sl.parse(sl.remove_servers(before, ["srv01.contoso.com"]) or b"")
    assert removed.groups == (sl.ServerGroup("Web", ()),)
    assert [s.name for s in removed.servers] == ["SRV02.contoso.com"]


def test_new_group_and_new_document() -> None:
    empty = sl.parse(sl.new_document())
    assert (empty.servers, empty.groups) == ((), ())
    data = sl.add_servers(empty, ["a.contoso.com", "b.contoso.com"], group="Lab")
    assert data is not None
    parsed = sl.parse(data)
    assert [s.name for s in parsed.servers] == ["a.contoso.com", "b.contoso.com"]
    assert parsed.groups == (sl.ServerGroup("Lab", ("a.contoso.com", "b.contoso.com")),)


def test_names_are_escaped() -> None:
    data = sl.add_servers(sl.parse(SAMPLE), ['x"&<y'])
    assert data is not None and sl.parse(data).server('x"&<y') is not None


def test_root_level_membership_removed_and_prefixed_root_kept() -> None:
    doc = (
        b'<s:ServerList xmlns:s="urn:example">\n  <s:ServerInfo name="a" />\n'
        b'  <s:ServerGroupMembership name="a" groupName="G" />\n</s:ServerList>\n'
    )
    parsed = sl.parse(doc)
    assert parsed.servers[0].groups == ("G",)
    data = sl.remove_servers(parsed, ["A"], group="G")
    assert data == b'<s:ServerList xmlns:s="urn:example">\n  <s:ServerInfo name="a" />\n</s:ServerList>\n'
    added = sl.add_servers(parsed, ["b"])
    assert (
        added is not None and b'  <s:ServerInfo name="b" status="2" lastUpdateTime="0001-01-01T00:00:00" />\n' in added
    )
    assert sl.remove_servers(parsed, ["nope"]) is None


@pytest.mark.parametrize(
    "start",
    [SAMPLE, sl.new_document(), b'<ServerList><ServerInfo name="a"/></ServerList>'],
    ids=["sample", "empty-pool", "one-line"],
)
def test_many_servers_at_once_equal_one_at_a_time(start: bytes) -> None:
    """The batched insertion writes exactly what appending the servers (then the members) one by one writes."""
    names = ["n1.contoso.com", "n2.contoso.com", "n3.contoso.com"]
    one_by_one = start
    for name in names:
        one_by_one = sl.add_servers(sl.parse(one_by_one), [name]) or one_by_one
    assert sl.add_servers(sl.parse(start), names) == one_by_one
    grouped = sl.add_servers(sl.parse(one_by_one), names[:1], "Batch")
    assert grouped is not None
    for name in names[1:]:
        grouped = sl.add_servers(sl.parse(grouped), [name], "Batch") or grouped
    assert sl.add_servers(sl.parse(one_by_one), names, "Batch") == grouped
    parsed = sl.parse(grouped)
    assert [g.members for g in parsed.groups if g.name == "Batch"] == [tuple(names)]
    assert [s.name for s in parsed.servers][-3:] == names
