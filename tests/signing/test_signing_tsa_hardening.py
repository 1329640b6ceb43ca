"""Timestamp hardening: crafted tokens are reported, never raised; TSA URLs in messages
never show a password; ``cpas sign --tsa-url`` exit codes (signing.md §2, §8.7; RFC 3161,
RFC 5816 ESS signing-certificate-v2).
"""

from __future__ import annotations

import socket
from pathlib import Path

import click
import pytest
from asn1crypto import cms
from click.testing import CliRunner
from conftest import SIGNED_AT, Pki, clock_at
from test_signing_timestamp import _replace_token, _token

from cpas.adapters.signing.errors import TimestampError, TsaUnreachable
from cpas.adapters.signing.signer import sign_new
from cpas.adapters.signing.timestamp import (
    HttpTimestampProvider,
    check_timestamp,
    url_for_messages,
)
from cpas.adapters.signing.verify import Status, verify
from cpas.cli.sign_cmd import sign_command
from cpas.sdk.parties import SignerRole

SECRET = "s3cret-Pa55"


@click.group()
def cli() -> None:
    """A test group holding ``cpas sign``."""


cli.add_command(sign_command)


def _free_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def bt(pki: Pki, convention_xml: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bt") / "bt.asice"
    return sign_new(path, convention_xml, key=pki.president, role=SignerRole.PRESIDENT,
                    clock=clock_at(SIGNED_AT), timestamp=pki.tsa)


def _with_ess(token: bytes, certs: list[object], *, version: str) -> bytes:
    """``token`` with its ESS signing-certificate attribute's ``certs`` replaced (the CMS
    signature no longer verifies: the ESS check comes first and must not crash)."""
    info = cms.ContentInfo.load(token)
    signer = info["content"]["signer_infos"][0]
    attrs = signer["signed_attrs"]
    kept = [a for a in attrs if a["type"].native not in ("signing_certificate_v2",
                                                         "signing_certificate")]
    name = "signing_certificate_v2" if version == "v2" else "signing_certificate"
    signer["signed_attrs"] = cms.CMSAttributes(
        [*kept, cms.CMSAttribute({"type": name, "values": [{"certs": certs}]})])
    return bytes(info.dump(force=True))


@pytest.mark.parametrize("version", ["v2", "v1"])
def test_ess_attribute_with_no_certificate_is_an_invalid_timestamp(
        pki: Pki, bt: Path, tmp_path: Path, version: str) -> None:
    """An ESS signing-certificate(-v2) attribute with an empty ``certs`` names no TSA
    certificate: the timestamp is invalid (RFC 5816 §2.2.1), the verifier does not crash."""
    token, message = _token(bt)
    crafted = _with_ess(token, [], version=version)
    check = check_timestamp(crafted, message, [pki.root])
    assert not check.valid
    assert any("ESS signing-certificate does not name" in r for r in check.invalid), check
    container = _replace_token(bt, tmp_path / "crafted.asice", crafted)
    result = verify(container, [pki.root])
    assert result.status is Status.INVALID
    assert any("ESS signing-certificate" in r for s in result.signers for r in s.reasons)


def test_tsa_url_password_never_appears_in_messages() -> None:
    url = f"http://cpas:{SECRET}@127.0.0.1:{_free_port()}/tsa"
    assert SECRET not in url_for_messages(url)
    assert "127.0.0.1" in url_for_messages(url)
    with pytest.raises(TimestampError) as caught:
        HttpTimestampProvider(url, timeout=2).timestamp(bytes(32), "sha256")
    assert SECRET not in str(caught.value)
    assert "cpas:" not in str(caught.value)
    with pytest.raises(TimestampError) as refused:
        HttpTimestampProvider(f"ftp://cpas:{SECRET}@tsa.invalid/x")
    assert SECRET not in str(refused.value)


def test_unreachable_tsa_is_tsa_unreachable() -> None:
    provider = HttpTimestampProvider(f"http://127.0.0.1:{_free_port()}/tsa", timeout=2)
    with pytest.raises(TsaUnreachable, match="cannot be reached"):
        provider.timestamp(bytes(32), "sha256")


@pytest.mark.parametrize("url", ["ftp://tsa.example/x", "file:///etc/passwd", "tsa.example",
                                 "http://"])
def test_cli_tsa_url_not_http_is_a_usage_error(pki: Pki, convention_xml: Path,
                                               tmp_path: Path, url: str) -> None:
    key, cert = pki.write_pem(pki.president, "tsa-usage")
    out = tmp_path / "no.asice"
    done = CliRunner().invoke(cli, ["sign", str(convention_xml), "--key", str(key), "--cert",
                                    str(cert), "--role", "president", "--tsa-url", url,
                                    "-o", str(out)])
    assert done.exit_code == 2, done.output
    assert "--tsa-url" in done.output
    assert not out.exists()


def test_cli_unreachable_tsa_is_an_io_error(pki: Pki, convention_xml: Path,
                                            tmp_path: Path) -> None:
    key, cert = pki.write_pem(pki.president, "tsa-io")
    out = tmp_path / "no.asice"
    url = f"http://cpas:{SECRET}@127.0.0.1:{_free_port()}/tsa"
    done = CliRunner().invoke(cli, ["sign", str(convention_xml), "--key", str(key), "--cert",
                                    str(cert), "--role", "president", "--tsa-url", url,
                                    "--tsa-timeout", "2", "-o", str(out)])
    assert done.exit_code == 4, done.output
    assert SECRET not in done.output
    assert not out.exists()
    assert not any(p.suffix == ".asice" for p in tmp_path.iterdir())
