# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""WS-Man handlers: Identify, config Get/Put, listeners, enumeration, CIM classes and methods."""

from __future__ import annotations

from typing import Any

from winsim import cert_store, certs, firewall, rules
from winsim.state import WINRM_POLICY
from winsim.wsman import dispatch

T = "http://schemas.xmlsoap.org/ws/2004/09/transfer/"
E = "http://schemas.xmlsoap.org/ws/2004/09/enumeration/"
CONFIG = "http://schemas.microsoft.com/wbem/wsman/1/config"
LISTENER = CONFIG + "/listener"
CIMV2 = "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/"
STD = "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/standardcimv2/"
REG = "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/default/StdRegProv"
WQL = "http://schemas.microsoft.com/wbem/wsman/1/WQL"
WSMID = "{http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd}"
IDENTIFY = (
    b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:wsmid="http://schemas.dmtf.org/'
    b'wbem/wsman/identity/1/wsmanidentity.xsd"><s:Header/><s:Body><wsmid:Identify/></s:Body></s:Envelope>'
)


def test_identify(model_client_for: Any) -> None:
    import xml.etree.ElementTree as ET

    for profile, auth, anon in (
        ("2019", "OS: 10.0.17763 SP: 0.0 Stack: 3.0", "OS: 0.0.0 SP: 0.0 Stack: 3.0"),
        ("2008r2", "OS: 6.1.7601 SP: 1.0 Stack: 2.0", "OS: 0.0.0 SP: 0.0 Stack: 2.0"),
    ):
        state = model_client_for(profile).state
        for authenticated, expected in ((True, auth), (False, anon)):
            reply = dispatch.handle_identify(state, IDENTIFY, authenticated)
            root = ET.fromstring(reply.body)
            assert reply.status == 200
            assert root.findtext(f".//{WSMID}ProductVersion") == expected
            assert root.findtext(f".//{WSMID}ProductVendor") == "Microsoft Corporation"
            # only an authenticated Identify lists the security profiles (test_conformance_fidelity.py)
            assert (root.find(f".//{WSMID}SecurityProfiles") is not None) is authenticated


def test_config_get_and_put(model_client: Any) -> None:
    ns = {"cfg": CONFIG + "/service"}
    body = model_client.call(T + "Get", CONFIG + "/service")
    assert body.findtext("cfg:Service/cfg:AllowUnencrypted", namespaces=ns) == "false"
    put = (
        f'<cfg:Service xmlns:cfg="{CONFIG}/service"><cfg:AllowUnencrypted>true</cfg:AllowUnencrypted>'
        "<cfg:Auth><cfg:Basic>true</cfg:Basic></cfg:Auth></cfg:Service>"
    )
    reply = model_client.call(T + "Put", CONFIG + "/service", put)
    assert reply.findtext("cfg:Service/cfg:Auth/cfg:Basic", namespaces=ns) == "true"
    assert rules.auth_policy(model_client.state).basic
    auth = model_client.call(T + "Get", CONFIG + "/service/auth")
    assert auth.findtext("cfg:Auth/cfg:Basic", namespaces={"cfg": CONFIG + "/service/auth"}) == "true"


def test_config_put_faults(model_client: Any) -> None:
    bad = f'<cfg:Service xmlns:cfg="{CONFIG}/service"><cfg:NoSuchThing>1</cfg:NoSuchThing></cfg:Service>'
    body = model_client.call(T + "Put", CONFIG + "/service", bad, status=500)
    assert model_client.fault_code(body) == ("w:SchemaValidationError", 2150858817)
    readonly = f'<cfg:Config xmlns:cfg="{CONFIG}"><cfg:MaxProviderRequests>1</cfg:MaxProviderRequests></cfg:Config>'
    faulted = model_client.call(T + "Put", CONFIG, readonly, status=500)
    assert model_client.fault_code(faulted)[0] == "w:InvalidParameter"
    model_client.state.registry.set_value(WINRM_POLICY, "AllowUnencryptedTraffic", "REG_DWORD", 0)
    get = model_client.call(T + "Get", CONFIG + "/service")
    element = get.find("cfg:Service/cfg:AllowUnencrypted", {"cfg": CONFIG + "/service"})
    assert element is not None and element.get("Source") == "GPO"
    gpo = f'<cfg:Service xmlns:cfg="{CONFIG}/service"><cfg:AllowUnencrypted>true</cfg:AllowUnencrypted></cfg:Service>'
    assert model_client.fault_code(model_client.call(T + "Put", CONFIG + "/service", gpo, status=500)) == (
        "w:AccessDenied",
        2150858890,
    )
    assert model_client.state.winrm["Service"]["AllowUnencrypted"] == "false"


def test_listener_lifecycle(model_client: Any) -> None:
    ns = {
        "cfg": LISTENER,
        "w": "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd",
        "n": "http://schemas.xmlsoap.org/ws/2004/09/enumeration",
    }
    sel = {"Address": "*", "Transport": "HTTPS"}
    issued = certs.issue("simhost")
    create = (
        f'<cfg:Listener xmlns:cfg="{LISTENER}"><cfg:Hostname>simhost</cfg:Hostname>'
        f"<cfg:CertificateThumbprint>{issued.thumbprint}</cfg:CertificateThumbprint></cfg:Listener>"
    )
    body = model_client.call(T + "Create", LISTENER, create, sel, status=500)  # no such certificate yet
    assert model_client.fault_code(body)[1] == 2150858882
    cert_store.install(model_client.state.registry, issued.der, has_private_key=True)
    model_client.call(T + "Create", LISTENER, create, sel)
    assert model_client.effects == {"restart_winrm"}
    assert model_client.fault_code(model_client.call(T + "Create", LISTENER, create, sel, status=500)) == (
        "w:AlreadyExists",
        2150858803,
    )
    got = model_client.call(T + "Get", LISTENER, selectors=sel)
    assert got.findtext("cfg:Listener/cfg:Port", namespaces=ns) == "5986"
    listed = model_client.call(
        E + "Enumerate",
        LISTENER,
        "<n:Enumerate><w:OptimizeEnumeration/><w:MaxElements>10</w:MaxElements></n:Enumerate>",
    )
    assert [x.text for x in listed.findall(".//cfg:Listener/cfg:Transport", ns)] == ["HTTP", "HTTPS"]
    assert listed.find(".//w:EndOfSequence", ns) is not None
    put = f'<cfg:Listener xmlns:cfg="{LISTENER}"><cfg:Enabled>false</cfg:Enabled></cfg:Listener>'
    model_client.call(T + "Put", LISTENER, put, {"Address": "*", "Transport": "HTTP"})
    assert not model_client.state.listeners[0].enabled
    model_client.call(T + "Delete", LISTENER, "", sel)
    assert [x.transport for x in model_client.state.listeners] == ["HTTP"]
    missing = model_client.call(T + "Get", LISTENER, selectors=sel, status=500)
    assert model_client.fault_code(missing)[1] == 2150858752


def test_plain_enumeration_with_pull(model_client: Any) -> None:
    ns = {
        "n": "http://schemas.xmlsoap.org/ws/2004/09/enumeration",
        "w": "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd",
        "p": CIMV2 + "Win32_Service",
    }
    body = model_client.call(E + "Enumerate", CIMV2 + "Win32_Service", "<n:Enumerate/>")
    context = body.findtext(".//n:EnumerationContext", namespaces=ns)
    assert context
    names = []
    while context:
        pulled = model_client.call(
            E + "Pull",
            CIMV2 + "Win32_Service",
            f"<n:Pull><n:EnumerationContext>{context}</n:EnumerationContext><n:MaxElements>3</n:MaxElements></n:Pull>",
        )
        names += [x.text for x in pulled.findall(".//p:Name", ns)]
        context = pulled.findtext(".//n:EnumerationContext", namespaces=ns)
        if context is None:
            assert pulled.find(".//n:EndOfSequence", ns) is not None
    assert "WinRM" in names and len(names) == len(model_client.state.services())
    stale = model_client.call(
        E + "Pull",
        CIMV2 + "Win32_Service",
        "<n:Pull><n:EnumerationContext>uuid:nope</n:EnumerationContext></n:Pull>",
        status=500,
    )
    assert model_client.fault_code(stale)[0] == "n:InvalidEnumerationContext"


def _wql(client: Any, uri: str, query: str, mode: str = "") -> list[Any]:
    body = client.call(
        E + "Enumerate",
        uri,
        f"<n:Enumerate><w:OptimizeEnumeration/><w:MaxElements>100</w:MaxElements>{mode}"
        f'<w:Filter Dialect="{WQL}">{query}</w:Filter></n:Enumerate>',
    )
    items = body.find(".//{http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd}Items")
    assert items is not None
    return list(items)


def test_wql_filters(model_client: Any) -> None:
    found = _wql(model_client, CIMV2 + "*", "SELECT Name, State FROM Win32_Service WHERE Name = 'WinRM'")
    assert len(found) == 1
    assert [child.tag.rsplit("}", 1)[1] for child in found[0]] == ["Name", "State"]
    like = _wql(
        model_client,
        STD + "MSFT_NetFirewallRule",
        'select * from MSFT_NetFirewallRule where Enabled = 1 and DisplayName like "%remote%"',
    )
    assert {x.findtext(f"{{{STD}MSFT_NetFirewallRule}}InstanceID") for x in like} == {
        "WINRM-HTTP-In-TCP",
        "WINRM-HTTP-In-TCP-PUBLIC",
    }
    pairs = _wql(
        model_client,
        CIMV2 + "*",
        "SELECT * FROM Win32_OperatingSystem",
        "<w:EnumerationMode>EnumerateObjectAndEPR</w:EnumerationMode>",
    )
    assert pairs[0].tag.endswith("}Item") and pairs[0][1].tag.endswith("}EndpointReference")
    bad = model_client.call(
        E + "Enumerate",
        CIMV2 + "*",
        f'<n:Enumerate><w:Filter Dialect="{WQL}">DELETE FROM x</w:Filter></n:Enumerate>',
        status=500,
    )
    assert model_client.fault_code(bad)[0] == "n:CannotProcessFilter"


def test_selector_filter(model_client: Any) -> None:
    body = model_client.call(
        E + "Enumerate",
        STD + "MSFT_NetAddressFilter",
        "<n:Enumerate><w:OptimizeEnumeration/><w:MaxElements>5</w:MaxElements>"
        '<w:Filter Dialect="http://schemas.dmtf.org/wbem/wsman/1/wsman/SelectorFilter"><w:SelectorSet>'
        '<w:Selector Name="InstanceID">WINRM-HTTP-In-TCP-PUBLIC</w:Selector></w:SelectorSet></w:Filter></n:Enumerate>',
    )
    values = [x.text for x in body.iter(f"{{{STD}MSFT_NetAddressFilter}}RemoteAddress")]
    assert values == ["LocalSubnet"]


def _invoke(
    client: Any, uri: str, method: str, params: str = "", selectors: dict[str, str] | None = None, status: int = 200
) -> dict[str, list[str]]:
    body = client.call(
        f"{uri}/{method}",
        uri,
        f'<p:{method}_INPUT xmlns:p="{uri}">{params}</p:{method}_INPUT>',
        selectors,
        status=status,
    )
    out = body.find(f"{{{uri}}}{method}_OUTPUT")
    assert out is not None, body
    result: dict[str, list[str]] = {}
    for child in out:
        result.setdefault(child.tag.rsplit("}", 1)[1], []).append(child.text or "")
    return result


def test_stdregprov(model_client: Any) -> None:
    key = (
        "<p:hDefKey>2147483650</p:hDefKey><p:sSubKeyName>SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies"
        "\\System</p:sSubKeyName>"
    )
    assert _invoke(
        model_client, REG, "GetDWORDValue", key + "<p:sValueName>LocalAccountTokenFilterPolicy</p:sValueName>"
    ) == {"ReturnValue": ["2"]}
    assert _invoke(
        model_client,
        REG,
        "SetDWORDValue",
        key + "<p:sValueName>LocalAccountTokenFilterPolicy</p:sValueName><p:uValue>1</p:uValue>",
    ) == {"ReturnValue": ["0"]}
    assert model_client.state.local_account_token_filter_policy == 1
    got = _invoke(
        model_client, REG, "GetDWORDValue", key + "<p:sValueName>LocalAccountTokenFilterPolicy</p:sValueName>"
    )
    assert got == {"ReturnValue": ["0"], "uValue": ["1"]}
    policy = (
        "<p:hDefKey>2147483650</p:hDefKey><p:sSubKeyName>SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Service"
        "</p:sSubKeyName>"
    )
    assert _invoke(
        model_client, REG, "SetStringValue", policy + "<p:sValueName>IPv4Filter</p:sValueName><p:sValue>*</p:sValue>"
    )["ReturnValue"] == ["2"]  # key missing
    assert _invoke(model_client, REG, "CreateKey", policy)["ReturnValue"] == ["0"]
    _invoke(
        model_client,
        REG,
        "SetMultiStringValue",
        policy + "<p:sValueName>M</p:sValueName><p:sValue>a</p:sValue><p:sValue>b</p:sValue>",
    )
    assert _invoke(model_client, REG, "GetMultiStringValue", policy + "<p:sValueName>M</p:sValueName>")["sValue"] == [
        "a",
        "b",
    ]
    values = _invoke(model_client, REG, "EnumValues", policy)
    assert values["sNames"] == ["M"] and values["Types"] == ["7"]
    parent = "<p:hDefKey>2147483650</p:hDefKey><p:sSubKeyName>SOFTWARE\\Policies\\Microsoft\\Windows</p:sSubKeyName>"
    assert _invoke(model_client, REG, "EnumKey", parent)["sNames"] == ["WinRM"]
    assert _invoke(model_client, REG, "DeleteKey", parent)["ReturnValue"] == ["5"]
    assert _invoke(model_client, REG, "GetDWORDValue", policy + "<p:sValueName>M</p:sValueName>")["ReturnValue"] == [
        "2147749893"
    ]


def test_win32_service_methods(model_client: Any) -> None:
    uri = CIMV2 + "Win32_Service"
    got = model_client.call(T + "Get", uri, selectors={"Name": "WinRM"})
    assert got.findtext(f"{{{uri}}}Win32_Service/{{{uri}}}StartMode") == "Auto"
    assert _invoke(model_client, uri, "StartService", "", {"Name": "WinRM"}) == {"ReturnValue": ["10"]}
    assert _invoke(model_client, uri, "ChangeStartMode", "<p:StartMode>Manual</p:StartMode>", {"Name": "WinRM"}) == {
        "ReturnValue": ["0"]
    }
    assert model_client.state.service_start_mode("WinRM")[0] == "Manual"
    assert _invoke(model_client, uri, "ChangeStartMode", "<p:StartMode>Sometimes</p:StartMode>", {"Name": "WinRM"}) == {
        "ReturnValue": ["21"]
    }
    assert _invoke(model_client, uri, "StopService", "", {"Name": "WinRM"}) == {"ReturnValue": ["0"]}
    assert model_client.effects == {"restart_winrm"}
    assert model_client.state.service_status["WinRM"] == "Stopped"
    missing = model_client.call(T + "Get", uri, selectors={"Name": "NoSuchService"}, status=500)
    assert model_client.fault_code(missing)[1] == 2150858752


def test_os_and_hotfixes(model_client: Any) -> None:
    model_client.state.add_hotfix("KB2682011")
    os_items = _wql(model_client, CIMV2 + "*", "SELECT * FROM Win32_OperatingSystem")
    uri = CIMV2 + "Win32_OperatingSystem"
    assert os_items[0].findtext(f"{{{uri}}}Version") == "10.0.17763"
    assert os_items[0].findtext(f"{{{uri}}}ProductType") == "3"
    assert os_items[0].findtext(f"{{{uri}}}CSName") == "SIMHOST"
    qfe = _wql(model_client, CIMV2 + "*", "SELECT HotFixID FROM Win32_QuickFixEngineering WHERE HotFixID = 'KB2682011'")
    assert [x.findtext(f"{{{CIMV2}Win32_QuickFixEngineering}}HotFixID") for x in qfe] == ["KB2682011"]


def test_firewall_cim(model_client: Any) -> None:
    uri = STD + "MSFT_NetFirewallRule"
    sel = {
        "CreationClassName": "MSFT|FW|FirewallRule|RemoteEventLogSvc-In-TCP",
        "PolicyRuleName": "",
        "SystemCreationClassName": "",
        "SystemName": "",
    }
    assert _invoke(model_client, uri, "Enable", "", sel) == {}
    assert firewall.get_rule(model_client.state.registry, "RemoteEventLogSvc-In-TCP").enabled  # type: ignore[union-attr]
    put = (
        f'<p:MSFT_NetFirewallRule xmlns:p="{uri}"><p:Enabled>2</p:Enabled><p:Profiles>3</p:Profiles>'
        "</p:MSFT_NetFirewallRule>"
    )
    model_client.call(T + "Put", uri, put, sel)
    rule = firewall.get_rule(model_client.state.registry, "RemoteEventLogSvc-In-TCP")
    assert rule is not None and not rule.enabled and rule.profiles == ["Domain", "Private"]
    addr = STD + "MSFT_NetAddressFilter"
    put = (
        f'<p:MSFT_NetAddressFilter xmlns:p="{addr}"><p:RemoteAddress>127.0.0.0/8</p:RemoteAddress>'
        "<p:RemoteAddress>10.0.0.1</p:RemoteAddress></p:MSFT_NetAddressFilter>"
    )
    model_client.call(T + "Put", addr, put, {"InstanceID": "WINRM-HTTP-In-TCP"})
    rule = firewall.get_rule(model_client.state.registry, "WINRM-HTTP-In-TCP")
    assert rule is not None and rule.remote_addresses == ["127.0.0.0/8", "10.0.0.1"]
    firewall.save_rule(model_client.state.registry, firewall.FirewallRule("GPO-Rule", "GPO rule", store="gpo"))
    denied = model_client.call(
        uri + "/Disable", uri, f'<p:Disable_INPUT xmlns:p="{uri}"/>', {"InstanceID": "GPO-Rule"}, status=500
    )
    assert model_client.fault_code(denied) == ("w:AccessDenied", 5)
    query = "SELECT PolicyStoreSourceType FROM MSFT_NetFirewallRule WHERE InstanceID = 'GPO-Rule'"
    gpo = _wql(model_client, uri, query)
    assert gpo[0].findtext(f"{{{uri}}}PolicyStoreSourceType") == "2"


def test_firewall_cim_absent_on_2008r2(model_client_for: Any) -> None:
    client = model_client_for("2008r2")
    body = client.call(E + "Enumerate", STD + "MSFT_NetFirewallRule", "<n:Enumerate/>", status=500)
    assert client.fault_code(body) == ("a:DestinationUnreachable", 2150858752)


def test_unknown_resource_and_action(model_client: Any) -> None:
    body = model_client.call(T + "Get", "http://example.invalid/resource", status=500)
    assert model_client.fault_code(body)[0] == "a:DestinationUnreachable"
    body = model_client.call(
        CIMV2 + "Win32_Service/Explode", CIMV2 + "Win32_Service", "", {"Name": "WinRM"}, status=500
    )
    assert model_client.fault_code(body)[0] == "a:ActionNotSupported"


def test_fault_reply_shape() -> None:
    import xml.etree.ElementTree as ET

    reply = dispatch.fault_reply(5, "Access is denied.")
    root = ET.fromstring(reply.body)
    assert reply.status == 500
    assert (
        root.findtext(
            ".//{http://www.w3.org/2003/05/soap-envelope}Subcode/{http://www.w3.org/2003/05/soap-envelope}Value"
        )
        == "w:AccessDenied"
    )
