# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""winrm_listener: option validation (hostile addresses and host names, thumbprint forms), plan() from typed states
(create, rotation in place, Group Policy, certificate fitness, the firewall rule), the self-disconnect refusals,
and the facade's command lines and undo (applied to simulated hosts in tests/integration/test_winrm_listener.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import typing as t
import xml.etree.ElementTree as ET

import pytest

from ansible_collections.winremote.remoting.plugins.plugin_utils.connection import ConnectionConfig
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine import execute as engine
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.change import Endpoint
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.execute import SelfDisconnectRefused
from ansible_collections.winremote.remoting.plugins.plugin_utils.errors import InvalidArgumentError
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures.winrm_listener import (
    CertificateUnfitError,
    GpoControlledError,
    ListenerDesired,
    ListenerState,
    WinrmListener,
    plan,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import cert_store, firewall, listeners
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows.winrm_config import DeleteListener, Listener
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import batch
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.errors import WinRemoteError

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
NAME = "server01.example.test"
HOSTILE = [
    "a b",
    "a&calc",
    "a|calc",
    "a<b",
    "a>b",
    "a^b",
    "%PATH%",
    "a!b!",
    '"quoted"',
    "'quoted'",
    "a\r\nb",
    "a\nb",
    "a\tb",
    "",
    "a" * 300,
    "fe80::1%12",
    "\u0430pple.example.test",  # Cyrillic a
]


def cert(thumb: str = "A" * 40, name: str = NAME, **changes: t.Any) -> cert_store.StoreCertificate:
    base = cert_store.StoreCertificate(
        thumbprint=thumb,
        subject=f"CN={name}",
        common_name=name,
        dns_names=(name,),
        ip_addresses=(),
        issuer="CN=Example Issuing CA,O=Example",
        not_before=NOW - dt.timedelta(days=10),
        not_after=NOW + dt.timedelta(days=300),
        server_auth=True,
        has_private_key=True,
    )
    return dataclasses.replace(base, **changes)


def https_listener(thumb: str = "A" * 40, **changes: t.Any) -> Listener:
    base = Listener("*", "HTTPS", 5986, NAME, True, "wsman", thumb, "local", ("127.0.0.1",))
    return dataclasses.replace(base, **changes)


HTTP = Listener("*", "HTTP", 5985, "", True, "wsman", "", "local", ("127.0.0.1",))
ADMITS_5986 = firewall.parse_rule(
    "WINRM-HTTPS-In-TCP-Custom",
    "v2.20|Action=Allow|Active=TRUE|Dir=In|Protocol=6|LPort=5986|App=System|Name=WinRM HTTPS|",
    False,
)


def state(*found: Listener, certs: t.Sequence[cert_store.StoreCertificate] = (), **changes: t.Any) -> ListenerState:
    base = ListenerState(
        listeners=found or (HTTP,),
        store=cert_store.StoreRead(tuple(certs)),
        computer_name="SERVER01.example.test",
        port_rules=(ADMITS_5986,),
    )
    return dataclasses.replace(base, **changes)


def config(scheme: str = "http", port: int = 5985) -> ConnectionConfig:
    return ConnectionConfig(host="127.0.0.5", port=port, scheme=scheme, auth="ntlm")


def desired(conn: ConnectionConfig | None = None, **args: t.Any) -> ListenerDesired:
    found = ListenerDesired.from_args({"transport": "https", **args}, conn)
    return dataclasses.replace(found, now=NOW)


# --- validation ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("*", "*"),
        ("IP:192.0.2.7", "IP:192.0.2.7"),
        ("ip:192.0.2.7", "IP:192.0.2.7"),
        ("192.0.2.7", "IP:192.0.2.7"),
        ("IP:2001:DB8:0:0::1", "IP:2001:db8::1"),
    ],
)
def test_address_forms(raw: str, expected: str) -> None:
    assert desired(address=raw, certificate_thumbprint="A" * 40).address == expected


@pytest.mark.parametrize("raw", [*HOSTILE, "IP:", "IP:server01", "MAC:00-11-22-33-44-55", "IP:1.2.3.4+Transport=HTTP"])
def test_hostile_addresses_are_refused_naming_the_option(raw: str) -> None:
    with pytest.raises(InvalidArgumentError) as refused:
        desired(address=raw, certificate_thumbprint="A" * 40)
    assert str(refused.value).startswith("address:")
    assert "\n" not in str(refused.value) and len(str(refused.value)) < 300


@pytest.mark.parametrize("raw", [*HOSTILE, "-lead.example.test", "a..b", "under_score.example.test", "x" * 64 + ".t"])
def test_hostile_host_names_are_refused_naming_the_option(raw: str) -> None:
    with pytest.raises(InvalidArgumentError) as refused:
        desired(hostname=raw, certificate_thumbprint="A" * 40)
    assert str(refused.value).startswith("hostname:")
    assert "\r" not in str(refused.value) and "\n" not in str(refused.value)


@pytest.mark.parametrize("raw", ["server01.example.test", "SERVER01", "server01.example.test.", "192.0.2.7"])
def test_host_names_accepted(raw: str) -> None:
    assert desired(hostname=raw, certificate_thumbprint="A" * 40).hostname == raw.rstrip(".")


@pytest.mark.parametrize(
    "raw",
    [
        "ab" * 20,
        " ".join(["AB"] * 20),
        "\u200e" + "ab" * 20,  # the invisible mark a certificate viewer's copy carries
        "  " + "AB" * 20 + "  ",
    ],
)
def test_thumbprint_forms_are_normalised(raw: str) -> None:
    assert desired(certificate_thumbprint=raw).certificate_thumbprint == "AB" * 20


@pytest.mark.parametrize("raw", ["AB" * 19, "AB" * 21, "G" * 40, "AB:" * 20, "AB" * 19 + "&x", "0x" + "A" * 38, 42])
def test_bad_thumbprints_are_refused_naming_the_option(raw: t.Any) -> None:
    with pytest.raises(InvalidArgumentError) as refused:
        desired(certificate_thumbprint=raw)
    assert str(refused.value).startswith("certificate_thumbprint:")


@pytest.mark.parametrize(("port", "ok"), [(1, True), (65535, True), (0, False), (65536, False), (True, False)])
def test_port_range(port: t.Any, ok: bool) -> None:
    if ok:
        assert desired(port=port, certificate_thumbprint="A" * 40).port == port
        return
    with pytest.raises(InvalidArgumentError, match=r"^port:"):
        desired(port=port, certificate_thumbprint="A" * 40)


def test_defaults_follow_the_transport() -> None:
    https = desired(certificate_thumbprint="A" * 40)
    http = ListenerDesired.from_args({"transport": "http"})
    assert (https.port, https.firewall, https.address, https.url_prefix) == (5986, True, "*", "wsman")
    assert (http.port, http.firewall) == (5985, False)


@pytest.mark.parametrize(
    ("args", "option"),
    [
        ({"certificate_thumbprint": "A" * 40, "certificate": {"subject": NAME}}, "certificate_thumbprint"),
        ({}, "certificate_thumbprint"),
        ({"certificate": {}}, "certificate"),
        ({"certificate": {"subject": "a\r\nb"}}, "certificate.subject"),
        ({"certificate": {"thumb": "x"}}, "certificate"),
        ({"certificate_thumbprint": "A" * 40, "url_prefix": "ws man"}, "url_prefix"),
        ({"certificate_thumbprint": "A" * 40, "url_prefix": "wsman&calc"}, "url_prefix"),
        ({"transport": "ftp"}, "transport"),
        ({"transport": "http", "certificate_thumbprint": "A" * 40}, "certificate_thumbprint"),
    ],
)
def test_option_combinations_refused(args: dict[str, t.Any], option: str) -> None:
    with pytest.raises(InvalidArgumentError) as refused:
        desired(**args)
    assert str(refused.value).startswith(option + ":")


# --- plan ---------------------------------------------------------------------------------------------------------
def test_create_https_listener_with_the_observed_fqdn_and_a_firewall_rule() -> None:
    chosen = cert()
    changes = plan(state(certs=[chosen], port_rules=()), desired(certificate_thumbprint=chosen.thumbprint))
    assert [c.target for c in changes] == ["firewall_rule.WINRM-HTTPS-In-TCP", "listeners.HTTPS/*"]
    rule, listener = changes
    assert isinstance(rule.operation, firewall.NetshAddPortRule)
    assert isinstance(listener.operation, listeners.CreateFullListener)
    assert listener.after["hostname"] == NAME and listener.after["certificate_thumbprint"] == chosen.thumbprint
    assert listener.operation.restarts_winrm and listener.operation.undo.commands[1].startswith("call winrm delete")


def test_no_change_when_the_listener_matches() -> None:
    assert plan(state(HTTP, https_listener(), certs=[cert()]), desired(certificate_thumbprint="a" * 40)) == []


def test_rotation_is_one_put_with_an_undo_that_restores_the_old_certificate() -> None:
    new = cert("B" * 40, not_before=NOW - dt.timedelta(days=1))
    changes = plan(state(HTTP, https_listener(), certs=[cert(), new]), desired(certificate_thumbprint="B" * 40))
    assert len(changes) == 1
    (change,) = changes
    assert isinstance(change.operation, listeners.PutListener)
    assert "rotate its certificate in place from " + "A" * 40 in change.summary
    restore = change.operation.undo
    assert restore.commands[1].startswith('call winrm set "winrm/config/Listener?Address=*+Transport=HTTPS" @{')
    assert f'CertificateThumbprint="{"A" * 40}"' in restore.commands[1] and f'Hostname="{NAME}"' in restore.commands[1]
    assert restore.commands[-1] == "net stop winrm /y & net start winrm"
    # through the listener it rotates: not a disconnect (guarded instead)
    assert change.operation.affects_endpoint(Endpoint("https", 5986)) is None


def test_changing_the_port_of_the_listener_in_use_is_refused_up_front() -> None:
    request = desired(config("https", 5986), certificate_thumbprint="A" * 40, port=5999)
    current = state(HTTP, https_listener(), certs=[cert()])
    with pytest.raises(SelfDisconnectRefused, match="allow_self_disconnect"):
        engine.planned(WinrmListener(request), current, request)
    allowed = dataclasses.replace(request, allow_self_disconnect=True)
    assert [c.disruptive for c in engine.planned(WinrmListener(allowed), current, allowed)] == [True]


def test_deleting_the_listener_in_use_is_refused_and_over_another_it_is_not() -> None:
    over_https = desired(config("https", 5986), state="absent")
    current = state(HTTP, https_listener())
    with pytest.raises(SelfDisconnectRefused, match="removes the listener this connection comes through"):
        engine.planned(WinrmListener(over_https), current, over_https)
    over_http = desired(config("http", 5985), state="absent")
    (change,) = engine.planned(WinrmListener(over_http), current, over_http)
    assert isinstance(change.operation, DeleteListener) and not change.disruptive


def test_group_policy_listener_is_never_changed() -> None:
    gpo = https_listener(source="GPO")
    assert plan(state(gpo, certs=[cert()]), desired(certificate_thumbprint="A" * 40)) == []
    with pytest.raises(GpoControlledError, match="Group Policy"):
        plan(state(gpo, certs=[cert()]), desired(certificate_thumbprint="A" * 40, port=5999))
    with pytest.raises(GpoControlledError, match="Group Policy"):
        plan(state(gpo), desired(state="absent"))


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"has_private_key": False}, "no private key"),
        ({"not_after": NOW - dt.timedelta(days=1)}, "expired"),
        ({"not_before": NOW + dt.timedelta(days=1)}, "not valid before"),
        ({"server_auth": False}, "Server Authentication"),
        ({"dns_names": ("other.example.test",)}, "names other.example.test, not " + NAME),
        ({"common_name": "other.example.test"}, "CN"),
    ],
)
def test_unfit_certificates_are_refused_with_what_to_do(changes: dict[str, t.Any], words: str) -> None:
    with pytest.raises(CertificateUnfitError) as unfit:
        plan(state(certs=[cert(**changes)]), desired(certificate_thumbprint="A" * 40))
    assert words in str(unfit.value) and str(unfit.value).endswith("nothing was changed")


def test_missing_and_unread_certificates() -> None:
    with pytest.raises(CertificateUnfitError, match="is not in LocalMachine"):
        plan(state(certs=[cert()]), desired(certificate_thumbprint="B" * 40))
    unread = cert_store.StoreRead((), (cert_store.UnreadCertificate("B" * 40, "its Blob is truncated"),))
    with pytest.raises(CertificateUnfitError, match="truncated"):
        plan(state(store=unread), desired(certificate_thumbprint="B" * 40))
    with pytest.raises(CertificateUnfitError, match="could not be read"):
        plan(state(store=None, store_error="access denied"), desired(certificate_thumbprint="B" * 40))


def test_selection_takes_the_newest_fit_certificate() -> None:
    old = cert("1" * 40, not_before=NOW - dt.timedelta(days=90))
    new = cert("2" * 40, not_before=NOW - dt.timedelta(days=2))
    newer_no_key = cert("3" * 40, not_before=NOW - dt.timedelta(days=1), has_private_key=False)
    other_issuer = cert("4" * 40, not_before=NOW, issuer="CN=Someone Else")
    request = desired(certificate={"subject": NAME.upper(), "issuer": "example issuing ca"})
    (change,) = plan(state(certs=[old, new, newer_no_key, other_issuer], port_rules=(ADMITS_5986,)), request)
    assert change.after["certificate_thumbprint"] == "2" * 40
    with pytest.raises(CertificateUnfitError, match="3333"):
        plan(state(certs=[newer_no_key]), request)


def test_hostname_must_be_known_for_https() -> None:
    with pytest.raises(WinRemoteError, match="set hostname"):
        plan(state(certs=[cert()], computer_name=None), desired(certificate_thumbprint="A" * 40))


def test_unread_observation_builds_no_plan() -> None:
    with pytest.raises(WinRemoteError, match="Task Scheduler"):
        plan(
            state(certs=[cert()], unread=("rollback task x: the Task Scheduler did not answer",)),
            desired(certificate_thumbprint="A" * 40),
        )
    with pytest.raises(WinRemoteError, match="firewall rule stores could not be read"):
        plan(state(certs=[cert()], port_rules=None), desired(certificate_thumbprint="A" * 40))


def test_a_stale_rollback_task_is_cancelled_first() -> None:
    request = desired(certificate_thumbprint="A" * 40)
    current = state(certs=[cert()], pending_rollback=True)
    changes = engine.planned(WinrmListener(request), current, request)
    assert changes[0].target == "rollback_tasks.winremote-rollback-winrmlistener"


# --- the facade ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", ['a"b', "a%PATH%", "a&b", "a b", "a\r\nb"])
def test_a_previous_value_a_restore_script_cannot_hold_refuses_the_change(bad: str) -> None:
    with pytest.raises(listeners.ListenerRestoreError, match="nothing was changed"):
        listeners.PutListener(https_listener(hostname=bad), listeners.Settings(5986, NAME, True, "wsman", "B" * 40))


def test_firewall_rule_command_is_scoped_to_the_port_and_system() -> None:
    op = firewall.NetshAddPortRule("WINRM-HTTPS-In-TCP", 5986)
    assert op.command.startswith(
        'netsh advfirewall firewall add rule name="WINRM-HTTPS-In-TCP" dir=in action=allow protocol=TCP '
        'localport=5986 program=System profile=any enable=yes description="Inbound rule for Windows Remote '
        'Management via WS-Management over HTTPS. [TCP]"'
    )
    assert op.undo is None and op.affects_endpoint(Endpoint("https", 5986)) is None


def test_port_rules_count_only_enabled_inbound_tcp_rules_for_system() -> None:
    store = firewall.LOCAL_STORE.replace("HKLM", "HKEY_LOCAL_MACHINE")
    section = "\n".join(
        [
            store,
            "    Good    REG_SZ    v2.20|Action=Allow|Active=TRUE|Dir=In|Protocol=6|LPort=5986|App=System|Name=x|",
            "    Off    REG_SZ    v2.20|Action=Allow|Active=FALSE|Dir=In|Protocol=6|LPort=5986|App=System|Name=x|",
            "    Udp    REG_SZ    v2.20|Action=Allow|Active=TRUE|Dir=In|Protocol=17|LPort=5986|Name=x|",
            "    Other    REG_SZ    v2.20|Action=Allow|Active=TRUE|Dir=In|Protocol=6|LPort=59860|Name=x|",
            r"    Prog    REG_SZ    v2.20|Action=Allow|Active=TRUE|Dir=In|Protocol=6|LPort=5986|App=C:\x.exe|Name=x|",
            "    Block    REG_SZ    v2.20|Action=Block|Active=TRUE|Dir=In|Protocol=6|LPort=5986|Name=x|",
            "",
        ]
    )
    result = batch.BatchResult({"fw.port.local": section}, "", 0)
    assert [r.rule_id for r in firewall.port_rules_from_batch(result, 5986)] == ["Good"]
    probes = firewall.port_rule_probes(5986)
    assert any('/f "LPort=5986" /d' in p.command for p in probes)


class Listed:
    """A client whose Enumerate answers the given listeners."""

    def __init__(self, *found: Listener) -> None:
        self.found = found

    def enumerate(self, resource_uri: str, **_kwargs: t.Any) -> list[t.Any]:
        items = []
        for x in self.found:
            item = ET.Element("Listener")
            for tag, text in (
                ("Address", x.address),
                ("Transport", x.transport),
                ("Port", str(x.port)),
                ("Hostname", x.hostname),
                ("Enabled", "true" if x.enabled else "false"),
                ("URLPrefix", x.url_prefix),
                ("CertificateThumbprint", x.certificate_thumbprint),
            ):
                ET.SubElement(item, tag).text = text
            items.append(item)
        return items


def test_settled_and_describe_read_the_listener_again() -> None:
    request = desired(certificate_thumbprint="B" * 40)
    procedure = WinrmListener(request)
    procedure.plan(state(HTTP, https_listener(), certs=[cert(), cert("B" * 40)]), request)
    old, new = Listed(HTTP, https_listener()), Listed(HTTP, https_listener("B" * 40))
    assert procedure.settled(t.cast(t.Any, old), request) is not None
    assert procedure.settled(t.cast(t.Any, new), request) is None
    assert "B" * 40 in str(procedure.describe(t.cast(t.Any, new)))
    assert procedure.describe(t.cast(t.Any, Listed(HTTP))) == "no HTTPS listener on *"
