"""The compiled writer (``cpas.adapters.xml.fastwrite``) against the generic one.

The fast writer is only a shortcut: for every document it writes, its bytes must
be those of :func:`~cpas.adapters.xml.mapping.dump` (lxml tree, indented,
serialised); wherever the generic writer refuses a document, it must give way
(return ``None``) so that ``to_xml`` raises the generic writer's exact error.
Compared on generated documents of every kind, on every file of the valid
corpus, and on edge cases (escaping, characters XML cannot carry, empty
optionals and tuples, extreme amounts, subclasses, schema errors).
"""

from __future__ import annotations

import copy
import types
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from fastpath_helpers import write_outcome
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cpas.adapters.xml import fastwrite
from cpas.adapters.xml.documents import (
    XmlSchemaError,
    from_xml,
    generic_to_xml,
    kind_of,
    to_xml,
)
from cpas.adapters.xml.fastwrite import fast_dump
from cpas.adapters.xml.mapping import dump
from cpas.sdk.documents.reimbursement import ReimbursementForm, ReimbursementLine
from cpas.sdk.money import Money
from cpas.sdk.samples import sample_set
from strategies_documents import DOCUMENTS

CORPUS = Path(__file__).parent.parent / "data" / "corpus" / "valid"

STRATEGIES = DOCUMENTS


def _fast(document: Any) -> bytes | None:
    kind = kind_of(document)
    return fast_dump(document, tag=kind.root, namespace=kind.namespace)


def _both(document: Any) -> tuple[bytes | None, bytes]:
    """(fast writer's bytes or ``None``, generic writer's bytes), no validation."""
    kind = kind_of(document)
    return _fast(document), dump(document, tag=kind.root, namespace=kind.namespace)



def _form_with(**changes: Any) -> ReimbursementForm:
    """The sample reimbursement form with its first line changed (no converter runs for
    the values set after construction, as a bypassed model would hold them)."""
    form = sample_set().reimbursement
    assert form.lines
    line = form.lines[0]
    for name, value in changes.items():
        object.__setattr__(line := attrs.evolve(line), name, value)
    return attrs.evolve(form, lines=(line, *form.lines[1:]))


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_same_bytes_for_every_kind(name: str) -> None:
    """Generated documents of each kind (empty optionals and tuples, non-ASCII text,
    extreme amounts): the fast writer writes them, byte for byte as the generic one."""

    @settings(max_examples=25, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(STRATEGIES[name])
    def same(document: Any) -> None:
        fast, generic = _both(document)
        assert fast is not None
        assert fast == generic

    same()


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.xml")), ids=lambda p: p.name)
def test_same_bytes_for_the_valid_corpus(path: Path) -> None:
    """Every document of the conformance corpus, read and written both ways."""
    document = from_xml(path)
    fast, generic = _both(document)
    assert fast == generic
    assert to_xml(document) == generic_to_xml(document) == generic


def test_the_corpus_is_there() -> None:
    assert len(list(CORPUS.glob("*.xml"))) >= 5


def test_every_kind_of_the_samples_through_to_xml() -> None:
    """The public API (validation on) gives the generic writer's bytes."""
    for document in attrs.astuple(sample_set(), recurse=False):
        assert to_xml(document) == generic_to_xml(document)
        fast, _ = _both(document)
        assert fast is not None


@pytest.mark.parametrize("text", [
    "a & b < c > d", "]]>", "quote \" and ' apostrophe", "tab\tnew\nline", "carriage\r\n",
    "Müller-Lüdenscheid Œuvre ß", "\u00a0no-break\u2028\u2029", "astral \U0001f600 \U0010fffd",
    "\ue000\ufffd", "&amp; already", "   ", "x" * 10_000,
])
def test_text_needing_care_is_written_as_lxml_writes_it(text: str) -> None:
    form = _form_with(beneficiary_name=text, id="id-" + text)
    fast, generic = _both(form)
    assert fast is not None
    assert fast == generic


@pytest.mark.parametrize("text", ["\x00", "bell\x07", "\x1f", "\ufffe", "\uffff",
                                  "lone \ud800 surrogate", "\udfff", "esc\x1b[0m"])
def test_characters_xml_cannot_carry_give_the_generic_error(text: str) -> None:
    """The generic writer names the character and the path; the fast one gives way."""
    form = _form_with(beneficiary_name=text)
    assert _fast(form) is None
    error = write_outcome(to_xml, form)
    assert error == write_outcome(generic_to_xml, form)
    assert isinstance(error, tuple)
    assert error[2] == "$.lines[0].beneficiary_name"
    first = next(c for c in text if not _xml_char(c))
    assert f"U+{ord(first):04X}" in error[1]


def _xml_char(char: str) -> bool:
    """XML 1.0, production [2] Char (https://www.w3.org/TR/xml/#charsets)."""
    code = ord(char)
    return (code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD
            or 0x10000 <= code <= 0x10FFFF)


@given(st.text(alphabet=st.characters(exclude_categories=()), max_size=12))
@settings(max_examples=100, deadline=None)
def test_any_text_same_bytes_or_same_error(text: str) -> None:
    """Any string at all (control characters, surrogates, noncharacters included)."""
    form = _form_with(beneficiary_name=text or None, id="L" + text)
    outcome = write_outcome(to_xml, form)
    assert outcome == write_outcome(generic_to_xml, form)
    fast = _fast(form)
    assert fast is None or fast == generic_to_xml(form, validate=False)
    if all(_xml_char(c) for c in text):
        assert fast is not None


@pytest.mark.parametrize("amount", ["0.00", "0.01", "9.99", "1000000.00",
                                    "99999999999999999999999999.99", "123456789.5", "7"])
def test_amounts(amount: str) -> None:
    form = _form_with(amount=Money(amount))
    fast, generic = _both(form)
    assert fast is not None
    assert fast == generic


@given(st.decimals(allow_nan=True, allow_infinity=True)
       | st.decimals(places=2, allow_nan=False, allow_infinity=False))
def test_money_text_is_the_scalar_text(amount: Decimal) -> None:
    """The shortcut for amounts gives what ``format(amount, ".2f")`` gives."""
    text = fastwrite._money_text(lambda m: f"{m.amount:.2f}")
    value = types.SimpleNamespace(amount=amount)
    try:
        expected = f"{amount:.2f}"
    except ValueError:
        return
    assert text(value) == expected


def test_empty_tuples_and_optionals() -> None:
    """No lines: an empty wrapper ``<lines/>``; absent optionals are not written."""
    form = attrs.evolve(sample_set().reimbursement, lines=())
    fast, generic = _both(form)
    assert fast is not None
    assert fast == generic
    assert b"<lines/>" in fast


def test_unexpected_types_give_way() -> None:
    """A subclass of a value type, a list for a tuple, ``None`` where a value is required:
    the fast writer gives way and ``to_xml`` answers as the generic writer does."""

    class Name(str):
        pass

    cases: list[ReimbursementForm] = [
        _form_with(beneficiary_name=Name("subclass & co")),
        _form_with(piis_code=True),
        _form_with(niss=None),
        _form_with(amount=Decimal("12.00")),
    ]
    listed = sample_set().reimbursement
    object.__setattr__(listed := attrs.evolve(listed), "lines", list(listed.lines))
    cases.append(listed)
    for form in cases:
        assert _fast(form) is None
        assert write_outcome(to_xml, form) == write_outcome(generic_to_xml, form)


def test_schema_errors_are_the_generic_writer_errors() -> None:
    """A value the schema refuses (a NISS altered past its converter): the same
    :class:`XmlSchemaError`, with the same list of errors, from both paths."""
    niss = copy.copy(sample_set().reimbursement.lines[0].niss)
    object.__setattr__(niss, "compact", "123")
    broken = _form_with(niss=niss)
    with pytest.raises(XmlSchemaError) as fast_error:
        to_xml(broken)
    with pytest.raises(XmlSchemaError) as generic_error:
        generic_to_xml(broken)
    assert fast_error.value.errors == generic_error.value.errors
    assert str(fast_error.value) == str(generic_error.value)
    assert to_xml(broken, validate=False) == generic_to_xml(broken, validate=False)


def test_same_document_same_bytes() -> None:
    form = sample_set().reimbursement
    assert to_xml(form) == to_xml(attrs.evolve(form)) == to_xml(form)


def test_lines_are_records() -> None:
    """The form's lines are written by the compiled writer of ``ReimbursementLine``."""
    form = sample_set().reimbursement
    data = to_xml(form)
    assert data.count(b"<reimbursementLine>") == len(form.lines)
    assert all(type(line) is ReimbursementLine for line in form.lines)
