# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Write and delete registry values and keys (StdRegProv, reg.exe), with the refusals of the registry API
(RegSetValueEx needs an open key, RegDeleteKey refuses a key with subkeys and the root of a hive,
https://learn.microsoft.com/windows/win32/api/winreg/nf-winreg-regdeletekeyw)."""

from __future__ import annotations

from winsim.ops.errors import AccessDenied, InvalidValue, NotFound
from winsim.registry import HKLM, RegData, RegFileError, RegistryError, import_reg_file
from winsim.state import HostState


def check_writable(state: HostState, key: str, create_key: bool = True) -> None:
    """Whether a value may be written under `key` (before the data is looked at): without `create_key` the key must
    exist (StdRegProv's Set*Value does not create keys; reg add does)."""
    if not create_key and not state.registry.key_exists(key):
        raise NotFound(key)


def write_value(state: HostState, key: str, name: str, reg_type: str, data: RegData, create_key: bool = True) -> None:
    """Set a value (see check_writable)."""
    check_writable(state, key, create_key)
    state.registry.set_value(key, name, reg_type, data)


def delete_value(state: HostState, key: str, name: str) -> None:
    try:
        state.registry.delete_value(key, name)
    except RegistryError as err:
        raise NotFound(f"{key}\\{name}") from err


def create_key(state: HostState, key: str) -> None:
    state.registry.create_key(key)


def delete_key(state: HostState, key: str) -> None:
    """Delete an empty key (values are fine, subkeys are not)."""
    if key.upper() == HKLM.upper():
        raise AccessDenied(key)
    if not state.registry.key_exists(key):
        raise NotFound(key)
    if state.registry.subkeys(key):
        raise AccessDenied(key)
    state.registry.delete_key(key)


def import_file(state: HostState, data: bytes) -> None:
    """`reg import`: the whole .reg file or nothing (winsim.registry.import_reg_file)."""
    try:
        import_reg_file(state.registry, data)
    except (RegFileError, RegistryError, UnicodeDecodeError) as err:
        raise InvalidValue(str(err)) from err
