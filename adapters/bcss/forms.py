"""Write and read the BCSS/KSZ loi 65 decision forms AB, C and DF (and the SSDN envelope).

* :func:`export_df`: a loi 65 D1 :class:`~cpas.sdk.documents.reimbursement.ReimbursementForm`
  or a :class:`~cpas.sdk.documents.partnership.PartnershipConvention` (its intervention, the
  "mesure 500 €") → ``L65_DF_DecisionRequest`` with one ``RefundformD1`` per beneficiary and
  month; a loi 65 F form → one ``RecoveringFormF`` per line; :func:`read_df` reads
  either back into a D1 or F form.
* :func:`export_ab`: a PIIS or a reimbursement form → ``L65_AB_DecisionRequest``
  (``IdentificationA`` + ``CommonDecisionB1``); :func:`read_ab` reads it back.
* :func:`export_c`: a loi 65 reimbursement form → ``L65_C_DecisionRequest`` (one
  ``CancellationFormC`` per beneficiary); :func:`read_c` reads it back.

Values the forms require but the SDK does not hold (attestation ids, status and
nationality codes, cancellation codes, the double-maximum flag…) are explicit keyword
arguments: nothing is made up. The mapping is the tables of
:mod:`cpas.adapters.bcss.mapping`. With ``schemas`` (see
:func:`~cpas.adapters.bcss.schemas.load_official_schemas`) the output is validated by lxml
and xmlschema before it is returned. A request holds one D1: a form with several
beneficiaries or months needs the envelope (one ``ServiceRequest`` each).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import attrs
from lxml import etree

from ...sdk.documents.partnership import BeneficiaryStatus, PartnershipConvention, intervention
from ...sdk.documents.piis import Piis
from ...sdk.documents.reimbursement import (
    FormHeader,
    FormType,
    LegalBasis,
    ReimbursementForm,
    ReimbursementLine,
    file_number_key,
)
from ...sdk.errors import InvalidValue
from ...sdk.identifiers import Kbo, Niss
from ...sdk.money import Money
from ...sdk.parameters import Parameters
from ...sdk.parties import Address, Cpas, Person
from ...sdk.periods import Period
from ..xml.parser import parse_bytes
from .codes import settings
from .mapping import D1_AMOUNTS
from .schemas import NS_COMMON, NS_L65, NS_L65_COMMON, NS_SERVICE, OfficialSchemas

__all__ = [
    "AbDecision",
    "BcssMappingError",
    "CancellationRecord",
    "Envelope",
    "export_ab",
    "export_c",
    "export_df",
    "read_ab",
    "read_c",
    "read_df",
]

_NSMAP: dict[str | None, str] = {None: NS_L65, "c65": NS_L65_COMMON, "common": NS_COMMON}
_B1_AIDS: dict[LegalBasis, str] = {
    LegalBasis.EQUIVALENT_SOCIAL_AID: "FinancialAid",
    LegalBasis.MEDICAL_COSTS: "MedicalAndPharmaceuticalCosts",
    LegalBasis.PHARMACEUTICAL_COSTS: "MedicalAndPharmaceuticalCosts",
    LegalBasis.HEALTH_INSURANCE_CONTRIBUTION: "MutBaseContribution",
    LegalBasis.REPATRIATION_COSTS: "RepatriationCosts",
    LegalBasis.PLACEMENT_COSTS: "PlacementCosts",
    LegalBasis.HOUSING_COSTS: "HousingCosts",
    LegalBasis.BIRTH_ALLOWANCE: "BirthAllowance",
    LegalBasis.GUARANTEED_CHILD_ALLOWANCE: "GuaranteedChildAllowances",
    LegalBasis.OTHER_AID: "OtherRequestedAids",
}
_B1_ORDER = ("FinancialAid", "MedicalAndPharmaceuticalCosts", "MutBaseContribution",
             "MutComplementaryContribution", "MutRegularization", "RepatriationCosts",
             "PlacementCosts", "HousingCosts", "BirthAllowance", "GuaranteedChildAllowances",
             "OtherRequestedAids")
_FIRST_DAY = dt.date(2002, 1, 1)


class BcssMappingError(InvalidValue):
    """The document cannot be written on (or read from) the BCSS form: the reason says why
    and the path names the SDK field (or the form's element)."""


# --------------------------------------------------------------------------- helpers


def _q(name: str) -> str:
    prefix, _, local = name.rpartition(":")
    return f"{{{_NSMAP[prefix or None]}}}{local}"


def _sub(parent: etree._Element, name: str, value: object | None = None) -> etree._Element:
    child = etree.SubElement(parent, _q(name))
    if value is not None:
        child.text = _lexical(value)
    return child


def _lexical(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _path(parent: etree._Element, xpath: str) -> etree._Element:
    """The element at ``xpath`` below ``parent``, creating missing steps (the last one always)."""
    steps = xpath.split("/")
    node = parent
    for step in steps[:-1]:
        found = node.find(_q(step))
        node = found if found is not None else _sub(node, step)
    return _sub(node, steps[-1])


def _cents(amount: Money, where: str) -> int:
    cents = int((amount.amount * 100).to_integral_value())
    limit = 10 ** settings().amount_max_digits
    if cents >= limit:
        raise BcssMappingError(
            f"{amount.amount} € does not fit the form: at most "
            f"{settings().amount_max_digits} digits in euro cents", path=where,
            shown=str(amount.amount))
    return cents


def _attest(value: str, where: str) -> str:
    if len(value) != 15:
        raise BcssMappingError("a UniqueAttestID has exactly 15 characters", path=where,
                               shown=repr(value))
    return value


def _file_id(number: str | None, where: str) -> str:
    if number is None:
        raise BcssMappingError(
            "the form needs the CPAS's loi 65 file number (FileID): give file_number",
            path=where)
    key = file_number_key(number)
    if len(key) > 11 or not key.isalnum():
        raise BcssMappingError("a loi 65 file number has at most 11 letters or digits",
                               path=where, shown=repr(number))
    return key.rjust(11, "0")


def _root(tag: str, kbo: Kbo, file_id: str) -> etree._Element:
    nsmap: Any = {None: NS_L65, "Common65": NS_L65_COMMON}
    root = etree.Element(_q(tag), nsmap=nsmap)
    ident = _sub(root, "c65:FileIdentification")
    _sub(ident, "c65:KBOBCE", int(kbo.compact))
    _sub(ident, "c65:FileID", file_id)
    return root


def _code(value: str, size: tuple[int, int], where: str) -> str:
    if not size[0] <= len(value) <= size[1]:
        span = str(size[0]) if size[0] == size[1] else f"{size[0]}-{size[1]}"
        raise BcssMappingError(f"the code must have {span} characters", path=where,
                               shown=repr(value))
    return value


def _entry_date(day: dt.date, where: str) -> dt.date:
    if day < _FIRST_DAY:
        raise BcssMappingError("the forms accept entry dates from 2002-01-01 on", path=where,
                               shown=day.isoformat())
    return day


# --------------------------------------------------------------------------- envelope


_SSIN = re.compile(r"[0-9]{11}")


@attrs.frozen(kw_only=True)
class Envelope:
    """What the ``SSDNRequest`` envelope needs besides the CPAS (all from the caller)."""

    user_id: str
    """``AuthorizedUser/UserID``: the user's NISS or a program id, 11 digits."""
    email: str
    service_id: str
    version: str
    """``ServiceRequest/Version``: 8 characters (e.g. a date ``20120509``)."""
    reference: str
    """``Message/Reference``: the CPAS's own reference for the message."""
    request_time: dt.datetime | None = None
    """``Message/TimeRequest`` (UTC); ``None``: the current time."""

    def __attrs_post_init__(self) -> None:
        if not _SSIN.fullmatch(self.user_id):
            raise BcssMappingError("UserID is 11 digits (a NISS or a program id)",
                                   path="$.envelope.user_id")
        if "@" not in self.email:
            raise BcssMappingError("not an e-mail address", path="$.envelope.email")
        if len(self.version) != 8:
            raise BcssMappingError("the service version has exactly 8 characters",
                                   path="$.envelope.version", shown=repr(self.version))


def _wrap(bodies: Sequence[etree._Element], envelope: Envelope, kbo: Kbo) -> etree._Element:
    s = settings()
    when = envelope.request_time or dt.datetime.now(dt.UTC)
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC)
    nsmap: Any = {None: NS_SERVICE}
    root = etree.Element(f"{{{NS_SERVICE}}}SSDNRequest", nsmap=nsmap)

    def sub(parent: etree._Element, name: str, value: object | None = None) -> etree._Element:
        child = etree.SubElement(parent, f"{{{NS_SERVICE}}}{name}")
        if value is not None:
            child.text = str(value)
        return child

    context = sub(root, "RequestContext")
    user = sub(context, "AuthorizedUser")
    sub(user, "UserID", envelope.user_id)
    sub(user, "Email", envelope.email)
    sub(user, "OrgUnit", kbo.compact)
    sub(user, "MatrixID", s.matrix_id)
    sub(user, "MatrixSubID", s.matrix_sub_id)
    message = sub(context, "Message")
    sub(message, "Reference", envelope.reference)
    sub(message, "TimeRequest", when.strftime("%Y%m%dT%H%M%S"))
    for body in bodies:
        request = sub(root, "ServiceRequest")
        sub(request, "ServiceId", envelope.service_id)
        sub(request, "Version", envelope.version)
        request.append(body)
    return root


def _finish(bodies: list[etree._Element], *, envelope: Envelope | None, kbo: Kbo,
            schemas: OfficialSchemas | None, what: str) -> bytes:
    if envelope is not None:
        root = _wrap(bodies, envelope, kbo)
    elif len(bodies) == 1:
        root = bodies[0]
    else:
        raise BcssMappingError(
            f"the document gives {len(bodies)} {what} requests; one request holds one: "
            "use the envelope (one ServiceRequest each) or export them one by one")
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                 pretty_print=True)
    if schemas is not None:
        schemas.check(data, what)
    return data


# --------------------------------------------------------------------------- DF


@attrs.frozen
class _D1:
    niss: Niss
    period: Period
    amounts: dict[LegalBasis, list[tuple[Money, str]]]


_D1_BASES = {row.basis: row for row in D1_AMOUNTS}


def _d1_groups(doc: ReimbursementForm | PartnershipConvention,
               parameters: Parameters | None) -> tuple[Kbo, str | None, list[_D1]]:
    groups: dict[tuple[str, Period], _D1] = {}

    def add(niss: Niss, period: Period, basis: LegalBasis, amount: Money, where: str) -> None:
        if basis not in _D1_BASES:
            raise BcssMappingError(
                f"basis {basis.value} has no amount on the D1 refund form (see "
                "cpas bcss export --explain)", path=where)
        group = groups.setdefault((niss.compact, period), _D1(niss, period, {}))
        group.amounts.setdefault(basis, []).append((amount, where))

    if isinstance(doc, PartnershipConvention):
        if doc.beneficiary_status is not BeneficiaryStatus.FINANCIAL_SOCIAL_AID:
            raise BcssMappingError(
                "only a convention for a beneficiary of financial social aid is claimed on "
                "the loi 65 DF form (revenu d'intégration: loi DIS form B)",
                path="$.beneficiary_status", shown=doc.beneficiary_status.value)
        amount = intervention(doc, parameters=parameters)
        if amount:
            add(doc.beneficiary.niss, Period.of(doc.end_date),
                LegalBasis.PARTNERSHIP_CONVENTION, amount, "$")
        return doc.cpas.kbo, None, list(groups.values())
    if doc.form_type is not FormType.LOI65_D1:
        raise BcssMappingError("the DF refund form carries loi 65 D1 forms only",
                               path="$.form_type", shown=doc.form_type.value)
    for index, line in enumerate(doc.lines):
        add(line.niss, line.period, line.basis, line.amount, f"$.lines[{index}]")
    return doc.header.cpas.kbo, doc.header.file_number, list(groups.values())


def _d1_element(group: _D1, attest: str, double_maximum: bool) -> etree._Element:
    if group.period.first_day() < _FIRST_DAY:
        raise BcssMappingError("the D1 accepts months from 2002-01 on",
                               path=next(iter(group.amounts.values()))[0][1],
                               shown=str(group.period))
    form = etree.Element(_q("RefundformD1"))
    _sub(form, "ReferenceMonth", str(group.period))
    _sub(form, "UniqueAttestID", attest)
    _sub(form, "SSIN", group.niss.compact)
    delivered = _sub(form, "DeliveredAmountsD1")
    total = 0
    for row in D1_AMOUNTS:
        items = group.amounts.get(row.basis)
        if not items:
            continue
        if row.repeat > 1 and len(items) > row.repeat:
            raise BcssMappingError(f"at most {row.repeat} lines of basis {row.basis.value} "
                                   "per beneficiary and month", path=items[-1][1])
        values = [a for a, _ in items] if row.repeat > 1 else [Money.total(a for a, _ in items)]
        for value in values:
            cents = _cents(value, items[0][1])
            total += cents
            target = form if row.xpath.startswith("PrimaryBeneficiaryAids") else delivered
            xpath = row.xpath.split("/", 1)[1]
            if target is form:
                aids = form.find(_q("PrimaryBeneficiaryAids"))
                if aids is None:
                    aids = _sub(form, "PrimaryBeneficiaryAids")
                target = aids
            element = _path(target, xpath)
            element.text = f"{value.amount:.2f}" if row.decimal else str(cents)
    _sub(delivered, "DoubleMaximum", double_maximum)
    if total >= 10 ** settings().amount_max_digits:
        raise BcssMappingError("the total of the D1 does not fit in 8 digits (euro cents)",
                               path="$.lines")
    _sub(form, "TotalAmount", total)
    return form


def export_df(
    doc: ReimbursementForm | PartnershipConvention, *, attest_ids: Sequence[str],
    double_maximum: bool | None = None, file_number: str | None = None,
    suffix: int | None = None, original_form: str | None = None,
    envelope: Envelope | None = None, schemas: OfficialSchemas | None = None,
    parameters: Parameters | None = None,
) -> bytes:
    """The ``L65_DF_DecisionRequest`` for ``doc``.

    * A loi 65 **D1** form or a partnership convention: one ``RefundformD1`` per
      beneficiary and month (first appearance order), each with its own ``attest_ids``
      entry; ``double_maximum`` is required. A convention gives its intervention (500 € /
      250 €, parameters at its conclusion date) as ``PartnerconventionAmount`` in the
      month it ended.
    * A loi 65 **F** form (recovery): one ``RecoveringFormF`` per line, in one request;
      ``suffix`` and ``original_form`` (1 character) are required, each line's
      ``recovery_type`` (2 characters) is the ``Type``.

    ``file_number`` overrides (or supplies) the form header's loi 65 file number.
    """
    if isinstance(doc, ReimbursementForm) and doc.form_type is FormType.LOI65_F:
        return _export_f(doc, attest_ids=attest_ids, suffix=suffix,
                         original_form=original_form, file_number=file_number,
                         envelope=envelope, schemas=schemas)
    if double_maximum is None:
        raise BcssMappingError("the D1 requires DoubleMaximum: give double_maximum",
                               path="$.double_maximum")
    kbo, header_file, groups = _d1_groups(doc, parameters)
    if not groups:
        raise BcssMappingError("nothing to claim: no line (or no intervention due)")
    file_id = _file_id(file_number or header_file, "$.header.file_number")
    if len(attest_ids) != len(groups):
        raise BcssMappingError(f"{len(groups)} refund form(s) D1 need as many attestation "
                               f"ids, got {len(attest_ids)}", path="$.attest_ids")
    bodies = []
    for index, (group, attest) in enumerate(zip(groups, attest_ids, strict=True)):
        root = _root("L65_DF_DecisionRequest", kbo, file_id)
        root.append(_d1_element(group, _attest(attest, f"$.attest_ids[{index}]"),
                                double_maximum))
        bodies.append(root)
    return _finish(bodies, envelope=envelope, kbo=kbo, schemas=schemas, what="DF")


def _export_f(doc: ReimbursementForm, *, attest_ids: Sequence[str], suffix: int | None,
              original_form: str | None, file_number: str | None, envelope: Envelope | None,
              schemas: OfficialSchemas | None) -> bytes:
    if suffix is None or not 0 <= suffix <= 99:
        raise BcssMappingError("the recovery form F needs a suffix from 0 to 99",
                               path="$.suffix")
    if original_form is None:
        raise BcssMappingError("the recovery form F needs original_form (1 character)",
                               path="$.original_form")
    _code(original_form, (1, 1), "$.original_form")
    if not doc.lines:
        raise BcssMappingError("nothing to recover: no line", path="$.lines")
    if len(attest_ids) != len(doc.lines):
        raise BcssMappingError(f"{len(doc.lines)} recovery form(s) F need as many "
                               f"attestation ids, got {len(attest_ids)}", path="$.attest_ids")
    day = _entry_date(doc.header.effective_date, "$.header.effective_date")
    root = _root("L65_DF_DecisionRequest", doc.header.cpas.kbo,
                 _file_id(file_number or doc.header.file_number, "$.header.file_number"))
    for index, (line, attest) in enumerate(zip(doc.lines, attest_ids, strict=True)):
        where = f"$.lines[{index}]"
        if line.recovery_type is None:
            raise BcssMappingError("a recovery line needs its recovery type (2 characters)",
                                   path=where + ".recovery_type")
        form = _sub(root, "RecoveringFormF")
        _sub(form, "ReferenceDate", day)
        _sub(form, "UniqueAttestID", _attest(attest, f"$.attest_ids[{index}]"))
        _sub(form, "SSIN", line.niss.compact)
        _sub(form, "Suffix", suffix)
        details = _sub(form, "RecoveringDetails")
        _sub(details, "OriginalForm", original_form)
        _sub(details, "Type", _code(line.recovery_type, (2, 2), where + ".recovery_type"))
        _sub(details, "RecoveredAmount", _cents(line.amount, where + ".amount"))
        period = _sub(details, "PeriodOfRecovering")
        _sub(period, "common:StartDate", line.period.first_day())
        _sub(period, "common:EndDate", line.period.last_day())
    return _finish([root], envelope=envelope, kbo=doc.header.cpas.kbo, schemas=schemas,
                   what="DF")


def _bodies(data: bytes, tag: str, source: str) -> list[etree._Element]:
    root = parse_bytes(data, source=source).getroot()
    if root.tag == f"{{{NS_SERVICE}}}SSDNRequest":
        found = [b for b in root.iter(_q(tag))]
    else:
        found = [root] if root.tag == _q(tag) else []
    if not found:
        raise BcssMappingError(f"{source}: no {tag} element")
    return found


def _kbo_of(body: etree._Element, cpas: Cpas, source: str) -> str:
    kbo = Kbo(body.findtext(_q("c65:FileIdentification") + "/" + _q("c65:KBOBCE"),
                            "").rjust(10, "0"))
    if kbo != cpas.kbo:
        raise BcssMappingError(f"{source}: the form is for CPAS {kbo}, not {cpas.kbo}",
                               path="FileIdentification/KBOBCE")
    return body.findtext(_q("c65:FileIdentification") + "/" + _q("c65:FileID"), "")


def _money_of(element: etree._Element, decimal: bool) -> Money:
    text = (element.text or "").strip()
    return Money(Decimal(text)) if decimal else Money(Decimal(int(text)) / 100)


def read_df(data: bytes, *, cpas: Cpas, effective_date: dt.date, submission_date: dt.date,
            source: str = "DF") -> ReimbursementForm:
    """A loi 65 D1 form from a DF request (bare or enveloped): one line per amount element;
    or a loi 65 F form when the request holds recovery forms (one line per
    ``RecoveringFormF``, basis ``other_aid``: the F form names no kind of aid).

    The form does not carry the CPAS's name and NIS code, the effective and submission
    dates: the caller gives them (``cpas.kbo`` must match ``KBOBCE``).
    """
    lines: list[ReimbursementLine] = []
    recoveries: list[ReimbursementLine] = []
    file_id = ""
    for body in _bodies(data, "L65_DF_DecisionRequest", source):
        file_id = _kbo_of(body, cpas, source)
        for f in body.iter(_q("RecoveringFormF")):
            start = _need(f, "RecoveringDetails/PeriodOfRecovering/common:StartDate", source)
            recoveries.append(ReimbursementLine(
                niss=Niss(_need(f, "SSIN", source)), basis=LegalBasis.OTHER_AID,
                period=Period.of(dt.date.fromisoformat(start)),
                amount=_money_of(_element(f, "RecoveringDetails/RecoveredAmount"), False),
                recovery_type=_need(f, "RecoveringDetails/Type", source)))
        for d1 in body.iter(_q("RefundformD1")):
            period = Period.parse(d1.findtext(_q("ReferenceMonth"), ""))
            niss = Niss(d1.findtext(_q("SSIN"), ""))
            for row in D1_AMOUNTS:
                for element in d1.iterfind("/".join(_q(s) for s in row.xpath.split("/"))):
                    lines.append(ReimbursementLine(niss=niss, basis=row.basis, period=period,
                                                   amount=_money_of(element, row.decimal)))
    if lines and recoveries:
        raise BcssMappingError(f"{source}: refund (D1) and recovery (F) forms mixed: read "
                               "them from separate requests")
    header = FormHeader(cpas=cpas, effective_date=effective_date, file_number=file_id)
    kind = FormType.LOI65_F if recoveries else FormType.LOI65_D1
    return ReimbursementForm(form_type=kind, header=header, lines=lines or recoveries,
                             submission_date=submission_date)


def _element(parent: etree._Element, path: str) -> etree._Element:
    found = parent.find("/".join(_q(step) for step in path.split("/")))
    if found is None:
        raise BcssMappingError(f"{path} is missing", path=path)
    return found


# --------------------------------------------------------------------------- AB


@attrs.frozen(kw_only=True)
class AbDecision:
    """What an ``L65_AB_DecisionRequest`` carries, read back (:func:`read_ab`)."""

    kbo: Kbo
    file_number: str
    entry_date: dt.date
    attest_id: str
    person: Person
    """Names, birth date; ``address`` is ``None`` (the form has no municipality)."""
    street: str
    house_number: str | None
    box: str | None
    postal_code: str
    status_code: str
    nationality_code: int
    gender: str | None
    requested_aids: tuple[str, ...]
    duration_months: int | None
    decision_date: dt.date
    juridical_procedure: bool


def export_ab(
    doc: Piis | ReimbursementForm, *, attest_id: str, status_code: str, nationality_code: int,
    juridical_procedure: bool, file_number: str | None = None, entry_date: dt.date | None = None,
    decision_date: dt.date | None = None, address: Address | None = None,
    person: Person | None = None, duration_months: int | None = None,
    envelope: Envelope | None = None, schemas: OfficialSchemas | None = None,
) -> bytes:
    """The ``L65_AB_DecisionRequest`` identifying the beneficiary (``IdentificationA``) and
    the decision granting aid (``CommonDecisionB1``).

    From a PIIS: its beneficiary, CPAS and decision date (``entry_date`` is required: the
    PIIS has no aid start). From a reimbursement form: the header's CPAS, effective date,
    decision date and file number, the one beneficiary's NISS (``person`` for the names)
    and the kinds of aid of its lines as ``RequestedAids``. ``address`` replaces the
    person's address (the form requires one).
    """
    aids: set[str] = set()
    day: dt.date | None
    who: Person | None
    decided: dt.date | None
    if isinstance(doc, Piis):
        cpas, who = doc.cpas, person or doc.beneficiary
        day = entry_date
        decided = decision_date or doc.decision_date
        number = file_number
    else:
        cpas, day = doc.header.cpas, entry_date or doc.header.effective_date
        decided = decision_date or doc.header.decision_date
        number = file_number or doc.header.file_number
        people = {line.niss.compact for line in doc.lines}
        if len(people) != 1:
            raise BcssMappingError("the AB form identifies one beneficiary; the form has "
                                   f"{len(people)}", path="$.lines")
        niss = doc.lines[0].niss
        if person is not None and person.niss != niss:
            raise BcssMappingError("person is not the beneficiary of the lines",
                                   path="$.person")
        who = person
        aids = {_B1_AIDS[line.basis] for line in doc.lines if line.basis in _B1_AIDS}
        if who is None:
            raise BcssMappingError("a reimbursement form has no names: give person",
                                   path="$.person")
    if day is None:
        raise BcssMappingError("the AB form needs the entry date: give entry_date",
                               path="$.entry_date")
    if decided is None:
        raise BcssMappingError("the AB form needs the decision date", path="$.decision_date")
    where = address or who.address
    if where is None:
        raise BcssMappingError("the AB form requires the beneficiary's address",
                               path="$.beneficiary.address")
    if where.country != "BE":
        raise BcssMappingError("the AB form takes a Belgian postal code only",
                               path="$.beneficiary.address.country", shown=where.country)
    if not 0 <= nationality_code <= 999:
        raise BcssMappingError("a nationality code is 0 to 999", path="$.nationality_code")
    if duration_months is not None and not 0 <= duration_months <= 12:
        raise BcssMappingError("Duration/Months is 0 to 12", path="$.duration_months")
    _entry_date(day, "$.entry_date")
    attest = _attest(attest_id, "$.attest_id")
    root = _root("L65_AB_DecisionRequest", cpas.kbo, _file_id(number, "$.file_number"))
    ident = _sub(root, "IdentificationA")
    _sub(ident, "EntryDate", day)
    _sub(ident, "UniqueAttestID", attest)
    primary = _sub(ident, "PrimaryBeneficiary")
    bid = _sub(primary, "c65:BeneficiaryID")
    _sub(bid, "c65:SSIN", who.niss.compact)
    _sub(bid, "c65:Name", who.last_name)
    _sub(bid, "c65:Firstname", who.first_name)
    if who.birth_date is not None:
        _sub(bid, "c65:BirthDate", who.birth_date)
    _sub(primary, "Status", _code(status_code, (1, 2), "$.status_code"))
    post = _sub(primary, "c65:Address")
    _sub(post, "c65:Street", where.street)
    _sub(post, "c65:HouseNumber", where.house_number)
    if where.box:
        _sub(post, "c65:Box", where.box)
    _sub(post, "c65:PostalCode", int(where.postal_code))
    _sub(primary, "Nationality", nationality_code)
    if who.niss.sex is not None:
        _sub(primary, "Gender", who.niss.sex)
    b1 = _sub(root, "CommonDecisionB1")
    _sub(b1, "EntryDate", day)
    _sub(b1, "UniqueAttestID", attest)
    _sub(_sub(b1, "IdentificationPrimaryBeneficiary"), "SSIN", who.niss.compact)
    requested = _sub(b1, "RequestedAids")
    for name in _B1_ORDER:
        if name in aids:
            _sub(requested, name, True)
    duration = _sub(b1, "c65:Duration")
    if duration_months is not None:
        _sub(duration, "c65:Months", duration_months)
    _sub(b1, "DecisionDate", decided)
    _sub(b1, "JuridicalProcedure", juridical_procedure)
    return _finish([root], envelope=envelope, kbo=cpas.kbo, schemas=schemas, what="AB")


def _text(parent: etree._Element, path: str) -> str | None:
    found = parent.find("/".join(_q(s) for s in path.split("/")))
    return None if found is None or found.text is None else found.text


def _need(parent: etree._Element, path: str, source: str) -> str:
    value = _text(parent, path)
    if value is None:
        raise BcssMappingError(f"{source}: {path} is missing", path=path)
    return value


def read_ab(data: bytes, *, source: str = "AB") -> AbDecision:
    """What an AB request carries (bare or enveloped; the first request)."""
    body = _bodies(data, "L65_AB_DecisionRequest", source)[0]
    ident = "IdentificationA/PrimaryBeneficiary"
    bid = ident + "/c65:BeneficiaryID"
    post = ident + "/c65:Address"
    birth = _text(body, bid + "/c65:BirthDate")
    person = Person(niss=_need(body, bid + "/c65:SSIN", source),
                    last_name=_need(body, bid + "/c65:Name", source),
                    first_name=_need(body, bid + "/c65:Firstname", source),
                    birth_date=birth)
    requested = body.find(_q("CommonDecisionB1") + "/" + _q("RequestedAids"))
    aids = tuple(etree.QName(e).localname for e in (requested if requested is not None else ())
                 if (e.text or "").strip() == "true")
    months = _text(body, "CommonDecisionB1/c65:Duration/c65:Months")
    return AbDecision(
        kbo=Kbo(_need(body, "c65:FileIdentification/c65:KBOBCE", source).rjust(10, "0")),
        file_number=_need(body, "c65:FileIdentification/c65:FileID", source),
        entry_date=dt.date.fromisoformat(_need(body, "IdentificationA/EntryDate", source)),
        attest_id=_need(body, "IdentificationA/UniqueAttestID", source),
        person=person, street=_need(body, post + "/c65:Street", source),
        house_number=_text(body, post + "/c65:HouseNumber"), box=_text(body, post + "/c65:Box"),
        postal_code=_need(body, post + "/c65:PostalCode", source).rjust(4, "0"),
        status_code=_need(body, ident + "/Status", source),
        nationality_code=int(_need(body, ident + "/Nationality", source)),
        gender=_text(body, ident + "/Gender"), requested_aids=aids,
        duration_months=None if months is None else int(months),
        decision_date=dt.date.fromisoformat(
            _need(body, "CommonDecisionB1/DecisionDate", source)),
        juridical_procedure=_need(body, "CommonDecisionB1/JuridicalProcedure", source) == "true",
    )


# --------------------------------------------------------------------------- C


@attrs.frozen(kw_only=True)
class CancellationRecord:
    """One ``CancellationFormC`` read back (:func:`read_c`)."""

    kbo: Kbo
    file_number: str
    entry_date: dt.date
    attest_id: str
    niss: Niss
    suffix: int
    decision_date: dt.date
    decision_nature: str
    cancellation_reason: str


def export_c(
    doc: ReimbursementForm, *, attest_ids: Sequence[str], suffix: int, decision_nature: str,
    cancellation_reason: str, file_number: str | None = None,
    envelope: Envelope | None = None, schemas: OfficialSchemas | None = None,
) -> bytes:
    """The ``L65_C_DecisionRequest`` cancelling the decision of a loi 65 form: one
    ``CancellationFormC`` per beneficiary of its lines (first appearance order), from the
    header's effective date (``EntryDate``) and decision date (the decision cancelled).
    The codes ``decision_nature`` (1 character) and ``cancellation_reason`` (2) come
    from the caller: their official lists are not in the reference material.
    """
    if doc.law.value != "loi65":
        raise BcssMappingError("the C cancellation form is a loi 65 form",
                               path="$.form_type", shown=doc.form_type.value)
    if doc.header.decision_date is None:
        raise BcssMappingError("the C form needs the date of the decision cancelled",
                               path="$.header.decision_date")
    people = list(dict.fromkeys(line.niss.compact for line in doc.lines))
    if not people:
        raise BcssMappingError("the form has no beneficiary to cancel for", path="$.lines")
    if len(attest_ids) != len(people):
        raise BcssMappingError(f"{len(people)} cancellation(s) need as many attestation ids, "
                               f"got {len(attest_ids)}", path="$.attest_ids")
    if not 0 <= suffix <= 99:
        raise BcssMappingError("a suffix is 0 to 99", path="$.suffix")
    _code(decision_nature, (1, 1), "$.decision_nature")
    _code(cancellation_reason, (2, 2), "$.cancellation_reason")
    day = _entry_date(doc.header.effective_date, "$.header.effective_date")
    root = _root("L65_C_DecisionRequest", doc.header.cpas.kbo,
                 _file_id(file_number or doc.header.file_number, "$.header.file_number"))
    for index, (niss, attest) in enumerate(zip(people, attest_ids, strict=True)):
        form = _sub(root, "CancellationFormC")
        _sub(form, "EntryDate", day)
        _sub(form, "UniqueAttestID", _attest(attest, f"$.attest_ids[{index}]"))
        _sub(form, "SSIN", niss)
        _sub(form, "Suffix", suffix)
        cancel = _sub(form, "AidCancellation")
        _sub(cancel, "DecisionDate", doc.header.decision_date)
        _sub(cancel, "Decisionnature", decision_nature)
        _sub(cancel, "CancellationReason", cancellation_reason)
    return _finish([root], envelope=envelope, kbo=doc.header.cpas.kbo, schemas=schemas,
                   what="C")


def read_c(data: bytes, *, source: str = "C") -> tuple[CancellationRecord, ...]:
    """Every ``CancellationFormC`` of a C request (bare or enveloped)."""
    out: list[CancellationRecord] = []
    for body in _bodies(data, "L65_C_DecisionRequest", source):
        kbo = Kbo(_need(body, "c65:FileIdentification/c65:KBOBCE", source).rjust(10, "0"))
        number = _need(body, "c65:FileIdentification/c65:FileID", source)
        for form in body.iter(_q("CancellationFormC")):
            out.append(CancellationRecord(
                kbo=kbo, file_number=number,
                entry_date=dt.date.fromisoformat(_need(form, "EntryDate", source)),
                attest_id=_need(form, "UniqueAttestID", source),
                niss=Niss(_need(form, "SSIN", source)),
                suffix=int(_need(form, "Suffix", source)),
                decision_date=dt.date.fromisoformat(
                    _need(form, "AidCancellation/DecisionDate", source)),
                decision_nature=_need(form, "AidCancellation/Decisionnature", source),
                cancellation_reason=_need(form, "AidCancellation/CancellationReason", source)))
    return tuple(out)
