"""Hypothesis: generated loi 65 D1 forms and partnership conventions export to DF forms that
both validators accept, and read back with nothing the form carries lost."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs
from bcss_support import ATTEST, REQUEST_TIME, assert_valid, official, xpath
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cpas.adapters.bcss import Envelope, export_df, read_df
from cpas.adapters.bcss.mapping import D1_AMOUNTS
from cpas.sdk import Money, Period
from cpas.sdk.documents.partnership import BeneficiaryStatus, PartnershipConvention
from cpas.sdk.documents.reimbursement import (
    FormHeader,
    FormType,
    ReimbursementForm,
    ReimbursementLine,
)
from strategies import amounts, nisses
from strategies_conventions import partnership_conventions
from strategies_reimbursement import cpas_values

ENVELOPE = Envelope(user_id="00000000097", email="it@cpas.example", service_id="L65",
                    version="20120509", reference="gen", request_time=REQUEST_TIME)
BASES = [row.basis for row in D1_AMOUNTS]


@st.composite
def d1_forms(draw: st.DrawFn) -> ReimbursementForm:
    """Loi 65 D1 forms with 1-3 people, 1-2 months, bases the D1 carries, at most 5 medical
    or pharmaceutical lines per person and month, amounts up to 99 999,99 €."""
    people = draw(st.lists(nisses(), min_size=1, max_size=3, unique=True))
    months = draw(st.lists(st.builds(Period, st.integers(2002, 2030), st.integers(1, 12)),
                           min_size=1, max_size=2, unique=True))
    lines = []
    for niss in people:
        for month in months:
            for basis in draw(st.lists(st.sampled_from(BASES), min_size=1, max_size=5)):
                lines.append(ReimbursementLine(niss=niss, basis=basis, period=month,
                                               amount=Money(draw(amounts("99999.99")))))
    header = FormHeader(cpas=draw(cpas_values()), effective_date=months[0].first_day(),
                        file_number=draw(st.text("ABCDEFGHJK0123456789", min_size=1,
                                                 max_size=11).filter(lambda s: s.strip("0"))))
    return ReimbursementForm(form_type=FormType.LOI65_D1, header=header, lines=lines,
                             submission_date=dt.date(2031, 1, 1))


def _groups(form: ReimbursementForm) -> int:
    return len({(x.niss.compact, x.period) for x in form.lines})


def _totals(lines: tuple[ReimbursementLine, ...]) -> dict[tuple[str, str, str], Decimal]:
    out: dict[tuple[str, str, str], Decimal] = {}
    for x in lines:
        key = (x.niss.compact, str(x.period), x.basis.value)
        out[key] = out.get(key, Decimal(0)) + x.amount.amount
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(d1_forms(), st.booleans())
def test_generated_d1_forms_validate_and_round_trip(form: ReimbursementForm,
                                                    double: bool) -> None:
    """Every generated D1 validates (both validators) inside the envelope, and reading it
    back gives the same totals per person, month and basis."""
    ids = [f"GEN{index:012d}" for index in range(_groups(form))]
    data = export_df(form, attest_ids=ids, double_maximum=double, envelope=ENVELOPE)
    assert_valid(data)
    back = read_df(data, cpas=form.header.cpas, effective_date=form.header.effective_date,
                   submission_date=form.submission_date)
    assert _totals(back.lines) == _totals(form.lines)
    assert back.header.file_key == form.header.file_key


def _expected_intervention(conv: PartnershipConvention) -> Decimal:
    """Circular of 31 January 2013 (domain.md, "Partnership conventions"): 500 € for at
    least 100 hours, 250 € for at least 50, 500 € when employed before the plan ends."""
    amount = Decimal(500) if conv.hours_performed >= 100 else (
        Decimal(250) if conv.hours_performed >= 50 else Decimal(0))
    job = conv.employment_contract_on
    if job is not None and conv.concluded_on <= job <= conv.end_date:
        amount = Decimal(500)
    return amount


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(partnership_conventions())
def test_generated_conventions_give_valid_df(conv: PartnershipConvention) -> None:
    """A convention's intervention lands in PartnerconventionAmount (cents), in the month
    it ended, for its beneficiary and CPAS; the form validates with both validators."""
    conv = attrs.evolve(conv, beneficiary_status=BeneficiaryStatus.FINANCIAL_SOCIAL_AID)
    expected = _expected_intervention(conv)
    if not expected:
        return
    data = export_df(conv, attest_ids=[ATTEST], double_maximum=False, file_number="F1",
                     schemas=official())
    assert_valid(data)
    d1 = "//l:RefundformD1/"
    assert xpath(data, d1 + "l:PrimaryBeneficiaryAids/l:PartnerconventionAmount") == [
        str(int(expected * 100))]
    assert xpath(data, d1 + "l:ReferenceMonth") == [
        f"{conv.end_date.year:04d}-{conv.end_date.month:02d}"]
    assert xpath(data, d1 + "l:SSIN") == [conv.beneficiary.niss.compact]
    assert xpath(data, "//c:KBOBCE") == [str(int(conv.cpas.kbo.compact))]
