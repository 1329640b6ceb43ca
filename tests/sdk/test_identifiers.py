"""NISS, KBO, NIS and IBAN value types."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cpas.sdk import (
    Iban,
    InvalidIban,
    InvalidKbo,
    InvalidNisCode,
    InvalidNiss,
    InvalidType,
    Kbo,
    NisCode,
    Niss,
    mask_niss,
)
from strategies import ibans, kbos, niss_digits, nisses

# Numbers from domain.md, which were checked against the definition.
NISS_1900S = "85073003328"
NISS_2000S = "17073003384"


def test_niss_examples_from_domain_facts_are_valid() -> None:
    """Both example numbers of domain.md are accepted, one per century."""
    assert Niss(NISS_1900S).compact == NISS_1900S
    assert Niss(NISS_2000S).birth_date() == dt.date(2017, 7, 30)
    assert Niss(NISS_1900S).birth_date() == dt.date(1985, 7, 30)


@pytest.mark.parametrize("written", ["85.07.30-033.28", "85 07 30 033 28", " 850730-03328 "])
def test_niss_separators_are_removed(written: str) -> None:
    """Usual written forms are normalised to 11 digits."""
    assert Niss(written).compact == NISS_1900S


def test_niss_sex_from_sequence_number() -> None:
    """SSS odd for men, even for women (domain.md)."""
    assert Niss(niss_digits(dt.date(1990, 1, 2), 33)).sex == "M"
    assert Niss(niss_digits(dt.date(1990, 1, 2), 34)).sex == "F"


def test_bis_numbers() -> None:
    """BIS numbers add 40 (sex known) or 20 (sex unknown) to the month."""
    bis40 = Niss(niss_digits(dt.date(1990, 3, 4), 35, bis=40))
    bis20 = Niss(niss_digits(dt.date(1990, 3, 4), 35, bis=20))
    assert bis40.is_bis and bis40.sex == "M"
    assert bis20.is_bis and bis20.sex is None
    assert not Niss(NISS_1900S).is_bis


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("85073003329", "checksum does not match"),
        ("8507300332", "must have 11 digits"),
        ("8507300332X", "must contain only digits"),
    ],
)
def test_bad_niss_error_names_field_and_masks_value(value: str, reason: str) -> None:
    """The error gives the reason and path, and never the number in clear."""
    with pytest.raises(InvalidNiss) as info:
        Niss(value)
    assert info.value.reason == reason
    assert info.value.path == "$.niss"
    assert value[:6] not in str(info.value)
    assert isinstance(info.value, ValueError)


def test_niss_is_masked_in_str_and_repr() -> None:
    """A NISS printed by accident shows only its check digits."""
    niss = Niss(NISS_1900S)
    for shown in (str(niss), repr(niss), f"{niss}"):
        assert "850730" not in shown
        assert shown.endswith("28") or shown.endswith("28')")


def test_mask_niss_of_garbage() -> None:
    assert mask_niss("abc") == ""
    assert mask_niss("123456") == "****56"


def test_niss_rejects_non_text() -> None:
    with pytest.raises(InvalidType):
        Niss(3.5)  # type: ignore[arg-type]


@given(nisses())
def test_generated_niss_round_trip(digits: str) -> None:
    """Any number built from the definition is accepted and kept as is."""
    assert Niss(digits).compact == digits
    assert Niss(Niss(digits).formatted()).compact == digits


def test_kbo_examples() -> None:
    """domain.md: 0403019261 valid; check digits 97 occur (0428759497); 9-digit numbers padded."""
    assert Kbo("0403019261").formatted() == "0403.019.261"
    assert Kbo("428759497").compact == "0428759497"
    assert Kbo("BE0403.019.261") == Kbo("0403019261")


def test_kbo_starting_with_1_is_valid() -> None:
    """Numbers starting with 1 exist since 19 Sept 2023."""
    head = "10000000"
    number = head + f"{97 - int(head) % 97:02d}"
    assert Kbo(number).compact == number


@pytest.mark.parametrize("value", ["0403019262", "2403019261", "12345"])
def test_bad_kbo(value: str) -> None:
    with pytest.raises(InvalidKbo) as info:
        Kbo(value)
    assert info.value.path == "$.kbo"


@given(kbos())
def test_generated_kbo(digits: str) -> None:
    assert Kbo(digits).compact == digits


def test_nis_code() -> None:
    assert str(NisCode("34022")) == "34022"
    for bad in ["3402", "034022", "01234", "abcde"]:
        with pytest.raises(InvalidNisCode):
            NisCode(bad)


def test_iban() -> None:
    assert Iban("be68 5390 0754 7034").formatted() == "BE68 5390 0754 7034"
    with pytest.raises(InvalidIban):
        Iban("BE68 5390 0754 7035")


@given(ibans())
def test_generated_ibans_are_valid(iban: Iban) -> None:
    assert Iban(iban.formatted()) == iban


@given(st.text(max_size=20))
def test_niss_never_raises_anything_but_sdk_errors(value: str) -> None:
    """Random input either parses or raises InvalidNiss/InvalidType, nothing else."""
    with contextlib.suppress(InvalidNiss, InvalidType):
        Niss(value)
