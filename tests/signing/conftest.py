"""A throw-away test PKI built with ``cryptography`` and signed sample containers.

Root CA → intermediate CA → end-entity certificates with nonRepudiation and
digitalSignature key usage: two RSA (president, directeur général), one ECDSA
P-256 (minister), one ECDSA P-384; an expired certificate; a certificate from
another CA. All keys are generated per test session and never leave tmp.
"""

from __future__ import annotations

import datetime as dt
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import attrs
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12

from cpas.adapters.signing.keys import PrivateKey, SigningKey
from cpas.adapters.signing.signer import add_signature, sign_new
from cpas.adapters.signing.testpki import certificate, rsa_key, tsa_certificate
from cpas.adapters.signing.testtsa import LocalTsa
from cpas.adapters.xml.documents import to_xml
from cpas.sdk.parties import SignerRole
from cpas.sdk.samples import sample_set

SIGNED_AT = dt.datetime(2025, 6, 2, 9, 30, tzinfo=dt.UTC)
"""The injected signing time of the sample signatures."""
EXPIRED_FROM = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
EXPIRED_UNTIL = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
"""Validity of the expired certificate (before :data:`SIGNED_AT`)."""


TIMESTAMPED_AT = dt.datetime(2025, 6, 2, 9, 31, 7, tzinfo=dt.UTC)
"""The genTime the test TSAs write (shortly after :data:`SIGNED_AT`)."""

_START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
_END = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)


@attrs.frozen
class Pki:
    """The test PKI: anchors as PEM files, signers as :class:`SigningKey`."""

    folder: Path
    root: x509.Certificate
    intermediate: x509.Certificate
    other_root: x509.Certificate
    president: SigningKey
    directeur: SigningKey
    minister: SigningKey
    p384: SigningKey
    expired: SigningKey
    stranger: SigningKey
    tsa: LocalTsa
    """The test TSA, certified by the intermediate CA (B-T signatures)."""
    stranger_tsa: LocalTsa
    """A TSA certified by the other root: not trusted by :attr:`root`."""
    root_key: PrivateKey
    intermediate_key: PrivateKey
    """CA keys, to issue CRLs in revocation tests."""

    @property
    def root_pem(self) -> Path:
        return self.folder / "root.pem"

    @property
    def other_root_pem(self) -> Path:
        return self.folder / "other-root.pem"

    def write_pem(self, key: SigningKey, name: str,
                  password: bytes | None = None) -> tuple[Path, Path]:
        """``(key file, certificate file with the chain)`` for the CLI."""
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(password) if password
            else serialization.NoEncryption())
        key_path = self.folder / f"{name}.key.pem"
        key_path.write_bytes(key.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption))
        cert_path = self.folder / f"{name}.cert.pem"
        cert_path.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM)
                                       for c in (key.certificate, *key.chain)))
        return key_path, cert_path

    def write_p12(self, key: SigningKey, name: str, password: bytes) -> Path:
        path = self.folder / f"{name}.p12"
        path.write_bytes(pkcs12.serialize_key_and_certificates(
            name.encode(), key.private_key, key.certificate, list(key.chain),
            serialization.BestAvailableEncryption(password)))
        return path


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    folder = tmp_path_factory.mktemp("pki")
    root_key = ec.generate_private_key(ec.SECP384R1())
    root = certificate("Test Root CA", root_key, None, root_key, ca=True)
    inter_key = rsa_key()
    inter = certificate("Test Intermediate CA", inter_key, root, root_key, ca=True)
    other_key = ec.generate_private_key(ec.SECP256R1())
    other = certificate("Other Root CA", other_key, None, other_key, ca=True)

    def signer(name: str, key: PrivateKey, *, issuer: x509.Certificate = inter,
               issuer_key: PrivateKey = inter_key, start: dt.datetime = _START,
               end: dt.datetime = _END) -> SigningKey:
        cert = certificate(name, key, issuer, issuer_key, ca=False, start=start, end=end)
        chain = (issuer,) if issuer is inter else ()
        return SigningKey(key, cert, chain)

    tsa_key = ec.generate_private_key(ec.SECP256R1())
    other_tsa_key = rsa_key()
    (folder / "root.pem").write_bytes(root.public_bytes(serialization.Encoding.PEM))
    (folder / "other-root.pem").write_bytes(other.public_bytes(serialization.Encoding.PEM))
    return Pki(
        folder=folder, root=root, intermediate=inter, other_root=other,
        president=signer("Président Test", rsa_key()),
        directeur=signer("Directeur général Test", rsa_key()),
        minister=signer("Ministre Test", ec.generate_private_key(ec.SECP256R1())),
        p384=signer("Signataire P-384", ec.generate_private_key(ec.SECP384R1())),
        expired=signer("Expired Signer", rsa_key(), start=EXPIRED_FROM, end=EXPIRED_UNTIL),
        stranger=signer("Stranger", rsa_key(), issuer=other, issuer_key=other_key),
        tsa=LocalTsa(tsa_key, tsa_certificate("Test TSA", tsa_key, inter, inter_key), (inter,),
                     clock=clock_at(TIMESTAMPED_AT)),
        stranger_tsa=LocalTsa(other_tsa_key, tsa_certificate("Stranger TSA", other_tsa_key,
                                                             other, other_key),
                              clock=clock_at(TIMESTAMPED_AT)),
        root_key=root_key, intermediate_key=inter_key,
    )


def rezip(source: Path, target: Path,
          change: Callable[[list[tuple[zipfile.ZipInfo, bytes]]],
                           list[tuple[zipfile.ZipInfo, bytes]]]) -> Path:
    """Copy a zip entry by entry through ``change`` (for attacks on containers)."""
    with zipfile.ZipFile(source) as old:
        entries = [(clone(info), old.read(info)) for info in old.infolist()]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about duplicate names
        with zipfile.ZipFile(target, "w") as new:
            for info, data in change(entries):
                new.writestr(info, data)
    return target


def clone(info: zipfile.ZipInfo, name: str | None = None) -> zipfile.ZipInfo:
    copy = zipfile.ZipInfo(name if name is not None else info.filename, info.date_time)
    copy.compress_type = info.compress_type
    copy.external_attr = info.external_attr
    copy.create_system = info.create_system
    return copy


def clock_at(when: dt.datetime) -> Callable[[], dt.datetime]:
    """A clock stuck at ``when`` (signing time is injectable)."""
    return lambda: when


def clock() -> dt.datetime:
    """The clock of the sample signatures."""
    return SIGNED_AT


@pytest.fixture(scope="session")
def convention_xml(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample subsidy convention, serialised once (these bytes are what is signed)."""
    path = tmp_path_factory.mktemp("docs") / "convention.xml"
    path.write_bytes(to_xml(sample_set().subsidy))
    return path


@pytest.fixture(scope="session")
def annex(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("annexes") / "budget.csv"
    path.write_bytes(b"poste;montant\npersonnel;12000.00\n")
    return path


@pytest.fixture(scope="session")
def signed_convention(pki: Pki, convention_xml: Path, annex: Path,
                      tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A convention with an annex signed by president (RSA), DG (RSA), then minister (ECDSA)."""
    path = tmp_path_factory.mktemp("asice") / "convention.asice"
    clock = clock_at(SIGNED_AT)
    sign_new(path, convention_xml, annexes=[annex], key=pki.president,
             role=SignerRole.PRESIDENT, clock=clock)
    add_signature(path, key=pki.directeur, role=SignerRole.DIRECTEUR_GENERAL,
                  trust=[pki.root], clock=clock)
    add_signature(path, key=pki.minister, role=SignerRole.MINISTER, trust=[pki.root],
                  clock=clock)
    return path
