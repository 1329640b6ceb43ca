"""Hypothesis strategies and a fixed example for the PIIS.

:func:`piis_documents` draws PIIS that are valid by construction: they build, and a
rule check without ``today`` finds no error (warnings allowed), whatever the local
policy. They are decided from October 2018 to 2030, for a new beneficiary of the
revenu d'intégration, proposed after the decision, signed after the reflection period
(in calendar or working days) and within 3 months, with one evaluation planned every
3 months, objectives with commitments of the person and the CPAS and deadlines within
the duration. Names are non-ASCII text and optional fields are often empty (``None``
or ``()``).

:func:`example_piis` is one hand-written valid PIIS for example-based tests.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from cpas.sdk import (
    DEFAULT_LIFE_DOMAINS,
    Cpas,
    DateRange,
    Person,
    Signature,
    SignerRole,
    SocialWorker,
)
from cpas.sdk.documents.piis import (
    ActivationPurpose,
    Amendment,
    BeneficiaryStatus,
    ClosureReason,
    Commitment,
    CommitmentParty,
    Evaluation,
    EvaluationOutcome,
    Objective,
    ObjectiveResult,
    Piis,
    PiisStatus,
    PiisType,
)
from cpas.sdk.periods import add_days, add_months
from strategies import addresses, kbo_values, nis_codes, niss_digits, niss_values, texts

DOMAIN_IDS: tuple[str, ...] = tuple(d.id for d in DEFAULT_LIFE_DOMAINS)


# --- A fixed example ---------------------------------------------------------------------------


def example_piis(**changes: object) -> Piis:
    """A valid training PIIS of a new beneficiary, signed and carried out in 2024.

    Decision 10/01/2024, handed over 15/01, signed 22/01 (7 days later), runs
    01/02/2024–31/01/2025 with evaluations planned and held on 01/05, 01/09/2024 and
    15/01/2025 (two face to face), form-B code 11. ``changes`` are passed to
    ``attrs.evolve``-like reconstruction so tests can break one thing at a time.
    """
    objective = Objective(
        id="obj-1", description="Suivre une formation en français langue étrangère",
        domains=("education",),
        commitments=(
            Commitment(party=CommitmentParty.BENEFICIARY,
                       description="S'inscrire et suivre les cours", deadline="2024-12-20"),
            Commitment(party=CommitmentParty.CPAS,
                       description="Prendre en charge les frais d'inscription",
                       deadline="2024-02-15"),
            Commitment(party=CommitmentParty.THIRD_PARTY, third_party_name="Lire et Écrire",
                       description="Accueillir la personne en formation",
                       deadline="2024-03-01"),
        ),
        deadline="2024-12-31")
    second = Objective(
        id="obj-2", description="Chercher un logement adapté", domains=("housing",),
        commitments=(Commitment(party=CommitmentParty.BENEFICIARY,
                                description="Visiter trois logements par mois",
                                deadline="2024-10-31"),),
        deadline="2024-10-31")
    values: dict[str, object] = dict(
        id="piis-1",
        cpas=Cpas("CPAS de Liège", "0403019261", "62063", "Liège"),
        beneficiary=Person(niss_digits(dt.date(1990, 5, 17), 123), "Nowak", "Zoë",
                           birth_date=dt.date(1990, 5, 17), language="fr"),
        beneficiary_status=BeneficiaryStatus.RIS,
        is_new_beneficiary=True,
        social_worker=SocialWorker("Anne Dubois", "AS-12"),
        replacement_social_worker=SocialWorker("Jef Peeters"),
        piis_type=PiisType.TRAINING,
        domains=("education", "housing"),
        objectives=(objective, second),
        decision_date=dt.date(2024, 1, 10),
        notification_date=dt.date(2024, 1, 12),
        proposal_date=dt.date(2024, 1, 15),
        signing_date=dt.date(2024, 1, 22),
        duration=DateRange("2024-02-01", "2025-01-31"),
        evaluation_schedule=(dt.date(2024, 5, 1), dt.date(2024, 9, 1), dt.date(2025, 1, 15)),
        evaluations=(
            Evaluation(id="ev-1", date="2024-05-01", face_to_face=True, results=(
                ObjectiveResult(objective_id="obj-1", outcome=EvaluationOutcome.POSITIVE),)),
            Evaluation(id="ev-2", date="2024-09-01", face_to_face=False),
            Evaluation(id="ev-3", date="2025-01-15", face_to_face=True, results=(
                ObjectiveResult(objective_id="obj-2", outcome=EvaluationOutcome.UNCHANGED,
                                comment="Pas encore trouvé"),)),
        ),
        signatures=(
            Signature(SignerRole.BENEFICIARY, "Zoë Nowak", "2024-01-22"),
            Signature(SignerRole.PRESIDENT, "Marie Lambert", "2024-01-22"),
            Signature(SignerRole.DIRECTEUR_GENERAL, "Paul Martin", "2024-01-22"),
            Signature(SignerRole.PARTNER, "Lire et Écrire", "2024-01-22"),
        ),
        amendments=(Amendment(id="am-1", date="2024-06-01", description="Horaire adapté",
                              requested_by=CommitmentParty.BENEFICIARY),),
        status=PiisStatus.IN_PROGRESS,
        started_on=dt.date(2024, 2, 1),
        form_b_code=11,
        bilan_id="bilan-1",
    )
    values.update(changes)
    return Piis(**values)  # type: ignore[arg-type]


# --- Strategies --------------------------------------------------------------------------------


def optional_texts() -> st.SearchStrategy[str | None]:
    return st.none() | texts(max_size=30)


def ids() -> st.SearchStrategy[str]:
    return st.uuids().map(lambda u: u.hex)


def cpases() -> st.SearchStrategy[Cpas]:
    return st.builds(Cpas, name=texts(max_size=30), kbo=kbo_values(), nis_code=nis_codes(),
                     municipality=optional_texts(), address=st.none() | addresses())


def people() -> st.SearchStrategy[Person]:
    return st.builds(
        Person, niss=niss_values(), last_name=texts(max_size=30), first_name=texts(max_size=30),
        birth_date=st.none() | st.dates(dt.date(1940, 1, 1), dt.date(2005, 12, 31)),
        language=st.sampled_from([None, "fr", "nl", "de"]), address=st.none() | addresses())


def social_workers() -> st.SearchStrategy[SocialWorker]:
    return st.builds(SocialWorker, name=texts(max_size=30), staff_id=optional_texts())


@st.composite
def objectives(draw: st.DrawFn, start: dt.date, end: dt.date,
               domains: tuple[str, ...]) -> Objective:
    """An objective with a deadline in [start, end] and commitments due by then."""
    deadline = draw(st.dates(start, end))
    parties = draw(st.lists(st.sampled_from(list(CommitmentParty)), min_size=1, max_size=3))
    commitments = []
    for party in (CommitmentParty.BENEFICIARY, CommitmentParty.CPAS, *parties):
        third = draw(texts(max_size=30)) if party is CommitmentParty.THIRD_PARTY else None
        commitments.append(Commitment(
            party=party, third_party_name=third, description=draw(texts(max_size=40)),
            deadline=draw(st.none() | st.dates(start, deadline))))
    chosen = draw(st.lists(st.sampled_from(domains), min_size=0, max_size=2, unique=True))
    return Objective(id=draw(ids()), description=draw(texts(max_size=60)),
                     domains=tuple(chosen), commitments=tuple(commitments), deadline=deadline,
                     action_item_id=draw(st.none() | ids()))


@st.composite
def piis_documents(draw: st.DrawFn) -> Piis:
    """A PIIS valid by construction (see the module docstring)."""
    decision = draw(st.dates(dt.date(2018, 10, 1), dt.date(2030, 12, 31)))
    notification = draw(st.none() | st.dates(decision, add_days(decision, 10)))
    proposal = add_days(decision, draw(st.integers(0, 30)))
    signed = add_days(proposal, draw(st.integers(12, 40)))  # >= 5 working days too
    start = add_days(signed, draw(st.integers(0, 20)))
    months = draw(st.integers(3, 30))
    end = add_days(add_months(start, months), -1)
    duration = DateRange(start, end)

    kind = draw(st.sampled_from([PiisType.STUDIES, PiisType.TRAINING,
                                 PiisType.SOCIO_PROFESSIONAL, PiisType.SOCIAL_ACTIVATION]))
    student = kind is PiisType.STUDIES
    purpose = draw(st.sampled_from(list(ActivationPurpose))) if (
        kind is PiisType.SOCIAL_ACTIVATION) else None
    code = draw(st.sampled_from([None, 9, 10])) if student else draw(st.sampled_from([None, 11]))

    domains = tuple(draw(st.lists(st.sampled_from(DOMAIN_IDS), min_size=1, max_size=4,
                                  unique=True)))
    objective_list = draw(st.lists(objectives(start, end, domains), min_size=1, max_size=3))

    schedule = tuple(d for d in (add_months(start, 1 + 3 * k) for k in range(months // 3 + 1))
                     if d <= end)
    closed = draw(st.booleans())
    held = schedule if closed else schedule[:draw(st.integers(0, len(schedule)))]
    evaluations = tuple(
        Evaluation(id=draw(ids()), date=day, face_to_face=True,
                   results=tuple(ObjectiveResult(
                       objective_id=o.id, outcome=draw(st.sampled_from(list(EvaluationOutcome))),
                       comment=draw(optional_texts())) for o in objective_list),
                   comment=draw(optional_texts()))
        for day in held)

    person = draw(people())
    signatures = (
        Signature(SignerRole.BENEFICIARY, person.full_name, signed),
        Signature(SignerRole.PRESIDENT, draw(texts(max_size=30)), signed),
        Signature(SignerRole.DIRECTEUR_GENERAL, draw(texts(max_size=30)), signed),
        Signature(SignerRole.PARTNER, draw(texts(max_size=30)), signed),
    )
    amendments = tuple(
        Amendment(id=draw(ids()), date=draw(st.dates(start, end)),
                  description=draw(texts(max_size=40)),
                  requested_by=draw(st.sampled_from([CommitmentParty.BENEFICIARY,
                                                     CommitmentParty.CPAS])))
        for _ in range(draw(st.integers(0, 2))))
    return Piis(
        id=draw(ids()), cpas=draw(cpases()), beneficiary=person,
        beneficiary_status=BeneficiaryStatus.RIS, is_new_beneficiary=True,
        is_full_time_student=student, social_worker=draw(social_workers()),
        replacement_social_worker=draw(st.none() | social_workers()), piis_type=kind,
        activation_purpose=purpose, domains=domains, objectives=tuple(objective_list),
        decision_date=decision, notification_date=notification, proposal_date=proposal,
        signing_date=signed, duration=duration, evaluation_schedule=schedule,
        evaluations=evaluations, assisting_person=draw(optional_texts()),
        reflection_period_waived=False, signatures=signatures, amendments=amendments,
        status=PiisStatus.CLOSED if closed else PiisStatus.IN_PROGRESS, started_on=start,
        closed_on=end if closed else None,
        closure_reason=ClosureReason.COMPLETED if closed else None,
        closure_comment=draw(optional_texts()) if closed else None,
        form_b_code=code, bilan_id=draw(st.none() | ids()),
        includes_voluntary_work=draw(st.booleans()))
