# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""LocalAccountTokenFilterPolicy: whether local administrators other than the built-in one get a full token remotely.

With the value absent or 0, Windows filters the token of a local administrator account that logs on over the
network (UAC remote restrictions), so WinRM denies it; 1 gives such accounts full administrative rights remotely.
"""

from __future__ import annotations

import dataclasses

from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.change import Change
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.execute import Procedure
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import registry
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.protocol import Client

KEY = r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System"
VALUE = "LocalAccountTokenFilterPolicy"
TARGET = "local_account_token_filter_policy"


@dataclasses.dataclass(frozen=True)
class TokenFilterState:
    raw: int | None  # None when the value is absent

    @property
    def enabled(self) -> bool:
        return self.raw == 1


def plan(enabled: bool | None, desired: bool) -> list[Change]:
    """The change that makes the value ``int(desired)`` (pure; ``enabled`` None: the state was not read)."""
    if enabled is desired:
        return []
    if desired:
        summary = f"set {VALUE}=1: local administrators other than the built-in one get full rights remotely"
    else:
        summary = f"set {VALUE}=0: remote logons of local administrators get a filtered token again"
    return [Change(TARGET, enabled, desired, summary, registry.SetDword(KEY, VALUE, int(desired)))]


class TokenFilterPolicy(Procedure[TokenFilterState, bool]):
    """observe -> plan for LocalAccountTokenFilterPolicy (one round trip each)."""

    def observe(self, client: Client) -> TokenFilterState:
        return TokenFilterState(registry.get_dword(client, KEY, VALUE))

    def plan(self, state: TokenFilterState, request: bool) -> list[Change]:
        return plan(state.enabled, request)
