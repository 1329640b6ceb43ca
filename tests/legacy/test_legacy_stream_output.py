"""A reimbursement form streamed to a staged file: same bytes, same all-or-nothing, flat memory.

``convert(..., stream=True)`` writes each line as it is read and validates the
whole file; ``cpas convert`` commits it (temporary file next to the target,
fsync, rename) only when it may write. Checked here: the bytes equal the form
built whole, nothing is left behind when nothing may be written, ``--rejects``
and stdout still work, refusals are the same file errors, and memory does not
grow with the number of rows.
"""

from __future__ import annotations

import datetime as dt
import gc
import io
import os
import stat
import tempfile
import tracemalloc
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from cpas.adapters.legacy import convert as convert_module
from cpas.adapters.legacy.convert import convert
from cpas.adapters.legacy.output import StagedFile
from cpas.adapters.legacy.reading import LegacyFileError
from cpas.adapters.xml.documents import from_xml
from cpas.cli.convert_cmd import convert_command
from cpas.sdk.documents.reimbursement import ReimbursementForm
from strategies import niss_digits

SETTINGS = {"form_type": "dis_b", "cpas_name": "CPAS de Testville", "cpas_kbo": "0412345614",
            "cpas_nis_code": "21004", "effective_date": "01/01/2025",
            "submission_date": "15/02/2025"}
SET = [arg for key, value in SETTINGS.items() for arg in ("--set", f"{key}={value}")]
HEADER = "id;NISS;Nom;Base légale;Mois;Montant\n"


def _niss(number: int) -> str:
    return niss_digits(dt.date(1980, 1, 1) + dt.timedelta(days=number % 9000),
                       1 + number // 9000)


def _csv(rows: int, bad: frozenset[int] = frozenset(), name: str = "Dupont") -> bytes:
    lines = [f"L{i};{_niss(i)};{name};Revenu d'intégration;01/2025;"
             f"{'abc' if i in bad else f'{i % 900 + 100},50'}\n" for i in range(rows)]
    return (HEADER + "".join(lines)).encode("utf-8")


@pytest.fixture(autouse=True)
def _own_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Staged files go to a folder of this test's own, to see what is left behind."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def _left(tmp_path: Path) -> list[str]:
    return sorted(p.name for p in (tmp_path / "tmp").iterdir())


@click.group()
def group() -> None:
    """A stand-in for ``cpas`` holding only the command under test."""


group.add_command(convert_command)


def _run(*args: str, data: bytes | None = None) -> tuple[int, bytes, str]:
    result = CliRunner().invoke(group, ["convert", *args, "--kind", "reimbursement", *SET,
                                        "--lang", "en"], input=data)
    return result.exit_code, result.stdout_bytes, result.stderr


def test_streamed_bytes_are_the_form_built_whole(tmp_path: Path) -> None:
    data = _csv(50)
    whole = convert(data, "reimbursement", settings=SETTINGS)
    streamed = convert(data, "reimbursement", settings=SETTINGS, stream=True)
    assert whole.ok and streamed.ok and streamed.documents == () and streamed.xml == ()
    assert streamed.rows_accepted == whole.rows_accepted == 50
    assert streamed.output is not None
    target = streamed.output.commit(tmp_path / "out" / "form.xml")
    assert target.read_bytes() == whole.xml[0]
    form = from_xml(target)
    assert isinstance(form, ReimbursementForm) and len(form.lines) == 50
    assert _left(tmp_path) == []


def test_cli_writes_the_form(tmp_path: Path) -> None:
    source = tmp_path / "lines.csv"
    source.write_bytes(_csv(20))
    out = tmp_path / "form.xml"
    code, _, _ = _run(str(source), "-o", str(out))
    assert code == 0
    assert out.read_bytes() == convert(source, "reimbursement", settings=SETTINGS).xml[0]
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~mask
    assert _left(tmp_path) == [] and sorted(p.name for p in tmp_path.glob(".form.xml*")) == []


def test_all_or_nothing_leaves_nothing(tmp_path: Path) -> None:
    source = tmp_path / "lines.csv"
    source.write_bytes(_csv(20, bad=frozenset({3, 7})))
    out = tmp_path / "form.xml"
    code, stdout, _ = _run(str(source), "-o", str(out))
    assert code == 1
    assert not out.exists()
    assert b"line 5, column 'Montant' [abc]" in stdout
    assert b"20 row(s) read: 18 converted, 2 rejected" in stdout
    assert _left(tmp_path) == [] and not list(tmp_path.glob(".form.xml*"))


def test_rejects_write_the_good_lines(tmp_path: Path) -> None:
    source = tmp_path / "lines.csv"
    source.write_bytes(_csv(20, bad=frozenset({0, 19})))
    out, rejects = tmp_path / "form.xml", tmp_path / "rejects.csv"
    code, _, _ = _run(str(source), "-o", str(out), "--rejects", str(rejects))
    assert code == 1
    whole = convert(source, "reimbursement", settings=SETTINGS)
    assert out.read_bytes() == whole.xml[0]
    form = from_xml(out)
    assert isinstance(form, ReimbursementForm)
    assert [line.id for line in form.lines] == [f"L{i}" for i in range(1, 19)]
    assert rejects.read_text("utf-8-sig").count("\n") == 3
    assert _left(tmp_path) == []


def test_every_row_rejected_with_rejects_gives_an_empty_form(tmp_path: Path) -> None:
    source = tmp_path / "lines.csv"
    source.write_bytes(_csv(3, bad=frozenset({0, 1, 2})))
    out, rejects = tmp_path / "form.xml", tmp_path / "rejects.csv"
    code, _, _ = _run(str(source), "-o", str(out), "--rejects", str(rejects))
    assert code == 1
    assert b"<lines/>" in out.read_bytes()
    assert out.read_bytes() == convert(source, "reimbursement", settings=SETTINGS).xml[0]


def test_stdout(tmp_path: Path) -> None:
    data = _csv(10)
    code, stdout, _ = _run("-", "-o", "-", data=data)
    assert code == 0
    assert stdout == convert(data, "reimbursement", settings=SETTINGS).xml[0]
    assert _left(tmp_path) == []


def test_a_line_xml_cannot_carry_is_the_same_file_error(tmp_path: Path) -> None:
    """A control character in a name: the whole form is refused, as when built whole."""
    data = _csv(5, name="Du\x01pont")
    with pytest.raises(LegacyFileError) as whole:
        convert(data, "reimbursement", settings=SETTINGS)
    with pytest.raises(LegacyFileError) as streamed:
        convert(data, "reimbursement", settings=SETTINGS, stream=True)
    assert streamed.value.reason == whole.value.reason
    assert "$.lines[0].beneficiary_name" in streamed.value.reason.get("en")
    assert _left(tmp_path) == []


def test_a_schema_refusal_is_a_file_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                          ) -> None:
    """Whatever the writer gave, the staged file is validated before it is handed over."""
    monkeypatch.setattr(convert_module._PIECES, "item",
                        lambda line, index: "\n    <reimbursementLine><id/></reimbursementLine>")
    with pytest.raises(LegacyFileError) as refused:
        convert(_csv(3), "reimbursement", settings=SETTINGS, stream=True)
    assert "schema" in refused.value.reason.get("en")
    assert _left(tmp_path) == []


def test_missing_form_header_is_the_same_file_error(tmp_path: Path) -> None:
    partial = {k: v for k, v in SETTINGS.items() if k != "cpas_kbo"}
    with pytest.raises(LegacyFileError) as whole:
        convert(_csv(3), "reimbursement", settings=partial)
    with pytest.raises(LegacyFileError) as streamed:
        convert(_csv(3), "reimbursement", settings=partial, stream=True)
    assert streamed.value.reason == whole.value.reason
    assert _left(tmp_path) == []


def _peak(rows: int, folder: Path) -> int:
    source = folder / f"lines-{rows}.csv"
    source.write_bytes(_csv(rows))
    tracemalloc.start()
    try:
        result = convert(source, "reimbursement", settings=SETTINGS, stream=True)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.ok and result.output is not None
    result.output.discard()
    return peak


def test_memory_does_not_grow_with_the_rows(tmp_path: Path) -> None:
    """Three times the rows (past the sizes of the reading and validating buffers), the
    same peak: the form is never held (about 3 kB a line when it was)."""
    small, large = _peak(4_000, tmp_path), _peak(12_000, tmp_path)
    assert large - small < 256 * 1024, (small, large)


def test_staged_file(tmp_path: Path) -> None:
    staged = StagedFile()
    staged.write(b"abc")
    assert staged.size == 3 and staged.path is not None and staged.path.exists()
    buffer = io.BytesIO()
    staged.copy_to(buffer)
    assert buffer.getvalue() == b"abc" and staged.path is None
    with pytest.raises(ValueError, match="already committed or discarded"):
        staged.commit(tmp_path / "x")
    staged.discard()  # twice is fine
    other = StagedFile()
    other.write(b"x")
    assert other.commit(tmp_path / "a" / "b.xml", mode=0o600).read_bytes() == b"x"
    assert stat.S_IMODE((tmp_path / "a" / "b.xml").stat().st_mode) == 0o600
    with pytest.raises(ValueError, match="closed"):
        other.write(b"y")
    forgotten = StagedFile()
    forgotten.write(b"z")
    del forgotten  # neither committed nor discarded: dropped with the object
    gc.collect()
    assert _left(tmp_path) == []
