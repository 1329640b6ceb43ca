"""Legacy rows to documents, with a diagnosis for every row that cannot be converted.

:func:`convert` reads a CSV or XLSX file (:mod:`.reading`), maps its columns
(:mod:`.columns`), reads each cell (:mod:`.numbers`), builds the documents and
their XML (validated against the schema by :func:`cpas.adapters.xml.documents.to_xml`).
Every data row ends up exactly once: in a document, or in ``rejected`` with its
problems (file, sheet, row, column, value as it may be shown — a NISS is masked —
and the reason in FR, NL and EN). A file that cannot be converted at all (unreadable,
no header, duplicate or missing columns, no form header) raises
:class:`~cpas.adapters.legacy.reading.LegacyFileError` and nothing is produced.

``reimbursement``: one row per :class:`ReimbursementLine`, all in one
:class:`ReimbursementForm`. The form's header (``form_type``, ``cpas_name``,
``cpas_kbo``, ``cpas_nis_code``, ``effective_date``, ``submission_date`` and the
optional ``cpas_municipality``, ``is_correction``, ``file_number``,
``decision_date``) comes from ``settings`` (command-line ``--set``), the profile, an
XLSX header sheet, or columns; a row whose column disagrees with the header is
rejected. The line id is the ``id`` column, else ``row-<n>``.

``partnership``: one :class:`PartnershipConvention` per row, partners in numbered
columns (``partner1_name``, ``partner1_share``…); or one partner per row in
unnumbered columns (``partner_name``…) on rows that share a ``convention`` value,
the convention's own cells on the first of them (later rows leave them empty or
repeat them). When one row of a convention is rejected, all its rows are. The
document id is the ``convention`` column, else ``row-<n>``.

``piis`` (one row per objective), ``bilan`` (one row per life-domain assessment) and
``convention`` (subsidy convention, one row per expense line): rows grouped into
documents by their ``piis``, ``bilan`` or ``convention`` column, see
:mod:`cpas.adapters.legacy.grouped`.

A CSV given by path or open file is streamed: memory holds the documents being
built, not the input. With ``stream=True`` a reimbursement form is not built
either: each line is written as soon as it is read, to a temporary file
(:class:`~cpas.adapters.legacy.output.StagedFile`) that is validated against the
schema once complete and handed over as :attr:`Conversion.output`; memory stays
flat whatever the number of rows (the rejected rows are kept, for the report).
An XLSX is read with openpyxl's read-only mode; a sheet may reach row 1 048 576
(Excel's last), a row beyond it is a file error.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from os import PathLike
from pathlib import Path
from typing import Any

import attrs

from ...sdk.documents.partnership import (
    BeneficiaryStatus,
    GuidanceMethod,
    Partner,
    PartnerKind,
    PartnershipConvention,
)
from ...sdk.documents.reimbursement import (
    BeneficiaryCategory,
    FormHeader,
    FormType,
    LegalBasis,
    RateCategory,
    ReimbursementForm,
    ReimbursementLine,
)
from ...sdk.errors import CpasError
from ...sdk.money import Money
from ...sdk.parties import Cpas, Organisation, Person
from ...sdk.text import Lang, Text
from ..xml.documents import kind_of, to_xml
from ..xml.fastwrite import PieceWriter
from ..xml.stream import validate
from .columns import SETTING_FIELDS, ColumnMap, Profile, match_columns, match_setting
from .fastlines import LineReader
from .grouped import GROUP_KINDS, convert_groups
from .grouped import SETTING_PARSERS as GROUP_SETTING_PARSERS
from .numbers import (
    CellError,
    CellValue,
    is_blank,
    parse_amount,
    parse_bool,
    parse_date,
    parse_enum,
    parse_int,
    parse_kbo,
    parse_niss,
    parse_period,
    parse_text,
)
from .output import StagedFile
from .reading import LegacyFileError, Row, Source, Table, open_table
from .rows import (
    Problem,
    Rejected,
    _build,
    _Cells,
    _enum,
    _hours,
    _lang,
    _nis,
    _shape,
    _text,
    group_rows,
    settle_groups,
)

__all__ = ["KINDS", "Conversion", "Problem", "Progress", "Rejected", "convert", "rejects_csv"]

KINDS = ("reimbursement", "partnership", "piis", "bilan", "convention")

Progress = Callable[[int, int | None], None]
"""Called now and then with (work done, total work or ``None``): bytes of a CSV, rows of
an XLSX sheet."""


@attrs.frozen
class Conversion:
    """The outcome: documents with their XML, the rejected rows, and the counts."""

    kind: str
    documents: tuple[Any, ...]
    xml: tuple[bytes, ...]
    """One validated XML per document, in the same order."""
    rows_read: int
    rows_accepted: int
    rejected: tuple[Rejected, ...]
    header: tuple[str, ...]
    ignored_columns: tuple[str, ...]
    blank_rows: int
    delimiter: str
    output: StagedFile | None = attrs.field(default=None, eq=False, repr=False)
    """With ``convert(..., stream=True)`` for a reimbursement form: the validated XML,
    staged (``commit(path)``, ``copy_to(stream)`` or ``discard()``); ``documents``
    and ``xml`` are then empty."""

    @property
    def ok(self) -> bool:
        return not self.rejected


def _methods(value: CellValue) -> tuple[GuidanceMethod, ...]:
    parts = [p for p in re.split(r"[,;/|+]", parse_text(value)) if p.strip()]
    return tuple(parse_enum(GuidanceMethod, p) for p in parts)


_SETTING_PARSERS: dict[str, Callable[[CellValue], object]] = {
    "form_type": _enum(FormType),
    "cpas_name": _text,
    "cpas_kbo": parse_kbo,
    "cpas_nis_code": _nis,
    "cpas_municipality": _text,
    "effective_date": parse_date,
    "submission_date": parse_date,
    "is_correction": parse_bool,
    "file_number": _text,
    "decision_date": parse_date,
    **GROUP_SETTING_PARSERS,
}


# --- settings (values for the whole file) -------------------------------------------------


def _settings(kind: str, given: Mapping[str, str], profile: Profile | None,
              sheet: Mapping[str, CellValue]) -> dict[str, CellValue]:
    """Settings by field: the options win over the profile, the profile over the sheet."""
    out: dict[str, CellValue] = {}
    for source in (sheet, profile.settings if profile else {}, given):
        for key, value in source.items():
            field = match_setting(key, kind)
            if field is None:
                raise LegacyFileError(Text(
                    fr=f"réglage inconnu pour {kind} : {key} (permis : "
                       f"{', '.join(sorted(SETTING_FIELDS[kind]))})",
                    nl=f"onbekende instelling voor {kind}: {key} (toegelaten: "
                       f"{', '.join(sorted(SETTING_FIELDS[kind]))})",
                    en=f"unknown setting for {kind}: {key} (allowed: "
                       f"{', '.join(sorted(SETTING_FIELDS[kind]))})"))
            if not is_blank(value):
                out[field] = value
    return out


def _parsed_settings(raw: Mapping[str, CellValue]) -> dict[str, object]:
    out: dict[str, object] = {}
    for field, value in raw.items():
        try:
            out[field] = _SETTING_PARSERS[field](value)
        except CellError as exc:
            raise LegacyFileError(Text(**{
                lang: f"{field} = {parse_text(value)!r}: {exc.reason.get(lang)}"
                for lang in ("fr", "nl", "en")})) from None
    return out


# --- reimbursement -----------------------------------------------------------------------------

_REQUIRED_HEADER = ("form_type", "cpas_name", "cpas_kbo", "cpas_nis_code", "effective_date",
                    "submission_date")


def _line(cells: _Cells) -> ReimbursementLine | None:
    row = cells.row
    line_id = cells.get("id", _text) or f"row-{row.number}"
    niss = cells.need("niss", parse_niss)
    name = cells.get("beneficiary_name", _text)
    basis = cells.need("basis", _enum(LegalBasis))
    period = cells.need("period", parse_period)
    amount = cells.need("amount", parse_amount)
    rate = cells.get("rate_category", _enum(RateCategory)) or RateCategory.STANDARD
    piis_code = cells.get("piis_code", parse_int)
    exemption = cells.get("income_exemption", parse_amount)
    source = cells.get("source_id", _text)
    expense = cells.get("expense_date", parse_date)
    recovery = cells.get("recovery_type", _text)
    category = cells.get("category", _enum(BeneficiaryCategory))
    return _build(cells, lambda: ReimbursementLine(
        id=line_id, niss=niss, beneficiary_name=name, basis=basis, period=period,
        amount=Money(amount), rate_category=rate, piis_code=piis_code,
        income_exemption=None if exemption is None else Money(exemption), source_id=source,
        expense_date=expense, recovery_type=recovery, category=category))


_HEADER_COLUMNS = SETTING_FIELDS["reimbursement"]


def _header_fields(columns: ColumnMap) -> list[str]:
    """The form-header fields that have a column, in header order."""
    return [f for f in columns.fields if f in _HEADER_COLUMNS]


def _check_header_cells(cells: _Cells, fixed: dict[str, object],
                        fields: list[str] | None = None) -> None:
    """Header columns on a row must agree with the form (the first row sets a missing one)."""
    for field in _header_fields(cells.columns) if fields is None else fields:
        raw = cells.raw(field)
        if is_blank(raw):
            continue
        value = cells.get(field, _SETTING_PARSERS[field])
        if value is None:
            continue
        if field not in fixed:
            fixed[field] = value
        elif fixed[field] != value:
            cells.problem(field, raw, Text(
                fr=f"diffère de la valeur du formulaire ({fixed[field]})",
                nl=f"verschilt van de waarde van het formulier ({fixed[field]})",
                en=f"differs from the form's value ({fixed[field]})"))


def _form_header(fixed: Mapping[str, Any]) -> tuple[FormType, FormHeader, Any]:
    missing = [f for f in _REQUIRED_HEADER if f not in fixed]
    if missing:
        names = ", ".join(missing)
        raise LegacyFileError(Text(
            fr=f"en-tête du formulaire incomplet, manque : {names} (colonne, feuille "
               "« en-tête », profil ou --set champ=valeur)",
            nl=f"hoofding van het formulier onvolledig, ontbreekt: {names} (kolom, blad "
               "‘hoofding’, profiel of --set veld=waarde)",
            en=f"form header incomplete, missing: {names} (column, 'header' sheet, profile "
               "or --set field=value)"))
    try:
        cpas = Cpas(name=fixed["cpas_name"], kbo=fixed["cpas_kbo"],
                    nis_code=fixed["cpas_nis_code"],
                    municipality=fixed.get("cpas_municipality"))
        header = FormHeader(cpas=cpas, effective_date=fixed["effective_date"],
                            is_correction=fixed.get("is_correction", False),
                            file_number=fixed.get("file_number"),
                            decision_date=fixed.get("decision_date"))
    except CpasError as exc:
        raise LegacyFileError(Text(fr=f"en-tête du formulaire refusé : {exc}",
                                   nl=f"hoofding van het formulier geweigerd: {exc}",
                                   en=f"form header refused: {exc}")) from None
    return fixed["form_type"], header, fixed["submission_date"]


def _reimbursement(rows: Iterable[Row], columns: ColumnMap, fixed: dict[str, object],
                   check_row: Callable[[Row], Problem | None],
                   keep: Callable[[ReimbursementLine], object]) -> tuple[list[Rejected], int]:
    """Read every row: each line goes to ``keep``, each rejected row to the list returned
    with the number of rows read."""
    rejected: list[Rejected] = []
    read = 0
    header_fields = _header_fields(columns)
    fast = LineReader(columns)  # the usual row in one pass; None: read it the general way
    width = len(columns.names)
    for row in rows:
        read += 1
        cells: _Cells | None = None
        shape = None if len(row.cells) == width else check_row(row)
        if shape is None:
            if header_fields:
                cells = _Cells(row, columns, {})
                _check_header_cells(cells, fixed, header_fields)
            if cells is None or not cells.problems:
                line = fast(row.number, row.cells)
                if line is not None:
                    keep(line)
                    continue
        if cells is None:
            cells = _Cells(row, columns, {})
            if shape is not None:
                cells.problems.append(shape)
            _check_header_cells(cells, fixed, header_fields)
        line = _line(cells)
        if line is None:
            rejected.append(Rejected(row, tuple(cells.problems)))
        else:
            keep(line)
    return rejected, read


_FORM_KIND = kind_of(ReimbursementForm)
_PIECES = PieceWriter(ReimbursementForm, tag=_FORM_KIND.root, namespace=_FORM_KIND.namespace,
                      field="lines")
_FLUSH_EVERY = 1024
"""Lines written to the temporary file at once."""


def _form_refused(exc: CpasError) -> LegacyFileError:
    return LegacyFileError(Text(fr=f"formulaire refusé : {exc}",
                                nl=f"formulier geweigerd: {exc}",
                                en=f"form refused: {exc}"))


class _StreamedLines:
    """The lines of a form written as they come (to an unnamed temporary file), then
    the whole form assembled in a :class:`StagedFile` and validated.

    The text of each line is the one ``to_xml`` gives it in the whole form
    (:class:`~cpas.adapters.xml.fastwrite.PieceWriter`); a line the writer refuses
    (a character XML cannot carry) stops the writing, and the error is raised where
    ``to_xml`` of the whole form would raise it (after the form's header).
    """

    def __init__(self) -> None:
        self.count = 0
        self._pending: list[str] = []
        self._error: CpasError | None = None
        self._scratch = tempfile.TemporaryFile(prefix="cpas-lines-")  # noqa: SIM115 - closed by close()

    def add(self, line: ReimbursementLine) -> None:
        if self._error is not None:
            self.count += 1
            return
        try:
            self._pending.append(_PIECES.item(line, self.count))
        except CpasError as exc:
            self._error = exc
        self.count += 1
        if len(self._pending) >= _FLUSH_EVERY:
            self._flush()

    def _flush(self) -> None:
        self._scratch.write("".join(self._pending).encode("utf-8"))
        self._pending.clear()

    def finish(self, shell: ReimbursementForm) -> StagedFile:
        """The whole form (``shell`` holds everything but the lines), validated."""
        self._flush()
        try:
            head = _PIECES.head(shell, self.count)
            if self._error is not None:
                raise self._error
            tail = _PIECES.tail(shell, self.count)
        except CpasError as exc:
            raise _form_refused(exc) from None
        staged = StagedFile()
        try:
            staged.write(head.encode("utf-8"))
            self._scratch.seek(0)
            while chunk := self._scratch.read(1 << 20):
                staged.write(chunk)
            staged.write(tail.encode("utf-8"))
            staged.close()
            if staged.path is None:  # pragma: no cover - a staged file keeps its path
                raise ValueError("the staged form was dropped")
            checked = validate(staged.path, name="form")
            if not checked.ok:
                raise LegacyFileError(Text(**{
                    lang: _form_refused_text(lang, checked.findings[:3])
                    for lang in ("fr", "nl", "en")}))
        except BaseException:
            staged.discard()
            raise
        return staged

    def close(self) -> None:
        self._scratch.close()


def _form_refused_text(lang: Lang, findings: Iterable[Any]) -> str:
    prefix = {"fr": "formulaire refusé par le schéma : ", "nl": "formulier geweigerd door "
              "het schema: ", "en": "form refused by the schema: "}[lang]
    return prefix + "; ".join(f"{f.path}: {f.message.get(lang)}" for f in findings)


# --- partnership --------------------------------------------------------------------------------

_CONVENTION_FIELDS = ("niss", "last_name", "first_name", "birth_date", "language",
                      "beneficiary_status", "cpas_name", "cpas_kbo", "cpas_nis_code",
                      "cpas_municipality", "concluded_on", "plan_end", "hours_planned",
                      "hours_performed", "methods", "ended_on", "employment_contract_on")


def _partner(cells: _Cells, number: str) -> Partner | None:
    prefix = f"partner{number}."
    if all(is_blank(cells.raw(prefix + f)) for f in ("name", "kbo", "kind", "share",
                                                    "hours_planned", "hours_performed")):
        return None
    name = cells.need(prefix + "name", _text)
    kbo = cells.get(prefix + "kbo", parse_kbo)
    kind = cells.get(prefix + "kind", _enum(PartnerKind)) or PartnerKind.PARTNER
    share = cells.need(prefix + "share", _hours)
    planned = cells.get(prefix + "hours_planned", _hours)
    performed = cells.get(prefix + "hours_performed", _hours)
    return _build(cells, lambda: Partner(
        id=f"partner-{number or 0}" if number else f"partner-row-{cells.row.number}",
        organisation=Organisation(name=name, kbo=kbo), kind=kind, share=share,
        hours_planned=planned, hours_performed=performed))


def _convention(group: list[_Cells], key: str) -> PartnershipConvention | None:
    first = group[0]
    niss = first.need("niss", parse_niss)
    last_name = first.need("last_name", _text)
    first_name = first.need("first_name", _text)
    birth = first.get("birth_date", parse_date)
    language = first.get("language", _lang)
    status = first.need("beneficiary_status", _enum(BeneficiaryStatus))
    cpas_name = first.need("cpas_name", _text, fallback=True)
    cpas_kbo = first.need("cpas_kbo", parse_kbo, fallback=True)
    cpas_nis = first.need("cpas_nis_code", _nis, fallback=True)
    municipality = first.get("cpas_municipality", _text, fallback=True)
    concluded = first.need("concluded_on", parse_date)
    plan_end = first.need("plan_end", parse_date)
    planned = first.need("hours_planned", _hours)
    performed = first.get("hours_performed", _hours) or Decimal(0)
    methods = first.get("methods", _methods) or ()
    ended = first.get("ended_on", parse_date)
    employed = first.get("employment_contract_on", parse_date)
    numbers = sorted({f.split(".")[0][7:] for f in first.columns.fields
                      if f.startswith("partner") and not f.startswith("partner0.")}, key=int)
    partners = [_partner(first, n) for n in numbers]
    for cells in group:
        partners.append(_partner(cells, "0"))
    numbered = [f for f in first.columns.fields
                if f.startswith("partner") and not f.startswith("partner0.")]
    for cells in group[1:]:
        for field in (*_CONVENTION_FIELDS, *numbered):
            raw = cells.raw(field)
            if not is_blank(raw) and parse_text(raw) != parse_text(first.raw(field)):
                cells.problem(field, raw, Text(
                    fr=f"diffère de la ligne {first.row.number} de la même convention",
                    nl=f"verschilt van rij {first.row.number} van dezelfde overeenkomst",
                    en=f"differs from row {first.row.number} of the same convention"))
    if any(c.problems for c in group):
        return None
    return _build(first, lambda: PartnershipConvention(
        id=key, beneficiary=Person(niss=niss, last_name=last_name, first_name=first_name,
                                   birth_date=birth, language=language),
        beneficiary_status=status,
        cpas=Cpas(name=cpas_name, kbo=cpas_kbo, nis_code=cpas_nis, municipality=municipality),
        partners=[p for p in partners if p is not None], concluded_on=concluded,
        plan_end=plan_end, hours_planned=planned, hours_performed=performed, methods=methods,
        ended_on=ended, employment_contract_on=employed))


def _partnership(rows: Iterable[Row], columns: ColumnMap, settings: Mapping[str, CellValue],
                 check_row: Callable[[Row], Problem | None]
                 ) -> tuple[list[PartnershipConvention], list[bytes], list[Rejected], int]:
    groups, read = group_rows(rows, columns, settings, check_row, "convention")
    documents, xml, rejected = settle_groups(
        groups, lambda group, key: _convention(list(group), key),
        Text(fr="la convention", nl="overeenkomst", en="convention"))
    return documents, xml, rejected, read



# --- entry point --------------------------------------------------------------------------------


def convert(data: bytes | Source, kind: str, *, profile: Profile | None = None,
            settings: Mapping[str, str] | None = None, encoding: str | None = None,
            delimiter: str | None = None, sheet: str | None = None, name: str | None = None,
            progress: Progress | None = None, stream: bool = False) -> Conversion:
    """Convert a legacy CSV or XLSX file into documents of ``kind``.

    ``data`` is the file's bytes, its path, or an open binary file; a CSV given by path
    or file is streamed (:func:`~cpas.adapters.legacy.reading.open_table`), so only the
    documents built stay in memory. ``settings`` are field values for the whole file
    (``{"form_type": "dis_b"}``); they win over the profile's and over an XLSX header
    sheet. ``name`` is the file name put in every row's diagnostics (default: the
    path's name). ``progress`` is called now and then with (done, total). Raises
    :class:`LegacyFileError` when the file as a whole cannot be converted.

    ``stream=True`` (reimbursement; ignored for other kinds): the form is written
    line by line to a temporary file and validated, never held in memory; it is
    returned as :attr:`Conversion.output`, the same bytes ``xml[0]`` would hold,
    for the caller to commit or discard.
    """
    if kind not in KINDS:
        raise LegacyFileError(Text(fr=f"type de document non pris en charge : {kind}",
                                   nl=f"documentsoort niet ondersteund: {kind}",
                                   en=f"document kind not supported: {kind}"))
    if profile is not None and profile.kind not in (None, kind):
        raise LegacyFileError(Text(fr=f"le profil {profile.name} est pour {profile.kind}",
                                   nl=f"profiel {profile.name} is voor {profile.kind}",
                                   en=f"profile {profile.name} is for {profile.kind}"))
    if name is None and isinstance(data, str | PathLike):
        name = Path(data).name
    table = open_table(data, encoding=encoding, delimiter=delimiter, sheet=sheet,
                       progress=progress)
    try:
        result = _convert_table(table, kind, profile, settings or {}, stream)
    finally:
        if table.release is not None:
            table.release()  # the file, when a whole-file error stopped the reading
    if name is None:
        return result
    return attrs.evolve(result, rejected=tuple(
        Rejected(item.row, tuple(attrs.evolve(p, file=name) for p in item.problems))
        for item in result.rejected))


def _convert_table(table: Table, kind: str, profile: Profile | None,
                   settings: Mapping[str, str], stream: bool = False) -> Conversion:
    columns = match_columns(table.header, kind, profile)
    raw_settings = _settings(kind, settings, profile, table.settings)
    width = len(table.header)
    csv_input = table.sheet is None

    def check_row(row: Row) -> Problem | None:
        return _shape(row, width, csv_input)

    _require_columns(kind, columns, raw_settings)
    staged: StagedFile | None = None
    if kind == "reimbursement" and stream:
        fixed = _parsed_settings(raw_settings)
        streamed = _StreamedLines()
        try:
            rejected, read = _reimbursement(table.rows, columns, fixed, check_row, streamed.add)
            _no_rows(read)
            form_type, header, submitted = _form_header(fixed)
            try:
                shell = ReimbursementForm(id=_form_id(fixed, table), form_type=form_type,
                                          header=header, lines=(), submission_date=submitted)
            except CpasError as exc:
                raise _form_refused(exc) from None
            staged = streamed.finish(shell)
        finally:
            streamed.close()
        documents: tuple[Any, ...] = ()
        outputs: tuple[bytes, ...] = ()
        accepted = streamed.count
    elif kind == "reimbursement":
        fixed = _parsed_settings(raw_settings)
        lines: list[ReimbursementLine] = []
        rejected, read = _reimbursement(table.rows, columns, fixed, check_row, lines.append)
        _no_rows(read)
        form_type, header, submitted = _form_header(fixed)
        try:
            form = ReimbursementForm(id=_form_id(fixed, table), form_type=form_type,
                                     header=header, lines=lines, submission_date=submitted)
            xml = to_xml(form)
        except CpasError as exc:
            raise _form_refused(exc) from None
        documents, outputs = (form,), (xml,)
        accepted = len(lines)
    else:
        _parsed_settings(raw_settings)  # refuse bad settings before reading any row
        if kind == "partnership":
            built, xml_list, rejected, read = _partnership(table.rows, columns, raw_settings,
                                                           check_row)
        else:
            built, xml_list, rejected, read = convert_groups(
                GROUP_KINDS[kind], table.rows, columns, raw_settings, check_row)
        _no_rows(read)
        documents, outputs = tuple(built), tuple(xml_list)
        accepted = read - len(rejected)
    return Conversion(kind, documents, outputs, read, accepted, tuple(rejected), table.header,
                      columns.ignored, len(table.blank_rows), table.delimiter, staged)


def _form_id(fixed: Mapping[str, object], table: Table) -> str:
    """Same input, same output: the id comes from the input's digest (or ``--set id=``)."""
    return str(fixed.get("id") or "legacy-" + (table.digest or "")[:24])


_REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "reimbursement": ("niss", "basis", "period", "amount"),
    "partnership": ("niss", "last_name", "first_name", "beneficiary_status", "concluded_on",
                    "plan_end", "hours_planned"),
}


def _require_columns(kind: str, columns: ColumnMap, settings: Mapping[str, CellValue]) -> None:
    if kind in GROUP_KINDS:
        group = GROUP_KINDS[kind]
        missing = [f for f in group.required if f not in columns.fields]
        missing += [f for f in group.settable if f not in columns.fields and f not in settings]
    else:
        missing = [f for f in _REQUIRED_COLUMNS[kind] if f not in columns.fields]
    if kind == "partnership":
        missing += [f for f in ("cpas_name", "cpas_kbo", "cpas_nis_code")
                    if f not in columns.fields and f not in settings]
    if missing:
        names = ", ".join(missing)
        raise LegacyFileError(Text(fr=f"colonnes manquantes : {names}",
                                   nl=f"ontbrekende kolommen: {names}",
                                   en=f"missing columns: {names}"))


def _no_rows(read: int) -> None:
    if not read:
        raise LegacyFileError(Text(fr="aucune ligne de données sous l'en-tête",
                                   nl="geen gegevensrijen onder de kopregel",
                                   en="no data rows under the header"))


_REASON = Text(fr="motif", nl="reden", en="reason")


def rejects_csv(conversion: Conversion, lang: Lang) -> bytes:
    """The rejected rows, unchanged, each with a last column giving every reason.

    UTF-8 with a BOM (so that Excel reads the accents), the input's delimiter.
    """
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=conversion.delimiter, lineterminator="\r\n")
    writer.writerow([*conversion.header, _REASON.get(lang)])
    for item in conversion.rejected:
        cells = [c if isinstance(c, str) else parse_text(c) for c in item.row.cells]
        cells += [""] * (len(conversion.header) - len(cells))  # align the reason column
        writer.writerow([*cells, " | ".join(p.render(lang) for p in item.problems)])
    return buffer.getvalue().encode("utf-8-sig")
