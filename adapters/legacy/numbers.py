"""Reading cell values written the Belgian way: amounts, dates, months, NISS and KBO.

Every parser takes what a CSV field or an XLSX cell holds (text, ``int``,
``float``, ``datetime``) and returns the SDK's value, or raises
:class:`CellError` whose ``reason`` is a :class:`~cpas.sdk.text.Text` in FR, NL
and EN. Nothing is guessed: a value that could mean two things is refused.

* amounts: ``1.234,56``, ``1234,56``, ``1 234,56`` (space, no-break or narrow
  no-break space), ``€ 1.234,56``, ``1234.56`` (ISO) and numeric cells;
  ``1.234`` alone is refused (thousands or decimals?);
* dates: ``dd/mm/yyyy``, ``dd-mm-yyyy``, ``dd.mm.yyyy``, ``yyyy-mm-dd`` and date cells;
* months: ``mm/yyyy`` (also ``-`` and ``.``), ``yyyy-mm`` and date cells on the 1st;
* NISS and KBO with or without separators. A number cell that lost its leading
  zeros (a NISS of someone born in 2000–2009, an old KBO number) gets them back
  only when the check digits then prove the number right.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from ...sdk.errors import InvalidKbo, InvalidNiss
from ...sdk.identifiers import Kbo, Niss
from ...sdk.periods import Period
from ...sdk.text import Text

__all__ = [
    "CellError",
    "CellValue",
    "is_blank",
    "normalise",
    "parse_amount",
    "parse_bool",
    "parse_date",
    "parse_decimal",
    "parse_enum",
    "parse_int",
    "parse_kbo",
    "parse_niss",
    "parse_period",
    "parse_text",
]

CellValue = str | int | float | Decimal | bool | dt.date | dt.datetime | dt.time | None
"""What a CSV field (always ``str``) or an XLSX cell (typed) may hold."""

E = TypeVar("E", bound=enum.Enum)


class CellError(ValueError):
    """A cell's value cannot be read; ``reason`` says why in FR, NL and EN."""

    def __init__(self, reason: Text) -> None:
        super().__init__(reason.get("en"))
        self.reason = reason


def _err(fr: str, nl: str, en: str) -> CellError:
    return CellError(Text(fr=fr, nl=nl, en=en))


def normalise(value: str) -> str:
    """Lower case, accents removed, every run of other characters one space.

    >>> normalise("  Date d'Entrée / Ingangsdatum ")
    'date d entree ingangsdatum'
    """
    decomposed = unicodedata.normalize("NFKD", value)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.findall(r"[0-9a-z]+", plain.casefold()))


def is_blank(value: CellValue) -> bool:
    """An empty cell: ``None`` or only white space."""
    return value is None or (isinstance(value, str) and not value.strip())


def parse_text(value: CellValue) -> str:
    """A cell as trimmed text (numbers as written, dates in ISO form)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else str(value).strip()


# --- numbers ------------------------------------------------------------------------------

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")
_GROUPED = re.compile(r"\d{1,3}(?:[.,]\d{3})+")


def _number_text(value: str) -> str:
    text = _SPACES.sub("", value)
    for sign in ("€", "EUR", "eur"):
        text = text.replace(sign, "")
    return text


def parse_decimal(value: CellValue) -> Decimal:
    """An exact decimal from a number cell or Belgian or ISO text.

    >>> [str(parse_decimal(v)) for v in ("1.234,56", "1 234,56", "€ 1234,5", "1234.56", 12)]
    ['1234.56', '1234.56', '1234.5', '1234.56', '12']
    """
    if isinstance(value, bool):
        raise _err("une case à cocher n'est pas un nombre", "een selectievakje is geen getal",
                   "a tick box is not a number")
    if isinstance(value, int | Decimal | float):
        # a float as the shortest text that reads back as the same float
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if not number.is_finite():  # a cell holding infinity or NaN
            raise _bad_number()
        return number
    if not isinstance(value, str) or not value.strip():
        raise _err("nombre attendu", "getal verwacht", "a number is expected")
    text = _number_text(value)
    sign = ""
    if text[:1] in ("+", "-"):
        sign, text = ("-" if text[0] == "-" else ""), text[1:]
    comma, dot = text.rfind(","), text.rfind(".")
    if comma >= 0 and dot >= 0:  # both: the last one is the decimal mark
        mark, group = (",", ".") if comma > dot else (".", ",")
        whole, _, decimals = text.rpartition(mark)
        if group in decimals or not _GROUPED.fullmatch(whole.replace(group, ",")):
            raise _bad_number()
        text = whole.replace(group, "") + "." + decimals
    elif text.count(",") == 1:
        text = text.replace(",", ".")
    elif text.count(",") > 1 or text.count(".") > 1:  # 1.234.567 or 1,234,567: groups only
        if not _GROUPED.fullmatch(text):
            raise _bad_number()
        text = text.replace(",", "").replace(".", "")
    elif re.fullmatch(r"\d{1,3}\.\d{3}", text):
        raise _err("nombre ambigu : écrivez 1234 ou 1.234,00",
                   "dubbelzinnig getal: schrijf 1234 of 1.234,00",
                   "ambiguous number: write 1234 or 1.234,00")
    if not re.fullmatch(r"\d+(\.\d+)?|\.\d+", text):
        raise _bad_number()
    try:
        return Decimal(sign + text)
    except InvalidOperation:  # pragma: no cover - the pattern above only lets numbers through
        raise _bad_number() from None


def _bad_number() -> CellError:
    return _err("n'est pas un nombre (ex. 1.234,56 ou 1234.56)",
                "is geen getal (bv. 1.234,56 of 1234.56)",
                "not a number (e.g. 1.234,56 or 1234.56)")


def parse_amount(value: CellValue) -> Decimal:
    """An amount in euro: not negative, at most two decimals (cents)."""
    number = parse_decimal(value)
    if number < 0:
        raise _err("un montant ne peut pas être négatif", "een bedrag mag niet negatief zijn",
                   "an amount must not be negative")
    try:
        cents = number.quantize(Decimal("0.01"))
    except InvalidOperation:  # more digits than a decimal holds: no amount is that big
        raise _err("montant trop grand", "bedrag te groot", "amount too large") from None
    if number != cents:
        raise _err("un montant a au plus deux décimales",
                   "een bedrag heeft hoogstens twee decimalen",
                   "an amount has at most two decimals")
    return cents


def parse_int(value: CellValue) -> int:
    """A whole number (``3``, ``3,0`` or a number cell)."""
    number = parse_decimal(value)
    if number != number.to_integral_value():
        raise _err("nombre entier attendu", "geheel getal verwacht", "a whole number is expected")
    return int(number)


# --- dates --------------------------------------------------------------------------------

_DMY = re.compile(r"(\d{1,2})([/.\-])(\d{1,2})\2(\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ]00:00(?::00)?)?")
_MY = re.compile(r"(\d{1,2})[/.\-](\d{4})")
_ISO_MONTH = re.compile(r"(\d{4})-(\d{2})")


def _bad_date() -> CellError:
    return _err("n'est pas une date (jj/mm/aaaa)", "is geen datum (dd/mm/jjjj)",
                "not a date (dd/mm/yyyy)")


def _day(year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise _err("cette date n'existe pas", "deze datum bestaat niet",
                   "this date does not exist") from None


def parse_date(value: CellValue) -> dt.date:
    """A date from a date cell or ``dd/mm/yyyy``, ``dd-mm-yyyy``, ``dd.mm.yyyy``, ISO.

    >>> parse_date("3.2.2025"), parse_date("2025-02-03")
    (datetime.date(2025, 2, 3), datetime.date(2025, 2, 3))
    """
    if isinstance(value, dt.datetime):
        if value.time() != dt.time():
            raise _err("date avec une heure", "datum met een uur", "a date with a time of day")
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise _bad_date()
    text = value.strip()
    if match := _DMY.fullmatch(text):
        return _day(int(match.group(4)), int(match.group(3)), int(match.group(1)))
    if match := _ISO_DATE.fullmatch(text):
        return _day(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    raise _bad_date()


def parse_period(value: CellValue) -> Period:
    """A month from ``mm/yyyy`` (``-``, ``.``), ``yyyy-mm`` or a date cell on the 1st.

    Excel turns a typed ``01/2025`` into the date 1 January 2025, hence the date cells.
    """
    if isinstance(value, dt.date):
        day = value.date() if isinstance(value, dt.datetime) else value
        if day.day != 1:
            raise _err("mois attendu (mm/aaaa), pas un jour", "maand verwacht (mm/jjjj), geen dag",
                       "a month is expected (mm/yyyy), not a day")
        return Period.of(day)
    text = value.strip() if isinstance(value, str) else ""
    match = _MY.fullmatch(text)
    year, month = (int(match.group(2)), int(match.group(1))) if match else (0, 0)
    if not match and (iso := _ISO_MONTH.fullmatch(text)):
        year, month = int(iso.group(1)), int(iso.group(2))
    if not 1 <= month <= 12 or not 1900 <= year <= 2999:
        raise _err("n'est pas un mois (mm/aaaa)", "is geen maand (mm/jjjj)",
                   "not a month (mm/yyyy)")
    return Period(year, month)


# --- flags and codes ----------------------------------------------------------------------

_TRUE = frozenset({"1", "x", "oui", "o", "ja", "j", "yes", "y", "true", "vrai", "waar"})
_FALSE = frozenset({"0", "non", "n", "nee", "no", "false", "faux", "onwaar"})


def parse_bool(value: CellValue) -> bool:
    """Yes or no: ``oui``/``ja``/``yes``/``x``/``1`` or ``non``/``nee``/``no``/``0``/empty."""
    if isinstance(value, bool):
        return value
    if is_blank(value):
        return False
    text = normalise(parse_text(value))
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _err("oui ou non attendu", "ja of nee verwacht", "yes or no is expected")


def _enum_names(kind: type[enum.Enum]) -> dict[str, enum.Enum]:
    names: dict[str, enum.Enum] = {}
    clashes: set[str] = set()
    for member in kind:
        keys = {normalise(str(member.value)), normalise(member.name)}
        text = getattr(member, "label", None)
        if isinstance(text, Text):
            keys |= {normalise(text.get(lang)) for lang in text.languages()}
        for key in keys:
            if key in names and names[key] is not member:
                clashes.add(key)
            names[key] = member
    return {key: member for key, member in names.items() if key not in clashes}


_ENUM_CACHE: dict[type[enum.Enum], dict[str, enum.Enum]] = {}
_SEEN: dict[str, str] = {}
"""Cell texts already normalised (bounded: a cache, not a log)."""
_SEEN_MAX = 4096


def parse_enum(kind: type[E], value: CellValue) -> E:
    """A member from its value (``dis_b``), its name or its label in FR, NL or EN.

    Case, accents, spaces and punctuation do not matter (``DIS B`` is ``dis_b``).
    """
    names = _ENUM_CACHE.get(kind)
    if names is None:
        names = _ENUM_CACHE[kind] = _enum_names(kind)
    text = parse_text(value)
    key = _SEEN.get(text)
    if key is None:
        key = normalise(text)
        if len(_SEEN) < _SEEN_MAX:  # legacy columns repeat a few values many times
            _SEEN[text] = key
    member = names.get(key)
    if not isinstance(member, kind):
        allowed = ", ".join(str(m.value) for m in kind)
        raise CellError(Text(fr=f"valeur inconnue ; valeurs permises : {allowed}",
                             nl=f"onbekende waarde; toegelaten waarden: {allowed}",
                             en=f"unknown value; allowed values: {allowed}"))
    return member


# --- identifiers --------------------------------------------------------------------------

_NISS_REASONS: dict[str, Text] = {
    "must contain only digits": Text(fr="le NISS ne contient que des chiffres",
                                     nl="het INSZ bevat alleen cijfers",
                                     en="a NISS has only digits"),
    "must have 11 digits": Text(fr="le NISS a 11 chiffres", nl="het INSZ heeft 11 cijfers",
                                en="a NISS has 11 digits"),
    "checksum does not match": Text(fr="chiffres de contrôle du NISS erronés",
                                    nl="controlecijfers van het INSZ kloppen niet",
                                    en="the NISS check digits do not match"),
    "birth date or sequence part is impossible": Text(
        fr="date de naissance ou numéro d'ordre du NISS impossible",
        nl="geboortedatum of volgnummer van het INSZ onmogelijk",
        en="impossible birth date or sequence number in the NISS"),
}
_KBO_REASONS: dict[str, Text] = {
    "must contain only digits": Text(fr="le numéro BCE ne contient que des chiffres",
                                     nl="het KBO-nummer bevat alleen cijfers",
                                     en="a KBO number has only digits"),
    "must have 10 digits (or 9 for an old number)": Text(
        fr="le numéro BCE a 10 chiffres", nl="het KBO-nummer heeft 10 cijfers",
        en="a KBO number has 10 digits"),
    "checksum does not match": Text(fr="chiffres de contrôle du numéro BCE erronés",
                                    nl="controlecijfers van het KBO-nummer kloppen niet",
                                    en="the KBO check digits do not match"),
    "must start with 0 or 1": Text(fr="le numéro BCE commence par 0 ou 1",
                                   nl="het KBO-nummer begint met 0 of 1",
                                   en="a KBO number starts with 0 or 1"),
}


def _digits_of_number(value: CellValue) -> str | None:
    """The digits of a number cell, or ``None`` for text."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return None


def parse_niss(value: CellValue) -> Niss:
    """A NISS/INSZ (or BIS number) with or without separators.

    Excel drops the leading zeros of a NISS of a person born in 2000–2009 when
    the column holds numbers (``5071512345`` for ``05071512345``). Such a value
    (a number cell, or 8 to 10 bare digits in a CSV exported from one) is padded
    back to 11 digits **only if the padded number passes the check**; otherwise
    it is refused. A number with separators is never padded.
    """
    digits = _digits_of_number(value)
    text = digits if digits is not None else parse_text(value)
    if not text:
        raise _err("NISS manquant", "INSZ ontbreekt", "the NISS is missing")
    if text.isdigit() and 8 <= len(text) <= 10:
        try:
            return Niss(text.zfill(11))
        except InvalidNiss:
            raise _err("NISS trop court : ses zéros de tête perdus ne se laissent pas prouver "
                       "par les chiffres de contrôle",
                       "INSZ te kort: de verloren voorloopnullen worden niet door de "
                       "controlecijfers bevestigd",
                       "NISS too short: the check digits do not prove lost leading zeros"
                       ) from None
    compact = _NISS_SEPARATORS.sub("", text)
    try:
        # 11 bare digits take the SDK's fast arithmetic check; anything else its full one
        return Niss(compact if len(compact) == 11 and compact.isdigit() else text)
    except InvalidNiss as exc:
        raise CellError(_NISS_REASONS.get(exc.reason, Text(en=exc.reason))) from None


_NISS_SEPARATORS = re.compile(r"[\s./-]+")


def parse_kbo(value: CellValue) -> Kbo:
    """A KBO/BCE number with or without separators or ``BE``.

    A 9-digit number (an old number, or one whose leading zero Excel dropped) gets
    its zero back only through the check digits, as ``stdnum.be.vat`` does it.
    """
    digits = _digits_of_number(value)
    text = digits if digits is not None else parse_text(value)
    if not text:
        raise _err("numéro BCE manquant", "KBO-nummer ontbreekt", "the KBO number is missing")
    try:
        return Kbo(text)
    except InvalidKbo as exc:
        raise CellError(_KBO_REASONS.get(exc.reason, Text(en=exc.reason))) from None
