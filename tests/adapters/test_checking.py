"""``check_file``: schema findings, then reading and rule findings, each with its line.

The streamed check of a reimbursement batch must give the findings of
``check(from_xml(x))``, finding for finding: compared on generated forms, also
when the cross-line filter answers "perhaps seen" for every key.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from cpas.adapters.xml.checking import CheckResult, check_file, line_of_path
from cpas.adapters.xml.documents import from_xml, kind_of, to_xml
from cpas.sdk import Cpas, Money, Period, check
from cpas.sdk.documents.reimbursement import (
    BeneficiaryCategory,
    FormHeader,
    FormType,
    LegalBasis,
    ReimbursementForm,
    ReimbursementLine,
)
from cpas.sdk.findings import Severity
from cpas.sdk.rules import reimbursement as reimbursement_rules
from cpas.sdk.rules.reimbursement import MaybeSeen, StreamingCheck
from strategies import niss_digits
from strategies_bilan import bilans
from strategies_conventions import partnership_conventions, subsidy_conventions
from strategies_piis import example_piis, piis_documents
from strategies_reimbursement import compliant_forms, forms

CPAS = Cpas(name="CPAS de Namur", kbo="0403019261", nis_code="92094")
NISS = [niss_digits(dt.date(1980 + n, 1 + n % 12, 1 + n), 11 + 2 * n) for n in range(6)]
NS = "urn:be:cpas-sdk:reimbursement:1"


def line(n: int = 0, **changes: Any) -> ReimbursementLine:
    values: dict[str, Any] = {"niss": NISS[n], "basis": LegalBasis.INTEGRATION_INCOME,
                              "period": Period(2025, 3), "amount": Money("900.00")}
    values.update(changes)
    return ReimbursementLine(**values)


def form(*lines: ReimbursementLine, form_type: FormType = FormType.DIS_B,
         sent: dt.date = dt.date(2025, 4, 10), **header: Any) -> ReimbursementForm:
    values: dict[str, Any] = {"cpas": CPAS, "effective_date": dt.date(2025, 3, 1),
                              "category": BeneficiaryCategory.SINGLE}
    values.update(header)
    return ReimbursementForm(form_type=form_type, header=FormHeader(**values), lines=lines,
                             submission_date=sent)


def triples(findings: Any) -> list[tuple[str, str, Severity]]:
    return [(f.code, f.path, f.severity) for f in findings]


def line_with(data: bytes, fragment: str, occurrence: int = 0) -> int:
    """The 1-based line of the ``occurrence``-th line of ``data`` containing ``fragment``."""
    hits = [n for n, text in enumerate(data.decode().splitlines(), 1) if fragment in text]
    return hits[occurrence]


# --------------------------------------------------------------------------- streaming


@st.composite
def forms_with_repeats(draw: st.DrawFn) -> ReimbursementForm:
    """Generated forms whose lines are sometimes repeated, or repeated as PIIS subsidy
    lines of the same person and month, in any order: duplicates and double subsidies."""
    doc = draw(st.one_of(forms(max_lines=8), compliant_forms(max_lines=8)))
    if draw(st.booleans()):
        doc = attrs.evolve(doc, form_type=FormType.DIS_B)
    body = list(doc.lines)
    if body:
        for _ in range(draw(st.integers(0, 4))):
            index = draw(st.integers(0, len(body) - 1))
            copy = body[index]
            if draw(st.booleans()):  # revenu d'intégration with a subsidised code (10) …
                body[index] = copy = attrs.evolve(
                    copy, basis=LegalBasis.INTEGRATION_INCOME, piis_code=10,
                    period=Period(2020, 1))
                copy = attrs.evolve(copy, basis=LegalBasis.PIIS_SUBSIDY)  # … claimed again
            body.insert(draw(st.integers(0, len(body))), copy)
    return attrs.evolve(doc, lines=tuple(body))


def _same_findings(doc: ReimbursementForm) -> None:
    data = to_xml(doc)
    result = check_file(data, today=dt.date(2025, 6, 1))
    expected = check(from_xml(data), today=dt.date(2025, 6, 1))
    assert result.schema_valid
    assert triples(result.findings) == triples(expected)
    assert [f.message for f in result.findings] == [f.message for f in expected]
    assert all(f.line is not None for f in result.findings)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(forms_with_repeats())
def test_streamed_batch_gives_the_findings_of_check(doc: ReimbursementForm) -> None:
    """Same codes, paths, severities and messages, in the same order, as ``check``."""
    _same_findings(doc)


class _AlwaysPerhaps(MaybeSeen):
    """A filter that answers "perhaps seen" for every key: the worst case of a Bloom filter."""

    def add(self, key: Any) -> bool:
        return True

    def __contains__(self, key: Any) -> bool:
        return True


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(forms_with_repeats())
def test_cross_line_rules_stay_exact_when_the_filter_always_says_perhaps(
        doc: ReimbursementForm) -> None:
    """Every key becomes a candidate: reading the lines again must still settle each one."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reimbursement_rules, "MaybeSeen", _AlwaysPerhaps)
        _same_findings(doc)


def _reference_cross_line(doc: ReimbursementForm) -> list[tuple[str, str]]:
    """Duplicates and double PIIS subsidies found the plain way: dicts of every key."""
    found: list[tuple[str, str]] = []
    seen: dict[tuple[object, ...], int] = {}
    for index, one in enumerate(doc.lines):
        key = (one.niss.compact, one.basis, one.period, one.recovery_type, one.expense_date)
        if seen.setdefault(key, index) != index:
            found.append(("REIMB-DUP-001", f"$.lines[{index}]"))
    def subsidised(month: Period) -> set[int]:
        if month >= Period(2018, 10):
            return {9, 10, 11}
        return {9, 10, 11, 12, 15, 16} if month >= Period(2016, 11) else set()

    if doc.form_type.law.value == "dis":
        income = {(one.niss.compact, one.period) for one in doc.lines
                  if one.basis is LegalBasis.INTEGRATION_INCOME
                  and one.piis_code in subsidised(one.period)}
        found += [("REIMB-PIIS-002", f"$.lines[{index}]") for index, one in enumerate(doc.lines)
                  if one.basis is LegalBasis.PIIS_SUBSIDY
                  and (one.niss.compact, one.period) in income]
    return found


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(forms_with_repeats())
def test_cross_line_rules_agree_with_a_plain_dict(doc: ReimbursementForm) -> None:
    """The filter-and-settle rules find what dicts holding every key find. Codes that
    carry the PIIS subsidy (loi DIS art. 43/2; primabook): 9, 10, 11, 12, 15, 16 from
    November 2016, 9, 10, 11 from October 2018."""
    codes = {"REIMB-DUP-001", "REIMB-PIIS-002"}
    got = [(f.code, f.path) for f in check(doc) if f.code in codes]
    assert got == _reference_cross_line(doc)


def test_streaming_check_by_hand_matches_check() -> None:
    """The SDK's streaming API on its own: add lines, finish with the trailer."""
    doc = form(line(0), line(1, piis_code=11), line(0), line(1, basis=LegalBasis.PIIS_SUBSIDY),
               line(2, basis=LegalBasis.MEDICAL_COSTS))
    stream = StreamingCheck(doc.form_type, doc.header, expected_lines=10)
    hits = [hit.path for one in doc.lines for hit in stream.add(one)]
    assert hits == ["$.lines[4].basis"]  # decided line by line; the others at the end
    report = stream.finish(attrs.evolve(doc, lines=()), lines=lambda: doc.lines)
    assert report == check(doc)
    assert {f.code for f in report} == {"REIMB-DUP-001", "REIMB-PIIS-002", "REIMB-LAW-001"}


def test_finish_needs_the_same_form() -> None:
    stream = StreamingCheck(FormType.DIS_B, form().header)
    with pytest.raises(ValueError, match="type and header"):
        stream.finish(form(form_type=FormType.DIS_C))


def test_maybe_seen_never_forgets() -> None:
    """A Bloom filter may say "perhaps" for a new key, never "new" for a key it holds."""
    seen = MaybeSeen(1000)
    keys = [("85073003328", n) for n in range(3000)]
    assert sum(seen.add(key) for key in keys) < 10   # three times more keys than planned
    assert all(key in seen for key in keys)
    assert all(seen.add(key) for key in keys)
    assert seen.nbytes == 16_384 * 8  # 16 words of 8 bytes per key, to a power of two


def test_maybe_seen_never_forgets_across_the_move_into_the_table() -> None:
    """The first keys are kept exactly, then moved into the table: a key added before,
    during or after the move is never "new" again, and few new keys are "perhaps"."""

    class Small(MaybeSeen):
        EXACT_KEYS = 100

    seen = Small(5_000)
    keys = [("85073003328", n) for n in range(5_000)]
    assert sum(seen.add(key) for key in keys[:100]) == 0
    assert seen._exact is not None and len(seen._exact) == 100
    assert sum(seen.add(key) for key in keys[100:]) < 5
    assert seen._exact is None
    assert all(seen.add(key) for key in keys)
    assert all(key in seen for key in keys)


def test_maybe_seen_stops_growing_at_sixteen_mebibytes() -> None:
    """Flat memory: the table of a filter is at most 16 MiB, however many keys are expected,
    and it still never says "new" for a key it holds."""
    assert MaybeSeen(100_000).nbytes == 2**21 * 8
    big = MaybeSeen(50_000_000)
    assert big.nbytes == 16 * 1024 * 1024
    keys = [("85073003328", n, "x") for n in range(20_000)]
    assert sum(big.add(key) for key in keys) == 0
    assert all(key in big for key in keys)


# --------------------------------------------------------------------------- lines


def test_rule_findings_point_at_their_lines() -> None:
    """Per-line hits at the element, duplicates at the repeated line, a missing optional
    element at its parent; the $-path is kept."""
    doc = form(line(0), line(1, basis=LegalBasis.MEDICAL_COSTS), line(0, amount=Money("1.00")),
               form_type=FormType.DIS_B)
    data = to_xml(doc)
    result = check_file(data)
    by_code = {f.code: f for f in result.findings}
    law = by_code["REIMB-LAW-001"]
    assert law.path == "$.lines[1].basis"
    assert law.line == line_with(data, "<basis>medical_costs</basis>")
    duplicate = by_code["REIMB-DUP-001"]
    assert duplicate.path == "$.lines[2]"
    assert duplicate.line == line_with(data, "<reimbursementLine>", 2)
    assert "ligne 0" in duplicate.text("fr")
    assert result.records == 3
    assert not result.ok and result.errors == 2


def test_header_and_late_cost_findings_are_located() -> None:
    """Loi 65 D2: no file number (path under the header, line of <header>) and a bill
    of February 2024 sent on 01/04/2025, after 31/03/2025 (loi 65 art. 12)."""
    bill = line(3, basis=LegalBasis.MEDICAL_COSTS, period=Period(2024, 2),
                expense_date=dt.date(2024, 2, 15))
    doc = form(line(2, basis=LegalBasis.MEDICAL_COSTS), bill, form_type=FormType.LOI65_D2,
               sent=dt.date(2025, 4, 1))
    data = to_xml(doc)
    result = check_file(data)
    by_code = {f.code: f for f in result.findings}
    assert by_code["REIMB-FILE-002"].path == "$.header.file_number"
    assert by_code["REIMB-FILE-002"].line == line_with(data, "<header>")
    cost = by_code["REIMB-COST-001"]
    assert cost.path == "$.lines[1].expense_date"
    assert cost.line == line_with(data, "<expenseDate>2024-02-15</expenseDate>")
    assert "31/03/2025" in cost.text("fr")


def test_line_of_path_walks_the_mapping() -> None:
    doc = form(line(0), line(1))
    root = etree.fromstring(to_xml(doc))
    data = to_xml(doc)
    assert line_of_path(root, ReimbursementForm, "$", namespace=NS) == 2
    assert line_of_path(root, ReimbursementForm, "$.lines[1].amount", namespace=NS) == (
        line_with(data, "<amount>", 1))
    assert line_of_path(root, ReimbursementForm, "$.lines[7].amount", namespace=NS) == (
        line_with(data, "<lines>"))
    assert line_of_path(root, ReimbursementForm, "$.no_such_field", namespace=NS) == 2


# --------------------------------------------------------------------------- other outcomes


def test_schema_errors_stop_before_the_rules() -> None:
    """A document that breaks its schema is not read: schema findings only."""
    data = to_xml(form(line(0), line(1, basis=LegalBasis.MEDICAL_COSTS)))
    broken = data.replace(b"<amount>900.00</amount>", b"<amount>neuf cents</amount>", 1)
    result = check_file(broken)
    assert not result.schema_valid and not result.ok
    assert [f.code for f in result.findings] == ["XSD-VALUE"]
    assert result.findings[0].line == line_with(broken, "neuf cents")
    assert result.kind == "reimbursement"


def test_value_refused_when_reading_is_located_and_masked() -> None:
    """A NISS whose check digits do not match passes the schema ([0-9]{11}) but cannot be
    read: one finding per bad line, the number masked, and no rule runs."""
    good = NISS[0]
    bad = good[:-2] + f"{(int(good[-2:]) % 97) + 1:02d}"
    data = to_xml(form(line(0), line(1, basis=LegalBasis.MEDICAL_COSTS), line(2)))
    broken = data.replace(NISS[2].encode(), bad.encode()).replace(
        NISS[1].encode(), bad.encode())
    result = check_file(broken)
    assert result.schema_valid and not result.ok
    assert [(f.code, f.path) for f in result.findings] == [
        ("SDK-VALUE", "$.lines[1].niss"), ("SDK-VALUE", "$.lines[2].niss")]
    assert result.findings[0].line == line_with(broken, f"<niss>{bad}</niss>", 0)
    for finding in result.findings:
        for lang in ("fr", "nl", "en"):
            assert bad not in finding.text(lang)
            assert bad[-2:] in finding.text(lang)   # masked: only the check digits


def test_max_errors_stops_early() -> None:
    doc = form(*(line(n % 6, basis=LegalBasis.MEDICAL_COSTS, period=Period(2025, 1 + n // 6))
                 for n in range(30)))
    full = check_file(to_xml(doc))
    assert full.errors == 30 and full.complete
    capped = check_file(to_xml(doc), max_errors=4)
    assert capped.errors == 4
    assert not capped.complete and not capped.ok
    assert triples(capped.findings) == triples(full.findings[:4])


def test_warnings_alone_leave_the_file_ok() -> None:
    """1 314,21 € for an isolé in March 2025 (amount 1 314,20 €): a warning, not an error."""
    result = check_file(to_xml(form(line(0, amount=Money("1314.21")))))
    assert [f.code for f in result.findings] == ["REIMB-RI-001"]
    assert result.ok and result.warnings == 1 and result.errors == 0


def test_check_file_reads_paths_and_reports_os_errors(tmp_path: Path) -> None:
    path = tmp_path / "form.xml"
    path.write_bytes(to_xml(form(line(0))))
    result = check_file(path)
    assert result.ok and result.source == str(path) and result.records == 1
    assert result.to_dict("en")["kind"] == "reimbursement"
    with pytest.raises(OSError, match="No such file"):
        check_file(tmp_path / "missing.xml")
    with pytest.raises(ValueError, match="max_errors"):
        check_file(path, max_errors=0)


def test_file_without_a_known_schema() -> None:
    result = check_file(b'<other xmlns="urn:example:other"/>')
    assert [f.code for f in result.findings] == ["XSD-NO-SCHEMA"]
    assert result.kind is None and not result.ok


# --------------------------------------------------------------------------- other kinds

KINDS: dict[str, st.SearchStrategy[Any]] = {
    "piis": piis_documents(),
    "bilan": bilans(),
    "subsidy": subsidy_conventions(),
    "partnership": partnership_conventions(),
}


def _whole_document_matches_check(document: Any) -> CheckResult:
    data = to_xml(document)
    today = dt.date(2026, 1, 1)
    result = check_file(data, today=today)
    assert result.kind == kind_of(document).name
    assert result.schema_valid and result.records == 0
    assert triples(result.findings) == triples(check(document, today=today))
    assert all(isinstance(f.line, int) and f.line >= 1 for f in result.findings)
    return result


@pytest.mark.parametrize("name", sorted(KINDS))
def test_every_document_kind_gets_its_rule_findings_with_lines(name: str) -> None:
    @settings(max_examples=10, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(KINDS[name])
    def run(document: Any) -> None:
        _whole_document_matches_check(document)

    run()


def test_nested_path_points_at_the_nested_element() -> None:
    """PIIS-EVAL-005 on the result of the third evaluation: the line of its objectiveId."""
    data = to_xml(example_piis()).replace(b"<objectiveId>obj-2</objectiveId>",
                                          b"<objectiveId>obj-9</objectiveId>")
    result = check_file(data)
    (finding,) = (f for f in result.findings if f.code == "PIIS-EVAL-005")
    assert finding.path == "$.evaluations[2].results[0].objective_id"
    assert finding.line == line_with(data, "<objectiveId>obj-9</objectiveId>")
    assert result.kind == "piis" and result.records == 0
