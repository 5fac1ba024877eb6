# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What `ansible-galaxy collection build` puts in the collection tarball, built from a clone-like copy.

The copy is first littered with what a working checkout accumulates (simulator build output, egg-info, tool
caches, ansible-lint's .ansible/, antsibull-changelog's plugin cache, ansible-test output, ansible-builder's
default context/), so the test proves galaxy.yml's build_ignore keeps them out rather than relying on a clean
tree.
"""

from __future__ import annotations

import json
import shutil
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from packaging_helpers import REPO, run, tool

LITTER = (
    "tests/winsim/build/lib/winsim/__init__.py",
    "tests/winsim/winsim.egg-info/PKG-INFO",
    ".ansible/collections/ansible_collections/placeholder.txt",
    "extensions/.ansible/roles/placeholder.txt",
    "changelogs/.plugin-cache.yaml",
    "tests/output/junit/result.xml",
    ".pytest_cache/v/cache/lastfailed",
    ".mypy_cache/3.13/cache.db",
    ".ruff_cache/content",
    "tests/unit/.pytest_cache/README.md",
    "plugins/plugin_utils/__pycache__/connection.cpython-313.pyc",
    ".work/ee/winremote-remoting.tar.gz",
    ".venv/pyvenv.cfg",
    "importer_result.json",
    "context/_build/requirements.yml",
)

# Never in a tarball, whatever the tree holds: directory names anywhere, name endings, paths from the root.
FORBIDDEN_DIRS = {".ansible", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".work", ".venv"}
FORBIDDEN_ENDINGS = (".egg-info", ".pyc", ".tar.gz")
FORBIDDEN_PATHS = (
    "tests/winsim/build",
    "tests/output",
    "changelogs/.plugin-cache.yaml",
    "importer_result.json",
    "context",
)


def forbidden(name: str) -> bool:
    parts = name.split("/")
    return any(part in FORBIDDEN_DIRS or part.endswith(FORBIDDEN_ENDINGS) for part in parts) or any(
        name == path or name.startswith(path + "/") for path in FORBIDDEN_PATHS
    )


@pytest.fixture(scope="module")
def tarball(fresh_copy: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tarfile.TarFile]:
    """The tarball built from a littered copy of the repository."""
    work = tmp_path_factory.mktemp("build")
    tree = work / "ansible_collections" / "winremote" / "remoting"
    shutil.copytree(fresh_copy, tree)
    for name in LITTER:
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        (tree / name).write_text("build output, not collection content\n")
    run([tool("ansible-galaxy"), "collection", "build", "--output-path", str(work / "dist"), str(tree)], cwd=work)
    (built,) = (work / "dist").glob("winremote-remoting-*.tar.gz")
    with tarfile.open(built) as archive:
        yield archive


def members(archive: tarfile.TarFile) -> set[str]:
    return {member.name for member in archive.getmembers()}


def read_json(archive: tarfile.TarFile, name: str) -> dict:
    extracted = archive.extractfile(name)
    assert extracted is not None, name
    return json.load(extracted)


def test_licence_text_ships_as_copying(tarball: tarfile.TarFile) -> None:
    extracted = tarball.extractfile("COPYING")
    assert extracted is not None
    text = extracted.read()
    assert text == (REPO / "COPYING").read_bytes()
    assert text.lstrip().startswith(b"GNU GENERAL PUBLIC LICENSE\n                       Version 3, 29 June 2007")


def test_manifest_declares_the_spdx_licence(tarball: tarfile.TarFile) -> None:
    info = read_json(tarball, "MANIFEST.json")["collection_info"]
    assert info["license"] == ["GPL-3.0-or-later"]
    assert info["license_file"] is None
    listed = {entry["name"] for entry in read_json(tarball, "FILES.json")["files"]}
    assert "COPYING" in listed


def test_role_readme_ships(tarball: tarfile.TarFile) -> None:
    assert "roles/remote_management/README.md" in members(tarball)


def test_no_build_outputs_or_caches(tarball: tarfile.TarFile) -> None:
    leaked = sorted(name for name in members(tarball) if forbidden(name))
    assert leaked == []


def test_tests_and_simulator_ship(tarball: tarfile.TarFile) -> None:
    """tests/unit and tests/integration import the simulator, so it ships with them (docs/development.md)."""
    names = members(tarball)
    assert "tests/winsim/winsim/__init__.py" in names
    assert "tests/winsim/pyproject.toml" in names
    assert any(name.startswith("tests/unit/") for name in names)
    assert any(name.startswith("tests/integration/") for name in names)


def test_repository_only_tooling_stays_out(tarball: tarfile.TarFile) -> None:
    names = members(tarball)
    assert not any(name.startswith((".ci/", "bench/")) for name in names)
