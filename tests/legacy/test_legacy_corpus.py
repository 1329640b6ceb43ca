"""The legacy corpus (tests/data/legacy/expected.toml) through ``cpas convert``.

Each file is converted twice: all-or-nothing (exit code, no output on failure) and
with ``--rejects`` (counts, one reason per rejected row, and the invariant that every
input row ends up exactly once in the output or in the rejects).
"""

from __future__ import annotations

import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from cpas.adapters.legacy.columns import Profile, match_columns
from cpas.adapters.legacy.numbers import parse_text
from cpas.adapters.legacy.reading import read_table
from cpas.adapters.xml.documents import from_xml
from cpas.cli.convert_cmd import convert_command

DATA = Path(__file__).parent.parent / "data" / "legacy"
MANIFEST: dict[str, dict[str, Any]] = tomllib.loads(
    (DATA / "expected.toml").read_text("utf-8"))["files"]


@click.group()
def group() -> None:
    """A stand-in for ``cpas`` holding only the command under test."""


group.add_command(convert_command)


def _run(name: str, out: Path, *extra: str) -> Any:
    spec = MANIFEST[name]
    args = [str(DATA / a) if a.endswith(".toml") else a for a in spec["args"]]
    return CliRunner().invoke(group, ["convert", str(DATA / name), *args, "-o", str(out),
                                      "--lang", "en", *extra])


ID_FIELDS = {"reimbursement": "id", "partnership": "convention", "piis": "piis",
             "bilan": "bilan", "convention": "convention"}
"""The column naming each row (a reimbursement line) or the document it belongs to."""


def _id_field(kind: str) -> str:
    return ID_FIELDS[kind]


def _ids(path: Path, kind: str, profile: Profile | None = None) -> list[str]:
    """The id cell of every data row of a CSV or XLSX file."""
    table = read_table(path.read_bytes())
    index = match_columns(table.header, kind, profile).fields[_id_field(kind)]
    return [parse_text(row.cells[index]) for row in table.rows]


def _output_ids(out: Path, kind: str, input_ids: list[str]) -> list[str]:
    """Row ids in the XML output (a convention stands for all rows with its key)."""
    if kind == "reimbursement":
        if not out.exists():
            return []
        return [line.id for line in from_xml(out).lines]
    counts = Counter(input_ids)
    docs = sorted(out.glob("*.xml")) if out.exists() else []
    return [doc_id for doc in docs for doc_id in [from_xml(doc).id] * counts[from_xml(doc).id]]


def test_corpus_is_large_enough() -> None:
    """The issue asks for at least 20 corpus files, each with an expected result."""
    files = {p.name for p in DATA.iterdir() if p.suffix in (".csv", ".xlsx")}
    assert len(files) >= 20
    assert files == set(MANIFEST)


@pytest.mark.parametrize("name", sorted(MANIFEST), ids=sorted(MANIFEST))
def test_all_or_nothing(name: str, tmp_path: Path) -> None:
    """Without --rejects: the expected exit code, and no output at all unless it is 0."""
    spec = MANIFEST[name]
    out = tmp_path / "out.xml"
    result = _run(name, out)
    assert result.exit_code == spec["exit"], result.output
    assert out.exists() == (spec["exit"] == 0)
    if "error" in spec:
        assert spec["error"] in result.output


@pytest.mark.parametrize("name", sorted(n for n in MANIFEST if "error" not in MANIFEST[n]))
def test_rejects_and_nothing_lost(name: str, tmp_path: Path) -> None:
    """With --rejects: counts and reasons as expected, and every input row is found
    exactly once, in the XML output or in the rejects file (compared by id)."""
    spec = MANIFEST[name]
    kind = spec["args"][1]
    out, rejects = tmp_path / "out", tmp_path / "rejects.csv"
    result = _run(name, out, "--rejects", str(rejects))
    assert result.exit_code == spec["exit"], result.output
    rejected, converted = spec["rows_rejected"], spec["rows_out"]
    assert f"{converted} converted, {rejected} rejected" in result.output

    profiles = [DATA / a for a in spec["args"] if a.endswith(".toml")]
    profile = Profile.load(profiles[0]) if profiles else None
    input_ids = _ids(DATA / name, kind, profile)
    output_ids = _output_ids(out, kind, input_ids)
    reject_ids = _ids(rejects, kind, profile)
    assert len(output_ids) == converted
    assert len(reject_ids) == rejected
    assert Counter(output_ids) + Counter(reject_ids) == Counter(input_ids)
    assert not set(output_ids) & set(reject_ids)
    if "documents" in spec:
        assert len(list(out.glob("*.xml"))) == spec["documents"]

    table = read_table(rejects.read_bytes())
    reasons = [parse_text(row.cells[len(table.header) - 1]) for row in table.rows]
    assert len(reasons) == len(spec.get("reasons", []))
    for reason, expected in zip(reasons, spec.get("reasons", []), strict=True):
        assert expected in reason
