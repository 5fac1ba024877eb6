# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""WinRS (`.../windows/shell/cmd`): Create, Command, Send, Receive, Signal, Delete, shaped like the recordings.

A command runs once its input is complete: at the Send with ``End="true"`` (MS-WSMV 3.1.4.13), or at the first
Receive, Signal or Delete when none came (what a client that sends no input sees of a command started at Command:
real WinRS starts it at once, and its input is then an open pipe nobody writes). A Delete after some Sends but
before End runs it on the input that came: findstr has written those lines on Windows too, but the rest of the
line also runs here, where Windows ends the command. Receive returns all the output at
once with CommandState Done, and carries the command's side effects (e.g. restart_winrm) so the transport acts
after the output is delivered.
"""

from __future__ import annotations

import base64
import codecs
import re
from dataclasses import dataclass, field

from winsim import console, tasks
from winsim.console import CONSOLE_STDIN, OEM_CODEPAGE, SHELL_CODEPAGE, CommandResult
from winsim.contract import RequestContext
from winsim.state import HostState
from winsim.wsman.soap import (
    ACTION_CREATE,
    ACTION_DELETE,
    Request,
    Result,
    WsmanFault,
    action_not_supported,
    attr,
    endpoint_address,
    invalid_selectors,
    local_name,
    new_uuid,
    q,
    text,
)

SHELL_URI = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd"
SHELL = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
DONE = SHELL + "/CommandState/Done"
PROVIDER = ("Shell cmd plugin", r"%systemroot%\system32\winrscmd.dll")


@dataclass
class Pending:
    """A command waiting for its standard input to end (the Sends so far, decoded)."""

    program: str
    arguments: list[str]
    stdin: bytearray = field(default_factory=bytearray)


@dataclass
class Shell:
    shell_id: str
    owner: str
    client_ip: str
    idle_timeout: str
    input_streams: str = "stdin"
    output_streams: str = "stdout stderr"
    working_directory: str = ""
    environment: list[tuple[str, str]] = field(default_factory=list)
    commands: dict[str, CommandResult] = field(default_factory=dict)
    pending: dict[str, Pending] = field(default_factory=dict)
    # WINRS_CODEPAGE of the Create (MS-WSMV 2.2.4.37 lists it among the shell options); without one the console's
    # OEM code page, 437 on an en-US host. Output is encoded in it.
    codepage: str = OEM_CODEPAGE


def encoding_of(codepage: str) -> str:
    """The Python codec of a Windows code page (65001 is UTF-8; an unknown page falls back to UTF-8)."""
    name = "utf-8" if codepage == "65001" else f"cp{codepage}"
    try:
        codecs.lookup(name)
    except LookupError:
        return "utf-8"
    return name


def _shell_not_found(shell_id: str) -> WsmanFault:
    message = (
        f"The request for the Windows Remote Shell with ShellId {shell_id} failed because the shell was not "
        "found on the server. Possible causes are: the specified ShellId is incorrect or the shell no longer "
        "exists on the server. Provide the correct ShellId or create a new shell and retry the operation. "
    )
    return invalid_selectors(message)


def _command_not_found() -> WsmanFault:
    message = (
        "The Windows Remote Shell received a request to perform an operation on a command identifier that "
        "does not exist. Either the command has completed execution or the client specified an invalid "
        "command identifier. "
    )
    reason = (
        "The WS-Management service cannot process the request because the request contained invalid "
        "selectors for the resource. "
    )
    return WsmanFault(2150858843, reason, "w:InvalidSelectors", message=message, detail="UnexpectedSelectors")


def _parameter_incorrect() -> WsmanFault:
    return WsmanFault(
        87,
        "The parameter is incorrect. ",
        "w:InvalidParameter",
        message="The parameter is incorrect. ",
        detail="InvalidValue",
        provider=PROVIDER,
    )


def _file_not_found() -> WsmanFault:
    reason = "The system cannot find the file specified. "
    return WsmanFault(2147942402, reason, "w:InternalError", sender=False, provider=PROVIDER)


def _duration(value: str, default_ms: int) -> str:
    """`PT60S` -> `PT60.000S`, the way Windows echoes IdleTimeOut."""
    match = re.fullmatch(r"PT(\d+(?:\.\d+)?)S", value.strip()) if value else None
    seconds = float(match.group(1)) if match else default_ms / 1000
    return f"PT{seconds:.3f}S"


def _owner(ctx: RequestContext, state: HostState) -> str:
    domain = ctx.identity.domain
    if domain and domain.lower() not in (state.hostname.lower(), "."):
        return f"{domain}\\{ctx.identity.user}"
    return ctx.identity.user


def _shell(state: HostState, req: Request) -> Shell:
    shell_id = req.selector("ShellId") or ""
    shell = state.runtime.shells.get(shell_id.upper())
    if shell is None:
        raise _shell_not_found(shell_id)
    return shell


def render_shell(shell: Shell) -> str:
    env = "".join(f"<rsp:Variable Name={attr(n)}>{text(v)}</rsp:Variable>" for n, v in shell.environment)
    return (
        f'<rsp:Shell xmlns:rsp="{SHELL}"><rsp:ShellId>{shell.shell_id}</rsp:ShellId>'
        f"<rsp:ResourceUri>{SHELL_URI}</rsp:ResourceUri><rsp:Owner>{text(shell.owner)}</rsp:Owner>"
        f"<rsp:ClientIP>{text(shell.client_ip)}</rsp:ClientIP>"
        + (f"<rsp:Environment>{env}</rsp:Environment>" if shell.environment else "")
        + (
            f"<rsp:WorkingDirectory>{text(shell.working_directory)}</rsp:WorkingDirectory>"
            if shell.working_directory
            else ""
        )
        + f"<rsp:IdleTimeOut>{shell.idle_timeout}</rsp:IdleTimeOut>"
        f"<rsp:InputStreams>{text(shell.input_streams)}</rsp:InputStreams>"
        f"<rsp:OutputStreams>{text(shell.output_streams)}</rsp:OutputStreams>"
        "<rsp:ShellRunTime>P0DT0H0M0S</rsp:ShellRunTime><rsp:ShellInactivity>P0DT0H0M0S</rsp:ShellInactivity>"
        "</rsp:Shell>"
    )


def create(state: HostState, req: Request, ctx: RequestContext) -> Result:
    payload = req.payload()
    if payload is None or local_name(payload) != "Shell":
        raise _parameter_incorrect()
    idle_ms = int(state.winrm_text("Winrs", "IdleTimeout"))
    shell = Shell(
        shell_id=new_uuid(),
        owner=_owner(ctx, state),
        client_ip=ctx.client_ip,
        idle_timeout=_duration(payload.findtext(q("rsp", "IdleTimeOut")) or "", idle_ms),
        input_streams=payload.findtext(q("rsp", "InputStreams")) or "stdin",
        output_streams=payload.findtext(q("rsp", "OutputStreams")) or "stdout stderr",
        working_directory=payload.findtext(q("rsp", "WorkingDirectory")) or "",
        environment=[(v.get("Name", ""), v.text or "") for v in payload.iter(q("rsp", "Variable"))],
        codepage=(req.options.get("WINRS_CODEPAGE") or OEM_CODEPAGE).strip(),
    )
    state.runtime.shells[shell.shell_id] = shell
    created = (
        f"<x:ResourceCreated><a:Address>{endpoint_address(ctx)}</a:Address><a:ReferenceParameters>"
        f"<w:ResourceURI>{SHELL_URI}</w:ResourceURI><w:SelectorSet>"
        f'<w:Selector Name="ShellId">{shell.shell_id}</w:Selector></w:SelectorSet></a:ReferenceParameters>'
        "</x:ResourceCreated>"
    )
    return Result(ACTION_CREATE + "Response", created + render_shell(shell), ("x", "w", "rsp", "p"))


def command(state: HostState, req: Request, ctx: RequestContext) -> Result:
    shell = _shell(state, req)
    payload = req.payload()
    if payload is None or local_name(payload) != "CommandLine":
        raise _parameter_incorrect()
    program = (payload.findtext(q("rsp", "Command")) or "").strip()
    arguments = [a.text or "" for a in payload.findall(q("rsp", "Arguments"))]
    skip_cmd = req.options.get("WINRS_SKIP_CMD_SHELL", "False").lower() == "true"
    if skip_cmd and "\\" not in program and "/" not in program and program.lower() not in ("cmd", "cmd.exe"):
        raise _file_not_found()  # without cmd.exe there is no PATH search (as in the 2008 R2 recording)
    command_id = new_uuid()
    shell.pending[command_id] = Pending(program, arguments)
    body = f"<rsp:CommandResponse><rsp:CommandId>{command_id}</rsp:CommandId></rsp:CommandResponse>"
    return Result(SHELL + "/CommandResponse", body, ("x", "w", "rsp", "p"))


def _run(state: HostState, ctx: RequestContext, shell: Shell, command_id: str) -> None:
    """Run a pending command with the input it was sent (decoded in the shell's code page)."""
    pending = shell.pending.pop(command_id, None)
    if pending is None:
        return
    token = SHELL_CODEPAGE.set(shell.codepage)  # what winrm.cmd sees of the shell it runs in
    stdin = CONSOLE_STDIN.set([bytes(pending.stdin).decode(encoding_of(shell.codepage), errors="replace")])
    try:
        shell.commands[command_id] = console.get().run_command(state, ctx, pending.program, pending.arguments)
    finally:
        CONSOLE_STDIN.reset(stdin)
        SHELL_CODEPAGE.reset(token)


def receive(state: HostState, req: Request, ctx: RequestContext) -> Result:
    shell = _shell(state, req)
    payload = req.payload()
    stream = payload.find(q("rsp", "DesiredStream")) if payload is not None else None
    command_id = (stream.get("CommandId") or "").upper() if stream is not None else ""
    if not command_id:
        raise _parameter_incorrect()
    _run(state, ctx, shell, command_id)
    result = shell.commands.get(command_id)
    if result is None:
        raise _command_not_found()
    parts = []
    for name, data in (("stdout", result.stdout), ("stderr", result.stderr)):
        if data:
            encoded = base64.b64encode(data.encode(encoding_of(shell.codepage), errors="replace")).decode("ascii")
            parts.append(f'<rsp:Stream Name="{name}" CommandId="{command_id}">{encoded}</rsp:Stream>')
    parts += [f'<rsp:Stream Name="{n}" CommandId="{command_id}" End="true"></rsp:Stream>' for n in ("stdout", "stderr")]
    parts.append(
        f'<rsp:CommandState CommandId="{command_id}" State="{DONE}">'
        f"<rsp:ExitCode>{result.rc}</rsp:ExitCode></rsp:CommandState>"
    )
    effects, result.effects = result.effects, set()  # deliver side effects once
    deferred, result.deferred = result.deferred, []
    effects |= tasks.run_deferred(state, deferred)  # `schtasks /run`: the task starts after this answer
    body = f"<rsp:ReceiveResponse>{''.join(parts)}</rsp:ReceiveResponse>"
    return Result(SHELL + "/ReceiveResponse", body, ("w", "rsp", "p"), effects=effects)


def signal(state: HostState, req: Request, ctx: RequestContext) -> Result:
    shell = _shell(state, req)
    payload = req.payload()
    command_id = (payload.get("CommandId") or "").upper() if payload is not None else ""
    _run(state, ctx, shell, command_id)
    if command_id not in shell.commands:
        raise _command_not_found()
    del shell.commands[command_id]  # terminate / ctrl_c: the command is gone either way
    return Result(SHELL + "/SignalResponse", "<rsp:SignalResponse/>", ("x", "w", "rsp", "p"))


def send(state: HostState, req: Request, ctx: RequestContext) -> Result:
    """``rsp:Send``: each ``stdin`` Stream's base64 is appended to its command's input; ``End="true"`` runs it."""
    shell = _shell(state, req)
    payload = req.payload()
    if payload is None or local_name(payload) != "Send":
        raise _parameter_incorrect()
    for stream in payload.findall(q("rsp", "Stream")):
        command_id = (stream.get("CommandId") or "").upper()
        pending = shell.pending.get(command_id)
        if pending is None:
            if command_id in shell.commands:
                continue  # the command already read its input to the end (or never read any): ignored
            raise _command_not_found()
        if stream.get("Name", "stdin") != "stdin":
            raise _parameter_incorrect()
        try:
            pending.stdin += base64.b64decode(stream.text or "", validate=True)
        except ValueError:
            raise _parameter_incorrect() from None
        if (stream.get("End") or "").lower() == "true":
            _run(state, ctx, shell, command_id)
    return Result(SHELL + "/SendResponse", "<rsp:SendResponse/>", ("x", "w", "rsp", "p"))


def delete(state: HostState, req: Request, ctx: RequestContext) -> Result:
    shell = _shell(state, req)
    effects: set[str] = set()
    for command_id in list(shell.pending):  # started at Command on Windows: it ran, whoever read its output
        _run(state, ctx, shell, command_id)
        result = shell.commands[command_id]
        effects |= result.effects | tasks.run_deferred(state, result.deferred)
    del state.runtime.shells[shell.shell_id]
    return Result(ACTION_DELETE + "Response", "", ("w", "p"), effects=effects)


HANDLERS = {
    ACTION_CREATE: create,
    SHELL + "/Command": command,
    SHELL + "/Receive": receive,
    SHELL + "/Signal": signal,
    SHELL + "/Send": send,
    ACTION_DELETE: delete,
}


def handle(state: HostState, req: Request, ctx: RequestContext) -> Result:
    handler = HANDLERS.get(req.action)
    if handler is None:
        raise action_not_supported()
    return handler(state, req, ctx)
