# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Fixtures for the integration tests; the helpers they use live in simhosts.py."""

from __future__ import annotations

from domain_fixture import samba_domain
from simhosts import start_host

__all__ = ["samba_domain", "start_host"]
