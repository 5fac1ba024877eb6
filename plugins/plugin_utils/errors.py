# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The root of every error the collection raises, and the errors that belong to no single layer.

Each layer raises its own subclasses of :class:`WinRemoteError`: the wire's (connection, authentication, faults)
live in ``wsman/errors.py``, a facade's beside it. Here are the two that come from above the wire: a module option
that cannot work (:class:`InvalidArgumentError`, found before any connection) and a host that did not reach the
planned state (:class:`NotConvergedError`). Action plugins catch the root only: ``str()`` is one actionable line,
``.kind`` a stable key for code and tests.
"""

from __future__ import annotations


class WinRemoteError(Exception):
    """Root of every error of the collection; ``str()`` is one actionable line."""

    kind = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class InvalidArgumentError(WinRemoteError):
    """A module option that cannot work, found before any connection is made: the message starts with the option's
    name, so the user knows which line of the task to fix."""

    kind = "invalid_argument"

    def __init__(self, option: str, problem: str) -> None:
        self.option = option
        self.problem = problem
        super().__init__(f"{option}: {problem}")


class NotConvergedError(WinRemoteError):
    """The host did not reach the planned state after the changes were applied; never reported as success."""

    kind = "not_converged"
