"""The exchange folder, one pass at a time: outputs, quarantine, journal, lock, poison."""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from exchange_helpers import drop, exchange_config, record_configs

from cpas.adapters.exchange import (
    FileOutcome,
    InboxBusy,
    mask_identifiers,
    run_once,
)
from cpas.adapters.legacy.samples import reimbursement_csv
from cpas.adapters.plugins import Discovery, ReadResult, Registered, builtin_adapters
from cpas.adapters.xml.documents import from_xml, to_xml
from cpas.cli.exchange_cmd import exchange
from cpas.sdk.samples import fictitious_niss, legacy_piis_with_findings, sample_set


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_valid_xml_is_written_and_input_removed(tmp_path: Path) -> None:
    """A valid document goes to the outbox as schema-valid XML; the inbox is emptied."""
    piis = sample_set().piis
    drop(tmp_path / "in", "piis.xml", to_xml(piis))
    summary = run_once(exchange_config(tmp_path))
    (outcome,) = summary.outcomes
    assert (outcome.outcome, outcome.adapter, outcome.outputs) == ("written", "cpas-xml",
                                                                   ("piis.xml",))
    assert from_xml(tmp_path / "out" / "piis.xml") == piis
    assert [n for n in _names(tmp_path / "in") if not n.startswith(".")] == []
    assert _names(tmp_path / "q") == []


def test_invalid_file_quarantined_with_reports(tmp_path: Path) -> None:
    """Rule errors send the file to quarantine with a JSON and a FR/NL text report."""
    data = to_xml(legacy_piis_with_findings())
    drop(tmp_path / "in", "old.xml", data)
    (outcome,) = run_once(exchange_config(tmp_path)).outcomes
    assert outcome.outcome == "quarantined"
    assert outcome.errors > 0
    assert _names(tmp_path / "q") == ["old.xml", "old.xml.report.json", "old.xml.report.txt"]
    assert (tmp_path / "q" / "old.xml").read_bytes() == data
    report = json.loads((tmp_path / "q" / "old.xml.report.json").read_text("utf-8"))
    assert report["reason"] == "invalid"
    assert report["errors"] == outcome.errors
    assert set(report["findings"][0]["message"]) == {"fr", "nl", "en"}
    text = (tmp_path / "q" / "old.xml.report.txt").read_text("utf-8")
    assert "Mis en quarantaine" in text
    assert "In quarantaine geplaatst" in text
    assert _names(tmp_path / "out") == []


def test_corrupt_and_unknown_files(tmp_path: Path) -> None:
    """Bytes that are not XML, and an extension no adapter reads, are quarantined."""
    drop(tmp_path / "in", "corrupt.xml", b"\x00\x01<<not xml")
    drop(tmp_path / "in", "notes.docx", b"PK\x03\x04")
    outcomes = {o.file: o for o in run_once(exchange_config(tmp_path)).outcomes}
    assert outcomes["corrupt.xml"].outcome == "quarantined"
    assert outcomes["notes.docx"].reason == "EXCH-FORMAT"


def test_csv_with_rejected_row_masks_niss(tmp_path: Path) -> None:
    """The sample CSV has a bad row: quarantined; its NISS is masked in reports and logs."""
    drop(tmp_path / "in", "ri-2025-11-85.07.30-033.28.csv", reimbursement_csv())
    lines: list[str] = []
    (outcome,) = run_once(exchange_config(tmp_path),
                          log=lambda o: lines.append(o.to_json())).outcomes
    assert outcome.outcome == "quarantined"
    assert outcome.reason == "LEGACY-ROW"
    broken = fictitious_niss(dt.date(1990, 8, 8), 12)
    reports = "".join(p.read_text("utf-8") for p in (tmp_path / "q").glob("*.report.*"))
    for text in (reports, *lines):
        assert broken[:9] not in text
        assert "85.07.30-033" not in text
    assert "******-***-28" in lines[0]


def test_valid_csv_becomes_xml(tmp_path: Path) -> None:
    """A legacy CSV whose rows are all good is converted to one reimbursement XML."""
    good = b"\r\n".join(reimbursement_csv().split(b"\r\n")[:-2]) + b"\r\n"
    drop(tmp_path / "in", "ri.csv", good)
    (outcome,) = run_once(exchange_config(tmp_path)).outcomes
    assert outcome.outcome == "written", outcome
    assert outcome.outputs == ("ri.xml",)
    assert len(from_xml(tmp_path / "out" / "ri.xml").lines) == 4


def test_part_and_recent_files_wait(tmp_path: Path) -> None:
    """A *.part file and a file modified within the settle time are left in the inbox."""
    data = to_xml(sample_set().bilan)
    drop(tmp_path / "in", "bilan.xml.part", data)
    drop(tmp_path / "in", "fresh.xml", data, ready=False)
    outcomes = run_once(exchange_config(tmp_path)).outcomes
    assert [(o.file, o.outcome, o.reason) for o in outcomes] == [
        ("bilan.xml.part", "not-ready", "part"), ("fresh.xml", "not-ready", "recent")]
    assert {"bilan.xml.part", "fresh.xml"} <= set(_names(tmp_path / "in"))
    (done,) = run_once(exchange_config(tmp_path, settle_seconds=0)).outcomes[1:]
    assert done.outcome == "written"


def test_rerun_after_crash_before_removal(tmp_path: Path) -> None:
    """An input put back after being done (crash before its removal) is only removed."""
    data = to_xml(sample_set().subsidy)
    drop(tmp_path / "in", "s.xml", data)
    run_once(exchange_config(tmp_path))
    written = (tmp_path / "out" / "s.xml").stat().st_mtime_ns
    drop(tmp_path / "in", "s.xml", data)
    (outcome,) = run_once(exchange_config(tmp_path)).outcomes
    assert (outcome.outcome, outcome.reason) == ("duplicate", "done")
    assert _names(tmp_path / "out") == ["s.xml"]
    assert (tmp_path / "out" / "s.xml").stat().st_mtime_ns == written
    assert not (tmp_path / "in" / "s.xml").exists()


def test_same_name_new_content_gets_its_own_output(tmp_path: Path) -> None:
    """A vendor sending export.xml again with new content does not overwrite the first."""
    samples = sample_set()
    drop(tmp_path / "in", "export.xml", to_xml(samples.piis))
    run_once(exchange_config(tmp_path))
    drop(tmp_path / "in", "export.xml", to_xml(samples.bilan))
    (outcome,) = run_once(exchange_config(tmp_path)).outcomes
    (second,) = outcome.outputs
    assert second.startswith("export.") and second != "export.xml"
    assert from_xml(tmp_path / "out" / "export.xml") == samples.piis
    assert from_xml(tmp_path / "out" / second) == samples.bilan


class _Crashing:
    """An adapter whose read takes the whole process down (simulated)."""

    name = "crashing"
    description = "test"
    extensions: tuple[str, ...] = (".boom",)
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()

    def read(self, data: bytes, *, source: str) -> ReadResult:
        raise KeyboardInterrupt  # not an Exception: escapes like a crash

    def write(self, documents: Sequence[Any]) -> bytes:
        return b""


def test_poison_file_quarantined_after_max_attempts(tmp_path: Path) -> None:
    """A file that kills the process is tried max_attempts times, then quarantined."""
    found = Discovery((*(Registered(a, "built-in") for a in builtin_adapters()),
                       Registered(_Crashing(), "test")))
    drop(tmp_path / "in", "a.boom", b"boom")
    for _ in range(2):
        with pytest.raises(KeyboardInterrupt):
            run_once(exchange_config(tmp_path, max_attempts=2), discovery=found)
    (outcome,) = run_once(exchange_config(tmp_path, max_attempts=2), discovery=found).outcomes
    assert (outcome.outcome, outcome.reason, outcome.attempt) == ("quarantined", "poison", 2)
    report = json.loads((tmp_path / "q" / "a.boom.report.json").read_text("utf-8"))
    assert report["reason"] == "poison"
    assert "2 fois" in (tmp_path / "q" / "a.boom.report.txt").read_text("utf-8")


def test_adapter_exception_is_quarantined(tmp_path: Path) -> None:
    """An adapter raising an ordinary exception quarantines the file, the pass goes on."""

    class Failing(_Crashing):
        def read(self, data: bytes, *, source: str) -> ReadResult:
            raise RuntimeError("vendor parser bug")

    found = Discovery((Registered(Failing(), "test"),))
    drop(tmp_path / "in", "a.boom", b"x")
    (outcome,) = run_once(exchange_config(tmp_path), discovery=found).outcomes
    assert (outcome.outcome, outcome.reason) == ("quarantined", "EXCH-ADAPTER")


def test_second_process_is_refused(tmp_path: Path) -> None:
    """While one process holds the inbox lock, another pass refuses to start."""
    config = exchange_config(tmp_path)
    run_once(config)
    fd = os.open(config.inbox / ".cpas-exchange.lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with pytest.raises(InboxBusy):
            run_once(config)
    finally:
        os.close(fd)
    run_once(config)


def test_leftover_temporaries_removed(tmp_path: Path) -> None:
    """Temporary files of a killed write are cleaned at the next pass."""
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / ".x.xml.abc123.tmp").write_bytes(b"<half")
    run_once(exchange_config(tmp_path))
    assert _names(tmp_path / "out") == []


def test_mask_identifiers() -> None:
    """NISS-shaped numbers, dotted or not, are masked; other numbers are left alone."""
    assert mask_identifiers("85.07.30-033.28 and 85073003328") == (
        "******-***-28 and ******-***-28")
    assert mask_identifiers("order 123456 of 2025") == "order 123456 of 2025"


def test_log_lines() -> None:
    """Text and JSON log lines carry the outcome, the file and the counts."""
    outcome = FileOutcome("a.xml", "written", "ab" * 32, 10, "cpas-xml", ("a.xml",),
                          attempt=1, seconds=0.0123)
    assert json.loads(outcome.to_json())["ms"] == 12.3
    assert outcome.to_text().startswith("written     a.xml -> a.xml (adapter=cpas-xml")


@click.group()
def group() -> None:
    """A stand-in for ``cpas`` holding only the command under test."""


group.add_command(exchange)


def test_cli_run(tmp_path: Path) -> None:
    """``cpas exchange run``: one JSON line per file; exit 1 when a file is quarantined."""
    drop(tmp_path / "in", "good.xml", to_xml(sample_set().partnership))
    args = ["exchange", "run", "--inbox", str(tmp_path / "in"), "--outbox",
            str(tmp_path / "out"), "--quarantine", str(tmp_path / "q"), "--log-format", "json"]
    result = CliRunner().invoke(group, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["outcome"] == "written"
    drop(tmp_path / "in", "bad.xml", b"<x/>")
    result = CliRunner().invoke(group, args)
    assert result.exit_code == 1
    assert json.loads(result.output)["outcome"] == "quarantined"


def test_cli_writers_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``--writers N`` reaches the exchange's settings; a negative count is a usage error."""
    made = record_configs(monkeypatch)
    args = ["exchange", "run", "--inbox", str(tmp_path / "in"), "--outbox",
            str(tmp_path / "out"), "--quarantine", str(tmp_path / "q")]
    for count in ("0", "3"):
        drop(tmp_path / "in", f"good-{count}.xml", to_xml(sample_set().partnership))
        result = CliRunner().invoke(group, [*args, "--writers", count])
        assert result.exit_code == 0, result.output
    assert [config.writer_threads for config in made] == [0, 3]
    assert CliRunner().invoke(group, [*args, "--writers", "-1"]).exit_code == 2


def test_cli_busy_inbox(tmp_path: Path) -> None:
    """A locked inbox exits with code 4 and says why."""
    (tmp_path / "in").mkdir()
    fd = os.open(tmp_path / "in" / ".cpas-exchange.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        result = CliRunner().invoke(group, [
            "exchange", "run", "--inbox", str(tmp_path / "in"), "--outbox",
            str(tmp_path / "out"), "--quarantine", str(tmp_path / "q")])
    finally:
        os.close(fd)
    assert result.exit_code == 4
    assert "another cpas exchange process" in result.output
