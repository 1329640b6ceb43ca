"""Reading big inputs: CSV streamed in chunks, the sheet's row limit, progress reports."""

from __future__ import annotations

import datetime as dt
import io
import os
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from cpas.adapters.legacy import reading
from cpas.adapters.legacy.convert import convert
from cpas.adapters.legacy.reading import XLSX_MAX_ROWS, LegacyFileError, open_table
from cpas.cli.convert_cmd import _show_progress
from strategies import niss_digits

NISS = niss_digits(dt.date(1990, 1, 2), 145)
FORM = {"form_type": "dis_b", "cpas_name": "CPAS de Testville", "cpas_kbo": "0412345614",
        "cpas_nis_code": "21004", "effective_date": "01/01/2025",
        "submission_date": "15/02/2025"}
HEADER = "id;NISS;Base légale;Mois;Montant\n"


def _csv(rows: int) -> bytes:
    lines = [f"L{i};{NISS};integration_income;01/2025;{i % 900 + 100},50\n" for i in range(rows)]
    return (HEADER + "".join(lines)).encode("utf-8")


# --- XLSX written by hand, so that a row can sit at any number without a million rows ---

_TYPES = (b'<?xml version="1.0" encoding="UTF-8"?>'
          b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          b'<Default Extension="rels" '
          b'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          b'<Default Extension="xml" ContentType="application/xml"/>'
          b'<Override PartName="/xl/workbook.xml" ContentType="application/'
          b'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
          b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
          b'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
_ROOT_RELS = (b'<?xml version="1.0" encoding="UTF-8"?>'
              b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
              b'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
              b'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
              b'</Relationships>')
_BOOK = (b'<?xml version="1.0" encoding="UTF-8"?>'
         b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
         b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
         b'<sheets><sheet name="Lignes" sheetId="1" r:id="rId1"/></sheets></workbook>')
_BOOK_RELS = (b'<?xml version="1.0" encoding="UTF-8"?>'
              b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
              b'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
              b'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
              b'</Relationships>')


def _row(number: int, values: list[str]) -> str:
    cells = "".join(f'<c r="{chr(65 + i)}{number}" t="inlineStr"><is><t>{v}</t></is></c>'
                    for i, v in enumerate(values))
    return f'<row r="{number}">{cells}</row>'


def _workbook(last_row: int) -> bytes:
    """A workbook whose sheet has a header, a line on row 2 and a line on ``last_row``."""
    rows = [_row(1, ["id", "NISS", "Base légale", "Mois", "Montant"]),
            _row(2, ["L1", NISS, "integration_income", "01/2025", "10,00"]),
            _row(last_row, ["L2", NISS, "integration_income", "02/2025", "20,00"])]
    sheet = ('<?xml version="1.0" encoding="UTF-8"?>'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             f'<dimension ref="A1:E{last_row}"/><sheetData>{"".join(rows)}</sheetData>'
             '</worksheet>').encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in (("[Content_Types].xml", _TYPES), ("_rels/.rels", _ROOT_RELS),
                           ("xl/workbook.xml", _BOOK), ("xl/_rels/workbook.xml.rels", _BOOK_RELS),
                           ("xl/worksheets/sheet1.xml", sheet)):
            archive.writestr(name, data)
    return out.getvalue()


def test_a_sheet_reaching_the_last_excel_row_is_read() -> None:
    """Excel's sheets end at row 1 048 576: a line there is read like any other, with
    its row number (the rows between are blank)."""
    result = convert(_workbook(XLSX_MAX_ROWS), "reimbursement", settings=FORM)
    assert (result.rows_read, result.rows_accepted) == (2, 2)
    (form,) = result.documents
    assert [line.id for line in form.lines] == ["L1", "L2"]
    assert result.blank_rows == 1_048_576 - 3


def test_a_row_beyond_the_limit_is_a_clear_error() -> None:
    with pytest.raises(LegacyFileError) as info:
        convert(_workbook(XLSX_MAX_ROWS + 1), "reimbursement", settings=FORM)
    assert "1048577" in str(info.value) and "1048576" in str(info.value)


# --- CSV streaming ----------------------------------------------------------------------


def _peak(path: Path) -> tuple[int, int]:
    """Rows read from ``path`` and the peak of Python allocations meanwhile."""
    tracemalloc.start()
    try:
        count = sum(1 for _ in open_table(path).rows)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return count, peak


def test_csv_from_a_path_is_streamed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading the rows of a CSV from its path holds a bounded amount of memory: with
    64 KiB chunks, the peak stays under 1 MB for a 3 MB file and does not grow with
    the number of rows (10 times more rows, same peak within 100 kB)."""
    monkeypatch.setattr(reading, "CHUNK", 1 << 16)
    small, big = tmp_path / "small.csv", tmp_path / "big.csv"
    small.write_bytes(_csv(6_000))
    big.write_bytes(_csv(60_000))
    assert big.stat().st_size > 2_500_000
    (small_count, small_peak), (big_count, big_peak) = _peak(small), _peak(big)
    assert (small_count, big_count) == (6_000, 60_000)
    assert big_peak < 1_000_000
    assert big_peak - small_peak < 100_000


def test_encoding_detected_over_the_whole_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """The encoding is decided on every byte, not on the first chunk: a cp1252 'é' far
    down the file makes it cp1252, and a UTF-8 character cut by a chunk boundary does
    not make a UTF-8 file cp1252."""
    monkeypatch.setattr(reading, "CHUNK", 7)
    late = (HEADER + f"L1;{NISS};ris;01/2025;10\nL2;{NISS};Intégration;01/2025;10\n")
    table = open_table(late.encode("cp1252"))
    assert table.encoding == "cp1252"
    assert [row.cells[2] for row in table.rows] == ["ris", "Intégration"]
    table = open_table(("é" * 20 + ";x\n1;2\n").encode("utf-8"))
    assert table.encoding == "utf-8"
    assert table.header == ("é" * 20, "x")


def test_a_wrong_encoding_names_line_and_byte(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reading, "CHUNK", 5)
    data = ("a;b\n1;2\n3;\xe9\n").encode("cp1252")
    with pytest.raises(LegacyFileError, match=r"not in utf-8 \(line 3, byte 10\)"):
        open_table(data, encoding="utf-8")


def test_open_file_and_stdin_like_pipes(tmp_path: Path) -> None:
    """An open binary file is read from its position; the digest (hence the form id) is
    the same whatever way the bytes come."""
    data = _csv(3)
    path = tmp_path / "in.csv"
    path.write_bytes(data)
    with path.open("rb") as handle:
        by_file = convert(handle, "reimbursement", settings=FORM)
    by_bytes = convert(data, "reimbursement", settings=FORM)
    by_path = convert(path, "reimbursement", settings=FORM)
    assert by_bytes.rows_accepted == 3
    assert by_file.xml == by_bytes.xml == by_path.xml


def test_progress_is_reported_up_to_the_file_size(tmp_path: Path) -> None:
    """The progress callback sees the bytes read grow to the file's size."""
    path = tmp_path / "in.csv"
    path.write_bytes(_csv(5000))
    seen: list[tuple[int, int | None]] = []
    convert(path, "reimbursement", settings=FORM,
            progress=lambda done, total: seen.append((done, total)))
    size = os.path.getsize(path)
    assert len(seen) >= 2
    assert all(total == size for _, total in seen)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert seen[-1][0] == size


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_only_for_people(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bar on a terminal with text output; none in a pipe, for JSON, or under CI."""
    monkeypatch.delenv("CI", raising=False)
    assert _show_progress("text", _Terminal())
    assert not _show_progress("text", io.StringIO())
    assert not _show_progress("json", _Terminal())
    monkeypatch.setenv("CI", "true")
    assert not _show_progress("text", _Terminal())


def test_a_file_cut_inside_a_character_is_a_clear_error() -> None:
    """UTF-8 bytes cut in the middle of 'é' (a truncated upload) name the last line."""
    data = "a;b\n1;é\n2;é".encode()[:-1]
    with pytest.raises(LegacyFileError, match=r"not in utf-8 \(line 3"):
        sum(1 for _ in open_table(data).rows)
