"""The loop bilan social → PIIS → evaluation form → PIIS evaluation (Kortrijk practice)."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest
from hypothesis import given, settings

from cpas.sdk import DateRange, InvalidType, InvalidValue, LocalPolicy, check
from cpas.sdk.derive import (
    EvaluationForm,
    EvaluationFormLine,
    evaluation_form,
    evaluation_from_form,
    fill_form,
    objective_id_for,
    piis_from_bilan,
)
from cpas.sdk.documents.bilan import BilanSocial
from cpas.sdk.documents.piis import (
    BeneficiaryStatus,
    CommitmentParty,
    Evaluation,
    EvaluationOutcome,
    Piis,
    PiisStatus,
    PiisType,
    add_evaluation,
    propose,
    sign,
    start,
)
from strategies_bilan import bilans, sample_bilan

DECISION = dt.date(2024, 3, 1)


def _piis(bilan: BilanSocial | None = None) -> Piis:
    return piis_from_bilan(bilan or sample_bilan(), piis_type=PiisType.SOCIAL_ACTIVATION,
                           decision_date=DECISION)


# --- piis_from_bilan -------------------------------------------------------------------------


def test_piis_carries_exactly_the_flagged_items() -> None:
    """Items flagged for the PIIS become its objectives, nothing else (domain.md, Bilan social:
    some action-plan items flow automatically into the PIIS, Kortrijk)."""
    piis = _piis()
    assert [o.action_item_id for o in piis.objectives] == ["a1", "a2"]
    assert [o.id for o in piis.objectives] == ["objective-a1", "objective-a2"]
    first, second = piis.objectives
    assert first.description == "Chercher un logement salubre"
    assert first.domains == ("housing",)
    assert first.deadline == dt.date(2024, 9, 30)
    assert second.domains == ("work", "education")


def test_commitments_follow_the_party_of_each_item() -> None:
    """The PIIS states the commitments of every party (AR 03/10/2016; domain.md, PIIS)."""
    first, second = _piis().objectives
    (cpas_side,) = first.commitments
    assert cpas_side.party is CommitmentParty.CPAS
    assert cpas_side.deadline == dt.date(2024, 9, 30)
    (person_side,) = second.commitments
    assert person_side.party is CommitmentParty.BENEFICIARY
    assert person_side.description == "Suivre un module de néerlandais"


def test_third_party_name_goes_to_the_commitment() -> None:
    base = sample_bilan()
    bilan = attrs.evolve(base, action_plan=(
        *base.action_plan[:2], attrs.evolve(base.action_plan[2], for_piis=True,
                                            deadline=dt.date(2024, 6, 30))))
    (commitment,) = _piis(bilan).objectives[2].commitments
    assert commitment.party is CommitmentParty.THIRD_PARTY
    assert commitment.third_party_name == "Article 27 asbl"


def test_domains_of_action_are_the_union_in_policy_order() -> None:
    """Domains of action (AR 03/10/2016) = domains of the flagged items, each once."""
    assert _piis().domains == ("housing", "education", "work")


def test_piis_keeps_links_and_parties_of_the_bilan() -> None:
    bilan = sample_bilan()
    piis = _piis(bilan)
    assert piis.bilan_id == "bilan-1"
    assert piis.cpas == bilan.cpas
    assert piis.beneficiary == bilan.person
    assert piis.social_worker == bilan.social_worker
    assert piis.status is PiisStatus.DRAFT
    assert piis.signatures == ()
    assert piis.piis_type is PiisType.SOCIAL_ACTIVATION
    assert piis.beneficiary_status is BeneficiaryStatus.RIS
    assert piis.rules_date() == DECISION


def test_derived_piis_passes_the_piis_content_rules() -> None:
    """A valid bilan gives a PIIS with objectives, commitments, deadlines and domains of
    action as the AR of 03/10/2016 requires: the PIIS check reports no error."""
    report = check(_piis())
    assert report.ok, [f.render("en") for f in report.errors]
    assert not [f for f in report if f.code.startswith(("PIIS-OBJ", "PIIS-DOM"))]


def test_default_duration_runs_to_the_last_deadline() -> None:
    assert _piis().duration == DateRange(DECISION, dt.date(2024, 12, 31))
    chosen = DateRange(dt.date(2024, 4, 1), dt.date(2025, 3, 31))
    piis = piis_from_bilan(sample_bilan(), piis_type=PiisType.TRAINING,
                           decision_date=DECISION, duration=chosen)
    assert piis.duration == chosen


def test_bilan_without_flagged_item_gives_a_piis_without_objective() -> None:
    """Not refused: the bilan's rule BILAN-PLAN-004 reports it; the PIIS rules do too."""
    base = sample_bilan()
    bilan = attrs.evolve(base, action_plan=tuple(
        attrs.evolve(i, for_piis=False) for i in base.action_plan))
    piis = _piis(bilan)
    assert piis.objectives == ()
    assert piis.domains == ()
    assert piis.duration.end is None


@given(bilans())
@settings(max_examples=30, deadline=None)
def test_any_valid_bilan_derives_a_piis(bilan: BilanSocial) -> None:
    """Construction succeeds and objectives mirror the flagged items one to one."""
    piis = piis_from_bilan(bilan, piis_type=PiisType.SOCIAL_ACTIVATION,
                           decision_date=bilan.drawn_up_on)
    flagged = bilan.piis_items()
    assert [o.action_item_id for o in piis.objectives] == [i.id for i in flagged]
    assert set(piis.domains) == {d for i in flagged for d in i.domains}
    assert all(o.deadline == i.deadline for o, i in zip(piis.objectives, flagged, strict=True))


# --- evaluation_form ---------------------------------------------------------------------------


def test_form_from_a_piis_has_one_empty_line_per_objective() -> None:
    """Kortrijk: the evaluation form is pre-filled from the plan, scores left to fill in."""
    piis = _piis()
    form = evaluation_form(piis, on=dt.date(2024, 6, 3))
    assert [line.objective_id for line in form.lines] == [o.id for o in piis.objectives]
    assert all(line.outcome is None for line in form.lines)
    assert form.piis_id == piis.id
    assert form.bilan_id == "bilan-1"
    assert form.evaluation_date == dt.date(2024, 6, 3)
    assert not form.is_complete()


def test_form_lines_carry_domain_labels_in_french_and_dutch_and_deadline() -> None:
    line = evaluation_form(_piis(), on=dt.date(2024, 6, 3)).lines[1]
    assert [t.fr for t in line.domain_labels] == ["Travail et expérience professionnelle",
                                                  "Enseignement, formation et langues"]
    assert [t.nl for t in line.domain_labels] == ["Werk en werkervaring",
                                                  "Onderwijs, opleiding en talen"]
    assert line.deadline == dt.date(2024, 12, 31)
    assert line.action_item_id == "a2"


def test_form_from_a_bilan_has_one_line_per_action_item() -> None:
    form = evaluation_form(sample_bilan(), on=dt.date(2024, 6, 3))
    assert [line.action_item_id for line in form.lines] == ["a1", "a2", "a3"]
    assert [line.objective_id for line in form.lines] == ["objective-a1", "objective-a2", None]
    assert form.piis_id is None


def test_unknown_domain_keeps_its_id_as_label() -> None:
    policy = LocalPolicy(life_domains=LocalPolicy().life_domains[:1])
    line = evaluation_form(_piis(), on=dt.date(2024, 6, 3), policy=policy).lines[0]
    assert line.domain_labels[0].fr == "housing"


def test_form_source_must_be_a_piis_or_a_bilan() -> None:
    with pytest.raises(InvalidType):
        evaluation_form("piis", on=dt.date(2024, 6, 3))  # type: ignore[arg-type]


# --- filled form → Evaluation ------------------------------------------------------------------


def test_filled_form_becomes_an_evaluation_of_the_piis() -> None:
    """The loop closes: bilan → PIIS → form → evaluation recorded on the running PIIS
    (evaluations per objective positive / unchanged / negative; domain.md, PIIS)."""
    piis = start(sign(propose(_piis(), dt.date(2024, 3, 10)), dt.date(2024, 3, 18)),
                 dt.date(2024, 3, 18))
    form = evaluation_form(piis, on=dt.date(2024, 6, 3))
    filled = fill_form(form, {"objective-a1": "positive",
                              "objective-a2": EvaluationOutcome.UNCHANGED},
                       comments={"objective-a2": "Liste d'attente pour le module"})
    assert filled.is_complete()
    evaluation = evaluation_from_form(filled, face_to_face=True)
    assert isinstance(evaluation, Evaluation)
    assert evaluation.date == dt.date(2024, 6, 3)
    assert evaluation.face_to_face is True
    assert [(r.objective_id, r.outcome) for r in evaluation.results] == [
        ("objective-a1", EvaluationOutcome.POSITIVE),
        ("objective-a2", EvaluationOutcome.UNCHANGED)]
    assert evaluation.results[1].comment == "Liste d'attente pour le module"
    evaluated = add_evaluation(piis, evaluation)
    assert {r.objective_id for r in evaluated.evaluations[0].results} == {
        o.id for o in piis.objectives}


def test_answers_can_be_given_directly() -> None:
    form = evaluation_form(_piis(), on=dt.date(2024, 6, 3))
    evaluation = evaluation_from_form(
        form, {"objective-a1": "negative", "objective-a2": "positive"}, face_to_face=False,
        comment="Entretien téléphonique")
    assert evaluation.face_to_face is False
    assert evaluation.comment == "Entretien téléphonique"
    assert evaluation.results[0].outcome is EvaluationOutcome.NEGATIVE


def test_form_from_a_bilan_scores_only_piis_objectives() -> None:
    form = evaluation_form(sample_bilan(), on=dt.date(2024, 6, 3))
    evaluation = evaluation_from_form(
        form, {"objective-a1": "positive", "objective-a2": "positive", "a3": "unchanged"},
        face_to_face=True)
    assert [r.objective_id for r in evaluation.results] == ["objective-a1", "objective-a2"]
    assert {r.objective_id for r in evaluation.results} == {o.id for o in _piis().objectives}


def test_unscored_objective_is_refused_with_its_line() -> None:
    form = evaluation_form(_piis(), on=dt.date(2024, 6, 3))
    with pytest.raises(InvalidValue) as info:
        evaluation_from_form(form, {"objective-a1": "positive"}, face_to_face=True)
    assert info.value.path == "$.lines[1].outcome"


def test_unknown_answer_key_and_score_are_refused() -> None:
    form = evaluation_form(_piis(), on=dt.date(2024, 6, 3))
    with pytest.raises(InvalidValue):
        fill_form(form, {"objective-zz": "positive"})
    with pytest.raises(InvalidValue) as info:
        fill_form(form, {"objective-a2": "excellent"})
    assert info.value.path == "$.lines[1].outcome"


def test_form_models_have_labels() -> None:
    for cls in (EvaluationForm, EvaluationFormLine):
        assert cls.LABEL.nl
        for field in attrs.fields(cls):
            assert field.metadata["label"].fr and field.metadata["label"].nl


def test_objective_id_is_stable() -> None:
    assert objective_id_for("a1") == objective_id_for("a1") == "objective-a1"
