"""The people and bodies that appear on every document.

A CPAS is identified by its KBO/BCE number and its municipality's NIS code
(domain.md, "Actors" and "Identifiers"); a person by a NISS. Signatures record
who signed in which role and when.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import ClassVar

import attrs

from ._model import instance, label, locate, opt_text, text
from .identifiers import Kbo, NisCode, Niss
from .periods import to_date, to_opt_date
from .text import Lang, Text

__all__ = ["Cpas", "Organisation", "Person", "Signature", "SignerRole", "SocialWorker"]


def _kbo(value: str | Kbo) -> Kbo:
    return Kbo(value)


def _opt_kbo(value: str | Kbo | None) -> Kbo | None:
    return None if value is None else Kbo(value)


def _nis(value: str | NisCode) -> NisCode:
    return NisCode(value)


def _niss(value: str | Niss) -> Niss:
    return Niss(value)


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
    kbo: Kbo | None = attrs.field(default=None, converter=_opt_kbo, metadata=label(
        "Numéro d'entreprise (BCE)", "Ondernemingsnummer (KBO)", "Enterprise number"))


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
