"""RFC 3161 signature timestamps for XAdES baseline B-T (ETSI EN 319 132-1 §5.3, signing.md §2).

A B-T signature carries, in ``UnsignedSignatureProperties/SignatureTimeStamp``,
a time-stamp token over exc-C14N(``ds:SignatureValue``): proof from a time-stamping
authority (TSA) that the signature existed at the token's ``genTime``. That time,
not the signer's own ``SigningTime`` claim, is then used to check the signer's
certificate chain.

* :class:`TimestampProvider` is the hook the signer calls; :class:`HttpTimestampProvider`
  asks a real TSA over HTTP(S) (``application/timestamp-query``, RFC 3161 §3.4);
  :class:`~.testtsa.LocalTsa` is an in-process test TSA.
* :func:`check_timestamp` verifies a token: the CMS signature over the signed
  attributes, the ``message-digest`` of the ``TSTInfo``, the ESS signing-certificate
  binding, the message imprint against the timestamped bytes, the TSA certificate's
  extended key usage (``timeStamping`` only, critical: RFC 3161 §2.3) and its chain
  to the trust anchors given, at ``genTime``.

ASN.1 is read and written with asn1crypto; signatures are checked with cryptography.
Revocation of the TSA certificate is checked only against CRLs given (no OCSP).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import attrs
from asn1crypto import cms, tsp
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509 import verification
from cryptography.x509.oid import ExtendedKeyUsageOID

from ...sdk.privacy import mask_niss_in
from .errors import TimestampError, TsaUnreachable
from .keys import chain_to_anchors

__all__ = [
    "HASHES",
    "HttpTimestampProvider",
    "TimestampCheck",
    "TimestampProvider",
    "check_timestamp",
    "request_timestamp",
    "url_for_messages",
]

HASHES: dict[str, Callable[[bytes], Any]] = {
    "sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha512": hashlib.sha512}
"""Message-imprint and CMS digest algorithms accepted (asn1crypto names)."""
_CRYPTO_HASHES: dict[str, hashes.HashAlgorithm] = {
    "sha256": hashes.SHA256(), "sha384": hashes.SHA384(), "sha512": hashes.SHA512()}
_MAX_REPLY = 1024 * 1024


class TimestampProvider(Protocol):
    """Something that returns an RFC 3161 time-stamp token for a digest."""

    def timestamp(self, digest: bytes, algorithm: str) -> bytes:
        """The DER ``TimeStampToken`` (a CMS ``ContentInfo``) over ``digest``.

        ``algorithm`` names the hash that produced ``digest`` (``"sha256"``).
        """


def request_timestamp(provider: TimestampProvider, message: bytes) -> bytes:
    """Ask ``provider`` for a token over SHA-256(``message``) and check its imprint."""
    digest = hashlib.sha256(message).digest()
    token = provider.timestamp(digest, "sha256")
    try:
        info = _tst_info(_content_info(token))
        algorithm = info["message_imprint"]["hash_algorithm"]["algorithm"].native
        imprint = bytes(info["message_imprint"]["hashed_message"].native)
    except (ValueError, TypeError, KeyError) as exc:
        raise TimestampError(f"the TSA returned a token that cannot be decoded: {exc}") from None
    if algorithm != "sha256" or imprint != digest:
        raise TimestampError("the TSA returned a token for another message imprint")
    return token


# --------------------------------------------------------------------------- HTTP provider


def url_for_messages(url: str) -> str:
    """``url`` without its userinfo (``user:password@``), safe to put in a message."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return "<unparsable URL>"
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urllib.parse.urlunsplit((parts.scheme, f"***@{host}", parts.path, parts.query,
                                    parts.fragment))


def _name(value: x509.Name) -> str:
    """RFC 4514 form of a TSA certificate name, any NISS masked."""
    return mask_niss_in(value.rfc4514_string())


class _SameOrigin(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to the same scheme, host and port."""

    def __init__(self, origin: tuple[str, str]) -> None:
        self.origin = origin

    def redirect_request(self, req: urllib.request.Request, fp: Any, code: int, msg: str,
                         headers: Any, newurl: str) -> urllib.request.Request | None:
        target = urllib.parse.urlsplit(newurl)
        if (target.scheme, target.netloc) != self.origin:
            raise urllib.error.HTTPError(newurl, code, "redirect to another host refused",
                                         headers, fp)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


@attrs.frozen
class HttpTimestampProvider:
    """A TSA reached over HTTP(S) (RFC 3161 §3.4): POST ``application/timestamp-query``.

    Each request carries a random nonce and asks for the TSA certificate
    (``certReq``); the reply must be ``granted``, echo the nonce and the imprint.
    Redirects are followed only within the same scheme, host and port.
    """

    url: str
    timeout: float = 30.0
    policy: str | None = None
    """Requested TSA policy OID, or None for the TSA's default."""

    def __attrs_post_init__(self) -> None:
        if urllib.parse.urlsplit(self.url).scheme not in ("http", "https"):
            raise TimestampError(f"TSA URL must be http or https: {self.shown_url!r}")

    @property
    def shown_url(self) -> str:
        """The URL for messages: without ``user:password@``."""
        return url_for_messages(self.url)

    def timestamp(self, digest: bytes, algorithm: str) -> bytes:
        nonce = int.from_bytes(os.urandom(8), "big")
        fields: dict[str, Any] = {
            "version": "v1",
            "message_imprint": {"hash_algorithm": {"algorithm": algorithm},
                                "hashed_message": digest},
            "nonce": nonce, "cert_req": True}
        if self.policy is not None:
            fields["req_policy"] = self.policy
        body = tsp.TimeStampReq(fields).dump()
        parts = urllib.parse.urlsplit(self.url)
        opener = urllib.request.build_opener(_SameOrigin((parts.scheme, parts.netloc)))
        request = urllib.request.Request(  # noqa: S310 - scheme checked in __attrs_post_init__
            self.url, data=body, method="POST",
            headers={"Content-Type": "application/timestamp-query",
                     "Accept": "application/timestamp-reply"})
        try:
            with opener.open(request, timeout=self.timeout) as response:
                reply = response.read(_MAX_REPLY + 1)
        except urllib.error.HTTPError as exc:  # the TSA answered, with an error
            shown = str(exc).replace(self.url, self.shown_url)
            raise TimestampError(f"TSA {self.shown_url}: {shown}") from None
        except (urllib.error.URLError, OSError) as exc:  # no answer: network, time-out
            shown = str(exc).replace(self.url, self.shown_url)
            raise TsaUnreachable(f"TSA {self.shown_url} cannot be reached: {shown}") from None
        if len(reply) > _MAX_REPLY:
            raise TimestampError(f"TSA {self.shown_url}: reply larger than {_MAX_REPLY} bytes")
        try:
            response_value = tsp.TimeStampResp.load(reply)
            status = response_value["status"]["status"].native
            if status not in ("granted", "granted_with_mods"):
                text = response_value["status"]["status_string"].native
                raise TimestampError(
                    f"TSA {self.shown_url} refused the request: {status} {text or ''}")
            token = response_value["time_stamp_token"]
            echoed = _tst_info(token)["nonce"].native
        except (ValueError, TypeError, KeyError) as exc:
            raise TimestampError(
                f"TSA {self.shown_url}: reply cannot be decoded: {exc}") from None
        if echoed != nonce:
            raise TimestampError(f"TSA {self.shown_url}: the reply does not echo our nonce")
        return bytes(token.dump())


# --------------------------------------------------------------------------- verification


@attrs.frozen
class TimestampCheck:
    """What :func:`check_timestamp` found."""

    time: dt.datetime | None
    """``genTime`` (UTC) when the token could be decoded."""
    authority: str | None
    """Subject of the TSA certificate (RFC 4514)."""
    invalid: tuple[str, ...] = ()
    """The token is broken, tampered or over another message."""
    untrusted: tuple[str, ...] = ()
    """The token is intact but its TSA is not trusted."""

    @property
    def valid(self) -> bool:
        return not self.invalid and not self.untrusted


def _content_info(token: bytes) -> Any:
    info = cms.ContentInfo.load(token, strict=True)
    if info["content_type"].native != "signed_data":
        raise ValueError("not a CMS SignedData")
    return info


def _tst_info(info: Any) -> Any:
    encap = info["content"]["encap_content_info"]
    if encap["content_type"].native != "tst_info":
        raise ValueError("the SignedData does not hold a TSTInfo")
    return encap["content"].parsed


def _attribute(signed_attrs: Any, name: str) -> Any:
    found = [a for a in signed_attrs if a["type"].native == name]
    if len(found) != 1 or len(found[0]["values"]) != 1:
        return None
    return found[0]["values"][0]


def _signer_certificate(signed_data: Any, signer: Any) -> tuple[Any, list[Any]]:
    """The asn1crypto certificate named by ``signer['sid']`` and all certificates."""
    certs = [c.chosen for c in signed_data["certificates"] or []
             if c.name == "certificate"]
    sid = signer["sid"]
    if sid.name == "issuer_and_serial_number":
        issuer = sid.chosen["issuer"]
        serial = sid.chosen["serial_number"].native
        match = [c for c in certs if c.issuer == issuer and c.serial_number == serial]
    else:
        key_id = sid.chosen.native
        match = [c for c in certs if c.key_identifier == key_id]
    return (match[0] if match else None), certs


def _check_cms_signature(cert: x509.Certificate, signature: bytes, signed: bytes,
                         algorithm: str, digest: str) -> bool:
    key = cert.public_key()
    chosen = _CRYPTO_HASHES[digest]
    try:
        if isinstance(key, rsa.RSAPublicKey) and algorithm in (
                "rsassa_pkcs1v15", f"{digest}_rsa"):
            key.verify(signature, signed, padding.PKCS1v15(), chosen)
            return True
        if isinstance(key, ec.EllipticCurvePublicKey) and algorithm in (
                "ecdsa", f"{digest}_ecdsa"):
            key.verify(signature, signed, ec.ECDSA(chosen))
            return True
    except InvalidSignature:
        return False
    return False


def _tsa_reasons(leaf: x509.Certificate, others: Sequence[x509.Certificate],
                 trust: Sequence[x509.Certificate], when: dt.datetime,
                 crls: Sequence[x509.CertificateRevocationList]) -> list[str]:
    reasons: list[str] = []
    try:
        eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
        if list(eku.value) != [ExtendedKeyUsageOID.TIME_STAMPING] or not eku.critical:
            reasons.append("the TSA certificate's extended key usage must be timeStamping "
                           "only, marked critical (RFC 3161 §2.3)")
    except x509.ExtensionNotFound:
        reasons.append("the TSA certificate has no extended key usage timeStamping")
    if not trust:
        return [*reasons, "no trust anchor was given for the TSA"]
    try:
        chain = chain_to_anchors(leaf, others, trust, when)
    except verification.VerificationError as exc:
        reasons.append(f"the TSA certificate {_name(leaf.subject)} does not chain "
                       f"to the given trust anchors at {when.isoformat()}: {exc}")
        return reasons
    if crls:
        from .verify import revocation_reasons

        reasons.extend(revocation_reasons(chain, crls, when))
    return reasons


def _ess_names(der: bytes, ess_v2: Any, ess_v1: Any) -> bool:
    """Whether the ESS signing-certificate attribute (v2, else v1) names the TSA
    certificate ``der`` in its first entry (RFC 5816 / RFC 2634 §5.4). A missing, empty
    or undecodable attribute (crafted token) names nothing."""
    try:
        if ess_v2 is not None:
            certs = ess_v2["certs"]
            if len(certs) == 0:
                return False
            first = certs[0]
            name = first["hash_algorithm"]["algorithm"].native
            return bool(name in HASHES and HASHES[name](der).digest() == bytes(
                first["cert_hash"].native))
        if ess_v1 is not None:
            certs = ess_v1["certs"]
            if len(certs) == 0:
                return False
            return hashlib.sha1(der).digest() == bytes(  # noqa: S324 - ESS v1 is SHA-1
                certs[0]["cert_hash"].native)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):
        return False
    return False


def check_timestamp(token: bytes, message: bytes, trust: Sequence[x509.Certificate], *,
                    crls: Sequence[x509.CertificateRevocationList] = ()) -> TimestampCheck:
    """Verify the RFC 3161 ``token`` over ``message`` (the timestamped bytes) against ``trust``.

    With ``crls`` the TSA's chain is also checked for revocation at ``genTime``
    (same rules as the signer's chain: :func:`~.verify.revocation_reasons`). A token
    whose parts cannot be decoded (asn1crypto decodes lazily, so this can happen at any
    step) is reported as invalid, never raised.
    """
    try:
        return _check_timestamp(token, message, trust, crls)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError) as exc:
        return TimestampCheck(None, None, (f"the timestamp token cannot be decoded: {exc}",))


def _check_timestamp(token: bytes, message: bytes, trust: Sequence[x509.Certificate],
                     crls: Sequence[x509.CertificateRevocationList]) -> TimestampCheck:
    try:
        info = _content_info(token)
        signed_data = info["content"]
        tst = _tst_info(info)
        econtent = bytes(signed_data["encap_content_info"]["content"].contents)
        imprint_algorithm = tst["message_imprint"]["hash_algorithm"]["algorithm"].native
        imprint = bytes(tst["message_imprint"]["hashed_message"].native)
        when = tst["gen_time"].native
        signers = list(signed_data["signer_infos"])
        if len(signers) != 1:
            raise ValueError(f"{len(signers)} SignerInfos (exactly one expected)")
        signer = signers[0]
        digest_name = signer["digest_algorithm"]["algorithm"].native
        signature_algorithm = signer["signature_algorithm"].signature_algo
        signature = bytes(signer["signature"].native)
        signed_attrs = signer["signed_attrs"]
        if not signed_attrs:
            raise ValueError("the SignerInfo has no signed attributes")
        raw_attrs = signed_attrs.dump()
        content_type = _attribute(signed_attrs, "content_type")
        message_digest = _attribute(signed_attrs, "message_digest")
        ess_v2 = _attribute(signed_attrs, "signing_certificate_v2")
        ess_v1 = _attribute(signed_attrs, "signing_certificate")
        cert_value, all_certs = _signer_certificate(signed_data, signer)
        leaf = x509.load_der_x509_certificate(cert_value.dump()) if cert_value else None
        others = [x509.load_der_x509_certificate(c.dump()) for c in all_certs
                  if c is not cert_value]
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        return TimestampCheck(None, None, (f"the timestamp token cannot be decoded: {exc}",))
    if not isinstance(when, dt.datetime):
        return TimestampCheck(None, None, ("the timestamp token has no genTime",))
    when = when.astimezone(dt.UTC)
    authority = _name(leaf.subject) if leaf is not None else None
    invalid: list[str] = []
    if imprint_algorithm not in HASHES or HASHES[imprint_algorithm](message).digest() != imprint:
        invalid.append("the timestamp is over another message (imprint does not match the "
                       "signature value)")
    if digest_name not in HASHES:
        invalid.append(f"timestamp digest algorithm {digest_name!r} not accepted")
    elif content_type is None or content_type.native != "tst_info":
        invalid.append("the timestamp's signed content-type attribute is not TSTInfo")
    elif message_digest is None or bytes(message_digest.native) != \
            HASHES[digest_name](econtent).digest():
        invalid.append("the timestamp's message-digest attribute does not match its TSTInfo "
                       "(token tampered)")
    if leaf is None:
        invalid.append("the timestamp token does not include its TSA certificate")
    elif digest_name in HASHES:
        der = leaf.public_bytes(serialization.Encoding.DER)
        bound = _ess_names(der, ess_v2, ess_v1)
        if not bound:
            invalid.append("the timestamp's ESS signing-certificate does not name the TSA "
                           "certificate")
        # The signature is over the DER of the signed attributes as a SET OF (tag 0x31),
        # not with the [0] IMPLICIT tag they carry inside the SignerInfo (RFC 5652 §5.4).
        if not _check_cms_signature(leaf, signature, b"\x31" + raw_attrs[1:],
                                    signature_algorithm, digest_name):
            invalid.append("the timestamp's signature does not verify with the TSA "
                           "certificate (token tampered)")
    if invalid or leaf is None:
        return TimestampCheck(when, authority, tuple(invalid))
    return TimestampCheck(when, authority, (),
                          tuple(_tsa_reasons(leaf, others, trust, when, crls)))
