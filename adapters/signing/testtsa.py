"""A throw-away RFC 3161 time-stamping authority: for demos and tests only, NEVER for real use.

:class:`LocalTsa` issues time-stamp tokens in-process with a certificate of the
test PKI (extended key usage timeStamping, critical; see
:func:`~.testpki.tsa_certificate`) and implements
:class:`~.timestamp.TimestampProvider`. :func:`serve` exposes it over HTTP on
the loopback interface, so :class:`~.timestamp.HttpTimestampProvider` and
``cpas sign --tsa-url`` can be exercised without a network.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import http.server
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import attrs
from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from .keys import PrivateKey
from .timestamp import HASHES

__all__ = ["TEST_POLICY", "LocalTsa", "serve"]

TEST_POLICY = "2.999.3161.1"
"""TSA policy OID of the test TSA (under the ITU-T/ISO example arc 2.999)."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@attrs.define
class LocalTsa:
    """An in-process TSA. ``clock`` gives ``genTime`` (injectable for tests)."""

    key: PrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()
    clock: Callable[[], dt.datetime] = _now
    serial: int = 0
    issued: int = 0

    def timestamp(self, digest: bytes, algorithm: str) -> bytes:
        """A DER ``TimeStampToken`` over ``digest`` (:class:`~.timestamp.TimestampProvider`)."""
        return self._token(digest, algorithm, None)

    def reply(self, request: bytes) -> bytes:
        """A DER ``TimeStampResp`` for a DER ``TimeStampReq`` (what :func:`serve` answers)."""
        try:
            parsed = tsp.TimeStampReq.load(request, strict=True)
            imprint = parsed["message_imprint"]
            algorithm = imprint["hash_algorithm"]["algorithm"].native
            digest = bytes(imprint["hashed_message"].native)
            nonce = parsed["nonce"].native
        except (ValueError, TypeError, KeyError):
            return bytes(tsp.TimeStampResp({"status": {"status": "rejection"}}).dump())
        if algorithm not in HASHES or len(digest) != HASHES[algorithm](b"").digest_size:
            return bytes(tsp.TimeStampResp({"status": {"status": "rejection"}}).dump())
        token = cms.ContentInfo.load(self._token(digest, algorithm, nonce))
        return bytes(tsp.TimeStampResp({"status": {"status": "granted"},
                                        "time_stamp_token": token}).dump())

    def _token(self, digest: bytes, algorithm: str, nonce: int | None) -> bytes:
        self.issued += 1
        when = self.clock().astimezone(dt.UTC).replace(microsecond=0)
        info: dict[str, Any] = {
            "version": "v1", "policy": TEST_POLICY,
            "message_imprint": {"hash_algorithm": {"algorithm": algorithm},
                                "hashed_message": digest},
            "serial_number": self.serial * 1000 + self.issued, "gen_time": when,
            "accuracy": {"seconds": 1}}
        if nonce is not None:
            info["nonce"] = nonce
        econtent = tsp.TSTInfo(info).dump()
        cert_der = self.certificate.public_bytes(serialization.Encoding.DER)
        cert = asn1_x509.Certificate.load(cert_der)
        signed_attrs = cms.CMSAttributes([
            {"type": "content_type", "values": ["tst_info"]},
            {"type": "message_digest", "values": [hashlib.sha256(econtent).digest()]},
            {"type": "signing_certificate_v2", "values": [
                {"certs": [{"cert_hash": hashlib.sha256(cert_der).digest()}]}]},
        ])
        to_sign = signed_attrs.dump()
        if isinstance(self.key, rsa.RSAPrivateKey):
            signature = self.key.sign(to_sign, padding.PKCS1v15(), hashes.SHA256())
            signature_algorithm = "sha256_rsa"
        elif isinstance(self.key, ec.EllipticCurvePrivateKey):
            signature = self.key.sign(to_sign, ec.ECDSA(hashes.SHA256()))
            signature_algorithm = "sha256_ecdsa"
        else:  # pragma: no cover - PrivateKey is RSA or EC
            raise TypeError("RSA or EC key expected")
        signer = cms.SignerInfo({
            "version": "v1",
            "sid": cms.SignerIdentifier({"issuer_and_serial_number": {
                "issuer": cert.issuer, "serial_number": cert.serial_number}}),
            "digest_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
            "signed_attrs": signed_attrs,
            "signature_algorithm": algos.SignedDigestAlgorithm(
                {"algorithm": signature_algorithm}),
            "signature": signature,
        })
        certificates = [cert] + [asn1_x509.Certificate.load(
            c.public_bytes(serialization.Encoding.DER)) for c in self.chain]
        signed_data = cms.SignedData({
            "version": "v3",
            "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
            "encap_content_info": {"content_type": "tst_info",
                                   "content": core.ParsableOctetString(econtent)},
            "certificates": certificates,
            "signer_infos": [signer],
        })
        return bytes(cms.ContentInfo({"content_type": "signed_data",
                                      "content": signed_data}).dump())


class _Handler(http.server.BaseHTTPRequestHandler):
    tsa: LocalTsa

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if self.headers.get("Content-Type") != "application/timestamp-query" \
                or not 0 < length <= 65536:
            self.send_error(400, "expected an application/timestamp-query")
            return
        body = self.tsa.reply(self.rfile.read(length))
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: tests and demos need no access log."""


@contextmanager
def serve(tsa: LocalTsa) -> Iterator[str]:
    """Serve ``tsa`` on ``http://127.0.0.1:<free port>/tsa`` while the block runs."""
    handler = type("Handler", (_Handler,), {"tsa": tsa})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/tsa"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
