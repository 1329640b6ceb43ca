"""Whole documents read again from their bytes, when they are in the plain layout.

**Only for bytes the hardened parser has already accepted and the schema has
validated.** Untrusted XML is parsed with :mod:`.parser` and nothing else: this
module never decides whether XML is well-formed, safe or valid. It re-reads a
document that has passed both, because building the document from its bytes
costs less than walking lxml's tree (a Python proxy, a ``{ns}name`` string, a
text and a tail per element).

It is a shortcut of :func:`~.mapping.load` on that tree and gives way
(``None``) on anything it does not read exactly as libxml2 and the tree readers
would. What it reads:

* UTF-8 without a byte order mark; no XML declaration, or one saying version
  1.0 and UTF-8 or no encoding; white space; then the root start tag written
  ``<root xmlns="namespace">`` exactly: the document's namespace, declared once,
  as the default namespace, and nothing else;
* below the root, only tags without attributes, prefixes or white space
  (``<name>``, ``</name>``, ``<name/>``), each name the element the plan of the
  class expects at that place. No element declares a namespace or has a
  prefix, so every one is in the root's namespace;
* between elements, XML white space (after the line ends are normalised, a
  space, tab or LF); in a value, any text. Line ends are normalised first (CR LF
  and CR to LF), then the five predefined entities and the character
  references are decoded (:func:`~.scan.xml_text`), as XML does: a ``&#13;``
  stays a CR;
* nothing after the root's end tag but white space.

Everything else gives way: a comment, CDATA section, processing instruction
or DOCTYPE anywhere, an attribute, another namespace declaration, a root
attribute spelt otherwise (single quotes, spaces, references), white space
inside a tag, a raw ``>`` in a text, text that is not white space between
elements, an element inside a value, an unknown, misplaced, repeated or
missing element, and any exception while building (a value the model
refuses). The caller then reads the tree with :func:`~.mapping.load`, which
gives the exact error, path and line.

How. After the XML declaration, the bytes ``<!`` (a comment, CDATA section or
DOCTYPE) or ``<?`` (a processing instruction) make the reader give way at once:
inside those a ``<`` need not open a tag, and with a raw ``>`` in a text they
could balance the counts below while shifting what is tag and what is text
(found by a second reader: a CDATA section then read as extra list items).
Without them, every ``<`` opens an element's tag (a text cannot hold a raw
``<``), and that tag's first ``>`` comes before the next ``<``. So each tag
holds one ``<`` and at least one ``>``, and when the bytes hold as many ``>``
as ``<`` there is no ``>`` anywhere else, neither in a text nor in an
attribute value: cutting the bytes at both (two calls in C: ``replace``,
``split``) gives tag, text, tag, text… in turn. The readers consume the
pairs (tag, text after it) from one shared iterator. They are generated once
per class, namespace and root: one test per field in plan order, so an
unknown, repeated or misplaced element meets no test that takes it. Each value
goes through the compiled conversions of :mod:`.fastread` (collapse, pattern,
enumeration, read), values of few-valued types kept by their raw bytes in a
bounded table. Each object is built by its class's own attrs ``__init__`` code
(:func:`~.fastread._initialiser`), so every converter, default and validator of
the model runs, without the layer that only renames converter errors after
their field (:func:`~cpas.sdk._model.locate`): an error here makes the reader
give way, and the tree reader, raising it, names the field.

``tests/adapters/test_plainread.py`` compares it with the tree readers on
generated documents of every kind, on texts full of markup characters and line
ends, on every valid corpus file and on other spellings of the same document,
and checks that it gives way on unusual and on refused inputs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from .fastread import (
    KEPT_TEXT_MAX,
    _converter,
    _initialiser,
    _is_few_valued,
    _plain_construction,
    _text,
)
from .mapping import Scalar, built_once, slots
from .scan import GiveUp, xml_text

__all__ = ["read_plain"]

T = TypeVar("T")

_DECLARATION = re.compile(
    rb"<\?xml[ \t\n]+version[ \t\n]*=[ \t\n]*(['\"])1\.0\1"
    rb"(?:[ \t\n]+encoding[ \t\n]*=[ \t\n]*(['\"])[Uu][Tt][Ff]-8\2)?"
    rb"(?:[ \t\n]+standalone[ \t\n]*=[ \t\n]*(['\"])(?:yes|no)\3)?[ \t\n]*\?>[ \t\n]*")
"""An XML 1.0 declaration naming UTF-8 or no encoding, and the white space after it."""

_OWN_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>'
_BOM = b"\xef\xbb\xbf"
_WS = b" \t\n"
_TABLE_LIMIT = 4096
"""Texts kept per few-valued field."""

_Pairs = Iterator[tuple[bytes, bytes]]
_Part = Callable[[_Pairs, bytes, bytes], Any]


class _GiveWay(Exception):
    """The plain reader cannot vouch for this document: the tree reader reads it."""


def _referenced(piece: bytes) -> bytes:
    """A piece holding ``&``: references decoded as XML does (:func:`~.scan.xml_text`)."""
    try:
        return xml_text(piece.decode("utf-8")).encode("utf-8")
    except GiveUp:
        raise _GiveWay from None


def _value(scalar: Scalar, here: str, read: str,
           scope: dict[str, Any]) -> tuple[list[str], Callable[[bytes], Any]]:
    """How a leaf's raw text ``text`` becomes its value: the lines of generated code
    setting ``here`` (using names they put in ``scope``), and the same as a function.

    As :func:`~.fastread._converter` reads the decoded text: a string is the text
    itself (``_text`` gives it back: the text is never ``None`` here); values of
    few-valued types (:func:`~.fastread._is_few_valued`) are kept by their raw text
    in a bounded table, so a text met before is neither decoded nor converted again.
    """
    few = _is_few_valued(scalar)
    convert = _converter(scalar, kept=not few)  # a few-valued one: kept by the raw text here
    if convert is _text:
        return [f"        {here} = text.decode()"], bytes.decode
    scope["c" + read] = convert
    if not few:
        return ([f"        {here} = c{read}(text.decode())"],
                lambda text: convert(text.decode("utf-8")))
    table: dict[bytes, Any] = {}
    get = table.get

    def fill(text: bytes) -> Any:
        found = convert(text.decode("utf-8"))
        if len(text) <= KEPT_TEXT_MAX:  # a padded value: converted, not kept
            if len(table) >= _TABLE_LIMIT:
                table.clear()
            table[text] = found
        return found

    def lookup(text: bytes) -> Any:
        found = get(text)
        return fill(text) if found is None else found

    scope["t" + read] = get
    scope["f" + read] = fill
    return [f"        {here} = t{read}(text)",
            f"        if {here} is None: {here} = f{read}(text)"], lookup


def _compile_part(cls: type, built: dict[type, _Part]) -> _Part:
    """The reader of one class element (raising :class:`_GiveWay`), nested classes
    included; ``built`` holds the readers already compiled for this document.

    It is called after the element's start tag (the pairs go on with the next tag)
    and reads up to its end tag ``end``. Its code is generated from the plan: one
    test per field, in plan order, so an unknown, repeated or misplaced element
    is met where no test takes it, and the reader gives way (a required field
    missing, or not the end tag where it is expected). Every text that is not a
    value must be XML white space."""
    found = built.get(cls)
    if found is not None:
        return found
    final: list[_Part] = []

    def late(pairs: _Pairs, end: bytes, text: bytes) -> Any:  # a class nested in itself
        return final[0](pairs, end, text)

    built[cls] = late
    scope: dict[str, Any] = {"GiveWay": _GiveWay, "leaves": _leaves, "parts": _parts,
                             "new": object.__new__, "cls": cls, "init": _initialiser(cls)}
    ws = repr(_WS)
    lines = ["def part(pairs, end, text):", f"    if text.strip({ws}): raise GiveWay",
             "    pull = pairs.__next__", "    name, text = pull()"]
    arguments = []
    for position, slot in enumerate(slots(cls)):
        value = slot.value
        here, read = f"v{position}", f"r{position}"
        element = slot.element.encode("utf-8")
        closing, empty = repr(b"/" + element), repr(element + b"/")
        convert: list[str] = []
        if isinstance(value, Scalar):
            convert, scope[read] = _value(value, here, read, scope)
        else:
            scope[read] = _compile_part(value, built)
        lines.append(f"    if name == {element!r}:")
        if slot.many:
            many = "leaves" if isinstance(value, Scalar) else "parts"
            item = str(slot.item).encode("utf-8")
            lines.append(f"        {here} = {many}(pairs, {item!r}, {closing}, {read}, text)")
        elif isinstance(value, Scalar):
            lines += ["        closing, tail = pull()",
                      f"        if closing != {closing} or tail.strip({ws}): raise GiveWay",
                      *convert]
        else:
            lines.append(f"        {here} = {read}(pairs, {closing}, text)")
        if slot.many:  # <x/>: an empty list, an empty value, an object without fields
            empty_value = "()"
        elif isinstance(value, Scalar):
            empty_value = f"{read}(b'')"
        else:
            empty_value = f"{read}(iter((({closing}, b''),)), {closing}, b'')"
        lines += ["        name, text = pull()",
                  f"    elif name == {empty}:", f"        if text.strip({ws}): raise GiveWay",
                  f"        {here} = {empty_value}", "        name, text = pull()",
                  "    else:",
                  f"        {here} = None" if slot.optional else "        raise GiveWay"]
        arguments.append(f"{slot.arg}={here}")
    lines.append(f"    if name != end or text.strip({ws}): raise GiveWay")
    if _plain_construction(cls):  # cls(...) minus the wrappers of the converters
        lines += ["    obj = new(cls)", f"    init(obj, {', '.join(arguments)})", "    return obj"]
    else:
        lines.append(f"    return cls({', '.join(arguments)})")
    source = "\n".join(lines) + "\n"
    exec(compile(source, f"<plainread {cls.__qualname__}>", "exec"), scope)  # noqa: S102
    part: _Part = scope["part"]
    final.append(part)
    built[cls] = part
    return part


def _items(pairs: _Pairs, item: bytes, end: bytes, text: bytes,
           one: Callable[[_Pairs, bytes, bytes], Any],
           empty_item: Callable[[bytes], Any]) -> tuple[Any, ...]:
    """The items of a list, after its start tag (``text``: the text after it): ``one``
    reads an item after its start tag (given its end tag and the text after the start),
    ``empty_item`` gives an item written ``<item/>`` (given the item's end tag)."""
    if text.strip(_WS):
        raise _GiveWay
    out = []
    item_end = b"/" + item
    empty = item + b"/"
    for name, text in pairs:
        if name == item:
            out.append(one(pairs, item_end, text))
        elif text.strip(_WS):
            raise _GiveWay
        elif name == end:
            return tuple(out)
        elif name == empty:
            out.append(empty_item(item_end))
        else:
            raise _GiveWay
    raise _GiveWay


def _leaves(pairs: _Pairs, item: bytes, end: bytes, read: Callable[[bytes], Any],
            text: bytes) -> tuple[Any, ...]:
    """The values of a list, after its start tag (``text``: the text after it)."""
    def one(pairs: _Pairs, item_end: bytes, text: bytes) -> Any:
        closing, tail = next(pairs)
        if closing != item_end or tail.strip(_WS):
            raise _GiveWay
        return read(text)

    return _items(pairs, item, end, text, one, lambda item_end: read(b""))


def _parts(pairs: _Pairs, item: bytes, end: bytes, read: _Part,
           text: bytes) -> tuple[Any, ...]:
    """The objects of a list, after its start tag (``text``: the text after it); an
    item written ``<item/>`` is an object without fields."""
    return _items(pairs, item, end, text, read,
                  lambda item_end: read(iter(((item_end, b""),)), item_end, b""))


def _compile(cls: type, namespace: str, root_tag: str) -> Callable[[bytes], Any]:
    part = _compile_part(cls, {})
    start = f'{root_tag} xmlns="{namespace}"'.encode()
    end = b"/" + root_tag.encode("utf-8")
    declaration = _DECLARATION.match

    def read(data: bytes) -> Any:
        try:
            if data.startswith(_BOM):
                return None
            if b"\r" in data:  # line ends, as XML normalises them before anything else
                data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
            if data.startswith(_OWN_DECLARATION):  # what the SDK writes: no pattern
                data = data[len(_OWN_DECLARATION):].lstrip(_WS)
            else:
                found = declaration(data)
                data = data[found.end():] if found is not None else data.lstrip(_WS)
            if b"<!" in data or b"<?" in data:
                return None  # a comment, CDATA section, PI or DOCTYPE: see the docstring
            pieces = data.replace(b">", b"<").split(b"<")
            # Now every "<" opens an element's tag, whose ">" comes before the next "<":
            # as many ">" as "<" means no ">" anywhere else (module docstring), and the
            # pieces are tag, text, tag, text... in turn.
            if pieces[0] or len(pieces) != 1 + 2 * data.count(b"<"):
                return None  # not a "<" first, or a ">" out of a tag's end
            if b"&" in data:  # references in texts only: a name holding one gives way
                for index in range(2, len(pieces), 2):
                    if b"&" in pieces[index]:
                        pieces[index] = _referenced(pieces[index])
            rest = iter(pieces)
            next(rest)
            pairs = zip(rest, rest, strict=True)  # (tag, text after it)
            name, text = next(pairs)
            if name != start:
                return None
            document = part(pairs, end, text)
            if next(pairs, None) is not None:
                return None  # something after the root element
            return document
        except Exception:  # any doubt: the tree reader decides
            return None

    return read


_readers: dict[tuple[type, str, str], Callable[[bytes], Any]] = {}


def read_plain(data: bytes, cls: type[T], namespace: str, root_tag: str) -> T | None:
    """The ``cls`` document held in ``data``, or ``None`` when the tree reader must run.

    ``data`` must be bytes the hardened parser has accepted and the schema of
    ``namespace`` has validated (see the module docstring); ``root_tag`` is the
    local name of the root element. The reader is compiled once per class,
    namespace and root tag."""
    key = (cls, namespace, root_tag)
    reader = _readers.get(key)
    if reader is None:
        reader = built_once(_readers, key, lambda: _compile(cls, namespace, root_tag))
    document: T | None = reader(data)
    return document
