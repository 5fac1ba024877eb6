# Copyright: (c) 2026, winremote.remoting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Set EnableServerRemoteManagement in an unattend answer file on the controller: observe -> plan -> apply.

Microsoft's procedure ("Configure remote Management in Server Manager", to disable remote management during
an unattended installation): in the answer file, set ``Microsoft-Windows-Web-Services-for-Management-Core`` /
``EnableServerRemoteManagement`` to ``false``. The file is someone's hand-kept deployment artefact, so only the
characters that carry the change are touched; comments, formatting, encoding and BOM stay as they were.
"""

from __future__ import annotations

import dataclasses
import typing as t

from ansible_collections.winremote.remoting.plugins.plugin_utils import local_file, xmledit
from ansible_collections.winremote.remoting.plugins.plugin_utils.engine.change import Change, Operation

UNATTEND_NS = "urn:schemas-microsoft-com:unattend"
WCM_NS = "http://schemas.microsoft.com/WMIConfig/2002/State"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
COMPONENT = "Microsoft-Windows-Web-Services-for-Management-Core"
SETTING = "EnableServerRemoteManagement"

ARCHITECTURES = ("amd64", "x86", "wow64", "arm64")
# ASSUMPTION (UNVERIFIED): no reference page lists the passes this component accepts. Settings of the
# installed OS's system components are applied in `specialize` (where Setup configures networking, firewall and
# the other machine-wide services), so that is the default. Every pass that runs against the installed OS is
# accepted for operators whose image build uses another one; `windowsPE` is not, since it configures Windows PE
# itself, not the server being installed.
PASSES = ("offlineServicing", "generalize", "specialize", "auditSystem", "auditUser", "oobeSystem")
DEFAULT_PASS = "specialize"
DEFAULT_ARCHITECTURE = "amd64"

# Answer files are a few kB; reading more than this is refused rather than held in memory.
MAX_FILE_BYTES = 4 * 1024 * 1024
# How much of the setting's current text a message or a diff shows.
MAX_SHOWN = 64

# Elements whose content is a secret, masked wherever part of the file is shown. Any element whose name ends in
# "Password" (Microsoft Learn, unattend reference: Microsoft-Windows-Shell-Setup | UserAccounts |
# AdministratorPassword, | AutoLogon | Password, | UserAccounts | LocalAccounts | LocalAccount | Password,
# Microsoft-Windows-UnattendedJoin | Identification | Credentials | Password and | MachinePassword), and product
# keys (Microsoft-Windows-Shell-Setup | ProductKey, Microsoft-Windows-Setup | UserData | ProductKey | Key). The
# whole content is masked, so the <Value> child of a password goes with it.
SECRET_SUFFIXES = ("password",)
SECRET_NAMES = ("productkey", "key")

# How Windows System Image Manager writes a component (publicKeyToken, language, versionScope are the same for
# every Windows component, as in the examples of the Microsoft Learn unattend reference).
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
class AnswerFileDesired:
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
    architecture: str = DEFAULT_ARCHITECTURE
    pass_: str = DEFAULT_PASS

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


def is_secret(node: xmledit.Node) -> bool:
    """Whether the element holds a password or a product key (see :data:`SECRET_SUFFIXES`)."""
    name = node.local.lower()
    return name in SECRET_NAMES or name.endswith(SECRET_SUFFIXES)


def shown(value: str) -> str:
    """Text from the file as a message may quote it: short, on one line."""
    value = value if len(value) <= MAX_SHOWN else value[:MAX_SHOWN] + "..."
    return value.encode("unicode_escape").decode("ascii")


def _read(path: str) -> bytes | None:
    """The file's bytes, None when it does not exist."""
    try:
        return local_file.read(path, MAX_FILE_BYTES)
    except local_file.TooLargeError:
        raise AnswerFileError(
            f"{path} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB, too large for an answer file; "
            "the file was left unchanged"
        ) from None
    except local_file.LocalFileError as exc:
        raise AnswerFileError(f"{path}: {exc}") from None


def observe(path: str, architecture: str = DEFAULT_ARCHITECTURE, pass_: str = DEFAULT_PASS) -> AnswerFileState:
    """Read and check the file; raises :class:`AnswerFileError` for anything that is not an answer file."""
    raw = _read(path)
    if raw is None:
        return AnswerFileState(path, None, architecture=architecture, pass_=pass_)
    return _inspect(path, raw, architecture, pass_, "the file was left unchanged")


def _inspect(path: str, raw: bytes, architecture: str, pass_: str, outcome: str) -> AnswerFileState:
    """Parse ``raw`` as the answer file at ``path``; ``outcome`` ends every error message."""
    try:
        text, codec, bom = xmledit.decode(raw)
        root = xmledit.parse(text)
    except xmledit.XmlSyntaxError as exc:
        raise AnswerFileError(f"{path} is not well-formed XML ({exc}); {outcome}") from None
    except xmledit.XmlRefusedError as exc:
        raise AnswerFileError(f"{path} cannot be edited safely: {exc}; {outcome}") from None
    if (root.uri, root.local) != (UNATTEND_NS, "unattend"):
        found = f"{{{root.uri}}}{root.local}" if root.uri else root.local
        raise AnswerFileError(
            f"{path} is not an unattend answer file: the root element is {found}, expected unattend in the "
            f"{UNATTEND_NS} namespace; {outcome}"
        )
    settings = tuple(root.find(UNATTEND_NS, "settings", **{"pass": pass_}))
    components = tuple(
        c
        for s in settings
        for c in s.find(UNATTEND_NS, "component", name=COMPONENT, processorArchitecture=architecture)
    )
    values = tuple(v for c in components for v in c.find(UNATTEND_NS, SETTING))
    # Entity references are kept unexpanded, so what an entity holds is invisible here: a setting, component or
    # pass defined by one would be missed (and added a second time) or its reference overwritten.
    refs = [r for n in (root, *settings, *components) for r in n.entity_refs]
    refs += [r for v in values for r in v.entity_refs_within()]
    if refs:
        raise AnswerFileError(
            f"{path}: {SETTING} or an element that holds it uses the entity &{shown(refs[0])}; declared in the "
            "file's DOCTYPE, and an edit cannot keep what an entity says (the reference would be lost or "
            f"rewritten); write the entity's text in place of the reference and run again; {outcome}"
        )
    return AnswerFileState(
        path, raw, text, codec, bom, root, settings, components, values, architecture=architecture, pass_=pass_
    )


def _component(prefix: str, desired: AnswerFileDesired) -> xmledit.NewElement:
    setting = xmledit.NewElement(prefix + SETTING, text=desired.value)
    attrs = (("name", COMPONENT), ("processorArchitecture", desired.architecture), *_COMPONENT_ATTRS)
    return xmledit.NewElement(prefix + "component", attrs, (setting,))


def new_document(desired: AnswerFileDesired, newline: str = "\n") -> str:
    """A minimal answer file holding only this setting (what ``create=true`` writes)."""
    root = xmledit.NewElement(
        "unattend",
        (("xmlns", UNATTEND_NS),),
        (xmledit.NewElement("settings", (("pass", desired.pass_),), (_component("", desired),)),),
    )
    body = xmledit.render(root, newline, "    ")
    return f'<?xml version="1.0" encoding="utf-8"?>{newline}{body}{newline}'


@dataclasses.dataclass(frozen=True)
class FileEdit(Operation):
    """Byte-preserving edits of the answer file. They are made on the controller by :func:`apply`, which writes
    the file once with every change, so there is no host-side ``apply`` here."""

    edits: tuple[xmledit.Edit, ...]


class CreateFile(FileEdit):
    kind: t.ClassVar[str] = "create_file"


@dataclasses.dataclass(frozen=True)
class SetValue(FileEdit):
    kind: t.ClassVar[str] = "set_value"
    index: int = 0  # which of the setting's elements


class AddSetting(FileEdit):
    kind: t.ClassVar[str] = "add_setting"


class AddComponent(FileEdit):
    kind: t.ClassVar[str] = "add_component"


class AddSettingsPass(FileEdit):
    kind: t.ClassVar[str] = "add_settings_pass"


def plan(state: AnswerFileState, desired: AnswerFileDesired) -> list[Change]:
    """The edits that make the file say ``desired``; empty when it already does. Pure: no I/O.

    The edited text is parsed and checked here already (:func:`result_of`), so check mode fails on the same
    files a real run would refuse to write.
    """
    changes = _plan(state, desired)
    if changes:
        result_of(state, changes)
    return changes


def _plan(state: AnswerFileState, desired: AnswerFileDesired) -> list[Change]:
    target, after = desired.target, desired.value
    if not state.exists:
        if not desired.create:
            raise AnswerFileError(f"{state.path} does not exist; set create=true to create a minimal answer file")
        return [
            Change(
                target,
                None,
                after,
                f"create {state.path} with {SETTING}={after}",
                CreateFile((xmledit.Edit(0, 0, new_document(desired)),)),
            )
        ]
    if state.root is None:  # an existing file is always parsed by observe()
        raise AnswerFileError(f"{state.path} was not parsed")
    text, unit = state.text, xmledit.indent_unit(state.text, state.root)
    where = f"in {desired.pass_} for {desired.architecture}"
    if state.values:
        return [
            Change(
                target,
                shown(node.text.strip()),
                after,
                f"set {SETTING} from {shown(node.text.strip())!r} to {after} {where}",
                SetValue((xmledit.set_text(node, after),), index),
            )
            for index, node in enumerate(state.values)
            if _as_bool(node.text) is not desired.enabled
        ]
    if state.components:
        parent = state.components[0]
        element = xmledit.NewElement(parent.prefix + SETTING, text=after)
        kind: type[FileEdit] = AddSetting
        summary = f"add {SETTING}={after} to {COMPONENT} {where}"
    elif state.settings:
        parent = state.settings[0]
        element = _component(parent.prefix, desired)
        kind, summary = AddComponent, f"add {COMPONENT} with {SETTING}={after} {where}"
    else:
        parent = state.root
        component = _component(parent.prefix, desired)
        element = xmledit.NewElement(parent.prefix + "settings", (("pass", desired.pass_),), (component,))
        kind, summary = AddSettingsPass, f"add the {desired.pass_} pass with {COMPONENT}/{SETTING}={after}"
    return [Change(target, None, after, summary, kind((xmledit.append_child(text, parent, element, unit),)))]


def render(state: AnswerFileState, changes: t.Sequence[Change]) -> str:
    """The file's text once ``changes`` are made."""
    return xmledit.apply_edits(state.text, [e for c in changes for e in t.cast(FileEdit, c.operation).edits])


def result_of(state: AnswerFileState, changes: t.Sequence[Change]) -> tuple[bytes, AnswerFileState]:
    """The bytes to write and what they parse to, checked: well-formed and every setting says the new value.

    Raises :class:`AnswerFileError` (nothing is written) when the edited text would not parse with the same
    checks as the original or would not carry the value, so a file is never replaced by a broken one.
    """
    data = xmledit.encode(render(state, changes), state.codec, state.bom)
    outcome = "the edit was not written and the file was left unchanged"
    after = _inspect(state.path, data, state.architecture, state.pass_, outcome)
    wanted = {_as_bool(c.after or "") for c in changes}
    if not after.values or len(wanted) != 1 or {_as_bool(v.text) for v in after.values} != wanted:
        raise AnswerFileError(f"{state.path}: the edited file would not set {SETTING} as planned; {outcome}")
    return data, after


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _element(state: AnswerFileState, node: xmledit.Node) -> str:
    """The element as written, secrets masked, cut after :data:`MAX_SHOWN` characters of content."""
    spans = xmledit.content_spans(state.root, is_secret) if state.root is not None else []
    if node.end_start - node.start_end <= MAX_SHOWN:
        return xmledit.masked(state.text, node.start, node.end, spans)
    head = xmledit.masked(state.text, node.start, node.start_end + MAX_SHOWN, spans)
    tail = xmledit.masked(state.text, node.end_start, node.end, spans)
    return f"{head}...({node.end_start - node.start_end} characters){tail}"


def diff(state: AnswerFileState, changes: t.Sequence[Change]) -> dict[str, str]:
    """What ``--diff`` shows: only the setting, where it is and its element before and after, never the file.

    The rest of the file can hold an ``AdministratorPassword`` or a product key; no part of it is shown, and
    secret elements (:func:`is_secret`) are masked in what is.
    """
    _data, after = result_of(state, changes)
    before_lines, after_lines = [], []
    for change in changes:
        if isinstance(change.operation, SetValue):
            index = change.operation.index
            node = state.values[index]
            location = f"# {change.target}, line {_line_of(state.text, node.start)}"
            before_lines += [location, _element(state, node)]
            after_lines += [location, _element(after, after.values[index])]
        else:
            node = after.values[0]
            edit = t.cast(FileEdit, change.operation).edits[0]
            location = f"# {change.target}, line {_line_of(state.text, edit.start)}"
            before_lines += [location, "(absent)"]
            after_lines += [location, _element(after, node), f"# {change.summary}"]
    header = f"{state.path} (only {SETTING} is shown)"
    return {
        "before": "\n".join(before_lines) + "\n",
        "after": "\n".join(after_lines) + "\n",
        "before_header": header if state.exists else f"{state.path} (absent)",
        "after_header": header,
    }


def apply(state: AnswerFileState, changes: t.Sequence[Change], backup: bool = False) -> str | None:
    """Replace the file atomically with the checked result; return the backup's path, if any.

    See :func:`local_file.replace`: a crash leaves either the old file or the new one, never a part of either.
    Nothing is written when the result would not parse.
    """
    if not changes:
        return None
    data, _after = result_of(state, changes)
    expected = state.raw if state.exists else None
    try:
        return local_file.replace(state.path, data, expected, MAX_FILE_BYTES, backup=backup)
    except local_file.LocalFileError as exc:
        raise AnswerFileError(f"{state.path}: {exc}") from None
