# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""winrm_listener end to end against simulated hosts: HTTPS listeners from a thumbprint and from a selection,
validated connections (WSManClient, pypsrp, pywinrm) against the test CA, in-place certificate rotation seen in the
TLS handshake, a rotation the controller cannot accept rolled back by the host itself, refusals with the host
untouched, check mode, diff, idempotence and real ansible-playbook runs."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import socket
import ssl
import typing as t
from pathlib import Path

import pytest
import winrm
from pypsrp.client import Client as PsrpClient
from simhosts import (
    JSON_RESULTS,
    PASSWORD,
    HostFactory,
    config_for,
    run_playbook,
    task_results,
    write_inventory,
)

from ansible_collections.winremote.remoting.plugins.plugin_utils.engine import execute as engine
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine import guard as rollback
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.execute import SelfDisconnectRefused
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures.winrm_listener import (
    ROLLBACK_TASK,
    CertificateUnfitError,
    GpoControlledError,
    ListenerDesired,
    WinrmListener,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import listeners as listener_facade
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import errors
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.client import WSManClient
from winsim import SimulatedHost, tasks
from winsim.state import Listener

PROFILES = ("2008r2", "2012r2", "2019")
DOMAIN = "example.test"
PENDING = re.compile(
    r"will restore (?P<what>.+) by itself at about \d\d:\d\d:\d\d UTC \(in \d+s, SYSTEM scheduled task"
)


def fqdn(host: SimulatedHost) -> str:
    return f"{host.hostname.lower()}.{DOMAIN}"


def name_the_computer(state: t.Any) -> None:
    """What every Windows has under the TCP/IP parameters (the simulator's profiles leave them out)."""
    state.registry.set_value(listener_facade.TCPIP_KEY, "Hostname", "REG_SZ", state.hostname)
    state.registry.set_value(listener_facade.TCPIP_KEY, "Domain", "REG_SZ", DOMAIN)


def issue(host: SimulatedHost, name: str | None = None, **options: t.Any) -> str:
    """A CA-issued certificate for ``name`` (the host's FQDN) that also names the host's address, so a client
    connecting by address validates it; returns its thumbprint."""
    name = name or fqdn(host)
    options.setdefault("ip_addresses", (host.address,))
    return str(host.add_certificate(name, dns_names=(name,), **options).thumbprint)


def snapshot(host: SimulatedHost) -> str:
    with host.lock:
        return json.dumps(host.state.to_json(), sort_keys=True)


def https_listeners(host: SimulatedHost) -> list[tuple[str, int, str, str]]:
    with host.lock:
        return [
            (x.address, x.port, x.hostname, x.certificate_thumbprint)
            for x in host.state.listeners
            if x.transport == "HTTPS"
        ]


def https_rules(host: SimulatedHost) -> list[str]:
    with host.lock:
        values = host.state.registry.values(
            r"HKLM\SYSTEM\CurrentControlSet\Services\SharedAccess\Parameters\FirewallPolicy\FirewallRules"
        )
        return [str(v.data) for v in values if "LPort=5986" in str(v.data)]


def served_thumbprint(host: SimulatedHost, port: int = 5986) -> str:
    """The SHA-1 of the certificate a fresh TLS handshake gets, validated against the test CA."""
    context = ssl.create_default_context(cafile=host.ca_path)
    with (
        socket.create_connection((host.address, port), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname=host.address) as tls,
    ):
        der = tls.getpeercert(binary_form=True)
    assert der is not None
    return hashlib.sha1(der).hexdigest().upper()  # a thumbprint is the SHA-1 of the DER


def https_config(host: SimulatedHost, **overrides: t.Any) -> t.Any:
    return config_for(host, scheme="https", port=5986, ca_path=host.ca_path, **overrides)


def request(config: t.Any, **args: t.Any) -> ListenerDesired:
    return ListenerDesired.from_args({"transport": "https", **args}, config)


def run(host: SimulatedHost, config: t.Any, check: bool = False, wait: float = 20.0, **args: t.Any) -> t.Any:
    desired = request(config, **args)
    with WSManClient(config) as client:
        return engine.execute(WinrmListener(desired, wait_seconds=wait), client, desired, check_mode=check)


def time_passes(host: SimulatedHost) -> None:
    """The rollback task's wait is over (the simulator's scheduled-task clock, as in test_rollback)."""
    with host.lock:
        tasks.run_due(host.state, force=True)
    host.apply_state()


def answers(config: t.Any) -> bool:
    try:
        with WSManClient(config) as client:
            client.identify()
    except errors.WinRemoteError:
        return False
    return True


@pytest.mark.parametrize("profile", PROFILES)
def test_https_from_thumbprint_check_diff_apply_idempotent_and_validated(start_host: HostFactory, profile: str) -> None:
    host = start_host(profile, configure=name_the_computer)
    thumbprint = issue(host)
    config = config_for(host)  # over HTTP: the HTTPS listener does not exist yet
    spaced = " ".join(thumbprint[i : i + 2] for i in range(0, 40, 2)).lower()
    before = snapshot(host)

    checked = run(host, config, check=True, certificate_thumbprint=spaced)
    assert checked.changed and not checked.applied and snapshot(host) == before
    diff = checked.diff()
    assert diff["before"]["listeners.HTTPS/*"] is None
    assert diff["after"]["listeners.HTTPS/*"]["certificate_thumbprint"] == thumbprint
    assert diff["after"]["listeners.HTTPS/*"]["hostname"] == fqdn(host)  # the computer's FQDN, as observed
    assert "firewall_rule.WINRM-HTTPS-In-TCP" in diff["after"]

    applied = run(host, config, certificate_thumbprint=spaced)
    assert applied.changed and applied.verified
    assert https_listeners(host) == [("*", 5986, fqdn(host), thumbprint)]
    assert applied.facts["listener"]["certificate_thumbprint"] == thumbprint
    assert applied.facts["listener"]["listening_on"]  # as Windows shows it
    rules = https_rules(host)
    assert len(rules) == 1 and "App=System" in rules[0] and "Protocol=6" in rules[0] and "Dir=In" in rules[0]
    assert "RA4" not in rules[0] and applied.facts["firewall_rule"]["local_port"] == ["5986"]
    with host.lock:
        assert not host.state.scheduled_tasks  # the guard was cancelled

    assert served_thumbprint(host) == thumbprint
    with WSManClient(https_config(host)) as client:
        assert client.identify().product_version
    again = run(host, config, certificate_thumbprint=thumbprint)
    assert not again.changed and again.facts["listener"]["certificate_thumbprint"] == thumbprint


@pytest.mark.parametrize("profile", PROFILES)
def test_selection_picks_the_newest_fit_certificate_then_rotation_in_place(
    start_host: HostFactory, profile: str
) -> None:
    host = start_host(profile, configure=name_the_computer)
    now = dt.datetime.now(dt.UTC)
    older = issue(host, not_before=now - dt.timedelta(days=30))
    newest = issue(host, not_before=now - dt.timedelta(days=1))
    issue(host, not_before=now - dt.timedelta(hours=1), private_key=False)  # newer but unfit: no key
    issue(host, not_before=now - dt.timedelta(hours=2), server_auth=False)  # newer but unfit: client auth
    config = config_for(host)
    selection = {"subject": fqdn(host), "issuer": "WINSIM TEST CA"}  # the test CA's CN, in any case
    created = run(host, config, certificate=selection)
    assert created.changed and https_listeners(host) == [("*", 5986, fqdn(host), newest)]
    assert created.facts["certificate"]["thumbprint"] == newest
    assert served_thumbprint(host) == newest

    # rotate in place while connected over HTTPS through that very listener: a Put, guarded, reconnect validated
    https = https_config(host)
    host.reset_request_count()
    rotated = run(host, https, certificate_thumbprint=older)
    actions = {uri.rsplit("/", 2)[-2] + "/" + uri.rsplit("/", 1)[-1]: n for uri, n in host.requests_by_action.items()}
    # in place: one Put; every Create and Delete belonged to a WinRS shell (one per command), none to the listener
    assert actions.get("transfer/Put") == 1
    assert actions.get("transfer/Create") == actions.get("transfer/Delete") == actions.get("shell/Command")
    assert rotated.changed and rotated.verified and rotated.rollback is not None
    assert rotated.rollback.startswith("cancelled")
    assert "rotate its certificate in place" in rotated.summaries()[0]
    assert https_listeners(host) == [("*", 5986, fqdn(host), older)]
    assert served_thumbprint(host) == older  # a new handshake sees the new certificate
    with host.lock:
        assert not host.state.scheduled_tasks

    # independent clients validate the rotated certificate against the test CA
    psrp = PsrpClient(
        host.address,
        username="Administrator",
        password=PASSWORD,
        ssl=True,
        port=5986,
        auth="ntlm",
        cert_validation=host.ca_path,
        connection_timeout=5,
    )
    out = psrp.execute_cmd("echo psrp-ok")
    assert "psrp-ok" in out[0]
    session = winrm.Session(
        f"https://{host.address}:5986/wsman",
        auth=("Administrator", PASSWORD),
        transport="ntlm",
        server_cert_validation="validate",
        ca_trust_path=host.ca_path,
    )
    result = session.run_cmd("echo", ["pywinrm-ok"])
    assert result.status_code == 0 and b"pywinrm-ok" in result.std_out


def test_rotation_to_a_certificate_the_controller_cannot_accept_rolls_back_on_the_host(
    start_host: HostFactory,
) -> None:
    host = start_host("2019", configure=name_the_computer)
    good = issue(host)
    run(host, config_for(host), certificate_thumbprint=good)
    https = https_config(host, connection_timeout=2)
    # fit for the listener's hostname, but it does not name the address this controller connects to
    other = issue(host, "other.example.test", ip_addresses=())
    with pytest.raises(rollback.RollbackPendingError) as failure:
        run(host, https, wait=2, certificate_thumbprint=other, hostname="other.example.test")
    message = str(failure.value)
    match = PENDING.search(message)
    assert match is not None and good in match["what"], message
    assert "certificate" in message.lower()
    assert https_listeners(host) == [("*", 5986, "other.example.test", other)]
    assert not answers(https)  # the name does not match: validation refuses the new certificate

    time_passes(host)  # the host's own task restores the listener
    assert https_listeners(host) == [("*", 5986, fqdn(host), good)]
    assert answers(https) and served_thumbprint(host) == good
    with host.lock:
        assert not host.state.scheduled_tasks and ROLLBACK_TASK not in host.state.scheduled_tasks


def test_refusals_leave_the_host_untouched(start_host: HostFactory) -> None:
    host = start_host("2019", configure=name_the_computer)
    good = issue(host)
    run(host, config_for(host), certificate_thumbprint=good)
    https = https_config(host)
    before = snapshot(host)
    with pytest.raises(SelfDisconnectRefused) as refused:
        run(host, https, state="absent")
    assert "allow_self_disconnect" in str(refused.value) and snapshot(host) == before
    with pytest.raises(SelfDisconnectRefused):
        run(host, https, certificate_thumbprint=good, port=5999)
    assert snapshot(host) == before
    expired = issue(host, not_after=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
    nokey = issue(host, private_key=False)
    wrong = issue(host, "someone-else.example.test")
    before = snapshot(host)
    for thumbprint, words in ((expired, "expired"), (nokey, "no private key"), (wrong, "names")):
        with pytest.raises(CertificateUnfitError) as unfit:
            run(host, https, certificate_thumbprint=thumbprint)
        assert words in str(unfit.value) and snapshot(host) == before
    with pytest.raises(CertificateUnfitError, match="is not in"):
        run(host, https, certificate_thumbprint="AB" * 20)
    assert snapshot(host) == before


def test_group_policy_listener_is_reported_not_changed(start_host: HostFactory) -> None:
    host = start_host("2019", configure=name_the_computer)
    thumbprint = issue(host)
    with host.lock:
        host.state.listeners.append(
            Listener(
                address="*",
                transport="HTTPS",
                port=5986,
                hostname=fqdn(host),
                certificate_thumbprint=thumbprint,
                source="GPO",
            )
        )
    host.apply_state()
    config = config_for(host)
    same = run(host, config, certificate_thumbprint=thumbprint, firewall=False)
    assert not same.changed and same.facts["gpo_controlled"] is True
    before = snapshot(host)
    with pytest.raises(GpoControlledError, match="Group Policy"):
        run(host, config, certificate_thumbprint=thumbprint, port=5999, firewall=False)
    assert snapshot(host) == before


def test_http_listener_on_an_address_and_delete_over_another_connection(start_host: HostFactory) -> None:
    host = start_host("2012r2")
    config = config_for(host)
    args = {"transport": "http", "address": host.address, "port": 5990}
    desired = ListenerDesired.from_args(args, config)
    with WSManClient(config) as client:
        created = engine.execute(WinrmListener(desired, 20), client, desired, check_mode=False)
        assert created.changed and created.facts["listener"]["address"] == f"IP:{host.address}"
        again = engine.execute(WinrmListener(desired, 20), client, desired, check_mode=False)
        assert not again.changed
        gone = ListenerDesired.from_args({**args, "state": "absent"}, config)
        deleted = engine.execute(WinrmListener(gone, 20), client, gone, check_mode=False)
        assert deleted.changed and deleted.facts["listener"] is None
    with host.lock:
        assert [x.address for x in host.state.listeners] == ["*"]


PLAYBOOK = """
- name: WinRM over HTTPS
  hosts: windows
  gather_facts: false
  tasks:
    - name: An HTTPS listener with the host's certificate
      winremote.remoting.winrm_listener:
        transport: https
        certificate:
          subject: "{{{{ listener_name }}}}"
{extra}
"""


def test_playbook_check_diff_apply_idempotent_and_no_password_in_vvv(start_host: HostFactory, tmp_path: Path) -> None:
    hosts = {f"sim-{profile}": start_host(profile, configure=name_the_computer) for profile in PROFILES}
    for host in hosts.values():
        issue(host)
    inventory = write_inventory(
        tmp_path / "inventory.yml",
        {name: {**h.inventory_vars(), "listener_name": fqdn(h)} for name, h in hosts.items()},
    )
    play = tmp_path / "listener.yml"
    play.write_text(PLAYBOOK.format(extra=""), encoding="utf-8")
    before = {name: snapshot(h) for name, h in hosts.items()}
    check = run_playbook(play, inventory, "--check", "--diff", "-v", **JSON_RESULTS)
    assert check.returncode == 0, check.stdout
    assert {name: snapshot(h) for name, h in hosts.items()} == before
    assert all(r["changed"] for r in task_results(check.stdout)[0].values())

    applied = run_playbook(play, inventory, "-vvv", **JSON_RESULTS)
    assert applied.returncode == 0, applied.stdout
    assert PASSWORD not in applied.stdout and PASSWORD not in applied.stderr
    for name, result in task_results(applied.stdout)[0].items():
        assert result["changed"] is True and result["listener"]["transport"] == "HTTPS", (name, result)
        assert result["firewall_rule"]["local_port"] == ["5986"]
    for host in hosts.values():
        assert served_thumbprint(host) == https_listeners(host)[0][3]
    again = run_playbook(play, inventory)
    assert again.returncode == 0 and again.stdout.count("changed=0") == len(hosts), again.stdout


def test_playbook_refuses_bad_input_before_connecting(start_host: HostFactory, tmp_path: Path) -> None:
    host = start_host("2019")
    inventory = write_inventory(tmp_path / "inventory.yml", {"sim": {**host.inventory_vars(), "listener_name": "x"}})
    play = tmp_path / "bad.yml"
    for extra, option in (
        ("        certificate_thumbprint: 'ABCD'", "certificate_thumbprint"),
        ("        hostname: 'a b & calc'", "hostname"),
        ("        address: 'IP:fe80::1%12'", "address"),
        ("        port: 70000", "port"),
    ):
        body = PLAYBOOK.format(extra=extra)
        if "certificate_thumbprint" in extra:
            body = body.replace('        certificate:\n          subject: "{{ listener_name }}"\n', "")
        play.write_text(body, encoding="utf-8")
        host.reset_request_count()
        result = run_playbook(play, inventory, "-v", **JSON_RESULTS)
        outcome = task_results(result.stdout)[0]["sim"]
        assert outcome["_status"] == "fatal" and outcome["msg"].startswith(option + ":"), outcome
        assert host.request_count == 0


def test_fault_on_the_listener_put_then_rerun_converges(start_host: HostFactory) -> None:
    host = start_host("2012r2", configure=name_the_computer)
    first, second = issue(host), issue(host)
    config = config_for(host)
    run(host, config, certificate_thumbprint=first)
    host.inject_fault(
        "http500",
        count=1,
        code=2150858843,
        message="The WS-Management service cannot process it.",
        action="transfer/Put",
    )
    with pytest.raises(errors.WinRemoteError) as caught:
        run(host, config, certificate_thumbprint=second)
    assert "2150858843" in str(caught.value)
    assert https_listeners(host) == [("*", 5986, fqdn(host), first)]
    with host.lock:
        assert not host.state.scheduled_tasks  # reachable: the guard was cancelled, nothing left to restore
    rerun = run(host, config, certificate_thumbprint=second)
    assert rerun.changed and https_listeners(host) == [("*", 5986, fqdn(host), second)]
    assert served_thumbprint(host) == second


def test_an_existing_rule_for_the_port_is_kept_and_rotation_over_https_keeps_the_listener(
    start_host: HostFactory,
) -> None:
    host = start_host("2008r2", configure=name_the_computer, https=True)  # listener + WINRM-HTTPS-In-TCP-Custom
    rules_before = https_rules(host)
    https = https_config(host)
    new = issue(host)
    checked = run(host, https, check=True, certificate_thumbprint=new)
    assert [c.target for c in checked.changes] == ["listeners.HTTPS/*"]  # no firewall change: a rule admits 5986
    assert checked.facts["firewall_rule"]["rule_id"] == "WINRM-HTTPS-In-TCP-Custom"
    rotated = run(host, https, certificate_thumbprint=new)
    assert rotated.verified and https_listeners(host) == [("*", 5986, fqdn(host), new)]
    assert https_rules(host) == rules_before and served_thumbprint(host) == new
