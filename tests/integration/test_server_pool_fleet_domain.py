# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The whole server pool at once: a simulated fleet whose members are computer objects of the real Samba domain,
a ServerList.xml and a static address, through the real ansible-inventory (--list and --graph) and a playbook
that targets the hosts Server Manager would show as not accessible.

The domain's DNS names resolve to the simulated hosts' loopback addresses through nss_wrapper (cwrap,
https://cwrap.org/nss_wrapper.html), preloaded into the ansible processes only, so /etc/hosts is never touched and
the plugin resolves names with the ordinary resolver, as it does on a real network.
"""

from __future__ import annotations

import json
import subprocess
import typing as t
from pathlib import Path

import yaml
from simhosts import BIN, PASSWORD, HostFactory, ansible_env, recap, run_playbook
from test_server_pool_inventory import members, no_listener, unwrap, write_config
from test_server_pool_server_list import server_list

from winsim import HostState, SimulatedHost, addresses, kerberos
from winsim.domain import UAC_WORKSTATION, Domain, computer_ldif, generate_password

# Debian installs it under the multiarch directory (/usr/lib/x86_64-linux-gnu, /usr/lib/aarch64-linux-gnu, ...)
NSS_WRAPPER = next(iter(sorted(Path("/usr/lib").glob("*/libnss_wrapper.so"))), Path("/usr/lib/libnss_wrapper.so"))
# userAccountControl flag ACCOUNTDISABLE
# (https://learn.microsoft.com/troubleshoot/windows-server/active-directory/useraccountcontrol-manipulate-account-properties)
ACCOUNTDISABLE = 0x2


def named(name: str, listening: bool = True) -> t.Callable[[HostState], None]:
    """Rename the host (its computer name in the domain); without ``listening`` nothing answers on 5985/5986."""

    def configure(state: HostState) -> None:
        state.hostname = name
        if not listening:
            no_listener(state)

    return configure


def resolver_env(tmp_path: Path, names: dict[str, str]) -> dict[str, str]:
    """Environment that makes ``names`` (DNS name -> address) resolve in one process tree."""
    assert NSS_WRAPPER.exists(), "libnss-wrapper is missing: run 'make domain-deps'"
    hosts = tmp_path / "hosts"
    hosts.write_text("".join(f"{address} {name}\n" for name, address in names.items()), encoding="utf-8")
    return {"LD_PRELOAD": str(NSS_WRAPPER), "NSS_WRAPPER_HOSTS": str(hosts)}


def disabled_computer(dc: Domain, short_name: str, fqdn: str) -> None:
    """A computer object whose account is disabled (userAccountControl ACCOUNTDISABLE | WORKSTATION_TRUST)."""
    ldif = computer_ldif(
        dc.realm, short_name, fqdn, "Windows Server 2019 Datacenter", "10.0 (17763)", generate_password()
    )
    disabled = f"userAccountControl: {UAC_WORKSTATION | ACCOUNTDISABLE}"
    dc.ldb_local("ldbadd", ldif.replace(f"userAccountControl: {UAC_WORKSTATION}", disabled))


def test_fleet_and_domain_in_one_inventory(start_host: HostFactory, samba_domain: Domain, tmp_path: Path) -> None:
    realm = samba_domain.realm.lower()
    fleet: dict[str, SimulatedHost] = {
        "online": start_host("2019", configure=named("POOLWEB1")),
        "prerequisites": start_host("2012r2", configure=named("POOLOLD1")),
        "stopped": start_host("2016", configure=named("POOLOFF1", listening=False)),
    }
    for host in fleet.values():
        kerberos.join(host, samba_domain)
    standalone = start_host("2022")
    fqdn = {role: f"{host.hostname.lower()}.{realm}" for role, host in fleet.items()}
    # a computer object with no machine behind it, and a disabled one that must not be listed
    ghost = f"poolgone1.{realm}"
    samba_domain.join_host("POOLGONE1", ghost, "Windows Server 2016 Standard", "10.0 (14393)")
    disabled_computer(samba_domain, "POOLDIS1", f"pooldis1.{realm}")
    names = {fqdn[role]: host.address for role, host in fleet.items()}
    names[ghost] = addresses.free_block(1, range(240, 251))

    (tmp_path / "ServerList.xml").write_bytes(server_list([(fqdn["online"], "Web"), (standalone.address, "Web")]))
    config = write_config(
        tmp_path / "pool.server_pool.yml",
        [standalone.address],
        server_lists=["ServerList.xml"],
        directory=True,
        ldap_server=["127.0.0.1"],
        ldap_hostname_override=samba_domain.dc_fqdn,
        ldap_auth="ntlm",
        ldap_username=f"{samba_domain.netbios}\\wradmin",
        ldap_name_filter="pool*",
        probe_timeout=3,
    )
    env = {
        "WINREMOTE_PASSWORD": PASSWORD,
        "WINREMOTE_LDAP_PASSWORD": str(samba_domain.users["wradmin"].password),
        "KRB5_CONFIG": str(samba_domain.krb5_conf),
        **resolver_env(tmp_path, names),
    }
    secrets = (PASSWORD, env["WINREMOTE_LDAP_PASSWORD"])

    result = subprocess.run(
        [str(BIN / "ansible-inventory"), "-i", str(config), "--list"],
        env=ansible_env(**env),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert not any(secret in result.stdout + result.stderr for secret in secrets)
    listing = unwrap(json.loads(result.stdout))
    hostvars = listing["_meta"]["hostvars"]
    # the domain's pool* computers (the disabled one left out), the file's and the static entry; the online host
    # is named by both the directory and the file, and is one host
    assert sorted(hostvars) == sorted([standalone.address, *fqdn.values(), ghost])
    status = {name: hostvars[name]["winremote_manageability"] for name in hostvars}
    assert status == {
        standalone.address: "Online",
        fqdn["online"]: "Online",
        fqdn["prerequisites"]: "Not accessible",
        fqdn["stopped"]: "Not accessible",
        ghost: "Not accessible",
    }
    online = hostvars[fqdn["online"]]
    assert online["winremote_ad_dns_host_name"] == fqdn["online"]
    assert online["winremote_ad_distinguished_name"].startswith("CN=POOLWEB1,CN=Computers,")
    assert "2019" in online["winremote_ad_operating_system"]
    assert online["winremote_server_groups"] == ["Web"]
    assert online["winremote_os_release"] == "2019"
    assert "winremote_ad_dns_host_name" not in hostvars[standalone.address]

    assert members(listing, "manageability_online") == {standalone.address, fqdn["online"]}
    not_accessible = {fqdn["prerequisites"], fqdn["stopped"], ghost}
    assert members(listing, "manageability_not_accessible") == not_accessible
    assert members(listing, "server_group_web") == {standalone.address, fqdn["online"]}
    assert members(listing, "os_2019") == {fqdn["online"]}
    assert members(listing, "os_2012_r2") == {fqdn["prerequisites"]}

    graph = subprocess.run(
        [str(BIN / "ansible-inventory"), "-i", str(config), "--graph", "manageability_not_accessible"],
        env=ansible_env(**env),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert graph.returncode == 0, graph.stderr
    graphed = {line.strip(" |-") for line in graph.stdout.splitlines()[1:]}
    assert graphed == not_accessible, graph.stdout

    playbook = tmp_path / "not_accessible.yml"
    playbook.write_text(
        yaml.safe_dump(
            [
                {
                    "name": "Hosts Server Manager cannot manage",
                    "hosts": "manageability_not_accessible",
                    "gather_facts": False,
                    "tasks": [{"ansible.builtin.debug": {"msg": "{{ winremote_manageability_reasons }}"}}],
                }
            ]
        ),
        encoding="utf-8",
    )
    run = run_playbook(playbook, config, **env)
    assert run.returncode == 0, run.stdout + run.stderr
    assert set(recap(run.stdout)) == not_accessible
    assert not any(secret in run.stdout + run.stderr for secret in secrets)
