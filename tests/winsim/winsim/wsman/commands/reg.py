# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""`reg query` in reg.exe's output layout (4-space indent and separators, CRLF), and `reg add` / `reg delete` of
single values (what a rollback script needs)."""

from __future__ import annotations

from winsim import locales, ops
from winsim.registry import RegData, RegistryError, RegValue, normalize_path
from winsim.wsman.commands import CommandResult, Invocation

INVALID = 'ERROR: Invalid syntax.\r\nType "REG QUERY /?" for usage.\r\n'


def format_data(value: RegValue) -> str:
    data = value.data
    if value.type in ("REG_DWORD", "REG_QWORD"):
        return f"0x{int(data):x}"  # type: ignore[arg-type]
    if value.type == "REG_MULTI_SZ":
        return "\\0".join(data)  # type: ignore[arg-type]
    if value.type == "REG_BINARY":
        return data.hex().upper() if isinstance(data, bytes) else ""
    return str(data)


def value_line(value: RegValue) -> str:
    return f"    {value.name or '(Default)'}    {value.type}    {format_data(value)}"


def _option(args: list[str], name: str) -> str | None:
    lowered = [a.lower() for a in args]
    if name in lowered:
        index = lowered.index(name)
        return args[index + 1] if index + 1 < len(args) else ""
    return None


def query(inv: Invocation, args: list[str]) -> CommandResult:
    if not args:
        return CommandResult(stderr=INVALID, rc=1)
    try:
        path = normalize_path(args[0])
    except RegistryError:
        return CommandResult(stderr='ERROR: Invalid key name.\r\nType "REG QUERY /?" for usage.\r\n', rc=1)
    registry = inv.state.registry
    messages = locales.get(inv.state.locale)
    if not registry.key_exists(path):
        return CommandResult(stderr=messages.reg_not_found, rc=1)
    if not registry.readable(path):
        return CommandResult(stderr=messages.reg_access_denied, rc=1)
    key = registry.get_key(path)
    flags = [a.lower() for a in args]
    reg_type = _option(args, "/t")
    if reg_type is not None and reg_type.upper() not in (*TYPES, "REG_NONE"):
        return CommandResult(stderr='ERROR: Invalid syntax.\r\nType "REG QUERY /?" for usage.\r\n', rc=1)
    search = _option(args, "/f")
    if search is not None and "/k" in flags:
        found = [f"{key.path}\\{n}" for n in registry.subkeys(path) if search.lower() in n.lower()]
        return _search_result([f"{p}\r\n" for p in found], len(found))
    name = _option(args, "/v")
    if "/ve" in flags:
        name = ""
    if search is not None or reg_type is not None:
        return _value_search(inv, path, key.path, search, reg_type, name)
    if name is not None:
        value = registry.get_value(path, name)
        if value is None:
            return CommandResult(stderr=messages.reg_not_found, rc=1)
        return CommandResult(stdout=f"\r\n{key.path}\r\n{value_line(value)}\r\n\r\n")
    lines = ["", key.path, *(value_line(v) for v in registry.values(path)), ""]
    lines += [f"{key.path}\\{n}" for n in registry.subkeys(path)]
    return CommandResult(stdout="\r\n".join(lines) + "\r\n")


def _search_result(blocks: list[str], count: int) -> CommandResult:
    """A search (/f, or /t which searches with the pattern `*`) ends with reg.exe's count footer, also when nothing
    matched: the DataMiner documentation's known issue "Upgrade fails because of VerifyGRPCConnection.dll
    prerequisite" shows `reg query "HKU\\S-1-5-18\\...\\Internet Settings" /f Proxy` printing
    `ProxyEnable    REG_DWORD    0x0` and `/f AutoConfigURL` printing `End of search: 0 match(es) found.`; many
    public scripts test for that exact line after `reg query ... /f` or `/v ... /t`.
    ASSUMPTION (UNVERIFIED): a blank line before the footer ends the last matching key's block, and the exit code
    is 1 when nothing matched, 0 otherwise (reg.exe's "data not found" failure, https://pg-fl.jp/doscmd/reg.en.htm)."""
    out = "\r\n" + "".join(blocks) + f"End of search: {count} match(es) found.\r\n"
    return CommandResult(stdout=out, rc=0 if count else 1)


def _value_search(
    inv: Invocation, path: str, shown: str, search: str | None, reg_type: str | None, name: str | None
) -> CommandResult:
    """`reg query KEY [/v NAME] /f DATA [/t TYPE]` and `reg query KEY /t TYPE`: the values of that key whose name
    or data contain the pattern (case-insensitive, as without /c) and whose type is TYPE (Microsoft Learn,
    "reg query": /t "Specifies registry types to search", /f "If not specified, a wildcard (*) is used").
    Not modelled: without /k or /d, Windows also matches subkey names; here only /k searches them (the collection
    searches subkeys with /k only)."""
    pattern = "" if search in (None, "*") else (search or "").lower()
    matches = []
    for value in inv.state.registry.values(path):
        if reg_type is not None and value.type != reg_type.upper():
            continue
        if name is not None and value.name.lower() != name.lower():
            continue
        if pattern and pattern not in value.name.lower() and pattern not in format_data(value).lower():
            continue
        matches.append(value)
    if not matches:
        return _search_result([], 0)
    block = f"{shown}\r\n" + "".join(f"{value_line(v)}\r\n" for v in matches) + "\r\n"
    return _search_result([block], len(matches))


SUCCESS = "The operation completed successfully.\r\n\r\n"
TYPES = ("REG_SZ", "REG_EXPAND_SZ", "REG_DWORD", "REG_QWORD", "REG_MULTI_SZ", "REG_BINARY")


def _invalid(verb: str) -> CommandResult:
    return CommandResult(stderr=f'ERROR: Invalid syntax.\r\nType "REG {verb} /?" for usage.\r\n', rc=1)


def _data(reg_type: str, text: str) -> RegData:
    if reg_type in ("REG_DWORD", "REG_QWORD"):
        return int(text, 16) if text.lower().startswith("0x") else int(text)
    if reg_type == "REG_MULTI_SZ":
        return [item for item in text.split("\\0") if item]
    if reg_type == "REG_BINARY":
        return bytes.fromhex(text)
    return text


def add(inv: Invocation, args: list[str]) -> CommandResult:
    name, data = _option(args, "/v"), _option(args, "/d")
    reg_type = (_option(args, "/t") or "REG_SZ").upper()
    if not args or name is None or reg_type not in TYPES or "/f" not in [a.lower() for a in args]:
        return _invalid("ADD")  # without /f reg.exe asks to overwrite and reads an empty stdin: treated as invalid
    try:
        path = normalize_path(args[0])
        value = _data(reg_type, data or "")
    except (RegistryError, ValueError):
        return _invalid("ADD")
    ops.write_value(inv.state, path, name, reg_type, value)  # reg add creates the key
    return CommandResult(stdout=SUCCESS)


def delete(inv: Invocation, args: list[str]) -> CommandResult:
    name = _option(args, "/v")
    if not args or name is None or "/f" not in [a.lower() for a in args]:
        return _invalid("DELETE")
    try:
        ops.delete_value(inv.state, normalize_path(args[0]), name)
    except (RegistryError, ops.NotFound):
        return CommandResult(stderr=locales.get(inv.state.locale).reg_not_found, rc=1)
    return CommandResult(stdout=SUCCESS)


def import_file(inv: Invocation, args: list[str]) -> CommandResult:
    """`reg import <file.reg>`: the whole file or nothing (winsim.ops.import_file)."""
    from winsim.files import FileSystemError

    if len(args) != 1:
        return _invalid("IMPORT")
    try:
        ops.import_file(inv.state, inv.state.files.read(args[0]))
    except (FileSystemError, ops.InvalidValue):
        return CommandResult(stderr="ERROR: Error accessing the registry.\r\n", rc=1)
    return CommandResult(stderr="The operation completed successfully.\r\n")


def run(inv: Invocation) -> CommandResult:
    verb = inv.args[0].lower() if inv.args else ""
    if verb == "import":
        return import_file(inv, inv.args[1:])
    if verb == "query":
        return query(inv, inv.args[1:])
    if verb == "add":
        return add(inv, inv.args[1:])
    if verb == "delete":
        return delete(inv, inv.args[1:])
    return CommandResult(stderr=INVALID.replace("QUERY", inv.args[0].upper() if inv.args else ""), rc=1)
