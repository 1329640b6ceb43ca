"""The published XSDs refuse what the models refuse: blank required texts and out-of-range numbers.

Before, the schemas typed every text as ``xs:string`` and every count or year as a
plain ``xs:integer``, so a vendor could send a file that the XSD accepted and the
SDK then refused. These tests put the bounds written in the law and the models
(a convention year 1900–2999, a bilan score 1–5, a rate 0–100 %, counts that
cannot be negative) against both validators and the models themselves.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from lxml import etree

from cpas.adapters.xml.documents import KINDS, DocumentKind, kind_of, to_xml
from cpas.adapters.xml.mapping import Scalar, slots
from cpas.schemas import lxml_schema, schema_bytes, xmlschema_schema
from cpas.sdk._model import XSD_FACETS
from cpas.sdk.errors import CpasError
from cpas.sdk.samples import sample_set
from cpas.sdk.text import Text


def _verdicts(kind: DocumentKind, data: bytes) -> tuple[bool, bool]:
    """(lxml, xmlschema): is ``data`` valid for the kind's published schema?"""
    by_lxml = lxml_schema(kind.schema_file)
    by_xmlschema = xmlschema_schema(kind.schema_file)
    return (bool(by_lxml.validate(etree.fromstring(data))),
            bool(by_xmlschema.is_valid(data.decode("utf-8"))))


def _replace_first(data: bytes, local: str, value: str) -> bytes:
    root = etree.fromstring(data)
    element = next(e for e in root.iter() if etree.QName(e).localname == local)
    element.text = value
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _documents() -> dict[str, object]:
    samples = sample_set()
    return {"piis": samples.piis, "bilan": samples.bilan, "subsidy": samples.subsidy,
            "partnership": samples.partnership, "reimbursement": samples.reimbursement}


# The bounds below are written from the models' documentation and the law, not read
# from the generated schemas: a subsidy convention covers one calendar year
# (domain.md, conventions), a bilan score is on a 1–5 scale, a rate is a percentage.
_BOUNDS = [
    ("subsidy", "year", "1899", False),
    ("subsidy", "year", "1900", True),
    ("subsidy", "year", "2999", True),
    ("subsidy", "year", "3000", False),
    ("bilan", "score", "0", False),
    ("bilan", "score", "1", True),
    ("bilan", "score", "5", True),
    ("bilan", "score", "6", False),
    ("subsidy", "target", "-1", False),
    ("subsidy", "target", "0", True),
    ("partnership", "hoursPerformed", "-0.5", False),
    ("partnership", "hoursPerformed", "0", True),
]


@pytest.mark.parametrize(("kind_name", "element", "value", "accepted"), _BOUNDS)
def test_numeric_bounds_are_in_the_schemas(kind_name: str, element: str, value: str,
                                           accepted: bool) -> None:
    """Both validators accept the in-range value and refuse the out-of-range one."""
    document = _documents()[kind_name]
    kind = kind_of(document)
    data = _replace_first(to_xml(document), element, value)
    assert _verdicts(kind, data) == (accepted, accepted)


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_blank_texts_are_refused_by_both_validators(kind: DocumentKind) -> None:
    """Every text element of a sample document, blanked, makes it invalid (except in Text)."""
    data = to_xml(_documents()[kind.name])
    root = etree.fromstring(data)
    blanked = 0
    for index, element in enumerate(root.iter()):
        if len(element) or not (element.text or "").strip():
            continue
        if not _is_free_text(kind, element):
            continue
        copy = etree.fromstring(data)
        target = list(copy.iter())[index]
        target.text = "  \n "
        assert _verdicts(kind, etree.tostring(copy)) == (False, False), target.tag
        blanked += 1
    assert blanked >= 3, "the sample should hold several free texts"


def _is_free_text(kind: DocumentKind, element: etree._Element) -> bool:
    """Does the schema give this element the common NonBlankString type?"""
    declared = _declared_types(kind)
    return declared.get(etree.QName(element).localname) == "c:NonBlankString"


def _declared_types(kind: DocumentKind) -> dict[str, str]:
    tree = etree.fromstring(schema_bytes(kind.schema_file))
    xs = "{http://www.w3.org/2001/XMLSchema}"
    out: dict[str, str] = {}
    for element in tree.iter(f"{xs}element"):
        name, type_ = element.get("name"), element.get("type")
        if name and type_:
            # An element name used with two different types is ambiguous: skip it.
            out[name] = type_ if out.get(name, type_) == type_ else "?"
    return out


def _converters() -> Iterator[tuple[str, Any, dict[str, str]]]:
    seen: set[type] = set()

    def walk(cls: type) -> Iterator[tuple[str, Any, dict[str, str]]]:
        if cls in seen or cls is Text:
            return
        seen.add(cls)
        for slot in slots(cls):
            declared = getattr(slot.attribute.converter, XSD_FACETS, None)
            if declared is not None:
                yield f"{cls.__name__}.{slot.name}", slot, declared
            if not isinstance(slot.value, Scalar):
                yield from walk(slot.value)

    for kind in KINDS:
        yield from walk(kind.cls)


_DECLARED = list(_converters())


def test_bounded_fields_exist() -> None:
    """The years, scores, counts, hours and rates of the models all declare their bounds."""
    names = {name for name, _, _ in _DECLARED}
    assert {"SubsidyConvention.year", "DomainAssessment.score", "Objective.target",
            "ReimbursementForm.previous_rate", "PartnershipConvention.hours_performed"} <= names


@pytest.mark.parametrize(("name", "slot", "declared"), _DECLARED, ids=[d[0] for d in _DECLARED])
def test_declared_facets_match_what_the_converter_refuses(name: str, slot: Any,
                                                          declared: dict[str, str]) -> None:
    """A converter accepts its declared bounds and refuses the next value outside them."""
    convert = slot.attribute.converter
    python = slot.value.python
    step: Any = 1 if python is int else Decimal("0.01")
    make: Any = int if python is int else Decimal
    if "minInclusive" in declared:
        low = make(declared["minInclusive"])
        assert convert(low) == low
        with pytest.raises(CpasError):
            convert(low - step)
    if "maxInclusive" in declared:
        high = make(declared["maxInclusive"])
        assert convert(high) == high
        with pytest.raises(CpasError):
            convert(high + step)

