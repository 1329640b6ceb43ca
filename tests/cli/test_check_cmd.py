"""``cpas check``: schema and rule findings with lines, exit codes 0/1/2/4, JSON, languages."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cpas.adapters.xml.documents import to_xml
from cpas.cli import check_cmd
from cpas.cli.exitcodes import ExitCode
from cpas.cli.main import cli, main
from cpas.sdk import Cpas, Money, Period
from cpas.sdk.documents.reimbursement import (
    BeneficiaryCategory,
    FormHeader,
    FormType,
    LegalBasis,
    ReimbursementForm,
    ReimbursementLine,
)
from strategies import niss_digits
from strategies_piis import example_piis

CPAS = Cpas(name="OCMW Gent", kbo="0403019261", nis_code="44021")
NISS_A = niss_digits(dt.date(1979, 4, 2), 57)
NISS_B = niss_digits(dt.date(2001, 9, 23), 212)


def line(niss: str = NISS_A, **changes: Any) -> ReimbursementLine:
    values: dict[str, Any] = {"niss": niss, "basis": LegalBasis.INTEGRATION_INCOME,
                              "period": Period(2025, 3), "amount": Money("850.00")}
    values.update(changes)
    return ReimbursementLine(**values)


def write_form(path: Path, *lines: ReimbursementLine) -> Path:
    header = FormHeader(cpas=CPAS, effective_date=dt.date(2025, 3, 1),
                        category=BeneficiaryCategory.SINGLE)
    path.write_bytes(to_xml(ReimbursementForm(form_type=FormType.DIS_B, header=header,
                                              lines=lines,
                                              submission_date=dt.date(2025, 4, 10))))
    return path


@pytest.fixture
def valid(tmp_path: Path) -> Path:
    return write_form(tmp_path / "valid.xml", line(), line(NISS_B))


@pytest.fixture
def broken_rule(tmp_path: Path) -> Path:
    """Line 1 claims medical costs on a loi DIS form (REIMB-LAW-001)."""
    return write_form(tmp_path / "rule.xml", line(), line(NISS_B, basis=LegalBasis.MEDICAL_COSTS))


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, ["check", *args])


def test_valid_file_exits_0(valid: Path) -> None:
    result = run(str(valid), "--lang", "fr")
    assert result.exit_code == ExitCode.OK, result.output
    assert "aucune erreur (2 lignes)" in result.output


def test_rule_error_exits_1_with_line_path_and_reference(broken_rule: Path) -> None:
    result = run(str(broken_rule), "--lang", "en")
    assert result.exit_code == ExitCode.INVALID
    text = broken_rule.read_text(encoding="utf-8").splitlines()
    expected_line = 1 + next(n for n, row in enumerate(text) if "medical_costs" in row)
    assert (f"{broken_rule}:{expected_line}: error REIMB-LAW-001 $.lines[1].basis: "
            "The legal basis 'Medical costs' cannot appear on") in result.output
    assert "[Loi DIS 26/05/2002 art. 32" in result.output
    assert "1 error(s) (2 lines)" in result.output


def test_schema_error_exits_1_and_skips_rules(tmp_path: Path, broken_rule: Path) -> None:
    bad = tmp_path / "schema.xml"
    bad.write_bytes(broken_rule.read_bytes().replace(b"<period>2025-03</period>",
                                                     b"<period>2025-13</period>", 1))
    result = run(str(bad), "--lang", "en")
    assert result.exit_code == ExitCode.INVALID
    assert "XSD-VALUE" in result.output
    assert "REIMB-" not in result.output
    assert "rules not checked" in result.output


def test_warning_only_exits_0(tmp_path: Path) -> None:
    """1 314,21 € for an isolé in March 2025 (1 314,20 € a month): a warning."""
    path = write_form(tmp_path / "warn.xml", line(amount=Money("1314.21")))
    result = run(str(path), "--lang", "nl")
    assert result.exit_code == ExitCode.OK
    assert "warning REIMB-RI-001" in result.output
    assert "geen fouten, 1 waarschuwing(en)" in result.output


def test_unreadable_file_exits_4_and_wins_over_1(tmp_path: Path, broken_rule: Path) -> None:
    result = run(str(tmp_path / "absent.xml"), str(broken_rule))
    assert result.exit_code == ExitCode.IO_ERROR
    assert "absent.xml" in result.output
    assert "REIMB-LAW-001" in result.output


@pytest.mark.parametrize("args", [[], ["x.xml", "--today", "01/04/2025"],
                                  ["x.xml", "--max-errors", "0"], ["x.xml", "--lang", "de"],
                                  ["x.xml", "--format", "xml"]],
                         ids=["no-file", "bad-date", "zero-errors", "bad-lang", "bad-format"])
def test_usage_errors_exit_2(args: list[str]) -> None:
    assert run(*args).exit_code == ExitCode.USAGE
    assert main(["check", *args]) == ExitCode.USAGE


def test_json_shape(valid: Path, broken_rule: Path) -> None:
    result = run(str(valid), str(broken_rule), "--format", "json", "--lang", "fr")
    assert result.exit_code == ExitCode.INVALID
    data = json.loads(result.output)
    assert data["ok"] is False
    first, second = data["files"]
    assert set(first) == {"source", "kind", "schema", "schema_valid", "ok", "complete",
                          "records", "errors", "warnings", "findings"}
    assert (first["ok"], first["kind"], first["schema"], first["records"]) == (
        True, "reimbursement", "reimbursement-1.xsd", 2)
    (finding,) = second["findings"]
    assert set(finding) == {"code", "severity", "path", "message", "legal", "line", "source"}
    assert finding["code"] == "REIMB-LAW-001" and finding["severity"] == "error"
    assert isinstance(finding["line"], int) and finding["line"] > 1
    assert finding["source"] == str(broken_rule)
    assert "Frais médicaux" in finding["message"]
    assert finding["legal"][0].startswith("Loi DIS")


@pytest.mark.parametrize(("lang", "words"),
                         [("fr", "La base légale « Frais médicaux »"),
                          ("nl", "De wettelijke basis ‘Medische kosten’"),
                          ("en", "The legal basis 'Medical costs'")], ids=["fr", "nl", "en"])
def test_language_switch(broken_rule: Path, lang: str, words: str) -> None:
    result = run(str(broken_rule), "--lang", lang)
    assert words in result.output


def test_niss_is_masked_in_every_output(tmp_path: Path, valid: Path) -> None:
    """A NISS whose check digits are wrong is reported masked, in text and JSON."""
    bad = NISS_B[:-2] + f"{int(NISS_B[-2:]) % 97 + 1:02d}"
    path = tmp_path / "niss.xml"
    path.write_bytes(valid.read_bytes().replace(NISS_B.encode(), bad.encode()))
    for fmt in ("text", "json"):
        result = run(str(path), "--format", fmt, "--lang", "en")
        assert result.exit_code == ExitCode.INVALID
        assert "SDK-VALUE" in result.output
        assert bad not in result.output and NISS_A not in result.output
        assert re.search(r"\*{6}-\*{3}-" + bad[-2:], result.output)


def test_today_enables_deadlines_against_the_clock(tmp_path: Path) -> None:
    """A mandatory PIIS decided on 10/01/2024 and never signed: past its 3-month
    deadline only when the command is told today's date (loi DIS art. 11)."""
    path = tmp_path / "piis.xml"
    path.write_bytes(to_xml(example_piis(signing_date=None)))
    plain = json.loads(run(str(path), "--format", "json").output)["files"][0]
    dated = json.loads(run(str(path), "--format", "json", "--today", "2030-01-01").output)
    dated = dated["files"][0]
    assert plain["kind"] == dated["kind"] == "piis"
    assert "PIIS-DEADLINE-001" not in {f["code"] for f in plain["findings"]}
    (late,) = (f for f in dated["findings"] if f["code"] == "PIIS-DEADLINE-001")
    assert late["path"] == "$.signing_date"
    text = path.read_text(encoding="utf-8").splitlines()
    assert text[late["line"] - 1].strip() == "<piis xmlns=\"urn:be:cpas-sdk:piis:1\">"


def test_max_errors(tmp_path: Path) -> None:
    lines = [line(niss_digits(dt.date(1970, 1, 1 + n), 21), basis=LegalBasis.MEDICAL_COSTS)
             for n in range(8)]
    path = write_form(tmp_path / "many.xml", *lines)
    data = json.loads(run(str(path), "--format", "json", "--max-errors", "3").output)
    assert data["files"][0]["errors"] == 3
    assert data["files"][0]["complete"] is False


def test_progress_bar_on_a_terminal(monkeypatch: pytest.MonkeyPatch, valid: Path) -> None:
    monkeypatch.setattr(check_cmd, "_on_terminal", lambda stream: True)
    result = run(str(valid))
    assert result.exit_code == ExitCode.OK, result.output


def test_exit_code_reaches_main(valid: Path, broken_rule: Path) -> None:
    """``cpas.cli.main.main`` (the console script) returns the command's code."""
    assert main(["check", str(valid)]) == ExitCode.OK
    assert main(["check", str(broken_rule)]) == ExitCode.INVALID
