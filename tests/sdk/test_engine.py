"""The rule engine: dated rules, dated parameters, findings in three languages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import attrs

from cpas.sdk import LegalRef, Severity, Text, check
from cpas.sdk.rules import Context, Hit, rule, rules_for


@attrs.frozen
class Memo:
    """A toy document, only for these tests."""

    written_on: dt.date
    hours: int

    def rules_date(self) -> dt.date:
        return self.written_on


@rule("TEST-HOURS-001", document=Memo, severity=Severity.ERROR,
      legal=LegalRef("AR 23/09/2004 art. 3"),
      message=Text(fr="{hours} heures, moins de {min} heures", nl="{hours} uur, minder dan {min}",
                   en="{hours} hours, fewer than {min}"))
def _enough_hours(doc: Memo, ctx: Context) -> Iterator[Hit]:
    """Toy rule: at least the 50 hours of the dated parameter."""
    minimum = ctx.parameters.integer("partnership.hours.half", ctx.on)
    if doc.hours < minimum:
        yield Hit("$.hours", {"hours": doc.hours, "min": minimum})


@rule("TEST-OLD-001", document=Memo, severity=Severity.WARNING, legal=LegalRef("old law"),
      message=Text(fr="ancienne règle", nl="oude regel", en="old rule"),
      valid_until=dt.date(2012, 12, 31))
def _old_rule(doc: Memo, ctx: Context) -> Iterator[Hit]:
    """Toy rule valid only until 2012."""
    yield Hit("$")


def test_finding_carries_code_path_languages_and_law() -> None:
    report = check(Memo(dt.date(2020, 1, 1), 10))
    (finding,) = report.by_code("TEST-HOURS-001")
    assert finding.path == "$.hours"
    assert finding.text("fr") == "10 heures, moins de 50 heures"
    assert finding.text("nl") == "10 uur, minder dan 50"
    assert finding.legal == (LegalRef("AR 23/09/2004 art. 3"),)
    assert not report.ok


def test_rule_out_of_its_validity_is_skipped() -> None:
    assert "TEST-OLD-001" not in check(Memo(dt.date(2020, 1, 1), 80)).codes()
    assert "TEST-OLD-001" in check(Memo(dt.date(2012, 12, 31), 80)).codes()


def test_missing_parameter_is_a_warning_not_a_crash() -> None:
    """Checking never blocks: a rule whose parameter is not in force is reported as not checked."""
    report = check(Memo(dt.date(2010, 1, 1), 10))
    (finding,) = report.by_code("CPAS-PARAM-001")
    assert finding.severity is Severity.WARNING
    assert "partnership.hours.half" in finding.text("en")
    assert report.ok


def test_rules_for_kind() -> None:
    codes = {r.code for r in rules_for(Memo)}
    assert {"TEST-HOURS-001", "TEST-OLD-001"} <= codes
