"""Exchange folder: files dropped in an inbox become validated XML, or wait in quarantine.

:func:`run_once` makes one pass over the inbox; :func:`watch` keeps polling it
until asked to stop. Each input file is handled exactly once:

1. **Ready?** Hidden files (``.name``), ``*.part`` files and files modified
   within the last ``settle_seconds`` (a vendor may still be writing) are left
   for a later pass; so is a file whose size or mtime changed while it was read.
2. **Journal.** The file's SHA-256 is looked up in a SQLite journal (WAL,
   ``synchronous=FULL``) kept beside the inbox. A file already finished (a
   crash struck after its result was durable but before it left the inbox) is
   simply removed (outcome ``duplicate``). Otherwise the attempt is counted and
   committed *before* any work, so a file that crashes the process every time
   is quarantined ("poison file") once it has used ``max_attempts`` attempts.
3. **Read, validate, check, sign.** The adapter is chosen by extension
   (:meth:`~cpas.adapters.plugins.Discovery.for_file`); its findings, the rule
   check (:func:`cpas.sdk.rules.check`) and the schema validation of the XML
   written (:func:`cpas.adapters.xml.documents.to_xml`) decide. A file in
   the SDK's own XML (the built-in ``cpas-xml`` adapter) is parsed once,
   validated against its schema and read from the same tree; when it is valid
   its output is the input's exact bytes (UTF-8, nothing but the document:
   see :func:`_read_own_xml`), so it is neither validated twice nor
   re-serialised, and a signer signs what the vendor sent. With
   :class:`Signing`, each XML document is then signed into an ASiC-E container
   (:func:`cpas.adapters.signing.signer.sign_new`); a refused signature is an
   error finding like any other. No error → the outputs go to the outbox;
   otherwise the file goes to quarantine with a report beside it
   (``<name>.report.json`` and ``<name>.report.txt`` in French and Dutch).
4. **Durable, then gone.** Outputs are written atomically (temporary file,
   fsync, rename) and the folder is synced; the journal records the outcome;
   only then is the input removed from the inbox and the inbox synced.

**Batches.** To keep the number of disk flushes per file small, files are
handled in batches (at most :data:`BATCH_FILES` files or :data:`BATCH_BYTES`
bytes): one journal transaction counts the attempts of the whole batch, one
records the output names, one records the outcomes, and each folder is synced
once per batch. Every fsync still comes before the step that relies on it:

* fsync of each output file, before its rename: the name never points to
  incomplete bytes;
* fsync of the outbox and quarantine folders, before the journal says
  ``done``/``quarantined``: the renames survive a power cut, so the journal
  never claims a result that is not on disk;
* the journal commit (WAL fsync), before the input is removed: a removed input
  always has its outcome recorded;
* fsync of the inbox, after the removals: a removal is not undone by a power
  cut (if it were, the journal would turn the input into a ``duplicate``).

A file that was being handled when the process died is handled *alone* in
the next pass, so one poison file never uses up the attempts of the files
that shared its batch.

**Writer threads.** An fsync waits for the disk while the CPU has nothing to
do, so a batch's outputs are written (temporary file, fsync, rename: one job
per input file, its outputs in order) by ``writers`` threads (by default
:data:`WRITERS`, with or without worker processes) while the pass's
thread judges the next batch; ``os.fsync`` lets the GIL go. The order of
each batch is the one above, only spread over time:

1. commit 1 (attempts) and judging, in the pass's thread;
2. commit 2 (output names claimed), *before* the batch's writes are handed
   to the threads, so a rename never precedes its claim;
3. in a writer thread, per output: fsync, then rename;
4. back in the pass's thread, once the *next* batch is judged: every write
   of the batch waited for; then the folder fsyncs (after every rename of the
   batch), commit 3 (outcomes), the removals and the inbox fsync, as before.

The journal and the umask are only touched by the pass's thread (SQLite
connections are not shared; reading the umask sets it to 0 for a moment,
so the writers get the file mode computed once per pass). At most one batch
is being written (its bytes in memory: at most :data:`BATCH_FILES` files,
about :data:`BATCH_BYTES` of inputs and their outputs), besides the one being
judged and, with workers, the one in their hands. Every write handed over is
waited for before the pass returns, stops (``stop``, SIGTERM), raises or
forks worker processes. A write error is raised once all the batch's writes
have ended (the first in the batch's order); the batch judged meanwhile gives
its attempts back, so the inbox and the journal are as without threads. A
survivor of a crash is judged with nothing else in flight and finished before
anything else starts. What a crash leaves can differ in one way: the batch
being written when a file of the next one kills the process is retried
(alone, one more attempt each), as the files of the killer's own batch are.
With ``writers=0`` each batch is written and finished before the next one is
judged.

**Workers.** With ``jobs`` > 1, files are read and checked in worker
processes while the main process writes the previous batch (journal,
outputs, fsyncs, signing stay in the main process, which writes through
writer threads as above: while a thread waits for the disk, the main process
claims the next batch and the workers judge the one after).
A worker gets the names and bytes of up to :data:`CHUNK_FILES` files per
call and sends back only verdicts (output bytes and findings), never
documents. A file that kills its worker breaks the pool: the files whose
result is unknown are logged ``retry`` and handled alone in the next pass
(the pool is rebuilt), so the exchange keeps running and the culprit ends in
quarantine as poison. Workers ignore SIGTERM/SIGINT (the main process
finishes the files in hand, then stops them) and exit by themselves if the
main process is killed.

Output names are claimed in the journal before they are written, so a rerun
after a crash rewrites the same files (same bytes) instead of adding copies;
a name already used by another input gets the digest:
``export.3f2a9c01b7d4.xml``. A lock (``fcntl.flock`` on
``<inbox>/.cpas-exchange.lock``) keeps a second process off the same inbox:
it gets :class:`InboxBusy`. The outbox and quarantine folders belong to the
exchange: leftover temporary files (``.*.tmp``) and signing folders of a
killed run are removed when the exchange opens.

A NISS never appears in clear in a log line or report: anything that looks
like one is masked (:func:`~cpas.sdk.identifiers.mask_niss`). A file whose
name and content equal one already handled is treated as that file (removed
from the inbox, outcome ``duplicate``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import gc
import hashlib
import itertools
import json
import multiprocessing
import os
import re
import shutil
import signal
import sqlite3
import stat
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

import attrs
from lxml import etree

from ..schemas import UnknownSchema, lxml_schema
from ..sdk.errors import CpasError
from ..sdk.findings import Finding, Severity
from ..sdk.identifiers import mask_niss
from ..sdk.parties import SignerRole
from ..sdk.rules import check
from ..sdk.text import Text
from .cpus import usable_cpus
from .files import default_mode, sync_directory, write_atomically
from .plugins import Discovery, XmlAdapter, discover
from .signing.errors import SigningError
from .signing.keys import SigningKey
from .signing.signer import sign_new
from .xml.documents import KINDS, to_xml
from .xml.mapping import load
from .xml.parser import XmlError, parse_bytes
from .xml.plainread import read_plain

__all__ = [
    "BATCH_BYTES",
    "BATCH_FILES",
    "Exchange",
    "ExchangeConfig",
    "FileOutcome",
    "InboxBusy",
    "PassSummary",
    "Signing",
    "WatchSummary",
    "auto_jobs",
    "mask_identifiers",
    "run_once",
    "watch",
]

JOURNAL_NAME = ".cpas-exchange.sqlite"
LOCK_NAME = ".cpas-exchange.lock"
SIGN_FOLDER_PREFIX = ".cpas-sign-"
BATCH_FILES = 256
"""Most files handled between two journal commits. A batch costs up to six fsyncs besides
its files' own (three commits, outbox, quarantine and inbox folders), waited for one
after the other by the pass's thread; when the disk is busy they set the pace (measured
with ``bench/exchange.py --jobs auto`` on a loaded machine: 0.46, 0.54, 0.55 and once
1.08 x the baseline with 64 files; 0.54 and 0.64 with 128; 0.60, 0.78, 0.78 and 0.78
with 256). After a crash, the files of the batches in hand are retried one at a time:
a few hundred small batches."""
BATCH_BYTES = 16 * 1024 * 1024
"""A batch closes once its inputs reach this size (a bigger file is a batch alone)."""
_NAMES_PER_QUERY = 500
"""Names looked up in the journal by one query (SQLite allows 999 parameters at least)."""
CHUNK_FILES = 8
"""Files sent to a worker process in one call: a call costs the main process about
0.13 ms (pickling, queues), against 0.02 ms per file for a call of 8."""
WRITERS = 2
"""Writer threads of a pass (:attr:`ExchangeConfig.writers`)."""
AUTO_JOBS = 4
"""Most worker processes :func:`auto_jobs` gives: beyond that, the main process (journal,
writes, fsyncs) is what limits the pace."""
FINISHED = ("written", "quarantined", "duplicate")
"""Outcomes that took a file out of the inbox (counted by ``max_files``)."""


class InboxBusy(CpasError, OSError):
    """Another process holds the inbox's lock."""


@attrs.frozen
class Signing:
    """Sign every output into an ASiC-E container with this key, in this role.

    There is no default key: the throw-away test PKI is never used unless its
    key is given here explicitly.
    """

    key: SigningKey
    role: SignerRole


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
    signing: Signing | None = None
    """Sign each output into an ``.asice`` container; ``None``: plain XML outputs."""
    jobs: int = 1
    """Worker processes reading and checking files; 1: all in this process."""
    writers: int | None = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.ge(0)))
    """Threads writing a batch's outputs (fsync, rename) while the next batch is judged;
    0: each batch is written, then finished, before the next one is judged. ``None``:
    :data:`WRITERS`, with or without worker processes (with workers, the threads cost
    the main process some CPU, but a slow disk no longer stops it: measured with
    ``bench/exchange.py --jobs 2 --writers 0,2``, 0.42/0.50/0.61 x the baseline
    without threads against 0.49/0.65/0.59 x with them)."""

    @property
    def writer_threads(self) -> int:
        if self.writers is not None:
            return self.writers
        return WRITERS

    @property
    def journal_path(self) -> Path:
        return self.journal if self.journal is not None else self.inbox / JOURNAL_NAME


def auto_jobs() -> int:
    """Worker processes for the CPUs this process may use (``cpas exchange run`` by
    default): one per CPU up to :data:`AUTO_JOBS`; 1 (no worker: all in this process)
    on a single CPU, where a worker would only share it with the main process."""
    return min(usable_cpus(), AUTO_JOBS)


def _utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


@attrs.frozen
class FileOutcome:
    """What happened to one input file (one log line)."""

    file: str
    outcome: str
    """``written``, ``quarantined``, ``duplicate``, ``not-ready``, or ``retry`` (a worker
    process died while the file was in hand: it is tried again, alone, next pass)."""
    sha256: str | None = None
    size: int = 0
    adapter: str | None = None
    outputs: tuple[str, ...] = ()
    """Files written (in the outbox, or the quarantined copy and its reports)."""
    errors: int = 0
    warnings: int = 0
    attempt: int = 0
    reason: str | None = None
    """Short cause for quarantine or skipping: first finding code, ``poison``; for
    ``not-ready``: ``part`` (a ``.part`` name), ``recent`` (modified within the settle
    time), ``changing`` (modified while read), ``name-not-utf8`` (a name that is not
    UTF-8 text: it stays in the inbox until renamed)."""
    seconds: float = 0.0
    """Time spent on this file (reading, checking, signing, writing)."""
    at: str = attrs.field(factory=_utc_now)
    """When the outcome was final (UTC, ISO 8601)."""

    def to_dict(self) -> dict[str, Any]:
        return {"at": self.at, "file": mask_identifiers(self.file), "outcome": self.outcome,
                "sha256": self.sha256, "size": self.size, "adapter": self.adapter,
                "outputs": [mask_identifiers(o) for o in self.outputs], "errors": self.errors,
                "warnings": self.warnings, "attempt": self.attempt,
                "reason": None if self.reason is None else mask_identifiers(self.reason),
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
        if self.sha256:
            details.append(f"sha256={self.sha256[:12]}")
        details.append(f"{data['ms']}ms")
        return " ".join(parts) + " (" + " ".join(details) + ")"


@attrs.frozen
class PassSummary:
    """Every outcome of one pass, in the order handled."""

    outcomes: tuple[FileOutcome, ...]

    def count(self, outcome: str) -> int:
        return sum(1 for o in self.outcomes if o.outcome == outcome)


@attrs.frozen
class WatchSummary:
    """What a :func:`watch` did before it stopped (counts only: it may run for months)."""

    passes: int
    counts: dict[str, int]
    stopped_by: str
    """``signal`` (the stop callable said so) or ``max-files``."""

    def count(self, outcome: str) -> int:
        return self.counts.get(outcome, 0)


# --------------------------------------------------------------------------- masking

_NISS_LIKE = re.compile(r"(?<!\d)\d{2}[.\s]?\d{2}[.\s]?\d{2}[-.\s]?\d{3}[.\s]?\d{2}(?!\d)")


def mask_identifiers(text: str) -> str:
    """``text`` with every NISS-shaped number (11 digits, with or without dots) masked."""
    return _NISS_LIKE.sub(lambda m: mask_niss(m.group(0)), text)


# --------------------------------------------------------------------------- journal


class _Journal:
    """Digest, state, attempts and claimed output names of every input seen.

    Methods open their own transaction unless one is already open
    (:meth:`transaction`), so a batch can group them into one commit.
    """

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
        # Claims are looked up by input: without this index each lookup reads the table.
        self._db.execute("CREATE INDEX IF NOT EXISTS claims_by_input "
                         "ON claims (place, name, sha256)")

    def close(self) -> None:
        self._db.close()

    def state(self, name: str, digest: str) -> tuple[str, int] | None:
        row = self._db.execute("SELECT state, attempts FROM files WHERE name=? AND sha256=?",
                               (name, digest)).fetchone()
        return None if row is None else (str(row[0]), int(row[1]))

    def states(self, names: Sequence[str]) -> dict[tuple[str, str], tuple[str, int]]:
        """:meth:`state` of every known (name, digest) of these names, in a few queries
        (one per :data:`_NAMES_PER_QUERY` names) instead of one per file."""
        found: dict[tuple[str, str], tuple[str, int]] = {}
        for first in range(0, len(names), _NAMES_PER_QUERY):
            some = names[first:first + _NAMES_PER_QUERY]
            marks = ",".join("?" * len(some))  # placeholders only: names are parameters
            rows = self._db.execute(
                f"SELECT name, sha256, state, attempts FROM files WHERE name IN ({marks})",  # noqa: S608
                some)
            for name, digest, state, attempts in rows:
                found[str(name), str(digest)] = (str(state), int(attempts))
        return found

    _ATTEMPT = ("INSERT INTO files VALUES (?, ?, 'processing', 1, ?) ON CONFLICT(name, sha256) "
                "DO UPDATE SET attempts = attempts + 1, updated = excluded.updated")

    def begin_attempt(self, name: str, digest: str) -> int:
        """Count one more attempt (durable at the commit, before the work starts)."""
        with self.transaction():
            self._db.execute(self._ATTEMPT, (name, digest, _now()))
            row = self._db.execute("SELECT attempts FROM files WHERE name=? AND sha256=?",
                                   (name, digest)).fetchone()
        return int(row[0])

    def begin_first_attempts(self, inputs: Sequence[tuple[str, str]]) -> None:
        """:meth:`begin_attempt` for (name, digest) pairs the caller knows the journal has
        no row for (their first attempt, then), in one statement."""
        now = _now()
        with self.transaction():
            self._db.executemany(self._ATTEMPT, [(name, digest, now) for name, digest in inputs])

    def release(self, name: str, digest: str) -> None:
        """Take back an attempt counted for a file left unhandled (stop requested)."""
        with self.transaction():
            self._db.execute("UPDATE files SET attempts = attempts - 1 WHERE name=? AND "
                             "sha256=? AND state='processing'", (name, digest))
            self._db.execute("DELETE FROM files WHERE name=? AND sha256=? AND attempts <= 0",
                             (name, digest))

    def finish_all(self, outcomes: Sequence[tuple[str, str, str]]) -> None:
        """Record the final state of each (name, digest, state), in one statement."""
        now = _now()
        with self.transaction():
            self._db.executemany(
                "UPDATE files SET state=?, updated=? WHERE name=? AND sha256=?",
                [(state, now, name, digest) for name, digest, state in outcomes])

    def claimed(self, place: str, name: str, digest: str) -> list[str]:
        rows = self._db.execute(
            "SELECT file FROM claims WHERE place=? AND name=? AND sha256=? ORDER BY rowid",
            (place, name, digest)).fetchall()
        return [str(r[0]) for r in rows]

    def claim(self, place: str, folder: Path, wanted: Sequence[str], name: str,
              digest: str, *, fresh: bool = False) -> list[str]:
        """Names in ``folder`` for this input: those claimed before, else free ones.

        ``fresh``: the caller knows that this input has claimed nothing yet."""
        before = [] if fresh else self.claimed(place, name, digest)
        if before and len(before) == len(wanted):
            return before
        with self.transaction():
            if before:
                self._db.execute("DELETE FROM claims WHERE place=? AND name=? AND sha256=?",
                                 (place, name, digest))
            chosen: list[str] = []
            for file in wanted:
                chosen.append(self._free(place, folder, file, digest))
                self._db.execute("INSERT INTO claims VALUES (?, ?, ?, ?)",
                                 (place, chosen[-1], name, digest))
        return chosen

    def _free(self, place: str, folder: Path, file: str, digest: str) -> str:
        stem, dot, suffix = file.partition(".")
        candidates = itertools.chain(
            (file, f"{stem}.{digest[:12]}{dot}{suffix}"),
            (f"{stem}.{digest[:12]}-{n}{dot}{suffix}" for n in range(2, 1000)))
        for candidate in candidates:
            taken = self._db.execute("SELECT 1 FROM claims WHERE place=? AND file=?",
                                     (place, candidate)).fetchone()
            if taken is None and not (folder / candidate).exists():
                return candidate
        raise OSError(f"no free name for {file} in {folder}")  # pragma: no cover

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One commit for everything inside (nested uses join the open transaction)."""
        if self._db.in_transaction:
            yield
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


# --------------------------------------------------------------------------- evaluation


@attrs.frozen
class _Verdict:
    adapter: str | None
    outputs: tuple[tuple[str, bytes], ...]
    """(wanted name, bytes) of each output."""
    findings: tuple[Finding, ...]

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity is Severity.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity is Severity.WARNING)


def _finding(code: str, message: Text, source: str) -> Finding:
    return Finding(code=code, severity=Severity.ERROR, path="$", message=message, source=source)


def _output_names(name: str, count: int, suffix: str) -> list[str]:
    stem = Path(name).stem
    if count == 1:
        return [f"{stem}{suffix}"]
    return [f"{stem}-{index:03d}{suffix}" for index in range(1, count + 1)]


_OWN_KINDS = {kind.namespace: kind for kind in KINDS}
_UTF8_BOM = b"\xef\xbb\xbf"
_NOT_DOCUMENT = etree.XPath("boolean(//comment() | //processing-instruction() | //@*)")
"""Nodes the document model does not keep (comments, processing instructions, attributes
such as ``xsi:schemaLocation``, valid for the schema): an input holding one is
re-serialised."""


def _read_own_xml(name: str, data: bytes) -> tuple[Any, bool] | None:
    """A valid cpas-sdk XML document read with one parse, or ``None`` when it is not one.

    The input is parsed once with the hardened parser, the tree is validated
    against its kind's schema, and the document is built from the same tree
    (what :class:`~cpas.adapters.plugins.XmlAdapter` does with two parses and a
    second validation). ``None`` for anything else (malformed, unsafe, unknown
    namespace, invalid, a value the models refuse): the adapter then reads the
    file again and gives its findings, with lines and paths, as before.

    The flag says whether the input's bytes may be written out as they are:
    they are UTF-8 XML 1.0 (no byte-order mark) and hold only the document: no
    comment, processing instruction, attribute or other namespace declaration.
    The document was read from those bytes, so reading them back gives it
    again (``from_xml(data) == document``); and a signer gets exactly what the
    vendor sent. Other inputs are re-serialised
    with :func:`~cpas.adapters.xml.documents.to_xml`.
    """
    try:
        tree = parse_bytes(data, source=name)
    except XmlError:
        return None
    root = tree.getroot()
    kind = _OWN_KINDS.get(etree.QName(root).namespace or "")
    if kind is None or root.tag != kind.root_tag:
        return None
    try:
        schema = lxml_schema(kind.schema_file)
    except UnknownSchema:
        return None
    if not schema.validate(root):
        return None
    # Valid bytes in the plain layout (what to_xml writes) are read again from the bytes,
    # cheaper than walking the tree; that reader refuses comments, processing
    # instructions, attributes, other encodings and namespace declarations, so what is
    # left of the flag below is the count of "xmlns" (one, unless a text holds it).
    document: Any = read_plain(data, kind.cls, kind.namespace, kind.root)
    if document is not None:
        return document, data.count(b"xmlns") == 1
    try:
        document = load(root, kind.cls, tag=kind.root, namespace=kind.namespace)
    except Exception:  # the adapter's read gives the finding (or its own failure)
        return None
    info = tree.docinfo
    encoding = (info.encoding or "").upper()
    plain = (encoding in ("UTF-8", "UTF8") and info.xml_version == "1.0"
             and not data.startswith(_UTF8_BOM) and _one_namespace(root, data, kind.namespace)
             and not _NOT_DOCUMENT(tree))
    return document, plain


def _one_namespace(root: etree._Element, data: bytes, namespace: str) -> bool:
    """No namespace but the document's, anywhere: other declarations are valid for the
    schema but are not part of the document, so bytes holding them are re-serialised
    rather than passed on.

    ``data`` is UTF-8 (checked first), where every namespace declaration is spelt
    with the bytes ``xmlns``: if they occur once, the root's declaration (the root's
    namespaces are the document's alone) is the only one, and every element has the
    root's namespaces. ``xmlns`` in a text only makes the input re-serialised."""
    return root.nsmap == {None: namespace} and data.count(b"xmlns") == 1


def _evaluate(name: str, data: bytes, discovery: Discovery, today: dt.date | None) -> _Verdict:
    adapter = discovery.for_file(name)
    if adapter is None:
        return _Verdict(None, (), (_finding("EXCH-FORMAT", Text(
            fr="aucun adaptateur ne lit ce type de fichier (extension)",
            nl="geen adapter leest dit bestandstype (extensie)",
            en="no adapter reads this kind of file (extension)"), name),))
    try:
        own = _read_own_xml(name, data) if type(adapter) is XmlAdapter else None
        if own is not None:  # valid SDK XML: checked, then written out as it came
            findings = [attrs.evolve(f, source=name) for f in check(own[0], today=today)]
            output = data if own[1] else to_xml(own[0])
            names = _output_names(name, 1, ".xml")
            return _Verdict(adapter.name, ((names[0], output),), tuple(findings))
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
    names = _output_names(name, len(xml), ".xml")
    return _Verdict(adapter.name, tuple(zip(names, xml, strict=True)), tuple(findings))


def _signed(verdict: _Verdict, name: str, signing: Signing, folder: Path) -> _Verdict:
    """The verdict with each XML output replaced by its signed ``.asice`` container.

    The XML is written under ``folder`` (the exchange's private signing folder)
    because :func:`sign_new` reads the document from a file and names the entry
    after it; the container is built there too, then read back as the output.
    """
    outputs: list[tuple[str, bytes]] = []
    for xml_name, xml in verdict.outputs:
        document = folder / xml_name
        container = folder / (Path(xml_name).stem + ".asice")
        try:
            document.write_bytes(xml)
            sign_new(container, document, key=signing.key, role=signing.role)
            outputs.append((container.name, container.read_bytes()))
        except (SigningError, OSError) as exc:
            detail = str(exc) if isinstance(exc, SigningError) else (exc.strerror or str(exc))
            return attrs.evolve(verdict, outputs=(), findings=(*verdict.findings, _finding(
                "EXCH-SIGN", Text(
                    fr=f"signature refusée ({signing.role.value}) : {detail}",
                    nl=f"handtekening geweigerd ({signing.role.value}): {detail}",
                    en=f"signing refused ({signing.role.value}): {detail}"), name)))
        finally:
            document.unlink(missing_ok=True)
            container.unlink(missing_ok=True)
    return attrs.evolve(verdict, outputs=tuple(outputs))


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


# --------------------------------------------------------------------------- one batch


@attrs.define(eq=False)
class _Item:
    """One input file on its way through a batch."""

    path: Path
    data: bytes
    digest: str
    started: float
    known: tuple[str, int] | None
    attempt: int = 0
    verdict: _Verdict | None = None
    reason: str = "invalid"
    place: str = ""
    kept: tuple[str, ...] = ()
    seconds: float = 0.0
    future: Future[list[_Verdict]] | None = None
    """The evaluation in a worker process (``jobs`` > 1), with others of the batch."""
    pool: ProcessPoolExecutor | None = None
    """The worker processes ``future`` was given to."""
    slot: int = 0
    """This file's place in what ``future`` returns."""
    name: str = attrs.field(init=False)
    """``path.name``, taken once."""

    def __attrs_post_init__(self) -> None:
        self.name = self.path.name

    @property
    def suspect(self) -> bool:
        """Being handled when the process died: handle it alone."""
        return self.known is not None and self.known[0] == "processing"

    @property
    def duplicate(self) -> bool:
        return self.known is not None and self.known[0] != "processing"

    @property
    def judged(self) -> _Verdict:
        if self.verdict is None:  # pragma: no cover - a bug in the batch's order
            raise RuntimeError(f"{self.name}: used before it was evaluated")
        return self.verdict


@attrs.frozen
class _Known:
    """The journal's states of the names a batch is about to pick, looked up at once;
    a name beyond them (files skipped as not ready) is looked up alone."""

    names: frozenset[str]
    states: dict[tuple[str, str], tuple[str, int]]
    journal: _Journal

    def state(self, name: str, digest: str) -> tuple[str, int] | None:
        if name in self.names:
            return self.states.get((name, digest))
        return self.journal.state(name, digest)


@attrs.define(eq=False)
class _Round:
    """A started batch once judged: the files evaluated or lost; then its writes."""

    batch: list[_Item]
    work: list[_Item]
    """The files of the batch with an attempt counted (all but duplicates)."""
    done: list[_Item]
    """Judged: their results are written, in this order."""
    lost: list[_Item]
    """Their worker process died: retried, alone, next pass."""
    touched: set[Path] = attrs.field(factory=set)
    """Folders where names were written or removed: synced before the outcomes."""
    writes: list[Future[float]] = attrs.field(factory=list)
    """One per file of ``done`` when the writer threads write them; empty when written
    in the pass's thread."""

    @property
    def leaving(self) -> int:
        """Files that leave the inbox when the batch is finished."""
        return len(self.done) + sum(1 for item in self.batch if item.duplicate)


def _write_files(files: Sequence[tuple[Path, bytes]], mode: int) -> float:
    """Write each file atomically (temporary file, fsync, rename), in order; the seconds
    spent. Runs in a writer thread: it touches nothing but these files (no journal, and
    the ``mode`` was computed from the umask by the pass's thread)."""
    clock = time.monotonic()
    for path, data in files:
        write_atomically(path, data, mode=mode, sync_dir=False)
    return time.monotonic() - clock


def _utf8(name: str) -> bool:
    """Whether a file name is UTF-8 text (Python keeps other bytes as lone surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _never() -> bool:
    return False


_WORKER_DISCOVERY: Discovery | None = None


def _start_worker(discovery: Discovery, lock: int | None) -> None:
    """In a worker process: keep the adapters; close the inbox lock's descriptor
    (inherited from the fork: kept open here, it would hold the lock for as long as
    the worker lives); leave SIGTERM/SIGINT to the parent, which finishes the files
    in hand before it stops the workers; exit when the parent dies (killed with
    SIGKILL, it cannot stop its workers, and the work queue stays open). What the
    worker inherited is set aside from the cyclic garbage collector for good (see
    :meth:`Exchange.run_pass`)."""
    global _WORKER_DISCOVERY
    _WORKER_DISCOVERY = discovery
    if lock is not None:
        with contextlib.suppress(OSError):
            os.close(lock)  # closing this copy leaves the parent's lock as it is
    gc.freeze()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    parent = os.getppid()

    def orphaned() -> None:
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(0)

    threading.Thread(target=orphaned, name="cpas-exchange-parent-watch", daemon=True).start()


def _evaluate_in_worker(files: Sequence[tuple[str, bytes]],
                        today: dt.date | None) -> list[_Verdict]:
    """In a worker process: the verdict of each file (name and bytes; a verdict is
    names, bytes and findings, never a document: what crosses back is small)."""
    discovery = _WORKER_DISCOVERY if _WORKER_DISCOVERY is not None else discover()
    return [_evaluate(name, data, discovery, today) for name, data in files]


class Exchange:
    """An open exchange: the inbox lock held and the journal open, for one or many passes.

    Use as a context manager (:func:`run_once` and :func:`watch` do). Raises
    :class:`InboxBusy` on entry when another process holds the inbox.
    """

    def __init__(self, config: ExchangeConfig, discovery: Discovery | None = None) -> None:
        self.config = config
        self.discovery = discovery if discovery is not None else discover()
        self._lock: int | None = None
        self._journal: _Journal | None = None
        self._sign_folder: Path | None = None
        self._pool: ProcessPoolExecutor | None = None
        self._writers: ThreadPoolExecutor | None = None
        self._waiting: dict[str, str] = {}
        """Files reported not ready, with the reason: reported again only when it changes."""

    # -- opening and closing

    def __enter__(self) -> Exchange:
        config = self.config
        for folder in (config.inbox, config.outbox, config.quarantine):
            folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(config.inbox / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise InboxBusy(f"{config.inbox}: another cpas exchange process holds "
                            f"{LOCK_NAME}") from None
        self._lock = fd
        try:
            _remove_leftovers(config.outbox)
            _remove_leftovers(config.quarantine)
            self._journal = _Journal(config.journal_path)
            if config.signing is not None:
                self._sign_folder = Path(tempfile.mkdtemp(prefix=SIGN_FOLDER_PREFIX,
                                                          dir=config.outbox))
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._stop_writers()  # before the lock is released: no write outlives the exchange
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        if self._sign_folder is not None:
            shutil.rmtree(self._sign_folder, ignore_errors=True)
            self._sign_folder = None
        if self._journal is not None:
            self._journal.close()
            self._journal = None
        if self._lock is not None:
            os.close(self._lock)  # closing releases the lock
            self._lock = None

    @property
    def journal(self) -> _Journal:
        if self._journal is None:
            raise RuntimeError("the exchange is not open (use it in a with block)")
        return self._journal

    # -- one pass

    def run_pass(self, *, log: Callable[[FileOutcome], None] | None = None,
                 stop: Callable[[], bool] = _never,
                 max_files: int | None = None) -> PassSummary:
        """Handle the files of the inbox in name order, batch by batch.

        ``stop`` is asked before each file: once it returns True, the file
        being handled is finished (outputs, journal, removal) and the pass
        ends. ``max_files`` bounds the files taken out of the inbox.

        Every file builds thousands of short-lived objects, which trigger full
        collections of the cyclic garbage collector; each would walk again the
        tens of thousands of objects alive before the pass (modules, schemas,
        rules). Those are set aside during the pass (``gc.freeze``, unless the
        process already froze objects of its own) and put back at its end
        (``gc.unfreeze``): about 5 % of the CPU time per file. Reference counting
        still frees everything that is not a cycle.
        """
        frozen = gc.get_freeze_count() == 0
        if frozen:
            gc.freeze()
        try:
            return self._run_pass(log, stop, max_files)
        finally:
            if frozen:
                gc.unfreeze()

    def _run_pass(self, log: Callable[[FileOutcome], None] | None, stop: Callable[[], bool],
                  max_files: int | None) -> PassSummary:
        outcomes: list[FileOutcome] = []
        finished = 0

        def report(outcome: FileOutcome) -> None:
            nonlocal finished
            outcomes.append(outcome)
            finished += outcome.outcome in FINISHED
            if log is not None:
                log(outcome)

        entries = sorted(self.config.inbox.iterdir())
        position = 0
        pending: list[_Item] = []  # started in the worker processes, not judged yet
        writing: _Round | None = None  # judged; its outputs are being written
        mode = default_mode()  # the umask is read here, never by a writer thread
        try:
            while True:
                batch: list[_Item] = []
                # Files not ready are reported after the outcomes of the batch being
                # written (the order of a pass without writer threads).
                held: list[FileOutcome] = []
                busy = len(pending) + (0 if writing is None else writing.leaving)
                room = BATCH_FILES if max_files is None else min(
                    BATCH_FILES, max_files - finished - busy)
                size = 0
                ahead = [path.name for path in entries[position:position + room]
                         if _utf8(path.name)]
                known = _Known(frozenset(ahead), self.journal.states(ahead), self.journal)
                while (position < len(entries) and len(batch) < room and size < BATCH_BYTES
                       and not stop()):
                    item = self._pick(entries[position], held.append, known)
                    if item is not None and item.suspect and batch:
                        break  # a survivor of a crash: alone, in the next batch
                    position += 1
                    if item is None:
                        continue
                    batch.append(item)
                    size += len(item.data)
                    if item.suspect:
                        break
                if not batch and not pending:
                    self._complete(writing, report)
                    writing = None
                    for line in held:
                        report(line)
                    break
                if any(item.suspect for item in batch):
                    # A survivor of a crash is judged with nothing else in flight, and
                    # finished before anything else starts: if it kills the process
                    # again, no other file loses an attempt.
                    if pending:
                        writing = self._advance(pending, writing, stop, mode, report, held)
                        pending = []
                    self._complete(writing, report)
                    writing = None
                    for line in held:
                        report(line)
                    self._start(batch)
                    self._complete(self._advance(batch, None, stop, mode, report, []), report)
                    continue
                self._start(batch)
                if self.config.jobs > 1:  # the workers judge this batch, this one is next
                    batch, pending = pending, batch
                writing = self._advance(batch, writing, stop, mode, report, held)
        except BaseException:
            self._stop_writers()  # no write left running once the pass has ended
            raise
        return PassSummary(tuple(outcomes))

    def _pick(self, path: Path, report: Callable[[FileOutcome], None],
              known: _Known) -> _Item | None:
        """The file read and looked up in the journal (through ``known``), or None when
        it is not for now."""
        name = path.name
        started = time.monotonic()
        if name.startswith("."):
            return None
        try:
            before = path.stat()
            if not stat.S_ISREG(before.st_mode):  # what path.is_file() says, without a stat
                return None
            if not _utf8(name):
                # The journal, the output names and the logs hold names as UTF-8 text: a
                # name in another encoding (bytes that are not UTF-8) waits for a rename.
                shown = name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
                self._not_ready(shown, before.st_size, "name-not-utf8", report)
                return None
            if name.endswith(".part"):
                self._not_ready(name, before.st_size, "part", report)
                return None
            if time.time() - before.st_mtime < self.config.settle_seconds:
                self._not_ready(name, before.st_size, "recent", report)
                return None
            data = path.read_bytes()
            after = path.stat()
        except FileNotFoundError:
            return None
        if ((after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns)
                or len(data) != after.st_size):
            self._not_ready(name, after.st_size, "changing", report)
            return None
        self._waiting.pop(name, None)
        digest = hashlib.sha256(data).hexdigest()
        return _Item(path, data, digest, started, known.state(name, digest))

    def _not_ready(self, name: str, size: int, reason: str,
                   report: Callable[[FileOutcome], None]) -> None:
        if self._waiting.get(name) != reason:
            self._waiting[name] = reason
            report(FileOutcome(name, "not-ready", size=size, reason=reason))

    def _start(self, batch: list[_Item]) -> None:
        """Count the attempts (one commit, before any work); hand the files to the workers."""
        if not batch:
            return
        journal = self.journal
        work = [item for item in batch if not item.duplicate]
        new = [item for item in work if item.known is None]  # unknown when picked
        with journal.transaction():
            journal.begin_first_attempts([(item.name, item.digest) for item in new])
            for item in new:
                item.attempt = 1
            for item in work:
                if item.known is not None:
                    item.attempt = journal.begin_attempt(item.name, item.digest)
        if self.config.jobs > 1:
            pool = self._workers()
            todo = [item for item in work if item.attempt <= self.config.max_attempts]
            for first in range(0, len(todo), CHUNK_FILES):
                chunk = todo[first:first + CHUNK_FILES]
                future = pool.submit(_evaluate_in_worker,
                                     [(item.name, item.data) for item in chunk],
                                     self.config.today)
                for slot, item in enumerate(chunk):
                    item.future, item.slot, item.pool = future, slot, pool

    def _advance(self, batch: list[_Item], writing: _Round | None, stop: Callable[[], bool],
                 mode: int, report: Callable[[FileOutcome], None],
                 held: list[FileOutcome]) -> _Round | None:
        """Judge ``batch`` (the writer threads write ``writing``'s outputs meanwhile), finish
        ``writing`` (its outcomes reported, then ``held``), claim ``batch``'s output names
        and start writing its outputs.

        Returns the batch being written (``None``: nothing to write, or no writer threads,
        and then it is finished already). A batch judged but not yet claimed when
        ``writing`` fails gives its attempts back: a write error leaves it as it was
        before the pass (except files that killed a worker: their attempt counts)."""
        judged = self._judge(batch, stop)
        try:
            self._complete(writing, report)
        except BaseException:
            self._release(judged)
            raise
        for line in held:
            report(line)
        written = self._submit(judged, mode)
        if written is not None and not written.writes:  # written in this thread: finish
            self._complete(written, report)
            return None
        return written

    def _judge(self, batch: list[_Item], stop: Callable[[], bool]) -> _Round:
        """Evaluate the started batch (here, or collect the workers' verdicts)."""
        work = [item for item in batch if not item.duplicate]
        if not work:
            return _Round(batch, work, [], [])
        done, lost = (self._judge_here(work, stop) if self.config.jobs <= 1
                      else self._judge_in_workers(work, stop))
        return _Round(batch, work, done, lost)

    def _release(self, judged: _Round) -> None:
        """Give back the attempts of a judged batch that will not be written (best effort:
        the error that stops the pass is the one to report)."""
        try:
            with self.journal.transaction():
                for item in judged.work:
                    if item not in judged.lost:
                        self.journal.release(item.name, item.digest)
        except (OSError, sqlite3.Error):
            pass

    def _submit(self, judged: _Round, mode: int) -> _Round | None:
        """Claim the output names (one commit), then write the outputs: in the writer
        threads (one job per file, its outputs in order), or here, in order."""
        if not judged.batch:
            return None
        journal = self.journal
        with journal.transaction():  # commit 2: output names, before any rename
            for item in judged.done:
                clock = time.monotonic()
                judged.touched |= self._claim(item)
                item.seconds += time.monotonic() - clock
        todo = [(item, self._files(item)) for item in judged.done]  # reports built here
        pool = self._writer_threads()
        for item, files in todo:
            if pool is None:
                item.seconds += _write_files(files, mode)
            else:
                judged.writes.append(pool.submit(_write_files, files, mode))
        return judged

    def _complete(self, written: _Round | None, report: Callable[[FileOutcome], None]) -> None:
        """Wait for the batch's writes, make them durable, record the outcomes (one commit),
        then empty the inbox of the batch and report its outcomes.

        Every write is waited for before an error is raised (the first one, in the order
        of the batch): nothing is left running, and nothing is recorded."""
        if written is None:
            return
        config, journal = self.config, self.journal
        error: BaseException | None = None
        for item, future in zip(written.done if written.writes else (), written.writes,
                                strict=True):
            try:
                item.seconds += future.result()
            except BaseException as exc:
                error = exc if error is None else error
        if error is not None:
            raise error
        for folder in sorted(written.touched):
            sync_directory(folder)  # the renames are durable before the journal says so
        with journal.transaction():  # commit 3: outcomes (and attempts not used)
            journal.finish_all([(item.name, item.digest,
                                 "done" if item.place == "out" else "quarantined")
                                for item in written.done])
            for item in written.work:
                if item not in written.done and item not in written.lost:
                    journal.release(item.name, item.digest)
        leaving = [item for item in written.batch if item.duplicate] + written.done
        for item in leaving:
            item.path.unlink(missing_ok=True)
        if leaving:
            sync_directory(config.inbox)
        for item in written.batch:
            if item.duplicate or item in written.done:
                report(self._outcome(item))
        for item in written.lost:
            report(FileOutcome(item.name, "retry", item.digest, len(item.data),
                               attempt=item.attempt, reason="worker-died"))

    def _writer_threads(self) -> ThreadPoolExecutor | None:
        if self.config.writer_threads == 0:
            return None
        if self._writers is None:
            self._writers = ThreadPoolExecutor(self.config.writer_threads,
                                               thread_name_prefix="cpas-exchange-writer")
        return self._writers

    def _stop_writers(self) -> None:
        """Wait for every write handed to the writer threads, and end the threads."""
        if self._writers is not None:
            self._writers.shutdown(wait=True)
            self._writers = None

    def _judge_here(self, work: list[_Item],
                    stop: Callable[[], bool]) -> tuple[list[_Item], list[_Item]]:
        """Evaluate in this process, in order, until ``stop()``: (evaluated, lost)."""
        done: list[_Item] = []
        for item in work:
            if done and stop():
                break
            clock = time.monotonic()
            self._judged(item, self._verdict(item))
            item.seconds += time.monotonic() - clock
            done.append(item)
        return done, []

    def _judge_in_workers(self, work: list[_Item],
                          stop: Callable[[], bool]) -> tuple[list[_Item], list[_Item]]:
        """Evaluate in the worker processes; once ``stop()``, files not started are left
        (a worker takes :data:`CHUNK_FILES` files at a time: those it holds are finished).

        A worker that dies (a file crashing the parser) breaks the pool: the
        files whose result is unknown stay counted as attempted and are
        returned as lost; the next pass takes them one at a time.
        """
        done: list[_Item] = []
        lost: list[_Item] = []
        stopping = False
        for item in work:
            future = item.future
            if future is None:
                self._judged(item, self._verdict(item))
                done.append(item)
                continue
            if not stopping and done and stop():
                stopping = True
                for later in work:
                    if later.future is not None:
                        later.future.cancel()
            if future.cancelled():
                continue
            try:
                verdict = future.result()[item.slot]
            except BrokenProcessPool:
                lost.append(item)
                self._broken(item.pool)
                continue
            self._judged(item, self._signed_if_asked(item, verdict))
            item.seconds = time.monotonic() - item.started
            done.append(item)
        return done, lost

    def _workers(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # The workers are forked: no writer thread may be running (or hold a lock)
            # at that moment. The writes handed over are waited for (not finished: the
            # pass does that in its order).
            self._stop_writers()
            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if "fork" in methods else None)
            # Only a forked worker holds a copy of the lock's descriptor (the same number).
            lock = self._lock if context.get_start_method() == "fork" else None
            self._pool = ProcessPoolExecutor(self.config.jobs, mp_context=context,
                                             initializer=_start_worker,
                                             initargs=(self.discovery, lock))
        return self._pool

    def _broken(self, pool: ProcessPoolExecutor | None) -> None:
        """A worker of ``pool`` died: the others are killed and the pool dropped (the next
        batch gets a new one).

        ``concurrent.futures`` asks them to stop with SIGTERM, which workers ignore
        (the main process stops them once the files in hand are finished), then waits
        for them; one may also be blocked sending verdicts to a pipe nobody reads any
        more. Left alone, they would keep the process from exiting."""
        if pool is None:
            return
        processes = getattr(pool, "_processes", None) or {}
        for process in list(processes.values()):
            with contextlib.suppress(OSError, ValueError, AttributeError):
                process.kill()
        pool.shutdown(wait=True, cancel_futures=True)
        if self._pool is pool:
            self._pool = None

    @staticmethod
    def _judged(item: _Item, verdict: _Verdict) -> None:
        item.verdict = verdict
        item.place = "quarantine" if verdict.errors else "out"

    def _verdict(self, item: _Item) -> _Verdict:
        if item.attempt > self.config.max_attempts:
            adapter = self.discovery.for_file(item.name)
            item.reason = "poison"
            item.attempt -= 1
            return _Verdict(adapter.name if adapter is not None else None, (), (_finding(
                "EXCH-POISON", _REASONS["poison"].format(attempts=item.attempt), item.name),))
        verdict = _evaluate(item.name, item.data, self.discovery, self.config.today)
        return self._signed_if_asked(item, verdict)

    def _signed_if_asked(self, item: _Item, verdict: _Verdict) -> _Verdict:
        if self.config.signing is None or self._sign_folder is None or verdict.errors:
            return verdict
        return _signed(verdict, item.name, self.config.signing, self._sign_folder)

    def _claim(self, item: _Item) -> set[Path]:
        """Claim the output names; drop what an earlier attempt left in the other place."""
        config, journal = self.config, self.journal
        touched: set[Path] = set()
        # A file the journal did not know when it was picked has claimed nothing yet
        # (claims are made after its attempt is counted, and this process holds the
        # inbox): no earlier output to look for.
        fresh = item.known is None
        other, folder = (("quarantine", config.quarantine) if item.place == "out"
                         else ("out", config.outbox))
        for file in () if fresh else journal.claimed(other, item.name, item.digest):
            if (folder / file).exists():
                (folder / file).unlink()
                touched.add(folder)
        if item.place == "out":
            wanted = [name for name, _ in item.judged.outputs]
            item.kept = tuple(journal.claim("out", config.outbox, wanted, item.name,
                                            item.digest, fresh=fresh))
            touched.add(config.outbox)
        else:
            kept = journal.claim("quarantine", config.quarantine, [item.name], item.name,
                                 item.digest, fresh=fresh)[0]
            item.kept = (kept, f"{kept}.report.json", f"{kept}.report.txt")
            touched.add(config.quarantine)
        return touched

    def _files(self, item: _Item) -> list[tuple[Path, bytes]]:
        """What the judged file leaves on disk, in the order written: its outputs; or its
        two reports, then the copy of the input."""
        config = self.config
        verdict = item.judged
        if item.place == "out":
            return [(config.outbox / file, data)
                    for file, (_, data) in zip(item.kept, verdict.outputs, strict=True)]
        kept, json_name, text_name = item.kept
        folder = config.quarantine
        return [(folder / json_name, _report_json(item.name, item.digest, verdict,
                                                  item.reason, item.attempt)),
                (folder / text_name, _report_text(item.name, item.digest, verdict,
                                                  item.reason, item.attempt)),
                (folder / kept, item.data)]

    def _outcome(self, item: _Item) -> FileOutcome:
        if item.known is not None and item.duplicate:
            return FileOutcome(item.name, "duplicate", item.digest, len(item.data),
                               reason=item.known[0], attempt=item.known[1],
                               seconds=time.monotonic() - item.started)
        verdict = item.judged
        if item.place == "out":
            return FileOutcome(item.name, "written", item.digest, len(item.data),
                               verdict.adapter, item.kept, verdict.errors, verdict.warnings,
                               item.attempt, seconds=item.seconds)
        first = next((f.code for f in verdict.findings if f.severity is Severity.ERROR), None)
        return FileOutcome(item.name, "quarantined", item.digest, len(item.data),
                           verdict.adapter, item.kept, verdict.errors, verdict.warnings,
                           item.attempt, reason="poison" if item.reason == "poison" else first,
                           seconds=item.seconds)


def _remove_leftovers(folder: Path) -> None:
    """Temporary files of :func:`write_atomically` and signing folders of a killed run."""
    for entry in folder.iterdir():
        if entry.name.startswith(".") and entry.name.endswith(".tmp") and entry.is_file():
            entry.unlink(missing_ok=True)
        elif entry.name.startswith(SIGN_FOLDER_PREFIX) and entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)


# --------------------------------------------------------------------------- API


def run_once(config: ExchangeConfig, *, discovery: Discovery | None = None,
             log: Callable[[FileOutcome], None] | None = None,
             stop: Callable[[], bool] = _never, max_files: int | None = None) -> PassSummary:
    """One pass over the inbox; ``log`` is called once per file handled or skipped.

    ``stop`` and ``max_files`` end the pass early (see :meth:`Exchange.run_pass`).
    Raises :class:`InboxBusy` when another process holds the inbox, and
    ``OSError`` when a folder cannot be written (the pass stops; what was done
    is durable and a rerun continues).
    """
    with Exchange(config, discovery) as exchange:
        return exchange.run_pass(log=log, stop=stop, max_files=max_files)


def watch(config: ExchangeConfig, *, interval: float = 2.0,
          discovery: Discovery | None = None,
          log: Callable[[FileOutcome], None] | None = None,
          stop: Callable[[], bool] = _never, max_files: int | None = None,
          sleep: Callable[[float], None] = time.sleep) -> WatchSummary:
    """Keep passing over the inbox every ``interval`` seconds until ``stop()`` or ``max_files``.

    The lock is held the whole time. ``stop`` is asked before each file and
    every 0.1 s while waiting: a stop request finishes the file being handled,
    then returns. ``max_files`` counts files taken out of the inbox (written,
    quarantined or duplicate); files not yet ready do not count. A file that
    stays not ready is logged once per reason, not at every pass.
    """
    counts: dict[str, int] = {}
    passes = 0
    finished = 0
    with Exchange(config, discovery) as exchange:
        while True:
            left = None if max_files is None else max_files - finished
            summary = exchange.run_pass(log=log, stop=stop, max_files=left)
            passes += 1
            for outcome in summary.outcomes:
                counts[outcome.outcome] = counts.get(outcome.outcome, 0) + 1
                finished += outcome.outcome in FINISHED
            if max_files is not None and finished >= max_files:
                return WatchSummary(passes, counts, "max-files")
            deadline = time.monotonic() + interval
            while not stop() and time.monotonic() < deadline:
                sleep(min(0.1, max(0.0, deadline - time.monotonic())))
            if stop():
                return WatchSummary(passes, counts, "signal")
