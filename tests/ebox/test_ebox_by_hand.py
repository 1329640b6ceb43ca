"""docs/verify-by-hand.sh, the independent check with Debian tools only (sha256sum,
unzip, xmlsec1, xmlstarlet, openssl, xmllint), accepts what the SDK writes and refuses
tampered packages (issue 4 item 8; shared/signing.md §5). CI installs these tools; the
tests are skipped, with the reason, only where one is missing."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from ebox_helpers import Signed, change_in_container, make_package, make_signed, reseal

SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "verify-by-hand.sh"
TOOLS = ("bash", "sha256sum", "unzip", "zipinfo", "xmlsec1", "xmlstarlet", "openssl", "xmllint")
MISSING = [t for t in TOOLS if shutil.which(t) is None]
pytestmark = pytest.mark.skipif(bool(MISSING), reason=f"missing Debian tools: {MISSING} "
                                "(packages xmlsec1 xmlstarlet libxml2-utils unzip openssl)")


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> Signed:
    return make_signed(tmp_path_factory.mktemp("ebox-by-hand"))


def _run(signed: Signed, target: Path, *, trust: Path | None = None,
         schemas: bool = True) -> subprocess.CompletedProcess[str]:
    command = ["bash", str(SCRIPT), "-t", str(trust or signed.root_pem)]
    if schemas:
        command += ["-s", str(signed.schemas)]
    return subprocess.run([*command, str(target)],  # noqa: S603 - our script, our arguments
                          capture_output=True, text=True, timeout=120, check=False)


def test_script_accepts_the_demo_package_zip_folder_and_container(signed: Signed,
                                                                  tmp_path: Path) -> None:
    for target in (make_package(signed, tmp_path / "p.zip"), make_package(signed, tmp_path / "p"),
                   signed.convention):
        done = _run(signed, target)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "all checks passed" in done.stdout
        assert "FAIL" not in done.stdout
    assert done.stdout.count("xmlsec1 verified") == 3
    assert "valid for subsidy-1.xsd" in done.stdout


def test_script_refuses_changed_attachment(signed: Signed, tmp_path: Path) -> None:
    package = make_package(signed, tmp_path / "p")
    asice = package / "attachments" / "upfile1" / "convention.asice"
    data = bytearray(asice.read_bytes())
    data[-30] ^= 0x01
    asice.write_bytes(bytes(data))
    done = _run(signed, package)
    assert done.returncode == 1, done.stdout
    assert "FAIL  sha256sum -c SHA256SUMS" in done.stdout


def test_script_refuses_changed_signed_data_in_resealed_package(signed: Signed,
                                                                tmp_path: Path) -> None:
    """Sums and digests recomputed: xmlsec1 still sees the changed convention."""
    package = make_package(signed, tmp_path / "p")
    change_in_container(package / "attachments" / "upfile1" / "convention.asice",
                        "convention.xml", b"Namur", b"Nemur")
    reseal(package)
    done = _run(signed, package)
    assert done.returncode == 1, done.stdout
    assert "xmlsec1 refused it" in done.stdout
    assert "ok    sha256sum -c SHA256SUMS" in done.stdout


def test_script_refuses_another_anchor_and_missing_roles(signed: Signed) -> None:
    assert _run(signed, signed.convention, trust=signed.other_root_pem).returncode == 1
    partial = _run(signed, signed.partial)
    assert partial.returncode == 1
    assert "no signature as directeur_general" in partial.stdout
    assert "no signature as minister" in partial.stdout


def test_script_refuses_invalid_business_xml(signed: Signed, tmp_path: Path) -> None:
    """A convention that no longer fits its XSD is caught by xmllint even when re-signed
    data are not at stake (here: the signature check fails too, both are reported)."""
    container = tmp_path / "c.asice"
    shutil.copy(signed.convention, container)
    with zipfile.ZipFile(container) as archive:
        xml = archive.read("convention.xml")
    start = xml.index(b"<", xml.index(b"?>") + 2)
    tag_end = xml.index(b">", start)
    change_in_container(container, "convention.xml", xml[start:tag_end + 1],
                        xml[start:tag_end + 1] + b"<unexpected/>")
    done = _run(signed, container)
    assert done.returncode == 1
    assert "not valid for subsidy-1.xsd" in done.stdout


def test_script_refuses_a_zip_slip_package(signed: Signed, tmp_path: Path) -> None:
    from ebox_helpers import rezip_entries

    package = make_package(signed, tmp_path / "p.zip")

    def add(items: list[tuple[zipfile.ZipInfo, bytes]]) -> list[tuple[zipfile.ZipInfo, bytes]]:
        return [*items, (zipfile.ZipInfo("../evil.txt"), b"x")]

    bad = rezip_entries(package, tmp_path / "bad.zip", add)
    done = _run(signed, bad)
    assert done.returncode == 1
    assert "unsafe entry name" in done.stdout
    assert not (tmp_path / "evil.txt").exists()
