# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.winremote.remoting.plugins.plugin_utils import manageability as m
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures import remoting_info
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import services
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows.os_info import OsInfo, release_for
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows.software import Software, dotnet_version


def os_of(version: str) -> OsInfo:
    build = int(version.rsplit(".", 1)[-1])
    return OsInfo("Windows Server", version, build, "server", "Server", release_for(build, "server"))


def sw(ps: str | None, release: int | None, *hotfixes: str) -> Software:
    return Software(ps, release, dotnet_version(release), tuple(hotfixes))


@pytest.mark.parametrize(
    ("version", "software", "status"),
    [
        ("10.0.17763", sw("5.1", 461814), m.ONLINE),
        ("10.0.14393", sw("5.1", None), m.ONLINE),
        ("6.3.9600", sw("4.0", 378675), m.NOT_ACCESSIBLE),
        ("6.3.9600", sw("5.1", 393297), m.ONLINE),
        ("6.2.9200", sw("5.0", 379893), m.NOT_ACCESSIBLE),
        ("6.1.7601", sw("2.0", None), m.NOT_ACCESSIBLE),
        ("6.1.7601", sw("4.0", 378389, "KB2682011"), m.ONLINE),
        # KB2682011 lets Server Manager collect performance data: without it the server is managed, without counters
        ("6.1.7601", sw("5.1", 461808), m.PERFORMANCE_COUNTERS_NOT_STARTED),
        ("6.1.7601", sw("4.0", 378389), m.PERFORMANCE_COUNTERS_NOT_STARTED),
        ("6.0.6002", sw("2.0", None), m.NOT_ACCESSIBLE_WMF3),
        ("6.0.6002", sw("2.0", 0, "KB2682011"), m.NOT_ACCESSIBLE_WMF3),
        ("6.0.6002", sw("3.0", 0, "KB2682011"), m.ONLINE),
        ("6.0.6002", sw("3.0", 0), m.PERFORMANCE_COUNTERS_NOT_STARTED),
        ("6.0.6002", sw("3.0", None, "KB2682011"), m.NOT_ACCESSIBLE),
        ("6.2.9200", sw("5.1", 461808), m.ONLINE),  # 2012 and 2012 R2 no longer need the update
    ],
)
def test_prerequisites_decide_status(version: str, software: Software, status: str) -> None:
    verdict = m.assess(os_of(version), software)
    assert verdict.status == status
    assert bool(verdict.reasons) == (status != m.ONLINE)
    assert verdict.manageable == (status in (m.ONLINE, m.PERFORMANCE_COUNTERS_NOT_STARTED))


def test_reasons_name_what_is_missing() -> None:
    reasons = m.assess(os_of("6.1.7601"), sw("2.0", None)).reasons
    assert any(".NET Framework 4.5" in r for r in reasons)
    assert any("WMF 4.0" in r and "PowerShell 2.0" in r for r in reasons)
    assert any("KB2682011" in r and "performance data" in r for r in reasons)
    assert all("Windows Server 2008 R2" in r for r in reasons)


def test_missing_performance_update_is_missing_performance_data_only() -> None:
    verdict = m.assess(os_of("6.1.7601"), sw("5.1", 461808))
    assert verdict.reasons == (
        "Windows Server 2008 R2 needs the performance update KB2682011 before Server Manager can collect its "
        "performance data (it is managed without it)",
    )
    assert m.missing_prerequisites(os_of("6.1.7601"), sw("5.1", 461808)) == []


def test_statuses_are_server_managers_words() -> None:
    """The strings Server Manager shows (Microsoft's Server Manager documentation), character for character."""
    assert {
        m.ONLINE,
        m.PERFORMANCE_COUNTERS_NOT_STARTED,
        m.ACCESS_DENIED,
        m.DATA_RETRIEVAL_FAILURES,
        m.NOT_ACCESSIBLE,
        m.NOT_ACCESSIBLE_WMF3,
        m.CREDENTIALS_NOT_VALID,
        m.KERBEROS_TARGET_RESOLUTION,
        m.KERBEROS_AUTHENTICATION,
    } == {
        "Online",
        "Online - Performance counters not started",
        "Online - Access denied",
        "Online - Data retrieval failures occurred",
        "Not accessible",
        "Not accessible - Verify earlier versions run Windows Management Framework 3.0",
        "Credentials not valid",
        "Kerberos target resolution error",
        "Kerberos authentication error",
    }


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        ("host_unreachable", m.NOT_ACCESSIBLE),
        ("connection_lost", m.NOT_ACCESSIBLE),
        ("timeout", m.NOT_ACCESSIBLE),
        ("tls", m.NOT_ACCESSIBLE),
        ("authentication_failed", m.CREDENTIALS_NOT_VALID),  # a wrong password and a UAC-filtered local admin alike
        ("kerberos_target", m.KERBEROS_TARGET_RESOLUTION),
        ("kerberos_authentication", m.KERBEROS_AUTHENTICATION),
        ("access_denied", m.ACCESS_DENIED),
        ("wsman_fault", m.DATA_RETRIEVAL_FAILURES),
        ("something_else", m.DATA_RETRIEVAL_FAILURES),
    ],
)
def test_error_kinds(kind: str, status: str) -> None:
    verdict = m.for_error(kind, "the message")
    assert verdict.status == status and verdict.reasons == ("the message",)
    assert not verdict.manageable


def test_error_classes_map_to_their_status() -> None:
    """The kinds the wire errors carry are the keys of the table (a renamed kind would silently fall through)."""
    from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import errors

    assert errors.KerberosTargetError("x").kind in m.ERROR_STATUS
    assert errors.KerberosAuthenticationError("x").kind in m.ERROR_STATUS
    assert errors.AuthenticationFailedError("x").kind in m.ERROR_STATUS
    assert errors.AccessDeniedError("x").kind in m.ERROR_STATUS


def remoting_state(software: Software, unread: tuple[str, ...]) -> remoting_info.RemotingState:
    return remoting_info.RemotingState(
        os=os_of("6.1.7601"),
        winrm_service=services.ServiceStatus("WinRM", True, "auto", True, "running"),
        listeners=(),
        service_config=None,
        winrm_policy=remoting_info.PolicyValues(False, None, None, None),
        local_account_token_filter_policy=None,
        firewall_rules={},
        software=software,
        unread=unread,
    )


@pytest.mark.parametrize(
    ("software", "unread", "status"),
    [
        (sw("5.1", 461808), (), m.PERFORMANCE_COUNTERS_NOT_STARTED),
        (sw("5.1", 461808), ("fw.WINRM-HTTP-In-TCP",), m.DATA_RETRIEVAL_FAILURES),  # a managed host, partly read
        (sw("5.1", 461808, "KB2682011"), ("fw.WINRM-HTTP-In-TCP",), m.DATA_RETRIEVAL_FAILURES),
        (sw("2.0", None), ("fw.WINRM-HTTP-In-TCP",), m.NOT_ACCESSIBLE),  # what is missing is known anyway
    ],
)
def test_remoting_info_verdict_with_unread_parts(software: Software, unread: tuple[str, ...], status: str) -> None:
    state = remoting_state(software, unread)
    assert state.verdict().status == status
