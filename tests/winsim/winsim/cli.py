# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""``winsim`` command: serve a fleet in the foreground, start/stop it as a daemon, show or patch a host's state.

``set`` works through the state dir: it drops a JSON Patch (RFC 6902) into ``<state_dir>/patches/``; the serving
process applies it to the host's state, calls ``apply_state()`` and rewrites the host's JSON.  The serving process
does not save host states after every request: ``show`` drops a save request into ``<state_dir>/requests/`` and
waits for it, so what it prints is live.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from winsim.fleet import Fleet, read_fleet_info, write_json


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="winsim", description="Simulated Windows Server hosts for WinRM tests")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (
        ("serve", "run a fleet in the foreground until SIGTERM/SIGINT"),
        ("start", "run a fleet in the background; return once it answers"),
    ):
        p = sub.add_parser(name, help=text)
        p.add_argument("--hosts", type=int, default=1, help="number of hosts")
        p.add_argument("--profile", action="append", default=[], help="OS profile (repeat to cycle), e.g. 2019")
        p.add_argument("--base-address", default="127.0.0.10", help="address of the first host (127.0.0.0/8)")
        p.add_argument("--inventory", required=True, help="Ansible YAML inventory to write")
        p.add_argument("--state-dir", required=True, help="directory for fleet.json and host states")
        p.add_argument("--unreachable", type=int, default=0, help="the last K hosts get no WinRM listener")
        p.add_argument(
            "--winrm-ready",
            action="store_true",
            help="run 'winrm quickconfig' on the other hosts that have no listener (2008, 2008 R2)",
        )
        p.add_argument(
            "--locale",
            action="append",
            default=[],
            metavar="HOST=LOCALE",
            help="display language of one host (repeat), e.g. sim-2019-01=pt-BR; the others are en-US",
        )
        p.add_argument(
            "--certificate",
            action="append",
            default=[],
            metavar="HOST=NAME",
            help="a test-CA certificate for NAME (CN and DNS name, and the host's address) in HOST's "
            "LocalMachine\\My (repeat), e.g. sim-2019-02=sim-2019-02.winremote.test",
        )
        p.add_argument("--pidfile", help="file to write the serving process id to")
        p.add_argument("--http-port", type=int, default=5985)
        p.add_argument("--https-port", type=int, default=5986)
        p.add_argument("--timeout", type=float, default=60.0, help="start: seconds to wait for the fleet")
    p = sub.add_parser("stop", help="stop a fleet started with 'start' (or 'serve')")
    p.add_argument("--state-dir", required=True)
    p.add_argument("--timeout", type=float, default=15.0)
    p = sub.add_parser("show", help="print a host's live state as JSON")
    p.add_argument("--state-dir", required=True)
    p.add_argument("--host", required=True)
    p.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for the serving process to save")
    p = sub.add_parser("set", help="apply a JSON Patch to a running host's state")
    p.add_argument("--state-dir", required=True)
    p.add_argument("--host", required=True)
    p.add_argument("--json-patch", required=True, help='RFC 6902 patch, e.g. \'[{"op":"replace",...}]\'')
    p.add_argument("--timeout", type=float, default=10.0)
    add_domain_parser(sub)
    return parser


def add_domain_parser(sub: Any) -> None:
    """``winsim domain start|stop|show``: a Samba AD DC for Kerberos tests (winsim.domain)."""
    from winsim import domain

    p = sub.add_parser("domain", help="a throw-away Samba AD domain controller on a loopback address")
    actions = p.add_subparsers(dest="domain_command", required=True)
    for name, text in (
        ("start", "provision and start a DC with the users wradmin (Domain Admins) and wruser; print domain.json"),
        ("stop", "stop the DC and remove its scratch dir"),
        ("show", "print the DC's state (domain.json) without passwords"),
        ("leftovers", "fail when a test run left a scratch realm (pytest-*) or its samba under --scratch-dir"),
    ):
        a = actions.add_parser(name, help=text)
        a.add_argument("--scratch-dir", default=".work/domain/cli", help="the DC's directory (default: %(default)s)")
        if name == "start":
            a.add_argument("--realm", default=domain.REALM)
            a.add_argument("--netbios", default=domain.NETBIOS)
            a.add_argument("--address", default=domain.ADDRESS, help="an address of lo (default: %(default)s)")
            a.add_argument(
                "--join",
                action="append",
                default=[],
                metavar="SHORT[=FQDN]",
                help="a computer account and keytab for this host (repeat); FQDN defaults to SHORT.<realm>",
            )
            a.add_argument("--timeout", type=float, default=90.0, help="seconds to wait for LDAP and the KDC")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    commands = {"serve": serve, "start": start, "stop": stop, "show": show, "set": set_state, "domain": domain_cmd}
    return int(commands[args.command](args))


# --- serve / start / stop --------------------------------------------------------------------------------


def host_locales(pairs: list[str]) -> dict[str, str]:
    """``HOST=LOCALE`` options as a mapping; ValueError naming --locale for a malformed one."""
    found: dict[str, str] = {}
    for pair in pairs:
        host, sep, locale = pair.partition("=")
        if not sep or not host.strip() or not locale.strip():
            raise ValueError(f"--locale {pair!r}: expected HOST=LOCALE, e.g. sim-2019-01=pt-BR")
        found[host.strip()] = locale.strip()
    return found


def host_certificates(pairs: list[str]) -> list[tuple[str, str]]:
    """``HOST=NAME`` options as (host, name) pairs; ValueError naming --certificate for a malformed one."""
    found: list[tuple[str, str]] = []
    for pair in pairs:
        host, sep, name = pair.partition("=")
        if not sep or not host.strip() or not name.strip():
            raise ValueError(f"--certificate {pair!r}: expected HOST=NAME, e.g. sim-2019-02=sim-2019-02.example.test")
        found.append((host.strip(), name.strip()))
    return found


def add_certificates(fleet: Fleet, pairs: list[tuple[str, str]]) -> None:
    """Issue each host's ``--certificate`` by the fleet's test CA (the ``ca_path`` of fleet.json), naming the
    host's address too, so a client connecting by address validates it."""
    unknown = sorted({host for host, _name in pairs} - set(fleet.hosts))
    if unknown:
        raise ValueError(f"--certificate: no host named {', '.join(unknown)} in this fleet")
    for host, name in pairs:
        simulated = fleet.hosts[host]
        simulated.add_certificate(name, dns_names=(name,), ip_addresses=(simulated.address,))


def serve(args: argparse.Namespace) -> int:
    """Run the fleet here until SIGTERM or SIGINT."""
    fleet = Fleet.create(
        args.hosts,
        args.profile or ["2019"],
        args.state_dir,
        base_address=args.base_address,
        http_port=args.http_port,
        https_port=args.https_port,
        unreachable=args.unreachable,
        winrm_ready=args.winrm_ready,
        locales=host_locales(args.locale),
    )
    add_certificates(fleet, host_certificates(args.certificate))
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    fleet.write_inventory(args.inventory)  # before start(): 'start' returns once fleet.json says ready
    fleet.start()
    try:
        if args.pidfile:
            Path(args.pidfile).write_text(f"{os.getpid()}\n", encoding="utf-8")
        fleet.save()  # fleet.json with ready=true last: 'start' waits for it
        print(f"winsim: serving {len(fleet.hosts)} host(s); inventory {args.inventory}", flush=True)
        while not stopping.wait(0.2):
            apply_patches(fleet)
            answer_save_requests(fleet)
    finally:
        fleet.stop()
        if args.pidfile:
            Path(args.pidfile).unlink(missing_ok=True)
    return 0


def start(args: argparse.Namespace) -> int:
    """Spawn ``winsim serve`` in its own session and wait until every reachable host accepts connections."""
    host_locales(args.locale)  # a malformed --locale fails here, before anything is spawned
    host_certificates(args.certificate)  # and so does a malformed --certificate
    state_dir = Path(args.state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    (state_dir / "fleet.json").unlink(missing_ok=True)
    argv = [
        sys.executable,
        "-m",
        "winsim.cli",
        "serve",
        "--hosts",
        str(args.hosts),
        "--base-address",
        args.base_address,
        "--inventory",
        str(Path(args.inventory).resolve()),
        "--state-dir",
        str(state_dir.resolve()),
        "--unreachable",
        str(args.unreachable),
        "--http-port",
        str(args.http_port),
        "--https-port",
        str(args.https_port),
    ]
    for profile in args.profile:
        argv += ["--profile", profile]
    if args.winrm_ready:
        argv.append("--winrm-ready")
    for pair in args.locale:
        argv += ["--locale", pair]
    for pair in args.certificate:
        argv += ["--certificate", pair]
    if args.pidfile:
        argv += ["--pidfile", str(Path(args.pidfile).resolve())]
    with open(state_dir / "winsim.log", "ab") as logfile:
        child = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=logfile,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
        )
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        if child.poll() is not None:
            print(f"winsim: serve exited with {child.returncode}; see {state_dir / 'winsim.log'}", file=sys.stderr)
            return 1
        info = _fleet_info(state_dir)
        if info and info.get("pid") == child.pid and info.get("ready") and _all_answer(info):
            print(f"winsim: started {len(info['hosts'])} host(s), pid {child.pid}")
            return 0
        time.sleep(0.1)
    child.terminate()
    print("winsim: the fleet did not come up in time", file=sys.stderr)
    return 1


def stop(args: argparse.Namespace) -> int:
    """SIGTERM the serving process named in fleet.json and wait for it to exit."""
    info = _fleet_info(Path(args.state_dir))
    if info is None:
        print(f"winsim: no fleet in {args.state_dir}", file=sys.stderr)
        return 1
    pid = int(info["pid"])
    if not _alive(pid):
        print(f"winsim: process {pid} is not running")
        return 0
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            print(f"winsim: stopped process {pid}")
            return 0
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)
    print(f"winsim: process {pid} did not stop in time; killed", file=sys.stderr)
    return 1


def _fleet_info(state_dir: Path) -> dict[str, Any] | None:
    try:
        return read_fleet_info(state_dir)
    except (OSError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        reaped, _status = os.waitpid(pid, os.WNOHANG)  # our own child (start + stop in one process): reap it
        if reaped == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _all_answer(info: dict[str, Any]) -> bool:
    from winsim.host import wait_until_listening

    for host in info["hosts"]:
        for transport, _port in host.get("endpoints", []):
            port = host["https_port"] if transport == "HTTPS" else host["http_port"]
            if not wait_until_listening(host["address"], int(port), timeout=0.5):
                return False
    return True


# --- domain ---------------------------------------------------------------------------------------------


def domain_cmd(args: argparse.Namespace) -> int:
    """Start, stop or show the DC in ``--scratch-dir``; the DC outlives this command (``detached``)."""
    from winsim.domain import Domain, DomainError, public_state

    scratch = Path(args.scratch_dir)
    if args.domain_command == "leftovers":
        from winsim.domain import leftovers

        left = leftovers(scratch)
        for item in left:
            print(f"winsim: left behind: {item}", file=sys.stderr)
        return 1 if left else 0
    if args.domain_command == "start":
        try:
            dc = Domain(scratch, args.realm, args.netbios, args.address, detached=True)
            return domain_start(dc, args.join, args.timeout)
        except (DomainError, ValueError) as err:
            print(f"winsim: {err}", file=sys.stderr)
            return 1
    try:
        dc = Domain.load(scratch)
    except (OSError, KeyError, ValueError) as err:
        print(f"winsim: no domain in {scratch}: {err}", file=sys.stderr)
        return 1
    if args.domain_command == "stop":
        dc.stop()
        print(f"winsim: stopped the domain in {scratch}")
        return 0
    print(json.dumps(public_state(dc.state()), indent=2, sort_keys=True))
    return 0


def domain_start(dc: Any, joins: list[str], timeout: float) -> int:
    """Provision, start, add wradmin/wruser and the ``--join`` hosts; a failure stops the DC but keeps its log."""
    from winsim.domain import DEFAULT_HOST_OS

    dc.provision()
    try:
        dc.start(timeout=timeout)
        dc.add_default_users()
        for pair in joins:
            short, _sep, fqdn = pair.partition("=")
            dc.join_host(short, fqdn or f"{short.lower()}.{dc.realm.lower()}", *DEFAULT_HOST_OS)
    except BaseException:
        dc.stop(remove=False)
        raise
    print(dc.state_file)
    return 0


# --- show / set --------------------------------------------------------------------------------------------


def show(args: argparse.Namespace) -> int:
    """Print the host's state; a running fleet saves it first, a stopped one left its last save."""
    state_dir = Path(args.state_dir)
    path = state_dir / "hosts" / f"{args.host}.json"
    info = _fleet_info(state_dir)
    if info is not None and info.get("ready") and _alive(int(info["pid"])):
        outcome = _ask(state_dir / "requests", args.host, "save", args.timeout)
        if outcome != "ok":
            print(f"winsim: {outcome}", file=sys.stderr)
            return 1
    if not path.exists():
        print(f"winsim: no host {args.host!r} in {args.state_dir}", file=sys.stderr)
        return 1
    print(path.read_text(encoding="utf-8"), end="")
    return 0


def _ask(directory: Path, host: str, kind: str, timeout: float) -> str:
    """Drop a request for the serving process and wait for its one-line answer ("ok" or why not)."""
    ticket = f"{host}.{uuid.uuid4().hex}"
    directory.mkdir(parents=True, exist_ok=True)
    request = directory / f"{ticket}.{kind}"
    request.write_text("", encoding="utf-8")
    result = directory / f"{ticket}.result"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result.exists():
            text = result.read_text(encoding="utf-8").strip()
            result.unlink()
            return text
        time.sleep(0.05)
    request.unlink(missing_ok=True)
    return "the serving process did not answer (is it running?)"


def answer_save_requests(fleet: Fleet) -> None:
    """Save the hosts ``show`` asked for (called by the serving process)."""
    directory = fleet.state_dir / "requests"
    if not directory.is_dir():
        return
    for path in sorted(directory.glob("*.save")):
        name = path.name.split(".", 1)[0]
        outcome = "ok"
        try:
            fleet.save_host(name)
        except KeyError:
            outcome = f"no host {name!r} in {fleet.state_dir}"
        path.unlink(missing_ok=True)
        (directory / (path.name[: -len(".save")] + ".result")).write_text(outcome + "\n", encoding="utf-8")


def set_state(args: argparse.Namespace) -> int:
    """Queue a patch for the serving process and wait until it was applied (or rejected)."""
    patch = json.loads(args.json_patch)
    if not isinstance(patch, list):
        print("winsim: --json-patch must be a JSON array of operations", file=sys.stderr)
        return 2
    patches = Path(args.state_dir) / "patches"
    ticket = f"{args.host}.{uuid.uuid4().hex}"
    write_json(patches / f"{ticket}.json", patch)
    result = patches / f"{ticket}.result"
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        if result.exists():
            text = result.read_text(encoding="utf-8").strip()
            result.unlink()
            if text != "ok":
                print(f"winsim: {text}", file=sys.stderr)
                return 1
            return 0
        time.sleep(0.05)
    print("winsim: the serving process did not apply the patch (is it running?)", file=sys.stderr)
    return 1


def apply_patches(fleet: Fleet) -> None:
    """Apply queued ``set`` patches (called by the serving process)."""
    from winsim.state import HostState

    directory = fleet.state_dir / "patches"
    if not directory.is_dir():
        return
    for path in sorted(directory.glob("*.json")):
        name = path.name.split(".", 1)[0]
        outcome = "ok"
        try:
            patch = json.loads(path.read_text(encoding="utf-8"))
            host = fleet.hosts[name]
            with host.lock:
                data = json_patch(host.state.to_json(), patch)
                new = HostState.from_json(data)
                new.runtime = host.state.runtime
                host.state = new
            host.apply_state()
            fleet.save_host(name)
        except KeyError as err:
            outcome = f"no such host or path: {err}"
        except (ValueError, TypeError, IndexError) as err:
            outcome = f"patch failed: {err}"
        path.unlink(missing_ok=True)
        (directory / (path.name[: -len(".json")] + ".result")).write_text(outcome + "\n", encoding="utf-8")


def json_patch(doc: Any, ops: list[dict[str, Any]]) -> Any:
    """A small RFC 6902 subset: add, remove, replace, test."""
    for op in ops:
        *parents, last = [p.replace("~1", "/").replace("~0", "~") for p in str(op["path"]).split("/")[1:]]
        target = doc
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        kind = op["op"]
        if isinstance(target, list):
            index = len(target) if last == "-" else int(last)
            if kind == "add":
                target.insert(index, op["value"])
            elif kind == "remove":
                target.pop(index)
            elif kind == "replace":
                target[index] = op["value"]
            elif kind == "test" and target[index] != op["value"]:
                raise ValueError(f"test failed at {op['path']}")
        else:
            if kind in ("add", "replace"):
                if kind == "replace" and last not in target:
                    raise KeyError(op["path"])
                target[last] = op["value"]
            elif kind == "remove":
                del target[last]
            elif kind == "test" and target.get(last) != op["value"]:
                raise ValueError(f"test failed at {op['path']}")
        if kind not in ("add", "remove", "replace", "test"):
            raise ValueError(f"unsupported op {kind!r}")
    return doc


if __name__ == "__main__":
    sys.exit(main())
