"""Partnership convention "mesure 500 €": guidance of a beneficiary towards a job.

The CPAS concludes an individual convention with the regional employment office
and/or one or more partners (and may take part in the guidance itself) to guide a
beneficiary of the revenu d'intégration or of financial social aid towards a job on
the ordinary labour market, by active job search and/or job coaching. Legal basis:
AR of 23 September 2004 on the CPAS's financial intervention for guidance towards
employment, as amended by the AR of 8 October 2012 (in force 4 November 2012);
circular of 31 January 2013.

Intervention per convention: 500 € for at least 100 hours of guidance, 250 € for at
least 50 hours, 500 € when the person gets a job before the individual plan ends. The
CPAS pays half of the agreed amount at conclusion and the balance on the partner's
déclaration de créance at the end, split between partners by their share of the
guidance, also when the person is employed early; SPP IS reimburses the CPAS the
total intervention.

domain.md, "Partnership conventions, "mesure 500 €" (circular of 31 January 2013)".

Amounts and thresholds are the dated parameters ``partnership.*`` in force at the
conclusion date (:meth:`PartnershipConvention.rules_date`): a convention concluded
before 4 November 2012 has none, and :func:`intervention` raises
:class:`~cpas.sdk.errors.NoRuleInForce`.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from decimal import Decimal
from typing import ClassVar

import attrs

from .._model import facets, instance, label, locate, new_id, text, tuple_of
from ..errors import InvalidValue
from ..money import Money, to_decimal
from ..parameters import Parameters
from ..parties import Cpas, Organisation, Person
from ..periods import to_date, to_opt_date
from ..text import Text

__all__ = [
    "BeneficiaryStatus",
    "ClaimDeclaration",
    "GuidanceMethod",
    "Partner",
    "PartnerKind",
    "PartnerPayment",
    "PartnershipConvention",
    "agreed_amount",
    "employed_in_time",
    "intervention",
    "payments",
]


# --- Enumerations -------------------------------------------------------------------------------


class BeneficiaryStatus(enum.Enum):
    """What the person receives from the CPAS."""

    SOCIAL_INTEGRATION_INCOME = "social_integration_income"
    """Revenu d'intégration / leefloon."""
    FINANCIAL_SOCIAL_AID = "financial_social_aid"
    """Financial social aid (aide sociale financière / financiële maatschappelijke hulp)."""
    OTHER = "other"
    """Another user of the CPAS: not eligible for the measure."""

    @property
    def label(self) -> Text:
        return _STATUS_LABELS[self]


_STATUS_LABELS: dict[BeneficiaryStatus, Text] = {
    BeneficiaryStatus.SOCIAL_INTEGRATION_INCOME: Text(
        fr="Revenu d'intégration", nl="Leefloon", en="Social integration income"),
    BeneficiaryStatus.FINANCIAL_SOCIAL_AID: Text(
        fr="Aide sociale financière", nl="Financiële maatschappelijke hulp",
        en="Financial social aid"),
    BeneficiaryStatus.OTHER: Text(
        fr="Autre usager du CPAS", nl="Andere gebruiker van het OCMW", en="Other CPAS user"),
}


class PartnerKind(enum.Enum):
    """Who a guiding party is."""

    CPAS = "cpas"
    """The CPAS itself (it may take more than half of the hours)."""
    EMPLOYMENT_OFFICE = "employment_office"
    """The regional employment office (Actiris, Forem, VDAB, ADG)."""
    PARTNER = "partner"
    """Another partner: association, training body, company."""

    @property
    def label(self) -> Text:
        return _PARTNER_KIND_LABELS[self]


_PARTNER_KIND_LABELS: dict[PartnerKind, Text] = {
    PartnerKind.CPAS: Text(fr="CPAS", nl="OCMW", en="CPAS"),
    PartnerKind.EMPLOYMENT_OFFICE: Text(fr="Service régional de l'emploi",
                                        nl="Gewestelijke dienst voor arbeidsbemiddeling",
                                        en="Regional employment office"),
    PartnerKind.PARTNER: Text(fr="Partenaire", nl="Partner", en="Partner"),
}


class GuidanceMethod(enum.Enum):
    """How the person is guided, as validated by the CPAS."""

    ACTIVE_JOB_SEARCH = "active_job_search"
    JOB_COACHING = "job_coaching"

    @property
    def label(self) -> Text:
        return _METHOD_LABELS[self]


_METHOD_LABELS: dict[GuidanceMethod, Text] = {
    GuidanceMethod.ACTIVE_JOB_SEARCH: Text(fr="Recherche active d'emploi",
                                           nl="Actief zoeken naar werk", en="Active job search"),
    GuidanceMethod.JOB_COACHING: Text(fr="Job coaching", nl="Jobcoaching", en="Job coaching"),
}


# --- Converters ---------------------------------------------------------------------------------


def _money(value: Money | Decimal | int | str) -> Money:
    return value if isinstance(value, Money) else Money(value)


def _hours(value: Decimal | int | str) -> Decimal:
    number = to_decimal(value, field="hours")
    if number < 0:
        raise InvalidValue("hours must not be negative", shown=str(number))
    return number


facets(_hours, minInclusive="0")


def _opt_hours(value: Decimal | int | str | None) -> Decimal | None:
    return None if value is None else _hours(value)


facets(_opt_hours, minInclusive="0")


def _share(value: Decimal | int | str) -> Decimal:
    number = to_decimal(value, field="share")
    if number < 0:
        raise InvalidValue("a share must not be negative", shown=str(number))
    return number


def _status(value: BeneficiaryStatus | str) -> BeneficiaryStatus:
    try:
        return BeneficiaryStatus(value)
    except ValueError:
        raise InvalidValue("not a beneficiary status", shown=repr(value)) from None


def _partner_kind(value: PartnerKind | str) -> PartnerKind:
    try:
        return PartnerKind(value)
    except ValueError:
        raise InvalidValue("not a kind of partner", shown=repr(value)) from None


def _method(value: GuidanceMethod | str) -> GuidanceMethod:
    try:
        return GuidanceMethod(value)
    except ValueError:
        raise InvalidValue("not a guidance method", shown=repr(value)) from None


def _methods(values: Iterable[GuidanceMethod | str]) -> tuple[GuidanceMethod, ...]:
    if isinstance(values, (str, bytes)):
        values = (values,)
    out: list[GuidanceMethod] = []
    for index, value in enumerate(values):
        try:
            out.append(_method(value))
        except InvalidValue as exc:
            raise InvalidValue(exc.reason, path=f"$[{index}]", shown=exc.shown) from None
    return tuple(out)


def _partners(values: Iterable[Partner]) -> tuple[Partner, ...]:
    return tuple_of(Partner)(values)


def _claims(values: Iterable[ClaimDeclaration]) -> tuple[ClaimDeclaration, ...]:
    return tuple_of(ClaimDeclaration)(values)


# --- Parts --------------------------------------------------------------------------------------


@attrs.frozen(field_transformer=locate, kw_only=True)
class Partner:
    """A party guiding the person: a partner, the employment office or the CPAS itself.

    ``share`` is its part of the guidance as fixed in the convention, in percent (the
    shares add up to 100); the intervention is split by it. Hours are per party and
    optional.
    """

    LABEL: ClassVar[Text] = Text(fr="Partenaire de l'accompagnement",
                                 nl="Partner in de begeleiding", en="Guidance partner")

    id: str = attrs.field(factory=new_id, converter=text, metadata=label(
        "Identifiant", "Identificatie", "Id"))
    organisation: Organisation = attrs.field(validator=instance(Organisation), metadata=label(
        "Organisation", "Organisatie", "Organisation"))
    kind: PartnerKind = attrs.field(default=PartnerKind.PARTNER, converter=_partner_kind,
                                    metadata=label("Type de partenaire", "Soort partner",
                                                   "Kind of partner"))
    share: Decimal = attrs.field(converter=_share, metadata=label(
        "Part de l'accompagnement (%)", "Aandeel in de begeleiding (%)",
        "Share of the guidance (%)"))
    hours_planned: Decimal | None = attrs.field(default=None, converter=_opt_hours,
                                                metadata=label(
        "Heures d'accompagnement prévues", "Geplande begeleidingsuren", "Guidance hours planned"))
    hours_performed: Decimal | None = attrs.field(default=None, converter=_opt_hours,
                                                  metadata=label(
        "Heures d'accompagnement prestées", "Gepresteerde begeleidingsuren",
        "Guidance hours performed"))


@attrs.frozen(field_transformer=locate, kw_only=True)
class ClaimDeclaration:
    """A partner's déclaration de créance (schuldvordering) for the balance."""

    LABEL: ClassVar[Text] = Text(fr="Déclaration de créance", nl="Schuldvordering",
                                 en="Declaration of claim")

    id: str = attrs.field(factory=new_id, converter=text, metadata=label(
        "Identifiant", "Identificatie", "Id"))
    partner_id: str = attrs.field(converter=text, metadata=label(
        "Partenaire (identifiant)", "Partner (identificatie)", "Partner (id)"))
    declared_on: dt.date = attrs.field(converter=to_date, metadata=label(
        "Date de la déclaration", "Datum van de schuldvordering", "Date declared"))
    amount: Money = attrs.field(converter=_money, metadata=label(
        "Montant déclaré", "Gevorderd bedrag", "Amount claimed"))


# --- The convention -----------------------------------------------------------------------------


@attrs.frozen(field_transformer=locate, kw_only=True)
class PartnershipConvention:
    """An individual partnership convention of the "mesure 500 €".

    ``plan_end`` is the planned end of the individual plan; ``ended_on`` the day the
    convention actually ended (hours done), if known; ``employment_contract_on`` the
    date of the employment contract when the person found a job.
    """

    LABEL: ClassVar[Text] = Text(
        fr="Convention de partenariat (mesure 500 €)",
        nl="Partnershipovereenkomst (maatregel 500 €)",
        en="Partnership convention (500 € measure)")

    id: str = attrs.field(factory=new_id, converter=text, metadata=label(
        "Identifiant", "Identificatie", "Id"))
    beneficiary: Person = attrs.field(validator=instance(Person), metadata=label(
        "Bénéficiaire", "Begunstigde", "Beneficiary"))
    beneficiary_status: BeneficiaryStatus = attrs.field(converter=_status, metadata=label(
        "Statut du bénéficiaire", "Statuut van de begunstigde", "Beneficiary status"))
    cpas: Cpas = attrs.field(validator=instance(Cpas), metadata=label("CPAS", "OCMW", "CPAS"))
    partners: tuple[Partner, ...] = attrs.field(converter=_partners, metadata=label(
        "Partenaires de l'accompagnement", "Partners in de begeleiding", "Guidance partners"))
    concluded_on: dt.date = attrs.field(converter=to_date, metadata=label(
        "Date de conclusion", "Datum van afsluiting", "Date concluded"))
    plan_end: dt.date = attrs.field(converter=to_date, metadata=label(
        "Fin prévue du plan individuel", "Geplande einddatum van het individueel plan",
        "Planned end of the individual plan"))
    hours_planned: Decimal = attrs.field(converter=_hours, metadata=label(
        "Heures d'accompagnement prévues", "Geplande begeleidingsuren", "Guidance hours planned"))
    hours_performed: Decimal = attrs.field(default=Decimal(0), converter=_hours, metadata=label(
        "Heures d'accompagnement prestées", "Gepresteerde begeleidingsuren",
        "Guidance hours performed"))
    methods: tuple[GuidanceMethod, ...] = attrs.field(default=(), converter=_methods,
                                                      metadata=label(
        "Méthodes d'accompagnement", "Begeleidingsmethoden", "Guidance methods"))
    ended_on: dt.date | None = attrs.field(default=None, converter=to_opt_date, metadata=label(
        "Date de fin effective", "Werkelijke einddatum", "Date ended"))
    employment_contract_on: dt.date | None = attrs.field(
        default=None, converter=to_opt_date, metadata=label(
            "Date du contrat de travail", "Datum van de arbeidsovereenkomst",
            "Date of the employment contract"))
    claims: tuple[ClaimDeclaration, ...] = attrs.field(default=(), converter=_claims,
                                                       metadata=label(
        "Déclarations de créance", "Schuldvorderingen", "Declarations of claim"))

    def rules_date(self) -> dt.date:
        """The conclusion date: the amounts in force that day apply."""
        return self.concluded_on

    @property
    def end_date(self) -> dt.date:
        """When the individual plan ends: the actual end if known, else the planned end."""
        return self.ended_on if self.ended_on is not None else self.plan_end

    def partner(self, partner_id: str) -> Partner | None:
        return next((p for p in self.partners if p.id == partner_id), None)


# --- Calculations -------------------------------------------------------------------------------


def _params(parameters: Parameters | None) -> Parameters:
    return parameters if parameters is not None else Parameters.default()


def _by_hours(hours: Decimal, on: dt.date, params: Parameters) -> Money:
    if hours >= params.integer("partnership.hours.full", on):
        return params.money("partnership.intervention.full", on)
    if hours >= params.integer("partnership.hours.half", on):
        return params.money("partnership.intervention.half", on)
    return Money.zero()


def employed_in_time(conv: PartnershipConvention) -> bool:
    """The person got an employment contract between the conclusion and the plan's end."""
    day = conv.employment_contract_on
    return day is not None and conv.concluded_on <= day <= conv.end_date


def agreed_amount(conv: PartnershipConvention, parameters: Parameters | None = None) -> Money:
    """The amount agreed at conclusion, from the planned hours: 500 € for at least 100
    hours, 250 € for at least 50, else nothing (parameters at the conclusion date)."""
    return _by_hours(conv.hours_planned, conv.rules_date(), _params(parameters))


def intervention(conv: PartnershipConvention, parameters: Parameters | None = None) -> Money:
    """The intervention due: 500 € for at least 100 hours performed, 250 € for at least
    50, 500 € when the person is employed before the plan ends, else nothing.

    Values are the ``partnership.*`` parameters in force at the conclusion date;
    :class:`~cpas.sdk.errors.NoRuleInForce` before 4 November 2012.
    """
    params = _params(parameters)
    on = conv.rules_date()
    amount = _by_hours(conv.hours_performed, on, params)
    if employed_in_time(conv):
        amount = max(amount, params.money("partnership.intervention.employed", on))
    return amount


@attrs.frozen(field_transformer=locate, kw_only=True)
class PartnerPayment:
    """What one guiding party receives: the advance at conclusion, the balance on its
    déclaration de créance, and what it must pay back when the advance exceeds its part."""

    LABEL: ClassVar[Text] = Text(fr="Paiement au partenaire", nl="Betaling aan de partner",
                                 en="Payment to the partner")

    partner_id: str = attrs.field(converter=text, metadata=label(
        "Partenaire (identifiant)", "Partner (identificatie)", "Partner (id)"))
    advance: Money = attrs.field(converter=_money, metadata=label(
        "Avance à la conclusion", "Voorschot bij afsluiting", "Advance at conclusion"))
    balance: Money = attrs.field(converter=_money, metadata=label(
        "Solde sur déclaration de créance", "Saldo op schuldvordering",
        "Balance on the declaration of claim"))
    overpaid: Money = attrs.field(default=Money.zero(), converter=_money, metadata=label(
        "Avance à rembourser", "Terug te betalen voorschot", "Advance to pay back"))

    @property
    def total(self) -> Money:
        """The partner's part of the intervention."""
        return self.advance + self.balance - self.overpaid


def payments(conv: PartnershipConvention,
             parameters: Parameters | None = None) -> tuple[PartnerPayment, ...]:
    """Per guiding party, in the order of ``conv.partners``: advance and balance.

    The advance is ``partnership.advance_percent`` (half) of the :func:`agreed_amount`,
    the final part is the :func:`intervention`, both split by the partners' shares with
    :meth:`Money.allocate` so that no cent is lost; the balance is each party's final
    part minus its advance (an advance above the final part is ``overpaid``). An entry
    for the CPAS itself is what the CPAS keeps. Raises
    :class:`~cpas.sdk.errors.InvalidValue` when no share is above zero.
    """
    if not conv.partners:
        return ()
    weights = [p.share for p in conv.partners]
    if not any(weights):
        raise InvalidValue("the partners' shares are all zero", path="$.partners")
    params = _params(parameters)
    rate = params.decimal("partnership.advance_percent", conv.rules_date())
    advances = agreed_amount(conv, params).percent(rate).allocate(weights)
    finals = intervention(conv, params).allocate(weights)
    out: list[PartnerPayment] = []
    for partner, advance, final in zip(conv.partners, advances, finals, strict=True):
        balance = final - advance if final > advance else Money.zero()
        overpaid = advance - final if advance > final else Money.zero()
        out.append(PartnerPayment(partner_id=partner.id, advance=advance, balance=balance,
                                  overpaid=overpaid))
    return tuple(out)
