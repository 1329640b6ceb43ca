"""The PIIS: projet individualisé d'intégration sociale (NL: GPMI).

A written contract between the CPAS and a person (possibly with third parties
such as a training body) stating objectives, the commitments of every party,
the domains of action, the duration, the deadlines and the evaluation
arrangements. It is based on a prior assessment of needs (the bilan social),
signed after a reflection period, evaluated several times a year and may be
amended at either party's request.

Legal basis: loi du 26 mai 2002 concernant le droit à l'intégration sociale
(loi DIS) art. 11 and 13 §3; AR du 11 juillet 2002 art. 10–21; reform by the
loi du 21 juillet 2016, the AR du 3 octobre 2016 and the circular of
12 October 2016 (in force 1 November 2016). domain.md, "PIIS".

This module only models the document: it refuses what cannot be represented
(wrong types, impossible dates in a range). Whether a PIIS respects the law is
checked by the rules in :mod:`cpas.sdk.rules.piis`, so legacy PIIS can be
loaded and reported on. Lifecycle changes go through :func:`propose`,
:func:`sign`, :func:`start` and :func:`close`, which return evolved copies.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from typing import ClassVar

import attrs

from .._model import (
    label,
    locate,
    member,
    new_id,
    opt_count,
    opt_member,
    opt_text,
    text,
    texts,
    tuple_of,
)
from ..errors import InvalidType, InvalidValue
from ..parties import Cpas, Person, Signature, SocialWorker
from ..periods import DateRange, to_date, to_opt_date
from ..text import Text

__all__ = [
    "ActivationPurpose",
    "Amendment",
    "BeneficiaryStatus",
    "ClosureReason",
    "Commitment",
    "CommitmentParty",
    "Evaluation",
    "EvaluationOutcome",
    "ExemptionReason",
    "InvalidTransition",
    "Objective",
    "ObjectiveResult",
    "Piis",
    "PiisStatus",
    "PiisType",
    "add_evaluation",
    "amend",
    "close",
    "propose",
    "sign",
    "start",
]


# --- Enumerations ----------------------------------------------------------------------------


class BeneficiaryStatus(enum.Enum):
    """What the person receives from the CPAS; decides which clauses can apply."""

    RIS = "ris"
    """Revenu d'intégration / leefloon (loi DIS)."""
    EQUIVALENT_AID = "equivalent_aid"
    """Aide sociale financière équivalente (loi organique des CPAS, art. 60 §3)."""
    OTHER_USER = "other_user"
    """Another user of the CPAS who receives neither (e.g. social activation only)."""

    @property
    def label(self) -> Text:
        return _STATUS_LABELS[self]


_STATUS_LABELS: dict[BeneficiaryStatus, Text] = {
    BeneficiaryStatus.RIS: Text(fr="Revenu d'intégration", nl="Leefloon",
                                en="Social integration income"),
    BeneficiaryStatus.EQUIVALENT_AID: Text(
        fr="Aide sociale équivalente au revenu d'intégration",
        nl="Financiële maatschappelijke hulp gelijkwaardig aan het leefloon",
        en="Financial social aid equivalent to the integration income"),
    BeneficiaryStatus.OTHER_USER: Text(fr="Autre usager du CPAS",
                                       nl="Andere gebruiker van het OCMW",
                                       en="Other user of the CPAS"),
}


class PiisType(enum.Enum):
    """The orientation of the PIIS (domain.md, PIIS, "Orientation / types")."""

    STUDIES = "studies"
    """Full-time studies (secondary, higher, day courses of social promotion, apprenticeship)."""
    TRAINING = "training"
    SOCIO_PROFESSIONAL = "socio_professional"
    SOCIAL_ACTIVATION = "social_activation"
    COMMUNITY_SERVICE = "community_service"
    """Historical: valid only 1 Nov 2016 – 30 Sep 2018 (annulled by C. const. 86/2018)."""

    @property
    def label(self) -> Text:
        return _TYPE_LABELS[self]


_TYPE_LABELS: dict[PiisType, Text] = {
    PiisType.STUDIES: Text(fr="Études de plein exercice", nl="Voltijdse studies",
                           en="Full-time studies"),
    PiisType.TRAINING: Text(fr="Formation", nl="Opleiding", en="Training"),
    PiisType.SOCIO_PROFESSIONAL: Text(fr="Insertion socioprofessionnelle",
                                      nl="Socioprofessionele inschakeling",
                                      en="Socio-professional integration"),
    PiisType.SOCIAL_ACTIVATION: Text(fr="Activation sociale", nl="Sociale activering",
                                     en="Social activation"),
    PiisType.COMMUNITY_SERVICE: Text(fr="Service communautaire (annulé en 2018)",
                                     nl="Gemeenschapsdienst (vernietigd in 2018)",
                                     en="Community service (annulled in 2018)"),
}


class ActivationPurpose(enum.Enum):
    """The three purposes of social activation (annual report SPP IS 2013)."""

    PARTICIPATION = "participation"
    """Participation and breaking isolation, as an end in itself."""
    STEP_TO_SOCIO_PROFESSIONAL = "step_to_socio_professional"
    """A first step towards a socio-professional trajectory."""
    STEP_TO_PAID_WORK = "step_to_paid_work"
    """A first step towards later paid work."""

    @property
    def label(self) -> Text:
        return _PURPOSE_LABELS[self]


_PURPOSE_LABELS: dict[ActivationPurpose, Text] = {
    ActivationPurpose.PARTICIPATION: Text(
        fr="Participation sociale et rupture de l'isolement comme fin en soi",
        nl="Maatschappelijke participatie en doorbreken van isolement als doel op zich",
        en="Social participation and breaking isolation as an end in itself"),
    ActivationPurpose.STEP_TO_SOCIO_PROFESSIONAL: Text(
        fr="Première étape vers un trajet socioprofessionnel",
        nl="Eerste stap naar een socioprofessioneel traject",
        en="First step towards a socio-professional trajectory"),
    ActivationPurpose.STEP_TO_PAID_WORK: Text(
        fr="Première étape vers un travail rémunéré",
        nl="Eerste stap naar betaald werk",
        en="First step towards paid work"),
}


class CommitmentParty(enum.Enum):
    """Who commits to something (or asks for an amendment)."""

    BENEFICIARY = "beneficiary"
    CPAS = "cpas"
    THIRD_PARTY = "third_party"

    @property
    def label(self) -> Text:
        return _PARTY_LABELS[self]


_PARTY_LABELS: dict[CommitmentParty, Text] = {
    CommitmentParty.BENEFICIARY: Text(fr="Bénéficiaire", nl="Begunstigde", en="Beneficiary"),
    CommitmentParty.CPAS: Text(fr="CPAS", nl="OCMW", en="CPAS"),
    CommitmentParty.THIRD_PARTY: Text(fr="Tiers partenaire", nl="Derde partner",
                                      en="Third party"),
}


class EvaluationOutcome(enum.Enum):
    """How an objective evolved at an evaluation."""

    POSITIVE = "positive"
    UNCHANGED = "unchanged"
    NEGATIVE = "negative"

    @property
    def label(self) -> Text:
        return _OUTCOME_LABELS[self]


_OUTCOME_LABELS: dict[EvaluationOutcome, Text] = {
    EvaluationOutcome.POSITIVE: Text(fr="Positive", nl="Positief", en="Positive"),
    EvaluationOutcome.UNCHANGED: Text(fr="Inchangée", nl="Onveranderd", en="Unchanged"),
    EvaluationOutcome.NEGATIVE: Text(fr="Négative", nl="Negatief", en="Negative"),
}


class PiisStatus(enum.Enum):
    """Lifecycle: draft → proposed → signed → in progress → closed."""

    DRAFT = "draft"
    PROPOSED = "proposed"
    """Handed over to the person: the reflection period runs."""
    SIGNED = "signed"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"

    @property
    def label(self) -> Text:
        return _LIFECYCLE_LABELS[self]


_LIFECYCLE_LABELS: dict[PiisStatus, Text] = {
    PiisStatus.DRAFT: Text(fr="Projet", nl="Ontwerp", en="Draft"),
    PiisStatus.PROPOSED: Text(fr="Proposé", nl="Voorgesteld", en="Proposed"),
    PiisStatus.SIGNED: Text(fr="Signé", nl="Ondertekend", en="Signed"),
    PiisStatus.IN_PROGRESS: Text(fr="En cours", nl="Lopend", en="In progress"),
    PiisStatus.CLOSED: Text(fr="Clôturé", nl="Afgesloten", en="Closed"),
}


class ClosureReason(enum.Enum):
    """Why a PIIS was closed."""

    COMPLETED = "completed"
    DROPPED_OUT = "dropped_out"
    MOVED = "moved"
    """The person moved to another CPAS (the PIIS may be exchanged with it)."""
    NO_LONGER_ENTITLED = "no_longer_entitled"
    OTHER = "other"

    @property
    def label(self) -> Text:
        return _CLOSURE_LABELS[self]


_CLOSURE_LABELS: dict[ClosureReason, Text] = {
    ClosureReason.COMPLETED: Text(fr="Objectifs atteints / terme échu",
                                  nl="Doelstellingen bereikt / looptijd verstreken",
                                  en="Completed"),
    ClosureReason.DROPPED_OUT: Text(fr="Abandon", nl="Afgehaakt", en="Dropped out"),
    ClosureReason.MOVED: Text(fr="Déménagement", nl="Verhuisd", en="Moved"),
    ClosureReason.NO_LONGER_ENTITLED: Text(fr="Fin du droit", nl="Geen recht meer",
                                           en="No longer entitled"),
    ClosureReason.OTHER: Text(fr="Autre", nl="Andere", en="Other"),
}


class ExemptionReason(enum.Enum):
    """Why a mandatory PIIS is not concluded (loi DIS art. 11 §3; form-B code 8)."""

    HEALTH = "health"
    EQUITY = "equity"

    @property
    def label(self) -> Text:
        return _EXEMPTION_LABELS[self]


_EXEMPTION_LABELS: dict[ExemptionReason, Text] = {
    ExemptionReason.HEALTH: Text(fr="Raisons de santé", nl="Gezondheidsredenen",
                                 en="Health reasons"),
    ExemptionReason.EQUITY: Text(fr="Raisons d'équité", nl="Billijkheidsredenen",
                                 en="Equity reasons"),
}


class InvalidTransition(InvalidValue):
    """A lifecycle change that is impossible from the PIIS's current status or date.

    Subclasses :class:`~cpas.sdk.errors.CpasError` and ``ValueError``.
    """


# --- Converters ------------------------------------------------------------------------------


def _beneficiary_status(value: BeneficiaryStatus | str) -> BeneficiaryStatus:
    return member(BeneficiaryStatus, value)


def _piis_type(value: PiisType | str) -> PiisType:
    return member(PiisType, value)


def _opt_purpose(value: ActivationPurpose | str | None) -> ActivationPurpose | None:
    return opt_member(ActivationPurpose, value)


def _party(value: CommitmentParty | str) -> CommitmentParty:
    return member(CommitmentParty, value)


def _outcome(value: EvaluationOutcome | str) -> EvaluationOutcome:
    return member(EvaluationOutcome, value)


def _lifecycle(value: PiisStatus | str) -> PiisStatus:
    return member(PiisStatus, value)


def _opt_closure(value: ClosureReason | str | None) -> ClosureReason | None:
    return opt_member(ClosureReason, value)


def _opt_exemption(value: ExemptionReason | str | None) -> ExemptionReason | None:
    return opt_member(ExemptionReason, value)


def _flag(value: bool) -> bool:
    if not isinstance(value, bool):
        raise InvalidType(f"expected true or false, got {type(value).__name__}")
    return value


def _dates(values: Iterable[dt.date | str]) -> tuple[dt.date, ...]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise InvalidType("expected a sequence of dates")
    out: list[dt.date] = []
    for index, value in enumerate(values):
        try:
            out.append(to_date(value))
        except (InvalidType, InvalidValue) as exc:
            raise type(exc)(exc.reason, path=f"$[{index}]", shown=exc.shown) from None
    return tuple(out)


def _cpas(value: Cpas) -> Cpas:
    if not isinstance(value, Cpas):
        raise InvalidType(f"expected Cpas, got {type(value).__name__}")
    return value


def _person(value: Person) -> Person:
    if not isinstance(value, Person):
        raise InvalidType(f"expected Person, got {type(value).__name__}")
    return value


def _opt_worker(value: SocialWorker | None) -> SocialWorker | None:
    if value is not None and not isinstance(value, SocialWorker):
        raise InvalidType(f"expected SocialWorker, got {type(value).__name__}")
    return value


def _range(value: DateRange) -> DateRange:
    if not isinstance(value, DateRange):
        raise InvalidType(f"expected DateRange, got {type(value).__name__}")
    return value


# --- Parts -----------------------------------------------------------------------------------


@attrs.frozen(kw_only=True, field_transformer=locate)
class Commitment:
    """What one party undertakes to do for an objective, and by when."""

    LABEL: ClassVar[Text] = Text(fr="Engagement", nl="Engagement", en="Commitment")

    party: CommitmentParty = attrs.field(
        converter=_party, metadata=label("Partie", "Partij", "Party"))
    third_party_name: str | None = attrs.field(
        default=None, converter=opt_text,
        metadata=label("Nom du tiers", "Naam van de derde", "Third party's name"))
    description: str = attrs.field(
        converter=text, metadata=label("Description", "Omschrijving", "Description"))
    deadline: dt.date | None = attrs.field(
        default=None, converter=to_opt_date,
        metadata=label("Échéance", "Termijn", "Deadline"))


def _commitments(values: Iterable[Commitment]) -> tuple[Commitment, ...]:
    return tuple_of(Commitment)(values)


@attrs.frozen(kw_only=True, field_transformer=locate)
class Objective:
    """One objective of the PIIS, the life domains it concerns and the commitments for it."""

    LABEL: ClassVar[Text] = Text(fr="Objectif", nl="Doelstelling", en="Objective")

    id: str = attrs.field(factory=new_id, converter=text,
                          metadata=label("Identifiant", "Identificatie", "Identifier"))
    description: str = attrs.field(
        converter=text, metadata=label("Description", "Omschrijving", "Description"))
    domains: tuple[str, ...] = attrs.field(
        default=(), converter=texts,
        metadata=label("Domaines de vie", "Levensdomeinen", "Life domains"))
    commitments: tuple[Commitment, ...] = attrs.field(
        default=(), converter=_commitments,
        metadata=label("Engagements", "Engagementen", "Commitments"))
    deadline: dt.date | None = attrs.field(
        default=None, converter=to_opt_date, metadata=label("Échéance", "Termijn", "Deadline"))
    action_item_id: str | None = attrs.field(
        default=None, converter=opt_text,
        metadata=label("Action du bilan social", "Actie van de sociale balans",
                       "Bilan social action item"))


def _objectives(values: Iterable[Objective]) -> tuple[Objective, ...]:
    return tuple_of(Objective)(values)


@attrs.frozen(kw_only=True, field_transformer=locate)
class ObjectiveResult:
    """The result of one objective at an evaluation."""

    LABEL: ClassVar[Text] = Text(fr="Résultat par objectif", nl="Resultaat per doelstelling",
                                 en="Result per objective")

    objective_id: str = attrs.field(
        converter=text, metadata=label("Objectif", "Doelstelling", "Objective"))
    outcome: EvaluationOutcome = attrs.field(
        converter=_outcome, metadata=label("Évolution", "Evolutie", "Outcome"))
    comment: str | None = attrs.field(
        default=None, converter=opt_text,
        metadata=label("Commentaire", "Commentaar", "Comment"))


def _results(values: Iterable[ObjectiveResult]) -> tuple[ObjectiveResult, ...]:
    return tuple_of(ObjectiveResult)(values)


@attrs.frozen(kw_only=True, field_transformer=locate)
class Evaluation:
    """One evaluation of the PIIS with the social worker (AR DIS art. 19)."""

    LABEL: ClassVar[Text] = Text(fr="Évaluation", nl="Evaluatie", en="Evaluation")

    id: str = attrs.field(factory=new_id, converter=text,
                          metadata=label("Identifiant", "Identificatie", "Identifier"))
    date: dt.date = attrs.field(converter=to_date, metadata=label("Date", "Datum", "Date"))
    face_to_face: bool = attrs.field(
        default=True, converter=_flag,
        metadata=label("Entretien en face à face", "Persoonlijk gesprek", "Face to face"))
    results: tuple[ObjectiveResult, ...] = attrs.field(
        default=(), converter=_results,
        metadata=label("Résultats par objectif", "Resultaten per doelstelling",
                       "Results per objective"))
    comment: str | None = attrs.field(
        default=None, converter=opt_text,
        metadata=label("Commentaire général", "Algemeen commentaar", "General comment"))


def _evaluations(values: Iterable[Evaluation]) -> tuple[Evaluation, ...]:
    return tuple_of(Evaluation)(values)


@attrs.frozen(kw_only=True, field_transformer=locate)
class Amendment:
    """A change to the PIIS agreed during its course, at either party's request."""

    LABEL: ClassVar[Text] = Text(fr="Avenant", nl="Aanpassing", en="Amendment")

    id: str = attrs.field(factory=new_id, converter=text,
                          metadata=label("Identifiant", "Identificatie", "Identifier"))
    date: dt.date = attrs.field(converter=to_date, metadata=label("Date", "Datum", "Date"))
    description: str = attrs.field(
        converter=text, metadata=label("Description", "Omschrijving", "Description"))
    requested_by: CommitmentParty = attrs.field(
        converter=_party, metadata=label("Demandé par", "Aangevraagd door", "Requested by"))


def _amendments(values: Iterable[Amendment]) -> tuple[Amendment, ...]:
    return tuple_of(Amendment)(values)


def _signatures(values: Iterable[Signature]) -> tuple[Signature, ...]:
    return tuple_of(Signature)(values)


# --- The document ----------------------------------------------------------------------------


@attrs.frozen(kw_only=True, field_transformer=locate)
class Piis:
    """A projet individualisé d'intégration sociale (GPMI), as concluded or being prepared.

    Loi DIS art. 11 and 13 §3; AR DIS 11/07/2002 art. 10–21 as amended by
    AR 03/10/2016. domain.md, "PIIS". Rule checks: :mod:`cpas.sdk.rules.piis`.
    """

    LABEL: ClassVar[Text] = Text(
        fr="Projet individualisé d'intégration sociale (PIIS)",
        nl="Geïndividualiseerd project voor maatschappelijke integratie (GPMI)",
        en="Individualised social integration project (PIIS)")

    id: str = attrs.field(factory=new_id, converter=text,
                          metadata=label("Identifiant", "Identificatie", "Identifier"))
    cpas: Cpas = attrs.field(converter=_cpas, metadata=label("CPAS", "OCMW", "CPAS"))
    beneficiary: Person = attrs.field(
        converter=_person, metadata=label("Bénéficiaire", "Begunstigde", "Beneficiary"))
    beneficiary_status: BeneficiaryStatus = attrs.field(
        converter=_beneficiary_status,
        metadata=label("Statut du bénéficiaire", "Statuut van de begunstigde",
                       "Beneficiary's status"))
    is_new_beneficiary: bool = attrs.field(
        default=False, converter=_flag,
        metadata=label("Nouveau bénéficiaire (pas de RI les 3 mois précédents)",
                       "Nieuwe begunstigde (geen leefloon in de 3 voorgaande maanden)",
                       "New beneficiary (no integration income in the previous 3 months)"))
    is_full_time_student: bool = attrs.field(
        default=False, converter=_flag,
        metadata=label("Étudiant de plein exercice", "Voltijdse student", "Full-time student"))
    social_worker: SocialWorker | None = attrs.field(
        default=None, converter=_opt_worker,
        metadata=label("Travailleur social", "Maatschappelijk werker", "Social worker"))
    replacement_social_worker: SocialWorker | None = attrs.field(
        default=None, converter=_opt_worker,
        metadata=label("Travailleur social remplaçant", "Vervangende maatschappelijk werker",
                       "Replacement social worker"))
    piis_type: PiisType = attrs.field(
        converter=_piis_type, metadata=label("Type de PIIS", "Type GPMI", "PIIS type"))
    activation_purpose: ActivationPurpose | None = attrs.field(
        default=None, converter=_opt_purpose,
        metadata=label("Finalité de l'activation sociale", "Doel van de sociale activering",
                       "Purpose of social activation"))
    domains: tuple[str, ...] = attrs.field(
        default=(), converter=texts,
        metadata=label("Domaines d'action", "Actiedomeinen", "Domains of action"))
    objectives: tuple[Objective, ...] = attrs.field(
        default=(), converter=_objectives,
        metadata=label("Objectifs", "Doelstellingen", "Objectives"))
    decision_date: dt.date = attrs.field(
        converter=to_date,
        metadata=label("Date de la décision d'octroi", "Datum van de toekenningsbeslissing",
                       "Date of the granting decision"))
    notification_date: dt.date | None = attrs.field(
        default=None, converter=to_opt_date,
        metadata=label("Date de notification", "Datum van kennisgeving", "Notification date"))
    proposal_date: dt.date | None = attrs.field(
        default=None, converter=to_opt_date,
        metadata=label("Date de remise du projet", "Datum van overhandiging van het ontwerp",
                       "Date the draft was handed over"))
    signing_date: dt.date | None = attrs.field(
        default=None, converter=to_opt_date,
        metadata=label("Date de signature", "Datum van ondertekening", "Signing date"))
    duration: DateRange = attrs.field(
        converter=_range, metadata=label("Durée", "Looptijd", "Duration"))
    evaluation_schedule: tuple[dt.date, ...] = attrs.field(
        default=(), converter=_dates,
        metadata=label("Calendrier des évaluations", "Evaluatiekalender",
                       "Evaluation schedule"))
    evaluations: tuple[Evaluation, ...] = attrs.field(
        default=(), converter=_evaluations,
        metadata=label("Évaluations", "Evaluaties", "Evaluations"))
    assisting_person: str | None = attrs.field(
        default=None, converter=opt_text,
        metadata=label("Personne de son choix qui assiste", "Persoon naar keuze die bijstaat",
                       "Person of choice assisting"))
    reflection_period_waived: bool = attrs.field(
        default=False, converter=_flag,
        metadata=label("Renonciation expresse au délai de réflexion",
                       "Uitdrukkelijke afstand van de bedenktijd",
                       "Reflection period expressly waived"))
    signatures: tuple[Signature, ...] = attrs.field(
        default=(), converter=_signatures,
        metadata=label("Signatures", "Handtekeningen", "Signatures"))
    amendments: tuple[Amendment, ...] = attrs.field(
        default=(), converter=_amendments,
        metadata=label("Avenants", "Aanpassingen", "Amendments"))
    status: PiisStatus = attrs.field(
        default=PiisStatus.DRAFT, converter=_lifecycle,
        metadata=label("État", "Status", "Status"))
    started_on: dt.date | None = attrs.field(
        default=None, converter=to_opt_date,
        metadata=label("Date de début d'exécution", "Datum van begin van de uitvoering",
                       "Start of execution"))
    closed_on: dt.date | None = attrs.field(
        default=None, converter=to_opt_date,
        metadata=label("Date de clôture", "Datum van afsluiting", "Closing date"))
    closure_reason: ClosureReason | None = attrs.field(
        default=None, converter=_opt_closure,
        metadata=label("Motif de clôture", "Reden van afsluiting", "Closure reason"))
    closure_comment: str | None = attrs.field(
        default=None, converter=opt_text,
        metadata=label("Commentaire de clôture", "Commentaar bij afsluiting", "Closure comment"))
    form_b_code: int | None = attrs.field(
        default=None, converter=opt_count,
        metadata=label("Code PIIS du formulaire B", "GPMI-code van formulier B",
                       "Form B PIIS code"))
    exemption_reason: ExemptionReason | None = attrs.field(
        default=None, converter=_opt_exemption,
        metadata=label("Dispense pour raisons de santé ou d'équité",
                       "Vrijstelling om gezondheids- of billijkheidsredenen",
                       "Exemption for health or equity reasons"))
    exemption_explanation: str | None = attrs.field(
        default=None, converter=opt_text,
        metadata=label("Motivation de la dispense", "Motivering van de vrijstelling",
                       "Explanation of the exemption"))
    bilan_id: str | None = attrs.field(
        default=None, converter=opt_text,
        metadata=label("Bilan social de référence", "Onderliggende sociale balans",
                       "Bilan social it is based on"))
    volunteering_condition: bool = attrs.field(
        default=False, converter=_flag,
        metadata=label("Volontariat imposé comme condition",
                       "Vrijwilligerswerk als voorwaarde opgelegd",
                       "Volunteering made a condition"))
    includes_voluntary_work: bool = attrs.field(
        default=False, converter=_flag,
        metadata=label("Comprend du volontariat", "Omvat vrijwilligerswerk",
                       "Includes voluntary work"))

    def rules_date(self) -> dt.date:
        """The decision granting the revenu d'intégration: the law of that day applies."""
        return self.decision_date

    def birth_date(self) -> dt.date | None:
        """The beneficiary's birth date, or the best effort from the NISS."""
        return self.beneficiary.birth_date or self.beneficiary.niss.birth_date()

    def under_25(self, on: dt.date | None = None) -> bool | None:
        """Whether the beneficiary is under 25 ``on`` (default: the decision date).

        ``None`` when the birth date is unknown.
        """
        born = self.birth_date()
        if born is None:
            return None
        day = on or self.decision_date
        age = day.year - born.year - ((day.month, day.day) < (born.month, born.day))
        return age < 25

    def is_concluded(self) -> bool:
        """Whether the contract was signed: status signed or in progress, or closed with a
        signing date or signatures (a PIIS may also be closed before it was signed)."""
        if self.status in (PiisStatus.SIGNED, PiisStatus.IN_PROGRESS):
            return True
        closed = self.status is PiisStatus.CLOSED
        return closed and (self.signing_date is not None or bool(self.signatures))

    def objective(self, objective_id: str) -> Objective | None:
        """The objective with this id, if any."""
        for item in self.objectives:
            if item.id == objective_id:
                return item
        return None


# --- Lifecycle -------------------------------------------------------------------------------


def _refuse(piis: Piis, action: str) -> InvalidTransition:
    return InvalidTransition(f"cannot {action} a PIIS that is {piis.status.value}",
                             field="status", shown=piis.status.value)


def _not_before(on: dt.date, earlier: dt.date | None, what: str) -> None:
    if earlier is not None and on < earlier:
        raise InvalidTransition(f"date is before the {what} ({earlier.isoformat()})",
                                field="status", shown=on.isoformat())


def propose(piis: Piis, on: dt.date) -> Piis:
    """Hand the draft over to the person: the reflection period starts ``on``."""
    if piis.status is not PiisStatus.DRAFT:
        raise _refuse(piis, "propose")
    _not_before(on, piis.decision_date, "decision date")
    return attrs.evolve(piis, status=PiisStatus.PROPOSED, proposal_date=on)


def sign(piis: Piis, on: dt.date, signatures: Iterable[Signature] = ()) -> Piis:
    """Record the conclusion of a proposed PIIS ``on``, adding ``signatures``.

    Whether the reflection period was respected is a rule check, not a refusal here.
    """
    if piis.status is not PiisStatus.PROPOSED:
        raise _refuse(piis, "sign")
    _not_before(on, piis.proposal_date, "proposal date")
    return attrs.evolve(piis, status=PiisStatus.SIGNED, signing_date=on,
                        signatures=piis.signatures + _signatures(signatures))


def start(piis: Piis, on: dt.date) -> Piis:
    """Start carrying out a signed PIIS ``on``."""
    if piis.status is not PiisStatus.SIGNED:
        raise _refuse(piis, "start")
    _not_before(on, piis.signing_date, "signing date")
    return attrs.evolve(piis, status=PiisStatus.IN_PROGRESS, started_on=on)


def close(piis: Piis, on: dt.date, reason: ClosureReason,
          comment: str | None = None) -> Piis:
    """Close the PIIS ``on`` for ``reason`` (from any status but closed)."""
    if piis.status is PiisStatus.CLOSED:
        raise _refuse(piis, "close")
    dates = (piis.decision_date, piis.proposal_date, piis.signing_date, piis.started_on)
    latest = max(d for d in dates if d is not None)
    _not_before(on, latest, "last lifecycle date")
    return attrs.evolve(piis, status=PiisStatus.CLOSED, closed_on=on,
                        closure_reason=reason, closure_comment=comment)


def amend(piis: Piis, amendment: Amendment) -> Piis:
    """Add an amendment to a signed or running PIIS."""
    if piis.status not in (PiisStatus.SIGNED, PiisStatus.IN_PROGRESS):
        raise _refuse(piis, "amend")
    return attrs.evolve(piis, amendments=(*piis.amendments, amendment))


def add_evaluation(piis: Piis, evaluation: Evaluation) -> Piis:
    """Record an evaluation of a signed or running PIIS."""
    if piis.status not in (PiisStatus.SIGNED, PiisStatus.IN_PROGRESS):
        raise _refuse(piis, "evaluate")
    return attrs.evolve(piis, evaluations=(*piis.evaluations, evaluation))

