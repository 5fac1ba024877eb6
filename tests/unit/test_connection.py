from __future__ import annotations

import typing as t

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


def test_overrides_win_key_by_key() -> None:
    cfg = c.resolve(PSRP, {"scheme": "https", "username": None, "ca_path": "/ca.pem"})
    assert (cfg.scheme, cfg.port, cfg.username, cfg.ca_path) == ("https", 5986, "admin", "/ca.pem")


def test_winrm_plugin_defaults_to_negotiate_not_basic() -> None:
    plugin = FakePlugin("winrm", remote_addr="h", remote_user="u", remote_password="p", port=5985)
    cfg = c.resolve(plugin, None)
    assert (cfg.scheme, cfg.auth) == ("http", "negotiate")


def test_winrm_extras_and_upn() -> None:
    plugin = FakePlugin(
        "winrm",
        remote_addr="h",
        remote_user="u@EXAMPLE.COM",
        remote_password="p",
        port=5986,
        _extras={"ansible_winrm_server_cert_validation": "ignore", "ansible_winrm_ca_trust_path": "/ca"},
    )
    cfg = c.resolve(plugin, None)
    assert (cfg.scheme, cfg.auth, cfg.cert_validation, cfg.ca_path) == ("https", "kerberos", False, "/ca")


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
