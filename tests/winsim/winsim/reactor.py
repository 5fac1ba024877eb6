# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One event loop for every listening socket and idle connection of every simulated host in the process.

A thread per socket does not scale to thousands of hosts; one ``selectors`` loop waits on all of them and hands
work that may block (a TLS handshake, reading and answering one request, a ``delay`` fault) to a small worker
pool, so a slow request never holds up the others.  Selector registrations change only on the loop's own thread:
other threads queue them with :meth:`Reactor.call_soon`.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import logging
import os
import selectors
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

log = logging.getLogger(__name__)

WORKERS = int(os.environ.get("WINSIM_WORKERS", "64"))  # threads start on demand, up to this many
CALL_TIMEOUT = 10.0  # seconds call_and_wait waits for the loop


class Timer:
    """A callback :meth:`Reactor.call_later` will run in the worker pool unless cancelled first."""

    def __init__(self, when: float, callback: Callable[[], object]) -> None:
        self.when = when
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class Reactor:
    """The selector loop thread, its queue of calls from other threads, timers and the worker pool."""

    def __init__(self, workers: int = WORKERS) -> None:
        self.selector = selectors.DefaultSelector()
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="winsim-worker")
        self._wake_read, self._wake_write = socket.socketpair()
        self._wake_read.setblocking(False)
        self._wake_write.setblocking(False)
        self.selector.register(self._wake_read, selectors.EVENT_READ, None)
        self._calls: deque[Callable[[], object]] = deque()
        self._timers: list[tuple[float, int, Timer]] = []
        self._timer_lock = threading.Lock()
        self._sequence = itertools.count()
        self.thread = threading.Thread(target=self._run, name="winsim-reactor", daemon=True)
        self.thread.start()

    # --- called from any thread ------------------------------------------------------------------------

    def call_soon(self, callback: Callable[[], object]) -> None:
        """Run ``callback`` on the loop thread (deque appends are atomic)."""
        self._calls.append(callback)
        self._wake()

    def call_and_wait(self, callback: Callable[[], object], timeout: float = CALL_TIMEOUT) -> None:
        """Run ``callback`` on the loop thread and return once it ran (directly when already on it)."""
        if threading.current_thread() is self.thread:
            callback()
            return
        done = threading.Event()

        def run() -> None:
            try:
                callback()
            finally:
                done.set()

        self.call_soon(run)
        if not done.wait(timeout):
            raise TimeoutError("the winsim event loop did not answer")

    def call_later(self, delay: float, callback: Callable[[], object]) -> Timer:
        """Run ``callback`` in the worker pool after ``delay`` seconds."""
        timer = Timer(time.monotonic() + max(0.0, delay), callback)
        with self._timer_lock:
            heapq.heappush(self._timers, (timer.when, next(self._sequence), timer))
        self._wake()
        return timer

    def submit(self, callback: Callable[[], object]) -> None:
        """Run ``callback`` in the worker pool; an exception is logged, never lost silently."""
        try:
            self.pool.submit(self._guarded, callback)
        except RuntimeError:  # the interpreter is exiting: the pool takes no more work, the process is ending
            log.debug("worker pool shut down; dropped %r", callback)

    # --- the loop ----------------------------------------------------------------------------------------

    def _wake(self) -> None:
        with contextlib.suppress(BlockingIOError, OSError):  # a full wake-up pipe already wakes the loop
            self._wake_write.send(b"\0")

    @staticmethod
    def _guarded(callback: Callable[[], object]) -> None:
        try:
            callback()
        except Exception:
            log.exception("winsim worker failed")

    def _next_timeout(self) -> float | None:
        with self._timer_lock:
            if not self._timers:
                return None
            return max(0.0, self._timers[0][0] - time.monotonic())

    def _due_timers(self) -> list[Timer]:
        now = time.monotonic()
        due: list[Timer] = []
        with self._timer_lock:
            while self._timers and self._timers[0][0] <= now:
                due.append(heapq.heappop(self._timers)[2])
        return [t for t in due if not t.cancelled]

    def _run(self) -> None:
        while True:
            try:
                events = self.selector.select(self._next_timeout())
            except OSError:  # a socket closed under us: its key is dropped by whoever closed it
                log.debug("select failed", exc_info=True)
                events = []
            for key, _mask in events:
                if key.data is None:
                    with contextlib.suppress(BlockingIOError, OSError):
                        while self._wake_read.recv(4096):
                            pass
                    continue
                self._guarded(key.data)
            while self._calls:
                self._guarded(self._calls.popleft())
            for timer in self._due_timers():
                self.submit(timer.callback)


_REACTOR: Reactor | None = None
_REACTOR_LOCK = threading.Lock()


def reactor() -> Reactor:
    """The process-wide loop, started on first use."""
    global _REACTOR
    with _REACTOR_LOCK:
        if _REACTOR is None:
            _REACTOR = Reactor()
        return _REACTOR
