# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""`certutil [-f] -encode <in> <out>`, `certutil [-f] -decode <in> <out>` (files to and from base64) and
`certutil -hashfile <file> [algorithm]`.

-encode writes the base64 of the input in 64-character lines between `-----BEGIN CERTIFICATE-----` and
`-----END CERTIFICATE-----`, CRLF line endings; -decode accepts that, or bare base64, whitespace ignored.
ASSUMPTION: certutil prints its failures on stdout (it writes everything there), with the HRESULT as exit code.
"""

from __future__ import annotations

import base64
import binascii
import hashlib

from winsim.files import FileSystemError
from winsim.wsman.commands import CommandResult, Invocation

BEGIN = "-----BEGIN CERTIFICATE-----"
END = "-----END CERTIFICATE-----"
ERRORS = {
    "file_not_found": (0x80070002, "WIN32: 2 ERROR_FILE_NOT_FOUND", "The system cannot find the file specified."),
    "path_not_found": (0x80070003, "WIN32: 3 ERROR_PATH_NOT_FOUND", "The system cannot find the path specified."),
    "is_directory": (0x80070005, "WIN32: 5 ERROR_ACCESS_DENIED", "Access is denied."),
    "exists": (0x80070050, "WIN32: 80 ERROR_FILE_EXISTS", "The file exists."),
    "bad_data": (0x80090005, "-2146893819 NTE_BAD_DATA", "Bad Data."),
    "disk_full": (0x80070070, "WIN32: 112 ERROR_DISK_FULL", "There is not enough space on the disk."),
    "no_algorithm": (0xD0000225, "NT: 0xc0000225 STATUS_NOT_FOUND", "The object was not found."),
}
HASHES = {"md5": "MD5", "sha1": "SHA1", "sha256": "SHA256", "sha384": "SHA384", "sha512": "SHA512"}
# Windows 10 / Server 2016 and later print the digest as one run of hex digits; earlier certutil separates the
# bytes with spaces (https://github.com/sagishahar-zz/lpeworkshop/issues/5). The layout of the lines, "<ALG> hash
# of <file>:", digest, "CertUtil: -hashfile command completed successfully.", and the failure on an algorithm name
# it does not know (0xd0000225 STATUS_NOT_FOUND) are captured in https://github.com/urbit/urbit-wallet-generator/
# issues/3. ASSUMPTION (UNVERIFIED): the older versions say "hash of file <file>:".
SPACED_HEX_PROFILES = ("2008", "2008r2", "2012", "2012r2")


def hashfile(inv: Invocation, paths: list[str]) -> CommandResult:
    """`certutil -hashfile <file> [algorithm]` (SHA1 by default): "<ALG> hash of <file>:", the digest,
    "CertUtil: -hashfile command completed successfully."."""
    if not paths or len(paths) > 2:
        return CommandResult(stdout="CertUtil: Unknown arguments.\r\n", rc=0x80070057)
    if len(paths) == 2 and paths[1].lower() not in HASHES:
        return _failed("hashfile", "no_algorithm")
    name = HASHES[paths[1].lower()] if len(paths) == 2 else "SHA1"
    files = inv.state.files
    try:
        data = files.read(paths[0])
    except FileSystemError as exc:
        kind = exc.kind if files.can_write(paths[0]) or exc.kind == "is_directory" else "path_not_found"
        return _failed("hashfile", kind)
    digest = hashlib.new(name.lower(), data).hexdigest()
    of = "of"
    if inv.state.profile in SPACED_HEX_PROFILES:  # and "hash of file <name>:"
        digest, of = " ".join(digest[i : i + 2] for i in range(0, len(digest), 2)), "of file"
    return CommandResult(
        stdout=f"{name} hash {of} {paths[0]}:\r\n{digest}\r\nCertUtil: -hashfile command completed successfully.\r\n"
    )


def _failed(verb: str, kind: str) -> CommandResult:
    code, name, text = ERRORS[kind]
    return CommandResult(
        stdout=f"CertUtil: -{verb} command FAILED: 0x{code:08x} ({name})\r\nCertUtil: {text}\r\n", rc=code
    )


def encode_text(data: bytes) -> str:
    encoded = base64.b64encode(data).decode("ascii")
    lines = [encoded[i : i + 64] for i in range(0, len(encoded), 64)]
    return "".join(line + "\r\n" for line in [BEGIN, *lines, END])


def decode_text(text: str) -> bytes:
    """Raises binascii.Error on anything that is not base64."""
    body = "".join(line.strip() for line in text.splitlines() if not line.strip().startswith("-----"))
    return base64.b64decode(body, validate=True)


def run(inv: Invocation) -> CommandResult:
    flags = [a.lower() for a in inv.args if a.startswith("-")]
    paths = [a for a in inv.args if not a.startswith("-")]
    if "-hashfile" in flags:
        return hashfile(inv, paths)
    if "-urlcache" in flags:
        from winsim.wsman.commands import urlcache

        return urlcache.run(inv, paths)
    verb = "encode" if "-encode" in flags else "decode" if "-decode" in flags else ""
    if not verb or len(paths) != 2:
        return CommandResult(stdout="CertUtil: Unknown arguments.\r\n", rc=0x80070057)
    files = inv.state.files
    source, target = paths
    try:
        data = files.read(source)
    except FileSystemError as exc:
        return _failed(verb, exc.kind if files.can_write(source) or exc.kind == "is_directory" else "path_not_found")
    if verb == "encode":
        output = encode_text(data).encode("ascii")
    else:
        try:
            output = decode_text(data.decode("ascii"))
        except (binascii.Error, UnicodeDecodeError):
            return _failed(verb, "bad_data")
    if files.is_file(target) and "-f" not in flags:
        return _failed(verb, "exists")
    if not files.can_write(target):
        return _failed(verb, "is_directory" if files.is_dir(target) else "path_not_found")
    try:
        files.write(target, output)
    except FileSystemError as exc:
        return _failed(verb, "disk_full" if exc.kind == "disk_full" else "path_not_found")
    return CommandResult(
        stdout=f"Input Length = {len(data)}\r\nOutput Length = {len(output)}\r\n"
        f"CertUtil: -{verb} command completed successfully.\r\n"
    )
