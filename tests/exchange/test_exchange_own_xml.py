"""The exchange's path for its own XML: one parse, one validation, the input's bytes out.

A valid cpas-sdk XML file is parsed once, validated against its schema once and
read from the same tree; its output is the input's exact bytes when they are
UTF-8 and hold nothing but the document (issue 6: byte-exact pass-through, also
what a signer wants). Anything else falls back to the ``cpas-xml`` adapter,
whose findings are those it gives when called on its own.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from exchange_helpers import drop, exchange_config
from lxml import etree

from cpas.adapters.exchange import CHUNK_FILES, run_once
from cpas.adapters.plugins import XmlAdapter
from cpas.adapters.xml.documents import from_xml, to_xml
from cpas.adapters.xml.parser import parse_bytes
from cpas.sdk.samples import sample_set


def _compact(data: bytes) -> bytes:
    """The same document without indentation nor XML declaration (not what to_xml writes)."""
    parser = etree.XMLParser(remove_blank_text=True)
    return etree.tostring(etree.fromstring(data, parser), encoding="UTF-8",
                          xml_declaration=False)


def test_valid_own_xml_is_written_byte_for_byte(tmp_path: Path) -> None:
    """A valid document laid out differently from to_xml keeps its exact bytes, and
    reading the output back gives the same document."""
    piis = sample_set().piis
    data = _compact(to_xml(piis))
    assert data != to_xml(piis)  # otherwise the test could not tell
    drop(tmp_path / "in", "piis.xml", data)
    (outcome,) = run_once(exchange_config(tmp_path)).outcomes
    assert (outcome.outcome, outcome.adapter) == ("written", "cpas-xml")
    written = (tmp_path / "out" / "piis.xml").read_bytes()
    assert written == data
    assert from_xml(written) == piis


def test_valid_own_xml_is_parsed_once_and_not_reserialised(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One parse, no second read by the adapter (validation and parse again), no to_xml."""
    parses: list[str] = []

    def counting(data: bytes, **options: Any) -> Any:
        parses.append(str(options.get("source")))
        return parse_bytes(data, **options)

    def forbidden(*args: Any, **options: Any) -> Any:
        raise AssertionError("called for a valid file in the SDK's XML")

    monkeypatch.setattr("cpas.adapters.exchange.parse_bytes", counting)
    monkeypatch.setattr(XmlAdapter, "read", forbidden)
    monkeypatch.setattr("cpas.adapters.exchange.to_xml", forbidden)
    samples = sample_set()
    drop(tmp_path / "in", "subsidy.xml", to_xml(samples.subsidy))
    drop(tmp_path / "in", "reimbursement.xml", to_xml(samples.reimbursement))
    outcomes = run_once(exchange_config(tmp_path)).outcomes
    assert [o.outcome for o in outcomes] == ["written", "written"]
    assert sorted(parses) == ["reimbursement.xml", "subsidy.xml"]


@pytest.mark.parametrize("change", ["comment", "instruction", "latin-1", "bom",
                                    "schema-location", "extra-namespace", "nested-namespace",
                                    "xml-1.1"])
def test_input_with_more_than_the_document_is_reserialised(tmp_path: Path,
                                                           change: str) -> None:
    """Comments, processing instructions, another encoding or a byte-order mark are not
    part of the document: the output is to_xml's UTF-8 of the document read."""
    piis = sample_set().piis
    canonical = to_xml(piis)
    head, _, body = canonical.partition(b"\n")
    data = {
        "comment": head + b"\n<!-- exported by vendor X -->\n" + body,
        "instruction": head + b"\n<?vendor mark?>\n" + body,
        "latin-1": (b'<?xml version="1.0" encoding="ISO-8859-1"?>\n'
                    + body.decode("utf-8").encode("iso-8859-1")),
        "bom": b"\xef\xbb\xbf" + canonical,
        # Valid for the schema, but not part of the document: a vendor URL, a namespace
        # whose name could carry anything, a redundant declaration further down.
        "schema-location": canonical.replace(
            b'<piis xmlns="urn:be:cpas-sdk:piis:1">',
            b'<piis xmlns="urn:be:cpas-sdk:piis:1" xmlns:xsi="http://www.w3.org/2001/'
            b'XMLSchema-instance" xsi:schemaLocation="urn:x http://vendor.example/p.xsd">', 1),
        "extra-namespace": canonical.replace(
            b'<piis xmlns="urn:be:cpas-sdk:piis:1">',
            b'<piis xmlns="urn:be:cpas-sdk:piis:1" xmlns:vendor="urn:vendor:x">', 1),
        "nested-namespace": canonical.replace(
            b"<beneficiary>", b'<beneficiary xmlns:vendor="urn:vendor:x">', 1),
        "xml-1.1": canonical.replace(b"version='1.0'", b"version='1.1'", 1).replace(
            b'version="1.0"', b'version="1.1"', 1),
    }[change]
    assert data != canonical
    drop(tmp_path / "in", "piis.xml", data)
    (outcome,) = run_once(exchange_config(tmp_path)).outcomes
    assert outcome.outcome == "written"
    written = (tmp_path / "out" / "piis.xml").read_bytes()
    assert written == canonical
    assert b"vendor" not in written


def test_schema_invalid_own_xml_gets_the_adapter_findings(tmp_path: Path) -> None:
    """A file the schema refuses is quarantined with the findings (codes and lines) that
    the cpas-xml adapter gives on its own."""
    data = to_xml(sample_set().bilan).replace(b"<id>", b"<unexpected>x</unexpected><id>", 1)
    expected = XmlAdapter().read(data, source="bilan.xml").findings
    assert expected
    drop(tmp_path / "in", "bilan.xml", data)
    (outcome,) = run_once(exchange_config(tmp_path)).outcomes
    assert outcome.outcome == "quarantined"
    report = json.loads((tmp_path / "q" / "bilan.xml.report.json").read_text("utf-8"))
    assert [(f["code"], f["line"]) for f in report["findings"]] == [
        (f.code, f.line) for f in expected]
    assert (tmp_path / "q" / "bilan.xml").read_bytes() == data


def test_value_refused_by_the_model_is_quarantined_masked(tmp_path: Path) -> None:
    """A NISS of the right shape whose check number is wrong passes the schema but not
    the model: the file is quarantined (XML-VALUE) and the number is never shown whole."""
    piis = sample_set().piis
    good = piis.beneficiary.niss.compact
    bad = good[:9] + f"{(int(good[9:]) + 1) % 100:02d}"
    data = to_xml(piis).replace(good.encode(), bad.encode())
    drop(tmp_path / "in", "piis.xml", data)
    (outcome,) = run_once(exchange_config(tmp_path)).outcomes
    assert (outcome.outcome, outcome.reason) == ("quarantined", "XML-VALUE")
    for report in ("piis.xml.report.json", "piis.xml.report.txt"):
        assert bad not in (tmp_path / "q" / report).read_text("utf-8")


def test_worker_chunks_keep_each_verdict_with_its_file(tmp_path: Path) -> None:
    """With worker processes, files go out several per call: valid and invalid files mixed
    over more than two calls each end where they should, with their own bytes."""
    samples = sample_set()
    valid = [to_xml(d) for d in (samples.piis, samples.bilan, samples.subsidy,
                                 samples.partnership, samples.reimbursement)]
    count = 2 * CHUNK_FILES + 3
    expected: dict[str, tuple[str, bytes]] = {}
    for index in range(count):
        name = f"f{index:02d}.xml"
        if index % 4 == 3:
            data = b"<broken " + str(index).encode()
            expected[name] = ("quarantined", data)
        else:
            data = _compact(valid[index % len(valid)])
            expected[name] = ("written", data)
        drop(tmp_path / "in", name, data)
    outcomes = run_once(exchange_config(tmp_path, jobs=2)).outcomes
    assert {o.file: o.outcome for o in outcomes} == {n: e[0] for n, e in expected.items()}
    for name, (outcome, data) in expected.items():
        folder = tmp_path / ("out" if outcome == "written" else "q")
        assert (folder / name).read_bytes() == data


def test_claims_are_looked_up_through_an_index(tmp_path: Path) -> None:
    """Looking up an input's claimed names does not read the whole claims table (it grows
    by one row per output: a scan per file made a long run quadratic)."""
    drop(tmp_path / "in", "piis.xml", to_xml(sample_set().piis))
    run_once(exchange_config(tmp_path))
    with sqlite3.connect(tmp_path / "in" / ".cpas-exchange.sqlite") as db:
        plan = db.execute("EXPLAIN QUERY PLAN SELECT file FROM claims WHERE place=? AND "
                          "name=? AND sha256=? ORDER BY rowid", ("out", "a", "b")).fetchall()
    assert any("claims_by_input" in str(row[-1]) for row in plan)
