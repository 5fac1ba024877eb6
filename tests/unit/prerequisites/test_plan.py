# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The install plan, without a host: the defaults per Windows version, the WMF chains on 2008 R2, what an earlier
run left waiting for a reboot, reruns that change nothing, and every refusal raised before anything is sent."""

from __future__ import annotations

import typing as t

import pytest

from ansible_collections.winremote.remoting.plugins.plugin_utils.errors import WinRemoteError
from ansible_collections.winremote.remoting.plugins.plugin_utils.prerequisites import catalogue
from ansible_collections.winremote.remoting.plugins.plugin_utils.prerequisites import plan as planner

SHIPPED = catalogue.load()
CHECKED = catalogue.load(checksums={p.file: "0" * 64 for p in SHIPPED.packages})
MIB = 1024 * 1024


def facts(
    version: tuple[int, int], powershell: str | None = "2.0", dotnet: int | None = None, **changes: t.Any
) -> planner.HostFacts:
    values: dict[str, t.Any] = {
        "windows_version": version,
        "release": None,
        "architecture": "x64",
        "powershell_version": powershell,
        "dotnet_release": dotnet,
        "hotfixes": (),
        "reboot_pending": False,
        "results": {},
        "free_bytes": None,
    }
    values.update(changes)
    return planner.HostFacts(**values)


def request(target: str | None = None, reboot: str = "if_required", **changes: t.Any) -> planner.PlanRequest:
    values: dict[str, t.Any] = {
        "target_wmf": target,
        "performance_update": True,
        "reboot": reboot,
        "catalogue": CHECKED,
        "sizes": {},
    }
    values.update(changes)
    return planner.PlanRequest(**values)


def steps(result: planner.Plan) -> list[tuple[str, str | None, str]]:
    return [(s.action, s.package.name if s.package else None, s.when) for s in result.steps]


def refusal(host: planner.HostFacts, req: planner.PlanRequest) -> planner.PrerequisitePlanError:
    with pytest.raises(planner.PrerequisitePlanError) as raised:
        planner.plan(host, req)
    assert raised.value.kind == "prerequisites" and isinstance(raised.value, WinRemoteError)
    return raised.value


END = ("reboot", None, "if_required")


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ((6, 0), ["dotnet-4.0", "wmf-3.0", "kb2682011"]),
        ((6, 1), ["dotnet-4.5", "wmf-4.0", "kb2682011"]),
        ((6, 2), ["dotnet-4.6", "wmf-5.1"]),
        ((6, 3), ["dotnet-4.6", "wmf-5.1"]),
    ],
)
def test_defaults_are_what_server_manager_needs(version: tuple[int, int], expected: list[str]) -> None:
    powershell = {(6, 2): "3.0", (6, 3): "4.0"}.get(version, "2.0")
    result = planner.plan(facts(version, powershell), request())
    assert steps(result) == [("install", name, "always") for name in expected] + [END]
    assert result.required == tuple(expected) and result.awaiting_reboot == ()


def test_default_target() -> None:
    assert [planner.default_target(v) for v in ((6, 0), (6, 1), (6, 2), (6, 3), (10, 0))] == [
        "3.0",
        "4.0",
        "5.1",
        "5.1",
        None,
    ]


def test_windows_10_and_later_need_nothing() -> None:
    result = planner.plan(facts((10, 0), "5.1"), request(reboot="always"))
    assert result.steps == () and result.required == ()
    assert "includes everything" in result.notes[0]


@pytest.mark.parametrize(("version", "target"), [((6, 2), "3.0"), ((6, 3), "4.0"), ((6, 3), "3.0")])
def test_a_target_the_os_includes_needs_nothing(version: tuple[int, int], target: str) -> None:
    result = planner.plan(facts(version, None), request(target))
    assert result.steps == () and "includes WMF" in result.notes[0]


def test_without_the_performance_update() -> None:
    result = planner.plan(facts((6, 1)), request(performance_update=False))
    assert [name for _action, name, _when in steps(result)] == ["dotnet-4.5", "wmf-4.0", None]


@pytest.mark.parametrize(
    ("version", "powershell", "dotnet", "hotfixes"),
    [
        ((6, 0), "3.0", 0, ("KB2682011",)),
        ((6, 1), "4.0", 378389, ("kb2682011",)),
        ((6, 1), "5.1.14409.1005", 528040, ("KB2682011",)),
        ((6, 2), "5.1.14409.1005", 393295, ()),
        ((6, 3), "5.1.14409.1005", 394802, ()),
    ],
)
def test_rerun_on_a_converged_host_changes_nothing(
    version: tuple[int, int], powershell: str, dotnet: int, hotfixes: tuple[str, ...]
) -> None:
    for reboot in ("if_required", "always", "never"):
        result = planner.plan(facts(version, powershell, dotnet, hotfixes=hotfixes), request(reboot=reboot))
        assert result.steps == () and result.awaiting_reboot == ()


def test_only_what_is_missing_is_planned() -> None:
    result = planner.plan(facts((6, 1), "2.0", 379893, hotfixes=("KB2682011",)), request())
    assert steps(result) == [("install", "wmf-4.0", "always"), END]
    result = planner.plan(facts((6, 1), "4.0", 378388), request(performance_update=False))
    assert steps(result) == [("install", "dotnet-4.5", "always"), END]


@pytest.mark.parametrize(
    ("release", "name"), [(0, "4.0"), (378389, "4.5"), (379893, "4.5.2"), (393295, "4.6"), (528040, "4.8")]
)
def test_dotnet_release_minimums(release: int, name: str) -> None:
    assert planner.DOTNET_RELEASE[name] == release


def test_wmf_51_over_wmf_30_on_2008_r2_removes_it_and_reboots_first() -> None:
    result = planner.plan(facts((6, 1), "3.0", 378389, hotfixes=("KB2682011",)), request("5.1"))
    assert steps(result) == [
        ("remove", "wmf-3.0", "always"),
        ("reboot", None, "always"),
        ("install", "dotnet-4.5.2", "always"),
        ("install", "wmf-5.1", "always"),
        END,
    ]
    assert result.steps[0].package is not None and result.steps[0].package.kb == "KB2506143"


def test_wmf_51_over_wmf_30_with_reboot_never_is_refused() -> None:
    error = refusal(facts((6, 1), "3.0", 378389), request("5.1", "never"))
    assert str(error).startswith("reboot: ") and "removal of wmf-3.0" in str(error)


def test_wmf_51_on_2008_r2_without_wmf_30_needs_no_removal() -> None:
    result = planner.plan(facts((6, 1), "2.0", None, hotfixes=("KB2682011",)), request("5.1", "never"))
    assert steps(result) == [("install", "dotnet-4.5.2", "always"), ("install", "wmf-5.1", "always")]


def test_wmf_50_on_2008_r2_goes_through_wmf_40_and_a_reboot() -> None:
    result = planner.plan(facts((6, 1), "2.0", None, hotfixes=("KB2682011",)), request("5.0"))
    assert steps(result) == [
        ("install", "dotnet-4.5", "always"),
        ("install", "wmf-4.0", "always"),
        ("reboot", None, "always"),
        ("install", "wmf-5.0", "always"),
        END,
    ]
    assert "reboot: " in str(refusal(facts((6, 1)), request("5.0", "never")))


def test_wmf_50_on_2008_r2_with_wmf_40_in_effect() -> None:
    result = planner.plan(facts((6, 1), "4.0", 378389, hotfixes=("KB2682011",)), request("5.0"))
    assert steps(result) == [("install", "wmf-5.0", "always"), END]


def test_awaiting_packages_are_not_planned_again() -> None:
    host = facts((6, 1), "2.0", 378389, hotfixes=("KB2682011",), reboot_pending=True, results={"wmf-4.0": 3010})
    result = planner.plan(host, request())
    assert result.awaiting_reboot == ("wmf-4.0",)
    assert steps(result) == [END]
    assert steps(planner.plan(host, request(reboot="always"))) == [("reboot", None, "always")]
    assert planner.plan(host, request(reboot="never")).steps == ()


@pytest.mark.parametrize("code", [0, 3010, 1641, 2359302])
def test_every_success_code_counts_as_awaiting(code: int) -> None:
    host = facts((6, 0), "2.0", 0, reboot_pending=True, results={"wmf-3.0": code, "kb2682011": code})
    assert planner.plan(host, request()).awaiting_reboot == ("wmf-3.0", "kb2682011")


def test_a_result_without_a_pending_reboot_or_a_failure_is_planned_again() -> None:
    host = facts((6, 0), "2.0", 0, hotfixes=("KB2682011",), results={"wmf-3.0": 0})
    assert steps(planner.plan(host, request())) == [("install", "wmf-3.0", "always"), END]
    host = facts((6, 0), "2.0", 0, hotfixes=("KB2682011",), reboot_pending=True, results={"wmf-3.0": 1603})
    assert steps(planner.plan(host, request())) == [("reboot", None, "always"), ("install", "wmf-3.0", "always"), END]


def test_awaiting_removal_reboots_before_the_wmf_51_installs() -> None:
    host = facts((6, 1), "3.0", 378389, hotfixes=("KB2682011",), reboot_pending=True, results={"wmf-3.0-removal": 0})
    result = planner.plan(host, request("5.1"))
    assert result.awaiting_reboot == ("wmf-3.0-removal",)
    assert steps(result) == [
        ("reboot", None, "always"),
        ("install", "dotnet-4.5.2", "always"),
        ("install", "wmf-5.1", "always"),
        END,
    ]
    assert str(refusal(host, request("5.1", "never"))).startswith("reboot: ")


def test_a_pending_reboot_comes_first_unless_reboot_is_never() -> None:
    host = facts((6, 2), "3.0", None, reboot_pending=True)
    result = planner.plan(host, request())
    assert steps(result)[0] == ("reboot", None, "always") and steps(result)[-1] == END
    result = planner.plan(host, request(reboot="never"))
    assert steps(result) == [("install", "dotnet-4.6", "always"), ("install", "wmf-5.1", "always")]
    assert any("pending" in note for note in result.notes)


def test_reboot_always_reboots_at_the_end_unconditionally() -> None:
    result = planner.plan(facts((6, 3), "4.0"), request(reboot="always"))
    assert steps(result)[-1] == ("reboot", None, "always")


def test_target_wmf_that_does_not_install_is_refused() -> None:
    for target in ("4.0", "5.0", "5.1"):
        error = refusal(facts((6, 0)), request(target))
        assert str(error).startswith("target_wmf: ") and "3.0" in str(error)
    assert str(refusal(facts((6, 3), "4.0"), request("4.5"))).startswith("target_wmf: ")


def test_an_unsupported_old_version_is_refused() -> None:
    assert str(refusal(facts((5, 2)), request())).startswith("target_wmf: ")


def test_missing_catalogue_entry_is_refused() -> None:
    bare = catalogue.Catalogue(tuple(p for p in CHECKED.packages if p.name != "wmf-4.0"))
    error = refusal(facts((6, 1)), request(catalogue=bare))
    assert str(error).startswith("catalog: wmf-4.0 is needed") and '"6.1"' in str(error)


def test_missing_architecture_is_refused() -> None:
    error = refusal(facts((6, 1), architecture="x86"), request())
    assert str(error).startswith("catalog: ") and "x86" in str(error) and "x64" in str(error)


def test_windows_spelling_of_x64_is_accepted() -> None:
    assert planner.plan(facts((6, 2), "3.0", architecture="AMD64"), request()).steps


def test_files_without_checksums_are_refused_and_named() -> None:
    error = refusal(facts((6, 2), "3.0"), request(catalogue=SHIPPED))
    message = str(error)
    assert message.startswith("checksums: ")
    assert "NDP46-KB3045557-x86-x64-AllOS-ENU.exe" in message and "W2K12-KB3191565-x64.msu" in message


def test_the_wmf_30_removal_needs_no_checksum() -> None:
    partial = catalogue.load(
        checksums={"NDP452-KB2901907-x86-x64-AllOS-ENU.exe": "1" * 64, "Win7AndW2K8R2-KB3191566-x64.msu": "2" * 64}
    )
    host = facts((6, 1), "3.0", 378389, hotfixes=("KB2682011",))
    assert steps(planner.plan(host, request("5.1", catalogue=partial)))[0] == ("remove", "wmf-3.0", "always")


def test_not_enough_free_space_is_refused_with_both_numbers() -> None:
    sizes = {
        "Windows8-RT-KB2799888-x64.msu": 0,
        "NDP46-KB3045557-x86-x64-AllOS-ENU.exe": 60 * MIB,
        "W2K12-KB3191565-x64.msu": 40 * MIB,
    }
    needed = 100 * MIB * 4 + 200 * MIB
    error = refusal(facts((6, 2), "3.0", free_bytes=needed - 1), request(sizes=sizes))
    assert "599 MiB free" in str(error) and "600 MiB" in str(error) and "free space on the system drive" in str(error)
    assert planner.plan(facts((6, 2), "3.0", free_bytes=needed), request(sizes=sizes)).steps


def test_free_space_uses_the_catalogue_size_and_unknown_is_zero() -> None:
    sized = catalogue.load(
        [{"name": "wmf-5.1", "os": ["6.2"], "file": "w.msu", "kind": "msu", "sha256": "3" * 64, "size": 100 * MIB}]
    )
    host = facts((6, 2), "3.0", 393295, free_bytes=500 * MIB)
    assert "500 MiB free" in str(refusal(host, request(catalogue=sized)))
    assert planner.plan(facts((6, 2), "3.0", 393295, free_bytes=200 * MIB), request()).steps
    assert planner.plan(facts((6, 2), "3.0", 393295, free_bytes=None), request(catalogue=sized)).steps
