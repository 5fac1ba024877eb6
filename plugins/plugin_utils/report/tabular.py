# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The report as JSON (for tools) and CSV (for spreadsheets), both byte-for-byte the same for the same rows.

CSV cells that a spreadsheet would run as a formula get a leading apostrophe, as OWASP's "CSV Injection"
(https://owasp.org/www-community/attacks/CSV_Injection) recommends: server names and reasons come from the
hosts and their directory, not from the person opening the file.
"""

from __future__ import annotations

import csv
import io
import json

from ansible_collections.winremote.remoting.plugins.plugin_utils.report.rows import Report, Row

CSV_COLUMNS = (
    "name",
    "addresses",
    "manageability",
    "reasons",
    "os",
    "os_version",
    "os_release",
    "wsman_stack",
    "last_update",
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def to_json(report: Report) -> str:
    data: dict[str, object] = {
        "title": report.title,
        "total": len(report.rows),
        "counts": report.counts,
        "servers": [row.to_dict() for row in report.rows],
    }
    if report.generated_at:
        data["generated_at"] = report.generated_at
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def safe_cell(value: str) -> str:
    """``=HYPERLINK(...)`` -> ``'=HYPERLINK(...)``: shown as text by Excel, LibreOffice and Google Sheets."""
    return "'" + value if value.startswith(FORMULA_START) else value


def _cells(row: Row) -> list[str]:
    values = {
        **row.to_dict(),
        "addresses": " ".join(row.addresses),
        "reasons": "; ".join(row.reasons),
    }
    return [safe_cell(str(values[column])) for column in CSV_COLUMNS]


def to_csv(report: Report) -> str:
    """RFC 4180 CSV (CRLF line ends, a header line), UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(CSV_COLUMNS)
    writer.writerows(_cells(row) for row in report.rows)
    return out.getvalue()
