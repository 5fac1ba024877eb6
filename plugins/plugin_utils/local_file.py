# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Files on the controller that modules edit in place (answer files, ServerList.xml, reports): a bounded read and
an atomic replace with an optional backup, so a reader sees the old file or the new one, never a part of either.

The replace writes a temporary file in the same directory, gives it the original's owner (when allowed) and mode,
syncs it, and renames it over the target with ``os.replace`` (through a symlink, keeping the link), then syncs the
directory. A backup is named like Ansible's ``backup_local`` (``<path>.<pid>.<YYYY-MM-DD@HH:MM:SS>~``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time


class LocalFileError(Exception):
    """The file cannot be read or replaced; the message says why, without the path (callers add it)."""


class TooLargeError(LocalFileError):
    """The file is larger than the reader's limit."""


def read(path: str, limit: int) -> bytes | None:
    """The file's bytes (at most ``limit``), None when it does not exist."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise LocalFileError(f"cannot read the file: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise TooLargeError(f"larger than {limit // (1024 * 1024)} MiB")
    return data


def backup_name(path: str) -> str:
    return f"{path}.{os.getpid()}.{time.strftime('%Y-%m-%d@%H:%M:%S', time.localtime())}~"


def new_file_mode() -> int:
    """What ``open()`` would give a new file under the current umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_backup(path: str, raw: bytes, source: str) -> str:
    """``raw`` (the bytes just checked to be on disk) in a new backup file with ``source``'s permissions.

    Created exclusively and owner-only first, so the copy of a file holding passwords is never readable by others
    for a moment, and a name planted by someone else (a symlink) is not followed.
    """
    name = backup_name(path)
    handle = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(handle, "wb") as out:
        out.write(raw)
        out.flush()
        os.fsync(out.fileno())
    shutil.copystat(source, name)
    return name


def sync_directory(directory: str) -> None:
    """Make a rename durable; best effort (not every file system lets a directory be opened)."""
    with contextlib.suppress(OSError):
        handle = os.open(directory or ".", os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def replace(path: str, data: bytes, expected: bytes | None, limit: int, backup: bool = False) -> str | None:
    """Replace ``path`` with ``data`` when it still holds ``expected`` (None: it must not exist); return the
    backup's path, if one was made. Nothing is written when the file changed since it was read."""
    target = os.path.realpath(path)
    if read(target, limit) != expected:
        raise LocalFileError("the file changed while it was being edited; it was left unchanged")
    backup_file = None
    try:
        if backup and expected is not None:
            backup_file = write_backup(path, expected, target)
        stat = os.stat(target) if expected is not None else None
        handle, temp = tempfile.mkstemp(dir=os.path.dirname(target) or ".", prefix=f".{os.path.basename(target)}.")
    except OSError as exc:
        raise LocalFileError(f"cannot write next to the file: {exc.strerror or exc}; it was left unchanged") from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        if stat is not None:
            # Not root: the file keeps our ownership, as with Ansible's atomic_move. Before chmod, since a change
            # of owner clears set-id bits.
            with contextlib.suppress(PermissionError):
                os.chown(temp, stat.st_uid, stat.st_gid)
        os.chmod(temp, stat.st_mode & 0o7777 if stat else new_file_mode())
        os.replace(temp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise LocalFileError(f"cannot write the file: {exc.strerror or exc}; it was left unchanged") from None
    sync_directory(os.path.dirname(target))
    return backup_file
