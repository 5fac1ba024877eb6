# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The server_pool inventory's sources: CIDR ranges and their limit, Server Manager import files, deduplication."""

from __future__ import annotations

import dataclasses
import typing as t
from pathlib import Path

import pytest

from ansible_collections.winremote.remoting.plugins.plugin_utils.inventory import groups, probe, sources


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


def test_a_host_named_by_several_sources_is_one_target_with_all_their_groups() -> None:
    web = sources.Entry("WEB01.contoso.com.", ("Web",), (("ad_distinguished_name", "CN=WEB01,OU=Servers"),))
    targets = sources.collect(
        [
            ("hosts", ["web01.contoso.com"]),
            ("server_lists", [web, sources.Entry("web01.contoso.com", ("Web", "Frontend"))]),
            ("ldap", [sources.Entry("web01.contoso.com", (), (("ad_distinguished_name", "CN=other"),))]),
        ],
        16,
    )
    assert len(targets) == 1
    assert targets[0].groups == ("Web", "Frontend")
    # the first source that knew a detail wins
    assert dict(targets[0].details) == {"ad_distinguished_name": "CN=WEB01,OU=Servers"}


def report(**fields: t.Any) -> probe.HostReport:
    return dataclasses.replace(
        probe.HostReport("h", "h", "Online - Access denied", (), "2026-12-03T00:00:00+00:00"), **fields
    )


@pytest.mark.parametrize(
    ("details", "expected"),
    [
        (
            {"ad_operating_system": "Windows Server 2019 Datacenter", "ad_operating_system_version": "10.0 (17763)"},
            ("10.0.17763", "2019"),
        ),
        (
            {"ad_operating_system": "Windows Server 2012 R2 Standard", "ad_operating_system_version": "6.3 (9600)"},
            ("6.3.9600", "2012 R2"),
        ),
        (
            {"ad_operating_system": "Windows 10 Enterprise", "ad_operating_system_version": "10.0 (19045)"},
            ("10.0.19045", ""),
        ),
        ({"ad_operating_system_version": "not a version"}, ("", "")),
        ({}, ("", "")),
    ],
)
def test_os_from_the_directory_when_the_host_did_not_say(details: dict[str, str], expected: tuple[str, str]) -> None:
    unobserved = report(details=tuple(sorted(details.items())))
    assert groups.os_of(unobserved) == expected
    assert (f"os_{groups.snake(expected[1])}" in groups.group_names(unobserved)) == bool(expected[1])


def test_the_host_s_own_answer_beats_the_directory() -> None:
    observed = report(
        os_version="10.0.20348", os_release="2022", details=(("ad_operating_system_version", "6.3 (9600)"),)
    )
    assert groups.os_of(observed) == ("10.0.20348", "2022")
    variables = groups.host_vars(observed)
    assert (variables["winremote_os_version"], variables["winremote_os_release"]) == ("10.0.20348", "2022")
    assert variables["winremote_ad_operating_system_version"] == "6.3 (9600)"


def test_server_groups_are_host_vars_and_groups() -> None:
    grouped = report(server_groups=("Web Servers", "SQL"))
    assert groups.host_vars(grouped)["winremote_server_groups"] == ["Web Servers", "SQL"]
    assert {"server_group_web_servers", "server_group_sql"} <= set(groups.group_names(grouped))
    again = probe.HostReport.from_dict(grouped.to_dict())
    assert again == grouped
