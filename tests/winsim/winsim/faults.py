"""Per-host fault injection: what goes wrong on the next SOAP requests.

Semantics (all thread-safe):

* ``reset``   - the next ``count`` SOAP requests are read in full, then the TCP connection is reset (RST) with no
  answer, as when the host dies mid-request.
* ``delay``   - the next ``count`` SOAP requests are answered normally after ``seconds`` (default 1.0).
* ``http500`` - the next ``count`` SOAP requests get HTTP 500 with a WS-Man fault (``code``, ``message``,
  optional ``subcode``).
* ``refuse``  - the host closes its listening sockets, so connection attempts get ECONNREFUSED (as when WinRM
  is stopped).  A refused connection never reaches the simulator and so cannot be counted: ``count`` has no
  meaning here.  The host listens again after ``seconds`` when given, otherwise on ``clear_faults()``.

Faults queue in injection order; auth handshake legs and empty POSTs never consume them.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

KINDS = frozenset({"refuse", "reset", "delay", "http500"})


@dataclass
class Fault:
    """One queued fault and how many more requests it applies to."""

    kind: str
    remaining: int
    options: dict[str, object] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        value = self.options.get("seconds", 1.0)
        return float(value) if isinstance(value, (int, float, str)) else 1.0


class FaultInjector:
    """Queue of request faults plus the 'refuse' switch of one host."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: list[Fault] = []
        self._refuse_until: float | None = None  # monotonic deadline; inf = until cleared

    def inject(self, kind: str, count: int = 1, **options: object) -> None:
        """Queue a fault; see the module docstring for each kind."""
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {sorted(KINDS)}")
        if count < 1:
            raise ValueError("count must be >= 1")
        with self._lock:
            if kind == "refuse":
                seconds = options.get("seconds")
                self._refuse_until = (
                    time.monotonic() + float(seconds) if isinstance(seconds, (int, float)) else float("inf")
                )
            else:
                self._queue.append(Fault(kind, count, dict(options)))

    def clear(self) -> None:
        """Drop every queued fault and stop refusing."""
        with self._lock:
            self._queue.clear()
            self._refuse_until = None

    def refusing(self) -> bool:
        """True while the host must not listen."""
        with self._lock:
            if self._refuse_until is None:
                return False
            if time.monotonic() >= self._refuse_until:
                self._refuse_until = None
                return False
            return True

    def refuse_deadline(self) -> float | None:
        """Monotonic time at which refusing ends by itself (None: not refusing or until cleared)."""
        with self._lock:
            if self._refuse_until is None or self._refuse_until == float("inf"):
                return None
            return self._refuse_until

    def take(self) -> Fault | None:
        """Consume one use of the oldest queued fault for the SOAP request being handled."""
        with self._lock:
            if not self._queue:
                return None
            fault = self._queue[0]
            fault.remaining -= 1
            if fault.remaining <= 0:
                self._queue.pop(0)
            return Fault(fault.kind, 1, dict(fault.options))

    def pending(self) -> list[tuple[str, int]]:
        """(kind, remaining) of the queued faults, for display."""
        with self._lock:
            return [(f.kind, f.remaining) for f in self._queue]
