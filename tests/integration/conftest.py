# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Fixtures for the integration tests; the helpers they use live in simhosts.py."""

from __future__ import annotations

import os
import sys
from pathlib import Path

# Every Python process the tests start (ansible-playbook, ansible-inventory, their workers) loads the network
# guard (netguard/sitecustomize.py): names and addresses outside loopback fail instead of reaching the network.
GUARD = Path(__file__).resolve().parent / "netguard"
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(GUARD), os.environ.get("PYTHONPATH", "")) if p)
sys.path.insert(0, str(GUARD))
import sitecustomize  # noqa: E402

sitecustomize.install()  # the guard, for this process too
from domain_fixture import samba_domain  # noqa: E402
from simhosts import start_host  # noqa: E402

__all__ = ["samba_domain", "start_host"]
