"""The PIIS model: construction, labels, derived values and lifecycle transitions."""

from __future__ import annotations

import datetime as dt
import enum

import attrs
import pytest
from hypothesis import given, settings

from cpas.sdk import CpasError, DateRange, InvalidType, InvalidValue, Signature, SignerRole, Text
from cpas.sdk.documents import piis as model
from cpas.sdk.documents.piis import (
    Amendment,
    BeneficiaryStatus,
    ClosureReason,
    Commitment,
    CommitmentParty,
    Evaluation,
    InvalidTransition,
    Objective,
    Piis,
    PiisStatus,
    PiisType,
    add_evaluation,
    amend,
    close,
    propose,
    sign,
    start,
)
from strategies_piis import example_piis, piis_documents

D = dt.date

MODEL_CLASSES = (model.Commitment, model.Objective, model.ObjectiveResult, model.Evaluation,
                 model.Amendment, model.Piis)
ENUMS: tuple[type[enum.Enum], ...] = (
    model.BeneficiaryStatus, model.PiisType, model.ActivationPurpose, model.CommitmentParty,
    model.EvaluationOutcome, model.PiisStatus, model.ClosureReason, model.ExemptionReason)


def _draft() -> Piis:
    return example_piis(status=PiisStatus.DRAFT, proposal_date=None, signing_date=None,
                        signatures=(), evaluations=(), amendments=(), started_on=None)


@pytest.mark.parametrize("cls", MODEL_CLASSES, ids=lambda c: c.__name__)
def test_every_field_and_class_is_labelled_in_fr_and_nl(cls: type) -> None:
    """XSD annotations need a FR and NL label on every class and field."""
    label: Text = cls.LABEL  # type: ignore[attr-defined]
    assert label.fr and label.nl
    for field in attrs.fields(cls):
        text = field.metadata["label"]
        assert text.fr and text.nl and text.en, field.name


@pytest.mark.parametrize("kind", ENUMS, ids=lambda c: c.__name__)
def test_enums_have_stable_values_and_labels(kind: type[enum.Enum]) -> None:
    for member in kind:
        assert member.value == member.name.lower()
        label: Text = member.label  # type: ignore[attr-defined]
        assert label.fr and label.nl


def test_build_from_plain_values() -> None:
    """Loaders can pass enum values and ISO dates as strings."""
    piis = example_piis(beneficiary_status="equivalent_aid", piis_type="social_activation",
                        activation_purpose="participation", decision_date="2024-01-10",
                        evaluation_schedule=["2024-05-01"], status="signed")
    assert piis.beneficiary_status is BeneficiaryStatus.EQUIVALENT_AID
    assert piis.piis_type is PiisType.SOCIAL_ACTIVATION
    assert piis.evaluation_schedule == (D(2024, 5, 1),)
    assert piis.status is PiisStatus.SIGNED
    assert piis.rules_date() == D(2024, 1, 10)


def test_construction_errors_name_the_field() -> None:
    """Unrepresentable values are refused with a path; rule breaches are not."""
    with pytest.raises(InvalidValue) as bad_enum:
        example_piis(piis_type="volunteering")
    assert bad_enum.value.path == "$.piis_type"
    with pytest.raises(CpasError) as bad_date:
        example_piis(evaluation_schedule=("2024-05-01", "soon"))
    assert bad_date.value.path == "$.evaluation_schedule[1]"  # type: ignore[attr-defined]
    with pytest.raises(InvalidType) as bad_flag:
        example_piis(reflection_period_waived="yes")
    assert bad_flag.value.path == "$.reflection_period_waived"
    with pytest.raises(InvalidType) as bad_part:
        Objective(description="x", commitments=(Commitment(party="cpas", description="y"), 3))  # type: ignore[arg-type]
    assert bad_part.value.path == "$.commitments[1]"
    with pytest.raises(InvalidType):
        example_piis(form_b_code=True)
    with pytest.raises(InvalidValue):
        Commitment(party="cpas", description="  ")


def test_rule_breaches_still_build() -> None:
    """Legacy data breaking the law loads: a 2019 community-service PIIS without objectives."""
    piis = example_piis(piis_type=PiisType.COMMUNITY_SERVICE, decision_date=D(2019, 1, 1),
                        objectives=(), volunteering_condition=True, form_b_code=99)
    assert piis.form_b_code == 99


def test_under_25_from_birth_date_or_niss() -> None:
    """Age at the decision date; the NISS gives the birth date when none is recorded."""
    piis = example_piis()  # born 17/05/1990, decision 10/01/2024
    assert piis.under_25() is False
    assert piis.under_25(D(2015, 5, 16)) is True
    assert piis.under_25(D(2015, 5, 17)) is False
    undated = attrs.evolve(piis.beneficiary, birth_date=None)
    assert example_piis(beneficiary=undated).birth_date() == D(1990, 5, 17)


def test_lifecycle_happy_path() -> None:
    """draft → proposed → signed → in progress → closed, each step an evolved copy."""
    draft = _draft()
    proposed = propose(draft, D(2024, 1, 15))
    assert draft.status is PiisStatus.DRAFT
    assert (proposed.status, proposed.proposal_date) == (PiisStatus.PROPOSED, D(2024, 1, 15))
    signed = sign(proposed, D(2024, 1, 22), [Signature(SignerRole.BENEFICIARY, "Zoë Nowak",
                                                       "2024-01-22")])
    assert signed.signing_date == D(2024, 1, 22) and len(signed.signatures) == 1
    assert signed.is_concluded()
    running = start(signed, D(2024, 2, 1))
    evaluated = add_evaluation(running, Evaluation(date="2024-05-01"))
    amended = amend(evaluated, Amendment(date="2024-06-01", description="Horaire",
                                         requested_by=CommitmentParty.BENEFICIARY))
    closed = close(amended, D(2025, 1, 31), ClosureReason.COMPLETED, "Objectifs atteints")
    assert closed.status is PiisStatus.CLOSED
    assert (closed.closed_on, closed.closure_reason) == (D(2025, 1, 31), ClosureReason.COMPLETED)
    assert closed.is_concluded()
    assert len(closed.evaluations) == 1 and len(closed.amendments) == 1


def test_impossible_transitions_raise() -> None:
    """An impossible lifecycle change raises InvalidTransition (a CpasError and ValueError)."""
    draft = _draft()
    with pytest.raises(InvalidTransition) as signing_a_draft:
        sign(draft, D(2024, 1, 22))
    assert isinstance(signing_a_draft.value, CpasError)
    assert isinstance(signing_a_draft.value, ValueError)
    assert signing_a_draft.value.path == "$.status"
    with pytest.raises(InvalidTransition):
        start(draft, D(2024, 2, 1))
    with pytest.raises(InvalidTransition):
        propose(propose(draft, D(2024, 1, 15)), D(2024, 1, 16))
    with pytest.raises(InvalidTransition):
        sign(propose(draft, D(2024, 1, 15)), D(2024, 1, 14))  # before the handover
    closed = close(draft, D(2024, 2, 1), ClosureReason.MOVED)
    assert not closed.is_concluded()
    with pytest.raises(InvalidTransition):
        close(closed, D(2024, 3, 1), ClosureReason.OTHER)
    with pytest.raises(InvalidTransition):
        amend(draft, Amendment(date="2024-06-01", description="x",
                               requested_by=CommitmentParty.CPAS))


def test_objective_lookup() -> None:
    piis = example_piis()
    assert piis.objective("obj-2") is piis.objectives[1]
    assert piis.objective("nope") is None


def test_duration_must_be_a_range() -> None:
    with pytest.raises(InvalidType):
        example_piis(duration="2024-02-01")
    assert example_piis(duration=DateRange("2024-02-01")).duration.end is None


@settings(max_examples=30)
@given(piis_documents())
def test_generated_piis_rebuild_from_their_fields(piis: Piis) -> None:
    """Generated PIIS are frozen values: rebuilding from their fields gives an equal one."""
    values = {f.name: getattr(piis, f.name) for f in attrs.fields(Piis)}
    assert Piis(**values) == piis
