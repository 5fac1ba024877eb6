# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The server_pool inventory's sources: CIDR ranges and their limit, Server Manager import files, deduplication."""

from __future__ import annotations

from pathlib import Path

import pytest

from ansible_collections.winremote.remoting.plugins.plugin_utils.inventory import groups, sources


def names(targets: list[sources.Target]) -> list[str]:
    return [target.name for target in targets]


def test_range_expands_to_host_addresses() -> None:
    assert names(sources.expand("192.0.2.0/30", 16)) == ["192.0.2.1", "192.0.2.2"]
    assert names(sources.expand("192.0.2.7/32", 16)) == ["192.0.2.7"]
    assert names(sources.expand("192.0.2.9/31", 16)) == ["192.0.2.8", "192.0.2.9"]


def test_range_at_the_limit_is_accepted_above_it_refused() -> None:
    assert len(sources.expand("192.0.2.0/28", 14)) == 14
    with pytest.raises(sources.SourceError) as caught:
        sources.expand("192.0.2.0/24", 100, "hosts")
    assert str(caught.value) == (
        "hosts: the range 192.0.2.0/24 holds 254 host addresses, more than max_range_hosts=100; split the range or "
        "raise max_range_hosts"
    )


def test_huge_ipv6_range_is_refused_without_listing_it() -> None:
    with pytest.raises(sources.SourceError, match="max_range_hosts=1024"):
        sources.expand("2001:db8::/64", 1024)


def test_bad_range_names_the_source() -> None:
    with pytest.raises(sources.SourceError, match=r"^import_files: 'web01/24' is not a CIDR range"):
        sources.expand("web01/24", 10, "import_files")


def test_import_file_parsing() -> None:
    text = "\ufeff# exported from Server Manager\nWEB01.example.com\n\n  192.0.2.10   # the file server\n#db02\n\t\n"
    assert sources.parse_import_file(text.lstrip("\ufeff")) == ["WEB01.example.com", "192.0.2.10"]


def test_import_file_with_bom_and_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "servers.txt"
    path.write_bytes("\ufeffweb01\r\nweb02\r\n".encode())
    assert sources.read_import_file(str(path)) == ["web01", "web02"]
    with pytest.raises(sources.SourceError, match=r"^import_files: cannot read"):
        sources.read_import_file(str(tmp_path / "missing.txt"))


def test_dedupe_and_sorted_output() -> None:
    targets = sources.collect(
        [
            ("hosts", ["web02", "192.0.2.10", "WEB01.", "192.0.2.8/31", "10.0.0.1"]),
            ("import_files", ["web01", "192.0.2.9", "web02"]),
        ],
        16,
    )
    assert names(targets) == ["10.0.0.1", "192.0.2.8", "192.0.2.9", "192.0.2.10", "web01", "web02"]


def test_ipv6_addresses_are_normalised() -> None:
    targets = sources.collect([("hosts", ["2001:DB8::1", "2001:db8:0::1"])], 4)
    assert names(targets) == ["2001:db8::1"]


@pytest.mark.parametrize(
    ("status", "group"),
    [
        ("Online", "online"),
        ("Not accessible", "not_accessible"),
        ("Online - Access denied", "online_access_denied"),
        ("Credentials not valid", "credentials_not_valid"),
    ],
)
def test_status_groups_in_snake_case(status: str, group: str) -> None:
    assert groups.snake(status) == group
