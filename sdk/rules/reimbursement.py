"""Rule checks for reimbursement forms sent by a CPAS to SPP IS.

Legal basis: loi du 26 mai 2002 (loi DIS) art. 14, 32, 43/2; loi du 2 avril 1965
art. 9–12; the NOVA PRIMA instructions of SPP IS (primabook: forms B, C, D of the
loi DIS; A, B1, B2, C, D1, D2, F of the loi 65; PIIS codes on form B). Sources:
domain.md, "Reimbursement by SPP IS: rates, forms, deadlines", "Revenu
d'intégration: categories and amounts" and "PIIS" (codes on form B).

A monthly national batch counts 150 000–200 000 lines: every rule here makes one
pass over the lines, looks dated parameters up once per month (not per line) and
finds duplicates with a dict, so checking stays linear.

Whether a correction has an original (or a new form should have been a
correction) depends on the forms sent before; :func:`check_corrections` checks
that against an explicit history.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

import attrs

from ..documents.reimbursement import (
    FormType,
    Law,
    LegalBasis,
    ReimbursementForm,
    ReimbursementLine,
    file_number_key,
)
from ..findings import LegalRef, Report, Severity
from ..money import Money
from ..parameters import Parameters
from ..periods import Period, add_days, add_months
from ..policy import LocalPolicy
from ..text import Text
from . import Context, Hit, check, rule

__all__ = ["CorrectionCheck", "check_corrections"]

_PRIMABOOK_65 = "https://primabook.mi-is.be/fr/loi-65"
_FORMS_DIS = LegalRef("Loi DIS 26/05/2002 art. 32; SPP IS, formulaires NOVA PRIMA B, C, D",
                      "https://primabook.mi-is.be/fr/form/formulaire-b")
_FORMS_65 = LegalRef("Loi 02/04/1965 art. 9–11; SPP IS, formulaires loi 65 A, B1, B2, C, D1, "
                     "D2, F", _PRIMABOOK_65)
_HEADER = LegalRef("SPP IS, en-tête des formulaires (code statut 1 = correction)", _PRIMABOOK_65)
_B1_DEADLINE = LegalRef("Loi 02/04/1965 art. 9–10 : formulaire B1 dans les 45 jours",
                        _PRIMABOOK_65)
_COST_DEADLINE = LegalRef("Loi 02/04/1965 art. 12 : états de frais dans les 12 mois suivant "
                          "le trimestre, sous peine de forclusion", _PRIMABOOK_65)
_PIIS_CODES = LegalRef(
    "SPP IS, encodage de la subvention du PIIS (formulaires B RIS)",
    "https://primabook.mi-is.be/fr/procedure-de-remboursements/loi-dis/"
    "encodage-de-la-subvention-du-piis-les-formulaires-b-ris")
_PIIS_SUBSIDY = LegalRef("Loi DIS art. 43/2 (loi du 21/07/2016) : subvention spéciale PIIS",
                         "https://primabook.mi-is.be/fr/node/24")
_AMOUNTS = LegalRef("Loi DIS art. 14 §1 : montants du revenu d'intégration (indexés)")

_WITH_DECISION_DATE = (FormType.DIS_C, FormType.LOI65_B1, FormType.LOI65_B2)
_FILE_CHARS = re.compile(r"[A-Za-z0-9]+")
_FILE_SEPARATORS = re.compile(r"[\s./\-_]")
_RECOVERY_CODE = re.compile(r"\d{2}")

T = TypeVar("T")


def _per_month(compute: Callable[[dt.date], T]) -> Callable[[Period], T]:
    """Memoise a per-month parameter lookup for one rule run (linear checks)."""
    cache: dict[Period, T] = {}

    def lookup(period: Period) -> T:
        if period not in cache:
            cache[period] = compute(period.first_day())
        return cache[period]

    return lookup


def _codes(value: str) -> frozenset[int]:
    return frozenset(int(part) for part in value.split(",") if part.strip())


def _code_set(ctx: Context, key: str) -> Callable[[Period], frozenset[int] | None]:
    """Per month: the set of codes of text parameter ``key``, ``None`` when not in force."""
    p = ctx.parameters

    def compute(day: dt.date) -> frozenset[int] | None:
        return _codes(p.text(key, day)) if p.in_force(key, day) else None

    return _per_month(compute)


# --- Legal bases and duplicates ------------------------------------------------------------


@rule("REIMB-LAW-001", document=ReimbursementForm, severity=Severity.ERROR,
      legal=(_FORMS_DIS, _FORMS_65),
      message=Text(
          fr="La base légale « {basis} » ne peut pas figurer sur le {form}.",
          nl="De wettelijke basis ‘{basis}’ hoort niet thuis op het {form}.",
          en="The legal basis '{basis}' cannot appear on {form}."))
def basis_matches_law(doc: ReimbursementForm, ctx: Context) -> Iterator[Hit]:
    """Lines of a loi DIS form carry loi DIS bases, lines of a loi 65 form loi 65 bases.

    Loi DIS art. 32 ff.; loi 02/04/1965; domain.md, "Reimbursement by SPP IS" (forms).
    """
    law = doc.law
    for index, line in enumerate(doc.lines):
        if law not in line.basis.laws:
            yield Hit(f"$.lines[{index}].basis",
                      {"basis": line.basis.label, "form": doc.form_type.label})


def _duplicate_key(line: ReimbursementLine) -> tuple[object, ...]:
    return (line.niss.compact, line.basis, line.period, line.recovery_type, line.expense_date)


@rule("REIMB-DUP-001", document=ReimbursementForm, severity=Severity.ERROR,
      legal=(_FORMS_DIS, _FORMS_65),
      message=Text(
          fr="Ligne en double : même bénéficiaire, même base légale et même mois que la "
             "ligne {first}.",
          nl="Dubbele lijn: zelfde begunstigde, wettelijke basis en maand als lijn {first}.",
          en="Duplicate line: same beneficiary, legal basis and month as line {first}."))
def no_duplicate_lines(doc: ReimbursementForm, ctx: Context) -> Iterator[Hit]:
    """A beneficiary is claimed once per legal basis and month.

    Lines that also differ by recovery type (recoveries) or expense date (several
    bills of one month) are not duplicates. One pass with a dict: linear in the
    number of lines. domain.md, "Reimbursement by SPP IS" (one claim per month).
    """
    seen: dict[tuple[object, ...], int] = {}
    for index, line in enumerate(doc.lines):
        first = seen.setdefault(_duplicate_key(line), index)
        if first != index:
            yield Hit(f"$.lines[{index}]", {"first": first})


# --- Header: file number, dates, corrections ---------------------------------------------------


@rule("REIMB-FILE-001", document=ReimbursementForm, severity=Severity.ERROR,
      legal=LegalRef("SPP IS, loi 65 : numéro de dossier CPAS", _PRIMABOOK_65),
      message=Text(
          fr="Le numéro de dossier CPAS doit compter au plus {max} lettres ou chiffres "
             "(séparateurs et zéros de tête non comptés).",
          nl="Het OCMW-dossiernummer telt hoogstens {max} letters of cijfers (scheidingstekens "
             "en voorloopnullen niet meegeteld).",
          en="The CPAS file number must have at most {max} letters or digits (separators and "
             "leading zeros not counted)."))
def file_number_format(doc: ReimbursementForm, ctx: Context) -> Iterator[Hit]:
    """The loi 65 CPAS file number has at most 11 letters or digits.

    Separators and leading zeros are ignored (parameter
    ``reimbursement.loi65.file_number_max_length``). domain.md, "Reimbursement by
    SPP IS" (header of every form).
    """
    number = doc.header.file_number
    if number is None:
        return
    limit = ctx.parameters.integer("reimbursement.loi65.file_number_max_length", ctx.on)
    compact = _FILE_SEPARATORS.sub("", number)
    if not _FILE_CHARS.fullmatch(compact) or len(file_number_key(number)) > limit:
        yield Hit("$.header.file_number", {"max": limit})


@rule("REIMB-FILE-002", document=ReimbursementForm, severity=Severity.ERROR,
      legal=LegalRef("SPP IS, loi 65 : numéro de dossier CPAS", _PRIMABOOK_65),
      message=Text(
          fr="Un formulaire loi 65 doit porter le numéro de dossier CPAS.",
          nl="Een formulier wet 65 moet het OCMW-dossiernummer vermelden.",
          en="A loi 65 form must carry the CPAS file number."))
def file_number_present(doc: ReimbursementForm, ctx: Context) -> Iterator[Hit]:
    """Every loi 65 form carries the CPAS file number (a correction replaces the form of
    the same date and file). domain.md, "Reimbursement by SPP IS"."""
    if doc.law is Law.LOI65 and doc.header.file_number is None:
        yield Hit("$.header.file_number")


@rule("REIMB-DATE-001", document=ReimbursementForm, severity=Severity.ERROR,
      legal=(_FORMS_DIS, _FORMS_65),
      message=Text(
          fr="La date de la décision du conseil manque sur le {form}.",
          nl="De datum van de raadsbeslissing ontbreekt op het {form}.",
          en="The council decision date is missing on {form}."))
def decision_date_present(doc: ReimbursementForm, ctx: Context) -> Iterator[Hit]:
    """Decision forms carry the council's decision date: loi DIS C (refusal or
    withdrawal, with effective and council dates), loi 65 B1 and B2.
    domain.md, "Reimbursement by SPP IS" (forms)."""
    if doc.form_type in _WITH_DECISION_DATE and doc.header.decision_date is None:
        yield Hit("$.header.decision_date", {"form": doc.form_type.label})


@rule("REIMB-B1-001", document=ReimbursementForm, severity=Severity.ERROR,
      legal=_B1_DEADLINE,
      message=Text(
          fr="Le formulaire B1 est envoyé le {sent}, plus de {days} jours après la décision "
             "du {decision}.",
          nl="Formulier B1 is verzonden op {sent}, meer dan {days} dagen na de beslissing "
             "van {decision}.",
          en="Form B1 was sent on {sent}, more than {days} days after the decision of "
             "{decision}."))
def b1_within_deadline(doc: ReimbursementForm, ctx: Context) -> Iterator[Hit]:
    """A loi 65 form B1 is sent within 45 days of the decision granting aid.

    Parameter ``reimbursement.loi65.b1_deadline_days``; loi 02/04/1965 art. 9–10;
    domain.md, "Reimbursement by SPP IS" (forms, loi 65).
    """
    decision = doc.header.decision_date
    if doc.form_type is not FormType.LOI65_B1 or decision is None:
        return
    days = ctx.parameters.integer("reimbursement.loi65.b1_deadline_days", decision)
    if doc.submission_date > add_days(decision, days):
        yield Hit("$.submission_date",
                  {"sent": doc.submission_date, "days": days, "decision": decision})


# --- Loi 65 cost claims ------------------------------------------------------------------------


@rule("REIMB-D1-001", document=ReimbursementForm, severity=Severity.ERROR, legal=_FORMS_65,
      message=Text(
          fr="Une ligne D1 porte sur un seul mois civil : la dépense du {expense} n'est pas "
             "du mois {period}.",
          nl="Een D1-lijn betreft één kalendermaand: de uitgave van {expense} valt niet in "
             "{period}.",
          en="A D1 line covers one calendar month: the expense of {expense} is not in "
             "{period}."))
def d1_one_month(doc: ReimbursementForm, ctx: Context) -> Iterator[Hit]:
    """Each D1 line claims one calendar month.

    The line's period is a month by construction; its expense date, when given,
    must fall in that month. domain.md, "Reimbursement by SPP IS" (D1).
    """
    if doc.form_type is not FormType.LOI65_D1:
        return
    for index, line in enumerate(doc.lines):
        day = line.expense_date
        if day is not None and (day.year, day.month) != (line.period.year, line.period.month):
            yield Hit(f"$.lines[{index}].expense_date",
                      {"expense": day, "period": str(line.period)})


@rule("REIMB-D1-002", document=ReimbursementForm, severity=Severity.ERROR, legal=_FORMS_65,
      message=Text(
          fr="Une ligne D1 doit renvoyer à la décision B1 acceptée sur laquelle elle repose.",
          nl="Een D1-lijn moet verwijzen naar de aanvaarde B1-beslissing waarop ze steunt.",
          en="A D1 line must refer to the accepted B1 decision it rests on."))
def d1_on_b1(doc: ReimbursementForm, ctx: Context) -> Iterator[Hit]:
    """A D1 cost claim rests on an accepted B1: each line refers to the B1 decision
    (``source_id``). domain.md, "Reimbursement by SPP IS" (D1 only on an accepted B1)."""
    if doc.form_type is not FormType.LOI65_D1:
        return
    for index, line in enumerate(doc.lines):
        if line.source_id is None:
            yield Hit(f"$.lines[{index}].source_id")


@rule("REIMB-COST-001", document=ReimbursementForm, severity=Severity.ERROR,
      legal=_COST_DEADLINE,
      message=Text(
          fr="État de frais forclos : la dépense de {period} devait être introduite au plus "
             "tard le {deadline}.",
          nl="Kostenstaat vervallen: de uitgave van {period} moest uiterlijk op {deadline} "
             "ingediend worden.",
          en="Cost statement time-barred: the expense of {period} had to be claimed by "
             "{deadline}."))
def cost_statement_in_time(doc: ReimbursementForm, ctx: Context) -> Iterator[Hit]:
    """Loi 65 cost statements (D1, D2) reach SPP IS within 12 months after the end of the
    quarter of the expense, on pain of forfeiture.

    The expense is the line's expense date, or its month when no date is given;
    compared with the submission date. Parameter
    ``reimbursement.cost_statement_deadline_months``; loi 02/04/1965 art. 12;
    domain.md, "Reimbursement by SPP IS".
    """
    if not doc.form_type.is_cost_statement:
        return
    p = ctx.parameters

    def deadline(day: dt.date) -> dt.date:
        months = p.integer("reimbursement.cost_statement_deadline_months", day)
        return add_months(Period.of(day).quarter_end(), months)

    by_month = _per_month(deadline)
    sent = doc.submission_date
    for index, line in enumerate(doc.lines):
        month = line.period if line.expense_date is None else Period.of(line.expense_date)
        last = by_month(month)
        if sent > last:
            where = "period" if line.expense_date is None else "expense_date"
            yield Hit(f"$.lines[{index}].{where}", {"period": str(month), "deadline": last})


# --- Loi DIS form B: PIIS codes, amounts -------------------------------------------------------


@rule("REIMB-PIIS-001", document=ReimbursementForm, severity=Severity.ERROR, legal=_PIIS_CODES,
      message=Text(
          fr="Le code PIIS {code} n'est pas valable pour le mois {period}.",
          nl="De GPMI-code {code} is niet geldig voor de maand {period}.",
          en="PIIS code {code} is not valid for {period}."))
def piis_code_valid(doc: ReimbursementForm, ctx: Context) -> Iterator[Hit]:
    """The PIIS code of a loi DIS line is one in force in the line's month.

    Codes 1–7 until 31 Oct 2016; 8, 9, 10, 11 from 1 Nov 2016; 12, 15, 16
    (community service) abolished 1 Oct 2018 (parameter
    ``reimbursement.dis.piis_codes``). Months with no code table are not checked.
    domain.md, "PIIS" (codes on the revenu d'intégration form B).
    """
    if doc.law is not Law.DIS:
        return
    valid = _code_set(ctx, "reimbursement.dis.piis_codes")
    for index, line in enumerate(doc.lines):
        if line.piis_code is None:
            continue
        codes = valid(line.period)
        if codes is not None and line.piis_code not in codes:
            yield Hit(f"$.lines[{index}].piis_code",
                      {"code": line.piis_code, "period": str(line.period)})


@rule("REIMB-PIIS-002", document=ReimbursementForm, severity=Severity.ERROR,
      legal=_PIIS_SUBSIDY,
      message=Text(
          fr="Subvention PIIS demandée deux fois pour le mois {period} : par le code PIIS de "
             "la ligne {income} et par cette ligne.",
          nl="GPMI-toelage tweemaal aangevraagd voor {period}: via de GPMI-code van lijn "
             "{income} en via deze lijn.",
          en="PIIS subsidy claimed twice for {period}: through the PIIS code of line {income} "
             "and through this line."))
def piis_subsidy_once(doc: ReimbursementForm, ctx: Context) -> Iterator[Hit]:
    """The PIIS special subsidy is claimed once per beneficiary and month.

    A revenu d'intégration line whose PIIS code carries the subsidy already earns
    it (see :func:`~cpas.sdk.documents.reimbursement.state_share`); a separate PIIS
    subsidy line for the same person and month claims it again. Loi DIS art. 43/2;
    domain.md, "Reimbursement by SPP IS" (PIIS special subsidy).
    """
    if doc.law is not Law.DIS:
        return
    subsidised = _code_set(ctx, "reimbursement.dis.piis_codes_with_subsidy")
    income: dict[tuple[str, Period], int] = {}
    for index, line in enumerate(doc.lines):
        if line.basis is LegalBasis.INTEGRATION_INCOME and line.piis_code is not None:
            codes = subsidised(line.period)
            if codes is not None and line.piis_code in codes:
                income.setdefault((line.niss.compact, line.period), index)
    if not income:
        return
    for index, line in enumerate(doc.lines):
        if line.basis is LegalBasis.PIIS_SUBSIDY:
            first = income.get((line.niss.compact, line.period))
            if first is not None:
                yield Hit(f"$.lines[{index}]", {"period": str(line.period), "income": first})


@rule("REIMB-RI-001", document=ReimbursementForm, severity=Severity.WARNING, legal=_AMOUNTS,
      message=Text(
          fr="Le revenu d'intégration de {amount} dépasse le montant mensuel de la catégorie "
             "« {category} » en {period} ({maximum}).",
          nl="Het leefloon van {amount} is hoger dan het maandbedrag van de categorie "
             "‘{category}’ in {period} ({maximum}).",
          en="The integration income of {amount} exceeds the monthly amount of category "
             "'{category}' in {period} ({maximum})."))
def income_within_category_amount(doc: ReimbursementForm, ctx: Context) -> Iterator[Hit]:
    """A monthly revenu d'intégration line does not exceed the amount of the category.

    The category is the line's, else the header's; amounts from the dated table
    ``ris.amount.*`` at the line's month (months before the table are not
    checked). Recovery forms are not checked. Loi DIS art. 14 §1; domain.md,
    "Revenu d'intégration: categories and amounts".
    """
    if doc.form_type is not FormType.DIS_B:
        return
    p = ctx.parameters
    cache: dict[tuple[str, Period], Money | None] = {}
    for index, line in enumerate(doc.lines):
        if line.basis is not LegalBasis.INTEGRATION_INCOME:
            continue
        category = doc.category_of(line)
        key = None if category is None else category.amount_key
        if category is None or key is None:
            continue
        slot = (key, line.period)
        if slot not in cache:
            day = line.period.first_day()
            cache[slot] = p.money(key, day) if p.in_force(key, day) else None
        maximum = cache[slot]
        if maximum is not None and line.amount > maximum:
            yield Hit(f"$.lines[{index}].amount",
                      {"amount": line.amount, "category": category.label,
                       "period": str(line.period), "maximum": maximum})


@rule("REIMB-RECOV-001", document=ReimbursementForm, severity=Severity.ERROR,
      legal=_FORMS_DIS,
      message=Text(
          fr="Une ligne de récupération (formulaire D) doit porter un code de type de "
             "récupération à deux chiffres (01, 04, 05, 06, 08…).",
          nl="Een terugvorderingslijn (formulier D) vermeldt een code van het type "
             "terugvordering met twee cijfers (01, 04, 05, 06, 08…).",
          en="A recovery line (form D) needs a two-digit recovery type code "
             "(01, 04, 05, 06, 08…)."))
def recovery_type_present(doc: ReimbursementForm, ctx: Context) -> Iterator[Hit]:
    """Every line of a loi DIS recovery form D carries a two-digit recovery type code.

    domain.md, "Reimbursement by SPP IS" (form D: recovery type code 01, 04, 05,
    06, 08…).
    """
    if doc.form_type is not FormType.DIS_D:
        return
    for index, line in enumerate(doc.lines):
        code = line.recovery_type
        if code is None or not _RECOVERY_CODE.fullmatch(code):
            yield Hit(f"$.lines[{index}].recovery_type")


# --- Corrections against the forms sent before ---------------------------------------------------


_CorrectionKey = tuple[FormType, str, str | None, dt.date, str]


def _correction_keys(form: ReimbursementForm) -> Iterator[_CorrectionKey]:
    header = form.header
    base = (form.form_type, header.cpas.kbo.compact, header.file_key, header.effective_date)
    for line in form.lines:
        yield (*base, line.niss.compact)


def _keys(forms: Iterable[ReimbursementForm]) -> frozenset[_CorrectionKey]:
    return frozenset(key for form in forms for key in _correction_keys(form))


def _key_set(values: Iterable[_CorrectionKey]) -> frozenset[_CorrectionKey]:
    return frozenset(values)


@attrs.frozen
class CorrectionCheck:
    """A form together with the keys of the forms already sent (see :func:`check_corrections`).

    A key is (form type, CPAS KBO, file number key, effective date, beneficiary NISS):
    what NOVA PRIMA uses to find the form a correction replaces.
    """

    form: ReimbursementForm
    sent: frozenset[_CorrectionKey] = attrs.field(converter=_key_set)

    def rules_date(self) -> dt.date:
        return self.form.rules_date()


def check_corrections(
    form: ReimbursementForm,
    sent: Iterable[ReimbursementForm],
    *,
    parameters: Parameters | None = None,
    policy: LocalPolicy | None = None,
) -> Report:
    """Check ``form``'s correction status against the forms ``sent`` before.

    Status code 1 (correction) replaces the form of the same type, date, CPAS and
    file for the same beneficiary: a correction needs such an original, and a
    form that has one must be sent as a correction. Linear: one set of keys.
    domain.md, "Reimbursement by SPP IS" (header: status code 1).
    """
    return check(CorrectionCheck(form, _keys(sent)), parameters=parameters, policy=policy)


@rule("REIMB-CORR-001", document=CorrectionCheck, severity=Severity.ERROR, legal=_HEADER,
      message=Text(
          fr="Correction sans formulaire d'origine : aucun formulaire de même type et de même "
             "date n'a été envoyé pour ce bénéficiaire.",
          nl="Correctie zonder oorspronkelijk formulier: er werd geen formulier van hetzelfde "
             "type en dezelfde datum verzonden voor deze begunstigde.",
          en="Correction without an original: no form of the same type and date was sent for "
             "this beneficiary."))
def correction_has_original(doc: CorrectionCheck, ctx: Context) -> Iterator[Hit]:
    """A correction (status code 1) replaces a form of the same date already sent.

    domain.md, "Reimbursement by SPP IS" (header: status code 1 = correction
    replacing the form of the same date; D1: same date and file).
    """
    if not doc.form.header.is_correction:
        return
    for index, key in enumerate(_correction_keys(doc.form)):
        if key not in doc.sent:
            yield Hit(f"$.lines[{index}]")


@rule("REIMB-CORR-002", document=CorrectionCheck, severity=Severity.ERROR, legal=_HEADER,
      message=Text(
          fr="Un formulaire de même type et de même date a déjà été envoyé pour ce bénéficiaire "
             ": envoyez celui-ci comme correction (code statut 1).",
          nl="Er werd al een formulier van hetzelfde type en dezelfde datum verzonden voor deze "
             "begunstigde: verzend dit als correctie (statuscode 1).",
          en="A form of the same type and date was already sent for this beneficiary: send this "
             "one as a correction (status code 1)."))
def resent_form_is_correction(doc: CorrectionCheck, ctx: Context) -> Iterator[Hit]:
    """A form whose type, date, CPAS, file and beneficiary match one already sent is a
    correction (status code 1). domain.md, "Reimbursement by SPP IS" (header)."""
    if doc.form.header.is_correction:
        return
    for index, key in enumerate(_correction_keys(doc.form)):
        if key in doc.sent:
            yield Hit(f"$.lines[{index}]")
