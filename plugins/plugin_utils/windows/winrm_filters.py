# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""IPv4Filter / IPv6Filter of the policy "Allow remote server management through WinRM".

The filters choose the LOCAL addresses the WinRM listener binds to (policy help, [CSP-RM]): ``*`` = every
address, a comma-separated list of addresses or ``first-last`` ranges = those only, empty = no listener.
"""

from __future__ import annotations

import ipaddress

from ansible_collections.winremote.remoting.plugins.plugin_utils.errors import InvalidArgumentError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Range = tuple[IPAddress, IPAddress]

_FAMILIES: dict[str, type[ipaddress.IPv4Address] | type[ipaddress.IPv6Address]] = {
    "ipv4_filter": ipaddress.IPv4Address,
    "ipv6_filter": ipaddress.IPv6Address,
}


# A filter longer than this is refused: it would be a list of hundreds of addresses, which is not what the policy
# is for, and the value is echoed into messages and command lines.
MAX_FILTER_LENGTH = 4096
SHOWN = 60  # characters of an offending item a message repeats


class FilterError(InvalidArgumentError, ValueError):
    """An invalid filter; names the module parameter and the item so the operator can fix it (still a ValueError
    for callers that catch that)."""

    def __init__(self, parameter: str, item: str, reason: str) -> None:
        self.parameter = parameter
        self.item = item
        shown = item if len(item) <= SHOWN else f"{item[:SHOWN]}... ({len(item) - SHOWN} characters more)"
        super().__init__(parameter, f"invalid item {shown!r}: {reason}")


def _address(parameter: str, item: str, text: str) -> IPAddress:
    family = _FAMILIES[parameter]
    if "%" in text:
        raise FilterError(parameter, item, "zone/scope IDs are not allowed")
    try:
        return family(text)
    except ValueError:
        kind = "IPv4" if family is ipaddress.IPv4Address else "IPv6"
        part = "" if text == item else f"{text[:SHOWN]!r} "
        raise FilterError(parameter, item, f"{part}is not an {kind} address") from None


def parse(parameter: str, value: str) -> list[Range] | None:
    """The ranges of a filter (None for ``*``, [] for empty); single addresses become one-address ranges."""
    if parameter not in _FAMILIES:
        raise ValueError(f"unknown filter parameter {parameter!r}")
    if len(value) > MAX_FILTER_LENGTH:
        raise FilterError(parameter, value, f"the filter is {len(value)} characters, more than {MAX_FILTER_LENGTH}")
    if any(ord(char) < 32 or ord(char) == 127 for char in value):
        # checked before stripping: a line break is never silently dropped from what the operator wrote
        raise FilterError(parameter, value, "line breaks (CR, LF) and other control characters are not allowed")
    text = value.strip()
    if text == "":
        return []
    items = [item.strip() for item in text.split(",")]
    if "*" in items:
        if len(items) > 1:
            # Windows ignores other items next to '*'; refusing them keeps the wanted state unambiguous.
            raise FilterError(parameter, text, "'*' must be used alone")
        return None
    ranges: list[Range] = []
    for item in items:
        if not item:
            raise FilterError(parameter, item, "empty item (stray comma)")
        first_text, sep, last_text = item.partition("-")
        first = _address(parameter, item, first_text.strip())
        last = _address(parameter, item, last_text.strip()) if sep else first
        if int(last) < int(first):  # same family here, so the integers compare like the addresses
            raise FilterError(parameter, item, "range start is greater than its end")
        ranges.append((first, last))
    return ranges


def _render(first: IPAddress, last: IPAddress) -> str:
    return str(first) if first == last else f"{first}-{last}"


def normalize(parameter: str, value: str) -> str:
    """The canonical filter: no spaces, ``*`` alone, IPv6 compressed lower-case; '' means no listener."""
    ranges = parse(parameter, value)
    if ranges is None:
        return "*"
    return ",".join(_render(first, last) for first, last in ranges)


def addresses_match(filter_value: str, address: str) -> bool:
    """Whether a filter admits a local address; items of the other family never match it.

    Lenient on purpose (it also reads filters set by other tools): ``*`` anywhere matches everything, as on
    Windows, and unparsable items are skipped.
    """
    addr = ipaddress.ip_address(address.split("%", 1)[0])
    items = [item.strip() for item in filter_value.split(",") if item.strip()]
    if "*" in items:
        return True
    for item in items:
        first_text, sep, last_text = item.partition("-")
        try:
            first = ipaddress.ip_address(first_text.strip())
            last = ipaddress.ip_address(last_text.strip()) if sep else first
        except ValueError:
            continue
        if first.version == last.version == addr.version and int(first) <= int(addr) <= int(last):
            return True
    return False
