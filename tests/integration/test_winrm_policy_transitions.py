# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""winrm_policy: every transition between the policy's states, applied by the engine to a simulated host, converges
(a second run plans nothing) and keeps the local GPO's other settings.

Connected through a local HTTPS listener, which the policy leaves in place, so not_configured (which removes the
Group Policy HTTP listener) does not cut the connection.
"""

from __future__ import annotations

import dataclasses
import typing as t

from simhosts import HostFactory, config_for, https_overrides

from ansible_collections.winremote.remoting.plugins.plugin_utils.engine import execute as engine
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures.winrm_policy import (
    GPT_INI,
    REGISTRY_KEY,
    REGISTRY_POL,
    PolicyDesired,
    WinrmPolicy,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import gpt_ini, registry_pol
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows.registry_pol import PolEntry
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.client import WSManClient
from winsim import HostState, SimulatedHost

OTHER = PolEntry.dword(r"Software\Policies\Microsoft\Windows\WindowsUpdate\AU", "NoAutoUpdate", 1)
GPT = "[General]\r\ngPCFunctionalityVersion=2\r\nVersion=65537\r\n"  # user half 1, computer half 1


def host_path(path: str) -> str:
    return path.replace("%SystemRoot%", r"C:\Windows")


def other_settings(state: HostState) -> None:
    """A local GPO that already holds another computer setting (and a user-half version of 1)."""
    state.files.write(host_path(REGISTRY_POL), registry_pol.serialize([OTHER]))
    state.files.write(host_path(GPT_INI), GPT.encode())


def files_of(host: SimulatedHost) -> tuple[list[PolEntry], str]:
    with host.lock:
        pol = host.state.files.read(host_path(REGISTRY_POL))
        gpt = host.state.files.read(host_path(GPT_INI))
    return registry_pol.parse(pol), gpt.decode()


def desired(host: SimulatedHost, state: str = "enabled", **args: t.Any) -> PolicyDesired:
    return PolicyDesired.from_args({"state": state, **args}, host.address, scheme="https", port=5986)


def test_every_transition_converges_and_keeps_other_settings(start_host: HostFactory) -> None:
    host = start_host("2019", configure=other_settings, https=True)
    prefix = host.address.rsplit(".", 1)[0]
    procedure = WinrmPolicy(wait_seconds=15)
    # disabled turns remote management off once WinRM restarts: its restart is left to the next start here, so
    # this connection can look at the result; the policy's files and values are what is checked
    transitions = (
        desired(host),
        desired(host, ipv4_filter=f"{prefix}.1-{prefix}.250"),
        desired(host, "not_configured"),
        desired(host, "disabled", allow_self_disconnect=True, restart_winrm=False),
        desired(host),
    )
    versions = []
    with WSManClient(config_for(host, **https_overrides(host))) as client:
        for wanted in transitions:
            outcome = engine.execute(procedure, client, wanted, check_mode=False)
            assert outcome.changed
            observed = procedure.observe(client)
            assert engine.planned(procedure, observed, wanted) == []  # a second run plans nothing
            if not wanted.restart_winrm:  # only the restart is left, and it is the change that cuts the connection
                now = dataclasses.replace(wanted, restart_winrm=True)
                assert [(c.kind, c.disruptive) for c in engine.planned(procedure, observed, now)] == [
                    ("restart_winrm", True)
                ]
            entries, gpt = files_of(host)
            assert entries[0] == OTHER  # untouched, in place
            versions.append(gpt_ini.parse(gpt.encode()).version)
    assert versions == [65538, 65539, 65540, 65541, 65542]  # the computer half, once per Registry.pol change
    assert "gPCFunctionalityVersion=2" in files_of(host)[1]
    with host.lock:
        assert host.state.registry.get_data(REGISTRY_KEY, "AllowAutoConfig") == 1
