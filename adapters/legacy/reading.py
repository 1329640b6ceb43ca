"""Reading legacy tables: CSV in any usual Belgian encoding and delimiter, XLSX streamed.

:func:`read_table` looks at the bytes, not the file name: a ZIP archive is read as
XLSX (openpyxl, read-only streaming, cached formula values), anything else as CSV.

CSV: the encoding is UTF-8 (with or without BOM) when the bytes decode as UTF-8,
else Windows-1252, else ISO-8859-1, unless given; the delimiter is the one of
``;``, tab and ``,`` found most often in the header line, unless given.

XLSX: the data sheet is the one named by ``sheet`` or else the first sheet that is
not a header sheet (named ``header``, ``en-tête``, ``entete`` or ``hoofding``,
case and accents ignored): a header sheet holds key–value pairs in its first two
columns. In read-only mode merged cells are empty except their top-left cell.

The first non-blank row of the data is the header. Every later row keeps its sheet
name and its row (XLSX) or line (CSV) number, as a person sees them in Excel or in
an editor; blank rows are counted but not returned.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
import zlib
from collections.abc import Iterator
from typing import Any
from xml.etree import ElementTree

import attrs

from ...sdk.errors import CpasError
from ...sdk.text import Text
from .numbers import CellValue, is_blank, normalise, parse_text

__all__ = ["LegacyFileError", "Row", "Table", "detect_delimiter", "detect_encoding", "read_table"]

HEADER_SHEETS = frozenset({"header", "en tete", "entete", "hoofding"})


class LegacyFileError(CpasError, ValueError):
    """The file as a whole cannot be converted (unreadable, no header, bad columns…)."""

    def __init__(self, reason: Text) -> None:
        super().__init__(reason.get("en"))
        self.reason = reason


@attrs.frozen
class Row:
    """One data row as read: where it is and its cells, unchanged."""

    sheet: str | None
    """The XLSX sheet name; ``None`` for CSV."""
    number: int
    """Row number in the sheet (XLSX) or line number in the file (CSV), from 1."""
    cells: tuple[CellValue, ...]

    @property
    def place(self) -> str:
        """``Feuil1!12`` or ``12``, for messages."""
        return f"{self.sheet}!{self.number}" if self.sheet else str(self.number)


@attrs.define
class Table:
    """A header and a stream of rows (consume ``rows`` once)."""

    header: tuple[str, ...]
    rows: Iterator[Row]
    sheet: str | None = None
    encoding: str | None = None
    delimiter: str = ";"
    settings: dict[str, CellValue] = attrs.field(factory=dict)
    """Key–value pairs of an XLSX header sheet, keys as written."""
    blank_rows: list[int] = attrs.field(factory=list)
    """Numbers of the blank rows met so far (filled while ``rows`` is consumed)."""


def detect_encoding(data: bytes) -> str:
    """``utf-8-sig`` (BOM), ``utf-8``, ``cp1252`` or ``iso-8859-1``, first that decodes.

    A file cut inside a UTF-8 character still counts as UTF-8 (the cut is reported
    when decoding).
    """
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        data.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "iso-8859-1"


def detect_delimiter(line: str) -> str:
    """The delimiter seen most often in ``line`` (ties: ``;``, then tab, then ``,``)."""
    counts = {d: line.count(d) for d in (";", "\t", ",")}
    best = max(counts.values())
    return next(d for d, n in counts.items() if n == best) if best else ";"


def _decode(data: bytes, encoding: str) -> str:
    if encoding.replace("_", "-").lower() in ("utf-8", "utf8") and data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    try:
        return data.decode(encoding)
    except LookupError:
        raise LegacyFileError(Text(fr=f"encodage inconnu : {encoding}",
                                   nl=f"onbekende codering: {encoding}",
                                   en=f"unknown encoding: {encoding}")) from None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise LegacyFileError(Text(
            fr=f"le fichier n'est pas en {encoding} (ligne {line}, octet {exc.start}) ; "
               "essayez --encoding cp1252 ou utf-8",
            nl=f"het bestand is niet in {encoding} (regel {line}, byte {exc.start}); "
               "probeer --encoding cp1252 of utf-8",
            en=f"the file is not in {encoding} (line {line}, byte {exc.start}); "
               "try --encoding cp1252 or utf-8")) from None


def _no_header() -> LegacyFileError:
    return LegacyFileError(Text(fr="aucune ligne d'en-tête : le fichier ou la feuille est vide",
                                nl="geen kopregel: het bestand of het blad is leeg",
                                en="no header row: the file or sheet is empty"))


def _bad_csv(line: int, exc: csv.Error) -> LegacyFileError:
    return LegacyFileError(Text(fr=f"CSV illisible à la ligne {line} : {exc}",
                                nl=f"onleesbare CSV op regel {line}: {exc}",
                                en=f"unreadable CSV at line {line}: {exc}"))


def _read_csv(data: bytes, encoding: str | None, delimiter: str | None) -> Table:
    encoding = encoding or detect_encoding(data)
    text = _decode(data, encoding)
    first = next((line for line in text.splitlines() if line.strip()), None)
    if first is None:
        raise _no_header()
    delimiter = delimiter or detect_delimiter(first)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    blank: list[int] = []
    header: tuple[str, ...] | None = None
    start = 1
    try:
        for record in reader:
            if any(cell.strip() for cell in record):
                header = tuple(cell.strip() for cell in record)
                start = reader.line_num + 1
                break
    except csv.Error as exc:
        raise _bad_csv(reader.line_num, exc) from None
    if header is None:  # pragma: no cover - a non-blank line gives a non-blank record
        raise _no_header()

    def rows() -> Iterator[Row]:
        number = start
        try:
            for record in reader:
                if any(cell.strip() for cell in record):
                    yield Row(None, number, tuple(record))
                else:
                    blank.append(number)
                number = reader.line_num + 1
        except csv.Error as exc:
            raise _bad_csv(reader.line_num, exc) from None

    return Table(header, rows(), None, encoding, delimiter, blank_rows=blank)


def _settings(sheet: Any) -> dict[str, CellValue]:
    out: dict[str, CellValue] = {}
    for values in sheet.iter_rows(values_only=True):
        if len(values) >= 2 and not is_blank(values[0]):
            out[parse_text(values[0])] = values[1]
    return out


XLSX_MAX_ENTRIES = 10_000
XLSX_MAX_ENTRY_BYTES = 512 * 1024 * 1024
XLSX_MAX_TOTAL_BYTES = 1024 * 1024 * 1024
XLSX_MAX_RATIO = 200
"""Limits on a workbook's zip entries: a spreadsheet never needs more, a zip bomb does."""

_BROKEN = (zipfile.BadZipFile, zlib.error, EOFError, KeyError, OSError, ValueError,
           ElementTree.ParseError)
"""What openpyxl raises on a damaged workbook (defusedxml's refusals are ValueErrors)."""


def _damaged(exc: BaseException) -> LegacyFileError:
    return LegacyFileError(Text(
        fr=f"classeur XLSX illisible (tronqué ou endommagé ?) : {type(exc).__name__}",
        nl=f"onleesbare XLSX-werkmap (afgekapt of beschadigd?): {type(exc).__name__}",
        en=f"unreadable XLSX workbook (truncated or damaged?): {type(exc).__name__}"))


def _unsafe(reason: str) -> LegacyFileError:
    return LegacyFileError(Text(fr=f"classeur XLSX refusé : {reason}",
                                nl=f"XLSX-werkmap geweigerd: {reason}",
                                en=f"XLSX workbook refused: {reason}"))


def guard_xlsx(data: bytes) -> None:
    """Refuse a workbook before openpyxl reads it: zip bombs (entry count, sizes and
    compression ratio), encrypted entries, and any XML part with a DOCTYPE (the project
    parses no DTD anywhere; openpyxl itself then parses through defusedxml)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            if len(entries) > XLSX_MAX_ENTRIES:
                raise _unsafe(f"{len(entries)} zip entries")
            total = 0
            for info in entries:
                total += info.file_size
                if info.flag_bits & 0x1:
                    raise _unsafe(f"encrypted entry {info.filename}")
                if info.file_size > XLSX_MAX_ENTRY_BYTES or total > XLSX_MAX_TOTAL_BYTES:
                    raise _unsafe(f"entry {info.filename} too large once uncompressed")
                if info.file_size > XLSX_MAX_RATIO * max(info.compress_size, 1) + 4096:
                    raise _unsafe(f"entry {info.filename} compressed too much (zip bomb?)")
                if info.filename.endswith((".xml", ".rels")):
                    with archive.open(info) as part:
                        head = part.read(4096).replace(b"\x00", b"").lower()
                    if b"<!doctype" in head or b"<!entity" in head:
                        raise _unsafe(f"DOCTYPE in {info.filename}")
    except LegacyFileError:
        raise
    except _BROKEN as exc:
        raise _damaged(exc) from None


def _read_xlsx(data: bytes, sheet_name: str | None) -> Table:
    import openpyxl

    guard_xlsx(data)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except _BROKEN as exc:
        raise _damaged(exc) from None
    try:
        return _xlsx_table(book, sheet_name)
    except LegacyFileError:
        raise
    except _BROKEN as exc:
        book.close()
        raise _damaged(exc) from None


def _xlsx_table(book: Any, sheet_name: str | None) -> Table:
    settings: dict[str, CellValue] = {}
    chosen: Any = None
    for name in book.sheetnames:
        if normalise(name) in HEADER_SHEETS and sheet_name is None:
            settings.update(_settings(book[name]))
        elif chosen is None and (sheet_name is None or name == sheet_name):
            chosen = book[name]
    if chosen is None:
        book.close()
        raise LegacyFileError(Text(fr=f"feuille introuvable : {sheet_name}",
                                   nl=f"blad niet gevonden: {sheet_name}",
                                   en=f"sheet not found: {sheet_name}"))
    title = str(chosen.title)
    values = enumerate(chosen.iter_rows(values_only=True), start=1)
    header: tuple[str, ...] | None = None
    for _, record in values:
        if not all(is_blank(v) for v in record):
            header = tuple(parse_text(v) for v in record)
            break
    if header is None:
        book.close()
        raise _no_header()
    blank: list[int] = []

    def rows() -> Iterator[Row]:
        try:
            for number, record in values:
                if all(is_blank(v) for v in record):
                    blank.append(number)
                else:
                    yield Row(title, number, tuple(record))
        except LegacyFileError:
            raise
        except _BROKEN as exc:
            raise _damaged(exc) from None
        finally:
            book.close()

    return Table(header, rows(), title, None, ";", settings, blank)


def read_table(data: bytes, *, encoding: str | None = None, delimiter: str | None = None,
               sheet: str | None = None) -> Table:
    """The header and rows of a CSV or XLSX file given as bytes."""
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data, sheet)
    return _read_csv(data, encoding, delimiter)
