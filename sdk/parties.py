"""The people and bodies that appear on every document.

A CPAS is identified by its KBO/BCE number and its municipality's NIS code
(domain.md, "Actors" and "Identifiers"); a person by a NISS. Signatures record
who signed in which role and when.
"""

from __future__ import annotations

import datetime as dt
import enum

import attrs

from ._model import instance, locate, opt_text, text
from .identifiers import Kbo, NisCode, Niss
from .periods import to_date, to_opt_date
from .text import Lang

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

    name: str = attrs.field(converter=text)
    kbo: Kbo = attrs.field(converter=_kbo)
    nis_code: NisCode = attrs.field(converter=_nis)
    municipality: str | None = attrs.field(default=None, converter=opt_text)


@attrs.frozen(field_transformer=locate)
class Person:
    """A beneficiary or other person identified by a NISS.

    ``repr()`` masks the NISS, so a ``Person`` can be logged.
    """

    niss: Niss = attrs.field(converter=_niss)
    last_name: str = attrs.field(converter=text)
    first_name: str = attrs.field(converter=text)
    birth_date: dt.date | None = attrs.field(default=None, converter=to_opt_date)
    language: Lang | None = attrs.field(
        default=None,
        validator=attrs.validators.optional(attrs.validators.in_(("fr", "nl", "de", "en"))),
    )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@attrs.frozen(field_transformer=locate)
class SocialWorker:
    """A social worker of the CPAS (named on the PIIS, with a replacement)."""

    name: str = attrs.field(converter=text)
    staff_id: str | None = attrs.field(default=None, converter=opt_text)


@attrs.frozen(field_transformer=locate)
class Organisation:
    """A partner body: employment office, training body, association, company."""

    name: str = attrs.field(converter=text)
    kbo: Kbo | None = attrs.field(default=None, converter=_opt_kbo)


class SignerRole(enum.Enum):
    """Who signs. Values are stable identifiers used in XML and signatures."""

    BENEFICIARY = "beneficiary"
    PRESIDENT = "president"
    DIRECTEUR_GENERAL = "directeur_general"
    """Directeur général, formerly "secrétaire" of the CPAS."""
    MINISTER = "minister"
    PARTNER = "partner"
    SOCIAL_WORKER = "social_worker"


@attrs.frozen(field_transformer=locate)
class Signature:
    """A signature on a document: role, name of the signer, date."""

    role: SignerRole = attrs.field(validator=instance(SignerRole))
    name: str = attrs.field(converter=text)
    signed_on: dt.date = attrs.field(converter=to_date)
