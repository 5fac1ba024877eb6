# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The root of the error hierarchy and the errors from above the wire: kinds, one-line messages."""

from __future__ import annotations

import pytest

from ansible_collections.winremote.remoting.plugins.plugin_utils import errors
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import files, tasks, winrm_filters
from ansible_collections.winremote.remoting.plugins.plugin_utils.wsman import errors as wire_errors


def test_invalid_argument_names_the_option_first() -> None:
    err = errors.InvalidArgumentError("remote_address", "'10.0.0.1%eth0' has a scope ID ('%')")
    assert isinstance(err, errors.WinRemoteError)
    assert err.kind == "invalid_argument"
    assert err.option == "remote_address"
    assert str(err) == "remote_address: '10.0.0.1%eth0' has a scope ID ('%')"
    assert repr(err) == "InvalidArgumentError(\"remote_address: '10.0.0.1%eth0' has a scope ID ('%')\")"


def test_not_converged_is_a_root_error() -> None:
    err = errors.NotConvergedError("the listener is still there after the Delete")
    assert isinstance(err, errors.WinRemoteError)
    assert err.kind == "not_converged"
    assert str(err) == "the listener is still there after the Delete"


def test_wire_errors_share_the_root() -> None:
    assert wire_errors.WinRemoteError is errors.WinRemoteError
    for name in wire_errors.__all__:
        value = getattr(wire_errors, name)
        if isinstance(value, type):
            assert issubclass(value, errors.WinRemoteError), name
    assert not issubclass(errors.InvalidArgumentError, wire_errors.InvalidSettingsError)


def test_filter_errors_are_argument_errors() -> None:
    """ipv4_filter / ipv6_filter are module options: a bad one is an argument error naming it (and a ValueError)."""
    with pytest.raises(errors.InvalidArgumentError) as caught:
        winrm_filters.normalize("ipv4_filter", "10.0.0.256")
    assert isinstance(caught.value, ValueError)
    assert caught.value.option == "ipv4_filter"
    assert str(caught.value) == "ipv4_filter: invalid item '10.0.0.256': is not an IPv4 address"


def test_facade_errors_share_the_root() -> None:
    assert issubclass(tasks.TaskError, errors.WinRemoteError)
    assert issubclass(files.FileTransferError, errors.WinRemoteError)
