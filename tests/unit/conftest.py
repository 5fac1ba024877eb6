# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Make the simulator importable for the unit tests that use it, also where it is not pip-installed.

`make unit` installs it (`pip install -e tests/winsim`); `ansible-test units` runs these tests in a virtual
environment of its own from an installed collection tree, where only tests/unit/requirements.txt is installed.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

SIMULATOR_SOURCE = Path(__file__).resolve().parents[1] / "winsim"

if importlib.util.find_spec("winsim") is None and SIMULATOR_SOURCE.is_dir():
    sys.path.append(str(SIMULATOR_SOURCE))

# tests/unit/simulated.py (an in-process client of the simulator) is imported by tests in subdirectories; ansible-test
# units imports test modules in a mode that does not put this directory on the path by itself.
UNIT_DIR = str(Path(__file__).resolve().parent)
if UNIT_DIR not in sys.path:
    sys.path.insert(0, UNIT_DIR)
