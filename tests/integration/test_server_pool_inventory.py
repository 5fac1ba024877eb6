# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The server_pool inventory plugin with the real ansible-inventory and ansible-playbook against simulated hosts."""

from __future__ import annotations

import ipaddress
import json
import subprocess
import typing as t
from pathlib import Path

import yaml
from simhosts import BIN, PASSWORD, HostFactory, ansible_env, recap, run_playbook

from winsim import HostState, SimulatedHost


def no_listener(state: HostState) -> None:
    """Nothing listens on 5985 or 5986: every connection is refused."""
    state.listeners.clear()


def other_password(state: HostState) -> None:
    """The Administrator's password is not the one the inventory is given."""
    for account in state.accounts:
        if account.name == "Administrator":
            account.password = "Another-Passw0rd!"


def unwrap(value: t.Any) -> t.Any:
    """ansible-inventory marks strings from a plugin as unsafe (``{"__ansible_unsafe": ...}``); the plain values."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {key: unwrap(item) for key, item in value.items()}
    if isinstance(value, list):
        return [unwrap(item) for item in value]
    return value


def write_config(path: Path, hosts: list[str], **options: t.Any) -> Path:
    config = {
        "plugin": "winremote.remoting.server_pool",
        "hosts": hosts,
        "username": "Administrator",
        "auth": "ntlm",
        "probe_timeout": 3,
        "probe_deadline": 60,
    }
    config.update(options)
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def inventory(config: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    command = [str(BIN / "ansible-inventory"), "-i", str(config), *args]
    result = subprocess.run(command, env=ansible_env(**env), capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    return result


def members(listing: dict[str, t.Any], group: str) -> set[str]:
    return set(listing.get(group, {}).get("hosts", []))


def test_fleet_statuses_groups_cache_and_playbook(start_host: HostFactory, tmp_path: Path) -> None:
    fleet: dict[str, SimulatedHost] = {
        "online": start_host("2019"),
        "prerequisites": start_host("2012r2"),
        "refusing": start_host("2016", configure=no_listener),
        "credentials": start_host("2022", configure=other_password),
    }
    address = {role: host.address for role, host in fleet.items()}
    cache_dir = tmp_path / "cache"
    config = write_config(
        tmp_path / "fleet.server_pool.yml",
        # the online host twice (once in a /32 range): one host in the inventory
        [address["online"], f"{address['online']}/32", *(address[r] for r in ("prerequisites", "refusing"))],
        import_files=["pool.txt"],
        cache=True,
        cache_plugin="ansible.builtin.jsonfile",
        cache_connection=str(cache_dir),
        cache_timeout=3600,
        keyed_groups=[{"key": "winremote_wsman_stack", "prefix": "stack", "separator": "_"}],
    )
    (tmp_path / "pool.txt").write_text(f"# Server Manager import file\n{address['credentials']}\n\n", encoding="utf-8")
    env = {"WINREMOTE_PASSWORD": PASSWORD}

    listing = unwrap(json.loads(inventory(config, "--list", **env).stdout))
    hostvars = listing["_meta"]["hostvars"]
    assert set(hostvars) == set(address.values())
    status = {role: hostvars[address[role]]["winremote_manageability"] for role in fleet}
    assert status == {
        "online": "Online",
        "prerequisites": "Not accessible",
        "refusing": "Not accessible",
        "credentials": "Credentials not valid",
    }
    online = hostvars[address["online"]]
    assert online["ansible_host"] == address["online"]
    assert online["ansible_port"] == 5985
    assert online["ansible_connection"] == "psrp"
    assert online["ansible_psrp_protocol"] == "http"
    assert online["winremote_os_release"] == "2019"
    assert online["winremote_os_version"].startswith("10.0.17763")
    assert online["winremote_wsman_stack"] == "3.0"
    assert online["winremote_manageability_reasons"] == []
    assert online["winremote_last_update"].endswith("+00:00")
    assert any(".NET" in r or "WMF" in r for r in hostvars[address["prerequisites"]]["winremote_manageability_reasons"])
    refusing = hostvars[address["refusing"]]
    assert refusing["winremote_reachable"] is False and "ansible_port" not in refusing
    assert any("connection refused" in r for r in refusing["winremote_manageability_reasons"])

    assert members(listing, "manageability_online") == {address["online"]}
    assert members(listing, "manageability_not_accessible") == {address["prerequisites"], address["refusing"]}
    assert members(listing, "manageability_credentials_not_valid") == {address["credentials"]}
    assert members(listing, "os_2019") == {address["online"]}
    assert members(listing, "os_2012_r2") == {address["prerequisites"]}
    assert address["online"] in members(listing, "wsman_3_0")
    assert address["online"] in members(listing, "stack_3_0")

    cached_text = "".join(path.read_text(encoding="utf-8") for path in cache_dir.iterdir())
    assert cached_text and PASSWORD not in cached_text
    graph = inventory(config, "--graph", **env).stdout
    assert "@manageability_not_accessible:" in graph and PASSWORD not in graph
    assert PASSWORD not in json.dumps(listing)

    # a cached run probes nothing
    for host in fleet.values():
        host.reset_request_count()
    again = unwrap(json.loads(inventory(config, "--list", **env).stdout))
    assert again["_meta"]["hostvars"] == hostvars
    assert all(host.request_count == 0 for host in fleet.values())
    # --flush-cache probes again (the refusing host never sees a request)
    flushed = unwrap(json.loads(inventory(config, "--list", "--flush-cache", **env).stdout))
    assert {name: v["winremote_manageability"] for name, v in flushed["_meta"]["hostvars"].items()} == {
        address[role]: status[role] for role in fleet
    }
    assert all(fleet[role].request_count > 0 for role in ("online", "prerequisites", "credentials"))
    # the same inputs give the same hosts in the same order (job slicing splits it the same way every run)
    assert list(flushed["_meta"]["hostvars"]) == list(hostvars) == sorted(hostvars, key=ipaddress.ip_address)

    playbook = tmp_path / "not_accessible.yml"
    playbook.write_text(
        yaml.safe_dump(
            [
                {
                    "hosts": "manageability_not_accessible",
                    "gather_facts": False,
                    "tasks": [{"ansible.builtin.debug": {"msg": "{{ winremote_manageability }}"}}],
                }
            ]
        ),
        encoding="utf-8",
    )
    run = run_playbook(playbook, config, **env)
    assert run.returncode == 0, run.stdout + run.stderr
    assert set(recap(run.stdout)) == {address["prerequisites"], address["refusing"]}
    assert PASSWORD not in run.stdout + run.stderr


def test_without_credentials_answering_host_is_access_denied(start_host: HostFactory, tmp_path: Path) -> None:
    host = start_host("2019")
    config = write_config(tmp_path / "server_pool.yml", [host.address], username=None)
    listing = unwrap(json.loads(inventory(config, "--list", WINREMOTE_USERNAME="", WINREMOTE_PASSWORD="").stdout))
    hostvars = listing["_meta"]["hostvars"][host.address]
    assert hostvars["winremote_manageability"] == "Online - Access denied"
    assert hostvars["winremote_reachable"] is True
    assert hostvars["ansible_psrp_protocol"] == "http"
    assert members(listing, "manageability_online_access_denied") == {host.address}


def test_range_above_the_limit_is_refused(tmp_path: Path) -> None:
    config = write_config(tmp_path / "big.server_pool.yml", ["127.3.0.0/24"], max_range_hosts=16)
    command = [str(BIN / "ansible-inventory"), "-i", str(config), "--list"]
    env = ansible_env(ANSIBLE_INVENTORY_UNPARSED_FAILED="True")
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode != 0
    assert "holds 254 host addresses, more than max_range_hosts=16" in result.stderr


def test_https_only_host_with_a_templated_password(start_host: HostFactory, tmp_path: Path) -> None:
    """Nothing on 5985: the probe falls back to 5986 and validates the certificate against ca_path; the password
    comes from a template and appears nowhere in the output."""
    host = start_host("2019", configure=no_listener, https=True)
    config = write_config(
        tmp_path / "tls.server_pool.yml",
        [host.address],
        ca_path=host.ca_path,
        password="{{ lookup('ansible.builtin.env', 'POOL_SECRET') }}",
    )
    result = inventory(config, "--list", POOL_SECRET=PASSWORD, WINREMOTE_PASSWORD="")
    assert PASSWORD not in result.stdout + result.stderr
    hostvars = unwrap(json.loads(result.stdout))["_meta"]["hostvars"][host.address]
    assert hostvars["winremote_manageability"] == "Online", hostvars["winremote_manageability_reasons"]
    assert (hostvars["ansible_port"], hostvars["ansible_psrp_protocol"]) == (5986, "https")


def test_https_certificate_not_trusted_is_not_accessible(start_host: HostFactory, tmp_path: Path) -> None:
    host = start_host("2019", configure=no_listener, https=True)
    config = write_config(tmp_path / "untrusted.server_pool.yml", [host.address])
    hostvars = unwrap(json.loads(inventory(config, "--list", WINREMOTE_PASSWORD=PASSWORD).stdout))["_meta"]
    report = hostvars["hostvars"][host.address]
    assert report["winremote_manageability"] == "Not accessible"
    # the host answered on 5986 (a TLS handshake), so it is reached; the reasons name the certificate
    assert report["winremote_reachable"] is True
    assert any("certificate" in reason.lower() for reason in report["winremote_manageability_reasons"]), report
