"""Run a command line as SYSTEM, detached from WinRM, through a one-shot scheduled task (schtasks.exe).

Restarting WinRM from a WinRS shell kills that shell before ``net start`` runs; a SYSTEM task survives the
restart. The task is registered for 00:00 today (already past, so it never fires on its own), started at once
with ``schtasks /run``, and deletes itself as its last step, so nothing is left behind even when the
controller cannot reconnect.
"""

from __future__ import annotations

import typing as t
import xml.etree.ElementTree as ET

from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import errors, winrs

RESTART_WINRM = "net stop winrm /y & net start winrm"
MAX_TASK_RUN = 261  # schtasks refuses a /tr longer than this


class TaskError(errors.WinRemoteError):
    """The task could not be registered or started."""

    kind = "task"


class Requester(t.Protocol):
    def request(
        self,
        action: str,
        resource_uri: str,
        body: t.Any = None,
        selectors: t.Mapping[str, t.Any] | None = None,
        options: t.Mapping[str, t.Any] | None = None,
    ) -> ET.Element: ...


def start_command(name: str, command_line: str) -> str:
    """`schtasks /create ... && schtasks /run ...` for a self-deleting SYSTEM task running ``command_line``."""
    if '"' in command_line or '"' in name:
        raise ValueError("task names and command lines cannot contain double quotes")
    action = f"cmd.exe /c {command_line} & schtasks /delete /tn {name} /f"
    if len(action) > MAX_TASK_RUN:
        raise ValueError(f"the task command is {len(action)} characters, more than schtasks accepts")
    return (
        f'schtasks /create /tn "{name}" /sc once /st 00:00 /ru SYSTEM /tr "{action}" /f && schtasks /run /tn "{name}"'
    )


def _tolerant(client: Requester) -> winrs.Requester:
    """The client's request, except that the shell's final Delete may fail: the task may already have restarted
    WinRM, which ends every shell and connection; the command's answer arrived before that."""

    def request(
        action: str,
        resource_uri: str,
        body: ET.Element | None = None,
        selectors: t.Mapping[str, str] | None = None,
        options: t.Mapping[str, winrs.OptionValue] | None = None,
    ) -> ET.Element:
        try:
            return client.request(action, resource_uri, body, selectors, options)
        except errors.WinRemoteError:
            if action != winrs.ACTION_DELETE:
                raise
            return ET.Element("deleted")

    return request


def run_as_system(client: Requester, name: str, command_line: str) -> winrs.CommandResult:
    """Register and start the task; raises TaskError unless both schtasks steps exited 0 (their texts are
    localised, their exit codes are not)."""
    result = winrs.run_command(_tolerant(client), "cmd.exe", ["/c", start_command(name, command_line)])
    if result.rc != 0:
        detail = " ".join((result.stderr or result.stdout).split()) or f"exit code {result.rc}"
        raise TaskError(f"could not start the SYSTEM scheduled task {name}: {detail}")
    return result
