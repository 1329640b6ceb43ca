"""Exchange folder: files dropped in an inbox become validated XML, or wait in quarantine.

One pass (:func:`run_once`) over the inbox handles each file exactly once:

1. **Ready?** Hidden files (``.name``), ``*.part`` files and files modified
   within the last ``settle_seconds`` (a vendor may still be writing) are left
   for a later pass; so is a file whose size or mtime changed while it was read.
2. **Journal.** The file's SHA-256 is looked up in a SQLite journal (WAL,
   ``synchronous=FULL``) kept beside the inbox. A file already finished (a
   crash struck after its output was durable but before it left the inbox) is
   simply removed. Otherwise the attempt is counted and committed *before*
   any work, so a file that crashes the process every time is quarantined
   ("poison file") once it has used ``max_attempts`` attempts.
3. **Read, validate, check.** The adapter is chosen by extension
   (:meth:`~cpas.adapters.plugins.Discovery.for_file`); its findings, the rule
   check (:func:`cpas.sdk.rules.check`) and the schema validation of the XML
   written (:func:`cpas.adapters.xml.documents.to_xml`) decide: no error
   finding → the XML goes to the outbox; otherwise the file goes to quarantine
   with a report beside it (``<name>.report.json`` and ``<name>.report.txt``
   in French and Dutch).
4. **Durable, then gone.** Every output is written atomically (temporary
   file, fsync, rename, fsync of the folder: :func:`~cpas.adapters.files.write_atomically`);
   the journal records the outcome; only then is the input removed from the
   inbox and the inbox folder synced.

Output names are claimed in the journal before they are written, so a rerun
after a crash rewrites the same files (same bytes) instead of adding copies;
a name already used by another input gets the digest:
``export.3f2a9c01b7d4.xml``. A lock (``fcntl.flock`` on
``<inbox>/.cpas-exchange.lock``) keeps a second process off the same inbox:
it gets :class:`InboxBusy`. The outbox and quarantine folders belong to the
exchange: leftover temporary files (``.*.tmp``) of a killed run are removed
at the start of the next one.

A NISS never appears in clear in a log line or report: anything that looks
like one is masked (:func:`~cpas.sdk.identifiers.mask_niss`). Files whose
content is identical and name equal to one already handled are treated as
that file (removed from the inbox, outcome ``duplicate``).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs

from ..sdk.errors import CpasError
from ..sdk.findings import Finding, Severity
from ..sdk.identifiers import mask_niss
from ..sdk.rules import check
from ..sdk.text import Text
from .files import sync_directory, write_atomically
from .plugins import Discovery, discover
from .xml.documents import to_xml

__all__ = [
    "ExchangeConfig",
    "FileOutcome",
    "InboxBusy",
    "PassSummary",
    "mask_identifiers",
    "run_once",
]

JOURNAL_NAME = ".cpas-exchange.sqlite"
LOCK_NAME = ".cpas-exchange.lock"


class InboxBusy(CpasError, OSError):
    """Another process holds the inbox's lock."""


@attrs.frozen
class ExchangeConfig:
    """Where files come from and go to, and how patient the exchange is."""

    inbox: Path = attrs.field(converter=Path)
    outbox: Path = attrs.field(converter=Path)
    quarantine: Path = attrs.field(converter=Path)
    journal: Path | None = None
    """The SQLite journal; default ``<inbox>/.cpas-exchange.sqlite``."""
    max_attempts: int = 3
    """Attempts (counted before each one starts) before a file is quarantined as poison."""
    settle_seconds: float = 1.0
    """A file modified more recently than this is left for a later pass."""
    today: dt.date | None = None
    """Passed to the rule check (deadlines against the clock); ``None`` skips them."""

    @property
    def journal_path(self) -> Path:
        return self.journal if self.journal is not None else self.inbox / JOURNAL_NAME


@attrs.frozen
class FileOutcome:
    """What happened to one input file (one log line)."""

    file: str
    outcome: str
    """``written``, ``quarantined``, ``duplicate`` or ``not-ready``."""
    sha256: str | None = None
    size: int = 0
    adapter: str | None = None
    outputs: tuple[str, ...] = ()
    """Files written (in the outbox, or the quarantined copy and its reports)."""
    errors: int = 0
    warnings: int = 0
    attempt: int = 0
    reason: str | None = None
    """Short cause for quarantine or skipping: first finding code, ``poison``…"""
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"file": mask_identifiers(self.file), "outcome": self.outcome,
                "sha256": self.sha256, "size": self.size, "adapter": self.adapter,
                "outputs": [mask_identifiers(o) for o in self.outputs], "errors": self.errors,
                "warnings": self.warnings, "attempt": self.attempt, "reason": self.reason,
                "ms": round(self.seconds * 1000, 1)}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    def to_text(self) -> str:
        data = self.to_dict()
        parts = [f"{data['outcome']:<11} {data['file']}"]
        if self.outputs:
            parts.append("-> " + ", ".join(data["outputs"]))
        details = [f"{key}={data[key]}" for key in ("adapter", "errors", "warnings", "attempt",
                                                   "reason") if data[key] not in (None, 0)]
        details.append(f"{data['ms']}ms")
        return " ".join(parts) + " (" + " ".join(details) + ")"


@attrs.frozen
class PassSummary:
    """Every outcome of one pass, in the order handled."""

    outcomes: tuple[FileOutcome, ...]

    def count(self, outcome: str) -> int:
        return sum(1 for o in self.outcomes if o.outcome == outcome)


# --------------------------------------------------------------------------- masking

_NISS_LIKE = re.compile(r"(?<!\d)\d{2}[.\s]?\d{2}[.\s]?\d{2}[-.\s]?\d{3}[.\s]?\d{2}(?!\d)")


def mask_identifiers(text: str) -> str:
    """``text`` with every NISS-shaped number (11 digits, with or without dots) masked."""
    return _NISS_LIKE.sub(lambda m: mask_niss(m.group(0)), text)


# --------------------------------------------------------------------------- journal


class _Journal:
    """Digest, state, attempts and claimed output names of every input seen."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS files (name TEXT NOT NULL, sha256 TEXT NOT NULL, "
            "state TEXT NOT NULL, attempts INTEGER NOT NULL, updated TEXT NOT NULL, "
            "PRIMARY KEY (name, sha256))")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS claims (place TEXT NOT NULL, file TEXT NOT NULL, "
            "name TEXT NOT NULL, sha256 TEXT NOT NULL, PRIMARY KEY (place, file))")

    def close(self) -> None:
        self._db.close()

    def state(self, name: str, digest: str) -> tuple[str, int] | None:
        row = self._db.execute("SELECT state, attempts FROM files WHERE name=? AND sha256=?",
                               (name, digest)).fetchone()
        return None if row is None else (str(row[0]), int(row[1]))

    def begin_attempt(self, name: str, digest: str) -> int:
        """Count one more attempt (durably, before the work starts); return its number."""
        with self._transaction():
            self._db.execute(
                "INSERT INTO files VALUES (?, ?, 'processing', 1, ?) ON CONFLICT(name, sha256) "
                "DO UPDATE SET attempts = attempts + 1, updated = excluded.updated",
                (name, digest, _now()))
            row = self._db.execute("SELECT attempts FROM files WHERE name=? AND sha256=?",
                                   (name, digest)).fetchone()
        return int(row[0])

    def finish(self, name: str, digest: str, state: str) -> None:
        with self._transaction():
            self._db.execute("UPDATE files SET state=?, updated=? WHERE name=? AND sha256=?",
                             (state, _now(), name, digest))

    def claimed(self, place: str, name: str, digest: str) -> list[str]:
        rows = self._db.execute(
            "SELECT file FROM claims WHERE place=? AND name=? AND sha256=? ORDER BY rowid",
            (place, name, digest)).fetchall()
        return [str(r[0]) for r in rows]

    def claim(self, place: str, folder: Path, wanted: Sequence[str], name: str,
              digest: str) -> list[str]:
        """Names in ``folder`` for this input: those claimed before, else free ones (durably)."""
        before = self.claimed(place, name, digest)
        if len(before) == len(wanted):
            return before
        with self._transaction():
            self._db.execute("DELETE FROM claims WHERE place=? AND name=? AND sha256=?",
                             (place, name, digest))
            chosen = [self._free(place, folder, file, digest) for file in wanted]
            self._db.executemany("INSERT INTO claims VALUES (?, ?, ?, ?)",
                                 [(place, file, name, digest) for file in chosen])
        return chosen

    def _free(self, place: str, folder: Path, file: str, digest: str) -> str:
        stem, dot, suffix = file.partition(".")
        candidates = [file, f"{stem}.{digest[:12]}{dot}{suffix}"]
        candidates += [f"{stem}.{digest[:12]}-{n}{dot}{suffix}" for n in range(2, 1000)]
        for candidate in candidates:
            taken = self._db.execute("SELECT 1 FROM claims WHERE place=? AND file=?",
                                     (place, candidate)).fetchone()
            if taken is None and not (folder / candidate).exists():
                return candidate
        raise OSError(f"no free name for {file} in {folder}")  # pragma: no cover

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


# --------------------------------------------------------------------------- lock


@contextmanager
def _inbox_lock(inbox: Path) -> Iterator[None]:
    fd = os.open(inbox / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InboxBusy(f"{inbox}: another cpas exchange process holds "
                            f"{LOCK_NAME}") from None
        yield
    finally:
        os.close(fd)  # closing releases the lock


# --------------------------------------------------------------------------- evaluation


@attrs.frozen
class _Verdict:
    adapter: str | None
    xml: tuple[bytes, ...]
    findings: tuple[Finding, ...]

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity is Severity.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity is Severity.WARNING)


def _finding(code: str, message: Text, source: str) -> Finding:
    return Finding(code=code, severity=Severity.ERROR, path="$", message=message, source=source)


def _evaluate(name: str, data: bytes, discovery: Discovery, today: dt.date | None) -> _Verdict:
    adapter = discovery.for_file(name)
    if adapter is None:
        return _Verdict(None, (), (_finding("EXCH-FORMAT", Text(
            fr="aucun adaptateur ne lit ce type de fichier (extension)",
            nl="geen adapter leest dit bestandstype (extensie)",
            en="no adapter reads this kind of file (extension)"), name),))
    try:
        result = adapter.read(data, source=name)
        findings = list(result.findings)
        if not result.documents and not any(f.severity is Severity.ERROR for f in findings):
            findings.append(_finding("EXCH-EMPTY", Text(
                fr="aucun document dans le fichier", nl="geen document in het bestand",
                en="no document in the file"), name))
        xml: list[bytes] = []
        if not any(f.severity is Severity.ERROR for f in findings):
            for document in result.documents:
                findings.extend(attrs.evolve(f, source=name)
                                for f in check(document, today=today))
                xml.append(to_xml(document))
    except Exception as exc:  # an adapter (maybe a plugin) failed: quarantine, keep going
        return _Verdict(adapter.name, (), (_finding("EXCH-ADAPTER", Text(
            fr=f"erreur dans l'adaptateur {adapter.name} : {type(exc).__name__}: {exc}",
            nl=f"fout in adapter {adapter.name}: {type(exc).__name__}: {exc}",
            en=f"error in adapter {adapter.name}: {type(exc).__name__}: {exc}"), name),))
    return _Verdict(adapter.name, tuple(xml), tuple(findings))


# --------------------------------------------------------------------------- reports

_HEAD = {
    "fr": ("Fichier : {file} (SHA-256 {digest})", "Mis en quarantaine : {reason}",
           "{count} erreur(s), {warnings} avertissement(s)", "Adaptateur : {adapter}"),
    "nl": ("Bestand: {file} (SHA-256 {digest})", "In quarantaine geplaatst: {reason}",
           "{count} fout(en), {warnings} waarschuwing(en)", "Adapter: {adapter}"),
}
_REASONS: dict[str, Text] = {
    "invalid": Text(fr="le fichier n'est pas valide", nl="het bestand is niet geldig",
                    en="the file is not valid"),
    "poison": Text(fr="le traitement a échoué {attempts} fois (fichier qui fait planter)",
                   nl="de verwerking is {attempts} keer mislukt (bestand dat doet crashen)",
                   en="processing failed {attempts} times (file that crashes the process)"),
}


def _report_json(name: str, digest: str, verdict: _Verdict, reason: str,
                 attempts: int) -> bytes:
    findings = [{
        "code": f.code, "severity": f.severity.value, "path": f.path, "line": f.line,
        "message": {lang: mask_identifiers(f.message.get(lang)) for lang in ("fr", "nl", "en")},
        "legal": [ref.citation for ref in f.legal],
    } for f in verdict.findings]
    data = {"file": mask_identifiers(name), "sha256": digest, "adapter": verdict.adapter,
            "reason": reason, "attempts": attempts, "errors": verdict.errors,
            "warnings": verdict.warnings, "findings": findings}
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _report_text(name: str, digest: str, verdict: _Verdict, reason: str,
                 attempts: int) -> bytes:
    lines: list[str] = []
    for lang in ("fr", "nl"):
        file_line, reason_line, count_line, adapter_line = _HEAD[lang]
        cause = _REASONS[reason].format(attempts=attempts).get(lang)
        lines += [file_line.format(file=mask_identifiers(name), digest=digest),
                  reason_line.format(reason=cause),
                  adapter_line.format(adapter=verdict.adapter or "-"),
                  count_line.format(count=verdict.errors, warnings=verdict.warnings)]
        lines += [f"  - {mask_identifiers(f.render(lang))}" for f in verdict.findings]
        lines.append("")
    return "\n".join(lines).encode("utf-8")


# --------------------------------------------------------------------------- one file


def _output_names(name: str, count: int) -> list[str]:
    stem = Path(name).stem
    if count == 1:
        return [f"{stem}.xml"]
    return [f"{stem}-{index:03d}.xml" for index in range(1, count + 1)]


class _Pass:
    def __init__(self, config: ExchangeConfig, journal: _Journal, discovery: Discovery) -> None:
        self.config = config
        self.journal = journal
        self.discovery = discovery

    def _drop(self, place: str, name: str, digest: str) -> None:
        """Remove what an earlier attempt may have written to ``place`` for this input."""
        folder = self.config.outbox if place == "out" else self.config.quarantine
        removed = False
        for file in self.journal.claimed(place, name, digest):
            if (folder / file).exists():
                (folder / file).unlink()
                removed = True
        if removed:
            sync_directory(folder)

    def _remove_input(self, path: Path) -> None:
        path.unlink(missing_ok=True)
        sync_directory(path.parent)

    def handle(self, path: Path) -> FileOutcome | None:
        name = path.name
        started = time.monotonic()
        if name.startswith("."):
            return None
        try:
            before = path.stat()
        except FileNotFoundError:
            return None
        if not path.is_file():
            return None
        if name.endswith(".part"):
            return FileOutcome(name, "not-ready", size=before.st_size, reason="part")
        if time.time() - before.st_mtime < self.config.settle_seconds:
            return FileOutcome(name, "not-ready", size=before.st_size, reason="recent")
        data = path.read_bytes()
        after = path.stat()
        if ((after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns)
                or len(data) != after.st_size):
            return FileOutcome(name, "not-ready", size=after.st_size, reason="changing")
        digest = hashlib.sha256(data).hexdigest()
        known = self.journal.state(name, digest)
        if known is not None and known[0] != "processing":
            self._remove_input(path)
            return FileOutcome(name, "duplicate", digest, len(data), reason=known[0],
                               attempt=known[1], seconds=time.monotonic() - started)
        attempt = self.journal.begin_attempt(name, digest)
        if attempt > self.config.max_attempts:
            adapter = self.discovery.for_file(name)
            verdict = _Verdict(adapter.name if adapter is not None else None, (), ())
            return self._quarantine(path, data, digest, verdict, "poison", attempt - 1,
                                    started)
        verdict = _evaluate(name, data, self.discovery, self.config.today)
        if verdict.errors:
            return self._quarantine(path, data, digest, verdict, "invalid", attempt, started)
        self._drop("quarantine", name, digest)
        files = self.journal.claim("out", self.config.outbox,
                                   _output_names(name, len(verdict.xml)), name, digest)
        for file, xml in zip(files, verdict.xml, strict=True):
            write_atomically(self.config.outbox / file, xml)
        self.journal.finish(name, digest, "done")
        self._remove_input(path)
        return FileOutcome(name, "written", digest, len(data), verdict.adapter, tuple(files),
                           verdict.errors, verdict.warnings, attempt,
                           seconds=time.monotonic() - started)

    def _quarantine(self, path: Path, data: bytes, digest: str, verdict: _Verdict,
                    reason: str, attempt: int, started: float) -> FileOutcome:
        name = path.name
        self._drop("out", name, digest)
        kept = self.journal.claim("quarantine", self.config.quarantine, [name], name,
                                  digest)[0]
        folder = self.config.quarantine
        json_report = write_atomically(folder / f"{kept}.report.json",
                                       _report_json(name, digest, verdict, reason, attempt),
                                       sync_dir=False)
        text_report = write_atomically(folder / f"{kept}.report.txt",
                                       _report_text(name, digest, verdict, reason, attempt),
                                       sync_dir=False)
        write_atomically(folder / kept, data)  # syncs the folder: all three renames durable
        self.journal.finish(name, digest, "quarantined")
        self._remove_input(path)
        first = next((f.code for f in verdict.findings if f.severity is Severity.ERROR), None)
        return FileOutcome(name, "quarantined", digest, len(data), verdict.adapter,
                           (kept, json_report.name, text_report.name), verdict.errors,
                           verdict.warnings, attempt, reason="poison" if reason == "poison"
                           else first, seconds=time.monotonic() - started)


def _remove_temporaries(folder: Path) -> None:
    """Temporary files of :func:`write_atomically` left by a killed run."""
    for entry in folder.iterdir():
        if entry.name.startswith(".") and entry.name.endswith(".tmp") and entry.is_file():
            entry.unlink(missing_ok=True)


# --------------------------------------------------------------------------- API


def run_once(config: ExchangeConfig, *, discovery: Discovery | None = None,
             log: Callable[[FileOutcome], None] | None = None) -> PassSummary:
    """One pass over the inbox; ``log`` is called once per file handled or skipped.

    Raises :class:`InboxBusy` when another process holds the inbox, and
    ``OSError`` when a folder cannot be written (the pass stops; what was done
    is durable and a rerun continues).
    """
    for folder in (config.inbox, config.outbox, config.quarantine):
        folder.mkdir(parents=True, exist_ok=True)
    found = discovery if discovery is not None else discover()
    outcomes: list[FileOutcome] = []
    with _inbox_lock(config.inbox):
        _remove_temporaries(config.outbox)
        _remove_temporaries(config.quarantine)
        journal = _Journal(config.journal_path)
        try:
            work = _Pass(config, journal, found)
            for path in sorted(config.inbox.iterdir()):
                outcome = work.handle(path)
                if outcome is None:
                    continue
                outcomes.append(outcome)
                if log is not None:
                    log(outcome)
        finally:
            journal.close()
    return PassSummary(tuple(outcomes))
