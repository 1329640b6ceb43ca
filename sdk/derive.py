"""Derivations along the loop bilan social → PIIS → evaluation.

CPAS Kortrijk links its bilan social to an action plan whose items flagged for
the PIIS flow into the PIIS, and builds the evaluation form from the action plan
with a deliberately simple score per item: negative, positive or unchanged
(domain.md, "Bilan social (social assessment) and action plan"). The PIIS is
based on the prior assessment of needs (AR DIS 11/07/2002 art. 11 §1, kept by the
AR of 3 October 2016) and is evaluated at least three times a year (AR DIS art. 19
as amended; domain.md, "PIIS").

- :func:`piis_from_bilan` drafts a PIIS from a bilan: one objective per flagged
  action item, linked to it by ``action_item_id``.
- :func:`evaluation_form` pre-fills an :class:`EvaluationForm` from a PIIS (one line
  per objective) or from a bilan (one line per action item).
- :func:`fill_form` records the answers; :func:`evaluation_from_form` turns a filled
  form into a PIIS :class:`~cpas.sdk.documents.piis.Evaluation`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import ClassVar

import attrs

from ._model import instance, label, locate, new_id, opt_text, text, tuple_of
from .documents.bilan import ActionItem, ActionParty, BilanSocial
from .documents.piis import (
    ActivationPurpose,
    BeneficiaryStatus,
    Commitment,
    CommitmentParty,
    Evaluation,
    EvaluationOutcome,
    Objective,
    ObjectiveResult,
    Piis,
    PiisType,
)
from .errors import InvalidType, InvalidValue
from .lifedomains import LifeDomain, domain_by_id
from .parties import Cpas, Person, SocialWorker
from .periods import DateRange, to_date, to_opt_date
from .policy import LocalPolicy
from .text import Text

__all__ = [
    "EvaluationForm",
    "EvaluationFormLine",
    "evaluation_form",
    "evaluation_from_form",
    "fill_form",
    "objective_id_for",
    "piis_from_bilan",
]


# --- Bilan → PIIS ----------------------------------------------------------------------------

_COMMITMENT_PARTY: dict[ActionParty, CommitmentParty] = {
    ActionParty.BENEFICIARY: CommitmentParty.BENEFICIARY,
    ActionParty.CPAS: CommitmentParty.CPAS,
    ActionParty.THIRD_PARTY: CommitmentParty.THIRD_PARTY,
}


def objective_id_for(action_item_id: str) -> str:
    """The id of the PIIS objective derived from an action item (stable across derivations).

    >>> objective_id_for("a1")
    'objective-a1'
    """
    return f"objective-{action_item_id}"


def _commitment(item: ActionItem) -> Commitment:
    party = _COMMITMENT_PARTY[item.party]
    if party is CommitmentParty.THIRD_PARTY:
        return Commitment(party=party, third_party_name=item.party_name,
                          description=item.description, deadline=item.deadline)
    # A named service of the CPAS or a note on the person stays in the text.
    description = (item.description if item.party_name is None
                   else f"{item.description} ({item.party_name})")
    return Commitment(party=party, description=description, deadline=item.deadline)


def _objective(item: ActionItem) -> Objective:
    return Objective(id=objective_id_for(item.id), description=item.description,
                     domains=item.domains, commitments=(_commitment(item),),
                     deadline=item.deadline, action_item_id=item.id)


def _ordered_domains(ids: Iterable[str], domains: tuple[LifeDomain, ...]) -> tuple[str, ...]:
    """Distinct ids in the order of the policy's domains, unknown ids last as first seen."""
    wanted = dict.fromkeys(ids)
    known = tuple(d.id for d in domains if d.id in wanted)
    return known + tuple(i for i in wanted if i not in known)


def piis_from_bilan(
    bilan: BilanSocial,
    *,
    piis_type: PiisType,
    decision_date: dt.date,
    beneficiary_status: BeneficiaryStatus = BeneficiaryStatus.RIS,
    activation_purpose: ActivationPurpose | None = None,
    is_new_beneficiary: bool = False,
    notification_date: dt.date | None = None,
    duration: DateRange | None = None,
    evaluation_schedule: Iterable[dt.date] = (),
    replacement_social_worker: SocialWorker | None = None,
    policy: LocalPolicy | None = None,
) -> Piis:
    """Draft a PIIS from a bilan social (status draft, no signature).

    The objectives are exactly the action items flagged ``for_piis``, in plan order:
    each keeps the item's domains and deadline, links back with ``action_item_id``,
    gets the id :func:`objective_id_for` and one commitment of the item's party. The
    domains of action are the union of those items' domains, in the order of the
    policy's life domains. CPAS, person and social worker are the bilan's; ``bilan_id``
    is the bilan's id. ``duration`` defaults to the decision date up to the latest
    objective deadline (open-ended when there is none).

    Nothing is refused here: a bilan that breaks rules (an item without deadline, an
    unknown domain) gives a PIIS whose rule check reports the same problems.
    """
    chosen = policy or LocalPolicy()
    decided = to_date(decision_date)
    objectives = tuple(_objective(item) for item in bilan.piis_items())
    domains = _ordered_domains((d for o in objectives for d in o.domains), chosen.life_domains)
    if duration is None:
        deadlines = [o.deadline for o in objectives if o.deadline is not None]
        last = max(deadlines) if deadlines else None
        duration = DateRange(decided, last if last is not None and last >= decided else None)
    return Piis(
        cpas=bilan.cpas, beneficiary=bilan.person, beneficiary_status=beneficiary_status,
        is_new_beneficiary=is_new_beneficiary, social_worker=bilan.social_worker,
        replacement_social_worker=replacement_social_worker, piis_type=piis_type,
        activation_purpose=activation_purpose, domains=domains, objectives=objectives,
        decision_date=decided, notification_date=notification_date, duration=duration,
        evaluation_schedule=tuple(evaluation_schedule), bilan_id=bilan.id)


# --- Evaluation form -------------------------------------------------------------------------


def _outcome(value: EvaluationOutcome | str | None) -> EvaluationOutcome | None:
    if value is None or isinstance(value, EvaluationOutcome):
        return value
    if isinstance(value, str):
        try:
            return EvaluationOutcome(value)
        except ValueError:
            raise InvalidValue("expected negative, positive or unchanged",
                               shown=repr(value)) from None
    raise InvalidType(f"expected an evaluation outcome, got {type(value).__name__}")


def _ids(values: Iterable[str]) -> tuple[str, ...]:
    items = tuple_of(str)(values)
    for index, item in enumerate(items):
        if not item.strip():
            raise InvalidValue("must not be empty", path=f"$[{index}]")
    return items


def _labels(values: Iterable[Text]) -> tuple[Text, ...]:
    return tuple_of(Text)(values)


@attrs.frozen(field_transformer=locate, kw_only=True)
class EvaluationFormLine:
    """One line of the evaluation form: an objective or action item, to be scored.

    ``outcome`` is empty on a pre-filled form; the social worker and the person fill
    it in with negative, positive or unchanged (Kortrijk's deliberately simple score).
    """

    LABEL: ClassVar[Text] = Text(fr="Ligne du formulaire d'évaluation",
                                 nl="Lijn van het evaluatieformulier",
                                 en="Evaluation form line")

    objective_id: str | None = attrs.field(default=None, converter=opt_text, metadata=label(
        "Objectif du PIIS", "Doelstelling van het GPMI", "PIIS objective"))
    """The PIIS objective scored on this line; ``None`` for an action not in the PIIS."""
    action_item_id: str | None = attrs.field(default=None, converter=opt_text, metadata=label(
        "Action du bilan social", "Actie van de sociale balans", "Bilan social action item"))
    description: str = attrs.field(converter=text, metadata=label(
        "Description", "Omschrijving", "Description"))
    domains: tuple[str, ...] = attrs.field(default=(), converter=_ids, metadata=label(
        "Domaines de vie", "Levensdomeinen", "Life domains"))
    domain_labels: tuple[Text, ...] = attrs.field(default=(), converter=_labels, metadata=label(
        "Libellés des domaines", "Benamingen van de domeinen", "Domain labels"))
    deadline: dt.date | None = attrs.field(default=None, converter=to_opt_date, metadata=label(
        "Échéance", "Termijn", "Deadline"))
    outcome: EvaluationOutcome | None = attrs.field(
        default=None, converter=_outcome, metadata=label(
            "Évolution (négative, positive, inchangée)", "Evolutie (negatief, positief, "
            "onveranderd)", "Outcome (negative, positive, unchanged)"))
    comment: str | None = attrs.field(default=None, converter=opt_text, metadata=label(
        "Commentaire", "Commentaar", "Comment"))

    @property
    def key(self) -> str:
        """How answers refer to this line: its objective id, else its action item id."""
        return self.objective_id or self.action_item_id or self.description


def _lines(values: Iterable[EvaluationFormLine]) -> tuple[EvaluationFormLine, ...]:
    return tuple_of(EvaluationFormLine)(values)


def _opt_worker(value: SocialWorker | None) -> SocialWorker | None:
    if value is not None and not isinstance(value, SocialWorker):
        raise InvalidType(f"expected SocialWorker, got {type(value).__name__}")
    return value


@attrs.frozen(field_transformer=locate, kw_only=True)
class EvaluationForm:
    """An evaluation form pre-filled from a PIIS or from the action plan of a bilan.

    One line per PIIS objective (or per action item of the plan), with the domain
    labels in FR and NL and the deadline; the score of each line is filled in at the
    evaluation interview. Kortrijk practice; domain.md, "Bilan social" and "PIIS"
    (evaluation at least 3 times a year, AR DIS art. 19 as amended by AR 03/10/2016).
    """

    LABEL: ClassVar[Text] = Text(fr="Formulaire d'évaluation", nl="Evaluatieformulier",
                                 en="Evaluation form")

    id: str = attrs.field(factory=new_id, converter=text, metadata=label(
        "Identifiant", "Identificatie", "Identifier"))
    cpas: Cpas = attrs.field(validator=instance(Cpas), metadata=label("CPAS", "OCMW", "CPAS"))
    person: Person = attrs.field(validator=instance(Person), metadata=label(
        "Personne", "Persoon", "Person"))
    social_worker: SocialWorker | None = attrs.field(
        default=None, converter=_opt_worker, metadata=label(
            "Travailleur social", "Maatschappelijk werker", "Social worker"))
    piis_id: str | None = attrs.field(default=None, converter=opt_text, metadata=label(
        "PIIS évalué", "Geëvalueerd GPMI", "PIIS evaluated"))
    bilan_id: str | None = attrs.field(default=None, converter=opt_text, metadata=label(
        "Bilan social", "Sociale balans", "Bilan social"))
    evaluation_date: dt.date = attrs.field(converter=to_date, metadata=label(
        "Date de l'évaluation", "Datum van de evaluatie", "Evaluation date"))
    lines: tuple[EvaluationFormLine, ...] = attrs.field(
        default=(), converter=_lines, metadata=label("Lignes", "Lijnen", "Lines"))
    comment: str | None = attrs.field(default=None, converter=opt_text, metadata=label(
        "Commentaire général", "Algemeen commentaar", "General comment"))

    def rules_date(self) -> dt.date:
        return self.evaluation_date

    def is_complete(self) -> bool:
        """True when every line that scores a PIIS objective has an outcome."""
        return all(line.outcome is not None for line in self.lines
                   if line.objective_id is not None)


def _domain_labels(ids: tuple[str, ...], policy: LocalPolicy) -> tuple[Text, ...]:
    out: list[Text] = []
    for domain_id in ids:
        domain = domain_by_id(domain_id, policy.life_domains)
        out.append(domain.label if domain is not None else Text(fr=domain_id, nl=domain_id))
    return tuple(out)


def evaluation_form(source: Piis | BilanSocial, *, on: dt.date,
                    policy: LocalPolicy | None = None) -> EvaluationForm:
    """Pre-fill an evaluation form for an interview ``on``, every score left empty.

    From a :class:`Piis`: one line per objective, in order. From a
    :class:`BilanSocial`: one line per action item of the plan (Kortrijk builds the
    form from the action plan); items flagged for the PIIS carry the id of the
    objective :func:`piis_from_bilan` gives them, so the answers become a PIIS
    evaluation. Domain labels come from the policy's life domains (the id when unknown).
    """
    chosen = policy or LocalPolicy()
    day = to_date(on)
    if isinstance(source, Piis):
        lines = tuple(
            EvaluationFormLine(objective_id=o.id, action_item_id=o.action_item_id,
                               description=o.description, domains=o.domains,
                               domain_labels=_domain_labels(o.domains, chosen),
                               deadline=o.deadline)
            for o in source.objectives)
        return EvaluationForm(cpas=source.cpas, person=source.beneficiary,
                              social_worker=source.social_worker, piis_id=source.id,
                              bilan_id=source.bilan_id, evaluation_date=day, lines=lines)
    if isinstance(source, BilanSocial):
        lines = tuple(
            EvaluationFormLine(objective_id=objective_id_for(i.id) if i.for_piis else None,
                               action_item_id=i.id, description=i.description,
                               domains=i.domains, domain_labels=_domain_labels(i.domains, chosen),
                               deadline=i.deadline)
            for i in source.action_plan)
        return EvaluationForm(cpas=source.cpas, person=source.person,
                              social_worker=source.social_worker, bilan_id=source.id,
                              evaluation_date=day, lines=lines)
    raise InvalidType(f"expected a Piis or a BilanSocial, got {type(source).__name__}")


def fill_form(form: EvaluationForm,
              answers: Mapping[str, EvaluationOutcome | str],
              comments: Mapping[str, str] | None = None) -> EvaluationForm:
    """Record outcomes (and comments) keyed by line :attr:`~EvaluationFormLine.key`.

    Raises :class:`~cpas.sdk.errors.InvalidValue` for a key that is no line of the
    form, so a typo is not silently dropped.
    """
    notes = comments or {}
    keys = {line.key for line in form.lines}
    for key in (*answers, *notes):
        if key not in keys:
            raise InvalidValue("no line of the form has this key", field="lines",
                               shown=repr(key))
    lines: list[EvaluationFormLine] = []
    for index, line in enumerate(form.lines):
        outcome = line.outcome
        if line.key in answers:
            try:
                outcome = _outcome(answers[line.key])
            except InvalidValue as exc:
                raise InvalidValue(exc.reason, path=f"$.lines[{index}].outcome",
                                   shown=exc.shown) from None
        comment = notes.get(line.key, line.comment)
        lines.append(attrs.evolve(line, outcome=outcome, comment=comment))
    return attrs.evolve(form, lines=tuple(lines))


def evaluation_from_form(
    form: EvaluationForm,
    answers: Mapping[str, EvaluationOutcome | str] | None = None,
    *,
    face_to_face: bool,
    comments: Mapping[str, str] | None = None,
    comment: str | None = None,
) -> Evaluation:
    """Turn a filled form into a PIIS evaluation dated ``form.evaluation_date``.

    ``answers``/``comments`` (optional) are applied first as by :func:`fill_form`.
    Every line that scores a PIIS objective gives one result, in form order; lines of
    action items that are not in the PIIS are left out. A line of an objective without
    outcome raises :class:`~cpas.sdk.errors.InvalidValue` naming it
    (``$.lines[2].outcome``): every objective is scored at an evaluation.
    ``face_to_face`` says whether the interview was held in person (at least 2 a year
    must be, AR DIS art. 19 as amended by AR 03/10/2016).
    """
    if answers or comments:
        form = fill_form(form, answers or {}, comments)
    results: list[ObjectiveResult] = []
    for index, line in enumerate(form.lines):
        if line.objective_id is None:
            continue
        if line.outcome is None:
            raise InvalidValue("the line is not scored (negative, positive or unchanged)",
                               path=f"$.lines[{index}].outcome", shown=repr(line.key))
        results.append(ObjectiveResult(objective_id=line.objective_id, outcome=line.outcome,
                                       comment=line.comment))
    return Evaluation(date=form.evaluation_date, face_to_face=face_to_face,
                      results=tuple(results), comment=comment or form.comment)
