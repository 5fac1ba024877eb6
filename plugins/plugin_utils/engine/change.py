# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What a plan is made of: typed operations (owned by the facades) and the changes that carry them.

An :class:`Operation` knows how to apply itself, what would put it back (its ``undo``, for the rollback guard), and
whether it restarts WinRM, may lock this controller out of its next logon, or cuts the connection the controller
uses. A :class:`Change` is the user's view of one
setting (``--diff`` and the ``changes`` list) and carries the operation that makes it; several changes may share one
operation (one netsh line sets a rule's state, profiles and addresses). :class:`Outcome` is what ``execute`` returns.
"""

from __future__ import annotations

import dataclasses
import typing as t

from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.protocol import Client

State = t.TypeVar("State")


@dataclasses.dataclass(frozen=True)
class Endpoint:
    """How the controller reaches the host: the transport and port of this connection (None: not known)."""

    scheme: str = "http"
    port: int | None = None

    def serves(self, port: int | None, scheme: str | None = None) -> bool:
        """The connection comes in on that port (and transport, when given)."""
        if self.port is None or port is None or int(port) != int(self.port):
            return False
        return scheme is None or scheme.lower() == self.scheme.lower()


@dataclasses.dataclass(frozen=True)
class Restore:
    """What the task puts back: files (path -> bytes, None = delete the file), then commands (batch-file lines built
    by a facade, every value through the quoting module)."""

    files: t.Mapping[str, bytes | None]
    commands: t.Sequence[str]
    what: str  # for the messages, e.g. "the WinRM policy the service ran before this change"
    # a .reg file (regedit 5.00, UTF-16LE) imported with ``reg import`` after the files and before the commands: it
    # carries registry strings of any text (a value read from the host never reaches the script itself)
    registry: bytes | None = None


class Operation:
    """Base of the facades' operations. Subclasses are frozen dataclasses; every command line an operation sends is
    built when it is created, so input it cannot carry fails before the host is touched."""

    kind: t.ClassVar[str] = "operation"  # a name for tests and logs; nothing dispatches on it
    restarts_winrm: t.ClassVar[bool] = False  # applying it restarts WinRM, which drops every connection
    reboots: t.ClassVar[bool] = False  # applying it restarts the whole host; the engine waits for it to come back

    @property
    def may_lock_out(self) -> bool:
        """After this operation the host may refuse this controller's next logon (authentication, RootSDDL,
        encryption, address filters), in ways no up-front check can always predict (group memberships, policies)."""
        return False

    @property
    def reconnects(self) -> bool:
        """The engine proves the host still answers with a new connection and a new logon after applying it."""
        return self.restarts_winrm or self.may_lock_out

    def apply(self, client: Client) -> None:
        raise NotImplementedError

    @property
    def undo(self) -> Restore | None:
        """What the rollback guard runs to put the host back (None: the guard restores nothing for it)."""
        return None

    def affects_endpoint(self, endpoint: Endpoint) -> str | None:
        """Why applying this cuts the connection at ``endpoint`` (None: it does not)."""
        return None


@dataclasses.dataclass(frozen=True)
class Change:
    """One planned modification of one setting, as the task result shows it."""

    target: str  # the setting, e.g. "firewall_rules.WINRM-HTTP-In-TCP.enabled"
    before: t.Any
    after: t.Any
    summary: str  # one line a human reads in the task result
    operation: Operation
    disruptive: bool = False  # set by the engine: applying it cuts the connection the controller uses
    label: str = ""  # what kind of change this is, when one operation makes several kinds (nothing dispatches on it)

    @property
    def kind(self) -> str:
        return self.label or self.operation.kind


@dataclasses.dataclass(frozen=True)
class Outcome(t.Generic[State]):
    changes: tuple[Change, ...]
    before: State
    after: State | None  # None in check mode, or when the change cut the connection on purpose
    facts: t.Mapping[str, t.Any] = dataclasses.field(default_factory=dict)  # the procedure's result keys
    warnings: tuple[str, ...] = ()
    rollback: str | None = None  # what became of this run's rollback task
    applied: bool = False  # the changes were applied (not check mode)

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
