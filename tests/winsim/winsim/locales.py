# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Display languages of simulated hosts: the console (OEM) code page and sc.exe's translated labels.

Console tools print in the console's code page: the OEM code page of the system locale unless the WinRS shell asks
for another (WINRS_CODEPAGE, MS-WSMV 2.2.4.37) — 437 for en-US, 850 for pt-BR (Microsoft's code page table,
https://learn.microsoft.com/windows/win32/intl/code-page-identifiers; the OEM page per locale:
https://learn.microsoft.com/windows/win32/intl/locale-idefault-constants, LOCALE_IDEFAULTCODEPAGE).

sc.exe translates its labels and keeps each value's code and English constant; pt-BR ``sc query`` as published in
https://github.com/mym0us3r/Unified-Sysmon-Configs (README, "sc query sysmon"):
``NOME_DO_SERVIÇO``, ``TIPO``, ``ESTADO``, ``CÓDIGO_DE_SAÍDA_DO_WIN32``, ``CÓDIGO_DE_SAÍDA_DO_SERVIÇO``,
``PONTO_DE_VERIFICAÇÃO``, ``AGUARDAR_DICA``, values aligned after the longest label.
"""

from __future__ import annotations

import dataclasses
import typing

if typing.TYPE_CHECKING:
    from winsim.state import HostState


@dataclasses.dataclass(frozen=True)
class Locale:
    name: str
    oem_codepage: str
    sc_labels: dict[str, str]
    sc_width: int  # labels are padded to this many characters before " : "
    reg_not_found: str = "ERROR: The system was unable to find the specified registry key or value.\r\n"
    reg_access_denied: str = "ERROR: Access is denied.\r\n"


EN_US = Locale(
    "en-US",
    "437",
    {
        "service_name": "SERVICE_NAME",
        "type": "TYPE",
        "state": "STATE",
        "win32_exit_code": "WIN32_EXIT_CODE",
        "service_exit_code": "SERVICE_EXIT_CODE",
        "checkpoint": "CHECKPOINT",
        "wait_hint": "WAIT_HINT",
        "pid": "PID",
        "flags": "FLAGS",
        "start_type": "START_TYPE",
        "error_control": "ERROR_CONTROL",
        "binary_path_name": "BINARY_PATH_NAME",
        "load_order_group": "LOAD_ORDER_GROUP",
        "tag": "TAG",
        "display_name": "DISPLAY_NAME",
        "dependencies": "DEPENDENCIES",
        "service_start_name": "SERVICE_START_NAME",
        "success": "SUCCESS",
        "failed": "FAILED",
        "1060": "The specified service does not exist as an installed service.",
        "1062": "The service has not been started.",
        "1056": "An instance of the service is already running.",
        "1058": "The service cannot be started, either because it is disabled or because it has no enabled devices "
        "associated with it.",
    },
    18,
)
# The sc query labels are the published capture above. ASSUMPTION (UNVERIFIED): the sc qc labels, PID/FLAGS, the
# words replacing SUCCESS/FAILED and the error texts (plausible translations; the codes and constants stay English).
PT_BR = Locale(
    "pt-BR",
    "850",
    {
        "service_name": "NOME_DO_SERVIÇO",
        "type": "TIPO",
        "state": "ESTADO",
        "win32_exit_code": "CÓDIGO_DE_SAÍDA_DO_WIN32",
        "service_exit_code": "CÓDIGO_DE_SAÍDA_DO_SERVIÇO",
        "checkpoint": "PONTO_DE_VERIFICAÇÃO",
        "wait_hint": "AGUARDAR_DICA",
        "pid": "PID",
        "flags": "SINALIZADORES",
        "start_type": "TIPO_DE_INÍCIO",
        "error_control": "CONTROLE_DE_ERRO",
        "binary_path_name": "NOME_DO_CAMINHO_BINÁRIO",
        "load_order_group": "GRUPO_DE_ORDEM_DE_CARREGAMENTO",
        "tag": "MARCA",
        "display_name": "NOME_DE_EXIBIÇÃO",
        "dependencies": "DEPENDÊNCIAS",
        "service_start_name": "NOME_DE_INÍCIO_DO_SERVIÇO",
        "success": "ÊXITO",
        "failed": "FALHA",
        "1060": "O serviço especificado não existe como serviço instalado.",
        "1062": "O serviço não foi iniciado.",
        "1056": "Uma instância do serviço já está em execução.",
        "1058": "O serviço não pode ser iniciado, porque está desabilitado ou porque não tem dispositivos "
        "habilitados associados a ele.",
    },
    26,
    # ASSUMPTION (UNVERIFIED): reg.exe's two errors in Portuguese (plausible wording; the exit code is 1 for both,
    # as in English). The collection never parses them.
    reg_not_found="ERRO: O sistema não pôde localizar a chave ou o valor do Registro especificado.\r\n",
    reg_access_denied="ERRO: Acesso negado.\r\n",
)
LOCALES = {locale.name.lower(): locale for locale in (EN_US, PT_BR)}


def get(name: str) -> Locale:
    """The locale named ``name`` (case-insensitive); ValueError naming the known ones otherwise."""
    found = LOCALES.get(name.lower())
    if found is None:
        raise ValueError(f"unknown locale {name!r}: one of {', '.join(x.name for x in LOCALES.values())}")
    return found


def oem_codepage(name: str) -> str:
    """The console code page of a WinRS shell that asks for none."""
    return get(name).oem_codepage


NLS_CODE_PAGE = r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\Nls\CodePage"


def apply(state: HostState, name: str) -> None:
    """Give a host a display language: what console tools print, and the OEM code page Windows records for it
    (``OEMCP`` under ``Nls\\CodePage``, a REG_SZ; ``ACP`` is the ANSI page, 1252 for both languages modelled)."""
    locale = get(name)
    state.locale = locale.name
    state.registry.set_value(NLS_CODE_PAGE, "OEMCP", "REG_SZ", locale.oem_codepage)
    state.registry.set_value(NLS_CODE_PAGE, "ACP", "REG_SZ", "1252")
