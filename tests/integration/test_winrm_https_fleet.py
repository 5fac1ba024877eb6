# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The winrm_https role through the real ansible-playbook on an eight-host simulated fleet, one host per OS
profile (2008 and 2008 R2 quickconfigured first, as an administrator does where WinRM listens nowhere by
default): every host ends reachable over HTTPS with its certificate validated against the test CA, and a rerun
changes nothing on any host."""

from __future__ import annotations

import typing as t
from pathlib import Path

from pypsrp.wsman import WSMan
from simhosts import JSON_RESULTS, PASSWORD, PROFILES, HostFactory, recap, run_playbook, task_results, write_inventory

from winsim import SimulatedHost

CONFIG = "http://schemas.microsoft.com/wbem/wsman/1/config"
CA_SUBJECT = "winsim test CA"  # the issuer of every simulated host's certificate (winsim.certs.local_ca)

PLAYBOOK = """
- name: WinRM over HTTPS on the fleet
  hosts: windows
  gather_facts: false
  roles:
    - role: winremote.remoting.winrm_https
  tasks:
    - name: Where the play connects now
      winremote.remoting.remoting_info:
      register: after

    - name: Report
      ansible.builtin.debug:
        msg:
          endpoint: "{{ after.endpoint }}"
"""


def role_vars(host: SimulatedHost) -> dict[str, t.Any]:
    """The host's own HTTP/NTLM connection and the role's variables for its test-CA certificate."""
    return {
        **host.inventory_vars(),
        "winrm_https_hostname": host.hostname,
        "winrm_https_certificate": {"subject": host.hostname, "issuer": CA_SUBJECT},
        "winrm_https_ca_path": host.ca_path,
    }


def https_listeners(host: SimulatedHost) -> list[tuple[int, str]]:
    with host.lock:
        return sorted((x.port, x.certificate_thumbprint) for x in host.state.listeners if x.transport == "HTTPS")


def endpoints(stdout: str) -> dict[str, str]:
    """Host -> the endpoint the play's remoting_info task used, from the Report task."""
    found = {}
    for results in task_results(stdout):
        for name, result in results.items():
            if isinstance(result.get("msg"), dict) and "endpoint" in result["msg"]:
                found[name] = result["msg"]["endpoint"]
    return found


def validated_client(host: SimulatedHost) -> WSMan:
    """NTLM over HTTPS, the host's certificate validated against the test CA only."""
    return WSMan(
        host.address,
        username="Administrator",
        password=PASSWORD,
        ssl=True,
        port=5986,
        auth="ntlm",
        cert_validation=host.ca_path,
        reconnection_retries=0,
    )


def test_the_fleet_converges_to_validated_https_and_a_rerun_changes_nothing(
    start_host: HostFactory, tmp_path: Path
) -> None:
    hosts = {f"sim-{profile}": start_host(profile) for profile in PROFILES}
    for host in hosts.values():
        assert https_listeners(host) == [], host.hostname  # every profile starts without an HTTPS listener
    inventory = write_inventory(tmp_path / "inventory.yml", {name: role_vars(h) for name, h in hosts.items()})
    play = tmp_path / "https.yml"
    play.write_text(PLAYBOOK, encoding="utf-8")

    first = run_playbook(play, inventory, "-vvv", **JSON_RESULTS)
    assert first.returncode == 0, first.stdout[-6000:]
    assert PASSWORD not in first.stdout and PASSWORD not in first.stderr
    counters = recap(first.stdout)
    assert set(counters) == set(hosts), first.stdout[-4000:]
    for name, host in hosts.items():
        assert counters[name]["failed"] == 0 and counters[name]["unreachable"] == 0, (name, counters[name])
        assert counters[name]["changed"] >= 1, (name, counters[name])
        assert https_listeners(host) == [(5986, host.certificate.thumbprint)], (name, https_listeners(host))
        assert ("HTTPS", 5986) in host.endpoints, name
    assert endpoints(first.stdout) == {name: f"https://{h.address}:5986/wsman" for name, h in hosts.items()}

    again = run_playbook(play, inventory, "-vvv")
    assert again.returncode == 0, again.stdout[-6000:]
    assert PASSWORD not in again.stdout and PASSWORD not in again.stderr
    rerun = recap(again.stdout)
    assert set(rerun) == set(hosts), again.stdout[-4000:]
    assert {name: c["changed"] for name, c in rerun.items()} == dict.fromkeys(hosts, 0), again.stdout[-6000:]
    assert all(c["failed"] == 0 and c["unreachable"] == 0 for c in rerun.values()), again.stdout[-6000:]

    # outside Ansible too: each host answers over HTTPS, its certificate chaining to the test CA
    for name, host in hosts.items():
        with validated_client(host) as client:
            assert client.get(CONFIG).find(".//{*}Service") is not None, name
