"""``cpas convert`` on stdin and stdout, JSON output, settings and usage errors."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click
from click.testing import CliRunner

from cpas.adapters.xml.documents import from_xml
from cpas.cli.convert_cmd import convert_command
from strategies import niss_digits

NISS = niss_digits(dt.date(1990, 1, 2), 145)
SETTINGS = ["--set", "form_type=DIS B", "--set", "cpas_name=CPAS de Testville",
            "--set", "cpas_kbo=0412.345.614", "--set", "cpas_nis_code=21004",
            "--set", "effective_date=01/01/2025", "--set", "Date d'envoi=15/02/2025"]


@click.group()
def group() -> None:
    """A stand-in for ``cpas`` holding only the command under test."""


group.add_command(convert_command)


def _csv(*amounts: str) -> bytes:
    rows = [f"L{i};{NISS};Leefloon;01/2025;{a}" for i, a in enumerate(amounts, start=1)]
    return ("id;INSZ;Basis;Maand;Bedrag\n" + "\n".join(rows) + "\n").encode("utf-8")


def test_stdin_to_stdout() -> None:
    """``-`` reads the CSV from stdin and writes the XML to stdout (report on stderr)."""
    result = CliRunner().invoke(group, ["convert", "-", "--kind", "reimbursement", "-o", "-",
                                        *SETTINGS, "--lang", "en"],
                                input=_csv("1.234,56", "10"))
    assert result.exit_code == 0, result.output
    form = from_xml(result.stdout_bytes)
    assert [str(line.amount.amount) for line in form.lines] == ["1234.56", "10.00"]
    assert form.header.cpas.kbo.compact == "0412345614"
    assert "2 converted, 0 rejected" in result.stderr


def test_json_report_masks_the_niss(tmp_path: Path) -> None:
    """Machines get the problems as JSON; the NISS in a diagnostic is masked."""
    source = tmp_path / "in.csv"
    source.write_bytes(_csv("10").replace(NISS.encode(), (NISS[:-1] + "0").encode())
                       if NISS[-1] != "0" else _csv("10").replace(NISS.encode(), b"x"))
    out = tmp_path / "out.xml"
    result = CliRunner().invoke(group, ["convert", str(source), "--kind", "reimbursement",
                                        "-o", str(out), *SETTINGS, "--format", "json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["rows_rejected"] == 1 and not report["written"]
    assert NISS[:9] not in result.stdout
    assert not out.exists()


def test_unknown_setting_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(_csv("10"))
    result = CliRunner().invoke(group, ["convert", str(source), "--kind", "reimbursement",
                                        "-o", str(tmp_path / "o.xml"), "--set", "colour=red",
                                        "--lang", "en"])
    assert result.exit_code == 1
    assert "unknown setting" in result.output


def test_missing_input_is_an_io_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(group, ["convert", str(tmp_path / "nope.csv"), "--kind",
                                        "reimbursement", "-o", str(tmp_path / "o.xml")])
    assert result.exit_code == 4


DATA = Path(__file__).parent.parent / "data" / "legacy"


def test_json_problems_name_the_file(tmp_path: Path) -> None:
    """Machines get the file name with every problem, as people do in the text report."""
    result = CliRunner().invoke(group, [
        "convert", str(DATA / "c02_convention_broken_nl.csv"), "--kind", "convention",
        "--set", "jaar=2024", "-o", str(tmp_path / "out"), "--format", "json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["rows_read"] == 6 and report["rows_rejected"] == 5
    assert {p["file"] for p in report["problems"]} == {"c02_convention_broken_nl.csv"}
    assert not (tmp_path / "out").exists()


def test_several_documents_need_a_folder(tmp_path: Path) -> None:
    """Two PIIS cannot go to stdout as one XML: a usage error, nothing written."""
    result = CliRunner().invoke(group, ["convert", str(DATA / "i01_piis_fr.csv"), "--kind",
                                        "piis", "-o", "-", "--lang", "en"])
    assert result.exit_code == 2
    assert "several documents" in result.stderr
    assert result.stdout_bytes == b""


def test_one_document_to_stdout() -> None:
    """A file holding one subsidy convention can be piped: its XML on stdout."""
    result = CliRunner().invoke(group, ["convert", str(DATA / "c01_convention_fr.csv"),
                                        "--kind", "convention", "-o", "-", "--lang", "en"])
    assert result.exit_code == 0, result.stderr
    convention = from_xml(result.stdout_bytes)
    assert convention.id == "CONV-2025" and len(convention.expenses) == 4
    assert "4 converted, 0 rejected" in result.stderr
