from __future__ import annotations

from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import services

QC = (
    "[SC] QueryServiceConfig SUCCESS\r\n\r\nSERVICE_NAME: WinRM\r\n"
    "        TYPE               : 20  WIN32_SHARE_PROCESS\r\n"
    "        START_TYPE         : 2   AUTO_START  (DELAYED)\r\n"
)
QUERY = (
    "\r\nSERVICE_NAME: WinRM\r\n"
    "        TYPE               : 20  WIN32_SHARE_PROCESS\r\n"
    "        STATE              : 4  RUNNING\r\n"
)


def test_parse_running_delayed_auto() -> None:
    status = services.parse("WinRM", QC, QUERY)
    assert (status.exists, status.start_mode, status.delayed_start, status.state) == (True, "auto", True, "running")


def test_parse_stopped_manual_by_code_not_word() -> None:
    qc = QC.replace("2   AUTO_START  (DELAYED)", "3   DEMARRAGE_A_LA_DEMANDE")
    query = QUERY.replace("4  RUNNING", "1  ARRETE")
    status = services.parse("WinRM", qc, query)
    assert (status.start_mode, status.delayed_start, status.state) == ("manual", False, "stopped")


def test_missing_service() -> None:
    status = services.parse("Nope", "[SC] OpenService FAILED 1060:", "")
    assert not status.exists
