# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""reg.exe's output parsed into typed keys: the output comes from the simulator's reg.exe, run in-process."""

from __future__ import annotations

import pytest

from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import quote, registry, services, software
from ansible_collections.winremote.remoting.tests.unit.simulated import InProcessClient, run_line
from winsim import HostState, ops

CURRENT_VERSION = r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion"


def current_version_query() -> str:
    """`reg query` of a CurrentVersion key holding one value of each type and two subkeys, as the simulator's reg.exe
    prints it."""
    state = HostState.from_profile("2019", hostname="SIM2019")
    state.registry.delete_key(CURRENT_VERSION)  # only the values below, so the listing is known
    ops.write_value(state, CURRENT_VERSION, "ProductName", "REG_SZ", "Windows Server 2019 Datacenter")
    ops.write_value(state, CURRENT_VERSION, "CurrentMajorVersionNumber", "REG_DWORD", 10)
    ops.write_value(state, CURRENT_VERSION, "Empty", "REG_SZ", "")
    ops.write_value(state, CURRENT_VERSION, "Paths", "REG_MULTI_SZ", ["C:\\a", "C:\\b"])
    ops.write_value(state, CURRENT_VERSION, "Blob", "REG_BINARY", b"\x0a\x0b")
    ops.write_value(state, CURRENT_VERSION, "", "REG_SZ", "value    with    spaces")  # the default value
    ops.create_key(state, CURRENT_VERSION + r"\Fonts")
    ops.create_key(state, CURRENT_VERSION + r"\Winlogon")
    return run_line(state, registry.query_command(CURRENT_VERSION))


def test_values_are_typed() -> None:
    key = registry.find_key(registry.parse_query(current_version_query()), CURRENT_VERSION)
    assert key is not None
    assert key.get("productname") == "Windows Server 2019 Datacenter"
    assert key.get("CurrentMajorVersionNumber") == 10
    assert key.get("Empty") == ""
    assert key.get("Paths") == ["C:\\a", "C:\\b"]
    assert key.get("Blob") == b"\x0a\x0b"
    assert key.get("(Default)") == "value    with    spaces"
    assert key.get("Missing", "fallback") == "fallback"


def test_subkeys_follow_the_blank_line() -> None:
    key = registry.find_key(
        registry.parse_query(current_version_query()),
        r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion",
    )
    assert key is not None
    assert [s.rsplit("\\", 1)[-1] for s in key.subkeys] == ["Fonts", "Winlogon"]


def test_search_results_are_keys() -> None:
    state = HostState.from_profile("2008r2", hostname="SIM2008R2")
    state.add_hotfix("KB2682011")
    text = run_line(state, registry.query_command(software.CBS_PACKAGES_KEY, find_key="KB2682011"))
    keys = registry.parse_query(text)
    assert len(keys) == 1
    assert next(iter(keys.values())).path.startswith("HKLM\\SOFTWARE")


def test_error_output_parses_to_nothing() -> None:
    state = HostState.from_profile("2019", hostname="SIM2019")
    failed = InProcessClient(state).run_command("cmd.exe", ["/c", registry.query_command(r"HKLM\SOFTWARE\Nope")])
    assert failed.rc == 1 and "ERROR:" in failed.stderr
    assert registry.parse_query(failed.stdout + failed.stderr) == {}


def test_query_command_quotes_paths() -> None:
    assert registry.query_command(r"HKLM\A B", "V") == 'reg query "HKLM\\A B" /v "V"'
    assert registry.query_command(r"HKLM\P", find_key="KB1") == 'reg query "HKLM\\P" /f "KB1" /k'


def test_query_command_carries_cmd_syntax_as_data() -> None:
    """Value names are arbitrary text (a firewall rule ID, a value read from the host): quote.cmd makes each one
    argument, a trailing backslash included, and refuses what cmd.exe cannot carry."""
    assert registry.query_command(r"HKLM\K", "a&b\\") == 'reg query "HKLM\\K" /v "a&b\\\\"'
    assert registry.query_command(r"HKLM\K", "50%x%") == 'reg query "HKLM\\K" /v "50"^%"x"^%""'
    for bad in ("a\r\nb", 'a"b', "a!b"):
        with pytest.raises(quote.QuoteError):
            registry.query_command(r"HKLM\K", bad)


def test_service_names_are_quoted() -> None:
    assert services.query_commands("Win RM&x") == ('sc qc "Win RM&x"', 'sc query "Win RM&x"')
