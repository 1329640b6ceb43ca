"""A compiled reader for record elements: the fast path of :func:`~.mapping.from_element`.

A batch of a million reimbursement lines is read line by line; the generic
reader (:class:`~.mapping._Reader`) walks the plan of the class for every
element, builds paths for errors that do not happen, checks each lexical form
with an uncompiled pattern and constructs every value through its class. This
module compiles, once per class and namespace, a reader that does the same
work in a few operations per child element. It is **only a shortcut**:

* it reads the same tree the same way: the children must come in plan order,
  each known, none repeated, every required one present, leaves without child
  nodes (a comment counts); each text goes through the same steps as
  :meth:`Scalar.parse` (collapse, pattern — compiled —, enumeration, read) and
  the object is built through ``cls(**values)``, so every converter and
  validator of the model runs (skipping them was tried: checking that each
  value is what its converter returns unchanged costs as much as running it);
* two things it leaves to the schema, which refuses both: attributes (the
  schemas declare none) and text between the children (no mixed content). So
  it is meant for elements checked by the schema, in the same pass or before;
* whenever anything differs from that common case (an unknown or misplaced
  element, a comment, a lexical form the pattern refuses, any exception), it
  returns ``None`` and the caller runs the generic reader, which gives the
  exact error, path and line. Apart from the two points above, nothing is
  taken from the schema: the reader is also used on records whose validation
  is still under way (the check of a batch validates and reads in one pass,
  and uses what it read only if the whole file turns out valid).

Where it saves most is on the values that repeat or have a simple form:

* values of immutable types with few distinct forms (enum members, months,
  dates, booleans, languages) are kept in a small table by their text
  (bounded: cleared past :data:`_CACHE_LIMIT` entries), so equal texts give
  equal (shared, frozen) objects;
* an amount written ``digits.dd`` (what the SDK writes) is a ``Money`` whose
  amount is ``Decimal(text)``: that is exactly what ``Money``'s converter
  returns for such a text (finite, not negative, two decimals already);
* an 11-digit NISS that :func:`~cpas.sdk.identifiers.niss_checks_out` accepts is
  a ``Niss`` holding that text: again what its converter returns (it runs the
  same check first). Any other NISS goes through ``Niss(text)`` and stdnum.

``tests/adapters/test_fastpath.py`` checks that both readers give equal
objects on generated documents and on every line of the valid corpus, that
the fast reader gives way on refused values (bad check digits, 30 February,
a comment inside a value…), and that wherever it reads a line of the invalid
corpus differently from the generic reader, the schema refuses that file.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from lxml import etree

from ...sdk.identifiers import Niss, niss_checks_out
from ...sdk.money import Money
from .mapping import Scalar, slots

__all__ = ["FastReader", "fast_reader"]

T = TypeVar("T")

FastReader = Callable[[etree._Element], Any]
"""Reads one element: the object, or ``None`` when the generic reader must run."""

_XML_WHITESPACE = " \t\n\r"
_CACHE_LIMIT = 4096
_CENTS = re.compile(r"[0-9]{1,20}\.[0-9]{2}")
_NEW = object.__new__
_SET = object.__setattr__


class _GiveWay(Exception):
    """The fast reader cannot vouch for this element: use the generic reader."""


def _money(text: str) -> Money:
    if _CENTS.fullmatch(text):
        value: Money = _NEW(Money)
        _SET(value, "amount", Decimal(text))
        return value
    return Money(text)


def _niss(text: str) -> Niss:
    if niss_checks_out(text):
        value: Niss = _NEW(Niss)
        _SET(value, "compact", text)
        return value
    return Niss(text)


_READS: dict[Any, Callable[[str], Any]] = {Money: _money, Niss: _niss}
"""Faster reads giving what ``Scalar.read`` gives (see the module docstring)."""


def _is_few_valued(scalar: Scalar) -> bool:
    """Immutable values with few distinct texts in a batch: worth a table."""
    return bool(scalar.values) or scalar.name in ("Period", "Date", "Lang", "xs:boolean")


def _converter(scalar: Scalar) -> Callable[[str | None], Any]:
    """``Scalar.parse`` compiled (a text of ``None`` is ``""``, as for the generic
    reader); raises :class:`_GiveWay` where ``parse`` would refuse."""
    pattern = re.compile(scalar.pattern) if scalar.pattern is not None else None
    values = frozenset(scalar.values)
    collapse = scalar.collapse
    read = _READS.get(scalar.python, scalar.read)

    def parse(text: str | None) -> Any:
        text = text or ""
        if collapse:
            text = text.strip(_XML_WHITESPACE)
        if pattern is not None and pattern.fullmatch(text) is None:
            raise _GiveWay
        if values and text not in values:
            raise _GiveWay
        return read(text)

    if not _is_few_valued(scalar):
        return parse
    table: dict[str | None, Any] = {}

    def lookup(text: str | None) -> Any:
        found = table.get(text)
        if found is None:
            if len(table) >= _CACHE_LIMIT:
                table.clear()
            found = table[text] = parse(text)
        return found

    return lookup


def _compile(cls: type[T], namespace: str) -> Callable[[etree._Element], T | None] | None:
    plan = slots(cls)
    if any(slot.many or not isinstance(slot.value, Scalar) for slot in plan):
        return None  # nested classes and lists: the generic reader only
    ns = "{" + namespace + "}"
    table: dict[Any, tuple[int, str, Callable[[str | None], Any]]] = {}
    optional: dict[str, None] = {}
    for position, slot in enumerate(plan):
        if not isinstance(slot.value, Scalar):  # pragma: no cover - excluded above
            return None
        table[ns + slot.element] = (position, slot.arg, _converter(slot.value))
        if slot.optional:
            optional[slot.arg] = None
    total = len(plan)
    get = table.get

    def read(element: etree._Element) -> T | None:
        values: dict[str, Any] = dict(optional)
        last = -1
        try:
            for child in element:
                entry = get(child.tag)
                if entry is None or entry[0] <= last or len(child):
                    return None
                last, arg, convert = entry
                values[arg] = convert(child.text)
            if len(values) != total:
                return None  # a required element is missing
            return cls(**values)
        except Exception:  # any doubt: the generic reader decides
            return None

    return read


_readers: dict[tuple[type, str], Callable[[etree._Element], Any] | None] = {}
_lock = threading.Lock()


def fast_reader(cls: type[T], namespace: str) -> Callable[[etree._Element], T | None] | None:
    """The compiled reader of ``cls`` in ``namespace`` (built once), or ``None`` when the
    class has nested or repeated fields (then only the generic reader applies)."""
    key = (cls, namespace)
    if key not in _readers:
        built = _compile(cls, namespace)
        with _lock:
            _readers.setdefault(key, built)
    reader: Callable[[etree._Element], T | None] | None = _readers[key]
    return reader
