"""Shared helpers of the BCSS tests: where the official schemas are, sample inputs.

The official schemas are never copied into the project. They are found by, in order:
``CPAS_BCSS_SCHEMAS`` (when set, only it); else ``<repo>/../shared/reference/bcss-ssdn``,
then ``/work/shared/reference/bcss-ssdn``. When none exists the tests FAIL (not skip): CI
must provide them.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from pathlib import Path

import attrs
import pytest
from lxml import etree

from cpas.adapters.bcss import OfficialSchemas, load_official_schemas
from cpas.adapters.xml.parser import parse_bytes
from cpas.sdk.documents.partnership import BeneficiaryStatus, PartnershipConvention
from cpas.sdk.samples import sample_set

REPO = Path(__file__).resolve().parents[2]
L65 = "http://www.ksz-bcss.fgov.be/XSD/SSDN/OCMW_CPAS/LoiWet65"
C65 = "http://www.ksz-bcss.fgov.be/XSD/SSDN/OCMW_CPAS/LoiWet65Common"
SERVICE = "http://www.ksz-bcss.fgov.be/XSD/SSDN/Service"
NS = {"l": L65, "c": C65, "s": SERVICE, "common": "http://www.ksz-bcss.fgov.be/XSD/SSDN/Common"}
ATTEST = "CPAS2025ATT0001"
ATTEST_2 = "CPAS2025ATT0002"


@functools.cache
def schema_dir() -> Path:
    chosen = os.environ.get("CPAS_BCSS_SCHEMAS")
    candidates = [Path(chosen)] if chosen else [
        REPO.parent / "shared" / "reference" / "bcss-ssdn",
        Path("/work/shared/reference/bcss-ssdn")]
    for candidate in candidates:
        if (candidate / "OCMW_CPAS" / "Loi65Wet65").is_dir():
            return candidate
    pytest.fail("official BCSS SSDN schemas not found: set CPAS_BCSS_SCHEMAS to their "
                "directory or provide ../shared/reference/bcss-ssdn (tried: "
                + ", ".join(str(c) for c in candidates) + ")")


@functools.cache
def official() -> OfficialSchemas:
    return load_official_schemas(schema_dir())


def assert_valid(data: bytes) -> None:
    """Both validators accept ``data`` (lxml and xmlschema, checked separately)."""
    schemas = official()
    tree = parse_bytes(data)
    assert schemas.lxml_schema.validate(tree), str(schemas.lxml_schema.error_log)
    errors = list(schemas.xmlschema_schema.iter_errors(tree))
    assert errors == [], [str(e) for e in errors]


def xpath(data: bytes, path: str) -> list[str]:
    root = parse_bytes(data).getroot()
    found = root.xpath(path, namespaces=NS)
    assert isinstance(found, list)
    return [(e.text or "") if isinstance(e, etree._Element) else str(e) for e in found]


def loi65_convention() -> PartnershipConvention:
    """The demo's convention for a beneficiary of financial social aid (loi 65 case).

    The demo's person receives the revenu d'intégration, so her convention is claimed on
    the loi DIS form B; the same convention for financial social aid goes on the DF form.
    """
    return attrs.evolve(sample_set().partnership,
                        beneficiary_status=BeneficiaryStatus.FINANCIAL_SOCIAL_AID)


REQUEST_TIME = dt.datetime(2025, 12, 8, 9, 30, 15, tzinfo=dt.UTC)
