# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""winrm_service: option validation (ranges, hostile filters, SDDL), plan() from typed states, the Group Policy
rule, the self-disconnect refusals and the section operations (applied to simulated hosts in
tests/integration/test_winrm_service.py)."""

from __future__ import annotations

import typing as t
import xml.etree.ElementTree as ET

import pytest

from ansible_collections.winremote.remoting.plugins.plugin_utils.connection import ConnectionConfig
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine import execute as engine
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.change import Outcome
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.execute import SelfDisconnectRefused
from ansible_collections.winremote.remoting.plugins.plugin_utils.errors import InvalidArgumentError
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures.winrm_service import (
    GpoControlledError,
    ServiceDesired,
    ServiceState,
    WinrmService,
    plan,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import quote, winrm_config
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.errors import WinRemoteError

DEFAULT_SDDL = "O:NSG:BAD:P(A;;GA;;;BA)(A;;GR;;;IU)S:P(AU;FA;GA;;;WD)(AU;SA;GXGW;;;WD)"
# winrm/config of a Server 2019 host as a Get shows it (the managed leaves)
HOST_2019 = {
    "MaxEnvelopeSizekb": "500",
    "MaxTimeoutms": "60000",
    "Service/RootSDDL": DEFAULT_SDDL,
    "Service/MaxConnections": "300",
    "Service/AllowUnencrypted": "false",
    "Service/Auth/Basic": "false",
    "Service/Auth/Kerberos": "true",
    "Service/Auth/Negotiate": "true",
    "Service/Auth/Certificate": "false",
    "Service/Auth/CredSSP": "false",
    "Service/Auth/CbtHardeningLevel": "Relaxed",
    "Service/IPv4Filter": "*",
    "Service/IPv6Filter": "*",
    "Winrs/AllowRemoteShellAccess": "true",
    "Winrs/MaxMemoryPerShellMB": "2147483647",
    "Winrs/MaxShellsPerUser": "2147483647",
}


def host(gpo: t.Iterable[str] = (), **values: str) -> ServiceState:
    merged = {**HOST_2019, **{k.replace("__", "/"): v for k, v in values.items()}}
    return ServiceState(winrm_config.ConfigSettings(merged, frozenset(gpo)))


def config(**settings: t.Any) -> ConnectionConfig:
    base: dict[str, t.Any] = {"host": "127.0.0.5", "port": 5985, "scheme": "http", "auth": "ntlm"}
    base.update(settings)
    return ConnectionConfig(**base)


def desired(args: dict[str, t.Any], conn: ConnectionConfig | None = None, **kwargs: t.Any) -> ServiceDesired:
    return ServiceDesired.from_args(args, conn, **kwargs)


# --- validation: before any connection, naming the option ------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "option"),
    [
        ({"max_envelope_size_kb": 31}, "max_envelope_size_kb"),
        ({"max_envelope_size_kb": 4294967296}, "max_envelope_size_kb"),
        ({"max_timeout_ms": 499}, "max_timeout_ms"),
        ({"max_connections": 0}, "max_connections"),
        ({"max_connections": -5}, "max_connections"),
        ({"winrs": {"max_memory_per_shell_mb": -1}}, "winrs.max_memory_per_shell_mb"),
        ({"winrs": {"max_shells_per_user": 2147483648}}, "winrs.max_shells_per_user"),
        ({"max_connections": True}, "max_connections"),
        ({"allow_unencrypted": "yes"}, "allow_unencrypted"),
        ({"auth": {"cbt_hardening_level": "paranoid"}}, "auth.cbt_hardening_level"),
        ({"root_sddl": "garbage"}, "root_sddl"),
        ({"root_sddl": "O:NSG:BAD:P(A;;GA;;;BA"}, "root_sddl"),  # unbalanced parenthesis
        ({"root_sddl": "O:NSG:BA"}, "root_sddl"),  # no DACL: every caller let in
        ({"root_sddl": "D:NO_ACCESS_CONTROL"}, "root_sddl"),  # NULL DACL
        ({"root_sddl": "O:NSG:BAD:P(A;;GA;;;BA)\r\n"}, "root_sddl"),
    ],
)
def test_bad_options_are_refused_naming_the_option(args: dict[str, t.Any], option: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        desired(args, config())
    assert caught.value.option == option and str(caught.value).startswith(option + ":"), str(caught.value)


@pytest.mark.parametrize(
    ("option", "value", "canonical"),
    [
        ("max_envelope_size_kb", 32, 32),
        ("max_envelope_size_kb", 4294967295, 4294967295),
        ("max_timeout_ms", 500, 500),
        ("max_connections", 1, 1),
        ("ipv4_filter", " 10.0.0.1 - 10.0.0.20 ", "10.0.0.1-10.0.0.20"),
        ("ipv4_filter", "*", "*"),
        ("ipv4_filter", "", ""),
        ("ipv6_filter", "FD00::1-FD00::FF,fe80::1", "fd00::1-fd00::ff,fe80::1"),
        ("root_sddl", DEFAULT_SDDL, DEFAULT_SDDL),
    ],
)
def test_good_options_are_kept_canonical(option: str, value: t.Any, canonical: t.Any) -> None:
    assert dict(desired({option: value}).wanted) == {option: canonical}


HOSTILE = [
    "10.0.0.1 & calc.exe",
    "10.0.0.1|whoami",
    "10.0.0.1 > C:\\x",
    "< 10.0.0.1",
    "10.0.0.1^",
    "%SystemRoot%",
    "10.0.0.1!x!",
    '"10.0.0.1"',
    "'10.0.0.1'",
    "10.0.0.1\r\n10.0.0.2",
    "10.0.0.1\n",
    "*,10.0.0.1",
    "10.0.0.1,,10.0.0.2",
    "10.0.0.20-10.0.0.1",
    "10.0.0.0/24",
    "localhost",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_ipv4_filters_are_refused(value: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        desired({"ipv4_filter": value}, config())
    assert caught.value.option == "ipv4_filter"


@pytest.mark.parametrize("value", [*HOSTILE, "fe80::1%12", "fe80::1%eth0-fe80::9", "fd00::1 ; rd /s /q C:\\", "::g"])
def test_hostile_ipv6_filters_and_scope_ids_are_refused(value: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        desired({"ipv6_filter": value}, config())
    assert caught.value.option == "ipv6_filter"


def test_only_the_given_options_are_managed() -> None:
    request = desired({"auth": {"basic": None, "kerberos": True}, "winrs": None, "max_connections": None})
    assert request.wanted == (("auth.kerberos", True),)
    assert plan(host(), request) == []


# --- plan ----------------------------------------------------------------------------------------------------------
def test_equal_values_plan_nothing_whatever_the_spelling() -> None:
    state = host(Service__Auth__CbtHardeningLevel="strict", Service__IPv4Filter="10.0.0.1 - 10.0.0.9")
    request = desired(
        {
            "auth": {"basic": False, "negotiate": True, "cbt_hardening_level": "Strict"},
            "ipv4_filter": "10.0.0.1-10.0.0.9",
            "max_envelope_size_kb": 500,
            "root_sddl": DEFAULT_SDDL,
            "winrs": {"allow_remote_shell_access": True},
        }
    )
    assert plan(state, request) == []


def test_one_operation_per_section_with_the_previous_values() -> None:
    request = desired(
        {
            "auth": {"basic": True, "credssp": True, "cbt_hardening_level": "strict"},
            "max_envelope_size_kb": 8192,
            "max_connections": 50,
            "ipv6_filter": "",
            "winrs": {"max_shells_per_user": 30},
        }
    )
    changes = plan(host(), request)
    assert [c.target for c in changes] == [
        "max_envelope_size_kb",
        "max_connections",
        "ipv6_filter",
        "auth.basic",
        "auth.credssp",
        "auth.cbt_hardening_level",
        "winrs.max_shells_per_user",
    ]
    by_target = {c.target: c for c in changes}
    assert (by_target["auth.basic"].before, by_target["auth.basic"].after) == (False, True)
    assert (by_target["max_connections"].before, by_target["max_connections"].after) == (300, 50)
    auth = by_target["auth.basic"].operation
    assert auth is by_target["auth.cbt_hardening_level"].operation
    assert isinstance(auth, winrm_config.SetAuth)
    assert auth.methods == (("basic", True), ("credssp", True), ("cbt_hardening_level", "Strict"))
    assert auth.previous == (("basic", False), ("credssp", False), ("cbt_hardening_level", "Relaxed"))
    service = by_target["max_connections"].operation
    assert isinstance(service, winrm_config.SetServiceSettings) and service is by_target["ipv6_filter"].operation
    assert service.values == (("MaxConnections", "50"), ("IPv6Filter", ""))
    assert service.previous == (("MaxConnections", "300"), ("IPv6Filter", "*"))
    assert isinstance(by_target["max_envelope_size_kb"].operation, winrm_config.SetConfigLimits)
    assert isinstance(by_target["winrs.max_shells_per_user"].operation, winrm_config.SetWinrs)
    assert len({id(c.operation) for c in changes}) == 4
    assert by_target["auth.basic"].summary == "set winrm/config/service/auth Basic to 'true' (was 'false')"


def test_a_setting_the_host_does_not_have_fails_naming_it() -> None:
    values = {k: v for k, v in HOST_2019.items() if k != "Service/Auth/CbtHardeningLevel"}
    state = ServiceState(winrm_config.ConfigSettings(values, frozenset()))
    with pytest.raises(WinRemoteError, match=r"auth.cbt_hardening_level: .* no Service/Auth/CbtHardeningLevel"):
        plan(state, desired({"auth": {"cbt_hardening_level": "strict"}}))


def test_group_policy_settings_are_never_changed() -> None:
    state = host(gpo={"Service/Auth/Basic", "Service/AllowUnencrypted"}, Service__Auth__Basic="true")
    # equal to what the policy sets: nothing to do, and the result says who controls it
    assert plan(state, desired({"auth": {"basic": True}})) == []
    with pytest.raises(GpoControlledError) as caught:
        plan(state, desired({"auth": {"basic": False}, "max_connections": 10}))
    message = str(caught.value)
    assert message.startswith("auth.basic: ") and "Allow Basic authentication" in message, message
    assert "nothing was changed" in message
    with pytest.raises(GpoControlledError, match="Allow unencrypted traffic"):
        plan(state, desired({"allow_unencrypted": True}))


# --- self-disconnect ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "conn", "phrase"),
    [
        ({"auth": {"negotiate": False}}, config(auth="ntlm"), "auth.negotiate=false"),
        ({"auth": {"negotiate": False}}, config(auth="negotiate"), "auth.negotiate=false"),
        ({"auth": {"kerberos": False}}, config(auth="kerberos"), "auth.kerberos=false"),
        ({"auth": {"basic": False}}, config(auth="basic", scheme="https", port=5986), "auth.basic=false"),
        ({"auth": {"credssp": False}}, config(auth="credssp"), "auth.credssp=false"),
        (
            {"allow_unencrypted": False},
            config(message_encryption="never"),
            "allow_unencrypted=false refuses unencrypted messages",
        ),
        (
            {"auth": {"cbt_hardening_level": "strict"}},
            config(scheme="https", port=5986, negotiate_send_cbt=False),
            "channel binding",
        ),
        ({"ipv4_filter": "10.0.0.1-10.0.0.20"}, config(), "leaves out 127.0.0.5"),
        ({"root_sddl": "O:NSG:BAD:P(A;;GR;;;BA)"}, config(), "BUILTIN\\Administrators"),
        ({"max_timeout_ms": 19999}, config(operation_timeout=20), "below the OperationTimeout"),
    ],
)
def test_a_change_that_cuts_this_connection_is_refused_up_front(
    args: dict[str, t.Any], conn: ConnectionConfig, phrase: str
) -> None:
    state = host(Service__Auth__Basic="true", Service__Auth__CredSSP="true", Service__AllowUnencrypted="true")
    request = desired(args, conn)
    with pytest.raises(SelfDisconnectRefused) as caught:
        engine.planned(WinrmService(), state, request)
    message = str(caught.value)
    assert phrase in message and f"connection auth={conn.auth}" in message, message
    assert "allow_self_disconnect=true" in message, message
    allowed = desired({**args, "allow_self_disconnect": True}, conn)
    changes = engine.planned(WinrmService(), state, allowed)
    assert changes and changes[-1].disruptive


@pytest.mark.parametrize(
    ("args", "conn"),
    [
        ({"auth": {"kerberos": False}}, config(auth="ntlm")),  # NTLM travels in Negotiate
        ({"auth": {"negotiate": False}}, config(auth="kerberos", scheme="https", port=5986)),  # Kerberos stays
        ({"auth": {"basic": False}}, config(auth="ntlm")),
        ({"allow_unencrypted": False}, config(auth="ntlm")),  # message encryption
        ({"allow_unencrypted": False}, config(auth="basic", scheme="https", port=5986)),  # TLS
        ({"auth": {"cbt_hardening_level": "strict"}}, config(scheme="https", port=5986)),  # CBT sent by default
        ({"ipv4_filter": "127.0.0.1-127.0.0.9"}, config()),
        ({"ipv6_filter": ""}, config()),  # an IPv4 connection
        ({"root_sddl": "O:NSG:BAD:P(A;;GA;;;BA)(A;;GR;;;RM)"}, config()),
        ({"max_timeout_ms": 20000}, config(operation_timeout=20)),
    ],
)
def test_changes_that_keep_this_connection_are_not_refused(args: dict[str, t.Any], conn: ConnectionConfig) -> None:
    state = host(Service__Auth__Basic="true", Service__AllowUnencrypted="true")
    changes = engine.planned(WinrmService(), state, desired(args, conn))
    assert changes and not any(c.disruptive for c in changes)


def test_kerberos_without_both_schemes_is_refused() -> None:
    conn = config(auth="kerberos", scheme="https", port=5986)
    with pytest.raises(SelfDisconnectRefused, match="leaves no scheme for Kerberos"):
        engine.planned(
            WinrmService(), host(Service__Auth__Kerberos="false"), desired({"auth": {"negotiate": False}}, conn)
        )


def test_a_host_name_is_resolved_on_the_controller_for_a_restricting_filter() -> None:
    seen: list[str] = []

    def resolver(name: str, port: int) -> tuple[str, ...]:
        seen.append(name)
        return ("10.0.0.7",)

    inside = desired({"ipv4_filter": "10.0.0.1-10.0.0.20"}, config(host="winsrv"), resolver=resolver)
    assert seen == ["winsrv"] and not engine.planned(WinrmService(), host(), inside)[0].disruptive
    outside = desired({"ipv4_filter": "10.0.1.1"}, config(host="winsrv"), resolver=resolver)
    with pytest.raises(SelfDisconnectRefused, match=r"leaves out 10\.0\.0\.7"):
        engine.planned(WinrmService(), host(), outside)

    def failing(name: str, port: int) -> tuple[str, ...]:
        raise OSError("Name or service not known")

    unknown = desired({"ipv4_filter": "10.0.1.1"}, config(host="nowhere"), resolver=failing)
    with pytest.raises(SelfDisconnectRefused, match="could not be resolved"):
        engine.planned(WinrmService(), host(), unknown)
    seen.clear()
    desired({"ipv4_filter": "*", "max_connections": 9}, config(host="winsrv"), resolver=resolver)
    assert seen == []  # nothing to check: no resolution


# --- warnings and facts ----------------------------------------------------------------------------------------------
def test_basic_and_unencrypted_warn_citing_microsoft_learn() -> None:
    warnings = desired({"auth": {"basic": True}, "allow_unencrypted": True}).warnings()
    assert len(warnings) == 2
    assert "encoded (base64), not encrypted" in warnings[0] and "learn.microsoft.com" in warnings[0]
    assert "in the clear over HTTP" in warnings[1] and "learn.microsoft.com" in warnings[1]
    assert desired({"auth": {"basic": False}, "allow_unencrypted": False}).warnings() == []


def test_check_mode_facts_show_the_planned_settings() -> None:
    state = host(gpo={"Service/IPv4Filter"})
    request = desired({"max_connections": 42, "auth": {"basic": True}})
    outcome = Outcome(tuple(plan(state, request)), state, None)
    facts, warnings = WinrmService().facts(outcome, request)
    assert facts["service"]["max_connections"] == 42 and facts["auth"]["basic"] is True
    assert facts["auth"]["kerberos"] is True and facts["winrs"]["max_shells_per_user"] == 2147483647
    assert facts["gpo_controlled"] == ["ipv4_filter"] and facts["reachable"] is True
    assert any("auth.basic=true" in w for w in warnings)


# --- operations ------------------------------------------------------------------------------------------------------
class Recorder:
    def __init__(self) -> None:
        self.puts: list[tuple[str, ET.Element]] = []

    def put(self, resource_uri: str, body: ET.Element, selectors: t.Any = None, options: t.Any = None) -> None:
        self.puts.append((resource_uri, body))


def test_each_operation_puts_its_own_section() -> None:
    recorder = Recorder()
    winrm_config.SetServiceSettings((("MaxConnections", "50"), ("IPv4Filter", "*"))).apply(recorder)  # type: ignore[arg-type]
    winrm_config.SetAuth((("basic", False), ("cbt_hardening_level", "Strict"))).apply(recorder)  # type: ignore[arg-type]
    winrm_config.SetWinrs((("MaxShellsPerUser", "30"),)).apply(recorder)  # type: ignore[arg-type]
    winrm_config.SetConfigLimits((("MaxEnvelopeSizekb", "8192"),)).apply(recorder)  # type: ignore[arg-type]
    shown = [
        (uri.rsplit("/1/", 1)[1], body.tag, [(c.tag.rsplit("}", 1)[1], c.text) for c in body])
        for uri, body in recorder.puts
    ]
    assert shown == [
        ("config/service", f"{{{winrm_config.SERVICE_URI}}}Service", [("MaxConnections", "50"), ("IPv4Filter", "*")]),
        (
            "config/service/auth",
            f"{{{winrm_config.AUTH_URI}}}Auth",
            [("Basic", "false"), ("CbtHardeningLevel", "Strict")],
        ),
        ("config/winrs", f"{{{winrm_config.WINRS_URI}}}Winrs", [("MaxShellsPerUser", "30")]),
        ("config", f"{{{winrm_config.CONFIG_URI}}}Config", [("MaxEnvelopeSizekb", "8192")]),
    ]


def test_undo_puts_the_previous_values_back_with_winrm_set() -> None:
    operation = winrm_config.SetServiceSettings(
        (("MaxConnections", "50"), ("RootSDDL", "O:NSG:BAD:P(A;;GA;;;BA)")),
        (("MaxConnections", "300"), ("RootSDDL", DEFAULT_SDDL)),
    )
    undo = operation.undo
    assert undo is not None and undo.commands == [
        "net start winrm >nul 2>&1",
        f'call winrm set winrm/config/service @{{MaxConnections="300";RootSDDL="{DEFAULT_SDDL}"}}',
    ]
    auth = winrm_config.SetAuth((("basic", True),), (("basic", False),)).undo
    assert auth is not None and auth.commands[-1] == 'call winrm set winrm/config/service/auth @{Basic="false"}'
    assert winrm_config.SetWinrs((("MaxShellsPerUser", "3"),)).undo is None  # nothing known to restore


@pytest.mark.parametrize(
    "previous", ['x" & calc', "a%PATH%", "a\r\nb", "x!y", 'D:(A;;GA;;;WD)(XA;;FX;;;WD;(@User.Title=="PM"))']
)
def test_undo_refuses_a_previous_value_a_batch_file_cannot_carry(previous: str) -> None:
    operation = winrm_config.SetServiceSettings((("RootSDDL", DEFAULT_SDDL),), (("RootSDDL", previous),))
    with pytest.raises(quote.QuoteError, match="cannot be written into a restore script"):
        _unused = operation.undo


def test_parse_config_marks_group_policy_settings_down_the_tree() -> None:
    reply = ET.fromstring(
        f'<cfg:Config xmlns:cfg="{winrm_config.CONFIG_URI}"><cfg:MaxTimeoutms>60000</cfg:MaxTimeoutms>'
        '<cfg:Service><cfg:AllowUnencrypted Source="GPO">true</cfg:AllowUnencrypted>'
        '<cfg:Auth><cfg:Basic Source="GPO">true</cfg:Basic><cfg:Kerberos>true</cfg:Kerberos></cfg:Auth>'
        "<cfg:IPv6Filter></cfg:IPv6Filter></cfg:Service>"
        '<cfg:Winrs Source="GPO"><cfg:MaxShellsPerUser>5</cfg:MaxShellsPerUser></cfg:Winrs></cfg:Config>'
    )
    parsed = winrm_config.parse_config(reply)
    assert parsed is not None
    assert parsed.values == {
        "MaxTimeoutms": "60000",
        "Service/AllowUnencrypted": "true",
        "Service/Auth/Basic": "true",
        "Service/Auth/Kerberos": "true",
        "Service/IPv6Filter": "",
        "Winrs/MaxShellsPerUser": "5",
    }
    assert parsed.gpo == {"Service/AllowUnencrypted", "Service/Auth/Basic", "Winrs/MaxShellsPerUser"}
    assert winrm_config.parse_config(ET.fromstring("<Other/>")) is None
