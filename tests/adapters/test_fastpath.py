"""The compiled record reader (``cpas.adapters.xml.fastread``) against the generic one.

The fast reader is only a shortcut: on every element it accepts, it must give
an object equal to what :func:`~cpas.adapters.xml.mapping.from_element` gives,
and wherever the generic reader refuses a schema-valid element it must give
way (return ``None``). Compared on generated batches, on every file of the
conformance corpus, and on the invalid corpus (where the schema, which runs in
the same pass, has the last word).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from lxml import etree

from cpas.adapters.xml import checking
from cpas.adapters.xml.checking import check_file
from cpas.adapters.xml.documents import to_xml
from cpas.adapters.xml.fastread import fast_reader
from cpas.adapters.xml.mapping import from_element
from cpas.adapters.xml.stream import validate
from cpas.schemas import lxml_schema
from cpas.sdk.documents.reimbursement import (
    ReimbursementForm,
    ReimbursementLine,
)
from cpas.sdk.errors import CpasError
from strategies import niss_digits
from strategies_reimbursement import forms

NS = "urn:be:cpas-sdk:reimbursement:1"
LINE = f"{{{NS}}}reimbursementLine"
CORPUS = Path(__file__).parent.parent / "data" / "corpus"
SCHEMA = "reimbursement-1.xsd"


def _reader() -> Any:
    reader = fast_reader(ReimbursementLine, NS)
    assert reader is not None
    return reader


def _slow(element: etree._Element) -> ReimbursementLine | CpasError:
    try:
        return from_element(element, ReimbursementLine, namespace=NS)
    except CpasError as exc:
        return exc


def _lines(data: bytes) -> list[etree._Element]:
    return list(etree.fromstring(data).iter(LINE))


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(forms())
def test_fast_reader_equals_generic_reader_on_generated_batches(doc: ReimbursementForm) -> None:
    """Every line written by the SDK is read by the fast path, equal to the generic read."""
    fast = _reader()
    elements = _lines(to_xml(doc))
    assert len(elements) == len(doc.lines)
    for element, expected in zip(elements, doc.lines, strict=True):
        got = fast(element)
        assert got is not None
        assert got == expected == _slow(element)
        assert type(got.amount.amount) is Decimal
        assert got.amount.amount.as_tuple() == expected.amount.amount.as_tuple()


def _corpus_lines(folder: str) -> list[tuple[Path, etree._Element]]:
    found = []
    for path in sorted((CORPUS / folder).glob("*.xml")):
        try:
            root = etree.parse(str(path)).getroot()
        except etree.XMLSyntaxError:
            continue
        found += [(path, element) for element in root.iter(LINE)]
    return found


def test_fast_reader_equals_generic_reader_on_the_valid_corpus() -> None:
    """All lines of the valid corpus: equal objects (the corpus must hold lines)."""
    fast = _reader()
    found = _corpus_lines("valid")
    assert len(found) >= 10
    for path, element in found:
        expected = _slow(element)
        assert isinstance(expected, ReimbursementLine), path
        assert fast(element) == expected, path


def test_fast_reader_gives_way_or_the_schema_refuses_on_the_invalid_corpus() -> None:
    """Where the fast reader accepts a line the generic reader refuses, or reads it
    differently, the file breaks the schema (checked in the same pass): never a
    different answer on a valid file."""
    fast = _reader()
    schema = lxml_schema(SCHEMA)
    found = [*_corpus_lines("invalid"), *_corpus_lines("semantic")]
    assert found
    disagree = 0
    for path, element in found:
        got, expected = fast(element), _slow(element)
        if got is None or got == expected:
            continue
        disagree += 1
        assert not schema.validate(etree.parse(str(path))), path


def _line_xml(inner: str) -> etree._Element:
    """A line with ``inner`` after its NISS; the required rate category follows the amount."""
    inner = inner.replace("</amount>", "</amount><rateCategory>standard</rateCategory>")
    element = etree.fromstring(
        f'<reimbursementLine xmlns="{NS}"><id>L1</id><niss>{niss_digits(dt.date(1985, 7, 30), 33)}'
        f"</niss>{inner}</reimbursementLine>")
    return element


@pytest.mark.parametrize("inner", [
    "<basis>integration_income</basis><period>2025-03</period><amount>500</amount>",
    "<basis>integration_income</basis><period>2025-03</period><amount>5.5</amount>",
    "<basis>integration_income</basis><period> 2025-03 </period><amount>1.00</amount>",
    "<basis>integration_income</basis><period>2025-03</period><amount>0.00</amount>"
    "<expenseDate>2025-03-04</expenseDate>",
])
def test_unusual_but_valid_forms_are_read_alike(inner: str) -> None:
    """Amounts without two decimals, spaces to collapse, optional dates: same object."""
    element = _line_xml(inner)
    expected = _slow(element)
    assert isinstance(expected, ReimbursementLine)
    assert _reader()(element) == expected


@pytest.mark.parametrize("inner", [
    "<basis>integration_income</basis><period>2025-03</period><amount>-1.00</amount>",
    "<basis>integration_income</basis><period>2025-03</period><amount>1.001</amount>",
    "<basis>integration_income</basis><period>2025-13</period><amount>1.00</amount>",
    "<basis>nothing</basis><period>2025-03</period><amount>1.00</amount>",
    "<period>2025-03</period><basis>integration_income</basis><amount>1.00</amount>",
    "<basis>integration_income</basis><period>2025-03</period>",
    "<basis>integration_income</basis><period>2025-03</period><amount>1<!-- x -->.00</amount>",
    "<basis>integration_income</basis><period>2025-03</period><amount>1.00</amount>"
    "<expenseDate>2025-02-30</expenseDate>",
    "<basis>integration_income</basis><period>2025-03</period><amount>1.00</amount><x/>",
])
def test_refused_elements_make_the_fast_reader_give_way(inner: str) -> None:
    """Negative or over-precise amounts, bad months or members, order, a missing or
    unknown element, a comment in a value, 30 February: the generic reader decides."""
    element = _line_xml(inner)
    assert isinstance(_slow(element), CpasError)
    assert _reader()(element) is None


def test_a_bad_niss_checksum_gives_way() -> None:
    """The schema cannot check the NISS check digits: the reader still does."""
    good = niss_digits(dt.date(1985, 7, 30), 33)
    bad = good[:9] + f"{(int(good[9:]) + 1) % 100:02d}"
    element = etree.fromstring(
        f'<reimbursementLine xmlns="{NS}"><id>L1</id><niss>{bad}</niss>'
        "<basis>integration_income</basis><period>2025-03</period><amount>1.00</amount>"
        "<rateCategory>standard</rateCategory></reimbursementLine>")
    assert isinstance(_slow(element), CpasError)
    assert _reader()(element) is None


# --------------------------------------------------------------------------- check passes


def _batch(lines: int, *, broken: bool = False) -> bytes:
    """A form B with ``lines`` lines, duplicates and a foreign basis among them."""
    body = []
    for n in range(lines):
        basis = "medical_costs" if n % 7 == 3 else "integration_income"
        m = n // 2  # lines 2m and 2m + 1: one person, twice
        niss = niss_digits(dt.date(1960 + m % 40, 1 + m % 12, 1 + m % 28), 1 + 2 * (m // 40))
        body.append(f"<reimbursementLine><id>L{n}</id><niss>{niss}</niss><basis>{basis}</basis>"
                    f"<period>2025-03</period><amount>{500 + n}.00</amount>"
                    "<rateCategory>standard</rateCategory></reimbursementLine>")
    if broken:
        body[-1] = body[-1].replace("<period>2025-03</period>", "<period>2025-13</period>")
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<reimbursementForm xmlns="{NS}">'
            "<id>f</id><formType>dis_b</formType><header><cpas><name>CPAS de Namur</name>"
            "<kbo>0403019261</kbo><nisCode>92094</nisCode></cpas>"
            "<effectiveDate>2025-03-01</effectiveDate><isCorrection>false</isCorrection>"
            "<category>single</category></header><lines>\n" + "\n".join(body)
            + "\n</lines><submissionDate>2025-04-10</submissionDate></reimbursementForm>\n"
            ).encode()


@pytest.mark.parametrize("case", ["findings", "schema", "malformed", "capped"])
def test_one_pass_gives_the_result_of_schema_then_rules(
        case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Validating while reading the lines gives what the schema pass followed by the
    rules pass gives, finding for finding: rule findings, a schema error on the last
    line, a truncated file, a capped check. The schema errors are the located ones."""
    data = _batch(40, broken=case == "schema")
    if case == "malformed":
        data = data[: len(data) // 2]
    path = tmp_path / "batch.xml"
    path.write_bytes(data)
    limit = 5 if case == "capped" else None
    one_pass = check_file(path, max_errors=limit)
    monkeypatch.setattr(checking, "_batch_kind", lambda source, label: None)
    two_passes = check_file(path, max_errors=limit)
    assert one_pass == two_passes
    if case == "findings":
        assert {f.code for f in one_pass.findings} == {"REIMB-LAW-001", "REIMB-DUP-001"}
        assert one_pass.records == 40
    if case == "schema":
        assert not one_pass.schema_valid
        assert [f.code for f in one_pass.findings] == ["XSD-VALUE"]
        assert one_pass.findings[0].line == data.count(b"\n", 0, data.rfind(b"2025-13")) + 1
    if case == "malformed":
        assert not one_pass.schema_valid and one_pass.findings[0].code == "XML-SYNTAX"
    if case == "capped":
        assert one_pass.errors == 5 and not one_pass.complete


def test_one_pass_forgets_the_lines_of_a_file_that_breaks_the_schema() -> None:
    """Lines read before the schema error do not leak into the result: the schema
    findings alone, the same as the schema check gives."""
    data = _batch(30, broken=True)
    result = check_file(data)
    validation = validate(data)
    assert not result.schema_valid
    assert result.findings == validation.findings
    assert result.records == validation.records


@pytest.mark.parametrize("fraction", [0.3, 0.5, 0.9, 0.999])
def test_a_cut_batch_is_never_valid(fraction: float) -> None:
    """A file cut anywhere is malformed, for the schema check and for the full check
    (libxml2 may end a validating parse of a cut file without an error when entities
    are not resolved: the passes check that the root element was closed)."""
    data = _batch(30)
    cut = data[: int(len(data) * fraction)]
    assert not validate(cut).ok
    assert validate(cut).findings[0].code == "XML-SYNTAX"
    result = check_file(cut)
    assert not result.ok and not result.schema_valid
    assert result.findings[0].code == "XML-SYNTAX"
