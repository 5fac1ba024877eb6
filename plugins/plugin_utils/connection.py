# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One place that turns connection settings into the client configuration the wire uses.

Action plugins never open Ansible's own connection: they read the host's connection plugin options (or the
module's ``connection`` option) and build a :class:`ConnectionConfig` from them, so ``hosts: windows`` works the
same from ansible-playbook, AWX/Automation Controller machine credentials and molecule.
"""

from __future__ import annotations

import dataclasses
import os
import typing as t

from ansible_collections.winremote.remoting.plugins.plugin_utils import connection_options as options
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import errors, translate

AUTH_CHOICES = ("negotiate", "ntlm", "kerberos", "basic", "credssp", "certificate")
ENCRYPTION_CHOICES = ("auto", "always", "never")
SCHEME_CHOICES = ("http", "https")
MAX_HOST_LENGTH = 253  # the longest DNS name (RFC 1035 section 2.3.4); IPv6 literals are shorter
SHOWN_VALUE_LENGTH = 60  # characters of a refused value repeated in a message
# Characters that would make the host part of the URL something else: a path, query, fragment, user info, another
# port, or a second header line. IPv6 literals keep ':' (and '[', ']' when bracketed).
URL_BREAKING = frozenset("/?#@\\%<>\"'`{}|^ \t\r\n")

WEAK_NO_CERT_VALIDATION = (
    "connection: certificate validation is off (cert_validation=ignore): anyone between this controller and {endpoint} "
    "can impersonate the host and capture the credentials; give the CA with {ca} instead{validation}"
)
CREDSSP_MECHANISMS = ("auto", "ntlm", "kerberos")
MIN_ENVELOPE_SIZE = 8192  # bytes; WinRM's own MaxEnvelopeSizekb is at least 32 KB, pypsrp's default 150 KiB
READ_BY_COLLECTION = ("psrp", "winrm")  # connection plugins whose options the collection reads (any namespace)
WEAK_BASIC_OVER_HTTP = (
    "connection: Basic authentication over HTTP with message_encryption=never sends the password and every "
    "message to {endpoint} in clear text; use HTTPS or ntlm/negotiate/kerberos with message encryption"
)
WEAK_UNENCRYPTED_HTTP = (
    "connection: {auth} over HTTP with message_encryption=never sends every message to {endpoint} unencrypted and "
    "unsigned (readable and changeable on the network); use message_encryption=auto or HTTPS"
)


class ConfigurationError(ValueError):
    """Bad connection settings, found before any connection is made; the message names the option."""


@dataclasses.dataclass(frozen=True)
class ConnectionConfig:
    """Everything the WS-Man client needs to reach one host. ``repr`` hides the password."""

    host: str
    port: int = 5986
    scheme: str = "https"
    path: str = "wsman"
    username: str | None = None
    password: str | None = dataclasses.field(default=None, repr=False)
    auth: str = "negotiate"
    message_encryption: str = "auto"
    cert_validation: bool = True
    ca_path: str | None = None
    connection_timeout: int = 30
    read_timeout: int = 30
    operation_timeout: int = 20
    certificate_pem: str | None = None
    certificate_key_pem: str | None = None
    proxy: str | None = None
    no_proxy: bool = False
    max_envelope_size: int = 153600
    reconnection_retries: int = 0
    reconnection_backoff: float = 2.0
    negotiate_delegate: bool | None = None
    negotiate_hostname_override: str | None = None
    negotiate_send_cbt: bool | None = None
    negotiate_service: str | None = None
    credssp_auth_mechanism: str | None = None
    credssp_disable_tlsv1_2: bool | None = None
    credssp_minimum_version: int | None = None
    # where the settings came from: the host's connection plugin ("psrp", "winrm", "local", ...) or "" (none), so
    # messages name the variables the user actually sets
    source: str = dataclasses.field(default="", compare=False)
    notes: tuple[str, ...] = dataclasses.field(default=(), compare=False)  # warnings found while reading options

    @property
    def endpoint(self) -> str:
        """The URL, for messages; never contains credentials."""
        return f"{self.scheme}://{self.host}:{self.port}/{self.path}"

    def weaknesses(self) -> list[str]:
        """One warning per setting that weakens the connection's security (action plugins add them to the task's
        warnings)."""
        found: list[str] = list(self.notes)
        if self.scheme == "https" and not self.cert_validation:
            ca = translate.option_variable(self.source, "ca_path")
            validation = translate.option_variable(self.source, "cert_validation")
            back = f" and set {validation} back to validate" if validation != "connection.cert_validation" else ""
            found.append(WEAK_NO_CERT_VALIDATION.format(endpoint=self.endpoint, ca=ca, validation=back))
        if self.scheme == "http" and self.message_encryption == "never":
            if self.auth == "basic":
                found.append(WEAK_BASIC_OVER_HTTP.format(endpoint=self.endpoint))
            else:
                found.append(WEAK_UNENCRYPTED_HTTP.format(auth=self.auth, endpoint=self.endpoint))
        return found

    def validate(self) -> None:
        """Refuse unsafe or impossible combinations before any byte is sent."""
        self._validate_host()
        self._validate_files()
        if self.scheme not in SCHEME_CHOICES:
            raise ConfigurationError(
                f"connection.scheme must be one of {', '.join(SCHEME_CHOICES)}, got {self.scheme!r}"
            )
        if self.auth not in AUTH_CHOICES:
            raise ConfigurationError(f"connection.auth must be one of {', '.join(AUTH_CHOICES)}, got {self.auth!r}")
        if self.message_encryption not in ENCRYPTION_CHOICES:
            raise ConfigurationError(
                f"connection.message_encryption must be one of {', '.join(ENCRYPTION_CHOICES)}, "
                f"got {self.message_encryption!r}"
            )
        if not 0 < self.port < 65536:
            raise ConfigurationError(f"connection.port must be between 1 and 65535, got {self.port}")
        for name in ("connection_timeout", "read_timeout", "operation_timeout"):
            if getattr(self, name) <= 0:
                raise ConfigurationError(f"connection.{name} must be a positive number of seconds")
        self._validate_tuning()
        if self.operation_timeout >= self.read_timeout:
            # WinRM holds a Receive up to OperationTimeout; the HTTP read must outlast it or every slow command
            # ends as a read timeout instead of WinRM's own "no output yet" answer.
            raise ConfigurationError(
                f"connection.operation_timeout ({self.operation_timeout}) must be lower than connection.read_timeout "
                f"({self.read_timeout}) (ansible_psrp_operation_timeout / ansible_winrm_operation_timeout_sec and "
                "ansible_psrp_read_timeout / ansible_winrm_read_timeout_sec)"
            )
        if self.auth == "certificate":
            if self.scheme != "https":
                raise ConfigurationError("connection.auth=certificate needs connection.scheme=https")
            if not (self.certificate_pem and self.certificate_key_pem):
                raise ConfigurationError(
                    "connection.auth=certificate needs connection.certificate_pem and connection.certificate_key_pem"
                )
        elif not self.username:
            raise ConfigurationError(self._no_user_name())
        if self.auth == "basic" and self.scheme == "http" and self.message_encryption != "never":
            raise ConfigurationError(
                "connection.auth=basic over http would send the password in clear text and WinRM refuses it "
                "unless AllowUnencrypted=true: use connection.scheme=https (port 5986), or ntlm/negotiate/kerberos "
                "with message encryption; only if you really mean it, set connection.message_encryption=never"
            )
        if self.message_encryption == "always" and self.auth in ("basic", "certificate"):
            raise ConfigurationError(
                f"connection.message_encryption=always needs ntlm, negotiate, kerberos or credssp, not {self.auth}"
            )
        if self.auth == "basic":
            for value, what in ((self.username, "user name"), (self.password, "password")):
                try:
                    (value or "").encode("latin-1")  # what requests sends Basic credentials as
                except UnicodeEncodeError:
                    raise ConfigurationError(
                        f"connection.auth=basic: the {what} contains characters that Basic authentication cannot "
                        "send (use NTLM/Kerberos or ASCII)"
                    ) from None

    def _no_user_name(self) -> str:
        if self.source and self.source not in READ_BY_COLLECTION:
            return (
                f"no user name: this host's connection is {shown(self.source)}, and winremote.remoting reads "
                "ansible_user, ansible_password and the ansible_psrp_* / ansible_winrm_* variables only from hosts "
                "whose ansible_connection is psrp or winrm (ansible.builtin.psrp, ansible.builtin.winrm or their "
                "ansible.windows names); set ansible_connection: psrp for the host, or give the module's connection "
                "option (connection.username, connection.password, connection.host...), for every module of a play at "
                "once with module_defaults: {group/winremote.remoting.remoting: {connection: ...}}"
            )
        return "no user name: set ansible_user (or -u, or a machine credential) or connection.username"

    def _validate_tuning(self) -> None:
        """Options pypsrp would only reject while connecting, or never."""
        if self.reconnection_retries < 0:
            raise ConfigurationError(
                "connection.reconnection_retries (ansible_psrp_reconnection_retries) must be 0 or more"
            )
        if self.reconnection_backoff < 0:
            raise ConfigurationError(
                "connection.reconnection_backoff (ansible_psrp_reconnection_backoff) must be 0 or more seconds"
            )
        if self.max_envelope_size < MIN_ENVELOPE_SIZE:
            raise ConfigurationError(
                f"connection.max_envelope_size (ansible_psrp_max_envelope_size) must be at least {MIN_ENVELOPE_SIZE} "
                f"bytes, got {self.max_envelope_size}"
            )
        mechanism = self.credssp_auth_mechanism
        if mechanism is not None and str(mechanism).lower() not in CREDSSP_MECHANISMS:
            raise ConfigurationError(
                f"connection.credssp_auth_mechanism (ansible_psrp_credssp_auth_mechanism / "
                f"ansible_winrm_credssp_auth_mechanism) must be one of {', '.join(CREDSSP_MECHANISMS)}, "
                f"got {shown(str(mechanism))}"
            )

    def _validate_host(self) -> None:
        if not self.host:
            raise ConfigurationError("connection.host is required: set ansible_host or connection.host")
        host = str(self.host)
        if len(host) > MAX_HOST_LENGTH:
            raise ConfigurationError(
                f"connection.host (ansible_host) is {len(host)} characters long, more than a host name can be "
                f"({MAX_HOST_LENGTH}): {shown(host)}"
            )
        bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
        bad = sorted({ch for ch in bare if ch in URL_BREAKING or ch in "[]" or not ch.isprintable()})
        if bad:
            listed = " ".join(repr(ch) for ch in bad[:5])
            raise ConfigurationError(
                f"connection.host (ansible_host) must be a host name or an IP address, without a scheme, port, path "
                f"or spaces; {shown(host)} contains {listed} (set the port with connection.port and the path with "
                "connection.path)"
            )

    def _validate_files(self) -> None:
        if not self.ca_path or self.scheme != "https":
            return
        path = str(self.ca_path)
        try:
            if os.path.isdir(path):
                os.listdir(path)  # requests accepts a directory of hashed CA files (OpenSSL's CApath)
            else:
                with open(path, "rb") as stream:
                    stream.read(1)
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise ConfigurationError(
                f"connection.ca_path (ansible_psrp_ca_cert / ansible_winrm_ca_trust_path) cannot be read: "
                f"{shown(path, 120)}: {reason}; give the path of a PEM file (or directory) with the CA that issued "
                "the listener certificate"
            ) from None


def shown(value: str, limit: int = SHOWN_VALUE_LENGTH) -> str:
    """A refused value for a message, quoted and cut to ``limit`` characters (a host value can be 100 kB)."""
    return errors.truncate(repr(value), limit)


class OptionSource(t.Protocol):
    """The part of an Ansible connection plugin this module reads; options are resolved without connecting."""

    transport: str

    def get_option(self, option: str, hostvars: dict[str, t.Any] | None = None) -> t.Any: ...


def _option(conn: OptionSource, name: str, default: t.Any = None) -> t.Any:
    try:
        value = conn.get_option(name)
    except (KeyError, AttributeError):
        return default
    return default if value is None else value


def _winrm_extra(conn: OptionSource, name: str) -> t.Any:
    extras = _option(conn, "_extras", {}) or {}
    return extras.get(f"ansible_winrm_{name}")


def _default_port(scheme: str) -> int:
    return 5985 if scheme == "http" else 5986


def _scheme_for(port: int | None, scheme: str | None) -> str:
    """Both plugins default to https unless the port is 5985."""
    if scheme:
        return str(scheme)
    return "http" if port == 5985 else "https"


# pywinrm transports -> pypsrp auth; "plaintext"/"ssl" are Basic over http/https
_WINRM_TRANSPORTS = {
    "ntlm": "ntlm",
    "kerberos": "kerberos",
    "credssp": "credssp",
    "certificate": "certificate",
    "plaintext": "basic",
    "basic": "basic",
    "ssl": "basic",
}


def _from_psrp(conn: OptionSource) -> dict[str, t.Any]:
    port = _option(conn, "port")
    scheme = _scheme_for(port, _option(conn, "protocol"))
    settings = {
        "host": _option(conn, "remote_addr"),
        "port": int(port or _default_port(scheme)),
        "scheme": scheme,
        "path": _option(conn, "path", "wsman"),
        "username": _option(conn, "remote_user"),
        "password": _option(conn, "remote_password"),
        "auth": _option(conn, "auth", "negotiate"),
        "message_encryption": _option(conn, "message_encryption", "auto"),
        "cert_validation": str(_option(conn, "cert_validation", "validate")).lower() != "ignore",
        "ca_path": _option(conn, "ca_cert"),
        "connection_timeout": int(_option(conn, "connection_timeout", 30)),
        "read_timeout": int(_option(conn, "read_timeout", 30)),
        "operation_timeout": int(_option(conn, "operation_timeout", 20)),
        "certificate_pem": _option(conn, "certificate_pem"),
        "certificate_key_pem": _option(conn, "certificate_key_pem"),
        "proxy": _option(conn, "proxy"),
        "no_proxy": bool(_option(conn, "ignore_proxy", False)),
        "max_envelope_size": int(_option(conn, "max_envelope_size", 153600)),
        "reconnection_retries": int(_option(conn, "reconnection_retries", 0)),
        "reconnection_backoff": float(_option(conn, "reconnection_backoff", 2)),
    }
    for name in options.PASSED_TO_PYPSRP:
        settings[name] = _option(conn, name)
    return settings


def _from_winrm(conn: OptionSource) -> dict[str, t.Any]:
    port = _option(conn, "port")
    scheme = _scheme_for(port, _option(conn, "scheme"))
    username = _option(conn, "remote_user")
    password = _option(conn, "remote_password")
    transports = [tr for tr in (_option(conn, "transport") or []) if tr]
    # Without an explicit transport the winrm plugin would use Basic; we use Negotiate (Kerberos for a UPN),
    # which works against the default WinRM configuration and never sends the password in clear text.
    auth = "kerberos" if username and "@" in username else "negotiate"
    if transports:
        auth = _WINRM_TRANSPORTS.get(str(transports[0]).lower(), str(transports[0]).lower())
    if auth == "kerberos" and str(_option(conn, "kerberos_mode", "")).lower() == "manual":
        password = None  # kinit_mode=manual: the ticket cache holds the credentials, as with the winrm plugin
    validation = _winrm_extra(conn, "server_cert_validation")
    read_timeout = _winrm_extra(conn, "read_timeout_sec")
    operation_timeout = _winrm_extra(conn, "operation_timeout_sec")
    settings: dict[str, t.Any] = {
        "host": _option(conn, "remote_addr"),
        "port": int(port or _default_port(scheme)),
        "scheme": scheme,
        "path": _option(conn, "path", "wsman"),
        "username": username,
        "password": password,
        "auth": auth,
        "message_encryption": _winrm_extra(conn, "message_encryption") or "auto",
        "cert_validation": str(validation or "validate").lower() != "ignore",
        "ca_path": _winrm_extra(conn, "ca_trust_path"),
        "connection_timeout": int(_option(conn, "connection_timeout", 30) or 30),
        "read_timeout": int(read_timeout or 30),
        "operation_timeout": int(operation_timeout or 20),
        "certificate_pem": _winrm_extra(conn, "cert_pem"),
        "certificate_key_pem": _winrm_extra(conn, "cert_key_pem"),
    }
    extras = _option(conn, "_extras", {}) or {}
    if "ansible_winrm_proxy" in extras:
        proxy = extras["ansible_winrm_proxy"]
        # pywinrm: "legacy_requests" (its default) means the environment's proxy, None (null) means no proxy
        if proxy is None or str(proxy).strip() == "":
            settings["no_proxy"] = True
        elif str(proxy) != "legacy_requests":
            settings["proxy"] = str(proxy)
    for extra, (field, kind) in options.WINRM_EXTRA_FIELDS.items():
        value = extras.get(f"ansible_winrm_{extra}")
        if value is not None:
            settings[field] = _typed(value, kind, f"ansible_winrm_{extra}")
    return settings


def _typed(value: t.Any, kind: str, variable: str) -> t.Any:
    """An extra's value as pywinrm would take it (inventory values may be strings)."""
    try:
        if kind == "bool":
            if isinstance(value, str):
                lowered = value.strip().lower()
                if lowered not in ("true", "yes", "on", "1", "false", "no", "off", "0"):
                    raise ValueError(value)
                return lowered in ("true", "yes", "on", "1")
            return bool(value)
        if kind == "int":
            return int(value)
    except (TypeError, ValueError):
        raise ConfigurationError(f"{variable} must be a {'boolean' if kind == 'bool' else 'number'}") from None
    return str(value)


def settings_from_connection_plugin(conn: OptionSource | None) -> dict[str, t.Any]:
    """The host's own WinRM settings when its connection plugin is psrp or winrm; only its name otherwise.

    Every option of both plugins is classified in :mod:`.options`: an honoured one is read here, a refused one set
    to anything but its default raises :class:`ConfigurationError` naming the variable, and an ``ansible_winrm_*``
    variable that neither the winrm plugin nor pywinrm knows becomes a warning (``notes``)."""
    if conn is None:
        return {}
    name = str(getattr(conn, "transport", "")).rsplit(".", 1)[-1]
    if name not in READ_BY_COLLECTION:
        return {"source": name} if name else {}
    refusal = options.refusal(name, lambda option: _option(conn, option))
    if refusal:
        raise ConfigurationError(refusal)
    settings = _from_psrp(conn) if name == "psrp" else _from_winrm(conn)
    settings["source"] = name
    if name == "winrm":
        extras = _option(conn, "_extras", {}) or {}
        refusal = options.extras_refusal(extras)
        if refusal:
            raise ConfigurationError(refusal)
        notes = options.unknown_extras(extras)
        if notes:
            settings["notes"] = tuple(notes)
    return settings


def resolve(
    conn: OptionSource | None,
    overrides: t.Mapping[str, t.Any] | None,
    fallback_host: str | None = None,
) -> ConnectionConfig:
    """Build and validate the config: the host's connection plugin options, then the module's ``connection``
    option on top (only the keys it sets). ``fallback_host`` is the inventory address for hosts whose own
    connection is not WinRM (e.g. ``local`` in a controller-side play)."""
    settings = settings_from_connection_plugin(conn)
    chosen = {k: v for k, v in (overrides or {}).items() if v is not None}
    if (
        "port" not in chosen
        and "scheme" in chosen
        and "port" in settings
        and settings.get("scheme") != chosen["scheme"]
    ):
        settings["port"] = _default_port(str(chosen["scheme"]))
    if "scheme" not in chosen and "port" in chosen and "scheme" not in settings:
        chosen["scheme"] = _scheme_for(int(chosen["port"]), None)
    settings.update(chosen)
    if not settings.get("host") and fallback_host:
        settings["host"] = fallback_host
    if "port" not in settings:
        settings["port"] = _default_port(str(settings.get("scheme", "https")))
    # the winrm plugin's default path is "/wsman", psrp's "wsman": one form, or the URL gets "//wsman"
    settings["path"] = str(settings.get("path") or "wsman").strip("/") or "wsman"
    known = {f.name for f in dataclasses.fields(ConnectionConfig)}
    unknown = sorted(set(settings) - known)
    if unknown:
        raise ConfigurationError(f"unknown connection option(s): {', '.join(unknown)}")
    config = ConnectionConfig(**settings)
    config.validate()
    return config
