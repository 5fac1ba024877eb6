# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""WSManClient logic with pypsrp's WSMan replaced by a scripted fake: no sockets, exact request sequences."""

from __future__ import annotations

import base64
import os
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from pypsrp import exceptions as pe

from ansible_collections.winremote.remoting.plugins.plugin_utils.connection import ConnectionConfig
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import cim, client, errors, transport, winrs
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import xml as wx
from winsim import certs

S = wx.NS["s"]
Reply = Callable[[str, str, Any, Any, Any], Any]


def envelope(inner: str) -> ET.Element:
    return ET.fromstring(f'<s:Envelope xmlns:s="{S}"><s:Header/><s:Body>{inner}</s:Body></s:Envelope>')


class FakeTransport:
    """pypsrp's _TransportHTTP as far as the client touches it: it builds the session the client guards."""

    def __init__(self) -> None:
        self.session: requests.Session | None = None

    def _build_session(self) -> requests.Session:
        return requests.Session()


class FakeWSMan:
    """Records each invoke and answers from a handler; counts constructions and closes."""

    instances: list[FakeWSMan] = []
    handler: Reply = staticmethod(lambda *a: envelope(""))

    def __init__(self, server: str, **kwargs: Any) -> None:
        self.server = server
        self.kwargs = kwargs
        self.calls: list[tuple[str, str, ET.Element | None, dict[str, str], dict[str, str]]] = []
        self.closed = False
        self.transport = FakeTransport()
        FakeWSMan.instances.append(self)

    def invoke(
        self, action: str, resource_uri: str, resource: Any, option_set: Any = None, selector_set: Any = None
    ) -> Any:
        options = {k: v for k, v, _attrs in option_set.values} if option_set else {}
        selectors = {k: v for k, v, _attrs in selector_set.values} if selector_set else {}
        self.calls.append((action, resource_uri, resource, options, selectors))
        return type(self).handler(action, resource_uri, resource, options, selectors)

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> type[FakeWSMan]:
    FakeWSMan.instances = []
    monkeypatch.setattr(client, "WSMan", FakeWSMan)
    return FakeWSMan


def config(**kwargs: Any) -> ConnectionConfig:
    base: dict[str, Any] = {"host": "127.0.0.1", "port": 5985, "scheme": "http", "username": "u", "password": "pw"}
    base.update(kwargs)
    return ConnectionConfig(**base)


def test_no_io_until_first_call_and_one_session(fake: type[FakeWSMan]) -> None:
    fake.handler = staticmethod(lambda *a: envelope("<cfg:Service xmlns:cfg='urn:x'><cfg:A>1</cfg:A></cfg:Service>"))
    c = client.WSManClient(config())
    assert fake.instances == []
    elem = c.get("http://schemas.microsoft.com/wbem/wsman/1/config/service")
    c.get("http://schemas.microsoft.com/wbem/wsman/1/config/service", selectors={"A": 1}, options={"B": True})
    assert wx.local_name(elem.tag) == "Service"
    assert len(fake.instances) == 1 and c.request_count == 2
    call = fake.instances[0].calls[1]
    assert call[3] == {"B": "TRUE"} and call[4] == {"A": "1"}
    c.close()
    assert fake.instances[0].closed


def test_session_under_pypsrp_is_guarded(fake: type[FakeWSMan]) -> None:
    c = client.WSManClient(config())
    c.delete("urn:r")
    session = fake.instances[0].transport.session
    assert session is not None and session.max_redirects == 0
    for prefix in ("http://", "https://"):
        assert isinstance(session.get_adapter(prefix + "h/wsman"), transport.GuardedAdapter)


def test_wsman_kwargs(fake: type[FakeWSMan], tmp_path: Any) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    c = client.WSManClient(config(scheme="https", port=5986, ca_path=str(ca), auth="ntlm", no_proxy=True))
    c.delete("urn:r")
    kwargs = fake.instances[0].kwargs
    assert kwargs["ssl"] is True and kwargs["port"] == 5986 and kwargs["cert_validation"] == str(ca)
    assert kwargs["auth"] == "ntlm" and kwargs["encryption"] == "auto" and kwargs["no_proxy"] is True
    assert kwargs["password"] == "pw"
    assert "pw" not in repr(c)


def test_certificate_pem_text_goes_to_temp_files_removed_on_close(fake: type[FakeWSMan], tmp_path: Path) -> None:
    pair = certs.create_certificate(tmp_path, "client", "127.0.0.1")
    pem, key = pair.cert_path.read_text(), pair.key_path.read_text()
    c = client.WSManClient(
        config(scheme="https", port=5986, auth="certificate", certificate_pem=pem, certificate_key_pem=key)
    )
    c.delete("urn:r")
    kwargs = fake.instances[0].kwargs
    paths = [kwargs["certificate_pem"], kwargs["certificate_key_pem"]]
    assert all(os.path.isfile(p) for p in paths) and kwargs["username"] is None
    assert (os.stat(paths[1]).st_mode & 0o077) == 0
    c.close()
    assert not any(os.path.exists(p) for p in paths)


@pytest.mark.parametrize("broken", ["key", "certificate", "mismatch"])
def test_a_client_certificate_that_cannot_be_loaded_is_a_settings_error(
    fake: type[FakeWSMan], tmp_path: Path, broken: str
) -> None:
    pair = certs.create_certificate(tmp_path / "a", "client", "127.0.0.1")
    other = certs.create_certificate(tmp_path / "b", "other", "127.0.0.2")
    pem, key = pair.cert_path.read_text(), pair.key_path.read_text()
    secret_line = "SECRETKEYMATERIAL"
    if broken == "key":
        key = f"-----BEGIN PRIVATE KEY-----\n{secret_line}\n-----END PRIVATE KEY-----\n"
    elif broken == "certificate":
        pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    else:
        key = other.key_path.read_text()
    c = client.WSManClient(
        config(scheme="https", port=5986, auth="certificate", certificate_pem=pem, certificate_key_pem=key)
    )
    with pytest.raises(errors.InvalidSettingsError, match=r"connection\.certificate_key_pem") as caught:
        c.get("urn:r")
    assert fake.instances == [] and secret_line not in str(caught.value)
    c.close()


def test_invalid_config_is_invalid_settings(fake: type[FakeWSMan]) -> None:
    c = client.WSManClient(config(auth="basic"))  # basic over http with encryption: refused by validate()
    with pytest.raises(errors.InvalidSettingsError, match="message_encryption"):
        c.get("urn:r")
    assert fake.instances == []


def test_enumerate_small_result_is_one_round_trip(fake: type[FakeWSMan]) -> None:
    fake.handler = staticmethod(
        lambda *a: envelope(
            f'<n:EnumerateResponse xmlns:n="{wx.NS["wsen"]}" xmlns:w="{wx.NS["wsman"]}">'
            "<w:Items><i>1</i><i>2</i></w:Items><w:EndOfSequence/></n:EnumerateResponse>"
        )
    )
    c = client.WSManClient(config())
    items = c.enumerate("urn:r/*", wql="SELECT * FROM Win32_Service")
    assert [i.text for i in items] == ["1", "2"]
    assert c.request_count == 1
    action, uri, body, _options, _selectors = fake.instances[0].calls[0]
    assert action.endswith("/Enumerate") and uri == "urn:r/*"
    assert body is not None and body.find(f"{{{wx.NS['wsman']}}}Filter") is not None


def test_enumerate_pulls_until_end(fake: type[FakeWSMan]) -> None:
    wsen, wsman = wx.NS["wsen"], wx.NS["wsman"]
    replies = [
        f'<n:EnumerateResponse xmlns:n="{wsen}" xmlns:w="{wsman}"><n:EnumerationContext>c1</n:EnumerationContext>'
        "<w:Items><i>1</i></w:Items></n:EnumerateResponse>",
        f'<n:PullResponse xmlns:n="{wsen}"><n:EnumerationContext>c2</n:EnumerationContext>'
        "<n:Items><i>2</i></n:Items></n:PullResponse>",
        f'<n:PullResponse xmlns:n="{wsen}"><n:Items><i>3</i></n:Items><n:EndOfSequence/></n:PullResponse>',
    ]
    fake.handler = staticmethod(lambda *a: envelope(replies.pop(0)))
    c = client.WSManClient(config())
    assert [i.text for i in c.enumerate("urn:r")] == ["1", "2", "3"]
    calls = fake.instances[0].calls
    assert [call[0].rsplit("/", 1)[-1] for call in calls] == ["Enumerate", "Pull", "Pull"]
    contexts = [call[2].findtext(f"{{{wsen}}}EnumerationContext") for call in calls[1:] if call[2] is not None]
    assert contexts == ["c1", "c2"]


def test_invoke_action_and_typed_output(fake: type[FakeWSMan]) -> None:
    uri = cim.cim_uri("root/default", "StdRegProv")
    fake.handler = staticmethod(
        lambda *a: envelope(
            f'<p:GetDWORDValue_OUTPUT xmlns:p="{uri}"><p:ReturnValue>0</p:ReturnValue><p:uValue>7</p:uValue>'
            "</p:GetDWORDValue_OUTPUT>"
        )
    )
    c = client.WSManClient(config())
    out = c.invoke(uri, "GetDWORDValue", {"hDefKey": 2147483650, "sSubKeyName": "K"}, types={"uValue": "int"})
    assert out == {"ReturnValue": 0, "uValue": 7}
    action, resource_uri, body, _options, _selectors = fake.instances[0].calls[0]
    assert action == f"{uri}/GetDWORDValue" and resource_uri == uri
    assert body is not None and body.tag == f"{{{uri}}}GetDWORDValue_INPUT"


def test_put_and_create_return_elements(fake: type[FakeWSMan]) -> None:
    wst, wsa = wx.NS["wst"], wx.NS["wsa"]
    fake.handler = staticmethod(
        lambda action, *a: envelope(
            f'<x:ResourceCreated xmlns:x="{wst}" xmlns:a="{wsa}"><a:Address>u</a:Address></x:ResourceCreated>'
            if action.endswith("Create")
            else ""
        )
    )
    c = client.WSManClient(config())
    created = c.create("urn:r", "<Listener xmlns='urn:r'><Port>1</Port></Listener>")
    assert wx.local_name(created.tag) == "ResourceCreated"
    assert c.put("urn:r", ET.Element("x")) is None
    sent = fake.instances[0].calls[0][2]
    assert sent is not None and sent.tag == "{urn:r}Listener"


def receive_reply(done: bool, out: bytes = b"", rc: int = 0) -> ET.Element:
    rsp = wx.NS["rsp"]
    state = (
        f'<rsp:CommandState CommandId="C" State="{winrs.STATE_DONE}">'
        f"<rsp:ExitCode>{rc}</rsp:ExitCode></rsp:CommandState>"
        if done
        else ""
    )
    data = base64.b64encode(out).decode()
    return envelope(
        f'<rsp:ReceiveResponse xmlns:rsp="{rsp}"><rsp:Stream Name="stdout" CommandId="C">{data}</rsp:Stream>'
        f"{state}</rsp:ReceiveResponse>"
    )


def shell_handler(receives: list[Any]) -> Reply:
    rsp = wx.NS["rsp"]

    def handle(action: str, uri: str, body: Any, options: Any, selectors: Any) -> Any:
        name = action.rsplit("/", 1)[-1]
        if name == "Create":
            return envelope(f'<rsp:Shell xmlns:rsp="{rsp}"><rsp:ShellId>SH</rsp:ShellId></rsp:Shell>')
        if name == "Command":
            return envelope(
                f'<rsp:CommandResponse xmlns:rsp="{rsp}"><rsp:CommandId>C</rsp:CommandId></rsp:CommandResponse>'
            )
        if name == "Receive":
            item = receives.pop(0)
            if isinstance(item, BaseException):
                raise item
            return item
        return envelope("")

    return handle


def test_run_command_is_four_requests(fake: type[FakeWSMan]) -> None:
    fake.handler = staticmethod(shell_handler([receive_reply(True, "hé\r\n".encode(), 3)]))
    c = client.WSManClient(config())
    result = c.run_command("cmd.exe", ["/c", "echo hi"])
    assert result == winrs.CommandResult("hé\r\n", "", 3)
    calls = fake.instances[0].calls
    assert [call[0].rsplit("/", 1)[-1] for call in calls] == ["Create", "Command", "Receive", "Delete"]
    assert all(call[1] == winrs.SHELL_URI for call in calls)
    assert calls[0][3] == {"WINRS_NOPROFILE": "TRUE", "WINRS_CODEPAGE": "65001"}
    assert calls[1][3] == {"WINRS_SKIP_CMD_SHELL": "FALSE"}
    assert all(call[4] == {"ShellId": "SH"} for call in calls[1:])
    assert c.request_count == 4


def test_run_command_polls_after_timeout_fault(fake: type[FakeWSMan]) -> None:
    timed_out = pe.WSManFaultError(errors.WSMAN_TIMED_OUT, "m", "timed out", None, None, None)
    fake.handler = staticmethod(shell_handler([receive_reply(False, b"a"), timed_out, receive_reply(True, b"b", 0)]))
    result = client.WSManClient(config()).run_command("x")
    assert result.stdout == "ab" and result.rc == 0
    assert [c[0].rsplit("/", 1)[-1] for c in fake.instances[0].calls].count("Receive") == 3


def test_run_command_deletes_shell_on_failure(fake: type[FakeWSMan]) -> None:
    boom = pe.WinRMTransportError("http", 500, "Internal Server Error")
    fake.handler = staticmethod(shell_handler([boom]))
    with pytest.raises(errors.ServerError):
        client.WSManClient(config()).run_command("x")
    assert fake.instances[0].calls[-1][0].endswith("/Delete")


def test_dead_connection_drops_session_and_next_call_reconnects(fake: type[FakeWSMan]) -> None:
    import requests

    replies: list[Any] = [requests.exceptions.ConnectionError(ConnectionResetError(104, "reset")), envelope("<ok/>")]

    def handle(*args: Any) -> Any:
        item = replies.pop(0)
        if isinstance(item, BaseException):
            raise item
        return item

    fake.handler = staticmethod(handle)
    c = client.WSManClient(config())
    with pytest.raises(errors.ConnectionLostError):
        c.get("urn:r")
    assert fake.instances[0].closed
    assert c.get("urn:r").tag == "ok"
    assert len(fake.instances) == 2


def test_fault_keeps_session(fake: type[FakeWSMan]) -> None:
    def handle(*args: Any) -> Any:
        raise pe.WSManFaultError(2150858752, "m", "nope", None, None, None)

    fake.handler = staticmethod(handle)
    c = client.WSManClient(config())
    with pytest.raises(errors.WSManFaultError):
        c.get("urn:r")
    assert not fake.instances[0].closed


def test_endless_enumeration_ends_at_its_deadline(fake: type[FakeWSMan], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client.transport, "command_deadline", lambda config: 0.3)
    reply = (
        f'<n:PullResponse xmlns:n="{wx.NS["wsen"]}" xmlns:w="{wx.NS["wsman"]}">'
        "<n:EnumerationContext>ctx</n:EnumerationContext><n:Items><i>1</i></n:Items></n:PullResponse>"
    )
    fake.handler = staticmethod(lambda *a: envelope(reply.replace("PullResponse", "EnumerateResponse")))
    c = client.WSManClient(config())
    with pytest.raises(errors.DeadlineExceededError, match=r"did not finish the enumeration of urn:r/\* within 0.3s"):
        c.enumerate("urn:r/*")
    assert 1 < c.request_count < client.MAX_PULLS


def test_final_delete_failing_after_done_keeps_the_result_and_drops_the_session(fake: type[FakeWSMan]) -> None:
    done = base64.b64encode(b"ok").decode()

    def handler(action: str, *rest: Any) -> Any:
        if action == winrs.ACTION_CREATE:
            return envelope(f'<rsp:Shell xmlns:rsp="{wx.NS["rsp"]}"><rsp:ShellId>S</rsp:ShellId></rsp:Shell>')
        if action == winrs.ACTION_COMMAND:
            rsp = wx.NS["rsp"]
            return envelope(f'<r:CommandResponse xmlns:r="{rsp}"><r:CommandId>C</r:CommandId></r:CommandResponse>')
        if action == winrs.ACTION_RECEIVE:
            return envelope(
                f'<rsp:ReceiveResponse xmlns:rsp="{wx.NS["rsp"]}"><rsp:Stream Name="stdout">{done}</rsp:Stream>'
                f'<rsp:CommandState State="{winrs.STATE_DONE}"><rsp:ExitCode>0</rsp:ExitCode></rsp:CommandState>'
                "</rsp:ReceiveResponse>"
            )
        raise ConnectionResetError(104, "Connection reset by peer")

    fake.handler = staticmethod(handler)
    c = client.WSManClient(config())
    result = c.run_command("cmd.exe", ["/c", "echo ok"])
    assert (result.stdout, result.rc) == ("ok", 0)
    assert fake.instances[0].closed, "the session is dropped so the next request logs in again"
