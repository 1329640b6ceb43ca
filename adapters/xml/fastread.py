"""Compiled readers: the fast paths of :func:`~.mapping.from_element` and :func:`~.mapping.load`.

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
  the object is built as ``cls(**values)`` builds it, so every converter and
  validator of the model runs (skipping them was tried: checking that each
  value is what its converter returns unchanged costs as much as running it).
  Only the layer :func:`~cpas.sdk._model.locate` puts around each converter to
  name its field in errors is left out (:func:`_initialiser`): here an error
  only makes the reader give way, and the generic reader names the field;
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
  dates, booleans, languages, enterprise numbers, NIS codes) are kept in a
  small table by their text (bounded: cleared past :data:`_CACHE_LIMIT`
  entries), so equal texts give equal (shared, frozen) objects;
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

**Whole documents** (:func:`document_reader`, used by :func:`~.mapping.load`,
so by ``from_xml`` and the exchange folder): the same compiled steps for every
class of the document, nested classes and lists included (a list is its
wrapper element holding one item element per value, as in the mapping rules).
This reader does not rely on the schema: besides what the record reader
checks, it gives way on any attribute in the document (the generic reader
tolerates ``xsi:*`` and refuses the rest), on text that is not XML white space
between or around the children of a class or list element, and on a comment or
processing instruction anywhere it expects elements or a value. So wherever the
generic reader would raise, it returns ``None`` and the generic reader raises
the error, with its path and line. ``tests/adapters/test_fastpath_documents.py``
compares both on generated documents of every kind, on the valid, invalid and
semantic corpus files, and on spoilt documents.
"""

from __future__ import annotations

import re
import types
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

import attrs
from lxml import etree

from ...sdk._model import unlocated
from ...sdk.identifiers import Niss, niss_checks_out
from ...sdk.money import Money
from .mapping import Scalar, built_once, scalar_for, slots

__all__ = ["FastReader", "document_reader", "fast_reader"]

T = TypeVar("T")

FastReader = Callable[[etree._Element], Any]
"""Reads one element: the object, or ``None`` when the generic reader must run."""

_XML_WHITESPACE = " \t\n\r"
_CACHE_LIMIT = 4096
KEPT_TEXT_MAX = 64
"""Longest text kept in a table of few-valued values (here, in :mod:`.scan` and in
:mod:`.plainread`): a date or an enumeration value padded with white space (which the
schema allows) is converted, but not kept, so a table holds at most
``_CACHE_LIMIT`` short texts whatever the input."""
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


_STRING = scalar_for(str)


def _text(text: str | None) -> str:
    return text or ""


def _is_few_valued(scalar: Scalar) -> bool:
    """Immutable values with few distinct texts in a batch: worth a table."""
    return bool(scalar.values) or scalar.name in ("Period", "Date", "Lang", "xs:boolean",
                                                  "Kbo", "NisCode")


def _converter(scalar: Scalar, *, kept: bool = True) -> Callable[[str | None], Any]:
    """``Scalar.parse`` compiled (a text of ``None`` is ``""``, as for the generic
    reader); raises :class:`_GiveWay` where ``parse`` would refuse. ``kept``: values of
    few-valued types are kept in a table by their text (callers with their own table
    say False)."""
    pattern = re.compile(scalar.pattern) if scalar.pattern is not None else None
    values = frozenset(scalar.values)
    collapse = scalar.collapse
    read = _READS.get(scalar.python, scalar.read)
    if scalar is _STRING:
        return _text  # what parse gives for xs:string: the text as it is

    def parse(text: str | None) -> Any:
        text = text or ""
        if collapse:
            text = text.strip(_XML_WHITESPACE)
        if pattern is not None and pattern.fullmatch(text) is None:
            raise _GiveWay
        if values and text not in values:
            raise _GiveWay
        return read(text)

    if not kept or not _is_few_valued(scalar):
        return parse
    table: dict[str | None, Any] = {}

    def lookup(text: str | None) -> Any:
        found = table.get(text)
        if found is None:
            found = parse(text)
            if text is None or len(text) <= KEPT_TEXT_MAX:
                if len(table) >= _CACHE_LIMIT:
                    table.clear()
                table[text] = found
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
    build = _builder(cls)

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
            return build(values)
        except Exception:  # any doubt: the generic reader decides
            return None

    return read


_readers: dict[tuple[type, str], Callable[[etree._Element], Any] | None] = {}


def _initialiser(cls: type) -> Callable[..., None]:
    """The ``__init__`` attrs generated for ``cls``, run with each field's converter as
    declared (the function :func:`~cpas.sdk._model.locate` wraps: ``unlocated``)
    instead of the wrapper that only renames its errors. Everything else is the
    class's own code and globals: defaults, factories, validators, hooks."""
    target: Any = cls
    init: Any = target.__init__
    code = getattr(init, "__code__", None)
    if code is None or not code.co_filename.startswith("<attrs generated"):
        return init  # type: ignore[no-any-return]  # not attrs' own code: run it as it is
    names = set(code.co_names)
    scope = dict(init.__globals__)
    for field in attrs.fields(cls):
        key = f"__attr_converter_{field.name}"
        wrapped = unlocated(scope.get(key))
        if key in names and wrapped is not None:
            scope[key] = wrapped
    plain = types.FunctionType(code, scope, init.__name__, init.__defaults__, init.__closure__)
    plain.__kwdefaults__ = init.__kwdefaults__
    return plain


def _plain_construction(cls: type) -> bool:
    """Whether ``cls(**values)`` is ``object.__new__(cls)`` then ``cls.__init__``: no
    ``__new__`` of its own, no metaclass ``__call__``."""
    target: Any = cls
    return bool(target.__new__ is object.__new__ and type(cls).__call__ is type.__call__)


def _builder(cls: type[T]) -> Callable[[dict[str, Any]], T]:
    """``values -> cls(**values)``, through :func:`_initialiser` when the class is
    made the plain way (otherwise ``cls(**values)`` itself)."""
    if not _plain_construction(cls):
        return lambda values: cls(**values)
    init = _initialiser(cls)
    new = object.__new__

    def build(values: dict[str, Any]) -> T:
        obj: T = new(cls)
        init(obj, **values)
        return obj

    return build


# --------------------------------------------------------------------------- whole documents

_LEAF, _PART, _LEAVES, _PARTS = range(4)
"""How a child element is read: a value, a nested object, a list of values or of objects."""

_HAS_ATTRIBUTE = etree.XPath("boolean(descendant-or-self::*/@*)")


def _items(wrapper: etree._Element, tag: str, how: int,
           read: Callable[[Any], Any]) -> tuple[Any, ...]:
    """The items of a list's wrapper element, as the generic reader takes them."""
    text = wrapper.text
    if text and text.strip(_XML_WHITESPACE):
        raise _GiveWay
    out = []
    for one in wrapper:
        text = one.tail
        if one.tag != tag or (text and text.strip(_XML_WHITESPACE)):
            raise _GiveWay
        if how == _PARTS:
            out.append(read(one))
        elif len(one):
            raise _GiveWay
        else:
            out.append(read(one.text))
    return tuple(out)


_Part = Callable[[etree._Element], Any]


def _compile_part(cls: type, ns: str, built: dict[type, _Part]) -> _Part:
    """The compiled reader of one class (raising :class:`_GiveWay`), nested ones included;
    ``built`` holds the readers of the classes already compiled for this document."""
    found = built.get(cls)
    if found is not None:
        return found
    final: list[_Part] = []

    def late(element: etree._Element) -> Any:  # a class nested in itself
        return final[0](element)

    built[cls] = late
    table: dict[Any, tuple[int, str, int, Callable[[Any], Any], str]] = {}
    optional: dict[str, None] = {}
    for position, slot in enumerate(slots(cls)):
        value = slot.value
        read: Callable[[Any], Any] = (_converter(value) if isinstance(value, Scalar)
                                      else _compile_part(value, ns, built))
        if slot.many:
            how = _LEAVES if isinstance(value, Scalar) else _PARTS
        else:
            how = _LEAF if isinstance(value, Scalar) else _PART
        table[ns + slot.element] = (position, slot.arg, how, read, ns + str(slot.item))
        if slot.optional:
            optional[slot.arg] = None
    total = len(table)
    get = table.get
    build: Callable[[dict[str, Any]], Any] = _builder(cls)

    def part(element: etree._Element) -> Any:
        text = element.text
        if text and text.strip(_XML_WHITESPACE):
            raise _GiveWay
        values: dict[str, Any] = dict(optional)
        last = -1
        for child in element:
            entry = get(child.tag)
            text = child.tail
            if entry is None or entry[0] <= last or (text and text.strip(_XML_WHITESPACE)):
                raise _GiveWay
            last, arg, how, read, item = entry
            if how == _LEAF:
                if len(child):
                    raise _GiveWay
                values[arg] = read(child.text)
            elif how == _PART:
                values[arg] = read(child)
            else:
                values[arg] = _items(child, item, how, read)
        if len(values) != total:
            raise _GiveWay  # a required element is missing
        return build(values)

    final.append(part)
    built[cls] = part
    return part


def _compile_document(cls: type[T], namespace: str) -> Callable[[etree._Element], T | None]:
    part = _compile_part(cls, "{" + namespace + "}", {})

    def read(root: etree._Element) -> T | None:
        try:
            if _HAS_ATTRIBUTE(root):
                return None  # xsi:* is tolerated, anything else refused: the generic reader
            document: T = part(root)
            return document
        except Exception:  # any doubt: the generic reader decides
            return None

    return read


_documents: dict[tuple[type, str], Callable[[etree._Element], Any]] = {}


def document_reader(cls: type[T], namespace: str) -> Callable[[etree._Element], T | None]:
    """The compiled reader of whole ``cls`` elements (nested classes and lists included),
    built once per class and namespace: the object, or ``None`` when the generic reader
    must run (see the module docstring)."""
    return built_once(_documents, (cls, namespace), lambda: _compile_document(cls, namespace))


def fast_reader(cls: type[T], namespace: str) -> Callable[[etree._Element], T | None] | None:
    """The compiled reader of ``cls`` in ``namespace`` (built once), or ``None`` when the
    class has nested or repeated fields (then only the generic reader applies)."""
    reader: Callable[[etree._Element], T | None] | None = built_once(
        _readers, (cls, namespace), lambda: _compile(cls, namespace))
    return reader
