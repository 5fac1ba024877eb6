# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""windows/boot: the pending-restart markers (absent proved, unread kept apart), LastBootUpTime in both forms,
free space, and the Reboot operation against fake clients."""

from __future__ import annotations

import typing as t
import xml.etree.ElementTree as ET

import pytest

from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import boot
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import batch
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import errors as wire
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.winrs import CommandResult

CIM = "http://schemas.dmtf.org/wbem/wscim/1/common"
OS_NS = "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_OperatingSystem"
DISK_NS = "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_LogicalDisk"
SM_LONG = r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\Session Manager"
CBS_PARENT = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing"
WU_PARENT = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update"


def result(sections: dict[str, str]) -> batch.BatchResult:
    return batch.BatchResult(sections, "", 0)


def rename_section(data: str | None, reg_type: str = "REG_MULTI_SZ") -> str:
    if data is None:
        return ""
    return f"\r\n{SM_LONG}\r\n    PendingFileRenameOperations    {reg_type}    {data}\r\n\r\n"


def absent(probe: str, parent: str) -> dict[str, str]:
    """The proof of an absent key: its parent was listed without it."""
    return {probe: "", f"{probe}.list1": f"\r\n{parent}\r\n{parent}\\Other\r\n", f"{probe}.read1": ""}


def nothing_pending() -> dict[str, str]:
    return {
        **absent("pending.cbs", CBS_PARENT),
        **absent("pending.wu", WU_PARENT),
        "pending.sm": "",
        "pending.sm.ok": "",
        "pending.rename": "",
    }


def test_the_probes_are_one_batched_line() -> None:
    probes = boot.pending_reboot_probes()
    line = batch.command_line(probes)
    assert r'reg query "HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending"' in line
    assert (
        r'reg query "HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired"' in line
    )
    assert r'reg query "HKLM\SYSTEM\CurrentControlSet\Control\Session Manager" /v "PendingFileRenameOperations"' in line
    assert boot.pending_read().probes == tuple(probes)


def test_nothing_pending() -> None:
    pending = boot.parse_pending(result(nothing_pending()))
    assert pending == boot.PendingReboot((), ())
    assert not pending.required


def test_every_marker_present() -> None:
    sections = {
        "pending.cbs": "",
        "pending.cbs.ok": "",
        "pending.wu": "",
        "pending.wu.ok": "",
        "pending.sm": "",
        "pending.sm.ok": "",
        "pending.rename": rename_section(r"\??\C:\x.tmp\0\0"),
    }
    pending = boot.parse_pending(result(sections))
    assert pending.markers == (boot.CBS_KEY, boot.WU_KEY, boot.RENAME_MARKER)
    assert pending.required and pending.unread == ()


@pytest.mark.parametrize(
    "section",
    [rename_section(""), rename_section(r"\0"), rename_section("x", "REG_SZ"), rename_section(None)],
)
def test_renames_count_only_as_a_non_empty_multi_string(section: str) -> None:
    sections = {**nothing_pending(), "pending.rename": section}
    assert boot.parse_pending(result(sections)).markers == ()


def test_a_key_that_could_not_be_read_is_unread_not_absent() -> None:
    sections = nothing_pending()
    # the parent was listed and names the key: it exists but could not be read
    sections["pending.cbs.list1"] = f"\r\n{CBS_PARENT}\r\n{CBS_PARENT}\\RebootPending\r\n"
    del sections["pending.sm.ok"]
    pending = boot.parse_pending(result(sections))
    assert pending.markers == ()
    assert len(pending.unread) == 2
    assert "RebootPending" in pending.unread[0] and "Session Manager" in pending.unread[1]


def test_an_answer_cut_short_is_unread() -> None:
    assert len(boot.parse_pending(result({})).unread) == 3


# --- CIM reads -------------------------------------------------------------------------------------------------------
def os_instance(boot_time: str, datetime_child: bool) -> ET.Element:
    root = ET.Element(f"{{{OS_NS}}}Win32_OperatingSystem")
    prop = ET.SubElement(root, f"{{{OS_NS}}}LastBootUpTime")
    if datetime_child:
        ET.SubElement(prop, f"{{{CIM}}}Datetime").text = boot_time
    else:
        prop.text = boot_time
    ET.SubElement(root, f"{{{OS_NS}}}CSName").text = "HOST"
    return root


def disk_instance(free: str | None, size: str | None) -> ET.Element:
    root = ET.Element(f"{{{DISK_NS}}}Win32_LogicalDisk")
    for name, value in (("DeviceID", "C:"), ("FreeSpace", free), ("Size", size)):
        if value is not None:
            ET.SubElement(root, f"{{{DISK_NS}}}{name}").text = value
    return root


class CimClient:
    """Answers Get (and Enumerate) from instances; records the requests; WinRS commands from a queue."""

    def __init__(self, instances: list[ET.Element], fault_on_get: bool = False) -> None:
        self.instances = instances
        self.fault_on_get = fault_on_get
        self.gets: list[tuple[str, t.Any]] = []
        self.commands: list[str] = []
        self.answers: list[CommandResult] = []

    def get(self, resource_uri: str, selectors: t.Any = None, options: t.Any = None) -> ET.Element:
        self.gets.append((resource_uri, selectors))
        if self.fault_on_get:
            raise wire.WSManFaultError(None, "w:InvalidSelectors", "host", "the selectors are not valid")
        return self.instances.pop(0) if len(self.instances) > 1 else self.instances[0]

    def enumerate(self, resource_uri: str) -> list[ET.Element]:
        return list(self.instances)

    def run_command(self, command: str, arguments: t.Sequence[str] = ()) -> CommandResult:
        self.commands.append(arguments[-1])
        return self.answers.pop(0)

    def close(self) -> None:
        """Nothing to close."""


@pytest.mark.parametrize(("text", "child"), [("2026-12-03T10:00:00Z", True), ("20261203100000.000000+000", False)])
def test_boot_time_in_both_forms(text: str, child: bool) -> None:
    client = CimClient([os_instance(text, child)])
    assert boot.read_boot_time(t.cast(t.Any, client)) == text
    assert client.gets == [(boot.OS_URI, None)]
    assert boot.OS_URI.endswith("/wmi/root/cimv2/Win32_OperatingSystem")


def test_boot_time_falls_back_to_enumeration() -> None:
    client = CimClient([os_instance("2026-12-03T10:00:00Z", True)], fault_on_get=True)
    assert boot.read_boot_time(t.cast(t.Any, client)) == "2026-12-03T10:00:00Z"


def test_a_missing_boot_time_is_an_error() -> None:
    element = ET.Element(f"{{{OS_NS}}}Win32_OperatingSystem")
    with pytest.raises(boot.BootError, match="LastBootUpTime"):
        boot.read_boot_time(t.cast(t.Any, CimClient([element])))


def test_free_space() -> None:
    client = CimClient([disk_instance("1073741824", "64424509440")])
    assert boot.read_free_space(t.cast(t.Any, client), "c:") == (1073741824, 64424509440)
    assert client.gets == [(boot.DISK_URI, {"DeviceID": "C:"})]
    assert boot.read_free_space(t.cast(t.Any, CimClient([disk_instance(None, "x")])), "C:") == (None, None)


@pytest.mark.parametrize("drive", ["C", "C:\\", "CC:", "C:&", "C:\n"])
def test_free_space_wants_a_drive(drive: str) -> None:
    with pytest.raises(ValueError, match="drive"):
        boot.read_free_space(t.cast(t.Any, CimClient([])), drive)


def test_free_space_fault_is_an_error() -> None:
    with pytest.raises(boot.BootError, match="Win32_LogicalDisk"):
        boot.read_free_space(t.cast(t.Any, CimClient([], fault_on_get=True)), "C:")


# --- Reboot ----------------------------------------------------------------------------------------------------------
def markers_answer(sections: dict[str, str]) -> CommandResult:
    text = "".join(f"{batch.MARKER_PREFIX}{name}{batch.MARKER_SUFFIX}\r\n{body}\r\n" for name, body in sections.items())
    return CommandResult(text, "", 0)


def test_shutdown_line() -> None:
    assert boot.shutdown_command() == 'shutdown /r /t 5 /c "winremote.remoting: installing prerequisites"'


def test_reboot_is_a_restarting_operation() -> None:
    op = boot.Reboot("always")
    assert op.kind == "reboot" and op.reboots and op.restarts_winrm and op.reconnects
    assert op == boot.Reboot("always") and hash(op) == hash(boot.Reboot("always"))
    with pytest.raises(ValueError, match="when"):
        boot.Reboot("never")
    with pytest.raises(ValueError):
        boot.Reboot("always", comment='a"b')


def test_if_required_skips_when_nothing_is_pending() -> None:
    client = CimClient([os_instance("T1", True)])
    client.answers = [markers_answer(nothing_pending())]
    op = boot.Reboot("if_required")
    op.apply(t.cast(t.Any, client))
    assert op.outcome["rebooted"] is False
    assert len(client.commands) == 1 and "shutdown" not in client.commands[0]
    assert op.came_back(t.cast(t.Any, client)) is None


def test_if_required_restarts_when_a_marker_is_present() -> None:
    client = CimClient([os_instance("T1", True), os_instance("T1", True), os_instance("T2", True)])
    sections = {**nothing_pending(), "pending.cbs.ok": ""}
    client.answers = [markers_answer(sections), CommandResult("", "", 0)]
    op = boot.Reboot("if_required")
    op.apply(t.cast(t.Any, client))
    assert op.outcome["rebooted"] is True and op.outcome["boot_time_before"] == "T1"
    assert op.outcome["markers"] == [boot.CBS_KEY]
    assert client.commands[-1] == boot.shutdown_command()
    assert (
        op.came_back(t.cast(t.Any, client))
        == "the host has not restarted yet (boot time T1, as before the shutdown command)"
    )
    assert op.came_back(t.cast(t.Any, client)) is None
    assert op.outcome["boot_time_after"] == "T2"


def test_if_required_restarts_when_a_marker_is_unread() -> None:
    client = CimClient([os_instance("T1", True)])
    client.answers = [markers_answer({}), CommandResult("", "", 0)]
    op = boot.Reboot("if_required")
    op.apply(t.cast(t.Any, client))
    assert op.outcome["rebooted"] is True and len(op.outcome["unread"]) == 3


def test_always_restarts_without_reading_markers() -> None:
    client = CimClient([os_instance("T1", True)])
    client.answers = [CommandResult("", "", 0)]
    op = boot.Reboot("always")
    op.apply(t.cast(t.Any, client))
    assert client.commands == [boot.shutdown_command()]


def test_a_refused_shutdown_is_an_error() -> None:
    client = CimClient([os_instance("T1", True)])
    client.answers = [CommandResult("", "A system shutdown has already been scheduled.(1190)", 1190)]
    op = boot.Reboot("always")
    with pytest.raises(boot.BootError, match=r"1190.*not restarted"):
        op.apply(t.cast(t.Any, client))
    assert op.came_back(t.cast(t.Any, client)) is None
