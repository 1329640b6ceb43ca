"""``cpas demo`` runs the main job end to end on the built-in samples."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from cpas.cli.main import cli, main
from cpas.schemas import lxml_schema, schema_for_namespace

KINDS = ("bilan", "piis", "partnership", "reimbursement", "subsidy")


def test_demo_writes_valid_documents_and_reports(tmp_path: Path) -> None:
    """Every document is written, valid for its XSD (checked here independently of the
    demo's own check), and reported on in FR; the command exits 0."""
    out = tmp_path / "demo"
    result = CliRunner().invoke(cli, ["demo", "--out", str(out), "--lang", "fr"])
    assert result.exit_code == 0, result.output
    for kind in KINDS:
        tree = etree.parse(str(out / "documents" / f"{kind}.xml"))
        schema = lxml_schema(schema_for_namespace(etree.QName(tree.getroot()).namespace).name)
        assert schema.validate(tree), (kind, schema.error_log)
        report = json.loads((out / "reports" / f"{kind}.findings.json").read_text("utf-8"))
        assert report["errors"] == 0, (kind, report)
    assert (out / "piis-clauses.fr.txt").read_text("utf-8").strip()
    assert (out / "piis-clauses.nl.txt").read_text("utf-8").strip()
    assert len(list((out / "schemas").glob("*.xsd"))) == 6
    # No temporary file is left behind by the atomic writes.
    assert not [p for p in out.rglob("*.tmp")]


def test_demo_shows_the_legacy_findings(tmp_path: Path) -> None:
    """The legacy 2019 PIIS is reported for community service after its annulment
    (C. const. 86/2018), volunteering as a condition and the missing directeur général."""
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--lang", "nl"]) == 0
    report = json.loads((out / "legacy" / "piis-2019.findings.json").read_text("utf-8"))
    codes = {f["code"] for f in report["findings"]}
    assert {"PIIS-CS-001", "PIIS-VOL-001", "PIIS-SIGN-001", "PIIS-REFL-001"} <= codes
    assert "Gemeenschapsdienst" in (out / "legacy" / "piis-2019.findings.txt").read_text("utf-8")


def test_demo_never_prints_a_niss(tmp_path: Path) -> None:
    from cpas.sdk.samples import PERSON

    result = CliRunner().invoke(cli, ["demo", "--out", str(tmp_path / "d")])
    assert PERSON.niss.compact not in result.output
    for report in (tmp_path / "d").rglob("*.findings.*"):
        assert PERSON.niss.compact not in report.read_text("utf-8")


def test_demo_into_unwritable_place_is_an_io_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert main(["demo", "--out", str(blocker / "sub")]) == 4


def test_demo_converts_the_legacy_forms(tmp_path: Path) -> None:
    """The CSV's broken row lands in rejects.csv with its reason, the others in the XML:
    every input row is accounted for once (issue 5's invariant, on the demo's data)."""
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--lang", "en"]) == 0
    folder = out / "legacy-forms"
    source = (folder / "input" / "revenu-integration-2025-11.csv").read_bytes().decode("cp1252")
    ids = {line.split(";")[0] for line in source.splitlines()[1:] if line}
    rejects = (folder / "rejects.csv").read_text("utf-8-sig").splitlines()[1:]
    rejected = {line.split(";")[0] for line in rejects}
    xml = (folder / "reimbursement-1.xml").read_text("utf-8")
    converted = {i for i in ids if f">{i}<" in xml}
    assert rejected == {"RI-2025-11-099"}
    assert converted | rejected == ids
    assert not converted & rejected
    assert "check digits" in rejects[0] or "checksum" in rejects[0]
    assert list(folder.glob("partnership-*.xml"))


def test_demo_signs_the_convention_with_three_roles(tmp_path: Path) -> None:
    """Président and directeur général, then the minister (domain.md, subsidy conventions);
    `cpas verify` accepts it against the demo root only, and refuses another anchor."""
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out)]) == 0
    container = out / "signed" / "subsidy-convention.asice"
    root = out / "signed" / "test-pki" / "root.pem"
    result = CliRunner().invoke(cli, ["verify", str(container), "--trust", str(root),
                                      "--format", "json"])
    assert result.exit_code == 0, result.output
    assert "minister" in result.output
    assert "THROW-AWAY" in result.output
    other = tmp_path / "other"
    assert main(["demo", "--out", str(other)]) == 0
    untrusted = CliRunner().invoke(cli, ["verify", str(container), "--trust",
                                         str(other / "signed" / "test-pki" / "root.pem")])
    assert untrusted.exit_code == 3


BY_HAND = Path(__file__).resolve().parents[2] / "docs" / "verify-by-hand.sh"
_TOOLS = ("sha256sum", "unzip", "zipinfo", "xmlsec1", "xmlstarlet", "openssl", "xmllint")


def test_demo_packs_the_convention_for_the_ebox(tmp_path: Path) -> None:
    """Issue 5 item 4: the signed convention is packed into an e-Box export package,
    verified, and its place printed; `cpas ebox verify` and the by-hand script (Debian
    tools only, run as the demo prints it) accept it."""
    out = tmp_path / "demo"
    result = CliRunner().invoke(cli, ["demo", "--out", str(out)])
    assert result.exit_code == 0, result.output
    package = out / "signed" / "subsidy-convention-ebox.zip"
    root = out / "signed" / "test-pki" / "root.pem"
    assert f"e-Box export package -> {package}: valid" in result.output
    checked = CliRunner().invoke(cli, ["ebox", "verify", str(package), "--trust", str(root),
                                       "--format", "json"])
    assert checked.exit_code == 0, checked.output
    roles = json.loads(checked.output)["attachments"][0]["container"]["roles_present"]
    assert sorted(roles) == ["directeur_general", "minister", "president"]
    missing = [t for t in _TOOLS if shutil.which(t) is None]
    if missing:
        pytest.skip(f"missing Debian tools for docs/verify-by-hand.sh: {missing}")
    line = next(x for x in result.output.splitlines() if "verify-by-hand.sh" in x)
    command = line.split("only: ", 1)[1].split()
    assert command[:2] == ["bash", "docs/verify-by-hand.sh"]
    done = subprocess.run([command[0], str(BY_HAND), *command[2:]],  # noqa: S603
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def _bcss_schemas() -> Path:
    """The official BCSS schemas, found like tests/bcss does (never copied into the project)."""
    import os

    chosen = os.environ.get("CPAS_BCSS_SCHEMAS")
    repo = Path(__file__).resolve().parents[2]
    candidates = ([Path(chosen)] if chosen else
                  [repo.parent / "shared" / "reference" / "bcss-ssdn",
                   Path("/work/shared/reference/bcss-ssdn")])
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise AssertionError(f"official BCSS schemas not found (tried {candidates}); set "
                         "CPAS_BCSS_SCHEMAS")


def test_demo_exports_the_loi65_forms_with_the_official_schemas(tmp_path: Path) -> None:
    """Issue 7: the demo's documents go out as the BCSS loi 65 forms AB, DF and C, valid for
    the official schemas (re-checked here by both validators); the mesure 500 € intervention
    of the sample convention (500 €, circular of 31/01/2013) is the DF's
    PartnerconventionAmount, in euro cents."""
    from cpas.adapters.bcss import load_official_schemas
    from cpas.sdk.samples import CPAS

    schemas_dir = _bcss_schemas()
    out = tmp_path / "demo"
    result = CliRunner().invoke(cli, ["demo", "--out", str(out), "--bcss-schemas",
                                      str(schemas_dir)])
    assert result.exit_code == 0, result.output
    official = load_official_schemas(schemas_dir)
    for name in ("ab", "df", "c"):
        data = (out / "bcss" / f"l65-{name}.xml").read_bytes()
        assert official.errors(data) == (), name
    df = etree.fromstring((out / "bcss" / "l65-df.xml").read_bytes())
    amounts = [e.text for e in df.iter() if etree.QName(e).localname == "PartnerconventionAmount"]
    assert amounts == ["50000"]
    ab = etree.fromstring((out / "bcss" / "l65-ab.xml").read_bytes())
    kbo = [e.text for e in ab.iter() if etree.QName(e).localname == "KBOBCE"]
    # The official type is a number: the KBO's leading zero is not written.
    assert kbo == [CPAS.kbo.compact.lstrip("0")]
    assert "made up for the demo" in result.output


def test_demo_without_bcss_schemas_says_how_to_get_the_forms(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CPAS_BCSS_SCHEMAS", raising=False)
    result = CliRunner().invoke(cli, ["demo", "--out", str(tmp_path / "d")])
    assert result.exit_code == 0, result.output
    assert "--bcss-schemas" in result.output
    assert not (tmp_path / "d" / "bcss").exists()
