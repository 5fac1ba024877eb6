# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""SDDL security descriptors on the controller: a lossless parser and the edits of a session-configuration module.

Why on the controller: the ``Sddl`` of a WinRM plugin's ``Security`` element (the permissions of a PowerShell
session configuration such as Microsoft.PowerShell) and the ``RootSDDL`` of ``winrm/config/service`` decide who may
connect at all. A malformed string is refused by the service only once a connection exists, and a well-formed one
that drops the connecting account locks the controller out of the host. Both are caught here, before connecting.

Grammar: [MS-DTYP] 2.5.1.1 (https://learn.microsoft.com/openspecs/windows_protocols/ms-dtyp/f4296d69-1c0f-491f-9587-a960b292d070)
and 2.4.2.1 for SIDs (https://learn.microsoft.com/openspecs/windows_protocols/ms-dtyp/c92a27b1-c772-4fa7-a432-15df5f1b66a1),
with the tables of Microsoft Learn "Security Descriptor String Format", "ACE Strings" and "SID Strings"
(https://learn.microsoft.com/windows/win32/secauthz/security-descriptor-string-format, .../ace-strings and
.../sid-strings).

Lossless: every part keeps its spelling (an alias or its S-1- form, ``GXGW`` or ``GWGX``, ``0x10000000``, the order of
flags and ACEs, a conditional expression character for character), so ``str(parse(text)) == text`` for every string
accepted, and an edit changes nothing but the ACEs it adds or removes.

Decisions where the grammar is silent or Windows is more lenient, chosen so one accepted string has one meaning:

- Components in grammar order (``O:`` ``G:`` ``D:`` ``S:``), each at most once: the order Windows emits.
- Tokens in upper case (aliases, ACE types and flags, rights, ``S-``); hex digits of masks and GUIDs in either case.
- No whitespace, except inside the parenthesised seventh ACE field (a conditional expression or a resource
  attribute), whose grammar allows blanks between tokens; it is kept verbatim. Windows emits none elsewhere; a
  caller that accepts pasted text strips the ends before parsing.
- Control characters (NUL, CR, LF, tab, ESC, DEL, Unicode format and line separators) are refused everywhere, even
  inside quoted strings: Windows never emits them, and they are how content is smuggled past a reviewer or a log.
- Outside quoted strings only the characters of the grammar are accepted; ``& | < > !`` are operators inside a
  conditional expression and refused anywhere else, ``% ^ $ ; '`` and backquotes are refused outside quotes.
- At most MAX_LENGTH characters: WinRM plugin descriptors are a few hundred characters; the bound keeps a hostile
  value from costing memory or time.
"""

from __future__ import annotations

import dataclasses
import re
import string
import unicodedata
from collections.abc import Iterable

MAX_LENGTH = 64 * 1024

# Generic rights: the four high-order bits of an access mask (Microsoft Learn "Generic Access Rights").
GENERIC_ALL = 0x10000000
GENERIC_EXECUTE = 0x20000000
GENERIC_WRITE = 0x40000000
GENERIC_READ = 0x80000000

# Rights strings of "ACE Strings". Generic bits: Microsoft Learn "Generic Access Rights". The DS values agree with the
# decoded examples of "Security Descriptor String Format" (RPWPCCDCLCSWRCWDWOGA = 0x100e003f, RPWPCCDCLCRCWOWDSDSW =
# 0x000f003f, RPLCRC = 0x00020014). KA/KR/KW/KX: "Registry Key Security and Access Rights". FA/FR/FW/FX are
# FILE_ALL_ACCESS and FILE_GENERIC_* of winnt.h (FR = READ_CONTROL|SYNCHRONIZE|FILE_READ_DATA|FILE_READ_EA|
# FILE_READ_ATTRIBUTES per "Generic Access Rights"), NR/NW/NX the SYSTEM_MANDATORY_LABEL_NO_*_UP bits.
RIGHTS: dict[str, int] = {
    "GA": GENERIC_ALL,
    "GX": GENERIC_EXECUTE,
    "GW": GENERIC_WRITE,
    "GR": GENERIC_READ,
    "RC": 0x00020000,
    "SD": 0x00010000,
    "WD": 0x00040000,
    "WO": 0x00080000,
    "RP": 0x00000010,
    "WP": 0x00000020,
    "CC": 0x00000001,
    "DC": 0x00000002,
    "LC": 0x00000004,
    "SW": 0x00000008,
    "LO": 0x00000080,
    "DT": 0x00000040,
    "CR": 0x00000100,
    "FA": 0x001F01FF,
    "FR": 0x00120089,
    "FW": 0x00120116,
    "FX": 0x001200A0,
    "KA": 0x000F003F,
    "KR": 0x00020019,
    "KW": 0x00020006,
    "KX": 0x00020019,
    "NR": 0x00000002,
    "NW": 0x00000001,
    "NX": 0x00000004,
}

# SID aliases ("SID Strings"; sid-token of [MS-DTYP] 2.5.1.1, which adds MS) and their SIDs. The BUILTIN RIDs
# (S-1-5-32-x) are the DOMAIN_ALIAS_RID_* values of Microsoft Learn "Well-known SIDs" (e.g. 0x244 = 580 for RM); the
# NT AUTHORITY and universal SIDs and the integrity-level RIDs are from the same page. "SID Strings" still describes
# RM as a Vista-only "RMS Service"; sddl.h names it SDDL_REMOTE_MANAGEMENT_USERS and Windows Server 2012 and later
# use it in the default session configuration SDDL, so RM is Remote Management Users here. From winnt.h, not on
# those pages: LS (S-1-5-19), NS (S-1-5-20), the S-1-16 mandatory label authority, AC (S-1-15-2-1), OW (S-1-3-4),
# SS (S-1-18-2), UD (S-1-5-84-0-0-0-0-0).
WELL_KNOWN_ALIASES: dict[str, str] = {
    "AA": "S-1-5-32-579",  # Access Control Assistance Operators
    "AC": "S-1-15-2-1",  # ALL APPLICATION PACKAGES
    "AN": "S-1-5-7",  # Anonymous logon
    "AO": "S-1-5-32-548",  # Account Operators
    "AU": "S-1-5-11",  # Authenticated Users
    "BA": "S-1-5-32-544",  # BUILTIN\Administrators
    "BG": "S-1-5-32-546",  # BUILTIN\Guests
    "BO": "S-1-5-32-551",  # Backup Operators
    "BU": "S-1-5-32-545",  # BUILTIN\Users
    "CD": "S-1-5-32-574",  # Certificate Service DCOM Access
    "CG": "S-1-3-1",  # CREATOR GROUP
    "CO": "S-1-3-0",  # CREATOR OWNER
    "CY": "S-1-5-32-569",  # Cryptographic Operators
    "ED": "S-1-5-9",  # Enterprise Domain Controllers
    "ER": "S-1-5-32-573",  # Event Log Readers
    "ES": "S-1-5-32-576",  # RDS Endpoint Servers
    "HA": "S-1-5-32-578",  # Hyper-V Administrators
    "HI": "S-1-16-12288",  # High integrity level
    "IS": "S-1-5-32-568",  # IIS_IUSRS
    "IU": "S-1-5-4",  # INTERACTIVE
    "LS": "S-1-5-19",  # LOCAL SERVICE
    "LU": "S-1-5-32-559",  # Performance Log Users
    "LW": "S-1-16-4096",  # Low integrity level
    "ME": "S-1-16-8192",  # Medium integrity level
    "MP": "S-1-16-8448",  # Medium Plus integrity level
    "MS": "S-1-5-32-577",  # RDS Management Servers
    "MU": "S-1-5-32-558",  # Performance Monitor Users
    "NO": "S-1-5-32-556",  # Network Configuration Operators
    "NS": "S-1-5-20",  # NETWORK SERVICE
    "NU": "S-1-5-2",  # NETWORK (logon over the network)
    "OW": "S-1-3-4",  # OWNER RIGHTS
    "PO": "S-1-5-32-550",  # Print Operators
    "PS": "S-1-5-10",  # PRINCIPAL SELF
    "PU": "S-1-5-32-547",  # Power Users
    "RA": "S-1-5-32-575",  # RDS Remote Access Servers
    "RC": "S-1-5-12",  # RESTRICTED
    "RD": "S-1-5-32-555",  # Remote Desktop Users
    "RE": "S-1-5-32-552",  # Replicator
    "RM": "S-1-5-32-580",  # Remote Management Users
    "RS": "S-1-5-32-553",  # RAS and IAS Servers
    "RU": "S-1-5-32-554",  # Pre-Windows 2000 Compatible Access
    "SI": "S-1-16-16384",  # System integrity level
    "SO": "S-1-5-32-549",  # Server Operators
    "SS": "S-1-18-2",  # Service asserted identity
    "SU": "S-1-5-6",  # SERVICE
    "SY": "S-1-5-18",  # LocalSystem
    "UD": "S-1-5-84-0-0-0-0-0",  # User-mode drivers
    "WD": "S-1-1-0",  # Everyone
    "WR": "S-1-5-33",  # WRITE RESTRICTED
}

# Aliases relative to an account domain (RIDs: DOMAIN_USER_RID_* / DOMAIN_GROUP_RID_* of winnt.h; RO 498, DD 516,
# EA 519 and EK 527 checked against the Windows SDK metadata of the windows-sys crate docs). They name a
# different account in every domain (SA, EA, EK and RO in the forest root domain), so they resolve to a SID only
# with that domain's SID.
DOMAIN_RELATIVE_ALIASES: dict[str, int] = {
    "RO": 498,  # Enterprise Read-only Domain Controllers
    "LA": 500,  # Administrator account
    "LG": 501,  # Guest account
    "DA": 512,  # Domain Admins
    "DU": 513,  # Domain Users
    "DG": 514,  # Domain Guests
    "DC": 515,  # Domain Computers
    "DD": 516,  # Domain Controllers
    "CA": 517,  # Cert Publishers
    "SA": 518,  # Schema Admins
    "EA": 519,  # Enterprise Admins
    "PA": 520,  # Group Policy Creator Owners
    "CN": 522,  # Cloneable Domain Controllers
    "AP": 525,  # Protected Users
    "KA": 526,  # Key Admins
    "EK": 527,  # Enterprise Key Admins
}

ALIASES = frozenset(WELL_KNOWN_ALIASES) | frozenset(DOMAIN_RELATIVE_ALIASES)

# The groups in the token of every authenticated network logon, which is what a WinRM connection is
# ("Well-known SIDs": Everyone, NETWORK, Authenticated Users). A caller adds the account's own SID and its groups.
NETWORK_LOGON_SIDS = frozenset({"S-1-1-0", "S-1-5-2", "S-1-5-11"})

# Default Sddl of the Microsoft.PowerShell plugin on Windows Server 2012 R2 and later, as WinRM registers it
# (PowerShell/PowerShell test/powershell/Modules/Microsoft.WSMan.Management/ConfigProvider.Tests.ps1, "default SDDL
# set by WinRM"). Register-PSSessionConfiguration writes the same ACEs with RM before IU (remoteSDDL_Win8 in
# PowerShell/PowerShell src/System.Management.Automation/engine/remoting/commands/CustomShellCommands.cs).
# Before NT 6.2 (Windows 8 / Server 2012) that file registers no RM ACE: "O:NSG:BAD:P(A;;GA;;;BA)(A;;GA;;;IU)S:P(...)".
# ASSUMPTION: a 2008 R2 host set up by an older PowerShell may carry BA alone, as its RootSDDL does; not seen on a host.
DEFAULT_POWERSHELL_SDDL = "O:NSG:BAD:P(A;;GA;;;BA)(A;;GA;;;IU)(A;;GA;;;RM)S:P(AU;FA;GA;;;WD)(AU;SA;GXGW;;;WD)"
# Default RootSDDL of winrm/config/service since 2012 R2 (zenoss/microsoft.tools#36, MicrosoftDocs/win32#2194).
DEFAULT_ROOT_SDDL = "O:NSG:BAD:P(A;;GA;;;BA)(A;;GR;;;IU)S:P(AU;FA;GA;;;WD)(AU;SA;GXGW;;;WD)"

ALLOW_TYPES = frozenset({"A", "OA", "XA", "ZA"})
DENY_TYPES = frozenset({"D", "OD", "XD"})
DACL_TYPES = ALLOW_TYPES | DENY_TYPES
SACL_TYPES = frozenset({"AU", "AL", "OU", "OL", "ML", "XU", "RA", "SP"})
OBJECT_TYPES = frozenset({"OA", "OD", "OU", "OL", "ZA"})
CONDITIONAL_TYPES = frozenset({"XA", "XD", "XU", "ZA"})
ACE_FLAGS = frozenset({"CI", "OI", "NP", "IO", "ID", "SA", "FA"})
ACL_FLAGS = ("NO_ACCESS_CONTROL", "AR", "AI", "P")  # longest first: the order they are tried in
NULL_ACL = "NO_ACCESS_CONTROL"

_ORDER = ("O", "G", "D", "S")
_SID = re.compile(r"S-(?P<rev>[0-9]+)-(?P<auth>0[xX][0-9A-Fa-f]*|[0-9]+)(?P<subs>(?:-[0-9]+)*)")
_GUID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
_HEX = re.compile(r"0[xX][0-9A-Fa-f]{1,8}")
_OCTAL = re.compile(r"0[0-7]+")
_DECIMAL = re.compile(r"0|[1-9][0-9]*")  # a leading 0 means octal, as in C
# Characters of a conditional expression outside its quoted strings: attribute names (letters, digits, ``: / . _``),
# prefixes ``@``, operators, ``#`` octet strings, ``{ , }`` composites and parentheses ("SDDL for Conditional ACEs").
_EXPRESSION_CHARS = frozenset(string.ascii_letters + string.digits + " (){},.:/_@#!=<>&|-+")
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


class SddlError(ValueError):
    """A string the SDDL grammar rejects. The message starts with the 0-based position it is about."""

    def __init__(self, position: int, reason: str) -> None:
        super().__init__(f"at {position}: {reason}")
        self.position = position
        self.reason = reason


@dataclasses.dataclass(frozen=True)
class Ace:
    """One ACE, every field as written. ``resource_attribute`` is the seventh field with its parentheses."""

    type: str
    flags: str = ""
    rights: str = ""
    object_guid: str = ""
    inherit_object_guid: str = ""
    sid: str = ""
    resource_attribute: str | None = None

    def __str__(self) -> str:
        fields = [self.type, self.flags, self.rights, self.object_guid, self.inherit_object_guid, self.sid]
        if self.resource_attribute is not None:
            fields.append(self.resource_attribute)
        return "(" + ";".join(fields) + ")"

    @property
    def flag_tokens(self) -> tuple[str, ...]:
        """The two-letter flags in written order."""
        return tuple(self.flags[i : i + 2] for i in range(0, len(self.flags), 2))

    @property
    def inherited(self) -> bool:
        """Inherited from a parent (ID): not an explicit ACE, so grant and revoke leave it alone."""
        return "ID" in self.flag_tokens

    @property
    def inherit_only(self) -> bool:
        """Only for children (IO): the access check of the object itself skips it."""
        return "IO" in self.flag_tokens

    @property
    def mask(self) -> int:
        """The access mask the rights field stands for."""
        return rights_mask(self.rights)


@dataclasses.dataclass(frozen=True)
class Acl:
    """A DACL or SACL: its control flags as written (``PAI``, ``NO_ACCESS_CONTROL``) and its ACEs in order."""

    flags: str = ""
    aces: tuple[Ace, ...] = ()

    def __str__(self) -> str:
        return self.flags + "".join(str(ace) for ace in self.aces)

    @property
    def is_null(self) -> bool:
        """A NULL ACL (``NO_ACCESS_CONTROL``): as a DACL it lets everyone in, unlike an empty one."""
        return NULL_ACL in self.flags


@dataclasses.dataclass(frozen=True)
class SecurityDescriptor:
    """Owner and group SID strings as written, and the ACLs; None for a component the string leaves out."""

    owner: str | None = None
    group: str | None = None
    dacl: Acl | None = None
    sacl: Acl | None = None

    def __str__(self) -> str:
        parts = [("O:", self.owner), ("G:", self.group), ("D:", self.dacl), ("S:", self.sacl)]
        return "".join(tag + str(value) for tag, value in parts if value is not None)


# --- Parsing -------------------------------------------------------------------------------------------------------


def parse(text: str) -> SecurityDescriptor:
    """Parse an SDDL string; SddlError names the first position that breaks the grammar."""
    if not isinstance(text, str):
        raise SddlError(0, f"SDDL must be a string, not {type(text).__name__}")
    if not text:
        raise SddlError(0, "empty SDDL: expected O:, G:, D: or S:")
    if len(text) > MAX_LENGTH:
        raise SddlError(MAX_LENGTH, f"SDDL is longer than {MAX_LENGTH} characters")
    _check_characters(text)
    sids: dict[str, str] = {}
    acls: dict[str, Acl] = {}
    pos, last = 0, -1
    while pos < len(text):
        letter = _component_at(text, pos)
        if letter is None:
            raise SddlError(pos, _unexpected(text, pos, "expected O:, G:, D: or S:"))
        if letter in sids or letter in acls:
            raise SddlError(pos, f"duplicate {letter}: component")
        if _ORDER.index(letter) < last:
            raise SddlError(pos, f"{letter}: must come before {_ORDER[last]}:")
        last = _ORDER.index(letter)
        pos += 2
        if letter in "OG":
            end = _sid_at(text, pos)
            sids[letter], pos = text[pos:end], end
            expected = "expected the next component or the end after the SID"
        else:
            acls[letter], pos = _parse_acl(text, pos, letter)
            expected = "expected '(' or the next component"
        if pos < len(text) and _component_at(text, pos) is None:
            raise SddlError(pos, _unexpected(text, pos, expected))
    return SecurityDescriptor(sids.get("O"), sids.get("G"), acls.get("D"), acls.get("S"))


def is_valid(text: str) -> bool:
    """Whether ``text`` parses; for callers that only branch on it."""
    try:
        parse(text)
    except SddlError:
        return False
    return True


def _check_characters(text: str) -> None:
    """Refuse control and format characters anywhere, before any structure is looked at."""
    for index, char in enumerate(text):
        if char in "\r\n":
            raise SddlError(index, "line breaks (CR/LF) are not allowed in SDDL")
        if char == "\0":
            raise SddlError(index, "NUL characters are not allowed in SDDL")
        if unicodedata.category(char) in _REFUSED_CATEGORIES:
            raise SddlError(index, f"control character U+{ord(char):04X} is not allowed in SDDL")


def _component_at(text: str, pos: int) -> str | None:
    """The component letter when ``text[pos:]`` starts with ``O:``, ``G:``, ``D:`` or ``S:``."""
    if text[pos : pos + 1] in _ORDER and text[pos + 1 : pos + 2] == ":":
        return text[pos]
    return None


def _unexpected(text: str, pos: int, expected: str) -> str:
    """Describe the character at ``pos`` for an error; parentheses and blanks get their own words."""
    char = text[pos]
    if char == ")":
        return "unbalanced parentheses: ')' without a matching '('"
    if char.isspace():
        return "whitespace is not allowed outside a conditional expression"
    return f"unexpected {char!r}; {expected}"


def _sid_at(text: str, pos: int) -> int:
    """Check the owner or group SID string at ``pos``; returns where it ends."""
    if text.startswith("S-", pos):
        match = _SID.match(text, pos)
        if match is None:
            raise SddlError(pos, "malformed SID: expected S-1-<authority>-<sub-authority>...")
        _check_sid(match, pos)
        return match.end()
    alias = text[pos : pos + 2]
    if not alias:
        raise SddlError(pos, "expected a SID or SID alias")
    if alias not in ALIASES:
        raise SddlError(pos, f"unknown SID alias {alias!r}")
    return pos + 2


def _check_sid_string(value: str, pos: int) -> None:
    """Check a whole field as a SID string: an alias or an S-1- SID and nothing else."""
    if not value:
        raise SddlError(pos, "expected a SID or SID alias")
    if value.startswith("S-"):
        match = _SID.fullmatch(value)
        if match is None:
            raise SddlError(pos, f"malformed SID {value!r}: expected S-1-<authority>-<sub-authority>...")
        _check_sid(match, pos)
    elif value not in ALIASES:
        raise SddlError(pos, f"unknown SID alias {value!r}")


def _check_sid(match: re.Match[str], base: int) -> None:
    """[MS-DTYP] 2.4.2.1: revision 1, a 48-bit authority, 1 to 15 sub-authorities of 32 bits, no leading zeros."""
    start = match.start()
    if match["rev"] != "1":
        raise SddlError(base + match.start("rev") - start, f"SID revision must be 1, not {match['rev']!r}")
    auth, auth_at = match["auth"], base + match.start("auth") - start
    if auth[:2] in ("0x", "0X"):
        if len(auth) != 14:
            raise SddlError(auth_at, f"hexadecimal SID authority {auth!r} must have 12 digits after 0x")
    else:
        _check_number(auth, auth_at, 2**32 - 1, "SID authority")  # larger ones are written in hex
    subs = match["subs"].split("-")[1:]
    if not subs:
        raise SddlError(base + match.end() - start, "a SID needs at least one sub-authority")
    if len(subs) > 15:
        raise SddlError(base, f"SID has {len(subs)} sub-authorities; at most 15 are allowed")
    at = base + match.start("subs") - start
    for sub in subs:
        _check_number(sub, at + 1, 2**32 - 1, "SID sub-authority")
        at += 1 + len(sub)


def _check_number(digits: str, pos: int, limit: int, what: str) -> None:
    """A decimal SID component: at most 10 digits, no leading zero, within ``limit``."""
    if len(digits) > 1 and digits[0] == "0":
        raise SddlError(pos, f"{what} {digits!r} has a leading zero")
    if len(digits) > 10 or int(digits) > limit:
        raise SddlError(pos, f"{what} {digits!r} is out of range (at most {limit})")


def _parse_acl(text: str, pos: int, letter: str) -> tuple[Acl, int]:
    """The flags and ACEs after ``D:`` or ``S:``; returns the ACL and where it ends."""
    start, seen = pos, []
    while pos < len(text) and text[pos] != "(" and _component_at(text, pos) is None:
        token = next((flag for flag in ACL_FLAGS if text.startswith(flag, pos)), None)
        if token is None:
            raise SddlError(pos, _unexpected(text, pos, "expected an ACL flag (P, AI, AR, NO_ACCESS_CONTROL), '('"))
        if token in seen:
            raise SddlError(pos, f"duplicate ACL flag {token!r}")
        seen.append(token)
        pos += len(token)
    flags, aces = text[start:pos], []
    while pos < len(text) and text[pos] == "(":
        if NULL_ACL in seen:
            raise SddlError(pos, "a NULL ACL (NO_ACCESS_CONTROL) cannot hold ACEs")
        ace, pos = _parse_ace(text, pos, letter)
        aces.append(ace)
    return Acl(flags, tuple(aces)), pos


def _parse_ace(text: str, start: int, letter: str) -> tuple[Ace, int]:
    """One parenthesised ACE at ``start``; returns it and the position after its ``)``."""
    fields, starts, pos = [], [], start + 1
    while True:
        end = _field_end(text, pos, start)
        fields.append(text[pos:end])
        starts.append(pos)
        if text[end] == ")" or len(fields) == 6:
            break
        pos = end + 1
    if len(fields) < 6:
        _check_type(fields[0], starts[0], fields[0], letter)
        raise SddlError(end, f"ACE has {len(fields)} fields; expected 6 (type;flags;rights;guid;guid;sid)")
    _check_fields(fields, starts, letter)
    ace_type, extra = fields[0], None
    if text[end] == ";":
        if ace_type not in CONDITIONAL_TYPES and ace_type != "RA":
            raise SddlError(end, f"too many fields in ACE: {ace_type!r} ACEs have 6 fields")
        extra_end = _group_end(text, end + 1, start)
        extra, end = text[end + 1 : extra_end], extra_end
        if end >= len(text):
            raise SddlError(start, "unbalanced parentheses: the ACE opened here is not closed")
        if text[end] == ";":
            raise SddlError(end, "too many fields in ACE: nothing may follow the parenthesised seventh field")
        if text[end] != ")":
            raise SddlError(end, _unexpected(text, end, "expected ')' to close the ACE"))
    elif ace_type == "RA":
        raise SddlError(end, "a resource attribute (RA) ACE needs its attribute in parentheses as seventh field")
    kind, flags, rights, object_guid, inherit_object_guid, sid = fields
    return Ace(kind, flags, rights, object_guid, inherit_object_guid, sid, extra), end + 1


def _field_end(text: str, pos: int, ace_start: int) -> int:
    """Where one of the six plain ACE fields ends (its ``;`` or ``)``)."""
    for index in range(pos, len(text)):
        char = text[index]
        if char in ";)":
            return index
        if char == "(":
            raise SddlError(index, "unbalanced parentheses: '(' inside an ACE field")
        if char.isspace():
            raise SddlError(index, "whitespace is not allowed outside a conditional expression")
    raise SddlError(ace_start, "unbalanced parentheses: the ACE opened here is not closed")


def _group_end(text: str, pos: int, ace_start: int) -> int:
    """The end of the balanced, quote-aware ``(...)`` group of a conditional expression or resource attribute."""
    if text[pos : pos + 1] != "(":
        raise SddlError(pos, "expected '(' to open the conditional expression or resource attribute")
    depth, quote_at = 0, -1
    for index in range(pos, len(text)):
        char = text[index]
        if quote_at >= 0:
            if char == '"':
                quote_at = -1
        elif char == '"':
            quote_at = index
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index + 1
        elif char not in _EXPRESSION_CHARS:
            raise SddlError(index, f"{char!r} is not allowed in a conditional expression outside a quoted string")
    if quote_at >= 0:
        raise SddlError(quote_at, "unterminated quoted string in conditional expression")
    raise SddlError(ace_start, "unbalanced parentheses: the ACE opened here is not closed")


def _check_fields(fields: list[str], starts: list[int], letter: str) -> None:
    """Check the six plain fields left to right, so the first error reported is the leftmost one."""
    checks = (_check_type, _check_flags, _check_rights, _check_guid, _check_guid, _check_ace_sid)
    for check, value, pos in zip(checks, fields, starts, strict=True):
        check(value, pos, fields[0], letter)


def _check_type(value: str, pos: int, ace_type: str, letter: str) -> None:
    """A known ACE type that belongs in this ACL: access types in a DACL, system types in a SACL."""
    if not value:
        raise SddlError(pos, "expected an ACE type")
    if value not in DACL_TYPES | SACL_TYPES:
        raise SddlError(pos, f"unknown ACE type {value!r}")
    allowed, name = (DACL_TYPES, "DACL") if letter == "D" else (SACL_TYPES, "SACL")
    if value not in allowed:
        raise SddlError(pos, f"ACE type {value!r} is not allowed in a {name}")


def _check_flags(value: str, pos: int, ace_type: str, letter: str) -> None:
    """Two-letter ACE flags, each at most once."""
    seen: set[str] = set()
    for offset in range(0, len(value), 2):
        token = value[offset : offset + 2]
        if token not in ACE_FLAGS:
            raise SddlError(pos + offset, f"unknown ACE flag {token!r}")
        if token in seen:
            raise SddlError(pos + offset, f"duplicate ACE flag {token!r}")
        seen.add(token)


def _check_rights(value: str, pos: int, ace_type: str, letter: str) -> None:
    """The rights field: rights strings or one number (hex, octal or decimal) of 32 bits."""
    _mask(value, pos)


def _check_guid(value: str, pos: int, ace_type: str, letter: str) -> None:
    """An object GUID in UuidToString form, only in object ACE types, whose binary form has room for it."""
    if not value:
        return
    if _GUID.fullmatch(value) is None:
        raise SddlError(pos, f"malformed GUID {value!r}: expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx")
    if ace_type not in OBJECT_TYPES:
        raise SddlError(pos, f"object GUIDs are only allowed in object ACEs (OA, OD, OU, OL, ZA), not {ace_type!r}")


def _check_ace_sid(value: str, pos: int, ace_type: str, letter: str) -> None:
    """The trustee; a resource attribute ACE is always for Everyone ([MS-DTYP] 2.5.1.1)."""
    _check_sid_string(value, pos)
    if ace_type == "RA" and value not in ("WD", "S-1-1-0"):
        raise SddlError(pos, f"a resource attribute (RA) ACE must be for WD or S-1-1-0, not {value!r}")


# --- Rights and SIDs -----------------------------------------------------------------------------------------------


def rights_mask(rights: str) -> int:
    """The 32-bit access mask of a rights field (``GA``, ``GXGR``, ``0x10000000``, ``268435456``)."""
    return _mask(rights, 0)


def _mask(value: str, pos: int) -> int:
    """rights_mask with error positions relative to the whole SDDL string."""
    if not value:
        return 0
    if value[0].isdigit():
        number: int | None = None
        if _HEX.fullmatch(value):
            number = int(value, 16)
        elif _OCTAL.fullmatch(value):
            number = int(value, 8)
        elif _DECIMAL.fullmatch(value):
            number = int(value)
        if number is None or number > 0xFFFFFFFF:
            raise SddlError(pos, f"access mask {value!r} is not a 32-bit hex, octal or decimal number")
        return number
    mask = 0
    for offset in range(0, len(value), 2):
        token = value[offset : offset + 2]
        if token not in RIGHTS:
            raise SddlError(pos + offset, f"unknown access right {token!r}")
        mask |= RIGHTS[token]
    return mask


def sid_of(token: str, domain_sid: str | None = None) -> str:
    """The S-1- SID an alias stands for (an S-1- SID is checked and returned as given).

    Domain-relative aliases (DA, DU, LA, ...) need ``domain_sid``, the S-1-5-21-... SID of the domain they are in.
    """
    _check_sid_string(token, 0)
    if token.startswith("S-"):
        return token
    if token in WELL_KNOWN_ALIASES:
        return WELL_KNOWN_ALIASES[token]
    if domain_sid is None:
        raise SddlError(0, f"alias {token!r} is relative to a domain: resolving it needs domain_sid")
    _check_sid_string(domain_sid, 0)
    if not domain_sid.startswith("S-"):
        raise SddlError(0, f"domain_sid must be an S-1- SID, not the alias {domain_sid!r}")
    return f"{domain_sid}-{DOMAIN_RELATIVE_ALIASES[token]}"


def _identity(token: str, domain_sid: str | None) -> tuple[object, ...]:
    """A comparable identity: the numbers of the SID, or the alias itself when it cannot be resolved."""
    try:
        sid = sid_of(token, domain_sid)
    except SddlError:
        return ("alias", token)
    rev, auth, *subs = sid[2:].split("-")
    return ("sid", int(rev), int(auth, 0) if auth[:2] in ("0x", "0X") else int(auth), *map(int, subs))


def same_sid(left: str, right: str, domain_sid: str | None = None) -> bool:
    """Whether two SID strings name the same account (``BA`` and ``S-1-5-32-544`` do)."""
    return _identity(left, domain_sid) == _identity(right, domain_sid)


def _expand(mask: int) -> int:
    """GENERIC_ALL includes GENERIC_READ, _WRITE and _EXECUTE.

    ASSUMPTION: WinRM does not document its GENERIC_MAPPING, so the other bits compare as they are. Each object
    defines its own mapping, but "in practice, GENERIC_ALL is at least as big as GENERIC_READ | GENERIC_WRITE |
    GENERIC_EXECUTE" (The Old New Thing, 2017-03-10, https://devblogs.microsoft.com/oldnewthing/20170310-00/?p=95705);
    comparing unmapped bits otherwise only errs towards "not allowed".
    """
    if mask & GENERIC_ALL:
        mask |= GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE
    return mask


# --- Edits and the access check ------------------------------------------------------------------------------------


def grant(
    sd: SecurityDescriptor,
    sid: str,
    rights: str = "GA",
    ace_type: str = "A",
    domain_sid: str | None = None,
) -> SecurityDescriptor:
    """Add an explicit allow (``A``) or deny (``D``) ACE for ``sid`` to the DACL, unless one already covers it.

    Idempotent: an explicit ACE of the same type for the same account (alias or S-1- form) whose rights include
    ``rights`` leaves ``sd`` unchanged. Otherwise the ACE goes where canonical order wants it (explicit deny, then
    explicit allow, then inherited) without moving any other ACE. A NULL DACL is refused: it lets everyone in, and
    one ACE would shut everyone else out.
    """
    if ace_type not in ("A", "D"):
        raise ValueError(f"grant adds plain allow (A) or deny (D) ACEs, not {ace_type!r}")
    _check_sid_string(sid, 0)
    wanted = _expand(rights_mask(rights))
    if not wanted:
        raise ValueError("grant needs rights: an ACE with an empty mask grants and denies nothing")
    dacl = sd.dacl if sd.dacl is not None else Acl()
    if dacl.is_null:
        raise ValueError("the DACL is NULL (NO_ACCESS_CONTROL): adding an ACE would deny everyone else; set a DACL")
    account = _identity(sid, domain_sid)
    for ace in dacl.aces:
        if (
            ace.type == ace_type
            and not (ace.inherited or ace.inherit_only)
            and _identity(ace.sid, domain_sid) == account
            and _expand(ace.mask) & wanted == wanted
        ):
            return sd
    aces = dacl.aces
    if ace_type == "D":
        index = next((i for i, ace in enumerate(aces) if ace.inherited or ace.type not in DENY_TYPES), len(aces))
    else:
        index = next((i for i, ace in enumerate(aces) if ace.inherited), len(aces))
    new = Ace(ace_type, "", rights, "", "", sid)
    return _checked(dataclasses.replace(sd, dacl=Acl(dacl.flags, (*aces[:index], new, *aces[index:]))))


def revoke(sd: SecurityDescriptor, sid: str, domain_sid: str | None = None) -> SecurityDescriptor:
    """Remove every explicit DACL ACE (allow and deny) for ``sid``, matched in alias or S-1- form.

    Inherited ACEs stay (they come back from the parent anyway), the SACL stays (auditing is not access).
    Idempotent: without such an ACE ``sd`` is returned unchanged.
    """
    _check_sid_string(sid, 0)
    if sd.dacl is None:
        return sd
    account = _identity(sid, domain_sid)
    kept = tuple(ace for ace in sd.dacl.aces if ace.inherited or _identity(ace.sid, domain_sid) != account)
    if len(kept) == len(sd.dacl.aces):
        return sd
    return _checked(dataclasses.replace(sd, dacl=Acl(sd.dacl.flags, kept)))


def allows(sd: SecurityDescriptor, sids: Iterable[str], right_mask: int, domain_sid: str | None = None) -> bool:
    """Whether a token holding ``sids`` gets every right of ``right_mask``, checked the way AccessCheck walks a DACL.

    ACEs are taken in order ("Order of ACEs in a DACL", Microsoft Learn): an ACE for one of ``sids`` that denies any
    right not yet granted ends the check with False; allow ACEs add rights until all are granted. No DACL
    component or a NULL DACL allows everything; an empty DACL allows nothing. Inherit-only ACEs are skipped.
    Where the controller cannot know the outcome it answers "not allowed": callback (conditional) allow ACEs and
    object allow ACEs with an object GUID grant nothing, while every matching deny ACE denies. ``sids`` must be the
    whole token (the account, its groups, NETWORK_LOGON_SIDS); owner rights are not considered.
    """
    if not 0 < right_mask <= 0xFFFFFFFF:
        raise ValueError(f"right_mask must be a non-zero 32-bit access mask, not {right_mask!r}")
    dacl = sd.dacl
    if dacl is None or dacl.is_null:
        return True
    token = {_identity(sid, domain_sid) for sid in sids}
    remaining = _expand(right_mask)
    for ace in dacl.aces:
        if ace.inherit_only or _identity(ace.sid, domain_sid) not in token:
            continue
        mask = _expand(ace.mask)
        if ace.type in DENY_TYPES:
            if mask & remaining:
                return False
        elif ace.type in ("A", "OA") and not ace.object_guid:
            remaining &= ~mask
            if not remaining:
                return True
    return False


def removes_access(
    before: SecurityDescriptor,
    after: SecurityDescriptor,
    sids: Iterable[str],
    right_mask: int,
    domain_sid: str | None = None,
) -> bool:
    """Whether changing ``before`` into ``after`` takes ``right_mask`` away from the token holding ``sids``."""
    token = frozenset(sids)
    return allows(before, token, right_mask, domain_sid) and not allows(after, token, right_mask, domain_sid)


def _checked(sd: SecurityDescriptor) -> SecurityDescriptor:
    """Re-parse an edited descriptor, so an edit can never hand out a string the parser would refuse."""
    return parse(str(sd))
