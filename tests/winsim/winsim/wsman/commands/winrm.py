# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""`winrm.cmd`: get / enumerate / id (as XML with -format:xml, else in winrm's text form), quickconfig, set / delete
of a listener, and set of a config section.

winrm.cmd talks to the local WinRM service, so set / delete fail while the service is stopped (ASSUMPTION: the error
text is shortened). The listener rules are the WS-Transfer ones (winsim.ops.listeners).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from winsim import ops, rules
from winsim.console import SHELL_CODEPAGE
from winsim.ops import QuickconfigStep
from winsim.state import HostState
from winsim.wsman import config, identify
from winsim.wsman.commands import CommandResult, Invocation

# winrm.cmd run through WinRS on Server 2008 R2, by an administrator: Access denied from the local WinRM service
# (https://github.com/packer-community/winrmcp/issues/3, confirmed there with a second client; the same command works
# on 2012 R2: https://github.com/packer-community/packer-windows-plugins/issues/14).
ACCESS_DENIED = (
    "WSManFault\r\n    Message\r\n        ProviderFault\r\n            WSManFault\r\n"
    "                Message = Access is denied. \r\n\r\nError number:  -2147024891 0x80070005\r\n"
    "Access is denied. \r\n"
)
# ASSUMPTION (UNVERIFIED): winrm.cmd exits with the error number as an unsigned value, as for the other faults here.
ACCESS_DENIED_RC = 0x80070005


def through_winrs(inv: Invocation) -> CommandResult | None:
    """What winrm.cmd does inside a WinRS shell on the 2008 family before it reaches the service; None elsewhere.
    On Server 2008 a batch file prints nothing and reports no error when the console code page is 65001
    (https://github.com/ansible/ansible/issues/21915, https://github.com/chef/knife-windows/issues/400,
    https://github.com/WinRb/WinRM/issues/181)."""
    codepage = SHELL_CODEPAGE.get()
    if codepage is None:
        return None
    if inv.state.profile == "2008" and codepage == "65001":
        return CommandResult()
    if inv.state.profile == "2008r2":
        return CommandResult(stderr=ACCESS_DENIED, rc=ACCESS_DENIED_RC)
    return None


SECTIONS = {
    "winrm/config": (),
    "winrm/config/service": ("Service",),
    "winrm/config/service/auth": ("Service", "Auth"),
    "winrm/config/client": ("Client",),
    "winrm/config/client/auth": ("Client", "Auth"),
    "winrm/config/winrs": ("Winrs",),
}


def _error(message: str) -> CommandResult:
    return CommandResult(
        stderr=f"WSManFault\r\n    Message = {message}\r\n\r\nError number:  -2144108526 0x80338012"
        "\r\nThe client cannot connect to the destination specified in the request.\r\n",
        rc=2150858770,
    )


# What winrm.cmd prints for each change quickconfig makes.
QUICKCONFIG_LINES = {
    QuickconfigStep.START_MODE: "WinRM service type changed successfully.",
    QuickconfigStep.STARTED: "WinRM service started.",
    QuickconfigStep.LISTENER: (
        "Created a WinRM listener on HTTP://* to accept WS-Man requests to any IP on this machine."
    ),
    QuickconfigStep.FIREWALL: "WinRM firewall exception enabled.",
}


def quickconfig_changes(state: HostState) -> list[str]:
    """Apply what `winrm quickconfig` configures (winsim.ops.quickconfig); one line per change made (empty =
    nothing to do)."""
    return [QUICKCONFIG_LINES[step] for step in ops.quickconfig(state)]


def quickconfig(inv: Invocation) -> CommandResult:
    changes = quickconfig_changes(inv.state)
    if not changes:
        return CommandResult(
            stdout="WinRM service is already running on this machine.\r\n"
            "WinRM is already set up for remote management on this computer.\r\n"
        )
    out = "WinRM has been updated to receive requests.\r\n\r\n" + "".join(f"{c}\r\n" for c in changes)
    return CommandResult(stdout=out, effects={ops.RESTART_WINRM})


_RESOURCE = re.compile(r"^winrm/config/listener\?address=(?P<address>[^+]+)\+transport=(?P<transport>\w+)$", re.I)
_FIELD = re.compile(r'(\w+)\s*=\s*"([^"]*)"')
NOT_RUNNING = (
    "WSManFault\r\n    Message = The client cannot connect to the destination specified in the request. "
    "Verify that the service on the destination is running and is accepting requests.\r\n\r\n"
    "Error number:  -2144108526 0x80338012\r\n"
)


def _fields(raw: str) -> dict[str, str]:
    """`@{Port="5985";Enabled="true"}` from the raw text (tokenising drops the quotes)."""
    start = raw.find("@{")
    return dict(_FIELD.findall(raw[start:])) if start >= 0 else {}


def listener_set_or_delete(inv: Invocation) -> CommandResult | None:
    """`winrm set|delete winrm/config/Listener?Address=..+Transport=..`; None for any other command."""
    args = inv.args
    verb = args[0].lower() if args else ""
    match = _RESOURCE.match(args[1]) if len(args) > 1 else None
    if verb not in ("set", "s", "delete", "d") or match is None:
        return None
    state = inv.state
    if state.service_status.get(state.find_service("WinRM") or "WinRM") != "Running":
        return CommandResult(stderr=NOT_RUNNING, rc=1)
    address, transport = match.group("address"), match.group("transport").upper()
    try:
        if verb in ("delete", "d"):
            ops.delete_listener(state, address, transport)
            return CommandResult(effects=set(ops.LISTENER_EFFECTS))
        updated = ops.set_listener(state, address, transport, _fields(inv.raw_args))
    except ops.OperationError as err:
        return CommandResult(stderr=f"WSManFault\r\n    Message = {config.fault_of(err)}\r\n", rc=1)
    return CommandResult(stdout=config.render_listener(state, updated, "") + "\r\n", effects=set(ops.LISTENER_EFFECTS))


def section_set(inv: Invocation) -> CommandResult | None:
    """`winrm set winrm/config/service @{RootSDDL="...";MaxConnections="300"}` (any section of SECTIONS): the same
    checks and change as a WS-Transfer Put of the section (what a rollback guard's restore script runs); None for
    any other command. The quoted values may hold `;` (an SDDL's ACEs), which _FIELD keeps inside the quotes."""
    args = inv.args
    verb = args[0].lower() if args else ""
    if verb not in ("set", "s") or len(args) < 2 or args[1].lower() not in SECTIONS:
        return None
    state = inv.state
    if state.service_status.get(state.find_service("WinRM") or "WinRM") != "Running":
        return CommandResult(stderr=NOT_RUNNING, rc=1)
    path = SECTIONS[args[1].lower()]
    fields = _fields(inv.raw_args)
    if not fields:
        return _error('The WS-Management service cannot process the request. The set command needs @{name="value"}.')
    try:
        ops.set_winrm_config(state, [((*path, name), value) for name, value in fields.items()])
    except ops.OperationError as err:
        return CommandResult(stderr=f"WSManFault\r\n    Message = {config.fault_of(err)}\r\n", rc=1)
    return CommandResult(stdout=text_form(config.render_section(state, path)))


def text_form(xml: str) -> str:
    """winrm.cmd's default (text) form of a reply element: the element name, then one `Name = value` line per
    setting, indented 4 spaces per level; an empty setting shows its name alone, repeated settings are joined with
    ", ", and a Source attribute follows as `[Source="GPO"]`, also after an empty setting. Captured outputs:
    `winrm get winrm/config` with `IPv4Filter = * [Source="GPO"]`, `IPv6Filter [Source="GPO"]` and
    `AllowRemoteAccess = true [Source="GPO"]` (the published post "Windows Remote Management", PowerShell category,
    which also shows two Listener blocks separated by a blank line); `RootSDDL = ...` lines in
    https://github.com/zenoss/microsoft.tools/issues/36; `winrm id` with `SecurityProfiles` /
    `    SecurityProfileName = .../http/basic, .../http/spnego-kerberos` in the README of the Java tool
    "WinRM Checker"; `winrm enumerate winrm/config/Listener` (`Address = *`, `Transport = HTTP`, `Port = 5985`,
    `Hostname`, `Enabled = true`, `URLPrefix = wsman`, `CertificateThumbprint`, `ListeningOn = a, b`, a blank line
    between listeners) in Ansible's "Setting up a Windows Host" guide (WinRM Listener section)."""
    return "\r\n".join(_text_lines(ET.fromstring(xml), 0)) + "\r\n"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _source(element: ET.Element) -> str:
    source = element.get("Source")
    return f' [Source="{source}"]' if source else ""


def _text_lines(element: ET.Element, depth: int) -> list[str]:
    pad = "    " * depth
    lines = [f"{pad}{_local(element.tag)}{_source(element)}"]
    children = list(element)
    done: set[str] = set()
    for child in children:
        name = _local(child.tag)
        if len(child):
            lines += _text_lines(child, depth + 1)
            continue
        if name in done:
            continue
        done.add(name)
        same = [c for c in children if _local(c.tag) == name and not len(c)]
        value = ", ".join((c.text or "").strip() for c in same if (c.text or "").strip())
        inner = "    " * (depth + 1)
        lines.append(f"{inner}{name} = {value}{_source(child)}" if value else f"{inner}{name}{_source(child)}")
    return lines


def run(inv: Invocation) -> CommandResult:
    refused = through_winrs(inv)
    if refused is not None:
        return refused
    args = [a for a in inv.args if not a.lower().startswith(("-format:", "/format:"))]
    if not args:
        return CommandResult(stderr="Windows Remote Management Command Line Tool\r\n", rc=1)
    verb = args[0].lower()
    changed = listener_set_or_delete(inv)
    if changed is None:
        changed = section_set(inv)
    if changed is not None:
        return changed
    host_address = inv.ctx.host_address if inv.ctx else ""
    as_xml = any(a.lower() in ("-format:xml", "/format:xml") for a in inv.args)

    def shown(xml: str) -> str:
        return xml + "\r\n" if as_xml else text_form(xml)

    if verb in ("quickconfig", "qc"):
        return quickconfig(inv)
    if verb in ("id", "identify"):
        return CommandResult(stdout=shown(identify.identify_response_element(inv.state, True)))
    if verb in ("get", "g") and len(args) > 1 and args[1].lower() in SECTIONS:
        return CommandResult(stdout=shown(config.render_section(inv.state, SECTIONS[args[1].lower()])))
    if verb in ("enumerate", "e") and len(args) > 1 and args[1].lower() == "winrm/config/listener":
        listeners = rules.effective_listeners(inv.state)
        items = [config.render_listener(inv.state, x, host_address) for x in listeners]
        if as_xml:
            return CommandResult(stdout="".join(x + "\r\n" for x in items))
        return CommandResult(stdout="\r\n".join(text_form(x) for x in items))
    return _error(
        f"The WS-Management service cannot process the request. The resource URI {' '.join(args[1:2])} "
        "is not supported by the simulator."
    )
