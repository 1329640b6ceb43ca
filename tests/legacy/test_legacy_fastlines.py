"""The fast path of reading reimbursement rows (``adapters/legacy/fastlines.py``)
against the general path (``rows._Cells`` field by field).

The fast path is only a shortcut: wherever it returns a line, the general path
returns the same line (compared by the exact XML text of the line) and notes no
problem; wherever it gives way, the general path decides. Compared on every row
of the legacy corpus, on whole conversions of the corpus with the fast path
switched off, and on generated cells (amounts, NISS, months, bases, dates, codes
in usual, unusual and broken forms).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cpas.adapters.legacy import convert as convert_module
from cpas.adapters.legacy.columns import ColumnMap, Profile, match_columns
from cpas.adapters.legacy.convert import Conversion, _line, convert
from cpas.adapters.legacy.fastlines import LineReader, _GiveWay, fast_amount, fast_niss
from cpas.adapters.legacy.numbers import CellError, CellValue, parse_amount, parse_niss
from cpas.adapters.legacy.reading import LegacyFileError, Row, read_table
from cpas.adapters.legacy.rows import _Cells
from cpas.adapters.xml.fastwrite import PieceWriter
from cpas.sdk.documents.reimbursement import ReimbursementForm, ReimbursementLine
from cpas.sdk.money import Money
from strategies import niss_digits, nisses

DATA = Path(__file__).parent.parent / "data" / "legacy"
MANIFEST: dict[str, dict[str, Any]] = tomllib.loads(
    (DATA / "expected.toml").read_text("utf-8"))["files"]
REIMBURSEMENT = sorted(name for name, spec in MANIFEST.items()
                       if spec["args"][:2] == ["--kind", "reimbursement"])
_ITEM = PieceWriter(ReimbursementForm, tag="reimbursementForm",
                    namespace="urn:be:cpas-sdk:reimbursement:1", field="lines")


def _text(line: ReimbursementLine) -> str:
    """The line's exact XML text (every value's type and form shows in it)."""
    return _ITEM.item(line, 0)


def _options(spec: dict[str, Any]) -> dict[str, Any]:
    """``convert`` keywords from the manifest's command-line arguments."""
    args = list(spec["args"][2:])
    options: dict[str, Any] = {"settings": {}}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        if flag == "--set":
            key, _, setting = value.partition("=")
            options["settings"][key] = setting
        elif flag == "--profile":
            options["profile"] = Profile.load(DATA / value)
        else:
            options[flag.removeprefix("--")] = value
    return options


def _general(row: Row, columns: ColumnMap) -> tuple[ReimbursementLine | None, int]:
    cells = _Cells(row, columns, {})
    line = _line(cells)
    return line, len(cells.problems)


def _agree(row: Row, columns: ColumnMap, reader: LineReader) -> ReimbursementLine | None:
    """The fast line, after checking that the general path gives the same."""
    fast = reader(row.number, row.cells)
    general, problems = _general(row, columns)
    if fast is not None:
        assert general is not None and problems == 0
        assert _text(fast) == _text(general)
        assert fast == general
    return fast


def test_the_corpus_has_reimbursement_files() -> None:
    assert len(REIMBURSEMENT) >= 10


@pytest.mark.parametrize("name", REIMBURSEMENT)
def test_every_row_of_the_corpus(name: str) -> None:
    """Row by row: the fast line is the general line; usual rows take the fast path."""
    spec = _options(MANIFEST[name])
    try:
        table = read_table((DATA / name).read_bytes(), encoding=spec.get("encoding"))
        columns = match_columns(table.header, "reimbursement", spec.get("profile"))
    except LegacyFileError:
        return  # a file error: no row is read by either path
    reader = LineReader(columns)
    for row in table.rows:
        _agree(row, columns, reader)


@pytest.mark.parametrize("name", REIMBURSEMENT)
def test_whole_conversions_with_and_without_the_fast_path(
        name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Same documents, XML, counts and diagnostics (every language) with the fast path
    switched off; and the streamed form holds the same bytes as the one built whole."""
    spec = _options(MANIFEST[name])

    def outcome(stream: bool = False) -> Conversion | str:
        try:
            return convert(DATA / name, "reimbursement", stream=stream, **spec)
        except LegacyFileError as exc:
            return "|".join(exc.reason.get(lang) for lang in ("fr", "nl", "en"))

    fast = outcome()
    streamed = outcome(stream=True)
    monkeypatch.setattr(LineReader, "__call__", lambda self, number, cells: None)
    general = outcome()
    if isinstance(general, str):
        assert fast == general == streamed
        return
    assert isinstance(fast, Conversion) and isinstance(streamed, Conversion)
    assert fast == general
    for lang in ("fr", "nl", "en"):
        assert [p.render(lang) for r in fast.rejected for p in r.problems] == \
               [p.render(lang) for r in general.rejected for p in r.problems]
    assert streamed.output is not None and streamed.output.path is not None
    try:
        assert streamed.output.path.read_bytes() == general.xml[0]
    finally:
        streamed.output.discard()
    assert (streamed.rows_read, streamed.rows_accepted, streamed.rejected) == \
           (general.rows_read, general.rows_accepted, general.rejected)


def test_the_fast_path_is_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a usual file no row goes the general way."""
    calls: list[int] = []
    monkeypatch.setattr(convert_module, "_line", lambda cells: calls.append(1))
    niss = niss_digits(dt.date(1985, 7, 30), 33)
    data = ("id;NISS;Base légale;Mois;Montant\n"
            f"A;{niss[:2]}.{niss[2:4]}.{niss[4:6]}-{niss[6:9]}.{niss[9:]};"
            "Revenu d'intégration;03/2025;1.234,56\n"
            f"B;{niss};integration_income;2025-03;12.50\n").encode()
    result = convert(data, "reimbursement", settings={
        "form_type": "dis_b", "cpas_name": "CPAS", "cpas_kbo": "0412345614",
        "cpas_nis_code": "21004", "effective_date": "01/03/2025",
        "submission_date": "10/04/2025"})
    assert result.ok and result.rows_accepted == 2 and calls == []
    assert [str(line.amount.amount) for line in result.documents[0].lines] == \
           ["1234.56", "12.50"]


# --- generated cells ---------------------------------------------------------------------

_DIGITS = st.text("0123456789", min_size=1, max_size=19)


@st.composite
def _amount_texts(draw: st.DrawFn) -> str:
    """Amounts in every usual form, near misses and junk."""
    whole = draw(st.integers(0, 10**18))
    cents = draw(st.integers(0, 99))
    grouped = f"{whole:,}".replace(",", ".")
    return draw(st.sampled_from([
        f"{grouped},{cents:02d}", f"{whole},{cents:02d}", f"{whole}.{cents:02d}",
        f"{whole},{cents}", f"{grouped}", f"{whole}", f"-{whole},{cents:02d}",
        f"€ {grouped},{cents:02d}", f" {whole},{cents:02d} ", f"{whole}.{cents:02d}0",
        f"{grouped}.{cents:02d}", f"0{grouped},{cents:02d}", f"{whole},{cents:02d},00",
        f"{whole:,}.{cents:02d}", "١٢٣,٤٥", "",
    ])) if draw(st.booleans()) else draw(st.one_of(_DIGITS, st.text(max_size=12)))


def _same_outcome(fast: Any, general: Any, value: CellValue) -> None:
    try:
        expected = general(value)
    except CellError:
        with pytest.raises(_GiveWay):
            fast(value)
        return
    assert repr(fast(value)) == repr(expected)
    assert fast(value) == expected


@settings(max_examples=300, deadline=None)
@given(_amount_texts())
def test_amounts_as_the_general_parser(text: str) -> None:
    """``fast_amount`` is ``Money(parse_amount(text))``, to the last digit and exponent."""
    _same_outcome(fast_amount, lambda v: Money(parse_amount(v)), text)


@pytest.mark.parametrize("value", [
    "1.234,56", "1234,56", "0,00", "12.50", "999.999.999.999.999,99", "000.001,00",
    Decimal("12.5"), 12, 12.25, True, "1.234", "1,234.56",
])
def test_amount_examples(value: CellValue) -> None:
    _same_outcome(fast_amount, lambda v: Money(parse_amount(v)), value)


@st.composite
def _niss_texts(draw: st.DrawFn) -> str:
    digits = draw(nisses())
    wrong = digits[:-1] + str((int(digits[-1]) + 1) % 10)
    dotted = f"{digits[:2]}.{digits[2:4]}.{digits[4:6]}-{digits[6:9]}.{digits[9:]}"
    return draw(st.sampled_from([
        digits, dotted, wrong, f" {digits}", digits.lstrip("0") or "0", digits[1:],
        dotted.replace("-", "."), dotted.replace(".", " "), digits + "0",
    ])) if draw(st.integers(0, 4)) else draw(st.one_of(_DIGITS, st.text(max_size=15)))


@settings(max_examples=300, deadline=None)
@given(_niss_texts())
def test_niss_as_the_general_parser(text: str) -> None:
    _same_outcome(fast_niss, parse_niss, text)


def test_niss_examples() -> None:
    digits = niss_digits(dt.date(2005, 1, 2), 12)
    for value in (digits, int(digits), float(int(digits)), digits[1:], "٠" + digits[1:]):
        _same_outcome(fast_niss, parse_niss, value)


HEADER = ("id", "NISS", "Nom", "Base légale", "Mois", "Montant", "Catégorie de taux",
          "Code PIIS", "Exonération", "Source", "Date de la dépense",
          "Type de récupération", "Catégorie")


def _cells() -> st.SearchStrategy[tuple[CellValue, ...]]:
    junk = st.one_of(st.just(""), st.just("  "), st.text(max_size=8))
    return st.tuples(
        st.one_of(st.sampled_from(["L1", " L2 ", ""]), junk),
        st.one_of(_niss_texts(), junk),
        st.one_of(st.sampled_from(["Dupont", "Müller & Co", ""]), junk),
        st.one_of(st.sampled_from(["Revenu d'intégration", "integration_income", "leefloon",
                                   "ART 60 7", "art_60_7", "medical_costs", "nope"]), junk),
        st.one_of(st.sampled_from(["03/2025", "3-2025", "2025-03", "13/2025", "03/1899"]),
                  junk),
        st.one_of(_amount_texts(), junk),
        st.one_of(st.sampled_from(["standard", "foreigners_register", "Taux ordinaire",
                                   "x"]), junk),
        st.one_of(st.sampled_from(["1", "3,0", "-2", "2.5", "12"]), junk),
        st.one_of(_amount_texts(), junk),
        st.one_of(st.sampled_from(["DEC-1", ""]), junk),
        st.one_of(st.sampled_from(["01/03/2025", "2025-03-01", "31/02/2025", "1.3.2025"]),
                  junk),
        st.one_of(st.sampled_from(["01", "05", ""]), junk),
        st.one_of(st.sampled_from(["cohabitant", "Isolé", "single", "family"]), junk),
    )


_COLUMNS = match_columns(HEADER, "reimbursement")
_READER = LineReader(_COLUMNS)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_cells(), st.integers(1, 10))
def test_generated_rows(cells: tuple[CellValue, ...], cut: int) -> None:
    """Any row, including ones cut short: the fast line is the general one or none."""
    _agree(Row(None, 7, cells), _COLUMNS, _READER)
    _agree(Row(None, 8, cells[:len(cells) - cut]), _COLUMNS, _READER)


@settings(max_examples=100, deadline=None)
@given(st.tuples(st.one_of(st.integers(-5, 10**12), st.floats(allow_nan=True),
                           st.decimals(allow_nan=False), st.booleans(), st.none(),
                           st.dates(), st.datetimes(), st.text(max_size=6)),
                 st.sampled_from([dt.date(2025, 3, 1), dt.datetime(2025, 3, 1),
                                  "03/2025", 3.0])))
def test_typed_xlsx_cells(values: tuple[CellValue, CellValue]) -> None:
    """Typed cells (numbers, dates, booleans) go through the general parsers."""
    amount, period = values
    niss = niss_digits(dt.date(1985, 7, 30), 33)
    for cells in ((None, int(niss), "N", "leefloon", period, amount, amount, amount, amount,
                   amount, period, amount, "single"),
                  ("L", niss, amount, "leefloon", period, "1,00", None, None, None, None,
                   amount, None, None)):
        _agree(Row("Lignes", 3, cells), _COLUMNS, _READER)


def test_cached_values_are_bounded() -> None:
    """A column of many distinct texts does not grow the tables past their limit."""
    from cpas.adapters.legacy import fastlines

    reader = LineReader(_COLUMNS)
    parse = next(p for field, _, p, _ in reader.plan if field == "expense_date")
    for day in range(fastlines.CACHE_LIMIT + 50):
        parse((dt.date(2000, 1, 1) + dt.timedelta(days=day)).strftime("%d/%m/%Y"))
    cells = getattr(parse, "__closure__", None) or ()
    tables = [c.cell_contents for c in cells if isinstance(c.cell_contents, dict)]
    assert tables and all(len(t) <= fastlines.CACHE_LIMIT for t in tables)
