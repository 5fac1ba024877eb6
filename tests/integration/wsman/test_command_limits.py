# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""WinRS commands against in-process simulated hosts: the command deadline, the output limit, a final Delete that
fails after the command finished, fault text size, and passwords Basic cannot carry."""

from __future__ import annotations

import time
from typing import Any

import pytest
from simhosts import PASSWORD, HostFactory, config_for, https_overrides

from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import errors, winrs
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.client import WSManClient
from winsim import SimulatedHost

CONFIG_SERVICE = "http://schemas.microsoft.com/wbem/wsman/1/config/service"
FAST = {"connection_timeout": 1, "read_timeout": 2, "operation_timeout": 1}


@pytest.fixture
def host(start_host: HostFactory) -> SimulatedHost:
    return start_host("2019")


def test_receive_without_output_forever_ends_at_the_command_deadline(
    host: SimulatedHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(winrs, "COMMAND_POLLS", 1)  # deadline 1 + 2 + 1 x 1 = 4 s
    host.inject_fault("receive_pending", count=1_000_000, seconds=0.2)
    started = time.monotonic()
    with WSManClient(config_for(host, **FAST)) as client, pytest.raises(errors.DeadlineExceededError) as info:
        client.run_command("cmd.exe", ["/c", "echo hi"])
    elapsed = time.monotonic() - started
    assert 3.5 <= elapsed < 6, elapsed
    message = str(info.value)
    assert message.startswith(f"WinRM at http://{host.address}:5985/wsman did not finish the command within 4s")
    assert "1 x connection.operation_timeout" in message
    host.faults.clear()
    with host.lock:
        assert not host.state.runtime.shells, "the shell is deleted after the deadline"


def test_a_few_no_output_answers_are_polled_through(host: SimulatedHost) -> None:
    host.inject_fault("receive_pending", count=3)
    with WSManClient(config_for(host)) as client:
        result = client.run_command("cmd.exe", ["/c", "echo hi"])
    assert (result.rc, result.stdout.strip()) == (0, "hi")


@pytest.mark.parametrize("limit", [3 * 1024 * 1024, winrs.MAX_OUTPUT_BYTES])
def test_endless_output_stops_at_the_output_limit(
    host: SimulatedHost, monkeypatch: pytest.MonkeyPatch, limit: int
) -> None:
    monkeypatch.setattr(winrs, "MAX_OUTPUT_BYTES", limit)
    host.inject_fault("receive_flood", count=1_000_000, bytes=1024 * 1024)
    with WSManClient(config_for(host)) as client, pytest.raises(errors.ReplyTooLargeError) as info:
        client.run_command("cmd.exe", ["/c", "echo hi"])
    assert f"sent more than {limit} bytes of output for one command" in str(info.value)
    pending = dict(host.faults.pending())
    sent = 1_000_000 - pending["receive_flood"]
    assert sent == limit // (1024 * 1024) + 1, "reading stops at the first reply past the limit"


@pytest.mark.parametrize(
    ("kind", "options"),
    [("reset", {}), ("http500", {"code": 2150858843, "message": "The request for the Windows Remote Shell failed"})],
)
def test_failed_final_delete_after_a_complete_receive_keeps_the_result(
    host: SimulatedHost, kind: str, options: dict[str, Any]
) -> None:
    host.inject_fault(kind, action="transfer/Delete", **options)
    with WSManClient(config_for(host)) as client:
        result = client.run_command("cmd.exe", ["/c", "echo done"])
        assert (result.rc, result.stdout.strip()) == (0, "done")
        assert not host.faults.pending(), "the fault hit the Delete"
        assert client.get(CONFIG_SERVICE) is not None, "the next request logs in again"


def test_a_fault_before_the_command_finished_still_fails(host: SimulatedHost) -> None:
    host.inject_fault("http500", action="shell/Receive", code=2150858843, message="The shell was ended")
    with WSManClient(config_for(host)) as client, pytest.raises(errors.WSManFaultError, match="The shell was ended"):
        client.run_command("cmd.exe", ["/c", "echo hi"])


def test_huge_fault_message_is_truncated(host: SimulatedHost) -> None:
    host.inject_fault("http500", code=2150858843, message="E" * 1_000_000)
    with WSManClient(config_for(host)) as client, pytest.raises(errors.WSManFaultError) as info:
        client.get(CONFIG_SERVICE)
    message = str(info.value)
    assert len(message) < errors.HOST_TEXT_LIMIT + 200
    assert message.endswith(f"{'E' * 20}... ({1_000_000 - errors.HOST_TEXT_LIMIT} characters more)")


def test_fault_larger_than_a_reply_may_be_is_refused(host: SimulatedHost) -> None:
    host.inject_fault("http500", code=2150858843, message="E" * 20_000_000)
    with WSManClient(config_for(host)) as client, pytest.raises(errors.ReplyTooLargeError) as info:
        client.get(CONFIG_SERVICE)
    assert len(str(info.value)) < 400


# --- passwords Basic cannot carry --------------------------------------------------------------------------------

PASSWORDS = ["Pa55-\u20ac-word", "\u5bc6\u7801-Passw0rd", "Passw0rd-\U0001f511"]


def set_password(host: SimulatedHost, password: str) -> None:
    with host.lock:
        for account in host.state.accounts:
            if account.name == "Administrator":
                account.password = password
        host.state.winrm["Service"]["Auth"]["Basic"] = "true"
    host.apply_state()


@pytest.mark.parametrize("password", PASSWORDS)
@pytest.mark.parametrize("auth", ["basic", "ntlm", "negotiate"])
def test_non_latin1_passwords(start_host: HostFactory, auth: str, password: str) -> None:
    host = start_host("2019", https=True)
    set_password(host, password)
    settings: dict[str, Any] = {**https_overrides(host), "auth": auth, "password": password}
    with WSManClient(config_for(host, **settings)) as client:
        if auth != "basic":  # NTLM carries the password as UTF-16: any character works
            assert client.get(CONFIG_SERVICE) is not None
            return
        with pytest.raises(errors.InvalidSettingsError) as info:
            client.get(CONFIG_SERVICE)
    message = str(info.value)
    assert "the password contains characters that Basic authentication cannot send (use NTLM/Kerberos or ASCII)" in (
        message
    )
    assert password not in message and "position" not in message
    assert not any(ch in message for ch in password if ord(ch) > 127)
    assert host.request_count == 0, "refused before any request"


@pytest.mark.parametrize("auth", ["ntlm", "negotiate"])
def test_wrong_non_latin1_password_is_not_echoed(host: SimulatedHost, auth: str) -> None:
    wrong = "Wr\u20aci\u5bc6-\U0001f511"
    client = WSManClient(config_for(host, auth=auth, password=wrong))
    with client, pytest.raises(errors.AuthenticationFailedError) as info:
        client.get(CONFIG_SERVICE)
    message = str(info.value)
    assert wrong not in message and PASSWORD not in message and "position" not in message
    assert not any(ch in message for ch in wrong if ord(ch) > 127)
