# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""RootSDDL decides whether an administrator's network logon may use WinRM; `winrm set` of a config section (what a
rollback script runs) changes it like a WS-Transfer Put."""

from __future__ import annotations

import pytest

from winsim import profiles, rules, security
from winsim.contract import Identity
from winsim.state import POLICIES_SYSTEM, HostState
from winsim.wsman.commands import run_command


def _identity(user: str, domain: str = "", auth: str = "ntlm") -> Identity:
    return Identity(user=user, domain=domain, auth=auth, encrypted=True, tls=auth == "basic")


def _sid(state: HostState, user: str, domain: str = "") -> str:
    account = security.caller(state, user, domain)
    assert account is not None
    return security.account_sid(state, account)


def _state() -> HostState:
    state = HostState.from_profile("2019", hostname="SIMHOST")
    state.registry.set_value(POLICIES_SYSTEM, "LocalAccountTokenFilterPolicy", "REG_DWORD", 1)
    return state


def test_the_default_admits_every_administrator_as_before() -> None:
    state = _state()
    assert state.winrm_text("Service", "RootSDDL") == profiles.ROOT_SDDL
    assert rules.authorize(state, _identity("Administrator")) is None
    assert rules.authorize(state, _identity("localadmin")) is None
    assert rules.authorize(state, _identity("ansible", "WINREMOTE", "kerberos")) is None


def test_a_deny_entry_for_the_builtin_administrators_own_sid_refuses_it_only() -> None:
    state = _state()
    sid = _sid(state, "Administrator")
    state.winrm["Service"]["RootSDDL"] = profiles.ROOT_SDDL.replace("D:P", f"D:P(D;;GA;;;{sid})")
    assert rules.authorize(state, _identity("Administrator")) == "access_denied"  # not exempt
    assert rules.authorize(state, _identity("Administrator", "", "basic")) == "access_denied"
    assert rules.authorize(state, _identity("localadmin")) is None  # Administrators keep GA


@pytest.mark.parametrize(
    ("dacl", "admitted"),
    [
        ("D:P(A;;GX;;;BA)", True),  # Execute is enough
        ("D:P(A;;GR;;;BA)", False),  # Read alone is not
        ("D:P(A;;GA;;;IU)", False),  # a network logon holds no INTERACTIVE
        ("D:P(A;;GA;;;NU)", True),  # ... but NETWORK
        ("D:P(D;;GX;;;BA)(A;;GA;;;WD)", False),  # a deny entry first ends the walk
        ("D:P", False),  # an empty DACL admits nobody
    ],
)
def test_root_sddl_needs_execute_for_the_callers_token(dacl: str, admitted: bool) -> None:
    state = _state()
    state.winrm["Service"]["RootSDDL"] = f"O:NSG:BA{dacl}"
    expected = None if admitted else "access_denied"
    assert rules.authorize(state, _identity("Administrator")) == expected
    assert rules.authorize(state, _identity("localadmin")) == expected


def test_an_unreadable_root_sddl_refuses_and_non_administrators_keep_their_path() -> None:
    state = _state()
    state.winrm["Service"]["RootSDDL"] = "not an sddl"
    assert rules.authorize(state, _identity("Administrator")) == "access_denied"
    # a non-administrator is let in (or not) by a session configuration's own descriptor, as before
    assert rules.authorize(state, _identity("localuser")) == "access_denied"


def test_winrm_set_of_the_service_section_changes_root_sddl_and_auth() -> None:
    state = _state()
    locked = profiles.ROOT_SDDL.replace("D:P", "D:P(D;;GA;;;BA)")
    state.winrm["Service"]["RootSDDL"] = locked
    line = f'winrm set winrm/config/service @{{RootSDDL="{profiles.ROOT_SDDL}";MaxConnections="300"}}'
    result = run_command(state, None, "cmd.exe", ["/c", line])
    assert result.rc == 0, result.stderr
    assert state.winrm_text("Service", "RootSDDL") == profiles.ROOT_SDDL
    assert rules.authorize(state, _identity("Administrator")) is None
    result = run_command(state, None, "cmd.exe", ["/c", 'winrm set winrm/config/service/auth @{Basic="true"}'])
    assert result.rc == 0 and state.winrm_text("Service", "Auth", "Basic") == "true"
    refused = run_command(state, None, "cmd.exe", ["/c", 'winrm set winrm/config/service @{NoSuch="1"}'])
    assert refused.rc != 0 and "does not match the corresponding XML schema" in refused.stderr  # as a Put answers
