"""Schema and legal checks of an XML file in one call: :func:`check_file`.

What happens, in order:

1. **Schema.** The file is validated against the registry schema of its root
   namespace (:func:`cpas.adapters.xml.stream.validate`: one fast validating
   pass; a located pass only when the file is invalid). A file that breaks the
   schema cannot be read into a document, so its result holds the schema
   findings only: no rule runs on it.
2. **Reading.** A valid file is read into the SDK's document. A value the
   schema lets through but the SDK cannot represent (a NISS whose check digits
   do not match, 30 February) gives an ``SDK-VALUE`` finding at its line and
   path, with any NISS masked; again no rule runs.
3. **Rules.** ``cpas.sdk.rules.check(document, today=…)``: every legal rule in
   force at the document's date. Each finding keeps its ``$.`` path and gets
   the source line.

**Lines of rule findings.** A rule finding's path (``$.objectives[2].deadline``)
is resolved against the parsed XML with the same mapping that read it
(:func:`cpas.adapters.xml.mapping.slots`): each step names a field, whose
element is looked up among the children; ``[n]`` picks the n-th item of a list
element. The line is that of the deepest element found, so a finding about an
optional element that is absent (``$.header.file_number``) points at its
parent (``<header>``).

**Reimbursement batches** are read as streams; only one smaller than
:data:`PARALLEL_BYTES` (3 MiB) may be parsed whole, for its schema verdict. When
the batch is in the plain layout (what
:func:`~cpas.adapters.xml.documents.to_xml` and most writers produce: see
:mod:`.scan`), the schema pass and the rules pass are two independent readings
of the same bytes:

* the schema pass is :func:`~cpas.adapters.xml.stream.validate` (libxml2 at
  bare-lxml speed). When this process may use two CPUs it runs beside the
  rules pass: in a second process (:mod:`.schemapass`) for a file from 3 MiB,
  in a thread below (libxml2 parses and validates a small file's tree without
  holding the GIL); otherwise first, or, for a small file, as a whole-tree
  verdict (cheaper), whose "valid" is only trusted together with a complete
  scan;
* the rules pass reads the text of the lines region with the scanner of
  :mod:`.scan` (no element objects), builds each line, feeds it to a
  :class:`~cpas.sdk.rules.reimbursement.StreamingCheck`, and locates hits on
  the record's own text. The part before the lines (type, header) starts the
  check, the trailer (submission date, counts) completes the form at the end.

The rules' answer is used only when the schema pass accepts the file; otherwise
the schema findings are the answer, as for any invalid file. When the scanner
gives way (a comment between lines, prefixed elements, another encoding…),
the lines are read through lxml instead: libxml2 validates while each
``<reimbursementLine>`` is read by the compiled reader of
:mod:`cpas.adapters.xml.fastread` (or, when it gives way, by
:func:`~cpas.adapters.xml.mapping.from_element`), checked and released, and
that answer, too, is only used if the file turns out valid. Either way the
findings are those of ``check(from_xml(file))``. Two more passes run only
when needed: the cross-line rules read the lines again when their filter
says a key was perhaps seen before (a real duplicate, or, rarely, a false
alarm: none measured up to two million lines), and findings decided after a line
was released (duplicates, cost statements out of time) are located by one
pass that maps nothing. Memory: see :mod:`cpas.sdk.rules.reimbursement` (per
cross-line rule a set of up to 131 072 key hashes, about 9 MiB, then a fixed
16 MiB table; four bytes per line for loi 65 cost statements; nothing per
element), plus a block of text being scanned; measured: about 54 MiB above the
idle interpreter at a million lines, 35 MiB more in the schema-pass process.

>>> result = check_file("batch.xml", today=dt.date(2025, 4, 1))   # doctest: +SKIP
>>> result.ok, result.errors, result.findings[0].line              # doctest: +SKIP
(False, 1, 1234)
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from typing import Any, Literal

import attrs
from lxml import etree

from ...schemas import UnknownSchema, lxml_schema, schema_for_namespace
from ...sdk.documents.reimbursement import (
    FormHeader,
    FormType,
    ReimbursementForm,
    ReimbursementLine,
)
from ...sdk.errors import CpasError, InvalidType, InvalidValue
from ...sdk.findings import Finding, Report, Severity
from ...sdk.parameters import Parameters
from ...sdk.policy import LocalPolicy
from ...sdk.rules import Hit, check
from ...sdk.rules.reimbursement import StreamingCheck
from ...sdk.text import Lang, Text
from ..cpus import usable_cpus
from .documents import KINDS, DocumentKind, records_of
from .fastread import fast_reader
from .mapping import Scalar, error_line, from_element, load, slots
from .parser import (
    BATCH_LIMITS,
    DOCUMENT_LIMITS,
    EventChunks,
    Progress,
    XmlError,
    XmlSyntaxError,
    parse_bytes,
    parse_file,
    peek_root,
)
from .scan import GiveUp, Region, ScannedBatch, line_scanner
from .schemapass import SchemaPass, SchemaThread, valid_whole
from .stream import ValidationResult, readable_again, validate

__all__ = ["CheckResult", "check_file", "line_of_path"]

Source = str | os.PathLike[str] | bytes

_BYTES_PER_LINE = 200
"""A lower bound of the size of one reimbursement line in XML, to estimate how many
lines a file may hold from its size (sizes the cross-line filters)."""


# --------------------------------------------------------------------------- result


@attrs.frozen
class CheckResult:
    """Schema and rule findings of one file."""

    source: str
    """The file's name (or what the caller passed)."""
    kind: str | None
    """Document kind (``piis``, ``reimbursement``…) when the schema was found."""
    findings: tuple[Finding, ...] = ()
    """Schema findings when the file breaks its schema, else reading and rule findings."""
    schema_valid: bool = False
    """True when the file passed schema validation (rules ran only then)."""
    records: int = 0
    """Lines read one by one (reimbursement batches); 0 for a document read whole."""
    complete: bool = True
    """False when checking stopped early (``max_errors`` reached, unreadable input)."""
    schema: str | None = None
    """File name of the schema used."""

    @property
    def errors(self) -> int:
        """Number of findings of severity error."""
        return sum(1 for f in self.findings if f.severity is Severity.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity is Severity.WARNING)

    @property
    def ok(self) -> bool:
        """True when the whole file was checked and no finding is an error (warnings allowed)."""
        return self.complete and self.schema_valid and self.errors == 0

    @property
    def report(self) -> Report:
        return Report(self.findings)

    def to_dict(self, lang: Lang = "fr") -> dict[str, Any]:
        return {
            "source": self.source,
            "kind": self.kind,
            "schema": self.schema,
            "schema_valid": self.schema_valid,
            "ok": self.ok,
            "complete": self.complete,
            "records": self.records,
            "errors": self.errors,
            "warnings": self.warnings,
            "findings": [f.to_dict(lang) for f in self.findings],
        }


# --------------------------------------------------------------------------- reading errors

_READING = Text(
    fr="Valeur conforme au schéma mais refusée à la lecture : {reason}",
    nl="Waarde conform het schema maar geweigerd bij het inlezen: {reason}",
    en="Value valid for the schema but refused when reading: {reason}")


def _reading_finding(exc: CpasError, source: str, line: int | None = None) -> Finding:
    """An ``SDK-VALUE`` finding for an SDK error raised while reading (values masked)."""
    if isinstance(exc, InvalidValue | InvalidType):
        reason = exc.reason + (f" ({exc.shown})" if exc.shown is not None else "")
        path = exc.path
    else:  # pragma: no cover - the reader raises located errors only
        reason, path = type(exc).__name__, "$"
    found = error_line(exc)
    return Finding(code="SDK-VALUE", severity=Severity.ERROR, path=path,
                   message=_READING.format(reason=reason),
                   line=found if found is not None else line, source=source)


def _xml_finding(exc: XmlError) -> Finding:
    text = Text(fr=f"XML refusé : {exc.reason}", nl=f"XML geweigerd: {exc.reason}",
                en=f"XML refused: {exc.reason}")
    return Finding(code=exc.code, severity=Severity.ERROR, path="/", message=text,
                   line=exc.line, source=exc.source)


# --------------------------------------------------------------------------- paths to lines

_STEP = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)(?:\[([0-9]+)\])?")


def _sourceline(element: etree._Element) -> int | None:
    line = element.sourceline
    return line if isinstance(line, int) else None


def line_of_path(element: etree._Element, cls: type, path: str, *, namespace: str) -> int | None:
    """The source line of the SDK path ``path`` (``$.lines[3].amount``) inside ``element``,
    the XML of an instance of ``cls`` (see the module docstring)."""
    line = _sourceline(element)
    current: type | None = cls
    position = 1 if path.startswith("$") else 0
    ns = "{" + namespace + "}"
    while current is not None:
        match = _STEP.match(path, position)
        if match is None:
            break
        position = match.end()
        slot = next((s for s in slots(current) if s.name == match.group(1)), None)
        if slot is None:
            break
        child = element.find(ns + slot.element)
        if child is None:
            break
        element, line = child, _sourceline(child) or line
        if match.group(2) is not None:
            if not slot.many:
                break
            items = [item for item in element if isinstance(item.tag, str)]
            index = int(match.group(2))
            if index >= len(items):
                break
            element = items[index]
            line = _sourceline(element) or line
        current = None if isinstance(slot.value, Scalar) else slot.value
    return line


# --------------------------------------------------------------------------- API


def _kind_of(result: ValidationResult) -> DocumentKind | None:
    return next((kind for kind in KINDS if kind.schema_file == result.schema), None)


def _capped(findings: list[Finding], max_errors: int | None) -> tuple[tuple[Finding, ...], bool]:
    """At most ``max_errors`` errors (warnings kept); True when some were dropped."""
    if max_errors is None:
        return tuple(findings), False
    kept: list[Finding] = []
    errors = 0
    dropped = False
    for finding in findings:
        if finding.severity is Severity.ERROR:
            if errors >= max_errors:
                dropped = True
                continue
            errors += 1
        kept.append(finding)
    return tuple(kept), dropped


def check_file(
    source: Source,
    *,
    today: dt.date | None = None,
    policy: LocalPolicy | None = None,
    parameters: Parameters | None = None,
    max_errors: int | None = None,
    progress: Progress | None = None,
    name: str | None = None,
    jobs: int | None = None,
) -> CheckResult:
    """Check a file (path or bytes) against its schema, then against the legal rules.

    ``today`` enables the rules that compare deadlines with the clock; ``policy``
    and ``parameters`` are passed on to :func:`cpas.sdk.rules.check`.
    ``max_errors`` stops after that many error findings (the result is then
    incomplete); ``progress(bytes_read, total)`` is called as each pass reads
    the file (from 0 again for each pass). ``OSError`` is raised as is when the
    file cannot be read; everything wrong *in* the file is a finding. A file
    whose schema is in the registry but is not one of the five document kinds
    gets the schema check only.

    ``jobs`` is for reimbursement batch files in the plain layout (see
    :mod:`.scan`): with 2, the schema pass runs beside the rules pass (in a second
    process for a file of at least :data:`PARALLEL_BYTES`, in a thread below); with
    1, one after the other. ``None`` (default) picks 2 when this process may use two
    CPUs. Bytes are always checked one pass after the other. The findings are the
    same either way.
    """
    if max_errors is not None and max_errors < 1:
        raise ValueError("max_errors must be at least 1")
    if jobs is not None and jobs not in (1, 2):
        raise ValueError("jobs must be 1 or 2")
    label = name or (os.fspath(source) if not isinstance(source, bytes) else "<bytes>")
    with readable_again(source) as readable:
        if readable is not source:  # a pipe or a device, copied: check the copy
            return check_file(readable, today=today, policy=policy,  # type: ignore[arg-type]
                              parameters=parameters, max_errors=max_errors,
                              progress=progress, name=label, jobs=jobs)
    options = _Options(label, today, policy, parameters, max_errors, progress)
    batch_kind = _batch_kind(source, label)
    if batch_kind is not None:
        done = _check_scanned(source, *batch_kind, options, jobs=jobs)
        if done is None:
            done = _check_batch(source, *batch_kind, options, validating=True)
        if done is not None:
            return done
    validation = validate(source, max_errors=max_errors, progress=progress, name=label)
    kind = _kind_of(validation)
    kind_name = kind.name if kind is not None else None
    if not validation.ok or kind is None:
        return CheckResult(label, kind_name, validation.findings, schema_valid=validation.ok,
                           records=validation.records, complete=validation.complete,
                           schema=validation.schema)
    if kind.records:
        result = _check_batch(source, kind, validation.schema, options, validating=False)
        if result is not None:  # only a validating pass gives way
            return result
        raise AssertionError("unreachable")  # pragma: no cover
    return _check_document(source, kind, validation, options)


def _batch_kind(source: Source, label: str) -> tuple[DocumentKind, str] | None:
    """The kind and schema file of a batch (a kind read as a stream of records), from
    the root's namespace; ``None`` for anything else, or when the head is unreadable
    (the schema pass then says why)."""
    try:
        namespace = etree.QName(peek_root(source, name=label)).namespace or ""
        info = schema_for_namespace(namespace)
    except (XmlError, UnknownSchema, ValueError):  # ValueError: a name lxml refuses
        return None
    kind = next((kind for kind in KINDS if kind.schema_file == info.name), None)
    return (kind, info.name) if kind is not None and kind.records else None


@attrs.frozen
class _Options:
    label: str
    today: dt.date | None
    policy: LocalPolicy | None
    parameters: Parameters | None
    max_errors: int | None
    progress: Progress | None


def _check_document(source: Source, kind: DocumentKind, validation: ValidationResult,
                    options: _Options) -> CheckResult:
    """A document read whole: map, check, locate every finding."""
    label = options.label

    def result(findings: list[Finding], complete: bool = True) -> CheckResult:
        kept, dropped = _capped(findings, options.max_errors)
        return CheckResult(label, kind.name, kept, schema_valid=True,
                           complete=complete and not dropped, schema=validation.schema)

    try:
        if isinstance(source, bytes):
            tree = parse_bytes(source, source=label, limits=DOCUMENT_LIMITS)
        else:
            tree = parse_file(source, source=label, limits=DOCUMENT_LIMITS)
    except XmlError as exc:  # pragma: no cover - the schema pass read the same bytes
        return result([_xml_finding(exc)], complete=False)
    root = tree.getroot()
    try:
        document: Any = load(root, kind.cls, tag=kind.root, namespace=kind.namespace)
    except (InvalidValue, InvalidType) as exc:
        return result([_reading_finding(exc, label, _sourceline(root))])
    report = check(document, today=options.today, policy=options.policy,
                   parameters=options.parameters)
    return result([
        attrs.evolve(finding, source=label,
                     line=line_of_path(root, kind.cls, finding.path, namespace=kind.namespace))
        for finding in report])


# --------------------------------------------------------------------------- batches


class _LinesPass:
    """What the two ways of reading a batch's lines share: the findings made while
    reading, the rule checks, and the end of the form (see the module docstring)."""

    def __init__(self, kind: DocumentKind, options: _Options) -> None:
        self.kind = kind
        self.options = options
        self.ns = kind.namespace
        self.reading: list[Finding] = []
        """``SDK-VALUE`` findings (no rule runs when there is one)."""
        self.located: dict[str, int | None] = {}
        """Lines of the rule hits located while their record was at hand."""
        self.count = 0
        self.stopped = False

    def start(self, root: etree._Element, expected_lines: int) -> StreamingCheck | None:
        """The rule checks, started from the form's type and header (complete in
        ``root`` before the first line); ``None`` after a reading finding."""
        plan = {slot.name: slot for slot in slots(self.kind.cls)}
        ns = "{" + self.ns + "}"
        kind_element = root.find(ns + plan["form_type"].element)
        header_element = root.find(ns + plan["header"].element)
        codec = plan["form_type"].value
        if kind_element is None or header_element is None or not isinstance(codec, Scalar):
            return None  # pragma: no cover - the schema requires both
        try:
            form_type: FormType = codec.parse(kind_element.text or "")
            header = from_element(header_element, FormHeader, namespace=self.ns,
                                  path="$.header")
        except (InvalidValue, InvalidType) as exc:
            self.reading.append(_reading_finding(exc, self.options.label, _sourceline(root)))
            return None
        return StreamingCheck(form_type, header, expected_lines=expected_lines,
                              today=self.options.today, policy=self.options.policy,
                              parameters=self.options.parameters)

    def lines_again(self) -> Iterator[ReimbursementLine]:
        """Read every line once more, in order (for the cross-line rules)."""
        raise NotImplementedError  # pragma: no cover - both subclasses define it

    def locate(self, paths: list[str]) -> None:
        """Find the lines of hits decided after their record was released (one pass)."""
        raise NotImplementedError  # pragma: no cover - both subclasses define it

    def file_line(self, line: int | None) -> int | None:
        """The file's line for a line of ``root`` in :meth:`outcome` (the same here)."""
        return line

    def outcome(self, root: etree._Element, stream: StreamingCheck | None,
                schema_name: str | None) -> CheckResult:
        """The result once the lines are read: ``root`` is the form without its lines
        (trailer at its own lines)."""
        options = self.options
        label = options.label

        def result(findings: list[Finding], complete: bool) -> CheckResult:
            kept, dropped = _capped(findings, options.max_errors)
            return CheckResult(label, self.kind.name, kept, schema_valid=True,
                               records=self.count,
                               complete=complete and not dropped and not self.stopped,
                               schema=schema_name)

        if self.reading or stream is None:
            return result(self.reading, complete=True)
        try:
            form = load(root, ReimbursementForm, tag=self.kind.root, namespace=self.ns)
        except (InvalidValue, InvalidType) as exc:
            finding = _reading_finding(exc, label, _sourceline(root))
            return result([attrs.evolve(finding, line=self.file_line(finding.line))],
                          complete=True)
        report = stream.finish(form, lines=None if self.stopped else self.lines_again)
        self.locate([f.path for f in report if f.path not in self.located])
        findings = []
        for finding in report:
            where = self.located.get(finding.path)
            if where is None:
                where = self.file_line(line_of_path(root, self.kind.cls, finding.path,
                                                    namespace=self.ns))
            findings.append(attrs.evolve(finding, source=label, line=where))
        return result(findings, complete=True)


class _Batch(_LinesPass):
    """The streamed reading of one reimbursement batch (see the module docstring)."""

    def __init__(self, source: Source, kind: DocumentKind, options: _Options,
                 schema: etree.XMLSchema | None = None) -> None:
        super().__init__(kind, options)
        self.source = source
        self.schema = schema
        """Validate while reading (the file is then only trusted if the pass ends well)."""
        records = records_of(kind)
        if kind.cls is not ReimbursementForm or len(records) != 1:  # pragma: no cover
            raise ValueError(f"{kind.name}: no streamed checking for this kind")
        ((self.record_tag, self.record_cls),) = records.items()
        self.fast = fast_reader(ReimbursementLine, self.ns)
        self.stream: StreamingCheck | None = None
        self.started = False

    # -- the main pass

    def _expected_lines(self) -> int:
        if isinstance(self.source, bytes):
            return len(self.source) // _BYTES_PER_LINE
        try:
            return os.path.getsize(self.source) // _BYTES_PER_LINE
        except OSError:
            return 0

    def _start(self, root: etree._Element) -> None:
        """Start the rule checks from the part of the form before the lines."""
        self.started = True
        self.stream = self.start(root, self._expected_lines())

    def _full(self) -> bool:
        limit = self.options.max_errors
        if limit is None:
            return False
        found = len(self.reading) + (self.stream.errors if self.stream is not None else 0)
        return found >= limit

    def _line(self, element: etree._Element, index: int) -> ReimbursementLine:
        """Read one line: the compiled reader, else (rarely) the generic one, which
        raises the located error."""
        line = self.fast(element) if self.fast is not None else None
        if line is None:
            line = from_element(element, ReimbursementLine, namespace=self.ns,
                                path=f"$.lines[{index}]")
        return line

    def _record(self, element: etree._Element) -> None:
        index = self.count
        self.count = index + 1
        if self.stopped:
            return
        line = self.fast(element) if self.fast is not None else None
        try:
            if line is None:
                line = self._line(element, index)
        except (InvalidValue, InvalidType) as exc:
            self.reading.append(_reading_finding(exc, self.options.label,
                                                 _sourceline(element)))
        else:
            if self.stream is not None and not self.reading:
                hits = self.stream.add(line)
                if not hits:
                    return
                prefix = f"$.lines[{index}]"
                for hit in hits:
                    if hit.path.startswith(prefix):  # else located after the main pass
                        rest = "$" + hit.path[len(prefix):]
                        self.located[hit.path] = line_of_path(element, self.record_cls, rest,
                                                              namespace=self.ns)
        if self.options.max_errors is not None and self._full():
            self.stopped = True

    def run(self) -> etree._Element | None:
        """The main pass; returns the root (without its lines) once the file is read."""
        # Events for the records and the root only: XInclude elements are left to the
        # schema, which has no wildcard to let them through, checked in this pass or
        # before it, or beside it (the result is then only used if the file is valid).
        chunks = EventChunks(self.source, tags=[self.record_tag], limits=BATCH_LIMITS,
                             progress=self.options.progress, name=self.options.label,
                             schema=self.schema, xinclude_events=False)
        root: etree._Element | None = None
        closed = False
        record = self._record
        try:
            for events in chunks:
                if root is None and events:
                    root = events[0][1]
                last: etree._Element | None = None
                for event, element in events:
                    if event != "end":
                        continue
                    if element is root:
                        closed = True
                        continue
                    if not self.started and root is not None:
                        self._start(root)
                    record(element)
                    last = element
                if last is not None:
                    _release(last)
        finally:
            chunks.close()
        if not closed:  # libxml2 may end a validating parse of a cut file without an error
            raise XmlSyntaxError("the document ends before its root element is closed",
                                 source=self.options.label)
        if root is not None:
            for element in root.iter(self.record_tag):
                parent = element.getparent()
                if parent is not None:
                    parent.remove(element)
                break  # one at most is left (see _release)
        return root

    # -- after the main pass

    def lines_again(self) -> Iterator[ReimbursementLine]:
        """Read every line once more, in order (for the cross-line rules)."""
        chunks = EventChunks(self.source, tags=[self.record_tag], limits=BATCH_LIMITS,
                             name=self.options.label)
        count = 0
        try:
            for events in chunks:
                last: etree._Element | None = None
                for event, element in events:
                    if event == "end" and element.tag == self.record_tag:
                        yield self._line(element, count)
                        count += 1
                        last = element
                if last is not None:
                    _release(last)
        finally:
            chunks.close()

    def locate(self, paths: list[str]) -> None:
        """Find the lines of hits decided after their record was released (one pass)."""
        wanted = _by_line_index(paths)
        if not wanted:
            return
        chunks = EventChunks(self.source, tags=[self.record_tag], limits=BATCH_LIMITS,
                             name=self.options.label)
        index = 0
        try:
            for events in chunks:
                last: etree._Element | None = None
                for event, element in events:
                    if event != "end" or element.tag != self.record_tag:
                        continue
                    for path in wanted.get(index, ()):
                        rest = "$" + path[len(f"$.lines[{index}]"):]
                        self.located[path] = line_of_path(element, self.record_cls, rest,
                                                          namespace=self.ns)
                    index += 1
                    last = element
                if last is not None:
                    _release(last)
        finally:
            chunks.close()


_LINE_INDEX = re.compile(r"^\$\.lines\[([0-9]+)\]")


def _by_line_index(paths: list[str]) -> dict[int, list[str]]:
    """Paths under ``$.lines[n]``, by ``n``."""
    wanted: dict[int, list[str]] = {}
    for path in paths:
        match = _LINE_INDEX.match(path)
        if match is not None:
            wanted.setdefault(int(match.group(1)), []).append(path)
    return wanted


def _release(last: etree._Element) -> None:
    """Drop the records read so far: all but the last are removed, the last is emptied
    (the parser may still be attached to it)."""
    parent = last.getparent()
    if parent is None:  # pragma: no cover - records sit in a list element
        return
    position = parent.index(last)
    if position:
        del parent[:position]
    last.clear(keep_tail=True)  # type: ignore[call-arg]  # lxml-stubs lag


def _check_batch(source: Source, kind: DocumentKind, schema_name: str | None,
                 options: _Options, *, validating: bool) -> CheckResult | None:
    """Check a batch as a stream. With ``validating``, the schema is checked in the same
    pass, and ``None`` means the file broke it (or is unreadable): the caller then runs
    the schema pass, whose findings are the answer; the lines read are forgotten."""
    label = options.label
    schema = lxml_schema(schema_name) if validating and schema_name is not None else None
    batch = _Batch(source, kind, options, schema=schema)
    try:
        root = batch.run()
    except XmlError as exc:
        if validating:
            return None
        # pragma: no cover - the schema pass read the same bytes
        return CheckResult(label, kind.name, (_xml_finding(exc),), schema_valid=True,
                           records=batch.count, complete=False, schema=schema_name)

    if root is None:  # pragma: no cover - the schema pass found a root
        return CheckResult(label, kind.name, (), schema_valid=True, records=batch.count,
                           complete=False, schema=schema_name)
    if not batch.started:  # a form without lines
        batch._start(root)
    return batch.outcome(root, batch.stream, schema_name)


# --------------------------------------------------------------------------- scanned batches

PARALLEL_BYTES = 3 << 20
"""Smallest batch whose schema pass runs in a second process (about 11 000 lines).
Below it a thread does it, or, in one thread, a whole-tree parse: the tree of such
a file takes at most about 45 MiB, and starting a process would cost about as much
as it saves."""


def _beside(source: Source, jobs: int | None) -> Literal["process", "thread", "after"]:
    """Where the schema pass of a scanned batch runs: in a second process (big files),
    in a thread (files small enough to parse whole), or ``after``: first, then the
    rules pass, in this thread (``jobs=1``, or one CPU)."""
    if jobs == 1 or (jobs is None and usable_cpus() < 2) or isinstance(source, bytes):
        return "after"  # bytes: checked where they are, one pass after the other
    try:
        size = os.path.getsize(source)
    except OSError:
        return "after"
    return "process" if size >= PARALLEL_BYTES else "thread"


def _size(source: Source) -> int:
    try:
        return len(source) if isinstance(source, bytes) else os.path.getsize(source)
    except OSError:  # pragma: no cover - opened just before
        return PARALLEL_BYTES + 1


def _path(source: Source) -> str:
    if isinstance(source, bytes):  # pragma: no cover - _beside keeps bytes here
        raise TypeError("the schema pass beside needs a file")
    return os.fspath(source)


def _lines_element(kind: DocumentKind, record: str) -> str:
    """The element that holds the records of a batch kind (``lines``)."""
    return next(slot.element for slot in slots(kind.cls) if slot.many and slot.item == record)


def _check_scanned(source: Source, kind: DocumentKind, schema_name: str, options: _Options,
                   *, jobs: int | None) -> CheckResult | None:
    """A batch whose head is plain (see :mod:`.scan`): the schema pass (beside, in a
    second process, or first), and the lines scanned and checked. ``None`` when the
    head is not plain: the caller reads the file with lxml."""
    ((record_tag, record_cls),) = records_of(kind).items()
    record = etree.QName(record_tag).localname
    scanner = line_scanner(record_cls, record=record, container=_lines_element(kind, record))
    try:
        batch = scanner.open(source)
    except GiveUp:
        return None
    label = options.label
    outcome: CheckResult | None = None
    how = _beside(source, jobs)
    if how == "process":
        beside = SchemaPass(_path(source), name=label, max_errors=options.max_errors)
        try:
            outcome = _Scan(batch, kind, options).run()
        except BaseException:
            beside.stop()
            raise
        validation = beside.result()
    elif how == "thread":
        thread = SchemaThread(_path(source), lxml_schema(schema_name), name=label,
                              schema_name=schema_name, max_errors=options.max_errors)
        outcome = _Scan(batch, kind, options).run()
        # The thread parsed without the limits on texts: its verdict stands with a
        # complete scan only (the scanner refuses texts over the limit).
        validation = thread.result(trusted=outcome is not None)
    elif _size(source) <= PARALLEL_BYTES and valid_whole(
            source if isinstance(source, bytes) else os.fspath(source),
            lxml_schema(schema_name)):
        # One after the other, a small file: its tree is the cheapest verdict. It was
        # parsed without the limits on texts: the verdict stands with a complete scan
        # only; otherwise the one-pass lxml path (validating, with limits) decides.
        outcome = _Scan(batch, kind, options).run()
        if outcome is None:
            return None
        validation = ValidationResult(label, (), schema=schema_name,
                                      records=outcome.records)
    else:
        validation = validate(source, max_errors=options.max_errors,
                              progress=options.progress, name=label)
        if validation.ok:
            outcome = _Scan(batch, kind, options).run()
    if not batch.unchanged():  # replaced while checked: one pass reads one version
        return None
    if not validation.ok:
        return CheckResult(label, kind.name, validation.findings, schema_valid=False,
                           records=validation.records, complete=validation.complete,
                           schema=validation.schema)
    if outcome is None:  # the lines are not plain: read them with lxml (schema done)
        return _check_batch(source, kind, schema_name, options, validating=False)
    return outcome


class _Scan(_LinesPass):
    """The rules pass over a scanned batch, for a file the schema accepts (or is being
    asked about: the result is only used if it does)."""

    def __init__(self, batch: ScannedBatch, kind: DocumentKind, options: _Options) -> None:
        super().__init__(kind, options)
        self.batch = batch
        self.scanner = batch.scanner
        self.end_line = batch.head_lines
        """Line where the lines region ends (known once it is scanned)."""

    def _root(self) -> etree._Element:
        return parse_bytes(self.batch.document(), source=self.options.label,
                           limits=DOCUMENT_LIMITS).getroot()

    def file_line(self, line: int | None) -> int | None:
        """The file's line for a line of :meth:`ScannedBatch.document`: the head's lines
        are the file's, the tail starts on the line where the lines end."""
        head = self.batch.head_lines
        if line is None or line <= head:
            return line
        return self.end_line + line - head - 1

    def _slow(self, region: Region, index: int) -> ReimbursementLine | None:
        """A record the compiled build refused: the generic reader on the record
        alone gives the line, or the located ``SDK-VALUE`` finding."""
        element, first = self.scanner.record_element(region, index - region.first,
                                                     namespace=self.ns)
        try:
            line: ReimbursementLine = from_element(element, ReimbursementLine,
                                                   namespace=self.ns, path=f"$.lines[{index}]")
        except (InvalidValue, InvalidType) as exc:
            finding = _reading_finding(exc, self.options.label)
            inner = finding.line if finding.line is not None else 1
            self.reading.append(attrs.evolve(finding, line=first + inner - 1))
            return None
        return line

    def _locate(self, region: Region, index: int, hits: list[Hit]) -> None:
        element, first = self.scanner.record_element(region, index - region.first,
                                                     namespace=self.ns)
        prefix = f"$.lines[{index}]"
        for hit in hits:
            if hit.path.startswith(prefix):  # else located after the main pass
                inner = line_of_path(element, ReimbursementLine, "$" + hit.path[len(prefix):],
                                     namespace=self.ns)
                self.located[hit.path] = first + (inner or 1) - 1

    def run(self) -> CheckResult | None:
        """The result, or ``None`` when the lines turn out not to be plain."""
        try:
            return self._run()
        except (GiveUp, XmlError):
            return None

    def _run(self) -> CheckResult:
        options = self.options
        stream = self.start(self._root(), expected_lines=self.batch.size // _BYTES_PER_LINE)
        limit = options.max_errors
        build = self.scanner.build
        reading = self.reading
        end_line = 1
        progress = options.progress
        for region in self.batch.regions(progress=progress):
            end_line = region.end
            self.count = region.first + len(region.rows)  # records after a stop: counted
            if self.stopped:
                continue
            index = region.first
            add = stream.add if stream is not None else None
            for row in region.rows:
                try:
                    line: ReimbursementLine | None = build(row)
                except Exception:  # any doubt: the generic reader decides
                    line = self._slow(region, index)
                if line is not None and add is not None and not reading:
                    hits = add(line)
                    if hits:
                        self._locate(region, index, hits)
                index += 1
                if limit is not None and len(reading) + (
                        stream.errors if stream is not None else 0) >= limit:
                    self.stopped = True
                    break
        self.end_line = end_line
        return self.outcome(self._root(), stream, self.kind.schema_file)

    def lines_again(self) -> Iterator[ReimbursementLine]:
        build = self.scanner.build
        for region in self.batch.regions():
            index = region.first
            for row in region.rows:
                try:
                    line: ReimbursementLine | None = build(row)
                except Exception:
                    line = self._slow(region, index)
                if line is None:  # pragma: no cover - the first pass read every line
                    raise GiveUp
                yield line
                index += 1

    def locate(self, paths: list[str]) -> None:
        """Find the lines of hits decided after their record was released (one scan)."""
        wanted = _by_line_index(paths)
        if not wanted:
            return
        for region in self.batch.regions():
            for index in range(region.first, region.first + len(region.rows)):
                for path in wanted.get(index, ()):
                    element, first = self.scanner.record_element(
                        region, index - region.first, namespace=self.ns)
                    rest = "$" + path[len(f"$.lines[{index}]"):]
                    inner = line_of_path(element, ReimbursementLine, rest, namespace=self.ns)
                    self.located[path] = first + (inner or 1) - 1
