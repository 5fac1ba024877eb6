# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import typing as t
from pathlib import Path

import pytest

from ansible_collections.winremote.remoting.plugins.plugin_utils import connection as c


class FakePlugin:
    def __init__(self, plugin_name: str, **options: t.Any) -> None:
        self.transport = plugin_name
        self.options = options

    def get_option(self, option: str, hostvars: dict[str, t.Any] | None = None) -> t.Any:
        if option not in self.options and option not in ("port", "protocol", "scheme", "_extras", "transport"):
            raise KeyError(option)
        return self.options.get(option)


PSRP = FakePlugin(
    "psrp",
    remote_addr="10.0.0.5",
    remote_user="admin",
    remote_password="S3cret!",
    port=5985,
    protocol="http",
    auth="ntlm",
    cert_validation="validate",
    message_encryption="auto",
)


def test_psrp_options_map() -> None:
    cfg = c.resolve(PSRP, None)
    assert (cfg.host, cfg.port, cfg.scheme, cfg.auth, cfg.username) == ("10.0.0.5", 5985, "http", "ntlm", "admin")
    assert cfg.cert_validation


def test_password_never_in_repr() -> None:
    cfg = c.resolve(PSRP, None)
    assert "S3cret!" not in repr(cfg) and "S3cret!" not in cfg.endpoint


def test_overrides_win_key_by_key(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    cfg = c.resolve(PSRP, {"scheme": "https", "username": None, "ca_path": str(ca)})
    assert (cfg.scheme, cfg.port, cfg.username, cfg.ca_path) == ("https", 5986, "admin", str(ca))


def test_winrm_plugin_defaults_to_negotiate_not_basic() -> None:
    plugin = FakePlugin("winrm", remote_addr="h", remote_user="u", remote_password="p", port=5985)
    cfg = c.resolve(plugin, None)
    assert (cfg.scheme, cfg.auth) == ("http", "negotiate")


def test_winrm_extras_and_upn(tmp_path: Path) -> None:
    plugin = FakePlugin(
        "winrm",
        remote_addr="h",
        remote_user="u@EXAMPLE.COM",
        remote_password="p",
        port=5986,
        _extras={"ansible_winrm_server_cert_validation": "ignore", "ansible_winrm_ca_trust_path": str(tmp_path)},
    )
    cfg = c.resolve(plugin, None)
    assert (cfg.scheme, cfg.auth, cfg.cert_validation, cfg.ca_path) == ("https", "kerberos", False, str(tmp_path))


def test_winrm_default_path_has_no_double_slash() -> None:
    plugin = FakePlugin("winrm", remote_addr="h", remote_user="u", remote_password="p", port=5985, path="/wsman")
    assert c.resolve(plugin, None).endpoint == "http://h:5985/wsman"


def test_winrm_transport_list() -> None:
    plugin = FakePlugin("winrm", remote_addr="h", remote_user="u", remote_password="p", port=5986, transport=["ntlm"])
    assert c.resolve(plugin, None).auth == "ntlm"


def test_non_winrm_connection_uses_fallback_host() -> None:
    cfg = c.resolve(FakePlugin("local"), {"username": "u", "password": "p"}, fallback_host="127.0.0.9")
    assert (cfg.host, cfg.scheme, cfg.port) == ("127.0.0.9", "https", 5986)


@pytest.mark.parametrize(
    ("overrides", "needle"),
    [
        ({"auth": "basic", "scheme": "http"}, "connection.auth=basic over http"),
        ({"username": ""}, "ansible_user"),
        ({"port": 70000}, "connection.port"),
        ({"read_timeout": 0}, "connection.read_timeout"),
        ({"auth": "certificate", "scheme": "https"}, "certificate_pem"),
        ({"bogus": 1}, "bogus"),
    ],
)
def test_bad_settings_name_the_option(overrides: dict[str, t.Any], needle: str) -> None:
    with pytest.raises(c.ConfigurationError) as info:
        c.resolve(PSRP, overrides)
    assert needle in str(info.value)
    assert "S3cret!" not in str(info.value)


def test_basic_over_http_allowed_only_when_explicit() -> None:
    cfg = c.resolve(PSRP, {"auth": "basic", "message_encryption": "never"})
    assert cfg.auth == "basic"


@pytest.mark.parametrize(
    ("overrides", "needle"),
    [
        ({"operation_timeout": 30, "read_timeout": 30}, "connection.operation_timeout (30) must be lower"),
        ({"operation_timeout": 40}, "connection.operation_timeout (40) must be lower"),
        ({"host": "10.0.0.5/evil"}, "connection.host"),
        ({"host": "10.0.0.5:6000/x?"}, "connection.host"),
        ({"host": "h#frag"}, "connection.host"),
        ({"host": "h x"}, "connection.host"),
        ({"host": "user@h"}, "connection.host"),
        ({"host": "h\r\nX-Injected: 1"}, "connection.host"),
        ({"host": "h" * 300}, "connection.host (ansible_host) is 300 characters long"),
    ],
)
def test_connection_values_refused_before_connecting(overrides: dict[str, t.Any], needle: str) -> None:
    with pytest.raises(c.ConfigurationError) as info:
        c.resolve(PSRP, overrides)
    assert needle in str(info.value)


def test_long_host_value_is_not_echoed_in_full() -> None:
    host = "a" * 100_000 + "/"
    with pytest.raises(c.ConfigurationError) as info:
        c.resolve(PSRP, {"host": host})
    message = str(info.value)
    assert len(message) < 400 and "characters more" in message


@pytest.mark.parametrize("host", ["10.0.0.5", "win01.example.com", "::1", "[fe80::1]", "WIN-01"])
def test_plain_hosts_are_accepted(host: str) -> None:
    assert c.resolve(PSRP, {"host": host}).host == host


def test_missing_ca_path_is_a_settings_error_naming_the_option(tmp_path: Path) -> None:
    missing = tmp_path / "nope.pem"
    with pytest.raises(c.ConfigurationError) as info:
        c.resolve(PSRP, {"scheme": "https", "ca_path": str(missing)})
    assert "connection.ca_path" in str(info.value) and "No such file" in str(info.value)
    assert "could not connect" not in str(info.value)


def test_unreadable_ca_path_is_a_settings_error(tmp_path: Path) -> None:
    plain = tmp_path / "file"
    plain.write_text("x")
    with pytest.raises(c.ConfigurationError, match=r"connection\.ca_path .*Not a directory"):
        c.resolve(PSRP, {"scheme": "https", "ca_path": str(plain / "ca.pem")})


@pytest.mark.parametrize("password", ["pa€ss", "密码", "x😀y"])
def test_basic_password_outside_latin1_refused_without_position_or_character(password: str) -> None:
    with pytest.raises(c.ConfigurationError) as info:
        c.resolve(PSRP, {"auth": "basic", "scheme": "https", "password": password})
    message = str(info.value)
    assert "the password contains characters that Basic authentication cannot send" in message
    assert password not in message and "position" not in message
    assert not any(ch in message for ch in password if ord(ch) > 127)


@pytest.mark.parametrize("auth", ["ntlm", "negotiate"])
def test_non_latin1_password_is_fine_for_ntlm(auth: str) -> None:
    assert c.resolve(PSRP, {"auth": auth, "password": "密码€"}).auth == auth


WEAK_CASES = [
    ({"scheme": "https", "cert_validation": False}, ["certificate validation is off"]),
    ({"auth": "basic", "scheme": "http", "message_encryption": "never"}, ["Basic authentication over HTTP"]),
    ({"auth": "ntlm", "scheme": "http", "message_encryption": "never"}, ["ntlm over HTTP"]),
    ({"auth": "negotiate", "scheme": "http", "message_encryption": "never"}, ["negotiate over HTTP"]),
    ({"auth": "kerberos", "scheme": "http", "message_encryption": "never"}, ["kerberos over HTTP"]),
    ({"auth": "ntlm", "scheme": "http"}, []),
    ({"scheme": "https"}, []),
]


@pytest.mark.parametrize(("overrides", "needles"), WEAK_CASES)
def test_weaknesses_one_warning_per_weak_setting(overrides: dict[str, t.Any], needles: list[str]) -> None:
    warnings = c.resolve(PSRP, overrides).weaknesses()
    assert len(warnings) == len(needles)
    for warning, needle in zip(warnings, needles, strict=True):
        assert needle in warning and "S3cret!" not in warning
