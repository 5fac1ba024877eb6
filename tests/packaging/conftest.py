# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Fixtures for the packaging tests: a clone-like copy of the repository to build from.

The copy holds the files git tracks plus untracked files that .gitignore does not exclude, so uncommitted edits
are tested too, and nothing that only exists in this checkout (virtual environments, .work/, caches) can make a
test pass that a fresh clone would fail.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from packaging_helpers import REPO, copy_repository


@pytest.fixture(scope="session")
def fresh_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clone-like copy of the repository (read-only by convention: tests that change files make their own)."""
    probe = subprocess.run(["git", "-C", str(REPO), "rev-parse"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip("the packaging tests need a git checkout of the collection")
    return copy_repository(REPO, tmp_path_factory.mktemp("clone") / "remoting")
