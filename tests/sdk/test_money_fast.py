"""Money's fast paths against plain arithmetic.

Sums, differences, totals, roundings, percentages and splits skip the public
constructor's checks when the result is known to pass them. These tests compute
every expected amount independently, with integer cents or exact fractions
(rounded half up to the cent, as Belgian administrations do), and compare the
results, the exceptions (same class, field and reason), ``repr``, equality,
hashing and ordering with what the public constructor ``Money(Decimal)`` gives.
"""

from __future__ import annotations

import copy
import decimal
import math
from decimal import Decimal, InvalidOperation, localcontext
from fractions import Fraction

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cpas.sdk import InvalidMoney, Money

LARGEST_CENTS = 10**28 - 1
"""28 digits, the default decimal precision: the largest amount a Money holds."""


def cents_text(cents: int) -> str:
    """``12345`` -> ``"123.45"``, written by hand (no Decimal involved)."""
    return f"{cents // 100}.{cents % 100:02d}"


def money_of(cents: int) -> Money:
    return Money(cents_text(cents))


def half_up(value: Fraction) -> int:
    """Round ``|value|`` half up (away from zero on ties) to an integer."""
    return math.floor(abs(value) + Fraction(1, 2))


def same_error(left: BaseException, right: BaseException) -> bool:
    return (type(left) is type(right)
            and getattr(left, "reason", None) == getattr(right, "reason", None)
            and getattr(left, "field", None) == getattr(right, "field", None)
            and str(left) == str(right))


def assert_cents(result: Money, cents: int) -> None:
    """``result`` is exactly ``cents`` cents: value, two decimals, no sign, repr."""
    assert type(result) is Money
    assert result.amount == Fraction(cents, 100)
    sign, _, exponent = result.amount.as_tuple()
    assert exponent == -2 and sign == 0
    assert repr(result) == f"Money('{cents_text(cents)}')"
    assert result == money_of(cents) and hash(result) == hash(money_of(cents))


small = st.integers(0, 10**12)
any_cents = st.integers(0, LARGEST_CENTS)
cents = st.one_of(small, any_cents, st.sampled_from([0, 1, 99, 100, LARGEST_CENTS]))


@given(cents, cents)
def test_sum_is_the_exact_sum_or_the_constructors_error(a: int, b: int) -> None:
    """An exact sum up to 28 digits; beyond, the error ``Money(Decimal)`` raises."""
    left, right = money_of(a), money_of(b)
    if a + b <= LARGEST_CENTS:
        assert_cents(left + right, a + b)
    else:
        with pytest.raises(InvalidOperation):
            left + right
        with pytest.raises(InvalidOperation):
            Money(left.amount + right.amount)


@given(cents, cents)
def test_difference_is_exact_or_refused_as_negative(a: int, b: int) -> None:
    left, right = money_of(a), money_of(b)
    if a >= b:
        assert_cents(left - right, a - b)
        return
    with pytest.raises(InvalidMoney) as fast:
        left - right
    assert fast.value.field == "amount" and fast.value.reason == "must not be negative"
    with pytest.raises(InvalidMoney) as public:
        Money(left.amount - right.amount)
    assert same_error(fast.value, public.value)


@given(st.lists(small, max_size=8))
def test_total_is_the_sum_of_the_cents(values: list[int]) -> None:
    assert_cents(Money.total(money_of(c) for c in values), sum(values))


def test_total_of_nothing_is_zero() -> None:
    assert_cents(Money.total([]), 0)
    assert_cents(Money.zero(), 0)
    assert Money.zero() == Money(0)


@given(st.integers(-10**9, 10**9), st.integers(0, 6))
def test_rounded_half_up_to_the_cent(units: int, places: int) -> None:
    """``Money.rounded`` of a decimal with up to six places, against exact fractions."""
    value = Decimal(units).scaleb(-places)
    exact = Fraction(units, 10**places)
    expected = half_up(exact * 100)
    if exact < 0 and expected > 0:
        with pytest.raises(InvalidMoney) as fast:
            Money.rounded(value)
        assert fast.value.reason == "must not be negative"
        with pytest.raises(InvalidMoney) as public:
            Money(value.quantize(Decimal("0.01"), rounding=decimal.ROUND_HALF_UP))
        assert same_error(fast.value, public.value)
    else:
        assert_cents(Money.rounded(value), expected)  # -0.004 rounds to 0.00, unsigned


@given(small, st.integers(0, 100_000), st.integers(0, 3))
def test_percent_and_multiplication(amount: int, units: int, places: int) -> None:
    rate = Decimal(units).scaleb(-places)
    exact_rate = Fraction(units, 10**places)
    money = money_of(amount)
    assert_cents(money.percent(rate), half_up(Fraction(amount, 100) * exact_rate))
    assert_cents(money * rate, half_up(Fraction(amount) * exact_rate))
    assert_cents(rate * money, half_up(Fraction(amount) * exact_rate))


def reference_split(total: int, weights: list[int]) -> list[int]:
    """Largest remainders, cents left over to the first on ties, in whole numbers: part
    ``i`` is ``total * w_i // sum`` and its remainder ``total * w_i % sum``."""
    whole = sum(weights)
    floors = [total * w // whole for w in weights]
    order = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % whole), i))
    for i in order[:total - sum(floors)]:
        floors[i] += 1
    return floors


def test_allocate_ties_go_to_the_first() -> None:
    """5 cents over 72/85/28/100: 85 and 28 leave the same remainder (140/285), so the
    second cent goes to 85, the earlier one (1, 2, 0, 2 cents)."""
    parts = Money("0.05").allocate([72, 85, 28, 100])
    assert [p.amount for p in parts] == [Decimal("0.01"), Decimal("0.02"), Decimal("0.00"),
                                         Decimal("0.02")]


@given(small, st.lists(st.integers(0, 100), min_size=1, max_size=6).filter(any))
def test_allocate_matches_the_largest_remainder_split(amount: int, weights: list[int]) -> None:
    parts = money_of(amount).allocate(weights)
    expected = reference_split(amount, weights)
    assert sum(expected) == amount
    assert len(parts) == len(expected)
    for part, want, weight in zip(parts, expected, weights, strict=True):
        assert_cents(part, want)
        assert abs(Fraction(amount * weight, sum(weights)) - want) < 1


@pytest.mark.parametrize("weights", [[], [0, 0], [1, -1]])
def test_allocate_refuses_bad_weights(weights: list[int]) -> None:
    with pytest.raises(InvalidMoney) as caught:
        Money("10").allocate(weights)
    assert caught.value.field == "weights"


@given(cents, cents)
def test_order_equality_and_hash_follow_the_amounts(a: int, b: int) -> None:
    left, right = money_of(a), money_of(b)
    assert (left < right) is (a < b)
    assert (left <= right) is (a <= b)
    assert (left > right) is (a > b)
    assert (left >= right) is (a >= b)
    assert (left == right) is (a == b)
    assert (left != right) is (a != b)
    if a == b:
        assert hash(left) == hash(right)
    assert min(left, right).amount == Fraction(min(a, b), 100)
    assert max(left, right).amount == Fraction(max(a, b), 100)


@given(st.lists(cents, max_size=10))
def test_sorting_money_sorts_the_cents(values: list[int]) -> None:
    assert [m.amount for m in sorted(money_of(c) for c in values)] == [
        Decimal(cents_text(c)) for c in sorted(values)]


def test_comparing_with_other_types_is_refused_as_before() -> None:
    """Ordering against another type raises TypeError; equality is simply False."""
    money = Money("1.00")
    for other in (1, Decimal(1), "1.00", None):
        with pytest.raises(TypeError):
            money < other  # type: ignore[operator]  # noqa: B015
        with pytest.raises(TypeError):
            money >= other  # type: ignore[operator]  # noqa: B015
        assert money != other
    with pytest.raises(TypeError):
        money + 1  # type: ignore[operator]
    with pytest.raises(TypeError):
        money - Decimal(1)  # type: ignore[operator]


def test_zero_results_carry_no_sign() -> None:
    """``-0.00`` never leaks, whatever the context's rounding (ROUND_FLOOR gives x - x = -0)."""
    with localcontext() as ctx:
        ctx.rounding = decimal.ROUND_FLOOR
        assert (Decimal("5.00") - Decimal("5.00")).is_signed()
        assert_cents(Money("5.00") - Money("5.00"), 0)
    assert_cents(Money("-0.00"), 0)
    assert_cents(Money.rounded(Decimal("-0.004")), 0)
    assert_cents(Money("3.10") - Money("3.10"), 0)


def test_a_lower_precision_gives_the_constructors_errors() -> None:
    """With 10 digits of precision a sum of 11 digits is rounded: the fast path must not
    accept it, and raises what the public constructor raises."""
    left, right = Money("12345678.99"), Money("99999999.99")
    with localcontext() as ctx:
        ctx.prec = 10
        with pytest.raises(InvalidOperation):
            Money(left.amount + right.amount)
        with pytest.raises(InvalidOperation):
            left + right
        assert_cents(Money("1.25") + Money("2.50"), 375)


def test_largest_amount_and_one_cent_more() -> None:
    largest = money_of(LARGEST_CENTS)
    assert_cents(largest - Money("0.01"), LARGEST_CENTS - 1)
    assert_cents(largest + Money.zero(), LARGEST_CENTS)
    with pytest.raises(InvalidOperation):
        largest + Money("0.01")
    with pytest.raises(InvalidOperation):
        Money.total([largest, Money("0.01")])


def test_fast_results_copy_and_evolve_like_any_money() -> None:
    made = Money("10.05") + Money("0.95")
    assert copy.deepcopy(made) == Money("11.00")  # by the pickling protocol
    assert copy.copy(made) == made
    with pytest.raises(InvalidMoney):
        attrs.evolve(made, amount="-1")
    assert attrs.evolve(made, amount="2.5") == Money("2.50")


def test_allocate_adds_up_with_huge_weights() -> None:
    """Weights far beyond the decimal context's 28 digits: the parts still add up to the
    amount to the cent (their sum used to be rounded before dividing)."""
    amount = Money("97087378640776981094689561.76")
    parts = amount.allocate([103, Decimal("1E+30")])
    assert sum((p.amount for p in parts), Decimal(0)) == amount.amount
    cents = 9708737864077698109468956176
    for part, weight in zip(parts, (103, 10**30), strict=True):  # within a cent of its share
        assert abs(Fraction(part.amount) * 100 - Fraction(cents * weight, 10**30 + 103)) < 1
