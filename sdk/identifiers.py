"""Belgian identifiers: NISS/INSZ, KBO/BCE, NIS/INS and IBAN.

The checksums come from python-stdnum (``stdnum.be.ssn``, ``stdnum.be.vat``,
``stdnum.iban``), which is maintained against the official references; this
module wraps them so that errors carry the field, a path and a value that is
safe to show, and adds the display forms the field uses.

A batch of reimbursement lines builds hundreds of thousands of :class:`Niss`:
an 11-digit string first goes through :func:`niss_checks_out`, the same
arithmetic as stdnum's in a few operations; stdnum runs for every string that
check does not accept, so it keeps the last word on what is refused and why.

A NISS is personal data (it encodes birth date and sex): its ``str()`` and
``repr()`` are masked, and the clear value is only available through
:attr:`Niss.compact` and :meth:`Niss.formatted`, on purpose.

References: AR 8 Feb 1991 art. 4 (NISS); domain.md "Identifiers".
"""

from __future__ import annotations

import datetime as dt
import re
import time
from typing import Literal

import attrs
from stdnum import iban as _iban
from stdnum.be import ssn as _ssn
from stdnum.be import vat as _vat
from stdnum.exceptions import ValidationError as _StdnumError

from .errors import InvalidIban, InvalidKbo, InvalidNisCode, InvalidNiss, InvalidType

__all__ = ["Iban", "Kbo", "NisCode", "Niss", "mask_niss", "niss_checks_out"]

_SEPARATORS = re.compile(r"[\s./\-_]")


def mask_niss(value: object) -> str:
    """Mask a (possibly invalid) NISS so it can appear in logs and errors.

    Only the two check digits stay visible, which is enough to tell two rows
    apart without revealing birth date or sex.

    >>> mask_niss("85.07.30-033.28")
    '******-***-28'
    >>> mask_niss("12")
    '**'
    """
    digits = re.sub(r"\D", "", str(value))
    if len(digits) == 11:
        return f"******-***-{digits[-2:]}"
    if len(digits) <= 2:
        return "*" * len(digits)
    return "*" * min(len(digits) - 2, 12) + digits[-2:]


_IdError = type[InvalidNiss | InvalidKbo | InvalidNisCode | InvalidIban]


def _text(value: object, field: str, error: _IdError, shown: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InvalidType(f"expected text, got {type(value).__name__}", field=field)
    text = str(value).strip()
    if not text:
        raise error("value is empty", field=field, shown=shown)
    return text


_BIS_OR_NN_MONTHS = frozenset((*range(0, 13), *range(20, 33), *range(40, 53)))
"""Month digits stdnum accepts: NN 00–12, BIS 20–32 (sex unknown) and 40–52 (sex known)."""

_CENTURY_2000 = 2_000_000_000
"""The ``2`` put before the first 9 digits for people born in 2000 or later."""


def niss_checks_out(digits: str, this_year: int | None = None) -> bool:
    """Arithmetic check of an 11-digit string, as ``stdnum.be.ssn.validate`` does it.

    True only for numbers that stdnum accepts in ``this_year`` (default: the
    current year, as stdnum uses the clock): ASCII digits, a month part of a
    national register or BIS number (00–12, 20–32, 40–52) and the mod-97 check
    digits of the 1900s or, when that year is not in the future, of the 2000s.
    Days are not checked, as stdnum does not (an impossible day only makes the
    birth date unknown).

    This is the fast path of :class:`Niss`: about twenty times faster than
    stdnum, which is still called for every number this function does not
    accept (so stdnum keeps the last word and gives the reason of a refusal).
    ``tests/sdk/test_niss_fastpath.py`` compares both on random input.

    >>> niss_checks_out("85073003328", 2025), niss_checks_out("85073003329", 2025)
    (True, False)
    >>> niss_checks_out("17073003384", 2025), niss_checks_out("17073003384", 2016)
    (True, False)
    """
    if len(digits) != 11 or not (digits.isascii() and digits.isdigit()):
        return False
    if int(digits[2:4]) not in _BIS_OR_NN_MONTHS:
        return False
    body, check = int(digits[:9]), int(digits[9:])
    if 97 - body % 97 == check:
        return True
    if 97 - (_CENTURY_2000 + body) % 97 != check:
        return False
    return int(digits[:2]) + 2000 <= (_current_year() if this_year is None else this_year)


_year_span = (0.0, 0.0, 0)


def _current_year() -> int:
    """``datetime.date.today().year`` (stdnum's clock), recomputed only when the clock
    leaves the year last seen, in either direction (``time.time()`` costs far less)."""
    global _year_span
    now = time.time()
    start, end, year = _year_span
    if not start <= now < end:
        year = dt.date.today().year
        start = time.mktime((year, 1, 1, 0, 0, 0, 0, 1, -1))
        end = time.mktime((year + 1, 1, 1, 0, 0, 0, 0, 1, -1))
        _year_span = (start, end, year)
    return year


def _niss_compact(value: str | Niss) -> str:
    if isinstance(value, Niss):
        return value.compact
    if type(value) is str and niss_checks_out(value):
        return value  # the common case: 11 digits read from a file or a database
    text = _text(value, "niss", InvalidNiss, mask_niss(value))
    compact = _SEPARATORS.sub("", text)
    try:
        return str(_ssn.validate(compact))
    except _StdnumError as exc:
        reason = {
            "InvalidFormat": "must contain only digits",
            "InvalidLength": "must have 11 digits",
            "InvalidChecksum": "checksum does not match",
            "InvalidComponent": "birth date or sequence part is impossible",
        }.get(type(exc).__name__, str(exc))
        raise InvalidNiss(reason, field="niss", shown=mask_niss(text)) from None


@attrs.frozen(repr=False)
class Niss:
    """A NISS/INSZ: national register number or BIS number (11 digits).

    Separators are accepted and removed; the checksum is verified for both
    centuries (a ``2`` prefix for people born in 2000 or later).

    >>> n = Niss("85.07.30-033.28")
    >>> n
    Niss('******-***-28')
    >>> n.formatted()
    '85.07.30-033.28'
    >>> n.is_bis
    False
    """

    compact: str = attrs.field(converter=_niss_compact)

    def __repr__(self) -> str:
        return f"Niss({self.masked!r})"

    def __str__(self) -> str:
        return self.masked

    @property
    def masked(self) -> str:
        """The form to use in logs, errors and any unprotected output."""
        return mask_niss(self.compact)

    def formatted(self) -> str:
        """The usual written form ``YY.MM.DD-SSS.CC`` (personal data: handle with care)."""
        c = self.compact
        return f"{c[0:2]}.{c[2:4]}.{c[4:6]}-{c[6:9]}.{c[9:11]}"

    @property
    def is_bis(self) -> bool:
        """True for a BIS number (month increased by 20 or 40)."""
        return int(self.compact[2:4]) >= 20

    @property
    def sex(self) -> Literal["M", "F"] | None:
        """``M`` for an odd sequence number, ``F`` for even; ``None`` for a BIS number
        issued without a known sex (month + 20)."""
        month = int(self.compact[2:4])
        if 20 <= month < 40:
            return None
        return "M" if int(self.compact[6:9]) % 2 else "F"

    def birth_date(self) -> dt.date | None:
        """Best-effort birth date; ``None`` when the number leaves it (partly) unknown."""
        value = _ssn.get_birth_date(self.compact)
        return value if isinstance(value, dt.date) else None


def _kbo_compact(value: str | Kbo) -> str:
    if isinstance(value, Kbo):
        return value.compact
    text = _text(value, "kbo", InvalidKbo, str(value))
    try:
        return str(_vat.validate(text))
    except _StdnumError as exc:
        reason = {
            "InvalidFormat": "must contain only digits",
            "InvalidLength": "must have 10 digits (or 9 for an old number)",
            "InvalidChecksum": "checksum does not match",
            "InvalidComponent": "must start with 0 or 1",
        }.get(type(exc).__name__, str(exc))
        raise InvalidKbo(reason, field="kbo", shown=text) from None


@attrs.frozen(repr=False)
class Kbo:
    """A KBO/BCE enterprise number (10 digits, mod-97 check).

    Old 9-digit numbers get their leading zero; a ``BE`` prefix (VAT form) is
    accepted.

    >>> Kbo("BE 403.019.261")
    Kbo('0403.019.261')
    """

    compact: str = attrs.field(converter=_kbo_compact)

    def formatted(self) -> str:
        """The display form ``0403.019.261``."""
        c = self.compact
        return f"{c[0:4]}.{c[4:7]}.{c[7:10]}"

    def __repr__(self) -> str:
        return f"Kbo({self.formatted()!r})"

    def __str__(self) -> str:
        return self.formatted()


def _nis_compact(value: str | int | NisCode) -> str:
    if isinstance(value, NisCode):
        return value.code
    text = _text(value, "nis_code", InvalidNisCode, str(value))
    if not re.fullmatch(r"\d{5}", text):
        raise InvalidNisCode("must be 5 digits", field="nis_code", shown=text)
    if text[0] == "0":
        raise InvalidNisCode("province digit must be 1 to 9", field="nis_code", shown=text)
    return text


@attrs.frozen(repr=False)
class NisCode:
    """A NIS/INS municipality code (5 digits: province, arrondissement, commune).

    Codes change when municipalities merge; documents carry the code valid at
    their date. Example: ``21004`` (Brussels), ``34022`` (Kortrijk).
    """

    code: str = attrs.field(converter=_nis_compact)

    def __repr__(self) -> str:
        return f"NisCode({self.code!r})"

    def __str__(self) -> str:
        return self.code


def _iban_compact(value: str | Iban) -> str:
    if isinstance(value, Iban):
        return value.compact
    text = _text(value, "iban", InvalidIban, str(value))
    try:
        # The bank-code registry of stdnum's country check lags behind new banks:
        # rejecting a valid account is worse than accepting an unknown bank, so
        # only the Belgian national check digits are verified on top of ISO 13616.
        compact = str(_iban.validate(text, check_country=False))
        if compact.startswith("BE") and (int(compact[4:14]) % 97 or 97) != int(compact[14:16]):
            raise InvalidIban("Belgian account check digits do not match", field="iban",
                              shown=text)
        return compact
    except _StdnumError as exc:
        reason = {
            "InvalidFormat": "has characters an IBAN cannot have",
            "InvalidLength": "has the wrong length for its country",
            "InvalidChecksum": "checksum does not match",
            "InvalidComponent": "unknown country or bank part",
        }.get(type(exc).__name__, str(exc))
        raise InvalidIban(reason, field="iban", shown=text) from None


@attrs.frozen(repr=False)
class Iban:
    """An IBAN bank account number.

    >>> Iban("be68 5390 0754 7034").formatted()
    'BE68 5390 0754 7034'
    """

    compact: str = attrs.field(converter=_iban_compact)

    def formatted(self) -> str:
        """Groups of four characters."""
        return str(_iban.format(self.compact))

    def __repr__(self) -> str:
        return f"Iban({self.formatted()!r})"

    def __str__(self) -> str:
        return self.formatted()
