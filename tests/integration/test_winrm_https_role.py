# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The winrm_https role through real ansible-playbook runs on simulated 2008 R2, 2012 R2 and 2019 hosts: the HTTPS
listener with a certificate chosen from the machine store, the play connected over HTTPS with validation against
the test CA afterwards, idempotence, Basic over HTTPS for a local account (refused for the simulator's domain
account and for a Domain Admin of a host joined to the Samba domain), check mode, a CA that did not issue the
certificate, and the HTTP listener removed over HTTPS."""

from __future__ import annotations

import json
import typing as t
from pathlib import Path

import pytest
from pypsrp.exceptions import AuthenticationError
from pypsrp.wsman import WSMan
from simhosts import JSON_RESULTS, PASSWORD, HostFactory, recap, run_playbook, task_results, write_inventory

from winsim import SimulatedHost, certs, kerberos
from winsim.domain import Domain

PROFILES = ("2008r2", "2012r2", "2019")
CONFIG = "http://schemas.microsoft.com/wbem/wsman/1/config"
CA_SUBJECT = "winsim test CA"  # the issuer of every simulated host's certificate (winsim.certs.local_ca)

# The role, then tasks of the same play that show where the play's connection now goes, and Basic over HTTPS
# through the modules as a local and as a domain account.
PLAYBOOK = """
- name: WinRM over HTTPS
  hosts: windows
  gather_facts: false
  roles:
    - role: winremote.remoting.winrm_https
  tasks:
    - name: The rest of the play
      winremote.remoting.remoting_info:
      register: after

    - name: Basic over HTTPS as the local Administrator
      winremote.remoting.remoting_info:
        connection:
          auth: basic
          username: Administrator
      register: basic_local
      when: winrm_https_basic

    - name: Basic over HTTPS as a domain account
      winremote.remoting.remoting_info:
        connection:
          auth: basic
          username: "{{ domain_user }}"
          password: "{{ domain_password | default(omit) }}"
      register: basic_domain
      when: winrm_https_basic
      failed_when: false  # WinRM answers 401: asserted by the test

    - name: Report
      ansible.builtin.debug:
        msg:
          after: "{{ after.endpoint }}"
          basic_local: "{{ basic_local.manageability | default('') }}"
          basic_local_listeners: "{{ basic_local.listeners | default([]) | length }}"
          basic_domain: "{{ basic_domain.manageability | default('') }}"
"""

ROLE_ONLY = """
- name: WinRM over HTTPS
  hosts: windows
  gather_facts: false
  roles:
    - role: winremote.remoting.winrm_https
"""


def role_vars(host: SimulatedHost, **extra: t.Any) -> dict[str, t.Any]:
    """The host's own HTTP/NTLM connection, and the role's variables for its test-CA certificate."""
    return {
        **host.inventory_vars(),
        "winrm_https_hostname": host.hostname,
        "winrm_https_certificate": {"subject": host.hostname, "issuer": CA_SUBJECT},
        "winrm_https_ca_path": host.ca_path,
        "winrm_https_basic": True,
        "domain_user": "WINREMOTE\\ansible",  # the simulator's domain account of every host (winsim.accounts)
        **extra,
    }


def https_inventory(host: SimulatedHost, **extra: t.Any) -> dict[str, t.Any]:
    """The same host described as reaching it over HTTPS with validation (what a user sets after the role); the
    role then keeps the host's own CA (no winrm_https_ca_path)."""
    return {
        **role_vars(host, **extra),
        "winrm_https_ca_path": None,
        "ansible_port": 5986,
        "ansible_psrp_protocol": "https",
        "ansible_psrp_ca_cert": host.ca_path,
    }


def listeners(host: SimulatedHost) -> list[tuple[str, int, str]]:
    with host.lock:
        return sorted((x.transport, x.port, x.certificate_thumbprint) for x in host.state.listeners)


def snapshot(host: SimulatedHost) -> str:
    with host.lock:
        return json.dumps(host.state.to_json(), sort_keys=True)


def reports(stdout: str) -> dict[str, dict[str, t.Any]]:
    """Host -> the Report task's message."""
    found = {}
    for results in task_results(stdout):
        for name, result in results.items():
            if isinstance(result.get("msg"), dict) and "after" in result["msg"]:
                found[name] = result["msg"]
    return found


def basic_client(host: SimulatedHost, user: str) -> WSMan:
    return WSMan(
        host.address,
        username=user,
        password=PASSWORD,
        ssl=True,
        port=5986,
        auth="basic",
        cert_validation=host.ca_path,
        reconnection_retries=0,
    )


def test_converge_rerun_https_with_validation_and_basic_for_local_accounts(
    start_host: HostFactory, tmp_path: Path
) -> None:
    hosts = {f"sim-{profile}": start_host(profile) for profile in PROFILES}
    inventory = write_inventory(tmp_path / "inventory.yml", {name: role_vars(h) for name, h in hosts.items()})
    play = tmp_path / "https.yml"
    play.write_text(PLAYBOOK, encoding="utf-8")

    first = run_playbook(play, inventory, "-vvv", **JSON_RESULTS)
    assert first.returncode == 0, first.stdout[-4000:]
    assert PASSWORD not in first.stdout and PASSWORD not in first.stderr
    counters = recap(first.stdout)
    for name, host in hosts.items():
        assert counters[name]["changed"] >= 2, (name, counters[name])  # the listener and Basic
        https = [x for x in listeners(host) if x[0] == "HTTPS"]
        assert https == [("HTTPS", 5986, host.certificate.thumbprint)], listeners(host)
        assert ("HTTP", 5985) in {(x[0], x[1]) for x in listeners(host)}  # kept unless asked
        with host.lock:
            assert host.state.winrm["Service"]["Auth"]["Basic"] == "true"
            assert host.state.winrm["Service"]["AllowUnencrypted"] == "false"
    for name, report in reports(first.stdout).items():
        host = hosts[name]
        assert report["after"] == f"https://{host.address}:5986/wsman", report
        assert report["basic_local"] != "Credentials not valid" and int(report["basic_local_listeners"]) >= 2, report
        assert report["basic_domain"] == "Credentials not valid", report
    assert set(reports(first.stdout)) == set(hosts)
    # the last authentications of each host were over HTTPS: Basic for the local account, none for the domain one
    for host in hosts.values():
        assert any(a.scheme == "Basic" and a.user == "Administrator" for a in host.authentications)
        assert not any(a.scheme == "Basic" and a.user == "ansible" for a in host.authentications)

    again = run_playbook(play, inventory)
    assert again.returncode == 0, again.stdout[-4000:]
    assert all(counters["changed"] == 0 for counters in recap(again.stdout).values()), again.stdout[-4000:]

    for host in hosts.values():
        with basic_client(host, "Administrator") as client:
            assert client.get(CONFIG).find(".//{*}Service") is not None
        with basic_client(host, "WINREMOTE\\ansible") as client, pytest.raises(AuthenticationError):
            client.get(CONFIG)


def test_check_mode_changes_nothing(start_host: HostFactory, tmp_path: Path) -> None:
    host = start_host("2012r2")
    inventory = write_inventory(tmp_path / "inventory.yml", {"sim": role_vars(host)})
    play = tmp_path / "https.yml"
    play.write_text(ROLE_ONLY, encoding="utf-8")
    before = snapshot(host)
    check = run_playbook(play, inventory, "--check", "--diff")
    assert check.returncode == 0, check.stdout[-4000:]
    assert recap(check.stdout)["sim"]["changed"] >= 2
    assert snapshot(host) == before


def test_the_http_listener_is_removed_over_https_and_a_rerun_over_https_changes_nothing(
    start_host: HostFactory, tmp_path: Path
) -> None:
    hosts = {f"sim-{profile}": start_host(profile) for profile in ("2008r2", "2019")}
    extra = {"winrm_https_remove_http_listener": True, "winrm_https_basic": False}
    inventory = write_inventory(tmp_path / "inventory.yml", {name: role_vars(h, **extra) for name, h in hosts.items()})
    play = tmp_path / "https.yml"
    play.write_text(PLAYBOOK, encoding="utf-8")
    first = run_playbook(play, inventory, "-v", **JSON_RESULTS)
    assert first.returncode == 0, first.stdout[-4000:]
    for name, host in hosts.items():
        assert [x[:2] for x in listeners(host)] == [("HTTPS", 5986)], (name, listeners(host))
        assert ("HTTP", 5985) not in host.endpoints
    removals = [r for results in task_results(first.stdout) for r in results.values() if r.get("listener", 1) is None]
    assert len(removals) == len(hosts), first.stdout[-4000:]
    assert all(r["changed"] and r["endpoint"].startswith("https://") for r in removals), removals

    over_https = write_inventory(
        tmp_path / "https-inventory.yml", {name: https_inventory(h, **extra) for name, h in hosts.items()}
    )
    again = run_playbook(play, over_https)
    assert again.returncode == 0, again.stdout[-4000:]
    assert all(counters["changed"] == 0 for counters in recap(again.stdout).values()), again.stdout[-4000:]


def test_a_ca_that_did_not_issue_the_certificate_fails_the_host(start_host: HostFactory, tmp_path: Path) -> None:
    """The switch validates: with another CA the controller cannot reach the new listener and the role says so."""
    host = start_host("2019")
    other_ca = certs.local_ca(tmp_path / "other-ca").cert_path
    inventory = write_inventory(tmp_path / "inventory.yml", {"sim": role_vars(host, winrm_https_ca_path=str(other_ca))})
    play = tmp_path / "https.yml"
    play.write_text(ROLE_ONLY, encoding="utf-8")
    result = run_playbook(play, inventory, "-v", **JSON_RESULTS)
    assert result.returncode != 0
    failed = [r for results in task_results(result.stdout) for r in results.values() if r["_status"] == "fatal"]
    assert len(failed) == 1 and failed[0]["endpoint"] == f"https://{host.address}:5986/wsman", result.stdout[-4000:]
    assert "issuer is not trusted by this controller" in failed[0]["msg"]
    assert recap(result.stdout)["sim"]["failed"] == 1


def test_basic_refuses_a_member_servers_domain_admin(
    start_host: HostFactory, samba_domain: Domain, tmp_path: Path
) -> None:
    """On a host joined to the Samba domain, a Domain Admin (an administrator of the host) is refused over Basic
    as DOMAIN\\user and as user@REALM, while NTLM lets the same account and password in."""
    host = start_host("2019")
    kerberos.join(host, samba_domain)
    admin = samba_domain.users["wradmin"]
    play = tmp_path / "https.yml"
    play.write_text(PLAYBOOK, encoding="utf-8")
    for spelling in (f"{samba_domain.netbios}\\wradmin", admin.principal):
        inventory = write_inventory(
            tmp_path / "inventory.yml",
            {"sim": role_vars(host, domain_user=spelling, domain_password=admin.password)},
        )
        result = run_playbook(play, inventory, "-vvv", **JSON_RESULTS)
        assert result.returncode == 0, result.stdout[-4000:]
        assert admin.password not in result.stdout and admin.password not in result.stderr
        assert PASSWORD not in result.stdout
        report = reports(result.stdout)["sim"]
        assert report["basic_domain"] == "Credentials not valid", (spelling, report)
        assert report["basic_local"] != "Credentials not valid", report
    assert not any(a.scheme == "Basic" and a.user.lower() == "wradmin" for a in host.authentications)
    with WSMan(
        host.address,
        username=f"{samba_domain.netbios}\\wradmin",
        password=admin.password,
        ssl=True,
        port=5986,
        auth="ntlm",
        cert_validation=host.ca_path,
        reconnection_retries=0,
    ) as client:
        assert client.get(CONFIG).find(".//{*}Service") is not None
    assert host.authentications[-1].mechanism == "ntlm" and host.authentications[-1].user.lower() == "wradmin"
