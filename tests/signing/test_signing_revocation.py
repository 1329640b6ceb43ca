"""Revocation from CRL files given to ``verify`` (RFC 5280 §6.3, simplified; signing.md §3).

Once CRLs are given, every certificate of the signer's chain below the trust
anchor needs a CRL from its issuer that is not outdated at the validation time
(fail closed), and must not be revoked at or before that time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SIGNED_AT, Pki, clock_at
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from cpas.adapters.signing.errors import SignatureRefused
from cpas.adapters.signing.keys import PrivateKey
from cpas.adapters.signing.signer import add_signature, sign_new
from cpas.adapters.signing.verify import Status, load_crls, verify
from cpas.cli.sign_cmd import verify_command
from cpas.sdk.parties import SignerRole

_LAST = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
_NEXT = dt.datetime(2029, 1, 1, tzinfo=dt.UTC)


def _crl(issuer: x509.Certificate, key: PrivateKey,
         revoked: Sequence[tuple[x509.Certificate, dt.datetime]] = (),
         last: dt.datetime = _LAST,
         next_update: dt.datetime = _NEXT) -> x509.CertificateRevocationList:
    builder = (x509.CertificateRevocationListBuilder()
               .issuer_name(issuer.subject).last_update(last).next_update(next_update))
    for cert, when in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(cert.serial_number)
            .revocation_date(when).build())
    return builder.sign(key, hashes.SHA256())


def _signed(pki: Pki, convention: Path, folder: Path, *, stamped: bool = False) -> Path:
    return sign_new(folder / ("bt.asice" if stamped else "bb.asice"), convention,
                    key=pki.president, role=SignerRole.PRESIDENT, clock=clock_at(SIGNED_AT),
                    timestamp=pki.tsa if stamped else None)


def test_not_revoked_with_both_crls(pki: Pki, convention_xml: Path, tmp_path: Path) -> None:
    crls = [_crl(pki.intermediate, pki.intermediate_key), _crl(pki.root, pki.root_key)]
    signer = verify(_signed(pki, convention_xml, tmp_path), [pki.root], crls=crls).signers[0]
    assert signer.status is Status.VALID, signer.reasons


def test_revoked_signer_is_untrusted(pki: Pki, convention_xml: Path, tmp_path: Path) -> None:
    revoked = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
    crls = [_crl(pki.intermediate, pki.intermediate_key, [(pki.president.certificate, revoked)]),
            _crl(pki.root, pki.root_key)]
    signer = verify(_signed(pki, convention_xml, tmp_path), [pki.root], crls=crls).signers[0]
    assert signer.status is Status.UNTRUSTED
    assert any("was revoked on 2025-03-01" in r for r in signer.reasons)


def test_revoked_after_the_timestamp_stays_valid(pki: Pki, convention_xml: Path,
                                                 tmp_path: Path) -> None:
    """B-T: revoked a month after the trusted timestamp time; the signature predates it."""
    later = dt.datetime(2025, 7, 1, tzinfo=dt.UTC)
    crls = [_crl(pki.intermediate, pki.intermediate_key, [(pki.president.certificate, later)]),
            _crl(pki.root, pki.root_key)]
    container = _signed(pki, convention_xml, tmp_path, stamped=True)
    assert verify(container, [pki.root], crls=crls).signers[0].status is Status.VALID
    now = verify(container, [pki.root], dt.datetime(2026, 1, 1, tzinfo=dt.UTC), crls=crls)
    assert now.signers[0].status is Status.UNTRUSTED


def test_missing_or_outdated_crl_fails_closed(pki: Pki, convention_xml: Path,
                                              tmp_path: Path) -> None:
    container = _signed(pki, convention_xml, tmp_path)
    only_leaf = verify(container, [pki.root], crls=[_crl(pki.intermediate,
                                                         pki.intermediate_key)]).signers[0]
    assert only_leaf.status is Status.UNTRUSTED
    assert any("no CRL signed by" in r and "Test Root CA" in r for r in only_leaf.reasons)
    old = [_crl(pki.intermediate, pki.intermediate_key,
                next_update=dt.datetime(2025, 2, 1, tzinfo=dt.UTC)), _crl(pki.root, pki.root_key)]
    outdated = verify(container, [pki.root], crls=old).signers[0]
    assert outdated.status is Status.UNTRUSTED
    assert any("outdated" in r for r in outdated.reasons)
    forged = [_crl(pki.intermediate, pki.president.private_key), _crl(pki.root, pki.root_key)]
    assert verify(container, [pki.root], crls=forged).signers[0].status is Status.UNTRUSTED


def test_cli_crl_option(pki: Pki, convention_xml: Path, tmp_path: Path) -> None:
    revoked = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
    inter = tmp_path / "inter.crl"
    inter.write_bytes(_crl(pki.intermediate, pki.intermediate_key,
                           [(pki.president.certificate, revoked)]).public_bytes(
        serialization.Encoding.DER))
    root = tmp_path / "root.crl.pem"
    root.write_bytes(_crl(pki.root, pki.root_key).public_bytes(serialization.Encoding.PEM))
    assert len(load_crls([inter, root])) == 2
    done = CliRunner().invoke(verify_command, [str(_signed(pki, convention_xml, tmp_path)),
                                               "--trust", str(pki.root_pem), "--crl", str(inter),
                                               "--crl", str(root)])
    assert done.exit_code == 3
    assert "revoked" in done.output


def test_revoked_tsa_certificate(pki: Pki, convention_xml: Path, tmp_path: Path) -> None:
    """The TSA's chain is checked against the CRLs at genTime too: a TSA revoked before it
    issued the token gives no trusted time (the signature falls back to now, untrusted)."""
    early = dt.datetime(2025, 1, 15, tzinfo=dt.UTC)
    crls = [_crl(pki.intermediate, pki.intermediate_key, [(pki.tsa.certificate, early)]),
            _crl(pki.root, pki.root_key)]
    container = _signed(pki, convention_xml, tmp_path, stamped=True)
    signer = verify(container, [pki.root], crls=crls).signers[0]
    assert signer.status is Status.UNTRUSTED
    assert any("signature timestamp" in r and "revoked" in r for r in signer.reasons)
    assert signer.timestamp_time is None


def test_add_signature_checks_existing_signatures_against_crls(
        pki: Pki, convention_xml: Path, tmp_path: Path) -> None:
    """Fail closed: a revoked earlier signer blocks adding a signature."""
    revoked = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
    crls = [_crl(pki.intermediate, pki.intermediate_key, [(pki.president.certificate, revoked)]),
            _crl(pki.root, pki.root_key)]
    container = _signed(pki, convention_xml, tmp_path)
    with pytest.raises(SignatureRefused, match="revoked"):
        add_signature(container, key=pki.directeur, role=SignerRole.DIRECTEUR_GENERAL,
                      trust=[pki.root], crls=crls, clock=clock_at(SIGNED_AT))
    add_signature(container, key=pki.directeur, role=SignerRole.DIRECTEUR_GENERAL,
                  trust=[pki.root], clock=clock_at(SIGNED_AT))
