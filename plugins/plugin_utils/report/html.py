# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The report as one self-contained HTML page, like Server Manager's "All Servers" tile: counts per status, then
the servers, sortable by any column and filtered by text or status.

Every value from a host is escaped (``html.escape`` with quotes) and none is ever put inside the script: the script
reads the table. The page loads nothing: its Content-Security-Policy allows only its own inline style and script,
by their SHA-256 hashes (https://www.w3.org/TR/CSP3/#grammardef-hash-source). Without JavaScript it is still the
whole table, sorted by name. The sortable headers follow WAI-ARIA's sortable table pattern
(https://www.w3.org/WAI/ARIA/apg/patterns/table/examples/sortable-table/).
"""

from __future__ import annotations

import base64
import hashlib
from html import escape

from ansible_collections.winremote.remoting.plugins.plugin_utils.report.rows import Report, Row, severity, status_rank

COLUMNS = (
    ("name", "Server name"),
    ("addresses", "Addresses"),
    ("manageability", "Manageability"),
    ("reasons", "Reasons"),
    ("os", "Operating system"),
    ("wsman_stack", "WinRM stack"),
    ("last_update", "Last update"),
)

STYLE = """
:root { color-scheme: light; font: 14px/1.4 system-ui, "Segoe UI", sans-serif; color: #1f2328; }
body { margin: 1.5rem; }
main { overflow-x: auto; }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
.generated { color: #59636e; margin: 0 0 1rem; }
.summary { display: flex; flex-wrap: wrap; gap: .5rem; list-style: none; padding: 0; margin: 0 0 1rem; }
.chip { font: inherit; border: 1px solid; border-radius: 1rem; padding: .2rem .8rem; cursor: pointer; }
.chip .count { font-weight: 700; margin-right: .3rem; }
.chip[aria-pressed="true"] { outline: 2px solid #0969da; outline-offset: 1px; }
.filters { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; margin-bottom: .75rem; }
.filters input, .filters select { font: inherit; padding: .2rem .4rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .35rem .6rem; border-bottom: 1px solid #d1d9e0; }
thead th { background: #f6f8fa; white-space: nowrap; }
thead button { font: inherit; font-weight: 700; border: 0; background: none; padding: 0; cursor: pointer; }
thead th[aria-sort="ascending"] button::after { content: " \\25B2"; }
thead th[aria-sort="descending"] button::after { content: " \\25BC"; }
tbody th { font-weight: 600; }
.status { display: inline-block; border: 1px solid; border-radius: .3rem; padding: 0 .4rem; white-space: nowrap; }
.sev-ok { background: #dafbe1; border-color: #1a7f37; color: #116329; }
.sev-warning { background: #fff8c5; border-color: #9a6700; color: #7d4e00; }
.sev-error { background: #ffebe9; border-color: #cf222e; color: #a40e26; }
.sev-unknown { background: #eff2f5; border-color: #59636e; color: #3d444d; }
ul.reasons { margin: 0; padding-left: 1.1rem; }
caption { text-align: left; padding-bottom: .4rem; }
td time { white-space: nowrap; }
.muted { color: #59636e; }
"""

SCRIPT = """
(function () {
  "use strict";
  var table = document.getElementById("servers");
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var text = document.getElementById("filter-text");
  var status = document.getElementById("filter-status");
  var chips = Array.prototype.slice.call(document.querySelectorAll("[data-filter-status]"));
  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
  rows.forEach(function (row, index) { row.setAttribute("data-index", String(index)); });

  function apply() {
    var needle = text.value.trim().toLowerCase();
    var wanted = status.value;
    var shown = 0;
    rows.forEach(function (row) {
      var visible = (!wanted || row.getAttribute("data-status") === wanted) &&
        (!needle || row.textContent.toLowerCase().indexOf(needle) !== -1);
      row.hidden = !visible;
      if (visible) { shown += 1; }
    });
    document.getElementById("shown").textContent = String(shown);
    document.getElementById("no-match").hidden = shown !== 0;
    chips.forEach(function (chip) {
      chip.setAttribute("aria-pressed", String(chip.getAttribute("data-filter-status") === wanted));
    });
  }

  function sortBy(th, index) {
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    headers.forEach(function (other) { other.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    rows.slice().sort(function (a, b) {
      var x = a.cells[index].getAttribute("data-sort");
      var y = b.cells[index].getAttribute("data-sort");
      var order = x < y ? -1 : (x > y ? 1 : 0);
      return (ascending ? order : -order) || (a.getAttribute("data-index") - b.getAttribute("data-index"));
    }).forEach(function (row) { body.appendChild(row); });
  }

  text.addEventListener("input", apply);
  status.addEventListener("change", apply);
  chips.forEach(function (chip) {
    chip.addEventListener("click", function () {
      var value = chip.getAttribute("data-filter-status");
      status.value = status.value === value ? "" : value;
      apply();
    });
  });
  headers.forEach(function (th, index) {
    th.querySelector("button").addEventListener("click", function () { sortBy(th, index); });
  });
  apply();
}());
"""


def _hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


CSP = (
    f"default-src 'none'; style-src {_hash(STYLE)}; script-src {_hash(SCRIPT)}; "
    "img-src 'none'; base-uri 'none'; form-action 'none'"
)


def _attr(value: str) -> str:
    return escape(value, quote=True)


def _sort_keys(row: Row) -> dict[str, str]:
    """What each column sorts by: case-insensitive text; manageability by severity, then Server Manager's order."""
    rank = status_rank(row.manageability)
    return {
        "name": row.sort_key,
        "addresses": " ".join(row.addresses).casefold(),
        "manageability": f"{rank[0]}{rank[1]:03d}{row.manageability.casefold()}",
        "reasons": " ".join(row.reasons).casefold(),
        "os": row.os.casefold(),
        "wsman_stack": row.wsman_stack.casefold(),
        "last_update": row.last_update,
    }


def _cells(row: Row) -> list[str]:
    none = '<span class="muted">-</span>'
    reasons = "".join(f"<li>{escape(reason)}</li>" for reason in row.reasons)
    last_update = (
        f'<time datetime="{_attr(row.last_update)}">{escape(row.last_update)}</time>' if row.last_update else none
    )
    return [
        escape(row.name),
        "<br>".join(escape(address) for address in row.addresses) or none,
        f'<span class="status sev-{row.severity}">{escape(row.manageability)}</span>',
        f'<ul class="reasons">{reasons}</ul>' if reasons else none,
        escape(row.os) or none,
        escape(row.wsman_stack) or none,
        last_update,
    ]


def _row(row: Row) -> str:
    keys = _sort_keys(row)
    cells = []
    for (column, _label), content in zip(COLUMNS, _cells(row), strict=True):
        tag, scope = ("th", ' scope="row"') if column == "name" else ("td", "")
        cells.append(f'<{tag}{scope} data-sort="{_attr(keys[column])}">{content}</{tag}>')
    return f'<tr data-status="{_attr(row.manageability)}" data-severity="{row.severity}">' + "".join(cells) + "</tr>"


def _summary(report: Report) -> str:
    # A chip has its status' own colour (a "Not accessible" row is amber when the host answered, its chip stays red).
    chips = "".join(
        f'<li><button type="button" class="chip sev-{severity(status, None)}" data-filter-status="{_attr(status)}" '
        f'aria-pressed="false"><span class="count">{count}</span>{escape(status)}</button></li>'
        for status, count in report.counts.items()
    )
    return f'<ul class="summary" aria-label="Servers per status">{chips}</ul>'


def _filters(report: Report) -> str:
    options = "".join(
        f'<option value="{_attr(status)}">{escape(status)} ({count})</option>'
        for status, count in report.counts.items()
    )
    return (
        '<div class="filters">'
        '<label>Filter <input type="search" id="filter-text" placeholder="name, address, reason..."></label>'
        f'<label>Status <select id="filter-status"><option value="">All statuses</option>{options}</select></label>'
        f'<span role="status"><span id="shown">{len(report.rows)}</span> of {len(report.rows)} servers shown</span>'
        "</div>"
    )


def _table(report: Report) -> str:
    # The rows come sorted by name; the script moves aria-sort to the column last sorted.
    initial = ' aria-sort="ascending"'
    headers = "".join(
        f'<th scope="col"{initial if column == "name" else ""}><button type="button">{label}</button></th>'
        for column, label in COLUMNS
    )
    body = "\n".join(_row(row) for row in report.rows)
    return (
        f'<table id="servers"><caption class="muted">Sort by clicking a column header.</caption>'
        f"<thead><tr>{headers}</tr></thead>\n<tbody>\n{body}\n</tbody></table>"
        '<p id="no-match" class="muted" hidden>No server matches the filter.</p>'
    )


def render(report: Report) -> str:
    """The whole page; the same report always gives the same bytes."""
    title = escape(report.title)
    generated = (
        f'<p class="generated">Generated <time datetime="{_attr(report.generated_at)}">'
        f"{escape(report.generated_at)}</time></p>"
        if report.generated_at
        else ""
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_attr(CSP)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n"
        f"<h1>{title}</h1>\n{generated}\n{_summary(report)}\n{_filters(report)}\n{_table(report)}\n"
        f"</main>\n<script>{SCRIPT}</script>\n</body>\n</html>\n"
    )
