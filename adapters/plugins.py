"""Adapter plugins: vendor formats in and out of SDK documents.

An *adapter* turns the bytes of one file in some format into SDK documents
(``read``) and, when it can, SDK documents into that format (``write``). The
project ships two, and any installed distribution can add more through the
entry-point group ``cpas.adapters``::

    # pyproject.toml of a plugin
    [project.entry-points."cpas.adapters"]
    acme-pipe = "acme_cpas.adapter:AcmePipeAdapter"

The entry point names an object that satisfies :class:`Adapter`, or a
callable without arguments (usually the class) that returns one. The entry
point's name must equal the adapter's ``name``.

Contract of an adapter (see :class:`Adapter`):

- ``read`` never raises for bad *content*: every problem becomes a
  :class:`~cpas.sdk.findings.Finding` in the :class:`ReadResult`, per record
  when the format has records (``line`` is the record's line or row, ``path``
  says where in the record), with a NISS shown only masked
  (:func:`~cpas.sdk.identifiers.mask_niss`). A record with an error is not in
  ``documents``; the caller decides what to do with a partial result (the
  exchange folder quarantines the whole file).
- ``write`` raises :class:`AdapterError` when it cannot represent the
  documents (wrong kind, too many documents for the format).

Discovery (:func:`discover`) never fails because one plugin is broken: a
plugin that cannot be imported, does not satisfy the protocol or reuses a
taken name is listed in :attr:`Discovery.broken` with the reason, and the
other adapters stay usable. The built-in adapters are always present, whether
or not the project's own entry points are installed.

Built-in adapters:

============  ====================  =====================================================
name          extensions            reads / writes
============  ====================  =====================================================
cpas-xml      ``.xml``              every document kind of :mod:`cpas.adapters.xml.documents`
legacy        ``.csv``, ``.xlsx``   rows of every kind (see ``cpas convert --kind``; reads only)
evita-csv     ``.csv``              example mapping profile: reimbursement (reads only)
neptunus-xml  ``.xml``              example mapping profile: partnership (reads only)
============  ====================  =====================================================

The last two are *mapping profiles* (:mod:`cpas.adapters.mappings`, format in
``docs/mappings.md``): TOML files that describe a vendor's CSV, XLSX or flat
XML export. More profile files (or folders of them) are loaded from the
``profiles`` argument of :func:`discover` or, by default, from the
``CPAS_PROFILES`` environment variable; a profile that fails its checks is
listed in :attr:`Discovery.broken` like a broken plugin.

Choosing an adapter for a file (:meth:`Discovery.for_file`): an adapter that
declares ``file_patterns`` matching the file name (``evita*.csv``) wins; else
the first adapter, built-ins first, that reads the file's extension.
"""

from __future__ import annotations

import fnmatch
import importlib.metadata
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import PurePath
from typing import Any, Protocol, runtime_checkable

import attrs

from ..sdk.errors import CpasError
from ..sdk.findings import Finding, Severity
from ..sdk.text import Text
from .legacy import convert as legacy
from .legacy.reading import LegacyFileError
from .xml import documents as xml_documents
from .xml.parser import XmlError
from .xml.stream import validate

__all__ = [
    "ENTRY_POINT_GROUP",
    "Adapter",
    "AdapterError",
    "BrokenPlugin",
    "Discovery",
    "LegacyAdapter",
    "ReadResult",
    "Registered",
    "XmlAdapter",
    "builtin_adapters",
    "discover",
    "file_finding",
]

ENTRY_POINT_GROUP = "cpas.adapters"
"""The entry-point group scanned by :func:`discover`."""


class AdapterError(CpasError, ValueError):
    """An adapter cannot do what was asked, or a plugin is unusable.

    ``reason`` says why in FR, NL and EN; ``adapter`` names the adapter or
    entry point concerned.
    """

    def __init__(self, adapter: str, reason: Text) -> None:
        super().__init__(f"{adapter}: {reason.get('en')}")
        self.adapter = adapter
        self.reason = reason


@attrs.frozen
class ReadResult:
    """What an adapter read from one file: documents and every finding."""

    source: str
    """The input's name, as passed to ``read``."""
    documents: tuple[Any, ...] = ()
    """The documents built, in file order (records with an error are left out)."""
    findings: tuple[Finding, ...] = ()
    """Every problem, per record where the format has records."""
    records: int = 0
    """Records (rows, lines) read, valid or not; 0 when the format has none."""

    @property
    def ok(self) -> bool:
        """True when at least one document was read and no finding is an error."""
        return bool(self.documents) and not any(
            f.severity is Severity.ERROR for f in self.findings)


@runtime_checkable
class Adapter(Protocol):
    """A file format, in (``read``) and optionally out (``write``).

    Implementations are plain classes; they need not inherit from anything.
    They should hold no per-call state, so one instance can serve many files.
    """

    @property
    def name(self) -> str:
        """Stable short name (``acme-pipe``), equal to the entry point's name."""

    @property
    def description(self) -> str:
        """One line for ``cpas adapters list``."""

    @property
    def extensions(self) -> tuple[str, ...]:
        """File extensions this adapter reads, lower case with the dot (``.txt``)."""

    @property
    def reads(self) -> tuple[str, ...]:
        """Document kinds ``read`` can produce (``reimbursement``…)."""

    @property
    def writes(self) -> tuple[str, ...]:
        """Document kinds ``write`` accepts; empty for a read-only adapter."""

    def read(self, data: bytes, *, source: str) -> ReadResult:
        """Read one file's bytes; problems are findings, never exceptions."""

    def write(self, documents: Sequence[Any]) -> bytes:
        """The file for ``documents``; :class:`AdapterError` if they cannot be written."""


@attrs.frozen
class Registered:
    """An adapter available in this installation."""

    adapter: Adapter
    origin: str
    """``built-in`` or the distribution that provides it (``acme-cpas 1.2``)."""


@attrs.frozen
class BrokenPlugin:
    """An entry point that could not be turned into an adapter."""

    name: str
    """The entry point's name."""
    value: str
    """What it points to (``module:object``)."""
    origin: str
    """The distribution that declares it, when known."""
    reason: str
    """Why it is unusable (exception type and message, or the protocol gap)."""


@attrs.frozen
class Discovery:
    """Installed adapters, and the plugins that failed to load."""

    adapters: tuple[Registered, ...]
    broken: tuple[BrokenPlugin, ...] = ()
    _by_pattern: tuple[tuple[re.Pattern[str], Adapter], ...] = attrs.field(
        init=False, eq=False, repr=False)
    """Each adapter with ``file_patterns``, and one expression matching any of them
    (``fnmatch.translate``: what ``fnmatchcase`` compiles for each pattern at each call)."""

    def __attrs_post_init__(self) -> None:
        found = []
        for item in self.adapters:
            patterns = getattr(item.adapter, "file_patterns", ())
            if patterns:
                either = "|".join(fnmatch.translate(str(p).lower()) for p in patterns)
                found.append((re.compile(either), item.adapter))
        object.__setattr__(self, "_by_pattern", tuple(found))

    def get(self, name: str) -> Adapter:
        """The adapter called ``name``; :class:`AdapterError` (naming the cause) otherwise."""
        for item in self.adapters:
            if item.adapter.name == name:
                return item.adapter
        for bad in self.broken:
            if bad.name == name:
                raise AdapterError(name, Text(
                    fr=f"extension inutilisable ({bad.origin}) : {bad.reason}",
                    nl=f"onbruikbare plug-in ({bad.origin}): {bad.reason}",
                    en=f"unusable plugin ({bad.origin}): {bad.reason}"))
        raise AdapterError(name, Text(fr="aucun adaptateur de ce nom",
                                      nl="geen adapter met deze naam",
                                      en="no adapter of this name"))

    def for_file(self, name: str) -> Adapter | None:
        """The adapter whose ``file_patterns`` match ``name``, else the first adapter
        (built-ins first) that reads files with ``name``'s extension."""
        path = PurePath(name)
        base = path.name.lower()
        for pattern, adapter in self._by_pattern:
            if pattern.match(base):
                return adapter
        suffix = path.suffix.lower()
        for item in self.adapters:
            if suffix in item.adapter.extensions:
                return item.adapter
        return None


# --------------------------------------------------------------------------- helpers


def file_finding(code: str, message: Text, *, source: str, line: int | None = None,
                 path: str = "$", severity: Severity = Severity.ERROR) -> Finding:
    """A finding about a file or one of its records (for adapter authors)."""
    return Finding(code=code, severity=severity, path=path, message=message, line=line,
                   source=source)


def _error_text(exc: CpasError) -> Text:
    reason = str(getattr(exc, "reason", exc))
    return Text(fr=f"document refusé : {reason}", nl=f"document geweigerd: {reason}",
                en=f"document refused: {reason}")


def _one_document(adapter: str, documents: Sequence[Any]) -> Any:
    if len(documents) != 1:
        raise AdapterError(adapter, Text(
            fr=f"un fichier contient un seul document, pas {len(documents)}",
            nl=f"een bestand bevat één document, niet {len(documents)}",
            en=f"a file holds exactly one document, not {len(documents)}"))
    return documents[0]


# --------------------------------------------------------------------------- built-ins


class XmlAdapter:
    """The project's own XML (one document per file, validated against its XSD)."""

    name = "cpas-xml"
    description = "cpas-sdk XML, every document kind (schema-validated)"
    extensions: tuple[str, ...] = (".xml",)
    reads: tuple[str, ...] = tuple(kind.name for kind in xml_documents.KINDS)
    writes: tuple[str, ...] = reads

    def read(self, data: bytes, *, source: str) -> ReadResult:
        """Validate against the schema (every error, with its line), then build the document."""
        checked = validate(data, name=source)
        if not checked.ok:
            return ReadResult(source, (), checked.findings, checked.records)
        try:
            document = xml_documents.from_xml(data, validate=False)
        except XmlError as exc:
            return ReadResult(source, (), (file_finding(
                exc.code, Text(fr=exc.reason, nl=exc.reason, en=exc.reason),
                source=source, line=exc.line),), checked.records)
        except CpasError as exc:
            return ReadResult(source, (), (file_finding(
                "XML-VALUE", _error_text(exc), source=source, line=getattr(exc, "line", None),
                path=str(getattr(exc, "path", "$"))),), checked.records)
        return ReadResult(source, (document,), checked.findings, checked.records)

    def write(self, documents: Sequence[Any]) -> bytes:
        document = _one_document(self.name, documents)
        try:
            xml_documents.kind_of(document)
        except KeyError:
            raise AdapterError(self.name, Text(
                fr=f"pas un document XML : {type(document).__name__}",
                nl=f"geen XML-document: {type(document).__name__}",
                en=f"not an XML document: {type(document).__name__}")) from None
        return xml_documents.to_xml(document)


class LegacyAdapter:
    """Legacy CSV/XLSX rows (:func:`cpas.adapters.legacy.convert.convert`), read only.

    Without ``kind`` the kind is found by trying each one of
    :data:`cpas.adapters.legacy.convert.KINDS` in turn; the first whose columns
    match wins.
    """

    name = "legacy"
    description = "legacy CSV/XLSX rows (" + ", ".join(legacy.KINDS) + "), read only"
    extensions: tuple[str, ...] = (".csv", ".xlsx")
    reads: tuple[str, ...] = legacy.KINDS
    writes: tuple[str, ...] = ()

    def __init__(self, kind: str | None = None,
                 settings: Mapping[str, str] | None = None) -> None:
        self._kinds = (kind,) if kind else legacy.KINDS
        self._settings = dict(settings or {})

    def read(self, data: bytes, *, source: str) -> ReadResult:
        """Convert the rows; a rejected row becomes a finding at its line."""
        failures: list[Text] = []
        for kind in self._kinds:
            try:
                result = legacy.convert(data, kind, settings=self._settings)
            except LegacyFileError as exc:
                failures.append(exc.reason)
                continue
            findings = tuple(
                file_finding("LEGACY-ROW", problem.reason, source=source, line=problem.row,
                             path=f"$[{problem.row}]" + (f".{problem.column}"
                                                         if problem.column else ""))
                for item in result.rejected for problem in item.problems)
            return ReadResult(source, result.documents, findings, result.rows_read)
        joined = Text(**{lang: " / ".join(t.get(lang) for t in failures)
                         for lang in ("fr", "nl", "en")})
        return ReadResult(source, (), (file_finding("LEGACY-FILE", joined, source=source),))

    def write(self, documents: Sequence[Any]) -> bytes:
        raise AdapterError(self.name, Text(
            fr="cet adaptateur ne fait que lire", nl="deze adapter leest alleen",
            en="this adapter only reads"))


def builtin_adapters() -> tuple[Adapter, ...]:
    """The adapters shipped with cpas-sdk, in order of preference: XML, legacy rows,
    then the example mapping profiles by name."""
    from .mappings.adapter import ProfileAdapter, shipped_profiles

    return (XmlAdapter(), LegacyAdapter(), *(ProfileAdapter(p) for p in shipped_profiles()))


def _profile_adapters(paths: Iterable[str | os.PathLike[str]] | None,
                      found: list[Registered], broken: list[BrokenPlugin]) -> None:
    """Load user mapping profiles; a bad one is broken, never raised."""
    from .mappings.adapter import load_user_profile, profile_files
    from .mappings.profile import ProfileError

    for path in profile_files(paths):
        origin = f"profile {path}"
        try:
            adapter = load_user_profile(path)
        except ProfileError as exc:
            broken.append(BrokenPlugin(path.stem, str(path), origin, f"{exc.key}: "
                                       f"{exc.reason.get('en')}"))
            continue
        except OSError as exc:
            broken.append(BrokenPlugin(path.stem, str(path), origin,
                                       f"cannot read the profile: {exc.strerror or exc}"))
            continue
        taken = next((r for r in found if r.adapter.name == adapter.name), None)
        if taken is not None:
            broken.append(BrokenPlugin(adapter.name, str(path), origin,
                                       f"name {adapter.name!r} already taken by {taken.origin}"))
            continue
        found.append(Registered(adapter, origin))


# --------------------------------------------------------------------------- discovery

_MEMBERS = ("name", "description", "extensions", "reads", "writes", "read", "write")


def _protocol_gap(candidate: object) -> str | None:
    missing = [m for m in _MEMBERS if not hasattr(candidate, m)]
    if missing:
        return f"not an Adapter: missing {', '.join(missing)}"
    if not (callable(getattr(candidate, "read")) and callable(getattr(candidate, "write"))):  # noqa: B009
        return "not an Adapter: read and write must be methods"
    name = getattr(candidate, "name")  # noqa: B009
    if not isinstance(name, str) or not name:
        return "not an Adapter: name must be a non-empty string"
    for member in ("extensions", "reads", "writes"):
        value = getattr(candidate, member)
        if isinstance(value, str) or not all(isinstance(v, str) for v in value):
            return f"not an Adapter: {member} must be a tuple of strings"
    return None


def _instantiate(loaded: object) -> object:
    if _protocol_gap(loaded) is None and not isinstance(loaded, type):
        return loaded
    if callable(loaded):
        return loaded()
    return loaded


def _origin(entry: importlib.metadata.EntryPoint) -> str:
    dist = entry.dist
    if dist is None:
        return "unknown distribution"
    return f"{dist.metadata['Name']} {dist.version}"


def discover(entry_points: Iterable[importlib.metadata.EntryPoint] | None = None, *,
             builtins: Callable[[], tuple[Adapter, ...]] = builtin_adapters,
             profiles: Iterable[str | os.PathLike[str]] | None = None) -> Discovery:
    """Built-in adapters, user mapping profiles, and every plugin of the
    ``cpas.adapters`` entry-point group, in that order.

    ``entry_points`` replaces the installed ones (for tests); ``profiles`` names
    profile files or folders (default: the ``CPAS_PROFILES`` environment
    variable). A plugin or profile that fails is reported in
    :attr:`Discovery.broken`, never raised. An entry point of cpas-sdk itself
    that names a built-in adapter is the built-in, not a duplicate.
    """
    from .mappings.adapter import ProfileAdapter

    found = [Registered(adapter, "built-in") for adapter in builtins()]
    # A plugin may well hand out a ProfileAdapter of its own profile: not a duplicate.
    builtin_types = {type(item.adapter) for item in found
                     if not isinstance(item.adapter, ProfileAdapter)}
    broken: list[BrokenPlugin] = []
    _profile_adapters(profiles, found, broken)
    points = (importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
              if entry_points is None else entry_points)
    for entry in sorted(points, key=lambda e: (e.name, e.value)):
        origin = _origin(entry)

        def fail(reason: str, entry: importlib.metadata.EntryPoint = entry,
                 origin: str = origin) -> None:
            broken.append(BrokenPlugin(entry.name, entry.value, origin, reason))

        try:
            loaded = entry.load()
            if loaded in builtin_types:
                continue
            candidate = _instantiate(loaded)
        except Exception as exc:  # a plugin may fail in any way: report it, keep going
            fail(f"{type(exc).__name__}: {exc}")
            continue
        if type(candidate) in builtin_types:
            continue
        gap = _protocol_gap(candidate)
        if gap is not None:
            fail(gap)
            continue
        adapter: Adapter = candidate  # type: ignore[assignment]
        if adapter.name != entry.name:
            fail(f"entry point {entry.name!r} gives an adapter named {adapter.name!r}")
            continue
        taken = next((r for r in found if r.adapter.name == adapter.name), None)
        if taken is not None:
            fail(f"name {adapter.name!r} already taken by {taken.origin}")
            continue
        found.append(Registered(adapter, origin))
    return Discovery(tuple(found), tuple(broken))
