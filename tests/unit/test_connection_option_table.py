# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Every option of the installed psrp and winrm connection plugins is honoured, refused or irrelevant, never silently
ignored; the host variables are resolved by the real plugins, as ansible-playbook resolves them."""

from __future__ import annotations

import os
import typing as t

import pytest
from ansible import constants as C
from ansible.playbook.play_context import PlayContext
from ansible.plugins.loader import connection_loader

from ansible_collections.winremote.remoting.plugins.plugin_utils import connection as c
from ansible_collections.winremote.remoting.plugins.plugin_utils import connection_options as options
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import transport
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.client import WSManClient

BASE = {"ansible_host": "win01.example.test", "ansible_user": "admin", "ansible_password": "S3cret!"}


def documented(plugin: str) -> dict[str, dict[str, t.Any]]:
    """The options the installed ansible-core documents for a connection plugin (its DOCUMENTATION)."""
    assert connection_loader.get(plugin, class_only=True) is not None, plugin
    return C.config.get_configuration_definitions("connection", plugin)


def plugin(name: str, **host_vars: t.Any) -> t.Any:
    """The real connection plugin with these host variables, as the TaskExecutor sets them (not connected)."""
    conn = connection_loader.get(name, PlayContext(), open(os.devnull, encoding="utf-8"))  # noqa: SIM115
    extras = {k: v for k, v in host_vars.items() if k.startswith(f"ansible_{name}_")}
    var_options: dict[str, t.Any] = {**BASE, **host_vars}
    if getattr(conn, "allow_extras", False):
        known = {var["name"] for spec in documented(name).values() for var in spec.get("vars", [])}
        var_options["_extras"] = {k: v for k, v in extras.items() if k not in known}
    conn.set_options(var_options=var_options)
    return conn


@pytest.mark.parametrize("name", sorted(options.PLUGINS))
def test_every_documented_option_is_classified(name: str) -> None:
    """A new ansible-core option fails here until it is honoured, refused or called irrelevant."""
    missing = sorted(set(documented(name)) - set(options.PLUGINS[name]) - {"_extras"})
    assert not missing, f"classify these {name} options in plugin_utils/connection_options.py: {missing}"
    for option, rule in options.PLUGINS[name].items():
        assert rule.handling in (options.HONOURED, options.REFUSED, options.IRRELEVANT), option
        assert rule.variable and rule.note, option
    for option, spec in documented(name).items():
        found = options.PLUGINS[name].get(option)
        names = [var["name"] for var in spec.get("vars", [])]
        if found is not None and names:
            assert found.variable in names, (option, found.variable, names)


def test_refused_defaults_are_the_plugin_defaults() -> None:
    for name, rules in options.PLUGINS.items():
        specs = documented(name)
        for option, rule in rules.items():
            if rule.handling == options.REFUSED and option in specs:
                assert rule.default == specs[option].get("default"), (name, option)


@pytest.mark.parametrize(
    ("name", "host_vars", "variable"),
    [
        ("psrp", {"ansible_psrp_configuration_name": "JEAMaintenance"}, "ansible_psrp_configuration_name"),
        ("psrp", {"ansible_psrp_certificate_key_password": "KeyPa55!"}, "ansible_psrp_certificate_key_password"),
        ("winrm", {"ansible_winrm_kinit_cmd": "/opt/krb5/bin/kinit"}, "ansible_winrm_kinit_cmd"),
        ("winrm", {"ansible_winrm_kinit_args": "-f -l 1h"}, "ansible_winrm_kinit_args"),
        ("winrm", {"ansible_winrm_keytab": "/etc/ansible.keytab"}, "ansible_winrm_keytab"),
    ],
)
def test_refused_options_name_the_variable_and_why(name: str, host_vars: dict[str, t.Any], variable: str) -> None:
    rules = {**options.PLUGINS[name], **(options.WINRM_EXTRAS if name == "winrm" else {})}
    option = next(key for key, rule in rules.items() if rule.variable == variable)
    if option in options.PLUGINS[name] and option not in documented(name):
        pytest.skip(f"this ansible-core's {name} plugin has no {option} option (added later)")
    with pytest.raises(c.ConfigurationError) as info:
        c.resolve(plugin(name, **host_vars), None)
    message = str(info.value)
    assert message.startswith(f"{variable} is set for this host, but winremote.remoting cannot honour it: ")
    assert "\n" not in message
    for value in host_vars.values():
        assert str(value) not in message  # never echoed: a key password is a secret


def test_refused_option_at_its_default_is_accepted() -> None:
    conn = plugin("psrp", ansible_psrp_configuration_name="microsoft.powershell", ansible_winrm_kinit_cmd="x")
    assert c.resolve(conn, None).host == "win01.example.test"


def test_psrp_options_reach_the_pypsrp_session() -> None:
    conn = plugin(
        "psrp",
        ansible_port=5985,
        ansible_psrp_protocol="http",
        ansible_psrp_proxy="http://proxy.example.test:3128",
        ansible_psrp_negotiate_delegate=True,
        ansible_psrp_negotiate_hostname_override="win01-alias.example.test",
        ansible_psrp_negotiate_send_cbt=False,
        ansible_psrp_negotiate_service="WSMAN",
        ansible_psrp_credssp_auth_mechanism="ntlm",
        ansible_psrp_credssp_disable_tlsv1_2=True,
        ansible_psrp_credssp_minimum_version=5,
        ansible_psrp_max_envelope_size=512000,
        ansible_psrp_reconnection_retries=3,
        ansible_psrp_reconnection_backoff=1,
    )
    config = c.resolve(conn, None)
    wsman = WSManClient(config)._session()  # builds the session and its auth; sends nothing
    http: t.Any = wsman.transport  # pypsrp sets the auth keyword arguments as attributes at run time
    assert (http.proxy, http.negotiate_delegate, http.negotiate_hostname_override) == (
        "http://proxy.example.test:3128",
        True,
        "win01-alias.example.test",
    )
    assert (http.negotiate_send_cbt, http.negotiate_service) == (False, "WSMAN")
    assert (http.credssp_auth_mechanism, http.credssp_disable_tlsv1_2, http.credssp_minimum_version) == (
        "ntlm",
        True,
        5,
    )
    assert wsman.max_envelope_size == 512000
    assert http.session.auth.service == "WSMAN" and http.session.auth.delegate is True
    adapter = http.session.get_adapter("http://win01.example.test:5985/wsman")
    assert isinstance(adapter, transport.GuardedAdapter)
    assert adapter.max_retries.connect == 3 and adapter.max_retries.read == 0
    assert adapter.max_retries.backoff_factor == 1
    # each retry may take a connection timeout and its backoff more: the request deadline grows to fit them
    assert transport.request_deadline(config) == 30 + 30 + 3 * 30 + (0 + 2 + 4)


def test_no_retries_by_default() -> None:
    config = c.resolve(plugin("psrp"), None)
    assert config.reconnection_retries == 0 and transport.request_deadline(config) == 60
    http: t.Any = WSManClient(config)._session().transport
    adapter = http.session.get_adapter("https://h/wsman")
    assert adapter.max_retries.total == 0


def test_winrm_extras_are_honoured() -> None:
    conn = plugin(
        "winrm",
        ansible_port=5985,
        ansible_winrm_transport=["kerberos"],
        ansible_winrm_kinit_mode="manual",
        ansible_winrm_proxy="http://proxy.example.test:3128",
        ansible_winrm_kerberos_delegation="true",
        ansible_winrm_kerberos_hostname_override="win01-alias",
        ansible_winrm_service="HTTP",
        ansible_winrm_send_cbt="false",
        ansible_winrm_credssp_minimum_version="3",
    )
    config = c.resolve(conn, None)
    assert (config.auth, config.password, config.proxy) == ("kerberos", None, "http://proxy.example.test:3128")
    assert (config.negotiate_delegate, config.negotiate_hostname_override) == (True, "win01-alias")
    assert (config.negotiate_service, config.negotiate_send_cbt, config.credssp_minimum_version) == ("HTTP", False, 3)


@pytest.mark.parametrize(("value", "no_proxy", "proxy"), [(None, True, None), ("legacy_requests", False, None)])
def test_winrm_proxy_none_and_legacy(value: str | None, no_proxy: bool, proxy: str | None) -> None:
    config = c.resolve(plugin("winrm", ansible_winrm_proxy=value), None)
    assert (config.no_proxy, config.proxy) == (no_proxy, proxy)


def test_unknown_winrm_variable_is_a_warning_not_silence() -> None:
    config = c.resolve(plugin("winrm", ansible_winrm_server_cert_validaton="ignore"), None)
    warnings = config.weaknesses()
    assert any("ansible_winrm_server_cert_validaton is neither" in w for w in warnings), warnings
    assert config.cert_validation


def test_bad_boolean_extra_names_the_variable() -> None:
    with pytest.raises(c.ConfigurationError, match="ansible_winrm_send_cbt must be a boolean"):
        c.resolve(plugin("winrm", ansible_winrm_send_cbt="maybe"), None)


@pytest.mark.parametrize("name", ["local", "ssh", "ansible.netcommon.httpapi"])
def test_no_user_name_on_other_connections_says_what_is_read(name: str) -> None:
    class Other:
        transport = name

        def get_option(self, option: str, hostvars: dict[str, t.Any] | None = None) -> t.Any:
            raise KeyError(option)

    with pytest.raises(c.ConfigurationError) as info:
        c.resolve(Other(), None, fallback_host="10.0.0.5")
    message = str(info.value)
    short = name.rsplit(".", maxsplit=1)[-1]
    assert f"this host's connection is '{short}'" in message
    assert "ansible_connection is psrp or winrm" in message and "module_defaults" in message
    assert "group/winremote.remoting.remoting" in message and "connection.username" in message


@pytest.mark.parametrize(
    ("name", "host_vars", "needles"),
    [
        ("psrp", {"ansible_psrp_cert_validation": "ignore"}, ("ansible_psrp_ca_cert", "ansible_psrp_cert_validation")),
        (
            "winrm",
            {"ansible_winrm_server_cert_validation": "ignore"},
            ("ansible_winrm_ca_trust_path", "ansible_winrm_server_cert_validation"),
        ),
    ],
)
def test_no_validation_warning_names_the_hosts_variables(
    name: str, host_vars: dict[str, t.Any], needles: tuple[str, ...]
) -> None:
    warnings = c.resolve(plugin(name, **host_vars), None).weaknesses()
    assert len(warnings) == 1 and warnings[0].startswith("connection: certificate validation is off")
    for needle in needles:
        assert needle in warnings[0]
