"""One row of a legacy table: its cells read field by field, and its problems.

Shared by every document kind of :mod:`cpas.adapters.legacy.convert`: a
:class:`Problem` says where (file, sheet, row, column), which value (as it may be
shown: a NISS is masked) and why, in FR, NL and EN.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, TypeVar

import attrs

from ...sdk.errors import CpasError, InvalidNisCode
from ...sdk.identifiers import NisCode, mask_niss
from ...sdk.privacy import mask_niss_in
from ...sdk.text import LANGS, Lang, Text
from ..xml.documents import to_xml
from .columns import ColumnMap
from .numbers import CellError, CellValue, is_blank, parse_decimal, parse_enum, parse_text
from .reading import Row

__all__ = ["Problem", "Rejected"]

T = TypeVar("T")

# --- diagnostics ------------------------------------------------------------------------------

_WHERE_SHEET = Text(fr="feuille {sheet}, ligne {row}", nl="blad {sheet}, rij {row}",
                    en="sheet {sheet}, row {row}")
_WHERE_LINE = Text(fr="ligne {row}", nl="regel {row}", en="line {row}")
_COLUMN = Text(fr=", colonne « {column} »", nl=", kolom ‘{column}’", en=", column '{column}'")
_MISSING = Text(fr="valeur obligatoire manquante", nl="verplichte waarde ontbreekt",
                en="required value missing")
_MISSING_CELL = Text(
    fr="valeur obligatoire manquante (cellule vide, fusionnée, ou formule jamais calculée : "
       "ouvrez et enregistrez le fichier dans Excel)",
    nl="verplichte waarde ontbreekt (lege of samengevoegde cel, of formule nooit berekend: "
       "open en bewaar het bestand in Excel)",
    en="required value missing (empty or merged cell, or a formula never computed: open and "
       "save the file in Excel)")


@attrs.frozen
class Problem:
    """Why a row is rejected: where, which value (as it may be shown) and the reason."""

    sheet: str | None
    row: int
    column: str | None
    shown: str | None
    reason: Text
    file: str | None = None
    """The input's name (``-`` for stdin), set by :func:`~cpas.adapters.legacy.convert.convert`."""

    def render(self, lang: Lang) -> str:
        """``data.csv, line 4, column 'NISS' [85.07.30-***.**]: reason``."""
        where = (_WHERE_SHEET.format(sheet=self.sheet, row=self.row) if self.sheet
                 else _WHERE_LINE.format(row=self.row)).get(lang)
        if self.file:
            where = f"{self.file}, {where}"
        if self.column:
            where += _COLUMN.format(column=self.column).get(lang)
        value = f" [{self.shown}]" if self.shown else ""
        return f"{where}{value}: {self.reason.get(lang)}"

    def to_dict(self, lang: Lang) -> dict[str, Any]:
        return {"file": self.file, "sheet": self.sheet, "row": self.row, "column": self.column,
                "value": self.shown, "reason": self.reason.get(lang)}


@attrs.frozen
class Rejected:
    """A row that is not in the output, unchanged, with its problems."""

    row: Row
    problems: tuple[Problem, ...]


# --- cells of one row ------------------------------------------------------------------------

_MASKED = frozenset({"niss"})
_LANG_NAMES: dict[str, Lang] = {"francais": "fr", "frans": "fr", "french": "fr",
                                "nederlands": "nl", "neerlandais": "nl", "dutch": "nl",
                                "deutsch": "de", "allemand": "de", "duits": "de",
                                "german": "de", "anglais": "en", "engels": "en", "english": "en"}


def _shown(field: str, value: CellValue) -> str:
    """The value as a problem may show it: a NISS field masked, and in every other field
    anything that may be a NISS typed in the wrong column masked too."""
    text = parse_text(value)
    if field in _MASKED or field.endswith("niss"):
        return mask_niss(text)
    text = mask_niss_in(text)
    return text if len(text) <= 60 else text[:57] + "..."


class _Cells:
    """Reads the fields of one row and collects its problems."""

    def __init__(self, row: Row, columns: ColumnMap, settings: Mapping[str, CellValue]) -> None:
        self.row = row
        self.columns = columns
        self.settings = settings
        self.problems: list[Problem] = []

    def raw(self, field: str) -> CellValue:
        index = self.columns.fields.get(field)
        if index is None or index >= len(self.row.cells):
            return None
        return self.row.cells[index]

    def problem(self, field: str | None, value: CellValue, reason: Text) -> None:
        column = None
        if field is not None and field in self.columns.fields:
            column = self.columns.names[self.columns.fields[field]]
        elif field is not None:
            column = field
        shown = None if field is None or is_blank(value) else _shown(field, value)
        self.problems.append(Problem(self.row.sheet, self.row.number, column, shown, reason))

    def get(self, field: str, parse: Callable[[CellValue], T], *, required: bool = False,
            fallback: bool = False) -> T | None:
        index = self.columns.fields.get(field)
        if index is None and not (fallback or required):
            return None  # no such column: the common case for optional fields
        cells = self.row.cells
        raw = cells[index] if index is not None and index < len(cells) else None
        if is_blank(raw) and fallback:
            raw = self.settings.get(field)
        if is_blank(raw):
            if required:
                self.problem(field, raw, _MISSING if self.row.sheet is None else _MISSING_CELL)
            return None
        try:
            return parse(raw)
        except CellError as exc:
            self.problem(field, raw, exc.reason)
            return None

    def need(self, field: str, parse: Callable[[CellValue], T], fallback: bool = False) -> T:
        """A required value; ``None`` (after recording the problem) is caught by ``build``."""
        return self.get(field, parse, required=True, fallback=fallback)  # type: ignore[return-value]


def _build(cells: _Cells, make: Callable[[], T]) -> T | None:
    """Run a constructor once the cells are read; its refusals become problems."""
    if cells.problems:
        return None
    try:
        return make()
    except CpasError as exc:
        reason = str(getattr(exc, "reason", exc))
        path = getattr(exc, "path", "$")
        cells.problem(None, None, Text(fr=f"valeur refusée : {reason} ({path})",
                                       nl=f"waarde geweigerd: {reason} ({path})",
                                       en=f"value refused: {reason} ({path})"))
        return None


def _shape(row: Row, width: int, csv_input: bool) -> Problem | None:
    """Rows cut short (truncated file) or with cells beyond the header."""
    cells = len(row.cells)
    if csv_input and cells < width:
        return Problem(row.sheet, row.number, None, None, Text(
            fr=f"la ligne a {cells} cellule(s) pour {width} colonnes (fichier tronqué ?)",
            nl=f"de regel heeft {cells} cel(len) voor {width} kolommen (afgekapt bestand?)",
            en=f"the row has {cells} cell(s) for {width} columns (truncated file?)"))
    if any(not is_blank(v) for v in row.cells[width:]):
        return Problem(row.sheet, row.number, None, None, Text(
            fr="valeurs au-delà de la dernière colonne de l'en-tête",
            nl="waarden voorbij de laatste kolom van de kopregel",
            en="values beyond the last column of the header"))
    return None


# --- value parsers ---------------------------------------------------------------------------


def _text(value: CellValue) -> str:
    return parse_text(value)


def _nis(value: CellValue) -> NisCode:
    try:
        return NisCode(parse_text(value))
    except InvalidNisCode:
        raise CellError(Text(fr="code INS : 5 chiffres, le premier de 1 à 9",
                             nl="NIS-code: 5 cijfers, het eerste van 1 tot 9",
                             en="NIS code: 5 digits, the first 1 to 9")) from None


def _hours(value: CellValue) -> Decimal:
    number = parse_decimal(value)
    if number < 0:
        raise CellError(Text(fr="nombre d'heures négatif", nl="negatief aantal uren",
                             en="negative number of hours"))
    return number


def _lang(value: CellValue) -> Lang:
    key = parse_text(value).lower()
    for lang in LANGS:
        if key == lang:
            return lang
    found = _LANG_NAMES.get(key.replace("ç", "c").replace("é", "e"))
    if found is None:
        raise CellError(Text(fr="langue : fr, nl, de ou en", nl="taal: fr, nl, de of en",
                             en="language: fr, nl, de or en"))
    return found


def _enum(kind: type[Any]) -> Callable[[CellValue], Any]:
    def parse(value: CellValue) -> Any:
        return parse_enum(kind, value)
    return parse


def _to_xml(cells: _Cells, document: object) -> bytes | None:
    """The document's XML, or ``None`` with the schema's refusal noted on ``cells``."""
    try:
        return to_xml(document)
    except CpasError as exc:
        cells.problem(None, None, Text(fr=f"XML refusé par le schéma : {exc}",
                                       nl=f"XML geweigerd door het schema: {exc}",
                                       en=f"XML refused by the schema: {exc}"))
        return None


def group_rows(rows: Iterable[Row], columns: ColumnMap, settings: Mapping[str, CellValue],
               check_row: Callable[[Row], Problem | None], key: str,
               ) -> tuple[dict[str, list[_Cells]], int]:
    """Rows by the document they belong to (the text of column ``key``; a row without
    one is a document of its own), each with its shape problem if any; and the number
    of rows read."""
    groups: dict[str, list[_Cells]] = {}
    read = 0
    for row in rows:
        read += 1
        cells = _Cells(row, columns, settings)
        shape = check_row(row)
        if shape is not None:
            cells.problems.append(shape)
        groups.setdefault(cells.get(key, _text) or f"row-{row.number}", []).append(cells)
    return groups, read


def settle_groups(
    groups: Mapping[str, Sequence[_Cells]], build: Callable[[Sequence[_Cells], str], Any],
    noun: Text,
) -> tuple[list[Any], list[bytes], list[Rejected]]:
    """Build one document per group of rows; a group that fails is rejected whole.

    ``build(rows, key)`` returns the document or ``None`` (its problems noted on the
    rows). Each row of a rejected group is reported with its own problems, or as
    rejected together with ``noun`` ``key`` ("la convention SO-1").
    """
    documents: list[Any] = []
    xml: list[bytes] = []
    rejected: list[Rejected] = []
    for key, group in groups.items():
        document = build(group, key)
        data = _to_xml(group[0], document) if document is not None else None
        if document is not None and data is not None:
            documents.append(document)
            xml.append(data)
            continue
        for cells in group:
            problems = tuple(cells.problems) or (Problem(
                cells.row.sheet, cells.row.number, None, None, Text(
                    fr=f"rejetée avec {noun.get('fr')} {key} (voir ses autres lignes)",
                    nl=f"geweigerd samen met {noun.get('nl')} {key} (zie de andere rijen)",
                    en=f"rejected with {noun.get('en')} {key} (see its other rows)")),)
            rejected.append(Rejected(cells.row, problems))
    return documents, xml, rejected
