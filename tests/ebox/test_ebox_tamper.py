"""Changed, malformed and unsafe packages are refused with a clear reason, and unpack
writes nothing for them (issue 4 items 7 and 8; shared/signing.md §7 and §8.4)."""

from __future__ import annotations

import base64
import os
import stat
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ebox_helpers import (
    Signed,
    change_in_container,
    edit_json,
    make_package,
    make_signed,
    reseal,
    rezip_entries,
    write_sums,
)

from cpas.adapters.signing.container import ContainerLimits
from cpas.adapters.signing.ebox import PackageRefused, unpack, verify_package
from cpas.adapters.signing.verify import Status

Entries = list[tuple[zipfile.ZipInfo, bytes]]


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> Signed:
    return make_signed(tmp_path_factory.mktemp("ebox-tamper"))


@pytest.fixture
def folder(signed: Signed, tmp_path: Path) -> Path:
    return make_package(signed, tmp_path / "package")


@pytest.fixture
def zipped(signed: Signed, tmp_path: Path) -> Path:
    return make_package(signed, tmp_path / "package.zip")


def _problems(path: Path, signed: Signed) -> str:
    result = verify_package(path, signed.trust())
    assert result.status is Status.INVALID, result
    texts = [*result.problems, *(p for a in result.attachments for p in a.problems)]
    for attachment in result.attachments:
        if attachment.container is not None:
            texts.extend(attachment.container.problems)
            texts.extend(r for s in attachment.container.signers for r in s.reasons)
    return "\n".join(texts)


def _attachment(folder: Path) -> Path:
    return folder / "attachments" / "upfile1" / "convention.asice"


def _refuses_unpack(path: Path, signed: Signed, target: Path) -> None:
    with pytest.raises(PackageRefused):
        unpack(path, target, signed.trust())
    assert not target.exists() or not any(target.iterdir())


def test_changed_attachment_byte(folder: Path, signed: Signed, tmp_path: Path) -> None:
    data = bytearray(_attachment(folder).read_bytes())
    data[-30] ^= 0x01
    _attachment(folder).write_bytes(bytes(data))
    text = _problems(folder, signed)
    assert "differs from SHA256SUMS" in text
    assert "digest in message.json" in text
    _refuses_unpack(folder, signed, tmp_path / "out")


def test_changed_signed_data_with_resealed_package(folder: Path, signed: Signed) -> None:
    """Sums and message.json digests recomputed after the change: the container's own
    signatures still catch it."""
    change_in_container(_attachment(folder), "convention.xml", b"Namur", b"Nemur")
    reseal(folder)
    assert "digest of 'convention.xml' does not match" in _problems(folder, signed)


def test_sha256sums_mismatch(folder: Path, signed: Signed) -> None:
    sums = (folder / "SHA256SUMS").read_text("ascii")
    first = sums[0]
    (folder / "SHA256SUMS").write_text(("1" if first != "1" else "2") + sums[1:], "ascii")
    assert "differs from SHA256SUMS" in _problems(folder, signed)


def test_file_missing_from_sums_and_extra_file(folder: Path, signed: Signed) -> None:
    (folder / "notes.txt").write_text("added later")
    text = _problems(folder, signed)
    assert "'notes.txt' is not listed in SHA256SUMS" in text
    write_sums(folder)
    assert "'notes.txt' is not an attachment named in message.json" in _problems(folder, signed)


def test_plain_base64_digest_is_refused(folder: Path, signed: Signed) -> None:
    """A digestValue with '+' or '/' is plain base64, not the base64url e-Box expects."""
    plain = base64.b64encode(bytes([0xFB, 0xFF]) * 16).decode()
    assert "+" in plain and "/" in plain

    def change(data: dict[str, Any]) -> None:
        data["attachments"][0]["digest"]["digestValue"] = plain

    edit_json(folder / "message.json", change)
    write_sums(folder)
    assert "base64url" in _problems(folder, signed)


def _message_case(name: str, change: Callable[[dict[str, Any]], None], expected: str,
                  folder: Path, signed: Signed) -> None:
    edit_json(folder / "message.json", change)
    write_sums(folder)
    assert expected in _problems(folder, signed), name


def test_subject_in_two_languages(folder: Path, signed: Signed) -> None:
    def change(data: dict[str, Any]) -> None:
        data["subject"]["nl"] = "Overeenkomst"

    _message_case("two", change, "exactly one language", folder, signed)


def test_subject_longer_than_255(folder: Path, signed: Signed) -> None:
    def change(data: dict[str, Any]) -> None:
        data["subject"]["fr"] = "x" * 256

    _message_case("long", change, "256 characters, at most 255", folder, signed)


def test_null_field(folder: Path, signed: Signed) -> None:
    def change(data: dict[str, Any]) -> None:
        data["senderApplicationId"] = None

    _message_case("null", change, "null at $.senderApplicationId", folder, signed)


def test_duplicate_key_in_message(folder: Path, signed: Signed) -> None:
    path = folder / "message.json"
    path.write_text(path.read_text("utf-8").replace(
        '"messageTypeId"', '"messageTypeId": "other",\n  "messageTypeId"', 1), "utf-8")
    write_sums(folder)
    assert "appears twice" in _problems(folder, signed)


def test_file_name_longer_than_80(folder: Path, signed: Signed) -> None:
    long = "c" * 75 + ".asice"
    _attachment(folder).rename(_attachment(folder).with_name(long))

    def change(data: dict[str, Any]) -> None:
        data["attachments"][0]["fileName"] = long

    _message_case("name", change, "81 characters, at most 80", folder, signed)


def test_export_manifest_that_lies(folder: Path, signed: Signed) -> None:
    def change(data: dict[str, Any]) -> None:
        data["attachments"][0]["roles"] = ["president"]

    edit_json(folder / "export.json", change)
    write_sums(folder)
    assert "export.json $.attachments[0].roles" in _problems(folder, signed)


def _added(name: str, mode: int = stat.S_IFREG | 0o644) -> Callable[[Entries], Entries]:
    def change(items: Entries) -> Entries:
        info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
        info.create_system = 3
        info.external_attr = mode << 16
        return [*items, (info, b"/etc/passwd")]
    return change


@pytest.mark.parametrize(("name", "expected"), [
    ("../evil.txt", "'..' in path"),
    ("attachments/../../evil.txt", "'..' in path"),
    ("/var/evil.txt", "absolute path"),
    ("attachments\\evil.txt", "backslash"),
    ("message.json", "appears twice"),
    ("MESSAGE.json", "appears twice"),
], ids=["dotdot", "nested-dotdot", "absolute", "backslash", "duplicate", "case-duplicate"])
def test_zip_slip_and_duplicates(zipped: Path, signed: Signed, tmp_path: Path, name: str,
                                 expected: str) -> None:
    bad = rezip_entries(zipped, tmp_path / "bad.zip", _added(name))
    assert expected in _problems(bad, signed)
    _refuses_unpack(bad, signed, tmp_path / "area" / "out")
    assert not (tmp_path / "evil.txt").exists()
    assert not (tmp_path / "area" / "evil.txt").exists()


def test_symlink_entry(zipped: Path, signed: Signed, tmp_path: Path) -> None:
    bad = rezip_entries(zipped, tmp_path / "bad.zip", _added("link", stat.S_IFLNK | 0o777))
    assert "symbolic link" in _problems(bad, signed)


def test_symlink_in_folder_package(folder: Path, signed: Signed, tmp_path: Path) -> None:
    os.symlink("/etc/passwd", folder / "attachments" / "upfile1" / "passwd")
    assert "symbolic link" in _problems(folder, signed)


def test_size_and_ratio_bombs(zipped: Path, signed: Signed, tmp_path: Path) -> None:
    """Limits are those of containers (ContainerLimits); small ones here to test cheaply."""
    def padded(items: Entries) -> Entries:
        info = zipfile.ZipInfo("zeros.bin", date_time=(2000, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        return [*items, (info, bytes(4 * 1024 * 1024))]

    bomb = rezip_entries(zipped, tmp_path / "bomb.zip", padded)
    ratio = verify_package(bomb, signed.trust())
    assert "compression ratio above 200" in "\n".join(ratio.problems)
    small = verify_package(zipped, signed.trust(), limits=ContainerLimits(max_total_bytes=1000))
    assert "zip bomb" in "\n".join(small.problems)
    with pytest.raises(PackageRefused):
        unpack(bomb, tmp_path / "out")
    assert not (tmp_path / "out" / "zeros.bin").exists()


def test_unpack_refuses_a_non_empty_target(zipped: Path, signed: Signed, tmp_path: Path) -> None:
    from cpas.adapters.signing.ebox import PackageError

    target = tmp_path / "out"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    with pytest.raises(PackageError, match="not an empty folder"):
        unpack(zipped, target)
    assert [p.name for p in target.iterdir()] == ["keep.txt"]


def test_not_a_zip(tmp_path: Path, signed: Signed) -> None:
    path = tmp_path / "p.zip"
    path.write_bytes(b"PK\x03\x04 not really")
    assert "not a readable zip" in _problems(path, signed)
