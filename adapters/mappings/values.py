"""Reading one value of a vendor file as the type of its SDK field.

Dates and months follow the profile's patterns (:func:`date_pattern`) or, with
``auto``, the usual Belgian forms (:mod:`cpas.adapters.legacy.numbers`); numbers
follow the profile's decimal and thousands marks, or ``auto``. Every refusal is
a :class:`~cpas.adapters.legacy.numbers.CellError` with its reason in FR, NL and EN.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from decimal import Decimal, InvalidOperation

import attrs

from ...sdk.documents.partnership import GuidanceMethod
from ...sdk.errors import CpasError, InvalidNisCode
from ...sdk.identifiers import NisCode
from ...sdk.money import Money
from ...sdk.periods import Period
from ...sdk.text import Text
from ..legacy.numbers import (
    CellError,
    CellValue,
    parse_amount,
    parse_bool,
    parse_date,
    parse_decimal,
    parse_enum,
    parse_int,
    parse_kbo,
    parse_niss,
    parse_period,
    parse_text,
)
from .fields import SdkField, ValueType

__all__ = ["Formats", "date_pattern", "read_value"]

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")
_TOKENS = (("yyyy", "y", r"\d{4}"), ("dd", "d", r"\d{2}"), ("mm", "m", r"\d{2}"),
           ("d", "d", r"\d{1,2}"), ("m", "m", r"\d{1,2}"))


@attrs.frozen
class Formats:
    """How dates, months and numbers are written (``auto``: the Belgian usual forms)."""

    date: str = "auto"
    month: str = "auto"
    decimal_mark: str = "auto"
    thousands_mark: str = ""


@functools.lru_cache(maxsize=64)
def date_pattern(pattern: str, *, day: bool) -> re.Pattern[str]:
    """A regular expression for a date (``day``) or month pattern such as ``dd/mm/yyyy``.

    Tokens: ``yyyy`` (year), ``mm``/``m`` (month, 2 or 1–2 digits), ``dd``/``d``
    (day); anything else but letters is taken literally. Raises ``ValueError``
    naming the problem.

    >>> date_pattern("dd.mm.yyyy", day=True).fullmatch("03.02.2025").group("d")
    '03'
    """
    out, seen, i = [], [], 0
    while i < len(pattern):
        for token, group, regex in _TOKENS:
            if pattern.startswith(token, i):
                if group in seen:
                    raise ValueError(f"'{group}' appears twice")
                seen.append(group)
                out.append(f"(?P<{group}>{regex})")
                i += len(token)
                break
        else:
            if pattern[i].isalpha():
                raise ValueError(f"unknown letter {pattern[i]!r} (tokens: yyyy, mm, m, dd, d)")
            out.append(re.escape(pattern[i]))
            i += 1
    needed = {"y", "m", "d"} if day else {"y", "m"}
    if set(seen) != needed:
        what = "yyyy, mm and dd" if day else "yyyy and mm, without dd"
        raise ValueError(f"a {'date' if day else 'month'} pattern needs {what}")
    return re.compile("".join(out))


def _bad(fr: str, nl: str, en: str) -> CellError:
    return CellError(Text(fr=fr, nl=nl, en=en))


def _number(value: CellValue, formats: Formats) -> Decimal:
    if formats.decimal_mark == "auto" or not isinstance(value, str):
        return parse_decimal(value)
    text = value.strip().replace("€", "").replace("EUR", "")
    if formats.thousands_mark != " ":
        text = _SPACES.sub("", text)
    whole, _, decimals = text.partition(formats.decimal_mark)
    if formats.thousands_mark and formats.thousands_mark in whole:
        digits = whole.lstrip("+-")
        groups = digits.split(formats.thousands_mark)
        if not (1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])):
            raise _number_error(formats)
        whole = whole[: len(whole) - len(digits)] + "".join(groups)
    candidate = whole + ("." + decimals if decimals else "")
    if not re.fullmatch(r"[+-]?\d+(\.\d+)?", candidate):
        raise _number_error(formats)
    try:
        return Decimal(candidate)
    except InvalidOperation:  # pragma: no cover - the pattern only lets numbers through
        raise _number_error(formats) from None


def _number_error(formats: Formats) -> CellError:
    mark, group = formats.decimal_mark, formats.thousands_mark
    return _bad(f"n'est pas un nombre au format du profil (décimales « {mark} », "
                f"milliers « {group or 'aucun'} »)",
                f"is geen getal in het formaat van het profiel (decimalen ‘{mark}’, "
                f"duizendtallen ‘{group or 'geen'}’)",
                f"not a number in the profile's format (decimal mark '{mark}', "
                f"thousands '{group or 'none'}')")


def _pattern_date(value: CellValue, pattern: str, *, day: bool) -> dt.date | Period:
    match = date_pattern(pattern, day=day).fullmatch(value.strip()) \
        if isinstance(value, str) else None
    if match is None:
        raise _bad(f"ne suit pas le format {pattern}", f"volgt het formaat {pattern} niet",
                   f"does not follow the format {pattern}")
    year, month = int(match.group("y")), int(match.group("m"))
    try:
        if day:
            return dt.date(year, month, int(match.group("d")))
        return Period(year, month)
    except (ValueError, CpasError):
        raise _bad("cette date n'existe pas", "deze datum bestaat niet",
                   "this date does not exist") from None


def _methods(value: CellValue) -> tuple[GuidanceMethod, ...]:
    parts = [p for p in re.split(r"[,;/|+]", parse_text(value)) if p.strip()]
    return tuple(parse_enum(GuidanceMethod, p) for p in parts)


def read_value(field: SdkField, value: CellValue, formats: Formats,
               pattern: str | None = None) -> object:
    """``value`` read as ``field``'s type; :class:`CellError` says why it cannot be."""
    kind = field.value_type
    if kind is ValueType.TEXT:
        return parse_text(value)
    if kind is ValueType.NISS:
        return parse_niss(value)
    if kind is ValueType.KBO:
        return parse_kbo(value)
    if kind is ValueType.NIS_CODE:
        try:
            return NisCode(parse_text(value))
        except InvalidNisCode:
            raise _bad("code INS invalide (5 chiffres)", "ongeldige NIS-code (5 cijfers)",
                       "invalid NIS code (5 digits)") from None
    if kind in (ValueType.DATE, ValueType.MONTH):
        day = kind is ValueType.DATE
        pattern = pattern or (formats.date if day else formats.month)
        if pattern != "auto" and isinstance(value, str):
            return _pattern_date(value, pattern, day=day)
        return parse_date(value) if day else parse_period(value)
    if kind is ValueType.AMOUNT:
        return Money(parse_amount(_number(value, formats)))
    if kind is ValueType.DECIMAL:
        return _number(value, formats)
    if kind is ValueType.COUNT:
        count = parse_int(_number(value, formats))
        if count < 0:
            raise _bad("nombre négatif", "negatief getal", "a negative number")
        return count
    if kind is ValueType.BOOL:
        return parse_bool(value)
    if kind is ValueType.ENUM and field.choices is not None:
        return parse_enum(field.choices, value)
    if kind is ValueType.METHODS:
        return _methods(value)
    language = parse_text(value).lower()
    if language not in ("fr", "nl", "de", "en"):
        raise _bad("langue : fr, nl, de ou en", "taal: fr, nl, de of en",
                   "language: fr, nl, de or en")
    return language


