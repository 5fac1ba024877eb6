# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A client whose WinRS commands run in-process through the simulator's cmd.exe, against a winsim HostState.

Unit tests use it instead of canned command output: `reg query`, `sc`, `schtasks` and `netsh` answer from the
simulated host's model, so a test cannot pass on output Windows would never print. Only `run_command` runs: the
other operations of the Client protocol fail the test, which then belongs against a SimulatedHost over HTTP
(tests/integration).
"""

from __future__ import annotations

import typing as t
import xml.etree.ElementTree as ET

from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import cim
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.protocol import Body, Options, Selectors
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.winrs import CommandResult
from winsim import HostState  # importing the package installs its cmd.exe as the model's console
from winsim import tasks as winsim_tasks
from winsim.console import SHELL_CODEPAGE
from winsim.contract import Identity, RequestContext
from winsim.wsman import commands
from winsim.wsman.winrs import encoding_of

ADMINISTRATOR = RequestContext(
    identity=Identity(user="Administrator", domain="", auth="ntlm", encrypted=True, tls=False),
    host_address="127.0.0.1",
    port=5985,
    transport="HTTP",
)


class InProcessClient:
    """`run_command` as WSManClient offers it, answered by the simulator's cmd.exe in this process.

    Each command line is recorded in `commands`; the programs it started are in `state.runtime.programs`. Output
    travels through the shell's code page as it would over WinRS (65001, what the collection asks WinRM 3.0 hosts
    for, unless `codepage` says otherwise).
    """

    def __init__(self, state: HostState, codepage: str = "65001") -> None:
        self.state = state
        self.codepage = codepage
        self.commands: list[str] = []

    def run_command(self, command: str, arguments: t.Sequence[str] = ()) -> CommandResult:
        self.commands.append(" ".join([command, *arguments]) if command.lower() != "cmd.exe" else arguments[-1])
        token = SHELL_CODEPAGE.set(self.codepage)
        try:
            result = commands.run_command(self.state, ADMINISTRATOR, command, list(arguments))
        finally:
            SHELL_CODEPAGE.reset(token)
        winsim_tasks.run_deferred(self.state, result.deferred)  # `schtasks /run` starts the task after the answer
        encoding = encoding_of(self.codepage)
        stdout = result.stdout.encode(encoding, errors="replace").decode(encoding)
        stderr = result.stderr.encode(encoding, errors="replace").decode(encoding)
        return CommandResult(stdout, stderr, result.rc)

    def close(self) -> None:
        """Nothing to drop: no connection."""

    # WS-Transfer, WS-Enumeration and CIM have no in-process path: tests that need them use a SimulatedHost.
    def get(self, resource_uri: str, selectors: Selectors | None = None, options: Options | None = None) -> ET.Element:
        raise NotInProcess(resource_uri)

    def put(
        self, resource_uri: str, body: Body, selectors: Selectors | None = None, options: Options | None = None
    ) -> ET.Element | None:
        raise NotInProcess(resource_uri)

    def create(
        self, resource_uri: str, body: Body, selectors: Selectors | None = None, options: Options | None = None
    ) -> ET.Element:
        raise NotInProcess(resource_uri)

    def delete(self, resource_uri: str, selectors: Selectors | None = None, options: Options | None = None) -> None:
        raise NotInProcess(resource_uri)

    def enumerate(self, resource_uri: str) -> list[ET.Element]:
        raise NotInProcess(resource_uri)

    def invoke(
        self,
        resource_uri: str,
        method: str,
        params: t.Mapping[str, t.Any] | None = None,
        selectors: Selectors | None = None,
        types: cim.TypeHints | None = None,
    ) -> dict[str, cim.CimValue]:
        raise NotInProcess(f"{resource_uri}/{method}")


class NotInProcess(AssertionError):
    """The code under test asked for a WS-Man operation other than a WinRS command."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what}: only WinRS commands run in-process; test this against a SimulatedHost")


def run_line(state: HostState, line: str) -> str:
    """The stdout of one command line run by the simulator's cmd.exe (as the Administrator, through WinRS)."""
    return InProcessClient(state).run_command("cmd.exe", ["/c", line]).stdout
