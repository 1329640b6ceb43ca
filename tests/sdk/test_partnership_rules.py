"""Rule checks of partnership conventions "mesure 500 €".

Each rule has a violating and a compliant case; sources: AR 23/09/2004 as amended by
AR 08/10/2012 and the circular of 31/01/2013 (domain.md, "Partnership conventions").
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import attrs
from hypothesis import given, settings

from cpas.sdk import Cpas, Money, Organisation, Person, Report, Severity, check
from cpas.sdk.documents.partnership import (
    BeneficiaryStatus,
    ClaimDeclaration,
    GuidanceMethod,
    Partner,
    PartnerKind,
    PartnershipConvention,
)
from cpas.sdk.rules import rules_for
from strategies import niss_digits
from strategies_conventions import partnership_conventions

BENEFICIARY = Person(niss=niss_digits(dt.date(1979, 11, 2), 202), last_name="Nguyễn",
                     first_name="Anaïs")
CPAS = Cpas("CPAS de Namur", "0403019261", "92094", "Namur")
FOREM = Partner(id="forem", organisation=Organisation("Forem"), kind="employment_office",
                share=Decimal(60), hours_planned=Decimal(72), hours_performed=Decimal(72))
ASBL = Partner(id="asbl", organisation=Organisation("ASBL Trajet"), share=Decimal(40),
               hours_planned=Decimal(48), hours_performed=Decimal(48))


def _good(**changes: Any) -> PartnershipConvention:
    """120 hours done by two partners at 60/40, each claiming its balance (150/100 €)."""
    base: dict[str, Any] = {
        "beneficiary": BENEFICIARY,
        "beneficiary_status": BeneficiaryStatus.FINANCIAL_SOCIAL_AID,
        "cpas": CPAS,
        "partners": (FOREM, ASBL),
        "concluded_on": dt.date(2013, 3, 1),
        "plan_end": dt.date(2013, 12, 31),
        "hours_planned": Decimal(120),
        "hours_performed": Decimal(120),
        "methods": (GuidanceMethod.JOB_COACHING,),
        "ended_on": dt.date(2013, 11, 30),
        "claims": (
            ClaimDeclaration(partner_id="forem", declared_on="2013-12-05", amount="150.00"),
            ClaimDeclaration(partner_id="asbl", declared_on="2013-12-09", amount="100.00"),
        ),
    }
    base.update(changes)
    return PartnershipConvention(**base)


def _report(conv: PartnershipConvention, today: dt.date | None = None) -> Report:
    return check(conv, today=today)


def test_compliant_convention_has_no_findings() -> None:
    assert _report(_good(), today=dt.date(2014, 2, 1)).findings == ()


def test_every_rule_has_a_test_here() -> None:
    codes = {r.code for r in rules_for(PartnershipConvention)}
    tested = {name for name in globals() if name.startswith("test_part_")}
    assert len(tested) == len(codes)


def test_part_date_001_amounts_in_force_from_4_november_2012() -> None:
    """The amended AR 23/09/2004 applies from 4 November 2012 (AR 08/10/2012)."""
    old = _good(concluded_on="2012-11-03")
    report = _report(old)
    (finding,) = report.by_code("PART-DATE-001")
    assert finding.severity is Severity.WARNING
    assert "03/11/2012" in finding.text("fr")
    assert "CPAS-PARAM-001" in report.codes()  # the amount rules could not be checked
    assert "PART-DATE-001" not in _report(_good(concluded_on="2012-11-04")).codes()


def test_part_date_002_plan_ends_after_conclusion() -> None:
    """The individual plan runs from the conclusion on (circular of 31/01/2013)."""
    backwards = _good(plan_end="2013-02-28", ended_on="2013-02-27", claims=())
    paths = [f.path for f in _report(backwards).by_code("PART-DATE-002")]
    assert paths == ["$.plan_end", "$.ended_on"]
    assert "PART-DATE-002" not in _report(_good(plan_end="2013-03-01", ended_on=None,
                                                claims=())).codes()


def test_part_stat_001_beneficiary_status() -> None:
    """For beneficiaries of the revenu d'intégration or financial social aid (AR
    23/09/2004 as amended; circular of 31/01/2013)."""
    other = _good(beneficiary_status=BeneficiaryStatus.OTHER)
    (finding,) = _report(other).by_code("PART-STAT-001")
    assert "leefloon" in finding.text("nl")
    ri = _good(beneficiary_status=BeneficiaryStatus.SOCIAL_INTEGRATION_INCOME)
    assert "PART-STAT-001" not in _report(ri).codes()


def test_part_meth_001_guidance_method() -> None:
    """Active job search and/or job coaching, validated by the CPAS (circular 31/01/2013)."""
    assert _report(_good(methods=())).by_code("PART-METH-001")[0].path == "$.methods"
    assert "PART-METH-001" not in _report(_good()).codes()


def test_part_cpas_001_cpas_keeps_a_partner() -> None:
    """The CPAS may take more than 50 % of the hours but must keep at least one other
    partner to be reimbursed (circular of 31/01/2013)."""
    own = Partner(id="cpas", organisation=Organisation("CPAS de Namur"), kind=PartnerKind.CPAS,
                  share=Decimal(100))
    alone = _good(partners=(own,), claims=())
    assert "PART-CPAS-001" in _report(alone).codes()
    mostly = _good(partners=(attrs.evolve(own, share=Decimal(90)),
                             attrs.evolve(ASBL, share=Decimal(10))), claims=())
    assert "PART-CPAS-001" not in _report(mostly).codes()


def test_part_share_001_shares_add_up_to_100() -> None:
    """The intervention is split by each one's share as fixed in the convention
    (circular of 31/01/2013)."""
    wrong = _good(partners=(FOREM, attrs.evolve(ASBL, share=Decimal("39.99"))), claims=())
    (finding,) = _report(wrong).by_code("PART-SHARE-001")
    assert "99,99 %" in finding.text("fr")
    assert "PART-SHARE-001" not in _report(_good()).codes()


def test_part_hrs_001_planned_hours_reach_50() -> None:
    """250 € from 50 hours of guidance (AR 23/09/2004 art. 3 as amended by AR 08/10/2012)."""
    few = _good(hours_planned=Decimal("49.5"), partners=(attrs.evolve(FOREM, hours_planned=None),
                                                         ASBL))
    (finding,) = _report(few).by_code("PART-HRS-001")
    assert "49.5" in finding.text("en") and "50" in finding.text("en")
    fifty = attrs.evolve(few, hours_planned=Decimal(50))
    assert "PART-HRS-001" not in _report(fifty).codes()


def test_part_hrs_002_partner_hours_add_up() -> None:
    """Hours per partner add up to the convention's (circular of 31/01/2013)."""
    wrong = _good(partners=(attrs.evolve(FOREM, hours_performed=Decimal(70)), ASBL))
    (finding,) = _report(wrong).by_code("PART-HRS-002")
    assert finding.path == "$.hours_performed"
    unknown = _good(partners=(attrs.evolve(FOREM, hours_performed=None), ASBL))
    assert "PART-HRS-002" not in _report(unknown).codes()


def test_part_hrs_003_hours_performed_earn_the_agreed_amount() -> None:
    """100 hours agreed (500 €) but 60 performed and no job: 250 € (AR 23/09/2004 art. 3)."""
    short = _good(hours_performed=Decimal(60), partners=(
        attrs.evolve(FOREM, hours_performed=None), ASBL), claims=())
    (finding,) = _report(short).by_code("PART-HRS-003")
    assert "250,00" in finding.text("fr") and "500,00" in finding.text("fr")
    running = attrs.evolve(short, ended_on=None)
    assert "PART-HRS-003" not in _report(running, today=dt.date(2013, 12, 31)).codes()
    assert "PART-HRS-003" in _report(running, today=dt.date(2014, 1, 1)).codes()
    employed = attrs.evolve(short, employment_contract_on=dt.date(2013, 11, 1))
    assert "PART-HRS-003" not in _report(employed).codes()


def test_part_emp_001_employment_within_the_plan() -> None:
    """500 € if the person gets a job before the individual plan ends (AR 23/09/2004 art. 3
    as amended; circular of 31/01/2013)."""
    after = _good(employment_contract_on="2014-01-06")
    (finding,) = _report(after).by_code("PART-EMP-001")
    assert "06/01/2014" in finding.text("nl")
    inside = _good(employment_contract_on="2013-11-30")
    assert "PART-EMP-001" not in _report(inside).codes()


def test_part_claim_001_balance_claimed_after_the_end() -> None:
    """The balance is paid on the déclaration de créance when the convention ends, or on
    an earlier employment contract (circular of 31/01/2013)."""
    early = _good(claims=(ClaimDeclaration(partner_id="forem", declared_on="2013-11-29",
                                           amount="150.00"),))
    assert _report(early).by_code("PART-CLAIM-001")[0].path == "$.claims[0].declared_on"
    employed = _good(hours_performed=Decimal(30), employment_contract_on="2013-06-03",
                     partners=(attrs.evolve(FOREM, hours_performed=None), ASBL),
                     claims=(ClaimDeclaration(partner_id="forem", declared_on="2013-06-03",
                                              amount="150.00"),))
    assert "PART-CLAIM-001" not in _report(employed).codes()


def test_part_claim_002_claim_from_a_partner() -> None:
    """Déclarations de créance come from the convention's partners (circular 31/01/2013)."""
    stranger = _good(claims=(ClaimDeclaration(partner_id="nobody", declared_on="2013-12-05",
                                              amount="150.00"),))
    (finding,) = _report(stranger).by_code("PART-CLAIM-002")
    assert "nobody" in finding.text("en")
    assert "PART-CLAIM-002" not in _report(_good()).codes()


def test_part_claim_003_claimed_amount_matches_the_split() -> None:
    """Two partners at 60/40 of 500 €, 250 € advanced: balances 150 € and 100 € (circular
    of 31/01/2013); the ASBL claiming 200 € is wrong."""
    greedy = _good(claims=(
        ClaimDeclaration(partner_id="forem", declared_on="2013-12-05", amount="150.00"),
        ClaimDeclaration(partner_id="asbl", declared_on="2013-12-09", amount="200.00"),
    ))
    (finding,) = _report(greedy).by_code("PART-CLAIM-003")
    assert finding.path == "$.partners[1]"
    assert "100,00" in finding.text("fr") and "200,00" in finding.text("fr")
    split_claims = _good(claims=(
        ClaimDeclaration(partner_id="forem", declared_on="2013-12-05", amount="150.00"),
        ClaimDeclaration(partner_id="asbl", declared_on="2013-12-09", amount="60.00"),
        ClaimDeclaration(partner_id="asbl", declared_on="2013-12-10", amount="40.00"),
    ))
    assert "PART-CLAIM-003" not in _report(split_claims).codes()
    employed_early = _good(
        hours_planned=Decimal(60), hours_performed=Decimal(20),
        partners=(attrs.evolve(FOREM, hours_planned=None, hours_performed=None),
                  attrs.evolve(ASBL, hours_planned=None, hours_performed=None)),
        ended_on="2013-05-02", employment_contract_on="2013-05-02",
        claims=(ClaimDeclaration(partner_id="forem", declared_on="2013-05-10",
                                 amount=Money("225.00")),
                ClaimDeclaration(partner_id="asbl", declared_on="2013-05-10",
                                 amount=Money("150.00"))))
    assert _report(employed_early).findings == ()


@settings(max_examples=80, deadline=None)
@given(partnership_conventions())
def test_checking_never_raises(conv: PartnershipConvention) -> None:
    """Any convention that can be built can be checked; every finding has FR and NL text."""
    for finding in check(conv, today=dt.date(2033, 1, 1)):
        assert finding.path.startswith("$")
        assert finding.text("fr") and finding.text("nl")
