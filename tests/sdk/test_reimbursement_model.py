"""The reimbursement form: construction, totals, State share and builders.

Rates and amounts are checked against the figures of domain.md ("Reimbursement by
SPP IS: rates, forms, deadlines"; "Partnership conventions") written out here,
never against the code's own output.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given, settings

from cpas.sdk import (
    Cpas,
    DateRange,
    InvalidMoney,
    InvalidNiss,
    InvalidType,
    InvalidValue,
    Money,
    Organisation,
    Period,
    Person,
)
from cpas.sdk.documents.partnership import Partner, PartnershipConvention
from cpas.sdk.documents.piis import Piis
from cpas.sdk.documents.reimbursement import (
    BeneficiaryCategory,
    FormHeader,
    FormType,
    Law,
    LegalBasis,
    LineShare,
    RateCategory,
    ReimbursementForm,
    ReimbursementLine,
    StateShare,
    base_rate,
    file_number_key,
    from_partnership_conventions,
    from_piis,
    state_share,
)
from cpas.sdk.text import Text
from strategies import niss_digits
from strategies_reimbursement import compliant_forms, forms

CPAS = Cpas(name="CPAS de Saint-Gilles", kbo="0403019261", nis_code="21013",
            municipality="Saint-Gilles")
NISS_A = niss_digits(dt.date(1985, 7, 30), 33)
NISS_B = niss_digits(dt.date(2001, 2, 14), 122)
ON = dt.date(2025, 3, 1)


def header(**changes: Any) -> FormHeader:
    base = FormHeader(cpas=CPAS, effective_date=ON, category=BeneficiaryCategory.SINGLE)
    return attrs.evolve(base, **changes)


def ri_line(amount: str = "1000.00", **changes: Any) -> ReimbursementLine:
    line = ReimbursementLine(niss=NISS_A, basis=LegalBasis.INTEGRATION_INCOME,
                             period=Period(2025, 3), amount=Money(amount))
    return attrs.evolve(line, **changes)


def form(*lines: ReimbursementLine, form_type: FormType = FormType.DIS_B,
         **changes: Any) -> ReimbursementForm:
    base = ReimbursementForm(form_type=form_type, header=header(), lines=lines,
                             submission_date=dt.date(2025, 4, 10))
    return attrs.evolve(base, **changes)


# --- Construction ----------------------------------------------------------------------------


def test_enum_values_are_stable_strings_with_labels() -> None:
    """Enum values are lower_snake strings (XML later) and every member has FR/NL labels."""
    for kind in (Law, FormType, BeneficiaryCategory, LegalBasis, RateCategory):
        for member in kind:
            assert isinstance(member.value, str)
            assert member.value == member.value.lower()
            assert member.label.fr and member.label.nl


def test_form_types_belong_to_their_law() -> None:
    """DIS forms B, C, D; loi 65 forms A, B1, B2, C, D1, D2, F (domain.md, forms)."""
    dis = {f for f in FormType if f.law is Law.DIS}
    assert {f.value for f in dis} == {"dis_b", "dis_c", "dis_d"}
    assert {f.value for f in FormType if f.law is Law.LOI65} == {
        "loi65_a", "loi65_b1", "loi65_b2", "loi65_c", "loi65_d1", "loi65_d2", "loi65_f"}


def test_bases_by_law() -> None:
    """The revenu d'intégration is loi DIS only, medical costs loi 65 only, activation both."""
    assert LegalBasis.INTEGRATION_INCOME.laws == {Law.DIS}
    assert LegalBasis.MEDICAL_COSTS.laws == {Law.LOI65}
    assert LegalBasis.PARTNERSHIP_CONVENTION.laws == {Law.DIS, Law.LOI65}


def test_every_field_has_a_label() -> None:
    """Each model field carries FR/NL labels, each class its LABEL (XSD annotations)."""
    for cls in (FormHeader, ReimbursementLine, ReimbursementForm, LineShare, StateShare):
        assert isinstance(cls.LABEL, Text)
        for field in attrs.fields(cls):
            assert isinstance(field.metadata["label"], Text), f"{cls.__name__}.{field.name}"


def test_strings_are_converted() -> None:
    """Vendors may pass enum values, ISO dates and YYYY-MM periods as strings."""
    line = ReimbursementLine(niss=NISS_A, basis="medical_costs", period="2025-02",
                             amount="12.5", expense_date="2025-02-03")
    assert line.basis is LegalBasis.MEDICAL_COSTS
    assert line.period == Period(2025, 2)
    assert line.amount == Money("12.50")
    assert line.expense_date == dt.date(2025, 2, 3)


def test_bad_niss_is_refused_with_its_path_and_masked() -> None:
    """A NISS with a wrong checksum cannot be represented: refused, field named, value masked."""
    wrong = NISS_A[:-2] + f"{(int(NISS_A[-2:]) + 1) % 100:02d}"
    with pytest.raises(InvalidNiss) as info:
        ReimbursementLine(niss=wrong, basis="integration_income", period="2025-02",
                          amount="1")
    assert info.value.path == "$.niss"
    assert NISS_A[:6] not in str(info.value)


def test_negative_amount_and_float_are_refused() -> None:
    """Amounts are never negative and never floats (construction error on $.amount)."""
    with pytest.raises(InvalidMoney) as info:
        ri_line("-1")
    assert info.value.path == "$.amount"
    with pytest.raises(InvalidType):
        ReimbursementLine(niss=NISS_A, basis="integration_income", period="2025-02",
                          amount=1.5)  # type: ignore[arg-type]


def test_unknown_basis_is_refused() -> None:
    with pytest.raises(InvalidValue) as info:
        ri_line(basis="lottery")
    assert info.value.path == "$.basis"


def test_wrong_line_type_names_its_index() -> None:
    with pytest.raises(InvalidType) as info:
        form(ri_line(), "not a line")  # type: ignore[arg-type]
    assert info.value.path == "$.lines[1]"


def test_file_number_comparison_form() -> None:
    """Separators and leading zeros ignored, case-insensitive (domain.md, header)."""
    assert file_number_key("0012-ab.3") == file_number_key("12AB3") == "12AB3"
    assert header(file_number="00-xy 7").file_key == "XY7"
    assert header().file_key is None


def test_rules_date_is_the_effective_date() -> None:
    assert form(ri_line(period=Period(2024, 1))).rules_date() == ON


def test_totals() -> None:
    doc = form(ri_line("1000.00"), ri_line("314.20", niss=NISS_B),
               ri_line("500.00", basis=LegalBasis.PARTNERSHIP_CONVENTION))
    assert doc.total() == Money("1814.20")
    assert doc.total_by_basis() == {LegalBasis.INTEGRATION_INCOME: Money("1314.20"),
                                    LegalBasis.PARTNERSHIP_CONVENTION: Money("500.00")}
    assert form().total() == Money(0)


# --- State share -------------------------------------------------------------------------------


def test_base_rate_55_65_70() -> None:
    """55 %; 65 % from 500 beneficiaries a month (year before last); 70 % from 1 000."""
    assert base_rate(None, on=ON) == Decimal("55")
    assert base_rate(499, on=ON) == Decimal("55")
    assert base_rate(500, on=ON) == Decimal("65")
    assert base_rate(999, on=ON) == Decimal("65")
    assert base_rate(1000, on=ON) == Decimal("70")


def test_higher_rate_needs_five_percent_growth() -> None:
    """The higher rate starts only if beneficiaries grew by >= 5 % (domain.md)."""
    assert base_rate(630, 600, Decimal(55), on=ON) == Decimal("65")   # +5 %
    assert base_rate(629, 600, Decimal(55), on=ON) == Decimal("55")   # +4.8 %
    assert base_rate(630, None, Decimal(55), on=ON) == Decimal("55")  # growth unknown


def test_rate_falls_one_point_a_year_unless_fall_below_three_percent() -> None:
    """Below the threshold the rate falls 1 point a year, not when the fall is < 3 %."""
    assert base_rate(450, 520, Decimal(65), on=ON) == Decimal("64")
    assert base_rate(490, 500, Decimal(65), on=ON) == Decimal("65")   # fell 2 %
    assert base_rate(300, 400, Decimal("55.5"), on=ON) == Decimal("55")  # not below 55


def test_ri_share_of_a_cpas_with_600_beneficiaries() -> None:
    """1 000,00 € of RI for a CPAS with 600 beneficiaries a month: the State pays 650,00 €."""
    share = state_share(form(ri_line("1000.00"), beneficiaries_year_before_last=600))
    assert share.base_rate == Decimal("65")
    assert share.lines[0].share == Money("650.00")
    assert share.total == Money("650.00")


def test_ri_share_with_piis_adds_ten_percent() -> None:
    """With a PIIS (code 11), the special subsidy adds 10 % of the RI: +100,00 € (art. 43/2)."""
    share = state_share(form(ri_line("1000.00", piis_code=11),
                             beneficiaries_year_before_last=600))
    assert share.lines[0].piis_subsidy == Money("100.00")
    assert share.total == Money("750.00")


def test_no_piis_subsidy_for_code_8_or_before_november_2016() -> None:
    """Code 8 = no PIIS; the subsidy exists only since 1 Nov 2016."""
    assert state_share(form(ri_line(piis_code=8))).total == Money("550.00")
    old = form(ri_line(piis_code=3, period=Period(2015, 6)), header=header(
        effective_date=dt.date(2015, 6, 1)))
    assert state_share(old).total == Money("550.00")


def test_base_and_high_rates_and_full_cases() -> None:
    """55 % below 500; 70 % from 1 000; 100 % foreigners' register and homeless."""
    assert state_share(form(ri_line(), beneficiaries_year_before_last=120)).total == Money(
        "550.00")
    assert state_share(form(ri_line(), beneficiaries_year_before_last=1500)).total == Money(
        "700.00")
    foreign = ri_line(rate_category=RateCategory.FOREIGNERS_REGISTER)
    homeless = ri_line(rate_category=RateCategory.HOMELESS_FIRST_RESIDENCE, niss=NISS_B)
    assert state_share(form(foreign, homeless)).total == Money("2000.00")


def test_loi65_d1_at_100_percent_and_rounding() -> None:
    """Loi 65 D1 is reimbursed at 100 %; RI shares are rounded half up per line."""
    d1 = form(ri_line("812.37", basis=LegalBasis.EQUIVALENT_SOCIAL_AID),
              form_type=FormType.LOI65_D1)
    assert state_share(d1).total == Money("812.37")
    odd = state_share(form(ri_line("0.01"), ri_line("0.01", niss=NISS_B)))
    assert [s.share for s in odd.lines] == [Money("0.01"), Money("0.01")]   # 0.0055 -> 0.01


def test_partnership_convention_total_is_reimbursed() -> None:
    """SPP IS reimburses the total intervention of a partnership convention (500 €)."""
    line = ri_line("500.00", basis=LegalBasis.PARTNERSHIP_CONVENTION)
    assert state_share(form(line, beneficiaries_year_before_last=600)).total == Money("500.00")


def test_refusal_form_claims_nothing() -> None:
    assert state_share(form(ri_line(), form_type=FormType.DIS_C)).total == Money(0)


@settings(max_examples=60, deadline=None)
@given(compliant_forms())
def test_state_share_is_bounded(doc: ReimbursementForm) -> None:
    """The State never pays more than 110 % of a loi DIS line (100 % + PIIS) nor more than
    the amount under loi 65; one share per line."""
    share = state_share(doc)
    assert len(share.lines) == len(doc.lines)
    for line, part in zip(doc.lines, share.lines, strict=True):
        assert part.line_id == line.id
        assert part.total <= line.amount.percent(110)
        if doc.law is Law.LOI65:
            assert part.total <= line.amount


@settings(max_examples=60, deadline=None)
@given(forms())
def test_any_form_builds_and_totals(doc: ReimbursementForm) -> None:
    """Any drawn form (non-ASCII names, empty optionals, extreme amounts) totals exactly."""
    assert doc.total() == Money.total(doc.total_by_basis().values())
    assert attrs.evolve(doc) == doc


# --- Builders ------------------------------------------------------------------------------------


def _person(niss: str, first: str = "Zoë", last: str = "Van den Bergh-Çelik") -> Person:
    return Person(niss=niss, last_name=last, first_name=first)


def test_from_partnership_conventions() -> None:
    """One line per convention with its total intervention: 500 € for >= 100 hours, 250 €
    for >= 50 hours (circular of 31/01/2013); nothing due, no line."""
    partner = Partner(organisation=Organisation(name="Mission locale"), share=Decimal(100))

    def conv(niss: str, hours: int) -> PartnershipConvention:
        return PartnershipConvention(
            beneficiary=_person(niss), beneficiary_status="social_integration_income",
            cpas=CPAS, partners=[partner], concluded_on=dt.date(2024, 9, 2),
            plan_end=dt.date(2025, 2, 28), hours_planned=Decimal(120),
            hours_performed=Decimal(hours), ended_on=dt.date(2025, 2, 20))

    convs = [conv(NISS_A, 110), conv(NISS_B, 60), conv(niss_digits(dt.date(1990, 1, 1), 5), 20)]
    doc = from_partnership_conventions(convs, header=header(), submission_date=dt.date(2025, 3, 5))
    assert [line.amount for line in doc.lines] == [Money("500.00"), Money("250.00")]
    assert all(line.basis is LegalBasis.PARTNERSHIP_CONVENTION for line in doc.lines)
    assert [line.source_id for line in doc.lines] == [convs[0].id, convs[1].id]
    assert doc.lines[0].period == Period(2025, 2)
    assert doc.lines[0].niss.compact == NISS_A
    assert state_share(doc).total == Money("750.00")


def test_from_piis() -> None:
    """PIIS subsidy line: 10 % of the RI granted (1 314,20 € -> 131,42 €), PIIS id as source."""
    piis = Piis(cpas=CPAS, beneficiary=_person(NISS_A), beneficiary_status="ris",
                piis_type="social_activation", decision_date=dt.date(2025, 1, 10),
                duration=DateRange("2025-02-01", "2026-01-31"), form_b_code=11)
    doc = from_piis([(piis, Money("1314.20"))], header=header(), period=Period(2025, 3),
                    submission_date=dt.date(2025, 4, 2))
    (line,) = doc.lines
    assert line.basis is LegalBasis.PIIS_SUBSIDY
    assert line.amount == Money("131.42")
    assert line.source_id == piis.id
    assert line.piis_code == 11
    assert doc.form_type is FormType.DIS_B
    assert state_share(doc).total == Money("131.42")
