# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Replay WS-Man exchanges recorded from real Windows hosts (pypsrp project) against the model; compare shapes.

Compared, per message: the response Action, the namespace declarations of the Envelope, the set of Body elements
(namespace + name + attribute names), and for faults the subcode and WSManFault Code.  Ids, text and times are
ignored.  ShellId / CommandId values from the recorded responses are mapped to the ids our own responses gave.

Replayed: every message on `.../windows/shell/cmd` and `.../wsman/1/config` in the recordings.  Not replayed (out of
scope, listed by `SKIPPED`): PSRP (`http://schemas.microsoft.com/powershell/...`) and the PSRP shell resource
`.../windows/shell` Get of the test_psrp_is_alive_* recordings, and Receive messages whose recorded answer is a
still-running command or an OperationTimeout fault (the model finishes every command before the first Receive).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from winsim.contract import Identity, RequestContext
from winsim.state import HostState
from winsim.wsman import dispatch

RECORDINGS = Path(__file__).resolve().parents[3] / ".." / "shared" / "fixtures" / "windows-recordings" / "pypsrp"
SUPPORTED = (
    "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd",
    "http://schemas.microsoft.com/wbem/wsman/1/config",
)
S = "{http://www.w3.org/2003/05/soap-envelope}"
A = "{http://schemas.xmlsoap.org/ws/2004/08/addressing}"
RSP = "{http://schemas.microsoft.com/wbem/wsman/1/windows/shell}"
UUID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
SKIPPED: list[str] = []


def recordings() -> list[Path]:
    if not RECORDINGS.is_dir():
        return []
    return sorted(RECORDINGS.glob("*.yml"))


def envelope_namespaces(xml: str) -> set[tuple[str, str]]:
    start = re.match(r"<s:Envelope[^>]*>", xml)
    assert start is not None
    return set(re.findall(r'xmlns:(\w+)="([^"]+)"', start.group(0)))


def body_shape(root: ET.Element) -> set[tuple[str, frozenset[str]]]:
    body = root.find(f"{S}Body")
    assert body is not None
    return {(el.tag, frozenset(el.attrib)) for el in body.iter() if el is not body}


def fault_of(root: ET.Element) -> tuple[str | None, str | None]:
    subcode = root.findtext(f"{S}Body/{S}Fault/{S}Code/{S}Subcode/{S}Value")
    fault = root.find(".//{http://schemas.microsoft.com/wbem/wsman/1/wsmanfault}WSManFault")
    return subcode, fault.get("Code") if fault is not None else None


def resource_of(request: str) -> str:
    match = re.search(r"ResourceURI[^>]*>([^<]+)<", request)
    return match.group(1) if match else ""


def replay(path: Path, profile: str) -> int:
    state = HostState.from_profile(profile, hostname="SIMHOST")
    identity = Identity(user="Administrator", domain="", auth="ntlm", encrypted=True, tls=False)
    ctx = RequestContext(identity=identity, host_address="127.0.0.10", port=5985, transport="HTTP")
    ids: dict[str, str] = {}  # recorded id -> our id
    compared = 0
    for index, message in enumerate(yaml.safe_load(path.read_text())["messages"]):
        request, response = message["request"], message["response"]
        label = f"{path.name}#{index}"
        if (
            not response
            or not resource_of(request).startswith(SUPPORTED)
            or (resource_of(request) not in SUPPORTED and "/config" not in resource_of(request))
        ):
            SKIPPED.append(label)
            continue
        if "CommandState/Running" in response or "w:TimedOut" in response:
            SKIPPED.append(label)
            continue
        if "/wsman/1/config" in resource_of(request) and profile != "2019":
            SKIPPED.append(label)  # the config recording is from a WinRM 3.0 host
            continue
        ours_request = UUID.sub(lambda m: ids.get(m.group(0).upper(), m.group(0)), request)
        reply = dispatch.handle_soap(state, ours_request.encode(), ctx)
        ours, theirs = ET.fromstring(reply.body), ET.fromstring(response)
        assert ours.findtext(f"{S}Header/{A}Action") == theirs.findtext(f"{S}Header/{A}Action"), label
        sent_id = ET.fromstring(ours_request).findtext(f"{S}Header/{A}MessageID")
        assert ours.findtext(f"{S}Header/{A}RelatesTo") == sent_id, label  # one recording has a stale RelatesTo
        assert envelope_namespaces(reply.body.decode()) == envelope_namespaces(response), label
        assert body_shape(ours) == body_shape(theirs), label
        assert fault_of(ours) == fault_of(theirs), label
        assert (reply.status == 200) == (fault_of(theirs) == (None, None)), label
        # learn the shell / command ids our response gave for the ones the recording gave
        for tag in (f"{RSP}ShellId", f"{RSP}CommandId"):
            recorded, mine = theirs.findtext(f".//{tag}"), ours.findtext(f".//{tag}")
            if recorded and mine:
                ids[recorded.upper()] = mine.upper()
        compared += 1
    return compared


@pytest.mark.parametrize("profile", ["2019", "2008r2"])
@pytest.mark.parametrize("path", recordings(), ids=lambda p: p.stem)
def test_recording_shapes(path: Path, profile: str) -> None:
    compared = replay(path, profile)
    if path.name.startswith(("test_winrs", "test_client")):
        assert compared >= 2, f"{path.name}: too few messages compared"


def test_recordings_present() -> None:
    if not RECORDINGS.is_dir():
        pytest.skip(f"recordings folder {RECORDINGS} is absent; conformance cannot be checked")
    assert len(recordings()) >= 20
