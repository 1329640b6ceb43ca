"""The schema registry: package data only, imports resolved inside the package, atomic export."""

from __future__ import annotations

import json
import re
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from lxml import etree

import cpas.schemas
from cpas.adapters.xml.parser import parse_bytes
from cpas.cli.schemas_cmd import schemas
from cpas.schemas import (
    BadSchema,
    SchemaInfo,
    UnknownSchema,
    export,
    list_schemas,
    lxml_schema,
    schema_bytes,
    schema_for_namespace,
    xmlschema_schema,
)

DATA = Path(__file__).resolve().parent.parent / "data" / "stream"
BATCH_NS = "urn:be:cpas-sdk:testbatch:1"


def test_list_schemas() -> None:
    infos = list_schemas(DATA)
    assert [i.name for i in infos] == ["testbatch-1.xsd", "testcommon-1.xsd", "testnote-1.xsd"]
    assert infos[0] == SchemaInfo(name="testbatch-1.xsd", namespace=BATCH_NS, version="1",
                                  kind="testbatch", elements=("batch", "line"),
                                  imports=("testcommon-1.xsd",))
    assert infos[0].is_document
    assert not infos[1].is_document
    assert schema_for_namespace("urn:be:cpas-sdk:testnote:1", DATA).name == "testnote-1.xsd"
    with pytest.raises(UnknownSchema):
        schema_for_namespace("urn:be:cpas-sdk:nothing:1", DATA)


@pytest.mark.parametrize("name", ["absent.xsd", "../stream/testnote-1.xsd", "/etc/passwd",
                                  "batch_valid.xml", ""],
                         ids=["absent", "traversal", "absolute", "not-xsd", "empty"])
def test_unknown_names_are_refused(name: str) -> None:
    with pytest.raises(UnknownSchema):
        schema_bytes(name, DATA)
    with pytest.raises(LookupError):
        lxml_schema(name, DATA)


def test_schema_bytes() -> None:
    assert schema_bytes("testnote-1.xsd", DATA) == (DATA / "testnote-1.xsd").read_bytes()


def test_lxml_schema_resolves_imports_from_the_package() -> None:
    schema = lxml_schema("testbatch-1.xsd", DATA)
    assert schema.validate(etree.parse(str(DATA / "batch_valid.xml")))
    assert not schema.validate(etree.parse(str(DATA / "batch_invalid.xml")))
    assert lxml_schema("testbatch-1.xsd", DATA) is schema


def test_lxml_schema_is_cached_per_thread() -> None:
    here = lxml_schema("testnote-1.xsd", DATA)
    there: list[etree.XMLSchema] = []
    worker = threading.Thread(target=lambda: there.append(lxml_schema("testnote-1.xsd", DATA)))
    worker.start()
    worker.join()
    assert there[0] is not here


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.setblocking(False)
    try:
        yield server
    finally:
        server.close()


IMPORTER = """<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:be:cpas-sdk:bad:1">
  <xs:import namespace="urn:be:cpas-sdk:testcommon:1" schemaLocation="{location}"/>
  <xs:element name="a" type="xs:string"/>
</xs:schema>
"""


@pytest.mark.parametrize("location", ["http://127.0.0.1:{port}/common.xsd", "{outside}",
                                      "file://{outside}", "../outside/testcommon-1.xsd",
                                      "missing.xsd"],
                         ids=["network", "absolute-path", "file-url", "traversal", "missing"])
def test_imports_outside_the_package_are_refused(
    location: str, tmp_path: Path, listener: socket.socket
) -> None:
    """Only the package's own files are served to xs:import; nothing is fetched."""
    outside = tmp_path / "outside" / "testcommon-1.xsd"
    outside.parent.mkdir()
    shutil.copy(DATA / "testcommon-1.xsd", outside)
    package = tmp_path / "package"
    package.mkdir()
    where = location.format(port=listener.getsockname()[1], outside=outside)
    (package / "bad-1.xsd").write_text(IMPORTER.format(location=where), encoding="utf-8")
    with pytest.raises(BadSchema, match="does not compile"):
        lxml_schema("bad-1.xsd", package)
    with pytest.raises(BadSchema):
        xmlschema_schema("bad-1.xsd", package)
    with pytest.raises(BlockingIOError):
        listener.accept()


def test_a_schema_with_a_doctype_is_refused(tmp_path: Path) -> None:
    (tmp_path / "evil-1.xsd").write_text(
        '<!DOCTYPE xs:schema [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"/>', encoding="utf-8")
    with pytest.raises(BadSchema, match="DOCTYPE"):
        list_schemas(tmp_path)
    with pytest.raises(BadSchema):
        lxml_schema("evil-1.xsd", tmp_path)


def test_not_a_schema(tmp_path: Path) -> None:
    (tmp_path / "odd.xsd").write_text("<root/>", encoding="utf-8")
    with pytest.raises(BadSchema, match="not an XML Schema"):
        list_schemas(tmp_path)


def test_xmlschema_agrees_with_lxml() -> None:
    validator = xmlschema_schema("testbatch-1.xsd", DATA)
    assert validator.is_valid(parse_bytes((DATA / "batch_valid.xml").read_bytes()))
    invalid = parse_bytes((DATA / "batch_invalid.xml").read_bytes())
    lines = {e.sourceline for e in validator.iter_errors(invalid)}
    assert {4, 6, 7, 8, 9, 10} <= lines  # xmlschema puts <trailer> on its parent


def test_export_is_atomic_and_complete(tmp_path: Path) -> None:
    target = tmp_path / "out" / "xsd"
    written = export(target, DATA)
    assert [p.name for p in written] == [i.name for i in list_schemas(DATA)]
    for path in written:
        assert path.read_bytes() == (DATA / path.name).read_bytes()
    (target / "testnote-1.xsd").write_text("stale", encoding="utf-8")
    export(target, DATA)
    assert (target / "testnote-1.xsd").read_bytes() == (DATA / "testnote-1.xsd").read_bytes()
    assert sorted(p.name for p in target.iterdir()) == [p.name for p in written]
    # The exported set compiles on its own, straight from the file system.
    assert lxml_schema("testbatch-1.xsd", target).validate(
        etree.parse(str(DATA / "batch_valid.xml")))


def test_export_failure_leaves_no_temporary_file(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory", encoding="utf-8")
    with pytest.raises(OSError):  # noqa: PT011 - FileExistsError or NotADirectoryError
        export(blocker, DATA)
    target = tmp_path / "out"
    target.mkdir()
    (target / "testnote-1.xsd").mkdir()  # a directory cannot be replaced by a file
    with pytest.raises(OSError):  # noqa: PT011 - IsADirectoryError
        export(target, DATA, names=["testnote-1.xsd"])
    assert [p.name for p in target.iterdir()] == ["testnote-1.xsd"]


def test_shipped_schemas_compile_offline() -> None:
    """Every XSD of the package compiles in lxml and xmlschema and follows the naming scheme."""
    for info in list_schemas():
        assert re.fullmatch(r"urn:be:cpas-sdk:[a-z]+:\d+", info.namespace), info.name
        assert info.name == f"{info.kind}-{info.version}.xsd"
        assert isinstance(lxml_schema(info.name), etree.XMLSchema)
        assert xmlschema_schema(info.name) is not None


# --------------------------------------------------------------------------- CLI


@click.group()
def app() -> None:
    """A stand-in for the ``cpas`` group."""


app.add_command(schemas)


@pytest.fixture
def test_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cpas.schemas, "DEFAULT_PACKAGE", DATA)


@pytest.mark.usefixtures("test_registry")
def test_cli_list() -> None:
    text = CliRunner().invoke(app, ["schemas", "list"])
    assert text.exit_code == 0
    assert "testbatch-1.xsd" in text.output
    assert BATCH_NS in text.output
    result = CliRunner().invoke(app, ["schemas", "list", "--format", "json"])
    assert result.exit_code == 0
    rows = json.loads(result.output)
    assert [r["name"] for r in rows] == ["testbatch-1.xsd", "testcommon-1.xsd", "testnote-1.xsd"]
    assert rows[0]["elements"] == ["batch", "line"]


@pytest.mark.usefixtures("test_registry")
def test_cli_export(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["schemas", "export", str(tmp_path / "x")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "x").iterdir()) == [
        "testbatch-1.xsd", "testcommon-1.xsd", "testnote-1.xsd"]


@pytest.mark.usefixtures("test_registry")
def test_cli_export_io_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    result = CliRunner().invoke(app, ["schemas", "export", str(blocker / "sub")])
    assert result.exit_code == 4
    assert "Error" in result.output


def test_cli_usage() -> None:
    assert CliRunner().invoke(app, ["schemas", "export"]).exit_code == 2
