"""The fast path of reading a reimbursement row: one plan per file, values cached.

:func:`~cpas.adapters.legacy.convert.convert` reads a row through
:class:`~cpas.adapters.legacy.rows._Cells`, field by field, noting every problem
with its column, value and reason. For the rows that have no problem, which are
nearly all of them, that bookkeeping is most of the time. :class:`LineReader`
is compiled once per file (header → column index → parser) and reads a row in
one pass. It is **only a shortcut**, and gives way to the general path:

* it returns a line only when every cell it reads is one the general parser
  accepts, giving the value that parser gives, and the line's constructor
  accepts them; then the general path would have returned the same line and
  noted nothing;
* on anything else (a blank required cell, a value a parser refuses, a value
  it has no fast way for that the general parser refuses, a constructor
  refusal) it returns ``None``, and the caller reads the row the general way,
  which notes every problem exactly as before.

Where it saves time:

* values of columns with few distinct texts (legal basis, month, rate and
  beneficiary categories, dates, PIIS codes) are parsed once per distinct text
  by the general parser and kept in a bounded table (cleared past
  :data:`CACHE_LIMIT` entries); the values are immutable, so sharing them is safe;
* an amount written ``1.234,56``, ``1234,56`` or ``1234.56`` (two decimals, at most
  15 digits before them) is read by one compiled pattern into the ``Money`` that
  ``Money(parse_amount(text))`` gives; anything else goes to the general parser;
* a NISS written ``85.07.30-033.28`` or as 11 digits is checked by
  :func:`~cpas.sdk.identifiers.niss_checks_out` and becomes the ``Niss`` the
  general parser gives; anything else goes to the general parser (padding of
  lost zeros, stdnum's reasons…);
* the line is built with every value already of its final type, so its
  converters only confirm them.

``tests/legacy/test_legacy_fastlines.py`` compares both paths on every row of
the corpus and on generated cells.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ...sdk.documents.reimbursement import (
    BeneficiaryCategory,
    LegalBasis,
    RateCategory,
    ReimbursementLine,
)
from ...sdk.errors import CpasError
from ...sdk.identifiers import Niss, niss_checks_out
from ...sdk.money import Money
from .columns import ColumnMap
from .numbers import (
    CellError,
    CellValue,
    parse_amount,
    parse_date,
    parse_enum,
    parse_int,
    parse_niss,
    parse_period,
    parse_text,
)

__all__ = ["CACHE_LIMIT", "LineReader", "fast_amount", "fast_niss"]

CACHE_LIMIT = 4096
_NEW = object.__new__
_SET = object.__setattr__


class _GiveWay(Exception):
    """The fast path cannot vouch for this cell: read the row the general way."""


def _general(parse: Callable[[CellValue], Any]) -> Callable[[CellValue], Any]:
    """The general parser, its refusal turned into :class:`_GiveWay`."""
    def read(value: CellValue) -> Any:
        try:
            return parse(value)
        except CellError:
            raise _GiveWay from None
    return read


def _cached(parse: Callable[[CellValue], Any]) -> Callable[[CellValue], Any]:
    """The general parser with a bounded table of the values of text cells."""
    table: dict[str, Any] = {}
    general = _general(parse)

    def read(value: CellValue) -> Any:
        if type(value) is not str:  # typed XLSX cells: 1 == 1.0 == True as keys
            return general(value)
        found = table.get(value)
        if found is None:
            if len(table) >= CACHE_LIMIT:
                table.clear()
            found = table[value] = general(value)
        return found
    return read


def _text(value: CellValue) -> str:
    return value.strip() if type(value) is str else parse_text(value)


# An amount with two decimals: Belgian (groups of three with dots, decimal comma) or
# ISO (decimal point). At most 15 digits before the decimals: Decimal's default
# precision (28) is then never reached.
_AMOUNT = re.compile(r"([0-9]{1,3}(?:\.[0-9]{3}){1,4}|[0-9]{1,15}),([0-9]{2})"
                     r"|([0-9]{1,15})\.([0-9]{2})")


def fast_amount(value: CellValue) -> Money:
    """``Money(parse_amount(value))``, by a pattern for the usual texts."""
    if type(value) is str:
        match = _AMOUNT.fullmatch(value)
        if match is not None:
            whole, cents, iso_whole, iso_cents = match.groups()
            if whole is not None:
                number = Decimal(whole.replace(".", "") + "." + cents)
            else:
                number = Decimal(iso_whole + "." + iso_cents)
            money: Money = _NEW(Money)
            _SET(money, "amount", number)  # what Money's converter returns for it
            return money
    try:
        return Money(parse_amount(value))
    except CellError:
        raise _GiveWay from None


_NISS = re.compile(r"([0-9]{2})\.([0-9]{2})\.([0-9]{2})-([0-9]{3})\.([0-9]{2})|[0-9]{11}")


def fast_niss(value: CellValue) -> Niss:
    """``parse_niss(value)``, by a pattern and the arithmetic check for the usual texts."""
    if type(value) is str:
        match = _NISS.fullmatch(value)
        if match is not None:
            digits = value if match.group(1) is None else "".join(match.groups())
            if niss_checks_out(digits):
                niss: Niss = _NEW(Niss)
                _SET(niss, "compact", digits)  # what Niss's converter returns for it
                return niss
    try:
        return parse_niss(value)
    except CellError:
        raise _GiveWay from None


def _enum(kind: type[Any]) -> Callable[[CellValue], Any]:
    def parse(value: CellValue) -> Any:
        return parse_enum(kind, value)
    return parse


_FIELDS: tuple[tuple[str, Callable[[], Callable[[CellValue], Any]], bool], ...] = (
    # (field, a fresh parser, required) in the order the general path reads them
    ("id", lambda: _text, False),
    ("niss", lambda: fast_niss, True),
    ("beneficiary_name", lambda: _text, False),
    ("basis", lambda: _cached(_enum(LegalBasis)), True),
    ("period", lambda: _cached(parse_period), True),
    ("amount", lambda: fast_amount, True),
    ("rate_category", lambda: _cached(_enum(RateCategory)), False),
    ("piis_code", lambda: _cached(parse_int), False),
    ("income_exemption", lambda: fast_amount, False),
    ("source_id", lambda: _text, False),
    ("expense_date", lambda: _cached(parse_date), False),
    ("recovery_type", lambda: _text, False),
    ("category", lambda: _cached(_enum(BeneficiaryCategory)), False),
)


class LineReader:
    """Reads the reimbursement line of a row, or gives way (``None``); one per file.

    ``columns`` is the file's column map; only the columns of line fields present
    in it are read. The caller checks the row's shape (and header columns) first.
    """

    def __init__(self, columns: ColumnMap) -> None:
        self.plan: list[tuple[str, int, Callable[[CellValue], Any], bool]] = [
            (field, columns.fields[field], make(), required)
            for field, make, required in _FIELDS if field in columns.fields]
        self.width = max((index for _, index, _, _ in self.plan), default=-1) + 1

    def __call__(self, number: int, cells: tuple[CellValue, ...]) -> ReimbursementLine | None:
        """The line of row ``number`` with these cells, or ``None`` (general path)."""
        if len(cells) < self.width:
            return None
        values: dict[str, Any] = {}
        try:
            for field, index, parse, required in self.plan:
                raw = cells[index]
                if raw is None or (isinstance(raw, str) and not raw.strip()):
                    if required:
                        return None
                    continue
                values[field] = parse(raw)
            if not values.get("id"):
                values["id"] = f"row-{number}"
            return ReimbursementLine(**values)
        except (_GiveWay, CpasError):
            return None
