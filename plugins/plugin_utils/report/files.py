# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Read a report file, and replace it atomically: a reader (a browser, a web server) sees the old or the new
report, never half of one."""

from __future__ import annotations

import contextlib
import os
import tempfile

MAX_FILE_BYTES = 64 * 1024 * 1024


class ReportFileError(Exception):
    """A report file that cannot be read or written; the message names it."""


def read(path: str) -> bytes | None:
    """The file's bytes, None when it does not exist."""
    try:
        with open(path, "rb") as handle:
            return handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ReportFileError(f"{path}: cannot read the file: {exc.strerror or exc}") from None


def write(path: str, data: bytes) -> None:
    """A temporary file in the same directory, synced, then renamed over ``path`` (keeping its permissions)."""
    target = os.path.realpath(path)
    try:
        mode = os.stat(target).st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o644
    except OSError as exc:
        raise ReportFileError(f"{path}: {exc.strerror or exc}") from None
    try:
        handle, temp = tempfile.mkstemp(dir=os.path.dirname(target), prefix=f".{os.path.basename(target)}.")
    except OSError as exc:
        raise ReportFileError(f"{path}: cannot write next to the file: {exc.strerror or exc}") from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, mode)
        os.replace(temp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise ReportFileError(f"{path}: cannot write the file: {exc.strerror or exc}") from None


def make_directory(path: str) -> None:
    """``dest`` and its parents; an existing file there is refused."""
    if os.path.exists(path) and not os.path.isdir(path):
        raise ReportFileError(f"{path}: exists and is not a directory")
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as exc:
        raise ReportFileError(f"{path}: cannot create the directory: {exc.strerror or exc}") from None
