"""Benchmark: legacy CSV and XLSX to XML with ``cpas convert``, against bare baselines.

    python bench/convert.py [--sizes 10000,100000] [--repeat 1]

For each size a reimbursement list (one revenu d'intégration line per row, Belgian
amounts ``1.234,56``, dates ``mm/yyyy``, NISS with separators, FR headers, ``;``)
is written as a CSV (UTF-8) and as an XLSX (openpyxl write-only); writing is not
timed. Then each measurement runs in a fresh interpreter, so that peaks do not mix:

* **csv+lxml**, the CSV baseline of the issue: ``csv.reader`` over the file and lxml
  building the same number of elements as the SDK writes (a ``reimbursementLine``
  with six children per row), serialised to a file; no parsing of values, no
  validation;
* **SDK csv rows**: :func:`cpas.adapters.legacy.reading.open_table` alone (the
  streaming reader: decoding, delimiter, rows), to show that reading is flat;
* **SDK csv**: :func:`cpas.adapters.legacy.convert.convert` from the path with
  ``stream=True`` (every cell parsed, NISS checked, each line written as it is
  read, the whole form validated against its schema from the file) and the XML
  committed to its place (``fsync``, rename), as ``cpas convert`` does;
* **openpyxl**: openpyxl's read-only iteration of the same workbook
  (``iter_rows(values_only=True)``), the bound for XLSX;
* **SDK xlsx**: :func:`convert` from the workbook, XML written.

Printed: rows per second of each (processor time of the run, user + system, which
a shared machine disturbs less than the wall clock; the wall-clock CSV ratio is
printed too), the SDK's throughput as a fraction of its
baseline's, and the peak resident memory of each run above the interpreter once
ready (modules imported, schema compiled), from ``/proc/self/status`` (VmHWM minus
VmRSS) or ``ru_maxrss`` elsewhere. The issue's target: SDK csv >= 0.4 x csv+lxml.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TypedDict

from rss import memory

MODES = ("csv-lxml", "csv-rows", "csv-sdk", "openpyxl", "xlsx-sdk")
HEADER = ("Identifiant", "NISS", "Base légale", "Mois", "Montant")
SETTINGS = {"form_type": "dis_b", "cpas_name": "CPAS de Liège", "cpas_kbo": "0403019261",
            "cpas_nis_code": "62063", "effective_date": "01/03/2025",
            "submission_date": "10/04/2025"}
NS = "urn:be:cpas-sdk:reimbursement:1"


class Measure(TypedDict):
    rows: int
    seconds: float
    """Processor time of the run (user + system): less disturbed by other processes on a
    shared machine than the wall clock."""
    wall: float
    peak_mib: float


# --------------------------------------------------------------------------- data


def niss(number: int) -> str:
    """A distinct NISS for each ``number`` < 25 000 x 997, built from the definition
    (domain.md, "Identifiers"), written with the usual separators."""
    birth = dt.date(1940, 1, 1) + dt.timedelta(days=number % 25_000)
    sequence = 1 + number // 25_000
    body = f"{birth:%y%m%d}{sequence:03d}"
    base = int(("2" if birth.year >= 2000 else "") + body)
    digits = body + f"{97 - base % 97:02d}"
    return f"{digits[:2]}.{digits[2:4]}.{digits[4:6]}-{digits[6:9]}.{digits[9:]}"


def records(rows: int) -> list[tuple[str, str, str, str, str]]:
    out = []
    for number in range(rows):
        cents = 50_000 + number % 75_000
        euros = f"{cents // 100:,}".replace(",", ".")
        out.append((f"L{number:07d}", niss(number), "Revenu d'intégration", "03/2025",
                    f"{euros},{cents % 100:02d}"))
    return out


def write_inputs(folder: Path, rows: int) -> tuple[Path, Path]:
    """The same rows as a CSV and as an XLSX."""
    from openpyxl import Workbook

    data = records(rows)
    csv_path = folder / f"lines-{rows}.csv"
    with csv_path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow(HEADER)
        writer.writerows(data)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Lignes")
    sheet.append(HEADER)
    for record in data:
        sheet.append(record)
    xlsx_path = folder / f"lines-{rows}.xlsx"
    book.save(xlsx_path)
    return csv_path, xlsx_path


# --------------------------------------------------------------------------- one run


def _baseline_csv(path: Path, out: Path) -> int:
    from lxml import etree

    root = etree.Element(f"{{{NS}}}reimbursementForm")
    lines = etree.SubElement(root, f"{{{NS}}}lines")
    names = [f"{{{NS}}}{n}" for n in ("id", "niss", "basis", "period", "amount")]
    count = 0
    with path.open(encoding="utf-8", newline="") as source:
        reader = csv.reader(source, delimiter=";")
        next(reader)
        for record in reader:
            line = etree.SubElement(lines, f"{{{NS}}}reimbursementLine")
            for name, value in zip(names, record, strict=True):
                etree.SubElement(line, name).text = value
            etree.SubElement(line, f"{{{NS}}}rateCategory").text = "standard"
            count += 1
    out.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    return count


def child(mode: str, path: Path, out: Path) -> Measure:
    """Run one measurement in this (fresh) interpreter."""
    import openpyxl

    from cpas.adapters.legacy.convert import convert
    from cpas.adapters.legacy.reading import open_table
    from cpas.schemas import lxml_schema

    lxml_schema("reimbursement-1.xsd")  # compiled once per process: not part of the run
    idle, _ = memory()
    start, wall = time.process_time(), time.perf_counter()
    if mode == "csv-lxml":
        count = _baseline_csv(path, out)
    elif mode == "csv-rows":
        count = sum(1 for _ in open_table(path).rows)
    elif mode == "openpyxl":
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        count = sum(1 for _ in book.worksheets[0].iter_rows(values_only=True)) - 1
        book.close()
    else:  # as cpas convert does it: streamed to a staged file, validated, committed
        result = convert(path, "reimbursement", settings=SETTINGS, stream=True)
        assert result.ok, [p.render("en") for r in result.rejected[:3] for p in r.problems]
        assert result.output is not None
        result.output.commit(out)
        count = result.rows_accepted
    seconds, wall = time.process_time() - start, time.perf_counter() - wall
    _, peak = memory()
    return {"rows": count, "seconds": seconds, "wall": wall, "peak_mib": peak - idle}


def measure(mode: str, path: Path) -> Measure:
    done = subprocess.run(  # noqa: S603 - this very script, fixed arguments
        [sys.executable, __file__, "--child", mode, str(path)],
        capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{mode} run failed:\n{done.stderr}")
    result: Measure = json.loads(done.stdout)
    return result


# --------------------------------------------------------------------------- table


def best_of(repeat: int, csv_path: Path, xlsx_path: Path) -> dict[str, Measure]:
    """Each mode ``repeat`` times, interleaved; the shortest time and the highest peak."""
    runs: dict[str, Measure] = {}
    for _ in range(repeat):
        for mode in MODES:
            run = measure(mode, xlsx_path if mode in ("openpyxl", "xlsx-sdk") else csv_path)
            best = runs.setdefault(mode, run)
            best["seconds"] = min(best["seconds"], run["seconds"])
            best["wall"] = min(best["wall"], run["wall"])
            best["peak_mib"] = max(best["peak_mib"], run["peak_mib"])
    return runs


def main(sizes: list[int], repeat: int) -> None:
    print(f"{'rows':>8} | {'rows/s':>46} | {'ratio':>11} | "
          f"{'peak RSS above idle, MiB':>38}")
    print(f"{'':>8} | {'csv+lxml':>8} {'csv rows':>9} {'SDK csv':>8} {'openpyxl':>9} "
          f"{'SDK xlsx':>8} | {'csv':>5} {'xlsx':>5} | {'csv+lxml':>8} {'csv rows':>9} "
          f"{'SDK csv':>8} {'openpyxl':>9} {'xlsx':>6}"[:200])
    ratios: list[float] = []
    walls: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        for rows in sizes:
            csv_path, xlsx_path = write_inputs(Path(folder), rows)
            runs = best_of(repeat, csv_path, xlsx_path)
            assert all(run["rows"] == rows for run in runs.values()), runs
            speed = {mode: rows / run["seconds"] for mode, run in runs.items()}
            csv_ratio = speed["csv-sdk"] / speed["csv-lxml"]
            walls.append(runs["csv-lxml"]["wall"] / runs["csv-sdk"]["wall"])
            xlsx_ratio = speed["xlsx-sdk"] / speed["openpyxl"]
            ratios.append(csv_ratio)
            print(f"{rows:>8} | " + " ".join(f"{speed[m]:>{w},.0f}" for m, w in zip(
                MODES, (8, 9, 8, 9, 8), strict=True))
                  + f" | {csv_ratio:>5.2f} {xlsx_ratio:>5.2f} | "
                  + " ".join(f"{runs[m]['peak_mib']:>{w}.1f}" for m, w in zip(
                      MODES, (8, 9, 8, 9, 6), strict=True)))
            csv_path.unlink()
            xlsx_path.unlink()
    verdict = "met" if min(ratios) >= 0.4 else "NOT met"
    print("\nrows/s and ratios from processor time; csv ratio by the wall clock: "
          + ", ".join(f"{w:.2f}" for w in walls))
    print(f"target SDK csv >= 0.4 x csv+lxml: {verdict} (lowest {min(ratios):.2f})")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--sizes", default="10000,100000",
                        help="comma-separated row counts (default 10000,100000)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    arguments = _arguments()
    if arguments.child:
        mode, source = arguments.child
        with tempfile.TemporaryDirectory() as scratch:
            print(json.dumps(child(mode, Path(source), Path(scratch) / "out.xml")))
    else:
        main([int(s) for s in arguments.sizes.split(",")], arguments.repeat)
