# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The refusals of the operations layer: what Windows answers when a change is not allowed.

Each interface renders them its own way (a SOAP fault for WS-Man, a message and exit code for a command-line
tool), so the message here is a short English reason, and service errors carry the Win32 error code of the Service
Control Manager (https://learn.microsoft.com/windows/win32/debug/system-error-codes--1000-1299-).
"""

from __future__ import annotations


class OperationError(Exception):
    """Windows refused the change; nothing was changed."""


class NotFound(OperationError):
    """The listener, rule, service, key or value does not exist."""


class AlreadyExists(OperationError):
    """A listener with these selectors exists already."""


class GpoControlled(OperationError):
    """Group Policy owns the setting (or the listener / rule); local changes are refused."""

    def __init__(self, setting: str) -> None:
        super().__init__(f"Cannot change GPO controlled setting: {setting}.")
        self.setting = setting


class AccessDenied(OperationError):
    """The change is not allowed (a Group Policy firewall rule, the HKLM root, a key with subkeys)."""


class InvalidValue(OperationError):
    """A value Windows rejects; the message is the reason WS-Man gives for it."""


class ReadOnlySetting(InvalidValue):
    """A WinRM setting that cannot be changed on this stack."""


class UnknownSetting(OperationError):
    """A setting the resource does not have (a schema error on the wire)."""


class InvalidTransport(OperationError):
    """A listener transport other than HTTP or HTTPS."""


class InvalidListenerAddress(OperationError):
    """A listener address that is not `*`, `IP:<address>` or `MAC:<address>`."""


class CertificateNotFound(OperationError):
    """No certificate in LocalMachine\\My has the thumbprint an HTTPS listener names."""


class CertificateKeyMissing(CertificateNotFound):
    """The certificate an HTTPS listener names is in LocalMachine\\My without a private key.

    ASSUMPTION: WinRM refuses it with the same ERROR_WSMAN_CERT_NOT_FOUND fault as a missing certificate (it looks
    the certificate up together with its key); a public capture of this exact refusal was not found."""


class ServiceError(OperationError):
    """A Service Control Manager refusal, with its Win32 error code."""

    code = 0


class ServiceDoesNotExist(ServiceError, NotFound):
    code = 1060  # ERROR_SERVICE_DOES_NOT_EXIST


class ServiceAlreadyRunning(ServiceError):
    code = 1056  # ERROR_SERVICE_ALREADY_RUNNING


class ServiceDisabled(ServiceError):
    code = 1058  # ERROR_SERVICE_DISABLED


class ServiceNotActive(ServiceError):
    code = 1062  # ERROR_SERVICE_NOT_ACTIVE
