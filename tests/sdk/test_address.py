"""Postal addresses of persons, CPAS and partners (sdk.parties.Address)."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest

from cpas.adapters.xml.documents import from_xml, to_xml
from cpas.sdk.errors import InvalidType, InvalidValue
from cpas.sdk.parties import Address, Person
from cpas.sdk.samples import sample_set
from strategies import niss_digits


def _brussels() -> Address:
    return Address(street="Rue Haute", house_number="298A", box="3",
                   postal_code="1000", municipality="Bruxelles")

def test_belgian_address_defaults_and_letter_lines() -> None:
    address = _brussels()
    assert address.country == "BE"
    assert address.lines() == ("Rue Haute 298A bte/bus 3", "1000 Bruxelles")

@pytest.mark.parametrize("code", ["999", "0999", "10000", "B-1000", "1 000"])
def test_belgian_postal_code_has_four_digits_from_1000(code: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        Address(street="Kerkstraat", house_number="1", postal_code=code, municipality="Gent")
    assert caught.value.path == "$.postal_code"

def test_foreign_postal_codes_are_free_and_country_is_normalised() -> None:
    address = Address(street="Rue de la Paix", house_number="10", postal_code="75002",
                      municipality="Paris", country=" fr ")
    assert address.country == "FR"
    assert address.lines()[-1] == "FR"

@pytest.mark.parametrize("country", ["B", "BEL", "12", ""])
def test_country_is_an_iso_alpha2_code(country: str) -> None:
    with pytest.raises((InvalidValue, InvalidType)) as caught:
        Address(street="Main", house_number="1", postal_code="1000", municipality="X",
                country=country)
    assert caught.value.path == "$.country"

def test_required_parts_cannot_be_blank() -> None:
    with pytest.raises(InvalidValue) as caught:
        Address(street="  ", house_number="1", postal_code="1000", municipality="Bruxelles")
    assert caught.value.path == "$.street"

def test_person_address_must_be_an_address() -> None:
    with pytest.raises(InvalidType) as caught:
        Person(niss=niss_digits(dt.date(1990, 1, 2), 17), last_name="Peeters",
               first_name="An", address="Kerkstraat 1, 9000 Gent")  # type: ignore[arg-type]
    assert caught.value.path == "$.address"

def test_address_survives_the_xml_round_trip_and_is_in_the_schema() -> None:
    """A beneficiary's residence is written, validated against the XSD and read back."""

    piis = sample_set().piis
    moved = attrs.evolve(piis, beneficiary=attrs.evolve(piis.beneficiary, address=_brussels()))
    data = to_xml(moved)
    assert b"<postalCode>1000</postalCode>" in data
    assert from_xml(data) == moved
