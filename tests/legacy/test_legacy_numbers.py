"""Belgian cell values: amounts, dates, months, NISS and KBO, column names."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from cpas.adapters.legacy.columns import Profile, match_columns
from cpas.adapters.legacy.numbers import (
    CellError,
    parse_amount,
    parse_bool,
    parse_date,
    parse_kbo,
    parse_niss,
    parse_period,
)
from cpas.adapters.legacy.reading import LegacyFileError, detect_delimiter, detect_encoding
from cpas.sdk.periods import Period
from strategies import niss_digits


@pytest.mark.parametrize("text", ["1.234,56", "1234,56", "1 234,56", "1\u00a0234,56",
                                  "1\u202f234,56", "€ 1.234,56", "1.234,56 €", "1234.56",
                                  "1,234.56", "EUR 1234,56"])
def test_amount_formats(text: str) -> None:
    """Every written form of 1 234,56 € reads as the same amount."""
    assert parse_amount(text) == Decimal("1234.56")


def test_amount_from_cells() -> None:
    """Number cells: int and float (shortest decimal form, no binary noise)."""
    assert parse_amount(1234.56) == Decimal("1234.56")
    assert parse_amount(12) == Decimal("12.00")
    assert parse_amount("1.234.567,8") == Decimal("1234567.80")


@pytest.mark.parametrize("text", ["1.234", "12,34,5", "1.23.45", "abc", "1,2,3.4", "-", "€"])
def test_ambiguous_or_broken_numbers_are_refused(text: str) -> None:
    """``1.234`` could be thousands or decimals: refused, never guessed."""
    with pytest.raises(CellError):
        parse_amount(text)


def test_negative_and_sub_cent_amounts_are_refused() -> None:
    with pytest.raises(CellError, match="negative"):
        parse_amount("-1,00")
    with pytest.raises(CellError, match="two decimals"):
        parse_amount("1,001")


@pytest.mark.parametrize("value", ["03/02/2025", "3-2-2025", "03.02.2025", "2025-02-03",
                                   dt.datetime(2025, 2, 3), dt.date(2025, 2, 3)])
def test_date_formats(value: str | dt.date) -> None:
    assert parse_date(value) == dt.date(2025, 2, 3)


@pytest.mark.parametrize("value", ["31/02/2025", "03/02/25", "2025/02/03", "03/02-2025"])
def test_bad_dates(value: str) -> None:
    with pytest.raises(CellError):
        parse_date(value)


@pytest.mark.parametrize("value", ["02/2025", "2/2025", "02-2025", "02.2025", "2025-02",
                                   dt.datetime(2025, 2, 1)])
def test_periods(value: str | dt.date) -> None:
    """Months as written, and the date cell Excel makes of a typed ``02/2025``."""
    assert parse_period(value) == Period(2025, 2)


def test_period_cell_on_another_day_is_refused() -> None:
    with pytest.raises(CellError, match="month"):
        parse_period(dt.date(2025, 2, 14))


def test_niss_with_separators() -> None:
    digits = niss_digits(dt.date(1985, 7, 30), 33)
    formatted = f"{digits[:2]}.{digits[2:4]}.{digits[4:6]}-{digits[6:9]}.{digits[9:]}"
    assert parse_niss(formatted).compact == digits
    assert parse_niss(int(digits)).compact == digits


def test_niss_leading_zero_restored_only_when_the_check_proves_it() -> None:
    """Born in 2005 (``05…``): Excel keeps 10 digits; the 2000s check digits prove the 0.
    A 1985 number with a digit missing is not completed, whatever it looks like."""
    young = niss_digits(dt.date(2005, 3, 14), 12)
    assert young.startswith("0")
    assert parse_niss(int(young)).compact == young
    assert parse_niss(young[1:]).compact == young
    born_2000 = niss_digits(dt.date(2000, 1, 9), 5)
    assert parse_niss(int(born_2000)).compact == born_2000
    older = niss_digits(dt.date(1985, 7, 30), 33)
    with pytest.raises(CellError, match="leading zeros"):
        parse_niss(older[1:])
    with pytest.raises(CellError, match="check digits"):
        parse_niss(older[:-2] + f"{(int(older[-2:]) + 1) % 100:02d}")


def test_niss_error_never_shows_the_number() -> None:
    older = niss_digits(dt.date(1985, 7, 30), 33)
    with pytest.raises(CellError) as info:
        parse_niss(older[:-1] + str((int(older[-1]) + 1) % 10))
    assert older[:9] not in str(info.value)


def test_kbo_leading_zero() -> None:
    """A KBO read as a number (9 digits) gets its 0 back through the check digits."""
    assert parse_kbo(403019261).compact == "0403019261"
    assert parse_kbo("BE 0403.019.261").compact == "0403019261"
    with pytest.raises(CellError, match="check digits"):
        parse_kbo(403019262)


def test_booleans() -> None:
    assert parse_bool("Oui") and parse_bool("ja") and parse_bool("X")
    assert not parse_bool("nee") and not parse_bool("")
    with pytest.raises(CellError):
        parse_bool("peut-être")


def test_encoding_and_delimiter_detection() -> None:
    text = "Nom;Bénéficiaire;Montant"
    assert detect_encoding(text.encode("utf-8")) == "utf-8"
    assert detect_encoding(b"\xef\xbb\xbf" + text.encode("utf-8")) == "utf-8-sig"
    assert detect_encoding(text.encode("cp1252")) == "cp1252"
    assert detect_encoding("€ é".encode()[:-1]) == "utf-8"  # cut inside a character
    assert detect_delimiter("a;b;c") == ";"
    assert detect_delimiter("a\tb\tc") == "\t"
    assert detect_delimiter("a,b;c,d") == ","
    assert detect_delimiter("a") == ";"


def test_headers_in_three_languages() -> None:
    """Case, accents and punctuation do not matter; FR, NL and EN name the same field."""
    header = ["N° Registre National", "WETTELIJKE BASIS", "period", "Montant", "Divers"]
    columns = match_columns(header, "reimbursement")
    assert columns.fields["basis"] == 1 and columns.fields["period"] == 2
    assert columns.ignored == ("N° Registre National", "Divers")
    columns = match_columns(["Numéro national", "Partenaire 2 part", "partner_name"],
                            "partnership")
    assert set(columns.fields) == {"niss", "partner2.share", "partner0.name"}


def test_profile_renames(tmp_path: object) -> None:
    profile = Profile("p", "reimbursement", {"n rr": "niss"}, {})
    assert match_columns(["N RR"], "reimbursement", profile).fields == {"niss": 0}


def test_duplicate_columns_are_a_file_error() -> None:
    with pytest.raises(LegacyFileError, match="duplicate"):
        match_columns(["NISS", "INSZ"], "reimbursement")
