"""A Belgian eID signature certificate carries the holder's NISS as ``serialNumber``
(OID 2.5.4.5) in its subject: it must never reach the output of ``cpas verify`` or
``cpas ebox verify`` in clear, neither in text nor in JSON (helper-common.md: never
print a full NISS; domain.md, NISS). The NISS here is fictitious, built with
``niss_digits`` from its definition.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from conftest import SIGNED_AT, clock_at
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from cpas.adapters.signing.ebox import Message, Recipient, pack
from cpas.adapters.signing.keys import PrivateKey, SigningKey
from cpas.adapters.signing.signer import add_signature, sign_new
from cpas.adapters.signing.testpki import LABEL, certificate, rsa_key
from cpas.cli.ebox_cmd import ebox
from cpas.cli.sign_cmd import verify_command
from cpas.sdk.parties import SignerRole
from strategies import niss_digits

NISS = niss_digits(dt.date(1985, 7, 30), 33)
"""A fictitious NISS (born 30 July 1985, sequence 033): 11 digits with its check."""
FORMATTED = f"{NISS[:2]}.{NISS[2:4]}.{NISS[4:6]}-{NISS[6:9]}.{NISS[9:]}"

_START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
_END = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)


@click.group()
def cli() -> None:
    """A test group: the lead registers the commands in cpas.cli.main."""


cli.add_command(verify_command)
cli.add_command(ebox)


def _eid_like(key: PrivateKey, issuer: x509.Certificate,
              issuer_key: PrivateKey) -> x509.Certificate:
    """A signer certificate shaped like an eID one: SERIALNUMBER=<NISS>, CN, C=BE."""
    public = key.public_key()
    subject = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "BE"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, LABEL),
                         x509.NameAttribute(NameOID.COMMON_NAME, "Jean Test (Signature)"),
                         x509.NameAttribute(NameOID.SERIAL_NUMBER, NISS)])
    usage = x509.KeyUsage(digital_signature=True, content_commitment=True,
                          key_encipherment=False, data_encipherment=False, key_agreement=False,
                          key_cert_sign=False, crl_sign=False, encipher_only=False,
                          decipher_only=False)
    return (x509.CertificateBuilder()
            .subject_name(subject).issuer_name(issuer.subject).public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(_START).not_valid_after(_END)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(usage, critical=True)
            .sign(issuer_key, hashes.SHA256()))


@pytest.fixture(scope="module")
def eid_signed(convention_xml: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path,
                                                                                        Path]:
    """(container signed by three roles, the president with an eID-like certificate,
    trust anchor PEM)."""
    folder = tmp_path_factory.mktemp("eid")
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = certificate("Test Root CA", root_key, None, root_key, ca=True)
    inter_key = rsa_key()
    inter = certificate("Test Intermediate CA", inter_key, root, root_key, ca=True)
    president_key = rsa_key()
    president = SigningKey(president_key, _eid_like(president_key, inter, inter_key), (inter,))

    def other(name: str) -> SigningKey:
        key = rsa_key()
        return SigningKey(key, certificate(name, key, inter, inter_key, ca=False), (inter,))

    anchor = folder / "root.pem"
    anchor.write_bytes(root.public_bytes(serialization.Encoding.PEM))
    container = folder / "convention.asice"
    clock = clock_at(SIGNED_AT)
    sign_new(container, convention_xml, key=president, role=SignerRole.PRESIDENT, clock=clock)
    add_signature(container, key=other("Directeur Test"), role=SignerRole.DIRECTEUR_GENERAL,
                  trust=[root], clock=clock)
    add_signature(container, key=other("Ministre Test"), role=SignerRole.MINISTER,
                  trust=[root], clock=clock)
    return container, anchor


def _assert_masked(output: str) -> None:
    assert NISS not in output
    assert FORMATTED not in output
    assert "Jean Test (Signature)" in output, output  # the subject is still shown
    assert NISS[-2:] in output  # masked form keeps the check digits


def test_verify_masks_the_niss_of_an_eid_subject(eid_signed: tuple[Path, Path]) -> None:
    container, anchor = eid_signed
    runner = CliRunner()
    for fmt in ("text", "json"):
        done = runner.invoke(cli, ["verify", str(container), "--trust", str(anchor),
                                   "--format", fmt])
        assert done.exit_code == 0, done.output
        _assert_masked(done.output)


def test_untrusted_reasons_mask_the_niss(eid_signed: tuple[Path, Path], tmp_path: Path) -> None:
    """Against another anchor the reasons quote the chain's names: masked too."""
    container, _ = eid_signed
    stranger_key = ec.generate_private_key(ec.SECP256R1())
    stranger = certificate("Stranger Root", stranger_key, None, stranger_key, ca=True)
    other = tmp_path / "other.pem"
    other.write_bytes(stranger.public_bytes(serialization.Encoding.PEM))
    for fmt in ("text", "json"):
        done = CliRunner().invoke(cli, ["verify", str(container), "--trust", str(other),
                                        "--format", fmt])
        assert done.exit_code == 3, done.output
        _assert_masked(done.output)


def test_ebox_verify_masks_the_niss_of_an_eid_subject(eid_signed: tuple[Path, Path],
                                                      tmp_path: Path) -> None:
    container, anchor = eid_signed
    from cpas.adapters.signing.verify import load_trust

    message = Message(Recipient.enterprise("0300000016"), sender="0212345668",
                      message_type_id="cpas-subsidy-convention",
                      subject="Convention de subside PAS 2025", language="fr")
    package = pack(tmp_path / "p.zip", [container], message, trust=load_trust([anchor]),
                   created_at=dt.datetime(2025, 6, 3, tzinfo=dt.UTC))
    for fmt in ("text", "json"):
        done = CliRunner().invoke(cli, ["ebox", "verify", str(package), "--trust", str(anchor),
                                        "--format", fmt])
        assert done.exit_code == 0, done.output
        _assert_masked(done.output)
