# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The Active Directory source of the server pool: computer objects found the way Server Manager's "Add Servers"
dialog finds them on its Active Directory tab (a location, a name, an operating system;
https://learn.microsoft.com/windows-server/administration/server-manager/add-servers-to-server-manager).

One LDAP search (ldap3, https://ldap3.readthedocs.io/) with the paged results control (RFC 2696), so a directory of
any size is read in pages of ``page_size``; every connection and every response waits at most ``timeout``
seconds. Each computer becomes an :class:`~.sources.Entry` named by its ``dNSHostName`` with its distinguished name
and operating system as details. Simple binds go over LDAPS or StartTLS; NTLM and Kerberos binds (``ldap_sasl``)
seal the session over plain LDAP.
"""

from __future__ import annotations

import dataclasses
import math
import re
import ssl
import typing as t

from ansible_collections.winremote.remoting.plugins.plugin_utils.inventory import ldap_sasl
from ansible_collections.winremote.remoting.plugins.plugin_utils.inventory.sources import Entry, SourceError

try:
    import ldap3
    import ldap3.core.exceptions as ldap_errors
    import ldap3.utils.uri
except ImportError as exc:
    LDAP3_IMPORT_ERROR: ImportError | None = exc
else:
    LDAP3_IMPORT_ERROR = None

BINDS = ("simple", "ntlm", "kerberos")
SCOPES = ("base", "one_level", "subtree")
TLS_MODES = ("none", "ldaps", "start_tls")
ATTRIBUTES = ("cn", "dNSHostName", "operatingSystem", "operatingSystemVersion")
# userAccountControl's ACCOUNTDISABLE bit, tested with LDAP_MATCHING_RULE_BIT_AND
# (https://learn.microsoft.com/windows/win32/adsi/search-filter-syntax,
# https://learn.microsoft.com/troubleshoot/windows-server/active-directory/useraccountcontrol-manipulate-account-properties).
NOT_DISABLED = "(!(userAccountControl:1.2.840.113556.1.4.803:=2))"
PAGED_RESULTS = "1.2.840.113556.1.4.319"  # RFC 2696
# LDAP result codes (RFC 4511 appendix A.1)
STRONGER_AUTH_REQUIRED = 8
CONFIDENTIALITY_REQUIRED = 13
NO_SUCH_OBJECT = 32
INVALID_DN_SYNTAX = 34
INVALID_CREDENTIALS = 49
STRONG_AUTH_HINT = (
    "the directory requires a protected bind: set ldap_tls_mode to ldaps or start_tls, or ldap_auth to ntlm or "
    "kerberos (which seal the session)"
)


class DirectoryError(SourceError):
    """The directory cannot be read: names the option to fix and says what to do; never holds the password."""

    kind = "directory"


@dataclasses.dataclass(frozen=True)
class DirectorySettings:
    """Where and how to search; ``repr`` hides the password. ``servers`` are LDAP URLs (``ldap://dc1``,
    ``ldaps://dc1:636``), tried in order until one answers."""

    servers: tuple[str, ...]
    start_tls: bool = False
    validate_certs: bool = True
    ca_path: str | None = None
    bind: str = "kerberos"
    username: str | None = None
    password: str | None = dataclasses.field(default=None, repr=False)
    hostname_override: str | None = None
    search_base: str | None = None
    search_scope: str = "subtree"
    name_filter: str | None = None
    os_filter: str | None = None
    ldap_filter: str | None = None
    include_disabled: bool = False
    page_size: int = 500
    timeout: float = 10.0
    size_limit: int = 50000

    def __post_init__(self) -> None:
        check(self)


def check(settings: DirectorySettings) -> None:
    """Refuse settings that cannot work, before any connection."""
    if not settings.servers:
        raise DirectoryError("ldap_server", "name at least one domain controller (a host name or an ldap(s):// URL)")
    for url in settings.servers:
        if not url.lower().startswith(("ldap://", "ldaps://")):
            raise DirectoryError("ldap_server", f"{url!r} is not an ldap:// or ldaps:// URL")
    if settings.bind not in BINDS:
        raise DirectoryError("ldap_auth", f"{settings.bind!r} is not one of {', '.join(BINDS)}")
    if settings.search_scope not in SCOPES:
        raise DirectoryError("ldap_search_scope", f"{settings.search_scope!r} is not one of {', '.join(SCOPES)}")
    if settings.bind == "simple" and not (settings.username and settings.password):
        raise DirectoryError("ldap_username", "a simple bind needs ldap_username and ldap_password")
    if settings.bind == "ntlm" and not (settings.username and settings.password):
        raise DirectoryError("ldap_username", "an NTLM bind needs ldap_username and ldap_password")
    if settings.bind == "kerberos" and settings.password and not settings.username:
        raise DirectoryError("ldap_username", "ldap_password is set without ldap_username")
    plain = [url for url in settings.servers if url.lower().startswith("ldap://")]
    if settings.bind == "simple" and plain and not settings.start_tls:
        raise DirectoryError(
            "ldap_tls_mode",
            f"a simple bind to {plain[0]} would send the password in clear text, so it is not attempted; "
            + STRONG_AUTH_HINT.removeprefix("the directory requires a protected bind: "),
        )
    if settings.start_tls and any(url.lower().startswith("ldaps://") for url in settings.servers):
        raise DirectoryError("ldap_tls_mode", "start_tls cannot be used with an ldaps:// server")
    for option, value, low in (
        ("ldap_page_size", settings.page_size, 1),
        ("ldap_size_limit", settings.size_limit, 1),
    ):
        if value < low:
            raise DirectoryError(option, f"must be at least {low}, not {value}")
    if settings.timeout <= 0:
        raise DirectoryError("ldap_timeout", f"must be more than 0 seconds, not {settings.timeout}")


def server_urls(servers: t.Iterable[str], tls_mode: str = "none", port: int | None = None) -> tuple[str, ...]:
    """Host names, addresses or URLs as URLs: a bare name gets ``ldaps://`` for ``tls_mode=ldaps`` (else
    ``ldap://``) and ``port`` when one is given; a URL is kept as it is."""
    if tls_mode not in TLS_MODES:
        raise DirectoryError("ldap_tls_mode", f"{tls_mode!r} is not one of {', '.join(TLS_MODES)}")
    urls = []
    for server in servers:
        server = str(server).strip()
        if not server:
            continue
        if "://" in server:
            urls.append(server)
            continue
        host = f"[{server}]" if ":" in server else server
        scheme = "ldaps" if tls_mode == "ldaps" else "ldap"
        urls.append(f"{scheme}://{host}" + (f":{port}" if port else ""))
    return tuple(urls)


def from_options(option: t.Callable[[str], t.Any], password: str | None) -> DirectorySettings:
    """The settings from the inventory's ``ldap_*`` options (``option`` is the plugin's ``get_option``);
    ``password`` is the templated ``ldap_password``."""

    def text(name: str) -> str | None:
        value = option(name)
        return None if value is None or str(value).strip() == "" else str(value).strip()

    servers = option("ldap_server") or []
    if isinstance(servers, str):
        servers = [servers]
    tls_mode = text("ldap_tls_mode") or "none"
    port = option("ldap_port")
    return DirectorySettings(
        servers=server_urls(servers, tls_mode, int(port) if port else None),
        start_tls=tls_mode == "start_tls",
        validate_certs=bool(option("ldap_validate_certs")),
        ca_path=text("ldap_ca_cert"),
        bind=text("ldap_auth") or "kerberos",
        username=text("ldap_username"),
        password=password or None,
        hostname_override=text("ldap_hostname_override"),
        search_base=text("ldap_search_base"),
        search_scope=text("ldap_search_scope") or "subtree",
        name_filter=text("ldap_name_filter"),
        os_filter=text("ldap_os_filter"),
        ldap_filter=text("ldap_filter"),
        include_disabled=bool(option("ldap_include_disabled")),
        page_size=int(option("ldap_page_size")),
        timeout=float(option("ldap_timeout")),
        size_limit=int(option("ldap_size_limit")),
    )


# --- filters (RFC 4515) ---------------------------------------------------------------------------------------


def escape(value: str) -> str:
    """An assertion value with RFC 4515's specials (``* ( ) \\`` and NUL) and every other control character
    escaped as ``\\XX`` (UTF-8 bytes), so no input can change the filter's structure."""
    out = []
    for char in value:
        if char in "*()\\" or ord(char) < 0x20 or ord(char) == 0x7F:
            out.append("".join(f"\\{byte:02x}" for byte in char.encode("utf-8")))
        else:
            out.append(char)
    return "".join(out)


def wildcard(pattern: str) -> str:
    """Server Manager's wildcard (``web*``, ``*sql*``): ``*`` matches anything, every other character itself."""
    return "*".join(escape(part) for part in pattern.split("*"))


def computer_filter(settings: DirectorySettings) -> str:
    """The search filter: computers, enabled ones only unless ``include_disabled``, whose cn or dNSHostName
    matches the name filter and whose operatingSystem matches the OS filter, and the raw ``ldap_filter``."""
    parts = ["(objectCategory=computer)"]
    if not settings.include_disabled:
        parts.append(NOT_DISABLED)
    name = (settings.name_filter or "").strip()
    if name:
        value = wildcard(name)
        parts.append(f"(|(cn={value})(dNSHostName={value}))")
    system = (settings.os_filter or "").strip()
    if system:
        parts.append(f"(operatingSystem={wildcard(system)})")
    raw = (settings.ldap_filter or "").strip()
    if raw:
        parts.append(raw if raw.startswith("(") else f"({raw})")
    return "(&" + "".join(parts) + ")"


# --- errors ---------------------------------------------------------------------------------------------------


def scrubbed(message: str, password: str | None) -> str:
    """The message without the password in it (a server or library may echo what it was given)."""
    if password:
        message = message.replace(password, "********")
    return message


def certificate_problem(text: str) -> bool:
    lowered = text.lower()
    return "certificate" in lowered or "ssl" in lowered or ("tls" in lowered and "handshake" in lowered)


def open_error(settings: DirectorySettings, url: str, exc: Exception) -> DirectoryError:
    """A connection (or TLS handshake) that failed, as the option to fix."""
    text = scrubbed(str(exc), settings.password)
    # ldap3 reports the history of its attempts as nested tuples; the OpenSSL reason is what helps
    reason = re.search(r"\[SSL: [A-Z_]+\][^'\")]*", text) or re.search(r"\[Errno [^\]]+\][^'\")]*", text)
    text = reason.group(0).strip() if reason else text
    if certificate_problem(text):
        return DirectoryError(
            "ldap_validate_certs",
            f"{url}: the server's certificate is not trusted ({text}); set ldap_ca_cert to the CA that issued it "
            "(or, on a test domain only, ldap_validate_certs=false), and name the server as its certificate does "
            "(ldap_server or ldap_hostname_override)",
        )
    return DirectoryError(
        "ldap_server",
        f"{url}: cannot connect ({text}; ldap_timeout={settings.timeout:g} s); check the name, the port and that "
        "LDAP is reachable from the controller",
    )


def bind_error(settings: DirectorySettings, url: str, code: int | None, text: str) -> DirectoryError:
    text = scrubbed(text, settings.password)
    tls = settings.start_tls or url.lower().startswith("ldaps://")
    inside_tls = ""
    if tls and settings.bind != "simple":
        # Samba's default "ldap server require strong auth = yes" refuses SASL binds inside TLS (with or without
        # a protection layer); AD accepts them without one.
        inside_tls = (
            "; a DC that refuses NTLM and Kerberos binds inside TLS (Samba by default) answers so too: use "
            "ldap_tls_mode=none, where those binds seal the session, or a simple bind over TLS"
        )
    if code in (STRONGER_AUTH_REQUIRED, CONFIDENTIALITY_REQUIRED):
        if inside_tls:
            return DirectoryError(
                "ldap_tls_mode",
                f"{url}: {text}; this DC refuses NTLM and Kerberos binds inside TLS (as Samba does by default): use "
                "ldap_tls_mode=none, where those binds seal the session, or a simple bind over TLS",
            )
        return DirectoryError("ldap_auth", f"{url}: {text}; {STRONG_AUTH_HINT}")
    if code == INVALID_CREDENTIALS:
        return DirectoryError(
            "ldap_password",
            f"{url}: the directory refused the credentials of {settings.username!r} ({settings.bind} bind: "
            f"{text}); check ldap_username (user@domain, DOMAIN\\user or, for a simple bind, a DN) and "
            f"ldap_password{inside_tls}",
        )
    if settings.bind == "kerberos":
        return DirectoryError(
            "ldap_auth",
            f"{url}: Kerberos bind failed ({text}); without ldap_password a ticket must be in the cache (kinit, "
            "KRB5CCNAME); the realm's KDC must be in krb5.conf (KRB5_CONFIG) and the server named by its DNS name "
            f"(ldap_server or ldap_hostname_override) so that ldap/<name> is its service principal{inside_tls}",
        )
    return DirectoryError("ldap_auth", f"{url}: {settings.bind} bind failed: {text}{inside_tls}")


# --- the search -----------------------------------------------------------------------------------------------


def tls_context(settings: DirectorySettings) -> ssl.SSLContext:
    """The client TLS context: the system's CAs or ``ca_path``, or no validation when ``validate_certs`` is off.
    Python 3.13's default ``VERIFY_X509_STRICT`` is dropped so every supported Python accepts the same
    certificates (AD CS and Samba CA certificates often lack the Authority Key Identifier it demands); chain and
    name are still checked."""
    context = ssl.create_default_context(cafile=settings.ca_path)
    context.verify_flags &= ~getattr(ssl, "VERIFY_X509_STRICT", 0)
    context.check_hostname = settings.validate_certs
    if not settings.validate_certs:
        context.verify_mode = ssl.CERT_NONE
    return context


def tls_for(settings: DirectorySettings, hostname: str) -> t.Any:
    """ldap3's TLS settings with this module's context: the handshake checks the certificate against the name
    the server is known by (``hostname_override`` when the server is given by address)."""
    name = settings.hostname_override or hostname

    class ContextTls(ldap3.Tls):
        def wrap_socket(self, connection: t.Any, do_handshake: bool = False) -> None:
            connection.socket = tls_context(settings).wrap_socket(
                connection.socket, server_side=False, do_handshake_on_connect=do_handshake, server_hostname=name
            )

    return ContextTls(validate=ssl.CERT_REQUIRED if settings.validate_certs else ssl.CERT_NONE)


def opened(settings: DirectorySettings, url: str) -> tuple[t.Any, str]:
    """An open connection (TLS started when asked) and the name the server is known by."""
    parsed = ldap3.utils.uri.parse_uri(url)
    hostname = parsed["host"]
    use_ssl = bool(parsed["ssl"])
    server = ldap3.Server(
        hostname,
        port=parsed["port"] or (636 if use_ssl else 389),
        use_ssl=use_ssl,
        tls=tls_for(settings, hostname) if use_ssl or settings.start_tls else None,
        get_info=ldap3.NONE,
        connect_timeout=settings.timeout,
    )
    simple = settings.bind == "simple"
    connection = ldap3.Connection(
        server,
        user=settings.username if simple else None,
        password=settings.password if simple else None,
        authentication=ldap3.SIMPLE if simple else ldap3.ANONYMOUS,
        auto_bind=ldap3.AUTO_BIND_NONE,
        receive_timeout=math.ceil(settings.timeout),  # ldap3 packs it into SO_RCVTIMEO: whole seconds
        read_only=True,
        raise_exceptions=False,
    )
    try:
        connection.open()
        if settings.start_tls and not connection.start_tls():
            raise ldap_errors.LDAPStartTLSError(f"StartTLS refused: {describe(connection.result or {})}")
    except (ldap_errors.LDAPException, OSError) as exc:
        connection.unbind()
        raise open_error(settings, url, exc) from None
    return connection, settings.hostname_override or hostname


def connect(settings: DirectorySettings, url: str) -> t.Any:
    """An open, bound connection to one server; DirectoryError when it cannot be had."""
    connection, name = opened(settings, url)
    try:
        if settings.bind == "simple":
            if not connection.bind():
                result = connection.result or {}
                raise ldap_sasl.BindFailure(describe(result), result.get("result"))
        else:
            ldap_sasl.bind(connection, settings.bind, name, settings.username or None, settings.password or None)
        return connection
    except ldap_sasl.BindFailure as failure:
        connection.unbind()
        raise bind_error(settings, url, failure.result, str(failure)) from None
    except (ldap_errors.LDAPException, OSError) as exc:
        connection.unbind()
        raise lost(settings, url, exc, "the bind") from None


def lost(settings: DirectorySettings, url: str, exc: Exception, during: str) -> DirectoryError:
    """The connection failed after it was open: no reply in time (SO_RCVTIMEO gives EAGAIN), or it broke."""
    text = scrubbed(str(exc), settings.password)
    lowered = text.lower()
    if "timed out" in lowered or "timeout" in lowered or "errno 11]" in lowered or "temporarily unavailable" in lowered:
        return DirectoryError(
            "ldap_timeout",
            f"{url}: no reply to {during} within {settings.timeout:g} s; check that the server is a responsive LDAP "
            "server (and the port its LDAP port), or raise ldap_timeout",
        )
    return DirectoryError("ldap_server", f"{url}: the connection failed during {during}: {text}")


def describe(result: dict[str, t.Any]) -> str:
    message = str(result.get("message") or "").strip().rstrip("\x00")
    return f"{result.get('description', 'error')}" + (f": {message}" if message else "")


def default_naming_context(settings: DirectorySettings, connection: t.Any, url: str) -> str:
    """The domain's own partition, from the RootDSE (RFC 4512 section 5.1, [MS-ADTS] 3.1.1.3.2.3)."""
    connection.search("", "(objectClass=*)", ldap3.BASE, attributes=["defaultNamingContext"])
    for item in connection.response or []:
        values = item.get("attributes", {}).get("defaultNamingContext")
        if values:
            return str(values[0] if isinstance(values, list) else values)
    raise DirectoryError("ldap_search_base", f"{url}: the RootDSE names no defaultNamingContext; set ldap_search_base")


def entry_for(dn: str, attributes: dict[str, t.Any], warnings: list[str]) -> Entry | None:
    """One computer as a pool entry; None for one with neither a dNSHostName nor a cn."""

    def first(name: str) -> str:
        value = attributes.get(name)
        if isinstance(value, list):
            value = value[0] if value else ""
        return "" if value is None else str(value)

    dns_name = first("dNSHostName")
    text = dns_name or first("cn")
    if not text:
        warnings.append(f"{dn}: a computer with neither dNSHostName nor cn is skipped")
        return None
    if not dns_name:
        warnings.append(f"{dn}: no dNSHostName; the pool uses its cn {text!r}, which must resolve")
    details = (
        ("ad_distinguished_name", dn),
        ("ad_operating_system", first("operatingSystem")),
        ("ad_operating_system_version", first("operatingSystemVersion")),
        ("ad_dns_host_name", dns_name),
    )
    return Entry(text, details=details)


def search(settings: DirectorySettings, connection: t.Any, url: str, warnings: list[str]) -> list[Entry]:
    base = settings.search_base or default_naming_context(settings, connection, url)
    scope = {"base": ldap3.BASE, "one_level": ldap3.LEVEL, "subtree": ldap3.SUBTREE}[settings.search_scope]
    search_filter = computer_filter(settings)
    found: list[Entry] = []
    cookie: bytes | None = None
    while True:
        try:
            connection.search(
                base,
                search_filter,
                scope,
                attributes=list(ATTRIBUTES),
                paged_size=settings.page_size,
                paged_cookie=cookie,
                time_limit=max(1, int(settings.timeout)),
            )
        except ldap_errors.LDAPInvalidFilterError as exc:
            raise DirectoryError("ldap_filter", f"{search_filter} is not a valid LDAP filter: {exc}") from None
        result = connection.result or {}
        code = result.get("result")
        if code in (NO_SUCH_OBJECT, INVALID_DN_SYNTAX):
            raise DirectoryError(
                "ldap_search_base",
                f"{url}: {base!r} is not an object of the directory ({describe(result)}); give the distinguished "
                "name of the domain or an OU, such as OU=Servers,DC=example,DC=com",
            )
        if code in (STRONGER_AUTH_REQUIRED, CONFIDENTIALITY_REQUIRED):
            raise DirectoryError("ldap_auth", f"{url}: {describe(result)}; {STRONG_AUTH_HINT}")
        if code not in (0, None):
            raise DirectoryError("ldap_server", f"{url}: the search failed: {describe(result)}")
        for item in connection.response or []:
            if item.get("type") != "searchResEntry":
                continue  # referrals to other partitions are not followed
            entry = entry_for(str(item.get("dn", "")), item.get("attributes") or {}, warnings)
            if entry is not None:
                found.append(entry)
        if len(found) > settings.size_limit:
            raise DirectoryError(
                "ldap_size_limit",
                f"{url}: more than {settings.size_limit} computers match; narrow ldap_search_base or the filters, "
                "or raise ldap_size_limit",
            )
        control = (result.get("controls") or {}).get(PAGED_RESULTS) or {}
        cookie = (control.get("value") or {}).get("cookie") or None
        if not cookie:
            return found


def entries(settings: DirectorySettings, warnings: list[str] | None = None) -> list[Entry]:
    """Every matching computer of the first server that answers, as pool entries (an empty list is no error).
    ``warnings`` collects what the caller should show (computers without a dNSHostName)."""
    if LDAP3_IMPORT_ERROR is not None:
        raise DirectoryError(
            "directory",
            f"the ldap3 Python library is not installed ({LDAP3_IMPORT_ERROR}); "
            "pip install 'ldap3>=2.9,<3' on the controller",
        )
    warnings = [] if warnings is None else warnings
    unreachable: list[DirectoryError] = []
    for url in settings.servers:
        try:
            connection = connect(settings, url)
        except DirectoryError as exc:
            if exc.option in ("ldap_server", "ldap_timeout") and url != settings.servers[-1]:
                unreachable.append(exc)
                continue  # the next domain controller
            raise
        try:
            return search(settings, connection, url, warnings)
        except (ldap_errors.LDAPException, OSError) as exc:
            raise lost(settings, url, exc, "the search") from None
        finally:
            connection.unbind()
    raise unreachable[-1]  # pragma: no cover - the last server's error is raised in the loop
