"""The arithmetic fast path of :class:`Niss` against python-stdnum, the authority.

Whatever the fast path accepts, stdnum must accept (and, as written, the two
agree exactly): compared on random 11-digit strings, on strings built with
valid check digits but any date part, and on numbers generated from the
definition (domain.md, "Identifiers": check = 97 - (first 9 digits mod 97), with
a leading 2 from the year 2000; BIS months + 20 or + 40).
"""

from __future__ import annotations

import datetime as dt
import types

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from stdnum.be import nn as stdnum_nn
from stdnum.be import ssn as stdnum_ssn

from cpas.sdk import InvalidNiss, Niss
from cpas.sdk.identifiers import niss_checks_out
from strategies import nisses

DIGITS = "0123456789"


def stdnum_accepts(value: str) -> bool:
    return bool(stdnum_ssn.is_valid(value))


@st.composite
def with_check_digits(draw: st.DrawFn) -> str:
    """Any 9 digits (impossible months and days included) with the check digits of
    either century: the strings where only the date part and the year rule decide."""
    body = draw(st.text(DIGITS, min_size=9, max_size=9))
    prefix = draw(st.sampled_from(["", "2"]))
    return body + f"{97 - int(prefix + body) % 97:02d}"


@given(st.text(DIGITS, min_size=11, max_size=11))
@example("85073003328")
@example("17073003384")
@example("00000000000")
@example("00000100128")  # fictitious date 000001: birth date unknown
def test_random_digits(value: str) -> None:
    """On any 11 digits the fast path says what stdnum says."""
    assert niss_checks_out(value) == stdnum_accepts(value)


@given(with_check_digits())
def test_valid_check_digits_any_date(value: str) -> None:
    """With correct check digits, months 13-19, 33-39, 53+ are refused by both; the
    2000s check digits count only for years not in the future, for both."""
    assert niss_checks_out(value) == stdnum_accepts(value)
    if niss_checks_out(value):
        assert stdnum_ssn.validate(value) == value


@given(nisses())
def test_generated_numbers_take_the_fast_path(value: str) -> None:
    """Numbers built from the definition (1920-2020, BIS + 20/+ 40) are accepted."""
    assert niss_checks_out(value)
    assert stdnum_accepts(value)
    assert Niss(value).compact == value


@given(with_check_digits(), st.integers(2000, 2099))
def test_century_rule_follows_the_year_given(value: str, year: int) -> None:
    """``this_year`` plays stdnum's clock: with the clock set to that year, both agree."""
    today = types.SimpleNamespace(date=types.SimpleNamespace(
        today=lambda: dt.date(year, 6, 30)))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(stdnum_nn, "datetime", today)
        assert niss_checks_out(value, year) == stdnum_accepts(value)


@given(st.text(min_size=0, max_size=14))
def test_other_text_is_never_taken_by_the_fast_path_wrongly(value: str) -> None:
    """Separators, other digits (Arabic-Indic, full width), letters: the fast path only
    accepts what stdnum accepts as it stands."""
    if niss_checks_out(value):
        assert stdnum_accepts(value)
        assert len(value) == 11 and value.isascii()


@pytest.mark.parametrize("written", ["85.07.30-033.28", " 85073003328", "８５０７３００３３２８"])
def test_slow_path_still_normalises(written: str) -> None:
    """Written forms the fast path leaves aside (separators, spaces, full-width digits)
    go through stdnum as before, which gives the 11 ASCII digits."""
    assert not niss_checks_out(written)
    assert Niss(written).compact == "85073003328"


def test_refusal_keeps_the_number_masked() -> None:
    """A refused number is never shown in clear (only its check digits)."""
    with pytest.raises(InvalidNiss) as caught:
        Niss("85073003329")
    assert "85073003329" not in str(caught.value)
    assert caught.value.reason == "checksum does not match"
    assert caught.value.shown == "******-***-29"
