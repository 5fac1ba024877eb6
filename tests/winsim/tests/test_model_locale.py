# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A host in another display language: sc's labels translated, its values not, console output in the shell's code
page (winsim.locales cites the sources)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import services
from winsim import Fleet, locales, rules
from winsim.state import HostState

SHELL_URI = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd"
SHELL_NS = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"


def raw_run(client: Any, line: str, codepage: str) -> tuple[bytes, int]:
    """`cmd.exe /c <line>` in a shell created with WINRS_CODEPAGE ``codepage``: the stdout bytes and exit code."""
    created = client.call(
        "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create",
        SHELL_URI,
        "<rsp:Shell><rsp:InputStreams>stdin</rsp:InputStreams>"
        "<rsp:OutputStreams>stdout stderr</rsp:OutputStreams></rsp:Shell>",
        options={"WINRS_CODEPAGE": codepage},
    )
    shell_id = created.findtext(".//rsp:ShellId", namespaces=client.NS) or ""
    response = client.call(
        SHELL_NS + "/Command",
        SHELL_URI,
        f"<rsp:CommandLine><rsp:Command>cmd.exe</rsp:Command><rsp:Arguments>/c {line}</rsp:Arguments>"
        "</rsp:CommandLine>",
        {"ShellId": shell_id},
    )
    command_id = response.findtext(".//rsp:CommandId", namespaces=client.NS) or ""
    received = client.call(
        SHELL_NS + "/Receive",
        SHELL_URI,
        f'<rsp:Receive><rsp:DesiredStream CommandId="{command_id}">stdout stderr</rsp:DesiredStream></rsp:Receive>',
        {"ShellId": shell_id},
    )
    stdout = b"".join(
        base64.b64decode(s.text or "") for s in received.iter(f"{{{SHELL_NS}}}Stream") if s.get("Name") == "stdout"
    )
    return stdout, int(received.findtext(".//rsp:ExitCode", namespaces=client.NS) or "-1")


@pytest.fixture
def pt_br(model_client: Any) -> Any:
    locales.apply(model_client.state, "pt-BR")
    return model_client


def test_sc_query_labels_are_translated_values_are_not(pt_br: Any) -> None:
    raw, code = raw_run(pt_br, "sc query WinRM", "65001")
    out = raw.decode("utf-8")
    assert code == 0
    assert "NOME_DO_SERVIÇO: WinRM\r\n" in out
    assert "        ESTADO                     : 4  RUNNING \r\n" in out
    assert "        CÓDIGO_DE_SAÍDA_DO_SERVIÇO : 0  (0x0)\r\n" in out
    assert "SERVICE_NAME" not in out and "STATE " not in out


def test_sc_output_arrives_in_the_oem_code_page(pt_br: Any) -> None:
    raw, _code = raw_run(pt_br, "sc qc WinRM", "850")
    assert "NOME_DO_SERVIÇO".encode("cp850") in raw
    assert "NOME_DO_SERVIÇO".encode() not in raw
    assert locales.oem_codepage("pt-BR") == "850" and locales.oem_codepage("en-US") == "437"


@pytest.mark.parametrize("codepage", ["65001", "850"])
def test_the_collection_reads_the_translated_service_status(pt_br: Any, codepage: str) -> None:
    """The collection's parser on the simulated pt-BR output, decoded as UTF-8 whatever the code page."""
    qc_line, query_line = services.query_commands("WinRM")
    qc = raw_run(pt_br, qc_line, codepage)[0].decode("utf-8", errors="replace")
    query = raw_run(pt_br, query_line, codepage)[0].decode("utf-8", errors="replace")
    status = services.parse("WinRM", qc, query)
    assert (status.exists, status.start_mode, status.delayed_start, status.state) == (True, "auto", True, "running")
    rules.stop_winrm(pt_br.state)
    pt_br.state.set_service_start_mode("WinRM", "Manual")
    qc = raw_run(pt_br, qc_line, codepage)[0].decode("utf-8", errors="replace")
    query = raw_run(pt_br, query_line, codepage)[0].decode("utf-8", errors="replace")
    status = services.parse("WinRM", qc, query)
    assert (status.start_mode, status.delayed_start, status.state) == ("manual", False, "stopped")
    missing = raw_run(pt_br, "sc query NoSuch", codepage)
    assert missing[1] == 1060
    assert not services.parse("NoSuch", "", missing[0].decode("utf-8", errors="replace")).exists


def test_locale_survives_a_saved_state_and_unknown_ones_are_refused(tmp_path: Path) -> None:
    state = HostState.from_profile("2019", hostname="SIMHOST")
    locales.apply(state, "pt-BR")
    assert HostState.from_json(state.to_json()).locale == "pt-BR"
    with pytest.raises(ValueError, match="unknown locale 'xx-YY'"):
        locales.get("xx-YY")
    fleet = Fleet.create(2, ["2019", "2016"], tmp_path, locales={"sim-2019-01": "pt-br"})
    assert fleet.hosts["sim-2019-01"].state.locale == "pt-BR" and fleet.hosts["sim-2016-02"].state.locale == "en-US"
    with pytest.raises(ValueError, match="no host named sim-2022-09"):
        Fleet.create(1, ["2019"], tmp_path, locales={"sim-2022-09": "pt-BR"})


def test_cli_locale_option() -> None:
    from winsim import cli

    assert cli.host_locales(["sim-2019-01=pt-BR", " sim-2016-02 = en-US "]) == {
        "sim-2019-01": "pt-BR",
        "sim-2016-02": "en-US",
    }
    with pytest.raises(ValueError, match="--locale 'pt-BR': expected HOST=LOCALE"):
        cli.host_locales(["pt-BR"])
    args = cli.build_parser().parse_args(
        ["serve", "--inventory", "i.yml", "--state-dir", "s", "--locale", "sim-2019-01=pt-BR"]
    )
    assert args.locale == ["sim-2019-01=pt-BR"]
