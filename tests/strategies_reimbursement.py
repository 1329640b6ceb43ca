"""Hypothesis strategies for reimbursement forms (sdk/documents/reimbursement.py).

:func:`forms` draws forms that can be built (any shape); :func:`compliant_forms`
draws forms that also respect every error-level rule of
``cpas.sdk.rules.reimbursement`` (bases of the form's law, no duplicates, dates and
codes in time), with non-ASCII names, empty optionals and extreme amounts.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import strategies as st

from cpas.sdk import Cpas, Money, Period
from cpas.sdk.documents.reimbursement import (
    BeneficiaryCategory,
    FormHeader,
    FormType,
    LegalBasis,
    RateCategory,
    ReimbursementForm,
    ReimbursementLine,
)
from strategies import addresses, amounts, kbo_values, nis_codes, nisses, texts

__all__ = [
    "compliant_forms",
    "cpas_values",
    "extreme_money",
    "form_headers",
    "forms",
    "lines",
]

# Codes valid in every month from 1 Nov 2016 on (domain.md, "PIIS", codes on form B).
_CODES_SINCE_2016 = (8, 9, 10, 11)
_CODES_BEFORE_2016 = (1, 2, 3, 4, 5, 6, 7)


def extreme_money() -> st.SearchStrategy[Money]:
    """Amounts from 0,00 € to 99 999 999,99 €, with the ends drawn often."""
    return st.one_of(st.sampled_from([Money(0), Money("0.01"), Money("99999999.99")]),
                     amounts().map(Money))


def cpas_values() -> st.SearchStrategy[Cpas]:
    return st.builds(Cpas, name=texts(), kbo=kbo_values(), nis_code=nis_codes(),
                     municipality=st.none() | texts(), address=st.none() | addresses())


def _file_numbers() -> st.SearchStrategy[str]:
    """Loi 65 file numbers of 1–11 letters or digits, sometimes with separators."""
    alnum = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
                    min_size=1, max_size=11).filter(lambda s: s.lstrip("0") != "")
    return st.one_of(alnum, st.builds(lambda a, b: f"{a}-{b}", alnum.map(lambda s: s[:5]),
                                      alnum.map(lambda s: s[:6])))


def form_headers(form_type: FormType, effective: dt.date) -> st.SearchStrategy[FormHeader]:
    """Headers fit for ``form_type``: file number under loi 65, a decision date when needed."""
    loi65 = form_type.law.value == "loi65"
    needs_decision = form_type in (FormType.DIS_C, FormType.LOI65_B1, FormType.LOI65_B2)
    decision = st.dates(effective - dt.timedelta(days=40), effective)
    return st.builds(
        FormHeader,
        cpas=cpas_values(),
        effective_date=st.just(effective),
        is_correction=st.booleans(),
        category=st.none() | st.sampled_from(BeneficiaryCategory),
        file_number=_file_numbers() if loi65 else st.none() | _file_numbers(),
        decision_date=decision if needs_decision else st.none() | decision,
    )


def _bases(form_type: FormType) -> list[LegalBasis]:
    return [b for b in LegalBasis if form_type.law in b.laws and b is not LegalBasis.PIIS_SUBSIDY]


@st.composite
def lines(draw: st.DrawFn, form_type: FormType, period: Period,
          niss: str | None = None) -> ReimbursementLine:
    """One line of ``form_type`` for ``period``, respecting the per-line rules."""
    basis = draw(st.sampled_from(_bases(form_type)))
    is_dis = form_type.law.value == "dis"
    codes = _CODES_SINCE_2016 if period >= Period(2016, 11) else _CODES_BEFORE_2016
    piis = draw(st.none() | st.sampled_from(codes)) if is_dis else None
    first = period.first_day()
    in_month = st.dates(first, period.last_day())
    d1 = form_type is FormType.LOI65_D1
    return ReimbursementLine(
        niss=niss or draw(nisses()),
        beneficiary_name=draw(st.none() | texts()),
        basis=basis,
        period=period,
        amount=draw(extreme_money()),
        rate_category=draw(st.sampled_from(RateCategory)),
        piis_code=piis,
        income_exemption=draw(st.none() | extreme_money()),
        source_id=draw(texts(1, 20) if d1 else st.none() | texts(1, 20)),
        expense_date=draw(in_month if d1 else st.none() | in_month),
        recovery_type=draw(st.sampled_from(["01", "04", "05", "06", "08"]))
        if form_type is FormType.DIS_D else None,
        category=draw(st.none() | st.sampled_from(BeneficiaryCategory)),
    )


@st.composite
def compliant_forms(draw: st.DrawFn, max_lines: int = 6) -> ReimbursementForm:
    """A form that respects every error-level rule (warnings may remain)."""
    form_type = draw(st.sampled_from(FormType))
    period = draw(st.builds(Period, st.integers(2004, 2030), st.integers(1, 12)))
    effective = period.first_day()
    header = draw(form_headers(form_type, effective))
    people = draw(st.lists(nisses(), min_size=0, max_size=max_lines, unique=True))
    body = [draw(lines(form_type, period, niss)) for niss in people]
    if header.decision_date is not None and form_type is FormType.LOI65_B1:
        latest = header.decision_date + dt.timedelta(days=45)
    else:
        latest = period.quarter_end() + dt.timedelta(days=300)
    sent = draw(st.dates(effective, latest))
    return ReimbursementForm(
        form_type=form_type, header=header, lines=body, submission_date=sent,
        beneficiaries_year_before_last=draw(st.none() | st.integers(0, 100_000)),
        beneficiaries_three_years_before=draw(st.none() | st.integers(0, 100_000)),
        previous_rate=draw(st.none() | st.sampled_from([Decimal(55), Decimal(65),
                                                        Decimal(70), Decimal("67")])),
    )


@st.composite
def forms(draw: st.DrawFn, max_lines: int = 6) -> ReimbursementForm:
    """Any form that can be built: all types and bases mixed, no rule respected on purpose."""
    form_type = draw(st.sampled_from(FormType))
    effective = draw(st.dates(dt.date(2000, 1, 1), dt.date(2035, 12, 31)))
    header = draw(st.builds(
        FormHeader, cpas=cpas_values(), effective_date=st.just(effective),
        is_correction=st.booleans(), category=st.none() | st.sampled_from(BeneficiaryCategory),
        file_number=st.none() | texts(1, 15), decision_date=st.none() | st.dates()))
    body = draw(st.lists(st.builds(
        ReimbursementLine, niss=nisses(), beneficiary_name=st.none() | texts(),
        basis=st.sampled_from(LegalBasis),
        period=st.builds(Period, st.integers(2000, 2035), st.integers(1, 12)),
        amount=extreme_money(), rate_category=st.sampled_from(RateCategory),
        piis_code=st.none() | st.integers(0, 20), income_exemption=st.none() | extreme_money(),
        source_id=st.none() | texts(1, 20), expense_date=st.none() | st.dates(),
        recovery_type=st.none() | texts(1, 3),
        category=st.none() | st.sampled_from(BeneficiaryCategory)), max_size=max_lines))
    return ReimbursementForm(
        form_type=form_type, header=header, lines=body,
        submission_date=draw(st.dates(dt.date(2000, 1, 1), dt.date(2040, 12, 31))),
        beneficiaries_year_before_last=draw(st.none() | st.integers(0, 10**6)),
        beneficiaries_three_years_before=draw(st.none() | st.integers(0, 10**6)),
        previous_rate=draw(st.none() | st.decimals(0, 100, places=1)),
    )
