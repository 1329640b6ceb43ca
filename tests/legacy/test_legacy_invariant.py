"""Every input row ends up exactly once: in a converted document or among the rejects.

Hypothesis draws subsidy-convention tables with rows scattered over a few documents,
some cells broken (not a number, unknown category, a document cell that disagrees),
and checks the invariant through the rows' own numbers.
"""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from cpas.adapters.legacy.convert import convert
from cpas.sdk.documents.subsidy import SubsidyConvention

HEADER = "convention;year;granted_amount;category;description;amount;cpas_name;cpas_kbo;" \
         "cpas_nis_code\n"
CPAS = "CPAS de Testville;0412345614;21004"

rows = st.lists(st.tuples(
    st.sampled_from(["C1", "C2", "C3", ""]),
    st.sampled_from(["operating", "staff", "investment", "frais de fonctionnement", "travel"]),
    st.sampled_from(["10,00", "1.234,56", "12", "1.234", "abc", ""]),
    st.sampled_from(["1000", "2000"]),
), min_size=1, max_size=12)


@settings(max_examples=30, deadline=None)
@given(rows)
def test_every_row_once(table: list[tuple[str, str, str, str]]) -> None:
    lines = [f"{key};2025;{granted};{category};Dépense {n};{amount};{CPAS}\n"
             for n, (key, category, amount, granted) in enumerate(table)]
    result = convert((HEADER + "".join(lines)).encode("utf-8"), "convention")
    accepted = [int(expense.id.removeprefix("expense-"))
                for document in result.documents if isinstance(document, SubsidyConvention)
                for expense in document.expenses]
    rejected = [item.row.number for item in result.rejected]
    every = Counter(accepted) + Counter(rejected)
    assert every == Counter(range(2, len(table) + 2))
    assert result.rows_read == len(table)
    assert result.rows_accepted == len(accepted)
    assert all(item.problems for item in result.rejected)
