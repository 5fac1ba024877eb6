# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""bindep.txt as bindep evaluates it: what building and running the Kerberos extra needs on rpm and dpkg systems.

ansible-builder installs the `compile` profile in its build stage and the default profile in the final image;
`bindep` / `bindep compile` on a controller do the same selection.
"""

from __future__ import annotations

import pytest
from packaging_helpers import REPO

depends = pytest.importorskip("bindep.depends", reason="bindep comes with ansible-builder (make venv)")

RUNTIME = {
    "rpm": {"ca-certificates", "krb5-libs", "krb5-workstation"},
    "dpkg": {"ca-certificates", "libgssapi-krb5-2", "libkrb5-3", "krb5-user"},
}
BUILD_ONLY = {
    "rpm": {"gcc", "krb5-devel", "python3-devel"},
    "dpkg": {"gcc", "libkrb5-dev", "python3-dev"},
}


def selected(platform: str, profile: str) -> set[str]:
    rules = depends.Depends((REPO / "bindep.txt").read_text()).active_rules([f"platform:{platform}", profile])
    return {rule[0] for rule in rules}


@pytest.mark.parametrize("platform", ["rpm", "dpkg"])
def test_image_gets_the_kerberos_runtime_without_compilers(platform: str) -> None:
    assert selected(platform, "default") == RUNTIME[platform]


@pytest.mark.parametrize("platform", ["rpm", "dpkg"])
def test_build_stage_gets_compiler_and_headers(platform: str) -> None:
    assert selected(platform, "compile") == RUNTIME[platform] | BUILD_ONLY[platform]
