# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Telling an absent registry key from one that could not be read, from exit codes and key paths only: each read
runs through the simulator's cmd.exe and reg.exe against a HostState whose keys are missing or refuse reading."""

from __future__ import annotations

import pytest

from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import key_reads
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import batch
from ansible_collections.winremote.remoting.tests.unit.simulated import InProcessClient
from winsim import HostState, ops

POLICY = r"HKLM\SOFTWARE\Policies\Microsoft\Windows\WinRM\Service"
CURRENT_VERSION = r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion"


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


def host() -> HostState:
    return HostState.from_profile("2019", hostname="SIM2019")


def read(state: HostState, name: str, key: str, may_be_absent: bool = True) -> key_reads.Presence:
    """Run the key's read (and its proof) through the simulator's cmd.exe, and judge the output."""
    probe = key_reads.key_probe(name, key, may_be_absent=may_be_absent)
    return key_reads.presence(batch.run(InProcessClient(state), [probe]), name, key, may_be_absent=may_be_absent)


def test_a_key_that_answered_is_read() -> None:
    state = host()
    ops.write_value(state, POLICY, "AllowAutoConfig", "REG_DWORD", 1)
    found = read(state, "policy", POLICY, may_be_absent=False)
    assert found.state == key_reads.READ


def test_a_key_missing_from_its_readable_parent_is_absent() -> None:
    state = host()
    ops.create_key(state, r"HKLM\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate")
    ops.create_key(state, r"HKLM\SOFTWARE\Policies\Microsoft\Windows\WinRMX")  # a longer name is another key
    assert read(state, "policy", POLICY).state == key_reads.ABSENT


@pytest.mark.parametrize("listed", ["HKEY_LOCAL_MACHINE", "HKLM"])
def test_a_key_its_parent_lists_but_that_failed_is_unread(listed: str) -> None:
    state = host()
    ops.create_key(state, r"HKLM\SOFTWARE\Policies\Microsoft\Windows\WinRM\service")  # case-insensitive
    state.registry.deny_read(POLICY)
    probe = key_reads.key_probe("policy", POLICY, may_be_absent=True)
    output = InProcessClient(state).run_command("cmd.exe", ["/c", batch.command_line([probe])]).stdout
    out = result(*output.replace("HKEY_LOCAL_MACHINE\\", f"{listed}\\").splitlines())  # either spelling
    found = key_reads.presence(out, "policy", POLICY, may_be_absent=True)
    assert found.state == key_reads.UNREAD
    reason = f"{POLICY} exists but reg.exe could not read it (access denied?)"
    assert found.message() == f"{POLICY} could not be read: {reason}"


def test_a_missing_part_of_the_path_that_exists_but_failed_is_unread() -> None:
    """WinRM exists under a readable Windows key but could not be listed: Service may exist below it."""
    state = host()
    ops.create_key(state, r"HKLM\SOFTWARE\Policies\Microsoft\Windows\WinRM")
    state.registry.deny_read(r"HKLM\SOFTWARE\Policies\Microsoft\Windows\WinRM")
    assert read(state, "policy", POLICY).state == key_reads.UNREAD


def test_no_readable_level_is_unread() -> None:
    state = host()
    ops.create_key(state, r"HKLM\SOFTWARE\Policies\Microsoft\Windows")
    for key in key_reads.parents(POLICY)[1:]:  # WinRM is not there; every level above it refuses reading
        state.registry.deny_read(key)
    found = read(state, "policy", POLICY)
    assert found.state == key_reads.UNREAD and "HKLM\\SOFTWARE\\Policies" in found.reason


def test_a_key_every_windows_has_is_never_absent() -> None:
    state = host()
    state.registry.deny_read(CURRENT_VERSION)
    found = read(state, "os", CURRENT_VERSION, may_be_absent=False)
    assert found.state == key_reads.UNREAD


def test_output_that_ended_early_is_unread() -> None:
    assert key_reads.presence(result(), "policy", POLICY, may_be_absent=True).state == key_reads.UNREAD
