"""The mapping tables are what the code does, the doc shows them, code lists have sources."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import attrs
from bcss_support import ATTEST, NS, loi65_convention

from cpas.adapters.bcss import (
    AB,
    DF,
    NOT_CARRIED,
    C,
    F,
    code_lists,
    explain,
    export_ab,
    export_c,
    export_df,
)
from cpas.adapters.bcss.mapping import D1_AMOUNTS, Row
from cpas.adapters.xml.parser import parse_bytes
from cpas.sdk import Money, Period
from cpas.sdk.documents.reimbursement import (
    FormHeader,
    FormType,
    ReimbursementForm,
    ReimbursementLine,
)
from cpas.sdk.samples import CPAS, PERSON, sample_set

DOC = Path(__file__).resolve().parents[2] / "docs" / "bcss-mapping.md"


def _present(data: bytes, root: str, row: Row) -> bool:
    steps = [("c:" + s[4:] if s.startswith("c65:") else s if s.startswith("common:")
              else "l:" + s) for s in row.xpath.split("/")]
    found = parse_bytes(data).getroot().xpath(f"//l:{root}/" + "/".join(steps), namespaces=NS)
    return isinstance(found, list) and len(found) > 0


def test_every_df_row_is_written() -> None:
    """A D1 with one line of each mapped basis fills every row of the DF table."""
    lines = [ReimbursementLine(niss=PERSON.niss, basis=r.basis, period=Period(2025, 11),
                               amount=Money("10.00")) for r in D1_AMOUNTS]
    form = ReimbursementForm(form_type=FormType.LOI65_D1, lines=lines,
                             header=FormHeader(cpas=CPAS, effective_date=dt.date(2025, 11, 1),
                                               file_number="AB-123"),
                             submission_date=dt.date(2025, 12, 8))
    data = export_df(form, attest_ids=[ATTEST], double_maximum=False)
    missing = [r.xpath for r in DF if not _present(data, "L65_DF_DecisionRequest", r)]
    assert missing == []


def test_every_f_row_is_written() -> None:
    """A loi 65 F form with one line fills every row of the F table."""
    line = ReimbursementLine(niss=PERSON.niss, basis="other_aid", period=Period(2025, 9),
                             amount=Money("10.00"), recovery_type="04")
    form = ReimbursementForm(form_type=FormType.LOI65_F, lines=[line],
                             header=FormHeader(cpas=CPAS, effective_date=dt.date(2025, 12, 1),
                                               file_number="AB-123"),
                             submission_date=dt.date(2025, 12, 8))
    data = export_df(form, attest_ids=[ATTEST], suffix=0, original_form="D")
    assert [r.xpath for r in F if not _present(data, "L65_DF_DecisionRequest", r)] == []


def test_every_ab_and_c_row_is_written() -> None:
    """The demo's documents fill every row of the AB and C tables."""
    demo = sample_set()
    form = attrs.evolve(demo.reimbursement, form_type=FormType.LOI65_C,
                        header=attrs.evolve(demo.reimbursement.header, file_number="AB-123"))
    ab = export_ab(form, attest_id=ATTEST, status_code="1", nationality_code=150,
                   juridical_procedure=False, person=PERSON, duration_months=6)
    c = export_c(form, attest_ids=[ATTEST], suffix=0, decision_nature="B",
                 cancellation_reason="01")
    assert [r.xpath for r in AB if r.sdk != "lines[].basis"
            and not _present(ab, "L65_AB_DecisionRequest", r)] == []
    assert [r.xpath for r in C if not _present(c, "L65_C_DecisionRequest", r)] == []
    assert export_df(loi65_convention(), attest_ids=[ATTEST], double_maximum=False,
              file_number="AB-123")


def test_doc_shows_every_row_and_gap() -> None:
    """docs/bcss-mapping.md lists every XPath of the tables and every field not carried."""
    text = DOC.read_text("utf-8")
    for row in (*DF, *F, *AB, *C):
        assert f"`{row.xpath}`" in text, row.xpath
    for rows in NOT_CARRIED.values():
        for field, _why in rows:
            assert field.split(",")[0].split(" ")[0] in text


def test_code_lists_have_sources() -> None:
    """Every code list entry names its source; open lists (t_Code) have no unsourced entry."""
    lists = code_lists()
    assert {"evaluation", "beneficiary_status", "cancellation_reason"} <= set(lists)
    for code_list in lists.values():
        for entry in code_list.entries:
            assert entry.source.strip(), (code_list.name, entry.code)
    assert [e.code for e in lists["evaluation"].entries] == [
        "ACCEPTED", "REFUSED", "PARTIALLYACCEPTED"]  # LoiWet65_Common.xsd, Evaluation


def test_explain_in_three_languages() -> None:
    """--explain text exists in FR, NL and EN for the three source documents."""
    for kind in ("reimbursement", "partnership", "piis"):
        for lang in ("fr", "nl", "en"):
            assert explain(kind, lang)
    assert any("INAMI" in line for line in explain("reimbursement", "fr"))
