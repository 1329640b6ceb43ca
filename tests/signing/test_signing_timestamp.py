"""XAdES baseline B-T: RFC 3161 signature timestamps (ETSI EN 319 132-1 §5.3; signing.md §2, §8.7).

The timestamp is over SHA-256(exc-C14N(``ds:SignatureValue``)); adding it leaves
the XMLDSig signature valid (xmlsec1 and signxml still verify it). A valid
timestamp from a trusted TSA gives the trusted time at which the signer's chain
is checked.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import http.server
import shutil
import subprocess
import threading
import zipfile
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from conftest import SIGNED_AT, TIMESTAMPED_AT, Pki, clock_at, rezip
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree
from test_signing_interop import XMLSEC1, _signxml_verify, _unzip, _xmlsec1

from cpas.adapters.signing.errors import TimestampError
from cpas.adapters.signing.signer import add_signature, sign_new
from cpas.adapters.signing.testtsa import LocalTsa, serve
from cpas.adapters.signing.timestamp import (
    HttpTimestampProvider,
    check_timestamp,
    request_timestamp,
)
from cpas.adapters.signing.verify import Status, verify
from cpas.adapters.signing.xades import DS_NS, XADES_NS
from cpas.cli.sign_cmd import sign_command, verify_command
from cpas.sdk.parties import SignerRole

_STAMP = f"{{{XADES_NS}}}EncapsulatedTimeStamp"


def _sign_bt(path: Path, convention: Path, pki: Pki, tsa: LocalTsa | None = None) -> Path:
    return sign_new(path, convention, key=pki.president, role=SignerRole.PRESIDENT,
                    clock=clock_at(SIGNED_AT), timestamp=tsa or pki.tsa)


def _token(container: Path, entry: str = "META-INF/signatures0.xml") -> tuple[bytes, bytes]:
    """``(token, exc-C14N(SignatureValue))`` read independently of the code under test."""
    with zipfile.ZipFile(container) as archive:
        root = etree.fromstring(archive.read(entry))
    value = root.find(f".//{{{DS_NS}}}SignatureValue")
    stamp = root.find(f".//{_STAMP}")
    assert value is not None and stamp is not None
    canonical = etree.tostring(value, method="c14n", exclusive=True, with_comments=False)
    return base64.b64decode(stamp.text or ""), canonical


def _replace_token(container: Path, target: Path, change: bytes) -> Path:
    """Copy ``container`` with the first signature's timestamp token replaced by ``change``."""
    def edit(entries: list[tuple[zipfile.ZipInfo, bytes]]) -> list[tuple[zipfile.ZipInfo, bytes]]:
        out = []
        for info, data in entries:
            if info.filename == "META-INF/signatures0.xml":
                root = etree.fromstring(data)
                stamp = root.find(f".//{_STAMP}")
                assert stamp is not None
                stamp.text = base64.b64encode(change).decode()
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
            out.append((info, data))
        return out
    return rezip(container, target, edit)


def test_bt_signature_verifies_with_the_timestamp_time(pki: Pki, convention_xml: Path,
                                                       tmp_path: Path) -> None:
    out = _sign_bt(tmp_path / "bt.asice", convention_xml, pki)
    token, canonical = _token(out)
    # The imprint is SHA-256 of exc-C14N(SignatureValue), checked outside our verifier too.
    assert hashlib.sha256(canonical).digest() in token
    result = verify(out, [pki.root])
    signer = result.signers[0]
    assert signer.status is Status.VALID, signer.reasons
    assert signer.level == "B-T"
    assert signer.timestamp_time == TIMESTAMPED_AT
    assert signer.checked_at == TIMESTAMPED_AT
    assert signer.timestamp_authority is not None and "Test TSA" in signer.timestamp_authority
    assert signer.to_dict()["timestamp_time"] == "2025-06-02T09:31:07+00:00"


def test_trusted_time_keeps_an_expired_signer_valid(pki: Pki, convention_xml: Path,
                                                    tmp_path: Path) -> None:
    """Signed and timestamped in March 2024 with a certificate that expired in June 2024:
    valid at the timestamp time; a B-B signature of the same key is untrusted now."""
    march = dt.datetime(2024, 3, 1, 10, 0, tzinfo=dt.UTC)
    tsa = LocalTsa(pki.tsa.key, pki.tsa.certificate, pki.tsa.chain, clock=clock_at(march))
    bt = sign_new(tmp_path / "bt.asice", convention_xml, key=pki.expired,
                  role=SignerRole.PRESIDENT, clock=clock_at(march), timestamp=tsa)
    bb = sign_new(tmp_path / "bb.asice", convention_xml, key=pki.expired,
                  role=SignerRole.PRESIDENT, clock=clock_at(march))
    assert verify(bt, [pki.root]).signers[0].status is Status.VALID
    assert verify(bb, [pki.root]).signers[0].status is Status.UNTRUSTED
    # An explicit --at overrides the timestamp time.
    forced = verify(bt, [pki.root], dt.datetime(2025, 1, 1, tzinfo=dt.UTC)).signers[0]
    assert forced.status is Status.UNTRUSTED
    assert any("expired" in r for r in forced.reasons)


def test_timestamp_from_another_signature_is_rejected(pki: Pki, convention_xml: Path,
                                                      tmp_path: Path) -> None:
    """Imprint mismatch: a genuine token, but over another signature value."""
    first = _sign_bt(tmp_path / "a.asice", convention_xml, pki)
    second = _sign_bt(tmp_path / "b.asice", convention_xml, pki)
    other_token, _ = _token(second)
    mixed = _replace_token(first, tmp_path / "mixed.asice", other_token)
    signer = verify(mixed, [pki.root]).signers[0]
    assert signer.status is Status.INVALID
    assert any("over another message" in r for r in signer.reasons)


def test_tampered_token_is_rejected(pki: Pki, convention_xml: Path, tmp_path: Path) -> None:
    out = _sign_bt(tmp_path / "t.asice", convention_xml, pki)
    token, canonical = _token(out)
    # genTime "20250602093107Z" -> "20350602093107Z": the TSTInfo no longer matches the
    # signed message-digest attribute.
    assert b"20250602093107Z" in token
    later = token.replace(b"20250602093107Z", b"20350602093107Z")
    signer = verify(_replace_token(out, tmp_path / "later.asice", later), [pki.root]).signers[0]
    assert signer.status is Status.INVALID
    assert any("message-digest" in r for r in signer.reasons)
    flipped = bytearray(token)
    flipped[-3] ^= 0x01  # inside the TSA's signature value
    check = check_timestamp(bytes(flipped), canonical, [pki.root])
    assert any("signature does not verify" in r for r in check.invalid)
    garbage = verify(_replace_token(out, tmp_path / "g.asice", b"\x30\x03\x02\x01\x00"),
                     [pki.root]).signers[0]
    assert garbage.status is Status.INVALID
    assert any("cannot be decoded" in r for r in garbage.reasons)


def test_untrusted_tsa(pki: Pki, convention_xml: Path, tmp_path: Path) -> None:
    out = _sign_bt(tmp_path / "s.asice", convention_xml, pki, pki.stranger_tsa)
    signer = verify(out, [pki.root]).signers[0]
    assert signer.status is Status.UNTRUSTED
    assert any("TSA certificate" in r and "does not chain" in r for r in signer.reasons)
    assert signer.checked_at != TIMESTAMPED_AT  # an untrusted time is not used
    trusted = verify(out, [pki.root], tsa_trust=[pki.other_root]).signers[0]
    assert trusted.status is Status.VALID, trusted.reasons


def test_tsa_certificate_without_time_stamping_usage(pki: Pki, convention_xml: Path,
                                                     tmp_path: Path) -> None:
    """RFC 3161 §2.3: the TSA certificate must have extendedKeyUsage timeStamping, critical."""
    impostor = LocalTsa(pki.directeur.private_key, pki.directeur.certificate,
                        pki.directeur.chain, clock=clock_at(TIMESTAMPED_AT))
    signer = verify(_sign_bt(tmp_path / "i.asice", convention_xml, pki, impostor),
                    [pki.root]).signers[0]
    assert signer.status is Status.UNTRUSTED
    assert any("timeStamping" in r for r in signer.reasons)


def test_bt_signatures_still_verify_with_xmlsec1_and_signxml(
        pki: Pki, convention_xml: Path, annex: Path, tmp_path: Path) -> None:
    out = tmp_path / "c.asice"
    sign_new(out, convention_xml, annexes=[annex], key=pki.president,
             role=SignerRole.PRESIDENT, clock=clock_at(SIGNED_AT), timestamp=pki.tsa)
    add_signature(out, key=pki.directeur, role=SignerRole.DIRECTEUR_GENERAL, trust=[pki.root],
                  clock=clock_at(SIGNED_AT), timestamp=pki.tsa)
    add_signature(out, key=pki.minister, role=SignerRole.MINISTER, trust=[pki.root],
                  clock=clock_at(SIGNED_AT), timestamp=pki.tsa)
    result = verify(out, [pki.root])
    assert result.status is Status.VALID, result.to_dict()
    assert [s.level for s in result.signers] == ["B-T", "B-T", "B-T"]
    folder = tmp_path / "root"
    refs = _unzip(out, folder)
    inter = tmp_path / "intermediate.pem"
    inter.write_bytes(pki.intermediate.public_bytes(serialization.Encoding.PEM))
    assert XMLSEC1 is not None, "xmlsec1 missing: install the Debian package xmlsec1"
    for signature, uris in refs.items():
        assert b"SignatureTimeStamp" in (folder / signature).read_bytes()
        done = _xmlsec1(folder, signature, uris, pki.root_pem, inter)
        assert done.returncode == 0, (signature, done.stderr)
        assert len(_signxml_verify(folder, signature, pki)) == len(uris) + 1


def test_http_provider_against_the_local_tsa(pki: Pki) -> None:
    message = b"<ds:SignatureValue/>"
    with serve(pki.tsa) as url:
        token = request_timestamp(HttpTimestampProvider(url, timeout=10), message)
    check = check_timestamp(token, message, [pki.root])
    assert check.valid, check
    assert check.time == TIMESTAMPED_AT
    with pytest.raises(TimestampError, match="http or https"):
        HttpTimestampProvider("file:///etc/passwd")
    with pytest.raises(TimestampError, match="TSA"):
        request_timestamp(HttpTimestampProvider("http://127.0.0.1:9/tsa", timeout=2), message)


@click.group()
def cli() -> None:
    """A test group holding ``cpas sign`` and ``cpas verify``."""


cli.add_command(sign_command)
cli.add_command(verify_command)


def test_cli_tsa_url_and_verify_report(pki: Pki, convention_xml: Path, tmp_path: Path) -> None:
    key, cert = pki.write_pem(pki.president, "bt-president")
    out = tmp_path / "cli.asice"
    runner = CliRunner()
    with serve(pki.tsa) as url:
        done = runner.invoke(cli, ["sign", str(convention_xml), "--key", str(key), "--cert",
                                   str(cert), "--role", "president", "--tsa-url", url,
                                   "-o", str(out)])
    assert done.exit_code == 0, done.output
    report = runner.invoke(cli, ["verify", str(out), "--trust", str(pki.root_pem)])
    assert "B-T" in report.output
    assert "timestamp: 2025-06-02T09:31:07+00:00" in report.output
    untrusted = runner.invoke(cli, ["verify", str(out), "--trust", str(pki.root_pem),
                                    "--tsa-trust", str(pki.other_root_pem)])
    assert untrusted.exit_code == 3
    failing = runner.invoke(cli, ["sign", str(convention_xml), "--key", str(key), "--cert",
                                  str(cert), "--role", "president", "--tsa-url",
                                  "http://127.0.0.1:9/tsa", "--tsa-timeout", "2",
                                  "-o", str(tmp_path / "no.asice")])
    assert failing.exit_code == 4  # TSA unreachable: an I/O problem, not an invalid input
    assert not (tmp_path / "no.asice").exists()


class _Redirect(http.server.BaseHTTPRequestHandler):
    """Answers every POST with a redirect to another host."""

    def do_POST(self) -> None:
        self.send_response(302)
        self.send_header("Location", "http://tsa.invalid/elsewhere")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Silent."""


def test_http_provider_refuses_a_redirect_to_another_host() -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Redirect)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        provider = HttpTimestampProvider(f"http://127.0.0.1:{server.server_address[1]}/tsa",
                                         timeout=5)
        with pytest.raises(TimestampError, match="redirect to another host refused"):
            provider.timestamp(bytes(32), "sha256")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_signing_time_after_the_timestamp_is_reported(pki: Pki, convention_xml: Path,
                                                      tmp_path: Path) -> None:
    """A signature cannot have been made after a TSA saw it (beyond 5 minutes of drift)."""
    late = sign_new(tmp_path / "late.asice", convention_xml, key=pki.president,
                    role=SignerRole.PRESIDENT, clock=clock_at(TIMESTAMPED_AT + dt.timedelta(
                        hours=1)), timestamp=pki.tsa)
    signer = verify(late, [pki.root]).signers[0]
    assert signer.status is Status.UNTRUSTED
    assert any("is after the signature timestamp" in r for r in signer.reasons)


OPENSSL = shutil.which("openssl")


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    assert OPENSSL is not None, "openssl missing: install the Debian package openssl"
    return subprocess.run([OPENSSL, *args], cwd=cwd, capture_output=True,  # noqa: S603
                          text=True, timeout=60, check=False)


def _pem(path: Path, *certs: x509.Certificate) -> Path:
    path.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs))
    return path


def test_openssl_ts_verifies_our_timestamp(pki: Pki, convention_xml: Path,
                                           tmp_path: Path) -> None:
    """``openssl ts -verify`` (an independent RFC 3161 implementation) accepts the token in a
    B-T signature for SHA-256(exc-C14N(SignatureValue)), and refuses another trust anchor."""
    token, canonical = _token(_sign_bt(tmp_path / "o.asice", convention_xml, pki))
    (tmp_path / "token.der").write_bytes(token)
    root = _pem(tmp_path / "root.pem", pki.root)
    other = _pem(tmp_path / "other.pem", pki.other_root)
    inter = _pem(tmp_path / "inter.pem", pki.intermediate)
    digest = hashlib.sha256(canonical).hexdigest()
    command = ["ts", "-verify", "-digest", digest, "-token_in", "-in", "token.der",
               "-untrusted", str(inter)]
    done = _run(*command, "-CAfile", str(root), cwd=tmp_path)
    assert done.returncode == 0 and "Verification: OK" in done.stdout, done.stderr
    assert _run(*command, "-CAfile", str(other), cwd=tmp_path).returncode != 0
    wrong = ["ts", "-verify", "-digest", hashlib.sha256(b"other").hexdigest(), "-token_in",
             "-in", "token.der", "-untrusted", str(inter), "-CAfile", str(root)]
    assert _run(*wrong, cwd=tmp_path).returncode != 0


def test_we_verify_a_token_made_by_openssl_ts(pki: Pki, tmp_path: Path) -> None:
    """``openssl ts -reply`` acting as the TSA (with the test TSA's key and certificate):
    check_timestamp accepts its token and rejects it for another message."""
    key = tmp_path / "tsa.key"
    key.write_bytes(pki.tsa.key.private_bytes(serialization.Encoding.PEM,
                                              serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()))
    cert = _pem(tmp_path / "tsa.pem", pki.tsa.certificate)
    chain = _pem(tmp_path / "chain.pem", pki.intermediate)
    (tmp_path / "serial").write_text("01\n")
    (tmp_path / "tsa.cnf").write_text(
        "[ tsa ]\ndefault_tsa = test_tsa\n[ test_tsa ]\n"
        f"serial = {tmp_path / 'serial'}\ncrypto_device = builtin\nsigner_digest = sha256\n"
        "default_policy = 2.999.3161.2\ndigests = sha256, sha384, sha512\n"
        "accuracy = secs:1\nordering = no\ntsa_name = no\ness_cert_id_chain = no\n"
        "ess_cert_id_alg = sha256\n")
    message = b"<ds:SignatureValue>...</ds:SignatureValue>"
    digest = hashlib.sha256(message).hexdigest()
    query = _run("ts", "-query", "-digest", digest, "-sha256", "-cert", "-out", "req.tsq",
                 cwd=tmp_path)
    assert query.returncode == 0, query.stderr
    reply = _run("ts", "-reply", "-config", "tsa.cnf", "-queryfile", "req.tsq", "-signer",
                 str(cert), "-inkey", str(key), "-chain", str(chain), "-token_out",
                 "-out", "token.der", cwd=tmp_path)
    assert reply.returncode == 0, reply.stderr
    token = (tmp_path / "token.der").read_bytes()
    check = check_timestamp(token, message, [pki.root])
    assert check.valid, check
    assert check.authority is not None and "Test TSA" in check.authority
    assert check_timestamp(token, message + b" ", [pki.root]).invalid
