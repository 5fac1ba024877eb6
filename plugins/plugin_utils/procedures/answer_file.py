"""Set EnableServerRemoteManagement in an unattend answer file on the controller: observe -> plan -> apply.

Microsoft's procedure ("Configure remote Management in Server Manager", to disable remote management during
an unattended installation): in the answer file, set ``Microsoft-Windows-Web-Services-for-Management-Core`` /
``EnableServerRemoteManagement`` to ``false``. The file is someone's hand-kept deployment artefact, so only the
characters that carry the change are touched; comments, formatting, encoding and BOM stay as they were.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import tempfile
import time
import typing as t

from ansible_collections.winremote.remoting.plugins.plugin_utils import xmledit
from ansible_collections.winremote.remoting.plugins.plugin_utils.procedures.base import Change

UNATTEND_NS = "urn:schemas-microsoft-com:unattend"
WCM_NS = "http://schemas.microsoft.com/WMIConfig/2002/State"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
COMPONENT = "Microsoft-Windows-Web-Services-for-Management-Core"
SETTING = "EnableServerRemoteManagement"

ARCHITECTURES = ("amd64", "x86", "wow64", "arm64")
# UNVERIFIED (WINDOWS-FACTS §10): no reference page lists the passes this component accepts. Settings of the
# installed OS's system components are applied in `specialize` (where Setup configures networking, firewall and
# the other machine-wide services), so that is the default. Every pass that runs against the installed OS is
# accepted for operators whose image build uses another one; `windowsPE` is not, since it configures Windows PE
# itself, not the server being installed.
PASSES = ("offlineServicing", "generalize", "specialize", "auditSystem", "auditUser", "oobeSystem")
DEFAULT_PASS = "specialize"
DEFAULT_ARCHITECTURE = "amd64"

# How Windows System Image Manager writes a component (publicKeyToken, language, versionScope are the same for
# every Windows component; WINDOWS-FACTS §10).
_COMPONENT_ATTRS = (
    ("publicKeyToken", "31bf3856ad364e35"),
    ("language", "neutral"),
    ("versionScope", "nonSxS"),
    ("xmlns:wcm", WCM_NS),
    ("xmlns:xsi", XSI_NS),
)


class AnswerFileError(Exception):
    """The answer file cannot be read or changed safely; the message names the file and says why."""


@dataclasses.dataclass(frozen=True)
class Desired:
    enabled: bool
    architecture: str = DEFAULT_ARCHITECTURE
    pass_: str = DEFAULT_PASS
    create: bool = False

    @property
    def value(self) -> str:
        return "true" if self.enabled else "false"

    @property
    def target(self) -> str:
        return f"{self.pass_}/{COMPONENT}[{self.architecture}]/{SETTING}"


@dataclasses.dataclass(frozen=True)
class AnswerFileState:
    """What is on disk: the bytes, their decoded text and parsed elements, and the setting's current values."""

    path: str
    raw: bytes | None  # None when the file does not exist
    text: str = ""
    codec: str = "utf-8"
    bom: bytes = b""
    root: xmledit.Node | None = None
    settings: tuple[xmledit.Node, ...] = ()  # <settings pass=...> for the pass
    components: tuple[xmledit.Node, ...] = ()  # the component for the architecture, in those passes
    values: tuple[xmledit.Node, ...] = ()  # EnableServerRemoteManagement in those components

    @property
    def exists(self) -> bool:
        return self.raw is not None

    @property
    def current(self) -> bool | None:
        """The setting's value; None when absent or not a boolean Setup understands."""
        if not self.values:
            return None
        return _as_bool(self.values[0].text)


def _as_bool(text: str) -> bool | None:
    return {"true": True, "false": False}.get(text.strip().lower())


def _read(path: str) -> bytes | None:
    """The file's bytes, None when it does not exist."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise AnswerFileError(f"{path}: cannot read the file: {exc.strerror or exc}") from None


def observe(path: str, architecture: str = DEFAULT_ARCHITECTURE, pass_: str = DEFAULT_PASS) -> AnswerFileState:
    """Read and check the file; raises :class:`AnswerFileError` for anything that is not an answer file."""
    raw = _read(path)
    if raw is None:
        return AnswerFileState(path, None)
    try:
        text, codec, bom = xmledit.decode(raw)
        root = xmledit.parse(text)
    except xmledit.XmlSyntaxError as exc:
        raise AnswerFileError(f"{path} is not well-formed XML ({exc}); the file was left unchanged") from None
    if (root.uri, root.local) != (UNATTEND_NS, "unattend"):
        found = f"{{{root.uri}}}{root.local}" if root.uri else root.local
        raise AnswerFileError(
            f"{path} is not an unattend answer file: the root element is {found}, expected unattend in the "
            f"{UNATTEND_NS} namespace; the file was left unchanged"
        )
    settings = tuple(root.find(UNATTEND_NS, "settings", **{"pass": pass_}))
    components = tuple(
        c
        for s in settings
        for c in s.find(UNATTEND_NS, "component", name=COMPONENT, processorArchitecture=architecture)
    )
    values = tuple(v for c in components for v in c.find(UNATTEND_NS, SETTING))
    return AnswerFileState(path, raw, text, codec, bom, root, settings, components, values)


def _component(prefix: str, desired: Desired) -> xmledit.NewElement:
    setting = xmledit.NewElement(prefix + SETTING, text=desired.value)
    attrs = (("name", COMPONENT), ("processorArchitecture", desired.architecture), *_COMPONENT_ATTRS)
    return xmledit.NewElement(prefix + "component", attrs, (setting,))


def new_document(desired: Desired, newline: str = "\n") -> str:
    """A minimal answer file holding only this setting (what ``create=true`` writes)."""
    root = xmledit.NewElement(
        "unattend",
        (("xmlns", UNATTEND_NS),),
        (xmledit.NewElement("settings", (("pass", desired.pass_),), (_component("", desired),)),),
    )
    body = xmledit.render(root, newline, "    ")
    return f'<?xml version="1.0" encoding="utf-8"?>{newline}{body}{newline}'


def plan(state: AnswerFileState, desired: Desired) -> list[Change]:
    """The edits that make the file say ``desired``; empty when it already does. Pure: no I/O."""
    target, after = desired.target, desired.value
    if not state.exists:
        if not desired.create:
            raise AnswerFileError(f"{state.path} does not exist; set create=true to create a minimal answer file")
        return [
            Change(
                "create_file",
                target,
                None,
                after,
                f"create {state.path} with {SETTING}={after}",
                {"edits": (xmledit.Edit(0, 0, new_document(desired)),)},
            )
        ]
    if state.root is None:  # an existing file is always parsed by observe()
        raise AnswerFileError(f"{state.path} was not parsed")
    text, unit = state.text, xmledit.indent_unit(state.text, state.root)
    where = f"in {desired.pass_} for {desired.architecture}"
    if state.values:
        return [
            Change(
                "set_value",
                target,
                node.text.strip(),
                after,
                f"set {SETTING} from {node.text.strip()!r} to {after} {where}",
                {"edits": (xmledit.set_text(node, after),)},
            )
            for node in state.values
            if _as_bool(node.text) is not desired.enabled
        ]
    if state.components:
        parent = state.components[0]
        element = xmledit.NewElement(parent.prefix + SETTING, text=after)
        kind, summary = "add_setting", f"add {SETTING}={after} to {COMPONENT} {where}"
    elif state.settings:
        parent = state.settings[0]
        element = _component(parent.prefix, desired)
        kind, summary = "add_component", f"add {COMPONENT} with {SETTING}={after} {where}"
    else:
        parent = state.root
        component = _component(parent.prefix, desired)
        element = xmledit.NewElement(parent.prefix + "settings", (("pass", desired.pass_),), (component,))
        kind, summary = "add_settings_pass", f"add the {desired.pass_} pass with {COMPONENT}/{SETTING}={after}"
    return [Change(kind, target, None, after, summary, {"edits": (xmledit.append_child(text, parent, element, unit),)})]


def render(state: AnswerFileState, changes: t.Sequence[Change]) -> str:
    """The file's text once ``changes`` are made (what ``--diff`` shows as *after*)."""
    return xmledit.apply_edits(state.text, [e for c in changes for e in c.params["edits"]])


def backup_name(path: str) -> str:
    """Named like Ansible's ``backup_local``: ``<path>.<pid>.<YYYY-MM-DD@HH:MM:SS>~``."""
    return f"{path}.{os.getpid()}.{time.strftime('%Y-%m-%d@%H:%M:%S', time.localtime())}~"


def _new_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def apply(state: AnswerFileState, changes: t.Sequence[Change], backup: bool = False) -> str | None:
    """Write the changed file atomically (same-directory temp file + rename); return the backup's path, if any."""
    if not changes:
        return None
    data = xmledit.encode(render(state, changes), state.codec, state.bom)
    target = os.path.realpath(state.path)  # write through a symlink, keep the link
    if _read(target) != state.raw:
        raise AnswerFileError(f"{state.path} changed while it was being edited; the file was left unchanged")
    backup_file = None
    try:
        if backup and state.exists:
            backup_file = backup_name(state.path)
            shutil.copy2(target, backup_file)
        stat = os.stat(target) if state.exists else None
        handle, temp = tempfile.mkstemp(dir=os.path.dirname(target), prefix=f".{os.path.basename(target)}.")
    except OSError as exc:
        raise AnswerFileError(f"{state.path}: cannot write next to the file: {exc.strerror or exc}") from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, stat.st_mode & 0o7777 if stat else _new_file_mode())
        if stat is not None:
            # Not root: the file keeps our ownership, as with Ansible's atomic_move.
            with contextlib.suppress(PermissionError):
                os.chown(temp, stat.st_uid, stat.st_gid)
        os.replace(temp, target)
    except OSError as exc:
        if os.path.exists(temp):
            os.unlink(temp)
        raise AnswerFileError(f"{state.path}: cannot write the file: {exc.strerror or exc}") from None
    return backup_file
