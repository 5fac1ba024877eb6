# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""sm_remoting's plan: what enabling and disabling change, what Group Policy overrides, what cuts the controller off."""

from __future__ import annotations

import dataclasses

import pytest

from ansible_collections.winremote.remoting.plugins.plugin_utils.engine import execute as engine
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.execute import SelfDisconnectRefused
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures import sm_remoting
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures.remoting_info import (
    PolicyValues,
    RemotingState,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import firewall, os_info, services, software
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows.winrm_config import Listener, ServiceConfig

HTTP_RULE = "v2.20|Action=Allow|Active={active}|Dir=In|Protocol=6|LPort=5985|"


def rule(rule_id: str, enabled: bool = True, gpo: bool = False) -> firewall.FirewallRule:
    return firewall.parse_rule(rule_id, HTTP_RULE.format(active="TRUE" if enabled else "FALSE"), gpo_owned=gpo)


def listener(port: int = 5985, enabled: bool = True, source: str = "local", transport: str = "HTTP") -> Listener:
    return Listener("*", transport, port, "", enabled, "wsman", "", source, ())


def host(**changes: object) -> RemotingState:
    base = RemotingState(
        os=os_info.OsInfo("Windows Server 2019", "10.0.17763", 17763, "server", "Server", "2019"),
        winrm_service=services.ServiceStatus("WinRM", True, "auto", False, "running"),
        listeners=(listener(),),
        service_config=ServiceConfig(False, {"kerberos": True, "negotiate": True, "basic": False}, "*", "*", (), {}),
        winrm_policy=PolicyValues(False, None, None, None),
        local_account_token_filter_policy=None,
        firewall_rules={rule_id: rule(rule_id) for rule_id in sm_remoting.WINRM_RULES},
        software=software.Software("5.1", 461814, "4.7.2", ()),
        unread=(),
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


ENABLE = sm_remoting.SmRemotingDesired("enabled")
DISABLE_HTTPS = sm_remoting.SmRemotingDesired("disabled", scheme="https", port=5986)


def kinds(state: RemotingState, desired: sm_remoting.SmRemotingDesired) -> list[str]:
    return [c.kind for c in engine.planned(sm_remoting.SmRemoting(), state, desired)]


def test_enabled_host_plans_nothing() -> None:
    assert kinds(host(), ENABLE) == []
    assert host().sm_remoting_enabled


def test_each_missing_piece_is_one_change() -> None:
    state = host(
        winrm_service=services.ServiceStatus("WinRM", True, "manual", False, "running"),
        listeners=(listener(transport="HTTPS", port=5986),),
        firewall_rules={
            "WINRM-HTTP-In-TCP": rule("WINRM-HTTP-In-TCP"),
            "WINRM-HTTP-In-TCP-PUBLIC": rule("WINRM-HTTP-In-TCP-PUBLIC", enabled=False),
        },
        service_config=ServiceConfig(False, {"kerberos": False, "negotiate": True}, "*", "*", (), {}),
    )
    assert sorted(kinds(state, sm_remoting.SmRemotingDesired("enabled", scheme="https", port=5986))) == [
        "create_listener",
        "service_start_mode",
        "set_auth",
        "set_enabled",
    ]


def test_wrong_port_listener_is_updated() -> None:
    changes = engine.planned(sm_remoting.SmRemoting(), host(listeners=(listener(port=8080),)), ENABLE)
    assert [(c.kind, c.before, c.after) for c in changes] == [
        ("update_listener", {"port": 8080, "enabled": True}, {"port": 5985, "enabled": True})
    ]


def test_group_policy_is_reported_not_fought() -> None:
    state = host(
        listeners=(listener(source="GPO"),),
        firewall_rules={
            "WINRM-HTTP-In-TCP": rule("WINRM-HTTP-In-TCP", enabled=False, gpo=True),
            "WINRM-HTTP-In-TCP-PUBLIC": rule("WINRM-HTTP-In-TCP-PUBLIC"),
        },
        service_config=ServiceConfig(False, {"kerberos": False, "negotiate": True}, "*", "*", ("Kerberos",), {}),
    )
    assert engine.planned(sm_remoting.SmRemoting(), state, ENABLE) == []
    overrides = " | ".join(sm_remoting.plan_for(state, ENABLE).gpo_overrides)
    assert "WINRM-HTTP-In-TCP is disabled by Group Policy" in overrides
    assert "listener is created by Group Policy" in overrides
    assert "Kerberos" in overrides


def test_missing_rule_is_a_warning_never_created() -> None:
    plan = sm_remoting.plan_for(host(firewall_rules={"WINRM-HTTP-In-TCP": rule("WINRM-HTTP-In-TCP")}), ENABLE)
    assert any("WINRM-HTTP-In-TCP-PUBLIC is missing" in w for w in plan.warnings)


def test_disable_over_https_plans_rules_then_listener() -> None:
    changes = engine.planned(sm_remoting.SmRemoting(), host(), DISABLE_HTTPS)
    assert [c.kind for c in changes] == ["set_enabled", "set_enabled", "delete_listener"]
    assert not any(c.disruptive for c in changes)


def test_disable_through_the_listener_in_use_is_refused() -> None:
    with pytest.raises(SelfDisconnectRefused, match="allow_self_disconnect"):
        engine.planned(sm_remoting.SmRemoting(), host(), sm_remoting.SmRemotingDesired("disabled"))


def test_disable_through_the_listener_in_use_when_allowed() -> None:
    desired = sm_remoting.SmRemotingDesired("disabled", allow_self_disconnect=True)
    changes = engine.planned(sm_remoting.SmRemoting(), host(), desired)
    assert all(c.disruptive for c in changes) and len(changes) == 3


def test_disabled_host_plans_nothing_and_gpo_listener_is_left() -> None:
    state = host(
        listeners=(listener(source="GPO"),), firewall_rules={r: rule(r, enabled=False) for r in sm_remoting.WINRM_RULES}
    )
    assert engine.planned(sm_remoting.SmRemoting(), state, DISABLE_HTTPS) == []
    assert "winrm_policy" in sm_remoting.plan_for(state, DISABLE_HTTPS).gpo_overrides[0]


def test_only_a_listener_that_serves_the_connection_can_cut_it() -> None:
    """A disabled listener serves nobody: enabling it while connected over HTTP 5985 (through another listener)
    is guarded, not refused. A listener on the connection's port is what counts, not 5985 as such."""
    disabled = host(listeners=(listener(enabled=False), dataclasses.replace(listener(), address="IP:10.0.0.7")))
    changes = engine.planned(sm_remoting.SmRemoting(), disabled, ENABLE)
    assert [(c.kind, c.disruptive) for c in changes] == [("update_listener", False)]
    on_8080 = sm_remoting.SmRemotingDesired("enabled", port=8080)
    with pytest.raises(SelfDisconnectRefused, match=r"\(http port 8080\)"):
        engine.planned(sm_remoting.SmRemoting(), host(listeners=(listener(port=8080),)), on_8080)
    disable_8080 = sm_remoting.SmRemotingDesired("disabled", port=8080, allow_self_disconnect=True)
    planned = engine.planned(sm_remoting.SmRemoting(), host(listeners=(listener(port=8080),)), disable_8080)
    assert [(c.kind, c.disruptive) for c in planned] == [
        ("set_enabled", False),  # the WinRM HTTP rules open 5985, not the port this controller uses
        ("set_enabled", False),
        ("delete_listener", True),
    ]
