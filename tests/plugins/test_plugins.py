"""Adapter plugins: built-ins, discovery through entry points, broken plugins named."""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest
from click.testing import CliRunner

from cpas.adapters.legacy.samples import reimbursement_csv
from cpas.adapters.plugins import (
    ENTRY_POINT_GROUP,
    Adapter,
    AdapterError,
    LegacyAdapter,
    XmlAdapter,
    discover,
)
from cpas.adapters.xml.documents import to_xml
from cpas.cli.adapters_cmd import adapters
from cpas.sdk.samples import fictitious_niss, sample_set


def _entry(name: str, value: str) -> EntryPoint:
    return EntryPoint(name=name, value=value, group=ENTRY_POINT_GROUP)


PLUGIN_MODULE = textwrap.dedent('''
    from cpas.adapters.plugins import ReadResult

    class Good:
        name = "good"
        description = "a test adapter"
        extensions = (".good",)
        reads = ("reimbursement",)
        writes = ()

        def read(self, data, *, source):
            return ReadResult(source)

        def write(self, documents):
            return b""

    class Renamed(Good):
        name = "something-else"

    class Legacy(Good):
        name = "legacy"

    class Exploding:
        def __init__(self):
            raise RuntimeError("no licence file")

    good = Good()
    not_an_adapter = 42
''')


@pytest.fixture
def plugin_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    (tmp_path / "fake_cpas_plugin.py").write_text(PLUGIN_MODULE, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    return "fake_cpas_plugin"


BUILTIN_NAMES = ["cpas-xml", "legacy", "evita-csv", "neptunus-xml"]
"""The XML and legacy adapters, then the shipped example mapping profiles by name."""


@pytest.fixture(autouse=True)
def _no_user_profiles(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CPAS_PROFILES", raising=False)


def test_builtins_without_entry_points() -> None:
    """The built-in adapters are there even when no entry point is installed."""
    found = discover(entry_points=[])
    assert [r.adapter.name for r in found.adapters] == BUILTIN_NAMES
    assert all(r.origin == "built-in" for r in found.adapters)
    assert all(isinstance(r.adapter, Adapter) for r in found.adapters)
    assert found.broken == ()


def test_own_entry_points_are_not_duplicates() -> None:
    """Entry points of cpas-sdk naming the built-ins (once the lead adds them) change nothing."""
    found = discover(entry_points=[_entry("cpas-xml", "cpas.adapters.plugins:XmlAdapter"),
                                   _entry("legacy", "cpas.adapters.plugins:LegacyAdapter")])
    assert [r.adapter.name for r in found.adapters] == BUILTIN_NAMES
    assert found.broken == ()


def test_plugin_instance_or_class(plugin_module: str) -> None:
    """An entry point may name an adapter instance or a class to instantiate."""
    found = discover(entry_points=[_entry("good", f"{plugin_module}:good")])
    assert found.get("good").extensions == (".good",)
    found = discover(entry_points=[_entry("good", f"{plugin_module}:Good")])
    assert found.for_file("EXPORT.GOOD") is found.get("good")


@pytest.mark.parametrize(("name", "target", "reason"), [
    ("missing", "no_such_module_for_cpas:Thing", "ModuleNotFoundError"),
    ("exploding", "{m}:Exploding", "RuntimeError: no licence file"),
    ("number", "{m}:not_an_adapter", "not an Adapter: missing"),
    ("renamed", "{m}:Renamed", "gives an adapter named 'something-else'"),
    ("legacy", "{m}:Legacy", "already taken by built-in"),
], ids=["import-error", "constructor-raises", "not-adapter", "name-mismatch", "name-taken"])
def test_broken_plugin_is_named_not_fatal(plugin_module: str, name: str, target: str,
                                          reason: str) -> None:
    """A broken plugin is listed with its reason; the other adapters stay usable."""
    found = discover(entry_points=[_entry(name, target.format(m=plugin_module)),
                                   _entry("good", f"{plugin_module}:Good")])
    assert [b.name for b in found.broken] == [name]
    assert reason in found.broken[0].reason
    assert found.get("good").name == "good"
    assert found.get("cpas-xml").name == "cpas-xml"
    if name != "legacy":
        with pytest.raises(AdapterError, match="unusable plugin"):
            found.get(name)


def test_unknown_adapter() -> None:
    """Asking for an adapter nobody provides is an AdapterError, not a KeyError."""
    with pytest.raises(AdapterError, match="no adapter of this name"):
        discover(entry_points=[]).get("evita")


def test_xml_adapter_round_trip() -> None:
    """The XML adapter reads what it writes; the XML is the schema-valid to_xml output."""
    adapter = XmlAdapter()
    piis = sample_set().piis
    data = adapter.write([piis])
    assert data == to_xml(piis)
    result = adapter.read(data, source="piis.xml")
    assert result.ok
    assert result.documents == (piis,)


def test_xml_adapter_reports_every_schema_error() -> None:
    """Invalid XML gives findings (with lines), no document and no exception."""
    data = to_xml(sample_set().piis).replace(b"<", b"<bad", 1) + b"garbage"
    result = XmlAdapter().read(data, source="broken.xml")
    assert not result.ok
    assert result.documents == ()
    assert result.findings and all(f.source == "broken.xml" for f in result.findings)
    assert XmlAdapter().read(b"\x00\xff\xfe", source="bytes.xml").findings


def test_xml_adapter_write_refuses_several_documents() -> None:
    """One XML file holds one document."""
    samples = sample_set()
    with pytest.raises(AdapterError, match="exactly one document"):
        XmlAdapter().write([samples.piis, samples.bilan])


def test_legacy_adapter_rows_become_findings() -> None:
    """The sample CSV has one bad NISS: a finding at its line, NISS masked, others read."""
    result = LegacyAdapter().read(reimbursement_csv(), source="ri.csv")
    assert len(result.documents) == 1
    assert result.records == 5
    (finding,) = result.findings
    assert finding.line == 6
    broken = fictitious_niss(dt.date(1990, 8, 8), 12)
    assert broken[:9] not in finding.render("fr")
    assert not result.ok
    with pytest.raises(AdapterError, match="only reads"):
        LegacyAdapter().write(result.documents)


def test_legacy_adapter_unreadable_file() -> None:
    """A file no kind can read gives one file-level finding naming each kind's reason."""
    result = LegacyAdapter().read(b"just;some\nwords;here\n", source="x.csv")
    (finding,) = result.findings
    assert finding.code == "LEGACY-FILE"
    assert "missing columns" in finding.text("en")


def test_cli_list() -> None:
    """``cpas adapters list`` shows the built-ins, in text and JSON."""
    text = CliRunner().invoke(adapters, ["list"])
    assert text.exit_code == 0, text.output
    assert "cpas-xml" in text.output
    assert "legacy" in text.output
    data = json.loads(CliRunner().invoke(adapters, ["list", "--format", "json"]).output)
    names = [row["name"] for row in data["adapters"]]
    assert names[:4] == BUILTIN_NAMES
    assert data["adapters"][0]["extensions"] == [".xml"]
