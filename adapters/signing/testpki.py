"""A throw-away test PKI: for demos and tests only, NEVER for real signatures.

Every certificate carries the organisation name "cpas-sdk THROW-AWAY TEST PKI", so
nobody mistakes a demo signature for a real one. Keys are generated on the spot
and live only as long as the folder they are written to.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import attrs
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ..files import write_atomically
from .keys import PrivateKey, SigningKey

__all__ = ["LABEL", "DemoPki", "certificate", "demo_pki", "name", "rsa_key", "tsa_certificate"]

LABEL = "cpas-sdk THROW-AWAY TEST PKI"
_START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
_END = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)


def name(common: str) -> x509.Name:
    """A subject name in the test PKI's organisation."""
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "BE"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, LABEL),
                      x509.NameAttribute(NameOID.COMMON_NAME, common)])


def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def certificate(subject: str, key: PrivateKey, issuer: x509.Certificate | None,
                issuer_key: PrivateKey, *, ca: bool, start: dt.datetime = _START,
                end: dt.datetime = _END) -> x509.Certificate:
    """A CA certificate (``ca=True``) or a signer's certificate with non-repudiation and
    digital-signature key usage; self-signed when ``issuer`` is None."""
    public = key.public_key()
    builder = (x509.CertificateBuilder()
               .subject_name(name(subject))
               .issuer_name(issuer.subject if issuer is not None else name(subject))
               .public_key(public)
               .serial_number(x509.random_serial_number())
               .not_valid_before(start)
               .not_valid_after(end)
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                   issuer_key.public_key()), critical=False))
    usage = x509.KeyUsage(digital_signature=not ca, content_commitment=not ca,
                          key_encipherment=False, data_encipherment=False, key_agreement=False,
                          key_cert_sign=ca, crl_sign=ca, encipher_only=False,
                          decipher_only=False)
    return builder.add_extension(usage, critical=True).sign(issuer_key, hashes.SHA256())


def tsa_certificate(subject: str, key: PrivateKey, issuer: x509.Certificate,
                    issuer_key: PrivateKey, *, start: dt.datetime = _START,
                    end: dt.datetime = _END) -> x509.Certificate:
    """A time-stamping authority's certificate: extended key usage timeStamping only,
    critical (RFC 3161 §2.3), key usage digitalSignature and nonRepudiation."""
    public = key.public_key()
    usage = x509.KeyUsage(digital_signature=True, content_commitment=True,
                          key_encipherment=False, data_encipherment=False, key_agreement=False,
                          key_cert_sign=False, crl_sign=False, encipher_only=False,
                          decipher_only=False)
    return (x509.CertificateBuilder()
            .subject_name(name(subject))
            .issuer_name(issuer.subject)
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                issuer_key.public_key()), critical=False)
            .add_extension(usage, critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]),
                           critical=True)
            .sign(issuer_key, hashes.SHA256()))


@attrs.frozen
class DemoPki:
    """Root and intermediate CA plus one signer per role of a subsidy convention."""

    root_pem: Path
    president: SigningKey
    directeur: SigningKey
    minister: SigningKey


def demo_pki(folder: Path) -> DemoPki:
    """Generate the demo PKI; write the trust anchor (``root.pem``) into ``folder``."""
    root_key = ec.generate_private_key(ec.SECP384R1())
    root = certificate("Test Root CA", root_key, None, root_key, ca=True)
    inter_key = rsa_key()
    inter = certificate("Test Intermediate CA", inter_key, root, root_key, ca=True)

    def signer(common: str, key: PrivateKey) -> SigningKey:
        return SigningKey(key, certificate(common, key, inter, inter_key, ca=False), (inter,))

    anchor = write_atomically(folder / "root.pem", root.public_bytes(serialization.Encoding.PEM))
    return DemoPki(root_pem=anchor,
                   president=signer("Président (test)", rsa_key()),
                   directeur=signer("Directeur général (test)", rsa_key()),
                   minister=signer("Ministre (test)", ec.generate_private_key(ec.SECP256R1())))
