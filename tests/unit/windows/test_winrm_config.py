from __future__ import annotations

from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import winrm_config

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
