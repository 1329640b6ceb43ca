"""Broken records become findings; every record ends up once in a document or a finding."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mapping_cases import BASE_PROFILE, HEADER

from cpas.adapters.mappings.convert import convert
from cpas.adapters.mappings.profile import Profile, parse_profile
from cpas.sdk.documents.reimbursement import ReimbursementForm
from cpas.sdk.samples import fictitious_niss

GOOD = fictitious_niss(dt.date(1980, 5, 17), 21)
OTHER = fictitious_niss(dt.date(1991, 12, 2), 146)
BAD = GOOD[:-2] + f"{(int(GOOD[-2:]) + 1) % 100:02d}"


def _profile(text: str = BASE_PROFILE) -> Profile:
    return parse_profile(text, origin="test.toml")


def _csv(*rows: str) -> bytes:
    return ("\n".join((HEADER, *rows)) + "\n").encode("utf-8")


def _row(niss: str = GOOD, code: str = "RI", month: str = "202511", amount: str = "876.13",
         start: str = "2025-11-01", sent: str = "2025-12-05") -> str:
    return "|".join((niss, code, month, amount, start, sent))


def test_each_broken_field_is_named() -> None:
    """Bad NISS (masked), unknown code, bad month, bad amount, blank required value."""
    data = _csv(_row(), _row(niss=BAD), _row(code="LL"), _row(month="11/2025"),
                _row(amount="-5"), _row(amount=""), _row(niss=OTHER))
    result = convert(_profile(), data, source="in.txt")
    (form,) = result.documents
    assert isinstance(form, ReimbursementForm)
    assert [line.id for line in form.lines] == ["row-2", "row-8"]
    found = [(f.line, f.code, f.path) for f in result.findings]
    assert found == [(3, "MAP-VALUE", "$[3].niss"), (4, "MAP-CODE", "$[4].basis"),
                     (5, "MAP-VALUE", "$[5].period"), (6, "MAP-VALUE", "$[6].amount"),
                     (7, "MAP-MISSING", "$[7].amount")]
    niss_text = result.findings[0].text("fr")
    assert BAD[:9] not in niss_text and "******-***-" in niss_text
    assert "yyyymm" in result.findings[2].text("en")
    assert "negative" in result.findings[3].text("en")
    assert "(ART60, RI)" in result.findings[1].text("en") \
        or "(RI, ART60)" in result.findings[1].text("en")


def test_group_conflict_and_header_problem() -> None:
    """Grouping by start date: two forms; a bad start date rejects only its row."""
    text = BASE_PROFILE + '\n[grouping]\nby = ["header.effective_date"]\n'
    data = _csv(_row(), _row(start="2025-10-01", month="202510"), _row(start="2025-13-01"),
                _row(sent="2025-12-06"))
    result = convert(_profile(text), data, source="in.txt")
    november, october = result.documents
    assert november.header.effective_date == dt.date(2025, 11, 1)
    assert october.header.effective_date == dt.date(2025, 10, 1)
    assert [(f.line, f.code) for f in result.findings] == [(4, "MAP-VALUE"), (5, "MAP-CONFLICT")]
    assert "does not exist" in result.findings[0].text("en")
    assert [i for _, i in result.placement] == [0, 1, None, None]


def test_file_level_problems() -> None:
    """A missing column, an empty file or undecodable bytes: one MAP-FILE finding, no document."""
    profile = _profile()
    for data, reason in [
        (b"niss|code|month|amount|start\n" + _row().encode() + b"\n", "sent"),
        (HEADER.encode() + b"\n", "no records"),
        (b"", "empty"),
        (_csv(_row()).replace(b"RI", b"R\xe9"), "utf-8"),
    ]:
        result = convert(profile, data, source="f.txt")
        (finding,) = result.findings
        assert (finding.code, result.documents) == ("MAP-FILE", ())
        assert reason in finding.text("en")


def test_document_refused_by_the_sdk_rejects_its_rows() -> None:
    """A value the SDK refuses at construction (a rate of 150 %) rejects the document."""
    text = BASE_PROFILE.replace("[record]", 'previous_rate = { value = "150" }\n\n[record]')
    result = convert(_profile(text), _csv(_row(), _row(niss=OTHER)), source="in.txt")
    assert result.documents == ()
    assert [(f.line, f.code) for f in result.findings] == [(2, "MAP-DOCUMENT"), (3, "MAP-GROUP")]
    assert "0 to 100" in result.findings[0].text("en")


XML_PROFILE = (BASE_PROFILE.replace('format = "csv"', 'format = "xml"')
               .replace('encoding = "utf-8"\ndelimiter = "|"', 'records = "/export/row"')
               .replace("{ column = ", "{ xpath = "))


def _xml(*rows: str) -> bytes:
    body = "".join(f"<row>{r}</row>" for r in rows)
    return f'<?xml version="1.0"?>\n<export>{body}</export>'.encode()


def _xml_row(niss: str = GOOD, amount: str = "12.50", extra: str = "") -> str:
    return (f"<niss>{niss}</niss><code>RI</code><month>202511</month><amount>{amount}</amount>"
            f"<start>2025-11-01</start><sent>2025-12-05</sent>{extra}")


def test_xml_records() -> None:
    """XML records: findings carry the record's XPath and line; two nodes for a field refuse."""
    data = _xml(_xml_row(), _xml_row(niss=BAD), _xml_row(extra="<amount>1</amount>"))
    result = convert(_profile(XML_PROFILE), data, source="x.xml")
    (form,) = result.documents
    assert [line.id for line in form.lines] == ["record-1"]
    first, second = result.findings
    assert (first.code, first.path, first.line) == ("MAP-VALUE", "/export/row[2]/niss", 2)
    assert BAD[:9] not in first.text("en")
    assert (second.code, second.path) == ("MAP-VALUE", "/export/row[3]/amount")
    assert "2 nodes" in second.text("en")


@pytest.mark.parametrize("data", [
    b'<?xml version="1.0"?><!DOCTYPE export [<!ENTITY x "y">]><export><row/></export>',
    b"<export><row>",
    b"<other/>",
], ids=["doctype", "truncated", "no-records"])
def test_unsafe_or_empty_xml(data: bytes) -> None:
    """Hardened parsing: a DOCTYPE, broken XML or no record is a file-level finding."""
    result = convert(_profile(XML_PROFILE), data, source="x.xml")
    (finding,) = result.findings
    assert (finding.code, result.documents) == ("MAP-FILE", ())


_ROWS = st.lists(st.sampled_from(["ok", "bad-niss", "bad-code", "blank-amount", "conflict",
                                  "other-start"]), min_size=1, max_size=12)


@settings(max_examples=40, deadline=None)
@given(kinds=_ROWS)
def test_every_record_once(kinds: list[str]) -> None:
    """Whatever the mix of rows, each lands in exactly one document or has findings."""
    text = BASE_PROFILE + '\n[grouping]\nby = ["header.effective_date"]\n'
    make = {"ok": _row(), "bad-niss": _row(niss=BAD), "bad-code": _row(code="?"),
            "blank-amount": _row(amount=""), "conflict": _row(sent="2026-01-01"),
            "other-start": _row(start="2025-10-01")}
    data = _csv(*(make[k] for k in kinds))
    result = convert(_profile(text), data, source="p.txt")
    assert result.records == len(kinds)
    assert len(result.placement) == len(kinds)
    lines_in_documents = sum(len(d.lines) for d in result.documents)
    placed = [i for _, i in result.placement if i is not None]
    assert lines_in_documents == len(placed)
    rejected_lines = {int(p[2:-1]) for p, i in result.placement if i is None}
    assert rejected_lines == {f.line for f in result.findings}
    for index, document in enumerate(result.documents):
        assert len(document.lines) == placed.count(index)
    assert convert(_profile(text), data, source="p.txt") == result


@pytest.mark.parametrize("broken", ["foo(amount)", "ns:amount", "$amount"])
def test_xpath_that_cannot_run_is_a_file_finding(broken: str) -> None:
    """A profile XPath that compiles but cannot be evaluated (unknown function, undeclared
    prefix or variable), e.g. in a profile built without parse_profile's checks, gives one
    MAP-FILE finding naming the XPath and no document: convert never raises."""
    profile = _profile(XML_PROFILE)
    record = tuple(attrs.evolve(m, xpaths=(broken,)) if m.key == "record.amount" else m
                   for m in profile.record)
    assert record != profile.record
    result = convert(attrs.evolve(profile, record=record), _xml(_xml_row()), source="x.xml")
    (finding,) = result.findings
    assert (finding.code, result.documents) == ("MAP-FILE", ())
    assert broken in finding.text("en")
    # lxml evaluates a predicate only on a matching node: a load-time check on an empty
    # element cannot see this one, the file's records do.
    result = convert(attrs.evolve(profile, records=f"/export/row[{broken}]"),
                     _xml(_xml_row()), source="x.xml")
    (finding,) = result.findings
    assert (finding.code, result.documents) == ("MAP-FILE", ())
