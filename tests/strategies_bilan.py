"""Hypothesis strategies for the bilan social: valid documents with no finding.

A generated bilan has a start assessment for every default life domain, later
moments dated after the start, an action plan whose items refer to known domains,
at least one item flagged for the PIIS (all flagged items with a deadline after the
bilan), and an action for every domain where needs are recorded. Names are
non-ASCII text and optional fields are often empty.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from cpas.sdk import (
    DEFAULT_LIFE_DOMAINS,
    Cpas,
    Person,
    Signature,
    SignerRole,
    SocialWorker,
)
from cpas.sdk.documents.bilan import (
    SCORE_MAX,
    SCORE_MIN,
    ActionItem,
    ActionParty,
    ActionStatus,
    AssessmentMoment,
    BilanSocial,
    DomainAssessment,
)
from strategies import addresses, kbo_values, nis_codes, niss_digits, niss_values, texts

DOMAIN_IDS: tuple[str, ...] = tuple(d.id for d in DEFAULT_LIFE_DOMAINS)


def optional_texts() -> st.SearchStrategy[str | None]:
    return st.none() | texts(max_size=30)


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


def _lines() -> st.SearchStrategy[tuple[str, ...]]:
    return st.lists(texts(max_size=40), max_size=2).map(tuple)


@st.composite
def assessments_for(draw: st.DrawFn, domain: str, drawn_up_on: dt.date
                    ) -> list[DomainAssessment]:
    """A start assessment of ``domain`` on or before ``drawn_up_on``, maybe later moments."""
    day = drawn_up_on - dt.timedelta(days=draw(st.integers(0, 60)))
    moments = [AssessmentMoment.START]
    later = draw(st.integers(0, 2))
    if later == 2:
        moments += [AssessmentMoment.INTERMEDIATE, AssessmentMoment.END]
    elif later == 1:
        moments.append(draw(st.sampled_from([AssessmentMoment.INTERMEDIATE,
                                             AssessmentMoment.END])))
    out: list[DomainAssessment] = []
    for moment in moments:
        if moment is not AssessmentMoment.START:
            day += dt.timedelta(days=draw(st.integers(0, 200)))
        out.append(DomainAssessment(
            domain=domain, moment=moment, assessed_on=day, situation=draw(texts(max_size=40)),
            needs=draw(_lines()), resources=draw(_lines()), obstacles=draw(_lines()),
            score=draw(st.none() | st.integers(SCORE_MIN, SCORE_MAX)),
            comment=draw(optional_texts())))
    return out


@st.composite
def action_items(draw: st.DrawFn, drawn_up_on: dt.date, *, for_piis: bool | None = None,
                 domains: tuple[str, ...] | None = None) -> ActionItem:
    """An action item on known domains; one flagged for the PIIS has a deadline."""
    flagged = draw(st.booleans()) if for_piis is None else for_piis
    chosen = domains or tuple(draw(st.lists(st.sampled_from(DOMAIN_IDS), min_size=1,
                                            max_size=3, unique=True)))
    later = drawn_up_on + dt.timedelta(days=draw(st.integers(1, 365)))
    deadline = later if flagged else draw(st.sampled_from([None, later]))
    party = draw(st.sampled_from(list(ActionParty)))
    return ActionItem(
        domains=chosen, description=draw(texts(max_size=50)), party=party,
        party_name=draw(optional_texts()), deadline=deadline, for_piis=flagged,
        status=draw(st.none() | st.sampled_from(list(ActionStatus))))


@st.composite
def bilans(draw: st.DrawFn) -> BilanSocial:
    """A valid bilan social preparing a PIIS: ``check()`` finds nothing."""
    drawn_up_on = draw(st.dates(dt.date(2016, 11, 1), dt.date(2035, 12, 31)))
    assessments: list[DomainAssessment] = []
    for domain in DOMAIN_IDS:
        assessments += draw(assessments_for(domain, drawn_up_on))
    plan = [draw(action_items(drawn_up_on, for_piis=True))]
    plan += draw(st.lists(action_items(drawn_up_on), max_size=4))
    planned = {d for item in plan for d in item.domains}
    for domain in dict.fromkeys(a.domain for a in assessments if a.needs):
        if domain not in planned:
            plan.append(draw(action_items(drawn_up_on, domains=(domain,))))
    person = draw(people())
    signatures = draw(st.sampled_from([(), (Signature(
        role=SignerRole.BENEFICIARY, name=person.full_name, signed_on=drawn_up_on),)]))
    return BilanSocial(
        cpas=draw(cpases()), person=person, social_worker=draw(social_workers()),
        request=draw(texts(max_size=60)), drawn_up_on=drawn_up_on,
        assessments=draw(st.permutations(assessments)), action_plan=plan,
        previous_piis_id=draw(st.none() | st.uuids().map(lambda u: u.hex)),
        signatures=signatures)


def sample_bilan(**changes: object) -> BilanSocial:
    """A fixed, valid bilan (no finding) for example-based tests; ``changes`` replace fields.

    Ten start assessments on 1 March 2024, needs in housing and work, three actions of
    which two are flagged for the PIIS. The people are fictitious; the NISS is built
    from its definition.
    """
    needs = {"housing": ("Logement insalubre, à quitter",),
             "work": ("Reprendre contact avec le marché de l'emploi",)}
    assessments = tuple(
        DomainAssessment(domain=d, moment=AssessmentMoment.START,
                         assessed_on=dt.date(2024, 3, 1), situation=f"Situation « {d} »",
                         needs=needs.get(d, ()), score=2 if d in needs else 4)
        for d in DOMAIN_IDS)
    plan = (
        ActionItem(id="a1", domains=("housing",), description="Chercher un logement salubre",
                   party=ActionParty.CPAS, deadline=dt.date(2024, 9, 30), for_piis=True),
        ActionItem(id="a2", domains=("work", "education"),
                   description="Suivre un module de néerlandais", party=ActionParty.BENEFICIARY,
                   deadline=dt.date(2024, 12, 31), for_piis=True),
        ActionItem(id="a3", domains=("social",), description="Atelier théâtre",
                   party=ActionParty.THIRD_PARTY, party_name="Article 27 asbl"),
    )
    fields: dict[str, object] = {
        "id": "bilan-1",
        "cpas": Cpas(name="CPAS de Saint-Gilles", kbo="0403019261", nis_code="21013",
                     municipality="Saint-Gilles"),
        "person": Person(niss=niss_digits(dt.date(1990, 5, 17), 123), last_name="Dupré",
                         first_name="Zoë", language="fr"),
        "social_worker": SocialWorker(name="Ana Müller", staff_id="AS-12"),
        "request": "Trouver un logement et une formation",
        "drawn_up_on": dt.date(2024, 3, 5),
        "assessments": assessments,
        "action_plan": plan,
    }
    fields.update(changes)
    return BilanSocial(**fields)  # type: ignore[arg-type]
