"""``cpas ebox pack|verify|unpack``: exit codes of cli/exitcodes.py (0 ok, 1 invalid,
2 usage, 3 untrusted or incomplete, 4 unreadable), JSON output, NISS never in clear."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from ebox_helpers import RECIPIENT, SENDER, Signed, make_signed

from cpas.cli.main import cli
from strategies import niss_digits


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> Signed:
    return make_signed(tmp_path_factory.mktemp("ebox-cli"))


def _run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["ebox", *args])


def _pack(signed: Signed, output: Path, *extra: str, container: Path | None = None) -> Result:
    return _run("pack", str(container or signed.convention), "-o", str(output),
                "--sender-kbo", SENDER, "--message-type", "cpas-subsidy-convention",
                "--trust", str(signed.root_pem), "--created-at", "2025-06-03T08:00:00Z",
                *extra)


def test_pack_verify_unpack(signed: Signed, tmp_path: Path) -> None:
    package = tmp_path / "export.zip"
    done = _pack(signed, package, "--recipient-kbo", RECIPIENT, "--subject-nl",
                 "Subsidieovereenkomst", "--body", "In bijlage", "--business-data", "jaar=2025",
                 "--lang", "en")
    assert done.exit_code == 0, done.output
    assert "package written" in done.output
    checked = _run("verify", str(package), "--trust", str(signed.root_pem), "--format", "json")
    assert checked.exit_code == 0, checked.output
    data = json.loads(checked.output)
    assert data["status"] == "valid"
    assert data["subject_language"] == "nl"
    assert data["attachments"][0]["container"]["roles_missing"] == []
    out = tmp_path / "out"
    unpacked = _run("unpack", str(package), "-o", str(out), "--trust", str(signed.root_pem))
    assert unpacked.exit_code == 0, unpacked.output
    assert (out / "attachments" / "upfile1" / "convention.asice").read_bytes() \
        == signed.convention.read_bytes()


def test_verify_with_another_anchor_exits_3(signed: Signed, tmp_path: Path) -> None:
    package = tmp_path / "export"
    assert _pack(signed, package, "--recipient-kbo", RECIPIENT, "--subject-fr", "S").exit_code \
        == 0
    done = _run("verify", str(package), "--trust", str(signed.other_root_pem), "--lang", "fr")
    assert done.exit_code == 3, done.output
    assert "NON FIABLE" in done.output


def test_pack_of_incomplete_convention_exits_3(signed: Signed, tmp_path: Path) -> None:
    done = _pack(signed, tmp_path / "p.zip", "--recipient-kbo", RECIPIENT, "--subject-fr", "S",
                 container=signed.partial)
    assert done.exit_code == 3, done.output
    assert "directeur_general, minister" in done.output


def test_tampered_package_exits_1(signed: Signed, tmp_path: Path) -> None:
    package = tmp_path / "export"
    assert _pack(signed, package, "--recipient-kbo", RECIPIENT, "--subject-fr", "S").exit_code \
        == 0
    (package / "export.json").write_text("{}")
    done = _run("verify", str(package), "--trust", str(signed.root_pem))
    assert done.exit_code == 1, done.output
    assert "export.json: SHA-256 differs from SHA256SUMS" in done.output
    refused = _run("unpack", str(package), "-o", str(tmp_path / "out"))
    assert refused.exit_code == 1
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.parametrize("args", [
    ("--recipient-kbo", RECIPIENT, "--subject-fr", "S", "--subject-nl", "S"),
    ("--subject-fr", "S"),
    ("--recipient-kbo", "0300000017", "--subject-fr", "S"),
    ("--recipient-kbo", RECIPIENT, "--subject-fr", "S", "--business-data", "novalue"),
], ids=["two-subjects", "no-recipient", "bad-kbo", "bad-business-data"])
def test_usage_errors_exit_2(signed: Signed, tmp_path: Path, args: tuple[str, ...]) -> None:
    done = _pack(signed, tmp_path / "p.zip", *args)
    assert done.exit_code == 2, done.output
    assert not (tmp_path / "p.zip").exists()


def test_subject_too_long_exits_1(signed: Signed, tmp_path: Path) -> None:
    done = _pack(signed, tmp_path / "p.zip", "--recipient-kbo", RECIPIENT,
                 "--subject-de", "x" * 256)
    assert done.exit_code == 1
    assert "at most 255" in done.output


def test_missing_files_exit_4(signed: Signed, tmp_path: Path) -> None:
    assert _run("verify", str(tmp_path / "none.zip"), "--trust",
                str(signed.root_pem)).exit_code == 4
    done = _pack(signed, tmp_path / "p.zip", "--recipient-kbo", RECIPIENT, "--subject-fr", "S",
                 container=tmp_path / "missing.asice")
    assert done.exit_code == 4, done.output


def test_niss_never_printed_in_clear(signed: Signed, tmp_path: Path) -> None:
    niss = niss_digits(dt.date(1990, 2, 14), 123)
    wrong = niss[:-1] + ("0" if niss[-1] != "0" else "1")
    package = tmp_path / "citizen.zip"
    done = _pack(signed, package, "--recipient-niss", niss, "--subject-fr", "Décision")
    assert done.exit_code == 0, done.output
    assert niss not in done.output
    assert f"******-***-{niss[-2:]}" in done.output
    for fmt in ("text", "json"):
        checked = _run("verify", str(package), "--trust", str(signed.root_pem), "--format", fmt)
        assert checked.exit_code == 0
        assert niss not in checked.output
    refused = _pack(signed, tmp_path / "x.zip", "--recipient-niss", wrong, "--subject-fr", "S")
    assert refused.exit_code == 2
    assert wrong not in refused.output
