"""The shipped example profiles convert their sample files.

Expected values are read by eye from ``adapters/mappings/samples/evita-csv.csv``
and ``neptunus-xml.xml`` (amounts, dates, codes as written there, translated with
the value maps of the profiles), not from the code's output. The sample people
are fictitious: their NISS are rebuilt here from birth date and sequence number.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from cpas.adapters.mappings.adapter import ProfileAdapter, sample, shipped_profiles
from cpas.adapters.plugins import discover
from cpas.adapters.xml.documents import from_xml
from cpas.sdk.documents.partnership import (
    BeneficiaryStatus,
    GuidanceMethod,
    PartnerKind,
    PartnershipConvention,
)
from cpas.sdk.documents.reimbursement import (
    BeneficiaryCategory,
    FormType,
    LegalBasis,
    ReimbursementForm,
)
from cpas.sdk.identifiers import Kbo, NisCode, Niss
from cpas.sdk.money import Money
from cpas.sdk.periods import Period
from cpas.sdk.samples import fictitious_niss


def _adapter(name: str) -> ProfileAdapter:
    (profile,) = [p for p in shipped_profiles() if p.name == name]
    return ProfileAdapter(profile)


def _niss(year: int, month: int, day: int, sequence: int) -> Niss:
    return Niss(fictitious_niss(dt.date(year, month, day), sequence))


def test_evita_forms_and_lines() -> None:
    """Rows 2–5 make the B form of 1 Nov 2025, row 6 the D1 form of 1 Oct 2025."""
    result = _adapter("evita-csv").convert(sample("evita-csv.csv"), source="evita-csv.csv")
    assert result.records == 9  # lines 2–7 and 9–11; line 8 is blank
    form_b, form_d1 = result.documents
    assert isinstance(form_b, ReimbursementForm) and isinstance(form_d1, ReimbursementForm)
    assert form_b.form_type is FormType.DIS_B
    assert form_b.header.effective_date == dt.date(2025, 11, 1)
    assert form_b.submission_date == dt.date(2025, 12, 5)
    assert form_b.header.is_correction is False
    assert form_b.header.cpas.name == "OCMW Antwerpen (voorbeeld, fictief)"
    assert form_b.header.cpas.kbo == Kbo("0207123407")
    assert form_b.header.cpas.nis_code == NisCode("11002")
    assert [line.id for line in form_b.lines] == [
        "EV-25-0001", "EV-25-0002", "EV-25-0003", "EV-25-0004"]
    first, second, third, fourth = form_b.lines
    assert first.niss == _niss(1987, 3, 15, 62)
    assert first.beneficiary_name == "Els Janssens"
    assert first.basis is LegalBasis.INTEGRATION_INCOME
    assert first.period == Period(2025, 11)
    assert first.amount == Money(Decimal("1314.20"))
    assert first.category is BeneficiaryCategory.SINGLE
    assert first.source_id == "AN/2019/0412"
    assert first.piis_code is None
    assert (second.niss, second.amount, second.category) == (
        _niss(1979, 11, 23, 89), Money(Decimal("876.13")), BeneficiaryCategory.COHABITANT)
    assert (third.niss, third.amount, third.category, third.piis_code) == (
        _niss(2001, 6, 2, 204), Money(Decimal("1776.07")),
        BeneficiaryCategory.FAMILY_WITH_DEPENDANTS, 1)
    assert (fourth.basis, fourth.amount) == (LegalBasis.PIIS_SUBSIDY, Money(Decimal("131.42")))

    assert form_d1.form_type is FormType.LOI65_D1
    assert form_d1.header.effective_date == dt.date(2025, 10, 1)
    (line,) = form_d1.lines
    assert (line.id, line.niss, line.beneficiary_name) == (
        "EV-25-0005", _niss(1958, 9, 30, 17), "Jan Van den Broeck")
    assert (line.basis, line.period, line.amount, line.category) == (
        LegalBasis.MEDICAL_COSTS, Period(2025, 10), Money(Decimal("245.80")), None)


def test_evita_rejected_rows() -> None:
    """Lines 7 (check digits), 9 (code XYZ), 10 (1.31,20) and 11 (other sending date)."""
    result = _adapter("evita-csv").convert(sample("evita-csv.csv"), source="evita-csv.csv")
    by_line = {f.line: f for f in result.findings}
    assert list(by_line) == [7, 9, 10, 11]
    assert len(result.findings) == 4
    assert (by_line[7].code, by_line[7].path) == ("MAP-VALUE", "$[7].niss")
    assert "******-***-49" in by_line[7].text("en")
    assert "920505" not in by_line[7].text("en")
    assert (by_line[9].code, by_line[9].path) == ("MAP-CODE", "$[9].basis")
    assert "'XYZ'" in by_line[9].text("nl") and "Steunvorm" in by_line[9].text("nl")
    assert (by_line[10].code, by_line[10].path) == ("MAP-VALUE", "$[10].amount")
    assert "'1.31,20'" in by_line[10].text("fr")
    assert (by_line[11].code, by_line[11].path) == ("MAP-CONFLICT", "$[11].submission_date")
    assert all(f.source == "evita-csv.csv" for f in result.findings)
    assert all(f.message.get("fr") != f.message.get("en") for f in result.findings)
    assert [index for _, index in result.placement] == [0, 0, 0, 0, 1, None, None, None, None]


def _line_of(text: str, needle: str, occurrence: int) -> int:
    """1-based line of the ``occurrence``-th (from 1) ``needle`` in ``text``."""
    position = -1
    for _ in range(occurrence):
        position = text.index(needle, position + 1)
    return text.count("\n", 0, position) + 1


def test_neptunus_conventions() -> None:
    """Two rows make GK-PO-2025-07 (two partners), one row GK-PO-2025-09."""
    result = _adapter("neptunus-xml").convert(sample("neptunus-xml.xml"),
                                              source="neptunus-xml.xml")
    assert result.records == 6
    first, second = result.documents
    assert isinstance(first, PartnershipConvention)
    assert isinstance(second, PartnershipConvention)
    assert first.id == "GK-PO-2025-07"
    assert first.beneficiary.niss == _niss(1984, 2, 14, 72)
    assert (first.beneficiary.last_name, first.beneficiary.first_name) == ("Yilmaz", "Elif")
    assert first.beneficiary.birth_date == dt.date(1984, 2, 14)
    assert first.beneficiary.language == "nl"
    assert first.beneficiary_status is BeneficiaryStatus.SOCIAL_INTEGRATION_INCOME
    assert first.cpas.name == "OCMW Genk (voorbeeld, fictief)"
    assert (first.cpas.kbo, first.cpas.nis_code) == (Kbo("0812345603"), NisCode("71016"))
    assert first.cpas.municipality == "Genk"
    assert (first.concluded_on, first.plan_end, first.ended_on) == (
        dt.date(2025, 3, 3), dt.date(2025, 12, 31), dt.date(2025, 11, 28))
    assert (first.hours_planned, first.hours_performed) == (Decimal(120), Decimal("104.5"))
    assert first.methods == (GuidanceMethod.ACTIVE_JOB_SEARCH, GuidanceMethod.JOB_COACHING)
    office, cpas = first.partners
    assert office.organisation.name == "Arbeidsbemiddeling Limburg (fictief)"
    assert office.organisation.kbo == Kbo("0456789034")
    assert (office.kind, office.share, office.hours_performed) == (
        PartnerKind.EMPLOYMENT_OFFICE, Decimal(60), Decimal("62.5"))
    assert (cpas.kind, cpas.share, cpas.hours_performed) == (
        PartnerKind.CPAS, Decimal(40), Decimal(42))

    assert second.id == "GK-PO-2025-09"
    assert second.beneficiary.niss == _niss(1999, 10, 1, 55)
    assert second.beneficiary_status is BeneficiaryStatus.FINANCIAL_SOCIAL_AID
    assert (second.concluded_on, second.plan_end, second.ended_on) == (
        dt.date(2025, 4, 15), dt.date(2026, 1, 15), None)
    assert (second.hours_planned, second.hours_performed) == (Decimal(80), Decimal(52))
    assert second.methods == (GuidanceMethod.JOB_COACHING,)
    (partner,) = second.partners
    assert (partner.organisation.name, partner.kind, partner.share) == (
        "Loopbaanwerkplaats vzw (fictief)", PartnerKind.PARTNER, Decimal(100))


def test_neptunus_rejected_conventions() -> None:
    """GK-PO-2025-11 (share 'veertig') is rejected whole; GK-PO-2025-12 has a bad NISS."""
    data = sample("neptunus-xml.xml")
    text = data.decode("utf-8")
    result = _adapter("neptunus-xml").convert(data, source="neptunus-xml.xml")
    codes = [(f.code, f.path, f.line) for f in result.findings]
    assert codes == [
        ("MAP-GROUP", "/NeptunusExport/Rij[4]", _line_of(text, "<Rij>", 4)),
        ("MAP-VALUE", "/NeptunusExport/Rij[5]/Aandeel", _line_of(text, "<Rij>", 5)),
        ("MAP-VALUE", "/NeptunusExport/Rij[6]/INSZ", _line_of(text, "<Rij>", 6)),
    ]
    assert "GK-PO-2025-11" in result.findings[0].text("en")
    assert "'veertig'" in result.findings[1].text("en")
    assert "******-***-28" in result.findings[2].text("nl")
    assert "0303030" not in result.findings[2].text("nl")
    assert [index for _, index in result.placement] == [0, 0, 1, None, None, None]


@pytest.mark.parametrize(("name", "file"), [("evita-csv", "evita-csv.csv"),
                                            ("neptunus-xml", "neptunus-xml.xml")])
def test_sample_xml_is_valid_and_deterministic(name: str, file: str) -> None:
    """Each document's XML passed the schema, reads back equal, and a rerun is identical."""
    adapter = _adapter(name)
    result = adapter.convert(sample(file), source=file)
    again = adapter.convert(sample(file), source=file)
    assert result.xml == again.xml
    assert result.findings == again.findings
    for document, xml in zip(result.documents, result.xml, strict=True):
        assert from_xml(xml) == document


def test_samples_chosen_by_file_name() -> None:
    """The exchange folder picks a profile by its file_patterns, else by extension."""
    found = discover(entry_points=[])
    evita = found.for_file("Evita_2025-11.CSV")
    neptunus = found.for_file("in/neptunus-export-dec.xml")
    other = found.for_file("export.csv")
    assert evita is not None and evita.name == "evita-csv"
    assert neptunus is not None and neptunus.name == "neptunus-xml"
    assert other is not None and other.name == "legacy"
    read = found.get("evita-csv").read(sample("evita-csv.csv"), source="evita.csv")
    assert (len(read.documents), len(read.findings), read.records, read.ok) == (2, 4, 9, False)
