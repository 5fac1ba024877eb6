# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""From a failure on the wire to one of the exceptions of :mod:`.errors`, with a message that says what to do.

:func:`translate` maps any pypsrp / requests / ssl / socket / XML exception; :func:`parse_fault` and
:func:`from_fault` read a WS-Management fault; the builders (:func:`access_denied`, :func:`authentication_failed`,
:func:`tls_error`, :func:`unreachable`, ...) hold each message once, for the transport and the client to raise.

No message ever contains the password: messages are built from our own words plus scrubbed third-party text, and
the password is scrubbed before truncating, so a cut can never leave part of it. A codec error on a credential
(requests sends Basic credentials as Latin-1) is replaced by one sentence that quotes neither the character nor its
position.
"""

from __future__ import annotations

import contextlib
import re
import socket
import ssl
import typing as t
import xml.etree.ElementTree as ET

from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import xml as wx
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.errors import (
    NAME_LIMIT,
    AccessDeniedError,
    AuthenticationFailedError,
    BasicOverHttpRefusedError,
    ConnectionLostError,
    ConnectionTimeoutError,
    DeadlineExceededError,
    HostUnreachableError,
    InvalidSettingsError,
    KerberosAuthenticationError,
    KerberosTargetError,
    MissingDependencyError,
    ProtocolError,
    ProxyFailedError,
    RedirectRefusedError,
    ReplyTooLargeError,
    ServerError,
    TlsError,
    WinRemoteError,
    WSManFaultError,
    truncate,
)

if t.TYPE_CHECKING:
    from ansible_collections.winremote.remoting.plugins.plugin_utils.connection import ConnectionConfig

try:
    from pypsrp import exceptions as _pypsrp_exc

    HAS_PYPSRP = True
except ImportError:  # pragma: no cover - exercised only on controllers without pypsrp
    _pypsrp_exc = None  # type: ignore[assignment]
    HAS_PYPSRP = False

try:
    import requests.exceptions as _req_exc

    HAS_REQUESTS = True
except ImportError:  # pragma: no cover
    _req_exc = None  # type: ignore[assignment]
    HAS_REQUESTS = False

# What turns remote management on when WinRM does not answer yet (sm_remoting itself needs WinRM answering):
# https://learn.microsoft.com/en-us/windows-server/administration/server-manager/configure-remote-management-in-server-manager
# https://learn.microsoft.com/en-us/windows/win32/winrm/installation-and-configuration-for-windows-remote-management
ENABLE_REMOTING_HINT = (
    "if remote management is off, turn it on without WinRM: the Group Policy setting 'Allow remote server "
    "management through WinRM' (Computer Configuration > Administrative Templates > Windows Components > Windows "
    "Remote Management (WinRM) > WinRM Service) with a firewall rule for the port, the unattend answer file at "
    "installation, or the host's console (winrm quickconfig, Configure-SMRemoting.exe -enable or Enable-PSRemoting)"
)
# The variables a user sets for each ConnectionConfig field, by the connection plugin the settings came from.
OPTION_VARIABLES = {
    "psrp": {
        "ca_path": "ansible_psrp_ca_cert",
        "cert_validation": "ansible_psrp_cert_validation",
        "certificate_pem": "ansible_psrp_certificate_pem",
        "certificate_key_pem": "ansible_psrp_certificate_key_pem",
        "proxy": "ansible_psrp_proxy",
        "no_proxy": "ansible_psrp_ignore_proxy",
    },
    "winrm": {
        "ca_path": "ansible_winrm_ca_trust_path",
        "cert_validation": "ansible_winrm_server_cert_validation",
        "certificate_pem": "ansible_winrm_cert_pem",
        "certificate_key_pem": "ansible_winrm_cert_key_pem",
        "proxy": "ansible_winrm_proxy",
        "no_proxy": "ansible_winrm_proxy: null",
    },
}
BASIC_ENCODING = "the password contains characters that Basic authentication cannot send (use NTLM/Kerberos or ASCII)"
BASIC_USER_ENCODING = (
    "the user name contains characters that Basic authentication cannot send (use NTLM/Kerberos or ASCII)"
)
WSMAN_ACCESS_DENIED = 5
TOKEN_FILTERED_AUTH = ("ntlm", "negotiate")  # NTLM logons of local accounts are the ones UAC remote restrictions filter

# auth -> (Python module pypsrp needs for it, the pypsrp extra that installs it, what else that install needs)
AUTH_PACKAGES = {
    "kerberos": (
        "gssapi",
        "kerberos",
        "it builds gssapi and krb5, which needs the system Kerberos libraries and headers and a C compiler "
        "(libkrb5-dev and gcc on Debian/Ubuntu, krb5-devel and gcc on RHEL/Fedora)",
    ),
    "credssp": ("requests_credssp", "credssp", "it brings requests-credssp"),
}


def missing_auth_package(auth: str, module: str, extra: str, needs: str) -> MissingDependencyError:
    """One line: which package auth=<auth> needs on the controller and how to install it."""
    return MissingDependencyError(
        f"connection.auth={auth} needs the Python package {module}, which is not installed for the Python running "
        f"Ansible on this controller: pip install 'pypsrp[{extra}]' ({needs}), or choose another auth"
    )


def redirect_refused(config: ConnectionConfig | None, status: int, location: str) -> RedirectRefusedError:
    """3xx: name where it pointed (truncated), follow nothing."""
    target = truncate(location, NAME_LIMIT * 2) or "(no Location header)"
    return RedirectRefusedError(
        f"WinRM at {_endpoint(config)} answered with a redirect to {target} (HTTP {status}); redirects are never "
        "followed: connect to the WinRM endpoint itself (check connection.host, port and path, and any proxy)"
    )


def deadline_exceeded(endpoint: str, seconds: float, what: str, derived: str) -> DeadlineExceededError:
    """``what`` names the deadline ("one HTTP request", "the command"), ``derived`` the options it comes from."""
    return DeadlineExceededError(
        f"WinRM at {endpoint} did not finish {what} within {seconds:g}s ({derived}): the host, or something between "
        "it and this controller, is too slow or sends an endless reply; check the host, or raise "
        "connection.read_timeout / connection.operation_timeout"
    )


def too_large(config: ConnectionConfig | None, what: str, limit: int) -> ReplyTooLargeError:
    """``what`` is "the reply body", "the reply headers", "the command output"..."""
    return ReplyTooLargeError(
        f"WinRM at {_endpoint(config)} sent more than {limit} bytes in {what} (the limit): the host or something "
        "between it and this controller answers with far more data than WinRM would; check the endpoint"
    )


# --- helpers -----------------------------------------------------------------------------------------------------


def option_variable(source: str | None, field: str) -> str:
    """The variable to name in a message for ``field``: the host's own psrp/winrm variable, else the module's
    ``connection`` option."""
    return OPTION_VARIABLES.get(source or "", {}).get(field, f"connection.{field}")


def _variable(config: ConnectionConfig | None, field: str) -> str:
    return option_variable(getattr(config, "source", ""), field)


def scrub(text: str, config: ConnectionConfig | None) -> str:
    """Remove the password from third-party text before it reaches a message."""
    password = getattr(config, "password", None)
    if password:
        text = text.replace(password, "********")
    return text


def _endpoint(config: ConnectionConfig | None) -> str:
    return config.endpoint if config is not None else "the WinRM endpoint"


def looks_local(username: str | None, host: str | None = None) -> bool:
    """True when the user name names a local account: no domain, ``.\\user``, or ``HOSTNAME\\user`` where HOSTNAME is
    the first label of the connection host (the host's own name may differ from it; then the account is not known
    to be local)."""
    if not username:
        return False
    if "@" in username:
        return False
    if "\\" not in username:
        return True
    domain = username.split("\\", 1)[0].lower()
    if domain in (".", "localhost"):
        return True
    short_host = (host or "").split(".", 1)[0].lower()
    return bool(short_host) and domain == short_host


def _bare_user(username: str) -> str:
    return username.split("\\", 1)[-1].split("@", 1)[0]


def is_builtin_admin(username: str) -> bool:
    """The built-in Administrator by its usual name (UAC remote restrictions do not filter it)."""
    return _bare_user(username).lower() == "administrator"


def access_denied(config: ConnectionConfig | None, detail: str = "") -> AccessDeniedError:
    """Build the access-denied message, with the token-filter hint when the account looks local."""
    user = getattr(config, "username", None) or "?"
    text = f"WinRM at {_endpoint(config)} authenticated user '{user}' but denied access"
    if detail:
        text += f" ({truncate(detail)})"
    if looks_local(user, getattr(config, "host", None)) and not is_builtin_admin(user):
        text += (
            ": the account may be a local administrator other than the built-in Administrator: set "
            "LocalAccountTokenFilterPolicy=1 (winremote.remoting.token_filter_policy) or use a domain account or "
            "the built-in Administrator"
        )
    else:
        text += (
            ": the account must be a member of Administrators (or Remote Management Users) on the host and be "
            "allowed by the session configuration's security descriptor"
        )
    return AccessDeniedError(text)


def authentication_failed(
    config: ConnectionConfig | None, detail: str = "", credentials: bool = True
) -> AuthenticationFailedError:
    """401: distinguish Basic over HTTP (refused by design) from bad credentials or a disabled method.
    ``credentials`` is False for a request that carried none (the anonymous Identify): no UAC hint then."""
    user = getattr(config, "username", None) or "?"
    auth = getattr(config, "auth", "?")
    if auth == "basic" and getattr(config, "scheme", "") == "http":
        return BasicOverHttpRefusedError(
            f"WinRM at {_endpoint(config)} refused Basic authentication over HTTP for user '{user}' (HTTP 401): "
            "the service rejects unencrypted traffic unless AllowUnencrypted=true in winrm/config/service, which "
            "would send the password in clear text; use HTTPS (connection.scheme=https, port 5986) or "
            "ntlm/negotiate/kerberos, which encrypt messages over HTTP"
        )
    local = looks_local(user, getattr(config, "host", None)) and not is_builtin_admin(user)
    if credentials and auth in TOKEN_FILTERED_AUTH and local:
        # A local administrator other than the built-in one gets a UAC-filtered token over a network logon, and WinRM
        # answers it with 401 like a wrong password (https://github.com/diyan/pywinrm/issues/188; the HTTP 401
        # causes in https://docs.ansible.com/ansible/latest/os_guide/windows_winrm.html).
        text = (
            f"WinRM at {_endpoint(config)} rejected the credentials of local user '{user}' with auth={auth} "
            "(HTTP 401): either the password is wrong, or the account is a local administrator other than the "
            "built-in Administrator whose token UAC remote restrictions filter (LocalAccountTokenFilterPolicy is not "
            "1); check the user name and password, or run winremote.remoting.token_filter_policy as the built-in "
            "Administrator or a domain account, or connect as the built-in Administrator or a domain account"
        )
    else:
        text = (
            f"WinRM at {_endpoint(config)} rejected the credentials of user '{user}' with auth={auth} (HTTP 401): "
            "check the user name and password, or enable that auth method on the host (winrm/config/service/auth)"
        )
    if detail:
        text += f" [{truncate(detail)}]"
    return AuthenticationFailedError(text)


# Library text of a Kerberos failure that means "no principal for this target": MIT krb5
# (KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN, KRB5_REALM_UNKNOWN), Heimdal, and Windows SSPI (SEC_E_TARGET_UNKNOWN).
KERBEROS_TARGET_TEXT = (
    "server not found in kerberos database",
    "s_principal_unknown",
    "cannot determine realm for host",
    "target is unknown",
)
KERBEROS_TEXT = ("kerberos", "krb5", "krb_", "kdc", "gss")
KERBEROS_LIBRARIES = ("spnego", "gssapi", "krb5")


def kerberos_failure(exc: BaseException, config: ConnectionConfig | None) -> AuthenticationFailedError | None:
    """A Kerberos failure raised on the controller (pyspnego / GSSAPI), as one of the two errors Server Manager
    tells apart; None when the exception is not one."""
    found = [e for e in _chain(exc) if type(e).__module__.split(".")[0] in KERBEROS_LIBRARIES]
    if not found:
        return None
    text = scrub(" ".join(f"{type(e).__name__}: {e}" for e in found[:3]), config)
    low = text.lower()
    if getattr(config, "auth", None) != "kerberos" and not any(word in low for word in KERBEROS_TEXT):
        return None
    if any(type(e).__name__ == "FeatureMissingError" for e in found):
        return None  # Kerberos is not installed on the controller: not a Kerberos failure of the host
    user = getattr(config, "username", None) or "?"
    host = getattr(config, "negotiate_hostname_override", None) or getattr(config, "host", None) or "the host"
    service = getattr(config, "negotiate_service", None) or "HTTP"
    if any(word in low for word in KERBEROS_TARGET_TEXT):
        override = (
            "ansible_winrm_kerberos_hostname_override"
            if getattr(config, "source", "") == "winrm"
            else "ansible_psrp_negotiate_hostname_override"
        )
        return KerberosTargetError(
            f"Kerberos found no service principal for WinRM at {_endpoint(config)} ({service}/{host}) for user "
            f"'{user}': connect by the host's DNS name as the domain knows it (not an IP address or an alias), or "
            f"keep the address and set {override} (connection.negotiate_hostname_override) to that name; check "
            f"that the host is joined and its computer account has the SPN, or use auth=ntlm [{truncate(text)}]"
        )
    return KerberosAuthenticationError(
        f"Kerberos authentication of user '{user}' to WinRM at {_endpoint(config)} failed on this controller: check "
        "the user name (user@REALM) and password or the ticket cache (kinit), that a KDC of the realm answers, and "
        f"the clocks of this controller and the domain [{truncate(text)}]"
    )


def unreachable(config: ConnectionConfig | None, reason: str, hint: bool = True) -> HostUnreachableError:
    """The connection-refused family of messages; ``hint`` says how to turn remote management on (not when the
    name does not even resolve)."""
    text = f"WinRM did not answer at {_endpoint(config)}: {reason}."
    if hint:
        text += (
            " Check that the host is up, the WinRM service runs, a listener exists for that port and the firewall "
            f"admits this controller; {ENABLE_REMOTING_HINT}"
        )
    return HostUnreachableError(text)


def proxy_shown(proxy: str) -> str:
    """A proxy URL for a message, without any user name or password it carries."""
    scheme, sep, rest = proxy.partition("://")
    if not sep:
        scheme, rest = "", proxy
    host = rest.split("/", maxsplit=1)[0].rsplit("@", maxsplit=1)[-1]
    return truncate(f"{scheme}{sep}{host}", NAME_LIMIT)


def proxy_failed(config: ConnectionConfig | None, proxy: str, reason: str) -> ProxyFailedError:
    """The proxy, not the host, failed: name it and the variables that choose it."""
    return ProxyFailedError(
        f"the HTTP proxy {proxy_shown(proxy)} failed on the way to WinRM at {_endpoint(config)}: {truncate(reason)}; "
        f"check the proxy, or the proxy setting ({_variable(config, 'proxy')}, or HTTP_PROXY/HTTPS_PROXY in the "
        f"controller's environment), or bypass it for this host ({_variable(config, 'no_proxy')} or NO_PROXY)"
    )


def connection_lost(config: ConnectionConfig | None) -> ConnectionLostError:
    """The peer reset the connection mid-request."""
    return ConnectionLostError(
        f"WinRM at {_endpoint(config)} dropped the connection (connection reset): the WinRM service may be "
        "restarting (listener or auth changes restart it) or a firewall or proxy cut the request; retry, and check "
        "the service and the listener"
    )


def tls_error(config: ConnectionConfig | None, detail: str) -> TlsError:
    """Certificate problems named by their real cause; the fix is never "disable validation"."""
    low = detail.lower()
    ca_hint = "connection.ca_path"
    source = getattr(config, "source", "")
    if source in OPTION_VARIABLES:
        ca_hint = (
            f"{option_variable(source, 'ca_path')} (connection.ca_path) rather than turning "
            f"{option_variable(source, 'cert_validation')} off"
        )
    if "expired" in low:
        cause = "the listener certificate has expired"
        fix = "renew the certificate of the WinRM HTTPS listener (or let its auto-enrollment renew it)"
    elif "not yet valid" in low:
        cause = "the listener certificate is not valid yet"
        fix = "check the clocks of the host and of this controller, or give the listener a certificate valid now"
    elif "hostname" in low or "mismatch" in low or "match" in low:
        cause = "the listener certificate does not name this host"
        fix = "connect with the host name in the certificate, or give the listener a certificate whose CN/SAN matches"
    elif any(word in low for word in ("issuer", "self-signed", "self signed", "unknown ca", "unable to verify")):
        cause = "the listener certificate's issuer is not trusted by this controller"
        fix = (
            f"give the CA that issued it with {ca_hint}, or replace the listener certificate with one from a trusted CA"
        )
    elif "certificate" not in low:
        cause = "the TLS handshake itself failed"
        fix = "check that connection.port is an HTTPS listener (5986 by default) and connection.scheme=https fits it"
    else:
        cause = "the listener certificate failed verification"
        fix = f"check the listener certificate; if it comes from a private CA, give that CA with {ca_hint}"
    return TlsError(
        f"TLS handshake with WinRM at {_endpoint(config)} failed: {cause} ({truncate(detail, NAME_LIMIT * 2)}); {fix}"
    )


def parse_fault(xml_text: str | bytes) -> WSManFaultError | None:
    """Parse a SOAP/WS-Man fault envelope; None when the text holds no ``s:Fault``."""
    try:
        root = wx.parse(xml_text)
    except wx.XmlError:
        return None
    fault = wx.descendant(root, "Fault")
    if fault is None or wx.namespace(fault.tag) != wx.NS["s"]:
        return None
    code_elem = wx.child(fault, "Code")
    subcode = wx.child_text(wx.child(code_elem, "Subcode"), "Value") or None
    reason = wx.child_text(wx.child(fault, "Reason"), "Text") or None
    code: int | str | None = subcode or wx.child_text(code_elem, "Value") or None
    machine = text = provider = provider_path = provider_fault = None
    wsman_fault = wx.descendant(wx.child(fault, "Detail"), "WSManFault")
    if wsman_fault is not None:
        code = wsman_fault.get("Code", code)
        machine = wsman_fault.get("Machine")
        message = wx.child(wsman_fault, "Message")
        if message is not None:
            pf = wx.child(message, "ProviderFault")
            text = ("".join(message.itertext()) if pf is None else (message.text or "")).strip() or None
            if pf is not None:
                provider = pf.get("provider")
                provider_path = pf.get("path")
                provider_fault = " ".join(" ".join(pf.itertext()).split()) or None
    with contextlib.suppress(TypeError, ValueError):
        code = int(code) if code is not None else None
    return WSManFaultError(
        code, subcode, machine, (text or reason or "").strip(), provider, provider_path, provider_fault
    )


def from_fault(fault: WSManFaultError, config: ConnectionConfig | None) -> WinRemoteError:
    """Turn a parsed fault into the most specific error (code 5 is access denied)."""
    if fault.code == WSMAN_ACCESS_DENIED or (
        fault.code in (None, "w:AccessDenied") and fault.subcode == "w:AccessDenied"
    ):
        return access_denied(config, scrub(fault.text, config))
    if config is not None and config.password:
        # scrub the parts, then compose again: truncation must never cut the password in two first
        fault.text = scrub(fault.text, config)
        fault.provider_fault = scrub(fault.provider_fault, config) if fault.provider_fault else None
        fault.message = scrub(fault.compose(), config)
        fault.args = (fault.message,)
    return fault


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and everything it wraps (args, urllib3 ``reason``, cause, context), without cycles."""
    seen: list[BaseException] = []
    todo: list[BaseException] = [exc]
    while todo:
        cur = todo.pop(0)
        if any(cur is s for s in seen) or len(seen) > 20:
            continue
        seen.append(cur)
        nested: list[t.Any] = [*list(cur.args), getattr(cur, "reason", None), cur.__cause__, cur.__context__]
        todo.extend(n for n in nested if isinstance(n, BaseException))
    return seen


def _connection_error(exc: BaseException, config: ConnectionConfig | None) -> WinRemoteError:
    """Refused / reset / TLS / DNS, from the wrapped socket error or, failing that, from the text."""
    chain = _chain(exc)
    text = " ".join(str(e) for e in chain).lower()
    for err in chain:
        if isinstance(err, ssl.SSLError) or (HAS_REQUESTS and isinstance(err, _req_exc.SSLError)):
            return tls_error(config, _ssl_detail(chain))
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or "refused" in text:
        return unreachable(config, "connection refused")
    if any(isinstance(e, (ConnectionResetError, ConnectionAbortedError, BrokenPipeError)) for e in chain) or any(
        word in text for word in ("reset by peer", "connection aborted", "remotedisconnected", "connection broken")
    ):
        return connection_lost(config)
    if any(isinstance(e, socket.gaierror) for e in chain) or "resolve" in text or "name or service" in text:
        return unreachable(config, "the host name does not resolve (check ansible_host and DNS)", hint=False)
    if "no route" in text or "unreachable" in text:
        return unreachable(config, "no route to the host")
    if any(isinstance(e, (socket.timeout, TimeoutError)) for e in chain) or "timed out" in text:
        return _timeout(config, connect=True)
    return unreachable(config, "could not connect")


def _proxy_in_use(config: ConnectionConfig | None) -> str:
    """The proxy requests chose for the endpoint: the configured one, else the environment's."""
    proxy = getattr(config, "proxy", None)
    if proxy:
        return str(proxy)
    if config is not None and HAS_REQUESTS:
        import requests.utils

        found = requests.utils.get_environ_proxies(config.endpoint)
        chosen = found.get(config.scheme) or found.get("all")
        if chosen:
            return str(chosen)
    return "(from the environment)"


def innermost(exc: BaseException) -> str:
    """The most specific text of a wrapped connection error ("Connection refused", "Tunnel connection failed")."""
    chain = _chain(exc)
    for err in reversed(chain):
        if isinstance(err, OSError) and err.strerror:
            return err.strerror
    text = str(chain[-1]) if chain else str(exc)
    return text.rsplit(": ", maxsplit=1)[-1].strip(" '\")") or type(exc).__name__


def _ssl_detail(chain: list[BaseException]) -> str:
    for err in chain:
        if isinstance(err, ssl.SSLCertVerificationError) and err.verify_message:
            return f"certificate verify failed: {err.verify_message}"
    for err in chain:
        match = re.search(r"certificate verify failed[^')\]]*", str(err))
        if match:
            return match.group(0).strip()
    return str(chain[-1]) if chain else "TLS error"


def _timeout(config: ConnectionConfig | None, connect: bool) -> ConnectionTimeoutError:
    if connect:
        seconds = getattr(config, "connection_timeout", "?")
        return ConnectionTimeoutError(
            f"WinRM at {_endpoint(config)} did not accept a connection within {seconds}s "
            "(connection.connection_timeout): the host may be down or a firewall drops packets to this port; "
            f"{ENABLE_REMOTING_HINT}"
        )
    seconds = getattr(config, "read_timeout", "?")
    return ConnectionTimeoutError(
        f"WinRM at {_endpoint(config)} accepted the connection but did not answer within {seconds}s "
        "(connection.read_timeout): the host is busy or the operation is slow; raise connection.read_timeout "
        "(keep it above connection.operation_timeout)"
    )


def _transport_error(exc: BaseException, config: ConnectionConfig | None) -> WinRemoteError:
    code = int(getattr(exc, "code", 0) or 0)
    response_text = str(getattr(exc, "response_text", "") or "")
    if code == 401:
        return authentication_failed(config)
    fault = parse_fault(response_text) if response_text else None
    if fault is not None:
        return from_fault(fault, config)
    if code == 403:
        return access_denied(config, "HTTP 403")
    snippet = truncate(scrub(response_text, config))
    detail = f": {snippet}" if snippet else ""
    return ServerError(
        f"WinRM at {_endpoint(config)} answered HTTP {code}{detail}; check the WinRM service and its event log "
        "(Microsoft-Windows-WinRM/Operational) on the host",
        code,
    )


def translate(exc: BaseException, config: ConnectionConfig | None = None) -> WinRemoteError:
    """Map any pypsrp / requests / ssl / socket / parser exception to one :class:`WinRemoteError`.

    Whatever third-party text ends up in the message, the password is scrubbed from it as a last step.
    """
    err = _translate(exc, config)
    clean = scrub(err.message, config)
    if clean != err.message:
        err.message = clean
        err.args = (clean,)
    return err


def _translate(exc: BaseException, config: ConnectionConfig | None) -> WinRemoteError:
    if isinstance(exc, WinRemoteError):
        return exc
    kerberos = kerberos_failure(exc, config)
    if kerberos is not None:
        return kerberos
    if HAS_PYPSRP:
        if isinstance(exc, _pypsrp_exc.AuthenticationError):
            detail = ""
            if "did not response with one of the following" in str(exc):
                detail = "the host does not offer this auth method"
            return authentication_failed(config, detail)
        if isinstance(exc, _pypsrp_exc.WSManFaultError):
            # pypsrp raises its fault while handling the WinRMTransportError that holds the raw reply: re-parse it
            # for the subcode, which pypsrp drops.
            response_text = getattr(exc.__context__, "response_text", None)
            if response_text:
                try:
                    wx.parse(str(response_text))
                except wx.XmlError as bad:  # pypsrp's own parser took it; ours refuses (DTD, nesting)
                    return ProtocolError(
                        f"WinRM at {_endpoint(config)} sent a fault that is not acceptable XML: {truncate(str(bad))}"
                    )
            parsed = parse_fault(str(response_text)) if response_text else None
            if parsed is None:
                parsed = WSManFaultError(
                    exc.code, None, exc.machine, exc.reason, exc.provider, exc.provider_path, exc.provider_fault
                )
            return from_fault(parsed, config)
        if isinstance(exc, _pypsrp_exc.WinRMTransportError):
            return _transport_error(exc, config)
        if isinstance(exc, _pypsrp_exc.WinRMError):
            return ProtocolError(
                f"WinRM at {_endpoint(config)} sent an unexpected reply: {truncate(scrub(str(exc), config))}"
            )
    if HAS_REQUESTS:
        if isinstance(exc, _req_exc.ProxyError):
            return proxy_failed(config, _proxy_in_use(config), innermost(exc))
        if isinstance(exc, _req_exc.SSLError):
            return tls_error(config, _ssl_detail(_chain(exc)))
        if isinstance(exc, _req_exc.ConnectTimeout):
            return _timeout(config, connect=True)
        if isinstance(exc, _req_exc.ReadTimeout):
            return _timeout(config, connect=False)
        if isinstance(exc, _req_exc.ChunkedEncodingError):
            return connection_lost(config)
        if isinstance(exc, _req_exc.ConnectionError):
            return _connection_error(exc, config)
    if isinstance(exc, ssl.SSLError):
        return tls_error(config, _ssl_detail(_chain(exc)))
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return _timeout(config, connect=False)
    if isinstance(exc, OSError):
        return _connection_error(exc, config)
    if isinstance(exc, (ET.ParseError, wx.XmlError)):
        return ProtocolError(
            f"WinRM at {_endpoint(config)} sent a reply that is not valid XML: {truncate(scrub(str(exc), config))}"
        )
    encoding = _credential_encoding_error(exc, config)
    if encoding is not None:
        return encoding
    if type(exc).__module__.split(".")[0] == "spnego":
        return authentication_failed(config, scrub(f"{type(exc).__name__}: {exc}", config))
    if isinstance(exc, ValueError):
        text = truncate(scrub(str(exc), config))
        if "auth protocol" in text:
            return authentication_failed(config, text)
        return InvalidSettingsError(f"invalid connection settings for {_endpoint(config)}: {text}")
    return WinRemoteError(
        f"unexpected error talking to {_endpoint(config)}: {type(exc).__name__}: {truncate(scrub(str(exc), config))}"
    )


def basic_encoding_refusal(username: str | None, password: str | None) -> str | None:
    """Why Basic cannot carry these credentials (requests sends them as Latin-1), or None; never quotes them."""
    for value, message in ((username, BASIC_USER_ENCODING), (password, BASIC_ENCODING)):
        try:
            (value or "").encode("latin-1")
        except UnicodeEncodeError:
            return message
    return None


def _credential_encoding_error(exc: BaseException, config: ConnectionConfig | None) -> InvalidSettingsError | None:
    """A codec error on a credential: its text holds the position and the character of the secret, so drop it."""
    secrets = {
        getattr(config, "password", None): BASIC_ENCODING,
        getattr(config, "username", None): BASIC_USER_ENCODING,
    }
    for err in _chain(exc):
        if isinstance(err, UnicodeEncodeError) and err.object and err.object in secrets:
            return InvalidSettingsError(f"WinRM at {_endpoint(config)}: {secrets[err.object]}")
    return None
