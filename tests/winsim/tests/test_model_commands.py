# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Simulated command-line tools run through WinRS: exact output layouts and state changes."""

from __future__ import annotations

from typing import Any

from winsim import firewall, rules
from winsim.state import CBS_PACKAGES
from winsim.wsman.commands import run_command

CV = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion"


def test_echo_chain_and_unknown(model_client: Any) -> None:
    assert model_client.run("echo hi") == ("hi\r\n", "", 0)
    assert model_client.run("echo out && echo err>&2 && exit 1") == ("out \r\n", "err \r\n", 1)
    assert model_client.run('echo ==winremote:a== & echo "x & y"') == ('==winremote:a== \r\n"x & y"\r\n', "", 0)
    out, err, code = model_client.run("frobnicate /x")
    assert (out, code) == ("", 9009)
    assert err == (
        "'frobnicate' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n"
    )


def test_reg_query_value_and_key(model_client: Any) -> None:
    assert model_client.run(f'reg query "{CV}" /v CurrentBuildNumber') == (
        f"\r\n{CV}\r\n    CurrentBuildNumber    REG_SZ    17763\r\n\r\n",
        "",
        0,
    )
    dword = model_client.run(r'reg query "HKLM\SOFTWARE\Microsoft\NET Framework Setup\NDP\v4\Full" /v Release')[0]
    assert "    Release    REG_DWORD    0x70bf6\r\n" in dword
    state = model_client.state
    key = r"HKLM\SOFTWARE\Sim"
    state.registry.set_value(key, "Multi", "REG_MULTI_SZ", ["a", "b"])
    state.registry.set_value(key, "Bin", "REG_BINARY", b"\x01\xab")
    state.registry.set_value(key, "Empty", "REG_SZ", "")
    state.registry.set_value(key, "Big", "REG_QWORD", 2**40)
    state.registry.create_key(key + r"\Child")
    out = model_client.run(f"reg query {key}")[0]
    assert out == (
        "\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Sim\r\n    Multi    REG_MULTI_SZ    a\\0b\r\n"
        "    Bin    REG_BINARY    01AB\r\n    Empty    REG_SZ    \r\n"
        "    Big    REG_QWORD    0x10000000000\r\n"
        "\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Sim\\Child\r\n"
    )


def test_reg_query_missing_and_search(model_client: Any) -> None:
    missing = ("", "ERROR: The system was unable to find the specified registry key or value.\r\n", 1)
    assert model_client.run(r"reg query HKLM\SOFTWARE\Nope") == missing
    assert model_client.run(f'reg query "{CV}" /v Nope') == missing
    packages = CBS_PACKAGES.replace("HKLM", "HKEY_LOCAL_MACHINE")
    assert model_client.run(f'reg query "{packages}" /f KB2682011 /k') == (
        "\r\nEnd of search: 0 match(es) found.\r\n",
        "",
        1,
    )
    model_client.state.add_hotfix("KB2682011")
    out, _err, code = model_client.run(f'reg query "{packages}" /f kb2682011 /k')
    assert code == 0
    assert out == (
        f"\r\n{packages}\\Package_for_KB2682011~31bf3856ad364e35~amd64~~10.0.1.0\r\n"
        "End of search: 1 match(es) found.\r\n"
    )


def test_sc_layouts(model_client: Any) -> None:
    out = model_client.run("sc query WinRM")[0]
    assert "SERVICE_NAME: WinRM\r\n" in out and "        STATE              : 4  RUNNING \r\n" in out
    qc = model_client.run("sc qc WinRM")[0]
    assert qc.startswith("[SC] QueryServiceConfig SUCCESS\r\n\r\nSERVICE_NAME: WinRM\r\n")
    assert "        START_TYPE         : 2   AUTO_START  (DELAYED)\r\n" in qc
    model_client.state.set_service_start_mode("WinRM", "Disabled")
    assert "        START_TYPE         : 4   DISABLED\r\n" in model_client.run("sc qc WinRM")[0]
    model_client.state.set_service_start_mode("WinRM", "Manual")
    assert "        START_TYPE         : 3   DEMAND_START\r\n" in model_client.run("sc qc WinRM")[0]
    out, _err, code = model_client.run("sc qc NoSuch")
    assert code == 1060 and out.startswith("[SC] OpenService FAILED 1060:")


def test_sc_query_of_a_stopped_service_has_no_controls_line(model_client: Any) -> None:
    """A stopped service accepts no controls: sc prints no (NOT_STOPPABLE, ...) line, the exit code follows STATE."""
    running = model_client.run("sc query WinRM")[0].split("\r\n")
    state_at = next(i for i, line in enumerate(running) if "STATE" in line)
    assert running[state_at + 1].strip() == "(STOPPABLE, NOT_PAUSABLE, ACCEPTS_SHUTDOWN)"
    rules.stop_winrm(model_client.state)
    stopped = model_client.run("sc query WinRM")[0].split("\r\n")
    state_at = next(i for i, line in enumerate(stopped) if "STATE" in line)
    assert stopped[state_at] == "        STATE              : 1  STOPPED "
    assert stopped[state_at + 1].startswith("        WIN32_EXIT_CODE    : ")
    assert not any("STOPPABLE" in line for line in stopped)


def test_sc_qc_prints_the_expanded_binary_path(model_client: Any) -> None:
    qc = model_client.run("sc qc WinRM")[0]
    assert "        BINARY_PATH_NAME   : C:\\Windows\\System32\\svchost.exe -k NetworkService\r\n" in qc
    assert "%SystemRoot%" not in qc


def test_winrm_xml_outputs(model_client: Any) -> None:
    out = model_client.run("winrm enumerate winrm/config/listener -format:xml")[0]
    assert out.startswith('<cfg:Listener xmlns:cfg="http://schemas.microsoft.com/wbem/wsman/1/config/listener"')
    assert out.count("\r\n") == 1 and "<cfg:Port>5985</cfg:Port>" in out
    config = model_client.run("winrm get winrm/config/service -format:xml")[0]
    assert config.startswith('<cfg:Service xmlns:cfg="http://schemas.microsoft.com/wbem/wsman/1/config/service">')
    assert "OS: 10.0.17763 SP: 0.0 Stack: 3.0" in model_client.run("winrm id -format:xml")[0]


def test_quickconfig_on_2008r2(model_client_for: Any) -> None:
    """Through WinRS winrm.cmd answers Access denied on 2008 R2 (packer-community/winrmcp issue 3); at the console
    (no WinRS shell) quickconfig sets the host up."""
    client = model_client_for("2008r2")
    assert rules.accepting_endpoints(client.state, "127.0.0.10") == set()
    _out, err, code = client.run("winrm qc -q")
    assert code != 0 and "0x80070005" in err and rules.accepting_endpoints(client.state, "127.0.0.10") == set()
    console = run_command(client.state, None, "cmd.exe", ["/c", "winrm qc -q"])
    out = console.stdout
    assert (
        console.rc == 0 and "Created a WinRM listener on HTTP://*" in out and "WinRM firewall exception enabled." in out
    )
    assert console.effects == {"restart_winrm"}
    assert rules.accepting_endpoints(client.state, "127.0.0.10") == {("HTTP", 5985)}
    assert "already set up" in run_command(client.state, None, "cmd.exe", ["/c", "winrm quickconfig -quiet"]).stdout


def test_netsh_set_and_show(model_client_for: Any) -> None:
    client = model_client_for("2008r2")
    out, _e, code = client.run('netsh advfirewall firewall set rule group="Remote Event Log Management" new enable=yes')
    assert (out, code) == ("\r\nUpdated 3 rule(s).\r\nOk.\r\n\r\n", 0)
    rule = firewall.get_rule(client.state.registry, "RemoteEventLogSvc-RPCSS-In-TCP")
    assert rule is not None and rule.enabled
    out, _e, code = client.run(
        'netsh advfirewall firewall set rule name="COM+ Network Access (DCOM-In)" new enable=yes'
    )
    assert code == 0 and "Updated 1 rule(s)." in out
    show = client.run('netsh advfirewall firewall show rule name="Remote Event Log Management (NP-In)"')[0]
    assert "Enabled:                              Yes\r\n" in show
    assert "LocalPort:                            445\r\n" in show
    assert client.run('netsh advfirewall firewall set rule name="Nope" new enable=yes') == (
        "\r\nNo rules match the specified criteria.\r\n\r\n",
        "",
        1,
    )
    firewall.save_rule(client.state.registry, firewall.FirewallRule("GPO-X", "Locked", store="gpo", enabled=False))
    assert client.run('netsh advfirewall firewall set rule name="Locked" new enable=yes')[2] == 1


def test_configure_smremoting(model_client_for: Any) -> None:
    client = model_client_for("2019")
    assert client.run("Configure-SMRemoting.exe -get")[0] == "Server Manager Remoting is enabled\r\n"
    client.run("Configure-SMRemoting.exe -disable")
    assert client.effects == {"restart_winrm"}
    assert client.run("Configure-SMRemoting.exe -get")[0] == "Server Manager Remoting is disabled\r\n"
    assert rules.accepting_endpoints(client.state, "127.0.0.10") == set()
    client.run(r"C:\Windows\System32\Configure-SMRemoting.exe -enable")
    assert client.run("Configure-SMRemoting.exe -get")[0] == "Server Manager Remoting is enabled\r\n"
    old = model_client_for("2008r2")
    assert old.run("Configure-SMRemoting.exe -get")[2] == 9009
