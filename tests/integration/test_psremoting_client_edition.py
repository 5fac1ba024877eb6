# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""psremoting on client editions, whose network categories the simulator now serves as MSFT_NetConnectionProfile:
on a Public network Enable-PSRemoting does not set up the firewall exception unless the network profile check is
skipped, which opens the Public rule to the local subnet; on a Private network it goes ahead. A Windows before 8
has no such class, so its categories are unknown and never guessed."""

from __future__ import annotations

import json
import typing as t

import pytest
from simhosts import HostFactory, config_for, https_overrides

from ansible_collections.winremote.remoting.plugins.plugin_utils.engine import execute as engine
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures.psremoting import (
    PsRemoting,
    PsRemotingDesired,
    PublicNetworkError,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import network_profile
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import cim
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import xml as wx
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.client import WSManClient
from winsim import HostState, SimulatedHost, rules
from winsim import firewall as winsim_firewall
from winsim.state import PRODUCT_OPTIONS

PUBLIC = "WINRM-HTTP-In-TCP-PUBLIC"
PRIVATE = "WINRM-HTTP-In-TCP"
OUTSIDER = "10.20.30.40"  # not in the simulated network's local subnet (127.0.0.0/8)


def client_on(category: str) -> t.Callable[[HostState], None]:
    """A client edition (ProductType WinNT, what Windows 10 / 11 have; psremoting reads it from the registry) on a
    network of ``category``, its Public rule off."""

    def configure(state: HostState) -> None:
        state.registry.set_value(PRODUCT_OPTIONS, "ProductType", "REG_SZ", "WinNT")
        state.network_profile = category
        found = winsim_firewall.get_rule(state.registry, PUBLIC)
        assert found is not None
        found.enabled = False
        winsim_firewall.save_rule(state.registry, found)

    return configure


def run(host: SimulatedHost, args: dict[str, t.Any] | None = None) -> t.Any:
    """Over HTTPS (its own rule admits every profile), so the HTTP rules can change under the task."""
    config = config_for(host, **https_overrides(host))
    request = PsRemotingDesired.from_args(args or {}, config)
    with WSManClient(config) as client:
        return engine.execute(PsRemoting(wait_seconds=20), client, request, check_mode=False)


def snapshot(host: SimulatedHost) -> str:
    with host.lock:
        return json.dumps(host.state.to_json(), sort_keys=True)


def rule(host: SimulatedHost, rule_id: str) -> winsim_firewall.FirewallRule:
    with host.lock:
        found = winsim_firewall.get_rule(host.state.registry, rule_id)
    assert found is not None, rule_id
    return found


def admitted(host: SimulatedHost, client_ip: str, port: int = 5985) -> bool:
    with host.lock:
        return rules.firewall_admits(host.state, port, client_ip)


@pytest.mark.parametrize(("category", "number"), [("Public", "0"), ("Private", "1"), ("Domain", "2")])
def test_the_connection_profile_is_enumerated_with_its_category(
    start_host: HostFactory, category: str, number: str
) -> None:
    host = start_host("2019", configure=client_on(category), https=True)
    with WSManClient(config_for(host, **https_overrides(host))) as client:
        items = client.enumerate(cim.cim_uri(network_profile.NAMESPACE, network_profile.CLASS))
        read = network_profile.read(client)
    assert len(items) == 1
    values = {wx.local_name(node.tag): (node.text or "") for node in items[0].iter()}
    assert values["NetworkCategory"] == number and values["InterfaceAlias"] == "Ethernet", values
    assert values["InterfaceIndex"].isdigit() and values["Name"], values
    assert read.categories == (category,) and read.public is (category == "Public")


def test_a_client_on_a_public_network_fails_without_the_skip_and_opens_the_local_subnet_with_it(
    start_host: HostFactory,
) -> None:
    host = start_host("2019", configure=client_on("Public"), https=True)
    before = snapshot(host)
    with pytest.raises(PublicNetworkError) as caught:
        run(host)
    message = str(caught.value)
    # Enable-PSRemoting's refusal in spirit: a Public network, no firewall exception, the way out named
    assert "is Public" in message and "skip_network_profile_check=true" in message, message
    assert "unknown" not in message and "nothing was changed" in message, message
    assert snapshot(host) == before

    skipped = run(host, {"skip_network_profile_check": True})
    assert skipped.changed and skipped.verified and skipped.facts["edition"] == "client"
    assert rule(host, PUBLIC).enabled and rule(host, PUBLIC).remote_addresses == ["LocalSubnet"]
    assert admitted(host, "127.0.0.1") and not admitted(host, OUTSIDER)  # Public network: the local subnet only
    assert not run(host, {"skip_network_profile_check": True}).changed


def test_a_client_on_a_private_network_succeeds_without_the_skip(start_host: HostFactory) -> None:
    host = start_host("2019", configure=client_on("Private"), https=True)
    outcome = run(host)
    assert outcome.verified and outcome.facts["edition"] == "client"
    assert rule(host, PRIVATE).enabled
    assert not rule(host, PUBLIC).enabled  # a client edition's Public rule is left as it was
    assert admitted(host, "127.0.0.1")  # through the Private rule
    assert not run(host).changed


def test_a_client_before_windows_8_has_no_profiles_and_is_never_guessed(start_host: HostFactory) -> None:
    """Windows 7's NT 6.1 (the 2008 R2 profile as a client edition) answers the absent-class fault."""
    host = start_host("2008r2", configure=client_on("Private"), https=True)
    with WSManClient(config_for(host, **https_overrides(host))) as client:
        read = network_profile.read(client)
    assert read.categories is None and read.unknown is not None and "Windows 8" in read.unknown
    before = snapshot(host)
    with pytest.raises(PublicNetworkError, match="unknown"):
        run(host)
    assert snapshot(host) == before
