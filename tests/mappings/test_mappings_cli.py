"""``cpas adapters convert`` and ``cpas adapters profile check`` end to end."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from mapping_cases import BASE_PROFILE, HEADER, write_profile

from cpas.adapters.mappings.adapter import sample
from cpas.adapters.xml.documents import from_xml
from cpas.cli.main import cli, main
from cpas.sdk.documents.partnership import PartnershipConvention
from cpas.sdk.documents.reimbursement import ReimbursementForm
from cpas.sdk.samples import fictitious_niss


@pytest.fixture(autouse=True)
def _no_user_profiles(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CPAS_PROFILES", raising=False)


def test_convert_evita_sample(tmp_path: Path) -> None:
    """Two forms written as schema-valid XML; the four bad rows are reported, exit code 1."""
    source = tmp_path / "evita-2025-11.csv"
    source.write_bytes(sample("evita-csv.csv"))
    out = tmp_path / "out" / "claims.xml"
    run = CliRunner().invoke(cli, ["adapters", "convert", "--adapter", "evita-csv", str(source),
                                   "-o", str(out), "--lang", "en"])
    assert run.exit_code == 1, run.output
    first = from_xml((tmp_path / "out" / "claims-1.xml").read_bytes())
    second = from_xml((tmp_path / "out" / "claims-2.xml").read_bytes())
    assert isinstance(first, ReimbursementForm) and isinstance(second, ReimbursementForm)
    assert (len(first.lines), len(second.lines)) == (4, 1)
    assert "evita-2025-11.csv:7: error MAP-VALUE $[7].niss" in run.output
    assert "9 record(s) read, 2 document(s), 4 error(s)" in run.output
    assert "92050512" not in run.output  # the bad NISS is masked


def test_convert_neptunus_json(tmp_path: Path) -> None:
    """JSON output lists the documents written and every finding."""
    source = tmp_path / "neptunus.xml"
    source.write_bytes(sample("neptunus-xml.xml"))
    run = CliRunner().invoke(cli, ["adapters", "convert", "--adapter", "neptunus-xml",
                                   str(source), "-o", str(tmp_path / "po.xml"),
                                   "--format", "json", "--lang", "nl"])
    assert run.exit_code == 1
    data = json.loads(run.output)
    assert [d["id"] for d in data["documents"]] == ["GK-PO-2025-07", "GK-PO-2025-09"]
    assert [f["code"] for f in data["findings"]] == ["MAP-GROUP", "MAP-VALUE", "MAP-VALUE"]
    assert (data["records"], data["errors"]) == (6, 3)
    document = from_xml((tmp_path / "po-1.xml").read_bytes())
    assert isinstance(document, PartnershipConvention)
    assert len(document.partners) == 2


def test_convert_with_user_profile(tmp_path: Path) -> None:
    """A clean file through a user profile given by --profiles: one file, exit code 0."""
    profile = write_profile(tmp_path, BASE_PROFILE)
    niss = fictitious_niss(dt.date(1966, 6, 6), 66)
    source = tmp_path / "export.txt"
    source.write_text(f"{HEADER}\n{niss}|RI|202511|1314.20|2025-11-01|2025-12-05\n",
                      encoding="utf-8")
    out = tmp_path / "form.xml"
    code = main(["adapters", "convert", "--adapter", "test-csv", "--profiles", str(profile),
                 str(source), "-o", str(out)])
    assert code == 0
    form = from_xml(out.read_bytes())
    assert isinstance(form, ReimbursementForm)
    assert [str(line.amount.amount) for line in form.lines] == ["1314.20"]


def test_convert_usage_and_io_errors(tmp_path: Path) -> None:
    """An unknown adapter is a usage error (2); a missing input an I/O error (4)."""
    source = tmp_path / "x.csv"
    source.write_bytes(b"a;b\n1;2\n")
    assert main(["adapters", "convert", "--adapter", "nope", str(source), "-o",
                 str(tmp_path / "o.xml")]) == 2
    assert main(["adapters", "convert", "--adapter", "evita-csv", str(tmp_path / "none.csv"),
                 "-o", str(tmp_path / "o.xml")]) == 4
    assert main(["adapters", "convert", "--adapter", "evita-csv", str(source), "-o",
                 str(tmp_path / "o.xml")]) == 1  # columns missing: nothing written
    assert not (tmp_path / "o.xml").exists()


def test_profile_check(tmp_path: Path) -> None:
    """A good profile is reported valid (0); a broken one names file and key (1)."""
    good = write_profile(tmp_path, BASE_PROFILE, "good.toml")
    bad = write_profile(tmp_path, BASE_PROFILE.replace('"yyyy-mm-dd"', '"dd/mm"'), "bad.toml")
    run = CliRunner().invoke(cli, ["adapters", "profile", "check", str(good), "--lang", "en"])
    assert run.exit_code == 0
    assert "valid profile: test-csv (reimbursement, csv)" in run.output
    run = CliRunner().invoke(cli, ["adapters", "profile", "check", str(good), str(bad),
                                   "--format", "json", "--lang", "fr"])
    assert run.exit_code == 1
    rows = json.loads(run.output)
    assert [row["ok"] for row in rows] == [True, False]
    assert rows[1]["key"] == "formats.date"
    assert rows[1]["message"].startswith(f"{bad}: formats.date: format invalide")
    assert main(["adapters", "profile", "check", str(tmp_path / "missing.toml")]) == 4


def test_list_shows_profiles_and_broken_user_profiles(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """``cpas adapters list`` shows the shipped and user profiles and the broken ones."""
    write_profile(tmp_path, BASE_PROFILE, "mine.toml")
    write_profile(tmp_path, BASE_PROFILE.replace("[record]", "[records]"), "typo.toml")
    monkeypatch.setenv("CPAS_PROFILES", str(tmp_path))
    run = CliRunner().invoke(cli, ["adapters", "list", "--format", "json"])
    assert run.exit_code == 0
    data = json.loads(run.output)
    origins = {row["name"]: row["origin"] for row in data["adapters"]}
    assert origins["evita-csv"] == origins["neptunus-xml"] == "built-in"
    assert origins["test-csv"] == f"profile {tmp_path / 'mine.toml'}"
    (broken,) = data["broken"]
    assert broken["name"] == "typo" and broken["reason"].startswith("records: unknown key")
    text = CliRunner().invoke(cli, ["adapters", "list"]).output
    assert "files: evita*.csv" in text
    assert "UNUSABLE" in text


def test_profile_check_refuses_xpath_that_cannot_run(tmp_path: Path) -> None:
    """``profile check`` refuses an XPath calling an unregistered function (exit 1, naming
    the key) instead of accepting it and failing later in ``convert``."""
    text = (BASE_PROFILE.replace('format = "csv"', 'format = "xml"')
            .replace('encoding = "utf-8"\ndelimiter = "|"', 'records = "/export/row"')
            .replace("{ column = ", "{ xpath = ")
            .replace('amount = { xpath = "amount" }', 'amount = { xpath = "foo(Naam)" }'))
    bad = write_profile(tmp_path, text, "bad.toml")
    run = CliRunner().invoke(cli, ["adapters", "profile", "check", str(bad), "--format",
                                   "json", "--lang", "en"])
    assert run.exit_code == 1, run.output
    (row,) = json.loads(run.output)
    assert row["ok"] is False and row["key"] == "record.amount.xpath"
    source = tmp_path / "export.xml"
    source.write_text("<export><row><amount>1</amount></row></export>", encoding="utf-8")
    code = main(["adapters", "convert", "--adapter", "test-csv", "--profiles", str(bad),
                 str(source), "-o", str(tmp_path / "out.xml")])
    assert code in (1, 2)  # the broken profile is refused, never an internal error (5)
    assert not (tmp_path / "out.xml").exists()


def test_convert_xpath_failing_on_the_records_is_a_finding(tmp_path: Path) -> None:
    """An XPath that only fails once it meets a record (a predicate with an unknown
    variable: lxml does not evaluate it on an empty element) passes ``profile check`` but
    gives a MAP-FILE finding in ``convert`` (exit 1, nothing written), never exit 5."""
    text = (BASE_PROFILE.replace('format = "csv"', 'format = "xml"')
            .replace('encoding = "utf-8"\ndelimiter = "|"', 'records = "/export/row[$n]"')
            .replace("{ column = ", "{ xpath = ")
            .replace('name = "test-csv"', 'name = "test-xml"')
            .replace('extensions = [".txt"]', 'extensions = [".xml"]'))
    profile = write_profile(tmp_path, text)
    source = tmp_path / "export.xml"
    source.write_text("<export><row><amount>1</amount></row></export>", encoding="utf-8")
    out = tmp_path / "out.xml"
    run = CliRunner().invoke(cli, ["adapters", "convert", "--adapter", "test-xml",
                                   "--profiles", str(profile), str(source), "-o", str(out),
                                   "--format", "json", "--lang", "en"])
    assert run.exit_code == 1, run.output
    assert "MAP-FILE" in run.output and "$n" in run.output
    assert not out.exists()
