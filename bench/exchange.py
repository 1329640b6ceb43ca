"""Benchmark: small files through the exchange folder against a plain durable copy.

    python bench/exchange.py [--files 10000] [--repeat 1] [--jobs 1,auto] [--writers 0,2]
                             [--profile [--sort S]] [--dir D]

``--files`` small valid documents (the five sample documents of
:func:`cpas.sdk.samples.sample_set` in turn: PIIS, bilan, subsidy and
partnership conventions, reimbursement form; 1 to 6 KB each) are written to a
temporary folder (not timed). Then, in this process:

* **baseline**: each file is read and copied to another folder with the
  cheapest durable copy: temporary file, fsync, rename; one fsync of the
  folder at the end (without it the renames are not durable);
* **exchange**: the same files, hard-linked into an inbox, go through
  :func:`cpas.adapters.exchange.run_once` (adapter, schema validation, rule
  check, XML output written atomically, journal, input removed), once for
  each worker count of ``--jobs`` (default ``1,auto``: in-process, then what
  ``cpas exchange run`` uses by default: a worker process per CPU this process
  may use, at most 4, see :func:`~cpas.adapters.exchange.auto_jobs`) and each
  writer thread count of ``--writers`` (default: the exchange's own default, 2
  threads; ``--writers 0,2`` compares with writing each batch in the pass's own
  thread, one batch after the other).

The two runs alternate ``--repeat`` times; the shortest time counts (the
machine is shared). The files of every run are kept until the end: on an ext4
file system without a journal (this machine's), a file created within a minute
of many deletions costs a search through the inodes just freed, so deleting a
run's 10 000 files before the next run made that run (usually the exchange,
which followed the baseline's deletion) pay for it.

Printed: files, seconds and files/s of each, the ratio exchange/baseline
against the issue's goal of 0.5, and the CPU time per file (this process and
its worker processes, user + system), which moves much less than the wall time
when the disk or the other tenants of the machine are busy. ``--profile`` also
prints the exchange's 25 most expensive functions (cProfile; cumulative time,
or the order given by ``--sort``, e.g. ``tottime``). ``--dir`` puts the
temporary folder elsewhere (default: the system's temporary folder); on a RAM
file system (``/dev/shm``) an fsync costs nothing and the figures show the CPU
cost alone.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import resource
import shutil
import tempfile
import time
from pathlib import Path

from cpas.adapters.exchange import ExchangeConfig, auto_jobs, run_once
from cpas.adapters.files import sync_directory, write_atomically
from cpas.adapters.plugins import discover
from cpas.adapters.xml.documents import to_xml
from cpas.sdk.rules import all_rules
from cpas.sdk.samples import sample_set

GOAL = 0.5
OLD = 1_000_000_000.0


def make_files(folder: Path, count: int) -> list[Path]:
    """``count`` small valid documents, in turn of each kind."""
    samples = sample_set()
    kinds = [to_xml(d) for d in (samples.piis, samples.bilan, samples.subsidy,
                                 samples.partnership, samples.reimbursement)]
    folder.mkdir(parents=True)
    paths: list[Path] = []
    for index in range(count):
        path = folder / f"doc-{index:06d}.xml"
        path.write_bytes(kinds[index % len(kinds)])
        os.utime(path, (OLD, OLD))
        paths.append(path)
    return paths


def cpu_seconds() -> float:
    """User + system time of this process and of its finished child processes."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def baseline(files: list[Path], target: Path) -> tuple[float, float]:
    """Seconds to copy every file durably (temporary file, fsync, rename; folder fsync),
    and the CPU seconds spent."""
    target.mkdir()
    cpu = cpu_seconds()
    start = time.perf_counter()
    for path in files:
        write_atomically(target / path.name, path.read_bytes(), sync_dir=False)
    sync_directory(target)
    return time.perf_counter() - start, cpu_seconds() - cpu


def exchange(files: list[Path], work: Path, profile: bool, jobs: int,
             sort: str = "cumulative",
             writers: int | None = None) -> tuple[float, float, int]:
    """Seconds for one pass of the exchange over ``files``, the CPU seconds spent (worker
    processes included: they are stopped at the end of the pass), and the files written."""
    inbox = work / "in"
    inbox.mkdir(parents=True)
    for path in files:
        os.link(path, inbox / path.name)
    config = ExchangeConfig(inbox, work / "out", work / "q", settle_seconds=0, jobs=jobs,
                            writers=writers)
    found = discover()
    profiler = cProfile.Profile() if profile else None
    cpu = cpu_seconds()
    start = time.perf_counter()
    if profiler is not None:
        profiler.enable()
    summary = run_once(config, discovery=found)
    if profiler is not None:
        profiler.disable()
    seconds = time.perf_counter() - start
    cpu = cpu_seconds() - cpu
    if profiler is not None:
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats(sort).print_stats(25)
        print(text.getvalue())
    return seconds, cpu, summary.count("written")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--jobs", default="1,auto",
                        help="comma-separated worker counts to measure, 'auto' for the "
                             "command's default (default 1,auto)")
    parser.add_argument("--writers", default="default",
                        help="comma-separated writer thread counts to measure (0: none; "
                             "default: the exchange's own choice)")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--sort", default="cumulative",
                        help="order of the --profile listing (cumulative, tottime…)")
    parser.add_argument("--dir", type=Path, default=None,
                        help="where to put the temporary folder (e.g. /dev/shm)")
    args = parser.parse_args()
    runs = list(dict.fromkeys(  # on one CPU "auto" is 1: one run, not two
        (auto_jobs() if j == "auto" else int(j), None if w == "default" else int(w))
        for j in args.jobs.split(",") for w in args.writers.split(",")))
    automatic = auto_jobs() if "auto" in args.jobs.split(",") else None
    all_rules()  # rule modules are imported on first use: not part of the run
    root = Path(tempfile.mkdtemp(prefix="cpas-bench-exchange-", dir=args.dir))
    copy_times: list[tuple[float, float]] = []
    exchange_times: dict[tuple[int, int | None], list[tuple[float, float]]] = {
        r: [] for r in runs}
    try:
        files = make_files(root / "source", args.files)
        for run in range(args.repeat):
            copy_times.append(baseline(files, root / f"copy-{run}"))
            for count, writers in runs:
                work = root / f"exchange-{run}-{count}-{writers}"
                seconds, cpu, written = exchange(files, work, args.profile and run == 0,
                                                 count, args.sort, writers)
                if written != len(files):
                    raise SystemExit(f"the exchange wrote {written} of {len(files)} files")
                exchange_times[count, writers].append((seconds, cpu))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    total = len(files)
    copy, copy_cpu = min(copy_times)
    print(f"{'':<34} {'files':>7} {'seconds':>9} {'files/s':>9} {'cpu ms/file':>12} "
          f"{'ratio':>6}")
    print(f"{'baseline copy':<34} {total:>7} {copy:>9.2f} {total / copy:>9.0f} "
          f"{copy_cpu / total * 1000:>12.2f}")
    for count, writers in runs:
        done, cpu = min(exchange_times[count, writers])
        ratio = copy / done
        threads = ExchangeConfig(".", ".", ".", jobs=count, writers=writers).writer_threads
        label = f"jobs={count}{' (auto)' if count == automatic else ''} writers={threads}"
        print(f"{f'exchange {label}':<34} {total:>7} {done:>9.2f} "
              f"{total / done:>9.0f} {cpu / total * 1000:>12.2f} {ratio:>6.2f}  "
              f"({'met' if ratio >= GOAL else 'NOT met'}: goal >= {GOAL})")


if __name__ == "__main__":
    main()
