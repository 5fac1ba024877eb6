# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Simulated command-line tools, run through WinRS like `cmd.exe /c <line>` would run them.

A line is read in the phases real cmd.exe reads it (Microsoft Learn "cmd"; the phases as described at
https://stackoverflow.com/questions/4094699), so a value that would break out of its quoting on Windows breaks out
here too:

1. percent expansion: on a command line a defined ``%NAME%`` is replaced and an undefined one is left as written
   (scanning goes on at its closing ``%``); in a batch file ``%%`` is one ``%``, ``%0``..``%9`` / ``%*`` are the
   (empty) arguments, and an undefined ``%NAME%`` or a lone ``%`` is removed;
2. special characters: outside double quotes ``^`` escapes the next character (a caret at the end of the line is
   dropped), ``& && || |`` separate commands, ``< > >>`` (with an optional handle digit, ``>&n``) redirect, and
   ``(`` where a command starts opens a group that ``)`` closes; inside double quotes all of these are literal, and
   every ``"`` (unless escaped) toggles the quoting; the quotes stay in the text the program receives;
3. each program splits its own arguments with the Microsoft C runtime rules (Microsoft Learn "Parsing C++
   command-line arguments"): blanks outside quotes separate, ``2n`` backslashes before a ``"`` give ``n`` backslashes
   and the quote toggles, ``2n+1`` give ``n`` backslashes and a literal quote, ``""`` inside quotes is one literal
   quote, other backslashes are literal. ``echo`` (a cmd built-in) prints its raw text instead.

Not modelled: delayed expansion (``!NAME!``, off unless ``/v:on`` or the registry turns it on), the ``%NAME:~n,m%``
and ``%NAME:a=b%`` forms, ``if`` other than ``if [not] exist``, ``for`` / ``set`` / labels, and the second parse
a pipe's sides get in their own cmd.exe. A pipe passes the left command's stdout to the right command as its stdin.

Every program a line starts is recorded in ``state.runtime.programs`` as (name, argv), so a test can prove that
nothing else ran.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from winsim.console import (
    CONSOLE_STDIN,
    CommandResult,  # the result type lives in winsim.console, the model's seam to this interpreter
)
from winsim.contract import RequestContext
from winsim.state import HostState

SYNTAX_ERROR = "The syntax of the command is incorrect.\r\n"
PATH_NOT_FOUND = "The system cannot find the path specified.\r\n"
FILE_NOT_FOUND = "The system cannot find the file specified.\r\n"
BLANKS = " \t"
DISK_FULL = "There is not enough space on the disk.\r\n"  # Win32 112 ERROR_DISK_FULL


def take_console_stdin() -> str:
    """The WinRS command's standard input, once; "" outside WinRS or when another program read it."""
    holder = CONSOLE_STDIN.get()
    if not holder:
        return ""
    text, holder[0] = holder[0], ""
    return text


@dataclass
class Invocation:
    """One simple command: its program name (lower case, no path or extension), arguments and raw text."""

    state: HostState
    ctx: RequestContext | None
    program: str
    args: list[str]
    raw_args: str  # the text after the program name, unparsed (echo needs it)
    stdin: str = ""  # what a pipe or `<file` feeds the program


Tool = Callable[[Invocation], CommandResult]


# --- phase 3: the program's own argument parsing (Microsoft C runtime) ---------------------------------------------


def tokenize(text: str) -> list[str]:
    """argv as the Microsoft C runtime builds it from the text after the program name (see the module docstring)."""
    args: list[str] = []
    i, n = 0, len(text)
    while True:
        while i < n and text[i] in BLANKS:
            i += 1
        if i >= n:
            return args
        current: list[str] = []
        quoted = False
        while i < n and (quoted or text[i] not in BLANKS):
            char = text[i]
            if char == "\\":
                j = i
                while j < n and text[j] == "\\":
                    j += 1
                count = j - i
                if j < n and text[j] == '"':
                    current.append("\\" * (count // 2))
                    if count % 2:  # an odd run escapes the quote
                        current.append('"')
                        j += 1
                else:
                    current.append("\\" * count)
                i = j
                continue
            if char == '"':
                if quoted and text[i + 1 : i + 2] == '"':  # "" inside quotes: one literal quote
                    current.append('"')
                    i += 2
                    continue
                quoted = not quoted
                i += 1
                continue
            current.append(char)
            i += 1
        args.append("".join(current))


# --- phase 1: percent expansion ------------------------------------------------------------------------------------

# Environment variables cmd expands in a command line. ASSUMPTION (UNVERIFIED): %TEMP% is the SYSTEM one for every
# account; a real WinRS user gets a profile temp folder, and the collection never relies on %TEMP%.
ENVIRONMENT = {
    "systemroot": r"C:\Windows",
    "windir": r"C:\Windows",
    "systemdrive": "C:",
    "temp": r"C:\Windows\Temp",
    "tmp": r"C:\Windows\Temp",
    "programdata": r"C:\ProgramData",
    "comspec": r"C:\Windows\system32\cmd.exe",
}


def _variable(name: str, state: HostState | None, errorlevel: int | None = None) -> str | None:
    if state is not None and name.lower() == "computername":
        return state.hostname
    if errorlevel is not None and name.lower() == "errorlevel":  # signed decimal, as cmd prints a negative HRESULT
        return str(errorlevel - (1 << 32) if errorlevel >= 1 << 31 else errorlevel)
    return ENVIRONMENT.get(name.lower())


def expand(line: str, batch: bool = False, state: HostState | None = None, errorlevel: int | None = None) -> str:
    """Phase 1 of cmd.exe's parser on one line (command line, or with ``batch`` a line of a .cmd file)."""
    out: list[str] = []
    i, n = 0, len(line)
    while i < n:
        char = line[i]
        if char != "%":
            out.append(char)
            i += 1
            continue
        following = line[i + 1 : i + 2]
        if batch and following == "%":
            out.append("%")
            i += 2
            continue
        if batch and following and (following.isdigit() or following == "*"):
            i += 2  # a batch argument; the simulator runs batch files without arguments
            continue
        end = line.find("%", i + 1)
        if end < 0:
            if not batch:
                out.append(line[i:])  # a lone % stays on a command line and is removed in a batch file
            break
        name = line[i + 1 : end]
        value = _variable(name, state, errorlevel) if name else None
        if value is not None:
            out.append(value)
            i = end + 1
        elif batch:
            i = end + 1  # an undefined variable vanishes in a batch file
        else:
            out.append("%" + name)  # left as written; its closing % may open the next name
            i = end
    return "".join(out)


# --- phase 2: carets, quotes, operators, redirections, groups ------------------------------------------------------


@dataclass(frozen=True)
class Redirect:
    fd: str  # "0", "1" or "2"
    operator: str  # "<", ">" or ">>"
    target: str  # a path, "nul", or "&1" / "&2"


@dataclass
class Simple:
    text: str  # the command with escaping carets removed, quotes kept, redirections taken out
    redirects: list[Redirect]


@dataclass
class Group:
    body: list[list[tuple[str, list[Node]]]]
    redirects: list[Redirect]


Node = Simple | Group
# a line: commands joined by `&`; each a chain of pipelines joined by `&&` / `||` (operator before it, "" first)
Line = list[list[tuple[str, list[Node]]]]


class CmdSyntaxError(Exception):
    """cmd.exe refuses the whole line and runs none of it."""


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def peek(self, size: int = 1) -> str:
        return self.text[self.pos : self.pos + size]

    def skip_blanks(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in BLANKS:
            self.pos += 1

    def line(self, depth: int) -> Line:
        sequence: Line = []
        while True:
            sequence.append(self.chain(depth))
            if self.peek() == "&" and self.peek(2) != "&&":
                self.pos += 1
                continue
            return sequence  # at the end, or at the `)` closing this group

    def chain(self, depth: int) -> list[tuple[str, list[Node]]]:
        found = [("", self.pipeline(depth))]
        while self.peek(2) in ("&&", "||"):
            operator = self.peek(2)
            self.pos += 2
            found.append((operator, self.pipeline(depth)))
        return found

    def pipeline(self, depth: int) -> list[Node]:
        nodes = [self.command(depth)]
        while self.peek() == "|" and self.peek(2) != "||":
            self.pos += 1
            nodes.append(self.command(depth))
        return nodes

    def command(self, depth: int) -> Node:
        self.skip_blanks()
        if self.peek() == "(":
            self.pos += 1
            body = self.line(depth + 1)
            if self.peek() == ")":
                self.pos += 1  # an unclosed group: cmd would wait for more lines; the simulator runs what it got
            redirects: list[Redirect] = []
            self.skip_blanks()
            while self.peek() in ("<", ">") or (self.peek() in ("0", "1", "2") and self.peek(2)[1:] in ("<", ">")):
                fd = ""
                if self.peek() in ("0", "1", "2"):
                    fd = self.peek()
                    self.pos += 1
                redirects.append(self.redirect(fd, depth))
                self.skip_blanks()
            return Group(body, redirects)
        return self.simple(depth)

    def simple(self, depth: int) -> Simple:
        text: list[str] = []
        redirects: list[Redirect] = []
        quoted = False
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if quoted:
                text.append(char)
                quoted = char != '"'
                self.pos += 1
                continue
            if char == '"':
                quoted = True
            elif char == "^":
                text.append(self.text[self.pos + 1 : self.pos + 2])  # the escaped character, or nothing at the end
                self.pos += 2
                continue
            elif char in "&|" or (char == ")" and depth):
                break
            elif char in "<>":
                fd = ""
                if text and text[-1].isdigit() and (len(text) == 1 or text[-2] in BLANKS):
                    # a handle digit (0-9) counts only as its own token (`echo a 2>f`, not `echo a2>f`): so
                    # `echo 1> f` redirects handle 1 and echoes nothing, as on Windows
                    fd = text.pop()
                redirects.append(self.redirect(fd, depth))
                continue
            text.append(char)
            self.pos += 1
        return Simple("".join(text), redirects)

    def redirect(self, fd: str, depth: int) -> Redirect:
        operator = ">>" if self.peek(2) == ">>" else self.peek()
        self.pos += len(operator)
        self.skip_blanks()
        if operator != "<" and self.peek() == "&" and self.text[self.pos + 1 : self.pos + 2] in ("0", "1", "2"):
            handle = self.text[self.pos : self.pos + 2]
            self.pos += 2
            return Redirect(fd or "1", operator, handle)
        target: list[str] = []
        quoted = False
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char == '"':
                quoted = not quoted
                self.pos += 1
                continue
            if not quoted:
                if char in BLANKS or char in "&|<>" or (char == ")" and depth):
                    break
                if char == "^":
                    target.append(self.text[self.pos + 1 : self.pos + 2])
                    self.pos += 2
                    continue
            target.append(char)
            self.pos += 1
        if not target:
            raise CmdSyntaxError(operator)
        return Redirect(fd or ("0" if operator == "<" else "1"), operator, "".join(target))


def parse(line: str) -> Line:
    """Phase 2 of cmd.exe's parser on an expanded line; raises CmdSyntaxError for a redirection without target."""
    parser = _Parser(line)
    parsed = parser.line(0)
    while parser.pos < len(line):  # a `)` with no open group ends nothing: cmd ignores the rest of the line
        parser.pos += 1
    return parsed


# --- running -------------------------------------------------------------------------------------------------------


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
    for ext in (".exe", ".cmd", ".bat", ".com"):
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
        copy,
        echo,
        filecmds,
        filters,
        icacls,
        net,
        netsh,
        ping,
        reg,
        sc,
        schtasks,
        servicing,
        shutdown,
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
        "move": filecmds.move,
        "findstr": filters.findstr,
        "find": filters.find,
        "certutil": certutil.run,
        "net": net.run,
        "schtasks": schtasks.run,
        "ping": ping.run,
        "copy": copy.run,
        "expand": servicing.expand,
        "dism": servicing.dism,
        "wusa": servicing.wusa,
        "shutdown": shutdown.run,
        **icacls.TOOLS,
    }


def _record(state: HostState, program: str, args: list[str]) -> None:
    state.runtime.programs.append((program, list(args)))


def run_program(state: HostState, ctx: RequestContext | None, text: str, stdin: str = "") -> CommandResult:
    """Start one program with the rest of the text as its arguments (no cmd syntax: what Task Scheduler does)."""
    stripped = text.lstrip()
    if not stripped.strip():
        return CommandResult()
    if stripped.lower().startswith("echo."):
        first, program, raw = "echo.", "echo.", stripped[5:]
    else:
        first, raw = _split_first(stripped)
        program = _program_name(first)
    args = tokenize(raw)
    _record(state, program, args)
    if program == "call":
        # `call x.cmd` returns to the calling batch file; for a program it is the same as without. ASSUMPTION
        # (UNVERIFIED): the second percent expansion real CALL performs is not modelled.
        return run_program(state, ctx, raw, stdin)
    if program == "cmd":
        return _run_cmd(state, ctx, raw)
    if program == "exit":
        code = args[1] if args and args[0].lower() == "/b" and len(args) > 1 else (args[0] if args else "0")
        return CommandResult(rc=int(code) if code.lstrip("-").isdigit() else 0)
    if program != "echo." and first.lower().endswith((".cmd", ".bat")) and state.files.is_file(first):
        return run_batch_file(state, ctx, first)
    if program == "if":
        return _run_if(state, ctx, raw, stdin)
    if first.lower().endswith(".exe") and "\\" in first and state.files.is_file(first):
        from winsim.wsman.commands import servicing

        return servicing.setup(Invocation(state, ctx, program, args, raw, stdin), first)
    tool = _tools().get(program)
    if tool is None:
        return not_recognized(first if program != "echo." else program)
    return tool(Invocation(state, ctx, program, args, raw, stdin))


def _run_if(state: HostState, ctx: RequestContext | None, raw: str, stdin: str) -> CommandResult:
    """`if [not] exist <path> <command>` (Microsoft Learn "if"); other conditions are not modelled."""
    rest = raw.lstrip(BLANKS)
    negate = rest[:4].lower() == "not " and bool(rest[4:].strip())
    if negate:
        rest = rest[4:].lstrip(BLANKS)
    if rest[:6].lower() != "exist ":
        return CommandResult(stderr=SYNTAX_ERROR, rc=1)
    path, command = _split_first(rest[6:].lstrip(BLANKS))
    if not path or not command.strip():
        return CommandResult(stderr=SYNTAX_ERROR, rc=1)
    if state.files.exists(path) != negate:
        return run_program(state, ctx, command, stdin)
    return CommandResult()


def _open(state: HostState, redirects: list[Redirect]) -> tuple[dict[str, Any], str] | CommandResult:
    """Where stdout ("1") and stderr ("2") go, and the stdin text; a CommandResult when a target cannot be opened
    (cmd opens, and truncates, every target before it starts the command, which then does not run)."""
    route: dict[str, Any] = {"1": "out", "2": "err"}
    stdin = ""
    for redirect in redirects:
        target = redirect.target
        if redirect.operator == "<":
            if target.lower() == "nul":
                stdin = ""
                continue
            if not state.files.is_file(target):
                return CommandResult(stderr=FILE_NOT_FOUND, rc=1)
            stdin = state.files.read(target).decode("utf-8", errors="replace")
            continue
        if target in ("&1", "&2"):
            route[redirect.fd] = route.get(target[1])
        elif target.lower() == "nul":
            route[redirect.fd] = None
        else:
            if not state.files.can_write(target):
                return CommandResult(stderr=PATH_NOT_FOUND, rc=1)
            if redirect.operator == ">" or not state.files.is_file(target):
                state.files.write(target, b"")
            route[redirect.fd] = ("file", target)
    return route, stdin


def _deliver(state: HostState, result: CommandResult, route: dict[str, Any]) -> CommandResult:
    from winsim.files import FileSystemError

    out, err = result.stdout, result.stderr
    result.stdout, result.stderr = "", ""
    for text, where in ((out, route.get("1")), (err, route.get("2"))):
        if where == "out":
            result.stdout += text
        elif where == "err":
            result.stderr += text
        elif isinstance(where, tuple) and text:
            try:
                state.files.write(where[1], text.encode("utf-8"), append=True)
            except FileSystemError as exc:
                result.stderr += DISK_FULL if exc.kind == "disk_full" else PATH_NOT_FOUND
                result.rc = 1
    return result


def _run_node(state: HostState, ctx: RequestContext | None, node: Node, stdin: str = "") -> CommandResult:
    opened = _open(state, node.redirects)
    if isinstance(opened, CommandResult):
        return opened
    route, redirected = opened
    feed = redirected if any(r.operator == "<" for r in node.redirects) else stdin
    if isinstance(node, Group):
        return _deliver(state, _run_parsed(state, ctx, node.body), route)
    return _deliver(state, run_program(state, ctx, node.text, feed), route)


def _run_pipeline(state: HostState, ctx: RequestContext | None, nodes: list[Node]) -> CommandResult:
    """`a | b`: both run, b reads a's stdout; the pipeline's stdout and exit code are the last command's."""
    total = CommandResult()
    feed = ""
    for index, node in enumerate(nodes):
        result = _run_node(state, ctx, node, feed)
        feed = result.stdout
        if index < len(nodes) - 1:
            result.stdout = ""
        if not total.absorb(result):
            break
    return total


def _run_parsed(state: HostState, ctx: RequestContext | None, parsed: Line) -> CommandResult:
    total = CommandResult()
    for chain in parsed:
        for operator, pipeline in chain:
            if operator == "&&" and total.rc != 0:
                continue
            if operator == "||" and total.rc == 0:
                continue
            if not total.absorb(_run_pipeline(state, ctx, pipeline)):
                return total
    return total


def _run_expanded(state: HostState, ctx: RequestContext | None, line: str) -> CommandResult:
    try:
        parsed = parse(line)
    except CmdSyntaxError:
        return CommandResult(stderr=SYNTAX_ERROR, rc=1)
    return _run_parsed(state, ctx, parsed)


def run_batch_file(state: HostState, ctx: RequestContext | None, path: str) -> CommandResult:
    """A .cmd/.bat file: each line is expanded in batch mode and run (`@echo off`, `rem` and `::` lines do nothing).
    Arguments (%1...) and labels are not simulated; the exit code is the last line's."""
    total = CommandResult()
    text = state.files.read(path).decode("utf-8", errors="replace")
    for raw in text.splitlines():
        line = raw.strip().lstrip("@")
        if not line or line.lower() in ("echo off", "echo on") or line.lower().startswith(("rem ", "::")):
            continue
        if not total.absorb(_run_expanded(state, ctx, expand(line, batch=True, state=state, errorlevel=total.rc))):
            break
    return total


def run_line(state: HostState, ctx: RequestContext | None, line: str) -> CommandResult:
    """Run one command line (phases 1 and 2, then each program); the exit code is the last command's."""
    return _run_expanded(state, ctx, expand(line, state=state))


def run_command(state: HostState, ctx: RequestContext | None, command: str, arguments: list[str]) -> CommandResult:
    """Entry point for WinRS: `cmd.exe` + [`/c`, ...] or a whole command line in `command`."""
    if not arguments:
        tokens = tokenize(command)
        if tokens and _program_name(tokens[0]) == "cmd":
            first = command.lstrip().split(None, 1)[0]
            rest = command.lstrip()[len(first) :]
            _record(state, "cmd", tokenize(rest))
            return _run_cmd(state, ctx, rest)
        return run_line(state, ctx, command)
    if _program_name(command) == "cmd":
        _record(state, "cmd", tokenize(" ".join(arguments)))
        return _run_cmd(state, ctx, " ".join(arguments))
    return run_line(state, ctx, " ".join([command, *arguments]))


_SWITCHES = re.compile(
    r"\s*(?P<switches>(?:/(?:[qdaus]|[vef]:(?:on|off)|t:[0-9a-f]{1,2})\s*)*)/[ck](?:\s|$)?(?P<line>.*)$",
    re.IGNORECASE | re.DOTALL,
)


def _run_cmd(state: HostState, ctx: RequestContext | None, text: str) -> CommandResult:
    """`cmd [/s] [/d] [/q] ... /c line`, with cmd /?'s rule for the quotes around the line: they are kept only when
    there are exactly two, with no special character and at least one blank between them, around the name of an
    executable; otherwise a leading quote and the last quote are removed."""
    match = _SWITCHES.match(text)
    if match is None:
        return CommandResult()  # an interactive cmd.exe without /c: nothing to run, like an empty stdin
    line = match.group("line").lstrip(BLANKS)
    if line.startswith('"'):
        inner = line[1 : line.find('"', 1)] if line.count('"') >= 2 else ""
        keep = (
            "/s" not in match.group("switches").lower()
            and line.count('"') == 2
            and not set(inner) & set("&<>()@^|")
            and any(c in BLANKS for c in inner)
            and (_program_name(inner) in _tools() or state.files.is_file(inner))
        )
        if not keep:
            last = line.rfind('"')
            line = line[1:last] + line[last + 1 :] if last > 0 else line[1:]
    return run_line(state, ctx, line)
