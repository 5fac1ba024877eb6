# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Connection options are used, not ignored: a working HTTP proxy carries the WS-Man traffic, a dead one fails the
host naming the proxy (psrp and winrm variables alike), and a refused option stops the task before anything is sent."""

from __future__ import annotations

import http.client
import http.server
import json
import re
import threading
import typing as t
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from simhosts import JSON_RESULTS, PASSWORD, HostFactory, next_address, run_playbook, task_results, write_inventory

QUERY = """
- name: Query
  hosts: windows
  gather_facts: false
  tasks:
    - name: Query Server Manager remoting
      winremote.remoting.sm_remoting:
        state: query
      ignore_unreachable: true
"""

HOP_BY_HOP = {
    "connection",
    "proxy-connection",
    "keep-alive",
    "transfer-encoding",
    "te",
    "upgrade",
    "proxy-authorization",
}


class ForwardProxy(http.server.ThreadingHTTPServer):
    """A plain-HTTP forward proxy: one upstream connection per client connection (NTLM authenticates the
    connection, so the two must stay paired), every request forwarded and counted."""

    daemon_threads = True

    def __init__(self) -> None:
        self.requests: list[str] = []
        for _attempt in range(4):  # another test may hold an address for a moment
            try:
                super().__init__((next_address(), 3128), ProxyHandler)
                return
            except OSError:
                continue
        super().__init__((next_address(), 3128), ProxyHandler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


class ProxyHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: ForwardProxy
    upstream: http.client.HTTPConnection | None = None

    def log_message(self, format: str, *args: t.Any) -> None:
        return None

    def do_POST(self) -> None:
        target = urllib.parse.urlsplit(self.path)  # a proxy request carries the absolute URL
        self.server.requests.append(self.path)
        if self.upstream is None:
            self.upstream = http.client.HTTPConnection(target.hostname or "", target.port or 80, timeout=30)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        self.upstream.request("POST", target.path or "/", body=body, headers=headers)
        reply = self.upstream.getresponse()
        data = reply.read()
        self.send_response(reply.status, reply.reason)
        for key, value in reply.getheaders():
            if key.lower() not in HOP_BY_HOP and key.lower() != "content-length":
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def proxy() -> Iterator[ForwardProxy]:
    server = ForwardProxy()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def winrm_vars(address: str, **extra: t.Any) -> dict[str, t.Any]:
    return {
        "ansible_host": address,
        "ansible_connection": "winrm",
        "ansible_port": 5985,
        "ansible_winrm_scheme": "http",
        "ansible_winrm_transport": ["ntlm"],
        "ansible_user": "Administrator",
        "ansible_password": PASSWORD,
        **extra,
    }


def run_query(tmp_path: Path, hosts: dict[str, dict[str, t.Any]]) -> dict[str, dict[str, t.Any]]:
    playbook = tmp_path / "query.yml"
    playbook.write_text(QUERY, encoding="utf-8")
    result = run_playbook(playbook, write_inventory(tmp_path / "inventory.yml", hosts), "-v", **JSON_RESULTS)
    assert PASSWORD not in result.stdout
    return outcomes(result.stdout)


def outcomes(stdout: str) -> dict[str, dict[str, t.Any]]:
    """Host -> result of the one task; task_results() reads ok/changed/failed lines, unreachable ones are read here."""
    tasks = task_results(stdout)
    found = dict(tasks[0]) if tasks else {}
    for match in re.finditer(r"^fatal: \[([^\]]+)\]: UNREACHABLE! => (\{.*\})$", stdout, re.MULTILINE):
        found[match.group(1)] = {**json.loads(match.group(2)), "_status": "unreachable"}
    return found


def test_a_working_proxy_carries_the_traffic(start_host: HostFactory, proxy: ForwardProxy, tmp_path: Path) -> None:
    psrp_host = start_host("2019")
    winrm_host = start_host("2022")
    hosts = {
        "via-psrp": {**psrp_host.inventory_vars(), "ansible_psrp_proxy": proxy.url},
        "via-winrm": winrm_vars(winrm_host.address, ansible_winrm_proxy=proxy.url),
    }
    observed = run_query(tmp_path, hosts)
    for name in hosts:
        assert observed[name]["_status"] == "ok", (name, observed[name])
        assert observed[name]["sm_remoting_enabled"] is True, name
    through = {urllib.parse.urlsplit(url).hostname for url in proxy.requests}
    assert through == {psrp_host.address, winrm_host.address}, proxy.requests
    assert psrp_host.request_count > 0 and winrm_host.request_count > 0


def test_a_dead_proxy_fails_naming_the_proxy(start_host: HostFactory, tmp_path: Path) -> None:
    """Before, ansible_winrm_proxy was ignored (this succeeded) and a psrp proxy failure read as the host refusing."""
    host = start_host("2019")
    dead = f"http://{next_address()}:3128"  # nothing listens there
    hosts = {
        "psrp-dead-proxy": {**host.inventory_vars(), "ansible_psrp_proxy": dead},
        "winrm-dead-proxy": winrm_vars(host.address, ansible_winrm_proxy=dead),
    }
    observed = run_query(tmp_path, hosts)
    for name, variable in (("psrp-dead-proxy", "ansible_psrp_proxy"), ("winrm-dead-proxy", "ansible_winrm_proxy")):
        outcome = observed[name]
        assert outcome["_status"] == "unreachable", (name, outcome)
        assert outcome["msg"].startswith(f"the HTTP proxy {dead} failed on the way to WinRM at http://"), outcome
        assert variable in outcome["msg"] and "\n" not in outcome["msg"]
    assert host.request_count == 0


def test_refused_options_stop_before_anything_is_sent(start_host: HostFactory, tmp_path: Path) -> None:
    host = start_host("2019")
    hosts = {
        "jea": {**host.inventory_vars(), "ansible_psrp_configuration_name": "JEAMaintenance"},
        "kinit": winrm_vars(host.address, ansible_winrm_kinit_cmd="/opt/krb5/bin/kinit"),
    }
    observed = run_query(tmp_path, hosts)
    expected = {"jea": "ansible_psrp_configuration_name", "kinit": "ansible_winrm_kinit_cmd"}
    for name, variable in expected.items():
        outcome = observed[name]
        assert outcome["_status"] == "fatal", (name, outcome)
        assert outcome["msg"].startswith(f"{variable} is set for this host, but winremote.remoting cannot honour it")
    assert "JEA or other restricted endpoint would not restrict them" in observed["jea"]["msg"]
    assert "never runs kinit" in observed["kinit"]["msg"]
    assert host.request_count == 0
