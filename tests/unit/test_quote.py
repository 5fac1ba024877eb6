# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""windows.quote.cmd: the exact text it produces, and what it refuses.

The round trip through a cmd.exe parser (percent expansion, carets, operators, C runtime argv rules) is tested
against the simulator's cmd.exe in tests/winsim; these tests pin the output so a change is deliberate.
"""

from __future__ import annotations

import pytest

from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import quote, tasks


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


# --- Microsoft Learn "cmd" (https://learn.microsoft.com/windows-server/administration/windows-commands/cmd) -------
# "The following special characters require quotation marks: & < > [ ] { } ^ = ; ! ' + , ` ~ [white space]".
# Every one of them, alone and inside a value, ends up inside the quotes (none is escaped with a caret instead); '!'
# is the exception: quotes do not stop delayed expansion, so it is refused.
CMD_SPECIALS = ["&", "<", ">", "[", "]", "{", "}", "^", "=", ";", "'", "+", ",", "`", "~", " "]


@pytest.mark.parametrize("char", CMD_SPECIALS)
def test_every_special_character_of_cmd_help_is_quoted(char: str) -> None:
    for value in (char, f"a{char}b", f"{char}{char}"):
        assert quote.cmd(value) == f'"{value}"'
        assert quote.cmd(value, batch=True) == f'"{value}"'


def test_a_value_of_every_special_character_stays_one_quoted_argument() -> None:
    value = "".join(CMD_SPECIALS) + "(|)"
    text = quote.cmd(value)
    assert text == f'"{value}"'
    assert text.count('"') == 2


def test_white_space_only_is_still_one_argument() -> None:
    assert quote.cmd("   ") == '"   "'
    assert quote.cmd(" lead and trail ") == '" lead and trail "'


@pytest.mark.parametrize(
    ("value", "batch"),
    [
        ("%", '"%%"'),
        ("%%", '"%%%%"'),
        ("%PATH%", '"%%PATH%%"'),
        ("100% sure", '"100%% sure"'),
    ],
)
def test_percent_is_doubled_in_a_batch_file(value: str, batch: str) -> None:
    """In a batch file "%%" is one literal '%' and an undefined %NAME% vanishes, so every '%' is doubled."""
    assert quote.cmd(value, batch=True) == batch


@pytest.mark.parametrize(
    ("value", "line"),
    [
        ("%", '""^%""'),
        ("%PATH%", '""^%"PATH"^%""'),
        ("a%%b", '"a"^%""^%"b"'),
    ],
)
def test_percent_on_a_command_line_is_outside_the_quotes_behind_a_caret(value: str, line: str) -> None:
    """On a command line %NAME% is expanded even inside quotes; '^%' outside them keeps every name undefined."""
    assert quote.cmd(value) == line
    outside = line.split('"')[0::2]
    assert set("".join(outside)) <= {"^", "%"}


@pytest.mark.parametrize("value", ["!", "!PATH!", "a!b", "^!"])
def test_exclamation_mark_is_refused_because_of_delayed_expansion(value: str) -> None:
    """cmd /V:ON (or the DelayedExpansion registry value) expands !NAME! inside quotes as well."""
    for batch in (False, True):
        with pytest.raises(quote.QuoteError, match="delayed expansion"):
            quote.cmd(value, batch=batch)


@pytest.mark.parametrize("value", ['"', 'a"b', '""', '\\"', 'C:\\dir\\"'])
def test_double_quote_is_refused_with_a_clear_error(value: str) -> None:
    """Inside quotes a caret is literal and a quote ends the quoting: no escape exists, so the value is refused."""
    for batch in (False, True):
        with pytest.raises(quote.QuoteError) as caught:
            quote.cmd(value, batch=batch)
        assert str(caught.value) == "cannot be placed on a Windows command line: it contains a double quote"


@pytest.mark.parametrize("value", ["\r", "\n", "a\rb", "a\nb", "end\r\n"])
def test_carriage_return_and_line_feed_are_refused(value: str) -> None:
    """A line break ends the command: what follows it would run as a command of its own."""
    for batch in (False, True):
        with pytest.raises(quote.QuoteError, match=r"line break \(CR or LF\)"):
            quote.cmd(value, batch=batch)


# --- the one variable a value may leave to cmd.exe: a leading %SystemRoot% ----------------------------------------


@pytest.mark.parametrize(
    ("value", "line", "batch"),
    [
        ("%SystemRoot%\\Temp\\x", '%SystemRoot%"\\Temp\\x"', '%SystemRoot%"\\Temp\\x"'),
        ("%systemroot%\\Temp\\a b", '%SystemRoot%"\\Temp\\a b"', '%SystemRoot%"\\Temp\\a b"'),
        ("%SystemRoot%\\Temp\\50%", '%SystemRoot%"\\Temp\\50"^%""', '%SystemRoot%"\\Temp\\50%%"'),
        ("%SystemRoot%", '%SystemRoot%""', '%SystemRoot%""'),
        ("C:\\%SystemRoot%", '"C:\\\\"^%"SystemRoot"^%""', '"C:\\%%SystemRoot%%"'),
        ("plain", '"plain"', '"plain"'),
    ],
)
def test_system_root_is_left_to_cmd_only_at_the_start(value: str, line: str, batch: str) -> None:
    assert quote.cmd(value, system_root=True) == line
    assert quote.cmd(value, batch=True, system_root=True) == batch


def test_system_root_is_literal_unless_asked() -> None:
    assert quote.cmd("%SystemRoot%\\x") == '""^%"SystemRoot"^%"\\x"'


@pytest.mark.parametrize("value", ['%SystemRoot%\\a"b', "%SystemRoot%\\a!b", "%SystemRoot%\\a\nb"])
def test_system_root_paths_are_refused_like_any_value(value: str) -> None:
    with pytest.raises(quote.QuoteError):
        quote.cmd(value, system_root=True)


# --- command lines built from quoted values -------------------------------------------------------------------


def test_path_helper_is_quote_cmd() -> None:
    for path in ("%SystemRoot%\\Temp\\x y", "C:\\50%\\", "D:\\a&b"):
        for batch in (False, True):
            assert tasks.host_path_arg(path, batch_file=batch) == quote.cmd(path, batch=batch, system_root=True)


def test_task_line_goes_through_quote_cmd() -> None:
    """The /tr value is one argument made by quote.cmd: a %SystemRoot% in it reaches the task as written (its own
    cmd.exe expands it when it runs), and what quote.cmd refuses is refused before connecting."""
    line = tasks.start_command("t", "ping -n 2 127.0.0.1 >nul & %SystemRoot%\\Temp\\x.cmd")
    action = "cmd.exe /c ping -n 2 127.0.0.1 >nul & %SystemRoot%\\Temp\\x.cmd & schtasks /delete /tn t /f"
    assert f"/tr {quote.cmd(action)} /f" in line
    assert '/tr "cmd.exe /c ping -n 2 127.0.0.1 >nul & "^%"SystemRoot"^%"\\Temp\\x.cmd & schtasks' in line
    for bad, reason in (('echo "x"', "double quote"), ("echo !x!", "delayed expansion"), ("a\r\nb", "line break")):
        with pytest.raises(ValueError, match=reason):
            tasks.start_command("t", bad)
