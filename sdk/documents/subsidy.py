"""Subsidy convention "participation et activation sociale" between the State and a CPAS.

A yearly convention (1 January to 31 December) by which the federal State, through
SPP IS, subsidises the social-participation and social-activation policy of one CPAS
of a large city ("grande ville") or of a cluster of smaller CPAS. Legal basis: the
royal decrees of 27 March 2015 (2015 a transition year) and the ministerial
instructions of 25 June 2015; from 2017 the yearly royal decree on the fund for
"participation et activation sociale" (PAS), with its sections A (social
participation), B (collective modules) and C (child poverty).

The CPAS's president and directeur général sign first (for a cluster, those of every
member), then the minister; SPP IS pays an advance of 50 % once all have signed,
within the budget year, hence all signatures by 15 November. The CPAS then justifies
its expenses: operating costs, staff costs pro rata of the time spent on the project,
investments (not eligible in 2015-2017, capped from 2018), only the target group's
share for mixed audiences, never costs already funded elsewhere.

domain.md, "Subsidy conventions "participation et activation sociale" (CPAS grandes
villes + clusters)".

The calculations (:func:`signature_stage`, :func:`advance_payable`,
:func:`eligible_expenses`, :func:`subsidy_due`, :func:`balance_due`) are pure
functions of the convention and the dated parameters in force on 1 January of its
year.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from decimal import Decimal
from typing import ClassVar, NamedTuple

import attrs

from .._model import (
    facets,
    instance,
    label,
    locate,
    new_id,
    non_empty,
    opt_count,
    opt_text,
    text,
    tuple_of,
)
from ..errors import InvalidType, InvalidValue
from ..identifiers import Kbo
from ..money import Money, to_decimal
from ..parameters import Parameters
from ..parties import Cpas, Signature, SignerRole, opt_kbo
from ..periods import DateRange
from ..text import Text

__all__ = [
    "CPAS_ROLES",
    "STAFF_CAP_KEYS",
    "ConventionKind",
    "Eligibility",
    "Expense",
    "ExpenseCategory",
    "Indicators",
    "MissingSignature",
    "Objective",
    "Section",
    "SectionAmount",
    "SignatureProgress",
    "SignatureStage",
    "SubsidyConvention",
    "SubsidySignature",
    "advance_payable",
    "amount_to_recover",
    "balance_due",
    "eligibility",
    "eligible_amount",
    "eligible_amounts",
    "eligible_by_section",
    "eligible_expenses",
    "investment_totals",
    "pro_rata_amount",
    "signature_stage",
    "subsidy_due",
]


# --- Enumerations -------------------------------------------------------------------------------


class ConventionKind(enum.Enum):
    """Who the convention is concluded with."""

    LARGE_CITY = "large_city"
    """One CPAS of a large city ("grande ville")."""
    CLUSTER = "cluster"
    """A cluster of smaller CPAS, the lead CPAS first."""

    @property
    def label(self) -> Text:
        return _KIND_LABELS[self]


_KIND_LABELS: dict[ConventionKind, Text] = {
    ConventionKind.LARGE_CITY: Text(fr="CPAS d'une grande ville", nl="OCMW van een grote stad",
                                    en="CPAS of a large city"),
    ConventionKind.CLUSTER: Text(fr="Cluster de CPAS", nl="Cluster van OCMW's",
                                 en="Cluster of CPAS"),
}


class Section(enum.Enum):
    """A section of the yearly PAS royal decree (from 2017)."""

    SOCIAL_PARTICIPATION = "social_participation"
    """Section A: social participation."""
    COLLECTIVE_MODULES = "collective_modules"
    """Section B: collective modules."""
    CHILD_POVERTY = "child_poverty"
    """Section C: fighting child poverty."""

    @property
    def letter(self) -> str:
        """``A``, ``B`` or ``C``, as in the royal decree and the parameter keys."""
        return _SECTION_LETTERS[self]

    @property
    def label(self) -> Text:
        return _SECTION_LABELS[self]


_SECTION_LETTERS: dict[Section, str] = {
    Section.SOCIAL_PARTICIPATION: "A",
    Section.COLLECTIVE_MODULES: "B",
    Section.CHILD_POVERTY: "C",
}

_SECTION_LABELS: dict[Section, Text] = {
    Section.SOCIAL_PARTICIPATION: Text(fr="A – Participation sociale",
                                       nl="A – Maatschappelijke participatie",
                                       en="A – Social participation"),
    Section.COLLECTIVE_MODULES: Text(fr="B – Modules collectifs", nl="B – Collectieve modules",
                                     en="B – Collective modules"),
    Section.CHILD_POVERTY: Text(fr="C – Lutte contre la pauvreté infantile",
                                nl="C – Bestrijding van kinderarmoede",
                                en="C – Fighting child poverty"),
}


class ExpenseCategory(enum.Enum):
    """Kind of a justified expense."""

    OPERATING = "operating"
    STAFF = "staff"
    INVESTMENT = "investment"

    @property
    def label(self) -> Text:
        return _CATEGORY_LABELS[self]


_CATEGORY_LABELS: dict[ExpenseCategory, Text] = {
    ExpenseCategory.OPERATING: Text(fr="Frais de fonctionnement", nl="Werkingskosten",
                                    en="Operating costs"),
    ExpenseCategory.STAFF: Text(fr="Frais de personnel", nl="Personeelskosten",
                                en="Staff costs"),
    ExpenseCategory.INVESTMENT: Text(fr="Frais d'investissement", nl="Investeringskosten",
                                     en="Investment costs"),
}


class SignatureStage(enum.Enum):
    """Where the signature workflow stands."""

    CPAS = "cpas"
    """Stage 1: the president and directeur général of every CPAS have not all signed."""
    MINISTER = "minister"
    """Stage 2: every CPAS has signed; the minister has not."""
    COMPLETE = "complete"
    """All parties have signed: the advance is payable."""

    @property
    def label(self) -> Text:
        return _STAGE_LABELS[self]


_STAGE_LABELS: dict[SignatureStage, Text] = {
    SignatureStage.CPAS: Text(fr="En attente des signatures du CPAS",
                              nl="Wacht op de handtekeningen van het OCMW",
                              en="Awaiting the CPAS signatures"),
    SignatureStage.MINISTER: Text(fr="En attente de la signature du ministre",
                                  nl="Wacht op de handtekening van de minister",
                                  en="Awaiting the minister's signature"),
    SignatureStage.COMPLETE: Text(fr="Signée par toutes les parties",
                                  nl="Door alle partijen ondertekend",
                                  en="Signed by all parties"),
}

CPAS_ROLES: tuple[SignerRole, ...] = (SignerRole.PRESIDENT, SignerRole.DIRECTEUR_GENERAL)
"""The roles that sign for each CPAS (stage 1), before the minister (stage 2)."""


# --- Converters ---------------------------------------------------------------------------------


def _money(value: Money | Decimal | int | str) -> Money:
    return value if isinstance(value, Money) else Money(value)


def _year(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidType("year must be an integer", shown=repr(value))
    if not 1900 <= value <= 2999:
        raise InvalidValue("year out of range 1900-2999", shown=str(value))
    return value


facets(_year, minInclusive="1900", maxInclusive="2999")


def _opt_percent(value: Decimal | int | str | None) -> Decimal | None:
    if value is None:
        return None
    number = to_decimal(value, field="percent")
    if number < 0:
        raise InvalidValue("a percentage must not be negative", shown=str(number))
    return number


facets(_opt_percent, minInclusive="0")


def _kind(value: ConventionKind | str) -> ConventionKind:
    try:
        return ConventionKind(value)
    except ValueError:
        raise InvalidValue("not a convention kind", shown=repr(value)) from None


def _section(value: Section | str) -> Section:
    try:
        return Section(value)
    except ValueError:
        raise InvalidValue("not a section", shown=repr(value)) from None


def _opt_section(value: Section | str | None) -> Section | None:
    return None if value is None else _section(value)


def _category(value: ExpenseCategory | str) -> ExpenseCategory:
    try:
        return ExpenseCategory(value)
    except ValueError:
        raise InvalidValue("not an expense category", shown=repr(value)) from None


def _members(values: Iterable[Cpas]) -> tuple[Cpas, ...]:
    return tuple_of(Cpas)(values)


def _sections(values: Iterable[SectionAmount]) -> tuple[SectionAmount, ...]:
    return tuple_of(SectionAmount)(values)


def _objectives(values: Iterable[Objective]) -> tuple[Objective, ...]:
    return tuple_of(Objective)(values)


def _signatures(values: Iterable[SubsidySignature]) -> tuple[SubsidySignature, ...]:
    return tuple_of(SubsidySignature)(values)


def _expenses(values: Iterable[Expense]) -> tuple[Expense, ...]:
    return tuple_of(Expense)(values)


# --- Parts --------------------------------------------------------------------------------------


@attrs.frozen(field_transformer=locate, kw_only=True)
class SectionAmount:
    """The part of the amount granted that goes to one section (A, B or C)."""

    LABEL: ClassVar[Text] = Text(fr="Montant par section", nl="Bedrag per afdeling",
                                 en="Amount per section")

    section: Section = attrs.field(converter=_section, metadata=label(
        "Section", "Afdeling", "Section"))
    amount: Money = attrs.field(converter=_money, metadata=label(
        "Montant", "Bedrag", "Amount"))


@attrs.frozen(field_transformer=locate, kw_only=True)
class Objective:
    """A qualitative objective (a text) or a quantitative one (a text and a target number)."""

    LABEL: ClassVar[Text] = Text(fr="Objectif", nl="Doelstelling", en="Objective")

    id: str = attrs.field(factory=new_id, converter=text, metadata=label(
        "Identifiant", "Identificatie", "Id"))
    description: str = attrs.field(converter=text, metadata=label(
        "Description", "Omschrijving", "Description"))
    target: int | None = attrs.field(default=None, converter=opt_count, metadata=label(
        "Nombre visé", "Beoogd aantal", "Target number"))
    section: Section | None = attrs.field(default=None, converter=_opt_section, metadata=label(
        "Section", "Afdeling", "Section"))

    @property
    def is_quantitative(self) -> bool:
        return self.target is not None


@attrs.frozen(field_transformer=locate, kw_only=True)
class SubsidySignature:
    """A signature on the convention and, for a CPAS signer, the CPAS signed for.

    ``cpas_kbo`` names the member CPAS whose president or directeur général signs;
    ``None`` means the lead CPAS. It is not used for the minister's signature.
    """

    LABEL: ClassVar[Text] = Text(fr="Signature de la convention",
                                 nl="Handtekening van de overeenkomst",
                                 en="Signature of the convention")

    signature: Signature = attrs.field(validator=instance(Signature), metadata=label(
        "Signature", "Handtekening", "Signature"))
    cpas_kbo: Kbo | None = attrs.field(default=None, converter=opt_kbo, metadata=label(
        "CPAS représenté (numéro BCE)", "Vertegenwoordigd OCMW (KBO-nummer)",
        "CPAS represented (enterprise number)"))

    @property
    def role(self) -> SignerRole:
        return self.signature.role

    @property
    def signed_on(self) -> dt.date:
        return self.signature.signed_on


@attrs.frozen(field_transformer=locate, kw_only=True)
class Expense:
    """One line of the justification of expenses.

    ``amount`` is the whole cost. For staff, ``staff_time_percent`` is the share of
    the person's time spent on the project; for a mixed audience,
    ``target_group_participants`` of ``participants`` (e.g. 6 of 20) belong to the
    target group. Investments are recorded excluding VAT; ``person_ref`` says for
    which person helped an investment was made (a pseudonymous reference of the
    CPAS's file, never a NISS: the justification holds no nominative list), and
    no ``person_ref`` means an investment of the CPAS itself. The 500 € cap applies
    to the CPAS's investments together and to each person's (domain.md, "Subsidy
    conventions").
    """

    LABEL: ClassVar[Text] = Text(fr="Dépense justifiée", nl="Verantwoorde uitgave",
                                 en="Justified expense")

    id: str = attrs.field(factory=new_id, converter=text, metadata=label(
        "Identifiant", "Identificatie", "Id"))
    category: ExpenseCategory = attrs.field(converter=_category, metadata=label(
        "Catégorie", "Categorie", "Category"))
    description: str = attrs.field(converter=text, metadata=label(
        "Description", "Omschrijving", "Description"))
    amount: Money = attrs.field(converter=_money, metadata=label(
        "Montant", "Bedrag", "Amount"))
    section: Section | None = attrs.field(default=None, converter=_opt_section, metadata=label(
        "Section", "Afdeling", "Section"))
    staff_time_percent: Decimal | None = attrs.field(
        default=None, converter=_opt_percent, metadata=label(
            "Part du temps de travail consacrée au projet (%)",
            "Aandeel van de werktijd besteed aan het project (%)",
            "Share of working time spent on the project (%)"))
    target_group_participants: int | None = attrs.field(
        default=None, converter=opt_count, metadata=label(
            "Participants du groupe cible", "Deelnemers uit de doelgroep",
            "Target-group participants"))
    participants: int | None = attrs.field(default=None, converter=opt_count, metadata=label(
        "Participants au total", "Deelnemers in totaal", "Participants in all"))
    funded_elsewhere: bool = attrs.field(
        default=False, validator=instance(bool), metadata=label(
            "Déjà financé par ailleurs", "Elders al gefinancierd", "Already funded elsewhere"))
    note: str | None = attrs.field(default=None, converter=opt_text, metadata=label(
        "Remarque", "Opmerking", "Note"))
    person_ref: str | None = attrs.field(default=None, converter=opt_text, metadata=label(
        "Référence de la personne aidée (dossier, pas de NISS)",
        "Referentie van de geholpen persoon (dossier, geen INSZ)",
        "Reference of the person helped (file reference, not a NISS)"))


@attrs.frozen(field_transformer=locate, kw_only=True)
class Indicators:
    """Indicators of the year: numbers of people (each counted once), no nominative list.

    The proportions to the total may be given as percentages instead of, or besides,
    the numbers.
    """

    LABEL: ClassVar[Text] = Text(fr="Indicateurs", nl="Indicatoren", en="Indicators")

    beneficiaries: int | None = attrs.field(default=None, converter=opt_count, metadata=label(
        "Nombre de bénéficiaires (chacun compté une fois)",
        "Aantal begunstigden (elk één keer geteld)",
        "Number of beneficiaries (each counted once)"))
    social_integration_entitled: int | None = attrs.field(
        default=None, converter=opt_count, metadata=label(
            "Dont ayants droit à l'intégration sociale",
            "Waarvan gerechtigden op maatschappelijke integratie",
            "Of whom entitled to social integration"))
    in_trajectory: int | None = attrs.field(default=None, converter=opt_count, metadata=label(
        "Dont suivis dans un trajet", "Waarvan begeleid in een traject",
        "Of whom followed in a trajectory"))
    social_integration_entitled_percent: Decimal | None = attrs.field(
        default=None, converter=_opt_percent, metadata=label(
            "Part des ayants droit à l'intégration sociale (%)",
            "Aandeel gerechtigden op maatschappelijke integratie (%)",
            "Share entitled to social integration (%)"))
    in_trajectory_percent: Decimal | None = attrs.field(
        default=None, converter=_opt_percent, metadata=label(
            "Part des personnes suivies dans un trajet (%)",
            "Aandeel personen begeleid in een traject (%)",
            "Share followed in a trajectory (%)"))


def _opt_indicators(value: Indicators | None) -> Indicators | None:
    if value is not None and not isinstance(value, Indicators):
        raise InvalidType(f"expected Indicators, got {type(value).__name__}")
    return value


# --- The convention -----------------------------------------------------------------------------


@attrs.frozen(field_transformer=locate, kw_only=True)
class SubsidyConvention:
    """A yearly subsidy convention "participation et activation sociale".

    ``members`` holds the CPAS of a large city, or the members of a cluster with the
    lead CPAS first. ``sections`` (from 2017) split ``amount`` over sections A, B, C.
    """

    LABEL: ClassVar[Text] = Text(
        fr="Convention de subvention participation et activation sociale",
        nl="Subsidieovereenkomst participatie en sociale activering",
        en="Subsidy convention for participation and social activation")

    id: str = attrs.field(factory=new_id, converter=text, metadata=label(
        "Identifiant", "Identificatie", "Id"))
    year: int = attrs.field(converter=_year, metadata=label(
        "Année (1er janvier – 31 décembre)", "Jaar (1 januari – 31 december)",
        "Year (1 January – 31 December)"))
    kind: ConventionKind = attrs.field(converter=_kind, metadata=label(
        "Type de convention", "Soort overeenkomst", "Kind of convention"))
    members: tuple[Cpas, ...] = attrs.field(
        converter=_members, validator=non_empty, metadata=label(
            "CPAS (le CPAS pilote en premier)", "OCMW's (het trekkende OCMW eerst)",
            "CPAS (the lead CPAS first)"))
    amount: Money = attrs.field(converter=_money, metadata=label(
        "Montant accordé", "Toegekend bedrag", "Amount granted"))
    sections: tuple[SectionAmount, ...] = attrs.field(
        default=(), converter=_sections, metadata=label(
            "Montants par section", "Bedragen per afdeling", "Amounts per section"))
    objectives: tuple[Objective, ...] = attrs.field(
        default=(), converter=_objectives, metadata=label(
            "Objectifs qualitatifs et quantitatifs", "Kwalitatieve en kwantitatieve doelstellingen",
            "Qualitative and quantitative objectives"))
    signatures: tuple[SubsidySignature, ...] = attrs.field(
        default=(), converter=_signatures, metadata=label(
            "Signatures", "Handtekeningen", "Signatures"))
    expenses: tuple[Expense, ...] = attrs.field(
        default=(), converter=_expenses, metadata=label(
            "Justification des dépenses", "Verantwoording van de uitgaven",
            "Justification of expenses"))
    indicators: Indicators | None = attrs.field(
        default=None, converter=_opt_indicators, metadata=label(
            "Indicateurs", "Indicatoren", "Indicators"))

    def rules_date(self) -> dt.date:
        """1 January of the convention's year: the law of that year applies."""
        return dt.date(self.year, 1, 1)

    @property
    def period(self) -> DateRange:
        """The convention period, 1 January to 31 December of its year."""
        return DateRange(dt.date(self.year, 1, 1), dt.date(self.year, 12, 31))

    @property
    def lead(self) -> Cpas:
        """The CPAS of a large city, or the lead CPAS of a cluster."""
        return self.members[0]

    def signed_for(self, signature: SubsidySignature) -> Kbo:
        """The KBO number of the CPAS a president's or directeur général's signature is for."""
        return signature.cpas_kbo if signature.cpas_kbo is not None else self.lead.kbo

    def section_amount(self, section: Section) -> Money | None:
        """The amount granted to ``section`` (summed if listed twice); ``None`` if not given."""
        found = [s.amount for s in self.sections if s.section is section]
        return Money.total(found) if found else None


# --- Signature workflow -------------------------------------------------------------------------


@attrs.frozen(field_transformer=locate, kw_only=True)
class MissingSignature:
    """A signature still expected: a role and, for a CPAS signer, the CPAS."""

    LABEL: ClassVar[Text] = Text(fr="Signature manquante", nl="Ontbrekende handtekening",
                                 en="Missing signature")

    role: SignerRole = attrs.field(validator=instance(SignerRole), metadata=label(
        "Qualité du signataire", "Hoedanigheid van de ondertekenaar", "Signer role"))
    cpas_kbo: Kbo | None = attrs.field(default=None, converter=opt_kbo, metadata=label(
        "CPAS (numéro BCE)", "OCMW (KBO-nummer)", "CPAS (enterprise number)"))


def _missing(values: Iterable[MissingSignature]) -> tuple[MissingSignature, ...]:
    return tuple_of(MissingSignature)(values)


def _stage(value: SignatureStage | str) -> SignatureStage:
    try:
        return SignatureStage(value)
    except ValueError:
        raise InvalidValue("not a signature stage", shown=repr(value)) from None


@attrs.frozen(field_transformer=locate, kw_only=True)
class SignatureProgress:
    """The result of :func:`signature_stage`: the stage reached and what is missing."""

    LABEL: ClassVar[Text] = Text(fr="État des signatures", nl="Stand van de ondertekening",
                                 en="Signature progress")

    stage: SignatureStage = attrs.field(converter=_stage, metadata=label(
        "Étape", "Stap", "Stage"))
    missing: tuple[MissingSignature, ...] = attrs.field(
        default=(), converter=_missing, metadata=label(
            "Signatures manquantes", "Ontbrekende handtekeningen", "Missing signatures"))

    @property
    def complete(self) -> bool:
        return self.stage is SignatureStage.COMPLETE


def _counted(conv: SubsidyConvention, on: dt.date | None) -> tuple[SubsidySignature, ...]:
    return tuple(s for s in conv.signatures if on is None or s.signed_on <= on)


def signature_stage(conv: SubsidyConvention, on: dt.date | None = None) -> SignatureProgress:
    """What is signed and what is missing, counting only signatures dated ``on`` or before.

    Stage 1: the president and the directeur général of every member CPAS; stage 2:
    the minister. A minister's signature given before the CPAS have all signed does
    not complete the workflow (the rule SUB-SIGN-004 reports it).
    """
    signed = _counted(conv, on)
    missing: list[MissingSignature] = []
    for member in conv.members:
        for role in CPAS_ROLES:
            if not any(s.role is role and conv.signed_for(s) == member.kbo for s in signed):
                missing.append(MissingSignature(role=role, cpas_kbo=member.kbo))
    minister = any(s.role is SignerRole.MINISTER for s in signed)
    if not minister:
        missing.append(MissingSignature(role=SignerRole.MINISTER))
    if any(m.role is not SignerRole.MINISTER for m in missing):
        stage = SignatureStage.CPAS
    elif missing:
        stage = SignatureStage.MINISTER
    else:
        stage = SignatureStage.COMPLETE
    return SignatureProgress(stage=stage, missing=missing)


def _params(parameters: Parameters | None) -> Parameters:
    return parameters if parameters is not None else Parameters.default()


def advance_payable(conv: SubsidyConvention, on: dt.date | None = None,
                    parameters: Parameters | None = None) -> Money:
    """The advance SPP IS pays: ``subsidy.advance_percent`` (50 %) of the amount granted,
    once all parties have signed (as of ``on`` if given); zero before that.

    The advance is paid within the budget year, which is why every signature is due by
    ``subsidy.signature_deadline`` (15 November): when the last signature comes later,
    no advance is payable in the year (SUB-SIGN-006 reports the late signature).
    """
    if not signature_stage(conv, on).complete:
        return Money.zero()
    params = _params(parameters)
    deadline = params.day_in_year("subsidy.signature_deadline", conv.year)
    if max(s.signature.signed_on for s in conv.signatures) > deadline:
        return Money.zero()
    rate = params.decimal("subsidy.advance_percent", conv.rules_date())
    return conv.amount.percent(rate)


# --- Justification ------------------------------------------------------------------------------


_NO_SHARE = Decimal(0)
_HUNDRED = Decimal(100)


def _share(part: int, whole: int) -> Decimal:
    return Decimal(min(part, whole)) / Decimal(whole)


def pro_rata_amount(expense: Expense) -> Money:
    """The line's cost pro rata of the staff time spent on the project and of the target
    group's share of a mixed audience (rounded to the cent), before any cap."""
    return Money.rounded(_exact_eligible(expense))


def _exact_eligible(expense: Expense) -> Decimal:
    value = expense.amount.amount
    if expense.category is ExpenseCategory.STAFF:
        percent = expense.staff_time_percent
        share = _NO_SHARE if percent is None else _HUNDRED if percent > _HUNDRED else percent
        value = value * share / 100
    target, everyone = expense.target_group_participants, expense.participants
    if target is not None and everyone:
        value = value * _share(target, everyone)
    return value


def eligible_amount(expense: Expense, year: int, parameters: Parameters | None = None) -> Money:
    """The eligible part of one expense line in ``year``, taken alone.

    A convention's lines share the investment caps: use :func:`eligible_amounts`
    for them.

    Staff costs count pro rata of the time spent on the project (no share given:
    nothing); for a mixed audience only the target group's share counts (6 of 20
    participants: 6/20); an investment counts up to ``subsidy.investment_cap`` (zero
    in 2015-2017, 500 € from 2018); an expense already funded elsewhere counts for
    nothing. The section caps on staff costs are applied by :func:`eligible_by_section`.
    """
    if expense.funded_elsewhere:
        return Money.zero()
    value = pro_rata_amount(expense)
    if expense.category is ExpenseCategory.INVESTMENT:
        cap = _params(parameters).money("subsidy.investment_cap", dt.date(year, 1, 1))
        value = min(value, cap)
    return value


def eligible_amounts(conv: SubsidyConvention,
                     parameters: Parameters | None = None) -> tuple[Money, ...]:
    """The eligible part of each expense line of ``conv``, in line order.

    Like :func:`eligible_amount`, except that the investment cap is shared: the
    CPAS's own investments (no ``person_ref``) count together up to
    ``subsidy.investment_cap``, and so do the investments for each person helped
    (domain.md, "Subsidy conventions": up to 500 € for the CPAS and up to 500 € per
    person, from 2018). Within one holder the cap is used up in line order.
    """
    params = _params(parameters)
    cap: Money | None = None  # looked up at the first investment: no table, no need
    left: dict[str | None, Money] = {}
    out: list[Money] = []
    for expense in conv.expenses:
        if expense.funded_elsewhere:
            out.append(Money.zero())
            continue
        value = pro_rata_amount(expense)
        if expense.category is ExpenseCategory.INVESTMENT:
            if cap is None:
                cap = params.money("subsidy.investment_cap", dt.date(conv.year, 1, 1))
            room = left.get(expense.person_ref, cap)
            value = min(value, room)
            left[expense.person_ref] = room - value
        out.append(value)
    return tuple(out)


def investment_totals(conv: SubsidyConvention) -> dict[str | None, tuple[Money, tuple[int, ...]]]:
    """Investments per holder (``None``: the CPAS), pro rata, with their line indexes."""
    totals: dict[str | None, tuple[Money, tuple[int, ...]]] = {}
    for index, expense in enumerate(conv.expenses):
        if expense.category is not ExpenseCategory.INVESTMENT or expense.funded_elsewhere:
            continue
        amount, lines = totals.get(expense.person_ref, (Money.zero(), ()))
        totals[expense.person_ref] = (amount + pro_rata_amount(expense), (*lines, index))
    return totals


def eligible_by_section(conv: SubsidyConvention,
                        parameters: Parameters | None = None) -> tuple[SectionAmount, ...]:
    """Eligible expenses per section, staff costs capped at the section's dated rate
    (from 2017: 10 % of the section's amount for A and C, up to 100 % for B).

    Lines without a section are not in the result.
    """
    params = _params(parameters)
    return _by_section(conv, params, eligible_amounts(conv, params))


def _by_section(conv: SubsidyConvention, params: Parameters,
                amounts: tuple[Money, ...]) -> tuple[SectionAmount, ...]:
    """:func:`eligible_by_section` from the lines' eligible ``amounts``."""
    on = conv.rules_date()
    lines = tuple(zip(conv.expenses, amounts, strict=True))
    out: list[SectionAmount] = []
    for section in _SECTIONS:
        staff_lines: list[Money] = []
        other_lines: list[Money] = []
        for expense, amount in lines:
            if expense.section is section:
                if expense.category is ExpenseCategory.STAFF:
                    staff_lines.append(amount)
                else:
                    other_lines.append(amount)
        if not staff_lines and not other_lines:
            continue
        staff = Money.total(staff_lines)
        other = Money.total(other_lines)
        cap = _staff_cap(conv, section, params, on)
        if cap is not None:
            staff = min(staff, cap)
        out.append(SectionAmount(section=section, amount=staff + other))
    return tuple(out)


def _staff_cap(conv: SubsidyConvention, section: Section, params: Parameters,
               on: dt.date) -> Money | None:
    """The most staff costs may reach in ``section``; ``None`` when no cap applies."""
    key = STAFF_CAP_KEYS[section]
    granted = conv.section_amount(section)
    if granted is None or not params.in_force(key, on):
        return None
    return granted.percent(params.decimal(key, on))


_SECTIONS = tuple(Section)
"""A, B, C in order (iterating over the enumeration itself is slower)."""

STAFF_CAP_KEYS: dict[Section, str] = {
    section: f"subsidy.staff_cost_cap_percent.{section.letter}" for section in Section}
"""The parameter holding each section's cap on staff costs, in percent of its amount."""


def _total(conv: SubsidyConvention, amounts: tuple[Money, ...],
           by_section: tuple[SectionAmount, ...]) -> Money:
    """:func:`eligible_expenses` from the lines' amounts and the sections' totals."""
    in_sections = Money.total(s.amount for s in by_section)
    rest = Money.total(a for e, a in zip(conv.expenses, amounts, strict=True)
                       if e.section is None)
    return in_sections + rest


def eligible_expenses(conv: SubsidyConvention, parameters: Parameters | None = None) -> Money:
    """All eligible expenses of the convention (see :func:`eligible_amounts`), with the
    staff-cost caps per section applied from 2017."""
    return eligibility(conv, parameters).total


class Eligibility(NamedTuple):
    """The eligible figures of a convention, computed together by :func:`eligibility`."""

    amounts: tuple[Money, ...]
    """Per expense line, in line order: :func:`eligible_amounts`."""
    by_section: tuple[SectionAmount, ...]
    """Per section, staff costs capped: :func:`eligible_by_section`."""
    total: Money
    """All eligible expenses: :func:`eligible_expenses`."""


def eligibility(conv: SubsidyConvention, parameters: Parameters | None = None) -> Eligibility:
    """:func:`eligible_amounts`, :func:`eligible_by_section` and :func:`eligible_expenses`
    at once, each computed once (the rule checks need all three)."""
    params = _params(parameters)
    amounts = eligible_amounts(conv, params)
    by_section = _by_section(conv, params, amounts)
    return Eligibility(amounts, by_section, _total(conv, amounts, by_section))


def subsidy_due(conv: SubsidyConvention, parameters: Parameters | None = None) -> Money:
    """The subsidy finally due: the eligible expenses, at most the amount granted.

    When the convention splits its amount over sections, each section counts at most
    its own amount (a section cannot be made up by another) and lines without a
    section count for nothing.
    """
    params = _params(parameters)
    if not conv.sections:
        return min(conv.amount, eligible_expenses(conv, params))
    per_section = {s.section: s.amount for s in eligible_by_section(conv, params)}
    total = Money.zero()
    for section in Section:
        granted = conv.section_amount(section)
        if granted is not None:
            total += min(granted, per_section.get(section, Money.zero()))
    return min(conv.amount, total)


def _advance(conv: SubsidyConvention, advance_paid: Money | None, params: Parameters) -> Money:
    return advance_paid if advance_paid is not None else advance_payable(conv, parameters=params)


def balance_due(conv: SubsidyConvention, advance_paid: Money | None = None,
                parameters: Parameters | None = None) -> Money:
    """What SPP IS still owes after the justification: :func:`subsidy_due` minus the
    advance (by default the advance payable under the convention), never below zero."""
    params = _params(parameters)
    due, paid = subsidy_due(conv, params), _advance(conv, advance_paid, params)
    return due - paid if due > paid else Money.zero()


def amount_to_recover(conv: SubsidyConvention, advance_paid: Money | None = None,
                      parameters: Parameters | None = None) -> Money:
    """The part of the advance the CPAS did not justify (zero when the balance is due)."""
    params = _params(parameters)
    due, paid = subsidy_due(conv, params), _advance(conv, advance_paid, params)
    return paid - due if paid > due else Money.zero()
