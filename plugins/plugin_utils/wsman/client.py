# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""WSManClient: the collection's one way to talk to a Windows host.

It wraps a single lazily-built ``pypsrp.wsman.WSMan`` so every call of a task shares one TCP connection and one
authentication, counts the SOAP requests it sends (round trips are the cost model), and turns every failure into
a :class:`errors.WinRemoteError`. The HTTP session under pypsrp is the guarded one of :mod:`.transport`: no
redirect is followed, every request has a wall-clock deadline and every reply a size limit.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import ssl
import tempfile
import time
import typing as t
import xml.etree.ElementTree as ET

from ansible_collections.winremote.remoting.plugins.plugin_utils import connection_options
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import (
    cim,
    errors,
    identify,
    protocol,
    translate,
    transport,
    winrs,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import xml as wx

if t.TYPE_CHECKING:
    from ansible_collections.winremote.remoting.plugins.plugin_utils.connection import ConnectionConfig

try:
    from pypsrp.wsman import OptionSet, SelectorSet, WSMan

    HAS_PYPSRP = True
except ImportError:  # pragma: no cover - exercised only on controllers without pypsrp
    HAS_PYPSRP = False

ACTION_GET = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Get"
ACTION_PUT = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Put"
ACTION_CREATE = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create"
ACTION_DELETE = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete"
ACTION_ENUMERATE = "http://schemas.xmlsoap.org/ws/2004/09/enumeration/Enumerate"
ACTION_PULL = "http://schemas.xmlsoap.org/ws/2004/09/enumeration/Pull"
MAX_ELEMENTS = 32000  # Windows' default MaxBatchItems: small results come back in the Enumerate reply itself
MAX_PULLS = 100000  # a runaway guard against a server that never ends the sequence

Body = protocol.Body
OptionValue = winrs.OptionValue
IdentifyInfo = identify.IdentifyInfo
CommandResult = winrs.CommandResult

MISSING_PYPSRP = (
    "winremote.remoting talks WS-Management through pypsrp, which is not installed for the Python running Ansible: "
    "install pypsrp>=0.9,<1.0 on the controller (pip install 'pypsrp>=0.9,<1.0')"
)


def _to_element(body: Body) -> ET.Element | None:
    if body is None or isinstance(body, ET.Element):
        return body
    try:
        return wx.parse(body)
    except wx.XmlError as exc:
        raise errors.InvalidSettingsError(f"the request body is not valid XML: {exc}") from exc


def _option_set(options: t.Mapping[str, OptionValue] | None) -> OptionSet | None:
    if not options:
        return None
    option_set = OptionSet()
    for name, value in options.items():
        attributes: dict[str, str] | None = None
        if isinstance(value, tuple):
            value, attributes = value
        text = ("TRUE" if value else "FALSE") if isinstance(value, bool) else str(value)
        option_set.add_option(name, text, attributes)
    return option_set


def _selector_set(selectors: t.Mapping[str, t.Any] | None) -> SelectorSet | None:
    if not selectors:
        return None
    selector_set = SelectorSet()
    for name, value in selectors.items():
        selector_set.add_option(name, str(value))
    return selector_set


def enumerate_body(wql: str | None = None) -> ET.Element:
    """An optimized Enumerate: items ride in the reply, so a small result costs one round trip; ``wql`` filters
    the instances of a CIM class on the host."""
    root = ET.Element(wx.qn("wsen", "Enumerate"))
    ET.SubElement(root, wx.qn("wsman", "OptimizeEnumeration"))
    ET.SubElement(root, wx.qn("wsman", "MaxElements")).text = str(MAX_ELEMENTS)
    if wql is not None:
        ET.SubElement(root, wx.qn("wsman", "Filter"), Dialect=wx.WQL_DIALECT).text = wql
    return root


def pull_body(context: str) -> ET.Element:
    """A Pull for the next batch of an enumeration."""
    root = ET.Element(wx.qn("wsen", "Pull"))
    ET.SubElement(root, wx.qn("wsen", "EnumerationContext")).text = context
    ET.SubElement(root, wx.qn("wsen", "MaxElements")).text = str(MAX_ELEMENTS)
    return root


def parse_enumeration(body: ET.Element) -> tuple[list[ET.Element], str | None, bool]:
    """(items, enumeration context, end of sequence) from an EnumerateResponse or PullResponse body."""
    response = wx.first_child(body)
    if response is None or wx.local_name(response.tag) not in ("EnumerateResponse", "PullResponse"):
        raise errors.ProtocolError("the enumeration reply has no EnumerateResponse or PullResponse")
    items_elem = wx.child(response, "Items")
    items = list(items_elem) if items_elem is not None else []
    context = wx.child_text(response, "EnumerationContext") or None
    end = wx.child(response, "EndOfSequence") is not None
    return items, context, end


def check_client_certificate(certificate_path: str, key_path: str, source: str = "") -> None:
    """Load the client certificate and key on the controller before connecting, so a file that is not a PEM
    certificate with its unencrypted key is reported as such, not as a failure of the listener or the handshake.
    The library's error text is not repeated: it could quote the files. ``source`` is the host's connection plugin,
    so the message names its variables."""
    try:
        ssl.create_default_context(ssl.Purpose.SERVER_AUTH).load_cert_chain(certificate_path, key_path)
    except (ssl.SSLError, OSError, ValueError):
        names = (
            f"{translate.option_variable(source or 'psrp', 'certificate_pem')}, "
            f"{translate.option_variable(source or 'psrp', 'certificate_key_pem')}"
        )
        if not source:
            names += "; ansible_winrm_cert_pem, ansible_winrm_cert_key_pem"
        raise errors.InvalidSettingsError(
            f"connection.certificate_pem / connection.certificate_key_pem ({names}): the client certificate and its "
            "key could not be loaded on this controller; give a PEM certificate and the unencrypted PEM private key "
            "that belongs to it"
        ) from None


def check_auth_packages(auth: str) -> None:
    """pypsrp offers Kerberos and CredSSP but imports their libraries only while authenticating, and then fails
    with an ImportError in the middle of a request; say which package is missing before connecting."""
    needed = translate.AUTH_PACKAGES.get(auth)
    if needed is None:
        return
    module, extra, needs = needed
    try:
        importlib.import_module(module)
    except ImportError:
        raise translate.missing_auth_package(auth, module, extra, needs) from None


def pypsrp_options(config: ConnectionConfig) -> dict[str, t.Any]:
    """The optional WSMan keyword arguments the host set (None keeps pypsrp's own default)."""
    names = connection_options.PASSED_TO_PYPSRP
    return {name: getattr(config, name) for name in names if getattr(config, name) is not None}


class WSManClient:
    """Get/Put/Create/Delete, Enumerate(+Pull), CIM invoke, Identify and WinRS over one WSMan session."""

    def __init__(self, config: ConnectionConfig) -> None:
        if not HAS_PYPSRP:
            raise errors.MissingDependencyError(MISSING_PYPSRP)
        self.config = config
        self.request_count = 0
        self.answered = False  # the host sent any reply (an error reply too): it was reached
        self.codepage = winrs.UTF8_CODEPAGE  # the shell code page; observations set it per host (winrs.codepage_for)
        self._wsman: WSMan | None = None
        self._temp_files: list[str] = []

    def __repr__(self) -> str:
        return f"WSManClient({self.config.endpoint}, user={self.config.username!r}, auth={self.config.auth})"

    def __enter__(self) -> WSManClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- session -------------------------------------------------------------------------------------------------

    def _pem_path(self, value: str) -> str:
        """pypsrp wants file paths; inline PEM text is written to a private temporary file (removed on close)."""
        if "-----BEGIN" not in value:
            return value
        handle, path = tempfile.mkstemp(prefix="winremote-", suffix=".pem")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(value)
        self._temp_files.append(path)
        return path

    def _session(self) -> WSMan:
        if self._wsman is not None:
            return self._wsman
        config = self.config
        try:
            config.validate()
            check_auth_packages(config.auth)
            kwargs: dict[str, t.Any] = pypsrp_options(config)
            # requests takes a CA bundle path where pypsrp's annotation says bool; a path means "validate with it"
            verify: t.Any = config.ca_path or config.cert_validation
            if config.auth == "certificate":
                kwargs["certificate_pem"] = self._pem_path(config.certificate_pem or "")
                kwargs["certificate_key_pem"] = self._pem_path(config.certificate_key_pem or "")
                check_client_certificate(kwargs["certificate_pem"], kwargs["certificate_key_pem"], config.source)
            self._wsman = WSMan(
                config.host,
                port=config.port,
                username=None if config.auth == "certificate" else config.username,
                password=None if config.auth == "certificate" else config.password,
                ssl=config.scheme == "https",
                path=config.path,
                auth=config.auth,
                cert_validation=verify,
                connection_timeout=config.connection_timeout,
                read_timeout=config.read_timeout,
                operation_timeout=config.operation_timeout,
                encryption=config.message_encryption,
                proxy=config.proxy,
                no_proxy=config.no_proxy,
                max_envelope_size=config.max_envelope_size,
                reconnection_retries=config.reconnection_retries,
                reconnection_backoff=config.reconnection_backoff,
                **kwargs,
            )
            # pypsrp builds its session (auth, proxies, verify) lazily; build it now and put the guard on it
            self._wsman.transport.session = transport.guard(self._wsman.transport._build_session(), config)
        except Exception as exc:
            raise translate.translate(exc, config) from None
        return self._wsman

    def close(self) -> None:
        """Close the connection and remove temporary key files; the client may be used again afterwards."""
        if self._wsman is not None:
            with contextlib.suppress(Exception):  # closing a dead connection must not hide the real error
                self._wsman.close()
            self._wsman = None
        while self._temp_files:
            with contextlib.suppress(OSError):
                os.unlink(self._temp_files.pop())

    # --- generic request -----------------------------------------------------------------------------------------

    def request(
        self,
        action: str,
        resource_uri: str,
        body: Body = None,
        selectors: t.Mapping[str, t.Any] | None = None,
        options: t.Mapping[str, OptionValue] | None = None,
    ) -> ET.Element:
        """Send one SOAP request and return the reply's ``s:Body``; every failure is a WinRemoteError."""
        wsman = self._session()
        element = _to_element(body)
        self.request_count += 1
        try:
            envelope = wsman.invoke(action, resource_uri, element, _option_set(options), _selector_set(selectors))
        except Exception as exc:
            raise self._failed(exc) from None
        self.answered = True
        return wx.body(envelope)

    def _failed(self, exc: BaseException) -> errors.WinRemoteError:
        """Translate, and drop a session whose connection died: its auth/encryption context died with it."""
        err = translate.translate(exc, self.config)
        if isinstance(err, (errors.HostUnreachableError, errors.ConnectionTimeoutError)):
            self.close()
        else:
            self.answered = True  # a fault, a 401, a TLS alert: something at that address answered
        return err

    # --- WS-Transfer ---------------------------------------------------------------------------------------------

    def get(
        self,
        resource_uri: str,
        selectors: t.Mapping[str, t.Any] | None = None,
        options: t.Mapping[str, OptionValue] | None = None,
    ) -> ET.Element:
        """WS-Transfer Get; returns the resource element (the body's first child)."""
        found = wx.first_child(self.request(ACTION_GET, resource_uri, None, selectors, options))
        if found is None:
            raise errors.ProtocolError(f"the Get reply for {resource_uri} is empty")
        return found

    def put(
        self,
        resource_uri: str,
        body: Body,
        selectors: t.Mapping[str, t.Any] | None = None,
        options: t.Mapping[str, OptionValue] | None = None,
    ) -> ET.Element | None:
        """WS-Transfer Put; returns the updated resource when the service echoes it."""
        return wx.first_child(self.request(ACTION_PUT, resource_uri, body, selectors, options))

    def create(
        self,
        resource_uri: str,
        body: Body,
        selectors: t.Mapping[str, t.Any] | None = None,
        options: t.Mapping[str, OptionValue] | None = None,
    ) -> ET.Element:
        """WS-Transfer Create; returns ``ResourceCreated`` (the new resource's EPR)."""
        reply = self.request(ACTION_CREATE, resource_uri, body, selectors, options)
        found = wx.child(reply, "ResourceCreated")
        if found is None:
            found = wx.first_child(reply)
        if found is None:
            raise errors.ProtocolError(f"the Create reply for {resource_uri} is empty")
        return found

    def delete(
        self,
        resource_uri: str,
        selectors: t.Mapping[str, t.Any] | None = None,
        options: t.Mapping[str, OptionValue] | None = None,
    ) -> None:
        """WS-Transfer Delete."""
        self.request(ACTION_DELETE, resource_uri, None, selectors, options)

    # --- WS-Enumeration ------------------------------------------------------------------------------------------

    def enumerate(self, resource_uri: str, wql: str | None = None) -> list[ET.Element]:
        """Optimized Enumerate, then Pull until EndOfSequence; returns the item elements."""
        body = enumerate_body(wql)
        limit = transport.command_deadline(self.config)  # an enumeration is bounded like one command
        ends = time.monotonic() + limit
        items, context, end = parse_enumeration(self.request(ACTION_ENUMERATE, resource_uri, body))
        for _unused in range(MAX_PULLS):
            if end or not context:
                return items
            if time.monotonic() >= ends:
                raise translate.deadline_exceeded(
                    self.config.endpoint,
                    limit,
                    f"the enumeration of {resource_uri}",
                    "connection.connection_timeout + connection.read_timeout + "
                    f"{winrs.COMMAND_POLLS} x connection.operation_timeout",
                )
            reply = self.request(ACTION_PULL, resource_uri, pull_body(context))
            batch, next_context, end = parse_enumeration(reply)
            items.extend(batch)
            context = next_context or context
        raise errors.ProtocolError(f"the enumeration of {resource_uri} did not end after {MAX_PULLS} Pull requests")

    # --- CIM, Identify, WinRS ------------------------------------------------------------------------------------

    def invoke(
        self,
        resource_uri: str,
        method: str,
        params: t.Mapping[str, t.Any] | None = None,
        selectors: t.Mapping[str, t.Any] | None = None,
        types: cim.TypeHints | None = None,
    ) -> dict[str, cim.CimValue]:
        """Invoke a CIM method; raises CimMethodError on a non-zero ReturnValue."""
        body = cim.build_input(resource_uri, method, params)
        reply = self.request(f"{resource_uri}/{method}", resource_uri, body, selectors)
        return cim.parse_output(reply, resource_uri, method, types)

    def identify(self, authenticated: bool = True) -> IdentifyInfo:
        """Identify the service; anonymous hides the OS version, authenticated reveals it."""
        self.request_count += 1
        if not authenticated:
            try:
                info = identify.identify_unauthenticated(self.config)
            except errors.WinRemoteError as exc:
                if not isinstance(exc, (errors.HostUnreachableError, errors.ConnectionTimeoutError)):
                    self.answered = True
                raise
            self.answered = True
            return info
        wsman = self._session()
        try:
            reply = wsman.transport.send(identify.IDENTIFY_REQUEST)
        except Exception as exc:
            raise self._failed(exc) from None
        self.answered = True
        return identify.parse_response(reply)

    def run_command(self, command: str, arguments: t.Sequence[str] = ()) -> CommandResult:
        """Run one command through WinRS (4 requests); returns stdout, stderr and the exit code."""
        limits = winrs.CommandLimits(
            deadline=transport.command_deadline(self.config),
            max_output=winrs.MAX_OUTPUT_BYTES,
            endpoint=self.config.endpoint,
            on_abandoned_shell=self.close,
        )
        return winrs.run_command(self.request, command, arguments, limits, self.codepage)

    def run_command_with_input(
        self, command: str, arguments: t.Sequence[str], stdin: t.Iterable[bytes], extra_seconds: float = 0.0
    ) -> CommandResult:
        """``run_command`` with one Send per item of ``stdin``; the command deadline grows by ``extra_seconds``
        (the caller's allowance for its input's size)."""
        limits = winrs.CommandLimits(
            deadline=transport.command_deadline(self.config) + max(0.0, extra_seconds),
            max_output=winrs.MAX_OUTPUT_BYTES,
            endpoint=self.config.endpoint,
            on_abandoned_shell=self.close,
        )
        return winrs.run_command_with_input(self.request, command, arguments, stdin, limits, self.codepage)


if t.TYPE_CHECKING:

    def satisfies_protocol(client: WSManClient) -> protocol.Client:
        """Never called: mypy checks here that WSManClient offers everything protocol.Client promises."""
        return client
