"""Rule checks for partnership conventions "mesure 500 €".

AR of 23/09/2004 as amended by the AR of 08/10/2012 (in force 04/11/2012) and the
circular of 31/01/2013: eligible beneficiaries, guidance methods and hours, the CPAS's
partners and their shares, déclarations de créance for the balance, employment before
the end of the individual plan. domain.md, "Partnership conventions, "mesure 500 €"
(circular of 31 January 2013)".
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from ..documents.partnership import (
    BeneficiaryStatus,
    PartnerKind,
    PartnershipConvention,
    agreed_amount,
    employed_in_time,
    intervention,
    payments,
)
from ..findings import LegalRef, Severity
from ..money import Money
from ..text import Text
from . import Context, Hit, rule

__all__: list[str] = []

_AR = LegalRef("AR 23/09/2004 (intervention financière du CPAS, accompagnement vers l'emploi), "
               "modifié par l'AR du 08/10/2012, art. 3")
_CIRCULAR = LegalRef("Circulaire du 31/01/2013 relative aux conventions de partenariat")

_WHOLE = Decimal(100)
"""The partners' shares are percentages of the guidance: together, the whole of it."""


@rule("PART-DATE-001", document=PartnershipConvention, severity=Severity.WARNING,
      legal=(_AR, _CIRCULAR),
      message=Text(
          fr="Convention conclue le {date} : les montants de 500 € et 250 € ne s'appliquent "
             "qu'aux conventions conclues depuis l'entrée en vigueur de l'AR du 08/10/2012.",
          nl="Overeenkomst gesloten op {date}: de bedragen van 500 € en 250 € gelden enkel voor "
             "overeenkomsten gesloten sinds de inwerkingtreding van het KB van 08/10/2012.",
          en="Convention concluded on {date}: the 500 € and 250 € amounts apply only to "
             "conventions concluded since the royal decree of 08/10/2012 came into force."))
def amounts_in_force(doc: PartnershipConvention, ctx: Context) -> Iterator[Hit]:
    """The convention is concluded when the amounts of the amended AR are in force (4 Nov 2012).

    AR 08/10/2012 amending AR 23/09/2004, in force 04/11/2012 (``partnership.intervention.full``
    has no value before); domain.md, "Partnership conventions".
    """
    if not ctx.parameters.in_force("partnership.intervention.full", ctx.on):
        yield Hit("$.concluded_on", {"date": doc.concluded_on})


@rule("PART-DATE-002", document=PartnershipConvention, severity=Severity.ERROR,
      legal=(_CIRCULAR,),
      message=Text(
          fr="Le plan individuel se termine le {end}, avant la conclusion de la convention le "
             "{date}.",
          nl="Het individueel plan eindigt op {end}, vóór de afsluiting van de overeenkomst op "
             "{date}.",
          en="The individual plan ends on {end}, before the convention was concluded on "
             "{date}."))
def plan_after_conclusion(doc: PartnershipConvention, ctx: Context) -> Iterator[Hit]:
    """The planned and actual ends of the plan are not before the conclusion date.

    Circular of 31/01/2013; domain.md, "Partnership conventions".
    """
    if doc.plan_end < doc.concluded_on:
        yield Hit("$.plan_end", {"end": doc.plan_end, "date": doc.concluded_on})
    if doc.ended_on is not None and doc.ended_on < doc.concluded_on:
        yield Hit("$.ended_on", {"end": doc.ended_on, "date": doc.concluded_on})


@rule("PART-STAT-001", document=PartnershipConvention, severity=Severity.ERROR,
      legal=(_AR, _CIRCULAR),
      message=Text(
          fr="Statut « {status} » : la mesure vise les bénéficiaires du revenu d'intégration ou "
             "d'une aide sociale financière.",
          nl="Statuut ‘{status}’: de maatregel is bedoeld voor gerechtigden op het leefloon of "
             "op financiële maatschappelijke hulp.",
          en="Status '{status}': the measure is for beneficiaries of the social integration "
             "income or of financial social aid."))
def beneficiary_eligible(doc: PartnershipConvention, ctx: Context) -> Iterator[Hit]:
    """The beneficiary receives the revenu d'intégration or financial social aid.

    AR 23/09/2004 as amended by AR 08/10/2012; circular of 31/01/2013; domain.md,
    "Partnership conventions".
    """
    if doc.beneficiary_status is BeneficiaryStatus.OTHER:
        yield Hit("$.beneficiary_status", {"status": doc.beneficiary_status.label})


@rule("PART-METH-001", document=PartnershipConvention, severity=Severity.ERROR,
      legal=(_CIRCULAR,),
      message=Text(
          fr="Aucune méthode d'accompagnement : la convention prévoit une recherche active "
             "d'emploi et/ou un job coaching, validés par le CPAS.",
          nl="Geen begeleidingsmethode: de overeenkomst voorziet in actief zoeken naar werk "
             "en/of jobcoaching, gevalideerd door het OCMW.",
          en="No guidance method: the convention provides active job search and/or job "
             "coaching, validated by the CPAS."))
def method_given(doc: PartnershipConvention, ctx: Context) -> Iterator[Hit]:
    """The convention names its guidance method(s): active job search and/or job coaching.

    Circular of 31/01/2013; domain.md, "Partnership conventions".
    """
    if not doc.methods:
        yield Hit("$.methods")


@rule("PART-CPAS-001", document=PartnershipConvention, severity=Severity.ERROR,
      legal=(_CIRCULAR,),
      message=Text(
          fr="Aucun partenaire autre que le CPAS n'a de part dans l'accompagnement : le CPAS peut "
             "en assurer plus de la moitié, mais doit collaborer avec au moins un partenaire "
             "pour être remboursé.",
          nl="Geen andere partner dan het OCMW heeft een aandeel in de begeleiding: het OCMW mag "
             "meer dan de helft op zich nemen, maar moet met minstens één partner samenwerken "
             "om terugbetaald te worden.",
          en="No partner other than the CPAS has a share in the guidance: the CPAS may take "
             "more than half of it but must work with at least one partner to be reimbursed."))
def partner_besides_cpas(doc: PartnershipConvention, ctx: Context) -> Iterator[Hit]:
    """At least one partner other than the CPAS takes part in the guidance.

    The CPAS may take more than 50 % of the hours but must keep working with other
    partners (circular of 31/01/2013); domain.md, "Partnership conventions".
    """
    if not any(p.kind is not PartnerKind.CPAS and p.share > 0 for p in doc.partners):
        yield Hit("$.partners")


@rule("PART-SHARE-001", document=PartnershipConvention, severity=Severity.ERROR,
      legal=(_CIRCULAR,),
      message=Text(
          fr="Les parts des partenaires totalisent {total} % au lieu de 100 %.",
          nl="De aandelen van de partners bedragen samen {total} % in plaats van 100 %.",
          en="The partners' shares add up to {total} % instead of 100 %."))
def shares_add_up(doc: PartnershipConvention, ctx: Context) -> Iterator[Hit]:
    """The partners' shares of the guidance add up to 100 %.

    The intervention is split according to each one's participation as fixed in the
    convention (circular of 31/01/2013); domain.md, "Partnership conventions".
    """
    total = sum((p.share for p in doc.partners), Decimal(0))
    if total != _WHOLE:
        yield Hit("$.partners", {"total": total})


@rule("PART-HRS-001", document=PartnershipConvention, severity=Severity.WARNING,
      legal=(_AR, _CIRCULAR),
      message=Text(
          fr="{hours} heures d'accompagnement prévues, moins que les {minimum} heures qui "
             "ouvrent l'intervention : seule une mise à l'emploi avant la fin du plan y donnerait "
             "droit.",
          nl="{hours} geplande begeleidingsuren, minder dan de {minimum} uren die recht geven "
             "op de tegemoetkoming: enkel een tewerkstelling vóór het einde van het plan geeft "
             "er dan recht op.",
          en="{hours} hours of guidance planned, fewer than the {minimum} hours that open the "
             "intervention: only a job before the plan ends would give a right to it."))
def planned_hours(doc: PartnershipConvention, ctx: Context) -> Iterator[Hit]:
    """The planned guidance reaches ``partnership.hours.half`` (50) hours.

    AR 23/09/2004 art. 3 as amended by AR 08/10/2012: 250 € from 50 hours, 500 € from
    100 hours; domain.md, "Partnership conventions".
    """
    minimum = ctx.parameters.integer("partnership.hours.half", ctx.on)
    if doc.hours_planned < minimum:
        yield Hit("$.hours_planned", {"hours": doc.hours_planned, "minimum": minimum})


@rule("PART-HRS-002", document=PartnershipConvention, severity=Severity.ERROR,
      legal=(_CIRCULAR,),
      message=Text(
          fr="Les heures des partenaires totalisent {parts} h, la convention en indique {hours}.",
          nl="De uren van de partners bedragen samen {parts} u, de overeenkomst vermeldt er "
             "{hours}.",
          en="The partners' hours add up to {parts} h; the convention states {hours}."))
def partner_hours_add_up(doc: PartnershipConvention, ctx: Context) -> Iterator[Hit]:
    """When every partner's hours are given, they add up to the convention's hours.

    Circular of 31/01/2013 (hours per partner, split of the guidance); domain.md,
    "Partnership conventions".
    """
    for name in ("hours_planned", "hours_performed"):
        parts: list[Decimal | None] = [getattr(p, name) for p in doc.partners]
        if not parts or any(h is None for h in parts):
            continue
        total = sum((h for h in parts if h is not None), Decimal(0))
        hours: Decimal = getattr(doc, name)
        if total != hours:
            yield Hit(f"$.{name}", {"parts": total, "hours": hours})


@rule("PART-HRS-003", document=PartnershipConvention, severity=Severity.WARNING,
      legal=(_AR, _CIRCULAR),
      message=Text(
          fr="Convention terminée avec {hours} heures prestées sans mise à l'emploi : "
             "intervention de {final} au lieu des {agreed} convenus ; l'avance versée en trop est "
             "à récupérer.",
          nl="Overeenkomst beëindigd met {hours} gepresteerde uren zonder tewerkstelling: "
             "tegemoetkoming van {final} in plaats van de overeengekomen {agreed}; het te veel "
             "betaalde voorschot moet worden teruggevorderd.",
          en="Convention ended with {hours} hours performed and no job: intervention of "
             "{final} instead of the {agreed} agreed; any advance paid in excess is to be "
             "recovered."))
def performed_hours(doc: PartnershipConvention, ctx: Context) -> Iterator[Hit]:
    """After the end, the hours performed (or a job) earn the amount agreed at conclusion.

    Checked once ``ended_on`` is set, or ``today`` is past the plan's end.
    AR 23/09/2004 art. 3 as amended by AR 08/10/2012; domain.md, "Partnership conventions".
    """
    ended = doc.ended_on is not None or (ctx.today is not None and ctx.today > doc.plan_end)
    if not ended:
        return
    agreed = agreed_amount(doc, ctx.parameters)
    final = intervention(doc, ctx.parameters)
    if final < agreed:
        yield Hit("$.hours_performed", {"hours": doc.hours_performed, "final": final,
                                        "agreed": agreed})


@rule("PART-EMP-001", document=PartnershipConvention, severity=Severity.WARNING,
      legal=(_AR, _CIRCULAR),
      message=Text(
          fr="Contrat de travail du {date}, hors du plan individuel ({start} – {end}) : il ne "
             "donne pas droit à l'intervention pour mise à l'emploi.",
          nl="Arbeidsovereenkomst van {date}, buiten het individueel plan ({start} – {end}): "
             "ze geeft geen recht op de tegemoetkoming voor tewerkstelling.",
          en="Employment contract of {date}, outside the individual plan ({start} – {end}): it "
             "gives no right to the employment intervention."))
def employment_within_plan(doc: PartnershipConvention, ctx: Context) -> Iterator[Hit]:
    """An employment contract is dated between the conclusion and the end of the plan.

    500 € when the person gets a job before the individual plan is finished (AR
    23/09/2004 art. 3 as amended by AR 08/10/2012); domain.md, "Partnership conventions".
    """
    if doc.employment_contract_on is not None and not employed_in_time(doc):
        yield Hit("$.employment_contract_on", {"date": doc.employment_contract_on,
                                               "start": doc.concluded_on, "end": doc.end_date})


@rule("PART-CLAIM-001", document=PartnershipConvention, severity=Severity.ERROR,
      legal=(_CIRCULAR,),
      message=Text(
          fr="Déclaration de créance du {date} : le solde n'est réclamé qu'à la fin de la "
             "convention ({end}) ou à la mise à l'emploi.",
          nl="Schuldvordering van {date}: het saldo wordt pas gevorderd bij het einde van de "
             "overeenkomst ({end}) of bij de tewerkstelling.",
          en="Declaration of claim of {date}: the balance is claimed only at the end of the "
             "convention ({end}) or on employment."))
def claim_after_end(doc: PartnershipConvention, ctx: Context) -> Iterator[Hit]:
    """A déclaration de créance is dated on or after the end or the employment contract.

    The balance is paid on the partner's déclaration de créance when the convention ends
    (hours done, or an employment contract obtained earlier), circular of 31/01/2013;
    domain.md, "Partnership conventions".
    """
    allowed = doc.end_date
    if employed_in_time(doc) and doc.employment_contract_on is not None:
        allowed = min(allowed, doc.employment_contract_on)
    for index, claim in enumerate(doc.claims):
        if claim.declared_on < allowed:
            yield Hit(f"$.claims[{index}].declared_on", {"date": claim.declared_on,
                                                          "end": allowed})


@rule("PART-CLAIM-002", document=PartnershipConvention, severity=Severity.ERROR,
      legal=(_CIRCULAR,),
      message=Text(
          fr="La déclaration de créance désigne un partenaire inconnu ({partner}).",
          nl="De schuldvordering vermeldt een onbekende partner ({partner}).",
          en="The declaration of claim names an unknown partner ({partner})."))
def claim_partner_known(doc: PartnershipConvention, ctx: Context) -> Iterator[Hit]:
    """Each déclaration de créance is from one of the convention's partners.

    Circular of 31/01/2013; domain.md, "Partnership conventions".
    """
    for index, claim in enumerate(doc.claims):
        if doc.partner(claim.partner_id) is None:
            yield Hit(f"$.claims[{index}].partner_id", {"partner": claim.partner_id})


@rule("PART-CLAIM-003", document=PartnershipConvention, severity=Severity.ERROR,
      legal=(_AR, _CIRCULAR),
      message=Text(
          fr="{partner} réclame {claimed} ; le solde qui lui revient selon sa part est de "
             "{balance}.",
          nl="{partner} vordert {claimed}; het saldo dat volgens zijn aandeel toekomt, is "
             "{balance}.",
          en="{partner} claims {claimed}; the balance due by its share is {balance}."))
def claimed_matches_split(doc: PartnershipConvention, ctx: Context) -> Iterator[Hit]:
    """What each partner claims equals its computed balance (its share minus its advance).

    The intervention is split by each partner's share, also when the person is employed
    early (circular of 31/01/2013); domain.md, "Partnership conventions". Not checked
    while no share is above zero (PART-SHARE-001 reports it).
    """
    if not doc.claims or not any(p.share > 0 for p in doc.partners):
        return
    due = {pay.partner_id: pay.balance for pay in payments(doc, ctx.parameters)}
    for index, partner in enumerate(doc.partners):
        mine = [c.amount for c in doc.claims if c.partner_id == partner.id]
        if not mine:
            continue
        claimed = Money.total(mine)
        if claimed != due[partner.id]:
            yield Hit(f"$.partners[{index}]", {"partner": partner.organisation.name,
                                               "claimed": claimed, "balance": due[partner.id]})
