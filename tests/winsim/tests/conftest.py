# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Shared fixtures: free loopback addresses, a small fake Windows model for transport tests, started hosts.

Fixtures that build host models are prefixed ``model_``.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from winsim import addresses
from winsim.contract import Identity, RequestContext, SoapReply
from winsim.host import SimulatedHost
from winsim.state import HostState

# Only loopback traffic: make sure no proxy from the environment is used for it.
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.0/8,localhost"

SHARED = Path(__file__).resolve().parents[4] / "shared"  # /work/shared beside the repo
PASSWORD = "Winremote-Passw0rd!"  # winsim.accounts.DEFAULT_PASSWORD

S = "http://www.w3.org/2003/05/soap-envelope"
A = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
ECHO = "urn:winsim:test:echo"


def pick_address(ports: tuple[int, ...] = addresses.WINRM_PORTS) -> str:
    """A random 127.100-250.x.y whose ports are free, so tests run in parallel with other suites."""
    return addresses.free_block(1, ports=ports)


def pick_block(count: int) -> str:
    """The first of ``count`` consecutive free addresses (for fleets)."""
    return addresses.free_block(count)


@dataclass
class FakePolicy:
    basic: bool = False
    negotiate: bool = True
    kerberos: bool = True
    certificate: bool = False
    credssp: bool = False
    allow_unencrypted: bool = False


@dataclass
class FakeModel:
    """Answers every SOAP request with an echo of what the transport passed in; knobs for each rule."""

    policy: FakePolicy = field(default_factory=FakePolicy)
    endpoints: set[tuple[str, int]] = field(default_factory=lambda: {("HTTP", 5985), ("HTTPS", 5986)})
    deny: str | None = None
    effects: set[str] = field(default_factory=set)
    contexts: list[RequestContext] = field(default_factory=list)
    identities: list[Identity] = field(default_factory=list)

    def auth_policy(self, state: object) -> FakePolicy:
        return self.policy

    def authorize(self, state: object, identity: Identity) -> str | None:
        self.identities.append(identity)
        return self.deny

    def accepting_endpoints(
        self, state: object, host_address: str, client_ip: str = "127.0.0.1"
    ) -> set[tuple[str, int]]:
        return set(self.endpoints)

    def handle_soap(self, state: object, request_xml: bytes, ctx: RequestContext) -> SoapReply:
        self.contexts.append(ctx)
        root = ET.fromstring(request_xml)
        message_id = root.findtext(f"{{{S}}}Header/{{{A}}}MessageID") or ""
        action = root.findtext(f"{{{S}}}Header/{{{A}}}Action") or ""
        body = (
            f'<s:Envelope xmlns:s="{S}" xmlns:a="{A}" xmlns:e="{ECHO}"><s:Header>'
            f"<a:Action>{action}Response</a:Action><a:RelatesTo>{message_id}</a:RelatesTo></s:Header>"
            f'<s:Body><e:Echo user="{ctx.identity.user}" auth="{ctx.identity.auth}" '
            f'encrypted="{ctx.identity.encrypted}" transport="{ctx.transport}" port="{ctx.port}"/></s:Body>'
            "</s:Envelope>"
        )
        return SoapReply(200, body.encode(), set(self.effects))

    def handle_identify(self, state: object, request_xml: bytes, authenticated: bool) -> SoapReply:
        version = "OS: 10.0.17763 SP: 0.0 Stack: 3.0" if authenticated else "OS: 0.0.0 SP: 0.0 Stack: 3.0"
        body = (
            f'<s:Envelope xmlns:s="{S}"><s:Header/><s:Body>'
            '<wsmid:IdentifyResponse xmlns:wsmid="http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd">'
            f"<wsmid:ProductVersion>{version}</wsmid:ProductVersion></wsmid:IdentifyResponse></s:Body></s:Envelope>"
        )
        return SoapReply(200, body.encode(), set())

    def fault_reply(self, code: int, message: str, subcode: str = "w:AccessDenied") -> SoapReply:
        body = (
            f'<s:Envelope xmlns:s="{S}" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"><s:Body><s:Fault>'
            f"<s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>{subcode}</s:Value></s:Subcode></s:Code>"
            f'<s:Reason><s:Text xml:lang="en-US">{message}</s:Text></s:Reason><s:Detail>'
            f'<f:WSManFault xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault" Code="{code}" '
            f'Machine="sim"><f:Message>{message}</f:Message></f:WSManFault></s:Detail></s:Fault></s:Body></s:Envelope>'
        )
        return SoapReply(500, body.encode(), set())


@pytest.fixture
def fake_model() -> FakeModel:
    return FakeModel()


@pytest.fixture
def fake_host(fake_model: FakeModel, tmp_path: Path) -> Iterator[SimulatedHost]:
    """A started host on a free address whose Windows answers come from ``fake_model``."""
    state = HostState(hostname="SIMTEST", profile="2019")
    with SimulatedHost(state, address=pick_address(), model=fake_model, cert_dir=tmp_path / "certs") as host:
        yield host


@pytest.fixture
def address() -> str:
    return pick_address()


class RulesModel(FakeModel):
    """The real Windows rules (winsim.rules) with the echoing fake dispatcher: listener and auth decisions are real."""

    def auth_policy(self, state: object) -> object:  # type: ignore[override]
        from winsim import rules

        return rules.auth_policy(state)  # type: ignore[arg-type]

    def authorize(self, state: object, identity: Identity) -> str | None:
        from winsim import rules

        self.identities.append(identity)
        return rules.authorize(state, identity)  # type: ignore[arg-type]

    def accepting_endpoints(
        self, state: object, host_address: str, client_ip: str = "127.0.0.1"
    ) -> set[tuple[str, int]]:
        from winsim import rules

        return rules.accepting_endpoints(state, host_address, client_ip)  # type: ignore[arg-type]


# ---- model fixtures -------------------------------------------------------------------------------------------


class ModelClient:
    """Builds WS-Man request envelopes and sends them straight to winsim.wsman.dispatch (no sockets)."""

    NS = {
        "s": S,
        "a": A,
        "w": "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd",
        "n": "http://schemas.xmlsoap.org/ws/2004/09/enumeration",
        "x": "http://schemas.xmlsoap.org/ws/2004/09/transfer",
        "rsp": "http://schemas.microsoft.com/wbem/wsman/1/windows/shell",
        "f": "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault",
        "xsi": "http://www.w3.org/2001/XMLSchema-instance",
    }

    def __init__(self, state: HostState, ctx: RequestContext) -> None:
        self.state, self.ctx = state, ctx
        self.effects: set[str] = set()

    def request(
        self,
        action: str,
        uri: str,
        body: str = "",
        selectors: dict[str, str] | None = None,
        options: dict[str, str] | None = None,
        message_id: str = "uuid:11111111-2222-3333-4444-555555555555",
    ) -> bytes:
        sel = "".join(f'<w:Selector Name="{k}">{v}</w:Selector>' for k, v in (selectors or {}).items())
        opt = "".join(f'<w:Option Name="{k}">{v}</w:Option>' for k, v in (options or {}).items())
        return (
            f'<s:Envelope xmlns:s="{S}" xmlns:a="{A}" xmlns:w="{self.NS["w"]}" xmlns:n="{self.NS["n"]}" '
            f'xmlns:rsp="{self.NS["rsp"]}" xmlns:xsi="{self.NS["xsi"]}"><s:Header><a:Action>{action}</a:Action>'
            f"<a:MessageID>{message_id}</a:MessageID><w:ResourceURI>{uri}</w:ResourceURI>"
            + (f"<w:SelectorSet>{sel}</w:SelectorSet>" if sel else "")
            + (f"<w:OptionSet>{opt}</w:OptionSet>" if opt else "")
            + f"</s:Header><s:Body>{body}</s:Body></s:Envelope>"
        ).encode()

    def call(
        self,
        action: str,
        uri: str,
        body: str = "",
        selectors: dict[str, str] | None = None,
        options: dict[str, str] | None = None,
        status: int = 200,
    ) -> ET.Element:
        """Dispatch and return the s:Body element; asserts the HTTP status."""
        from winsim.wsman import dispatch

        reply = dispatch.handle_soap(self.state, self.request(action, uri, body, selectors, options), self.ctx)
        self.effects = reply.effects
        root = ET.fromstring(reply.body)
        assert reply.status == status, reply.body.decode()
        body_el = root.find(f"{{{S}}}Body")
        assert body_el is not None
        return body_el

    def fault_code(self, body: ET.Element) -> tuple[str, int]:
        """(subcode, WSManFault Code) of a fault body."""
        subcode = body.findtext("s:Fault/s:Code/s:Subcode/s:Value", namespaces=self.NS) or ""
        fault = body.find(".//f:WSManFault", self.NS)
        return subcode, int(fault.get("Code", "0")) if fault is not None else 0

    def run(self, line: str, delete_shell: bool = True) -> tuple[str, str, int]:
        """Run `cmd.exe /c <line>` through WinRS: (stdout, stderr, exit code). Without ``delete_shell`` only Create,
        Command and Receive are sent (a WinRM restart ends the shell, so a Delete would find nothing)."""
        import base64

        shell_uri = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd"
        shell_ns = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
        created = self.call(
            "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create",
            shell_uri,
            "<rsp:Shell><rsp:InputStreams>stdin</rsp:InputStreams>"
            "<rsp:OutputStreams>stdout stderr</rsp:OutputStreams></rsp:Shell>",
        )
        shell_id = created.findtext(".//rsp:ShellId", namespaces=self.NS) or ""
        line_xml = line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        response = self.call(
            shell_ns + "/Command",
            shell_uri,
            f"<rsp:CommandLine><rsp:Command>cmd.exe</rsp:Command><rsp:Arguments>/c {line_xml}"
            "</rsp:Arguments></rsp:CommandLine>",
            {"ShellId": shell_id},
        )
        command_id = response.findtext(".//rsp:CommandId", namespaces=self.NS) or ""
        received = self.call(
            shell_ns + "/Receive",
            shell_uri,
            f'<rsp:Receive><rsp:DesiredStream CommandId="{command_id}">stdout stderr</rsp:DesiredStream></rsp:Receive>',
            {"ShellId": shell_id},
        )
        effects = self.effects
        streams = {"stdout": b"", "stderr": b""}
        for stream in received.iter(f"{{{shell_ns}}}Stream"):
            streams[stream.get("Name", "")] += base64.b64decode(stream.text or "")
        code = int(received.findtext(".//rsp:ExitCode", namespaces=self.NS) or "-1")
        if delete_shell:
            self.call("http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete", shell_uri, "", {"ShellId": shell_id})
        self.effects = effects
        return streams["stdout"].decode(), streams["stderr"].decode(), code


@pytest.fixture
def model_ctx() -> RequestContext:
    identity = Identity(user="Administrator", domain="", auth="ntlm", encrypted=True, tls=False)
    return RequestContext(identity=identity, host_address="127.0.0.10", port=5985, transport="HTTP")


@pytest.fixture(params=["2019"])
def model_state(request: pytest.FixtureRequest) -> HostState:
    return HostState.from_profile(request.param, hostname="SIMHOST")


@pytest.fixture
def model_client(model_state: HostState, model_ctx: RequestContext) -> ModelClient:
    return ModelClient(model_state, model_ctx)


@pytest.fixture
def model_client_for(model_ctx: RequestContext) -> Callable[[str], ModelClient]:
    """A factory: model_client_for("2008r2") -> ModelClient on a fresh host of that profile."""

    def make(profile: str) -> ModelClient:
        return ModelClient(HostState.from_profile(profile, hostname="SIMHOST"), model_ctx)

    return make
