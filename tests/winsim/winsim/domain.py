# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A throw-away Active Directory domain: a Samba AD DC provisioned into a scratch directory, bound to one loopback
address, for Kerberos tests.

Nothing outside the scratch directory changes: ``samba-tool domain provision --targetdir`` keeps the databases,
the generated smb.conf and Samba's own krb5.conf there, every later command gets ``-s <scratch>/etc/smb.conf``,
and the pid, socket and log directories point into it too. Clients use ``<scratch>/krb5.conf`` through
``KRB5_CONFIG`` (the KDC by address, no DNS), never /etc/krb5.conf.

No password is put on a command line (``ps`` would show it): the Administrator's password, users and joined
hosts are written as LDIF on ldbmodify's / ldbadd's standard input, and ``kinit`` reads from its standard input.

    <scratch>/domain.json     realm, address, paths, users (with passwords), keytabs; mode 0600
    <scratch>/krb5.conf       client configuration for the realm
    <scratch>/keytabs/        one keytab per joined host (HOST/, WSMAN/, HTTP/ for the short and full names)
    <scratch>/log/            Samba's output
    <scratch>/owner.pid       the process whose exit stops this DC (absent for a detached DC)
"""

from __future__ import annotations

import base64
import contextlib
import ipaddress
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

REALM = "WINREMOTE.TEST"
NETBIOS = "WINREMOTE"
ADDRESS = "127.0.0.1"
DC_NAME = "dc01"
# operatingSystem / operatingSystemVersion of hosts joined without saying which (winsim domain start --join).
DEFAULT_HOST_OS = ("Windows Server 2019 Datacenter", "10.0 (17763)")
ADMIN_USER = "wradmin"
PLAIN_USER = "wruser"
STATE_FILE = "domain.json"
OWNER_FILE = "owner.pid"
SBIN = "/usr/sbin:/sbin"
REQUIRED_TOOLS = ("samba", "samba-tool", "ldbadd", "ldbmodify", "ldbsearch", "kinit", "klist")
INSTALL_HINT = "run 'make domain-deps' (as root) to install samba, krb5-user and ldb-tools"
# LDAP and the KDC; a domain can only start where these are free on its address.
DC_TCP_PORTS = (88, 389)
# Only what LDAP and Kerberos need: no SMB file server, winbindd, NetBIOS, WINS or DNS server. The DNS zone is
# still provisioned (SAMBA_INTERNAL), but nothing answers or forwards DNS queries, so no query leaves loopback.
SERVER_SERVICES = "rpc, ldap, cldap, kdc, drepl, kcc"
# Unix sockets live under <scratch>/run; sun_path holds 108 bytes and Samba appends up to ~30 of its own.
MAX_SCRATCH_LEN = 70
# msDS-SupportedEncryptionTypes: AES128 (0x8) | AES256 (0x10), so keytabs and tickets use AES, not RC4
# (https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-kile/6cfc7b50-11ed-4b4d-846d-6f08f0812919).
AES_ONLY = 24
# userAccountControl: NORMAL_ACCOUNT (0x200) and WORKSTATION_TRUST_ACCOUNT (0x1000), enabled
# (https://learn.microsoft.com/en-us/troubleshoot/windows-server/active-directory/useraccountcontrol-manipulate-account-properties).
UAC_USER = 0x200
UAC_WORKSTATION = 0x1000


class DomainError(RuntimeError):
    """A Samba or Kerberos command failed, or the DC did not come up in time."""


@dataclass
class User:
    name: str
    password: str
    admin: bool
    principal: str


@dataclass
class JoinedHost:
    short_name: str
    fqdn: str
    os_name: str
    os_version: str
    keytab: str
    principals: list[str] = field(default_factory=list)


# --- pure helpers (unit-tested without Samba) ----------------------------------------------------------------


def find_tool(name: str) -> str | None:
    """The tool's path on PATH or in the sbin directories (``samba`` is in /usr/sbin)."""
    return shutil.which(name, path=os.pathsep.join(filter(None, [os.environ.get("PATH", ""), SBIN])))


def missing_tools() -> list[str]:
    return [name for name in REQUIRED_TOOLS if find_tool(name) is None]


def base_dn(realm: str) -> str:
    """``WINREMOTE.TEST`` -> ``DC=winremote,DC=test``."""
    return ",".join(f"DC={part}" for part in realm.lower().split("."))


def generate_password() -> str:
    """A random password that meets AD's complexity rule (upper, lower, digit, symbol; 20+ characters)."""
    return "Wr" + secrets.token_urlsafe(18) + "-7x!"


def render_krb5_conf(realm: str, address: str) -> str:
    """Client configuration: the KDC by address and no DNS or reverse lookups, so principals are used exactly as
    written (https://web.mit.edu/kerberos/krb5-latest/doc/admin/conf_files/krb5_conf.html)."""
    domain = realm.lower()
    return (
        "[libdefaults]\n"
        f"    default_realm = {realm}\n"
        "    dns_lookup_kdc = false\n"
        "    dns_lookup_realm = false\n"
        "    rdns = false\n"
        "    dns_canonicalize_hostname = false\n"
        "\n"
        "[realms]\n"
        f"    {realm} = {{\n"
        f"        kdc = {address}\n"
        f"        admin_server = {address}\n"
        f"        kpasswd_server = {address}\n"
        "    }\n"
        "\n"
        "[domain_realm]\n"
        f"    .{domain} = {realm}\n"
        f"    {domain} = {realm}\n"
    )


def scratch_options(scratch: Path, address: str) -> dict[str, str]:
    """smb.conf settings that keep the DC inside the scratch directory and on one address. ``interfaces`` names
    the address, not ``lo``: ``lo`` would add ::1 as well."""
    run = scratch / "run"
    return {
        "interfaces": address,
        "bind interfaces only": "yes",
        "server services": SERVER_SERVICES,
        "disable netbios": "yes",
        "pid directory": str(run),
        "ncalrpc dir": str(run / "ncalrpc"),
        "winbindd socket directory": str(run / "winbindd"),
        "ntp signd socket directory": str(run / "ntp_signd"),
        "log file": str(scratch / "log" / "samba.log"),
        "dns update command": "/bin/true",
    }


def provision_argv(samba_tool: str, scratch: Path, realm: str, netbios: str, address: str) -> list[str]:
    """``samba-tool domain provision`` into the scratch directory. No --adminpass: the password is set afterwards
    through ldbmodify's standard input, so it never shows in the process list."""
    argv = [
        samba_tool,
        "domain",
        "provision",
        "-s",
        str(scratch / "etc" / "smb.conf"),
        f"--targetdir={scratch}",
        f"--realm={realm}",
        f"--domain={netbios}",
        "--server-role=dc",
        "--dns-backend=SAMBA_INTERNAL",
        f"--host-name={DC_NAME}",
        f"--host-ip={address}",
        "--use-rfc2307",
    ]
    argv += [f"--option={key}={value}" for key, value in scratch_options(scratch, address).items()]
    return argv


def server_argv(samba: str, smb_conf: Path) -> list[str]:
    """The DC in the foreground, one process; ``-i`` also makes it exit when its standard input closes."""
    return [samba, "-i", "-M", "single", "-s", str(smb_conf)]


def without_dns_forwarder(smb_conf: str) -> str:
    """provision copies the machine's first /etc/resolv.conf nameserver into ``dns forwarder``; drop it, so the
    DC never forwards a query off this machine even if its DNS server is enabled later."""
    return "".join(
        line for line in smb_conf.splitlines(keepends=True) if line.strip().split("=")[0].strip() != "dns forwarder"
    )


def unicode_pwd(password: str) -> str:
    """unicodePwd as LDIF wants it: the quoted password in UTF-16LE, base64
    (https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-adts/6e803168-f140-4d23-b2d3-c3a8ab5917d2)."""
    return base64.b64encode(f'"{password}"'.encode("utf-16-le")).decode("ascii")


def password_ldif(dn: str, password: str) -> str:
    return f"dn: {dn}\nchangetype: modify\nreplace: unicodePwd\nunicodePwd:: {unicode_pwd(password)}\n"


def user_ldif(realm: str, name: str, password: str) -> str:
    return (
        f"dn: CN={name},CN=Users,{base_dn(realm)}\n"
        "objectClass: user\n"
        f"sAMAccountName: {name}\n"
        f"userPrincipalName: {name}@{realm.lower()}\n"
        f"userAccountControl: {UAC_USER}\n"
        f"unicodePwd:: {unicode_pwd(password)}\n"
    )


def host_spns(short_name: str, fqdn: str) -> list[str]:
    """The SPNs WinRM clients ask for: HTTP/ (Negotiate over WinRM), WSMAN/ and HOST/, short and full names."""
    return [f"{service}/{name}" for service in ("HOST", "WSMAN", "HTTP") for name in (short_name, fqdn)]


def account_name(short_name: str) -> str:
    """The computer's sAMAccountName, ``SIM2019$``; NetBIOS names are at most 15 characters."""
    if not short_name or len(short_name) > 15 or "." in short_name:
        raise ValueError(f"{short_name!r}: a computer's short name has 1-15 characters and no dot")
    return short_name.upper() + "$"


def computer_ldif(realm: str, short_name: str, fqdn: str, os_name: str, os_version: str, password: str) -> str:
    lines = [
        f"dn: CN={short_name},CN=Computers,{base_dn(realm)}",
        "objectClass: computer",
        f"sAMAccountName: {account_name(short_name)}",
        f"userAccountControl: {UAC_WORKSTATION}",
        f"dNSHostName: {fqdn}",
        f"operatingSystem: {os_name}",
        f"operatingSystemVersion: {os_version}",
        f"description: {os_name} (winsim)",
        f"msDS-SupportedEncryptionTypes: {AES_ONLY}",
        *(f"servicePrincipalName: {spn}" for spn in host_spns(short_name, fqdn)),
        f"unicodePwd:: {unicode_pwd(password)}",
    ]
    return "\n".join(lines) + "\n"


def write_private_json(path: Path, data: Any) -> None:
    """Atomic write with mode 0600 from the start: the file holds passwords."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(data, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, path)


def public_state(state: dict[str, Any]) -> dict[str, Any]:
    """The state without passwords, for ``winsim domain show``."""
    shown = json.loads(json.dumps(state))
    shown.pop("administrator_password", None)
    for user in shown.get("users", {}).values():
        user.pop("password", None)
    return shown


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text(encoding="utf-8").split()[0])
    except (OSError, ValueError, IndexError):
        return None


def serves_scratch(pid: int, scratch: Path) -> bool:
    """Whether the process is the samba that runs in this scratch dir (a recycled pid must not be killed). Samba
    rewrites its command line (``samba: root process``), so the test is its program and its working directory,
    which ``start()`` sets to the scratch dir."""
    proc = Path(f"/proc/{pid}")
    try:
        exe = os.readlink(proc / "exe")
        cwd = os.readlink(proc / "cwd")
    except OSError:
        return False
    return Path(exe).name == "samba" and cwd.removesuffix(" (deleted)") == str(scratch)


def is_zombie(pid: int) -> bool:
    """Whether the process has exited and waits to be reaped (state ``Z`` in /proc/<pid>/stat, see proc(5))."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


def stale_scratch_dirs(parent: Path) -> list[Path]:
    """Scratch dirs under ``parent`` whose owner process is gone (a test run that was killed)."""
    if not parent.is_dir():
        return []
    stale = []
    for child in sorted(parent.iterdir()):
        owner = read_pid(child / OWNER_FILE)
        if owner is not None and owner != os.getpid() and not pid_alive(owner):
            stale.append(child)
    return stale


def clean_stale(parent: Path, timeout: float = 15.0) -> list[Path]:
    """Stop the samba of every stale scratch dir under ``parent`` and remove the dir; returns what was removed."""
    removed = []
    for scratch in stale_scratch_dirs(parent):
        Domain(scratch).stop(timeout=timeout)
        removed.append(scratch)
    return removed


def samba_processes_under(parent: Path) -> list[int]:
    """Pids of samba processes whose working directory is under ``parent`` (``start()`` runs samba in its scratch
    dir; its command line is rewritten, so the program and the working directory are what identify it)."""
    found = []
    root = str(parent.resolve())
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            exe, cwd = os.readlink(proc / "exe"), os.readlink(proc / "cwd").removesuffix(" (deleted)")
        except OSError:
            continue
        if Path(exe).name == "samba" and (cwd == root or cwd.startswith(root + os.sep)):
            found.append(int(proc.name))
    return sorted(found)


def leftovers(parent: Path, prefix: str = "pytest-") -> list[str]:
    """What a finished test run left behind under ``parent``: scratch realms named ``prefix*`` and samba processes
    running in any of them (a DC started on purpose with ``winsim domain start`` elsewhere is not counted)."""
    if not parent.is_dir():
        return []
    found = [f"scratch realm {child}" for child in sorted(parent.glob(prefix + "*"))]
    for child in sorted(parent.glob(prefix + "*")):
        found += [f"samba process {pid} in {child}" for pid in samba_processes_under(child)]
    return found


def dc_ports_free(address: str) -> bool:
    for port in DC_TCP_PORTS:
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((address, port))
            except OSError:
                return False
    return True


def tcp_answers(address: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((address, port), timeout=timeout):
            return True
    except OSError:
        return False


# --- the domain controller -----------------------------------------------------------------------------------


class Domain:
    """One Samba AD DC in ``scratch_dir``: ``provision()``, ``start()``, add users and hosts, ``stop()``.

    ``detached`` DCs (``winsim domain start``) outlive the process that started them; otherwise the DC reads a
    pipe from this process and exits by itself when the pipe closes, so even a killed test run leaves no DC.
    """

    def __init__(
        self,
        scratch_dir: str | Path,
        realm: str = REALM,
        netbios: str = NETBIOS,
        address: str = ADDRESS,
        detached: bool = False,
    ) -> None:
        self.scratch = Path(scratch_dir).resolve()
        self.realm = realm.upper()
        self.netbios = netbios.upper()
        if ipaddress.IPv4Address(address) not in ipaddress.IPv4Network("127.0.0.0/8"):
            raise ValueError(f"{address}: the domain binds to loopback addresses only")
        self.address = address
        self.detached = detached
        self.administrator_password = ""
        self.users: dict[str, User] = {}
        self.hosts: dict[str, JoinedHost] = {}
        self._process: subprocess.Popen[bytes] | None = None
        self._stdin: IO[bytes] | None = None

    # Paths and environment

    @property
    def smb_conf(self) -> Path:
        return self.scratch / "etc" / "smb.conf"

    @property
    def krb5_conf(self) -> Path:
        return self.scratch / "krb5.conf"

    @property
    def state_file(self) -> Path:
        return self.scratch / STATE_FILE

    @property
    def pid_file(self) -> Path:
        return self.scratch / "run" / "samba.pid"

    @property
    def log_file(self) -> Path:
        return self.scratch / "log" / "samba.stdout.log"

    @property
    def ldap_url(self) -> str:
        return f"ldap://{self.address}"

    @property
    def sam_ldb(self) -> Path:
        return self.scratch / "private" / "sam.ldb"

    @property
    def base_dn(self) -> str:
        return base_dn(self.realm)

    @property
    def dc_fqdn(self) -> str:
        return f"{DC_NAME}.{self.realm.lower()}"

    def env(self, ccache: Path | None = None) -> dict[str, str]:
        """The environment for Kerberos and Samba clients of this realm (never /etc/krb5.conf)."""
        env = dict(os.environ, KRB5_CONFIG=str(self.krb5_conf))
        env["KRB5CCNAME"] = f"FILE:{ccache or self.scratch / 'krb5cc'}"
        env.pop("PASSWD", None)  # Samba's tools would take a password from it
        return env

    def pid(self) -> int | None:
        if self._process is not None:
            return self._process.pid
        return read_pid(self.pid_file)

    # Commands

    def run(self, argv: list[str], stdin: str | None = None, timeout: float = 120.0) -> str:
        """Run a Samba/Kerberos tool; DomainError with its last output lines (never its input) on failure."""
        tool = find_tool(argv[0])
        if tool is None:
            raise DomainError(f"{argv[0]} is not installed: {INSTALL_HINT}")
        try:
            done = subprocess.run(
                [tool, *argv[1:]],
                input=stdin,
                capture_output=True,
                text=True,
                timeout=timeout,
                env=self.env(),
                check=False,
            )
        except subprocess.TimeoutExpired as err:
            raise DomainError(f"{argv[0]} {' '.join(argv[1:3])}: no answer in {timeout:.0f} s") from err
        if done.returncode != 0:
            tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-5:])
            raise DomainError(f"{argv[0]} {' '.join(argv[1:3])} failed ({done.returncode}): {tail}")
        return done.stdout

    def samba_tool(self, *args: str) -> str:
        return self.run(["samba-tool", *args, "-s", str(self.smb_conf)])

    def ldb_local(self, tool: str, ldif: str) -> None:
        """ldbadd / ldbmodify on the DC's own database, the LDIF on standard input."""
        self.run([tool, "-H", str(self.sam_ldb), f"--configfile={self.smb_conf}"], stdin=ldif)

    def ldapsearch(self, user: str, password: str, ldap_filter: str, *attrs: str) -> str:
        """An authenticated LDAP search over the network; the password goes through ``PASSWD``."""
        tool = find_tool("ldbsearch")
        if tool is None:
            raise DomainError(f"ldbsearch is not installed: {INSTALL_HINT}")
        argv = [tool, "-H", self.ldap_url, "-U", user, f"--configfile={self.smb_conf}", "-b", self.base_dn]
        done = subprocess.run(
            [*argv, ldap_filter, *attrs],
            capture_output=True,
            text=True,
            timeout=60,
            env=dict(self.env(), PASSWD=password),
            check=False,
        )
        if done.returncode != 0:
            raise DomainError(f"ldbsearch {ldap_filter} failed ({done.returncode}): {done.stderr.strip()[-300:]}")
        return done.stdout

    def kinit(self, principal: str, password: str, ccache: Path, timeout: float = 30.0) -> None:
        """A ticket-granting ticket for the principal into ``ccache`` (the password on kinit's standard input)."""
        tool = find_tool("kinit")
        if tool is None:
            raise DomainError(f"kinit is not installed: {INSTALL_HINT}")
        done = subprocess.run(
            [tool, principal],
            input=password + "\n",
            capture_output=True,
            text=True,
            timeout=timeout,
            env=self.env(ccache),
            check=False,
        )
        if done.returncode != 0:
            raise DomainError(f"kinit {principal} failed ({done.returncode}): {done.stderr.strip()[-300:]}")

    # Life cycle

    def provision(self, timeout: float = 300.0) -> Domain:
        """A new domain in the (emptied) scratch dir, with a random Administrator password."""
        if len(str(self.scratch)) > MAX_SCRATCH_LEN:
            raise ValueError(
                f"{self.scratch}: more than {MAX_SCRATCH_LEN} characters; Samba's sockets need a shorter path"
            )
        missing = missing_tools()
        if missing:
            raise DomainError(f"{', '.join(missing)} not installed: {INSTALL_HINT}")
        if self.scratch.exists():
            shutil.rmtree(self.scratch)
        self.users.clear()  # a new domain: nothing of an earlier provision survives
        self.hosts.clear()
        (self.scratch / "etc").mkdir(parents=True)
        for sub in ("log", "run", "keytabs"):
            (self.scratch / sub).mkdir()
        if not self.detached:
            (self.scratch / OWNER_FILE).write_text(f"{os.getpid()}\n", encoding="utf-8")
        self.smb_conf.write_text("", encoding="utf-8")  # provision then writes its own, from our options only
        samba_tool = find_tool("samba-tool") or "samba-tool"
        self.run(provision_argv(samba_tool, self.scratch, self.realm, self.netbios, self.address), timeout=timeout)
        self.smb_conf.write_text(without_dns_forwarder(self.smb_conf.read_text(encoding="utf-8")), encoding="utf-8")
        self.krb5_conf.write_text(render_krb5_conf(self.realm, self.address), encoding="utf-8")
        self.administrator_password = generate_password()
        self.ldb_local(
            "ldbmodify", password_ldif(f"CN=Administrator,CN=Users,{self.base_dn}", self.administrator_password)
        )
        self.save()
        return self

    def start(self, timeout: float = 90.0) -> Domain:
        """Start samba in a new process group and wait until LDAP and the KDC answer on the address. If another
        DC took the ports first (samba exits when it cannot bind), wait for them and try again, within ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            self.wait_ports_free(min(deadline - time.monotonic(), 30.0))
            self.spawn()
            try:
                self.wait_ready(deadline - time.monotonic())
                return self
            except DomainError:
                exited = self._process is not None and self._process.poll() is not None
                self.stop(remove=False)
                if not exited or dc_ports_free(self.address) or time.monotonic() >= deadline:
                    raise
            except BaseException:
                self.stop(remove=False)
                raise

    def wait_ports_free(self, timeout: float) -> None:
        """Another DC on this address may still be shutting down."""
        deadline = time.monotonic() + max(timeout, 0.0)
        while not dc_ports_free(self.address):
            if time.monotonic() > deadline:
                raise DomainError(f"{self.address}: ports {DC_TCP_PORTS} are in use (another domain controller?)")
            time.sleep(0.5)

    def spawn(self) -> None:
        """samba -i in its own session; unless detached, its standard input is a pipe from this process."""
        samba = find_tool("samba")
        if samba is None:
            raise DomainError(f"samba is not installed: {INSTALL_HINT}")
        with open(self.log_file, "ab") as log:
            self._process = subprocess.Popen(
                server_argv(samba, self.smb_conf),
                stdin=subprocess.DEVNULL if self.detached else subprocess.PIPE,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                close_fds=True,
                cwd=self.scratch,  # how stop() from another process recognises it (serves_scratch)
                env=self.env(),
            )
        self._stdin = self._process.stdin
        self.save()

    def wait_ready(self, timeout: float) -> None:
        """LDAP (389/tcp) and the KDC (88/tcp) accept connections, then an AS exchange (UDP first) succeeds."""
        deadline = time.monotonic() + timeout
        ccache = self.scratch / "ready.ccache"
        last = "no answer yet"
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise DomainError(f"samba exited with {self._process.returncode}: {self.log_tail()}")
            if all(tcp_answers(self.address, port) for port in DC_TCP_PORTS):
                try:
                    self.kinit(f"Administrator@{self.realm}", self.administrator_password, ccache, timeout=10)
                    ccache.unlink(missing_ok=True)
                    return
                except DomainError as err:
                    last = str(err)
            time.sleep(0.2)
        raise DomainError(f"the domain controller did not answer in {timeout:.0f} s ({last}): {self.log_tail()}")

    def log_tail(self, lines: int = 3) -> str:
        """The end of samba's output, for error messages (the scratch dir, and with it the log, may go soon)."""
        try:
            text = self.log_file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "no log"
        return " | ".join(line.strip() for line in text.strip().splitlines()[-lines:])

    def stop(self, timeout: float = 15.0, remove: bool = True) -> None:
        """SIGTERM samba's process group, SIGKILL it after ``timeout``; then remove the scratch dir. Idempotent."""
        pid = self.pid()
        ours = self._process is not None
        if pid is not None and (ours or serves_scratch(pid, self.scratch)):
            self._signal_group(pid, signal.SIGTERM)
            if not self._wait_gone(pid, timeout):
                self._signal_group(pid, signal.SIGKILL)
                self._wait_gone(pid, 5.0)
        if self._stdin is not None:
            self._stdin.close()
            self._stdin = None
        self._process = None
        if remove and self.scratch.exists():
            shutil.rmtree(self.scratch, ignore_errors=True)

    def _signal_group(self, pid: int, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, sig)  # samba leads its own process group (start_new_session)

    def _wait_gone(self, pid: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process is not None:
                self._process.poll()  # reap our child, or it stays a zombie that os.killpg still finds
            try:
                os.killpg(pid, 0)
            except ProcessLookupError:
                return True
            if self._process is None and is_zombie(pid):
                return True  # exited; only its parent (not this process) can reap it
            time.sleep(0.05)
        return False

    def __enter__(self) -> Domain:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # Accounts

    def add_user(self, name: str, password: str | None = None, admin: bool = False) -> User:
        """A domain user; ``admin`` adds it to Domain Admins."""
        password = password or generate_password()
        self.ldb_local("ldbadd", user_ldif(self.realm, name, password))
        if admin:
            self.samba_tool("group", "addmembers", "Domain Admins", name)
        user = User(name=name, password=password, admin=admin, principal=f"{name}@{self.realm}")
        self.users[name] = user
        self.save()
        return user

    def add_default_users(self) -> None:
        """``wradmin`` (Domain Admins) and ``wruser`` (Domain Users only)."""
        self.add_user(ADMIN_USER, admin=True)
        self.add_user(PLAIN_USER, admin=False)

    def join_host(self, short_name: str, fqdn: str, os_name: str, os_version: str) -> Path:
        """A computer object for a (simulated) member server and a keytab with its HOST/, WSMAN/ and HTTP/ keys.
        Joining a name again replaces its account (new keys, new keytab), as rejoining a Windows server does."""
        ldif = computer_ldif(self.realm, short_name, fqdn, os_name, os_version, generate_password())
        try:
            self.ldb_local("ldbadd", ldif)
        except DomainError as err:
            if "already exists" not in str(err).lower():
                raise
            self.samba_tool("computer", "delete", short_name)
            self.ldb_local("ldbadd", ldif)
        keytab = self.scratch / "keytabs" / f"{short_name.lower()}.keytab"
        keytab.unlink(missing_ok=True)
        principals = [f"{spn}@{self.realm}" for spn in host_spns(short_name, fqdn)]
        for principal in principals:
            self.samba_tool("domain", "exportkeytab", str(keytab), f"--principal={principal}")
        keytab.chmod(0o600)
        self.hosts[short_name] = JoinedHost(short_name, fqdn, os_name, os_version, str(keytab), principals)
        self.save()
        return keytab

    # State file

    def state(self) -> dict[str, Any]:
        return {
            "realm": self.realm,
            "netbios": self.netbios,
            "address": self.address,
            "dc_fqdn": self.dc_fqdn,
            "base_dn": self.base_dn,
            "scratch": str(self.scratch),
            "krb5_conf": str(self.krb5_conf),
            "smb_conf": str(self.smb_conf),
            "log_file": str(self.log_file),
            "pid": self.pid(),
            "detached": self.detached,
            "administrator_password": self.administrator_password,
            "users": {name: asdict(user) for name, user in self.users.items()},
            "hosts": {name: asdict(host) for name, host in self.hosts.items()},
        }

    def save(self) -> Path:
        if self.scratch.is_dir():
            write_private_json(self.state_file, self.state())
        return self.state_file

    @classmethod
    def load(cls, scratch_dir: str | Path) -> Domain:
        """The domain another process started, from its domain.json (KeyError/OSError if there is none)."""
        scratch = Path(scratch_dir).resolve()
        data = json.loads((scratch / STATE_FILE).read_text(encoding="utf-8"))
        domain = cls(scratch, data["realm"], data["netbios"], data["address"], bool(data.get("detached")))
        domain.administrator_password = data.get("administrator_password", "")
        domain.users = {name: User(**user) for name, user in data.get("users", {}).items()}
        domain.hosts = {name: JoinedHost(**host) for name, host in data.get("hosts", {}).items()}
        return domain
