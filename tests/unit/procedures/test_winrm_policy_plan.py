# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""winrm_policy: option validation, plan() from given states, refusals, and the file/task command builders (every
transition applied to a simulated host: tests/integration/test_winrm_policy_transitions.py)."""

from __future__ import annotations

import dataclasses
import re
import socket
import threading
import typing as t

import pytest

from ansible_collections.winremote.remoting.plugins.plugin_utils.engine import execute as engine
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.execute import SelfDisconnectRefused
from ansible_collections.winremote.remoting.plugins.plugin_utils.errors import InvalidArgumentError
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures import winrm_policy
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures.winrm_policy import (
    POLICY_KEY,
    PolicyDesired,
    PolicyError,
    PolicyState,
    Running,
    WinrmPolicy,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import files, gpt_ini, registry_pol, tasks
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows.registry_pol import PolEntry
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows.winrm_config import Listener

OTHER = PolEntry.dword(r"Software\Policies\Microsoft\Windows\WindowsUpdate\AU", "NoAutoUpdate", 1)
HOST = "10.0.0.7"


def desired(state: str = "enabled", **args: t.Any) -> PolicyDesired:
    return PolicyDesired.from_args({"state": state, **args}, args.pop("controller", HOST))


def host_state(
    entries: list[PolEntry] | None = None,
    gpt: str | None = None,
    registry: dict[str, t.Any] | None = None,
    running: Running | None = None,
) -> PolicyState:
    return PolicyState(
        registry_pol=None if entries is None else registry_pol.serialize(entries),
        gpt_ini=None if gpt is None else gpt.encode(),
        registry={"AllowAutoConfig": None, "IPv4Filter": None, "IPv6Filter": None, **(registry or {})},
        running=running or Running("not_configured"),
        listeners=(),
    )


# The local GPO as gpedit.msc leaves it after "Allow remote server management through WinRM" is enabled with both
# filters '*' (Registry.pol records, the registry values it sets, gpt.ini naming the registry extension), with the
# service running that policy. Where the engine's writes really lead is checked against a simulated host in
# tests/integration/test_winrm_policy_transitions.py.
ENABLED_GPT = (
    "[General]\r\ngPCMachineExtensionNames=[{35378EAC-683F-11D2-A89A-00C04FBBCFA2}"
    "{D02B1F72-3407-48AE-BA88-E8213C6761F1}]\r\nVersion=1\r\n"
)


def enabled_state(other: t.Sequence[PolEntry] = ()) -> PolicyState:
    entries = [
        *other,
        PolEntry.dword(POLICY_KEY, "AllowAutoConfig", 1),
        PolEntry.string(POLICY_KEY, "IPv4Filter", "*"),
        PolEntry.string(POLICY_KEY, "IPv6Filter", "*"),
    ]
    registry = {"AllowAutoConfig": 1, "IPv4Filter": "*", "IPv6Filter": "*"}
    return host_state(entries, ENABLED_GPT, registry, Running("enabled", "*", "*"))


def written_pol(changes: t.Sequence[engine.Change]) -> bytes:
    """The Registry.pol the plan writes."""
    [change] = [c for c in changes if c.target == "registry_pol"]
    return t.cast(bytes, change.operation.files[winrm_policy.REGISTRY_POL])


def pol_records(state: PolicyState) -> list[tuple[str, t.Any]]:
    assert state.registry_pol is not None
    return [(e.value_name, registry_pol.decode_value(e)) for e in registry_pol.parse(state.registry_pol)]


# --- options ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args,message",
    [
        ({"ipv4_filter": "10.0.0.300"}, "ipv4_filter: invalid item '10.0.0.300'"),
        ({"ipv4_filter": "10.0.0.9-10.0.0.1"}, "ipv4_filter: invalid item '10.0.0.9-10.0.0.1': range start"),
        ({"ipv6_filter": "10.0.0.1"}, "ipv6_filter: invalid item '10.0.0.1'"),
        ({"ipv6_filter": "fe80::1%3"}, "ipv6_filter: invalid item 'fe80::1%3': zone"),
        ({"ipv4_filter": "*,10.0.0.1"}, "ipv4_filter: invalid item"),
        ({"ipv4_filter": "10.0.0.1,,10.0.0.2"}, "ipv4_filter: invalid item '': empty item"),
    ],
)
def test_filter_errors_name_the_parameter(args: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidArgumentError) as error:
        desired(**args)
    assert str(error.value).startswith(message) and "\n" not in str(error.value)


@pytest.mark.parametrize("state", ["disabled", "not_configured"])
def test_filters_only_with_enabled(state: str) -> None:
    with pytest.raises(InvalidArgumentError, match=f"ipv4_filter: only used with state=enabled \\(state={state}"):
        desired(state, ipv4_filter="*")


def test_filters_default_to_star_and_are_normalised() -> None:
    wanted = desired(ipv4_filter=" 10.0.0.1 - 10.0.0.9 , 10.0.1.1", ipv6_filter="FD00::0001")
    assert (wanted.ipv4_filter, wanted.ipv6_filter) == ("10.0.0.1-10.0.0.9,10.0.1.1", "fd00::1")
    assert (desired().ipv4_filter, desired().ipv6_filter) == ("*", "*")
    assert desired("disabled", allow_self_disconnect=True).ipv4_filter is None


# --- plan ------------------------------------------------------------------------------------------------------------


def test_enable_on_an_empty_local_gpo() -> None:
    state = host_state()
    changes = engine.planned(WinrmPolicy(), state, desired(ipv4_filter="10.0.0.1-10.0.0.9", ipv6_filter=""))
    assert [(c.kind, c.target) for c in changes] == [
        ("write_file", "registry_pol"),
        ("write_file", "gpt_ini"),
        ("set_dword", "registry.AllowAutoConfig"),
        ("set_string", "registry.IPv4Filter"),
        ("set_string", "registry.IPv6Filter"),
        ("restart_winrm", "winrm_service"),
    ]
    pol = registry_pol.parse(changes[0].operation.files[winrm_policy.REGISTRY_POL])
    assert pol == [
        PolEntry.dword(POLICY_KEY, "AllowAutoConfig", 1),
        PolEntry.string(POLICY_KEY, "IPv4Filter", "10.0.0.1-10.0.0.9"),
        PolEntry.string(POLICY_KEY, "IPv6Filter", ""),
    ]
    assert changes[0].before == {} and changes[0].after == {
        "AllowAutoConfig": "REG_DWORD 1",
        "IPv4Filter": "REG_SZ 10.0.0.1-10.0.0.9",
        "IPv6Filter": "REG_SZ",
    }
    gpt = gpt_ini.parse(changes[1].operation.files[winrm_policy.GPT_INI])
    assert gpt.version == 1 and gpt.machine_extensions == [list(gpt_ini.REGISTRY_MACHINE_EXTENSION)]
    assert changes[1].before is None and changes[1].after["version"] == 1
    assert changes[5].before == {"state": "not_configured", "ipv4_filter": None, "ipv6_filter": None}
    assert changes[5].after == {"state": "enabled", "ipv4_filter": "10.0.0.1-10.0.0.9", "ipv6_filter": ""}
    assert not changes[5].disruptive


def test_the_enabled_fixture_is_what_enabling_leaves() -> None:
    assert engine.planned(WinrmPolicy(), enabled_state([OTHER]), desired()) == []


def test_disabled_writes_delete_markers_like_gpedit() -> None:
    state = enabled_state()
    changes = engine.planned(WinrmPolicy(), state, desired("disabled", allow_self_disconnect=True))
    after = dataclasses.replace(state, registry_pol=written_pol(changes))
    assert pol_records(after) == [("AllowAutoConfig", 0), ("**del.IPv4Filter", " "), ("**del.IPv6Filter", " ")]
    assert [(c.kind, c.after) for c in changes if c.target.startswith("registry.")] == [
        ("set_dword", 0),
        ("delete_value", None),
        ("delete_value", None),
    ]
    restart = changes[-1]
    assert restart.kind == "restart_winrm" and restart.disruptive and restart.operation.cuts


def test_not_configured_removes_the_records_and_values() -> None:
    state = enabled_state([OTHER])
    changes = engine.planned(WinrmPolicy(), state, desired("not_configured"))
    assert [c.kind for c in changes] == [
        "write_file",
        "write_file",
        "delete_value",
        "delete_value",
        "delete_value",
        "restart_winrm",
    ]
    assert registry_pol.parse(changes[0].operation.files[winrm_policy.REGISTRY_POL]) == [OTHER]
    assert engine.planned(WinrmPolicy(), host_state(), desired("not_configured")) == []  # nothing there: nothing to do


def test_filters_compare_by_meaning() -> None:
    entries = [
        PolEntry.dword(POLICY_KEY, "AllowAutoConfig", 1),
        PolEntry.string(POLICY_KEY, "IPv4Filter", "10.0.0.1 - 10.0.0.9"),
        PolEntry.string(POLICY_KEY, "IPv6Filter", "*"),
    ]
    registry = {"AllowAutoConfig": 1, "IPv4Filter": "10.0.0.1 - 10.0.0.9", "IPv6Filter": "*"}
    state = host_state(entries, None, registry, Running("enabled", "10.0.0.1-10.0.0.9", "*"))
    assert engine.planned(WinrmPolicy(), state, desired(ipv4_filter="10.0.0.1-10.0.0.9")) == []


def test_only_the_service_differs_then_only_a_restart() -> None:
    state = enabled_state()
    stale = PolicyState(state.registry_pol, state.gpt_ini, state.registry, Running("enabled", "10.0.0.1", "*"), ())
    assert [c.kind for c in engine.planned(WinrmPolicy(), stale, desired())] == ["restart_winrm"]
    assert engine.planned(WinrmPolicy(), stale, desired(restart_winrm=False)) == []


def test_restart_can_be_left_to_the_next_start() -> None:
    changes = engine.planned(WinrmPolicy(), host_state(), desired(restart_winrm=False))
    assert "restart_winrm" not in [c.kind for c in changes] and len(changes) == 5


@pytest.mark.parametrize(
    "wanted,reason",
    [
        (dict(ipv4_filter="10.0.0.1-10.0.0.5"), "ipv4_filter='10.0.0.1-10.0.0.5' does not include 10.0.0.7"),
        (dict(ipv4_filter=""), "ipv4_filter='' does not include 10.0.0.7"),
        (dict(ipv6_filter="", controller="fd00::7", ipv4_filter="*"), "ipv6_filter='' does not include fd00::7"),
        (dict(state="disabled"), "state=disabled (AllowAutoConfig=0) turns WinRM remote management off"),
        (dict(state="disabled", restart_winrm=False), "state=disabled"),
    ],
)
def test_self_disconnect_is_refused(wanted: dict[str, t.Any], reason: str) -> None:
    state = wanted.pop("state", "enabled")
    with pytest.raises(SelfDisconnectRefused) as error:
        engine.planned(WinrmPolicy(), host_state(), desired(state, **wanted))
    text = str(error.value)
    assert text.startswith(f"refused: {reason}") and "allow_self_disconnect=true" in text and "\n" not in text
    allowed = engine.planned(WinrmPolicy(), host_state(), desired(state, allow_self_disconnect=True, **wanted))
    assert allowed and all(c.kind != "restart_winrm" or c.disruptive for c in allowed)


def test_filter_that_keeps_the_controller_is_not_refused() -> None:
    changes = engine.planned(WinrmPolicy(), host_state(), desired(ipv4_filter="10.0.0.1-10.0.0.9", ipv6_filter=""))
    assert changes[-1].kind == "restart_winrm" and not changes[-1].disruptive


def resolver(*addresses: str) -> t.Callable[[str, int], t.Sequence[str]]:
    """A controller-side name resolution that answers from a table (tests never ask DNS)."""

    def resolve(name: str, port: int) -> t.Sequence[str]:
        if not addresses:
            raise OSError("Name or service not known")
        return addresses

    return resolve


def named(addresses: tuple[str, ...], **args: t.Any) -> PolicyDesired:
    return PolicyDesired.from_args({"state": "enabled", **args}, "win01.example.com", resolver=resolver(*addresses))


def test_warnings() -> None:
    assert desired(ipv6_filter="").warnings() == [
        "ipv6_filter is empty: the WinRM GPO listener will not listen on any IPv6 address"
    ]
    some = named(("10.0.0.1", "10.0.0.2"), ipv4_filter="10.0.0.1")
    assert (
        some.lockout() is None
        and "win01.example.com resolves to addresses the filters leave out (10.0.0.2)" in (some.warnings()[0])
    )
    assert desired().warnings() == []


@pytest.mark.parametrize(
    "addresses,args,reason",
    [
        (("10.0.0.2",), {"ipv4_filter": "10.0.0.1"}, "ipv4_filter='10.0.0.1' does not include 10.0.0.2: every address"),
        (
            ("10.0.0.2", "fd00::2"),
            {"ipv4_filter": "10.0.0.1", "ipv6_filter": "fd00::1"},
            "ipv4_filter='10.0.0.1' does not include 10.0.0.2 and ipv6_filter='fd00::1' does not include fd00::2",
        ),
        ((), {"ipv4_filter": "10.0.0.1"}, "win01.example.com could not be resolved on the controller within 5s"),
    ],
)
def test_a_name_is_resolved_and_every_address_checked(
    addresses: tuple[str, ...], args: dict[str, t.Any], reason: str
) -> None:
    """The controller connects by name: refused unless the filters include an address the name resolves to."""
    wanted = named(addresses, **args)
    with pytest.raises(SelfDisconnectRefused, match=re.escape(reason)):
        engine.planned(WinrmPolicy(), host_state(), wanted)
    allowed = named(addresses, allow_self_disconnect=True, **args)
    assert engine.planned(WinrmPolicy(), host_state(), allowed)[-1].disruptive


def test_a_name_with_one_included_address_is_not_refused() -> None:
    wanted = named(("10.0.0.2", "10.0.0.1"), ipv4_filter="10.0.0.1")
    assert not engine.planned(WinrmPolicy(), host_state(), wanted)[-1].disruptive
    star = PolicyDesired.from_args({"state": "enabled"}, "win01.example.com", resolver=resolver())
    assert star.lockout() is None  # both filters '*': nothing to resolve


def listener(source: str = "local", transport: str = "HTTP", port: int = 5985, address: str = "*") -> Listener:
    return Listener(address, transport, port, "", True, "wsman", "", source, ())


GPO_RUNNING = Running("enabled", "*", "*")


def test_not_configured_is_refused_when_the_policy_listener_is_the_only_one() -> None:
    """state=not_configured removes the GPO listener: refused when no other listener serves this connection."""
    state = dataclasses.replace(host_state(running=GPO_RUNNING), listeners=(listener("GPO"),))
    with pytest.raises(SelfDisconnectRefused, match=r"removes the Group Policy listener \(Source=GPO\), and no other"):
        engine.planned(WinrmPolicy(), state, desired("not_configured"))
    https_only = dataclasses.replace(state, listeners=(listener("GPO"), listener(transport="HTTPS", port=5986)))
    with pytest.raises(SelfDisconnectRefused):  # a local HTTPS listener does not serve this HTTP connection
        engine.planned(WinrmPolicy(), https_only, desired("not_configured"))
    over_https = PolicyDesired.from_args({"state": "not_configured"}, HOST, scheme="https", port=5986)
    assert not engine.planned(WinrmPolicy(), https_only, over_https)[-1].disruptive  # ...but it serves an HTTPS one
    by_address = dataclasses.replace(state, listeners=(listener("GPO"), listener(address=f"IP:{HOST}")))
    assert not engine.planned(WinrmPolicy(), by_address, desired("not_configured"))[-1].disruptive


def test_a_connection_to_another_port_is_not_the_policys() -> None:
    """The GPO listener serves HTTP 5985 (and HTTPS 5986): a controller on HTTP 8080 uses a local listener."""
    state = dataclasses.replace(host_state(), listeners=(listener(port=8080),))
    other_port = PolicyDesired.from_args({"state": "enabled", "ipv4_filter": "10.9.9.9"}, HOST, port=8080)
    assert not engine.planned(WinrmPolicy(), state, other_port)[-1].disruptive
    https = PolicyDesired.from_args({"state": "enabled", "ipv4_filter": "10.9.9.9"}, HOST, scheme="https", port=5986)
    with pytest.raises(
        SelfDisconnectRefused, match=r"does not include 10\.0\.0\.7"
    ):  # HTTPS 5986: assumed the policy's too
        engine.planned(WinrmPolicy(), state, https)


def test_unreadable_files_are_refused() -> None:
    bad = PolicyState(b"PReg\x01\x00\x00\x00[", None, {}, Running("not_configured"), ())
    with pytest.raises(PolicyError, match=r"Registry.pol on the host is not a valid Registry.pol file"):
        engine.planned(WinrmPolicy(), bad, desired())
    bad_gpt = host_state(None, "[General]\r\nVersion=abc\r\n")
    with pytest.raises(PolicyError, match=r"gpt.ini on the host cannot be updated safely"):
        engine.planned(WinrmPolicy(), bad_gpt, desired())


def test_policy_in_file() -> None:
    changes = engine.planned(WinrmPolicy(), host_state(), desired(ipv4_filter="10.0.0.1-10.0.0.9"))
    state = dataclasses.replace(host_state(), registry_pol=written_pol(changes))
    assert state.policy_in_file() == {"state": "enabled", "ipv4_filter": "10.0.0.1-10.0.0.9", "ipv6_filter": "*"}
    assert host_state().policy_in_file()["state"] == "not_configured"


# --- files and tasks -------------------------------------------------------------------------------------------------


def test_read_output_parsing() -> None:
    data = bytes(range(200))
    section = "Input Length = 200\r\nOutput Length = 330\r\nCertUtil: done\r\n" + "\r\n".join(files.encoded_lines(data))
    assert files.parse_read("X", section) == data
    missing = "CertUtil: -encode command FAILED: 0x80070002 (WIN32: 2 ERROR_FILE_NOT_FOUND)\r\nCertUtil: ..."
    assert files.parse_read("X", missing) is None
    with pytest.raises(files.FileTransferError, match=r"cannot read X on the host: Access is denied\."):
        files.parse_read("X", "Access is denied.\r\n")


def test_write_commands_pack_lines_under_the_limit() -> None:
    small, probes = files.write_commands({r"C:\a\b.pol": b"PReg\x01\x00\x00\x00"})
    assert len(small) == 1 and len(probes) == 1
    assert small[0].startswith("(echo -----BEGIN CERTIFICATE-----& echo UFJlZwEAAAA=& echo -----END CERTIFICATE-----)>")
    assert 'certutil -f -decode %SystemRoot%"' in small[0] and "==winremote:back0==" in small[0]
    big = bytes(range(256)) * 40  # 10 KiB: about 14 KiB of base64, more than one cmd.exe line holds
    commands, _paths = files.write_commands({r"C:\a\big.bin": big})
    assert len(commands) == 2 and all(len(c) <= files.COMMAND_BUDGET for c in commands)
    groups = [p for c in commands for p in c.split(")>") if p.startswith(("(echo ", ">"))]
    echoed = [
        line for c in commands for group in c.split("(echo ")[1:] for line in group.split(")>")[0].split("& echo ")
    ]
    assert echoed == files.encoded_lines(big) and groups
    creates = re.findall(r"\)>(?!>)", commands[0])
    assert len(creates) == 1 and ")>>" in commands[0]  # the first group creates, the others append


def test_task_command() -> None:
    line = tasks.start_command("winremote-restart-winrm", tasks.RESTART_WINRM)
    assert line == (
        'schtasks /create /tn "winremote-restart-winrm" /sc once /st 00:00 /ru SYSTEM /tr "cmd.exe /c '
        'net stop winrm /y & net start winrm & schtasks /delete /tn winremote-restart-winrm /f" /f'
        ' && schtasks /run /tn "winremote-restart-winrm"'
    )
    with pytest.raises(ValueError):
        tasks.start_command("x", 'echo "quoted"')


def test_resolve_returns_every_address_and_has_a_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    infos = [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", 5985)),
        (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("fe80::7%3", 5985, 0, 3)),
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", 5985)),
    ]
    monkeypatch.setattr(socket, "getaddrinfo", lambda *_a: infos)
    assert winrm_policy.resolve("win01", 5985) == ("10.0.0.7", "fe80::7")
    release = threading.Event()

    def hangs(*_args: t.Any) -> t.Any:
        release.wait(5)
        return infos

    monkeypatch.setattr(socket, "getaddrinfo", hangs)
    with pytest.raises(OSError, match="no answer within 0s"):
        winrm_policy.resolve("win01", 5985, seconds=0.1)
    release.set()

    def fails(*_args: t.Any) -> t.Any:
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fails)
    with pytest.raises(OSError, match="Name or service not known"):
        winrm_policy.resolve("win01", 5985)
