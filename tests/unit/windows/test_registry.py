# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import quote, registry, services

QUERY = (
    "\r\n"
    "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\r\n"
    "    ProductName    REG_SZ    Windows Server 2019 Datacenter\r\n"
    "    CurrentMajorVersionNumber    REG_DWORD    0xa\r\n"
    "    Empty    REG_SZ    \r\n"
    "    Paths    REG_MULTI_SZ    C:\\a\\0C:\\b\r\n"
    "    Blob    REG_BINARY    0A0B\r\n"
    "    (Default)    REG_SZ    value    with    spaces\r\n"
    "\r\n"
    "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Fonts\r\n"
    "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon\r\n"
)


def test_values_are_typed() -> None:
    key = registry.find_key(registry.parse_query(QUERY), r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion")
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
        registry.parse_query(QUERY), r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion"
    )
    assert key is not None
    assert [s.rsplit("\\", 1)[-1] for s in key.subkeys] == ["Fonts", "Winlogon"]


def test_search_results_are_keys() -> None:
    text = (
        "\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\Packages\\"
        "Package_for_KB2682011~31bf3856ad364e35~amd64~~6.1.1.0\r\nEnd of search: 1 match(es) found.\r\n"
    )
    keys = registry.parse_query(text)
    assert len(keys) == 1
    assert next(iter(keys.values())).path.startswith("HKLM\\SOFTWARE")


def test_error_output_parses_to_nothing() -> None:
    assert registry.parse_query("ERROR: The system was unable to find the specified registry key or value.") == {}


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
