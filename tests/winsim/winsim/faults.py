# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Per-host fault injection: what goes wrong on the next SOAP requests.

Semantics (all thread-safe):

* ``reset``   - the next ``count`` SOAP requests are read in full, then the TCP connection is reset (RST) with no
  answer, as when the host dies mid-request.
* ``delay``   - the next ``count`` SOAP requests are answered normally after ``seconds`` (default 1.0).
* ``latency`` - every SOAP request from now on is answered normally after ``seconds`` (default 1.0), as a busy or
  far-away host answers; ``count`` has no meaning here.  Queued faults still come first; ``clear_faults()`` ends it.
* ``http500`` - the next ``count`` SOAP requests get HTTP 500 with a WS-Man fault (``code``, ``message``,
  optional ``subcode``).
* ``refuse``  - the host closes its listening sockets, so connection attempts get ECONNREFUSED (as when WinRM
  is stopped).  A refused connection never reaches the simulator and so cannot be counted: ``count`` has no
  meaning here.  The host listens again after ``seconds`` when given, otherwise on ``clear_faults()``.
* ``redirect`` - the next ``count`` SOAP requests get HTTP ``status`` (default 307) with ``Location: location``,
  as a hostile or misconfigured endpoint (or something in front of it) would answer.  WinRM itself never
  redirects.
* ``receive_pending`` - the next ``count`` WinRS Receive requests get the fault WinRM sends when a command printed
  nothing within the request's OperationTimeout (code 2150858793, subcode w:TimedOut; the client is expected to
  ask again: MS-WSMV section 3.1.4.14, Receive, https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-wsmv),
  after ``seconds`` (default 0).
* ``receive_flood`` - the next ``count`` WinRS Receive requests are answered with ``bytes`` (default 1 MiB) of
  stdout and the command still Running.

Every kind but ``refuse`` takes an optional ``action``: the fault then waits for, and applies only to, a request
whose WS-Addressing Action ends with that text (e.g. ``"transfer/Delete"``); Receive faults default to
``"shell/Receive"``.  Otherwise faults queue in injection order; auth handshake legs and empty POSTs never consume
them.
"""

from __future__ import annotations

import base64
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

KINDS = frozenset({"refuse", "reset", "delay", "latency", "http500", "redirect", "receive_pending", "receive_flood"})
RECEIVE_ACTION = "shell/Receive"
TIMED_OUT_CODE = 2150858793
TIMED_OUT_MESSAGE = (
    "The WS-Management service cannot complete the operation within the time specified in OperationTimeout."
)


@dataclass
class Fault:
    """One queued fault and how many more requests it applies to."""

    kind: str
    remaining: int
    options: dict[str, object] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        default = 0.0 if self.kind == "receive_pending" else 1.0
        value = self.options.get("seconds", default)
        return float(value) if isinstance(value, (int, float, str)) else default

    @property
    def action(self) -> str | None:
        """The action suffix this fault waits for, or None for any request."""
        value = self.options.get("action")
        if isinstance(value, str) and value:
            return value
        return RECEIVE_ACTION if self.kind.startswith("receive_") else None

    def applies_to(self, action: str) -> bool:
        wanted = self.action
        return wanted is None or action.endswith(wanted)


class FaultInjector:
    """Queue of request faults plus the 'refuse' switch of one host."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: list[Fault] = []
        self._refuse_until: float | None = None  # monotonic deadline; inf = until cleared
        self._latency: float | None = None  # seconds every SOAP reply waits (the ``latency`` kind)

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
            elif kind == "latency":
                self._latency = Fault(kind, 1, dict(options)).seconds
            else:
                self._queue.append(Fault(kind, count, dict(options)))

    def clear(self) -> None:
        """Drop every queued fault and stop refusing."""
        with self._lock:
            self._queue.clear()
            self._refuse_until = None
            self._latency = None

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

    def take(self, action: str = "") -> Fault | None:
        """Consume one use of the oldest queued fault that applies to the SOAP request being handled; without one,
        a standing ``latency`` is a one-request ``delay``."""
        with self._lock:
            fault = next((f for f in self._queue if f.applies_to(action)), None)
            if fault is None:
                return None if self._latency is None else Fault("delay", 1, {"seconds": self._latency})
            fault.remaining -= 1
            if fault.remaining <= 0:
                self._queue.remove(fault)
            return Fault(fault.kind, 1, dict(fault.options))

    def pending(self) -> list[tuple[str, int]]:
        """(kind, remaining) of the queued faults, for display."""
        with self._lock:
            standing = [] if self._latency is None else [("latency", 0)]
            return [(f.kind, f.remaining) for f in self._queue] + standing


def receive_flood_reply(request_xml: bytes, size: int) -> bytes:
    """A ReceiveResponse with ``size`` bytes of stdout and the command still Running, for ``request_xml``."""
    soap = "http://www.w3.org/2003/05/soap-envelope"
    addressing = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
    shell = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
    root = ET.fromstring(request_xml)
    message_id = root.findtext(f"{{{soap}}}Header/{{{addressing}}}MessageID") or ""
    stream = root.find(f"{{{soap}}}Body/{{{shell}}}Receive/{{{shell}}}DesiredStream")
    command_id = stream.get("CommandId", "") if stream is not None else ""
    data = base64.b64encode(b"x" * size).decode("ascii")
    return (
        f'<s:Envelope xmlns:s="{soap}" xmlns:a="{addressing}" xmlns:rsp="{shell}"><s:Header>'
        f"<a:Action>{shell}/ReceiveResponse</a:Action><a:MessageID>uuid:00000000-0000-0000-0000-000000000000"
        f"</a:MessageID><a:RelatesTo>{message_id}</a:RelatesTo></s:Header><s:Body><rsp:ReceiveResponse>"
        f'<rsp:Stream Name="stdout" CommandId="{command_id}">{data}</rsp:Stream>'
        f'<rsp:CommandState CommandId="{command_id}" State="{shell}/CommandState/Running"/>'
        "</rsp:ReceiveResponse></s:Body></s:Envelope>"
    ).encode()
