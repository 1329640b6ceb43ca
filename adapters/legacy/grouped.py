"""PIIS, bilans sociaux and subsidy conventions from flat tables: rows grouped by document.

Each of these documents holds a list (objectives, life-domain assessments, expense
lines), so a flat table gives **one row per list item**, and a document-id column
(``piis``, ``bilan``, ``convention``) groups consecutive or scattered rows into one
document. The document's own cells (person, CPAS, dates…) sit on the first row of
the group; later rows leave them empty or repeat them (a different value rejects
the row). A blank id makes the row a document of its own (``row-<n>``). When one
row of a document is rejected, all its rows are: a document is never written with
part of its list missing.

``piis`` (loi DIS art. 11; AR DIS art. 10–21; domain.md, "PIIS"): one row per
objective: ``objective``, ``objective_id``, ``domains`` (ids or labels of the
life domains, separated by ``|``, ``;``, ``/`` or ``,``), ``objective_deadline``,
``action_item_id`` and up to three commitments for it (``beneficiary_commitment``,
``cpas_commitment``, ``third_party_commitment`` with ``third_party_name``), each
due by the objective's deadline. The PIIS's domains are those of its objectives.
Document cells: the person, ``beneficiary_status``, ``piis_type``,
``activation_purpose``, ``decision_date``, ``notification_date``,
``signing_date`` (a PIIS with one is recorded as signed, else as a draft),
``start`` and ``end`` (the duration), ``is_new_beneficiary``,
``is_full_time_student``, ``form_b_code``, ``bilan_id``, ``social_worker``.

``bilan`` (AR DIS art. 11 §1; domain.md, "Bilan social"): one row per life-domain
assessment: ``domain``, ``moment`` (start, intermediate, end; default start),
``assessed_on`` (default: the bilan's date), ``situation``, ``needs``,
``resources``, ``obstacles`` (several items separated by ``|`` or line breaks),
``score`` (1 to 5) and ``comment``. Document cells: the person, ``social_worker``,
``request``, ``drawn_up_on``, ``prepares_piis``. The action plan is not read from
a flat table.

``convention`` (subsidy convention "participation et activation sociale";
domain.md, "Subsidy conventions"): one row per justified expense: ``category``
(operating, staff, investment), ``description``, ``amount``, ``expense_id``,
``section`` (A, B, C or its name), ``staff_time_percent``,
``target_group_participants``, ``participants``, ``funded_elsewhere`` and
``note``. Document cells: ``year``, ``convention_kind``, ``granted_amount``,
``section_a_amount``… ``section_c_amount``, the indicators ``beneficiaries``,
``social_integration_entitled``, ``in_trajectory``. One CPAS per convention
(the lead CPAS of a cluster); objectives and signatures are not read from a
flat table.

The CPAS (``cpas_name``, ``cpas_kbo``, ``cpas_nis_code``, ``cpas_municipality``)
may be columns or settings (``--set``, profile, XLSX header sheet), like the
social worker of a PIIS or bilan and the year and kind of a convention.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import attrs

from ...sdk.documents import bilan as bilan_doc
from ...sdk.documents import piis as piis_doc
from ...sdk.documents import subsidy as subsidy_doc
from ...sdk.lifedomains import DEFAULT_LIFE_DOMAINS
from ...sdk.money import Money
from ...sdk.parties import Cpas, Person, SocialWorker
from ...sdk.periods import DateRange
from ...sdk.text import Text
from .columns import ColumnMap
from .numbers import (
    CellError,
    CellValue,
    is_blank,
    normalise,
    parse_amount,
    parse_bool,
    parse_date,
    parse_decimal,
    parse_enum,
    parse_int,
    parse_kbo,
    parse_niss,
    parse_text,
)
from .reading import Row
from .rows import (
    Problem,
    Rejected,
    _build,
    _Cells,
    _enum,
    _lang,
    _nis,
    _text,
    group_rows,
    settle_groups,
)

__all__ = ["GROUP_KINDS", "GroupKind", "convert_groups"]


# --- value parsers -----------------------------------------------------------------------------

_DOMAIN_NAMES: dict[str, str] = {}
for _life in DEFAULT_LIFE_DOMAINS:
    _DOMAIN_NAMES[normalise(_life.id)] = _life.id
    for _lang_code in _life.label.languages():
        _DOMAIN_NAMES[normalise(_life.label.get(_lang_code))] = _life.id


def _domain(value: str) -> str:
    """A life domain id from its id or label (FR, NL, EN); another name is kept as written
    (a CPAS may have its own domains: the rules check them against its policy)."""
    return _DOMAIN_NAMES.get(normalise(value), value.strip())


def _domains(value: CellValue) -> tuple[str, ...]:
    out: list[str] = []
    for part in re.split(r"[;|/\n+]", parse_text(value)):
        if not part.strip():
            continue
        if normalise(part) in _DOMAIN_NAMES:
            found = [_domain(part)]
        else:  # labels hold commas: split on them only when the whole part is unknown
            found = [_domain(p) for p in part.split(",") if p.strip()]
        out.extend(d for d in found if d not in out)
    return tuple(out)


def _items(value: CellValue) -> tuple[str, ...]:
    """Several free texts in one cell, separated by ``|`` or line breaks."""
    return tuple(p.strip() for p in re.split(r"[|\n]", parse_text(value)) if p.strip())


def _score(value: CellValue) -> int:
    number = parse_int(value)
    if not bilan_doc.SCORE_MIN <= number <= bilan_doc.SCORE_MAX:
        raise CellError(Text(
            fr=f"score de {bilan_doc.SCORE_MIN} à {bilan_doc.SCORE_MAX}",
            nl=f"score van {bilan_doc.SCORE_MIN} tot {bilan_doc.SCORE_MAX}",
            en=f"score from {bilan_doc.SCORE_MIN} to {bilan_doc.SCORE_MAX}"))
    return number


def _count(value: CellValue) -> int:
    number = parse_int(value)
    if number < 0:
        raise CellError(Text(fr="nombre négatif", nl="negatief getal", en="negative number"))
    return number


def _year(value: CellValue) -> int:
    number = parse_int(value)
    if not 1900 <= number <= 2999:
        raise CellError(Text(fr="année de 1900 à 2999", nl="jaar van 1900 tot 2999",
                             en="year from 1900 to 2999"))
    return number


def _percent(value: CellValue) -> Decimal:
    text = parse_text(value).replace("%", "") if isinstance(value, str) else value
    number = parse_decimal(text)
    if not 0 <= number <= 100:
        raise CellError(Text(fr="pourcentage de 0 à 100", nl="percentage van 0 tot 100",
                             en="percentage from 0 to 100"))
    return number


_SECTION_LETTERS = {s.letter.lower(): s for s in subsidy_doc.Section}


def _section(value: CellValue) -> subsidy_doc.Section:
    key = normalise(parse_text(value))
    for prefix in ("section ", "afdeling "):
        key = key.removeprefix(prefix)
    return _SECTION_LETTERS.get(key) or parse_enum(subsidy_doc.Section, value)


SETTING_PARSERS: dict[str, Callable[[CellValue], object]] = {
    "social_worker": _text,
    "social_worker_id": _text,
    "year": _year,
    "convention_kind": _enum(subsidy_doc.ConventionKind),
}
"""Parsers of the settings these kinds add to the CPAS ones."""


# --- shared parts ------------------------------------------------------------------------------


def _person(cells: _Cells) -> Callable[[], Person] | None:
    niss = cells.need("niss", parse_niss)
    last_name = cells.need("last_name", _text)
    first_name = cells.need("first_name", _text)
    birth = cells.get("birth_date", parse_date)
    language = cells.get("language", _lang)
    if cells.problems:
        return None
    return lambda: Person(niss=niss, last_name=last_name, first_name=first_name,
                          birth_date=birth, language=language)


def _cpas(cells: _Cells) -> Callable[[], Cpas]:
    name = cells.need("cpas_name", _text, fallback=True)
    kbo = cells.need("cpas_kbo", parse_kbo, fallback=True)
    nis = cells.need("cpas_nis_code", _nis, fallback=True)
    municipality = cells.get("cpas_municipality", _text, fallback=True)
    return lambda: Cpas(name=name, kbo=kbo, nis_code=nis, municipality=municipality)


def _worker(cells: _Cells) -> Callable[[], SocialWorker | None]:
    name = cells.get("social_worker", _text, fallback=True)
    staff = cells.get("social_worker_id", _text, fallback=True)
    return lambda: None if name is None else SocialWorker(name=name, staff_id=staff)


def _required_worker(cells: _Cells) -> Callable[[], SocialWorker]:
    name = cells.need("social_worker", _text, fallback=True)
    staff = cells.get("social_worker_id", _text, fallback=True)
    return lambda: SocialWorker(name=name, staff_id=staff)


def _all_blank(cells: _Cells, fields: Iterable[str]) -> bool:
    return all(is_blank(cells.raw(f)) for f in fields)


# --- PIIS ----------------------------------------------------------------------------------------

_OBJECTIVE_FIELDS = ("objective", "objective_id", "domains", "objective_deadline",
                     "action_item_id", "beneficiary_commitment", "cpas_commitment",
                     "third_party_commitment", "third_party_name")
_COMMITMENTS = (("beneficiary_commitment", piis_doc.CommitmentParty.BENEFICIARY),
                ("cpas_commitment", piis_doc.CommitmentParty.CPAS),
                ("third_party_commitment", piis_doc.CommitmentParty.THIRD_PARTY))


def _objective(cells: _Cells) -> piis_doc.Objective | None:
    if _all_blank(cells, _OBJECTIVE_FIELDS):
        return None
    description = cells.need("objective", _text)
    objective_id = cells.get("objective_id", _text) or f"objective-{cells.row.number}"
    domains = cells.get("domains", _domains) or ()
    deadline = cells.get("objective_deadline", parse_date)
    action = cells.get("action_item_id", _text)
    third_name = cells.get("third_party_name", _text)
    commitments: list[piis_doc.Commitment] = []
    for field, party in _COMMITMENTS:
        what = cells.get(field, _text)
        if what is not None:
            named = third_name if party is piis_doc.CommitmentParty.THIRD_PARTY else None
            commitments.append(piis_doc.Commitment(party=party, third_party_name=named,
                                                   description=what, deadline=deadline))
    return _build(cells, lambda: piis_doc.Objective(
        id=objective_id, description=description, domains=domains, commitments=commitments,
        deadline=deadline, action_item_id=action))


def _piis(group: list[_Cells], key: str) -> piis_doc.Piis | None:
    first = group[0]
    person = _person(first)
    cpas = _cpas(first)
    worker = _worker(first)
    status = first.need("beneficiary_status", _enum(piis_doc.BeneficiaryStatus))
    piis_type = first.need("piis_type", _enum(piis_doc.PiisType))
    purpose = first.get("activation_purpose", _enum(piis_doc.ActivationPurpose))
    decided = first.need("decision_date", parse_date)
    notified = first.get("notification_date", parse_date)
    signed = first.get("signing_date", parse_date)
    start = first.need("start", parse_date)
    end = first.get("end", parse_date)
    new = first.get("is_new_beneficiary", parse_bool) or False
    student = first.get("is_full_time_student", parse_bool) or False
    code = first.get("form_b_code", _count)
    bilan_id = first.get("bilan_id", _text)
    objectives = [_objective(cells) for cells in group]
    if any(c.problems for c in group) or person is None:
        return None
    kept = [o for o in objectives if o is not None]
    domains: list[str] = []
    for objective in kept:
        domains.extend(d for d in objective.domains if d not in domains)
    return _build(first, lambda: piis_doc.Piis(
        id=key, cpas=cpas(), beneficiary=person(), beneficiary_status=status,
        is_new_beneficiary=new, is_full_time_student=student, social_worker=worker(),
        piis_type=piis_type, activation_purpose=purpose, domains=domains, objectives=kept,
        decision_date=decided, notification_date=notified, signing_date=signed,
        duration=DateRange(start, end), form_b_code=code, bilan_id=bilan_id,
        status=piis_doc.PiisStatus.SIGNED if signed else piis_doc.PiisStatus.DRAFT))


# --- bilan social --------------------------------------------------------------------------------


def _assessment(cells: _Cells, drawn_up_on: dt.date | None) -> bilan_doc.DomainAssessment | None:
    domain = cells.need("domain", lambda v: _domain(parse_text(v)))
    moment = (cells.get("moment", _enum(bilan_doc.AssessmentMoment))
              or bilan_doc.AssessmentMoment.START)
    assessed = cells.get("assessed_on", parse_date) or drawn_up_on
    situation = cells.need("situation", _text)
    needs = cells.get("needs", _items) or ()
    resources = cells.get("resources", _items) or ()
    obstacles = cells.get("obstacles", _items) or ()
    score = cells.get("score", _score)
    comment = cells.get("comment", _text)
    if assessed is None:  # no date of its own and none for the bilan: already reported
        return None
    day: dt.date = assessed
    return _build(cells, lambda: bilan_doc.DomainAssessment(
        domain=domain, moment=moment, assessed_on=day, situation=situation, needs=needs,
        resources=resources, obstacles=obstacles, score=score, comment=comment))


def _bilan(group: list[_Cells], key: str) -> bilan_doc.BilanSocial | None:
    first = group[0]
    person = _person(first)
    cpas = _cpas(first)
    worker = _required_worker(first)
    request = first.need("request", _text)
    drawn = first.need("drawn_up_on", parse_date)
    prepares = first.get("prepares_piis", parse_bool)
    assessments = [_assessment(cells, drawn) for cells in group]
    if any(c.problems for c in group) or person is None:
        return None
    return _build(first, lambda: bilan_doc.BilanSocial(
        id=key, cpas=cpas(), person=person(), social_worker=worker(), request=request,
        drawn_up_on=drawn, assessments=[a for a in assessments if a is not None],
        prepares_piis=True if prepares is None else prepares))


# --- subsidy convention --------------------------------------------------------------------------


def _expense(cells: _Cells) -> subsidy_doc.Expense | None:
    expense_id = cells.get("expense_id", _text) or f"expense-{cells.row.number}"
    category = cells.need("category", _enum(subsidy_doc.ExpenseCategory))
    description = cells.need("description", _text)
    amount = cells.need("amount", parse_amount)
    section = cells.get("section", _section)
    percent = cells.get("staff_time_percent", _percent)
    target = cells.get("target_group_participants", _count)
    everyone = cells.get("participants", _count)
    elsewhere = cells.get("funded_elsewhere", parse_bool) or False
    note = cells.get("note", _text)
    return _build(cells, lambda: subsidy_doc.Expense(
        id=expense_id, category=category, description=description, amount=Money(amount),
        section=section, staff_time_percent=percent, target_group_participants=target,
        participants=everyone, funded_elsewhere=elsewhere, note=note))


_SECTION_AMOUNTS = (("section_a_amount", subsidy_doc.Section.SOCIAL_PARTICIPATION),
                    ("section_b_amount", subsidy_doc.Section.COLLECTIVE_MODULES),
                    ("section_c_amount", subsidy_doc.Section.CHILD_POVERTY))
_INDICATORS = ("beneficiaries", "social_integration_entitled", "in_trajectory")


def _subsidy(group: list[_Cells], key: str) -> subsidy_doc.SubsidyConvention | None:
    first = group[0]
    cpas = _cpas(first)
    year = first.need("year", _year, fallback=True)
    kind = (first.get("convention_kind", _enum(subsidy_doc.ConventionKind), fallback=True)
            or subsidy_doc.ConventionKind.LARGE_CITY)
    granted = first.need("granted_amount", parse_amount)
    sections = []
    for field, section in _SECTION_AMOUNTS:
        amount = first.get(field, parse_amount)
        if amount is not None:
            sections.append(subsidy_doc.SectionAmount(section=section, amount=Money(amount)))
    counts = {field: first.get(field, _count) for field in _INDICATORS}
    expenses = [_expense(cells) for cells in group]
    if any(c.problems for c in group):
        return None
    indicators = (subsidy_doc.Indicators(**counts)
                  if any(v is not None for v in counts.values()) else None)
    return _build(first, lambda: subsidy_doc.SubsidyConvention(
        id=key, year=year, kind=kind, members=(cpas(),), amount=Money(granted),
        sections=sections, expenses=[e for e in expenses if e is not None],
        indicators=indicators))


# --- grouping ------------------------------------------------------------------------------------

_PERSON_FIELDS = ("niss", "last_name", "first_name", "birth_date", "language")
_CPAS_FIELDS = ("cpas_name", "cpas_kbo", "cpas_nis_code", "cpas_municipality")


@attrs.frozen
class GroupKind:
    """A document kind read as groups of rows."""

    key: str
    """The column whose value groups rows into one document."""
    noun: Text
    """What a document is called in messages."""
    document_fields: tuple[str, ...]
    """Cells of the document itself: on the first row of a group, repeated or empty later."""
    required: tuple[str, ...]
    """Columns the header must have."""
    settable: tuple[str, ...]
    """Required fields that may instead come from a setting."""
    build: Callable[[list[_Cells], str], Any]


GROUP_KINDS: dict[str, GroupKind] = {
    "piis": GroupKind(
        "piis", Text(fr="le PIIS", nl="het GPMI", en="PIIS"),
        (*_PERSON_FIELDS, *_CPAS_FIELDS, "social_worker", "social_worker_id",
         "beneficiary_status", "piis_type", "activation_purpose", "decision_date",
         "notification_date", "signing_date", "start", "end", "is_new_beneficiary",
         "is_full_time_student", "form_b_code", "bilan_id"),
        ("niss", "last_name", "first_name", "beneficiary_status", "piis_type",
         "decision_date", "start"),
        ("cpas_name", "cpas_kbo", "cpas_nis_code"), _piis),
    "bilan": GroupKind(
        "bilan", Text(fr="le bilan social", nl="de sociale balans", en="bilan social"),
        (*_PERSON_FIELDS, *_CPAS_FIELDS, "social_worker", "social_worker_id", "request",
         "drawn_up_on", "prepares_piis"),
        ("niss", "last_name", "first_name", "request", "drawn_up_on", "domain", "situation"),
        ("cpas_name", "cpas_kbo", "cpas_nis_code", "social_worker"), _bilan),
    "convention": GroupKind(
        "convention", Text(fr="la convention", nl="de overeenkomst", en="convention"),
        (*_CPAS_FIELDS, "year", "convention_kind", "granted_amount", "section_a_amount",
         "section_b_amount", "section_c_amount", *_INDICATORS),
        ("granted_amount", "category", "description", "amount"),
        ("cpas_name", "cpas_kbo", "cpas_nis_code", "year"), _subsidy),
}
"""The kinds read by :func:`convert_groups`."""


def _disagreements(group: list[_Cells], fields: Iterable[str]) -> None:
    first = group[0]
    for cells in group[1:]:
        for field in fields:
            raw = cells.raw(field)
            if not is_blank(raw) and parse_text(raw) != parse_text(first.raw(field)):
                cells.problem(field, raw, Text(
                    fr=f"diffère de la ligne {first.row.number} du même document",
                    nl=f"verschilt van rij {first.row.number} van hetzelfde document",
                    en=f"differs from row {first.row.number} of the same document"))



def convert_groups(kind: GroupKind, rows: Iterable[Row], columns: ColumnMap,
                   settings: Mapping[str, CellValue],
                   check_row: Callable[[Row], Problem | None],
                   ) -> tuple[list[Any], list[bytes], list[Rejected], int]:
    """Documents (in order of their first row), their XML, the rejected rows, rows read."""
    groups, read = group_rows(rows, columns, settings, check_row, kind.key)
    def build(group: Sequence[_Cells], key: str) -> Any:
        _disagreements(list(group), kind.document_fields)
        return None if any(c.problems for c in group) else kind.build(list(group), key)

    documents, xml, rejected = settle_groups(groups, build, kind.noun)
    return documents, xml, rejected, read
