# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""IPv4Filter / IPv6Filter validation, normalisation and matching."""

from __future__ import annotations

import pytest

from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import winrm_filters as wf
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows.winrm_filters import FilterError


@pytest.mark.parametrize(
    ("value", "canonical"),
    [
        ("*", "*"),
        (" * ", "*"),
        ("", ""),
        ("   ", ""),
        ("10.0.0.1", "10.0.0.1"),
        ("10.0.0.1 , 10.0.0.5 - 10.0.0.9", "10.0.0.1,10.0.0.5-10.0.0.9"),
        ("127.0.0.1-127.0.0.1", "127.0.0.1"),
        ("0.0.0.0-255.255.255.255", "0.0.0.0-255.255.255.255"),
    ],
)
def test_ipv4_normalisation(value: str, canonical: str) -> None:
    assert wf.normalize("ipv4_filter", value) == canonical


@pytest.mark.parametrize(
    ("value", "canonical"),
    [
        ("*", "*"),
        ("FE80:0000:0000:0000:0000:0000:0000:0001", "fe80::1"),
        ("fe80::1 - fe80::ffff", "fe80::1-fe80::ffff"),
        ("::1,2001:db8::10-2001:db8::20", "::1,2001:db8::10-2001:db8::20"),
    ],
)
def test_ipv6_normalisation(value: str, canonical: str) -> None:
    assert wf.normalize("ipv6_filter", value) == canonical


@pytest.mark.parametrize(
    ("parameter", "value", "item", "reason"),
    [
        ("ipv4_filter", "*,10.0.0.1", "*,10.0.0.1", "alone"),
        ("ipv4_filter", "10.0.0.1,", "", "empty item"),
        ("ipv4_filter", "10.0.0.256", "10.0.0.256", "not an IPv4 address"),
        ("ipv4_filter", "10.0.0.9-10.0.0.1", "10.0.0.9-10.0.0.1", "start is greater"),
        ("ipv4_filter", "10.0.0.1-fe80::1", "10.0.0.1-fe80::1", "not an IPv4 address"),
        ("ipv4_filter", "10.0.0.0/24", "10.0.0.0/24", "not an IPv4 address"),
        ("ipv4_filter", "010.0.0.1", "010.0.0.1", "not an IPv4 address"),
        ("ipv4_filter", "10.0.0.1-10.0.0.2-10.0.0.3", "10.0.0.1-10.0.0.2-10.0.0.3", "not an IPv4 address"),
        ("ipv6_filter", "10.0.0.1", "10.0.0.1", "not an IPv6 address"),
        ("ipv6_filter", "fe80::9-fe80::1", "fe80::9-fe80::1", "start is greater"),
        ("ipv6_filter", "fe80::1%12", "fe80::1%12", "zone"),
        ("ipv6_filter", "fe80:::1", "fe80:::1", "not an IPv6 address"),
    ],
)
def test_invalid_filters_name_parameter_and_item(parameter: str, value: str, item: str, reason: str) -> None:
    with pytest.raises(FilterError, match=reason) as info:
        wf.normalize(parameter, value)
    assert info.value.parameter == parameter
    assert info.value.item == item
    assert str(info.value).startswith(f"{parameter}: invalid item {item!r}")


def test_unknown_parameter() -> None:
    with pytest.raises(ValueError, match="unknown filter parameter"):
        wf.normalize("ip_filter", "*")


def test_parse_returns_ranges() -> None:
    assert wf.parse("ipv4_filter", "*") is None
    assert wf.parse("ipv4_filter", "") == []
    ranges = wf.parse("ipv4_filter", "10.0.0.1,10.0.0.5-10.0.0.9")
    assert ranges is not None
    assert [(str(a), str(b)) for a, b in ranges] == [("10.0.0.1", "10.0.0.1"), ("10.0.0.5", "10.0.0.9")]


@pytest.mark.parametrize(
    ("filter_value", "address", "expected"),
    [
        ("*", "127.0.0.10", True),
        ("*", "::1", True),
        ("", "127.0.0.10", False),
        ("127.0.0.10", "127.0.0.10", True),
        ("127.0.0.10", "127.0.0.11", False),
        ("127.0.0.1-127.0.0.20", "127.0.0.20", True),
        ("127.0.0.1-127.0.0.20", "127.0.0.21", False),
        ("127.0.0.1-127.0.0.20", "126.255.255.255", False),
        ("10.0.0.1, 127.0.0.5 - 127.0.0.9", "127.0.0.7", True),
        ("10.0.0.1,*", "127.0.0.7", True),
        ("fe80::1-fe80::ff", "fe80::80", True),
        ("fe80::1-fe80::ff", "fe80::100", False),
        ("fe80::1-fe80::ff", "fe80::80%3", True),
        ("127.0.0.1-127.0.0.20", "::1", False),
        ("::1", "127.0.0.1", False),
        ("garbage,127.0.0.1", "127.0.0.1", True),
    ],
)
def test_addresses_match(filter_value: str, address: str, expected: bool) -> None:
    assert wf.addresses_match(filter_value, address) is expected


def test_addresses_match_rejects_a_bad_address() -> None:
    with pytest.raises(ValueError):
        wf.addresses_match("*", "not-an-address")


@pytest.mark.parametrize("value", ["10.0.0.1\r\n", "10.0.0.1\n", "\t10.0.0.1", "10.0.0.1,\x0010.0.0.2"])
def test_control_characters_are_refused_not_stripped(value: str) -> None:
    with pytest.raises(FilterError, match=r"ipv4_filter: .*control characters"):
        wf.normalize("ipv4_filter", value)


def test_an_over_long_filter_is_refused_without_echoing_it() -> None:
    value = ",".join(["10.0.0.1"] * 20000)
    with pytest.raises(FilterError) as caught:
        wf.normalize("ipv4_filter", value)
    message = str(caught.value)
    assert message.startswith("ipv4_filter: ") and str(wf.MAX_FILTER_LENGTH) in message
    assert len(message) < 300


def test_a_long_bad_item_is_cut_in_the_message() -> None:
    with pytest.raises(FilterError) as caught:
        wf.normalize("ipv4_filter", "x" * 3000)
    assert len(str(caught.value)) < 300 and "characters more" in str(caught.value)
