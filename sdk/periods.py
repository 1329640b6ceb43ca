"""Months, date ranges and the Belgian working-day calendar.

:class:`Period` is a calendar month (reimbursement forms claim per month);
:class:`DateRange` is an inclusive range of days whose end may be open.
:func:`add_working_days` counts Monday–Friday days that are not Belgian legal
public holidays (loi du 4 janvier 1974 relative aux jours fériés).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterator
from functools import lru_cache

import attrs

from .errors import InvalidPeriod, InvalidType

__all__ = [
    "DateRange",
    "Period",
    "add_days",
    "add_months",
    "add_working_days",
    "belgian_public_holidays",
    "is_working_day",
    "to_date",
]


def to_date(value: dt.date | str, *, field: str = "date") -> dt.date:
    """Accept a ``date`` or an ISO ``YYYY-MM-DD`` string (not a ``datetime``)."""
    if isinstance(value, dt.datetime):
        raise InvalidType("expected a date, got a datetime", field=field, shown=str(value))
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise InvalidPeriod("not an ISO date (YYYY-MM-DD)", field=field,
                                shown=repr(value)) from None
    raise InvalidType(f"expected a date, got {type(value).__name__}", field=field)


def to_opt_date(value: dt.date | str | None) -> dt.date | None:
    """Like :func:`to_date`, letting ``None`` through."""
    return None if value is None else to_date(value)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, clamped to the end of a shorter month.

    >>> add_months(dt.date(2024, 11, 30), 3)
    datetime.date(2025, 2, 28)
    """
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def add_days(day: dt.date, days: int) -> dt.date:
    return day + dt.timedelta(days=days)


def _easter(year: int) -> dt.date:
    """Western Easter Sunday (anonymous Gregorian algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


@lru_cache(maxsize=64)
def belgian_public_holidays(year: int) -> frozenset[dt.date]:
    """The ten legal public holidays of Belgium in ``year``.

    >>> dt.date(2025, 4, 21) in belgian_public_holidays(2025)   # Easter Monday
    True
    """
    easter = _easter(year)
    return frozenset({
        dt.date(year, 1, 1),
        easter + dt.timedelta(days=1),
        dt.date(year, 5, 1),
        easter + dt.timedelta(days=39),   # Ascension
        easter + dt.timedelta(days=50),   # Whit Monday
        dt.date(year, 7, 21),
        dt.date(year, 8, 15),
        dt.date(year, 11, 1),
        dt.date(year, 11, 11),
        dt.date(year, 12, 25),
    })


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in belgian_public_holidays(day.year)


def add_working_days(day: dt.date, days: int) -> dt.date:
    """The date ``days`` working days after ``day`` (``day`` itself not counted)."""
    current = day
    left = days
    while left > 0:
        current += dt.timedelta(days=1)
        if is_working_day(current):
            left -= 1
    return current


_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")


def _year(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidType("year must be an integer", field="year", shown=repr(value))
    if not 1900 <= value <= 2999:
        raise InvalidPeriod("year out of range 1900–2999", field="year", shown=str(value))
    return value


def _month(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidType("month must be an integer", field="month", shown=repr(value))
    if not 1 <= value <= 12:
        raise InvalidPeriod("month must be 1 to 12", field="month", shown=str(value))
    return value


@attrs.frozen(order=True, repr=False)
class Period:
    """A calendar month.

    >>> p = Period.parse("2025-02")
    >>> p.first_day(), p.last_day()
    (datetime.date(2025, 2, 1), datetime.date(2025, 2, 28))
    >>> str(p.next())
    '2025-03'
    """

    year: int = attrs.field(converter=_year)
    month: int = attrs.field(converter=_month)

    @classmethod
    def parse(cls, text: str) -> Period:
        """Read ``YYYY-MM``."""
        match = _PERIOD.match(text.strip()) if isinstance(text, str) else None
        if not match:
            raise InvalidPeriod("not a period YYYY-MM", field="period", shown=repr(text))
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: dt.date) -> Period:
        return cls(day.year, day.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def __repr__(self) -> str:
        return f"Period('{self}')"

    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    def last_day(self) -> dt.date:
        return dt.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def next(self) -> Period:
        return Period.of(add_months(self.first_day(), 1))

    def quarter_end(self) -> dt.date:
        """Last day of the calendar quarter this month belongs to."""
        month = ((self.month - 1) // 3 + 1) * 3
        return Period(self.year, month).last_day()


def _check_range(instance: DateRange, attribute: attrs.Attribute[dt.date | None],
                 value: dt.date | None) -> None:
    if value is not None and value < instance.start:
        raise InvalidPeriod("range ends before it starts", field="end",
                            shown=f"{instance.start}..{value}")


@attrs.frozen(repr=False)
class DateRange:
    """An inclusive range of days; ``end=None`` means open-ended.

    >>> r = DateRange("2025-01-15", "2025-03-02")
    >>> [str(p) for p in r.periods()]
    ['2025-01', '2025-02', '2025-03']
    """

    start: dt.date = attrs.field(converter=to_date)
    end: dt.date | None = attrs.field(default=None, converter=to_opt_date,
                                      validator=_check_range)

    def __repr__(self) -> str:
        return f"DateRange('{self.start}', {repr(str(self.end)) if self.end else None})"

    def __contains__(self, day: object) -> bool:
        if not isinstance(day, dt.date):
            return False
        return self.start <= day and (self.end is None or day <= self.end)

    def overlaps(self, other: DateRange) -> bool:
        return (other.end is None or self.start <= other.end) and (
            self.end is None or other.start <= self.end)

    def days(self) -> int | None:
        """Number of days, both ends included; ``None`` if open-ended."""
        return None if self.end is None else (self.end - self.start).days + 1

    def periods(self) -> Iterator[Period]:
        """The months the range touches (raises if open-ended)."""
        if self.end is None:
            raise InvalidPeriod("an open-ended range has no last month", field="end")
        current, last = Period.of(self.start), Period.of(self.end)
        while current <= last:
            yield current
            current = current.next()
