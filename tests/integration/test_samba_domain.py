# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The throw-away Samba AD domain (domain_fixture.samba_domain): LDAP, Kerberos, keytabs, group membership,
loopback-only listening, nothing system-wide, and a clean stop."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from domain_fixture import BEFORE, bring_up, system_snapshot

from winsim.domain import Domain, DomainError, find_tool, pid_alive, serves_scratch

HOST = ("SIM2019", "sim2019.winremote.test", "Windows Server 2019 Datacenter", "10.0 (17763)")


def tool(name: str, *args: str, dc: Domain, ccache: Path | None = None) -> subprocess.CompletedProcess[str]:
    path = find_tool(name)
    assert path, f"{name} is not installed: run 'make domain-deps'"
    return subprocess.run([path, *args], capture_output=True, text=True, timeout=60, env=dc.env(ccache), check=False)


def joined(dc: Domain) -> Path:
    """The test host's keytab, joining it first if this domain has not seen it."""
    if HOST[0] not in dc.hosts:
        dc.join_host(*HOST)
    return Path(dc.hosts[HOST[0]].keytab)


def group_members(dc: Domain) -> list[str]:
    admin = dc.users["wradmin"]
    out = dc.ldapsearch(admin.name, admin.password, "(&(objectClass=group)(cn=Domain Admins))", "member")
    return re.findall(r"^member: CN=([^,]+),", out, flags=re.MULTILINE)


def test_ldap_shows_the_joined_host_with_its_spns(samba_domain: Domain) -> None:
    joined(samba_domain)
    admin = samba_domain.users["wradmin"]
    out = samba_domain.ldapsearch(
        admin.name, admin.password, "(objectClass=computer)", "dNSHostName", "servicePrincipalName", "operatingSystem"
    )
    record = out.split("dn: CN=SIM2019,CN=Computers,DC=winremote,DC=test\n", 1)[1].split("\n\n", 1)[0]
    assert "dNSHostName: sim2019.winremote.test" in record
    assert "operatingSystem: Windows Server 2019 Datacenter" in record
    spns = set(re.findall(r"^servicePrincipalName: (\S+)$", record, flags=re.MULTILINE))
    assert spns == {f"{s}/{n}" for s in ("HOST", "WSMAN", "HTTP") for n in ("SIM2019", "sim2019.winremote.test")}


def test_kinit_with_the_generated_krb5_conf_gets_a_ticket(samba_domain: Domain) -> None:
    admin = samba_domain.users["wradmin"]
    ccache = samba_domain.scratch / "wradmin.ccache"
    samba_domain.kinit(admin.principal, admin.password, ccache)
    listed = tool("klist", dc=samba_domain, ccache=ccache)
    assert listed.returncode == 0, listed.stderr
    assert "Default principal: wradmin@WINREMOTE.TEST" in listed.stdout
    assert "krbtgt/WINREMOTE.TEST@WINREMOTE.TEST" in listed.stdout
    with pytest.raises(DomainError):
        samba_domain.kinit(admin.principal, admin.password + "x", samba_domain.scratch / "wrong.ccache")


def test_the_keytab_holds_the_http_principal_and_decrypts_its_tickets(samba_domain: Domain) -> None:
    keytab = joined(samba_domain)
    listed = tool("klist", "-k", str(keytab), dc=samba_domain)
    assert listed.returncode == 0, listed.stderr
    assert "HTTP/sim2019.winremote.test@WINREMOTE.TEST" in listed.stdout
    assert "WSMAN/sim2019.winremote.test@WINREMOTE.TEST" in listed.stdout
    user = samba_domain.users["wruser"]
    ccache = samba_domain.scratch / "wruser.ccache"
    samba_domain.kinit(user.principal, user.password, ccache)
    # A service ticket for the host's SPN that the host's keytab decrypts: what a WinRM server does with it.
    checked = tool("kvno", "-k", str(keytab), "HTTP/sim2019.winremote.test", dc=samba_domain, ccache=ccache)
    assert checked.returncode == 0, checked.stderr
    assert "keytab entry valid" in checked.stdout


def test_joining_a_host_again_replaces_its_keys(samba_domain: Domain) -> None:
    before = tool("klist", "-k", "-K", str(joined(samba_domain)), dc=samba_domain).stdout
    keytab = samba_domain.join_host(*HOST)
    after = tool("klist", "-k", "-K", str(keytab), dc=samba_domain).stdout
    assert "HTTP/sim2019.winremote.test@WINREMOTE.TEST" in after
    assert after != before  # new keys (-K prints them)
    user = samba_domain.users["wruser"]
    ccache = samba_domain.scratch / "rejoin.ccache"
    samba_domain.kinit(user.principal, user.password, ccache)
    checked = tool("kvno", "-k", str(keytab), "HTTP/sim2019.winremote.test", dc=samba_domain, ccache=ccache)
    assert checked.returncode == 0, checked.stderr


def test_only_the_admin_is_a_domain_admin(samba_domain: Domain) -> None:
    members = group_members(samba_domain)
    assert "wradmin" in members
    assert "wruser" not in members
    user = samba_domain.users["wruser"]
    own = samba_domain.ldapsearch(user.name, user.password, "(sAMAccountName=wruser)", "memberOf")
    assert "Domain Admins" not in own


def samba_pids(dc: Domain) -> set[int]:
    """The processes in the DC's process group (samba leads it)."""
    leader = dc.pid()
    assert leader is not None
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text(encoding="ascii", errors="replace").rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[2]) == leader:  # field 5 of proc(5): the process group
            found.add(int(stat.parent.name))
    return found


def test_samba_listens_on_127_0_0_1_only(samba_domain: Domain) -> None:
    ss = shutil.which("ss")
    assert ss, "ss (iproute2) is not installed: run 'make domain-deps'"
    listing = subprocess.run([ss, "-H", "-ltnup"], capture_output=True, text=True, timeout=30, check=True).stdout
    pids = samba_pids(samba_domain)
    ours = [line for line in listing.splitlines() if {int(p) for p in re.findall(r"pid=(\d+),", line)} & pids]
    local = {line.split()[4] for line in ours}
    assert {"127.0.0.1:88", "127.0.0.1:389"} <= local, listing
    assert all(address.startswith("127.0.0.1:") for address in local), ours


def test_nothing_system_wide_changed(samba_domain: Domain) -> None:
    assert samba_domain.krb5_conf.is_relative_to(samba_domain.scratch)
    assert "kdc = 127.0.0.1" in samba_domain.krb5_conf.read_text(encoding="utf-8")
    assert BEFORE, "the fixture takes a snapshot before provisioning"
    assert system_snapshot() == BEFORE


def test_stop_leaves_no_samba_and_no_scratch_dir(samba_domain: Domain) -> None:
    """Runs last here: it stops the session's DC, then provisions it anew for later tests."""
    pids = samba_pids(samba_domain)
    assert pids
    scratch = samba_domain.scratch
    try:
        samba_domain.stop()
        left = [pid for pid in pids if pid_alive(pid) and serves_scratch(pid, scratch)]
        assert not left, f"samba processes left: {left}"
        assert not [pid for pid in pids if pid_alive(pid) and os.path.exists(f"/proc/{pid}/cwd")], pids
        assert not scratch.exists()
        samba_domain.stop()  # idempotent
    finally:
        bring_up(samba_domain)
