"""Euro amounts as exact decimals.

Floats never touch money: constructing :class:`Money` from a ``float`` raises
:class:`~cpas.sdk.errors.InvalidType`. Amounts have at most two decimals and
are never negative (a recovery is its own document kind, not a negative sum).
Computations that produce more decimals round explicitly, half up to the cent,
as Belgian administrations do.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

import attrs

from .errors import InvalidMoney, InvalidType
from .text import Lang, format_decimal

__all__ = ["CENT", "Money", "to_decimal"]

CENT = Decimal("0.01")


def to_decimal(value: object, *, field: str = "amount") -> Decimal:
    """Read an exact decimal from ``Decimal``, ``int`` or a plain string.

    >>> to_decimal("1234.50")
    Decimal('1234.50')
    """
    if value.__class__ is Decimal:  # the usual case, first: the same checks as below
        if value.is_finite():
            return value
        raise InvalidMoney("must be a finite number", field=field, shown=str(value))
    if isinstance(value, (bool, float)):
        raise InvalidType(
            f"{type(value).__name__} is not accepted for exact amounts; use Decimal or str",
            field=field, shown=repr(value),
        )
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise InvalidMoney("not a decimal number", field=field, shown=repr(value)) from None
    else:
        raise InvalidType(f"expected Decimal, int or str, got {type(value).__name__}", field=field)
    if not result.is_finite():
        raise InvalidMoney("must be a finite number", field=field, shown=str(value))
    return result


def _amount(value: Decimal | int | str) -> Decimal:
    amount = to_decimal(value)
    if amount < 0:
        raise InvalidMoney("must not be negative", field="amount", shown=str(amount))
    cents = amount.quantize(CENT)
    if amount != cents:
        raise InvalidMoney("has more than two decimals", field="amount", shown=str(amount))
    return cents.copy_abs()  # a zero may arrive as -0.00: keep no sign


_NOUGHT = Decimal(0)
_new = object.__new__
_set = object.__setattr__


@attrs.frozen(order=False, repr=False)
class Money:
    """A non-negative amount in euro with exactly two decimals.

    >>> Money("500") + Money("250.5")
    Money('750.50')
    >>> Money("500").percent(Decimal("50"))
    Money('250.00')
    >>> Money("1234.5").localized("fr")
    '1\u202f234,50\xa0€'
    """

    amount: Decimal = attrs.field(converter=_amount)

    currency = "EUR"

    @classmethod
    def zero(cls) -> Money:
        return _ZERO if cls is Money else cls(0)

    @classmethod
    def rounded(cls, value: Decimal | int | str) -> Money:
        """Round an exact computation half up to the cent."""
        cents = to_decimal(value).quantize(CENT, ROUND_HALF_UP)
        return _computed(cents) if cls is Money else cls(cents)

    # Order by amount. attrs' ``order=True`` compares the tuples ``(amount,)``, which for
    # the finite decimals a Money holds is the same as comparing the amounts, only slower.

    def __lt__(self, other: Money) -> bool:
        if other.__class__ is self.__class__:
            return self.amount < other.amount
        return NotImplemented

    def __le__(self, other: Money) -> bool:
        if other.__class__ is self.__class__:
            return self.amount <= other.amount
        return NotImplemented

    def __gt__(self, other: Money) -> bool:
        if other.__class__ is self.__class__:
            return self.amount > other.amount
        return NotImplemented

    def __ge__(self, other: Money) -> bool:
        if other.__class__ is self.__class__:
            return self.amount >= other.amount
        return NotImplemented

    def __repr__(self) -> str:
        return f"Money('{self.amount}')"

    def __str__(self) -> str:
        return f"{self.amount} EUR"

    def localized(self, lang: Lang) -> str:
        """The amount as written in ``lang`` (``1 234,50 €``, ``€ 1.234,50``…)."""
        number = format_decimal(self.amount, lang, 2)
        if lang == "en":
            return f"€{number}"
        if lang == "nl":
            return f"€\xa0{number}"
        return f"{number}\xa0€"

    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        return _computed(self.amount + other.amount)

    def __sub__(self, other: Money) -> Money:
        """Difference; raises :class:`InvalidMoney` when it would be negative."""
        if not isinstance(other, Money):
            return NotImplemented
        return _computed(self.amount - other.amount)

    def __mul__(self, factor: Decimal | int) -> Money:
        return Money.rounded(self.amount * to_decimal(factor, field="factor"))

    __rmul__ = __mul__

    def percent(self, rate: Decimal | int | str) -> Money:
        """``rate`` percent of this amount, rounded half up to the cent."""
        exact = self.amount * to_decimal(rate, field="rate") / 100
        return _computed(exact.quantize(CENT, ROUND_HALF_UP))  # Money.rounded(exact)

    def __bool__(self) -> bool:
        return bool(self.amount)

    @staticmethod
    def total(amounts: Iterable[Money]) -> Money:
        """Sum of ``amounts`` (zero for none)."""
        result = _NOUGHT
        for money in amounts:
            result = result + money.amount
        return _computed(result)

    def allocate(self, weights: Sequence[Decimal | int]) -> tuple[Money, ...]:
        """Split this amount by ``weights`` so that the parts add up exactly.

        Cents left over by rounding go one by one to the largest remainders
        (ties to the first), so no cent is created or lost.

        >>> Money("500").allocate([1, 1, 1])
        (Money('166.67'), Money('166.67'), Money('166.66'))
        """
        ws = [to_decimal(w, field="weight") for w in weights]
        if not ws or any(w < _NOUGHT for w in ws):
            raise InvalidMoney("weights must be non-negative and not all zero", field="weights")
        # Exact fractions throughout: the parts add up whatever the size of the weights,
        # and two remainders equal as fractions tie (a sum or quotient rounded to the
        # decimal context's 28 digits may differ in its last digit).
        shares = [Fraction(w) for w in ws]
        whole = sum(shares, Fraction(0))
        if whole == 0:
            raise InvalidMoney("weights must be non-negative and not all zero", field="weights")
        cents = int(Fraction(self.amount) * 100)
        exact = [cents * share / whole for share in shares]
        floors = [e.numerator // e.denominator for e in exact]
        left = cents - sum(floors)
        if left:
            order = sorted(range(len(ws)), key=lambda i: (floors[i] - exact[i], i))
            for i in order[:left]:
                floors[i] += 1
        # Decimal(c).scaleb(-2) is c cents with exponent -2: what Money(Decimal(c) / 100) holds
        return tuple(_computed(Decimal(c).scaleb(-2)) for c in floors)


_ZERO = Money(0)
"""``Money.zero()``: a Money is immutable, one instance serves every caller."""


def _computed(value: Decimal) -> Money:
    """``Money(value)`` for a ``value`` computed by decimal arithmetic in the current
    context (a sum, a difference, a rounding): the same amount, or the same exception.

    Such a value has no more digits than the context's precision, so when it has
    exactly two decimals (``same_quantum``: finite, exponent -2) and is positive the
    checks of the converter cannot fail and the quantized amount is ``value`` itself;
    a zero of any sign or exponent always becomes ``0.00``. Anything else (a negative
    difference, a rounded result, another exponent) takes the public constructor.
    """
    if value.same_quantum(CENT) and value > _NOUGHT:
        money = _new(Money)
        _set(money, "amount", value)
        return money
    if value == _NOUGHT:  # quiet for a NaN: that one takes the constructor and its error
        return _ZERO
    return Money(value)
