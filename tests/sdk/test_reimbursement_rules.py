"""Rule checks of reimbursement forms: one violating and one compliant case per rule.

Figures (45 days, 12 months after the quarter, PIIS codes and their dates, monthly
amounts) are those of domain.md, written out here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
from hypothesis import given, settings

from cpas.sdk import Cpas, Money, Period, Report, Severity, check
from cpas.sdk.documents.reimbursement import (
    BeneficiaryCategory,
    FormHeader,
    FormType,
    LegalBasis,
    ReimbursementForm,
    ReimbursementLine,
)
from cpas.sdk.rules import rules_for
from cpas.sdk.rules.reimbursement import check_corrections
from strategies import niss_digits
from strategies_reimbursement import compliant_forms

CPAS = Cpas(name="OCMW Kortrijk", kbo="0403019261", nis_code="34022")
NISS_A = niss_digits(dt.date(1985, 7, 30), 33)
NISS_B = niss_digits(dt.date(2003, 11, 2), 418)
ON = dt.date(2025, 3, 1)


def header(**changes: Any) -> FormHeader:
    base = FormHeader(cpas=CPAS, effective_date=ON, category=BeneficiaryCategory.SINGLE)
    return attrs.evolve(base, **changes)


def line(**changes: Any) -> ReimbursementLine:
    base = ReimbursementLine(niss=NISS_A, basis=LegalBasis.INTEGRATION_INCOME,
                             period=Period(2025, 3), amount=Money("1000.00"))
    return attrs.evolve(base, **changes)


def form(*lines: ReimbursementLine, form_type: FormType = FormType.DIS_B,
         sent: dt.date = dt.date(2025, 4, 10), **header_changes: Any) -> ReimbursementForm:
    return ReimbursementForm(form_type=form_type, header=header(**header_changes), lines=lines,
                             submission_date=sent)


def loi65(*lines: ReimbursementLine, form_type: FormType = FormType.LOI65_D1,
          sent: dt.date = dt.date(2025, 4, 10), **header_changes: Any) -> ReimbursementForm:
    changes: dict[str, Any] = {"file_number": "2025/00123"}
    changes.update(header_changes)
    return form(*lines, form_type=form_type, sent=sent, **changes)


def d1_line(**changes: Any) -> ReimbursementLine:
    values: dict[str, Any] = {"basis": LegalBasis.EQUIVALENT_SOCIAL_AID,
                                 "source_id": "B1-2025-017"}
    values.update(changes)
    return line(**values)


def hits(report: Report, code: str) -> list[str]:
    return [f.path for f in report.by_code(code)]


def test_all_codes_registered() -> None:
    codes = {r.code for r in rules_for(ReimbursementForm)}
    assert {"REIMB-LAW-001", "REIMB-DUP-001", "REIMB-FILE-001", "REIMB-FILE-002",
            "REIMB-DATE-001", "REIMB-B1-001", "REIMB-D1-001", "REIMB-D1-002", "REIMB-COST-001",
            "REIMB-PIIS-001", "REIMB-PIIS-002", "REIMB-RI-001", "REIMB-RECOV-001"} <= codes


def test_compliant_form_has_no_finding() -> None:
    report = check(form(line(amount=Money("1314.20"), piis_code=11)))
    assert report.findings == ()


# --- Legal bases ---------------------------------------------------------------------------------


def test_loi65_basis_on_dis_form_is_refused() -> None:
    """Loi DIS forms carry loi DIS bases only (loi DIS art. 32; NOVA PRIMA forms)."""
    report = check(form(line(), line(niss=NISS_B, basis=LegalBasis.MEDICAL_COSTS)))
    assert hits(report, "REIMB-LAW-001") == ["$.lines[1].basis"]
    (finding,) = report.by_code("REIMB-LAW-001")
    assert "Frais médicaux" in finding.text("fr")
    assert "Medische kosten" in finding.text("nl")


def test_ri_on_loi65_form_is_refused_and_shared_bases_pass() -> None:
    """The revenu d'intégration is not a loi 65 basis; activation measures are both."""
    report = check(loi65(d1_line(), d1_line(basis=LegalBasis.INTEGRATION_INCOME, niss=NISS_B)))
    assert hits(report, "REIMB-LAW-001") == ["$.lines[1].basis"]
    shared = check(loi65(d1_line(basis=LegalBasis.PARTNERSHIP_CONVENTION)))
    assert "REIMB-LAW-001" not in shared.codes()


# --- Duplicates ----------------------------------------------------------------------------------


def test_duplicate_line_is_flagged_with_the_first_one() -> None:
    """Same NISS, basis and month twice: a double claim."""
    report = check(form(line(), line(niss=NISS_B), line(amount=Money("12.00"))))
    assert hits(report, "REIMB-DUP-001") == ["$.lines[2]"]
    assert "line 0" in report.by_code("REIMB-DUP-001")[0].text("en")


def test_other_month_basis_or_bill_is_no_duplicate() -> None:
    report = check(form(line(), line(period=Period(2025, 2)),
                        line(basis=LegalBasis.ART_60_7)))
    assert "REIMB-DUP-001" not in report.codes()
    bills = check(loi65(d1_line(basis=LegalBasis.MEDICAL_COSTS, expense_date=dt.date(2025, 3, 3)),
                        d1_line(basis=LegalBasis.MEDICAL_COSTS, expense_date=dt.date(2025, 3, 9))))
    assert "REIMB-DUP-001" not in bills.codes()


# --- File number ---------------------------------------------------------------------------------


def test_file_number_too_long_or_with_other_characters() -> None:
    """At most 11 letters or digits (primabook loi 65; BCSS FileID)."""
    assert hits(check(loi65(d1_line(), file_number="ABC123456789")), "REIMB-FILE-001") == [
        "$.header.file_number"]
    assert "REIMB-FILE-001" in check(loi65(d1_line(), file_number="AB#12")).codes()


def test_file_number_separators_and_leading_zeros_not_counted() -> None:
    report = check(loi65(d1_line(), file_number="000-ABC.123.456-78"))
    assert "REIMB-FILE-001" not in report.codes()


def test_loi65_form_without_file_number() -> None:
    """Loi 65 files carry a CPAS file number (domain.md, header of every form)."""
    assert hits(check(loi65(d1_line(), file_number=None)), "REIMB-FILE-002") == [
        "$.header.file_number"]
    assert "REIMB-FILE-002" not in check(loi65(d1_line())).codes()
    assert "REIMB-FILE-002" not in check(form(line())).codes()


# --- Decision date and B1 deadline -----------------------------------------------------------


def test_refusal_without_council_date() -> None:
    """Form C (refusal or withdrawal) carries the council date (domain.md, forms)."""
    report = check(form(line(), form_type=FormType.DIS_C))
    assert hits(report, "REIMB-DATE-001") == ["$.header.decision_date"]
    ok = check(form(line(), form_type=FormType.DIS_C, decision_date=dt.date(2025, 2, 20)))
    assert "REIMB-DATE-001" not in ok.codes()


def test_b1_after_45_days() -> None:
    """B1 within 45 days of the decision: decided 10/01/2025, due by 24/02/2025
    (loi 02/04/1965; parameter reimbursement.loi65.b1_deadline_days)."""
    late = check(loi65(d1_line(), form_type=FormType.LOI65_B1,
                       decision_date=dt.date(2025, 1, 10), sent=dt.date(2025, 2, 25)))
    assert hits(late, "REIMB-B1-001") == ["$.submission_date"]
    assert "45" in late.by_code("REIMB-B1-001")[0].text("fr")


def test_b1_on_day_45() -> None:
    ok = check(loi65(d1_line(), form_type=FormType.LOI65_B1,
                     decision_date=dt.date(2025, 1, 10), sent=dt.date(2025, 2, 24)))
    assert "REIMB-B1-001" not in ok.codes()


# --- D1 ------------------------------------------------------------------------------------------


def test_d1_expense_outside_its_month() -> None:
    """One calendar month per D1 line (domain.md, D1)."""
    report = check(loi65(d1_line(expense_date=dt.date(2025, 4, 1))))
    assert hits(report, "REIMB-D1-001") == ["$.lines[0].expense_date"]
    assert "REIMB-D1-001" not in check(loi65(d1_line(expense_date=dt.date(2025, 3, 31)))).codes()


def test_d1_without_b1_reference() -> None:
    """D1 only on an accepted B1: the B1 decision is referred to (domain.md, D1)."""
    report = check(loi65(d1_line(), d1_line(niss=NISS_B, source_id=None)))
    assert hits(report, "REIMB-D1-002") == ["$.lines[1].source_id"]
    assert "REIMB-D1-002" not in check(loi65(d1_line())).codes()


# --- Cost statement deadline ---------------------------------------------------------------------


def test_cost_statement_after_twelve_months_past_the_quarter() -> None:
    """Expense of 15/02/2024 (quarter ends 31/03/2024): due by 31/03/2025 (loi 65 art. 12)."""
    bill = d1_line(basis=LegalBasis.MEDICAL_COSTS, period=Period(2024, 2),
                   expense_date=dt.date(2024, 2, 15))
    late = check(loi65(bill, form_type=FormType.LOI65_D2, sent=dt.date(2025, 4, 1)))
    assert hits(late, "REIMB-COST-001") == ["$.lines[0].expense_date"]
    assert "31/03/2025" in late.by_code("REIMB-COST-001")[0].text("fr")
    ok = check(loi65(bill, form_type=FormType.LOI65_D2, sent=dt.date(2025, 3, 31)))
    assert "REIMB-COST-001" not in ok.codes()


def test_cost_statement_without_expense_date_uses_its_month() -> None:
    """A D1 line of November 2023 (quarter ends 31/12/2023) is due by 31/12/2024."""
    month = d1_line(period=Period(2023, 11))
    assert hits(check(loi65(month, sent=dt.date(2025, 1, 2))), "REIMB-COST-001") == [
        "$.lines[0].period"]
    assert "REIMB-COST-001" not in check(loi65(month, sent=dt.date(2024, 12, 31))).codes()


# --- PIIS codes ----------------------------------------------------------------------------------


def test_piis_codes_by_date() -> None:
    """Codes 1-7 until 31/10/2016; 8-11 from 01/11/2016; 12, 15, 16 abolished 01/10/2018."""
    def code_at(code: int, year: int, month: int) -> bool:
        doc = form(line(piis_code=code, period=Period(year, month)),
                   effective_date=dt.date(year, month, 1))
        return "REIMB-PIIS-001" in check(doc).codes()

    assert code_at(11, 2016, 10) and code_at(3, 2016, 11) and code_at(12, 2018, 10)
    assert code_at(16, 2019, 1) and code_at(13, 2017, 1)
    assert not code_at(3, 2016, 10)
    assert not code_at(11, 2016, 11)
    assert not code_at(12, 2018, 9)
    assert not code_at(8, 2025, 3)


def test_piis_code_path() -> None:
    report = check(form(line(), line(niss=NISS_B, piis_code=5)))
    assert hits(report, "REIMB-PIIS-001") == ["$.lines[1].piis_code"]


def test_piis_subsidy_claimed_twice() -> None:
    """The 10 % subsidy (art. 43/2) is earned once: by the PIIS code or by a subsidy line."""
    subsidy = line(basis=LegalBasis.PIIS_SUBSIDY, amount=Money("100.00"))
    report = check(form(line(piis_code=11), subsidy))
    assert hits(report, "REIMB-PIIS-002") == ["$.lines[1]"]
    assert "REIMB-PIIS-002" not in check(form(line(piis_code=8), subsidy)).codes()
    assert "REIMB-PIIS-002" not in check(form(line(piis_code=11),
                                              attrs.evolve(subsidy, niss=NISS_B))).codes()


# --- Monthly amount ------------------------------------------------------------------------------


def test_ri_above_the_category_amount_is_a_warning() -> None:
    """Isolé: 1 314,20 € a month from 01/02/2025; cohabitant 876,13 € (domain.md table)."""
    report = check(form(line(amount=Money("1314.21")),
                        line(niss=NISS_B, amount=Money("900.00"),
                             category=BeneficiaryCategory.COHABITANT)))
    assert hits(report, "REIMB-RI-001") == ["$.lines[0].amount", "$.lines[1].amount"]
    assert all(f.severity is Severity.WARNING for f in report.by_code("REIMB-RI-001"))
    assert report.ok


def test_ri_at_the_category_amount_and_older_table() -> None:
    """1 314,20 € is allowed in 2025; in May 2024 the isolé amount was 1 288,46 €."""
    assert "REIMB-RI-001" not in check(form(line(amount=Money("1314.20")))).codes()
    old = check(form(line(amount=Money("1300.00"), period=Period(2024, 6))))
    assert hits(old, "REIMB-RI-001") == ["$.lines[0].amount"]
    family = check(form(line(amount=Money("1776.07"),
                             category=BeneficiaryCategory.FAMILY_WITH_DEPENDANTS)))
    assert "REIMB-RI-001" not in family.codes()


# --- Recovery ---------------------------------------------------------------------------------


def test_recovery_line_needs_a_type_code() -> None:
    """Form D: recovery type code 01, 04, 05, 06, 08… (domain.md, forms)."""
    report = check(form(line(recovery_type="04"), line(niss=NISS_B),
                        line(niss=NISS_B, period=Period(2025, 2), recovery_type="4"),
                        form_type=FormType.DIS_D))
    assert hits(report, "REIMB-RECOV-001") == ["$.lines[1].recovery_type",
                                               "$.lines[2].recovery_type"]
    assert "REIMB-RECOV-001" not in check(form(line(recovery_type="08"),
                                               form_type=FormType.DIS_D)).codes()


# --- Corrections ------------------------------------------------------------------------------


def test_correction_without_original() -> None:
    """Status code 1 replaces the form of the same date: it needs an original."""
    original = loi65(d1_line())
    stray = loi65(d1_line(), is_correction=True, effective_date=dt.date(2025, 3, 2))
    assert hits(check_corrections(stray, [original]), "REIMB-CORR-001") == ["$.lines[0]"]
    fixed = loi65(d1_line(amount=Money("900.00")), is_correction=True,
                  file_number="0-2025.00123")   # same file: separators and zeros ignored
    assert check_corrections(fixed, [original]).findings == ()


def test_resent_form_must_be_a_correction() -> None:
    """A second form of the same date and file for the same person is sent as a correction."""
    original = loi65(d1_line(), d1_line(niss=NISS_B))
    again = loi65(d1_line(niss=NISS_B, amount=Money("10.00")))
    assert hits(check_corrections(again, [original]), "REIMB-CORR-002") == ["$.lines[0]"]
    other_month = loi65(d1_line(period=Period(2025, 4)), effective_date=dt.date(2025, 4, 1))
    assert check_corrections(other_month, [original]).findings == ()


# --- Properties ---------------------------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(compliant_forms())
def test_compliant_forms_have_no_errors(doc: ReimbursementForm) -> None:
    """Forms drawn to respect the rules (non-ASCII names, empty optionals, extreme amounts)
    get no error; only warnings such as amounts above the monthly table may remain."""
    report = check(doc)
    assert report.errors == (), [f.render("en") for f in report.errors]
