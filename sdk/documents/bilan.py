"""The bilan social (social assessment) and its action plan.

Before concluding a PIIS the CPAS must have assessed the person's needs (AR DIS
11/07/2002 art. 11 §1, kept by the AR of 3 October 2016); SPP IS calls this
assessment the *bilan social*. The social worker draws it up with the person: it
records the person's request and, per life domain, the situation, needs,
resources (capacities) and obstacles, and proposes actions. The life domains
are those of the CPAS's :class:`~cpas.sdk.policy.LocalPolicy` (ten by default).

Following CPAS Saint-Gilles, a domain can be assessed at three moments (start,
intermediate, end) to measure progress; following CPAS Kortrijk, the bilan
carries an action plan whose items flagged ``for_piis`` become the objectives
of the PIIS (:func:`cpas.sdk.derive.piis_from_bilan`). A new bilan is not
needed when a person returns after less than three months of work and the
previous PIIS is re-actualised: the bilan then names that PIIS and the reason.

Only what cannot be represented is refused here (wrong types, a score outside
the 1–5 scale); everything else is a rule check in :mod:`cpas.sdk.rules.bilan`.

Sources: domain.md, "Bilan social (social assessment) and action plan".
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from typing import ClassVar

import attrs

from .._model import facets, instance, label, locate, new_id, opt_text, text, texts, tuple_of
from ..errors import InvalidType, InvalidValue
from ..parties import Cpas, Person, Signature, SocialWorker
from ..periods import to_date, to_opt_date
from ..text import Text

__all__ = [
    "SCORE_MAX",
    "SCORE_MIN",
    "ActionItem",
    "ActionParty",
    "ActionStatus",
    "AssessmentMoment",
    "BilanSocial",
    "DomainAssessment",
]

SCORE_MIN = 1
"""Lowest score of a domain assessment: the situation is a serious problem."""
SCORE_MAX = 5
"""Highest score of a domain assessment: no problem in this domain.

The scale is the SDK's own (no official scale exists): a small 1–5 scale that a
social worker can fill in with the person. A score is optional; a vendor whose
software uses another scale maps it onto this one or leaves it empty.
"""


class AssessmentMoment(enum.Enum):
    """When a domain is assessed (three moments, CPAS Saint-Gilles practice)."""

    START = "start"
    INTERMEDIATE = "intermediate"
    END = "end"

    @property
    def label(self) -> Text:
        return _MOMENT_LABELS[self]

    @property
    def rank(self) -> int:
        """Order of the moment in the trajectory (start 0, intermediate 1, end 2)."""
        return _MOMENT_ORDER.index(self)


_MOMENT_ORDER = (AssessmentMoment.START, AssessmentMoment.INTERMEDIATE, AssessmentMoment.END)
_MOMENT_LABELS: dict[AssessmentMoment, Text] = {
    AssessmentMoment.START: Text(fr="Bilan de départ", nl="Beginmeting", en="Start"),
    AssessmentMoment.INTERMEDIATE: Text(fr="Bilan intermédiaire", nl="Tussentijdse meting",
                                        en="Intermediate"),
    AssessmentMoment.END: Text(fr="Bilan final", nl="Eindmeting", en="End"),
}


class ActionParty(enum.Enum):
    """Who carries out an action of the plan."""

    BENEFICIARY = "beneficiary"
    CPAS = "cpas"
    THIRD_PARTY = "third_party"
    """A partner, training body, employment office… (named in ``party_name``)."""

    @property
    def label(self) -> Text:
        return _PARTY_LABELS[self]


_PARTY_LABELS: dict[ActionParty, Text] = {
    ActionParty.BENEFICIARY: Text(fr="Bénéficiaire", nl="Begunstigde", en="Beneficiary"),
    ActionParty.CPAS: Text(fr="CPAS", nl="OCMW", en="CPAS"),
    ActionParty.THIRD_PARTY: Text(fr="Tiers", nl="Derde", en="Third party"),
}


class ActionStatus(enum.Enum):
    """How far an action of the plan has got."""

    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    ABANDONED = "abandoned"

    @property
    def label(self) -> Text:
        return _STATUS_LABELS[self]


_STATUS_LABELS: dict[ActionStatus, Text] = {
    ActionStatus.PLANNED: Text(fr="Prévue", nl="Gepland", en="Planned"),
    ActionStatus.IN_PROGRESS: Text(fr="En cours", nl="Lopend", en="In progress"),
    ActionStatus.DONE: Text(fr="Réalisée", nl="Uitgevoerd", en="Done"),
    ActionStatus.ABANDONED: Text(fr="Abandonnée", nl="Stopgezet", en="Abandoned"),
}


def _score(value: int | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidType(f"expected an integer score, got {type(value).__name__}")
    if not SCORE_MIN <= value <= SCORE_MAX:
        raise InvalidValue(f"score must be between {SCORE_MIN} and {SCORE_MAX}",
                           shown=str(value))
    return value


facets(_score, minInclusive=str(SCORE_MIN), maxInclusive=str(SCORE_MAX))


def _moment(value: AssessmentMoment | str) -> AssessmentMoment:
    if isinstance(value, AssessmentMoment):
        return value
    if isinstance(value, str):
        try:
            return AssessmentMoment(value)
        except ValueError:
            raise InvalidValue("unknown assessment moment", shown=repr(value)) from None
    raise InvalidType(f"expected an assessment moment, got {type(value).__name__}")


def _party(value: ActionParty | str) -> ActionParty:
    if isinstance(value, ActionParty):
        return value
    if isinstance(value, str):
        try:
            return ActionParty(value)
        except ValueError:
            raise InvalidValue("unknown party", shown=repr(value)) from None
    raise InvalidType(f"expected a party, got {type(value).__name__}")


def _opt_status(value: ActionStatus | str | None) -> ActionStatus | None:
    if value is None or isinstance(value, ActionStatus):
        return value
    if isinstance(value, str):
        try:
            return ActionStatus(value)
        except ValueError:
            raise InvalidValue("unknown action status", shown=repr(value)) from None
    raise InvalidType(f"expected an action status, got {type(value).__name__}")


def _bool(value: bool) -> bool:
    if not isinstance(value, bool):
        raise InvalidType(f"expected true or false, got {type(value).__name__}")
    return value


@attrs.frozen(field_transformer=locate, kw_only=True)
class DomainAssessment:
    """The assessment of one life domain at one moment."""

    LABEL: ClassVar[Text] = Text(fr="Évaluation d'un domaine de vie",
                                 nl="Meting van een levensdomein",
                                 en="Assessment of a life domain")

    domain: str = attrs.field(converter=text, metadata=label(
        "Domaine de vie", "Levensdomein", "Life domain"))
    """Id of a life domain of the CPAS's policy (``housing``, ``health``…)."""
    moment: AssessmentMoment = attrs.field(converter=_moment, metadata=label(
        "Moment du bilan", "Moment van de meting", "Moment"))
    assessed_on: dt.date = attrs.field(converter=to_date, metadata=label(
        "Date de l'évaluation", "Datum van de meting", "Assessed on"))
    situation: str = attrs.field(converter=text, metadata=label(
        "Situation", "Situatie", "Situation"))
    needs: tuple[str, ...] = attrs.field(default=(), converter=texts, metadata=label(
        "Besoins", "Noden", "Needs"))
    resources: tuple[str, ...] = attrs.field(default=(), converter=texts, metadata=label(
        "Ressources et capacités", "Krachten en mogelijkheden", "Resources and capacities"))
    obstacles: tuple[str, ...] = attrs.field(default=(), converter=texts, metadata=label(
        "Obstacles", "Drempels", "Obstacles"))
    score: int | None = attrs.field(default=None, converter=_score, metadata=label(
        "Score (1 à 5)", "Score (1 tot 5)", "Score (1 to 5)"))
    """1 = serious problem … 5 = no problem; ``None`` when not scored."""
    comment: str | None = attrs.field(default=None, converter=opt_text, metadata=label(
        "Commentaire", "Opmerking", "Comment"))


@attrs.frozen(field_transformer=locate, kw_only=True)
class ActionItem:
    """One action of the plan, linked to one or more life domains.

    Items with ``for_piis`` become objectives of the PIIS derived from the bilan.
    """

    LABEL: ClassVar[Text] = Text(fr="Action du plan d'action", nl="Actie van het actieplan",
                                 en="Action plan item")

    id: str = attrs.field(factory=new_id, converter=text, metadata=label(
        "Identifiant", "Identificatie", "Identifier"))
    domains: tuple[str, ...] = attrs.field(converter=texts, metadata=label(
        "Domaines de vie", "Levensdomeinen", "Life domains"))
    description: str = attrs.field(converter=text, metadata=label(
        "Description", "Omschrijving", "Description"))
    party: ActionParty = attrs.field(converter=_party, metadata=label(
        "Qui", "Wie", "Who"))
    party_name: str | None = attrs.field(default=None, converter=opt_text, metadata=label(
        "Nom de l'intervenant", "Naam van de betrokkene", "Name of the party"))
    deadline: dt.date | None = attrs.field(default=None, converter=to_opt_date, metadata=label(
        "Échéance", "Termijn", "Deadline"))
    for_piis: bool = attrs.field(default=False, converter=_bool, metadata=label(
        "Reprise dans le PIIS", "Opgenomen in het GPMI", "For the PIIS"))
    status: ActionStatus | None = attrs.field(default=None, converter=_opt_status, metadata=label(
        "État", "Stand van zaken", "Status"))


def _assessments(values: Iterable[DomainAssessment]) -> tuple[DomainAssessment, ...]:
    return tuple_of(DomainAssessment)(values)


def _action_plan(values: Iterable[ActionItem]) -> tuple[ActionItem, ...]:
    return tuple_of(ActionItem)(values)


def _signatures(values: Iterable[Signature]) -> tuple[Signature, ...]:
    return tuple_of(Signature)(values)


@attrs.frozen(field_transformer=locate, kw_only=True)
class BilanSocial:
    """A bilan social: the person's request, the assessment per life domain, the action plan.

    ``prepares_piis`` says the bilan is the prior assessment of a PIIS (AR DIS art.
    11 §1); a bilan drawn up for follow-up only (e.g. at the yearly extension of the
    aid, Kortrijk) sets it to ``False``. When a person returns after less than three
    months of work, no new assessment is needed: ``previous_piis_id`` names the PIIS
    that is re-actualised and ``no_new_assessment_reason`` says why.
    """

    LABEL: ClassVar[Text] = Text(fr="Bilan social", nl="Sociale balans", en="Social assessment")

    id: str = attrs.field(factory=new_id, converter=text, metadata=label(
        "Identifiant", "Identificatie", "Identifier"))
    cpas: Cpas = attrs.field(validator=instance(Cpas), metadata=label("CPAS", "OCMW", "CPAS"))
    person: Person = attrs.field(validator=instance(Person), metadata=label(
        "Personne", "Persoon", "Person"))
    social_worker: SocialWorker = attrs.field(validator=instance(SocialWorker), metadata=label(
        "Assistant social", "Maatschappelijk werker", "Social worker"))
    request: str = attrs.field(converter=text, metadata=label(
        "Demande de la personne", "Hulpvraag", "Request of the person"))
    drawn_up_on: dt.date = attrs.field(converter=to_date, metadata=label(
        "Date d'établissement", "Datum van opmaak", "Drawn up on"))
    assessments: tuple[DomainAssessment, ...] = attrs.field(
        default=(), converter=_assessments, metadata=label(
            "Évaluations par domaine", "Metingen per domein", "Assessments"))
    action_plan: tuple[ActionItem, ...] = attrs.field(
        default=(), converter=_action_plan, metadata=label(
            "Plan d'action", "Actieplan", "Action plan"))
    prepares_piis: bool = attrs.field(default=True, converter=_bool, metadata=label(
        "Préalable à un PIIS", "Voorafgaand aan een GPMI", "Prepares a PIIS"))
    previous_piis_id: str | None = attrs.field(default=None, converter=opt_text, metadata=label(
        "PIIS précédent", "Vorig GPMI", "Previous PIIS"))
    no_new_assessment_reason: str | None = attrs.field(
        default=None, converter=opt_text, metadata=label(
            "Motif d'absence de nouveau bilan", "Reden waarom geen nieuwe balans nodig is",
            "Why no new assessment is needed"))
    signatures: tuple[Signature, ...] = attrs.field(
        default=(), converter=_signatures, metadata=label(
            "Signatures", "Handtekeningen", "Signatures"))

    def rules_date(self) -> dt.date:
        """The bilan is checked against the law of the day it was drawn up."""
        return self.drawn_up_on

    def assessments_at(self, moment: AssessmentMoment) -> tuple[DomainAssessment, ...]:
        """The assessments made at ``moment``, in document order."""
        return tuple(a for a in self.assessments if a.moment is moment)

    def piis_items(self) -> tuple[ActionItem, ...]:
        """The action items flagged to become PIIS objectives, in plan order."""
        return tuple(item for item in self.action_plan if item.for_piis)
