# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The report files in ``dest``: read to compare, replaced atomically through local_file, so a reader (a browser, a
web server) sees the old report or the new one, never half of one."""

from __future__ import annotations

import os

from ansible_collections.winremote.remoting.plugins.plugin_utils import local_file

# Far above any report (about 1 KiB a server); a larger file in dest is not one of ours.
MAX_FILE_BYTES = 64 * 1024 * 1024


class ReportFileError(Exception):
    """A report file that cannot be read or written; the message names it."""


def read(path: str) -> bytes | None:
    """The file's bytes, None when it does not exist."""
    try:
        return local_file.read(path, MAX_FILE_BYTES)
    except local_file.LocalFileError as exc:
        raise ReportFileError(f"{path}: {exc}") from None


def write(path: str, data: bytes, expected: bytes | None) -> None:
    """Replace ``path`` (which held ``expected`` when read) with ``data``, keeping its owner and permissions."""
    try:
        local_file.replace(path, data, expected, MAX_FILE_BYTES)
    except local_file.LocalFileError as exc:
        raise ReportFileError(f"{path}: {exc}") from None


def check_directory(path: str) -> None:
    """Refuse a ``dest`` that exists and is not a directory, before anything is read or written."""
    if os.path.exists(path) and not os.path.isdir(path):
        raise ReportFileError(f"{path}: exists and is not a directory")


def make_directory(path: str) -> None:
    """``dest`` and its parents."""
    check_directory(path)
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as exc:
        raise ReportFileError(f"{path}: cannot create the directory: {exc.strerror or exc}") from None
