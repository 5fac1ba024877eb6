# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The WinRS code page per host: 65001 from WinRM 3.0 on, 437 on WinRM 2.0 (Server 2008 / 2008 R2 with WMF 2.0),
where batch files print nothing under 65001 (https://github.com/ansible/ansible/issues/21915)."""

from __future__ import annotations

import typing as t
import xml.etree.ElementTree as ET

from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import winrs
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import xml as wx


def test_code_page_per_stack() -> None:
    assert winrs.codepage_for("3.0") == 65001
    assert winrs.codepage_for("2.0") == 437
    assert winrs.shell_options(437)["WINRS_CODEPAGE"] == "437"
    assert winrs.SHELL_OPTIONS["WINRS_CODEPAGE"] == "65001"


def test_winrm_2_hosts_get_their_own_oem_code_page() -> None:
    """A Portuguese or French 2008 host prints in 850; asking it for 437 loses the accents of translated text."""
    assert winrs.codepage_for("2.0", 850) == 850
    assert winrs.codepage_for("2.0", 437) == 437
    assert winrs.codepage_for("3.0", 850) == 65001  # UTF-8 wherever batch files work under it
    assert winrs.codepage_for("2.0", 65001) == 437  # the very page batch files fail under
    assert winrs.codepage_for("2.0", 99999) == 437  # a page Python cannot decode
    assert winrs.codepage_for("2.0", None) == 437  # not read


def test_output_is_decoded_in_the_shell_code_page() -> None:
    assert winrs.decode("café".encode("cp437"), 437) == "café"
    assert winrs.decode("café".encode(), 65001) == "café"
    assert winrs.decode(b"caf\xe9", 99999) == "caf\ufffd"  # an unknown page: UTF-8, never an exception


def test_run_command_asks_for_and_decodes_the_code_page() -> None:
    seen: dict[str, t.Any] = {}

    def request(
        action: str, uri: str, body: t.Any = None, selectors: t.Any = None, options: t.Any = None
    ) -> ET.Element:
        name = action.rsplit("/", 1)[-1]
        root = ET.Element("Body")
        if name == "Create":
            seen["options"] = options
            ET.SubElement(ET.SubElement(root, wx.qn("rsp", "Shell")), wx.qn("rsp", "ShellId")).text = "S"
        elif name == "Command":
            response = ET.SubElement(root, wx.qn("rsp", "CommandResponse"))
            ET.SubElement(response, wx.qn("rsp", "CommandId")).text = "C"
        elif name == "Receive":
            response = ET.SubElement(root, wx.qn("rsp", "ReceiveResponse"))
            stream = ET.SubElement(response, wx.qn("rsp", "Stream"), Name="stdout", CommandId="C", End="true")
            stream.text = "Y2Fmgg=="  # "caf" + 0x82, which is é in code page 437
            state = ET.SubElement(response, wx.qn("rsp", "CommandState"), CommandId="C", State=winrs.STATE_DONE)
            ET.SubElement(state, wx.qn("rsp", "ExitCode")).text = "0"
        return root

    result = winrs.run_command(request, "cmd.exe", ["/c", "echo"], codepage=437)
    assert seen["options"]["WINRS_CODEPAGE"] == "437"
    assert result.stdout == "café" and result.rc == 0
