"""Documents of every kind through XML: ``from_xml(to_xml(d)) == d``, valid for both
lxml and xmlschema, same bytes every time; plus the errors of the public API."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path
from typing import Any

import pytest
import xmlschema
from hypothesis import HealthCheck, given, settings
from lxml import etree

import cpas.schemas
from cpas.adapters.xml.documents import (
    KINDS,
    XmlSchemaError,
    from_xml,
    kind_of,
    records_of,
    to_xml,
)
from cpas.adapters.xml.mapping import XmlMappingError, error_line, from_element
from cpas.sdk import CpasError, InvalidNiss, Money
from cpas.sdk.documents.bilan import BilanSocial
from cpas.sdk.documents.piis import Piis
from cpas.sdk.documents.reimbursement import ReimbursementForm, ReimbursementLine
from strategies_bilan import sample_bilan
from strategies_documents import DOCUMENTS
from strategies_piis import example_piis
from strategies_reimbursement import compliant_forms

SCHEMAS_DIR = Path(next(iter(cpas.schemas.__path__)))

STRATEGIES = DOCUMENTS


@functools.cache
def _second_validator(schema_file: str) -> Any:
    return xmlschema.XMLSchema10(str(SCHEMAS_DIR / schema_file), allow="sandbox",
                                 defuse="always")


def _xmlschema_errors(schema_file: str, data: bytes) -> list[str]:
    resource = xmlschema.XMLResource(data.decode("utf-8"), allow="none", defuse="always")
    return [str(e.reason) for e in _second_validator(schema_file).iter_errors(resource)]


def _check_round_trip(document: Any) -> None:
    kind = kind_of(document)
    data = to_xml(document)  # validated with lxml on the way out
    assert to_xml(document) == data
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<' + kind.root.encode())
    assert _xmlschema_errors(kind.schema_file, data) == []
    back = from_xml(data)  # validated with lxml on the way in
    assert type(back) is kind.cls
    assert back == document
    assert to_xml(back) == data


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_every_kind_round_trips(name: str) -> None:
    """Generated documents of each kind (empty optionals, non-ASCII names, extreme
    amounts) come back equal, and both validators accept their XML."""

    @settings(max_examples=25, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(STRATEGIES[name])
    def round_trip(document: Any) -> None:
        assert kind_of(document).name == name
        _check_round_trip(document)

    round_trip()


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(compliant_forms(max_lines=20))
def test_reimbursement_records_validate_alone(form: ReimbursementForm) -> None:
    """Each line element validates against the global record element and maps back alone,
    which is what streaming validation of large batches relies on."""
    kind = kind_of(form)
    (tag, cls), = records_of(kind).items()
    assert cls is ReimbursementLine
    schema = etree.XMLSchema(etree.parse(str(SCHEMAS_DIR / kind.schema_file)))
    root = etree.fromstring(to_xml(form))
    elements = list(root.iter(tag))
    assert len(elements) == len(form.lines)
    for index, element in enumerate(elements):
        assert schema.validate(etree.ElementTree(element)), schema.error_log
        line = from_element(element, cls, namespace=kind.namespace, path=f"$.lines[{index}]")
        assert line == form.lines[index]


def test_examples_round_trip() -> None:
    _check_round_trip(example_piis())
    _check_round_trip(sample_bilan())


def test_registry() -> None:
    assert [k.name for k in KINDS] == ["piis", "bilan", "subsidy", "partnership",
                                       "reimbursement"]
    assert [k.root for k in KINDS] == ["piis", "bilanSocial", "subsidyConvention",
                                       "partnershipConvention", "reimbursementForm"]
    assert kind_of("piis").namespace == "urn:be:cpas-sdk:piis:1"
    assert kind_of(BilanSocial).schema_file == "bilan-1.xsd"
    with pytest.raises(KeyError):
        kind_of(Money("1"))


# --------------------------------------------------------------------------- API errors


def test_kind_is_detected_or_checked(tmp_path: Path) -> None:
    data = to_xml(example_piis())
    path = tmp_path / "piis.xml"
    path.write_bytes(data)
    assert from_xml(path) == example_piis()
    piis: Piis = from_xml(data, kind=Piis)
    assert piis == example_piis()
    assert from_xml(data, kind="piis") == example_piis()
    with pytest.raises(XmlMappingError, match="expected a bilan document, found piis"):
        from_xml(data, kind="bilan")


def test_unknown_namespace_is_refused() -> None:
    with pytest.raises(XmlMappingError, match="unknown document namespace 'urn:other'"):
        from_xml(b'<?xml version="1.0"?>\n<piis xmlns="urn:other"/>')


def test_doctype_is_refused() -> None:
    """No DTD, no entity: a DOCTYPE is refused before anything is mapped."""
    data = (b'<?xml version="1.0"?>\n<!DOCTYPE piis [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
            b'<piis xmlns="urn:be:cpas-sdk:piis:1">&x;</piis>')
    with pytest.raises(CpasError, match=r"(?i)doctype") as info:
        from_xml(data)
    assert "root:" not in str(info.value)


def test_schema_errors_come_first_with_lines() -> None:
    """A file breaking the schema is refused by the XSD, with every error and its line."""
    data = to_xml(example_piis())
    broken = data.replace(b"</piis>", b"  <unknown/>\n</piis>")
    with pytest.raises(XmlSchemaError) as info:
        from_xml(broken)
    assert info.value.errors
    assert error_line(info.value) == broken[: broken.index(b"<unknown/>")].count(b"\n") + 1
    assert "unknown" in info.value.reason


def test_sdk_errors_after_the_schema_are_located() -> None:
    """A NISS with a wrong check digit passes the XSD pattern; the SDK refuses it at its
    path and line, masked."""
    form = next(iter(_forms_with_lines()))
    data = to_xml(form)
    niss = form.lines[0].niss.compact
    wrong = niss[:-2] + f"{(int(niss[-2:]) + 1) % 100:02d}"
    broken = data.replace(f"<niss>{niss}</niss>".encode(), f"<niss>{wrong}</niss>".encode(), 1)
    with pytest.raises(InvalidNiss) as info:
        from_xml(broken)
    assert info.value.path == "$.lines[0].niss"
    assert error_line(info.value) == broken[: broken.index(wrong.encode())].count(b"\n") + 1
    assert niss[:6] not in str(info.value)


def _forms_with_lines() -> list[ReimbursementForm]:
    found: list[ReimbursementForm] = []

    @settings(max_examples=50, database=None)
    @given(compliant_forms())
    def collect(form: ReimbursementForm) -> None:
        if form.lines and not found:
            found.append(form)

    collect()
    assert found
    return found


def test_to_xml_refuses_what_is_not_a_document() -> None:
    with pytest.raises(KeyError, match="not an XML document kind"):
        to_xml(dt.date(2025, 1, 1))


def test_schema_error_on_a_malformed_niss_never_shows_it() -> None:
    """A NISS that breaks the XSD pattern is personal data all the same: masked in errors."""
    from cpas.adapters.xml.documents import XmlSchemaError
    from cpas.sdk.samples import sample_set

    piis = sample_set().piis
    clear = piis.beneficiary.niss.compact
    broken = to_xml(piis).replace(clear.encode(), (clear[:6] + "-" + clear[6:]).encode())
    with pytest.raises(XmlSchemaError) as info:
        from_xml(broken)
    shown = str(info.value) + repr(info.value.errors)
    assert clear[:6] not in shown
    assert clear[6:] not in shown


def test_mapping_error_never_shows_a_malformed_niss() -> None:
    """Without schema validation the mapping's own pattern check reports the value: masked."""
    from cpas.sdk.samples import sample_set

    piis = sample_set().piis
    clear = piis.beneficiary.niss.compact
    broken = to_xml(piis).replace(clear.encode(), clear[:-1].encode())
    with pytest.raises(CpasError) as info:
        from_xml(broken, validate=False)
    assert clear[:-1] not in str(info.value)
    assert clear[:6] not in repr(info.value)
