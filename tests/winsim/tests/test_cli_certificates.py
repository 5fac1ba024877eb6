# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""``winsim start --certificate HOST=NAME``: a test-CA certificate for a name, in a started host's machine store."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import pick_block
from cryptography import x509

from winsim import cert_store
from winsim.cli import host_certificates
from winsim.fleet import read_fleet_info
from winsim.state import HostState

BIN = Path(sys.executable).parent
NAME = "sim-2019-01.winremote.test"


def winsim(*args: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "winsim"), *args], capture_output=True, text=True, timeout=timeout, check=False)


def test_start_puts_a_ca_issued_certificate_for_the_name_into_the_store(tmp_path: Path) -> None:
    base, state_dir = pick_block(2), tmp_path / "state"
    started = winsim(
        "start",
        *("--hosts", "2", "--profile", "2019", "--profile", "2012r2", "--base-address", base),
        *("--inventory", str(tmp_path / "i.yml"), "--state-dir", str(state_dir)),
        *("--certificate", f"sim-2019-01={NAME}"),
    )
    assert started.returncode == 0, started.stderr + (state_dir / "winsim.log").read_text()
    try:
        shown = winsim("show", "--state-dir", str(state_dir), "--host", "sim-2019-01")
        assert shown.returncode == 0, shown.stderr
        state = HostState.from_json(json.loads(shown.stdout))
        named = [c for c in state.certificates if c.subject == f"CN={NAME}"]
        assert len(named) == 1 and named[0].dns_names == (NAME,) and named[0].has_private_key
        other = winsim("show", "--state-dir", str(state_dir), "--host", "sim-2012r2-02")
        assert not any(NAME in c.subject for c in HostState.from_json(json.loads(other.stdout)).certificates)
        # issued by the CA fleet.json names, for the host's address as well
        host = read_fleet_info(state_dir)["hosts"][0]
        entry = cert_store.find(state.registry, named[0].thumbprint)
        assert entry is not None
        cert = x509.load_der_x509_certificate(entry.der)
        ca = x509.load_pem_x509_certificate(Path(host["ca_path"]).read_bytes())
        cert.verify_directly_issued_by(ca)
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert [str(a) for a in san.get_values_for_type(x509.IPAddress)] == [host["address"]]
    finally:
        assert winsim("stop", "--state-dir", str(state_dir)).returncode == 0


def test_a_certificate_for_a_host_the_fleet_does_not_have_fails_the_start(tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    started = winsim(
        "start",
        *("--hosts", "1", "--profile", "2019", "--base-address", pick_block(1), "--timeout", "30"),
        *("--inventory", str(tmp_path / "i.yml"), "--state-dir", str(state_dir)),
        *("--certificate", f"sim-2022-07={NAME}"),
    )
    assert started.returncode == 1
    assert "--certificate: no host named sim-2022-07" in (state_dir / "winsim.log").read_text()


@pytest.mark.parametrize("pair", ["sim-2019-01", "=name", "sim-2019-01=", " = "])
def test_a_malformed_pair_is_refused_naming_the_option(pair: str) -> None:
    with pytest.raises(ValueError, match="--certificate"):
        host_certificates([pair])
