"""Packing, verifying and unpacking e-Box-style export packages (issue 4 item 8;
shared/signing.md §7): round trip, layout, digests, determinism, refusals at pack time."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from ebox_helpers import (
    CREATED_AT,
    RECIPIENT,
    SENDER,
    Signed,
    b64url_sha256,
    make_package,
    make_signed,
    message,
)

from cpas.adapters.signing.ebox import (
    PackageError,
    PackageRefused,
    Recipient,
    decode_base64url,
    pack,
    unpack,
    verify_package,
)
from cpas.adapters.signing.verify import Status
from strategies import niss_digits


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> Signed:
    return make_signed(tmp_path_factory.mktemp("ebox-signed"))


def test_zip_round_trip(signed: Signed, tmp_path: Path) -> None:
    """pack -> verify -> unpack gives back the signed container byte for byte."""
    package = make_package(signed, tmp_path / "export.zip")
    result = verify_package(package, signed.trust())
    assert result.status is Status.VALID, result
    assert result.recipient == "enterprise 0300.000.016"
    assert result.subject_language == "fr"
    folder, unpacked = unpack(package, tmp_path / "out", signed.trust())
    assert unpacked.valid
    copy = folder / "attachments" / "upfile1" / "convention.asice"
    assert copy.read_bytes() == signed.convention.read_bytes()
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) \
        == ["SHA256SUMS", "attachments/upfile1/convention.asice", "export.json", "message.json"]


def test_folder_package_round_trip(signed: Signed, tmp_path: Path) -> None:
    package = make_package(signed, tmp_path / "export")
    assert package.is_dir()
    assert verify_package(package, signed.trust()).status is Status.VALID
    folder, _ = unpack(package, tmp_path / "out")
    assert (folder / "message.json").read_bytes() == (package / "message.json").read_bytes()


def test_message_json_mirrors_message_to_publish(signed: Signed, tmp_path: Path) -> None:
    """Fields of signing.md §7: recipient, sender KBO, one subject language, the signed
    container as main attachment with a base64url SHA-256 (computed here with hashlib)."""
    package = make_package(signed, tmp_path / "export", body="Ci-joint la convention.",
                           sender_application_id="cpas-namur-app",
                           business_data=(("year", "2025"),))
    data = json.loads((package / "message.json").read_text("utf-8"))
    assert data["recipient"] == {"eboxType": "enterprise", "enterpriseNumber": RECIPIENT}
    assert data["sender"] == {"enterpriseNumber": SENDER}
    assert data["senderApplicationId"] == "cpas-namur-app"
    assert data["subject"] == {"fr": "Convention de subside PAS 2025"}
    assert data["bodyContent"] == {"fr": "Ci-joint la convention."}
    assert data["businessDataList"] == [{"key": "year", "value": "2025"}]
    [attachment] = data["attachments"]
    assert attachment["httpPartName"] == "upfile1"
    assert attachment["isMainContent"] is True
    assert attachment["isAttachmentSigned"] is True
    assert attachment["mediaType"] == "application/zip"
    expected = base64.urlsafe_b64encode(
        hashlib.sha256(signed.convention.read_bytes()).digest()).decode()
    assert attachment["digest"] == {"digestMethod": "sha_256", "digestValue": expected}


def test_absent_fields_are_left_out(signed: Signed, tmp_path: Path) -> None:
    """No null anywhere: optional fields that are not given do not appear."""
    package = make_package(signed, tmp_path / "export")
    text = (package / "message.json").read_text("utf-8")
    assert "null" not in text
    data = json.loads(text)
    assert not {"bodyContent", "senderApplicationId", "businessDataList"} & set(data)


def test_export_manifest_names_kind_schema_and_roles(signed: Signed, tmp_path: Path) -> None:
    """A subsidy convention is signed by the president and the directeur général, then the
    minister (domain.md, subsidy conventions): export.json records these roles."""
    package = make_package(signed, tmp_path / "export")
    data = json.loads((package / "export.json").read_text("utf-8"))
    assert data["createdAt"] == "2025-06-03T08:00:00Z"
    [entry] = data["attachments"]
    assert entry["kind"] == "subsidy"
    assert entry["roles"] == ["directeur_general", "minister", "president"]
    assert entry["rolesRequired"] == ["directeur_general", "minister", "president"]
    [document] = entry["documents"]
    assert document["schema"] == "subsidy-1.xsd"
    assert document["namespace"] == "urn:be:cpas-sdk:subsidy:1"


def test_sha256sums_is_accepted_by_sha256sum(signed: Signed, tmp_path: Path) -> None:
    """CI has coreutils: a missing sha256sum fails (with the package to install)."""
    assert shutil.which("sha256sum"), "sha256sum missing: apt-get install coreutils"
    package = make_package(signed, tmp_path / "export")
    done = subprocess.run(["sha256sum", "--check", "--strict", "SHA256SUMS"],  # noqa: S607
                          cwd=package, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count(": OK") == 3


def test_zip_is_deterministic_and_sorted(signed: Signed, tmp_path: Path) -> None:
    """Same input, same bytes: sorted entries, one fixed timestamp, the container stored."""
    first = make_package(signed, tmp_path / "a.zip")
    second = make_package(signed, tmp_path / "b.zip")
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        infos = archive.infolist()
    names = [i.filename for i in infos]
    assert names == sorted(names)
    assert {i.date_time for i in infos} == {(2000, 1, 1, 0, 0, 0)}
    asice = next(i for i in infos if i.filename.endswith(".asice"))
    assert asice.compress_type == zipfile.ZIP_STORED


def test_citizen_recipient_niss_is_masked_in_results(signed: Signed, tmp_path: Path) -> None:
    import datetime as dt

    niss = niss_digits(dt.date(1985, 7, 30), 33)
    package = pack(tmp_path / "export.zip", [signed.convention],
                   message(recipient=Recipient.citizen(niss)), trust=signed.trust(),
                   created_at=CREATED_AT)
    result = verify_package(package, signed.trust())
    assert result.valid
    assert result.recipient == f"citizen ******-***-{niss[-2:]}"
    assert niss not in json.dumps(result.to_dict())
    with zipfile.ZipFile(package) as archive:
        data = json.loads(archive.read("message.json"))
    assert data["recipient"] == {"eboxType": "citizen", "niss": niss}


def test_subject_of_255_characters_is_accepted_256_refused() -> None:
    assert len(message(subject="é" * 255).subject) == 255
    with pytest.raises(PackageError, match="256 characters"):
        message(subject="é" * 256)
    with pytest.raises(PackageError, match="language"):
        message(language="en")


def test_file_names_up_to_80_characters(signed: Signed, tmp_path: Path) -> None:
    name = "c" * 74 + ".asice"
    assert len(name) == 80
    package = pack(tmp_path / "ok.zip", [signed.convention], message(), trust=signed.trust(),
                   names=[name], created_at=CREATED_AT)
    assert verify_package(package, signed.trust()).valid
    with pytest.raises(PackageError, match="81 characters"):
        pack(tmp_path / "long.zip", [signed.convention], message(), trust=signed.trust(),
             names=["c" * 75 + ".asice"])
    assert not (tmp_path / "long.zip").exists()


def test_pack_refuses_untrusted_and_incomplete_containers(signed: Signed, tmp_path: Path) -> None:
    """Fail closed: another anchor makes the container untrusted; a convention signed by
    the president alone misses the directeur général and the minister."""
    with pytest.raises(PackageRefused) as untrusted:
        pack(tmp_path / "a.zip", [signed.convention], message(), trust=signed.other_trust())
    assert untrusted.value.status is Status.UNTRUSTED
    with pytest.raises(PackageRefused, match="directeur_general, minister") as incomplete:
        pack(tmp_path / "b.zip", [signed.partial], message(), trust=signed.trust())
    assert incomplete.value.status is Status.UNTRUSTED
    assert not list(tmp_path.iterdir())


def test_verify_with_another_anchor_is_untrusted(signed: Signed, tmp_path: Path) -> None:
    package = make_package(signed, tmp_path / "export.zip")
    result = verify_package(package, signed.other_trust())
    assert result.status is Status.UNTRUSTED
    assert not result.problems


def test_two_containers_only_first_is_main(signed: Signed, tmp_path: Path) -> None:
    package = pack(tmp_path / "p", [signed.convention, signed.convention], message(),
                   trust=signed.trust(), names=["a.asice", "b.asice"], created_at=CREATED_AT)
    data = json.loads((package / "message.json").read_text("utf-8"))
    assert [a["httpPartName"] for a in data["attachments"]] == ["upfile1", "upfile2"]
    assert [a["isMainContent"] for a in data["attachments"]] == [True, False]
    assert verify_package(package, signed.trust()).valid


def test_base64url_is_not_plain_base64() -> None:
    """RFC 4648 §5: '-' and '_' instead of '+' and '/'."""
    digest = bytes([0xFB, 0xFF, 0xBF]) * 10 + b"\x00\x01"
    plain = base64.b64encode(digest).decode()
    url = base64.urlsafe_b64encode(digest).decode()
    assert "+" in plain and "/" in plain
    assert decode_base64url(url) == digest
    assert decode_base64url(url.rstrip("=")) == digest
    with pytest.raises(PackageError, match="base64url"):
        decode_base64url(plain)
    assert b64url_sha256(b"abc") == "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0="
