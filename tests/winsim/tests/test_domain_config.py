# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""winsim.domain without Samba: the command lines, krb5.conf, LDIF, state file and stale-dir detection."""

from __future__ import annotations

import base64
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from winsim import domain
from winsim.domain import Domain, DomainError


def test_krb5_conf_names_the_kdc_by_address_and_turns_dns_off() -> None:
    text = domain.render_krb5_conf("WINREMOTE.TEST", "127.0.0.1")
    for line in (
        "default_realm = WINREMOTE.TEST",
        "dns_lookup_kdc = false",
        "dns_lookup_realm = false",
        "rdns = false",
        "dns_canonicalize_hostname = false",
        "kdc = 127.0.0.1",
        ".winremote.test = WINREMOTE.TEST",
    ):
        assert line in text
    assert text.index("[libdefaults]") < text.index("[realms]") < text.index("[domain_realm]")


def test_provision_stays_in_the_scratch_dir_and_on_one_address(tmp_path: Path) -> None:
    argv = domain.provision_argv("/usr/bin/samba-tool", tmp_path, "WINREMOTE.TEST", "WINREMOTE", "127.0.0.1")
    assert argv[:3] == ["/usr/bin/samba-tool", "domain", "provision"]
    assert ["-s", str(tmp_path / "etc" / "smb.conf")] == argv[3:5]
    for arg in (
        f"--targetdir={tmp_path}",
        "--realm=WINREMOTE.TEST",
        "--domain=WINREMOTE",
        "--server-role=dc",
        "--dns-backend=SAMBA_INTERNAL",
        "--option=interfaces=127.0.0.1",
        "--option=bind interfaces only=yes",
        f"--option=pid directory={tmp_path / 'run'}",
        f"--option=log file={tmp_path / 'log' / 'samba.log'}",
    ):
        assert arg in argv
    assert not any("adminpass" in arg for arg in argv)  # the password never goes on a command line
    paths = [arg.split("=", 2)[2] for arg in argv if arg.startswith("--option=") and "/" in arg.split("=", 2)[2]]
    assert all(path.startswith(str(tmp_path)) or path == "/bin/true" for path in paths)


def test_server_runs_in_the_foreground_with_the_scratch_config(tmp_path: Path) -> None:
    conf = tmp_path / "etc" / "smb.conf"
    assert domain.server_argv("/usr/sbin/samba", conf) == ["/usr/sbin/samba", "-i", "-M", "single", "-s", str(conf)]


def test_the_dns_forwarder_from_resolv_conf_is_dropped() -> None:
    conf = "[global]\n\tdns forwarder = 10.0.0.53\n\trealm = WINREMOTE.TEST\n"
    assert domain.without_dns_forwarder(conf) == "[global]\n\trealm = WINREMOTE.TEST\n"


def test_unicode_pwd_is_the_quoted_utf16le_password() -> None:
    assert base64.b64decode(domain.unicode_pwd("Pa$$w0rd")).decode("utf-16-le") == '"Pa$$w0rd"'


def test_user_ldif() -> None:
    ldif = domain.user_ldif("WINREMOTE.TEST", "wruser", "Secret-123")
    assert ldif.startswith("dn: CN=wruser,CN=Users,DC=winremote,DC=test\n")
    assert "sAMAccountName: wruser\n" in ldif
    assert "userPrincipalName: wruser@winremote.test\n" in ldif
    assert "Secret-123" not in ldif  # only its base64 UTF-16 form


def test_computer_ldif_carries_the_host_attributes_and_spns() -> None:
    ldif = domain.computer_ldif(
        "WINREMOTE.TEST", "SIM2019", "sim2019.winremote.test", "Windows Server 2019 Datacenter", "10.0 (17763)", "pw"
    )
    assert ldif.startswith("dn: CN=SIM2019,CN=Computers,DC=winremote,DC=test\n")
    for line in (
        "sAMAccountName: SIM2019$",
        "dNSHostName: sim2019.winremote.test",
        "operatingSystem: Windows Server 2019 Datacenter",
        "operatingSystemVersion: 10.0 (17763)",
        "userAccountControl: 4096",
        "msDS-SupportedEncryptionTypes: 24",
    ):
        assert line + "\n" in ldif
    spns = [line.split(": ", 1)[1] for line in ldif.splitlines() if line.startswith("servicePrincipalName: ")]
    assert spns == domain.host_spns("SIM2019", "sim2019.winremote.test")
    assert set(spns) == {
        f"{service}/{name}" for service in ("HOST", "WSMAN", "HTTP") for name in ("SIM2019", "sim2019.winremote.test")
    }


@pytest.mark.parametrize("name", ["", "a" * 16, "sim.winremote"])
def test_computer_short_names_are_netbios_names(name: str) -> None:
    with pytest.raises(ValueError):
        domain.account_name(name)


def test_generated_passwords_are_random_and_complex() -> None:
    first, second = domain.generate_password(), domain.generate_password()
    assert first != second
    assert len(first) >= 20
    assert any(c.isupper() for c in first) and any(c.islower() for c in first)
    assert any(c.isdigit() for c in first) and any(not c.isalnum() for c in first)


def test_state_file_is_private_and_show_hides_passwords(tmp_path: Path) -> None:
    dc = Domain(tmp_path / "dc")
    dc.scratch.mkdir()
    dc.administrator_password = "Admin-secret-1"
    dc.users["wruser"] = domain.User("wruser", "User-secret-1", False, "wruser@WINREMOTE.TEST")
    path = dc.save()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    loaded = Domain.load(dc.scratch)
    assert loaded.users["wruser"].password == "User-secret-1"
    assert loaded.administrator_password == "Admin-secret-1"
    assert loaded.krb5_conf == dc.scratch / "krb5.conf"
    shown = domain.public_state(loaded.state())
    assert "secret" not in str(shown)
    assert shown["users"]["wruser"]["principal"] == "wruser@WINREMOTE.TEST"


def test_only_loopback_addresses() -> None:
    with pytest.raises(ValueError):
        Domain("/tmp/x", address="10.0.0.1")


def test_a_missing_samba_names_make_domain_deps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(domain, "find_tool", lambda name: None)
    with pytest.raises(DomainError, match="make domain-deps"):
        Domain(tmp_path / "dc").provision()
    assert not (tmp_path / "dc").exists()


def test_stale_dirs_are_those_whose_owner_died(tmp_path: Path) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    (tmp_path / "killed").mkdir()
    (tmp_path / "killed" / domain.OWNER_FILE).write_text(dead.stdout, encoding="utf-8")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / domain.OWNER_FILE).write_text("1\n", encoding="utf-8")  # alive (init)
    (tmp_path / "detached").mkdir()  # `winsim domain start`: no owner, stopped by `winsim domain stop`
    assert domain.stale_scratch_dirs(tmp_path) == [tmp_path / "killed"]
    assert domain.clean_stale(tmp_path) == [tmp_path / "killed"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["detached", "mine"]


def test_stop_is_idempotent_and_kills_no_stranger(tmp_path: Path) -> None:
    stranger = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        dc = Domain(tmp_path / "dc")
        (dc.scratch / "run").mkdir(parents=True)
        dc.pid_file.write_text(f"{stranger.pid}\n", encoding="utf-8")  # a recycled pid: not our samba
        dc.stop()
        dc.stop()
        assert stranger.poll() is None
        assert not dc.scratch.exists()
    finally:
        stranger.kill()
        stranger.wait()


class FakeSamba:
    """Stands in for the samba child: exits at once (lost the race for the ports) or stays up."""

    def __init__(self, exits: bool) -> None:
        self.exits = exits
        self.pid = 0
        self.stdin = None

    def poll(self) -> int | None:
        return 1 if self.exits else None


def test_start_tries_again_when_another_dc_took_the_ports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dc = Domain(tmp_path / "dc")
    outcomes = [True, False]  # the first samba exits: the other DC still holds the ports; the second comes up
    free = iter([True, False, True, True])  # before 1st spawn, after its exit, before 2nd spawn, spare
    monkeypatch.setattr(domain, "dc_ports_free", lambda address: next(free))
    spawned: list[FakeSamba] = []

    def spawn() -> None:
        spawned.append(FakeSamba(outcomes[len(spawned)]))
        dc._process = spawned[-1]  # type: ignore[assignment]

    def wait_ready(timeout: float) -> None:
        assert dc._process is not None
        if dc._process.poll() is not None:
            raise DomainError("samba exited with 1")

    monkeypatch.setattr(dc, "spawn", spawn)
    monkeypatch.setattr(dc, "wait_ready", wait_ready)
    monkeypatch.setattr(dc, "stop", lambda **kwargs: setattr(dc, "_process", None))
    assert dc.start(timeout=10) is dc
    assert len(spawned) == 2


def test_start_gives_up_when_its_samba_fails_on_free_ports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dc = Domain(tmp_path / "dc")
    monkeypatch.setattr(domain, "dc_ports_free", lambda address: True)
    monkeypatch.setattr(dc, "spawn", lambda: setattr(dc, "_process", FakeSamba(True)))

    def wait_ready(timeout: float) -> None:
        raise DomainError("samba exited with 1: bad configuration")

    monkeypatch.setattr(dc, "wait_ready", wait_ready)
    monkeypatch.setattr(dc, "stop", lambda **kwargs: setattr(dc, "_process", None))
    with pytest.raises(DomainError, match="bad configuration"):
        dc.start(timeout=10)
