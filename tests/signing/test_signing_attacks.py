"""Attacks on signed containers are rejected with clear reasons (signing.md §8, issue 4 item 7)."""

from __future__ import annotations

import re
import stat
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import EXPIRED_FROM, SIGNED_AT, Pki, clock, clock_at, rezip

from cpas.adapters.signing.container import ContainerLimits
from cpas.adapters.signing.signer import add_signature, sign_new
from cpas.adapters.signing.verify import SIGNING_TIME, Status, verify
from cpas.sdk.parties import SignerRole

Entries = list[tuple[zipfile.ZipInfo, bytes]]


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1:]


def _edit(name: str, edit: Callable[[bytes], bytes]) -> Callable[[Entries], Entries]:
    def change(entries: Entries) -> Entries:
        found = [e for e in entries if e[0].filename == name]
        assert found, name
        return [(i, edit(d) if i.filename == name else d) for i, d in entries]
    return change


def _flip_in(pattern: bytes) -> Callable[[bytes], bytes]:
    """Change one character inside the first match of ``pattern`` (a regex with one group).

    Base64 letters and digits stay base64 (A<->B, 0<->1), so the change is to
    the value, not to the syntax.
    """
    def edit(data: bytes) -> bytes:
        found = re.search(pattern, data)
        assert found is not None
        at = found.start(1) + 2
        old = chr(data[at])
        new = ("1" if old != "1" else "2") if old.isdigit() else ("A" if old != "A" else "B")
        return data[:at] + new.encode() + data[at + 1:]
    return edit


def _drop(name: str) -> Callable[[Entries], Entries]:
    return lambda entries: [(i, d) for i, d in entries if i.filename != name]


def _manifest_without(name: str) -> Callable[[bytes], bytes]:
    return lambda data: re.sub(rb'<manifest:file-entry manifest:full-path="'
                               + re.escape(name.encode()) + rb'"[^>]*/>', b"", data)


def _add(name: str, data: bytes, *, in_manifest: bool = True) -> Callable[[Entries], Entries]:
    def change(entries: Entries) -> Entries:
        out = list(entries)
        if in_manifest:
            out = _edit("META-INF/manifest.xml", lambda m: m.replace(
                b"</manifest:manifest>", b'<manifest:file-entry manifest:full-path="'
                + name.encode() + b'" manifest:media-type="application/xml"/>'
                b"</manifest:manifest>"))(out)
        out.append((zipfile.ZipInfo(name, (2000, 1, 1, 0, 0, 0)), data))
        return out
    return change


def _both(*changes: Callable[[Entries], Entries]) -> Callable[[Entries], Entries]:
    def change(entries: Entries) -> Entries:
        for step in changes:
            entries = step(entries)
        return entries
    return change


def _key_value_only(data: bytes) -> bytes:
    return re.sub(rb"<ds:KeyInfo>.*</ds:KeyInfo>",
                  b"<ds:KeyInfo><ds:KeyValue><ds:RSAKeyValue><ds:Modulus>AQAB</ds:Modulus>"
                  b"<ds:Exponent>AQAB</ds:Exponent></ds:RSAKeyValue></ds:KeyValue></ds:KeyInfo>",
                  data, flags=re.S)


TAMPERING: list[tuple[str, Callable[[Entries], Entries], str]] = [
    ("byte-in-data-file", _edit("convention.xml", lambda d: _flip(d, len(d) // 2)),
     "digest of 'convention.xml' does not match"),
    ("byte-in-annex", _edit("annexes/budget.csv", lambda d: _flip(d, 20)),
     "digest of 'annexes/budget.csv' does not match"),
    ("byte-in-signature-value", _edit("META-INF/signatures0.xml",
                                      _flip_in(rb"<ds:SignatureValue[^>]*>([A-Za-z0-9+/]{8})")),
     "signature value does not verify"),
    ("byte-in-signing-time", _edit("META-INF/signatures1.xml",
                                   _flip_in(rb"<xades:SigningTime>(2025)")),
     "SignedProperties digest does not match"),
    ("byte-in-reference-digest", _edit("META-INF/signatures0.xml",
                                       _flip_in(rb"<ds:DigestValue>([A-Za-z0-9+/]{8})")),
     "does not match"),
    ("byte-in-manifest", _edit("META-INF/manifest.xml", _flip_in(rb'"(text/csv)"')),
     "media type of 'annexes/budget.csv' in META-INF/manifest.xml"),
    ("file-added", _add("extra.xml", b"<extra/>"), "'extra.xml' is covered by no signature"),
    ("file-added-outside-manifest", _add("extra.xml", b"<extra/>", in_manifest=False),
     "'extra.xml' is not listed in the manifest"),
    ("file-removed", _both(_drop("annexes/budget.csv"), _edit(
        "META-INF/manifest.xml", _manifest_without("annexes/budget.csv"))),
     "references 'annexes/budget.csv', which is not in the container"),
    ("file-removed-kept-in-manifest", _drop("annexes/budget.csv"),
     "listed in the manifest but missing"),
    ("endorsed-signature-removed", _drop("META-INF/signatures1.xml"),
     "endorses META-INF/signatures1.xml, which is missing"),
    ("key-value-only", _edit("META-INF/signatures0.xml", _key_value_only), "KeyValue"),
    ("unknown-meta-inf-entry", _add("META-INF/evil.xml", b"<x/>", in_manifest=False),
     "unexpected entry 'META-INF/evil.xml'"),
]


@pytest.mark.parametrize(("change", "message"), [(c, m) for _, c, m in TAMPERING],
                         ids=[i for i, _, _ in TAMPERING])
def test_tampering_is_invalid(signed_convention: Path, pki: Pki, tmp_path: Path,
                              change: Callable[[Entries], Entries], message: str) -> None:
    assert verify(signed_convention, [pki.root]).status is Status.VALID
    attacked = rezip(signed_convention, tmp_path / "attacked.asice", change)
    result = verify(attacked, [pki.root])
    assert result.status is Status.INVALID
    reasons = [*result.problems, *(r for s in result.signers for r in s.reasons)]
    assert any(message in r for r in reasons), reasons


def test_signature_copied_from_another_container(signed_convention: Path, pki: Pki,
                                                 convention_xml: Path, tmp_path: Path) -> None:
    """A DG signature over another annex, swapped in, breaks its digest and the endorsement."""
    other_annex = tmp_path / "budget.csv"
    other_annex.write_bytes(b"poste;montant\npersonnel;99000.00\n")
    other = tmp_path / "other.asice"
    sign_new(other, convention_xml, annexes=[other_annex], key=pki.president,
             role=SignerRole.PRESIDENT, clock=clock_at(SIGNED_AT))
    add_signature(other, key=pki.directeur, role=SignerRole.DIRECTEUR_GENERAL, trust=[pki.root],
                  clock=clock_at(SIGNED_AT))
    assert verify(other, [pki.root]).signers[1].status is Status.VALID
    with zipfile.ZipFile(other) as archive:
        foreign = archive.read("META-INF/signatures1.xml")
    attacked = rezip(signed_convention, tmp_path / "attacked.asice",
                     _edit("META-INF/signatures1.xml", lambda _: foreign))
    result = verify(attacked, [pki.root])
    assert result.status is Status.INVALID
    assert any("digest of 'annexes/budget.csv' does not match" in r
               for r in result.signers[1].reasons)
    assert any("endorses a different META-INF/signatures1.xml" in r
               for r in result.signers[2].reasons)


def test_untrusted_anchor(signed_convention: Path, pki: Pki) -> None:
    result = verify(signed_convention, [pki.other_root])
    assert result.status is Status.UNTRUSTED
    assert all(s.status is Status.UNTRUSTED for s in result.signers)
    assert "does not chain to the given trust anchors" in result.signers[0].reasons[0]
    assert verify(signed_convention, []).status is Status.UNTRUSTED


def test_certificate_from_another_ca(pki: Pki, convention_xml: Path, tmp_path: Path) -> None:
    path = tmp_path / "c.asice"
    sign_new(path, convention_xml, key=pki.stranger, role=SignerRole.PRESIDENT,
             clock=clock_at(SIGNED_AT))
    result = verify(path, [pki.root])
    assert result.signers[0].status is Status.UNTRUSTED
    assert verify(path, [pki.other_root]).signers[0].status is Status.VALID


def test_expired_certificate(pki: Pki, convention_xml: Path, tmp_path: Path) -> None:
    """Untrusted by default (checked now, after expiry: a B-B SigningTime is only the
    signer's claim and could be backdated); valid only when the caller explicitly asks
    to trust the claimed signing time."""
    path = tmp_path / "c.asice"
    signed_at = EXPIRED_FROM.replace(month=3)
    sign_new(path, convention_xml, key=pki.expired, role=SignerRole.PRESIDENT,
             clock=clock_at(signed_at))
    default = verify(path, [pki.root])
    assert default.signers[0].status is Status.UNTRUSTED
    assert "expired" in default.signers[0].reasons[0]
    assert verify(path, [pki.root], at=SIGNING_TIME).signers[0].status is Status.VALID
    late = verify(path, [pki.root], at=SIGNED_AT)
    assert late.signers[0].status is Status.UNTRUSTED


def _mimetype(content: bytes = b"application/vnd.etsi.asic-e+zip",
              compress: int = zipfile.ZIP_STORED) -> Callable[[Entries], Entries]:
    def change(entries: Entries) -> Entries:
        entries[0][0].compress_type = compress
        return [(entries[0][0], content), *entries[1:]]
    return change


def _renamed(old: str, new: str) -> Callable[[Entries], Entries]:
    def change(entries: Entries) -> Entries:
        out: Entries = []
        for info, data in entries:
            if info.filename == old:
                info = zipfile.ZipInfo(new, info.date_time)
            out.append((info, data))
        return out
    return change


def _symlink(entries: Entries) -> Entries:
    info = zipfile.ZipInfo("annexes/link", (2000, 1, 1, 0, 0, 0))
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return [*entries, (info, b"/etc/passwd")]


def _set_encrypted_flag(path: Path, name: str) -> None:
    """Set bit 0 (encrypted) of ``name`` in its local and central headers (zipfile won't)."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        local = archive.getinfo(name).header_offset
    data[local + 6] |= 0x1
    central = data.find(b"PK\x01\x02")
    while central >= 0:
        size = int.from_bytes(data[central + 28:central + 30], "little")
        if data[central + 46:central + 46 + size] == name.encode():
            data[central + 8] |= 0x1
            break
        central = data.find(b"PK\x01\x02", central + 4)
    path.write_bytes(bytes(data))


def _bomb(entries: Entries) -> Entries:
    info = zipfile.ZipInfo("annexes/zeros.bin", (2000, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    return [*entries, (info, bytes(20 * 1024 * 1024))]


UNSAFE: list[tuple[str, Callable[[Entries], Entries], str]] = [
    ("zip-slip-dotdot", _add("../evil.xml", b"<x/>"), "'..' in path (zip slip)"),
    ("zip-slip-absolute", _add("/etc/evil.xml", b"<x/>"), "absolute path (zip slip)"),
    ("zip-slip-backslash", _add("..\\evil.xml", b"<x/>"), "backslash in name"),
    ("duplicate-entry", _add("convention.xml", b"<other/>", in_manifest=False),
     "appears twice (duplicate entry names)"),
    ("case-duplicate", _add("Convention.xml", b"<other/>", in_manifest=False),
     "differs from another only in case"),
    ("symlink", _symlink, "is a symbolic link"),
    ("zip-bomb-ratio", _bomb, "compression ratio above"),
    ("mimetype-wrong", _mimetype(b"application/zip"), "'mimetype' is not"),
    ("mimetype-compressed", _mimetype(compress=zipfile.ZIP_DEFLATED), "must be stored"),
    ("mimetype-not-first", lambda e: [*e[1:], e[0]], "'mimetype' is not the first entry"),
    ("mimetype-missing", _renamed("mimetype", "mimetype.txt"), "'mimetype' is missing"),
]


@pytest.mark.parametrize(("change", "message"), [(c, m) for _, c, m in UNSAFE],
                         ids=[i for i, _, _ in UNSAFE])
def test_unsafe_zip_is_invalid(signed_convention: Path, pki: Pki, tmp_path: Path,
                               change: Callable[[Entries], Entries], message: str) -> None:
    attacked = rezip(signed_convention, tmp_path / "attacked.asice", change)
    result = verify(attacked, [pki.root])
    assert result.status is Status.INVALID
    assert result.signers == ()
    assert any(message in p for p in result.problems), result.problems


def test_encrypted_entry_is_invalid(signed_convention: Path, pki: Pki, tmp_path: Path) -> None:
    path = rezip(signed_convention, tmp_path / "a.asice", _add("annexes/secret.bin", b"x" * 40))
    _set_encrypted_flag(path, "annexes/secret.bin")
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo("annexes/secret.bin").flag_bits & 0x1
    result = verify(path, [pki.root])
    assert result.status is Status.INVALID
    assert "is encrypted" in result.problems[0]


def test_mimetype_extra_field_is_invalid(signed_convention: Path, pki: Pki,
                                         tmp_path: Path) -> None:
    def change(entries: Entries) -> Entries:
        entries[0][0].extra = b"\xca\xfe\x00\x00"
        return entries
    result = verify(rezip(signed_convention, tmp_path / "a.asice", change), [pki.root])
    assert result.status is Status.INVALID
    assert "no extra field" in result.problems[0]


def test_absolute_size_limit(signed_convention: Path, pki: Pki) -> None:
    result = verify(signed_convention, [pki.root], limits=ContainerLimits(max_total_bytes=4096))
    assert result.status is Status.INVALID
    assert "in total (zip bomb?)" in result.problems[0]
    result = verify(signed_convention, [pki.root], limits=ContainerLimits(max_entry_bytes=1024))
    assert "uncompressed (zip bomb?)" in result.problems[0]


def test_not_a_zip(pki: Pki, tmp_path: Path) -> None:
    path = tmp_path / "x.asice"
    path.write_bytes(b"not a zip at all")
    result = verify(path, [pki.root])
    assert result.status is Status.INVALID
    assert "not a readable zip" in result.problems[0]


def test_missing_file_raises_oserror(pki: Pki, tmp_path: Path) -> None:
    with pytest.raises(OSError, match="missing"):
        verify(tmp_path / "missing.asice", [pki.root])


def test_clock_helper_is_fixed() -> None:
    assert clock() == SIGNED_AT


def test_writer_refuses_names_that_differ_only_in_case(tmp_path: Path) -> None:
    """Two entries `piis.xml` and `PIIS.xml` would overwrite each other when unpacked on a
    case-insensitive file system (Windows, macOS): the writer refuses the second."""
    import io

    from cpas.adapters.signing.container import ContainerWriter
    from cpas.adapters.signing.errors import ContainerError

    with ContainerWriter(tmp_path / "c.asice") as writer:
        writer.add_data("piis.xml", "text/xml", io.BytesIO(b"<a/>"), size=4)
        with pytest.raises(ContainerError, match="written twice"):
            writer.add_data("PIIS.xml", "text/xml", io.BytesIO(b"<b/>"), size=4)
    assert not (tmp_path / "c.asice").exists()
