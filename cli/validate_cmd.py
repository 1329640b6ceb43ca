"""``cpas validate``: schema validation of documents and streamed batches."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cpas.adapters.xml.stream import ValidationResult, validate
from cpas.sdk.text import Lang, Text

from .exitcodes import ExitCode
from .options import FORMAT_OPTION, LANG_OPTION, default_lang, for_people
from .perfile import report_per_file

__all__ = ["validate_command"]

_VALID = Text(fr="{file} : valide{records}", nl="{file}: geldig{records}",
              en="{file}: valid{records}")
_INVALID = Text(fr="{file} : {errors} erreur(s){records}", nl="{file}: {errors} fout(en){records}",
                en="{file}: {errors} error(s){records}")
_STOPPED = Text(fr=" ; vérification arrêtée avant la fin", nl="; controle vóór het einde gestopt",
                en="; checking stopped before the end")
_RECORDS = Text(fr=" ({count} enregistrements)", nl=" ({count} records)", en=" ({count} records)")


_use_progress_bar = for_people
"""Whether stderr is a terminal for people (the shared rule; a name tests may patch)."""



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
    exit_code = report_per_file(
        files, lambda path, bar: validate(path, max_errors=max_errors, progress=bar),
        _summary, fmt=fmt, lang=lang, terminal=_use_progress_bar(sys.stderr))
    if exit_code is not ExitCode.OK:
        click.get_current_context().exit(int(exit_code))
