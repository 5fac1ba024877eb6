# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action plugin of winremote.remoting.fleet_report: write the fleet report on the controller, never touch a host."""

from __future__ import annotations

import os
import typing as t

from ansible_collections.winremote.remoting.plugins.module_utils._specs import FLEET_REPORT
from ansible_collections.winremote.remoting.plugins.plugin_utils.action import ControllerAction
from ansible_collections.winremote.remoting.plugins.plugin_utils.report import files, html, rows, tabular

RENDER: dict[str, t.Callable[[rows.Report], str]] = {
    "html": html.render,
    "json": tabular.to_json,
    "csv": tabular.to_csv,
}


class ActionModule(ControllerAction):
    ARGUMENT_SPEC = FLEET_REPORT
    FAILURES = (rows.ReportError, files.ReportFileError)

    def failure_message(self, args: dict[str, t.Any], error: Exception) -> str:
        return f"{error}; no report file was written"

    def run_local(self, args: dict[str, t.Any], result: dict[str, t.Any]) -> None:
        dest: str = args["dest"]
        formats = [name for name in RENDER if name in args["formats"]]
        result["dest"] = dest
        report = rows.build(args["servers"], args["title"], args["generated_at"])
        files.check_directory(dest)
        paths = {name: os.path.join(dest, f"fleet_report.{name}") for name in formats}
        contents = {name: RENDER[name](report).encode() for name in formats}
        before = {name: files.read(path) for name, path in paths.items()}
        changed = [name for name in formats if before[name] != contents[name]]
        diff = [_diff(paths[name], before[name], contents[name]) for name in changed if name != "html"]
        if diff and self._task.diff:
            result["diff"] = diff
        if changed and not self._task.check_mode:
            files.make_directory(dest)
            for name in changed:
                files.write(paths[name], contents[name], before[name])
        result.update(
            changed=bool(changed),
            files=paths,
            changed_files=[paths[name] for name in changed],
            counts=report.counts,
            total=len(report.rows),
        )


def _diff(path: str, before: bytes | None, after: bytes) -> dict[str, str]:
    """The JSON and CSV files as text; the HTML page shows the same rows and is left out."""
    return {
        "before": before.decode(errors="replace") if before is not None else "",
        "after": after.decode(),
        "before_header": path if before is not None else f"{path} (absent)",
        "after_header": path,
    }
