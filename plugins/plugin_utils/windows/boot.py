# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Whether the host waits for a restart, when it last started, how much disk it has, and the restart itself.

A restart is pending when one of three markers is present: the ``RebootPending`` key of Component Based Servicing
(servicing stack, DISM and wusa packages), the ``RebootRequired`` key of Windows Update, or a non-empty
``PendingFileRenameOperations`` (REG_MULTI_SZ) of the Session Manager, the files to replace at the next start
(Microsoft Learn "MoveFileExA", MOVEFILE_DELAY_UNTIL_REBOOT). A marker key that could not be read is *unread*, never
absent (``key_reads.py``). The restart is proven by ``Win32_OperatingSystem.LastBootUpTime`` changing.
"""

from __future__ import annotations

import dataclasses
import re
import typing as t
import xml.etree.ElementTree as ET

from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.change import Operation
from ansible_collections.winremote.remoting.plugins.plugin_utils.errors import WinRemoteError
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import key_reads, quote, registry
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import batch, cim
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import errors as wire
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import xml as wx
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.protocol import Client

CBS_KEY = r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending"
WU_KEY = r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired"
SESSION_MANAGER = r"HKLM\SYSTEM\CurrentControlSet\Control\Session Manager"
RENAMES = "PendingFileRenameOperations"
RENAME_MARKER = f"{SESSION_MANAGER}\\{RENAMES}"
OS_URI = cim.cim_uri("root/cimv2", "Win32_OperatingSystem")
DISK_URI = cim.cim_uri("root/cimv2", "Win32_LogicalDisk")
DRIVE = re.compile(r"^[A-Za-z]:$")
COMMENT = "winremote.remoting: installing prerequisites"
DELAY = 5  # seconds shutdown.exe waits, so the WinRS command answers before the host goes down
IF_REQUIRED, ALWAYS = "if_required", "always"


class BootError(WinRemoteError):
    """The host's boot state could not be read, or the restart could not be started."""

    kind = "reboot"


@dataclasses.dataclass(frozen=True)
class PendingReboot:
    markers: tuple[str, ...]  # the markers present (key paths; the value path for the file renames)
    unread: tuple[str, ...]  # why a marker could not be read

    @property
    def required(self) -> bool:
        return bool(self.markers)


def pending_reboot_probes() -> list[batch.Probe]:
    """The probes of the three markers, for one batched WinRS command (the observation's or the reboot's)."""
    return [
        key_reads.presence_probe("pending.cbs", CBS_KEY, may_be_absent=True),
        key_reads.presence_probe("pending.wu", WU_KEY, may_be_absent=True),
        key_reads.presence_probe("pending.sm", SESSION_MANAGER),
        batch.Probe("pending.rename", f"{registry.query_command(SESSION_MANAGER, RENAMES)} 2>nul"),
    ]


def parse_pending(result: batch.BatchResult) -> PendingReboot:
    markers: list[str] = []
    unread: list[str] = []
    for probe, key in (("pending.cbs", CBS_KEY), ("pending.wu", WU_KEY)):
        found = key_reads.presence(result, probe, key, may_be_absent=True)
        if found.state == key_reads.READ:
            markers.append(key)
        elif found.state == key_reads.UNREAD:
            unread.append(found.message())
    session = key_reads.presence(result, "pending.sm", SESSION_MANAGER)
    if session.state != key_reads.READ:
        unread.append(session.message())
    else:
        found_key = registry.find_key(registry.parse_query(result.section("pending.rename")), SESSION_MANAGER)
        values = found_key.values.values() if found_key is not None else ()
        value = next((v for v in values if v.name.lower() == RENAMES.lower()), None)
        if value is not None and value.type == "REG_MULTI_SZ" and isinstance(value.data, list) and value.data:
            markers.append(RENAME_MARKER)
    return PendingReboot(tuple(markers), tuple(unread))


def pending_read() -> batch.Read[PendingReboot]:
    return batch.Read(tuple(pending_reboot_probes()), parse_pending)


def read_pending(client: Client) -> PendingReboot:
    return parse_pending(batch.run(client, pending_reboot_probes()))


def _property(element: ET.Element, name: str) -> ET.Element | None:
    for node in element.iter():
        if wx.local_name(node.tag) == name:
            return node
    return None


def property_text(element: ET.Element, name: str) -> str | None:
    """A property's text: a datetime's ``cim:Datetime`` child or the element's own text (None: absent or nil)."""
    node = _property(element, name)
    if node is None or wx.is_nil(node):
        return None
    value = cim.element_value(node)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _get(client: Client, uri: str, selectors: t.Mapping[str, str] | None, what: str) -> ET.Element:
    try:
        return client.get(uri, dict(selectors) if selectors else None)
    except wire.WSManFaultError as exc:
        if selectors:
            raise BootError(f"cannot read {what}: {exc}") from None
    # ASSUMPTION (UNVERIFIED): a host that refuses a Get without selectors of the singleton still enumerates it.
    items = client.enumerate(uri)
    if not items:
        raise BootError(f"cannot read {what}: the host returned no instance")
    return items[0]


def read_boot_time(client: Client) -> str:
    """Win32_OperatingSystem.LastBootUpTime as the host wrote it (xs:dateTime or DMTF text)."""
    text = property_text(_get(client, OS_URI, None, "Win32_OperatingSystem"), "LastBootUpTime")
    if text is None:
        raise BootError("Win32_OperatingSystem has no LastBootUpTime in the host's answer")
    return text


def read_free_space(client: Client, drive: str) -> tuple[int | None, int | None]:
    """FreeSpace and Size in bytes of a drive such as ``C:`` (None for what the host did not give)."""
    if not DRIVE.fullmatch(drive):
        raise ValueError(f"drive {drive!r}: a letter and a colon, such as C:")
    element = _get(client, DISK_URI, {"DeviceID": drive.upper()}, f"Win32_LogicalDisk {drive}")

    def number(name: str) -> int | None:
        text = property_text(element, name)
        return int(text) if text is not None and text.isdigit() else None

    return number("FreeSpace"), number("Size")


def shutdown_command(comment: str = COMMENT) -> str:
    return f"shutdown /r /t {DELAY} /c {quote.cmd(comment)}"


@dataclasses.dataclass(frozen=True)
class Reboot(Operation):
    """Restart the host (``always``, or ``if_required`` when a marker says so); ``came_back`` proves the restart."""

    kind: t.ClassVar[str] = "reboot"
    restarts_winrm: t.ClassVar[bool] = True
    reboots: t.ClassVar[bool] = True
    when: str = IF_REQUIRED
    comment: str = COMMENT
    outcome: dict[str, t.Any] = dataclasses.field(default_factory=dict, compare=False, hash=False, repr=False)

    def __post_init__(self) -> None:
        if self.when not in (IF_REQUIRED, ALWAYS):
            raise ValueError(f"reboot when {self.when!r}: use {IF_REQUIRED} or {ALWAYS}")
        shutdown_command(self.comment)

    def apply(self, client: Client) -> None:
        if self.when == IF_REQUIRED:
            pending = read_pending(client)
            # a marker that could not be read may hide a restart an install just asked for: restart then too
            if not pending.markers and not pending.unread:
                self.outcome.update(rebooted=False, markers=[])
                return
            self.outcome.update(markers=list(pending.markers), unread=list(pending.unread))
        self.outcome["boot_time_before"] = read_boot_time(client)
        result = client.run_command("cmd.exe", ["/c", shutdown_command(self.comment)])
        if result.rc != 0:
            seen = (result.stderr or result.stdout).strip() or "no message"
            raise BootError(
                f"shutdown /r exited {result.rc} ({seen}); the host was not restarted (another shutdown already "
                "scheduled? cancel it with shutdown /a, or restart the host yourself) and run again"
            )
        self.outcome["rebooted"] = True

    def came_back(self, client: Client) -> str | None:
        """None when the host restarted (its boot time changed) or no restart was made; else why not yet."""
        if not self.outcome.get("rebooted"):
            return None
        now = read_boot_time(client)
        before = self.outcome.get("boot_time_before")
        if now != before:
            self.outcome["boot_time_after"] = now
            return None
        return f"the host has not restarted yet (boot time {now}, as before the shutdown command)"
