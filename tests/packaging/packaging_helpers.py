# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Helpers for the packaging tests: the repository as a fresh clone would hold it, and the venv's tools."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def tool(name: str) -> str:
    """Path of a console script installed beside the interpreter running the tests (the venv's own)."""
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed in this environment (make venv installs it)")
    return found


def repository_files(root: Path) -> list[str]:
    """Files a clone of ``root`` would contain (tracked, or new and not ignored), relative to it."""
    listing = subprocess.run(
        ["git", "-C", str(root), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        check=True,
        capture_output=True,
    ).stdout.decode()
    return sorted({name for name in listing.split("\0") if name and (root / name).is_file()})


def copy_repository(root: Path, copy: Path) -> Path:
    """Copy what a clone of ``root`` would contain into ``copy``."""
    for name in repository_files(root):
        target = copy / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, target)
    return copy


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without the Makefile's collection paths, so only what a command is given is used."""
    env = {key: value for key, value in os.environ.items() if key not in {"ANSIBLE_COLLECTIONS_PATH", "PYTHONPATH"}}
    env.update(extra)
    return env


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run a command; a failure fails the test with the command's output."""
    result = subprocess.run(args, cwd=cwd, env=env or clean_env(), capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"{' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    return result
