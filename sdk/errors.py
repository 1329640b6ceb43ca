"""One exception hierarchy for the whole SDK.

Every error raised by the SDK derives from :class:`CpasError`, and also from the
builtin that fits (``ValueError`` for a value that cannot be represented,
``TypeError`` for a value of the wrong kind, ``LookupError`` for a missing
rule or parameter), so callers can catch narrowly or broadly::

    try:
        person = Person(niss="85073003329", ...)
    except InvalidValue as exc:
        print(exc.path, exc.reason)     # $.niss  checksum does not match

Errors name the field, carry a path in the cattrs style (``$.objectives[2].deadline``)
and the offending value **as it may be shown**: a NISS is always masked.
"""

from __future__ import annotations

__all__ = [
    "CpasError",
    "InvalidIban",
    "InvalidKbo",
    "InvalidMoney",
    "InvalidNisCode",
    "InvalidNiss",
    "InvalidPeriod",
    "InvalidType",
    "InvalidValue",
    "NoRuleInForce",
]


def _join(prefix: str, path: str) -> str:
    """Join a parent path and a child path (both in ``$.a.b[1]`` form)."""
    if not path or path == "$":
        return prefix
    rest = path[1:] if path.startswith("$") else "." + path
    return prefix + rest


class CpasError(Exception):
    """Root of every error raised by cpas-sdk."""


class _Located(CpasError):
    """An error about one field, with a path and a displayable value."""

    field: str | None
    path: str
    reason: str
    shown: str | None

    def __init__(
        self,
        reason: str,
        *,
        field: str | None = None,
        path: str | None = None,
        shown: str | None = None,
    ) -> None:
        self.reason = reason
        self.field = field
        self.path = path if path is not None else ("$." + field if field else "$")
        self.shown = shown
        super().__init__(self._text())

    def _text(self) -> str:
        text = f"{self.reason} @ {self.path}"
        if self.shown is not None:
            text += f" (got {self.shown})"
        return text

    def within(self, prefix: str) -> _Located:
        """Return the same error with its path placed under ``prefix``.

        Used by loaders (XML, CSV, nested documents) that know where the
        value sat in the larger structure.
        """
        new = type(self).__new__(type(self))
        _Located.__init__(
            new, self.reason, field=self.field, path=_join(prefix, self.path), shown=self.shown
        )
        return new

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (type(self), self.reason, self.field, self.path, self.shown))


def _rebuild(
    cls: type[_Located], reason: str, field: str | None, path: str, shown: str | None
) -> _Located:
    err = cls.__new__(cls)
    _Located.__init__(err, reason, field=field, path=path, shown=shown)
    return err


class InvalidValue(_Located, ValueError):
    """A value that cannot be represented (bad checksum, negative amount…)."""


class InvalidType(_Located, TypeError):
    """A value of the wrong kind (a float for money, a string for a date…)."""


class InvalidNiss(InvalidValue):
    """Not a valid NISS/INSZ (national register or BIS number)."""


class InvalidKbo(InvalidValue):
    """Not a valid KBO/BCE enterprise number."""


class InvalidNisCode(InvalidValue):
    """Not a valid NIS/INS municipality code."""


class InvalidIban(InvalidValue):
    """Not a valid IBAN."""


class InvalidMoney(InvalidValue):
    """Not a representable euro amount (negative, more than two decimals…)."""


class InvalidPeriod(InvalidValue):
    """Not a valid year-month period or date range."""


class NoRuleInForce(CpasError, LookupError):
    """No rule or parameter is in force at the date asked for."""

    def __init__(self, key: str, on: object) -> None:
        self.key = key
        self.on = on
        super().__init__(f"no value of {key!r} is in force on {on}")
