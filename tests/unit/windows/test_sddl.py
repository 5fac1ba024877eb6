# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""SDDL: byte-exact round trips of published strings, every error class, grant/revoke, the access check, fuzzing."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable

import pytest

from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import sddl
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows.sddl import Ace, SddlError

BA = "S-1-5-32-544"
IU = "S-1-5-4"
RM = "S-1-5-32-580"
DOMAIN = "S-1-5-21-397955417-626881126-188441444"
DOMAIN_USER = f"{DOMAIN}-1105"
DOMAIN_USERS = f"{DOMAIN}-513"
SACL = "S:P(AU;FA;GA;;;WD)(AU;SA;GXGW;;;WD)"

# Published strings, each as its source prints it.
REAL = [
    # Microsoft.PowerShell as WinRM registers it: PowerShell/PowerShell
    # test/powershell/Modules/Microsoft.WSMan.Management/ConfigProvider.Tests.ps1 ("default SDDL set by WinRM").
    "O:NSG:BAD:P(A;;GA;;;BA)(A;;GA;;;IU)(A;;GA;;;RM)S:P(AU;FA;GA;;;WD)(AU;SA;GXGW;;;WD)",
    # Register-PSSessionConfiguration defaults: PowerShell/PowerShell
    # src/System.Management.Automation/engine/remoting/commands/CustomShellCommands.cs (remoteSDDL_Win8, remoteSDDL,
    # localSDDL_Win8).
    "O:NSG:BAD:P(A;;GA;;;BA)(A;;GA;;;RM)(A;;GA;;;IU)S:P(AU;FA;GA;;;WD)(AU;SA;GXGW;;;WD)",
    "O:NSG:BAD:P(A;;GA;;;BA)(A;;GA;;;IU)S:P(AU;FA;GA;;;WD)(AU;SA;GXGW;;;WD)",
    "O:NSG:BAD:P(D;;GA;;;NU)(A;;GA;;;BA)(A;;GA;;;RM)(A;;GA;;;IU)S:P(AU;FA;GA;;;WD)(AU;SA;GXGW;;;WD)",
    # winrm/config/service RootSDDL, 2012 R2 and 2008 R2 (zenoss/microsoft.tools#36; MicrosoftDocs/win32#2194).
    "O:NSG:BAD:P(A;;GA;;;BA)(A;;GR;;;IU)S:P(AU;FA;GA;;;WD)(AU;SA;GXGW;;;WD)",
    "O:NSG:BAD:P(A;;GA;;;BA)S:P(AU;FA;GA;;;WD)(AU;SA;GWGX;;;WD)",
    # PowerShell/PowerShell ConfigProvider.Tests.ps1: the truncated default it sets on a test plugin.
    "O:NSG:BAD:P(A;;GA;;;BA)",
    # Microsoft Learn "Security Descriptor String Format", strings 1 and 2 (string 2 without its display breaks).
    "O:AOG:DAD:(A;;RPWPCCDCLCSWRCWDWOGA;;;S-1-0-0)",
    "O:DAG:DAD:(A;;RPWPCCDCLCRCWOWDSDSW;;;SY)(A;;RPWPCCDCLCRCWOWDSDSW;;;DA)"
    "(OA;;CCDC;bf967aba-0de6-11d0-a285-00aa003049e2;;AO)(OA;;CCDC;bf967a9c-0de6-11d0-a285-00aa003049e2;;AO)"
    "(OA;;CCDC;6da8a4ff-0e52-11d0-a286-00aa003049e2;;AO)(OA;;CCDC;bf967aa8-0de6-11d0-a285-00aa003049e2;;PO)"
    "(A;;RPLCRC;;;AU)S:(AU;SAFA;WDWOSDWPCCDCSW;;;WD)",
    # Microsoft Learn "ACE Strings" and "SDDL for Conditional ACEs": the ACE examples, in a DACL.
    "D:(A;;RPWPCCDCLCSWRCWDWOGA;;;S-1-1-0)",
    "D:AI(XA;OICI;FA;;;WD;(OctetStringType==#1#2#3##))",
    "D:AI(XA;OICI;FA;;;WD;(OctetStringType==#01020300))",
    # "ACE Strings" resource attribute example, without the blank [MS-DTYP] 2.5.1.1 has no room for.
    'S:(RA;CI;;;;S-1-1-0;("Project",TS,0,"Windows","SQL"))',
    'S:(RA;CI;;;;S-1-1-0;("Secrecy",TU,0,3))',
    # A default Active Directory ACE (splunk.com "SDDL demystified" mind map).
    "D:(OA;CIIOID;RP;4c164200-20c0-11d0-a768-00aa006e0529;4828cc14-1437-45bc-9b07-ad6f015e5f28;RU)",
]


def _sd(text: str) -> sddl.SecurityDescriptor:
    return sddl.parse(text)


def _first_ace(text: str) -> Ace:
    acl = _sd(text).dacl
    assert acl is not None
    return acl.aces[0]


def _fails(call: Callable[[], object], message: str, prefix: bool = False) -> None:
    with pytest.raises(SddlError) as error:
        call()
    assert str(error.value).startswith(message) if prefix else str(error.value) == message


def _rejects(text: str, message: str) -> None:
    _fails(lambda: sddl.parse(text), message)


# --- Round trips ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", REAL)
def test_published_strings_round_trip_byte_for_byte(text: str) -> None:
    assert str(_sd(text)) == text
    assert sddl.is_valid(text)


def test_default_powershell_sddl_structure() -> None:
    sd = _sd(sddl.DEFAULT_POWERSHELL_SDDL)
    assert (sd.owner, sd.group) == ("NS", "BA")
    assert sd.dacl is not None and sd.sacl is not None
    assert sd.dacl.flags == "P" and not sd.dacl.is_null
    assert [ace.sid for ace in sd.dacl.aces] == ["BA", "IU", "RM"]
    assert sd.sacl.aces[1] == Ace("AU", "SA", "GXGW", "", "", "WD")
    assert sd.sacl.aces[1].mask == sddl.GENERIC_EXECUTE | sddl.GENERIC_WRITE
    assert sddl.DEFAULT_POWERSHELL_SDDL in REAL and sddl.DEFAULT_ROOT_SDDL in REAL


def test_spelling_is_kept_where_meaning_is_equal() -> None:
    for text in (
        "D:(A;;GXGW;;;BA)",
        "D:(A;;GWGX;;;BA)",
        "D:(A;;0x60000000;;;BA)",
        "D:(A;;0X60000000;;;S-1-5-32-544)",
        "D:(A;;1610612736;;;BA)",
        "D:(A;;014000000000;;;BA)",
        "D:(A;;0x10000000;;;BA)",
        "D:(A;OICI;0x1200a9;;;BU)",
        "D:PAI(A;CIOI;FA;;;SY)",
        "D:AIP",
        "O:S-1-0x0000000000AB-1",
    ):
        assert str(_sd(text)) == text
    masks = {_first_ace(t).mask for t in ("D:(A;;GXGW;;;BA)", "D:(A;;0x60000000;;;BA)", "D:(A;;1610612736;;;BA)")}
    assert masks == {0x60000000}


def test_components_ace_fields_and_null_and_empty_acls() -> None:
    sd = _sd("O:S-1-5-21-1-2-3-500G:DUD:NO_ACCESS_CONTROLS:")
    assert sd.owner == "S-1-5-21-1-2-3-500" and sd.group == "DU"
    assert sd.dacl is not None and sd.dacl.is_null and sd.dacl.aces == ()
    assert sd.sacl == sddl.Acl()
    assert str(sd) == "O:S-1-5-21-1-2-3-500G:DUD:NO_ACCESS_CONTROLS:"
    assert _sd("D:").dacl == sddl.Acl()
    assert _sd("G:SY").dacl is None
    ace = _first_ace('D:(XA;OICIIOID;0x1;;;WD;(Title=="VP"))')
    assert ace.flag_tokens == ("OI", "CI", "IO", "ID") and ace.inherited and ace.inherit_only
    assert ace.resource_attribute == '(Title=="VP")'


def test_rights_masks() -> None:
    # The decoded examples of "Security Descriptor String Format" and "ACE Strings".
    assert sddl.rights_mask("RPWPCCDCLCSWRCWDWOGA") == 0x100E003F
    assert sddl.rights_mask("RPWPCCDCLCRCWOWDSDSW") == 0x000F003F
    assert sddl.rights_mask("RPLCRC") == 0x00020014
    assert sddl.rights_mask("WDWOSDWPCCDCSW") == 0x000D002B
    assert sddl.rights_mask("GA") == 0x10000000 == sddl.rights_mask("0x10000000") == sddl.rights_mask("268435456")
    assert (sddl.rights_mask("GX"), sddl.rights_mask("GW"), sddl.rights_mask("GR")) == (0x2 << 28, 0x4 << 28, 0x8 << 28)
    assert sddl.rights_mask("02000000000") == 0x10000000
    assert sddl.rights_mask("FA") == 0x1F01FF and sddl.rights_mask("") == 0
    _fails(lambda: sddl.rights_mask("GAXX"), "at 2: unknown access right 'XX'")


def test_sid_of_resolves_aliases() -> None:
    assert sddl.sid_of("BA") == BA
    assert sddl.sid_of("RM") == RM
    assert sddl.sid_of("IU") == IU
    assert sddl.sid_of("NS") == "S-1-5-20"
    assert sddl.sid_of("AU") == "S-1-5-11"
    assert sddl.sid_of("WD") == "S-1-1-0"
    assert sddl.sid_of("SY") == "S-1-5-18"
    assert sddl.sid_of(DOMAIN_USER) == DOMAIN_USER
    assert sddl.sid_of("DA", DOMAIN) == f"{DOMAIN}-512"
    assert sddl.sid_of("LA", DOMAIN) == f"{DOMAIN}-500"
    _fails(lambda: sddl.sid_of("DU"), "at 0: alias 'DU' is relative to a domain: resolving it needs domain_sid")
    _fails(lambda: sddl.sid_of("XY"), "at 0: unknown SID alias 'XY'")
    _fails(
        lambda: sddl.sid_of("S-1-5-99999999999"), "at 6: SID sub-authority '99999999999' is out of range", prefix=True
    )
    assert sddl.same_sid("BA", BA) and sddl.same_sid("S-1-0x000000000005-18", "SY")
    assert not sddl.same_sid("BA", "BU") and not sddl.same_sid("DA", f"{DOMAIN}-512")
    assert sddl.same_sid("DA", f"{DOMAIN}-512", DOMAIN)


# --- Errors --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "at 0: empty SDDL: expected O:, G:, D: or S:"),
        ("O:BAG:SYD:PAI(Q;;GA;;;BA)", "at 14: unknown ACE type 'Q'"),
        ("D:(AU;SA;GA;;;WD)", "at 3: ACE type 'AU' is not allowed in a DACL"),
        ("S:(A;;GA;;;WD)", "at 3: ACE type 'A' is not allowed in a SACL"),
        ("D:(;;GA;;;BA)", "at 3: expected an ACE type"),
        # Unbalanced parentheses.
        ("D:(A;;GA;;;BA", "at 2: unbalanced parentheses: the ACE opened here is not closed"),
        ("D:(A;;GA;;;BA))", "at 14: unbalanced parentheses: ')' without a matching '('"),
        ("D:)", "at 2: unbalanced parentheses: ')' without a matching '('"),
        ("D:(A;;GA;;;BA(", "at 13: unbalanced parentheses: '(' inside an ACE field"),
        ("D:(XA;;GA;;;BA;(a==1)", "at 2: unbalanced parentheses: the ACE opened here is not closed"),
        ("D:(XA;;GA;;;BA;((a==1))", "at 2: unbalanced parentheses: the ACE opened here is not closed"),
        # Field counts.
        ("D:(A;;GA;;;BA;X)", "at 13: too many fields in ACE: 'A' ACEs have 6 fields"),
        ("D:(A;;GA;;;BA;(x))", "at 13: too many fields in ACE: 'A' ACEs have 6 fields"),
        ("D:(XA;;GA;;;BA;(x);y)", "at 18: too many fields in ACE: nothing may follow the parenthesised seventh field"),
        ("D:(XA;;GA;;;BA;x)", "at 15: expected '(' to open the conditional expression or resource attribute"),
        ("D:(A;;GA;;BA)", "at 12: ACE has 5 fields; expected 6 (type;flags;rights;guid;guid;sid)"),
        ("D:()", "at 3: expected an ACE type"),
        ("D:(A)", "at 4: ACE has 1 fields; expected 6 (type;flags;rights;guid;guid;sid)"),
        ("S:(RA;CI;;;;WD)", "at 14: a resource attribute (RA) ACE needs its attribute in parentheses as seventh field"),
        ('S:(RA;CI;;;;BA;("a",TU,0,3))', "at 12: a resource attribute (RA) ACE must be for WD or S-1-1-0, not 'BA'"),
        # SIDs and aliases.
        ("O:QQ", "at 2: unknown SID alias 'QQ'"),
        ("O:ba", "at 2: unknown SID alias 'ba'"),
        ("D:(A;;GA;;;QQ)", "at 11: unknown SID alias 'QQ'"),
        ("D:(A;;GA;;;BAD)", "at 11: unknown SID alias 'BAD'"),
        ("D:(A;;GA;;;)", "at 11: expected a SID or SID alias"),
        ("O:", "at 2: expected a SID or SID alias"),
        ("O:S-2-5-18", "at 4: SID revision must be 1, not '2'"),
        ("O:S-1-5", "at 7: a SID needs at least one sub-authority"),
        ("O:S-X", "at 2: malformed SID: expected S-1-<authority>-<sub-authority>..."),
        ("D:(A;;GA;;;S-1-5-)", "at 11: malformed SID 'S-1-5-': expected S-1-<authority>-<sub-authority>..."),
        ("O:S-1-5-" + "-".join(["1"] * 16), "at 2: SID has 16 sub-authorities; at most 15 are allowed"),
        ("O:S-1-5-4294967296", "at 8: SID sub-authority '4294967296' is out of range (at most 4294967295)"),
        ("O:S-1-5-32-0544", "at 11: SID sub-authority '0544' has a leading zero"),
        ("O:S-1-05-18", "at 6: SID authority '05' has a leading zero"),
        ("O:S-1-4294967296-1", "at 6: SID authority '4294967296' is out of range (at most 4294967295)"),
        ("O:S-1-0x5-18", "at 6: hexadecimal SID authority '0x5' must have 12 digits after 0x"),
        ("O:S-1-5-18-", "at 10: unexpected '-'; expected the next component or the end after the SID"),
        # Flags, rights, GUIDs.
        ("D:(A;XX;GA;;;BA)", "at 5: unknown ACE flag 'XX'"),
        ("D:(A;CIC;GA;;;BA)", "at 7: unknown ACE flag 'C'"),
        ("D:(A;CICI;GA;;;BA)", "at 7: duplicate ACE flag 'CI'"),
        ("D:(A;;GAQ;;;BA)", "at 8: unknown access right 'Q'"),
        ("D:(A;;0x100000000;;;BA)", "at 6: access mask '0x100000000' is not a 32-bit hex, octal or decimal number"),
        ("D:(A;;4294967296;;;BA)", "at 6: access mask '4294967296' is not a 32-bit hex, octal or decimal number"),
        ("D:(A;;08;;;BA)", "at 6: access mask '08' is not a 32-bit hex, octal or decimal number"),
        ("D:(A;;ga;;;BA)", "at 6: unknown access right 'ga'"),
        (
            "D:(OA;;CR;ab721a53-1e2f-11d0-9819;;WD)",
            "at 10: malformed GUID 'ab721a53-1e2f-11d0-9819': expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
        ),
        (
            "D:(A;;CR;ab721a53-1e2f-11d0-9819-00aa0040529b;;WD)",
            "at 9: object GUIDs are only allowed in object ACEs (OA, OD, OU, OL, ZA), not 'A'",
        ),
        # ACL flags and components.
        ("D:PX(A;;GA;;;BA)", "at 3: unexpected 'X'; expected an ACL flag (P, AI, AR, NO_ACCESS_CONTROL), '('"),
        ("D:PP", "at 3: duplicate ACL flag 'P'"),
        ("D:NO_ACCESS_CONTROL(A;;GA;;;BA)", "at 19: a NULL ACL (NO_ACCESS_CONTROL) cannot hold ACEs"),
        ("D:S:O:BA", "at 4: O: must come before S:"),
        ("O:BAO:SY", "at 4: duplicate O: component"),
        ("X:BA", "at 0: unexpected 'X'; expected O:, G:, D: or S:"),
        ("O:BAX", "at 4: unexpected 'X'; expected the next component or the end after the SID"),
        ("D:(A;;GA;;;BA)X", "at 14: unexpected 'X'; expected '(' or the next component"),
        # Whitespace and control characters.
        (" O:BA", "at 0: whitespace is not allowed outside a conditional expression"),
        ("O:BA ", "at 4: whitespace is not allowed outside a conditional expression"),
        ("D:(A; ;GA;;;BA)", "at 5: whitespace is not allowed outside a conditional expression"),
        (
            'S:(RA;CI;;;;S-1-1-0; ("Project",TS,0,"Windows","SQL"))',
            "at 20: expected '(' to open the conditional expression or resource attribute",
        ),
        ("O:BA\r\nG:SY", "at 4: line breaks (CR/LF) are not allowed in SDDL"),
        ("O:BA\nG:SY", "at 4: line breaks (CR/LF) are not allowed in SDDL"),
        ("O:BA\0G:SY", "at 4: NUL characters are not allowed in SDDL"),
        ("D:(A;;GA;;;BA)\t", "at 14: control character U+0009 is not allowed in SDDL"),
        ("D:(A;;GA;;;B\x1b[0mA)", "at 12: control character U+001B is not allowed in SDDL"),
        ("D:(A;;GA;;;BA)\u200b", "at 14: control character U+200B is not allowed in SDDL"),
        ("D:(A;;GA;;;BA)\u2028", "at 14: control character U+2028 is not allowed in SDDL"),
        ('D:(XA;;GA;;;BA;(a=="\x7f"))', "at 20: control character U+007F is not allowed in SDDL"),
    ],
)
def test_errors_name_the_position_and_what_was_expected(text: str, message: str) -> None:
    _rejects(text, message)


def test_length_limit_and_non_strings() -> None:
    ace = "(A;;GA;;;BA)"
    fits = "D:" + ace * ((sddl.MAX_LENGTH - 2) // len(ace))
    assert len(fits) <= sddl.MAX_LENGTH and str(_sd(fits)) == fits
    too_long = fits + ace
    _rejects(too_long, f"at {sddl.MAX_LENGTH}: SDDL is longer than {sddl.MAX_LENGTH} characters")
    _fails(lambda: sddl.parse(b"O:BA"), "at 0: SDDL must be a string, not bytes")  # type: ignore[arg-type]
    assert not sddl.is_valid("O:BA ")
    assert isinstance(SddlError(0, "x"), ValueError)


# --- Hostile input -------------------------------------------------------------------------------------------------

HOSTILE = ["&", "|", "<", ">", "^", "%", "!", "'", '"', "`", "$", ";", "\\", "*", "?", "[", "]", "~", "=", "é"]


@pytest.mark.parametrize("char", HOSTILE)
@pytest.mark.parametrize(
    "template",
    [
        "O:B{}A",
        "O:BA{}",
        "{}O:BA",
        "O:BAG:SY{}D:(A;;GA;;;BA)",
        "D:P{}(A;;GA;;;BA)",
        "D:({}A;;GA;;;BA)",
        "D:(A;{};GA;;;BA)",
        "D:(A;;G{}A;;;BA)",
        "D:(A;;GA;{};;BA)",
        "D:(A;;GA;;;BA{})",
        "D:(A;;GA;;;S-1-5-32-5{}44)",
        "D:(A;;GA;;;BA){}",
    ],
)
def test_hostile_characters_outside_expressions_are_rejected(template: str, char: str) -> None:
    text = template.format(char)
    with pytest.raises(SddlError) as error:
        sddl.parse(text)
    # Reported at the hostile character or at the start of the token it breaks, never after it; a ';' shifts the
    # fields after it instead, so the error is where the shifted field no longer fits.
    assert error.value.position <= template.index("{}") or char == ";"


@pytest.mark.parametrize("char", ["%", "^", "$", ";", "'", "`", "\\", "*", "?", "[", "~", "é"])
def test_characters_outside_the_expression_grammar_are_rejected_in_expressions(char: str) -> None:
    text = f"D:(XA;;GX;;;WD;(Name=={char}x))"
    _rejects(text, f"at 22: {char!r} is not allowed in a conditional expression outside a quoted string")


@pytest.mark.parametrize(
    "text",
    [
        # Operators of the conditional grammar are kept exactly, and so is everything inside quoted strings.
        "D:(XA;;GX;;;WD;(!(exists Dept) || (Level >= 3 && Level < 10)))",
        "D:(XD;;GA;;;WD;(@User.Project Any_of @Resource.Project))",
        "D:(XA;;GX;;;WD;(Member_of {SID(BA), SID(S-1-5-32-580)}))",
        'D:(XA;;GX;;;WD;(Name == "a;b)c(d%e^f&g|h<i>j!k\'l`m$n"))',
        'D:(XA;;GX;;;WD;(Name == "Ünïcödé ☃"))',
        'D:(ZA;;CR;ab721a53-1e2f-11d0-9819-00aa0040529b;;WD;(Title=="VP"))',
        "S:(XU;SA;FA;;;WD;(x != -5))",
    ],
)
def test_conditional_expressions_are_kept_verbatim(text: str) -> None:
    assert str(_sd(text)) == text


def test_quotes_must_be_closed_and_nul_is_refused_inside_quotes() -> None:
    _rejects('D:(XA;;GX;;;WD;(Name == "abc))', "at 24: unterminated quoted string in conditional expression")
    _rejects('D:(XA;;GX;;;WD;(Name == "a\0b"))', "at 26: NUL characters are not allowed in SDDL")
    _rejects('D:(A;;GX;;;"WD")', "at 11: unknown SID alias '\"WD\"'")


# --- grant and revoke ----------------------------------------------------------------------------------------------


def test_grant_is_idempotent_for_an_equivalent_allow_ace() -> None:
    sd = _sd(sddl.DEFAULT_POWERSHELL_SDDL)
    assert sddl.grant(sd, "RM") is sd
    assert sddl.grant(sd, RM) is sd  # the S-1- form of an alias ACE
    assert sddl.grant(sd, "BA", "GX") is sd  # GA covers GX
    assert sddl.grant(sd, "BA", "0x10000000") is sd


def test_grant_appends_after_explicit_allows_and_once_only() -> None:
    sd = _sd(sddl.DEFAULT_POWERSHELL_SDDL)
    once = sddl.grant(sd, DOMAIN_USER, "GXGR")
    expected = (
        f"O:NSG:BAD:P(A;;GA;;;BA)(A;;GA;;;IU)(A;;GA;;;RM)(A;;GXGR;;;{DOMAIN_USER})S:P(AU;FA;GA;;;WD)(AU;SA;GXGW;;;WD)"
    )
    assert str(once) == expected
    assert sddl.grant(once, DOMAIN_USER, "GXGR") is once
    assert sddl.grant(once, DOMAIN_USER, "GR") is once
    assert str(sddl.grant(once, DOMAIN_USER, "GA")) == expected.replace(
        f"(A;;GXGR;;;{DOMAIN_USER})", f"(A;;GXGR;;;{DOMAIN_USER})(A;;GA;;;{DOMAIN_USER})"
    )
    assert sd == _sd(sddl.DEFAULT_POWERSHELL_SDDL)  # frozen: the input is untouched


def test_grant_keeps_canonical_order() -> None:
    sd = _sd("D:AI(D;;GA;;;BG)(A;;GA;;;BA)(A;ID;GR;;;BU)(A;OICIID;GA;;;SY)")
    assert str(sddl.grant(sd, "RM")) == "D:AI(D;;GA;;;BG)(A;;GA;;;BA)(A;;GA;;;RM)(A;ID;GR;;;BU)(A;OICIID;GA;;;SY)"
    assert str(sddl.grant(sd, "NU", ace_type="D")) == (
        "D:AI(D;;GA;;;BG)(D;;GA;;;NU)(A;;GA;;;BA)(A;ID;GR;;;BU)(A;OICIID;GA;;;SY)"
    )
    # An inherited or inherit-only ACE is not an explicit grant: the explicit one is still added.
    assert str(sddl.grant(sd, "BU", "GR")) == (
        "D:AI(D;;GA;;;BG)(A;;GA;;;BA)(A;;GR;;;BU)(A;ID;GR;;;BU)(A;OICIID;GA;;;SY)"
    )
    assert str(sddl.grant(_sd("D:(A;OICIIO;GA;;;CO)"), "CO")) == "D:(A;OICIIO;GA;;;CO)(A;;GA;;;CO)"
    assert str(sddl.grant(_sd("O:BA"), "BA")) == "O:BAD:(A;;GA;;;BA)"
    assert str(sddl.grant(_sd("D:"), "RM", "GX")) == "D:(A;;GX;;;RM)"


def test_grant_refuses_what_it_cannot_do_safely() -> None:
    with pytest.raises(ValueError, match="NULL"):
        sddl.grant(_sd("D:NO_ACCESS_CONTROL"), "BA")
    with pytest.raises(ValueError, match="plain allow"):
        sddl.grant(_sd("D:"), "BA", ace_type="XA")
    with pytest.raises(ValueError, match="empty mask"):
        sddl.grant(_sd("D:"), "BA", "0x0")
    with pytest.raises(SddlError, match="unknown SID alias 'B A'"):
        sddl.grant(_sd("D:"), "B A")
    with pytest.raises(SddlError, match="unknown access right"):
        sddl.grant(_sd("D:"), "BA", "GA;;;WD)(A;;GA")


def test_revoke_removes_explicit_aces_in_both_forms_and_is_idempotent() -> None:
    sd = _sd(f"O:NSG:BAD:P(D;;GW;;;{RM})(A;;GA;;;BA)(A;;GA;;;RM)(A;ID;GR;;;RM){SACL}")
    once = sddl.revoke(sd, "RM")
    assert str(once) == f"O:NSG:BAD:P(A;;GA;;;BA)(A;ID;GR;;;RM){SACL}"
    assert sddl.revoke(once, RM) is once
    assert str(sddl.revoke(sd, RM)) == str(once)
    assert sddl.revoke(sd, "WD") is sd  # SACL ACEs are auditing, not access
    assert sddl.revoke(_sd("O:BA"), "BA") == _sd("O:BA")
    assert str(sddl.revoke(_sd("D:(A;;GA;;;DA)"), f"{DOMAIN}-512", DOMAIN)) == "D:"
    assert str(sddl.revoke(_sd("D:(A;;GA;;;DA)"), f"{DOMAIN}-512")) == "D:(A;;GA;;;DA)"


# --- The access check ----------------------------------------------------------------------------------------------

ADMIN = {BA, *sddl.NETWORK_LOGON_SIDS}
REMOTE_USER = {DOMAIN_USER, DOMAIN_USERS, RM, *sddl.NETWORK_LOGON_SIDS}
PLAIN_USER = {DOMAIN_USER, DOMAIN_USERS, *sddl.NETWORK_LOGON_SIDS}


def test_default_powershell_sddl_allows_administrators_remote_management_users_and_interactive() -> None:
    sd = _sd(sddl.DEFAULT_POWERSHELL_SDDL)
    assert sddl.allows(sd, ADMIN, sddl.GENERIC_ALL)
    assert sddl.allows(sd, {"BA"}, sddl.GENERIC_EXECUTE)
    assert sddl.allows(sd, REMOTE_USER, sddl.GENERIC_EXECUTE | sddl.GENERIC_READ)
    assert sddl.allows(sd, {IU}, sddl.GENERIC_ALL)
    assert not sddl.allows(sd, PLAIN_USER, sddl.GENERIC_EXECUTE)
    granted = sddl.grant(sd, DOMAIN_USER, "GXGR")
    assert sddl.allows(granted, PLAIN_USER, sddl.GENERIC_EXECUTE | sddl.GENERIC_READ)
    assert not sddl.allows(granted, PLAIN_USER, sddl.GENERIC_WRITE)
    assert not sddl.allows(granted, PLAIN_USER, sddl.GENERIC_ALL)
    # Without RM (Windows Server 2008 R2 RootSDDL) a Remote Management Users member is not let in.
    assert not sddl.allows(_sd(sddl.DEFAULT_ROOT_SDDL), REMOTE_USER, sddl.GENERIC_EXECUTE)


def test_deny_is_first_match_in_order() -> None:
    local_only = _sd("O:NSG:BAD:P(D;;GA;;;NU)(A;;GA;;;BA)(A;;GA;;;RM)(A;;GA;;;IU)" + SACL)
    assert not sddl.allows(local_only, ADMIN, sddl.GENERIC_EXECUTE)  # a network logon carries NU
    assert sddl.allows(local_only, {BA, IU}, sddl.GENERIC_EXECUTE)
    allow_first = _sd("D:(A;;GA;;;BA)(D;;GA;;;NU)")
    assert sddl.allows(allow_first, ADMIN, sddl.GENERIC_ALL)  # granted before the deny is reached
    partial = _sd("D:(A;;GR;;;BA)(D;;GX;;;NU)(A;;GX;;;BA)")
    assert not sddl.allows(partial, ADMIN, sddl.GENERIC_READ | sddl.GENERIC_EXECUTE)
    assert sddl.allows(partial, ADMIN, sddl.GENERIC_READ)
    assert sddl.allows(_sd("D:(A;;GR;;;BA)(A;;GX;;;NU)"), ADMIN, sddl.GENERIC_READ | sddl.GENERIC_EXECUTE)
    assert not sddl.allows(_sd("D:(D;;GR;;;WD)(A;;GA;;;BA)"), ADMIN, sddl.GENERIC_ALL)  # GA includes GR


def test_null_empty_and_absent_dacls() -> None:
    assert sddl.allows(_sd("D:NO_ACCESS_CONTROL"), PLAIN_USER, sddl.GENERIC_ALL)
    assert sddl.allows(_sd("O:BAG:BA"), PLAIN_USER, sddl.GENERIC_ALL)
    assert not sddl.allows(_sd("D:"), ADMIN, sddl.GENERIC_READ)
    assert not sddl.allows(_sd("D:P"), {"S-1-5-18"}, sddl.GENERIC_READ)
    with pytest.raises(ValueError, match="non-zero"):
        sddl.allows(_sd("D:"), ADMIN, 0)


def test_what_the_controller_cannot_evaluate_counts_as_not_allowed() -> None:
    assert not sddl.allows(_sd("D:(A;IO;GA;;;BA)"), ADMIN, sddl.GENERIC_READ)
    assert not sddl.allows(_sd('D:(XA;;GA;;;BA;(Title=="VP"))'), ADMIN, sddl.GENERIC_READ)
    assert not sddl.allows(_sd('D:(XD;;GA;;;BA;(Title=="VP"))(A;;GA;;;BA)'), ADMIN, sddl.GENERIC_READ)
    guid = "bf967aba-0de6-11d0-a285-00aa003049e2"
    assert not sddl.allows(_sd(f"D:(OA;;GA;{guid};;BA)"), ADMIN, sddl.GENERIC_READ)
    assert sddl.allows(_sd(f"D:(OA;;GA;;{guid};BA)"), ADMIN, sddl.GENERIC_READ)
    assert not sddl.allows(_sd(f"D:(OD;;GA;{guid};;BA)(A;;GA;;;BA)"), ADMIN, sddl.GENERIC_READ)
    assert sddl.allows(_sd("D:(A;;GA;;;DA)"), {f"{DOMAIN}-512"}, sddl.GENERIC_READ, DOMAIN)
    assert not sddl.allows(_sd("D:(A;;GA;;;DA)"), {f"{DOMAIN}-512"}, sddl.GENERIC_READ)


def test_removes_access_catches_a_lockout() -> None:
    before = _sd(sddl.DEFAULT_POWERSHELL_SDDL)
    assert sddl.removes_access(before, sddl.revoke(before, BA), ADMIN, sddl.GENERIC_EXECUTE)
    assert not sddl.removes_access(before, sddl.revoke(before, "IU"), ADMIN, sddl.GENERIC_EXECUTE)
    assert sddl.removes_access(before, sddl.grant(before, "NU", ace_type="D"), REMOTE_USER, sddl.GENERIC_EXECUTE)
    assert not sddl.removes_access(before, sddl.grant(before, DOMAIN_USER), REMOTE_USER, sddl.GENERIC_EXECUTE)


# --- Generated strings ---------------------------------------------------------------------------------------------

EXPRESSIONS = [
    '(Title=="VP")',
    "(@User.Project Any_of @Resource.Project)",
    "(Member_of {SID(BA), SID(S-1-5-32-580)})",
    "(!(exists Dept) || (Level >= 3 && Level < 10))",
    '(Name == "a;b)c(d")',
    "(OctetStringType==#01020300)",
]


def _random_sid(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return rng.choice(sorted(sddl.ALIASES))
    authority = rng.choice(["0", "1", "5", "16", "0x00000000000A", "0xFFFFFFFFFFFF", "4294967295"])
    subs = [rng.choice([0, 1, 32, 544, 4294967295, rng.randrange(2**32)]) for _unused in range(rng.randint(1, 15))]
    return f"S-1-{authority}" + "".join(f"-{sub}" for sub in subs)


def _random_rights(rng: random.Random, tokens: list[str]) -> str:
    choice = rng.random()
    if choice < 0.2:
        return rng.choice(["0x{:x}", "0x{:08X}", "0X{:X}", "{:d}", "0{:o}"]).format(rng.randrange(1, 2**32))
    return "".join(rng.sample(tokens, rng.randint(1, min(4, len(tokens)))))


def _random_ace(rng: random.Random, letter: str) -> str:
    kind = rng.choice(sorted(sddl.DACL_TYPES if letter == "D" else sddl.SACL_TYPES))
    flags = "".join(rng.sample(sorted(sddl.ACE_FLAGS), rng.randint(0, 3)))
    if kind == "RA":
        return f'(RA;{flags};;;;{rng.choice(["WD", "S-1-1-0"])};("Secrecy",TU,0,{rng.randrange(9)}))'
    tokens = ["NR", "NW", "NX"] if kind == "ML" else sorted(sddl.RIGHTS)
    guids = ["", ""]
    if kind in sddl.OBJECT_TYPES:
        guids = [rng.choice(["", str(uuid.UUID(int=rng.getrandbits(128)))]) for _unused in range(2)]
    fields = [kind, flags, _random_rights(rng, tokens), *guids, _random_sid(rng)]
    if kind in sddl.CONDITIONAL_TYPES and rng.random() < 0.7:
        fields.append(rng.choice(EXPRESSIONS))
    return "(" + ";".join(fields) + ")"


def _random_sddl(rng: random.Random) -> str:
    parts: list[str] = []
    for letter in "OGDS":
        if rng.random() < 0.6 or (letter == "S" and not parts):
            if letter in "OG":
                parts.append(f"{letter}:{_random_sid(rng)}")
            else:
                flags = "".join(rng.sample(["P", "AI", "AR"], rng.randint(0, 3)))
                if rng.random() < 0.1:
                    parts.append(f"{letter}:{flags}NO_ACCESS_CONTROL")
                    continue
                aces = "".join(_random_ace(rng, letter) for _unused in range(rng.randint(0, 6)))
                parts.append(f"{letter}:{flags}{aces}")
    return "".join(parts)


def test_generated_valid_strings_round_trip() -> None:
    rng = random.Random(20261203)
    for _unused in range(600):
        text = _random_sddl(rng)
        sd = _sd(text)
        assert str(sd) == text
        for acl in (sd.dacl, sd.sacl):
            for ace in acl.aces if acl else ():
                assert 0 <= ace.mask <= 0xFFFFFFFF


def test_mutated_strings_fail_cleanly_or_round_trip() -> None:
    rng = random.Random(1203)
    noise = [*HOSTILE, " ", "\n", "\0", "(", ")", ":", "-", "0", "S-", "O:", "D:", "\u202e"]
    for _unused in range(600):
        text = _random_sddl(rng)
        at = rng.randrange(len(text) + 1)
        for mutated in (text[:at] + rng.choice(noise) + text[at:], text[:at], text[:at] + text[at + 1 :]):
            try:
                sd = sddl.parse(mutated)
            except SddlError as error:
                assert 0 <= error.position <= len(mutated)
                assert str(error).startswith(f"at {error.position}: ")
            else:
                assert str(sd) == mutated
