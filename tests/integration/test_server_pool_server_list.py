# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Server Manager's ServerList.xml as a server_pool source: server groups become Ansible groups, the writer
(winremote.remoting.server_list) pushes hosts back, and bad files give one clean inventory error."""

from __future__ import annotations

import json
import subprocess
import sys
import typing as t
from pathlib import Path

import yaml
from simhosts import BIN, PASSWORD, HostFactory, ansible_env, run_playbook
from test_server_pool_inventory import members, unwrap, write_config

from winsim import addresses


def server_list(servers: list[tuple[str, str | None]]) -> bytes:
    """A ServerList.xml in Server Manager's layout (CRLF, a comment, a BOM) with ``(name, group)`` servers."""
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<ServerList xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" localhostName="MGMT01.contoso.com">',
        "  <!-- kept by Server Manager -->",
    ]
    lines += [
        f'  <ServerInfo name="{name}" status="1" lastUpdateTime="2026-11-30T08:00:00.0000000+00:00" locale="en-US" />'
        for name, _group in servers
    ]
    by_group: dict[str, list[str]] = {}
    for name, group in servers:
        if group:
            by_group.setdefault(group, []).append(name)
    for group, names in by_group.items():
        lines.append(f'  <ServerGroupInfo name="{group}">')
        lines += [f'    <ServerGroupMembership name="{name}" />' for name in names]
        lines.append("  </ServerGroupInfo>")
    lines.append("</ServerList>")
    return b"\xef\xbb\xbf" + ("\r\n".join(lines) + "\r\n").encode()


def listing(config: Path, **env: str) -> dict[str, t.Any]:
    command = [str(BIN / "ansible-inventory"), "-i", str(config), "--list"]
    result = subprocess.run(command, env=ansible_env(**env), capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert PASSWORD not in result.stdout + result.stderr
    return t.cast(dict[str, t.Any], unwrap(json.loads(result.stdout)))


def failing(config: Path) -> str:
    """ansible-inventory's stderr for a configuration that must fail the inventory (not fall back to others)."""
    command = [str(BIN / "ansible-inventory"), "-i", str(config), "--list"]
    env = ansible_env(ANSIBLE_INVENTORY_UNPARSED_FAILED="True", WINREMOTE_PASSWORD=PASSWORD)
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr
    return result.stderr


def test_server_groups_become_groups_and_the_writer_round_trips(start_host: HostFactory, tmp_path: Path) -> None:
    web, sql, new = start_host("2019"), start_host("2016"), start_host("2022")
    path = tmp_path / "ServerList.xml"
    # a server that is gone: an address where nothing listens (a name would be looked up in the real DNS)
    gone = addresses.free_block(1, range(240, 251))
    original = server_list([(web.address, "Web Servers"), (sql.address, "SQL"), (gone, None)])
    path.write_bytes(original)
    config = write_config(tmp_path / "pool.server_pool.yml", [web.address], server_lists=["ServerList.xml"])
    env = {"WINREMOTE_PASSWORD": PASSWORD}

    first = listing(config, **env)
    hostvars = first["_meta"]["hostvars"]
    # the static entry and the file's entry are one host
    assert set(hostvars) == {web.address, sql.address, gone}
    assert members(first, "server_group_web_servers") == {web.address}
    assert members(first, "server_group_sql") == {sql.address}
    assert hostvars[web.address]["winremote_server_groups"] == ["Web Servers"]
    assert "winremote_server_groups" not in hostvars[gone]
    assert hostvars[web.address]["winremote_manageability"] == "Online"
    assert hostvars[gone]["winremote_manageability"] == "Not accessible"

    play = tmp_path / "push.yml"
    play.write_text(
        yaml.safe_dump(
            [
                {
                    "hosts": "localhost",
                    "gather_facts": False,
                    "tasks": [
                        {
                            "name": "Push the new server into Server Manager's Web Servers group",
                            "winremote.remoting.server_list": {
                                "path": str(path),
                                "servers": [new.address],
                                "group": "Web Servers",
                            },
                        }
                    ],
                }
            ]
        ),
        encoding="utf-8",
    )
    local = tmp_path / "local.yml"
    localhost = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    local.write_text(yaml.safe_dump({"all": {"hosts": {"localhost": localhost}}}), encoding="utf-8")
    run = run_playbook(play, local)
    assert run.returncode == 0, run.stdout + run.stderr

    changed = path.read_bytes()
    assert changed != original
    # Server Manager's content is kept byte for byte: the edit only inserts lines
    remaining = changed.decode("utf-8-sig").splitlines(keepends=True)
    for line in original.decode("utf-8-sig").splitlines(keepends=True):
        assert line in remaining, line
        remaining.remove(line)
    assert all(new.address in line or "ServerGroup" not in line or line.strip() == "" for line in remaining), remaining
    assert changed.startswith(b"\xef\xbb\xbf")

    second = listing(config, **env)
    assert members(second, "server_group_web_servers") == {web.address, new.address}
    assert second["_meta"]["hostvars"][new.address]["winremote_manageability"] == "Online"


def test_an_entity_bomb_is_refused_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "ServerList.xml").write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>\n'
        '<ServerList><ServerInfo name="&lol2;" /></ServerList>\n',
        encoding="utf-8",
    )
    config = write_config(tmp_path / "bomb.server_pool.yml", [], server_lists=["ServerList.xml"])
    stderr = failing(config)
    assert "server_lists" in stderr and "DTDs and entity declarations are refused" in stderr


def test_an_external_entity_is_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("do-not-read-me", encoding="utf-8")
    (tmp_path / "ServerList.xml").write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file://{secret}">]>\n'
        '<ServerList><ServerInfo name="&e;" /></ServerList>\n',
        encoding="utf-8",
    )
    config = write_config(tmp_path / "xxe.server_pool.yml", [], server_lists=["ServerList.xml"])
    stderr = failing(config)
    assert "DTDs and entity declarations are refused" in stderr and "do-not-read-me" not in stderr


def test_a_malformed_file_names_the_file_and_the_position(tmp_path: Path) -> None:
    (tmp_path / "ServerList.xml").write_text('<ServerList><ServerInfo name="a"></ServerList>', encoding="utf-8")
    config = write_config(tmp_path / "bad.server_pool.yml", [], server_lists=["ServerList.xml"])
    stderr = failing(config)
    assert "ServerList.xml: not well-formed XML" in stderr and "line 1" in stderr


def test_a_missing_file_is_an_error(tmp_path: Path) -> None:
    config = write_config(tmp_path / "missing.server_pool.yml", [], server_lists=["nowhere/ServerList.xml"])
    assert "server_lists" in failing(config) and "does not exist" in failing(config)


def test_an_empty_source_warns_and_gives_an_empty_inventory(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("# nobody yet\n", encoding="utf-8")
    config = write_config(tmp_path / "empty.server_pool.yml", [], import_files=["empty.txt"])
    command = [str(BIN / "ansible-inventory"), "-i", str(config), "--list"]
    result = subprocess.run(command, env=ansible_env(), capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "the sources name no host; the inventory is empty" in result.stderr
    assert unwrap(json.loads(result.stdout))["_meta"]["hostvars"] == {}


def test_hosts_left_at_the_deadline_warn_and_keep_the_rest(start_host: HostFactory, tmp_path: Path) -> None:
    """One host that never answers in time: the inventory still lists every host, and says what to raise."""
    host = start_host("2019")
    host.inject_fault("delay", count=10, seconds=8)
    quick = start_host("2019")
    config = write_config(
        tmp_path / "late.server_pool.yml",
        [host.address, quick.address],
        probe_timeout=20,
        probe_deadline=3,
        probe_concurrency=2,
    )
    command = [str(BIN / "ansible-inventory"), "-i", str(config), "--list"]
    env = ansible_env(WINREMOTE_PASSWORD=PASSWORD)
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "1 of 2 hosts were not probed before probe_deadline passed" in result.stderr
    hostvars = unwrap(json.loads(result.stdout))["_meta"]["hostvars"]
    assert hostvars[host.address]["winremote_manageability"] == "Not accessible"
    assert hostvars[quick.address]["winremote_manageability"] == "Online"
