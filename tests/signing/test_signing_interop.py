"""Independent verifiers accept every signature file we write (signing.md §5, issue 4 item 6).

xmlsec1 (Debian package ``xmlsec1``) runs exactly as documented in signing.md §5,
from the unzipped container root, with ``--enabled-key-data x509`` and one
``--url-map`` per data reference; signxml's ``XAdESVerifier`` is the second
verifier. Each test is skipped, with the reason, only when the tool is absent.
"""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from conftest import Pki
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from cpas.adapters.signing.container import ContainerReader, extract_all
from cpas.adapters.signing.xades import parse_signature

XMLSEC1 = shutil.which("xmlsec1")
needs_xmlsec1 = pytest.mark.skipif(
    XMLSEC1 is None, reason="xmlsec1 not installed (Debian package xmlsec1; add it to .ci/run)")


def _unzip(container: Path, folder: Path) -> dict[str, list[str]]:
    """Extract the container; ``{signature file: referenced URIs}``."""
    with ContainerReader(container) as reader:
        extract_all(reader, folder, reader.names)
        return {f: [u for u, _ in parse_signature(reader.read_xml(f), f).references]
                for f in reader.signature_files}


def _xmlsec1(folder: Path, signature: str, uris: list[str], trusted: Path,
             untrusted: Path) -> subprocess.CompletedProcess[str]:
    assert XMLSEC1 is not None
    command = [XMLSEC1, "--verify", "--enabled-key-data", "x509", "--trusted-pem", str(trusted),
               "--untrusted-pem", str(untrusted),
               "--id-attr:Id", "http://uri.etsi.org/01903/v1.3.2#:SignedProperties"]
    for uri in uris:
        command += [f"--url-map:{uri}", uri]
    command.append(signature)
    return subprocess.run(  # noqa: S603 - fixed program, our own arguments
        command, cwd=folder, capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture
def unzipped(signed_convention: Path, pki: Pki, tmp_path: Path) -> tuple[Path, dict[str, list[str]],
                                                                          Path]:
    folder = tmp_path / "root"
    refs = _unzip(signed_convention, folder)
    inter = tmp_path / "intermediate.pem"
    inter.write_bytes(pki.intermediate.public_bytes(serialization.Encoding.PEM))
    return folder, refs, inter


@needs_xmlsec1
def test_xmlsec1_verifies_every_signature_file(
        unzipped: tuple[Path, dict[str, list[str]], Path], pki: Pki) -> None:
    folder, refs, inter = unzipped
    assert len(refs) == 3
    for signature, uris in refs.items():
        done = _xmlsec1(folder, signature, uris, pki.root_pem, inter)
        assert done.returncode == 0, (signature, done.stderr)
        assert f"SignedInfo References (ok/all): {len(uris) + 1}/{len(uris) + 1}" in done.stderr


@needs_xmlsec1
def test_xmlsec1_rejects_changed_data_and_other_anchor(
        unzipped: tuple[Path, dict[str, list[str]], Path], pki: Pki) -> None:
    """The same command fails on a changed byte and on another trust anchor."""
    folder, refs, inter = unzipped
    signature, uris = next(iter(refs.items()))
    assert _xmlsec1(folder, signature, uris, pki.other_root_pem, inter).returncode != 0
    annex = folder / "annexes" / "budget.csv"
    annex.write_bytes(annex.read_bytes().replace(b"12000", b"92000"))
    assert _xmlsec1(folder, signature, uris, pki.root_pem, inter).returncode != 0


def _signxml_verify(folder: Path, signature: str, pki: Pki) -> list[Any]:
    reason = "signxml not installed (pip install signxml; add it to the test extra)"
    xades = pytest.importorskip("signxml.xades", reason=reason)
    algorithms = pytest.importorskip("signxml.algorithms", reason=reason)

    def resolve(uri: str) -> bytes:
        target = (folder / uri).resolve()
        assert target.is_relative_to(folder.resolve())
        return target.read_bytes()

    config = xades.XAdESSignatureConfiguration(
        signature_methods=frozenset(algorithms.SignatureMethod), expect_references=True,
        default_reference_c14n_method=(
            algorithms.CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0))
    # EE policy: accept non-repudiation certificates (signxml's default wants digitalSignature).
    ee_policy = x509.verification.ExtensionPolicy.permit_all()
    verifier = xades.XAdESVerifier()
    results: list[Any] = verifier.verify(
        (folder / signature).read_bytes(), ca_pem_file=str(pki.root_pem), uri_resolver=resolve,
        expect_config=config, ee_policy=ee_policy)
    return results


def test_signxml_verifies_every_signature_file(
        unzipped: tuple[Path, dict[str, list[str]], Path], pki: Pki) -> None:
    folder, refs, _ = unzipped
    for signature, uris in refs.items():
        results = _signxml_verify(folder, signature, pki)
        assert len(results) == len(uris) + 1
        assert type(results[-1]).__name__ == "XAdESVerifyResult"


def test_signxml_rejects_changed_data(unzipped: tuple[Path, dict[str, list[str]], Path],
                                      pki: Pki) -> None:
    exceptions = pytest.importorskip("signxml.exceptions", reason="signxml not installed")
    folder, refs, _ = unzipped
    (folder / "convention.xml").write_bytes(
        (folder / "convention.xml").read_bytes().replace(b"<", b" <", 1))
    with pytest.raises(exceptions.InvalidDigest):
        _signxml_verify(folder, next(iter(refs)), pki)


def test_mimetype_is_first_and_stored_for_zipinfo(signed_convention: Path) -> None:
    """What ``zipinfo export.asice | sed -n 3p`` shows (signing.md §5)."""
    with zipfile.ZipFile(signed_convention) as archive:
        assert archive.namelist()[0] == "mimetype"
