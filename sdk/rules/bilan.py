"""Rule checks for the bilan social and its action plan.

Legal basis: AR DIS 11/07/2002 art. 11 §1 (prior assessment of needs before a
PIIS, kept by the AR of 3 October 2016); AR 03/10/2016 on the content of the PIIS
(objectives, commitments, deadlines); the practice of CPAS Saint-Gilles (three
assessment moments) and CPAS Kortrijk (ten life domains, action plan flowing
into the PIIS) reported to the SPP IS working group "activation sociale".
Sources: domain.md, "Bilan social (social assessment) and action plan" and "PIIS".
"""

from __future__ import annotations

from collections.abc import Iterator

from ..documents.bilan import AssessmentMoment, BilanSocial
from ..findings import LegalRef, Severity
from ..lifedomains import domain_by_id
from ..text import Text
from . import Context, Hit, rule

__all__: list[str] = []

_PRIOR_ASSESSMENT = LegalRef(
    "AR DIS 11/07/2002 art. 11 §1 (maintenu par l'AR du 03/10/2016)",
    "https://www.mi-is.be/fr/projet-individualise-dintegration-sociale-piis")
_PIIS_CONTENT = LegalRef(
    "AR 03/10/2016 modifiant l'AR DIS 11/07/2002 : objectifs, engagements, domaines et échéances "
    "du PIIS")
_THREE_MOMENTS = LegalRef(
    "GT SPP IS « activation sociale » 13/10/2015 : bilan à trois moments (CPAS Saint-Gilles)")
_ACTION_PLAN = LegalRef(
    "GT SPP IS « activation sociale » 13/10/2015 : plan d'action lié au bilan et au PIIS "
    "(CPAS Courtrai)")
_NO_NEW_BILAN = LegalRef(
    "SPP IS, FAQ PIIS : pas de nouveau bilan après un retour de moins de 3 mois de travail",
    "https://www.mi-is.be/fr/projet-individualise-dintegration-sociale-piis")


def _domain_name(domain_id: str, ctx: Context) -> Text | str:
    """The label of a life domain of the policy, or its id when unknown."""
    domain = domain_by_id(domain_id, ctx.policy.life_domains)
    return domain.label if domain is not None else domain_id


# --- Assessments ---------------------------------------------------------------------------


@rule("BILAN-ASSESS-001", document=BilanSocial, severity=Severity.ERROR,
      legal=_PRIOR_ASSESSMENT,
      message=Text(
          fr="Le domaine « {domain} » n'est pas un domaine de vie connu du CPAS.",
          nl="Het domein ‘{domain}’ is geen gekend levensdomein van het OCMW.",
          en="'{domain}' is not a known life domain of the CPAS."))
def assessment_domain_known(doc: BilanSocial, ctx: Context) -> Iterator[Hit]:
    """Every assessment is about a life domain of the CPAS's policy.

    AR DIS 11/07/2002 art. 11 §1; domain.md, Bilan social (configurable list of domains).
    """
    known = ctx.policy.domain_ids()
    for index, assessment in enumerate(doc.assessments):
        if assessment.domain not in known:
            yield Hit(f"$.assessments[{index}].domain", {"domain": assessment.domain})


@rule("BILAN-ASSESS-002", document=BilanSocial, severity=Severity.WARNING,
      legal=(_PRIOR_ASSESSMENT, _THREE_MOMENTS),
      message=Text(
          fr="Le bilan de départ n'évalue pas le domaine « {domain} ».",
          nl="De beginmeting behandelt het domein ‘{domain}’ niet.",
          en="The start assessment does not cover the domain '{domain}'."))
def start_covers_all_domains(doc: BilanSocial, ctx: Context) -> Iterator[Hit]:
    """The start assessment covers every life domain of the policy.

    Not checked when no new assessment is needed (return after less than 3 months
    of work). AR DIS 11/07/2002 art. 11 §1; domain.md, Bilan social (all life domains).
    """
    if doc.no_new_assessment_reason is not None:
        return
    covered = {a.domain for a in doc.assessments_at(AssessmentMoment.START)}
    for domain in ctx.policy.life_domains:
        if domain.id not in covered:
            yield Hit("$.assessments", {"domain": domain.label})


@rule("BILAN-ASSESS-003", document=BilanSocial, severity=Severity.ERROR,
      legal=_THREE_MOMENTS,
      message=Text(
          fr="Le domaine « {domain} » est évalué deux fois au même moment ({moment}).",
          nl="Het domein ‘{domain}’ wordt twee keer op hetzelfde moment gemeten ({moment}).",
          en="The domain '{domain}' is assessed twice at the same moment ({moment})."))
def one_assessment_per_domain_and_moment(doc: BilanSocial, ctx: Context) -> Iterator[Hit]:
    """No two assessments of the same domain at the same moment.

    Practice of CPAS Saint-Gilles (three moments); domain.md, Bilan social.
    """
    seen: dict[str, list[AssessmentMoment]] = {}  # per domain (members compare by identity)
    for index, assessment in enumerate(doc.assessments):
        moments = seen.setdefault(assessment.domain, [])
        if assessment.moment in moments:
            yield Hit(f"$.assessments[{index}]", {
                "domain": _domain_name(assessment.domain, ctx),
                "moment": assessment.moment.label})
        else:
            moments.append(assessment.moment)


_FIRST_MOMENT = min(AssessmentMoment, key=lambda moment: moment.rank)


@rule("BILAN-ASSESS-004", document=BilanSocial, severity=Severity.ERROR,
      legal=_THREE_MOMENTS,
      message=Text(
          fr="L'évaluation « {moment} » du domaine « {domain} » ({date}) précède "
             "l'évaluation « {earlier} » ({earlier_date}).",
          nl="De meting ‘{moment}’ van het domein ‘{domain}’ ({date}) valt vóór de meting "
             "‘{earlier}’ ({earlier_date}).",
          en="The {moment} assessment of '{domain}' ({date}) is dated before the {earlier} "
             "assessment ({earlier_date})."))
def moments_in_order(doc: BilanSocial, ctx: Context) -> Iterator[Hit]:
    """Within a domain, intermediate and end assessments are not dated before earlier moments.

    Practice of CPAS Saint-Gilles (start, intermediate, end); domain.md, Bilan social.
    """
    for index, later in enumerate(doc.assessments):
        if later.moment is _FIRST_MOMENT:
            continue  # no moment comes before it
        for earlier in doc.assessments:
            if (earlier.domain == later.domain and earlier.moment.rank < later.moment.rank
                    and later.assessed_on < earlier.assessed_on):
                yield Hit(f"$.assessments[{index}].assessed_on", {
                    "moment": later.moment.label, "domain": _domain_name(later.domain, ctx),
                    "date": later.assessed_on, "earlier": earlier.moment.label,
                    "earlier_date": earlier.assessed_on})
                break


@rule("BILAN-ASSESS-005", document=BilanSocial, severity=Severity.ERROR,
      legal=_PRIOR_ASSESSMENT,
      message=Text(
          fr="Le bilan de départ du domaine « {domain} » ({date}) est postérieur à la date "
             "d'établissement du bilan ({drawn_up}).",
          nl="De beginmeting van het domein ‘{domain}’ ({date}) valt na de datum van opmaak "
             "van de balans ({drawn_up}).",
          en="The start assessment of '{domain}' ({date}) is dated after the bilan was drawn up "
             "({drawn_up})."))
def start_not_after_drawn_up(doc: BilanSocial, ctx: Context) -> Iterator[Hit]:
    """Start assessments are made on or before the day the bilan is drawn up.

    The needs must be assessed before the PIIS is concluded: the bilan cannot be dated
    before its own start assessment. AR DIS 11/07/2002 art. 11 §1; domain.md, Bilan social.
    """
    for index, assessment in enumerate(doc.assessments):
        if (assessment.moment is AssessmentMoment.START
                and assessment.assessed_on > doc.drawn_up_on):
            yield Hit(f"$.assessments[{index}].assessed_on", {
                "domain": _domain_name(assessment.domain, ctx),
                "date": assessment.assessed_on, "drawn_up": doc.drawn_up_on})


# --- Action plan ---------------------------------------------------------------------------


@rule("BILAN-PLAN-001", document=BilanSocial, severity=Severity.ERROR,
      legal=(_PRIOR_ASSESSMENT, _ACTION_PLAN),
      message=Text(
          fr="L'action renvoie au domaine « {domain} », qui n'est pas un domaine de vie connu "
             "du CPAS.",
          nl="De actie verwijst naar het domein ‘{domain}’, dat geen gekend levensdomein van "
             "het OCMW is.",
          en="The action refers to '{domain}', which is not a known life domain of the CPAS."))
def action_domains_known(doc: BilanSocial, ctx: Context) -> Iterator[Hit]:
    """Every domain an action item refers to is a life domain of the policy.

    AR DIS 11/07/2002 art. 11 §1; Kortrijk action plan; domain.md, Bilan social.
    """
    known = ctx.policy.domain_ids()
    for index, item in enumerate(doc.action_plan):
        for position, domain in enumerate(item.domains):
            if domain not in known:
                yield Hit(f"$.action_plan[{index}].domains[{position}]", {"domain": domain})


@rule("BILAN-PLAN-002", document=BilanSocial, severity=Severity.ERROR,
      legal=(_ACTION_PLAN, _PIIS_CONTENT),
      message=Text(
          fr="L'action « {action} » n'est liée à aucun domaine de vie.",
          nl="De actie ‘{action}’ is aan geen enkel levensdomein gekoppeld.",
          en="The action '{action}' is linked to no life domain."))
def action_has_domain(doc: BilanSocial, ctx: Context) -> Iterator[Hit]:
    """Every action item is linked to at least one life domain.

    The PIIS states its domains of action (AR 03/10/2016); Kortrijk links each item
    of the plan to a domain. domain.md, Bilan social and PIIS.
    """
    for index, item in enumerate(doc.action_plan):
        if not item.domains:
            yield Hit(f"$.action_plan[{index}].domains", {"action": item.description})


@rule("BILAN-PLAN-003", document=BilanSocial, severity=Severity.ERROR,
      legal=_PIIS_CONTENT,
      message=Text(
          fr="L'action « {action} » est reprise dans le PIIS mais n'a pas d'échéance.",
          nl="De actie ‘{action}’ wordt opgenomen in het GPMI maar heeft geen termijn.",
          en="The action '{action}' goes into the PIIS but has no deadline."))
def piis_action_has_deadline(doc: BilanSocial, ctx: Context) -> Iterator[Hit]:
    """An action item flagged for the PIIS has a deadline.

    The PIIS states the deadlines of its objectives and commitments (AR 03/10/2016);
    domain.md, PIIS ("Content") and Bilan social.
    """
    for index, item in enumerate(doc.action_plan):
        if item.for_piis and item.deadline is None:
            yield Hit(f"$.action_plan[{index}].deadline", {"action": item.description})


@rule("BILAN-PLAN-004", document=BilanSocial, severity=Severity.WARNING,
      legal=(_PRIOR_ASSESSMENT, _ACTION_PLAN),
      message=Text(
          fr="Le bilan prépare un PIIS mais aucune action du plan n'est reprise dans le PIIS.",
          nl="De balans bereidt een GPMI voor maar geen enkele actie van het plan wordt in het "
             "GPMI opgenomen.",
          en="The bilan prepares a PIIS but no action of the plan is flagged for the PIIS."))
def some_action_for_piis(doc: BilanSocial, ctx: Context) -> Iterator[Hit]:
    """A bilan that prepares a PIIS proposes at least one action for it.

    The bilan proposes the actions of the PIIS (AR DIS art. 11 §1; Kortrijk: items of
    the plan flow into the PIIS). Not checked when the previous PIIS is re-actualised
    without a new assessment. domain.md, Bilan social.
    """
    if not doc.prepares_piis or doc.no_new_assessment_reason is not None:
        return
    if not doc.piis_items():
        yield Hit("$.action_plan")


@rule("BILAN-PLAN-005", document=BilanSocial, severity=Severity.WARNING,
      legal=(_PRIOR_ASSESSMENT, _ACTION_PLAN),
      message=Text(
          fr="Des besoins sont relevés dans le domaine « {domain} » mais le plan d'action ne "
             "prévoit aucune action pour ce domaine.",
          nl="Er zijn noden vastgesteld in het domein ‘{domain}’ maar het actieplan voorziet "
             "geen actie voor dat domein.",
          en="Needs are recorded in the domain '{domain}' but the action plan has no action "
             "for it."))
def needs_have_actions(doc: BilanSocial, ctx: Context) -> Iterator[Hit]:
    """Every domain where needs are recorded has at least one action item.

    The bilan identifies needs and proposes actions (AR DIS art. 11 §1); domain.md,
    Bilan social. Reported once per domain, at its first assessment with needs.
    """
    planned = {domain for item in doc.action_plan for domain in item.domains}
    reported: set[str] = set()
    for index, assessment in enumerate(doc.assessments):
        domain = assessment.domain
        if assessment.needs and domain not in planned and domain not in reported:
            reported.add(domain)
            yield Hit(f"$.assessments[{index}].needs", {"domain": _domain_name(domain, ctx)})


@rule("BILAN-PLAN-006", document=BilanSocial, severity=Severity.WARNING,
      legal=_PIIS_CONTENT,
      message=Text(
          fr="L'échéance de l'action « {action} » ({deadline}) précède la date du bilan "
             "({drawn_up}).",
          nl="De termijn van de actie ‘{action}’ ({deadline}) valt vóór de datum van de balans "
             "({drawn_up}).",
          en="The deadline of the action '{action}' ({deadline}) is before the date of the bilan "
             "({drawn_up})."))
def deadline_after_bilan(doc: BilanSocial, ctx: Context) -> Iterator[Hit]:
    """No action item is due before the day the bilan is drawn up.

    The plan proposes future actions with deadlines (AR 03/10/2016); domain.md, Bilan social.
    """
    for index, item in enumerate(doc.action_plan):
        if item.deadline is not None and item.deadline < doc.drawn_up_on:
            yield Hit(f"$.action_plan[{index}].deadline", {
                "action": item.description, "deadline": item.deadline,
                "drawn_up": doc.drawn_up_on})


@rule("BILAN-PLAN-007", document=BilanSocial, severity=Severity.ERROR,
      legal=_ACTION_PLAN,
      message=Text(
          fr="L'identifiant d'action « {id} » est utilisé plusieurs fois.",
          nl="De actie-identificatie ‘{id}’ wordt meer dan eens gebruikt.",
          en="The action id '{id}' is used more than once."))
def action_ids_unique(doc: BilanSocial, ctx: Context) -> Iterator[Hit]:
    """Action items have distinct ids (PIIS objectives and evaluations refer to them).

    Kortrijk: items of the plan flow into the PIIS and its evaluation form;
    domain.md, Bilan social.
    """
    seen: set[str] = set()
    for index, item in enumerate(doc.action_plan):
        if item.id in seen:
            yield Hit(f"$.action_plan[{index}].id", {"id": item.id})
        seen.add(item.id)


# --- No new assessment ---------------------------------------------------------------------


@rule("BILAN-REUSE-001", document=BilanSocial, severity=Severity.WARNING,
      legal=_NO_NEW_BILAN,
      message=Text(
          fr="Aucun nouveau bilan n'est dressé, mais le PIIS réactualisé n'est pas indiqué.",
          nl="Er wordt geen nieuwe balans opgemaakt, maar het geactualiseerde GPMI is niet "
             "vermeld.",
          en="No new assessment is made, but the re-actualised PIIS is not given."))
def reuse_names_previous_piis(doc: BilanSocial, ctx: Context) -> Iterator[Hit]:
    """A bilan without new assessment names the previous PIIS that is re-actualised.

    No new bilan is needed when a person returns after less than 3 months of work and
    the PIIS is re-actualised (SPP IS FAQ); domain.md, Bilan social.
    """
    if doc.no_new_assessment_reason is not None and doc.previous_piis_id is None:
        yield Hit("$.previous_piis_id")
