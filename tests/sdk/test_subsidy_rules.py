"""Rule checks of subsidy conventions "participation et activation sociale".

Each rule has a violating and a compliant case; sources are cited per test (domain.md,
"Subsidy conventions").
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import attrs
from hypothesis import given, settings

from cpas.sdk import Cpas, Money, Report, Severity, Signature, SignerRole, check
from cpas.sdk.documents.subsidy import (
    ConventionKind,
    Expense,
    Indicators,
    Objective,
    SectionAmount,
    SubsidyConvention,
    SubsidySignature,
)
from cpas.sdk.rules import rules_for
from strategies_conventions import subsidy_conventions

LIEGE = Cpas("CPAS de Liège", "0403019261", "62063", "Liège")
HUY = Cpas("CPAS de Huy", "0428759497", "61031", "Huy")


def _sig(role: SignerRole, day: str, cpas: Cpas | None = None) -> SubsidySignature:
    return SubsidySignature(signature=Signature(role, "Signataire", day),
                            cpas_kbo=None if cpas is None else cpas.kbo)


def _expenses(year: int = 2018) -> tuple[Expense, ...]:
    """Eligible: A 4 500 + 400 = 4 900 €; B 4 000 + 300 = 4 300 €; C 2 500 + 400 = 2 900 €."""
    return (
        Expense(category="operating", description="Tickets culture", amount="4500",
                section="social_participation"),
        Expense(category="staff", description="Assistante sociale", amount="40000",
                staff_time_percent="1", section="social_participation"),
        Expense(category="staff", description="Animateur", amount="40000",
                staff_time_percent="10", section="collective_modules"),
        Expense(category="operating", description="Atelier mixte", amount="1000",
                target_group_participants=6, participants=20, section="collective_modules"),
        Expense(category="operating", description="Stages d'été", amount="2500",
                section="child_poverty"),
        Expense(category="investment", description="Jeux éducatifs", amount="400",
                section="child_poverty"),
    )


def _good(**changes: Any) -> SubsidyConvention:
    """A 2018 convention that breaks no rule."""
    base: dict[str, Any] = {
        "year": 2018,
        "kind": ConventionKind.LARGE_CITY,
        "members": (LIEGE,),
        "amount": Money("10000.00"),
        "sections": (SectionAmount(section="social_participation", amount="4000"),
                     SectionAmount(section="collective_modules", amount="4000"),
                     SectionAmount(section="child_poverty", amount="2000")),
        "objectives": (Objective(description="Rompre l'isolement des bénéficiaires"),
                       Objective(description="Personnes dans un module collectif", target=80)),
        "signatures": (_sig(SignerRole.PRESIDENT, "2018-09-03"),
                       _sig(SignerRole.DIRECTEUR_GENERAL, "2018-09-04"),
                       _sig(SignerRole.MINISTER, "2018-10-01")),
        "expenses": _expenses(),
        "indicators": Indicators(beneficiaries=120, social_integration_entitled=90,
                                 in_trajectory=60,
                                 social_integration_entitled_percent=Decimal(75),
                                 in_trajectory_percent=Decimal(50)),
    }
    base.update(changes)
    return SubsidyConvention(**base)


def _cluster(**changes: Any) -> SubsidyConvention:
    signatures = (
        _sig(SignerRole.PRESIDENT, "2018-09-03", LIEGE),
        _sig(SignerRole.DIRECTEUR_GENERAL, "2018-09-03", LIEGE),
        _sig(SignerRole.PRESIDENT, "2018-09-05", HUY),
        _sig(SignerRole.DIRECTEUR_GENERAL, "2018-09-06", HUY),
        _sig(SignerRole.MINISTER, "2018-10-01"),
    )
    base: dict[str, Any] = {"kind": ConventionKind.CLUSTER, "members": (LIEGE, HUY),
                            "signatures": signatures}
    base.update(changes)
    return _good(**base)


def _report(conv: SubsidyConvention, today: dt.date | None = None) -> Report:
    return check(conv, today=today)


def test_compliant_conventions_have_no_findings() -> None:
    """The reference conventions (one CPAS, a cluster; 2015, 2018) break no rule."""
    assert _report(_good()).findings == ()
    assert _report(_cluster(), today=dt.date(2019, 3, 1)).findings == ()
    old = _good(year=2015, sections=(), signatures=(
        _sig(SignerRole.PRESIDENT, "2015-09-03"), _sig(SignerRole.DIRECTEUR_GENERAL, "2015-09-04"),
        _sig(SignerRole.MINISTER, "2015-11-15")),
        expenses=(Expense(category="operating", description="Ateliers", amount="10000.01"),))
    assert _report(old).findings == ()


def test_every_rule_has_a_test_here() -> None:
    codes = {r.code for r in rules_for(SubsidyConvention)}
    tested = {name for name in globals() if name.startswith("test_sub_")}
    assert len(tested) == len(codes)


# --- Members --------------------------------------------------------------------------------


def test_sub_memb_001_cluster_has_two_members() -> None:
    """A cluster groups at least 2 CPAS (AR 27/03/2015; instructions 25/06/2015)."""
    one = _cluster(members=(LIEGE,), signatures=_good().signatures)
    (finding,) = _report(one).by_code("SUB-MEMB-001")
    assert finding.path == "$.members"
    assert "au moins 2 CPAS" in finding.text("fr")
    assert "SUB-MEMB-001" not in _report(_cluster()).codes()


def test_sub_memb_002_large_city_is_one_cpas() -> None:
    """A large-city convention is with one CPAS (AR 27/03/2015: 37 large cities)."""
    two = _cluster(kind=ConventionKind.LARGE_CITY)
    assert _report(two).by_code("SUB-MEMB-002")[0].severity is Severity.WARNING
    assert "SUB-MEMB-002" not in _report(_good()).codes()


def test_sub_memb_003_member_listed_once() -> None:
    """Each member CPAS once (AR 27/03/2015)."""
    twice = _cluster(members=(LIEGE, LIEGE))
    assert _report(twice).by_code("SUB-MEMB-003")[0].path == "$.members[1].kbo"
    assert "SUB-MEMB-003" not in _report(_cluster()).codes()


# --- Objectives -----------------------------------------------------------------------------


def test_sub_obj_001_qualitative_and_quantitative_objectives() -> None:
    """SPP IS advises the minister on qualitative and quantitative objectives
    (instructions 25/06/2015; working group 13/10/2015)."""
    only_text = _good(objectives=(Objective(description="Participation sociale"),))
    (finding,) = _report(only_text).by_code("SUB-OBJ-001")
    assert "quantitatif" in finding.text("fr")
    assert "kwantitatieve" in finding.text("nl")
    assert "SUB-OBJ-001" not in _report(_good()).codes()


# --- Signatures -----------------------------------------------------------------------------


def test_sub_sign_001_only_cpas_officers_and_minister_sign() -> None:
    """Signatories: CPAS president and directeur général, then the minister
    (instructions 25/06/2015)."""
    stray = _good(signatures=(*_good().signatures, _sig(SignerRole.SOCIAL_WORKER, "2018-09-05")))
    (finding,) = _report(stray).by_code("SUB-SIGN-001")
    assert finding.path == "$.signatures[3].signature.role"
    assert "SUB-SIGN-001" not in _report(_good()).codes()


def test_sub_sign_002_cpas_signature_for_a_member() -> None:
    """A CPAS signature is given for a CPAS party to the convention (instructions 25/06/2015)."""
    foreign = _good(signatures=(_sig(SignerRole.PRESIDENT, "2018-09-03", HUY),
                                *_good().signatures[1:]))
    (finding,) = _report(foreign).by_code("SUB-SIGN-002")
    assert finding.path == "$.signatures[0].cpas_kbo"
    assert "0428.759.497" in finding.text("en")
    assert "SUB-SIGN-002" not in _report(_cluster()).codes()


def test_sub_sign_003_cpas_signatures_warning_then_error_after_15_november() -> None:
    """President and directeur général of every CPAS sign; all by 15 November
    (working group 13/10/2015)."""
    cluster = _cluster()
    missing = attrs.evolve(cluster, signatures=cluster.signatures[:3] + cluster.signatures[4:])
    (early,) = _report(missing, today=dt.date(2018, 11, 15)).by_code("SUB-SIGN-003")
    assert early.severity is Severity.WARNING
    assert "CPAS de Huy" in early.text("nl")
    assert "15/11/2018" in early.text("fr")
    (late,) = _report(missing, today=dt.date(2018, 11, 16)).by_code("SUB-SIGN-003")
    assert late.severity is Severity.ERROR
    assert "SUB-SIGN-003" not in _report(cluster, today=dt.date(2018, 12, 1)).codes()


def test_sub_sign_004_minister_signs() -> None:
    """Stage 2: the minister signs (instructions 25/06/2015); error once 15 November passed."""
    unsigned = _good(signatures=_good().signatures[:2])
    assert _report(unsigned).by_code("SUB-SIGN-004")[0].severity is Severity.WARNING
    assert _report(unsigned, dt.date(2019, 1, 2)).by_code("SUB-SIGN-004")[0].severity \
        is Severity.ERROR
    assert "SUB-SIGN-004" not in _report(_good()).codes()


def test_sub_sign_005_minister_signs_last() -> None:
    """The minister signs after the CPAS president and directeur général (procedure of the
    instructions 25/06/2015, working group 13/10/2015)."""
    early = _good(signatures=(_sig(SignerRole.PRESIDENT, "2018-09-03"),
                              _sig(SignerRole.DIRECTEUR_GENERAL, "2018-10-02"),
                              _sig(SignerRole.MINISTER, "2018-10-01")))
    (finding,) = _report(early).by_code("SUB-SIGN-005")
    assert finding.path == "$.signatures[2].signature.signed_on"
    assert "(1 " in finding.text("en")
    same_day = _good(signatures=(_sig(SignerRole.PRESIDENT, "2018-10-01"),
                                 _sig(SignerRole.DIRECTEUR_GENERAL, "2018-10-01"),
                                 _sig(SignerRole.MINISTER, "2018-10-01")))
    assert "SUB-SIGN-005" not in _report(same_day).codes()


def test_sub_sign_006_signatures_by_15_november() -> None:
    """All signatures by 15 November, for the advance to be paid within the budget year
    (working group 13/10/2015; parameter subsidy.signature_deadline)."""
    late = _good(signatures=(*_good().signatures[:2], _sig(SignerRole.MINISTER, "2018-11-16")))
    (finding,) = _report(late).by_code("SUB-SIGN-006")
    assert "16/11/2018" in finding.text("fr") and "15/11/2018" in finding.text("fr")
    on_time = _good(signatures=(*_good().signatures[:2], _sig(SignerRole.MINISTER, "2018-11-15")))
    assert "SUB-SIGN-006" not in _report(on_time).codes()


def test_sub_sign_007_each_role_signs_once() -> None:
    """One signature per role and party (instructions 25/06/2015)."""
    twice = _good(signatures=(*_good().signatures, _sig(SignerRole.PRESIDENT, "2018-09-05")))
    assert _report(twice).by_code("SUB-SIGN-007")[0].path == "$.signatures[3]"
    assert "SUB-SIGN-007" not in _report(_cluster()).codes()


# --- Sections -------------------------------------------------------------------------------


def test_sub_sect_001_sections_add_up_to_amount() -> None:
    """From 2017 the amount is split over sections A, B, C (PAS royal decree, annex)."""
    short = _good(sections=_good().sections[:2])
    (finding,) = _report(short).by_code("SUB-SECT-001")
    assert "8\u202f000,00\xa0€" in finding.text("fr")
    assert "SUB-SECT-001" not in _report(_good()).codes()
    assert "SUB-SECT-001" not in _report(_good(year=2016, sections=())).codes()


def test_sub_sect_002_expense_in_a_funded_section() -> None:
    """From 2017 expenses are justified per section (PAS royal decree)."""
    loose = _good(expenses=(*_expenses(), Expense(category="operating", description="Divers",
                                                  amount="10")))
    assert _report(loose).by_code("SUB-SECT-002")[0].path == "$.expenses[6].section"
    assert "SUB-SECT-002" not in _report(_good()).codes()


# --- Justification --------------------------------------------------------------------------


def test_sub_just_001_justify_more_than_granted() -> None:
    """Justify more than the amount granted: residual balances are redistributed
    (AR PAS 2017 art. 8; working group 22/06/2017)."""
    exact = _good(year=2016, sections=(), expenses=(
        Expense(category="operating", description="Ateliers", amount="10000"),))
    (finding,) = _report(exact).by_code("SUB-JUST-001")
    assert finding.severity is Severity.WARNING
    above = attrs.evolve(exact, expenses=(
        Expense(category="operating", description="Ateliers", amount="10000.01"),))
    assert "SUB-JUST-001" not in _report(above).codes()
    assert "SUB-JUST-001" not in _report(_good(expenses=())).codes()


def test_sub_just_002_each_section_justified() -> None:
    """A section cannot be made up by another (PAS royal decree from 2017)."""
    lines = tuple(e for e in _expenses() if e.description != "Stages d'été")  # C: 400 € left
    (finding,) = _report(_good(expenses=lines)).by_code("SUB-JUST-002")
    assert finding.path == "$.sections[2].amount"
    assert "SUB-JUST-002" not in _report(_good()).codes()


def test_sub_inv_001_investment_not_eligible_2015_2017() -> None:
    """Investment costs (e.g. renovating premises) are not eligible (working group 22/06/2017)."""
    works = Expense(category="investment", description="Rénovation du local", amount="1200")
    conv = _good(year=2017, signatures=(), expenses=(works,))
    assert _report(conv).by_code("SUB-INV-001")[0].path == "$.expenses[0].category"
    operating = attrs.evolve(conv, expenses=(attrs.evolve(works, category="operating"),))
    assert "SUB-INV-001" not in _report(operating).codes()
    assert "SUB-INV-001" not in _report(attrs.evolve(conv, year=2018)).codes()


def test_sub_inv_002_investment_cap_from_2018() -> None:
    """From 2018 investments count up to 500 € excl. VAT for the CPAS's own investments
    together, and up to 500 € per person helped (SPP IS, PAS rules 2018; domain.md)."""
    def invest(amount: str, ref: str | None = None) -> Expense:
        return Expense(category="investment", description="Matériel", amount=amount,
                       section="child_poverty", person_ref=ref)

    base = _expenses()  # holds one CPAS investment of 400 €
    # For one person: 500.01 € is over the cap, 500 € is not.
    (finding,) = _report(_good(expenses=(*base, invest("500.01", "d-9")))).by_code("SUB-INV-002")
    assert finding.path == f"$.expenses[{len(base)}].amount"
    assert "500,00" in finding.text("fr") and "500,01" in finding.text("fr")
    assert "SUB-INV-002" not in _report(_good(expenses=(*base, invest("500", "d-9")))).codes()
    # The CPAS: 400 € + 100 € reaches the cap; 400 € + 100.01 € is over it.
    assert "SUB-INV-002" not in _report(_good(expenses=(*base, invest("100")))).codes()
    (cpas,) = _report(_good(expenses=(*base, invest("100.01")))).by_code("SUB-INV-002")
    assert "OCMW" in cpas.text("nl") and "500,01" in cpas.text("nl")
    # Two persons at 450 € each, then 100 € more for the first: only d-1 is over (550 €).
    people = _report(_good(expenses=(*base, invest("450", "d-1"), invest("450", "d-2"),
                                     invest("100", "d-1"))))
    (over,) = people.by_code("SUB-INV-002")
    assert "'d-1'" in over.text("en") and "550.00" in over.text("en")
    assert over.path == f"$.expenses[{len(base) + 2}].amount"


def test_sub_staff_001_staff_cost_caps() -> None:
    """Staff costs: at most 10 % for sections A and C, up to 100 % for B (PAS from 2017)."""
    more = _good(expenses=tuple(
        attrs.evolve(e, staff_time_percent=Decimal("1.01"))
        if e.description == "Assistante sociale" else e for e in _expenses()))
    (finding,) = _report(more).by_code("SUB-STAFF-001")  # 404 € > 400 € in A
    assert finding.path == "$.sections[0]"
    assert "10 %" in finding.text("nl")
    assert "SUB-STAFF-001" not in _report(_good()).codes()  # A exactly 400 €, B exactly 100 %


def test_sub_staff_002_staff_time_share() -> None:
    """Staff costs are justified pro rata of time (working group 22/06/2017)."""
    no_share = Expense(category="staff", description="Coordinateur", amount="30000",
                       section="collective_modules")
    too_much = attrs.evolve(no_share, staff_time_percent=Decimal(101))
    report = _report(_good(expenses=(*_expenses(), no_share, too_much)))
    paths = [f.path for f in report.by_code("SUB-STAFF-002")]
    assert paths == ["$.expenses[6].staff_time_percent", "$.expenses[7].staff_time_percent"]
    assert "rien" in report.by_code("SUB-STAFF-002")[0].text("fr")
    full = attrs.evolve(no_share, staff_time_percent=Decimal(100), amount=Money(0))
    assert "SUB-STAFF-002" not in _report(_good(expenses=(*_expenses(), full))).codes()


def test_sub_mix_001_mixed_audience_counts() -> None:
    """Mixed audience: only the target group's share (6 of 20) is eligible (PAS rules)."""
    wrong = Expense(category="operating", description="Sortie", amount="100",
                    target_group_participants=21, participants=20, section="child_poverty")
    half = attrs.evolve(wrong, participants=None)
    report = _report(_good(expenses=(*_expenses(), wrong, half)))
    assert len(report.by_code("SUB-MIX-001")) == 2
    assert "SUB-MIX-001" not in _report(_good()).codes()


def test_sub_dbl_001_no_double_funding() -> None:
    """No double funding (SPP IS, PAS rules)."""
    double = Expense(category="operating", description="Colis", amount="100",
                     section="child_poverty", funded_elsewhere=True)
    assert _report(_good(expenses=(*_expenses(), double))).by_code("SUB-DBL-001")[0].path \
        == "$.expenses[6].funded_elsewhere"
    assert "SUB-DBL-001" not in _report(_good()).codes()


# --- Indicators -----------------------------------------------------------------------------


def test_sub_ind_001_subsets_within_total() -> None:
    """Those entitled to social integration and those in a trajectory are part of the
    beneficiaries counted once each (working group 22/06/2017)."""
    wrong = _good(indicators=Indicators(beneficiaries=50, social_integration_entitled=51,
                                        in_trajectory=50))
    (finding,) = _report(wrong).by_code("SUB-IND-001")
    assert finding.path == "$.indicators.social_integration_entitled"
    assert "SUB-IND-001" not in _report(_good()).codes()


def test_sub_ind_002_percentages_0_to_100() -> None:
    """Proportions may be given as percentages (working group 22/06/2017)."""
    wrong = _good(indicators=Indicators(in_trajectory_percent=Decimal("100.5")))
    assert _report(wrong).by_code("SUB-IND-002")[0].path == "$.indicators.in_trajectory_percent"
    right = _good(indicators=Indicators(in_trajectory_percent=Decimal(100)))
    assert "SUB-IND-002" not in _report(right).codes()


def test_sub_ind_003_percentages_match_numbers() -> None:
    """A percentage given with the numbers agrees with them (working group 22/06/2017):
    90 of 120 is 75 %, not 80 %; 74 % is within rounding."""
    wrong = _good(indicators=Indicators(beneficiaries=120, social_integration_entitled=90,
                                        social_integration_entitled_percent=Decimal(80)))
    (finding,) = _report(wrong).by_code("SUB-IND-003")
    assert "75.0 %" in finding.text("en")
    assert wrong.indicators is not None
    rounded = attrs.evolve(wrong, indicators=attrs.evolve(
        wrong.indicators, social_integration_entitled_percent=Decimal(74)))
    assert "SUB-IND-003" not in _report(rounded).codes()


# --- Robustness -----------------------------------------------------------------------------


def test_before_the_measure_rules_report_missing_parameters() -> None:
    """A 2014 convention: no dated parameter in force, reported as not checked, no crash."""
    report = _report(_good(year=2014, sections=(), signatures=()))
    assert "CPAS-PARAM-001" in report.codes()


@settings(max_examples=60, deadline=None)
@given(subsidy_conventions())
def test_checking_never_raises(conv: SubsidyConvention) -> None:
    """Any convention that can be built can be checked; every finding has FR and NL text."""
    for finding in check(conv, today=dt.date(2031, 1, 1)):
        assert finding.path.startswith("$")
        assert finding.text("fr") and finding.text("nl")
