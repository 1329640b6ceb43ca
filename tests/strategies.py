"""Hypothesis strategies for the SDK's value types (documents add theirs here too)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import strategies as st

from cpas.sdk import Iban, Kbo, Money, NisCode, Niss, Period
from cpas.sdk.parties import Address


def niss_digits(birth: dt.date, sequence: int, *, bis: int = 0) -> str:
    """A NISS (or BIS number when ``bis`` is 20 or 40) computed from the definition in
    domain.md: check = 97 - (first 9 digits mod 97), with a leading 2 from year 2000."""
    body = f"{birth:%y}{birth.month + bis:02d}{birth:%d}{sequence:03d}"
    base = int(("2" if birth.year >= 2000 else "") + body)
    return body + f"{97 - base % 97:02d}"


@st.composite
def nisses(draw: st.DrawFn) -> str:
    birth = draw(st.dates(dt.date(1920, 1, 1), dt.date(2020, 12, 31)))
    sequence = draw(st.integers(1, 998))
    bis = draw(st.sampled_from([0, 0, 0, 20, 40]))
    return niss_digits(birth, sequence, bis=bis)


def niss_values() -> st.SearchStrategy[Niss]:
    return nisses().map(Niss)


@st.composite
def kbos(draw: st.DrawFn) -> str:
    first = draw(st.sampled_from(["0", "1"]))
    head = first + f"{draw(st.integers(2000000 if first == '0' else 0, 9999999)):07d}"
    return head + f"{97 - int(head) % 97:02d}"


def kbo_values() -> st.SearchStrategy[Kbo]:
    return kbos().map(Kbo)


def nis_codes() -> st.SearchStrategy[NisCode]:
    return st.integers(10000, 99999).map(lambda n: NisCode(str(n)))


def amounts(max_value: str = "99999999.99") -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=Decimal(0), max_value=Decimal(max_value), places=2,
                       allow_nan=False, allow_infinity=False)


def money() -> st.SearchStrategy[Money]:
    return amounts().map(Money)


def periods() -> st.SearchStrategy[Period]:
    return st.builds(Period, st.integers(1990, 2100), st.integers(1, 12))


def ibans() -> st.SearchStrategy[Iban]:
    @st.composite
    def build(draw: st.DrawFn) -> Iban:
        bank = f"{draw(st.integers(0, 9999999999)):010d}"
        national = bank + f"{(int(bank) % 97) or 97:02d}"
        numeric = int(national + "111400")  # "BE00" moved to the end: B=11, E=14
        return Iban(f"BE{98 - numeric % 97:02d}{national}")

    return build()


def texts(min_size: int = 1, max_size: int = 60) -> st.SearchStrategy[str]:
    """Non-blank text including accents and other non-ASCII letters, no control chars."""
    alphabet = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Co", "Cn", "Zl", "Zp"))
    return st.text(alphabet, min_size=min_size, max_size=max_size).filter(lambda s: s.strip() != "")


def addresses() -> st.SearchStrategy[Address]:
    """Belgian addresses (4-digit postal codes from 1000) and some foreign ones."""
    belgian = st.builds(
        Address, street=texts(max_size=40), house_number=texts(max_size=6),
        box=st.none() | texts(max_size=4),
        postal_code=st.integers(1000, 9999).map(str), municipality=texts(max_size=30))
    foreign = st.builds(
        Address, street=texts(max_size=40), house_number=texts(max_size=6),
        postal_code=texts(max_size=10), municipality=texts(max_size=30),
        country=st.sampled_from(["FR", "NL", "DE", "LU"]))
    return belgian | foreign
