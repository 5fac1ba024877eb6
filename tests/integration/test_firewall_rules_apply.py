# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""firewall_rules' CIM writes (2012 and later): what apply() sends, and what the simulated host's rule store holds
afterwards. The plan comes from a real observation; the operations go over HTTP to a SimulatedHost."""

from __future__ import annotations

import typing as t
import xml.etree.ElementTree as ET

from simhosts import HostFactory, config_for

from ansible_collections.winremote.remoting.plugins.plugin_utils.engine import execute as engine
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures import firewall_rules as fr
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import firewall
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import cim
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.client import WSManClient
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.protocol import Body, Options, Selectors
from winsim import SimulatedHost
from winsim import firewall as winsim_firewall

Call = tuple[str, str, t.Any, dict[str, t.Any]]


class Recording:
    """The real client, with every CIM method call and Put it forwards recorded as (uri, method, body, selectors)."""

    def __init__(self, client: WSManClient) -> None:
        self.client = client
        self.calls: list[Call] = []

    def __getattr__(self, name: str) -> t.Any:
        return getattr(self.client, name)

    def invoke(
        self,
        resource_uri: str,
        method: str,
        params: t.Mapping[str, t.Any] | None = None,
        selectors: Selectors | None = None,
        types: cim.TypeHints | None = None,
    ) -> dict[str, cim.CimValue]:
        self.calls.append((resource_uri, method, params, dict(selectors or {})))
        return self.client.invoke(resource_uri, method, params, selectors, types)

    def put(
        self, resource_uri: str, body: Body, selectors: Selectors | None = None, options: Options | None = None
    ) -> ET.Element | None:
        assert isinstance(body, ET.Element)
        self.calls.append((resource_uri, "Put", ET.tostring(body, encoding="unicode"), dict(selectors or {})))
        return self.client.put(resource_uri, body, selectors, options)


def desired(**args: t.Any) -> fr.RulesDesired:
    return fr.desired_from_args(args, connection_port=5985)


def apply_plan(host: SimulatedHost, wanted: fr.RulesDesired) -> tuple[list[Call], int]:
    """Observe, plan, then each operation once in order (what the engine does); the calls and their request count."""
    procedure = fr.FirewallRules(wanted.rule_ids)
    with WSManClient(config_for(host)) as client:
        state = procedure.observe(client)
        recording = Recording(client)
        host.reset_request_count()
        for operation, _change in engine.operations(engine.planned(procedure, state, wanted)):
            operation.apply(recording)
        sent = host.request_count
        assert engine.planned(procedure, procedure.observe(client), wanted) == []  # the host took every change
    return recording.calls, sent


def rule(host: SimulatedHost, rule_id: str) -> winsim_firewall.FirewallRule:
    with host.lock:
        found = winsim_firewall.get_rule(host.state.registry, rule_id)
    assert found is not None
    return found


def test_cim_apply_sends_one_request_per_change(start_host: HostFactory) -> None:
    host = start_host("2019")
    wanted = desired(rules=["WINRM-HTTP-In-TCP-PUBLIC", "RemoteEventLogSvc-In-TCP"], remote_address=["Any"])
    calls, sent = apply_plan(host, wanted)
    put, enable = calls  # the Remote Event Log rule admits Any already
    assert sent == 2
    assert put[0] == firewall.ADDRESS_FILTER_URI and put[1] == "Put" and ">Any</" in put[2]
    assert put[3]["CreationClassName"] == "MSFT|FW|FirewallRule|WINRM-HTTP-In-TCP-PUBLIC" and put[3]["Name"] == ""
    assert enable[:2] == (firewall.RULE_URI, "Enable")
    assert enable[3] == firewall.rule_selectors("RemoteEventLogSvc-In-TCP")
    assert rule(host, "WINRM-HTTP-In-TCP-PUBLIC").remote_addresses == []  # no RA4 / RA6 field: any address
    assert rule(host, "RemoteEventLogSvc-In-TCP").enabled


def test_cim_profiles_and_address_lists_go_into_put_bodies(start_host: HostFactory) -> None:
    host = start_host("2019")
    wanted = desired(
        rules=["RemoteEventLogSvc-In-TCP"],
        state="disabled",
        profiles=["domain"],
        remote_address=["10.0.0.2", "LocalSubnet"],
    )
    calls, sent = apply_plan(host, wanted)
    profiles, addresses = calls
    assert sent == 2
    assert (
        profiles[:2] == (firewall.RULE_URI, "Put") and ">1</" in profiles[2] and "MSFT_NetFirewallRule" in profiles[2]
    )
    assert addresses[2].count("RemoteAddress>") == 4  # two elements, each opened and closed
    assert addresses[2].index("LocalSubnet") < addresses[2].index("10.0.0.2")
    stored = rule(host, "RemoteEventLogSvc-In-TCP")
    assert (stored.enabled, stored.profiles) == (False, ["Domain"])
    assert sorted(stored.remote_addresses) == ["10.0.0.2", "LocalSubnet"]
