# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The action plugins take the connection from the host's own winrm or psrp settings, -u, or the connection option."""

from __future__ import annotations

from pathlib import Path

from simhosts import JSON_RESULTS, PASSWORD, REPO, HostFactory, run_playbook, task_results, write_inventory

AUDIT = REPO / "playbooks" / "audit.yml"


def test_winrm_connection_vars_and_dash_u(start_host: HostFactory, tmp_path: Path) -> None:
    winrm_host = start_host("2022")
    psrp_host = start_host("2019")
    hosts = {
        # ansible.builtin.winrm settings as existing Windows inventories have them (pywinrm itself is not needed)
        "via-winrm": {
            "ansible_host": winrm_host.address,
            "ansible_connection": "winrm",
            "ansible_port": 5985,
            "ansible_winrm_scheme": "http",
            "ansible_winrm_transport": ["ntlm"],
            "ansible_password": PASSWORD,
        },
        # psrp settings without a user: -u gives it, as AWX machine credentials do
        "via-psrp": {
            "ansible_host": psrp_host.address,
            "ansible_connection": "psrp",
            "ansible_port": 5985,
            "ansible_psrp_protocol": "http",
            "ansible_psrp_auth": "ntlm",
            "ansible_password": PASSWORD,
        },
    }
    inventory = write_inventory(tmp_path / "inventory.yml", hosts)
    result = run_playbook(AUDIT, inventory, "-u", "Administrator", "-v", **JSON_RESULTS)
    assert result.returncode == 0, result.stdout + result.stderr
    observed = task_results(result.stdout)[0]
    assert observed["via-winrm"]["os"]["release"] == "2022"
    assert observed["via-winrm"]["endpoint"] == f"http://{winrm_host.address}:5985/wsman"
    assert observed["via-psrp"]["os"]["release"] == "2019"
    assert PASSWORD not in result.stdout


def test_connection_option_overrides_a_local_host(start_host: HostFactory, tmp_path: Path) -> None:
    host = start_host("2016")
    playbook = tmp_path / "observe.yml"
    playbook.write_text(
        f"""
- name: Observe from a controller-side play
  hosts: windows
  gather_facts: false
  tasks:
    - name: Observe through the connection option
      winremote.remoting.remoting_info:
        connection:
          host: {host.address}
          port: 5985
          scheme: http
          auth: ntlm
          username: Administrator
          password: "{{{{ admin_password }}}}"
""",
        encoding="utf-8",
    )
    inventory = write_inventory(
        tmp_path / "inventory.yml", {"controller-side": {"ansible_connection": "local", "admin_password": PASSWORD}}
    )
    result = run_playbook(playbook, inventory, "-v", **JSON_RESULTS)
    assert result.returncode == 0, result.stdout + result.stderr
    observed = task_results(result.stdout)[0]["controller-side"]
    assert observed["os"]["release"] == "2016" and observed["manageability"] == "Online"


BAD_TASKS = {
    "firewall_rules": ("winremote.remoting.firewall_rules:\n        state: enabled", "rules, rule_set"),
    "winrm_policy": (
        "winremote.remoting.winrm_policy:\n        state: enabled\n        ipv4_filter: not-an-address",
        "not-an-address",
    ),
}


def test_bad_options_fail_before_any_connection(tmp_path: Path) -> None:
    """Argument errors name the option and need no host: nothing listens at this address."""
    nobody = {
        "ansible_host": "127.1.255.254",
        "ansible_connection": "psrp",
        "ansible_user": "u",
        "ansible_password": "p",
    }
    inventory = write_inventory(tmp_path / "inventory.yml", {"nobody": nobody})
    for module, (task, needle) in BAD_TASKS.items():
        playbook = tmp_path / f"{module}.yml"
        playbook.write_text(
            f"- name: Bad options\n  hosts: windows\n  gather_facts: false\n  tasks:\n"
            f"    - name: Bad {module}\n      {task}\n",
            encoding="utf-8",
        )
        result = run_playbook(playbook, inventory, "-v", **JSON_RESULTS)
        outcome = task_results(result.stdout)[0]["nobody"]
        assert outcome["_status"] == "fatal" and needle in outcome["msg"] and "\n" not in outcome["msg"], outcome
        assert "connection refused" not in outcome["msg"]


def test_bad_connection_values_are_refused_before_connecting(start_host: HostFactory, tmp_path: Path) -> None:
    host = start_host("2019")
    base = host.inventory_vars()
    hosts = {
        "slash-in-host": {**base, "ansible_host": f"{host.address}/x?y#z"},
        "long-host": {**base, "ansible_host": "h" * 100_000},
        "operation-timeout": {**base, "ansible_psrp_operation_timeout": 30, "ansible_psrp_read_timeout": 30},
        "missing-ca": {
            **base,
            "ansible_port": 5986,
            "ansible_psrp_protocol": "https",
            "ansible_psrp_ca_cert": str(tmp_path / "missing-ca.pem"),
        },
    }
    expected = {
        "slash-in-host": "connection.host (ansible_host) must be a host name or an IP address",
        "long-host": "connection.host (ansible_host) is 100000 characters long",
        "operation-timeout": "connection.operation_timeout (30) must be lower than connection.read_timeout (30)",
        "missing-ca": "connection.ca_path (ansible_psrp_ca_cert / ansible_winrm_ca_trust_path) cannot be read",
    }
    result = run_playbook(AUDIT, write_inventory(tmp_path / "inventory.yml", hosts), "-v", **JSON_RESULTS)
    outcomes = task_results(result.stdout)[0]
    for name, needle in expected.items():
        assert needle in outcomes[name]["msg"], (name, outcomes[name]["msg"])
        assert len(outcomes[name]["msg"]) < 600, name
        assert "could not connect" not in outcomes[name]["msg"]
    assert host.request_count == 0, "nothing was sent"
