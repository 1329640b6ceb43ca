"""e-Box packages against crafted input and crashes (shared/signing.md §7; exit codes of
cli/exitcodes.py): malformed export.json and message.json are invalid (1), never an
internal error (5); a package changed between the check and the copy is not unpacked;
an interrupted unpack leaves no partial target; output-folder mistakes are usage errors
(2); the recipient NISS can be given without putting it on the command line.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from ebox_helpers import (
    RECIPIENT,
    SENDER,
    Signed,
    change_in_container,
    edit_json,
    make_package,
    make_signed,
    reseal,
    write_sums,
)

from cpas.adapters.signing import ebox as ebox_module
from cpas.adapters.signing.ebox import PackageError, unpack, verify_package
from cpas.adapters.signing.verify import Status
from cpas.cli.main import cli
from strategies import niss_digits


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> Signed:
    return make_signed(tmp_path_factory.mktemp("ebox-hardening"))


def _run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, ["ebox", *args], env=env)


def _pack(signed: Signed, output: Path, *extra: str, env: dict[str, str] | None = None) -> Result:
    return _run("pack", str(signed.convention), "-o", str(output), "--sender-kbo", SENDER,
                "--message-type", "cpas-subsidy-convention", "--trust", str(signed.root_pem),
                "--created-at", "2025-06-03T08:00:00Z", "--subject-fr", "Décision", *extra,
                env=env)


# ----------------------------------------------------------------- malformed JSON (items 8, 9)


def test_export_attachment_that_is_not_an_object_is_invalid(signed: Signed,
                                                            tmp_path: Path) -> None:
    package = make_package(signed, tmp_path / "p")

    def add_number(data: dict[str, Any]) -> None:
        data["attachments"].append(5)

    edit_json(package / "export.json", add_number)
    write_sums(package)
    result = verify_package(package, signed.trust())
    assert result.status is Status.INVALID
    assert "export.json $.attachments[1]: must be an object" in result.problems
    done = _run("verify", str(package), "--trust", str(signed.root_pem))
    assert done.exit_code == 1, done.output


@pytest.mark.parametrize("entry", ["message.json", "export.json"])
def test_deeply_nested_json_is_invalid(signed: Signed, tmp_path: Path, entry: str) -> None:
    """100 000 nested arrays: refused as too deep (exit 1), no RecursionError (exit 5)."""
    package = make_package(signed, tmp_path / "p")
    (package / entry).write_bytes(b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")
    write_sums(package)
    result = verify_package(package, signed.trust())
    assert result.status is Status.INVALID
    assert f"{entry}: nested too deeply" in result.problems
    done = _run("verify", str(package), "--trust", str(signed.root_pem))
    assert done.exit_code == 1, done.output


# ------------------------------------------------------- changed after the check (item 7)


def test_package_changed_between_check_and_copy_is_not_unpacked(
        signed: Signed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The attacker swaps the container for another one right after the check and reseals
    SHA256SUMS and message.json: the bytes written must still be those that were checked."""
    package = make_package(signed, tmp_path / "p")
    swapped = tmp_path / "swapped.asice"
    swapped.write_bytes(signed.convention.read_bytes())
    change_in_container(swapped, "convention.xml", b"Namur", b"Nemur")
    original = ebox_module._empty_target

    def swap_then_check(target: Path) -> None:
        (package / "attachments" / "upfile1" / "convention.asice").write_bytes(
            swapped.read_bytes())
        reseal(package)
        original(target)

    monkeypatch.setattr(ebox_module, "_empty_target", swap_then_check)
    target = tmp_path / "out"
    with pytest.raises(PackageError, match="changed while it was being copied"):
        unpack(package, target, signed.trust())
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


# ---------------------------------------------------------- interrupted unpack (item 16)


def test_interrupted_unpack_leaves_no_target(signed: Signed, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    package = make_package(signed, tmp_path / "p.zip")
    original = ebox_module._write_file
    calls: list[str] = []

    def crash_on_second(path: Path, *args: Any) -> None:
        calls.append(path.name)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        original(path, *args)

    monkeypatch.setattr(ebox_module, "_write_file", crash_on_second)
    target = tmp_path / "out" / "unpacked"
    with pytest.raises(OSError, match="No space left"):
        unpack(package, target, signed.trust())
    assert not target.exists()
    assert list((tmp_path / "out").iterdir()) == []  # no hidden staging folder left
    monkeypatch.setattr(ebox_module, "_write_file", original)
    folder, _ = unpack(package, target, signed.trust())
    names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert names == ["SHA256SUMS", "attachments/upfile1/convention.asice", "export.json",
                     "message.json"]
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["unpacked"]


def test_unpack_into_an_existing_empty_folder(signed: Signed, tmp_path: Path) -> None:
    package = make_package(signed, tmp_path / "p.zip")
    target = tmp_path / "empty"
    target.mkdir()
    unpack(package, target, signed.trust())
    assert sorted(p.name for p in target.iterdir()) == ["SHA256SUMS", "attachments",
                                                        "export.json", "message.json"]


# ------------------------------------------------------------ output folders (item 13)


def test_non_empty_output_folder_is_a_usage_error(signed: Signed, tmp_path: Path) -> None:
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("mine\n")
    done = _pack(signed, busy, "--recipient-kbo", RECIPIENT)
    assert done.exit_code == 2, done.output
    assert "not an empty folder" in done.output
    package = make_package(signed, tmp_path / "p.zip")
    done = _run("unpack", str(package), "-o", str(busy))
    assert done.exit_code == 2, done.output
    assert (busy / "keep.txt").read_text() == "mine\n"
    assert [p.name for p in busy.iterdir()] == ["keep.txt"]
    a_file = tmp_path / "file"
    a_file.write_text("x")
    assert _pack(signed, a_file, "--recipient-kbo", RECIPIENT).exit_code == 2
    assert _pack(signed, busy / "..", "--recipient-kbo", RECIPIENT).exit_code == 2


# ---------------------------------------------------------- recipient NISS off the argv


def test_recipient_niss_from_variable_or_file(signed: Signed, tmp_path: Path) -> None:
    niss = niss_digits(dt.date(1991, 3, 8), 45)
    done = _pack(signed, tmp_path / "env.zip", "--recipient-niss-env", "CPAS_TEST_NISS",
                 env={"CPAS_TEST_NISS": niss})
    assert done.exit_code == 0, done.output
    assert niss not in done.output
    assert f"******-***-{niss[-2:]}" in done.output
    niss_file = tmp_path / "niss.txt"
    niss_file.write_text(niss + "\n")
    done = _pack(signed, tmp_path / "file", "--recipient-niss-file", str(niss_file))
    assert done.exit_code == 0, done.output
    assert niss not in done.output
    message = json.loads((tmp_path / "file" / "message.json").read_text("utf-8"))
    assert niss in json.dumps(message)  # the e-Box needs it; only the output masks it


def test_recipient_niss_variable_errors(signed: Signed, tmp_path: Path) -> None:
    niss = niss_digits(dt.date(1991, 3, 8), 45)
    wrong = niss[:-1] + ("0" if niss[-1] != "0" else "1")
    done = _pack(signed, tmp_path / "a.zip", "--recipient-niss-env", "CPAS_TEST_NISS",
                 env={"CPAS_TEST_NISS": wrong})
    assert done.exit_code == 2, done.output
    assert wrong not in done.output
    unset = _pack(signed, tmp_path / "b.zip", "--recipient-niss-env", "CPAS_TEST_NO_SUCH_VAR")
    assert unset.exit_code == 2, unset.output
    missing = _pack(signed, tmp_path / "c.zip", "--recipient-niss-file",
                    str(tmp_path / "absent.txt"))
    assert missing.exit_code == 4, missing.output
    both = _pack(signed, tmp_path / "d.zip", "--recipient-niss", niss, "--recipient-niss-env",
                 "CPAS_TEST_NISS", env={"CPAS_TEST_NISS": niss})
    assert both.exit_code == 2, both.output
    assert not any((tmp_path / n).exists() for n in ("a.zip", "b.zip", "c.zip", "d.zip"))
