"""The mapping tables: SDK field ↔ XPath in the official BCSS loi 65 forms.

One table per form (:data:`AB`, :data:`C`, :data:`DF`), each row naming the SDK field (or
``param:<name>`` when the form needs a value the SDK does not hold and the caller must pass
it), the XPath below the request's root element, the conversion and the code list. The
code in :mod:`cpas.adapters.bcss.forms` writes and reads exactly these rows (tests check
that every row's element appears in an exported sample), and ``docs/bcss-mapping.md``
presents them in FR/NL/EN. :data:`NOT_CARRIED` lists, per SDK document, what no form can
carry: ``cpas bcss export --explain`` prints it.

Prefixes in XPaths: none = ``…/OCMW_CPAS/LoiWet65``, ``c65:`` = ``…/LoiWet65Common``,
``common:`` = ``…/SSDN/Common``.
"""

from __future__ import annotations

import attrs

from ...sdk.documents.reimbursement import LegalBasis
from ...sdk.text import Text

__all__ = ["AB", "D1_AMOUNTS", "DF", "ENVELOPE", "NOT_CARRIED", "AmountRow", "C", "F", "Row"]


@attrs.frozen
class Row:
    """One mapped field."""

    sdk: str
    """SDK field (``header.cpas.kbo``, ``lines[].niss``) or ``param:<name>``."""
    xpath: str
    """Below the form's root element."""
    conversion: str = "as is"
    code_list: str | None = None
    """Name of a list in ``data/codes.toml``."""


@attrs.frozen
class AmountRow:
    """Where the lines of one legal basis go on the refund form D1."""

    basis: LegalBasis
    xpath: str
    """Below ``RefundformD1``; the last step is the amount element."""
    decimal: bool = False
    """True for ``xs:decimal`` amounts (written in euros); else ``xs:integer`` (euro cents)."""
    repeat: int = 1
    """Elements allowed (one per line); 1 = the lines of the basis are summed."""


_FILE = (
    Row("cpas.kbo", "c65:FileIdentification/c65:KBOBCE",
        "KBO/BCE number as xs:integer (leading 0 dropped; padded back to 10 digits on import)"),
    Row("header.file_number | param:file_number", "c65:FileIdentification/c65:FileID",
        "loi 65 file number without separators, upper case, left-padded with 0 to 11 "
        "characters (leading zeros are not significant: domain.md, Reimbursement)"),
)

D1_AMOUNTS: tuple[AmountRow, ...] = (
    AmountRow(LegalBasis.EQUIVALENT_SOCIAL_AID, "DeliveredAmountsD1/FinancialAid/Amount"),
    AmountRow(LegalBasis.MEDICAL_COSTS, "DeliveredAmountsD1/MedicalCostsAmount", repeat=5),
    AmountRow(LegalBasis.PHARMACEUTICAL_COSTS, "DeliveredAmountsD1/PharmaceuticalCostsAmount",
              repeat=5),
    AmountRow(LegalBasis.HEALTH_INSURANCE_CONTRIBUTION,
              "DeliveredAmountsD1/MutBaseContributionAmount"),
    AmountRow(LegalBasis.REPATRIATION_COSTS, "DeliveredAmountsD1/RepatriationCostsAmount"),
    AmountRow(LegalBasis.PLACEMENT_COSTS, "DeliveredAmountsD1/PlacementCostsAmount"),
    AmountRow(LegalBasis.HOUSING_COSTS, "DeliveredAmountsD1/HousingCostsAmount"),
    AmountRow(LegalBasis.BIRTH_ALLOWANCE, "DeliveredAmountsD1/BirthAllowance/Amount",
              decimal=True),
    AmountRow(LegalBasis.GUARANTEED_CHILD_ALLOWANCE,
              "DeliveredAmountsD1/GuaranteedChildAllowance/Amount"),
    AmountRow(LegalBasis.OTHER_AID, "DeliveredAmountsD1/OtherRequestedAids"),
    AmountRow(LegalBasis.ART_60_7, "PrimaryBeneficiaryAids/Art60p7Amount"),
    AmountRow(LegalBasis.ART_61, "PrimaryBeneficiaryAids/Art61Amount"),
    AmountRow(LegalBasis.ACTIVATION, "PrimaryBeneficiaryAids/ActivationAmount"),
    AmountRow(LegalBasis.PARTNERSHIP_CONVENTION, "PrimaryBeneficiaryAids/PartnerconventionAmount"),
    AmountRow(LegalBasis.ALIMONY, "PrimaryBeneficiaryAids/AlimonyAmount"),
)
"""Legal basis → D1 amount element, in the schema's element order."""

_CENTS = "Money → euro cents (xs:integer, at most 8 digits: 999 999,99 €)"

DF: tuple[Row, ...] = (
    *_FILE,
    Row("lines[].period | convention end month", "RefundformD1/ReferenceMonth",
        "Period → xs:gYearMonth YYYY-MM (one D1 per beneficiary and month)"),
    Row("param:attest_ids", "RefundformD1/UniqueAttestID", "15 characters, one per D1"),
    Row("lines[].niss | beneficiary.niss", "RefundformD1/SSIN", "NISS, 11 digits"),
    *(Row(f"lines[basis={r.basis.value}].amount"
          + (" | intervention(convention)" if r.basis is LegalBasis.PARTNERSHIP_CONVENTION
             else ""),
          "RefundformD1/" + r.xpath,
          "Money → euros, 2 decimals (xs:decimal)" if r.decimal else
          _CENTS + ("; one element per line, at most 5" if r.repeat > 1 else
                    "; lines of the basis summed"))
      for r in D1_AMOUNTS),
    Row("param:double_maximum", "RefundformD1/DeliveredAmountsD1/DoubleMaximum", "xs:boolean"),
    Row("sum of the amounts above", "RefundformD1/TotalAmount", _CENTS),
)

F: tuple[Row, ...] = (
    *_FILE,
    Row("header.effective_date", "RecoveringFormF/ReferenceDate", "xs:date ≥ 2002-01-01"),
    Row("param:attest_ids", "RecoveringFormF/UniqueAttestID", "15 characters, one per line"),
    Row("lines[].niss", "RecoveringFormF/SSIN", "NISS, 11 digits; one form F per line"),
    Row("param:suffix", "RecoveringFormF/Suffix", "xs:int 0–99"),
    Row("param:original_form", "RecoveringFormF/RecoveringDetails/OriginalForm",
        "1 character", code_list="original_form"),
    Row("lines[].recovery_type", "RecoveringFormF/RecoveringDetails/Type", "2 characters",
        code_list="recovery_type"),
    Row("lines[].amount", "RecoveringFormF/RecoveringDetails/RecoveredAmount", _CENTS),
    Row("lines[].period", "RecoveringFormF/RecoveringDetails/PeriodOfRecovering/common:StartDate",
        "first day of the month (EndDate: its last day)"),
)
"""The recovery form F, in the same ``L65_DF_DecisionRequest`` (loi 65 F forms)."""

AB: tuple[Row, ...] = (
    *_FILE,
    Row("header.effective_date | param:entry_date", "IdentificationA/EntryDate",
        "xs:date ≥ 2002-01-01 (also CommonDecisionB1/EntryDate)"),
    Row("param:attest_id", "IdentificationA/UniqueAttestID",
        "15 characters (also CommonDecisionB1/UniqueAttestID)"),
    Row("beneficiary.niss | lines[0].niss",
        "IdentificationA/PrimaryBeneficiary/c65:BeneficiaryID/c65:SSIN",
        "NISS, 11 digits (also CommonDecisionB1/IdentificationPrimaryBeneficiary/SSIN)"),
    Row("beneficiary.last_name", "IdentificationA/PrimaryBeneficiary/c65:BeneficiaryID/c65:Name"),
    Row("beneficiary.first_name",
        "IdentificationA/PrimaryBeneficiary/c65:BeneficiaryID/c65:Firstname"),
    Row("beneficiary.birth_date",
        "IdentificationA/PrimaryBeneficiary/c65:BeneficiaryID/c65:BirthDate",
        "date → t_IncompleteDate YYYY-MM-DD"),
    Row("param:status_code", "IdentificationA/PrimaryBeneficiary/Status",
        code_list="beneficiary_status"),
    Row("beneficiary.address.street | param:address",
        "IdentificationA/PrimaryBeneficiary/c65:Address/c65:Street"),
    Row("beneficiary.address.house_number",
        "IdentificationA/PrimaryBeneficiary/c65:Address/c65:HouseNumber"),
    Row("beneficiary.address.box", "IdentificationA/PrimaryBeneficiary/c65:Address/c65:Box"),
    Row("beneficiary.address.postal_code",
        "IdentificationA/PrimaryBeneficiary/c65:Address/c65:PostalCode",
        "Belgian 4-digit postal code → xs:nonNegativeInteger"),
    Row("param:nationality_code", "IdentificationA/PrimaryBeneficiary/Nationality",
        "xs:int 0–999", code_list="nationality"),
    Row("beneficiary.niss (sex)", "IdentificationA/PrimaryBeneficiary/Gender",
        "odd sequence → M, even → F; left out for a BIS number without known sex",
        code_list="gender"),
    Row("lines[].basis", "CommonDecisionB1/RequestedAids/*",
        "true for each kind of aid claimed on the form (see the D1 table)"),
    Row("param:duration_months", "CommonDecisionB1/c65:Duration/c65:Months", "xs:int 0–12"),
    Row("header.decision_date | decision_date", "CommonDecisionB1/DecisionDate", "xs:date"),
    Row("param:juridical_procedure", "CommonDecisionB1/JuridicalProcedure", "xs:boolean"),
)

C: tuple[Row, ...] = (
    *_FILE,
    Row("header.effective_date", "CancellationFormC/EntryDate", "xs:date ≥ 2002-01-01"),
    Row("param:attest_ids", "CancellationFormC/UniqueAttestID", "15 characters, one per person"),
    Row("lines[].niss", "CancellationFormC/SSIN", "NISS, 11 digits; one form per person"),
    Row("param:suffix", "CancellationFormC/Suffix",
        "xs:int 0–99 (the beneficiary's suffix in the file)"),
    Row("header.decision_date", "CancellationFormC/AidCancellation/DecisionDate", "xs:date"),
    Row("param:decision_nature", "CancellationFormC/AidCancellation/Decisionnature",
        "1 character", code_list="decision_nature"),
    Row("param:cancellation_reason", "CancellationFormC/AidCancellation/CancellationReason",
        "2 characters", code_list="cancellation_reason"),
)

ENVELOPE: tuple[Row, ...] = (
    Row("param:user_id", "RequestContext/AuthorizedUser/UserID",
        "t_SSIN: the user's NISS or a program id in NISS format"),
    Row("param:email", "RequestContext/AuthorizedUser/Email"),
    Row("cpas.kbo", "RequestContext/AuthorizedUser/OrgUnit", "KBO/BCE number, 10 digits"),
    Row("settings.toml envelope.matrix_id", "RequestContext/AuthorizedUser/MatrixID", "17"),
    Row("settings.toml envelope.matrix_sub_id", "RequestContext/AuthorizedUser/MatrixSubID", "1"),
    Row("param:reference", "RequestContext/Message/Reference"),
    Row("param:request_time", "RequestContext/Message/TimeRequest",
        "UTC → t_DateTimeUTC yyyyMMddThhmmss"),
    Row("param:service_id", "ServiceRequest/ServiceId"),
    Row("param:version", "ServiceRequest/Version", "8 characters"),
)

NOT_CARRIED: dict[str, tuple[tuple[str, Text], ...]] = {
    "reimbursement": (
        ("id, lines[].id", Text(fr="identifiants SDK du formulaire et des lignes",
                                nl="SDK-identificaties van het formulier en de lijnen",
                                en="SDK ids of the form and its lines")),
        ("form_type (other than loi 65 D1 for DF)",
         Text(fr="les formulaires loi DIS (B, C, D) n'ont pas de formulaire BCSS loi 65",
              nl="RMI-formulieren (B, C, D) hebben geen KSZ-formulier wet 65",
              en="loi DIS forms (B, C, D) have no BCSS loi 65 form")),
        ("header.cpas.name, nis_code, municipality, address",
         Text(fr="seul le numéro BCE du CPAS figure sur le formulaire",
              nl="alleen het KBO-nummer van het OCMW staat op het formulier",
              en="only the CPAS's KBO/BCE number is on the form")),
        ("header.effective_date (DF), is_correction, category, submission_date",
         Text(fr="pas d'élément correspondant dans le formulaire DF",
              nl="geen overeenkomstig element in het DF-formulier",
              en="no matching element in the DF form")),
        ("beneficiaries_*, previous_rate",
         Text(fr="données du taux loi DIS, sans objet en loi 65",
              nl="gegevens van het RMI-percentage, niet van toepassing in wet 65",
              en="loi DIS rate data, not relevant under loi 65")),
        ("lines[].beneficiary_name, rate_category, piis_code, income_exemption, source_id, "
         "expense_date, recovery_type, category",
         Text(fr="le D1 ne porte que NISS, mois et montants par nature d'aide",
              nl="het D1 draagt enkel INSZ, maand en bedragen per soort hulp",
              en="D1 carries only NISS, month and amounts per kind of aid")),
        ("lines[basis=integration_income, piis_subsidy, social_economy, hospital_costs, "
         "ambulatory_costs]",
         Text(fr="pas de montant D1 : revenu d'intégration et PIIS (loi DIS), économie sociale "
                 "(jours et initiative seulement), frais hospitaliers/ambulatoires (formulaire "
                 "D2 : numéro INAMI de l'établissement, non géré)",
              nl="geen D1-bedrag: leefloon en GPMI (RMI-wet), sociale economie (enkel dagen en "
                 "initiatief), hospitalisatie/ambulante kosten (formulier D2: RIZIV-nummer van "
                 "de instelling, niet ondersteund)",
              en="no D1 amount: integration income and PIIS (loi DIS), social economy (days and "
                 "initiative only), hospital/ambulatory costs (form D2: care institution's "
                 "INAMI number, not supported)")),
        ("lines[].basis (form F)",
         Text(fr="le formulaire F ne nomme pas la nature d'aide : relu comme « autre aide »",
              nl="formulier F noemt de soort hulp niet: teruggelezen als „andere hulp”",
              en="form F names no kind of aid: read back as other_aid")),
        ("several lines of one basis in a month (except medical/pharmaceutical)",
         Text(fr="additionnées en un seul montant", nl="opgeteld tot één bedrag",
              en="summed into one amount")),
    ),
    "partnership": (
        ("partners, hours, methods, claims, concluded_on, plan_end, employment_contract_on",
         Text(fr="seul le montant de l'intervention (mesure 500 €) est porté, au mois de fin",
              nl="alleen het bedrag van de tussenkomst (maatregel 500 €) staat erop, in de "
                 "maand van het einde",
              en="only the intervention amount (500 € measure) is carried, in the end month")),
        ("beneficiary names, birth date, language, address; cpas name and NIS code",
         Text(fr="le D1 ne porte que le NISS et le numéro BCE",
              nl="het D1 draagt enkel het INSZ en het KBO-nummer",
              en="D1 carries only the NISS and the KBO/BCE number")),
    ),
    "piis": (
        ("objectives, commitments, evaluations, signatures, amendments, piis_type, duration, "
         "status and every PIIS date but the decision date",
         Text(fr="le formulaire AB identifie la personne et la décision, pas le PIIS",
              nl="het AB-formulier identificeert de persoon en de beslissing, niet het GPMI",
              en="the AB form identifies the person and the decision, not the PIIS")),
        ("beneficiary.language, address.municipality, address.country",
         Text(fr="pas d'élément dans Common65:Address / BeneficiaryID",
              nl="geen element in Common65:Address / BeneficiaryID",
              en="no element in Common65:Address / BeneficiaryID")),
        ("cpas.name, nis_code", Text(fr="seul le numéro BCE du CPAS figure sur le formulaire",
                                     nl="alleen het KBO-nummer van het OCMW staat erop",
                                     en="only the CPAS's KBO/BCE number is on the form")),
    ),
}
