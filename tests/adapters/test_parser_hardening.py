"""The hardened parser and the sandboxed xmlschema validator refuse the attack corpus.

Corpus: ``tests/data/attacks/`` (see its README). Each file is refused with a
clear error (reason, source, line), no content of a file the attack tries to
include ever appears in an error or an output, nothing connects to the
network, and memory stays bounded.
"""

from __future__ import annotations

import doctest
import io
import json
import pickle
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from xmlschema.exceptions import XMLResourceForbidden

from cpas.adapters.xml import parser
from cpas.adapters.xml.parser import (
    BATCH_LIMITS,
    Limits,
    UnsafeXml,
    XmlError,
    XmlLimitExceeded,
    XmlSyntaxError,
    iterparse_safe,
    parse_bytes,
    parse_file,
    peek_root,
    xmlschema_validator,
)
from cpas.sdk.errors import CpasError

ATTACKS = Path(__file__).resolve().parent.parent / "data" / "attacks"
MARKER = "CPAS-SDK-SECRET-MARKER-5f3a9c"

DOCTYPE = "a DOCTYPE"
# file -> (error class, fragment of the reason, line)
EXPECTED: dict[str, tuple[type[XmlError], str, int]] = {
    "xxe_etc_passwd.xml": (UnsafeXml, DOCTYPE, 2),
    "xxe_local_secret.xml": (UnsafeXml, DOCTYPE, 2),
    "billion_laughs.xml": (UnsafeXml, DOCTYPE, 2),
    "quadratic_blowup.xml": (UnsafeXml, DOCTYPE, 2),
    "external_dtd_network.xml": (UnsafeXml, DOCTYPE, 2),
    "external_dtd_local.xml": (UnsafeXml, DOCTYPE, 2),
    "parameter_entities.xml": (UnsafeXml, DOCTYPE, 2),
    "network_entity.xml": (UnsafeXml, DOCTYPE, 2),
    "network_entity_port9.xml": (UnsafeXml, DOCTYPE, 2),
    "doctype_after_comment.xml": (UnsafeXml, DOCTYPE, 4),
    "utf16_doctype.xml": (UnsafeXml, DOCTYPE, 3),
    "xinclude.xml": (UnsafeXml, "XInclude", 4),
    "xinclude_2003.xml": (UnsafeXml, "XInclude", 2),
}
XINCLUDE_FILES = {"xinclude.xml", "xinclude_2003.xml"}


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A local file that the attacks try to read."""
    path = tmp_path / "private" / "notes.txt"
    path.parent.mkdir()
    path.write_text(f"{MARKER}\n", encoding="utf-8")
    return path


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A local TCP port that the attacks try to reach; nobody may connect."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.setblocking(False)
    try:
        yield server
    finally:
        server.close()


def assert_no_connection(server: socket.socket) -> None:
    with pytest.raises(BlockingIOError):
        server.accept()


def materialise(name: str, secret: Path, port: int) -> bytes:
    """The attack file with the test's secret URL and port filled in."""
    raw = (ATTACKS / name).read_bytes()
    encoding = "utf-16" if raw.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8"
    text = raw.decode(encoding)
    text = text.replace("@SECRET_URL@", secret.as_uri()).replace("@PORT@", str(port))
    return text.encode(encoding)


def assert_no_secret(*texts: object) -> None:
    for text in texts:
        assert MARKER not in str(text)
        assert MARKER not in repr(text)


def check_error(error: XmlError, name: str) -> None:
    kind, reason, line = EXPECTED[name]
    assert isinstance(error, kind)
    assert reason in error.reason
    assert error.source == name
    assert error.line == line
    assert f"{name}:{line}: " in str(error)
    assert_no_secret(error, *error.args)


def test_corpus_has_expectations() -> None:
    """Every attack file has an expected error (a new file needs one)."""
    assert {p.name for p in ATTACKS.glob("*.xml")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_parse_bytes_refuses(name: str, secret: Path, listener: socket.socket) -> None:
    data = materialise(name, secret, listener.getsockname()[1])
    with pytest.raises(XmlError) as info:
        parse_bytes(data, source=name)
    check_error(info.value, name)
    assert_no_connection(listener)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_parse_file_and_stream_refuse(
    name: str, secret: Path, listener: socket.socket, tmp_path: Path
) -> None:
    path = tmp_path / name
    path.write_bytes(materialise(name, secret, listener.getsockname()[1]))
    with pytest.raises(XmlError) as info:
        parse_file(path, source=name)
    check_error(info.value, name)
    with pytest.raises(XmlError) as streamed:
        for _ in iterparse_safe(path, name=name, tag="{urn:none}record"):
            pass
    check_error(streamed.value, name)
    assert_no_connection(listener)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_xmlschema_refuses(name: str, secret: Path, listener: socket.socket) -> None:
    """xmlschema with allow="none", defuse="always" refuses DTDs; XInclude is invalid."""
    validator = xmlschema_validator([(ATTACKS / "target.xsd").read_bytes()])
    data = materialise(name, secret, listener.getsockname()[1])
    if name in XINCLUDE_FILES:
        errors = list(validator.iter_errors(data))
        assert errors
        assert_no_secret(*(str(e) for e in errors))
    else:
        with pytest.raises(XMLResourceForbidden) as info:
            list(validator.iter_errors(data))
        assert_no_secret(info.value)
    assert_no_connection(listener)


def test_xmlschema_accepts_a_plain_document() -> None:
    validator = xmlschema_validator([(ATTACKS / "target.xsd").read_bytes()])
    assert validator.is_valid(b"<r>text</r>")


def nested(depth: int) -> bytes:
    return b"<r>" + b"<a>" * (depth - 1) + b"</a>" * (depth - 1) + b"</r>"


def test_depth_limit() -> None:
    """The root is at depth 1; 64 levels pass, 65 do not."""
    parse_bytes(nested(64))
    with pytest.raises(XmlLimitExceeded, match="deeper than 64") as info:
        parse_bytes(nested(65), source="deep.xml")
    assert info.value.line == 1
    with pytest.raises(XmlLimitExceeded, match="deeper than 10"):
        parse_bytes(nested(11), limits=Limits(max_depth=10))


def test_very_deep_document_is_a_limit_error() -> None:
    """libxml2 stops at 256 levels by itself; the error is still a limit error."""
    with pytest.raises(XmlLimitExceeded, match="nested too deeply"):
        parse_bytes(nested(100_000), source="deep.xml")


def test_oversized_text_node() -> None:
    data = b"<r>\n<a>" + b"x" * (1024 * 1024 + 1) + b"</a></r>"
    with pytest.raises(XmlLimitExceeded, match="a text longer than 1048576") as info:
        parse_bytes(data, source="big.xml")
    assert info.value.line == 2
    assert "xxxx" not in str(info.value)
    parse_bytes(b"<r><a>" + b"x" * 1000 + b"</a></r>", limits=Limits(max_text=1000))


def test_oversized_attribute() -> None:
    data = b'<r>\n\n<a v="' + b"y" * 5000 + b'"/></r>'
    with pytest.raises(XmlLimitExceeded, match="an attribute value longer than 4096") as info:
        parse_bytes(data, limits=Limits(max_text=4096))
    assert info.value.line == 3


def test_input_too_large(tmp_path: Path) -> None:
    data = b"<r>" + b"<a/>" * 300 + b"</r>"
    with pytest.raises(XmlLimitExceeded, match="larger than 1000 bytes"):
        parse_bytes(data, limits=Limits(max_bytes=1000))
    path = tmp_path / "big.xml"
    path.write_bytes(data)
    with pytest.raises(XmlLimitExceeded, match="larger than 1000 bytes"):
        parse_file(path, limits=Limits(max_bytes=1000))
    with pytest.raises(XmlLimitExceeded, match="larger than 1000 bytes"):
        list(iterparse_safe(path, limits=Limits(max_bytes=1000)))


def test_input_too_large_from_an_unsized_stream() -> None:
    """A pipe has no size: the bound is enforced while reading."""

    class Pipe(io.RawIOBase):
        def __init__(self) -> None:
            self.left = 10_000

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
            data = (b"<r>" if self.left == 10_000 else b"") + b"<a/>" * 16
            data = data[: min(len(buffer), self.left)]
            buffer[: len(data)] = data
            self.left -= len(data)
            return len(data)

    with pytest.raises(XmlLimitExceeded, match="larger than 5000 bytes"):
        list(iterparse_safe(io.BufferedReader(Pipe()), limits=Limits(max_bytes=5000),
                            chunk_size=1024))


def test_long_prolog_refused() -> None:
    data = b"<!--" + b"-" * 0 + b"c" * (70 * 1024) + b"-->\n<r/>"
    with pytest.raises(XmlLimitExceeded, match="before the root element"):
        parse_bytes(data)


def test_doctype_split_across_chunks_is_found() -> None:
    """The prolog scan waits for enough bytes: a DOCTYPE cut by a chunk boundary is seen."""
    data = b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x "y">]><r>&x;</r>'
    for size in (1, 2, 3, 5, 24, 25):
        with pytest.raises(UnsafeXml, match="DOCTYPE") as info:
            list(iterparse_safe(data, chunk_size=size))
        assert info.value.line == 2


def test_prescan_is_not_the_only_defence(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the prolog scan disabled, the parsed document's DTD is still refused."""
    monkeypatch.setattr(parser, "_check_prolog", lambda *a, **k: True)
    with pytest.raises(UnsafeXml, match="DOCTYPE"):
        parse_bytes(b'<!DOCTYPE r [<!ENTITY x "y">]><r>&x;</r>')
    with pytest.raises(UnsafeXml, match="DOCTYPE"):
        list(iterparse_safe(b'<!DOCTYPE r [<!ENTITY x "y">]><r>&x;</r>'))


def test_streaming_flood_outside_records_is_bounded() -> None:
    """Elements that the caller never releases are counted after every chunk."""

    def flood() -> Iterator[bytes]:
        yield b"<r>"
        while True:
            yield b"<junk/>" * 1000

    class Flood(io.RawIOBase):
        def __init__(self) -> None:
            self.parts = flood()
            self.read_total = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
            data = next(self.parts)[: len(buffer)]
            buffer[: len(data)] = data
            self.read_total += len(data)
            return len(data)

    source = Flood()
    with pytest.raises(XmlLimitExceeded, match="more than 20000 elements held") as info:
        for _ in iterparse_safe(io.BufferedReader(source), tag="{urn:x}record",
                                name="flood.xml"):
            pass
    assert info.value.source == "flood.xml"
    assert source.read_total < 2 * 1024 * 1024


def test_syntax_errors_have_lines() -> None:
    with pytest.raises(XmlSyntaxError, match="not well-formed") as info:
        parse_bytes(b"<r>\n<a>\n</b></r>", source="bad.xml")
    assert (info.value.source, info.value.line) == ("bad.xml", 3)
    with pytest.raises(XmlSyntaxError) as streamed:
        list(iterparse_safe(b"<r>\n<a>\n", name="cut.xml"))
    assert streamed.value.line == 3
    with pytest.raises(XmlSyntaxError):
        parse_bytes(b"")
    with pytest.raises(XmlSyntaxError):
        parse_bytes(b"not xml at all")


def test_undeclared_entity_is_a_syntax_error() -> None:
    with pytest.raises(XmlSyntaxError, match="not defined"):
        parse_bytes(b"<r>&ghost;</r>")


def test_encodings_and_bom_are_accepted() -> None:
    for data in ('<?xml version="1.0" encoding="UTF-16"?><r>é</r>'.encode("utf-16"),
                 b"\xef\xbb\xbf<r>\xc3\xa9</r>",
                 '<?xml version="1.0" encoding="ISO-8859-1"?><r>é</r>'.encode("latin-1")):
        assert parse_bytes(data).getroot().text == "é"


def test_errors_are_catchable_broadly_and_pickle() -> None:
    with pytest.raises(ValueError, match="DOCTYPE"):
        parse_bytes(b"<!DOCTYPE r><r/>")
    with pytest.raises(CpasError):
        parse_bytes(b"<r>")
    error = UnsafeXml("a reason", source="f.xml", line=3)
    clone = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own object
    assert (type(clone), clone.reason, clone.source, clone.line) == (UnsafeXml, "a reason",
                                                                     "f.xml", 3)
    assert str(XmlSyntaxError("x")) == "<input>: x"


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_depth"):
        Limits(max_depth=0)
    assert BATCH_LIMITS.max_live_elements is not None


def test_iterparse_events() -> None:
    data = b'<r xmlns="urn:x"><a/><b><a/></b></r>'
    assert [(e, el.tag) for e, el in iterparse_safe(data, tag="{urn:x}a")] == [
        ("start", "{urn:x}r"), ("end", "{urn:x}a"), ("end", "{urn:x}a")]
    assert [e for e, _ in iterparse_safe(data, events=("start", "end"))] == [
        "start", "start", "end", "start", "start", "end", "end", "end"]
    with pytest.raises(ValueError, match="events"):
        list(iterparse_safe(data, events=("comment",)))


def test_peek_root() -> None:
    assert peek_root(b'<?xml version="1.0"?>\n<x:r xmlns:x="urn:a"><b/></x:r>') == "{urn:a}r"
    with pytest.raises(UnsafeXml):
        peek_root(b"<!DOCTYPE r><r/>")


def test_module_doctest() -> None:
    result = doctest.testmod(parser, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_memory_stays_bounded(tmp_path: Path, secret: Path, listener: socket.socket) -> None:
    """Peak RSS of a fresh interpreter grows by less than 64 MiB over the whole corpus.

    Measured in a subprocess (libxml2 allocations are invisible to tracemalloc),
    after a warm-up; the expanded billion laughs alone would be 10 GB.
    """
    files = []
    for name in sorted(EXPECTED):
        path = tmp_path / name
        path.write_bytes(materialise(name, secret, listener.getsockname()[1]))
        files.append(str(path))
    script = textwrap.dedent("""
        import io, json, resource, sys
        from cpas.adapters.xml.parser import (
            XmlError, iterparse_safe, parse_bytes, xmlschema_validator)
        validator = xmlschema_validator([open(sys.argv[1], "rb").read()])
        parse_bytes(b"<r>warm</r>")
        list(validator.iter_errors(b"<r>warm</r>"))
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        inputs = [open(p, "rb").read() for p in sys.argv[2:]]
        inputs += [b"<r>" + b"<a>" * 5000 + b"</a>" * 5000 + b"</r>",
                   b"<r><a>" + b"x" * (2 * 1024 * 1024) + b"</a></r>"]
        outputs = []
        for data in inputs:
            try:
                parse_bytes(data)
            except XmlError as exc:
                outputs.append(str(exc))
            try:
                list(iterparse_safe(data))
            except XmlError as exc:
                outputs.append(str(exc))
            try:
                outputs.extend(str(e) for e in validator.iter_errors(data))
            except Exception as exc:
                outputs.append(str(exc))
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({"grown_kib": after - before, "outputs": outputs}))
    """)
    argv = [sys.executable, "-c", script, str(ATTACKS / "target.xsd"), *files]
    done = subprocess.run(argv,  # noqa: S603 - fixed program and arguments
                          capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["grown_kib"] < 64 * 1024
    assert len(result["outputs"]) >= 2 * len(files)
    assert MARKER not in done.stdout + done.stderr
    assert_no_connection(listener)


@pytest.mark.parametrize("cut", [2, 20, 200])  # 1 would only drop the final newline
def test_event_chunks_refuse_a_cut_document_even_when_validating(cut: int) -> None:
    """With a schema, libxml2 can end the parse of a truncated file without an error; the
    hardened streaming parser refuses it itself (the root element was never closed)."""
    from cpas.adapters.xml.documents import to_xml
    from cpas.adapters.xml.parser import EventChunks, Limits, XmlSyntaxError
    from cpas.schemas import lxml_schema
    from cpas.sdk.samples import sample_set

    data = to_xml(sample_set().reimbursement)
    chunks = EventChunks(data[:-cut], tags=None, limits=Limits(), name="cut.xml",
                         schema=lxml_schema("reimbursement-1.xsd"))
    with pytest.raises(XmlSyntaxError, match="root element"):
        for _ in chunks:
            pass
    whole = EventChunks(data, tags=None, limits=Limits(), name="whole.xml",
                        schema=lxml_schema("reimbursement-1.xsd"))
    assert sum(len(events) for events in whole) > 10
