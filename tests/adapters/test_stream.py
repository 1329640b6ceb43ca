"""Schema validation reports every error with line, path and code, streaming with flat memory.

Test schemas and samples are in ``tests/data/stream/``: ``testbatch-1.xsd``
declares its record element ``<line>`` globally, as the real batch schemas do.
"""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from lxml import etree

import cpas.schemas
from cpas.adapters.xml.parser import BATCH_LIMITS, Limits
from cpas.adapters.xml.stream import (
    ValidationResult,
    records_of_schema,
    validate,
    validate_document,
    validate_stream,
)
from cpas.cli import validate_cmd
from cpas.cli.validate_cmd import validate_command
from cpas.schemas import list_schemas, lxml_schema, schema_for_namespace

DATA = Path(__file__).resolve().parent.parent / "data" / "stream"
NS = "urn:be:cpas-sdk:testbatch:1"
LINE = f"{{{NS}}}line"

# batch_invalid.xml: (line, path, code) of every error, in line order.
EXPECTED_INVALID = [
    (4, "/batch/header/period", "XSD-VALUE"),
    (6, "/batch/lines/line[1]/niss", "XSD-VALUE"),
    (6, "/batch/lines/line[1]/amount", "XSD-VALUE"),
    (7, "/batch/lines/line[2]/@id", "XSD-ATTRIBUTE"),
    (7, "/batch/lines/line[2]/days", "XSD-VALUE"),
    (8, "/batch/lines/line[3]/@bogus", "XSD-ATTRIBUTE"),
    (8, "/batch/lines/line[3]/amount", "XSD-STRUCTURE"),
    (9, "/batch/lines/line[4]/amount", "XSD-VALUE"),
    (10, "/batch/lines/line[5]/extra", "XSD-STRUCTURE"),
    (12, "/batch/trailer", "XSD-STRUCTURE"),
]


def schema() -> etree.XMLSchema:
    return lxml_schema("testbatch-1.xsd", DATA)


def located(result: ValidationResult) -> list[tuple[int | None, str, str]]:
    return [(f.line, f.path, f.code) for f in result.findings]


def record(number: int, amount: str = "1.00") -> str:
    return (f'<line id="l{number}"><niss>12345678901</niss><category>ris</category>'
            f"<period>2024-01</period><amount>{amount}</amount></line>")


def batch(lines: Iterator[str] | list[str], header: str = "") -> bytes:
    """A batch whose records start on line 4, one per line."""
    body = "\n".join(lines)
    return (f'<batch xmlns="{NS}">\n<header><cpas>C</cpas><period>2024-01</period>{header}'
            f"</header>\n<lines>\n{body}\n</lines>\n</batch>\n").encode()


def test_valid_batch() -> None:
    result = validate_stream(DATA / "batch_valid.xml", schema(), records=[LINE])
    assert result.ok
    assert result.complete
    assert result.records == 3
    assert result.findings == ()
    assert result.source.endswith("batch_valid.xml")


def test_every_error_is_reported() -> None:
    result = validate_stream(DATA / "batch_invalid.xml", schema(), records=[LINE],
                             name="batch_invalid.xml")
    assert located(result) == EXPECTED_INVALID
    assert not result.ok
    assert result.complete
    assert result.records == 5
    first = result.findings[1]
    assert first.source == "batch_invalid.xml"
    assert first.message.get("fr").startswith("Valeur non conforme")
    assert first.message.get("nl").startswith("Waarde niet conform")
    assert "The value '*23' is not accepted by the pattern '[0-9]{11}'" in first.message.get("en")
    assert "urn:be" not in first.message.get("en")


def test_document_and_stream_agree() -> None:
    """Record by record plus skeleton finds exactly what whole-document validation finds."""
    whole = validate_document(DATA / "batch_invalid.xml", schema())
    streamed = validate_stream(DATA / "batch_invalid.xml", schema(), records=[LINE])
    assert sorted(located(whole), key=str) == sorted(located(streamed), key=str)
    assert whole.records == 0


def test_niss_like_values_are_masked() -> None:
    result = validate_stream(DATA / "batch_invalid.xml", schema(), records=[LINE])
    texts = [f.message.get(lang) for f in result.findings for lang in ("fr", "nl", "en")]
    assert not any("40123456789" in text for text in texts)
    assert any("******-***-89" in text for text in texts)


def test_max_errors_caps_the_report() -> None:
    result = validate_stream(DATA / "batch_invalid.xml", schema(), records=[LINE], max_errors=3)
    assert len(result.findings) == 3
    assert not result.complete
    assert not result.ok
    document = validate_document(DATA / "batch_invalid.xml", schema(), max_errors=2)
    assert len(document.findings) == 2
    with pytest.raises(ValueError, match="max_errors"):
        validate_stream(DATA / "batch_valid.xml", schema(), records=[LINE], max_errors=0)


def test_paths_and_lines_in_a_large_batch() -> None:
    lines = [record(n, "-1.00" if n in (1234, 2999) else "1.00") for n in range(1, 3001)]
    result = validate_stream(batch(lines), schema(), records=[LINE])
    assert located(result) == [
        (3 + 1234, "/batch/lines/line[1234]/amount", "XSD-VALUE"),
        (3 + 2999, "/batch/lines/line[2999]/amount", "XSD-VALUE"),
    ]
    assert result.records == 3000


def test_memory_is_flat_by_construction() -> None:
    """Records are released as they go: at most 100 elements are ever held after a chunk."""
    data = batch([record(n) for n in range(20_000)])
    tight = Limits(max_bytes=BATCH_LIMITS.max_bytes, max_live_elements=100)
    result = validate_stream(data, schema(), records=[LINE], limits=tight)
    assert result.ok
    assert result.records == 20_000
    # Control: without record streaming the whole tree stays and the bound trips.
    held = validate_stream(data, schema(), records=[], limits=tight)
    assert [f.code for f in held.findings] == ["XML-LIMIT"]
    assert not held.complete


def test_memory_is_flat_in_the_located_pass_too() -> None:
    lines = [record(n, "-1.00" if n % 1000 == 0 else "1.00") for n in range(1, 20_001)]
    tight = Limits(max_bytes=BATCH_LIMITS.max_bytes, max_live_elements=100)
    result = validate_stream(batch(lines), schema(), records=[LINE], limits=tight)
    assert result.complete
    assert [f.code for f in result.findings] == ["XSD-VALUE"] * 20


def test_both_passes_agree() -> None:
    for sample in ("batch_valid.xml", "batch_invalid.xml"):
        fast = validate_stream(DATA / sample, schema(), records=[LINE])
        located_only = validate_stream(DATA / sample, schema(), records=[LINE], fast_pass=False)
        assert fast == located_only


UNIQUE = """<xs:unique name="lineId">
            <xs:selector xpath="t:line"/>
            <xs:field xpath="@id"/>
          </xs:unique>"""


def test_constraints_across_records_come_from_the_fast_pass(tmp_path: Path) -> None:
    """xs:unique over records: the located pass cannot see it, the fast pass reports it.

    (Such constraints make libxml2 keep every key: memory grows with the batch.)
    """
    shutil.copy(DATA / "testcommon-1.xsd", tmp_path)
    text = (DATA / "testbatch-1.xsd").read_text(encoding="utf-8")
    marker = "<!-- UNIQUE: tests add an xs:unique over the records here (test_stream.py) -->"
    assert marker in text
    (tmp_path / "testbatch-1.xsd").write_text(text.replace(marker, UNIQUE), encoding="utf-8")
    unique = lxml_schema("testbatch-1.xsd", tmp_path)
    data = batch([record(1), record(2), record(1)])
    result = validate_stream(data, unique, records=[LINE])
    assert located(result) == [(None, "/", "XSD-IDENTITY")]
    assert "Duplicate key-sequence ['l1']" in result.findings[0].message.get("en")
    assert not result.ok
    document = validate_document(data, unique)
    assert located(document) == [(6, "/batch/lines/line[3]", "XSD-IDENTITY")]
    both = validate_stream(batch([record(1), record(2, "-1.00"), record(1)]), unique,
                           records=[LINE])
    assert located(both) == [(5, "/batch/lines/line[2]/amount", "XSD-VALUE"),
                             (None, "/", "XSD-IDENTITY")]


def test_file_objects() -> None:
    """A seekable file gets both passes; an unseekable one the located pass only."""
    data = (DATA / "batch_invalid.xml").read_bytes()
    seekable = validate_stream(io.BytesIO(data), schema(), records=[LINE], name="b.xml")
    assert located(seekable) == EXPECTED_INVALID

    class Pipe(io.RawIOBase):
        def __init__(self) -> None:
            self.data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
            return self.data.readinto(buffer)

    piped = validate_stream(io.BufferedReader(Pipe()), schema(), records=[LINE], name="pipe")
    assert located(piped) == EXPECTED_INVALID
    assert piped.source == "pipe"


def test_xinclude_in_a_batch_is_refused() -> None:
    data = batch([record(1), '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="x"/>',
                  record(2)])
    result = validate_stream(data, schema(), records=[LINE])
    assert located(result) == [(5, "/", "XML-UNSAFE")]


def test_misplaced_record_is_reported() -> None:
    data = batch([record(1), record(2)], header=record(9))
    result = validate_stream(data, schema(), records=[LINE])
    assert located(result) == [(2, "/batch/header/line[1]", "XSD-STRUCTURE")]


def test_missing_records_are_reported() -> None:
    result = validate_stream(batch([]), schema(), records=[LINE])
    assert located(result) == [(3, "/batch/lines", "XSD-STRUCTURE")]


def test_unexpected_element_between_records() -> None:
    data = batch([record(1), record(2), "<junk/>", record(3), record(4)])
    result = validate_stream(data, schema(), records=[LINE])
    assert located(result) == [(6, "/batch/lines/junk", "XSD-STRUCTURE")]


def test_errors_before_a_syntax_error_are_kept() -> None:
    data = batch([record(1, "-1.00"), record(2)])[:-30]
    result = validate_stream(data, schema(), records=[LINE], name="cut.xml")
    assert [f.code for f in result.findings] == ["XSD-VALUE", "XML-SYNTAX"]
    assert result.findings[1].source == "cut.xml"
    assert result.findings[1].line is not None
    assert not result.complete


def test_unsafe_input_is_a_finding() -> None:
    data = b'<!DOCTYPE batch [<!ENTITY x "y">]>\n' + batch([record(1)])
    result = validate_stream(data, schema(), records=[LINE])
    assert located(result) == [(1, "/", "XML-UNSAFE")]
    document = validate_document(data, schema())
    assert located(document) == [(1, "/", "XML-UNSAFE")]


def test_progress_reports_bytes() -> None:
    data = batch([record(n) for n in range(5000)])
    calls: list[tuple[int, int | None]] = []
    validate_stream(data, schema(), records=[LINE], progress=lambda r, t: calls.append((r, t)))
    assert len(calls) > 2
    assert [r for r, _ in calls] == sorted(r for r, _ in calls)
    assert calls[-1] == (len(data), len(data))


def test_progress_restarts_for_the_located_pass() -> None:
    data = batch([record(n, "-1.00" if n == 4000 else "1.00") for n in range(5000)])
    calls: list[int] = []
    validate_stream(data, schema(), records=[LINE], progress=lambda r, t: calls.append(r))
    restarts = [i for i in range(1, len(calls)) if calls[i] < calls[i - 1]]
    assert len(restarts) == 1
    assert calls[restarts[0] - 1] == calls[-1] == len(data)


def test_validate_picks_the_schema_by_namespace() -> None:
    streamed = validate(DATA / "batch_valid.xml", package=DATA)
    assert (streamed.ok, streamed.records, streamed.schema) == (True, 3, "testbatch-1.xsd")
    note = validate(DATA / "note_valid.xml", package=DATA)
    assert (note.ok, note.records, note.schema) == (True, 0, "testnote-1.xsd")
    bad = validate(DATA / "note_invalid.xml", package=DATA)
    assert located(bad) == [(4, "/note/pages", "XSD-VALUE")]
    calls: list[tuple[int, int | None]] = []
    validate((DATA / "note_valid.xml").read_bytes(), package=DATA,
             progress=lambda r, t: calls.append((r, t)))
    assert calls[-1][0] == calls[-1][1]


def test_unknown_namespace() -> None:
    result = validate(b'<other xmlns="urn:elsewhere"/>', package=DATA)
    assert [f.code for f in result.findings] == ["XSD-NO-SCHEMA"]
    assert "urn:elsewhere" in result.findings[0].message.get("en")
    assert not result.ok


def test_records_of_schema() -> None:
    info = schema_for_namespace(NS, DATA)
    assert records_of_schema(f"{{{NS}}}batch", info.elements) == {LINE}
    assert records_of_schema("{urn:x}a", ["a"]) == frozenset()


def test_real_reimbursement_schema_declares_its_record() -> None:
    """Contract with the XSD generator: batch records are global elements of the schema."""
    for info in list_schemas():
        if info.kind == "reimbursement":
            root = f"{{{info.namespace}}}{info.elements[0]}"
            assert records_of_schema(root, info.elements)
            break
    else:
        pytest.skip("no reimbursement schema shipped yet")


def test_result_to_dict() -> None:
    result = validate(DATA / "batch_invalid.xml", package=DATA, name="b.xml")
    data = result.to_dict("nl")
    assert data["errors"] == len(EXPECTED_INVALID)
    assert data["records"] == 5
    assert data["findings"][0]["path"] == "/batch/header/period"
    assert data["findings"][0]["message"].startswith("Waarde")
    assert result.report.codes() == {"XSD-VALUE", "XSD-ATTRIBUTE", "XSD-STRUCTURE"}


# --------------------------------------------------------------------------- CLI


@click.group()
def app() -> None:
    """A stand-in for the ``cpas`` group."""


app.add_command(validate_command)


@pytest.fixture
def test_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cpas.schemas, "DEFAULT_PACKAGE", DATA)


@pytest.mark.usefixtures("test_registry")
@pytest.mark.parametrize(("lang", "word"), [("fr", "valide"), ("nl", "geldig"), ("en", "valid")],
                         ids=["fr", "nl", "en"])
def test_cli_valid(lang: str, word: str) -> None:
    result = CliRunner().invoke(app, ["validate", str(DATA / "batch_valid.xml"), "--lang", lang])
    assert result.exit_code == 0, result.output
    assert word in result.output


@pytest.mark.usefixtures("test_registry")
def test_cli_invalid_text() -> None:
    result = CliRunner().invoke(app, ["validate", str(DATA / "batch_invalid.xml"),
                                      "--lang", "en"])
    assert result.exit_code == 1
    assert "batch_invalid.xml:9: error XSD-VALUE /batch/lines/line[4]/amount" in result.output
    assert "10 error(s)" in result.output


@pytest.mark.usefixtures("test_registry")
def test_cli_json_and_max_errors() -> None:
    args = ["validate", str(DATA / "batch_invalid.xml"), str(DATA / "note_valid.xml"),
            "--format", "json", "--max-errors", "2"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["ok"] is False
    assert [f["errors"] for f in data["files"]] == [2, 0]
    assert data["files"][0]["complete"] is False


@pytest.mark.usefixtures("test_registry")
def test_cli_missing_file_is_an_io_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["validate", str(tmp_path / "absent.xml"),
                                      str(DATA / "batch_invalid.xml")])
    assert result.exit_code == 4
    assert "absent.xml" in result.output


@pytest.mark.parametrize("args", [["validate"], ["validate", "x.xml", "--max-errors", "0"],
                                  ["validate", "x.xml", "--format", "yaml"]],
                         ids=["no-file", "zero-errors", "bad-format"])
def test_cli_usage_errors(args: list[str]) -> None:
    assert CliRunner().invoke(app, args).exit_code == 2


@pytest.mark.usefixtures("test_registry")
def test_cli_progress_bar_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(validate_cmd, "_use_progress_bar", lambda stream: True)
    result = CliRunner().invoke(app, ["validate", str(DATA / "batch_valid.xml")])
    assert result.exit_code == 0, result.output


@pytest.mark.usefixtures("test_registry")
def test_cli_exit_code_reaches_non_standalone_callers() -> None:
    """``cpas.cli.main.main`` runs click with ``standalone_mode=False``: the code must survive."""
    code = app.main(["validate", str(DATA / "batch_invalid.xml")], standalone_mode=False)
    assert code == 1
    assert app.main(["validate", str(DATA / "batch_valid.xml")], standalone_mode=False) is None
