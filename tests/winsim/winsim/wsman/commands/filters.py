# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""`findstr` and `find`, the text filters: without a file name both read standard input (a pipe, `<file`, or the
WinRS command's own input sent with rsp:Send) and print the matching lines, each ending in CRLF.

findstr: "Search for ... strings ... in the specified files or in standard input (if no files are given)"
(O'Reilly "Windows 2000 Commands Pocket Reference", findstr); exit code 0 when a line matched, 1 otherwise.
Modelled: /i /v /n /x /b /e /l /r /c:string, one or more space-separated strings; the regular expressions ``.``
``*`` ``^`` ``$`` ``[class]`` (Python's meaning of them, which agrees for these). find: `find [/v] [/c] [/n] [/i]
"string" [file]`; "If you omit a file name, find acts as a filter, taking input from the standard input source"
(Microsoft Learn, Windows XP command reference, Find); /c prints only the count (after ``---------- NAME:`` when a
file is named). An empty string matches no line, so ``find /c /v ""`` counts every line (the usual idiom).
"""

from __future__ import annotations

import re

from winsim.files import FileSystemError
from winsim.wsman.commands import CommandResult, Invocation, take_console_stdin


def _input(inv: Invocation) -> str:
    return inv.stdin if inv.stdin else take_console_stdin()


def _lines(text: str) -> list[str]:
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def findstr(inv: Invocation) -> CommandResult:
    flags: set[str] = set()
    literals: list[str] = []
    rest: list[str] = []
    for arg in inv.args:
        if not rest and arg.startswith("/") and len(arg) > 1:
            if arg[:3].lower() == "/c:":
                literals.append(arg[3:])
            else:
                flags |= {f"/{c}" for c in arg[1:].lower()}
        else:
            rest.append(arg)
    strings = literals or (rest[0].split(" ") if rest else [])
    files = rest if literals else rest[1:]
    if not strings:
        return CommandResult(stderr="FINDSTR: Bad command line\r\n", rc=2)
    literal = "/l" in flags or (bool(literals) and "/r" not in flags)
    patterns = [re.escape(s) if literal else s for s in strings]
    if "/x" in flags:
        patterns = [f"^(?:{p})$" for p in patterns]
    elif "/b" in flags:
        patterns = [f"^(?:{p})" for p in patterns]
    elif "/e" in flags:
        patterns = [f"(?:{p})$" for p in patterns]
    matcher = re.compile("|".join(patterns), re.IGNORECASE if "/i" in flags else 0)
    sources: list[tuple[str, str]] = []
    err = ""
    for name in files:
        try:
            sources.append((name, inv.state.files.read(name).decode("utf-8", errors="replace")))
        except FileSystemError:
            err += f"FINDSTR: Cannot open {name}\r\n"
    if not files:
        sources.append(("", _input(inv)))
    out: list[str] = []
    for name, text in sources:
        prefix = f"{name}:" if len(files) > 1 else ""
        for number, line in enumerate(_lines(text), 1):
            if bool(matcher.search(line)) != ("/v" in flags):
                out.append(prefix + (f"{number}:" if "/n" in flags else "") + line + "\r\n")
    return CommandResult(stdout="".join(out), stderr=err, rc=0 if out else 1)


def find(inv: Invocation) -> CommandResult:
    flags = {a.lower() for a in inv.args if a.startswith("/")}
    operands = [a for a in inv.args if not a.startswith("/")]
    if not operands:
        return CommandResult(stderr="FIND: Parameter format not correct\r\n", rc=2)
    needle, files = operands[0], operands[1:]
    if files and not inv.state.files.is_file(files[0]):
        return CommandResult(stderr=f"File not found - {files[0].upper()}\r\n", rc=1)
    text = inv.state.files.read(files[0]).decode("utf-8", errors="replace") if files else _input(inv)
    fold = (lambda s: s.lower()) if "/i" in flags else (lambda s: s)
    hits = [
        (number, line)
        for number, line in enumerate(_lines(text), 1)
        if (bool(needle) and fold(needle) in fold(line)) != ("/v" in flags)
    ]
    header = f"\r\n---------- {files[0].upper()}" if files else ""
    if "/c" in flags:
        return CommandResult(stdout=f"{header}: {len(hits)}\r\n" if files else f"{len(hits)}\r\n", rc=0 if hits else 1)
    body = "".join((f"[{n}]" if "/n" in flags else "") + line + "\r\n" for n, line in hits)
    return CommandResult(stdout=(header + "\r\n" if files else "") + body, rc=0 if hits else 1)
