"""Signing and verifying ASiC-E containers: several signers, policy, keys (signing.md §2, §4).

The subsidy convention is signed by the CPAS president and directeur général,
then by the minister (domain.md, "Subsidy conventions"; signing.md §4).
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pytest
from conftest import SIGNED_AT, Pki, clock_at

from cpas.adapters.signing.container import MIMETYPE, ContainerReader, parse_manifest
from cpas.adapters.signing.errors import KeyLoadError, SignatureRefused
from cpas.adapters.signing.keys import load_pem, load_pkcs12, read_password
from cpas.adapters.signing.signer import add_signature, sign_new
from cpas.adapters.signing.verify import Status, verify
from cpas.sdk.parties import SignerRole


def test_convention_signed_by_three_roles_verifies(signed_convention: Path, pki: Pki,
                                                   convention_xml: Path) -> None:
    """President (RSA) + DG (RSA), then minister (ECDSA P-256): valid, complete, byte-exact."""
    result = verify(signed_convention, [pki.root])
    assert result.status is Status.VALID, result.to_dict()
    assert result.kind == "subsidy"
    assert result.roles_present == ("directeur_general", "minister", "president")
    assert result.roles_missing == ()
    roles = [s.role for s in result.signers]
    assert roles == ["president", "directeur_general", "minister"]
    assert all(s.signing_time == SIGNED_AT for s in result.signers)
    assert result.signers[0].subject is not None
    assert "Président Test" in result.signers[0].subject
    minister = result.signers[2]
    assert minister.endorses == ("META-INF/signatures0.xml", "META-INF/signatures1.xml")
    assert "endorsements/minister-0001.xml" in minister.signed_files
    names = {f.name for f in result.signed_files}
    assert names == {"convention.xml", "annexes/budget.csv", "endorsements/minister-0001.xml"}
    with zipfile.ZipFile(signed_convention) as archive:
        assert archive.read("convention.xml") == convention_xml.read_bytes()


def test_container_layout(signed_convention: Path) -> None:
    """mimetype first, stored, no extra field; manifest lists every data file."""
    with zipfile.ZipFile(signed_convention) as archive:
        first = archive.infolist()[0]
        assert (first.filename, first.compress_type, first.extra) == (
            "mimetype", zipfile.ZIP_STORED, b"")
        assert archive.read("mimetype") == MIMETYPE.encode()
        manifest = parse_manifest(archive.read("META-INF/manifest.xml"))
        assert manifest == {"convention.xml": "application/xml",
                            "annexes/budget.csv": "text/csv",
                            "endorsements/minister-0001.xml": "application/xml"}
        for name in ("META-INF/signatures0.xml", "META-INF/signatures2.xml"):
            assert b"KeyValue" not in archive.read(name)


def test_earlier_signature_files_are_never_rewritten(pki: Pki, convention_xml: Path,
                                                     tmp_path: Path) -> None:
    """Adding signatures keeps data and earlier signature files byte for byte (signing.md §4)."""
    path = tmp_path / "c.asice"
    sign_new(path, convention_xml, key=pki.president, role=SignerRole.PRESIDENT,
             clock=clock_at(SIGNED_AT))
    with zipfile.ZipFile(path) as archive:
        before = archive.read("META-INF/signatures0.xml")
    add_signature(path, key=pki.directeur, role=SignerRole.DIRECTEUR_GENERAL, trust=[pki.root],
                  clock=clock_at(SIGNED_AT))
    with zipfile.ZipFile(path) as archive:
        assert archive.read("META-INF/signatures0.xml") == before
        assert archive.read("convention.xml") == convention_xml.read_bytes()


def test_stage_one_only_is_incomplete(pki: Pki, convention_xml: Path, tmp_path: Path) -> None:
    """Without the minister the convention is intact but incomplete (untrusted, exit 3)."""
    path = tmp_path / "c.asice"
    sign_new(path, convention_xml, key=pki.president, role=SignerRole.PRESIDENT,
             clock=clock_at(SIGNED_AT))
    result = verify(path, [pki.root])
    assert result.status is Status.UNTRUSTED
    assert result.roles_missing == ("directeur_general", "minister")
    assert result.signers[0].status is Status.VALID


def test_minister_cannot_sign_before_stage_one(pki: Pki, convention_xml: Path,
                                               tmp_path: Path) -> None:
    path = tmp_path / "c.asice"
    with pytest.raises(SignatureRefused, match="stage 2"):
        sign_new(path, convention_xml, key=pki.minister, role=SignerRole.MINISTER,
                 clock=clock_at(SIGNED_AT))
    sign_new(path, convention_xml, key=pki.president, role=SignerRole.PRESIDENT,
             clock=clock_at(SIGNED_AT))
    with pytest.raises(SignatureRefused, match="after directeur_general"):
        add_signature(path, key=pki.minister, role=SignerRole.MINISTER, trust=[pki.root],
                      clock=clock_at(SIGNED_AT))
    with pytest.raises(SignatureRefused, match="already signed as president"):
        add_signature(path, key=pki.directeur, role=SignerRole.PRESIDENT, trust=[pki.root],
                      clock=clock_at(SIGNED_AT))
    with pytest.raises(SignatureRefused, match="does not sign a subsidy"):
        add_signature(path, key=pki.directeur, role=SignerRole.BENEFICIARY, trust=[pki.root],
                      clock=clock_at(SIGNED_AT))


def test_no_signature_after_the_minister(signed_convention: Path, pki: Pki,
                                         tmp_path: Path) -> None:
    with pytest.raises(SignatureRefused):
        add_signature(signed_convention, key=pki.p384, role=SignerRole.PRESIDENT,
                      trust=[pki.root], output=tmp_path / "x.asice", clock=clock_at(SIGNED_AT))
    assert not (tmp_path / "x.asice").exists()


def test_adding_to_untrusted_container_fails_closed(pki: Pki, convention_xml: Path,
                                                    tmp_path: Path) -> None:
    """Every existing signature is verified first; untrusted ones stop the new signature."""
    path = tmp_path / "c.asice"
    sign_new(path, convention_xml, key=pki.president, role=SignerRole.PRESIDENT,
             clock=clock_at(SIGNED_AT))
    before = path.read_bytes()
    with pytest.raises(SignatureRefused, match="do not all verify"):
        add_signature(path, key=pki.directeur, role=SignerRole.DIRECTEUR_GENERAL,
                      trust=[pki.other_root], clock=clock_at(SIGNED_AT))
    assert path.read_bytes() == before


def test_p384_key_signs_with_sha384(pki: Pki, tmp_path: Path, convention_xml: Path) -> None:
    path = tmp_path / "c.asice"
    sign_new(path, convention_xml, key=pki.p384, role=SignerRole.PRESIDENT,
             clock=clock_at(SIGNED_AT))
    with ContainerReader(path) as reader:
        assert b"ecdsa-sha384" in reader.read_xml("META-INF/signatures0.xml")
    assert verify(path, [pki.root]).signers[0].status is Status.VALID


def test_expired_certificate_refused_when_signing(pki: Pki, convention_xml: Path,
                                                  tmp_path: Path) -> None:
    with pytest.raises(SignatureRefused, match="not valid at"):
        sign_new(tmp_path / "c.asice", convention_xml, key=pki.expired,
                 role=SignerRole.PRESIDENT, clock=clock_at(SIGNED_AT))


def test_naive_clock_refused(pki: Pki, convention_xml: Path, tmp_path: Path) -> None:
    with pytest.raises(SignatureRefused, match="timezone"):
        sign_new(tmp_path / "c.asice", convention_xml, key=pki.president,
                 role=SignerRole.PRESIDENT, clock=clock_at(dt.datetime(2025, 6, 2)))


def test_invalid_document_is_not_signed(pki: Pki, tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_bytes(b"<nothing/>")
    with pytest.raises(SignatureRefused, match="not valid for its schema"):
        sign_new(tmp_path / "c.asice", bad, key=pki.president, role=SignerRole.PRESIDENT)


def test_pem_and_pkcs12_keys_load(pki: Pki, monkeypatch: pytest.MonkeyPatch) -> None:
    key_path, cert_path = pki.write_pem(pki.minister, "minister-enc", password=b"s3cret")
    loaded = load_pem(key_path, cert_path, password=b"s3cret")
    assert loaded.certificate == pki.minister.certificate
    assert loaded.chain == (pki.intermediate,)
    with pytest.raises(KeyLoadError, match="wrong password"):
        load_pem(key_path, cert_path, password=b"nope")
    with pytest.raises(KeyLoadError, match="no certificate"):
        load_pem(key_path, pki.root_pem, password=b"s3cret")
    p12 = pki.write_p12(pki.president, "president", b"pw")
    assert load_pkcs12(p12, password=b"pw").certificate == pki.president.certificate
    with pytest.raises(KeyLoadError):
        load_pkcs12(p12, password=b"bad")
    monkeypatch.setenv("CPAS_TEST_PW", "from-env")
    assert read_password(env="CPAS_TEST_PW") == b"from-env"
    secret = pki.folder / "pw.txt"
    secret.write_text("from-file\nignored\n")
    assert read_password(file=secret) == b"from-file"
    assert read_password(prompt=lambda: "typed") == b"typed"
    with pytest.raises(KeyLoadError, match="not set"):
        read_password(env="CPAS_TEST_PW_UNSET")
