"""The built-in sample year: a worked example that must stay lawful."""

from __future__ import annotations

import datetime as dt

from stdnum.be import ssn

from cpas.sdk import Money, check
from cpas.sdk.documents.partnership import intervention, payments
from cpas.sdk.samples import fictitious_niss, legacy_piis_with_findings, sample_set


def test_fictitious_niss_is_valid_for_stdnum() -> None:
    """Built from the definition of domain.md, checked by the independent library."""
    assert ssn.is_valid(fictitious_niss(dt.date(1985, 7, 30), 33))
    assert ssn.is_valid(fictitious_niss(dt.date(2017, 7, 30), 33))
    assert ssn.is_valid(fictitious_niss(dt.date(1990, 2, 3), 1, bis=40))


def test_sample_documents_have_no_error_finding() -> None:
    for kind, document in sample_set().documents():
        report = check(document, today=dt.date(2026, 1, 15))  # type: ignore[arg-type]
        assert report.ok, (kind, [f.render("en") for f in report.errors])


def test_sample_piis_comes_from_the_bilan() -> None:
    samples = sample_set()
    flagged = [item.id for item in samples.bilan.action_plan if item.for_piis]
    assert [o.action_item_id for o in samples.piis.objectives] == flagged
    assert samples.piis.bilan_id == samples.bilan.id


def test_sample_partnership_figures() -> None:
    """124 hours performed (>= 100): 500 € (circular of 31/01/2013); shares 40/60 give
    200/300, each half paid at conclusion and half on the déclaration de créance."""
    conv = sample_set().partnership
    assert intervention(conv) == Money("500.00")
    split = {p.partner_id: (p.advance, p.balance) for p in payments(conv)}
    assert split == {"p-cpas": (Money("100.00"), Money("100.00")),
                     "p-coach": (Money("150.00"), Money("150.00"))}
    assert sample_set().reimbursement.total() == Money("500.00")


def test_legacy_piis_has_errors() -> None:
    assert not check(legacy_piis_with_findings()).ok
