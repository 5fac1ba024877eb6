# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""reg.exe and StdRegProv on keys an access control list refuses, reg.exe's errors per display language, and the
OEM code page each language records in the registry."""

from __future__ import annotations

import pytest

from winsim import locales
from winsim.state import HostState
from winsim.wsman import cim_registry
from winsim.wsman.commands import CommandResult, run_command

POLICY = r"HKLM\SOFTWARE\Policies\Microsoft\Windows\WinRM\Service"
NLS = r"HKLM\SYSTEM\CurrentControlSet\Control\Nls\CodePage"


@pytest.fixture
def state() -> HostState:
    host = HostState.from_profile("2019", hostname="SIMHOST")
    host.registry.set_value(POLICY, "AllowAutoConfig", "REG_DWORD", 1)
    return host


def run(state: HostState, line: str) -> CommandResult:
    return run_command(state, None, "cmd.exe", ["/c", line])


def test_a_denied_key_fails_like_a_missing_one_but_its_parent_lists_it(state: HostState) -> None:
    state.registry.deny_read(POLICY)
    denied = run(state, f'reg query "{POLICY}"')
    missing = run(state, r'reg query "HKLM\SOFTWARE\Policies\Microsoft\Windows\NoSuch"')
    assert (denied.rc, missing.rc) == (1, 1)  # reg.exe's exit code does not tell them apart
    assert denied.stdout == missing.stdout == ""
    assert denied.stderr == "ERROR: Access is denied.\r\n"
    assert run(state, f'reg query "{POLICY}" /v AllowAutoConfig').stderr == "ERROR: Access is denied.\r\n"
    parent = run(state, r'reg query "HKLM\SOFTWARE\Policies\Microsoft\Windows\WinRM"')
    assert parent.rc == 0 and f"HKEY_LOCAL_MACHINE{POLICY[4:]}" in parent.stdout


def test_the_exit_code_drives_the_operators_of_the_proof(state: HostState) -> None:
    state.registry.deny_read(POLICY)
    line = f'reg query "{POLICY}" >nul 2>&1 && echo ok || (echo failed & reg query "HKLM\\SOFTWARE\\Policies" >nul)'
    assert run(state, line).stdout == "failed \r\n"
    state.registry = type(state.registry).from_json(state.registry.to_json())  # survives a saved state
    assert not state.registry.readable(POLICY)
    assert run(state, r'reg query "HKLM\SOFTWARE\Policies" >nul 2>&1 && echo ok || echo no').stdout == "ok \r\n"


def test_stdregprov_answers_access_denied(state: HostState) -> None:
    state.registry.deny_read(POLICY)
    params = {"hDefKey": ["2147483650"], "sSubKeyName": [POLICY[5:]], "sValueName": ["AllowAutoConfig"]}
    assert cim_registry.enum_values(state, None, params)[0]["ReturnValue"] == 5
    assert cim_registry.enum_key(state, None, params)[0]["ReturnValue"] == 5
    missing = {**params, "sSubKeyName": [r"SOFTWARE\NoSuch"]}
    assert cim_registry.enum_key(state, None, missing)[0]["ReturnValue"] == 2


def test_reg_errors_are_translated(state: HostState) -> None:
    locales.apply(state, "pt-BR")
    state.registry.deny_read(POLICY)
    assert run(state, f'reg query "{POLICY}"').stderr == "ERRO: Acesso negado.\r\n"
    assert run(state, r'reg query "HKLM\SOFTWARE\NoSuch"').stderr.startswith("ERRO: O sistema não pôde localizar")


@pytest.mark.parametrize(("name", "oem"), [("en-US", "437"), ("pt-BR", "850")])
def test_each_language_records_its_oem_code_page(name: str, oem: str) -> None:
    state = HostState.from_profile("2008", hostname="SIMHOST")
    locales.apply(state, name)
    out = run(state, f'reg query "{NLS}" /v OEMCP').stdout
    assert f"    OEMCP    REG_SZ    {oem}" in out
    assert state.registry.key_exists(r"HKLM\SOFTWARE\Policies\Microsoft")  # every Windows has policy keys there
