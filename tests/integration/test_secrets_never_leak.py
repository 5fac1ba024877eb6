# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""No password or private key ever shows: not in any output, log, callback file or temporary file of a real
``ansible-playbook`` run, whatever the verbosity or callback, and not in the simulated host's state afterwards.

The checks look for partial leaks too: the password's UTF-8 and UTF-16LE bytes (raw and as Python escapes), its
base64 at every byte alignment (as in a Basic ``Authorization`` header), JSON and URL escapes, every run of five
characters, and each non-ASCII character on its own (as a ``UnicodeEncodeError`` message would name it).
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import typing as t
import urllib.parse
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from simhosts import (
    BIN,
    JSON_RESULTS,
    HostFactory,
    config_for,
    run_playbook,
    task_results,
)

from ansible_collections.winremote.remoting.plugins.module_utils import _specs
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine import execute as engine
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine import guard as rollback
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures import remoting_info
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures.sm_remoting import (
    SmRemoting,
    SmRemotingDesired,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures.token_filter_policy import (
    TokenFilterPolicy,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures.winrm_policy import (
    PolicyDesired,
    WinrmPolicy,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import errors
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.client import WSManClient
from winsim import HostState, SimulatedHost
from winsim import addresses as winsim_addresses
from winsim import auth as winsim_auth
from winsim import rules as winsim_rules
from winsim import server as winsim_server
from winsim import tasks as winsim_tasks
from winsim.fleet import read_fleet_info
from winsim.wsman.commands import smremoting

# NTLM sends the password as UTF-16LE, so anything goes: ASCII specials, a cp1252-only and a Cyrillic character,
# a quote and a backslash (JSON and Python escape those).
NTLM_SECRET = "Lk7#q&Zx^\u20ac9;\u0416w@R'p\\Tj"
# Basic authentication sends Latin-1 at best: ASCII only for the runs that must succeed with Basic over HTTPS.
ASCII_SECRET = "Bq4$Tn&Yv^8;Hs@Kd'Wm"
KEY_MARKER = "WinremoteKeyMarker7f3a91c2e5d4b8"
KEY_PEM = f"-----BEGIN PRIVATE KEY-----\n{KEY_MARKER}\nQUJDREVGR0hJSktMTU5P\n-----END PRIVATE KEY-----\n"
# A wrong password no simulated host accepts (the simulator's NTLM acceptor knows every host's accounts at once).
WRONG_SECRET = "Wq9%Gv\u00e9(\u4e2d)Xc|Np<Ud>"
OTHER_PASSWORD = "Winremote-Passw0rd!"  # what the wrong-password host really expects; not a secret of the run


def base64_fragments(data: bytes, shortest: int = 8) -> set[str]:
    """The base64 characters that encode only ``data``, for each of the three alignments it can have inside a
    longer encoded stream (``user:password`` in a Basic header puts the password at any offset)."""
    found: set[str] = set()
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + data).decode("ascii")
        first = 1 if offset else 0  # the first group mixes in the padding bytes
        last = (offset + len(data)) // 3  # groups from here on are incomplete: what follows changes them
        fragment = encoded[first * 4 : last * 4]
        if len(fragment) >= shortest:
            found.add(fragment)
    return found


def text_needles(secret: str, window: int = 5) -> dict[str, str]:
    """What of ``secret`` must never be in a text: description -> text to look for."""
    utf8, utf16 = secret.encode("utf-8"), secret.encode("utf-16-le")
    needles = {
        "the secret": secret,
        "its JSON escape": json.dumps(secret)[1:-1],
        "its ASCII JSON escape": json.dumps(secret, ensure_ascii=True)[1:-1],
        "its UTF-8 bytes as escapes": repr(utf8)[2:-1],
        "its UTF-16LE bytes": utf16.decode("latin-1"),
        "its UTF-16LE bytes as escapes": repr(utf16)[2:-1],
        "its URL encoding": urllib.parse.quote(secret, safe=""),
        "its UTF-8 hex": utf8.hex(),
    }
    for encoding, data in (("UTF-8", utf8), ("UTF-16LE", utf16)):
        for fragment in base64_fragments(data):
            needles[f"base64 of its {encoding} bytes ({fragment})"] = fragment
    for start in range(len(secret) - window + 1):
        part = secret[start : start + window]
        needles[f"characters {start}-{start + window - 1} ({part!r})"] = part
    for char in sorted({c for c in secret if ord(c) > 127}):
        code = f"{ord(char):04x}"
        needles[f"non-ASCII character {char!r}"] = char
        needles[f"escape \\u{code} of {char!r}"] = f"\\u{code}"
        needles[f"escape \\u{code.upper()} of {char!r}"] = f"\\u{code.upper()}"
        needles[f"U+{code.upper()} ({char!r})"] = f"U+{code.upper()}"
        needles[f"UTF-8 escapes of {char!r}"] = repr(char.encode("utf-8"))[2:-1]
        needles[f"URL encoding of {char!r}"] = urllib.parse.quote(char)
    return needles


SECRETS = {"NTLM password": NTLM_SECRET, "ASCII password": ASCII_SECRET, "wrong password": WRONG_SECRET}
NEEDLES = {
    f"{name}: {what}": needle for name, secret in SECRETS.items() for what, needle in text_needles(secret).items()
}
NEEDLES.update({"private key marker": KEY_MARKER, "private key header with marker": f"KEY-----\n{KEY_MARKER}"})


def leaks(text: str, shortest: int = 1) -> list[str]:
    """Every needle found in ``text``, with what surrounds it so a failure shows the leaking line."""
    found = []
    for what, needle in NEEDLES.items():
        at = text.find(needle) if len(needle) >= shortest else -1
        if at >= 0:
            found.append(f"{what}: ...{text[max(0, at - 120) : at + len(needle) + 40]!r}...")
    return found


def byte_leaks(data: bytes, binary: bool = False) -> list[str]:
    """Leaks in bytes (simulated files, SOAP bodies, authentication tokens), read as UTF-8, UTF-16LE and Latin-1.

    Read as UTF-16LE, ASCII text becomes CJK characters ("-N" is U+4E2D), and any byte is a Latin-1 character:
    there only needles of four characters or more count (the secret's own five-character runs still catch
    copies of it). ``binary`` data (random bytes in an NTLM token) gets the same rule for UTF-8."""
    found: list[str] = []
    found += [f"[utf-8] {leak}" for leak in leaks(data.decode("utf-8", errors="replace"), 4 if binary else 1)]
    found += [f"[latin-1] {leak}" for leak in leaks(data.decode("latin-1"), shortest=4)]
    for offset in (0, 1):  # UTF-16LE at an even or an odd offset
        text = data[offset:].decode("utf-16-le", errors="replace")
        found += [f"[utf-16-le+{offset}] {leak}" for leak in leaks(text, shortest=4)]
    return found


def test_the_needles_catch_partial_leaks() -> None:
    """The checks below mean something: each way a password can half-leak is caught."""
    latin1_error = "'latin-1' codec can't encode character '\\u20ac' in position 9: ordinal not in range(256)"
    basic_header = "Authorization: Basic " + base64.b64encode(f"Administrator:{ASCII_SECRET}".encode()).decode()
    ntlm_utf16 = ("xx" + NTLM_SECRET).encode("utf-16-le")
    for text in (
        latin1_error,
        basic_header,
        json.dumps({"password": NTLM_SECRET}),
        repr(NTLM_SECRET.encode("utf-8")),
        "password=" + NTLM_SECRET[3:9],
        "got \u0416 in the password",
        urllib.parse.quote(NTLM_SECRET),
        f"key: {KEY_PEM}",
    ):
        assert leaks(text), text
    assert byte_leaks(ntlm_utf16) and byte_leaks(b"z" + ntlm_utf16)
    assert byte_leaks(base64.b64encode(b"...." + NTLM_SECRET.encode("utf-16-le")))
    assert not leaks(f"Credentials not valid for Administrator (password {OTHER_PASSWORD})")


# --- the fleet: every way a password reaches a host, successful and failing -----------------------------------


def set_password(state: HostState, password: str) -> None:
    for account in state.accounts:
        if account.name == "Administrator":
            account.password = password


def allow_basic(state: HostState) -> None:
    state.winrm["Service"]["Auth"]["Basic"] = "true"


@dataclass
class Fleet:
    inventory: Path
    hosts: dict[str, SimulatedHost]  # the live hosts whose state is checked afterwards
    succeed: set[str]  # inventory names whose tasks must all succeed
    fail: set[str]  # inventory names whose tasks must all fail
    soap: dict[str, list[bytes]] = field(default_factory=dict)  # decrypted SOAP bodies each live host received


def record_soap(host: SimulatedHost, into: list[bytes]) -> None:
    """Keep every SOAP body the host's model receives (after decryption), to scan it afterwards."""
    dispatch = host.dispatch

    def recording(body: bytes, *args: t.Any, **kwargs: t.Any) -> t.Any:
        into.append(bytes(body))
        return dispatch(body, *args, **kwargs)

    host.dispatch = recording  # type: ignore[method-assign]


def https_vars(host: SimulatedHost) -> dict[str, t.Any]:
    return {"ansible_port": 5986, "ansible_psrp_protocol": "https", "ansible_psrp_ca_cert": host.ca_path}


def without_password(host_vars: dict[str, t.Any]) -> dict[str, t.Any]:
    return {k: v for k, v in host_vars.items() if k != "ansible_password"}


@pytest.fixture
def fleet(start_host: HostFactory, tmp_path: Path) -> Fleet:
    ntlm = start_host("2019", configure=lambda s: set_password(s, NTLM_SECRET))
    old = start_host("2008r2", configure=lambda s: set_password(s, NTLM_SECRET))  # netsh command lines
    by_option = start_host("2016", configure=lambda s: set_password(s, NTLM_SECRET))
    by_defaults = start_host("2012r2", configure=lambda s: set_password(s, NTLM_SECRET))

    def basic_host(state: HostState) -> None:
        set_password(state, ASCII_SECRET)
        allow_basic(state)

    basic = start_host("2022", configure=basic_host, https=True)
    wrong = start_host("2019", https=True)  # default Basic=false: Basic is refused over HTTPS too
    gone = start_host("2019")
    gone.stop()

    cert_pem = tmp_path / "client.pem"
    cert_pem.write_text(Path(wrong.ca_path).read_text(encoding="utf-8"), encoding="utf-8")
    key_file = tmp_path / "client.key"
    key_file.write_text(KEY_PEM, encoding="utf-8")
    certificate = {
        **without_password(wrong.inventory_vars()),
        **https_vars(wrong),
        "ansible_psrp_auth": "certificate",
        "ansible_psrp_certificate_pem": str(cert_pem),
    }
    windows: dict[str, dict[str, t.Any]] = {
        "ntlm-ok": {**ntlm.inventory_vars(), "ansible_password": NTLM_SECRET},
        "netsh-ok": {**old.inventory_vars(), "ansible_password": NTLM_SECRET},
        "option-ok": {
            **without_password(by_option.inventory_vars()),
            "task_connection": {"username": "Administrator", "password": NTLM_SECRET},
        },
        "basic-https-ok": {
            **basic.inventory_vars(),
            **https_vars(basic),
            "ansible_psrp_auth": "basic",
            "ansible_password": ASCII_SECRET,
        },
        "wrong-password": {**wrong.inventory_vars(), "ansible_password": WRONG_SECRET},
        "wrong-password-option": {
            **without_password(wrong.inventory_vars()),
            "task_connection": {"username": "Administrator", "password": WRONG_SECRET},
        },
        "unreachable": {
            **gone.inventory_vars(),
            "ansible_password": NTLM_SECRET,
            "ansible_psrp_connection_timeout": 5,
        },
        "basic-refused": {
            **wrong.inventory_vars(),
            **https_vars(wrong),
            "ansible_psrp_auth": "basic",
            "ansible_password": ASCII_SECRET,
        },
        "basic-non-latin1": {
            **basic.inventory_vars(),
            **https_vars(basic),
            "ansible_psrp_auth": "basic",
            "ansible_password": NTLM_SECRET,
        },
        "key-inline": {**certificate, "ansible_psrp_certificate_key_pem": KEY_PEM},
        "key-file": {**certificate, "ansible_psrp_certificate_key_pem": str(key_file)},
        "key-option": {
            **without_password(wrong.inventory_vars()),
            "task_connection": {
                "auth": "certificate",
                "scheme": "https",
                "port": 5986,
                "ca_path": wrong.ca_path,
                "certificate_pem": str(cert_pem),
                "certificate_key_pem": KEY_PEM,
            },
        },
    }
    defaults = {"defaults-ok": without_password(by_defaults.inventory_vars())}
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(
        yaml.safe_dump({"windows": {"hosts": windows}, "defaults": {"hosts": defaults}}, allow_unicode=True),
        encoding="utf-8",
    )
    live = {"ntlm-ok": ntlm, "netsh-ok": old, "option-ok": by_option, "defaults-ok": by_defaults}
    live.update({"basic-https-ok": basic, "wrong": wrong})
    result = Fleet(
        inventory=inventory,
        hosts=live,
        succeed={"ntlm-ok", "netsh-ok", "option-ok", "basic-https-ok", "defaults-ok"},
        fail=set(windows) - {"ntlm-ok", "netsh-ok", "option-ok", "basic-https-ok"},
    )
    for name, host in live.items():
        result.soap[name] = []
        record_soap(host, result.soap[name])
    return result


TASKS = """
    - name: Observe the host
      winremote.remoting.remoting_info:{connection}
      register: observed
      ignore_errors: true
      ignore_unreachable: true
    - name: Show the observation
      ansible.builtin.debug:
        var: observed
    - name: Admit local administrators
      winremote.remoting.token_filter_policy:
        enabled: true{connection}
      register: token
      ignore_errors: true
      ignore_unreachable: true
    - name: Show the token filter result
      ansible.builtin.debug:
        var: token
    - name: Enable the MMC firewall rules
      winremote.remoting.firewall_rules:
        rule_set: dcom_remote_management{connection}
      register: rules
      ignore_errors: true
      ignore_unreachable: true
    - name: Show the firewall result
      ansible.builtin.debug:
        var: rules
    - name: Show every registered result at once
      ansible.builtin.debug:
        msg: "{{{{ [observed, token, rules] }}}}"
"""
BY_OPTION = '\n        connection: "{{ task_connection | default(omit) }}"'

PLAYBOOK = f"""
- name: Password from the inventory or in the connection option
  hosts: windows
  gather_facts: false
  tasks:{TASKS.format(connection=BY_OPTION)}
- name: Password in module_defaults
  hosts: defaults
  gather_facts: false
  module_defaults:
    group/winremote.remoting.remoting:
      connection:
        username: Administrator
        password: "{NTLM_SECRET.replace(chr(92), chr(92) * 2)}"
  tasks:{TASKS.format(connection="")}
"""

OUTPUT_MODES: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    # the default callback at -vvvv, JSON results, with the log file and the tree callback's files
    "vvvv-json-log-tree": (
        ("-vvvv", "--diff"),
        {**JSON_RESULTS, "ANSIBLE_CALLBACKS_ENABLED": "ansible.builtin.tree"},
    ),
    # Ansible's own debug output (every internal step), with the log file
    "ansible-debug": (("-vvv", "--diff"), {"ANSIBLE_DEBUG": "1"}),
    "minimal-callback": (("-vvvv", "--diff"), {"ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.minimal"}),
    "oneline-callback-check": (("-vvvv", "--check", "--diff"), {"ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.oneline"}),
}


# proof that each mode's setting reached ansible-playbook, so the scan looked at what the mode prints
MODE_MARKERS = {
    "vvvv-json-log-tree": "task path: ",  # -vv and more show where each task comes from
    "ansible-debug": ": starting run",  # ANSIBLE_DEBUG lines: "<pid> <time>: <what>"
    "minimal-callback": " | FAILED! => {",
    "oneline-callback-check": " | FAILED! => ",
}


def files_under(root: Path) -> Iterator[Path]:
    return (p for p in sorted(root.rglob("*")) if p.is_file())


def host_state_texts(host: SimulatedHost) -> Iterable[tuple[str, bytes]]:
    """Everything the host keeps, as (where, bytes), but its account list (where the real password belongs)."""
    with host.lock:
        state = host.state.to_json()
        files = {path: host.state.files.read(path) for path in host.state.files.files()}
        programs = list(host.state.runtime.programs)
        shells = repr(host.state.runtime.shells)
    del state["accounts"]
    yield "state", json.dumps(state, ensure_ascii=False).encode("utf-8")
    yield "state (ASCII JSON)", json.dumps(state).encode("ascii")
    for path, data in files.items():
        yield f"file {path}", data
    yield "programs run", json.dumps(programs, ensure_ascii=False).encode("utf-8")
    yield "open shells", shells.encode("utf-8")


_SUMMARY = re.compile(r"^(?P<host>\S+) \| (?P<status>SUCCESS|CHANGED|FAILED!|UNREACHABLE!)", re.MULTILINE)


def assert_outcomes(fleet: Fleet, stdout: str, output: str) -> None:
    """Hosts meant to succeed did, every task of the others failed (and was ignored)."""
    recap = {line.split()[0]: line for line in stdout.splitlines() if " : ok=" in line}
    if recap:  # the default callback
        assert set(recap) == fleet.succeed | fleet.fail, stdout[-3000:]
        for name in fleet.succeed:
            assert "failed=0" in recap[name] and "ignored=0" in recap[name], (name, recap[name], output[-5000:])
        for name in fleet.fail:
            assert "ignored=3" in recap[name], (name, recap[name])
        return
    # minimal and oneline print "host | STATUS" per result and no recap
    statuses: dict[str, list[str]] = {}
    for match in _SUMMARY.finditer(stdout):
        statuses.setdefault(match.group("host"), []).append(match.group("status"))
    assert set(statuses) == fleet.succeed | fleet.fail, stdout[-3000:]
    for name in fleet.succeed:
        assert "FAILED!" not in statuses[name] and "UNREACHABLE!" not in statuses[name], (name, output[-5000:])
    for name in fleet.fail:
        # a host that cannot be reached is UNREACHABLE (remoting_info, an audit, still reports it as FAILED)
        dark = 2 if name == "unreachable" else 0
        assert statuses[name].count("FAILED!") == 3 - dark, (name, statuses[name])
        assert statuses[name].count("UNREACHABLE!") == dark, (name, statuses[name])


def assert_no_leak(where: str, text: str) -> None:
    found = leaks(text)
    assert not found, f"secret leaked in {where}:\n" + "\n".join(found[:10])


@pytest.mark.parametrize("mode", list(OUTPUT_MODES))
def test_no_secret_in_output_logs_files_or_host_state(fleet: Fleet, tmp_path: Path, mode: str) -> None:
    args, env = OUTPUT_MODES[mode]
    playbook = tmp_path / "secrets.yml"
    playbook.write_text(PLAYBOOK, encoding="utf-8")
    log = tmp_path / "ansible.log"
    temp = tmp_path / "tmp"
    tree = tmp_path / "tree"
    temp.mkdir()
    result = run_playbook(
        playbook,
        fleet.inventory,
        *args,
        "-f",
        "15",
        ANSIBLE_LOG_PATH=str(log),
        ANSIBLE_LOCAL_TEMP=str(temp / "ansible-local"),
        ANSIBLE_CALLBACK_TREE_DIR=str(tree),
        TMPDIR=str(temp),
        **env,
    )
    output = result.stdout + result.stderr
    assert MODE_MARKERS[mode] in output, f"{mode} did not take effect:\n{output[:2000]}"
    assert "basic-non-latin1" in log.read_text(encoding="utf-8", errors="replace")  # the log has the results

    assert_no_leak("ansible-playbook stdout", result.stdout)
    assert_no_leak("ansible-playbook stderr", result.stderr)
    assert log.stat().st_size > 0
    for path in [log, *(files_under(tree) if tree.exists() else []), *files_under(temp)]:
        for what in byte_leaks(path.read_bytes()):
            pytest.fail(f"secret leaked in {path}: {what}")
    # the run did what it should, so the scans looked at real successes and real failures
    assert_outcomes(fleet, result.stdout, output)
    assert "Traceback" not in output, output[-5000:]
    if mode.startswith("vvvv-json"):
        outcomes = task_results(result.stdout)
        msgs = {name: r.get("msg", "") for name, r in outcomes[0].items() if name in fleet.fail}
        assert set(msgs) == fleet.fail and all(m and "\n" not in m for m in msgs.values()), msgs
        assert "rejected the credentials" in msgs["wrong-password"], msgs
        assert "Basic authentication cannot send" in msgs["basic-non-latin1"], msgs
        assert outcomes[2]["ntlm-ok"]["changed"] is True  # token_filter_policy applied a change
        assert sorted(p.name for p in tree.iterdir()) == sorted(fleet.succeed | fleet.fail)

    for name, host in fleet.hosts.items():
        for where, data in host_state_texts(host):
            found = byte_leaks(data)
            assert not found, f"secret leaked in {where} of {name}:\n" + "\n".join(found[:10])
    for name, bodies in fleet.soap.items():
        assert bodies or name == "wrong", name
        for body in bodies:
            found = byte_leaks(body)
            assert not found, f"secret sent to {name} in a SOAP body:\n" + "\n".join(found[:10])


# --- on the wire: what reaches the host ------------------------------------------------------------------------


def test_the_connection_secrets_are_no_log_options() -> None:
    """Ansible hides ``no_log`` options wherever it shows module arguments (``invocation``, validation warnings)."""
    for name in ("password", "certificate_key_pem"):
        assert _specs.CONNECTION_OPTIONS[name].get("no_log") is True, name


@pytest.fixture
def wire_log(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, bool, bool]]:
    """(scheme of the Authorization header or "", its payload, body encrypted, over TLS) of every request any
    simulated host of this process receives; SOAP requests are logged with the scheme "soap"."""
    seen: list[tuple[str, str, bool, bool]] = []
    parse = winsim_auth.parse_authorization
    soap = winsim_server.WinRMHandler._soap

    def parse_authorization(value: str | None) -> tuple[str, str] | None:
        parsed = parse(value)
        seen.append((parsed[0], parsed[1], False, False) if parsed else ("", "", False, False))
        return parsed

    def recording_soap(handler: t.Any, body: bytes, identity: t.Any, encrypted: bool) -> None:
        seen.append(("soap", getattr(identity, "auth", ""), encrypted, handler.server.transport == "HTTPS"))
        soap(handler, body, identity, encrypted)

    monkeypatch.setattr(winsim_auth, "parse_authorization", parse_authorization)
    monkeypatch.setattr(winsim_server.WinRMHandler, "_soap", recording_soap)
    return seen


def only_basic(state: HostState) -> None:
    """WinRM configured for Basic only (Negotiate and Kerberos off), also over HTTP (AllowUnencrypted)."""
    auth = state.winrm["Service"]["Auth"]
    auth["Basic"] = "true"
    auth["Negotiate"] = auth["Kerberos"] = "false"
    state.winrm["Service"]["AllowUnencrypted"] = "true"
    set_password(state, ASCII_SECRET)


@pytest.mark.parametrize("scheme", ["http", "https"])
@pytest.mark.parametrize("auth", ["ntlm", "negotiate"])
def test_no_basic_credentials_when_only_basic_is_offered(
    start_host: HostFactory, wire_log: list[tuple[str, str, bool, bool]], auth: str, scheme: str
) -> None:
    """A host (or something posing as it) that offers only Basic never gets the password: NTLM and Negotiate
    fail on the 401 instead of falling back to Basic."""
    host = start_host("2019", configure=only_basic, https=True)
    overrides: dict[str, t.Any] = {"auth": auth, "password": ASCII_SECRET}
    if scheme == "https":
        overrides.update(scheme="https", port=5986, ca_path=host.ca_path)
    with WSManClient(config_for(host, **overrides)) as client, pytest.raises(errors.WinRemoteError) as caught:
        remoting_info.observe(client)
    assert "\n" not in str(caught.value) and not leaks(str(caught.value))
    schemes = {entry[0] for entry in wire_log}
    assert "basic" not in schemes, wire_log
    assert not any(byte_leaks(payload.encode()) or base64_leaks(payload) for _s, payload, *_rest in wire_log)
    assert "soap" not in schemes  # nothing ran


def base64_leaks(payload: str) -> list[str]:
    """Leaks in a base64 token (an NTLM or Basic Authorization payload), decoded."""
    try:
        return byte_leaks(base64.b64decode(payload, validate=True), binary=True)
    except ValueError:
        return []


@pytest.mark.parametrize("auth", ["ntlm", "negotiate"])
def test_ntlm_over_http_is_always_encrypted(
    start_host: HostFactory, wire_log: list[tuple[str, str, bool, bool]], auth: str
) -> None:
    """With the default message_encryption=auto every SOAP body over HTTP is sealed, even on a host that would
    accept plain text (AllowUnencrypted=true), for an observation and a change alike."""

    def lax(state: HostState) -> None:
        state.winrm["Service"]["AllowUnencrypted"] = "true"
        set_password(state, NTLM_SECRET)

    host = start_host("2019", configure=lax)
    with WSManClient(config_for(host, auth=auth, password=NTLM_SECRET)) as client:
        remoting_info.observe(client)
        assert engine.execute(TokenFilterPolicy(), client, True, check_mode=False).changed
    soap = [entry for entry in wire_log if entry[0] == "soap"]
    assert len(soap) >= 5, wire_log  # an observation, and the change with its own observations
    assert all(encrypted and not tls for _s, _auth, encrypted, tls in soap), soap
    assert {a for _s, a, *_rest in soap} == {"ntlm"}, soap  # Negotiate settles on NTLM here (no Kerberos)
    tokens = [payload for scheme, payload, *_rest in wire_log if scheme == "negotiate"]
    assert tokens and not any(base64_leaks(token) for token in tokens)


def test_tls_failure_comes_before_any_credential(
    start_host: HostFactory, wire_log: list[tuple[str, str, bool, bool]]
) -> None:
    """An HTTPS listener this controller does not trust never gets a request, so never a Basic password."""
    host = start_host("2019", configure=only_basic, https=True)
    host.reset_request_count()
    config = config_for(host, auth="basic", password=ASCII_SECRET, scheme="https", port=5986)  # no ca_path
    with WSManClient(config) as client, pytest.raises(errors.TlsError) as caught:
        remoting_info.observe(client)
    assert "\n" not in str(caught.value) and not leaks(str(caught.value))
    assert wire_log == [] and host.request_count == 0


def test_a_client_key_that_cannot_be_loaded_is_named_as_such(start_host: HostFactory, tmp_path: Path) -> None:
    host = start_host("2019", https=True)
    config = config_for(
        host,
        auth="certificate",
        scheme="https",
        port=5986,
        ca_path=host.ca_path,
        certificate_pem=host.ca_path,
        certificate_key_pem=KEY_PEM,
    )
    with WSManClient(config) as client, pytest.raises(errors.WinRemoteError) as caught:
        remoting_info.observe(client)
    message = str(caught.value)
    assert not leaks(message)
    assert "certificate_key_pem" in message or "client certificate" in message, message


# --- the rollback guard: scripts, backups and the scheduled task line hold no secret ---------------------------


class WinrmDoesNotComeBack(WinrmPolicy):
    """The restart happens, then WinRM stays stopped: the guard stays armed on the host."""

    def __init__(self, host: SimulatedHost) -> None:
        super().__init__(wait_seconds=2)
        self.host = host

    def settled(self, client: t.Any, request: t.Any) -> str | None:
        with self.host.lock:
            winsim_rules.stop_winrm(self.host.state)
        self.host.apply_state()
        return super().settled(client, request)


class ListenerChangeDoesNotComeBack:
    """A client whose host creates the HTTP listener, then WinRM stays stopped."""

    def __init__(self, client: WSManClient, host: SimulatedHost) -> None:
        self.client, self.host = client, host

    def __getattr__(self, name: str) -> t.Any:
        return getattr(self.client, name)

    def create(self, *args: t.Any, **kwargs: t.Any) -> t.Any:
        reply = self.client.create(*args, **kwargs)
        with self.host.lock:
            winsim_rules.stop_winrm(self.host.state)
        self.host.apply_state()
        return reply


def assert_host_keeps_no_secret(host: SimulatedHost, bodies: list[bytes], when: str) -> None:
    for where, data in host_state_texts(host):
        found = byte_leaks(data)
        assert not found, f"secret in {where} {when}:\n" + "\n".join(found[:10])
    for body in bodies:
        found = byte_leaks(body)
        assert not found, f"secret in a SOAP body {when}:\n" + "\n".join(found[:10])


def time_passes(host: SimulatedHost) -> None:
    with host.lock:
        winsim_tasks.run_due(host.state, force=True)
    host.apply_state()


@pytest.mark.parametrize("profile", ["2019", "2008r2"])
def test_no_secret_in_the_rollback_guard(start_host: HostFactory, profile: str) -> None:
    """winrm_policy and sm_remoting arm a SYSTEM task with a restore script and backups: while it waits, after it
    ran, and in every command that built it, the password is nowhere."""

    def configure(state: HostState) -> None:
        set_password(state, NTLM_SECRET)
        smremoting.disable(state)

    host = start_host(profile, configure=configure, https=True)
    bodies: list[bytes] = []
    record_soap(host, bodies)
    https = {"scheme": "https", "port": 5986, "ca_path": host.ca_path, "password": NTLM_SECRET}

    # sm_remoting over HTTPS creates the HTTP listener; WinRM does not come back, the guard stays armed
    with (
        WSManClient(config_for(host, connection_timeout=1, **https)) as client,
        pytest.raises(rollback.RollbackPendingError) as pending,
    ):
        enable = SmRemotingDesired("enabled", scheme="https", port=5986)
        engine.execute(SmRemoting(wait_seconds=2), ListenerChangeDoesNotComeBack(client, host), enable, False)
    assert not leaks(str(pending.value))
    with host.lock:
        assert host.state.scheduled_tasks, "the guard is armed"
    assert_host_keeps_no_secret(host, bodies, "while the listener guard waits")
    time_passes(host)
    assert_host_keeps_no_secret(host, bodies, "after the listener guard ran")

    # winrm_policy: the normal path (armed, then cancelled), then a restart that does not come back
    with WSManClient(config_for(host, **https)) as client:
        engine.execute(WinrmPolicy(wait_seconds=15), client, PolicyDesired.from_args({"state": "enabled"}, None), False)
    narrower = PolicyDesired.from_args({"state": "enabled", "ipv4_filter": host.address}, host.address)
    with (
        WSManClient(config_for(host, connection_timeout=1, **https)) as client,
        pytest.raises(rollback.RollbackPendingError) as pending,
    ):
        engine.execute(WinrmDoesNotComeBack(host), client, narrower, check_mode=False)
    assert not leaks(str(pending.value))
    with host.lock:
        assert host.state.scheduled_tasks, "the guard is armed"
    assert_host_keeps_no_secret(host, bodies, "while the policy guard waits")
    time_passes(host)
    assert_host_keeps_no_secret(host, bodies, "after the policy guard ran")
    with host.lock:
        assert host.state.runtime.programs, "the command records were kept"


# --- a fleet served by `winsim start`: its state dir (saved host states, log) after a run ---------------------


def winsim_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "winsim"), *args], capture_output=True, text=True, timeout=120, check=False)


def test_no_secret_in_a_winsim_fleet_state_dir(tmp_path: Path) -> None:
    """The serving process saves every host's state after each change and keeps a log: after a verbose run
    that changed both hosts, neither holds the password (but the account list, where it belongs)."""
    state_dir = tmp_path / "state"
    base = winsim_addresses.free_block(2, second_octets=range(68, 69))
    started = winsim_cli(
        "start", "--hosts", "2", "--profile", "2016", "--profile", "2008r2", "--winrm-ready",
        "--base-address", base, "--inventory", str(tmp_path / "fleet.yml"), "--state-dir", str(state_dir),
    )  # fmt: skip
    assert started.returncode == 0, started.stderr
    try:
        info = read_fleet_info(state_dir)
        hosts: dict[str, dict[str, t.Any]] = {}
        for entry in info["hosts"]:
            patch = json.dumps([{"op": "replace", "path": "/accounts/0/password", "value": NTLM_SECRET}])
            patched = winsim_cli("set", "--state-dir", str(state_dir), "--host", entry["name"], "--json-patch", patch)
            assert patched.returncode == 0, patched.stderr
            hosts[entry["name"]] = {
                "ansible_host": entry["address"],
                "ansible_port": entry["http_port"],
                "ansible_connection": "psrp",
                "ansible_psrp_protocol": "http",
                "ansible_psrp_auth": "ntlm",
                "ansible_user": "Administrator",
                "ansible_password": NTLM_SECRET,
            }
        inventory = tmp_path / "inventory.yml"
        inventory.write_text(yaml.safe_dump({"windows": {"hosts": hosts}}, allow_unicode=True), encoding="utf-8")
        playbook = tmp_path / "run.yml"
        playbook.write_text(
            "- name: Run\n  hosts: windows\n  gather_facts: false\n  tasks:" + TASKS.format(connection=""),
            encoding="utf-8",
        )
        log = tmp_path / "ansible.log"
        result = run_playbook(playbook, inventory, "-vvvv", "--diff", ANSIBLE_LOG_PATH=str(log))
        assert result.returncode == 0, result.stdout[-3000:]
        assert result.stdout.count("changed=2") == 2, result.stdout[-2000:]  # token filter and firewall rules
        assert_no_leak("ansible-playbook output", result.stdout + result.stderr)
        assert_no_leak("the Ansible log", log.read_text(encoding="utf-8", errors="replace"))
    finally:
        stopped = winsim_cli("stop", "--state-dir", str(state_dir))
    assert stopped.returncode == 0, stopped.stderr
    saved = sorted((state_dir / "hosts").glob("*.json"))
    assert len(saved) == 2
    for path in saved:
        state = json.loads(path.read_text(encoding="utf-8"))
        assert [a["password"] for a in state.pop("accounts") if a["name"] == "Administrator"] == [NTLM_SECRET]
        assert state["registry"] and state["scheduled_tasks"] == {}
        for where, data in (
            (str(path), json.dumps(state, ensure_ascii=False).encode("utf-8")),
            (f"{path} (ASCII JSON)", json.dumps(state).encode("ascii")),
        ):
            found = byte_leaks(data)
            assert not found, f"secret in {where}:\n" + "\n".join(found[:10])
    for path in files_under(state_dir):
        if path.parent.name in ("hosts", "patches"):
            continue  # the saved states are checked above without their accounts; patches are this test's own
        found = byte_leaks(path.read_bytes())
        assert not found, f"secret in {path}:\n" + "\n".join(found[:10])
