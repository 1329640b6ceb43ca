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
import hashlib
import io
import itertools
import os
import zipfile
import zlib
from collections.abc import Callable, Iterator
from typing import IO, Any
from xml.etree import ElementTree

import attrs

from ...sdk.errors import CpasError
from ...sdk.text import Text
from .numbers import CellValue, is_blank, normalise, parse_text

__all__ = [
    "XLSX_MAX_ROWS",
    "LegacyFileError",
    "Row",
    "Source",
    "Table",
    "detect_delimiter",
    "detect_encoding",
    "open_table",
    "read_table",
]

Source = bytes | str | os.PathLike[str] | IO[bytes]
"""A file: its bytes, its path, or an open binary file (read from its current position)."""
Progress = Callable[[int, int | None], None]

XLSX_MAX_ROWS = 1_048_576
"""The last row of a sheet in Excel (and in the OOXML format it writes)."""
CHUNK = 1 << 18
PROGRESS_EVERY = 2048
"""Rows between two calls of a progress callback."""

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
    digest: str | None = None
    """SHA-256 of the file's bytes (hex), when it was read from bytes or a file."""
    release: Callable[[], None] | None = attrs.field(default=None, repr=False)
    """Closes what :func:`open_table` opened, when ``rows`` is not read to its end."""


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


def _no_header() -> LegacyFileError:
    return LegacyFileError(Text(fr="aucune ligne d'en-tête : le fichier ou la feuille est vide",
                                nl="geen kopregel: het bestand of het blad is leeg",
                                en="no header row: the file or sheet is empty"))


def _bad_csv(line: int, exc: csv.Error) -> LegacyFileError:
    return LegacyFileError(Text(fr=f"CSV illisible à la ligne {line} : {exc}",
                                nl=f"onleesbare CSV op regel {line}: {exc}",
                                en=f"unreadable CSV at line {line}: {exc}"))


def _read_csv(data: bytes, encoding: str | None, delimiter: str | None) -> Table:
    return _stream_csv(io.BytesIO(data), encoding, delimiter, None, close=False)


def _decode_error(encoding: str, line: int, offset: int) -> LegacyFileError:
    return LegacyFileError(Text(
        fr=f"le fichier n'est pas en {encoding} (ligne {line}, octet {offset}) ; "
           "essayez --encoding cp1252 ou utf-8",
        nl=f"het bestand is niet in {encoding} (regel {line}, byte {offset}); "
           "probeer --encoding cp1252 of utf-8",
        en=f"the file is not in {encoding} (line {line}, byte {offset}); "
           "try --encoding cp1252 or utf-8"))


_CP1252_HOLES = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")
"""The bytes Windows-1252 leaves undefined."""


def _scan(handle: IO[bytes], encoding: str | None) -> tuple[str, str]:
    """One pass over the bytes, in chunks: the encoding (the one given, checked, or the
    first of UTF-8, cp1252, ISO-8859-1 that decodes them all) and their SHA-256."""
    start = handle.tell()
    digest = hashlib.sha256()
    head = handle.read(3)
    handle.seek(start)
    bom = head.startswith(codecs.BOM_UTF8)
    if encoding is not None:
        if encoding.replace("_", "-").lower() in ("utf-8", "utf8") and bom:
            encoding = "utf-8-sig"
        try:
            checked = codecs.getincrementaldecoder(encoding)()
        except LookupError:
            raise LegacyFileError(Text(fr=f"encodage inconnu : {encoding}",
                                       nl=f"onbekende codering: {encoding}",
                                       en=f"unknown encoding: {encoding}")) from None
        candidates = [encoding]
    else:
        checked = codecs.getincrementaldecoder("utf-8")()
        candidates = ["utf-8-sig" if bom else "utf-8", "cp1252", "iso-8859-1"]
    offset, lines = 0, 0
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
        if candidates[0] in (encoding, "utf-8", "utf-8-sig"):
            try:
                checked.decode(chunk)
            except UnicodeDecodeError as exc:
                if encoding is not None:
                    line = lines + chunk.count(b"\n", 0, max(exc.start, 0)) + 1
                    raise _decode_error(encoding, line, offset + max(exc.start, 0)) from None
                candidates.pop(0)
        if encoding is None and "cp1252" in candidates and any(
                hole in chunk for hole in _CP1252_HOLES):
            candidates.remove("cp1252")
        offset += len(chunk)
        lines += chunk.count(b"\n")
    if candidates[0] in (encoding, "utf-8", "utf-8-sig"):
        try:
            checked.decode(b"", final=True)
        except UnicodeDecodeError:  # cut inside a character: a truncated file
            raise _decode_error(candidates[0], lines + 1, offset) from None
    handle.seek(start)
    return candidates[0], digest.hexdigest()


def _stream_csv(handle: IO[bytes], encoding: str | None, delimiter: str | None,
                progress: Progress | None, *, close: bool, size: int | None = None) -> Table:
    """Rows of a CSV read from ``handle`` as they come: the file is never held whole."""
    try:
        encoding, digest = _scan(handle, encoding)
        start = handle.tell()
        text = io.TextIOWrapper(handle, encoding=encoding, newline="")
        head: list[str] = []
        for line in text:
            head.append(line)
            if line.strip():
                break
        else:
            raise _no_header()
    except BaseException:
        if close:
            handle.close()
        raise
    delimiter = delimiter or detect_delimiter(head[-1])
    reader = csv.reader(itertools.chain(head, text), delimiter=delimiter)
    blank: list[int] = []
    header: tuple[str, ...] | None = None
    first = 1
    try:
        for record in reader:
            if any(cell.strip() for cell in record):
                header = tuple(cell.strip() for cell in record)
                first = reader.line_num + 1
                break
    except csv.Error as exc:
        raise _bad_csv(reader.line_num, exc) from None
    if header is None:  # pragma: no cover - a non-blank line gives a non-blank record
        raise _no_header()

    def rows() -> Iterator[Row]:
        number = first
        try:
            for count, record in enumerate(reader, start=1):
                if any(cell.strip() for cell in record):
                    yield Row(None, number, tuple(record))
                else:
                    blank.append(number)
                number = reader.line_num + 1
                if progress is not None and count % PROGRESS_EVERY == 0:
                    progress(handle.tell() - start, size)
            if progress is not None:
                progress(size or handle.tell() - start, size)
        except csv.Error as exc:
            raise _bad_csv(reader.line_num, exc) from None
        except UnicodeDecodeError as exc:  # the file changed since it was checked
            raise _decode_error(encoding or "?", reader.line_num, exc.start) from None
        finally:
            text.detach()
            if close:
                handle.close()

    return Table(header, rows(), None, encoding, delimiter, blank_rows=blank, digest=digest,
                 release=handle.close if close else None)


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
           ElementTree.ParseError, NotImplementedError)
"""What openpyxl raises on a damaged workbook (defusedxml's refusals are ValueErrors;
zipfile raises NotImplementedError for a version or compression it does not know)."""


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
    _guard(io.BytesIO(data))


def _guard(handle: IO[bytes]) -> None:
    start = handle.tell()
    try:
        with zipfile.ZipFile(handle) as archive:
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
    handle.seek(start)


def _digest(handle: IO[bytes]) -> str:
    start = handle.tell()
    digest = hashlib.sha256()
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
    handle.seek(start)
    return digest.hexdigest()


def _read_xlsx(data: bytes, sheet_name: str | None) -> Table:
    return _stream_xlsx(io.BytesIO(data), sheet_name, None, close=False)


def _stream_xlsx(handle: IO[bytes], sheet_name: str | None, progress: Progress | None, *,
                 close: bool) -> Table:
    import openpyxl

    try:
        _guard(handle)
        digest = _digest(handle)
        try:
            book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        except _BROKEN as exc:
            raise _damaged(exc) from None
    except BaseException:
        if close:
            handle.close()
        raise

    def done() -> None:
        book.close()
        if close:
            handle.close()

    try:
        table = _xlsx_table(book, sheet_name, progress, done)
    except LegacyFileError:
        done()
        raise
    except _BROKEN as exc:
        done()
        raise _damaged(exc) from None
    table.digest = digest
    table.release = done
    return table


def _too_many_rows(title: str, number: int) -> LegacyFileError:
    return LegacyFileError(Text(
        fr=f"la feuille {title} va jusqu'à la ligne {number}, au-delà des {XLSX_MAX_ROWS} "
           "lignes qu'Excel permet : classeur endommagé ou non écrit par un tableur",
        nl=f"blad {title} loopt tot rij {number}, voorbij de {XLSX_MAX_ROWS} rijen die Excel "
           "toelaat: beschadigde werkmap of niet door een rekenblad geschreven",
        en=f"sheet {title} goes down to row {number}, beyond the {XLSX_MAX_ROWS} rows Excel "
           "allows: a damaged workbook, or one no spreadsheet wrote"))


def _all_blank(record: tuple[CellValue, ...]) -> bool:
    return record.count(None) == len(record) or all(is_blank(v) for v in record)


def _xlsx_table(book: Any, sheet_name: str | None, progress: Progress | None,
                done: Callable[[], None]) -> Table:
    settings: dict[str, CellValue] = {}
    chosen: Any = None
    for name in book.sheetnames:
        if normalise(name) in HEADER_SHEETS and sheet_name is None:
            settings.update(_settings(book[name]))
        elif chosen is None and (sheet_name is None or name == sheet_name):
            chosen = book[name]
    if chosen is None:
        raise LegacyFileError(Text(fr=f"feuille introuvable : {sheet_name}",
                                   nl=f"blad niet gevonden: {sheet_name}",
                                   en=f"sheet not found: {sheet_name}"))
    title = str(chosen.title)
    total: int | None = chosen.max_row if isinstance(chosen.max_row, int) else None
    values = enumerate(chosen.iter_rows(values_only=True), start=1)
    header: tuple[str, ...] | None = None
    for number, record in values:
        if number > XLSX_MAX_ROWS:
            raise _too_many_rows(title, number)
        if not _all_blank(record):
            header = tuple(parse_text(v) for v in record)
            break
    if header is None:
        raise _no_header()
    blank: list[int] = []

    def rows() -> Iterator[Row]:
        try:
            for number, record in values:
                if number > XLSX_MAX_ROWS:
                    raise _too_many_rows(title, number)
                if _all_blank(record):
                    blank.append(number)
                else:
                    yield Row(title, number, tuple(record))
                if progress is not None and number % PROGRESS_EVERY == 0:
                    progress(number, total)
            if progress is not None:
                progress(total or 0, total)
        except LegacyFileError:
            raise
        except _BROKEN as exc:
            raise _damaged(exc) from None
        finally:
            done()

    return Table(header, rows(), title, None, ";", settings, blank)


def read_table(data: bytes, *, encoding: str | None = None, delimiter: str | None = None,
               sheet: str | None = None) -> Table:
    """The header and rows of a CSV or XLSX file given as bytes."""
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data, sheet)
    return _read_csv(data, encoding, delimiter)


def open_table(source: Source, *, encoding: str | None = None, delimiter: str | None = None,
               sheet: str | None = None, progress: Progress | None = None) -> Table:
    """Like :func:`read_table`, but streamed from a path or an open binary file.

    A CSV is read twice in chunks (once to find or check the encoding, once to parse
    it) and never held whole, so memory stays flat whatever its size; an XLSX goes
    through openpyxl's read-only mode. The file opened from a path is closed when
    ``rows`` is exhausted or fails. ``progress`` is called now and then with
    (bytes read, file size) for a CSV, (row number, last row) for an XLSX.
    """
    size: int | None = None
    if isinstance(source, bytes):
        handle: IO[bytes] = io.BytesIO(source)
        size, close = len(source), False
    elif isinstance(source, str | os.PathLike):
        try:
            handle = open(source, "rb")  # noqa: SIM115 - closed by the rows generator
        except OSError:
            raise
        size, close = os.fstat(handle.fileno()).st_size, True
    else:
        handle, close = source, False
        if handle.seekable():
            here = handle.tell()
            size = handle.seek(0, io.SEEK_END) - here
            handle.seek(here)
        else:  # a pipe: keep its bytes to read them twice
            handle = io.BytesIO(handle.read())
            size = len(handle.getvalue())
    start = handle.tell()
    magic = handle.read(4)
    handle.seek(start)
    if magic == b"PK\x03\x04":
        return _stream_xlsx(handle, sheet, progress, close=close)
    return _stream_csv(handle, encoding, delimiter, progress, close=close, size=size)
