"""One place that turns connection settings into the client configuration the wire uses.

Action plugins never open Ansible's own connection: they read the host's connection plugin options (or the
module's ``connection`` option) and build a :class:`ConnectionConfig` from them, so ``hosts: windows`` works the
same from ansible-playbook, AWX/Automation Controller machine credentials and molecule.
"""

from __future__ import annotations

import dataclasses
import typing as t

AUTH_CHOICES = ("negotiate", "ntlm", "kerberos", "basic", "credssp", "certificate")
ENCRYPTION_CHOICES = ("auto", "always", "never")
SCHEME_CHOICES = ("http", "https")


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

    @property
    def endpoint(self) -> str:
        """The URL, for messages; never contains credentials."""
        return f"{self.scheme}://{self.host}:{self.port}/{self.path}"

    def validate(self) -> None:
        """Refuse unsafe or impossible combinations before any byte is sent."""
        if not self.host:
            raise ConfigurationError("connection.host is required: set ansible_host or connection.host")
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
        if self.auth == "certificate":
            if self.scheme != "https":
                raise ConfigurationError("connection.auth=certificate needs connection.scheme=https")
            if not (self.certificate_pem and self.certificate_key_pem):
                raise ConfigurationError(
                    "connection.auth=certificate needs connection.certificate_pem and connection.certificate_key_pem"
                )
        elif not self.username:
            raise ConfigurationError(
                "no user name: set ansible_user (or -u, or a machine credential) or connection.username"
            )
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
    return {
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
    }


def _from_winrm(conn: OptionSource) -> dict[str, t.Any]:
    port = _option(conn, "port")
    scheme = _scheme_for(port, _option(conn, "scheme"))
    username = _option(conn, "remote_user")
    transports = [tr for tr in (_option(conn, "transport") or []) if tr]
    # Without an explicit transport the winrm plugin would use Basic; we use Negotiate (Kerberos for a UPN),
    # which works against the default WinRM configuration and never sends the password in clear text.
    auth = "kerberos" if username and "@" in username else "negotiate"
    if transports:
        auth = _WINRM_TRANSPORTS.get(str(transports[0]).lower(), str(transports[0]).lower())
    validation = _winrm_extra(conn, "server_cert_validation")
    read_timeout = _winrm_extra(conn, "read_timeout_sec")
    operation_timeout = _winrm_extra(conn, "operation_timeout_sec")
    return {
        "host": _option(conn, "remote_addr"),
        "port": int(port or _default_port(scheme)),
        "scheme": scheme,
        "path": _option(conn, "path", "wsman"),
        "username": username,
        "password": _option(conn, "remote_password"),
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


def settings_from_connection_plugin(conn: OptionSource | None) -> dict[str, t.Any]:
    """The host's own WinRM settings when its connection plugin is psrp or winrm; nothing otherwise."""
    if conn is None:
        return {}
    name = str(getattr(conn, "transport", "")).rsplit(".", 1)[-1]
    if name == "psrp":
        return _from_psrp(conn)
    if name == "winrm":
        return _from_winrm(conn)
    return {}


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
