"""Dated rule tables."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from cpas.sdk import InvalidValue, Money, NoRuleInForce, Parameters
from cpas.sdk.parameters import Entry


def test_every_built_in_row_has_a_source() -> None:
    for entry in Parameters.default().entries:
        assert entry.source.strip(), entry.key


def test_revenu_integration_amounts_by_date() -> None:
    """Amounts of domain.md's dated table: isolé 1 314,20 € from 1 Feb 2025, 1 288,46 € before."""
    p = Parameters.default()
    assert p.money("ris.amount.isole", dt.date(2025, 2, 1)) == Money("1314.20")
    assert p.money("ris.amount.isole", dt.date(2025, 1, 31)) == Money("1288.46")
    assert p.money("ris.amount.famille", dt.date(2021, 6, 1)) == Money("1330.74")
    assert p.money("ris.amount.cohabitant", dt.date(2023, 11, 1)) == Money("842.12")


def test_community_service_window() -> None:
    """Valid only 1 Nov 2016 - 30 Sep 2018 (Cour constitutionnelle 86/2018)."""
    p = Parameters.default()
    assert not p.in_force("piis.community_service", dt.date(2016, 10, 31))
    assert p.in_force("piis.community_service", dt.date(2018, 9, 30))
    assert not p.in_force("piis.community_service", dt.date(2018, 10, 1))


def test_missing_value_raises_no_rule_in_force() -> None:
    with pytest.raises(NoRuleInForce) as info:
        Parameters.default().money("partnership.intervention.full", dt.date(2010, 1, 1))
    assert isinstance(info.value, LookupError)


def test_signature_deadline_is_15_november() -> None:
    assert Parameters.default().day_in_year("subsidy.signature_deadline", 2016) == dt.date(
        2016, 11, 15)


def test_indexation_is_a_data_change() -> None:
    """A new row extends the table; an overlapping one is refused."""
    p = Parameters.default()
    closed = [e for e in p.entries if e.key != "ris.amount.isole" or e.valid_until]
    old = next(e for e in p.entries if e.key == "ris.amount.isole" and not e.valid_until)
    table = Parameters((*closed, Entry(old.key, old.kind, old.value, old.valid_from,
                                       dt.date(2026, 1, 31), old.source)))
    table = table.with_entries([Entry("ris.amount.isole", "money", "1340.00",
                                      dt.date(2026, 2, 1), None, "test indexation")])
    assert table.money("ris.amount.isole", dt.date(2026, 3, 1)) == Money("1340.00")
    with pytest.raises(InvalidValue):
        p.with_entries([Entry("ris.amount.isole", "money", "1.00", dt.date(2026, 1, 1), None, "x")])


def test_kind_mismatch_and_bad_file() -> None:
    p = Parameters.default()
    with pytest.raises(InvalidValue):
        p.integer("partnership.intervention.full", dt.date(2020, 1, 1))
    assert p.decimal("reimbursement.ris.rate.base", dt.date(2020, 1, 1)) == Decimal("55")
    with pytest.raises(InvalidValue):
        Parameters.from_toml('[[param]]\nkey = "x"\nkind = "money"\nvalue = "-1"\n'
                             'from = 2020-01-01\nsource = "s"\n')
