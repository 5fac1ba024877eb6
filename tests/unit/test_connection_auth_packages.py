# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Kerberos and CredSSP need packages pypsrp imports only while authenticating; without them the task fails before
connecting, in one line that names the package and how to install it."""

from __future__ import annotations

import socket
import sys
import typing as t

import pytest

from ansible_collections.winremote.remoting.plugins.plugin_utils.connection import ConnectionConfig
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import errors
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.client import WSManClient


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[t.Any]:
    """Fail any attempt to connect: the check must come first."""
    attempts: list[t.Any] = []

    def refuse(*args: t.Any, **kwargs: t.Any) -> t.NoReturn:
        attempts.append(args)
        raise AssertionError("a connection was attempted")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


@pytest.mark.parametrize(
    ("auth", "module", "install", "needs"),
    [
        (
            "kerberos",
            "gssapi",
            "pip install 'pypsrp[kerberos]'",
            "system Kerberos libraries and headers and a C compiler",
        ),
        ("credssp", "requests_credssp", "pip install 'pypsrp[credssp]'", "requests-credssp"),
    ],
)
def test_missing_auth_package_fails_before_connecting(
    auth: str, module: str, install: str, needs: str, monkeypatch: pytest.MonkeyPatch, no_network: list[t.Any]
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # makes "import <module>" raise ImportError
    config = ConnectionConfig(host="127.0.0.1", username="admin@EXAMPLE.TEST", password="S3cret!", auth=auth)
    with WSManClient(config) as client, pytest.raises(errors.MissingDependencyError) as info:
        client.get("http://schemas.microsoft.com/wbem/wsman/1/config/service")
    message = str(info.value)
    assert "\n" not in message and len(message) < 400
    assert f"connection.auth={auth} needs the Python package {module}" in message
    assert install in message and needs in message
    assert "S3cret!" not in message
    assert not no_network and client.request_count == 0


def test_ntlm_needs_neither(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "gssapi", None)
    monkeypatch.setitem(sys.modules, "requests_credssp", None)
    config = ConnectionConfig(host="127.0.0.1", username="admin", password="p", auth="ntlm")
    assert WSManClient(config)._session() is not None
