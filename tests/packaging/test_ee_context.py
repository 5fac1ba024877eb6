# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The execution environment from a fresh clone: the command execution-environment.yml documents gives a complete
build context, without `make` or anything built before.

No container runtime is needed: the test does what the image build's galaxy and builder stages do with the
context (install the collection from it with ansible-galaxy, then ansible-builder's introspection) on this host.
"""

from __future__ import annotations

import shutil
import tarfile
from pathlib import Path

import pytest
import yaml
from packaging_helpers import REPO, clean_env, run, tool

COLLECTION_SRC = Path("_build/src/winremote/remoting")
# In the published tarball but deliberately not in the image: tests and contributor tooling.
NOT_IN_IMAGE = {
    "tests",
    "extensions",
    "Makefile",
    "pyproject.toml",
    ".ansible-lint",
    ".yamllint",
    ".gitignore",
    "execution-environment.yml",
    "requirements-dev.txt",
}


@pytest.fixture(scope="module")
def context(fresh_copy: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`ansible-builder create --file execution-environment.yml --context <dir>` run in the fresh copy."""
    work = tmp_path_factory.mktemp("ee")
    result = run(
        [tool("ansible-builder"), "create", "--file", "execution-environment.yml", "--context", str(work / "context")],
        cwd=fresh_copy,
    )
    output = result.stdout + result.stderr
    assert "No matches" not in output
    assert "does not exist" not in output
    return work / "context"


@pytest.fixture(scope="module")
def installed(context: Path) -> Path:
    """The collection installed from the context the way the image's galaxy stage does (offline)."""
    target = context.parent / "installed"
    run(
        [tool("ansible-galaxy"), "collection", "install", "--offline", "-r", "requirements.yml", "-p", str(target)],
        cwd=context / "_build",
        env=clean_env(ANSIBLE_COLLECTIONS_PATH=str(target)),
    )
    return target / "ansible_collections" / "winremote" / "remoting"


@pytest.fixture(scope="module")
def tarball_names(fresh_copy: Path, tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """File names in the collection tarball built from the same copy."""
    work = tmp_path_factory.mktemp("ee-tarball")
    tree = work / "ansible_collections" / "winremote" / "remoting"
    shutil.copytree(fresh_copy, tree)
    run([tool("ansible-galaxy"), "collection", "build", "--output-path", str(work / "dist"), str(tree)], cwd=work)
    (built,) = (work / "dist").glob("winremote-remoting-*.tar.gz")
    with tarfile.open(built) as archive:
        return {member.name for member in archive.getmembers() if member.isfile()}


def test_context_holds_the_collection_source(context: Path) -> None:
    requirements = yaml.safe_load((context / "_build/requirements.yml").read_text())
    assert requirements["collections"] == [{"name": str(COLLECTION_SRC.relative_to("_build")), "type": "dir"}]
    for name in ("galaxy.yml", "COPYING", "requirements.txt", "bindep.txt", "meta/execution-environment.yml"):
        assert (context / COLLECTION_SRC / name).read_bytes() == (REPO / name).read_bytes(), name
    dockerfile = (context / "Dockerfile").read_text()
    assert "COPY _build /build" in dockerfile
    assert "ansible-galaxy collection install $ANSIBLE_GALAXY_CLI_COLLECTION_OPTS -r requirements.yml" in dockerfile


def test_image_gets_everything_the_tarball_ships_but_tests(installed: Path, tarball_names: set[str]) -> None:
    installed_names = {str(path.relative_to(installed)) for path in installed.rglob("*") if path.is_file()} - {
        "MANIFEST.json",
        "FILES.json",
    }
    expected = {name for name in tarball_names if name.split("/", 1)[0] not in NOT_IN_IMAGE}
    expected -= {"MANIFEST.json", "FILES.json"}
    assert sorted(expected - installed_names) == [], "add these to additional_build_files"
    assert sorted(installed_names - expected) == []


def test_image_requirements_as_the_collection_declares_them(context: Path, installed: Path) -> None:
    """ansible-builder's introspection (its builder stage) combines the collection's files with the EE's own."""
    out = context.parent / "introspect"
    run(
        [
            tool("ansible-builder"),
            "introspect",
            str(installed.parents[2]),
            "--user-pip",
            str(context / "_build/requirements.txt"),
            "--user-bindep",
            str(context / "_build/bindep.txt"),
            "--write-pip",
            str(out / "requirements.txt"),
            "--write-bindep",
            str(out / "bindep.txt"),
        ],
        cwd=context,
    )
    pip = [line.split("  # from", 1)[0] for line in (out / "requirements.txt").read_text().splitlines()]
    bindep = [line.split("  # from", 1)[0] for line in (out / "bindep.txt").read_text().splitlines()]
    for line in declared(REPO / "requirements.txt"):
        assert line in pip
    for line in declared(REPO / "bindep.txt"):
        assert line in bindep
    assert "pypsrp[kerberos,credssp]>=0.9,<1.0" in pip
    assert "python3.12-devel [compile platform:rpm]" in bindep


def declared(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]
