# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Reply parsing against WS-Man exchanges recorded from real Windows hosts (read from ../shared at test time)."""

from __future__ import annotations

import base64
import pathlib
import re
from typing import Any

import pytest
import yaml

from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import translate, winrs
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import xml as wx

RECORDINGS = (
    pathlib.Path(__file__).resolve().parents[3].parent / "shared" / "fixtures" / "windows-recordings" / "pypsrp"
)


def messages(name: str) -> list[dict[str, Any]]:
    path = RECORDINGS / name
    if not path.is_file():
        pytest.skip(f"recording {path} is not available")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    result: list[dict[str, Any]] = data["messages"]
    return result


def action_of(request: str) -> str:
    match = re.search(r"<wsa:Action[^>]*>([^<]+)</wsa:Action>", request)
    assert match, "request without an Action"
    return match.group(1).rsplit("/", 1)[-1]


def reply_for(name: str, action: str) -> str:
    for message in messages(name):
        if action_of(message["request"]) == action and message.get("response"):
            return str(message["response"])
    raise AssertionError(f"{name} has no {action} exchange")


def body_of(xml_text: str) -> Any:
    return wx.body(wx.parse(xml_text))


def test_create_reply_gives_shell_id() -> None:
    assert winrs.parse_shell_id(body_of(reply_for("test_winrs_standard.yml", "Create"))) == (
        "4283CBDC-3706-415B-88BD-B385F3E51A53"
    )


def test_command_reply_gives_command_id() -> None:
    assert winrs.parse_command_id(body_of(reply_for("test_winrs_standard.yml", "Command"))) == (
        "CF84C20A-0A35-43FA-AF78-0B4711DA5F30"
    )


def test_receive_reply_streams_and_exit_code() -> None:
    streams, done, rc = winrs.parse_receive(body_of(reply_for("test_winrs_stderr_rc.yml", "Receive")))
    assert done is True
    assert rc == 1
    assert streams["stdout"] == b"out \r\n"
    assert streams["stderr"] == b"err \r\n"


def test_receive_reply_utf8() -> None:
    streams, done, rc = winrs.parse_receive(body_of(reply_for("test_winrs_unicode.yml", "Receive")))
    assert done and rc == 0
    assert streams["stdout"].decode("utf-8") == "こんにちは\n"


def test_receive_concatenates_every_chunk() -> None:
    reply = reply_for("test_winrs_noprofile.yml", "Receive")
    expected = b"".join(base64.b64decode(chunk) for chunk in re.findall(r'Name="stdout"[^>]*>([^<]+)<', reply))
    streams, done, _exit_code = winrs.parse_receive(body_of(reply))
    assert done
    assert streams["stdout"] == expected and b"COMPUTERNAME=" in expected


def test_fault_with_provider_fault_and_subcode() -> None:
    replies = [m["response"] for m in messages("test_psrp_is_alive_invalid_selectors.yml") if m.get("response")]
    fault = translate.parse_fault(replies[-1])
    assert fault is not None
    assert fault.code == 2150858843
    assert fault.subcode == "w:InvalidSelectors"
    assert fault.machine == "127.0.0.1"
    assert fault.provider == "Shell provider"
    assert fault.provider_path == r"%systemroot%\system32\WsmSvc.dll"
    assert fault.provider_fault and "invalid selectors" in fault.provider_fault
    assert str(fault).startswith("WS-Man fault 2150858843 (w:InvalidSelectors) from Shell provider: ")
    assert translate.from_fault(fault, None) is fault


def test_fault_without_provider() -> None:
    replies = [m["response"] for m in messages("test_psrp_is_alive_other_wsman_error.yml") if m.get("response")]
    faults = [f for f in (translate.parse_fault(r) for r in replies) if f is not None]
    assert len(faults) == 1
    fault = faults[0]
    assert fault.code == 2150858767
    assert fault.subcode == "a:InvalidMessageInformationHeader"
    assert "invalid timeout field" in fault.text
    assert "from 127.0.0.1:" in str(fault)


def test_command_id_fault_is_a_fault() -> None:
    replies = [m["response"] for m in messages("test_winrs_bad_cmd_id.yml") if m.get("response")]
    faults = [f for f in (translate.parse_fault(r) for r in replies) if f is not None]
    assert faults and faults[0].subcode == "w:InvalidSelectors"
    assert "command identifier that does not exist" in faults[0].text


def test_non_fault_replies_are_not_faults() -> None:
    for message in messages("test_winrs_standard.yml"):
        assert translate.parse_fault(message["response"]) is None


def test_get_config_reply_first_child() -> None:
    reply = reply_for("test_wsman_update_envelope_size_4096.yml", "Get")
    config = wx.first_child(body_of(reply))
    assert config is not None and wx.local_name(config.tag) == "Config"
    assert wx.child_text(config, "MaxEnvelopeSizekb") == "4096"
    assert wx.child_text(wx.child(wx.child(config, "Service"), "Auth"), "Negotiate") == "true"
