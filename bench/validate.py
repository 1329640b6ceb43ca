"""Benchmark: reimbursement batches, bare lxml against the SDK (run by hand, not a test).

    python bench/validate.py [--sizes 10000,100000,1000000] [--repeat 3]

For each size a valid monthly batch (loi DIS form B, one revenu d'intégration
line per beneficiary, PIIS codes, a few non-ASCII names) is written to a
temporary folder; writing is not timed. Then, each in a fresh interpreter so
that peaks do not mix:

* **bare lxml**, the baseline: ``etree.iterparse(path, tag=line, schema=...)``
  with the shipped reimbursement schema, clearing each line and dropping the
  ones before it; no hardening, no located errors, no rules;
* **SDK validate**: :func:`cpas.adapters.xml.stream.validate` (schema only);
* **SDK check**: :func:`cpas.adapters.xml.checking.check_file` as a user runs
  it (schema, and every line read into the SDK's model and checked by the
  rules). When the process may use two CPUs, the schema pass runs beside the
  rules pass: in a second process for files from 3 MiB, in a thread below;
* **check, 1 process**: the same with ``jobs=1`` (schema pass, then rules
  pass, in this process).

Each measurement runs ``--repeat`` times (default 3), the four kinds of run
interleaved; the shortest time counts (shared machines are noisy), and the
highest peak. The full run takes about ten minutes on a 2-core machine.

Printed, in one table: size of the file, seconds and lines per second of each,
the SDK's throughput as a fraction of the baseline's, the same fraction in CPU
seconds (child process included: steadier than wall time when other jobs load
the machine, and the honest cost of running two processes), and the peak
resident memory of each run above the same interpreter once it is ready
(modules imported, schema compiled, registry and rules loaded), from
``/proc/self/status`` (VmHWM minus VmRSS) or ``ru_maxrss`` elsewhere, and the
whole peak of the schema-pass process. Then the targets of the issue:
validate >= 0.8 x baseline, check >= 0.5 x, check at 1M lines <= 64 MiB above
idle and flat from 100k lines.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TypedDict

from rss import memory

NS = "urn:be:cpas-sdk:reimbursement:1"
LINE = f"{{{NS}}}reimbursementLine"
SCHEMA = "reimbursement-1.xsd"
MODES = ("lxml", "validate", "check", "check1")
NAMES = ("Zoë Nowak", "Jan Peeters", "Ayşe Yılmaz", "Małgorzata Kowalska", "Luc Dubois",
         "Nguyễn Văn An", "Marie Lambert", "Søren Ødegård")


class Measure(TypedDict):
    lines: int
    seconds: float
    cpu: float
    peak_mib: float
    child_mib: float


def _cpu() -> float:
    """CPU seconds of this process and of the child processes it waited for (the
    schema pass that ``check`` may run beside the rules)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _child_peak() -> float:
    """Peak RSS in MiB of the largest child process waited for (0 when none)."""
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)


# --------------------------------------------------------------------------- data


def niss(number: int) -> str:
    """A distinct NISS for each ``number`` < 25 000 x 997, built from the definition
    (domain.md, "Identifiers"): birth date, sequence, check digits (a leading 2 in the
    modulo from the year 2000)."""
    birth = dt.date(1940, 1, 1) + dt.timedelta(days=number % 25_000)
    sequence = 1 + number // 25_000
    body = f"{birth:%y%m%d}{sequence:03d}"
    base = int(("2" if birth.year >= 2000 else "") + body)
    return body + f"{97 - base % 97:02d}"


def write_batch(path: Path, lines: int) -> None:
    """A valid national batch of ``lines`` lines for March 2025, sent on 10/04/2025."""
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n'
                  f'<reimbursementForm xmlns="{NS}">\n'
                  "  <id>batch-2025-03</id>\n  <formType>dis_b</formType>\n  <header>\n"
                  "    <cpas>\n      <name>CPAS de Liège</name>\n"
                  "      <kbo>0403019261</kbo>\n      <nisCode>62063</nisCode>\n    </cpas>\n"
                  "    <effectiveDate>2025-03-01</effectiveDate>\n"
                  "    <isCorrection>false</isCorrection>\n    <category>single</category>\n"
                  "  </header>\n  <lines>\n")
        for number in range(lines):
            name = (f"      <beneficiaryName>{NAMES[number % len(NAMES)]}</beneficiaryName>\n"
                    if number % 3 == 0 else "")
            cents = 50_000 + number % 75_000  # 500.00 to 1 249.99: below the isolé amount
            code = f"      <piisCode>{8 + number % 4}</piisCode>\n" if number % 2 else ""
            out.write(f"    <reimbursementLine>\n      <id>L{number:07d}</id>\n"
                      f"      <niss>{niss(number)}</niss>\n{name}"
                      "      <basis>integration_income</basis>\n"
                      "      <period>2025-03</period>\n"
                      f"      <amount>{cents // 100}.{cents % 100:02d}</amount>\n"
                      f"      <rateCategory>standard</rateCategory>\n{code}"
                      "    </reimbursementLine>\n")
        out.write("  </lines>\n  <submissionDate>2025-04-10</submissionDate>\n"
                  "  <beneficiariesYearBeforeLast>1200</beneficiariesYearBeforeLast>\n"
                  "</reimbursementForm>\n")


# --------------------------------------------------------------------------- one run


def child(mode: str, path: Path) -> Measure:
    """Run one measurement in this (fresh) interpreter."""
    from lxml import etree

    from cpas.adapters.xml.checking import check_file
    from cpas.adapters.xml.stream import validate
    from cpas.schemas import lxml_schema, schema_for_namespace
    from cpas.sdk.rules import all_rules

    schema = lxml_schema(SCHEMA)
    schema_for_namespace(NS)  # the registry reads its index once per process
    all_rules()  # the rule modules are imported on first use: not part of the run
    idle, _ = memory()
    cpu = _cpu()
    start = time.perf_counter()
    if mode == "lxml":
        count = 0
        events = etree.iterparse(str(path), events=("end",), tag=LINE, schema=schema)
        for count, (_, element) in enumerate(events, 1):  # noqa: B007 - read after the loop
            element.clear()
            parent = element.getparent()
            while parent is not None and element.getprevious() is not None:
                del parent[0]
    elif mode == "validate":
        result = validate(path)
        assert result.ok, result.findings[:3]
        count = result.records
    else:
        checked = check_file(path, jobs=1 if mode == "check1" else None)
        assert checked.ok, checked.findings[:3]
        count = checked.records
    seconds = time.perf_counter() - start
    cpu = _cpu() - cpu
    _, peak = memory()
    return {"lines": count, "seconds": seconds, "cpu": cpu, "peak_mib": peak - idle,
            "child_mib": _child_peak()}


def measure(mode: str, path: Path) -> Measure:
    done = subprocess.run(  # noqa: S603 - this very script, fixed arguments
        [sys.executable, __file__, "--child", mode, str(path)],
        capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{mode} run failed:\n{done.stderr}")
    result: Measure = json.loads(done.stdout)
    return result


# --------------------------------------------------------------------------- table


def best_of(repeat: int, path: Path) -> dict[str, Measure]:
    """Each mode ``repeat`` times, interleaved; the shortest time and the highest peak."""
    runs: dict[str, Measure] = {}
    for _ in range(repeat):
        for mode in MODES:
            run = measure(mode, path)
            best = runs.setdefault(mode, run)
            best["seconds"] = min(best["seconds"], run["seconds"])
            best["cpu"] = min(best["cpu"], run["cpu"])
            best["peak_mib"] = max(best["peak_mib"], run["peak_mib"])
            best["child_mib"] = max(best["child_mib"], run["child_mib"])
    return runs


def main(sizes: list[int], repeat: int) -> None:
    print(f"{'lines':>9} {'MiB':>5} | {'bare lxml':>16} | {'SDK validate':>22} | "
          f"{'SDK check':>22} | {'check, 1 process':>22} | {'CPU ratio':>17} | "
          f"{'peak RSS, MiB':>26}")
    print(f"{'':>9} {'':>5} | {'s':>6} {'lines/s':>9} | {'s':>6} {'lines/s':>9} {'ratio':>5} | "
          f"{'s':>6} {'lines/s':>9} {'ratio':>5} | {'s':>6} {'lines/s':>9} {'ratio':>5} | "
          f"{'valid.':>5} {'check':>5} {'1 pr.':>5} | "
          f"{'lxml':>5} {'valid.':>6} {'check':>6} {'child':>6}")
    check_peaks: dict[int, float] = {}
    ratios: list[tuple[float, float, float]] = []
    with tempfile.TemporaryDirectory() as folder:
        for lines in sizes:
            path = Path(folder) / f"batch-{lines}.xml"
            write_batch(path, lines)
            size = path.stat().st_size / 1024 / 1024
            runs = best_of(repeat, path)
            assert all(run["lines"] == lines for run in runs.values()), runs
            base, valid = runs["lxml"], runs["validate"]
            full, single = runs["check"], runs["check1"]
            row = [base["seconds"] / run["seconds"] for run in (valid, full, single)]
            ratios.append((row[0], row[1], row[2]))
            check_peaks[lines] = max(full["peak_mib"], single["peak_mib"])
            cells = " | ".join(
                f"{run['seconds']:>6.2f} {lines / run['seconds']:>9,.0f} {ratio:>5.2f}"
                for run, ratio in zip((valid, full, single), row, strict=True))
            cpu = " ".join(f"{base['cpu'] / run['cpu']:>5.2f}" for run in (valid, full, single))
            print(f"{lines:>9} {size:>5.0f} | {base['seconds']:>6.2f} "
                  f"{lines / base['seconds']:>9,.0f} | {cells} | {cpu} | "
                  f"{base['peak_mib']:>5.1f} {valid['peak_mib']:>6.1f} "
                  f"{check_peaks[lines]:>6.1f} {full['child_mib']:>6.1f}")
            path.unlink()
    print()
    print("ratio: lines/s against bare lxml; CPU ratio: CPU seconds of bare lxml over those of "
          "the SDK run, child process included. Peak RSS above the idle interpreter; 'child': "
          "the whole schema-pass process of 'SDK check' (0 when it ran in one process).")
    print()
    worst_valid = min(r[0] for r in ratios)
    worst_check = min(r[1] for r in ratios)
    worst_single = min(r[2] for r in ratios)
    print(f"target validate >= 0.80 x baseline: {'met' if worst_valid >= 0.8 else 'NOT met'}"
          f" (lowest {worst_valid:.2f})")
    print(f"target check    >= 0.50 x baseline: {'met' if worst_check >= 0.5 else 'NOT met'}"
          f" (lowest {worst_check:.2f}; in one process {worst_single:.2f})")
    if 1_000_000 in check_peaks:
        peak = check_peaks[1_000_000]
        flat = (f", {peak - check_peaks[100_000]:+.1f} MiB from 100k"
                if 100_000 in check_peaks else "")
        print(f"target check RSS at 1M lines <= 64 MiB above idle: "
              f"{'met' if peak <= 64 else 'NOT met'} ({peak:.1f} MiB{flat})")


def _sizes(text: str) -> list[int]:
    try:
        values = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of line counts: {text!r}") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("sizes must be positive line counts")
    return values


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", type=_sizes, default=[10_000, 100_000, 1_000_000],
                        help="comma-separated line counts (default: 10000,100000,1000000)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each measurement; the shortest time counts (default: 3)")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        mode, where = arguments.child
        if mode not in MODES:
            parser.error(f"unknown mode {mode!r}")
        print(json.dumps(child(mode, Path(where))))
    else:
        main(arguments.sizes, max(arguments.repeat, 1))
