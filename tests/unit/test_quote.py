# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""windows.quote.cmd: the exact text it produces, and what it refuses.

The round trip through a cmd.exe parser (percent expansion, carets, operators, C runtime argv rules) is tested
against the simulator's cmd.exe in tests/winsim; these tests pin the output so a change is deliberate.
"""

from __future__ import annotations

import pytest

from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import quote


@pytest.mark.parametrize(
    ("value", "line", "batch"),
    [
        ("plain", '"plain"', '"plain"'),
        ("", '""', '""'),
        ("a b & c | d < e > f ^ g ( h )", '"a b & c | d < e > f ^ g ( h )"', '"a b & c | d < e > f ^ g ( h )"'),
        ("50%", '"50"^%""', '"50%%"'),
        ("%SystemRoot%", '""^%"SystemRoot"^%""', '"%%SystemRoot%%"'),
        ("C:\\dir\\", '"C:\\dir\\\\"', '"C:\\dir\\\\"'),
        ("a\\%b", '"a\\\\"^%"b"', '"a\\%%b"'),
        ("fe80::1%x&echo pwned>C:\\t", '"fe80::1"^%"x&echo pwned>C:\\t"', '"fe80::1%%x&echo pwned>C:\\t"'),
        ("unicode: € 密码", '"unicode: € 密码"', '"unicode: € 密码"'),
    ],
)
def test_quoted_text(value: str, line: str, batch: str) -> None:
    assert quote.cmd(value) == line
    assert quote.cmd(value, batch=True) == batch


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ('say "hi"', "double quote"),
        ("line\r\nnext", "line break"),
        ("line\nnext", "line break"),
        ("bang!", "delayed expansion"),
        ("nul\x00byte", "control character"),
        ("tab\there", "control character"),
    ],
)
def test_refused(value: str, reason: str) -> None:
    assert reason in (quote.refusal(value) or "")
    for batch in (False, True):
        with pytest.raises(quote.QuoteError, match=reason) as caught:
            quote.cmd(value, batch=batch)
        assert value not in str(caught.value)  # the caller names the option; the value is not echoed


def test_every_quote_is_balanced() -> None:
    """Outside the quotes only `^%` appears, so no cmd.exe operator can ever be outside them."""
    text = quote.cmd("a%b&c%%d|e")
    outside = text.split('"')[0::2]
    assert set("".join(outside)) <= {"^", "%"}
