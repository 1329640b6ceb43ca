"""A compiled writer for whole documents: the fast path of :func:`~.mapping.dump`.

The generic writer (:class:`~.mapping._Writer`) walks the plan of each class for
every object, builds an lxml element per field, checks each value through its
:class:`~.mapping.Scalar`, then lxml indents and serialises the tree. For a
reimbursement batch that is most of the time of ``cpas convert``. This module
compiles, once per class and depth, a Python function (generated source, one
straight block per field) that appends the very text lxml would write to a list
of strings. It is **only a shortcut**, and gives way to the generic writer:

* the bytes are the generic writer's, byte for byte: the same declaration, the
  default namespace on the root only, two spaces of indentation per level
  between elements and never inside a value, ``<x></x>`` for an empty string,
  ``<x/>`` for an empty wrapper or an object without elements, and the text of
  each value as ``Scalar.write`` gives it, escaped as lxml escapes text
  (``&``, ``<``, ``>`` and carriage return; nothing else);
* it accepts only what it can vouch for: each object of exactly its class, a
  tuple for each repeated field, a value of exactly the expected type for each
  leaf (``Scalar.accepts`` also takes subclasses: those go the generic way), no
  ``None`` where a value is required, no character XML 1.0 cannot carry;
* whenever anything differs from that (or any exception occurs), it returns
  ``None`` and the caller runs the generic writer, which writes the same bytes
  or raises the exact error with its path.

Where the text of a value is not simply ``str(value)``, it is computed as the
generic writer computes it (the scalar's own ``write``), except:

* enum members and ``Literal`` strings: their text, escaped, is computed once
  per class;
* months (``Period``): kept in a small table by value (bounded: cleared past
  :data:`_CACHE_LIMIT` entries), as formatting one is slow;
* amounts (``Money``): ``str(amount)`` when it has exactly two decimals (what
  ``format(amount, ".2f")`` then gives too), otherwise the scalar's ``write``.

**In pieces** (:class:`PieceWriter`): a document too big to hold (a
reimbursement batch of 200 000 lines) is written as a *head* (declaration, root
and the fields before its repeated field), its items one at a time, and a
*tail*; joined, the pieces are the bytes :func:`fast_dump` (and the generic
writer) give for the whole document. A piece the compiled writer cannot vouch
for is written by the generic writer, piece by piece, which gives the same text
or raises the error (and path) it raises for the whole document.

``tests/adapters/test_fastwrite.py`` checks that both writers give the same
bytes for generated documents of every kind, for every file of the valid
corpus and for edge cases (escaping, control characters, empty optionals);
``tests/adapters/test_fastwrite_pieces.py`` checks the pieces against them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from lxml import etree

from ...sdk.money import Money
from ...sdk.periods import Period
from .mapping import Scalar, Slot, built_once, dump, serialise, slots
from .mapping import _Writer as _GenericWriter

__all__ = ["PieceWriter", "fast_dump"]

_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
_CACHE_LIMIT = 4096
_CHUNK = 4096
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
# Characters XML 1.0 cannot carry (as mapping._NOT_XML_CHAR).
_NOT_XML_CHAR = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Anything but a character written as is: the four lxml escapes, or one XML cannot carry.
_SPECIAL = re.compile("[^\t\n\u0020-\u0025\u0027-\u003b\u003d\u003f-\ud7ff"
                      "\ue000-\ufffd\U00010000-\U0010ffff]").search
_NOT_ESCAPED = re.compile("[^&<>\r\n\t\"']*")  # namespace URIs written as they are


class _GiveWay(Exception):
    """The fast writer cannot vouch for this document: use the generic writer."""


def _escaped(text: str) -> str:
    """``text`` as lxml writes it in an element (``&``, ``<``, ``>``, ``\\r`` escaped);
    gives way on a character XML 1.0 cannot carry (the generic writer names it)."""
    if _NOT_XML_CHAR.search(text) is not None:
        raise _GiveWay
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\r", "&#13;"))


def _money_text(write: Callable[[Any], str]) -> Callable[[Any], str]:
    def text(value: Any) -> str:
        amount = value.amount
        if type(amount) is Decimal:
            shown = str(amount)
            # Two decimals, no exponent: exactly what format(amount, ".2f") gives.
            if len(shown) > 2 and shown[-3] == ".":
                return shown
        return fallback(value)

    fallback = _checked_text(write)
    return text


def _cached_text(write: Callable[[Any], str]) -> Callable[[Any], str]:
    table: dict[Any, str] = {}

    def text(value: Any) -> str:
        found = table.get(value)
        if found is None:
            if len(table) >= _CACHE_LIMIT:
                table.clear()
            found = table[value] = _escaped(write(value))
        return found

    return text


def _checked_text(write: Callable[[Any], str]) -> Callable[[Any], str]:
    def text(value: Any) -> str:
        shown = write(value)
        return shown if _SPECIAL(shown) is None else _escaped(shown)

    return text


_TEXTS: dict[Any, Callable[[Callable[[Any], str]], Callable[[Any], str]]] = {
    Money: _money_text,
    Period: _cached_text,
}
"""Faster ways to the text ``Scalar.write`` gives (see the module docstring)."""

_DIGITS_ONLY = (Decimal, dt.date, Money)
"""Types whose written text can never need escaping (digits, ``-``, ``.``)."""


class _Compiler:
    """Generates the source of one writer: ``def write(obj, out)``."""

    def __init__(self, cls: type, depth: int, names: dict[str, Any],
                 split: str | None = None) -> None:
        self.cls = cls
        self.depth = depth
        self.names = names
        self.split = split
        """A repeated field written elsewhere: the writer appends :data:`_SPLIT` in its place
        (and gives way unless the object holds no item in it)."""
        self.lines: list[str] = []

    def constant(self, value: Any) -> str:
        """A name in the generated module bound to ``value``."""
        name = f"K{len(self.names)}"
        self.names[name] = value
        return name

    def emit(self, indent: int, line: str) -> None:
        self.lines.append("    " * indent + line)

    def source(self) -> str:
        self.emit(1, f"if type(obj) is not {self.constant(self.cls)}: raise GiveWay")
        for position, slot in enumerate(slots(self.cls)):
            if not _NAME.fullmatch(slot.element) or (slot.many and not _NAME.fullmatch(
                    str(slot.item))):
                raise _GiveWay  # lxml would refuse the name: the generic writer says so
            value = f"v{position}"
            self.emit(1, f"{value} = obj.{slot.name}")
            if slot.name == self.split:
                if not slot.many or slot.optional:
                    raise _GiveWay
                self.emit(1, f"if type({value}) is not tuple or {value}: raise GiveWay")
                self.emit(1, "out.append(Split)")
                continue
            indent = 1
            if slot.optional:
                self.emit(1, f"if {value} is not None:")
                indent = 2
            # A required None needs no test of its own: every value is checked for its
            # exact type (or looked up in a table) below, and None never passes.
            if slot.many:
                self.many(indent, value, slot.element, str(slot.item), slot.value)
            else:
                self.value(indent, value, slot.element, slot.value, self.depth)
        return "def write(obj, out):\n" + "\n".join(self.lines) + "\n"

    def many(self, indent: int, value: str, element: str, item: str,
             kind: Scalar | type) -> None:
        pad = "\n" + "  " * self.depth
        self.emit(indent, f"if type({value}) is not tuple: raise GiveWay")
        self.emit(indent, f"if {value}:")
        self.emit(indent + 1, f"out.append({pad + '<' + element + '>'!r})")
        self.emit(indent + 1, f"for x in {value}:")
        self.value(indent + 2, "x", item, kind, self.depth + 1)
        self.emit(indent + 1, f"out.append({pad + '</' + element + '>'!r})")
        self.emit(indent, "else:")
        self.emit(indent + 1, f"out.append({pad + '<' + element + '/>'!r})")

    def value(self, indent: int, value: str, element: str, kind: Scalar | type,
              depth: int) -> None:
        """Write ``value`` as element ``element`` at ``depth`` (its indentation level)."""
        pad = "\n" + "  " * depth
        if not isinstance(kind, Scalar):
            writer = self.constant(_Lazy(kind, depth + 1))
            self.emit(indent, f"out.append({pad + '<' + element + '>'!r})")
            self.emit(indent, "n = len(out)")
            self.emit(indent, f"{writer}.write({value}, out)")
            self.emit(indent, f"if len(out) == n: out[-1] = {pad + '<' + element + '/>'!r}")
            self.emit(indent, f"else: out.append({pad + '</' + element + '>'!r})")
            return
        opening, closing = pad + "<" + element + ">", "</" + element + ">"
        text = self.text(indent, value, kind)
        self.emit(indent, f"out.append({opening!r} + {text} + {closing!r})")

    def text(self, indent: int, value: str, kind: Scalar) -> str:
        """Emit the checks of a leaf value; return the expression of its escaped text."""
        python = kind.python
        if kind.enum_class is not None or (kind.values and not isinstance(python, type)):
            if kind.enum_class is not None:  # members by name: Enum.__hash__ is slow
                table = {member._name_: _escaped(kind.write(member))
                         for member in kind.enum_class}
                self.emit(indent, f"if type({value}) is not {self.constant(python)}: "
                                  "raise GiveWay")
                return f"{self.constant(table)}[{value}._name_]"
            literal = {text: _escaped(text) for text in kind.values}
            return f"{self.constant(literal)}[{value}]"  # KeyError: not one of them
        if python is str:
            self.emit(indent, f"if type({value}) is not str: raise GiveWay")
            self.emit(indent, f"if Special({value}) is not None: {value} = Escaped({value})")
            return value
        if python is bool:
            self.emit(indent, f"if {value} is not True and {value} is not False: "
                              "raise GiveWay")
            return f"('true' if {value} else 'false')"
        if python is int:
            self.emit(indent, f"if type({value}) is not int: raise GiveWay")
            return f"str({value})"
        if not isinstance(python, type):  # pragma: no cover - Literal handled above
            raise _GiveWay
        self.emit(indent, f"if type({value}) is not {self.constant(python)}: raise GiveWay")
        faster = _TEXTS.get(python)
        if faster is not None:
            write = faster(kind.write)
        elif python in _DIGITS_ONLY:
            write = kind.write
        else:
            write = _checked_text(kind.write)
        return f"{self.constant(write)}({value})"


_Writer = Callable[[Any, list[str]], None]
_writers: dict[tuple[type, int], _Writer] = {}


_SPLIT = "\0split"
"""Put by a split writer where the items of the split field go (text never holds NUL)."""


def _names() -> dict[str, Any]:
    return {"GiveWay": _GiveWay, "Special": _SPECIAL, "Escaped": _escaped, "Split": _SPLIT}


def _run(source: str, names: dict[str, Any], title: str) -> _Writer:
    code = compile(source, f"<fastwrite {title}>", "exec")
    exec(code, names)  # noqa: S102 - our own source, built from the class's plan
    writer: _Writer = names["write"]
    return writer


def _compile(cls: type, depth: int) -> _Writer:
    names = _names()
    source = _Compiler(cls, depth, names).source()
    return _run(source, names, f"{cls.__qualname__} at depth {depth}")


def _writer(cls: type, depth: int) -> _Writer:
    """The writer of the fields of ``cls`` whose elements are at ``depth`` (built once)."""
    return built_once(_writers, (cls, depth), lambda: _compile(cls, depth))


class _Lazy:
    """The writer of a nested class, compiled when first needed (classes may nest
    themselves: compiling ahead would never end)."""

    __slots__ = ("cls", "depth", "write")

    def __init__(self, cls: type, depth: int) -> None:
        self.cls = cls
        self.depth = depth

    def __getattr__(self, name: str) -> _Writer:
        if name != "write":
            raise AttributeError(name)
        found = _writer(self.cls, self.depth)
        self.write = found
        return found


def fast_dump(obj: Any, *, tag: str, namespace: str) -> bytes | None:
    """What :func:`~.mapping.dump` gives for ``obj``, or ``None`` when the generic writer
    must run (it then writes the same bytes or raises the exact error)."""
    if not _NAME.fullmatch(tag) or not _NOT_ESCAPED.fullmatch(namespace):
        return None
    try:
        out = [f'{_DECLARATION}<{tag} xmlns="{_escaped(namespace)}">']
        _writer(type(obj), 1)(obj, out)
    except Exception:  # any doubt: the generic writer decides
        return None
    if len(out) == 1:
        out[0] = f'{_DECLARATION}<{tag} xmlns="{namespace}"/>'
    else:
        out.append(f"\n</{tag}>")
    out.append("\n")
    # Encoded by chunks: one non-ASCII character would make a single joined string
    # of the whole document two or four bytes per character.
    return b"".join("".join(out[start:start + _CHUNK]).encode("utf-8")
                    for start in range(0, len(out), _CHUNK))


# --------------------------------------------------------------------------- in pieces


class PieceWriter:
    """Writes a document of class ``cls`` in pieces around its repeated field ``field``.

    ``head(shell, items)`` + ``item(x, 0)`` + ``item(y, 1)`` … + ``tail(shell, items)``
    is, character for character, the document :func:`fast_dump` (and
    :func:`~.mapping.dump`) writes for ``shell`` holding those items in ``field``;
    ``shell`` is the document without them (``field`` empty), ``items`` the number
    of items written (only whether there are any matters: ``<lines/>`` or
    ``<lines>…</lines>``). Encode the text as UTF-8.

    Each piece is written by the compiled writer, or by the generic writer where
    the compiled one gives way: then the piece is the generic writer's text, or
    the generic writer's error is raised (for an item, with the path it has in
    the whole document: ``$.lines[1234].beneficiaryName``).
    """

    def __init__(self, cls: type, *, tag: str, namespace: str, field: str) -> None:
        found = [slot for slot in slots(cls) if slot.name == field]
        if len(found) != 1 or not found[0].many or found[0].optional:
            raise ValueError(f"{cls.__qualname__}.{field} is not a required repeated field")
        self.cls = cls
        self.tag = tag
        self.namespace = namespace
        self.field = field
        self.slot: Slot = found[0]
        element, item = self.slot.element, str(self.slot.item)
        self._open = f"\n  <{element}>"
        self._close = f"\n  </{element}>"
        self._empty = f"\n  <{element}/>"
        self._item_tag = item
        self._shell: _Writer | None = None
        self._item: _Writer | None = None
        fine = _NAME.fullmatch(tag) and _NOT_ESCAPED.fullmatch(namespace)
        try:
            if fine:
                names = _names()
                self._shell = _run(_Compiler(cls, 1, names, split=field).source(), names,
                                   f"{cls.__qualname__} split at {field}")
                names = _names()
                compiler = _Compiler(cls, 2, names)
                compiler.value(1, "obj", item, self.slot.value, 2)
                self._item = _run("def write(obj, out):\n" + "\n".join(compiler.lines) + "\n",
                                  names, f"{cls.__qualname__}.{field} item")
        except _GiveWay:  # a name lxml would refuse: the generic writer says so
            self._shell = self._item = None

    # -- the pieces

    def head(self, shell: Any, items: int) -> str:
        """Declaration, root and the fields before ``field``, with the field's opening."""
        head, _ = self._around(shell)
        return head + (self._open if items else self._empty)

    def tail(self, shell: Any, items: int) -> str:
        """The field's closing, the fields after it, the root's closing."""
        _, tail = self._around(shell)
        return (self._close if items else "") + tail

    def item(self, value: Any, index: int) -> str:
        """One item (its element at depth 2, preceded by its line break and indentation)."""
        write = self._item
        if write is None:
            return self._generic_item(value, index)
        out: list[str] = []
        try:
            write(value, out)
        except Exception:  # any doubt: the generic writer decides
            return self._generic_item(value, index)
        return "".join(out)

    # -- the ways

    def _around(self, shell: Any) -> tuple[str, str]:
        """(text before the field's element, text after it) for ``shell``."""
        if getattr(shell, self.field, None) != ():
            raise ValueError(f"the shell must hold no {self.field}")
        if self._shell is not None:
            out = [f'{_DECLARATION}<{self.tag} xmlns="{_escaped(self.namespace)}">']
            try:
                self._shell(shell, out)
            except Exception:  # any doubt: the generic writer decides
                return self._generic_around(shell)
            at = out.index(_SPLIT)
            return "".join(out[:at]), "".join(out[at + 1:]) + f"\n</{self.tag}>\n"
        return self._generic_around(shell)

    def _generic_around(self, shell: Any) -> tuple[str, str]:
        text = dump(shell, tag=self.tag, namespace=self.namespace).decode("utf-8")
        # Values are escaped, so the field's empty element is the only such text.
        before, found, after = text.partition(self._empty)
        if not found:  # pragma: no cover - the generic writer always writes the element
            raise ValueError(f"no {self.field} element in the document")
        return before, after

    def _generic_item(self, value: Any, index: int) -> str:
        """The generic writer's text of one item, or its error at the item's path."""
        ns = "{" + self.namespace + "}"
        nsmap: Any = {None: self.namespace}
        root = etree.Element(ns + self.tag, nsmap=nsmap)
        wrapper = etree.SubElement(root, ns + self.slot.element)
        element = etree.SubElement(wrapper, ns + self._item_tag)
        _GenericWriter(self.namespace).value(element, value, self.slot.value,
                                             f"$.{self.field}[{index}]")
        text = serialise(root).decode("utf-8")
        start = text.index(self._open) + len(self._open)
        return text[start:text.rindex(self._close)]
