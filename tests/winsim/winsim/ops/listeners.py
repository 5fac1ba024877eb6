# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Create, change and delete WinRM listeners (`winrm/config/listener`), with the rules both WS-Transfer and
`winrm.cmd` apply. Every listener change makes WinRM restart (LISTENER_EFFECTS), which drops open connections."""

from __future__ import annotations

import dataclasses

from winsim import rules
from winsim.ops.errors import (
    AlreadyExists,
    CertificateKeyMissing,
    CertificateNotFound,
    GpoControlled,
    InvalidListenerAddress,
    InvalidTransport,
    InvalidValue,
    NotFound,
)
from winsim.state import HostState, Listener

RESTART_WINRM = "restart_winrm"  # the effect name the transport acts on (winsim/contract.py)
LISTENER_EFFECTS = frozenset({RESTART_WINRM})
TRANSPORTS = ("HTTP", "HTTPS")


def find_listener(state: HostState, address: str, transport: str) -> Listener | None:
    """The effective listener with these selectors (address case-insensitive), the Group Policy one included."""
    return next(
        (
            x
            for x in rules.effective_listeners(state)
            if x.address.lower() == address.lower() and x.transport.upper() == transport.upper()
        ),
        None,
    )


def changeable_listener(state: HostState, address: str, transport: str) -> Listener:
    """The local listener a Put or Delete would change: it must exist, and Group Policy's listener refuses."""
    listener = find_listener(state, address, transport)
    if listener is None:
        raise NotFound(f"No listener Address={address} Transport={transport}.")
    if listener.source == "GPO":
        raise GpoControlled("Listener")
    return listener


def apply_fields(state: HostState, listener: Listener, values: dict[str, str]) -> None:
    """Set the given listener settings (`Port`, `Hostname`, `Enabled`, `URLPrefix`, `CertificateThumbprint`) on
    `listener`, checking each as WinRM does; an HTTPS listener must name a certificate of LocalMachine\\My (the
    registry, winsim.cert_store) that has a private key and whose CN is its Hostname."""
    if "Port" in values:
        if not values["Port"].isdigit() or not 0 < int(values["Port"]) < 65536:
            raise InvalidValue(f"The port {values['Port']} is not valid.")
        listener.port = int(values["Port"])
    if "Hostname" in values:
        listener.hostname = values["Hostname"]
    if "Enabled" in values:
        if values["Enabled"].lower() not in ("true", "false"):
            raise InvalidValue("Enabled must be true or false.")
        listener.enabled = values["Enabled"].lower() == "true"
    if "URLPrefix" in values:
        listener.url_prefix = values["URLPrefix"]
    if "CertificateThumbprint" in values:
        listener.certificate_thumbprint = values["CertificateThumbprint"].replace(" ", "").upper()
    if listener.transport == "HTTPS":
        _check_https(state, listener)


def _check_https(state: HostState, listener: Listener) -> None:
    if not listener.hostname:
        raise InvalidValue("An HTTPS listener needs a Hostname.")
    cert = next((c for c in state.certificates if c.thumbprint.upper() == listener.certificate_thumbprint), None)
    if cert is None:
        raise CertificateNotFound(listener.certificate_thumbprint)
    if not cert.has_private_key:
        raise CertificateKeyMissing(listener.certificate_thumbprint)
    cn = cert.subject.split("CN=", 1)[-1].split(",")[0].strip()
    if cn.lower() != listener.hostname.lower():
        raise InvalidValue("The certificate CN and the hostname that were provided do not match. ")


def check_new_listener(state: HostState, address: str, transport: str) -> None:
    """Whether a listener with these selectors may be created (before its settings are looked at)."""
    if transport.upper() not in TRANSPORTS:
        raise InvalidTransport(transport)
    if address != "*" and not address.upper().startswith(("IP:", "MAC:")):
        raise InvalidListenerAddress(address)
    if find_listener(state, address, transport) is not None:
        raise AlreadyExists(f"Address={address} Transport={transport}")


def create_listener(state: HostState, address: str, transport: str, values: dict[str, str] | None = None) -> Listener:
    """A new local listener on the default port of its transport (winrm/config/service/DefaultPorts)."""
    transport = transport.upper()
    check_new_listener(state, address, transport)
    default_port = state.winrm_text("Service", "DefaultPorts", transport)
    listener = Listener(address=address, transport=transport, port=int(default_port))
    apply_fields(state, listener, values or {})
    state.listeners.append(listener)
    return listener


def set_listener(state: HostState, address: str, transport: str, values: dict[str, str]) -> Listener:
    """Change a local listener; a bad value changes nothing. Group Policy's listener refuses changes."""
    listener = changeable_listener(state, address, transport)
    updated = dataclasses.replace(listener)
    apply_fields(state, updated, values)
    state.listeners[state.listeners.index(listener)] = updated
    return updated


def delete_listener(state: HostState, address: str, transport: str) -> None:
    """Delete a local listener. Group Policy's listener refuses."""
    state.listeners.remove(changeable_listener(state, address, transport))


def remove_local_listeners(state: HostState, address: str, transport: str) -> bool:
    """Drop the local listener configuration for these selectors even while a Group Policy listener hides it
    (what Configure-SMRemoting -disable does to `*`/HTTP); False when there was none."""
    kept = [x for x in state.listeners if not (x.address == address and x.transport == transport.upper())]
    removed = len(kept) != len(state.listeners)
    state.listeners = kept
    return removed
