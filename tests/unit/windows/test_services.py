# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""sc.exe's output parsed into a service's state: English and pt-BR output from the simulator's sc.exe (run
in-process), and published pt-BR captures."""

from __future__ import annotations

import pytest

from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import services
from ansible_collections.winremote.remoting.tests.unit.simulated import run_line
from winsim import HostState, locales, ops


def host(locale: str = "en-US") -> HostState:
    state = HostState.from_profile("2019", hostname="SIM2019")  # WinRM: delayed automatic start, running
    locales.apply(state, locale)
    return state


def sc_output(state: HostState, name: str = "WinRM") -> tuple[str, str]:
    """What `sc qc` and `sc query` print for the service on the simulated host (run through its cmd.exe)."""
    qc_line, query_line = services.query_commands(name)
    return run_line(state, qc_line), run_line(state, query_line)


QC, QUERY = sc_output(host())
# pt-BR sc.exe, as published in https://github.com/mym0us3r/Unified-Sysmon-Configs (README, "sc query sysmon"):
# translated labels, the code and its English constant unchanged
PT_BR_QUERY = (
    "\r\nNOME_DO_SERVIÇO: WinRM\r\n"
    "        TIPO                       : 20  WIN32_SHARE_PROCESS\r\n"
    "        ESTADO                     : 4  RUNNING\r\n"
    "                                (STOPPABLE, NOT_PAUSABLE, ACCEPTS_SHUTDOWN)\r\n"
    "        CÓDIGO_DE_SAÍDA_DO_WIN32   : 0  (0x0)\r\n"
    "        CÓDIGO_DE_SAÍDA_DO_SERVIÇO : 0  (0x0)\r\n"
    "        PONTO_DE_VERIFICAÇÃO       : 0x0\r\n"
    "        AGUARDAR_DICA              : 0x0\r\n"
)
PT_BR_QC = (
    "[SC] QueryServiceConfig ÊXITO\r\n\r\nNOME_DO_SERVIÇO: WinRM\r\n"
    "        TIPO                       : 20  WIN32_SHARE_PROCESS\r\n"
    "        TIPO_DE_INÍCIO             : 2   AUTO_START  (DELAYED)\r\n"
    "        CONTROLE_DE_ERRO           : 1   NORMAL\r\n"
)


def test_parse_running_delayed_auto() -> None:
    status = services.parse("WinRM", QC, QUERY)
    assert (status.exists, status.start_mode, status.delayed_start, status.state) == (True, "auto", True, "running")


def test_parse_translated_labels() -> None:
    status = services.parse("WinRM", PT_BR_QC, PT_BR_QUERY)
    assert (status.exists, status.start_mode, status.delayed_start, status.state) == (True, "auto", True, "running")


@pytest.mark.parametrize("codec", ["cp850", "cp437", "cp1252"])
def test_parse_labels_decoded_in_the_wrong_code_page(codec: str) -> None:
    """OEM-encoded accents read as UTF-8 (or the other way round) garble the labels, never the values."""
    qc = PT_BR_QC.encode(codec, errors="replace").decode("utf-8", errors="replace")
    query = PT_BR_QUERY.encode(codec, errors="replace").decode("utf-8", errors="replace")
    status = services.parse("WinRM", qc, query)
    assert (status.start_mode, status.delayed_start, status.state) == ("auto", True, "running")


def test_parse_stopped_manual() -> None:
    state = host("pt-BR")
    ops.stop_service(state, "WinRM")
    ops.set_start_mode(state, "WinRM", "Manual", delayed=False)
    qc, query = sc_output(state)
    status = services.parse("WinRM", qc, query)
    assert (status.start_mode, status.delayed_start, status.state) == ("manual", False, "stopped")


def test_type_and_error_control_are_not_taken_for_a_value() -> None:
    """TYPE 20 / ERROR_CONTROL 1 NORMAL surround the values: a code counts only with its own constant."""
    qc = QC.replace("2   AUTO_START  (DELAYED)", "2   SOMETHING_ELSE")
    query = QUERY.replace("4  RUNNING", "4  SOMETHING_ELSE")
    with pytest.raises(services.ServiceReadError):
        services.parse("WinRM", qc, query)
    status = services.parse("WinRM", qc, QUERY)
    assert (status.exists, status.start_mode, status.state) == (True, None, "running")


def test_missing_service() -> None:
    status = services.parse("Nope", *sc_output(host(), "Nope"))
    assert not status.exists


def test_missing_service_translated() -> None:
    """ASSUMPTION (UNVERIFIED): the translated failure line keeps '[SC]' and the error number."""
    status = services.parse("Nope", *sc_output(host("pt-BR"), "Nope"))
    assert not status.exists


@pytest.mark.parametrize(
    ("qc", "query"),
    [("", ""), ("[SC] OpenService FAILED 5:\r\n\r\nAccess is denied.", "[SC] OpenService FAILED 5:")],
)
def test_unreadable_output_is_not_a_missing_service(qc: str, query: str) -> None:
    with pytest.raises(services.ServiceReadError, match="the WinRM service could not be read: 'sc qc"):
        services.parse("WinRM", qc, query)
