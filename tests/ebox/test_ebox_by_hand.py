"""docs/verify-by-hand.sh, the independent check with Debian tools only (sha256sum,
unzip, xmlsec1, xmlstarlet, openssl, xmllint), accepts what the SDK writes and refuses
tampered packages (issue 4 item 8; shared/signing.md §5). CI installs these tools, so a
missing one FAILS the tests with the Debian packages to install (never a silent skip)."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from ebox_helpers import Signed, change_in_container, make_package, make_signed, reseal

SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "verify-by-hand.sh"
TOOLS = ("bash", "sha256sum", "unzip", "zipinfo", "xmlsec1", "xmlstarlet", "openssl", "xmllint")
INSTALL = "apt-get install xmlsec1 xmlstarlet libxml2-utils unzip openssl coreutils"


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> Signed:
    missing = [t for t in TOOLS if shutil.which(t) is None]
    assert not missing, f"missing Debian tools {missing}: {INSTALL}"
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


_EXTRA_REFERENCE = ('<ds:Reference URI="{uri}"><ds:DigestMethod '
                    'Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>'
                    '<ds:DigestValue>47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=</ds:DigestValue>'
                    '</ds:Reference>')


@pytest.mark.parametrize("uri", ["http://127.0.0.1:1/x", "/etc/hostname",
                                 "file:///etc/hostname", "../convention.xml",
                                 "annexes/absent.pdf"])
def test_script_refuses_a_reference_outside_the_container(signed: Signed, tmp_path: Path,
                                                          uri: str) -> None:
    """A Reference added to SignedInfo that points to the network or to a local file
    outside the container is refused before xmlsec1 may open it (xmlsec1 runs with
    --enabled-reference-uris empty,same-doc,local and only sees data files)."""
    container = tmp_path / "c.asice"
    shutil.copy(signed.convention, container)
    change_in_container(container, "META-INF/signatures0.xml", b"</ds:SignedInfo>",
                        _EXTRA_REFERENCE.format(uri=uri).encode() + b"</ds:SignedInfo>")
    done = _run(signed, container)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"Reference URI '{uri}' is not a data file of the container" in done.stdout
    assert "signatures0.xml: not given to xmlsec1" in done.stdout
    assert "signatures0.xml: xmlsec1" not in done.stdout


def test_script_refuses_a_reference_in_an_unsigned_manifest(signed: Signed,
                                                           tmp_path: Path) -> None:
    """A ds:Manifest in an unsigned ds:Object leaves the signature value intact; its
    network Reference is still refused (every ds:Reference of the file is checked)."""
    container = tmp_path / "c.asice"
    shutil.copy(signed.convention, container)
    extra = _EXTRA_REFERENCE.format(uri="http://127.0.0.1:1/x")
    change_in_container(container, "META-INF/signatures0.xml", b"</ds:Signature>",
                        f"<ds:Object><ds:Manifest>{extra}</ds:Manifest></ds:Object>"
                        "</ds:Signature>".encode())
    done = _run(signed, container)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Reference URI 'http://127.0.0.1:1/x' is not a data file" in done.stdout
