"""The SDK fields a mapping profile may fill, by document kind, with their value types.

A profile maps vendor columns (or XPaths) to these names. Each kind has two
levels: **document** fields, set once per document (the form header, the
convention and its beneficiary), and **record** fields, set by every record
(a reimbursement line; a partner of a convention). Dotted names follow the
SDK's attribute names (``header.cpas.kbo`` is ``form.header.cpas.kbo``).
"""

from __future__ import annotations

import enum

import attrs

from ...sdk.documents.partnership import BeneficiaryStatus, PartnerKind
from ...sdk.documents.reimbursement import (
    BeneficiaryCategory,
    FormType,
    LegalBasis,
    RateCategory,
)

__all__ = ["KINDS", "Kind", "SdkField", "ValueType"]


class ValueType(enum.Enum):
    """How a field's text is read."""

    TEXT = "text"
    NISS = "niss"
    KBO = "kbo"
    NIS_CODE = "nis_code"
    DATE = "date"
    MONTH = "month"
    AMOUNT = "amount"
    DECIMAL = "decimal"
    COUNT = "count"
    BOOL = "bool"
    ENUM = "enum"
    METHODS = "methods"
    """A list of guidance methods separated by ``,`` ``;`` ``/`` ``|`` or ``+``."""
    LANG = "lang"


@attrs.frozen
class SdkField:
    """One SDK field a profile may map."""

    name: str
    value_type: ValueType
    required: bool = False
    """The SDK needs a value (no default)."""
    choices: type[enum.Enum] | None = None
    """The enumeration of an ``ENUM`` field."""


def _table(*fields: SdkField) -> dict[str, SdkField]:
    return {f.name: f for f in fields}


T, D, M = ValueType.TEXT, ValueType.DATE, ValueType.MONTH


@attrs.frozen
class Kind:
    """A document kind a profile can produce."""

    name: str
    document: dict[str, SdkField]
    record: dict[str, SdkField]
    record_name: str
    """What one record becomes: ``lines`` or ``partners``."""
    all_or_nothing: bool
    """True when one bad record rejects its whole document (a convention missing a partner
    would be wrong); False when the other records still make the document (a form's lines)."""


REIMBURSEMENT = Kind(
    name="reimbursement",
    document=_table(
        SdkField("id", T),
        SdkField("form_type", ValueType.ENUM, True, FormType),
        SdkField("submission_date", D, True),
        SdkField("header.cpas.name", T, True),
        SdkField("header.cpas.kbo", ValueType.KBO, True),
        SdkField("header.cpas.nis_code", ValueType.NIS_CODE, True),
        SdkField("header.cpas.municipality", T),
        SdkField("header.effective_date", D, True),
        SdkField("header.is_correction", ValueType.BOOL),
        SdkField("header.category", ValueType.ENUM, False, BeneficiaryCategory),
        SdkField("header.file_number", T),
        SdkField("header.decision_date", D),
        SdkField("beneficiaries_year_before_last", ValueType.COUNT),
        SdkField("beneficiaries_three_years_before", ValueType.COUNT),
        SdkField("previous_rate", ValueType.DECIMAL),
    ),
    record=_table(
        SdkField("id", T),
        SdkField("niss", ValueType.NISS, True),
        SdkField("beneficiary_name", T),
        SdkField("basis", ValueType.ENUM, True, LegalBasis),
        SdkField("period", M, True),
        SdkField("amount", ValueType.AMOUNT, True),
        SdkField("rate_category", ValueType.ENUM, False, RateCategory),
        SdkField("piis_code", ValueType.COUNT),
        SdkField("income_exemption", ValueType.AMOUNT),
        SdkField("source_id", T),
        SdkField("expense_date", D),
        SdkField("recovery_type", T),
        SdkField("category", ValueType.ENUM, False, BeneficiaryCategory),
    ),
    record_name="lines",
    all_or_nothing=False,
)

PARTNERSHIP = Kind(
    name="partnership",
    document=_table(
        SdkField("id", T),
        SdkField("beneficiary.niss", ValueType.NISS, True),
        SdkField("beneficiary.last_name", T, True),
        SdkField("beneficiary.first_name", T, True),
        SdkField("beneficiary.birth_date", D),
        SdkField("beneficiary.language", ValueType.LANG),
        SdkField("beneficiary_status", ValueType.ENUM, True, BeneficiaryStatus),
        SdkField("cpas.name", T, True),
        SdkField("cpas.kbo", ValueType.KBO, True),
        SdkField("cpas.nis_code", ValueType.NIS_CODE, True),
        SdkField("cpas.municipality", T),
        SdkField("concluded_on", D, True),
        SdkField("plan_end", D, True),
        SdkField("hours_planned", ValueType.DECIMAL, True),
        SdkField("hours_performed", ValueType.DECIMAL),
        SdkField("methods", ValueType.METHODS),
        SdkField("ended_on", D),
        SdkField("employment_contract_on", D),
    ),
    record=_table(
        SdkField("id", T),
        SdkField("organisation.name", T, True),
        SdkField("organisation.kbo", ValueType.KBO),
        SdkField("kind", ValueType.ENUM, False, PartnerKind),
        SdkField("share", ValueType.DECIMAL, True),
        SdkField("hours_planned", ValueType.DECIMAL),
        SdkField("hours_performed", ValueType.DECIMAL),
    ),
    record_name="partners",
    all_or_nothing=True,
)

KINDS: dict[str, Kind] = {k.name: k for k in (REIMBURSEMENT, PARTNERSHIP)}
