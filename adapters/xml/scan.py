"""A text scanner for the lines of a reimbursement batch written in the plain layout.

Checking a national batch means reading a million ``<reimbursementLine>``
records into the SDK's model. Through lxml each record costs a Python proxy,
a tag and a text per child element; most of that work is spent on elements
whose shape is always the same. This module reads the **text** of the lines
region instead, with one compiled regular expression per record class, run
in C by ``findall`` over a block of text: each match is one record (its
children in plan order, each with a non-empty text and no markup inside,
optional children absent or present once) and the whitespace after it. The
matches do not overlap and keep their order, so when their lengths add up to
the block (after its leading whitespace) they tile it: the block holds
records and whitespace, nothing else.

It is **only a shortcut**, taken when the file is in the plain layout that
:func:`~cpas.adapters.xml.documents.to_xml` and most writers produce, and it
relies on the schema for the rest: the answer of a scan is only used when the
schema pass says the same bytes are valid (see :mod:`.checking`). What the
scanner vouches for itself:

* the input is bytes or a regular file (not a pipe), unchanged from the first
  read to the last (device, inode, size and modification time), and its lines
  region holds no ``<!`` or ``<?`` (checked before the rules pass starts);
* the head (everything before ``<lines>``) holds no comment, CDATA section,
  DOCTYPE or processing instruction other than the XML declaration, and the
  declaration names UTF-8 or no encoding (no byte order mark but UTF-8's).
  So the first ``<lines>`` is the real start tag of the form's lines (``<``
  cannot appear in attribute values or text), unprefixed, without attributes;
* the region between ``<lines>`` and ``</lines>`` is entirely covered by
  records of the plain layout and whitespace; anything else (a comment, a
  prefix, an attribute, a namespace declaration, an empty or self-closed
  child) and the scanner gives up: the caller reads the file with lxml.
  As every child element of the region is then unprefixed and declares no
  namespace, each one is in the namespace in force at ``<lines>``, which the
  schema fixes;
* texts are taken as XML gives them: the five predefined entities and
  character references are decoded, line ends normalised (CR LF and CR to
  LF), and each value then goes through the same steps as in the compiled
  reader of :mod:`.fastread` and the model's constructor. A text longer than
  the batch limit on texts (:data:`~.parser.BATCH_LIMITS`) is not plain: the
  lxml path reports it as the parser does.

A record the model refuses is parsed on its own with the hardened parser and
read by the generic reader, which gives the exact error and path; its line
is the record's line in the file. The same goes for the lines of rule
findings: the record's text is parsed to place the finding on the right
child element.

``tests/adapters/test_scan.py`` compares scanned lines with lxml-read lines on
generated batches and on the corpus, and checks that the scanner gives up on
every layout it does not vouch for.
"""

from __future__ import annotations

import codecs
import io
import os
import re
import stat
from collections.abc import Callable, Iterator
from decimal import Decimal
from operator import itemgetter
from typing import IO, Any

import attrs
from lxml import etree

from ...sdk._model import unlocated
from ...sdk.identifiers import Niss, niss_checks_out
from ...sdk.money import Money
from .fastread import KEPT_TEXT_MAX, _converter
from .mapping import Scalar, Slot, built_once, slots
from .parser import BATCH_LIMITS, DOCUMENT_LIMITS, parse_bytes

__all__ = ["GiveUp", "LineScanner", "Region", "ScannedBatch", "line_scanner", "xml_text"]

_WS = "[ \\t\\r\\n]*"
HEAD_MAX = 1 << 20
"""Bytes searched for ``<lines>``; a larger head is not in the plain layout."""
TAIL_MAX = 1 << 16
"""Bytes after ``</lines>`` at most (the trailer: dates and counts)."""
CHUNK = 1 << 18
"""Bytes read at a time."""
_TABLE_LIMIT = 4096
"""Texts kept per few-valued field."""

_ENTITIES = re.compile(r"&(?:#x([0-9A-Fa-f]+)|#([0-9]+)|(lt|gt|amp|quot|apos));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
_DECLARATION = re.compile(
    r"<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(['\"])1\.[0-9]+\1"
    r"(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(['\"])([A-Za-z0-9._-]+)\2)?"
    r"(?:[ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*(['\"])(?:yes|no)\4)?[ \t\r\n]*\?>")


_first = itemgetter(0)
_NEW = object.__new__
_SET = object.__setattr__


class GiveUp(Exception):
    """The file is not in the plain layout: read it with lxml."""


def _entity(match: re.Match[str]) -> str:
    hexa, decimal, name = match.groups()
    if name is not None:
        return _NAMED[name]
    try:
        return chr(int(hexa, 16) if hexa is not None else int(decimal))
    except (ValueError, OverflowError):  # beyond Unicode: the parser refuses it too
        raise GiveUp from None


def xml_text(raw: str) -> str:
    """The text XML gives for ``raw`` (no markup inside): references decoded, line ends
    normalised. A ``&`` that starts no predefined entity or character reference:
    :class:`GiveUp` (the parser refuses it, as no DTD is allowed)."""
    if "\r" in raw:
        raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    if "&" not in raw:
        return raw
    if "&" in _ENTITIES.sub("", raw):
        raise GiveUp
    return _ENTITIES.sub(_entity, raw)


@attrs.frozen
class Region:
    """A run of whole records of the lines region."""

    first: int
    """Index of its first record in the form."""
    line: int
    """Line number of its first character in the file."""
    text: str
    rows: list[tuple[str, ...]]
    """Per record: its whole text, then the raw text of each child in plan order
    (``""``: absent)."""
    end: int
    """Line number of its last character (where the next region starts)."""
    _starts: list[int] = attrs.field(factory=list, eq=False, repr=False)
    _last: list[int] = attrs.field(factory=lambda: [0, 0], eq=False, repr=False)

    def place(self, position: int, pattern: re.Pattern[str]) -> tuple[int, int]:
        """Offset in :attr:`text` and file line of the ``position``-th record. The
        offsets are found once per region; lines are counted on from the last record
        asked about (hits come in order), so many hits cost one pass, not one each."""
        if not self._starts:
            self._starts.extend(match.start() for match in pattern.finditer(self.text))
        offset = self._starts[position]
        last_offset, last_line = self._last
        if offset < last_offset:
            last_offset, last_line = 0, self.line
        elif last_offset == 0:
            last_line = self.line
        line = last_line + self.text.count("\n", last_offset, offset)
        self._last[:] = [offset, line]
        return offset, line


def _plain_head(head: bytes) -> None:
    """:class:`GiveUp` unless the head is plain (see the module docstring)."""
    if head.startswith(codecs.BOM_UTF8):
        head = head[len(codecs.BOM_UTF8):]
    elif head[:2] in (codecs.BOM_UTF16_BE, codecs.BOM_UTF16_LE) or head[:1] == b"\x00":
        raise GiveUp
    if head.startswith(b"<?xml"):
        close = head.find(b"?>")
        if close < 0:
            raise GiveUp
        match = _DECLARATION.fullmatch(head[:close + 2].decode("ascii", "replace"))
        if match is None:
            raise GiveUp
        encoding = match.group(3)
        if encoding is not None and encoding.lower() not in ("utf-8", "utf8"):
            raise GiveUp
        head = head[close + 2:]
    if b"<!" in head or b"<?" in head:
        raise GiveUp


def _signature(found: os.stat_result) -> tuple[int, int, int, int]:
    return (found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns)


def _no_markup_declarations(handle: IO[bytes], start: int, end: int) -> None:
    """:class:`GiveUp` when the lines region holds ``<!`` or ``<?`` (a comment, CDATA
    section or processing instruction): found before the rules pass starts, not at
    the end of a long scan. One read of the region, searched in C."""
    handle.seek(start)
    previous = b""
    while start < end:
        block = handle.read(min(CHUNK * 4, end - start))
        if not block:
            return
        start += len(block)
        window = previous + block
        if b"<!" in window or b"<?" in window:
            raise GiveUp
        previous = block[-1:]


class LineScanner:
    """The scanner of one record class inside its container element (built once per
    process: :func:`line_scanner`)."""

    def __init__(self, cls: type[Any], *, record: str, container: str,
                 max_text: int = BATCH_LIMITS.max_text) -> None:
        plan = slots(cls)
        if any(slot.many or not isinstance(slot.value, Scalar) for slot in plan):
            raise ValueError(f"{cls.__qualname__}: only flat records can be scanned")
        self.cls = cls
        self.record = record
        fields: list[str] = []
        for slot in plan:
            tag = re.escape(slot.element)
            fields.append(f"(?:<{tag}>([^<]{{1,{max_text}}})</{tag}>{_WS})"
                          + ("?" if slot.optional else ""))
        name = re.escape(record)
        self.one = re.compile(f"(<{name}>{_WS}{''.join(fields)}</{name}>{_WS})")
        """One record and the whitespace after it, capturing it whole (group 1) and the
        text of each child (groups 2…)."""
        self.leading = re.compile(_WS)
        self.opening = f"<{container}>".encode()
        self.closing = f"</{record}>"
        self.end = f"</{container}>"
        self.build: Callable[[tuple[str, ...]], Any] = _builder(cls, plan, _direct(cls, plan))
        """Raw texts of one record to the object (model converters and validators run)."""
        self._through_init = _builder(cls, plan, False)
        self._verified = False

    def verify(self, row: tuple[str, ...]) -> None:
        """Once per process, on a real row: the direct build must give what
        ``cls(**values)`` gives, or the scanner builds through ``__init__`` from now on
        (a class whose construction does more than its converters)."""
        if self._verified:
            return
        self._verified = True
        try:
            direct, through = self.build(row), self._through_init(row)
        except Exception:  # a row the model refuses proves nothing: check the next one
            self._verified = False
            return
        if type(direct) is not type(through) or direct != through:
            self.build = self._through_init

    def open(self, source: str | os.PathLike[str] | bytes) -> ScannedBatch:
        """Check the head and tail of a batch; :class:`GiveUp` when they are not plain.
        ``OSError`` is raised as is."""
        handle: IO[bytes] = (io.BytesIO(source) if isinstance(source, bytes)
                             else open(source, "rb"))  # noqa: SIM115 - closed below
        try:
            signature = None
            if not isinstance(source, bytes):
                found_stat = os.fstat(handle.fileno())
                if not stat.S_ISREG(found_stat.st_mode):  # a pipe, a device: lxml reads it
                    raise GiveUp
                signature = _signature(found_stat)
            size = handle.seek(0, io.SEEK_END)
            handle.seek(0)
            head = b""
            found = -1
            while found < 0:
                if len(head) > HEAD_MAX:
                    raise GiveUp
                block = handle.read(1 << 16)
                if not block:
                    raise GiveUp
                head += block
                found = head.find(self.opening)
            head = head[:found + len(self.opening)]
            _plain_head(head)
            closing = self.end.encode()
            start = max(len(head), size - TAIL_MAX - len(closing))
            handle.seek(start)
            tail = handle.read()
            last = tail.rfind(closing)
            if last < 0:
                raise GiveUp
            _no_markup_declarations(handle, len(head), start + last)
            return ScannedBatch(self, source, head, tail[last + len(closing):], size,
                                signature)
        finally:
            handle.close()

    def record_element(self, region: Region, position: int, *,
                       namespace: str) -> tuple[etree._Element, int]:
        """The ``position``-th record of ``region`` parsed on its own with the hardened
        parser, and the file line where it starts."""
        _, line = region.place(position, self.one)
        opening = f"<{self.record}>"
        record = region.rows[position][0].rstrip(" \t\r\n")
        marked = f'<{self.record} xmlns="{namespace}">' + record[len(opening):]
        element = parse_bytes(marked.encode("utf-8"), limits=DOCUMENT_LIMITS).getroot()
        return element, line


@attrs.frozen
class ScannedBatch:
    """A batch whose head and tail are plain: its lines can be scanned, as many times as
    needed (:meth:`regions`)."""

    scanner: LineScanner
    source: str | os.PathLike[str] | bytes
    head: bytes
    """Everything up to and including ``<lines>``."""
    tail: bytes
    """Everything after ``</lines>``."""
    size: int
    signature: tuple[int, int, int, int] | None = None
    """Device, inode, size and modification time of a file when it was opened."""

    def unchanged(self) -> bool:
        """Whether the file is still the one opened (bytes never change)."""
        if self.signature is None or isinstance(self.source, bytes):
            return True
        try:
            return _signature(os.stat(self.source)) == self.signature
        except OSError:
            return False

    @property
    def head_lines(self) -> int:
        """Line of the end of the head (``<lines>``) in the file."""
        return 1 + self.head.count(b"\n")

    def document(self) -> bytes:
        """The form without its lines: the head, ``</lines>``, a line end, the tail.
        Lines up to :attr:`head_lines` are the file's; the tail starts one line
        further (``_Scan.file_line`` in :mod:`.checking` maps them back)."""
        return self.head + self.scanner.end.encode() + b"\n" + self.tail

    def regions(self, *, progress: Callable[[int, int | None], None] | None = None,
                ) -> Iterator[Region]:
        """The records, as regions of whole records; :class:`GiveUp` on anything that
        is not plain. ``progress(bytes_read, total)`` after each block."""
        scanner = self.scanner
        handle: IO[bytes] = (io.BytesIO(self.source) if isinstance(self.source, bytes)
                             else open(self.source, "rb"))  # noqa: SIM115 - closed below
        with handle:
            if self.signature is not None and (
                    _signature(os.fstat(handle.fileno())) != self.signature):
                raise GiveUp  # replaced since it was opened: lxml reads what is there now
            handle.seek(len(self.head))
            decoder = codecs.getincrementaldecoder("utf-8")("strict")
            buffer = ""
            index = 0
            line = 1 + self.head.count(b"\n")
            while True:
                block = handle.read(CHUNK)
                try:
                    buffer += decoder.decode(block, final=not block)
                except UnicodeDecodeError:
                    raise GiveUp from None
                if progress is not None:
                    progress(handle.tell(), self.size)
                stop = buffer.find(scanner.end)
                if stop >= 0:
                    cut = stop
                elif not block:
                    raise GiveUp
                else:
                    last = buffer.rfind(scanner.closing)
                    if last < 0:
                        if len(buffer) > HEAD_MAX:
                            raise GiveUp
                        continue
                    cut = last + len(scanner.closing)
                text = buffer[:cut]
                rows: list[tuple[str, ...]] = scanner.one.findall(text)
                if rows:
                    scanner.verify(rows[0])
                # The matches do not overlap and keep their order: if their lengths add
                # up to the text after its leading whitespace, they tile it, with
                # nothing between them.
                covered = sum(map(len, map(_first, rows)))
                if covered + scanner.leading.match(text).end() != len(text):  # type: ignore[union-attr]
                    raise GiveUp
                if "&" in text or "\r" in text:
                    rows = [(row[0], *map(xml_text, row[1:])) for row in rows]  # raw record kept
                end = line + text.count("\n")
                yield Region(index, line, text, rows, end)
                index += len(rows)
                line = end
                buffer = buffer[cut:]
                if stop >= 0:
                    break
            rest = buffer[len(scanner.end):].encode("utf-8") + handle.read(TAIL_MAX + 1)
            if rest != self.tail:  # the last </lines> is not the end of the records
                raise GiveUp


def _direct(cls: type[Any], plan: tuple[Slot, ...]) -> bool:
    """Whether ``cls`` is built by its converters alone: every field in the plan, no
    validator, no ``__attrs_pre_init__``/``__attrs_post_init__``, slotted, no cached
    hash (checked again on a real row: :meth:`LineScanner.verify`)."""
    fields = attrs.fields(cls)
    slots_ = cls.__dict__.get("__slots__", None)
    return (len(fields) == len(plan) and all(field.validator is None for field in fields)
            and not hasattr(cls, "__attrs_pre_init__")
            and not hasattr(cls, "__attrs_post_init__")
            and slots_ is not None and not any("hash" in name for name in slots_))


def _model_converter(slot: Slot) -> Callable[[Any], Any] | None:
    """The field's own converter, without the wrapper that names the field in errors
    (an error sends the record to the generic reader, which names it)."""
    converter: Any = slot.attribute.converter
    if converter is None:
        return None
    found: Callable[[Any], Any] = unlocated(converter) or converter
    return found


def _few_valued(scalar: Scalar) -> bool:
    """Immutable values with few distinct texts in a batch (codes, months, dates)."""
    return bool(scalar.values) or scalar.python in (int, bool) or scalar.name in (
        "Period", "Date", "Lang", "xs:date")


def _builder(cls: type[Any], plan: tuple[Slot, ...],
             direct: bool) -> Callable[[tuple[str, ...]], Any]:
    """``row -> object``: each raw text through the compiled converter of its type
    (:mod:`.fastread`), then the field's own converter, as the constructor does.

    When the class has nothing but converters (:func:`_direct`), the object is
    made without its ``__init__`` and each field set once: what ``__init__``
    does, minus the keyword handling. An absent optional field gets what its
    converter makes of ``None`` (computed once), and values of few-valued types
    are kept by their text in a bounded table. Otherwise ``cls(**values)``.
    """
    namespace: dict[str, Any] = {"cls": cls, "NEW": object.__new__,
                                 "SET": object.__setattr__}
    body: list[str] = ["def build(row):"]
    if direct:
        body.append("    obj = NEW(cls)")
    values: list[str] = []
    for position, slot in enumerate(plan):
        if not isinstance(slot.value, Scalar):  # pragma: no cover - refused by the caller
            raise ValueError(f"{cls.__qualname__}.{slot.name}: not a leaf")
        item = f"row[{position + 1}]"  # group 1 is the whole record
        parse = _shortcut(slot.value, _converter(slot.value))
        model = _model_converter(slot) if direct else None
        namespace[f"p{position}"] = parse
        namespace[f"m{position}"] = model
        call = f"m{position}(p{position}({item}))" if model is not None else \
            f"p{position}({item})"
        if _few_valued(slot.value):
            table: dict[str, Any] = {}
            namespace[f"t{position}"] = table
            namespace[f"f{position}"] = _filler(table, parse, model)
            call = f"(t{position}.get({item}) or f{position}({item}))"
        if slot.optional:
            absent = "None"
            if model is not None:
                try:
                    namespace[f"d{position}"] = model(None)
                    absent = f"d{position}"
                except Exception:  # the converter refuses None: as the constructor would
                    absent = f"m{position}(None)"
            call = f"({call} if {item} else {absent})"
        if direct:
            body.append(f"    SET(obj, {slot.name!r}, {call})")
        else:
            values.append(f"{slot.arg}={call}")
    body.append("    return obj" if direct else f"    return cls({', '.join(values)})")
    source = "\n".join(body) + "\n"
    exec(compile(source, f"<scan {cls.__qualname__}>", "exec"), namespace)  # noqa: S102
    built: Callable[[tuple[str, ...]], Any] = namespace["build"]
    return built


_CENTS = re.compile(r"[0-9]{1,20}\.[0-9]{2}")


def _shortcut(scalar: Scalar, parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """``parse`` with a first test for the form the SDK writes (11 digits of a NISS,
    ``digits.dd`` for money), which needs no whitespace collapse and no pattern: both
    forms match the type's pattern, and the object made is the one ``parse`` makes
    (see :mod:`.fastread`). Anything else goes through ``parse``."""
    if scalar.python is Niss:

        def niss(text: str) -> Any:
            if niss_checks_out(text):
                value = _NEW(Niss)
                _SET(value, "compact", text)
                return value
            return parse(text)

        return niss
    if scalar.python is Money:

        def money(text: str) -> Any:
            if _CENTS.fullmatch(text):
                value = _NEW(Money)
                _SET(value, "amount", Decimal(text))
                return value
            return parse(text)

        return money
    return parse


def _filler(table: dict[str, Any], parse: Callable[[str], Any],
            model: Callable[[Any], Any] | None) -> Callable[[str], Any]:
    """Converts a text not in ``table`` yet, and keeps it (the table is bounded)."""

    def fill(text: str) -> Any:
        value = parse(text) if model is None else model(parse(text))
        if len(table) >= _TABLE_LIMIT:
            table.clear()
        if value and len(text) <= KEPT_TEXT_MAX:  # falsy values (0, False) are not kept:
            table[text] = value  # ``get() or fill()`` in build
        return value

    return fill


_scanners: dict[tuple[type, str, str], LineScanner] = {}


def line_scanner(cls: type[Any], *, record: str, container: str) -> LineScanner:
    """The scanner of ``cls`` records inside ``<container>`` (built once per process)."""
    return built_once(_scanners, (cls, record, container),
                      lambda: LineScanner(cls, record=record, container=container))


