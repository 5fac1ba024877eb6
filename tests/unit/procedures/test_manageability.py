from __future__ import annotations

import pytest

from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures import manageability as m
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
        ("6.1.7601", sw("5.1", 461808), m.NOT_ACCESSIBLE),
        ("6.0.6002", sw("2.0", None), m.NOT_ACCESSIBLE_WMF3),
        ("6.0.6002", sw("3.0", 0, "KB2682011"), m.ONLINE),
        ("6.0.6002", sw("3.0", None, "KB2682011"), m.NOT_ACCESSIBLE),
    ],
)
def test_prerequisites_decide_status(version: str, software: Software, status: str) -> None:
    verdict = m.assess(os_of(version), software)
    assert verdict.status == status
    assert bool(verdict.reasons) == (status != m.ONLINE)


def test_reasons_name_what_is_missing() -> None:
    reasons = m.assess(os_of("6.1.7601"), sw("2.0", None)).reasons
    assert any(".NET Framework 4.5" in r for r in reasons)
    assert any("WMF 4.0" in r and "PowerShell 2.0" in r for r in reasons)
    assert any("KB2682011" in r for r in reasons)
    assert all("Windows Server 2008 R2" in r for r in reasons)


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        ("host_unreachable", m.NOT_ACCESSIBLE),
        ("authentication_failed", m.CREDENTIALS_NOT_VALID),
        ("access_denied", m.ACCESS_DENIED),
        ("something_else", m.DATA_RETRIEVAL_FAILURES),
    ],
)
def test_error_kinds(kind: str, status: str) -> None:
    verdict = m.for_error(kind, "the message")
    assert verdict.status == status and verdict.reasons == ("the message",)
