"""winsim: simulated Windows Server hosts speaking WS-Management on 127.0.0.x, for testing winremote.remoting."""

from __future__ import annotations

from typing import Any

__all__ = ["PROFILES", "Fleet", "HostState", "SimulatedHost"]


def __getattr__(name: str) -> Any:
    """Import lazily so that ``import winsim.cli`` or ``winsim.auth`` does not load the whole model."""
    if name == "SimulatedHost":
        from winsim.host import SimulatedHost

        return SimulatedHost
    if name == "Fleet":
        from winsim.fleet import Fleet

        return Fleet
    if name == "HostState":
        from winsim.state import HostState

        return HostState
    if name == "PROFILES":
        from winsim.profiles import PROFILES

        return PROFILES
    raise AttributeError(f"module 'winsim' has no attribute {name!r}")
