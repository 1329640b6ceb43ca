"""The flat layouts of piis, bilan and convention: what each corpus row becomes.

Expected values are read off the corpus files as written (tests/data/legacy) and,
for the subsidy amounts, worked out by hand from domain.md ("Subsidy conventions":
staff costs pro rata of the time spent, only the target group's share of a mixed
audience, 6 of 20 participants → 6/20 of the cost).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from cpas.adapters.legacy.convert import convert
from cpas.sdk.documents.bilan import AssessmentMoment, BilanSocial
from cpas.sdk.documents.piis import CommitmentParty, Piis, PiisStatus, PiisType
from cpas.sdk.documents.subsidy import (
    ConventionKind,
    ExpenseCategory,
    Section,
    SubsidyConvention,
    eligible_amount,
    pro_rata_amount,
)
from cpas.sdk.money import Money

DATA = Path(__file__).parent.parent / "data" / "legacy"
TESTVILLE = {"cpas_name": "CPAS de Testville", "cpas_kbo": "0412345614", "cpas_nis_code": "21004"}


def test_piis_rows_are_objectives() -> None:
    """One row per objective; the first row of a PIIS holds its own cells; the PIIS's
    domains are its objectives' (AR 3 Oct 2016: objectives, commitments of every party,
    domains of action, duration, deadlines; domain.md, "PIIS")."""
    result = convert(DATA / "i01_piis_fr.csv", "piis")
    first, second = result.documents
    assert isinstance(first, Piis) and isinstance(second, Piis)
    assert first.id == "PIIS-2025-001"
    assert first.beneficiary.niss.compact == "93041215808"
    assert first.piis_type is PiisType.SOCIO_PROFESSIONAL
    assert first.domains == ("education", "work", "income")
    assert [o.description for o in first.objectives] == [
        "Suivre un module de français orienté soins", "Plan d'apurement des dettes de loyer"]
    assert first.objectives[0].domains == ("education", "work")
    commitments = first.objectives[1].commitments
    assert [c.party for c in commitments] == [CommitmentParty.BENEFICIARY, CommitmentParty.CPAS]
    assert all(c.deadline == dt.date(2025, 6, 30) for c in commitments)
    assert first.is_new_beneficiary and first.signing_date == dt.date(2025, 3, 10)
    assert first.status is PiisStatus.SIGNED
    assert (first.duration.start, first.duration.end) == (dt.date(2025, 3, 17),
                                                          dt.date(2026, 3, 16))
    assert second.status is PiisStatus.DRAFT and second.duration.end is None
    assert second.piis_type is PiisType.TRAINING and not second.is_new_beneficiary


def test_bilan_rows_are_domain_assessments() -> None:
    """One row per life-domain assessment (AR DIS art. 11 §1; domain.md, "Bilan social"):
    labels and ids name the same domain; several needs in one cell; the assessment date
    defaults to the bilan's."""
    result = convert(DATA / "b01_bilan_fr.csv", "bilan",
                     settings={**TESTVILLE, "social_worker": "Camille Lefèvre"})
    first, second = result.documents
    assert isinstance(first, BilanSocial) and isinstance(second, BilanSocial)
    assert [a.domain for a in first.assessments] == ["income", "housing", "work"]
    assert [a.score for a in first.assessments] == [2, 4, 2]
    assert first.assessments[0].needs == ("Étaler les dettes", "Tenir un budget")
    assert first.assessments[0].assessed_on == dt.date(2025, 2, 26)
    assert first.assessments[2].assessed_on == dt.date(2025, 2, 24)
    assert first.social_worker.name == "Camille Lefèvre"
    assert second.assessments[0].domain == "health"
    assert second.assessments[0].moment is AssessmentMoment.INTERMEDIATE


def test_bilan_from_a_workbook_with_a_header_sheet() -> None:
    """The CPAS and the social worker come from the 'En-tête' sheet; a NISS cell of a
    2003 birth lost its leading zero and gets it back (the check digits prove it)."""
    result = convert(DATA / "b02_bilan_broken.xlsx", "bilan")
    (bilan,) = result.documents
    assert isinstance(bilan, BilanSocial)
    assert bilan.id == "BS-11"
    assert bilan.person.niss.compact == "03052006445"
    assert bilan.social_worker.staff_id == "AS-031"
    assert bilan.cpas.nis_code.code == "21004"
    assert bilan.assessments[0].domain == "education"


def test_convention_rows_are_expense_lines() -> None:
    """One row per justified expense; the eligible parts follow domain.md: staff 40 % of
    12 000 € = 4 800 €; a mixed audience 6 of 20 on 52 000 € = 15 600 €; an investment of
    480 € under the 500 € cap of 2018 onwards counts whole."""
    result = convert(DATA / "c01_convention_fr.csv", "convention")
    (conv,) = result.documents
    assert isinstance(conv, SubsidyConvention)
    assert (conv.year, conv.kind, conv.amount) == (2025, ConventionKind.LARGE_CITY,
                                                   Money("84000.00"))
    assert conv.section_amount(Section.COLLECTIVE_MODULES) == Money("24000.00")
    assert conv.indicators is not None and conv.indicators.beneficiaries == 180
    staff, audience, investment = conv.expenses[1], conv.expenses[2], conv.expenses[3]
    assert staff.category is ExpenseCategory.STAFF
    assert staff.staff_time_percent == Decimal(40)
    assert pro_rata_amount(staff) == Money("4800.00")
    assert pro_rata_amount(audience) == Money("15600.00")
    assert investment.section is Section.CHILD_POVERTY
    assert eligible_amount(investment, 2025) == Money("480.00")


def test_same_input_same_output() -> None:
    """Converting a file twice gives the same bytes (ids come from the input)."""
    for name, kind in (("i01_piis_fr.csv", "piis"), ("c01_convention_fr.csv", "convention")):
        assert convert(DATA / name, kind).xml == convert(DATA / name, kind).xml


def test_every_message_names_the_file() -> None:
    """Each per-row message starts with the file name, then the line, column, masked
    value and reason, in the language asked for."""
    result = convert(DATA / "i02_piis_broken_nl.csv", "piis", settings=TESTVILLE)
    problems = [p for item in result.rejected for p in item.problems]
    assert problems and all(p.file == "i02_piis_broken_nl.csv" for p in problems)
    niss = next(p for p in problems if p.column == "INSZ" and p.row == 4)
    assert niss.render("fr").startswith("i02_piis_broken_nl.csv, ligne 4, colonne « INSZ »")
    assert "79112308" not in niss.render("en")
    assert niss.to_dict("en")["file"] == "i02_piis_broken_nl.csv"
    from_bytes = convert((DATA / "i02_piis_broken_nl.csv").read_bytes(), "piis",
                         settings=TESTVILLE, name="upload.csv")
    assert from_bytes.rejected[0].problems[0].render("en").startswith("upload.csv, line 2")
