# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one way a value reaches a cmd.exe command line or a batch file.

A value read from a module option or from the host is always placed on a command line as one argument made by
:func:`cmd`, never by string formatting. cmd.exe reads a line twice before the program sees it, and the value must
survive both, then the program's own argument parsing:

1. percent expansion (phase 1 of cmd.exe's parser): on a command line ``%NAME%`` is replaced when NAME is defined
   and left as written otherwise; in a batch file ``%%`` is one ``%`` and an undefined ``%NAME%`` vanishes;
2. special characters: outside double quotes ``& | < > ^ ( )`` separate commands, redirect or escape; ``^`` escapes
   the next character; inside double quotes they are literal, and ``"`` toggles the quoting;
3. the program splits the line into arguments with the Microsoft C runtime rules (``CommandLineToArgvW``): quotes
   group, ``2n`` backslashes before a ``"`` are ``n`` backslashes, other backslashes are literal.

Sources: Microsoft Learn "cmd" (https://learn.microsoft.com/windows-server/administration/windows-commands/cmd:
the special characters ``& < > [ ] { } ^ = ; ! ' + , ` ~`` and white space need quotes, delayed expansion of ``!``),
"Parsing C++ command-line arguments" (backslashes and quotes), and the cmd.exe parser phases described at
https://stackoverflow.com/questions/4094699 (percent expansion before quote handling).

So a value is put in double quotes; each ``%`` is doubled in a batch file, and on a command line it is placed
outside the quotes behind a caret (``"50"^%"x"``), so no variable name can follow it; backslashes before every
closing quote are doubled. What cannot be carried safely is refused: ``"`` (it would end the quoting, and inside
quotes a caret is literal, so nothing can escape it), ``!`` (expanded when delayed expansion is on, which the
``DelayedExpansion`` registry value can make the default), and CR, LF and other control characters (a line break
ends the command).

The one variable a value may ask cmd.exe to expand is a leading ``%SystemRoot%`` (``system_root=True``), for paths
under the Windows directory that the collection builds: it stays outside the quotes, and the C runtime joins
``C:\\Windows"\\Temp\\x"`` into one argument (cmd.exe's own commands, such as mkdir, rd, del and dir, drop the
quotes of a path argument the same way). ASSUMPTION (UNVERIFIED): %SystemRoot% holds no space or cmd.exe special
character (Windows Setup installs to a path such as C:\\Windows).
"""

from __future__ import annotations

import re

REFUSED = re.compile(r'["!\x00-\x1f\x7f]')
SYSTEM_ROOT = "%SystemRoot%"


class QuoteError(ValueError):
    """A value cmd.exe cannot carry as one literal argument; the caller names the option it came from."""


def refusal(value: str) -> str | None:
    """Why ``value`` cannot be quoted (a phrase without the value itself), or None when it can."""
    found = REFUSED.search(value)
    if found is None:
        return None
    char = found.group(0)
    if char in "\r\n":
        return "it contains a line break (CR or LF)"
    if char == '"':
        return "it contains a double quote"
    if char == "!":
        return "it contains '!', which cmd.exe expands when delayed expansion is on"
    return "it contains a control character"


def _close(segment: str) -> str:
    """``"segment"`` with the backslashes before the closing quote doubled, so they stay literal."""
    doubled = segment + "\\" * (len(segment) - len(segment.rstrip("\\")))
    return f'"{doubled}"'


def cmd(value: str, *, batch: bool = False, system_root: bool = False) -> str:
    """``value`` as one literal argument for a cmd.exe command line (or, with ``batch``, a line of a .cmd file);
    with ``system_root``, a leading ``%SystemRoot%`` is left for cmd.exe to expand, every other ``%`` stays literal.

    Raises QuoteError for a value that cannot be carried (see :func:`refusal`).
    """
    reason = refusal(value)
    if reason is not None:
        raise QuoteError(f"cannot be placed on a Windows command line: {reason}")
    if system_root and value[: len(SYSTEM_ROOT)].casefold() == SYSTEM_ROOT.casefold():
        return SYSTEM_ROOT + cmd(value[len(SYSTEM_ROOT) :], batch=batch)
    if batch:
        return _close(value.replace("%", "%%"))
    return "^%".join(_close(part) for part in value.split("%"))
