"""``cpas validate``: schema validation of documents and streamed batches."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from cpas.adapters.xml.stream import ValidationResult, validate
from cpas.sdk.text import Lang, Text

from .exitcodes import ExitCode
from .options import FORMAT_OPTION, LANG_OPTION, default_lang, for_people, progress_for

__all__ = ["validate_command"]

_VALID = Text(fr="{file} : valide{records}", nl="{file}: geldig{records}",
              en="{file}: valid{records}")
_INVALID = Text(fr="{file} : {errors} erreur(s){records}", nl="{file}: {errors} fout(en){records}",
                en="{file}: {errors} error(s){records}")
_STOPPED = Text(fr=" ; vérification arrêtée avant la fin", nl="; controle vóór het einde gestopt",
                en="; checking stopped before the end")
_RECORDS = Text(fr=" ({count} enregistrements)", nl=" ({count} records)", en=" ({count} records)")
_UNREADABLE = Text(fr="{file} : illisible : {reason}", nl="{file}: onleesbaar: {reason}",
                   en="{file}: cannot be read: {reason}")


_use_progress_bar = for_people
"""Whether stderr is a terminal for people (the shared rule; a name tests may patch)."""


def _check(path: Path, max_errors: int | None, fmt: str, terminal: bool) -> ValidationResult:
    bar = progress_for(str(path), fmt, terminal=terminal)
    if bar is None:
        return validate(path, max_errors=max_errors)
    with bar:
        return validate(path, max_errors=max_errors, progress=bar)


def _summary(result: ValidationResult, lang: Lang) -> str:
    records = _RECORDS.format(count=result.records).get(lang) if result.records else ""
    if result.findings:
        text = _INVALID.format(file=result.source, errors=len(result.findings), records=records)
    else:
        text = _VALID.format(file=result.source, records=records)
    line = text.get(lang)
    if not result.complete:
        line += _STOPPED.get(lang)
    return line


@click.command("validate")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("--max-errors", type=click.IntRange(min=1), default=None, metavar="N",
              help="Stop checking a file after N errors (default: report every error).")
@FORMAT_OPTION
@LANG_OPTION
def validate_command(files: tuple[Path, ...], max_errors: int | None, fmt: str,
                     lang: Lang | None) -> None:
    """Validate XML FILEs against the cpas-sdk schema of their root namespace.

    Batches (reimbursement forms) are checked record by record with flat
    memory; every error is reported with its line, path and code.
    Exit status: 0 all valid, 1 an error found, 4 a file could not be read
    (4 wins over 1), 2 usage.
    """
    lang = lang or default_lang()
    terminal = _use_progress_bar(sys.stderr)
    exit_code = ExitCode.OK
    rows: list[dict[str, Any]] = []
    for path in files:
        try:
            result = _check(path, max_errors, fmt, terminal)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            exit_code = ExitCode.IO_ERROR
            rows.append({"source": str(path), "ok": False, "io_error": reason})
            if fmt == "text":
                click.echo(_UNREADABLE.format(file=path, reason=reason).get(lang), err=True)
            continue
        if not result.ok and exit_code is ExitCode.OK:
            exit_code = ExitCode.INVALID
        rows.append(result.to_dict(lang))
        if fmt == "text":
            for finding in result.findings:
                click.echo(finding.render(lang))
            click.echo(_summary(result, lang))
    if fmt == "json":
        click.echo(json.dumps({"ok": exit_code is ExitCode.OK, "files": rows},
                              ensure_ascii=False, indent=2))
    if exit_code is not ExitCode.OK:
        click.get_current_context().exit(int(exit_code))
