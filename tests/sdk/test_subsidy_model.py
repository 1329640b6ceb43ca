"""Subsidy convention "participation et activation sociale": model and calculations.

Figures come from domain.md, "Subsidy conventions": advance of 50 % once all have
signed; staff costs pro rata of time; mixed audiences 6 of 20 participants → 6/20;
investments not eligible in 2015-2017, up to 500 € from 2018; staff costs at most
10 % of sections A and C, up to 100 % of B.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given, settings

from cpas.sdk import Cpas, InvalidMoney, InvalidType, InvalidValue, Money, Signature, SignerRole
from cpas.sdk.documents import subsidy as module
from cpas.sdk.documents.subsidy import (
    ConventionKind,
    Expense,
    ExpenseCategory,
    Indicators,
    Section,
    SectionAmount,
    SignatureStage,
    SubsidyConvention,
    SubsidySignature,
    advance_payable,
    amount_to_recover,
    balance_due,
    eligible_amount,
    eligible_amounts,
    eligible_by_section,
    eligible_expenses,
    signature_stage,
    subsidy_due,
)
from strategies_conventions import subsidy_conventions

LIEGE = Cpas("CPAS de Liège", "0403019261", "62063", "Liège")
HUY = Cpas("CPAS de Huy", "0428759497", "61031", "Huy")


def _sig(role: SignerRole, day: str, cpas: Cpas | None = None) -> SubsidySignature:
    return SubsidySignature(signature=Signature(role, "Signataire", day),
                            cpas_kbo=None if cpas is None else cpas.kbo)


ALL_SIGNED = (
    _sig(SignerRole.PRESIDENT, "2018-09-03"),
    _sig(SignerRole.DIRECTEUR_GENERAL, "2018-09-04"),
    _sig(SignerRole.MINISTER, "2018-10-01"),
)


def _convention(**changes: Any) -> SubsidyConvention:
    base: dict[str, Any] = {
        "year": 2018, "kind": ConventionKind.LARGE_CITY, "members": (LIEGE,),
        "amount": Money("10000.00"), "signatures": ALL_SIGNED,
    }
    base.update(changes)
    return SubsidyConvention(**base)


def test_rules_date_and_period_are_the_calendar_year() -> None:
    """The convention period is 1 January - 31 December (AR 27/03/2015)."""
    conv = _convention(year=2016)
    assert conv.rules_date() == dt.date(2016, 1, 1)
    assert conv.period.start == dt.date(2016, 1, 1)
    assert conv.period.end == dt.date(2016, 12, 31)
    assert conv.lead == LIEGE


def test_construction_refuses_unrepresentable_values() -> None:
    """Negative amounts, floats and unknown enum values are refused with the field's path."""
    with pytest.raises(InvalidMoney) as info:
        _convention(amount="-1")
    assert info.value.path == "$.amount"
    with pytest.raises(InvalidType):
        Expense(category="staff", description="x", amount=Money(1),
                staff_time_percent=0.5)  # type: ignore[arg-type]
    with pytest.raises(InvalidValue) as bad:
        _convention(kind="village")
    assert bad.value.path == "$.kind"
    with pytest.raises(InvalidValue):
        _convention(members=())
    with pytest.raises(InvalidType) as wrong:
        _convention(members=(LIEGE, "Huy"))
    assert wrong.value.path == "$.members[1]"


def test_rule_breaking_data_still_loads() -> None:
    """A cluster of one CPAS, a percent above 100: findings later, not construction errors."""
    conv = _convention(kind="cluster", indicators=Indicators(
        beneficiaries=10, in_trajectory=12, in_trajectory_percent=Decimal(120)))
    assert conv.kind is ConventionKind.CLUSTER


def test_signature_stages() -> None:
    """Stage 1: president and directeur général of every CPAS; stage 2: the minister."""
    none = _convention(kind="cluster", members=(LIEGE, HUY), signatures=())
    progress = signature_stage(none)
    assert progress.stage is SignatureStage.CPAS
    assert len(progress.missing) == 5  # 2 roles x 2 CPAS + minister

    cpas_done = attrs.evolve(none, signatures=(
        _sig(SignerRole.PRESIDENT, "2018-09-01", LIEGE),
        _sig(SignerRole.DIRECTEUR_GENERAL, "2018-09-01", LIEGE),
        _sig(SignerRole.PRESIDENT, "2018-09-02", HUY),
        _sig(SignerRole.DIRECTEUR_GENERAL, "2018-09-03", HUY),
    ))
    assert signature_stage(cpas_done).stage is SignatureStage.MINISTER
    assert [m.role for m in signature_stage(cpas_done).missing] == [SignerRole.MINISTER]

    complete = attrs.evolve(cpas_done, signatures=(
        *cpas_done.signatures, _sig(SignerRole.MINISTER, "2018-10-10")))
    assert signature_stage(complete).complete
    assert signature_stage(complete, on=dt.date(2018, 10, 9)).stage is SignatureStage.MINISTER


def test_advance_is_half_once_all_have_signed() -> None:
    """SPP IS pays an advance of 50 % once all parties have signed: 10 000 € → 5 000 €."""
    conv = _convention()
    assert advance_payable(conv) == Money("5000.00")
    assert advance_payable(conv, on=dt.date(2018, 9, 30)) == Money("0.00")
    unsigned = _convention(signatures=ALL_SIGNED[:2])
    assert advance_payable(unsigned) == Money("0.00")
    assert advance_payable(_convention(amount="12345.67")) == Money("6172.84")  # 6 172,835


def test_staff_costs_count_pro_rata_of_time() -> None:
    """A social worker's 40 000 € salary, a quarter of the time on the project → 10 000 €."""
    line = Expense(category="staff", description="Assistante sociale, bilans sociaux",
                   amount="40000", staff_time_percent="25")
    assert eligible_amount(line, 2016) == Money("10000.00")
    no_share = Expense(category="staff", description="Sans part", amount="40000")
    assert eligible_amount(no_share, 2016) == Money("0.00")


def test_mixed_audience_counts_the_target_group_share() -> None:
    """6 of 20 participants in the target group → 6/20 of 1 000 € = 300 €."""
    line = Expense(category="operating", description="Module collectif", amount="1000",
                   target_group_participants=6, participants=20)
    assert eligible_amount(line, 2018) == Money("300.00")


def test_investment_not_eligible_before_2018_and_capped_after() -> None:
    """Investments: nothing in 2015-2017; up to 500 € excl. VAT from 2018."""
    works = Expense(category="investment", description="Rénovation du local", amount="1200")
    assert eligible_amount(works, 2015) == Money("0.00")
    assert eligible_amount(works, 2017) == Money("0.00")
    assert eligible_amount(works, 2018) == Money("500.00")
    small = Expense(category="investment", description="Jeux de société", amount="120")
    assert eligible_amount(small, 2018) == Money("120.00")


def test_double_funded_expense_counts_for_nothing() -> None:
    line = Expense(category="operating", description="Déjà subsidié", amount="800",
                   funded_elsewhere=True)
    assert eligible_amount(line, 2018) == Money("0.00")


def _sectioned() -> SubsidyConvention:
    return _convention(
        sections=(SectionAmount(section="social_participation", amount="4000"),
                  SectionAmount(section="collective_modules", amount="4000"),
                  SectionAmount(section="child_poverty", amount="2000")),
        expenses=(
            Expense(category="operating", description="Tickets culture", amount="4500",
                    section="social_participation"),
            Expense(category="staff", description="AS", amount="40000", staff_time_percent="5",
                    section="social_participation"),
            Expense(category="staff", description="Animateur", amount="40000",
                    staff_time_percent="10", section="collective_modules"),
            Expense(category="operating", description="Atelier mixte", amount="1000",
                    target_group_participants=6, participants=20,
                    section="collective_modules"),
            Expense(category="operating", description="Stages d'été", amount="2500",
                    section="child_poverty"),
        ),
    )


def test_staff_cost_caps_per_section_from_2017() -> None:
    """Section A: staff 2 000 € capped at 10 % of 4 000 € = 400 €; B: 4 000 € allowed (100 %).

    A: 4 500 + 400 = 4 900 €; B: 4 000 + 300 = 4 300 €; C: 2 500 €; total 11 700 €.
    """
    conv = _sectioned()
    by_section = {s.section: s.amount for s in eligible_by_section(conv)}
    assert by_section == {
        Section.SOCIAL_PARTICIPATION: Money("4900.00"),
        Section.COLLECTIVE_MODULES: Money("4300.00"),
        Section.CHILD_POVERTY: Money("2500.00"),
    }
    assert eligible_expenses(conv) == Money("11700.00")


def test_subsidy_due_and_balance() -> None:
    """Each section counts at most its amount: 4 000 + 4 000 + 2 000 = 10 000 €; minus the
    5 000 € advance, 5 000 € balance."""
    conv = _sectioned()
    assert subsidy_due(conv) == Money("10000.00")
    assert balance_due(conv) == Money("5000.00")
    assert amount_to_recover(conv) == Money("0.00")


def test_section_shortfall_is_not_made_up_by_another() -> None:
    """C justified for 500 € only: 4 000 + 4 000 + 500 = 8 500 € due, although A and B
    justify more; with a 5 000 € advance, 3 500 € balance."""
    conv = _sectioned()
    expenses = tuple(e if e.section is not Section.CHILD_POVERTY
                     else attrs.evolve(e, amount=Money("500")) for e in conv.expenses)
    short = attrs.evolve(conv, expenses=expenses)
    assert subsidy_due(short) == Money("8500.00")
    assert balance_due(short) == Money("3500.00")


def test_recovery_when_less_is_justified_than_the_advance() -> None:
    """Justified 3 000 € of operating costs against a 5 000 € advance: 2 000 € to recover."""
    signed_2016 = (_sig(SignerRole.PRESIDENT, "2016-09-05"),
                   _sig(SignerRole.DIRECTEUR_GENERAL, "2016-09-06"),
                   _sig(SignerRole.MINISTER, "2016-10-03"))
    conv = _convention(year=2016, signatures=signed_2016, expenses=(
        Expense(category="operating", description="Activités", amount="3000"),))
    assert subsidy_due(conv) == Money("3000.00")
    assert balance_due(conv) == Money("0.00")
    assert amount_to_recover(conv) == Money("2000.00")
    assert balance_due(conv, advance_paid=Money("1000")) == Money("2000.00")


def _attrs_classes() -> list[type]:
    return [c for c in vars(module).values()
            if isinstance(c, type) and attrs.has(c) and c.__module__ == module.__name__]


def _enums() -> list[type[enum.Enum]]:
    return [c for c in vars(module).values()
            if isinstance(c, type) and issubclass(c, enum.Enum) and c.__module__ == module.__name__]


def test_every_field_class_and_enum_member_has_labels() -> None:
    """Labels in FR and NL feed the XSD annotations."""
    for cls in _attrs_classes():
        assert cls.LABEL.fr and cls.LABEL.nl, cls  # type: ignore[attr-defined]
        for field in attrs.fields(cls):
            text = field.metadata["label"]
            assert text.fr and text.nl and text.en, (cls, field.name)
    for kind in _enums():
        for member in kind:
            label = member.label  # type: ignore[attr-defined]
            assert label.fr and label.nl, member
            assert member.value == member.value.lower()


def test_category_values_are_stable() -> None:
    assert [c.value for c in ExpenseCategory] == ["operating", "staff", "investment"]
    assert [s.letter for s in Section] == ["A", "B", "C"]


@settings(max_examples=60, deadline=None)
@given(subsidy_conventions())
def test_calculations_hold_for_any_convention(conv: SubsidyConvention) -> None:
    """Whatever the data: nothing negative, due never above the amount or the eligible
    expenses, and advance + balance - recovery = due."""
    eligible = eligible_expenses(conv)
    due = subsidy_due(conv)
    advance = advance_payable(conv)
    assert due <= conv.amount
    assert due <= eligible
    assert eligible <= Money.total(e.amount for e in conv.expenses)
    assert advance + balance_due(conv) - amount_to_recover(conv) == due


def test_no_advance_when_the_last_signature_is_after_15_november() -> None:
    """All signatures by 15 November so the 50 % advance can be paid in the budget year
    (SPP IS working group 13/10/2015, domain.md): a minister signing on 20 November
    leaves no advance payable in the year; on 15 November it is 50 %."""
    import attrs as _attrs

    from cpas.sdk.documents.subsidy import advance_payable
    from cpas.sdk.samples import sample_set

    conv = sample_set().subsidy
    assert advance_payable(conv) == Money("42000.00")  # 50 % of 84 000 €

    def minister_on(day: str) -> object:
        sigs = tuple(
            _attrs.evolve(s, signature=_attrs.evolve(s.signature, signed_on=day))
            if s.signature.role.value == "minister" else s for s in conv.signatures)
        return _attrs.evolve(conv, signatures=sigs)

    assert advance_payable(minister_on("2025-11-15")) == Money("42000.00")  # type: ignore[arg-type]
    assert advance_payable(minister_on("2025-11-20")) == Money.zero()  # type: ignore[arg-type]


def test_investment_caps_are_shared_per_holder_in_eligible_amounts() -> None:
    """From 2018: up to 500 € for the CPAS and 500 € per person helped (domain.md)."""
    lines = (
        Expense(category="investment", description="Étagères", amount="350"),
        Expense(category="investment", description="Tables", amount="350"),
        Expense(category="investment", description="Ordinateur", amount="700",
                person_ref="dossier-3"),
        Expense(category="operating", description="Tickets", amount="100"),
    )
    conv = _convention(expenses=lines)
    # The CPAS: 350 € then the 150 € left of its 500 €; the person: 500 € of 700 €.
    assert eligible_amounts(conv) == (Money("350.00"), Money("150.00"), Money("500.00"),
                                      Money("100.00"))
    assert eligible_expenses(conv) == Money("1100.00")


def test_eligible_amounts_need_no_investment_cap_without_investments() -> None:
    """Before 2015 no investment cap is in the tables: a convention without investment lines
    still gets its eligible amounts (the cap is only looked up for an investment)."""
    lines = (Expense(category="operating", description="Tickets", amount="100"),
             Expense(category="staff", description="AS", amount="1000", staff_time_percent=10))
    conv = _convention(year=2010, expenses=lines)
    assert eligible_amounts(conv) == (Money("100.00"), Money("100.00"))
