# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Connection failures say what is true: the variables of the host's own connection plugin, the proxy when the proxy
failed, how to turn remote management on when WinRM does not answer, and which failures make a host unreachable."""

from __future__ import annotations

import socket
import ssl
import typing as t

import pytest
import requests
import urllib3.exceptions

from ansible_collections.winremote.remoting.plugins.plugin_utils.action import never_reached
from ansible_collections.winremote.remoting.plugins.plugin_utils.connection import ConnectionConfig
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import errors, translate
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.client import WSManClient


def cfg(**kwargs: t.Any) -> ConnectionConfig:
    base: dict[str, t.Any] = {"host": "srv01.example.test", "port": 5986, "scheme": "https", "username": "u"}
    base.update(kwargs)
    return ConnectionConfig(**base)


def untrusted() -> requests.exceptions.SSLError:
    inner = ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")
    inner.verify_message = "self-signed certificate"
    return requests.exceptions.SSLError(urllib3.exceptions.MaxRetryError(None, "/wsman", inner))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("source", "named", "not_named"),
    [
        ("psrp", ("ansible_psrp_ca_cert", "ansible_psrp_cert_validation"), ("ansible_winrm",)),
        ("winrm", ("ansible_winrm_ca_trust_path", "ansible_winrm_server_cert_validation"), ("ansible_psrp",)),
        ("", ("connection.ca_path",), ("ansible_psrp", "ansible_winrm")),
    ],
)
def test_tls_error_names_the_hosts_own_variables(source: str, named: tuple[str, ...], not_named: tuple[str]) -> None:
    message = str(translate.translate(untrusted(), cfg(source=source)))
    assert "self-signed certificate" in message
    for needle in named:
        assert needle in message, message
    for needle in not_named:
        assert needle not in message, message


def refused_by_proxy() -> requests.exceptions.ProxyError:
    inner = ConnectionRefusedError(111, "Connection refused")
    reason = urllib3.exceptions.ProxyError("Unable to connect to proxy", inner)
    return requests.exceptions.ProxyError(urllib3.exceptions.MaxRetryError(None, "/wsman", reason))  # type: ignore[arg-type]


def test_proxy_failure_names_the_proxy_without_its_credentials() -> None:
    config = cfg(source="winrm", proxy="http://proxyuser:Pr0xyPa55@proxy.example.test:3128/")
    err = translate.translate(refused_by_proxy(), config)
    message = str(err)
    assert isinstance(err, errors.ProxyFailedError) and isinstance(err, errors.HostUnreachableError)
    assert message.startswith("the HTTP proxy http://proxy.example.test:3128 failed on the way to WinRM at https://")
    assert "Connection refused" in message and "ansible_winrm_proxy" in message
    assert "proxyuser" not in message and "Pr0xyPa55" not in message


def test_proxy_from_the_environment_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://envproxy.example.test:8080")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    message = str(translate.translate(refused_by_proxy(), cfg(source="psrp")))
    assert "the HTTP proxy http://envproxy.example.test:8080 failed" in message and "ansible_psrp_proxy" in message


def test_refused_and_timeout_say_how_to_turn_remote_management_on() -> None:
    refused = urllib3.exceptions.NewConnectionError(None, "Failed to establish a new connection: refused")  # type: ignore[arg-type]
    for exc in (
        requests.exceptions.ConnectionError(refused),
        requests.exceptions.ConnectTimeout("timed out"),
    ):
        message = str(translate.translate(exc, cfg()))
        assert "sm_remoting" not in message  # it needs WinRM answering
        for needle in ("Allow remote server management through WinRM", "unattend answer file", "winrm quickconfig"):
            assert needle in message, message
        assert "Configure-SMRemoting.exe -enable" in message and "Enable-PSRemoting" in message


def test_a_name_that_does_not_resolve_is_not_told_to_enable_winrm() -> None:
    exc = requests.exceptions.ConnectionError(socket.gaierror(-2, "Name or service not known"))
    message = str(translate.translate(exc, cfg()))
    assert "does not resolve" in message and "quickconfig" not in message


ANSWERED_ERRORS = [
    translate.authentication_failed(cfg()),
    translate.tls_error(cfg(), "certificate verify failed"),
    translate.access_denied(cfg()),
    errors.ProtocolError("not WS-Man"),
]
DARK_ERRORS = [
    translate.unreachable(cfg(), "connection refused"),
    translate.unreachable(cfg(), "the host name does not resolve", hint=False),
    translate.connection_lost(cfg()),
    errors.ConnectionTimeoutError("no answer"),
    translate.proxy_failed(cfg(), "http://proxy:3128", "Connection refused"),
]


@pytest.mark.parametrize("error", DARK_ERRORS, ids=lambda e: type(e).__name__)
def test_connection_failures_before_any_reply_are_unreachable(error: errors.WinRemoteError) -> None:
    client = WSManClient(cfg())
    assert never_reached(error, client)
    client.answered = True  # the host answered earlier in the task (then restarted, say): a failed task
    assert not never_reached(error, client)


@pytest.mark.parametrize("error", ANSWERED_ERRORS, ids=lambda e: type(e).__name__)
def test_a_host_that_answered_is_not_unreachable(error: errors.WinRemoteError) -> None:
    assert not never_reached(error, WSManClient(cfg()))
