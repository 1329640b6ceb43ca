"""Dated rule tables: amounts, thresholds, deadlines and rates with validity dates.

Law changes by date: an indexation, a reform or an annulment is a new row in
``data/parameters.toml``, not a code change, and a document is checked against
the values in force at its own date. Each row names its legal source.

>>> p = Parameters.default()
>>> p.money("partnership.intervention.full", dt.date(2013, 3, 1))
Money('500.00')
>>> p.integer("piis.evaluations_per_year", dt.date(2015, 6, 1))
4
>>> p.integer("piis.evaluations_per_year", dt.date(2017, 6, 1))
3
"""

from __future__ import annotations

import datetime as dt
import itertools
import tomllib
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal, TypeVar, cast

import attrs

from .errors import InvalidValue, NoRuleInForce
from .money import Money, to_decimal

__all__ = ["Entry", "Parameters", "ValueKind"]

V = TypeVar("V")

ValueKind = Literal["money", "int", "decimal", "text", "monthday"]
_KINDS: frozenset[str] = frozenset({"money", "int", "decimal", "text", "monthday"})


@attrs.frozen
class Entry:
    """One value of one parameter over one validity interval (both ends included)."""

    key: str
    kind: ValueKind
    value: str
    valid_from: dt.date
    valid_until: dt.date | None
    source: str

    def applies_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


def _entry(raw: Mapping[str, object], where: str) -> Entry:
    try:
        key, kind, value = raw["key"], raw["kind"], raw["value"]
        start, until, source = raw["from"], raw.get("until"), raw["source"]
    except KeyError as exc:
        raise InvalidValue(f"missing {exc.args[0]!r}", path=where) from None
    if not isinstance(key, str) or kind not in _KINDS or not isinstance(source, str):
        raise InvalidValue("bad key, kind or source", path=where, shown=repr(raw))
    if not isinstance(start, dt.date) or (until is not None and not isinstance(until, dt.date)):
        raise InvalidValue("'from' and 'until' must be TOML dates", path=where)
    entry = Entry(key, kind, str(value), start, until, source)  # type: ignore[arg-type]
    _decode(entry)  # fail at load time, not at check time
    return entry


def _decode(entry: Entry) -> Money | int | Decimal | str | tuple[int, int]:
    if entry.kind == "money":
        return Money(entry.value)
    if entry.kind == "int":
        return int(entry.value)
    if entry.kind == "decimal":
        return to_decimal(entry.value)
    if entry.kind == "monthday":
        month, day = (int(x) for x in entry.value.split("-"))
        dt.date(2000, month, day)
        return (month, day)
    return entry.value


@attrs.frozen
class Parameters:
    """An immutable set of dated parameters; look values up by key and date."""

    entries: tuple[Entry, ...]
    _index: dict[str, tuple[Entry, ...]] = attrs.field(init=False, eq=False, repr=False)
    _found: dict[tuple[str, str, dt.date], object] = attrs.field(
        init=False, eq=False, repr=False, factory=dict)
    """Values already looked up: (what, key, day) -> value. The table is immutable, so a
    value found for a key and a day stays right; errors are not kept."""

    def __attrs_post_init__(self) -> None:
        index: dict[str, list[Entry]] = {}
        for entry in self.entries:
            index.setdefault(entry.key, []).append(entry)
        for key, rows in index.items():
            rows.sort(key=lambda e: e.valid_from)
            for before, after in itertools.pairwise(rows):
                if before.valid_until is None or before.valid_until >= after.valid_from:
                    raise InvalidValue("validity intervals overlap", path=f"$.{key}",
                                       shown=f"{before.valid_from}..{before.valid_until}")
        object.__setattr__(self, "_index", {k: tuple(v) for k, v in index.items()})

    @classmethod
    def from_toml(cls, data: bytes | str, origin: str = "parameters.toml") -> Parameters:
        raw = tomllib.loads(data.decode("utf-8") if isinstance(data, bytes) else data)
        rows = raw.get("param", [])
        return cls(tuple(_entry(row, f"{origin}:param[{i}]") for i, row in enumerate(rows)))

    @classmethod
    def load(cls, path: Path) -> Parameters:
        """Load a parameter file of the same format as the built-in one."""
        return cls.from_toml(path.read_bytes(), str(path))

    @classmethod
    def default(cls) -> Parameters:
        """The built-in table shipped with the SDK."""
        return _default()

    def with_entries(self, entries: Iterable[Entry]) -> Parameters:
        """A copy with extra rows (e.g. a new indexation); overlaps are refused."""
        return Parameters(self.entries + tuple(entries))

    def keys(self) -> tuple[str, ...]:
        return self._remembered("keys", "", dt.date.min, lambda: tuple(sorted(self._index)))

    def history(self, key: str) -> tuple[Entry, ...]:
        return self._index.get(key, ())

    def entry(self, key: str, on: dt.date) -> Entry:
        """The row of ``key`` in force ``on``; :class:`NoRuleInForce` if none."""
        for entry in self._index.get(key, ()):
            if entry.applies_on(on):
                return entry
        raise NoRuleInForce(key, on)

    def in_force(self, key: str, on: dt.date) -> bool:
        return self._remembered("in_force", key, on, lambda: any(
            e.applies_on(on) for e in self._index.get(key, ())))

    def money(self, key: str, on: dt.date) -> Money:
        return self._remembered("money", key, on,
                                lambda: Money(self._typed(key, on, "money")))

    def integer(self, key: str, on: dt.date) -> int:
        return self._remembered("int", key, on, lambda: int(self._typed(key, on, "int")))

    def decimal(self, key: str, on: dt.date) -> Decimal:
        return self._remembered("decimal", key, on,
                                lambda: to_decimal(self._typed(key, on, "decimal")))

    def text(self, key: str, on: dt.date) -> str:
        return self._typed(key, on, "text")

    def day_in_year(self, key: str, year: int) -> dt.date:
        """A ``monthday`` parameter (e.g. 15 November) placed in ``year``."""
        first = dt.date(year, 1, 1)

        def placed() -> dt.date:
            entry = self.entry(key, first)
            if entry.kind != "monthday":
                raise InvalidValue(f"parameter is of kind {entry.kind}", path=f"$.{key}")
            month, day = (int(x) for x in entry.value.split("-"))
            return dt.date(year, month, day)

        return self._remembered("monthday", key, first, placed)

    def _remembered(self, what: str, key: str, on: dt.date, compute: Callable[[], V]) -> V:
        """``compute()``, remembered under (what, key, day) for later look-ups (a bounded
        memory: forgotten when full; an error is raised, not remembered)."""
        where = (what, key, on)
        found = self._found.get(where)
        if found is None:
            found = compute()
            if len(self._found) >= _KEEP_AT_MOST:
                self._found.clear()
            self._found[where] = found
        return cast(V, found)

    def _typed(self, key: str, on: dt.date, kind: ValueKind) -> str:
        entry = self.entry(key, on)
        if entry.kind != kind:
            raise InvalidValue(f"parameter is of kind {entry.kind}, not {kind}", path=f"$.{key}")
        return entry.value


_KEEP_AT_MOST = 20_000
"""Values a :class:`Parameters` remembers (keys times days seen) before starting afresh."""


@lru_cache(maxsize=1)
def _default() -> Parameters:
    """Every ``data/*.toml`` file of the package, merged (one file per subject)."""
    entries: list[Entry] = []
    folder = resources.files("cpas.sdk").joinpath("data")
    for item in sorted(folder.iterdir(), key=lambda i: i.name):
        if item.name.endswith(".toml"):
            entries.extend(Parameters.from_toml(item.read_bytes(), f"cpas/sdk/data/{item.name}")
                           .entries)
    return Parameters(tuple(entries))
