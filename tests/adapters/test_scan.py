"""The text scanner of reimbursement lines (adapters/xml/scan.py) and the checks built on it.

The reference is the lxml path of ``check_file`` (the compiled and generic
readers on parsed elements), which the rest of the suite compares with
``check(from_xml(...))``. Every test here asks the same question: whatever the
layout, does ``check_file`` give exactly what the lxml path gives, and did the
scanner read the layouts it vouches for and give way on the others?
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import attrs
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cpas.adapters.xml import checking
from cpas.adapters.xml.checking import CheckResult, check_file
from cpas.adapters.xml.documents import from_xml, to_xml
from cpas.adapters.xml.mapping import from_element
from cpas.adapters.xml.parser import BATCH_LIMITS
from cpas.adapters.xml.scan import GiveUp, LineScanner, line_scanner, xml_text
from cpas.adapters.xml.stream import validate
from cpas.cli.main import cli
from cpas.sdk import Cpas, Money, Period
from cpas.sdk.documents.reimbursement import (
    BeneficiaryCategory,
    FormHeader,
    FormType,
    LegalBasis,
    ReimbursementForm,
    ReimbursementLine,
)
from strategies import niss_digits
from strategies_reimbursement import compliant_forms, forms

NS = "urn:be:cpas-sdk:reimbursement:1"
CPAS = Cpas(name="CPAS de Namur", kbo="0403019261", nis_code="92094")
NISS = [niss_digits(dt.date(1970 + n, 1 + n % 12, 1 + n % 28), 21 + 2 * n) for n in range(40)]
TODAY = dt.date(2025, 6, 1)


def line(n: int, **changes: Any) -> ReimbursementLine:
    values: dict[str, Any] = {"id": f"L{n:03d}", "niss": NISS[n],
                              "basis": LegalBasis.INTEGRATION_INCOME,
                              "period": Period(2025, 3), "amount": Money("900.00")}
    values.update(changes)
    return ReimbursementLine(**values)


def form(*lines: ReimbursementLine, form_type: FormType = FormType.DIS_B) -> ReimbursementForm:
    header = FormHeader(cpas=CPAS, effective_date=dt.date(2025, 3, 1),
                        category=BeneficiaryCategory.SINGLE)
    return ReimbursementForm(id="F-2025-03", form_type=form_type, header=header, lines=lines,
                             submission_date=dt.date(2025, 4, 10))


def with_findings() -> ReimbursementForm:
    """Duplicates, a basis of the wrong law, an amount above the isolé amount, a PIIS
    code out of force, names that need escaping: hits in the main pass and at the end."""
    body = [line(n, beneficiary_name=f"Dupont & fils <{n}> \"Zoë\" O'Neil") for n in range(12)]
    body[3] = line(3, basis=LegalBasis.MEDICAL_COSTS)
    body[5] = line(5, amount=Money("1400.00"))
    body[7] = line(7, piis_code=3)
    body.append(line(2))
    body.append(line(9))
    return form(*body)


class Spy:
    """Counts scans that gave an answer and scans that gave way."""

    def __init__(self) -> None:
        self.answered = 0
        self.gave_way = 0


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> Spy:
    seen = Spy()
    original = checking._Scan.run

    def run(self: Any) -> CheckResult | None:
        result = original(self)
        if result is None:
            seen.gave_way += 1
        else:
            seen.answered += 1
        return result

    monkeypatch.setattr(checking._Scan, "run", run)
    return seen


def by_lxml(source: bytes | Path, **options: Any) -> CheckResult:
    """The result of the lxml path (the scanner never consulted)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(checking, "_check_scanned", lambda *args, **kwargs: None)
        return check_file(source, today=TODAY, **options)


def same_as_lxml(source: bytes | Path, **options: Any) -> CheckResult:
    scanned = check_file(source, today=TODAY, **options)
    assert scanned == by_lxml(source, **options)
    return scanned


# --------------------------------------------------------------------------- layouts


def compact(data: bytes) -> bytes:
    return re.sub(rb">\s+<", b"><", data)


def crlf(data: bytes) -> bytes:
    return data.replace(b"\n", b"\r\n")


def tabs(data: bytes) -> bytes:
    return re.sub(rb"\n +", lambda m: b"\n" + b"\t" * (len(m.group(0)) - 1), data)


def references(data: bytes) -> bytes:
    """Every 'e' and 'Z' of the names as character references (decimal and hex; no
    entity name holds either letter)."""
    def name(match: re.Match[bytes]) -> bytes:
        text = match.group(2).replace(b"e", b"&#101;").replace(b"Z", b"&#x5A;")
        return match.group(1) + text + match.group(3)
    return re.sub(rb"(<beneficiaryName>)([^<]*)(</beneficiaryName>)", name, data)


def padded(data: bytes) -> bytes:
    """Whitespace around every value (collapsed by the types that collapse it)."""
    return re.sub(rb"(<(?:niss|amount|period|basis)>)([^<]*)(<)", rb"\1 \2\n \3", data)


def utf8_bom(data: bytes) -> bytes:
    return b"\xef\xbb\xbf" + data


PLAIN_LAYOUTS = [compact, crlf, tabs, references, padded, utf8_bom]


@pytest.mark.parametrize("layout", PLAIN_LAYOUTS, ids=lambda f: f.__name__)
def test_plain_layouts_are_scanned_and_give_the_lxml_answer(layout: Any, spy: Spy) -> None:
    data = layout(to_xml(with_findings()))
    result = same_as_lxml(data)
    assert spy.answered == 1 and spy.gave_way == 0
    codes = {f.code for f in result.findings}
    assert {"REIMB-DUP-001", "REIMB-LAW-001", "REIMB-RI-001", "REIMB-PIIS-001"} <= codes
    assert all(f.line is not None for f in result.findings)


def test_finding_lines_are_the_file_lines(spy: Spy) -> None:
    data = crlf(to_xml(with_findings()))
    result = check_file(data, today=TODAY)
    assert spy.answered == 1
    rows = data.decode().split("\r\n")
    law = next(f for f in result.findings if f.code == "REIMB-LAW-001")
    assert law.line is not None and "<basis>medical_costs</basis>" in rows[law.line - 1]
    duplicates = [f for f in result.findings if f.code == "REIMB-DUP-001"]
    starts = [n for n, row in enumerate(rows, 1) if "<reimbursementLine>" in row]
    assert [f.line for f in duplicates] == [starts[12], starts[13]]


# Layouts the scanner does not vouch for: it must give way, and the answer stays right.

def comment_between_lines(data: bytes) -> bytes:
    return data.replace(b"</reimbursementLine>", b"</reimbursementLine><!-- x -->", 1)


def comment_in_head(data: bytes) -> bytes:
    return data.replace(b"<header>", b"<!-- <lines> --><header>", 1)


def instruction_in_head(data: bytes) -> bytes:
    return data.replace(b"<header>", b"<?vendor x?><header>", 1)


def cdata_value(data: bytes) -> bytes:
    return re.sub(rb"<id>(L[^<]*)</id>", rb"<id><![CDATA[\1]]></id>", data, count=1)


def prefixed(data: bytes) -> bytes:
    text = data.replace(f'xmlns="{NS}"'.encode(), f'xmlns:r="{NS}"'.encode())
    return re.sub(rb"<(/?)([A-Za-z])", rb"<\1r:\2", text)


def redeclared(data: bytes) -> bytes:
    return data.replace(b"<reimbursementLine>", f'<reimbursementLine xmlns="{NS}">'.encode())


def empty_element(data: bytes) -> bytes:
    return data.replace(b"<rateCategory>standard</rateCategory>", b"<rateCategory/>", 1)


def latin1(data: bytes) -> bytes:
    text = data.decode("utf-8").replace('encoding="UTF-8"', 'encoding="ISO-8859-1"')
    return text.encode("latin-1", errors="xmlcharrefreplace")


def closing_in_trailer_comment(data: bytes) -> bytes:
    return data.replace(b"</reimbursementForm>", b"<!-- </lines> --></reimbursementForm>")


def entity_outside_xml(data: bytes) -> bytes:
    return data.replace(b"Dupont &amp; fils", b"Dupont &nbsp; fils", 1)


OTHER_LAYOUTS = [comment_between_lines, comment_in_head, instruction_in_head, cdata_value,
                 prefixed, redeclared, empty_element, latin1, closing_in_trailer_comment,
                 entity_outside_xml]


@pytest.mark.parametrize("layout", OTHER_LAYOUTS, ids=lambda f: f.__name__)
def test_other_layouts_are_left_to_lxml(layout: Any, spy: Spy) -> None:
    data = layout(to_xml(with_findings()))
    assert data != to_xml(with_findings())
    same_as_lxml(data)
    assert spy.answered == 0


# --------------------------------------------------------------------------- values


def test_values_the_model_refuses_are_located_and_masked(spy: Spy) -> None:
    good = NISS[4]
    bad = good[:-2] + f"{(int(good[-2:]) % 97) + 1:02d}"
    data = crlf(to_xml(with_findings())).replace(good.encode(), bad.encode())
    result = same_as_lxml(data)
    assert spy.answered == 1
    assert [(f.code, f.path) for f in result.findings] == [("SDK-VALUE", "$.lines[4].niss")]
    finding = result.findings[0]
    assert finding.line is not None
    assert bad in data.decode().split("\r\n")[finding.line - 1]
    assert all(bad not in finding.text(lang) for lang in ("fr", "nl", "en"))


def test_schema_errors_win_over_a_scan(spy: Spy, tmp_path: Path) -> None:
    """Lines the scanner reads fine, a schema error after them: schema findings only."""
    data = to_xml(with_findings()).replace(
        b"</reimbursementForm>", b"<extra>1</extra></reimbursementForm>")
    path = tmp_path / "batch.xml"
    path.write_bytes(data)
    for jobs in (1, 2):
        result = same_as_lxml(path, jobs=jobs)
        assert not result.schema_valid
        assert {f.code for f in result.findings} <= {"XSD-UNEXPECTED", "XSD-CONTENT",
                                                      "XSD-VALUE", "XSD-ERROR"} or all(
            f.code.startswith("XSD") for f in result.findings)


def test_max_errors_and_counts(spy: Spy) -> None:
    doc = form(*(line(n % 6, basis=LegalBasis.MEDICAL_COSTS, period=Period(2025, 1 + n // 6))
                 for n in range(30)))
    data = to_xml(doc)
    capped = same_as_lxml(data, max_errors=4)
    assert capped.errors == 4 and not capped.complete and capped.records == 30
    assert spy.answered == 1


def test_xml_text_decodes_what_xml_decodes() -> None:
    assert xml_text("a&amp;b&lt;&gt;&quot;&apos;") == "a&b<>\"'"
    assert xml_text("&#233;t&#xE9;") == "été"
    assert xml_text("one\r\ntwo\rthree") == "one\ntwo\nthree"
    for refused in ("&nbsp;", "a & b", "&#xFFFFFFFFF;"):
        with pytest.raises(GiveUp):
            xml_text(refused)


def scanned_lines(data: bytes) -> list[ReimbursementLine] | None:
    """The lines as the scanner reads them, ``None`` when it gives way."""
    scanner = line_scanner(ReimbursementLine, record="reimbursementLine", container="lines")
    try:
        batch = scanner.open(data)
        return [scanner.build(row) for region in batch.regions() for row in region.rows]
    except GiveUp:
        return None


@pytest.mark.parametrize("layout", [*PLAIN_LAYOUTS, lambda data: data], ids=repr)
def test_scanned_lines_equal_the_generic_reader(layout: Any) -> None:
    """Object for object, with the same Decimal exponents, on a batch with every
    optional field filled in some line and none in others, texts that need escaping
    or hold line ends."""
    body = [line(0), line(1, beneficiary_name="  Zoë &\r\n<O'Neil>  ", piis_code=9,
                          income_exemption=Money("12.5"), source_id="B1-7 & \"co\"",
                          expense_date=dt.date(2025, 3, 4), recovery_type="01",
                          category=BeneficiaryCategory.FAMILY_WITH_DEPENDANTS),
            line(2, amount=Money("0.00"), beneficiary_name="a\tb\nc")]
    data = layout(to_xml(form(*body)))
    scanned = scanned_lines(data)
    assert scanned == list(from_xml(data).lines)
    scanner = line_scanner(ReimbursementLine, record="reimbursementLine", container="lines")
    regions = list(scanner.open(data).regions())
    for region in regions:
        for position in range(len(region.rows)):
            element, _ = scanner.record_element(region, position, namespace=NS)
            generic = from_element(element, ReimbursementLine, namespace=NS, path="$")
            got = scanned[region.first + position]
            assert got == generic
            assert str(got.amount.amount) == str(generic.amount.amount)


# --------------------------------------------------------------------------- generated


@st.composite
def batches(draw: st.DrawFn) -> bytes:
    doc = draw(st.one_of(forms(max_lines=8), compliant_forms(max_lines=8)))
    body = list(doc.lines)
    repeat = draw(st.booleans())
    if body and repeat:
        body.insert(draw(st.integers(0, len(body))), body[draw(st.integers(0, len(body) - 1))])
    data = to_xml(attrs.evolve(doc, lines=tuple(body)))
    layouts = draw(st.lists(st.sampled_from(PLAIN_LAYOUTS + OTHER_LAYOUTS), max_size=2,
                            unique=True))
    for layout in sorted(layouts, key=lambda f: f is latin1):  # latin1 reads UTF-8: last
        data = layout(data)
    return data


@settings(max_examples=50, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(batches())
def test_generated_batches_give_the_lxml_answer(data: bytes) -> None:
    assert check_file(data, today=TODAY) == by_lxml(data)
    scanned = scanned_lines(data)
    if scanned is not None:
        assert scanned == list(from_xml(data).lines)


# --------------------------------------------------------------------------- two processes


@pytest.mark.parametrize("beside", ["thread", "process"])
def test_a_schema_pass_beside_gives_the_answer_of_one_pass(
        tmp_path: Path, spy: Spy, monkeypatch: pytest.MonkeyPatch, beside: str) -> None:
    """Valid with findings, invalid, and not plain: the same answers with the schema
    pass in a thread (small files) or in a second process (from PARALLEL_BYTES)."""
    if beside == "process":
        monkeypatch.setattr(checking, "PARALLEL_BYTES", 0)
    started: list[str] = []
    for name in ("SchemaPass", "SchemaThread"):
        original = getattr(checking, name)

        def spying(*args: Any, _original: Any = original, _name: str = name,
                   **kwargs: Any) -> Any:
            started.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(checking, name, spying)
    data = to_xml(with_findings())
    variants = {"valid": data,
                "invalid": data.replace(b"</reimbursementForm>",
                                        b"<extra>1</extra></reimbursementForm>"),
                "not plain": comment_between_lines(data)}
    for label, content in variants.items():
        path = tmp_path / f"{label}.xml"
        path.write_bytes(content)
        one = check_file(path, today=TODAY, jobs=1)
        two = check_file(path, today=TODAY, jobs=2)
        assert one == two == by_lxml(path), label
    # The comment between lines is seen before any pass starts: no pass beside then.
    assert started == [{"thread": "SchemaThread", "process": "SchemaPass"}[beside]] * 2
    # Valid with jobs 1 and 2, invalid with jobs 2 (with jobs 1 the schema pass comes
    # first and the rules pass never starts on an invalid file).
    assert spy.answered == 3
    with pytest.raises(ValueError, match="jobs"):
        check_file(tmp_path / "valid.xml", jobs=3)


def test_the_schema_pass_child_answers_and_reports(tmp_path: Path) -> None:
    """The child process on its own: a pickled result on stdout, or exit status 1."""
    path = tmp_path / "batch.xml"
    path.write_bytes(to_xml(with_findings()))
    command = [sys.executable, "-m", "cpas.adapters.xml.schemapass"]
    done = subprocess.run([*command, str(path), "batch.xml"],  # noqa: S603 - fixed command
                          capture_output=True, check=False)
    assert done.returncode == 0 and done.stdout
    missing = subprocess.run([*command, str(tmp_path / "none.xml"), "none.xml"],  # noqa: S603
                             capture_output=True, check=False)
    assert missing.returncode == 1 and b"FileNotFoundError" in missing.stderr


def test_cli_jobs_option(tmp_path: Path) -> None:
    path = tmp_path / "batch.xml"
    path.write_bytes(to_xml(with_findings()))
    outputs = []
    for jobs in ("1", "2"):
        done = CliRunner().invoke(cli, ["check", "--jobs", jobs, "--format", "json",
                                        "--today", "2025-06-01", str(path)])
        assert done.exit_code == 1, done.output
        outputs.append(done.output)
    assert outputs[0] == outputs[1]
    bad = CliRunner().invoke(cli, ["check", "--jobs", "3", str(path)])
    assert bad.exit_code == 2


def test_a_root_name_that_breaks_the_namespace_rules_is_a_finding() -> None:
    """libxml2 keeps ``r:r:form`` as a name; lxml then refuses it. Found by the generated
    layouts above (a prefix applied twice): a finding, never a crash."""
    data = b'<?xml version="1.0"?>\n<r:r:form xmlns:r="urn:be:cpas-sdk:reimbursement:1"/>'
    result = check_file(data)
    assert [f.code for f in result.findings] == ["XML-SYNTAX"]
    assert not result.ok


def test_a_text_over_the_parser_limit_is_left_to_lxml(tmp_path: Path, spy: Spy) -> None:
    """The whole-tree verdicts (thread, small file in one process) parse without the
    limit on texts: the scanner gives way on such a text, and the lxml path decides."""
    name = "x" * (BATCH_LIMITS.max_text + 1)
    data = to_xml(form(line(0), line(1, beneficiary_name=name)))
    path = tmp_path / "long.xml"
    path.write_bytes(data)
    for source, jobs in ((data, 1), (path, 1), (path, 2)):
        same_as_lxml(source, jobs=jobs)
    assert spy.answered == 0 and spy.gave_way == 3


@pytest.mark.parametrize("layout", [lambda data: data, compact, crlf], ids=["plain", "compact",
                                                                            "crlf"])
def test_trailer_findings_keep_their_file_lines(layout: Any, spy: Spy) -> None:
    """A loi 65 B1 sent 60 days after the decision (loi 65 art. 9–10: 45 days): the hit
    is on the submission date, after the lines, at its line in the file."""
    header = FormHeader(cpas=CPAS, effective_date=dt.date(2025, 3, 1),
                        file_number="AB-123", decision_date=dt.date(2025, 2, 1))
    body = tuple(line(n, basis=LegalBasis.EQUIVALENT_SOCIAL_AID) for n in range(30))
    doc = ReimbursementForm(id="F-B1", form_type=FormType.LOI65_B1, header=header, lines=body,
                            submission_date=dt.date(2025, 4, 2))
    data = layout(to_xml(doc))
    result = same_as_lxml(data)
    assert spy.answered == 1
    late = next(f for f in result.findings if f.code == "REIMB-B1-001")
    assert late.path == "$.submission_date"
    rows = data.decode().replace("\r\n", "\n").split("\n")
    assert late.line is not None and "<submissionDate>" in rows[late.line - 1]


def test_a_batch_of_many_blocks_is_scanned(spy: Spy) -> None:
    """6 000 lines (about 1.6 MB, several blocks of the scanner, records cut at block
    ends): scanned whole, and the same answer as lxml."""
    many = [(n, "Zoë" * (n % 5)) for n in range(6_000)]
    doc = form(*(ReimbursementLine(id=f"L{n:05d}", niss=NISS[n % 40],
                                   basis=LegalBasis.INTEGRATION_INCOME,
                                   period=Period(2024, 1 + n // 40 % 12),
                                   amount=Money(f"{500 + n % 900}.{n % 100:02d}"),
                                   beneficiary_name=name or None)
                 for n, name in many))
    data = to_xml(doc)
    assert len(data) > 4 * (1 << 18)
    result = same_as_lxml(data)
    assert spy.answered == 1 and result.records == 6_000


def test_the_schema_pass_process_imports_nothing_from_the_current_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``cpas check`` run inside a drop folder that holds an ``lxml`` package: the child
    process must not import it (it would run code and answer for the validation)."""
    folder = tmp_path / "drop"
    (folder / "lxml").mkdir(parents=True)
    marker = tmp_path / "imported"
    (folder / "lxml" / "__init__.py").write_text(
        f"open({str(marker)!r}, 'w').close()\n", encoding="utf-8")
    path = folder / "batch.xml"
    path.write_bytes(to_xml(with_findings()))
    monkeypatch.chdir(folder)
    monkeypatch.setattr(checking, "PARALLEL_BYTES", 0)
    result = check_file(path, today=TODAY, jobs=2)
    assert not marker.exists()
    assert result == by_lxml(path)


def test_only_regular_files_and_unchanged_files_are_scanned(tmp_path: Path) -> None:
    scanner = line_scanner(ReimbursementLine, record="reimbursementLine", container="lines")
    with pytest.raises(GiveUp):
        scanner.open("/dev/null")  # a device: lxml reads it as it comes
    path = tmp_path / "batch.xml"
    data = to_xml(with_findings())
    path.write_bytes(data)
    batch = scanner.open(path)
    assert batch.unchanged() and sum(len(r.rows) for r in batch.regions()) == 14
    path.write_bytes(data.replace(b"900.00", b"901.00", 1) + b"\n")
    assert not batch.unchanged()
    with pytest.raises(GiveUp):
        next(iter(batch.regions()))


def test_a_direct_build_that_differs_from_the_constructor_is_dropped() -> None:
    """Checked once on a real row: a direct build that does not give what the
    constructor gives is replaced by the constructor for good."""
    scanner = LineScanner(ReimbursementLine, record="reimbursementLine", container="lines")
    wrong = ReimbursementLine(id="other", niss=NISS[0], basis=LegalBasis.INTEGRATION_INCOME,
                              period=Period(2025, 3), amount=Money("900.00"))
    scanner.build = lambda row: wrong
    data = to_xml(with_findings())
    rows = [row for region in scanner.open(data).regions() for row in region.rows]
    assert [scanner.build(row) for row in rows] == list(from_xml(data).lines)


def pipe_of(data: bytes) -> str:
    """A pipe holding ``data``, named as ``/dev/stdin`` would be (``/dev/fd/N``): every
    open reads on from where the last one stopped, as with ``cat batch.xml | cpas …``."""
    assert len(data) < 60_000  # fits in the pipe's buffer: written at once, then closed
    read, write = os.pipe()
    os.write(write, data)
    os.close(write)
    return f"/dev/fd/{read}"


def test_a_pipe_is_checked_like_the_file_it_carries(tmp_path: Path) -> None:
    """``cat batch.xml | cpas check /dev/stdin``: a pipe can be read once, the checks read
    a file several times; the answer is the file's."""
    data = to_xml(with_findings())
    path = tmp_path / "batch.xml"
    path.write_bytes(data)
    piped = check_file(pipe_of(data), today=TODAY, name="batch.xml")
    assert piped == check_file(path, today=TODAY, name="batch.xml")
    assert piped.records == 14 and not piped.ok


def test_validate_reads_a_pipe_like_the_file_it_carries(tmp_path: Path) -> None:
    """``cat batch.xml | cpas validate /dev/stdin``: the head peeked to pick the schema
    must not be lost (the pipe is copied first)."""
    data = to_xml(with_findings()).replace(b"<amount>900.00</amount>", b"<amount>x</amount>", 1)
    path = tmp_path / "batch.xml"
    path.write_bytes(data)
    piped = validate(pipe_of(data), name="batch.xml")
    assert piped == validate(path, name="batch.xml")
    assert [f.code for f in piped.findings] == ["XSD-VALUE"]
