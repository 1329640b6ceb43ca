"""A document written in pieces (``fastwrite.PieceWriter``) against the whole document.

Head + each item + tail must be, byte for byte, what ``to_xml`` and the generic
writer (``mapping.dump``) give for the whole document; where the generic writer
refuses an item, the piece writer raises the same error with the same path.
Compared on generated reimbursement forms (empty forms, non-ASCII text, extreme
amounts), the samples and edge cases.
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from fastpath_helpers import write_outcome
from hypothesis import HealthCheck, given, settings

from cpas.adapters.xml.documents import generic_to_xml, kind_of, to_xml
from cpas.adapters.xml.fastwrite import PieceWriter
from cpas.adapters.xml.mapping import dump
from cpas.sdk.documents.reimbursement import ReimbursementForm, ReimbursementLine
from cpas.sdk.samples import sample_set
from strategies_reimbursement import forms

KIND = kind_of(ReimbursementForm)
WRITER = PieceWriter(ReimbursementForm, tag=KIND.root, namespace=KIND.namespace,
                     field="lines")


def _pieces(form: ReimbursementForm, writer: PieceWriter = WRITER) -> bytes:
    shell = attrs.evolve(form, lines=())
    count = len(form.lines)
    text = (writer.head(shell, count)
            + "".join(writer.item(line, index) for index, line in enumerate(form.lines))
            + writer.tail(shell, count))
    return text.encode("utf-8")



@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(forms())
def test_generated_forms(form: ReimbursementForm) -> None:
    """Any form, with or without lines: the pieces are the whole document."""
    whole = dump(form, tag=KIND.root, namespace=KIND.namespace)
    assert _pieces(form) == whole
    assert _pieces(form) == to_xml(form, validate=False)


def test_the_sample_form_and_its_empty_shell() -> None:
    form = sample_set().reimbursement
    assert form.lines
    assert _pieces(form) == to_xml(form) == generic_to_xml(form)
    empty = attrs.evolve(form, lines=())
    assert _pieces(empty) == to_xml(empty)
    assert b"<lines/>" in _pieces(empty)


def _with_line(**changes: Any) -> ReimbursementForm:
    """The sample form with its second line changed after construction (no converter
    runs, as a bypassed model would hold the values)."""
    form = sample_set().reimbursement
    line = attrs.evolve(form.lines[-1])
    for name, value in changes.items():
        object.__setattr__(line, name, value)
    return attrs.evolve(form, lines=(*form.lines[:-1], line))


@pytest.mark.parametrize("changes", [
    {"beneficiary_name": "a & b < c > d \r ]]>"},
    {"beneficiary_name": "control \x01 character"},
    {"beneficiary_name": 12},
    {"beneficiary_name": None, "source_id": "\ufffe"},
    {"amount": None},
])
def test_items_the_compiled_writer_refuses(changes: dict[str, Any]) -> None:
    """Escaping, a character XML cannot carry, a wrong type, a missing value: the same
    bytes as the generic writer, or its error with the item's path in the whole form."""
    form = _with_line(**changes)
    assert write_outcome(_pieces, form) == write_outcome(generic_to_xml, form)
    assert write_outcome(_pieces, form) == write_outcome(
        lambda f: dump(f, tag=KIND.root, namespace=KIND.namespace), form)


def test_a_subclass_takes_the_generic_way() -> None:
    @attrs.frozen
    class Special(ReimbursementLine):
        pass

    form = sample_set().reimbursement
    special = Special(**{a.alias or a.name: getattr(form.lines[0], a.name)
                         for a in attrs.fields(ReimbursementLine)})
    changed = attrs.evolve(form, lines=(special,))
    assert write_outcome(_pieces, changed) == write_outcome(generic_to_xml, changed)


def test_only_a_required_repeated_field_splits() -> None:
    with pytest.raises(ValueError, match="not a required repeated field"):
        PieceWriter(ReimbursementForm, tag=KIND.root, namespace=KIND.namespace, field="header")
    with pytest.raises(ValueError, match="shell must hold no lines"):
        WRITER.head(sample_set().reimbursement, 1)


def test_a_namespace_needing_care_takes_the_generic_way() -> None:
    """A namespace the compiled writer does not write (an ampersand in it) is still
    written as the generic writer writes it."""
    writer = PieceWriter(ReimbursementForm, tag=KIND.root, namespace="urn:x:a&b",
                         field="lines")
    assert writer._shell is None and writer._item is None
    form = sample_set().reimbursement
    assert _pieces(form, writer) == dump(form, tag=KIND.root, namespace="urn:x:a&b")
