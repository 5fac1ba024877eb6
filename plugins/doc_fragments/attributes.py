# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Attributes shared by the modules that manage a Windows host from the controller over WS-Management."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
attributes:
  check_mode:
    description: Supports check mode; the host is observed and the changes are planned, but nothing is changed.
    support: full
  diff_mode:
    description: With C(--diff), returns each planned setting before and after.
    support: full
  platform:
    description: The systems the module manages.
    support: N/A
    platforms: windows
  action:
    description: Runs on the controller in an action plugin, which talks WS-Management to the host.
    support: full
  async:
    description: Can run with the C(async) keyword.
    support: none
  bypass_host_loop:
    description: Runs once for all hosts instead of once per host.
    support: none
  action_group:
    description: Part of an action group, so C(module_defaults) can set its options with the group's.
    support: N/A
    membership:
      - winremote.remoting.remoting
"""
