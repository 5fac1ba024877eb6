"""Fixtures for the integration tests; the helpers they use live in simhosts.py."""

from __future__ import annotations

from simhosts import start_host

__all__ = ["start_host"]
