"""``cpas sign`` / ``cpas verify`` through click.

Exit codes: 0 valid, 1 invalid, 3 untrusted or incomplete, 4 I/O.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from conftest import Pki

from cpas.cli.sign_cmd import sign_command, verify_command


@click.group()
def cli() -> None:
    """A test group: the lead registers the commands in cpas.cli.main."""


cli.add_command(sign_command)
cli.add_command(verify_command)


@pytest.fixture(scope="module")
def signed(pki: Pki, convention_xml: Path, annex: Path,
           tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Signed through the CLI: PEM key (president), PKCS#12 (DG), encrypted PEM (minister)."""
    out = tmp_path_factory.mktemp("cli") / "convention.asice"
    runner = CliRunner()
    key, cert = pki.write_pem(pki.president, "president")
    done = runner.invoke(cli, ["sign", str(convention_xml), "--annex", str(annex), "--key",
                               str(key), "--cert", str(cert), "--role", "president",
                               "-o", str(out)])
    assert done.exit_code == 0, done.output
    p12 = pki.write_p12(pki.directeur, "dg", b"dg-pass")
    done = runner.invoke(cli, ["sign", "--add-to", str(out), "--pkcs12", str(p12),
                               "--password-env", "CPAS_TEST_P12", "--role",
                               "directeur_general", "--trust", str(pki.root_pem)],
                         env={"CPAS_TEST_P12": "dg-pass"})
    assert done.exit_code == 0, done.output
    key, cert = pki.write_pem(pki.minister, "minister", password=b"min-pass")
    password_file = pki.folder / "minister.pw"
    password_file.write_text("min-pass\n")
    done = runner.invoke(cli, ["sign", "--add-to", str(out), "--key", str(key), "--cert",
                               str(cert), "--password-file", str(password_file), "--role",
                               "minister", "--trust", str(pki.root_pem)])
    assert done.exit_code == 0, done.output
    return out


def test_verify_valid_json(signed: Path, pki: Pki) -> None:
    done = CliRunner().invoke(cli, ["verify", str(signed), "--trust", str(pki.root_pem),
                                    "--format", "json"])
    assert done.exit_code == 0, done.output
    report = json.loads(done.output)
    assert report["status"] == "valid"
    assert [s["role"] for s in report["signers"]] == ["president", "directeur_general",
                                                      "minister"]
    assert report["roles_missing"] == []


def test_verify_text(signed: Path, pki: Pki) -> None:
    done = CliRunner().invoke(cli, ["verify", str(signed), "--trust", str(pki.root_pem)])
    assert done.exit_code == 0
    assert ": valid (subsidy)" in done.output
    assert "convention.xml  application/xml  sha256:" in done.output


def test_verify_untrusted_exit_3(signed: Path, pki: Pki) -> None:
    done = CliRunner().invoke(cli, ["verify", str(signed), "--trust", str(pki.other_root_pem)])
    assert done.exit_code == 3
    assert "untrusted" in done.output


def test_verify_at_after_expiry_exit_3(signed: Path, pki: Pki) -> None:
    done = CliRunner().invoke(cli, ["verify", str(signed), "--trust", str(pki.root_pem),
                                    "--at", "2031-01-01T00:00:00"])
    assert done.exit_code == 3
    assert "expired" in done.output


def test_verify_invalid_exit_1(signed: Path, pki: Pki, tmp_path: Path) -> None:
    broken = tmp_path / "broken.asice"
    data = bytearray(signed.read_bytes())
    data[0:2] = b"XX"
    broken.write_bytes(bytes(data))
    done = CliRunner().invoke(cli, ["verify", str(broken), "--trust", str(pki.root_pem)])
    assert done.exit_code == 1
    assert "invalid" in done.output


def test_verify_missing_file_exit_4(pki: Pki, tmp_path: Path) -> None:
    done = CliRunner().invoke(cli, ["verify", str(tmp_path / "none.asice"), "--trust",
                                    str(pki.root_pem)])
    assert done.exit_code == 4


def test_verify_bad_time_is_usage_error(signed: Path, pki: Pki) -> None:
    done = CliRunner().invoke(cli, ["verify", str(signed), "--trust", str(pki.root_pem),
                                    "--at", "yesterday"])
    assert done.exit_code == 2


def test_sign_refusals(pki: Pki, convention_xml: Path, tmp_path: Path, signed: Path) -> None:
    runner = CliRunner()
    key, cert = pki.write_pem(pki.directeur, "dg-plain")
    out = str(tmp_path / "x.asice")
    no_key = runner.invoke(cli, ["sign", str(convention_xml), "--role", "president", "-o", out])
    assert no_key.exit_code == 2
    no_trust = runner.invoke(cli, ["sign", "--add-to", str(signed), "--key", str(key),
                                   "--cert", str(cert), "--role", "president"])
    assert no_trust.exit_code == 2
    after_minister = runner.invoke(cli, ["sign", "--add-to", str(signed), "--key", str(key),
                                         "--cert", str(cert), "--role", "president",
                                         "--trust", str(pki.root_pem), "-o", out])
    assert after_minister.exit_code == 1
    wrong_password = runner.invoke(
        cli, ["sign", str(convention_xml), "--pkcs12", str(pki.folder / "dg.p12"),
              "--password-env", "PW", "--role", "president", "-o", out], env={"PW": "wrong"})
    assert wrong_password.exit_code == 1
    assert "wrong password" in wrong_password.output
    missing = runner.invoke(cli, ["sign", str(tmp_path / "none.xml"), "--key", str(key),
                                  "--cert", str(cert), "--role", "president", "-o", out])
    assert missing.exit_code == 4


def test_password_prompt(pki: Pki, convention_xml: Path, tmp_path: Path) -> None:
    p12 = pki.write_p12(pki.president, "prompted", b"typed-pass")
    done = CliRunner().invoke(cli, ["sign", str(convention_xml), "--pkcs12", str(p12),
                                    "--role", "president", "-o", str(tmp_path / "p.asice")],
                              input="typed-pass\n")
    assert done.exit_code == 0, done.output
    assert "typed-pass" not in done.output
