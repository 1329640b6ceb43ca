"""Signing through a PKCS#11 token: SoftHSM2 stands in for the eID card or an HSM.

The fixture builds a SoftHSM2 token in a temporary folder exactly as signing.md §6
shows (``softhsm2-util --init-token`` then ``--import key.p8.pem``) and imports
an RSA, an EC P-256 and an EC P-384 key of the test PKI. softhsm2 is a CI
requirement (Debian package ``softhsm2``): when ``softhsm2-util`` or the module is
missing these tests FAIL, they are not skipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import attrs
import click
import pytest
from click.testing import CliRunner
from conftest import SIGNED_AT, Pki, clock_at
from cryptography.hazmat.primitives import serialization
from test_signing_interop import XMLSEC1, _signxml_verify, _unzip, _xmlsec1

from cpas.adapters.signing.errors import TokenError
from cpas.adapters.signing.keys import ECDSA_SHA256, ECDSA_SHA384, RSA_SHA256, SigningKey
from cpas.adapters.signing.pkcs11 import TokenKey, load_token_key, pin_source
from cpas.adapters.signing.signer import add_signature, sign_new
from cpas.adapters.signing.verify import Status, verify
from cpas.adapters.signing.xades import parse_signature
from cpas.cli.sign_cmd import sign_command
from cpas.sdk.parties import SignerRole

MODULE = os.environ.get("CPAS_TEST_SOFTHSM_MODULE",
                        "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so")
"""The Debian SoftHSM2 PKCS#11 module (signing.md §6)."""
PIN = "4711"
SO_PIN = "12345678"


@attrs.frozen
class SoftToken:
    label: str
    module: str
    folder: Path


def _util(*args: str, env: dict[str, str]) -> None:
    util = shutil.which("softhsm2-util")
    assert util is not None, "softhsm2-util missing: install the Debian package softhsm2"
    done = subprocess.run([util, *args], env=env, capture_output=True, text=True,  # noqa: S603
                          timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def _store_certificate(label: str, key_label: str, key_id: bytes, key: SigningKey) -> None:
    """Put the signer's certificate and its intermediate on the token (like an eID card)."""
    import pkcs11

    token = pkcs11.lib(MODULE).get_token(token_label=label)
    with token.open(rw=True, user_pin=PIN) as session:
        for index, cert in enumerate((key.certificate, *key.chain)):
            session.create_object({
                pkcs11.Attribute.CLASS: pkcs11.ObjectClass.CERTIFICATE,
                pkcs11.Attribute.CERTIFICATE_TYPE: pkcs11.CertificateType.X_509,
                pkcs11.Attribute.TOKEN: True,
                pkcs11.Attribute.PRIVATE: False,
                pkcs11.Attribute.LABEL: key_label if index == 0 else f"CA {index}",
                pkcs11.Attribute.ID: key_id if index == 0 else bytes([0xC0 + index]),
                pkcs11.Attribute.SUBJECT: cert.subject.public_bytes(),
                pkcs11.Attribute.VALUE: cert.public_bytes(serialization.Encoding.DER),
            })


@pytest.fixture(scope="module")
def softhsm(pki: Pki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SoftToken]:
    assert Path(MODULE).is_file(), f"{MODULE} missing: install the Debian package softhsm2"
    folder = tmp_path_factory.mktemp("softhsm")
    (folder / "tokens").mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\n"
                    "log.level = ERROR\n")
    env = {**os.environ, "SOFTHSM2_CONF": str(conf)}
    label = "cpas-test"
    _util("--init-token", "--free", "--label", label, "--so-pin", SO_PIN, "--pin", PIN, env=env)
    for key, name, ident in ((pki.president, "president", "01"), (pki.minister, "minister", "02"),
                             (pki.p384, "p384", "03")):
        key_file, _ = pki.write_pem(key, f"token-{name}")
        _util("--import", str(key_file), "--token", label, "--label", name, "--id", ident,
              "--pin", PIN, env=env)
        key_file.unlink()
    previous = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    try:
        _store_certificate(label, "minister", b"\x02", pki.minister)
        yield SoftToken(label, MODULE, folder)
    finally:
        if previous is None:
            os.environ.pop("SOFTHSM2_CONF", None)
        else:
            os.environ["SOFTHSM2_CONF"] = previous


def _chain_pem(pki: Pki, key: SigningKey, name: str) -> Path:
    return pki.write_pem(key, name)[1]


def _token_key(softhsm: SoftToken, pki: Pki, name: str, ident: bytes,
               key: SigningKey | None = None, pin: str = PIN) -> TokenKey:
    return load_token_key(
        module_path=softhsm.module, token_label=softhsm.label, key_label=name, key_id=ident,
        cert_path=_chain_pem(pki, key, f"chain-{name}") if key is not None else None,
        pin=lambda: pin)


def test_token_keys_sign_a_convention(softhsm: SoftToken, pki: Pki, convention_xml: Path,
                                      annex: Path, tmp_path: Path) -> None:
    """President (RSA on the token, chain from a PEM file), DG (PEM file), then the minister
    (EC P-256 on the token, certificate and intermediate read from the token)."""
    president = _token_key(softhsm, pki, "president", b"\x01", pki.president)
    minister = _token_key(softhsm, pki, "minister", b"\x02")
    assert president.signature_method == RSA_SHA256
    assert minister.signature_method == ECDSA_SHA256
    assert minister.certificate == pki.minister.certificate
    assert minister.chain == (pki.intermediate,)
    out = tmp_path / "c.asice"
    clock = clock_at(SIGNED_AT)
    sign_new(out, convention_xml, annexes=[annex], key=president, role=SignerRole.PRESIDENT,
             clock=clock)
    add_signature(out, key=pki.directeur, role=SignerRole.DIRECTEUR_GENERAL, trust=[pki.root],
                  clock=clock)
    add_signature(out, key=minister, role=SignerRole.MINISTER, trust=[pki.root], clock=clock)
    result = verify(out, [pki.root])
    assert result.status is Status.VALID, result.to_dict()
    assert result.roles_missing == ()
    subjects = [s.subject or "" for s in result.signers]
    assert "Président Test" in subjects[0] and "Ministre Test" in subjects[2]

    folder = tmp_path / "root"
    refs = _unzip(out, folder)
    inter = tmp_path / "intermediate.pem"
    inter.write_bytes(pki.intermediate.public_bytes(serialization.Encoding.PEM))
    assert XMLSEC1 is not None, "xmlsec1 missing: install the Debian package xmlsec1"
    for signature, uris in refs.items():
        done = _xmlsec1(folder, signature, uris, pki.root_pem, inter)
        assert done.returncode == 0, (signature, done.stderr)
        assert len(_signxml_verify(folder, signature, pki)) == len(uris) + 1


def test_p384_token_key_uses_sha384(softhsm: SoftToken, pki: Pki, tmp_path: Path) -> None:
    """EC P-384 (newer eID cards): ecdsa-sha384, raw r||s of 2 × 48 bytes."""
    key = _token_key(softhsm, pki, "p384", b"\x03", pki.p384)
    assert key.signature_method == ECDSA_SHA384
    value = key.sign(b"<SignedInfo/>")
    assert len(value) == 96
    with pytest.raises(TokenError, match="not the certificate's"):
        _token_key(softhsm, pki, "minister", b"\x02", pki.p384).sign(b"x")


def test_wrong_pin_is_a_clear_error_without_the_pin(softhsm: SoftToken, pki: Pki) -> None:
    key = _token_key(softhsm, pki, "president", b"\x01", pki.president, pin="98765")
    with pytest.raises(TokenError, match="wrong PIN") as caught:
        key.sign(b"data")
    assert "98765" not in str(caught.value)
    assert "98765" not in repr(key)


def test_unknown_token_and_key(softhsm: SoftToken, pki: Pki) -> None:
    with pytest.raises(TokenError, match="no token labelled"):
        load_token_key(module_path=softhsm.module, token_label="nope", key_label="president",
                       pin=lambda: PIN)
    with pytest.raises(TokenError, match="0 certificates"):
        load_token_key(module_path=softhsm.module, token_label=softhsm.label,
                       key_label="president", pin=lambda: PIN)
    missing = _token_key(softhsm, pki, "ghost", b"\x09", pki.president)
    with pytest.raises(TokenError, match="0 private keys"):
        missing.sign(b"data")


def test_pin_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CPAS_TEST_PIN", "1111")
    assert pin_source(env="CPAS_TEST_PIN")() == "1111"
    file = tmp_path / "pin"
    file.write_text("2222\nignored\n")
    assert pin_source(file=file)() == "2222"
    assert pin_source(prompt=lambda: "3333")() == "3333"
    with pytest.raises(TokenError, match="CPAS_TEST_NO_PIN"):
        pin_source(env="CPAS_TEST_NO_PIN")()


@click.group()
def cli() -> None:
    """A test group holding ``cpas sign``."""


cli.add_command(sign_command)


def test_cli_signs_with_the_token(softhsm: SoftToken, pki: Pki, convention_xml: Path,
                                  tmp_path: Path) -> None:
    """``cpas sign --pkcs11-module … --token-label … --key-label …`` with the PIN in a file,
    from ``$CPAS_PIN``, and a wrong PIN (exit 1, PIN not shown)."""
    runner = CliRunner()
    out = tmp_path / "cli.asice"
    pin_file = tmp_path / "pin.txt"
    pin_file.write_text(PIN + "\n")
    chain = _chain_pem(pki, pki.president, "cli-president")
    done = runner.invoke(cli, ["sign", str(convention_xml), "--pkcs11-module", softhsm.module,
                               "--token-label", softhsm.label, "--key-label", "president",
                               "--cert", str(chain), "--pin-file", str(pin_file),
                               "--role", "president", "-o", str(out)])
    assert done.exit_code == 0, done.output
    done = runner.invoke(cli, ["sign", "--add-to", str(out), "--token-label", softhsm.label,
                               "--key-id", "02", "--role", "directeur_general", "--trust",
                               str(pki.root_pem)],
                         env={"CPAS_PIN": PIN, "CPAS_PKCS11_MODULE": softhsm.module})
    assert done.exit_code == 0, done.output
    result = verify(out, [pki.root])
    assert [s.status for s in result.signers] == [Status.VALID, Status.VALID]
    wrong = runner.invoke(cli, ["sign", str(convention_xml), "--pkcs11-module", softhsm.module,
                                "--token-label", softhsm.label, "--key-label", "president",
                                "--cert", str(chain), "--role", "president",
                                "-o", str(tmp_path / "w.asice")], input="55555\n")
    assert wrong.exit_code == 1, wrong.output
    assert "wrong PIN" in wrong.output
    assert "55555" not in wrong.output
    assert not (tmp_path / "w.asice").exists()


def test_signature_files_name_the_token_certificate(softhsm: SoftToken, pki: Pki,
                                                    convention_xml: Path, tmp_path: Path) -> None:
    out = sign_new(tmp_path / "m.asice", convention_xml,
                   key=_token_key(softhsm, pki, "president", b"\x01", pki.president),
                   role=SignerRole.PRESIDENT, clock=clock_at(SIGNED_AT))
    from cpas.adapters.signing.container import ContainerReader

    with ContainerReader(out) as reader:
        parsed = parse_signature(reader.read_xml("META-INF/signatures0.xml"), "s0")
    assert parsed.certificates == (pki.president.certificate, pki.intermediate)


def test_always_authenticate_key_logs_in_again_per_signature(softhsm: SoftToken,
                                                             pki: Pki) -> None:
    """A key flagged CKA_ALWAYS_AUTHENTICATE (the eID non-repudiation key) needs the PIN again
    for each signature: the PIN source is asked twice per signature (session + signature)."""
    import pkcs11
    from pkcs11.util.rsa import decode_rsa_private_key

    der = pki.directeur.private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption())
    template = decode_rsa_private_key(der)
    template.update({pkcs11.Attribute.TOKEN: True, pkcs11.Attribute.LABEL: "qualified",
                     pkcs11.Attribute.ID: b"\x04", pkcs11.Attribute.SIGN: True,
                     pkcs11.Attribute.PRIVATE: True, pkcs11.Attribute.SENSITIVE: True,
                     pkcs11.Attribute.ALWAYS_AUTHENTICATE: True})
    token = pkcs11.lib(MODULE).get_token(token_label=softhsm.label)
    with token.open(rw=True, user_pin=PIN) as session:
        session.create_object(template)
    asked: list[int] = []

    def counting_pin() -> str:
        asked.append(1)
        return PIN

    key = load_token_key(module_path=softhsm.module, token_label=softhsm.label,
                         key_label="qualified",
                         cert_path=_chain_pem(pki, pki.directeur, "qualified"), pin=counting_pin)
    assert asked == []  # loading needs no login
    key.sign(b"first")
    key.sign(b"second")
    assert len(asked) == 4


def test_cli_missing_module_is_an_io_error(pki: Pki, convention_xml: Path,
                                           tmp_path: Path) -> None:
    done = CliRunner().invoke(cli, ["sign", str(convention_xml), "--pkcs11-module",
                                    str(tmp_path / "none.so"), "--token-label", "t",
                                    "--key-label", "k", "--pin-env", "X", "--role", "president",
                                    "-o", str(tmp_path / "x.asice")])
    assert done.exit_code == 4, done.output
    usage = CliRunner().invoke(cli, ["sign", str(convention_xml), "--token-label", "t",
                                     "--role", "president", "-o", str(tmp_path / "x.asice")])
    assert usage.exit_code == 2
