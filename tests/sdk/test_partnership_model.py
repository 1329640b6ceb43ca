"""Partnership convention "mesure 500 €": model, intervention and payments.

Amounts are the circular's figures (circular of 31/01/2013 on AR 23/09/2004 as amended
by AR 08/10/2012), written out here, not the code's output: 500 € for at least 100
hours of guidance, 250 € for at least 50, 500 € if the person gets a job before the
individual plan ends; half paid at conclusion, the balance on the déclaration de
créance, split by each partner's share, also when employed early.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given, settings

from cpas.sdk import (
    Cpas,
    InvalidMoney,
    InvalidType,
    InvalidValue,
    Money,
    NoRuleInForce,
    Organisation,
    Person,
)
from cpas.sdk.documents import partnership as module
from cpas.sdk.documents.partnership import (
    BeneficiaryStatus,
    GuidanceMethod,
    Partner,
    PartnerKind,
    PartnershipConvention,
    agreed_amount,
    employed_in_time,
    intervention,
    payments,
)
from strategies import niss_digits
from strategies_conventions import partnership_conventions

BENEFICIARY = Person(niss=niss_digits(dt.date(1990, 4, 12), 101), last_name="Çelik",
                     first_name="Zoë")
CPAS = Cpas("OCMW Kortrijk", "0403019261", "34022", "Kortrijk")
FOREM = Partner(id="forem", organisation=Organisation("Forem"), kind="employment_office",
                share=Decimal(60))
ASBL = Partner(id="asbl", organisation=Organisation("ASBL Trajet"), share=Decimal(40))


def _convention(**changes: Any) -> PartnershipConvention:
    base: dict[str, Any] = {
        "beneficiary": BENEFICIARY,
        "beneficiary_status": BeneficiaryStatus.SOCIAL_INTEGRATION_INCOME,
        "cpas": CPAS,
        "partners": (FOREM, ASBL),
        "concluded_on": dt.date(2013, 3, 1),
        "plan_end": dt.date(2013, 12, 31),
        "hours_planned": Decimal(120),
        "hours_performed": Decimal(120),
        "methods": (GuidanceMethod.ACTIVE_JOB_SEARCH, GuidanceMethod.JOB_COACHING),
    }
    base.update(changes)
    return PartnershipConvention(**base)


@pytest.mark.parametrize(("hours", "euro"), [
    ("120", "500.00"), ("100", "500.00"), ("99.5", "250.00"), ("60", "250.00"),
    ("50", "250.00"), ("49.9", "0.00"), ("40", "0.00"), ("0", "0.00"),
], ids=["120h", "100h", "99.5h", "60h", "50h", "49.9h", "40h", "0h"])
def test_intervention_by_hours_performed(hours: str, euro: str) -> None:
    """500 € from 100 hours, 250 € from 50 hours, nothing below (AR 23/09/2004 art. 3 as
    amended by AR 08/10/2012; circular of 31/01/2013)."""
    assert intervention(_convention(hours_performed=Decimal(hours))) == Money(euro)


def test_job_before_the_end_of_the_plan_earns_500() -> None:
    """30 hours and a job before the plan ends → 500 € (circular of 31/01/2013)."""
    employed = _convention(hours_performed=Decimal(30), employment_contract_on="2013-06-17")
    assert employed_in_time(employed)
    assert intervention(employed) == Money("500.00")
    on_last_day = _convention(hours_performed=Decimal(30), employment_contract_on="2013-12-31")
    assert intervention(on_last_day) == Money("500.00")


def test_job_after_the_plan_earns_nothing_extra() -> None:
    """A job after the plan has ended does not give the 500 €: 30 h → 0 €; 60 h → 250 €."""
    late = _convention(hours_performed=Decimal(30), employment_contract_on="2014-01-01")
    assert not employed_in_time(late)
    assert intervention(late) == Money("0.00")
    assert intervention(attrs.evolve(late, hours_performed=Decimal(60))) == Money("250.00")
    ended_early = _convention(hours_performed=Decimal(30), ended_on="2013-09-30",
                              employment_contract_on="2013-10-15")
    assert intervention(ended_early) == Money("0.00")


def test_amounts_need_the_amended_decree_in_force() -> None:
    """The amounts apply from 4 November 2012 (AR 08/10/2012): none the day before."""
    assert intervention(_convention(concluded_on="2012-11-04")) == Money("500.00")
    with pytest.raises(NoRuleInForce):
        intervention(_convention(concluded_on="2012-11-03"))


def test_two_partners_60_40_of_500() -> None:
    """Two partners at 60/40 of 500 €: advance 150/100 at conclusion, balance 150/100 on
    their déclarations de créance (circular of 31/01/2013)."""
    forem, asbl = payments(_convention())
    assert (forem.partner_id, forem.advance, forem.balance) == ("forem", Money("150.00"),
                                                                Money("150.00"))
    assert (asbl.partner_id, asbl.advance, asbl.balance) == ("asbl", Money("100.00"),
                                                             Money("100.00"))
    assert forem.overpaid == asbl.overpaid == Money("0.00")


def test_employed_early_split_by_share() -> None:
    """60 hours planned (250 € agreed): advance 75/50; job before the end → 500 €,
    300/200 per share, so balance 225/150 (circular: split also when employed early)."""
    conv = _convention(hours_planned=Decimal(60), hours_performed=Decimal(20),
                       employment_contract_on="2013-05-02")
    assert agreed_amount(conv) == Money("250.00")
    forem, asbl = payments(conv)
    assert (forem.advance, forem.balance) == (Money("75.00"), Money("225.00"))
    assert (asbl.advance, asbl.balance) == (Money("50.00"), Money("150.00"))
    assert (forem.total, asbl.total) == (Money("300.00"), Money("200.00"))


def test_three_equal_partners_lose_no_cent() -> None:
    """500 € in three equal shares: 166,67 + 166,67 + 166,66 = 500,00 €; the advance of
    250 € as 83,34 + 83,33 + 83,33."""
    third = Decimal("33.33")
    parts = tuple(Partner(id=name, organisation=Organisation(name), share=third)
                  for name in ("a", "b", "c"))
    result = payments(_convention(partners=parts))
    assert [p.advance for p in result] == [Money("83.34"), Money("83.33"), Money("83.33")]
    assert [p.total for p in result] == [Money("166.67"), Money("166.67"), Money("166.66")]
    assert Money.total(p.total for p in result) == Money("500.00")


def test_advance_above_the_final_part_is_overpaid() -> None:
    """120 h planned (250 € advance) but 40 h done and no job: nothing due, 150/100 back."""
    forem, asbl = payments(_convention(hours_performed=Decimal(40), ended_on="2013-10-31"))
    assert (forem.balance, forem.overpaid) == (Money("0.00"), Money("150.00"))
    assert (asbl.balance, asbl.overpaid) == (Money("0.00"), Money("100.00"))


def test_cpas_as_a_guiding_party_keeps_its_part() -> None:
    """The CPAS may take more than 50 % of the guidance: 70/30 of 500 € → 350/150."""
    own = Partner(id="cpas", organisation=Organisation("OCMW Kortrijk"), kind=PartnerKind.CPAS,
                  share=Decimal(70))
    other = attrs.evolve(ASBL, share=Decimal(30))
    kept, paid = payments(_convention(partners=(own, other)))
    assert (kept.total, paid.total) == (Money("350.00"), Money("150.00"))


def test_payments_without_shares() -> None:
    """No partner: no payment; shares all zero cannot be split (PART-SHARE-001 reports it)."""
    assert payments(_convention(partners=())) == ()
    with pytest.raises(InvalidValue):
        payments(_convention(partners=(attrs.evolve(ASBL, share=Decimal(0)),)))


def test_construction_refuses_unrepresentable_values() -> None:
    """Negative hours, floats, unknown statuses are refused and name their field."""
    with pytest.raises(InvalidValue) as hours:
        _convention(hours_performed=Decimal(-1))
    assert hours.value.path == "$.hours_performed"
    with pytest.raises(InvalidType):
        _convention(hours_planned=12.5)
    with pytest.raises(InvalidValue) as status:
        _convention(beneficiary_status="student")
    assert status.value.path == "$.beneficiary_status"
    with pytest.raises(InvalidValue) as method:
        _convention(methods=("job_coaching", "cv_workshop"))
    assert method.value.path == "$.methods[1]"
    with pytest.raises(InvalidMoney):
        Partner(organisation=Organisation("X"), share="NaN")


def test_rule_breaking_data_still_loads() -> None:
    """Shares not adding up, no method, a date order problem: findings, not errors."""
    conv = _convention(partners=(attrs.evolve(FOREM, share=Decimal(90)),), methods=(),
                       plan_end="2013-01-01")
    assert conv.rules_date() == dt.date(2013, 3, 1)


def _attrs_classes() -> list[type]:
    return [c for c in vars(module).values()
            if isinstance(c, type) and attrs.has(c) and c.__module__ == module.__name__]


def _enums() -> list[type[enum.Enum]]:
    return [c for c in vars(module).values()
            if isinstance(c, type) and issubclass(c, enum.Enum) and c.__module__ == module.__name__]


def test_every_field_class_and_enum_member_has_labels() -> None:
    """Labels in FR and NL feed the XSD annotations."""
    assert len(_attrs_classes()) == 4
    for cls in _attrs_classes():
        assert cls.LABEL.fr and cls.LABEL.nl, cls  # type: ignore[attr-defined]
        for field in attrs.fields(cls):
            text = field.metadata["label"]
            assert text.fr and text.nl and text.en, (cls, field.name)
    for kind in _enums():
        for member in kind:
            assert member.label.fr and member.label.nl  # type: ignore[attr-defined]
            assert member.value == member.value.lower()


@settings(max_examples=80, deadline=None)
@given(partnership_conventions())
def test_payments_add_up_for_any_convention(conv: PartnershipConvention) -> None:
    """No cent created or lost: the parts add up to the intervention, the advances to half
    the agreed amount."""
    result = payments(conv)
    assert Money.total(p.total for p in result) == intervention(conv)
    assert Money.total(p.advance for p in result) == agreed_amount(conv).percent(50)
    assert intervention(conv) in (Money(0), Money(250), Money(500))
