"""Schema validation that reports every error: single documents and streamed batches.

A reimbursement batch of every CPAS for one month has about 200 000 lines, and
a file of a million lines must validate in seconds with flat memory. lxml can
validate while parsing (``iterparse(schema=...)``), at full speed, but then
reports its errors only at the end and without line numbers. So a batch is
validated in up to two passes over the file:

**Fast pass** (valid files, the usual case): libxml2 validates while parsing;
Python only drops the records read after each 64 KiB chunk. Cost: about that
of a bare validating ``iterparse``. If the file is valid, that is the answer.

**Located pass** (only when the fast pass failed), record by record:

1. Events only for the root and the *record* elements (``reimbursementLine``).
2. Each completed record is validated on its own against the compiled schema:
   the schema declares the record element globally, with the **same QName** as
   in the document, so ``schema.validate(record)`` checks exactly what the
   document's content model requires of it. Every error is kept, with its line,
   an XPath-like path (``/reimbursementForm/lines/reimbursementLine[1234]/amount``)
   and a code.
3. The record is then cleared and removed, so memory stays flat. The first
   record of each container is kept whole as a *representative*.
4. At the end, the *skeleton* (root, header, one representative record per
   container, anything unexpected) is validated once against the same schema.
   Errors inside a representative that were already reported are dropped; the
   rest (header errors, misplaced records, unexpected elements) are reported.

The located pass cannot see constraints spanning records (``xs:unique``,
``xs:key``, a finite ``maxOccurs`` on records); when only the fast pass found
such errors they are reported as they are, without line (path ``/``).

Both passes parse with the hardened settings of :mod:`cpas.adapters.xml.parser`
and check its limits after every chunk. :func:`validate_document` validates one
document read whole; :func:`validate` picks the schema from the registry by
the root namespace and streams when the schema declares record elements.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Callable, Collection, Iterable, Iterator
from typing import Any

import attrs
from lxml import etree

from ...schemas import Package, UnknownSchema, lxml_schema, schema_for_namespace
from ...sdk.findings import Finding, Report, Severity
from ...sdk.identifiers import mask_niss
from ...sdk.privacy import mask_niss_in
from ...sdk.text import Lang, Text
from .parser import (
    BATCH_LIMITS,
    DOCUMENT_LIMITS,
    XINCLUDE_PREFIXES,
    EventChunks,
    Limits,
    Progress,
    Source,
    XmlError,
    XmlSchemaInvalid,
    XmlSyntaxError,
    parse_bytes,
    parse_file,
    peek_root,
    refuse_xinclude,
)

__all__ = [
    "ValidationResult",
    "records_of_schema",
    "validate",
    "validate_document",
    "validate_stream",
]


# --------------------------------------------------------------------------- result


@attrs.frozen
class ValidationResult:
    """Every schema (and XML) error found in one input."""

    source: str
    """The input's name (file path or what the caller passed)."""
    findings: tuple[Finding, ...] = ()
    """All errors, by line (when checking stopped early, the first ones found)."""
    records: int = 0
    """Record elements validated one by one (0 for a document read whole)."""
    complete: bool = True
    """False when checking stopped early: ``max_errors`` reached, or the input was refused."""
    schema: str | None = None
    """File name of the schema used, when one was found."""

    @property
    def ok(self) -> bool:
        """True when the whole input was checked and no error was found."""
        return self.complete and not any(f.severity is Severity.ERROR for f in self.findings)

    @property
    def report(self) -> Report:
        return Report(self.findings)

    def to_dict(self, lang: Lang = "fr") -> dict[str, Any]:
        return {
            "source": self.source,
            "schema": self.schema,
            "ok": self.ok,
            "complete": self.complete,
            "records": self.records,
            "errors": len(self.findings),
            "findings": [f.to_dict(lang) for f in self.findings],
        }


# --------------------------------------------------------------------------- messages

_GENERIC: dict[str, Text] = {
    "XSD-STRUCTURE": Text(
        fr="Structure non conforme au schéma (élément inattendu, manquant ou mal placé)",
        nl="Structuur niet conform het schema (onverwacht, ontbrekend of verkeerd geplaatst "
           "element)",
        en="Structure does not match the schema (unexpected, missing or misplaced element)"),
    "XSD-VALUE": Text(
        fr="Valeur non conforme au type défini par le schéma",
        nl="Waarde niet conform het type uit het schema",
        en="Value does not match its type in the schema"),
    "XSD-ATTRIBUTE": Text(
        fr="Attribut manquant, inattendu ou invalide",
        nl="Ontbrekend, onverwacht of ongeldig attribuut",
        en="Missing, unexpected or invalid attribute"),
    "XSD-IDENTITY": Text(
        fr="Identifiant en double ou référence inconnue",
        nl="Dubbele identificatie of onbekende verwijzing",
        en="Duplicate identifier or unknown reference"),
    "XSD-OTHER": Text(
        fr="Document non conforme au schéma",
        nl="Document niet conform het schema",
        en="Document does not match the schema"),
    "XSD-NO-SCHEMA": Text(
        fr="Aucun schéma cpas-sdk pour l'espace de noms de l'élément racine",
        nl="Geen cpas-sdk-schema voor de naamruimte van het rootelement",
        en="No cpas-sdk schema for the root element's namespace"),
    "XML-SYNTAX": Text(
        fr="XML mal formé", nl="Slecht gevormde XML", en="Malformed XML"),
    "XML-UNSAFE": Text(
        fr="Construction XML refusée pour raison de sécurité",
        nl="XML-constructie geweigerd om veiligheidsredenen",
        en="XML construct refused for safety"),
    "XML-LIMIT": Text(
        fr="Limite de taille ou de profondeur dépassée",
        nl="Grens voor grootte of diepte overschreden",
        en="Size or depth limit exceeded"),
}


def _category(type_name: str) -> str:
    name = type_name.removeprefix("SCHEMAV_")
    if name.startswith("CVC_IDC"):
        return "XSD-IDENTITY"
    if name.startswith(("CVC_COMPLEX_TYPE_3", "CVC_COMPLEX_TYPE_4", "CVC_ATTRIBUTE", "CVC_AU")):
        return "XSD-ATTRIBUTE"
    if name in ("ELEMENT_CONTENT", "CVC_COMPLEX_TYPE_2_1", "CVC_COMPLEX_TYPE_2_3",
                "CVC_COMPLEX_TYPE_2_4", "CVC_TYPE_3_1_2", "NOROOT") or name.startswith(
                    "CVC_ELT"):
        return "XSD-STRUCTURE"
    if name.startswith("CVC_") and ("VALID" in name or name.startswith("CVC_TYPE")):
        return "XSD-VALUE"
    return "XSD-OTHER"


_CLARK = re.compile(r"\{[^}\s]*:[^}\s]*\}")  # {urn:…} or {http://…}, not {11}
_QUOTED = re.compile(r"'[^']*'")
_SHOWN = 60


def _cut(match: re.Match[str]) -> str:
    quoted = match.group(0)
    return quoted if len(quoted) <= _SHOWN + 2 else quoted[:_SHOWN + 1] + "…'"


_NISS_ELEMENT = re.compile(r"^Element '(?:\{[^}]*\})?(?:\w*:)?(?:niss|\w*Niss)'")
_VALUE = re.compile(r"(The value )'([^']*)'")


def clean_schema_message(message: str) -> str:
    """A validator's message made safe to show: namespaces dropped, long values cut, and
    NISS masked, both where a value looks like one and wherever the element is a NISS
    element (a malformed NISS is still personal data)."""
    text = message.strip()
    if _NISS_ELEMENT.match(text):
        text = _VALUE.sub(lambda m: f"{m.group(1)}'{mask_niss(m.group(2))}'", text)
    text = mask_niss_in(_CLARK.sub("", text))
    return _QUOTED.sub(_cut, text)


_clean = clean_schema_message


def _message(code: str, detail: str) -> Text:
    generic = _GENERIC.get(code, _GENERIC["XSD-OTHER"])
    return Text(**{lang: f"{generic.get(lang)}: {detail}" for lang in ("fr", "nl", "en")})


def _xml_finding(exc: XmlError, path: str = "/") -> Finding:
    return Finding(code=exc.code, severity=Severity.ERROR, path=path,
                   message=_message(exc.code, exc.reason), line=exc.line, source=exc.source)


# --------------------------------------------------------------------------- paths


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _step(element: etree._Element, records: Collection[str]) -> str:
    tag = element.tag
    index = 1 + sum(1 for _ in element.itersiblings(tag, preceding=True))
    if tag in records or index > 1 or next(element.itersiblings(tag), None) is not None:
        return f"{_local(tag)}[{index}]"
    return _local(tag)


def _path(element: etree._Element, records: Collection[str], *,
          stop: etree._Element | None = None, prefix: str = "") -> str:
    """``/a/b[2]/c`` from the document root (or from below ``stop``, after ``prefix``)."""
    steps = []
    current: etree._Element | None = element
    while current is not None and current is not stop:
        steps.append(_step(current, records))
        current = current.getparent()
    if not steps:
        return prefix or "/"
    return prefix + "/" + "/".join(reversed(steps))


_ATTRIBUTE = re.compile(r"attribute '([^']+)'")


def _prefix_maps(context: etree._Element) -> Iterator[dict[str, str]]:
    """The prefixes in scope at ``context``, then every prefix declared anywhere below
    its root (libxml2 names elements by the prefix they were written with). The wide
    map is only built when an error path needs it."""
    yield {k: v for k, v in context.nsmap.items() if k}
    merged: dict[str, str] = {}
    for element in context.getroottree().getroot().iter():
        for key, value in element.nsmap.items():
            if key and key not in merged:
                merged[key] = value
    yield merged


def _resolve(context: etree._Element, libxml_path: str | None, relative: bool) -> Any:
    """The node libxml2 meant by its path (``/*/*[4]``), or None."""
    if not libxml_path or not libxml_path.startswith("/"):
        return None
    if relative:
        steps = libxml_path.split("/")[2:]
        if not steps:
            return context
        expression, anchor = "./" + "/".join(steps), context
    else:
        expression, anchor = libxml_path, context.getroottree().getroot()
    found: Any = None
    for namespaces in _prefix_maps(context):
        try:
            found = anchor.xpath(expression, namespaces=namespaces)
            break
        except etree.XPathError:  # a prefix declared below the root: try a wider map
            continue
    else:
        return None
    if isinstance(found, list) and found:
        node = found[0]
        return node if isinstance(node, etree._Element) else None
    return None


# --------------------------------------------------------------------------- collecting


class _Collector:
    def __init__(self, source: str, max_errors: int | None) -> None:
        if max_errors is not None and max_errors < 1:
            raise ValueError("max_errors must be at least 1")
        self.source = source
        self.max_errors = max_errors
        self.findings: list[Finding] = []

    @property
    def full(self) -> bool:
        return self.max_errors is not None and len(self.findings) >= self.max_errors

    def add(self, finding: Finding) -> None:
        if not self.full:
            self.findings.append(finding)

    def from_log(
        self, log: Any, context: etree._Element, records: Collection[str], *,
        relative: bool, prefix: str = "",
        skip: Callable[[etree._Element | None, int | None, str], bool] | None = None,
    ) -> list[tuple[int | None, str]]:
        """Turn lxml's error log into findings; returns the ``(line, message)`` kept."""
        kept = []
        for entry in log:
            message = str(entry.message)
            line = entry.line if entry.line else None
            node = _resolve(context, entry.path, relative)
            if skip is not None and skip(node, line, message):
                continue
            target = node if node is not None else context
            path = _path(target, records, stop=context if relative else None, prefix=prefix)
            attribute = _ATTRIBUTE.search(message)
            if attribute:
                path += f"/@{_local(attribute.group(1))}"
            code = _category(str(entry.type_name))
            self.add(Finding(code=code, severity=Severity.ERROR, path=path,
                             message=_message(code, _clean(message)), line=line,
                             source=self.source))
            kept.append((line, message))
        return kept


# --------------------------------------------------------------------------- documents


def validate_document(
    data: bytes | str | os.PathLike[str], schema: etree.XMLSchema, *,
    source: str | None = None, limits: Limits = DOCUMENT_LIMITS, max_errors: int | None = None,
    schema_name: str | None = None,
) -> ValidationResult:
    """Validate one document read whole; return every schema error (never raise for them).

    ``data`` is the document's bytes or a path. Unsafe or malformed XML gives
    one finding (``XML-UNSAFE``, ``XML-LIMIT``, ``XML-SYNTAX``); ``OSError`` is
    raised as is.
    """
    name = source or (os.fspath(data) if not isinstance(data, bytes) else "<bytes>")
    collector = _Collector(name, max_errors)
    try:
        if isinstance(data, bytes):
            tree = parse_bytes(data, source=name, limits=limits)
        else:
            tree = parse_file(data, source=name, limits=limits)
    except XmlError as exc:
        return ValidationResult(name, (_xml_finding(exc),), complete=False, schema=schema_name)
    if not schema.validate(tree):
        collector.from_log(schema.error_log, tree.getroot(), (), relative=False)
    return ValidationResult(name, tuple(collector.findings), schema=schema_name)


# --------------------------------------------------------------------------- streams


def _source_name(source: Source | bytes, name: str | None) -> str:
    if name:
        return name
    if isinstance(source, bytes | bytearray):
        return "<bytes>"
    if isinstance(source, str | os.PathLike):
        return os.fspath(source)
    return str(getattr(source, "name", "<stream>"))


def validate_stream(
    source: Source | bytes, schema: etree.XMLSchema, *, records: Iterable[str],
    max_errors: int | None = None, limits: Limits = BATCH_LIMITS,
    progress: Progress | None = None, name: str | None = None, schema_name: str | None = None,
    fast_pass: bool = True,
) -> ValidationResult:
    """Validate a batch record by record with flat memory (see the module docstring).

    ``records`` are the Clark QNames (``{urn:be:cpas-sdk:reimbursement:1}reimbursementLine``)
    of the elements validated one by one; ``schema`` must declare each of them
    globally. Stops after ``max_errors`` findings. ``progress(bytes_read, total)``
    is called after each chunk read (from 0 again for the second pass). Unsafe
    or malformed XML ends the check with one more finding; ``OSError`` is
    raised as is.

    With ``fast_pass`` (the default) a first pass lets libxml2 validate while
    parsing, at bare-lxml speed; only when it fails does the located pass run.
    A file object must then be seekable (else the located pass runs alone).
    """
    record_tags = frozenset(records)
    label = _source_name(source, name)
    if max_errors is not None and max_errors < 1:
        raise ValueError("max_errors must be at least 1")
    unlocated: tuple[tuple[str, str], ...] = ()
    start = _rewind_point(source) if fast_pass else None
    if start is not None:
        try:
            count = _fast_pass(source, schema, record_tags, limits, progress, label)
        except XmlSchemaInvalid as exc:
            unlocated = exc.errors
        except XmlError:
            pass
        else:
            return ValidationResult(label, (), records=count, schema=schema_name)
        if not isinstance(source, bytes | bytearray | str | os.PathLike):
            source.seek(start)
    result = _located_pass(source, schema, record_tags, max_errors, limits, progress, label,
                           schema_name)
    if not unlocated or not result.complete:
        return result
    # Errors only libxml2's streaming validation can see: identity constraints
    # across records always, anything else when the located pass found nothing.
    seen = {f.message.get("en") for f in result.findings}
    extra = []
    for type_name, message in unlocated:
        code = _category(type_name)
        text = _message(code, _clean(message))
        if (code == "XSD-IDENTITY" or not result.findings) and text.get("en") not in seen:
            seen.add(text.get("en"))
            extra.append(Finding(code=code, severity=Severity.ERROR, path="/", message=text,
                                 source=label))
    findings = (*result.findings, *extra)
    if max_errors is not None and len(findings) > max_errors:
        return attrs.evolve(result, findings=findings[:max_errors], complete=False)
    return attrs.evolve(result, findings=findings)


def _rewind_point(source: Source | bytes) -> int | None:
    """Where to restart reading for a second pass, or None when impossible."""
    if isinstance(source, bytes | bytearray | str | os.PathLike):
        return 0
    try:
        return source.tell() if source.seekable() else None
    except (OSError, ValueError):
        return None


def _fast_pass(
    source: Source | bytes, schema: etree.XMLSchema, record_tags: frozenset[str],
    limits: Limits, progress: Progress | None, label: str,
) -> int:
    """Validate while parsing (libxml2 streaming validation); return the record count.

    Raises :class:`XmlSchemaInvalid` (errors without lines) or another
    :class:`XmlError`. Python does almost nothing per record: after each chunk
    the records read so far are dropped in one C call, and records are
    counted from the number of events (a start and an end per record, plus
    the root's). XInclude elements are left to the schema here (our schemas
    have no wildcard, so a valid document holds none); the located pass
    refuses them explicitly.
    """
    events_seen = 0
    complete = False
    chunks = EventChunks(source, tags=sorted(record_tags), limits=limits, progress=progress,
                         name=label, schema=schema, xinclude_events=False)
    try:
        for events in chunks:
            events_seen += len(events)
            last = next((el for event, el in reversed(events) if event == "end"), None)
            if last is None:
                continue
            parent = last.getparent()
            if parent is None:  # the root's end: the document is complete
                complete = True
                continue
            position = parent.index(last)
            if position:
                del parent[:position]
            last.clear(keep_tail=True)  # type: ignore[call-arg]  # lxml-stubs lag
    finally:
        chunks.close()
    if not complete:  # libxml2 may end a validating parse of a cut file without an error
        raise XmlSyntaxError("the document ends before its root element is closed",
                             source=label)
    return max(events_seen - 2, 0) // 2


def _located_pass(
    source: Source | bytes, schema: etree.XMLSchema, record_tags: frozenset[str],
    max_errors: int | None, limits: Limits, progress: Progress | None, label: str,
    schema_name: str | None,
) -> ValidationResult:
    """Record by record, every error with its line and path (see the module docstring)."""
    collector = _Collector(label, max_errors)
    validate_one = schema.validate
    counters: dict[tuple[etree._Element, str], int] = {}
    kept: dict[etree._Element, frozenset[tuple[int | None, str]]] = {}
    root: etree._Element | None = None
    pending: etree._Element | None = None
    pending_parent: etree._Element | None = None
    last_parent: etree._Element | None = None
    last_tag = ""
    index = count = 0
    chunks = EventChunks(source, tags=sorted(record_tags), limits=limits, progress=progress,
                         name=label)
    try:
        for events in chunks:
            for event, element in events:
                if event == "start":  # the root first, then records and XInclude elements
                    if root is None:
                        root = element
                    continue
                tag = element.tag
                parent = element.getparent()
                if tag not in record_tags or parent is None:
                    if tag.startswith(XINCLUDE_PREFIXES):
                        refuse_xinclude(element, label)
                    continue
                if parent is last_parent and tag == last_tag:
                    index += 1
                else:  # records of another container (rare): keep the count per container
                    if last_parent is not None:
                        counters[(last_parent, last_tag)] = index
                    index = counters.get((parent, tag), 0) + 1
                    last_parent, last_tag = parent, tag
                count += 1
                reported: list[tuple[int | None, str]] = []
                if not validate_one(element):
                    reported = collector.from_log(
                        schema.error_log, element, record_tags, relative=True,
                        prefix=f"{_path(parent, record_tags)}/{_local(tag)}[{index}]")
                    if collector.full:
                        return ValidationResult(label, _by_line(collector.findings),
                                                records=count, complete=False,
                                                schema=schema_name)
                if index == 1:  # the container's representative, kept for the skeleton
                    kept[element] = frozenset(reported)
                    continue
                if pending is not None and pending_parent is not None:
                    pending_parent.remove(pending)
                element.clear(keep_tail=True)  # type: ignore[call-arg]  # lxml-stubs lag
                pending, pending_parent = element, parent
    except XmlError as exc:
        collector.add(_xml_finding(exc))
        return ValidationResult(label, _by_line(collector.findings), records=count,
                                complete=False, schema=schema_name)
    finally:
        chunks.close()
    if root is None:  # pragma: no cover - iterparse_safe always yields the root first
        return ValidationResult(label, tuple(collector.findings), complete=False)
    if pending is not None and pending_parent is not None:
        pending_parent.remove(pending)
    if not validate_one(root):
        def already_reported(node: etree._Element | None, line: int | None,
                             message: str) -> bool:
            while node is not None:
                if node in kept:
                    return (line, message) in kept[node]
                node = node.getparent()
            return False

        collector.from_log(schema.error_log, root, record_tags, relative=False,
                           skip=already_reported)
    return ValidationResult(label, _by_line(collector.findings), records=count,
                            complete=not collector.full, schema=schema_name)


def _by_line(findings: list[Finding]) -> tuple[Finding, ...]:
    """Findings in line order (stable: records first, then the skeleton, on one line)."""
    return tuple(sorted(findings, key=lambda f: f.line or 0))


# --------------------------------------------------------------------------- registry


def records_of_schema(root_tag: str, elements: Iterable[str]) -> frozenset[str]:
    """Record QNames by convention: every global element of the root's namespace but the root."""
    namespace = etree.QName(root_tag).namespace
    tags = {f"{{{namespace}}}{local}" if namespace else local for local in elements}
    return frozenset(tags - {root_tag})


def _read_once(path: str | os.PathLike[str]) -> bool:
    """A pipe, socket or device, not a regular file; a missing file is left to the
    reading, which raises its ``OSError``."""
    try:
        return not stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


@contextlib.contextmanager
def readable_again(source: Source | bytes) -> Iterator[Source | bytes]:
    """``source`` itself when it is bytes or a regular file; for a pipe or a device,
    which can be read once (``cat batch.xml | cpas validate /dev/stdin``), a temporary
    copy: the checks read a file more than once (its head first, to pick the schema)."""
    if isinstance(source, bytes | bytearray) or not isinstance(source, str | os.PathLike) \
            or not _read_once(source):
        yield source
        return
    with tempfile.NamedTemporaryFile(prefix="cpas-", suffix=".xml") as copy:
        with open(source, "rb") as handle:
            shutil.copyfileobj(handle, copy, 1 << 20)
        copy.flush()
        yield copy.name


def validate(
    source: str | os.PathLike[str] | bytes, *, package: Package | None = None,
    max_errors: int | None = None, progress: Progress | None = None, name: str | None = None,
) -> ValidationResult:
    """Validate a file (or bytes) against the registry schema of its root namespace.

    Streams record by record when the schema declares record elements (global
    elements other than the root); otherwise reads the document whole. A pipe or a
    device is copied to a temporary file first (see :func:`readable_again`).
    """
    label = _source_name(source, name)
    with readable_again(source) as readable:
        return _validate(readable, package, max_errors, progress, label)  # type: ignore[arg-type]


def _validate(source: str | os.PathLike[str] | bytes, package: Package | None,
              max_errors: int | None, progress: Progress | None,
              label: str) -> ValidationResult:
    try:
        root_tag = peek_root(source, name=label)
    except XmlError as exc:
        return ValidationResult(label, (_xml_finding(exc),), complete=False)
    try:
        namespace = etree.QName(root_tag).namespace or ""
    except ValueError:  # libxml2 kept a name that breaks the namespaces rules (a:b:c)
        refused = XmlSyntaxError("the root element's name is not a valid qualified name",
                                 source=label, line=None)
        return ValidationResult(label, (_xml_finding(refused),), complete=False)
    try:
        info = schema_for_namespace(namespace, package)
    except UnknownSchema:
        detail = f"{{{namespace}}}{_local(root_tag)}" if namespace else _local(root_tag)
        finding = Finding(code="XSD-NO-SCHEMA", severity=Severity.ERROR, path="/",
                          message=_message("XSD-NO-SCHEMA", detail), line=None, source=label)
        return ValidationResult(label, (finding,), complete=False)
    schema = lxml_schema(info.name, package)
    records = records_of_schema(root_tag, info.elements)
    if records:
        return validate_stream(source, schema, records=records, max_errors=max_errors,
                               progress=progress, name=label, schema_name=info.name)
    result = validate_document(source, schema, source=label, max_errors=max_errors,
                               schema_name=info.name)
    if progress is not None:
        size = len(source) if isinstance(source, bytes) else os.path.getsize(source)
        progress(size, size)
    return result
