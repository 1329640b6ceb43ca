"""Two-validator conformance corpus (issue 3): lxml and xmlschema agree on every file.

The files are in ``tests/data/corpus/``, described one by one in ``expected.toml``:

* ``valid/``: both validators accept the file, ``from_xml`` reads it and
  ``to_xml`` gives back the same bytes (the files are in canonical form);
* ``invalid/``: a valid file with one defect; both validators refuse it, lxml
  says why (``reason``) and where (``line``, ``path``), and ``from_xml`` raises a
  :class:`~cpas.sdk.errors.CpasError` naming that line;
* ``semantic/``: valid for the XSD, whose patterns cannot check a NISS or KBO
  checksum, but refused by the SDK's types when ``from_xml`` builds the document.

lxml runs libxml2's validator (C); xmlschema is an independent implementation
in pure Python. Both load the shipped schemas through the :mod:`cpas.schemas`
registry, so neither fetches anything.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from lxml import etree

from cpas.adapters.xml.documents import DocumentKind, from_xml, kind_of, to_xml
from cpas.adapters.xml.mapping import error_line
from cpas.adapters.xml.stream import validate_document
from cpas.schemas import lxml_schema, xmlschema_schema
from cpas.sdk import errors
from cpas.sdk.errors import CpasError

CORPUS = Path(__file__).resolve().parent.parent / "data" / "corpus"
MANIFEST: dict[str, dict[str, dict[str, Any]]] = tomllib.loads(
    (CORPUS / "expected.toml").read_text("utf-8"))
FOLDERS = ("valid", "invalid", "semantic")
KIND_NAMES = ("piis", "bilan", "subsidy", "partnership", "reimbursement")
MINIMUM_FILES = 30
MINIMUM_PER_KIND = 4

# A plain lxml parser: the corpus is ours, and a malformed file must give lxml's own message.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def _entries(folder: str) -> list[str]:
    return sorted(MANIFEST.get(folder, {}))


def _entry(folder: str, name: str) -> dict[str, Any]:
    return MANIFEST[folder][name]


def _data(folder: str, name: str) -> bytes:
    return (CORPUS / folder / f"{name}.xml").read_bytes()


def _kind(folder: str, name: str) -> DocumentKind:
    return kind_of(str(_entry(folder, name)["kind"]))


def _lxml_errors(kind: DocumentKind, data: bytes) -> list[tuple[int | None, str]]:
    """lxml's errors as ``(line, message)``: the syntax error, or every schema error."""
    try:
        tree = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        return [(exc.lineno, str(exc.msg))]
    schema = lxml_schema(kind.schema_file)
    if schema.validate(tree):
        return []
    log: Any = schema.error_log  # lxml-stubs do not declare iteration
    return [(entry.line or None, str(entry.message)) for entry in log]


def _xmlschema_errors(kind: DocumentKind, data: bytes) -> list[tuple[str | None, str]]:
    """xmlschema's errors as ``(path, reason)``; a malformed file is one error without path."""
    schema = xmlschema_schema(kind.schema_file)
    try:
        return [(error.path, str(error.reason)) for error in schema.iter_errors(data)]
    except ElementTree.ParseError as exc:  # xmlschema's parse errors derive from it
        return [(None, str(exc))]


def _is_at_or_above(ancestor: str, path: str) -> bool:
    """``/a/b`` is at or above ``/a/b``, ``/a/b/c`` and ``/a/b/@x``, not ``/a/bc``."""
    return path == ancestor or path.startswith(ancestor.rstrip("/") + "/")


# --------------------------------------------------------------------------- the corpus


def test_manifest_and_folders_match() -> None:
    """Every file is described in expected.toml and every description has its file."""
    assert sorted(MANIFEST) == sorted(FOLDERS)
    for folder in FOLDERS:
        on_disk = sorted(p.stem for p in (CORPUS / folder).iterdir())
        assert all(p.suffix == ".xml" for p in (CORPUS / folder).iterdir()), folder
        assert on_disk == _entries(folder), folder
    assert sorted(p.name for p in CORPUS.iterdir()) == sorted([*FOLDERS, "expected.toml"])


def test_manifest_entries_are_complete() -> None:
    """Each entry names its kind and what a test needs; broken files name their source."""
    required = {
        "valid": {"kind", "about"},
        "invalid": {"kind", "source", "defect", "line", "path", "reason"},
        "semantic": {"kind", "source", "defect", "line", "path", "error"},
    }
    optional = {"invalid": {"known_issue"}}
    for folder in FOLDERS:
        for name in _entries(folder):
            entry = _entry(folder, name)
            keys = set(entry)
            assert required[folder] <= keys <= required[folder] | optional.get(folder, set()), name
            assert entry["kind"] in KIND_NAMES, name
            assert name.startswith(f"{entry['kind']}_"), name
            if folder != "valid":
                assert entry["source"] in MANIFEST["valid"], name
                assert _entry("valid", entry["source"])["kind"] == entry["kind"], name
                assert isinstance(entry["line"], int) and entry["line"] > 0, name


def test_corpus_is_large_enough() -> None:
    """At least 30 valid and 30 invalid files, and 4 of each for every kind."""
    assert len(_entries("valid")) >= MINIMUM_FILES
    assert len(_entries("invalid")) >= MINIMUM_FILES
    for folder in ("valid", "invalid"):
        per_kind = Counter(_entry(folder, name)["kind"] for name in _entries(folder))
        for kind in KIND_NAMES:
            assert per_kind[kind] >= MINIMUM_PER_KIND, (folder, kind, per_kind[kind])


def test_the_two_validators_agree_on_every_file() -> None:
    """lxml and xmlschema give the same verdict on every file, the expected one."""
    disagreements = []
    for folder in FOLDERS:
        expected_valid = folder != "invalid"
        for name in _entries(folder):
            kind, data = _kind(folder, name), _data(folder, name)
            by_lxml = not _lxml_errors(kind, data)
            by_xmlschema = not _xmlschema_errors(kind, data)
            if not by_lxml == by_xmlschema == expected_valid:
                disagreements.append(f"{folder}/{name}: lxml={by_lxml} xmlschema={by_xmlschema}")
    assert disagreements == []


# --------------------------------------------------------------------------- valid files


@pytest.mark.parametrize("name", _entries("valid"))
def test_valid_file(name: str) -> None:
    """Both validators accept it, it loads, and writing it again gives the same bytes."""
    kind, data = _kind("valid", name), _data("valid", name)
    assert _lxml_errors(kind, data) == []
    assert _xmlschema_errors(kind, data) == []
    assert validate_document(data, lxml_schema(kind.schema_file)).ok
    document = from_xml(data)
    assert type(document) is kind.cls
    assert to_xml(document) == data


# --------------------------------------------------------------------------- invalid files


@pytest.mark.parametrize("name", _entries("invalid"))
def test_invalid_file(name: str) -> None:
    """Both validators refuse it; lxml gives the expected reason on the expected line;
    ``from_xml`` raises an SDK error that names that line."""
    entry = _entry("invalid", name)
    kind, data = _kind("invalid", name), _data("invalid", name)
    line, reason = entry["line"], entry["reason"]

    by_lxml = _lxml_errors(kind, data)
    assert by_lxml, "lxml accepts the file"
    assert _xmlschema_errors(kind, data), "xmlschema accepts the file"
    first_line, first_message = by_lxml[0]
    assert first_line == line
    findings = validate_document(data, lxml_schema(kind.schema_file)).findings
    assert findings, "validate_document finds nothing"
    assert reason in first_message or reason in findings[0].text("en")

    with pytest.raises(CpasError) as caught:
        from_xml(data)
    assert error_line(caught.value) == line
    assert f"line {line}" in str(caught.value)


def _located(name: str) -> Any:
    issue = _entry("invalid", name).get("known_issue")
    return pytest.param(name, marks=pytest.mark.xfail(reason=issue)) if issue else name


@pytest.mark.parametrize("name", [_located(name) for name in _entries("invalid")])
def test_invalid_file_is_located(name: str) -> None:
    """``validate_document`` points at the failing node (line and path), and
    xmlschema's first error is on that node or one of its ancestors."""
    entry = _entry("invalid", name)
    kind, data = _kind("invalid", name), _data("invalid", name)
    first = validate_document(data, lxml_schema(kind.schema_file)).findings[0]
    assert (first.line, first.path) == (entry["line"], entry["path"])
    where, _ = _xmlschema_errors(kind, data)[0]
    if where is not None:  # None: not well-formed, no element to point at
        assert _is_at_or_above(where, entry["path"]), where


# --------------------------------------------------------------------------- semantic files


@pytest.mark.parametrize("name", _entries("semantic"))
def test_schema_valid_but_refused_by_the_sdk(name: str) -> None:
    """Both validators accept it (the XSD checks patterns only), but building the
    document refuses it with the expected error class, path and line."""
    entry = _entry("semantic", name)
    kind, data = _kind("semantic", name), _data("semantic", name)
    assert _lxml_errors(kind, data) == []
    assert _xmlschema_errors(kind, data) == []
    assert validate_document(data, lxml_schema(kind.schema_file)).ok

    expected = getattr(errors, entry["error"])
    with pytest.raises(CpasError) as caught:
        from_xml(data)
    error = caught.value
    assert type(error) is expected
    assert getattr(error, "path", None) == entry["path"]
    assert error_line(error) == entry["line"]
    assert f"line {entry['line']}" in str(error)


def test_is_at_or_above() -> None:
    assert _is_at_or_above("/a/b", "/a/b")
    assert _is_at_or_above("/a/b", "/a/b/c[2]/@x")
    assert _is_at_or_above("/", "/a")
    assert not _is_at_or_above("/a/b", "/a/bc")
    assert not _is_at_or_above("/a/b/c", "/a/b")
