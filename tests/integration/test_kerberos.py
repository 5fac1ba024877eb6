# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Kerberos end to end: the controller (pypsrp / pyspnego over gssapi, pywinrm over pykerberos, ansible-playbook)
against simulated domain members of the throw-away Samba domain (``samba_domain``), reached by address with the
host's FQDN as the Kerberos target (``negotiate_hostname_override``)."""

from __future__ import annotations

import itertools
import os
import typing as t
from pathlib import Path

import pytest
import requests
import winrm
from simhosts import (
    JSON_RESULTS,
    REPO,
    HostFactory,
    add_https_listener,
    recap,
    run_playbook,
    task_results,
    write_inventory,
)

from ansible_collections.winremote.remoting.plugins.plugin_utils import manageability
from ansible_collections.winremote.remoting.plugins.plugin_utils.connection import ConnectionConfig
from ansible_collections.winremote.remoting.plugins.plugin_utils.errors import WinRemoteError
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures import remoting_info
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.client import WSManClient
from winsim import HostState, SimulatedHost, kerberos
from winsim.domain import Domain

AUDIT = REPO / "playbooks" / "audit.yml"
ENABLE = REPO / "playbooks" / "enable_remote_management.yml"
SERVICE = "http://schemas.microsoft.com/wbem/wsman/1/config/service"
_NAMES = itertools.count(1)


@pytest.fixture
def krb5_env(samba_domain: Domain, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The domain's krb5.conf and a ticket cache in its scratch dir, for this process and its children."""
    env = {"KRB5_CONFIG": str(samba_domain.krb5_conf), "KRB5CCNAME": f"FILE:{samba_domain.scratch / 'test.ccache'}"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


def unique_name(profile: str) -> str:
    """A computer name no other test of the session joined (the domain lives for the whole session)."""
    return f"K{profile.upper()}{next(_NAMES)}"[:15]


def member(start_host: HostFactory, samba_domain: Domain, profile: str = "2019", join: bool = True) -> SimulatedHost:
    """A started host of ``profile`` with a unique name; a domain member unless ``join`` is false."""
    name = unique_name(profile)

    def rename(state: HostState) -> None:
        state.hostname = name

    host = start_host(profile, configure=rename)
    if join:
        kerberos.join(host, samba_domain)
    return host


def fqdn(host: SimulatedHost, samba_domain: Domain) -> str:
    return f"{host.hostname.lower()}.{samba_domain.realm.lower()}"


def config(host: SimulatedHost, samba_domain: Domain, user: str = "wradmin", **overrides: t.Any) -> ConnectionConfig:
    account = samba_domain.users[user]
    settings: dict[str, t.Any] = {
        "host": host.address,
        "port": 5985,
        "scheme": "http",
        "username": account.principal,
        "password": account.password,
        "auth": "kerberos",
        "negotiate_hostname_override": fqdn(host, samba_domain),
        "connection_timeout": 10,
    }
    settings.update(overrides)
    return ConnectionConfig(**settings)


def observe_error(cfg: ConnectionConfig) -> WinRemoteError:
    with WSManClient(cfg) as client, pytest.raises(WinRemoteError) as info:
        remoting_info.observe(client)
    return info.value


@pytest.mark.parametrize("auth", ["kerberos", "negotiate"])
@pytest.mark.parametrize("profile", ["2019", "2008r2"])
def test_observe_over_kerberos(
    start_host: HostFactory, samba_domain: Domain, krb5_env: dict[str, str], profile: str, auth: str
) -> None:
    host = member(start_host, samba_domain, profile)
    with WSManClient(config(host, samba_domain, auth=auth)) as client:
        state = remoting_info.observe(client)
    assert state.os.major_minor == ((10, 0) if profile == "2019" else (6, 1))
    assert state.winrm_service.state == "running"
    # the wire carried Kerberos (inside Negotiate for both: pypsrp uses the first scheme the 401 offers), sealed
    records = list(host.authentications)
    assert records and all(r.mechanism == "kerberos" for r in records), records
    assert {(r.scheme, r.user.lower(), r.domain) for r in records} == {("Negotiate", "wradmin", "WINREMOTE")}
    assert all(r.target.upper().endswith(f"/{host.hostname}@{samba_domain.realm}") for r in records)


@pytest.mark.parametrize("auth", ["kerberos", "negotiate"])
def test_kerberos_over_https_with_channel_binding(
    start_host: HostFactory, samba_domain: Domain, krb5_env: dict[str, str], auth: str
) -> None:
    """Over HTTPS the client binds the Kerberos context to the listener's certificate; the host checks it."""
    host = member(start_host, samba_domain)
    add_https_listener(host)
    host.apply_state()
    cfg = config(host, samba_domain, auth=auth, scheme="https", port=5986, ca_path=host.ca_path)
    with WSManClient(cfg) as client:
        client.get(SERVICE)
    assert [(r.scheme, r.mechanism) for r in host.authentications] == [("Negotiate", "kerberos")]


def test_kerberos_channel_binding_mismatch_is_refused(
    start_host: HostFactory, samba_domain: Domain, krb5_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A listener whose certificate is not the one the client saw (a TLS proxy in between) refuses the context."""
    host = member(start_host, samba_domain)
    add_https_listener(host)
    host.apply_state()
    monkeypatch.setattr(SimulatedHost, "cbt_hash", property(lambda self: b"\x00" * 32))
    err = observe_error(config(host, samba_domain, scheme="https", port=5986, ca_path=host.ca_path))
    assert err.kind == "authentication_failed", str(err)
    assert not host.authentications


def test_kerberos_scheme_when_negotiate_is_off(
    start_host: HostFactory, samba_domain: Domain, krb5_env: dict[str, str]
) -> None:
    host = member(start_host, samba_domain)
    with host.lock:
        host.state.winrm["Service"]["Auth"]["Negotiate"] = "false"  # type: ignore[index]
    with WSManClient(config(host, samba_domain)) as client:
        client.get(SERVICE)
    assert [(r.scheme, r.mechanism) for r in host.authentications] == [("Kerberos", "kerberos")]


def test_kerberos_off_is_not_offered(start_host: HostFactory, samba_domain: Domain, krb5_env: dict[str, str]) -> None:
    host = member(start_host, samba_domain)
    with host.lock:
        host.state.winrm["Service"]["Auth"]["Kerberos"] = "false"  # type: ignore[index]
    answer = requests.post(f"http://{host.address}:5985/wsman", data=b"", timeout=10)
    assert answer.status_code == 401
    assert answer.raw.headers.getlist("WWW-Authenticate") == ["Negotiate"]
    refused = requests.post(
        f"http://{host.address}:5985/wsman", data=b"", headers={"Authorization": "Kerberos YII="}, timeout=10
    )
    assert refused.status_code == 401 and not host.authentications


def test_ticket_for_another_member_is_refused(
    start_host: HostFactory, samba_domain: Domain, krb5_env: dict[str, str]
) -> None:
    """Every member's keys are in the process's one acceptor keytab; a host still accepts only its own tickets."""
    first, second = member(start_host, samba_domain), member(start_host, samba_domain)
    err = observe_error(config(second, samba_domain, negotiate_hostname_override=fqdn(first, samba_domain)))
    assert err.kind == "authentication_failed", str(err)
    assert not second.authentications and not first.authentications


def test_host_without_spn_is_a_target_resolution_error(
    start_host: HostFactory, samba_domain: Domain, krb5_env: dict[str, str]
) -> None:
    host = member(start_host, samba_domain, join=False)
    cfg = config(host, samba_domain)
    err = observe_error(cfg)
    verdict = manageability.for_error(err.kind, str(err))
    assert verdict.status == manageability.KERBEROS_TARGET_RESOLUTION, str(err)
    message = str(err)
    assert "\n" not in message and cfg.password not in message
    assert f"HTTP/{fqdn(host, samba_domain)}" in message and "negotiate_hostname_override" in message


def test_wrong_password_is_a_kerberos_authentication_error(
    start_host: HostFactory, samba_domain: Domain, krb5_env: dict[str, str]
) -> None:
    host = member(start_host, samba_domain)
    err = observe_error(config(host, samba_domain, password="Not-the-password-1"))
    verdict = manageability.for_error(err.kind, str(err))
    assert verdict.status == manageability.KERBEROS_AUTHENTICATION, str(err)
    assert "\n" not in str(err) and "wradmin@WINREMOTE.TEST" in str(err)
    assert host.request_count == 0


@pytest.mark.parametrize("auth", ["kerberos", "negotiate"])
def test_domain_user_who_is_no_admin_is_denied(
    start_host: HostFactory, samba_domain: Domain, krb5_env: dict[str, str], auth: str
) -> None:
    host = member(start_host, samba_domain)
    err = observe_error(config(host, samba_domain, user="wruser", auth=auth))
    assert manageability.for_error(err.kind, str(err)).status == manageability.ACCESS_DENIED, str(err)
    assert [(r.mechanism, r.user.lower()) for r in host.authentications] == [("kerberos", "wruser")]


def test_pywinrm_runs_a_command_over_kerberos(
    start_host: HostFactory, samba_domain: Domain, krb5_env: dict[str, str]
) -> None:
    """pywinrm's Kerberos transport (pykerberos) takes its ticket from the cache, as the winrm plugin's kinit does."""
    host = member(start_host, samba_domain)
    account = samba_domain.users["wradmin"]
    samba_domain.kinit(account.principal, account.password, Path(krb5_env["KRB5CCNAME"].removeprefix("FILE:")))
    session = winrm.Session(
        f"http://{host.address}:5985/wsman",
        auth=(account.principal, ""),
        transport="kerberos",
        kerberos_hostname_override=fqdn(host, samba_domain),
    )
    result = session.run_cmd("cmd", ["/c", "echo hello"])
    assert result.status_code == 0, result.std_err
    assert result.std_out.strip() == b"hello"
    assert {r.mechanism for r in host.authentications} == {"kerberos"}


@pytest.mark.parametrize("auth", ["kerberos", "negotiate"])
def test_audit_playbook_over_kerberos(
    start_host: HostFactory, samba_domain: Domain, krb5_env: dict[str, str], tmp_path: Path, auth: str
) -> None:
    hosts = {
        "krb-2019": member(start_host, samba_domain, "2019"),
        "krb-2008r2": member(start_host, samba_domain, "2008r2"),
    }
    account = samba_domain.users["wradmin"]
    inventory_hosts = {
        name: kerberos.inventory_vars(host, account.principal, account.password, auth) for name, host in hosts.items()
    }
    inventory = write_inventory(tmp_path / "inventory.yml", inventory_hosts)
    # no ticket cache: pyspnego gets the ticket from the user name and password itself, without kinit
    ccache = tmp_path / "playbook.ccache"
    result = run_playbook(AUDIT, inventory, "-vvvv", **{**krb5_env, "KRB5CCNAME": f"FILE:{ccache}"})
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert account.password not in output
    assert not ccache.exists()
    verbose = run_playbook(AUDIT, inventory, "-v", **JSON_RESULTS, **krb5_env)
    outcomes = task_results(verbose.stdout)[0]
    assert outcomes["krb-2019"]["manageability"] == "Online", outcomes["krb-2019"]
    assert outcomes["krb-2008r2"]["manageability"] == "Not accessible", outcomes["krb-2008r2"]
    for host in hosts.values():
        assert host.authentications and {r.mechanism for r in host.authentications} == {"kerberos"}


@pytest.mark.parametrize("auth", ["kerberos", "negotiate"])
def test_enable_remote_management_over_kerberos(
    start_host: HostFactory, samba_domain: Domain, krb5_env: dict[str, str], tmp_path: Path, auth: str
) -> None:
    """The role converges domain members of two OS generations over Kerberos with a domain admin, without the
    password in the most verbose output, and a rerun changes nothing."""

    hosts = {
        "krb-2019": member(start_host, samba_domain, "2019"),
        "krb-2008r2": member(start_host, samba_domain, "2008r2"),
    }
    account = samba_domain.users["wradmin"]
    inventory_hosts = {
        name: kerberos.inventory_vars(host, account.principal, account.password, auth) for name, host in hosts.items()
    }
    inventory = write_inventory(tmp_path / "inventory.yml", inventory_hosts)
    first = run_playbook(ENABLE, inventory, "-vvvv", **krb5_env)
    output = first.stdout + first.stderr
    assert first.returncode == 0, output
    assert account.password not in output
    assert {name: recap(first.stdout)[name]["failed"] for name in hosts} == {"krb-2019": 0, "krb-2008r2": 0}
    again = run_playbook(ENABLE, inventory, **krb5_env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert {name: recap(again.stdout)[name]["changed"] for name in hosts} == {"krb-2019": 0, "krb-2008r2": 0}
    for host in hosts.values():
        assert {r.mechanism for r in host.authentications} == {"kerberos"}


def test_without_gssapi_the_task_names_what_to_install(
    start_host: HostFactory, samba_domain: Domain, krb5_env: dict[str, str], tmp_path: Path
) -> None:
    """A controller without the Kerberos packages: one line naming them, before any byte reaches the host."""
    host = member(start_host, samba_domain)
    blocker = tmp_path / "no-gssapi" / "gssapi"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text('raise ImportError("gssapi is not installed (test)")\n', encoding="utf-8")
    account = samba_domain.users["wradmin"]
    inventory = write_inventory(
        tmp_path / "inventory.yml",
        {
            "krb": {
                "ansible_host": host.address,
                "ansible_connection": "psrp",
                "ansible_port": 5985,
                "ansible_psrp_protocol": "http",
                "ansible_psrp_auth": "kerberos",
                "ansible_user": account.principal,
                "ansible_password": account.password,
            }
        },
    )
    python_path = f"{blocker.parent}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"
    result = run_playbook(AUDIT, inventory, "-v", **JSON_RESULTS, **krb5_env, PYTHONPATH=python_path)
    message = task_results(result.stdout)[0]["krb"]["msg"]
    assert "\n" not in message and account.password not in result.stdout + result.stderr
    assert "connection.auth=kerberos needs the Python package gssapi" in message, message
    assert "pip install 'pypsrp[kerberos]'" in message and "libkrb5-dev and gcc" in message
    assert host.request_count == 0 and not host.authentications
