# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The address allocator: blocks that skip .0/.255, and second octets claimed per process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from winsim import addresses


def test_block_skips_network_and_broadcast_octets() -> None:
    assert addresses.block("127.5.0.253", 3) == ["127.5.0.253", "127.5.0.254", "127.5.1.1"]


def test_a_claimed_octet_is_not_handed_out_again(tmp_path: Path) -> None:
    assert addresses.claim_octet([5, 6], str(tmp_path)) == 5
    assert addresses.claim_octet([5, 6], str(tmp_path)) == 6
    with pytest.raises(RuntimeError, match="claimed by another process"):
        addresses.claim_octet([5, 6], str(tmp_path))


def test_another_process_gets_another_octet_until_the_first_ends(tmp_path: Path) -> None:
    code = (
        "import sys; from winsim import addresses; "
        f"print(addresses.claim_octet([7, 8], {str(tmp_path)!r})); sys.stdout.flush(); sys.stdin.read()"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "7"
        assert addresses.claim_octet([7, 8], str(tmp_path)) == 8
    finally:
        holder.communicate("", timeout=30)
    assert addresses.claim_octet([7], str(tmp_path)) == 7
