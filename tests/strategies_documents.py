"""One Hypothesis strategy per document kind, by the short name the tests use."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from strategies_bilan import bilans
from strategies_conventions import partnership_conventions, subsidy_conventions
from strategies_piis import piis_documents
from strategies_reimbursement import forms

DOCUMENTS: dict[str, st.SearchStrategy[Any]] = {
    "piis": piis_documents(),
    "bilan": bilans(),
    "subsidy": subsidy_conventions(),
    "partnership": partnership_conventions(),
    "reimbursement": forms(),
}
"""piis, bilan, subsidy, partnership, reimbursement: valid documents of each kind."""
