# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The operations layer: each change's rule, what it does when allowed, and Windows' refusal (nothing changed)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from winsim import cert_store, certs, firewall, ops, rules
from winsim.firewall import FirewallRule
from winsim.registry import HKLM
from winsim.state import WINRM_POLICY, HostState

RULE = "WINRM-HTTP-In-TCP"
KEY = r"HKLM\SOFTWARE\Winremote\Test"


@pytest.fixture
def state() -> HostState:
    return HostState.from_profile("2019")


def _gpo_listener(state: HostState) -> None:
    state.registry.set_value(WINRM_POLICY, "AllowAutoConfig", "REG_DWORD", 1)
    rules.snapshot_service_policy(state)


def _gpo_rule(state: HostState) -> None:
    firewall.save_rule(state.registry, FirewallRule(RULE, name="GPO copy", store="gpo", local_ports=["5985"]))


# listeners
def test_create_listener_uses_the_default_port_and_restarts_winrm(state: HostState) -> None:
    listener = ops.create_listener(state, "IP:127.0.0.10", "http", {"Hostname": "h"})
    assert (listener.transport, listener.port, listener.hostname) == ("HTTP", 5985, "h")
    assert listener in state.listeners and ops.find_listener(state, "ip:127.0.0.10", "HTTP") == listener
    assert ops.RESTART_WINRM in ops.LISTENER_EFFECTS


@pytest.mark.parametrize(
    "address,transport,error",
    [
        ("*", "HTTP", ops.AlreadyExists),
        ("*", "FTP", ops.InvalidTransport),
        ("localhost", "HTTP", ops.InvalidListenerAddress),
    ],
)
def test_create_listener_refusals_change_nothing(
    state: HostState, address: str, transport: str, error: type[Exception]
) -> None:
    before = list(state.listeners)
    with pytest.raises(error):
        ops.create_listener(state, address, transport)
    assert state.listeners == before


@pytest.mark.parametrize(
    "values,error",
    [
        ({"Port": "0"}, ops.InvalidValue),
        ({"Port": "http"}, ops.InvalidValue),
        ({"Enabled": "yes"}, ops.InvalidValue),
    ],
)
def test_listener_values_are_checked(state: HostState, values: dict[str, str], error: type[Exception]) -> None:
    with pytest.raises(error):
        ops.set_listener(state, "*", "HTTP", values)
    assert state.listeners[0].port == 5985 and state.listeners[0].enabled


def test_https_listener_needs_hostname_and_matching_certificate(state: HostState) -> None:
    with pytest.raises(ops.InvalidValue, match="Hostname"):
        ops.create_listener(state, "*", "HTTPS")
    with pytest.raises(ops.CertificateNotFound):
        ops.create_listener(state, "*", "HTTPS", {"Hostname": "sim", "CertificateThumbprint": "AABB"})
    other = cert_store.install(state.registry, certs.issue("other").der, has_private_key=True)
    with pytest.raises(ops.InvalidValue, match="do not match"):
        ops.create_listener(state, "*", "HTTPS", {"Hostname": "sim", "CertificateThumbprint": other.lower()})
    assert [x.transport for x in state.listeners] == ["HTTP"]
    keyless = cert_store.install(state.registry, certs.issue("sim").der, has_private_key=False)
    with pytest.raises(ops.CertificateKeyMissing):
        ops.create_listener(state, "*", "HTTPS", {"Hostname": "sim", "CertificateThumbprint": keyless})
    usable = cert_store.install(state.registry, certs.issue("sim").der, has_private_key=True)
    spaced = " ".join(usable[i : i + 2] for i in range(0, 40, 2)).lower()  # as certlm.msc shows it
    listener = ops.create_listener(state, "*", "HTTPS", {"Hostname": "SIM", "CertificateThumbprint": spaced})
    assert (listener.port, listener.certificate_thumbprint) == (5986, usable)


def test_set_listener_replaces_the_listener(state: HostState) -> None:
    updated = ops.set_listener(state, "*", "http", {"Port": "8080", "Enabled": "FALSE"})
    assert state.listeners == [updated] and (updated.port, updated.enabled) == (8080, False)


def test_set_and_delete_refuse_missing_and_gpo_listeners(state: HostState) -> None:
    with pytest.raises(ops.NotFound):
        ops.set_listener(state, "IP:1.2.3.4", "HTTP", {})
    with pytest.raises(ops.NotFound):
        ops.delete_listener(state, "*", "HTTPS")
    _gpo_listener(state)
    with pytest.raises(ops.GpoControlled) as caught:
        ops.delete_listener(state, "*", "HTTP")
    assert caught.value.setting == "Listener" and len(state.listeners) == 1
    with pytest.raises(ops.GpoControlled):
        ops.set_listener(state, "*", "HTTP", {"Port": "1"})


def test_delete_listener(state: HostState) -> None:
    ops.delete_listener(state, "*", "http")
    assert state.listeners == [] and ops.find_listener(state, "*", "HTTP") is None


def test_remove_local_listeners_works_under_a_gpo_listener(state: HostState) -> None:
    _gpo_listener(state)
    assert ops.remove_local_listeners(state, "*", "HTTP") and state.listeners == []
    assert not ops.remove_local_listeners(state, "*", "HTTP")


# firewall
def test_update_firewall_rule_writes_the_store(state: HostState) -> None:
    ops.update_firewall_rule(state, RULE, enabled=False, profiles=["Public"], remote_addresses=["LocalSubnet4"])
    rule = firewall.get_rule(state.registry, RULE)
    assert rule is not None and not rule.enabled and rule.profiles == ["Public"]
    assert rule.remote_addresses == ["LocalSubnet4"] and "RA4=LocalSubnet" in rule.render()


def test_enable_and_disable_report_whether_they_changed(state: HostState) -> None:
    assert not ops.enable_firewall_rule(state, RULE)
    assert ops.disable_firewall_rule(state, RULE) and not ops.disable_firewall_rule(state, RULE)
    assert ops.enable_firewall_rule(state, RULE, "local")
    assert ops.set_firewall_rule_profiles(state, RULE, []).profiles == []
    assert ops.set_firewall_rule_addresses(state, RULE, ["10.0.0.0/8"]).remote_addresses == ["10.0.0.0/8"]


@pytest.mark.parametrize(
    "changes,error",
    [
        ({"remote_addresses": ["nowhere"]}, ops.InvalidValue),
        ({"profiles": ["Home"]}, ops.InvalidValue),
    ],
)
def test_bad_rule_values_change_nothing(
    state: HostState, changes: dict[str, list[str]], error: type[Exception]
) -> None:
    before = state.registry.get_data(firewall.LOCAL_STORE, RULE)
    with pytest.raises(error):
        ops.update_firewall_rule(state, RULE, enabled=False, **changes)  # type: ignore[arg-type]
    assert state.registry.get_data(firewall.LOCAL_STORE, RULE) == before


def test_missing_and_gpo_rules_refuse(state: HostState) -> None:
    with pytest.raises(ops.NotFound):
        ops.enable_firewall_rule(state, "NO-SUCH-RULE")
    _gpo_rule(state)
    with pytest.raises(ops.AccessDenied):
        ops.disable_firewall_rule(state, RULE)  # the GPO copy is the enforced one
    assert ops.disable_firewall_rule(state, RULE, "local")  # netsh edits the local store


# services
def test_start_and_stop_a_service(state: HostState) -> None:
    assert ops.start_service(state, "wuauserv") == set() and state.service_status["wuauserv"] == "Running"
    with pytest.raises(ops.ServiceAlreadyRunning) as caught:
        ops.start_service(state, "wuauserv")
    assert caught.value.code == 1056
    assert ops.stop_service(state, "WUAUSERV") == set() and state.service_status["wuauserv"] == "Stopped"
    with pytest.raises(ops.ServiceNotActive) as stopped:
        ops.stop_service(state, "wuauserv")
    assert stopped.value.code == 1062


def test_a_disabled_service_does_not_start(state: HostState) -> None:
    ops.set_start_mode(state, "wuauserv", "Disabled")
    with pytest.raises(ops.ServiceDisabled) as caught:
        ops.start_service(state, "wuauserv")
    assert caught.value.code == 1058 and state.service_status["wuauserv"] == "Stopped"


def test_unknown_service_and_start_mode(state: HostState) -> None:
    with pytest.raises(ops.ServiceDoesNotExist) as caught:
        ops.start_service(state, "nosuch")
    assert caught.value.code == 1060 and isinstance(caught.value, ops.NotFound)
    with pytest.raises(ops.InvalidValue):
        ops.set_start_mode(state, "WinRM", "Boot")
    ops.set_start_mode(state, "winrm", "Manual", delayed=False)
    assert state.service_start_mode("WinRM") == ("Manual", False)


def test_winrm_start_reads_the_policy_and_restarts(state: HostState) -> None:
    assert ops.stop_service(state, "WinRM") == {ops.RESTART_WINRM} and not rules.winrm_running(state)
    assert state.winrm_service_policy is None
    state.registry.set_value(WINRM_POLICY, "AllowAutoConfig", "REG_DWORD", 1)
    assert ops.start_service(state, "WinRM") == {ops.RESTART_WINRM}
    assert state.winrm_service_policy == {"AllowAutoConfig": 1}


def test_restart_winrm_takes_a_new_policy_snapshot(state: HostState) -> None:
    rules.snapshot_service_policy(state)
    state.registry.set_value(WINRM_POLICY, "AllowAutoConfig", "REG_DWORD", 0)
    assert rules.service_policy(state) == {}
    assert ops.restart_winrm(state) == {ops.RESTART_WINRM} and rules.service_policy(state) == {"AllowAutoConfig": 0}
    ops.stop_service(state, "WinRM")
    assert ops.restart_winrm(state) == {ops.RESTART_WINRM} and rules.winrm_running(state)


# registry
def test_write_value_and_key_creation(state: HostState) -> None:
    with pytest.raises(ops.NotFound):
        ops.write_value(state, KEY, "A", "REG_DWORD", 1, create_key=False)
    assert not state.registry.key_exists(KEY)
    ops.write_value(state, KEY, "A", "REG_DWORD", 1)
    ops.write_value(state, KEY, "B", "REG_SZ", "x", create_key=False)
    assert state.registry.get_data(KEY, "A") == 1 and state.registry.get_data(KEY, "B") == "x"


def test_delete_value(state: HostState) -> None:
    ops.write_value(state, KEY, "A", "REG_DWORD", 1)
    ops.delete_value(state, KEY, "A")
    assert state.registry.get_value(KEY, "A") is None
    with pytest.raises(ops.NotFound):
        ops.delete_value(state, KEY, "A")


def test_delete_key_refuses_the_root_missing_keys_and_subkeys(state: HostState) -> None:
    with pytest.raises(ops.AccessDenied):
        ops.delete_key(state, HKLM)
    with pytest.raises(ops.NotFound):
        ops.delete_key(state, KEY)
    ops.create_key(state, KEY + r"\Child")
    with pytest.raises(ops.AccessDenied):
        ops.delete_key(state, KEY)
    ops.delete_key(state, KEY + r"\Child")
    ops.delete_key(state, KEY)
    assert not state.registry.key_exists(KEY)


def test_import_file_is_all_or_nothing(state: HostState) -> None:
    good = f'Windows Registry Editor Version 5.00\r\n\r\n[{KEY}]\r\n"A"=dword:00000002\r\n'.encode("utf-16")
    ops.import_file(state, good)
    assert state.registry.get_data(KEY, "A") == 2
    with pytest.raises(ops.InvalidValue):
        ops.import_file(state, b"not a reg file")
    assert state.registry.get_data(KEY, "A") == 2


# winrm/config
def test_set_winrm_config_lowers_booleans(state: HostState) -> None:
    ops.set_winrm_config(state, [(("Service", "Auth", "Basic"), "TRUE"), (("MaxTimeoutms",), "90000")])
    assert state.winrm_text("Service", "Auth", "Basic") == "true" and state.winrm_text("MaxTimeoutms") == "90000"


@pytest.mark.parametrize(
    "change,error",
    [
        ((("Service", "Nope"), "1"), ops.UnknownSetting),
        ((("Service", "Auth"), "1"), ops.UnknownSetting),
        ((("MaxProviderRequests",), "1"), ops.ReadOnlySetting),
        ((("Service", "AllowUnencrypted"), "yes"), ops.InvalidValue),
    ],
)
def test_bad_config_changes_change_nothing(
    state: HostState, change: tuple[tuple[str, ...], str], error: type[Exception]
) -> None:
    with pytest.raises(error):
        ops.set_winrm_config(state, [(("Service", "Auth", "Basic"), "true"), change])
    assert state.winrm_text("Service", "Auth", "Basic") == "false"


def test_gpo_controlled_config_refuses(state: HostState) -> None:
    state.registry.set_value(WINRM_POLICY, "AllowBasic", "REG_DWORD", 1)
    with pytest.raises(ops.GpoControlled) as caught:
        ops.set_winrm_config(state, [(("Service", "Auth", "Basic"), "false")])
    assert caught.value.setting == "Basic"


# composite changes
def test_quickconfig_on_2008_then_nothing_to_do() -> None:
    state = HostState.from_profile("2008")
    assert ops.quickconfig(state) == [
        ops.QuickconfigStep.START_MODE,
        ops.QuickconfigStep.STARTED,
        ops.QuickconfigStep.LISTENER,
        ops.QuickconfigStep.FIREWALL,
    ]
    assert rules.accepting_endpoints(state, "127.0.0.10") == {("HTTP", 5985)}
    assert ops.quickconfig(state) == []


def test_sm_remoting_disable_and_enable(state: HostState) -> None:
    assert ops.is_sm_remoting_enabled(state)
    ops.disable_sm_remoting(state)
    assert not ops.is_sm_remoting_enabled(state) and state.listeners == []
    assert all(not firewall.get_rule(state.registry, r).enabled for r in ops.WINRM_RULES)  # type: ignore[union-attr]
    assert ops.quickconfig(state) == [ops.QuickconfigStep.LISTENER, ops.QuickconfigStep.FIREWALL]
    assert ops.is_sm_remoting_enabled(state)


# layering
MODEL = Path(ops.__file__).resolve().parents[1]  # the winsim package


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return found


def test_no_model_module_imports_a_command_line_tool() -> None:
    """Only the package root wires the interpreter in (winsim.console); the tools sit above the model."""
    model = [p for p in MODEL.rglob("*.py") if "commands" not in p.relative_to(MODEL).parts]
    offenders = {
        str(p.relative_to(MODEL)): sorted(m for m in _imports(p) if m.startswith("winsim.wsman.commands"))
        for p in model
        if p.name != "__init__.py" or p.parent != MODEL
    }
    assert {name: mods for name, mods in offenders.items() if mods} == {}


def test_every_cim_class_is_in_the_one_table() -> None:
    from winsim.wsman import cim_accounts, cim_firewall, cim_network, cim_os, cim_registry, cim_service
    from winsim.wsman.cim import CimClass
    from winsim.wsman.cim_classes import CIM_CLASSES

    defined = {
        v.name.lower()
        for module in (cim_accounts, cim_firewall, cim_network, cim_os, cim_registry, cim_service)
        for v in vars(module).values()
        if isinstance(v, CimClass)
    }
    assert defined == set(CIM_CLASSES) and len(defined) == 10


def test_check_writable(state: HostState) -> None:
    with pytest.raises(ops.NotFound):
        ops.check_writable(state, KEY, create_key=False)
    ops.check_writable(state, KEY)  # reg add creates it
    assert not state.registry.key_exists(KEY)
