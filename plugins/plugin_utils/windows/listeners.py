# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A WinRM listener with every setting the listener resource has: Create and Put with their undo lines, and the
host's computer name (the default Hostname of an HTTPS listener).

The settings are those of ``winrm create winrm/config/Listener?Address=*+Transport=HTTPS
@{Hostname="...";CertificateThumbprint="..."}`` (Microsoft Learn, "Installation and configuration for Windows
Remote Management", Listener configuration): Port, Hostname, Enabled, URLPrefix and CertificateThumbprint. A Put
that changes only CertificateThumbprint rotates the certificate in place: the listener is never deleted and
created again, so there is no moment without it. Every listener change restarts WinRM, which drops open
connections.
"""

from __future__ import annotations

import dataclasses
import re
import typing as t

from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.change import Endpoint, Operation, Restore
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import registry, tasks, winrm_config
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import errors
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman.protocol import Client

# What a restore line may carry for a listener setting (a host name, a URL prefix, a thumbprint, a number,
# true/false): no quote, percent sign or other character cmd.exe or winrm.cmd's @{} syntax would read.
_RESTORABLE = re.compile(r"[A-Za-z0-9.\-_]*")
# Where Windows keeps the computer's DNS host name and primary DNS suffix (the TCP/IP parameters key; these are the
# values "hostname" and the FQDN are made of).
TCPIP_KEY = r"HKLM\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters"


class ListenerRestoreError(errors.WinRemoteError):
    """A listener's current setting cannot be written into the rollback script; nothing was changed."""

    kind = "listener_restore"


@dataclasses.dataclass(frozen=True)
class Settings:
    """A listener's settings as the listener resource names them."""

    port: int
    hostname: str = ""
    enabled: bool = True
    url_prefix: str = "wsman"
    certificate_thumbprint: str = ""  # HTTPS only

    @classmethod
    def of(cls, listener: winrm_config.Listener) -> Settings:
        return cls(
            int(listener.port or 0),
            listener.hostname,
            listener.enabled,
            listener.url_prefix,
            listener.certificate_thumbprint.replace(" ", "").upper(),
        )

    def fields(self, transport: str) -> dict[str, t.Any]:
        found: dict[str, t.Any] = {
            "Port": self.port,
            "Hostname": self.hostname,
            "Enabled": self.enabled,
            "URLPrefix": self.url_prefix,
        }
        if transport.upper() == "HTTPS":
            found["CertificateThumbprint"] = self.certificate_thumbprint
        return found


def restore_lines(address: str, transport: str, previous: Settings) -> list[str]:
    """``winrm set`` of every setting back to ``previous``, for the rollback guard (winrm.cmd is a batch file, hence
    ``call``; it needs the service running, hence the start first; the restart comes last)."""
    pairs = []
    for name, value in previous.fields(transport).items():
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        if not _RESTORABLE.fullmatch(text):
            raise ListenerRestoreError(
                f"the {transport.upper()} listener's current {name} {text[:60]!r} cannot be written into a restore "
                "script, so the change cannot be guarded; nothing was changed"
            )
        pairs.append(f'{name}="{text}"')
    resource = winrm_config.listener_resource(address, transport)
    return ["net start winrm >nul 2>&1", f"call winrm set {resource} @{{{';'.join(pairs)}}}", tasks.RESTART_WINRM]


@dataclasses.dataclass(frozen=True)
class CreateFullListener(Operation):
    """WS-Transfer Create of a listener with all its settings; its undo deletes it again."""

    kind: t.ClassVar[str] = "create_listener"
    restarts_winrm: t.ClassVar[bool] = True
    address: str
    transport: str
    settings: Settings

    def apply(self, client: Client) -> None:
        winrm_config.create_listener(client, self.address, self.transport, **self.settings.fields(self.transport))

    @property
    def undo(self) -> Restore:
        commands = winrm_config.restore_listener_commands(self.address, self.transport, None)
        return Restore(
            {}, commands, f"the listeners as they were (no {self.transport.upper()} listener on {self.address})"
        )


@dataclasses.dataclass(frozen=True)
class PutListener(Operation):
    """WS-Transfer Put of a listener's settings (a certificate rotation is a Put of CertificateThumbprint). Its
    undo puts every setting back; a setting that cannot be written into the restore script refuses the change when
    the operation is made, before anything is changed."""

    kind: t.ClassVar[str] = "update_listener"
    restarts_winrm: t.ClassVar[bool] = True
    previous: winrm_config.Listener
    settings: Settings
    restore: tuple[str, ...] = dataclasses.field(init=False, repr=False)

    def __post_init__(self) -> None:
        lines = restore_lines(self.previous.address, self.previous.transport, Settings.of(self.previous))
        object.__setattr__(self, "restore", tuple(lines))

    def apply(self, client: Client) -> None:
        fields = self.settings.fields(self.previous.transport)
        winrm_config.update_listener(client, self.previous.address, self.previous.transport, **fields)

    @property
    def undo(self) -> Restore:
        what = f"the previous {self.previous.transport.upper()} listener on {self.previous.address}"
        if self.previous.certificate_thumbprint:
            what += f" (certificate {self.previous.certificate_thumbprint.replace(' ', '').upper()})"
        return Restore({}, list(self.restore), what)

    def affects_endpoint(self, endpoint: Endpoint) -> str | None:
        """Disabling it, moving its port or its URL prefix cuts a connection through it; a new certificate or host
        name does not (the connection comes back through the same listener, guarded)."""
        if not winrm_config.serves(self.previous, endpoint):
            return None
        same_path = self.settings.url_prefix.lower() == (self.previous.url_prefix or "wsman").lower()
        if self.settings.enabled and self.settings.port == self.previous.port and same_path:
            return None
        return (
            f"changing the {self.previous.transport.upper()} listener on {self.previous.address} (port, enabled or "
            f"URL prefix) changes the listener this connection comes through ({endpoint.scheme} port "
            f"{endpoint.port})"
        )


def _string(client: Client, path: str, name: str) -> str | None:
    hive, sub_key = registry.split_path(path)
    try:
        out = client.invoke(
            registry.STDREGPROV_URI,
            "GetStringValue",
            {"hDefKey": hive, "sSubKeyName": sub_key, "sValueName": name},
            types={"sValue": "str"},
        )
    except errors.CimMethodError as exc:
        if exc.reason == "not_found":
            return None
        raise
    value = out.get("sValue")
    return value.strip() if isinstance(value, str) else None


def read_computer_name(client: Client) -> str | None:
    """The computer's FQDN (``Hostname`` + ``.`` + ``Domain`` of the TCP/IP parameters, by StdRegProv, two round
    trips), its host name when it has no DNS suffix, None when neither can be read."""
    try:
        host = _string(client, TCPIP_KEY, "Hostname")
        domain = _string(client, TCPIP_KEY, "Domain") if host else None
    except errors.CimMethodError:
        return None
    if not host:
        return None
    return f"{host}.{domain}" if domain else host
