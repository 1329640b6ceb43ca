"""The plain-layout reader (``plainread.read_plain``) against the tree readers.

``read_plain`` re-reads, from its bytes, a document the hardened parser has
accepted and the schema has validated. It is only a shortcut of parsing the
bytes and reading the tree (:func:`~cpas.adapters.xml.documents.from_xml`): on
every input it reads it must give an object equal to what the tree readers give,
and on anything out of its plain layout it must give way (``None``). The
expected objects here always come from the tree readers (or from the generated
document itself), never from ``read_plain``.
"""

from __future__ import annotations

import gc
import re
import tracemalloc
from pathlib import Path
from typing import Any

import attrs
import pytest
from fastpath_helpers import sub, wrong_check_digits
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from cpas.adapters.exchange import _read_own_xml
from cpas.adapters.xml.documents import (
    KINDS,
    DocumentKind,
    from_xml,
    generic_to_xml,
    to_xml,
)
from cpas.adapters.xml.fastread import document_reader
from cpas.adapters.xml.mapping import dump, load
from cpas.adapters.xml.parser import parse_bytes
from cpas.adapters.xml.plainread import read_plain
from cpas.schemas import lxml_schema
from cpas.sdk._model import locate, text, texts, tuple_of
from cpas.sdk.errors import CpasError, InvalidType, InvalidValue
from cpas.sdk.samples import sample_set
from strategies_documents import DOCUMENTS

CORPUS = Path(__file__).parent.parent / "data" / "corpus"
BY_NAMESPACE = {kind.namespace: kind for kind in KINDS}
STRATEGIES = DOCUMENTS
_REFUSED = (CpasError, etree.XMLSyntaxError)


class _SchemaRefused(Exception):
    """The schema refuses the document."""


def _kind_of(data: bytes) -> DocumentKind:
    root = etree.fromstring(data)
    return BY_NAMESPACE[etree.QName(root).namespace or ""]


def _plain(data: bytes, kind: DocumentKind | None = None) -> Any:
    kind = kind or _kind_of(data)
    return read_plain(data, kind.cls, kind.namespace, kind.root)


def _tree(data: bytes, kind: DocumentKind) -> Any:
    """What the exchange reads today: hardened parse, schema validation, tree reader.
    The error when any of them refuses."""
    try:
        root = parse_bytes(data, source="test.xml").getroot()
        if not lxml_schema(kind.schema_file).validate(root):
            return _SchemaRefused(str(lxml_schema(kind.schema_file).error_log))
        return load(root, kind.cls, tag=kind.root, namespace=kind.namespace)
    except _REFUSED as exc:
        return exc


def _valid_files() -> list[Path]:
    found = []
    for path in sorted((CORPUS / "valid").glob("*.xml")):
        try:
            kind = _kind_of(path.read_bytes())
        except (KeyError, etree.XMLSyntaxError):
            continue
        if kind is not None:
            found.append(path)
    return found


# --------------------------------------------------------------------------- equal objects


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_generated_documents_are_read_alike(name: str) -> None:
    """Generated documents of each kind (empty lists, absent optionals, non-ASCII text,
    ``&``, ``<``, ``>`` and CR in texts, extreme amounts), as the compiled and the
    generic writer write them: ``read_plain`` reads every one, equal to the document
    and to what parsing and the tree reader give."""

    @settings(max_examples=15, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(STRATEGIES[name])
    def read_alike(document: Any) -> None:
        for data in (to_xml(document), generic_to_xml(document)):
            got = _plain(data)
            assert got is not None
            assert got == document == from_xml(data)

    read_alike()


def test_every_valid_corpus_file_is_read_alike() -> None:
    """Every file of the valid corpus (all five kinds, non-ASCII texts, ``<x/>``
    elements, references): read, equal to the tree reader's object."""
    found = _valid_files()
    assert {_kind_of(path.read_bytes()).name for path in found} == {k.name for k in KINDS}
    for path in found:
        data = path.read_bytes()
        kind = _kind_of(data)
        expected = _tree(data, kind)
        assert not isinstance(expected, Exception), path
        assert _plain(data, kind) == expected, path


def _piis() -> bytes:
    return to_xml(sample_set().piis)


_XML_TEXTS = st.text(
    st.one_of(st.sampled_from("<>&'\"\r\n\t ]]>\u0085\u2028\u00a0"),
              st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Co", "Cn"))),
    min_size=1, max_size=30).filter(lambda value: value.strip() != "")


@settings(max_examples=40, deadline=None)
@given(_XML_TEXTS, _XML_TEXTS)
def test_texts_with_markup_characters_and_line_ends_are_read_alike(name: str,
                                                                   street: str) -> None:
    """Texts holding ``<``, ``>``, ``&``, ``]]>``, CR, LF, tab, NEL, U+2028 (which the
    writer escapes or writes as they are): the plain reader gives the document back,
    as parsing and the tree reader do."""
    piis = sample_set().piis
    address = piis.beneficiary.address
    assert address is not None
    document = attrs.evolve(piis, beneficiary=attrs.evolve(
        piis.beneficiary, last_name=name, address=attrs.evolve(address, street=street)))
    data = to_xml(document)
    got = _plain(data)
    assert got is not None
    assert got == document == from_xml(data)


def _variants() -> dict[str, Any]:
    """Other spellings of a plain document that XML reads the same way: the plain
    reader reads them too (a function of the document's text)."""
    return {
        "CR LF line ends": lambda text: text.replace("\n", "\r\n"),
        "CR line ends": lambda text: text.replace("\n", "\r"),
        "tabs for indentation": lambda text: text.replace("  ", "\t"),
        "no indentation": lambda text: re.sub(r">\s+<", "><", text),
        "no declaration": lambda text: text.split("\n", 1)[1],
        "white space before the root": lambda text: "\n \t" + text.split("\n", 1)[1],
        "declaration in single quotes, lower case, standalone": lambda text: text.replace(
            '<?xml version="1.0" encoding="UTF-8"?>',
            "<?xml version='1.0' encoding='utf-8' standalone='yes' ?>"),
        "declaration without encoding": lambda text: text.replace(
            ' encoding="UTF-8"', ""),
        "decimal character references": lambda text: text.replace("ï", "&#239;"),
        "hexadecimal character references": lambda text: text.replace("è", "&#xE8;"),
        "predefined entities": lambda text: text.replace("Rue de l'Exemple",
                                                         "Rue de l&apos;&quot;&amp;&lt;&gt;"),
        "a euro sign by reference": lambda text: text.replace(
            "Ndiaye-Peeters", "Ndiaye &#x20AC; Peeters"),
        "a CR by reference inside a value": lambda text: text.replace(
            "Ndiaye-Peeters", "Ndiaye&#13;&#10;Peeters"),
        "a CR LF inside a value": lambda text: text.replace(
            "Ndiaye-Peeters", "Ndiaye\r\nPeeters\rX"),
        "an empty list written <x/>": lambda text: re.sub(
            r"<evaluations>.*?</evaluations>", "<evaluations/>", text, count=1, flags=re.S),
        "an empty list written <x></x>": lambda text: re.sub(
            r"<evaluations>.*?</evaluations>", "<evaluations></evaluations>", text,
            count=1, flags=re.S),
        "white space around a value that is not a text": lambda text: text.replace(
            "<decisionDate>2025-02-20<", "<decisionDate>\n\t 2025-02-20 \n<"),
        "a space by reference between elements": lambda text: text.replace(
            "</id>", "</id>&#32;&#x9;", 1),
        "white space kept in a text": lambda text: text.replace(
            "<firstName>Aïssatou<", "<firstName>  Aïssatou\t<"),
    }


@pytest.mark.parametrize("variant", sorted(_variants()))
def test_other_plain_spellings_are_read_alike(variant: str) -> None:
    """Line ends, indentation, declaration forms, references and empty elements: each
    variant of the sample PIIS is valid, and read by ``read_plain`` as the tree reader
    reads it (line ends normalised before references are decoded, as XML does)."""
    original = _piis().decode("utf-8")
    text = _variants()[variant](original)
    assert text != original, variant
    data = text.encode("utf-8")
    kind = _kind_of(data)
    expected = _tree(data, kind)
    assert not isinstance(expected, Exception), expected
    got = _plain(data, kind)
    assert got is not None
    assert got == expected


def test_a_cr_by_reference_is_kept_and_a_raw_cr_is_not() -> None:
    """XML turns a raw CR LF into LF but keeps a CR written ``&#13;``: the texts the
    plain reader gives are those of the XML rules, written out here by hand."""
    text = _piis().decode("utf-8")
    spoilt = text.replace("Ndiaye-Peeters", "A\r\nB&#13;C&#x20AC;&amp;")
    got = _plain(spoilt.encode("utf-8"))
    assert got is not None
    assert got.beneficiary.last_name == "A\nB\rC\u20ac&"


def _may_pass_as_they_are(data: bytes) -> bool:
    """The exchange's flag "the bytes may be written out as they are", worked out from
    the tree as ``_read_own_xml`` does for documents the plain reader leaves: UTF-8 XML
    1.0, no byte order mark, the root's namespace declaration alone, no comment,
    processing instruction or attribute anywhere."""
    tree = parse_bytes(data, source="test.xml")
    root, info = tree.getroot(), tree.docinfo
    return ((info.encoding or "").upper() in ("UTF-8", "UTF8") and info.xml_version == "1.0"
            and not data.startswith(b"\xef\xbb\xbf") and root.nsmap == {None: _kind_of(
                data).namespace} and data.count(b"xmlns") == 1
            and not root.xpath("boolean(//comment() | //processing-instruction() | //@*)"))


def test_a_plain_read_means_the_bytes_may_pass_as_they_are() -> None:
    """Where ``read_plain`` reads a document, the exchange (``_read_own_xml``, which then
    only counts "xmlns") says the bytes may be written out as they are exactly when the
    tree says so: the reader vouches for the rest."""
    original = _piis().decode("utf-8")
    inputs = [path.read_bytes() for path in _valid_files()]
    inputs += [variant(original).encode("utf-8") for variant in _variants().values()]
    inputs.append(original.replace("Rue de l'Exemple", "Rue xmlns").encode("utf-8"))
    flags = []
    for data in inputs:
        kind = _kind_of(data)
        assert _plain(data, kind) is not None
        own = _read_own_xml("test.xml", data)
        assert own is not None
        assert own[1] == _may_pass_as_they_are(data)
        flags.append(own[1])
    assert flags[-1] is False  # the last one: "xmlns" in a text
    assert flags[0] is True


# --------------------------------------------------------------------------- giving way


def _gives_way() -> dict[str, Any]:
    """Valid spellings the plain reader does not read (a function of the text): it
    must give way, and the tree reader still reads them."""
    return {
        "CDATA section": sub(r"<lastName>([^<]*)</lastName>",
                             r"<lastName><![CDATA[\1]]></lastName>"),
        "comment between elements": sub(r"(<id>[^<]*</id>)", r"\1<!-- note -->"),
        "comment after the root": lambda text: text + "<!-- end -->\n",
        "processing instruction": sub(r"(<id>[^<]*</id>)", r"\1<?vendor x?>"),
        "white space inside a start tag": sub(r"<lastName>", "<lastName >"),
        "white space inside an end tag": sub(r"</lastName>", "</lastName >"),
        "xsi attribute on the root": sub(
            r"<piis ", '<piis xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xsi:schemaLocation="urn:be:cpas-sdk:piis:1 piis-1.xsd" '),
        "namespace declared again on a child": sub(
            r"<cpas>", '<cpas xmlns="urn:be:cpas-sdk:piis:1">'),
        "prefixed elements": lambda text: re.sub(
            r"<(/?)([a-zA-Z]+)", r"<\1p:\2", text).replace(
            'xmlns="urn:be:cpas-sdk:piis:1"', 'xmlns:p="urn:be:cpas-sdk:piis:1"'),
        "root namespace in single quotes": sub(
            r'xmlns="urn:be:cpas-sdk:piis:1"', "xmlns='urn:be:cpas-sdk:piis:1'"),
        "a raw > in a text": sub(r"Rue de l'Exemple", "Rue > de l'Exemple"),
        "a CR by reference between elements": sub(r"(<id>[^<]*</id>)", r"\1&#13;"),
        "declaration naming ISO-8859-1": lambda text: text.replace(
            "UTF-8", "ISO-8859-1").replace("ï", "i").replace("è", "e").replace(
            "é", "e").replace("ç", "c").replace("’", "'"),
        "byte order mark": lambda text: "\ufeff" + text,
    }


@pytest.mark.parametrize("edit", sorted(_gives_way()))
def test_unusual_valid_spellings_give_way(edit: str) -> None:
    """Comments, CDATA, processing instructions, attributes, prefixes, white space in
    tags, other encodings: ``read_plain`` returns ``None``; the document is valid and
    the tree reader reads it."""
    original = _piis().decode("utf-8")
    text = _gives_way()[edit](original)
    assert text != original, edit
    data = text.encode("utf-8")
    expected = _tree(data, BY_NAMESPACE["urn:be:cpas-sdk:piis:1"])
    assert not isinstance(expected, Exception), expected
    assert _plain(data, BY_NAMESPACE["urn:be:cpas-sdk:piis:1"]) is None


def _refused() -> dict[str, Any]:
    """Spoilt documents the tree readers refuse (schema or model): the plain reader
    gives way, so the tree reader gives the error."""
    return {
        "unknown element": sub(r"(<id>[^<]*</id>)", r"\1<surprise>1</surprise>"),
        "missing element": sub(r"<id>[^<]*</id>", ""),
        "repeated element": sub(r"(<id>[^<]*</id>)", r"\1\1"),
        "two elements swapped": sub(r"(<beneficiaryStatus>[^<]*</beneficiaryStatus>)(\s*)"
                                    r"(<isNewBeneficiary>[^<]*</isNewBeneficiary>)",
                                    r"\3\2\1"),
        "text between elements": sub(r"(<id>[^<]*</id>)", r"\1 stray text "),
        "text before the first child": sub(r"(<piis[^>]*>)", r"\1 stray "),
        "no-break space between elements": sub(r"(<id>[^<]*</id>)", "\\1\u00a0"),
        "comment inside a value": sub(r"<lastName>([^<]{2})", r"<lastName>\1<!--x-->"),
        "child inside a value": sub(r"<id>([^<]*)</id>", r"<id><b>\1</b></id>"),
        "an object written <x/>": sub(r"<cpas>.*?</cpas>", "<cpas/>"),
        "a value written <x/>": sub(r"<lastName>[^<]*</lastName>", "<lastName/>"),
        "blank required text": sub(r"<lastName>[^<]*</lastName>", "<lastName> </lastName>"),
        "bad check digits": wrong_check_digits,
        "30 February": sub(r"<decisionDate>[^<]*<", "<decisionDate>2025-02-30<"),
        "bad enumeration value": sub(r"<status>[^<]*</status>", "<status>maybe</status>"),
        "a range ending before it starts (validator)": sub(
            r"(<duration>\s*<start>)([^<]*)(</start>\s*<end>)([^<]*)(</end>)",
            r"\g<1>2030-01-01\g<3>2029-12-31\g<5>"),
        "wrong item element in a list": sub(r"<objective>(.*?)</objective>",
                                            r"<goal>\1</goal>"),
        "text after the root": lambda text: text + "tail\n",
        "second root": lambda text: text + "<piis/>\n",
        "truncated": lambda text: text[: len(text) // 2],
        "an entity without a DTD": sub(r"Rue de l'Exemple", "Rue &nbsp; x"),
    }


@pytest.mark.parametrize("edit", sorted(_refused()))
def test_refused_documents_give_way(edit: str) -> None:
    """Each spoilt PIIS is refused by the hardened parser, the schema or the tree
    reader; ``read_plain`` (were it called) gives way: it never makes up a document."""
    original = _piis().decode("utf-8")
    text = _refused()[edit](original)
    assert text != original, edit
    data = text.encode("utf-8")
    kind = BY_NAMESPACE["urn:be:cpas-sdk:piis:1"]
    assert isinstance(_tree(data, kind), Exception), edit
    assert _plain(data, kind) is None


def test_invalid_corpus_never_gets_another_answer() -> None:
    """Schema-invalid and rule-breaking corpus files: wherever the tree reader refuses
    a well-formed file, the plain reader gives way; where the tree reader reads it, the
    plain reader gives way or the same object."""
    checked = refused = 0
    for path in sorted([*(CORPUS / "invalid").glob("*.xml"),
                        *(CORPUS / "semantic").glob("*.xml")]):
        data = path.read_bytes()
        try:
            kind = _kind_of(data)
            root = parse_bytes(data, source=path.name).getroot()
        except (KeyError, *_REFUSED):
            continue
        checked += 1
        try:
            expected: Any = load(root, kind.cls, tag=kind.root, namespace=kind.namespace)
        except CpasError:
            refused += 1
            assert _plain(data, kind) is None, path
            continue
        got = _plain(data, kind)
        assert got is None or got == expected, path
    assert checked >= 20 and refused >= 5


def test_other_classes_and_roots_give_way() -> None:
    """Bytes of one kind read as another kind, or with another root name: ``None``."""
    data = _piis()
    bilan = BY_NAMESPACE["urn:be:cpas-sdk:bilan:1"]
    piis = BY_NAMESPACE["urn:be:cpas-sdk:piis:1"]
    assert read_plain(data, bilan.cls, bilan.namespace, bilan.root) is None
    assert read_plain(data, piis.cls, piis.namespace, "bilanSocial") is None
    assert read_plain(data, piis.cls, "urn:be:cpas-sdk:piis:2", piis.root) is None
    assert read_plain(b"", piis.cls, piis.namespace, piis.root) is None
    assert read_plain(b"\xff\xfe<\x00", piis.cls, piis.namespace, piis.root) is None


@attrs.frozen(field_transformer=locate)
class _Node:
    """A class nested in itself, with a validator and a converter that counts."""

    name: str = attrs.field(converter=text)
    size: int = attrs.field(validator=attrs.validators.ge(0))
    child: _Node | None = None
    tags: tuple[str, ...] = attrs.field(default=(), converter=texts)


_NODE_NS = "urn:test:node"


def test_a_class_nested_in_itself_is_read_alike() -> None:
    """Nested classes reach their own reader compiled once (the recursion of the plan);
    a validator refusing a value deep down makes the reader give way, and the tree
    reader names the field."""
    node = _Node("a", 1, _Node("b", 2, _Node("c", 3), tags=("x", "y")))
    data = dump(node, tag="node", namespace=_NODE_NS)
    assert read_plain(data, _Node, _NODE_NS, "node") == node
    spoilt = data.replace(b"<size>3</size>", b"<size>-3</size>")
    assert read_plain(spoilt, _Node, _NODE_NS, "node") is None
    root = parse_bytes(spoilt, source="node.xml").getroot()
    with pytest.raises(InvalidValue) as info:
        load(root, _Node, tag="node", namespace=_NODE_NS)
    assert info.value.path == "$.child.child.size"


# --------------------------------------------------------------------------- construction


def test_tuple_converters_are_made_once_and_still_refuse() -> None:
    """``tuple_of`` gives one converter per kind; it takes tuples as they are, copies
    other iterables, and still names the first wrong item by its index."""
    convert = tuple_of(int)
    assert convert is tuple_of(int)
    items = (1, 2)
    assert convert(items) is items
    assert convert([1, 2]) == (1, 2)
    assert convert(iter([3])) == (3,)
    with pytest.raises(InvalidType) as info:
        convert((1, "2", "3"))  # type: ignore[arg-type]
    assert info.value.path == "$[1]"
    with pytest.raises(InvalidType):
        convert("12")  # type: ignore[arg-type]
    with pytest.raises(InvalidType):
        convert(5)  # type: ignore[arg-type]


_CALLS: list[str] = []


def _upper(value: str) -> str:
    _CALLS.append(f"convert {value}")
    return value.upper()


def _remember(instance: object, attribute: attrs.Attribute[Any], value: str) -> None:
    _CALLS.append(f"validate {attribute.name}={value}")


@attrs.frozen(field_transformer=locate)
class _Traced:
    """Converters and validators that leave a trace, a default and a factory."""

    first: str = attrs.field(converter=_upper, validator=_remember)
    second: str = attrs.field(default="b", converter=_upper, validator=_remember)
    third: tuple[str, ...] = attrs.field(factory=tuple, converter=texts)


def test_construction_runs_every_converter_and_validator_as_init_does() -> None:
    """The compiled readers build objects with the class's own ``__init__`` code minus
    the wrappers of :func:`locate`: the same converters and validators run, in the same
    order, as for ``cls(**values)``; and the class itself still names the field of a
    converter's error (the wrappers are left in place)."""
    expected = _Traced(first="a", second="c")
    data = dump(expected, tag="traced", namespace="urn:test:traced")
    # attrs runs the converters in field order, then the validators; on the texts
    # "A" and "C" (what the XML holds) and the default of the third field:
    trace = ["convert A", "convert C", "validate first=A", "validate second=C"]
    _CALLS.clear()
    assert _Traced(first="A", second="C") == expected
    assert trace == _CALLS
    _CALLS.clear()
    assert read_plain(data, _Traced, "urn:test:traced", "traced") == expected
    assert trace == _CALLS
    _CALLS.clear()
    root = parse_bytes(data, source="traced.xml").getroot()
    assert document_reader(_Traced, "urn:test:traced")(root) == expected  # fastread
    assert trace == _CALLS
    with pytest.raises(InvalidType) as info:
        _Traced(first="a", third=(1,))  # type: ignore[arg-type]
    assert info.value.path == "$.third[0]"


@pytest.mark.parametrize("opening", [b"<![CDATA[", b"<!--"])
def test_markup_in_a_text_cannot_shift_tags_and_texts(opening: bytes) -> None:
    """A raw ``>`` in a text, then ``<`` inside a CDATA section or comment of the same
    value, balance the counts of ``<`` and ``>`` while shifting what is tag and what is
    text: cut there, one domain read as five (found by a second reader). The plain
    reader gives way; the tree reader reads one domain (CDATA) or refuses the comment."""
    closing = b"]]>" if opening == b"<![CDATA[" else b"-->"
    data = (CORPUS / "valid" / "piis_bis_student_de.xml").read_bytes()
    three = b"<item>education</item>\n    <item>income</item>\n    <item>mobility</item>"
    assert three in data
    crafted = (b"<item>A>/item>\n>item" + opening + b"v0</item<\n<item<v1</item<\n"
               b"<item>v2" + closing[:-1] + b">/item>\n>item>Z</item>")
    spoilt = data.replace(three, crafted)
    kind = _kind_of(spoilt)
    root = parse_bytes(spoilt, source="crafted.xml").getroot()
    assert lxml_schema(kind.schema_file).validate(root)  # valid XML, valid for the schema
    assert _plain(spoilt, kind) is None
    own = _read_own_xml("crafted.xml", spoilt)
    if opening == b"<!--":
        assert own is None  # a comment inside a value: the adapter gives the error
    else:
        assert own is not None
        assert len(own[0].domains) == 1


def test_padded_values_are_not_kept() -> None:
    """A date padded with white space (the schema collapses it) is read, but its text is
    not kept in the tables of few-valued values: reading many differently padded files
    holds no memory in proportion to them (it held twice the padding, found by a second
    reader)."""
    data = (CORPUS / "valid" / "piis_bis_student_de.xml").read_bytes()
    date = b"<decisionDate>2023-08-21</decisionDate>"
    assert date in data
    kind = _kind_of(data)
    _read_own_xml("warm.xml", data)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for index in range(20):
            padded = data.replace(date, b"<decisionDate>2023-08-21" + b" " * (65536 + index)
                                  + b"</decisionDate>")
            own = _read_own_xml(f"padded-{index}.xml", padded)
            assert own is not None and own[0].decision_date.isoformat() == "2023-08-21"
            assert _plain(padded, kind) == own[0]
            del padded, own
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert held < 512 * 1024  # 20 padded texts of 64 KiB would be 1.3 MiB, kept twice
