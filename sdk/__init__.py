"""cpas-sdk: typed models and legal rule checks for Belgian CPAS/OCMW work.

The public API is re-exported here; see the README for a tour.
"""

from __future__ import annotations

from .errors import (
    CpasError,
    InvalidIban,
    InvalidKbo,
    InvalidMoney,
    InvalidNisCode,
    InvalidNiss,
    InvalidPeriod,
    InvalidType,
    InvalidValue,
    NoRuleInForce,
)
from .findings import Finding, LegalRef, Report, Severity
from .identifiers import Iban, Kbo, NisCode, Niss, mask_niss
from .lifedomains import DEFAULT_LIFE_DOMAINS, LifeDomain
from .money import Money
from .parameters import Parameters
from .parties import Cpas, Organisation, Person, Signature, SignerRole, SocialWorker
from .periods import DateRange, Period
from .policy import LocalPolicy
from .rules import check
from .text import Lang, Text

__all__ = [
    "DEFAULT_LIFE_DOMAINS",
    "Cpas",
    "CpasError",
    "DateRange",
    "Finding",
    "Iban",
    "InvalidIban",
    "InvalidKbo",
    "InvalidMoney",
    "InvalidNisCode",
    "InvalidNiss",
    "InvalidPeriod",
    "InvalidType",
    "InvalidValue",
    "Kbo",
    "Lang",
    "LegalRef",
    "LifeDomain",
    "LocalPolicy",
    "Money",
    "NisCode",
    "Niss",
    "NoRuleInForce",
    "Organisation",
    "Parameters",
    "Period",
    "Person",
    "Report",
    "Severity",
    "Signature",
    "SignerRole",
    "SocialWorker",
    "Text",
    "check",
    "mask_niss",
]
