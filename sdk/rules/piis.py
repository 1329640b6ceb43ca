"""Rule checks for the PIIS (projet individualisé d'intégration sociale / GPMI).

Legal basis: loi DIS du 26/05/2002 art. 11, 13 §3 and 30 §2; AR DIS du 11/07/2002
art. 10–21; reform by the loi du 21/07/2016, the AR du 03/10/2016 and the circular
of 12/10/2016 (in force 1 November 2016); Cour constitutionnelle 86/2018 of
5 July 2018 (community service annulled); NOVA PRIMA form-B PIIS codes.
Sources: domain.md, "PIIS" and "Reimbursement by SPP IS".

Numbers (deadlines, evaluations a year, reflection days, valid form-B codes) come
from the dated parameters (``piis.*`` keys), looked up at the PIIS's decision date.
Rules about what a PIIS must *contain* report a warning instead of an error while
the PIIS is still a draft: a draft may be incomplete, a proposed contract may not.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator

from ..documents.piis import (
    BeneficiaryStatus,
    CommitmentParty,
    Piis,
    PiisStatus,
    PiisType,
)
from ..findings import LegalRef, Severity
from ..lifedomains import domain_by_id
from ..parameters import Parameters
from ..parties import SignerRole
from ..periods import add_days, add_working_days
from ..text import Text
from . import Context, Hit, rule

__all__ = [
    "REFORM_2016",
    "conclusion_deadline",
    "evaluation_windows",
    "is_mandatory",
    "minimum_in_window",
]

REFORM_2016 = dt.date(2016, 11, 1)
"""Entry into force of the PIIS reform (loi 21/07/2016, AR 03/10/2016)."""
_ANNULMENT = dt.date(2018, 7, 5)
"""Cour constitutionnelle, arrêt 86/2018 of 5 July 2018 (community service annulled)."""

_PRIMABOOK_PIIS = ("https://primabook.mi-is.be/fr/projet-individualise-dintegration-sociale-piis/"
                   "le-projet-individualise-dintegration-sociale-piis-0")
_LOI_DIS_11 = LegalRef("Loi DIS 26/05/2002 art. 11 (mod. loi 21/07/2016)",
                       "https://bdas-wwsb.brussels/?p=3479")
_LOI_DIS_11_REFLECTION = LegalRef(
    "Loi DIS 26/05/2002 art. 11 §1 (délai de réflexion de 5 jours)", _PRIMABOOK_PIIS)
_AR_CONTENT = LegalRef(
    "AR DIS 11/07/2002 art. 10–21 (mod. AR 03/10/2016) : contenu du PIIS", _PRIMABOOK_PIIS)
_AR_EVALUATION = LegalRef("AR DIS 11/07/2002 art. 19 (mod. AR 03/10/2016) : évaluation",
                          _PRIMABOOK_PIIS)
_CIRCULAR_2016 = LegalRef("Circulaire SPP IS 12/10/2016 (réforme du PIIS)",
                          "https://inforjeunes.be/les-nouveautes-sur-le-piis-2/")
_MODEL_CONTRACT = LegalRef("SPP IS, modèle de contrat PIIS (PIIS_CONTRAT)",
                           "http://www.mi-is.be/fr/outils-cpas/formulaires-piis")
_ANNULMENT_REF = LegalRef("C. const. arrêt 86/2018 du 05/07/2018 (service communautaire)",
                          "https://etaamb.openjustice.be/nl/arrest_n2018203595.html")
_VOLUNTEERING_REF = LegalRef("UVCW : volontariat après l'arrêt 86/2018",
                             "https://www.uvcw.be/aide-sociale/actus/art-96")
_FORM_B = LegalRef(
    "SPP IS, encodage de la subvention du PIIS : formulaires B RIS (NOVA PRIMA)",
    "https://primabook.mi-is.be/fr/procedure-de-remboursements/loi-dis/"
    "encodage-de-la-subvention-du-piis-les-formulaires-b-ris")
_ACTIVATION_REF = LegalRef(
    "SPP IS, rapport annuel 2013 et GT « activation sociale » 13/10/2015 (FAQ 2015) : "
    "public cible et finalités de l'activation sociale")


# --- Helpers shared by the rules (public ones are used by other modules too) -------------------


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _months_later(day: dt.date, months: int) -> dt.date:
    """:func:`~cpas.sdk.periods.add_months` (the same day ``months`` later, clamped to the
    end of a shorter month), with the month lengths from a table: the evaluation rules
    call it several times per PIIS."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = 29 if month == 1 and calendar.isleap(year) else _MONTH_DAYS[month]
    return dt.date(year, month + 1, min(day.day, last))


def is_mandatory(doc: Piis, parameters: Parameters | None = None) -> bool:
    """Whether the law makes this PIIS mandatory (before any health/equity exemption).

    Only beneficiaries of the revenu d'intégration are concerned (loi DIS). Always for a
    person under 25 and for full-time studies accepted on equity grounds; since the 2016
    reform (the date the ``piis.no_ri_in_previous_months`` parameter comes into force)
    also for every new beneficiary. Loi DIS art. 11; domain.md, PIIS ("Who").
    """
    if doc.beneficiary_status is not BeneficiaryStatus.RIS:
        return False
    if doc.under_25() or doc.is_full_time_student or doc.piis_type is PiisType.STUDIES:
        return True
    params = parameters or Parameters.default()
    reformed = params.in_force("piis.no_ri_in_previous_months", doc.decision_date)
    return reformed and doc.is_new_beneficiary


def conclusion_deadline(doc: Piis, ctx: Context) -> dt.date:
    """The last day to conclude the PIIS: N months (parameter) after the decision or,
    per :attr:`LocalPolicy.piis_deadline_from`, after the notification (the decision
    date is used when the notification date is unknown)."""
    months = ctx.parameters.integer("piis.conclusion_deadline_months", ctx.on)
    start = doc.decision_date
    if ctx.policy.piis_deadline_from == "notification" and doc.notification_date is not None:
        start = doc.notification_date
    return _months_later(start, months)


def evaluation_windows(start: dt.date, end: dt.date) -> Iterator[tuple[dt.date, dt.date]]:
    """Consecutive 12-month windows from ``start`` covering up to ``end`` (both included).

    The last window is cut at ``end`` and may be shorter than 12 months.

    >>> list(evaluation_windows(dt.date(2024, 3, 1), dt.date(2025, 8, 31)))[1]
    (datetime.date(2025, 3, 1), datetime.date(2025, 8, 31))
    """
    index = 0
    while True:
        first = _months_later(start, 12 * index)
        if first > end:
            return
        last = min(add_days(_months_later(start, 12 * (index + 1)), -1), end)
        yield first, last
        index += 1


def _whole_months(first: dt.date, last: dt.date) -> int:
    """Number of whole months from ``first`` to ``last`` (both included): the most
    ``n >= 0`` with ``add_months(first, n)`` on or before the day after ``last``.

    ``add_months(first, n)`` falls in the n-th month after ``first``'s, so the answer is
    the month distance to that day, or one less when the day of the month is not reached.
    In the calendar's last year it counts month by month, as the definition reads: the
    month after December 9999 does not exist, and the error is the definition's.
    """
    if first.year >= dt.MAXYEAR or last.year >= dt.MAXYEAR:
        months = 0
        while _months_later(first, months + 1) <= add_days(last, 1):
            months += 1
        return months
    after = add_days(last, 1)
    months = (after.year - first.year) * 12 + after.month - first.month
    if months > 0 and _months_later(first, months) > after:
        months -= 1
    return max(months, 0)


def minimum_in_window(per_year: int, first: dt.date, last: dt.date) -> int:
    """The evaluations required in a window: ``per_year`` for a full 12-month window,
    pro rata of the whole months, rounded down, for a shorter last window.

    >>> minimum_in_window(3, dt.date(2024, 1, 1), dt.date(2024, 8, 31))
    2
    >>> minimum_in_window(3, dt.date(2024, 1, 1), dt.date(2024, 3, 31))
    0
    """
    return per_year * min(_whole_months(first, last), 12) // 12


def _content_severity(doc: Piis) -> Severity | None:
    """Content rules only warn while the PIIS is a draft."""
    return Severity.WARNING if doc.status is PiisStatus.DRAFT else None


def _domain_name(domain_id: str, ctx: Context) -> Text | str:
    domain = domain_by_id(domain_id, ctx.policy.life_domains)
    return domain.label if domain is not None else domain_id


# --- Who must have a PIIS ----------------------------------------------------------------------


@rule("PIIS-MAND-001", document=Piis, severity=Severity.ERROR,
      legal=(_LOI_DIS_11, _CIRCULAR_2016),
      message=Text(
          fr="Le PIIS est obligatoire pour ce bénéficiaire du revenu d'intégration et a été "
             "clôturé sans avoir été conclu ni dispensé pour raisons de santé ou d'équité.",
          nl="Het GPMI is verplicht voor deze leefloongerechtigde en werd afgesloten zonder "
             "ondertekend of om gezondheids- of billijkheidsredenen vrijgesteld te zijn.",
          en="The PIIS is mandatory for this integration-income beneficiary and was closed "
             "without being concluded or exempted for health or equity reasons."))
def mandatory_piis_concluded(doc: Piis, ctx: Context) -> Iterator[Hit]:
    """A mandatory PIIS that was closed without a signature nor a recorded exemption.

    Mandatory for new beneficiaries since 1 Nov 2016, for under-25s and for full-time
    studies accepted on equity grounds, unless health or equity reasons prevent it.
    Loi DIS art. 11 (mod. loi 21/07/2016); circular 12/10/2016; domain.md, PIIS ("Who").
    """
    if not ctx.derived(is_mandatory, doc) or doc.exemption_reason is not None:
        return
    if doc.status is PiisStatus.CLOSED and doc.signing_date is None:
        yield Hit("$.status")


@rule("PIIS-MAND-002", document=Piis, severity=Severity.ERROR,
      legal=(_LOI_DIS_11, _CIRCULAR_2016),
      message=Text(
          fr="La dispense de PIIS ({reason}) doit être motivée.",
          nl="De vrijstelling van het GPMI ({reason}) moet gemotiveerd worden.",
          en="The exemption from the PIIS ({reason}) must state its grounds."))
def exemption_explained(doc: Piis, ctx: Context) -> Iterator[Hit]:
    """A health or equity exemption is recorded with its grounds.

    Loi DIS art. 11 (the reasons preventing a PIIS are recorded); circular 12/10/2016;
    domain.md, PIIS ("Who": that reason is recorded).
    """
    if doc.exemption_reason is not None and doc.exemption_explanation is None:
        yield Hit("$.exemption_explanation", {"reason": doc.exemption_reason.label})


@rule("PIIS-MAND-003", document=Piis, severity=Severity.WARNING,
      legal=(_AR_CONTENT, _CIRCULAR_2016), valid_from=REFORM_2016,
      message=Text(
          fr="Le PIIS n'est pas relié au bilan social sur lequel il doit se fonder.",
          nl="Het GPMI is niet gekoppeld aan de sociale balans waarop het moet steunen.",
          en="The PIIS is not linked to the bilan social it must be based on."))
def based_on_bilan(doc: Piis, ctx: Context) -> Iterator[Hit]:
    """The PIIS names the bilan social (prior assessment of needs) it is based on.

    A warning only: the assessment may live in another system. AR 03/10/2016
    (content of the PIIS); domain.md, PIIS ("Content": based on a prior assessment).
    """
    if doc.bilan_id is None and doc.exemption_reason is None:
        yield Hit("$.bilan_id")


# --- Conclusion deadline and reflection period -------------------------------------------------


@rule("PIIS-DEADLINE-001", document=Piis, severity=Severity.ERROR,
      legal=(_LOI_DIS_11, _CIRCULAR_2016), valid_from=REFORM_2016,
      message=Text(
          fr="Le PIIS obligatoire devait être conclu dans les {months} mois, au plus tard "
             "le {deadline}.",
          nl="Het verplichte GPMI moest binnen {months} maanden gesloten worden, uiterlijk "
             "op {deadline}.",
          en="The mandatory PIIS had to be concluded within {months} months, by {deadline}."))
def concluded_in_time(doc: Piis, ctx: Context) -> Iterator[Hit]:
    """A mandatory PIIS is signed within 3 months (parameter) of the decision.

    The count starts at the decision or at its notification per
    ``LocalPolicy.piis_deadline_from``. Only mandatory, non-exempted PIIS have this
    deadline. Signed late: error on the signing date. Not signed: error when the
    PIIS was closed after the deadline, or when ``ctx.today`` is past it (skipped
    without ``today``). Loi DIS art. 11 (mod. loi 21/07/2016); domain.md, PIIS ("Who").
    """
    if not ctx.derived(is_mandatory, doc) or doc.exemption_reason is not None:
        return
    deadline = conclusion_deadline(doc, ctx)
    months = ctx.parameters.integer("piis.conclusion_deadline_months", ctx.on)
    values = {"months": months, "deadline": deadline}
    if doc.signing_date is not None:
        if doc.signing_date > deadline:
            yield Hit("$.signing_date", values)
        return
    seen = doc.closed_on if doc.status is PiisStatus.CLOSED else ctx.today
    if seen is not None and seen > deadline:
        yield Hit("$.signing_date", values)


_UNITS: dict[str, Text] = {
    "calendar": Text(fr="jours calendrier", nl="kalenderdagen", en="calendar days"),
    "working": Text(fr="jours ouvrables", nl="werkdagen", en="working days"),
}


@rule("PIIS-REFL-001", document=Piis, severity=Severity.ERROR,
      legal=_LOI_DIS_11_REFLECTION, valid_from=REFORM_2016,
      message=Text(
          fr="Signé avant la fin du délai de réflexion de {days} {unit} (au plus tôt le "
             "{earliest}) sans renonciation expresse.",
          nl="Ondertekend vóór het einde van de bedenktijd van {days} {unit} (ten vroegste "
             "op {earliest}) zonder uitdrukkelijke afstand.",
          en="Signed before the end of the {days} {unit} reflection period (at the earliest "
             "on {earliest}) without an express waiver."))
def reflection_period(doc: Piis, ctx: Context) -> Iterator[Hit]:
    """The person had the reflection period between the proposal and the signature.

    The day of the handover is not counted; signing on the last day of the period is
    accepted. Calendar or working days per ``LocalPolicy.reflection_days_kind``; not
    checked when the person expressly waived it. Loi DIS art. 11 §1; domain.md, PIIS
    ("Procedure").
    """
    if doc.reflection_period_waived or doc.proposal_date is None or doc.signing_date is None:
        return
    days = ctx.parameters.integer("piis.reflection_days", ctx.on)
    kind = ctx.policy.reflection_days_kind
    earliest = (add_working_days(doc.proposal_date, days) if kind == "working"
                else add_days(doc.proposal_date, days))
    if doc.signing_date < earliest:
        yield Hit("$.signing_date", {"days": days, "unit": _UNITS[kind], "earliest": earliest})


# --- Evaluations -------------------------------------------------------------------------------


def _evaluation_horizon(doc: Piis, ctx: Context) -> tuple[dt.date, bool] | None:
    """The last day whose evaluations can be judged, and whether the PIIS ended by then."""
    seen = doc.closed_on if doc.status is PiisStatus.CLOSED else ctx.today
    if seen is None:
        return None
    end = doc.duration.end
    if end is not None and end <= seen:
        return end, True
    return seen, doc.status is PiisStatus.CLOSED


def _judged_windows(doc: Piis, ctx: Context) -> Iterator[tuple[dt.date, dt.date]]:
    """Windows that are over: full 12-month ones, and the last one if the PIIS ended."""
    horizon = _evaluation_horizon(doc, ctx)
    if horizon is None or not doc.is_concluded():
        return
    last_day, ended = horizon
    for first, last in evaluation_windows(doc.duration.start, last_day):
        full = last == add_days(_months_later(first, 12), -1)
        if full or ended:
            yield first, last


@rule("PIIS-EVAL-001", document=Piis, severity=Severity.ERROR, legal=_AR_EVALUATION,
      message=Text(
          fr="{count} évaluation(s) du {first} au {last} ; au moins {minimum} requise(s).",
          nl="{count} evaluatie(s) van {first} tot {last}; minstens {minimum} vereist.",
          en="{count} evaluation(s) from {first} to {last}; at least {minimum} required."))
def evaluations_held(doc: Piis, ctx: Context) -> Iterator[Hit]:
    """Enough evaluations were held in each year of the PIIS that is over.

    At least 3 a year since 1 Nov 2016, once per quarter (4) before (parameter
    ``piis.evaluations_per_year``). Counted per 12-month window from the start of the
    duration; a window is judged once it is over (by ``ctx.today``, the closing date or
    the end of the duration); a shorter last window of a PIIS that has ended needs the
    pro-rata number of whole months, rounded down. Without ``today`` only a closed PIIS
    is judged. AR DIS art. 19 (mod. AR 03/10/2016); domain.md, PIIS ("Evaluation").
    """
    per_year = ctx.parameters.integer("piis.evaluations_per_year", ctx.on)
    for first, last in _judged_windows(doc, ctx):
        minimum = minimum_in_window(per_year, first, last)
        count = sum(1 for e in doc.evaluations if first <= e.date <= last)
        if count < minimum:
            yield Hit("$.evaluations", {"count": count, "first": first, "last": last,
                                        "minimum": minimum})


@rule("PIIS-EVAL-002", document=Piis, severity=Severity.ERROR, legal=_AR_EVALUATION,
      message=Text(
          fr="{count} évaluation(s) en face à face du {first} au {last} ; au moins {minimum} "
             "requise(s).",
          nl="{count} persoonlijke evaluatie(s) van {first} tot {last}; minstens {minimum} "
             "vereist.",
          en="{count} face-to-face evaluation(s) from {first} to {last}; at least {minimum} "
             "required."))
def face_to_face_evaluations(doc: Piis, ctx: Context) -> Iterator[Hit]:
    """Enough evaluations were face to face with the social worker in each year over.

    At least 2 a year since 1 Nov 2016 (parameter
    ``piis.face_to_face_evaluations_per_year``); same windows as PIIS-EVAL-001.
    AR DIS art. 19 (mod. AR 03/10/2016); domain.md, PIIS ("Evaluation").
    """
    per_year = ctx.parameters.integer("piis.face_to_face_evaluations_per_year", ctx.on)
    for first, last in _judged_windows(doc, ctx):
        minimum = minimum_in_window(per_year, first, last)
        count = sum(1 for e in doc.evaluations if e.face_to_face and first <= e.date <= last)
        if count < minimum:
            yield Hit("$.evaluations", {"count": count, "first": first, "last": last,
                                        "minimum": minimum})


@rule("PIIS-EVAL-003", document=Piis, severity=Severity.ERROR,
      legal=(_AR_EVALUATION, _AR_CONTENT),
      message=Text(
          fr="Le calendrier prévoit {count} évaluation(s) du {first} au {last} ; au moins "
             "{minimum} requise(s).",
          nl="De kalender voorziet {count} evaluatie(s) van {first} tot {last}; minstens "
             "{minimum} vereist.",
          en="The schedule plans {count} evaluation(s) from {first} to {last}; at least "
             "{minimum} required."))
def evaluation_schedule_sufficient(doc: Piis, ctx: Context) -> Iterator[Hit]:
    """The planned evaluation schedule meets the yearly minimum over the whole duration.

    Same windows and pro rata as PIIS-EVAL-001, over the planned duration (the first
    year only when the duration is open-ended). The evaluation arrangements are part of
    the contract. AR DIS art. 19 (mod. AR 03/10/2016); domain.md, PIIS ("Content").
    """
    per_year = ctx.parameters.integer("piis.evaluations_per_year", ctx.on)
    start = doc.duration.start
    end = doc.duration.end or add_days(_months_later(start, 12), -1)
    for first, last in evaluation_windows(start, end):
        minimum = minimum_in_window(per_year, first, last)
        count = sum(1 for day in doc.evaluation_schedule if first <= day <= last)
        if count < minimum:
            yield Hit("$.evaluation_schedule", {"count": count, "first": first, "last": last,
                                                "minimum": minimum},
                      severity=_content_severity(doc))


@rule("PIIS-EVAL-004", document=Piis, severity=Severity.WARNING, legal=_AR_EVALUATION,
      message=Text(
          fr="Évaluation prévue le {day}, en dehors de la durée du PIIS.",
          nl="Evaluatie gepland op {day}, buiten de looptijd van het GPMI.",
          en="Evaluation planned on {day}, outside the duration of the PIIS."))
def schedule_within_duration(doc: Piis, ctx: Context) -> Iterator[Hit]:
    """Each planned evaluation date falls within the duration of the PIIS.

    AR DIS art. 19 (mod. AR 03/10/2016); domain.md, PIIS ("Evaluation").
    """
    for index, day in enumerate(doc.evaluation_schedule):
        if day not in doc.duration:
            yield Hit(f"$.evaluation_schedule[{index}]", {"day": day})


@rule("PIIS-EVAL-005", document=Piis, severity=Severity.ERROR, legal=_AR_EVALUATION,
      message=Text(
          fr="L'évaluation porte sur un objectif inconnu ({objective}).",
          nl="De evaluatie betreft een onbekende doelstelling ({objective}).",
          en="The evaluation refers to an unknown objective ({objective})."))
def evaluation_objectives_exist(doc: Piis, ctx: Context) -> Iterator[Hit]:
    """Each per-objective result of an evaluation refers to an objective of the PIIS.

    AR DIS art. 19 (evaluation of the objectives of the contract); domain.md, PIIS.
    """
    known = {objective.id for objective in doc.objectives}
    for index, evaluation in enumerate(doc.evaluations):
        for number, result in enumerate(evaluation.results):
            if result.objective_id not in known:
                yield Hit(f"$.evaluations[{index}].results[{number}].objective_id",
                          {"objective": result.objective_id})


@rule("PIIS-EVAL-006", document=Piis, severity=Severity.WARNING, legal=_AR_EVALUATION,
      message=Text(
          fr="Évaluation du {day} en dehors de la période où le PIIS était conclu.",
          nl="Evaluatie van {day} buiten de periode waarin het GPMI gesloten was.",
          en="Evaluation of {day} outside the time the PIIS was in force."))
def evaluation_within_contract(doc: Piis, ctx: Context) -> Iterator[Hit]:
    """Evaluations are dated within the duration and not before the signature.

    AR DIS art. 19 (evaluation of the contract being carried out); domain.md, PIIS.
    """
    for index, evaluation in enumerate(doc.evaluations):
        early = doc.signing_date is not None and evaluation.date < doc.signing_date
        if early or evaluation.date not in doc.duration:
            yield Hit(f"$.evaluations[{index}].date", {"day": evaluation.date})


# --- Volunteering and community service --------------------------------------------------------


@rule("PIIS-VOL-001", document=Piis, severity=Severity.ERROR,
      legal=(_ANNULMENT_REF, _VOLUNTEERING_REF), valid_from=_ANNULMENT,
      message=Text(
          fr="Le volontariat ne peut pas être une condition du PIIS.",
          nl="Vrijwilligerswerk mag geen voorwaarde van het GPMI zijn.",
          en="Volunteering may not be a condition of the PIIS."))
def volunteering_not_a_condition(doc: Piis, ctx: Context) -> Iterator[Hit]:
    """The PIIS does not make volunteering a condition.

    Since the annulment of community service (C. const. 86/2018 of 5 July 2018) the
    person may volunteer after notifying the CPAS, never as a condition of the PIIS.
    domain.md, PIIS ("Community service was annulled").
    """
    if doc.volunteering_condition:
        yield Hit("$.volunteering_condition")


def _runs_past(doc: Piis, day: dt.date) -> bool:
    """Whether the PIIS was still running after ``day`` (not closed by then)."""
    if doc.status is PiisStatus.CLOSED and doc.closed_on is not None and doc.closed_on <= day:
        return False
    return doc.duration.end is None or doc.duration.end > day


def _revision_deadline(ctx: Context) -> dt.date | None:
    """The last day community service was allowed (end of ``piis.community_service``)."""
    rows = ctx.parameters.history("piis.community_service")
    ends = [row.valid_until for row in rows if row.valid_until is not None]
    return max(ends) if ends else None


@rule("PIIS-VOL-002", document=Piis, severity=Severity.WARNING,
      legal=(_ANNULMENT_REF, _VOLUNTEERING_REF), valid_until=add_days(_ANNULMENT, -1),
      message=Text(
          fr="Ce PIIS fait du volontariat une condition et court au-delà du {deadline} : il "
             "devait être revu.",
          nl="Dit GPMI maakt van vrijwilligerswerk een voorwaarde en loopt na {deadline}: "
             "het moest herzien worden.",
          en="This PIIS makes volunteering a condition and runs past {deadline}: it had to "
             "be revised."))
def volunteering_condition_revised(doc: Piis, ctx: Context) -> Iterator[Hit]:
    """An older PIIS that made volunteering a condition was revised after the annulment.

    PIIS had to be brought in line by 30 Sep 2018 (end of the ``piis.community_service``
    parameter). C. const. 86/2018; domain.md, PIIS ("Community service was annulled").
    """
    deadline = _revision_deadline(ctx)
    if doc.volunteering_condition and deadline is not None and _runs_past(doc, deadline):
        yield Hit("$.volunteering_condition", {"deadline": deadline})


@rule("PIIS-CS-001", document=Piis, severity=Severity.ERROR, legal=_ANNULMENT_REF,
      message=Text(
          fr="Le service communautaire n'était un type de PIIS valable que du 01/11/2016 au "
             "30/09/2018 ; il n'existe pas à la date de ce PIIS ({on}).",
          nl="Gemeenschapsdienst was enkel van 01/11/2016 tot 30/09/2018 een geldig type "
             "GPMI; het bestaat niet op de datum van dit GPMI ({on}).",
          en="Community service was a valid PIIS type only from 2016-11-01 to 2018-09-30; "
             "it does not exist at the date of this PIIS ({on})."))
def community_service_in_force(doc: Piis, ctx: Context) -> Iterator[Hit]:
    """Community service is used only while it existed (parameter ``piis.community_service``).

    Introduced by the loi 21/07/2016, annulled by C. const. 86/2018 (deemed never to
    have existed); domain.md, PIIS ("Community service was annulled").
    """
    if doc.piis_type is PiisType.COMMUNITY_SERVICE and not ctx.parameters.in_force(
            "piis.community_service", ctx.on):
        yield Hit("$.piis_type", {"on": ctx.on})


@rule("PIIS-CS-002", document=Piis, severity=Severity.ERROR, legal=_ANNULMENT_REF,
      message=Text(
          fr="PIIS de service communautaire en cours après le {deadline} : il devait être "
             "revu.",
          nl="GPMI met gemeenschapsdienst loopt na {deadline}: het moest herzien worden.",
          en="Community-service PIIS still running after {deadline}: it had to be revised."))
def community_service_revised(doc: Piis, ctx: Context) -> Iterator[Hit]:
    """A community-service PIIS running past 30 Sep 2018 was revised (its type changed).

    C. const. 86/2018 of 5 July 2018; PIIS to be revised by 30 September 2018 (end of
    the ``piis.community_service`` parameter); domain.md, PIIS.
    """
    if doc.piis_type is not PiisType.COMMUNITY_SERVICE:
        return
    if not ctx.parameters.in_force("piis.community_service", ctx.on):
        return  # PIIS-CS-001 already reports it
    deadline = _revision_deadline(ctx)
    if deadline is not None and _runs_past(doc, deadline):
        yield Hit("$.piis_type", {"deadline": deadline})


# --- Social activation -------------------------------------------------------------------------


@rule("PIIS-ACT-001", document=Piis, severity=Severity.ERROR, legal=_ACTIVATION_REF,
      message=Text(
          fr="Un PIIS d'activation sociale doit préciser sa finalité (participation, étape "
             "vers un trajet socioprofessionnel ou vers un travail rémunéré).",
          nl="Een GPMI sociale activering moet zijn doel vermelden (participatie, stap naar "
             "een socioprofessioneel traject of naar betaald werk).",
          en="A social-activation PIIS must state its purpose (participation, step towards a "
             "socio-professional trajectory or towards paid work)."))
def activation_purpose_given(doc: Piis, ctx: Context) -> Iterator[Hit]:
    """A social-activation PIIS names one of the three purposes of social activation.

    SPP IS annual report 2013; working group "activation sociale" 13/10/2015;
    domain.md, PIIS ("Orientation / types").
    """
    if doc.piis_type is PiisType.SOCIAL_ACTIVATION and doc.activation_purpose is None:
        yield Hit("$.activation_purpose", severity=_content_severity(doc))


@rule("PIIS-ACT-002", document=Piis, severity=Severity.WARNING, legal=_ACTIVATION_REF,
      message=Text(
          fr="Une finalité d'activation sociale est indiquée pour un PIIS de type « {kind} ».",
          nl="Er is een doel van sociale activering vermeld voor een GPMI van het type "
             "‘{kind}’.",
          en="A social-activation purpose is given for a PIIS of type '{kind}'."))
def activation_purpose_only_for_activation(doc: Piis, ctx: Context) -> Iterator[Hit]:
    """The activation purpose is only given for a social-activation PIIS.

    domain.md, PIIS ("Orientation / types").
    """
    if doc.activation_purpose is not None and doc.piis_type is not PiisType.SOCIAL_ACTIVATION:
        yield Hit("$.activation_purpose", {"kind": doc.piis_type.label})


@rule("PIIS-ACT-003", document=Piis, severity=Severity.ERROR, legal=_ACTIVATION_REF,
      message=Text(
          fr="Les étudiants de plein exercice sont exclus du public cible de l'activation "
             "sociale.",
          nl="Voltijdse studenten vallen buiten de doelgroep van sociale activering.",
          en="Full-time students are excluded from the target public of social activation."))
def activation_not_for_students(doc: Piis, ctx: Context) -> Iterator[Hit]:
    """A full-time student does not get a social-activation PIIS.

    Target public of social activation (working group 13/10/2015, FAQ 2015);
    domain.md, PIIS ("Target public of social activation").
    """
    if doc.piis_type is PiisType.SOCIAL_ACTIVATION and doc.is_full_time_student:
        yield Hit("$.piis_type")


# --- Form-B PIIS code --------------------------------------------------------------------------


def _code_key(code: int) -> str:
    return f"piis.form_b_code.{code}"


@rule("PIIS-FORMB-001", document=Piis, severity=Severity.ERROR, legal=_FORM_B,
      message=Text(
          fr="Le code PIIS {code} du formulaire B n'est pas valable le {on}.",
          nl="GPMI-code {code} van formulier B is niet geldig op {on}.",
          en="Form-B PIIS code {code} is not valid on {on}."))
def form_b_code_in_force(doc: Piis, ctx: Context) -> Iterator[Hit]:
    """The form-B PIIS code is one in force at the decision date.

    Codes 1–7 until 31 Oct 2016; 8–11 from 1 Nov 2016; 12, 15, 16 abolished on
    1 Oct 2018 (dated table ``piis.form_b_code.<code>`` in data/piis.toml).
    SPP IS primabook, formulaires B RIS; domain.md, PIIS ("Codes on the form B").
    """
    code = doc.form_b_code
    if code is None or not ctx.parameters.history(_code_key(code)):
        return
    if not ctx.parameters.in_force(_code_key(code), ctx.on):
        yield Hit("$.form_b_code", {"code": code, "on": ctx.on})


@rule("PIIS-FORMB-002", document=Piis, severity=Severity.WARNING, legal=_FORM_B,
      message=Text(
          fr="Code PIIS {code} du formulaire B inconnu.",
          nl="Onbekende GPMI-code {code} van formulier B.",
          en="Unknown form-B PIIS code {code}."))
def form_b_code_known(doc: Piis, ctx: Context) -> Iterator[Hit]:
    """The form-B PIIS code is one of the codes the SDK knows (data/piis.toml).

    A warning: SPP IS may use codes the sources do not list. domain.md, PIIS.
    """
    code = doc.form_b_code
    if code is not None and not ctx.parameters.history(_code_key(code)):
        yield Hit("$.form_b_code", {"code": code})


_CODE_MEANING = {
    "no_piis_health_or_equity", "full_time_studies", "full_time_student_with_work_income",
    "general", "with_community_service",
}


def _code_conflict(doc: Piis, meaning: str) -> bool:
    """Whether a (post-2016) code's meaning contradicts the PIIS."""
    exempted = doc.exemption_reason is not None
    studies = doc.piis_type is PiisType.STUDIES
    community = doc.piis_type is PiisType.COMMUNITY_SERVICE
    if meaning == "no_piis_health_or_equity":
        return not exempted
    if exempted:
        return True
    if meaning == "full_time_studies":
        return not studies
    if meaning == "full_time_student_with_work_income":
        return not (studies and doc.is_full_time_student)
    if meaning == "general":
        return studies or community
    return not community  # with_community_service


@rule("PIIS-FORMB-003", document=Piis, severity=Severity.ERROR, legal=_FORM_B,
      message=Text(
          fr="Le code PIIS {code} du formulaire B ne correspond pas au PIIS (type « {kind} », "
             "dispense : {exempted}).",
          nl="GPMI-code {code} van formulier B stemt niet overeen met het GPMI (type "
             "‘{kind}’, vrijstelling: {exempted}).",
          en="Form-B PIIS code {code} does not match the PIIS (type '{kind}', exemption: "
             "{exempted})."))
def form_b_code_matches(doc: Piis, ctx: Context) -> Iterator[Hit]:
    """The form-B PIIS code matches the PIIS: 8 exactly when an exemption is recorded,
    9 and 10 for full-time studies (10: a full-time student), 11 for another PIIS,
    12/15/16 for community service.

    SPP IS primabook, formulaires B RIS; domain.md, PIIS ("Codes on the form B").
    """
    code = doc.form_b_code
    if code is None or not ctx.parameters.in_force(_code_key(code), ctx.on):
        return
    meaning = ctx.parameters.text(_code_key(code), ctx.on)
    if meaning in _CODE_MEANING and _code_conflict(doc, meaning):
        exempted = doc.exemption_reason.label if doc.exemption_reason else Text(
            fr="aucune", nl="geen", en="none")
        yield Hit("$.form_b_code", {"code": code, "kind": doc.piis_type.label,
                                    "exempted": exempted})


# --- Objectives, commitments and domains -------------------------------------------------------


@rule("PIIS-OBJ-001", document=Piis, severity=Severity.ERROR, legal=_AR_CONTENT,
      message=Text(fr="Le PIIS ne contient aucun objectif.",
                   nl="Het GPMI bevat geen enkele doelstelling.",
                   en="The PIIS has no objective."))
def has_objectives(doc: Piis, ctx: Context) -> Iterator[Hit]:
    """The PIIS states its objectives (unless it only records an exemption).

    AR 03/10/2016 (content); domain.md, PIIS ("Content").
    """
    if not doc.objectives and doc.exemption_reason is None:
        yield Hit("$.objectives", severity=_content_severity(doc))


@rule("PIIS-OBJ-002", document=Piis, severity=Severity.ERROR, legal=_AR_CONTENT,
      message=Text(fr="L'objectif « {objective} » n'a aucun engagement.",
                   nl="De doelstelling ‘{objective}’ heeft geen enkel engagement.",
                   en="Objective '{objective}' has no commitment."))
def objective_has_commitments(doc: Piis, ctx: Context) -> Iterator[Hit]:
    """Each objective carries commitments of the parties consistent with it.

    AR 03/10/2016 (commitments of every party); domain.md, PIIS ("Content").
    """
    for index, objective in enumerate(doc.objectives):
        if not objective.commitments:
            yield Hit(f"$.objectives[{index}].commitments", {"objective": objective.description},
                      severity=_content_severity(doc))


@rule("PIIS-OBJ-003", document=Piis, severity=Severity.ERROR, legal=_AR_CONTENT,
      message=Text(fr="L'objectif « {objective} » n'a pas d'échéance.",
                   nl="De doelstelling ‘{objective}’ heeft geen termijn.",
                   en="Objective '{objective}' has no deadline."))
def objective_has_deadline(doc: Piis, ctx: Context) -> Iterator[Hit]:
    """Each objective has a deadline.

    AR 03/10/2016 (the PIIS states the deadlines); domain.md, PIIS ("Content").
    """
    for index, objective in enumerate(doc.objectives):
        if objective.deadline is None:
            yield Hit(f"$.objectives[{index}].deadline", {"objective": objective.description},
                      severity=_content_severity(doc))


@rule("PIIS-OBJ-004", document=Piis, severity=Severity.ERROR, legal=_AR_CONTENT,
      message=Text(fr="Échéance du {day} en dehors de la durée du PIIS.",
                   nl="Termijn van {day} buiten de looptijd van het GPMI.",
                   en="Deadline {day} outside the duration of the PIIS."))
def deadlines_within_duration(doc: Piis, ctx: Context) -> Iterator[Hit]:
    """Deadlines of objectives and commitments fall within the duration of the PIIS.

    AR 03/10/2016 (duration and deadlines); domain.md, PIIS ("Content").
    """
    for index, objective in enumerate(doc.objectives):
        if objective.deadline is not None and objective.deadline not in doc.duration:
            yield Hit(f"$.objectives[{index}].deadline", {"day": objective.deadline})
        for number, commitment in enumerate(objective.commitments):
            if commitment.deadline is not None and commitment.deadline not in doc.duration:
                yield Hit(f"$.objectives[{index}].commitments[{number}].deadline",
                          {"day": commitment.deadline})


@rule("PIIS-OBJ-005", document=Piis, severity=Severity.WARNING, legal=_AR_CONTENT,
      message=Text(fr="Engagement d'un tiers sans le nom de ce tiers.",
                   nl="Engagement van een derde zonder de naam van die derde.",
                   en="Third-party commitment without the third party's name."))
def third_party_named(doc: Piis, ctx: Context) -> Iterator[Hit]:
    """A third party that commits to something is named.

    AR 03/10/2016 (contract possibly with third parties); domain.md, PIIS ("Content").
    """
    for index, objective in enumerate(doc.objectives):
        for number, commitment in enumerate(objective.commitments):
            if (commitment.party is CommitmentParty.THIRD_PARTY
                    and commitment.third_party_name is None):
                yield Hit(f"$.objectives[{index}].commitments[{number}].third_party_name")


@rule("PIIS-OBJ-006", document=Piis, severity=Severity.WARNING, legal=_AR_CONTENT,
      message=Text(fr="Aucun engagement de la partie « {party} » dans le PIIS.",
                   nl="Geen enkel engagement van de partij ‘{party}’ in het GPMI.",
                   en="No commitment of the party '{party}' in the PIIS."))
def both_parties_commit(doc: Piis, ctx: Context) -> Iterator[Hit]:
    """Both the person and the CPAS make commitments somewhere in the PIIS.

    AR 03/10/2016 (commitments of every party); domain.md, PIIS ("Content").
    """
    if not doc.objectives:
        return
    parties = {c.party for o in doc.objectives for c in o.commitments}
    for party in (CommitmentParty.BENEFICIARY, CommitmentParty.CPAS):
        if party not in parties:
            yield Hit("$.objectives", {"party": party.label})


@rule("PIIS-OBJ-007", document=Piis, severity=Severity.WARNING, legal=_AR_CONTENT,
      message=Text(fr="Engagement échéant le {day}, après l'échéance de son objectif ({end}).",
                   nl="Engagement met termijn {day}, na de termijn van zijn doelstelling "
                      "({end}).",
                   en="Commitment due on {day}, after its objective's deadline ({end})."))
def commitment_before_objective(doc: Piis, ctx: Context) -> Iterator[Hit]:
    """A commitment is due no later than the objective it serves.

    AR 03/10/2016 (commitments consistent with the objectives); domain.md, PIIS.
    """
    for index, objective in enumerate(doc.objectives):
        for number, commitment in enumerate(objective.commitments):
            if (objective.deadline is not None and commitment.deadline is not None
                    and commitment.deadline > objective.deadline):
                yield Hit(f"$.objectives[{index}].commitments[{number}].deadline",
                          {"day": commitment.deadline, "end": objective.deadline})


@rule("PIIS-OBJ-008", document=Piis, severity=Severity.ERROR, legal=_AR_CONTENT,
      message=Text(fr="Identifiant d'objectif en double : {objective}.",
                   nl="Dubbele identificatie van doelstelling: {objective}.",
                   en="Duplicate objective identifier: {objective}."))
def objective_ids_unique(doc: Piis, ctx: Context) -> Iterator[Hit]:
    """Objective ids are unique, so evaluations refer to exactly one objective.

    domain.md, PIIS ("Evaluation": per objective).
    """
    seen: set[str] = set()
    for index, objective in enumerate(doc.objectives):
        if objective.id in seen:
            yield Hit(f"$.objectives[{index}].id", {"objective": objective.id})
        seen.add(objective.id)


@rule("PIIS-DOM-001", document=Piis, severity=Severity.ERROR, legal=_AR_CONTENT,
      message=Text(fr="« {domain} » n'est pas un domaine de vie connu du CPAS.",
                   nl="‘{domain}’ is geen gekend levensdomein van het OCMW.",
                   en="'{domain}' is not a known life domain of the CPAS."))
def domains_known(doc: Piis, ctx: Context) -> Iterator[Hit]:
    """Domains of action (of the PIIS and of each objective) are life domains of the policy.

    AR 03/10/2016 (domains of action); domain.md, PIIS and "Bilan social".
    """
    known = ctx.policy.domain_ids()
    for index, domain in enumerate(doc.domains):
        if domain not in known:
            yield Hit(f"$.domains[{index}]", {"domain": domain})
    for index, objective in enumerate(doc.objectives):
        for number, domain in enumerate(objective.domains):
            if domain not in known:
                yield Hit(f"$.objectives[{index}].domains[{number}]", {"domain": domain})


@rule("PIIS-DOM-002", document=Piis, severity=Severity.ERROR, legal=_AR_CONTENT,
      message=Text(fr="Le PIIS n'indique aucun domaine d'action.",
                   nl="Het GPMI vermeldt geen enkel actiedomein.",
                   en="The PIIS states no domain of action."))
def has_domains(doc: Piis, ctx: Context) -> Iterator[Hit]:
    """The PIIS states its domains of action (unless it only records an exemption).

    AR 03/10/2016 (domains of action); domain.md, PIIS ("Content").
    """
    if not doc.domains and doc.exemption_reason is None:
        yield Hit("$.domains", severity=_content_severity(doc))


@rule("PIIS-DOM-003", document=Piis, severity=Severity.WARNING, legal=_AR_CONTENT,
      message=Text(fr="Le domaine « {domain} » de l'objectif ne figure pas parmi les domaines "
                      "d'action du PIIS.",
                   nl="Het domein ‘{domain}’ van de doelstelling staat niet bij de "
                      "actiedomeinen van het GPMI.",
                   en="The objective's domain '{domain}' is not among the PIIS's domains of "
                      "action."))
def objective_domains_in_piis(doc: Piis, ctx: Context) -> Iterator[Hit]:
    """Each objective's domains are among the domains of action of the PIIS.

    AR 03/10/2016 (objectives and domains of action); domain.md, PIIS ("Content").
    """
    if not doc.domains:
        return
    for index, objective in enumerate(doc.objectives):
        for number, domain in enumerate(objective.domains):
            if domain not in doc.domains:
                yield Hit(f"$.objectives[{index}].domains[{number}]",
                          {"domain": _domain_name(domain, ctx)})


# --- Signatures, social worker, lifecycle ------------------------------------------------------

_REQUIRED_SIGNERS = (SignerRole.BENEFICIARY, SignerRole.PRESIDENT, SignerRole.DIRECTEUR_GENERAL)
_SIGNER_LABELS: dict[SignerRole, Text] = {
    SignerRole.BENEFICIARY: Text(fr="le bénéficiaire", nl="de begunstigde",
                                 en="the beneficiary"),
    SignerRole.PRESIDENT: Text(fr="le président du CPAS", nl="de voorzitter van het OCMW",
                               en="the president of the CPAS"),
    SignerRole.DIRECTEUR_GENERAL: Text(fr="le directeur général du CPAS",
                                       nl="de algemeen directeur van het OCMW",
                                       en="the directeur général of the CPAS"),
}


@rule("PIIS-SIGN-001", document=Piis, severity=Severity.ERROR,
      legal=(_MODEL_CONTRACT, _AR_CONTENT),
      message=Text(fr="Signature manquante : {role}.",
                   nl="Ontbrekende handtekening: {role}.",
                   en="Missing signature: {role}."))
def required_signatures(doc: Piis, ctx: Context) -> Iterator[Hit]:
    """A signed PIIS bears the signatures of the person, the president and the directeur
    général of the CPAS.

    SPP IS model contract; AR 03/10/2016 (written contract); domain.md, PIIS
    ("Signatories").
    """
    if not doc.is_concluded():
        return
    roles = {signature.role for signature in doc.signatures}
    for role in _REQUIRED_SIGNERS:
        if role not in roles:
            yield Hit("$.signatures", {"role": _SIGNER_LABELS[role]})


@rule("PIIS-SIGN-002", document=Piis, severity=Severity.ERROR, legal=_MODEL_CONTRACT,
      message=Text(fr="Le PIIS ne désigne pas le travailleur social responsable.",
                   nl="Het GPMI vermeldt niet de verantwoordelijke maatschappelijk werker.",
                   en="The PIIS does not name the social worker in charge."))
def social_worker_named(doc: Piis, ctx: Context) -> Iterator[Hit]:
    """The PIIS names the social worker (who explains it and evaluates it).

    SPP IS model contract; domain.md, PIIS ("Signatories", "Content").
    """
    if doc.social_worker is None:
        yield Hit("$.social_worker", severity=_content_severity(doc))


@rule("PIIS-SIGN-003", document=Piis, severity=Severity.WARNING, legal=_MODEL_CONTRACT,
      message=Text(fr="Le PIIS ne désigne pas de travailleur social remplaçant.",
                   nl="Het GPMI vermeldt geen vervangende maatschappelijk werker.",
                   en="The PIIS names no replacement social worker."))
def replacement_named(doc: Piis, ctx: Context) -> Iterator[Hit]:
    """The PIIS names a replacement social worker.

    SPP IS model contract; domain.md, PIIS ("Signatories").
    """
    if doc.replacement_social_worker is None:
        yield Hit("$.replacement_social_worker")


@rule("PIIS-SIGN-004", document=Piis, severity=Severity.ERROR,
      legal=_LOI_DIS_11_REFLECTION,
      message=Text(fr="Date de signature ({signed}) antérieure à la remise du projet "
                      "({proposed}).",
                   nl="Datum van ondertekening ({signed}) vóór de overhandiging van het "
                      "ontwerp ({proposed}).",
                   en="Signing date ({signed}) before the draft was handed over ({proposed})."))
def signed_after_proposal(doc: Piis, ctx: Context) -> Iterator[Hit]:
    """The PIIS is signed after the draft was handed over.

    Loi DIS art. 11 §1 (reflection period runs from the handover); domain.md, PIIS.
    """
    if (doc.signing_date is not None and doc.proposal_date is not None
            and doc.signing_date < doc.proposal_date):
        yield Hit("$.signing_date", {"signed": doc.signing_date, "proposed": doc.proposal_date})


@rule("PIIS-SIGN-005", document=Piis, severity=Severity.ERROR, legal=_MODEL_CONTRACT,
      message=Text(fr="Le PIIS est « {status} » mais sa date de signature manque.",
                   nl="Het GPMI is ‘{status}’ maar de datum van ondertekening ontbreekt.",
                   en="The PIIS is '{status}' but its signing date is missing."))
def signing_date_recorded(doc: Piis, ctx: Context) -> Iterator[Hit]:
    """A PIIS signed, in progress or closed after signature records its signing date.

    A closed PIIS without signing date nor signatures is taken as closed before
    signature. SPP IS model contract; domain.md, PIIS.
    """
    if doc.signing_date is None and doc.is_concluded():
        yield Hit("$.signing_date", {"status": doc.status.label})


@rule("PIIS-SIGN-006", document=Piis, severity=Severity.WARNING, legal=_MODEL_CONTRACT,
      message=Text(fr="Des tiers s'engagent dans le PIIS mais aucun partenaire ne l'a signé.",
                   nl="Derden gaan engagementen aan in het GPMI maar geen enkele partner "
                      "heeft het ondertekend.",
                   en="Third parties make commitments in the PIIS but no partner signed it."))
def partner_signed(doc: Piis, ctx: Context) -> Iterator[Hit]:
    """When a third party commits in a signed PIIS, a partner signs it.

    SPP IS model contract (optional partners sign); domain.md, PIIS ("Signatories").
    """
    if not doc.is_concluded():
        return
    third = any(c.party is CommitmentParty.THIRD_PARTY
                for o in doc.objectives for c in o.commitments)
    if third and not any(s.role is SignerRole.PARTNER for s in doc.signatures):
        yield Hit("$.signatures")


@rule("PIIS-AMEND-001", document=Piis, severity=Severity.ERROR, legal=_AR_CONTENT,
      message=Text(fr="Avenant du {day} en dehors de la durée du PIIS.",
                   nl="Aanpassing van {day} buiten de looptijd van het GPMI.",
                   en="Amendment of {day} outside the duration of the PIIS."))
def amendments_within_duration(doc: Piis, ctx: Context) -> Iterator[Hit]:
    """Amendments are dated within the duration of the PIIS.

    AR 03/10/2016 (amended during its course at either party's request); domain.md, PIIS.
    """
    for index, amendment in enumerate(doc.amendments):
        if amendment.date not in doc.duration:
            yield Hit(f"$.amendments[{index}].date", {"day": amendment.date})


@rule("PIIS-AMEND-002", document=Piis, severity=Severity.WARNING, legal=_AR_CONTENT,
      message=Text(fr="Avenant du {day} antérieur à la signature du PIIS ({signed}).",
                   nl="Aanpassing van {day} vóór de ondertekening van het GPMI ({signed}).",
                   en="Amendment of {day} before the PIIS was signed ({signed})."))
def amendments_after_signing(doc: Piis, ctx: Context) -> Iterator[Hit]:
    """An amendment changes a concluded contract: it is dated after the signature.

    AR 03/10/2016; domain.md, PIIS ("Content": can be amended).
    """
    if doc.signing_date is None:
        return
    for index, amendment in enumerate(doc.amendments):
        if amendment.date < doc.signing_date:
            yield Hit(f"$.amendments[{index}].date",
                      {"day": amendment.date, "signed": doc.signing_date})


@rule("PIIS-LIFE-001", document=Piis, severity=Severity.ERROR, legal=_MODEL_CONTRACT,
      message=Text(fr="PIIS clôturé sans {what}.",
                   nl="GPMI afgesloten zonder {what}.",
                   en="PIIS closed without {what}."))
def closure_recorded(doc: Piis, ctx: Context) -> Iterator[Hit]:
    """A closed PIIS records its closing date and the reason for closing.

    Needed to count a person who dropped out or moved (FAQ 2015) and to exchange the
    PIIS with another CPAS; domain.md, PIIS.
    """
    if doc.status is not PiisStatus.CLOSED:
        return
    if doc.closed_on is None:
        yield Hit("$.closed_on", {"what": Text(fr="date de clôture", nl="datum van afsluiting",
                                               en="a closing date")})
    if doc.closure_reason is None:
        yield Hit("$.closure_reason", {"what": Text(fr="motif de clôture",
                                                    nl="reden van afsluiting",
                                                    en="a closure reason")})


@rule("PIIS-LIFE-002", document=Piis, severity=Severity.WARNING,
      legal=_LOI_DIS_11_REFLECTION,
      message=Text(fr="La date de remise du projet manque : le délai de réflexion ne peut pas "
                      "être vérifié.",
                   nl="De datum van overhandiging van het ontwerp ontbreekt: de bedenktijd "
                      "kan niet gecontroleerd worden.",
                   en="The date the draft was handed over is missing: the reflection period "
                      "cannot be checked."))
def proposal_date_recorded(doc: Piis, ctx: Context) -> Iterator[Hit]:
    """A PIIS past the draft stage records when it was handed over.

    Unless the person expressly waived the reflection period. Loi DIS art. 11 §1;
    domain.md, PIIS ("Procedure").
    """
    if doc.status is PiisStatus.DRAFT or doc.proposal_date is not None:
        return
    if doc.reflection_period_waived or (doc.status is PiisStatus.CLOSED
                                        and doc.signing_date is None):
        return
    yield Hit("$.proposal_date")

