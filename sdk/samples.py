"""Built-in sample data: one fictitious CPAS and the documents of one year's work.

Used by ``cpas demo`` and by tests, and a worked example for vendors: a bilan
social, the PIIS derived from it (proposed, signed, started, evaluated), a
partnership convention of the "mesure 500 €" and the reimbursement form that
claims it, and a subsidy convention signed by the CPAS and the minister.

Every person, number and organisation here is **fictitious**: NISS numbers are
built from their definition (:func:`fictitious_niss`), enterprise numbers only
satisfy the checksum. Dates are fixed so the output is the same on every run.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs

from .derive import evaluation_form, evaluation_from_form, piis_from_bilan
from .documents.bilan import (
    ActionItem,
    ActionParty,
    AssessmentMoment,
    BilanSocial,
    DomainAssessment,
)
from .documents.partnership import BeneficiaryStatus as PartnershipStatus
from .documents.partnership import (
    ClaimDeclaration,
    GuidanceMethod,
    Partner,
    PartnerKind,
    PartnershipConvention,
    payments,
)
from .documents.piis import (
    ActivationPurpose,
    Piis,
    PiisType,
    add_evaluation,
    propose,
    sign,
    start,
)
from .documents.reimbursement import (
    BeneficiaryCategory,
    FormHeader,
    FormType,
    ReimbursementForm,
    from_partnership_conventions,
)
from .documents.subsidy import (
    ConventionKind,
    Expense,
    ExpenseCategory,
    Indicators,
    Section,
    SectionAmount,
    SubsidyConvention,
    SubsidySignature,
)
from .documents.subsidy import Objective as SubsidyObjective
from .lifedomains import DEFAULT_LIFE_DOMAINS
from .money import Money
from .parties import Address, Cpas, Organisation, Person, Signature, SignerRole, SocialWorker
from .periods import DateRange

__all__ = [
    "SampleSet",
    "fictitious_niss",
    "legacy_piis_with_findings",
    "sample_set",
]


def fictitious_niss(birth: dt.date, sequence: int, *, bis: int = 0) -> str:
    """A NISS that satisfies the definition (domain.md, "Identifiers") for tests and demos.

    ``sequence`` is odd for men, even for women; ``bis`` is 0, 20 or 40.

    >>> fictitious_niss(dt.date(1985, 7, 30), 33)
    '85073003328'
    """
    body = f"{birth:%y}{birth.month + bis:02d}{birth:%d}{sequence:03d}"
    base = int(("2" if birth.year >= 2000 else "") + body)
    return body + f"{97 - base % 97:02d}"


CPAS = Cpas(name="CPAS de Namur (exemple fictif)", kbo="0212345668", nis_code="92094",
            municipality="Namur")
WORKER = SocialWorker(name="Camille Lefèvre", staff_id="AS-031")
REPLACEMENT = SocialWorker(name="Joris Vermeulen", staff_id="AS-044")
PERSON = Person(niss=fictitious_niss(dt.date(1993, 4, 12), 158), last_name="Ndiaye-Peeters",
                first_name="Aïssatou", birth_date=dt.date(1993, 4, 12), language="fr",
                address=Address(street="Rue de l'Exemple (fictive)", house_number="12",
                                box="2", postal_code="5000", municipality="Namur"))
PARTNER_FOREM = Organisation(name="Centre de formation Le Tremplin asbl (fictif)",
                             kbo="0876543270")
PARTNER_COACH = Organisation(name="Jobcoaching Meuse scrl (fictive)", kbo="0412398765")


@attrs.frozen
class SampleSet:
    """The documents of the sample year, ready to check, export and sign."""

    bilan: BilanSocial
    piis: Piis
    partnership: PartnershipConvention
    reimbursement: ReimbursementForm
    subsidy: SubsidyConvention

    def documents(self) -> tuple[tuple[str, object], ...]:
        """``(kind, document)`` pairs in the order of the story."""
        return (("bilan", self.bilan), ("piis", self.piis), ("partnership", self.partnership),
                ("reimbursement", self.reimbursement), ("subsidy", self.subsidy))


def _bilan() -> BilanSocial:
    needs = {
        "income": ("Dettes de loyer à étaler",),
        "work": ("Aucune expérience professionnelle en Belgique",),
        "education": ("Français oral à consolider",),
    }
    strengths = {"work": ("Diplôme d'aide-soignante obtenu au Sénégal",),
                 "social": ("Réseau associatif actif",)}
    assessments = tuple(
        DomainAssessment(domain=d.id, moment=AssessmentMoment.START,
                         assessed_on=dt.date(2025, 2, 24),
                         situation=f"Situation au départ : {d.label.get('fr').lower()}",
                         needs=needs.get(d.id, ()), resources=strengths.get(d.id, ()),
                         score=2 if d.id in needs else 4)
        for d in DEFAULT_LIFE_DOMAINS)
    plan = (
        ActionItem(id="a1", domains=("income",), description="Plan d'apurement avec le bailleur",
                   party=ActionParty.CPAS, party_name="Service de médiation de dettes",
                   deadline=dt.date(2025, 6, 30), for_piis=True),
        ActionItem(id="a2", domains=("education", "work"),
                   description="Module de français orienté métiers du soin",
                   party=ActionParty.BENEFICIARY, deadline=dt.date(2025, 9, 30), for_piis=True),
        ActionItem(id="a3", domains=("work",),
                   description="Accompagnement vers l'emploi (convention de partenariat)",
                   party=ActionParty.THIRD_PARTY, party_name=PARTNER_COACH.name,
                   deadline=dt.date(2025, 12, 31), for_piis=True),
        ActionItem(id="a4", domains=("social",), description="Atelier théâtre du quartier",
                   party=ActionParty.BENEFICIARY),
    )
    return BilanSocial(
        id="sample-bilan-2025-001", cpas=CPAS, person=PERSON, social_worker=WORKER,
        request="Trouver un emploi dans les soins et régler les dettes de loyer",
        drawn_up_on=dt.date(2025, 2, 26), assessments=assessments, action_plan=plan)


def _piis(bilan: BilanSocial) -> Piis:
    draft = piis_from_bilan(
        bilan, piis_type=PiisType.SOCIO_PROFESSIONAL, decision_date=dt.date(2025, 2, 20),
        notification_date=dt.date(2025, 2, 24), is_new_beneficiary=True,
        duration=DateRange("2025-03-17", "2026-03-16"),
        evaluation_schedule=(dt.date(2025, 6, 16), dt.date(2025, 10, 13), dt.date(2026, 2, 16)),
        replacement_social_worker=REPLACEMENT)
    draft = attrs.evolve(draft, id="sample-piis-2025-001", form_b_code=11)
    signed = sign(propose(draft, dt.date(2025, 3, 3)), dt.date(2025, 3, 10), (
        Signature(role=SignerRole.BENEFICIARY, name=PERSON.full_name, signed_on="2025-03-10"),
        Signature(role=SignerRole.PRESIDENT, name="Philippe Noël", signed_on="2025-03-12"),
        Signature(role=SignerRole.DIRECTEUR_GENERAL, name="Sofie Jacobs",
                  signed_on="2025-03-12"),
        Signature(role=SignerRole.PARTNER, name=PARTNER_COACH.name, signed_on="2025-03-13"),
    ))
    running = start(signed, dt.date(2025, 3, 17))
    form = evaluation_form(running, on=dt.date(2025, 6, 16))
    answers = {line.key: outcome for line, outcome in zip(
        form.lines, ("positive", "unchanged", "positive"), strict=False)}
    first = evaluation_from_form(form, answers, face_to_face=True,
                                 comment="Bonne dynamique ; le module de français a commencé.")
    return add_evaluation(running, attrs.evolve(first, id="sample-eval-1"))


def _partnership() -> PartnershipConvention:
    return PartnershipConvention(
        id="sample-partnership-2025-007", beneficiary=PERSON,
        beneficiary_status=PartnershipStatus.SOCIAL_INTEGRATION_INCOME, cpas=CPAS,
        partners=(
            Partner(id="p-cpas", organisation=Organisation(name=CPAS.name, kbo=CPAS.kbo),
                    kind=PartnerKind.CPAS, share=Decimal(40), hours_planned=Decimal(48),
                    hours_performed=Decimal(50)),
            Partner(id="p-coach", organisation=PARTNER_COACH, kind=PartnerKind.PARTNER,
                    share=Decimal(60), hours_planned=Decimal(72), hours_performed=Decimal(74)),
        ),
        concluded_on=dt.date(2025, 3, 20), plan_end=dt.date(2025, 12, 31),
        hours_planned=Decimal(120), hours_performed=Decimal(124),
        methods=(GuidanceMethod.ACTIVE_JOB_SEARCH, GuidanceMethod.JOB_COACHING),
        ended_on=dt.date(2025, 11, 28),
        claims=(ClaimDeclaration(id="claim-1", partner_id="p-coach",
                                 declared_on=dt.date(2025, 12, 5), amount=Money("150.00")),),
    )


def _reimbursement(conv: PartnershipConvention) -> ReimbursementForm:
    header = FormHeader(cpas=CPAS, effective_date=dt.date(2025, 11, 28),
                        category=BeneficiaryCategory.SINGLE, decision_date=dt.date(2025, 2, 20))
    return from_partnership_conventions(
        [conv], header=header, submission_date=dt.date(2025, 12, 8), form_type=FormType.DIS_B,
        form_id="sample-reimbursement-2025-11")


def _subsidy() -> SubsidyConvention:
    def signed(role: SignerRole, name: str, day: str) -> SubsidySignature:
        return SubsidySignature(signature=Signature(role=role, name=name, signed_on=day))

    return SubsidyConvention(
        id="sample-subsidy-2025", year=2025, kind=ConventionKind.LARGE_CITY, members=(CPAS,),
        amount=Money("84000.00"),
        sections=(SectionAmount(section=Section.SOCIAL_PARTICIPATION, amount=Money("50000.00")),
                  SectionAmount(section=Section.COLLECTIVE_MODULES, amount=Money("24000.00")),
                  SectionAmount(section=Section.CHILD_POVERTY, amount=Money("10000.00"))),
        objectives=(
            SubsidyObjective(id="o1", description="Ateliers collectifs de remobilisation",
                             target=60, section=Section.COLLECTIVE_MODULES),
            SubsidyObjective(id="o2", description="Accès à la culture et au sport des familles",
                             target=120, section=Section.SOCIAL_PARTICIPATION),
            SubsidyObjective(id="o3", description="Rompre l'isolement des personnes âgées isolées "
                             "par un réseau de visiteurs bénévoles"),
        ),
        signatures=(
            signed(SignerRole.PRESIDENT, "Philippe Noël", "2025-06-02"),
            signed(SignerRole.DIRECTEUR_GENERAL, "Sofie Jacobs", "2025-06-03"),
            signed(SignerRole.MINISTER, "Ministre de l'Intégration sociale (fictif)",
                   "2025-07-15"),
        ),
        expenses=(
            Expense(id="e1", category=ExpenseCategory.OPERATING, section=Section.COLLECTIVE_MODULES,
                    description="Animation des ateliers", amount=Money("19500.00")),
            Expense(id="e2", category=ExpenseCategory.STAFF, section=Section.COLLECTIVE_MODULES,
                    description="Assistante sociale (bilans sociaux)", amount=Money("12000.00"),
                    staff_time_percent=Decimal(40)),
            Expense(id="e3", category=ExpenseCategory.OPERATING,
                    section=Section.SOCIAL_PARTICIPATION,
                    description="Tickets culture et sport", amount=Money("52000.00")),
            Expense(id="e4", category=ExpenseCategory.OPERATING, section=Section.CHILD_POVERTY,
                    description="Soutien scolaire", amount=Money("10400.00")),
        ),
        indicators=Indicators(beneficiaries=180, social_integration_entitled=126,
                              in_trajectory=54),
    )


def sample_set() -> SampleSet:
    """The sample year: every document is valid for its schema and has no error finding."""
    bilan = _bilan()
    partnership = _partnership()
    return SampleSet(bilan=bilan, piis=_piis(bilan), partnership=partnership,
                     reimbursement=_reimbursement(partnership), subsidy=_subsidy())


def legacy_piis_with_findings() -> Piis:
    """A PIIS as a vendor may hold it in old data: community service concluded in 2019
    (after its annulment), volunteering made a condition, signed without the reflection
    period and without the directeur général. Checking it shows the findings."""
    piis = sample_set().piis
    return attrs.evolve(
        piis, id="legacy-piis-2019-042", piis_type=PiisType.COMMUNITY_SERVICE,
        activation_purpose=ActivationPurpose.PARTICIPATION, volunteering_condition=True,
        decision_date=dt.date(2019, 1, 7), notification_date=None,
        proposal_date=dt.date(2019, 1, 10), signing_date=dt.date(2019, 1, 11),
        started_on=dt.date(2019, 1, 14), duration=DateRange("2019-01-14", "2019-12-31"),
        evaluation_schedule=(), evaluations=(), form_b_code=12,
        signatures=tuple(s for s in piis.signatures if s.role is not SignerRole.DIRECTEUR_GENERAL),
        objectives=tuple(attrs.evolve(o, deadline=dt.date(2019, 6, 30), commitments=tuple(
            attrs.evolve(c, deadline=dt.date(2019, 6, 30)) for c in o.commitments))
            for o in piis.objectives))


def partner_payments(conv: PartnershipConvention) -> str:
    """A plain-text summary of the intervention split for the demo."""
    rows = [f"{p.partner_id}: avance {p.advance.localized('fr')}, solde {p.balance.localized('fr')}"
            for p in payments(conv)]
    return "\n".join(rows)
