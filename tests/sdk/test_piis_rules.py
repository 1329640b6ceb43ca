"""Rule checks of the PIIS: one violating and one compliant case per rule.

Figures in the assertions (3 months, 5 days, 3 and 2 evaluations a year, 4 before
the 2016 reform) are the ones of domain.md, "PIIS", written out here.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings

from cpas.sdk import LocalPolicy, Person, Report, Severity, Signature, SignerRole, check
from cpas.sdk.documents.piis import (
    ActivationPurpose,
    Amendment,
    ClosureReason,
    Commitment,
    CommitmentParty,
    Evaluation,
    EvaluationOutcome,
    ExemptionReason,
    Objective,
    ObjectiveResult,
    Piis,
    PiisStatus,
    PiisType,
)
from cpas.sdk.periods import DateRange
from cpas.sdk.rules.piis import evaluation_windows, is_mandatory, minimum_in_window
from strategies_piis import example_piis, piis_documents

D = dt.date
AFTER = D(2025, 3, 1)
"""A 'today' after the example PIIS ended (31/01/2025)."""


def _codes(piis: Piis, **options: object) -> frozenset[str]:
    return check(piis, **options).codes()  # type: ignore[arg-type]


def _one(report: Report, code: str) -> tuple[str, str, Severity]:
    (finding,) = report.by_code(code)
    return finding.path, finding.text("fr"), finding.severity


def _unsigned_closed(**changes: object) -> Piis:
    """The example closed on 01/03/2024 before anyone signed it."""
    values: dict[str, object] = dict(
        status=PiisStatus.CLOSED, signing_date=None, signatures=(), evaluations=(),
        amendments=(), started_on=None, closed_on=D(2024, 3, 1),
        closure_reason=ClosureReason.DROPPED_OUT)
    values.update(changes)
    return example_piis(**values)


# --- The example and the generated PIIS are clean ----------------------------------------------


def test_example_has_no_finding() -> None:
    """The hand-written example respects every rule, also judged after it ended."""
    assert check(example_piis(), today=AFTER).findings == ()


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(piis_documents())
def test_generated_piis_have_no_error(piis: Piis) -> None:
    """The strategy builds PIIS that are valid by construction, under any local policy."""
    for policy in (LocalPolicy(), LocalPolicy(reflection_days_kind="working",
                                              piis_deadline_from="notification")):
        report = check(piis, policy=policy)
        assert report.ok, [f.render("en") for f in report.errors]


# --- Who must have a PIIS ----------------------------------------------------------------------


def test_mandatory_for_new_beneficiary_since_reform() -> None:
    """Loi DIS art. 11 (mod. 2016): mandatory for every new RI beneficiary from 1 Nov 2016,
    for under-25s and full-time students always; domain.md, PIIS ("Who")."""
    adult = example_piis()
    assert is_mandatory(adult)
    assert not is_mandatory(example_piis(is_new_beneficiary=False))
    assert not is_mandatory(example_piis(decision_date=D(2016, 10, 31)))
    young = example_piis(is_new_beneficiary=False, beneficiary=Person(
        adult.beneficiary.niss, "Nowak", "Zoë", birth_date=D(2001, 6, 1)))
    assert is_mandatory(young)
    assert is_mandatory(example_piis(is_new_beneficiary=False, is_full_time_student=True))
    assert not is_mandatory(example_piis(beneficiary_status="equivalent_aid"))


def test_mand_001_mandatory_piis_closed_unsigned() -> None:
    """Loi DIS art. 11: a mandatory PIIS must be concluded unless health or equity
    reasons prevent it (domain.md, PIIS, "Who")."""
    path, _, severity = _one(check(_unsigned_closed()), "PIIS-MAND-001")
    assert (path, severity) == ("$.status", Severity.ERROR)
    exempted = _unsigned_closed(exemption_reason=ExemptionReason.HEALTH,
                                exemption_explanation="Hospitalisation de longue durée")
    assert "PIIS-MAND-001" not in _codes(exempted)
    assert "PIIS-MAND-001" not in _codes(_unsigned_closed(is_new_beneficiary=False))


def test_mand_002_exemption_needs_grounds() -> None:
    """Loi DIS art. 11: the health or equity reason is recorded (domain.md, PIIS, "Who")."""
    bare = example_piis(exemption_reason=ExemptionReason.EQUITY, form_b_code=8)
    path, text, _ = _one(check(bare), "PIIS-MAND-002")
    assert path == "$.exemption_explanation"
    assert "équité" in text
    explained = example_piis(exemption_reason=ExemptionReason.EQUITY, form_b_code=8,
                             exemption_explanation="Situation familiale exceptionnelle")
    assert "PIIS-MAND-002" not in _codes(explained)


def test_mand_003_linked_to_bilan() -> None:
    """AR 03/10/2016: the PIIS is based on a prior assessment of needs (domain.md, PIIS)."""
    path, _, severity = _one(check(example_piis(bilan_id=None)), "PIIS-MAND-003")
    assert (path, severity) == ("$.bilan_id", Severity.WARNING)
    assert "PIIS-MAND-003" not in _codes(example_piis())


# --- Conclusion deadline and reflection period -------------------------------------------------


def test_deadline_001_signed_after_three_months() -> None:
    """Loi DIS art. 11 (mod. 2016): concluded within 3 months of the decision; decision
    of 10/01/2024, so by 10/04/2024 (domain.md, PIIS, "Who")."""
    late = example_piis(proposal_date=D(2024, 4, 1), signing_date=D(2024, 4, 15),
                        signatures=())
    path, text, _ = _one(check(late), "PIIS-DEADLINE-001")
    assert path == "$.signing_date"
    assert "3 mois" in text and "10/04/2024" in text
    on_time = example_piis(proposal_date=D(2024, 4, 1), signing_date=D(2024, 4, 10))
    assert "PIIS-DEADLINE-001" not in _codes(on_time)


def test_deadline_001_unsigned_judged_against_today_only() -> None:
    """Loi DIS art. 11: an unsigned mandatory PIIS past the 3 months is late; without a
    'today' the clock part is skipped (domain.md, PIIS)."""
    waiting = example_piis(status=PiisStatus.PROPOSED, signing_date=None, signatures=(),
                           evaluations=(), amendments=(), started_on=None)
    assert "PIIS-DEADLINE-001" in _codes(waiting, today=D(2024, 5, 1))
    assert "PIIS-DEADLINE-001" not in _codes(waiting, today=D(2024, 4, 10))
    assert "PIIS-DEADLINE-001" not in _codes(waiting)


def test_deadline_001_may_count_from_notification() -> None:
    """domain.md, PIIS: some sources count from the notification; configurable. Notified
    20/01/2024, so signing on 15/04/2024 is in time under that policy."""
    signed = example_piis(notification_date=D(2024, 1, 20), proposal_date=D(2024, 4, 1),
                          signing_date=D(2024, 4, 15))
    assert "PIIS-DEADLINE-001" in _codes(signed)
    by_notification = LocalPolicy(piis_deadline_from="notification")
    assert "PIIS-DEADLINE-001" not in _codes(signed, policy=by_notification)


def test_refl_001_five_calendar_days() -> None:
    """Loi DIS art. 11 §1: 5-day reflection period; handed over 15/01/2024, so signing from
    20/01/2024 unless expressly waived (domain.md, PIIS, "Procedure")."""
    early = example_piis(signing_date=D(2024, 1, 18))
    path, text, _ = _one(check(early), "PIIS-REFL-001")
    assert path == "$.signing_date"
    assert "5 jours calendrier" in text and "20/01/2024" in text
    assert "PIIS-REFL-001" not in _codes(example_piis(signing_date=D(2024, 1, 20)))
    waived = example_piis(signing_date=D(2024, 1, 18), reflection_period_waived=True)
    assert "PIIS-REFL-001" not in _codes(waived)


def test_refl_001_working_days_by_policy() -> None:
    """domain.md, PIIS: working days are a local option. Handed over Friday 12/01/2024,
    5 working days end Friday 19/01/2024."""
    piis = example_piis(proposal_date=D(2024, 1, 12), signing_date=D(2024, 1, 17))
    assert "PIIS-REFL-001" not in _codes(piis)
    working = LocalPolicy(reflection_days_kind="working")
    report = check(piis, policy=working)
    assert "19/01/2024" in _one(report, "PIIS-REFL-001")[1]
    later = example_piis(proposal_date=D(2024, 1, 12), signing_date=D(2024, 1, 19))
    assert "PIIS-REFL-001" not in _codes(later, policy=working)


# --- Evaluations -------------------------------------------------------------------------------


def test_windows_and_pro_rata() -> None:
    """Windows of 12 months from the start; a shorter last window needs the pro-rata
    number, rounded down (3 a year: 8 months need 2, 3 months need 0)."""
    windows = list(evaluation_windows(D(2024, 2, 1), D(2025, 9, 30)))
    assert windows == [(D(2024, 2, 1), D(2025, 1, 31)), (D(2025, 2, 1), D(2025, 9, 30))]
    assert minimum_in_window(3, D(2024, 2, 1), D(2025, 1, 31)) == 3
    assert minimum_in_window(3, D(2025, 2, 1), D(2025, 9, 30)) == 2
    assert minimum_in_window(3, D(2025, 2, 1), D(2025, 4, 30)) == 0


def test_eval_001_three_a_year() -> None:
    """AR DIS art. 19 (mod. AR 03/10/2016): at least 3 evaluations a year (domain.md,
    PIIS, "Evaluation")."""
    two = example_piis(evaluations=example_piis().evaluations[:2])
    path, text, _ = _one(check(two, today=AFTER), "PIIS-EVAL-001")
    assert path == "$.evaluations"
    assert "2 évaluation(s)" in text and "au moins 3" in text
    assert "PIIS-EVAL-001" not in _codes(example_piis(), today=AFTER)
    assert "PIIS-EVAL-001" not in _codes(two)  # running, no 'today': not judged yet


def test_eval_001_once_a_quarter_before_reform() -> None:
    """AR DIS art. 19 before the 2016 reform: once per quarter, 4 a year (domain.md)."""
    old = example_piis(decision_date=D(2015, 1, 10), form_b_code=None)
    assert "au moins 4" in _one(check(old, today=AFTER), "PIIS-EVAL-001")[1]


def test_eval_001_last_short_window_of_a_closed_piis() -> None:
    """AR DIS art. 19: a PIIS closed after 8 months needs 2 evaluations (3 × 8/12)."""
    closed = example_piis(status=PiisStatus.CLOSED, closed_on=D(2024, 9, 30),
                          closure_reason=ClosureReason.MOVED,
                          evaluations=example_piis().evaluations[:1], amendments=())
    assert "au moins 2" in _one(check(closed), "PIIS-EVAL-001")[1]
    enough = example_piis(status=PiisStatus.CLOSED, closed_on=D(2024, 9, 30),
                          closure_reason=ClosureReason.MOVED,
                          evaluations=example_piis().evaluations[:2], amendments=())
    assert "PIIS-EVAL-001" not in _codes(enough)


def test_eval_002_two_face_to_face() -> None:
    """AR DIS art. 19 (mod. AR 03/10/2016): at least 2 of them face to face."""
    remote = example_piis(evaluations=tuple(
        Evaluation(id=e.id, date=e.date, face_to_face=False) for e in example_piis().evaluations))
    path, text, _ = _one(check(remote, today=AFTER), "PIIS-EVAL-002")
    assert "0 évaluation(s) en face à face" in text and "au moins 2" in text
    assert path == "$.evaluations"
    assert "PIIS-EVAL-002" not in _codes(example_piis(), today=AFTER)


def test_eval_003_schedule_plans_enough() -> None:
    """AR DIS art. 19: the evaluation arrangements planned in the PIIS reach 3 a year;
    a draft only gets a warning."""
    thin = example_piis(evaluation_schedule=(D(2024, 5, 1), D(2024, 9, 1)))
    path, text, severity = _one(check(thin), "PIIS-EVAL-003")
    assert (path, severity) == ("$.evaluation_schedule", Severity.ERROR)
    assert "2 évaluation(s)" in text
    draft = example_piis(evaluation_schedule=(D(2024, 5, 1),), status=PiisStatus.DRAFT,
                         signing_date=None, signatures=(), evaluations=(), amendments=(),
                         started_on=None, proposal_date=None)
    assert _one(check(draft), "PIIS-EVAL-003")[2] is Severity.WARNING
    assert "PIIS-EVAL-003" not in _codes(example_piis())


def test_eval_004_schedule_within_duration() -> None:
    """AR DIS art. 19: evaluations are planned during the PIIS."""
    outside = example_piis(evaluation_schedule=(*example_piis().evaluation_schedule,
                                                D(2025, 6, 1)))
    assert _one(check(outside), "PIIS-EVAL-004")[0] == "$.evaluation_schedule[3]"
    assert "PIIS-EVAL-004" not in _codes(example_piis())


def test_eval_005_results_refer_to_objectives() -> None:
    """AR DIS art. 19: evaluation per objective of the contract (domain.md, PIIS)."""
    stray = Evaluation(id="ev-9", date="2024-10-01", results=(
        ObjectiveResult(objective_id="obj-9", outcome=EvaluationOutcome.NEGATIVE),))
    piis = example_piis(evaluations=(*example_piis().evaluations, stray))
    path, text, _ = _one(check(piis), "PIIS-EVAL-005")
    assert path == "$.evaluations[3].results[0].objective_id"
    assert "obj-9" in text
    assert "PIIS-EVAL-005" not in _codes(example_piis())


def test_eval_006_evaluation_during_the_contract() -> None:
    """AR DIS art. 19: an evaluation is of the contract in force, not before it is signed."""
    early = Evaluation(id="ev-0", date="2024-01-20")
    piis = example_piis(evaluations=(early, *example_piis().evaluations))
    assert _one(check(piis), "PIIS-EVAL-006")[0] == "$.evaluations[0].date"
    assert "PIIS-EVAL-006" not in _codes(example_piis())


# --- Volunteering and community service --------------------------------------------------------


def test_vol_001_volunteering_not_a_condition() -> None:
    """C. const. 86/2018: volunteering after notifying the CPAS, never a PIIS condition
    (domain.md, PIIS, "Community service was annulled")."""
    assert _one(check(example_piis(volunteering_condition=True)), "PIIS-VOL-001")[0] == (
        "$.volunteering_condition")
    assert "PIIS-VOL-001" not in _codes(example_piis(includes_voluntary_work=True))


def test_vol_002_older_piis_revised() -> None:
    """C. const. 86/2018: PIIS had to be revised by 30/09/2018."""
    old = dict(decision_date=D(2017, 3, 1), proposal_date=D(2017, 3, 2),
               signing_date=D(2017, 3, 10), form_b_code=None, evaluation_schedule=(),
               evaluations=(), amendments=(), volunteering_condition=True,
               objectives=(), started_on=None)
    running = example_piis(duration=DateRange("2017-04-01", "2019-03-31"), **old)
    assert "30/09/2018" in _one(check(running), "PIIS-VOL-002")[1]
    ended = example_piis(duration=DateRange("2017-04-01", "2018-06-30"), **old)
    assert "PIIS-VOL-002" not in _codes(ended)


def _community(start: str, end: str, decided: D) -> Piis:
    return example_piis(
        piis_type=PiisType.COMMUNITY_SERVICE, decision_date=decided,
        proposal_date=decided, signing_date=decided + dt.timedelta(days=7),
        duration=DateRange(start, end), form_b_code=12, evaluation_schedule=(),
        evaluations=(), amendments=(), objectives=(), started_on=None)


def test_cs_001_community_service_only_2016_2018() -> None:
    """C. const. 86/2018: community service existed only 1 Nov 2016 – 30 Sep 2018."""
    late = _community("2019-01-01", "2019-06-30", D(2018, 12, 1))
    assert _one(check(late), "PIIS-CS-001")[0] == "$.piis_type"
    fine = _community("2017-03-01", "2018-06-30", D(2017, 2, 1))
    assert "PIIS-CS-001" not in _codes(fine)


def test_cs_002_running_past_september_2018() -> None:
    """C. const. 86/2018: a PIIS with community service had to be revised by 30/09/2018."""
    running = _community("2018-03-01", "2019-02-28", D(2018, 2, 1))
    assert "30/09/2018" in _one(check(running), "PIIS-CS-002")[1]
    assert "PIIS-CS-002" not in _codes(_community("2017-03-01", "2018-06-30", D(2017, 2, 1)))


# --- Social activation -------------------------------------------------------------------------


def test_act_001_activation_needs_a_purpose() -> None:
    """SPP IS annual report 2013: three purposes of social activation (domain.md, PIIS)."""
    vague = example_piis(piis_type=PiisType.SOCIAL_ACTIVATION)
    assert _one(check(vague), "PIIS-ACT-001")[0] == "$.activation_purpose"
    clear = example_piis(piis_type=PiisType.SOCIAL_ACTIVATION,
                         activation_purpose=ActivationPurpose.PARTICIPATION)
    assert "PIIS-ACT-001" not in _codes(clear)


def test_act_002_purpose_only_for_activation() -> None:
    """domain.md, PIIS: the purposes belong to social activation only."""
    odd = example_piis(activation_purpose=ActivationPurpose.STEP_TO_PAID_WORK)
    assert _one(check(odd), "PIIS-ACT-002")[2] is Severity.WARNING
    assert "PIIS-ACT-002" not in _codes(example_piis())


def test_act_003_students_excluded_from_activation() -> None:
    """Working group 13/10/2015, FAQ 2015: full-time students are excluded from social
    activation (domain.md, PIIS, "Target public")."""
    student = example_piis(piis_type=PiisType.SOCIAL_ACTIVATION, is_full_time_student=True,
                           activation_purpose=ActivationPurpose.PARTICIPATION)
    assert "PIIS-ACT-003" in _codes(student)
    adult = example_piis(piis_type=PiisType.SOCIAL_ACTIVATION,
                         activation_purpose=ActivationPurpose.PARTICIPATION)
    assert "PIIS-ACT-003" not in _codes(adult)


# --- Form-B code -------------------------------------------------------------------------------


def test_formb_001_code_valid_at_the_date() -> None:
    """Primabook, formulaires B: codes 1–7 until 31/10/2016, 11 from 1/11/2016, 12, 15 and
    16 abolished 1/10/2018 (domain.md, PIIS, "Codes on the form B")."""
    before = example_piis(decision_date=D(2016, 10, 31))
    assert "PIIS-FORMB-001" in _codes(before)
    assert "PIIS-FORMB-001" not in _codes(example_piis(decision_date=D(2016, 10, 31),
                                                       form_b_code=3))
    assert "PIIS-FORMB-001" in _codes(example_piis(form_b_code=3))
    assert "PIIS-FORMB-001" in _codes(example_piis(form_b_code=15))
    assert "PIIS-FORMB-001" not in _codes(example_piis())


def test_formb_002_unknown_code() -> None:
    """domain.md, PIIS: codes the sources do not list are reported as unknown."""
    assert _one(check(example_piis(form_b_code=13)), "PIIS-FORMB-002")[2] is Severity.WARNING
    assert "PIIS-FORMB-002" not in _codes(example_piis())


def test_formb_003_code_matches_the_piis() -> None:
    """Primabook: 8 = no PIIS for health/equity, 9 = full-time studies, 10 = student with
    work income, 11 = general PIIS."""
    assert "PIIS-FORMB-003" in _codes(example_piis(form_b_code=8))
    assert "PIIS-FORMB-003" in _codes(example_piis(form_b_code=9))
    assert "PIIS-FORMB-003" in _codes(example_piis(form_b_code=11, piis_type=PiisType.STUDIES))
    studies = example_piis(form_b_code=10, piis_type=PiisType.STUDIES)
    assert "PIIS-FORMB-003" in _codes(studies)
    assert "PIIS-FORMB-003" not in _codes(example_piis(
        form_b_code=10, piis_type=PiisType.STUDIES, is_full_time_student=True))
    exempted = example_piis(form_b_code=8, exemption_reason=ExemptionReason.HEALTH,
                            exemption_explanation="Incapacité médicale")
    assert "PIIS-FORMB-003" not in _codes(exempted)
    assert "PIIS-FORMB-003" not in _codes(example_piis())


# --- Objectives and domains --------------------------------------------------------------------


def test_obj_001_objectives_required() -> None:
    """AR 03/10/2016: the PIIS states its objectives (domain.md, PIIS, "Content")."""
    assert _one(check(example_piis(objectives=(), evaluations=())), "PIIS-OBJ-001")[0] == (
        "$.objectives")
    assert "PIIS-OBJ-001" not in _codes(example_piis())


def test_obj_002_objective_with_commitments() -> None:
    """AR 03/10/2016: commitments of every party consistent with the objectives."""
    bare = Objective(id="obj-3", description="Ouvrir un compte", deadline="2024-06-30")
    piis = example_piis(objectives=(*example_piis().objectives, bare))
    assert _one(check(piis), "PIIS-OBJ-002")[0] == "$.objectives[2].commitments"
    assert "PIIS-OBJ-002" not in _codes(example_piis())


def test_obj_003_objective_with_deadline() -> None:
    """AR 03/10/2016: the PIIS states the deadlines."""
    open_ended = Objective(id="obj-3", description="Ouvrir un compte", commitments=(
        Commitment(party=CommitmentParty.CPAS, description="Accompagner à la banque"),))
    piis = example_piis(objectives=(*example_piis().objectives, open_ended))
    assert _one(check(piis), "PIIS-OBJ-003")[0] == "$.objectives[2].deadline"
    assert "PIIS-OBJ-003" not in _codes(example_piis())


def test_obj_004_deadlines_within_duration() -> None:
    """AR 03/10/2016: deadlines fit the duration of the PIIS."""
    late = Objective(id="obj-3", description="Permis B", deadline="2025-06-30", commitments=(
        Commitment(party=CommitmentParty.BENEFICIARY, description="Examen",
                   deadline="2025-05-01"),))
    report = check(example_piis(objectives=(*example_piis().objectives, late)))
    paths = {f.path for f in report.by_code("PIIS-OBJ-004")}
    assert paths == {"$.objectives[2].deadline", "$.objectives[2].commitments[0].deadline"}
    assert "PIIS-OBJ-004" not in _codes(example_piis())


def test_obj_005_third_party_named() -> None:
    """AR 03/10/2016: a contract possibly with third parties, who are named."""
    anonymous = Objective(id="obj-3", description="Stage", deadline="2024-06-30", commitments=(
        Commitment(party=CommitmentParty.THIRD_PARTY, description="Accueillir en stage"),))
    piis = example_piis(objectives=(*example_piis().objectives, anonymous))
    assert _one(check(piis), "PIIS-OBJ-005")[0] == (
        "$.objectives[2].commitments[0].third_party_name")
    assert "PIIS-OBJ-005" not in _codes(example_piis())


def test_obj_006_both_parties_commit() -> None:
    """AR 03/10/2016: commitments of every party, the CPAS included."""
    only_person = Objective(id="obj-1", description="Chercher un emploi",
                            deadline="2024-06-30", commitments=(
                                Commitment(party=CommitmentParty.BENEFICIARY,
                                           description="Postuler"),))
    text = _one(check(example_piis(objectives=(only_person,))), "PIIS-OBJ-006")[1]
    assert "CPAS" in text
    assert "PIIS-OBJ-006" not in _codes(example_piis())


def test_obj_007_commitment_due_before_objective() -> None:
    """AR 03/10/2016: commitments consistent with the objectives they serve."""
    twisted = Objective(id="obj-1", description="Formation", deadline="2024-06-30",
                        commitments=(
                            Commitment(party=CommitmentParty.BENEFICIARY,
                                       description="Suivre", deadline="2024-09-30"),
                            Commitment(party=CommitmentParty.CPAS, description="Payer"),))
    piis = example_piis(objectives=(twisted,), evaluations=())
    assert _one(check(piis), "PIIS-OBJ-007")[0] == "$.objectives[0].commitments[0].deadline"
    assert "PIIS-OBJ-007" not in _codes(example_piis())


def test_obj_008_objective_ids_unique() -> None:
    """domain.md, PIIS: evaluations are per objective, so ids must be unique."""
    first, second = example_piis().objectives
    twin = Objective(id=first.id, description=second.description, domains=second.domains,
                     commitments=second.commitments, deadline=second.deadline)
    assert _one(check(example_piis(objectives=(first, twin))), "PIIS-OBJ-008")[0] == (
        "$.objectives[1].id")
    assert "PIIS-OBJ-008" not in _codes(example_piis())


def test_dom_001_known_life_domains() -> None:
    """AR 03/10/2016 (domains of action); domain.md, Bilan social (the CPAS's list)."""
    report = check(example_piis(domains=("education", "housing", "astrology")))
    assert _one(report, "PIIS-DOM-001")[0] == "$.domains[2]"
    assert "PIIS-DOM-001" not in _codes(example_piis())


def test_dom_002_domains_required() -> None:
    """AR 03/10/2016: the PIIS states the domains of action."""
    assert "PIIS-DOM-002" in _codes(example_piis(domains=()))
    assert "PIIS-DOM-002" not in _codes(example_piis())


def test_dom_003_objective_domains_in_the_piis() -> None:
    """AR 03/10/2016: objectives belong to the PIIS's domains of action."""
    report = check(example_piis(domains=("education",)))
    path, text, _ = _one(report, "PIIS-DOM-003")
    assert path == "$.objectives[1].domains[0]" and "Logement" in text
    assert "PIIS-DOM-003" not in _codes(example_piis())


# --- Signatures, social worker, amendments, lifecycle ------------------------------------------


def test_sign_001_required_signatures() -> None:
    """SPP IS model contract: the person, the CPAS president and directeur général sign
    (domain.md, PIIS, "Signatories")."""
    only_person = example_piis(signatures=(
        Signature(SignerRole.BENEFICIARY, "Zoë Nowak", "2024-01-22"),
        Signature(SignerRole.PARTNER, "Lire et Écrire", "2024-01-22")))
    texts = {f.text("nl") for f in check(only_person).by_code("PIIS-SIGN-001")}
    assert texts == {"Ontbrekende handtekening: de voorzitter van het OCMW.",
                     "Ontbrekende handtekening: de algemeen directeur van het OCMW."}
    assert "PIIS-SIGN-001" not in _codes(example_piis())
    assert "PIIS-SIGN-001" not in _codes(example_piis(
        status=PiisStatus.PROPOSED, signing_date=None, signatures=(), evaluations=(),
        amendments=(), started_on=None))


def test_sign_002_social_worker_named() -> None:
    """SPP IS model contract: the PIIS names the social worker (domain.md, PIIS)."""
    assert _one(check(example_piis(social_worker=None)), "PIIS-SIGN-002")[0] == (
        "$.social_worker")
    assert "PIIS-SIGN-002" not in _codes(example_piis())


def test_sign_003_replacement_named() -> None:
    """SPP IS model contract: the PIIS names a replacement social worker."""
    report = check(example_piis(replacement_social_worker=None))
    assert _one(report, "PIIS-SIGN-003")[2] is Severity.WARNING
    assert "PIIS-SIGN-003" not in _codes(example_piis())


def test_sign_004_signed_after_proposal() -> None:
    """Loi DIS art. 11 §1: the reflection period runs from the handover, before signing."""
    piis = example_piis(proposal_date=D(2024, 1, 25))
    assert _one(check(piis), "PIIS-SIGN-004")[0] == "$.signing_date"
    assert "PIIS-SIGN-004" not in _codes(example_piis())


def test_sign_005_signing_date_recorded() -> None:
    """SPP IS model contract: a signed PIIS is dated."""
    assert "PIIS-SIGN-005" in _codes(example_piis(signing_date=None))
    assert "PIIS-SIGN-005" not in _codes(example_piis())
    assert "PIIS-SIGN-005" not in _codes(_unsigned_closed())


def test_sign_006_partner_signs() -> None:
    """SPP IS model contract: partners who commit sign the PIIS."""
    unsigned = example_piis(signatures=example_piis().signatures[:3])
    assert _one(check(unsigned), "PIIS-SIGN-006")[2] is Severity.WARNING
    assert "PIIS-SIGN-006" not in _codes(example_piis())


def test_amend_001_within_duration() -> None:
    """AR 03/10/2016: a PIIS is amended during its course."""
    late = Amendment(id="am-2", date="2025-03-01", description="Prolongation",
                     requested_by=CommitmentParty.CPAS)
    piis = example_piis(amendments=(*example_piis().amendments, late))
    assert _one(check(piis), "PIIS-AMEND-001")[0] == "$.amendments[1].date"
    assert "PIIS-AMEND-001" not in _codes(example_piis())


def test_amend_002_after_signing() -> None:
    """AR 03/10/2016: an amendment changes a concluded contract."""
    early = Amendment(id="am-0", date="2024-01-20", description="Correction",
                      requested_by=CommitmentParty.CPAS)
    piis = example_piis(signing_date=D(2024, 2, 5), proposal_date=D(2024, 1, 30),
                        duration=DateRange("2024-01-15", "2025-01-31"), amendments=(early,))
    assert _one(check(piis), "PIIS-AMEND-002")[0] == "$.amendments[0].date"
    assert "PIIS-AMEND-002" not in _codes(example_piis())


def test_life_001_closure_recorded() -> None:
    """FAQ 2015 (a person who drops out or moves counts if the CPAS explains why)."""
    closed = example_piis(status=PiisStatus.CLOSED)
    assert {f.path for f in check(closed).by_code("PIIS-LIFE-001")} == {
        "$.closed_on", "$.closure_reason"}
    assert "PIIS-LIFE-001" not in _codes(_unsigned_closed())


def test_life_002_proposal_date_recorded() -> None:
    """Loi DIS art. 11 §1: without the handover date the reflection period is unverifiable."""
    assert "PIIS-LIFE-002" in _codes(example_piis(proposal_date=None))
    assert "PIIS-LIFE-002" not in _codes(example_piis(proposal_date=None,
                                                      reflection_period_waived=True))
    assert "PIIS-LIFE-002" not in _codes(example_piis())


def test_draft_content_gaps_are_warnings() -> None:
    """A draft may be incomplete: content rules warn instead of failing it."""
    draft = example_piis(status=PiisStatus.DRAFT, objectives=(), domains=(), evaluations=(),
                         signing_date=None, proposal_date=None, signatures=(), amendments=(),
                         started_on=None, social_worker=None)
    report = check(draft)
    assert {"PIIS-OBJ-001", "PIIS-DOM-002", "PIIS-SIGN-002"} <= report.codes()
    assert report.ok
