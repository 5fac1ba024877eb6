# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""StdRegProv: static registry methods over the same Registry the reg.exe simulation uses; changes through
winsim.ops, whose refusals become the method's ReturnValue."""

from __future__ import annotations

from collections.abc import Callable

from winsim import ops
from winsim.registry import HDEFKEY_HKLM, HKLM, RegData
from winsim.state import HostState
from winsim.wsman.cim import CimClass, Instance, MethodResult, Params

OK, NOT_FOUND, ACCESS_DENIED = 0, 2, 5
TYPE_MISMATCH = 2147749893  # WBEM_E_TYPE_MISMATCH
INVALID_PARAMETER = 2147749891  # WBEM_E_INVALID_PARAMETER
TYPE_NUMBERS = {"REG_SZ": 1, "REG_EXPAND_SZ": 2, "REG_BINARY": 3, "REG_DWORD": 4, "REG_MULTI_SZ": 7, "REG_QWORD": 11}


def _one(params: Params, name: str, default: str = "") -> str:
    return next(iter(params.get(name) or [default]), default)


def _key(params: Params) -> str | None:
    """The full key path, or None when hDefKey is not HKLM (only HKLM is simulated)."""
    hive = _one(params, "hDefKey", str(HDEFKEY_HKLM))
    if hive != str(HDEFKEY_HKLM):
        return None
    sub = _one(params, "sSubKeyName").strip("\\")
    return f"{HKLM}\\{sub}" if sub else HKLM


def _getter(reg_types: tuple[str, ...], out: str, convert: Callable[[object], object]) -> Callable[..., MethodResult]:
    def method(state: HostState, _instance: Instance | None, params: Params) -> MethodResult:
        key = _key(params)
        if key and state.registry.key_exists(key) and not state.registry.readable(key):
            return {"ReturnValue": ACCESS_DENIED}, set()
        value = state.registry.get_value(key, _one(params, "sValueName")) if key else None
        if value is None:
            return {"ReturnValue": NOT_FOUND}, set()
        if value.type not in reg_types:
            return {"ReturnValue": TYPE_MISMATCH}, set()
        return {"ReturnValue": OK, out: convert(value.data)}, set()

    return method


def _returned(err: ops.OperationError) -> MethodResult:
    return {"ReturnValue": ACCESS_DENIED if isinstance(err, ops.AccessDenied) else NOT_FOUND}, set()


def _setter(reg_type: str, param: str, convert: Callable[[list[str]], RegData]) -> Callable[..., MethodResult]:
    def method(state: HostState, _instance: Instance | None, params: Params) -> MethodResult:
        key = _key(params)
        if key is None:
            return {"ReturnValue": ACCESS_DENIED}, set()
        try:
            ops.check_writable(state, key, create_key=False)  # a missing key refuses before the data is read
            data = convert(params.get(param, []))
            ops.write_value(state, key, _one(params, "sValueName"), reg_type, data, create_key=False)
        except ops.OperationError as err:
            return _returned(err)
        except ValueError:
            return {"ReturnValue": INVALID_PARAMETER}, set()
        return {"ReturnValue": OK}, set()

    return method


def create_key(state: HostState, _instance: Instance | None, params: Params) -> MethodResult:
    key = _key(params)
    if key is None:
        return {"ReturnValue": ACCESS_DENIED}, set()
    ops.create_key(state, key)
    return {"ReturnValue": OK}, set()


def delete_key(state: HostState, _instance: Instance | None, params: Params) -> MethodResult:
    key = _key(params)
    if key is None:
        return {"ReturnValue": ACCESS_DENIED}, set()
    try:
        ops.delete_key(state, key)
    except ops.OperationError as err:
        return _returned(err)
    return {"ReturnValue": OK}, set()


def delete_value(state: HostState, _instance: Instance | None, params: Params) -> MethodResult:
    try:
        ops.delete_value(state, _key(params) or "", _one(params, "sValueName"))
    except ops.OperationError as err:
        return _returned(err)
    return {"ReturnValue": OK}, set()


def enum_key(state: HostState, _instance: Instance | None, params: Params) -> MethodResult:
    key = _key(params)
    if key is None or not state.registry.key_exists(key):
        return {"ReturnValue": NOT_FOUND}, set()
    if not state.registry.readable(key):
        return {"ReturnValue": ACCESS_DENIED}, set()
    return {"ReturnValue": OK, "sNames": state.registry.subkeys(key)}, set()


def enum_values(state: HostState, _instance: Instance | None, params: Params) -> MethodResult:
    key = _key(params)
    if key is None or not state.registry.key_exists(key):
        return {"ReturnValue": NOT_FOUND}, set()
    if not state.registry.readable(key):
        return {"ReturnValue": ACCESS_DENIED}, set()
    values = state.registry.values(key)
    return {
        "ReturnValue": OK,
        "sNames": [v.name for v in values],
        "Types": [TYPE_NUMBERS[v.type] for v in values],
    }, set()


def _bytes(data: object) -> list[int]:
    return list(data) if isinstance(data, bytes) else []


STD_REG_PROV = CimClass(
    name="StdRegProv",
    namespaces=("root/default", "root/cimv2"),
    keys=(),
    instances=lambda state: [],
    methods={
        "GetDWORDValue": _getter(("REG_DWORD",), "uValue", int),  # type: ignore[arg-type]
        "GetQWORDValue": _getter(("REG_QWORD",), "uValue", int),  # type: ignore[arg-type]
        "GetStringValue": _getter(("REG_SZ",), "sValue", str),
        "GetExpandedStringValue": _getter(("REG_EXPAND_SZ",), "sValue", str),
        "GetMultiStringValue": _getter(("REG_MULTI_SZ",), "sValue", list),  # type: ignore[arg-type]
        "GetBinaryValue": _getter(("REG_BINARY",), "uValue", _bytes),
        "SetDWORDValue": _setter("REG_DWORD", "uValue", lambda v: int(v[0]) if v else 0),
        "SetQWORDValue": _setter("REG_QWORD", "uValue", lambda v: int(v[0]) if v else 0),
        "SetStringValue": _setter("REG_SZ", "sValue", lambda v: v[0] if v else ""),
        "SetExpandedStringValue": _setter("REG_EXPAND_SZ", "sValue", lambda v: v[0] if v else ""),
        "SetMultiStringValue": _setter("REG_MULTI_SZ", "sValue", list),
        "CreateKey": create_key,
        "DeleteKey": delete_key,
        "DeleteValue": delete_value,
        "EnumKey": enum_key,
        "EnumValues": enum_values,
    },
)
