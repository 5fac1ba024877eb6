# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action plugin of winremote.remoting.server_list: edit Server Manager's server pool file on the controller."""

from __future__ import annotations

import typing as t

from ansible_collections.winremote.remoting.plugins.module_utils._specs import SERVER_LIST
from ansible_collections.winremote.remoting.plugins.plugin_utils import server_list
from ansible_collections.winremote.remoting.plugins.plugin_utils.action import ControllerAction


class ActionModule(ControllerAction):
    ARGUMENT_SPEC = SERVER_LIST
    FAILURES = (server_list.ServerListError,)

    def failure_message(self, args: dict[str, t.Any], error: Exception) -> str:
        kept = "" if "left unchanged" in str(error) else "; the file was left unchanged"
        return f"{args['path']}: {error}{kept}"

    def run_local(self, args: dict[str, t.Any], result: dict[str, t.Any]) -> None:
        path: str = args["path"]
        names = [n.strip() for n in args["servers"]]
        result["path"] = path
        _check_names(names, args["group"])
        original = server_list.read(path)
        if original is None and not (args["create"] and args["state"] == "present"):
            if args["state"] == "absent":
                result.update(changed=False, servers=[], groups={})
                return
            raise server_list.ServerListError("the file does not exist; set create=true to create it")
        current = server_list.parse(original if original is not None else server_list.new_document())
        if args["state"] == "present":
            data = server_list.add_servers(current, names, args["group"])
        else:
            data = server_list.remove_servers(current, names, args["group"])
        if data is None and original is None:
            data = server_list.new_document()
        after = server_list.parse(data) if data is not None else current
        if data is not None and self._task.diff:
            before_text = current.text if original is not None else ""
            result["diff"] = {
                "before": before_text,
                "after": after.text,
                "before_header": path if original is not None else f"{path} (absent)",
                "after_header": path,
            }
        if data is not None and not self._task.check_mode:
            backup_file = server_list.write(path, data, original, args["backup"])
            if backup_file:
                result["backup_file"] = backup_file
        result.update(
            changed=data is not None,
            servers=[s.name for s in after.servers],
            groups={g.name: list(g.members) for g in after.groups},
            changes=_changes(current, after) if data is not None else [],
        )


def _check_names(names: list[str], group: str | None) -> None:
    """Refuse what no DNS or NetBIOS name holds; a newline in an attribute would read back as a space."""
    for name in names:
        if not name or any(ch.isspace() or not ch.isprintable() for ch in name):
            raise server_list.ServerListError(
                f"servers: {name!r} is not a server name (empty, or holds whitespace or a control character)"
            )
    if group is not None and (not group.strip() or not group.isprintable()):
        raise server_list.ServerListError(f"group: {group!r} is empty or holds a control character")


def _changes(before: server_list.ServerList, after: server_list.ServerList) -> list[str]:
    """One sentence per server or membership added or removed."""
    had = {s.name.lower() for s in before.servers}
    has = {s.name.lower() for s in after.servers}
    out = [f"add server {s.name}" for s in after.servers if s.name.lower() not in had]
    out += [f"remove server {s.name}" for s in before.servers if s.name.lower() not in has]
    old = {(g.name, m.lower()) for g in before.groups for m in g.members}
    new = {(g.name, m.lower()) for g in after.groups for m in g.members}
    out += [f"add {m} to group {g.name}" for g in after.groups for m in g.members if (g.name, m.lower()) not in old]
    out += [
        f"remove {m} from group {g.name}" for g in before.groups for m in g.members if (g.name, m.lower()) not in new
    ]
    return out or ["create an empty server list"]
