"""Money, periods, date ranges, calendars and multilingual text."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cpas.sdk import (
    DateRange,
    InvalidMoney,
    InvalidPeriod,
    InvalidType,
    InvalidValue,
    Money,
    Period,
    Text,
)
from cpas.sdk.periods import add_months, add_working_days, belgian_public_holidays
from cpas.sdk.text import format_decimal, parse_lang
from strategies import amounts, periods


def test_money_refuses_floats() -> None:
    """No floats anywhere: a float amount is a type error, not a silent conversion."""
    with pytest.raises(InvalidType):
        Money(0.1)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["-1", "1.001", "abc", "NaN", "Infinity"])
def test_money_refuses_unrepresentable(value: str) -> None:
    with pytest.raises(InvalidMoney):
        Money(value)


def test_money_arithmetic_and_rounding() -> None:
    assert Money("0.10") + Money("0.20") == Money("0.30")
    assert Money("500") - Money("250") == Money("250.00")
    assert Money("100").percent(Decimal("55")) == Money("55.00")
    assert Money("0.05").percent(50) == Money("0.03")  # half up
    with pytest.raises(InvalidMoney):
        Money("1") - Money("2")


@given(amounts(), st.lists(st.integers(0, 1000), min_size=1, max_size=6).filter(any))
def test_allocate_never_loses_a_cent(amount: Decimal, weights: list[int]) -> None:
    """Shares always add up to the whole, whatever the weights."""
    parts = Money(amount).allocate(weights)
    assert Money.total(parts) == Money(amount)
    assert len(parts) == len(weights)


def test_money_localized() -> None:
    assert Money("1234.5").localized("nl") == "€\xa01.234,50"
    assert Money("1234.5").localized("en") == "€1,234.50"
    assert format_decimal(Decimal("-1234567.891"), "fr") == "-1\u202f234\u202f567,891"


def test_period_parse_and_navigation() -> None:
    p = Period.parse("2024-12")
    assert p.next() == Period(2025, 1)
    assert p.last_day() == dt.date(2024, 12, 31)
    assert Period(2025, 2).quarter_end() == dt.date(2025, 3, 31)
    for bad in ["2024-13", "24-12", "2024/12", "2024-1"]:
        with pytest.raises(InvalidPeriod):
            Period.parse(bad)


@given(periods())
def test_period_text_round_trip(period: Period) -> None:
    assert Period.parse(str(period)) == period


def test_date_range() -> None:
    r = DateRange("2025-01-15", "2025-03-02")
    assert dt.date(2025, 2, 1) in r
    assert dt.date(2025, 3, 3) not in r
    assert r.days() == 47
    assert DateRange("2025-01-01").days() is None
    with pytest.raises(InvalidPeriod) as info:
        DateRange("2025-02-01", "2025-01-01")
    assert info.value.path == "$.end"
    with pytest.raises(InvalidType):
        DateRange(dt.datetime(2025, 1, 1), None)


def test_add_months_clamps_month_end() -> None:
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2024, 11, 15), 3) == dt.date(2025, 2, 15)


def test_belgian_holidays_2025() -> None:
    """Easter 2025 was 20 April: Easter Monday 21/4, Ascension 29/5, Whit Monday 9/6."""
    days = belgian_public_holidays(2025)
    assert {dt.date(2025, 4, 21), dt.date(2025, 5, 29), dt.date(2025, 6, 9)} <= days
    assert len(days) == 10


def test_working_days_skip_weekends_and_holidays() -> None:
    # Friday 31 Oct 2025 + 5 working days: Mon 3 .. Fri 7 Nov (1 Nov is a Saturday).
    assert add_working_days(dt.date(2025, 10, 31), 5) == dt.date(2025, 11, 7)
    # Monday 10 Nov 2025 + 2: Tue 11 Nov is a holiday, so Wed 12 and Thu 13.
    assert add_working_days(dt.date(2025, 11, 10), 2) == dt.date(2025, 11, 13)


def test_text_fallback_and_format() -> None:
    t = Text(fr="{n} jours", nl="{n} dagen")
    assert t.get("en") == "{n} jours"
    assert t.format(n=5).get("nl") == "5 dagen"
    dated = Text(fr="le {d}", en="on {d}").format(d=dt.date(2025, 3, 1))
    assert dated.get("fr") == "le 01/03/2025"
    assert dated.get("en") == "on 2025-03-01"
    with pytest.raises(InvalidValue):
        Text()


def test_parse_lang() -> None:
    assert parse_lang("nl_BE.UTF-8") == "nl"
    assert parse_lang("C.UTF-8") == "fr"
    assert parse_lang("") == "fr"


def test_negative_zero_is_plain_zero() -> None:
    """-0.00 is accepted as zero and written without a sign (lossless canonical form)."""
    assert str(Money("-0.00").amount) == "0.00"
    assert Money("-0") == Money.zero()
