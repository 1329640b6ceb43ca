"""Profiles are checked on load: each error names the file, the key and the reason."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest
from mapping_cases import BASE_PROFILE, HEADER, write_profile
from openpyxl import Workbook

from cpas.adapters.mappings.adapter import ProfileAdapter
from cpas.adapters.mappings.profile import ProfileError, date_pattern, load_profile
from cpas.adapters.plugins import ENTRY_POINT_GROUP, discover
from cpas.sdk.documents.reimbursement import LegalBasis, ReimbursementForm
from cpas.sdk.money import Money
from cpas.sdk.periods import Period
from cpas.sdk.samples import fictitious_niss


@pytest.fixture(autouse=True)
def _no_user_profiles(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CPAS_PROFILES", raising=False)


def _edit(old: str, new: str) -> str:
    assert old in BASE_PROFILE
    return BASE_PROFILE.replace(old, new)


BROKEN = [
    ("top-key", BASE_PROFILE + "\n[extra]\nx = 1\n", "extra", "unknown key"),
    ("input-key", _edit('delimiter = "|"', 'delimeter = "|"'), "input.delimeter",
     "allowed keys: delimiter, encoding"),
    ("sdk-field", _edit("niss = {", "nis = {"), "record.nis", "unknown SDK field"),
    ("date-format", _edit('date = "yyyy-mm-dd"', 'date = "dd/mm/yy"'), "formats.date",
     "unknown letter 'y'"),
    ("month-format", _edit('month = "yyyymm"', 'month = "dd/mm/yyyy"'), "formats.month",
     "without dd"),
    ("enum-map", _edit('ART60 = "art_60_7"', 'ART60 = "art_60_8"'), "record.basis.map.ART60",
     "allowed values"),
    ("xpath-in-csv", _edit('amount = { column = "amount" }', 'amount = { xpath = "amount" }'),
     "record.amount.xpath", "reads columns"),
    ("two-sources", _edit('amount = { column = "amount" }',
                          'amount = { column = "amount", value = "1" }'),
     "record.amount", "exactly one source"),
    ("required-field", _edit('amount = { column = "amount" }', ""), "record.amount",
     "required document field not mapped"),
    ("grouping", BASE_PROFILE + '\n[grouping]\nby = ["header.decision_date"]\n',
     "grouping.by[0]", "not a mapped field"),
    ("encoding", _edit('encoding = "utf-8"', 'encoding = "utf-9"'), "input.encoding",
     "unknown encoding"),
    ("delimiter", _edit('delimiter = "|"', 'delimiter = "||"'), "input.delimiter",
     "single character"),
    ("toml", BASE_PROFILE + "\n[profile\n", "(toml)", "invalid TOML"),
    ("kind", _edit('kind = "reimbursement"', 'kind = "invoice"'), "profile.kind",
     "allowed values"),
    ("name", _edit('name = "test-csv"', 'name = "Test CSV"'), "profile.name", "lower-case"),
    ("format-on-amount", _edit('amount = { column = "amount" }',
                               'amount = { column = "amount", format = "dd/mm/yyyy" }'),
     "record.amount.format", "only applies to a date"),
    ("marks", _edit('decimal_mark = "."', 'decimal_mark = "."\nthousands_mark = "."'),
     "formats.thousands_mark", "different from decimal_mark"),
    ("map-on-value", _edit('form_type = { value = "dis_b" }',
                           'form_type = { value = "dis_b", map = { B = "dis_b" } }'),
     "document.form_type.map", "no value map with a fixed value"),
    ("bad-constant", _edit('"0207123407"', '"0207123408"'), "document.header.cpas.kbo.value",
     "KBO check digits"),
    ("bad-default", _edit('amount = { column = "amount" }',
                          'amount = { column = "amount", default = "1,5" }'),
     "record.amount.default", "not a number in the profile's format"),
    ("missing-profile", BASE_PROFILE.replace("[profile]", "[profil]"), "profil",
     "unknown key"),
]


@pytest.mark.parametrize(("text", "key", "reason"), [b[1:] for b in BROKEN],
                         ids=[b[0] for b in BROKEN])
def test_broken_profile_names_file_key_and_reason(tmp_path: Path, text: str,
                                                  key: str, reason: str) -> None:
    """Each broken profile is refused on load with the key and a reason in FR, NL and EN."""
    path = write_profile(tmp_path, text, "broken.toml")
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    error = caught.value
    assert (error.origin, error.key) == (str(path), key)
    assert reason in error.reason.get("en")
    assert error.reason.get("fr") and error.reason.get("nl")
    assert error.render("nl").startswith(f"{path}: {key}: ")


def test_xml_profile_checks_xpaths(tmp_path: Path) -> None:
    """An XML profile needs a records XPath and valid field XPaths; columns are refused."""
    text = (BASE_PROFILE.replace('format = "csv"', 'format = "xml"')
            .replace('encoding = "utf-8"\ndelimiter = "|"', 'records = "/export/row"')
            .replace("{ column = ", "{ xpath = "))
    assert load_profile(write_profile(tmp_path, text, "ok.toml")).records == "/export/row"
    broken = text.replace('amount = { xpath = "amount" }', 'amount = { xpath = "amount[" }')
    with pytest.raises(ProfileError, match=r"record\.amount\.xpath: invalid XPath"):
        load_profile(write_profile(tmp_path, broken, "bad.toml"))
    with pytest.raises(ProfileError, match=r"record\.amount\.column: an XML profile"):
        load_profile(write_profile(tmp_path, text.replace('amount = { xpath = "amount" }',
                                                'amount = { column = "amount" }'), "c.toml"))
    with pytest.raises(ProfileError, match=r"input\.records: required key missing"):
        load_profile(write_profile(tmp_path, text.replace('records = "/export/row"', ""),
                                   "r.toml"))


def test_date_patterns() -> None:
    """Patterns use yyyy, mm/m and dd/d; every other non-letter is literal."""
    assert date_pattern("yyyymmdd", day=True).fullmatch("20251105") is not None
    assert date_pattern("d.m.yyyy", day=True).fullmatch("5.1.2025") is not None
    assert date_pattern("mm/yyyy", day=False).fullmatch("11/2025") is not None
    assert date_pattern("dd/mm/yyyy", day=True).fullmatch("2025-11-05") is None
    with pytest.raises(ValueError, match="twice"):
        date_pattern("yyyy-mm-mm", day=False)


def _xlsx_profile() -> str:
    return (BASE_PROFILE.replace('name = "test-csv"', 'name = "my-xlsx"')
            .replace('format = "csv"', 'format = "xlsx"')
            .replace('encoding = "utf-8"\ndelimiter = "|"', 'sheet = "Export"')
            .replace('month = "yyyymm"', 'month = "auto"')
            .replace('decimal_mark = "."', 'decimal_mark = "auto"')
            .replace('extensions = [".txt"]', 'extensions = [".xlsx"]'))


def _workbook() -> bytes:
    """Typed cells: a NISS number cell, a date cell for the month, a float amount."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Export"
    sheet.append(HEADER.split("|"))
    niss = fictitious_niss(dt.date(1970, 1, 31), 7)
    sheet.append([int(niss), "ART60", dt.datetime(2025, 9, 1), 1250.5, "2025-09-01",
                  "2025-10-02"])
    sheet.append([niss, "RI", "09/2025", "1.314,20", "2025-09-01", "2025-10-02"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_user_xlsx_profile_from_file(tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A user profile named by CPAS_PROFILES is discovered and reads its XLSX export."""
    path = write_profile(tmp_path, _xlsx_profile(), "my-xlsx.toml")
    monkeypatch.setenv("CPAS_PROFILES", str(path.parent))
    found = discover(entry_points=[])
    (registered,) = [r for r in found.adapters if r.adapter.name == "my-xlsx"]
    assert registered.origin == f"profile {path}"
    assert isinstance(registered.adapter, ProfileAdapter)
    assert found.for_file("anything.xlsx") is not None
    result = registered.adapter.read(_workbook(), source="export.xlsx")
    assert result.findings == ()
    (form,) = result.documents
    assert isinstance(form, ReimbursementForm)
    first, second = form.lines
    assert (first.id, first.basis, first.period, first.amount) == (
        "row-2", LegalBasis.ART_60_7, Period(2025, 9), Money(Decimal("1250.50")))
    assert (second.id, second.basis, second.amount) == (
        "row-3", LegalBasis.INTEGRATION_INCOME, Money(Decimal("1314.20")))
    assert form.submission_date == dt.date(2025, 10, 2)


def test_broken_or_clashing_user_profiles_are_listed(tmp_path: Path) -> None:
    """A user profile that fails its checks or takes a built-in's name is broken, not fatal."""
    bad = write_profile(tmp_path, BASE_PROFILE.replace("niss = {", "nis = {"), "bad.toml")
    clash = write_profile(tmp_path, BASE_PROFILE.replace('name = "test-csv"',
                                                         'name = "evita-csv"'), "clash.toml")
    missing = bad.parent / "missing.toml"
    found = discover(entry_points=[], profiles=[bad, clash, missing])
    reasons = {b.value: b.reason for b in found.broken}
    assert reasons[str(bad)].startswith("record.nis: unknown SDK field")
    assert "already taken by built-in" in reasons[str(clash)]
    assert "cannot read the profile" in reasons[str(missing)]
    assert found.get("evita-csv").description.startswith("EXAMPLE")


def test_plugin_may_hand_out_a_profile_adapter(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """An entry point giving a ProfileAdapter of its own profile is a plugin, not a duplicate."""
    profile = write_profile(tmp_path, BASE_PROFILE.replace('name = "test-csv"',
                                                           'name = "vendor-pipe"'), "v.toml")
    module = tmp_path / "vendor_profile_plugin.py"
    module.write_text(
        "from cpas.adapters.mappings.adapter import ProfileAdapter\n"
        "from cpas.adapters.mappings.profile import load_profile\n"
        f"adapter = ProfileAdapter(load_profile({str(profile)!r}))\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    point = EntryPoint(name="vendor-pipe", value="vendor_profile_plugin:adapter",
                       group=ENTRY_POINT_GROUP)
    found = discover(entry_points=[point], profiles=[])
    assert found.broken == ()
    assert found.get("vendor-pipe").reads == ("reimbursement",)


@pytest.mark.parametrize(("old", "new", "key"), [
    ('amount = { xpath = "amount" }', 'amount = { xpath = "foo(amount)" }',
     r"record\.amount\.xpath"),
    ('amount = { xpath = "amount" }', 'amount = { xpath = "ns:amount" }',
     r"record\.amount\.xpath"),
    ('records = "/export/row"', 'records = "/export/ns:row"', r"input\.records"),
])
def test_xml_profile_xpaths_must_run(tmp_path: Path, old: str, new: str, key: str) -> None:
    """An XPath that compiles but cannot be evaluated (unregistered function, undeclared
    prefix, unknown variable) is refused when the profile is loaded, naming its key."""
    text = (BASE_PROFILE.replace('format = "csv"', 'format = "xml"')
            .replace('encoding = "utf-8"\ndelimiter = "|"', 'records = "/export/row"')
            .replace("{ column = ", "{ xpath = "))
    assert old in text
    with pytest.raises(ProfileError, match=key + ": invalid XPath"):
        load_profile(write_profile(tmp_path, text.replace(old, new)))
