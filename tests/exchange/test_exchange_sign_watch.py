"""The exchange folder: signing (--sign), watching (--watch), stopping, batches and logs."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs
import click
import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from exchange_helpers import drop, exchange_config

from cpas.adapters.exchange import (
    FileOutcome,
    Signing,
    run_once,
    watch,
)
from cpas.adapters.plugins import Discovery, ReadResult, Registered, builtin_adapters
from cpas.adapters.signing.keys import SigningKey
from cpas.adapters.signing.testpki import certificate
from cpas.adapters.signing.verify import Status, load_trust, verify
from cpas.adapters.xml.documents import to_xml
from cpas.cli.exchange_cmd import exchange
from cpas.sdk.parties import SignerRole
from cpas.sdk.samples import fictitious_niss, legacy_piis_with_findings, sample_set


def _visible(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


def _journal(tmp_path: Path) -> dict[str, tuple[str, int]]:
    with sqlite3.connect(tmp_path / "in" / ".cpas-exchange.sqlite") as db:
        rows = db.execute("SELECT name, state, attempts FROM files").fetchall()
    return {str(name): (str(state), int(attempts)) for name, state, attempts in rows}


# --------------------------------------------------------------------------- keys


@attrs.frozen
class _Pki:
    root_pem: Path
    signer: SigningKey


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> _Pki:
    """A root and one ECDSA signer (throw-away, generated for this module)."""
    folder = tmp_path_factory.mktemp("exchange-pki")
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = certificate("Exchange Test Root", root_key, None, root_key, ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    signer = SigningKey(key, certificate("Exchange Signer", key, root, root_key, ca=False), ())
    root_pem = folder / "root.pem"
    root_pem.write_bytes(root.public_bytes(serialization.Encoding.PEM))
    return _Pki(root_pem, signer)


def _write_pem(pki: _Pki, folder: Path, password: bytes | None) -> tuple[Path, Path]:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password) if password
        else serialization.NoEncryption())
    key_path, cert_path = folder / "signer.key.pem", folder / "signer.cert.pem"
    key_path.write_bytes(pki.signer.private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption))
    cert_path.write_bytes(pki.signer.certificate.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


def _root(pki: _Pki) -> list[x509.Certificate]:
    return list(load_trust([pki.root_pem]))


# --------------------------------------------------------------------------- signing


def test_sign_outputs_are_verified_containers(tmp_path: Path, pki: _Pki) -> None:
    """With signing, each output is an .asice holding the exact XML, its signature valid for
    the root (the PIIS still lacks its other signers: that is for later stages)."""
    samples = sample_set()
    drop(tmp_path / "in", "piis.xml", to_xml(samples.piis))
    drop(tmp_path / "in", "partner.xml", to_xml(samples.partnership))
    config = exchange_config(tmp_path, signing=Signing(pki.signer, SignerRole.PRESIDENT))
    outcomes = {o.file: o for o in run_once(config).outcomes}
    assert outcomes["piis.xml"].outputs == ("piis.asice",)
    assert _visible(tmp_path / "out") == ["partner.asice", "piis.asice"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == _visible(tmp_path / "out")
    for name, document in (("piis", samples.piis), ("partner", samples.partnership)):
        container = tmp_path / "out" / f"{name}.asice"
        result = verify(container, _root(pki))
        assert [(s.status, s.role) for s in result.signers] == [(Status.VALID, "president")]
        assert not result.problems
        with zipfile.ZipFile(container) as archive:
            assert archive.read(f"{name}.xml") == to_xml(document)


def test_refused_signature_is_quarantined(tmp_path: Path, pki: _Pki) -> None:
    """The minister signs a subsidy convention only after the CPAS: refused → quarantine."""
    drop(tmp_path / "in", "subsidy.xml", to_xml(sample_set().subsidy))
    config = exchange_config(tmp_path, signing=Signing(pki.signer, SignerRole.MINISTER))
    (outcome,) = run_once(config).outcomes
    assert (outcome.outcome, outcome.reason) == ("quarantined", "EXCH-SIGN")
    assert _visible(tmp_path / "out") == []
    report = json.loads((tmp_path / "q" / "subsidy.xml.report.json").read_text("utf-8"))
    assert report["findings"][-1]["code"] == "EXCH-SIGN"
    assert "minister" in report["findings"][-1]["message"]["en"]


@click.group()
def group() -> None:
    """A stand-in for ``cpas`` holding only the command under test."""


group.add_command(exchange)


def _args(tmp_path: Path, *extra: str) -> list[str]:
    return ["exchange", "run", "--inbox", str(tmp_path / "in"), "--outbox",
            str(tmp_path / "out"), "--quarantine", str(tmp_path / "q"), *extra]


def test_cli_sign_with_pem_password_file(tmp_path: Path, pki: _Pki) -> None:
    """An encrypted PEM key with its password in a file signs; the test-PKI warning shows."""
    key, cert = _write_pem(pki, tmp_path, b"s3cret")
    secret = tmp_path / "password.txt"
    secret.write_text("s3cret\n", "utf-8")
    drop(tmp_path / "in", "reimb.xml", to_xml(sample_set().reimbursement))
    result = CliRunner().invoke(group, _args(
        tmp_path, "--sign", "--role", "president", "--key", str(key), "--cert", str(cert),
        "--password-file", str(secret)))
    assert result.exit_code == 0, result.output
    assert "THROW-AWAY TEST PKI" in result.output
    assert "s3cret" not in result.output
    assert verify(tmp_path / "out" / "reimb.asice", _root(pki)).status is Status.VALID


def test_cli_sign_with_pkcs12_password_env(tmp_path: Path, pki: _Pki,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A PKCS#12 file with its password in an environment variable signs."""
    p12 = tmp_path / "signer.p12"
    p12.write_bytes(pkcs12.serialize_key_and_certificates(
        b"signer", pki.signer.private_key, pki.signer.certificate, None,
        serialization.BestAvailableEncryption(b"pw-12")))
    monkeypatch.setenv("EXCHANGE_P12_PASSWORD", "pw-12")
    drop(tmp_path / "in", "partner.xml", to_xml(sample_set().partnership))
    result = CliRunner().invoke(group, _args(
        tmp_path, "--sign", "--role", "directeur_general", "--pkcs12", str(p12),
        "--password-env", "EXCHANGE_P12_PASSWORD", "--log-format", "json"))
    assert result.exit_code == 0, result.output
    assert verify(tmp_path / "out" / "partner.asice", _root(pki)).status is Status.VALID


def test_cli_sign_never_prompts_nor_defaults(tmp_path: Path, pki: _Pki) -> None:
    """Unattended: an encrypted key without a password source is a usage error, not a prompt;
    --sign without a key or role, or key options without --sign, are refused too."""
    key, cert = _write_pem(pki, tmp_path, b"s3cret")
    drop(tmp_path / "in", "piis.xml", to_xml(sample_set().piis))
    cases = [
        ("--sign", "--role", "president", "--key", str(key), "--cert", str(cert)),
        ("--sign", "--role", "president"),
        ("--sign", "--key", str(key)),
        ("--key", str(key), "--role", "president"),
        ("--watch", "--once"),
    ]
    for extra in cases:
        result = CliRunner().invoke(group, _args(tmp_path, *extra), input="s3cret\n")
        assert result.exit_code == 2, (extra, result.output)
    assert _visible(tmp_path / "in") == ["piis.xml"]  # nothing was processed
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- stop, batches


class _Wrapping:
    """The XML adapter, calling ``hook`` with each file name before reading it."""

    name = "hooked-xml"
    description = "test"
    extensions: tuple[str, ...] = (".xml",)
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()

    def __init__(self, hook: Any) -> None:
        self.hook = hook
        self.inner = builtin_adapters()[0]

    def read(self, data: bytes, *, source: str) -> ReadResult:
        self.hook(source)
        return self.inner.read(data, source=source)

    def write(self, documents: Sequence[Any]) -> bytes:
        return b""


def test_stop_finishes_the_file_in_hand(tmp_path: Path) -> None:
    """A stop request during file b: b is finished, c stays in the inbox, unattempted."""
    data = to_xml(sample_set().partnership)
    for name in ("a.xml", "b.xml", "c.xml"):
        drop(tmp_path / "in", name, data)
    requested: list[str] = []
    adapter = _Wrapping(lambda source: requested.append(source) if source == "b.xml" else None)
    found = Discovery((Registered(adapter, "test"),))
    summary = run_once(exchange_config(tmp_path), discovery=found, stop=lambda: bool(requested))
    assert [(o.file, o.outcome) for o in summary.outcomes] == [("a.xml", "written"),
                                                               ("b.xml", "written")]
    assert _visible(tmp_path / "in") == ["c.xml"]
    assert _visible(tmp_path / "out") == ["a.xml", "b.xml"]
    assert _journal(tmp_path) == {"a.xml": ("done", 1), "b.xml": ("done", 1)}


def test_max_files(tmp_path: Path) -> None:
    """--max-files bounds the files taken out of the inbox; the rest wait."""
    data = to_xml(sample_set().piis)
    for index in range(5):
        drop(tmp_path / "in", f"{index}.xml", data)
    assert len(run_once(exchange_config(tmp_path), max_files=2).outcomes) == 2
    summary = watch(exchange_config(tmp_path), interval=0.1, max_files=2)
    assert (summary.stopped_by, summary.count("written")) == ("max-files", 2)
    assert _visible(tmp_path / "in") == ["4.xml"]


class _Crashing:
    name = "crashing"
    description = "test"
    extensions: tuple[str, ...] = (".boom",)
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()

    def read(self, data: bytes, *, source: str) -> ReadResult:
        raise KeyboardInterrupt  # not an Exception: escapes like a crash

    def write(self, documents: Sequence[Any]) -> bytes:
        return b""


def test_poison_does_not_use_up_its_batch_mates_attempts(tmp_path: Path) -> None:
    """After a crash, the files of the batch are retried one by one: only the poison file
    is quarantined as poison, its neighbours are written."""
    found = Discovery((*(Registered(a, "built-in") for a in builtin_adapters()),
                       Registered(_Crashing(), "test")))
    data = to_xml(sample_set().bilan)
    drop(tmp_path / "in", "a.xml", data)
    drop(tmp_path / "in", "b.boom", b"boom")
    drop(tmp_path / "in", "c.xml", data)
    config = exchange_config(tmp_path, max_attempts=2)
    outcomes: list[FileOutcome] = []
    for _ in range(5):
        try:
            run_once(config, discovery=found, log=outcomes.append)
            break
        except KeyboardInterrupt:
            continue
    result = {o.file: (o.outcome, o.reason) for o in outcomes}
    assert len(outcomes) == 3
    assert result == {"a.xml": ("written", None), "b.boom": ("quarantined", "poison"),
                      "c.xml": ("written", None)}
    assert _visible(tmp_path / "in") == []


# --------------------------------------------------------------------------- logs


def test_logs_never_show_a_niss(tmp_path: Path) -> None:
    """A NISS in the file name and in an adapter's error message is masked in JSON and
    text log lines and in both reports."""
    niss = fictitious_niss(dt.date(1979, 4, 12), 117)

    class Leaky(_Crashing):
        def read(self, data: bytes, *, source: str) -> ReadResult:
            raise RuntimeError(f"bad record for {niss} ({niss[:6]}.{niss[6:9]}.{niss[9:]})")

    found = Discovery((Registered(Leaky(), "test"),))
    drop(tmp_path / "in", f"dossier-{niss}.boom", b"x")
    lines: list[str] = []

    def log(outcome: FileOutcome) -> None:
        lines.extend((outcome.to_json(), outcome.to_text()))

    (outcome,) = run_once(exchange_config(tmp_path), discovery=found, log=log).outcomes
    assert outcome.reason == "EXCH-ADAPTER"
    reports = [p.read_text("utf-8") for p in (tmp_path / "q").glob("*.report.*")]
    assert len(reports) == 2
    for text in (*lines, *reports):
        assert niss not in text and niss[:9] not in text and niss[:6] + "." not in text
        assert "***" in text
    record = json.loads(lines[0])
    assert {"at", "sha256", "outcome", "adapter", "outputs", "ms"} <= set(record)
    assert record["adapter"] == "crashing"


# --------------------------------------------------------------------------- watch


def _wait(condition: Any, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_watch_subprocess_then_sigterm(tmp_path: Path) -> None:
    """``cpas exchange run --watch`` handles files dropped while it runs; SIGTERM exits 0."""
    inbox, outbox = tmp_path / "in", tmp_path / "out"
    for folder in (inbox, outbox, tmp_path / "q"):
        folder.mkdir()
    argv = [sys.executable, "-m", "cpas.cli.main", *_args(
        tmp_path, "--watch", "--interval", "0.1", "--settle", "0", "--log-format", "json")]
    process = subprocess.Popen(argv, stdout=subprocess.PIPE,  # noqa: S603 - our argv
                               stderr=subprocess.PIPE, text=True)
    try:
        samples = sample_set()
        for index, document in enumerate((samples.piis, samples.bilan, samples.subsidy)):
            part = inbox / f"{index}.xml.part"  # a vendor writes, then renames
            part.write_bytes(to_xml(document))
            part.rename(inbox / f"{index}.xml")
        _wait(lambda: len(_visible(outbox)) == 3)
        (inbox / "3.xml").write_bytes(to_xml(samples.partnership))
        (inbox / "4.xml").write_bytes(b"<broken")
        _wait(lambda: len(_visible(outbox)) == 4 and len(_visible(tmp_path / "q")) == 3)
        assert process.poll() is None  # still watching
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, stderr
    records = [json.loads(line) for line in stdout.splitlines()]
    handled = {r["file"]: r["outcome"] for r in records if r["outcome"] != "not-ready"}
    assert handled == {"0.xml": "written", "1.xml": "written", "2.xml": "written",
                       "3.xml": "written", "4.xml": "quarantined"}
    assert _visible(inbox) == []
    assert {state for state, _ in _journal(tmp_path).values()} == {"done", "quarantined"}


# --------------------------------------------------------------------------- worker processes


class _Killing(_Crashing):
    """Kills the process that reads it (a parser crash, in a worker)."""

    name = "killing"
    extensions: tuple[str, ...] = (".kill",)

    def read(self, data: bytes, *, source: str) -> ReadResult:
        os.kill(os.getpid(), signal.SIGKILL)
        raise AssertionError("unreachable")  # pragma: no cover


def test_workers_give_the_same_results(tmp_path: Path) -> None:
    """With two worker processes, outputs and reports are those of the in-process run."""
    samples = sample_set()
    files = {"piis.xml": to_xml(samples.piis), "bad.xml": b"<broken",
             "subsidy.xml": to_xml(samples.subsidy),
             "old.xml": to_xml(legacy_piis_with_findings())}
    results: list[dict[str, bytes]] = []
    for jobs, folder in ((1, tmp_path / "one"), (2, tmp_path / "two")):
        for name, data in files.items():
            drop(folder / "in", name, data)
        run_once(exchange_config(folder, jobs=jobs))
        assert _visible(folder / "in") == []
        results.append({f"{place}/{p.name}": p.read_bytes() for place in ("out", "q")
                        for p in (folder / place).iterdir()})
    assert results[0].keys() == results[1].keys()
    assert sorted(results[0]) == ["out/piis.xml", "out/subsidy.xml", "q/bad.xml",
                                  "q/bad.xml.report.json", "q/bad.xml.report.txt",
                                  "q/old.xml", "q/old.xml.report.json", "q/old.xml.report.txt"]
    assert results[0] == results[1]


def test_worker_killed_by_a_file(tmp_path: Path) -> None:
    """A file that kills its worker is retried alone, then quarantined as poison; the files
    around it are written; the exchange itself never stops."""
    found = Discovery((*(Registered(a, "built-in") for a in builtin_adapters()),
                       Registered(_Killing(), "test")))
    data = to_xml(sample_set().partnership)
    for name in ("a.xml", "b.kill", "c.xml"):
        drop(tmp_path / "in", name, data)
    outcomes: list[FileOutcome] = []
    config = exchange_config(tmp_path, jobs=2, max_attempts=2)
    summary = watch(config, interval=0.1, discovery=found, log=outcomes.append, max_files=3)
    assert summary.stopped_by == "max-files"
    final = {o.file: (o.outcome, o.reason) for o in outcomes if o.outcome != "retry"}
    assert final == {"a.xml": ("written", None), "b.kill": ("quarantined", "poison"),
                     "c.xml": ("written", None)}
    assert [o.reason for o in outcomes if o.outcome == "retry" and o.file == "b.kill"] == [
        "worker-died"] * 2
