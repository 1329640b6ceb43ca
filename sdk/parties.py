"""The people and bodies that appear on every document.

A CPAS is identified by its KBO/BCE number and its municipality's NIS code
(domain.md, "Actors" and "Identifiers"); a person by a NISS. Signatures record
who signed in which role and when. A postal :class:`Address` may be given for a
person, a CPAS or a partner: the beneficiary's residence is what makes a CPAS
territorially competent (loi du 2 avril 1965, art. 1er).
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from typing import ClassVar

import attrs

from ._model import instance, label, locate, opt_text, text
from .errors import InvalidType, InvalidValue
from .identifiers import Kbo, NisCode, Niss
from .periods import to_date, to_opt_date
from .text import Lang, Text

__all__ = ["Address", "Cpas", "Organisation", "Person", "Signature", "SignerRole", "SocialWorker",
           "opt_kbo"]


# An identifier given as one is kept (they are immutable): no new object per field.


def _kbo(value: str | Kbo) -> Kbo:
    return value if type(value) is Kbo else Kbo(value)


def opt_kbo(value: str | Kbo | None) -> Kbo | None:
    """Converter for an optional enterprise number (also used by other documents)."""
    return None if value is None else _kbo(value)


def _nis(value: str | NisCode) -> NisCode:
    return value if type(value) is NisCode else NisCode(value)


def _niss(value: str | Niss) -> Niss:
    return value if type(value) is Niss else Niss(value)


_COUNTRY = re.compile(r"[A-Z]{2}")
_BELGIAN_POSTAL_CODE = re.compile(r"[1-9][0-9]{3}")


def _country(value: str) -> str:
    code = text(value).strip().upper()
    if not _COUNTRY.fullmatch(code):
        raise InvalidValue("expected an ISO 3166-1 alpha-2 country code such as BE",
                           shown=repr(value))
    return code


def _postal_code(instance: Address, attribute: attrs.Attribute[str], value: str) -> None:
    if instance.country == "BE" and not _BELGIAN_POSTAL_CODE.fullmatch(value):
        raise InvalidValue("a Belgian postal code has four digits, 1000 to 9999",
                           shown=repr(value))


@attrs.frozen(field_transformer=locate, kw_only=True)
class Address:
    """A postal address; Belgian by default (``country="BE"``, 4-digit postal code)."""

    LABEL: ClassVar[Text] = Text(fr="Adresse", nl="Adres", en="Address")

    street: str = attrs.field(converter=text, metadata=label("Rue", "Straat", "Street"))
    house_number: str = attrs.field(converter=text, metadata=label(
        "Numéro", "Huisnummer", "House number"))
    box: str | None = attrs.field(default=None, converter=opt_text, metadata=label(
        "Boîte", "Bus", "Box"))
    postal_code: str = attrs.field(converter=text, validator=_postal_code, metadata=label(
        "Code postal", "Postcode", "Postal code"))
    municipality: str = attrs.field(converter=text, metadata=label(
        "Commune", "Gemeente", "Municipality"))
    country: str = attrs.field(default="BE", converter=_country, metadata=label(
        "Pays (code ISO 3166-1 alpha-2)", "Land (ISO 3166-1 alpha-2-code)",
        "Country (ISO 3166-1 alpha-2 code)"))

    def lines(self) -> tuple[str, ...]:
        """The address as printed on a letter (Belgian order: street and number first)."""
        first = f"{self.street} {self.house_number}"
        if self.box:
            first += f" bte/bus {self.box}"
        last = f"{self.postal_code} {self.municipality}"
        return (first, last) if self.country == "BE" else (first, last, self.country)


def _opt_address(value: Address | None) -> Address | None:
    if value is None or isinstance(value, Address):
        return value
    raise InvalidType(f"expected an Address, got {type(value).__name__}")


@attrs.frozen(field_transformer=locate)
class Cpas:
    """A CPAS/OCMW (or, for a cluster convention, one of its members)."""

    LABEL: ClassVar[Text] = Text(fr="CPAS", nl="OCMW", en="Public social welfare centre")

    name: str = attrs.field(converter=text, metadata=label("Nom", "Naam", "Name"))
    kbo: Kbo = attrs.field(converter=_kbo, metadata=label(
        "Numéro d'entreprise (BCE)", "Ondernemingsnummer (KBO)", "Enterprise number"))
    nis_code: NisCode = attrs.field(converter=_nis, metadata=label(
        "Code INS de la commune", "NIS-code van de gemeente", "Municipality NIS code"))
    municipality: str | None = attrs.field(default=None, converter=opt_text, metadata=label(
        "Commune", "Gemeente", "Municipality"))
    address: Address | None = attrs.field(default=None, converter=_opt_address, metadata=label(
        "Adresse", "Adres", "Address"))


@attrs.frozen(field_transformer=locate)
class Person:
    """A beneficiary or other person identified by a NISS.

    ``repr()`` masks the NISS, so a ``Person`` can be logged.
    """

    LABEL: ClassVar[Text] = Text(fr="Personne", nl="Persoon", en="Person")

    niss: Niss = attrs.field(converter=_niss, metadata=label(
        "NISS (numéro de registre national ou BIS)", "INSZ (rijksregister- of bisnummer)",
        "National register or BIS number"))
    last_name: str = attrs.field(converter=text, metadata=label("Nom", "Naam", "Last name"))
    first_name: str = attrs.field(converter=text, metadata=label(
        "Prénom", "Voornaam", "First name"))
    birth_date: dt.date | None = attrs.field(default=None, converter=to_opt_date, metadata=label(
        "Date de naissance", "Geboortedatum", "Birth date"))
    language: Lang | None = attrs.field(
        default=None,
        validator=attrs.validators.optional(attrs.validators.in_(("fr", "nl", "de", "en"))),
        metadata=label("Langue", "Taal", "Language"),
    )
    address: Address | None = attrs.field(default=None, converter=_opt_address, metadata=label(
        "Adresse de résidence", "Verblijfsadres", "Residence address"))

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@attrs.frozen(field_transformer=locate)
class SocialWorker:
    """A social worker of the CPAS (named on the PIIS, with a replacement)."""

    LABEL: ClassVar[Text] = Text(fr="Travailleur social", nl="Maatschappelijk werker",
                                 en="Social worker")

    name: str = attrs.field(converter=text, metadata=label("Nom", "Naam", "Name"))
    staff_id: str | None = attrs.field(default=None, converter=opt_text, metadata=label(
        "Matricule", "Personeelsnummer", "Staff number"))


@attrs.frozen(field_transformer=locate)
class Organisation:
    """A partner body: employment office, training body, association, company."""

    LABEL: ClassVar[Text] = Text(fr="Organisation", nl="Organisatie", en="Organisation")

    name: str = attrs.field(converter=text, metadata=label("Nom", "Naam", "Name"))
    kbo: Kbo | None = attrs.field(default=None, converter=opt_kbo, metadata=label(
        "Numéro d'entreprise (BCE)", "Ondernemingsnummer (KBO)", "Enterprise number"))
    address: Address | None = attrs.field(default=None, converter=_opt_address, metadata=label(
        "Adresse", "Adres", "Address"))


class SignerRole(enum.Enum):
    """Who signs. Values are stable identifiers used in XML and signatures."""

    BENEFICIARY = "beneficiary"
    PRESIDENT = "president"
    DIRECTEUR_GENERAL = "directeur_general"
    """Directeur général, formerly "secrétaire" of the CPAS."""
    MINISTER = "minister"
    PARTNER = "partner"
    SOCIAL_WORKER = "social_worker"

    @property
    def label(self) -> Text:
        return _ROLE_LABELS[self]


@attrs.frozen(field_transformer=locate)
class Signature:
    """A signature on a document: role, name of the signer, date."""

    LABEL: ClassVar[Text] = Text(fr="Signature", nl="Handtekening", en="Signature")

    role: SignerRole = attrs.field(validator=instance(SignerRole), metadata=label(
        "Qualité du signataire", "Hoedanigheid van de ondertekenaar", "Signer role"))
    name: str = attrs.field(converter=text, metadata=label(
        "Nom du signataire", "Naam van de ondertekenaar", "Signer name"))
    signed_on: dt.date = attrs.field(converter=to_date, metadata=label(
        "Date de signature", "Datum van ondertekening", "Date signed"))


_ROLE_LABELS: dict[SignerRole, Text] = {
    SignerRole.BENEFICIARY: Text(fr="Bénéficiaire", nl="Begunstigde", en="Beneficiary"),
    SignerRole.PRESIDENT: Text(fr="Président du CPAS", nl="Voorzitter van het OCMW",
                               en="CPAS president"),
    SignerRole.DIRECTEUR_GENERAL: Text(fr="Directeur général (anciennement secrétaire)",
                                       nl="Algemeen directeur (vroeger secretaris)",
                                       en="Director-general (formerly secretary)"),
    SignerRole.MINISTER: Text(fr="Ministre", nl="Minister", en="Minister"),
    SignerRole.PARTNER: Text(fr="Partenaire", nl="Partner", en="Partner"),
    SignerRole.SOCIAL_WORKER: Text(fr="Travailleur social", nl="Maatschappelijk werker",
                                   en="Social worker"),
}
