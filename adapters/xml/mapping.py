"""Generic, lossless mapping between the SDK's frozen attrs models and XML.

The same rules drive the writer, the reader and the XSD generator
(:mod:`cpas.adapters.xml.xsdgen`), so a document, its XML and its schema cannot
disagree. These rules are the exchange contract:

Structure
    * One element per attrs field, named in lowerCamelCase after the field
      (``beneficiary_niss`` -> ``beneficiaryNiss``), in attrs field order
      (``xs:sequence``). Fields with ``init=False`` are derived and not written.
    * Every element is in the document's namespace (``urn:be:cpas-sdk:<kind>:1``);
      no attributes are used (``xsi:*`` attributes are tolerated on reading).
    * A nested attrs class is a child element whose children are its fields
      (named ``complexType``: the class name).
    * ``X | None``: the element is omitted when the value is ``None``
      (``minOccurs="0"``). Other unions are not supported.
    * ``tuple[X, ...]``: a wrapper element named after the field, always written
      (even empty, so that ``()`` round-trips), holding one element per item.
      The item element is named after the item's class in lowerCamelCase
      (``ReimbursementLine`` -> ``reimbursementLine``), ``item`` for builtin
      types and literals, or the name given in the field metadata ``"xml_item"``.

Values (the text of a leaf element)
    * ``str``: as is (whitespace kept; lxml escapes ``<``, ``&`` and ``\\r``).
      Characters that XML 1.0 cannot carry (control characters, lone surrogates,
      U+FFFE/U+FFFF) are refused with an error naming the path.
    * ``int`` -> ``xs:integer``; ``bool`` -> ``true``/``false`` (``1``/``0`` read);
      ``Decimal`` -> plain notation, never an exponent (``format(d, "f")``);
      ``datetime.date`` -> ISO ``YYYY-MM-DD`` (no time zone).
    * ``Money`` -> always two decimals (``500.00``); ``Niss`` -> 11 digits,
      ``Kbo`` -> 10 digits, ``NisCode`` -> 5 digits, ``Iban`` -> compact form,
      ``Period`` -> ``YYYY-MM``. ``DateRange`` and ``Text`` are ordinary nested
      classes (``start``/``end``; ``fr``/``nl``/``de``/``en``).
    * ``enum.Enum`` members -> their (string) ``.value``; ``Literal`` strings as is.
    * Every type except ``str`` is read after trimming XML white space, as
      ``xs:token``/``xs:decimal``/``xs:date`` collapse it.

Output is UTF-8 without BOM, with an XML declaration, indented with two spaces
between elements (never inside a value), and deterministic: the same document
gives the same bytes. Reading ignores the white space between elements.

The writer and the reader here are the reference. Their compiled shortcuts,
:mod:`~cpas.adapters.xml.fastwrite` (whole documents, used by ``to_xml``) and
:mod:`~cpas.adapters.xml.fastread` (records, and whole documents for :func:`load`),
give the same bytes and objects and hand over to this module whenever anything is
out of the ordinary.

Reading builds every object through its class's ``__init__`` (converters and
validators run), so a model's converters must accept their own output. Any SDK
error is re-raised with its path placed under the element's path
(``$.beneficiary.niss``) and the source line in ``error.line`` (see
:func:`error_line`); a structural problem (missing or unexpected element, bad
lexical form) is an :class:`XmlMappingError`, itself an
:class:`~cpas.sdk.errors.InvalidValue`.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import threading
import types
import typing
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

import attrs
from lxml import etree

from ...sdk.errors import CpasError, InvalidType, InvalidValue
from ...sdk.identifiers import Iban, Kbo, NisCode, Niss
from ...sdk.money import Money
from ...sdk.periods import Period
from ...sdk.privacy import mask_niss_in
from ...sdk.text import Lang

__all__ = [
    "XSI",
    "Scalar",
    "Slot",
    "XmlMappingError",
    "XmlModelError",
    "class_element_name",
    "dump",
    "element_name",
    "error_line",
    "from_element",
    "load",
    "scalar_for",
    "serialise",
    "slots",
    "to_element",
]

T = TypeVar("T")

XSI = "http://www.w3.org/2001/XMLSchema-instance"

_XML_WHITESPACE = " \t\n\r"
# Characters XML 1.0 can carry (https://www.w3.org/TR/xml/#charsets).
_NOT_XML_CHAR = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_LINE = "line"


class XmlModelError(CpasError, TypeError):
    """A model class uses a type the XML mapping does not support (a programming error)."""


class XmlMappingError(InvalidValue):
    """The XML does not have the shape the model expects, or a value has a bad form.

    ``path`` is the SDK path (``$.objectives[2].deadline``) and ``line`` the
    source line of the element, when known.
    """

    line: int | None

    def __init__(
        self,
        reason: str,
        *,
        path: str,
        line: int | None = None,
        shown: str | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(reason, field=field, path=path, shown=shown)
        _set_line(self, line)


def error_line(exc: BaseException) -> int | None:
    """The XML source line attached to an error raised while reading, if any."""
    line = getattr(exc, _LINE, None)
    return line if isinstance(line, int) else None


def _set_line(exc: CpasError, line: int | None) -> None:
    setattr(exc, _LINE, line)
    if line is not None:
        exc.args = (f"{exc.args[0] if exc.args else ''} [line {line}]",)


def _line(element: etree._Element) -> int | None:
    line = element.sourceline
    return line if isinstance(line, int) else None


# --------------------------------------------------------------------------- names


def element_name(field_name: str) -> str:
    """lowerCamelCase element name of a field: ``signed_on`` -> ``signedOn``."""
    head, *rest = field_name.strip("_").split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest if part)


_LEADING_CAPS = re.compile(r"^[A-Z]+(?=[A-Z][a-z]|[0-9]|$)|^[A-Z]")


def class_element_name(name: str) -> str:
    """lowerCamelCase element name of a class: ``ReimbursementLine`` -> ``reimbursementLine``,
    ``PIISObjective`` -> ``piisObjective``."""
    return _LEADING_CAPS.sub(lambda m: m.group(0).lower(), name, count=1)


# --------------------------------------------------------------------------- scalars


@attrs.frozen
class Scalar:
    """How one leaf value type is written and read.

    ``name`` is the XSD type: ``xs:…`` for a builtin, a common type name
    (``Niss``) for the SDK's value types, the class name for an enum.
    ``pattern`` (XSD regex syntax, also valid in Python) and ``values``
    (enumeration) constrain the lexical form on both sides.
    """

    name: str
    python: Any
    write: Callable[[Any], str]
    read: Callable[[str], Any]
    accepts: Callable[[Any], bool]
    pattern: str | None = None
    values: tuple[str, ...] = ()
    collapse: bool = True
    enum_class: type[enum.Enum] | None = None

    def parse(self, text: str) -> Any:
        """Check the lexical form, then convert (SDK errors propagate)."""
        if self.collapse:
            text = text.strip(_XML_WHITESPACE)
        if self.pattern is not None and not re.fullmatch(self.pattern, text):
            raise InvalidValue(f"not a valid {self.name.removeprefix('xs:')}",
                               shown=mask_niss_in(repr(text[:40])))
        if self.values and text not in self.values:
            raise InvalidValue(f"not one of {', '.join(self.values)}",
                               shown=mask_niss_in(repr(text[:40])))
        return self.read(text)


def _write_decimal(value: Decimal) -> str:
    if not value.is_finite():
        raise InvalidValue("an XML decimal must be finite", shown=str(value))
    return format(value, "f")


def _write_int(value: int) -> str:
    return str(value)


def _read_bool(text: str) -> bool:
    return text in ("true", "1")


def _write_bool(value: bool) -> str:
    return "true" if value else "false"


def _identity(value: str) -> str:
    return value


def _is_date(value: object) -> bool:
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _instance_of(kind: type) -> Callable[[Any], bool]:
    def accepts(value: Any) -> bool:
        return isinstance(value, kind)

    return accepts


_DECIMAL = r"[+\-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)"

_SCALARS: dict[Any, Scalar] = {
    str: Scalar("xs:string", str, _identity, _identity, _instance_of(str), collapse=False),
    bool: Scalar("xs:boolean", bool, _write_bool, _read_bool, _instance_of(bool),
                 values=("true", "false", "1", "0")),
    int: Scalar("xs:integer", int, _write_int, int, _is_int, pattern=r"[+\-]?[0-9]+"),
    Decimal: Scalar("xs:decimal", Decimal, _write_decimal, Decimal, _instance_of(Decimal),
                    pattern=_DECIMAL),
    dt.date: Scalar("Date", dt.date, dt.date.isoformat, dt.date.fromisoformat, _is_date,
                    pattern=r"[0-9]{4}-[0-9]{2}-[0-9]{2}"),
    Money: Scalar("Money", Money, lambda m: f"{m.amount:.2f}", Money, _instance_of(Money),
                  pattern=_DECIMAL),
    Niss: Scalar("Niss", Niss, lambda n: n.compact, Niss, _instance_of(Niss),
                 pattern="[0-9]{11}"),
    Kbo: Scalar("Kbo", Kbo, lambda k: k.compact, Kbo, _instance_of(Kbo),
                pattern="[01][0-9]{9}"),
    NisCode: Scalar("NisCode", NisCode, lambda c: c.code, NisCode, _instance_of(NisCode),
                    pattern="[1-9][0-9]{4}"),
    Iban: Scalar("Iban", Iban, lambda i: i.compact, Iban, _instance_of(Iban),
                 pattern="[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}"),
    Period: Scalar("Period", Period, str, Period.parse, _instance_of(Period),
                   pattern="(19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])"),
}



def _literal_scalar(hint: Any, name: str | None) -> Scalar:
    values = get_args(hint)
    if not values or not all(isinstance(v, str) for v in values):
        raise XmlModelError(f"only Literal[str, ...] is supported, not {hint!r}")

    def accepts(value: Any) -> bool:
        return value in values

    return Scalar(name or "", hint, _identity, _identity, accepts, values=tuple(values))


_LANG = _literal_scalar(Lang, "Lang")

COMMON_SCALARS: tuple[Scalar, ...] = (
    *(s for s in _SCALARS.values() if not s.name.startswith("xs:")),
    _LANG,
)
"""The value types defined once in the common schema (``Date``, ``Money``, ``Niss``…)."""


def _enum_scalar(kind: type[enum.Enum]) -> Scalar:
    members = list(kind)
    if not members or not all(isinstance(m.value, str) for m in members):
        raise XmlModelError(f"enum {kind.__qualname__} needs string values to appear in XML")
    by_value = {m.value: m for m in members}

    def write(member: enum.Enum) -> str:
        return str(member.value)

    def read(text: str) -> enum.Enum:
        return by_value[text]

    return Scalar(kind.__name__, kind, write, read, _instance_of(kind),
                  values=tuple(by_value), enum_class=kind)


_enum_cache: dict[type[enum.Enum], Scalar] = {}


def scalar_for(hint: Any) -> Scalar | None:
    """The :class:`Scalar` for a leaf type, or ``None`` when ``hint`` is an attrs class."""
    if hint in _SCALARS:
        return _SCALARS[hint]
    if get_origin(hint) is Literal:
        return _LANG if hint == Lang else _literal_scalar(hint, None)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        if hint not in _enum_cache:
            _enum_cache[hint] = _enum_scalar(hint)
        return _enum_cache[hint]
    if isinstance(hint, type) and attrs.has(hint):
        return None
    raise XmlModelError(f"type {hint!r} has no XML mapping")


# --------------------------------------------------------------------------- model plans


@attrs.frozen
class Slot:
    """One field as it appears in XML."""

    name: str
    """Attribute name on the Python object."""
    arg: str
    """Keyword of ``__init__`` (the attrs alias)."""
    element: str
    """Local name of the field's element."""
    value: Scalar | type
    """Leaf codec, or the nested attrs class."""
    optional: bool
    many: bool
    """``tuple[X, ...]``: a wrapper element with one ``item`` element per value."""
    item: str | None
    """Local name of the item elements (``many`` only)."""
    attribute: attrs.Attribute[Any] = attrs.field(eq=False, repr=False)


_UNION_TYPES: tuple[Any, ...] = (Union, types.UnionType)


def _analyse(cls: type, attribute: attrs.Attribute[Any], hint: Any) -> Slot:
    where = f"{cls.__qualname__}.{attribute.name}"
    optional = False
    if get_origin(hint) in _UNION_TYPES:
        members = get_args(hint)
        rest = [m for m in members if m is not type(None)]
        if len(members) != 2 or len(rest) != 1:
            raise XmlModelError(f"{where}: only `X | None` unions are supported, not {hint!r}")
        optional, hint = True, rest[0]
    many = False
    if get_origin(hint) is tuple:
        args = get_args(hint)
        if len(args) != 2 or args[1] is not Ellipsis:
            raise XmlModelError(f"{where}: only variable tuples `tuple[X, ...]` are supported")
        many, hint = True, args[0]
        if get_origin(hint) in (*_UNION_TYPES, tuple):
            raise XmlModelError(f"{where}: tuple items must be a plain type, not {hint!r}")
    try:
        value: Scalar | type = scalar_for(hint) or hint
    except XmlModelError as exc:
        raise XmlModelError(f"{where}: {exc}") from None
    item = None
    if many:
        custom = attribute.metadata.get("xml_item")
        if custom is not None:
            item = str(custom)
        elif not isinstance(value, Scalar):
            item = class_element_name(value.__name__)
        elif value.enum_class is not None:
            item = class_element_name(value.enum_class.__name__)
        elif value in COMMON_SCALARS and isinstance(value.python, type):
            item = class_element_name(value.python.__name__)
        else:
            item = "item"
    arg = attribute.alias or attribute.name
    return Slot(attribute.name, arg, element_name(arg), value, optional, many, item, attribute)


K = TypeVar("K")
V = TypeVar("V")
_built_lock = threading.Lock()
_MISSING: Any = object()


def built_once(table: dict[K, V], key: K, build: Callable[[], V]) -> V:
    """``table[key]``, made by ``build()`` the first time: the per-process caches of
    plans, compiled readers, writers and scanners. Two threads may both build; one
    result is kept (under a lock), so every caller gets the same object."""
    found = table.get(key, _MISSING)
    if found is _MISSING:
        made = build()
        with _built_lock:
            found = table.setdefault(key, made)
    return found  # type: ignore[no-any-return]


_plans: dict[type, tuple[Slot, ...]] = {}


def slots(cls: type) -> tuple[Slot, ...]:
    """The XML plan of an attrs class: one :class:`Slot` per field written."""
    plan = _plans.get(cls)
    if plan is not None:
        return plan
    return built_once(_plans, cls, lambda: _plan(cls))


def _plan(cls: type) -> tuple[Slot, ...]:
    if not (isinstance(cls, type) and attrs.has(cls)):
        raise XmlModelError(f"{cls!r} is not an attrs class")
    try:
        hints = typing.get_type_hints(cls)
    except Exception as exc:  # NameError and friends from unresolved annotations
        raise XmlModelError(f"cannot resolve the annotations of {cls.__qualname__}: {exc}") from exc
    built = tuple(
        _analyse(cls, attribute, hints[attribute.name])
        for attribute in attrs.fields(cls)
        if attribute.init
    )
    seen: dict[str, str] = {}
    for slot in built:
        if slot.element in seen:
            raise XmlModelError(f"{cls.__qualname__}: fields {seen[slot.element]} and "
                                f"{slot.name} both map to <{slot.element}>")
        seen[slot.element] = slot.name
    return built


# --------------------------------------------------------------------------- writing


def _check_chars(text: str, path: str) -> str:
    bad = _NOT_XML_CHAR.search(text)
    if bad is not None:
        raise InvalidValue(f"character U+{ord(bad.group(0)):04X} cannot appear in XML 1.0",
                           path=path)
    return text


class _Writer:
    __slots__ = ("ns",)

    def __init__(self, namespace: str) -> None:
        self.ns = "{" + namespace + "}"

    def obj(self, element: etree._Element, value: Any, cls: type, path: str) -> None:
        if type(value) is not cls:
            raise InvalidType(f"expected {cls.__name__}, got {type(value).__name__}", path=path)
        ns = self.ns
        for slot in slots(cls):
            item = getattr(value, slot.name)
            where = f"{path}.{slot.name}"
            if item is None:
                if slot.optional:
                    continue
                raise InvalidValue("a value is required", path=where)
            if slot.many:
                if not isinstance(item, tuple):
                    raise InvalidType(f"expected a tuple, got {type(item).__name__}", path=where)
                wrapper = etree.SubElement(element, ns + slot.element)
                tag = ns + str(slot.item)
                for index, one in enumerate(item):
                    self.value(etree.SubElement(wrapper, tag), one, slot.value,
                               f"{where}[{index}]")
            else:
                self.value(etree.SubElement(element, ns + slot.element), item, slot.value, where)

    def value(self, element: etree._Element, value: Any, kind: Scalar | type, path: str) -> None:
        if not isinstance(kind, Scalar):
            self.obj(element, value, kind, path)
            return
        if not kind.accepts(value):
            raise InvalidType(f"expected {kind.name.removeprefix('xs:')}, got "
                              f"{type(value).__name__}", path=path)
        try:
            text = kind.write(value)
        except (InvalidValue, InvalidType) as exc:
            raise _at(exc, path, None) from None
        except ValueError as exc:
            raise InvalidValue(str(exc), path=path) from None
        element.text = _check_chars(text, path)


def to_element(obj: Any, *, tag: str, namespace: str) -> etree._Element:
    """Build the element tree of ``obj`` (an attrs instance) as root element ``tag``."""
    nsmap: Any = {None: namespace}
    root = etree.Element("{" + namespace + "}" + tag, nsmap=nsmap)
    _Writer(namespace).obj(root, obj, type(obj), "$")
    return root


_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def serialise(root: etree._Element) -> bytes:
    """The bytes of a tree built by :func:`to_element`: declaration, UTF-8, indented."""
    etree.indent(root, space="  ")
    return _DECLARATION + etree.tostring(root, encoding="UTF-8", xml_declaration=False) + b"\n"


def dump(obj: Any, *, tag: str, namespace: str) -> bytes:
    """Serialise ``obj`` as a whole XML document (see the module rules)."""
    return serialise(to_element(obj, tag=tag, namespace=namespace))


# --------------------------------------------------------------------------- reading


def _at(exc: InvalidValue | InvalidType, path: str, line: int | None,
        *, replace: bool = False) -> CpasError:
    """``exc`` placed under ``path`` (or at ``path`` exactly, for a leaf), with a line."""
    if replace:
        moved: CpasError = type(exc)(exc.reason, field=exc.field, path=path, shown=exc.shown)
    else:
        moved = exc.within(path)
    _set_line(moved, line)
    return moved


_FIRST_STEP = re.compile(r"^\$\.([A-Za-z_][A-Za-z0-9_]*)(?:\[([0-9]+)\])?")


def _element_children(element: etree._Element) -> Iterator[etree._Element]:
    for child in element:
        if isinstance(child.tag, str):
            yield child


class _Reader:
    __slots__ = ("ns",)

    def __init__(self, namespace: str) -> None:
        self.ns = "{" + namespace + "}"

    def _complex_only(self, element: etree._Element, path: str) -> list[etree._Element]:
        self._no_attributes(element, path)
        if element.text is not None and element.text.strip(_XML_WHITESPACE):
            raise XmlMappingError("text is not allowed here, only elements", path=path,
                                  line=_line(element), shown=mask_niss_in(repr(element.text[:40])))
        children = []
        for child in element:
            if child.tail is not None and child.tail.strip(_XML_WHITESPACE):
                raise XmlMappingError("text is not allowed here, only elements", path=path,
                                      line=_line(child), shown=mask_niss_in(repr(child.tail[:40])))
            if isinstance(child.tag, str):
                children.append(child)
        return children

    def _no_attributes(self, element: etree._Element, path: str) -> None:
        for key in element.attrib:
            name = key.decode() if isinstance(key, bytes) else key
            if not name.startswith("{" + XSI + "}"):
                raise XmlMappingError(f"attribute {name} is not allowed", path=path,
                                      line=_line(element))

    def _local(self, element: etree._Element) -> str:
        tag = str(element.tag)
        return tag[len(self.ns):] if tag.startswith(self.ns) else tag

    def obj(self, element: etree._Element, cls: type[T], path: str) -> T:
        children = self._complex_only(element, path)
        ns = self.ns
        kwargs: dict[str, Any] = {}
        found: dict[str, etree._Element] = {}
        position = 0
        for slot in slots(cls):
            child = children[position] if position < len(children) else None
            if child is not None and child.tag == ns + slot.element:
                position += 1
                found[slot.name] = child
                if slot.many:
                    where = f"{path}.{slot.name}"
                    items = self._complex_only(child, where)
                    tag = ns + str(slot.item)
                    values = []
                    for index, one in enumerate(items):
                        if one.tag != tag:
                            raise XmlMappingError(
                                f"expected <{slot.item}>, found <{self._local(one)}>",
                                path=f"{where}[{index}]", line=_line(one))
                        values.append(self.value(one, slot.value, where, index))
                    kwargs[slot.arg] = tuple(values)
                else:
                    kwargs[slot.arg] = self.value(child, slot.value, path, slot.name)
            elif slot.optional:
                kwargs[slot.arg] = None
            else:
                at = child if child is not None else element
                found_text = f", found <{self._local(child)}>" if child is not None else ""
                raise XmlMappingError(f"missing element <{slot.element}>{found_text}",
                                      path=f"{path}.{slot.name}", line=_line(at))
        if position < len(children):
            extra = children[position]
            raise XmlMappingError(f"unexpected element <{self._local(extra)}>", path=path,
                                  line=_line(extra))
        try:
            return cls(**kwargs)
        except (InvalidValue, InvalidType) as exc:
            raise _at(exc, path, self._line_of(exc.path, found, element)) from None
        except CpasError:
            raise
        except TypeError as exc:
            raise InvalidType(str(exc), path=path) from None
        except ValueError as exc:
            raise XmlMappingError(str(exc), path=path, line=_line(element)) from None

    def _line_of(self, inner: str, found: dict[str, etree._Element],
                 element: etree._Element) -> int | None:
        """The line of the child an SDK error points at (``$.end``, ``$.lines[3]``)."""
        match = _FIRST_STEP.match(inner)
        child = found.get(match.group(1)) if match else None
        if child is None or match is None:
            return _line(element)
        if match.group(2) is not None:
            items = list(_element_children(child))
            index = int(match.group(2))
            if index < len(items):
                return _line(items[index])
        return _line(child)

    def value(self, element: etree._Element, kind: Scalar | type, parent: str,
              step: str | int) -> Any:
        """The value of a field (``step``: its name) or of a tuple item (its index).

        The path is only spelt out when needed: reading a large batch builds no
        path string for leaves that are fine.
        """
        if not isinstance(kind, Scalar):
            return self.obj(element, kind, _step(parent, step))
        if element.attrib:
            self._no_attributes(element, _step(parent, step))
        if len(element):
            raise XmlMappingError("expected a value, found child nodes",
                                  path=_step(parent, step), line=_line(element))
        try:
            return kind.parse(element.text or "")
        except (InvalidValue, InvalidType) as exc:
            raise _at(exc, _step(parent, step), _line(element), replace=True) from None
        except (ValueError, TypeError, KeyError) as exc:
            raise XmlMappingError(f"not a valid {kind.name.removeprefix('xs:')}: {exc}",
                                  path=_step(parent, step), line=_line(element)) from None


def _step(parent: str, step: str | int) -> str:
    return f"{parent}[{step}]" if isinstance(step, int) else f"{parent}.{step}"


def from_element(element: etree._Element, cls: type[T], *, namespace: str,
                 path: str = "$") -> T:
    """Read an instance of ``cls`` from ``element`` (whose own name is not checked).

    Used for whole documents and for records met while streaming (pass their
    ``path``, e.g. ``$.lines[41]``, so that errors point at the right place).
    """
    return _Reader(namespace).obj(element, cls, path)


def load(root: etree._Element, cls: type[T], *, tag: str, namespace: str) -> T:
    """Read a whole document whose root element must be ``{namespace}tag``.

    The compiled reader of :mod:`~cpas.adapters.xml.fastread` reads it when it can
    vouch for the result (the same object); otherwise, and for every error, the
    generic reader below runs."""
    expected = "{" + namespace + "}" + tag
    if root.tag != expected:
        raise XmlMappingError(f"expected root element {expected}, found {root.tag}", path="$",
                              line=_line(root))
    document = _document_reader(cls, namespace)(root)
    if document is not None:
        return document
    return from_element(root, cls, namespace=namespace)


_compiled: list[Callable[[type, str], Callable[[etree._Element], Any]]] = []
""":func:`~cpas.adapters.xml.fastread.document_reader`, once imported."""


def _document_reader(cls: type[T], namespace: str) -> Callable[[etree._Element], T | None]:
    """The compiled shortcut of :func:`load` (imported late: it is built on this module)."""
    if not _compiled:
        from .fastread import document_reader

        _compiled.append(document_reader)
    reader: Callable[[etree._Element], T | None] = _compiled[0](cls, namespace)
    return reader

