"""Signing keys: a private key, its certificate and the intermediates, from PEM or PKCS#12.

Accepted keys (signing.md §2, §3): RSA of at least 2048 bits (PKCS#1 v1.5 with
SHA-256) and ECDSA on P-256 (SHA-256) or P-384 (SHA-384). XMLDSig wants an ECDSA
signature as raw ``r‖s``, each half padded to the curve size, not DER:
:meth:`SigningKey.sign` does that conversion.

Passwords never come from the command line in clear: :func:`read_password`
takes them from an environment variable, a file (first line) or a prompt.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Protocol

import attrs
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509 import verification

from .errors import KeyLoadError

__all__ = [
    "ECDSA_SHA256",
    "ECDSA_SHA384",
    "RSA_SHA256",
    "KeyLike",
    "PrivateKey",
    "SigningKey",
    "chain_to_anchors",
    "load_pem",
    "load_pkcs12",
    "read_password",
]

RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
ECDSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
ECDSA_SHA384 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384"

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
_CURVES: dict[str, tuple[str, hashes.HashAlgorithm, int]] = {
    "secp256r1": (ECDSA_SHA256, hashes.SHA256(), 32),
    "secp384r1": (ECDSA_SHA384, hashes.SHA384(), 48),
}


def _public_der(key: object) -> bytes:
    public = getattr(key, "public_key", None)
    if public is None:  # pragma: no cover - typed callers pass keys
        raise KeyLoadError("not a key")
    return bytes(public().public_bytes(serialization.Encoding.DER,
                                       serialization.PublicFormat.SubjectPublicKeyInfo))


class KeyLike(Protocol):
    """What the signer needs from a key: :class:`SigningKey` (file) or a token key.

    :class:`cpas.adapters.signing.pkcs11.TokenKey` signs through PKCS#11 without the
    private key ever leaving the token.
    """

    @property
    def certificate(self) -> x509.Certificate:
        """The signer's certificate."""

    @property
    def chain(self) -> tuple[x509.Certificate, ...]:
        """Intermediate certificates, leaf's issuer first (no root needed)."""

    @property
    def signature_method(self) -> str:
        """The XMLDSig SignatureMethod URI."""

    def sign(self, data: bytes) -> bytes:
        """The signature value over ``data`` in XMLDSig encoding (ECDSA: raw ``r‖s``)."""


@attrs.frozen
class SigningKey:
    """A private key with its certificate and intermediates (leaf first, no root needed)."""

    private_key: PrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()

    def __attrs_post_init__(self) -> None:
        key = self.private_key
        if isinstance(key, rsa.RSAPrivateKey):
            if key.key_size < 2048:
                raise KeyLoadError(f"RSA key of {key.key_size} bits: at least 2048 required")
        elif isinstance(key, ec.EllipticCurvePrivateKey):
            if key.curve.name not in _CURVES:
                raise KeyLoadError(f"curve {key.curve.name} not accepted (P-256 or P-384)")
        else:
            raise KeyLoadError(f"{type(key).__name__} keys are not accepted (RSA or ECDSA)")
        if _public_der(key) != _public_der(self.certificate):
            raise KeyLoadError("the certificate does not belong to the private key")

    @property
    def signature_method(self) -> str:
        """The XMLDSig SignatureMethod URI for this key."""
        key = self.private_key
        if isinstance(key, rsa.RSAPrivateKey):
            return RSA_SHA256
        return _CURVES[key.curve.name][0]

    def sign(self, data: bytes) -> bytes:
        """The signature value over ``data`` in XMLDSig encoding."""
        key = self.private_key
        if isinstance(key, rsa.RSAPrivateKey):
            return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        _, digest, size = _CURVES[key.curve.name]
        r, s = decode_dss_signature(key.sign(data, ec.ECDSA(digest)))
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def _split(key: PrivateKey, certs: Sequence[x509.Certificate], source: str) -> SigningKey:
    own = _public_der(key)
    leaves = [c for c in certs if _public_der(c) == own]
    if not leaves:
        raise KeyLoadError(f"{source}: no certificate for the private key")
    leaf = leaves[0]
    chain = tuple(c for c in certs if c is not leaf and c != leaf)
    return SigningKey(key, leaf, chain)


def _checked(key: object, source: str) -> PrivateKey:
    if isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        return key
    raise KeyLoadError(f"{source}: {type(key).__name__} keys are not accepted (RSA or ECDSA)")


def load_pem(key_path: str | os.PathLike[str], cert_path: str | os.PathLike[str] | None = None,
             *, password: bytes | None = None) -> SigningKey:
    """Load a PEM private key; certificates from ``cert_path`` and/or the key file.

    The certificate whose public key matches is the signer's; the others are
    kept as intermediates, in file order.
    """
    data = Path(key_path).read_bytes()
    source = os.fspath(key_path)
    try:
        key = serialization.load_pem_private_key(data, password=password)
    except TypeError as exc:
        raise KeyLoadError(f"{source}: {exc} (give a password)") from None
    except ValueError:
        raise KeyLoadError(f"{source}: not a PEM private key, or wrong password") from None
    certs: list[x509.Certificate] = []
    for path in (cert_path, key_path):
        if path is None:
            continue
        blob = Path(path).read_bytes()
        if b"-----BEGIN CERTIFICATE-----" in blob:
            certs.extend(x509.load_pem_x509_certificates(blob))
    return _split(_checked(key, source), certs, source)


def load_pkcs12(path: str | os.PathLike[str], *, password: bytes | None) -> SigningKey:
    """Load a PKCS#12 (.p12/.pfx) file holding the key, its certificate and intermediates."""
    source = os.fspath(path)
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(Path(path).read_bytes(), password)
    except ValueError:
        raise KeyLoadError(f"{source}: not a PKCS#12 file, or wrong password") from None
    if key is None:
        raise KeyLoadError(f"{source}: no private key inside")
    certs = ([cert] if cert is not None else []) + list(extra)
    return _split(_checked(key, source), certs, source)


def read_password(*, env: str | None = None, file: str | os.PathLike[str] | None = None,
                  prompt: Callable[[], str] | None = None) -> bytes | None:
    """A password from the environment variable ``env``, the first line of ``file``, or ``prompt``.

    Returns None when no source is given (an unencrypted key).
    """
    if env is not None:
        value = os.environ.get(env)
        if value is None:
            raise KeyLoadError(f"environment variable {env} is not set")
        return value.encode("utf-8")
    if file is not None:
        lines = Path(file).read_text(encoding="utf-8").splitlines()
        return (lines[0] if lines else "").encode("utf-8")
    if prompt is not None:
        return prompt().encode("utf-8")
    return None


def chain_to_anchors(leaf: x509.Certificate, intermediates: Iterable[x509.Certificate],
                     trust: Iterable[x509.Certificate], when: dt.datetime,
                     ) -> list[x509.Certificate]:
    """The path from ``leaf`` through ``intermediates`` to one of the ``trust`` anchors
    at ``when`` (RFC 5280 path validation by cryptography; key usages are checked by the
    callers, hence the permissive end-entity policy). Raises
    ``cryptography.x509.verification.VerificationError`` when there is none."""
    builder = (verification.PolicyBuilder()
               .store(verification.Store(list(trust)))
               .time(when)
               .extension_policies(ee_policy=verification.ExtensionPolicy.permit_all(),
                                   ca_policy=verification.ExtensionPolicy.webpki_defaults_ca()))
    return list(builder.build_client_verifier().verify(leaf, list(intermediates)).chain)
