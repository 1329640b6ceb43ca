"""Rule checks for subsidy conventions "participation et activation sociale".

Signature workflow and deadline (AR 27/03/2015, ministerial instructions 25/06/2015),
justification of expenses, sections and staff-cost caps (PAS royal decrees from
2017), indicators. domain.md, "Subsidy conventions "participation et activation
sociale" (CPAS grandes villes + clusters)".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

from ..documents.subsidy import (
    CPAS_ROLES,
    STAFF_CAP_KEYS,
    ConventionKind,
    ExpenseCategory,
    SubsidyConvention,
    SubsidySignature,
    eligibility,
    investment_totals,
    pro_rata_amount,
)
from ..findings import LegalRef, Severity
from ..money import Money
from ..parties import SignerRole
from ..text import Text
from . import Context, Hit, rule

__all__: list[str] = []

_AR_2015 = LegalRef("AR 27/03/2015 (participation et activation sociale); "
                    "instructions ministérielles du 25/06/2015")
_WG_2015 = LegalRef("SPP IS, groupe de travail activation sociale, 13/10/2015")
_WG_2017 = LegalRef("SPP IS, groupe de travail activation sociale, 22/06/2017")
_AR_PAS_ART_8 = LegalRef("AR PAS 2017, art. 8 (redistribution des soldes non utilisés)")
_PAS = LegalRef(
    "AR PAS 2017 et suivants (fonds participation et activation sociale, sections A, B, C)",
    url="https://primabook.mi-is.be/fr/fonds-pour-la-participation-et-lactivation-sociale/"
        "activation-sociale")
_PAS_2018 = LegalRef("SPP IS, règles PAS 2018", url="https://slideplayer.fr/amp/15362313")

_FROM_2017 = dt.date(2017, 1, 1)
_PERCENT_TOLERANCE = Decimal(1)
"""How far (in percentage points) a given percentage may be from the one computed from the
numbers before they are reported as inconsistent: percentages are often rounded."""


def _deadline(doc: SubsidyConvention, ctx: Context) -> dt.date:
    return ctx.parameters.day_in_year("subsidy.signature_deadline", doc.year)


def _is_cpas_signature(doc: SubsidyConvention, sig: SubsidySignature) -> bool:
    members = {m.kbo for m in doc.members}
    return sig.role in CPAS_ROLES and doc.signed_for(sig) in members


# --- Members ------------------------------------------------------------------------------------


@rule("SUB-MEMB-001", document=SubsidyConvention, severity=Severity.ERROR, legal=(_AR_2015,),
      message=Text(
          fr="Une convention de cluster réunit au moins {minimum} CPAS ; elle en compte {count}.",
          nl="Een clusterovereenkomst verenigt minstens {minimum} OCMW's; deze telt er {count}.",
          en="A cluster convention brings together at least {minimum} CPAS; this one has "
             "{count}."))
def cluster_members(doc: SubsidyConvention, ctx: Context) -> Iterator[Hit]:
    """A cluster convention has at least ``subsidy.cluster_min_members`` (2) member CPAS.

    AR 27/03/2015 and instructions of 25/06/2015 (clusters of small CPAS);
    domain.md, "Subsidy conventions".
    """
    if doc.kind is ConventionKind.CLUSTER:
        minimum = ctx.parameters.integer("subsidy.cluster_min_members", ctx.on)
        if len(doc.members) < minimum:
            yield Hit("$.members", {"minimum": minimum, "count": len(doc.members)})


@rule("SUB-MEMB-002", document=SubsidyConvention, severity=Severity.WARNING, legal=(_AR_2015,),
      message=Text(
          fr="Une convention « grande ville » est conclue avec un seul CPAS ; elle en compte "
             "{count} : s'agit-il d'un cluster ?",
          nl="Een overeenkomst ‘grote stad’ wordt met één OCMW gesloten; deze telt er {count}: "
             "gaat het om een cluster?",
          en="A large-city convention is concluded with one CPAS; this one has {count}: is it "
             "a cluster?"))
def large_city_single_member(doc: SubsidyConvention, ctx: Context) -> Iterator[Hit]:
    """A large-city convention names exactly one CPAS.

    AR 27/03/2015 (37 CPAS of large cities, 19 clusters); domain.md, "Subsidy conventions".
    """
    if doc.kind is ConventionKind.LARGE_CITY and len(doc.members) > 1:
        yield Hit("$.kind", {"count": len(doc.members)})


@rule("SUB-MEMB-003", document=SubsidyConvention, severity=Severity.ERROR, legal=(_AR_2015,),
      message=Text(
          fr="Le CPAS {cpas} (BCE {kbo}) figure plus d'une fois parmi les membres.",
          nl="Het OCMW {cpas} (KBO {kbo}) staat meer dan eens tussen de leden.",
          en="CPAS {cpas} (enterprise number {kbo}) is listed more than once among the "
             "members."))
def members_unique(doc: SubsidyConvention, ctx: Context) -> Iterator[Hit]:
    """Each member CPAS (by KBO/BCE number) appears once.

    AR 27/03/2015; domain.md, "Subsidy conventions" and "Identifiers".
    """
    seen: set[str] = set()
    for index, member in enumerate(doc.members):
        if member.kbo.compact in seen:
            yield Hit(f"$.members[{index}].kbo", {"cpas": member.name, "kbo": member.kbo})
        seen.add(member.kbo.compact)


# --- Objectives ---------------------------------------------------------------------------------

_QUALITATIVE = Text(fr="qualitatif", nl="kwalitatieve", en="qualitative")
_QUANTITATIVE = Text(fr="quantitatif", nl="kwantitatieve", en="quantitative")


@rule("SUB-OBJ-001", document=SubsidyConvention, severity=Severity.WARNING,
      legal=(_AR_2015, _WG_2015),
      message=Text(
          fr="La convention fixe des objectifs qualitatifs et quantitatifs : aucun objectif "
             "{kind} n'est indiqué.",
          nl="De overeenkomst legt kwalitatieve en kwantitatieve doelstellingen vast: er is geen "
             "{kind} doelstelling opgegeven.",
          en="The convention sets qualitative and quantitative objectives: no {kind} objective "
             "is given."))
def objectives_present(doc: SubsidyConvention, ctx: Context) -> Iterator[Hit]:
    """The convention has at least one qualitative and one quantitative objective.

    SPP IS advises the minister on the qualitative and quantitative objectives
    (instructions of 25/06/2015; working group 13/10/2015); domain.md, "Subsidy conventions".
    """
    if not any(not o.is_quantitative for o in doc.objectives):
        yield Hit("$.objectives", {"kind": _QUALITATIVE})
    if not any(o.is_quantitative for o in doc.objectives):
        yield Hit("$.objectives", {"kind": _QUANTITATIVE})


# --- Signatures ---------------------------------------------------------------------------------


@rule("SUB-SIGN-001", document=SubsidyConvention, severity=Severity.ERROR,
      legal=(_AR_2015, _WG_2015),
      message=Text(
          fr="Signature en qualité de « {role} » : la convention est signée par le président et "
             "le directeur général de chaque CPAS, puis par le ministre.",
          nl="Handtekening als ‘{role}’: de overeenkomst wordt ondertekend door de voorzitter en "
             "de algemeen directeur van elk OCMW, daarna door de minister.",
          en="Signature as '{role}': the convention is signed by the president and the "
             "director-general of each CPAS, then by the minister."))
def signature_roles(doc: SubsidyConvention, ctx: Context) -> Iterator[Hit]:
    """Every signature is by a CPAS president, a directeur général or the minister.

    Procedure of the instructions of 25/06/2015 (working group 13/10/2015);
    domain.md, "Subsidy conventions".
    """
    allowed = (*CPAS_ROLES, SignerRole.MINISTER)
    for index, sig in enumerate(doc.signatures):
        if sig.role not in allowed:
            yield Hit(f"$.signatures[{index}].signature.role", {"role": sig.role.label})


@rule("SUB-SIGN-002", document=SubsidyConvention, severity=Severity.ERROR,
      legal=(_AR_2015, _WG_2015),
      message=Text(
          fr="La signature de « {role} » est donnée pour le CPAS {kbo}, qui n'est pas partie à "
             "la convention.",
          nl="De handtekening van ‘{role}’ is gezet voor het OCMW {kbo}, dat geen partij is bij "
             "de overeenkomst.",
          en="The signature of '{role}' is given for CPAS {kbo}, which is not a party to the "
             "convention."))
def signature_for_member(doc: SubsidyConvention, ctx: Context) -> Iterator[Hit]:
    """A CPAS signature is for one of the member CPAS.

    Instructions of 25/06/2015; domain.md, "Subsidy conventions".
    """
    members = {m.kbo for m in doc.members}
    for index, sig in enumerate(doc.signatures):
        if sig.role in CPAS_ROLES and doc.signed_for(sig) not in members:
            yield Hit(f"$.signatures[{index}].cpas_kbo",
                      {"role": sig.role.label, "kbo": doc.signed_for(sig)})


@rule("SUB-SIGN-003", document=SubsidyConvention, severity=Severity.WARNING,
      legal=(_AR_2015, _WG_2015),
      message=Text(
          fr="Signature manquante : {role} ({cpas}). Toutes les signatures sont "
             "attendues pour le {deadline} ; l'avance n'est payée qu'une fois que toutes les "
             "parties ont signé.",
          nl="Ontbrekende handtekening: {role} ({cpas}). Alle handtekeningen "
             "worden verwacht tegen {deadline}; het voorschot wordt pas betaald als alle "
             "partijen ondertekend hebben.",
          en="Missing signature: {role} ({cpas}). All signatures are due by "
             "{deadline}; the advance is paid only once all parties have signed."))
def cpas_signatures_present(doc: SubsidyConvention, ctx: Context) -> Iterator[Hit]:
    """The president and the directeur général of every member CPAS have signed.

    A warning while the deadline (``subsidy.signature_deadline``, 15 November) can still
    be met, an error once ``today`` is past it. Instructions of 25/06/2015; working
    group 13/10/2015; domain.md, "Subsidy conventions".
    """
    deadline = _deadline(doc, ctx)
    late = Severity.ERROR if ctx.today is not None and ctx.today > deadline else None
    for member in doc.members:
        for role in CPAS_ROLES:
            if not any(s.role is role and doc.signed_for(s) == member.kbo
                       for s in doc.signatures):
                yield Hit("$.signatures", {"role": role.label, "cpas": member.name,
                                           "deadline": deadline}, severity=late)


@rule("SUB-SIGN-004", document=SubsidyConvention, severity=Severity.WARNING,
      legal=(_AR_2015, _WG_2015),
      message=Text(
          fr="Le ministre n'a pas encore signé. Toutes les signatures sont attendues pour le "
             "{deadline} ; l'avance n'est payée qu'une fois que toutes les parties ont signé.",
          nl="De minister heeft nog niet ondertekend. Alle handtekeningen worden verwacht tegen "
             "{deadline}; het voorschot wordt pas betaald als alle partijen ondertekend hebben.",
          en="The minister has not signed yet. All signatures are due by {deadline}; the "
             "advance is paid only once all parties have signed."))
def minister_signature_present(doc: SubsidyConvention, ctx: Context) -> Iterator[Hit]:
    """The minister has signed (stage 2 of the workflow).

    A warning before the deadline, an error once ``today`` is past 15 November.
    Instructions of 25/06/2015; working group 13/10/2015; domain.md, "Subsidy conventions".
    """
    if not any(s.role is SignerRole.MINISTER for s in doc.signatures):
        deadline = _deadline(doc, ctx)
        late = Severity.ERROR if ctx.today is not None and ctx.today > deadline else None
        yield Hit("$.signatures", {"deadline": deadline}, severity=late)


@rule("SUB-SIGN-005", document=SubsidyConvention, severity=Severity.ERROR,
      legal=(_AR_2015, _WG_2015),
      message=Text(
          fr="Le ministre a signé le {date}, avant que le président et le directeur général de "
             "chaque CPAS aient signé ({count} signature(s) de CPAS manquante(s) ou "
             "postérieure(s)).",
          nl="De minister heeft op {date} ondertekend, vóór de voorzitter en de algemeen "
             "directeur van elk OCMW ({count} handtekening(en) van het OCMW ontbreken of zijn "
             "later).",
          en="The minister signed on {date}, before the president and the director-general of "
             "every CPAS had signed ({count} CPAS signature(s) missing or later)."))
def signing_order(doc: SubsidyConvention, ctx: Context) -> Iterator[Hit]:
    """The minister signs after the president and directeur général of every CPAS.

    Procedure: SPP IS advice, minister's agreement, CPAS signatures in the Rapport
    unique, then the minister's signature (instructions of 25/06/2015; working group
    13/10/2015); domain.md, "Subsidy conventions".
    """
    for index, sig in enumerate(doc.signatures):
        if sig.role is not SignerRole.MINISTER:
            continue
        behind = 0
        for member in doc.members:
            for role in CPAS_ROLES:
                dates = [s.signed_on for s in doc.signatures
                         if s.role is role and doc.signed_for(s) == member.kbo]
                if not dates or min(dates) > sig.signed_on:
                    behind += 1
        if behind:
            yield Hit(f"$.signatures[{index}].signature.signed_on",
                      {"date": sig.signed_on, "count": behind})


@rule("SUB-SIGN-006", document=SubsidyConvention, severity=Severity.ERROR,
      legal=(_AR_2015, _WG_2015),
      message=Text(
          fr="Signature du {date}, après la date limite du {deadline} : l'avance de 50 % doit "
             "être payée dans l'année budgétaire.",
          nl="Handtekening van {date}, na de uiterste datum van {deadline}: het voorschot van "
             "50 % moet binnen het begrotingsjaar betaald worden.",
          en="Signature of {date}, after the deadline of {deadline}: the 50 % advance must be "
             "paid within the budget year."))
def signature_deadline(doc: SubsidyConvention, ctx: Context) -> Iterator[Hit]:
    """Every signature is dated on or before ``subsidy.signature_deadline`` (15 November).

    SPP IS pays the advance within the budget year, hence all signatures by
    15 November (working group 13/10/2015); domain.md, "Subsidy conventions".
    """
    deadline = _deadline(doc, ctx)
    for index, sig in enumerate(doc.signatures):
        if sig.signed_on > deadline:
            yield Hit(f"$.signatures[{index}].signature.signed_on",
                      {"date": sig.signed_on, "deadline": deadline})


@rule("SUB-SIGN-007", document=SubsidyConvention, severity=Severity.WARNING,
      legal=(_AR_2015,),
      message=Text(
          fr="Signature en double : « {role} » a déjà signé pour cette partie.",
          nl="Dubbele handtekening: ‘{role}’ heeft al voor deze partij ondertekend.",
          en="Duplicate signature: '{role}' has already signed for this party."))
def signature_once(doc: SubsidyConvention, ctx: Context) -> Iterator[Hit]:
    """Each signer role signs once per CPAS (and the minister once).

    Instructions of 25/06/2015; domain.md, "Subsidy conventions".
    """
    seen: set[tuple[SignerRole, str]] = set()
    for index, sig in enumerate(doc.signatures):
        party = "" if sig.role is SignerRole.MINISTER else doc.signed_for(sig).compact
        if (sig.role, party) in seen:
            yield Hit(f"$.signatures[{index}]", {"role": sig.role.label})
        seen.add((sig.role, party))


# --- Sections (from 2017) -----------------------------------------------------------------------


@rule("SUB-SECT-001", document=SubsidyConvention, severity=Severity.ERROR, legal=(_PAS,),
      valid_from=_FROM_2017,
      message=Text(
          fr="Les montants par section (A, B, C) totalisent {total} au lieu du montant accordé "
             "de {amount}.",
          nl="De bedragen per afdeling (A, B, C) bedragen samen {total} in plaats van het "
             "toegekende bedrag van {amount}.",
          en="The amounts per section (A, B, C) add up to {total} instead of the amount granted "
             "of {amount}."))
def sections_add_up(doc: SubsidyConvention, ctx: Context) -> Iterator[Hit]:
    """From 2017 the amount granted is split over sections A, B and C, adding up exactly.

    Yearly PAS royal decree (amounts in its annex) from 2017; domain.md, "Subsidy conventions".
    """
    total = Money.total(s.amount for s in doc.sections)
    if total != doc.amount:
        yield Hit("$.sections", {"total": total, "amount": doc.amount})


@rule("SUB-SECT-002", document=SubsidyConvention, severity=Severity.ERROR, legal=(_PAS,),
      valid_from=_FROM_2017,
      message=Text(
          fr="La dépense « {description} » n'est pas rattachée à une section (A, B ou C) dotée "
             "d'un montant dans la convention.",
          nl="De uitgave ‘{description}’ is niet verbonden aan een afdeling (A, B of C) met een "
             "bedrag in de overeenkomst.",
          en="The expense '{description}' is not attached to a section (A, B or C) with an "
             "amount in the convention."))
def expense_has_section(doc: SubsidyConvention, ctx: Context) -> Iterator[Hit]:
    """From 2017 every expense is justified under a section the convention funds.

    Each section has its minimum share, which another cannot make up (PAS royal decree
    from 2017); domain.md, "Subsidy conventions".
    """
    funded = {part.section for part in doc.sections}  # doc.section_amount(s) is not None
    for index, expense in enumerate(doc.expenses):
        if expense.section is None or expense.section not in funded:
            yield Hit(f"$.expenses[{index}].section", {"description": expense.description})


# --- Justification of expenses ------------------------------------------------------------------


@rule("SUB-JUST-001", document=SubsidyConvention, severity=Severity.WARNING,
      legal=(_AR_PAS_ART_8, _WG_2017),
      message=Text(
          fr="Les dépenses éligibles justifiées ({eligible}) ne dépassent pas le montant accordé "
             "({amount}) : justifiez davantage, les soldes non utilisés sont redistribués.",
          nl="De verantwoorde subsidiabele uitgaven ({eligible}) overschrijden het toegekende "
             "bedrag ({amount}) niet: verantwoord meer, want niet gebruikte saldi worden "
             "herverdeeld.",
          en="The eligible expenses justified ({eligible}) do not exceed the amount granted "
             "({amount}): justify more, as unused balances are redistributed."))
def justify_more_than_granted(doc: SubsidyConvention, ctx: Context) -> Iterator[Hit]:
    """Once expenses are justified, the eligible total exceeds the amount granted.

    Residual balances are redistributed (AR PAS 2017 art. 8); SPP IS advises to justify
    more than the amount granted (working group 22/06/2017); domain.md, "Subsidy conventions".
    """
    if not doc.expenses:
        return
    eligible = ctx.derived(eligibility, doc).total
    if eligible <= doc.amount:
        yield Hit("$.expenses", {"eligible": eligible, "amount": doc.amount})


@rule("SUB-JUST-002", document=SubsidyConvention, severity=Severity.WARNING, legal=(_PAS,),
      valid_from=_FROM_2017,
      message=Text(
          fr="Section {section} : dépenses éligibles de {eligible} pour un montant de {amount} ; "
             "une section ne peut être compensée par une autre.",
          nl="Afdeling {section}: subsidiabele uitgaven van {eligible} voor een bedrag van "
             "{amount}; een afdeling kan niet door een andere worden gecompenseerd.",
          en="Section {section}: eligible expenses of {eligible} for an amount of {amount}; a "
             "section cannot be made up by another."))
def sections_justified(doc: SubsidyConvention, ctx: Context) -> Iterator[Hit]:
    """From 2017 each section's eligible expenses reach that section's amount.

    Each section has a minimum share that cannot be made up by another (PAS royal decree
    from 2017); domain.md, "Subsidy conventions".
    """
    if not doc.expenses:
        return
    eligible = {s.section: s.amount for s in ctx.derived(eligibility, doc).by_section}
    for index, part in enumerate(doc.sections):
        got = eligible.get(part.section, Money.zero())
        if got < part.amount:
            yield Hit(f"$.sections[{index}].amount",
                      {"section": part.section.label, "eligible": got, "amount": part.amount})


@rule("SUB-INV-001", document=SubsidyConvention, severity=Severity.ERROR,
      legal=(_WG_2017,), valid_until=dt.date(2017, 12, 31),
      message=Text(
          fr="Frais d'investissement « {description} » ({amount}) : non éligibles pour cette "
             "année (seuls les frais de fonctionnement et de personnel le sont).",
          nl="Investeringskosten ‘{description}’ ({amount}): niet subsidiabel voor dit jaar "
             "(enkel werkings- en personeelskosten).",
          en="Investment costs '{description}' ({amount}): not eligible for this year (only "
             "operating and staff costs are)."))
def investment_not_eligible(doc: SubsidyConvention, ctx: Context) -> Iterator[Hit]:
    """Up to 2017 investment costs (e.g. renovating premises) are not eligible.

    ``subsidy.investment_cap`` is zero for 2015-2017 (SPP IS working group 22/06/2017);
    domain.md, "Subsidy conventions".
    """
    cap = ctx.parameters.money("subsidy.investment_cap", ctx.on)
    for index, expense in enumerate(doc.expenses):
        if expense.category is ExpenseCategory.INVESTMENT and expense.amount > cap:
            yield Hit(f"$.expenses[{index}].category",
                      {"description": expense.description, "amount": expense.amount})


@rule("SUB-INV-002", document=SubsidyConvention, severity=Severity.WARNING,
      legal=(_PAS_2018,), valid_from=dt.date(2018, 1, 1),
      message=Text(
          fr="Investissements {holder} : {amount} hors TVA au total, seuls {cap} sont éligibles "
             "(plafond pour le CPAS, et plafond par personne aidée).",
          nl="Investeringen {holder}: in totaal {amount} excl. btw, slechts {cap} is "
             "subsidiabel (plafond voor het OCMW en plafond per geholpen persoon).",
          en="Investments {holder}: {amount} excluding VAT in all, only {cap} is eligible (a cap "
             "for the CPAS, and a cap per person helped)."))
def investment_cap(doc: SubsidyConvention, ctx: Context) -> Iterator[Hit]:
    """From 2018 investments are eligible up to ``subsidy.investment_cap`` (500 € excl. VAT)
    for the CPAS's own investments together, and as much for each person helped.

    SPP IS, PAS rules 2018: up to 500 € for the CPAS and up to 500 € per person helped;
    domain.md, "Subsidy conventions". Lines are grouped by ``person_ref`` (none: the
    CPAS); the finding points at the group's last line.
    """
    cap = ctx.parameters.money("subsidy.investment_cap", ctx.on)
    for holder, (amount, lines) in investment_totals(doc).items():
        if amount > cap:
            who = _CPAS_HOLDER if holder is None else _PERSON_HOLDER.format(ref=holder)
            yield Hit(f"$.expenses[{lines[-1]}].amount",
                      {"holder": who, "amount": amount, "cap": cap})


_CPAS_HOLDER = Text(fr="du CPAS", nl="van het OCMW", en="of the CPAS")
_PERSON_HOLDER = Text(fr="pour la personne « {ref} »", nl="voor persoon ‘{ref}’",
                      en="for person '{ref}'")


@rule("SUB-STAFF-001", document=SubsidyConvention, severity=Severity.ERROR, legal=(_PAS,),
      valid_from=_FROM_2017,
      message=Text(
          fr="Section {section} : frais de personnel de {staff}, au-delà du plafond de {cap} "
             "({percent} % du montant de la section).",
          nl="Afdeling {section}: personeelskosten van {staff}, boven het plafond van {cap} "
             "({percent} % van het bedrag van de afdeling).",
          en="Section {section}: staff costs of {staff}, above the cap of {cap} ({percent} % of "
             "the section's amount)."))
def staff_cost_cap(doc: SubsidyConvention, ctx: Context) -> Iterator[Hit]:
    """From 2017 staff costs stay within the section's cap (A and C 10 %, B up to 100 %).

    Yearly PAS royal decree from 2017 (``subsidy.staff_cost_cap_percent.A/B/C``);
    domain.md, "Subsidy conventions".
    """
    for index, part in enumerate(doc.sections):
        percent = ctx.parameters.decimal(STAFF_CAP_KEYS[part.section], ctx.on)
        staff = Money.total(pro_rata_amount(e) for e in doc.expenses
                            if e.section is part.section and not e.funded_elsewhere
                            and e.category is ExpenseCategory.STAFF)
        cap = part.amount.percent(percent)
        if staff > cap:
            yield Hit(f"$.sections[{index}]", {"section": part.section.label, "staff": staff,
                                               "cap": cap, "percent": percent})


@rule("SUB-STAFF-002", document=SubsidyConvention, severity=Severity.ERROR,
      legal=(_WG_2017,),
      message=Text(
          fr="Frais de personnel « {description} » : indiquez la part du temps consacrée au "
             "projet, entre 0 et 100 % (reçu : {share}).",
          nl="Personeelskosten ‘{description}’: vermeld het aandeel van de werktijd besteed aan "
             "het project, tussen 0 en 100 % (ontvangen: {share}).",
          en="Staff costs '{description}': give the share of working time spent on the project, "
             "between 0 and 100 % (received: {share})."))
def staff_time_share(doc: SubsidyConvention, ctx: Context) -> Iterator[Hit]:
    """A staff cost states the share of time spent on the project, at most 100 %.

    Expenses are proportional to the policy carried out, e.g. the share of a social
    worker's salary spent on bilans sociaux (working group 22/06/2017); domain.md,
    "Subsidy conventions".
    """
    for index, expense in enumerate(doc.expenses):
        if expense.category is not ExpenseCategory.STAFF:
            continue
        share = expense.staff_time_percent
        if share is None or share > 100:
            shown: object = _NOTHING if share is None else share
            yield Hit(f"$.expenses[{index}].staff_time_percent",
                      {"description": expense.description, "share": shown})


_NOTHING = Text(fr="rien", nl="niets", en="nothing")


@rule("SUB-MIX-001", document=SubsidyConvention, severity=Severity.ERROR, legal=(_PAS_2018,),
      message=Text(
          fr="Public mixte pour « {description} » : indiquez le nombre de participants du groupe "
             "cible et le nombre total (non nul), le premier au plus égal au second "
             "(reçu : {target} sur {total}).",
          nl="Gemengd publiek voor ‘{description}’: vermeld het aantal deelnemers uit de "
             "doelgroep en het totaal (niet nul), het eerste hoogstens gelijk aan het tweede "
             "(ontvangen: {target} op {total}).",
          en="Mixed audience for '{description}': give the number of target-group participants "
             "and the total (not zero), the first at most the second (received: {target} of "
             "{total})."))
def mixed_audience(doc: SubsidyConvention, ctx: Context) -> Iterator[Hit]:
    """For a mixed audience both counts are given and the target group is part of the total.

    Only the target group's share is eligible (6 of 20 participants: 6/20 of the cost),
    SPP IS PAS rules; domain.md, "Subsidy conventions".
    """
    for index, expense in enumerate(doc.expenses):
        target, total = expense.target_group_participants, expense.participants
        if target is None and total is None:
            continue
        if target is None or total is None or total == 0 or target > total:
            yield Hit(f"$.expenses[{index}].target_group_participants",
                      {"description": expense.description,
                       "target": "?" if target is None else target,
                       "total": "?" if total is None else total})


@rule("SUB-DBL-001", document=SubsidyConvention, severity=Severity.ERROR, legal=(_PAS_2018,),
      message=Text(
          fr="La dépense « {description} » est déjà financée par ailleurs : pas de double "
             "financement.",
          nl="De uitgave ‘{description}’ wordt al elders gefinancierd: geen dubbele financiering.",
          en="The expense '{description}' is already funded elsewhere: no double funding."))
def no_double_funding(doc: SubsidyConvention, ctx: Context) -> Iterator[Hit]:
    """No expense is funded twice.

    SPP IS PAS rules (no double funding); domain.md, "Subsidy conventions".
    """
    for index, expense in enumerate(doc.expenses):
        if expense.funded_elsewhere:
            yield Hit(f"$.expenses[{index}].funded_elsewhere",
                      {"description": expense.description})


# --- Indicators ---------------------------------------------------------------------------------

_SUBSETS = (("social_integration_entitled", "social_integration_entitled_percent"),
            ("in_trajectory", "in_trajectory_percent"))


@rule("SUB-IND-001", document=SubsidyConvention, severity=Severity.ERROR, legal=(_WG_2017,),
      message=Text(
          fr="Indicateurs : {part} personnes sur un total de {total} bénéficiaires ; une partie "
             "ne peut dépasser le total.",
          nl="Indicatoren: {part} personen op een totaal van {total} begunstigden; een deel kan "
             "het totaal niet overschrijden.",
          en="Indicators: {part} people out of a total of {total} beneficiaries; a part cannot "
             "exceed the total."))
def indicator_subsets(doc: SubsidyConvention, ctx: Context) -> Iterator[Hit]:
    """Those entitled to social integration and those in a trajectory are part of the total.

    Indicators: the number of beneficiaries, each counted once, and the proportions to it
    (working group 22/06/2017); domain.md, "Subsidy conventions".
    """
    ind = doc.indicators
    if ind is None or ind.beneficiaries is None:
        return
    for name, _ in _SUBSETS:
        part: int | None = getattr(ind, name)
        if part is not None and part > ind.beneficiaries:
            yield Hit(f"$.indicators.{name}", {"part": part, "total": ind.beneficiaries})


@rule("SUB-IND-002", document=SubsidyConvention, severity=Severity.ERROR, legal=(_WG_2017,),
      message=Text(
          fr="Indicateurs : un pourcentage de {percent} % n'est pas possible (0 à 100 %).",
          nl="Indicatoren: een percentage van {percent} % is niet mogelijk (0 tot 100 %).",
          en="Indicators: a percentage of {percent} % is not possible (0 to 100 %)."))
def indicator_percent_range(doc: SubsidyConvention, ctx: Context) -> Iterator[Hit]:
    """Indicator percentages lie between 0 and 100.

    Working group 22/06/2017 (proportions may be given as %); domain.md, "Subsidy conventions".
    """
    ind = doc.indicators
    if ind is None:
        return
    for _, name in _SUBSETS:
        percent: Decimal | None = getattr(ind, name)
        if percent is not None and percent > 100:
            yield Hit(f"$.indicators.{name}", {"percent": percent})


@rule("SUB-IND-003", document=SubsidyConvention, severity=Severity.WARNING, legal=(_WG_2017,),
      message=Text(
          fr="Indicateurs : {percent} % ne correspond pas à {part} personnes sur {total} "
             "({computed} %).",
          nl="Indicatoren: {percent} % stemt niet overeen met {part} personen op {total} "
             "({computed} %).",
          en="Indicators: {percent} % does not match {part} people out of {total} "
             "({computed} %)."))
def indicator_percent_matches(doc: SubsidyConvention, ctx: Context) -> Iterator[Hit]:
    """A percentage given besides the numbers matches them (within one point of rounding).

    Working group 22/06/2017; domain.md, "Subsidy conventions".
    """
    ind = doc.indicators
    if ind is None or not ind.beneficiaries:
        return
    for count_name, percent_name in _SUBSETS:
        part: int | None = getattr(ind, count_name)
        percent: Decimal | None = getattr(ind, percent_name)
        if part is None or percent is None or part > ind.beneficiaries:
            continue
        computed = (Decimal(part) * 100 / ind.beneficiaries).quantize(Decimal("0.1"))
        if abs(computed - percent) > _PERCENT_TOLERANCE:
            yield Hit(f"$.indicators.{percent_name}",
                      {"percent": percent, "part": part, "total": ind.beneficiaries,
                       "computed": computed})

