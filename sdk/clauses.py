"""Legal clauses of a PIIS, generated in French and Dutch from the PIIS itself.

The CPAS must inform the person of every legal provision that applies to their
PIIS, and a provision that cannot apply must not appear (source documents, FAQ
2015): the suspension of the revenu d'intégration is not written into the PIIS of
someone who receives neither it nor its equivalent, and a CPAS may leave the
sanction out of a PIIS for voluntary work (``LocalPolicy.omit_sanction_for_voluntary_work``,
Kortrijk's practice). Figures (evaluations a year, reflection days, suspension
months, appeal deadline) come from the dated parameters at the PIIS's decision date.

Legal basis: loi DIS du 26/05/2002 art. 6 §3, 11, 13 §3, 30 §2 and 47; AR DIS
11/07/2002 art. 10–21 (mod. AR 03/10/2016); loi organique des CPAS du 08/07/1976
art. 60 §3; C. const. 86/2018. domain.md, "PIIS" ("Clauses", "Sanctions",
"Procedure", "Evaluation", "Community service was annulled").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import ClassVar

import attrs

from ._model import instance, label, locate, text
from .documents.piis import BeneficiaryStatus, CommitmentParty, Piis
from .errors import InvalidType, NoRuleInForce
from .findings import LegalRef
from .lifedomains import domain_by_id
from .parameters import Parameters
from .policy import LocalPolicy
from .text import Lang, Text, format_value

__all__ = ["CLAUSE_IDS", "Clause", "generate_clauses"]

CLAUSE_IDS: tuple[str, ...] = (
    "legal_basis", "object", "commitments", "evaluation", "assistance", "reflection",
    "hearing", "amendments", "volunteering", "sanction",
)
"""Every clause id, in the order clauses appear in a PIIS."""

_ANNULMENT = dt.date(2018, 7, 5)
"""C. const. 86/2018: since then volunteering is possible after notifying the CPAS."""

_WRITTEN: tuple[Lang, ...] = ("fr", "nl")


def _legal(value: LegalRef) -> LegalRef:
    if not isinstance(value, LegalRef):
        raise InvalidType(f"expected LegalRef, got {type(value).__name__}")
    return value


@attrs.frozen(kw_only=True, field_transformer=locate)
class Clause:
    """One clause of a PIIS: a stable id, a title and a body in FR and NL, its legal source."""

    LABEL: ClassVar[Text] = Text(fr="Clause", nl="Clausule", en="Clause")

    id: str = attrs.field(converter=text,
                          metadata=label("Identifiant", "Identificatie", "Identifier"))
    title: Text = attrs.field(validator=instance(Text),
                              metadata=label("Titre", "Titel", "Title"))
    body: Text = attrs.field(validator=instance(Text), metadata=label("Texte", "Tekst", "Body"))
    legal: LegalRef = attrs.field(converter=_legal,
                                  metadata=label("Base légale", "Rechtsgrond", "Legal basis"))


def _written(render: Callable[[Lang], str]) -> Text:
    """A text written in each language of the clauses."""
    return Text(**{lang: render(lang) for lang in _WRITTEN})


def _fmt(value: object, lang: Lang) -> str:
    return format_value(value, lang)


# --- Legal references --------------------------------------------------------------------------

_DIS_11 = LegalRef("Loi DIS 26/05/2002 art. 11 et 13 §3 ; AR DIS 11/07/2002 art. 10–21",
                   "https://primabook.mi-is.be/fr/projet-individualise-dintegration-sociale-piis/"
                   "le-projet-individualise-dintegration-sociale-piis-0")
_DIS_11_REFLECTION = LegalRef("Loi DIS 26/05/2002 art. 11 §1 (délai de réflexion)")
_AR_EVALUATION = LegalRef("AR DIS 11/07/2002 art. 19 (mod. AR 03/10/2016)")
_AR_CONTENT = LegalRef("AR DIS 11/07/2002 art. 10–21 (mod. AR 03/10/2016) : contenu du PIIS")
_HEARING = LegalRef("Loi DIS 26/05/2002 art. 6 §3 et 13 §3 (droit d'être entendu)")
_SANCTION_DIS = LegalRef(
    "Loi DIS 26/05/2002 art. 30 §2 et art. 47",
    "http://www.mi-is.be/fr/faq/dans-quels-cas-le-cpas-peut-il-infliger-une-sanction-un-ayant"
    "-droit-au-revenu-dintegration")
_ORGANIC_60 = LegalRef("Loi organique des CPAS 08/07/1976 art. 60 §3",
                       "https://bdas-wwsb.brussels/?p=3548")
_OTHER_USER = LegalRef(
    "SPP IS, GT « activation sociale » 13/10/2015 (FAQ 2015) : public cible, autres usagers "
    "du CPAS")
_VOLUNTEERING = LegalRef("C. const. arrêt 86/2018 du 05/07/2018 ; volontariat après "
                         "information du CPAS", "https://www.uvcw.be/aide-sociale/actus/art-96")


# --- Clauses -----------------------------------------------------------------------------------


def _legal_basis(piis: Piis) -> Clause:
    status = piis.beneficiary_status
    if status is BeneficiaryStatus.RIS:
        body = Text(
            fr="Le présent projet individualisé d'intégration sociale est conclu en application "
               "de la loi du 26 mai 2002 concernant le droit à l'intégration sociale, dans le "
               "cadre du revenu d'intégration accordé par décision du {decided}.",
            nl="Dit geïndividualiseerd project voor maatschappelijke integratie wordt gesloten "
               "met toepassing van de wet van 26 mei 2002 betreffende het recht op "
               "maatschappelijke integratie, in het kader van het leefloon toegekend bij "
               "beslissing van {decided}.")
        ref = _DIS_11
    elif status is BeneficiaryStatus.EQUIVALENT_AID:
        body = Text(
            fr="Le présent projet est conclu dans le cadre de l'aide sociale financière "
               "équivalente au revenu d'intégration accordée par décision du {decided}, sur la "
               "base de l'article 60, §3, de la loi organique des CPAS du 8 juillet 1976.",
            nl="Dit project wordt gesloten in het kader van de financiële maatschappelijke hulp "
               "gelijkwaardig aan het leefloon, toegekend bij beslissing van {decided}, op "
               "grond van artikel 60, §3, van de organieke wet van 8 juli 1976 betreffende de "
               "OCMW's.")
        ref = _ORGANIC_60
    else:
        body = Text(
            fr="Le présent projet est conclu à la demande de la personne, usagère du CPAS, qui "
               "ne perçoit ni le revenu d'intégration ni une aide sociale équivalente.",
            nl="Dit project wordt gesloten op vraag van de persoon, gebruiker van het OCMW, die "
               "noch het leefloon noch gelijkwaardige maatschappelijke hulp ontvangt.")
        ref = _OTHER_USER
    return Clause(id="legal_basis",
                  title=Text(fr="Cadre légal", nl="Wettelijk kader"),
                  body=body.format(decided=piis.decision_date), legal=ref)


def _object(piis: Piis, policy: LocalPolicy) -> Clause:
    def render(lang: Lang) -> str:
        names = [_fmt(d.label, lang) if (d := domain_by_id(i, policy.life_domains)) else i
                 for i in piis.domains]
        kind = piis.piis_type.label.get(lang)
        if piis.activation_purpose is not None:
            kind += f" ({piis.activation_purpose.label.get(lang).lower()})"
        start = _fmt(piis.duration.start, lang)
        end = piis.duration.end
        if lang == "fr":
            period = f"du {start} au {_fmt(end, lang)}" if end else f"à partir du {start}"
            line = (f"Le présent projet lie {piis.beneficiary.full_name} et le "
                    f"{piis.cpas.name}. Il a pour objet : {kind.lower()}. Il court {period}.")
            if names:
                line += " Domaines d'action : " + " ; ".join(names) + "."
            return line
        period = f"van {start} tot {_fmt(end, lang)}" if end else f"vanaf {start}"
        line = (f"Dit project verbindt {piis.beneficiary.full_name} en {piis.cpas.name}. "
                f"Het heeft als voorwerp: {kind.lower()}. Het loopt {period}.")
        if names:
            line += " Actiedomeinen: " + " ; ".join(names) + "."
        return line

    return Clause(id="object", title=Text(fr="Objet du projet", nl="Voorwerp van het project"),
                  body=_written(render), legal=_AR_CONTENT)


_PARTY_WORDS: dict[CommitmentParty, Text] = {
    CommitmentParty.BENEFICIARY: Text(fr="La personne", nl="De persoon"),
    CommitmentParty.CPAS: Text(fr="Le CPAS", nl="Het OCMW"),
    CommitmentParty.THIRD_PARTY: Text(fr="Le partenaire", nl="De partner"),
}


def _commitments(piis: Piis) -> Clause:
    def render(lang: Lang) -> str:
        due = {"fr": "pour le", "nl": "tegen"}[lang]
        lines: list[str] = []
        if not piis.objectives:
            return {"fr": "Les objectifs et engagements seront précisés par avenant.",
                    "nl": "De doelstellingen en engagementen worden bij aanpassing "
                          "vastgelegd."}[lang]
        for number, objective in enumerate(piis.objectives, start=1):
            head = {"fr": f"Objectif {number} : ", "nl": f"Doelstelling {number}: "}[lang]
            head += objective.description
            if objective.deadline is not None:
                head += f" ({due} {_fmt(objective.deadline, lang)})"
            lines.append(head)
            for commitment in objective.commitments:
                who = commitment.third_party_name or _PARTY_WORDS[commitment.party].get(lang)
                line = f"– {who} : " if lang == "fr" else f"– {who}: "
                line += commitment.description
                if commitment.deadline is not None:
                    line += f" ({due} {_fmt(commitment.deadline, lang)})"
                lines.append(line)
        return "\n".join(lines)

    return Clause(id="commitments",
                  title=Text(fr="Objectifs et engagements des parties",
                             nl="Doelstellingen en engagementen van de partijen"),
                  body=_written(render), legal=_AR_CONTENT)


def _evaluation(piis: Piis, params: Parameters) -> Clause | None:
    on = piis.rules_date()
    try:
        per_year = params.integer("piis.evaluations_per_year", on)
        face = params.integer("piis.face_to_face_evaluations_per_year", on)
    except NoRuleInForce:
        return None
    interview = (params.integer("piis.evaluation_interview_working_days", on)
                 if params.in_force("piis.evaluation_interview_working_days", on) else None)

    def render(lang: Lang) -> str:
        if lang == "fr":
            out = f"Le projet est évalué au moins {per_year} fois par an"
            out += (f", dont au moins {face} fois lors d'un entretien en face à face avec le "
                    "travailleur social." if face else " avec le travailleur social.")
            if interview is not None:
                out += (" À la demande de la personne, le CPAS lui accorde un entretien dans "
                        f"les {interview} jours ouvrables.")
            if piis.evaluation_schedule:
                out += " Évaluations prévues : " + ", ".join(
                    _fmt(d, lang) for d in piis.evaluation_schedule) + "."
            return out
        out = f"Het project wordt minstens {per_year} keer per jaar geëvalueerd"
        out += (f", waarvan minstens {face} keer in een persoonlijk gesprek met de "
                "maatschappelijk werker." if face else " met de maatschappelijk werker.")
        if interview is not None:
            out += (" Op vraag van de persoon krijgt hij of zij binnen "
                    f"{interview} werkdagen een gesprek bij het OCMW.")
        if piis.evaluation_schedule:
            out += " Geplande evaluaties: " + ", ".join(
                _fmt(d, lang) for d in piis.evaluation_schedule) + "."
        return out

    return Clause(id="evaluation",
                  title=Text(fr="Modalités d'évaluation", nl="Evaluatieregeling"),
                  body=_written(render), legal=_AR_EVALUATION)


def _assistance(piis: Piis) -> Clause:
    def render(lang: Lang) -> str:
        if lang == "fr":
            out = ("La personne peut se faire assister par une personne de son choix lors de "
                   "la négociation, de la signature et des évaluations du projet.")
            if piis.assisting_person:
                out += f" Elle a choisi d'être assistée par {piis.assisting_person}."
            return out
        out = ("De persoon mag zich laten bijstaan door een persoon naar keuze bij de "
               "onderhandeling, de ondertekening en de evaluaties van het project.")
        if piis.assisting_person:
            out += f" De persoon koos voor bijstand door {piis.assisting_person}."
        return out

    return Clause(id="assistance",
                  title=Text(fr="Droit d'être assisté", nl="Recht op bijstand"),
                  body=_written(render), legal=_DIS_11)


def _reflection(piis: Piis, params: Parameters, policy: LocalPolicy) -> Clause | None:
    on = piis.rules_date()
    if not params.in_force("piis.reflection_days", on):
        return None
    days = params.integer("piis.reflection_days", on)
    working = policy.reflection_days_kind == "working"
    unit = Text(fr="jours ouvrables" if working else "jours calendrier",
                nl="werkdagen" if working else "kalenderdagen")
    body = Text(
        fr="La personne dispose d'un délai de réflexion de {days} {unit} à partir de la remise "
           "du projet avant de le signer. Le travailleur social lui a expliqué la portée et les "
           "conséquences du projet. Elle ne peut signer plus tôt que si elle renonce "
           "expressément à ce délai.",
        nl="De persoon beschikt over een bedenktijd van {days} {unit} vanaf de overhandiging "
           "van het ontwerp voordat hij of zij het ondertekent. De maatschappelijk werker heeft "
           "de draagwijdte en de gevolgen van het project uitgelegd. Vroeger ondertekenen kan "
           "enkel bij uitdrukkelijke afstand van deze termijn.")
    if piis.reflection_period_waived:
        body = Text(
            fr=body.get("fr") + " La personne a expressément renoncé à ce délai.",
            nl=body.get("nl") + " De persoon heeft uitdrukkelijk afstand gedaan van deze "
                                "termijn.")
    return Clause(id="reflection", title=Text(fr="Délai de réflexion", nl="Bedenktijd"),
                  body=body.format(days=days, unit=unit), legal=_DIS_11_REFLECTION)


def _hearing(piis: Piis) -> Clause | None:
    if piis.beneficiary_status is not BeneficiaryStatus.RIS:
        return None
    return Clause(
        id="hearing", title=Text(fr="Droit d'être entendu", nl="Recht om gehoord te worden"),
        body=Text(
            fr="Avant toute décision relative au projet ou à son non-respect, la personne a le "
               "droit d'être entendue par le CPAS, assistée ou représentée par une personne de "
               "son choix.",
            nl="Vóór elke beslissing over het project of over het niet-naleven ervan heeft de "
               "persoon het recht om door het OCMW gehoord te worden, bijgestaan of "
               "vertegenwoordigd door een persoon naar keuze."),
        legal=_HEARING)


def _amendments() -> Clause:
    return Clause(
        id="amendments", title=Text(fr="Modification du projet", nl="Aanpassing van het project"),
        body=Text(
            fr="Le projet peut être adapté en cours d'exécution, à la demande de la personne ou "
               "du CPAS, par un avenant écrit signé par les parties.",
            nl="Het project kan tijdens de uitvoering worden aangepast, op vraag van de persoon "
               "of van het OCMW, bij een schriftelijke aanpassing ondertekend door de "
               "partijen."),
        legal=_AR_CONTENT)


def _volunteering(piis: Piis) -> Clause | None:
    if piis.beneficiary_status is BeneficiaryStatus.OTHER_USER or piis.rules_date() < _ANNULMENT:
        return None
    return Clause(
        id="volunteering", title=Text(fr="Volontariat", nl="Vrijwilligerswerk"),
        body=Text(
            fr="La personne peut exercer une activité de volontariat après en avoir informé le "
               "CPAS, pour autant que cette activité ne réduise pas sa disponibilité. Le "
               "volontariat n'est pas une condition du présent projet.",
            nl="De persoon mag vrijwilligerswerk doen nadat hij of zij het OCMW daarvan op de "
               "hoogte heeft gebracht, voor zover dat de beschikbaarheid niet vermindert. "
               "Vrijwilligerswerk is geen voorwaarde van dit project."),
        legal=_VOLUNTEERING)


def _sanction(piis: Piis, params: Parameters, policy: LocalPolicy) -> Clause | None:
    status = piis.beneficiary_status
    if status is BeneficiaryStatus.OTHER_USER:
        return None  # nothing to suspend: the provision cannot apply
    if policy.omit_sanction_for_voluntary_work and piis.includes_voluntary_work:
        return None
    on = piis.rules_date()
    appeal = params.integer("piis.appeal_months", on)
    title = Text(fr="Non-respect des engagements", nl="Niet-naleving van de engagementen")
    if status is BeneficiaryStatus.EQUIVALENT_AID:
        return Clause(id="sanction", title=title, legal=_ORGANIC_60, body=Text(
            fr="Si la personne ne respecte pas, sans motif légitime, les engagements du présent "
               "projet, le CPAS peut, après mise en demeure et après l'avoir entendue, revoir "
               "l'aide sociale financière accordée sur la base de l'article 60, §3, de la loi "
               "organique des CPAS. Cette mesure est possible, jamais obligatoire. Un recours "
               "est ouvert devant le tribunal du travail dans les {appeal} mois.",
            nl="Als de persoon de engagementen van dit project zonder wettige reden niet "
               "naleeft, kan het OCMW, na ingebrekestelling en na hem of haar gehoord te "
               "hebben, de financiële maatschappelijke hulp herzien die op grond van artikel "
               "60, §3, van de organieke OCMW-wet werd toegekend. Deze maatregel is mogelijk, "
               "nooit verplicht. Beroep is mogelijk bij de arbeidsrechtbank binnen {appeal} "
               "maanden.").format(appeal=appeal))
    first = params.integer("piis.sanction_first_max_months", on)
    repeat = params.integer("piis.sanction_repeat_max_months", on)
    window = params.integer("piis.sanction_repeat_window_months", on)
    body = Text(
        fr="Si la personne ne respecte pas, sans motif légitime, les obligations du présent "
           "projet, le CPAS peut, après mise en demeure et après l'avoir entendue, suspendre "
           "en tout ou en partie le paiement du revenu d'intégration pour une période de "
           "{first} mois au maximum, et de {repeat} mois au maximum en cas de récidive dans un "
           "délai de {window} mois. Il s'agit d'une suspension et non d'un retrait ; elle est "
           "possible, jamais obligatoire, et peut être assortie d'un sursis. Un recours est "
           "ouvert devant le tribunal du travail dans les {appeal} mois de la notification de "
           "la décision.",
        nl="Als de persoon de verplichtingen van dit project zonder wettige reden niet naleeft, "
           "kan het OCMW, na ingebrekestelling en na hem of haar gehoord te hebben, de betaling "
           "van het leefloon geheel of gedeeltelijk schorsen voor ten hoogste {first} maand, en "
           "voor ten hoogste {repeat} maanden bij herhaling binnen {window} maanden. Het gaat "
           "om een schorsing, niet om een intrekking; ze is mogelijk, nooit verplicht, en kan "
           "met uitstel gepaard gaan. Beroep is mogelijk bij de arbeidsrechtbank binnen "
           "{appeal} maanden na de kennisgeving van de beslissing.")
    return Clause(id="sanction", title=title, legal=_SANCTION_DIS,
                  body=body.format(first=first, repeat=repeat, window=window, appeal=appeal))


def _all(piis: Piis, params: Parameters, policy: LocalPolicy) -> Iterator[Clause | None]:
    yield _legal_basis(piis)
    yield _object(piis, policy)
    yield _commitments(piis)
    yield _evaluation(piis, params)
    yield _assistance(piis)
    yield _reflection(piis, params, policy)
    yield _hearing(piis)
    yield _amendments()
    yield _volunteering(piis)
    yield _sanction(piis, params, policy)


def generate_clauses(piis: Piis, *, policy: LocalPolicy | None = None,
                     parameters: Parameters | None = None) -> tuple[Clause, ...]:
    """The clauses that apply to ``piis``, in contract order, in French and Dutch.

    Clauses that cannot apply are left out: the sanction for a person who receives
    neither the revenu d'intégration nor its equivalent (or for voluntary work when
    the CPAS's policy says so), the right to be heard under the loi DIS outside the
    revenu d'intégration, the volunteering clause before C. const. 86/2018, and any
    clause whose figures are not in force at the PIIS's date (the reflection period
    before the 2016 reform).
    """
    chosen = policy if policy is not None else LocalPolicy()
    params = parameters if parameters is not None else Parameters.default()
    return tuple(clause for clause in _all(piis, params, chosen) if clause is not None)
