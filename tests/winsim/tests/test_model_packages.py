# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Servicing: packages by file name, expand / dism / wusa / .NET setup, copy from UNC shares, certutil -urlcache,
`if not exist`, %ERRORLEVEL% in batch files, Win32_LogicalDisk and the restart's effects (winsim.packages)."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from winsim import packages
from winsim.contract import Identity, RequestContext
from winsim.state import NT_CURRENT_VERSION, PS3_ENGINE, SESSION_MANAGER, HostState
from winsim.wsman import cim_os
from winsim.wsman.commands import run_batch_file, run_line

DIR = r"C:\Windows\Temp\winremote-prerequisites"
WINRS = RequestContext(Identity("Administrator", "", "ntlm", True, False), "127.0.0.10", 5985, "HTTP")


def staged(state: HostState, file: str) -> str:
    state.files.mkdir(DIR) if not state.files.is_dir(DIR) else None
    path = DIR + "\\" + file
    state.files.write(path, b"package bytes")
    return path


def batch(state: HostState, name: str, line: str) -> str:
    """Write and run `<name>.cmd` as the SYSTEM task does; returns the .result file's text."""
    script = f'@echo off\r\n{line}\r\necho %ERRORLEVEL% > "{DIR}\\{name}.result"\r\n'
    state.files.write(f"{DIR}\\{name}.cmd", script.encode())
    run_batch_file(state, None, f"{DIR}\\{name}.cmd")
    return state.files.read(f"{DIR}\\{name}.result").decode().strip()


def test_profiles_carry_system_root_architecture_and_temp() -> None:
    for profile in ("2008", "2008r2", "2012", "2019"):
        state = HostState.from_profile(profile)
        assert state.registry.get_data(NT_CURRENT_VERSION, "SystemRoot") == r"C:\Windows"
        assert state.registry.get_data(SESSION_MANAGER + r"\Environment", "PROCESSOR_ARCHITECTURE") == "AMD64"
        assert state.files.is_dir(r"C:\Windows\Temp")


def test_if_not_exist_mkdir_and_errorlevel_in_batch_files() -> None:
    state = HostState.from_profile("2008r2")
    assert run_line(state, None, f'if not exist "{DIR}" mkdir "{DIR}"').rc == 0
    assert state.files.is_dir(DIR)
    assert run_line(state, None, f'if not exist "{DIR}" mkdir "{DIR}"').rc == 0  # exists: mkdir does not run
    script = f'@echo off\r\ndism /online /get-packages /foo:1 /add-package\r\necho %ERRORLEVEL%> "{DIR}\\r.txt"\r\n'
    state.files.write(DIR + r"\a.cmd", script.encode())
    run_batch_file(state, None, DIR + r"\a.cmd")
    # `echo 0> f` is `echo` with handle 0 redirected (cmd reads a lone digit before > as a handle): nothing written
    assert state.files.read(DIR + r"\r.txt") == b""
    state.files.write(DIR + r"\a.cmd", script.replace("%> ", "% > ").encode())
    run_batch_file(state, None, DIR + r"\a.cmd")
    assert state.files.read(DIR + r"\r.txt") == b"0 \r\n"
    # a negative HRESULT is written signed; `echo 1> f` redirects handle 1 (as cmd does), so it writes no digit
    path = staged(state, "Windows6.0-KB2506146-x64.cab")
    line = f"dism /online /add-package /packagepath:{path} /quiet /norestart"
    assert batch(state, "neg", line) == str(packages.NOT_APPLICABLE_DISM)
    state.files.write(DIR + r"\b.cmd", f'@echo off\r\ncmd /c exit 1\r\necho %ERRORLEVEL%> "{DIR}\\b.txt"\r\n'.encode())
    run_batch_file(state, None, DIR + r"\b.cmd")
    assert state.files.read(DIR + r"\b.txt").startswith(b"ECHO is")  # echo without text; the 1 is a handle


def test_wmf3_on_2008r2_through_expand_and_dism_applies_at_the_restart() -> None:
    state = HostState.from_profile("2008r2")
    state.files.mkdir(DIR)
    assert batch(state, "dotnet-4.0", f'"{staged(state, "dotNetFx40_Full_x86_x64.exe")}" /q /norestart') == "0"
    msu = staged(state, "Windows6.1-KB2506143-x64.msu")
    state.files.mkdir(DIR + r"\wmf-3.0")
    line = (
        f'expand -F:* "{msu}" "{DIR}\\wmf-3.0" > "{DIR}\\wmf-3.0.log" 2>&1 && dism /online /add-package '
        f'/PackagePath:"{DIR}\\wmf-3.0\\Windows6.1-KB2506143-x64.cab" /Quiet /NoRestart >> "{DIR}\\wmf-3.0.log" 2>&1'
    )
    assert batch(state, "wmf-3.0", line) == "3010"
    assert sorted(state.files.listdir(DIR + r"\wmf-3.0")) == ["WSUSSCAN.cab", "Windows6.1-KB2506143-x64.cab"]
    assert state.pending_reboot and state.powershell_version == "2.0" and state.wsman_stack == "2.0"
    listing = run_line(state, None, "dism /online /get-packages").stdout
    identity = "Package Identity : Package_for_KB2506143~31bf3856ad364e35~amd64~~6.1.1.0"
    assert f"{identity}\r\nState : Install Pending" in listing
    assert batch(state, "again", line) == "0"  # already staged
    before = state.boot_time
    packages.restart(state)
    assert state.powershell_version == "3.0" and state.wsman_stack == "3.0"
    assert "KB2506143" in state.hotfixes and not state.pending_reboot and state.boot_time != before
    assert "State : Installed" in run_line(state, None, "dism /online /get-packages").stdout
    # removal of WMF 3.0 with wusa, in a SYSTEM task: PS 3 gone and WinRM 2.0 after the restart
    assert batch(state, "rm", "wusa.exe /uninstall /kb:2506143 /quiet /norestart") == "3010"
    assert state.powershell_version == "3.0"
    packages.restart(state)
    assert state.powershell_version == "2.0" and state.wsman_stack == "2.0" and "KB2506143" not in state.hotfixes
    assert not state.registry.key_exists(PS3_ENGINE)


def test_dism_refusals() -> None:
    state = HostState.from_profile("2008r2")
    wrong = staged(state, "W2K12-KB3191565-x64.cab")
    result = run_line(state, None, f"dism /online /add-package /packagepath:{wrong} /quiet /norestart")
    assert result.rc == -2146498530
    assert "Error: 0x800f081e" in result.stdout
    assert "The specified package is not applicable to this image." in result.stdout
    wmf3 = staged(state, "Windows6.1-KB2506143-x64.cab")  # no .NET 4
    assert run_line(state, None, f"dism /online /add-package /packagepath:{wmf3}").rc == packages.FATAL_INSTALL
    assert run_line(state, None, "dism /online /add-package /packagepath:C:\\nope.cab").rc == 2
    old = HostState.from_profile("2008")
    assert run_line(old, None, "dism /online /get-packages").rc == 9009
    assert ("dism", ["/online", "/get-packages"]) in old.runtime.programs


def test_wmf4_needs_all_three_cabs_and_dotnet45() -> None:
    state = HostState.from_profile("2008r2")
    cabs = [staged(state, c) for c in packages.by_file("Windows6.1-KB2819745-x64-MultiPkg.msu").cabs]  # type: ignore
    line = "dism /online /add-package " + " ".join(f'/packagepath:"{c}"' for c in cabs) + " /quiet /norestart"
    assert run_line(state, None, line).rc == packages.FATAL_INSTALL
    assert batch(state, "n45", f'"{staged(state, "dotNetFx45_Full_x86_x64.exe")}" /q /norestart') == "0"
    assert state.dotnet_release == 378389
    assert run_line(state, None, line).rc == 3010
    packages.restart(state)
    assert state.powershell_version == "4.0"
    assert {"KB2809215", "KB2872035", "KB2819745"} <= set(state.hotfixes)


def test_wmf51_over_wmf3_loses_psmodulepath() -> None:
    state = HostState.from_profile("2008r2")
    state.registry.set_value(PS3_ENGINE, "PowerShellVersion", "REG_SZ", "3.0")
    state.registry.set_value(r"HKLM\SOFTWARE\Microsoft\NET Framework Setup\NDP\v4\Full", "Release", "REG_DWORD", 379893)
    cab = staged(state, "Win7AndW2K8R2-KB3191566-x64.cab")
    assert run_line(state, None, f"dism /online /add-package /packagepath:{cab} /quiet /norestart").rc == 3010
    packages.restart(state)
    assert state.psmodulepath_lost and state.powershell_version == "5.1.14409.1005"


def test_wusa_on_2008_over_winrs_is_denied_and_works_in_a_system_task() -> None:
    state = HostState.from_profile("2008")
    state.registry.set_value(r"HKLM\SOFTWARE\Microsoft\NET Framework Setup\NDP\v4\Full", "Install", "REG_DWORD", 1)
    msu = staged(state, "Windows6.0-KB2506146-x64.msu")
    assert run_line(state, WINRS, f'wusa.exe "{msu}" /quiet /norestart').rc == 5
    assert not state.packages_pending
    assert batch(state, "w", f'wusa.exe "{msu}" /quiet /norestart') == "3010"
    assert batch(state, "w", f'wusa.exe "{msu}" /quiet /norestart') == "2359302"
    other = staged(state, "Windows6.1-KB2506143-x64.msu")
    assert batch(state, "x", f'wusa.exe "{other}" /quiet /norestart') == "-2145124329"
    assert ("wusa", [msu, "/quiet", "/norestart"]) in state.runtime.programs


def test_dotnet_exit_codes_and_forced_codes() -> None:
    state = HostState.from_profile("2008")
    assert batch(state, "n48", f'"{staged(state, "ndp48-x86-x64-allos-enu.exe")}" /q /norestart') == "5100"
    state.install_exit_codes["NDP46-KB3045557-x86-x64-AllOS-ENU.exe"] = 1603
    assert batch(state, "n46", f'"{staged(state, "NDP46-KB3045557-x86-x64-AllOS-ENU.exe")}" /q /norestart') == "1603"
    assert state.dotnet_release is None
    state.install_exit_codes["NDP46-KB3045557-x86-x64-AllOS-ENU.exe"] = 3010
    assert batch(state, "n46", f'"{DIR}\\NDP46-KB3045557-x86-x64-AllOS-ENU.exe" /q /norestart') == "3010"
    assert state.dotnet_release == 393297
    assert state.registry.get_data(SESSION_MANAGER, "PendingFileRenameOperations")
    packages.restart(state)
    assert state.registry.get_value(SESSION_MANAGER, "PendingFileRenameOperations") is None


def test_expand_refuses_missing_and_non_msu_files_and_a_full_disk() -> None:
    state = HostState.from_profile("2012r2")
    state.files.mkdir(DIR + r"\x")
    assert run_line(state, None, f'expand -F:* "{DIR}\\none.msu" "{DIR}\\x"').rc == 1
    text = staged(state, "notes.txt")
    assert run_line(state, None, f'expand -F:* "{text}" "{DIR}\\x"').rc == 1
    msu = staged(state, "Win8.1AndW2K12R2-KB3191564-x64.msu")
    state.files.capacity = state.files.used() + 10
    result = run_line(state, None, f'expand -F:* "{msu}" "{DIR}\\x"')
    assert result.rc == 1 and "not enough space" in result.stdout


def test_copy_from_a_unc_share(tmp_path: Path) -> None:
    (tmp_path / "wmf").mkdir()
    (tmp_path / "wmf" / "a.msu").write_bytes(b"from the share")
    state = HostState.from_profile("2008r2")
    state.unc_shares[r"\\files\packages"] = str(tmp_path)
    state.files.mkdir(DIR)
    line = rf'copy /y /b "\\FILES\packages\wmf\a.msu" "{DIR}\a.msu.part"'
    denied = run_line(state, WINRS, line)
    assert denied.rc == 1 and denied.stderr == "Access is denied.\r\n"
    assert batch(state, "c", line) == "0"
    assert state.files.read(DIR + r"\a.msu.part") == b"from the share"
    assert batch(state, "c", rf'copy /y /b "\\files\packages\wmf\none.msu" "{DIR}\b"') == "1"
    assert batch(state, "c", rf'copy /y /b "\\other\share\a.msu" "{DIR}\b"') == "1"
    state.files.capacity = state.files.used() + 3
    full = run_line(state, None, rf'copy /y /b "\\files\packages\wmf\a.msu" "{DIR}\c"')
    assert full.rc == 1 and full.stderr == "There is not enough space on the disk.\r\n"


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/a.msu":
            body = b"0123456789" * 100
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif self.path == "/moved":
            self.send_response(302)
            self.send_header("Location", "http://127.0.0.1/a.msu")
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self.send_error(404)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def mirror() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_certutil_urlcache_downloads_from_loopback(mirror: str) -> None:
    state = HostState.from_profile("2012r2")
    state.files.mkdir(DIR)
    line = f'certutil -urlcache -split -f "{mirror}/a.msu" "{DIR}\\a.msu.part"'
    result = run_line(state, None, line)
    assert result.rc == 0 and "completed successfully" in result.stdout
    assert state.files.read(DIR + r"\a.msu.part") == b"0123456789" * 100
    missing = run_line(state, None, f'certutil -urlcache -split -f "{mirror}/none" "{DIR}\\n"')
    assert missing.rc == -2145844844 and "0x80190194" in missing.stdout
    assert batch(state, "f", f'certutil -urlcache -split -f "{mirror}/none" "{DIR}\\n"') == "-2145844844"
    assert run_line(state, None, f'certutil -urlcache -split -f "{mirror}/moved" "{DIR}\\m"').rc != 0
    assert run_line(state, None, f'certutil -urlcache -split -f "http://192.0.2.1/x" "{DIR}\\m"').rc != 0
    state.download_fault = "corrupt"
    run_line(state, None, line)
    assert state.files.read(DIR + r"\a.msu.part") != b"0123456789" * 100
    state.download_fault = None
    state.files.delete(DIR + r"\a.msu.part")
    state.files.capacity = state.files.used() + 10
    full = run_line(state, None, line)
    assert full.rc != 0 and "not enough space" in full.stdout


def test_logical_disk_and_boot_time() -> None:
    state = HostState.from_profile("2008r2")
    (disk,) = cim_os.logical_disks(state)
    assert disk["DeviceID"] == "C:" and int(disk["FreeSpace"]) <= 100 * 1024**3
    state.files.capacity = state.files.used() + 5000
    (disk,) = cim_os.logical_disks(state)
    assert disk["FreeSpace"] == "5000"
    (os,) = cim_os.operating_system(state)
    assert os["LastBootUpTime"] == "2026-12-03T10:00:00Z"


def test_knobs_round_trip_through_json() -> None:
    state = HostState.from_profile("2008r2")
    state.install_exit_codes = {"a.msu": 5}
    state.download_fault = "corrupt"
    state.download_bytes_per_second = 1000
    state.reboot_downtime = 0.5
    state.reboot_never_returns = True
    state.reboot_delay_cap = 0.1
    state.unc_shares = {r"\\files\packages": "/tmp"}
    state.packages_pending = ["Windows6.1-KB2506143-x64.msu"]
    state.files.capacity = 10**9
    again = HostState.from_json(json.loads(json.dumps(state.to_json())))
    assert again.to_json() == state.to_json()
    assert again.files.capacity == 10**9
