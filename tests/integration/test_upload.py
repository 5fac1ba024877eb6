# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""windows/upload against simulated 2008 R2 and 2019 hosts over HTTP: a 2 MB file sent in envelope-sized Sends and
verified by SHA-256 on the host, a second upload skipped, an upload cut off after some Sends resumed from the lines
the host kept, a damaged partial file reported as a hash mismatch, and a full disk reported with what to do."""

from __future__ import annotations

import hashlib
import os
import typing as t
from pathlib import Path

import pytest
from simhosts import HostFactory, config_for

from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import upload
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import winrs
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.client import WSManClient

TARGET = r"C:\Windows\Temp\NDP48-x86-x64-AllOS-ENU.exe"
SIZE = 2 * 1024 * 1024 + 17  # not a multiple of a line or of a Send


@pytest.fixture
def payload(tmp_path: Path) -> Path:
    path = tmp_path / "package.exe"
    path.write_bytes(os.urandom(SIZE))
    return path


class CutAfter(WSManClient):
    """A client that, after ``sends`` Sends were answered, has the host reset the connection on the next one."""

    def __init__(self, host: t.Any, sends: int) -> None:
        super().__init__(config_for(host))
        self.host, self.sends_left, self.sent = host, sends, 0

    def request(
        self, action: str, resource_uri: str, body: t.Any = None, selectors: t.Any = None, options: t.Any = None
    ) -> t.Any:
        if action == winrs.ACTION_SEND:
            if self.sends_left == 0:
                self.host.inject_fault("reset", action="shell/Send")
            self.sends_left -= 1
            self.sent += 1
        return super().request(action, resource_uri, body, selectors, options)


@pytest.mark.parametrize(("profile", "envelope_kb"), [("2008r2", 150), ("2019", 500)])
def test_upload_verify_skip(start_host: HostFactory, payload: Path, profile: str, envelope_kb: int) -> None:
    host = start_host(profile)
    expected_sends = upload._sends(upload.total_lines(SIZE), upload.lines_per_send(envelope_kb * 1024))
    with WSManClient(config_for(host)) as client:
        host.reset_request_count()
        first = upload.upload(client, str(payload), TARGET)
        assert first == upload.UploadResult(SIZE, 1 + 4 + 4 + expected_sends + 4, False)
        assert host.request_count == first.round_trips
        with host.lock:
            stored = host.state.files.read(TARGET)
            leftovers = [f for f in host.state.files.files() if ".winremote." in f.lower()]
        assert hashlib.sha256(stored).digest() == hashlib.sha256(payload.read_bytes()).digest()
        assert leftovers == []
        programs = [name for name, _args in host.state.runtime.programs]
        assert "findstr" in programs and "move" in programs
        second = upload.upload(client, str(payload), TARGET, sha256=hashlib.sha256(stored).hexdigest())
        assert second == upload.UploadResult(0, 5, True)


@pytest.mark.parametrize("profile", ["2008r2", "2019"])
def test_interrupted_upload_resumes(start_host: HostFactory, payload: Path, profile: str) -> None:
    host = start_host(profile)
    cut = CutAfter(host, sends=3)
    with pytest.raises(upload.UploadError, match=r"interrupted .* run again: the upload resumes"):
        upload.upload(cut, str(payload), TARGET, segment_sends=2)
    cut.close()
    host.clear_faults()
    with host.lock:
        kept = host.state.files.read(TARGET + upload.B64)
        assert not host.state.files.exists(TARGET)
        per_send = upload.lines_per_send(int(host.state.winrm_text("MaxEnvelopeSizekb")) * 1024)
    # whole lines of the three Sends that arrived: the first command's two, and the second command's first, which
    # findstr wrote before the client's Delete ended that command (the reset fourth Send never arrived)
    assert len(kept) == 3 * per_send * upload.LINE_BYTES
    with WSManClient(config_for(host)) as client:
        resumed = upload.upload(client, str(payload), TARGET, segment_sends=2)
    assert resumed.bytes_sent == SIZE - 3 * per_send * upload.LINE_RAW
    with host.lock:
        assert host.state.files.read(TARGET) == payload.read_bytes()


def test_damaged_partial_is_a_hash_mismatch(start_host: HostFactory, payload: Path) -> None:
    host = start_host("2019")
    data = payload.read_bytes()
    damaged = bytearray(data[: 100 * upload.LINE_RAW])
    damaged[5] ^= 0xFF
    with host.lock:
        host.state.files.write(TARGET + upload.B64, upload.encode_lines(bytes(damaged)))
    with WSManClient(config_for(host)) as client, pytest.raises(upload.UploadError) as caught:
        upload.upload(client, str(payload), TARGET)
    message = str(caught.value)
    assert "expected " + hashlib.sha256(data).hexdigest() in message
    assert "resumed from a previous attempt" in message and "run again" in message
    with host.lock:
        assert not host.state.files.exists(TARGET)
        assert not host.state.files.exists(TARGET + upload.B64)
    with WSManClient(config_for(host)) as client:
        assert upload.upload(client, str(payload), TARGET).bytes_sent == SIZE  # afresh, and right


def test_full_disk_says_what_to_do(start_host: HostFactory, payload: Path) -> None:
    host = start_host("2008r2")
    with host.lock:
        used = sum(len(host.state.files.read(f)) for f in host.state.files.files())
        host.state.files.capacity = used + SIZE  # room for the base64, not for the decoded copy next to it
    with WSManClient(config_for(host)) as client, pytest.raises(upload.UploadError) as caught:
        upload.upload(client, str(payload), TARGET)
    assert "disk is full" in str(caught.value) and "free space" in str(caught.value)
    assert "not enough space on the disk" in str(caught.value) and "2.4 times" in str(caught.value)
    with host.lock:
        host.state.files.capacity = None  # space freed
    with WSManClient(config_for(host)) as client:
        assert upload.upload(client, str(payload), TARGET).skipped is False
    with host.lock:
        assert host.state.files.read(TARGET) == payload.read_bytes()
