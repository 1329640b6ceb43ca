"""The reimbursement form: a CPAS's claim to SPP IS, and the State share it earns.

A form follows the shape of the real NOVA PRIMA forms (domain.md, "Reimbursement by
SPP IS: rates, forms, deadlines"):

* loi DIS (loi du 26 mai 2002, art. 32 ff.): **B** decision granting the revenu
  d'intégration and claim of the State share (carries the PIIS code and the art. 35
  income exemption), **C** refusal or withdrawal, **D** recovery;
* loi 65 (loi du 2 avril 1965, aide sociale): **A** identity, **B1** decision granting
  aid (within 45 days), **B2** medical care outside MediPrima, **C** end of decision,
  **D1** monthly cost claim at 100 % on an accepted B1, **D2** hospital and
  pharmaceutical costs, **F** recovery.

A :class:`FormHeader` carries what every form repeats (CPAS, effective date,
correction status, category, loi 65 file number, decision date); one
:class:`ReimbursementLine` per beneficiary, legal basis and month. A form may hold
a whole monthly batch (150 000–200 000 lines nationally, domain.md "Figures for
scale"): nothing here is quadratic in the number of lines.

:func:`state_share` computes the State's part from the dated rates of
``data/parameters.toml`` and ``data/reimbursement.toml``; the builders
:func:`from_partnership_conventions` and :func:`from_piis` make forms from the
other documents. Whether a form respects the rules (deadlines, codes, bases) is
checked by :mod:`cpas.sdk.rules.reimbursement`; construction refuses only what
cannot be represented.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import ClassVar

import attrs

from .._model import facets, label, locate, member, new_id, opt_count, opt_text, text, tuple_of
from ..errors import InvalidType, InvalidValue
from ..identifiers import Niss
from ..money import Money, to_decimal
from ..parameters import Parameters
from ..parties import Cpas
from ..periods import Period, to_date, to_opt_date
from ..text import Text
from .partnership import PartnershipConvention, intervention
from .piis import Piis

__all__ = [
    "BeneficiaryCategory",
    "FormHeader",
    "FormType",
    "Law",
    "LegalBasis",
    "LineShare",
    "RateCategory",
    "ReimbursementForm",
    "ReimbursementLine",
    "StateShare",
    "base_rate",
    "file_number_key",
    "from_partnership_conventions",
    "from_piis",
    "state_share",
]


# --- Enumerations ----------------------------------------------------------------------------


class Law(enum.Enum):
    """The law under which SPP IS reimburses the CPAS."""

    DIS = "dis"
    """Loi du 26 mai 2002 concernant le droit à l'intégration sociale (revenu d'intégration)."""
    LOI65 = "loi65"
    """Loi du 2 avril 1965 (aide sociale: State charge of aid granted by CPAS)."""

    @property
    def label(self) -> Text:
        return _LAW_LABELS[self]


_LAW_LABELS: dict[Law, Text] = {
    Law.DIS: Text(fr="Loi DIS (droit à l'intégration sociale)",
                  nl="RMI-wet (recht op maatschappelijke integratie)",
                  en="Social integration act (loi DIS)"),
    Law.LOI65: Text(fr="Loi du 2 avril 1965 (aide sociale)",
                    nl="Wet van 2 april 1965 (maatschappelijke dienstverlening)",
                    en="Act of 2 April 1965 (social aid)"),
}


class FormType(enum.Enum):
    """The NOVA PRIMA form; each belongs to one :class:`Law`."""

    DIS_B = "dis_b"
    """Decision granting the revenu d'intégration and claim of the State share."""
    DIS_C = "dis_c"
    """Refusal (1) or withdrawal (2), with effective and council dates."""
    DIS_D = "dis_d"
    """Recovery (month booked, sequence number, recovery type code)."""
    LOI65_A = "loi65_a"
    """Identity of the beneficiaries (principal, partner and children by suffix)."""
    LOI65_B1 = "loi65_b1"
    """Decision granting aid (to send within 45 days)."""
    LOI65_B2 = "loi65_b2"
    """Hospital or ambulatory care outside MediPrima (at most 12 months)."""
    LOI65_C = "loi65_c"
    """End of a decision."""
    LOI65_D1 = "loi65_d1"
    """Monthly cost claim (one calendar month, 100 %, on an accepted B1)."""
    LOI65_D2 = "loi65_d2"
    """Hospital and pharmaceutical costs."""
    LOI65_F = "loi65_f"
    """Recovery from the beneficiary or a third party."""

    @property
    def law(self) -> Law:
        """The law the form belongs to."""
        return Law.DIS if self.value.startswith("dis_") else Law.LOI65

    @property
    def is_claim(self) -> bool:
        """True for the forms that claim money (DIS B; loi 65 D1, D2)."""
        return self in _CLAIMS

    @property
    def is_recovery(self) -> bool:
        """True for recovery forms (DIS D, loi 65 F): the State share is paid back."""
        return self in (FormType.DIS_D, FormType.LOI65_F)

    @property
    def is_cost_statement(self) -> bool:
        """True for loi 65 cost statements (D1, D2), due within 12 months after the quarter."""
        return self in (FormType.LOI65_D1, FormType.LOI65_D2)

    @property
    def label(self) -> Text:
        return _FORM_LABELS[self]


_CLAIMS = frozenset({FormType.DIS_B, FormType.LOI65_D1, FormType.LOI65_D2})

_FORM_LABELS: dict[FormType, Text] = {
    FormType.DIS_B: Text(fr="Formulaire B (loi DIS) : octroi et demande de subvention",
                         nl="Formulier B (RMI-wet): toekenning en aanvraag van de toelage",
                         en="Form B (loi DIS): grant and claim of the State share"),
    FormType.DIS_C: Text(fr="Formulaire C (loi DIS) : refus ou retrait",
                         nl="Formulier C (RMI-wet): weigering of intrekking",
                         en="Form C (loi DIS): refusal or withdrawal"),
    FormType.DIS_D: Text(fr="Formulaire D (loi DIS) : récupération",
                         nl="Formulier D (RMI-wet): terugvordering",
                         en="Form D (loi DIS): recovery"),
    FormType.LOI65_A: Text(fr="Formulaire A (loi 65) : identité des bénéficiaires",
                           nl="Formulier A (wet 65): identiteit van de begunstigden",
                           en="Form A (loi 65): identity of the beneficiaries"),
    FormType.LOI65_B1: Text(fr="Formulaire B1 (loi 65) : décision d'octroi",
                            nl="Formulier B1 (wet 65): toekenningsbeslissing",
                            en="Form B1 (loi 65): decision granting aid"),
    FormType.LOI65_B2: Text(fr="Formulaire B2 (loi 65) : soins hors MediPrima",
                            nl="Formulier B2 (wet 65): zorg buiten MediPrima",
                            en="Form B2 (loi 65): care outside MediPrima"),
    FormType.LOI65_C: Text(fr="Formulaire C (loi 65) : fin de décision",
                           nl="Formulier C (wet 65): einde van de beslissing",
                           en="Form C (loi 65): end of a decision"),
    FormType.LOI65_D1: Text(fr="Formulaire D1 (loi 65) : état de frais mensuel",
                            nl="Formulier D1 (wet 65): maandelijkse kostenstaat",
                            en="Form D1 (loi 65): monthly cost claim"),
    FormType.LOI65_D2: Text(fr="Formulaire D2 (loi 65) : frais hospitaliers et pharmaceutiques",
                            nl="Formulier D2 (wet 65): hospitalisatie- en farmaceutische kosten",
                            en="Form D2 (loi 65): hospital and pharmaceutical costs"),
    FormType.LOI65_F: Text(fr="Formulaire F (loi 65) : récupération",
                           nl="Formulier F (wet 65): terugvordering",
                           en="Form F (loi 65): recovery"),
}


class BeneficiaryCategory(enum.Enum):
    """Category of the beneficiary (sets the monthly revenu d'intégration, loi DIS art. 14)."""

    COHABITANT = "cohabitant"
    SINGLE = "single"
    """Isolé / alleenstaande."""
    FAMILY_WITH_DEPENDANTS = "family_with_dependants"
    """Person living with a family dependent on them (famille à charge / gezinslast)."""
    OTHER = "other"
    """No revenu d'intégration category applies (e.g. medical aid only)."""

    @property
    def label(self) -> Text:
        return _CATEGORY_LABELS[self]

    @property
    def amount_key(self) -> str | None:
        """The dated parameter holding the monthly amount (``ris.amount.*``), if any."""
        return _AMOUNT_KEYS.get(self)


_CATEGORY_LABELS: dict[BeneficiaryCategory, Text] = {
    BeneficiaryCategory.COHABITANT: Text(fr="Cohabitant", nl="Samenwonende", en="Cohabitant"),
    BeneficiaryCategory.SINGLE: Text(fr="Isolé", nl="Alleenstaande", en="Single person"),
    BeneficiaryCategory.FAMILY_WITH_DEPENDANTS: Text(
        fr="Personne vivant avec une famille à sa charge", nl="Persoon met gezin ten laste",
        en="Person with a dependent family"),
    BeneficiaryCategory.OTHER: Text(fr="Autre", nl="Andere", en="Other"),
}

_AMOUNT_KEYS: dict[BeneficiaryCategory, str] = {
    BeneficiaryCategory.COHABITANT: "ris.amount.cohabitant",
    BeneficiaryCategory.SINGLE: "ris.amount.isole",
    BeneficiaryCategory.FAMILY_WITH_DEPENDANTS: "ris.amount.famille",
}


class LegalBasis(enum.Enum):
    """What a line claims. Names follow the BCSS loi 65 DF vocabulary where there is one
    (``FinancialAid``, ``MedicalCostsAmount``, ``Art60p7Amount``, ``PartnerconventionAmount``…).
    """

    INTEGRATION_INCOME = "integration_income"
    PIIS_SUBSIDY = "piis_subsidy"
    ART_60_7 = "art_60_7"
    ART_61 = "art_61"
    ACTIVATION = "activation"
    PARTNERSHIP_CONVENTION = "partnership_convention"
    SOCIAL_ECONOMY = "social_economy"
    EQUIVALENT_SOCIAL_AID = "equivalent_social_aid"
    MEDICAL_COSTS = "medical_costs"
    PHARMACEUTICAL_COSTS = "pharmaceutical_costs"
    HOSPITAL_COSTS = "hospital_costs"
    AMBULATORY_COSTS = "ambulatory_costs"
    HEALTH_INSURANCE_CONTRIBUTION = "health_insurance_contribution"
    REPATRIATION_COSTS = "repatriation_costs"
    PLACEMENT_COSTS = "placement_costs"
    HOUSING_COSTS = "housing_costs"
    BIRTH_ALLOWANCE = "birth_allowance"
    GUARANTEED_CHILD_ALLOWANCE = "guaranteed_child_allowance"
    ALIMONY = "alimony"
    OTHER_AID = "other_aid"

    @property
    def laws(self) -> frozenset[Law]:
        """The laws under which this basis may be claimed."""
        return _BASIS_LAWS.get(self, _LOI65_ONLY)

    @property
    def is_activation_measure(self) -> bool:
        """Employment and activation measures, reimbursed as claimed (the subsidy itself)."""
        return self in _MEASURES

    @property
    def label(self) -> Text:
        return _BASIS_LABELS[self]


_BOTH = frozenset({Law.DIS, Law.LOI65})
_DIS_ONLY = frozenset({Law.DIS})
_LOI65_ONLY = frozenset({Law.LOI65})
_BASIS_LAWS: dict[LegalBasis, frozenset[Law]] = {
    LegalBasis.INTEGRATION_INCOME: _DIS_ONLY,
    LegalBasis.PIIS_SUBSIDY: _DIS_ONLY,
    LegalBasis.ART_60_7: _BOTH,
    LegalBasis.ART_61: _BOTH,
    LegalBasis.ACTIVATION: _BOTH,
    LegalBasis.PARTNERSHIP_CONVENTION: _BOTH,
    LegalBasis.SOCIAL_ECONOMY: _BOTH,
}
_MEASURES = frozenset({LegalBasis.ART_60_7, LegalBasis.ART_61, LegalBasis.ACTIVATION,
                       LegalBasis.PARTNERSHIP_CONVENTION, LegalBasis.SOCIAL_ECONOMY})

_BASIS_LABELS: dict[LegalBasis, Text] = {
    LegalBasis.INTEGRATION_INCOME: Text(fr="Revenu d'intégration", nl="Leefloon",
                                        en="Integration income"),
    LegalBasis.PIIS_SUBSIDY: Text(fr="Subvention spéciale PIIS", nl="Bijzondere toelage GPMI",
                                  en="PIIS special subsidy"),
    LegalBasis.ART_60_7: Text(fr="Mise à l'emploi (art. 60 §7)",
                              nl="Tewerkstelling (art. 60 §7)", en="Employment (art. 60 §7)"),
    LegalBasis.ART_61: Text(fr="Mise à l'emploi (art. 61)", nl="Tewerkstelling (art. 61)",
                            en="Employment (art. 61)"),
    LegalBasis.ACTIVATION: Text(fr="Mesure d'activation", nl="Activeringsmaatregel",
                                en="Activation measure"),
    LegalBasis.PARTNERSHIP_CONVENTION: Text(
        fr="Convention de partenariat (mesure 500 €)",
        nl="Partnerschapsovereenkomst (maatregel 500 €)",
        en="Partnership convention (500 € measure)"),
    LegalBasis.SOCIAL_ECONOMY: Text(fr="Économie sociale", nl="Sociale economie",
                                    en="Social economy"),
    LegalBasis.EQUIVALENT_SOCIAL_AID: Text(
        fr="Aide sociale équivalente au revenu d'intégration",
        nl="Maatschappelijke hulp gelijkwaardig aan het leefloon",
        en="Social aid equivalent to the integration income"),
    LegalBasis.MEDICAL_COSTS: Text(fr="Frais médicaux", nl="Medische kosten", en="Medical costs"),
    LegalBasis.PHARMACEUTICAL_COSTS: Text(fr="Frais pharmaceutiques", nl="Farmaceutische kosten",
                                          en="Pharmaceutical costs"),
    LegalBasis.HOSPITAL_COSTS: Text(fr="Frais d'hospitalisation", nl="Hospitalisatiekosten",
                                    en="Hospital costs"),
    LegalBasis.AMBULATORY_COSTS: Text(fr="Frais ambulatoires", nl="Ambulante kosten",
                                      en="Ambulatory care costs"),
    LegalBasis.HEALTH_INSURANCE_CONTRIBUTION: Text(
        fr="Cotisation à la mutualité", nl="Bijdrage aan het ziekenfonds",
        en="Health insurance contribution"),
    LegalBasis.REPATRIATION_COSTS: Text(fr="Frais de rapatriement", nl="Repatriëringskosten",
                                        en="Repatriation costs"),
    LegalBasis.PLACEMENT_COSTS: Text(fr="Frais de placement", nl="Plaatsingskosten",
                                     en="Placement costs"),
    LegalBasis.HOUSING_COSTS: Text(fr="Frais de logement", nl="Huisvestingskosten",
                                   en="Housing costs"),
    LegalBasis.BIRTH_ALLOWANCE: Text(fr="Allocation de naissance", nl="Kraamgeld",
                                     en="Birth allowance"),
    LegalBasis.GUARANTEED_CHILD_ALLOWANCE: Text(
        fr="Allocations familiales garanties", nl="Gewaarborgde gezinsbijslag",
        en="Guaranteed child allowance"),
    LegalBasis.ALIMONY: Text(fr="Avances sur pensions alimentaires",
                             nl="Voorschotten op onderhoudsgeld", en="Maintenance advances"),
    LegalBasis.OTHER_AID: Text(fr="Autre aide", nl="Andere hulp", en="Other aid"),
}


class RateCategory(enum.Enum):
    """Which rate applies to a revenu d'intégration line (loi DIS art. 32)."""

    STANDARD = "standard"
    """55 / 65 / 70 % by the CPAS's number of beneficiaries."""
    FOREIGNERS_REGISTER = "foreigners_register"
    """Person in the foreigners' register: 100 %."""
    HOMELESS_FIRST_RESIDENCE = "homeless_first_residence"
    """Homeless person moving into a first residence: 100 %."""

    @property
    def label(self) -> Text:
        return _RATE_LABELS[self]


_RATE_LABELS: dict[RateCategory, Text] = {
    RateCategory.STANDARD: Text(fr="Taux ordinaire", nl="Gewoon percentage", en="Standard rate"),
    RateCategory.FOREIGNERS_REGISTER: Text(
        fr="Inscrit au registre des étrangers (100 %)",
        nl="Ingeschreven in het vreemdelingenregister (100 %)",
        en="Foreigners' register (100 %)"),
    RateCategory.HOMELESS_FIRST_RESIDENCE: Text(
        fr="Sans-abri s'installant dans un premier logement (100 %)",
        nl="Dakloze die een eerste woning betrekt (100 %)",
        en="Homeless person moving into a first residence (100 %)"),
}


# --- Converters ------------------------------------------------------------------------------


def _form_type(value: FormType | str) -> FormType:
    return member(FormType, value)


def _basis(value: LegalBasis | str) -> LegalBasis:
    return member(LegalBasis, value)


def _rate_category(value: RateCategory | str) -> RateCategory:
    return member(RateCategory, value)


def _opt_category(value: BeneficiaryCategory | str | None) -> BeneficiaryCategory | None:
    return None if value is None else member(BeneficiaryCategory, value)


def _niss(value: Niss | str) -> Niss:
    return value if isinstance(value, Niss) else Niss(value)


def _money(value: Money | Decimal | int | str) -> Money:
    return value if isinstance(value, Money) else Money(value)


def _opt_money(value: Money | Decimal | int | str | None) -> Money | None:
    return None if value is None else _money(value)


def _period(value: Period | str) -> Period:
    if isinstance(value, Period):
        return value
    if isinstance(value, str):
        return Period.parse(value)
    raise InvalidType(f"expected a Period or YYYY-MM, got {type(value).__name__}")


def _flag(value: bool) -> bool:
    if not isinstance(value, bool):
        raise InvalidType(f"expected true or false, got {type(value).__name__}")
    return value


def _opt_rate(value: Decimal | int | str | None) -> Decimal | None:
    if value is None:
        return None
    rate = to_decimal(value, field="rate")
    if not Decimal(0) <= rate <= Decimal(100):
        raise InvalidValue("a rate is a percentage from 0 to 100", shown=str(rate))
    return rate


facets(_opt_rate, minInclusive="0", maxInclusive="100")


def _cpas(value: Cpas) -> Cpas:
    if not isinstance(value, Cpas):
        raise InvalidType(f"expected Cpas, got {type(value).__name__}")
    return value


def _header(value: FormHeader) -> FormHeader:
    if not isinstance(value, FormHeader):
        raise InvalidType(f"expected FormHeader, got {type(value).__name__}")
    return value


def _lines(values: Iterable[ReimbursementLine]) -> tuple[ReimbursementLine, ...]:
    return tuple_of(ReimbursementLine)(values)


# --- CPAS file number (loi 65) ---------------------------------------------------------------

_FILE_SEPARATORS = re.compile(r"[\s./\-_]")


def file_number_key(value: str) -> str:
    """The comparison form of a loi 65 CPAS file number.

    Separators and leading zeros are ignored and letters compared without case
    (domain.md, "Reimbursement by SPP IS"):

    >>> file_number_key("00-ab/123") == file_number_key("AB123")
    True
    >>> file_number_key("ab.0123")
    'AB0123'
    """
    return _FILE_SEPARATORS.sub("", value).upper().lstrip("0") or "0"


# --- Header and lines ------------------------------------------------------------------------


@attrs.frozen(kw_only=True, field_transformer=locate)
class FormHeader:
    """What every form repeats: the CPAS, dates, correction status, category, file number.

    ``is_correction`` is NOVA PRIMA's status code 1: the form replaces the form of
    the same effective date (and, under loi 65, of the same file).
    """

    LABEL: ClassVar[Text] = Text(fr="En-tête du formulaire", nl="Hoofding van het formulier",
                                 en="Form header")

    cpas: Cpas = attrs.field(converter=_cpas, metadata=label("CPAS", "OCMW", "CPAS"))
    effective_date: dt.date = attrs.field(
        converter=to_date, metadata=label("Date de prise de cours", "Ingangsdatum",
                                          "Effective date"))
    is_correction: bool = attrs.field(
        default=False, converter=_flag,
        metadata=label("Correction (code statut 1)", "Correctie (statuscode 1)",
                       "Correction (status code 1)"))
    category: BeneficiaryCategory | None = attrs.field(
        default=None, converter=_opt_category,
        metadata=label("Catégorie du bénéficiaire", "Categorie van de begunstigde",
                       "Beneficiary category"))
    file_number: str | None = attrs.field(
        default=None, converter=opt_text,
        metadata=label("Numéro de dossier CPAS (loi 65)", "OCMW-dossiernummer (wet 65)",
                       "CPAS file number (loi 65)"))
    decision_date: dt.date | None = attrs.field(
        default=None, converter=to_opt_date,
        metadata=label("Date de la décision du conseil", "Datum van de raadsbeslissing",
                       "Council decision date"))

    @property
    def file_key(self) -> str | None:
        """The file number in its comparison form (see :func:`file_number_key`)."""
        return None if self.file_number is None else file_number_key(self.file_number)


@attrs.frozen(kw_only=True, field_transformer=locate)
class ReimbursementLine:
    """One claim line: a beneficiary, a legal basis, a month and an amount.

    ``category`` overrides the header's category for this line, so that one batch
    can hold beneficiaries of several categories.
    """

    LABEL: ClassVar[Text] = Text(fr="Ligne de remboursement", nl="Terugbetalingslijn",
                                 en="Reimbursement line")

    id: str = attrs.field(factory=new_id, converter=text,
                          metadata=label("Identifiant", "Identificatie", "Identifier"))
    niss: Niss = attrs.field(converter=_niss, metadata=label(
        "NISS du bénéficiaire", "INSZ van de begunstigde", "Beneficiary NISS"))
    beneficiary_name: str | None = attrs.field(
        default=None, converter=opt_text,
        metadata=label("Nom du bénéficiaire", "Naam van de begunstigde", "Beneficiary name"))
    basis: LegalBasis = attrs.field(
        converter=_basis, metadata=label("Base légale", "Wettelijke basis", "Legal basis"))
    period: Period = attrs.field(
        converter=_period, metadata=label("Mois concerné", "Betrokken maand", "Month"))
    amount: Money = attrs.field(converter=_money,
                                metadata=label("Montant", "Bedrag", "Amount"))
    rate_category: RateCategory = attrs.field(
        default=RateCategory.STANDARD, converter=_rate_category,
        metadata=label("Catégorie de taux", "Categorie van percentage", "Rate category"))
    piis_code: int | None = attrs.field(
        default=None, converter=opt_count,
        metadata=label("Code PIIS (formulaire B)", "GPMI-code (formulier B)",
                       "PIIS code (form B)"))
    income_exemption: Money | None = attrs.field(
        default=None, converter=_opt_money,
        metadata=label("Exonération art. 35", "Vrijstelling art. 35",
                       "Art. 35 income exemption"))
    source_id: str | None = attrs.field(
        default=None, converter=opt_text,
        metadata=label("Document source (décision, PIIS, convention)",
                       "Brondocument (beslissing, GPMI, overeenkomst)",
                       "Source document (decision, PIIS, convention)"))
    expense_date: dt.date | None = attrs.field(
        default=None, converter=to_opt_date,
        metadata=label("Date de la dépense", "Datum van de uitgave", "Expense date"))
    recovery_type: str | None = attrs.field(
        default=None, converter=opt_text,
        metadata=label("Code du type de récupération", "Code van het type terugvordering",
                       "Recovery type code"))
    category: BeneficiaryCategory | None = attrs.field(
        default=None, converter=_opt_category,
        metadata=label("Catégorie (si différente de l'en-tête)",
                       "Categorie (indien anders dan de hoofding)",
                       "Category (if not the header's)"))


# --- The document ----------------------------------------------------------------------------


@attrs.frozen(kw_only=True, field_transformer=locate)
class ReimbursementForm:
    """A reimbursement form sent by a CPAS to SPP IS (one form type, many lines).

    Loi DIS art. 32 ff. and 43/2; loi du 2 avril 1965 art. 9–12. domain.md,
    "Reimbursement by SPP IS: rates, forms, deadlines". Rule checks:
    :mod:`cpas.sdk.rules.reimbursement`.

    The beneficiary counts and ``previous_rate`` are the inputs of the State-share
    rate (see :func:`base_rate`); leave them out and the base rate applies.
    """

    LABEL: ClassVar[Text] = Text(fr="Formulaire de remboursement", nl="Terugbetalingsformulier",
                                 en="Reimbursement form")

    id: str = attrs.field(factory=new_id, converter=text,
                          metadata=label("Identifiant", "Identificatie", "Identifier"))
    form_type: FormType = attrs.field(
        converter=_form_type, metadata=label("Formulaire", "Formulier", "Form"))
    header: FormHeader = attrs.field(
        converter=_header, metadata=label("En-tête", "Hoofding", "Header"))
    lines: tuple[ReimbursementLine, ...] = attrs.field(
        default=(), converter=_lines, metadata=label("Lignes", "Lijnen", "Lines"))
    submission_date: dt.date = attrs.field(
        converter=to_date, metadata=label("Date d'envoi", "Verzendingsdatum", "Submission date"))
    beneficiaries_year_before_last: int | None = attrs.field(
        default=None, converter=opt_count,
        metadata=label("Moyenne mensuelle des bénéficiaires de l'avant-dernière année",
                       "Maandelijks gemiddelde van de begunstigden van het voorlaatste jaar",
                       "Monthly average of beneficiaries, year before last"))
    beneficiaries_three_years_before: int | None = attrs.field(
        default=None, converter=opt_count,
        metadata=label("Moyenne mensuelle des bénéficiaires de l'année qui la précède",
                       "Maandelijks gemiddelde van de begunstigden van het jaar daarvoor",
                       "Monthly average of beneficiaries, the year before that"))
    previous_rate: Decimal | None = attrs.field(
        default=None, converter=_opt_rate,
        metadata=label("Taux de subvention de l'année précédente (%)",
                       "Toelagepercentage van het vorige jaar (%)",
                       "Previous year's State-share rate (%)"))

    @property
    def law(self) -> Law:
        return self.form_type.law

    def rules_date(self) -> dt.date:
        """The header's effective date: the law of that day applies to the whole form.

        Every form has one (all data are repeated on a change); per-line amounts
        and rates are still looked up at each line's own month.
        """
        return self.header.effective_date

    def total(self) -> Money:
        """Sum of the line amounts."""
        return Money.total(line.amount for line in self.lines)

    def total_by_basis(self) -> dict[LegalBasis, Money]:
        """Sum of the line amounts per legal basis (bases without lines are left out)."""
        sums: dict[LegalBasis, Decimal] = {}
        for line in self.lines:
            sums[line.basis] = sums.get(line.basis, Decimal(0)) + line.amount.amount
        return {basis: Money(value) for basis, value in sums.items()}

    def category_of(self, line: ReimbursementLine) -> BeneficiaryCategory | None:
        """The line's category, or the header's when the line has none."""
        return line.category or self.header.category


# --- State share ------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class LineShare:
    """The State's part of one line."""

    LABEL: ClassVar[Text] = Text(fr="Part de l'État par ligne", nl="Aandeel van de Staat per lijn",
                                 en="State share of a line")

    line_id: str = attrs.field(metadata=label("Ligne", "Lijn", "Line"))
    rate: Decimal = attrs.field(metadata=label("Taux (%)", "Percentage (%)", "Rate (%)"))
    share: Money = attrs.field(metadata=label("Part de l'État", "Aandeel van de Staat",
                                              "State share"))
    piis_subsidy: Money = attrs.field(
        factory=Money.zero,
        metadata=label("Subvention spéciale PIIS", "Bijzondere toelage GPMI",
                       "PIIS special subsidy"))

    @property
    def total(self) -> Money:
        return self.share + self.piis_subsidy


def _shares(values: Iterable[LineShare]) -> tuple[LineShare, ...]:
    return tuple_of(LineShare)(values)


@attrs.frozen(kw_only=True)
class StateShare:
    """The State share of a form: per line and in total.

    For recovery forms (DIS D, loi 65 F) it is the part of the recovered amounts
    that goes back to the State.
    """

    LABEL: ClassVar[Text] = Text(fr="Part de l'État", nl="Aandeel van de Staat",
                                 en="State share")

    base_rate: Decimal = attrs.field(metadata=label(
        "Taux de base du CPAS (%)", "Basispercentage van het OCMW (%)", "CPAS base rate (%)"))
    lines: tuple[LineShare, ...] = attrs.field(
        converter=_shares, metadata=label("Lignes", "Lijnen", "Lines"))
    total: Money = attrs.field(metadata=label("Total", "Totaal", "Total"))


def base_rate(
    beneficiaries: int | None,
    earlier: int | None = None,
    previous_rate: Decimal | None = None,
    *,
    on: dt.date,
    parameters: Parameters | None = None,
) -> Decimal:
    """The CPAS's rate (percent) for the revenu d'intégration (loi DIS art. 32 §1).

    ``beneficiaries`` is the monthly average of the year before last, ``earlier`` that
    of the year before it, ``previous_rate`` the rate applied the year before.
    domain.md, "Reimbursement by SPP IS" and https://primabook.mi-is.be/fr/node/24:

    * 55 %; 65 % from 500 beneficiaries a month; 70 % from 1 000;
    * a higher rate than ``previous_rate`` starts only if the count also grew by at
      least 5 % on ``earlier`` (unknown growth: the previous rate stays);
    * below the threshold the rate falls by 1 point a year, down to the rate of the
      count, and not at all when the count fell by less than 3 % (unknown fall:
      the 1-point step applies).

    Simplifications, on purpose: without a count the base rate applies; without a
    ``previous_rate`` the count alone decides (no history to smooth).

    >>> from decimal import Decimal as D
    >>> on = dt.date(2025, 3, 1)
    >>> base_rate(600, on=on), base_rate(1200, on=on), base_rate(100, on=on)
    (Decimal('65'), Decimal('70'), Decimal('55'))
    >>> base_rate(600, 590, D(55), on=on)   # +1.7 %: the higher rate waits
    Decimal('55')
    >>> base_rate(450, 520, D(65), on=on)   # below 500, fell 13 %: one point less
    Decimal('64')
    """
    p = parameters or Parameters.default()
    base = p.decimal("reimbursement.ris.rate.base", on)
    if beneficiaries is None:
        return base
    tier = base
    if beneficiaries >= p.integer("reimbursement.ris.threshold.1000", on):
        tier = p.decimal("reimbursement.ris.rate.1000", on)
    elif beneficiaries >= p.integer("reimbursement.ris.threshold.500", on):
        tier = p.decimal("reimbursement.ris.rate.500", on)
    if previous_rate is None or tier == previous_rate:
        return tier
    if tier > previous_rate:
        growth = p.decimal("reimbursement.ris.rate_increase.min_growth_percent", on)
        grew = earlier is not None and (
            earlier == 0 or (beneficiaries - earlier) * 100 >= growth * earlier)
        return tier if grew else previous_rate
    min_fall = p.decimal("reimbursement.ris.rate_decrease.min_fall_percent", on)
    small_fall = earlier is not None and (
        earlier == 0 or (earlier - beneficiaries) * 100 < min_fall * earlier)
    if small_fall:
        return previous_rate
    step = p.decimal("reimbursement.ris.rate_decrease.points_per_year", on)
    return max(tier, previous_rate - step)


def _codes(value: str) -> frozenset[int]:
    return frozenset(int(part) for part in value.split(",") if part.strip())


@attrs.frozen
class _MonthRates:
    full: Decimal
    measure: Decimal
    loi65: Decimal
    piis_percent: Decimal | None
    piis_codes: frozenset[int]


def _month_rates(p: Parameters, day: dt.date) -> _MonthRates:
    subsidy = "reimbursement.piis_subsidy_percent"
    codes = "reimbursement.dis.piis_codes_with_subsidy"
    return _MonthRates(
        full=p.decimal("reimbursement.ris.rate.full", day),
        measure=p.decimal("reimbursement.measure.rate", day),
        loi65=p.decimal("reimbursement.loi65.rate", day),
        piis_percent=p.decimal(subsidy, day) if p.in_force(subsidy, day) else None,
        piis_codes=_codes(p.text(codes, day)) if p.in_force(codes, day) else frozenset(),
    )


def state_share(form: ReimbursementForm, *, parameters: Parameters | None = None) -> StateShare:
    """The State share of ``form``, per line and in total, from the dated rates.

    Per line, rates are those in force on the first day of the line's month:

    * loi DIS revenu d'intégration: the CPAS's :func:`base_rate` (counts of the form,
      at its effective date), or 100 % for the foreigners' register and homeless
      people moving into a first residence; plus the PIIS special subsidy (10 %
      of the revenu d'intégration, loi DIS art. 43/2, since 1 Nov 2016) when the
      line's PIIS code is one that carries it;
    * PIIS subsidy lines, partnership conventions and the other activation measures:
      the amount claimed (the line is the subsidy itself);
    * loi 65 (D1, D2, F): 100 %;
    * forms that claim nothing (DIS C, loi 65 A, B1, B2, C): 0.

    Each line is rounded half up to the cent; the total is the sum of the lines.
    Work is linear in the number of lines (rates are looked up once per month).
    Raises :class:`~cpas.sdk.errors.NoRuleInForce` for a date with no rate in force
    (the dated table starts in 2004).
    """
    p = parameters or Parameters.default()
    rate = base_rate(form.beneficiaries_year_before_last, form.beneficiaries_three_years_before,
                     form.previous_rate, on=form.rules_date(), parameters=p)
    pays = form.form_type.is_claim or form.form_type.is_recovery
    is_dis = form.law is Law.DIS
    months: dict[Period, _MonthRates] = {}
    out: list[LineShare] = []
    total = Decimal(0)
    zero = Money.zero()
    for line in form.lines:
        if not pays:
            out.append(LineShare(line_id=line.id, rate=Decimal(0), share=zero))
            continue
        rates = months.get(line.period)
        if rates is None:
            rates = months[line.period] = _month_rates(p, line.period.first_day())
        subsidy = zero
        if not is_dis:
            percent = rates.loi65
        elif line.basis is LegalBasis.INTEGRATION_INCOME:
            percent = rate if line.rate_category is RateCategory.STANDARD else rates.full
            if rates.piis_percent is not None and line.piis_code in rates.piis_codes:
                subsidy = line.amount.percent(rates.piis_percent)
        else:
            percent = rates.measure
        share = line.amount.percent(percent)
        out.append(LineShare(line_id=line.id, rate=percent, share=share, piis_subsidy=subsidy))
        total += share.amount + subsidy.amount
    return StateShare(base_rate=rate, lines=tuple(out), total=Money(total))


# --- Builders ---------------------------------------------------------------------------------


def from_piis(
    claims: Iterable[tuple[Piis, Money]],
    *,
    header: FormHeader,
    period: Period,
    submission_date: dt.date,
    parameters: Parameters | None = None,
    form_id: str | None = None,
) -> ReimbursementForm:
    """A loi DIS form B claiming the PIIS special subsidy for ``period``.

    ``claims`` pairs each PIIS running in ``period`` with the revenu d'intégration
    granted to its beneficiary for that month; each gives one line of basis
    :attr:`LegalBasis.PIIS_SUBSIDY` worth the subsidy percentage in force (10 %,
    loi DIS art. 43/2) of that amount, with the PIIS's form-B code and its id as
    source. The caller chooses which PIIS run in the month; for a couple at the
    family rate with one mandatory PIIS, pass the family amount once (domain.md:
    10 % of that amount, not doubled).
    """
    p = parameters or Parameters.default()
    percent = p.decimal("reimbursement.piis_subsidy_percent", period.first_day())
    lines = [
        ReimbursementLine(
            niss=piis.beneficiary.niss, beneficiary_name=piis.beneficiary.full_name,
            basis=LegalBasis.PIIS_SUBSIDY, period=period,
            amount=_money(income).percent(percent), piis_code=piis.form_b_code,
            source_id=piis.id)
        for piis, income in claims
    ]
    return ReimbursementForm(id=form_id or new_id(), form_type=FormType.DIS_B, header=header,
                             lines=lines, submission_date=submission_date)


def from_partnership_conventions(
    conventions: Iterable[PartnershipConvention],
    *,
    header: FormHeader,
    submission_date: dt.date,
    period: Period | None = None,
    form_type: FormType = FormType.DIS_B,
    parameters: Parameters | None = None,
    form_id: str | None = None,
) -> ReimbursementForm:
    """A form claiming the total intervention of each partnership convention (mesure 500 €).

    SPP IS reimburses the CPAS the **total** intervention per convention (500 € for
    at least 100 hours performed or employment before the plan ends, 250 € for at
    least 50 hours), through the ad hoc forms (circular of 31 January 2013;
    domain.md, "Partnership conventions"). One line per convention, basis
    :attr:`LegalBasis.PARTNERSHIP_CONVENTION`, amount
    :func:`~cpas.sdk.documents.partnership.intervention`, the convention's id as
    source, for ``period`` or, by default, the month the convention ended (when the
    balance falls due). Conventions with no intervention due give no line.
    ``form_type`` is DIS B for beneficiaries of the revenu d'intégration, loi 65 D1
    for those of financial social aid.
    """
    lines: list[ReimbursementLine] = []
    for conv in conventions:
        amount = intervention(conv, parameters=parameters)
        if not amount:
            continue
        lines.append(ReimbursementLine(
            niss=conv.beneficiary.niss, beneficiary_name=conv.beneficiary.full_name,
            basis=LegalBasis.PARTNERSHIP_CONVENTION,
            period=period or Period.of(conv.end_date), amount=amount, source_id=conv.id))
    return ReimbursementForm(id=form_id or new_id(), form_type=form_type, header=header,
                             lines=lines, submission_date=submission_date)
