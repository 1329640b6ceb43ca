"""BCSS/KSZ "Loi 65" decision forms (AB, C, DF) and the SSDN envelope: mapping SDK documents
to and from the official schemas.

>>> schemas = load_official_schemas("../shared/reference/bcss-ssdn")      # doctest: +SKIP
>>> xml = export_df(form, attest_ids=["CPAS2025D100001"], double_maximum=False,
...                 schemas=schemas)                                      # doctest: +SKIP
>>> import_reply(reply_bytes).report.errors                               # doctest: +SKIP

The official schemas are never copied into the project: they are loaded from a directory
given by the caller. The mapping tables are in :mod:`.mapping` (and docs/bcss-mapping.md).
"""

from __future__ import annotations

from ...sdk.text import Lang
from .codes import Code, CodeList, code_lists, settings
from .forms import (
    AbDecision,
    BcssMappingError,
    CancellationRecord,
    Envelope,
    export_ab,
    export_c,
    export_df,
    read_ab,
    read_c,
    read_df,
)
from .mapping import AB, DF, ENVELOPE, NOT_CARRIED, C, F, Row
from .reply import DecisionOutcome, FormError, ReplyResult, import_reply
from .schemas import BcssSchemaError, OfficialSchemas, load_official_schemas

__all__ = [
    "AB",
    "DF",
    "ENVELOPE",
    "NOT_CARRIED",
    "AbDecision",
    "BcssMappingError",
    "BcssSchemaError",
    "C",
    "CancellationRecord",
    "Code",
    "CodeList",
    "DecisionOutcome",
    "Envelope",
    "F",
    "FormError",
    "OfficialSchemas",
    "ReplyResult",
    "Row",
    "code_lists",
    "explain",
    "export_ab",
    "export_c",
    "export_df",
    "import_reply",
    "load_official_schemas",
    "read_ab",
    "read_c",
    "read_df",
    "settings",
]


def explain(kind: str, lang: Lang = "fr") -> list[str]:
    """What the BCSS forms cannot carry from an SDK document of ``kind``, one line each."""
    rows = NOT_CARRIED.get(kind, ())
    return [f"{field}: {why.get(lang)}" for field, why in rows]
