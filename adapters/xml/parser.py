"""Hardened XML parsing: the one way cpas-sdk reads XML that it did not write.

Every XML file that reaches the SDK may come from anyone (a vendor's export, an
e-mail attachment, a batch dropped on a share), so every reader goes through
this module. The security decisions are fixed, not options:

* **No DTD at all.** A ``<!DOCTYPE`` is refused *before* libxml2 sees the
  document (the prolog is scanned in the document's own encoding), and again
  after parsing as a second line of defence. So no entity is ever declared,
  expanded or fetched: no external entity reading a local file, no billion
  laughs, no quadratic blow-up, no parameter entities, no external DTD.
* **No network, no file access**: the lxml parser runs with ``no_network``,
  ``load_dtd=False`` and ``resolve_entities=False``.
* **No XInclude**: elements in the XInclude namespace are refused; nothing is
  ever included.
* **Bounded input** (:class:`Limits`): size in bytes, element depth, length of
  one text node or attribute value, and, when streaming, the number of
  elements held in memory at once. libxml2's own limits (``huge_tree`` off)
  stay in force underneath.

Errors (:class:`XmlSyntaxError`, :class:`UnsafeXml`, :class:`XmlLimitExceeded`)
name the source, the line and the reason; they never quote the document's
content or anything it tried to include.

>>> tree = parse_bytes(b"<a><b>1</b></a>", source="example.xml")
>>> tree.getroot()[0].text
'1'
>>> parse_bytes(b'<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>', source="evil.xml")
Traceback (most recent call last):
...
cpas.adapters.xml.parser.UnsafeXml: evil.xml:1: a DOCTYPE (document type declaration) \
is not allowed: DTDs and entities are refused

xmlschema, a second and independent validator, is used for diagnostics only,
and always through :func:`xmlschema_validator` (sandboxed resource access,
defused parsing).
"""

from __future__ import annotations

import codecs
import functools
import io
import os
import stat
import warnings
from collections.abc import Callable, Collection, Generator, Iterator, Sequence
from typing import IO, Any, ClassVar, Literal, NoReturn

import attrs
from lxml import etree

from ...sdk.errors import CpasError

__all__ = [
    "BATCH_LIMITS",
    "DOCUMENT_LIMITS",
    "MIB",
    "XINCLUDE_NAMESPACES",
    "XINCLUDE_PREFIXES",
    "EventChunks",
    "Limits",
    "Progress",
    "Source",
    "UnsafeXml",
    "XmlError",
    "XmlLimitExceeded",
    "XmlSchemaInvalid",
    "XmlSyntaxError",
    "iterparse_safe",
    "parse_bytes",
    "parse_file",
    "peek_root",
    "refuse_xinclude",
    "safe_parser",
    "xmlschema_validator",
]

MIB = 1024 * 1024

XINCLUDE_NAMESPACES = ("http://www.w3.org/2001/XInclude", "http://www.w3.org/2003/XInclude")
XINCLUDE_PREFIXES = tuple(f"{{{ns}}}" for ns in XINCLUDE_NAMESPACES)
"""The Clark-notation prefixes of XInclude elements (``{http://www.w3.org/2001/XInclude}``)."""

PROLOG_MAX = 64 * 1024
"""Bytes allowed before the root element (XML declaration, comments, PIs)."""

_ROOT_MAX = 1 * MIB
"""Bytes allowed before the root element's start tag is complete."""

Source = str | os.PathLike[str] | IO[bytes]
"""A file path or a binary file object."""

Progress = Callable[[int, int | None], None]
"""Called as ``progress(bytes_read, total_bytes_or_None)`` after every chunk."""


# --------------------------------------------------------------------------- errors


class XmlError(CpasError, ValueError):
    """Untrusted XML was refused.

    ``source`` names the input (file name, or what the caller passed), ``line``
    is the 1-based line where the problem was found (``None`` when unknown) and
    ``reason`` says what is wrong. No attribute ever holds document content.
    """

    code: ClassVar[str] = "XML-ERROR"
    reason: str
    source: str | None
    line: int | None

    def __init__(self, reason: str, *, source: str | None = None, line: int | None = None) -> None:
        self.reason = reason
        self.source = source
        self.line = line if line else None
        where = source or "<input>"
        if self.line is not None:
            where += f":{self.line}"
        super().__init__(f"{where}: {reason}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.reason, self.source, self.line))


def _rebuild(cls: type[XmlError], reason: str, source: str | None, line: int | None) -> XmlError:
    return cls(reason, source=source, line=line)


class XmlSyntaxError(XmlError):
    """The input is not well-formed XML (or not XML at all)."""

    code = "XML-SYNTAX"


class UnsafeXml(XmlError):
    """The input uses a construct that is refused for safety (DOCTYPE, XInclude)."""

    code = "XML-UNSAFE"


class XmlLimitExceeded(UnsafeXml):
    """The input exceeds a bound of :class:`Limits` (size, depth, text length…)."""

    code = "XML-LIMIT"


class XmlSchemaInvalid(XmlError):
    """Raised by :class:`EventChunks` when validating while parsing found schema errors.

    ``errors`` holds libxml2's messages (at most the last 100: lxml's log
    rotates), which carry no line in this mode: use
    :mod:`cpas.adapters.xml.stream` for located errors.
    """

    code = "XSD-INVALID"
    errors: tuple[tuple[str, str], ...]
    """``(libxml2 error type name, message)`` of every error."""

    def __init__(self, errors: Sequence[tuple[str, str]], *, source: str | None = None) -> None:
        self.errors = tuple(errors)
        super().__init__(f"{len(self.errors)} schema error(s)", source=source)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_invalid, (self.errors, self.source))


def _rebuild_invalid(errors: tuple[tuple[str, str], ...], source: str | None) -> XmlSchemaInvalid:
    return XmlSchemaInvalid(errors, source=source)


def _schema_errors(exc: etree.XMLSyntaxError) -> tuple[tuple[str, str], ...]:
    log: Any = exc.error_log  # lxml-stubs do not declare iteration
    return tuple((str(e.type_name), str(e.message)) for e in log
                 if e.domain_name == "SCHEMASV")


# --------------------------------------------------------------------------- limits


def _positive(instance: object, attribute: attrs.Attribute[Any], value: int | None) -> None:
    if value is not None and (not isinstance(value, int) or value < 1):
        raise ValueError(f"Limits.{attribute.name} must be a positive integer, got {value!r}")


@attrs.frozen
class Limits:
    """Bounds applied to untrusted XML. Use :data:`DOCUMENT_LIMITS` or :data:`BATCH_LIMITS`."""

    max_bytes: int = attrs.field(default=32 * MIB, validator=_positive)
    """Largest input accepted, in bytes."""
    max_depth: int = attrs.field(default=64, validator=_positive)
    """Deepest element nesting; the root element is at depth 1."""
    max_text: int = attrs.field(default=1 * MIB, validator=_positive)
    """Longest text node or attribute value, in characters."""
    max_live_elements: int | None = attrs.field(default=None, validator=_positive)
    """Streaming only: most elements held in memory at once (``None``: no bound).

    When streaming, the bounds are checked on the elements held in memory after
    every chunk read, so content processed and released within one chunk is
    bounded by the chunk size and by libxml2's own limits."""


DOCUMENT_LIMITS = Limits()
"""For one document read whole: 32 MiB, depth 64, 1 Mi characters per text."""

BATCH_LIMITS = Limits(max_bytes=1024 * MIB, max_live_elements=20_000)
"""For batches read as a stream: 1 GiB (a million reimbursement lines), at most
20 000 elements held in memory at once."""


# --------------------------------------------------------------------------- parser


def safe_parser(*, remove_blank_text: bool = False) -> etree.XMLParser:
    """A new lxml parser with the hardened settings (one per parse: parsers are not shared).

    Prefer :func:`parse_bytes`/:func:`parse_file`: they also refuse a DOCTYPE
    before parsing and check the limits. This factory is for lxml APIs that
    need a parser object.
    """
    return etree.XMLParser(**_parser_options(remove_blank_text))


def _parser_options(remove_blank_text: bool = False) -> dict[str, Any]:
    return {
        "resolve_entities": False,
        "no_network": True,
        "load_dtd": False,
        "dtd_validation": False,
        "attribute_defaults": False,
        "huge_tree": False,
        "recover": False,
        "collect_ids": False,
        "remove_blank_text": remove_blank_text,
    }


# --------------------------------------------------------------------------- prolog


def _decode_head(head: bytes) -> str:
    """The first bytes as text, good enough to find markup in the prolog."""
    boms: tuple[tuple[bytes, str], ...] = (
        (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF8, "latin-1"),
        (codecs.BOM_UTF16_BE, "utf-16-be"), (codecs.BOM_UTF16_LE, "utf-16-le"),
    )
    for bom, encoding in boms:
        if head.startswith(bom):
            return head[len(bom):].decode(encoding, errors="ignore")
    patterns: tuple[tuple[bytes, str], ...] = (
        (b"\x00\x00\x00<", "utf-32-be"), (b"<\x00\x00\x00", "utf-32-le"),
        (b"\x00<", "utf-16-be"), (b"<\x00", "utf-16-le"),
    )
    for start, encoding in patterns:
        if head.startswith(start):
            return head.decode(encoding, errors="ignore")
    # UTF-8 and every encoding that keeps ASCII markup as ASCII bytes.
    return head.decode("latin-1")


def _scan_prolog(text: str) -> tuple[Literal["root", "doctype", "more"], int]:
    """Walk the prolog: XML declaration, processing instructions, comments, blanks.

    Returns ``("root", pos)`` at the first other markup (normally the root
    element), ``("doctype", pos)`` at a ``<!`` that is not a comment, or
    ``("more", pos)`` when the text ends inside the prolog.
    """
    pos, size = 0, len(text)
    while True:
        while pos < size and text[pos] in " \t\r\n":
            pos += 1
        if pos >= size:
            return "more", pos
        if text.startswith("<?", pos):
            end = text.find("?>", pos + 2)
            if end < 0:
                return "more", pos
            pos = end + 2
        elif text.startswith("<!--", pos):
            end = text.find("-->", pos + 4)
            if end < 0:
                return "more", pos
            pos = end + 3
        elif text.startswith("<!", pos):
            return "doctype", pos
        elif size - pos < 4 and "<!--".startswith(text[pos:]):
            return "more", pos
        else:
            return "root", pos


def _check_prolog(head: bytes, *, complete: bool, source: str | None) -> bool:
    """Refuse a DOCTYPE in ``head``; True when the root element was reached."""
    text = _decode_head(head)
    state, pos = _scan_prolog(text)
    if state == "doctype":
        raise UnsafeXml(
            "a DOCTYPE (document type declaration) is not allowed: DTDs and entities "
            "are refused", source=source, line=text.count("\n", 0, pos) + 1)
    if state == "more" and not complete and len(head) >= PROLOG_MAX:
        raise XmlLimitExceeded(f"more than {PROLOG_MAX} bytes before the root element",
                               source=source, line=text.count("\n", 0, pos) + 1)
    return state == "root"


def _check_docinfo(tree: etree._ElementTree, source: str | None) -> None:
    """Second line of defence: the parsed document must have no DTD."""
    info = tree.docinfo
    if info.internalDTD is not None or info.externalDTD is not None or info.doctype:
        raise UnsafeXml("a DOCTYPE (document type declaration) is not allowed",
                        source=source, line=1)


# --------------------------------------------------------------------------- tree checks


@functools.lru_cache(maxsize=16)
def _deeper_than(depth: int) -> etree.XPath:
    # The first element at depth ``depth + 1`` below the context node.
    return etree.XPath("(" + "/".join(["*"] * (depth + 1)) + ")[1]")


@functools.lru_cache(maxsize=16)
def _longer_than(chars: int) -> etree.XPath:
    return etree.XPath(
        f"(descendant-or-self::*/text()[string-length(.) > {chars}]"
        f" | descendant-or-self::*/@*[string-length(.) > {chars}])[1]")


_XINCLUDE_TAGS = tuple(f"{prefix}*" for prefix in XINCLUDE_PREFIXES)
"""``element.iter`` filters for XInclude elements (libxml2 compares the namespaces)."""

_ONE_CHAR_PER_BYTE = ("UTF-8", "UTF8", "UTF-16", "UTF-32", "UCS-2", "UCS-4", "US-ASCII",
                      "ASCII", "ISO-8859-")
"""Encodings (name prefixes) that never decode one byte into more than one character."""

_COUNT = etree.XPath("count(descendant-or-self::*)")


def _line_of(found: Any) -> int | None:
    node = getattr(found, "getparent", lambda: None)() if isinstance(found, str) else found
    line = getattr(node, "sourceline", None)
    return line if isinstance(line, int) else None


def _first(result: Any) -> Any:
    return result[0] if isinstance(result, list) and result else None


def _texts_fit(size: int, encoding: str | None, limits: Limits) -> bool:
    """Whether no text or attribute value of a document of ``size`` bytes in ``encoding``
    can be longer than ``limits.max_text`` characters, without looking.

    In the encodings of :data:`_ONE_CHAR_PER_BYTE` every character takes at least one
    byte of input (a character reference takes more; no DTD, so no entity), so the
    characters of one text cannot outnumber the document's bytes. Any other encoding,
    or a larger document, is checked text by text.
    """
    name = (encoding or "").upper().replace("_", "-")
    return size <= limits.max_text and name.startswith(_ONE_CHAR_PER_BYTE)


def _check_tree(
    element: etree._Element, limits: Limits, source: str | None, *, depth: int = 1,
    count: bool = False, texts: bool = True,
) -> None:
    """Check ``element`` (at ``depth``) and its descendants against ``limits``
    (the length of texts and attribute values only if ``texts``: see :func:`_texts_fit`)."""
    if count and limits.max_live_elements is not None:
        held = _COUNT(element)
        if isinstance(held, float) and held > limits.max_live_elements:
            raise XmlLimitExceeded(
                f"more than {limits.max_live_elements} elements held at once while streaming "
                "(records expected as direct children of a container)", source=source,
                line=_line_of(element))
    found = next(element.iter(*_XINCLUDE_TAGS), None)
    if found is not None:
        raise UnsafeXml("XInclude is not allowed", source=source, line=_line_of(found))
    if limits.max_depth >= depth:
        found = _first(_deeper_than(limits.max_depth - depth)(element))
    else:
        found = element
    if found is not None:
        raise XmlLimitExceeded(f"elements nested deeper than {limits.max_depth} levels",
                               source=source, line=_line_of(found))
    found = _first(_longer_than(limits.max_text)(element)) if texts else None
    if found is not None:
        what = "an attribute value" if getattr(found, "is_attribute", False) else "a text"
        raise XmlLimitExceeded(f"{what} longer than {limits.max_text} characters",
                               source=source, line=_line_of(found))


def _syntax_error(exc: etree.XMLSyntaxError, source: str | None) -> XmlError:
    message = str(exc.msg or "not well-formed").strip()
    if "Excessive depth" in message:
        return XmlLimitExceeded("elements nested too deeply", source=source, line=exc.lineno)
    if len(message) > 200:
        message = message[:200] + "…"
    return XmlSyntaxError(f"not well-formed XML: {message}", source=source, line=exc.lineno)


# --------------------------------------------------------------------------- whole documents


def parse_bytes(
    data: bytes | bytearray | memoryview, *, source: str | None = None,
    limits: Limits = DOCUMENT_LIMITS, remove_blank_text: bool = False,
) -> etree._ElementTree:
    """Parse one untrusted document held in memory.

    Raises :class:`UnsafeXml` (DOCTYPE, XInclude), :class:`XmlLimitExceeded`
    (size, depth, text length) or :class:`XmlSyntaxError`.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"parse_bytes needs bytes, got {type(data).__name__}")
    data = bytes(data)
    if len(data) > limits.max_bytes:
        raise XmlLimitExceeded(f"input larger than {limits.max_bytes} bytes", source=source)
    head = data[:PROLOG_MAX]
    _check_prolog(head, complete=len(data) <= PROLOG_MAX, source=source)
    try:
        root = etree.fromstring(data, etree.XMLParser(**_parser_options(remove_blank_text)))
    except etree.XMLSyntaxError as exc:
        raise _syntax_error(exc, source) from None
    tree = root.getroottree()
    _check_docinfo(tree, source)
    _check_tree(root, limits, source,
                texts=not _texts_fit(len(data), tree.docinfo.encoding, limits))
    return tree


def parse_file(
    path: str | os.PathLike[str], *, source: str | None = None,
    limits: Limits = DOCUMENT_LIMITS, remove_blank_text: bool = False,
) -> etree._ElementTree:
    """Parse one untrusted document from a file (read at most ``limits.max_bytes + 1``).

    ``OSError`` is raised as is when the file cannot be read.
    """
    name = source if source is not None else os.fspath(path)
    with open(path, "rb") as handle:
        size = _size_of(handle)
        if size is not None and size > limits.max_bytes:
            raise XmlLimitExceeded(f"input larger than {limits.max_bytes} bytes", source=name)
        data = handle.read(limits.max_bytes + 1)
    return parse_bytes(data, source=name, limits=limits, remove_blank_text=remove_blank_text)


def _size_of(handle: IO[bytes]) -> int | None:
    try:
        status = os.fstat(handle.fileno())
    except (OSError, AttributeError, io.UnsupportedOperation):
        return None
    return status.st_size if stat.S_ISREG(status.st_mode) else None


# --------------------------------------------------------------------------- streaming


class _Input:
    """A binary input opened for streaming, with its name and size when known."""

    def __init__(self, source: Source | bytes, name: str | None) -> None:
        self._owned: IO[bytes] | None = None
        if isinstance(source, bytes | bytearray):
            self.handle: IO[bytes] = io.BytesIO(bytes(source))
            self.name = name or "<bytes>"
            self.total: int | None = len(source)
        elif isinstance(source, str | os.PathLike):
            self._owned = self.handle = open(source, "rb")  # noqa: SIM115 - closed in close()
            self.name = name or os.fspath(source)
            self.total = _size_of(self.handle)
        else:
            self.handle = source
            self.name = name or str(getattr(source, "name", "<stream>"))
            self.total = _size_of(source)

    def close(self) -> None:
        if self._owned is not None:
            self._owned.close()


def _read_head(
    handle: IO[bytes], chunk_size: int, source: str, limits: Limits
) -> tuple[bytes, str]:
    """Read until the root start tag is complete; return the bytes read and the root tag."""
    head = b""
    eof = False
    while True:
        chunk = handle.read(chunk_size)
        eof = not chunk
        head += chunk
        if _check_prolog(head[:PROLOG_MAX], complete=eof, source=source) or eof:
            break
    probe = etree.XMLPullParser(events=("start",), **_parser_options())
    fed = 0
    while True:
        try:
            probe.feed(head[fed:])
        except etree.XMLSyntaxError as exc:
            raise _syntax_error(exc, source) from None
        fed = len(head)
        for _event, element in probe.read_events():
            if not isinstance(element, etree._Element):  # pragma: no cover - start events only
                continue
            _check_docinfo(element.getroottree(), source)
            return head, element.tag
        if eof:
            try:
                probe.close()
            except etree.XMLSyntaxError as exc:
                raise _syntax_error(exc, source) from None
            raise XmlSyntaxError("no root element", source=source)  # pragma: no cover
        if len(head) > min(_ROOT_MAX, limits.max_bytes):
            raise XmlLimitExceeded(f"root start tag not complete within {_ROOT_MAX} bytes",
                                   source=source)
        chunk = handle.read(chunk_size)
        eof = not chunk
        head += chunk


def peek_root(source: Source | bytes, *, name: str | None = None) -> str:
    """The root element's tag (Clark notation ``{ns}local``), read safely from the head.

    A file object is read from its current position and left where reading stopped.
    """
    opened = _Input(source, name)
    try:
        return _read_head(opened.handle, 64 * 1024, opened.name, BATCH_LIMITS)[1]
    finally:
        opened.close()


def iterparse_safe(
    source: Source | bytes, *, events: Collection[str] = ("end",),
    tag: Sequence[str] | str | None = None, limits: Limits = BATCH_LIMITS,
    progress: Progress | None = None, name: str | None = None, chunk_size: int = 64 * 1024,
) -> Generator[tuple[str, etree._Element], None, None]:
    """Iterate over ``(event, element)`` like ``lxml.etree.iterparse``, hardened.

    The prolog is checked before parsing (no DOCTYPE), XInclude elements are
    refused, the input is read in chunks of ``chunk_size`` bytes (``progress``
    is called after each) and, after every chunk, the elements still in memory
    are checked against ``limits``: callers that stream must clear the
    elements they are done with (see :mod:`cpas.adapters.xml.stream`).

    ``tag`` restricts events to those elements (Clark notation, ``{ns}*``
    allowed), as in lxml. The root element's ``start`` event is always
    yielded first, whatever ``events`` and ``tag`` say.
    """
    wanted = frozenset(events)
    if not wanted or not wanted <= {"start", "end"}:
        raise ValueError(f"events must be 'start' and/or 'end', got {sorted(wanted)!r}")
    tags = [tag] if isinstance(tag, str) else (list(tag) if tag is not None else None)
    chunks = EventChunks(source, tags=tags, limits=limits, progress=progress, name=name,
                          chunk_size=chunk_size)
    root: etree._Element | None = None
    root_end = False
    try:
        for batch in chunks:
            for event, element in batch:
                if root is None:
                    root = element
                    root_end = "end" in wanted and (tags is None or root.tag in tags)
                    yield "start", element
                elif element is root:
                    if root_end:
                        yield event, element
                elif element.tag.startswith(XINCLUDE_PREFIXES):
                    refuse_xinclude(element, chunks.source)
                elif event in wanted:
                    yield event, element
    finally:
        chunks.close()


def refuse_xinclude(element: etree._Element, source: str | None) -> NoReturn:
    """Raise :class:`UnsafeXml` for an element in an XInclude namespace."""
    raise UnsafeXml("XInclude is not allowed", source=source, line=_line_of(element))


class EventChunks:
    """Low-level streaming: the parse events, one list per chunk read.

    Events are ``start`` and ``end`` for the elements in ``tags`` (all elements
    when ``None``), for the root element (its ``start`` is always the first
    event) and, unless ``xinclude_events`` is false, for XInclude elements,
    which the consumer must refuse with :func:`refuse_xinclude`. When the
    consumer asks for the next list, the elements still in memory are checked
    against ``limits`` and ``progress`` is called. Handling a chunk's events as
    one list, without the generator layering of :func:`iterparse_safe`, keeps
    :func:`~cpas.adapters.xml.stream.validate_stream` at bare lxml speed;
    chunks of 64 KiB keep the nodes of one chunk in the processor's cache.

    With ``schema``, libxml2 also validates while parsing; schema errors are
    then raised at the end as :class:`XmlSchemaInvalid` (without lines).
    """

    def __init__(
        self, source: Source | bytes, *, tags: Sequence[str] | None, limits: Limits,
        progress: Progress | None = None, name: str | None = None,
        chunk_size: int = 64 * 1024, schema: etree.XMLSchema | None = None,
        xinclude_events: bool = True,
    ) -> None:
        self._opened = _Input(source, name)
        self.source = self._opened.name
        """The input's name, for messages."""
        self.root: etree._Element | None = None
        """The root element, once its start tag has been read."""
        self._schema = schema
        self._xinclude_events = xinclude_events
        self._generator = self._run(list(tags) if tags is not None else None, limits,
                                    progress, chunk_size)

    def __iter__(self) -> Iterator[list[tuple[str, etree._Element]]]:
        return self._generator

    def close(self) -> None:
        self._generator.close()
        self._opened.close()

    def _run(
        self, tags: list[str] | None, limits: Limits, progress: Progress | None,
        chunk_size: int,
    ) -> Generator[list[tuple[str, etree._Element]], None, None]:
        opened, source = self._opened, self.source
        try:
            if opened.total is not None and opened.total > limits.max_bytes:
                raise XmlLimitExceeded(f"input larger than {limits.max_bytes} bytes",
                                       source=source)
            head, root_tag = _read_head(opened.handle, chunk_size, source, limits)
            xinclude = [f"{prefix}*" for prefix in XINCLUDE_PREFIXES]
            if not self._xinclude_events:
                xinclude = []
            filter_tags = None if tags is None else [*tags, root_tag, *xinclude]
            if self._schema is not None:
                # Validation errors while parsing are reported through lxml's
                # per-thread global log: start from an empty one.
                etree.clear_error_log()
            parser = etree.XMLPullParser(events=("start", "end"), tag=filter_tags,
                                         schema=self._schema, **_parser_options())
            read = 0
            closed = False
            chunk = head
            while True:
                read += len(chunk)
                if read > limits.max_bytes:
                    raise XmlLimitExceeded(f"input larger than {limits.max_bytes} bytes",
                                           source=source)
                try:
                    if chunk:
                        parser.feed(chunk)
                    else:
                        parser.close()
                except etree.XMLSyntaxError as exc:
                    invalid = _schema_errors(exc) if self._schema is not None else ()
                    if invalid:
                        raise XmlSchemaInvalid(invalid, source=source) from None
                    raise _syntax_error(exc, source) from None
                events: list[tuple[str, etree._Element]] = list(
                    parser.read_events())  # type: ignore[arg-type]  # start/end events only
                if self.root is None and events:
                    self.root = events[0][1]
                    _check_docinfo(self.root.getroottree(), source)
                if events and events[-1][0] == "end" and events[-1][1] is self.root:
                    closed = True  # the root's end is the document's last event
                if not chunk and not closed:
                    # libxml2 may end a validating parse of a cut file without an error.
                    raise XmlSyntaxError("the document ends before its root element is "
                                         "closed", source=source)
                yield events
                del events
                if self.root is not None:
                    _check_tree(self.root, limits, source, count=True)
                if progress is not None:
                    progress(read, opened.total)
                if not chunk:
                    return
                chunk = opened.handle.read(chunk_size)
        finally:
            opened.close()


# --------------------------------------------------------------------------- xmlschema


def xmlschema_validator(sources: Sequence[bytes]) -> Any:
    """An ``xmlschema.XMLSchema`` built from in-memory XSDs, for diagnostics only.

    ``sources`` must list imported schemas **before** the schemas importing
    them (``common`` first). Resource access is ``allow="none"`` (nothing is
    ever fetched: imports are satisfied by the sources given) and every
    document is parsed defused (``defuse="always"``); the validator passes both
    settings on to the instances it reads, so
    ``validator.iter_errors(untrusted_bytes)`` refuses DTDs and entities.
    Import problems are errors, not warnings.
    """
    import xmlschema

    if not sources:
        raise ValueError("xmlschema_validator needs at least one XSD")
    streams: list[Any] = [io.BytesIO(data) for data in sources]
    with warnings.catch_warnings():
        warnings.simplefilter("error", xmlschema.XMLSchemaImportWarning)
        warnings.simplefilter("error", xmlschema.XMLSchemaIncludeWarning)
        return xmlschema.XMLSchema(streams if len(streams) > 1 else streams[0],
                                   allow="none", defuse="always")
