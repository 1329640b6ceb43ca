"""Rule checks of the bilan social: one violating and one compliant case per rule."""

from __future__ import annotations

import datetime as dt

import attrs

from cpas.sdk import LifeDomain, LocalPolicy, Report, Severity, Text, check
from cpas.sdk.documents.bilan import (
    ActionItem,
    ActionParty,
    AssessmentMoment,
    BilanSocial,
    DomainAssessment,
)
from cpas.sdk.rules import rules_for
from strategies_bilan import sample_bilan

START = AssessmentMoment.START
MIDDLE = AssessmentMoment.INTERMEDIATE
END = AssessmentMoment.END


def _with_assessments(*extra: DomainAssessment, bilan: BilanSocial | None = None) -> BilanSocial:
    base = bilan or sample_bilan()
    return attrs.evolve(base, assessments=base.assessments + extra)


def _with_items(*extra: ActionItem, bilan: BilanSocial | None = None) -> BilanSocial:
    base = bilan or sample_bilan()
    return attrs.evolve(base, action_plan=base.action_plan + extra)


def _assessment(domain: str, moment: AssessmentMoment, day: dt.date,
                needs: tuple[str, ...] = ()) -> DomainAssessment:
    return DomainAssessment(domain=domain, moment=moment, assessed_on=day,
                            situation="Situation décrite", needs=needs)


def _only(report: Report, code: str) -> tuple[str, ...]:
    return tuple(f.path for f in report.by_code(code))


def test_sample_bilan_has_no_finding() -> None:
    assert check(sample_bilan()).findings == ()


def test_every_bilan_rule_cites_the_law_in_three_languages() -> None:
    infos = [info for info in rules_for(BilanSocial) if info.code.startswith("BILAN-")]
    assert len(infos) == 13
    for info in infos:
        assert info.legal
        assert info.message.fr and info.message.nl and info.message.en


# --- BILAN-ASSESS-001 ----------------------------------------------------------------------


def test_assessment_of_unknown_domain_is_an_error() -> None:
    """AR DIS 11/07/2002 art. 11 §1; domain.md, Bilan social: domains come from the policy."""
    bilan = _with_assessments(_assessment("jardinage", MIDDLE, dt.date(2024, 5, 1)))
    (finding,) = check(bilan).by_code("BILAN-ASSESS-001")
    assert finding.severity is Severity.ERROR
    assert finding.path == "$.assessments[10].domain"
    assert "jardinage" in finding.text("nl")


def test_assessment_of_a_domain_of_a_local_list_is_accepted() -> None:
    """A CPAS may use its own list of life domains (domain.md, Bilan social)."""
    policy = LocalPolicy(life_domains=(
        *LocalPolicy().life_domains, LifeDomain("garden", Text(fr="Jardin", nl="Tuin"))))
    bilan = _with_assessments(_assessment("garden", START, dt.date(2024, 3, 1)))
    assert not check(bilan, policy=policy).by_code("BILAN-ASSESS-001")


# --- BILAN-ASSESS-002 ----------------------------------------------------------------------


def test_start_assessment_missing_a_domain_is_a_warning() -> None:
    """AR DIS art. 11 §1; CPAS Saint-Gilles: progress over all life domains (domain.md)."""
    base = sample_bilan()
    bilan = attrs.evolve(base, assessments=tuple(
        a for a in base.assessments if a.domain != "mobility"))
    (finding,) = check(bilan).by_code("BILAN-ASSESS-002")
    assert finding.severity is Severity.WARNING
    assert finding.path == "$.assessments"
    assert finding.text("fr") == "Le bilan de départ n'évalue pas le domaine « Mobilité »."
    assert finding.text("nl") == "De beginmeting behandelt het domein ‘Mobiliteit’ niet."


def test_start_assessment_covering_every_domain_passes() -> None:
    """Only start assessments count; the sample covers all ten default domains."""
    assert not check(sample_bilan()).by_code("BILAN-ASSESS-002")


def test_no_coverage_needed_when_no_new_assessment_is_made() -> None:
    """Return after less than 3 months of work: no new bilan (SPP IS FAQ; domain.md)."""
    bilan = sample_bilan(assessments=(), no_new_assessment_reason="Retour après 2 mois de travail",
                         previous_piis_id="piis-0")
    assert not check(bilan).by_code("BILAN-ASSESS-002")


# --- BILAN-ASSESS-003 ----------------------------------------------------------------------


def test_two_assessments_of_a_domain_at_one_moment_is_an_error() -> None:
    """Three distinct moments per domain (CPAS Saint-Gilles; domain.md, Bilan social)."""
    bilan = _with_assessments(_assessment("housing", START, dt.date(2024, 3, 2)))
    (finding,) = check(bilan).by_code("BILAN-ASSESS-003")
    assert finding.path == "$.assessments[10]"
    assert "Logement" in finding.text("fr")


def test_same_domain_at_different_moments_passes() -> None:
    bilan = _with_assessments(_assessment("housing", MIDDLE, dt.date(2024, 6, 1)),
                              _assessment("housing", END, dt.date(2024, 12, 1)))
    assert not check(bilan).by_code("BILAN-ASSESS-003")


# --- BILAN-ASSESS-004 ----------------------------------------------------------------------


def test_end_assessment_before_start_is_an_error() -> None:
    """Start, intermediate, end in that order (CPAS Saint-Gilles; domain.md, Bilan social)."""
    bilan = _with_assessments(_assessment("housing", END, dt.date(2024, 2, 1)))
    (finding,) = check(bilan).by_code("BILAN-ASSESS-004")
    assert finding.path == "$.assessments[10].assessed_on"
    assert "01/02/2024" in finding.text("fr")
    assert "01/03/2024" in finding.text("fr")


def test_end_assessment_before_intermediate_is_an_error() -> None:
    bilan = _with_assessments(_assessment("work", MIDDLE, dt.date(2024, 8, 1)),
                              _assessment("work", END, dt.date(2024, 7, 1)))
    assert _only(check(bilan), "BILAN-ASSESS-004") == ("$.assessments[11].assessed_on",)


def test_later_moments_in_order_pass() -> None:
    bilan = _with_assessments(_assessment("work", MIDDLE, dt.date(2024, 8, 1)),
                              _assessment("work", END, dt.date(2024, 8, 1)))
    assert not check(bilan).by_code("BILAN-ASSESS-004")


# --- BILAN-ASSESS-005 ----------------------------------------------------------------------


def test_start_assessment_after_the_bilan_date_is_an_error() -> None:
    """The needs are assessed before the PIIS (AR DIS 11/07/2002 art. 11 §1; domain.md)."""
    bilan = sample_bilan(drawn_up_on=dt.date(2024, 2, 28))
    report = check(bilan)
    assert len(report.by_code("BILAN-ASSESS-005")) == 10
    assert report.by_code("BILAN-ASSESS-005")[0].path == "$.assessments[0].assessed_on"


def test_start_assessment_on_the_bilan_date_passes() -> None:
    bilan = sample_bilan(drawn_up_on=dt.date(2024, 3, 1))
    assert not check(bilan).by_code("BILAN-ASSESS-005")


# --- BILAN-PLAN-001 ------------------------------------------------------------------------


def test_action_on_unknown_domain_is_an_error() -> None:
    """Action items are linked to the life domains (Kortrijk; AR DIS art. 11 §1; domain.md)."""
    bilan = _with_items(ActionItem(domains=("social", "jardinage"), description="Potager",
                                   party=ActionParty.BENEFICIARY))
    (finding,) = check(bilan).by_code("BILAN-PLAN-001")
    assert finding.path == "$.action_plan[3].domains[1]"


def test_action_on_known_domains_passes() -> None:
    bilan = _with_items(ActionItem(domains=("social", "autonomy"), description="Potager",
                                   party=ActionParty.BENEFICIARY))
    assert not check(bilan).by_code("BILAN-PLAN-001")


# --- BILAN-PLAN-002 ------------------------------------------------------------------------


def test_action_without_domain_is_an_error() -> None:
    """The PIIS states its domains of action (AR 03/10/2016; domain.md, PIIS)."""
    bilan = _with_items(ActionItem(domains=(), description="Sans domaine",
                                   party=ActionParty.CPAS))
    (finding,) = check(bilan).by_code("BILAN-PLAN-002")
    assert finding.path == "$.action_plan[3].domains"
    assert "Sans domaine" in finding.text("en")


def test_action_with_a_domain_passes() -> None:
    assert not check(sample_bilan()).by_code("BILAN-PLAN-002")


# --- BILAN-PLAN-003 ------------------------------------------------------------------------


def test_piis_action_without_deadline_is_an_error() -> None:
    """The PIIS states deadlines (AR 03/10/2016; domain.md, PIIS "Content")."""
    bilan = _with_items(ActionItem(domains=("health",), description="Bilan médical",
                                   party=ActionParty.BENEFICIARY, for_piis=True))
    (finding,) = check(bilan).by_code("BILAN-PLAN-003")
    assert finding.severity is Severity.ERROR
    assert finding.path == "$.action_plan[3].deadline"


def test_action_not_for_piis_may_lack_a_deadline() -> None:
    """Item a3 of the sample has no deadline and is not flagged for the PIIS."""
    bilan = sample_bilan()
    assert bilan.action_plan[2].deadline is None
    assert not check(bilan).by_code("BILAN-PLAN-003")


# --- BILAN-PLAN-004 ------------------------------------------------------------------------


def _unflagged(bilan: BilanSocial) -> BilanSocial:
    return attrs.evolve(bilan, action_plan=tuple(
        attrs.evolve(item, for_piis=False) for item in bilan.action_plan))


def test_bilan_preparing_a_piis_without_piis_action_is_a_warning() -> None:
    """The bilan proposes the PIIS actions (AR DIS art. 11 §1; Kortrijk; domain.md)."""
    (finding,) = check(_unflagged(sample_bilan())).by_code("BILAN-PLAN-004")
    assert finding.severity is Severity.WARNING
    assert finding.path == "$.action_plan"


def test_follow_up_bilan_needs_no_piis_action() -> None:
    """A bilan at the yearly extension of aid (Kortrijk) does not prepare a PIIS."""
    bilan = _unflagged(sample_bilan(prepares_piis=False))
    assert not check(bilan).by_code("BILAN-PLAN-004")
    assert not check(sample_bilan()).by_code("BILAN-PLAN-004")


# --- BILAN-PLAN-005 ------------------------------------------------------------------------


def test_needs_without_action_are_a_warning() -> None:
    """The bilan identifies needs and proposes actions (AR DIS art. 11 §1; domain.md)."""
    bilan = _with_assessments(
        _assessment("health", MIDDLE, dt.date(2024, 6, 1), needs=("Suivi dentaire",)),
        _assessment("health", END, dt.date(2024, 12, 1), needs=("Suivi dentaire",)))
    (finding,) = check(bilan).by_code("BILAN-PLAN-005")
    assert finding.path == "$.assessments[10].needs"
    assert "Fysieke en mentale gezondheid" in finding.text("nl")


def test_needs_with_an_action_pass() -> None:
    bilan = _with_items(
        ActionItem(domains=("health",), description="Rendez-vous chez le dentiste",
                   party=ActionParty.BENEFICIARY),
        bilan=_with_assessments(
            _assessment("health", MIDDLE, dt.date(2024, 6, 1), needs=("Suivi dentaire",))))
    assert not check(bilan).by_code("BILAN-PLAN-005")


# --- BILAN-PLAN-006 ------------------------------------------------------------------------


def test_deadline_before_the_bilan_is_a_warning() -> None:
    """Actions are planned ahead with deadlines (AR 03/10/2016; domain.md, Bilan social)."""
    bilan = _with_items(ActionItem(domains=("income",), description="Plan de paiement",
                                   party=ActionParty.CPAS, deadline=dt.date(2024, 3, 4)))
    (finding,) = check(bilan).by_code("BILAN-PLAN-006")
    assert finding.path == "$.action_plan[3].deadline"
    assert finding.text("fr") == ("L'échéance de l'action « Plan de paiement » (04/03/2024) "
                                  "précède la date du bilan (05/03/2024).")


def test_deadline_on_the_bilan_date_passes() -> None:
    bilan = _with_items(ActionItem(domains=("income",), description="Plan de paiement",
                                   party=ActionParty.CPAS, deadline=dt.date(2024, 3, 5)))
    assert not check(bilan).by_code("BILAN-PLAN-006")


# --- BILAN-PLAN-007 ------------------------------------------------------------------------


def test_duplicate_action_id_is_an_error() -> None:
    """PIIS objectives refer to action items by id (Kortrijk; domain.md, Bilan social)."""
    bilan = _with_items(ActionItem(id="a1", domains=("income",), description="Doublon",
                                   party=ActionParty.CPAS))
    assert _only(check(bilan), "BILAN-PLAN-007") == ("$.action_plan[3].id",)


def test_distinct_action_ids_pass() -> None:
    assert not check(sample_bilan()).by_code("BILAN-PLAN-007")


# --- BILAN-REUSE-001 -----------------------------------------------------------------------


def test_no_new_assessment_without_previous_piis_is_a_warning() -> None:
    """No new bilan after less than 3 months of work, PIIS re-actualised (SPP IS FAQ)."""
    bilan = sample_bilan(no_new_assessment_reason="Retour après 2 mois de travail")
    assert _only(check(bilan), "BILAN-REUSE-001") == ("$.previous_piis_id",)


def test_no_new_assessment_naming_the_previous_piis_passes() -> None:
    bilan = sample_bilan(no_new_assessment_reason="Retour après 2 mois de travail",
                         previous_piis_id="piis-0")
    assert not check(bilan).by_code("BILAN-REUSE-001")
