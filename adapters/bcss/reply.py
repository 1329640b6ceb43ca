"""Read the BCSS/KSZ replies to the loi 65 forms (AB, C, DF), bare or in an ``SSDNReply``.

Each ``DecisionResult`` (``DecisionResultC``, ``DecisionResultDF``) gives its
``Evaluation`` (ACCEPTED, REFUSED, PARTIALLYACCEPTED) and zero or more ``ErrorsOnForm``
(``Common65:ReturnCode``: a 6-character ``Code`` and descriptions, possibly one per
language). The envelope's ``ResultSummary`` has a ``ReturnCode`` (0 OK, 1 warning, 10000
error: ``data/settings.toml``) and up to 30 ``Detail`` reasons.

Findings (``cpas.sdk.findings``), one per reason:

* ``BCSS-REPLY-001`` (error): one per ``ErrorsOnForm`` of a result;
* ``BCSS-REPLY-002`` (error): a result REFUSED without any ``ErrorsOnForm``;
* ``BCSS-REPLY-003`` (warning): a result PARTIALLYACCEPTED;
* ``BCSS-SSDN-001`` (error/warning): one per ``Detail`` of an envelope ``ResultSummary``
  whose ``ReturnCode`` is not 0 (one finding for the code itself when no detail is given).

The input is untrusted: it is parsed with :func:`cpas.adapters.xml.parser.parse_bytes`.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import attrs
from lxml import etree

from ...sdk.errors import InvalidNiss
from ...sdk.findings import Finding, LegalRef, Report, Severity
from ...sdk.identifiers import Niss
from ...sdk.money import Money
from ...sdk.privacy import mask_niss_in
from ...sdk.text import Lang, Text
from ..xml.parser import parse_bytes
from .codes import code_lists, settings
from .forms import BcssMappingError
from .schemas import NS_COMMON, NS_L65, NS_L65_COMMON, NS_SERVICE, OfficialSchemas

__all__ = ["DecisionOutcome", "FormError", "ReplyResult", "import_reply"]

_FORMS = {"L65_AB_DecisionReply": ("ab", "DecisionResult"),
          "L65_C_DecisionReply": ("c", "DecisionResultC"),
          "L65_DF_DecisionReply": ("df", "DecisionResultDF")}
_REF_FORM = LegalRef("KSZ-BCSS, LoiWet65 decision replies: Evaluation, ErrorsOnForm (ReturnCode)")
_REF_SSDN = LegalRef("KSZ-BCSS, SSDNReply: ResultSummary/ReturnCode (0 OK, 1 WARNING, "
                     "10000 ERROR) and Detail")

_ERROR = Text(
    fr="La BCSS/SPP IS signale l'erreur {code} sur le formulaire {attest} ({ssin}) : {text}",
    nl="De KSZ/POD MI meldt fout {code} op formulier {attest} ({ssin}): {text}",
    en="BCSS/SPP IS reports error {code} on form {attest} ({ssin}): {text}")
_REFUSED = Text(
    fr="Formulaire {attest} ({ssin}) refusé par la BCSS/SPP IS, sans motif indiqué",
    nl="Formulier {attest} ({ssin}) geweigerd door de KSZ/POD MI, zonder opgegeven reden",
    en="Form {attest} ({ssin}) refused by BCSS/SPP IS, no reason given")
_PARTIAL = Text(
    fr="Formulaire {attest} ({ssin}) partiellement accepté : vérifiez les montants acceptés",
    nl="Formulier {attest} ({ssin}) gedeeltelijk aanvaard: controleer de aanvaarde bedragen",
    en="Form {attest} ({ssin}) partially accepted: check the accepted amounts")
_SSDN = Text(
    fr="Le réseau BCSS (SSDN) renvoie le code {code} ({severity}) : {reason} {text}",
    nl="Het KSZ-netwerk (SSDN) geeft code {code} ({severity}): {reason} {text}",
    en="The BCSS network (SSDN) returns code {code} ({severity}): {reason} {text}")


@attrs.frozen
class FormError:
    """One ``ErrorsOnForm`` entry: its code and descriptions by language (``""`` = none)."""

    code: str
    descriptions: tuple[tuple[str, str], ...]

    def description(self, lang: Lang) -> str:
        for wanted in (lang, "", "fr", "nl", "en", "de"):
            for key, text in self.descriptions:
                if key == wanted:
                    return text
        return self.descriptions[0][1] if self.descriptions else ""


@attrs.frozen
class DecisionOutcome:
    """One decision result of a reply."""

    attest_id: str
    reference: str
    """``ReferenceSPP_POD``: SPP IS's reference for the form."""
    niss: Niss
    suffix: int
    evaluation: str
    errors: tuple[FormError, ...] = ()
    total_accepted: Money | None = None
    """DF only: ``TotalAcceptedAmount`` (euro cents on the form)."""


@attrs.frozen
class ReplyResult:
    """A reply read back: its form, CPAS, results and findings."""

    form: str
    """``ab``, ``c`` or ``df``; ``""`` for an envelope without body."""
    kbo: str | None
    file_id: str | None
    outcomes: tuple[DecisionOutcome, ...]
    report: Report
    ssdn_return_code: int | None = None

    @property
    def ok(self) -> bool:
        return self.report.ok

    def to_dict(self, lang: Lang = "fr") -> dict[str, object]:
        return {
            "form": self.form, "kbo": self.kbo, "file_id": self.file_id, "ok": self.ok,
            "ssdn_return_code": self.ssdn_return_code,
            "outcomes": [{"attest_id": o.attest_id, "reference": o.reference,
                          "ssin": o.niss.masked, "suffix": o.suffix, "evaluation": o.evaluation,
                          "errors": [e.code for e in o.errors],
                          "total_accepted": None if o.total_accepted is None
                          else str(o.total_accepted.amount)} for o in self.outcomes],
            "findings": [f.to_dict(lang) for f in self.report],
        }


def _q(ns: str, local: str) -> str:
    return f"{{{ns}}}{local}"


_LANGS: tuple[Lang, ...] = ("fr", "nl", "en")


def _per_lang(make: Callable[[Lang], str]) -> Text:
    return Text(fr=make("fr"), nl=make("nl"), en=make("en"))


def _message(template: Text, per_lang: dict[Lang, str], **values: object) -> Text:
    parts = {lang: template.format(**values, text=per_lang[lang]).get(lang) for lang in _LANGS}
    return Text(fr=parts["fr"], nl=parts["nl"], en=parts["en"])


def _whole(value: str, what: str, path: str, *, signed: bool = False) -> int:
    """``value`` as a whole number (>= 0 unless ``signed``), or :class:`BcssMappingError`
    naming the element; the value quoted is masked (it may be a NISS)."""
    digits = value[1:] if signed and value[:1] in ("-", "+") else value
    if not (digits.isascii() and digits.isdigit()):
        kind = "a whole number" if signed else "a whole number >= 0"
        raise BcssMappingError(f"{what} is not {kind}", path=path,
                               shown=repr(mask_niss_in(value)))
    return int(value)


def _result(element: etree._Element, path: str, source: str) -> tuple[DecisionOutcome,
                                                                       list[Finding]]:
    def text(local: str) -> str:
        return (element.findtext(_q(NS_L65, local)) or "").strip()

    errors = []
    for node in element.iterfind(_q(NS_L65, "ErrorsOnForm")):
        code = (node.findtext(_q(NS_L65_COMMON, "Code")) or "").strip()
        descriptions = tuple((d.get("lang") or "", mask_niss_in((d.text or "").strip()))
                             for d in node.iterfind(_q(NS_L65_COMMON, "Description")))
        errors.append(FormError(code=code, descriptions=descriptions))
    total = text("TotalAcceptedAmount")
    cents = (_whole(total, f"{source}: TotalAcceptedAmount", path + ".TotalAcceptedAmount")
             if total else 0)
    try:
        niss = Niss(text("SSIN"))
    except InvalidNiss as exc:
        raise BcssMappingError(f"{source}: SSIN: {exc.reason}", path=path + ".SSIN",
                               shown=exc.shown) from None
    outcome = DecisionOutcome(
        attest_id=text("UniqueAttestID"), reference=text("ReferenceSPP_POD"), niss=niss,
        suffix=_whole(text("Suffix") or "0", f"{source}: Suffix", path + ".Suffix"),
        evaluation=text("Evaluation"), errors=tuple(errors),
        total_accepted=Money(Decimal(cents) / 100) if total else None)
    if code_lists()["evaluation"].by_code(outcome.evaluation) is None:
        raise BcssMappingError(f"{source}: unknown Evaluation", path=path + ".Evaluation",
                               shown=repr(mask_niss_in(outcome.evaluation)))
    found: list[Finding] = []
    values = {"attest": outcome.attest_id, "ssin": outcome.niss.masked}
    line = element.sourceline if isinstance(element.sourceline, int) else None
    for index, error in enumerate(outcome.errors):
        per_lang = {lang: error.description(lang) for lang in _LANGS}
        found.append(Finding(code="BCSS-REPLY-001", severity=Severity.ERROR,
                             path=f"{path}.ErrorsOnForm[{index}]",
                             message=_message(_ERROR, per_lang, code=error.code, **values),
                             legal=(_REF_FORM,), line=line, source=source))
    if outcome.evaluation == "REFUSED" and not outcome.errors:
        found.append(Finding(code="BCSS-REPLY-002", severity=Severity.ERROR, path=path,
                             message=_REFUSED.format(**values), legal=(_REF_FORM,), line=line,
                             source=source))
    if outcome.evaluation == "PARTIALLYACCEPTED":
        found.append(Finding(code="BCSS-REPLY-003", severity=Severity.WARNING, path=path,
                             message=_PARTIAL.format(**values), legal=(_REF_FORM,), line=line,
                             source=source))
    return outcome, found


def _ssdn_message(code: int, label: Text, reason: str, text: str) -> Text:
    return _per_lang(lambda lang: _SSDN.get(lang).format(
        code=code, severity=label.get(lang), reason=reason, text=text))


def _summary(summary: etree._Element, path: str, source: str) -> tuple[int, list[Finding]]:
    s = settings()
    code = _whole((summary.findtext(_q(NS_COMMON, "ReturnCode")) or "0").strip(),
                  f"{source}: ReturnCode", path + ".ReturnCode", signed=True)
    if code == s.ssdn_ok:
        return code, []
    severities = code_lists()["ssdn_severity"]
    found: list[Finding] = []
    line = summary.sourceline if isinstance(summary.sourceline, int) else None
    details = list(summary.iterfind(_q(NS_COMMON, "Detail")))
    for index, detail in enumerate(details):
        level = (detail.findtext(_q(NS_COMMON, "Severity")) or "").strip()
        reason = mask_niss_in((detail.findtext(_q(NS_COMMON, "ReasonCode")) or "").strip())
        diagnostic = mask_niss_in((detail.findtext(_q(NS_COMMON, "Diagnostic")) or "").strip())
        entry = severities.by_code(level)
        label = entry.label if entry is not None else Text(fr=level, nl=level, en=level)
        severity = Severity.ERROR if level == "ERROR" else Severity.WARNING
        message = _ssdn_message(code, label, reason, diagnostic)
        found.append(Finding(code="BCSS-SSDN-001", severity=severity,
                             path=f"{path}.Detail[{index}]", message=message,
                             legal=(_REF_SSDN,), line=line, source=source))
    if not details:
        severity = Severity.WARNING if code == s.ssdn_warning else Severity.ERROR
        level_name = severity.value
        message = _per_lang(lambda lang: _SSDN.get(lang).format(
            code=code, severity=level_name, reason="", text="").rstrip(": "))
        found.append(Finding(code="BCSS-SSDN-001", severity=severity, path=path,
                             message=message, legal=(_REF_SSDN,), line=line, source=source))
    return code, found


def import_reply(data: bytes, *, source: str = "reply", schemas: OfficialSchemas | None = None,
                 ) -> ReplyResult:
    """Read a loi 65 reply (bare ``L65_*_DecisionReply`` or inside an ``SSDNReply``).

    With ``schemas`` the reply is validated first (both validators); an invalid reply
    raises :class:`~cpas.adapters.bcss.schemas.BcssSchemaError`.
    """
    if schemas is not None:
        schemas.check(data, "reply")
    root = parse_bytes(data, source=source).getroot()
    findings: list[Finding] = []
    ssdn_code: int | None = None
    bodies: list[tuple[etree._Element, str]] = []
    if root.tag == _q(NS_SERVICE, "SSDNReply"):
        context = root.find(_q(NS_SERVICE, "ReplyContext"))
        if context is not None:
            summary = context.find(_q(NS_COMMON, "ResultSummary"))
            if summary is not None:
                ssdn_code, more = _summary(summary, "$.ReplyContext.ResultSummary", source)
                findings.extend(more)
        for index, reply in enumerate(root.iterfind(_q(NS_SERVICE, "ServiceReply"))):
            where = f"$.ServiceReply[{index}]"
            summary = reply.find(_q(NS_COMMON, "ResultSummary"))
            if summary is not None:
                code, more = _summary(summary, where + ".ResultSummary", source)
                ssdn_code = code if ssdn_code in (None, 0) else ssdn_code
                findings.extend(more)
            bodies.extend((child, where) for child in reply
                          if etree.QName(child).namespace == NS_L65)
    elif etree.QName(root).namespace == NS_L65:
        bodies.append((root, "$"))
    else:
        raise BcssMappingError(f"{source}: not a BCSS loi 65 reply ({etree.QName(root).localname})")
    form, kbo, file_id = "", None, None
    outcomes: list[DecisionOutcome] = []
    for body, where in bodies:
        local = etree.QName(body).localname
        if local not in _FORMS:
            raise BcssMappingError(f"{source}: {local} is not a loi 65 decision reply")
        form, result_tag = _FORMS[local]
        ident = body.find(_q(NS_L65_COMMON, "FileIdentification"))
        if ident is not None:
            kbo = (ident.findtext(_q(NS_L65_COMMON, "KBOBCE")) or "").strip().rjust(10, "0")
            file_id = (ident.findtext(_q(NS_L65_COMMON, "FileID")) or "").strip()
        for index, element in enumerate(body.iterfind(_q(NS_L65, result_tag))):
            outcome, more = _result(element, f"{where}.{result_tag}[{index}]", source)
            outcomes.append(outcome)
            findings.extend(more)
    return ReplyResult(form=form, kbo=kbo, file_id=file_id, outcomes=tuple(outcomes),
                       report=Report(tuple(findings)), ssdn_return_code=ssdn_code)
