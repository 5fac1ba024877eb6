# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The batched observation, from command line to typed state, without a host."""

from __future__ import annotations

import pytest

from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures import remoting_info
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import firewall, winrm_config
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import batch
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.errors import WinRemoteError


def reg(path: str, *values: tuple[str, str, str]) -> str:
    lines = ["", path.replace("HKLM\\", "HKEY_LOCAL_MACHINE\\", 1)]
    lines += [f"    {n}    {ty}    {d}" for n, ty, d in values]
    return "\r\n".join([*lines, "", ""])


def marker(name: str) -> str:
    return f"{batch.MARKER_PREFIX}{name}{batch.MARKER_SUFFIX}"


def host_output(answers: dict[str, str]) -> str:
    """Simulate cmd.exe running the batch: each marker, then the probe's answer (if any). A registry key that has
    an answer (or only has its presence proved) could be read; one without an answer is absent: its parent is
    listed without it (key_reads' proof)."""
    out = []
    for probe in remoting_info.probes():
        out.append(marker(probe.name))
        out.append(answers.get(probe.name, ""))
        if marker(f"{probe.name}.absent") in probe.command and not answers.get(probe.name):
            out.append(marker(f"{probe.name}.absent"))  # schtasks listed the tasks: this one is not there
        if marker(f"{probe.name}.ok") not in probe.command:
            continue
        if answers.get(probe.name) or ">nul" in probe.command:
            out.append(marker(f"{probe.name}.ok"))
        elif marker(f"{probe.name}.read1") in probe.command:
            out += [marker(f"{probe.name}.list1"), marker(f"{probe.name}.read1")]
    return "\r\n".join(out)


LISTENER = (
    '<cfg:Listener xmlns:cfg="http://schemas.microsoft.com/wbem/wsman/1/config/listener"><cfg:Address>*</cfg:Address>'
    "<cfg:Transport>HTTP</cfg:Transport><cfg:Port>5985</cfg:Port><cfg:Enabled>true</cfg:Enabled></cfg:Listener>"
)
RULE = "v2.20|Action=Allow|Active=TRUE|Dir=In|Protocol=6|Profile=Domain|Profile=Private|LPort=5985|"


def answers_2012r2() -> dict[str, str]:
    local_index = remoting_info.OBSERVED_RULES.index("WINRM-HTTP-In-TCP")
    return {
        "os": reg(
            r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion",
            ("ProductName", "REG_SZ", "Windows Server 2012 R2 Standard"),
            ("CurrentVersion", "REG_SZ", "6.3"),
            ("CurrentBuildNumber", "REG_SZ", "9600"),
            ("InstallationType", "REG_SZ", "Server"),
        ),
        "product": reg(r"HKLM\SYSTEM\CurrentControlSet\Control\ProductOptions", ("ProductType", "REG_SZ", "ServerNT")),
        "svc.qc": "SERVICE_NAME: WinRM\r\n        START_TYPE         : 2   AUTO_START\r\n",
        "svc.query": "SERVICE_NAME: WinRM\r\n        STATE              : 4  RUNNING\r\n",
        "listeners": LISTENER,
        "ps3": reg(r"HKLM\SOFTWARE\Microsoft\PowerShell\3\PowerShellEngine", ("PowerShellVersion", "REG_SZ", "4.0")),
        "dotnet": reg(r"HKLM\SOFTWARE\Microsoft\NET Framework Setup\NDP\v4\Full", ("Release", "REG_DWORD", "0x5c733")),
        f"fw.local.{local_index}": reg(firewall.LOCAL_STORE, ("WINRM-HTTP-In-TCP", "REG_SZ", RULE)),
    }


def observe(answers: dict[str, str]) -> remoting_info.RemotingState:
    """The batch answers, plus the listeners as the WS-Enumeration of winrm/config/listener gives them."""
    probes = remoting_info.probes()
    listeners = winrm_config.parse_listeners(answers.get("listeners", ""))
    result = batch.BatchResult(batch.split_sections(host_output(answers)), "", 0)
    return remoting_info.interpret(result, probes, None, listeners)


def test_command_line_fits_cmd_exe() -> None:
    line = batch.command_line(remoting_info.probes())
    assert len(line) < batch.MAX_COMMAND_LINE
    assert all(f"echo {marker(probe.name)} & " in line for probe in remoting_info.probes())


def test_2012r2_with_stock_wmf_is_not_accessible() -> None:
    state = observe(answers_2012r2())
    facts = state.to_dict()
    assert facts["os"]["release"] == "2012 R2"
    assert facts["os"]["version"] == "6.3.9600"
    assert facts["sm_remoting_enabled"] is True
    assert facts["dotnet_version"] == "4.5.1"
    assert facts["manageability"] == "Not accessible"
    assert any("WMF 5.0" in r for r in facts["manageability_reasons"])
    assert facts["firewall_rules"]["ComPlusNetworkAccess-DCOM-In"] == {"present": False}
    assert facts["winrm_policy"]["state"] == "not_configured"


def test_sm_remoting_needs_the_firewall_rule() -> None:
    answers = answers_2012r2()
    answers = {k: v.replace("Active=TRUE", "Active=FALSE") for k, v in answers.items()}
    assert observe(answers).sm_remoting_enabled is False


def test_gpo_rule_and_policy() -> None:
    answers = answers_2012r2()
    gpo_index = remoting_info.OBSERVED_RULES.index("WINRM-HTTP-In-TCP")
    answers[f"fw.gpo.{gpo_index}"] = reg(firewall.GPO_STORE, ("WINRM-HTTP-In-TCP", "REG_SZ", RULE))
    answers["policy"] = reg(
        remoting_info.WINRM_POLICY_KEY,
        ("AllowAutoConfig", "REG_DWORD", "0x1"),
        ("IPv4Filter", "REG_SZ", "*"),
        ("IPv6Filter", "REG_SZ", ""),
    )
    answers["latfp"] = reg(remoting_info.SYSTEM_POLICIES_KEY, ("LocalAccountTokenFilterPolicy", "REG_DWORD", "0x1"))
    facts = observe(answers).to_dict()
    assert facts["firewall_rules"]["WINRM-HTTP-In-TCP"]["gpo_owned"] is True
    assert facts["winrm_policy"] == {
        "state": "enabled",
        "allow_auto_config": True,
        "ipv4_filter": "*",
        "ipv6_filter": "",
    }
    assert facts["local_account_token_filter_policy"] is True


def test_lost_output_is_a_data_retrieval_failure() -> None:
    answers = answers_2012r2()
    answers["ps3"] = reg(
        r"HKLM\SOFTWARE\Microsoft\PowerShell\3\PowerShellEngine", ("PowerShellVersion", "REG_SZ", "5.1")
    )
    answers["dotnet"] = answers["dotnet"].replace("0x5c733", "0x70bf6")
    full = host_output(answers)
    truncated = full[: full.index(f"{batch.MARKER_PREFIX}fw.gpo.0")]
    probes = remoting_info.probes()
    state = remoting_info.interpret(batch.BatchResult(batch.split_sections(truncated), "", 0), probes)
    assert state.verdict().status == "Online - Data retrieval failures occurred"
    assert observe(answers).verdict().status == "Online"


def test_unknown_profile_words_on_the_host_are_reported_not_fatal() -> None:
    """A rule stored with ``Profile=Work`` (any word Windows or another tool may write) is kept and reported."""
    answers = answers_2012r2()
    index = remoting_info.OBSERVED_RULES.index("WINRM-HTTP-In-TCP")
    odd = RULE.replace("Profile=Private", "Profile=Work")
    answers[f"fw.local.{index}"] = reg(firewall.LOCAL_STORE, ("WINRM-HTTP-In-TCP", "REG_SZ", odd))
    facts = observe(answers).to_dict()
    rule = facts["firewall_rules"]["WINRM-HTTP-In-TCP"]
    assert rule["profiles"] == ["Domain"] and rule["unknown_profiles"] == ["Work"]
    assert facts["sm_remoting_enabled"] is True


def test_odd_host_values_never_crash_the_observation() -> None:
    """Digits that are not ASCII, a filter stored as a DWORD or a list, a port that is no number: kept or ignored."""
    answers = answers_2012r2()
    answers["os"] = answers["os"].replace("9600", "９６００²")
    answers["listeners"] = LISTENER.replace("<cfg:Port>5985<", "<cfg:Port>²<")
    answers["policy"] = reg(
        remoting_info.WINRM_POLICY_KEY,
        ("AllowAutoConfig", "REG_SZ", "yes"),
        ("IPv4Filter", "REG_DWORD", "0x1"),
        ("IPv6Filter", "REG_MULTI_SZ", "fe80::1\\0::1"),
    )
    facts = observe(answers).to_dict()
    assert facts["os"]["build"] == 0 and facts["listeners"][0]["port"] is None
    assert facts["winrm_policy"]["ipv4_filter"] == "1" and facts["winrm_policy"]["ipv6_filter"] == "fe80::1,::1"


def test_an_empty_service_section_is_unread_not_a_missing_service() -> None:
    """sc prints a line even for a missing service: an empty section means the tool gave nothing, and no plan may
    take WinRM for absent."""
    answers = answers_2012r2()
    answers["svc.qc"] = ""
    state = observe(answers)
    assert state.unread == ("svc.qc",) and state.unread_reasons == ("svc.qc could not be read: no output",)
    with pytest.raises(WinRemoteError, match=r"^cannot plan: svc.qc could not be read: no output$"):
        state.require_read("plan")
