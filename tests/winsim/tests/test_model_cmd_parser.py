# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The simulated cmd.exe parses like cmd.exe: percent expansion, carets, quotes, operators, redirections, groups,
then each program's Microsoft C runtime argument splitting; and every program a line starts is recorded."""

from __future__ import annotations

import random

import pytest

from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import quote
from winsim.state import HostState
from winsim.wsman.commands import CommandResult, expand, run_command, tokenize

PWNED = r"C:\Windows\Temp\pwned.txt"


@pytest.fixture
def state() -> HostState:
    return HostState.from_profile("2019", hostname="SIMHOST")


def run(state: HostState, line: str) -> CommandResult:
    return run_command(state, None, "cmd.exe", ["/c", line])


def programs(state: HostState) -> list[str]:
    return [name for name, _argv in state.runtime.programs]


def test_echo_in_quotes_and_caret_escapes(state: HostState) -> None:
    assert run(state, 'echo "a&b"').stdout == '"a&b"\r\n'
    assert run(state, "echo a^&b").stdout == "a&b\r\n"
    assert run(state, "echo a^|b^>c^<d^^e").stdout == "a|b>c<d^e\r\n"
    assert run(state, 'echo "a^&b"').stdout == '"a^&b"\r\n'  # a caret is literal inside quotes
    assert run(state, "echo a^").stdout == "a\r\n"  # a caret at the end of the line is dropped
    assert programs(state) == ["cmd", "echo"] * 5


def test_ampersand_runs_a_second_command_that_redirects(state: HostState) -> None:
    result = run(state, rf"x & echo pwned>{PWNED}")
    assert "'x' is not recognized" in result.stderr
    assert state.files.read(PWNED) == b"pwned\r\n"
    assert programs(state) == ["cmd", "x", "echo"]


@pytest.mark.parametrize(
    ("line", "out", "ran"),
    [
        ("echo a && echo b", "a \r\nb\r\n", ["echo", "echo"]),
        ("x && echo b", "", ["x"]),
        ("x || echo b", "b\r\n", ["x", "echo"]),
        ("echo a || echo b", "a \r\n", ["echo"]),
        ("echo a | echo b", "b\r\n", ["echo", "echo"]),  # a pipe runs both sides; only the right one's stdout shows
        ("(echo a & echo b) >nul & echo c", "c\r\n", ["echo", "echo", "echo"]),
        ('echo "(a) & b"', '"(a) & b"\r\n', ["echo"]),
        ("echo a)b", "a)b\r\n", ["echo"]),  # ')' closes nothing outside a group
    ],
)
def test_operators_and_groups(state: HostState, line: str, out: str, ran: list[str]) -> None:
    assert run(state, line).stdout == out
    assert programs(state)[1:] == ran


def test_pipe_feeds_stdin_and_redirections(state: HostState) -> None:
    run(state, r"echo one>C:\Windows\Temp\a.txt & echo two>>C:\Windows\Temp\a.txt")
    assert state.files.read(r"C:\Windows\Temp\a.txt") == b"one \r\ntwo\r\n"  # the blank before & is echoed
    result = run(state, r"type <C:\Windows\Temp\a.txt C:\Windows\Temp\a.txt 2>&1 >nul")
    assert (result.stdout, result.stderr) == ("", "")
    assert run(state, r'echo x > "C:\No Such Folder\f.txt"').stderr == "The system cannot find the path specified.\r\n"
    assert run(state, "echo a >").stderr == "The syntax of the command is incorrect.\r\n"


def test_percent_expansion_command_line_and_batch(state: HostState) -> None:
    assert run(state, "echo %SystemRoot%").stdout == "C:\\Windows\r\n"
    assert run(state, "echo %NoSuchVariable%").stdout == "%NoSuchVariable%\r\n"
    assert expand("%a%SystemRoot%b") == "%aC:\\Windowsb"  # scanning goes on at an undefined name's closing %
    assert expand("50% off") == "50% off"
    assert expand("%% %NoSuchVariable% %1 %SystemRoot% 5%", batch=True) == "%   C:\\Windows 5"
    state.files.write(r"C:\Windows\Temp\t.cmd", b"@echo off\r\necho 100%% %NoSuchVariable%done %windir%\r\n")
    assert run(state, r"C:\Windows\Temp\t.cmd").stdout == "100% done C:\\Windows\r\n"


@pytest.mark.parametrize(
    ("text", "argv"),
    [
        ('a "b c" d', ["a", "b c", "d"]),
        (r'"a\"b" \\\"c', ['a"b', r"\"c"]),
        (r'"C:\x\\" next', ["C:\\x\\", "next"]),
        (r"a\\b c\d", [r"a\\b", r"c\d"]),
        ('"" x', ["", "x"]),
        ('"a""b"', ['a"b']),
        ('ab"c d"e', ["abc de"]),
        ("  \t", []),
    ],
)
def test_c_runtime_argument_splitting(text: str, argv: list[str]) -> None:
    assert tokenize(text) == argv


def test_cmd_c_strips_outer_quotes(state: HostState) -> None:
    assert run(state, '"echo "a" & echo b"').stdout == '"a" \r\nb\r\n'


HOSTILE = [
    "fe80::1%x&echo pwned>" + PWNED,
    "a&b",
    "a|b",
    "a>b",
    "a<b",
    "a^b",
    "(a)",
    "a)&echo pwned(",
    "%SystemRoot%",
    "%%SystemRoot%%",
    "50%",
    "%",
    "%%",
    "a b",
    "  lead and trail  ",
    "C:\\dir\\",
    "C:\\dir\\\\",
    "\\\\server\\share\\",
    "a\\b",
    "^",
    "^^&",
    "&&||",
    "'single'",
    "",
    "ünïcødé €",
]
ALPHABET = "&|<>^()%  \\abc:;=,~`'[]{}+*?./-@#$é"


def hostile_values() -> list[str]:
    rng = random.Random(20261202)
    generated = ["".join(rng.choice(ALPHABET) for _char in range(rng.randint(1, 24))) for _string in range(400)]
    return HOSTILE + generated


def test_quote_cmd_round_trips_to_the_exact_argv(state: HostState) -> None:
    """On a command line and in a batch file, quote.cmd(value) reaches the program as exactly that argument, and
    nothing else runs."""
    for value in hostile_values():
        state.runtime.programs.clear()
        result = run(state, f"reg query {quote.cmd(value)} /v x")
        assert state.runtime.programs == [("cmd", state.runtime.programs[0][1]), ("reg", ["query", value, "/v", "x"])]
        assert SHELL_EFFECTS.isdisjoint(result.effects)
        state.runtime.programs.clear()
        script = f"@echo off\r\nreg query {quote.cmd(value, batch=True)}\r\n"
        state.files.write(r"C:\Windows\Temp\q.cmd", script.encode())
        run(state, r"C:\Windows\Temp\q.cmd")
        assert state.runtime.programs[1:] == [("q", []), ("reg", ["query", value])]
    assert not state.files.is_file(PWNED)


SHELL_EFFECTS = {"shell_terminated"}


@pytest.mark.parametrize("value", ['a"b', "a!b", "a\rb", "a\nb", "a\x00b", "a\tb"])
def test_quote_cmd_refuses_what_it_cannot_carry(value: str) -> None:
    with pytest.raises(quote.QuoteError):
        quote.cmd(value)


def test_unquoted_hostile_values_do_run_commands(state: HostState) -> None:
    """The check above means something: the same values unquoted break out."""
    run(state, f"reg query {HOSTILE[0]}")
    assert state.files.read(PWNED) == b"pwned\r\n"
    assert "echo" in programs(state)
