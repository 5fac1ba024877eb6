# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Package files for the prerequisites tests: every file the shipped catalogue names, with random content and its
SHA-256 (the simulated hosts recognise packages by file name), served from a directory, an HTTP mirror on a
loopback address, or a simulated UNC share."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import http.server
import os
import threading
import typing as t
from pathlib import Path

from simhosts import next_address

from ansible_collections.winremote.remoting.plugins.plugin_utils.prerequisites import catalogue

FILE_SIZE = 96 * 1024 + 5  # small, and not a multiple of an upload line
UNC_SHARE = r"\\files\packages"


def write_packages(directory: Path, size: int = FILE_SIZE) -> dict[str, str]:
    """Every catalogue file in ``directory``; returns file name -> SHA-256 (the module's ``checksums``)."""
    directory.mkdir(parents=True, exist_ok=True)
    checksums: dict[str, str] = {}
    for package in catalogue.load().packages:
        path = directory / package.file
        if not path.exists():
            path.write_bytes(os.urandom(size))
        checksums[package.file] = hashlib.sha256(path.read_bytes()).hexdigest()
    return checksums


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: t.Any) -> None:
        """No access log on the test's output."""


@contextlib.contextmanager
def mirror(directory: Path) -> t.Iterator[str]:
    """An HTTP server for ``directory`` on a loopback address; yields its base URL."""
    handler = functools.partial(QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer((next_address(), 8080), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{server.server_address[0]}:8080/packages"
    finally:
        server.shutdown()
        server.server_close()
