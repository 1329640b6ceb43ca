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
    if amount != amount.quantize(CENT):
        raise InvalidMoney("has more than two decimals", field="amount", shown=str(amount))
    return amount.quantize(CENT).copy_abs()  # a zero may arrive as -0.00: keep no sign


@attrs.frozen(order=True, repr=False)
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
        return cls(0)

    @classmethod
    def rounded(cls, value: Decimal | int | str) -> Money:
        """Round an exact computation half up to the cent."""
        return cls(to_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP))

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
        return Money(self.amount + other.amount)

    def __sub__(self, other: Money) -> Money:
        """Difference; raises :class:`InvalidMoney` when it would be negative."""
        if not isinstance(other, Money):
            return NotImplemented
        return Money(self.amount - other.amount)

    def __mul__(self, factor: Decimal | int) -> Money:
        return Money.rounded(self.amount * to_decimal(factor, field="factor"))

    __rmul__ = __mul__

    def percent(self, rate: Decimal | int | str) -> Money:
        """``rate`` percent of this amount, rounded half up to the cent."""
        return Money.rounded(self.amount * to_decimal(rate, field="rate") / 100)

    def __bool__(self) -> bool:
        return bool(self.amount)

    @staticmethod
    def total(amounts: Iterable[Money]) -> Money:
        """Sum of ``amounts`` (zero for none)."""
        return Money(sum((m.amount for m in amounts), Decimal(0)))

    def allocate(self, weights: Sequence[Decimal | int]) -> tuple[Money, ...]:
        """Split this amount by ``weights`` so that the parts add up exactly.

        Cents left over by rounding go one by one to the largest remainders
        (ties to the first), so no cent is created or lost.

        >>> Money("500").allocate([1, 1, 1])
        (Money('166.67'), Money('166.67'), Money('166.66'))
        """
        ws = [to_decimal(w, field="weight") for w in weights]
        if not ws or any(w < 0 for w in ws) or sum(ws) == 0:
            raise InvalidMoney("weights must be non-negative and not all zero", field="weights")
        total_w = sum(ws)
        cents = int(self.amount * 100)
        exact = [Decimal(cents) * w / total_w for w in ws]
        floors = [int(e) for e in exact]
        left = cents - sum(floors)
        order = sorted(range(len(ws)), key=lambda i: (-(exact[i] - floors[i]), i))
        for i in order[:left]:
            floors[i] += 1
        return tuple(Money(Decimal(c) / 100) for c in floors)
