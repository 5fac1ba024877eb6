# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""fleet_report: rows from host vars and from remoting_info results, deterministic output, HTML escaping, CSV
formula injection and atomic writes."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
import random
import re
import stat
import typing as t
from html.parser import HTMLParser
from pathlib import Path

import pytest

from ansible_collections.winremote.remoting.plugins.plugin_utils.report import files, html, rows, tabular

INVENTORY_HOST = {
    "inventory_hostname": "web01.contoso.com",
    "ansible_host": "10.0.0.11",
    "ansible_port": 5985,
    "ansible_password": "never-read",
    "winremote_manageability": "Online",
    "winremote_manageability_reasons": [],
    "winremote_os_version": "10.0.20348",
    "winremote_os_release": "2022",
    "winremote_wsman_stack": "3.0",
    "winremote_last_update": "2026-01-31T11:58:02+00:00",
    "winremote_reachable": True,
    "winremote_server_groups": ["Web"],
}

REMOTING_INFO_RESULT = {
    "name": "old01.contoso.com",
    "address": "10.0.0.21",
    "changed": False,
    "os": {"caption": "Windows Server 2008 R2 Enterprise", "version": "6.1.7601", "release": "2008 R2"},
    "wsman_stack_version": "2.0",
    "manageability": "Not accessible",
    "manageability_reasons": ["Windows Server 2008 R2 needs WMF 4.0 or later (found PowerShell 2.0)"],
}

UNREACHABLE_RESULT = {
    "name": "gone01.contoso.com",
    "failed": True,
    "msg": "connection refused",
    "manageability": "Not accessible",
    "manageability_reasons": ["nothing listens on 10.0.0.31:5985"],
}

HOSTILE = {
    "name": "<script>window.pwned=1</script>",
    "addresses": ['"><img src=x onerror=alert(1)>', "a&b"],
    "manageability": "Online - Access denied",
    "reasons": ['it\'s <b>bold</b> & "quoted"'],
    "os": "Windows </td></tr></table><script>x</script>",
    "last_update": '"onmouseover="alert(1)',
}


def fleet() -> list[dict[str, t.Any]]:
    return [INVENTORY_HOST, REMOTING_INFO_RESULT, UNREACHABLE_RESULT, HOSTILE, {"name": "new01", "os": None}]


def test_inventory_host_vars_become_a_row() -> None:
    row = rows.row(INVENTORY_HOST)
    assert row.to_dict() == {
        "name": "web01.contoso.com",
        "addresses": ["10.0.0.11"],
        "manageability": "Online",
        "reasons": [],
        "os": "Windows Server 2022 (10.0.20348)",
        "os_version": "10.0.20348",
        "os_release": "2022",
        "wsman_stack": "3.0",
        "last_update": "2026-01-31T11:58:02+00:00",
        "severity": "ok",
    }


def test_a_remoting_info_result_becomes_a_row() -> None:
    row = rows.row(REMOTING_INFO_RESULT)
    assert (row.name, row.addresses, row.wsman_stack) == ("old01.contoso.com", ("10.0.0.21",), "2.0")
    assert (row.os, row.os_version, row.os_release) == (
        "Windows Server 2008 R2 Enterprise (6.1.7601)",
        "6.1.7601",
        "2008 R2",
    )
    assert row.reasons == ("Windows Server 2008 R2 needs WMF 4.0 or later (found PowerShell 2.0)",)


def test_not_accessible_is_amber_when_the_host_answered_and_red_when_it_did_not() -> None:
    assert rows.row(REMOTING_INFO_RESULT).severity == "warning"  # observed: prerequisites are missing
    assert rows.row(UNREACHABLE_RESULT).severity == "error"
    assert rows.row({**UNREACHABLE_RESULT, "reachable": True}).severity == "warning"
    assert rows.row({**REMOTING_INFO_RESULT, "winremote_reachable": False}).severity == "error"
    assert rows.row({**REMOTING_INFO_RESULT, "reachable": "false"}).severity == "error"


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("Online", "ok"),
        ("Online - Performance counters not started", "ok"),
        ("Online - Access denied", "warning"),
        ("Online - Data retrieval failures occurred", "warning"),
        ("Credentials not valid", "warning"),
        ("Not accessible - Verify earlier versions run Windows Management Framework 3.0", "warning"),
        ("Not accessible", "error"),
        ("Kerberos target resolution error", "error"),
        ("Kerberos authentication error", "error"),
        ("Online - Something new", "warning"),
        ("Offline", "error"),
    ],
)
def test_severity_of_each_status(status: str, expected: str) -> None:
    assert rows.severity(status, None) == expected


def test_missing_status_is_unknown_and_missing_values_are_empty() -> None:
    row = rows.row({"name": "new01", "os": None, "reasons": None})
    assert (row.manageability, row.severity, row.os, row.reasons, row.addresses) == ("Unknown", "unknown", "", (), ())


def test_report_keys_win_over_aliases_and_empty_values_fall_through() -> None:
    row = rows.row({"name": "", "inventory_hostname": "h1", "manageability": "Online", "winremote_manageability": "x"})
    assert (row.name, row.manageability) == ("h1", "Online")
    assert rows.row({"name": "h", "addresses": ["10.0.0.1", "10.0.0.1", "", "fe80::1"]}).addresses == (
        "10.0.0.1",
        "fe80::1",
    )


@pytest.mark.parametrize(
    ("server", "message"), [("web01", "servers[0] is a str"), ({"manageability": "Online"}, "no name")]
)
def test_an_entry_without_a_name_is_refused(server: t.Any, message: str) -> None:
    with pytest.raises(rows.ReportError, match=re.escape(message)):
        rows.build([server], "t")


def test_counts_put_problems_first() -> None:
    report = rows.build(fleet(), "All Servers")
    assert list(report.counts.items()) == [
        ("Not accessible", 2),
        ("Online - Access denied", 1),
        ("Online", 1),
        ("Unknown", 1),
    ]


def render_all(servers: list[dict[str, t.Any]], generated_at: str | None = None) -> tuple[str, str, str]:
    report = rows.build(servers, "All Servers", generated_at)
    return html.render(report), tabular.to_json(report), tabular.to_csv(report)


def test_the_same_servers_in_any_order_give_the_same_bytes() -> None:
    first = render_all(fleet())
    shuffled = fleet()
    random.Random(7).shuffle(shuffled)
    assert render_all(shuffled) == first
    assert render_all(list(reversed(fleet()))) == first
    names = [row["name"] for row in json.loads(first[1])["servers"]]
    assert names == sorted(names, key=str.casefold)


def test_no_time_of_its_own_unless_generated_at_is_given() -> None:
    page, data, table = render_all(fleet())
    assert "generated_at" not in json.loads(data) and "Generated" not in page
    page, data, table2 = render_all(fleet(), "2026-01-31T12:00:00Z")
    assert json.loads(data)["generated_at"] == "2026-01-31T12:00:00Z"
    assert '<time datetime="2026-01-31T12:00:00Z">' in page
    assert table2 == table


class Collector(HTMLParser):
    """Every element with its attributes, the text of each table row, and script bodies."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self.rows: list[list[str]] = []
        self._stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._stack.append(tag)
        if tag == "tr":
            self.rows.append([])

    def handle_endtag(self, tag: str) -> None:
        if self._stack and self._stack[-1] == tag:
            self._stack.pop()

    def handle_data(self, data: str) -> None:
        if self._stack and self._stack[-1] == "script":
            self.scripts.append(data)
        elif self._stack and self._stack[-1] == "style":
            self.styles.append(data)
        elif self.rows:
            self.rows[-1].append(data)


def parse(page: str) -> Collector:
    collector = Collector()
    collector.feed(page)
    collector.close()
    return collector


def test_hostile_values_are_text_in_the_page() -> None:
    page = html.render(rows.build([HOSTILE, INVENTORY_HOST], "<b>Fleet</b> & co"))
    parsed = parse(page)
    # one script, ours; no img, no event handler attribute anywhere
    assert [tag for tag, _attrs in parsed.tags if tag == "script"] == ["script"]
    assert parsed.scripts == [html.SCRIPT]
    assert not [tag for tag, _attrs in parsed.tags if tag == "img"]
    assert not [name for _tag, attrs in parsed.tags for name in attrs if name.startswith("on")]
    # the values read back exactly as given
    text = "".join(parsed.rows[1])
    for value in (HOSTILE["name"], *HOSTILE["addresses"], HOSTILE["reasons"][0], HOSTILE["os"], HOSTILE["last_update"]):
        assert value in text
    statuses = [attrs.get("data-status") for tag, attrs in parsed.tags if tag == "tr" and "data-status" in attrs]
    assert statuses == ["Online - Access denied", "Online"]
    assert "<title>&lt;b&gt;Fleet&lt;/b&gt; &amp; co</title>" in page
    assert "<script>window" not in page and "<img" not in page


def test_the_page_loads_nothing_and_allows_only_its_own_style_and_script() -> None:
    page = html.render(rows.build(fleet(), "All Servers"))
    parsed = parse(page)
    csp = next(attrs["content"] for tag, attrs in parsed.tags if tag == "meta" and attrs.get("http-equiv"))
    assert csp is not None and csp.startswith("default-src 'none';")
    for body in (parsed.scripts[0], parsed.styles[0]):
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp
    linked = [attrs for tag, attrs in parsed.tags for name in ("src", "href") if name in attrs]
    assert linked == []


def test_the_table_is_accessible_markup() -> None:
    parsed = parse(html.render(rows.build(fleet(), "All Servers")))
    headers = [attrs for tag, attrs in parsed.tags if tag == "th" and attrs.get("scope") == "col"]
    assert len(headers) == len(html.COLUMNS)
    assert [h.get("aria-sort") for h in headers] == ["ascending"] + [None] * (len(html.COLUMNS) - 1)
    row_headers = [attrs for tag, attrs in parsed.tags if tag == "th" and attrs.get("scope") == "row"]
    assert len(row_headers) == len(fleet())
    assert ("html", {"lang": "en"}) in parsed.tags


def test_the_summary_has_one_chip_per_status_with_its_count() -> None:
    parsed = parse(html.render(rows.build(fleet(), "All Servers")))
    chips = [attrs for tag, attrs in parsed.tags if tag == "button" and "data-filter-status" in attrs]
    assert [c["data-filter-status"] for c in chips] == ["Not accessible", "Online - Access denied", "Online", "Unknown"]
    assert [c["class"] for c in chips] == ["chip sev-error", "chip sev-warning", "chip sev-ok", "chip sev-unknown"]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_cells_that_start_like_a_formula_get_an_apostrophe(start: str) -> None:
    value = f'{start}HYPERLINK("http://attacker.invalid","x")'
    report = rows.build([{"name": "h1", "manageability": "Online", "addresses": [value], "reasons": [value]}], "t")
    [header, line] = list(csv.reader(io.StringIO(tabular.to_csv(report), newline="")))
    cells = dict(zip(header, line, strict=True))
    # whitespace in values is folded to single spaces, so a tab or CR at the start becomes a space in the cell
    expected = "'" + start + value[1:] if start not in "\t\r" else value[1:]
    assert cells["addresses"] == expected and cells["reasons"] == expected
    assert cells["name"] == "h1"


def test_csv_apostrophe_also_for_a_tab_that_survives() -> None:
    assert tabular.safe_cell("\tcmd") == "'\tcmd"
    assert tabular.safe_cell("\rcmd") == "'\rcmd"
    assert tabular.safe_cell("-2+3") == "'-2+3"
    assert tabular.safe_cell("web01") == "web01"
    assert tabular.safe_cell("") == ""


def test_csv_has_a_header_crlf_lines_and_joined_lists() -> None:
    text = tabular.to_csv(rows.build(fleet(), "All Servers"))
    lines = text.split("\r\n")
    assert lines[0] == ",".join(tabular.CSV_COLUMNS) and lines[-1] == ""
    records = list(csv.DictReader(io.StringIO(text, newline="")))
    hostile = next(r for r in records if r["name"].startswith("<script>"))
    assert hostile["addresses"] == '"><img src=x onerror=alert(1)> a&b'
    assert len(records) == len(fleet())


def test_json_holds_counts_total_and_rows() -> None:
    data = json.loads(tabular.to_json(rows.build(fleet(), "All Servers")))
    assert data["total"] == 5 and data["title"] == "All Servers"
    assert data["counts"] == {"Not accessible": 2, "Online - Access denied": 1, "Online": 1, "Unknown": 1}
    assert [s["name"] for s in data["servers"]][-1] == "web01.contoso.com"
    assert "ansible_password" not in json.dumps(data) and "never-read" not in json.dumps(data)


def test_write_replaces_atomically_and_keeps_the_mode(tmp_path: Path) -> None:
    target = tmp_path / "fleet_report.json"
    files.write(str(target), b"one", None)
    assert target.read_bytes() == b"one" and files.read(str(target)) == b"one"
    os.chmod(target, 0o600)
    files.write(str(target), b"two", b"one")
    assert target.read_bytes() == b"two" and stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fleet_report.json"]  # no temporary file left
    assert files.read(str(tmp_path / "absent")) is None


def test_a_file_changed_since_it_was_read_is_left_alone(tmp_path: Path) -> None:
    target = tmp_path / "fleet_report.csv"
    target.write_bytes(b"edited by someone")
    with pytest.raises(files.ReportFileError, match=re.escape(f"{target}: the file changed")):
        files.write(str(target), b"new", b"what we read")
    assert target.read_bytes() == b"edited by someone"


def test_dest_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "report").write_text("x")
    with pytest.raises(files.ReportFileError, match="not a directory"):
        files.make_directory(str(tmp_path / "report"))
    files.make_directory(str(tmp_path / "a" / "b"))
    assert (tmp_path / "a" / "b").is_dir()
