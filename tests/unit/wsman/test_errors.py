# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Every exception the transport can raise maps to one actionable WinRemoteError, and none shows the password."""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import requests
import urllib3.exceptions
from pypsrp import exceptions as pe

from ansible_collections.winremote.remoting.plugins.plugin_utils.connection import ConnectionConfig
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import errors, translate
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import xml as wx

PASSWORD = "S3cret-Pa55!"


def cfg(**kwargs: object) -> ConnectionConfig:
    base: dict[str, object] = {
        "host": "srv01.example.test",
        "port": 5985,
        "scheme": "http",
        "username": "EXAMPLE\\admin",
        "password": PASSWORD,
        "auth": "ntlm",
    }
    base.update(kwargs)
    return ConnectionConfig(**base)  # type: ignore[arg-type]


FAULT_5 = """<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><s:Fault>
<s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>w:AccessDenied</s:Value></s:Subcode></s:Code>
<s:Reason><s:Text xml:lang="en-US">Access is denied. </s:Text></s:Reason>
<s:Detail><f:WSManFault xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault" Code="5" Machine="srv01">
<f:Message>Access is denied. </f:Message></f:WSManFault></s:Detail></s:Fault></s:Body></s:Envelope>"""

FAULT_OTHER = FAULT_5.replace('Code="5"', 'Code="2150858770"').replace("w:AccessDenied", "w:InternalError")


def pypsrp_fault(xml_text: str) -> BaseException:
    """Raise a pypsrp fault the way WSMan.invoke does: from inside the transport error handler."""
    try:
        try:
            raise pe.WinRMTransportError("http", 500, xml_text)
        except pe.WinRMTransportError:
            raise pe.WSManFaultError(5, "srv01", "Access is denied.", None, None, None) from None
    except pe.WSManFaultError as exc:
        exc.__context__ = pe.WinRMTransportError("http", 500, xml_text)
        return exc


def connection_error(inner: BaseException) -> requests.exceptions.ConnectionError:
    reason = urllib3.exceptions.NewConnectionError(None, f"Failed to establish a new connection: {inner}")  # type: ignore[arg-type]
    reason.__cause__ = inner
    wrapped = urllib3.exceptions.MaxRetryError(None, "/wsman", reason)  # type: ignore[arg-type]
    return requests.exceptions.ConnectionError(wrapped)


def test_translate_keeps_winremote_errors() -> None:
    err = errors.ProtocolError("x")
    assert translate.translate(err, cfg()) is err


def test_authentication_failed_names_user_not_password() -> None:
    err = translate.translate(pe.AuthenticationError("Failed to authenticate the user EXAMPLE\\admin with ntlm"), cfg())
    assert err.__class__ is errors.AuthenticationFailedError
    assert err.kind == "authentication_failed"
    assert "EXAMPLE\\admin" in str(err) and "401" in str(err)


def test_basic_over_http_refused() -> None:
    err = translate.translate(pe.AuthenticationError("x"), cfg(auth="basic", message_encryption="never"))
    assert isinstance(err, errors.BasicOverHttpRefusedError)
    assert "AllowUnencrypted" in str(err) and "https" in str(err).lower()


def test_basic_over_https_is_plain_auth_failure() -> None:
    err = translate.translate(pe.AuthenticationError("x"), cfg(auth="basic", scheme="https", port=5986))
    assert err.__class__ is errors.AuthenticationFailedError


def test_auth_method_not_offered() -> None:
    exc = pe.AuthenticationError("The server did not response with one of the following authentication methods x")
    err = translate.translate(exc, cfg())
    assert isinstance(err, errors.AuthenticationFailedError) and "does not offer" in str(err)


def test_access_denied_fault_for_local_account_mentions_token_filter() -> None:
    err = translate.translate(pypsrp_fault(FAULT_5), cfg(username="localadmin"))
    assert isinstance(err, errors.AccessDeniedError)
    assert "LocalAccountTokenFilterPolicy=1" in str(err)
    assert "winremote.remoting.token_filter_policy" in str(err)


@pytest.mark.parametrize("user", [".\\localadmin", "SRV01\\localadmin", "localadmin"])
def test_local_account_shapes(user: str) -> None:
    assert translate.looks_local(user, "srv01.example.test")


@pytest.mark.parametrize("user", ["EXAMPLE\\admin", "admin@example.test"])
def test_domain_account_shapes(user: str) -> None:
    assert not translate.looks_local(user, "srv01.example.test")


def test_access_denied_for_domain_account_has_no_token_filter_hint() -> None:
    err = translate.translate(pypsrp_fault(FAULT_5), cfg())
    assert isinstance(err, errors.AccessDeniedError)
    assert "LocalAccountTokenFilterPolicy" not in str(err)


def test_http_403_is_access_denied() -> None:
    err = translate.translate(pe.WinRMTransportError("http", 403, ""), cfg(username="localadmin"))
    assert isinstance(err, errors.AccessDeniedError) and "LocalAccountTokenFilterPolicy" in str(err)


def test_other_fault_keeps_details_and_subcode() -> None:
    err = translate.translate(pypsrp_fault(FAULT_OTHER), cfg())
    assert isinstance(err, errors.WSManFaultError)
    assert err.code == 2150858770 and err.subcode == "w:InternalError" and err.machine == "srv01"
    assert str(err) == "WS-Man fault 2150858770 (w:InternalError) from srv01: Access is denied."


def test_fault_without_context_falls_back_to_pypsrp_fields() -> None:
    exc = pe.WSManFaultError(2150858752, "srv01", "bad thing", "WMI Provider", "path", "detail")
    err = translate.translate(exc, cfg())
    assert isinstance(err, errors.WSManFaultError)
    assert err.code == 2150858752 and err.provider == "WMI Provider" and "bad thing" in str(err)


def test_http_500_without_xml_is_server_error() -> None:
    err = translate.translate(pe.WinRMTransportError("http", 500, "Internal Server Error"), cfg())
    assert isinstance(err, errors.ServerError) and err.status == 500 and "HTTP 500" in str(err)


def test_transport_401_is_authentication() -> None:
    assert isinstance(
        translate.translate(pe.WinRMTransportError("http", 401, ""), cfg()), errors.AuthenticationFailedError
    )


LOCAL_401_CAUSES = ("password is wrong", "UAC remote restrictions", "LocalAccountTokenFilterPolicy")
LOCAL_401_FIXES = ("winremote.remoting.token_filter_policy", "built-in Administrator", "domain account")


@pytest.mark.parametrize("user", ["localadmin", ".\\localadmin", "SRV01\\localadmin", "srv01\\LocalAdmin"])
@pytest.mark.parametrize("auth", ["ntlm", "negotiate"])
@pytest.mark.parametrize(
    "exc",
    [pe.AuthenticationError("Failed to authenticate the user"), pe.WinRMTransportError("http", 401, "")],
    ids=["pypsrp-auth", "transport-401"],
)
def test_401_for_local_account_names_both_causes_and_fixes(user: str, auth: str, exc: BaseException) -> None:
    """A UAC-filtered local administrator gets the same 401 as a wrong password: the message names both."""
    err = translate.translate(exc, cfg(username=user, auth=auth))
    assert err.__class__ is errors.AuthenticationFailedError and err.kind == "authentication_failed"
    text = str(err)
    assert all(cause in text for cause in LOCAL_401_CAUSES), text
    assert all(fix in text for fix in LOCAL_401_FIXES), text
    assert user in text and "401" in text
    assert "\n" not in text and PASSWORD not in text


@pytest.mark.parametrize(
    ("user", "auth"),
    [
        ("EXAMPLE\\admin", "ntlm"),  # a domain account: UAC remote restrictions do not apply
        ("admin@example.test", "negotiate"),
        ("OTHERHOST\\admin", "ntlm"),  # not the connection host's first label: not known to be local
        ("Administrator", "ntlm"),  # the built-in Administrator is not filtered
        (".\\administrator", "ntlm"),
        ("localadmin", "kerberos"),  # Kerberos has no local accounts; not the token filter's 401
    ],
)
def test_401_without_token_filter_hint(user: str, auth: str) -> None:
    err = translate.translate(pe.WinRMTransportError("http", 401, ""), cfg(username=user, auth=auth))
    assert isinstance(err, errors.AuthenticationFailedError)
    assert "check the user name and password" in str(err)
    assert "LocalAccountTokenFilterPolicy" not in str(err) and "token_filter_policy" not in str(err)


def test_401_hint_for_an_ip_host_only_without_domain() -> None:
    """With an IP address as the host no domain is known to be the host's own, so only bare / '.' names count."""
    assert "UAC" in str(translate.authentication_failed(cfg(host="192.0.2.10", username=".\\localadmin")))
    assert "UAC" not in str(translate.authentication_failed(cfg(host="192.0.2.10", username="SRV01\\localadmin")))


def test_401_to_a_request_without_credentials_has_no_token_filter_hint() -> None:
    err = translate.authentication_failed(cfg(username="localadmin"), "the host refuses anonymous Identify", False)
    assert "UAC" not in str(err) and "anonymous Identify" in str(err)


def spnego_error(context: str) -> BaseException:
    from spnego.exceptions import ErrorCode, SpnegoError

    return SpnegoError(ErrorCode.failure, context_msg=context)


@pytest.mark.parametrize(
    ("context", "auth", "kind"),
    [
        ("Minor (2529638919): Server not found in Kerberos database", "kerberos", "kerberos_target"),
        ("Minor (2529638919): Server not found in Kerberos database", "negotiate", "kerberos_target"),
        ("Cannot determine realm for host: HTTP/192.0.2.10", "kerberos", "kerberos_target"),
        ("The specified target is unknown or unreachable (SEC_E_TARGET_UNKNOWN)", "kerberos", "kerberos_target"),
        ("Minor (2529639062): Cannot contact any KDC for realm 'EXAMPLE.TEST'", "kerberos", "kerberos_authentication"),
        ("Minor (2529638951): Clock skew too great", "kerberos", "kerberos_authentication"),
        ("Kerberos: Minor (2529638936): Preauthentication failed", "negotiate", "kerberos_authentication"),
    ],
)
def test_kerberos_failures_are_told_apart(context: str, auth: str, kind: str) -> None:
    """Server Manager's "Kerberos target resolution error" and "Kerberos authentication error"."""
    err = translate.translate(spnego_error(context), cfg(username="admin@EXAMPLE.TEST", auth=auth))
    assert err.kind == kind, str(err)
    assert isinstance(err, errors.AuthenticationFailedError)
    assert "admin@EXAMPLE.TEST" in str(err) and "\n" not in str(err) and PASSWORD not in str(err)
    if kind == "kerberos_target":
        assert "HTTP/srv01.example.test" in str(err) and "auth=ntlm" in str(err)
    else:
        assert "kinit" in str(err) and "KDC" in str(err)


def test_non_kerberos_spnego_failure_stays_authentication_failed() -> None:
    err = translate.translate(spnego_error("NTLM challenge did not carry a target name"), cfg(auth="ntlm"))
    assert err.__class__ is errors.AuthenticationFailedError and err.kind == "authentication_failed"


def test_kerberos_missing_on_the_controller_is_not_a_host_verdict() -> None:
    from spnego.exceptions import FeatureMissingError, NegotiateOptions

    err = translate.translate(FeatureMissingError(NegotiateOptions.negotiate_kerberos), cfg(auth="kerberos"))
    assert err.kind not in ("kerberos_target", "kerberos_authentication")


def test_relates_to_mismatch_is_protocol_error() -> None:
    err = translate.translate(pe.WinRMError("Received related id does not match"), cfg())
    assert isinstance(err, errors.ProtocolError)


def test_parse_error_is_protocol_error() -> None:
    with pytest.raises(ET.ParseError) as info:
        ET.fromstring("<not-xml")
    assert isinstance(translate.translate(info.value, cfg()), errors.ProtocolError)


def test_connection_refused() -> None:
    err = translate.translate(connection_error(ConnectionRefusedError(111, "Connection refused")), cfg())
    assert err.__class__ is errors.HostUnreachableError
    assert str(err).startswith("WinRM did not answer at http://srv01.example.test:5985/wsman: connection refused.")
    # sm_remoting needs WinRM answering: the hint says how to turn remote management on without it
    assert "sm_remoting" not in str(err)
    assert "Allow remote server management through WinRM" in str(err) and "winrm quickconfig" in str(err)


def test_connection_reset() -> None:
    exc = requests.exceptions.ConnectionError(
        urllib3.exceptions.ProtocolError("Connection aborted.", ConnectionResetError(104, "Connection reset by peer"))
    )
    err = translate.translate(exc, cfg())
    assert isinstance(err, errors.ConnectionLostError) and isinstance(err, errors.HostUnreachableError)
    assert err.kind == "connection_lost"


def test_chunked_encoding_is_connection_lost() -> None:
    err = translate.translate(requests.exceptions.ChunkedEncodingError("Connection broken"), cfg())
    assert isinstance(err, errors.ConnectionLostError)


def test_dns_failure() -> None:
    err = translate.translate(connection_error(socket.gaierror(-2, "Name or service not known")), cfg())
    assert isinstance(err, errors.HostUnreachableError) and "does not resolve" in str(err)


def test_ssl_error_suggests_ca_path_not_disabling_validation() -> None:
    inner = ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")
    inner.verify_message = "self-signed certificate"
    exc = requests.exceptions.SSLError(urllib3.exceptions.MaxRetryError(None, "/wsman", inner))  # type: ignore[arg-type]
    err = translate.translate(exc, cfg(scheme="https", port=5986))
    assert isinstance(err, errors.TlsError)
    assert "ca_path" in str(err) and "self-signed certificate" in str(err)
    assert "cert_validation" not in str(err) and "ignore" not in str(err).lower()


def test_ssl_hostname_mismatch() -> None:
    inner = ssl.SSLCertVerificationError(1, "certificate verify failed")
    inner.verify_message = "Hostname mismatch, certificate is not valid for 'srv01'"
    err = translate.translate(requests.exceptions.SSLError(inner), cfg(scheme="https", port=5986))
    assert isinstance(err, errors.TlsError) and "does not name this host" in str(err)


def test_timeouts() -> None:
    connect = translate.translate(requests.exceptions.ConnectTimeout("x"), cfg())
    read = translate.translate(requests.exceptions.ReadTimeout("x"), cfg())
    assert isinstance(connect, errors.ConnectionTimeoutError) and "connection_timeout" in str(connect)
    assert isinstance(read, errors.ConnectionTimeoutError) and "read_timeout" in str(read)


def test_value_error_from_settings() -> None:
    err = translate.translate(ValueError("The encryption value 'x' must be auto, always, or never"), cfg())
    assert isinstance(err, errors.InvalidSettingsError)


def test_value_error_about_auth_protocol_is_auth_failure() -> None:
    exc = ValueError("Server responded with the auth protocol 'Negotiate' which is incompatible with 'kerberos'")
    assert isinstance(translate.translate(exc, cfg()), errors.AuthenticationFailedError)


def test_unknown_exception_still_winremote_error() -> None:
    err = translate.translate(RuntimeError("boom"), cfg())
    assert isinstance(err, errors.WinRemoteError) and "boom" in str(err)


def test_password_never_in_messages_or_repr() -> None:
    config = cfg(username="localadmin")
    samples: list[BaseException] = [
        pe.AuthenticationError(f"user with {PASSWORD}"),
        pypsrp_fault(FAULT_5.replace("Access is denied.", f"Access is denied {PASSWORD}")),
        pypsrp_fault(FAULT_OTHER.replace("Access is denied.", f"echo {PASSWORD}")),
        pe.WinRMTransportError("http", 500, f"oops {PASSWORD}"),
        pe.WinRMError(f"mismatch {PASSWORD}"),
        ValueError(f"bad {PASSWORD}"),
        RuntimeError(f"boom {PASSWORD}"),
        connection_error(ConnectionRefusedError(111, f"refused {PASSWORD}")),
        requests.exceptions.SSLError(f"certificate verify failed {PASSWORD}"),
    ]
    for exc in samples:
        err = translate.translate(exc, config)
        assert PASSWORD not in str(err), type(exc)
        assert PASSWORD not in repr(err), type(exc)
        assert PASSWORD not in err.message, type(exc)
    assert PASSWORD not in repr(config)


def test_cim_method_error() -> None:
    err = errors.CimMethodError("StdRegProv.GetDWORDValue", 2, "not found: x", "not_found")
    assert err.kind == "cim_method" and err.code == 2 and err.reason == "not_found"
    assert str(err) == "CIM method StdRegProv.GetDWORDValue returned 2: not found: x"


def test_every_kind_is_distinct() -> None:
    classes: list[type[errors.WinRemoteError]] = [
        errors.WinRemoteError,
        errors.MissingDependencyError,
        errors.InvalidSettingsError,
        errors.HostUnreachableError,
        errors.ConnectionLostError,
        errors.ConnectionTimeoutError,
        errors.AuthenticationFailedError,
        errors.BasicOverHttpRefusedError,
        errors.AccessDeniedError,
        errors.TlsError,
        errors.WSManFaultError,
        errors.CimMethodError,
        errors.ServerError,
        errors.ProtocolError,
    ]
    assert len({c.kind for c in classes}) == len(classes)


def test_modules_import_without_pypsrp_and_client_says_install() -> None:
    """Controllers without pypsrp must import the wire cleanly and fail at use with an install hint."""
    code = textwrap.dedent(
        """
        import sys
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("pypsrp", "requests", "spnego"):
                    raise ImportError("blocked " + name)
                return None
        sys.meta_path.insert(0, Block())
        from ansible_collections.winremote.remoting.plugins.plugin_utils.connection import ConnectionConfig
        from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import client, errors
        assert client.HAS_PYPSRP is False
        try:
            client.WSManClient(ConnectionConfig(host="h", username="u", password="p"))
        except errors.MissingDependencyError as exc:
            assert "pypsrp>=0.9,<1.0" in str(exc), str(exc)
            print("OK")
        """
    )
    # Under `ansible-test units` the collection is importable through a pytest plugin, which the child lacks:
    # give it the directory that holds ansible_collections/ (errors.py is six levels below it).
    collections_root = str(Path(errors.__file__).parents[6])
    python_path = os.pathsep.join(filter(None, [collections_root, os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": python_path}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "OK"


# --- host text is truncated, secrets never leak through codec errors, certificate causes ---------------------


def test_truncate_folds_and_counts_what_it_drops() -> None:
    assert errors.truncate("  a \n b\t c ") == "a b c"
    text = "x" * (errors.HOST_TEXT_LIMIT + 25)
    assert errors.truncate(text) == "x" * errors.HOST_TEXT_LIMIT + "... (25 characters more)"


def test_fault_message_parts_are_truncated() -> None:
    fault = errors.WSManFaultError(2150858843, "w:" + "S" * 500, "M" * 500, "T" * 100_000, None, None, "P" * 500)
    message = str(fault)
    assert len(message) < errors.HOST_TEXT_LIMIT + 3 * errors.NAME_LIMIT + 150
    assert message.endswith(f"... ({100_000 + 503 - errors.HOST_TEXT_LIMIT} characters more)")


def test_password_is_scrubbed_before_truncation() -> None:
    config = cfg()
    text = "E" * (errors.HOST_TEXT_LIMIT - 5) + str(config.password)
    fault = translate.parse_fault(
        f'<s:Envelope xmlns:s="{wx.NS["s"]}"><s:Body><s:Fault><s:Code><s:Value>s:Receiver</s:Value></s:Code>'
        f"<s:Reason><s:Text>{text}</s:Text></s:Reason></s:Fault></s:Body></s:Envelope>"
    )
    assert fault is not None
    err = translate.from_fault(fault, config)
    assert str(config.password)[:5] not in str(err)


def test_http_body_snippet_is_truncated() -> None:
    exc = pe.WinRMTransportError("http", 502, "<html>" + "B" * 50_000 + "</html>")
    err = translate.translate(exc, cfg())
    assert isinstance(err, errors.ServerError) and "characters more" in str(err) and len(str(err)) < 600


@pytest.mark.parametrize("password", ["Pa55\u20acword", "\u5bc6\u7801", "pw\U0001f511"])
def test_codec_error_on_the_password_says_only_what_to_do(password: str) -> None:
    config = cfg(auth="basic", scheme="https", port=5986, password=password)
    with pytest.raises(UnicodeEncodeError) as caught:
        password.encode("latin-1")
    err = translate.translate(caught.value, config)
    assert isinstance(err, errors.InvalidSettingsError)
    assert str(err).endswith(translate.BASIC_ENCODING)
    assert "position" not in str(err) and password not in str(err)
    assert not any(ch in str(err) for ch in password if ord(ch) > 127)
    assert "\\u" not in str(err)


@pytest.mark.parametrize(
    ("verify_message", "cause", "absent"),
    [
        ("certificate has expired", "has expired", "give the CA"),
        ("certificate is not yet valid", "is not valid yet", "give the CA"),
        ("Hostname mismatch, certificate is not valid for 'srv01'.", "does not name this host", "give the CA"),
        ("IP address mismatch, certificate is not valid for '10.0.0.5'.", "does not name this host", "give the CA"),
        ("unable to get local issuer certificate", "issuer is not trusted", "expired"),
        ("self-signed certificate in certificate chain", "issuer is not trusted", "expired"),
    ],
)
def test_certificate_errors_name_their_cause(verify_message: str, cause: str, absent: str) -> None:
    inner = ssl.SSLCertVerificationError(1, "certificate verify failed")
    inner.verify_message = verify_message
    err = translate.translate(requests.exceptions.SSLError(inner), cfg(scheme="https", port=5986))
    assert isinstance(err, errors.TlsError) and cause in str(err) and absent not in str(err)


def test_tls_protocol_error_points_at_port_and_scheme() -> None:
    inner = ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1000)")
    err = translate.translate(requests.exceptions.SSLError(inner), cfg(scheme="https", port=5985))
    assert isinstance(err, errors.TlsError) and "TLS handshake itself failed" in str(err) and "5986" in str(err)
