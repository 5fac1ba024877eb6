# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one reconnect-with-backoff loop: after a WinRM restart, while a rollback is cancelled, and (later) after a
reboot.

Each try starts from a fresh connection (``reset``: a restart drops the connection and its authentication), waits
grow exponentially with some jitter so a fleet does not retry in step, and the clock and sleep are injectable so
tests run it without waiting. Modelled on the retry loop of microsoft.ad's ``plugin_utils/_reboot.py``.
"""

from __future__ import annotations

import dataclasses
import random
import time
import typing as t

from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.errors import WinRemoteError

T = t.TypeVar("T")


class RetryExhaustedError(Exception):
    """The deadline passed; ``last`` is the error of the last try. Callers turn it into a message of their own."""

    def __init__(self, last: WinRemoteError) -> None:
        super().__init__(str(last))
        self.last = last


@dataclasses.dataclass
class Backoff:
    """Waits of ``first``, then ``factor`` times longer, at most ``cap`` seconds, each stretched by up to
    ``jitter`` (a fraction) at random."""

    first: float = 0.25
    factor: float = 2.0
    cap: float = 5.0
    jitter: float = 0.1
    clock: t.Callable[[], float] = time.monotonic
    sleep: t.Callable[[float], None] = time.sleep
    rand: t.Callable[[], float] = random.random

    def delays(self) -> t.Iterator[float]:
        delay = self.first
        while True:
            yield delay * (1 + self.jitter * self.rand())
            delay = min(delay * self.factor, self.cap)

    def run(
        self,
        attempt: t.Callable[[], T],
        seconds: float,
        reset: t.Callable[[], None] | None = None,
        fatal: tuple[type[Exception], ...] = (),
    ) -> T:
        """``attempt()`` until it returns, for at most ``seconds``: a WinRemoteError means "not yet" (an error of a
        ``fatal`` type is raised at once). One try always happens; a wait that would pass the deadline is not made,
        and :class:`RetryExhaustedError` carries the last error."""
        deadline = self.clock() + seconds
        for delay in self.delays():
            if reset is not None:
                reset()
            try:
                return attempt()
            except fatal:
                raise
            except WinRemoteError as exc:
                if self.clock() + delay > deadline:
                    raise RetryExhaustedError(exc) from exc
            self.sleep(delay)
        raise AssertionError("unreachable")  # delays() never ends
