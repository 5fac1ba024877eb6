# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The wire against in-process simulated hosts: real HTTP, NTLM with message encryption, real round-trip counts."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from simhosts import HostFactory, config_for, next_address

from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import cim, errors
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.client import WSManClient
from winsim import SimulatedHost

CONFIG_SERVICE = "http://schemas.microsoft.com/wbem/wsman/1/config/service"
LISTENER = "http://schemas.microsoft.com/wbem/wsman/1/config/listener"
STDREGPROV = cim.cim_uri("root/default", "StdRegProv")
WIN32_SERVICE = cim.cim_uri("root/cimv2", "Win32_Service")
HKLM = 2147483650


@pytest.fixture
def host(start_host: HostFactory) -> SimulatedHost:
    return start_host("2019")


@pytest.fixture
def wire(host: SimulatedHost) -> Iterator[WSManClient]:
    with WSManClient(config_for(host)) as client:
        yield client


def test_get_service_config(wire: WSManClient) -> None:
    service = wire.get(CONFIG_SERVICE)
    assert service.tag.endswith("}Service")
    values = {child.tag.rsplit("}", 1)[-1]: child.text for child in service}
    assert values["AllowUnencrypted"] == "false"
    assert wire.request_count == 1


def test_enumerate_listeners_in_one_round_trip(host: Any, wire: WSManClient) -> None:
    host.reset_request_count()
    listeners = wire.enumerate(LISTENER)
    assert host.request_count == 1
    assert wire.request_count == 1
    assert listeners, "the 2019 profile has an HTTP listener by default"
    fields = [cim.instance_to_dict(item, {"Port": "int"}) for item in listeners]
    assert any(f["Transport"] == "HTTP" and f["Port"] == 5985 for f in fields)


def test_wql_enumerate_services(host: Any, wire: WSManClient) -> None:
    items = wire.enumerate(cim.cim_uri("root/cimv2", "*"), wql="SELECT * FROM Win32_Service WHERE Name = 'WinRM'")
    assert len(items) == 1
    service = cim.instance_to_dict(items[0])
    assert service["Name"] == "WinRM"
    assert service["State"] == "Running"
    every = wire.enumerate(cim.cim_uri("root/cimv2", "*"), wql="SELECT * FROM Win32_Service")
    names = {cim.instance_to_dict(item)["Name"] for item in every}
    with host.lock:
        expected = set(host.state.services())
    assert names == expected


def test_stdregprov_set_and_get_dword(host: Any, wire: WSManClient) -> None:
    key = r"SOFTWARE\Winremote\WireTest"
    wire.invoke(STDREGPROV, "CreateKey", {"hDefKey": HKLM, "sSubKeyName": key})
    wire.invoke(
        STDREGPROV, "SetDWORDValue", {"hDefKey": HKLM, "sSubKeyName": key, "sValueName": "Answer", "uValue": 42}
    )
    with host.lock:
        assert host.state.registry.get_data("HKLM\\" + key, "Answer") == 42
    out = wire.invoke(
        STDREGPROV,
        "GetDWORDValue",
        {"hDefKey": HKLM, "sSubKeyName": key, "sValueName": "Answer"},
        types={"uValue": "int"},
    )
    assert out == {"ReturnValue": 0, "uValue": 42}


def test_stdregprov_missing_key_raises_cim_error(wire: WSManClient) -> None:
    with pytest.raises(errors.CimMethodError) as info:
        wire.invoke(
            STDREGPROV, "GetDWORDValue", {"hDefKey": HKLM, "sSubKeyName": r"SOFTWARE\Nope\Nope", "sValueName": "X"}
        )
    assert info.value.code in (1, 2)
    assert "StdRegProv.GetDWORDValue" in str(info.value)


def test_win32_service_change_start_mode(host: Any, wire: WSManClient) -> None:
    out = wire.invoke(WIN32_SERVICE, "ChangeStartMode", {"StartMode": "Manual"}, selectors={"Name": "WinRM"})
    assert out["ReturnValue"] == 0
    with host.lock:
        assert host.state.service_start_mode("WinRM")[0] == "Manual"
    wire.invoke(WIN32_SERVICE, "ChangeStartMode", {"StartMode": "Automatic"}, selectors={"Name": "WinRM"})
    with host.lock:
        assert host.state.service_start_mode("WinRM")[0] == "Auto"


def test_win32_service_start_running_service_is_already_running(wire: WSManClient) -> None:
    with pytest.raises(errors.CimMethodError) as info:
        wire.invoke(WIN32_SERVICE, "StartService", {}, selectors={"Name": "WinRM"})
    assert info.value.reason == "already_running"


def test_run_command_in_four_requests(host: Any, wire: WSManClient) -> None:
    host.reset_request_count()
    result = wire.run_command("cmd.exe", ["/c", "echo hi"])
    assert result.stdout.strip() == "hi"
    assert result.rc == 0
    assert host.request_count == 4
    assert wire.request_count == 4


def test_run_command_reuses_one_authenticated_session(host: Any, wire: WSManClient) -> None:
    wire.get(CONFIG_SERVICE)
    host.reset_request_count()
    wire.run_command("cmd.exe", ["/c", "echo one"])
    wire.run_command("cmd.exe", ["/c", "echo two"])
    assert host.request_count == 8


def test_identify_unauthenticated_hides_os(host: Any) -> None:
    client = WSManClient(config_for(host, password="wrong"))  # anonymous: credentials are not used
    info = client.identify(authenticated=False)
    assert info.vendor == "Microsoft Corporation"
    assert info.os_version == "0.0.0" and info.os_hidden
    assert info.stack == "3.0"


def test_identify_authenticated_shows_os(host: Any, wire: WSManClient) -> None:
    info = wire.identify(authenticated=True)
    with host.lock:
        expected = host.state.os_version
    assert info.os_version == expected
    assert info.os_version.startswith("10.0.17763")
    assert info.stack == "3.0"


# --- every error class from a real condition -------------------------------------------------------------------


def test_wrong_password(host: Any) -> None:
    client = WSManClient(config_for(host, password="not-the-password"))
    with client, pytest.raises(errors.AuthenticationFailedError) as info:
        client.get(CONFIG_SERVICE)
    assert info.value.__class__ is errors.AuthenticationFailedError
    assert "Administrator" in str(info.value)
    assert "not-the-password" not in str(info.value) and "not-the-password" not in repr(info.value)


def test_host_not_started_is_refused() -> None:
    address = next_address()
    with socket.socket() as probe:  # nothing may listen there, or the test means nothing
        assert probe.connect_ex((address, 5985)) != 0
    client = WSManClient(config_for(address))
    with client, pytest.raises(errors.HostUnreachableError) as info:
        client.get(CONFIG_SERVICE)
    assert str(info.value).startswith(f"WinRM did not answer at http://{address}:5985/wsman: connection refused.")


def test_refuse_fault_is_refused(host: Any, wire: WSManClient) -> None:
    host.inject_fault("refuse")
    with pytest.raises(errors.HostUnreachableError, match="connection refused"):
        WSManClient(config_for(host)).get(CONFIG_SERVICE)


def test_http500_fault(host: Any, wire: WSManClient) -> None:
    wire.get(CONFIG_SERVICE)
    host.inject_fault("http500", code=2150858770, message="The WinRM service is overloaded.")
    with pytest.raises(errors.WSManFaultError) as info:
        wire.get(CONFIG_SERVICE)
    assert info.value.code == 2150858770
    assert "overloaded" in str(info.value)
    assert wire.get(CONFIG_SERVICE) is not None  # only one request was faulted


def test_connection_reset(host: Any, wire: WSManClient) -> None:
    wire.get(CONFIG_SERVICE)
    host.inject_fault("reset")
    with pytest.raises(errors.ConnectionLostError):
        wire.get(CONFIG_SERVICE)
    assert wire.get(CONFIG_SERVICE) is not None  # the client re-authenticates on a new connection


def test_read_timeout(host: Any) -> None:
    host.inject_fault("delay", seconds=4)
    client = WSManClient(config_for(host, read_timeout=2, operation_timeout=1))
    with client, pytest.raises(errors.ConnectionTimeoutError, match="read_timeout"):
        client.get(CONFIG_SERVICE)


def test_local_admin_denied_without_token_filter_policy(host: Any) -> None:
    with host.lock:
        assert not host.state.local_account_token_filter_policy
    client = WSManClient(config_for(host, username="localadmin"))
    with client, pytest.raises(errors.AuthenticationFailedError) as info:  # HTTP 401, as Windows answers it
        client.get(CONFIG_SERVICE)
    assert "LocalAccountTokenFilterPolicy" in str(info.value) and "password is wrong" in str(info.value)
    assert "winremote.remoting.token_filter_policy" in str(info.value)


def test_domain_admin_allowed(host: Any) -> None:
    with WSManClient(config_for(host, username="WINREMOTE\\ansible")) as client:
        assert client.get(CONFIG_SERVICE) is not None


def test_basic_over_http_refused(host: Any) -> None:
    with host.lock:
        host.state.winrm["Service"]["Auth"]["Basic"] = "true"  # Basic allowed; only AllowUnencrypted=false stops it
    host.apply_state()
    config = config_for(host, auth="basic", message_encryption="never")
    client = WSManClient(config)
    with client, pytest.raises(errors.BasicOverHttpRefusedError) as info:
        client.get(CONFIG_SERVICE)
    assert "AllowUnencrypted" in str(info.value)


def add_https_listener(host: Any) -> None:
    """An HTTPS listener on the host's certificate plus a firewall rule for 5986 (no built-in rule covers it)."""
    from winsim import firewall
    from winsim.state import Listener

    with host.lock:
        host.state.listeners.append(
            Listener(
                transport="HTTPS", port=5986, hostname=host.hostname, certificate_thumbprint=host.certificate.thumbprint
            )
        )
        host.state.registry.set_value(
            firewall.LOCAL_STORE,
            "WINREMOTE-HTTPS-In-TCP",
            "REG_SZ",
            "v2.20|Action=Allow|Active=TRUE|Dir=In|Protocol=6|LPort=5986|Name=WinRM HTTPS|",
        )
    host.apply_state()


def test_https_untrusted_certificate_is_tls_error(host: Any) -> None:
    add_https_listener(host)
    client = WSManClient(config_for(host, scheme="https", port=5986))
    with client, pytest.raises(errors.TlsError) as info:
        client.get(CONFIG_SERVICE)
    assert "ca_path" in str(info.value)


def test_https_with_ca_path(host: Any) -> None:
    add_https_listener(host)
    with WSManClient(config_for(host, scheme="https", port=5986, ca_path=host.ca_path)) as client:
        assert client.get(CONFIG_SERVICE).tag.endswith("}Service")
        info = client.identify(authenticated=False)
    assert info.os_hidden
