# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pathlib
import typing as t
import xml.etree.ElementTree as ET

import pytest
import yaml

from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import winrm_config
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import errors

LISTENERS = (
    '<cfg:Listener xmlns:cfg="http://schemas.microsoft.com/wbem/wsman/1/config/listener" xml:lang="en-US">'
    "<cfg:Address>*</cfg:Address><cfg:Transport>HTTP</cfg:Transport><cfg:Port>5985</cfg:Port><cfg:Hostname/>"
    "<cfg:Enabled>true</cfg:Enabled><cfg:URLPrefix>wsman</cfg:URLPrefix><cfg:CertificateThumbprint/>"
    "<cfg:ListeningOn>127.0.0.10</cfg:ListeningOn><cfg:ListeningOn>::1</cfg:ListeningOn></cfg:Listener>\r\n"
    '<cfg:Listener xmlns:cfg="http://schemas.microsoft.com/wbem/wsman/1/config/listener" Source="GPO">'
    "<cfg:Address>*</cfg:Address><cfg:Transport>HTTPS</cfg:Transport><cfg:Port>5986</cfg:Port>"
    "<cfg:Hostname>h</cfg:Hostname><cfg:Enabled>false</cfg:Enabled><cfg:CertificateThumbprint>AB</cfg:CertificateThumbprint>"
    "</cfg:Listener>"
)

CONFIG = (
    '<cfg:Config xmlns:cfg="http://schemas.microsoft.com/wbem/wsman/1/config"><cfg:MaxEnvelopeSizekb>500</cfg:MaxEnvelopeSizekb>'
    "<cfg:Service><cfg:AllowUnencrypted>false</cfg:AllowUnencrypted><cfg:Auth><cfg:Basic>false</cfg:Basic>"
    "<cfg:Kerberos>true</cfg:Kerberos><cfg:CbtHardeningLevel>Relaxed</cfg:CbtHardeningLevel></cfg:Auth>"
    "<cfg:DefaultPorts><cfg:HTTP>5985</cfg:HTTP><cfg:HTTPS>5986</cfg:HTTPS></cfg:DefaultPorts>"
    '<cfg:IPv4Filter Source="GPO">127.0.0.1-127.0.0.20</cfg:IPv4Filter><cfg:IPv6Filter Source="GPO"/>'
    "</cfg:Service></cfg:Config>"
)


def test_listeners_from_winrm_output() -> None:
    first, second = winrm_config.parse_listeners(LISTENERS)
    assert (first.address, first.transport, first.port, first.enabled, first.source) == (
        "*",
        "HTTP",
        5985,
        True,
        "local",
    )
    assert first.listening_on == ("127.0.0.10", "::1")
    assert (second.transport, second.source, second.certificate_thumbprint, second.enabled) == (
        "HTTPS",
        "GPO",
        "AB",
        False,
    )


def test_garbage_gives_no_listener() -> None:
    assert winrm_config.parse_listeners("WSManFault\r\n    Message = Access is denied.") == []


def test_service_from_config_root() -> None:
    service = winrm_config.parse_service(CONFIG)
    assert service is not None
    assert service.allow_unencrypted is False
    assert service.auth == {"basic": False, "kerberos": True, "cbt_hardening_level": "Relaxed"}
    assert service.default_ports == {"HTTP": 5985, "HTTPS": 5986}
    assert service.ipv4_filter == "127.0.0.1-127.0.0.20"
    assert service.ipv6_filter == ""
    assert service.gpo_settings == ("IPv4Filter", "IPv6Filter")


# --- real reply shapes (a pypsrp recording of a Windows host, read at test time) and the WS-Transfer reads ----------
RECORDINGS = (
    pathlib.Path(__file__).resolve().parents[3].parent / "shared" / "fixtures" / "windows-recordings" / "pypsrp"
)
CONFIG_NS = "{http://schemas.microsoft.com/wbem/wsman/1/config}"


def recorded_config() -> ET.Element:
    path = RECORDINGS / "test_wsman_update_envelope_size_500.yml"
    if not path.is_file():
        pytest.skip(f"recording {path} is not available")
    for message in yaml.safe_load(path.read_text(encoding="utf-8"))["messages"]:
        if "transfer/GetResponse" in (message.get("response") or ""):
            body = ET.fromstring(message["response"]).find("{http://www.w3.org/2003/05/soap-envelope}Body")
            assert body is not None and len(body) == 1
            return body[0]
    raise AssertionError("no Get of winrm/config in the recording")


def test_service_from_a_recorded_get_of_winrm_config() -> None:
    service = winrm_config.parse_service(recorded_config())
    assert service is not None
    assert service.auth == {
        "basic": True,
        "kerberos": True,
        "negotiate": True,
        "certificate": False,
        "credssp": True,
        "cbt_hardening_level": "Relaxed",
    }
    assert (service.ipv4_filter, service.ipv6_filter, service.allow_unencrypted) == ("*", "*", False)
    assert service.default_ports == {"HTTP": 5985, "HTTPS": 5986} and service.gpo_settings == ()


def test_gpo_marks_and_the_service_namespace_of_a_section_get() -> None:
    """Group Policy marks settings with Source="GPO"; a Get of winrm/config/service answers the Service element in
    the section's namespace: both read the same."""
    config = recorded_config()
    service = config.find(f"{CONFIG_NS}Service")
    assert service is not None
    for name in ("IPv4Filter", "IPv6Filter", "AllowRemoteAccess"):
        found = service.find(f"{CONFIG_NS}{name}")
        assert found is not None
        found.set("Source", "GPO")
    section = ET.fromstring(
        ET.tostring(service, encoding="unicode").replace(
            "http://schemas.microsoft.com/wbem/wsman/1/config",
            "http://schemas.microsoft.com/wbem/wsman/1/config/service",
        )
    )
    for root in (config, section):
        parsed = winrm_config.parse_service(root)
        assert parsed is not None and parsed.gpo_settings == ("AllowRemoteAccess", "IPv4Filter", "IPv6Filter")
        assert parsed.auth["credssp"] is True


class FakeReader:
    def __init__(self, get: t.Any = None, items: t.Any = ()) -> None:
        self.reply, self.items = get, items

    def get(self, resource_uri: str, selectors: t.Any = None, options: t.Any = None) -> ET.Element:
        if isinstance(self.reply, Exception):
            raise self.reply
        assert resource_uri == winrm_config.SERVICE_URI
        return t.cast(ET.Element, self.reply)

    def enumerate(self, resource_uri: str) -> list[ET.Element]:
        if isinstance(self.items, Exception):
            raise self.items
        assert resource_uri == winrm_config.LISTENER_URI
        return list(self.items)


def test_reads_that_fault_or_answer_something_else_are_unread() -> None:
    fault = errors.WSManFaultError(5, "w:AccessDenied", "host", "Access is denied.")
    with pytest.raises(winrm_config.ConfigUnreadError, match=r"^winrm/config/service \(WS-Transfer Get\) could not"):
        winrm_config.read_service(FakeReader(get=fault))
    with pytest.raises(winrm_config.ConfigUnreadError, match="no Service element"):
        winrm_config.read_service(FakeReader(get=ET.fromstring("<Other/>")))
    with pytest.raises(winrm_config.ConfigUnreadError, match=r"listener \(WS-Enumeration\) could not be read: .*deni"):
        winrm_config.read_listeners(FakeReader(items=fault))
    with pytest.raises(winrm_config.ConfigUnreadError, match="not a Listener"):
        winrm_config.read_listeners(FakeReader(items=[ET.fromstring("<Other/>")]))


def test_reads_that_succeed() -> None:
    listeners = winrm_config.read_listeners(FakeReader(items=[ET.fromstring(x) for x in LISTENERS.split("\r\n")]))
    assert [(x.transport, x.port, x.source) for x in listeners] == [("HTTP", 5985, "local"), ("HTTPS", 5986, "GPO")]
    assert winrm_config.read_listeners(FakeReader(items=[])) == []  # no listener at all is a reading, not a failure
    service = winrm_config.read_service(FakeReader(get=recorded_config()))
    assert service.auth["negotiate"] is True
