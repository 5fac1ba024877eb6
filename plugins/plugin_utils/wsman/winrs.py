# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""WinRS: run one command in a cmd shell in four requests (Create, Command, Receive, Delete), plus one Send per
piece of standard input when the command reads some (``run_command_with_input``).

No Signal is sent: deleting the shell ends the command, which saves a round trip per command. The shell asks for
code page 65001 so output arrives as UTF-8, except on WinRM stack 2.0 hosts (``codepage_for``: 437, decoded as such),
and no user profile is loaded (faster, and nothing the tools need).

Every command has a wall-clock deadline (``transport.command_deadline``: connection_timeout + read_timeout +
15 x operation_timeout, 360 s by default) and its collected stdout + stderr a size limit (``MAX_OUTPUT_BYTES``,
16 MiB): a Receive that answers "no output yet" forever, or streams output forever, ends with a one-line error.
Once a Receive reported the command Done with an exit code, the command's result stands: a failing final Delete
(the command may have restarted WinRM, a connection reset, a fault) is not an error. The shell it leaves behind
ends with WinRM's idle timeout (``IdleTimeOut``, see https://learn.microsoft.com/en-us/windows/win32/winrm/
installation-and-configuration-for-windows-remote-management).
"""

from __future__ import annotations

import base64
import dataclasses
import time
import typing as t
import xml.etree.ElementTree as ET

from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import errors, translate
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import xml as wx

SHELL_URI = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd"
ACTION_CREATE = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create"
ACTION_DELETE = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete"
ACTION_COMMAND = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Command"
ACTION_RECEIVE = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Receive"
ACTION_SEND = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Send"
STATE_DONE = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Done"
MAX_RECEIVES = 10000  # a runaway guard only: a normal command needs one Receive
MAX_OUTPUT_BYTES = 16 * 1024 * 1024  # stdout + stderr of one command; the collection's probes print a few KiB
COMMAND_POLLS = 15  # Receive polls answered "no output yet" that a command may sit through (see transport.py)
DEFAULT_DEADLINE = 360.0  # seconds; transport.command_deadline() of the default timeouts (30 + 30 + 15 x 20)

OptionValue = str | int | bool | tuple[t.Any, dict[str, str]]


class Requester(t.Protocol):
    """The client's ``request`` method: send one SOAP request, return the reply's ``s:Body``."""

    def __call__(
        self,
        action: str,
        resource_uri: str,
        body: ET.Element | None = None,
        selectors: t.Mapping[str, str] | None = None,
        options: t.Mapping[str, OptionValue] | None = None,
    ) -> ET.Element: ...


@dataclasses.dataclass(frozen=True)
class CommandLimits:
    """How long one command may take and how much output it may collect; ``endpoint`` names the host in errors."""

    deadline: float = DEFAULT_DEADLINE
    max_output: int = MAX_OUTPUT_BYTES
    endpoint: str = "the WinRM endpoint"
    on_abandoned_shell: t.Callable[[], None] | None = None  # after a failed final Delete (e.g. drop the session)


@dataclasses.dataclass(frozen=True)
class CommandResult:
    """Decoded output and exit code of one command."""

    stdout: str
    stderr: str
    rc: int


def shell_body() -> ET.Element:
    """``rsp:Shell`` with stdin in and stdout/stderr out."""
    shell = ET.Element(wx.qn("rsp", "Shell"))
    ET.SubElement(shell, wx.qn("rsp", "InputStreams")).text = "stdin"
    ET.SubElement(shell, wx.qn("rsp", "OutputStreams")).text = "stdout stderr"
    return shell


UTF8_CODEPAGE = 65001
# The United States OEM code page. Under 65001, batch files (winrm.cmd among them) print nothing and report no
# error on Server 2008 (https://github.com/ansible/ansible/issues/21915,
# https://github.com/chef/knife-windows/issues/400, https://github.com/WinRb/WinRM/issues/181); programs such as
# reg.exe and sc.exe are not affected.
OEM_CODEPAGE = 437


def codepage_for(wsman_stack_version: str, oem_code_page: int | None = None) -> int:
    """The shell code page for a host: 65001 (UTF-8) from WinRM stack 3.0 on; on stack 2.0 hosts (Server 2008 and
    2008 R2 with WMF 2.0), where batch files fail silently under 65001, the host's own OEM code page (850 on a
    Portuguese or French server, 437 on an English one: the ``OEMCP`` value of
    ``HKLM\\SYSTEM\\CurrentControlSet\\Control\\Nls\\CodePage``, Microsoft Learn "Code Page Identifiers"), so
    translated text arrives in the page it is written in and decodes without loss; 437 when it was not read."""
    if wsman_stack_version != "2.0":
        return UTF8_CODEPAGE
    if oem_code_page is not None and oem_code_page != UTF8_CODEPAGE and _known(oem_code_page):
        return oem_code_page
    return OEM_CODEPAGE


def _known(codepage: int) -> bool:
    """Python can decode it (an exotic page would garble every line: 437 is then the better guess)."""
    try:
        "".encode(f"cp{int(codepage)}")
    except LookupError:
        return False
    return True


def shell_options(codepage: int = UTF8_CODEPAGE) -> dict[str, OptionValue]:
    """Shell Create options: no user profile, and the console code page the output is encoded in."""
    return {"WINRS_NOPROFILE": ("TRUE", {"MustComply": "true"}), "WINRS_CODEPAGE": str(int(codepage))}


def decode(data: bytes, codepage: int) -> str:
    """Output bytes in the shell's code page as text (an unknown page falls back to UTF-8, never fails)."""
    try:
        return data.decode("utf-8" if codepage == UTF8_CODEPAGE else f"cp{int(codepage)}", errors="replace")
    except LookupError:
        return data.decode("utf-8", errors="replace")


SHELL_OPTIONS: dict[str, OptionValue] = shell_options(UTF8_CODEPAGE)
COMMAND_OPTIONS: dict[str, OptionValue] = {"WINRS_SKIP_CMD_SHELL": "FALSE"}
INPUT_COMMAND_OPTIONS: dict[str, OptionValue] = {**COMMAND_OPTIONS, "WINRS_CONSOLEMODE_STDIN": "FALSE"}


def command_body(command: str, arguments: t.Sequence[str] = ()) -> ET.Element:
    """``rsp:CommandLine`` with ``rsp:Command`` and one ``rsp:Arguments`` per argument."""
    line = ET.Element(wx.qn("rsp", "CommandLine"))
    ET.SubElement(line, wx.qn("rsp", "Command")).text = command
    for argument in arguments:
        ET.SubElement(line, wx.qn("rsp", "Arguments")).text = argument
    return line


def receive_body(command_id: str) -> ET.Element:
    """``rsp:Receive`` asking for both output streams of one command."""
    receive = ET.Element(wx.qn("rsp", "Receive"))
    ET.SubElement(receive, wx.qn("rsp", "DesiredStream"), CommandId=command_id).text = "stdout stderr"
    return receive


def send_body(command_id: str, data: bytes, end: bool) -> ET.Element:
    """``rsp:Send`` with one ``stdin`` stream of ``data`` in base64 (MS-WSMV 3.1.4.13); ``End="true"`` on the last."""
    send = ET.Element(wx.qn("rsp", "Send"))
    stream = ET.SubElement(send, wx.qn("rsp", "Stream"), Name="stdin", CommandId=command_id)
    if end:
        stream.set("End", "true")
    stream.text = base64.b64encode(data).decode("ascii")
    return send


def parse_shell_id(body: ET.Element) -> str:
    """The ShellId from a Create reply (``rsp:Shell/rsp:ShellId``, else the ResourceCreated selector)."""
    shell_id = wx.child_text(wx.descendant(body, "Shell"), "ShellId")
    if not shell_id:
        for selector in body.iter(wx.qn("wsman", "Selector")):
            if selector.get("Name") == "ShellId" and selector.text:
                shell_id = selector.text.strip()
    if not shell_id:
        raise errors.ProtocolError("the WinRS Create reply has no ShellId")
    return shell_id


def parse_command_id(body: ET.Element) -> str:
    """The CommandId from a Command reply."""
    command_id = wx.child_text(wx.descendant(body, "CommandResponse"), "CommandId")
    if not command_id:
        raise errors.ProtocolError("the WinRS Command reply has no CommandId")
    return command_id


def parse_receive(body: ET.Element) -> tuple[dict[str, bytes], bool, int | None]:
    """(bytes per stream, command done, exit code) from one ReceiveResponse."""
    response = wx.descendant(body, "ReceiveResponse")
    if response is None:
        raise errors.ProtocolError("the WinRS Receive reply has no ReceiveResponse")
    streams: dict[str, bytes] = {"stdout": b"", "stderr": b""}
    for stream in wx.children(response, "Stream"):
        if stream.text:
            name = stream.get("Name", "stdout")
            streams[name] = streams.get(name, b"") + base64.b64decode(stream.text)
    state = wx.child(response, "CommandState")
    done = state is not None and state.get("State", "").endswith("/Done")
    rc: int | None = None
    if state is not None:
        code = wx.child_text(state, "ExitCode")
        if code:
            try:
                rc = int(code)
            except ValueError as exc:
                shown = errors.truncate(repr(code), errors.NAME_LIMIT)
                raise errors.ProtocolError(f"the WinRS exit code {shown} is not a number") from exc
    return streams, done, rc


def run_command(
    request: Requester,
    command: str,
    arguments: t.Sequence[str] = (),
    limits: CommandLimits | None = None,
    codepage: int = UTF8_CODEPAGE,
) -> CommandResult:
    """Create a shell in ``codepage``, run the command, decode its output in that page, and always delete the
    shell."""
    return run_command_with_input(request, command, arguments, None, limits, codepage)


def run_command_with_input(
    request: Requester,
    command: str,
    arguments: t.Sequence[str],
    stdin: t.Iterable[bytes] | None,
    limits: CommandLimits | None = None,
    codepage: int = UTF8_CODEPAGE,
) -> CommandResult:
    """``run_command`` that first sends each item of ``stdin`` in its own Send (the last with ``End``), so the
    caller sizes each item to fit one envelope. With input the command's stdin is a pipe, not a console
    (``WINRS_CONSOLEMODE_STDIN`` FALSE, MS-WSMV 2.2.4.37, as Ansible's winrm connection plugin asks when it sends
    input); ``None``: no input, a console stdin as ``run_command`` has."""
    limits = limits or CommandLimits()
    ends = time.monotonic() + limits.deadline
    shell_id = parse_shell_id(request(ACTION_CREATE, SHELL_URI, shell_body(), options=shell_options(codepage)))
    selectors = {"ShellId": shell_id}
    try:
        options = COMMAND_OPTIONS if stdin is None else INPUT_COMMAND_OPTIONS
        reply = request(ACTION_COMMAND, SHELL_URI, command_body(command, arguments), selectors, options)
        command_id = parse_command_id(reply)
        _send_all(request, selectors, command_id, stdin or (), ends, limits)
        stdout, stderr = bytearray(), bytearray()
        rc: int | None = None
        for _unused in range(MAX_RECEIVES):
            if time.monotonic() >= ends:
                raise translate.deadline_exceeded(
                    limits.endpoint,
                    limits.deadline,
                    "the command",
                    "the command deadline: connection.connection_timeout + connection.read_timeout + "
                    f"{COMMAND_POLLS} x connection.operation_timeout",
                )
            try:
                reply = request(ACTION_RECEIVE, SHELL_URI, receive_body(command_id), selectors)
            except errors.WSManFaultError as fault:
                if fault.code == errors.WSMAN_TIMED_OUT:
                    continue  # no output within OperationTimeout: the command still runs, ask again
                raise
            streams, done, code = parse_receive(reply)
            stdout += streams.get("stdout", b"")
            stderr += streams.get("stderr", b"")
            if len(stdout) + len(stderr) > limits.max_output:
                raise errors.ReplyTooLargeError(
                    f"WinRM at {limits.endpoint} sent more than {limits.max_output} bytes of output for one command "
                    "(the limit for stdout + stderr): the command printed far more than expected"
                )
            if done:
                rc = code if code is not None else 0
                break
        if rc is None:
            raise errors.ProtocolError(f"the command {command!r} did not finish after {MAX_RECEIVES} Receive requests")
        result = CommandResult(decode(bytes(stdout), codepage), decode(bytes(stderr), codepage), rc)
        return result
    finally:
        delete_shell(request, selectors, limits)


def _send_all(
    request: Requester,
    selectors: t.Mapping[str, str],
    command_id: str,
    stdin: t.Iterable[bytes],
    ends: float,
    limits: CommandLimits,
) -> None:
    """One Send per item, ``End`` on the last one (looked ahead, so no empty Send is needed), within the deadline."""
    iterator = iter(stdin)
    current = next(iterator, None)
    while current is not None:
        if time.monotonic() >= ends:
            raise translate.deadline_exceeded(
                limits.endpoint, limits.deadline, "sending the command's input", "the command deadline"
            )
        following = next(iterator, None)
        request(ACTION_SEND, SHELL_URI, send_body(command_id, current, following is None), selectors)
        current = following


def delete_shell(request: Requester, selectors: t.Mapping[str, str], limits: CommandLimits) -> None:
    """The final Delete; its failure never replaces the outcome. After a complete Receive the result is in (the
    command may itself have restarted WinRM, which ends every shell); before that, the command's own error is the
    one to report. ``on_abandoned_shell`` drops the session so the next request logs in again."""
    try:
        request(ACTION_DELETE, SHELL_URI, None, selectors)
    except errors.WinRemoteError:
        if limits.on_abandoned_shell is not None:
            limits.on_abandoned_shell()
