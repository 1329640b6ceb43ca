"""Streaming validation against a bare-lxml baseline (not a test: run it by hand).

    python bench/validate_stream_baseline.py [LINES ...]      (default: 10000 100000 1000000)

For each size, a valid test batch (``tests/data/stream/testbatch-1.xsd``) is
written to a temporary file, then validated in a fresh interpreter each time by

* **bare lxml**: ``etree.iterparse(path, tag=line, schema=schema)``, clearing
  each record (lxml validates while parsing; no hardening, no located errors);
* **SDK**: :func:`cpas.adapters.xml.stream.validate_stream`.

Printed: seconds, lines per second, the SDK/baseline throughput ratio, and the
peak RSS above the interpreter's RSS once the schema is loaded. The full
benchmark with the real reimbursement schema and rule checks is ``bench/validate.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "stream"
NS = "urn:be:cpas-sdk:testbatch:1"

CHILD = """
import json, resource, sys, time
from pathlib import Path
from lxml import etree
from cpas.schemas import lxml_schema
from cpas.adapters.xml.stream import validate_stream
mode, path, data, line = sys.argv[1], sys.argv[2], Path(sys.argv[3]), sys.argv[4]
schema = lxml_schema("testbatch-1.xsd", data)
idle = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
if mode == "lxml":
    count = 0
    for _, element in etree.iterparse(path, events=("end",), tag=line, schema=schema):
        count += 1
        element.clear()
        while element.getprevious() is not None:
            del element.getparent()[0]
else:
    result = validate_stream(path, schema, records=[line])
    assert result.ok, result.findings[:3]
    count = result.records
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"count": count, "seconds": seconds, "rss_mib": (peak - idle) / 1024}))
"""


def write_batch(path: Path, lines: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<batch xmlns="{NS}">\n'
                  "  <header><cpas>CPAS de test</cpas><period>2024-01</period></header>\n"
                  "  <lines>\n")
        for number in range(lines):
            cents = number % 250_000
            out.write(f'    <line id="l{number}"><niss>12345678901</niss><category>ris</category>'
                      f"<period>2024-01</period><amount>{cents // 100}.{cents % 100:02d}"
                      "</amount><days>30</days></line>\n")
        out.write("  </lines>\n</batch>\n")


def measure(mode: str, path: Path) -> dict[str, float]:
    done = subprocess.run(  # noqa: S603 - fixed program and arguments
        [sys.executable, "-c", CHILD, mode, str(path), str(DATA), f"{{{NS}}}line"],
        capture_output=True, text=True, check=True)
    result: dict[str, float] = json.loads(done.stdout)
    return result


def main(sizes: list[int]) -> None:
    print(f"{'lines':>9}  {'bare lxml':>18}  {'SDK':>18}  {'ratio':>5}  "
          f"{'RSS lxml':>8}  {'RSS SDK':>8}")
    with tempfile.TemporaryDirectory() as folder:
        for lines in sizes:
            path = Path(folder) / f"batch-{lines}.xml"
            write_batch(path, lines)
            bare = measure("lxml", path)
            sdk = measure("sdk", path)
            assert bare["count"] == sdk["count"] == lines
            ratio = bare["seconds"] / sdk["seconds"]
            print(f"{lines:>9}  {bare['seconds']:>6.2f} s {lines / bare['seconds']:>8,.0f}/s"
                  f"  {sdk['seconds']:>6.2f} s {lines / sdk['seconds']:>8,.0f}/s  {ratio:>5.2f}"
                  f"  {bare['rss_mib']:>5.1f} MiB  {sdk['rss_mib']:>5.1f} MiB")
            path.unlink()


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [10_000, 100_000, 1_000_000])
