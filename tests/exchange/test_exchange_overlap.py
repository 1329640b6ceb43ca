"""Writer threads: a batch's outputs are written while the next batch is judged.

* Order, checked on every file with a slowed-down fsync: an output's fsync, then
  its rename (in a writer thread), then the folder's fsync, then the journal's
  outcome, committed before the input leaves the inbox.
* Overlap: while a writer thread is in an fsync, the pass's thread evaluates a
  file of the next batch (the fsync waits for it; without overlap it would wait
  in vain and the test fail).
* Same results as writing each batch in the pass's own thread (``writers=0``,
  what the exchange did before): outcomes in the same order (not-ready files
  included), the same files, the same journal; in process and with workers.
* A write error in a writer thread stops the pass with that error and leaves
  the inbox and the journal as ``writers=0`` does; a rerun gives the same result.
* A stop request, or an error, leaves no write running; a survivor of a crash is
  judged with nothing else in flight.
* The umask is read by the pass's thread only (a writer thread changing it for
  a moment would expose the files the other threads create).
"""

from __future__ import annotations

import errno
import functools
import os
import sqlite3
import stat
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from exchange_helpers import drop, exchange_config

from cpas.adapters import exchange as exchange_module
from cpas.adapters import files as files_module
from cpas.adapters.exchange import JOURNAL_NAME, FileOutcome, run_once
from cpas.adapters.legacy.samples import reimbursement_csv
from cpas.adapters.xml.documents import to_xml
from cpas.sdk.samples import sample_set

WRITER = "cpas-exchange-writer"


def _mixed(root: Path) -> None:
    """Valid XML of every kind, a schema error, corrupt bytes, CSV good and bad, an
    extension no adapter reads, a file still being written (the same bytes each time)."""
    for name, data in _mixed_files().items():
        drop(root / "in", name, data)


@functools.cache
def _mixed_files() -> dict[str, bytes]:
    samples = sample_set()
    valid = [to_xml(d) for d in (samples.piis, samples.bilan, samples.subsidy,
                                 samples.partnership, samples.reimbursement)]
    bad_csv = reimbursement_csv()
    files = {f"{n:02d}-valid.xml": data for n, data in enumerate(valid)}
    files |= {"05-schema.xml": valid[1].replace(b"</", b"</wrong", 1),
              "06-corrupt.xml": b"\x00\xff<not xml", "07-bad.csv": bad_csv,
              "08-good.csv": b"\r\n".join(bad_csv.split(b"\r\n")[:-2]) + b"\r\n",
              "09-letter.docx": b"PK\x03\x04", "10-late.xml.part": valid[0],
              "11-valid.xml": valid[2]}
    return files


def _journal(root: Path) -> dict[str, tuple[str, int]]:
    with sqlite3.connect(root / "in" / JOURNAL_NAME) as db:
        rows = db.execute("SELECT name, state, attempts FROM files").fetchall()
    return {str(name): (str(state), int(attempts)) for name, state, attempts in rows}


def _contents(folder: Path) -> dict[str, bytes]:
    if not folder.exists():
        return {}
    return {p.name: p.read_bytes() for p in folder.iterdir()
            if p.is_file() and p.name not in (JOURNAL_NAME, ".cpas-exchange.lock")
            and not p.name.startswith(JOURNAL_NAME)}


def _line(outcome: FileOutcome) -> tuple[Any, ...]:
    """An outcome without its timings."""
    return (outcome.file, outcome.outcome, outcome.sha256, outcome.size, outcome.adapter,
            outcome.outputs, outcome.errors, outcome.warnings, outcome.attempt,
            outcome.reason)


def _writer_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith(WRITER)]


def _fd_path(fd: int) -> Path:
    return Path(os.readlink(f"/proc/self/fd/{fd}"))


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of 3 files: a few files make several batches."""
    monkeypatch.setattr(exchange_module, "BATCH_FILES", 3)


# --------------------------------------------------------------------------- order


def test_every_step_comes_after_the_one_it_relies_on(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_batches: None) -> None:
    """fsync → rename (writer thread) → folder fsync → outcome recorded → committed →
    input removed, for every output of every file (written and quarantined)."""
    _mixed(tmp_path)
    events: list[tuple[str, Path, str]] = []
    problems: list[str] = []
    lock = threading.Lock()
    real_fsync, real_replace, real_unlink = os.fsync, os.replace, Path.unlink
    real_finish = exchange_module._Journal.finish_all
    inbox = tmp_path / "in"

    def note(kind: str, path: Path) -> None:
        with lock:
            events.append((kind, path, threading.current_thread().name))

    def fsync(fd: int) -> None:
        path = _fd_path(fd)
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            real_fsync(fd)
            note("dirsync", path)
            return
        threading.Event().wait(0.002)  # a slow disk
        real_fsync(fd)
        note("fsync", path)

    def replace(source: Any, target: Any) -> None:
        real_replace(source, target)
        note("rename", Path(target))
        note("renamed-from", Path(source))

    def finish(journal: Any, outcomes: Sequence[tuple[str, str, str]]) -> None:
        for name, _, _ in outcomes:
            note("finish", inbox / name)
        real_finish(journal, outcomes)

    def unlink(path: Path, missing_ok: bool = False) -> None:
        if path.parent == inbox and not path.name.startswith("."):
            with sqlite3.connect(inbox / JOURNAL_NAME) as db:  # sees committed rows only
                row = db.execute("SELECT state FROM files WHERE name=?",
                                 (path.name,)).fetchone()
            if row is None or row[0] not in ("done", "quarantined"):
                problems.append(f"{path.name} removed while the journal says {row}")
            note("unlink", path)
        real_unlink(path, missing_ok=missing_ok)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(Path, "unlink", unlink)
    monkeypatch.setattr(exchange_module._Journal, "finish_all", finish)
    summary = run_once(exchange_config(tmp_path, writers=2))
    monkeypatch.undo()

    def first(kind: str, path: Path) -> int:
        return next(i for i, (k, p, _) in enumerate(events) if (k, p) == (kind, path))

    finished = [o for o in summary.outcomes if o.outcome in ("written", "quarantined")]
    assert {o.outcome for o in finished} == {"written", "quarantined"}
    for outcome in finished:
        folder = tmp_path / ("out" if outcome.outcome == "written" else "q")
        recorded = first("finish", inbox / outcome.file)
        for output in outcome.outputs:
            renamed = first("rename", folder / output)
            temporary = events[renamed + 1][1]
            assert events[renamed + 1][0] == "renamed-from"
            assert first("fsync", temporary) < renamed, output
            assert events[renamed][2].startswith(WRITER), "renamed by a writer thread"
            synced = [i for i, (k, p, _) in enumerate(events)
                      if (k, p) == ("dirsync", folder) and renamed < i < recorded]
            assert synced, f"{output}: no fsync of {folder.name} between rename and journal"
        assert recorded < first("unlink", inbox / outcome.file)
    assert problems == []
    assert not (inbox / "00-valid.xml").exists()


def test_the_next_batch_is_judged_while_an_output_is_synced(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_batches: None) -> None:
    """The first output's fsync waits until the pass's thread evaluates a file of the
    second batch: it only returns in time if the two run at once."""
    data = to_xml(sample_set().piis)
    for name in ("a.xml", "b.xml", "c.xml", "d.xml", "e.xml"):
        drop(tmp_path / "in", name, data)
    judging_next = threading.Event()
    seen: list[tuple[bool, str]] = []
    real_fsync = os.fsync
    real_evaluate = exchange_module._evaluate

    def fsync(fd: int) -> None:
        if not seen and _fd_path(fd).parent == tmp_path / "out":
            seen.append((judging_next.wait(20), threading.current_thread().name))
        real_fsync(fd)

    def evaluate(name: str, *args: Any) -> Any:
        if name == "d.xml":
            judging_next.set()
        return real_evaluate(name, *args)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(exchange_module, "_evaluate", evaluate)
    summary = run_once(exchange_config(tmp_path, writers=1))
    assert [o.outcome for o in summary.outcomes] == ["written"] * 5
    ((overlapped, thread),) = seen
    assert overlapped and thread.startswith(WRITER)


# --------------------------------------------------------------------------- same results


@pytest.mark.parametrize("jobs", [1, 2])
def test_same_results_with_and_without_writer_threads(
        tmp_path: Path, small_batches: None, jobs: int) -> None:
    """Outcomes (in order, not-ready lines included), outbox, quarantine and journal are
    those of a pass that writes each batch itself before judging the next."""
    seen: dict[int, list[tuple[Any, ...]]] = {}
    for writers in (0, 2):
        root = tmp_path / f"w{writers}"
        _mixed(root)
        summary = run_once(exchange_config(root, writers=writers, jobs=jobs))
        seen[writers] = [_line(o) for o in summary.outcomes]
        assert _writer_threads() == []
    assert seen[2] == seen[0]
    assert [line[1] for line in seen[0]].count("not-ready") == 1
    for folder in ("in", "out", "q"):
        assert _contents(tmp_path / "w2" / folder) == _contents(tmp_path / "w0" / folder)
    assert _journal(tmp_path / "w2") == _journal(tmp_path / "w0")


# --------------------------------------------------------------------------- errors


def _fail_on(name: str, real: Callable[..., Path]) -> Callable[..., Path]:
    def write(path: Path, data: bytes, **options: Any) -> Path:
        if Path(path).name == name:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(path, data, **options)
    return write


def test_a_write_error_in_a_writer_thread_is_the_passs_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_batches: None) -> None:
    """The disk refuses one output of the first batch: the pass raises that error, the
    inbox and the journal are as without writer threads (the batch judged meanwhile
    gives its attempts back), nothing is left running; the rerun ends the same way."""
    data = to_xml(sample_set().bilan)
    names = ["a.xml", "b.xml", "c.xml", "d.xml", "e.xml", "f.xml", "g.xml"]
    after: dict[int, tuple[Any, ...]] = {}
    for writers in (0, 2):
        root = tmp_path / f"w{writers}"
        for name in names:
            drop(root / "in", name, data)
        with monkeypatch.context() as patch:
            patch.setattr(exchange_module, "write_atomically",
                          _fail_on("b.xml", files_module.write_atomically))
            with pytest.raises(OSError, match="No space left") as raised:
                run_once(exchange_config(root, writers=writers))
        assert raised.value.errno == errno.ENOSPC
        assert _writer_threads() == []
        assert not [p for p in (root / "out").iterdir() if p.name.endswith(".tmp")]
        failed = (sorted(p.name for p in (root / "in").iterdir() if p.name in names),
                  _journal(root))
        rerun = [_line(o) for o in run_once(exchange_config(root, writers=writers)).outcomes]
        after[writers] = (failed, rerun, _contents(root / "out"), _journal(root))
    assert after[2] == after[0]
    (inbox, journal), rerun, outbox, _ = after[0]
    assert inbox == names
    assert journal == {"a.xml": ("processing", 1), "b.xml": ("processing", 1),
                       "c.xml": ("processing", 1)}
    assert [(line[0], line[1], line[8]) for line in rerun] == [
        ("a.xml", "written", 2), ("b.xml", "written", 2), ("c.xml", "written", 2),
        ("d.xml", "written", 1), ("e.xml", "written", 1), ("f.xml", "written", 1),
        ("g.xml", "written", 1)]
    assert outbox == {name: data for name in names}


# --------------------------------------------------------------------------- stop, crash


def test_stop_waits_for_the_writes_in_flight(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_batches: None) -> None:
    """A stop request while the second batch is judged (the first one's outputs still
    being synced): the file in hand is finished, every write is complete and recorded
    when the pass returns, and the rest is untouched, as without writer threads."""
    data = to_xml(sample_set().partnership)
    names = [f"{letter}.xml" for letter in "abcdefg"]
    real_fsync = os.fsync
    real_evaluate = exchange_module._evaluate
    results: dict[int, tuple[Any, ...]] = {}

    def fsync(fd: int) -> None:
        threading.Event().wait(0.01)  # a slow disk
        real_fsync(fd)

    for writers in (0, 2):
        root = tmp_path / f"w{writers}"
        for name in names:
            drop(root / "in", name, data)
        requested = threading.Event()

        def evaluate(name: str, *args: Any, requested: threading.Event = requested) -> Any:
            if name == "d.xml":
                requested.set()
            return real_evaluate(name, *args)

        with monkeypatch.context() as patch:
            patch.setattr(os, "fsync", fsync)
            patch.setattr(exchange_module, "_evaluate", evaluate)
            summary = run_once(exchange_config(root, writers=writers), stop=requested.is_set)
        assert _writer_threads() == []
        results[writers] = ([_line(o) for o in summary.outcomes], _contents(root / "out"),
                            sorted(p.name for p in (root / "in").iterdir()
                                   if not p.name.startswith(".")), _journal(root))
    assert results[2] == results[0]
    lines, outbox, inbox, journal = results[0]
    assert [(line[0], line[1]) for line in lines] == [
        ("a.xml", "written"), ("b.xml", "written"), ("c.xml", "written"),
        ("d.xml", "written")]
    assert sorted(outbox) == ["a.xml", "b.xml", "c.xml", "d.xml"]
    assert inbox == ["e.xml", "f.xml", "g.xml"]
    assert journal == {name: ("done", 1) for name in ("a.xml", "b.xml", "c.xml", "d.xml")}


def test_a_survivor_of_a_crash_is_judged_with_nothing_in_flight(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_batches: None) -> None:
    """A file that killed the process is judged again only once every file before it
    is finished (its inputs gone): were it to kill the process again, no other file
    would lose an attempt."""
    data = to_xml(sample_set().piis)
    names = [f"{letter}.xml" for letter in "abcdefgh"]
    for name in names:
        drop(tmp_path / "in", name, data)
    real_evaluate = exchange_module._evaluate
    crash = {"g.xml"}
    left_then: dict[str, list[str]] = {}

    def evaluate(name: str, *args: Any) -> Any:
        left_then[name] = sorted(p.name for p in (tmp_path / "in").iterdir()
                                 if p.name in names and p.name < name)
        if name in crash:
            raise KeyboardInterrupt  # not an Exception: escapes like a crash
        return real_evaluate(name, *args)

    monkeypatch.setattr(exchange_module, "_evaluate", evaluate)
    with pytest.raises(KeyboardInterrupt):
        run_once(exchange_config(tmp_path, writers=2))
    assert _writer_threads() == []
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.endswith(".tmp")]
    survivors = sorted(n for n, (state, _) in _journal(tmp_path).items()
                       if state == "processing")
    # The batch being written (d-f) and the batch of the crash (g, h) wait for a rerun.
    assert survivors == ["d.xml", "e.xml", "f.xml", "g.xml", "h.xml"]
    crash.clear()
    summary = run_once(exchange_config(tmp_path, writers=2))
    assert [o.outcome for o in summary.outcomes] == ["written"] * len(survivors)
    for name in survivors:
        assert left_then[name] == [], f"{name} judged while {left_then[name]} in flight"
    assert _journal(tmp_path) == {
        name: ("done", 2 if name in survivors else 1) for name in names}


# --------------------------------------------------------------------------- umask


def test_the_umask_is_read_by_the_passs_thread_only(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_batches: None) -> None:
    """Reading the umask sets it to 0 for a moment: only the pass's thread does it, and
    the outputs still follow it (0600 under ``umask 077``)."""
    _mixed(tmp_path)
    readers: set[str] = set()
    real = files_module.default_mode

    def default_mode() -> int:
        readers.add(threading.current_thread().name)
        return real()

    monkeypatch.setattr(files_module, "default_mode", default_mode)
    monkeypatch.setattr(exchange_module, "default_mode", default_mode)
    old = os.umask(0o077)
    try:
        run_once(exchange_config(tmp_path, writers=2))
    finally:
        os.umask(old)
    assert readers == {threading.main_thread().name}
    written = [p for folder in ("out", "q") for p in (tmp_path / folder).iterdir()]
    assert len(written) > 10
    assert {stat.S_IMODE(p.stat().st_mode) for p in written} == {0o600}


def test_writer_threads_by_default() -> None:
    """Two writer threads, in one process and beside worker processes; an explicit count
    is kept, and a negative one refused."""
    def threads(**options: Any) -> int:
        return exchange_config(Path(), **options).writer_threads

    assert [threads(jobs=1), threads(jobs=2)] == [2, 2]
    assert [threads(jobs=2, writers=3), threads(jobs=1, writers=0)] == [3, 0]
    with pytest.raises(ValueError, match="writers"):
        exchange_config(Path(), writers=-1)


def test_journal_states_beyond_the_names_looked_up_at_once(
        tmp_path: Path, small_batches: None) -> None:
    """A batch looks up the journal for the next names at once; files skipped as not ready
    make it pick names further on, which are looked up alone: a file handled before
    is still recognised there (``duplicate``), and a survivor of a crash still alone."""
    data = {name: to_xml(document) for name, document in (
        ("d-done.xml", sample_set().subsidy), ("e-crashed.xml", sample_set().piis),
        ("f-new.xml", sample_set().bilan))}
    for name in ("d-done.xml", "e-crashed.xml"):
        drop(tmp_path / "in", name, data[name])
    run_once(exchange_config(tmp_path))
    # d-done.xml comes back (a crash before its removal); e-crashed.xml is said to have
    # been in hand when the process died.
    drop(tmp_path / "in", "d-done.xml", data["d-done.xml"])
    drop(tmp_path / "in", "e-crashed.xml", data["e-crashed.xml"])
    drop(tmp_path / "in", "f-new.xml", data["f-new.xml"])
    with sqlite3.connect(tmp_path / "in" / JOURNAL_NAME) as db:
        db.execute("UPDATE files SET state='processing' WHERE name='e-crashed.xml'")
    for name in ("a-busy.xml", "b-busy.xml", "c-busy.xml"):  # the first three: not ready
        drop(tmp_path / "in", name, b"<x/>", ready=False)
    outcomes = run_once(exchange_config(tmp_path, settle_seconds=60)).outcomes
    seen = {o.file: (o.outcome, o.reason) for o in outcomes}
    assert seen["d-done.xml"] == ("duplicate", "done")
    assert seen["e-crashed.xml"][0] == "written"
    assert seen["f-new.xml"][0] == "written"
    assert [seen[n][0] for n in ("a-busy.xml", "b-busy.xml", "c-busy.xml")] == ["not-ready"] * 3
    with sqlite3.connect(tmp_path / "in" / JOURNAL_NAME) as db:
        attempts = dict(db.execute("SELECT name, attempts FROM files").fetchall())
    assert attempts["e-crashed.xml"] == 2  # its second attempt, not a fresh first one
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "d-done.xml", "e-crashed.xml", "f-new.xml"]
