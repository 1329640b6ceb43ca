"""Progress callbacks of signing, verification and e-Box packages (issue 4 item 9).

``progress(done, total)`` reports bytes of work: the byte counts only grow, every
call gives the same total, and the last call reaches it. Expected totals are
computed here from file sizes (``os.path.getsize``, ``zipfile`` entry sizes), not
from the code under test. The container holds a multi-megabyte annex of random
bytes (random so that it does not compress: a huge ratio would be refused as a
zip bomb), read in 1 MiB chunks, so there are several calls per file.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import zipfile
from pathlib import Path

import pytest
from conftest import Pki, clock_at

from cpas.adapters.signing.container import ProgressSteps
from cpas.adapters.signing.ebox import Message, Recipient, pack, unpack, verify_package
from cpas.adapters.signing.signer import add_signature, sign_new
from cpas.adapters.signing.verify import Status, verify
from cpas.sdk.parties import SignerRole

SIGNED_AT = dt.datetime(2025, 6, 2, 9, 30, tzinfo=dt.UTC)
ANNEX_BYTES = 3 * 1024 * 1024 + 12345
"""Over 3 MiB, not a multiple of the 1 MiB chunk."""
SENDER = "0212345668"
"""A fictitious KBO: 02123456 % 97 = 29, 97 - 29 = 68."""
RECIPIENT = "0300000016"
"""A fictitious KBO: 03000000 % 97 = 81, 97 - 81 = 16."""

Calls = list[tuple[int, int | None]]


def _check_calls(calls: Calls, total: int, *, at_least: int = 3) -> None:
    """Several calls, one total, counts strictly growing, the last one at the total."""
    assert len(calls) >= at_least, calls
    assert {t for _, t in calls} == {total}
    counts = [d for d, _ in calls]
    assert all(a < b for a, b in itertools.pairwise(counts)), counts
    assert counts[0] > 0
    assert counts[-1] == total


def _data_bytes(container: Path) -> int:
    """Uncompressed bytes of the data files (not mimetype, not META-INF/), via zipfile."""
    with zipfile.ZipFile(container) as archive:
        return sum(i.file_size for i in archive.infolist()
                   if i.filename != "mimetype" and not i.filename.startswith("META-INF/"))


@pytest.fixture(scope="module")
def big_annex(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "scan.bin"
    path.write_bytes(os.urandom(ANNEX_BYTES))
    return path


@pytest.fixture(scope="module")
def big_signed(pki: Pki, convention_xml: Path, big_annex: Path,
               tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The convention and the big annex, signed by all three roles of its policy."""
    path = tmp_path_factory.mktemp("big-asice") / "convention.asice"
    clock = clock_at(SIGNED_AT)
    sign_new(path, convention_xml, annexes=[big_annex], key=pki.president,
             role=SignerRole.PRESIDENT, clock=clock)
    add_signature(path, key=pki.directeur, role=SignerRole.DIRECTEUR_GENERAL,
                  trust=[pki.root], clock=clock)
    add_signature(path, key=pki.minister, role=SignerRole.MINISTER, trust=[pki.root],
                  clock=clock)
    return path


def test_sign_new_reports_schema_check_then_copy(pki: Pki, convention_xml: Path,
                                                 big_annex: Path, tmp_path: Path) -> None:
    calls: Calls = []
    sign_new(tmp_path / "c.asice", convention_xml, annexes=[big_annex], key=pki.president,
             role=SignerRole.PRESIDENT, clock=clock_at(SIGNED_AT),
             progress=lambda done, total: calls.append((done, total)))
    document = os.path.getsize(convention_xml)
    # the document is read for the schema check, then each file is hashed and copied
    _check_calls(calls, document + document + ANNEX_BYTES)
    assert verify(tmp_path / "c.asice", [pki.root]).signers[0].status is Status.VALID


def test_sign_new_without_schema_check(pki: Pki, convention_xml: Path, big_annex: Path,
                                       tmp_path: Path) -> None:
    calls: Calls = []
    sign_new(tmp_path / "c.asice", convention_xml, annexes=[big_annex], key=pki.president,
             role=SignerRole.PRESIDENT, clock=clock_at(SIGNED_AT), check_schema=False,
             progress=lambda done, total: calls.append((done, total)))
    _check_calls(calls, os.path.getsize(convention_xml) + ANNEX_BYTES)


def test_add_signature_reports_verification_then_copy(pki: Pki, convention_xml: Path,
                                                      big_annex: Path, tmp_path: Path) -> None:
    first = tmp_path / "first.asice"
    sign_new(first, convention_xml, annexes=[big_annex], key=pki.president,
             role=SignerRole.PRESIDENT, clock=clock_at(SIGNED_AT))
    calls: Calls = []
    second = add_signature(first, key=pki.directeur, role=SignerRole.DIRECTEUR_GENERAL,
                           trust=[pki.root], clock=clock_at(SIGNED_AT),
                           output=tmp_path / "second.asice",
                           progress=lambda done, total: calls.append((done, total)))
    # every data file is hashed to verify the president's signature, then copied
    _check_calls(calls, 2 * _data_bytes(first))
    assert len(verify(second, [pki.root]).signers) == 2


def test_verify_reports_hashing(pki: Pki, big_signed: Path) -> None:
    calls: Calls = []
    result = verify(big_signed, [pki.root], SIGNED_AT,
                    progress=lambda done, total: calls.append((done, total)))
    assert result.status is Status.VALID, result.problems
    _check_calls(calls, _data_bytes(big_signed))
    # the callback changes nothing in the result
    assert result.to_dict() == verify(big_signed, [pki.root], SIGNED_AT).to_dict()


def test_verify_of_a_broken_container_reports_nothing(pki: Pki, tmp_path: Path) -> None:
    broken = tmp_path / "broken.asice"
    broken.write_bytes(b"not a zip")
    calls: Calls = []
    result = verify(broken, [pki.root], progress=lambda done, total: calls.append((done, total)))
    assert result.status is Status.INVALID
    assert calls == []


def _message() -> Message:
    return Message(Recipient.enterprise(RECIPIENT), sender=SENDER,
                   message_type_id="cpas-subsidy-convention", subject="Convention",
                   language="fr")


def test_ebox_pack_verify_unpack_report_progress(pki: Pki, big_signed: Path,
                                                 tmp_path: Path) -> None:
    calls: Calls = []
    package = pack(tmp_path / "export.zip", [big_signed], _message(), trust=[pki.root],
                   progress=lambda done, total: calls.append((done, total)))
    size = os.path.getsize(big_signed)
    # each container is verified, hashed, then copied: three times its size
    _check_calls(calls, 3 * size)

    with zipfile.ZipFile(package) as archive:
        entries = {i.filename: i.file_size for i in archive.infolist()}
    attached = sum(n for name, n in entries.items() if name.startswith("attachments/"))
    assert attached == size
    calls = []
    checked = verify_package(package, [pki.root],
                             progress=lambda done, total: calls.append((done, total)))
    assert checked.status is Status.VALID, checked.problems
    # every entry hashed; the attachment copied out of the zip, then verified
    _check_calls(calls, sum(entries.values()) + 2 * attached)

    calls = []
    folder, result = unpack(package, tmp_path / "out", [pki.root],
                            progress=lambda done, total: calls.append((done, total)))
    assert result.status is Status.VALID
    # the check above, then every entry copied
    _check_calls(calls, 2 * sum(entries.values()) + 2 * attached)
    assert (folder / "attachments" / "upfile1" / big_signed.name).read_bytes() \
        == big_signed.read_bytes()


def test_ebox_folder_package_needs_no_scratch_copy(pki: Pki, big_signed: Path,
                                                   tmp_path: Path) -> None:
    folder = pack(tmp_path / "export", [big_signed], _message(), trust=[pki.root])
    sizes = {p.relative_to(folder).as_posix(): p.stat().st_size
             for p in folder.rglob("*") if p.is_file()}
    calls: Calls = []
    checked = verify_package(folder, [pki.root],
                             progress=lambda done, total: calls.append((done, total)))
    assert checked.status is Status.VALID, checked.problems
    attached = sum(n for name, n in sizes.items() if name.startswith("attachments/"))
    _check_calls(calls, sum(sizes.values()) + attached)


def test_progress_steps_scale_and_never_go_back() -> None:
    calls: Calls = []
    steps = ProgressSteps(lambda done, total: calls.append((done, total)), 300)
    first = steps.step(100)
    second = steps.step(200)
    assert first is not None and second is not None
    first(50, 100)      # bytes of the step itself
    first(10, 100)      # a second pass over the same file: ignored
    first(100, 100)
    second(1, 4)        # a quarter of a step measured in other units: 50 bytes of 200
    second(1, 4)        # no progress, no call
    steps.finish()
    assert calls == [(50, 300), (100, 300), (150, 300), (300, 300)]


def test_progress_steps_without_callback_do_nothing() -> None:
    steps = ProgressSteps(None)
    assert not steps.active
    assert steps.step(10) is None
    steps.expect(10)
    steps.finish()
    assert steps.done == 0
