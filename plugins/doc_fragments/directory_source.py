# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The ``directory`` and ``ldap_*`` options of the server_pool inventory: its Active Directory source."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  directory:
    description:
      - Add the computer objects of Active Directory to the pool, as the Active Directory tab of Server Manager's
        Add Servers dialog finds them (a location, a name and an operating system filter).
      - Each computer is named by its C(dNSHostName), or by its C(cn) with a warning when it has none. It gets the
        host vars C(winremote_ad_distinguished_name), C(winremote_ad_operating_system),
        C(winremote_ad_operating_system_version) and C(winremote_ad_dns_host_name), and is probed like every other
        host of the pool.
      - Disabled computer accounts are left out unless O(ldap_include_disabled=true).
      - A search that finds no computer is a warning, not an error.
      - Needs the C(ldap3) Python library on the controller (the collection's C(requirements.txt)); V(kerberos)
        binds also need C(pyspnego) with Kerberos support (C(gssapi), C(krb5)).
    type: bool
    default: false
  ldap_server:
    description:
      - The domain controllers to search, tried in order until one answers; each a host name, an address or an
        URL (V(ldap://dc01.example.com), V(ldaps://dc01.example.com:636)).
      - A name or address gets the scheme of O(ldap_tls_mode) and O(ldap_port). Domain controllers are not
        looked up in DNS; name at least one.
      - Kerberos and certificate validation need the server's DNS name; when it is given by address, set
        O(ldap_hostname_override).
    type: list
    elements: str
    env:
      - name: WINREMOTE_LDAP_SERVER
  ldap_port:
    description: The port of the servers named without one; V(389) by default, V(636) for V(ldaps).
    type: int
  ldap_tls_mode:
    description:
      - V(none) (default) is plain LDAP, where V(ntlm) and V(kerberos) binds seal every message.
      - V(ldaps) is TLS from the first byte (usually port 636); V(start_tls) upgrades a plain LDAP connection with
        the StartTLS extended operation (RFC 4511 section 4.14).
      - A V(simple) bind needs V(ldaps) or V(start_tls); over plain LDAP it would send the password in clear
        text, so it is refused before connecting (domain controllers that require LDAP signing, the default of
        Samba and recommended for Windows, refuse it too).
    type: str
    choices: [none, ldaps, start_tls]
    default: none
  ldap_auth:
    description:
      - How to bind. V(kerberos) (default) uses the ticket cache (C(kinit), E(KRB5CCNAME)) or, with
        O(ldap_username) and O(ldap_password), gets a ticket with them; the realm's KDC must be in krb5.conf
        (E(KRB5_CONFIG)).
      - V(ntlm) needs O(ldap_username) and O(ldap_password).
      - V(kerberos) and V(ntlm) are SASL GSS-SPNEGO binds; over plain LDAP they sign and seal the session. Inside
        TLS they ask for no protection layer, as AD wants; Samba's default configuration refuses them there, use
        V(simple) over TLS or V(ntlm)/V(kerberos) over plain LDAP with Samba.
      - V(simple) sends O(ldap_username) (a UPN C(user@example.com), C(EXAMPLE\\user) or a distinguished name) and
        the password, over V(ldaps) or V(start_tls) only.
    type: str
    choices: [simple, ntlm, kerberos]
    default: kerberos
  ldap_username:
    description:
      - The account that searches the directory; any domain user can read computer objects.
      - Separate from O(username), which is for the hosts themselves.
    type: str
    env:
      - name: WINREMOTE_LDAP_USERNAME
  ldap_password:
    description:
      - The password of O(ldap_username); may be a template. It is never shown, stored in a host var or cached.
      - Prefer the E(WINREMOTE_LDAP_PASSWORD) environment variable or a vaulted variable over a literal.
    type: str
    env:
      - name: WINREMOTE_LDAP_PASSWORD
  ldap_hostname_override:
    description:
      - The DNS name of the domain controller when O(ldap_server) names it by address; used for its Kerberos
        service principal (C(ldap/<name>)) and to check its certificate.
    type: str
  ldap_validate_certs:
    description:
      - Validate the domain controller's certificate for V(ldaps) and V(start_tls), that it is issued by a trusted
        CA and for the server's name.
      - Turn it off for test domains only.
    type: bool
    default: true
  ldap_ca_cert:
    description: A PEM file of the certificate authorities to trust for V(ldaps) and V(start_tls), instead of the
      system's.
    type: path
  ldap_search_base:
    description:
      - The location to search, the distinguished name of the domain or an organizational unit
        (V(OU=Servers,DC=example,DC=com)).
      - Defaults to the domain of the server (C(defaultNamingContext) of its RootDSE).
    type: str
  ldap_search_scope:
    description: V(subtree) (default) searches the location and everything below it, V(one_level) only its direct
      children, V(base) only the object itself.
    type: str
    choices: [base, one_level, subtree]
    default: subtree
  ldap_name_filter:
    description:
      - Computers whose name (C(cn)) or DNS name (C(dNSHostName)) matches, with C(*) as the wildcard (V(web*),
        V(*sql*)); without a C(*) the name must match exactly.
      - Every other character matches itself, parentheses and backslashes included.
    type: str
  ldap_os_filter:
    description: Computers whose C(operatingSystem) matches, with C(*) as the wildcard (V(*Server 2019*),
      V(Windows Server*)).
    type: str
  ldap_filter:
    description:
      - An additional LDAP filter (RFC 4515) that computers must match as well, given as is, for example
        C(description=web tier) (parentheses are added when it has none).
    type: str
  ldap_include_disabled:
    description: Also add computers whose account is disabled (C(userAccountControl) flag C(ACCOUNTDISABLE)).
    type: bool
    default: false
  ldap_page_size:
    description: Computers per page of the paged search (RFC 2696); AD returns at most 1000 per page by default.
    type: int
    default: 500
  ldap_size_limit:
    description: The most computers the directory may add; more is an error that asks to narrow the search.
    type: int
    default: 50000
  ldap_timeout:
    description: Seconds for the connection and for each reply of the directory.
    type: int
    default: 10
"""
