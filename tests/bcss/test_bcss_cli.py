"""``cpas bcss export`` and ``cpas bcss import``: exit codes, files, --explain, JSON."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from bcss_support import ATTEST, assert_valid, loi65_convention, schema_dir, xpath
from click.testing import CliRunner

from cpas.adapters.xml.documents import to_xml
from cpas.cli.exitcodes import ExitCode
from cpas.cli.main import cli
from cpas.sdk import Money, Period
from cpas.sdk.documents.reimbursement import (
    FormHeader,
    FormType,
    LegalBasis,
    ReimbursementForm,
    ReimbursementLine,
)
from cpas.sdk.samples import CPAS, PERSON, sample_set
from strategies import niss_digits


def _d1(tmp_path: Path) -> Path:
    form = ReimbursementForm(
        form_type=FormType.LOI65_D1,
        header=FormHeader(cpas=CPAS, effective_date=dt.date(2025, 11, 1), file_number="AB-123"),
        lines=[ReimbursementLine(niss=PERSON.niss, basis=LegalBasis.PARTNERSHIP_CONVENTION,
                                 period=Period(2025, 11), amount=Money("500.00"))],
        submission_date=dt.date(2025, 12, 8))
    path = tmp_path / "d1.xml"
    path.write_bytes(to_xml(form))
    return path


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    schema_dir()  # found (and remembered) before the variable is removed for the CLI
    monkeypatch.delenv("CPAS_BCSS_SCHEMAS", raising=False)


def test_export_without_schemas_is_a_usage_error(tmp_path: Path) -> None:
    """Without --bcss-schemas or CPAS_BCSS_SCHEMAS the command refuses (exit 2)."""
    result = CliRunner().invoke(cli, ["bcss", "export", "--form", "df", str(_d1(tmp_path)),
                                      "-o", str(tmp_path / "out.xml")])
    assert result.exit_code == ExitCode.USAGE
    assert "--bcss-schemas" in result.output
    assert not (tmp_path / "out.xml").exists()


def test_export_df_from_sdk_xml(tmp_path: Path) -> None:
    """An SDK XML D1 form becomes a DF the official schemas accept (exit 0)."""
    out = tmp_path / "df.xml"
    result = CliRunner().invoke(cli, [
        "bcss", "export", "--form", "df", str(_d1(tmp_path)), "-o", str(out),
        "--bcss-schemas", str(schema_dir()), "--attest-id", ATTEST, "--no-double-maximum"])
    assert result.exit_code == ExitCode.OK, result.output
    assert_valid(out.read_bytes())
    assert xpath(out.read_bytes(), "//l:PartnerconventionAmount") == ["50000"]


def test_export_envelope_with_env_var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """CPAS_BCSS_SCHEMAS replaces the option; --envelope needs its five values."""
    monkeypatch.setenv("CPAS_BCSS_SCHEMAS", str(schema_dir()))
    source = tmp_path / "conv.xml"
    source.write_bytes(to_xml(loi65_convention()))
    out = tmp_path / "df.xml"
    base = ["bcss", "export", "--form", "df", str(source), "-o", str(out), "--attest-id",
            ATTEST, "--double-maximum", "--file-number", "AB-123", "--envelope"]
    missing = CliRunner().invoke(cli, base)
    assert missing.exit_code == ExitCode.USAGE and "--user-id" in missing.output
    full = CliRunner().invoke(cli, [*base, "--user-id", "00000000097", "--email",
                                    "it@cpas.example", "--service-id", "L65",
                                    "--service-version", "20120509", "--reference", "R1"])
    assert full.exit_code == ExitCode.OK, full.output
    assert xpath(out.read_bytes(), "//s:MatrixID") == ["17"]


def test_export_refusals(tmp_path: Path) -> None:
    """A missing required value is a usage error (2); a document the form cannot carry is
    invalid (1) with the reason."""
    args = ["bcss", "export", "--form", "df", str(_d1(tmp_path)), "-o",
            str(tmp_path / "o.xml"), "--bcss-schemas", str(schema_dir()), "--attest-id", ATTEST]
    assert CliRunner().invoke(cli, args).exit_code == ExitCode.USAGE
    dis = tmp_path / "dis.xml"
    dis.write_bytes(to_xml(sample_set().reimbursement))
    args[4] = str(dis)
    result = CliRunner().invoke(cli, [*args, "--no-double-maximum", "--file-number", "X1"])
    assert result.exit_code == ExitCode.INVALID
    assert "loi 65 D1" in result.output


def test_export_ab_and_explain(tmp_path: Path) -> None:
    """The demo's PIIS becomes an AB form; --explain lists what the form cannot carry."""
    source = tmp_path / "piis.xml"
    source.write_bytes(to_xml(sample_set().piis))
    out = tmp_path / "ab.xml"
    result = CliRunner().invoke(cli, [
        "bcss", "export", "--form", "ab", str(source), "-o", str(out), "--explain",
        "--bcss-schemas", str(schema_dir()), "--attest-id", ATTEST, "--status-code", "1",
        "--nationality", "150", "--no-juridical-procedure", "--entry-date", "2025-03-01",
        "--file-number", "AB-123", "--lang", "en"])
    assert result.exit_code == ExitCode.OK, result.output
    assert "objectives" in result.output and "not the PIIS" in result.output
    assert_valid(out.read_bytes())


def test_import_reply_json(tmp_path: Path) -> None:
    """A refused reply gives exit 1 and its findings in JSON."""
    reply = tmp_path / "reply.xml"
    reply.write_bytes(
        b'<L65_C_DecisionReply xmlns="http://www.ksz-bcss.fgov.be/XSD/SSDN/OCMW_CPAS/LoiWet65"'
        b' xmlns:c="http://www.ksz-bcss.fgov.be/XSD/SSDN/OCMW_CPAS/LoiWet65Common">'
        b"<c:FileIdentification><c:KBOBCE>212345668</c:KBOBCE><c:FileID>000000AB123</c:FileID>"
        b"</c:FileIdentification><DecisionResultC><EntryDate>2025-11-28</EntryDate>"
        b"<UniqueAttestID>CPAS2025ATT0001</UniqueAttestID><ReferenceSPP_POD>SPP0000043"
        b"</ReferenceSPP_POD><SSIN>93041215808</SSIN><Suffix>0</Suffix>"
        b"<Evaluation>REFUSED</Evaluation></DecisionResultC></L65_C_DecisionReply>")
    result = CliRunner().invoke(cli, ["bcss", "import", str(reply), "--bcss-schemas",
                                      str(schema_dir()), "--format", "json", "--lang", "nl"])
    assert result.exit_code == ExitCode.INVALID
    data = json.loads(result.output)
    assert [f["code"] for f in data["findings"]] == ["BCSS-REPLY-002"]
    assert "geweigerd" in data["findings"][0]["message"]
    missing = CliRunner().invoke(cli, ["bcss", "import", str(tmp_path / "none.xml"),
                                       "--bcss-schemas", str(schema_dir())])
    assert missing.exit_code == ExitCode.IO_ERROR


def test_import_schema_errors_are_printed_with_the_niss_masked(tmp_path: Path) -> None:
    """A reply whose SSIN breaks the schema pattern is refused (exit 1); the validators'
    messages quote the value, and the command prints it masked."""
    niss = niss_digits(dt.date(1987, 9, 23), 61)
    written = f"{niss[:2]}.{niss[2:4]}.{niss[4:6]}-{niss[6:9]}.{niss[9:]}"
    reply = tmp_path / "reply.xml"
    reply.write_bytes(
        b'<L65_C_DecisionReply xmlns="http://www.ksz-bcss.fgov.be/XSD/SSDN/OCMW_CPAS/LoiWet65"'
        b' xmlns:c="http://www.ksz-bcss.fgov.be/XSD/SSDN/OCMW_CPAS/LoiWet65Common">'
        b"<c:FileIdentification><c:KBOBCE>212345668</c:KBOBCE><c:FileID>000000AB123</c:FileID>"
        b"</c:FileIdentification><DecisionResultC><EntryDate>2025-11-28</EntryDate>"
        b"<UniqueAttestID>CPAS2025ATT0001</UniqueAttestID><ReferenceSPP_POD>SPP0000043"
        b"</ReferenceSPP_POD><SSIN>" + written.encode() + b"</SSIN><Suffix>0</Suffix>"
        b"<Evaluation>REFUSED</Evaluation></DecisionResultC></L65_C_DecisionReply>")
    result = CliRunner().invoke(cli, ["bcss", "import", str(reply), "--bcss-schemas",
                                      str(schema_dir())])
    assert result.exit_code == ExitCode.INVALID
    assert "SSIN" in result.output and f"{niss[-2:]}'" in result.output
    assert written[:12] not in result.output and niss[:9] not in result.output
