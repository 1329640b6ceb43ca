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


def test_niss_typed_in_another_column_is_masked_in_problems_and_rejects(tmp_path: Path,
                                                                        ) -> None:
    """A NISS typed in the wrong column (here the month) is masked where the problem shows
    the value: the JSON report and the reason column of the rejects file. The rejected row
    itself is kept unchanged in the rejects file, by design."""
    other = niss_digits(dt.date(1987, 9, 23), 61)
    written = f"{other[:2]}.{other[2:4]}.{other[4:6]}-{other[6:9]}.{other[9:]}"
    source = tmp_path / "in.csv"
    source.write_bytes(_csv("10", "20").replace(b"01/2025;20", f"{written};20".encode()))
    rejects = tmp_path / "rejects.csv"
    result = CliRunner().invoke(group, ["convert", str(source), "--kind", "reimbursement",
                                        "-o", str(tmp_path / "out.xml"), *SETTINGS,
                                        "--rejects", str(rejects), "--format", "json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["rows_rejected"] == 1
    assert written[:12] not in result.stdout and other[:9] not in result.stdout
    assert written[-2:] in result.stdout  # the value is shown, masked
    lines = rejects.read_text(encoding="utf-8-sig").splitlines()
    reason = lines[-1].split(";")[-1]
    assert "Maand" in reason and written[:12] not in reason
    assert written in lines[-1]  # the original row, unchanged


def test_clashing_document_ids_get_distinct_files(tmp_path: Path) -> None:
    """Ids that give the same file name ('PIIS/2025/001' and 'PIIS 2025 001') or names that
    differ only in case are written to distinct files: none overwrites another."""
    text = (DATA / "i01_piis_fr.csv").read_text(encoding="utf-8")
    assert text.count("PIIS-2025-001;") == 2 and text.count("PIIS-2025-002;") == 1
    source = tmp_path / "piis.csv"
    source.write_text(text.replace("PIIS-2025-001;", "PIIS/2025/001;")
                      .replace("PIIS-2025-002;", "PIIS 2025 001;"), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(group, ["convert", str(source), "--kind", "piis", "-o",
                                        str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in out.iterdir())
    assert len(files) == 2 and len({f.casefold() for f in files}) == 2
    ids = sorted(from_xml(p.read_bytes()).id for p in out.iterdir())
    assert ids == ["PIIS 2025 001", "PIIS/2025/001"]
    assert all(files[i] in result.output for i in range(2))


def test_file_names_are_unique_case_insensitively() -> None:
    """The naming is deterministic: the first id keeps its name, later clashes (also
    case-only ones) get -2, -3, skipping names already taken."""
    from cpas.cli.convert_cmd import _file_names

    assert _file_names(["A/1", "A 1", "a_1", "A_1-2", "B"]) == [
        "A_1", "A_1-2", "a_1-3", "A_1-2-2", "B"]
