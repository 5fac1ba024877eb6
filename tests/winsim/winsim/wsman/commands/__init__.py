"""Simulated command-line tools, run through WinRS like `cmd.exe /c <line>` would run them."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from winsim.contract import RequestContext
from winsim.state import HostState

# A command that ends the process running the chain (stopping WinRM from inside a WinRS shell): the rest of the
# command line never runs.  An extra effect name the transport ignores.
SHELL_TERMINATED = "shell_terminated"


@dataclass
class CommandResult:
    stdout: str = ""
    stderr: str = ""
    rc: int = 0
    effects: set[str] = field(default_factory=set)
    # scheduled tasks (copies taken by `schtasks /run`) to start once this command's output has been delivered
    deferred: list[dict[str, Any]] = field(default_factory=list)

    def absorb(self, result: CommandResult) -> bool:
        """Append one command's outcome, as cmd.exe does for a chain; False when the shell was terminated."""
        self.stdout += result.stdout
        self.stderr += result.stderr
        self.rc = result.rc
        self.effects |= result.effects
        self.deferred += result.deferred
        return SHELL_TERMINATED not in result.effects


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

    `&` inside double quotes, inside a `( ... )` group or right after `>` (as in `>&2`) does not separate.
    """
    parts: list[tuple[str, str]] = []
    current, operator, quoted, depth, i = "", "", False, 0, 0
    while i < len(line):
        char = line[i]
        if char == '"':
            quoted = not quoted
        elif not quoted and char == "(" and (depth or not current.strip()):
            depth += 1  # a group opens only where a command starts
        elif not quoted and char == ")" and depth:
            depth -= 1
        if not quoted and not depth and char in "&|" and not (char == "&" and current.endswith(">")):
            double = line[i : i + 2] in ("&&", "||")
            parts.append((operator, current))
            operator = line[i : i + 2] if double else char
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
            return text[:i].replace('"', ""), text[i + 1 :]
    return text.replace('"', ""), ""


def _program_name(token: str) -> str:
    name = token.replace("/", "\\").rsplit("\\", 1)[-1].lower()
    for ext in (".exe", ".cmd", ".bat"):
        if name.endswith(ext):
            name = name[: -len(ext)]
    return name


def not_recognized(name: str) -> CommandResult:
    return CommandResult(
        stderr=f"'{name}' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n",
        rc=9009,
    )


def _tools() -> dict[str, Tool]:
    from winsim.wsman.commands import (
        certutil,
        echo,
        filecmds,
        net,
        netsh,
        ping,
        reg,
        sc,
        schtasks,
        smremoting,
        winrm,
    )

    return {
        "echo": echo.run,
        "echo.": echo.run_blank,
        "reg": reg.run,
        "sc": sc.run,
        "winrm": winrm.run,
        "netsh": netsh.run,
        "configure-smremoting": smremoting.run,
        "type": filecmds.type_,
        "del": filecmds.delete,
        "erase": filecmds.delete,
        "mkdir": filecmds.mkdir,
        "md": filecmds.mkdir,
        "certutil": certutil.run,
        "net": net.run,
        "schtasks": schtasks.run,
        "ping": ping.run,
    }


# Environment variables cmd expands in a command line (%TEMP% is the SYSTEM one for every account: ASSUMPTION,
# as the brief fixes it; a real WinRS user gets a profile temp folder).
ENVIRONMENT = {
    "systemroot": r"C:\Windows",
    "windir": r"C:\Windows",
    "systemdrive": "C:",
    "temp": r"C:\Windows\Temp",
    "tmp": r"C:\Windows\Temp",
    "programdata": r"C:\ProgramData",
}


def expand(line: str) -> str:
    """%NAME% -> value for known names; unknown names stay as written, as cmd /c leaves them."""
    return re.sub(r"%([^%\s]+)%", lambda m: ENVIRONMENT.get(m.group(1).lower(), m.group(0)), line)


@dataclass(frozen=True)
class FileRedirect:
    fd: str  # "1" or "2"
    append: bool
    path: str


def extract_file_redirects(text: str) -> tuple[str, list[FileRedirect]]:
    """Remove `[n]>file` / `[n]>>file` (anywhere, outside quotes) from a simple command; `>&n` and `>nul` stay.

    A handle digit counts only as its own token (`echo a 2>f`), so `echo abc1>f` writes `abc1`.
    """
    redirects: list[FileRedirect] = []
    out, i, quoted = "", 0, False
    while i < len(text):
        char = text[i]
        if char == '"':
            quoted = not quoted
        if char != ">" or quoted:
            out += char
            i += 1
            continue
        j = i + 1
        append = j < len(text) and text[j] == ">"
        j += 1 if append else 0
        while j < len(text) and text[j] in " \t":
            j += 1
        at_nul = text[j : j + 3].lower() == "nul" and (j + 3 == len(text) or not text[j + 3].strip())
        if text[j : j + 1] == "&" or at_nul:
            out += char
            i += 1
            continue
        fd = "1"
        if out[-1:] in ("1", "2") and (len(out) == 1 or out[-2].isspace()):
            fd, out = out[-1], out[:-1]
        if text[j : j + 1] == '"':
            end = text.find('"', j + 1)
            end = len(text) if end < 0 else end + 1
        else:
            end = j
            while end < len(text) and not text[end].isspace() and text[end] not in "<>":
                end += 1
        redirects.append(FileRedirect(fd, append, text[j:end].strip('"')))
        i = end
    return out, redirects


def _redirect_to_files(state: HostState, result: CommandResult, redirects: list[FileRedirect]) -> CommandResult:
    from winsim.files import FileSystemError

    for redirect in redirects:
        data = result.stdout if redirect.fd == "1" else result.stderr
        try:
            state.files.write(redirect.path, data.encode("utf-8"), append=redirect.append)
        except FileSystemError:
            return CommandResult(stderr="The system cannot find the path specified.\r\n", rc=1)
        if redirect.fd == "1":
            result.stdout = ""
        else:
            result.stderr = ""
    return result


def _group(text: str) -> tuple[str, str] | None:
    """(inside, after) for `( a & b ) >file`; None when the command is not a group."""
    stripped = text.lstrip()
    if not stripped.startswith("("):
        return None
    depth, quoted = 0, False
    for i, char in enumerate(stripped):
        if char == '"':
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
            if depth == 0:
                return stripped[1:i], stripped[i + 1 :]
    return stripped[1:], ""  # cmd would wait for more lines; the simulator runs what it got


def run_simple(state: HostState, ctx: RequestContext | None, text: str) -> CommandResult:
    """One command without chaining; handles `( ... )` groups, file redirections and `>&2`, `2>&1`, `>nul`."""
    group = _group(text)
    if group is not None:
        inside, after = group
        result = run_line(state, ctx, inside)
        after, file_redirects = extract_file_redirects(after)
        for redirect in file_redirects:
            if not state.files.can_write(redirect.path):
                return CommandResult(stderr="The system cannot find the path specified.\r\n", rc=1)
            if not redirect.append or not state.files.is_file(redirect.path):
                state.files.write(redirect.path, b"")
        return _redirect_to_files(state, result, file_redirects)
    text, file_redirects = extract_file_redirects(text)
    if file_redirects:
        for redirect in file_redirects:  # cmd opens (and truncates) the targets before it runs the command
            if not state.files.can_write(redirect.path):
                return CommandResult(stderr="The system cannot find the path specified.\r\n", rc=1)
            if not redirect.append or not state.files.is_file(redirect.path):
                state.files.write(redirect.path, b"")
        return _redirect_to_files(state, run_simple(state, ctx, text), file_redirects)
    redirects = [m for m in _REDIRECT.finditer(text) if text.count('"', 0, m.start()) % 2 == 0]  # not in quotes
    for match in reversed(redirects):
        text = text[: match.start()] + " " + text[match.end() :]
    result = run_program(state, ctx, text)
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


def run_program(state: HostState, ctx: RequestContext | None, text: str) -> CommandResult:
    """Start one program with the rest of the text as its arguments (no cmd syntax: what Task Scheduler does)."""
    stripped = text.lstrip()
    if not stripped.strip():
        return CommandResult()
    if stripped.lower().startswith("echo."):
        program, raw = "echo.", stripped[5:]
    else:
        first, raw = _split_first(stripped)
        program = _program_name(first)
    if program == "call":  # `call x.cmd` returns to the calling batch file; for a program it is the same as without
        return run_simple(state, ctx, raw)
    if program == "exit":
        args = tokenize(raw)
        code = args[1] if args and args[0].lower() == "/b" and len(args) > 1 else (args[0] if args else "0")
        return CommandResult(rc=int(code) if code.lstrip("-").isdigit() else 0)
    if program != "echo." and first.lower().endswith((".cmd", ".bat")) and state.files.is_file(first):
        return run_batch_file(state, ctx, first)
    tool = _tools().get(program)
    if tool is None:
        return not_recognized(first if program != "echo." else program)
    return tool(Invocation(state, ctx, program, tokenize(raw), raw))


def run_batch_file(state: HostState, ctx: RequestContext | None, path: str) -> CommandResult:
    """A .cmd/.bat file: each line is a command line (`@echo off`, `rem` and `::` lines do nothing; `%%` is `%`).
    Arguments (%1...) and labels are not simulated; the exit code is the last line's."""
    total = CommandResult()
    text = state.files.read(path).decode("utf-8", errors="replace")
    for raw in text.splitlines():
        line = raw.strip().lstrip("@")
        if not line or line.lower() in ("echo off", "echo on") or line.lower().startswith(("rem ", "::")):
            continue
        if not total.absorb(run_line(state, ctx, expand(line).replace("%%", "%"))):
            break
    return total


def run_line(state: HostState, ctx: RequestContext | None, line: str) -> CommandResult:
    """Run a chain of commands, concatenating output; the exit code is the last command's."""
    total = CommandResult()
    for operator, command in split_chain(expand(line)):
        if operator == "&&" and total.rc != 0:
            continue
        if operator == "||" and total.rc == 0:
            continue
        if not total.absorb(run_simple(state, ctx, command)):
            break
    return total


def run_command(state: HostState, ctx: RequestContext | None, command: str, arguments: list[str]) -> CommandResult:
    """Entry point for WinRS: `cmd.exe` + [`/c`, ...] or a whole command line in `command`."""
    if not arguments:
        tokens = tokenize(command)
        if tokens and _program_name(tokens[0]) == "cmd":
            rest = command.lstrip()[len(command.lstrip().split(None, 1)[0]) :]
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
