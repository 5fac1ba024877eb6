# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Telling an absent registry key from one that could not be read, from exit codes and key paths only."""

from __future__ import annotations

import pytest

from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import key_reads
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import batch

POLICY = r"HKLM\SOFTWARE\Policies\Microsoft\Windows\WinRM\Service"


def marker(name: str) -> str:
    return f"{batch.MARKER_PREFIX}{name}{batch.MARKER_SUFFIX}"


def result(*lines: str) -> batch.BatchResult:
    return batch.BatchResult(batch.split_sections("\r\n".join(lines)), "", 1)


def test_parents_stop_at_the_anchor() -> None:
    assert key_reads.parents(POLICY) == [
        r"HKLM\SOFTWARE\Policies\Microsoft\Windows\WinRM",
        r"HKLM\SOFTWARE\Policies\Microsoft\Windows",
        r"HKLM\SOFTWARE\Policies\Microsoft",
        r"HKLM\SOFTWARE\Policies",
    ]
    assert key_reads.parents(r"HKLM\SOFTWARE\Policies") == []  # an anchor is never proved absent
    assert key_reads.parents(r"HKLM\SOFTWARE\Contoso\App") == []  # not under an anchor: no proof offered


def test_the_proof_runs_only_after_a_failed_read() -> None:
    command = key_reads.key_probe("policy", POLICY, may_be_absent=True).command
    read, _sep, trail = command.partition(" || ")
    assert read == f'reg query "{POLICY}" && echo {marker("policy.ok")}'
    # nearest parent first; a deeper level runs only when the one below could not be listed
    assert (
        trail.index(marker("policy.list1")) < trail.index(marker("policy.list2")) < trail.index(marker("policy.list4"))
    )
    assert trail.count("reg query") == 4 and trail.count("(") == trail.count(")")
    presence = key_reads.presence_probe("fw.key", POLICY).command
    assert presence == f'reg query "{POLICY}" >nul 2>&1 && echo {marker("fw.key.ok")}'


def test_a_key_that_answered_is_read() -> None:
    found = key_reads.presence(result(marker("policy"), "HKEY_LOCAL_MACHINE\\X", marker("policy.ok")), "policy", POLICY)
    assert found.state == key_reads.READ


def test_a_key_missing_from_its_readable_parent_is_absent() -> None:
    out = result(
        marker("policy"),
        marker("policy.list1"),
        marker("policy.list2"),
        "",
        "HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\WindowsUpdate",
        "HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\WinRMX",  # a longer name is another key
        marker("policy.read2"),
    )
    assert key_reads.presence(out, "policy", POLICY, may_be_absent=True).state == key_reads.ABSENT


@pytest.mark.parametrize("listed", ["HKEY_LOCAL_MACHINE", "HKLM"])
def test_a_key_its_parent_lists_but_that_failed_is_unread(listed: str) -> None:
    out = result(
        marker("policy"),
        marker("policy.list1"),
        "",
        f"{listed}\\SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\service",  # case-insensitive, either spelling
        marker("policy.read1"),
    )
    found = key_reads.presence(out, "policy", POLICY, may_be_absent=True)
    assert found.state == key_reads.UNREAD
    reason = f"{POLICY} exists but reg.exe could not read it (access denied?)"
    assert found.message() == f"{POLICY} could not be read: {reason}"


def test_a_missing_part_of_the_path_that_exists_but_failed_is_unread() -> None:
    """WinRM exists under a readable Windows key but could not be listed: Service may exist below it."""
    out = result(
        marker("policy"),
        marker("policy.list1"),
        marker("policy.list2"),
        "HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM",
        marker("policy.read2"),
    )
    assert key_reads.presence(out, "policy", POLICY, may_be_absent=True).state == key_reads.UNREAD


def test_no_readable_level_is_unread() -> None:
    out = result(marker("policy"), *(marker(f"policy.list{n}") for n in range(1, 5)))
    found = key_reads.presence(out, "policy", POLICY, may_be_absent=True)
    assert found.state == key_reads.UNREAD and "HKLM\\SOFTWARE\\Policies" in found.reason


def test_a_key_every_windows_has_is_never_absent() -> None:
    found = key_reads.presence(result(marker("os")), "os", r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion")
    assert found.state == key_reads.UNREAD


def test_output_that_ended_early_is_unread() -> None:
    assert key_reads.presence(result(), "policy", POLICY, may_be_absent=True).state == key_reads.UNREAD
