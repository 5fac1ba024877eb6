# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Argument specs: every secret is no_log, and the documentation describes the options the specs accept."""

from __future__ import annotations

import importlib
import pkgutil
import re
import typing as t
from pathlib import Path

import pytest
import yaml

from ansible_collections.winremote.remoting.plugins import doc_fragments, modules
from ansible_collections.winremote.remoting.plugins.doc_fragments import connection as connection_fragment
from ansible_collections.winremote.remoting.plugins.module_utils import _specs

# Names that hold a secret. (validate-modules flags "pass" too, but exempts options with choices, like
# answer_file's configuration pass, and type path; a private key's path is marked no_log all the same.)
SECRET_NAME = re.compile(r"password|key|secret|token", re.IGNORECASE)

MODULE_NAMES = sorted(m.name for m in pkgutil.iter_modules(modules.__path__))


def module_spec(name: str) -> dict[str, dict[str, t.Any]]:
    spec = getattr(_specs, name.upper())
    assert isinstance(spec, dict)
    return spec


def walk(spec: dict[str, dict[str, t.Any]], prefix: str = "") -> t.Iterator[tuple[str, dict[str, t.Any]]]:
    for name, option in spec.items():
        yield prefix + name, option
        yield from walk(option.get("options", {}), f"{prefix}{name}.")


@pytest.mark.parametrize("module", MODULE_NAMES)
def test_every_option_named_like_a_secret_is_no_log(module: str) -> None:
    secret = [
        (path, option.get("no_log"))
        for path, option in walk(module_spec(module))
        # a bool is a switch, never a secret (validate-modules exempts it too): remote_management's token_filter_policy
        if SECRET_NAME.search(path.rpartition(".")[2]) and option.get("type") != "bool"
    ]
    assert [path for path, no_log in secret if no_log is not True] == []
    if "connection" in module_spec(module):
        assert {path for path, _no_log in secret} >= {"connection.password", "connection.certificate_key_pem"}


def test_only_secrets_are_no_log() -> None:
    logged = {p for m in MODULE_NAMES for p, o in walk(module_spec(m)) if o.get("no_log")}
    assert {p.rpartition(".")[2] for p in logged} == {"password", "certificate_key_pem"}


def test_connection_fragment_matches_the_spec() -> None:
    documented = yaml.safe_load(connection_fragment.ModuleDocFragment.DOCUMENTATION)["options"]["connection"]
    assert documented["type"] == _specs.CONNECTION_ARG["type"]
    suboptions = documented["suboptions"]
    assert sorted(suboptions) == sorted(_specs.CONNECTION_OPTIONS)
    for name, option in _specs.CONNECTION_OPTIONS.items():
        doc = suboptions[name]
        assert doc["type"] == option["type"], name
        assert doc.get("choices") == option.get("choices"), name
        assert doc.get("default") == option.get("default"), name
        if option.get("no_log"):
            description = doc["description"]
            text = " ".join(description) if isinstance(description, list) else description
            assert "Never logged or returned" in text, name


@pytest.mark.parametrize("module", MODULE_NAMES)
def test_module_documentation_names_the_spec_options(module: str) -> None:
    stub = importlib.import_module(f"{modules.__name__}.{module}")
    documentation = yaml.safe_load(stub.DOCUMENTATION)
    options = set(documentation.get("options") or {})
    for fragment in documentation.get("extends_documentation_fragment", []):
        options |= set(fragment_options(fragment))
    assert options == set(module_spec(module))


def fragment_options(name: str) -> dict[str, t.Any]:
    """The options a doc fragment of this collection adds (none for ansible.builtin's attribute fragments)."""
    collection, _sep, fragment = name.rpartition(".")
    if collection != "winremote.remoting":
        return {}
    loaded = importlib.import_module(f"{doc_fragments.__name__}.{fragment}")
    return yaml.safe_load(loaded.ModuleDocFragment.DOCUMENTATION).get("options") or {}


def test_self_disconnect_fragment_matches_the_spec() -> None:
    """Every module that documents allow_self_disconnect through the fragment accepts it with the same type and
    default, and no module documents it on its own."""
    documented = fragment_options("winremote.remoting.self_disconnect")["allow_self_disconnect"]
    users = []
    for module in MODULE_NAMES:
        stub = importlib.import_module(f"{modules.__name__}.{module}")
        documentation = yaml.safe_load(stub.DOCUMENTATION)
        assert "allow_self_disconnect" not in (documentation.get("options") or {}), module
        if "winremote.remoting.self_disconnect" in documentation.get("extends_documentation_fragment", []):
            option = module_spec(module)["allow_self_disconnect"]
            assert (option["type"], option.get("default")) == (documented["type"], documented["default"]), module
            users.append(module)
    assert sorted(users) == [
        "firewall_rules",
        "psremoting",
        "remote_management",
        "session_configuration",
        "sm_remoting",
        "winrm_listener",
        "winrm_policy",
        "winrm_service",
    ]


def test_the_action_group_holds_exactly_the_modules_that_connect() -> None:
    """``module_defaults: {group/winremote.remoting.remoting: {connection: ...}}`` must reach every module that
    connects and no module that would refuse the option as unsupported (answer_file edits a local file)."""
    runtime = yaml.safe_load((Path(__file__).resolve().parents[2] / "meta" / "runtime.yml").read_text(encoding="utf-8"))
    group = set(runtime["action_groups"]["remoting"])
    assert group == {name for name in MODULE_NAMES if "connection" in module_spec(name)}
    assert "answer_file" not in group
