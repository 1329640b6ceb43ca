"""Loading the official BCSS schemas: both validators, confined to their directory."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from bcss_support import official, schema_dir

from cpas.adapters.bcss import BcssSchemaError, load_official_schemas
from cpas.adapters.xml.parser import UnsafeXml
from strategies import niss_digits

_DF_WITHOUT_MONTH = b"""<?xml version="1.0" encoding="UTF-8"?>
<L65_DF_DecisionRequest xmlns="http://www.ksz-bcss.fgov.be/XSD/SSDN/OCMW_CPAS/LoiWet65"
    xmlns:c65="http://www.ksz-bcss.fgov.be/XSD/SSDN/OCMW_CPAS/LoiWet65Common">
  <c65:FileIdentification><c65:KBOBCE>212345668</c65:KBOBCE>
    <c65:FileID>000000AB123</c65:FileID></c65:FileIdentification>
  <RefundformD1>
    <UniqueAttestID>CPAS2025ATT0001</UniqueAttestID>
    <SSIN>93041215808</SSIN>
    <DeliveredAmountsD1><DoubleMaximum>false</DoubleMaximum></DeliveredAmountsD1>
    <PrimaryBeneficiaryAids><PartnerconventionAmount>50000</PartnerconventionAmount>
    </PrimaryBeneficiaryAids>
    <TotalAmount>50000</TotalAmount>
  </RefundformD1>
</L65_DF_DecisionRequest>"""


def test_both_validators_load() -> None:
    """The schema set of ../shared loads with lxml and xmlschema."""
    schemas = official()
    assert schemas.directory == schema_dir().resolve()


def test_df_missing_reference_month_is_invalid_for_both() -> None:
    """A D1 without ReferenceMonth (the period of its amounts) breaks the schema:
    LoiWet65_DF_decision_Request.xsd makes RefundformD1/ReferenceMonth mandatory (first
    element of the sequence), so both validators report it."""
    errors = official().errors(_DF_WITHOUT_MONTH)
    lxml_errors = [e for e in errors if e.startswith("lxml:")]
    other = [e for e in errors if e.startswith("xmlschema:")]
    assert lxml_errors and "ReferenceMonth" in lxml_errors[0]
    assert other and "ReferenceMonth" in " ".join(other)
    with pytest.raises(BcssSchemaError):
        official().check(_DF_WITHOUT_MONTH)


def test_attest_length_and_amount_digits_invalid() -> None:
    """A 16-character UniqueAttestID breaks its length-15 facet; a 9-digit amount breaks
    totalDigits 8."""
    bad = (_DF_WITHOUT_MONTH.replace(b"<UniqueAttestID>", b"<ReferenceMonth>2025-11"
                                     b"</ReferenceMonth><UniqueAttestID>")
           .replace(b"CPAS2025ATT0001", b"CPAS2025ATT00012")
           .replace(b"<TotalAmount>50000", b"<TotalAmount>123456789"))
    errors = official().errors(bad)
    assert any("UniqueAttestID" in e for e in errors if e.startswith("lxml:"))
    assert any("TotalAmount" in e for e in errors if e.startswith("lxml:"))
    assert len([e for e in errors if e.startswith("xmlschema:")]) >= 2


def test_doctype_refused_before_validation() -> None:
    """Documents are parsed with the hardened parser: a DOCTYPE never reaches a validator."""
    with pytest.raises(UnsafeXml):
        official().errors(b'<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>')


def test_missing_directory_and_files(tmp_path: Path) -> None:
    """A directory without the SSDN files is refused with the missing names."""
    with pytest.raises(BcssSchemaError, match="not found"):
        load_official_schemas(tmp_path / "nowhere")
    with pytest.raises(BcssSchemaError, match=r"Common/NamespaceRoot\.xsd"):
        load_official_schemas(tmp_path)


def test_import_outside_directory_refused(tmp_path: Path) -> None:
    """A schema that includes a file outside the directory is refused (lxml resolver)."""
    copy = tmp_path / "ssdn"
    shutil.copytree(schema_dir(), copy)
    outside = tmp_path / "outside.xsd"
    outside.write_text('<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" '
                       'targetNamespace="http://www.ksz-bcss.fgov.be/XSD/SSDN/Common"/>')
    root = copy / "Common" / "NamespaceRoot.xsd"
    text = root.read_text("utf-8").replace(
        '<xs:include schemaLocation="ExtensionPlaceHolder.xsd"/>',
        '<xs:include schemaLocation="ExtensionPlaceHolder.xsd"/>'
        '<xs:include schemaLocation="../../outside.xsd"/>')
    root.write_text(text, "utf-8")
    with pytest.raises(BcssSchemaError, match="outside"):
        load_official_schemas(copy)


def test_values_quoted_by_the_validators_are_masked() -> None:
    """lxml quotes the offending value ("The value '…' is not accepted by the pattern"): a
    NISS written with separators in SSIN, or put in an amount, never comes out in clear, in
    errors() nor in the BcssSchemaError raised by check()."""
    niss = niss_digits(dt.date(1987, 9, 23), 61)
    written = f"{niss[:2]}.{niss[2:4]}.{niss[4:6]}-{niss[6:9]}.{niss[9:]}"
    bad = (_DF_WITHOUT_MONTH.replace(b"<UniqueAttestID>", b"<ReferenceMonth>2025-11"
                                     b"</ReferenceMonth><UniqueAttestID>")
           .replace(b"<SSIN>93041215808", f"<SSIN>{written}".encode())
           .replace(b"<TotalAmount>50000", f"<TotalAmount>{niss}".encode()))
    errors = official().errors(bad)
    quoted = [e for e in errors if e.startswith("lxml:") and "The value '" in e]
    assert {"SSIN" in e for e in quoted} == {True, False}  # both values are quoted...
    assert all(f"{niss[-2:]}'" in e for e in quoted)  # ...with their check digits only
    assert not any(niss[:9] in e or written[:12] in e for e in errors)
    with pytest.raises(BcssSchemaError) as caught:
        official().check(bad)
    assert niss[:9] not in str(caught.value) and written[:12] not in str(caught.value)
