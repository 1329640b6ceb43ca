"""Every rule of the catalogue is documented, sourced, translated and tested."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cpas.sdk.rules import all_rules

TESTS = Path(__file__).resolve().parent.parent
TEST_TEXT = "\n".join(p.read_text("utf-8") for p in TESTS.rglob("test_*.py"))
RULES = all_rules()


def test_catalogue_is_not_empty() -> None:
    kinds = {r.document.__name__ for r in RULES}
    assert {"Piis", "BilanSocial", "SubsidyConvention", "PartnershipConvention",
            "ReimbursementForm"} <= kinds


@pytest.mark.parametrize("info", RULES, ids=[r.code for r in RULES])
def test_rule_is_complete(info: object) -> None:
    from cpas.sdk.rules import RuleInfo

    assert isinstance(info, RuleInfo)
    assert re.fullmatch(r"[A-Z0-9]+(-[A-Z0-9]+)+", info.code)
    for lang in ("fr", "nl", "en"):
        assert getattr(info.message, lang), f"{info.code} has no {lang} message"
    assert info.legal and all(ref.citation.strip() for ref in info.legal)
    assert info.doc, f"{info.code} has no docstring"
    assert info.code in TEST_TEXT, f"no test names {info.code}"
