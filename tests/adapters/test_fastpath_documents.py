"""The compiled whole-document reader (``fastread.document_reader``) against the generic one.

:func:`~cpas.adapters.xml.mapping.load` tries the compiled reader first. It is only
a shortcut: on every element it accepts it must give an object equal to what the
generic reader (:func:`~cpas.adapters.xml.mapping.from_element`) gives, and
wherever the generic reader refuses it must give way (return ``None``), so that
the error, its path and its line come from the generic reader. Unlike the record
reader, it does not rely on the schema: it is compared on schema-invalid inputs
too.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastpath_helpers import sub, wrong_check_digits
from hypothesis import HealthCheck, given, settings
from lxml import etree

from cpas.adapters.xml.documents import KINDS, DocumentKind, from_xml, generic_to_xml, to_xml
from cpas.adapters.xml.fastread import document_reader, fast_reader
from cpas.adapters.xml.mapping import error_line, from_element, load
from cpas.adapters.xml.parser import parse_bytes
from cpas.sdk.documents.reimbursement import ReimbursementLine
from cpas.sdk.errors import CpasError
from strategies_documents import DOCUMENTS

CORPUS = Path(__file__).parent.parent / "data" / "corpus"
BY_NAMESPACE = {kind.namespace: kind for kind in KINDS}
STRATEGIES = DOCUMENTS


def _kind(root: etree._Element) -> DocumentKind:
    return BY_NAMESPACE[etree.QName(root).namespace or ""]


def _fast(root: etree._Element) -> Any:
    kind = _kind(root)
    return document_reader(kind.cls, kind.namespace)(root)


def _slow(root: etree._Element) -> Any:
    """The generic reader's object, or the error it raises."""
    try:
        return from_element(root, _kind(root).cls, namespace=_kind(root).namespace)
    except CpasError as exc:
        return exc


def _root(data: bytes) -> etree._Element:
    return parse_bytes(data, source="test.xml").getroot()


def _corpus(folder: str) -> list[tuple[Path, etree._Element]]:
    found = []
    for path in sorted((CORPUS / folder).glob("*.xml")):
        try:
            root = _root(path.read_bytes())
        except CpasError:
            continue
        if etree.QName(root).namespace in BY_NAMESPACE:
            found.append((path, root))
    return found


# --------------------------------------------------------------------------- equal objects


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_generated_documents_are_read_alike(name: str) -> None:
    """Generated documents of each kind (empty lists, absent optionals, non-ASCII
    text, extreme amounts), as the compiled and as the generic writer write them:
    the compiled reader reads every one, equal to the generic read and to the
    document itself."""

    @settings(max_examples=20, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(STRATEGIES[name])
    def read_alike(document: Any) -> None:
        for data in (to_xml(document), generic_to_xml(document)):
            root = _root(data)
            got = _fast(root)
            assert got is not None
            assert got == _slow(root) == document
            assert load(root, type(document), tag=_kind(root).root,
                        namespace=_kind(root).namespace) == document

    read_alike()


def test_every_valid_corpus_file_is_read_alike() -> None:
    """Every file of the valid corpus (all five kinds): the compiled reader reads it,
    equal to the generic read."""
    found = _corpus("valid")
    assert {_kind(root).name for _, root in found} == {kind.name for kind in KINDS}
    for path, root in found:
        expected = _slow(root)
        assert not isinstance(expected, CpasError), path
        assert _fast(root) == expected, path


def test_the_invalid_corpus_never_gets_another_answer() -> None:
    """Schema-invalid and rule-breaking files: where the generic reader refuses, the
    compiled reader gives way; where it reads, both give the same object."""
    found = [*_corpus("invalid"), *_corpus("semantic")]
    assert len(found) >= 20
    refused = 0
    for path, root in found:
        expected, got = _slow(root), _fast(root)
        if isinstance(expected, CpasError):
            refused += 1
            assert got is None, path
        else:
            assert got is None or got == expected, path
    assert refused >= 10  # the comparison met refusals, not only documents


def test_reader_is_built_once_and_record_reader_is_unchanged() -> None:
    """One compiled reader per class and namespace; the record reader still
    declines classes with nested or repeated fields."""
    kind = KINDS[0]
    assert document_reader(kind.cls, kind.namespace) is document_reader(kind.cls,
                                                                         kind.namespace)
    assert fast_reader(kind.cls, kind.namespace) is None
    assert fast_reader(ReimbursementLine, "urn:be:cpas-sdk:reimbursement:1") is not None


# --------------------------------------------------------------------------- giving way

_PIIS_NS = "urn:be:cpas-sdk:piis:1"


def _piis_xml() -> str:
    found = [path for path, root in _corpus("valid") if _kind(root).name == "piis"]
    return found[0].read_text(encoding="utf-8")


def _first(pattern: str, text: str) -> re.Match[str]:
    match = re.search(pattern, text, flags=re.S)
    assert match is not None, pattern
    return match


def _edits() -> dict[str, Any]:
    """Ways to spoil a valid PIIS, each a function of its text."""
    return {
        "unknown element": sub(r"(<id>[^<]*</id>)", r"\1<surprise>1</surprise>"),
        "missing element": sub(r"<id>[^<]*</id>", ""),
        "two elements swapped": lambda text: _swap_first_two(text),
        "comment inside a value": sub(r"<id>([^<]{2})", r"<id>\1<!-- x -->"),
        "text between elements": sub(r"(<id>[^<]*</id>)", r"\1 stray text "),
        "text before the first child": sub(r"(<piis[^>]*>)", r"\1 stray "),
        "foreign attribute": sub(r"<id>", '<id kind="x">'),
        "child inside a value": sub(r"<id>([^<]*)</id>", r"<id><b>\1</b></id>"),
        "bad check digits": wrong_check_digits,
        "30 February": sub(r"<(\w+Date|signedOn|start)>[0-9]{4}-[0-9]{2}-[0-9]{2}<",
                           r"<\1>2024-02-30<"),
        "bad enumeration value": sub(r"<status>[^<]*</status>", "<status>maybe</status>"),
        "blank required text": sub(r"<lastName>[^<]*</lastName>", "<lastName> </lastName>"),
        "range ending before it starts (a validator)": sub(
            r"(<duration>\s*<start>)[^<]*(</start>\s*<end>)[^<]*(</end>)",
            r"\g<1>2030-01-01\g<2>2029-12-31\g<3>"),
    }


def _swap_first_two(text: str) -> str:
    match = _first(r"(<id>[^<]*</id>)(\s*)(<(\w+)>.*?</\4>)", text)
    return text[:match.start()] + match.group(3) + match.group(2) + match.group(1) + \
        text[match.end():]


@pytest.mark.parametrize("edit", sorted(_edits()))
def test_refused_documents_make_the_compiled_reader_give_way(edit: str) -> None:
    """Each spoilt PIIS is refused by the generic reader (an error with a line); the
    compiled reader returns ``None`` and ``load`` raises the generic reader's error."""
    text = _edits()[edit](_piis_xml())
    assert text != _piis_xml()
    root = _root(text.encode())
    expected = _slow(root)
    assert isinstance(expected, CpasError), edit
    assert _fast(root) is None
    kind = _kind(root)
    with pytest.raises(CpasError) as info:
        load(root, kind.cls, tag=kind.root, namespace=kind.namespace)
    assert type(info.value) is type(expected)
    assert str(info.value) == str(expected)
    assert error_line(info.value) == error_line(expected)


def test_xsi_attributes_give_way_but_read_the_same() -> None:
    """``xsi:*`` attributes are tolerated by the generic reader: the compiled one gives
    way and ``load``/``from_xml`` still return the document."""
    text = _piis_xml()
    plain = from_xml(text.encode())
    marked = re.sub(r"<piis ", '<piis xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                    'xsi:schemaLocation="urn:be:cpas-sdk:piis:1 piis-1.xsd" ', text, count=1)
    root = _root(marked.encode())
    assert _fast(root) is None
    assert _slow(root) == plain == from_xml(marked.encode())


def test_refused_nested_items_give_way() -> None:
    """Inside lists of nested objects: a wrong item element or a refused value deep
    down (a negative amount in a reimbursement line) gives way too."""
    data = next(path.read_text(encoding="utf-8") for path, root in _corpus("valid")
                if _kind(root).name == "reimbursement" and root.find(
                    ".//{urn:be:cpas-sdk:reimbursement:1}reimbursementLine") is not None)
    for spoilt in (data.replace("<reimbursementLine>", "<line>", 1).replace(
                       "</reimbursementLine>", "</line>", 1),
                   re.sub(r"<amount>([0-9])", r"<amount>-\1", data, count=1)):
        assert spoilt != data
        root = _root(spoilt.encode())
        assert isinstance(_slow(root), CpasError)
        assert _fast(root) is None
