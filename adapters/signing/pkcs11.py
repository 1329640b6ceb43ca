"""Signing with a PKCS#11 token (Belgian eID middleware, HSM, SoftHSM2) through python-pkcs11.

:func:`load_token_key` finds the signer's certificate (on the token, or in a PEM
file given beside) without logging in, and returns a :class:`TokenKey`. Each call
to :meth:`TokenKey.sign` then opens a session, logs in with a PIN read from its
:data:`PinSource` at that moment, signs and closes the session in ``finally``;
the private key never leaves the token. A key flagged ``CKA_ALWAYS_AUTHENTICATE``
(the eID non-repudiation key) gets its own context-specific login for the
signature. PINs are never cached by this module, never logged and never put in
an exception message.

Mechanisms (signing.md §3): RSA uses ``CKM_RSA_PKCS`` over a SHA-256
``DigestInfo`` computed on the host; ECDSA uses ``CKM_ECDSA`` over the SHA-256
(P-256) or SHA-384 (P-384) digest computed on the host, and the token returns
the raw ``r‖s`` that XMLDSig wants. Every signature the token returns is
checked with the certificate's public key before it is used, so a key that does
not belong to the certificate is caught at once.

Needs the optional dependency ``python-pkcs11`` (extra ``token``).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from .errors import KeyLoadError, TokenError
from .keys import ECDSA_SHA256, ECDSA_SHA384, RSA_SHA256

if TYPE_CHECKING:
    import pkcs11

__all__ = [
    "MODULE_ENV",
    "PIN_ENV",
    "PinSource",
    "TokenKey",
    "load_token_key",
    "pin_source",
]

MODULE_ENV = "CPAS_PKCS11_MODULE"
"""Environment variable naming the PKCS#11 module when no path is given."""
PIN_ENV = "CPAS_PIN"
"""Environment variable the CLI reads the PIN from when no other source is given."""

PinSource = Callable[[], str]
"""Returns the user PIN when a login needs it (prompt, environment, file)."""

# DER prefix of DigestInfo{sha256, NULL} (RFC 8017 §9.2, note 1): CKM_RSA_PKCS signs
# DigestInfo || digest with PKCS#1 v1.5 padding, exactly what RSASSA-PKCS1-v1_5 does.
_SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")
_EC: dict[str, tuple[str, Callable[[bytes], Any], int]] = {
    "secp256r1": (ECDSA_SHA256, hashlib.sha256, 32),
    "secp384r1": (ECDSA_SHA384, hashlib.sha384, 48),
}


def pin_source(*, env: str | None = None, file: str | os.PathLike[str] | None = None,
               prompt: Callable[[], str] | None = None) -> PinSource:
    """A :data:`PinSource` reading the environment variable ``env``, the first line of
    ``file`` or asking ``prompt``, each time a login needs the PIN (nothing is kept)."""
    if env is not None:
        name = env

        def from_env() -> str:
            value = os.environ.get(name)
            if value is None:
                raise TokenError(f"environment variable {name} (the PIN) is not set")
            return value
        return from_env
    if file is not None:
        path = Path(file)

        def from_file() -> str:
            lines = path.read_text(encoding="utf-8").splitlines()
            return lines[0] if lines else ""
        return from_file
    if prompt is not None:
        return prompt
    raise TokenError("no PIN source: give an environment variable, a file or a prompt")


def _module() -> Any:
    try:
        import pkcs11
    except ImportError:
        raise TokenError("PKCS#11 support needs python-pkcs11: pip install "
                         "'cpas-sdk[token]'") from None
    return pkcs11


def _library(module_path: str | os.PathLike[str] | None) -> Any:
    path = module_path if module_path is not None else os.environ.get(MODULE_ENV)
    if not path:
        raise TokenError(f"no PKCS#11 module: give its path or set {MODULE_ENV}")
    if not Path(path).is_file():
        raise FileNotFoundError(2, "PKCS#11 module not found", os.fspath(path))
    p11 = _module()
    try:
        lib = p11.lib(os.fspath(path))
    except p11.exceptions.PKCS11Error as exc:
        raise TokenError(f"{os.fspath(path)}: cannot load the PKCS#11 module "
                         f"({type(exc).__name__})") from None
    return lib


def _token(lib: Any, label: str) -> pkcs11.Token:
    p11 = _module()
    try:
        token: pkcs11.Token = lib.get_token(token_label=label)
        return token
    except p11.exceptions.NoSuchToken:
        raise TokenError(f"no token labelled {label!r} in {lib.so}") from None
    except p11.exceptions.MultipleTokensReturned:
        raise TokenError(f"several tokens are labelled {label!r}") from None


def _selector(label: str | None, key_id: bytes | None) -> dict[Any, Any]:
    p11 = _module()
    if label is None and key_id is None:
        raise TokenError("select the key by label or by id")
    found: dict[Any, Any] = {}
    if label is not None:
        found[p11.Attribute.LABEL] = label
    if key_id is not None:
        found[p11.Attribute.ID] = key_id
    return found


def _describe(label: str | None, key_id: bytes | None) -> str:
    parts = ([f"label {label!r}"] if label is not None else []) + (
        [f"id {key_id.hex()}"] if key_id is not None else [])
    return " and ".join(parts)


@contextmanager
def _session(token: pkcs11.Token, pin: PinSource | None) -> Iterator[pkcs11.Session]:
    """A session (logged in when ``pin`` is given), always closed on exit."""
    p11 = _module()
    try:
        session = token.open(user_pin=pin()) if pin is not None else token.open()
    except (p11.exceptions.PinIncorrect, p11.exceptions.PinInvalid,
            p11.exceptions.PinLenRange):
        raise TokenError(f"wrong PIN for token {token.label!r}") from None
    except p11.exceptions.PinLocked:
        raise TokenError(f"the PIN of token {token.label!r} is locked") from None
    except p11.exceptions.PKCS11Error as exc:
        raise TokenError(f"cannot open a session on token {token.label!r} "
                         f"({type(exc).__name__})") from None
    try:
        yield session
    finally:
        session.close()


def _public_der(value: x509.Certificate) -> bytes:
    return value.public_key().public_bytes(serialization.Encoding.DER,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)


def _chain_for(leaf: x509.Certificate,
               pool: Sequence[x509.Certificate]) -> tuple[x509.Certificate, ...]:
    """Issuers of ``leaf`` found in ``pool`` (issuer first), without self-signed roots."""
    chain: list[x509.Certificate] = []
    current = leaf
    while len(chain) < 8:
        issuer = next((c for c in pool if c.subject == current.issuer and c != current
                       and c not in chain), None)
        if issuer is None or issuer.subject == issuer.issuer:
            break
        chain.append(issuer)
        current = issuer
    return tuple(chain)


@attrs.frozen
class TokenKey:
    """A private key on a PKCS#11 token, with its certificate and intermediates.

    Plugs into :func:`~.signer.sign_new` and :func:`~.signer.add_signature` like a
    :class:`~.keys.SigningKey`. Holds no session and no PIN between signatures.
    """

    module_path: str
    token_label: str
    key_label: str | None
    key_id: bytes | None
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    pin: PinSource = attrs.field(repr=False)

    def __attrs_post_init__(self) -> None:
        key = self.certificate.public_key()
        if isinstance(key, rsa.RSAPublicKey):
            if key.key_size < 2048:
                raise KeyLoadError(f"RSA key of {key.key_size} bits: at least 2048 required")
        elif isinstance(key, ec.EllipticCurvePublicKey):
            if key.curve.name not in _EC:
                raise KeyLoadError(f"curve {key.curve.name} not accepted (P-256 or P-384)")
        else:
            raise KeyLoadError(f"{type(key).__name__} keys are not accepted (RSA or ECDSA)")

    @property
    def signature_method(self) -> str:
        """The XMLDSig SignatureMethod URI for this key."""
        key = self.certificate.public_key()
        if isinstance(key, ec.EllipticCurvePublicKey):
            return _EC[key.curve.name][0]
        return RSA_SHA256

    def sign(self, data: bytes) -> bytes:
        """Sign ``data`` on the token (one session and one login per call)."""
        p11 = _module()
        public = self.certificate.public_key()
        what = _describe(self.key_label, self.key_id)
        if isinstance(public, ec.EllipticCurvePublicKey):
            _, hasher, size = _EC[public.curve.name]
            message, mechanism, key_type = (hasher(data).digest(), p11.Mechanism.ECDSA,
                                            p11.KeyType.EC)
        else:
            message = _SHA256_DIGEST_INFO + hashlib.sha256(data).digest()
            mechanism, key_type, size = p11.Mechanism.RSA_PKCS, p11.KeyType.RSA, 0
        token = _token(_library(self.module_path), self.token_label)
        with _session(token, self.pin) as session:
            query = _selector(self.key_label, self.key_id)
            query[p11.Attribute.CLASS] = p11.ObjectClass.PRIVATE_KEY
            keys = list(session.get_objects(query))
            if len(keys) != 1:
                raise TokenError(f"token {self.token_label!r}: {len(keys)} private keys with "
                                 f"{what} (exactly one expected)")
            key: Any = keys[0]
            if key[p11.Attribute.KEY_TYPE] != key_type:
                raise TokenError(f"token {self.token_label!r}: the key with {what} is not of "
                                 "the certificate's type")
            try:
                again = bool(key[p11.Attribute.ALWAYS_AUTHENTICATE])
            except p11.exceptions.PKCS11Error:
                again = False
            try:
                value = bytes(key.sign(message, mechanism=mechanism,
                                       pin=self.pin() if again else None))
            except (p11.exceptions.PinIncorrect, p11.exceptions.PinInvalid):
                raise TokenError(f"wrong PIN for the key with {what}") from None
            except p11.exceptions.PKCS11Error as exc:
                raise TokenError(f"token {self.token_label!r} refused to sign with the key "
                                 f"with {what} ({type(exc).__name__})") from None
        self._check(value, data, size)
        return value

    def _check(self, value: bytes, data: bytes, size: int) -> None:
        public = self.certificate.public_key()
        mismatch = TokenError(f"token {self.token_label!r}: the signature does not verify with "
                              "the certificate: the key on the token is not the certificate's")
        try:
            if isinstance(public, ec.EllipticCurvePublicKey):
                if len(value) != 2 * size:
                    raise mismatch
                digest: hashes.HashAlgorithm = (hashes.SHA256() if size == 32
                                                else hashes.SHA384())
                der = encode_dss_signature(int.from_bytes(value[:size], "big"),
                                           int.from_bytes(value[size:], "big"))
                public.verify(der, data, ec.ECDSA(digest))
            elif isinstance(public, rsa.RSAPublicKey):
                public.verify(value, data, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            raise mismatch from None


def _token_certificates(session: pkcs11.Session) -> list[tuple[x509.Certificate, str | None,
                                                               bytes | None]]:
    p11 = _module()
    found: list[tuple[x509.Certificate, str | None, bytes | None]] = []
    for obj in session.get_objects({p11.Attribute.CLASS: p11.ObjectClass.CERTIFICATE}):
        try:
            cert = x509.load_der_x509_certificate(bytes(obj[p11.Attribute.VALUE]))
        except (ValueError, p11.exceptions.PKCS11Error):
            continue
        label = _attribute(obj, p11.Attribute.LABEL)
        ident = _attribute(obj, p11.Attribute.ID)
        found.append((cert, str(label) if label is not None else None,
                      bytes(ident) if ident is not None else None))
    return found


def _attribute(obj: Any, attribute: Any) -> Any:
    p11 = _module()
    try:
        return obj[attribute]
    except p11.exceptions.PKCS11Error:
        return None


def load_token_key(
    *, token_label: str, pin: PinSource, key_label: str | None = None,
    key_id: bytes | None = None, module_path: str | os.PathLike[str] | None = None,
    cert_path: str | os.PathLike[str] | None = None,
) -> TokenKey:
    """Find the key ``key_label`` / ``key_id`` on the token ``token_label``.

    The certificate is the token's certificate object with the same id (else
    label); its intermediates are the token's other certificates that issue it.
    When ``cert_path`` (PEM: the signer's certificate first, then its
    intermediates) is given, it is used instead. ``module_path`` defaults to
    ``$CPAS_PKCS11_MODULE``. No login happens here: the PIN is read at the
    first signature.
    """
    lib = _library(module_path)
    token = _token(lib, token_label)
    what = _describe(key_label, key_id)
    with _session(token, None) as session:
        on_token = _token_certificates(session)
    if cert_path is not None:
        try:
            certs = x509.load_pem_x509_certificates(Path(cert_path).read_bytes())
        except ValueError:
            raise TokenError(f"{os.fspath(cert_path)}: no PEM certificate") from None
        leaf = certs[0]
        chain = tuple(c for c in certs[1:] if c != leaf)
        source = os.fspath(cert_path)
    else:
        matches = [c for c, label, ident in on_token
                   if (key_id is not None and ident == key_id)
                   or (key_id is None and label == key_label)]
        if len(matches) != 1:
            raise TokenError(f"token {token_label!r}: {len(matches)} certificates for the key "
                             f"with {what}; give the certificate file (--cert)")
        leaf = matches[0]
        chain = _chain_for(leaf, [c for c, _, _ in on_token])
        source = f"token {token_label!r}"
    try:
        return TokenKey(str(lib.so), token_label, key_label, key_id, leaf, chain, pin)
    except KeyLoadError as exc:
        raise TokenError(f"{source}: {exc}") from None
