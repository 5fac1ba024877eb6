# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Ansible's own floor: a copy of a playbook whose role tasks are all replaced by ``ansible.builtin.debug``.

The copy is generated from the real playbook and role at run time, so it keeps their shape when they change:
same plays, same ``hosts``/``gather_facts``/vars, same tasks in the same order with the same ``when``, ``loop``
and ``register``, the same ``include_tasks`` structure, and one debug task standing in for the argument-spec
validation task that Ansible inserts in front of a role that has ``meta/argument_specs.yml``.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

# Task keywords that shape execution and are kept; everything else that is not a keyword is the action.
KEPT_KEYWORDS = {"name", "when", "loop", "loop_control", "register", "check_mode", "vars", "tags"}
INCLUDES = {"include_tasks", "ansible.builtin.include_tasks", "import_tasks", "ansible.builtin.import_tasks"}
FLOOR_ROLE = "bench_floor"


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _dump(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("---\n" + yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def floor_task(task: dict[str, Any], role_tasks: Path, out_tasks: Path) -> dict[str, Any]:
    """The debug stand-in of one task; an include keeps its keyword and gets its file converted too."""
    kept = {k: v for k, v in task.items() if k in KEPT_KEYWORDS}
    action = next((k for k in task if k not in KEPT_KEYWORDS), None)
    if action in INCLUDES:
        included = str(task[action])
        convert_tasks_file(role_tasks / included, role_tasks, out_tasks / included)
        return {**kept, action: included}
    return {"name": kept.pop("name", action), "ansible.builtin.debug": {"msg": f"floor: {action}"}, **kept}


def convert_tasks_file(source: Path, role_tasks: Path, target: Path) -> None:
    tasks = _load(source) or []
    _dump(target, [floor_task(task, role_tasks, target.parent) for task in tasks])


def build_floor_role(role_dir: Path, out_role: Path) -> None:
    """tasks/ converted, defaults/ copied, no argument_specs (its validation task becomes a debug task)."""
    if out_role.exists():
        shutil.rmtree(out_role)
    role_tasks = role_dir / "tasks"
    convert_tasks_file(role_tasks / "main.yml", role_tasks, out_role / "tasks" / "main.yml")
    if (role_dir / "meta" / "argument_specs.yml").exists():
        main = out_role / "tasks" / "main.yml"
        validate = {"name": "Validating arguments against arg spec (stand-in)", "ansible.builtin.debug": {"msg": "x"}}
        _dump(main, [validate, *(_load(main) or [])])
    if (role_dir / "defaults").is_dir():
        shutil.copytree(role_dir / "defaults", out_role / "defaults")


def build_floor_playbook(playbook: Path, role_dir: Path, role_name: str, out_dir: Path) -> Path:
    """Write ``out_dir/floor.yml`` (plus ``out_dir/roles/bench_floor``) mirroring ``playbook``."""
    plays = _load(playbook)
    for play in plays:
        roles = []
        for entry in play.get("roles", []):
            name = entry if isinstance(entry, str) else entry.get("role")
            if name != role_name:
                raise ValueError(f"{playbook} uses role {name!r}; only {role_name} has a floor")
            roles.append({**entry, "role": FLOOR_ROLE} if isinstance(entry, dict) else FLOOR_ROLE)
        if roles:
            play["roles"] = roles
        if play.get("tasks") or play.get("pre_tasks") or play.get("post_tasks"):
            raise ValueError(f"{playbook}: play-level tasks are not mirrored; add them to bench/floor.py")
    build_floor_role(role_dir, out_dir / "roles" / FLOOR_ROLE)
    target = out_dir / "floor.yml"
    _dump(target, plays)
    return target
