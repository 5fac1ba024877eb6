"""Simulated command-line tools, run through WinRS like `cmd.exe /c <line>` would run them."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from winsim.contract import RequestContext
from winsim.state import HostState


@dataclass
class CommandResult:
    stdout: str = ""
    stderr: str = ""
    rc: int = 0
    effects: set[str] = field(default_factory=set)


@dataclass
class Invocation:
    """One simple command: its program name (lower case, no path or extension), arguments and raw text."""

    state: HostState
    ctx: RequestContext | None
    program: str
    args: list[str]
    raw_args: str  # the text after the program name, unparsed (echo needs it)


Tool = Callable[[Invocation], CommandResult]


def tokenize(text: str) -> list[str]:
    """Split like cmd/CRT argv parsing: whitespace outside double quotes separates, quotes are removed."""
    tokens, current, quoted, started = [], "", False, False
    for char in text:
        if char == '"':
            quoted, started = not quoted, True
        elif char.isspace() and not quoted:
            if started:
                tokens.append(current)
            current, started = "", False
        else:
            current, started = current + char, True
    if started:
        tokens.append(current)
    return tokens


def split_chain(line: str) -> list[tuple[str, str]]:
    """[(operator, command)] for `a & b && c || d`; the operator is the one before the command ("" first).

    `&` inside double quotes or right after `>` (as in `>&2`) does not separate.
    """
    parts: list[tuple[str, str]] = []
    current, operator, quoted, i = "", "", False, 0
    while i < len(line):
        char = line[i]
        if char == '"':
            quoted = not quoted
        if not quoted and char in "&|" and not (char == "&" and current.endswith(">")):
            double = line[i:i + 2] in ("&&", "||")
            parts.append((operator, current))
            operator = line[i:i + 2] if double else char
            current = ""
            i += 2 if double else 1
            continue
        current += char
        i += 1
    parts.append((operator, current))
    return [(op, cmd) for op, cmd in parts if cmd.strip() or op == ""]


_REDIRECT = re.compile(r"\s*(?P<fd>[12]?)>\s*(?P<target>&[12]|nul)\s*", re.IGNORECASE)


def _split_first(text: str) -> tuple[str, str]:
    """(first token without quotes, the rest after one separating blank)."""
    quoted = False
    for i, char in enumerate(text):
        if char == '"':
            quoted = not quoted
        elif char.isspace() and not quoted:
            return text[:i].replace('"', ""), text[i + 1:]
    return text.replace('"', ""), ""


def _program_name(token: str) -> str:
    name = token.replace("/", "\\").rsplit("\\", 1)[-1].lower()
    for ext in (".exe", ".cmd", ".bat"):
        if name.endswith(ext):
            name = name[: -len(ext)]
    return name


def not_recognized(name: str) -> CommandResult:
    return CommandResult(stderr=f"'{name}' is not recognized as an internal or external command,\r\n"
                                "operable program or batch file.\r\n", rc=9009)


def _tools() -> dict[str, Tool]:
    from winsim.wsman.commands import echo, netsh, reg, sc, smremoting, winrm

    return {
        "echo": echo.run,
        "echo.": echo.run_blank,
        "reg": reg.run,
        "sc": sc.run,
        "winrm": winrm.run,
        "netsh": netsh.run,
        "configure-smremoting": smremoting.run,
    }


def run_simple(state: HostState, ctx: RequestContext | None, text: str) -> CommandResult:
    """One command without chaining; handles `>&2`, `2>&1` and `>nul` redirections."""
    redirects = list(_REDIRECT.finditer(text))
    text = _REDIRECT.sub(" ", text) if redirects else text
    stripped = text.lstrip()
    if not stripped.strip():
        return CommandResult()
    if stripped.lower().startswith("echo."):
        program, raw = "echo.", stripped[5:]
    else:
        first, raw = _split_first(stripped)
        program = _program_name(first)
    if program == "exit":
        args = tokenize(raw)
        code = args[1] if args and args[0].lower() == "/b" and len(args) > 1 else (args[0] if args else "0")
        return CommandResult(rc=int(code) if code.lstrip("-").isdigit() else 0)
    tool = _tools().get(program)
    if tool is None:
        return not_recognized(first if program != "echo." else program)
    result = tool(Invocation(state, ctx, program, tokenize(raw), raw))
    for match in redirects:
        fd, target = match.group("fd") or "1", match.group("target").lower()
        if target == "nul":
            if fd == "1":
                result.stdout = ""
            else:
                result.stderr = ""
        elif fd == "1" and target == "&2":
            result.stderr, result.stdout = result.stderr + result.stdout, ""
        elif fd == "2" and target == "&1":
            result.stdout, result.stderr = result.stdout + result.stderr, ""
    return result


def run_line(state: HostState, ctx: RequestContext | None, line: str) -> CommandResult:
    """Run a chain of commands, concatenating output; the exit code is the last command's."""
    total = CommandResult()
    for operator, command in split_chain(line):
        if operator == "&&" and total.rc != 0:
            continue
        if operator == "||" and total.rc == 0:
            continue
        result = run_simple(state, ctx, command)
        total.stdout += result.stdout
        total.stderr += result.stderr
        total.rc = result.rc
        total.effects |= result.effects
    return total


def run_command(state: HostState, ctx: RequestContext | None, command: str, arguments: list[str]) -> CommandResult:
    """Entry point for WinRS: `cmd.exe` + [`/c`, ...] or a whole command line in `command`."""
    if not arguments:
        tokens = tokenize(command)
        if tokens and _program_name(tokens[0]) == "cmd":
            rest = command.lstrip()[len(command.lstrip().split(None, 1)[0]):]
            return _run_cmd(state, ctx, rest)
        return run_line(state, ctx, command)
    if _program_name(command) == "cmd":
        return _run_cmd(state, ctx, " ".join(arguments))
    return run_line(state, ctx, " ".join([command, *arguments]))


def _run_cmd(state: HostState, ctx: RequestContext | None, text: str) -> CommandResult:
    match = re.match(r"\s*(?:/[qdaus]\s+)*/[ck]\s?(?P<line>.*)$", text, re.IGNORECASE | re.DOTALL)
    if match is None:
        return CommandResult()  # an interactive cmd.exe without /c: nothing to run, like an empty stdin
    line = match.group("line")
    if len(line) >= 2 and line[0] == '"' and line[-1] == '"' and line.count('"') == 2:
        line = line[1:-1]  # cmd /c "a b" strips the outer quotes
    return run_line(state, ctx, line)
