# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""winrm_service's operations say which Puts may lock the controller out (so the engine guards them), and the
procedure's settled checks read the planned values back (on simulated hosts: test_winrm_service_lockout.py)."""

from __future__ import annotations

import pytest

from ansible_collections.winremote.remoting.plugins.plugin_utils.engine import guard
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures import remoting_info
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures.winrm_service import (
    ServiceDesired,
    ServiceState,
    WinrmService,
    plan,
    unsettled,
)
from ansible_collections.winremote.remoting.plugins.plugin_utils.windows import winrm_config

SDDL = "O:NSG:BAD:P(A;;GA;;;BA)(A;;GR;;;IU)S:P(AU;FA;GA;;;WD)(AU;SA;GXGW;;;WD)"
HOST = {
    "MaxEnvelopeSizekb": "500",
    "Service/RootSDDL": SDDL,
    "Service/MaxConnections": "300",
    "Service/AllowUnencrypted": "false",
    "Service/IPv4Filter": "*",
    "Service/IPv6Filter": "*",
    "Service/Auth/Basic": "false",
    "Service/Auth/CbtHardeningLevel": "Relaxed",
    "Winrs/MaxShellsPerUser": "30",
}


def state(**values: str) -> ServiceState:
    merged = {**HOST, **{k.replace("__", "/"): v for k, v in values.items()}}
    return ServiceState(winrm_config.ConfigSettings(merged, frozenset()))


@pytest.mark.parametrize(
    ("element", "value", "locks"),
    [
        ("RootSDDL", SDDL, True),
        ("AllowUnencrypted", "true", True),
        ("IPv4Filter", "*", True),
        ("IPv6Filter", "", True),
        ("MaxConnections", "10", False),
    ],
)
def test_service_settings_may_lock_out_by_what_they_set(element: str, value: str, locks: bool) -> None:
    operation = winrm_config.SetServiceSettings(((element, value),))
    assert operation.may_lock_out is locks and operation.reconnects is locks and not operation.restarts_winrm
    both = winrm_config.SetServiceSettings((("MaxConnections", "10"), (element, value)))
    assert both.may_lock_out is locks  # any field that may lock out marks the whole Put


def test_every_auth_change_may_lock_out_and_the_other_sections_do_not() -> None:
    assert winrm_config.SetAuth((("credssp", True),)).may_lock_out  # turning a scheme on too
    assert winrm_config.SetAuth((("cbt_hardening_level", "Strict"),)).reconnects
    assert not winrm_config.SetConfigLimits((("MaxEnvelopeSizekb", "8192"),)).reconnects
    assert not winrm_config.SetWinrs((("MaxShellsPerUser", "12"),)).reconnects


def test_the_guard_task_is_one_remoting_info_reports() -> None:
    assert WinrmService.guard_task == guard.SERVICE_TASK == "winremote-rollback-winrmservice"
    assert guard.SERVICE_TASK in remoting_info.GUARD_TASKS


def test_settled_checks_the_planned_values_and_after_one_put_only_its_own() -> None:
    request = ServiceDesired.from_args({"max_envelope_size_kb": 8192, "root_sddl": SDDL.replace("IU", "NU"),
                                        "auth": {"basic": True}})  # fmt: skip
    changes = plan(state(), request)
    by_target = {c.target: c.operation for c in changes}
    service, auth = by_target["root_sddl"], by_target["auth.basic"]
    assert [op.may_lock_out for op in (by_target["max_envelope_size_kb"], service, auth)] == [False, True, True]
    # after the RootSDDL Put only: that Put is settled, the whole plan is not
    halfway = state(Service__RootSDDL=SDDL.replace("IU", "NU"))
    assert unsettled(halfway, request, service) is None
    seen = unsettled(halfway, request, auth)
    assert seen == "winrm/config Service/Auth/Basic is 'false', not 'true' yet"
    assert unsettled(halfway, request) is not None
    done = state(MaxEnvelopeSizekb="8192", Service__RootSDDL=SDDL.replace("IU", "NU"), Service__Auth__Basic="true")
    assert unsettled(done, request) is None and unsettled(done, request, auth) is None
    # an operation of another kind has no part of this plan to check
    assert unsettled(halfway, request, guard.CancelStaleRollback(guard.SERVICE_TASK)) is None


def test_the_undo_restores_the_previous_values_with_winrm_set() -> None:
    request = ServiceDesired.from_args({"root_sddl": SDDL.replace("IU", "NU"), "auth": {"basic": True}})
    undo = [c.operation.undo for c in plan(state(), request)]
    assert undo[0] is not None and f'call winrm set winrm/config/service @{{RootSDDL="{SDDL}"}}' in undo[0].commands
    assert undo[1] is not None and 'call winrm set winrm/config/service/auth @{Basic="false"}' in undo[1].commands
