"""Export of AB, C and DF from the demo's documents, validated by lxml and xmlschema,
and read back (round trip)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs
import pytest
from bcss_support import (
    ATTEST,
    ATTEST_2,
    REQUEST_TIME,
    assert_valid,
    loi65_convention,
    official,
    xpath,
)

from cpas.adapters.bcss import (
    BcssMappingError,
    Envelope,
    export_ab,
    export_c,
    export_df,
    read_ab,
    read_c,
    read_df,
)
from cpas.sdk import Cpas, Money, Period
from cpas.sdk.documents.reimbursement import (
    FormHeader,
    FormType,
    LegalBasis,
    ReimbursementForm,
    ReimbursementLine,
    file_number_key,
    from_partnership_conventions,
)
from cpas.sdk.parties import Address
from cpas.sdk.samples import CPAS, PERSON, sample_set
from strategies import niss_digits

NISS_B = niss_digits(dt.date(1988, 6, 30), 41)
ENVELOPE = Envelope(user_id="00000000097", email="informatique@cpas.example",
                    service_id="OCMWCPASLoi65Decisions", version="20120509",
                    reference="NAMUR-2025-12-0001", request_time=REQUEST_TIME)


def d1_form(lines: list[ReimbursementLine], file_number: str = "AB-123") -> ReimbursementForm:
    header = FormHeader(cpas=CPAS, effective_date=dt.date(2025, 11, 1), file_number=file_number)
    return ReimbursementForm(form_type=FormType.LOI65_D1, header=header, lines=lines,
                             submission_date=dt.date(2025, 12, 8))


NOVEMBER = Period(2025, 11)


def line(basis: LegalBasis, amount: str, niss: str = PERSON.niss.compact,
         period: Period = NOVEMBER) -> ReimbursementLine:
    return ReimbursementLine(niss=niss, basis=basis, period=period, amount=Money(amount))


# --- DF -----------------------------------------------------------------------------------------


def test_partnership_convention_to_df() -> None:
    """The demo's convention (124 hours performed, ended 28/11/2025) earns 500 € (at least
    100 hours: circular of 31 January 2013, domain.md "Partnership conventions"): the DF
    carries 500,00 € = 50000 cents as PartnerconventionAmount and TotalAmount, month
    2025-11, the beneficiary's NISS and the CPAS's KBO 0212345668 as an integer."""
    data = export_df(loi65_convention(), attest_ids=[ATTEST], double_maximum=False,
                     file_number="AB-123", schemas=official())
    assert_valid(data)
    d1 = "/l:L65_DF_DecisionRequest/l:RefundformD1/"
    assert xpath(data, d1 + "l:PrimaryBeneficiaryAids/l:PartnerconventionAmount") == ["50000"]
    assert xpath(data, d1 + "l:TotalAmount") == ["50000"]
    assert xpath(data, d1 + "l:ReferenceMonth") == ["2025-11"]
    assert xpath(data, d1 + "l:SSIN") == [PERSON.niss.compact]
    assert xpath(data, "//c:KBOBCE") == ["212345668"]
    assert xpath(data, "//c:FileID") == ["000000AB123"]
    assert xpath(data, d1 + "l:DeliveredAmountsD1/l:DoubleMaximum") == ["false"]


def test_revenu_integration_convention_refused_for_df() -> None:
    """The demo's convention is for a beneficiary of the revenu d'intégration: it is claimed
    on the loi DIS form B, not on the loi 65 DF form."""
    with pytest.raises(BcssMappingError) as caught:
        export_df(sample_set().partnership, attest_ids=[ATTEST], double_maximum=False,
                  file_number="AB-123")
    assert caught.value.path == "$.beneficiary_status"


def test_dis_form_refused_for_df() -> None:
    """The demo's reimbursement form is a loi DIS form B: not a DF."""
    with pytest.raises(BcssMappingError) as caught:
        export_df(sample_set().reimbursement, attest_ids=[ATTEST], double_maximum=False,
                  file_number="AB-123")
    assert caught.value.path == "$.form_type"


def test_reimbursement_lines_to_df_amounts() -> None:
    """Each basis lands in its element; medical costs one element per line; amounts of one
    basis summed; TotalAmount the sum in cents: 1 200,00 + 310,50 + 500 + 40,10 + 12,34 +
    250,25 = 2 313,19 € = 231319 cents."""
    conv = from_partnership_conventions([loi65_convention()], header=d1_form([]).header,
                                        submission_date=dt.date(2025, 12, 8),
                                        form_type=FormType.LOI65_D1)
    lines = [line(LegalBasis.ART_60_7, "1200.00"), line(LegalBasis.ACTIVATION, "300.00"),
             line(LegalBasis.ACTIVATION, "10.50"), *conv.lines,
             line(LegalBasis.MEDICAL_COSTS, "40.10"), line(LegalBasis.MEDICAL_COSTS, "12.34"),
             line(LegalBasis.BIRTH_ALLOWANCE, "250.25")]
    data = export_df(d1_form(lines), attest_ids=[ATTEST], double_maximum=True,
                     schemas=official())
    assert_valid(data)
    d1 = "/l:L65_DF_DecisionRequest/l:RefundformD1/"
    aids = d1 + "l:PrimaryBeneficiaryAids/"
    assert xpath(data, aids + "l:Art60p7Amount") == ["120000"]
    assert xpath(data, aids + "l:ActivationAmount") == ["31050"]
    assert xpath(data, aids + "l:PartnerconventionAmount") == ["50000"]
    assert xpath(data, d1 + "l:DeliveredAmountsD1/l:MedicalCostsAmount") == ["4010", "1234"]
    assert xpath(data, d1 + "l:DeliveredAmountsD1/l:BirthAllowance/l:Amount") == ["250.25"]
    assert xpath(data, d1 + "l:TotalAmount") == ["231319"]


def test_several_people_need_the_envelope() -> None:
    """One request holds one D1: two beneficiaries need the SSDN envelope, which carries the
    CPAS KBO as OrgUnit, sector 17, sub-sector 1, the reference and the request time."""
    form = d1_form([line(LegalBasis.ART_61, "100.00"),
                    line(LegalBasis.ALIMONY, "200.00", niss=NISS_B)])
    with pytest.raises(BcssMappingError, match="envelope"):
        export_df(form, attest_ids=[ATTEST, ATTEST_2], double_maximum=False)
    data = export_df(form, attest_ids=[ATTEST, ATTEST_2], double_maximum=False,
                     envelope=ENVELOPE, schemas=official())
    assert_valid(data)
    user = "/s:SSDNRequest/s:RequestContext/s:AuthorizedUser/"
    assert xpath(data, user + "s:OrgUnit") == ["0212345668"]
    assert xpath(data, user + "s:MatrixID") == ["17"]
    assert xpath(data, user + "s:MatrixSubID") == ["1"]
    message = "/s:SSDNRequest/s:RequestContext/s:Message/"
    assert xpath(data, message + "s:TimeRequest") == ["20251208T093015"]
    assert xpath(data, message + "s:Reference") == ["NAMUR-2025-12-0001"]
    assert xpath(data, "//s:ServiceRequest/s:Version") == ["20120509", "20120509"]
    assert xpath(data, "//l:RefundformD1/l:SSIN") == [PERSON.niss.compact, NISS_B]


def test_envelope_body_is_validated_too() -> None:
    """The envelope's body is validated lax: a body breaking its schema is reported."""
    data = export_df(d1_form([line(LegalBasis.ART_61, "1.00")]), attest_ids=[ATTEST],
                     double_maximum=False, envelope=ENVELOPE)
    broken = data.replace(b"<TotalAmount>100</TotalAmount>", b"")
    errors = official().errors(broken)
    assert any(e.startswith("lxml:") for e in errors)
    assert any(e.startswith("xmlschema:") for e in errors)


def test_amount_too_large_and_unmapped_basis() -> None:
    """8 digits of cents hold at most 999 999,99 €; social economy has no D1 amount."""
    with pytest.raises(BcssMappingError, match="8 digits") as caught:
        export_df(d1_form([line(LegalBasis.ART_61, "1000000.00")]), attest_ids=[ATTEST],
                  double_maximum=False)
    assert caught.value.path == "$.lines[0]"
    with pytest.raises(BcssMappingError, match="social_economy"):
        export_df(d1_form([line(LegalBasis.SOCIAL_ECONOMY, "10.00")]), attest_ids=[ATTEST],
                  double_maximum=False)


def test_df_round_trip() -> None:
    """D1 → DF → D1: NISS, month, basis and amounts, CPAS KBO and file number come back."""
    original = d1_form([line(LegalBasis.ART_60_7, "1200.00"),
                        line(LegalBasis.PHARMACEUTICAL_COSTS, "33.33"),
                        line(LegalBasis.HOUSING_COSTS, "450.00", niss=NISS_B)])
    data = export_df(original, attest_ids=[ATTEST, ATTEST_2], double_maximum=False,
                     envelope=ENVELOPE)
    back = read_df(data, cpas=CPAS, effective_date=original.header.effective_date,
                   submission_date=original.submission_date)
    key = sorted((x.niss.compact, str(x.period), x.basis.value, x.amount.amount)
                 for x in original.lines)
    assert sorted((x.niss.compact, str(x.period), x.basis.value, x.amount.amount)
                  for x in back.lines) == key
    assert back.header.file_key == original.header.file_key == file_number_key("AB123")
    assert back.header.cpas.kbo == CPAS.kbo
    other = Cpas(name="OCMW Gent", kbo="0403019261", nis_code="44021")
    with pytest.raises(BcssMappingError, match="not"):
        read_df(data, cpas=other, effective_date=dt.date(2025, 11, 1),
                submission_date=dt.date(2025, 12, 8))


# --- AB -----------------------------------------------------------------------------------------


def test_ab_from_demo_piis_and_round_trip() -> None:
    """The demo's PIIS gives the AB form: person, CPAS, decision date 20/02/2025; read back,
    the person's NISS, names, birth date, address parts and the dates are unchanged."""
    piis = sample_set().piis
    data = export_ab(piis, attest_id=ATTEST, status_code="1", nationality_code=150,
                     juridical_procedure=False, file_number="AB-123",
                     entry_date=dt.date(2025, 3, 1), duration_months=12, schemas=official())
    assert_valid(data)
    back = read_ab(data)
    assert back.person == attrs.evolve(piis.beneficiary, language=None, address=None)
    address = piis.beneficiary.address
    assert address is not None
    assert (back.street, back.house_number, back.box, back.postal_code) == (
        address.street, address.house_number, address.box, address.postal_code)
    assert back.decision_date == dt.date(2025, 2, 20)
    assert back.entry_date == dt.date(2025, 3, 1)
    assert back.kbo == CPAS.kbo
    assert back.gender == "F"  # sequence 158 is even: a woman (domain.md, Identifiers)
    assert (back.status_code, back.nationality_code, back.duration_months) == ("1", 150, 12)
    assert back.juridical_procedure is False


def test_ab_from_demo_reimbursement() -> None:
    """The demo's reimbursement form gives the AB form: its header's effective and decision
    dates and the one beneficiary (names from ``person``), in the envelope."""
    form = attrs.evolve(sample_set().reimbursement,
                        lines=[attrs.evolve(sample_set().reimbursement.lines[0],
                                            basis=LegalBasis.EQUIVALENT_SOCIAL_AID)])
    data = export_ab(form, attest_id=ATTEST, status_code="1", nationality_code=150,
                     juridical_procedure=True, file_number="AB-123", person=PERSON,
                     envelope=ENVELOPE, schemas=official())
    assert_valid(data)
    b1 = "//l:CommonDecisionB1/"
    assert xpath(data, b1 + "l:EntryDate") == ["2025-11-28"]
    assert xpath(data, b1 + "l:DecisionDate") == ["2025-02-20"]
    assert xpath(data, b1 + "l:RequestedAids/l:FinancialAid") == ["true"]
    plain = export_ab(sample_set().reimbursement, attest_id=ATTEST, status_code="1",
                      nationality_code=150, juridical_procedure=True, file_number="AB-123",
                      person=PERSON, schemas=official())
    assert_valid(plain)


def test_ab_needs_what_the_sdk_lacks() -> None:
    """No invented values: without address, entry date or file number the export refuses."""
    piis = sample_set().piis
    nowhere = attrs.evolve(piis, beneficiary=attrs.evolve(piis.beneficiary, address=None))
    with pytest.raises(BcssMappingError, match="address"):
        export_ab(nowhere, attest_id=ATTEST, status_code="1", nationality_code=150,
                  juridical_procedure=False, file_number="X1", entry_date=dt.date(2025, 3, 1))
    with pytest.raises(BcssMappingError, match="entry"):
        export_ab(piis, attest_id=ATTEST, status_code="1", nationality_code=150,
                  juridical_procedure=False, file_number="X1")
    with pytest.raises(BcssMappingError, match="file number"):
        export_ab(piis, attest_id=ATTEST, status_code="1", nationality_code=150,
                  juridical_procedure=False, entry_date=dt.date(2025, 3, 1))
    moved = Address(street="Kerkstraat", house_number="1", postal_code="9000",
                    municipality="Gent")
    data = export_ab(nowhere, attest_id=ATTEST, status_code="12", nationality_code=0,
                     juridical_procedure=False, file_number="X1", entry_date=dt.date(2025, 3, 1),
                     address=moved, schemas=official())
    assert xpath(data, "//c:Address/c:PostalCode") == ["9000"]


# --- C ------------------------------------------------------------------------------------------


def _loi65_from_demo() -> ReimbursementForm:
    demo = sample_set().reimbursement
    return attrs.evolve(demo, form_type=FormType.LOI65_C,
                        header=attrs.evolve(demo.header, file_number="AB-123"))


def test_c_from_demo_and_round_trip() -> None:
    """Cancellation of the demo's decision (20/02/2025) from the form's effective date
    (28/11/2025), codes given by the caller; read back unchanged."""
    data = export_c(_loi65_from_demo(), attest_ids=[ATTEST], suffix=0, decision_nature="B",
                    cancellation_reason="01", schemas=official())
    assert_valid(data)
    (back,) = read_c(data)
    assert (back.entry_date, back.decision_date) == (dt.date(2025, 11, 28), dt.date(2025, 2, 20))
    assert back.niss == PERSON.niss
    assert (back.suffix, back.decision_nature, back.cancellation_reason) == (0, "B", "01")
    assert back.kbo == CPAS.kbo and file_number_key(back.file_number) == "AB123"
    enveloped = export_c(_loi65_from_demo(), attest_ids=[ATTEST], suffix=0,
                         decision_nature="B", cancellation_reason="01", envelope=ENVELOPE,
                         schemas=official())
    assert_valid(enveloped)
    assert read_c(enveloped) == (back,)


def test_c_refuses_dis_forms_and_bad_codes() -> None:
    """C is a loi 65 form; its codes have the schema's lengths (1 and 2 characters)."""
    with pytest.raises(BcssMappingError, match="loi 65"):
        export_c(sample_set().reimbursement, attest_ids=[ATTEST], suffix=0,
                 decision_nature="B", cancellation_reason="01", file_number="AB-123")
    with pytest.raises(BcssMappingError) as caught:
        export_c(_loi65_from_demo(), attest_ids=[ATTEST], suffix=0, decision_nature="B",
                 cancellation_reason="1")
    assert caught.value.path == "$.cancellation_reason"
    with pytest.raises(BcssMappingError, match="15 characters"):
        export_c(_loi65_from_demo(), attest_ids=["short"], suffix=0, decision_nature="B",
                 cancellation_reason="01")


def test_money_total_is_exact() -> None:
    """Sanity of the test's own arithmetic: 2 313,19 €."""
    parts = ["1200.00", "300.00", "10.50", "500.00", "40.10", "12.34", "250.25"]
    assert sum(Decimal(p) for p in parts) == Decimal("2313.19")


# --- F (recovery, in the DF request) --------------------------------------------------------------


def test_recovery_form_f_and_round_trip() -> None:
    """A loi 65 F form: one RecoveringFormF per line with the recovered amount in cents,
    the line's recovery type and its month as PeriodOfRecovering; read back as an F form."""
    header = FormHeader(cpas=CPAS, effective_date=dt.date(2025, 12, 1), file_number="AB-123")
    lines = [ReimbursementLine(niss=PERSON.niss, basis=LegalBasis.EQUIVALENT_SOCIAL_AID,
                               period=Period(2025, 9), amount=Money("120.40"),
                               recovery_type="04"),
             ReimbursementLine(niss=NISS_B, basis=LegalBasis.HOUSING_COSTS,
                               period=Period(2025, 10), amount=Money("75.00"),
                               recovery_type="01")]
    form = ReimbursementForm(form_type=FormType.LOI65_F, header=header, lines=lines,
                             submission_date=dt.date(2025, 12, 8))
    data = export_df(form, attest_ids=[ATTEST, ATTEST_2], suffix=0, original_form="D",
                     schemas=official())
    assert_valid(data)
    details = "//l:RecoveringFormF/l:RecoveringDetails/"
    assert xpath(data, details + "l:RecoveredAmount") == ["12040", "7500"]
    assert xpath(data, details + "l:Type") == ["04", "01"]
    assert xpath(data, details + "l:PeriodOfRecovering/common:EndDate") == [
        "2025-09-30", "2025-10-31"]
    back = read_df(data, cpas=CPAS, effective_date=header.effective_date,
                   submission_date=form.submission_date)
    assert back.form_type is FormType.LOI65_F
    assert [(x.niss, x.period, x.amount, x.recovery_type) for x in back.lines] == [
        (x.niss, x.period, x.amount, x.recovery_type) for x in lines]
    with pytest.raises(BcssMappingError, match="original_form"):
        export_df(form, attest_ids=[ATTEST, ATTEST_2], suffix=0)
    no_type = attrs.evolve(form, lines=[attrs.evolve(lines[0], recovery_type=None)])
    with pytest.raises(BcssMappingError) as caught:
        export_df(no_type, attest_ids=[ATTEST], suffix=0, original_form="D")
    assert caught.value.path == "$.lines[0].recovery_type"
