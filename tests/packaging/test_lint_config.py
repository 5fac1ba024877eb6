# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""ansible-lint's stand-ins for the collection's own content (.ansible-lint) name exactly what the collection has.

A module or role missing from the lists makes `ansible-lint` fail in a fresh clone (it cannot resolve it offline);
a stale entry would hide a removed module from the playbooks that still use it.
"""

from __future__ import annotations

import yaml
from packaging_helpers import REPO


def test_mocks_match_the_collection_content() -> None:
    config = yaml.safe_load((REPO / ".ansible-lint").read_text())
    modules = {f"winremote.remoting.{path.stem}" for path in (REPO / "plugins/modules").glob("*.py")}
    modules.discard("winremote.remoting.__init__")
    roles = {f"winremote.remoting.{path.name}" for path in (REPO / "roles").iterdir() if (path / "tasks").is_dir()}
    assert set(config["mock_modules"]) == modules
    assert set(config["mock_roles"]) == roles
    assert config["offline"] is True
