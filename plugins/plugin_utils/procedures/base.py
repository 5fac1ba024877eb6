# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The shape every change-making procedure shares: observe -> plan -> apply, then observe again to verify.

A :class:`Change` is data (a summary, the before/after values for ``--diff``, and the parameters ``apply``
needs), so check mode is observe + plan, ``--diff`` shows the plan, and a second run plans nothing.
"""

from __future__ import annotations

import dataclasses
import typing as t

from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.errors import WinRemoteError

State = t.TypeVar("State")
Desired = t.TypeVar("Desired")
Client = t.TypeVar("Client")
# A procedure only consumes clients and desired states, so it may accept wider types than a caller passes.
ClientIn_contra = t.TypeVar("ClientIn_contra", contravariant=True)
DesiredIn_contra = t.TypeVar("DesiredIn_contra", contravariant=True)


@dataclasses.dataclass(frozen=True)
class Change:
    """One planned modification of one setting."""

    kind: str  # what apply() does, e.g. "set_registry_dword", "enable_rule"
    target: str  # the setting, e.g. "firewall_rules.WINRM-HTTP-In-TCP.enabled"
    before: t.Any
    after: t.Any
    summary: str  # one line a human reads in the task result
    params: t.Mapping[str, t.Any] = dataclasses.field(default_factory=dict)
    disruptive: bool = False  # may cut the connection the controller uses


class NotConvergedError(WinRemoteError):
    """The host did not reach the planned state; never reported as success."""

    kind = "not_converged"


class Procedure(t.Protocol[ClientIn_contra, State, DesiredIn_contra]):
    def observe(self, client: ClientIn_contra) -> State: ...

    def plan(self, state: State, desired: DesiredIn_contra) -> list[Change]: ...

    def apply(self, client: ClientIn_contra, state: State, changes: t.Sequence[Change]) -> None: ...


@dataclasses.dataclass(frozen=True)
class Outcome(t.Generic[State]):
    changes: tuple[Change, ...]
    before: State
    after: State | None  # None in check mode

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    @property
    def verified(self) -> bool:
        """True when the host was observed again after the changes and showed the requested state."""
        return self.after is not None

    def diff(self) -> dict[str, t.Any]:
        """Ansible's diff: the planned settings before and after, keyed by target."""
        return {
            "before": {c.target: c.before for c in self.changes},
            "after": {c.target: c.after for c in self.changes},
        }

    def summaries(self) -> list[str]:
        return [c.summary for c in self.changes]


def execute(
    procedure: Procedure[Client, State, Desired],
    client: Client,
    desired: Desired,
    check_mode: bool,
    verify: bool = True,
) -> Outcome[State]:
    """Observe, plan, and unless in check mode apply and check that a new plan is empty."""
    before = procedure.observe(client)
    changes = procedure.plan(before, desired)
    if not changes:
        return Outcome((), before, before)  # already in the requested state: the observation is the verification
    if check_mode:
        return Outcome(tuple(changes), before, None)
    procedure.apply(client, before, changes)
    if not verify or any(c.disruptive for c in changes):
        # a change that cut the controller off on purpose (allow_self_disconnect) leaves nothing to re-observe
        return Outcome(tuple(changes), before, None)
    after = procedure.observe(client)
    left = procedure.plan(after, desired)
    if left:
        raise NotConvergedError(
            "the host did not reach the requested state; still to do: " + "; ".join(c.summary for c in left)
        )
    return Outcome(tuple(changes), before, after)
