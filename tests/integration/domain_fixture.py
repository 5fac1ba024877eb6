# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""``samba_domain``: one throw-away Samba AD DC per test session (winsim.domain), on 127.0.0.1.

The DC lives in ``.work/domain/pytest-<pid>``. It is stopped at the end of the session, after failures, on
Ctrl-C (the fixture's ``finally``) and at interpreter exit (atexit); if the run is killed outright, samba sees its
standard input close and exits by itself, and the next run removes the left-over scratch dir
(``winsim.domain.clean_stale``). Without Samba the fixture fails, naming ``make domain-deps``: nothing skips.

Read ``samba_domain.users`` and join hosts when a test needs them: test_samba_domain's stop test provisions the
domain anew afterwards (new passwords, no joined hosts).
"""

from __future__ import annotations

import atexit
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from winsim import domain
from winsim.domain import Domain

REPO = Path(__file__).resolve().parents[2]
DOMAIN_ROOT = REPO / ".work" / "domain"
# What provisioning must leave alone (Samba's own defaults would write there).
SYSTEM_PATHS = (Path("/etc/krb5.conf"), Path("/etc/samba"), Path("/var/lib/samba/private"), Path("/run/samba"))


def system_snapshot() -> dict[str, str]:
    """Every file under SYSTEM_PATHS with a digest of its content ("absent" for a missing path)."""
    found: dict[str, str] = {}
    for root in SYSTEM_PATHS:
        if not root.exists():
            found[str(root)] = "absent"
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            try:
                found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
            except OSError as err:
                found[str(path)] = f"unreadable: {err.strerror}"
    return found


BEFORE: dict[str, str] = {}  # system_snapshot() before the session's first provision


def bring_up(dc: Domain) -> Domain:
    """Provision and start the DC with the default users (wradmin in Domain Admins, wruser not)."""
    dc.provision()
    dc.start()
    dc.add_default_users()
    return dc


@pytest.fixture(scope="session")
def samba_domain() -> Iterator[Domain]:
    missing = domain.missing_tools()
    if missing:
        pytest.fail(f"Samba is not installed ({', '.join(missing)} missing): run 'make domain-deps'", pytrace=False)
    domain.clean_stale(DOMAIN_ROOT)
    BEFORE.update(system_snapshot())
    dc = Domain(DOMAIN_ROOT / f"pytest-{os.getpid()}")
    atexit.register(dc.stop)
    try:
        yield bring_up(dc)
    finally:
        dc.stop()
        atexit.unregister(dc.stop)
