"""``cpas check``: schema and legal rule findings of documents and batches, in one run."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from cpas.adapters.xml.checking import CheckResult, check_file
from cpas.sdk.text import Lang, Text

from .exitcodes import ExitCode, fail
from .options import FORMAT_OPTION, LANG_OPTION, default_lang, for_people
from .perfile import report_per_file

__all__ = ["check_command"]

_OK = Text(fr="{file} : aucune erreur{details}", nl="{file}: geen fouten{details}",
           en="{file}: no errors{details}")
_NOT_OK = Text(fr="{file} : {errors} erreur(s){details}", nl="{file}: {errors} fout(en){details}",
               en="{file}: {errors} error(s){details}")
_WARNINGS = Text(fr=", {count} avertissement(s)", nl=", {count} waarschuwing(en)",
                 en=", {count} warning(s)")
_SCHEMA = Text(fr=" (schéma non respecté : règles non vérifiées)",
               nl=" (schema niet gevolgd: regels niet gecontroleerd)",
               en=" (schema not met: rules not checked)")
_LINES = Text(fr=" ({count} lignes)", nl=" ({count} lijnen)", en=" ({count} lines)")
_STOPPED = Text(fr=" ; vérification arrêtée avant la fin", nl="; controle vóór het einde gestopt",
                en="; checking stopped before the end")


_on_terminal = for_people
"""Whether stderr is a terminal for people (the shared rule; a name tests may patch)."""


def _summary(result: CheckResult, lang: Lang) -> str:
    details = ""
    if result.warnings:
        details += _WARNINGS.format(count=result.warnings).get(lang)
    if result.records:
        details += _LINES.format(count=result.records).get(lang)
    if not result.schema_valid:
        details += _SCHEMA.get(lang)
    if result.errors or not result.ok:
        text = _NOT_OK.format(file=result.source, errors=result.errors, details=details)
    else:
        text = _OK.format(file=result.source, details=details)
    line = text.get(lang)
    if not result.complete:
        line += _STOPPED.get(lang)
    return line


@click.command("check")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              metavar="YYYY-MM-DD",
              help="Check deadlines against this date (default: deadlines against the "
                   "clock are not checked).")
@click.option("--max-errors", type=click.IntRange(min=1), default=None, metavar="N",
              help="Stop checking a file after N errors (default: report every error).")
@click.option("--jobs", type=click.IntRange(min=1, max=2), default=None, metavar="1|2",
              help="CPUs for a reimbursement batch: 2 runs the schema pass beside the "
                   "rules (a second process from 3 MiB, a thread below), 1 one after the "
                   "other (default: 2 when this process may use two CPUs). The findings "
                   "are the same.")
@FORMAT_OPTION
@LANG_OPTION
def check_command(files: tuple[Path, ...], today: dt.datetime | None, max_errors: int | None,
                  jobs: int | None, fmt: str, lang: Lang | None) -> None:
    """Check XML FILEs against their schema, then against the legal rules.

    A file that breaks its schema gets its schema findings only (a document
    that cannot be read is not checked further). A valid file is read and every
    legal rule in force at its date runs. Each finding has the file, the line,
    a path (XPath-like for the schema, $.field for the rules), a code, a
    message in the chosen language and its legal reference. Reimbursement
    batches are read line by line with flat memory.

    Exit status: 0 no error (warnings allowed), 1 an error found, 4 a file
    could not be read (4 wins over 1), 2 usage.
    """
    lang = lang or default_lang()
    day = today.date() if today is not None else None
    exit_code = report_per_file(
        files, lambda path, bar: check_file(path, today=day, max_errors=max_errors,
                                            progress=bar, jobs=jobs),
        _summary, fmt=fmt, lang=lang, terminal=_on_terminal(sys.stderr))
    if exit_code is not ExitCode.OK:
        fail(exit_code)
