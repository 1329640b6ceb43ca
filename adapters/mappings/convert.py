"""Running a mapping profile: vendor records in, SDK documents and per-record findings out.

:func:`convert` reads the file the profile describes (CSV and XLSX through
:mod:`cpas.adapters.legacy.reading`, flat XML through the hardened
:mod:`cpas.adapters.xml.parser`), reads every mapped value, groups the records
into documents and builds them. Each document's XML is produced and validated
against its schema (:func:`cpas.adapters.xml.documents.to_xml`).

Every record ends up exactly once: in a document (``placement`` gives its
document's index), or rejected with at least one finding naming the file, the
line (or row), the path (``$[12].niss`` for a table, the record's XPath for
XML), the field, the value as it may be shown (a NISS is masked) and the reason
in FR, NL and EN. A problem with the file as a whole (unreadable, a mapped
column missing, no record) is one ``MAP-FILE`` finding and no document.

Grouping: records whose ``[grouping] by`` fields are equal make one document;
a document-level field takes the first non-blank value of its group, and a
record that disagrees is rejected (``MAP-CONFLICT``). A reimbursement form keeps
its other lines; a partnership convention is rejected whole, because a
convention without one of its partners would be wrong.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import attrs
from lxml import etree

from ...sdk.documents.partnership import Partner, PartnershipConvention
from ...sdk.documents.reimbursement import FormHeader, ReimbursementForm, ReimbursementLine
from ...sdk.errors import CpasError
from ...sdk.findings import Finding, Severity
from ...sdk.identifiers import mask_niss
from ...sdk.parties import Cpas, Organisation, Person
from ...sdk.privacy import mask_niss_in
from ...sdk.text import Lang, Text
from ..legacy.numbers import (
    CellError,
    CellValue,
    is_blank,
    normalise,
    parse_text,
)
from ..legacy.reading import LegacyFileError, read_table
from ..xml.documents import to_xml
from ..xml.parser import XmlError, parse_bytes
from .fields import SdkField, ValueType
from .profile import FieldMapping, Formats, Profile
from .values import read_value

__all__ = ["Conversion", "convert"]

@attrs.frozen
class Conversion:
    """What a profile made of one file."""

    profile: str
    source: str
    documents: tuple[Any, ...]
    xml: tuple[bytes, ...]
    """One schema-valid XML per document, same order."""
    findings: tuple[Finding, ...]
    records: int
    """Records read (rows or record elements), valid or not."""
    placement: tuple[tuple[str, int | None], ...] = ()
    """For each record in file order: its place (``$[12]``, an XPath) and the index of
    its document, or ``None`` when it was rejected (it then has findings)."""

    @property
    def ok(self) -> bool:
        return bool(self.documents) and not any(
            f.severity is Severity.ERROR for f in self.findings)


# --------------------------------------------------------------------------- records


@attrs.frozen
class _Place:
    number: int
    """1-based record number in the file."""
    line: int | None
    path: str
    """``$[12]`` (row or line 12) or the record element's XPath."""
    default_id: str
    """Id of its line when the profile maps none: ``row-12`` (line or row), ``record-3``."""


@attrs.define
class _Problem:
    code: str
    field: str | None
    where: str | None
    shown: str | None
    reason: Text


@attrs.define
class _Record:
    place: _Place
    document: dict[str, object] = attrs.field(factory=dict)
    values: dict[str, object] = attrs.field(factory=dict)
    problems: list[_Problem] = attrs.field(factory=list)
    paths: dict[str, str] = attrs.field(factory=dict)
    """Field name -> path for findings (XML: the field's own XPath when it has one)."""


class _FileProblem(Exception):
    def __init__(self, reason: Text, line: int | None = None) -> None:
        super().__init__(reason.get("en"))
        self.reason = reason
        self.line = line


Getter = Callable[[FieldMapping], CellValue]


def _table_records(profile: Profile, data: bytes) -> Iterator[tuple[_Place, Getter]]:
    try:
        table = read_table(data, encoding=profile.encoding, delimiter=profile.delimiter,
                           sheet=profile.sheet)
    except LegacyFileError as exc:
        raise _FileProblem(exc.reason) from None
    index: dict[str, int] = {}
    for position, name in enumerate(table.header):
        index.setdefault(normalise(name), position)
    wanted = [c for m in (*profile.document, *profile.record) for c in m.columns]
    missing = sorted({c for c in wanted if normalise(c) not in index})
    if missing:
        names = ", ".join(missing)
        raise _FileProblem(Text(fr=f"colonnes absentes de l'en-tête : {names}",
                                nl=f"kolommen ontbreken in de kopregel: {names}",
                                en=f"columns missing from the header: {names}"))
    positions = {m.key: tuple(index[normalise(c)] for c in m.columns)
                 for m in (*profile.document, *profile.record)}
    number = 0
    try:
        for row in table.rows:
            number += 1
            cells = row.cells

            def get(mapping: FieldMapping, cells: tuple[CellValue, ...] = cells) -> CellValue:
                width = len(cells)
                return _joined([cells[i] if i < width else None for i in positions[mapping.key]])

            path = f"$[{row.sheet}!{row.number}]" if row.sheet else f"$[{row.number}]"
            yield _Place(number, row.number, path, f"row-{row.number}"), get
    except LegacyFileError as exc:
        raise _FileProblem(exc.reason) from None


def _joined(parts: Sequence[CellValue]) -> CellValue:
    present = [p for p in parts if not is_blank(p)]
    if len(parts) == 1:
        return present[0] if present else None
    return " ".join(parse_text(p) for p in present) or None


def _node_text(found: object, expr: str) -> str | None:
    if isinstance(found, list):
        if not found:
            return None
        if len(found) > 1:
            raise CellError(Text(fr=f"l'XPath {expr} donne {len(found)} nœuds, pas un",
                                 nl=f"XPath {expr} geeft {len(found)} knopen, niet één",
                                 en=f"XPath {expr} gives {len(found)} nodes, not one"))
        found = found[0]
    if isinstance(found, etree._Element):
        return "".join(str(t) for t in found.itertext()).strip() or None
    if isinstance(found, bool):
        return "true" if found else "false"
    if isinstance(found, float):
        return str(int(found)) if found.is_integer() else repr(found)
    return str(found).strip() or None


def _xpath_problem(expr: str, exc: Exception) -> _FileProblem:
    """A profile XPath that lxml cannot run (a profile loaded without its checks, or one
    lxml refuses only on some input): the file as a whole cannot be read."""
    return _FileProblem(Text(fr=f"l'XPath {expr} du profil ne peut être évalué : {exc}",
                             nl=f"XPath {expr} van het profiel kan niet worden geëvalueerd: "
                                f"{exc}",
                             en=f"the profile's XPath {expr} cannot be evaluated: {exc}"))


def _xml_records(profile: Profile, data: bytes, source: str) -> Iterator[tuple[_Place, Getter]]:
    try:
        tree = parse_bytes(data, source=source)
    except XmlError as exc:
        raise _FileProblem(Text(fr=f"XML refusé : {exc.reason}",
                                nl=f"XML geweigerd: {exc.reason}",
                                en=f"XML refused: {exc.reason}"), exc.line) from None
    namespaces = dict(profile.namespaces)
    compiled: dict[str, etree.XPath] = {}
    expr = ""
    try:
        for mapping in (*profile.document, *profile.record):
            for expr in mapping.xpaths:
                compiled.setdefault(expr, etree.XPath(expr, namespaces=namespaces))
        expr = profile.records or ""
        found: Any = tree.xpath(expr, namespaces=namespaces)
    except etree.XPathError as exc:
        raise _xpath_problem(expr, exc) from None
    elements = [e for e in found if isinstance(e, etree._Element)] \
        if isinstance(found, list) else []
    if not elements:
        raise _FileProblem(Text(
            fr=f"aucun enregistrement à l'XPath {profile.records}",
            nl=f"geen records op XPath {profile.records}",
            en=f"no records at XPath {profile.records}"))
    for number, element in enumerate(elements, start=1):

        def get(mapping: FieldMapping, element: etree._Element = element) -> CellValue:
            parts = []
            for expr in mapping.xpaths:
                try:
                    found = compiled[expr](element)
                except etree.XPathError as exc:
                    raise _xpath_problem(expr, exc) from None
                parts.append(_node_text(found, expr))
            return _joined(parts)

        line = element.sourceline if isinstance(element.sourceline, int) else None
        yield _Place(number, line, tree.getpath(element), f"record-{number}"), get


# --------------------------------------------------------------------------- values


def _shown(field: SdkField, value: CellValue) -> str:
    text = parse_text(value)
    if field.value_type is ValueType.NISS:
        return mask_niss(text)
    text = mask_niss_in(text)
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _fill(record: _Record, mappings: Sequence[FieldMapping], into: dict[str, object],
          get: Getter, formats: Formats, fixed: Mapping[str, object]) -> None:
    for mapping in mappings:
        field = mapping.field
        if mapping.key in fixed:  # a profile value, read once (checked when loaded)
            into[field.name] = fixed[mapping.key]
            continue
        if len(mapping.xpaths) == 1 and not mapping.xpaths[0].startswith("/"):
            record.paths[field.name] = f"{record.place.path}/{mapping.xpaths[0]}"
        try:
            raw: CellValue = mapping.constant if mapping.constant is not None else get(mapping)
        except CellError as exc:
            record.problems.append(_Problem("MAP-VALUE", field.name, mapping.where, None,
                                            exc.reason))
            continue
        if is_blank(raw):
            raw = mapping.default
        elif mapping.value_map is not None and mapping.constant is None:
            code = parse_text(raw).casefold()
            if code not in mapping.value_map:
                codes = ", ".join(mapping.map_codes)
                record.problems.append(_Problem("MAP-CODE", field.name, mapping.where,
                                                _shown(field, raw), Text(
                    fr=f"code absent de la table du profil ({codes})",
                    nl=f"code niet in de waardetabel van het profiel ({codes})",
                    en=f"code not in the profile's value map ({codes})")))
                continue
            raw = mapping.value_map[code]
        if is_blank(raw):
            continue
        try:
            into[field.name] = read_value(field, raw, formats, mapping.format)
        except CellError as exc:
            record.problems.append(_Problem("MAP-VALUE", field.name, mapping.where,
                                            _shown(field, raw), exc.reason))


# --------------------------------------------------------------------------- documents


def _missing(record: _Record, mapping: FieldMapping) -> None:
    record.problems.append(_Problem("MAP-MISSING", mapping.field.name, mapping.where, None, Text(
        fr="valeur obligatoire absente", nl="verplichte waarde ontbreekt",
        en="required value missing")))


def _refused(exc: CpasError) -> Text:
    reason = mask_niss_in(str(exc))
    return Text(fr=f"refusé par le SDK : {reason}", nl=f"geweigerd door de SDK: {reason}",
                en=f"refused by the SDK: {reason}")


# Values were read into the types the SDK expects (fields.py); the SDK's converters
# still check them, and any refusal becomes a finding.


def _nested(values: Mapping[str, object], prefix: str) -> dict[str, Any]:
    return {k[len(prefix):]: v for k, v in values.items() if k.startswith(prefix)}


def _others(values: Mapping[str, object], *prefixes: str) -> dict[str, Any]:
    return {k: v for k, v in values.items() if not k.startswith(prefixes)}


def _line(values: Mapping[str, object], place: _Place) -> ReimbursementLine:
    args = _others(values)
    args.setdefault("id", place.default_id)
    return ReimbursementLine(**args)


def _partner(values: Mapping[str, object], place: _Place) -> Partner:
    args = _others(values, "organisation.")
    args.setdefault("id", f"partner-{place.number}")
    return Partner(organisation=Organisation(**_nested(values, "organisation.")), **args)


def _reimbursement(doc: Mapping[str, object], lines: Sequence[ReimbursementLine]
                   ) -> ReimbursementForm:
    header = _nested(doc, "header.")
    head = FormHeader(cpas=Cpas(**_nested(header, "cpas.")), **_others(header, "cpas."))
    return ReimbursementForm(header=head, lines=lines, **_others(doc, "header."))


def _partnership(doc: Mapping[str, object], partners: Sequence[Partner]
                 ) -> PartnershipConvention:
    return PartnershipConvention(
        beneficiary=Person(**_nested(doc, "beneficiary.")), cpas=Cpas(**_nested(doc, "cpas.")),
        partners=partners, **_others(doc, "beneficiary.", "cpas."))


class _Builder:
    def __init__(self, profile: Profile, data: bytes) -> None:
        self.profile = profile
        self.digest = hashlib.sha256(data).hexdigest()[:12]
        self.documents: list[Any] = []
        self.xml: list[bytes] = []
        self.placed: dict[int, int | None] = {}

    def reject_group(self, group: Sequence[_Record], cause: _Problem | None,
                     document_id: str) -> None:
        if cause is not None:
            group[0].problems.append(cause)
        for record in group:
            self.placed[record.place.number] = None
            if not record.problems:
                record.problems.append(_Problem("MAP-GROUP", None, None, None, Text(
                    fr=f"rejeté avec le document {document_id} (voir ses autres enregistrements)",
                    nl=f"geweigerd samen met document {document_id} (zie de andere records)",
                    en=f"rejected with document {document_id} (see its other records)")))

    def merge(self, group: Sequence[_Record]) -> dict[str, object]:
        merged: dict[str, object] = {}
        strict = self.profile.kind.all_or_nothing
        for record in group:
            if record.problems and not strict:
                continue  # a rejected line does not set the form's values
            for name, value in record.document.items():
                if name not in merged:
                    merged[name] = value
                elif merged[name] != value:
                    mapping = next(m for m in self.profile.document if m.field.name == name)
                    record.problems.append(_Problem(
                        "MAP-CONFLICT", name, mapping.where, None, Text(
                            fr="diffère du premier enregistrement du même document",
                            nl="verschilt van het eerste record van hetzelfde document",
                            en="differs from the first record of the same document")))
        return merged

    def build(self, group: list[_Record]) -> None:
        profile = self.profile
        kind = profile.kind
        index = len(self.documents)
        doc = self.merge(group)
        doc.setdefault("id", f"{profile.name}-{self.digest}-{index + 1:03d}")
        document_id = str(doc["id"])
        for record in group:
            for mapping in profile.record:
                name = mapping.field.name
                if mapping.field.required and name not in record.values and not any(
                        p.field == name for p in record.problems):
                    if kind.all_or_nothing and not record.values:
                        continue  # a continuation row without a partner
                    _missing(record, mapping)
        if kind.all_or_nothing and any(r.problems for r in group):
            self.reject_group(group, None, document_id)
            return
        if all(r.problems for r in group):  # every line rejected: each has its findings
            self.reject_group(group, None, document_id)
            return
        for mapping in profile.document:
            if mapping.field.required and mapping.field.name not in doc:
                missing = _Problem("MAP-MISSING", mapping.field.name, mapping.where, None, Text(
                    fr="valeur obligatoire absente de tout le document",
                    nl="verplichte waarde ontbreekt in het hele document",
                    en="required value missing from the whole document"))
                self.reject_group(group, missing, document_id)
                return
        kept: list[_Record] = []
        parts: list[Any] = []
        for record in group:
            if record.problems:
                self.placed[record.place.number] = None
                continue
            if kind.all_or_nothing and not record.values:
                kept.append(record)
                continue
            try:
                part = (_partner(record.values, record.place) if kind.all_or_nothing
                        else _line(record.values, record.place))
            except CpasError as exc:
                record.problems.append(_Problem("MAP-DOCUMENT", None, None, None, _refused(exc)))
                if kind.all_or_nothing:
                    self.reject_group(group, None, document_id)
                    return
                self.placed[record.place.number] = None
                continue
            kept.append(record)
            parts.append(part)
        if not kept:
            return
        try:
            document: Any = (_partnership(doc, parts) if kind.all_or_nothing
                             else _reimbursement(doc, parts))
            xml = to_xml(document)
        except CpasError as exc:
            self.reject_group(kept, _Problem("MAP-DOCUMENT", None, None, None, _refused(exc)),
                              document_id)
            return
        self.documents.append(document)
        self.xml.append(xml)
        for record in kept:
            self.placed[record.place.number] = index


def _finding(record: _Record, problem: _Problem, source: str) -> Finding:
    place = record.place
    path = record.paths.get(problem.field or "", place.path)
    if path == place.path and problem.field:
        path = f"{place.path}.{problem.field}"
    texts: dict[Lang, str] = {}
    words: tuple[tuple[Lang, str], ...] = (("fr", "source"), ("nl", "bron"), ("en", "source"))
    for lang, source_word in words:
        head = problem.field or ""
        if problem.where is not None:
            head += f" ({source_word} {problem.where})"
        if problem.shown is not None:
            head += f" = {problem.shown}"
        reason = problem.reason.get(lang)
        texts[lang] = f"{head}: {reason}" if head else reason
    message = Text(fr=texts["fr"], nl=texts["nl"], en=texts["en"])
    return Finding(code=problem.code, severity=Severity.ERROR, path=path, message=message,
                   line=place.line, source=source)


def convert(profile: Profile, data: bytes, *, source: str) -> Conversion:
    """Turn the bytes of one vendor file into documents with ``profile``; never raises
    for bad content (see the module documentation)."""
    builder = _Builder(profile, data)
    records: list[_Record] = []
    fixed = {m.key: read_value(m.field, m.constant, profile.formats, m.format)
             for m in (*profile.document, *profile.record) if m.constant is not None}
    try:
        reader = _xml_records(profile, data, source) if profile.format == "xml" \
            else _table_records(profile, data)
        for place, get in reader:
            record = _Record(place)
            _fill(record, profile.document, record.document, get, profile.formats, fixed)
            _fill(record, profile.record, record.values, get, profile.formats, fixed)
            records.append(record)
    except _FileProblem as exc:
        finding = Finding(code="MAP-FILE", severity=Severity.ERROR, path="$",
                          message=exc.reason, line=exc.line, source=source)
        return Conversion(profile.name, source, (), (), (finding,), len(records))
    if not records:
        finding = Finding(code="MAP-FILE", severity=Severity.ERROR, path="$", message=Text(
            fr="aucun enregistrement", nl="geen records", en="no records"), source=source)
        return Conversion(profile.name, source, (), (), (finding,), 0)
    groups: dict[tuple[object, ...], list[_Record]] = {}
    for record in records:
        if any(p.field in profile.group_by for p in record.problems):
            builder.placed[record.place.number] = None
            continue
        key = tuple(record.document.get(name) for name in profile.group_by)
        groups.setdefault(key, []).append(record)
    for group in groups.values():
        builder.build(group)
    findings = tuple(_finding(record, problem, source)
                     for record in records for problem in record.problems)
    placement = tuple((r.place.path, builder.placed.get(r.place.number)) for r in records)
    return Conversion(profile.name, source, tuple(builder.documents), tuple(builder.xml),
                      findings, len(records), placement)
