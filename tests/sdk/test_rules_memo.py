"""What the rule engine and the parameter table remember, and that it is never stale.

Figures shared by several rules are computed once per ``check()`` call
(``Context.derived``), parameter values once per table, key and day, the life
domains once per policy, the rules in force once per kind and validity interval; a
changed document, another table or another policy gets fresh answers. The rewritten
helpers (whole months of an evaluation window, month arithmetic, the duplicate and
order checks of a bilan's assessments) are compared with the plain definitions
written out here.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from decimal import Decimal

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cpas.sdk import Money, check
from cpas.sdk.documents import subsidy as subsidy_docs
from cpas.sdk.documents.bilan import AssessmentMoment, BilanSocial, DomainAssessment
from cpas.sdk.documents.subsidy import (
    SubsidyConvention,
    eligibility,
    eligible_amounts,
    eligible_by_section,
    eligible_expenses,
)
from cpas.sdk.errors import InvalidValue, NoRuleInForce
from cpas.sdk.findings import LegalRef, Severity
from cpas.sdk.lifedomains import DEFAULT_LIFE_DOMAINS
from cpas.sdk.parameters import Entry, Parameters
from cpas.sdk.periods import add_days, add_months
from cpas.sdk.policy import LocalPolicy
from cpas.sdk.rules import Context, Hit, RuleInfo, _plan, _rules_in_force, rules_for
from cpas.sdk.rules import subsidy as subsidy_rules
from cpas.sdk.rules.piis import _months_later, _whole_months
from cpas.sdk.samples import sample_set
from cpas.sdk.text import Text
from strategies_bilan import sample_bilan
from strategies_conventions import subsidy_conventions


def _context(on: dt.date) -> Context:
    return Context(on=on, parameters=Parameters.default(), policy=LocalPolicy())


# --- Figures computed once per check ------------------------------------------------------


def test_a_changed_convention_is_checked_afresh() -> None:
    """The sample convention (84 000 € granted) justifies 86 700 € and has no finding.
    Without its 52 000 € of tickets (section A) it justifies 19 500 + 40 % of 12 000 +
    10 400 = 34 700 €: SUB-JUST-001 and SUB-JUST-002 (section A) must say so, and the
    original must still have no finding afterwards (AR PAS 2017 art. 8; domain.md,
    "Subsidy conventions")."""
    conv = sample_set().subsidy
    assert len(check(conv)) == 0
    smaller = attrs.evolve(conv, expenses=tuple(e for e in conv.expenses if e.id != "e3"))
    report = check(smaller)
    assert sorted((f.code, f.path) for f in report) == [
        ("SUB-JUST-001", "$.expenses"), ("SUB-JUST-002", "$.sections[0].amount")]
    just = report.by_code("SUB-JUST-001")[0].message.get("fr")
    assert "34\u202f700,00\xa0€" in just and "84\u202f000,00\xa0€" in just
    assert len(check(conv)) == 0


def test_each_check_computes_the_eligible_figures_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two rules use the eligible figures: one computation per check, a new one for the
    next check of the same document (nothing is kept across checks)."""
    calls: list[SubsidyConvention] = []

    def counted(conv: SubsidyConvention,
                parameters: Parameters | None = None) -> subsidy_docs.Eligibility:
        calls.append(conv)
        return eligibility(conv, parameters)

    monkeypatch.setattr(subsidy_rules, "eligibility", counted)
    conv = sample_set().subsidy
    check(conv)
    assert len(calls) == 1
    check(conv)
    assert len(calls) == 2
    other = attrs.evolve(conv, amount=Money("90000.00"))
    assert check(other).codes() == {"SUB-JUST-001", "SUB-SECT-001"}
    assert calls[-1] is other and len(calls) == 3


def test_derived_values_belong_to_one_document_object() -> None:
    conv = sample_set().subsidy
    ctx = _context(conv.rules_date())
    seen: list[object] = []

    def figure(doc: SubsidyConvention, parameters: Parameters) -> Money:
        seen.append(doc)
        return doc.amount

    assert ctx.derived(figure, conv) == Money("84000.00")
    assert ctx.derived(figure, conv) == Money("84000.00")
    assert len(seen) == 1
    equal_copy = attrs.evolve(conv)
    assert equal_copy == conv and equal_copy is not conv
    assert ctx.derived(figure, equal_copy) == Money("84000.00")
    assert len(seen) == 2
    changed = attrs.evolve(conv, amount=Money("1.00"))
    assert ctx.derived(figure, changed) == Money("1.00")
    assert ctx.derived(figure, conv) == Money("84000.00")


def test_derived_errors_are_raised_every_time() -> None:
    conv = sample_set().subsidy
    ctx = _context(conv.rules_date())
    tries: list[int] = []

    def missing(doc: SubsidyConvention, parameters: Parameters) -> Money:
        tries.append(1)
        raise NoRuleInForce("subsidy.nothing", doc.rules_date())

    for _ in range(2):
        with pytest.raises(NoRuleInForce):
            ctx.derived(missing, conv)
    assert len(tries) == 2


@settings(max_examples=60, deadline=None)
@given(subsidy_conventions())
def test_eligibility_gives_the_three_figures(conv: SubsidyConvention) -> None:
    figures = eligibility(conv)
    assert figures.amounts == eligible_amounts(conv)
    assert figures.by_section == eligible_by_section(conv)
    assert figures.total == eligible_expenses(conv)
    in_sections = sum((s.amount.amount for s in figures.by_section), Decimal(0))
    rest = sum((a.amount for a, e in zip(figures.amounts, conv.expenses, strict=True)
                if e.section is None), Decimal(0))
    assert figures.total.amount == in_sections + rest


_KINDS = tuple(type(doc) for _, doc in sample_set().documents())


def _boundaries() -> list[dt.date]:
    """Every day a rule comes into force or goes out of it, and the days around."""
    days = {dt.date.min, dt.date.max}
    for kind in _KINDS:
        for info in rules_for(kind):
            for day in (info.valid_from, info.valid_until):
                if day is not None:
                    days.update(day + dt.timedelta(days=d) for d in (-1, 0, 1)
                                if dt.date.min + dt.timedelta(days=1) < day < dt.date.max)
    return sorted(days)


def _assert_rules_in_force(kind: type, day: dt.date) -> None:
    expected = [info.code for info in rules_for(kind) if info.applies_on(day)]
    assert [info.code for _, info in _rules_in_force(kind, day)] == expected, (kind, day)
    assert all(func is info.func for func, info in _rules_in_force(kind, day))


def test_rules_in_force_around_every_change() -> None:
    """The engine's per-kind table of rules in force gives, on and around each day a rule
    comes into or goes out of force, the rules whose interval holds that day (both ends
    included)."""
    for kind in _KINDS:
        for day in _boundaries():
            _assert_rules_in_force(kind, day)


@given(st.dates(), st.sampled_from(_KINDS))
def test_rules_in_force_on_any_day(day: dt.date, kind: type) -> None:
    _assert_rules_in_force(kind, day)


def _nothing(doc: object, ctx: Context) -> list[Hit]:
    return []


def _made_up(code: str, start: dt.date | None, end: dt.date | None) -> RuleInfo:
    return RuleInfo(code=code, document=object, severity=Severity.ERROR,
                    message=Text(en="x"), legal=(LegalRef("x"),), func=_nothing,
                    valid_from=start, valid_until=end)


_MADE_UP = (
    _made_up("A", None, None),
    _made_up("B", None, dt.date(2020, 6, 30)),
    _made_up("C", dt.date(2020, 7, 1), None),
    _made_up("D", dt.date(2019, 1, 1), dt.date(2019, 1, 1)),
    _made_up("E", dt.date(2021, 3, 1), dt.date.max),
    _made_up("F", dt.date.min, dt.date(2018, 2, 28)),
)


@given(st.one_of(st.dates(), st.sampled_from([
    dt.date.min, dt.date.max, dt.date(2018, 2, 28), dt.date(2018, 3, 1), dt.date(2018, 12, 31),
    dt.date(2019, 1, 1), dt.date(2019, 1, 2), dt.date(2020, 6, 30), dt.date(2020, 7, 1),
    dt.date(2021, 2, 28), dt.date(2021, 3, 1)])))
def test_plan_of_rules_with_every_kind_of_interval(day: dt.date) -> None:
    changes, in_force = _plan(_MADE_UP)
    found = in_force[bisect.bisect_right(changes, day)]
    assert [info.code for _, info in found] == [r.code for r in _MADE_UP if r.applies_on(day)]


# --- Parameters remembered per table, key and day -----------------------------------------


def _plain_lookup(params: Parameters, key: str, day: dt.date) -> Entry | None:
    """The row in force, read straight from the entries."""
    rows = [e for e in params.entries if e.key == key and e.valid_from <= day
            and (e.valid_until is None or day <= e.valid_until)]
    assert len(rows) <= 1
    return rows[0] if rows else None


_DAYS = (dt.date(2012, 11, 3), dt.date(2012, 11, 4), dt.date(2016, 10, 31),
         dt.date(2016, 11, 1), dt.date(2018, 1, 1), dt.date(2025, 6, 1))


def test_parameter_values_match_the_entries_on_every_lookup() -> None:
    params = Parameters.default()
    listed = params.keys()
    for _ in range(2):  # the second round is answered from memory
        for key in listed:
            for day in _DAYS:
                row = _plain_lookup(params, key, day)
                assert params.in_force(key, day) is (row is not None)
                if row is None:
                    with pytest.raises(NoRuleInForce):
                        params.entry(key, day)
                    continue
                if row.kind == "money":
                    assert params.money(key, day) == Money(row.value)
                    with pytest.raises(InvalidValue):
                        params.integer(key, day)
                elif row.kind == "int":
                    assert params.integer(key, day) == int(row.value)
                    with pytest.raises(InvalidValue):
                        params.decimal(key, day)
                elif row.kind == "decimal":
                    assert params.decimal(key, day) == Decimal(row.value)
                    with pytest.raises(InvalidValue):
                        params.money(key, day)
                elif row.kind == "monthday":
                    month, dom = (int(x) for x in row.value.split("-"))
                    assert params.day_in_year(key, day.year) == dt.date(day.year, month, dom)


def test_a_new_table_answers_with_its_own_rows() -> None:
    params = Parameters.default()
    day = dt.date(2021, 1, 1)
    assert not params.in_force("test.memo", day)
    extra = params.with_entries([Entry("test.memo", "money", "5", dt.date(2020, 1, 1), None,
                                       "test")])
    assert extra.money("test.memo", day) == Money("5.00")
    assert extra.in_force("test.memo", day)
    assert not params.in_force("test.memo", day)
    listed, before = extra.keys(), params.keys()
    assert "test.memo" in listed and "test.memo" not in before
    with pytest.raises(NoRuleInForce):
        params.money("test.memo", day)


# --- Life domains remembered per policy ---------------------------------------------------


def test_another_policy_gets_its_own_life_domains() -> None:
    """A CPAS whose policy lists six life domains gets BILAN-ASSESS-001 for the four
    others assessed in the sample bilan; the default policy (ten domains) none, before
    and after (AR DIS 11/07/2002 art. 11 §1; domain.md, "Bilan social")."""
    bilan = sample_bilan()
    six = LocalPolicy(life_domains=DEFAULT_LIFE_DOMAINS[:6])
    known = {d.id for d in DEFAULT_LIFE_DOMAINS[:6]}
    expected = sorted(f"$.assessments[{i}].domain" for i, a in enumerate(bilan.assessments)
                      if a.domain not in known)
    assert len(expected) == 4
    assert not check(bilan).by_code("BILAN-ASSESS-001")
    for _ in range(2):
        found = sorted(f.path for f in check(bilan, policy=six).by_code("BILAN-ASSESS-001"))
        assert found == expected
        assert not check(bilan).by_code("BILAN-ASSESS-001")


# --- Helpers rewritten for speed, against their plain definitions -------------------------


def _months_counted_one_by_one(first: dt.date, last: dt.date) -> int:
    months = 0
    while add_months(first, months + 1) <= add_days(last, 1):
        months += 1
    return months


@given(st.dates(dt.date(1990, 1, 1), dt.date(2090, 12, 31)), st.integers(-60, 1200))
def test_whole_months_as_counted_month_by_month(first: dt.date, length: int) -> None:
    last = first + dt.timedelta(days=length)
    assert _whole_months(first, last) == _months_counted_one_by_one(first, last)


def _same_as_counting(first: dt.date, last: dt.date) -> None:
    """``_whole_months`` gives what counting month by month gives: the count, or the error."""
    try:
        expected = _months_counted_one_by_one(first, last)
    except (ValueError, OverflowError) as exc:
        with pytest.raises(type(exc), match=re.escape(str(exc))):
            _whole_months(first, last)
        return
    assert _whole_months(first, last) == expected


@given(st.dates(dt.date(9990, 1, 1)), st.dates(dt.date(9990, 1, 1)))
def test_whole_months_near_the_end_of_the_calendar(first: dt.date, last: dt.date) -> None:
    _same_as_counting(first, last)


@given(st.dates(), st.integers(-30_000, 30_000))
def test_months_later_is_add_months(day: dt.date, months: int) -> None:
    """The table-driven month arithmetic of the PIIS rules against ``periods.add_months``,
    including the error for a year out of range."""
    try:
        expected = add_months(day, months)
    except ValueError as exc:
        with pytest.raises(ValueError, match=str(exc)):
            _months_later(day, months)
        return
    assert _months_later(day, months) == expected


def test_months_later_examples() -> None:
    assert _months_later(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert _months_later(dt.date(2023, 1, 31), 1) == dt.date(2023, 2, 28)
    assert _months_later(dt.date(2100, 3, 31), -1) == dt.date(2100, 2, 28)
    assert _months_later(dt.date(2000, 3, 30), -1) == dt.date(2000, 2, 29)
    assert _months_later(dt.date(2024, 11, 30), 3) == dt.date(2025, 2, 28)


@pytest.mark.parametrize(("first", "last"), [
    (dt.date(9998, 12, 5), dt.date(9999, 12, 4)),
    (dt.date(9999, 12, 10), dt.date(9999, 12, 1)),
    (dt.date(9999, 12, 10), dt.date(2020, 1, 1)),
    (dt.date(9999, 12, 10), dt.date(9999, 12, 31)),
    (dt.date(9999, 1, 31), dt.date(9999, 11, 29)),
])
def test_whole_months_at_the_end_of_the_calendar(first: dt.date, last: dt.date) -> None:
    """Near 31 December 9999 counting month by month reaches a month that does not exist:
    the same error (or the same count) as the definition."""
    _same_as_counting(first, last)


def test_whole_months_examples() -> None:
    """AR DIS art. 19: windows of 12 months; a last window of 8 whole months needs 2 of 3."""
    assert _whole_months(dt.date(2024, 1, 1), dt.date(2024, 8, 31)) == 8
    # one month after 31 January 2024 is 29 February (the end of a shorter month)
    assert _whole_months(dt.date(2024, 1, 31), dt.date(2024, 2, 27)) == 0
    assert _whole_months(dt.date(2024, 1, 31), dt.date(2024, 2, 28)) == 1
    assert _whole_months(dt.date(2025, 3, 17), dt.date(2026, 3, 16)) == 12
    assert _whole_months(dt.date(2025, 3, 17), dt.date(2025, 3, 1)) == 0


_ASSESSMENTS = st.lists(st.tuples(
    st.sampled_from(["income", "work", "housing", "zz"]), st.sampled_from(list(AssessmentMoment)),
    st.dates(dt.date(2024, 1, 1), dt.date(2024, 1, 20))), max_size=8)


def _with_assessments(rows: list[tuple[str, AssessmentMoment, dt.date]]) -> BilanSocial:
    return sample_bilan(drawn_up_on=dt.date(2024, 2, 1), assessments=tuple(
        DomainAssessment(domain=d, moment=m, assessed_on=day, situation="Situation")
        for d, m, day in rows))


_RANK = {AssessmentMoment.START: 0, AssessmentMoment.INTERMEDIATE: 1, AssessmentMoment.END: 2}
"""Start, intermediate, end (CPAS Saint-Gilles practice; domain.md, "Bilan social")."""


@settings(max_examples=80, deadline=None)
@given(_ASSESSMENTS)
def test_assessment_duplicates_and_order_as_defined(
        rows: list[tuple[str, AssessmentMoment, dt.date]]) -> None:
    """BILAN-ASSESS-003: a (domain, moment) pair seen before; BILAN-ASSESS-004: an
    assessment dated before an earlier moment of its domain (the first such one named)."""
    report = check(_with_assessments(rows))
    duplicates = [f"$.assessments[{i}]" for i, row in enumerate(rows)
                  if any(other[:2] == row[:2] for other in rows[:i])]
    assert [f.path for f in report.by_code("BILAN-ASSESS-003")] == duplicates
    disorder: list[tuple[str, str]] = []
    for i, (domain, moment, day) in enumerate(rows):
        for other_domain, other_moment, other_day in rows:
            if (other_domain == domain and _RANK[other_moment] < _RANK[moment]
                    and day < other_day):
                disorder.append((f"$.assessments[{i}].assessed_on", other_day.strftime("%d/%m")))
                break
    found = report.by_code("BILAN-ASSESS-004")
    assert [f.path for f in found] == [path for path, _ in disorder]
    for finding, (_, earlier) in zip(found, disorder, strict=True):
        assert earlier in finding.message.get("fr")
