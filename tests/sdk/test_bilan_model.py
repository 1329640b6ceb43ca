"""The bilan social model: construction, refusals with paths, labels, generated documents."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest
from hypothesis import given, settings

from cpas.sdk import InvalidType, InvalidValue, check
from cpas.sdk.documents.bilan import (
    ActionItem,
    ActionParty,
    ActionStatus,
    AssessmentMoment,
    BilanSocial,
    DomainAssessment,
)
from strategies_bilan import bilans, sample_bilan


def _assessment(**changes: object) -> DomainAssessment:
    fields: dict[str, object] = {"domain": "housing", "moment": "start",
                                 "assessed_on": "2024-03-01", "situation": "Sans-abri"}
    fields.update(changes)
    return DomainAssessment(**fields)  # type: ignore[arg-type]


def test_strings_are_normalised_to_enums_and_dates() -> None:
    assessment = _assessment(needs=["Un toit"], score=1)
    assert assessment.moment is AssessmentMoment.START
    assert assessment.assessed_on == dt.date(2024, 3, 1)
    assert assessment.needs == ("Un toit",)
    item = ActionItem(domains=["housing"], description="Visite", party="third_party",
                      status="in_progress")
    assert item.party is ActionParty.THIRD_PARTY
    assert item.status is ActionStatus.IN_PROGRESS
    assert item.for_piis is False
    assert item.deadline is None


def test_optionals_may_be_empty() -> None:
    assessment = _assessment(comment="  ")
    assert (assessment.needs, assessment.resources, assessment.obstacles) == ((), (), ())
    assert assessment.score is None
    assert assessment.comment is None


@pytest.mark.parametrize("score", [0, 6, -1])
def test_score_outside_scale_is_refused(score: int) -> None:
    """The SDK's score scale is 1 to 5; other values cannot be represented."""
    with pytest.raises(InvalidValue) as info:
        _assessment(score=score)
    assert info.value.path == "$.score"


def test_score_must_be_an_integer() -> None:
    with pytest.raises(InvalidType):
        _assessment(score=True)


def test_blank_need_is_refused_with_its_index() -> None:
    with pytest.raises(InvalidValue) as info:
        _assessment(needs=["Un toit", " "])
    assert info.value.path == "$.needs[1]"


def test_unknown_moment_is_refused() -> None:
    with pytest.raises(InvalidValue) as info:
        _assessment(moment="midway")
    assert info.value.path == "$.moment"


def test_wrong_element_in_action_plan_names_its_index() -> None:
    with pytest.raises(InvalidType) as info:
        sample_bilan(action_plan=[sample_bilan().action_plan[0], "not an item"])
    assert info.value.path == "$.action_plan[1]"


def test_unknown_domain_is_not_a_construction_error() -> None:
    """Unknown domains are findings, so legacy data with other domains still loads."""
    item = ActionItem(domains=["jardinage"], description="x", party=ActionParty.CPAS)
    assert item.domains == ("jardinage",)


def test_rules_date_and_helpers() -> None:
    bilan = sample_bilan()
    assert bilan.rules_date() == dt.date(2024, 3, 5)
    assert [i.id for i in bilan.piis_items()] == ["a1", "a2"]
    assert len(bilan.assessments_at(AssessmentMoment.START)) == 10
    assert bilan.assessments_at(AssessmentMoment.END) == ()


def test_every_field_and_enum_has_labels() -> None:
    for cls in (BilanSocial, DomainAssessment, ActionItem):
        assert cls.LABEL.fr and cls.LABEL.nl
        for field in attrs.fields(cls):
            text = field.metadata["label"]
            assert text.fr and text.nl, f"{cls.__name__}.{field.name}"
    for enum_cls in (AssessmentMoment, ActionParty, ActionStatus):
        for member in enum_cls:
            assert member.label.fr and member.label.nl


def test_moment_rank_follows_the_trajectory() -> None:
    ranks = [m.rank for m in (AssessmentMoment.START, AssessmentMoment.INTERMEDIATE,
                              AssessmentMoment.END)]
    assert ranks == [0, 1, 2]


def test_changes_go_through_evolve() -> None:
    bilan = sample_bilan()
    later = attrs.evolve(bilan, request="Autre demande")
    assert later.id == bilan.id
    assert later.request == "Autre demande"
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        bilan.request = "x"  # type: ignore[misc]


@given(bilans())
@settings(max_examples=40, deadline=None)
def test_generated_bilans_have_no_finding(bilan: BilanSocial) -> None:
    """The strategy builds bilans that satisfy every bilan rule (non-ASCII, empty optionals)."""
    assert check(bilan).findings == ()
